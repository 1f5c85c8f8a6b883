// Merging section documents into a record, and building the record with its id.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRunRecord, fillCommand, MergeError, mergeSections, runStartTime, SECTIONS, toUtcTime } from '../../../src/core/record.js'
import { computeRunId } from '../../../src/core/id.js'

const H = (c: string): string => c.repeat(64)
const cmd = { argv: ['make'], cwd: '.', exit_code: 0, signal: null }
const env = { os: { platform: 'linux', release: '6.1', arch: 'x64' }, runtime: { node: 'v20.11.0' }, vars: { LANG: 'C' } }
const git = { commit: H('c'), branch: 'main', dirty: false, changes: [] }

function mergeError(docs: unknown[]): MergeError {
  try {
    mergeSections(docs)
  } catch (e) {
    assert.ok(e instanceof MergeError, `expected a MergeError, got ${String(e)}`)
    return e
  }
  assert.fail(`no MergeError for ${JSON.stringify(docs)}`)
}

test('mergeSections: sections from several documents', () => {
  const out = mergeSections([{ command: cmd }, { inputs: [{ path: 'a', size: 1, sha256: H('a') }] }, { env }, { git }, { params: { lr: 0.1 } }, { message: 'hi' }, { outputs: [] }])
  assert.deepEqual(out, { command: cmd, inputs: [{ path: 'a', size: 1, sha256: H('a') }], env, git, params: { lr: 0.1 }, message: 'hi', outputs: [] })
  assert.deepEqual(mergeSections([]), {})
  assert.deepEqual(mergeSections([{}]), {})
  assert.deepEqual([...SECTIONS].sort(), ['command', 'env', 'git', 'inputs', 'message', 'outputs', 'params'])
})

test('mergeSections: equal duplicates are fine; objects merge key by key', () => {
  assert.deepEqual(mergeSections([{ git }, { git: { ...git } }]), { git })
  assert.deepEqual(mergeSections([{ git: null }, { git: null }]), { git: null })
  assert.deepEqual(mergeSections([{ message: 'm' }, { message: 'm' }]), { message: 'm' })
  assert.deepEqual(mergeSections([{ params: { a: 1 } }, { params: { b: 2 } }, { params: { a: 1 } }]), { params: { a: 1, b: 2 } })
  assert.deepEqual(mergeSections([{ env: { os: env.os } }, { env: { runtime: env.runtime, vars: env.vars } }]), { env })
  assert.deepEqual(mergeSections([{ command: { argv: ['x'] } }, { command: { exit_code: 0, argv: ['x'] } }]), { command: { argv: ['x'], exit_code: 0 } })
  // Nested objects merge at any depth when they do not disagree on a leaf.
  assert.deepEqual(mergeSections([{ params: { m: { a: 1 } } }, { params: { m: { b: 1 } } }]), { params: { m: { a: 1, b: 1 } } })
  // Key order inside a value does not make two values differ.
  assert.deepEqual(mergeSections([{ params: { m: { a: 1, b: 2 } } }, { params: { m: { b: 2, a: 1 } } }]), { params: { m: { a: 1, b: 2 } } })
})

test('mergeSections: conflicting values throw a MergeError naming the key', () => {
  const table: Array<[unknown[], RegExp]> = [
    [[{ params: { lr: 0.1 } }, { params: { lr: 0.2 } }], /disagree on params\.lr$/],
    [[{ params: { m: { a: 1 } } }, { params: { m: { a: 2 } } }], /disagree on params\.m\.a$/],
    [[{ command: cmd }, { command: { ...cmd, exit_code: 1 } }], /disagree on command\.exit_code$/],
    [[{ env }, { env: { ...env, vars: { LANG: 'C.UTF-8' } } }], /disagree on env\.vars\.LANG$/],
    [[{ git }, { git: { ...git, dirty: true } }], /disagree on git$/],
    [[{ git }, { git: null }], /disagree on git$/],
    [[{ message: 'a' }, { message: 'b' }], /disagree on message$/],
    [[{ params: { lr: 1 } }, { params: { lr: '1' } }], /disagree on params\.lr$/],
  ]
  for (const [docs, message] of table) assert.match(mergeError(docs).message, message, JSON.stringify(docs))
})

test('mergeSections: file lists are a union by path, sorted by UTF-8 path', () => {
  const a = { path: 'a.txt', size: 1, sha256: H('a') }
  const b = { path: 'b.txt', size: 2, sha256: H('b') }
  const emoji = { path: '\ud83d\ude00.txt', size: 3, sha256: H('e') }
  const pua = { path: '\uff21.txt', size: 4, sha256: H('f') }
  const out = mergeSections([{ inputs: [b, emoji] }, { inputs: [pua, a, b] }, { outputs: [{ path: 'o', missing: true }] }])
  assert.deepEqual(out.inputs, [a, b, pua, emoji])
  assert.deepEqual(out.outputs, [{ path: 'o', missing: true }])

  const conflict = mergeError([{ inputs: [a] }, { inputs: [{ ...a, sha256: H('0') }] }])
  assert.match(conflict.message, /disagree on inputs 'a\.txt'/)
  const outConflict = mergeError([{ outputs: [a] }, { outputs: [{ path: 'a.txt', missing: true }] }])
  assert.match(outConflict.message, /disagree on outputs 'a\.txt'/)
})

test('mergeSections: unknown sections and non-objects are refused; id, schema_version, created_at ignored', () => {
  assert.match(mergeError([{ bogus: 1 }]).message, /document 1 has an unknown section 'bogus'/)
  assert.match(mergeError([{ git }, { Git: git }]).message, /document 2 has an unknown section 'Git'/)
  assert.match(mergeError([{ git }, [1]]).message, /document 2 is not a JSON object/)
  assert.match(mergeError([null]).message, /document 1 is not a JSON object/)
  assert.match(mergeError(['x']).message, /document 1/)
  const whole = { id: H('1'), schema_version: 1, created_at: '2024-01-01T00:00:00Z', git }
  assert.deepEqual(mergeSections([whole, { id: H('2'), schema_version: 9, created_at: 'x', git }]), { git })
})

test('mergeSections: keys named like Object.prototype members are ordinary keys', () => {
  assert.deepEqual(mergeSections([{ params: { a: 1 } }, { params: { toString: 1, constructor: 'c' } }]), {
    params: { a: 1, toString: 1, constructor: 'c' },
  })
  assert.deepEqual(mergeSections([{ env }, { env: { hasOwnProperty: 'x' } }]), { env: { ...env, hasOwnProperty: 'x' } })
  const withProto = JSON.parse('{"params": {"__proto__": {"polluted": 1}}}') as unknown
  const merged = mergeSections([{ params: { a: 1 } }, withProto]) as { params: Record<string, unknown> }
  assert.deepEqual(Object.keys(merged.params), ['a', '__proto__'])
  assert.equal(Object.getPrototypeOf(merged.params), Object.prototype)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('fillCommand: sets a field, agrees with an equal value, refuses a different one', () => {
  const s: Record<string, unknown> = {}
  fillCommand(s, 'exit_code', 3, '--exit-code')
  assert.deepEqual(s, { command: { exit_code: 3 } })
  fillCommand(s, 'exit_code', 3, '--exit-code')
  fillCommand(s, 'argv', ['a', 'b'], '--argv')
  assert.deepEqual(s, { command: { exit_code: 3, argv: ['a', 'b'] } })
  assert.throws(() => fillCommand(s, 'exit_code', 4, '--exit-code'),
    (e: unknown) => e instanceof MergeError && e.message === '--exit-code says 4 but a document gives command.exit_code 3')
  assert.throws(() => fillCommand(s, 'argv', ['a'], '--argv'), MergeError)
  // The sections' command object is replaced, not mutated.
  const original = { argv: ['x'] }
  const t: Record<string, unknown> = { command: original }
  fillCommand(t, 'cwd', '.', '--cwd')
  assert.deepEqual(original, { argv: ['x'] })
  assert.deepEqual(t.command, { argv: ['x'], cwd: '.' })
})

test('buildRunRecord: created_at, schema_version and a recomputable id', () => {
  const now = '2024-05-06T07:08:09.000Z'
  const started = '2024-05-06T07:00:00.000Z'
  const sections = { command: { ...cmd, started_at: started }, inputs: [], outputs: [], params: {}, git: null, env }
  const r = buildRunRecord(sections, now)
  assert.equal(r.created_at, started)
  assert.equal(r.schema_version, 1)
  assert.match(r.id, /^[0-9a-f]{64}$/)
  assert.equal(r.id, computeRunId(r as unknown as Record<string, unknown>))
  assert.deepEqual(Object.keys(r), ['id', 'schema_version', 'created_at', 'command', 'params', 'inputs', 'outputs', 'git', 'env'])

  const noStart = buildRunRecord({ command: cmd, env }, now)
  assert.equal(noStart.created_at, now)
  assert.equal(noStart.id, computeRunId(noStart as unknown as Record<string, unknown>))

  // The same sections in another key order give the same id; any change gives another.
  const reordered = buildRunRecord({ env, git: null, params: {}, outputs: [], inputs: [], command: { ...cmd, started_at: started } }, now)
  assert.equal(reordered.id, r.id)
  assert.notEqual(buildRunRecord({ ...sections, params: { x: 1 } }, now).id, r.id)
  assert.notEqual(buildRunRecord({ ...sections, message: 'm' }, now).id, r.id)
  assert.equal(buildRunRecord(sections, '2030-01-01T00:00:00.000Z').id, r.id) // now is unused when started_at is set
  assert.notEqual(buildRunRecord({ command: cmd, env }, '2030-01-01T00:00:00.000Z').id, noStart.id)
})

test('runStartTime: command.started_at, else created_at, else empty', () => {
  assert.equal(runStartTime({ created_at: 'c', command: { started_at: 's' } }), 's')
  assert.equal(runStartTime({ created_at: 'c', command: {} }), 'c')
  assert.equal(runStartTime({ created_at: 'c' }), 'c')
  assert.equal(runStartTime({}), '')
})

test('mergeSections: command.redaction lists are sets (order and repeats aside); other lists are not', () => {
  const doc = (redaction: unknown, argv = ['x']): unknown => ({ command: { argv, redaction } })
  const cases: Array<[unknown, unknown, boolean]> = [
    [{ keep: ['b', 'a'] }, { keep: ['a', 'b'] }, true],
    [{ keep: ['a', 'a'] }, { keep: ['a'] }, true],
    [{ keep: ['a'] }, { drop: ['b'] }, true],
    [{ keep: ['a'] }, { keep: ['a', 'b'] }, false],
    [{ keep: ['a'] }, { keep: 'a' }, false],
  ]
  for (const [a, b, ok] of cases) {
    const run = (): unknown => mergeSections([doc(a), doc(b)])
    if (ok) assert.doesNotThrow(run, JSON.stringify([a, b]))
    else assert.throws(run, /two documents disagree on command\.redaction\.keep/, JSON.stringify([a, b]))
  }
  assert.throws(() => mergeSections([doc(undefined, ['b', 'a']), doc(undefined, ['a', 'b'])]), /disagree on command\.argv/)
})

test('mergeSections: command.input_dirs and output_dirs are sets of paths: united, sorted by UTF-8 bytes, without repeats', () => {
  const cases: Array<[unknown[], Record<string, unknown>]> = [
    // One document: sorted and rid of repeats all the same, so the order given never changes an id.
    [[{ command: { input_dirs: ['b', 'a', 'b'] } }], { input_dirs: ['a', 'b'] }],
    // Two hash-inputs --sources calls: what both were given.
    [[{ command: { input_dirs: ['data'] } }, { command: { input_dirs: ['more', 'data'] } }], { input_dirs: ['data', 'more'] }],
    [[{ command: { output_dirs: ['z'] } }, { command: { input_dirs: ['z'] } }], { input_dirs: ['z'], output_dirs: ['z'] }],
    // By bytes, as inputs are: 'B' < 'a', 'é' after 'z', a code point above U+FFFF after U+FFFD.
    [[{ command: { input_dirs: ['é', 'z', 'a', 'B', '\u{1F600}', '\uFFFD'] } }], { input_dirs: ['B', 'a', 'z', 'é', '\uFFFD', '\u{1F600}'] }],
    // An empty list is none (record writes none): the same run, the same id.
    [[{ command: { argv: ['x'], input_dirs: [] } }], { argv: ['x'] }],
    [[{ command: { input_dirs: [] } }, { command: { input_dirs: ['a'] } }], { input_dirs: ['a'] }],
    // Not a list of strings: left as it is, for the schema to name.
    [[{ command: { input_dirs: 'data' } }], { input_dirs: 'data' }],
    [[{ command: { input_dirs: [1, 'a'] } }], { input_dirs: [1, 'a'] }],
    // ... also beside a list in another document (it was "two documents disagree").
    [[{ command: { input_dirs: 'b' } }, { command: { input_dirs: ['b'] } }], { input_dirs: 'b' }],
    [[{ command: { output_dirs: ['b'] } }, { command: { output_dirs: null } }], { output_dirs: null }],
  ]
  for (const [docs, want] of cases) {
    const before = JSON.stringify(docs)
    assert.deepEqual(mergeSections(docs).command, want, before)
    assert.equal(JSON.stringify(docs), before, 'the documents given are not changed')
  }
  // Only those two: any other command list given twice must agree.
  assert.throws(() => mergeSections([{ command: { params_files: ['a'] } }, { command: { params_files: ['b'] } }]), /disagree on command\.params_files/)
})

test('toUtcTime: a date-time as the schema takes it, in UTC with Z, its fraction kept digit for digit', () => {
  const table: Array<[string, string | null]> = [
    ['2024-03-01T12:00:00.000Z', '2024-03-01T12:00:00.000Z'],
    ['2026-01-01T00:00:00+02:00', '2025-12-31T22:00:00Z'],
    ['2026-01-01T01:30:00.123456+02:00', '2025-12-31T23:30:00.123456Z'],
    ['2026-01-01T01:30:00.1-05:30', '2026-01-01T07:00:00.1Z'],
    ['2026-01-01T00:00:00-00:00', '2026-01-01T00:00:00Z'],
    ['2026-01-01t00:00:00z', '2026-01-01T00:00:00Z'],
    ['2026-01-01 00:00:00Z', '2026-01-01T00:00:00Z'],
    ['2026-01-01T00:00:00+0200', '2025-12-31T22:00:00Z'],
    ['2026-01-01T00:00:00+02', '2025-12-31T22:00:00Z'],
    ['2024-02-29T23:30:00-01:00', '2024-03-01T00:30:00Z'],
    ['2017-01-01T01:59:60+02:00', '2016-12-31T23:59:60Z'], // a leap second keeps its 60
    ['0001-01-01T00:30:00+01:00', '0000-12-31T23:30:00Z'],
    // No such time: left for the schema to name.
    ['2026-02-30T00:00:00Z', null], ['2026-01-01T24:00:00Z', null], ['2026-01-01T00:00:00', null],
    ['2026-01-01T00:00:00+24:00', null], ['2026-01-01T00:00:00+02:60', null], ['2026-01-01T00:00:00.Z', null], ['yesterday', null],
    // Beyond the years RFC 3339 writes, once in UTC.
    ['0000-01-01T00:30:00+01:00', null], ['9999-12-31T23:30:00-01:00', null],
  ]
  for (const [text, utc] of table) assert.equal(toUtcTime(text), utc, text)
})

test('buildRunRecord: created_at is started_at in UTC; started_at stays as given', () => {
  const started = '2026-01-01T01:30:00.123456+02:00'
  const r = buildRunRecord({ command: { ...cmd, started_at: started }, env }, '2030-01-01T00:00:00.000Z')
  assert.equal(r.created_at, '2025-12-31T23:30:00.123456Z')
  assert.equal(r.command.started_at, started)
  // A started_at that is no time stays for the schema to name there; created_at is then the time given.
  const bad = buildRunRecord({ command: { ...cmd, started_at: 'not a time' }, env }, '2030-01-01T00:00:00.000Z')
  assert.equal(bad.created_at, '2030-01-01T00:00:00.000Z')
  assert.equal(bad.command.started_at, 'not a time')
})

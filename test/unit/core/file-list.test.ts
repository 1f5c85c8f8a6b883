// The run's file lists checked without ajv (core/file-list.ts), and checkValid('run'), which
// leaves such lists out of the validator's work: never looser than the schema, same messages.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { isPlainFileEntry, isPlainFileList } from '../../../src/core/file-list.js'
import { checkValid } from '../../../src/schema.js'
import * as validators from '../../../src/generated/validators.js'

const H = (c: string): string => c.repeat(64)
/**
 * What the schema says of one entry, in both lists: the `inputs` section document holds a `files`
 * list, `outputs` an `outputFiles` list (which takes `stale` too). A plain entry belongs in both.
 */
const schemaAccepts = (e: unknown): boolean => validators.inputs({ inputs: [e] }) && validators.outputs({ outputs: [e] })

test('isPlainFileEntry: the two shapes prov writes, and nothing else', () => {
  const table: Array<[string, unknown, boolean]> = [
    ['a file', { path: 'a', size: 1, sha256: H('a') }, true],
    ['keys in another order', { sha256: H('0'), size: 0, path: 'd/é/😀' }, true],
    ['missing', { path: 'a', missing: true }, true],
    ['a big size', { path: 'a', size: 2 ** 53 - 1, sha256: H('f') }, true],
    ['-0', { path: 'a', size: -0, sha256: H('f') }, true],
    ['a lone surrogate is one character', { path: '\ud800', size: 1, sha256: H('a') }, true],
    // valid, but not plain: left to the validator
    ['a captured stream', { path: 'stdout', size: 1, sha256: H('a'), stream: 'stdout' }, false],
    ['a stale output', { path: 'a', size: 1, sha256: H('a'), stale: true }, false],
    // invalid
    ['empty path', { path: '', size: 1, sha256: H('a') }, false],
    ['path not a string', { path: 1, size: 1, sha256: H('a') }, false],
    ['no path', { size: 1, sha256: H('a') }, false],
    ['no size', { path: 'a', sha256: H('a') }, false],
    ['no sha256', { path: 'a', size: 1 }, false],
    ['size negative', { path: 'a', size: -1, sha256: H('a') }, false],
    ['size fractional', { path: 'a', size: 1.5, sha256: H('a') }, false],
    ['size a string', { path: 'a', size: '1', sha256: H('a') }, false],
    ['size infinite', { path: 'a', size: Infinity, sha256: H('a') }, false],
    ['size NaN', { path: 'a', size: NaN, sha256: H('a') }, false],
    ['sha256 in capitals', { path: 'a', size: 1, sha256: H('A') }, false],
    ['sha256 too short', { path: 'a', size: 1, sha256: 'a'.repeat(63) }, false],
    ['sha256 too long', { path: 'a', size: 1, sha256: 'a'.repeat(65) }, false],
    ['sha256 with a newline after it', { path: 'a', size: 1, sha256: H('a') + '\n' }, false],
    ['sha256 not hex', { path: 'a', size: 1, sha256: H('g') }, false],
    ['an extra field', { path: 'a', size: 1, sha256: H('a'), mode: 'x' }, false],
    ['missing false', { path: 'a', missing: false }, false],
    ['missing "true"', { path: 'a', missing: 'true' }, false],
    ['both shapes at once', { path: 'a', size: 1, sha256: H('a'), missing: true }, false],
    ['missing with an extra field', { path: 'a', missing: true, size: 1 }, false],
    ['an own __proto__ key', JSON.parse(`{"path": "a", "size": 1, "sha256": "${H('a')}", "__proto__": 1}`), false],
    ['an undefined member', { path: 'a', size: 1, sha256: H('a'), x: undefined }, false],
    ['null', null, false],
    ['a list', [{ path: 'a', size: 1, sha256: H('a') }], false],
    ['a string', 'a', false],
  ]
  for (const [what, e, expected] of table) {
    assert.equal(isPlainFileEntry(e), expected, what)
    if (expected) assert.ok(schemaAccepts(e), `${what}: the schema accepts it too`)
  }
  assert.equal(isPlainFileList([]), true)
  assert.equal(isPlainFileList([table[0]![1], table[2]![1]]), true)
  assert.equal(isPlainFileList([table[0]![1], table[6]![1]]), false)
  assert.equal(isPlainFileList({ 0: table[0]![1], length: 1 }), false)
  assert.equal(isPlainFileList(null), false)
})

test('isPlainFileEntry: never true for an entry the schema refuses (random entries)', () => {
  const value = fc.oneof(
    fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer({ min: -2, max: 2 }), fc.double(),
    fc.constantFrom('', 'a', 'stdout', H('a'), H('A'), 'a'.repeat(63), H('a') + '\n'), fc.string({ maxLength: 3 }),
  )
  const name = fc.constantFrom('path', 'size', 'sha256', 'missing', 'stream', 'stale', 'mode', '__proto__')
  const entry = fc.oneof(
    fc.record({ path: value, size: value, sha256: value }, { requiredKeys: [] }),
    fc.record({ path: value, missing: value }, { requiredKeys: [] }),
    fc.array(fc.tuple(name, value), { maxLength: 5 }).map((kv) => JSON.parse(JSON.stringify(Object.fromEntries(kv))) as unknown),
    fc.record({ path: fc.constantFrom('a', 'é'), size: fc.nat(), sha256: fc.constantFrom(H('a'), H('0')) }),
  )
  fc.assert(fc.property(entry, (e) => !isPlainFileEntry(e) || schemaAccepts(e)), { numRuns: 5000 })
})

test('the schema that isPlainFileEntry mirrors: a change here needs a look at core/file-list.ts', () => {
  const schema = JSON.parse(readFileSync(new URL('../../../schemas/run.schema.json', import.meta.url), 'utf8')) as Record<string, any>
  assert.deepEqual(schema.properties.inputs, { $ref: '#/$defs/files' })
  assert.deepEqual(schema.properties.outputs, { $ref: '#/$defs/outputFiles' })
  assert.deepEqual(schema.$defs.outputFiles, { title: 'OutputList', type: 'array', items: { $ref: '#/$defs/outputFile' } })
  assert.deepEqual(schema.$defs.files, { title: 'FileList', type: 'array', items: { $ref: '#/$defs/file' } })
  assert.deepEqual(schema.$defs.path, { type: 'string', minLength: 1 })
  assert.deepEqual(schema.$defs.sha256, { type: 'string', pattern: '^[0-9a-f]{64}$' })
  assert.deepEqual(schema.$defs.file.oneOf.map((s: Record<string, unknown>) => [s.required, s.additionalProperties, s.properties]), [
    [['path', 'size', 'sha256'], false, {
      path: { $ref: '#/$defs/path' }, size: { type: 'integer', minimum: 0 }, sha256: { $ref: '#/$defs/sha256' }, stream: { enum: ['stdout', 'stderr'] },
    }],
    [['path', 'missing'], false, { path: { $ref: '#/$defs/path' }, missing: { const: true } }],
  ])
  // An output's entry: the same two shapes, and `stale` (never in a plain entry) beside stream.
  const { stale, ...outputProperties } = schema.$defs.outputFile.oneOf[0].properties
  assert.deepEqual(stale.const, true)
  assert.deepEqual(schema.$defs.outputFile.oneOf.map((s: Record<string, unknown>, i: number) => [s.required, s.additionalProperties, i === 0 ? outputProperties : s.properties]),
    schema.$defs.file.oneOf.map((s: Record<string, unknown>) => [s.required, s.additionalProperties, s.properties]))
  // Nothing else in the run schema may look into the lists (if, dependentSchemas, ...).
  const keywords = Object.keys(schema).filter((k) => !['$schema', '$id', 'title', 'description', 'type', 'required', 'additionalProperties', 'properties', '$defs'].includes(k))
  assert.deepEqual(keywords, [])
})

test("checkValid('run'): the same answer and message as the validator on the whole run", () => {
  const base = (): Record<string, any> => ({
    id: H('1'), schema_version: 1, created_at: '2024-01-01T00:00:00.000Z',
    command: { argv: ['make'], cwd: '.', exit_code: 0, signal: null },
    inputs: [{ path: 'a', size: 1, sha256: H('a') }, { path: 'b', missing: true }],
    outputs: [{ path: 'o', size: 2, sha256: H('b') }, { path: 'stdout', size: 0, sha256: H('c'), stream: 'stdout' }],
    params: {}, git: null,
    env: { os: { platform: 'linux', release: '6', arch: 'x64' }, runtime: { node: 'v20' }, vars: {} },
  })
  // The messages are those checkValid gave before it left plain lists out.
  const table: Array<[string, (r: Record<string, any>) => void, string | null]> = [
    ['valid', () => {}, null],
    ['valid, only plain lists', (r) => { r.outputs.pop() }, null],
    ['valid, empty lists', (r) => { r.inputs = []; r.outputs = [] }, null],
    ['no inputs', (r) => { delete r.inputs }, "at /: must have required property 'inputs'"],
    ['inputs not a list', (r) => { r.inputs = {} }, 'at /inputs: must be array'],
    ['sha256 in capitals', (r) => { r.inputs[0].sha256 = H('A') }, 'at /inputs/0/sha256: must match pattern "^[0-9a-f]{64}$"'],
    ['size negative', (r) => { r.inputs[0].size = -1 }, 'at /inputs/0/size: must be >= 0'],
    ['size fractional', (r) => { r.outputs[0].size = 1.5 }, 'at /outputs/0/size: must be integer'],
    ['empty path', (r) => { r.inputs[1].path = '' }, 'at /inputs/1/path: must NOT have fewer than 1 characters'],
    ['missing false', (r) => { r.inputs[1].missing = false }, 'at /inputs/1/missing: must be equal to constant'],
    ['unknown field in an entry', (r) => { r.inputs[0].mode = 'x' }, "at /inputs/0: unknown property 'mode'"],
    ['both shapes at once', (r) => { r.inputs[0].missing = true }, "at /inputs/0: unknown property 'missing'"],
    ['a stream that is not one', (r) => { r.outputs[1].stream = 'stdin' }, 'at /outputs/1/stream: must be equal to one of the allowed values'],
    ['an entry that is null', (r) => { r.inputs.push(null) }, 'at /inputs/2: must be object'],
    ['bad argv, plain lists', (r) => { r.command.argv = [] }, 'at /command/argv: must NOT have fewer than 1 items'],
    ['bad exit code, plain lists', (r) => { r.command.exit_code = 256 }, 'at /command/exit_code: must be <= 255'],
    ['unknown top-level field', (r) => { r.extra = 1 }, "at /: unknown property 'extra'"],
    ['bad created_at', (r) => { r.created_at = 'yesterday' }, 'at /created_at: must match format "date-time"'],
    ['bad id', (r) => { r.id = 'x' }, 'at /id: must match pattern "^[0-9a-f]{64}$"'],
    ['bad env', (r) => { delete r.env.os.arch }, "at /env/os: must have required property 'arch'"],
    ['bad git', (r) => { r.git = { commit: 'x' } }, 'at /git: must be null'],
    ['bad argv and a bad entry', (r) => { r.command.argv = []; r.inputs[0].size = -1 }, 'at /command/argv: must NOT have fewer than 1 items'],
    ['bad env and a bad output', (r) => { delete r.env.vars; r.outputs[0].sha256 = 'x' }, 'at /outputs/0/sha256: must match pattern "^[0-9a-f]{64}$"'],
    ['an own __proto__ at the top', (r) => { Object.defineProperty(r, '__proto__', { value: 1, enumerable: true }) }, "at /: unknown property '__proto__'"],
  ]
  for (const [what, edit, expected] of table) {
    const r = base()
    edit(r)
    assert.equal(checkValid('run', validators.run, r), expected, what)
    assert.equal(validators.run(r), expected === null, `${what}: the validator agrees`)
  }
  for (const bad of [null, [], 'x', 1]) assert.equal(checkValid('run', validators.run, bad), 'at /: must be object', String(bad))
})

test("checkValid('inputs'/'outputs'): the same answer as the validator on a hash-inputs document", () => {
  const list = (): any[] => [{ path: 'a', size: 1, sha256: H('a') }, { path: 'b', missing: true }]
  const table: Array<[string, () => unknown, boolean]> = [
    ['plain', () => ({ inputs: list() }), true],
    ['empty', () => ({ inputs: [] }), true],
    ['another top-level key', () => ({ inputs: list(), extra: 1 }), false],
    ['no list', () => ({}), false],
    ['a bad entry', () => ({ inputs: [...list(), { path: 'c', size: -1, sha256: H('c') }] }), false],
    ['capital hex', () => ({ inputs: [{ path: 'a', size: 1, sha256: H('A') }] }), false],
  ]
  for (const [what, make, ok] of table) {
    for (const id of ['inputs', 'outputs'] as const) {
      const doc = make() as Record<string, unknown>
      if (id === 'outputs' && 'inputs' in doc) { doc.outputs = doc.inputs; delete doc.inputs }
      assert.equal(checkValid(id, validators[id], doc) === null, ok, `${id}: ${what}`)
      assert.equal(validators[id](doc), ok, `${id}: ${what}: the validator agrees`)
    }
  }
  assert.match(checkValid('inputs', validators.inputs, { inputs: [{ path: 'a', size: -1, sha256: H('a') }] }) ?? '', /^at \/inputs\/0\/size: must be >= 0$/)
})

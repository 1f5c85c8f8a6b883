// Black-box tests of `prov diff-runs`: comparing stored runs by reference.
import { test, describe, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { BIN, parseValid, type Sandbox, repoPool } from '../helpers/prov.js'

const repo = repoPool()

const commandDoc = (startedAt: string, argv = ['python', 'train.py']): string => JSON.stringify({ command: {
  argv, cwd: '.', exit_code: 0, signal: null, started_at: startedAt, ended_at: startedAt, duration_ms: 1,
} })

/** Store a run from documents; returns its id. */
async function store(sb: Sandbox, docs: string): Promise<string> {
  const r = await sb.prov(['write-run'], { input: docs })
  assert.equal(r.exitCode, 0, r.stderr)
  return JSON.parse(r.stdout).id
}

async function diffRuns(sb: Sandbox, args: string[], expectCode: 0 | 1, opts: Parameters<Sandbox['prov']>[1] = {}): Promise<any> {
  const r = await sb.prov(['diff-runs', ...args], opts)
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`)
  assert.equal(r.exitCode, expectCode)
  const d = parseValid('diff', r.stdout).diff
  assert.equal(d.identical, expectCode === 0)
  return d
}

async function diffFails(sb: Sandbox, args: string[], pattern: RegExp, opts: Parameters<Sandbox['prov']>[1] = {}): Promise<string> {
  const r = await sb.prov(['diff-runs', ...args], opts)
  assert.equal(r.exitCode, 2, `stderr: ${r.stderr}`)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, pattern)
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
  return r.stderr
}

const EMPTY = { command: [], code: [], inputs: [], params: [], env: [], outputs: [] }

describe('diff-runs', { concurrency: true }, () => {
  let sb: Sandbox
  let gitDoc: string
  let envDoc: string
  let a: string // lr 0.1, started first
  let b: string // lr 0.2, started second
  before(async () => {
    sb = await repo({ 'train.py': 'print(1)\n' })
    gitDoc = (await sb.prov(['git-state'])).stdout
    envDoc = (await sb.prov(['snapshot-env', '--no-tools'])).stdout
    a = await store(sb, gitDoc + envDoc + commandDoc('2024-01-01T00:00:00.000Z') + '{"params":{"lr":0.1,"bs":32}}')
    b = await store(sb, gitDoc + envDoc + commandDoc('2024-01-02T00:00:00.000Z') + '{"params":{"lr":0.2,"bs":32}}')
    assert.notEqual(a, b)
  })

  test('a run against itself: exit 0, identical, no changes', async () => {
    const d = await diffRuns(sb, [a, a], 0)
    assert.deepEqual(d, { a, b: a, identical: true, ...EMPTY })
  })

  test('runs that differ only in times and ids are identical', async () => {
    const s = await repo()
    const x = await store(s, gitDoc + envDoc + commandDoc('2024-05-01T00:00:00.000Z'))
    const y = await store(s, gitDoc + envDoc + JSON.stringify({ command: {
      argv: ['python', 'train.py'], cwd: '.', exit_code: 0, signal: null,
      started_at: '2024-06-01T10:00:00.000Z', ended_at: '2024-06-01T11:00:00.000Z', duration_ms: 3_600_000,
    } }))
    assert.notEqual(x, y)
    const d = await diffRuns(s, [x, y], 0)
    assert.deepEqual(d, { a: x, b: y, identical: true, ...EMPTY })
  })

  test('a changed param: exit 1, with the params entry', async () => {
    const d = await diffRuns(sb, [a, b], 1)
    assert.equal(d.a, a)
    assert.equal(d.b, b)
    assert.deepEqual(d.params, [{ op: 'changed', key: 'lr', from: 0.1, to: 0.2 }])
    for (const s of ['command', 'code', 'inputs', 'env', 'outputs']) assert.deepEqual(d[s], [], s)
  })

  test('references: full id, 4-character prefix, @, @~1, paths to run.json, - for stdin', async () => {
    const expected = await diffRuns(sb, [a, b], 1)
    const sameDiff = async (args: string[], opts: Parameters<Sandbox['prov']>[1] = {}, ids = { a, b }): Promise<void> => {
      const d = await diffRuns(sb, args, 1, opts)
      assert.deepEqual(d, { ...expected, ...ids }, args.join(' '))
    }
    await sameDiff([a.slice(0, 4), b.slice(0, 4)])
    await sameDiff([a.slice(0, 12), b])
    await sameDiff(['@~1', '@'])
    await sameDiff(['@~', '@'])
    const fileA = path.join(sb.dir, '.prov', 'runs', a, 'run.json')
    await sameDiff([fileA, `.prov/runs/${b}/run.json`])
    await sameDiff([path.join('.prov', 'runs', a), '@'], {}, { a, b }) // a run directory
    await sameDiff(['-', b], { input: readFileSync(fileA, 'utf8') })
    await sameDiff([a, '-'], { input: readFileSync(path.join(sb.dir, '.prov', 'runs', b, 'run.json'), 'utf8') })
    // from a subdirectory, store references still resolve
    sb.write('sub/.keep', '')
    await sameDiff(['@~1', '@'], { cwd: path.join(sb.dir, 'sub') })
  })

  test('a run.json copied outside the store can be compared by path', async () => {
    const copy = path.join(sb.home, 'copy.json')
    writeFileSync(copy, readFileSync(path.join(sb.dir, '.prov', 'runs', a, 'run.json')))
    const d = await diffRuns(sb, [copy, b], 1)
    assert.equal(d.a, a)
  })

  test('an unknown reference is exit 2 naming it', async () => {
    const unknown = ['ffff', 'eeee', 'dddd'].find((p) => !a.startsWith(p) && !b.startsWith(p))!
    const stderr = await diffFails(sb, [unknown, b], new RegExp(`unknown run '${unknown}'`))
    assert.match(stderr, /candidates/, 'the error lists the candidates')
    await diffFails(sb, ['0'.repeat(64), b], /unknown run/)
    await diffFails(sb, ['no-such-file.json', b], /no-such-file\.json/)
    await diffFails(sb, ['not a ref', b], /not a ref/)
  })

  test('a prefix shorter than 4 characters is rejected as too short', async () => {
    const stderr = await diffFails(sb, ['abc', b], /'abc'/)
    assert.match(stderr, /too short/)
  })

  test('@~N beyond the history is exit 2', async () => {
    const stderr = await diffFails(sb, ['@~5', '@'], /@~5/)
    assert.match(stderr, /2 recorded runs/)
    const empty = await repo()
    await diffFails(empty, ['@~1', '@'], /no runs/)
  })

  test('both sides from stdin is a usage error', async () => {
    await diffFails(sb, ['-', '-'], /stdin/, { input: '' })
  })

  test('standard input: empty, closed, a directory, {} or only white space holds no run (exit 2)', async () => {
    for (const input of ['', '\n  \n', '{}']) {
      await diffFails(sb, ['-', b], /standard input holds no run/, { input })
      await diffFails(sb, [a, '-'], /standard input holds no run/, { input })
    }
    // As a shell gives them: `< dir` and `<&-`.
    // `0>file` too: open for writing only, it cannot be read (before, an internal error).
    for (const [redirect, message] of [['< "$3"', /standard input: it is a directory/], ['<&-', /standard input holds no run/], ['0>"$3/wo.txt"', /^prov: cannot read standard input: bad file descriptor$/]] as const) {
      const r = await execa('sh', ['-c', `exec "$0" "$1" diff-runs - "$2" ${redirect}`, process.execPath, BIN, b, sb.home], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
      assert.equal(r.exitCode, 2, `${redirect}: ${r.stderr}`)
      assert.equal(r.stdout, '', redirect)
      assert.match(r.stderr, message, redirect)
    }
  })

  test('standard input: a run.json that does not hash to its id, or breaks the schema, is refused as the same file by path is', async () => {
    const record = JSON.parse(readFileSync(path.join(sb.dir, '.prov', 'runs', a, 'run.json'), 'utf8'))
    const edited = { ...record, params: { lr: 0.5, bs: 32 } }
    await diffFails(sb, ['-', b], /standard input.* has been altered: its content does not hash to its id/, { input: JSON.stringify(edited) })
    const copy = path.join(sb.home, 'edited.json')
    writeFileSync(copy, JSON.stringify(edited))
    await diffFails(sb, [copy, b], /has been altered: its content does not hash to its id/)
    const { env: _env, ...noEnv } = record
    await diffFails(sb, ['-', b], /standard input does not match the run schema/, { input: JSON.stringify(noEnv) })
    await diffFails(sb, ['-', b], /standard input does not match the run schema/, { input: JSON.stringify({ ...record, id: 'not-an-id' }) })
    // A run and more documents: which is meant?
    await diffFails(sb, ['-', b], /standard input/, { input: JSON.stringify(record) + '\n{"params": {"x": 1}}' })
    // The run as it is passes.
    const same = await diffRuns(sb, ['-', a], 0, { input: JSON.stringify(record) })
    assert.equal(same.a, a)
  })

  test('standard input: section documents are checked against their part of the run schema', async () => {
    for (const [doc, pointer] of [
      ['{"params": 5}', '/params'],
      ['{"inputs": [{"path": "x"}]}', '/inputs/0'],
      ['{"git": {"commit": "x"}}', '/git'],
      ['{"command": {"argv": []}}', '/command'],
      ['{"message": 1}', '/message'],
      ['{"env": {"os": {}}}', '/env'],
    ] as const) {
      const err = await diffFails(sb, ['-', b], /standard input does not match the run schema at \//, { input: doc })
      assert.ok(err.includes(`at ${pointer}`), `${doc}: ${err}`)
    }
    // Valid section documents are compared as before: what they hold against the run.
    const d = await diffRuns(sb, ['-', a], 1, { input: '{"params": {"lr": 0.1, "bs": 32}}' + envDoc })
    assert.equal(d.a, null)
    assert.deepEqual(d.params, [])
    assert.deepEqual(d.env, [])
    assert.ok(d.command.length > 0)
  })

  test('standard input: section documents are scrubbed as write-run would store them: a secret is compared by its fingerprint, never printed', async () => {
    const s = await repo()
    const secret = 'plain-secret-value'
    const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'
    const env = JSON.parse(envDoc)
    env.env.vars.MY_TOKEN = token
    const stored = await store(s, gitDoc + JSON.stringify(env) + commandDoc('2024-01-03T00:00:00.000Z') + JSON.stringify({ params: { api_key: secret, lr: 1 } }))
    // The same values, in clear on standard input: no change.
    const same = await diffRuns(s, [stored, '-'], 1, { input: JSON.stringify(env) + JSON.stringify({ params: { api_key: secret, lr: 1 } }) })
    assert.deepEqual(same.params, [])
    assert.deepEqual(same.env.filter((c: any) => !c.noise), [])
    // Other values: changed, and neither value is printed.
    const r = await s.prov(['diff-runs', stored, '-'], { input: JSON.stringify({ params: { api_key: 'other-secret', lr: 1 } }) })
    assert.equal(r.exitCode, 1, r.stderr)
    assert.ok(!r.stdout.includes('other-secret') && !r.stdout.includes(secret), r.stdout)
    const d = parseValid('diff', r.stdout).diff
    assert.equal(d.params.length, 1)
    assert.equal(d.params[0].key, 'api_key')
    assert.match(d.params[0].to, /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    // The porcelain too.
    const p = await s.prov(['diff', stored, '-'], { input: JSON.stringify({ params: { api_key: 'other-secret', lr: 1 } }) + JSON.stringify(env) })
    assert.equal(p.exitCode, 1, p.stderr)
    assert.ok(!p.stdout.includes('other-secret') && !p.stdout.includes(token), p.stdout)
    assert.match(p.stdout, /api_key/)
    assert.doesNotMatch(p.stdout, /MY_TOKEN/, 'the token, the same in both, is no change')
  })

  test('standard input without a policy of its own is scrubbed under the other run\'s command.redaction: a variable that run keeps in clear is compared in clear', async () => {
    const s = await repo()
    const env = JSON.parse(envDoc)
    env.env.vars.MY_TOKEN = 'kept-token-value'
    const kept = await store(s, gitDoc + JSON.stringify(env) + commandDoc('2024-01-04T00:00:00.000Z').replace('"argv":', '"redaction":{"keep":["MY_*"]},"argv":'))
    // The same value on stdin, as `prov snapshot-env --keep-var 'MY_*'` prints it: no change, either side.
    for (const args of [[kept, '-'], ['-', kept]]) {
      const same = await diffRuns(s, args, 1, { input: JSON.stringify(env) })
      assert.deepEqual(same.env.filter((c: any) => !c.noise), [], `${args.join(' ')}: ${JSON.stringify(same.env)}`)
    }
    // Another value: a change, shown in clear as the run keeps it.
    env.env.vars.MY_TOKEN = 'kept-token-other'
    const other = await diffRuns(s, [kept, '-'], 1, { input: JSON.stringify(env) })
    assert.deepEqual(other.env.filter((c: any) => c.key === 'vars.MY_TOKEN').map((c: any) => [c.from, c.to]), [['kept-token-value', 'kept-token-other']])
    // Documents that say their own policy keep it: here, none kept, so a fingerprint.
    const own = await s.prov(['diff-runs', kept, '-'], { input: JSON.stringify(env) + commandDoc('2024-01-05T00:00:00.000Z').replace('"argv":', '"redaction":{"redact":["MY_*"]},"argv":') })
    assert.equal(own.exitCode, 1, own.stderr)
    assert.ok(!own.stdout.includes('kept-token-other'), own.stdout)
  })

  test('a corrupt run.json is exit 2', async () => {
    const s = await repo()
    const x = await store(s, gitDoc + envDoc + commandDoc('2024-01-01T00:00:00.000Z'))
    const y = await store(s, gitDoc + envDoc + commandDoc('2024-01-02T00:00:00.000Z', ['other']))
    const file = path.join(s.dir, '.prov', 'runs', x, 'run.json')
    const record = JSON.parse(readFileSync(file, 'utf8'))
    // altered content: the id no longer matches
    record.params = { lr: 99 }
    writeFileSync(file, JSON.stringify(record))
    const altered = await diffFails(s, [x, y], /altered|does not hash/)
    assert.ok(altered.includes(x.slice(0, 12)), altered)
    // not JSON at all
    writeFileSync(file, '{"id": "trunc')
    await diffFails(s, [x, y], /not valid JSON/)
    // valid JSON, not a run
    writeFileSync(file, JSON.stringify({ id: x }))
    await diffFails(s, [x, y], /schema/)
  })

  test('a run.json stored under the id of another run is refused as altered, by show, diff and diff-runs', async () => {
    const s = await repo()
    const x = await store(s, gitDoc + envDoc + commandDoc('2024-01-01T00:00:00.000Z'))
    const y = await store(s, gitDoc + envDoc + commandDoc('2024-01-02T00:00:00.000Z', ['other']))
    // Both checked once, so that cache/verified.json holds them.
    assert.equal((await s.prov(['diff-runs', x, y])).exitCode, 1)
    const fileX = path.join(s.dir, '.prov', 'runs', x, 'run.json')
    const fileY = path.join(s.dir, '.prov', 'runs', y, 'run.json')
    writeFileSync(fileX, readFileSync(fileY)) // y's content, sound in itself, under x's name
    const named = new RegExp(`run ${x.slice(0, 12)} has been altered: .*stored under ${x.slice(0, 12)}.* id is ${y.slice(0, 12)}`)
    await diffFails(s, [x, y], named)
    await diffFails(s, [y, x.slice(0, 8)], named)
    await diffFails(s, [`.prov/runs/${x}/run.json`, y], /has been altered: .*stored under/)
    for (const args of [['show', x], ['show', '--json', x], ['diff', x, y], ['diff', '--workspace', x]]) {
      const r = await s.prov(args)
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.equal(r.stdout, '', args.join(' '))
      assert.match(r.stderr, /has been altered/, args.join(' '))
    }
    // verify says the same, as a failed check
    const v = await s.prov(['verify', x])
    assert.equal(v.exitCode, 1)
    assert.match(v.stdout, /is stored under/)
    const byPath = await s.prov(['verify', `.prov/runs/${x}/run.json`])
    assert.equal(byPath.exitCode, 1)
    assert.match(byPath.stdout, /is stored under/)
  })

  test('when both commits exist, code lists the files between them (scope commits)', async () => {
    const s = await repo({ 'train.py': 'v1\n', 'gone.py': 'g\n', 'same.txt': 's\n' })
    const env = (await s.prov(['snapshot-env', '--no-tools'])).stdout
    const c1 = (await s.git('rev-parse', 'HEAD')).trim()
    const x = await store(s, (await s.prov(['git-state'])).stdout + env + commandDoc('2024-01-01T00:00:00.000Z'))
    s.write('train.py', 'v2\n')
    s.write('new.py', 'n\n')
    await s.git('rm', '-q', 'gone.py')
    await s.git('add', '-A')
    await s.git('commit', '-q', '-m', 'second')
    const c2 = (await s.git('rev-parse', 'HEAD')).trim()
    const y = await store(s, (await s.prov(['git-state'])).stdout + env + commandDoc('2024-01-02T00:00:00.000Z'))
    const d = await diffRuns(s, [x, y], 1)
    assert.deepEqual(d.code, [
      { op: 'changed', key: 'commit', from: c1, to: c2 },
      { op: 'removed', key: 'gone.py', from: c1, scope: 'commits' },
      { op: 'added', key: 'new.py', to: c2, scope: 'commits' },
      { op: 'changed', key: 'train.py', from: c1, to: c2, scope: 'commits' },
    ])
    for (const sec of ['command', 'inputs', 'params', 'env', 'outputs']) assert.deepEqual(d[sec], [], sec)
  })

  test('inputs, command and env changes; noise is flagged and does not count', async () => {
    const s = await repo()
    const h = (c: string): string => c.repeat(64)
    const env1 = JSON.parse(envDoc)
    const env2 = JSON.parse(envDoc)
    env1.env.vars.OLDPWD = '/one'
    env2.env.vars.OLDPWD = '/two'
    const noiseOnlyA = await store(s, gitDoc + JSON.stringify(env1) + commandDoc('2024-01-01T00:00:00.000Z'))
    const noiseOnlyB = await store(s, gitDoc + JSON.stringify(env2) + commandDoc('2024-01-02T00:00:00.000Z'))
    const noise = await diffRuns(s, [noiseOnlyA, noiseOnlyB], 0)
    assert.deepEqual(noise.env, [{ op: 'changed', key: 'vars.OLDPWD', from: '/one', to: '/two', noise: true }])

    env2.env.vars.CUDA_VISIBLE_DEVICES = '1'
    const x = await store(s, gitDoc + JSON.stringify(env1) + commandDoc('2024-02-01T00:00:00.000Z') +
      JSON.stringify({ inputs: [{ path: 'data.csv', size: 1, sha256: h('a') }, { path: 'old.csv', size: 1, sha256: h('b') }] }))
    const y = await store(s, gitDoc + JSON.stringify(env2) + commandDoc('2024-02-02T00:00:00.000Z', ['python', 'train.py', '--fast']) +
      JSON.stringify({ inputs: [{ path: 'data.csv', size: 2, sha256: h('c') }, { path: 'new.csv', size: 1, sha256: h('d') }] }))
    const d = await diffRuns(s, [x, y], 1)
    assert.deepEqual(d.inputs, [
      { op: 'changed', key: 'data.csv', from: { size: 1, sha256: h('a') }, to: { size: 2, sha256: h('c') } },
      { op: 'added', key: 'new.csv', to: { size: 1, sha256: h('d') } },
      { op: 'removed', key: 'old.csv', from: { size: 1, sha256: h('b') } },
    ])
    assert.deepEqual(d.command, [{ op: 'changed', key: 'argv', from: ['python', 'train.py'], to: ['python', 'train.py', '--fast'] }])
    assert.deepEqual(d.env, [
      { op: 'added', key: 'vars.CUDA_VISIBLE_DEVICES', to: '1' },
      { op: 'changed', key: 'vars.OLDPWD', from: '/one', to: '/two', noise: true },
    ])
    // --ignore turns a change into noise; ignoring all of them makes the runs identical
    const ignored = await diffRuns(s, [x, y, '--ignore', 'vars.CUDA_*', '--ignore', 'inputs.*', '--ignore', 'argv'], 0)
    assert.ok(ignored.env.every((c: any) => c.noise === true))
    assert.ok(ignored.inputs.every((c: any) => c.noise === true))
  })

  test('--pretty indents the same document', async () => {
    const r = await sb.prov(['diff-runs', '--pretty', a, b])
    assert.equal(r.exitCode, 1)
    assert.match(r.stdout, /^\{\n {2}"diff": \{/)
    assert.deepEqual(parseValid('diff', r.stdout).diff, await diffRuns(sb, [a, b], 1))
  })

  test('a missing argument is exit 2', async () => {
    await diffFails(sb, [a], /missing argument <b>/)
  })
})

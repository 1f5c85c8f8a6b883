// Black-box tests of `prov write-run`: merging section documents into a stored run.
import { test, describe, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, existsSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { createHmac } from 'node:crypto'
import { execa } from 'execa'
import { BIN, isValid, type Sandbox, repoPool } from '../helpers/prov.js'
import { computeRunId } from '../../src/core/id.js'

const repo = repoPool()

/** Run a shell pipeline in which `prov` is the built CLI (a function, so `prov …` reads as a user types it). */
async function shell(sb: Sandbox, script: string, env: Record<string, string> = {}): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const r = await execa('sh', ['-c', `prov() { "$PROV_NODE" "$PROV_BIN" "$@"; }\n${script}`], {
    cwd: sb.dir, env: { ...sb.env, PROV_NODE: process.execPath, PROV_BIN: BIN, ...env }, extendEnv: false, reject: false, stripFinalNewline: false,
  })
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }
}

function runIds(sb: Sandbox, store = path.join(sb.dir, '.prov')): string[] {
  const runs = path.join(store, 'runs')
  return existsSync(runs) ? readdirSync(runs) : []
}

/** Nothing was written: no run, and nothing left in the store's temp directory. */
function assertNothingWritten(sb: Sandbox): void {
  assert.deepEqual(runIds(sb), [])
  const tmp = path.join(sb.dir, '.prov', 'tmp')
  assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], [])
}

/** Check the {id, path} answer, and return the stored record after validating it and its id. */
function storedRun(sb: Sandbox, stdout: string, store = path.join(sb.dir, '.prov')): any {
  assert.ok(stdout.endsWith('\n'))
  const out = JSON.parse(stdout)
  assert.deepEqual(Object.keys(out).sort(), ['id', 'path'])
  assert.match(out.id, /^[0-9a-f]{64}$/)
  const file = path.resolve(sb.dir, out.path)
  assert.equal(file, path.join(store, 'runs', out.id, 'run.json'))
  const record = JSON.parse(readFileSync(file, 'utf8'))
  assert.ok(isValid('run', record), 'run.json is valid against the run schema')
  assert.equal(record.id, out.id)
  assert.equal(computeRunId(record), out.id, 'the id recomputes')
  return record
}

async function writeRun(sb: Sandbox, args: string[], input?: string): Promise<any> {
  const r = await sb.prov(['write-run', ...args], input === undefined ? {} : { input })
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`)
  assert.equal(r.exitCode, 0)
  return { record: storedRun(sb, r.stdout), out: JSON.parse(r.stdout) }
}

async function writeFails(sb: Sandbox, args: string[], input: string | undefined, pattern: RegExp): Promise<string> {
  const r = await sb.prov(['write-run', ...args], input === undefined ? {} : { input })
  assert.equal(r.exitCode, 2, `stderr: ${r.stderr}`)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, pattern)
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
  assertNothingWritten(sb)
  return r.stderr
}

const STARTED = '2024-03-01T12:00:00.000Z'
const commandDoc = (extra: Record<string, unknown> = {}): string => JSON.stringify({ command: {
  argv: ['python', 'train.py'], cwd: '.', exit_code: 0, signal: null,
  started_at: STARTED, ended_at: '2024-03-01T12:00:01.500Z', duration_ms: 1500, ...extra,
} })

describe('write-run', { concurrency: true }, () => {
  let sb: Sandbox
  let gitDoc: string
  let envDoc: string
  before(async () => {
    sb = await repo({ 'in/a.csv': 'a\n', 'in/b.csv': 'b\n', 'code.py': 'print(1)\n' })
    gitDoc = (await sb.prov(['git-state'])).stdout
    envDoc = (await sb.prov(['snapshot-env', '--no-tools'])).stdout
    assert.ok(gitDoc.startsWith('{"git":'))
    assert.ok(envDoc.startsWith('{"env":'))
  })

  test('the plumbing pipeline stores a valid run whose id recomputes', async () => {
    const s = await repo({ 'in/x.txt': 'x\n', 'in/y/z.txt': 'z\n' })
    const r = await shell(s, '{ prov git-state; prov snapshot-env --no-tools; prov hash-inputs in/; prov read-params -p a=1; } | prov write-run -- echo hi')
    assert.equal(r.stderr, '')
    assert.equal(r.exitCode, 0)
    const record = storedRun(s, r.stdout)
    assert.match(JSON.parse(r.stdout).path, /^\.prov\/runs\/[0-9a-f]{64}\/run\.json$/)
    assert.deepEqual(record.command.argv, ['echo', 'hi'])
    assert.equal(record.command.cwd, '.')
    assert.equal(record.command.exit_code, null, 'nothing said how it exited')
    assert.deepEqual(record.inputs.map((e: any) => e.path), ['in/x.txt', 'in/y/z.txt'])
    assert.deepEqual(record.outputs, [])
    assert.deepEqual(record.params, { a: 1 })
    assert.equal(record.git.commit, (await s.git('rev-parse', 'HEAD')).trim())
    assert.equal(record.git.dirty, false)
    assert.equal(record.env.runtime.node, process.version)
    assert.equal(record.schema_version, 1)
    assert.ok(Math.abs(Date.parse(record.created_at) - Date.now()) < 60_000, 'created_at is now when no document has a time')
    assert.equal(runIds(s).length, 1)
  })

  test('a document nested deeper than a run can be (5,000 lists in its params) is refused with its place, not a stack overflow; nothing written', async () => {
    const deep = `{"params": {"a": ${'['.repeat(5000)}${']'.repeat(5000)}}}`
    await writeFails(sb, [], [commandDoc(), gitDoc, envDoc, deep].join('\n'), /^prov: standard input: the document starting at line [0-9]+, column 1 nests its values more than 264 levels deep\n$/)
  })

  test('concatenated and one-per-line documents give the same run', async () => {
    const s = await repo()
    const docs = [gitDoc.trim(), envDoc.trim(), commandDoc(), '{"params":{"lr":0.1}}']
    const perLine = await writeRun(s, [], docs.join('\n') + '\n')
    const concatenated = await sb.prov(['write-run'], { input: docs.join('') })
    assert.equal(concatenated.exitCode, 0, concatenated.stderr)
    assert.equal(JSON.parse(concatenated.stdout).id, perLine.out.id)
    const pretty = docs.map((d) => JSON.stringify(JSON.parse(d), null, 2)).join('')
    const prettyRun = await sb.prov(['write-run'], { input: pretty })
    assert.equal(prettyRun.exitCode, 0, prettyRun.stderr)
    assert.equal(JSON.parse(prettyRun.stdout).id, perLine.out.id)
    assert.equal(perLine.record.created_at, STARTED, 'created_at is the command\'s started_at')
    assert.deepEqual(perLine.record.params, { lr: 0.1 })
  })

  test('FILE arguments instead of stdin', async () => {
    const s = await repo()
    s.write('docs/git.json', gitDoc)
    s.write('docs/env.json', envDoc)
    s.write('docs/cmd.json', commandDoc())
    s.write('docs/params.json', '{"params":{"k":"v"}}\n{"inputs":[]}\n')
    const { record } = await writeRun(s, ['docs/git.json', 'docs/env.json', 'docs/cmd.json', 'docs/params.json'])
    assert.deepEqual(record.params, { k: 'v' })
    assert.deepEqual(record.command.argv, ['python', 'train.py'])
    // a missing FILE is exit 2 naming it
    const r = await s.prov(['write-run', 'docs/git.json', 'docs/nope.json'])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /docs\/nope\.json/)
    assert.equal(runIds(s).length, 1)
  })

  test('the same documents again give the same id, and writing is a no-op', async () => {
    const s = await repo()
    const input = gitDoc + envDoc + commandDoc()
    const first = await writeRun(s, [], input)
    const file = path.join(s.dir, first.out.path)
    const before = statSync(file)
    const text = readFileSync(file, 'utf8')
    const second = await writeRun(s, [], input)
    assert.deepEqual(second.out, first.out)
    assert.equal(runIds(s).length, 1)
    const afterStat = statSync(file)
    assert.equal(afterStat.ino, before.ino, 'run.json was not rewritten')
    assert.equal(afterStat.mtimeMs, before.mtimeMs)
    assert.equal(readFileSync(file, 'utf8'), text)
    // and the order of the documents does not matter
    const third = await writeRun(s, [], commandDoc() + envDoc + gitDoc)
    assert.deepEqual(third.out, first.out)
  })

  test('created_at is command.started_at in UTC, its fraction kept; started_at is stored as given', async () => {
    const s = await repo()
    const started = '2026-01-01T01:30:00.123456+02:00'
    const { record, out } = await writeRun(s, [], gitDoc + envDoc + commandDoc({ started_at: started, ended_at: '2026-01-01T01:30:01+02:00' }))
    assert.equal(record.created_at, '2025-12-31T23:30:00.123456Z')
    assert.equal(record.command.started_at, started)
    // Written again, the same run (created_at is no time of the writing).
    const again = await writeRun(s, [], gitDoc + envDoc + commandDoc({ started_at: started, ended_at: '2026-01-01T01:30:01+02:00' }))
    assert.deepEqual(again.out, out)
    const { record: plain } = await writeRun(s, [], gitDoc + envDoc + commandDoc({ started_at: '2026-01-01T00:00:00+02:00' }))
    assert.equal(plain.created_at, '2025-12-31T22:00:00Z')
    // prov log orders it by its start, as before.
    const log = await s.prov(['log', '--json'])
    assert.equal(log.exitCode, 0, log.stderr)
    assert.deepEqual(log.stdout.trim().split('\n').map((l) => JSON.parse(l).created_at), ['2025-12-31T23:30:00.123456Z', '2025-12-31T22:00:00Z'])
    // A started_at that is no time is named where it stands, not at created_at; nothing is written.
    for (const bad of ['2023-02-29T00:00:00Z', 'yesterday']) {
      const r = await s.prov(['write-run'], { input: gitDoc + envDoc + commandDoc({ started_at: bad }) })
      assert.equal(r.exitCode, 2)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, 'prov: the run does not match the run schema at /command/started_at: must match format "date-time"\n')
    }
    assert.equal((await s.prov(['log', '--json'])).stdout.trim().split('\n').length, 2)
  })

  test('writing again over a stored run that was altered: it is replaced, with a warning, and verify passes; then a no-op again', async () => {
    const s = await repo({ 'code.py': 'print(1)\n' })
    s.write('code.py', 'print(2)\n') // a patch, kept beside run.json
    const git = (await s.prov(['git-state'])).stdout
    s.write('docs/ctx.json', git + envDoc)
    s.write('docs/cmd.json', commandDoc())
    s.write('docs/params.json', '{"params":{"lr": 0.1}}\n')
    const docs = ['docs/ctx.json', 'docs/cmd.json', 'docs/params.json']
    const first = await writeRun(s, docs)
    const file = path.join(s.dir, first.out.path)
    const dir = path.dirname(file)
    const original = readFileSync(file, 'utf8')
    const patch = readFileSync(path.join(dir, 'patch.diff'), 'utf8')
    const verify = async (): Promise<number | undefined> => (await s.prov(['verify', first.out.id])).exitCode
    const again = async (warning: string): Promise<void> => {
      const r = await s.prov(['write-run', ...docs])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(JSON.parse(r.stdout), first.out)
      assert.equal(r.stderr, warning)
      assert.equal(readFileSync(file, 'utf8'), original)
      assert.equal(readFileSync(path.join(dir, 'patch.diff'), 'utf8'), patch)
      assert.equal(await verify(), 0)
      assert.deepEqual(readdirSync(path.join(s.dir, '.prov', 'tmp')), [], 'nothing left in tmp/')
    }
    const shown = `.prov/runs/${first.out.id}`
    // The audit's case: run.json edited by hand.
    writeFileSync(file, original.replace('"lr": 0.1', '"lr": 0.9'))
    assert.notEqual(await verify(), 0)
    await again(`prov: warning: replaced '${shown}/run.json': its content did not match its id\n`)
    // Its patch damaged, or gone; run.json gone from its directory.
    writeFileSync(path.join(dir, 'patch.diff'), 'not the patch\n')
    await again(`prov: warning: replaced '${shown}/patch.diff': its content did not match the run's hash of it\n`)
    rmSync(path.join(dir, 'patch.diff'))
    await again(`prov: warning: wrote '${shown}/patch.diff': the run's directory was there without it\n`)
    rmSync(file)
    await again(`prov: warning: wrote '${shown}/run.json': the run's directory was there without it\n`)
    // As written, it is a no-op: run.json not rewritten.
    const before = statSync(file)
    await again('')
    assert.equal(statSync(file).ino, before.ino)
    assert.equal(statSync(file).mtimeMs, before.mtimeMs)
    // The same run written otherwise (its keys in another order, no indent) is this run: left as it is.
    const { id, ...rest } = JSON.parse(original)
    const reordered = JSON.stringify(Object.fromEntries(Object.entries({ id, ...rest }).reverse()))
    writeFileSync(file, reordered)
    const r = await s.prov(['write-run', ...docs])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, '')
    assert.equal(readFileSync(file, 'utf8'), reordered)
  })

  test('-- CMD gives argv exactly; a document that disagrees is exit 2', async () => {
    const s = await repo()
    const { record } = await writeRun(s, ['--', 'sh', '-c', 'echo "$1"', '--', 'a b', ''], gitDoc + envDoc)
    assert.deepEqual(record.command.argv, ['sh', '-c', 'echo "$1"', '--', 'a b', ''])
    const s2 = await repo()
    await writeFails(s2, ['--', 'other', 'cmd'], gitDoc + envDoc + commandDoc(), /argv/)
  })

  test('-- CMD beside exec\'s document: compared as the run holds it, redacted; a disagreement names neither secret', async () => {
    const s = await repo()
    // The Makefile flow: exec writes the command document, write-run is given the same command after --.
    const ok = await shell(s, `prov exec --out c.json -- sh -c 'true --password=S3cretV1' && { prov git-state; prov snapshot-env --no-tools; } > ctx.json && prov write-run ctx.json c.json -- sh -c 'true --password=S3cretV1'`)
    assert.equal(ok.exitCode, 0, ok.stderr)
    const run = JSON.parse(readFileSync(path.join(s.dir, '.prov', 'runs', runIds(s)[0]!, 'run.json'), 'utf8'))
    assert.match(run.command.argv[2], /^true --password='\[redacted hmac-sha256:[0-9a-f]{32}\]'$/)
    // Another password after --: exit 2, and stderr holds neither.
    const bad = await shell(s, `prov write-run ctx.json c.json -- sh -c 'true --password=S3cretV2'`)
    assert.equal(bad.exitCode, 2)
    assert.match(bad.stderr, /-- says .* but a document gives command\.argv/)
    assert.ok(!bad.stderr.includes('S3cretV1') && !bad.stderr.includes('S3cretV2'), bad.stderr)
    // -m beside a document's message: the error quotes neither token.
    const token = `ghp_${'a1B2'.repeat(9)}`
    const m = await shell(s, `echo '{"message": "deploy ${token}"}' | prov write-run ctx.json c.json - -m 'other ${token}'`)
    assert.equal(m.exitCode, 2)
    assert.ok(!m.stderr.includes(token), m.stderr)
  })

  test('--exit-code and -m fill what no document gives', async () => {
    const s = await repo()
    const { record } = await writeRun(s, ['--exit-code', '3', '-m', 'first try', '--', 'make', 'all'], gitDoc + envDoc)
    assert.equal(record.command.exit_code, 3)
    assert.equal(record.message, 'first try')
    const { record: r2 } = await writeRun(s, ['--exit-code', '0', '--message', 'agrees'], gitDoc + envDoc + commandDoc())
    assert.equal(r2.command.exit_code, 0)
    assert.equal(r2.message, 'agrees')
  })

  test('--exit-code that disagrees with a document, or is not 0-255, is exit 2', async () => {
    const s = await repo()
    await writeFails(s, ['--exit-code', '1'], gitDoc + envDoc + commandDoc(), /exit.code/)
    await writeFails(s, ['--exit-code', 'abc', '--', 'x'], gitDoc + envDoc, /--exit-code/)
    await writeFails(s, ['--exit-code', '256', '--', 'x'], gitDoc + envDoc, /--exit-code/)
    // An unset "$status" must not pass for success; nor other spellings Number() takes.
    for (const bad of ['', ' 1', '0x1', '1e0', '+5', '1.0']) await writeFails(s, ['--exit-code', bad, '--', 'x'], gitDoc + envDoc, /invalid --exit-code/)
  })

  test('a path a run never holds (a .. part, an empty part) is exit 2 naming it, nothing written', async () => {
    const s = await repo()
    const entry = (p: string): string => JSON.stringify({ inputs: [{ path: p, size: 1, sha256: 'a'.repeat(64) }] })
    for (const bad of ['../../etc/passwd', 'a/../b', 'a//b', './a', '/tmp/../etc/passwd', 'a/']) {
      const err = await writeFails(s, ['--', 'x'], gitDoc + envDoc + entry(bad), /inputs\[0\]\.path .* is not a path as a run records it/)
      assert.ok(err.includes(bad), err)
    }
    for (const cmd of [{ params_files: ['../p.yaml'] }, { params_sources: [{ file: 'a/../../p.yaml' }] }]) {
      await writeFails(s, ['--', 'x'], gitDoc + envDoc + JSON.stringify({ command: cmd }), /command\.params_(files\[0\]|sources\[0\]\.file) .* is not a path as a run records it/)
    }
    // The directories a run was given: the same rule, '.' (the project root) allowed.
    for (const cmd of [{ input_dirs: ['data', '../up'] }, { output_dirs: ['a/./b'] }, { input_dirs: [''] }]) {
      await writeFails(s, ['--', 'x'], gitDoc + envDoc + JSON.stringify({ command: cmd }), /command\.(in|out)put_dirs\[\d\] .* is not a path as a run records it/)
    }
    const { record } = await writeRun(s, ['--', 'x'], gitDoc + envDoc + entry('/data/outside.csv') + entry('in/a b.csv'))
    assert.deepEqual(record.inputs.map((e: { path: string }) => e.path), ['/data/outside.csv', 'in/a b.csv'])
  })

  test('an absolute path inside the project root is refused, naming the relative path to give: one file would be under two names (exit 2, nothing written)', async () => {
    const s = await repo()
    const H = 'a'.repeat(64)
    const hint = 'hint: a run keeps absolute only a path outside the project root (prov hash-inputs prints paths so)\n'
    const inside = (where: string, p: string, rel: string): string => `prov: ${where} '${p}' lies inside the project root '${s.dir}': give it relative to the root, as '${rel}'\n${hint}`
    // The audit's case: the same file absolute and relative, in one list.
    const twice = JSON.stringify({ inputs: [{ path: `${s.dir}/inside.txt`, size: 1, sha256: H }, { path: 'inside.txt', size: 1, sha256: H }] })
    assert.equal(await writeFails(s, ['--', 'x'], gitDoc + envDoc + twice, /inside the project root/), inside('inputs[0].path', `${s.dir}/inside.txt`, 'inside.txt'))
    // Through a link to the project, as hash-inputs finds it; in each list of paths a run keeps.
    const link = path.join(s.home, 'link-to-project')
    symlinkSync(s.dir, link)
    const cases: Array<[object, string, string, string]> = [
      [{ outputs: [{ path: `${link}/out/m.bin`, missing: true }] }, 'outputs[0].path', `${link}/out/m.bin`, 'out/m.bin'],
      [{ command: { params_files: [`${s.dir}/p.yaml`] } }, 'command.params_files[0]', `${s.dir}/p.yaml`, 'p.yaml'],
      [{ command: { params_sources: [{ file: `${s.dir}/p.yaml` }] } }, 'command.params_sources[0].file', `${s.dir}/p.yaml`, 'p.yaml'],
      [{ command: { input_dirs: [`${s.dir}/in`] } }, 'command.input_dirs[0]', `${s.dir}/in`, 'in'],
      [{ command: { output_dirs: [link] } }, 'command.output_dirs[0]', link, '.'],
    ]
    for (const [doc, where, p, rel] of cases) assert.equal(await writeFails(s, ['--', 'x'], gitDoc + envDoc + JSON.stringify(doc), /inside the project root/), inside(where, p, rel))
    // Outside the root, an absolute path stays, as before (a sibling whose name starts as the root's included).
    const { record } = await writeRun(s, ['--', 'x'], gitDoc + envDoc + JSON.stringify({ inputs: [{ path: `${s.dir}2/x`, size: 1, sha256: H }], command: { input_dirs: [s.home] } }))
    assert.deepEqual(record.inputs.map((e: { path: string }) => e.path), [`${s.dir}2/x`])
    assert.deepEqual(record.command.input_dirs, [s.home])
  })

  test('command.cwd is relative to the project root: absolute or leaving the root is refused, as such paths are (exit 2, nothing written)', async () => {
    const s = await repo({ 'sub/f': 'f' })
    const hint = "hint: command.cwd is the directory the command ran in, relative to the project root ('.' for the root itself), as prov exec prints it\n"
    const cwd = (c: string): string => gitDoc + envDoc + commandDoc({ cwd: c })
    assert.equal(await writeFails(s, [], cwd('../up'), /command\.cwd/), `prov: command.cwd '../up' is not a path as a run records it: it has a '..' part\n${hint}`)
    assert.equal(await writeFails(s, [], cwd('sub/../..'), /command\.cwd/), `prov: command.cwd 'sub/../..' is not a path as a run records it: it has a '..' part\n${hint}`)
    assert.equal(await writeFails(s, [], cwd('./sub'), /command\.cwd/), `prov: command.cwd './sub' is not a path as a run records it: it has an empty or '.' part\n${hint}`)
    assert.equal(await writeFails(s, [], cwd(''), /command\.cwd/), `prov: command.cwd '' is not a path as a run records it: it is empty\n${hint}`)
    assert.equal(await writeFails(s, [], cwd('/abs'), /command\.cwd/), `prov: command.cwd '/abs' is outside the project root '${s.dir}'\n${hint}`)
    const inside = (p: string, rel: string): string => `prov: command.cwd '${p}' lies inside the project root '${s.dir}': give it relative to the root, as '${rel}'\nhint: a run keeps absolute only a path outside the project root (prov hash-inputs prints paths so)\n`
    assert.equal(await writeFails(s, [], cwd(`${s.dir}/sub`), /command\.cwd/), inside(`${s.dir}/sub`, 'sub'))
    assert.equal(await writeFails(s, [], cwd(s.dir), /command\.cwd/), inside(s.dir, '.'))
    // '.' and a directory below the root are what a run keeps.
    assert.equal((await writeRun(s, [], cwd('.'))).record.command.cwd, '.')
    assert.equal((await writeRun(s, [], cwd('sub'))).record.command.cwd, 'sub')
  })

  test('command.input_dirs and output_dirs: the lists of several documents (hash-inputs --sources) unite, sorted, once', async () => {
    const s = await repo()
    const dirs = (cmd: object): string => JSON.stringify({ command: cmd })
    const { record } = await writeRun(s, ['--', 'x'], gitDoc + envDoc + dirs({ input_dirs: ['z', '.'] }) + dirs({ input_dirs: ['data', 'z', '/'], output_dirs: ['out'] }) + dirs({}))
    assert.deepEqual(record.command.input_dirs, ['.', '/', 'data', 'z'])
    assert.deepEqual(record.command.output_dirs, ['out'])
    // The order they came in makes no difference to what is stored.
    const { record: again } = await writeRun(s, ['--', 'x'], gitDoc + envDoc + dirs({ output_dirs: ['out'], input_dirs: ['data', '/'] }) + dirs({ input_dirs: ['z', '.', 'z'] }))
    assert.deepEqual(again.command, record.command)
    // An empty list is stored as none, as record stores it.
    const { record: none } = await writeRun(s, ['--', 'x'], gitDoc + envDoc + dirs({ input_dirs: [], output_dirs: [] }))
    assert.deepEqual(Object.keys(none.command).filter((k) => k.endsWith('_dirs')), [])
    // A value that is no list beside one that is: the schema names it (it was "two documents disagree").
    const fresh = await repo()
    for (const docs of [dirs({ input_dirs: 'b' }) + dirs({ input_dirs: ['b'] }), dirs({ input_dirs: ['b'] }) + dirs({ input_dirs: 'b' })]) {
      const err = await writeFails(fresh, ['--', 'x'], gitDoc + envDoc + docs, /input_dirs/)
      assert.doesNotMatch(err, /disagree/)
    }
  })

  test('a stored run.json named as FILE brings its patch.diff and captured streams; on stdin they are missing: exit 2', async () => {
    const s = await repo({ 'code.py': 'print(1)\n' })
    s.write('code.py', 'print(2)\n')
    const rec = await s.prov(['record', '-q', '--capture', '--', 'sh', '-c', 'echo out; echo err >&2'])
    assert.equal(rec.exitCode, 0, rec.stderr)
    const [id] = runIds(s)
    const file = path.join(s.dir, '.prov', 'runs', id!, 'run.json')
    const other = path.join(s.home, 'copy-store')
    const r = await s.prov(['write-run', '--store', other, file])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).id, id, 'the same run')
    for (const f of ['patch.diff', 'stdout', 'stderr']) {
      assert.deepEqual(readFileSync(path.join(other, 'runs', id!, f)), readFileSync(path.join(s.dir, '.prov', 'runs', id!, f)), f)
    }
    const v = await s.prov(['verify', '--store', other])
    assert.equal(v.exitCode, 0, v.stdout + v.stderr)
    const source = await s.prov(['verify'])
    assert.equal(source.exitCode, 0, `the run copied from keeps its files: ${source.stdout}${source.stderr}`)
    const piped = await s.prov(['write-run', '--store', path.join(s.home, 'piped-store')], { input: readFileSync(file, 'utf8') })
    assert.equal(piped.exitCode, 2)
    assert.match(piped.stderr, /git\.patch has no text, and a document on standard input brings no patch\.diff/)
    assert.ok(!existsSync(path.join(s.home, 'piped-store', 'runs')))
  })

  test('conflicting documents (two different params) are exit 2, nothing written', async () => {
    const s = await repo()
    const stderr = await writeFails(s, ['--', 'x'], gitDoc + envDoc + '{"params":{"lr":0.1}}{"params":{"lr":0.2}}', /disagree/)
    assert.match(stderr, /params\.lr/)
    // the same value twice is no conflict, and different keys merge
    const { record } = await writeRun(s, ['--', 'x'], gitDoc + envDoc + '{"params":{"lr":0.1}}{"params":{"lr":0.1,"bs":8}}')
    assert.deepEqual(record.params, { lr: 0.1, bs: 8 })
  })

  test('two inputs lists merge by path; one path with two hashes is a conflict', async () => {
    const s = await repo()
    const h = (c: string): string => c.repeat(64)
    const { record } = await writeRun(s, ['--', 'x'], gitDoc + envDoc +
      JSON.stringify({ inputs: [{ path: 'b', size: 1, sha256: h('b') }] }) + JSON.stringify({ inputs: [{ path: 'a', size: 1, sha256: h('a') }] }))
    assert.deepEqual(record.inputs.map((e: any) => e.path), ['a', 'b'])
    const s2 = await repo()
    await writeFails(s2, ['--', 'x'], gitDoc + envDoc +
      JSON.stringify({ inputs: [{ path: 'a', size: 1, sha256: h('a') }] }) + JSON.stringify({ inputs: [{ path: 'a', size: 1, sha256: h('c') }] }), /inputs 'a'/)
  })

  test('invalid JSON is exit 2 naming the line and column, nothing written', async () => {
    const s = await repo()
    const stderr = await writeFails(s, ['--', 'x'], gitDoc + '{"env":\n  {"os": 1,}}\n', /line 2, column 1/)
    assert.match(stderr, /invalid JSON/)
    await writeFails(s, ['--', 'x'], gitDoc + envDoc + '{"params": {"a": 1}', /unterminated/)
    s.write('bad.json', '\n\n  {"params": nope}\n')
    const fromFile = await writeFails(s, ['bad.json', '--', 'x'], undefined, /line 3, column 3/)
    assert.match(fromFile, /bad\.json/)
  })

  test('a value no run can keep (a number beyond a double, a lone surrogate) is exit 2 naming the document, nothing written', async () => {
    const s = await repo()
    await writeFails(s, ['--', 'x'], gitDoc + envDoc + '{"params": {"lr": 1e400}}\n',
      /^prov: standard input: the document starting at line 3, column 1 holds a number JSON cannot hold at params\.lr \(it reads as Infinity\), which a run cannot keep\n$/)
    await writeFails(s, ['--', 'x'], gitDoc + envDoc + '{"message": "\\ud800"}\n',
      /^prov: standard input: the document starting at line 3, column 1 holds a lone surrogate \(\\ud800\) in the string at message, which a run cannot keep\n$/)
  })

  test('a schema violation is exit 2 naming the JSON pointer, nothing written', async () => {
    const s = await repo()
    const env = JSON.parse(envDoc)
    delete env.env.os.platform
    await writeFails(s, ['--', 'x'], gitDoc + JSON.stringify(env), /\/env\/os/)
    await writeFails(s, ['--', 'x'], gitDoc + envDoc + '{"inputs":[{"path":"a","size":1,"sha256":"nothex"}]}', /\/inputs\/0/)
    await writeFails(s, ['--', 'x'], gitDoc + envDoc + '{"params":[1,2]}', /\/params/)
    await writeFails(s, [], gitDoc + envDoc + '{"command":{"argv":[]}}', /\/command\/argv/)
  })

  test('a missing env or git section is exit 2 with a hint', async () => {
    const s = await repo()
    const noEnv = await writeFails(s, ['--', 'x'], gitDoc, /'env'/)
    assert.match(noEnv, /hint:.*prov snapshot-env/)
    const noGit = await writeFails(s, ['--', 'x'], envDoc, /'git'/)
    assert.match(noGit, /hint:.*prov git-state/)
    // {"git": null} (outside a repository) is a git section
    const { record } = await writeRun(s, ['--', 'x'], '{"git":null}' + envDoc)
    assert.equal(record.git, null)
  })

  test('no command at all is exit 2', async () => {
    const s = await repo()
    await writeFails(s, [], gitDoc + envDoc, /command/)
    await writeFails(s, ['--'], gitDoc + envDoc, /command/)
  })

  test('an unknown section key is exit 2 naming it', async () => {
    const s = await repo()
    await writeFails(s, ['--', 'x'], gitDoc + envDoc + '{"bogus": {}}', /'bogus'/)
    await writeFails(s, ['--', 'x'], gitDoc + envDoc + '[1,2]', /not a JSON object/)
  })

  test('the patch text moves into patch.diff beside run.json', async () => {
    const s = await repo({ 'code.py': 'print(1)\n' })
    s.write('code.py', 'print(2)\n')
    const r = await shell(s, '{ prov git-state; prov snapshot-env --no-tools; } | prov write-run -- python code.py')
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, '')
    const record = storedRun(s, r.stdout)
    const g = JSON.parse((await s.prov(['git-state'])).stdout).git
    assert.equal(record.git.dirty, true)
    assert.equal(record.git.patch.text, undefined, 'no patch text in run.json')
    assert.equal(record.git.patch.sha256, g.patch.sha256)
    assert.equal(record.git.patch.size, g.patch.size)
    const runDir = path.dirname(path.join(s.dir, JSON.parse(r.stdout).path))
    assert.equal(readFileSync(path.join(runDir, 'patch.diff'), 'utf8'), g.patch.text)
    assert.ok(!readFileSync(path.join(runDir, 'run.json'), 'utf8').includes('print(2)'))
  })

  test('a patch whose sha256 does not match its text is exit 2', async () => {
    const s = await repo()
    const git = { git: { commit: null, branch: 'main', dirty: true, changes: [{ path: 'a', status: 'M' }], patch: { sha256: 'a'.repeat(64), size: 3, text: 'abc' } } }
    await writeFails(s, ['--', 'x'], JSON.stringify(git) + envDoc, /sha256/)
  })

  test('secrets in hand-made documents are fingerprinted before they are stored', async () => {
    const s = await repo()
    const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'
    const env = JSON.parse(envDoc)
    env.env.vars.GITHUB_TOKEN = token
    const git = JSON.parse(gitDoc)
    git.git.remote = `https://me:${token}@github.com/o/r.git`
    const { record, out } = await writeRun(s, ['-m', `note ${token}`, '--', 'deploy', `--token=${token}`],
      JSON.stringify(env) + JSON.stringify(git) + JSON.stringify({ params: { api_key: 'plain-secret' } }))
    const text = readFileSync(path.join(s.dir, out.path), 'utf8')
    assert.ok(!text.includes(token), 'the token is nowhere in run.json')
    assert.ok(!text.includes('plain-secret'))
    assert.match(record.env.vars.GITHUB_TOKEN, /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.equal(record.git.remote, 'https://github.com/o/r.git')
  })

  test('command.params_sources: taken, -p values redacted as params are, the id recomputes; a malformed one is exit 2', async () => {
    const s = await repo()
    const sources = [{ file: 'p.yaml' }, { param: 'lr=0.2' }, { param: 'api_key=plain-secret' }]
    const { record, out } = await writeRun(s, [], gitDoc + envDoc + commandDoc({ params_sources: sources }) + '{"params": {"lr": 0.2, "api_key": "plain-secret"}}')
    assert.deepEqual(record.command.params_sources.slice(0, 2), sources.slice(0, 2))
    assert.match(record.command.params_sources[2].param, /^api_key=\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.equal(record.command.params_sources[2].param.slice('api_key='.length), record.params.api_key)
    assert.ok(!readFileSync(path.join(s.dir, out.path), 'utf8').includes('plain-secret'))
    const v = await s.prov(['verify', out.id])
    assert.equal(v.exitCode, 0, v.stdout + v.stderr)
    // The run.json given back to write-run: the same run, not written again.
    const again = await s.prov(['write-run'], { input: readFileSync(path.join(s.dir, out.path), 'utf8') })
    assert.equal(again.exitCode, 0, again.stderr)
    assert.equal(JSON.parse(again.stdout).id, out.id)
    const t = await repo()
    await writeFails(t, [], gitDoc + envDoc + commandDoc({ params_sources: [{ param: 'no-equals' }] }), /\/command\/params_sources\/0/)
    await writeFails(t, [], gitDoc + envDoc + commandDoc({ params_sources: [{ file: 'a', param: 'x=1' }] }), /\/command\/params_sources\/0/)
    await writeFails(t, [], gitDoc + envDoc + commandDoc({ params_sources: { file: 'a' } }), /\/command\/params_sources/)
  })

  test('--keep-var, --redact-var, --drop-var: the run written follows them and keeps them in command.redaction, as record does', async () => {
    const s = await repo()
    const env = JSON.parse(envDoc)
    Object.assign(env.env.vars, { MY_TOKEN: 'plain-token-value', PLAIN_NAME: 'plain-visible', NOISY_VAR: 'x' })
    const docs = gitDoc + JSON.stringify(env) + commandDoc()
    // Without the flags, the store's policy: a secret-looking name is fingerprinted.
    const { record: before } = await writeRun(s, [], docs)
    assert.match(before.env.vars.MY_TOKEN, /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.equal(before.command.redaction, undefined)
    const { record, out } = await writeRun(s, ['--keep-var', 'MY_*', '--redact-var', 'PLAIN_*', '--drop-var', 'NOISY_VAR'], docs)
    assert.equal(record.env.vars.MY_TOKEN, 'plain-token-value')
    assert.match(record.env.vars.PLAIN_NAME, /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.ok(!('NOISY_VAR' in record.env.vars))
    assert.deepEqual(record.command.redaction, { redact: ['PLAIN_*'], keep: ['MY_*'], drop: ['NOISY_VAR'] })
    assert.ok(!readFileSync(path.join(s.dir, out.path), 'utf8').includes('plain-visible'))
    // The stored run given back: the same policy, from its document alone, gives the same run.
    const again = await writeRun(s, [], readFileSync(path.join(s.dir, out.path), 'utf8'))
    assert.equal(again.out.id, out.id)
    const same = await writeRun(s, ['--keep-var', 'MY_*', '--redact-var', 'PLAIN_*', '--drop-var', 'NOISY_VAR'], readFileSync(path.join(s.dir, out.path), 'utf8'))
    assert.equal(same.out.id, out.id)
    // The same policy in another order, or with a glob twice, is the same policy: the same run.
    const reordered = await writeRun(s, ['--drop-var', 'NOISY_VAR', '--redact-var', 'PLAIN_*', '--keep-var', 'MY_*', '--keep-var', 'MY_*'], readFileSync(path.join(s.dir, out.path), 'utf8'))
    assert.equal(reordered.out.id, out.id)
    // A document's own command.redaction, unsorted, with repeats and an empty list, is stored as
    // the flags' is: the same run, whoever wrote the policy down.
    const messy = docs.replace('"argv":', '"redaction":{"keep":["MY_*","MY_*"],"drop":["NOISY_VAR"],"redact":["PLAIN_*"]},"argv":')
    const fromDoc = await writeRun(s, [], messy)
    assert.deepEqual(fromDoc.record.command.redaction, { redact: ['PLAIN_*'], keep: ['MY_*'], drop: ['NOISY_VAR'] })
    assert.equal(fromDoc.out.id, out.id)
    const emptyLists = await writeRun(s, [], docs.replace('"argv":', '"redaction":{"keep":[],"redact":[]},"argv":'))
    assert.equal(emptyLists.record.command.redaction, undefined)
    assert.equal(emptyLists.out.id, before.id)
    const t = await repo()
    await writeFails(t, ['--keep-var', 'OTHER_*'], readFileSync(path.join(s.dir, out.path), 'utf8'), /--keep-var.* says .*OTHER_\*.* but a document gives command\.redaction/)
    await writeFails(t, [], docs.replace('"argv":', '"redaction":{"keep":"MY_*"},"argv":'), /command\.redaction\.keep is not a list of strings/)
    await writeFails(t, [], docs.replace('"argv":', '"redaction":{"hide":["X"]},"argv":'), /command\.redaction has an unknown key 'hide'/)
    await writeFails(t, [], docs.replace('"argv":', '"redaction":["X"],"argv":'), /command\.redaction is not an object/)
  })

  test('--keep-var over a snapshot that holds the fingerprint: stored, with a warning that says what to do', async () => {
    const s = await repo()
    const env = JSON.parse(envDoc)
    env.env.vars.MY_TOKEN = '[redacted hmac-sha256:0123456789abcdef0123456789abcdef]'
    const r = await s.prov(['write-run', '--keep-var', 'MY_*'], { input: gitDoc + JSON.stringify(env) + commandDoc() })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stderr, /warning: env\.vars\.MY_TOKEN is kept in clear by --keep-var, but the documents hold its fingerprint: give prov snapshot-env the same --keep-var/)
    storedRun(s, r.stdout)
  })

  test('a FILE that holds no document (a step that failed) is exit 2 naming it, nothing written', async () => {
    const s = await repo()
    s.write('empty.json', '')
    s.write('git.json', gitDoc)
    s.write('env.json', envDoc)
    await writeFails(s, ['git.json', 'env.json', 'empty.json', '--', 'true'], undefined, /'empty\.json' holds no JSON document/)
    // Standard input, named or not: `prov git-state | prov write-run` where the step printed nothing.
    await writeFails(s, ['git.json', 'env.json', '-', '--', 'true'], '', /^prov: standard input holds no JSON document\nhint: did the step piped into write-run fail\?/)
    await writeFails(s, ['--', 'true'], '', /^prov: standard input holds no JSON document\n/)
    // Standard input open for writing only: said, not an internal error (read-params alike).
    for (const cmd of ['prov write-run git.json env.json - -- true', 'prov read-params --params-file -']) {
      const w = await shell(s, `${cmd} 0>"$HOME/wo.txt"`)
      assert.equal(w.exitCode, 2, `${cmd}: ${w.stderr}`)
      assert.equal(w.stderr, 'prov: cannot read standard input: bad file descriptor\n', cmd)
    }
    assertNothingWritten(s)
    // A second '-' finds standard input at its end, as `cat - -` does: no error.
    const twice = await s.prov(['write-run', '-', '-', 'env.json', '--', 'true'], { input: gitDoc })
    assert.equal(twice.exitCode, 0, twice.stderr)
    storedRun(s, twice.stdout)
  })

  test('captured output copied from a stored run keeps its mode, 0600, as record wrote it', async () => {
    const s = await repo()
    const rec = await s.prov(['record', '-q', '--capture', '--', 'echo', 'hi'])
    assert.equal(rec.exitCode, 0, rec.stderr)
    const id = (await s.prov(['log', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l).id)[0]
    const other = path.join(s.dir, 'other-store')
    const w = await s.prov(['write-run', '--store', other, path.join('.prov', 'runs', id, 'run.json')])
    assert.equal(w.exitCode, 0, w.stderr)
    assert.equal(JSON.parse(w.stdout).id, id, 'the same run')
    for (const dir of [path.join(s.dir, '.prov', 'runs', id), path.join(other, 'runs', id)]) {
      assert.equal(statSync(path.join(dir, 'stdout')).mode & 0o777, 0o600, dir)
    }
  })

  test('--store and PROV_DIR choose the store', async () => {
    const s = await repo()
    const r = await s.prov(['write-run', '--store', 'elsewhere', '--', 'x'], { input: gitDoc + envDoc })
    assert.equal(r.exitCode, 0, r.stderr)
    storedRun(s, r.stdout, path.join(s.dir, 'elsewhere'))
    assert.match(JSON.parse(r.stdout).path, /^elsewhere\/runs\//)
    const e = await s.prov(['write-run', '--', 'y'], { input: gitDoc + envDoc, env: { PROV_DIR: path.join(s.dir, 'viaenv') } })
    assert.equal(e.exitCode, 0, e.stderr)
    storedRun(s, e.stdout, path.join(s.dir, 'viaenv'))
    assert.deepEqual(runIds(s), [])
  })

  test('from a subdirectory: the cwd is relative, the path is relative to the project root', async () => {
    const s = await repo({ 'sub/f': 'f' })
    const r = await s.prov(['write-run', '--', 'x'], { input: gitDoc + envDoc, cwd: path.join(s.dir, 'sub') })
    assert.equal(r.exitCode, 0, r.stderr)
    const record = storedRun(s, r.stdout)
    assert.equal(record.command.cwd, 'sub')
    assert.match(JSON.parse(r.stdout).path, /^\.prov\/runs\//)
  })

  test('a key or path with control characters in a refusal is escaped, not sent to the terminal', async () => {
    const s = await repo()
    const sha = 'a'.repeat(64)
    const cases: [string, string][] = [
      // a whole run.json of a newer prov, its new top-level field named with an escape sequence
      ['{"gpu\\u001b[31m\\u202e": 1}\n', "document 1 has an unknown section \"gpu\\u001b[31m\\u202e\""],
      ['{"params": {"a\\u001b[31m": 1}}\n{"params": {"a\\u001b[31m": 2}}\n', 'two documents disagree on params.a\\u001b[31m'],
      [`{"inputs": [{"path": "a\\u001b[31m", "size": 1, "sha256": "${sha}"}]}\n{"inputs": [{"path": "a\\u001b[31m", "size": 2, "sha256": "${sha}"}]}\n`, 'two documents disagree on inputs "a\\u001b[31m"'],
    ]
    for (const [input, message] of cases) {
      const r = await s.prov(['write-run', '--', 'x'], { input })
      assert.equal(r.exitCode, 2, r.stderr)
      assert.equal(r.stdout, '')
      assert.doesNotMatch(r.stderr, /[\x1b\u202e]/)
      assert.ok(r.stderr.includes(message), r.stderr)
    }
    assertNothingWritten(s)
  })

  test('a refused run writes nothing, the secret key included: in a fresh project .prov is not made; an accepted run makes the key its fingerprints are under', async () => {
    const s = await repo({ 'code.py': 'print(1)\n' })
    const docs = (await sb.prov(['git-state', '--no-cache'], { cwd: s.dir })).stdout + (await sb.prov(['snapshot-env', '--no-tools'], { cwd: s.dir })).stdout
    const store = path.join(s.dir, '.prov')
    assert.equal(existsSync(store), false, 'the documents were made without a store')
    const secret = 'ghp_' + 'a'.repeat(36)
    const refused: Array<[string[], string, RegExp]> = [
      // A secret fingerprinted (params), then the schema refuses the run.
      [[], docs + '{"params":{"password":"hunter2"},"command":{"argv":["x"],"exit_code":"bad"}}', /^prov: the run does not match the run schema at \/command\/exit_code: /],
      // A secret fingerprinted to compare -- with the document's argv, which differs.
      [['--', 'cmd', secret], docs + '{"command":{"argv":["y"]}}', /^prov: -- says \["cmd","\[redacted hmac-sha256:[0-9a-f]{32}\]"\] but a document gives command\.argv \["y"\]\n$/],
    ]
    for (const [args, input, pattern] of refused) {
      const r = await s.prov(['write-run', ...args], { input })
      assert.equal(r.exitCode, 2, r.stderr)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, pattern)
      assert.equal(existsSync(store), false, `${args.join(' ')}: .prov holds ${existsSync(store) ? readdirSync(store).join(', ') : ''}`)
    }
    const r = await s.prov(['write-run'], { input: docs + '{"params":{"password":"hunter2"},"command":{"argv":["x"]}}' })
    assert.equal(r.stderr, '')
    assert.equal(r.exitCode, 0)
    const record = storedRun(s, r.stdout)
    const key = readFileSync(path.join(store, 'secret.key'))
    assert.equal(key.length, 32)
    assert.equal(statSync(path.join(store, 'secret.key')).mode & 0o777, 0o600)
    assert.equal(record.params.password, `[redacted hmac-sha256:${createHmac('sha256', key).update('hunter2').digest('hex').slice(0, 32)}]`)
    assert.equal(record.env.key_id, createHmac('sha256', key).update('prov key id').digest('hex').slice(0, 16))
  })
})

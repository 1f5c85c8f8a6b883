// Black-box tests of path safety: run references are validated before they touch the file
// system; a path read from a record never escapes the project by '..', and only names a file
// outside it by the absolute path a record keeps for one (then read as a regular file only);
// inputs that are not regular files are errors that name the file, never a hang.
import { test, describe, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { execa, execaSync } from 'execa'
import { BIN, makeRepo, makePlainDir, parseValid, type Sandbox, toolsDir } from '../helpers/prov.js'
import { computeRunId } from '../../src/core/id.js'

const sandboxes: Sandbox[] = []
after(() => { for (const s of sandboxes) s.cleanup() })

/** A PATH with only the tools used here (the environment snapshot probes every known tool). */
const PATH = toolsDir(['git', 'sh', 'true'])

async function repo(files?: Record<string, string>): Promise<Sandbox> {
  const sb = await makeRepo(files)
  sb.env.PATH = PATH
  sandboxes.push(sb)
  return sb
}
async function plainDir(): Promise<Sandbox> {
  const sb = await makePlainDir()
  sb.env.PATH = PATH
  sandboxes.push(sb)
  return sb
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')
const ZERO = '0'.repeat(64)
type Result = Awaited<ReturnType<Sandbox['prov']>>

/** An input error: the exit status, nothing on stdout, one `prov:` message naming `name`, no stack. */
function assertRejected(r: Result, code: number, name: string | RegExp, label: string): void {
  assert.equal(r.signal, undefined, `${label}: prov was killed (it hung)`)
  assert.equal(r.exitCode, code, `${label}: ${r.stderr}`)
  assert.equal(r.stdout, '', label)
  assert.match(r.stderr, /^prov: /, label)
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('prov: ')).length, 1, `${label}: ${r.stderr}`)
  if (typeof name === 'string') assert.ok(r.stderr.includes(name), `${label}: stderr should name ${JSON.stringify(name)}: ${r.stderr}`)
  else assert.match(r.stderr, name, label)
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${label}: a stack trace`)
}

describe('run references', { concurrency: 4 }, () => {
  let sb: Sandbox
  let id: string
  before(async () => {
    sb = await repo()
    const r = await sb.prov(['record', '-q', '--', 'true'])
    assert.equal(r.exitCode, 0, r.stderr)
    id = readdirSync(path.join(sb.dir, '.prov/runs'))[0]!
    sb.write('not-a-run.json', JSON.stringify({ name: 'package', version: '1.0.0' }))
    sb.write('dir/run.json', JSON.stringify({ id: 'x' }))
  })

  const refs: Array<[string, RegExp]> = [
    ['../../etc/passwd', /cannot read run '\.\.\/\.\.\/etc\/passwd': no such file or directory|not valid JSON/],
    ['/etc/passwd', /run '\/etc\/passwd' is not valid JSON/],
    ['/dev/null', /cannot read run '\/dev\/null': it is not a regular file/],
    ['/dev/zero', /cannot read run '\/dev\/zero': it is not a regular file/],
    ['/etc', /cannot read run '\/etc': a directory with no run\.json in it/],
    ['not-a-run.json', /does not match the run schema/],
    ['dir/', /does not match the run schema/],
    ['@~-1', /invalid run reference '@~-1'/],
    ['@~99999999999999999999', /'@~99999999999999999999' goes back further than the 1 recorded run/],
    ['@~5', /'@~5' goes back further than the 1 recorded run/],
    ['%2e%2e', /invalid run reference '%2e%2e'/],
    ['..', /invalid run reference '\.\.'/],
    ['.', /invalid run reference '\.'/],
    ['@@', /invalid run reference '@@'/],
    ['', /invalid run reference ''/],
    ['abc', /run reference 'abc' is too short/],
    ['f'.repeat(64), new RegExp(`unknown run '${'f'.repeat(64)}'`)],
    ['ffff', /unknown run 'ffff'/],
    ['f'.repeat(65), /invalid run reference/],
    ['ABCD1234', /invalid run reference 'ABCD1234'/],
    ['runs\\..\\..', /invalid run reference/],
    ['a b', /invalid run reference 'a b'/],
    ['-', /standard input/], // stdin is empty here
  ]

  for (const [ref, message] of refs) {
    test(`show ${JSON.stringify(ref)} → exit 2: ${message.source.slice(0, 50)}`, async () => {
      const r = await sb.prov(['show', ref], { timeout: 60_000, input: '' })
      assertRejected(r, 2, message, `show ${ref}`)
    })
  }

  test('the upper-case spelling of a stored id is refused, not opened', async () => {
    for (const cmd of [['show'], ['show', '--json'], ['diff-runs', '@'], ['verify'], ['diff']]) {
      const r = await sb.prov([...cmd, id.toUpperCase()])
      assertRejected(r, 2, /invalid run reference/, cmd.join(' '))
    }
  })

  test('every command that takes a run refuses bad references the same way (exit 2)', async () => {
    const runs = await Promise.all(['/etc/passwd', '%2e%2e', '/dev/zero'].flatMap((ref) => [
      sb.prov(['diff-runs', ref, '@'], { timeout: 60_000 }),
      sb.prov(['diff-runs', '@', ref], { timeout: 60_000 }),
      sb.prov(['diff', ref], { timeout: 60_000 }),
      sb.prov(['diff', '--workspace', ref], { timeout: 60_000 }),
      sb.prov(['verify', ref], { timeout: 60_000 }),
    ]))
    for (const r of runs) {
      assert.equal(r.signal, undefined)
      // verify reads a path it is given and reports it as a failed check; a bad reference is 2
      if (r.exitCode === 1) {
        assert.match(r.stdout, /^FAIL \/etc\/passwd: run\.json is not valid JSON/)
        continue
      }
      assert.equal(r.exitCode, 2, r.stderr)
      assert.equal(r.stdout, '')
      assert.doesNotMatch(r.stderr, /^\s+at /m)
    }
  })

  test('a file that is not JSON: the error does not quote its text', async () => {
    const secret = 'hunter2-never-printed'
    sb.write('secret.txt', `password=${secret}\n`)
    for (const args of [['show', 'secret.txt'], ['diff-runs', 'secret.txt', '@'], ['verify', 'secret.txt']]) {
      const r = await sb.prov(args)
      assert.ok(r.exitCode === 2 || r.exitCode === 1, `${args.join(' ')}: ${r.exitCode}`)
      assert.ok(!(r.stdout + r.stderr).includes('password='), `${args.join(' ')} printed the file's text: ${r.stdout}${r.stderr}`)
    }
  })
})

/**
 * A record whose inputs and outputs name the given paths: a crafted run.json, as a hand-edited
 * store holds one. write-run refuses paths no run holds ('../x'), so the run is written without
 * them, then edited in place under the id its new content hashes to.
 */
async function craftRun(sb: Sandbox, files: { inputs?: unknown[]; outputs?: unknown[] }, cwd?: string): Promise<string> {
  const opts = cwd ? { cwd } : {}
  const env = await sb.prov(['snapshot-env', '--no-tools'], opts)
  const git = await sb.prov(['git-state'], opts)
  const r = await sb.prov(['write-run', '--', 'crafted'], { input: env.stdout + git.stdout, ...opts })
  assert.equal(r.exitCode, 0, r.stderr)
  const file = path.resolve(cwd ?? sb.dir, JSON.parse(r.stdout).path)
  const record = JSON.parse(readFileSync(file, 'utf8'))
  const byPath = (a: any, b: any): number => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path))
  record.inputs = [...(files.inputs ?? [])].sort(byPath)
  record.outputs = [...(files.outputs ?? [])].sort(byPath)
  delete record.id
  const id = computeRunId(record)
  const dir = path.join(path.dirname(path.dirname(file)), id)
  mkdirSync(dir)
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ id, ...record }, null, 2) + '\n')
  rmSync(path.dirname(file), { recursive: true })
  return id
}

describe('paths read from records', () => {
  test('verify --files reads no escaping path from a record, and no FIFO or device named by an absolute one', async () => {
    // The project is <base>/proj (no git); <base>/outside.txt lies outside it.
    const sb = await plainDir()
    const proj = path.join(sb.dir, 'proj')
    mkdirSync(proj)
    const outsideText = 'outside the project\n'
    writeFileSync(path.join(sb.dir, 'outside.txt'), outsideText)
    writeFileSync(path.join(proj, 'inside.txt'), 'inside\n')
    await craftRun(sb, {
      inputs: [
        { path: '../outside.txt', size: 1, sha256: ZERO },
        { path: 'a/../../outside.txt', size: 1, sha256: ZERO },
        { path: '/dev/zero', size: 1, sha256: ZERO },
        { path: 'inside.txt', size: 7, sha256: sha256('inside\n') },
      ],
      outputs: [{ path: path.join(sb.dir, 'outside.txt'), size: outsideText.length, sha256: sha256(outsideText) }],
    }, proj)
    const r = await sb.prov(['verify', '--files'], { cwd: proj, timeout: 60_000 })
    assert.equal(r.signal, undefined, 'verify --files hung (it read /dev/zero?)')
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.match(r.stdout, /input '\.\.\/outside\.txt' points outside the project/)
    assert.match(r.stdout, /input 'a\/\.\.\/\.\.\/outside\.txt' points outside the project/)
    // An absolute path (how records keep files outside the project) is checked, as a regular file only.
    assert.match(r.stdout, /input '\/dev\/zero' is not a regular file/)
    assert.doesNotMatch(r.stdout, /inside\.txt/, 'the file inside is checked and matches')
    assert.doesNotMatch(r.stdout, /output/, 'the output outside, by its absolute path, is checked and matches')
    // Nothing read through an escaping path shows.
    assert.doesNotMatch(r.stdout + r.stderr, /has changed/)
    assert.equal(r.stderr, 'prov: 1 of 1 run failed verification\n')
  })

  test('diff --workspace reads no escaping path from a record, and no FIFO or device named by an absolute one', async () => {
    const sb = await plainDir()
    const proj = path.join(sb.dir, 'proj')
    mkdirSync(proj)
    writeFileSync(path.join(sb.dir, 'outside.txt'), 'outside\n')
    writeFileSync(path.join(proj, 'inside.txt'), 'inside\n')
    // By an absolute path a record names a file, never more: a device is not opened, a
    // directory not walked; each counts as missing, and nothing of what is there is printed.
    mkdirSync(path.join(sb.dir, 'outdir'))
    writeFileSync(path.join(sb.dir, 'outdir', 'inner.txt'), 'inner\n')
    await craftRun(sb, { inputs: [{ path: '/dev/zero', size: 1, sha256: ZERO }, { path: path.join(sb.dir, 'outdir'), size: 1, sha256: ZERO }] }, proj)
    const dev = await sb.prov(['diff', '--workspace', '--json'], { cwd: proj, timeout: 60_000 })
    assert.equal(dev.signal, undefined, 'diff --workspace hung on /dev/zero')
    assert.equal(dev.exitCode, 1, dev.stderr)
    assert.deepEqual(parseValid('diff', dev.stdout).diff.inputs.map((c: any) => [c.op, c.key, c.to]),
      [['changed', '/dev/zero', { missing: true }], ['changed', path.join(sb.dir, 'outdir'), { missing: true }]])
    assert.ok(!dev.stdout.includes('inner.txt') && !dev.stdout.includes(sha256('inner\n')), 'the directory was not walked')
    assert.match(dev.stderr, /'\/dev\/zero' is no longer a regular file: counted as missing, not read/)
    const passwd = readFileSync('/etc/passwd')
    await craftRun(sb, {
      inputs: [
        { path: '../outside.txt', size: 1, sha256: ZERO },
        { path: '/etc/passwd', size: passwd.length, sha256: sha256(passwd) },
        { path: 'inside.txt', size: 1, sha256: ZERO },
      ],
    }, proj)
    const r = await sb.prov(['diff', '--workspace', '--json'], { cwd: proj, timeout: 60_000 })
    assert.equal(r.exitCode, 1, r.stderr)
    const diff = parseValid('diff', r.stdout).diff
    // The file inside the project was read again (and differs from the crafted entry); the one
    // named by its absolute path too (and matches); the escaping one was not.
    assert.deepEqual(diff.inputs.map((c: any) => [c.op, c.key]), [['changed', 'inside.txt']])
    assert.equal(diff.inputs[0].to.sha256, sha256('inside\n'))
    assert.equal(r.stderr, "prov: warning: '../outside.txt' points outside the project: not re-checked\n")
    assert.ok(!r.stdout.includes(sha256('outside\n')))
  })

  test('record of directories outside the project: each file in one is warned of, and a directory with none is warned of itself', async () => {
    const sb = await plainDir()
    const proj = path.join(sb.dir, 'proj')
    mkdirSync(proj)
    const empty = path.join(sb.dir, 'empty in')
    const full = path.join(sb.dir, 'full')
    const out = path.join(sb.dir, 'out')
    for (const d of [empty, full, out]) mkdirSync(d)
    writeFileSync(path.join(full, 'a.csv'), '1\n')
    const r = await sb.prov(['record', '-i', '../empty in', '-i', '../full', '-o', '../out', '--', 'true'], { cwd: proj })
    assert.equal(r.exitCode, 0, r.stderr)
    const warned = r.stderr.split('\n').filter((l) => l.startsWith('prov: warning: '))
    const about = (p: string) => warned.filter((l) => l.includes(`${p}' is outside the project root '${proj}'`))
    assert.equal(about(path.join(full, 'a.csv')).length, 1, r.stderr)
    assert.equal(about(empty).length, 1, r.stderr)
    assert.equal(about(out).length, 1, r.stderr)
    assert.equal(warned.length, 3, r.stderr)
    const run = parseValid('run', (await sb.prov(['show', '--json'], { cwd: proj })).stdout)
    assert.deepEqual(run.command.input_dirs, [empty, full].sort())
    assert.deepEqual(run.command.output_dirs, [out])
    // An output outside that was not made is recorded missing by its absolute path: warned of too.
    const never = path.join(sb.dir, 'never.txt')
    const m = await sb.prov(['record', '-o', '../never.txt', '--', 'true'], { cwd: proj })
    assert.equal(m.exitCode, 0, m.stderr)
    assert.match(m.stderr, new RegExp(`^prov: warning: '${never.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' is outside the project root`, 'm'))
  })

  test('a real record of a file outside the project keeps its absolute path; verify --files and diff --workspace check it there', async () => {
    const sb = await plainDir()
    const proj = path.join(sb.dir, 'proj')
    mkdirSync(proj)
    const outside = path.join(sb.dir, 'outside.txt')
    writeFileSync(outside, 'x\n')
    writeFileSync(path.join(sb.dir, 'p.yaml'), 'lr: 0.5\n')
    const r = await sb.prov(['record', '-i', '../outside.txt', '--params-file', '../p.yaml', '--', 'true'], { cwd: proj })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stderr, /outside the project root/)
    const run = parseValid('run', (await sb.prov(['show', '--json'], { cwd: proj })).stdout)
    assert.deepEqual(run.inputs.map((f: any) => f.path), [outside, path.join(sb.dir, 'p.yaml')].sort())
    assert.deepEqual(run.command.params_files, [path.join(sb.dir, 'p.yaml')])
    const v = await sb.prov(['verify', '--files'], { cwd: proj })
    assert.equal(v.exitCode, 0, v.stdout + v.stderr)
    assert.equal(v.stderr, '')
    const d = await sb.prov(['diff', '--workspace', '--json'], { cwd: proj })
    assert.equal(d.exitCode, 0, d.stdout + d.stderr)
    assert.equal(parseValid('diff', d.stdout).diff.identical, true)
    writeFileSync(outside, 'y\n')
    const changed = await sb.prov(['verify', '--files'], { cwd: proj })
    assert.equal(changed.exitCode, 1)
    assert.match(changed.stdout, /input '.*outside\.txt' has changed/)
  })

  test('verify reads only regular files beside run.json, by the names the schema allows', async () => {
    const sb = await repo()
    const id = 'e'.repeat(64)
    const dir = path.join(sb.dir, '.prov/runs', id)
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
      id, outputs: [null, { path: '<x>', stream: '../../../../../../../dev/zero', sha256: 'ab' }, { path: '<stdout>', stream: 'stdout', sha256: 'ab' }],
      git: { patch: { sha256: 'ab' } },
    }))
    symlinkSync('/dev/zero', path.join(dir, 'stdout'))
    symlinkSync('/etc/passwd', path.join(dir, 'patch.diff'))
    const r = await sb.prov(['verify'], { timeout: 60_000 })
    assert.equal(r.signal, undefined, 'verify hung')
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.match(r.stdout, /cannot read patch\.diff: not a regular file/)
    assert.match(r.stdout, /cannot read captured stdout: not a regular file/)
    assert.doesNotMatch(r.stdout, /dev\/zero/)
    assert.doesNotMatch(r.stderr, /internal error|^\s+at /m)
  })

  test('diff does not print a file symlinked in place of a patch.diff', async () => {
    const sb = await repo({ 'a.txt': 'one\n' })
    assert.equal((await sb.prov(['record', '-q', '--', 'true'])).exitCode, 0)
    sb.write('a.txt', 'two\n')
    assert.equal((await sb.prov(['record', '-q', '--', 'true'])).exitCode, 0)
    const runs = readdirSync(path.join(sb.dir, '.prov/runs')).filter((id) => existsSync(path.join(sb.dir, '.prov/runs', id, 'patch.diff')))
    assert.equal(runs.length, 1)
    const patch = path.join(sb.dir, '.prov/runs', runs[0]!, 'patch.diff')
    const before = await sb.prov(['diff'])
    assert.equal(before.exitCode, 1)
    assert.match(before.stdout, /\+two/)
    rmSync(patch)
    sb.write('elsewhere.txt', 'not-a-patch-but-private\n')
    symlinkSync(path.join(sb.dir, 'elsewhere.txt'), patch)
    const r = await sb.prov(['diff'])
    assert.equal(r.exitCode, 1, r.stderr)
    assert.doesNotMatch(r.stdout, /not-a-patch-but-private/)
  })
})

describe('inputs that are not regular files', () => {
  const isRoot = process.getuid?.() === 0

  test('/dev/null, a FIFO, a symlink loop: hash-inputs exits 2 and record 125, naming the file, writing nothing', async () => {
    const sb = await repo()
    execaSync('mkfifo', [path.join(sb.dir, 'fifo')])
    mkdirSync(path.join(sb.dir, 'd'))
    execaSync('mkfifo', [path.join(sb.dir, 'd', 'pipe')])
    symlinkSync('loop', path.join(sb.dir, 'loop'))
    mkdirSync(path.join(sb.dir, 'l'))
    symlinkSync('self', path.join(sb.dir, 'l', 'self'))
    const cases: Array<[string, RegExp]> = [
      ['/dev/null', /'\/dev\/null': it is a device/],
      ['fifo', /'fifo': it is a FIFO/],
      ['d', /pipe': it is a FIFO/],
      ['loop', /'loop': too many levels of symbolic links/],
      ['l', /self'?: too many levels of symbolic links/],
    ]
    await Promise.all(cases.map(async ([p, message]) => {
      const [h, r, o] = await Promise.all([
        sb.prov(['hash-inputs', p], { timeout: 60_000 }),
        sb.prov(['record', '-i', p, '--', 'true'], { timeout: 60_000 }),
        sb.prov(['record', '-o', p, '--', 'true'], { timeout: 60_000 }),
      ])
      assertRejected(h, 2, message, `hash-inputs ${p}`)
      assertRejected(r, 125, message, `record -i ${p}`)
      assertRejected(o, 125, message, `record -o ${p}`)
      // An output is hashed after the command ran: the error says so, and how it ended.
      assert.match(o.stderr, /\(the command ran and exited 0; no run was recorded\)/, `record -o ${p}`)
      assert.doesNotMatch(r.stderr, /the command ran/, `record -i ${p}: the command never ran`)
    }))
    assert.deepEqual(existsSync(path.join(sb.dir, '.prov/runs')) ? readdirSync(path.join(sb.dir, '.prov/runs')) : [], [], 'no run was written')
  })

  // As root every file is readable: the commands then run as nobody (setpriv), when that is possible.
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
  test('an unreadable file: exit 2 (record 125) naming it', { skip: isRoot && !setpriv ? 'root reads every file, and there is no setpriv to drop that' : false }, async () => {
    const sb = await plainDir()
    const proj = path.join(sb.dir, 'proj')
    mkdirSync(path.join(proj, 'secret'), { recursive: true })
    writeFileSync(path.join(proj, 'secret/locked.txt'), 'x')
    writeFileSync(path.join(proj, 'secret/open.txt'), 'y')
    chmodSync(path.join(proj, 'secret/locked.txt'), 0o000)
    const run = async (args: string[]): Promise<Result> => {
      if (!isRoot) return sb.prov(args, { cwd: proj })
      // nobody must reach the project and write its store there
      for (const d of [path.dirname(sb.dir), sb.dir]) chmodSync(d, 0o755)
      for (const d of [proj, path.join(proj, 'secret')]) chmodSync(d, 0o777)
      const r = await execa(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
        cwd: proj, env: { ...sb.env, HOME: proj }, extendEnv: false, reject: false, stripFinalNewline: false,
      })
      return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), signal: r.signal }
    }
    const h = await run(['hash-inputs', 'secret'])
    assertRejected(h, 2, /'secret\/locked\.txt': permission denied/, 'hash-inputs')
    const r = await run(['record', '-i', 'secret/locked.txt', '--', 'true'])
    assertRejected(r, 125, /'secret\/locked\.txt': permission denied/, 'record')
    const ok = await run(['hash-inputs', 'secret/open.txt'])
    assert.equal(ok.exitCode, 0, ok.stderr) // the failure was the file, not the set-up
    assert.ok(!existsSync(path.join(proj, '.prov/runs')) || readdirSync(path.join(proj, '.prov/runs')).length === 0, 'no run was written')
    chmodSync(path.join(proj, 'secret/locked.txt'), 0o644)
  })
})

describe('store and cache files that are FIFOs', () => {
  // A store unpacked from an archive, or shared with someone else, may hold a FIFO where prov keeps
  // a file: opening one for reading blocks until a writer comes. Each command must go on (a cache
  // is rebuilt and replaced) or fail naming the file, never hang.
  const fifo = (file: string): void => {
    mkdirSync(path.dirname(file), { recursive: true })
    rmSync(file, { force: true })
    execaSync('mkfifo', [file])
  }
  const isFifo = (file: string): boolean => execaSync('stat', ['-c', '%F', file]).stdout === 'fifo'
  const notHung = (r: { signal?: string }, what: string): void => assert.equal(r.signal, undefined, `${what} was killed: it hung`)

  test('cache/index.json, cache/stat.bin, cache/verified.json and the per-user tools cache: rebuilt and replaced', async () => {
    const sb = await repo({ 'data.txt': 'x\n' })
    const store = path.join(sb.dir, '.prov')
    const first = await sb.prov(['record', '-q', '-i', 'data.txt', '--', 'true'])
    assert.equal(first.exitCode, 0, first.stderr)
    const second = await sb.prov(['record', '-q', '-i', 'data.txt', '-p', 'n=2', '--', 'true'])
    assert.equal(second.exitCode, 0, second.stderr)
    const files = ['index.json', 'stat.bin', 'verified.json'].map((f) => path.join(store, 'cache', f))
    const tools = path.join(sb.home, '.cache', 'prov', 'tools.json')
    for (const f of [...files, tools]) fifo(f)

    const log = await sb.prov(['log'], { timeout: 20_000 })
    notHung(log, 'log')
    assert.equal(log.exitCode, 0, log.stderr)
    assert.equal(log.stdout.trim().split('\n').length, 2, log.stdout)
    const hashed = await sb.prov(['hash-inputs', 'data.txt'], { timeout: 20_000 })
    notHung(hashed, 'hash-inputs')
    assert.equal(hashed.exitCode, 0, hashed.stderr)
    assert.equal(parseValid('inputs', hashed.stdout).inputs[0].sha256, createHash('sha256').update('x\n').digest('hex'))
    const diff = await sb.prov(['diff-runs', '@~1', '@'], { timeout: 20_000 })
    notHung(diff, 'diff-runs')
    assert.equal(diff.exitCode, 1, diff.stderr) // the params differ
    const env = await sb.prov(['snapshot-env'], { timeout: 20_000 })
    notHung(env, 'snapshot-env')
    assert.equal(env.exitCode, 0, env.stderr)
    assert.ok(parseValid('env', env.stdout).env.tools.git, 'git found again')
    for (const f of [files[0]!, files[1]!, tools]) assert.equal(isFifo(f), false, `${f} was replaced by a regular file`)
  })

  test('config.json, secret.key, a run.json: an error naming the file, nothing written', async () => {
    const sb = await repo({ 'data.txt': 'x\n' })
    const store = path.join(sb.dir, '.prov')
    const rec = await sb.prov(['record', '-q', '--', 'true'])
    assert.equal(rec.exitCode, 0, rec.stderr)
    const [id] = readdirSync(path.join(store, 'runs'))

    fifo(path.join(store, 'config.json'))
    const r1 = await sb.prov(['record', '-q', '--', 'true'], { timeout: 20_000 })
    notHung(r1, 'record with a FIFO as config.json')
    assert.equal(r1.exitCode, 125)
    assert.match(r1.stderr, /config\.json.*not a regular file/)
    rmSync(path.join(store, 'config.json'))

    fifo(path.join(store, 'secret.key'))
    const r2 = await sb.prov(['snapshot-env', '--no-tools'], { timeout: 20_000, env: { API_TOKEN: 'hunter2hunter2' } })
    notHung(r2, 'snapshot-env with a FIFO as secret.key')
    assert.notEqual(r2.exitCode, 0)
    assert.match(r2.stderr, /secret\.key.*not a regular file/)
    assert.doesNotMatch(r2.stdout + r2.stderr, /hunter2/)
    rmSync(path.join(store, 'secret.key'))

    fifo(path.join(store, 'runs', id!, 'run.json'))
    const show = await sb.prov(['show', id!], { timeout: 20_000 })
    notHung(show, 'show')
    assert.equal(show.exitCode, 2)
    assert.match(show.stderr, /run\.json.*not a regular file/)
    const verify = await sb.prov(['verify', id!], { timeout: 20_000 })
    notHung(verify, 'verify')
    assert.equal(verify.exitCode, 1, verify.stderr)
    assert.deepEqual(readdirSync(path.join(store, 'runs')), [id], 'nothing written')
  })
})

// Black-box tests of `prov log [--] <path>...`: the runs that read or wrote a file, as git log -- <path>.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { makeRepo, type Sandbox, narrowPath } from '../helpers/prov.js'

describe('prov log -- <path>', { concurrency: true }, () => {
  let sb: Sandbox
  /** Run ids by name, as log prints them (12 hex digits). */
  const run: Record<string, string> = {}
  const outside = (): string => path.join(sb.home, 'ext data')

  before(async () => {
    sb = await makeRepo({ 'README': 'hello\n', '.gitignore': 'data/\nout/\n' })
    narrowPath(sb, ['git', 'sh', 'true', 'mkdir'])
    sb.write('data/train.csv', '1,2\n')
    sb.write('data/val.csv', '3,4\n')
    sb.write('data/empty/.keep', '')
    mkdirSync(outside(), { recursive: true })
    sb.write('../home/ext data/set.bin', 'x')
    const rec = async (name: string, args: string[]): Promise<void> => {
      const r = await sb.prov(['record', ...args])
      assert.equal(r.exitCode, 0, r.stderr)
      run[name] = /^prov: recorded ([0-9a-f]{12}) /m.exec(r.stderr)![1]!
    }
    await rec('prep', ['-i', 'data/train.csv', '-o', 'out/clean.csv', '--', 'sh', '-c', 'mkdir -p out && echo c > out/clean.csv'])
    await rec('train', ['-i', 'out/clean.csv', '-i', 'data/val.csv', '-o', 'out/model', '--', 'sh', '-c', 'mkdir -p out/model && echo m > out/model/w.bin'])
    await rec('ext', ['-i', path.join(outside(), 'set.bin'), '--', 'true'])
    await rec('emptydir', ['-i', 'data/empty', '--capture', '--', 'sh', '-c', 'echo hi'])
    await rec('none', ['--', 'true'])
  })
  after(() => sb.cleanup())

  /** `prov log ARGS` run in `cwd` (relative to the project): the short ids it lists, newest first. */
  async function logged(args: string[], cwd = '.'): Promise<string[]> {
    const r = await sb.prov(['log', ...args], { cwd: path.join(sb.dir, cwd) })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, '')
    return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.slice(0, 12))
  }
  const ids = (...names: string[]): string[] => names.map((n) => run[n]!)

  test('a file: the runs that read it or wrote it, newest first', async () => {
    assert.deepEqual(await logged(['out/clean.csv']), ids('train', 'prep'))
    assert.deepEqual(await logged(['--', 'data/train.csv']), ids('prep'))
    assert.deepEqual(await logged(['data/val.csv', 'data/train.csv']), ids('train', 'prep'))
  })

  test('a directory: the runs with a file below it, or given it (one that held no file too); a trailing / is the same', async () => {
    assert.deepEqual(await logged(['out']), ids('train', 'prep'))
    assert.deepEqual(await logged(['out/']), ids('train', 'prep'))
    assert.deepEqual(await logged(['out/model/w.bin']), ids('train'))
    assert.deepEqual(await logged(['data/empty']), ids('emptydir'))
    assert.deepEqual(await logged(['.']), ids('emptydir', 'train', 'prep'))
  })

  test('paths relative to the current directory, absolute, through a link into the project; a path outside it', async () => {
    assert.deepEqual(await logged(['clean.csv'], 'out'), ids('train', 'prep'))
    assert.deepEqual(await logged(['../data/val.csv'], 'out'), ids('train'))
    assert.deepEqual(await logged([path.join(sb.dir, 'data', 'train.csv')]), ids('prep'))
    symlinkSync(sb.dir, path.join(sb.home, 'link-to-project'))
    try {
      assert.deepEqual(await logged([path.join(sb.home, 'link-to-project', 'out', 'clean.csv')]), ids('train', 'prep'))
    } finally { rmSync(path.join(sb.home, 'link-to-project')) }
    assert.deepEqual(await logged([outside()]), ids('ext'))
    assert.deepEqual(await logged([path.join(outside(), 'set.bin')]), ids('ext'))
  })

  test('no run has it: nothing, exit 0; a file since deleted still has its runs; -n and --json as without paths', async () => {
    assert.deepEqual(await logged(['nothing/here']), [])
    assert.deepEqual(await logged(['out/cle']), [], 'a prefix of a name is no path')
    assert.deepEqual(await logged(['<stdout>']), [], 'a captured stream is no file')
    rmSync(path.join(sb.dir, 'data', 'train.csv'))
    assert.deepEqual(await logged(['data/train.csv']), ids('prep'), 'deleted since')
    assert.deepEqual(await logged(['-n', '1', 'out']), ids('train'))
    const j = await sb.prov(['log', '--json', 'out/clean.csv'])
    assert.equal(j.exitCode, 0, j.stderr)
    assert.deepEqual(j.stdout.trim().split('\n').map((l) => JSON.parse(l).id.slice(0, 12)), ids('train', 'prep'))
  })

  test("an empty path is exit 2 saying '.' is the project; a path that starts with a dash needs --", async () => {
    const e = await sb.prov(['log', ''])
    assert.equal(e.exitCode, 2)
    assert.equal(e.stdout, '')
    assert.equal(e.stderr, "prov: a path cannot be empty: '.' is the project\n")
    const d = await sb.prov(['log', '-weird'])
    assert.equal(d.exitCode, 2)
    assert.match(d.stderr, /^prov: unknown option '-w'/)
    assert.deepEqual(await logged(['--', '-weird']), [])
  })
})

describe('prov log -- <path> through a link', () => {
  test("a '..' after a link to a directory leads where record's -i led it (out of the directory the link points to), not back beside the link", async () => {
    const sb = await makeRepo({ 'README': 'hello\n', '.gitignore': 'lnk\nlabels.csv\n' })
    try {
      narrowPath(sb, ['git', 'true'])
      const ext = path.join(sb.home, 'ext')
      mkdirSync(path.join(ext, 'd'), { recursive: true })
      sb.write('../home/ext/labels.csv', 'outside\n')
      sb.write('labels.csv', 'inside\n')
      symlinkSync(path.join(ext, 'd'), path.join(sb.dir, 'lnk'))
      const ids: string[] = []
      for (const input of ['lnk/../labels.csv', 'labels.csv']) {
        const r = await sb.prov(['record', '-i', input, '--', 'true'])
        assert.equal(r.exitCode, 0, r.stderr)
        ids.push(/^prov: recorded ([0-9a-f]{12}) /m.exec(r.stderr)![1]!)
      }
      const logged = async (p: string): Promise<string[]> => {
        const r = await sb.prov(['log', '--', p])
        assert.equal(r.exitCode, 0, r.stderr)
        return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.slice(0, 12))
      }
      assert.deepEqual(await logged('lnk/../labels.csv'), [ids[0]], 'the file record hashed: ext/labels.csv')
      assert.deepEqual(await logged(path.join(ext, 'labels.csv')), [ids[0]])
      assert.deepEqual(await logged('labels.csv'), [ids[1]])
      mkdirSync(path.join(sb.dir, 'x'))
      assert.deepEqual(await logged('./x/../labels.csv'), [ids[1]], "a '..' after no link is as written")
      // A '..' after a file, or after a loop of links, leads nowhere: the kernel fails it, as record's
      // -i does ('not a directory'), so it is said, exit 2, not answered as the project's labels.csv.
      sb.write('model.bin', 'm\n')
      symlinkSync('loop-b', path.join(sb.dir, 'loop-a'))
      symlinkSync('loop-a', path.join(sb.dir, 'loop-b'))
      const rec = await sb.prov(['record', '-i', 'model.bin/../labels.csv', '--', 'true'])
      assert.equal(rec.exitCode, 125, rec.stderr)
      for (const [p, why] of [['model.bin/../labels.csv', 'not a directory'], ['loop-a/../labels.csv', 'too many levels of symbolic links']] as const) {
        const r = await sb.prov(['log', '--', p])
        assert.equal(r.exitCode, 2, p + r.stdout)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, `prov: cannot look up '${p}': ${why}\nhint: a '..' after a file or a loop of links leads nowhere: give the path to the file itself\n`)
      }
    } finally { sb.cleanup() }
  })

  test("a '..' after a directory that is not there names no file where the path without it names one (as hash-inputs finds), and a file deleted since where it names none", async () => {
    const sb = await makeRepo({ 'README': 'hello\n', '.gitignore': 'gone/\nlabels.csv\n' })
    try {
      narrowPath(sb, ['git', 'true'])
      sb.write('labels.csv', 'inside\n')
      mkdirSync(path.join(sb.dir, 'gone'))
      const r = await sb.prov(['record', '-i', 'gone/../labels.csv', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      const id = /^prov: recorded ([0-9a-f]{12}) /m.exec(r.stderr)![1]!
      const log = (p: string): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> => sb.prov(['log', '--', p])
      const listed = (out: string): string[] => out.split('\n').filter((l) => l !== '').map((l) => l.slice(0, 12))
      const there = await log('gone/../labels.csv')
      assert.equal(there.exitCode, 0, there.stderr)
      assert.deepEqual(listed(there.stdout), [id], 'gone is there: the path is labels.csv')
      rmSync(path.join(sb.dir, 'gone'), { recursive: true })
      // gone is not there: the kernel fails the path (cat, hash-inputs, record -i), so log does.
      const hash = await sb.prov(['hash-inputs', 'gone/../labels.csv'])
      assert.equal(hash.exitCode, 2, hash.stderr)
      for (const p of ['gone/../labels.csv', 'gone/x/../../labels.csv', './nothing/../labels.csv']) {
        const e = await log(p)
        assert.equal(e.exitCode, 2, `${p}: ${e.stdout}`)
        assert.equal(e.stdout, '')
        assert.equal(e.stderr, `prov: cannot look up '${p}': no such file or directory\nhint: a '..' after a directory that is not there leads nowhere: give the path to the file itself\n`)
      }
      // Nor labels.csv now: the path names a file deleted since, whose runs are still found.
      rmSync(path.join(sb.dir, 'labels.csv'))
      for (const p of ['gone/../labels.csv', 'labels.csv']) {
        const d = await log(p)
        assert.equal(d.exitCode, 0, d.stderr)
        assert.equal(d.stderr, '')
        assert.deepEqual(listed(d.stdout), [id], `${p}: deleted since`)
      }
    } finally { sb.cleanup() }
  })
})

describe('prov log -- <path> and a run that cannot be read', () => {
  test('a run whose run.json cannot be read (listed from the index without paths) is said in a warning, not left out in silence', async (t) => {
    const sb = await makeRepo({ 'README': 'hello\n', '.gitignore': 'data.csv\n' })
    try {
      narrowPath(sb, ['git', 'true'])
      sb.write('data.csv', 'd\n')
      const ids: string[] = []
      for (let i = 0; i < 2; i++) {
        const r = await sb.prov(['record', '-i', 'data.csv', '--', 'true'])
        assert.equal(r.exitCode, 0, r.stderr)
        ids.push(/^prov: recorded ([0-9a-f]{12}) /m.exec(r.stderr)![1]!)
      }
      const full = readdirSync(path.join(sb.dir, '.prov', 'runs')).find((n) => n.startsWith(ids[0]!))!
      chmodSync(path.join(sb.dir, '.prov', 'runs', full, 'run.json'), 0o000)
      // The index, made now, holds its summary: prov log without paths lists it.
      assert.equal((await sb.prov(['log'])).exitCode, 0)
      // As root every file reads: prov runs as nobody then, in directories it can walk.
      const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
      for (const d of [path.dirname(sb.dir), sb.dir]) chmodSync(d, 0o755) // the temp directory, made 0700
      const r = await sb.prov(['log', 'data.csv'], { ...asOther, env: { HOME: '/nonexistent-home' } })
      if (r.exitCode === undefined) { t.skip('cannot run prov as another user here'); return } // no CAP_SETUID
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.slice(0, 12)), [ids[1]])
      assert.match(r.stderr, new RegExp(`^prov: warning: skipping run ${ids[0]}: cannot read run '.*run\\.json': permission denied \\(see 'prov verify'\\)\\n$`))
    } finally { sb.cleanup() }
  })

  test('a run that did not write a file it was to write (a failed run left it from before, stale; or it is missing) did not make it', async () => {
    const own = await makeRepo({ 'README': 'hello\n', '.gitignore': 'out/\n' })
    try {
      narrowPath(own, ['git', 'sh', 'mkdir'])
      const rec = async (args: string[], code = 0): Promise<string> => {
        const r = await own.prov(['record', ...args])
        assert.equal(r.exitCode, code, r.stderr)
        return /^prov: recorded ([0-9a-f]{12}) /m.exec(r.stderr)![1]!
      }
      const made = await rec(['-o', 'out/model.bin', '--', 'sh', '-c', 'mkdir -p out && echo m > out/model.bin'])
      const failed = await rec(['-o', 'out/model.bin', '--', 'sh', '-c', 'exit 1'], 1)
      const nothing = await rec(['-o', 'out/other.bin', '--', 'sh', '-c', 'true'])
      const log = async (p: string): Promise<string[]> => {
        const r = await own.prov(['log', p])
        assert.equal(r.exitCode, 0, r.stderr)
        return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.slice(0, 12))
      }
      assert.deepEqual(await log('out/model.bin'), [made])
      assert.deepEqual(await log('out/other.bin'), [])
      assert.deepEqual((await own.prov(['log'])).stdout.split('\n').filter(Boolean).map((l) => l.slice(0, 12)), [nothing, failed, made])
    } finally { own.cleanup() }
  })
})

describe('prov log --store <another project\'s store> <path>', () => {
  test('a path is taken from the current directory and its project, as git --git-dir takes it, not from the store\'s project', async () => {
    const here = await makeRepo({ 'README': 'here\n' })
    const other = await makeRepo({ 'data/x.csv': 'x\n', 'only-there.txt': 'o\n' })
    try {
      const r = await other.prov(['record', '-i', 'data/x.csv', '-i', 'only-there.txt', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      const id = /^prov: recorded ([0-9a-f]{12}) /m.exec(r.stderr)![1]!
      const store = path.join(other.dir, '.prov')
      const log = async (p: string): Promise<string> => {
        const l = await here.prov(['log', '--store', store, p])
        assert.equal(l.exitCode, 0, l.stderr)
        assert.equal(l.stderr, '')
        return l.stdout.split('\n').filter(Boolean).map((line) => line.slice(0, 12)).join(',')
      }
      // Relative to this project's root, as the run recorded them relative to its own (a file
      // need not exist to have runs).
      assert.equal(await log('data/x.csv'), id)
      assert.equal(await log('only-there.txt'), id)
      // The other project's file by its path from here lies outside this project: no run holds it so.
      assert.equal(await log(path.join(other.dir, 'only-there.txt')), '')
    } finally { here.cleanup(); other.cleanup() }
  })
})

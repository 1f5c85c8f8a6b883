// Black-box tests of `prov git-state`: real git repositories in temp directories.
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, readdirSync, existsSync, writeFileSync, readFileSync, statSync, truncateSync, utimesSync } from 'node:fs'
import { execa, execaSync } from 'execa'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BIN, makeRepo, makePlainDir, makeDir, parseValid, type Sandbox } from '../helpers/prov.js'

const sandboxes: Sandbox[] = []
const tmpDirs: string[] = []
after(() => {
  for (const s of sandboxes) s.cleanup()
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true })
})
async function repo(files?: Record<string, string>): Promise<Sandbox> {
  const sb = await makeRepo(files)
  sandboxes.push(sb)
  return sb
}

async function gitState(sb: Sandbox, args: string[] = [], opts: Parameters<Sandbox['prov']>[1] = {}): Promise<any> {
  const r = await sb.prov(['git-state', ...args], opts)
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`)
  assert.equal(r.exitCode, 0)
  const doc = parseValid('git', r.stdout)
  const g = doc.git
  if (g !== null) assert.equal(g.dirty, g.changes.length > 0, 'dirty ⇔ changes is not empty')
  return g
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/** Store a run made of git-state and snapshot-env, as a user's pipeline would. */
async function writeRun(sb: Sandbox, env: Record<string, string> = {}): Promise<void> {
  const g = await sb.prov(['git-state'], { env })
  const e = await sb.prov(['snapshot-env', '--no-tools'], { env })
  const w = await sb.prov(['write-run', '--', 'echo', 'hi'], { input: g.stdout + e.stdout, env })
  assert.equal(w.exitCode, 0, w.stderr)
}

describe('git-state', { concurrency: true }, () => {
  test('a clean repository: commit, branch, not dirty, no changes, no patch', async () => {
    const sb = await repo({ 'README': 'hello\n' })
    const head = (await sb.git('rev-parse', 'HEAD')).trim()
    const g = await gitState(sb)
    assert.equal(g.commit, head)
    assert.equal(g.branch, 'main')
    assert.equal(g.dirty, false)
    assert.deepEqual(g.changes, [])
    assert.equal(g.patch ?? null, null)
    assert.equal(g.remote ?? null, null)
  })

  test("a repository git refuses (owned by another user): git's words and advice, exit 2 (record 125), no internal error, nothing written", { skip: process.getuid?.() !== 0 && 'needs root to give the repository away' }, async () => {
    const sb = await repo({ 'README': 'hello\n' })
    execaSync('chown', ['-R', '65534:65534', sb.dir])
    try {
      const r = await sb.prov(['git-state'])
      assert.equal(r.exitCode, 2)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /^prov: git cannot read the repository at '.*': detected dubious ownership/)
      assert.match(r.stderr, /\nhint: as git says: git config --global --add safe\.directory /)
      assert.doesNotMatch(r.stderr, /internal error|PROV_DEBUG/)
      const rec = await sb.prov(['record', '--', 'true'])
      assert.equal(rec.exitCode, 125)
      assert.match(rec.stderr, /dubious ownership/)
      assert.equal(existsSync(path.join(sb.dir, '.prov', 'runs')), false)
    } finally {
      execaSync('chown', ['-R', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`, sb.dir])
    }
  })

  // As root every directory opens: then prov runs as nobody (setpriv), when that is possible.
  const isRoot = process.getuid?.() === 0
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
  /**
   * prov git-state run by someone who cannot open `p` (mode 000, or as root, run as uid 65534 with
   * `p` root's and 0700/0600); `p` gets `mode` back after.
   */
  async function gitStateWithout(sb: Sandbox, p: string, mode: number): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
    let r
    if (isRoot) {
      chmodSync(path.dirname(sb.dir), 0o755)
      execaSync('chown', ['-R', '65534:65534', sb.dir])
      execaSync('chown', ['0:0', p])
      chmodSync(p, mode & 0o100 ? 0o700 : 0o600)
      const e = await execa(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'git-state'], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, stripFinalNewline: false })
      r = { exitCode: e.exitCode, stdout: String(e.stdout), stderr: String(e.stderr) }
      execaSync('chown', ['-R', '0:0', sb.dir])
    } else {
      chmodSync(p, 0o000)
      r = await sb.prov(['git-state'])
    }
    chmodSync(p, mode)
    return r
  }
  test("a directory git cannot open: git's warning is passed on (it was dropped), and the state is what git could see", { skip: isRoot && !setpriv ? 'root opens every directory, and there is no setpriv to drop that' : false }, async () => {
    const sb = await repo({ 'README': 'hello\n' })
    sb.write('locked dir/new.txt', 'n\n')
    const r = await gitStateWithout(sb, path.join(sb.dir, 'locked dir'), 0o755)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, "prov: warning: git: could not open directory 'locked dir/': Permission denied\n")
    const g = parseValid('git', r.stdout).git
    assert.equal(g.dirty, false)
    assert.deepEqual(g.changes, [])
    // Readable again, the file is there (so the warning was about it).
    assert.deepEqual((await gitState(sb)).changes, [{ path: 'locked dir/new.txt', status: '??', size: 2, sha256: sha256('n\n') }])
    // What git prints that is no warning (GIT_TRACE's lines) is not repeated.
    const traced = await sb.prov(['git-state'], { env: { GIT_TRACE: '1' } })
    assert.equal(traced.exitCode, 0)
    assert.equal(traced.stderr, '')
  })

  test('an untracked file prov cannot read: listed, with its size, its content not recorded, and a warning; no failure', { skip: isRoot && !setpriv ? 'root reads every file, and there is no setpriv to drop that' : false }, async () => {
    const sb = await repo({ 'README': 'hello\n' })
    sb.write('secret.txt', 's\n')
    sb.write('ok.txt', 'ok\n')
    const r = await gitStateWithout(sb, path.join(sb.dir, 'secret.txt'), 0o644)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, "prov: warning: cannot hash 'secret.txt': permission denied: its content is not recorded\n")
    assert.deepEqual(parseValid('git', r.stdout).git.changes, [{ path: 'ok.txt', status: '??', size: 3, sha256: sha256('ok\n') }, { path: 'secret.txt', status: '??', size: 2 }])
  })

  test('modified, staged, deleted, renamed and untracked files, with their statuses', async () => {
    const sb = await repo({ 'mod.txt': 'm\n', 'staged.txt': 's\n', 'del.txt': 'd\n', 'old-name.txt': 'rename me\n', 'both.txt': 'b\n' })
    sb.write('mod.txt', 'm2\n')
    sb.write('staged.txt', 's2\n')
    await sb.git('add', 'staged.txt')
    await sb.git('rm', '-q', 'del.txt')
    await sb.git('mv', 'old-name.txt', 'new-name.txt')
    sb.write('added.txt', 'new\n')
    await sb.git('add', 'added.txt')
    sb.write('both.txt', 'b2\n')
    await sb.git('add', 'both.txt')
    sb.write('both.txt', 'b3\n')
    sb.write('untracked dir/file é.txt', 'u\n')
    const g = await gitState(sb)
    assert.equal(g.dirty, true)
    assert.deepEqual(g.changes, [
      { path: 'added.txt', status: 'A' },
      { path: 'both.txt', status: 'MM' },
      { path: 'del.txt', status: 'D' },
      { path: 'mod.txt', status: 'M' },
      { path: 'new-name.txt', status: 'R', from: 'old-name.txt' },
      { path: 'staged.txt', status: 'M' },
      { path: 'untracked dir/file é.txt', status: '??', size: 2, sha256: sha256('u\n') },
    ])
    // the patch holds the tracked changes, and its sha256 is the sha256 of its text
    assert.equal(typeof g.patch.text, 'string')
    assert.equal(g.patch.sha256, sha256(g.patch.text))
    assert.equal(g.patch.size, Buffer.byteLength(g.patch.text))
    assert.match(g.patch.text, /^\+m2$/m)
    assert.match(g.patch.text, /^\+b3$/m)
    assert.match(g.patch.text, /^-d$/m)
    assert.match(g.patch.text, /rename from old-name\.txt/)
    assert.ok(!g.patch.text.includes('untracked dir'), 'untracked files are not in the patch')
  })

  test('untracked files one by one, but a directory holding more than 200 of them as one entry (a virtualenv not ignored)', async () => {
    const sb = await repo({ 'README': 'hi\n' })
    for (let i = 0; i < 201; i++) sb.write(`venv/lib/m${i}.py`, '')
    for (let i = 0; i < 201; i++) sb.write(`experiments/out/r${i}.txt`, '')
    sb.write('experiments/train.py', 'print(1)\n')
    sb.write('notes.txt', 'n\n')
    const g = await gitState(sb)
    // The deepest directory over the limit folds: a source file beside a large output directory stays in view.
    assert.deepEqual(g.changes, [{ path: 'experiments/out/', status: '??' }, { path: 'experiments/train.py', status: '??', size: 9, sha256: sha256('print(1)\n') }, { path: 'notes.txt', status: '??', size: 2, sha256: sha256('n\n') }, { path: 'venv/lib/', status: '??' }])
    assert.equal(g.dirty, true)
    // The project's own .prov is a store too, when PROV_DIR puts the active one elsewhere.
    sb.write('.prov/runs/r/run.json', '{}')
    const elsewhere = await gitState(sb, [], { env: { PROV_DIR: path.join(sb.dir, 'experiments', 'store') } })
    assert.deepEqual(elsewhere.changes, g.changes)
  })

  test('the patch is null when only untracked files changed; --no-patch leaves it out', async () => {
    const sb = await repo({ 'a': 'a\n' })
    sb.write('new.txt', 'n\n')
    const g = await gitState(sb)
    assert.equal(g.dirty, true)
    assert.deepEqual(g.changes, [{ path: 'new.txt', status: '??', size: 2, sha256: sha256('n\n') }])
    assert.equal(g.patch ?? null, null)
    sb.write('a', 'changed\n')
    const withPatch = await gitState(sb)
    assert.equal(withPatch.patch.sha256, sha256(withPatch.patch.text))
    const noPatch = await gitState(sb, ['--no-patch'])
    assert.equal(noPatch.patch ?? null, null)
    assert.deepEqual(noPatch.changes, withPatch.changes)
  })

  test('ignored files do not count', async () => {
    const sb = await repo({ '.gitignore': '*.log\n' })
    sb.write('debug.log', 'noise')
    const g = await gitState(sb)
    assert.equal(g.dirty, false)
    assert.deepEqual(g.changes, [])
  })

  test('the .prov store never counts: after writing a run, dirty stays false', async () => {
    const sb = await repo({ 'a': 'a\n' })
    await writeRun(sb)
    assert.equal(readdirSync(path.join(sb.dir, '.prov', 'runs')).length, 1)
    const g = await gitState(sb)
    assert.equal(g.dirty, false)
    assert.deepEqual(g.changes, [])
  })

  test("a submodule's own store (a run recorded inside it) is no change of the project; anything else untracked in it is", async () => {
    const lib = await repo({ 'l.txt': 'l\n' })
    const sb = await repo({ 'a': 'a\n' })
    await sb.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib.dir, 'lib')
    await sb.git('commit', '-q', '-m', 'sub')
    // A run recorded inside the submodule: its store is lib/.prov, untracked there.
    const inner = await sb.prov(['record', '-q', '--', 'sh', '-c', ':'], { cwd: path.join(sb.dir, 'lib') })
    assert.equal(inner.exitCode, 0, inner.stderr)
    assert.ok(existsSync(path.join(sb.dir, 'lib', '.prov', 'runs')))
    const g = await gitState(sb)
    assert.equal(g.dirty, false)
    assert.deepEqual(g.changes, [])
    assert.equal(g.patch, null)
    assert.equal((await sb.prov(['record', '-q', '--', 'sh', '-c', ':'])).exitCode, 0)
    // A submodule of the submodule with an untracked file rolls up into lib's S..U: still a change.
    const nested = await repo({ 'i.txt': 'i\n' })
    await execa('git', ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', nested.dir, 'inner'], { cwd: path.join(sb.dir, 'lib'), env: sb.env, extendEnv: false })
    await execa('git', ['commit', '-q', '-m', 'inner'], { cwd: path.join(sb.dir, 'lib'), env: sb.env, extendEnv: false })
    await sb.git('commit', '-q', '-am', 'lib moved on')
    assert.deepEqual((await gitState(sb)).changes, [])
    sb.write('lib/inner/new.py', 'x\n')
    assert.deepEqual((await gitState(sb)).changes, [{ path: 'lib', status: 'M' }])
    rmSync(path.join(sb.dir, 'lib', 'inner', 'new.py'))
    sb.write('lib/notes.txt', 'x\n')
    assert.deepEqual((await gitState(sb)).changes, [{ path: 'lib', status: 'M' }])
    // Dirty with an empty patch (git diff shows nothing of a submodule's untracked files): said so.
    assert.equal((await sb.prov(['record', '-q', '--', 'sh', '-c', ':'])).exitCode, 0)
    const d = await sb.prov(['diff'])
    assert.equal(d.exitCode, 1, d.stderr)
    assert.match(d.stdout, /\n {2}~ uncommitted patch: none → empty\n/)
  })

  test('a .git that git does not take for a repository (HEAD overwritten, a dangling gitdir): git null, with a warning that says so', async () => {
    const sb = await repo({ 'a': 'a\n' })
    writeFileSync(path.join(sb.dir, '.git', 'HEAD'), 'garbage\n')
    const r = await sb.prov(['git-state'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(parseValid('git', r.stdout), { git: null })
    assert.equal(r.stderr, `prov: warning: git does not read '${sb.dir}' as a repository (not a git repository (or any of the parent directories): .git): the code's state is not recorded\n`)
    const plain = mkdtempSync(path.join(tmpdir(), 'prov-gitfile-'))
    tmpDirs.push(plain)
    writeFileSync(path.join(plain, '.git'), 'gitdir: /nonexistent/worktree\n')
    const w = await sb.prov(['git-state'], { cwd: plain })
    assert.equal(w.exitCode, 0, w.stderr)
    assert.match(w.stderr, /^prov: warning: git does not read '[^']+' as a repository \(not a git repository: \/nonexistent\/worktree\): the code's state is not recorded\n$/)
  })

  test('a PROV_DIR inside the work tree is left out too', async () => {
    const sb = await repo({ 'a': 'a\n' })
    const env = { PROV_DIR: path.join(sb.dir, 'records', 'store') }
    await writeRun(sb, env)
    assert.equal(readdirSync(path.join(sb.dir, 'records', 'store', 'runs')).length, 1)
    assert.ok(!existsSync(path.join(sb.dir, '.prov', 'runs')))
    const g = await gitState(sb, [], { env })
    assert.equal(g.dirty, false)
    assert.deepEqual(g.changes, [])
    const viaFlag = await gitState(sb, ['--store', 'records/store'])
    assert.deepEqual(viaFlag, g)
    // without naming the store, its files are untracked files like any other
    const plain = await gitState(sb)
    assert.equal(plain.dirty, true)
  })

  test('a detached HEAD has branch null', async () => {
    const sb = await repo({ 'a': 'a\n' })
    const head = (await sb.git('rev-parse', 'HEAD')).trim()
    await sb.git('checkout', '-q', '--detach', 'HEAD')
    const g = await gitState(sb)
    assert.equal(g.branch, null)
    assert.equal(g.commit, head)
    assert.equal(g.dirty, false)
  })

  test('a repository with no commits: commit null, files listed', async () => {
    const sb = makeDir()
    sandboxes.push(sb)
    await sb.init
    sb.write('first.txt', 'one\n')
    sb.write('staged.txt', 'two\n')
    await sb.git('add', 'staged.txt')
    const g = await gitState(sb)
    assert.equal(g.commit, null)
    assert.equal(g.branch, 'main')
    assert.equal(g.dirty, true)
    assert.deepEqual(g.changes, [{ path: 'first.txt', status: '??', size: 4, sha256: sha256('one\n') }, { path: 'staged.txt', status: 'A' }])
    assert.equal(g.patch.sha256, sha256(g.patch.text))
    assert.match(g.patch.text, /^\+two$/m)
  })

  test('a changed path that is not valid UTF-8: recorded with U+FFFD, named in a warning', async () => {
    const sb = await repo({ 'a.txt': 'a\n' })
    writeFileSync(Buffer.concat([Buffer.from(sb.dir + '/bad'), Buffer.from([0xff])]), 'x')
    const r = await sb.prov(['git-state'])
    assert.equal(r.exitCode, 0)
    const g = parseValid('git', r.stdout).git
    assert.deepEqual(g.changes, [{ path: 'bad\ufffd', status: '??' }])
    assert.match(r.stderr, /^prov: warning: a changed path is not valid UTF-8 \(bytes 626164ff\)/)
  })

  test('a linked work tree (git worktree add) works', async () => {
    const sb = await repo({ 'a': 'a\n' })
    const wt = path.join(path.dirname(sb.dir), 'linked')
    await sb.git('worktree', 'add', '-q', '-b', 'feature', wt)
    const head = (await sb.git('rev-parse', 'HEAD')).trim()
    const clean = await gitState(sb, [], { cwd: wt })
    assert.equal(clean.branch, 'feature')
    assert.equal(clean.commit, head)
    assert.equal(clean.dirty, false)
    const r = await sb.prov(['hash-inputs', 'a'], { cwd: wt })
    assert.equal(r.exitCode, 0)
    mkdirSync(path.join(wt, 'sub'))
    sb.write('../linked/sub/new.txt', 'n\n')
    sb.write('../linked/a', 'changed\n')
    const g = await gitState(sb, [], { cwd: path.join(wt, 'sub') })
    assert.deepEqual(g.changes, [{ path: 'a', status: 'M' }, { path: 'sub/new.txt', status: '??', size: 2, sha256: sha256('n\n') }])
    assert.ok(!g.changes.some((c: any) => c.path.startsWith('.prov')), 'the linked tree\'s own store does not count')
    // the main work tree is untouched
    const main = await gitState(sb)
    assert.equal(main.dirty, false)
    assert.equal(main.branch, 'main')
  })

  test('outside a repository: {"git": null}, exit 0', async () => {
    const sb = await makePlainDir()
    sandboxes.push(sb)
    sb.write('f', 'x')
    const r = await sb.prov(['git-state'])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stderr, '')
    assert.equal(r.stdout, '{"git":null}\n')
    assert.deepEqual(parseValid('git', r.stdout), { git: null })
  })

  test('git not installed: {"git": null}, exit 0, and in a work tree a warning that its code state goes unrecorded', async () => {
    const sb = await repo({ 'a': 'a\n' })
    const bin = mkdtempSync(path.join(tmpdir(), 'prov-nogit-'))
    tmpDirs.push(bin)
    symlinkSync(process.execPath, path.join(bin, 'node'))
    const r = await sb.prov(['git-state'], { env: { PATH: bin } })
    assert.equal(r.stderr, `prov: warning: git is not installed (not found on PATH): the code's state in '${sb.dir}' is not recorded\n`)
    assert.equal(r.exitCode, 0)
    assert.deepEqual(parseValid('git', r.stdout), { git: null })
    // Outside a work tree there is nothing to warn of.
    const outside = await sb.prov(['git-state'], { env: { PATH: bin }, cwd: tmpdir() })
    assert.equal(outside.exitCode, 0)
    assert.equal(outside.stderr, '')
  })

  test('credentials in a remote URL are stripped', async () => {
    const sb = await repo({ 'a': 'a\n' })
    const token = 'ghp_' + 'Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8'
    await sb.git('remote', 'add', 'origin', `https://user:${token}@github.com/o/r.git`)
    await sb.git('remote', 'add', 'backup', `https://${token}@example.com/o/r.git`)
    const r = await sb.prov(['git-state'])
    assert.equal(r.exitCode, 0)
    assert.ok(!r.stdout.includes(token), 'the token never appears')
    assert.ok(!r.stdout.includes('user:'), 'the user info is gone')
    const g = parseValid('git', r.stdout).git
    assert.equal(g.remote, 'https://github.com/o/r.git')
  })

  test('the remote as git reads it: from the repository, the global config, an include, a -c', async () => {
    const sb = await repo({ 'a': 'a\n' })
    await sb.git('remote', 'add', 'backup', 'https://example.com/backup.git')
    assert.equal((await gitState(sb)).remote, 'https://example.com/backup.git', 'the only remote')
    await sb.git('remote', 'add', 'origin', 'https://example.com/origin.git')
    assert.equal((await gitState(sb)).remote, 'https://example.com/origin.git', 'origin before the others')
    // A remote set in an included file: prov reads plain config files itself, and asks git otherwise.
    await sb.git('remote', 'remove', 'origin')
    sb.write('.git/extra.inc', '[remote "origin"]\n\turl = https://example.com/included.git\n')
    await sb.git('config', 'include.path', 'extra.inc')
    assert.equal((await gitState(sb)).remote, 'https://example.com/included.git', 'through [include]')
    await sb.git('config', '--unset', 'include.path')
    // In the user's global config (HOME is the sandbox's), and through GIT_CONFIG_* variables.
    sb.write('home/.gitconfig', '[remote "origin"]\n\turl = https://example.com/global.git\n')
    const home = path.join(sb.dir, 'home')
    let r = await sb.prov(['git-state'], { env: { HOME: home } })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(parseValid('git', r.stdout).git.remote, 'https://example.com/global.git', 'from ~/.gitconfig')
    r = await sb.prov(['git-state'], { env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'remote.origin.url', GIT_CONFIG_VALUE_0: 'https://example.com/env.git' } })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(parseValid('git', r.stdout).git.remote, 'https://example.com/env.git', 'from GIT_CONFIG_COUNT')
  })

  test('a 2 MiB tracked file that changed is listed in patch.omitted, not in the patch text', async () => {
    const line = 'abcdefghijklmnopqrstuvwxyz0123456789\n'
    const big = line.repeat(Math.ceil((2 << 20) / line.length))
    const sb = await repo({ 'big.txt': big, 'small.txt': 's\n' })
    sb.write('big.txt', 'MARKER-LINE\n' + big)
    sb.write('small.txt', 'small change\n')
    const g = await gitState(sb)
    // Left out of the patch, its content is kept as a hash (never as text); the file in the patch needs none.
    assert.deepEqual(g.changes, [{ path: 'big.txt', status: 'M', size: Buffer.byteLength('MARKER-LINE\n' + big), sha256: sha256('MARKER-LINE\n' + big) }, { path: 'small.txt', status: 'M' }])
    assert.deepEqual(g.patch.omitted, ['big.txt'])
    assert.ok(!g.patch.text.includes('MARKER-LINE'), 'the big file\'s change is not in the patch')
    assert.ok(!g.patch.text.includes('big.txt'), 'nor its name')
    assert.match(g.patch.text, /^\+small change$/m)
    assert.equal(g.patch.sha256, sha256(g.patch.text))
    assert.ok(g.patch.size < 10_000)
  })

  test('what git does not hold of an untracked file is kept as its size and sha256 (a link none, over 16 MiB the size only; a FIFO, which git does not list, is not opened); the stat cache spares the reads', async () => {
    const sb = await repo({ 'a': 'a\n' })
    sb.write('helpers.py', 'K = 1\n')
    symlinkSync('helpers.py', path.join(sb.dir, 'link'))
    execaSync('mkfifo', [path.join(sb.dir, 'fifo')])
    writeFileSync(path.join(sb.dir, 'data.bin'), '')
    truncateSync(path.join(sb.dir, 'data.bin'), 17 << 20) // sparse
    const past = new Date(Date.now() - 3600_000)
    utimesSync(path.join(sb.dir, 'helpers.py'), past, past) // older than the cache to be written
    const expected = [
      { path: 'data.bin', status: '??', size: 17 << 20 },
      { path: 'helpers.py', status: '??', size: 6, sha256: sha256('K = 1\n') },
      { path: 'link', status: '??' },
    ]
    const g = await gitState(sb)
    assert.deepEqual(g.changes, expected)
    assert.equal(g.patch ?? null, null)
    // The file is in the stat cache now: a second call reads nothing, and so writes no cache.
    const cache = path.join(sb.dir, '.prov', 'cache', 'stat.bin')
    assert.ok(readFileSync(cache).includes(path.join(sb.dir, 'helpers.py')))
    const written = statSync(cache).mtimeMs
    assert.deepEqual((await gitState(sb)).changes, expected)
    assert.equal(statSync(cache).mtimeMs, written, 'nothing was read again')
    assert.deepEqual((await gitState(sb, ['--no-cache'])).changes, expected)
    // Changed, with the same size and mtime as before: the ctime tells the cache it is not the same file.
    sb.write('helpers.py', 'K = 2\n')
    utimesSync(path.join(sb.dir, 'helpers.py'), past, past)
    assert.deepEqual((await gitState(sb)).changes[1], { path: 'helpers.py', status: '??', size: 6, sha256: sha256('K = 2\n') })
  })

  test('a touched tracked file above git\'s big-file threshold: git is told to map and hash it, not stream it', async () => {
    // Above core.bigFileThreshold git streams a file through zlib to hash it: 25 s for a touched
    // 1 GiB file on our machines, against 2.9 s mapped. The threshold is set low in the
    // repository here, so that a 3 MiB file stands for a big one; a git on PATH that logs its
    // arguments shows what prov asked.
    const line = 'abcdefghijklmnopqrstuvwxyz0123456789\n'
    const sb = await repo({ 'data.bin': line.repeat(Math.ceil((3 << 20) / line.length)) })
    execaSync('git', ['config', 'core.bigFileThreshold', '1m'], { cwd: sb.dir })
    const later = new Date(Date.now() + 60_000)
    utimesSync(path.join(sb.dir, 'data.bin'), later, later) // touched: same content, new mtime
    const bin = mkdtempSync(path.join(tmpdir(), 'prov-git-log-'))
    tmpDirs.push(bin)
    const realGit = execaSync('sh', ['-c', 'command -v git']).stdout.trim()
    const log = path.join(bin, 'argv.log')
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`, { mode: 0o755 })
    const g = await gitState(sb, [], { env: { PATH: `${bin}${path.delimiter}${sb.env.PATH}` } })
    assert.equal(g.dirty, false, 'the touched file is not modified')
    const calls = readFileSync(log, 'utf8').trim().split('\n')
    const status = calls.find((c) => / status /.test(c))
    assert.ok(status !== undefined, calls.join('\n'))
    assert.match(status, /-c core\.bigFileThreshold=1099511627776 /)
  })

  test('run from a subdirectory: paths are relative to the work tree root', async () => {
    const sb = await repo({ 'sub/x': 'x\n', 'top': 't\n' })
    sb.write('top', 'changed\n')
    sb.write('sub/new', 'n\n')
    const g = await gitState(sb, [], { cwd: path.join(sb.dir, 'sub') })
    assert.deepEqual(g.changes, [{ path: 'sub/new', status: '??', size: 2, sha256: sha256('n\n') }, { path: 'top', status: 'M' }])
  })
})

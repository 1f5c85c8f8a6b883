// The only place that runs git. Arguments are arrays (no shell); paths travel NUL-separated.
// git is spawned with node:child_process rather than execa: execa's import alone costs more
// than the whole start-up budget of `prov git-state` (see test/bench).
import { spawn } from 'node:child_process'
import { nodeCrypto } from '../core/crypto.js'
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isUtf8 } from 'node:buffer'
import { log } from './log.js'
import { foldUntracked, parseStatusV2, type GitChange } from '../core/git-status.js'
import { remoteUrls, type RemoteUrl } from '../core/git-config.js'
import { compareUtf8, quotePath } from '../core/paths.js'
import { ProvError } from '../errors.js'
import { stripUrlCredentials, type Redactor } from '../core/redact.js'
import type { GitState } from '../core/record.js'
import { findWorkTree, PROJECT_STORE, type Store } from './store.js'
import { hashListedFiles } from './hash.js'

export interface GitResult { code: number | null; stdout: Buffer; stderr: string; missing?: boolean }

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
/** Files larger than this stay out of the stored patch (they are listed as omitted). */
export const PATCH_FILE_LIMIT = 1 << 20

/**
 * What git does not hold of a change (an untracked file, a tracked one left out of the patch)
 * is hashed up to this size; a larger file keeps its size only. A call reads each file the stat
 * cache does not vouch for: a new 16 MiB file takes ~11 ms to hash, once (on our machines, which
 * have SHA instructions), where a data set of gigabytes left untracked would take seconds at every
 * record.
 */
export const CONTENT_HASH_LIMIT = 16 << 20

/**
 * git hashes a tracked file whose stat changed (touched, or rewritten with the same size) to
 * tell whether it was modified. Above core.bigFileThreshold (512 MiB by default) it streams the
 * file through zlib to do so: `git status` took 25 s for a touched 1 GiB file here, and 2.9 s
 * with the threshold above the file's size, where git maps the file and hashes it. A 64-bit
 * address space maps any file; a 32-bit one keeps git's default.
 */
const BIG_FILE_THRESHOLD = ['ia32', 'arm', 'mips', 'mipsel', 'ppc', 's390', 'x32'].includes(process.arch) ? [] : ['-c', 'core.bigFileThreshold=1099511627776']

export function runGit(cwd: string, args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn('git', ['-c', 'core.quotepath=off', '-c', 'color.ui=false', ...BIG_FILE_THRESHOLD, '--no-optional-locks', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...opts.env },
      timeout: opts.timeoutMs,
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', (e: NodeJS.ErrnoException) => {
      resolve({ code: null, stdout: Buffer.alloc(0), stderr: e.message, missing: e.code === 'ENOENT' })
    })
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }))
  })
}

/** The store's pathspecs (the project's own .prov, and the store when it lies inside the work tree), as storeExclude leaves them out. */
function storePaths(store: Store): string[] {
  return storeExclude(store).map((p) => p.replace(':(top,exclude,literal)', ':(top,literal)'))
}

function storeExclude(store: Store): string[] {
  const rel = path.relative(store.root, store.dir)
  // The project's own .prov too, when the store is elsewhere (PROV_DIR): it is a store all the same.
  const own = rel === PROJECT_STORE ? [] : [`:(top,exclude,literal)${PROJECT_STORE}`]
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return own
  return [`:(top,exclude,literal)${rel.split(path.sep).join('/')}`, ...own]
}

/**
 * Commit, branch, dirty state, changed and untracked paths, remote, and the patch of
 * uncommitted changes. null outside a work tree or when git is not installed. The redactor is
 * asked for once git has answered: git starts first, and the caller's other work runs meanwhile.
 */
/**
 * git refused to work (a repository owned by another user, a damaged index, a lock): git's own
 * words, as an error of the repository, not of prov; its advice becomes the hint.
 */
function gitFailed(top: string, stderr: string): ProvError {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean)
  const first = (lines[0] ?? 'git status failed').replace(/^(fatal|error): /, '')
  const advice = lines.find((l) => /^git config /.test(l))
  const hint = advice !== undefined ? `as git says: ${advice}` : undefined
  return new ProvError('E_GIT', `git cannot read the repository at ${quotePath(top)}: ${first}`, { hint })
}

export async function readGitState(store: Store, getRedactor: () => Redactor, opts: { patch?: boolean; cache?: boolean } = {}): Promise<GitState | null> {
  const top = findWorkTree(store.root)
  if (top === null) return null
  const spec = ['--', ':(top)', ...storeExclude(store)]
  const [status, remotes] = await Promise.all([
    runGit(top, ['status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all', '--ignore-submodules=none', ...spec]),
    readRemotes(top),
  ])
  if (status.missing) {
    // A work tree is there (its .git), but no git to read it: say so, or every run loses its code state unsaid.
    log.warn(`git is not installed (not found on PATH): the code's state in ${quotePath(top)} is not recorded`)
    return null
  }
  if (status.code !== 0) {
    if (/not a git repository/i.test(status.stderr)) {
      // A .git there that git does not take for a repository (a HEAD overwritten, a worktree's
      // .git file naming a directory since removed): said, or every run loses its code state unsaid.
      const first = (status.stderr.split('\n').map((l) => l.trim()).find(Boolean) ?? '').replace(/^(fatal|error): /, '')
      log.warn(`git does not read ${quotePath(top)} as a repository (${getRedactor().scrubText(first)}): the code's state is not recorded`)
      return null
    }
    throw gitFailed(top, status.stderr)
  }
  warnBadNames(status.stdout)
  const redactor = getRedactor()
  // What git warned of as it looked (a directory it could not open, whose files it then cannot
  // list as untracked: the state is clean as far as git could see) is said, as git says it.
  // Its warnings and errors only: GIT_TRACE's lines, say, are not prov's to repeat.
  for (const line of status.stderr.split('\n')) {
    const m = /^(?:warning|error): (.+)$/.exec(line.trim())
    if (m !== null) log.warn(`git: ${redactor.scrubText(m[1]!)}`)
  }
  const parsed = parseStatusV2(status.stdout.toString('utf8'))
  parsed.changes = await withoutSubmoduleStores(top, parsed.changes)
  const state: GitState = {
    commit: parsed.commit,
    branch: parsed.branch,
    upstream: parsed.upstream,
    dirty: parsed.changes.length > 0,
    // git lists tracked changes before untracked files; records sort every path list by its bytes
    // (Untracked files one by one, but a directory holding more than UNTRACKED_DIR_LIMIT of them as one entry.)
    changes: foldUntracked(parsed.changes).map((c) => (c.from === undefined ? { path: c.path, status: c.status } : c)).sort((a, b) => compareUtf8(a.path, b.path)),
    remote: pickRemote(remotes, redactor),
    patch: null,
  }
  const omitted = opts.patch !== false && parsed.changes.some((c) => c.status !== '??') ? oversized(top, state.changes) : null
  // git diff runs while the files git does not hold are hashed.
  const patch = omitted === null ? null : readPatch(top, parsed.commit ?? EMPTY_TREE, omitted, store, redactor)
  patch?.catch(() => { /* awaited below */ })
  readContents(store, top, state.changes.filter((c) => (c.status === '??' && !c.path.endsWith('/')) || omitted?.includes(c.path)), opts.cache !== false)
  if (patch !== null) state.patch = await patch
  return state
}

/**
 * The changes without a submodule whose only change is its own prov store, untracked in it (a
 * run recorded inside the submodule): the store never counts as a change of the code, in the
 * project that holds the submodule either. git lists the submodule as `M` with untracked content
 * (`S..U`), but not what that content is: the submodule is asked (one git process each, and only
 * for such submodules).
 */
async function withoutSubmoduleStores(top: string, changes: GitChange[]): Promise<GitChange[]> {
  const candidates = changes.filter((c) => c.untrackedInSubmodule === true)
  if (candidates.length === 0) return changes
  const storeOnly = await Promise.all(candidates.map(async (c) => {
    // Its status, not its untracked files alone: a submodule of its own with untracked content
    // rolls up into this one's S..U too, and must keep it a change.
    const r = await runGit(path.join(top, c.path), ['status', '--porcelain=v2', '-z', '--untracked-files=normal', '--ignore-submodules=none'])
    if (r.code !== 0) return false
    const entries = r.stdout.toString('utf8').split('\0').filter((f) => f !== '')
    return entries.length > 0 && entries.every((f) => f === `? ${PROJECT_STORE}/`)
  }))
  const dropped = new Set(candidates.filter((_, k) => storeOnly[k]))
  return dropped.size === 0 ? changes : changes.filter((c) => !dropped.has(c))
}

/**
 * The content of what git lists but does not hold, as `size` and `sha256` on its entry: each
 * untracked file listed by name (a folded `dir/` is not read), and each tracked file left out of
 * the patch; so that a run whose helpers.py, untracked, changed differs from the one before.
 * Regular files only (a symbolic link, a FIFO keeps no content here); one larger than
 * CONTENT_HASH_LIMIT keeps its size only. Hashes, never contents: nothing of the file is stored.
 * The stat cache spares the reads of files unchanged since an earlier call.
 */
function readContents(store: Store, top: string, entries: GitState['changes'], cache: boolean): void {
  const toHash = new Map<string, GitState['changes'][number]>()
  const files: Array<{ abs: string; rel: string }> = []
  const prefix = top.endsWith(path.sep) ? top : top + path.sep
  for (const e of entries) {
    const abs = prefix + e.path // git's paths are relative to the top, without . or .. parts
    let st
    try { st = lstatSync(abs) } catch { continue } // gone since status, or a name not UTF-8
    if (!st.isFile()) continue
    e.size = st.size
    if (st.size <= CONTENT_HASH_LIMIT) {
      toHash.set(e.path, e)
      files.push({ abs, rel: e.path })
    }
  }
  if (files.length === 0) return
  let hashed
  try {
    // Listed and lstat-ed here: hashed as they are, without hashPaths' checks of named paths.
    hashed = hashListedFiles(store, files, { cache, quiet: true, allowMissing: true, lenient: true, lenientNamed: true })
  } catch (e) {
    // (Swapped for a directory or a FIFO since the lstat: a race no run should fail for.)
    log.warn(`${e instanceof Error ? e.message : String(e)}: the content of untracked files is not recorded`)
    return
  }
  for (const h of hashed) {
    const e = toHash.get(h.path)
    if (e === undefined) continue
    if (h.sha256 === undefined) { delete e.size; continue } // gone since
    e.size = h.size!
    e.sha256 = h.sha256
  }
}

/** The tracked changed files larger than PATCH_FILE_LIMIT: left out of the patch (deleted ones have none). */
function oversized(top: string, changes: GitState['changes']): string[] {
  const omitted: string[] = []
  for (const c of changes) {
    if (c.status === '??' || c.status.includes('D')) continue
    try {
      if (statSync(path.join(top, c.path)).size > PATCH_FILE_LIMIT) omitted.push(c.path)
    } catch { /* gone since status */ }
  }
  return omitted
}

/**
 * git reports paths as bytes; one that is not UTF-8 cannot be kept exactly in a JSON record.
 * It is recorded with U+FFFD in place of the bad bytes, and named here (its bytes in hex).
 */
function warnBadNames(out: Buffer): void {
  if (isUtf8(out)) return
  let start = 0
  for (let i = 0; i <= out.length; i++) {
    if (i < out.length && out[i] !== 0) continue
    const field = out.subarray(start, i)
    if (!isUtf8(field)) {
      const name = field.subarray(field.lastIndexOf(0x20) + 1)
      log.warn(`a changed path is not valid UTF-8 (bytes ${name.toString('hex')}): recorded as ${JSON.stringify(name.toString('utf8'))}`)
    }
    start = i + 1
  }
}

/**
 * The config files git reads, in its order, when nothing in the environment redirects it; null
 * when something does (then git itself is asked). The system file is Debian's and most Linux
 * distributions' /etc/gitconfig; a git built with another prefix keeps it elsewhere, and remote
 * URLs are not set there.
 */
function configFiles(top: string): string[] | null {
  const env = process.env
  for (const k of Object.keys(env)) {
    if (k.startsWith('GIT_CONFIG') && k !== 'GIT_CONFIG_NOSYSTEM') return null
    if (k === 'GIT_DIR' || k === 'GIT_COMMON_DIR') return null
  }
  let gitDir = path.join(top, '.git')
  try {
    if (!statSync(gitDir).isDirectory()) {
      // a linked worktree or a submodule: ".git" is a file naming the git directory
      const m = /^gitdir: (.+)$/m.exec(readFileSync(gitDir, 'utf8'))
      if (m === null) return null
      gitDir = path.resolve(top, m[1]!.trim())
    }
  } catch {
    return null
  }
  let commonDir = gitDir
  try {
    commonDir = path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim())
  } catch { /* not a linked worktree */ }
  const files: string[] = []
  const nosystem = env.GIT_CONFIG_NOSYSTEM
  if (nosystem === undefined || nosystem === '' || /^(0|false|no|off)$/i.test(nosystem)) files.push('/etc/gitconfig')
  const xdg = env.XDG_CONFIG_HOME
  const home = env.HOME
  if (xdg !== undefined && xdg !== '') files.push(path.join(xdg, 'git', 'config'))
  else if (home !== undefined && home !== '') files.push(path.join(home, '.config', 'git', 'config'))
  if (home !== undefined && home !== '') files.push(path.join(home, '.gitconfig'))
  files.push(path.join(commonDir, 'config'))
  return files
}

/**
 * The remote URLs, as `git config --get-regexp '^remote\..*\.url$'` lists them. Plain config
 * files are read here (one process fewer on every record: starting one costs Node ~5 ms); when
 * one is not plain, or uses a per-worktree config, git answers.
 */
async function readRemotes(top: string): Promise<RemoteUrl[]> {
  const files = configFiles(top)
  if (files !== null) {
    const out: RemoteUrl[] = []
    let plain = true
    for (const f of files) {
      let text: string
      try { text = readFileSync(f, 'utf8') } catch { continue }
      const urls = /worktreeconfig/i.test(text) ? null : remoteUrls(text)
      if (urls === null) { plain = false; break }
      out.push(...urls)
    }
    if (plain) return out
  }
  const r = await runGit(top, ['config', '-z', '--get-regexp', '^remote\\..*\\.url$'])
  if (r.code !== 0) return []
  return r.stdout.toString('utf8').split('\0').filter(Boolean).map((e) => {
    const nl = e.indexOf('\n')
    return { key: e.slice(0, nl), url: e.slice(nl + 1) }
  })
}

/** origin's URL if there is one, else the first remote's; credentials stripped, secrets scrubbed. */
function pickRemote(entries: RemoteUrl[], redactor: Redactor): string | null {
  const chosen = entries.find((e) => e.key === 'remote.origin.url') ?? entries[0]
  return chosen === undefined ? null : redactor.scrubText(stripUrlCredentials(chosen.url))
}

async function readPatch(top: string, base: string, omitted: string[], store: Store, redactor: Redactor): Promise<NonNullable<GitState['patch']>> {
  const spec = ['--', ':(top)', ...storeExclude(store), ...omitted.map((p) => `:(top,exclude,literal)${p}`)]
  const r = await runGit(top, ['diff', '--no-ext-diff', '--no-textconv', '--binary', '--full-index', base, ...spec])
  const text = redactor.scrubPatch(r.code === 0 ? r.stdout.toString('utf8') : '')
  const patch: NonNullable<GitState['patch']> = {
    sha256: nodeCrypto().createHash('sha256').update(text, 'utf8').digest('hex'),
    size: Buffer.byteLength(text),
    text,
  }
  if (omitted.length > 0) patch.omitted = omitted
  return patch
}

/**
 * Whether two commits, each with a run's patch of uncommitted changes applied, hold the same
 * files (their untracked ones aside; the store left out: runs committed with it, git add -A,
 * leave it in a tree). false when git cannot tell (a patch that does not apply, one whose secrets
 * were replaced by fingerprints among them). The indexes and the objects this makes live in
 * temporary directories, removed after: the repository is only read.
 */
export async function sameTrees(top: string, a: [commit: string, patch: string], b: [commit: string, patch: string], store: Store): Promise<boolean> {
  const objects = await runGit(top, ['rev-parse', '--path-format=absolute', '--git-path', 'objects'])
  if (objects.code !== 0) return false
  const tree = async ([commit, patch]: [string, string]): Promise<string | null> => {
    let dir: string | null = null
    try {
      dir = mkdtempSync(path.join(os.tmpdir(), 'prov-tree-'))
      const env = {
        GIT_INDEX_FILE: path.join(dir, 'index'),
        GIT_OBJECT_DIRECTORY: path.join(dir, 'objects'),
        GIT_ALTERNATE_OBJECT_DIRECTORIES: objects.stdout.toString('utf8').trim(),
      }
      mkdirSync(env.GIT_OBJECT_DIRECTORY)
      writeFileSync(path.join(dir, 'patch'), patch)
      const steps = [['read-tree', commit], ...(patch === '' ? [] : [['apply', '--cached', '--whitespace=nowarn', path.join(dir, 'patch')]]),
        ['rm', '-r', '-q', '-f', '--cached', '--ignore-unmatch', '--', ...storePaths(store)]]
      for (const args of steps) {
        if ((await runGit(top, args, { env })).code !== 0) return null
      }
      const w = await runGit(top, ['write-tree'], { env })
      return w.code === 0 ? w.stdout.toString('utf8').trim() : null
    } catch {
      return null
    } finally {
      if (dir !== null) rmSync(dir, { recursive: true, force: true })
    }
  }
  const [ta, tb] = await Promise.all([tree(a), tree(b)])
  return ta !== null && ta === tb
}

const existing = new Map<string, Promise<boolean>>()

/** Whether a commit exists in the repository at `top`; git is asked once per process (diff's report asks what diffRecords asked). */
export function commitExists(top: string, commit: string): Promise<boolean> {
  const key = `${top}\0${commit}`
  let known = existing.get(key)
  if (known === undefined) {
    known = runGit(top, ['cat-file', '-e', `${commit}^{commit}`]).then((r) => r.code === 0)
    existing.set(key, known)
  }
  return known
}

/**
 * Files that differ between two commits: [{status, path, from?}]; a store committed to the
 * repository is left out. null when git cannot tell.
 */
export async function diffCommits(top: string, a: string, b: string, store?: Store): Promise<Array<{ status: string; path: string; from?: string }> | null> {
  const r = await runGit(top, ['diff', '--name-status', '-z', '--no-renames', a, b, '--', ...(store ? [':(top)', ...storeExclude(store)] : [])])
  if (r.code !== 0) return null
  const f = r.stdout.toString('utf8').split('\0')
  const out: Array<{ status: string; path: string }> = []
  for (let i = 0; i + 1 < f.length; i += 2) {
    if (f[i] === '') break
    out.push({ status: f[i]!, path: f[i + 1]! })
  }
  return out
}

/** Whether the repository is a shallow clone: its history is cut, and counts of commits are not to be told. */
export async function isShallow(top: string): Promise<boolean> {
  const r = await runGit(top, ['rev-parse', '--is-shallow-repository'])
  return r.code === 0 && r.stdout.toString('utf8').trim() === 'true'
}

/**
 * `git log --oneline a..b` and its count, when both commits exist; `behind`, the commits of a that
 * b does not have (`b..a`). Both counts above zero: the histories diverged, a's commit is not b's
 * ancestor (another branch, or a rebase, a reset or an amend since).
 */
export async function logBetween(top: string, a: string, b: string, max = 20): Promise<{ lines: string[]; count: number; ahead: boolean; behind: number }> {
  const [fwd, count, back] = await Promise.all([
    runGit(top, ['log', '--oneline', '--no-decorate', `-n${max}`, `${a}..${b}`]),
    runGit(top, ['rev-list', '--count', `${a}..${b}`]),
    runGit(top, ['rev-list', '--count', `${b}..${a}`]),
  ])
  const lines = fwd.code === 0 ? fwd.stdout.toString('utf8').split('\n').filter(Boolean) : []
  const n = count.code === 0 ? Number(count.stdout.toString('utf8').trim()) : lines.length
  const behind = back.code === 0 ? Number(back.stdout.toString('utf8').trim()) : 0
  if (n > 0) return { lines, count: n, ahead: true, behind }
  return { lines: [], count: behind, ahead: false, behind }
}

import { accessSync, constants, existsSync, utimesSync, mkdirSync, rmdirSync, statSync, fstatSync, readdirSync, readFileSync, readSync, writeFileSync, openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync, linkSync, unlinkSync, chmodSync, fchmodSync, fchownSync, lstatSync, readlinkSync, type BigIntStats } from 'node:fs'
import { nodeCrypto } from '../core/crypto.js'
import { openRegularFile, readRegularFile, withinRoot } from './read.js'
import { isAscii } from 'node:buffer'
import os from 'node:os'
import path from 'node:path'
import { InputError, ProvError, UsageError, describeErrno, isNodeError } from '../errors.js'
import { RUN_ID_RE } from '../core/id.js'
import { jsonParseReason, withoutBom } from '../core/json-docs.js'
import { parseRef, resolveStoreRef, RefError } from '../core/refs.js'
import { runStartTime, type RunRecord } from '../core/record.js'
import { canonicalize } from '../core/canonical.js'
import { escapeTerminal, quotePath, toRecordPath } from '../core/paths.js'
import { log } from './log.js'

export interface Store {
  /** the project root: the enclosing git work tree, else the current directory */
  root: string
  /** the store directory, the one that holds runs/ */
  dir: string
  /** true when root has a .git (a work tree) */
  inGit: boolean
  /** true when --store or PROV_DIR named the store (else it is the project's .prov) */
  named?: boolean
}

/** The root of the enclosing git work tree (a directory holding .git), else null. */
export function findWorkTree(start: string): string | null {
  let dir = path.resolve(start)
  for (;;) {
    if (existsSync(path.join(dir, '.git'))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

/** The project's own store, `<project root>/.prov`: the default, and a store all the same when PROV_DIR names another. */
export const PROJECT_STORE = '.prov'

export function locateStore(opts: { store?: string | undefined; cwd?: string } = {}): Store {
  const cwd = opts.cwd ?? process.cwd()
  const tree = findWorkTree(cwd)
  const root = tree ?? path.resolve(cwd)
  // `--store ''` names no directory (an unset variable, as often as not): an error, not the default.
  if (opts.store === '') throw new UsageError("--store needs a directory, not ''", 'leave --store out for the default store')
  const explicit = opts.store !== undefined ? opts.store : process.env.PROV_DIR
  // A store named through a link to the project ($PWD/.prov) is the project's: by its physical
  // path, so that walks skip it and git-state leaves it out.
  const dir = explicit !== undefined && explicit !== '' ? withinRoot(root, path.resolve(cwd, explicit), true) : path.join(root, PROJECT_STORE)
  return { root, dir, inGit: tree !== null, named: explicit !== undefined && explicit !== '' }
}

/**
 * For commands that read the store as a whole (log, verify): a store named with --store or
 * PROV_DIR that is not there is a mistake to say (a typo, a disk not mounted), not an empty list.
 * The project's own .prov may be missing: no run was recorded yet (a link there to nothing: listRunIds).
 * A store named must hold runs/, as every store prov makes does, unless it is the project's own
 * .prov or holds a secret.key or prov's config.json: a store no run was recorded in yet.
 */
export function assertNamedStoreExists(s: Store): void {
  if (s.named !== true) return
  let st
  try { st = statSync(s.dir) } catch (e) {
    const dangling = isNodeError(e) && e.code === 'ENOENT' ? danglingLinkOn(s.dir, path.parse(s.dir).root, s.dir) : null
    if (dangling !== null) throw new InputError('E_STORE', `no store at ${quotePath(s.dir)}: ${dangling}`, 'make what it points to reachable (a disk to mount?), or name another store')
    throw new InputError('E_STORE', `no store at ${quotePath(s.dir)}: ${describeErrno(e)}`, 'the store is the directory that holds runs/; leave --store and PROV_DIR out for the project\'s .prov')
  }
  if (!st.isDirectory()) throw new InputError('E_STORE', `no store at ${quotePath(s.dir)}: it is not a directory`)
  // Every store prov made holds runs/: a directory without one is some other directory (the
  // store's runs/ itself, the project root), which would list no runs and pass verification.
  // Unless it is the project's own .prov, or holds what only a store holds (its key, or its
  // config.json, written before the first run: one of prov's sections only, not a project's own
  // config.json at its root): a store with no runs yet, as the default is.
  const there = (name: string): boolean => { try { lstatSync(path.join(s.dir, name)); return true } catch { return false } }
  const provConfig = (): boolean => {
    try {
      const c = JSON.parse(readRegularFile(path.join(s.dir, 'config.json')).toString('utf8')) as unknown
      // (Each section an object, as prov's are: an application's {"env": "production"} is no store's.)
      const section = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v)
      return section(c) && Object.keys(c as object).length > 0 && Object.entries(c as object).every(([k, v]) => (k === 'secrets' || k === 'env') && section(v))
    } catch { return false }
  }
  const store = s.dir === path.join(s.root, PROJECT_STORE) || there('secret.key') || provConfig()
  if (!store && !there('runs')) { // (runs/ a link to nothing: listRunIds names it)
    const inRuns = path.basename(s.dir) === 'runs'
    throw new InputError('E_STORE', `no store at ${quotePath(s.dir)}: it holds no runs/`, inRuns
      ? `the store is the directory that holds runs/: ${quotePath(path.dirname(s.dir))}`
      : 'the store is the directory that holds runs/; leave --store and PROV_DIR out for the project\'s .prov')
  }
}

export const runsDir = (s: Store): string => path.join(s.dir, 'runs')
export const runPath = (s: Store, id: string): string => path.join(s.dir, 'runs', id, 'run.json')

/**
 * The id that a run.json's place names: the name of its directory, when the file is named
 * run.json and its directory is named as an id (runs/<id>/run.json, in a store or a copy of one);
 * else null.
 */
export function idOfRunPath(file: string): string | null {
  const dir = path.basename(path.dirname(file))
  return path.basename(file) === 'run.json' && RUN_ID_RE.test(dir) ? dir : null
}

/**
 * Make a directory and those above it that are missing (mkdir -p). Node's `mkdirSync(dir,
 * { recursive: true })` never returns where a parent exists yet refuses children (`/proc/x`: it
 * tries the child and the parent in turn for ever); here that refusal is the error.
 */
export function makeDirs(dir: string): void {
  try {
    mkdirSync(dir)
    return
  } catch (e) {
    if (!isNodeError(e)) throw e
    if (e.code === 'EEXIST' && statSync(dir).isDirectory()) return
    if (e.code === 'EEXIST') throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR', path: dir })
    if (e.code !== 'ENOENT') throw e
  }
  const parent = path.dirname(dir)
  if (parent === dir) throw new Error(`cannot make ${dir}`)
  makeDirs(parent)
  try {
    mkdirSync(dir)
  } catch (e) {
    // Another process made it meanwhile (records started together into a new store).
    if (!(isNodeError(e) && e.code === 'EEXIST' && statSync(dir).isDirectory())) throw e
  }
}

/**
 * A link on the way to `p` that leads nowhere (p itself, or a directory above it, up to `top`):
 * said as such, since "no such file or directory" would name a path that is plainly there (a
 * store linked to a disk that is not mounted). null where there is none.
 */
export function danglingLinkOn(p: string, top: string, self?: string): string | null {
  for (let d = p; ; d = path.dirname(d)) {
    try {
      if (lstatSync(d).isSymbolicLink() && statSync(d, { throwIfNoEntry: false }) === undefined) {
        return `${d === self ? 'it' : quotePath(d)} is a symbolic link to ${quotePath(readlinkSync(d))}, which does not exist`
      }
    } catch { /* not there (or not to be read): the one above may be the link */ }
    if (d === top || path.dirname(d) === d) return null
  }
}

/**
 * Create the store's directories, and a .gitignore that keeps the key and caches out of git.
 * Whatever makes the store goes through here (a run, the key, a cache: ensureCacheDir), so that a
 * store first made by hash-inputs' stat cache is the store record makes, .gitignore and all.
 */
export function ensureStore(s: Store): void {
  try {
    makeDirs(path.join(s.dir, 'runs'))
    makeDirs(path.join(s.dir, 'tmp'))
    const gi = path.join(s.dir, '.gitignore')
    if (!existsSync(gi)) writeFileAtomic(gi, '# written by prov: the HMAC key and derived caches stay local\nsecret.key\ncache/\ntmp/\n')
  } catch (e) {
    // The path inside the store that failed, where it is not the store itself (a file named runs).
    let why = describeErrno(e)
    if (isNodeError(e) && typeof e.path === 'string' && e.path !== s.dir) why = e.code === 'ENOTDIR' ? `${quotePath(e.path)} is not a directory` : `${quotePath(e.path)}: ${why}`
    const dangling = isNodeError(e) && e.code === 'ENOENT' && typeof e.path === 'string' ? danglingLinkOn(e.path, s.dir, s.dir) : null
    if (dangling !== null) why = dangling
    throw new ProvError('E_STORE', `cannot create the store ${quotePath(s.dir)}: ${why}`)
  }
}

/** The store's cache/ directory, for derived data (stat.bin, index.json, verified.json, tools.json). */
export const cacheDir = (s: Store): string => path.join(s.dir, 'cache')

/** Make cache/, and the store around it as ensureStore makes it; returns cache/. */
export function ensureCacheDir(s: Store): string {
  ensureStore(s)
  const dir = cacheDir(s)
  makeDirs(dir)
  return dir
}

/**
 * That a run can be written, before a command runs that may take hours: the store's directories
 * made, a directory made and removed in its tmp/, and runs/ writable. Else E_STORE, naming why.
 */
export function assertStoreWritable(s: Store): void {
  ensureStore(s)
  try {
    const probe = tmpName(s, 'probe')
    mkdirSync(probe)
    rmdirSync(probe)
    accessSync(path.join(s.dir, 'runs'), constants.W_OK)
  } catch (e) {
    throw new ProvError('E_STORE', `cannot write to the store ${quotePath(s.dir)}: ${describeErrno(e)}`)
  }
}

/**
 * The file system's own clock, now: the mtime of a marker file made in the store's tmp/ (and
 * removed at once: its time is all it is for). A file written after this has an mtime no older,
 * which Date.now() does not promise: the kernel stamps files with its coarse clock, which can lag
 * it by a tick. record takes it before the command runs (HashOptions.newer).
 */
export function markerTime(s: Store): bigint {
  const marker = tmpName(s, 'marker')
  try {
    const fd = openSync(marker, 'wx', 0o600)
    try { return fstatSync(fd, { bigint: true }).mtimeNs } finally { closeSync(fd) }
  } catch (e) {
    throw new ProvError('E_STORE', `cannot make a marker file in the store ${quotePath(s.dir)}: ${describeErrno(e)}`)
  } finally {
    try { unlinkSync(marker) } catch { /* not made */ }
  }
}

/**
 * tmp/'s entries are named `<label>.<pid>.<owner>.<random>`: `owner` tells whose pid it is, this
 * host's (its name and boot) and this PID namespace's (a container, `unshare -p`), so that a prov elsewhere sharing
 * the store (a container, another host over NFS), to which the pid means nothing, does not take
 * a live entry for a dead one.
 */
let owner: string | undefined
function ownerToken(): string {
  if (owner === undefined) {
    // The boot's id tells hosts apart where their names and initial PID namespaces match (cloned
    // images called localhost: the initial namespace's inode is the same on every Linux host).
    let ns = ''
    let boot = ''
    try { ns = readlinkSync('/proc/self/ns/pid') } catch { /* no procfs: the host name alone */ }
    try { boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() } catch { /* idem */ }
    owner = nodeCrypto().createHash('sha256').update(`${os.hostname()}\0${ns}\0${boot}`).digest('hex').slice(0, 8)
  }
  return owner
}

function tmpName(s: Store, label: string): string {
  return path.join(s.dir, 'tmp', `${label}.${process.pid}.${ownerToken()}.${nodeCrypto().randomBytes(6).toString('hex')}`)
}

/** How often a live entry of tmp/ that lasts (captured output) has its mtime renewed, and how old another owner's entry must be to be taken for dead. */
const LEASE_MS = 60_000
const FOREIGN_STALE_MS = 10 * LEASE_MS

/**
 * Write a file by temp file, fsync and rename. `keep`: the mode and owner of the file replaced,
 * given to the new one before it takes the name (a 0600 file stays 0600).
 */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644, keep?: { mode: number; uid: number; gid: number }): void {
  // Beside the file; a long name (near the 255-byte limit) gets a short temporary one.
  const name = path.basename(file)
  const tmp = path.join(path.dirname(file), `${Buffer.byteLength(name) > 200 ? '' : name}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.tmp`)
  const fd = openSync(tmp, 'wx', mode)
  try {
    try {
      if (keep !== undefined) {
        const now = fstatSync(fd)
        if (now.uid !== keep.uid || now.gid !== keep.gid) fchownSync(fd, keep.uid, keep.gid) // then the mode: a chown clears set-id bits
        fchmodSync(fd, keep.mode)
      }
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } catch (e) {
    // A full disk leaves no partial file behind, under either name. (unlink, not rmSync: where
    // unlink is refused, rmSync tries rmdir and throws its ENOTDIR in place of the real error.)
    try { unlinkSync(tmp) } catch { /* not made, or cannot be removed: the first error stands */ }
    throw e
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try { fsyncSync(fd) } finally { closeSync(fd) }
  } catch { /* not supported everywhere */ }
}

/** A temporary directory inside the store, for files that go into a run (captured output). */
export function makeTempDir(s: Store, label: string): string {
  ensureStore(s)
  const dir = tmpName(s, label)
  mkdirSync(dir)
  // Its mtime is renewed while this prov lives (the command may run for days): a prov that cannot
  // tell whether this one lives (sweepStaleTemp) sees it in use.
  const lease = setInterval(() => {
    try { const now = new Date(); utimesSync(dir, now, now) } catch { clearInterval(lease) } // moved into the run, or gone
  }, LEASE_MS)
  lease.unref()
  return dir
}

/** sweepStaleTemp's mark for an entry of another host or PID namespace. */
const FOREIGN = -1

/**
 * Remove temp entries that a dead prov left: its pid (in the name) no longer runs and the
 * entry is over a minute old; or, made by a prov of another host or PID namespace (its owner, in
 * the name, not this one's), not renewed for ten minutes (a live one renews its lease every
 * minute: makeTempDir). Readers never look in tmp/. Besides tmp/<label>.<pid>.<owner>.<hex>,
 * writeFileAtomic's <file>.<pid>.<hex>.tmp files in the store and cache/ are swept.
 */
export function sweepStaleTemp(s: Store): void {
  const atomicPid = (name: string): number | null => {
    const m = /\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name)
    return m ? Number(m[1]) : null
  }
  // tmp/'s `<label>.<pid>.<owner>.<random>` (`<label>.<pid>.<random>` before owners were named).
  // Another owner's pid tells nothing here: its entry is dead only once its lease has long lapsed.
  const tmpPid = (name: string): number | null => {
    const parts = name.split('.')
    if (parts.length === 4 && parts[2] !== ownerToken()) return FOREIGN
    return Number(parts[1])
  }
  const places: Array<[string, (name: string) => number | null]> = [
    [path.join(s.dir, 'tmp'), tmpPid],
    [s.dir, atomicPid],
    [cacheDir(s), atomicPid],
  ]
  const now = Date.now()
  for (const [dir, pidOf] of places) {
    let names: string[]
    try { names = readdirSync(dir) } catch { continue }
    for (const name of names) {
      const pid = pidOf(name)
      if (pid === null) continue
      if (pid === FOREIGN) {
        try {
          const st = lstatSync(path.join(dir, name))
          if (now - st.mtimeMs > FOREIGN_STALE_MS) rmSync(path.join(dir, name), { recursive: true, force: true })
        } catch { /* raced with another sweeper */ }
        continue
      }
      let alive = false
      if (Number.isSafeInteger(pid) && pid > 0) {
        try { process.kill(pid, 0); alive = true } catch (e) { alive = isNodeError(e) && e.code === 'EPERM' }
      }
      if (alive && pid !== process.pid) continue
      if (pid === process.pid) continue
      try {
        const st = lstatSync(path.join(dir, name))
        if (now - st.mtimeMs > 60_000) rmSync(path.join(dir, name), { recursive: true, force: true })
      } catch { /* raced with another sweeper */ }
    }
  }
}

export interface ExtraFile { name: string; data?: string | Buffer; from?: string }

/** The mode a run's file is written with: captured output is the user's alone, as record's tee writes it. */
const runFileMode = (name: string): number => (name === 'stdout' || name === 'stderr' ? 0o600 : 0o644)

/** A file of the run being written, and where its bytes are: in memory, or in a file of the store's tmp/ (moved, not copied). */
interface RunFile { name: string; data?: Buffer; from?: string }

/** Whether a file holds exactly these bytes (or those of file `from`): 'missing' when there is none. */
function compareFile(file: string, want: RunFile): 'same' | 'differs' | 'missing' {
  let fd: number
  let size: bigint
  try {
    ({ fd, stat: { size } } = openRegularFile(file))
  } catch (e) {
    return isNodeError(e) && e.code === 'ENOENT' ? 'missing' : 'differs' // a FIFO, a directory: no file of a run
  }
  let other: number | null = null
  try {
    if (want.data !== undefined) return size === BigInt(want.data.length) && readFileSync(fd).equals(want.data) ? 'same' : 'differs'
    // Captured output may be large: compared a piece at a time.
    other = openSync(want.from!, 'r')
    if (fstatSync(other, { bigint: true }).size !== size) return 'differs'
    const a = Buffer.allocUnsafe(1 << 20)
    const b = Buffer.allocUnsafe(1 << 20)
    for (;;) {
      const n = readSync(fd, a, 0, a.length, null)
      let m = 0
      for (let got; m < n && (got = readSync(other, b, m, n - m, null)) > 0;) m += got
      if (m !== n || !a.subarray(0, n).equals(b.subarray(0, n))) return 'differs'
      if (n === 0) return 'same'
    }
  } finally {
    closeSync(fd)
    if (other !== null) closeSync(other)
  }
}

/** Whether a stored run.json holds this run: its bytes, or the same content written otherwise (its keys in another order). */
function compareRunFile(file: string, record: RunRecord, json: Buffer): 'same' | 'differs' | 'missing' {
  const bytes = compareFile(file, { name: 'run.json', data: json })
  if (bytes !== 'differs') return bytes
  try {
    return canonicalize(JSON.parse(readRegularFile(file).toString('utf8'))) === canonicalize(record) ? 'same' : 'differs'
  } catch {
    return 'differs' // not JSON, or no value canonical JSON takes
  }
}

/**
 * Make runs/<id>, which is there already, hold this run: each of its files that is missing or
 * holds other bytes (run.json edited by hand, a damaged patch.diff) is replaced by the run's, each
 * by one rename, with a warning. A file that holds the run's bytes is left as it is.
 */
function mendRunDir(s: Store, record: RunRecord, dir: string, files: RunFile[]): void {
  let replaced = false
  for (const f of files) {
    const dest = path.join(dir, f.name)
    const state = f.name === 'run.json' ? compareRunFile(dest, record, f.data!) : compareFile(dest, f)
    if (state === 'same') {
      if (f.from !== undefined) rmSync(f.from, { force: true })
      continue
    }
    let from = f.from
    if (from === undefined) {
      from = tmpName(s, 'mend')
      const fd = openSync(from, 'wx', runFileMode(f.name))
      try {
        writeSync(fd, f.data!)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
    }
    try {
      renameSync(from, dest)
    } catch (e) {
      rmSync(from, { force: true })
      throw e
    }
    replaced = true
    const shown = quotePath(toRecordPath(s.root, dest).path)
    log.warn(state === 'missing' ? `wrote ${shown}: the run's directory was there without it`
      : `replaced ${shown}: its content did not match ${f.name === 'run.json' ? 'its id' : "the run's hash of it"}`)
  }
  if (replaced) fsyncDir(dir)
}

/**
 * Write a run: every file into a fresh temp directory, fsync, then one rename to runs/<id>.
 * No reader ever sees a partial run. A run already there is left as it is when it holds this
 * run's content (the same id, written again: a no-op); a file of it that does not (edited,
 * damaged, missing) is replaced, with a warning (mendRunDir), so that the store holds the run
 * whose id the caller prints.
 */
export function writeRunDir(s: Store, record: RunRecord, extra: ExtraFile[] = []): { created: boolean; path: string } {
  if (!RUN_ID_RE.test(record.id)) throw new ProvError('E_INTERNAL', `refusing to write a run with a malformed id '${record.id}'`)
  for (const f of extra) {
    if (!/^[A-Za-z0-9._-]+$/.test(f.name) || f.name === 'run.json') throw new ProvError('E_INTERNAL', `bad run file name '${f.name}'`)
  }
  ensureStore(s)
  sweepStaleTemp(s)
  const final = path.join(runsDir(s), record.id)
  const finalJson = path.join(final, 'run.json')
  const json = Buffer.from(JSON.stringify(record, null, 2) + '\n')
  const mend = (files: RunFile[]): { created: boolean; path: string } => {
    try {
      mendRunDir(s, record, final, files)
    } catch (e) {
      throw new ProvError('E_STORE', `cannot write run ${record.id.slice(0, 12)} into ${quotePath(s.dir)}: ${describeErrno(e)}`)
    }
    return { created: false, path: finalJson }
  }
  if (existsSync(finalJson)) {
    return mend([{ name: 'run.json', data: json }, ...extra.map((f) => f.from !== undefined ? { name: f.name, from: f.from } : { name: f.name, data: Buffer.from(f.data ?? '') })])
  }
  const tmp = tmpName(s, 'run')
  try {
    mkdirSync(tmp)
  } catch (e) {
    // (A store made read-only, or full, since it was found writable: the command may have run.)
    throw new ProvError('E_STORE', `cannot write run ${record.id.slice(0, 12)} into ${quotePath(s.dir)}: ${describeErrno(e)}`)
  }
  try {
    for (const f of extra) {
      const dest = path.join(tmp, f.name)
      if (f.from !== undefined) renameSync(f.from, dest)
      else writeFileSync(dest, f.data ?? '', { mode: runFileMode(f.name) })
      const fd = openSync(dest, 'r')
      try { fsyncSync(fd) } finally { closeSync(fd) }
    }
    const fd = openSync(path.join(tmp, 'run.json'), 'wx', 0o644)
    try {
      writeSync(fd, json)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    fsyncDir(tmp)
    try {
      renameSync(tmp, final)
    } catch (e) {
      if (isNodeError(e) && (e.code === 'ENOTEMPTY' || e.code === 'EEXIST')) {
        // Stored meanwhile (the same run written at once by another prov), or a directory of the
        // id holding no run.json: made to hold this run, from the files just written.
        const done = mend([{ name: 'run.json', data: json }, ...extra.map((f) => ({ name: f.name, from: path.join(tmp, f.name) }))])
        rmSync(tmp, { recursive: true, force: true })
        return done
      }
      throw e
    }
    fsyncDir(runsDir(s))
    return { created: true, path: finalJson }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    if (e instanceof ProvError) throw e
    throw new ProvError('E_STORE', `cannot write run ${record.id.slice(0, 12)} into ${quotePath(s.dir)}: ${describeErrno(e)}`)
  }
}

/** Ids of the stored runs (directory names that are ids); anything else in runs/ is ignored. */
export function listRunIds(s: Store, others?: string[]): string[] {
  try {
    const names = readdirSync(runsDir(s))
    // What else is there (a copy made by hand, `notanid`), for verify to name.
    if (others !== undefined) others.push(...names.filter((n) => !RUN_ID_RE.test(n)).sort())
    return names.filter((n) => RUN_ID_RE.test(n))
  } catch (e) {
    if (isNodeError(e) && e.code === 'ENOENT') {
      // No runs yet; but a link that leads nowhere holds runs that are elsewhere, not none.
      const dangling = danglingLinkOn(runsDir(s), s.dir)
      if (dangling === null) return []
      throw new ProvError('E_STORE', `cannot read the store's runs: ${dangling}`, { hint: 'make what it points to reachable (a disk to mount?), or remove the link' })
    }
    throw new ProvError('E_STORE', `cannot read the store's runs '${runsDir(s)}': ${describeErrno(e)}`)
  }
}

/** The buffer run.json files are read into, kept for the next one (diff-runs reads two). */
let readBuffer: Buffer | null = null

/**
 * A file's bytes, read into a buffer that is reused: valid until the next call. A big run.json
 * (15 MB for 100,000 inputs) then costs one buffer, whose memory is touched once, for both runs
 * that diff-runs reads: first touches of memory are slow in some VMs (~3 ms per MB). With `stat`,
 * also the file's stat, taken through the same descriptor once the bytes were read.
 */
function readReused(file: string, stat: boolean): { bytes: Buffer; stat: BigIntStats | null } {
  const { fd, stat: st } = openRegularFile(file)
  try {
    const size = Number(st.size)
    if (readBuffer === null || readBuffer.length <= size) readBuffer = Buffer.allocUnsafeSlow(size + 1)
    let n = 0
    let got
    while (n <= size && (got = readSync(fd, readBuffer, n, size + 1 - n, null)) > 0) n += got
    // More than fstat said (a file that grew while read, or one in /proc): read it as it comes.
    if (n > size) return { bytes: readFileSync(file), stat: null }
    return { bytes: readBuffer.subarray(0, n), stat: stat ? fstatSync(fd, { bigint: true }) : null }
  } finally {
    closeSync(fd)
  }
}

/** Read and parse a stored run.json; null-safe checks are the caller's (verify). */
export function readRunFile(file: string): unknown {
  return readRun(file, false).data
}

/**
 * readRunFile, and the file's stat once read (null for a file that grew while read), and the
 * text that was parsed: its bytes as read, decoded, without a leading byte order mark.
 */
export function readRunFileStat(file: string): { data: unknown; stat: BigIntStats | null; text: string } {
  return readRun(file, true)
}

function readRun(file: string, stat: boolean): { data: unknown; stat: BigIntStats | null; text: string } {
  let text: string
  let st: BigIntStats | null
  try {
    const read = readReused(file, stat)
    st = read.stat
    // Most runs are ASCII, and decoding ASCII as latin1 gives the same text several times faster.
    text = isAscii(read.bytes) ? read.bytes.toString('latin1') : read.bytes.toString('utf8')
  } catch (e) {
    throw new InputError('E_READ', `cannot read run ${quotePath(file)}: ${describeErrno(e)}`)
  }
  // A byte order mark (a run.json saved by an editor that writes one) is no part of the JSON, as
  // jq and prov's standard input take it.
  text = withoutBom(text)
  try {
    return { data: JSON.parse(text), stat: st, text }
  } catch (e) {
    // Without the excerpt of the text that JSON.parse quotes: a path given as a run may name any file.
    const why = jsonParseReason(e)
    throw new InputError('E_JSON', `run ${quotePath(file)} is not valid JSON: ${why}`)
  }
}

export interface RunSummary {
  id: string
  started: string
  created_at: string
  argv: string[]
  exit_code: number | null
  signal: string | null
  message?: string
  duration_ms?: number
  inputs: number
  outputs: number
}

function summarize(id: string, r: RunRecord): RunSummary {
  const s: RunSummary = {
    id,
    started: runStartTime(r),
    created_at: r.created_at,
    argv: Array.isArray(r.command?.argv) ? r.command.argv : [],
    exit_code: r.command?.exit_code ?? null,
    signal: r.command?.signal ?? null,
    inputs: Array.isArray(r.inputs) ? r.inputs.length : 0,
    outputs: Array.isArray(r.outputs) ? r.outputs.length : 0,
  }
  if (typeof r.message === 'string') s.message = r.message
  if (typeof r.command?.duration_ms === 'number') s.duration_ms = r.command.duration_ms
  return s
}

/** Whether a summary (from the index, or from a run.json not checked against the schema) has the shape log prints. */
function isSummary(e: unknown): e is RunSummary {
  if (typeof e !== 'object' || e === null) return false
  const r = e as Record<string, unknown>
  return typeof r.id === 'string' && typeof r.started === 'string' && typeof r.created_at === 'string' &&
    Array.isArray(r.argv) && r.argv.every((a) => typeof a === 'string') &&
    (r.exit_code === null || Number.isSafeInteger(r.exit_code)) && (r.signal === null || typeof r.signal === 'string') &&
    (r.message === undefined || typeof r.message === 'string') && (r.duration_ms === undefined || typeof r.duration_ms === 'number') &&
    Number.isSafeInteger(r.inputs) && Number.isSafeInteger(r.outputs)
}

/**
 * Newest first by start time as a time, not as text: '08:00:00Z' is before '08:00:00.500Z' and
 * after '09:30:00+02:00'. Digits beyond the millisecond, then the id, break ties.
 */
function sortByStartDesc(runs: RunSummary[]): RunSummary[] {
  const keyed = runs.map((r) => {
    const m = /\.(\d+)/.exec(r.started)
    return { r, t: startMs(r.started), sub: m === null ? '' : m[1]!.slice(3).padEnd(12, '0') }
  })
  keyed.sort((a, b) => (a.t !== b.t ? b.t - a.t : a.sub !== b.sub ? (a.sub < b.sub ? 1 : -1) : a.r.id < b.r.id ? 1 : a.r.id > b.r.id ? -1 : 0))
  return keyed.map((k) => k.r)
}

/** A start time as listings sort it, to the millisecond: one that does not parse sorts after every other. */
export function startMs(started: string): number {
  const t = Date.parse(started)
  return Number.isNaN(t) ? -Infinity : t
}

const INDEX_VERSION = 1

/** A run that cannot be read, left out of a listing: said, with where to look further. */
export function warnSkippedRun(id: string, e: unknown): void {
  log.warn(`skipping run ${id.slice(0, 12)}: ${e instanceof Error ? e.message : String(e)} (see 'prov verify')`)
}

/**
 * A run left out of a listing, and where it would sort were it sound, as far as that is known
 * (`started`, in ms): the start time its run.json gives, where it parses as JSON that has one;
 * else the time its run.json (or, with none, its directory) last changed, which no run written
 * then can have started after; else +Infinity, before every run.
 */
export interface SkippedRun { id: string; error: unknown; started: number }

/**
 * Warn about the runs a listing skipped that an answer reached. An answer cut short by a limit
 * (`full`: log -n 2 that found two) reached those that may sort before the last run it looked
 * at, `last`, and none where it looked at none (-n 0); one not cut short had room for every run,
 * and reached them all.
 */
export function warnSkippedRuns(skipped: readonly SkippedRun[], full: boolean, last: RunSummary | undefined): void {
  const until = !full ? -Infinity : last === undefined ? Infinity : startMs(last.started)
  for (const k of skipped) if (k.started >= until) warnSkippedRun(k.id, k.error)
}

/** Where a run that cannot be listed would sort: see SkippedRun. */
function skippedStart(record: unknown, file: string, ctimeMs: number | undefined): number {
  if (typeof record === 'object' && record !== null && !Array.isArray(record)) {
    const t = Date.parse(runStartTime(record as RunRecord))
    if (!Number.isNaN(t)) return t
  }
  if (ctimeMs !== undefined) return ctimeMs
  try { return statSync(path.dirname(file)).ctimeMs } catch { return Infinity }
}

/**
 * Summaries of every readable run, newest first (by start time, then id). Backed by a derived
 * index in cache/ that is rebuilt for whatever it lacks. Runs are immutable, but a run.json
 * damaged or edited after it was indexed must not stay listed as sound: an entry is kept only
 * while its run.json's inode, size and times are those it was read with. Unreadable runs are
 * skipped with a warning, or (`skipped`) handed to the caller, which warns about those its
 * answer reached (log -n 1 does not name a broken run from last year).
 */
export function listRuns(s: Store, opts: { warn?: boolean; skipped?: SkippedRun[] } = {}): RunSummary[] {
  const ids = listRunIds(s)
  const indexFile = path.join(cacheDir(s), 'index.json')
  type Entry = RunSummary & { stat?: string }
  let index: Record<string, Entry> = {}
  try {
    const parsed = JSON.parse(readRegularFile(indexFile).toString('utf8')) as { version?: number; runs?: Record<string, Entry> }
    if (parsed.version === INDEX_VERSION && parsed.runs && typeof parsed.runs === 'object') index = parsed.runs
  } catch { /* missing or torn: rebuild */ }
  const out: RunSummary[] = []
  const next: Record<string, Entry> = {}
  let changed = false
  for (const id of ids) {
    const file = path.join(runsDir(s), id, 'run.json')
    let stat = ''
    let ctimeMs: number | undefined
    try { const st = statSync(file); stat = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`; ctimeMs = st.ctimeMs } catch { /* read below, and reported */ }
    let sum = index[id]
    // An entry of another shape (a damaged or hand-edited index) is read again from its run.
    if (sum === undefined || sum.id !== id || sum.stat !== stat || !isSummary(sum)) {
      // A run that cannot be read is not entered, and so read again next time: the index changes
      // only where it held an entry for it, not on every listing while a broken run is there.
      if (sum !== undefined) changed = true
      let r: RunRecord | undefined
      try {
        r = readRunFile(file) as RunRecord
        if (typeof r !== 'object' || r === null || r.id !== id) throw new Error('its id does not match its directory')
        const fresh = summarize(id, r)
        if (!isSummary(fresh)) throw new Error('it does not match the run schema')
        sum = { ...fresh, stat }
        changed = true
      } catch (e) {
        if (opts.skipped !== undefined) opts.skipped.push({ id, error: e, started: skippedStart(r, file, ctimeMs) })
        else if (opts.warn !== false) warnSkippedRun(id, e)
        continue
      }
    }
    next[id] = sum
    out.push(sum)
  }
  if (changed || Object.keys(index).length !== out.length) {
    try {
      ensureCacheDir(s)
      writeFileAtomic(indexFile, JSON.stringify({ version: INDEX_VERSION, runs: next }))
    } catch { /* a cache: best effort */ }
  }
  return sortByStartDesc(out)
}

/**
 * The store's runs newest first, as `@` and `@~N` count them: listed once per command, so that
 * the references of one command (diff's `@~1` and `@`) name runs of one listing, even while a run
 * is being recorded; a run that cannot be read is warned about once, where it may have moved the
 * run named (warnSkippedUpTo).
 */
interface Latest { runs: RunSummary[]; skipped: SkippedRun[]; warned: Set<string> }
const latestOrders = new Map<string, Latest>()
function latestOrder(s: Store): Latest {
  let l = latestOrders.get(s.dir)
  if (l === undefined) {
    const skipped: SkippedRun[] = []
    latestOrders.set(s.dir, l = { runs: listRuns(s, { skipped }), skipped, warned: new Set() })
  }
  return l
}

/**
 * Warn, once, about the runs the listing skipped that may sort at or before the `back`th: they
 * may have moved `@~back` (a broken run newer than it is counted by no one); those that sort after
 * it change nothing of the answer, as log -n leaves them unsaid. All of them where there is no
 * such run (the reference goes back further than the runs listed).
 */
function warnSkippedUpTo(l: Latest, back: number): void {
  const at = l.runs[back]
  const until = at === undefined ? -Infinity : startMs(at.started)
  for (const k of l.skipped) {
    if (k.started < until || l.warned.has(k.id)) continue
    l.warned.add(k.id)
    warnSkippedRun(k.id, k.error)
  }
}

/** Resolve a reference to the run.json it names: an id in the store, or a path given as such. */
export function resolveRef(s: Store, text: string): { id: string | null; file: string } {
  let ref
  try {
    ref = parseRef(text)
  } catch (e) {
    throw new InputError('E_REF', e instanceof Error ? e.message : String(e))
  }
  if (ref.kind === 'path') {
    if (ref.path === '-') return { id: null, file: '-' }
    let file = path.resolve(ref.path)
    let st
    try {
      st = statSync(file)
    } catch (e) {
      throw new InputError('E_REF', `cannot read run ${quotePath(ref.path)}: ${describeErrno(e)}`)
    }
    if (st.isDirectory()) {
      // A directory names the run.json in it: one without is as a path to nothing (exit 2 for
      // verify as for show and diff, not a failed check).
      file = path.join(file, 'run.json')
      if (!existsSync(file)) throw new InputError('E_REF', `cannot read run ${quotePath(ref.path)}: a directory with no run.json in it`)
      // Its run.json a directory or a FIFO (through a link, say): it names no run either, as that
      // run.json named by its own path does not; verify's check is for runs, not for no run.
      if (!statSync(file).isFile()) throw new InputError('E_REF', `cannot read run ${quotePath(ref.path)}: its run.json is not a regular file`)
    } else if (!st.isFile()) throw new InputError('E_REF', `cannot read run ${quotePath(ref.path)}: it is not a regular file`, `give '-' to read a run from standard input`) // a FIFO or device never ends
    return { id: null, file }
  }
  if (ref.kind === 'prefix' && ref.prefix.length === 64) {
    const file = runPath(s, ref.prefix)
    if (existsSync(file)) return { id: ref.prefix, file }
  }
  // A reference into a store named that is not there: that is what to say, not that it holds no runs.
  assertNamedStoreExists(s)
  const latest = ref.kind === 'latest' ? latestOrder(s) : null
  if (latest !== null && ref.kind === 'latest') warnSkippedUpTo(latest, ref.back)
  const ids = latest !== null ? latest.runs.map((r) => r.id) : listRunIds(s).sort()
  try {
    const id = resolveStoreRef(ref, ids, text)
    return { id, file: runPath(s, id) }
  } catch (e) {
    if (e instanceof RefError) {
      // A prefix that matches no run: the runs to offer are the latest, as log lists them first,
      // not the lowest ids of the listing the prefix was looked for in.
      if (ref.kind === 'prefix' && !ids.some((id) => id.startsWith(ref.prefix))) {
        const latest = listRuns(s, { warn: false }).slice(0, 10)
        throw new InputError('E_REF', e.message, latest.length > 0 ? `candidates, the latest runs: ${latest.map((r) => r.id.slice(0, 12)).join(', ')}` : `see 'prov log' for the recorded runs`)
      }
      const hint = e.candidates.length > 0 ? `candidates: ${e.candidates.map((c) => c.slice(0, 12)).join(', ')}` : `see 'prov log' for the recorded runs`
      throw new InputError('E_REF', e.message, hint)
    }
    throw e
  }
}

/**
 * The store's key where it has one that readSecretKey would use, else undefined: never makes one,
 * and a key it cannot read is none here (readSecretKey says why, when a fingerprint needs it).
 */
export function readExistingSecretKey(s: Store): Buffer | undefined {
  try {
    const key = readRegularFile(path.join(s.dir, 'secret.key'))
    return key.length >= 32 ? key : undefined
  } catch {
    return undefined
  }
}

/**
 * The store's HMAC key, or undefined where it has none yet: readSecretKey without making one. A
 * key it cannot read, or a link to nothing, is an error, as there.
 */
export function findSecretKey(s: Store): Buffer | undefined {
  const file = path.join(s.dir, 'secret.key')
  let key: Buffer
  try {
    key = readRegularFile(file)
  } catch (e) {
    if (!(isNodeError(e) && e.code === 'ENOENT')) throw new ProvError('E_STORE', `cannot read the key '${file}': ${describeErrno(e)}`)
    // Not there, yet something holds the name: a symbolic link to nothing. A new key is not
    // made through it (where would it go?), nor beside it.
    let dangling = false
    try { dangling = lstatSync(file).isSymbolicLink() } catch { /* nothing there: none yet */ }
    if (dangling) throw new ProvError('E_STORE', `the key '${file}' is a symbolic link to nothing (${readlinkSync(file)})`, { hint: 'restore the file it names, or remove the link and prov makes a new key (fingerprints in earlier runs will then differ from new ones)' })
    return undefined
  }
  if (key.length < 32) throw damagedKey(file, key.length)
  return key
}

/** A short key (an empty file, say) would make every fingerprint one anybody can compute. */
function damagedKey(file: string, length: number): ProvError {
  return new ProvError('E_STORE', `the key '${file}' is damaged: ${length} bytes, expected 32`, { hint: 'remove it and prov makes a new one (fingerprints in earlier runs will then differ from new ones)' })
}

/**
 * The HMAC key for secret fingerprints: 32 random bytes in <store>/secret.key, mode 0600,
 * created on first use (atomically, so concurrent first uses agree), never recorded. `made`: the
 * bytes to store where there is no key yet (a key made in memory before the store was written
 * to); where another process made the key first, its key is returned, not `made`.
 */
export function readSecretKey(s: Store, made?: Buffer): Buffer {
  const file = path.join(s.dir, 'secret.key')
  const found = findSecretKey(s)
  if (found !== undefined) return found
  ensureStore(s)
  const tmp = tmpName(s, 'key')
  const fd = openSync(tmp, 'wx', 0o600)
  try {
    writeSync(fd, made ?? nodeCrypto().randomBytes(32))
    fsyncSync(fd) // a crash must not leave an empty key behind the link
  } finally {
    closeSync(fd)
  }
  chmodSync(tmp, 0o600)
  try {
    linkSync(tmp, file) // fails if another process won the race: then use theirs
  } catch (e) {
    if (!(isNodeError(e) && e.code === 'EEXIST')) { unlinkSync(tmp); throw new ProvError('E_STORE', `cannot create the key '${file}': ${describeErrno(e)}`) }
  }
  unlinkSync(tmp)
  const key = readRegularFile(file)
  if (key.length < 32) throw damagedKey(file, key.length)
  return key
}

/** The store's config: .prov/config.json (optional). */
export function readConfig(s: Store): Record<string, unknown> {
  const file = path.join(s.dir, 'config.json')
  let text: string
  try {
    // Most runs are ASCII, and decoding ASCII as latin1 gives the same text several times faster.
    const bytes = readRegularFile(file)
    text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
  } catch (e) {
    if (isNodeError(e) && e.code === 'ENOENT') return {}
    throw new InputError('E_READ', `cannot read '${file}': ${describeErrno(e)}`)
  }
  try {
    const c = JSON.parse(text) as unknown
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error('expected an object')
    return c as Record<string, unknown>
  } catch (e) {
    throw new InputError('E_CONFIG', `${quotePath(file)} is not a valid config: ${escapeTerminal(e instanceof Error ? e.message : String(e))}`) // (JSON.parse quotes the text: a committed config.json's escape sequence, escaped)
  }
}

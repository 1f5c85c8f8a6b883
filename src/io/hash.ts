// Hashing files: synchronous reads into one reused buffer (constant memory), a stat cache, and,
// for many files, a second thread (a worker) so that two cores work: both threads take files
// from one shared counter. Results are the same whichever thread did the work.
import * as fs from 'node:fs'
import { openSync, readSync, closeSync, fstatSync, lstatSync, statSync, readdirSync, readFileSync, rmSync, type BigIntStats } from 'node:fs'
import { createRequire } from 'node:module'
import { isAscii, isUtf8 } from 'node:buffer'
import os from 'node:os'
import path from 'node:path'
import { InputError, describeErrno, isNodeError } from '../errors.js'
import { nodeCrypto } from '../core/crypto.js'
import { keptAsWritten, openRegularFile, resolveNamed, warnOutsideRoot, withinRoot } from './read.js'
import { compareUtf8, namedPathProblem, quotePath, toRecordPath } from '../core/paths.js'
import { olderThan } from '../core/times.js'
import type { FileEntry } from '../core/record.js'
import { cacheDir, ensureCacheDir, PROJECT_STORE, writeFileAtomic, type Store } from './store.js'
import { log } from './log.js'

const CHUNK = 1 << 20
let buffer: Buffer | null = null

export interface HashOptions {
  cache?: boolean
  quiet?: boolean
  /** record a path that does not exist as {path, missing: true} instead of failing */
  allowMissing?: boolean
  /** the paths were read from a record: one outside the project root is expected, not warned about */
  fromRecord?: boolean
  /**
   * A walk leaves out, with a warning, what it cannot hash (a FIFO, socket or device, a dangling
   * link, an unreadable directory, a name that is not UTF-8) instead of failing: diff --workspace
   * listing a run's directories again, where a stray editor lock must not stop the report.
   */
  lenient?: boolean
  /**
   * A time of the file system's own clock (ns since the epoch, a marker file's mtime): a file
   * whose mtime and ctime are both older (core/times.ts) was not changed since, and its entry
   * gets `stale: true` (an output the command did not write; see markerTime in io/store.ts).
   */
  newer?: bigint
  /**
   * With lenient, a named file too that cannot be hashed (unreadable, or swapped for a FIFO since
   * it was listed) is left out with a warning, as a walked one is: git-state's untracked files,
   * which no run fails for.
   */
  lenientNamed?: boolean
}

/** A file to hash: where it is, how the record names it, and whether only a walk found it (not named). */
interface Target { abs: string; rel: string; walked: boolean }

function notRegular(st: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string | null {
  if (st.isFIFO()) return 'a FIFO'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  return null
}

const SURROGATE = /[\uD800-\uDFFF]/

function readlinkSafe(p: string): string {
  try { return fs.readlinkSync(p) } catch { return '?' }
}

/**
 * A path named to be hashed that can name no file, whatever is on disk (empty, a NUL byte, too
 * long: see namedPathProblem), is an error. record asks it of -o's paths before its command runs.
 */
export function assertNamable(p: string, abs: string): void {
  const why = namedPathProblem(p, abs)
  if (why !== null) throw new InputError('E_USAGE', why)
}

/**
 * What a path named to hash-inputs (or record's -i, -o) is: its stat, a regular file's or a
 * directory's, or null for nothing there where missing is allowed. Else the error that names it.
 */
function statNamed(p: string, abs: string, opts: HashOptions): fs.Stats | null {
  assertNamable(p, abs)
  let st
  try {
    // A symbolic link named on the command line is followed. A trailing slash is kept for
    // the stat, so that 'file/' is not a directory, as for ls or cat.
    st = statSync(p.endsWith('/') ? abs + '/' : abs)
  } catch (e) {
    // ENOTDIR: a directory on the way is a file now (a recorded 'data/x.csv' where data is a
    // file): as missing as ENOENT, where missing is allowed; 'file/' stays the error it is.
    // A '..' after a file ('model.bin/../labels.csv', kept as written by resolveNamed) names no
    // place an output could be made: an error, not a missing output recorded under another name.
    const stepsOut = keptAsWritten(abs)
    // Nor does a '..' after nothing whose place holds another file ('gone/../labels.csv', gone a
    // link to a disk not mounted, 'nothing/../labels.csv'), kept as written by resolveNamed too.
    const nothing = isNodeError(e) && ((e.code === 'ENOENT' && !stepsOut) || (e.code === 'ENOTDIR' && opts.allowMissing === true && !p.endsWith('/') && !stepsOut))
    if (nothing) {
      // With --missing-ok, a link to nothing has no content either: it is recorded as missing.
      if (opts.allowMissing) return null
      let dangling = false
      try { dangling = lstatSync(abs).isSymbolicLink() } catch { /* nothing there */ }
      if (dangling) throw new InputError('E_MISSING', `cannot hash ${quotePath(p)}: dangling symbolic link (to ${quotePath(readlinkSafe(abs))})`)
    }
    throw new InputError('E_MISSING', `cannot hash ${quotePath(p)}: ${describeErrno(e)}`)
  }
  if (!st.isDirectory() && !st.isFile()) throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(p)}: it is ${notRegular(st) ?? 'not a regular file'}`)
  return st
}

/**
 * The directories among the named paths, as recorded paths, sorted: what a run keeps as
 * command.input_dirs (output_dirs), so that diff --workspace can list them again. Each path is
 * checked as collectFiles checks it (a missing one is an error unless missing is allowed), but
 * no directory is walked and no file read.
 */
export function namedDirs(store: Store, paths: readonly string[], cwd: string, opts: HashOptions = {}): string[] {
  const dirs = new Set<string>()
  const memo = new Map<string, string | null>()
  for (const p of paths) {
    const resolved = opts.fromRecord ? path.resolve(cwd, p) : resolveNamed(cwd, p)
    const st = statNamed(p, resolved, opts)
    if (st?.isDirectory()) dirs.add(toRecordPath(store.root, withinRoot(store.root, resolved, true, memo)).path)
  }
  return [...dirs].sort(compareUtf8)
}

/** Expand the named paths into the files to hash: directories recursively, sorted, deduplicated. */
export function collectFiles(store: Store, paths: readonly string[], cwd: string, opts: HashOptions = {}, onFile?: () => void): { targets: Target[]; missing: string[]; walked: string[] } {
  const targets: Target[] = []
  const walked: string[] = [] // the named directories walked, each with a trailing separator
  const missing: string[] = []
  // The store, and the project's own .prov when the store is elsewhere (PROV_DIR): a store's files
  // change with every run, and are no one's data.
  const skipDirs = new Set([path.resolve(store.dir), path.join(store.root, PROJECT_STORE)])
  const add = (abs: string, walked: boolean): void => {
    const { path: rel, outside } = toRecordPath(store.root, abs)
    if (outside && !opts.fromRecord) warnOutsideRoot(abs, store.root)
    targets.push({ abs, rel, walked })
    onFile?.()
  }
  // `rel` is the directory's record path when it lies inside the project root (its entries' paths
  // are then built by appending their names), else null.
  const walk = (dir: string, rel: string | null): void => {
    let entries: Array<fs.Dirent | fs.Dirent<Buffer>>
    try {
      entries = readdirSync(dir, { withFileTypes: true })
      // A name that is not valid UTF-8 reads with U+FFFD in it: then list the directory again
      // as bytes, to tell such a name from one that holds U+FFFD itself.
      if (entries.some((d) => d.name.includes('\uFFFD'))) entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })
    } catch (e) {
      const why = `cannot read directory ${quotePath(dir)}: ${describeErrno(e)}`
      if (opts.lenient) { log.warn(`${why}: left out`); return }
      throw new InputError('E_READ', why)
    }
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep
    for (const d of entries) {
      const name = typeof d.name === 'string' ? d.name : isUtf8(d.name) ? d.name.toString('utf8') : null
      if (name === null) {
        const bytes = d.name as Buffer
        if (opts.lenient) { log.warn(`${quotePath(path.join(dir, bytes.toString('latin1')))}: its name is not valid UTF-8 (bytes ${bytes.toString('hex')}): left out`); continue }
        throw new InputError('E_NAME', `cannot record ${quotePath(path.join(dir, bytes.toString('latin1')))}: its name is not valid UTF-8 (bytes ${bytes.toString('hex')})`, 'rename the file, or leave its directory out')
      }
      const abs = prefix + name
      const childRel = rel === null ? null : rel === '.' ? name : `${rel}/${name}`
      // `.git` is git's, a directory or, in a linked work tree or a submodule, a file naming one.
      if (name === '.git') continue
      if (d.isDirectory()) {
        if (skipDirs.has(abs)) continue
        walk(abs, childRel)
      } else if (d.isFile()) {
        if (childRel === null) add(abs, true)
        else {
          targets.push({ abs, rel: childRel, walked: true })
          onFile?.()
        }
      } else if (d.isSymbolicLink()) {
        let st
        try {
          st = statSync(abs)
        } catch (e) {
          const why = `cannot read ${quotePath(abs)}: ${isNodeError(e) && e.code === 'ENOENT' ? 'dangling symbolic link' : describeErrno(e)}`
          if (opts.lenient) { log.warn(`${why}: left out`); continue }
          throw new InputError('E_READ', why)
        }
        if (st.isDirectory()) log.warn(`not following the symbolic link to a directory ${quotePath(abs)}: name it to include it`)
        else if (st.isFile()) add(abs, true)
        else if (opts.lenient) log.warn(`${quotePath(abs)} is ${notRegular(st) ?? 'not a regular file'}: left out`)
        else throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(abs)}: it is ${notRegular(st) ?? 'not a regular file'}`)
      } else if (opts.lenient) {
        log.warn(`${quotePath(abs)} is ${notRegular(d) ?? 'not a regular file'}: left out`)
      } else {
        throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(abs)}: it is ${notRegular(d) ?? 'not a regular file'}`)
      }
    }
  }
  const memo = new Map<string, string | null>()
  const missingSeen = new Set<string>()
  for (const p of paths) {
    // A path through a link to the project ($PWD/data) is recorded as inside it, as it is; a
    // path read from a record is hashed under the name the record gives it.
    const resolved = opts.fromRecord ? path.resolve(cwd, p) : resolveNamed(cwd, p)
    const st = statNamed(p, resolved, opts)
    const abs = opts.fromRecord ? resolved : withinRoot(store.root, resolved, st?.isDirectory() === true, memo)
    if (st === null) {
      // Missing (an output not made, with allowMissing), yet recorded: outside the project, by its absolute path.
      const r = toRecordPath(store.root, abs)
      if (missingSeen.has(r.path)) continue // named twice
      if (r.outside && !opts.fromRecord) warnOutsideRoot(abs, store.root)
      missingSeen.add(r.path)
      missing.push(r.path)
      continue
    }
    if (st.isDirectory()) {
      const r = toRecordPath(store.root, abs)
      walked.push(abs.endsWith(path.sep) ? abs : abs + path.sep)
      walk(abs, r.outside ? null : r.path)
    } else add(abs, false)
  }
  // Without surrogates (code points above U+FFFF), UTF-16 order is the order of UTF-8 bytes.
  if (targets.some((t) => SURROGATE.test(t.rel))) targets.sort((a, b) => compareUtf8(a.rel, b.rel))
  else targets.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  // A file named twice (a directory and a file in it, say) is listed once.
  let kept = 0
  for (let i = 0; i < targets.length; i++) {
    if (kept > 0 && targets[kept - 1]!.rel === targets[i]!.rel) {
      if (!targets[i]!.walked) targets[kept - 1]!.walked = false
      continue
    }
    targets[kept++] = targets[i]!
  }
  targets.length = kept
  return { targets, missing, walked }
}

/**
 * SHA-256 and size of one file, read through the descriptor it was opened with. A file that is
 * not a regular file (one swapped for a FIFO or a device since it was listed) is not read: its
 * stat says what it is, and its sha256 is ''.
 */
export function hashFile(abs: string): { size: number; sha256: string; stat: BigIntStats } {
  // O_NONBLOCK: a file replaced by a FIFO since it was listed must not block the open; its
  // fstat then says what it is. (On a regular file the flag changes nothing.)
  const fd = openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
  try {
    const stat = fstatSync(fd, { bigint: true })
    if (!stat.isFile()) return { size: 0, sha256: '', stat }
    const h = nodeCrypto().createHash('sha256')
    if (stat.size <= BigInt(CHUNK)) {
      const data = readFileSync(fd)
      h.update(data)
      return { size: data.length, sha256: h.digest('hex'), stat }
    }
    buffer ??= Buffer.allocUnsafe(CHUNK)
    let size = 0
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null)
      if (n === 0) break
      h.update(n === CHUNK ? buffer : buffer.subarray(0, n))
      size += n
    }
    return { size, sha256: h.digest('hex'), stat }
  } finally {
    closeSync(fd)
  }
}

// ---- the stat cache ------------------------------------------------------------------------
// <store>/cache/stat.bin holds, for each file hashed, by absolute path: its device, inode, size,
// mtime and ctime (in ns), and its SHA-256. An entry is trusted only when all five stat fields
// match and the file's mtime and ctime are older than the cache file itself (git's racily-clean
// rule): a file changed in the same clock tick as the cache was written is read again.
//
// It is binary, and sorted by path, as git's index is. A JSON object of 20,000 entries cost
// ~35 ms to parse and its "dev:ino:size:mtime:ctime" keys ~50 ms to build and as much to
// compare; a Map of the paths, ~20 ms to build. Sorted, the entries are found by walking them
// beside the sorted list of files. The layout, little-endian: the 8 bytes "provst01"; the entry
// count n (int64); n x 5 int64 (dev, ino, size, mtimeNs, ctimeNs; dev and ino as their 64
// bits); n x 32 bytes of SHA-256; the n paths in UTF-8, each ended by a NUL, in the order of
// their UTF-16 code units. A file that does not match this layout is ignored and replaced.

const MAGIC = 'provst01'
/** the magic and the entry count */
const HEADER = 16
/** int64 stat fields per entry */
const STAT = 5
const STAT_CACHE_NAME = 'stat.bin'

interface StatCache {
  file: string
  /** the cache file's mtime, for the racily-clean rule; 0 for none */
  mtimeNs: bigint
  /** sorted (by UTF-16 code units) */
  paths: string[]
  /** per entry, STAT fields, in shared memory: the worker reads it */
  stat: BigInt64Array
  /** per entry, 32 bytes */
  digests: Buffer
}

function emptyCache(file: string): StatCache {
  return { file, mtimeNs: 0n, paths: [], stat: new BigInt64Array(0), digests: Buffer.alloc(0) }
}

export function loadStatCache(store: Store): StatCache {
  const file = path.join(cacheDir(store), STAT_CACHE_NAME)
  try {
    // The cache's mtime, for the racily-clean rule, is taken before its bytes are read.
    const { fd, stat: st } = openRegularFile(file)
    let bytes: Buffer
    try { bytes = readFileSync(fd) } finally { closeSync(fd) }
    if (bytes.length < HEADER || bytes.toString('latin1', 0, 8) !== MAGIC) return emptyCache(file)
    const n = Number(bytes.readBigInt64LE(8))
    const pathsAt = HEADER + n * (STAT * 8 + 32)
    if (!(n >= 0 && pathsAt <= bytes.length)) return emptyCache(file)
    // ASCII (paths without accents, most caches) decodes as latin1 to the same text, faster.
    const text = isAscii(bytes.subarray(pathsAt)) ? bytes.toString('latin1', pathsAt) : bytes.toString('utf8', pathsAt)
    const paths = text.split('\0')
    if (paths.length !== n + 1 || paths[n] !== '') return emptyCache(file)
    paths.length = n
    for (let i = 1; i < n; i++) if (!(paths[i - 1]! < paths[i]!)) return emptyCache(file) // found by walking, they must be sorted
    const stat = new BigInt64Array(new SharedArrayBuffer(Math.max(8, n * STAT * 8)))
    new Uint8Array(stat.buffer).set(bytes.subarray(HEADER, HEADER + n * STAT * 8))
    return { file, mtimeNs: st.mtimeNs, paths, stat, digests: bytes.subarray(HEADER + n * STAT * 8, pathsAt) }
  } catch { /* missing or unreadable: start empty */ }
  return emptyCache(file)
}

/** Where `abs` is among the cache's sorted paths: its index, else -1 - (where it would go). */
function findEntry(paths: readonly string[], abs: string, from: number): number {
  // The files come sorted, and so mostly in the cache's order: look at the next entry first.
  if (from < paths.length && paths[from] === abs) return from
  let lo = 0
  let hi = paths.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (paths[mid]! < abs) lo = mid + 1
    else hi = mid
  }
  return lo < paths.length && paths[lo] === abs ? lo : -1 - lo
}

/**
 * Write the cache again with the files of `jobs` that were read (`read`, job indices): their
 * entries replace those of the same paths, and the others are kept.
 */
function saveStatCache(store: Store, cache: StatCache, jobs: Jobs, read: number[], walked: readonly string[]): void {
  // Entries of files no longer there: under a directory this call walked, yet not listed in it
  // (deleted, moved away). Without this the cache grew with every path ever hashed.
  const listed = new Set<number>()
  for (const k of jobs.slots) if (k >= 0) listed.add(k)
  const gone = new Set<number>()
  if (walked.length > 0) cache.paths.forEach((p, k) => { if (!listed.has(k) && walked.some((d) => p.startsWith(d))) gone.add(k) })
  if (read.length === 0 && gone.size === 0) return
  const stats = Buffer.from(jobs.stats.buffer, jobs.stats.byteOffset, jobs.stats.byteLength)
  const digests = Buffer.from(jobs.digests.buffer, jobs.digests.byteOffset, jobs.digests.byteLength)
  // New entries, sorted (the files mostly are already), merged with the old.
  const added = read.filter((j) => jobs.slots[j]! < 0)
  if (added.some((j, k) => k > 0 && !(jobs.files[added[k - 1]!]! < jobs.files[j]!))) added.sort((x, y) => (jobs.files[x]! < jobs.files[y]! ? -1 : 1))
  const old = cache.paths
  const order: number[] = [] // >= 0: an old entry; < 0: the job -1 - value
  let i = 0
  for (const j of added) {
    const p = jobs.files[j]!
    for (; i < old.length && old[i]! < p; i++) if (!gone.has(i)) order.push(i)
    order.push(-1 - j)
  }
  for (; i < old.length; i++) if (!gone.has(i)) order.push(i)
  const changed = new Map<number, number>() // old entry -> the job that read it again
  for (const j of read) if (jobs.slots[j]! >= 0) changed.set(jobs.slots[j]!, j)
  /** The job whose fields an entry of `order` takes, or -1 for the old entry's own. */
  const jobOf = (k: number): number => (k >= 0 ? changed.get(k) ?? -1 : -1 - k)
  const n = order.length
  const names = Buffer.from(order.map((k) => (k >= 0 ? old[k]! : jobs.files[-1 - k]!)).join('\0') + '\0', 'utf8')
  const statAt = HEADER
  const digestsAt = statAt + n * STAT * 8
  const out = Buffer.allocUnsafe(digestsAt + n * 32 + names.length)
  out.write(MAGIC, 0, 'latin1')
  out.writeBigInt64LE(BigInt(n), 8)
  const oldStat = Buffer.from(cache.stat.buffer, cache.stat.byteOffset, cache.stat.byteLength)
  // Entries whose fields lie one after the other in the same source are copied as one run.
  for (let e = 0; e < n;) {
    const k = order[e]!
    const j = jobOf(k)
    const [fromStat, fromDigests, at] = j >= 0 ? [stats, digests, j] : [oldStat, cache.digests, k]
    let len = 1
    for (; e + len < n; len++) {
      const k2 = order[e + len]!
      const j2 = jobOf(k2)
      if (j >= 0 ? j2 !== j + len : j2 >= 0 || k2 !== k + len) break
    }
    fromStat.copy(out, statAt + e * STAT * 8, at * STAT * 8, (at + len) * STAT * 8)
    fromDigests.copy(out, digestsAt + e * 32, at * 32, (at + len) * 32)
    e += len
  }
  names.copy(out, digestsAt + n * 32)
  try {
    ensureCacheDir(store)
    writeFileAtomic(cache.file, out)
    rmSync(path.join(path.dirname(cache.file), 'stat.json'), { force: true }) // the JSON cache of earlier versions
  } catch (e) {
    log.debug(`could not write the stat cache: ${describeErrno(e)}`)
  }
}

// ---- the work, shared by both threads ------------------------------------------------------
// runJobs runs in this thread and, as source text, in the worker: it uses only its arguments
// and globals.

/**
 * One call's files and where the results go; the typed arrays live in shared memory. The paths
 * travel to the worker as one string (copying 20,000 strings one by one cost the main thread
 * ~10 ms), joined by NUL, and are split there.
 */
interface Jobs {
  files: string[]
  /** per file: the index of its stat cache entry, or -1 for none */
  slots: Int32Array
  /** the stat cache's entries' STAT fields (StatCache.stat) */
  cached: BigInt64Array
  cacheMtimeNs: bigint
  /**
   * whether each file read is fstat-ed and its fields kept in `stats`: for the stat cache, or
   * for `times`
   */
  stat: boolean
  /** whether every file's times are kept in `stats`, a cache hit's too (for HashOptions.newer) */
  times: boolean
  /** [next file to claim, files done] */
  ctl: Int32Array
  /**
   * per file: 0 pending, 1 hashed, 2 failed (redone by this thread, to report it), 3 cache hit,
   * 4 not a regular file (one swapped in since the listing)
   */
  status: Int32Array
  /** per file: its size (bytes read, or the size of a cache hit) */
  sizes: Float64Array
  /** per file, with `stat`: the STAT fields fstat gave before the read (a cache hit's times only, with `times`); else empty */
  stats: BigInt64Array
  /** per file: the 32-byte SHA-256 */
  digests: Uint8Array
  /** [bytes hashed so far] for the progress line; it also shows the worker is alive */
  bytes: BigInt64Array
  chunk: number
}
const DONE = 1

/** Take files from the shared counter until none is left; hash each, or confirm its cache entry. */
function runJobs(d: Jobs, fs: typeof import('node:fs'), crypto: typeof import('node:crypto'), tick: (() => void) | null): void {
  const buf = Buffer.allocUnsafe(d.chunk)
  const oneShot = typeof crypto.hash === 'function'
  const { files, slots, cached } = d
  const count = files.length
  for (;;) {
    const j = Atomics.add(d.ctl, 0, 1)
    if (j >= count) break
    let status = 2
    let counted = 0
    try {
      const file = files[j]!
      const c = slots[j]! * 5 // STAT
      let hit = false
      if (c >= 0) {
        let s
        try { s = fs.statSync(file, { bigint: true, throwIfNoEntry: false }) } catch { s = undefined }
        if (s !== undefined && s.mtimeNs < d.cacheMtimeNs && s.ctimeNs < d.cacheMtimeNs && s.size === cached[c + 2] && s.mtimeNs === cached[c + 3] &&
          s.ctimeNs === cached[c + 4] && BigInt.asIntN(64, s.ino) === cached[c + 1] && BigInt.asIntN(64, s.dev) === cached[c]) {
          d.sizes[j] = Number(s.size)
          hit = true
          // Its times, for `newer` (the cache takes the fields of the files read only).
          if (d.times) {
            d.stats[j * 5 + 3] = s.mtimeNs // STAT
            d.stats[j * 5 + 4] = s.ctimeNs
          }
        }
      }
      if (hit) status = 3
      else {
        const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK) // see hashFile
        try {
          // For the stat cache, fstat first: its entry holds what fstat says before the read. A
          // file that fits is then read up to fstat's size, as readFileSync reads. Without the
          // cache (--no-cache) no stat is needed but the file's type: the file is read to its
          // end, and fstat is asked only when the first reads end at once (an empty file, or a
          // FIFO swapped in since the listing) or fill the buffer (a large file, or a device).
          // That saves ~8 us a file on our 2-core VM, a quarter of the
          // work on small files (20,000 files of 1-16 KiB, one thread: 607 ms with fstat, 448 without).
          let s = d.stat ? fs.fstatSync(fd, { bigint: true }) : null
          const known = s !== null && s.size > 0n && s.size <= BigInt(buf.length)
          const limit = known ? Number(s!.size) : buf.length
          let size = 0
          let n = 0
          while (size < limit && (n = fs.readSync(fd, buf, size, limit - size, null)) > 0) size += n
          if (s === null && (size === 0 || size === buf.length)) s = fs.fstatSync(fd, { bigint: true })
          const isFile = s === null || s.isFile()
          let digest
          if (!isFile) {
            digest = new Uint8Array(32) // not read further (a device may not end); reported by the caller
          } else if (known || size < buf.length) {
            digest = oneShot ? crypto.hash('sha256', buf.subarray(0, size), 'buffer') : crypto.createHash('sha256').update(buf.subarray(0, size)).digest()
          } else {
            const h = crypto.createHash('sha256').update(buf.subarray(0, size))
            while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) {
              Atomics.add(d.bytes, 0, BigInt(n))
              counted += n
              h.update(n === buf.length ? buf : buf.subarray(0, n))
              size += n
            }
            digest = h.digest()
          }
          d.sizes[j] = size
          if (d.stat && s !== null) {
            const k = j * 5 // STAT
            d.stats[k] = BigInt.asIntN(64, s.dev)
            d.stats[k + 1] = BigInt.asIntN(64, s.ino)
            d.stats[k + 2] = s.size
            d.stats[k + 3] = s.mtimeNs
            d.stats[k + 4] = s.ctimeNs
          }
          d.digests.set(digest, j * 32)
          status = isFile ? 1 : 4
        } finally {
          fs.closeSync(fd)
        }
      }
    } catch {
      status = 2
    }
    Atomics.store(d.status, j, status)
    if (status === 1) Atomics.add(d.bytes, 0, BigInt(d.sizes[j]! - counted))
    Atomics.add(d.ctl, 1, 1)
    Atomics.notify(d.ctl, 1)
    if (tick !== null) tick()
  }
}

// ---- the worker ----------------------------------------------------------------------------
const requireCjs = createRequire(import.meta.url)
type WorkerThreads = typeof import('node:worker_threads')

/**
 * Enough files to read to be worth a second thread. Starting one costs this thread ~7 ms, and
 * the worker is ready ~65 ms later (2 vCPUs, Node 20), by when this thread has read some 2,000
 * small files. Files with a cache entry are not counted: checking one is a stat, too little
 * to share.
 */
const PARALLEL_MIN = 3000

function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
}

/** A worker that waits for its jobs: started while the files are still being listed. */
interface Helper { post(jobs: Jobs): void; stop(): void }

function startWorker(): Helper | null {
  try {
    const { Worker } = requireCjs('node:worker_threads') as WorkerThreads
    const source = `'use strict'
const { parentPort } = require('node:worker_threads')
parentPort.once('message', (jobs) => {
  jobs.files = jobs.files === '' ? [] : jobs.files.split('\\0')
  ;(${runJobs.toString()})(jobs, require('node:fs'), require('node:crypto'), null)
  parentPort.close()
})
`
    const w = new Worker(source, { eval: true, execArgv: [], stdout: true, stderr: true, env: {} })
    w.on('error', () => { /* the main thread does the work itself */ })
    w.unref()
    return { post: (jobs) => w.postMessage({ ...jobs, files: jobs.files.join('\0') }), stop: () => void w.terminate() }
  } catch (e) {
    log.debug(`no worker thread: ${e instanceof Error ? e.message : String(e)}`)
    return null
  }
}

// ---- progress -----------------------------------------------------------------------------
class Progress {
  private readonly start = Date.now()
  private last = 0
  private shown = false
  constructor(private readonly total: number, readonly enabled: boolean) {}
  tick(files: number, bytes: number): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.start < 1000 || now - this.last < 100) return
    this.last = now
    this.shown = true
    const mib = bytes / (1 << 20)
    const rate = mib / ((now - this.start) / 1000)
    process.stderr.write(`\rhashing: ${files}/${this.total} files, ${mib.toFixed(1)} MiB, ${rate.toFixed(1)} MiB/s\x1b[K`)
  }
  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K')
  }
}

/**
 * Hash the named files and directories; entries are sorted by path. With `cache` (the default),
 * unchanged files are not read again.
 */
export function hashPaths(store: Store, paths: readonly string[], cwd: string, opts: HashOptions = {}): FileEntry[] {
  const useCache = opts.cache !== false
  const cache = useCache ? loadStatCache(store) : null
  // A second thread, once the listing has found enough files to read: it starts while the rest
  // are listed, and gets its jobs after. Each cache entry may spare one file its read, so the
  // files listed beyond the cache's size are the least number to read; once the files are
  // matched with the cache, the number is known. (Checking a cached file is one stat: sharing
  // those with a second thread made re-hashing 20,000 cached files slower, 516 against 472 ms.)
  let helper = null as Helper | null
  let listedFiles = 0
  const toRead = PARALLEL_MIN + (cache?.paths.length ?? 0)
  const onFile = cores() > 1
    ? (): void => {
        if (++listedFiles === toRead) helper = startWorker()
      }
    : undefined
  let listed
  try {
    listed = collectFiles(store, paths, cwd, opts, onFile)
  } catch (e) {
    helper?.stop()
    throw e
  }
  return hashTargets(store, listed, cache, helper, onFile !== undefined, opts)
}

/**
 * Hash regular files already listed, each by its absolute path and recorded as `rel` (git-state's
 * untracked files, which it has lstat-ed): no path is resolved, checked or walked, as hashPaths
 * does for paths a user names. Entries are sorted by path. A file that cannot be hashed (gone,
 * unreadable, or swapped for a FIFO since it was listed) is left out as hashPaths' lenient
 * options leave it out.
 */
export function hashListedFiles(store: Store, files: ReadonlyArray<{ abs: string; rel: string }>, opts: HashOptions = {}): FileEntry[] {
  const targets: Target[] = files.map((f) => ({ abs: f.abs, rel: f.rel, walked: false }))
  if (targets.some((t, k) => k > 0 && compareUtf8(targets[k - 1]!.rel, t.rel) >= 0)) {
    targets.sort((a, b) => compareUtf8(a.rel, b.rel))
    let kept = 0
    for (let i = 0; i < targets.length; i++) if (kept === 0 || targets[kept - 1]!.rel !== targets[i]!.rel) targets[kept++] = targets[i]!
    targets.length = kept
  }
  const cache = opts.cache !== false ? loadStatCache(store) : null
  return hashTargets(store, { targets, missing: [], walked: [] }, cache, null, cores() > 1, opts)
}

/**
 * Whether a cache entry's times are not older than the cache file at their own precision
 * (core/times.ts): on a file system that keeps whole seconds (ext3, HFS+, FAT, some network
 * mounts), a file edited again in the second it was hashed keeps its mtime and ctime, and the
 * cache, written later in that second on a file system with finer times, is newer by the
 * nanosecond only. Such an entry is not trusted: the file is read again. (A time more than 2 s
 * before the cache's is older at any precision; only the others are looked at.)
 */
function racy(cache: StatCache, k: number): boolean {
  const m = cache.mtimeNs
  const mtime = cache.stat[k * STAT + 3]!
  const ctime = cache.stat[k * STAT + 4]!
  const clear = m - 2_000_000_000n
  return !((mtime < clear || olderThan(mtime, m)) && (ctime < clear || olderThan(ctime, m)))
}

/** hashPaths' work once the files are listed: `helper`, a worker started while they were. */
function hashTargets(store: Store, listed: { targets: Target[]; missing: string[]; walked: string[] }, cache: StatCache | null, helper: Helper | null, parallel: boolean, opts: HashOptions): FileEntry[] {
  const { targets, missing } = listed
  const progress = new Progress(targets.length, !opts.quiet && Boolean(process.stderr.isTTY) && log.level >= 3)
  const n = targets.length
  const files = targets.map((t) => t.abs)
  // Each file's cache entry, found beside the sorted files.
  const slots = new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4)).fill(-1)
  if (cache !== null && cache.paths.length > 0) {
    let from = 0
    let misses = 0
    for (let j = 0; j < n; j++) {
      const k = findEntry(cache.paths, files[j]!, from)
      if (k >= 0) {
        slots[j] = k
        if (racy(cache, k)) cache.stat[k * STAT + 2] = -1n // a size no file has: read again
      } else misses++
      from = k >= 0 ? k + 1 : -1 - k
    }
    if (helper === null && parallel && misses >= PARALLEL_MIN) helper = startWorker()
  } else if (helper === null && parallel && n >= PARALLEL_MIN) helper = startWorker()
  const jobs: Jobs = {
    files,
    slots,
    cached: cache ? cache.stat : new BigInt64Array(0),
    cacheMtimeNs: cache ? cache.mtimeNs : 0n,
    stat: cache !== null || opts.newer !== undefined,
    times: opts.newer !== undefined,
    ctl: new Int32Array(new SharedArrayBuffer(2 * 4)),
    status: new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4)),
    sizes: new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8)),
    stats: new BigInt64Array(new SharedArrayBuffer(cache !== null || opts.newer !== undefined ? Math.max(1, n) * STAT * 8 : 8)),
    digests: new Uint8Array(new SharedArrayBuffer(Math.max(1, n) * 32)),
    bytes: new BigInt64Array(new SharedArrayBuffer(8)),
    chunk: CHUNK,
  }
  const tick = progress.enabled ? () => progress.tick(Atomics.load(jobs.ctl, DONE), Number(jobs.bytes[0])) : null
  helper?.post(jobs)
  runJobs(jobs, fs, nodeCrypto(), tick)
  // Wait for the files the worker took. Should it stop making progress for a minute, which only
  // a dead worker does, the files it left are done here.
  let last = -1n
  let idle = 0
  for (let done; (done = Atomics.load(jobs.ctl, DONE)) < n;) {
    if (Atomics.wait(jobs.ctl, DONE, done, 100) === 'timed-out') {
      tick?.()
      const b = Atomics.load(jobs.bytes, 0)
      idle = b === last && Atomics.load(jobs.ctl, DONE) === done ? idle + 1 : 0
      last = b
      if (idle >= 600) {
        for (let j = 0; j < n; j++) if (Atomics.load(jobs.status, j) === 0) Atomics.store(jobs.status, j, 2)
        break
      }
    }
  }
  const out: FileEntry[] = []
  const digests = Buffer.from(jobs.digests.buffer, jobs.digests.byteOffset, jobs.digests.byteLength)
  const read: number[] = [] // the files read, for the cache
  const { newer } = opts
  // Not changed since `newer`: its mtime and its ctime (which a copy keeping the mtime, a chmod,
  // a rename into place all set) both older, each at the precision it was stored with; a
  // symbolic link to it (made or pointed elsewhere since) counts as a change too.
  const stale = newer === undefined ? () => false : (j: number, abs: string): boolean => {
    if (!(olderThan(jobs.stats[j * STAT + 3]!, newer) && olderThan(jobs.stats[j * STAT + 4]!, newer))) return false
    try {
      const l = lstatSync(abs, { bigint: true })
      return olderThan(l.mtimeNs, newer) && olderThan(l.ctimeNs, newer)
    } catch {
      return false
    }
  }
  // (A named file git-state hashes stays listed among the changes: only its content goes unrecorded.)
  const leftOut = opts.lenientNamed === true ? 'its content is not recorded' : 'left out'
  for (let j = 0; j < n; j++) {
    const t = targets[j]!
    const status = Atomics.load(jobs.status, j)
    if (status === 3) {
      const c = slots[j]! * 32
      out.push({ path: t.rel, size: jobs.sizes[j]!, sha256: cache!.digests.toString('hex', c, c + 32) })
      if (stale(j, t.abs)) out[out.length - 1]!.stale = true
      continue
    }
    let size: number
    let sha256: string
    let isFile: boolean
    if (status === 1 || status === 4) {
      size = jobs.sizes[j]!
      sha256 = digests.toString('hex', j * 32, j * 32 + 32)
      isFile = status === 1
    } else {
      // Failed in a thread: hash it again here, which throws the error in the order of the paths.
      let r
      try {
        r = hashFile(t.abs)
      } catch (e) {
        // A named file gone since it was listed, where missing is allowed, is missing.
        if (opts.allowMissing && !t.walked && isNodeError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) {
          out.push({ path: t.rel, missing: true })
          continue
        }
        const why = `cannot hash ${quotePath(t.rel)}: ${describeErrno(e)}`
        if (opts.lenient && (t.walked || opts.lenientNamed === true)) { log.warn(`${why}: ${leftOut}`); continue }
        throw new InputError('E_READ', why)
      }
      size = r.size
      sha256 = r.sha256
      isFile = r.stat.isFile()
      // Its stat fields and hash where the threads put theirs, for the cache.
      const st = r.stat
      if (jobs.stat) jobs.stats.set([BigInt.asIntN(64, st.dev), BigInt.asIntN(64, st.ino), st.size, st.mtimeNs, st.ctimeNs], j * STAT)
      if (isFile) digests.write(sha256, j * 32, 'hex')
    }
    if (!isFile) {
      if (opts.lenient && (t.walked || opts.lenientNamed === true)) { log.warn(`${quotePath(t.rel)} is not a regular file: ${leftOut}`); continue }
      throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(t.rel)}: not a regular file`)
    }
    out.push({ path: t.rel, size, sha256 })
    if (stale(j, t.abs)) out[out.length - 1]!.stale = true
    if (cache) read.push(j)
  }
  progress.done()
  if (cache) saveStatCache(store, cache, jobs, read, listed.walked)
  if (missing.length === 0) return out // in the order of targets: sorted
  for (const m of missing) out.push({ path: m, missing: true })
  return out.sort((a, b) => compareUtf8(a.path, b.path))
}

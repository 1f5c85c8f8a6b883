// Hashing files: synchronous reads into one reused buffer (constant memory), a stat cache, and,
// for many files, a second thread (a worker) so that two cores work: both threads take files
// from one shared counter. Results are the same whichever thread did the work.
import * as fs from 'node:fs'
import { openSync, readSync, closeSync, fstatSync, lstatSync, statSync, readdirSync, readFileSync, mkdirSync, type BigIntStats } from 'node:fs'
import { createRequire } from 'node:module'
import { isAscii } from 'node:buffer'
import os from 'node:os'
import path from 'node:path'
import { InputError, describeErrno, isNodeError } from '../errors.js'
import { nodeCrypto } from '../core/crypto.js'
import { readRegularFile } from './read.js'
import { compareUtf8, quotePath, toRecordPath } from '../core/paths.js'
import type { FileEntry } from '../core/record.js'
import { writeFileAtomic, type Store } from './store.js'
import { log } from './log.js'

const CHUNK = 1 << 20
let buffer: Buffer | null = null

export interface HashOptions {
  cache?: boolean
  quiet?: boolean
  /** record a path that does not exist as {path, missing: true} instead of failing */
  allowMissing?: boolean
}

/** A file to hash: where it is, and how the record names it. */
interface Target { abs: string; rel: string }

function notRegular(st: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string | null {
  if (st.isFIFO()) return 'a FIFO'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  return null
}

function validUtf8(name: Buffer): string | null {
  const s = name.toString('utf8')
  return Buffer.from(s, 'utf8').equals(name) ? s : null
}

const SURROGATE = /[\uD800-\uDFFF]/

/** Expand the named paths into the files to hash: directories recursively, sorted, deduplicated. */
export function collectFiles(store: Store, paths: readonly string[], cwd: string, opts: HashOptions = {}, onFile?: (abs: string) => void): { targets: Target[]; missing: string[] } {
  const targets: Target[] = []
  const missing: string[] = []
  const skipDirs = new Set([path.resolve(store.dir)])
  const add = (abs: string): void => {
    const { path: rel, outside } = toRecordPath(store.root, abs)
    if (outside) log.warn(`${quotePath(abs)} is outside the project root '${store.root}': recorded by its absolute path`)
    targets.push({ abs, rel })
    onFile?.(abs)
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
      throw new InputError('E_READ', `cannot read directory ${quotePath(dir)}: ${describeErrno(e)}`)
    }
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep
    for (const d of entries) {
      const name = typeof d.name === 'string' ? d.name : validUtf8(d.name)
      if (name === null) {
        const bytes = d.name as Buffer
        throw new InputError('E_NAME', `cannot record ${quotePath(path.join(dir, bytes.toString('latin1')))}: its name is not valid UTF-8 (bytes ${bytes.toString('hex')})`, 'rename the file, or leave its directory out')
      }
      const abs = prefix + name
      const childRel = rel === null ? null : rel === '.' ? name : `${rel}/${name}`
      if (d.isDirectory()) {
        if (name === '.git' || skipDirs.has(abs)) continue
        walk(abs, childRel)
      } else if (d.isFile()) {
        if (childRel === null) add(abs)
        else {
          targets.push({ abs, rel: childRel })
          onFile?.(abs)
        }
      } else if (d.isSymbolicLink()) {
        let st
        try {
          st = statSync(abs)
        } catch (e) {
          throw new InputError('E_READ', `cannot read ${quotePath(abs)}: ${isNodeError(e) && e.code === 'ENOENT' ? 'dangling symbolic link' : describeErrno(e)}`)
        }
        if (st.isDirectory()) log.warn(`not following the symbolic link to a directory ${quotePath(abs)}: name it to include it`)
        else if (st.isFile()) add(abs)
        else throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(abs)}: it is ${notRegular(st) ?? 'not a regular file'}`)
      } else {
        throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(abs)}: it is ${notRegular(d) ?? 'not a regular file'}`)
      }
    }
  }
  for (const p of paths) {
    if (p === '') throw new InputError('E_USAGE', 'an empty path was given')
    if (p.includes('\0')) throw new InputError('E_USAGE', `a path holds a NUL byte: ${quotePath(p)}`)
    const abs = path.resolve(cwd, p)
    let st
    try {
      st = statSync(abs) // a symbolic link named on the command line is followed
    } catch (e) {
      if (isNodeError(e) && e.code === 'ENOENT' && opts.allowMissing) {
        try { lstatSync(abs) } catch { missing.push(toRecordPath(store.root, abs).path); continue }
      }
      throw new InputError('E_MISSING', `cannot hash ${quotePath(p)}: ${describeErrno(e)}`)
    }
    if (st.isDirectory()) {
      const r = toRecordPath(store.root, abs)
      walk(abs, r.outside ? null : r.path)
    } else if (st.isFile()) add(abs)
    else throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(p)}: it is ${notRegular(st) ?? 'not a regular file'}`)
  }
  // Without surrogates (code points above U+FFFF), UTF-16 order is the order of UTF-8 bytes.
  if (targets.some((t) => SURROGATE.test(t.rel))) targets.sort((a, b) => compareUtf8(a.rel, b.rel))
  else targets.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  // A file named twice (a directory and a file in it, say) is listed once.
  let kept = 0
  for (let i = 0; i < targets.length; i++) {
    if (kept > 0 && targets[kept - 1]!.rel === targets[i]!.rel) continue
    targets[kept++] = targets[i]!
  }
  targets.length = kept
  return { targets, missing }
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
// <store>/cache/stat.json maps absolute paths to "dev:ino:size:mtimeNs:ctimeNs:sha256".
// An entry is trusted only when all five stat fields match and the file's mtime and ctime are
// older than the cache file itself (git's racily-clean rule): a file changed in the same clock
// tick as the cache was written is read again.

const CACHE_VERSION = 2
interface StatCache { file: string; mtimeNs: bigint; entries: Record<string, string>; dirty: boolean }

function cacheFile(store: Store): string {
  return path.join(store.dir, 'cache', 'stat.json')
}

export function loadStatCache(store: Store): StatCache {
  const file = cacheFile(store)
  try {
    const st = statSync(file, { bigint: true })
    const bytes = readRegularFile(file)
    // ASCII (paths without accents, most caches) decodes as latin1 to the same text, faster.
    const parsed = JSON.parse(isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')) as { version?: number; entries?: Record<string, string> }
    if (parsed.version === CACHE_VERSION && parsed.entries && typeof parsed.entries === 'object') return { file, mtimeNs: st.mtimeNs, entries: parsed.entries, dirty: false }
  } catch { /* missing or torn: start empty */ }
  return { file, mtimeNs: 0n, entries: Object.create(null) as Record<string, string>, dirty: false }
}

export function saveStatCache(cache: StatCache): void {
  if (!cache.dirty) return
  try {
    mkdirSync(path.dirname(cache.file), { recursive: true })
    writeFileAtomic(cache.file, JSON.stringify({ version: CACHE_VERSION, entries: cache.entries }))
  } catch (e) {
    log.debug(`could not write the stat cache: ${describeErrno(e)}`)
  }
}

/** The stat fields a cache entry holds, before its hash: "dev:ino:size:mtimeNs:ctimeNs". */
function cachedStatKey(entry: unknown): string | null {
  return typeof entry === 'string' && entry.length > 65 && entry[entry.length - 65] === ':' ? entry.slice(0, -65) : null
}

// ---- the work, shared by both threads ------------------------------------------------------
// runJobs runs in this thread and, as source text, in the worker: it uses only its arguments
// and globals.

/**
 * One call's files and where the results go; the typed arrays live in shared memory. The paths
 * and keys travel to the worker as one string each (copying 20,000 strings one by one cost the
 * main thread ~10 ms), joined by NUL, and are split there.
 */
interface Jobs {
  files: string[]
  /** per file: the cache entry's stat key, or '' for none */
  keys: string[]
  cacheMtimeNs: bigint
  /** whether the stat cache is used: then each file read is fstat-ed, for its entry */
  stat: boolean
  /** [next file to claim, files done] */
  ctl: Int32Array
  /** per file: 0 pending, 1 hashed, 2 failed (redone by this thread, to report it), 3 cache hit */
  status: Int32Array
  /** per file, 7 slots: bytes read, dev, ino, size, mtimeNs, ctimeNs (the stat fields when `stat`), is a regular file */
  meta: BigInt64Array
  /** per file: the 32-byte SHA-256 */
  digests: Uint8Array
  /** [bytes hashed so far] for the progress line; it also shows the worker is alive */
  bytes: BigInt64Array
  chunk: number
}
const DONE = 1
const META = 7

/** Take files from the shared counter until none is left; hash each, or confirm its cache entry. */
function runJobs(d: Jobs, fs: typeof import('node:fs'), crypto: typeof import('node:crypto'), tick: (() => void) | null): void {
  const buf = Buffer.allocUnsafe(d.chunk)
  const oneShot = typeof crypto.hash === 'function'
  const { files, keys } = d
  const count = files.length
  for (;;) {
    const j = Atomics.add(d.ctl, 0, 1)
    if (j >= count) break
    const m = j * 7
    let status = 2
    let counted = 0
    try {
      const file = files[j]!
      const key = keys[j]
      let hit = false
      if (key !== '' && key !== undefined) {
        let s
        try { s = fs.statSync(file, { bigint: true, throwIfNoEntry: false }) } catch { s = undefined }
        if (s !== undefined && s.mtimeNs < d.cacheMtimeNs && s.ctimeNs < d.cacheMtimeNs && `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` === key) {
          d.meta[m] = s.size
          hit = true
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
          d.meta[m] = BigInt(size)
          if (s !== null) {
            d.meta[m + 1] = BigInt.asIntN(64, s.dev)
            d.meta[m + 2] = BigInt.asIntN(64, s.ino)
            d.meta[m + 3] = s.size
            d.meta[m + 4] = s.mtimeNs
            d.meta[m + 5] = s.ctimeNs
          }
          d.meta[m + 6] = isFile ? 1n : 0n
          d.digests.set(digest, j * 32)
          status = 1
        } finally {
          fs.closeSync(fd)
        }
      }
    } catch {
      status = 2
    }
    Atomics.store(d.status, j, status)
    if (status === 1) Atomics.add(d.bytes, 0, d.meta[m]! - BigInt(counted))
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
  jobs.keys = jobs.keys.split('\\0')
  ;(${runJobs.toString()})(jobs, require('node:fs'), require('node:crypto'), null)
  parentPort.close()
})
`
    const w = new Worker(source, { eval: true, execArgv: [], stdout: true, stderr: true, env: {} })
    w.on('error', () => { /* the main thread does the work itself */ })
    w.unref()
    return { post: (jobs) => w.postMessage({ ...jobs, files: jobs.files.join('\0'), keys: jobs.keys.join('\0') }), stop: () => void w.terminate() }
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
  // A second thread, once the listing has found enough files to read (files with a cache entry
  // are not counted): it starts while the rest are listed, and gets its jobs after.
  let helper = null as Helper | null
  let toRead = 0
  const onFile = cores() > 1
    ? (abs: string): void => {
        if (cache !== null && cachedStatKey(cache.entries[abs]) !== null) return
        if (++toRead === PARALLEL_MIN) helper = startWorker()
      }
    : undefined
  let listed
  try {
    listed = collectFiles(store, paths, cwd, opts, onFile)
  } catch (e) {
    helper?.stop()
    throw e
  }
  const { targets, missing } = listed
  const progress = new Progress(targets.length, !opts.quiet && Boolean(process.stderr.isTTY) && log.level >= 3)
  const n = targets.length
  const jobs: Jobs = {
    files: targets.map((t) => t.abs),
    keys: targets.map((t) => (cache ? cachedStatKey(cache.entries[t.abs]) ?? '' : '')),
    cacheMtimeNs: cache ? cache.mtimeNs : 0n,
    stat: cache !== null,
    ctl: new Int32Array(new SharedArrayBuffer(2 * 4)),
    status: new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4)),
    meta: new BigInt64Array(new SharedArrayBuffer(Math.max(1, n) * META * 8)),
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
  for (let j = 0; j < n; j++) {
    const t = targets[j]!
    const status = Atomics.load(jobs.status, j)
    const m = j * META
    if (status === 3) {
      const entry = cache!.entries[t.abs]!
      out.push({ path: t.rel, size: Number(jobs.meta[m]), sha256: entry.slice(-64) })
      continue
    }
    let size: number
    let sha256: string
    let isFile: boolean
    let key: string | null = null
    if (status === 1) {
      size = Number(jobs.meta[m])
      sha256 = digests.toString('hex', j * 32, j * 32 + 32)
      isFile = jobs.meta[m + 6] === 1n
      if (cache) key = `${BigInt.asUintN(64, jobs.meta[m + 1]!)}:${BigInt.asUintN(64, jobs.meta[m + 2]!)}:${jobs.meta[m + 3]}:${jobs.meta[m + 4]}:${jobs.meta[m + 5]}`
    } else {
      // Failed in a thread: hash it again here, which throws the error in the order of the paths.
      let r
      try {
        r = hashFile(t.abs)
      } catch (e) {
        throw new InputError('E_READ', `cannot hash ${quotePath(t.rel)}: ${describeErrno(e)}`)
      }
      size = r.size
      sha256 = r.sha256
      isFile = r.stat.isFile()
      key = `${r.stat.dev}:${r.stat.ino}:${r.stat.size}:${r.stat.mtimeNs}:${r.stat.ctimeNs}`
    }
    if (!isFile) throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(t.rel)}: not a regular file`)
    out.push({ path: t.rel, size, sha256 })
    if (cache) {
      cache.entries[t.abs] = `${key!}:${sha256}`
      cache.dirty = true
    }
  }
  progress.done()
  if (cache) saveStatCache(cache)
  if (missing.length === 0) return out // in the order of targets: sorted
  for (const m of missing) out.push({ path: m, missing: true })
  return out.sort((a, b) => compareUtf8(a.path, b.path))
}

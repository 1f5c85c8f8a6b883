// Hashing files: sequential synchronous reads (the fastest way measured for many small files),
// 1 MiB reads into one reused buffer for large ones (constant memory), and a stat cache.
import { createHash } from 'node:crypto'
import { openSync, readSync, closeSync, fstatSync, lstatSync, statSync, readdirSync, readFileSync, mkdirSync, type BigIntStats } from 'node:fs'
import path from 'node:path'
import { InputError, describeErrno, isNodeError } from '../errors.js'
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

/** Expand the named paths into the files to hash: directories recursively, sorted, deduplicated. */
export function collectFiles(store: Store, paths: readonly string[], cwd: string, opts: HashOptions = {}): { targets: Target[]; missing: string[] } {
  const seen = new Map<string, Target>()
  const missing: string[] = []
  const skipDirs = new Set([path.resolve(store.dir)])
  const add = (abs: string): void => {
    const { path: rel, outside } = toRecordPath(store.root, abs)
    if (outside) log.warn(`${quotePath(abs)} is outside the project root '${store.root}': recorded by its absolute path`)
    seen.set(rel, { abs, rel })
  }
  const walk = (dir: string): void => {
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })
    } catch (e) {
      throw new InputError('E_READ', `cannot read directory ${quotePath(dir)}: ${describeErrno(e)}`)
    }
    for (const d of entries) {
      const name = validUtf8(d.name)
      if (name === null) {
        throw new InputError('E_NAME', `cannot record ${quotePath(path.join(dir, d.name.toString('latin1')))}: its name is not valid UTF-8 (bytes ${d.name.toString('hex')})`, 'rename the file, or leave its directory out')
      }
      const abs = path.join(dir, name)
      if (d.isDirectory()) {
        if (name === '.git' || skipDirs.has(abs)) continue
        walk(abs)
      } else if (d.isFile()) add(abs)
      else if (d.isSymbolicLink()) {
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
    if (st.isDirectory()) walk(abs)
    else if (st.isFile()) add(abs)
    else throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(p)}: it is ${notRegular(st) ?? 'not a regular file'}`)
  }
  const targets = [...seen.values()].sort((a, b) => compareUtf8(a.rel, b.rel))
  return { targets, missing }
}

/** SHA-256 and size of one file, read through the descriptor it was opened with. */
export function hashFile(abs: string): { size: number; sha256: string; stat: BigIntStats } {
  const fd = openSync(abs, 'r')
  try {
    const stat = fstatSync(fd, { bigint: true })
    const h = createHash('sha256')
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
// <store>/cache/stat.json maps absolute paths to [dev, ino, size, mtimeNs, ctimeNs, sha256].
// An entry is trusted only when all five stat fields match and the file's mtime and ctime are
// older than the cache file itself (git's racily-clean rule): a file changed in the same clock
// tick as the cache was written is read again.

type CacheEntry = [string, string, string, string, string, string]
interface StatCache { file: string; mtimeNs: bigint; entries: Record<string, CacheEntry>; dirty: boolean }

function cacheFile(store: Store): string {
  return path.join(store.dir, 'cache', 'stat.json')
}

export function loadStatCache(store: Store): StatCache {
  const file = cacheFile(store)
  try {
    const st = statSync(file, { bigint: true })
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; entries?: Record<string, CacheEntry> }
    if (parsed.version === 1 && parsed.entries) return { file, mtimeNs: st.mtimeNs, entries: parsed.entries, dirty: false }
  } catch { /* missing or torn: start empty */ }
  return { file, mtimeNs: 0n, entries: Object.create(null) as Record<string, CacheEntry>, dirty: false }
}

export function saveStatCache(store: Store, cache: StatCache): void {
  if (!cache.dirty) return
  try {
    mkdirSync(path.dirname(cache.file), { recursive: true })
    writeFileAtomic(cache.file, JSON.stringify({ version: 1, entries: cache.entries }))
  } catch (e) {
    log.debug(`could not write the stat cache: ${describeErrno(e)}`)
  }
}

function statKey(st: BigIntStats): CacheEntry {
  return [String(st.dev), String(st.ino), String(st.size), String(st.mtimeNs), String(st.ctimeNs), '']
}

function lookup(cache: StatCache, abs: string): string | null {
  const e = cache.entries[abs]
  if (e === undefined) return null
  let st: BigIntStats
  try { st = statSync(abs, { bigint: true }) } catch { return null }
  if (st.mtimeNs >= cache.mtimeNs || st.ctimeNs >= cache.mtimeNs) return null
  const k = statKey(st)
  for (let i = 0; i < 5; i++) if (k[i] !== e[i]) return null
  return e[5]
}

// ---- progress -----------------------------------------------------------------------------
class Progress {
  private readonly start = Date.now()
  private last = 0
  private shown = false
  constructor(private readonly total: number, private readonly enabled: boolean) {}
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
  const { targets, missing } = collectFiles(store, paths, cwd, opts)
  const useCache = opts.cache !== false
  const cache = useCache ? loadStatCache(store) : null
  const progress = new Progress(targets.length, !opts.quiet && Boolean(process.stderr.isTTY) && log.level >= 3)
  const out: FileEntry[] = []
  let bytes = 0
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!
    const cached = cache ? lookup(cache, t.abs) : null
    if (cached !== null && cache) {
      out.push({ path: t.rel, size: Number(cache.entries[t.abs]![2]), sha256: cached })
      continue
    }
    let r
    try {
      r = hashFile(t.abs)
    } catch (e) {
      throw new InputError('E_READ', `cannot hash ${quotePath(t.rel)}: ${describeErrno(e)}`)
    }
    if (!r.stat.isFile()) throw new InputError('E_NOT_FILE', `cannot hash ${quotePath(t.rel)}: not a regular file`)
    bytes += r.size
    out.push({ path: t.rel, size: r.size, sha256: r.sha256 })
    if (cache) {
      const k = statKey(r.stat)
      k[5] = r.sha256
      cache.entries[t.abs] = k
      cache.dirty = true
    }
    progress.tick(i + 1, bytes)
  }
  progress.done()
  if (cache) saveStatCache(store, cache)
  for (const m of missing) out.push({ path: m, missing: true })
  return out.sort((a, b) => compareUtf8(a.path, b.path))
}

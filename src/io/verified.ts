// <store>/cache/verified.json: the stored runs found sound before (they match the schema and
// hash to their id), each with the stat of its run.json then, so that diff-runs need not check
// two runs of 100,000 inputs again. A derived cache: delete it any time; `prov verify` never
// reads it.
//
// An entry is "dev:ino:size:mtimeNs:ctimeNs" of the run.json whose content was checked. It is
// trusted only while the file's stat, taken once the file was read, is exactly that. It is
// written only when the file's times are older than the moment its reading began, by the clock
// of the store's own file system (a file made in cache/ just before): any change made after that
// moment, and so after the entry's state, gives the file a newer ctime, which only a change of
// the system clock could set back. This is git's racily-clean rule, taken at read time: a file
// changed in the same clock tick as it was read is not entered, and is checked again next time.
import { closeSync, fstatSync, openSync, rmSync, statSync, type BigIntStats } from 'node:fs'
import { nodeCrypto } from '../core/crypto.js'
import { readRegularFile } from './read.js'
import path from 'node:path'
import { describeErrno } from '../errors.js'
import { cacheDir, ensureCacheDir, writeFileAtomic, type Store } from './store.js'

/** A digest of the source this prov was built from (src/build/build.mjs): a rebuild may check otherwise. */
declare const PROV_CHECKS: string
const CHECKS = typeof PROV_CHECKS === 'string' ? PROV_CHECKS : null
const FORMAT = 1

export interface VerifiedRuns {
  file: string
  runs: Record<string, string>
}

/** The entry of a run.json as it is: "dev:ino:size:mtimeNs:ctimeNs". */
export function statKey(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
}

/**
 * The cache, or null when there is none to use: a prov not built (run from source) has no
 * digest of its checks, and uses none. Unreadable, torn, or from another build: empty.
 */
export function loadVerified(store: Store): VerifiedRuns | null {
  if (CHECKS === null) return null
  const file = path.join(cacheDir(store), 'verified.json')
  const runs = Object.create(null) as Record<string, string>
  try {
    // Only a regular file is read (see readRegularFile): a FIFO there would block the read.
    const parsed = JSON.parse(readRegularFile(file).toString('latin1')) as { format?: unknown; checks?: unknown; runs?: unknown }
    if (parsed.format === FORMAT && parsed.checks === CHECKS && typeof parsed.runs === 'object' && parsed.runs !== null) {
      for (const [id, key] of Object.entries(parsed.runs)) if (typeof key === 'string') runs[id] = key
    }
  } catch { /* missing or torn: start empty */ }
  return { file, runs }
}

/** Run `id`'s entry, when it matches its run.json as it is now (a stat before reading it); else null. */
export function matchingEntry(cache: VerifiedRuns, id: string, file: string): string | null {
  const key = cache.runs[id]
  if (key === undefined) return null
  try {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false })
    return st !== undefined && statKey(st) === key ? key : null
  } catch {
    return null
  }
}

/** The time by the store's file system clock, and the device: a file made in cache/, stamped, removed. */
export interface FsNow { ns: bigint; dev: bigint }

export function readFsNow(store: Store, cache: VerifiedRuns): FsNow | null {
  // Named as writeFileAtomic names its temp files, so that sweepStaleTemp removes one a crash left.
  const probe = `${cache.file}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.tmp`
  try {
    ensureCacheDir(store)
    const fd = openSync(probe, 'wx', 0o644)
    try {
      const st = fstatSync(fd, { bigint: true })
      return { ns: st.mtimeNs < st.ctimeNs ? st.mtimeNs : st.ctimeNs, dev: st.dev }
    } finally {
      closeSync(fd)
      rmSync(probe, { force: true })
    }
  } catch {
    return null // a read-only store: no cache
  }
}

/**
 * Enter run `id` as sound: `st` is its run.json's stat, taken after reading the content that was
 * checked, and `before` the file system's time before reading began. Only a file on the same
 * file system whose times are both older than `before` is entered (see the top of this file).
 * null when it was entered, else why not.
 */
export function saveVerified(cache: VerifiedRuns, id: string, st: BigIntStats, before: FsNow): string | null {
  if (st.dev !== before.dev) return 'not on the file system of cache/'
  if (!(st.mtimeNs < before.ns && st.ctimeNs < before.ns)) return 'changed too recently'
  cache.runs[id] = statKey(st)
  try {
    writeFileAtomic(cache.file, JSON.stringify({ format: FORMAT, checks: CHECKS, runs: cache.runs }))
    return null
  } catch (e) {
    return `cannot write it: ${describeErrno(e)}` // a cache: best effort
  }
}

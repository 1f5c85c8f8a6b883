import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync, statSync, type BigIntStats, type Stats } from 'node:fs'
import path from 'node:path'
import { toRecordPath } from '../core/paths.js'

/**
 * A file opened for reading, with its stat, if it is a regular file; anything else throws. The
 * open does not block: a FIFO put where a store or cache file belongs (cache/index.json,
 * config.json, a run's patch.diff) would otherwise make prov wait for a writer forever.
 */
export function openRegularFile(file: string): { fd: number; stat: BigIntStats } {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const stat = fstatSync(fd, { bigint: true })
    if (!stat.isFile()) throw new Error('not a regular file')
    return { fd, stat }
  } catch (e) {
    closeSync(fd)
    throw e
  }
}

/** A regular file's bytes (see openRegularFile). */
export function readRegularFile(file: string): Buffer {
  const { fd } = openRegularFile(file)
  try {
    return readFileSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * What is at `p` now, or undefined where nothing is: ENOENT, and ENOTDIR too (a directory on
 * the way has become a file), which statSync's throwIfNoEntry does not cover.
 */
export function statIfAny(p: string): Stats | undefined {
  try {
    return statSync(p, { throwIfNoEntry: false })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw e
  }
}

/**
 * `abs` as the project sees it. The project root is a physical path (git's top level, or the
 * current directory as the kernel has it); a path written through a symbolic link to the
 * project (the shell's $PWD in a checkout reached by a link: /home/u/proj/data where the root is
 * /mnt/disk/proj) lies outside it as written. As git does for the paths it is given, the
 * directories leading to it are resolved, shortest first: the first whose real path is the root,
 * or a directory in it, stands for them, and the rest of the path follows as written (so a link
 * in the project keeps its name, as a relative path names it, and a path not there yet, a
 * missing output, is placed by the directories above it). A path none of whose directories
 * leads into the project is returned as it is, a link outside the project to a file in it
 * included; a path that is itself a link to a directory in the project (the root, say) is that
 * directory. `memo` keeps the real paths found, for the many paths of one listing.
 */
export function withinRoot(root: string, abs: string, memo: Map<string, string | null> = new Map()): string {
  if (!toRecordPath(root, abs).outside) return abs
  const real = (p: string): string | null => {
    let r = memo.get(p)
    if (r === undefined) {
      try { r = realpathSync.native(p) } catch { r = null }
      memo.set(p, r)
    }
    return r
  }
  const parts = abs.split(path.sep)
  for (let i = 2; i < parts.length; i++) {
    const dir = real(parts.slice(0, i).join(path.sep))
    if (dir === null) break // not there, nor anything under it
    if (!toRecordPath(root, dir).outside) return path.join(dir, ...parts.slice(i))
  }
  // The path itself is a link only to a directory in the project ($PWD, where the current
  // directory was reached by a link to one): a link to a file keeps its own name.
  const whole = real(abs)
  if (whole !== null && !toRecordPath(root, whole).outside && statIfAny(whole)?.isDirectory() === true) return whole
  return abs
}

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
 * project (the shell's $PWD in a project reached by a link: /home/u/proj/data where the root is
 * /mnt/disk/proj) lies outside it as written. Such a path is given by its physical directory,
 * its last name kept (a link named stays that link), or is the root itself; a path not there
 * yet (a missing output, `$PWD/out/model.bin`) by the physical form of the nearest directory
 * above it that is. Any other path is returned as it is.
 */
export function withinRoot(root: string, abs: string): string {
  if (!toRecordPath(root, abs).outside) return abs
  try {
    if (realpathSync(abs) === root) return root
  } catch { /* not there, or unreadable: the directories above it may say */ }
  const rest = [path.basename(abs)]
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    try {
      const physical = path.join(realpathSync(dir), ...rest)
      return toRecordPath(root, physical).outside ? abs : physical
    } catch {
      if (path.dirname(dir) === dir) return abs
      rest.unshift(path.basename(dir))
    }
  }
}

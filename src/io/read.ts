import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type BigIntStats, type Stats } from 'node:fs'

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

import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs'

/**
 * A file's bytes, if it is a regular file; anything else throws. The open does not block: a
 * FIFO put where a store or cache file belongs (cache/index.json, config.json, a run's
 * patch.diff) would otherwise make prov wait for a writer forever.
 */
export function readRegularFile(file: string): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file')
    return readFileSync(fd)
  } finally {
    closeSync(fd)
  }
}

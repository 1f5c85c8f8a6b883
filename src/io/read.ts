import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync, statSync, type BigIntStats, type Stats } from 'node:fs'
import path from 'node:path'
import { quotePath } from '../core/paths.js'
import { log } from './log.js'

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
 * included; a directory (`isDir`) that is itself a link to one in the project (the root, say)
 * is that directory. `memo` keeps what was found for each directory, for the many paths of one
 * listing (20,000 files outside the project cost one lookup each, not a real path).
 */
export function withinRoot(root: string, abs: string, isDir: boolean, memo: Map<string, string | null> = new Map()): string {
  const inside = (p: string): boolean => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep)
  if (inside(abs)) return abs
  const real = (p: string): string | null => {
    try { return realpathSync.native(p) } catch { return null }
  }
  // Where directory `dir` is in the project (its physical path), or null when it leads there by
  // none of its own directories; `dir` itself is looked at last, the shortest prefix winning.
  const place = (dir: string): string | null => {
    let r = memo.get(dir)
    if (r !== undefined) return r
    const parent = path.dirname(dir)
    const above = parent === dir ? null : place(parent)
    if (above !== null) r = path.join(above, path.basename(dir))
    else {
      const d = parent === dir ? null : real(dir)
      r = d !== null && inside(d) ? d : null
    }
    memo.set(dir, r)
    return r
  }
  const dir = place(path.dirname(abs))
  if (dir !== null) return path.join(dir, path.basename(abs))
  if (isDir) {
    const whole = real(abs)
    if (whole !== null && inside(whole)) return whole
  }
  return abs
}

/**
 * A path named by the user, resolved from `cwd` as the kernel resolves it, and so as cat(1),
 * sha256sum(1) and the command itself read it: a `..` after a symbolic link to a directory leads
 * out of the directory the link points to (`data/../labels.csv`, where data links to
 * /mnt/d/data, is /mnt/d/labels.csv), not back to the link's own directory, as path.resolve has
 * it. Where no link is passed on the way, the path is path.resolve's, and keeps the names as
 * written; where a file or a loop of links comes before a `..`, the path is left as written from
 * there, so that looking it up fails as the kernel fails it; a link to nothing is followed to
 * where it points; where nothing is there, it is path.resolve's, unless that names something that
 * is there: then it is left as written, and fails as the kernel fails it.
 */
export function resolveNamed(cwd: string, p: string, links = 0): string {
  const lexical = path.resolve(cwd, p)
  const parts = p.split('/')
  if (!parts.includes('..')) return lexical
  let cur = path.isAbsolute(p) ? '/' : path.resolve(cwd)
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (part === '' || part === '.') continue
    if (part !== '..') { cur = path.join(cur, part); continue }
    const up = path.dirname(cur)
    let real: string
    try {
      real = path.dirname(realpathSync.native(path.join(cur, '/')))
    } catch (e) {
      // A file to step out of ('model.bin/..') or a loop of links: the kernel fails the path, and
      // so does its stat, as written, not normalized into another file. A link to nothing (a disk
      // not mounted): the path goes on from where it points, where the kernel would take it, and
      // is looked for there (not the project's own labels.csv for 'data/../labels.csv'). Nothing
      // there at all: as path.resolve has it, so that a missing output keeps its place.
      const rest = parts.slice(i)
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return [cur, ...rest].join('/')
      // A relative link's target is read from the directory the link is really in (cur may be
      // named through another link: lnk/dang, where lnk -> /ext/d and dang -> ../m/data, points
      // to /ext/m/data, not to the project's m/data).
      let target: string | null = null
      try {
        const link = readlinkSync(cur)
        let dir = path.dirname(cur)
        try { dir = realpathSync.native(dir) } catch { /* as named */ }
        target = path.resolve(dir, link)
      } catch { /* not a link */ }
      if (target === null) {
        // Nothing there: the kernel fails every path on from here. The path is path.resolve's so
        // that a missing output keeps its place, unless that place holds something ('gone/../..',
        // 'nothing/../labels.csv'): then it is left as written, and fails as cat fails it, not
        // taken for a file the path never reaches.
        const lexical = path.resolve(cur, ...rest)
        let there = false
        try { lstatSync(lexical); there = true } catch { /* not there either */ }
        return there ? [cur, ...rest].join('/') : lexical
      }
      return links < 40 ? resolveNamed('/', [target, ...rest].join('/'), links + 1) : [cur, ...rest].join('/')
    }
    let upReal: string | null = null
    try { upReal = realpathSync.native(up) } catch { /* not there */ }
    cur = upReal === real ? up : real
  }
  return cur
}

/** Whether resolveNamed kept a path as written from a '..' on: one it could not step out of (after a file, a loop of links, nothing there). */
export function keptAsWritten(abs: string): boolean {
  return abs.split('/').includes('..')
}

/**
 * Why a path resolveNamed kept as written cannot be looked up (a '..' after a file, a loop of
 * links), as the kernel says it; null where it was resolved, or where nothing is there on the way
 * (a directory a command may yet make, 'build/../x'), unless `nothing` is an error too: then
 * ENOENT for a '..' after nothing whose place holds a file ('gone/../labels.csv', where gone is
 * not there and labels.csv is), which names no file, as cat(1) and hash-inputs find.
 */
export function lookupError(abs: string, opts: { nothingOk?: boolean } = {}): NodeJS.ErrnoException | null {
  if (!keptAsWritten(abs)) return null
  try { statSync(abs) } catch (e) { return (e as NodeJS.ErrnoException).code === 'ENOENT' && opts.nothingOk !== false ? null : e as NodeJS.ErrnoException }
  return null
}

/** The warning for a path recorded by its absolute path, outside the project (hash-inputs, record, the --sources of hash-inputs and read-params). */
export function warnOutsideRoot(p: string, root: string): void {
  log.warn(`${quotePath(p)} is outside the project root '${root}': recorded by its absolute path`)
}

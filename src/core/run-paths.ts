// Which runs read or wrote a path: prov log's `-- <path>...`, as git log's pathspec.

/**
 * Whether record path `p` is `q` or lies below it. `q` is a record path too (relative to the
 * project root with `/`, or absolute outside it), without a trailing `/`; `.` holds every path
 * in the project (every relative one), `/` every absolute one.
 */
export function isAtOrUnder(p: string, q: string): boolean {
  if (p === q) return true
  if (q === '.') return !p.startsWith('/')
  if (q === '/') return p.startsWith('/')
  return p.startsWith(q + '/')
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {})

/**
 * Whether a run read or wrote a file at or under one of `paths`: an input or an output (a
 * captured stream, `<stdout>`, is none; nor is a file the run did not read or write: an input
 * or output recorded `missing`, an output left from before, `stale`), or a directory it was
 * given (`-i data`, `-o out`, which may have held no file). A directory asked for holds the
 * files below it; a file asked for is found in a directory given that holds it only where the
 * run recorded the file itself.
 */
export function runTouches(run: unknown, paths: readonly string[]): boolean {
  const r = obj(run)
  for (const key of ['inputs', 'outputs'] as const) {
    const list = r[key]
    if (!Array.isArray(list)) continue
    for (const e of list) {
      const f = obj(e)
      if (f.stream !== undefined || f.missing === true || f.stale === true) continue
      if (typeof f.path === 'string' && paths.some((q) => isAtOrUnder(f.path as string, q))) return true
    }
  }
  const command = obj(r.command)
  for (const key of ['input_dirs', 'output_dirs'] as const) {
    const dirs = command[key]
    if (!Array.isArray(dirs)) continue
    for (const d of dirs) if (typeof d === 'string' && paths.some((q) => isAtOrUnder(d, q))) return true
  }
  return false
}

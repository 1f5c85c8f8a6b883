/** Parse `git status --porcelain=v2 --branch -z` output. */

export interface GitChange {
  path: string
  status: string
  from?: string
}

export interface ParsedStatus {
  commit: string | null
  branch: string | null
  upstream: string | null
  changes: GitChange[]
}

/** XY of porcelain v2 ('.M', 'A.') as porcelain v1 shows it, trimmed: 'M', 'A', 'MM', 'R'. */
function statusCode(xy: string): string {
  return xy.replace(/\./g, ' ').trim() || 'M'
}

export function parseStatusV2(out: string): ParsedStatus {
  const result: ParsedStatus = { commit: null, branch: null, upstream: null, changes: [] }
  const fields = out.split('\0')
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!
    if (f === '') continue
    if (f.startsWith('# ')) {
      const sp = f.indexOf(' ', 2)
      const key = f.slice(2, sp === -1 ? undefined : sp)
      const value = sp === -1 ? '' : f.slice(sp + 1)
      if (key === 'branch.oid') result.commit = value === '(initial)' ? null : value
      else if (key === 'branch.head') result.branch = value === '(detached)' ? null : value
      else if (key === 'branch.upstream') result.upstream = value
      continue
    }
    const kind = f[0]
    if (kind === '1') {
      // 1 XY sub mH mI mW hH hI path
      const parts = splitN(f, 9)
      result.changes.push({ path: parts[8]!, status: statusCode(parts[1]!) })
    } else if (kind === '2') {
      // 2 XY sub mH mI mW hH hI Xscore path NUL origPath
      const parts = splitN(f, 10)
      const from = fields[++i] ?? ''
      result.changes.push({ path: parts[9]!, status: statusCode(parts[1]!), from })
    } else if (kind === 'u') {
      // u XY sub m1 m2 m3 mW h1 h2 h3 path
      const parts = splitN(f, 11)
      result.changes.push({ path: parts[10]!, status: statusCode(parts[1]!) })
    } else if (kind === '?') {
      result.changes.push({ path: f.slice(2), status: '??' })
    }
  }
  return result
}

/** Split on the first n-1 spaces; the last field keeps its spaces (a path). */
function splitN(s: string, n: number): string[] {
  const out: string[] = []
  let start = 0
  for (let k = 0; k < n - 1; k++) {
    const sp = s.indexOf(' ', start)
    if (sp === -1) break
    out.push(s.slice(start, sp))
    start = sp + 1
  }
  out.push(s.slice(start))
  return out
}

/** A directory with more untracked files than this is listed as one entry, `dir/`. */
export const UNTRACKED_DIR_LIMIT = 200

/**
 * Untracked files as a run keeps them: each one by name (so that a new source file in an untracked
 * directory shows in a diff), but those under a directory holding more than `limit` untracked
 * files as that directory, `dir/`, the shallowest such (a virtualenv or an outputs/ tree that is
 * not ignored is one entry, not thousands). Tracked changes are kept as they are.
 */
export function foldUntracked(changes: readonly GitChange[], limit = UNTRACKED_DIR_LIMIT): GitChange[] {
  const counts = new Map<string, number>()
  let untracked = 0
  for (const c of changes) {
    if (c.status !== '??') continue
    untracked++
    for (let at = c.path.indexOf('/'); at > 0 && at < c.path.length - 1; at = c.path.indexOf('/', at + 1)) {
      const dir = c.path.slice(0, at + 1)
      counts.set(dir, (counts.get(dir) ?? 0) + 1)
    }
  }
  if (untracked <= limit) return [...changes]
  const out: GitChange[] = []
  const folded = new Set<string>()
  for (const c of changes) {
    let dir: string | null = null
    if (c.status === '??') {
      for (let at = c.path.indexOf('/'); at > 0 && at < c.path.length - 1; at = c.path.indexOf('/', at + 1)) {
        const d = c.path.slice(0, at + 1)
        if ((counts.get(d) ?? 0) > limit) { dir = d; break }
      }
    }
    if (dir === null) out.push(c)
    else if (!folded.has(dir)) { folded.add(dir); out.push({ path: dir, status: '??' }) }
  }
  return out
}

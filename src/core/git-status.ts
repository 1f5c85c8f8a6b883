/** Parse `git status --porcelain=v2 --branch -z` output. */

export interface GitChange {
  path: string
  status: string
  from?: string
  /** a submodule whose only change is untracked files in it (`S..U`): never recorded, see io/git.ts */
  untrackedInSubmodule?: true
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
      const change: GitChange = { path: parts[8]!, status: statusCode(parts[1]!) }
      if (parts[2] === 'S..U') change.untrackedInSubmodule = true
      result.changes.push(change)
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

/** The directories above a recorded path, outermost first, each with its `/`: `a/b/c` gives `a/`, `a/b/` (a path `d/` itself is not among them). */
export function dirsAbove(p: string): string[] {
  const out: string[] = []
  for (let at = p.indexOf('/'); at > 0 && at < p.length - 1; at = p.indexOf('/', at + 1)) out.push(p.slice(0, at + 1))
  return out
}

/** A directory with more untracked files than this is listed as one entry, `dir/`. */
export const UNTRACKED_DIR_LIMIT = 200

/**
 * Untracked files as a run keeps them: each one by name (so that a new source file in an untracked
 * directory shows in a diff), but a directory that holds more than `limit` of them as one entry,
 * `dir/` (a virtualenv or an outputs/ tree that is not ignored is one entry, not thousands). The
 * deepest such directories fold first, and each folded directory then counts as one entry in those
 * above it, so that `experiments/out/` folds and a new `experiments/train.py` beside it stays in
 * view; a directory that holds a tracked change never folds (`dir/` with `??` says git tracks
 * nothing in it). Tracked changes are kept as they are.
 */
export function foldUntracked(changes: readonly GitChange[], limit = UNTRACKED_DIR_LIMIT): GitChange[] {
  const untracked = changes.filter((c) => c.status === '??').map((c) => c.path)
  if (untracked.length <= limit) return [...changes]
  const holdsTracked = new Set<string>()
  for (const c of changes) if (c.status !== '??') for (const d of dirsAbove(c.path)) holdsTracked.add(d)
  const depth = (d: string): number => d.split('/').length
  let items = untracked
  for (;;) {
    const counts = new Map<string, number>()
    for (const p of items) for (const d of dirsAbove(p)) counts.set(d, (counts.get(d) ?? 0) + 1)
    const over = [...counts].filter(([d, n]) => n > limit && !holdsTracked.has(d)).map(([d]) => d)
    if (over.length === 0) break
    const deepest = Math.max(...over.map(depth))
    const fold = new Set(over.filter((d) => depth(d) === deepest))
    const next: string[] = []
    const folded = new Set<string>()
    for (const p of items) {
      const d = dirsAbove(p).find((x) => fold.has(x))
      if (d === undefined) next.push(p)
      else if (!folded.has(d)) { folded.add(d); next.push(d) }
    }
    items = next
  }
  return [...changes.filter((c) => c.status !== '??'), ...items.map((path) => ({ path, status: '??' }))]
}

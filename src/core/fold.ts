// How prov diff's report folds the file changes of a large directory into one line.
import type { Change } from './diff.js'

/** More changed files than this under one directory (a folded directory below counting as one): one line for it. */
export const FOLD_LIMIT = 20

/** The changes under one directory, said in one line. */
export interface FoldedDir { dir: string; changes: Change[] }

export const isFolded = (item: Change | FoldedDir): item is FoldedDir => 'dir' in item

/** The directories above a path, outermost first, each with its `/`: `a/b/c` and `a/b/` give `a/`, `a/b/` and `a/`; `/data/x` gives `/data/`. */
function dirsOf(p: string): string[] {
  const out: string[] = []
  for (let at = p.indexOf('/', 1); at > 0 && at < p.length - 1; at = p.indexOf('/', at + 1)) out.push(p.slice(0, at + 1))
  return out
}

/**
 * The changes of an inputs or outputs section (keys are file paths, sorted) as the report lists
 * them: a directory under which more than `limit` files changed is one item, at the place of its
 * first change, the rest as they are. The deepest such directories fold first, and each then
 * counts as one item in those above it (as git-state folds untracked files), so that a checkpoints
 * directory folds and the files beside it stay in view.
 */
export function foldFileChanges(changes: readonly Change[], limit = FOLD_LIMIT): Array<Change | FoldedDir> {
  let items: Array<Change | FoldedDir> = [...changes]
  if (items.length <= limit) return items
  const pathOf = (i: Change | FoldedDir): string => (isFolded(i) ? i.dir : i.key)
  const depth = (d: string): number => d.split('/').length
  for (;;) {
    const counts = new Map<string, number>()
    for (const i of items) for (const d of dirsOf(pathOf(i))) counts.set(d, (counts.get(d) ?? 0) + 1)
    const over = [...counts].filter(([, n]) => n > limit).map(([d]) => d)
    if (over.length === 0) return items
    const deepest = Math.max(...over.map(depth))
    const fold = new Set(over.filter((d) => depth(d) === deepest))
    const next: Array<Change | FoldedDir> = []
    const made = new Map<string, FoldedDir>()
    for (const i of items) {
      const d = dirsOf(pathOf(i)).find((x) => fold.has(x))
      if (d === undefined) { next.push(i); continue }
      let f = made.get(d)
      if (f === undefined) { f = { dir: d, changes: [] }; made.set(d, f); next.push(f) }
      if (isFolded(i)) f.changes.push(...i.changes)
      else f.changes.push(i)
    }
    items = next
  }
}

/** A file moved: removed at one path and added at another with the same content, said as one change at the new path. */
export interface MovedChange extends Change { op: 'changed'; moved: string }

export const isMoved = (c: Change): c is MovedChange => typeof (c as Partial<MovedChange>).moved === 'string'

/**
 * The changes of an inputs or outputs section with each file that moved said once: a removed
 * entry and an added one of the same size and sha256 (neither missing, empty or a captured
 * stream; both noise or neither) become one change at the new path that names the old (a data
 * directory renamed, v1/ to v2/). A removed file pairs with an added one of its own name first,
 * then with any; each once. As git's rename detection, for the report only: the diff document
 * keeps its removed and added entries.
 */
export function pairMoves(changes: readonly Change[]): Change[] {
  const content = (v: unknown): string | null => {
    const f = v as { size?: unknown; sha256?: unknown; missing?: unknown; stream?: unknown } | null | undefined
    if (typeof f !== 'object' || f === null || f.missing === true || f.stream !== undefined) return null
    return typeof f.sha256 === 'string' && typeof f.size === 'number' && f.size > 0 ? `${f.size} ${f.sha256}` : null
  }
  const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1)
  // Removed files by content (and noise), and by content and name: queues taken in path order.
  // (Each queue is read from an index, not shifted: shift() moves the whole array, quadratic on
  // thousands of files of one content.)
  interface Queue { list: Change[]; at: number }
  const byContent = new Map<string, Queue>()
  const byName = new Map<string, Queue>()
  const push = (m: Map<string, Queue>, k: string, c: Change): void => { const q = m.get(k); if (q) q.list.push(c); else m.set(k, { list: [c], at: 0 }) }
  for (const c of changes) {
    const k = c.op === 'removed' ? content(c.from) : null
    if (k === null) continue
    const key = `${c.noise === true} ${k}`
    push(byContent, key, c)
    push(byName, `${key}/${base(c.key)}`, c)
  }
  if (byContent.size === 0) return [...changes]
  const used = new Set<Change>()
  const take = (q: Queue | undefined): Change | undefined => {
    while (q && q.at < q.list.length) { const c = q.list[q.at++]!; if (!used.has(c)) return c }
    return undefined
  }
  const pairs = new Map<Change, Change>() // added → removed
  for (const sameName of [true, false]) {
    for (const c of changes) {
      const k = c.op === 'added' && !pairs.has(c) ? content(c.to) : null
      if (k === null) continue
      const key = `${c.noise === true} ${k}`
      const r = take(sameName ? byName.get(`${key}/${base(c.key)}`) : byContent.get(key))
      if (r !== undefined) { used.add(r); pairs.set(c, r) }
    }
  }
  return changes.filter((c) => !used.has(c)).map((c): Change => {
    const r = pairs.get(c)
    if (r === undefined) return c
    const moved: MovedChange = { op: 'changed', key: c.key, from: r.from, to: c.to, moved: r.key }
    if (c.noise === true) moved.noise = true
    return moved
  })
}

/**
 * Where a folded directory's files all moved from one directory, keeping their names below it
 * (`data/v1/` for `data/v2/`'s files that were `data/v1/...`): that directory, else null.
 */
export function movedFromDir(f: FoldedDir): string | null {
  let from: string | null = null
  for (const c of f.changes) {
    if (!isMoved(c) || !c.key.startsWith(f.dir)) return null
    const rel = c.key.slice(f.dir.length)
    if (!c.moved.endsWith('/' + rel)) return null
    const dir = c.moved.slice(0, c.moved.length - rel.length)
    if (from !== null && dir !== from) return null
    from = dir
  }
  return from
}

/** 5000 as `5,000`, whatever the locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** What a folded directory's line says of it: `5,000 files changed (4,998 changed, 2 added)`, or `25 files added` when all are. */
export function describeFolded(f: FoldedDir): string {
  // An output of the same content that one run's command wrote and the other's left from before
  // (`stale`) is no change of content: said as such, as its own line says it.
  const mark = (c: Change): string | null => {
    if (c.op !== 'changed' || typeof c.from !== 'object' || c.from === null || typeof c.to !== 'object' || c.to === null) return null
    const [x, y] = [c.from as Record<string, unknown>, c.to as Record<string, unknown>]
    if (x.sha256 !== y.sha256 || x.size !== y.size || (x.stale === true) === (y.stale === true)) return null
    return y.stale === true ? 'left from before' : 'written again'
  }
  const kind = (c: Change): string => (isMoved(c) ? 'moved' : mark(c) ?? c.op)
  const n = (k: string): number => f.changes.filter((c) => kind(c) === k).length
  const parts = (['changed', 'left from before', 'written again', 'moved', 'added', 'removed'] as const).map((k) => [k, n(k)] as const).filter(([, k]) => k > 0)
  const total = `${formatCount(f.changes.length)} file${f.changes.length === 1 ? '' : 's'}`
  if (parts.length === 1) return `${total} ${parts[0]![0]}`
  return `${total} changed (${parts.map(([op, k]) => `${formatCount(k)} ${op}`).join(', ')})`
}

import { dirsAbove, UNTRACKED_DIR_LIMIT } from './git-status.js'
import { canonicalize } from './canonical.js'
import { flattenValues, pathKey } from './params.js'
import { compareUtf8 } from './paths.js'
import { globToRegExp, LOCALE_VARS, noiseVarKind } from './env-vars.js'

export type Op = 'added' | 'removed' | 'changed'
export interface Change { op: Op; key: string; from?: unknown; to?: unknown; noise?: true; scope?: 'commits' | 'worktree' }
export const SECTION_ORDER = ['command', 'code', 'inputs', 'params', 'env', 'outputs'] as const
export type Section = (typeof SECTION_ORDER)[number]
export interface RunDiff {
  a: string | null
  b: string | null
  identical: boolean
  command: Change[]
  code: Change[]
  inputs: Change[]
  params: Change[]
  env: Change[]
  outputs: Change[]
}

export { NOISE_VARS, PROV_VARS } from './env-vars.js'

/** Whether a key is a noise variable's: a shell session's (NOISE_VARS) or prov's own (PROV_VARS). */
export function isNoiseKey(section: Section, key: string): boolean {
  return noiseKind(section, key) !== null
}

/** Which noise variable a key is, if any. */
export function noiseKind(section: Section, key: string): 'session' | 'job' | 'prov' | null {
  if (section !== 'env' || !key.startsWith('vars.')) return null
  return noiseVarKind(key.slice(5))
}

/**
 * Whether an env change is a locale variable's among `vars` whose change `locale` reports too
 * (the same variable, read twice by snapshot-env): the one under `locale` is kept.
 */
export function isLocaleEcho(changes: readonly Change[], c: Change): boolean {
  if (c.key === 'vars.TZ') return isTzEcho(changes, c)
  if (!c.key.startsWith('vars.') || !LOCALE_VARS.includes(c.key.slice(5))) return false
  const twin = changes.find((o) => o.key === `locale.${c.key.slice(5)}`)
  const same = (x: unknown, y: unknown): boolean => (x === undefined || y === undefined ? x === y : eq(x, y))
  return twin !== undefined && twin.op === c.op && same(twin.from, c.from) && same(twin.to, c.to)
}

/**
 * Whether a change of `vars.TZ` is the one `timezone` reports too: snapshot-env's `timezone` is
 * $TZ where it is set (its leading ':' dropped), so where the time zone changed and each run that
 * has TZ has it as its time zone, the change is said once, under `timezone`.
 */
function isTzEcho(changes: readonly Change[], c: Change): boolean {
  const twin = changes.find((o) => o.key === 'timezone')
  if (twin === undefined || twin.op !== 'changed') return false
  const zoneOf = (tz: unknown, zone: unknown): boolean => tz === undefined || tz === '' || (typeof tz === 'string' && tz.replace(/^:/, '') === zone)
  return zoneOf(c.from, twin.from) && zoneOf(c.to, twin.to)
}

const eq = (a: unknown, b: unknown): boolean => sameFlat(a, b) || canonicalize(a) === canonicalize(b)

/**
 * Two flat objects with the same keys in the same order and the same strings, finite numbers,
 * booleans or nulls (a file entry and its unchanged self): equal without canonicalizing; the
 * member `skip`, if any, is not compared. false means "ask canonicalize".
 */
function sameFlat(a: unknown, b: unknown, skip?: string): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) || Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!
    if (kb[i] !== k) return false
    if (k === skip) continue
    const v = (a as Rec)[k]
    if (v !== (b as Rec)[k]) return false
    if (v !== null && typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) return false
  }
  return true
}

function compareMaps(a: Map<string, unknown>, b: Map<string, unknown>, extra: Partial<Change> = {}): Change[] {
  const out: Change[] = []
  for (const [k, v] of a) {
    if (!b.has(k)) out.push({ op: 'removed', key: k, from: v, ...extra })
    else if (!eq(v, b.get(k))) out.push({ op: 'changed', key: k, from: v, to: b.get(k), ...extra })
  }
  for (const [k, v] of b) if (!a.has(k)) out.push({ op: 'added', key: k, to: v, ...extra })
  return out.sort((x, y) => compareUtf8(x.key, y.key))
}

const isEmptyContainer = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0)

/**
 * True when a flattened map has a key below `key` of the same kind of container as `empty`:
 * `key.x` or `key["x.y"]` below an object, `key[0]` below an array (so that `{}` becoming `[1]`
 * still shows as a change of `key`).
 */
function hasKeyBelow(m: Map<string, unknown>, key: string, empty: unknown): boolean {
  const isArray = Array.isArray(empty)
  for (const k of m.keys()) {
    if (k.length <= key.length || !k.startsWith(key)) continue
    const next = k.slice(key.length, key.length + 2)
    if (isArray ? /^\[\d/.test(next) : next[0] === '.' || next === '["') return true
  }
  return false
}

/**
 * compareMaps for maps made by flattenValues, where an empty object or array is a leaf: one side's
 * `a: {}` against the other's `a.x` is the removal or addition of `a.x` alone, not also of `a`.
 */
function compareFlat(a: Map<string, unknown>, b: Map<string, unknown>): Change[] {
  return compareMaps(a, b).filter((c) => {
    if (c.op === 'removed') return !(isEmptyContainer(c.from) && hasKeyBelow(b, c.key, c.from))
    if (c.op === 'added') return !(isEmptyContainer(c.to) && hasKeyBelow(a, c.key, c.to))
    return true
  })
}

/** Lists longer than this, past what they share at their ends, are compared item by item in place. */
const ALIGN_LIMIT = 2_000
/** The cells of the tables of all the lists aligned in one comparison: four of ALIGN_LIMIT² (about 0.2 s). */
const ALIGN_CELLS = 4 * ALIGN_LIMIT * ALIGN_LIMIT

/**
 * The changes between two params trees, as compareFlat finds them between their leaves, with the
 * items of two lists aligned by their values first, as diff aligns lines (the longest common
 * subsequence): an item put before the others (`layers: [64, 128]` → `[32, 64, 128]`) is one
 * `added` (`layers[0]`), not a change of every item after it. Items that stand in each other's
 * place are compared within, under b's index; the others are removed (under a's index) or added
 * (under b's). Lists too long to align cheaply are compared by position, as before, and so are
 * those met once the lists compared before them (a's keys in order, then b's) have used
 * ALIGN_CELLS.
 */
export function compareParams(a: Rec, b: Rec): Change[] {
  const out: Change[] = []
  let cells = ALIGN_CELLS
  const leaves = (x: unknown, key: string): Map<string, unknown> => (x === undefined ? new Map() : flattenValues(x, key))
  const plain = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v)
  const walk = (x: unknown, y: unknown, key: string): void => {
    if (plain(x) && plain(y) && (key === '' || (Object.keys(x).length > 0 && Object.keys(y).length > 0))) {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) walk(Object.hasOwn(x, k) ? x[k] : undefined, Object.hasOwn(y, k) ? y[k] : undefined, pathKey(key, k))
    } else if (Array.isArray(x) && Array.isArray(y) && x.length > 0 && y.length > 0) {
      alignLists(x, y, key)
    } else {
      out.push(...compareFlat(leaves(x, key), leaves(y, key)))
    }
  }
  const alignLists = (x: unknown[], y: unknown[], key: string): void => {
    const cx = x.map((v) => canonicalize(v))
    const cy = y.map((v) => canonicalize(v))
    let head = 0
    while (head < x.length && head < y.length && cx[head] === cy[head]) head++
    let tail = 0
    while (tail < x.length - head && tail < y.length - head && cx[x.length - 1 - tail] === cy[y.length - 1 - tail]) tail++
    const n = x.length - head - tail
    const m = y.length - head - tail
    if (n === 0 && m === 0) return
    // The table is n × m: one pair of long lists fits, but many (50 lists of 2,000 in a list) would
    // take seconds, so all the lists of one comparison share the cells of a few such tables.
    if (n > ALIGN_LIMIT || m > ALIGN_LIMIT || n * m > cells) {
      out.push(...compareFlat(leaves(x, key), leaves(y, key)))
      return
    }
    cells -= n * m
    // The longest common subsequence of the middle parts: len[i][j] for x[head+i..], y[head+j..].
    const len: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1))
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        len[i]![j] = cx[head + i] === cy[head + j] ? len[i + 1]![j + 1]! + 1 : Math.max(len[i + 1]![j]!, len[i]![j + 1]!)
      }
    }
    // The matched items, in order, then what a lost and what b gained between each two: paired
    // in order, then the rest.
    const matches: Array<[number, number]> = []
    for (let i = 0, j = 0; i < n && j < m;) {
      if (cx[head + i] === cy[head + j]) matches.push([i++, j++])
      else if (len[i + 1]![j]! >= len[i]![j + 1]!) i++
      else j++
    }
    matches.push([n, m])
    let i = 0
    let j = 0
    for (const [toI, toJ] of matches) {
      const pairs = Math.min(toI - i, toJ - j)
      for (let t = 0; t < pairs; t++) walk(x[head + i + t], y[head + j + t], `${key}[${head + j + t}]`)
      for (let t = pairs; t < toI - i; t++) out.push(...compareFlat(leaves(x[head + i + t], `${key}[${head + i + t}]`), new Map()))
      for (let t = pairs; t < toJ - j; t++) out.push(...compareFlat(new Map(), leaves(y[head + j + t], `${key}[${head + j + t}]`)))
      i = toI + 1
      j = toJ + 1
    }
  }
  walk(a, b, '')
  return out.sort((p, q) => compareUtf8(p.key, q.key))
}

type Rec = Record<string, unknown>
const obj = (v: unknown): Rec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {})

/** A file entry without its path: what a change reports as `from` or `to`. */
function withoutPath(e: unknown): unknown {
  const { path: _path, ...rest } = obj(e)
  return rest
}

function filesMap(list: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>()
  if (!Array.isArray(list)) return m
  for (const e of list) {
    const path = obj(e).path
    if (typeof path === 'string') m.set(path, withoutPath(e))
  }
  return m
}

/** The entries of a file list that have a path, when they are sorted by path without repeats; else null. */
function sortedFiles(list: unknown): Rec[] | null {
  const out: Rec[] = []
  if (!Array.isArray(list)) return out
  let last: string | null = null
  for (const e of list) {
    const o = obj(e)
    const path = o.path
    if (typeof path !== 'string') continue
    if (last !== null && compareUtf8(last, path) >= 0) return null
    last = path
    out.push(o)
  }
  return out
}

/**
 * What changed between two file lists, as compareMaps(filesMap(a), filesMap(b)) finds it. Lists
 * sorted by path without repeats (as records keep them) are merged in one pass, and only the
 * entries that changed are copied; others go through the maps.
 */
function compareFiles(a: unknown, b: unknown): Change[] {
  const la = sortedFiles(a)
  const lb = sortedFiles(b)
  if (la === null || lb === null) return compareMaps(filesMap(a), filesMap(b))
  const out: Change[] = []
  let i = 0
  let j = 0
  while (i < la.length || j < lb.length) {
    const x = la[i]
    const y = lb[j]
    const c = x === undefined ? 1 : y === undefined ? -1 : compareUtf8(x.path as string, y.path as string)
    if (c < 0) {
      out.push({ op: 'removed', key: x!.path as string, from: withoutPath(x) })
      i++
    } else if (c > 0) {
      out.push({ op: 'added', key: y!.path as string, to: withoutPath(y) })
      j++
    } else {
      if (!sameFlat(x!, y!, 'path')) { // the same keys and flat values: as eq() finds their paths-less copies
        const from = withoutPath(x)
        const to = withoutPath(y)
        if (!eq(from, to)) out.push({ op: 'changed', key: x!.path as string, from, to })
      }
      i++
      j++
    }
  }
  return out
}

/** The fields of a section, without those that are properties of a run rather than differences. */
function commandMap(r: Rec): Map<string, unknown> {
  const c = obj(r.command)
  const m = new Map<string, unknown>()
  for (const k of ['argv', 'cwd', 'exit_code', 'signal', 'error', 'params_files']) if (k in c) m.set(k, c[k])
  if ('message' in r) m.set('message', r.message)
  return m
}

function codeChanges(a: unknown, b: unknown): Change[] {
  if (a === null || a === undefined || b === null || b === undefined) {
    if ((a ?? null) === (b ?? null)) return []
    return a === null || a === undefined ? [{ op: 'added', key: 'git', to: 'repository' }] : [{ op: 'removed', key: 'git', from: 'repository' }]
  }
  const ga = obj(a)
  const gb = obj(b)
  const fields = (g: Rec): Map<string, unknown> => {
    const m = new Map<string, unknown>()
    for (const k of ['commit', 'branch', 'upstream', 'remote', 'dirty']) if (k in g && g[k] !== undefined) m.set(k, g[k])
    const p = obj(g.patch)
    m.set('patch', typeof p.sha256 === 'string' ? p.sha256 : null)
    return m
  }
  const out = compareMaps(fields(ga), fields(gb))
  const changes = (g: Rec): Map<string, unknown> => {
    const m = new Map<string, unknown>()
    if (Array.isArray(g.changes)) for (const c of g.changes) { const o = obj(c); if (typeof o.path === 'string') m.set(o.path, o.status) }
    return m
  }
  const [ma, mb] = [changes(ga), changes(gb)]
  // git-state lists a directory with more untracked files than UNTRACKED_DIR_LIMIT as one entry,
  // `dir/`. Where one side has that entry and the other the untracked files in it one by one
  // (tracked ones aside): more than the limit there too is the same state, no change; fewer, the
  // directory crossed the limit between the runs (files came or went), one change that says so.
  const untrackedDirs = (m: Map<string, unknown>): string[] => [...m].filter(([k, v]) => k.endsWith('/') && v === '??').map(([k]) => k)
  const fold = (m: Map<string, unknown>, other: Map<string, unknown>, dirs: readonly string[]): void => {
    for (const d of dirs) {
      if (m.has(d)) continue
      const inside = [...m.keys()].filter((k) => k.startsWith(d) && m.get(k) === '??')
      if (inside.length === 0) continue
      for (const k of inside) m.delete(k)
      if (inside.length > UNTRACKED_DIR_LIMIT) { m.set(d, '??'); continue }
      // (Entries, as git-state counts them: a folded directory below is one.)
      m.set(d, `?? ${inside.length} untracked entries`)
      other.set(d, `?? over ${UNTRACKED_DIR_LIMIT} untracked entries`)
    }
  }
  const [da, db] = [untrackedDirs(ma), untrackedDirs(mb)]
  fold(ma, mb, db)
  fold(mb, ma, da)
  const worktree = compareMaps(ma, mb, { scope: 'worktree' })
  // A path of the same status on both sides whose content (what git does not hold: an untracked
  // file, a tracked one left out of the patch) differs. Content known on one side only (a run
  // recorded before prov kept it, a file over the hash limit against one under it with the same
  // size) is unknown, not a change.
  const [ka, kb] = [contents(ga), contents(gb)]
  for (const [p, x] of ka) {
    const y = kb.get(p)
    const status = ma.get(p)
    if (y === undefined || typeof status !== 'string' || mb.get(p) !== status) continue
    if (contentDiffers(x, y)) worktree.push({ op: 'changed', key: p, from: { status, ...x }, to: { status, ...y }, scope: 'worktree' })
  }
  return [...out, ...worktree.sort((x, y) => compareUtf8(x.key, y.key))]
}

/** What a run's git.changes keep of the content of a path git does not hold: {size, sha256}, either or both. */
export interface ChangeContent { size?: number; sha256?: string }

function contents(g: Rec): Map<string, ChangeContent> {
  const m = new Map<string, ChangeContent>()
  if (!Array.isArray(g.changes)) return m
  for (const c of g.changes) {
    const o = obj(c)
    if (typeof o.path !== 'string') continue
    const k: ChangeContent = {}
    if (typeof o.size === 'number') k.size = o.size
    if (typeof o.sha256 === 'string') k.sha256 = o.sha256
    if (k.size !== undefined || k.sha256 !== undefined) m.set(o.path, k)
  }
  return m
}

/** Two contents differ by their hashes where both have one, else by their sizes where both have one; else unknown: no. */
export function contentDiffers(x: ChangeContent, y: ChangeContent): boolean {
  if (x.sha256 !== undefined && y.sha256 !== undefined) return x.sha256 !== y.sha256 || (x.size !== undefined && y.size !== undefined && x.size !== y.size)
  return x.size !== undefined && y.size !== undefined && x.size !== y.size
}

/** The git status a worktree change's `from` or `to` holds: the code itself, or the `status` of a content change. */
export function worktreeStatus(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  const s = obj(v).status
  return typeof s === 'string' ? s : undefined
}

function envMap(env: unknown): Map<string, unknown> {
  const e = obj(env)
  const { vars, ...rest } = e
  const m = flattenValues(rest)
  for (const [k, v] of Object.entries(obj(vars))) m.set(`vars.${k}`, v)
  return m
}

/**
 * The run's message (`-m`): a note about the run, as its timestamps are, not a difference of the
 * work; a change of it is noise (prov diff shows both messages at the top of its report).
 */
export function isNoteKey(section: Section, key: string): boolean {
  return section === 'command' && key === 'message'
}

/**
 * The id of the store's key the run's secrets were fingerprinted under (`env.key_id`): a note about
 * the runs, not a change of the work; a change of it is noise. Where both runs have one and they
 * differ, their fingerprints cannot be compared (keysDiffer, isFingerprintChange).
 */
export function isKeyIdKey(section: Section, key: string): boolean {
  return section === 'env' && key === 'key_id'
}

/**
 * prov's own version (`env.runtime.prov`): what recorded the run, not what it ran; a change of
 * it is noise, or every step of `prov diff --workspace -q || prov record ...` would run again
 * after prov is upgraded.
 */
export function isRecorderKey(section: Section, key: string): boolean {
  return section === 'env' && key === 'runtime.prov'
}

/** Whether a change is noise: a shell-session variable, the message, the key's id, prov's version, or a key (bare or `<section>.<key>`) an --ignore glob matches. */
export function isNoise(section: Section, key: string, ignore: readonly RegExp[]): boolean {
  return isNoiseKey(section, key) || isNoteKey(section, key) || isKeyIdKey(section, key) || isRecorderKey(section, key) || ignore.some((re) => re.test(key) || re.test(`${section}.${key}`))
}

/**
 * Whether an env change is of a package (`packages.python.numpy`) of an ecosystem that one of the
 * two runs did not list at all: recorded by a prov that listed no packages, without a python3 on
 * PATH, or with --no-tools. Each of its packages would show as added or removed, which says
 * nothing of what changed: noise (shown with --all).
 */
export function isUnlistedPackage(aEnv: unknown, bEnv: unknown, key: string): boolean {
  // The interpreter's version likewise: a prov before it, or no interpreter, lists none.
  if (key === 'runtime.python') return [aEnv, bEnv].some((e) => typeof obj(obj(e).runtime).python !== 'string')
  // (The ecosystem's own key too: an empty list, `packages.python: {}` from a venv without packages,
  // added where the other run listed none, tells no more than a full one.)
  const m = /^packages\.([^.]+)(?:\.|$)/.exec(key)
  if (m === null) return false
  const listed = (e: unknown): boolean => {
    const v = obj(obj(e).packages)[m[1]!]
    return typeof v === 'object' && v !== null && !Array.isArray(v)
  }
  return !(listed(aEnv) && listed(bEnv))
}

/**
 * Whether a code change is one of the names the code goes by, not the code: the branch, its
 * upstream, the remote's URL (`git@host:x.git` and `https://host/x`). At the same commit (or one
 * that differs only in the store) such a change is noise: the same code under another name.
 */
export function isCodeName(c: Change): boolean {
  return c.scope === undefined && (c.key === 'branch' || c.key === 'upstream' || c.key === 'remote')
}

/**
 * The branch, upstream and remote made noise as the same code's names (isCodeName), shown again
 * where the code did change beside them (an uncommitted change at the same commit): they are the
 * same code's names only where the code is the same. What --ignore matches stays noise.
 */
export function showCodeNamesBesideCode(d: Pick<RunDiff, 'code'>, ignore: readonly RegExp[]): void {
  if (!d.code.some((c) => !isCodeName(c) && c.noise !== true)) return
  for (const c of d.code) if (isCodeName(c) && c.noise === true && !isNoise('code', c.key, ignore)) delete c.noise
}

/** Whether two runs were recorded under different store keys: both have a key id, and they differ. */
export function keysDiffer(a: Rec, b: Rec): boolean {
  const [ka, kb] = [obj(a.env).key_id, obj(b.env).key_id]
  return typeof ka === 'string' && typeof kb === 'string' && ka !== kb
}

const FINGERPRINT = '[redacted hmac-sha256:'
const holdsFingerprint = (v: unknown): boolean =>
  typeof v === 'string' ? v.includes(FINGERPRINT) : typeof v === 'object' && v !== null && JSON.stringify(v).includes(FINGERPRINT)

/**
 * Whether a change's from and to both hold secrets' fingerprints: between runs recorded under
 * different keys (keysDiffer), such a change cannot be judged, as the same secret gives another
 * fingerprint under each key. It stays a change.
 */
export function isFingerprintChange(c: Change): boolean {
  return c.op === 'changed' && holdsFingerprint(c.from) && holdsFingerprint(c.to)
}

const FINGERPRINT_RE = /\[redacted hmac-sha256:[0-9a-f]{32}\]/g
const masked = (v: unknown): string => JSON.stringify(v).replace(FINGERPRINT_RE, '[redacted]')

/**
 * Whether a fingerprint change (isFingerprintChange) differs in its fingerprints alone: with each
 * fingerprint masked, from and to are the same. Else something beside them changed too (an argv
 * whose secret and `--epochs` both differ), a change whatever the keys.
 */
export function differsInFingerprintsOnly(c: Change): boolean {
  return masked(c.from) === masked(c.to)
}

/** What changed from run `a` to run `b`. Timestamps, durations and ids are never compared. */
export function compareRuns(a: Rec, b: Rec, opts: { ignore?: readonly string[] } = {}): RunDiff {
  const ignore = (opts.ignore ?? []).map(globToRegExp)
  const sections: Record<Section, Change[]> = {
    command: compareMaps(commandMap(a), commandMap(b)),
    code: codeChanges(a.git, b.git),
    inputs: compareFiles(a.inputs, b.inputs),
    params: compareParams(obj(a.params), obj(b.params)),
    env: compareFlat(envMap(a.env), envMap(b.env)),
    outputs: compareFiles(a.outputs, b.outputs),
  }
  const own = runsOwnOutput(a, b)
  // (Untracked on the side where it is, `??`: a tracked file is code, whoever wrote it.)
  const written = writtenByRun(a, b)
  const untrackedOwn = (c: Change): boolean => isContentChange(c) ? isUntracked(c.from) && isUntracked(c.to) && (written(c) || isBytecodeCache(c.key))
    : (own(c.key) || isBytecodeCache(c.key)) && (c.op === 'added' ? isUntracked(c.to) : c.op === 'removed' ? isUntracked(c.from) : isUntracked(c.from) && isUntracked(c.to))
  // Dirty only by the runs' own outputs on one side, clean on the other: the same code.
  const dirtyBeyondOutputs = (g: unknown): boolean => {
    const changes = obj(g).changes
    return Array.isArray(changes) && changes.some((c) => typeof obj(c).path !== 'string' || obj(c).status !== '??' || !(own(obj(c).path as string) || isBytecodeCache(obj(c).path as string)))
  }
  const sameDirt = dirtyBeyondOutputs(a.git) === dirtyBeyondOutputs(b.git)
  const commitOf = (g: unknown): unknown => obj(g).commit
  const sameCommit = typeof commitOf(a.git) === 'string' && commitOf(a.git) === commitOf(b.git)
  let identical = true
  for (const s of SECTION_ORDER) {
    for (const c of sections[s]) {
      const ownOutput = s === 'code' && ((c.scope === 'worktree' && untrackedOwn(c)) || (c.key === 'dirty' && c.scope === undefined && sameDirt))
      const localeEcho = s === 'env' && isLocaleEcho(sections.env, c)
      const renamed = s === 'code' && sameCommit && isCodeName(c)
      const unlisted = s === 'env' && isUnlistedPackage(a.env, b.env, c.key)
      if (isNoise(s, c.key, ignore) || ownOutput || localeEcho || renamed || unlisted) c.noise = true
      else identical = false
    }
  }
  showCodeNamesBesideCode(sections, ignore)
  if (sections.code.some((c) => c.noise !== true)) identical = false
  return {
    a: typeof a.id === 'string' ? a.id : null,
    b: typeof b.id === 'string' ? b.id : null,
    identical,
    ...sections,
  }
}

/**
 * Whether an untracked path of the work tree's changes is the runs' own output: a file either run
 * recorded among its outputs (`-o model.bin`) that was not there before its command, or an output
 * directory of either run as git shows it whole (`out/` for `-o out`, where it holds more than
 * git-state lists one by one). git's state is read before the command runs, so a run's outputs
 * show as the next run's (or the present's) untracked files: they are noise, not code. Nothing
 * else is: not a directory that merely holds an output (`experiments/` for `-o experiments/out`:
 * a new source file beside it is in it too), nor a path below an output directory that no run
 * recorded, nor a tracked file (a tracked output that a run rewrites still shows, and changes the
 * patch).
 */
export function runsOwnOutput(a: Rec, b: Rec): (key: string) => boolean {
  const own = new Set<string>()
  for (const r of [a, b]) {
    // What was untracked before the run's command (its own git state) is not what the command
    // wrote, though it lies in an output directory the run hashed after (`-o src` and a new
    // src/feature.py): only the other run's outputs can claim it.
    const before = new Set<string>()
    const changes = obj(r.git).changes
    for (const c of Array.isArray(changes) ? changes : []) { const o = obj(c); if (o.status === '??' && typeof o.path === 'string') before.add(o.path) }
    const wasThere = (p: string): boolean => before.has(p) || dirsAbove(p).some((d) => before.has(d))
    for (const f of Array.isArray(r.outputs) ? r.outputs : []) { const p = obj(f).path; if (typeof p === 'string' && !/^<.*>$/.test(p) && !wasThere(p)) own.add(p) }
    const od = obj(r.command).output_dirs
    for (const d of Array.isArray(od) ? od : []) if (typeof d === 'string' && d !== '.' && d !== '' && !d.startsWith('/')) own.add(d.endsWith('/') ? d : `${d}/`)
  }
  return (key) => own.has(key)
}

/**
 * Whether a path is one of Python's bytecode caches (`__pycache__/mod.cpython-311.pyc`), which
 * importing a module writes beside it: untracked (no .gitignore names them), they appear with the
 * first run that imports the code, and are no change of the code, as the runs' own outputs are not.
 * (An untracked `__pycache__/` directory of other files would be hidden with them: Python's own.)
 */
export function isBytecodeCache(p: string): boolean {
  // (A directory of them git-state lists as one untracked entry, `pkg/__pycache__/`, too.)
  return /(^|\/)__pycache__\/([^/]+\.py[co])?$/.test(p)
}

/** Whether a worktree change's `from` or `to` says an untracked path (`??`, as a code or in a content change's `status`). */
export function isUntracked(v: unknown): boolean {
  return worktreeStatus(v)?.startsWith('??') === true
}

/** Whether a worktree change is one of content (its `from` and `to` are `{status, size, sha256}`), not of status. */
export function isContentChange(c: Change): boolean {
  return c.scope === 'worktree' && typeof c.from === 'object' && c.from !== null && typeof c.to === 'object' && c.to !== null
}

/**
 * Whether a content change of an untracked file is the runs' own: a path that either run recorded
 * among its outputs. git's state is read before a command runs, so an output that a run rewrites
 * (`-o out.txt`, other content each time) is there, with an earlier run's content, in every later
 * run's state and in the present's; without this every run would differ from the one before by it
 * (and from one two runs back, by what the run between wrote). Its content is the outputs' to
 * tell: a run's outputs are hashed after its command, and --workspace hashes them again, so an
 * output edited by hand since shows there. So is an untracked input's (`-i data.csv`, not in git):
 * the inputs tell its change. An untracked file that no run recorded as an input or an output (a
 * log the command writes unsaid, helpers.py) is code.
 */
function writtenByRun(a: Rec, b: Rec): (c: Change) => boolean {
  const paths = (r: Rec, section: 'inputs' | 'outputs'): Set<string> => {
    const out = new Set<string>()
    for (const f of Array.isArray(r[section]) ? r[section] as unknown[] : []) {
      const o = obj(f)
      if (typeof o.path === 'string' && o.stream === undefined) out.add(o.path)
    }
    return out
  }
  const outputs = new Set([...paths(a, 'outputs'), ...paths(b, 'outputs')])
  // An untracked input, a data file given with -i that git does not hold, is the inputs' to tell
  // as well, where both runs give it (given to one only, its change shows nowhere else).
  const [ia, ib] = [paths(a, 'inputs'), paths(b, 'inputs')]
  return (c) => outputs.has(c.key) || (ia.has(c.key) && ib.has(c.key))
}

/** Recompute `identical` after entries were added (the files between two commits). */
export function recomputeIdentical(d: RunDiff): RunDiff {
  d.identical = SECTION_ORDER.every((s) => d[s].every((c) => c.noise === true))
  return d
}

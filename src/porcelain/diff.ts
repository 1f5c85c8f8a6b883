import { statIfAny } from '../io/read.js'
import path from 'node:path'
import { createRequire } from 'node:module'
import { defineCommand } from 'citty'
import { diffRecords, isSameFilesNoise, storedPatch } from '../io/compare.js'
import { loadRun, loadRunPair, readRunFileText, warnUnknownFields, warnUnknownPair, type LoadedRun } from '../io/runs.js'
import { nodeCrypto } from '../core/crypto.js'
import { locateStore, findWorkTree, type Store } from '../io/store.js'
import { emitJson, emitText } from '../io/stdio.js'
import { colorsFor, type Colors } from '../io/color.js'
import { hashPaths } from '../io/hash.js'
import { readGitState, logBetween, commitExists, isShallow, CONTENT_HASH_LIMIT, PATCH_FILE_LIMIT } from '../io/git.js'
import { commandPython, projectPython, readEnvSnapshot } from '../io/env.js'
import { readParamsFile } from '../io/params.js'
import { loadReadableRedactor, loadRedactor } from '../io/secrets.js'
import type { Redactor } from '../core/redact.js'
import { displayRunPath, scrubSections } from '../io/write.js'
import { differsInFingerprintsOnly, isCodeName, isContentChange, isFingerprintChange, isBytecodeCache, isKeyIdKey, isLocaleEcho, isNoise, isNoteKey, isRecorderKey, isUnlistedPackage, keysDiffer, noiseKind, worktreeStatus, SECTION_ORDER, type Change, type ChangeContent, type RunDiff, type Section } from '../core/diff.js'
import { describeFolded, foldFileChanges, formatCount, isFolded, isMoved, movedFromDir, pairMoves, type FoldedDir } from '../core/fold.js'
import { globToRegExp } from '../core/redact.js'
import { buildParams, guessParams, mergeParams, ParamError, type ParamSource, type Params } from '../core/params.js'
import { escapeTerminal, fromRecordPath, jsonForTerminal, quotePath, sortByPath } from '../core/paths.js'
import { shortId } from '../core/id.js'
import type { FileEntry, GitPatch, RunRecord } from '../core/record.js'
import { assertValid } from '../schema.js'
import { InputError, UsageError, describeErrno } from '../errors.js'
import { log } from '../io/log.js'
import { formatSize, formatValue } from './show.js'
import { showName, showText } from './log.js'
import { list, storeArg } from '../plumbing/_args.js'
import { ignoreArg } from '../plumbing/diff-runs.js'
import { diff as diffValidator } from '../generated/validators/diff.js'

const TITLES: Record<Section, string> = { command: 'command', code: 'code', inputs: 'inputs', params: 'params', env: 'env', outputs: 'outputs' }
/** The order a person reads the story in: what could explain a change comes before the change. */
const REPORT_ORDER: Section[] = ['code', 'params', 'inputs', 'env', 'command', 'outputs']

const visible = (d: RunDiff, s: Section, all: boolean): Change[] => d[s].filter((c) => all || c.noise !== true)
/** What the report lists of a section: a file that moved with its content as one change (pairMoves). */
const listed = (d: RunDiff, s: Section, all: boolean): Change[] => (s === 'inputs' || s === 'outputs' ? pairMoves(visible(d, s, all)) : visible(d, s, all))

function fileDesc(v: unknown): string {
  const f = v as Partial<FileEntry> | undefined
  if (!f || f.missing) return 'missing'
  return `${formatSize(f.size ?? 0)} ${String(f.sha256 ?? '').slice(0, 8)}${f.stale ? ' (left from before)' : ''}`
}

/**
 * An output's change: sizes and hashes; where only `stale` differs (the same content, written by
 * one run's command and left from before by the other's), that in words.
 */
function fileChange(from: unknown, to: unknown): string {
  const [a, b] = [from, to] as Array<Partial<FileEntry> | undefined>
  const written = (f: Partial<FileEntry>): string => (f.stale ? 'left from before' : 'written')
  if (a && b && !a.missing && !b.missing && a.size === b.size && a.sha256 === b.sha256 && Boolean(a.stale) !== Boolean(b.stale)) {
    return `${written(a)} → ${written(b)} (same content)`
  }
  return `${fileDesc(from)} → ${fileDesc(to)}`
}

function short(v: unknown, max = 60): string {
  const s = v === undefined ? 'none' : formatValue(v)
  if (s.length <= max) return s
  // (Not between the two halves of a surrogate pair, as a stream's line is cut.)
  const end = /[\ud800-\udbff]/.test(s[max - 2] ?? '') ? max - 2 : max - 1
  return s.slice(0, end) + '…'
}

/**
 * Two printed values of a change, each cut to `max` characters around where they first differ:
 * from the start where that is within the first `max - 40`, else from 40 characters before it,
 * with `…` for what is cut. Two long values that differ past their first `max` characters (an
 * argv of thousands of words, a PATH with a directory appended) show where they differ, not
 * their whole text twice, nor the same cut text on both sides.
 */
function aroundFirstDifference(a: string, b: string, max: number): [string, string] {
  if (a.length <= max && b.length <= max) return [a, b]
  const context = 40
  let p = 0
  while (p < a.length && p < b.length && a[p] === b[p]) p++
  let start = p <= max - context ? 0 : p - context
  // Not between the two halves of a surrogate pair.
  if (start > 0 && /[\udc00-\udfff]/.test(a[start] ?? '')) start--
  const cut = (s: string): string => {
    let end = Math.min(s.length, start + max - 1)
    if (end < s.length && /[\ud800-\udbff]/.test(s[end - 1] ?? '')) end--
    return (start > 0 ? '…' : '') + s.slice(start, end) + (end < s.length ? '…' : '')
  }
  return [cut(a), cut(b)]
}

/** `from → to`, shortened; where the two differ in type, strings in quotes (`2 → "2"`, not `2 → 2`). */
function shortPair(from: unknown, to: unknown, max = 20): string {
  const quote = typeof from !== typeof to || from === null || to === null || [from, to].some((v) => typeof v === 'string' && (v === '' || /\s/.test(v)))
  const one = (v: unknown): string => (quote && typeof v === 'string' ? short(JSON.stringify(v), max) : short(v, max))
  return `${one(from)} → ${one(to)}`
}

function names(changes: Change[], max = 3): string {
  const shown = changes.slice(0, max).map((c) => showName(c.key))
  return shown.join(', ') + (changes.length > max ? ` (+${changes.length - max} more)` : '')
}

/**
 * Changed files by name, as the report folds them: the files outside a folded directory first,
 * then each folded directory with its count (`out/metrics.json, ckpt/ (5,000 files)`).
 */
function fileNames(changes: Change[], max = 3): string {
  const items = foldFileChanges(changes)
  const ordered = [...items.filter((i) => !isFolded(i)), ...items.filter(isFolded)]
  const shown = ordered.slice(0, max).map((i) => {
    if (!isFolded(i)) return isMoved(i) ? `${showName(i.key)} (moved)` : showName(i.key)
    return `${showName(i.dir)} (${formatCount(i.changes.length)} files${i.changes.every(isMoved) ? ' moved' : ''})`
  })
  return shown.join(', ') + (ordered.length > max ? ` (+${ordered.length - max} more)` : '')
}

function commitCount(d: RunDiff, commits: Commits | null): string | null {
  const commit = d.code.find((c) => c.key === 'commit' && c.scope === undefined)
  if (!commit) return null
  if (commits === null) return `commit ${short(commit.from, 12).slice(0, 7)} → ${short(commit.to, 12).slice(0, 7)}`
  if (commits.ahead && commits.behind > 0) return `diverged (${commits.count} in b, ${commits.behind} in a)`
  return `${commits.count} commit${commits.count === 1 ? '' : 's'}${commits.ahead ? '' : ' back'}`
}

/** How a run ended: the signal that killed it, `exit N`, or `not run`. */
function ending(code: unknown, signal: unknown): string {
  if (typeof signal === 'string' && signal !== '') return signal
  return code === null || code === undefined ? 'not run' : `exit ${short(code)}`
}

/** How a run failed ('exit 3', 'SIGKILL', 'not run'), or null where it did not (exit 0, or --no-exec). */
function failure(c: RunRecord['command']): string | null {
  if (typeof c.signal === 'string' && c.signal !== '') return c.signal
  if (typeof c.exit_code === 'number' && c.exit_code !== 0) return `exit ${c.exit_code}`
  if (typeof c.error === 'string') return 'not run'
  return null
}

/**
 * The command's changes, named: how it ended said in one phrase (`exit 0 → 1`, `SIGKILL → exit 3`,
 * `exit 3 → not run`, not `exit null → 3, signal`), the others by their keys.
 */
function commandChanges(cmd: readonly Change[]): string {
  const exit = cmd.find((c) => c.key === 'exit_code' && c.op === 'changed')
  const signal = cmd.find((c) => c.key === 'signal' && c.op === 'changed')
  return cmd.filter((c) => signal === undefined || c !== exit).map((c) => {
    if (c.op !== 'changed') return `${c.op === 'added' ? '+' : '-'}${c.key}`
    if (c.key === 'status') return `${short(c.from)} → ${short(c.to)}` // --workspace: the run failed
    if (c === signal) return `${ending(exit?.from ?? null, c.from)} → ${ending(exit?.to ?? null, c.to)}`
    if (c !== exit) return c.key
    return typeof c.from === 'number' && typeof c.to === 'number' ? `exit ${c.from} → ${c.to}` : `${ending(c.from, null)} → ${ending(c.to, null)}`
  }).join(', ')
}

/**
 * The env changes, those likeliest to explain a changed result first, for the headline's three
 * names: tools, packages, the runtime, the hardware and the OS before the locale and time zone, and those
 * before variables (HOME and USER differ between any two machines). Stable: alphabetical within each.
 */
function byWeight(env: readonly Change[]): Change[] {
  const rank = (key: string): number => {
    const order = ['tools', 'packages', 'runtime', 'hardware', 'os', 'locale', 'timezone']
    const k = order.indexOf(key.includes('.') ? key.slice(0, key.indexOf('.')) : key)
    return k === -1 ? order.length : k
  }
  return env.map((c, i) => ({ c, i, r: rank(c.key) })).sort((x, y) => x.r - y.r || x.i - y.i).map((x) => x.c)
}

/** What git says of the commits between two runs: how many b has that a has not (`ahead`), or back, and how many a has that b has not. */
interface Commits { count: number; ahead: boolean; behind: number }

/** Whether either run recorded any input, any output: where neither did, there is nothing to call identical. */
interface Recorded { inputs: boolean; outputs: boolean }

/**
 * One line that tells the story: what changed, and what else changed that could explain it.
 * Inputs or outputs that neither run recorded (no -i, no -o) are said to be so, not `identical`:
 * a result prov was not told of may well have changed.
 */
export function buildHeadline(d: RunDiff, commits: Commits | null = null, recorded: Recorded = { inputs: true, outputs: true }): string {
  const changed = (s: Section): Change[] => listed(d, s, false)
  if (d.identical) return 'no differences'
  const explain: string[] = []
  const code = changed('code')
  if (code.length > 0) {
    const parts: string[] = []
    const cc = commitCount(d, commits)
    if (cc) parts.push(cc)
    const wt = code.filter((c) => c.scope === 'worktree')
    const untrackedOnly = wt.length > 0 && wt.every((c) => worktreeStatus(c.from) === '??' || worktreeStatus(c.to) === '??') && !code.some((c) => c.key === 'patch')
    if (untrackedOnly) parts.push(`untracked: ${names(wt)}`)
    else if (code.some((c) => c.key === 'patch' || c.scope === 'worktree' || c.key === 'dirty')) parts.push('uncommitted changes differ')
    if (parts.length === 0) parts.push(names(code.filter((c) => !c.scope)))
    explain.push(`code: ${parts.join(', ')}`)
  }
  const params = changed('params')
  if (params.length > 0) {
    explain.push('params: ' + params.slice(0, 3).map((c) => c.op === 'changed' ? `${c.key} ${shortPair(c.from, c.to)}` : c.op === 'added' ? `+${c.key}` : `-${c.key}`).join(', ') + (params.length > 3 ? ` (+${params.length - 3} more)` : ''))
  }
  const inputs = changed('inputs')
  explain.push(inputs.length > 0 ? `inputs: ${fileNames(inputs)}` : recorded.inputs ? 'inputs identical' : 'no inputs recorded')
  const env = changed('env')
  if (env.length > 0) explain.push(`env: ${names(byWeight(env))}`)
  const cmd = changed('command')
  if (cmd.length > 0) explain.push(`command: ${commandChanges(cmd)}`)
  const outputs = changed('outputs')
  if (outputs.length > 0) return `outputs changed: ${fileNames(outputs)} — ${explain.join('; ')}`
  return `${recorded.outputs ? 'outputs identical' : 'no outputs recorded'}; ${explain.join('; ')}`
}

/** The two runs' patches (git.patch), for what a patch's line says it leaves out. */
type Patches = [GitPatch | null | undefined, GitPatch | null | undefined]

/** A limit in whole MiB: `1 MiB`, not formatSize's `1.0 MiB`. */
const mib = (n: number): string => `${n / (1 << 20)} MiB`

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/**
 * One side of the patch's line: none, its hash, and the files it leaves out (larger than the
 * patch takes: their content is compared in their own lines). An empty patch, or one of nothing
 * but files left out, is said so, not shown as the hash of the empty text.
 */
function patchSide(sha: unknown, patch: GitPatch | null | undefined): string {
  if (typeof sha !== 'string') return 'none'
  const omitted = patch?.sha256 === sha ? patch.omitted ?? [] : []
  // (An empty patch: the work tree dirty by what git diff does not show, a submodule's untracked files.)
  if (omitted.length === 0) return sha === EMPTY_SHA256 ? 'empty' : `sha256 ${sha.slice(0, 12)}`
  const files = omitted.slice(0, 3).map(showName).join(', ') + (omitted.length > 3 ? ` (+${omitted.length - 3} more)` : '')
  const over = `over ${mib(PATCH_FILE_LIMIT)}`
  return sha === EMPTY_SHA256 ? `empty, leaves out ${files} (${over})` : `sha256 ${sha.slice(0, 12)}, leaves out ${files} (${over})`
}

/** A file's content as a change of git.changes keeps it: size and hash, or size alone (over the hash limit). */
function contentDesc(v: unknown): string {
  const k = v as ChangeContent
  if (typeof k.size !== 'number') return 'unknown'
  return k.sha256 === undefined ? formatSize(k.size) : `${formatSize(k.size)} ${k.sha256.slice(0, 8)}`
}

/**
 * A path of the same status in both runs whose content differs: an untracked file
 * (`?? content changed`), or a tracked file left out of the patch, which the patch cannot show.
 */
function contentChange(c: Change): string {
  const status = worktreeStatus(c.to) ?? '?'
  const what = status === '??' ? 'content changed' : `changed (not in the patch: over ${mib(PATCH_FILE_LIMIT)})`
  // Sizes compared where a side has no hash: over the limit, or a file git-state could not read.
  const sides = [c.from, c.to] as ChangeContent[]
  const sized = !sides.some((v) => v.sha256 === undefined) ? ''
    : sides.some((v) => (v.size ?? 0) > CONTENT_HASH_LIMIT) ? ` (not hashed over ${mib(CONTENT_HASH_LIMIT)}: sizes compared)` : ' (not hashed: sizes compared)'
  return `${status} ${what}: ${contentDesc(c.from)} → ${contentDesc(c.to)}${sized}`
}

/** A folded directory's line: `~ ckpt/  5,000 files changed (4,998 changed, 2 added)`. */
function renderFolded(f: FoldedDir, col: Colors): string {
  const ops = new Set(f.changes.map((c) => c.op))
  const sign = ops.size > 1 ? col.yellow('~') : ops.has('added') ? col.green('+') : ops.has('removed') ? col.red('-') : col.yellow('~')
  const noise = f.changes.filter((c) => c.noise).length
  const noiseMark = noise > 0 ? col.dim(`  (${noise === f.changes.length ? '' : `${formatCount(noise)} `}noise)`) : ''
  const from = movedFromDir(f)
  if (from !== null) return `  ${col.yellow('~')} ${showName(from)} → ${showName(f.dir)}  ${col.dim(`${describeFolded(f)} (same content)`)}${noiseMark}`
  return `  ${sign} ${showName(f.dir)}  ${col.dim(describeFolded(f))}${noiseMark}`
}

/** The runs' messages (-m), notes about them, for the top of the report: one line when they are the same. */
function messageLines(a: RunRecord, b: RunRecord, labelB: string): string[] {
  if (a.message === undefined && b.message === undefined) return []
  if (a.message === b.message) return [`message: ${showText(a.message!, ' '.repeat(9))}`]
  const one = (m: string | undefined): string => (m === undefined ? '(none)' : showText(m, ' '.repeat(11)))
  return [`message a: ${one(a.message)}`, `message ${labelB}: ${one(b.message)}`]
}

/**
 * The note at the top of a report of two runs recorded under different store keys (their
 * env.key_id differ: two clones, two machines): a secret's fingerprint in one says nothing of the
 * other's, so a secret shown as changed may be the same. Each change of the kind says so too.
 */
function keyLines(store: Store, workspace: boolean): string[] {
  const key = displayRunPath(store, path.join(store.dir, 'secret.key'))
  const who = workspace ? "a was recorded under another store key than this store's" : 'a and b were recorded under different store keys'
  return [
    `${who} (${key}): a secret's fingerprint cannot be compared between them, so a secret shown as changed may be the same`,
    `  copy secret.key between the clones (mode 0600) to compare the secrets of the runs recorded after`,
  ]
}

/** What a change whose fingerprints cannot be compared says after it: one that differs in its fingerprints alone, and one that differs beside them too. */
const KEY_NOTE = '  (different store keys: cannot be compared)'
const KEY_NOTE_PART = "  (different store keys: its fingerprints cannot be compared, the rest can)"
const keyNote = (c: Change): string => (differsInFingerprintsOnly(c) ? KEY_NOTE : KEY_NOTE_PART)

function renderChange(s: Section, change: Change, col: Colors, patches: Patches = [null, null]): string {
  // A key with a newline in it must not break its line, or fake another.
  const c = { ...change, key: showName(change.key) }
  const sign = c.op === 'added' ? col.green('+') : c.op === 'removed' ? col.red('-') : col.yellow('~')
  const noise = c.noise ? col.dim('  (noise)') : ''
  if (s === 'inputs' || s === 'outputs') {
    if (isMoved(change)) return `  ${sign} ${showName(change.moved)} → ${c.key}  ${col.dim(`${fileDesc(c.to)} (moved, same content)`)}${noise}`
    const body = c.op === 'changed' ? fileChange(c.from, c.to) : c.op === 'added' ? fileDesc(c.to) : fileDesc(c.from)
    return `  ${sign} ${c.key}  ${col.dim(body)}${noise}`
  }
  if (c.scope === 'commits') return `  ${sign} ${c.key}  ${col.dim('(between the commits)')}`
  if (c.scope === 'worktree') {
    if (isContentChange(c)) return `  ${sign} ${c.key}  ${col.dim(contentChange(c))}${noise}`
    const st = (v: unknown): string => (v === undefined ? 'clean' : String(v))
    return `  ${sign} ${c.key}  ${col.dim(`uncommitted: ${st(c.from)} → ${st(c.to)}`)}${noise}`
  }
  if (s === 'code' && c.key === 'patch') return `  ${sign} uncommitted patch: ${patchSide(c.from, patches[0])} → ${patchSide(c.to, patches[1])}${noise}`
  if (c.op === 'changed') {
    // A string and a number (or true) that print alike ("1" and 1): shown as JSON, so they do not
    // (escaped for the terminal, as every value is).
    const alike = formatValue(c.from) === formatValue(c.to)
    const [from, to] = aroundFirstDifference(alike ? jsonForTerminal(c.from) : formatValue(c.from), alike ? jsonForTerminal(c.to) : formatValue(c.to), 200)
    return `  ${sign} ${c.key}: ${col.red(from)} → ${col.green(to)}${noise}`
  }
  if (c.op === 'added') return `  ${sign} ${c.key}: ${col.green(short(c.to, 200))}${noise}`
  return `  ${sign} ${c.key}: ${col.red(short(c.from, 200))}${noise}`
}

/**
 * What the uncommitted changes were: one side's patch as it is when the other run was clean,
 * else the difference between the two patches (a diff of diffs, made with the diff package).
 */
async function patchDiff(pa: string, pb: string): Promise<{ title: string; text: string } | null> {
  if (pa === pb) return null
  if (pa === '') return { title: 'uncommitted changes in b only:', text: pb }
  if (pb === '') return { title: 'uncommitted changes in a only:', text: pa }
  const { createTwoFilesPatch } = createRequire(import.meta.url)('diff') as typeof import('diff')
  const text = createTwoFilesPatch('a/uncommitted.patch', 'b/uncommitted.patch', pa, pb, '', '', { context: 2 })
  return { title: 'how the uncommitted changes differ (a diff of the two patches):', text: text.split('\n').slice(3).join('\n') }
}

/**
 * A run's patch of uncommitted changes as the report shows it (io/compare.ts's storedPatch): only
 * the one the run recorded (git.patch.sha256); one gone or altered is said, not shown, as verify
 * fails it. A run read from standard input has none to show.
 */
function shownPatch(run: LoadedRun, patch: ReturnType<typeof storedPatch>): string {
  if (patch.text !== null) return patch.text
  if (run.dir !== null) {
    const id = typeof run.record.id === 'string' ? shortId(run.record.id) : 'of the run'
    log.warn(`run ${id}: its patch.diff ${patch.problem === 'altered' ? 'does not match git.patch.sha256' : 'is missing'}: its uncommitted changes are not shown (see 'prov verify')`)
  }
  return ''
}

/** A captured stream shown as text in a diff: at most this many bytes each side, and lines of the diff. */
const STREAM_TEXT_MAX = 64 * 1024
const STREAM_LINES_MAX = 40
const STREAM_LINE_CHARS = 200

/**
 * How a captured stream (`<stdout>`, `<stderr>`, kept with the run by --capture) changed, as
 * lines of a unified diff: what the command printed answers "why?" at once (`accuracy 0.91` →
 * `0.87`). Only where both runs kept it, each file still the one the run hashed (a file altered
 * or gone since is not evidence: verify fails it), no larger than STREAM_TEXT_MAX, and text (UTF-8,
 * no NUL). Control characters are escaped, as everywhere in the report; at most STREAM_LINES_MAX
 * lines, then how many more.
 */
function streamDiff(a: LoadedRun, b: LoadedRun, c: Change, col: Colors, scrubber: () => ((text: string) => string) | null): string[] {
  if (c.op !== 'changed') return []
  const name = c.key === '<stdout>' ? 'stdout' : c.key === '<stderr>' ? 'stderr' : null
  if (name === null) return []
  const text = (run: LoadedRun, entry: unknown): string | null => {
    const e = entry as { size?: unknown; sha256?: unknown; stream?: unknown } | undefined
    if (e?.stream !== name || typeof e.size !== 'number' || e.size > STREAM_TEXT_MAX || typeof e.sha256 !== 'string') return null
    // (A file larger than the run recorded is not read: it is not the run's, and may be huge.)
    const t = readRunFileText(run, name, e.size)
    // (Bytes that are not UTF-8 decode to U+FFFD, which encodes otherwise: the hash tells them.)
    if (t === null || t.includes('\0')) return null
    return nodeCrypto().createHash('sha256').update(t, 'utf8').digest('hex') === e.sha256 ? t : null
  }
  const [ta, tb] = [text(a, c.from), text(b, c.to)]
  if (ta === null || tb === null) return []
  // What a command printed may hold a secret (a token it logged): scrubbed as a file's text is,
  // both sides whole, so that a PEM block across lines is found and the same value reads the same.
  const scrub = scrubber()
  if (scrub === null) return []
  const { createTwoFilesPatch } = createRequire(import.meta.url)('diff') as typeof import('diff')
  // Lines as a terminal shows them: a CRLF line's \r is no part of what it says.
  const crlf = (t: string): string => t.replace(/\r\n/g, '\n')
  // (`\ No newline at end of file` is kept: a final newline gained or lost is the one change there may be.)
  const lines = createTwoFilesPatch(`a/${name}`, `b/${name}`, crlf(scrub(ta)), crlf(scrub(tb)), '', '', { context: 2 }).split('\n').slice(3).filter((l) => l !== '')
  // (A tab is kept, as a table printed with tabs reads; every other control character escaped. A
  // line longer than STREAM_LINE_CHARS is cut, as a value is.)
  const cut = (l: string): string => {
    if (l.length <= STREAM_LINE_CHARS) return l
    // (Not between the two halves of a surrogate pair.)
    const end = /[\ud800-\udbff]/.test(l[STREAM_LINE_CHARS - 2] ?? '') ? STREAM_LINE_CHARS - 2 : STREAM_LINE_CHARS - 1
    return `${l.slice(0, end)}…`
  }
  const shown = lines.slice(0, STREAM_LINES_MAX).map((l) => cut(l).split('\t').map(escapeTerminal).join('\t'))
  const out = [colorPatch(shown.join('\n'), col, false)]
  if (lines.length > shown.length) out.push(col.dim(`    … ${lines.length - shown.length} more lines (prov show --json gives the runs; their ${name} is beside run.json)`))
  return out
}

/** A patch's lines, indented and coloured; `headers` false for one without file headers (a line `+++x` is then content). */
function colorPatch(text: string, col: Colors, headers = true): string {
  const header = (l: string): boolean => headers && (l.startsWith('+++') || l.startsWith('---'))
  return text.split('\n').map((l) => l.startsWith('+') && !header(l) ? col.green(l) : l.startsWith('-') && !header(l) ? col.red(l) : l.startsWith('@@') ? col.cyan(l) : l).map((l) => `    ${l}`).join('\n')
}

/** A params file named by a record, as it is now: undefined when it is gone (the inputs say so). */
async function readRecordedParamsFile(abs: string, shown: string): Promise<unknown> {
  const st = statIfAny(abs)
  if (st === undefined) return undefined
  // A FIFO or device named by a record is never read: it could block or never end.
  if (!st.isFile()) throw new InputError('E_NOT_FILE', `cannot read params file ${quotePath(shown)}: not a regular file`)
  return readParamsFile(abs)
}

/**
 * The store's policy for text the report prints (`what`, which `be`: 'the commit subjects',
 * 'are'), the variables `redact` names among its secret names; where its config.json is invalid
 * (a key misspelt), what of it can be read (its secrets.names and secrets.values), said in a
 * warning: the runs are read as recorded, and a config that only recording needs does not stop
 * their diff (as it does not stop diff-runs). Null where a secrets.values pattern cannot be read:
 * the text is then left out, since a value it was written to hide would be printed in clear.
 */
function reportRedactor(store: Store, what: string, be: 'is' | 'are', redact: string[] = []): Redactor | null {
  try {
    return loadRedactor(store, { redact })
  } catch (e) {
    if (!(e instanceof InputError && e.code === 'E_CONFIG')) throw e
    const { redactor, complete } = loadReadableRedactor(store, redact)
    if (!complete) {
      log.warn(`${e.message}: ${what} ${be} left out: a value its secrets.values names could be printed in clear`)
      return null
    }
    log.warn(`${e.message}: ${what} ${be} scrubbed by the built-in secret policy and what of the config's secrets can be read`)
    return redactor
  }
}

/** The commit subjects between two runs, scrubbed (reportRedactor): their hashes alone where the policy cannot be read. */
function scrubSubjects(store: Store, lines: string[]): string[] {
  const redactor = reportRedactor(store, 'the commit subjects', 'are')
  return lines.map((l) => (redactor === null ? l.split(' ')[0]! : redactor.scrubText(l)))
}

/**
 * How a captured stream's text is scrubbed before the report prints it: as a log's, by the
 * store's policy (reportRedactor); null where no text is to be shown. Made once, on first use.
 */
function streamScrubber(store: Store, runs: readonly RunRecord[]): () => ((text: string) => string) | null {
  // The variables either run was told to redact (--redact-var): their values are secrets to those
  // runs, whatever the names say, and a command may print them (`DB_HOST=V`). Not their --keep-var:
  // that keeps a variable in the record, and says nothing of what the command wrote.
  // (A document of sections only, diff-runs' input, may have no command.)
  const redact = [...new Set(runs.flatMap((r) => (r.command as RunRecord['command'] | undefined)?.redaction?.redact ?? []))]
  let made: { scrub: ((text: string) => string) | null } | undefined
  return () => {
    if (made === undefined) {
      const redactor = reportRedactor(store, 'the text of the captured streams', 'is', redact)
      made = { scrub: redactor === null ? null : (t) => redactor.scrubLog(t) }
    }
    return made.scrub
  }
}

/** The present, as a run-shaped document: what `--workspace` compares a run with. */
async function readWorkspace(store: Store, run: RunRecord): Promise<{ record: RunRecord; patch: string | null }> {
  // The run's own policy flags (--redact-var, --keep-var, --drop-var), as record applied them.
  const redactor = loadRedactor(store, run.command.redaction ?? {})
  // Files are hashed again where the record says they are: inside the project, or by the absolute
  // path a record keeps for a file outside it (a data set kept elsewhere). A relative path that
  // escapes the project ('../x', which only a hand-made record holds) is not read: it keeps its entry.
  const place = (p: string): string | null => fromRecordPath(store.root, p)
  const rehash = (entries: FileEntry[], dirs: readonly string[] = []): FileEntry[] => {
    const paths: string[] = []
    const kept: FileEntry[] = []
    const gone: FileEntry[] = []
    // The directories the run was given are listed again, so that a file added to one since shows
    // as added. One that is gone, or no longer a directory, adds nothing: the files recorded in it
    // show as missing. By an absolute path (a data set outside the project) a record names files,
    // never a directory to walk: those keep to the files recorded.
    for (const d of dirs) {
      const p = place(d)
      if (p === null || path.isAbsolute(d)) {
        log.warn(`${quotePath(d)} lies outside the project: its recorded files are checked, the directory is not listed again`)
        continue
      }
      // A directory that cannot be looked at now (a link loop, no permission) is not listed again,
      // with a warning; its recorded files say what they can.
      let st
      try { st = statIfAny(p) } catch (e) {
        log.warn(`cannot list ${quotePath(d)} again: ${describeErrno(e)}`)
        continue
      }
      if (st?.isDirectory()) paths.push(p)
    }
    for (const e of entries) {
      // A captured stream (<stdout>, <stderr>) has no present: nothing has run. It stands as recorded.
      if (e.stream) { kept.push(e); continue }
      const p = place(e.path)
      if (p === null) {
        log.warn(`${quotePath(e.path)} points outside the project: not re-checked`)
        kept.push(e)
        continue
      }
      // By an absolute path a record names a file, never more: a directory is not walked, a FIFO
      // or device not opened; what is no longer a regular file there counts as missing.
      if (path.isAbsolute(e.path)) {
        const st = statIfAny(p)
        if (st !== undefined && !st.isFile()) {
          log.warn(`${quotePath(p)} is no longer a regular file: counted as missing, not read`)
          gone.push({ path: p, missing: true })
          continue
        }
      }
      paths.push(p)
    }
    // Lenient: what a directory holds now that could not be hashed (a FIFO, an editor's dangling
    // lock link, an unreadable subdirectory) is left out with a warning, not an error that stops
    // the report; a file the run recorded by name still fails as it would have.
    return sortByPath([...hashPaths(store, paths, store.root, { allowMissing: true, fromRecord: true, lenient: true }), ...gone, ...kept])
  }
  const inputs = rehash(run.inputs, run.command.input_dirs)
  // Whether the run's command wrote an output is the run's to say: the present has no command.
  // An output that is as the run left it keeps the run's entry, `stale` included (else every
  // such output would differ from itself); one changed since is the file it is now.
  const stale = new Map(run.outputs.filter((o) => o.stale).map((o) => [o.path, o]))
  const outputs = rehash(run.outputs, run.command.output_dirs).map((o) => {
    const s = stale.get(o.path)
    return s !== undefined && !o.missing && o.size === s.size && o.sha256 === s.sha256 ? { ...o, stale: true as const } : o
  })
  // The run's own interpreter, where its command ran one, as record listed its packages; the
  // tools asked in the run's directory, as record asked them (a pyenv shim chooses its Python by
  // the .python-version there), where it is still a directory inside the project.
  const runDir = place(run.command.cwd)
  const isDir = (d: string): boolean => { try { return statIfAny(d)?.isDirectory() === true } catch { return false } }
  const cwd = runDir !== null && !path.isAbsolute(run.command.cwd) && isDir(runDir) ? runDir : process.cwd()
  // One that cannot be found now (removed, or its path redacted in the record, a token in a
  // directory's name) lists no packages, with a warning: the python3 on PATH is another's.
  const found = commandPython(run.command.argv, cwd)
  let python: string | null | false = found === null ? null : found === false ? false : found.file
  if (python === null && found) {
    log.warn(`the run's interpreter ${quotePath(found.word)} is not found: its packages are not compared`)
    python = false
  }
  // A diff runs no program a record names, nor one that would run the project's files: an
  // interpreter in the project (a store committed to a repository, a run.json handed over, could
  // name a script there; a committed venv's python runs its .pth files) is not asked. A venv's
  // packages are read from its site-packages by name, as record read them; any other's are not compared.
  let pythonDirs: string[] | undefined
  if (typeof python === 'string' && found) {
    const inProject = projectPython(found.named ?? python, python, [store.root, store.dir])
    if (inProject === 'none') {
      log.warn(`the run's interpreter ${quotePath(found.word)} lies in the project or its store: not run, its packages are not compared`)
      python = false
    } else if (inProject !== null) pythonDirs = inProject.dirs
  }
  const [git, env] = await Promise.all([readGitState(store, () => redactor), readEnvSnapshot(store, redactor, { python, cwd, ...(pythonDirs !== undefined ? { pythonDirs } : {}) })])
  // Params: the run's sources applied again in their order, its params files read as they are now
  // and its -p values as recorded; a run recorded before params_sources: a guess (guessParams).
  let params: Params = run.params as Params
  const readFile = async (f: string): Promise<unknown> => readRecordedParamsFile(place(f)!, f)
  const sources = run.command.params_sources
  const paramsFiles = [...(sources ?? []).flatMap((s) => ('file' in s ? [s.file] : [])), ...(run.command.params_files ?? [])]
  const outsideFile = paramsFiles.find((f) => path.isAbsolute(f) || place(f) === null)
  if (outsideFile !== undefined) {
    // A params file outside the project is not read again (a record handed over could name any
    // file that parses as JSON or YAML, and diff would print it): the params stay as recorded,
    // and the file's hash, among the inputs, still shows a change.
    log.warn(`params file ${quotePath(outsideFile)} lies outside the project: not read again, the params are compared as recorded`)
  } else if (sources !== undefined) {
    const list: ParamSource[] = []
    for (const s of sources) {
      if ('param' in s) { list.push({ kind: 'set', assignment: s.param }); continue }
      const data = await readFile(s.file)
      if (data !== undefined) list.push({ kind: 'file', path: s.file, data })
    }
    try {
      params = buildParams(list)
    } catch (e) {
      if (e instanceof ParamError) throw new InputError('E_PARAM', e.message)
      throw e
    }
    params = redactor.keepFingerprinted(params, run.params)
  } else if ((run.command.params_files ?? []).length > 0) {
    let fromFiles: Params = {}
    for (const f of run.command.params_files!) {
      const data = await readFile(f)
      if (typeof data === 'object' && data !== null && !Array.isArray(data)) fromFiles = mergeParams(fromFiles, data as Params)
    }
    params = guessParams(run.params as Params, fromFiles)
  }
  const patchText = git?.patch?.text ?? null
  if (git?.patch) delete git.patch.text
  const sections: Record<string, unknown> = { command: run.command, inputs, outputs, params, git, env }
  if (run.message !== undefined) sections.message = run.message
  scrubSections(sections, redactor)
  return { record: { id: '', schema_version: run.schema_version, created_at: run.created_at, ...sections } as RunRecord, patch: patchText }
}

export default defineCommand({
  meta: { name: 'diff', description: 'Show what changed between two runs (default: @~1 and @), or since a run (--workspace)', repeatable: ['ignore'] },
  args: {
    a: { type: 'positional', required: false, description: 'The older run (default: @~1; with --workspace: @)' },
    b: { type: 'positional', required: false, description: 'The newer run (default: @)' },
    workspace: { type: 'boolean', description: 'Compare the run with the present: its inputs and outputs re-hashed, git state, environment, params files' },
    json: { type: 'boolean', description: 'Print the diff-runs document instead' },
    stat: { type: 'boolean', description: 'One line per section: how many changes' },
    quiet: { type: 'boolean', alias: 'q', description: 'Print nothing; the exit status says whether the runs differ' },
    all: { type: 'boolean', description: 'Also show noise: shell-session variables that differ between any two runs, the message, and changes --ignore matches' },
    'no-fold': { type: 'boolean', description: 'List every changed file, also under a directory with more than 20 (one line for it by default)' },
    ...ignoreArg,
    ...storeArg,
  },
  async run({ args }) {
    // Two forms of the report at once: say so, rather than let one win unsaid (-q, which prints none, may go with either).
    if (args.json && args.stat) throw new UsageError("--json and --stat are two forms of the report: give one")
    const store = locateStore({ store: args.store })
    let a: LoadedRun
    let b: LoadedRun
    let workspacePatch: string | null = null
    if (args.workspace) {
      if (args.b !== undefined) throw new UsageError('--workspace compares one run with the present: give at most one run')
      a = await loadRun(store, (args.a as string | undefined) ?? '@')
      const ws = await readWorkspace(store, a.record)
      workspacePatch = ws.patch ?? ''
      b = { record: ws.record, id: null, dir: null }
    } else {
      if (args.a === '-' && args.b === '-') throw new UsageError('only one of the runs can come from stdin')
      ;[a, b] = await loadRunPair(store, (args.a as string | undefined) ?? '@~1', (args.b as string | undefined) ?? '@')
    }
    // (The present holds no field a newer prov wrote: that the run's are not compared says it all.)
    if (args.workspace) warnUnknownFields(a, 'not compared')
    else warnUnknownPair(a, b)
    // The runs' patches, read once: for 'same files' here, and to show below.
    const [patchA, patchB] = [storedPatch(a), workspacePatch !== null ? { text: workspacePatch } : storedPatch(b)]
    const diff = await diffRecords(store, a.record, b.record, { ignore: list(args.ignore), patches: [patchA.text, patchB.text] })
    if (args.workspace) {
      diff.b = null
      // The present is no run, and has no exit status to compare; but a run that failed (another
      // status than 0, a signal, a command that could not be run) made no result the present
      // could stand for: said as a change, so that `prov diff --workspace -q || prov record ...`
      // runs a failed step again, as make remakes a target whose recipe failed. (A run recorded
      // with --no-exec ran nothing, and failed nothing.)
      const failed = failure(a.record.command)
      if (failed !== null) {
        // (--ignore status hides it, as it hides any change.)
        const hiddenByIgnore = isNoise('command', 'status', list(args.ignore).map(globToRegExp))
        diff.command.push({ op: 'changed', key: 'status', from: failed, to: 'not run since', ...(hiddenByIgnore ? { noise: true as const } : {}) })
        if (!hiddenByIgnore) diff.identical = false
      }
    }
    if (!diff.identical) process.exitCode = 1
    if (args.quiet) return
    if (args.json) {
      const doc = { diff }
      assertValid('diff', diffValidator, doc, 'the diff')
      return emitJson(doc)
    }
    const col = colorsFor(process.stdout)
    const label = (r: LoadedRun, fallback: string): string => (r.id ? shortId(r.id) : fallback)
    const out: string[] = []
    let commits: (Commits & { lines: string[] }) | null = null
    const top = findWorkTree(store.root)
    const ca = a.record.git?.commit
    const cb = b.record.git?.commit
    // A commit no longer in the repository (garbage-collected after a rewrite, or from another clone) is said.
    const absent: string[] = []
    if (top && ca && cb && ca !== cb) {
      const [ea, eb] = await Promise.all([commitExists(top, ca), commitExists(top, cb)])
      // (A shallow clone's history is cut: what lies between is not to be counted.)
      const shallow = await isShallow(top)
      if (ea && eb && !shallow) commits = await logBetween(top, ca, cb)
      // In a shallow clone (CI's), a commit before its cut is simply not fetched.
      const why = shallow ? 'not in this shallow clone, whose history is cut (git fetch --unshallow may fetch it; else it is from another clone, or gone after a rewrite)' : 'not in this repository (gone after a rewrite, or from another clone)'
      for (const [which, c, e] of [['a', ca, ea], ['b', cb, eb]] as const) if (!e) absent.push(`  ${which}'s commit ${c.slice(0, 7)} is ${why}`)
    }
    // Commit subjects are printed: a token in one is scrubbed as everywhere else.
    if (commits) commits.lines = scrubSubjects(store, commits.lines)
    out.push(col.bold(`diff ${label(a, 'a')} → ${label(b, args.workspace ? 'workspace' : 'b')}`))
    // The headline names keys and paths as the runs hold them: what a terminal would act on is escaped.
    // The runs' messages are context, shown here, so a change of them is noise that is not hidden.
    out.push(...messageLines(a.record, b.record, args.workspace ? 'workspace' : 'b'))
    // Fingerprints made under two keys: a change between them cannot be judged; said once here,
    // where such a change is shown, and at each. (A run recorded before runs kept their key's id:
    // as before, nothing is said.)
    const twoKeys = keysDiffer(a.record as unknown as Record<string, unknown>, b.record as unknown as Record<string, unknown>)
    if (twoKeys && SECTION_ORDER.some((s) => visible(diff, s, args.all === true).some(isFingerprintChange))) out.push(...keyLines(store, args.workspace === true).map(escapeTerminal))
    const show = (s: Section, c: Change, patches?: Patches): string => renderChange(s, c, col, patches) + (twoKeys && isFingerprintChange(c) ? col.dim(keyNote(c)) : '')
    const some = (l: unknown): boolean => Array.isArray(l) && l.length > 0
    const recorded = { inputs: some(a.record.inputs) || some(b.record.inputs), outputs: some(a.record.outputs) || some(b.record.outputs) }
    out.push(escapeTerminal(buildHeadline(diff, commits, recorded)))
    const hidden = SECTION_ORDER.reduce((n, s) => n + diff[s].filter((c) => c.noise && !isNoteKey(s, c.key)).length, 0)
    // What the hidden changes are: shell-session variables, what --ignore matched, or both.
    const ignores = list(args.ignore).map(globToRegExp)
    const sessionVars = diff.env.filter((c) => c.noise && noiseKind('env', c.key) === 'session').length
    const provVars = diff.env.filter((c) => c.noise && noiseKind('env', c.key) === 'prov').length
    const jobVars = diff.env.filter((c) => c.noise && noiseKind('env', c.key) === 'job').length
    // (The id of the store's key: two clones' stores have their own.)
    const keyIds = diff.env.filter((c) => c.noise && isKeyIdKey('env', c.key)).length
    // (prov's own version; packages of an ecosystem one run did not list.)
    const recorders = diff.env.filter((c) => c.noise && isRecorderKey('env', c.key)).length
    const unlistedAll = diff.env.filter((c) => c.noise && !isNoise('env', c.key, ignores) && isUnlistedPackage(a.record.env, b.record.env, c.key))
    const unlistedVersion = unlistedAll.filter((c) => c.key === 'runtime.python').length
    const unlisted = unlistedAll.length - unlistedVersion
    // (A locale variable among vars whose change locale shows: the same change, reported once.)
    // One whose twin --ignore hides is hidden with it, and counted with what --ignore matched.
    const twinOf = (key: string): string => (key === 'vars.TZ' ? 'timezone' : `locale.${key.slice(5)}`)
    const echoes = diff.env.filter((c) => c.noise && noiseKind('env', c.key) === null && !isNoise('env', c.key, ignores) && isLocaleEcho(diff.env, c) && !isNoise('env', twinOf(c.key), ignores))
    const tzEchoes = echoes.filter((c) => c.key === 'vars.TZ').length
    const localeEchoes = echoes.length - tzEchoes
    // (The same files under another commit: a's uncommitted changes committed, say.)
    const sameFiles = diff.code.filter((c) => c.noise && isSameFilesNoise(c)).length
    // (A commit that changed only the store, where --ignore did not hide it already.)
    const storeCommits = diff.code.filter((c) => c.noise && !isSameFilesNoise(c) && c.key === 'commit' && c.scope === undefined && !isNoise('code', c.key, ignores)).length
    // (Untracked files that are the runs' own outputs: git's state is read before a command runs.)
    const untrackedNoise = diff.code.filter((c) => c.noise && !isSameFilesNoise(c) && (c.scope === 'worktree' || c.key === 'dirty') && !isNoise('code', c.key, ignores))
    // (`dirty` goes with the bytecode where nothing else of the kind is hidden: it alone made it.)
    const caches = untrackedNoise.filter((c) => c.scope === 'worktree' && isBytecodeCache(c.key)).length
    const dirtyByCaches = caches > 0 && untrackedNoise.every((c) => c.key === 'dirty' || isBytecodeCache(c.key))
    const bytecode = caches + (dirtyByCaches ? untrackedNoise.filter((c) => c.key === 'dirty').length : 0)
    const ownOutputs = untrackedNoise.length - bytecode
    // (The branch, upstream or remote at the same commit, or one that changed only the store.)
    const codeNames = diff.code.filter((c) => c.noise && !isSameFilesNoise(c) && isCodeName(c) && !isNoise('code', c.key, ignores)).length
    const ignored = hidden - sessionVars - jobVars - provVars - keyIds - recorders - unlisted - unlistedVersion - localeEchoes - tzEchoes - storeCommits - ownOutputs - bytecode - sameFiles - codeNames
    // One kind is named alone; several, each with its count.
    const all: Array<[number, string, string]> = [
      [sessionVars, 'shell-session variables', `${sessionVars} shell-session variable${sessionVars === 1 ? '' : 's'}`],
      [jobVars, "CI and batch jobs' ids", `${jobVars} CI and batch job id${jobVars === 1 ? '' : 's'}`],
      [provVars, "prov's own variables", `${provVars} of prov's own variables`],
      [keyIds, "the store key's id (key_id)", "the store key's id (key_id)"],
      [recorders, "prov's own version (runtime.prov)", "prov's own version"],
      [unlisted, 'packages that one run did not list', `${unlisted} package${unlisted === 1 ? '' : 's'} that one run did not list`],
      [unlistedVersion, 'the Python version that one run did not list (runtime.python)', 'the Python version that one run did not list'],
      [localeEchoes, 'locale variables, shown under locale', `${localeEchoes} locale variable${localeEchoes === 1 ? '' : 's'} shown under locale`],
      [tzEchoes, 'the TZ variable, shown under timezone', 'the TZ variable shown under timezone'],
      [storeCommits, 'commits that change only the store', 'commits that change only the store'],
      [codeNames, "the same code's branch, upstream or remote", `${codeNames} of the same code's branch, upstream and remote`],
      [sameFiles, "the same files under another commit (a's uncommitted changes committed)", `${sameFiles} of the same files under another commit`],
      [ownOutputs, "the runs' own inputs and outputs among the untracked files", `${ownOutputs} of the runs' own inputs and outputs among the untracked files`],
      [bytecode, "Python's bytecode caches (__pycache__) among the untracked files", `${bytecode} of Python's bytecode caches (__pycache__)`],
      [ignored, 'matched by --ignore', `${ignored} matched by --ignore`],
    ]
    const kinds = all.filter(([n]) => n > 0)
    const hiddenKinds = kinds.length === 1 ? kinds[0]![1] : kinds.map((k) => k[2]).join(', ')
    const folded: FoldedDir[] = []
    const scrubber = streamScrubber(store, [a.record, b.record])
    if (args.stat) {
      for (const s of REPORT_ORDER) {
        const n = listed(diff, s, args.all === true).length
        const none = n === 0 && ((s === 'inputs' && !recorded.inputs) || (s === 'outputs' && !recorded.outputs))
        out.push(`  ${TITLES[s].padEnd(8)} ${n === 0 ? col.dim(none ? 'none recorded' : 'identical') : `${n} change${n === 1 ? '' : 's'}`}`)
      }
    } else {
      for (const s of REPORT_ORDER) {
        const changes = listed(diff, s, args.all === true)
        if (changes.length === 0) continue
        out.push('', col.bold(TITLES[s]))
        if (s === 'code') {
          const head = changes.filter((c) => c.scope === undefined)
          for (const c of head) out.push(show(s, c, [a.record.git?.patch, b.record.git?.patch]))
          out.push(...absent)
          // The commits b has that a has not, as git log --oneline lists them.
          const listCommits = (c: Commits & { lines: string[] }): void => {
            for (const l of c.lines) out.push(`    ${col.yellow(l.slice(0, l.indexOf(' ')))}${l.slice(l.indexOf(' '))}`)
            if (c.count > c.lines.length) out.push(`    … ${c.count - c.lines.length} more`)
          }
          if (commits && commits.ahead && commits.behind > 0) {
            out.push(`  a's commit is not in b's history (another branch, or a rebase, a reset or an amend since): ${commits.count} commit${commits.count === 1 ? '' : 's'} in b that a has not:`)
            listCommits(commits)
            out.push(`  and ${commits.behind} in a that b has not`)
          } else if (commits && commits.lines.length > 0) {
            out.push(`  ${commits.count} commit${commits.count === 1 ? '' : 's'} between them:`)
            listCommits(commits)
          } else if (commits && !commits.ahead && commits.count > 0) {
            out.push(`  b is ${commits.count} commit${commits.count === 1 ? '' : 's'} behind a`)
          }
          const between = changes.filter((c) => c.scope === 'commits')
          if (between.length > 0) {
            out.push('  files that differ between the commits:')
            for (const c of between) out.push('  ' + show(s, c))
          }
          for (const c of changes.filter((c) => c.scope === 'worktree')) out.push(show(s, c))
          if (changes.some((c) => c.key === 'patch')) {
            const pd = await patchDiff(shownPatch(a, patchA), shownPatch(b, patchB))
            if (pd !== null) out.push(`  ${pd.title}`, colorPatch(pd.text.replace(/\n$/, ''), col))
          }
          continue
        }
        if ((s === 'inputs' || s === 'outputs') && !args['no-fold']) {
          for (const i of foldFileChanges(changes)) {
            if (isFolded(i)) { folded.push(i); out.push(renderFolded(i, col)) } else out.push(show(s, i), ...(s === 'outputs' ? streamDiff(a, b, i, col, scrubber) : []))
          }
          continue
        }
        // (--no-fold lists every file; a changed stream is still followed by its text.)
        for (const c of changes) out.push(show(s, c), ...(s === 'outputs' ? streamDiff(a, b, c, col, scrubber) : []))
      }
    }
    const notes: string[] = []
    if (folded.length > 0) {
      const files = folded.reduce((n, f) => n + f.changes.length, 0)
      notes.push(`(${formatCount(files)} files in ${folded.length === 1 ? `${showName(folded[0]!.dir)}` : `${folded.length} directories`} shown as one line${folded.length === 1 ? '' : ' each'}; --no-fold lists them)`)
    }
    if (hidden > 0 && !args.all) notes.push(`(${hidden} noise change${hidden === 1 ? '' : 's'} hidden: ${hiddenKinds}; --all shows them)`)
    if (notes.length > 0) out.push('', ...notes.map((n) => col.dim(n)))
    await emitText(out.join('\n') + '\n')
  },
})

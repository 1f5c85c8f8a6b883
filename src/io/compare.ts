// diff-runs' work: the pure comparison, plus what only the repository knows (the files that
// differ between the two runs' commits, when both exist locally).
import { existsSync } from 'node:fs'
import path from 'node:path'
import { compareRuns, isCodeName, isContentChange, showCodeNamesBesideCode, isNoise, isUntracked, recomputeIdentical, SECTION_ORDER, type Change, type RunDiff } from '../core/diff.js'
import { compareUtf8 } from '../core/paths.js'
import { globToRegExp, REDACTED_RE } from '../core/redact.js'
import { loadRedactor } from './secrets.js'
import { commitExists, diffCommits, sameTrees } from './git.js'
import { nodeCrypto } from '../core/crypto.js'
import { readRunFileText, type LoadedRun } from './runs.js'
import { findWorkTree, type Store } from './store.js'
import type { RunRecord } from '../core/record.js'

const OPS: Record<string, Change['op']> = { A: 'added', D: 'removed' }

/**
 * The changes made noise because both runs had the same files: a's commit with its uncommitted
 * changes gives b's commit with its own (a change a run used, then committed), so that neither
 * the commit, the patch, `dirty`, the tracked files' states nor the files between the commits is
 * a change of the code that ran. (The diff document marks them `noise`; the report says why.)
 */
const sameFiles = new WeakSet<Change>()
export const isSameFilesNoise = (c: Change): boolean => sameFiles.has(c)

/**
 * A run's patch of uncommitted changes, as stored beside its run.json ('' for none); its text is
 * null when it cannot be had, `problem` saying why: gone (or a run read from stdin, which has no
 * files beside it), or altered (not what git.patch.sha256 says).
 */
export function storedPatch(run: LoadedRun): { text: string | null; problem?: 'missing' | 'altered' } {
  const patch = run.record.git?.patch
  if (patch === undefined || patch === null || patch.size === 0) return { text: '' }
  const text = readRunFileText(run, 'patch.diff')
  if (text === null) return { text: null, problem: 'missing' }
  if (nodeCrypto().createHash('sha256').update(text, 'utf8').digest('hex') !== patch.sha256) return { text: null, problem: 'altered' }
  return { text }
}

export async function diffRecords(store: Store, a: RunRecord, b: RunRecord, opts: { ignore?: readonly string[]; patches?: readonly [string | null, string | null] } = {}): Promise<RunDiff> {
  const d = compareRuns(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>, opts)
  const ignore = (opts.ignore ?? []).map(globToRegExp)
  const ca = a.git?.commit
  const cb = b.git?.commit
  const top = findWorkTree(store.root)
  if (top !== null && typeof ca === 'string' && typeof cb === 'string' && ca !== cb) {
    const [ea, eb] = await Promise.all([commitExists(top, ca), commitExists(top, cb)])
    if (ea && eb) {
      const listed = await diffCommits(top, ca, cb, store)
      const files = listed ?? []
      // Commits that change nothing but the store (runs committed to share them) leave the code as
      // it was: the commit's change is noise, shown with --all, as the store never counts as a change.
      if (listed !== null && listed.length === 0) {
        for (const c of d.code) if ((c.key === 'commit' && c.scope === undefined) || isCodeName(c)) c.noise = true
      }
      const entries: Change[] = files.map((f) => {
        const op = OPS[f.status[0]!] ?? 'changed'
        const c: Change = { op, key: f.path, scope: 'commits' }
        if (op !== 'added') c.from = ca
        if (op !== 'removed') c.to = cb
        if (isNoise('code', c.key, ignore)) c.noise = true // --ignore holds for them as for the rest
        return c
      })
      entries.sort((x, y) => compareUtf8(x.key, y.key))
      d.code.push(...entries)
      if (listed !== null && listed.length > 0) await markSameFiles(store, top, a, b, ca, cb, opts.patches, d)
    }
  }
  sameUnderKey(store, d)
  // (The branch, upstream or remote of the same code, but where the code changed beside them.)
  showCodeNamesBesideCode(d, ignore)
  return recomputeIdentical(d)
}

/**
 * When the code of the two runs differs only as commit and uncommitted changes (not in their
 * untracked files) and a's commit with a's patch makes the same tree as b's commit with b's, the
 * code changes are noise (isSameFilesNoise). Not tried where a patch is unknown or left files out.
 */
async function markSameFiles(store: Store, top: string, a: RunRecord, b: RunRecord, ca: string, cb: string, patches: readonly [string | null, string | null] | undefined, d: RunDiff): Promise<void> {
  if (patches === undefined || patches[0] === null || patches[1] === null || (patches[0] === '' && patches[1] === '')) return
  if ((a.git?.patch?.omitted ?? []).length > 0 || (b.git?.patch?.omitted ?? []).length > 0) return
  // The untracked files, which no tree holds, must be alike: no change of theirs but noise (the
  // runs' own outputs) among the changes, neither of status nor of content.
  const code = d.code.filter((c) => !c.noise)
  const of = (c: Change): boolean => c.scope === 'commits' ||
    (c.scope === 'worktree' && !isContentChange(c) && !isUntracked(c.from) && !isUntracked(c.to)) ||
    (c.scope === undefined && ['commit', 'patch', 'dirty'].includes(c.key)) || isCodeName(c)
  if (code.length === 0 || !code.every(of)) return
  if (!(await sameTrees(top, [ca, patches[0]], [cb, patches[1]], store))) return
  for (const c of code) { c.noise = true; sameFiles.add(c) }
}

/**
 * A value one run holds in clear and the other as its fingerprint under this store's key is one
 * value, not a change: a name the secret policy has since let through (`AUTH_MODE`, a boolean
 * parameter, `-p use_auth=true`), between a run recorded before and one after. Only where the
 * store has a key already (a diff makes none), and for plain values (a string, number, boolean).
 */
function sameUnderKey(store: Store, d: RunDiff): void {
  const plain = (v: unknown): boolean => v !== null && ['string', 'number', 'boolean'].includes(typeof v) && !(typeof v === 'string' && REDACTED_RE.test(v))
  const pair = (c: Change): [string, unknown] | null => c.op !== 'changed' ? null
    : typeof c.from === 'string' && REDACTED_RE.test(c.from) && plain(c.to) ? [c.from, c.to]
      : typeof c.to === 'string' && REDACTED_RE.test(c.to) && plain(c.from) ? [c.to, c.from] : null
  if (!SECTION_ORDER.some((s) => d[s].some((c) => pair(c) !== null)) || !existsSync(path.join(store.dir, 'secret.key'))) return
  let redactor
  try { redactor = loadRedactor(store) } catch { return } // a config it cannot read: the changes stand
  for (const s of SECTION_ORDER) {
    d[s] = d[s].filter((c) => {
      const p = pair(c)
      return p === null || redactor.fingerprint(typeof p[1] === 'string' ? p[1] : JSON.stringify(p[1])) !== p[0]
    })
  }
}

// diff-runs' work: the pure comparison, plus what only the repository knows (the files that
// differ between the two runs' commits, when both exist locally).
import { existsSync } from 'node:fs'
import path from 'node:path'
import { compareRuns, isNoise, recomputeIdentical, SECTION_ORDER, type Change, type RunDiff } from '../core/diff.js'
import { compareUtf8 } from '../core/paths.js'
import { globToRegExp, REDACTED_RE } from '../core/redact.js'
import { loadRedactor } from './secrets.js'
import { commitExists, diffCommits } from './git.js'
import { findWorkTree, type Store } from './store.js'
import type { RunRecord } from '../core/record.js'

const OPS: Record<string, Change['op']> = { A: 'added', D: 'removed' }

export async function diffRecords(store: Store, a: RunRecord, b: RunRecord, opts: { ignore?: readonly string[] } = {}): Promise<RunDiff> {
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
        for (const c of d.code) if (c.key === 'commit' && c.scope === undefined) c.noise = true
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
    }
  }
  sameUnderKey(store, d)
  return recomputeIdentical(d)
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

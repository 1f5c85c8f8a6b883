// diff-runs' work: the pure comparison, plus what only the repository knows (the files that
// differ between the two runs' commits, when both exist locally).
import { compareRuns, isNoise, recomputeIdentical, type Change, type RunDiff } from '../core/diff.js'
import { compareUtf8 } from '../core/paths.js'
import { globToRegExp } from '../core/redact.js'
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
  return recomputeIdentical(d)
}

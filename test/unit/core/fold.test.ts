// foldFileChanges and describeFolded: which directories of a file section prov diff's report folds, and what their line says.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeFolded, foldFileChanges, formatCount, isFolded } from '../../../src/core/fold.js'
import type { Change } from '../../../src/core/diff.js'

const changed = (key: string): Change => ({ op: 'changed', key, from: { size: 1, sha256: 'a' }, to: { size: 1, sha256: 'b' } })
const added = (key: string): Change => ({ op: 'added', key, to: { size: 1, sha256: 'b' } })
const files = (dir: string, n: number, make = changed): Change[] => Array.from({ length: n }, (_, i) => make(`${dir}f${String(i).padStart(4, '0')}`))

/** The report's items, each as its path, a folded directory as `dir/ (n)`. */
function shape(changes: Change[], limit?: number): string[] {
  return foldFileChanges(changes, limit).map((i) => (isFolded(i) ? `${i.dir} (${i.changes.length})` : i.key))
}

test('foldFileChanges: a directory with more than the limit folds where its first change was; deepest first, a folded one counting as one above', () => {
  const table: Array<[string, Change[], string[]]> = [
    ['20 under one directory: not folded', files('ckpt/', 20), files('ckpt/', 20).map((c) => c.key)],
    ['21: one line', files('ckpt/', 21), ['ckpt/ (21)']],
    ['the files beside a folded directory stay, in order', [changed('a.txt'), ...files('ckpt/', 5000), changed('out/metrics.json'), changed('z')],
      ['a.txt', 'ckpt/ (5000)', 'out/metrics.json', 'z']],
    ['files at the top never fold', files('', 30), files('', 30).map((c) => c.key)],
    ['the deepest folds; its parent, with 5 beside it, does not', [...files('exp/', 5), ...files('exp/run1/', 30)],
      [...files('exp/', 5).map((c) => c.key), 'exp/run1/ (30)']],
    ['each folded subdirectory counts as one: 25 of them fold their parent too', Array.from({ length: 25 }, (_, i) => files(`ckpt/e${String(i).padStart(2, '0')}/`, 21)).flat(),
      ['ckpt/ (525)']],
    ['two directories side by side, each over', [...files('a/', 21), ...files('b/', 22)], ['a/ (21)', 'b/ (22)']],
    ['a parent over the limit by its subdirectories only as counted entries: 15 + 10 in a subdirectory', [...files('d/', 15), ...files('d/s/', 10)], ['d/ (25)']],
    ['an absolute path (a data set outside the project) folds by its directories', files('/data/set/', 21), ['/data/set/ (21)']],
  ]
  for (const [what, input, expected] of table) assert.deepEqual(shape(input), expected, what)
  // The limit can be given; the changes of a folded directory are all kept, in order.
  assert.deepEqual(shape(files('x/', 3), 2), ['x/ (3)'])
  const [f] = foldFileChanges(files('x/', 3), 2)
  assert.ok(f !== undefined && isFolded(f))
  assert.deepEqual(f.changes, files('x/', 3))
})

test('describeFolded: the count, and each kind when there are several', () => {
  const table: Array<[Change[], string]> = [
    [files('c/', 5000), '5,000 files changed'],
    [[...files('c/', 4998), added('c/new1'), added('c/new2')], '5,000 files changed (4,998 changed, 2 added)'],
    [files('c/', 21, added), '21 files added'],
    [[...files('c/', 20, added), { op: 'removed', key: 'c/old', from: {} }], '21 files changed (20 added, 1 removed)'],
    // The same content, one run's command writing it and the other's leaving it from before: no change of content.
    [files('c/', 30, (key) => ({ op: 'changed', key, from: { size: 1, sha256: 'a' }, to: { size: 1, sha256: 'a', stale: true } })), '30 files left from before'],
    [[...files('c/', 2, (key) => ({ op: 'changed', key, from: { size: 1, sha256: 'a', stale: true }, to: { size: 1, sha256: 'a' } })), ...files('d/', 3)], '5 files changed (3 changed, 2 written again)'],
  ]
  for (const [changes, expected] of table) assert.equal(describeFolded({ dir: 'c/', changes }), expected)
  assert.deepEqual([0, 999, 1000, 1234567].map(formatCount), ['0', '999', '1,000', '1,234,567'])
})

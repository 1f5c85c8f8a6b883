// foldFileChanges and describeFolded: which directories of a file section prov diff's report folds, and what their line says.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeFolded, foldFileChanges, formatCount, isFolded, isMoved, movedFromDir, pairMoves } from '../../../src/core/fold.js'
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

test('pairMoves: a removed file and an added one of the same content are one move; its own name first, each once; the rest as they were', () => {
  const f = (size: number, sha256: string, more: object = {}): object => ({ size, sha256, ...more })
  const rm = (key: string, v: object, noise = false): Change => ({ op: 'removed', key, from: v, ...(noise ? { noise: true } : {}) })
  const add = (key: string, v: object, noise = false): Change => ({ op: 'added', key, to: v, ...(noise ? { noise: true } : {}) })
  /** Each item as `old → new` for a move, else `op key`. */
  const said = (cs: Change[]): string[] => pairMoves(cs).map((c) => (isMoved(c) ? `${c.moved} → ${c.key}` : `${c.op} ${c.key}`))
  const table: Array<[string, Change[], string[]]> = [
    ['a renamed directory', [add('v2/a', f(3, 'aa')), add('v2/b', f(4, 'bb')), rm('v1/a', f(3, 'aa')), rm('v1/b', f(4, 'bb'))], ['v1/a → v2/a', 'v1/b → v2/b']],
    ['the same hash, another size: no move', [add('y', f(3, 'aa')), rm('x', f(4, 'aa'))], ['added y', 'removed x']],
    ['another hash: no move', [add('y', f(3, 'aa')), rm('x', f(3, 'ab'))], ['added y', 'removed x']],
    ['two copies of one content: each pairs with its own name', [add('n/a.csv', f(3, 'aa')), add('n/b.csv', f(3, 'aa')), rm('o/b.csv', f(3, 'aa')), rm('o/a.csv', f(3, 'aa'))], ['o/a.csv → n/a.csv', 'o/b.csv → n/b.csv']],
    ['another name when none has its own', [add('new.bin', f(9, 'cc')), rm('old.bin', f(9, 'cc'))], ['old.bin → new.bin']],
    ['one removed, two added: one move, one added', [add('p', f(3, 'aa')), add('q', f(3, 'aa')), rm('o', f(3, 'aa'))], ['o → p', 'added q']],
    ['empty files do not move (any two are alike)', [add('b/__init__.py', f(0, 'e3')), rm('a/__init__.py', f(0, 'e3'))], ['added b/__init__.py', 'removed a/__init__.py']],
    ['a missing file does not move', [add('y', { missing: true }), rm('x', { missing: true })], ['added y', 'removed x']],
    ['a captured stream does not move', [add('<stdout>', f(3, 'aa', { stream: 'stdout' })), rm('x', f(3, 'aa'))], ['added <stdout>', 'removed x']],
    ['noise pairs with noise only', [add('y', f(3, 'aa'), true), rm('x', f(3, 'aa'))], ['added y', 'removed x']],
    ['changed files stay', [{ op: 'changed', key: 'c', from: f(1, 'a'), to: f(1, 'b') }, add('y', f(3, 'aa')), rm('x', f(3, 'aa'))], ['changed c', 'x → y']],
  ]
  for (const [what, changes, expected] of table) assert.deepEqual(said(changes), expected, what)
  // The move holds both entries, and noise where both were.
  const [m] = pairMoves([add('y', f(3, 'aa', { stale: true }), true), rm('x', f(3, 'aa'), true)])
  assert.deepEqual(m, { op: 'changed', key: 'y', from: f(3, 'aa'), to: f(3, 'aa', { stale: true }), moved: 'x', noise: true })
})

test('movedFromDir: the one directory a folded directory moved from whole, keeping names below it; else null', () => {
  const mv = (from: string, to: string): Change => ({ op: 'changed', key: to, from: { size: 1, sha256: 'a' }, to: { size: 1, sha256: 'a' }, moved: from } as Change)
  const table: Array<[string, string, Change[], string | null]> = [
    ['v1/ → v2/', 'data/v2/', [mv('data/v1/a', 'data/v2/a'), mv('data/v1/s/b', 'data/v2/s/b')], 'data/v1/'],
    ['from the top into a directory', 'x/', [mv('a', 'x/a'), mv('b', 'x/b')], null],
    ['from two directories', 'n/', [mv('p/a', 'n/a'), mv('q/b', 'n/b')], null],
    ['a file renamed too', 'n/', [mv('p/a', 'n/a'), mv('p/b', 'n/c')], null],
    ['not all moved', 'n/', [mv('p/a', 'n/a'), { op: 'added', key: 'n/b', to: { size: 1, sha256: 'b' } }], null],
    ['a name that ends alike is not the same name', 'n/', [mv('p/xa', 'n/a')], null],
  ]
  for (const [what, dir, changes, expected] of table) assert.equal(movedFromDir({ dir, changes }), expected, what)
})

test('pairMoves is linear in the files of one content: 300,000 renamed files of the same bytes pair in well under the seconds a quadratic queue took', () => {
  const f = { size: 5, sha256: 'a'.repeat(64) }
  const n = 300_000
  const changes: Change[] = []
  for (let i = 0; i < n; i++) changes.push({ op: 'removed', key: `a/r${String(i).padStart(7, '0')}`, from: f })
  for (let i = 0; i < n; i++) changes.push({ op: 'added', key: `b/s${String(i).padStart(7, '0')}`, to: f })
  const t = Date.now()
  const out = pairMoves(changes)
  const ms = Date.now() - t
  assert.equal(out.length, n)
  assert.ok(out.every(isMoved))
  assert.equal((out[0] as { moved: string }).moved, 'a/r0000000', 'in path order')
  assert.ok(ms < 8000, `${ms} ms (quadratic: about 30 s)`)
})

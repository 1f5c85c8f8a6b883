// isAtOrUnder and runTouches: which runs prov log -- <path> lists.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isAtOrUnder, runTouches } from '../../../src/core/run-paths.js'

test('isAtOrUnder: the path itself or below it, by whole names; . holds the project, / what is outside it', () => {
  const table: Array<[string, string, boolean]> = [
    ['data/x.csv', 'data/x.csv', true],
    ['data/x.csv', 'data', true],
    ['data/sub/x.csv', 'data', true],
    ['data2/x.csv', 'data', false],
    ['data', 'data/x.csv', false],
    ['datax', 'data', false],
    ['x.csv', '.', true],
    ['/ext/x.csv', '.', false],
    ['/ext/x.csv', '/', true],
    ['x.csv', '/', false],
    ['/ext/x.csv', '/ext', true],
    ['/external/x.csv', '/ext', false],
  ]
  for (const [p, q, expected] of table) assert.equal(isAtOrUnder(p, q), expected, `${p} under ${q}`)
})

test('runTouches: inputs, outputs and the directories a run was given; not a captured stream, an output it did not make (missing) or left as it was (stale), nor what is not a run', () => {
  const run = {
    inputs: [{ path: 'data/train.csv', size: 1, sha256: 'a' }, { path: '/ext/set.bin', size: 1, sha256: 'b' }, { path: 'data/gone.csv', missing: true }],
    outputs: [{ path: 'out/model.bin', missing: true }, { path: 'out/old.bin', size: 1, sha256: 'd', stale: true }, { path: 'out/log.txt', size: 1, sha256: 'e' }, { path: '<stdout>', size: 1, sha256: 'c', stream: 'stdout' }],
    command: { input_dirs: ['data/empty'], output_dirs: ['out'] },
  }
  const table: Array<[string[], boolean]> = [
    [['data/train.csv'], true],
    [['data'], true],
    [['out/model.bin'], false],
    [['data/gone.csv'], false],
    [['out/old.bin'], false],
    [['out/log.txt'], true],
    [['out'], true],
    [['data/empty'], true],
    [['data/empty/x'], false],
    [['/ext'], true],
    [['<stdout>'], false],
    [['nothing', 'data/train.csv'], true],
    [['nothing'], false],
    [[], false],
  ]
  for (const [paths, expected] of table) assert.equal(runTouches(run, paths), expected, paths.join(' '))
  for (const bad of [null, 7, 'run', [], { inputs: 'x', outputs: [null, 3, { path: 5 }], command: { input_dirs: 'data' } }]) {
    assert.equal(runTouches(bad, ['.']), false, JSON.stringify(bad))
  }
})

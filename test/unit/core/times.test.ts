// olderThan: a file time against a marker's, at the precision the file time was stored with.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { olderThan, timePrecision } from '../../../src/core/times.js'

const S = 1_000_000_000n
const MARKER = 1_700_000_001n * S + 123_456_789n // an odd second, and a fraction

test('timePrecision: by the trailing zeros, whole seconds taken as FAT\'s 2 s', () => {
  const table: Array<[bigint, bigint]> = [
    [MARKER, 1n],
    [1_700_000_001n * S + 123_456_700n, 100n],
    [1_700_000_001n * S + 123_000_000n, 1_000_000n],
    [1_700_000_001n * S, 2n * S],
    [1_700_000_000n * S, 2n * S],
    [0n, 2n * S],
  ]
  for (const [t, p] of table) assert.equal(timePrecision(t), p, String(t))
})

test('olderThan: strictly older than the marker, rounded down to the file time\'s precision', () => {
  const table: Array<[string, bigint, boolean]> = [
    ['1 ns before', MARKER - 1n, true],
    ['the same time', MARKER, false],
    ['1 ns after', MARKER + 1n, false],
    ['a second before, ns precision', MARKER - S, true],
    // Written just after the marker on a file system that keeps whole seconds: cut to the second.
    ['the marker\'s second, whole', 1_700_000_001n * S, false],
    ['the even second below it (FAT\'s 2 s)', 1_700_000_000n * S, false],
    ['two seconds before that', 1_699_999_998n * S, true],
    ['100 ns precision, the marker\'s 100 ns', 1_700_000_001n * S + 123_456_700n, false],
    ['100 ns precision, 100 ns before that', 1_700_000_001n * S + 123_456_600n, true],
  ]
  for (const [what, t, expected] of table) assert.equal(olderThan(t, MARKER), expected, what)
})

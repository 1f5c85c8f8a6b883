// Run references: parsing (`@`, `@~N`, hex prefixes, paths) and resolving against a store.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseRef, RefError, resolveStoreRef, type RunRef } from '../../../src/core/refs.js'

const hex = (c: string, n = 64): string => c.repeat(n)

test('parseRef: latest, back, prefixes and paths', () => {
  const table: Array<[string, RunRef]> = [
    ['@', { kind: 'latest', back: 0 }],
    ['@~', { kind: 'latest', back: 1 }],
    ['@~0', { kind: 'latest', back: 0 }],
    ['@~1', { kind: 'latest', back: 1 }],
    ['@~3', { kind: 'latest', back: 3 }],
    ['@~10', { kind: 'latest', back: 10 }],
    ['@~007', { kind: 'latest', back: 7 }],
    // As far back as no store reaches (beyond 2^53): resolving it says how many runs there are.
    ['@~99999999999999999999', { kind: 'latest', back: Number.MAX_SAFE_INTEGER }],
    ['abcd', { kind: 'prefix', prefix: 'abcd' }],
    ['0123456789', { kind: 'prefix', prefix: '0123456789' }],
    [hex('f', 63), { kind: 'prefix', prefix: hex('f', 63) }],
    [hex('a'), { kind: 'prefix', prefix: hex('a') }],
    ['./run.json', { kind: 'path', path: './run.json' }],
    ['run.json', { kind: 'path', path: 'run.json' }],
    ['x.json', { kind: 'path', path: 'x.json' }],
    ['abcd.json', { kind: 'path', path: 'abcd.json' }], // hex-looking, but a file name
    ['a/b', { kind: 'path', path: 'a/b' }],
    ['/abs/run.json', { kind: 'path', path: '/abs/run.json' }],
    ['-', { kind: 'path', path: '-' }],
    ['../../etc/passwd', { kind: 'path', path: '../../etc/passwd' }], // the store validates paths later
    ['.prov/runs/abcd/run.json', { kind: 'path', path: '.prov/runs/abcd/run.json' }],
  ]
  for (const [ref, expected] of table) assert.deepEqual(parseRef(ref), expected, ref)
})

test('parseRef: errors', () => {
  const table: Array<[string, RegExp]> = [
    ['abc', /too short/],
    ['a', /too short/],
    ['ABC', /too short/],
    ['ABCD', /^invalid run reference 'ABCD': run ids are lowercase hex, as prov prints them: 'abcd'$/], // ids are lowercase
    ['AbCd1234', /^invalid run reference 'AbCd1234': run ids are lowercase hex, as prov prints them: 'abcd1234'$/],
    [hex('A'), /run ids are lowercase hex/],
    [hex('a', 65), /invalid run reference/],
    ['abcg', /invalid run reference/],
    ['HEAD', /invalid run reference 'HEAD'/],
    ['main', /invalid run reference/],
    ['', /invalid run reference/],
    ['@~-1', /invalid run reference/],
    ['@~x', /invalid run reference/],
    ['@1', /invalid run reference/],
    ['@@', /invalid run reference/],
    ['~1', /invalid run reference/],
    [' abcd', /invalid run reference/],
    ['abcd ', /invalid run reference/],
    ['..', /invalid run reference/],
  ]
  for (const [ref, message] of table) {
    assert.throws(() => parseRef(ref), (e: unknown) => e instanceof RefError && message.test(e.message), JSON.stringify(ref))
  }
})

// Newest first, as the store lists them. Two share the prefix 'abcd'.
const RUNS = [hex('e'), 'abcd' + hex('1', 60), 'abcd' + hex('2', 60), hex('0'), 'f00d' + hex('9', 60)]

function refError(fn: () => unknown): RefError {
  try {
    fn()
  } catch (e) {
    assert.ok(e instanceof RefError, String(e))
    return e
  }
  assert.fail('no RefError')
}

test('resolveStoreRef: latest and back', () => {
  assert.equal(resolveStoreRef({ kind: 'latest', back: 0 }, RUNS, '@'), RUNS[0])
  assert.equal(resolveStoreRef({ kind: 'latest', back: 1 }, RUNS, '@~'), RUNS[1])
  assert.equal(resolveStoreRef({ kind: 'latest', back: 4 }, RUNS, '@~4'), RUNS[4])
  const beyond = refError(() => resolveStoreRef({ kind: 'latest', back: 5 }, RUNS, '@~5'))
  assert.match(beyond.message, /'@~5' goes back further than the 5 recorded runs/)
  const far = refError(() => resolveStoreRef(parseRef('@~99999999999999999999') as { kind: 'latest'; back: number }, RUNS, '@~99999999999999999999'))
  assert.match(far.message, /'@~99999999999999999999' goes back further than the 5 recorded runs/)
  const one = refError(() => resolveStoreRef({ kind: 'latest', back: 1 }, [hex('e')], '@~1'))
  assert.match(one.message, /the 1 recorded run$/)
  const none = refError(() => resolveStoreRef({ kind: 'latest', back: 0 }, [], '@'))
  assert.match(none.message, /no runs recorded yet/)
})

test('resolveStoreRef: unique prefix, full id, ambiguous, unknown', () => {
  assert.equal(resolveStoreRef({ kind: 'prefix', prefix: 'eeee' }, RUNS, 'eeee'), RUNS[0])
  assert.equal(resolveStoreRef({ kind: 'prefix', prefix: 'abcd1' }, RUNS, 'abcd1'), RUNS[1])
  assert.equal(resolveStoreRef({ kind: 'prefix', prefix: 'f00d' }, RUNS, 'f00d'), RUNS[4])
  assert.equal(resolveStoreRef({ kind: 'prefix', prefix: RUNS[2]! }, RUNS, RUNS[2]!), RUNS[2])

  const ambiguous = refError(() => resolveStoreRef({ kind: 'prefix', prefix: 'abcd' }, RUNS, 'abcd'))
  assert.match(ambiguous.message, /ambiguous run reference 'abcd': 2 runs match/)
  assert.deepEqual(ambiguous.candidates, [RUNS[1], RUNS[2]])

  const unknown = refError(() => resolveStoreRef({ kind: 'prefix', prefix: 'beef' }, RUNS, 'beef'))
  assert.match(unknown.message, /unknown run 'beef'/)
  assert.deepEqual(unknown.candidates, RUNS)

  // The candidate list is capped at ten.
  const many = Array.from({ length: 15 }, (_, i) => 'cafe' + i.toString(16).padStart(60, '0'))
  const capped = refError(() => resolveStoreRef({ kind: 'prefix', prefix: 'cafe' }, many, 'cafe'))
  assert.match(capped.message, /15 runs match/)
  assert.deepEqual(capped.candidates, many.slice(0, 10))
  assert.equal(refError(() => resolveStoreRef({ kind: 'prefix', prefix: 'beef' }, many, 'beef')).candidates.length, 10)
})

test('resolveStoreRef never returns a store entry that is not a run id', () => {
  // A stray directory name that matches the prefix must not be handed back as an id.
  assert.throws(() => resolveStoreRef({ kind: 'prefix', prefix: 'abcd' }, ['abcd.tmp'], 'abcd'), RefError)
  assert.throws(() => resolveStoreRef({ kind: 'prefix', prefix: 'abcd' }, ['abcd/../x'], 'abcd'), RefError)
})

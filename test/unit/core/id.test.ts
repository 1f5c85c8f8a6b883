// The run id: SHA-256 of the canonical JSON of the record without `id`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { computeRunId, recomputeRunId, RUN_ID_RE, shortId } from '../../../src/core/id.js'
import { canonicalize } from '../../../src/core/canonical.js'

const base = {
  schema_version: 1,
  created_at: '2024-01-02T03:04:05.000Z',
  command: { argv: ['make', 'all'], cwd: '.', exit_code: 0, signal: null },
  inputs: [{ path: 'a.txt', size: 2, sha256: 'a'.repeat(64) }],
  outputs: [],
  params: { model: { lr: 0.1, layers: [1, 2] } },
  git: null,
  env: { os: { platform: 'linux', release: '6', arch: 'x64' }, runtime: { node: 'v20.0.0' }, vars: { LANG: 'C' } },
}

test('the id is 64 lowercase hex and equals SHA-256 of the canonical text', () => {
  const id = computeRunId({ b: 1, a: 'é' })
  assert.match(id, /^[0-9a-f]{64}$/)
  assert.match(id, RUN_ID_RE)
  assert.equal(id, createHash('sha256').update('{"a":"é","b":1}', 'utf8').digest('hex'))
  assert.equal(computeRunId({}), createHash('sha256').update('{}').digest('hex'))
})

test('the id ignores `id` and is stable under key reordering', () => {
  const id = computeRunId(base)
  assert.equal(computeRunId({ ...base, id: 'x' }), id)
  assert.equal(computeRunId({ ...base, id: id }), id)
  const reordered = {
    env: { vars: { LANG: 'C' }, runtime: { node: 'v20.0.0' }, os: { arch: 'x64', release: '6', platform: 'linux' } },
    git: null,
    params: { model: { layers: [1, 2], lr: 0.1 } },
    outputs: [],
    inputs: [{ sha256: 'a'.repeat(64), size: 2, path: 'a.txt' }],
    command: { signal: null, exit_code: 0, cwd: '.', argv: ['make', 'all'] },
    created_at: '2024-01-02T03:04:05.000Z',
    schema_version: 1,
  }
  assert.equal(computeRunId(reordered), id)
})

test('any change of content changes the id', () => {
  const id = computeRunId(base)
  const variants: Array<[string, Record<string, unknown>]> = [
    ['schema_version', { ...base, schema_version: 2 }],
    ['created_at', { ...base, created_at: '2024-01-02T03:04:06.000Z' }],
    ['argv order', { ...base, command: { ...base.command, argv: ['all', 'make'] } }],
    ['exit code', { ...base, command: { ...base.command, exit_code: 1 } }],
    ['input hash', { ...base, inputs: [{ path: 'a.txt', size: 2, sha256: 'b'.repeat(64) }] }],
    ['param value', { ...base, params: { model: { lr: 0.10000000000000002, layers: [1, 2] } } }],
    ['param type', { ...base, params: { model: { lr: '0.1', layers: [1, 2] } } }],
    ['array order', { ...base, params: { model: { lr: 0.1, layers: [2, 1] } } }],
    ['null vs absent', { ...base, message: null }],
    ['git', { ...base, git: { commit: null, branch: 'main', dirty: false, changes: [] } }],
    ['env var', { ...base, env: { ...base.env, vars: { LANG: 'C.UTF-8' } } }],
    ['key renamed', { ...base, params: { Model: { lr: 0.1, layers: [1, 2] } } }],
  ]
  const seen = new Set([id])
  for (const [what, v] of variants) {
    const other = computeRunId(v)
    assert.notEqual(other, id, what)
    assert.ok(!seen.has(other), `${what} collides with another variant`)
    seen.add(other)
  }
})

test('RUN_ID_RE and shortId', () => {
  const id = computeRunId(base)
  assert.equal(shortId(id), id.slice(0, 12))
  assert.equal(shortId(id).length, 12)
  for (const bad of ['A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64), '', ` ${'a'.repeat(64)}`]) {
    assert.doesNotMatch(bad, RUN_ID_RE, JSON.stringify(bad))
  }
})

test('a big record (hashed in pieces) has the id of its whole canonical text', () => {
  // Over 64 K characters of canonical text, non-ASCII paths, a few shapes of entry, nesting.
  const inputs = Array.from({ length: 3000 }, (_, i) => (i % 500 === 7
    ? { path: `ü/😀/${String(i).padStart(5, '0')}`, missing: true }
    : { path: `ü/😀/${String(i).padStart(5, '0')}`, size: i, sha256: (i % 16).toString(16).repeat(64) }))
  const record = { ...base, id: 'x', inputs, params: { big: 'é'.repeat(70_000), list: inputs.slice(0, 5) } }
  const { id: _id, ...rest } = record
  assert.equal(computeRunId(record), createHash('sha256').update(canonicalize(rest), 'utf8').digest('hex'))
})

test('recomputeRunId: the id, or what has no canonical form', () => {
  const table: Array<[Record<string, unknown>, { id: string } | { unhashable: string }]> = [
    [{ id: 'x', params: { a: 1 } }, { id: computeRunId({ params: { a: 1 } }) }],
    [{ params: { lr: Infinity } }, { unhashable: 'a number JSON cannot hold at params.lr (it reads as Infinity)' }],
    [{ message: 'a\ud800' }, { unhashable: 'a lone surrogate (\\ud800) in the string at message' }],
  ]
  for (const [record, want] of table) assert.deepEqual(recomputeRunId(record), want, JSON.stringify(record))
})

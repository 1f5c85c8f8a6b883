// Table tests of withoutUnknownFields: what a run a newer prov wrote reads as here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { listPointers, withoutUnknownFields, type Shape } from '../../../src/core/known-fields.js'
import { RUN_SHAPE } from '../../../src/generated/run-shape.js'

const SHAPE: Shape = { keys: { a: 0, list: { items: { keys: { path: 0 } } }, open: 0, sub: { keys: { x: 0 } } } }

const cases: [string, unknown, unknown, string[]][] = [
  ['nothing unknown', { a: 1, list: [{ path: 'p' }], open: { anything: 1 } }, { a: 1, list: [{ path: 'p' }], open: { anything: 1 } }, []],
  ['a top-level field', { a: 1, b: 2 }, { a: 1 }, ['/b']],
  ['in a list entry', { list: [{ path: 'p' }, { path: 'q', mode: 1 }] }, { list: [{ path: 'p' }, { path: 'q' }] }, ['/list/1/mode']],
  ['nested object', { sub: { x: 1, y: { z: 1 } } }, { sub: { x: 1 } }, ['/sub/y']],
  ['an open object is not looked into', { open: { b: { c: 1 } } }, { open: { b: { c: 1 } } }, []],
  ['pointer escapes ~ and /', { 'a/b': 1, 'c~d': 2 }, {}, ['/a~1b', '/c~0d']],
  ['a wrong type is left for the schema to name', { list: { path: 'p' }, sub: [1], a: { q: 1 } }, { list: { path: 'p' }, sub: [1], a: { q: 1 } }, []],
  ['scalars and null', null, null, []],
  ['document order', { z: 1, a: 1, y: 2 }, { a: 1 }, ['/z', '/y']],
  ['__proto__ as a key', JSON.parse('{"__proto__": 1, "a": 2}'), { a: 2 }, ['/__proto__']],
]

for (const [name, data, known, unknown] of cases) {
  test(`withoutUnknownFields: ${name}`, () => {
    const before = structuredClone(data)
    const got = withoutUnknownFields(data, SHAPE)
    assert.deepEqual(got.known, known)
    assert.deepEqual(got.unknown.map((f) => f.at), unknown)
    assert.deepEqual(data, before, 'the data given is not changed')
    if (unknown.length === 0) assert.equal(got.known, data, 'nothing left out: the data itself')
  })
}

test('withoutUnknownFields: each field left out comes with its value', () => {
  assert.deepEqual(withoutUnknownFields({ sub: { x: 1, y: { z: [1] } }, b: null }, SHAPE).unknown, [{ at: '/sub/y', value: { z: [1] } }, { at: '/b', value: null }])
})

test('withoutUnknownFields: a part without unknown fields is the same object, not a copy', () => {
  const list = [{ path: 'p' }]
  const got = withoutUnknownFields({ list, b: 1 }, SHAPE).known as { list: unknown }
  assert.equal(got.list, list)
})

test('RUN_SHAPE: made from the schema: its closed objects, open env and params', () => {
  const shape = RUN_SHAPE as { keys: Record<string, any> }
  assert.deepEqual(Object.keys(shape.keys).sort(), ['command', 'created_at', 'env', 'git', 'id', 'inputs', 'message', 'outputs', 'params', 'schema_version'])
  assert.equal(shape.keys.env, 0)
  assert.equal(shape.keys.params, 0)
  assert.deepEqual(Object.keys(shape.keys.inputs.items.keys).sort(), ['missing', 'path', 'sha256', 'size', 'stream'])
  assert.ok('stale' in shape.keys.outputs.items.keys)
  assert.deepEqual(Object.keys(shape.keys.git.keys.patch.keys).sort(), ['omitted', 'sha256', 'size', 'text'])
})

test('withoutUnknownFields: a oneOf entry is read by the one branch whose required keys it has', () => {
  const items = (RUN_SHAPE as { keys: Record<string, any> }).keys.outputs
  const cases: [unknown, unknown, string[]][] = [
    [[{ path: 'a', missing: true, stale: true }], [{ path: 'a', missing: true }], ['/0/stale']],
    [[{ path: 'a', size: 1, sha256: 'x', stale: true, mode: 1 }], [{ path: 'a', size: 1, sha256: 'x', stale: true }], ['/0/mode']],
    // Both branches, or none: the union, and the schema decides.
    [[{ path: 'a', size: 1, sha256: 'x', missing: true, mode: 1 }], [{ path: 'a', size: 1, sha256: 'x', missing: true }], ['/0/mode']],
    [[{ path: 'a', stale: true, mode: 1 }], [{ path: 'a', stale: true }], ['/0/mode']],
  ]
  for (const [data, known, unknown] of cases) {
    const got = withoutUnknownFields(data, items)
    assert.deepEqual(got.known, known)
    assert.deepEqual(got.unknown.map((f) => f.at), unknown)
  }
})

test('listPointers: at most three, then how many more; control characters escaped', () => {
  assert.equal(listPointers(['/a']), '/a')
  assert.equal(listPointers(['/a', '/b', '/c', '/d', '/e']), '/a, /b, /c and 2 more')
  assert.equal(listPointers(['/a\x1b[31m']), '/a\\u001b[31m')
})

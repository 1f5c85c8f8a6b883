// RFC 8785 (JSON Canonicalization Scheme): tables of literal inputs and the exact canonical text.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { canonicalize, canonicalProblem, nestsDeeperThan, writeCanonical } from '../../../src/core/canonical.js'

/** A double from its IEEE 754 bit pattern, as RFC 8785 Appendix B lists them. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt('0x' + hex))
  return view.getFloat64(0)
}

test('object keys sort by UTF-16 code units (the RFC 8785 §3.2.3 example)', () => {
  const input = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  }
  const expected =
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
    '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
  assert.equal(canonicalize(input), expected)
})

test('key order: UTF-16 order differs from code point order for astral vs U+E000-U+FFFF', () => {
  // By code point U+FB33 < U+1F600, but by UTF-16 units 0xD83D < 0xFB33: RFC 8785 wants the latter.
  assert.equal(canonicalize({ '\ufb33': 1, '\ud83d\ude00': 2 }), '{"\ud83d\ude00":2,"\ufb33":1}')
  const table: Array<[Record<string, unknown>, string]> = [
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ B: 1, a: 2, _: 3 }, '{"B":1,"_":3,"a":2}'],
    [{ aa: 1, a: 2, '': 3 }, '{"":3,"a":2,"aa":1}'],
    [{ '10': 1, '9': 2, '1': 3 }, '{"1":3,"10":1,"9":2}'], // integer-like keys sort as strings too
    [{ 'é': 1, 'z': 2 }, '{"z":2,"é":1}'],
  ]
  for (const [input, expected] of table) assert.equal(canonicalize(input), expected, JSON.stringify(input))
})

test('numbers serialise as ECMAScript Number::toString (RFC 8785 Appendix B)', () => {
  const table: Array<[string, string]> = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // -0
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ]
  for (const [bits, expected] of table) assert.equal(canonicalize(fromBits(bits)), expected, bits)
})

test('numbers: literal table', () => {
  const table: Array<[number, string]> = [
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [1e-7, '1e-7'],
    [1e-6, '0.000001'],
    [-0, '0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0, '0'],
    [42, '42'],
    [-7, '-7'],
    [4.5, '4.5'],
    [2e-3, '0.002'],
    [1e30, '1e+30'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ]
  for (const [n, expected] of table) assert.equal(canonicalize(n), expected, String(n))
  assert.equal(canonicalize({ a: -0 }), '{"a":0}')
})

test('non-finite numbers throw, inside containers too', () => {
  for (const v of [NaN, Infinity, -Infinity, fromBits('7ff0000000000000'), fromBits('7fffffffffffffff')]) {
    assert.throws(() => canonicalize(v), TypeError, String(v))
    assert.throws(() => canonicalize({ a: [1, { b: v }] }), TypeError, String(v))
  }
})

test('a lone surrogate is refused (RFC 8785 §3.2.2.2), in a value or a key, on every path; a pair is kept', () => {
  const flat = (v: unknown): unknown[] => Array.from({ length: 20 }, (_, i) => ({ path: `f${i}`, size: i, sha256: i === 7 ? v : 'ab' }))
  for (const bad of ['\ud800', 'a\udbffb', '\udc00', 'x\udfff', '\udc00\ud800', '\ud83d\ud83d\ude00'.slice(0, 2)]) {
    const label = JSON.stringify(bad)
    for (const v of [bad, [1, bad], { a: { b: bad } }, { [bad]: 1 }, flat(bad), [{ path: 'a', [bad]: 1 }, ...flat('ok')]]) {
      assert.throws(() => canonicalize(v), { name: 'TypeError', message: /lone surrogate \(\\ud[89a-f][0-9a-f]{2}\)/ }, label)
      assert.throws(() => pieces(v), TypeError, label)
    }
  }
  assert.equal(canonicalize('\ud83d\ude00'), '"\ud83d\ude00"')
  assert.equal(canonicalize(flat('\ud83d\ude00')), JSON.stringify(flat('\ud83d\ude00'), ['path', 'sha256', 'size']))
})

test('canonicalProblem names what has no canonical form, and where', () => {
  const table: Array<[unknown, string | null]> = [
    [{ a: 1, b: ['x', { c: null }] }, null],
    ['\ud83d\ude00', null],
    [Infinity, 'a number JSON cannot hold (it reads as Infinity)'],
    [{ model: { layers: [1, -Infinity] } }, 'a number JSON cannot hold at model.layers[1] (it reads as -Infinity)'],
    [[NaN], 'a number JSON cannot hold at [0] (it reads as NaN)'],
    ['a\ud800', 'a lone surrogate (\\ud800) in the string'],
    [{ x: ['ok', 'b\udfffc'] }, 'a lone surrogate (\\udfff) in the string at x[1]'],
    [{ '\udc00': 1 }, 'a lone surrogate (\\udc00) in a key'],
    [{ p: { '\ud800k': 1 } }, 'a lone surrogate (\\ud800) in a key in p'],
    [{ a: Infinity, b: '\ud800' }, 'a number JSON cannot hold at a (it reads as Infinity)'], // the first one
  ]
  for (const [value, want] of table) assert.equal(canonicalProblem(value), want, JSON.stringify(value))
})

test('strings: minimal escaping', () => {
  const table: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['\u0000', '"\\u0000"'],
    ['\u0001\u001f', '"\\u0001\\u001f"'],
    ['\u000b', '"\\u000b"'], // vertical tab has no short escape; lowercase hex
    ['\u000F', '"\\u000f"'],
    ['\u007f', '"\u007f"'], // DEL is not a control character for JSON
    ['a/b', '"a/b"'], // "/" is never escaped
    ['"', '"\\""'],
    ['\\', '"\\\\"'],
    ['é€😀', '"é€😀"'], // non-ASCII kept as it is
    ['\u2028\u2029', '"\u2028\u2029"'],
    ['', '""'],
  ]
  for (const [s, expected] of table) assert.equal(canonicalize(s), expected, JSON.stringify(s))
})

test('the RFC 8785 §3.2.2 example document', () => {
  const text = '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n' +
    '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}'
  const expected = '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
  assert.equal(canonicalize(JSON.parse(text)), expected)
})

test('nested arrays and objects; no white space anywhere', () => {
  const table: Array<[unknown, string]> = [
    [[], '[]'],
    [{}, '{}'],
    [[[], [[]], {}], '[[],[[]],{}]'],
    [{ z: [3, 2, 1], a: { y: null, x: [true, false] } }, '{"a":{"x":[true,false],"y":null},"z":[3,2,1]}'],
    [[{ b: 1, a: 1 }, { d: { c: 'x' } }], '[{"a":1,"b":1},{"d":{"c":"x"}}]'],
    [null, 'null'],
    [true, 'true'],
    [false, 'false'],
  ]
  for (const [v, expected] of table) assert.equal(canonicalize(v), expected)
})

test('undefined members are dropped; other non-JSON values throw', () => {
  assert.equal(canonicalize({ a: undefined, b: 1 }), '{"b":1}')
  assert.equal(canonicalize({ a: undefined }), '{}')
  assert.equal(canonicalize({ n: { x: undefined, y: null } }), '{"n":{"y":null}}')
  assert.throws(() => canonicalize(undefined), TypeError)
  assert.throws(() => canonicalize(() => 1), TypeError)
  assert.throws(() => canonicalize({ f: () => 1 }), TypeError)
  assert.throws(() => canonicalize(10n), TypeError)
  assert.throws(() => canonicalize(Symbol('s')), TypeError)
})

/** The pieces writeCanonical writes, and their concatenation. */
function pieces(value: unknown): string[] {
  const out: string[] = []
  writeCanonical(value, (p) => { out.push(p) })
  return out
}

test('writeCanonical: its pieces join to exactly what canonicalize gives', () => {
  const entry = (path: string, more: Record<string, unknown> = {}): Record<string, unknown> => ({ path, size: path.length, sha256: 'a'.repeat(64), ...more })
  const table: unknown[] = [
    null, true, false, 0, -0, 1e21, 5e-324, 'plain', '\u0000"\\é😀', '',
    [], {}, [[], [[]], {}], { z: [3, 2, 1], a: { y: null, x: [true, false] } },
    { a: undefined, b: 1 }, { n: { x: undefined, y: null } }, [{ a: undefined }, { a: 1 }],
    { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\ud83d\ude00': 5, '\u0080': 6, 'ö': 7 },
    JSON.parse('{"__proto__": {"b": 1, "a": 2}, "constructor": 3, "toString": [4]}'),
    // file lists: one shape, shapes that change from entry to entry, key orders, nesting
    Array.from({ length: 40 }, (_, i) => entry(`d/f${i}`)),
    [entry('a'), { path: 'b', missing: true }, entry('c'), { sha256: 'b'.repeat(64), path: 'd', size: 0 }, entry('e', { stream: 'stdout' })],
    [entry('a'), entry('b', { size: undefined }), entry('c', { extra: { y: [1, { b: 2, a: 1 }], x: null } }), 7, 'x', null, [entry('z')]],
    [{ b: 1, a: 2 }, { a: 2, b: 1 }, { b: 1, a: 2, c: 3 }, { c: 3 }],
    { inputs: Array.from({ length: 20 }, (_, i) => entry(`é/${i}`)), params: { lr: 0.1, model: { layers: [{ size: 4 }] } }, git: null },
  ]
  for (const v of table) assert.equal(pieces(v).join(''), canonicalize(v), JSON.stringify(v))
})

test('writeCanonical: throws what canonicalize throws', () => {
  for (const v of [NaN, Infinity, undefined, () => 1, 10n, Symbol('s'), { a: [1, { b: Infinity }] }, [{ path: 'a', f: () => 1 }], [undefined]]) {
    assert.throws(() => canonicalize(v), TypeError, String(v))
    assert.throws(() => pieces(v), TypeError, String(v))
  }
})

test('writeCanonical: an object of scalars is one piece; no piece ends inside a surrogate pair', () => {
  const list = Array.from({ length: 3 }, (_, i) => ({ path: `😀/${i}`, size: i, sha256: 'c'.repeat(64) }))
  const ps = pieces({ inputs: list })
  assert.deepEqual(ps.filter((p) => p.includes('"path"')).length, 3)
  for (const p of ps) {
    const last = p.charCodeAt(p.length - 1)
    assert.ok(!(last >= 0xd800 && last <= 0xdbff), JSON.stringify(p))
  }
})

test('nestsDeeperThan: objects and arrays within each other counted without recursion; scalars are no level', () => {
  const nest = (n: number): unknown => { let v: unknown = 1; for (let i = 0; i < n; i++) v = i % 2 === 0 ? [v] : { k: v }; return v }
  const table: Array<[unknown, number, boolean]> = [
    [1, 0, false], [[], 0, true], [[], 1, false], [{ a: [1] }, 1, true], [{ a: [1] }, 2, false],
    [nest(256), 256, false], [nest(257), 256, true], [nest(100_000), 256, true], [[[], [[[]]]], 3, true], [[[], [[[]]]], 4, false],
  ]
  table.forEach(([v, limit, want], i) => assert.equal(nestsDeeperThan(v, limit), want, `row ${i}`))
})

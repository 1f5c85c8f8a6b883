// Params: `-p key=value` typing, dotted-key nesting, file merging, flattening for diff.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  buildParams, flattenValues, guessParams, jsonLookalikeProblem, mergeParams, ParamError, parseAssignment, plainYamlData, quotedNumberPaths,
  quoteInexactIntegers, setPath, survivesAsNumber, typeParamValue, type JsonValue, type ParamSource, type Params,
} from '../../../src/core/params.js'

test('typeParamValue: JSON where it parses (finite numbers only), else the raw string', () => {
  const table: Array<[string, JsonValue]> = [
    ['0.1', 0.1],
    ['1e3', 1000],
    ['-2', -2],
    ['0', 0],
    ['-0.5', -0.5],
    ['007', '007'], // not JSON (leading zero): kept as text, so zero-padded ids survive
    ['0x10', '0x10'],
    ['.5', '.5'],
    ['1.', '1.'],
    ['+1', '+1'],
    ['1e400', '1e400'], // parses to Infinity, which JSON cannot hold
    ['-1e400', '-1e400'],
    ['[1e400]', ['1e400']], // inside a container, that number alone becomes its text
    ['{"a":{"b":-1e400}}', { a: { b: '-1e400' } }],
    ['"\\ud800"', '"\\ud800"'], // a lone surrogate, which canonical JSON refuses
    ['{"\\udc00":1}', { '\\udc00': 1 }], // in a key too: the escape's text
    ['{"password":"x","t":"\\ud800"}', { password: 'x', t: '\\ud800' }], // the object stays one, its keys judged
    ['"\\ud83d\\ude00"', '\ud83d\ude00'], // a pair is one character
    ['true', true],
    ['false', false],
    ['null', null],
    ['True', 'True'],
    ['[1,2]', [1, 2]],
    ['{"a":1}', { a: 1 }],
    ['{"a":[true,null,"x"]}', { a: [true, null, 'x'] }],
    ['"quoted"', 'quoted'],
    ['"007"', '007'],
    ['""', ''],
    ['hello', 'hello'],
    ['hello world', 'hello world'],
    ['1.2.3', '1.2.3'],
    ['', ''],
    [' 5 ', 5], // white space around JSON is JSON's own
    ['  ', '  '],
    [' hello ', ' hello '], // a raw string is kept exactly, spaces included
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['-Infinity', '-Infinity'],
    ['-', '-'],
    ['--', '--'],
    ['[1,', '[1,'],
    ['{a:1}', '{a:1}'],
    ["'x'", "'x'"],
    ['2024-01-01', '2024-01-01'],
    ['1,2', '1,2'],
    // a number that a double does not give back unchanged is kept as the text given
    ['12345678901234567891', '12345678901234567891'],
    ['-12345678901234567891', '-12345678901234567891'],
    ['9007199254740993', '9007199254740993'], // 2^53 + 1
    ['9007199254740992', 9007199254740992], // 2^53 itself is a double
    ['100000000000000000000', 100000000000000000000], // so is 1e20
    ['1e-400', '1e-400'], // it would read as 0
    ['0.10000000000000000001', '0.10000000000000000001'],
    ['[1,12345678901234567891]', [1, '12345678901234567891']], // inside a container, that number alone
    ['{"seed":12345678901234567891}', { seed: '12345678901234567891' }],
    ['{"password":"hunter2","seed":1e-400}', { password: 'hunter2', seed: '1e-400' }], // an object stays one: its keys are judged
    ['["12345678901234567891"]', ['12345678901234567891']], // digits in a string are no number
    ['{"12345678901234567891":1}', { '12345678901234567891': 1 }],
    ['1.50', 1.5], // the same value, written otherwise
    ['1E3', 1000],
    ['-0', -0],
    ['0e999999999999999999999', 0],
  ]
  for (const [raw, expected] of table) assert.deepEqual(typeParamValue(raw), expected, JSON.stringify(raw))
})

test('survivesAsNumber: whether a double gives the literal\'s value back', () => {
  const table: Array<[string, boolean]> = [
    ['0', true], ['-0', true], ['0.0', true], ['0.1', true], ['1.50', true], ['1e3', true], ['1E+3', true],
    ['123e-2', true], ['1e21', true], ['1e308', true], ['5e-324', true], ['9007199254740992', true],
    ['9007199254740993', false], ['12345678901234567891', false], ['18446744073709551615', false],
    ['1e400', false], ['-1e400', false], ['1e-400', false], ['0.10000000000000000001', false],
    ['3.14159265358979323846', false], ['3.141592653589793', true],
  ]
  for (const [literal, expected] of table) assert.equal(survivesAsNumber(literal), expected, literal)
})

test('quoteInexactIntegers and quotedNumberPaths: the integers a double cannot hold, kept as their digits', () => {
  const table: Array<[string, string | null, Array<{ at: string; digits: string }>]> = [
    ['{"a": 1}', null, []],
    ['{"seed": 9007199254740992}', null, []],
    ['{"seed": 12345678901234567891}', '{"seed": "12345678901234567891"}', [{ at: 'seed', digits: '12345678901234567891' }]],
    ['{"m": {"s": [1, -12345678901234567891]}}', '{"m": {"s": [1, "-12345678901234567891"]}}', [{ at: 'm.s[1]', digits: '-12345678901234567891' }]],
    ['{"f": 12345678901234567891.5, "e": 12345678901234567891e0}', null, []], // floats to every reader
    ['{"s": "12345678901234567891", "12345678901234567891": 1}', null, []], // strings and keys
    ['{"f": 0.12345678901234567891, "g": -12345678901234567891.0}', null, []],
    ['{"s": "id-12345678901234567891", "n": 9007199254740993}', '{"s": "id-12345678901234567891", "n": "9007199254740993"}', [{ at: 'n', digits: '9007199254740993' }]],
    ['{"s": "x\\"", "n": 12345678901234567891}', '{"s": "x\\"", "n": "12345678901234567891"}', [{ at: 'n', digits: '12345678901234567891' }]],
  ]
  for (const [text, quoted, paths] of table) {
    assert.equal(quoteInexactIntegers(text), quoted, text)
    if (quoted !== null) assert.deepEqual(quotedNumberPaths(JSON.parse(text), JSON.parse(quoted)), paths, text)
  }
})

test('plainYamlData: maps to objects, bigints to numbers or their digits; no JSON form is an error naming the place', () => {
  const m = (...entries: Array<[unknown, unknown]>) => new Map(entries)
  const ok: Array<[unknown, JsonValue, Array<{ at: string; digits: string }>]> = [
    [m(['a', 1n], ['b', m(['c', [true, null, 'x', 0.5]])]), { a: 1, b: { c: [true, null, 'x', 0.5] } }, []],
    [m([1n, 'x'], [true, 'y'], [0.5, 'z']), { 1: 'x', true: 'y', 0.5: 'z' }, []],
    [m(['seed', 12345678901234567891n], ['ok', 9007199254740992n]), { seed: '12345678901234567891', ok: 9007199254740992 },
      [{ at: 'seed', digits: '12345678901234567891' }]],
    [m(['l', [m(['s', -18446744073709551615n])]]), { l: [{ s: '-18446744073709551615' }] }, [{ at: 'l[0].s', digits: '-18446744073709551615' }]],
  ]
  for (const [value, expected, inexact] of ok) {
    assert.deepEqual(plainYamlData(value, 'params file \'p.yaml\''), { value: expected, inexact })
  }
  const shared = m(['x', 1n])
  assert.deepEqual(plainYamlData(m(['a', shared], ['b', shared]), 'f').value, { a: { x: 1 }, b: { x: 1 } }) // an alias used twice
  const proto = plainYamlData(m(['__proto__', m(['polluted', 1n])]), 'f').value as Params
  assert.equal(Object.getPrototypeOf(proto), Object.prototype) // an own key, which buildParams refuses
  assert.deepEqual(Object.keys(proto), ['__proto__'])

  const cyclic: unknown[] = [1n]
  cyclic.push(cyclic)
  const bad: Array<[unknown, string]> = [
    [m([null, 1n]), "f holds a null key at the top level"],
    [m(['a', m([null, 1n])]), "f holds a null key in a"],
    [m([[1n], 'x']), "f holds a list or a mapping as a key at the top level"],
    [m([1n, 'x'], ['1', 'y']), "f holds two keys that both read as '1' at the top level"],
    [m(['a', new Set(['x'])]), "f holds a set at a, which JSON has no form for"],
    [m(['a', [Uint8Array.of(104)]]), "f holds binary data at a[0], which JSON has no form for"],
    [m(['a', new Date(0)]), "f holds a timestamp at a, which JSON has no form for"],
    [m(['a', cyclic]), "f holds a value that contains itself at a[1] (an alias inside its own anchor)"],
    [m(['a', undefined]), "f holds a value of type undefined at a, which JSON has no form for"],
  ]
  for (const [value, message] of bad) {
    assert.throws(() => plainYamlData(value, 'f'), (e: unknown) => e instanceof ParamError && e.message === message, message)
  }
})

test('parseAssignment: the first = splits; empty key components are errors', () => {
  const ok: Array<[string, string[], string]> = [
    ['a=b', ['a'], 'b'],
    ['a=b=c', ['a'], 'b=c'],
    ['a=', ['a'], ''],
    ['model.lr=0.1', ['model', 'lr'], '0.1'],
    ['a.b.c==', ['a', 'b', 'c'], '='],
    ['k= spaced ', ['k'], ' spaced '],
    ['é.ü=1', ['é', 'ü'], '1'],
    ['a-b_c=1', ['a-b_c'], '1'],
    // A key holding a credential (by mistake) is not split: the redactor must see it whole.
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_x=1', ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_x'], '1'],
    ['https://u:pw@host.example.com=1', ['https://u:pw@host.example.com'], '1'],
  ]
  for (const [s, keys, raw] of ok) assert.deepEqual(parseAssignment(s), { keys, raw }, s)
  for (const bad of ['=x', '=', 'a', '', 'a.=1', '.a=1', 'a..b=1', '.=1', 'a.b.=1']) {
    assert.throws(() => parseAssignment(bad), ParamError, JSON.stringify(bad))
  }
  assert.throws(() => parseAssignment('a..b=1'), /empty component/)
  assert.throws(() => parseAssignment('nokey'), /expected KEY=VALUE/)
})

const set = (...assignments: string[]): ParamSource[] => assignments.map((assignment) => ({ kind: 'set', assignment }))
const file = (data: unknown, path = 'p.json'): ParamSource => ({ kind: 'file', path, data })

test('buildParams: nesting, later wins, scalars and objects replace each other', () => {
  const table: Array<[ParamSource[], Params]> = [
    [[], {}],
    [set('lr=0.1'), { lr: 0.1 }],
    [set('model.lr=0.1'), { model: { lr: 0.1 } }],
    [set('model.lr=0.1', 'model.layers=3'), { model: { lr: 0.1, layers: 3 } }],
    [set('a.b.c=x'), { a: { b: { c: 'x' } } }],
    [set('lr=0.1', 'lr=0.2'), { lr: 0.2 }],
    [set('a=1', 'a.b=2'), { a: { b: 2 } }], // a scalar replaced by an object
    [set('a.b=2', 'a=1'), { a: 1 }], // an object replaced by a scalar
    [set('a=[1,2]', 'a.b=2'), { a: { b: 2 } }], // an array is not an object to descend into
    [set('a.b=1', 'a={"c":2}'), { a: { c: 2 } }], // a JSON object value replaces, it does not merge
    [set('a=null', 'a.b=true'), { a: { b: true } }],
    [[file({ a: 1, m: { x: 1, y: 2 } }), file({ m: { y: 3, z: 4 } })], { a: 1, m: { x: 1, y: 3, z: 4 } }],
    [[file({ m: { x: { deep: 1 } } }), file({ m: { x: { other: 2 } } })], { m: { x: { deep: 1, other: 2 } } }],
    [[file({ m: { x: 1 } }), ...set('m.y=2')], { m: { x: 1, y: 2 } }],
    [[...set('m.x=1'), file({ m: { x: 5 } })], { m: { x: 5 } }], // order on the command line decides
    [[file({ m: { x: 5 } }), ...set('m.x=1')], { m: { x: 1 } }],
    [[file({ m: [1, 2, 3] }), file({ m: [9] })], { m: [9] }], // arrays replace, they do not merge
    [[file({ m: { a: 1 } }), file({ m: 'flat' })], { m: 'flat' }],
    [[file({ m: 'flat' }), file({ m: { a: 1 } })], { m: { a: 1 } }],
    [set('toString=1', 'hasOwnProperty.x=2'), { toString: 1, hasOwnProperty: { x: 2 } }],
  ]
  for (const [sources, expected] of table) {
    assert.deepEqual(buildParams(sources), expected, JSON.stringify(sources))
  }
})

test('buildParams: a params file must hold an object', () => {
  for (const data of [[1, 2], 'x', 3, null, true]) {
    assert.throws(() => buildParams([file(data, 'bad.yaml')]), (e: unknown) => e instanceof ParamError && /'bad\.yaml'/.test(e.message))
  }
})

test('buildParams does not mutate file data it merges', () => {
  const a = { m: { x: 1 } }
  const b = { m: { y: 2 } }
  buildParams([file(a), file(b), ...set('m.z=3')])
  assert.deepEqual(a, { m: { x: 1 } })
  assert.deepEqual(b, { m: { y: 2 } })
})

test('__proto__, constructor and prototype keys are refused; nothing is polluted', () => {
  const attempts: ParamSource[][] = [
    set('__proto__.polluted=1'),
    set('a.__proto__.polluted=1'),
    set('constructor.prototype.polluted=1'),
    set('a.constructor.prototype.polluted=1'),
    set('__proto__={"polluted":1}'),
    set('prototype=1'),
    [file(JSON.parse('{"__proto__": {"polluted": 1}}'))],
    [file(JSON.parse('{"a": {"__proto__": {"polluted": 1}}}'))],
    [file({ a: {} }), file(JSON.parse('{"a": {"__proto__": {"polluted": 1}}}'))],
    [file(JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}'))],
    [file(JSON.parse('{"list": [{"__proto__": {"polluted": 1}}]}'))],
  ]
  for (const sources of attempts) {
    assert.throws(() => buildParams(sources), ParamError, JSON.stringify(sources))
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false)
  }
})

test('setPath and mergeParams define own properties, never prototypes', () => {
  const p: Params = {}
  assert.throws(() => setPath(p, ['__proto__'], { polluted: 1 }), ParamError)
  assert.throws(() => setPath(p, ['x', 'constructor'], 1), ParamError)
  const merged = mergeParams({}, JSON.parse('{"__proto__": {"polluted": 1}}') as Params)
  assert.equal(Object.getPrototypeOf(merged), Object.prototype)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('flattenValues: dotted keys, [i] for items, ["k"] for keys that need quoting, empty containers as leaves', () => {
  const table: Array<[unknown, Array<[string, unknown]>]> = [
    [{}, []],
    [{ lr: 0.1 }, [['lr', 0.1]]],
    [{ model: { lr: 0.1, layers: [{ size: 4 }, { size: 8 }] } },
      [['model.lr', 0.1], ['model.layers[0].size', 4], ['model.layers[1].size', 8]]],
    [{ a: [] }, [['a', []]]],
    [{ a: {} }, [['a', {}]]],
    [{ a: [[1, 2], []] }, [['a[0][0]', 1], ['a[0][1]', 2], ['a[1]', []]]],
    [{ a: [{}] }, [['a[0]', {}]]],
    [{ a: null, b: false, c: '' }, [['a', null], ['b', false], ['c', '']]],
    [[1, 2], [['[0]', 1], ['[1]', 2]]],
    // A key that holds '.', '[', ']' or '"', or is empty, is written as a JSON string in brackets.
    [{ 'x.y': 1 }, [['["x.y"]', 1]]],
    [{ x: { y: 1 } }, [['x.y', 1]]],
    [{ model: { 'a.b': 1, 'c[0]': 2, 'd]': 3, 'say "hi"': 4, '': 5 } },
      [['model["a.b"]', 1], ['model["c[0]"]', 2], ['model["d]"]', 3], ['model["say \\"hi\\""]', 4], ['model[""]', 5]]],
    [{ '': { '': 1 } }, [['[""][""]', 1]]],
    [{ 'a.b': [{ 'c.d': 1 }] }, [['["a.b"][0]["c.d"]', 1]]],
    [{ '["a.b"]': 1 }, [['["[\\"a.b\\"]"]', 1]]],
    // Other characters need no quoting: no key can be read two ways.
    [{ 'a b': 1, 'é': 2, '0': 3, 'a-b_c': 4 }, [['0', 3], ['a b', 1], ['é', 2], ['a-b_c', 4]]],
  ]
  for (const [value, expected] of table) {
    assert.deepEqual([...flattenValues(value)], expected, JSON.stringify(value))
  }
  assert.deepEqual([...flattenValues({ b: 1 }, 'params')], [['params.b', 1]])
})

test('flattenValues: two different values never share a key', () => {
  const values: unknown[] = [
    { 'a.b': 1 }, { a: { b: 1 } }, { 'a[0]': 1 }, { a: [1] }, { a: { '0': 1 } }, { '': { a: 1 } }, { a: { '': 1 } },
    { '"a"': 1 }, { a: 1 }, { '["a"]': 1 }, { 'a]': 1 }, { 'a.': 1 }, { '.a': 1 },
  ]
  const seen = new Map<string, string>()
  for (const v of values) {
    const keys = [...flattenValues(v).keys()].join('\n')
    const other = seen.get(keys)
    assert.equal(other, undefined, `${JSON.stringify(v)} and ${other} flatten to the same key ${keys}`)
    seen.set(keys, JSON.stringify(v))
  }
})

test('flattenValues: a value at one path of keys is written under a key no other path gives', () => {
  const nest = (keys: string[]): unknown => keys.reduceRight<unknown>((v, k) => ({ [k]: v }), 1)
  const keyOf = (keys: string[]): string => [...flattenValues(nest(keys)).keys()][0]!
  const part = fc.string({ unit: fc.constantFrom('a', '.', '[', ']', '"', '0', ' ', '\\'), maxLength: 4 })
  fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 3 }), fc.array(part, { minLength: 1, maxLength: 3 }), (p, q) => {
    if (JSON.stringify(p) !== JSON.stringify(q)) assert.notEqual(keyOf(p), keyOf(q), `${JSON.stringify(p)} and ${JSON.stringify(q)}`)
  }), { numRuns: 2000 })
})

test('guessParams: the files as they are now, and what only the record holds (taken for -p values)', () => {
  const table: Array<[Params, Params, Params]> = [
    // [recorded, from the files now, expected]
    [{ lr: 0.1 }, { lr: 0.1 }, { lr: 0.1 }],
    [{ lr: 0.1 }, { lr: 0.3 }, { lr: 0.3 }],
    [{ lr: 0.1, tags: ['a', 'b'] }, { lr: 0.1 }, { lr: 0.1, tags: ['a', 'b'] }],
    [{ model: { depth: 4, width: 8 } }, { model: { width: 16 } }, { model: { depth: 4, width: 16 } }],
    [{ lr: 0.1 }, { lr: 0.1, bs: 4 }, { lr: 0.1, bs: 4 }],
    [{ model: { depth: 4 } }, { model: 3 }, { model: 3 }],
    [{ 'a.b': 1 }, {}, { 'a.b': 1 }],
    [{}, {}, {}],
  ]
  for (const [recorded, files, expected] of table) {
    assert.deepEqual(guessParams(recorded, files), expected, `${JSON.stringify(recorded)} with ${JSON.stringify(files)}`)
  }
  const files = { lr: 1 }
  guessParams({ lr: 2, x: 1 }, files)
  assert.deepEqual(files, { lr: 1 }, 'the files are not changed')
})

test('jsonLookalikeProblem: comments and NaN/Infinity in text written as JSON; YAML flow text and strings pass', () => {
  const table: Array<[string, ReturnType<typeof jsonLookalikeProblem>]> = [
    ['{\n  // lr\n  "lr": 0.1\n}', { what: 'comment', at: 4 }],
    ['{"a": 1, /* x */ "b": 2}', { what: 'comment', at: 9 }],
    ['{"a": 0.1 // c\n}', { what: 'comment', at: 10 }],
    ['{"lr": NaN}', { what: 'NaN', at: 7 }],
    ['[1, -Infinity ]', { what: 'Infinity', at: 4 }],
    ['{"a": "// not a comment", "b": "NaN"}', null],
    ["{'a': 'it''s // NaN'}", null],
    ['{a: //host/x, b: NaNa}', null], // YAML plain scalars
    ['{"a": 1,}', null], // YAML reads a trailing comma as meant
    ['lr: NaN # a YAML comment\n', null], // not written as JSON
    ['// c\n{"a": 1}', null],
    // YAML's own comments, whatever they say: valid YAML in flow style was refused as JSON with a comment.
    ['{\n  # lr, was 0.2 // halved\n  lr: 0.1,\n}\n', null],
    ['[1, 2]\n# done // ok\n', null],
    ['[1, 2] # NaN\n', null],
    ['{"a": 1} # x\n// c\n', { what: 'comment', at: 13 }],
    // In a sequence, // glued to a value is a YAML plain scalar (a path); a comment is written // ...
    ['{mounts: [//nas/a, //nas/b]}', null],
    ['[//nas/a]', null],
    ['[1, // one\n 2]', { what: 'comment', at: 4 }],
    ['[ //\n 1]', { what: 'comment', at: 2 }],
    ['[1, /* x */ 2]', { what: 'comment', at: 4 }],
    ['{"a": 1, //x\n "b": 2}', { what: 'comment', at: 9 }], // a mapping's key starts there: a comment still
    // An element commented out, // glued to it, in what is JSON without its comments: a comment
    // still (it was read as YAML, the element the string "//2").
    ['[1,\n  //2,\n  3\n]', { what: 'comment', at: 6 }],
    ['{"xs": [\n  "a",\n  //"b",\n  "c",\n]}', { what: 'comment', at: 18 }],
    ['{mounts: [\n  //nas/a,\n  //nas/b\n]}', null],
    ['["//nas/a", //nas/b]', null],
    // A comment counts only where the text without its comments is JSON: YAML's own // stays.
    ['{expr: n // 2}', null],
    ['{cmd: a /* b */ c}', null],
    ['{"a":1/* c */}', { what: 'comment', at: 6 }],
    ['{"a":/* c */1}', { what: 'comment', at: 5 }],
    ['{"a": 1 /* never closed', null],
    ['{"lr": NaN, // c\n}', { what: 'NaN', at: 7 }],
  ]
  for (const [text, expected] of table) assert.deepEqual(jsonLookalikeProblem(text), expected, text)
})

// Splitting a text holding several JSON documents (concatenated or one per line).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { JsonDocsError, jsonParseReason, parseJsonDocuments } from '../../../src/core/json-docs.js'

test('documents: concatenated, one per line, around white space and a BOM', () => {
  const table: Array<[string, unknown[]]> = [
    ['', []],
    ['   \n\t\r\n ', []],
    ['\ufeff', []],
    ['{}', [{}]],
    ['{"a":1}{"b":2}', [{ a: 1 }, { b: 2 }]],
    ['{"a":1}\n{"b":2}\n', [{ a: 1 }, { b: 2 }]],
    ['{"a":1}\r\n{"b":2}\r\n', [{ a: 1 }, { b: 2 }]],
    ['\ufeff{"a":1}', [{ a: 1 }]],
    ['  {\n  "a": [1, {"b": []}]\n}\n\n[2]{"c":3}  ', [{ a: [1, { b: [] }] }, [2], { c: 3 }]],
    ['[][]{}', [[], [], {}]],
    ['[{"a":[]}]\n', [[{ a: [] }]]],
  ]
  for (const [text, expected] of table) assert.deepEqual(parseJsonDocuments(text), expected, JSON.stringify(text))
})

test('strings inside documents may hold braces, brackets and escaped quotes', () => {
  const table: Array<[string, unknown[]]> = [
    ['{"a":"}"}{"b":"{"}', [{ a: '}' }, { b: '{' }]],
    ['{"a":"]]]"}', [{ a: ']]]' }]],
    ['{"a":"say \\"}\\" now"}\n{"b":1}', [{ a: 'say "}" now' }, { b: 1 }]],
    ['{"a":"\\\\"}{"b":"x"}', [{ a: '\\' }, { b: 'x' }]], // an escaped backslash before the closing quote
    ['{"k\\"}":"v"}', [{ 'k"}': 'v' }]],
    ['["{", "[", "\\u007b"]', [['{', '[', '{']]],
  ]
  for (const [text, expected] of table) assert.deepEqual(parseJsonDocuments(text), expected, text)
})

test('scalar documents', () => {
  const table: Array<[string, unknown[]]> = [
    ['1 2\n3', [1, 2, 3]],
    ['true false null', [true, false, null]],
    ['-1.5e3', [-1500]],
    ['"x"\n"y"', ['x', 'y']],
    ['"a b"', ['a b']], // a string holding white space is one document
    ['"a\\tb c" 1', ['a\tb c', 1]],
    ['"{ not an object }"', ['{ not an object }']],
    ['"say \\" hi" 2', ['say " hi', 2]],
    ['"x"{"a":1}', ['x', { a: 1 }]],
    ['{"a":1} 7 "s"', [{ a: 1 }, 7, 's']],
  ]
  for (const [text, expected] of table) assert.deepEqual(parseJsonDocuments(text), expected, text)
})

function failure(text: string): JsonDocsError {
  try {
    parseJsonDocuments(text)
  } catch (e) {
    assert.ok(e instanceof JsonDocsError, `expected a JsonDocsError, got ${String(e)}`)
    return e
  }
  assert.fail(`no error for ${JSON.stringify(text)}`)
}

test('errors name the line and column where the bad document starts', () => {
  const table: Array<[string, number, number, RegExp]> = [
    ['{"a":1', 1, 1, /unterminated/],
    ['{"a":1}\n{"b":', 2, 1, /unterminated/],
    ['{"a":1}\n\n   [1, [2]', 3, 4, /unterminated/],
    ['{"a":"}', 1, 1, /unterminated/],
    ['{"a":1}\n  {"b":x}', 2, 3, /invalid JSON/],
    ['{"a":1,}', 1, 1, /invalid JSON/],
    ['{"a":1} nope', 1, 9, /invalid JSON/],
    ['1\n2\n  tru', 3, 3, /invalid JSON/],
    ["{'a':1}", 1, 1, /invalid JSON/],
    ['{"a":1}]', 1, 8, /invalid JSON/],
    ['"unterminated', 1, 1, /invalid JSON/],
    ['\ufeff{"a":1}\n{"b" 1}', 2, 1, /invalid JSON/],
    // Valid JSON that no run can keep: canonical JSON has no form for it.
    ['{"a":1}\n{"b":1e400}', 2, 1, /holds a number JSON cannot hold at b \(it reads as Infinity\), which a run cannot keep/],
    ['{"a":[1, -1e999]}', 1, 1, /at a\[1\] \(it reads as -Infinity\)/],
    ['{"a":1}  "x\\ud800"', 1, 10, /holds a lone surrogate \(\\ud800\) in the string, which/],
    ['{"a":{"\\udc00":1}}', 1, 1, /holds a lone surrogate \(\\udc00\) in a key in a, which/],
  ]
  for (const [text, line, column, kind] of table) {
    const e = failure(text)
    assert.equal(e.line, line, `line for ${JSON.stringify(text)}`)
    assert.equal(e.column, column, `column for ${JSON.stringify(text)}`)
    assert.match(e.message, kind, text)
    assert.match(e.message, new RegExp(`line ${line}, column ${column}\\b`), text)
  }
})

test('jsonParseReason keeps the reason and drops the text JSON.parse quotes, which may hold a secret', () => {
  const texts = ['{"db_password": hunter2secret, "x": 1}', '{"lr": 0.1, "epochs": 10, "db_password": hunter2secret, "x": 1}', '{"a": "hunter2secret"', '[1, 2', '']
  for (const t of texts) {
    let e: unknown
    try { JSON.parse(t) } catch (err) { e = err }
    const reason = jsonParseReason(e)
    assert.ok(reason.length > 0, t)
    assert.ok(!reason.includes('hunter2'), `${t}: ${reason}`)
    assert.ok(!reason.includes('is not valid JSON'), reason)
  }
  assert.equal(jsonParseReason('plain'), 'plain')
})

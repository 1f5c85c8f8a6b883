// Path ordering (by UTF-8 bytes, as git sorts) and record paths (relative inside the root).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { compareUtf8, fromRecordPath, namedPathProblem, quotePath, recordPathProblem, sortByPath, toRecordPath } from '../../../src/core/paths.js'

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0)
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

const STRINGS = [
  '', 'a', 'b', 'A', 'Z', '_', '.', '/', '-', '0', '9', 'a/b', 'a.b', 'a-b', 'a b', 'ab', 'abc', 'a/', 'a\u0000',
  '\u007f', '\u0080', '\u00e9', '\u00ff', '\u0100', '\u07ff', '\u0800', '\u20ac', '\ud7ff',
  '\ue000', '\uf8ff', '\ufb33', '\ufeff', '\uffff', '\ud800\udc00', '\ud83d\ude00', '\ud83d\ude01', '\ud83e\udd14',
  '\udbff\udfff', 'x\ud83d\ude00', 'x\uffff', 'x\ue000y', 'x\ud83d\ude00y', 'dir/\u00e9.txt', 'dir/e.txt', 'dir/z.txt',
]

test('compareUtf8 agrees with Buffer.compare of the UTF-8 bytes on every pair', () => {
  let pairs = 0
  for (const a of STRINGS) {
    for (const b of STRINGS) {
      assert.equal(sign(compareUtf8(a, b)), byteOrder(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
      pairs++
    }
  }
  assert.equal(pairs, STRINGS.length ** 2)
})

test('compareUtf8: astral characters sort after U+E000-U+FFFF, unlike UTF-16 order', () => {
  const table: Array<[string, string, number]> = [
    ['\ud83d\ude00', '\ue000', 1],
    ['\ud83d\ude00', '\uffff', 1],
    ['\ufb33', '\ud83d\ude00', -1],
    ['\ud7ff', '\ud83d\ude00', -1], // below the surrogates: same order either way
    ['a\ud83d\ude00', 'a\uffff', 1],
    ['', '', 0],
    ['', 'a', -1],
    ['a', '', 1],
    ['ab', 'abc', -1], // a prefix sorts first
    ['abc', 'ab', 1],
    ['a/b', 'a.b', 1], // '/' 0x2f > '.' 0x2e, as git orders
    ['\ud83d\ude00', '\ud83d\ude00', 0],
  ]
  for (const [a, b, expected] of table) {
    assert.equal(sign(compareUtf8(a, b)), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
  }
  // The default JS sort (UTF-16) puts the emoji first; this one does not.
  assert.deepEqual(['\ud83d\ude00', '\ue000'].sort(), ['\ud83d\ude00', '\ue000'])
  assert.deepEqual(['\ud83d\ude00', '\ue000'].sort(compareUtf8), ['\ue000', '\ud83d\ude00'])
})

test('sortByPath sorts in byte order, in place', () => {
  const items = ['\ud83d\ude00', 'b', '\uffff', 'a/b', 'a.b', 'a', ''].map((p) => ({ path: p }))
  const sorted = sortByPath(items)
  assert.equal(sorted, items)
  assert.deepEqual(sorted.map((x) => x.path), ['', 'a', 'a.b', 'a/b', 'b', '\uffff', '\ud83d\ude00'])
})

test('toRecordPath: relative inside the root, "." for the root, absolute outside', () => {
  const root = '/work/proj'
  const table: Array<[string, { path: string; outside: boolean }]> = [
    ['/work/proj/a.txt', { path: 'a.txt', outside: false }],
    ['/work/proj/d/e/f.txt', { path: 'd/e/f.txt', outside: false }],
    ['/work/proj', { path: '.', outside: false }],
    ['/work/proj/', { path: '.', outside: false }],
    ['/work/proj/..foo', { path: '..foo', outside: false }],
    ['/work/proj/...', { path: '...', outside: false }],
    ['/work/proj/..foo/bar', { path: '..foo/bar', outside: false }],
    ['/work/proj/a/../b', { path: 'b', outside: false }],
    ['/work/other/x', { path: '/work/other/x', outside: true }],
    ['/work/proj2/x', { path: '/work/proj2/x', outside: true }], // a sibling sharing the prefix
    ['/work/proj-x', { path: '/work/proj-x', outside: true }],
    ['/work', { path: '/work', outside: true }],
    ['/', { path: '/', outside: true }],
    ['/etc/passwd', { path: '/etc/passwd', outside: true }],
  ]
  for (const [abs, expected] of table) assert.deepEqual(toRecordPath(root, abs), expected, abs)
})

test('fromRecordPath resolves inside the root and refuses escapes and NUL', () => {
  const root = '/work/proj'
  const ok: Array<[string, string]> = [
    ['a.txt', '/work/proj/a.txt'],
    ['d/e/f.txt', '/work/proj/d/e/f.txt'],
    ['.', '/work/proj'],
    ['..foo', '/work/proj/..foo'],
    ['a/../b', '/work/proj/b'],
    ['./x', '/work/proj/x'],
    ['/abs/outside', '/abs/outside'], // outside paths are stored absolute on purpose
  ]
  for (const [rel, expected] of ok) assert.equal(fromRecordPath(root, rel), expected, rel)
  for (const bad of ['..', '../x', 'a/../../x', '../proj2/x', './../proj/../../etc', 'a\0b', '\0', '/abs\0/x']) {
    assert.equal(fromRecordPath(root, bad), null, JSON.stringify(bad))
  }
})

test('toRecordPath and fromRecordPath round-trip', () => {
  const root = path.resolve('/srv/r')
  for (const abs of ['/srv/r/a', '/srv/r/..b/c', '/srv/r', '/srv/x/y']) {
    const { path: p } = toRecordPath(root, abs)
    assert.equal(fromRecordPath(root, p), abs)
  }
})

test('quotePath: single quotes, JSON escapes when needed', () => {
  const table: Array<[string, string]> = [
    ['a.txt', "'a.txt'"],
    ['with space', "'with space'"],
    ['é', "'é'"],
    ['new\nline', '"new\\nline"'],
    ['tab\t', '"tab\\t"'],
    ["it's", '"it\'s"'],
    // DEL, C1 controls and bidirectional overrides act on a terminal too: escaped, as JSON.stringify leaves them.
    ['\u007f', '"\\u007f"'],
    ['a\u009b2J', '"a\\u009b2J"'],
    ['evil\u202etxt.exe', '"evil\\u202etxt.exe"'],
    ['\u2066x\u2069', '"\\u2066x\\u2069"'],
    // The marks that reorder text (LRM, RLM, ALM) and the line and paragraph separators, which some terminals break a line at.
    ['a\u200eb\u200fc\u061cd', '"a\\u200eb\\u200fc\\u061cd"'],
    ['line\u2028two\u2029', '"line\\u2028two\\u2029"'],
    ['nbsp\u00a0é中文', "'nbsp\u00a0é中文'"],
  ]
  for (const [p, expected] of table) assert.equal(quotePath(p), expected, JSON.stringify(p))
})

test('recordPathProblem: the paths a run holds pass; dot parts, empty parts and NUL do not', () => {
  const ok = ['a', 'a/b.csv', 'dir with space/é.txt', '-x', '/abs/path', '/data/a..b', '...', 'a/.hidden', '<stdout>']
  for (const p of ok) assert.equal(recordPathProblem(p), null, p)
  const bad: Array<[string, RegExp]> = [
    ['', /empty/], ['..', /'\.\.'/], ['../x', /'\.\.'/], ['a/../b', /'\.\.'/], ['/tmp/../etc', /'\.\.'/],
    ['.', /'\.'/], ['./a', /'\.'/], ['a//b', /empty/], ['a/', /empty/], ['/', /empty/], ['//x', /empty/], ['a\0b', /NUL/],
  ]
  for (const [p, re] of bad) assert.match(recordPathProblem(p) ?? 'null', re, JSON.stringify(p))
})

test('namedPathProblem: a path no file can have, whatever is on disk; what a command could make passes', () => {
  const ok: Array<[string, string]> = [
    ['a', '/r/a'], ['missing/dir/f', '/r/missing/dir/f'], ['f/', '/r/f'], ['../x', '/x'],
    ['n'.repeat(255), `/r/${'n'.repeat(255)}`], ['é'.repeat(127), `/r/${'é'.repeat(127)}`], // 254 bytes
    ['😀'.repeat(63), `/r/${'😀'.repeat(63)}`], // 252 bytes
    [`${'n'.repeat(300)}/..`, '/r'], // resolved away, as the kernel never sees it
    ['p', '/' + 'd/'.repeat(2046) + 'p'], // 4094 bytes
  ]
  for (const [p, abs] of ok) assert.equal(namedPathProblem(p, abs), null, p.slice(0, 40))
  const bad: Array<[string, string, RegExp]> = [
    ['', '/r', /^an empty path was given$/],
    ['a\0b', '/r/a\0b', /^a path holds a NUL byte: "a\\u0000b"$/],
    ['n'.repeat(256), `/r/${'n'.repeat(256)}`, /: file name too long \(a name of 256 bytes in it, more than 255\)$/],
    ['é'.repeat(128), `/r/${'é'.repeat(128)}`, /a name of 256 bytes/],
    ['😀'.repeat(64), `/r/${'😀'.repeat(64)}`, /a name of 256 bytes/],
    ['x/y', `/${'n'.repeat(300)}/x/y`, /a name of 300 bytes/],
    ['p', '/' + 'd/'.repeat(2047) + 'p', /: file name too long \(4096 bytes as an absolute path, more than a path can be\)$/],
  ]
  for (const [p, abs, re] of bad) assert.match(namedPathProblem(p, abs) ?? 'null', re, p.slice(0, 40))
})

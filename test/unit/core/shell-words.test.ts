// Reading a shell script into commands and words (core/shell-words.ts), held against bash itself.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readShellScript } from '../../../src/core/shell-words.js'

/** The words of the commands whose first word is `w`, as readShellScript gives them. */
function ours(script: string): string[][] {
  const skip = (c: string[]): string[] => (c.length > 0 && ['if', 'then', '{', '!'].includes(c[0]!) ? skip(c.slice(1)) : c)
  return readShellScript(script).commands.map((c) => skip(c.words.map((w) => w.value))).filter((c) => c[0] === 'w').map((c) => c.slice(1))
}

/** The same, as bash passes them to a function `w` that prints its arguments. */
function bash(script: string): string[][] {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `w() { printf '%s\\0' "$@"; printf '\\1'; }\n${script}`], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' } })
  assert.equal(r.status, 0, `bash failed on ${JSON.stringify(script)}: ${r.stderr}`)
  return r.stdout.split('\x01').slice(0, -1).map((rec) => (rec === '' ? [] : rec.split('\0').slice(0, -1)))
}

// Scripts without expansions (readShellScript expands nothing), whose words bash and we must agree on.
const SCRIPTS = [
  'w a b  c\tz',
  `w 'single quoted' "double quoted" mixed'a'"b"c`,
  `w a\\ b "x\\"y" 'it'\\''s' "back\\\\slash" "\\$notexp" "a\\b"`,
  `w $'tab\\there' $'\\x41\\101\\u00e9' $'it\\'s' $"dollar-double"`,
  'w a; w b && w c || true; false || w d; ! w e; true',
  'w a # a comment; w not-run\nw b',
  'w a \\\n  b',
  'w a 2>/dev/null b 3>&1 c </dev/null d 4<>/dev/null e',
  "cat >/dev/null <<EOF\nit's a body; w not-run\nEOF\nw after",
  "cat >/dev/null <<-'END'\n\tw not-run either\n\tEND\nw after-tabs",
  `w 'é' ünï "日本"`,
  `w x=1 y="2 3" --password='p a s s'`,
  'w ""  \'\' empty',
  'if w in-if; then w in-then; fi',
  '{ w in-braces; }',
]

test('words: as bash splits them', () => {
  for (const script of SCRIPTS) assert.deepEqual(ours(script), bash(script), JSON.stringify(script))
})

test('commands end at ; & | && || ( ) and newlines; redirections and their targets are no words', () => {
  const table: Array<[string, string[][]]> = [
    ['a | b |& c & d', [['a'], ['b'], ['c'], ['d']]],
    ['(a; b) && c', [['a'], ['b'], ['c']]],
    ['a 2>&1 >>log b', [['a', 'b']]],
    ['a &>all b &>>all c', [['a', 'b', 'c']]],
    ['a <<<"here string" b', [['a', 'b']]],
    ['a2>x', [['a2']]], // a word that ends in digits is no descriptor when it is more than digits
    ['a "2">x', [['a', '2']]], // quoted: a word, not a descriptor
    ['', []],
    ['   \n\n ;; ', []],
  ]
  for (const [script, expected] of table) {
    const got = readShellScript(script).commands.map((c) => c.words.map((w) => w.value))
    assert.deepEqual(got, expected, JSON.stringify(script))
  }
})

test('expansions stay their own text, listed; single quotes hold none', () => {
  const table: Array<[string, string[], string[]]> = [
    // [script, the words of its one command, the expansions]
    ['curl -u "$USER:$PASS" $HOME', ['curl', '-u', '$USER:$PASS', '$HOME'], ['$USER', '$PASS', '$HOME']],
    ['echo ${A:-"x y"} "${B}"', ['echo', '${A:-"x y"}', '${B}'], ['${A:-"x y"}', '${B}']],
    ['T=$(curl -u a:b "$(cat f)") x', ['T=$(curl -u a:b "$(cat f)")', 'x'], ['$(curl -u a:b "$(cat f)")']],
    ['echo `date +%s` $((1 + 2)) $1 $@ $?', ['echo', '`date +%s`', '$((1 + 2))', '$1', '$@', '$?'], ['`date +%s`', '$((1 + 2))', '$1', '$@', '$?']],
    ["echo '$NOT' \"\\$NOT\" $ a$", ['echo', '$NOT', '$NOT', '$', 'a$'], []],
  ]
  for (const [script, words, expansions] of table) {
    const s = readShellScript(script)
    assert.equal(s.commands.length, 1, script)
    assert.deepEqual(s.commands[0]!.words.map((w) => w.value), words, script)
    assert.deepEqual(s.expansions, expansions, script)
  }
})

test('command substitutions: where their scripts are, outermost only; an unclosed one runs to the end', () => {
  const table: Array<[string, string[]]> = [
    ['T=$(curl -u a:b x) y', ['curl -u a:b x']],
    ['echo "`id -u`" $(a $(b) c) $((1+2)) ${X}', ['id -u', 'a $(b) c']],
    ['echo $(unclosed', ['unclosed']],
  ]
  for (const [script, inner] of table) {
    const got = readShellScript(script).scripts.filter((s) => s.kind === 'substitution').map((s) => script.slice(s.start, s.end))
    assert.deepEqual(got, inner, script)
  }
})

test('each character of a word: where it was written and how', () => {
  const w = readShellScript(`a"b c"'d'\\e$'\\n'f`).commands[0]!.words[0]!
  assert.equal(w.value, 'ab cde\nf')
  assert.deepEqual(w.quoting, ['bare', 'double', 'double', 'double', 'single', 'escaped', 'ansi', 'bare'])
  assert.deepEqual(w.at, [0, 2, 3, 4, 7, 10, -1, 16])
  assert.deepEqual([w.start, w.end], [0, 17])
})

test('unclosed quotes run to the end of the script, as one word', () => {
  assert.deepEqual(readShellScript(`a 'b c`).commands[0]!.words.map((w) => w.value), ['a', 'b c'])
  assert.deepEqual(readShellScript(`a "b $(c`).commands[0]!.words.map((w) => w.value), ['a', 'b $(c'])
  assert.deepEqual(readShellScript('a \\').commands[0]!.words.map((w) => w.value), ['a', ''])
})

test('any text: read without throwing, every word within the script, in order', () => {
  const alphabet = ['a', 'b', ' ', '\t', '\n', "'", '"', '\\', '$', '(', ')', '{', '}', '`', ';', '&', '|', '<', '>', '#', '=', '-', '2', 'é', '\u{1F600}', 'EOF', '<<']
  let seed = 12345
  const next = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
  for (let round = 0; round < 3000; round++) {
    let script = ''
    for (let k = next(40); k > 0; k--) script += alphabet[next(alphabet.length)]
    const { commands, scripts } = readShellScript(script)
    let last = -1
    for (const w of commands.flatMap((c) => c.words)) {
      assert.ok(w.start > last - 1 && w.start <= w.end && w.end <= script.length, JSON.stringify(script))
      assert.equal(w.at.length, w.value.length, JSON.stringify(script))
      for (const at of w.at) assert.ok(at === -1 || (at >= w.start && at < w.end), JSON.stringify(script))
      last = w.end
    }
    for (const s of scripts) assert.ok(s.start <= s.end && s.end <= script.length, JSON.stringify(script))
  }
})

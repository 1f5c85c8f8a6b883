// Black-box tests of `prov read-params`.
import { test, describe, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { BIN, makeRepo, parseValid, type Sandbox } from '../helpers/prov.js'

let sb: Sandbox
before(async () => {
  sb = await makeRepo()
  sb.write('p.json', JSON.stringify({ lr: 0.5, model: { layers: 2, act: 'relu' }, tags: ['a'] }))
  sb.write('p.yaml', 'lr: 0.7\nmodel:\n  layers: 5\n  dropout: 0.1\nname: from-yaml\nenabled: true\n')
  sb.write('p.yml', 'batch: 32\nlist:\n  - 1\n  - two\n')
  sb.write('noext', 'epochs: 9\n')
  sb.write('bad.json', '{"lr": 0.1,\n')
  sb.write('bad.yaml', 'a: 1\nb: [1, 2\n')
  sb.write('list.yaml', '- 1\n- 2\n')
  sb.write('scalar.json', '42\n')
  sb.write('secret.yaml', 'db:\n  password: hunter2-hunter2\n  host: localhost\n')
  sb.write('big.json', '{"model": {"sizes": [1, 1e400]}}\n')
  sb.write('inf.yaml', 'a:\n  b: .inf\n')
  sb.write('nan.yml', 'x: .nan\n')
  sb.write('lone.json', '{"tag": "a\\udc00b"}\n')
  sb.write('lonekey.json', '{"m": {"\\ud800": 1}}\n')
})
after(() => sb.cleanup())

async function params(args: string[]): Promise<any> {
  const r = await sb.prov(['read-params', ...args])
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`)
  assert.equal(r.exitCode, 0)
  return parseValid('params', r.stdout).params
}

async function fails(args: string[], name: string): Promise<string> {
  const r = await sb.prov(['read-params', ...args])
  assert.equal(r.exitCode, 2, `stderr: ${r.stderr}`)
  assert.equal(r.stdout, '')
  assert.ok(r.stderr.includes(name), `stderr should name ${name}: ${r.stderr}`)
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
  return r.stderr
}

const FINGERPRINT = /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/

describe('read-params: -p', { concurrency: true }, () => {
  test('params nested deeper than 256 levels: a file is an error (exit 2, nothing printed), not a stack overflow; a -p value is kept as the text given', async () => {
    sb.write('deep.json', `{"a": ${'['.repeat(5000)}${']'.repeat(5000)}}\n`)
    sb.write('deep-ok.json', `{"a": ${'['.repeat(255)}${']'.repeat(255)}}\n`)
    const r = await sb.prov(['read-params', '--params-file', 'deep.json'])
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [2, '', "prov: params file 'deep.json' nests its values more than 256 levels deep\n"])
    const ok = await sb.prov(['read-params', '--params-file', 'deep-ok.json'])
    assert.equal(ok.exitCode, 0, ok.stderr)
    const deep = '['.repeat(5000) + ']'.repeat(5000)
    assert.deepEqual(await params(['-p', `x=${deep}`]), { x: deep })
  })

  test("a -p key's components count as levels: more than 256 is an error (exit 2), not a run write-run refuses or a stack overflow; its value gets the levels left", async () => {
    for (const n of [300, 20_000]) {
      const r = await sb.prov(['read-params', '-p', `${Array(n).fill('a').join('.')}=1`])
      assert.deepEqual([r.exitCode, r.stdout, r.stderr], [2, '', `prov: invalid parameter key 'a.a.a...': it nests more than 256 levels deep (${n} components)\n`])
    }
    const key = Array(250).fill('a').join('.')
    const dig = (p: unknown): unknown => { for (let i = 0; i < 250; i++) p = (p as Record<string, unknown>).a; return p }
    // 250 levels of key and 6 of value make 256, as a params file may; a seventh is the text given.
    assert.deepEqual(dig(await params(['-p', `${key}=${'['.repeat(6)}${']'.repeat(6)}`])), [[[[[[]]]]]])
    assert.equal(dig(await params(['-p', `${key}=${'['.repeat(7)}${']'.repeat(7)}`])), '[[[[[[[]]]]]]]')
    const r = await sb.prov(['record', '-p', `${Array(300).fill('a').join('.')}=1`, '--', 'true'])
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [125, '', "prov: invalid parameter key 'a.a.a...': it nests more than 256 levels deep (300 components) (the command was not run)\n"])
  })

  test('values are typed as JSON where they parse', async () => {
    const p = await params(['-p', 'lr=0.1', '-p', 'name=abc', '-p', 'flags=[1,2]', '-p', 'on=true', '-p', 'none=null',
      '-p', 'neg=-3', '-p', 'quoted="7"', '-p', 'obj={"k":1}', '-p', 'empty=', '-p', 'eq=a=b', '-p', 'ver=1.2.3', '-p', 'sp= x '])
    assert.deepEqual(p, {
      lr: 0.1, name: 'abc', flags: [1, 2], on: true, none: null, neg: -3, quoted: '7', obj: { k: 1 },
      empty: '', eq: 'a=b', ver: '1.2.3', sp: ' x ',
    })
    assert.equal(typeof p.lr, 'number')
  })

  test('a version whose text ends in zeros after the digits of its fraction (-p version=1.10) is the number, with a warning that says how to keep the text; other numbers as they are', async () => {
    const r = await sb.prov(['read-params', '-p', 'version=1.10', '-p', 'lr=1.50', '-p', 'scale=1.0', '-p', 'tag="1.10"', '-p', 'data.release=2.0', '-p', 'model.ver=3.20'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(parseValid('params', r.stdout).params, { version: 1.1, lr: 1.5, scale: 1, tag: '1.10', data: { release: 2 }, model: { ver: 3.2 } })
    assert.equal(r.stderr, `prov: warning: -p version=1.10 is the number 1.1, as JSON reads it; for the text (a version), quote it: -p 'version="1.10"'\n` +
      `prov: warning: -p model.ver=3.20 is the number 3.2, as JSON reads it; for the text (a version), quote it: -p 'model.ver="3.20"'\n`)
  })

  test('dotted keys nest; later wins', async () => {
    const p = await params(['-p', 'model.layers=3', '-p', 'model.act=relu', '-p', 'lr=0.1', '-p', 'lr=0.2', '-p', 'model.layers=4'])
    assert.deepEqual(p, { model: { layers: 4, act: 'relu' }, lr: 0.2 })
  })

  test('as prov-read-params(1) says: a file merges into what came before, a -p object replaces its key whole; a %YAML 1.1 file is read as YAML 1.1', async () => {
    sb.write('ac.json', '{"a": {"c": 2}}\n')
    assert.deepEqual(await params(['-p', 'a.b=1', '-p', 'a={"c":2}']), { a: { c: 2 } })
    assert.deepEqual(await params(['-p', 'a.b=1', '--params-file', 'ac.json']), { a: { b: 1, c: 2 } })
    assert.deepEqual(await params(['-p', 'a.b=1', '-p', 'a.c=2']), { a: { b: 1, c: 2 } })
    sb.write('v11.yaml', '%YAML 1.1\n---\nn: 0755\nflag: yes\nmode: on\n')
    sb.write('v12.yaml', 'n: 0755\nflag: yes\nmode: on\n')
    assert.deepEqual(await params(['--params-file', 'v11.yaml']), { false: 493, flag: true, mode: true })
    assert.deepEqual(await params(['--params-file', 'v12.yaml']), { n: 755, flag: 'yes', mode: 'on' })
  })

  test('the flag spellings: -p K=V, -pK=V, --param K=V, --param=K=V', async () => {
    const p = await params(['-p', 'a=1', '-pb=2', '--param', 'c=3', '--param=d=4'])
    assert.deepEqual(p, { a: 1, b: 2, c: 3, d: 4 })
  })

  test('keys print in the order first given, but whole-number keys first, as read-params(1) says', async () => {
    const r = await sb.prov(['read-params', '-p', 'b=1', '-p', '10=2', '-p', 'a=3', '-p', '2=4', '-p', '007=5', '-p', 'b=6'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, '{"params":{"2":4,"10":2,"b":6,"a":3,"007":5}}\n')
  })

  test('no sources give an empty object', async () => {
    assert.deepEqual(await params([]), {})
  })

  test('-p without = is exit 2 naming it', async () => {
    await fails(['-p', 'novalue'], 'novalue')
    await fails(['-p', '=1'], '=1')
    await fails(['-p', 'a..b=1'], 'a..b')
  })

  test('-p cannot set an element of a list (a key written as diff names it, a.b[0]): exit 2, not a key "b[0]" beside the list', async () => {
    const stderr = await fails(['-p', 'model.layers[0].size=128'], 'model.layers[0].size')
    assert.equal(stderr, "prov: invalid parameter key 'model.layers[0].size': -p sets keys by dots ('a.b=1'); an element of a list cannot be set on its own\nhint: give the whole list: -p 'model.layers=[...]'\n")
    await fails(['-p', 'a]=1'], 'a]')
    // Brackets in a value are a value's.
    assert.deepEqual(await params(['-p', 'a=[1,2]', '-p', 'b=x[0]']), { a: [1, 2], b: 'x[0]' })
  })

  test('-p with no value at all is exit 2 naming the flag', async () => {
    await fails(['-p'], '-p')
  })

  test('a number a double would not give back unchanged is kept as the text given', async () => {
    const p = await params(['-p', 'seed=12345678901234567891', '-p', 'tiny=1e-400', '-p', 'ids=[1,9007199254740993]', '-p', 'ok=9007199254740992', '-p', 'lr=1.50'])
    assert.deepEqual(p, { seed: '12345678901234567891', tiny: '1e-400', ids: [1, '9007199254740993'], ok: 9007199254740992, lr: 1.5 })
  })

  test('prototype keys are refused', async () => {
    await fails(['-p', '__proto__.polluted=1'], '__proto__')
  })

  test('secret keys are fingerprinted, also when nested; credential-shaped values too', async () => {
    const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'
    const r = await sb.prov(['read-params', '-p', 'api_key=x', '-p', 'db.password=hunter2', '-p', `note=use ${token}`, '-p', 'keyboard=qwerty'])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stderr, '')
    assert.ok(!r.stdout.includes('hunter2'))
    assert.ok(!r.stdout.includes(token))
    const p = parseValid('params', r.stdout).params
    assert.match(p.api_key, FINGERPRINT)
    assert.match(p.db.password, FINGERPRINT)
    assert.match(p.note, /^use \[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.equal(p.keyboard, 'qwerty')
    // the same value gives the same fingerprint
    const again = await params(['-p', 'api_key=x'])
    assert.equal(again.api_key, p.api_key)
    const other = await params(['-p', 'api_key=y'])
    assert.notEqual(other.api_key, p.api_key)
  })
})

describe('read-params: files', { concurrency: true }, () => {
  test('a JSON file', async () => {
    assert.deepEqual(await params(['--params-file', 'p.json']), { lr: 0.5, model: { layers: 2, act: 'relu' }, tags: ['a'] })
  })

  test('YAML files (.yaml and .yml), and a file without extension', async () => {
    assert.deepEqual(await params(['--params-file', 'p.yaml']), { lr: 0.7, model: { layers: 5, dropout: 0.1 }, name: 'from-yaml', enabled: true })
    assert.deepEqual(await params(['--params-file', 'p.yml']), { batch: 32, list: [1, 'two'] })
    assert.deepEqual(await params(['--params-file', 'noext']), { epochs: 9 })
  })

  test('files merge deeply, in command-line order with -p: later wins', async () => {
    assert.deepEqual(await params(['--params-file', 'p.json', '--params-file', 'p.yaml']),
      { lr: 0.7, model: { layers: 5, act: 'relu', dropout: 0.1 }, tags: ['a'], name: 'from-yaml', enabled: true })
    assert.deepEqual((await params(['-p', 'lr=1', '--params-file', 'p.json'])).lr, 0.5)
    assert.deepEqual((await params(['--params-file', 'p.json', '-p', 'lr=1'])).lr, 1)
    const mixed = await params(['--params-file', 'p.yaml', '-p', 'model.layers=8', '--params-file=p.json'])
    assert.deepEqual(mixed.model, { layers: 2, dropout: 0.1, act: 'relu' })
    const last = await params(['--params-file', 'p.json', '-p', 'model.layers=8'])
    assert.deepEqual(last.model, { layers: 8, act: 'relu' })
  })

  test('a file from a subdirectory is read relative to the current directory', async () => {
    sb.write('conf/q.json', '{"q": 1}')
    const r = await sb.prov(['read-params', '--params-file', 'q.json'], { cwd: path.join(sb.dir, 'conf') })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(parseValid('params', r.stdout).params, { q: 1 })
  })

  test('secrets in a file are fingerprinted', async () => {
    const r = await sb.prov(['read-params', '--params-file', 'secret.yaml'])
    assert.equal(r.exitCode, 0)
    assert.ok(!r.stdout.includes('hunter2'))
    const p = parseValid('params', r.stdout).params
    assert.match(p.db.password, FINGERPRINT)
    assert.equal(p.db.host, 'localhost')
  })

  test('a missing file is exit 2 naming it', async () => {
    await fails(['--params-file', 'no-such-params.json'], 'no-such-params.json')
  })

  test('an invalid JSON file is exit 2 naming it', async () => {
    const stderr = await fails(['--params-file', 'bad.json'], 'bad.json')
    assert.match(stderr, /JSON/)
  })

  test('an invalid YAML file is exit 2 naming it', async () => {
    const stderr = await fails(['--params-file', 'bad.yaml'], 'bad.yaml')
    assert.match(stderr, /YAML/)
  })

  test('a file whose top level is not an object is exit 2 naming it', async () => {
    await fails(['--params-file', 'list.yaml'], 'list.yaml')
    await fails(['--params-file', 'scalar.json'], 'scalar.json')
  })

  test('a value no run can keep is exit 2 naming the file and where: a number beyond a double, YAML .inf and .nan, a lone surrogate', async () => {
    const table: Array<[string, string]> = [
      ['big.json', "a number JSON cannot hold at model.sizes[1] (it reads as Infinity)"],
      ['inf.yaml', "a number JSON cannot hold at a.b (it reads as Infinity)"],
      ['nan.yml', "a number JSON cannot hold at x (it reads as NaN)"],
      ['lone.json', "a lone surrogate (\\udc00) in the string at tag"],
      ['lonekey.json', "a lone surrogate (\\ud800) in a key in m"],
    ]
    for (const [file, what] of table) {
      const stderr = await fails(['--params-file', file], file)
      assert.equal(stderr, `prov: params file '${file}' holds ${what}, which a run cannot keep\n`)
    }
  })

  test('text written as JSON with a comment or NaN is exit 2 saying where, not read as YAML (which made a key of the comment, a string of NaN)', async () => {
    sb.write('tsconf.jsonc', '{\n  // learning rate\n  "lr": 0.1,\n  "epochs": 10\n}\n')
    assert.equal(await fails(['--params-file', 'tsconf.jsonc'], 'tsconf.jsonc'),
      "prov: params file 'tsconf.jsonc' is not valid JSON: it holds a comment at line 2, column 3, which JSON does not allow\n" +
      'hint: remove the comments (JSON with comments, as in tsconfig.json, is not read), or write the file as YAML, whose comments start with #\n')
    // What Python's json.dumps writes for a float nan, on standard input.
    const r = await sb.prov(['read-params', '--params-file', '-'], { input: '{"lr": NaN, "w": 1}\n' })
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^prov: standard input is not valid JSON: it holds NaN at line 1, column 8, a number JSON cannot hold, which a run cannot keep\n/)
    // YAML's own flow style is read as YAML reads it, a value that starts with // too.
    sb.write('flow.yaml.txt', "{lr: 0.1, url: //host/x, 'n': NaNa}\n")
    assert.deepEqual(await params(['--params-file', 'flow.yaml.txt']), { lr: 0.1, url: '//host/x', n: 'NaNa' })
  })

  test('a comment where a key or element starts is exit 2 though the text without it is no JSON (unquoted keys), not a key "// rate epochs"', async () => {
    sb.write('json5.txt', '{\n  lr: 0.1, // learning rate\n  epochs: 3\n}\n')
    assert.match(await fails(['--params-file', 'json5.txt'], 'json5.txt'), /it holds a comment at line 2, column 12, which JSON does not allow/)
    sb.write('json5b.txt', "{\n  \"a\": 'it', /* c */\n  \"b\": 2\n}\n")
    assert.match(await fails(['--params-file', 'json5b.txt'], 'json5b.txt'), /it holds a comment at line 2, column 14/)
    // YAML's own // after a value, and a path glued in a sequence, are still read.
    sb.write('yflow.txt', '{expr: n // 2, mounts: [//nas/a, //nas/b], globs: [/*.txt, src/**/x]}\n')
    assert.deepEqual(await params(['--params-file', 'yflow.txt']), { expr: 'n // 2', mounts: ['//nas/a', '//nas/b'], globs: ['/*.txt', 'src/**/x'] })
  })

  test('a file in UTF-16 or in Latin-1 is exit 2 saying so, not read with U+FFFD in place of what is not UTF-8', async () => {
    // Windows PowerShell's `>` writes UTF-16 with a byte order mark: it read as no object at all.
    sb.write('ps.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"lr": 0.1}\n', 'utf16le')]))
    sb.write('ps.yaml', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('lr: 0.1\n', 'utf16le').swap16()]))
    for (const f of ['ps.json', 'ps.yaml']) {
      assert.equal(await fails(['--params-file', f], f), `prov: params file '${f}' is UTF-16 text (its byte order mark says so): parameter files are read as UTF-8\nhint: convert it: iconv -f UTF-16 -t UTF-8 <file> > <new file>\n`)
    }
    // Latin-1: café and cafè both read as caf\ufffd, the same value to a diff.
    sb.write('l1.yaml', Buffer.from('lr: 0.1\nname: caf\xe9\n', 'latin1'))
    assert.equal(await fails(['--params-file', 'l1.yaml'], 'l1.yaml'), "prov: params file 'l1.yaml' is not valid UTF-8 (line 2): parameter files are read as UTF-8\nhint: convert it, from the encoding it was written in: iconv -f LATIN1 -t UTF-8 <file> > <new file>\n")
    const r = await sb.prov(['read-params', '--params-file', '-'], { input: Buffer.from('{"name": "caf\xe8"}', 'latin1') })
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /^prov: standard input is not valid UTF-8 \(line 1\)/)
  })

  test('a byte order mark before a JSON file is read as jq reads it', async () => {
    sb.write('bom.json', '\ufeff{"lr": 0.5}\n')
    sb.write('bom.yaml', '\ufefflr: 0.5\n')
    sb.write('bom-noext', '\ufeff{"lr": 0.5}\n')
    for (const f of ['bom.json', 'bom.yaml', 'bom-noext']) assert.deepEqual(await params(['--params-file', f]), { lr: 0.5 }, f)
  })

  test('YAML merge keys merge, as PyYAML reads them', async () => {
    sb.write('merge.yaml', 'base: &b {x: 1, y: 1}\nc: {<<: *b, y: 2}\nd:\n  <<: [*b, {z: 3}]\n')
    assert.deepEqual(await params(['--params-file', 'merge.yaml']), { base: { x: 1, y: 1 }, c: { x: 1, y: 2 }, d: { x: 1, y: 1, z: 3 } })
    // Two merge keys in one mapping: PyYAML takes the later, others the first or refuse; so does prov.
    sb.write('merge2.yaml', 'a: &a {x: 1}\nb: &b {x: 2}\nc:\n  d:\n    <<: *a\n    <<: *b\n')
    const err = await fails(['--params-file', 'merge2.yaml'], 'merge2.yaml')
    assert.match(err, /2 merge keys \(<<\) in one mapping at c\.d/)
    assert.match(err, /hint: .*<<: \[\*first, \*second\]/)
    // A quoted "<<" is a plain key, not a merge key.
    sb.write('merge3.yaml', 'a: &a {x: 1}\nc:\n  <<: *a\n  "<<": 5\n')
    assert.deepEqual(await params(['--params-file', 'merge3.yaml']), { a: { x: 1 }, c: { x: 1, '<<': 5 } })
  })

  test('a YAML value JSON has no form for is exit 2 naming the file, the place and what is wrong', async () => {
    const table: Array<[string, string]> = [
      ['a: !!set {x, y}\n', "has a value tagged !!set at a, which JSON has no form for\nhint: write a list instead"],
      ['a:\n  b: [1, !!binary aGVsbG8=]\n', "has a value tagged !!binary at a.b[1], which JSON has no form for\nhint: remove the tag to keep the base64 text as a string"],
      ['a: !!timestamp 2001-12-14\n', "has a value tagged !!timestamp at a, which JSON has no form for\nhint: remove the tag to keep the date as a string"],
      ['a: !!omap [{x: 1}]\n', "has a value tagged !!omap at a, which JSON has no form for\nhint: write a mapping, or a list of pairs, without the tag"],
      ['a: !custom x\n', "has a value tagged !custom at a, a tag prov does not know\nhint: prov reads plain YAML values (strings, numbers, booleans, null, lists, mappings): remove the tag"],
      ['a: !!float abc\n', "has a value tagged !!float at a, which is not one\nhint: remove the tag, or write the value so that it is one"],
      ['db:\n  password: !!int hunter2\n', "has a value tagged !!int at db.password, which is not one\nhint: remove the tag, or write the value so that it is one"], // the value, maybe a secret, is not shown
      ['null: 1\n', "holds a null key at the top level\nhint: YAML reads an empty key, null and ~ as null: quote it ('null':) to mean the string"],
      ['m:\n  : 1\n', "holds a null key in m\nhint: YAML reads an empty key, null and ~ as null: quote it ('null':) to mean the string"],
      ['? [1, 2]\n: x\n', 'holds a list or a mapping as a key at the top level'],
      ['1: a\n"1": b\n', "holds two keys that both read as '1' at the top level"],
      ['a: &x [1, *x]\n', 'holds a value that contains itself at a[1] (an alias inside its own anchor)'],
    ]
    let i = 0
    for (const [text, what] of table) {
      const file = `nojson${i++}.yaml`
      sb.write(file, text)
      const stderr = await fails(['--params-file', file], file)
      assert.equal(stderr, `prov: params file '${file}' ${what}\n`)
    }
  })

  test('plain, JSON-tagged YAML values are read', async () => {
    sb.write('tags.yaml', 'a: !!int "12"\nb: !!str 12\nc: ! 5\nd: !!map {x: !!null ~, y: ! [1]}\ne: !!seq [!!bool true, !!float 1.5]\n')
    assert.deepEqual(await params(['--params-file', 'tags.yaml']), { a: 12, b: '12', c: '5', d: { x: null, y: [1] }, e: [true, 1.5] })
  })

  test('a file named for a format prov does not read (TOML, INI, XML, ...) is said to be that, not bad YAML', async () => {
    const hint = 'hint: write the parameters as JSON or YAML, or give them with -p KEY=VALUE; the file can still be an input (-i)\n'
    for (const [name, text, format] of [['p.toml', 'lr = 1.0\n', 'TOML'], ['cfg/train.TOML', '[model]\nlayers = 2\n', 'TOML'], ['setup.cfg', '[x]\na = 1\n', 'INI'], ['a.ini', 'a=1\n', 'INI'], ['conf.xml', '<a/>\n', 'XML'], ['vars.tfvars', 'a = 1\n', 'HCL']] as const) {
      sb.write(name, text)
      assert.equal(await fails(['--params-file', name], name), `prov: params file '${name}' is not JSON or YAML (${format}, by its name): parameter files are JSON or YAML\n${hint}`)
    }
    // Named so, yet JSON or YAML within: read as such (a setup.cfg of YAML).
    sb.write('train.cfg', 'lr: 0.1\nepochs: 3\n')
    sb.write('p.ini', '{"lr": 0.2}\n')
    assert.deepEqual(await params(['--params-file', 'train.cfg']), { lr: 0.1, epochs: 3 })
    assert.deepEqual(await params(['--params-file', 'p.ini']), { lr: 0.2 })
  })

  test('a YAML error names the line and column, and ends with what is wrong', async () => {
    const stderr = await fails(['--params-file', 'bad.yaml'], 'bad.yaml')
    assert.equal(stderr, "prov: params file 'bad.yaml' is not valid YAML at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]\n")
    sb.write('multi.yaml', 'a: 1\n---\nb: 2\n')
    assert.equal(await fails(['--params-file', 'multi.yaml'], 'multi.yaml'),
      "prov: params file 'multi.yaml' holds more than one YAML document (the second starts at line 2, column 1)\n" +
      'hint: a params file holds one document: remove the --- line there, or split the file in two\n')
  })

  test('an integer a double cannot hold exactly is kept as its digits, a string, with a warning naming it', async () => {
    sb.write('seed.json', '{"seed": 12345678901234567891, "m": {"ids": [1, -18446744073709551615]}, "ok": 9007199254740992, "f": 1.5}\n')
    sb.write('seed.yaml', 'seed: 12345678901234567891\nm:\n  ids: [1, 0x1FFFFFFFFFFFFFFFF]\nok: 9007199254740992\nf: 1.5\n')
    // The place and the length, not the value: it may be a secret.
    const warn = (file: string, at: string, digits: string, _reads: string) =>
      `prov: warning: params file '${file}': the integer at ${at} (${digits.replace(/^-/, '').length} digits) is more than a double holds exactly: kept as the string of its digits\n`
    const json = await sb.prov(['read-params', '--params-file', 'seed.json'])
    assert.equal(json.exitCode, 0, json.stderr)
    assert.deepEqual(parseValid('params', json.stdout).params,
      { seed: '12345678901234567891', m: { ids: [1, '-18446744073709551615'] }, ok: 9007199254740992, f: 1.5 })
    assert.equal(json.stderr, warn('seed.json', 'seed', '12345678901234567891', '12345678901234567000') +
      warn('seed.json', 'm.ids[1]', '-18446744073709551615', '-18446744073709552000'))
    const yaml = await sb.prov(['read-params', '--params-file', 'seed.yaml'])
    assert.equal(yaml.exitCode, 0, yaml.stderr)
    assert.deepEqual(parseValid('params', yaml.stdout).params,
      { seed: '12345678901234567891', m: { ids: [1, '36893488147419103231'] }, ok: 9007199254740992, f: 1.5 })
    assert.equal(yaml.stderr, warn('seed.yaml', 'seed', '12345678901234567891', '12345678901234567000') +
      warn('seed.yaml', 'm.ids[1]', '36893488147419103231', '36893488147419103000'))
  })

  test('nothing is written to the store', async () => {
    await params(['-p', 'a=1', '--params-file', 'p.json'])
    const runs = path.join(sb.dir, '.prov', 'runs')
    assert.deepEqual(existsSync(runs) ? readdirSync(runs) : [], [])
  })
})

describe('read-params: --params-file - reads standard input', { concurrency: true }, () => {
  test('a JSON or a YAML document, in command-line order with the other sources', async () => {
    for (const input of ['{"lr": 0.5, "m": {"a": 1}}', 'lr: 0.5\nm: {a: 1}\n']) {
      const r = await sb.prov(['read-params', '-p', 'lr=1', '--params-file', '-', '-p', 'm.b=2'], { input })
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.stderr, '')
      assert.deepEqual(parseValid('params', r.stdout).params, { lr: 0.5, m: { a: 1, b: 2 } })
    }
  })

  test('errors name standard input', async () => {
    const r = await sb.prov(['read-params', '--params-file', '-'], { input: '[1]' })
    assert.equal(r.exitCode, 2)
    assert.equal(r.stderr, 'prov: standard input must hold an object at its top level\n')
    const tag = await sb.prov(['read-params', '--params-file', '-'], { input: 'a: !!set {x}\n' })
    assert.equal(tag.exitCode, 2)
    assert.match(tag.stderr, /^prov: standard input has a value tagged !!set at a, /)
  })

  test('twice is a usage error', async () => {
    const r = await sb.prov(['read-params', '--params-file', '-', '--params-file=-'], { input: '{}' })
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, "prov: '--params-file -' is given twice: standard input holds one document\nhint: to read a file named '-', write './-'\n")
  })

  test("a file named '-' is read as ./-", async () => {
    sb.write('-', '{"dash": 1}')
    assert.deepEqual(await params(['--params-file', './-']), { dash: 1 })
  })
})

describe('read-params --sources', { concurrency: true }, () => {
  test('prints where the params come from, in order, as record keeps it in its command section', async () => {
    sb.write('sub dir/x.yaml', 'a: 1\n')
    const r = await sb.prov(['read-params', '--sources', '-p', 'lr=0.1', '--params-file', 'x.yaml', '--params-file', '../p.json', '-p', 'api_key=plain-secret-value'], { cwd: path.join(sb.dir, 'sub dir') })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, '')
    assert.ok(!r.stdout.includes('plain-secret-value'), 'a secret -p value is never printed')
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(doc), ['command'])
    assert.deepEqual(doc.command.params_files, ['sub dir/x.yaml', 'p.json'], 'paths relative to the project root')
    assert.deepEqual(doc.command.params_sources.slice(0, 3), [{ param: 'lr=0.1' }, { file: 'sub dir/x.yaml' }, { file: 'p.json' }])
    assert.match(doc.command.params_sources[3].param, /^api_key=\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    // the same redaction as the params themselves
    const p = await params(['-p', 'api_key=plain-secret-value'])
    assert.equal(doc.command.params_sources[3].param, `api_key=${p.api_key}`)
  })

  test('--params-file - is refused with --sources (no file to read again); a file outside the project is said', async () => {
    const r = await sb.prov(['read-params', '--sources', '--params-file', '-'], { input: '{"lr": 0.5}' })
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /--sources cannot name '--params-file -'/)
    const outside = path.join(sb.home, 'outside.json')
    writeFileSync(outside, '{"a": 1}')
    const o = await sb.prov(['read-params', '--sources', '--params-file', outside])
    assert.equal(o.exitCode, 0, o.stderr)
    assert.deepEqual(JSON.parse(o.stdout).command.params_files, [outside])
    assert.match(o.stderr, /warning: .*outside\.json' is outside the project root/)
    // A FIFO (bash's <(...)): read once, so refused as record refuses it, before it is read.
    const { execa } = await import('execa')
    const f = await execa('bash', ['-c', `"$NODE" "$PROV" read-params --sources --params-file <(echo '{"a": 1}'); echo "rc=$?"`], {
      cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN }, extendEnv: false, reject: false,
    })
    assert.equal(f.stdout, 'rc=2')
    assert.match(f.stderr, /^prov: --sources cannot name --params-file '\/dev\/fd\/\d+': it is a FIFO, which prov diff --workspace could not read again\nhint: save the params to a file and name it, as prov record asks$/)
  })

  test('--keep-var and --redact-var shape params and -p sources as record\'s do', async () => {
    const kept = await sb.prov(['read-params', '--keep-var', 'my_token', '--redact-var', 'plain*', '-p', 'my_token=kept-value', '-p', 'plain_name=hidden-value'])
    assert.equal(kept.exitCode, 0, kept.stderr)
    const p = parseValid('params', kept.stdout).params
    assert.equal(p.my_token, 'kept-value')
    assert.match(p.plain_name, /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.match((await params(['-p', 'my_token=kept-value'])).my_token, /^\[redacted hmac-sha256:/)
    const src = await sb.prov(['read-params', '--sources', '--keep-var', 'my_token', '-p', 'my_token=kept-value'])
    assert.deepEqual(JSON.parse(src.stdout).command.params_sources, [{ param: 'my_token=kept-value' }])
  })

  test('no sources: an empty command section; a source that cannot be read fails as without --sources', async () => {
    const r = await sb.prov(['read-params', '--sources'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, '{"command":{}}\n')
    await fails(['--sources', '--params-file', 'missing.yaml'], 'missing.yaml')
    await fails(['--sources', '--params-file', 'bad.json'], 'bad.json')
    await fails(['--sources', '-p', 'no-equals'], 'no-equals')
    // A path that cannot be looked up: said as without --sources, not an internal error.
    sb.write('plain.yaml', 'a: 1\n')
    symlinkSync('loop-b.yaml', path.join(sb.dir, 'loop-a.yaml'))
    symlinkSync('loop-a.yaml', path.join(sb.dir, 'loop-b.yaml'))
    for (const bad of ['loop-a.yaml', 'plain.yaml/x', 'n'.repeat(5000)]) {
      const e = await fails(['--sources', '--params-file', bad], bad.slice(0, 40))
      assert.doesNotMatch(e, /internal error/)
      assert.equal(e, await fails(['--params-file', bad], bad.slice(0, 40)))
    }
  })
})

// The strict argv parser: tables of argv → values/rest/sequence, and of argv → ArgvError.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ArgvError, parseArgv, type ArgSpec, type ParsedArgv } from '../../../src/core/argv.js'

// Shaped like `prov record` (repeatable -i/-o/-p, -m, booleans, -q, -z, an enum, a store path).
const RECORD: Record<string, ArgSpec> = {
  input: { type: 'string', alias: 'i' },
  output: { type: 'string', alias: 'o' },
  param: { type: 'string', alias: 'p' },
  'params-file': { type: 'string' },
  message: { type: 'string', alias: 'm' },
  'no-exec': { type: 'boolean' },
  quiet: { type: 'boolean', alias: 'q' },
  z: { type: 'boolean' },
  format: { type: 'enum', options: ['text', 'json'], default: 'text' },
  store: { type: 'string', default: '.prov' },
}
const REC_OPTS = { repeatable: ['input', 'output', 'param', 'params-file'] }

// Shaped like `prov diff-runs A B` and `prov verify [REF...]`.
const TWO_REFS: Record<string, ArgSpec> = {
  a: { type: 'positional', required: true },
  b: { type: 'positional', required: false, default: '@' },
  pretty: { type: 'boolean' },
}

function parse(argv: string[], spec = RECORD, opts: { repeatable?: string[]; variadic?: boolean } = REC_OPTS): ParsedArgv {
  return parseArgv(argv, spec, opts)
}

const DEFAULTS = {
  input: [], output: [], param: [], 'params-file': [], 'no-exec': false, quiet: false, z: false,
  format: 'text', store: '.prov',
}

test('flags: every spelling of a value, clustered booleans, defaults', () => {
  const table: Array<[string[], Record<string, unknown>]> = [
    [[], {}],
    [['--message=hi'], { message: 'hi' }],
    [['--message', 'hi'], { message: 'hi' }],
    [['-m', 'hi'], { message: 'hi' }],
    [['-mhi'], { message: 'hi' }],
    [['--message='], { message: '' }],
    [['--message=a=b'], { message: 'a=b' }],
    [['--message', '-x'], { message: '-x' }], // a value word may start with a dash
    [['-m--'], { message: '--' }], // `--` as a value must be attached: -m -- is a missing value
    [['--message=--'], { message: '--' }],
    [['--message', 'a b'], { message: 'a b' }],
    [['-q'], { quiet: true }],
    [['--quiet'], { quiet: true }],
    [['-z'], { z: true }],
    [['--z'], { z: true }],
    [['-zq'], { z: true, quiet: true }],
    [['-qz'], { z: true, quiet: true }],
    [['-qm', 'msg'], { quiet: true, message: 'msg' }],
    [['-qmmsg'], { quiet: true, message: 'msg' }],
    [['-zqp', 'a=1'], { z: true, quiet: true, param: ['a=1'] }],
    [['--no-exec'], { 'no-exec': true }],
    [['--format', 'json'], { format: 'json' }],
    [['--format=text'], { format: 'text' }],
    [['--store', '/tmp/s'], { store: '/tmp/s' }],
    [['-m', 'one', '-m', 'two'], { message: 'two' }], // not repeatable: the last one wins
  ]
  for (const [argv, expected] of table) {
    const r = parse(argv)
    assert.deepEqual(r.values, { ...DEFAULTS, ...expected }, argv.join(' '))
    assert.deepEqual(r.extra, [], argv.join(' '))
    assert.equal(r.rest, null, argv.join(' '))
  }
})

test('repeatable flags keep every value, and sequence keeps their order across flags', () => {
  const r = parse(['-i', 'a', '--param', 'x=1', '--input=b', '-pmodel.lr=0.1', '--params-file', 'p.yaml', '-o', 'out', '-p', 'x=2', '-ic'])
  assert.deepEqual(r.values.input, ['a', 'b', 'c'])
  assert.deepEqual(r.values.param, ['x=1', 'model.lr=0.1', 'x=2'])
  assert.deepEqual(r.values['params-file'], ['p.yaml'])
  assert.deepEqual(r.values.output, ['out'])
  assert.deepEqual(r.sequence, [
    ['input', 'a'], ['param', 'x=1'], ['input', 'b'], ['param', 'model.lr=0.1'], ['params-file', 'p.yaml'],
    ['output', 'out'], ['param', 'x=2'], ['input', 'c'],
  ])
  // Flags that are not repeatable do not enter the sequence.
  assert.deepEqual(parse(['-m', 'x', '-q']).sequence, [])
})

test('-- ends the options; rest keeps everything after it verbatim', () => {
  const table: Array<[string[], string[] | null, Record<string, unknown>]> = [
    [['--', 'make'], ['make'], {}],
    [['--'], [], {}],
    [['-q', '--', 'python', '-m', 'x', '--lr=0.1', '--', '-z', '-', ''], ['python', '-m', 'x', '--lr=0.1', '--', '-z', '-', ''], { quiet: true }],
    [['-i', 'in', '--', '-i', 'not-an-input'], ['-i', 'not-an-input'], { input: ['in'] }],
    [['--', '--unknown', '-Q'], ['--unknown', '-Q'], {}],
    [['-m', 'x'], null, { message: 'x' }],
  ]
  for (const [argv, rest, values] of table) {
    const r = parse(argv)
    assert.deepEqual(r.rest, rest, argv.join(' '))
    assert.deepEqual(r.values, { ...DEFAULTS, ...values }, argv.join(' '))
  }
})

test('positionals: bound in order, defaults, "-" is a positional, variadic extras', () => {
  const table: Array<[string[], Record<string, unknown>, string[], boolean]> = [
    [['x'], { a: 'x', b: '@', pretty: false }, [], false],
    [['x', 'y'], { a: 'x', b: 'y', pretty: false }, [], false],
    [['-', 'y'], { a: '-', b: 'y', pretty: false }, [], false],
    [['--pretty', 'x', '-'], { a: 'x', b: '-', pretty: true }, [], false],
    [['x', '--pretty', 'y'], { a: 'x', b: 'y', pretty: true }, [], false],
    [['x', 'y', 'z', 'w'], { a: 'x', b: 'y', pretty: false }, ['z', 'w'], true],
    [['x', '--', '--pretty'], { a: 'x', b: '@', pretty: false }, [], false],
  ]
  for (const [argv, values, extra, variadic] of table) {
    const r = parseArgv(argv, TWO_REFS, { variadic })
    assert.deepEqual(r.values, values, argv.join(' '))
    assert.deepEqual(r.extra, extra, argv.join(' '))
  }
  // For a command that runs none, what follows -- are operands, however they look (diff -- -a -b).
  const operands: Array<[string[], Record<string, unknown>, string[], boolean]> = [
    [['--', '@~1', '@'], { a: '@~1', b: '@', pretty: false }, [], false],
    [['--pretty', '--', '-x/run.json', '--pretty'], { a: '-x/run.json', b: '--pretty', pretty: true }, [], false],
    [['x', '--', '-y'], { a: 'x', b: '-y', pretty: false }, [], false],
    [['--', 'a', 'b', '-c'], { a: 'a', b: 'b', pretty: false }, ['-c'], true],
  ]
  for (const [argv, values, extra, variadic] of operands) {
    const r = parseArgv(argv, TWO_REFS, { variadic, operandsAfterDashDash: true })
    assert.deepEqual(r.values, values, argv.join(' '))
    assert.deepEqual(r.extra, extra, argv.join(' '))
    assert.equal(r.rest, null)
  }
  assert.throws(() => parseArgv(['--', 'a', 'b', 'c'], TWO_REFS, { operandsAfterDashDash: true }), /unexpected argument 'c'/)
  const files = parseArgv(['-z', 'a', '-', 'b c'], { z: { type: 'boolean' } }, { variadic: true })
  assert.deepEqual(files.extra, ['a', '-', 'b c'])
  assert.equal(files.values.z, true)
})

test('errors: unknown flags, missing values, values for booleans, enums, positionals', () => {
  const table: Array<[string[], RegExp, Record<string, ArgSpec>?, { repeatable?: string[]; variadic?: boolean }?]> = [
    [['--nope'], /unknown option '--nope'/],
    [['--nope=1'], /unknown option '--nope'/],
    [['--Message', 'x'], /unknown option '--Message'/],
    [['--mess', 'x'], /unknown option '--mess'/], // no abbreviations
    [['-x'], /unknown option '-x'/],
    [['-qx'], /unknown option '-x'/],
    [['-Q'], /unknown option '-Q'/],
    [['--i', 'a'], /unknown option '--i'/], // a one-letter alias is short only
    [['-i'], /option '-i' requires a value/],
    [['-q', '-m'], /option '-m' requires a value/],
    [['--message'], /option '--message' requires a value/],
    [['--store'], /option '--store' requires a value/],
    [['-i', '--', 'true'], /option '-i' requires a value/], // not the file '--', then 'unexpected argument true'
    [['--input', '--', 'true'], /option '--input' requires a value/],
    [['-qm', '--', 'x'], /option '-m' requires a value/],
    [['--quiet=yes'], /option '--quiet' takes no value/],
    [['--no-exec='], /option '--no-exec' takes no value/],
    [['--format', 'yaml'], /invalid value 'yaml' for --format: expected one of text, json/],
    [['--format='], /invalid value '' for --format/],
    [['stray'], /unexpected argument 'stray'/],
    [['-q', 'a', 'b'], /unexpected argument 'a'/],
    [[], /missing argument <a>/, TWO_REFS, {}],
    [['--pretty'], /missing argument <a>/, TWO_REFS, {}],
    [['x', 'y', 'z'], /unexpected argument 'z'/, TWO_REFS, {}],
    [['-', '-', '-'], /unexpected argument '-'/, TWO_REFS, {}],
    [[], /missing required option '--store'/, { store: { type: 'string', required: true } }, {}],
  ]
  for (const [argv, message, spec, opts] of table) {
    assert.throws(() => parseArgv(argv, spec ?? RECORD, opts ?? REC_OPTS), (e: unknown) => {
      assert.ok(e instanceof ArgvError, `${argv.join(' ')}: ${String(e)}`)
      assert.match(e.message, message, argv.join(' '))
      return true
    }, argv.join(' '))
  }
})

test('the words after -- are never checked as flags', () => {
  assert.doesNotThrow(() => parse(['--', '--nope', '-x', '--format=yaml']))
  assert.throws(() => parse(['--nope', '--']), ArgvError)
})

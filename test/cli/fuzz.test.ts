// Property tests with fast-check: the pure functions on random and malformed input (in-process,
// PROV_FUZZ_RUNS cases each, 1000 by default), then random documents through the real CLI
// (write-run, diff-runs), then large inputs (a 10 MB params file, 100,000 input files).
import { test, describe, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import path from 'node:path'
import fc from 'fast-check'
import { parseJsonDocuments, JsonDocsError } from '../../src/core/json-docs.js'
import { mergeSections, buildRunRecord, MergeError } from '../../src/core/record.js'
import { computeRunId } from '../../src/core/id.js'
import { compareRuns } from '../../src/core/diff.js'
import { parseRef, resolveStoreRef, RefError } from '../../src/core/refs.js'
import { parseArgv, ArgvError, type ArgSpec } from '../../src/core/argv.js'
import { compareUtf8 } from '../../src/core/paths.js'
import { Redactor } from '../../src/core/redact.js'
import { makeRepo, parseValid, isValid, type Sandbox, toolsDir } from '../helpers/prov.js'

const RUNS = Math.max(1, Number(process.env.PROV_FUZZ_RUNS ?? 1000))
/** Cases through the real CLI: each spawns prov, so far fewer. */
const CLI_RUNS = Math.max(20, Math.round(RUNS / 28))
const opts = { numRuns: RUNS }

// ---- arbitraries ---------------------------------------------------------------------------
/** Keys that trip naive code: prototype names, empty, dots, brackets. */
const trickyKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', '.', 'a.b', '[0]', 'id', 'path', 'vars', 'command', 'git')
const key = fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: trickyKey })
/** JSON values whose objects are built as JSON.parse builds them (an own "__proto__" key included). */
const json: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ unit: 'binary', maxLength: 12 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('v')), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
  ),
})).v
const jsonObject = fc.array(fc.tuple(key, json), { maxLength: 6 }).map((e) => Object.fromEntries(e) as Record<string, unknown>)
const SECTIONS = ['command', 'inputs', 'outputs', 'params', 'git', 'env', 'message', 'id', 'schema_version', 'created_at'] as const
/** Objects shaped like runs: section names holding anything. */
const runish = fc.array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...SECTIONS) }, { weight: 1, arbitrary: key }), json), { maxLength: 8 })
  .map((e) => Object.fromEntries(e) as Record<string, unknown>)
const hex = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n })
const filePath = fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('a', 'a/b', 'b', 'é', 'z/../y', '<stdout>'))
const fileEntry = fc.oneof(
  fc.record({ path: filePath, size: fc.nat(), sha256: hex(64) }),
  fc.record({ path: filePath, missing: fc.constant(true as const) }),
)
const fileList = fc.uniqueArray(fileEntry, { selector: (f) => f.path, maxLength: 5 }).map((l) => l.sort((a, b) => compareUtf8(a.path, b.path)))
/** Sections as record/write-run produce them (types right, contents random). */
const sections = fc.record({
  command: fc.record({
    argv: fc.array(fc.string(), { minLength: 1, maxLength: 4 }),
    cwd: fc.constantFrom('.', 'sub'),
    exit_code: fc.option(fc.integer({ min: 0, max: 255 })),
    signal: fc.option(fc.constantFrom('SIGTERM', 'SIGKILL')),
    started_at: fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString()),
  }),
  inputs: fileList,
  outputs: fileList,
  params: jsonObject,
  git: fc.option(fc.record({ commit: fc.option(hex(40)), branch: fc.option(fc.string()), dirty: fc.boolean(), changes: fc.constant([]) })),
  env: fc.record({ os: jsonObject, runtime: jsonObject, vars: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string()) }),
}, { requiredKeys: ['command', 'inputs', 'outputs', 'params', 'git', 'env'] })

/** Only the errors a function documents; anything else (a TypeError) fails the property. */
function expectOnly<T>(f: () => T, ...errors: Array<new (...a: never[]) => Error>): T | undefined {
  try {
    return f()
  } catch (e) {
    if (errors.some((E) => e instanceof E)) return undefined
    throw e
  }
}

// ---- the pure functions --------------------------------------------------------------------
describe(`properties of the pure functions (${RUNS} cases each)`, () => {
  test('parseJsonDocuments: concatenated documents, any spacing, parse back to the same values', () => {
    const ws = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r\n'), maxLength: 3 })
    fc.assert(fc.property(fc.array(fc.tuple(json, fc.constantFrom(0, 2), ws), { maxLength: 6 }), (docs) => {
      let text = ''
      let prevScalar = false
      for (const [doc, indent, sep] of docs) {
        const s = JSON.stringify(doc, null, indent)
        // Scalars other than strings end at white space: they need some after the previous one.
        const scalar = typeof doc === 'number' || typeof doc === 'boolean' || doc === null
        if ((prevScalar || scalar) && text !== '' && sep === '') text += '\n'
        text += sep + s
        prevScalar = scalar
      }
      assert.deepEqual(parseJsonDocuments(text), docs.map(([d]) => JSON.parse(JSON.stringify(d))))
    }), opts)
  })

  test('parseJsonDocuments: any text JSON.parse accepts is that one document', () => {
    fc.assert(fc.property(json, fc.constantFrom(0, 1, 4), fc.constantFrom('', ' ', '\n', '\ufeff'), (doc, indent, pad) => {
      const text = pad + JSON.stringify(doc, null, indent) + pad
      assert.deepEqual(parseJsonDocuments(text), [JSON.parse(JSON.stringify(doc))])
    }), opts)
  })

  test('parseJsonDocuments: any text whatever gives documents or a JsonDocsError with a position', () => {
    const noisy = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', ' ', '\n', '1', 'a', 'e', '-', 't', 'n'), maxLength: 30 }),
      json.map((d) => JSON.stringify(d)).chain((s) => fc.nat({ max: s.length }).map((cut) => s.slice(0, cut))), // truncated
    )
    fc.assert(fc.property(noisy, (text) => {
      try {
        const docs = parseJsonDocuments(text)
        assert.ok(Array.isArray(docs))
      } catch (e) {
        assert.ok(e instanceof JsonDocsError, String(e))
        assert.ok(e.line >= 1 && e.column >= 1)
        assert.match(e.message, /line \d+, column \d+/)
      }
    }), opts)
  })

  test('mergeSections: any documents give sections or a MergeError, never another error', () => {
    fc.assert(fc.property(fc.array(fc.oneof(runish, json), { maxLength: 5 }), (docs) => {
      const merged = expectOnly(() => mergeSections(docs), MergeError)
      if (merged !== undefined) {
        for (const k of Object.keys(merged)) assert.ok((['command', 'inputs', 'outputs', 'params', 'git', 'env', 'message'] as string[]).includes(k), k)
      }
    }), opts)
  })

  test('mergeSections + buildRunRecord: a run split into documents any way merges back to the same run and id', () => {
    fc.assert(fc.property(sections, fc.nat(), fc.context(), (s, seed, ctx) => {
      // Split: each section whole in one document, objects' keys and file lists spread over several
      // (with repeats, which must agree), and the documents shuffled.
      const docs: Array<Record<string, unknown>> = [{}, {}, {}]
      let k = seed
      const pick = (): Record<string, unknown> => docs[(k = (k * 1103515245 + 12345) >>> 0) % docs.length]!
      for (const [name, value] of Object.entries(s)) {
        if ((name === 'command' || name === 'env' || name === 'params') && value && typeof value === 'object') {
          for (const [kk, v] of Object.entries(value)) {
            for (const d of [pick(), pick()]) Object.defineProperty((d[name] ??= {}) as object, kk, { value: v, enumerable: true, configurable: true, writable: true })
          }
          pick()[name] ??= {}
        } else if (name === 'inputs' || name === 'outputs') {
          for (const e of value as unknown[]) for (const d of [pick(), pick()]) ((d[name] ??= []) as unknown[]).push(e)
          pick()[name] ??= []
        } else pick()[name] = value
      }
      ctx.log(JSON.stringify(docs))
      const merged = mergeSections(docs.reverse())
      const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) // as JSON sees it (an own "__proto__" key included)
      assert.deepEqual(plain(merged), plain(s))
      const now = '2026-01-01T00:00:00.000Z'
      const r = buildRunRecord(merged, now)
      const { id, ...body } = r
      assert.equal(id, computeRunId(body))
      assert.equal(r.created_at, s.command.started_at)
      // The id does not depend on key order.
      const reordered = Object.fromEntries(Object.entries(merged).reverse())
      assert.equal(buildRunRecord(reordered, now).id, id)
    }), opts)
  })

  test('compareRuns: any two objects compare without throwing; a run equals itself; a→b mirrors b→a', () => {
    const OPS = new Set(['added', 'removed', 'changed'])
    const mirror: Record<string, string> = { added: 'removed', removed: 'added', changed: 'changed' }
    fc.assert(fc.property(runish, runish, (a, b) => {
      const d = compareRuns(a, b)
      const back = compareRuns(b, a)
      assert.equal(d.identical, back.identical)
      for (const s of ['command', 'code', 'inputs', 'params', 'env', 'outputs'] as const) {
        assert.ok(Array.isArray(d[s]))
        for (const c of d[s]) assert.ok(OPS.has(c.op) && typeof c.key === 'string', JSON.stringify(c))
        assert.deepEqual(back[s].map((c) => [mirror[c.op], c.key]), d[s].map((c) => [c.op, c.key]), s)
      }
      const self = compareRuns(a, a)
      assert.equal(self.identical, true, JSON.stringify(self))
    }), opts)
  })

  test('compareRuns on well-formed sections: the diff document is valid, and identical exactly when nothing but noise changed', () => {
    fc.assert(fc.property(sections, sections, (a, b) => {
      const ra = buildRunRecord(a, '2026-01-01T00:00:00.000Z')
      const rb = buildRunRecord(b, '2026-01-01T00:00:00.000Z')
      const d = compareRuns(ra as never, rb as never)
      assert.ok(isValid('diff', { diff: d }), JSON.stringify(d).slice(0, 500))
      const real = (['command', 'code', 'inputs', 'params', 'env', 'outputs'] as const).some((s) => d[s].some((c) => !c.noise))
      assert.equal(d.identical, !real)
    }), opts)
  })

  test('parseRef: any text is a reference of one kind or a RefError; a store reference never holds a path', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 70 }),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF@~-./%\\ '), maxLength: 70 }),
      fc.constantFrom('@', '@~', '@~0', '@~1', '@~-1', '@~99999999999999999999', '..', '.', '-', '%2e%2e', '/etc/passwd', '../x', 'x.json', ''),
    )
    fc.assert(fc.property(text, (t) => {
      const ref = expectOnly(() => parseRef(t), RefError)
      if (ref === undefined) return
      if (ref.kind === 'prefix') assert.match(ref.prefix, /^[0-9a-f]{4,64}$/)
      else if (ref.kind === 'latest') assert.ok(Number.isSafeInteger(ref.back) && ref.back >= 0 && /^@(~\d*)?$/.test(t))
      else assert.ok(t === '-' || t.includes('/') || t.endsWith('.json'), t)
    }), opts)
  })

  test('resolveStoreRef: a prefix resolves to the one id it starts, else a RefError with candidates', () => {
    fc.assert(fc.property(fc.uniqueArray(hex(64), { maxLength: 6 }), fc.oneof(hex(4), hex(5), hex(64), fc.constant('@'), fc.constant('@~2')), (ids, t) => {
      const ref = parseRef(t) as Parameters<typeof resolveStoreRef>[0]
      const id = expectOnly(() => resolveStoreRef(ref, ids, t), RefError)
      if (ref.kind === 'prefix') {
        const matches = ids.filter((x) => x.startsWith(ref.prefix))
        assert.equal(id, matches.length === 1 ? matches[0] : undefined)
      } else assert.equal(id, ids[ref.back])
    }), opts)
  })

  test('parseArgv: any argv gives values or an ArgvError; repeatable flags keep every value in order', () => {
    const spec: Record<string, ArgSpec> = {
      input: { type: 'string', alias: 'i' },
      param: { type: 'string', alias: 'p' },
      message: { type: 'string', alias: 'm' },
      'no-exec': { type: 'boolean' },
      quiet: { type: 'boolean', alias: 'q' },
      mode: { type: 'enum', options: ['a', 'b'] },
    }
    const word = fc.oneof(
      fc.constantFrom('--', '-', '-i', '-p', '-q', '-iq', '-qi', '-ix', '-pk=v', '--input', '--input=x', '--param=', '--no-exec', '--no-exec=1', '--quiet', '--mode', '--mode=c', '--mode=a', '--unknown', '-Z', '-m', 'x', 'k=v', ''),
      fc.string({ maxLength: 6 }),
    )
    fc.assert(fc.property(fc.array(word, { maxLength: 10 }), fc.boolean(), (argv, variadic) => {
      const r = expectOnly(() => parseArgv(argv, spec, { repeatable: ['input', 'param'], variadic }), ArgvError)
      if (r === undefined) return
      for (const name of ['input', 'param']) {
        assert.ok(Array.isArray(r.values[name]))
        assert.deepEqual(r.sequence.filter(([n]) => n === name).map(([, v]) => v), r.values[name])
      }
      assert.equal(typeof r.values.quiet, 'boolean')
      if (r.values.mode !== undefined) assert.ok(['a', 'b'].includes(r.values.mode as string))
      if (r.rest !== null) {
        assert.ok(argv.includes('--'))
        assert.deepEqual(argv.slice(argv.length - r.rest.length), r.rest)
        assert.equal(argv[argv.length - r.rest.length - 1], '--')
      }
      if (!variadic) assert.deepEqual(r.extra, [])
    }), opts)
  })

  test('Redactor: a credential anywhere in any text, argv, params or variable never survives; scrubbing is idempotent', () => {
    const red = new Redactor(Buffer.alloc(32, 7))
    const an = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), minLength: n, maxLength: n })
    const up = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: n, maxLength: n })
    const token = fc.oneof(
      an(36).map((s) => `ghp_${s}`), an(82).map((s) => `github_pat_${s}`), an(20).map((s) => `glpat-${s}`),
      an(30).map((s) => `xoxb-1234-${s}`), up(16).map((s) => `AKIA${s}`), an(48).map((s) => `sk-${s}`),
      an(48).map((s) => `sk-proj-${s}`), an(34).map((s) => `hf_${s}`), an(36).map((s) => `npm_${s}`),
      fc.tuple(an(20), an(20), an(30)).map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
    )
    const sep = fc.constantFrom(' ', '\n', '"', "'", '=', ':', ',', '(', '[', '\t', '')
    const around = fc.string({ unit: fc.constantFrom(...'abc xyz-_/:=@"\n'), maxLength: 12 })
    fc.assert(fc.property(around, sep, token, sep, around, (pre, s1, tok, s2, post) => {
      // The token starts a word: after a separator, or at the start.
      const before = s1 === '' ? '' : pre + s1
      const after = /^[A-Za-z0-9_-]/.test(s2 + post) ? ' ' + s2 + post : s2 + post
      const text = before + tok + after
      const scrubbed = red.scrubText(text)
      assert.ok(!scrubbed.includes(tok), `${JSON.stringify(text)} → ${JSON.stringify(scrubbed)}`)
      assert.equal(red.scrubText(scrubbed), scrubbed)
      assert.ok(!red.redactArgv(['cmd', text, '--x', text]).join('\0').includes(tok))
      assert.ok(!JSON.stringify(red.redactParams({ a: text, b: [text], c: { d: text } })).includes(tok))
      assert.ok(!JSON.stringify(red.redactVars({ HARMLESS: text })).includes(tok))
    }), opts)
  })
})

// ---- through the CLI -----------------------------------------------------------------------
const sandboxes: Sandbox[] = []
after(() => { for (const s of sandboxes) s.cleanup() })

/** A PATH with only the tools used here (the environment snapshot probes every known tool). */
const TOOLS = toolsDir(['git', 'sh', 'true'])

/** Run `jobs` with at most `n` at once. */
async function pool<T>(n: number, jobs: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(jobs.length)
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) {
      const i = next++
      out[i] = await jobs[i]!()
    }
  }))
  return out
}

/** A failure in prov's style: one `prov:` line (and perhaps a hint), no stack trace, nothing on stdout. */
function assertCleanFailure(r: { stdout: string; stderr: string }, label: string): void {
  assert.equal(r.stdout, '', label)
  const lines = r.stderr.split('\n').filter(Boolean)
  assert.equal(lines.filter((l) => l.startsWith('prov: ')).length, 1, `${label}: ${r.stderr}`)
  assert.ok(lines.every((l) => l.startsWith('prov: ') || l.startsWith('hint: ')), `${label}: ${r.stderr}`)
  assert.doesNotMatch(r.stderr, /^\s+at |internal error/m, `${label}: ${r.stderr}`)
}

describe(`random documents through the CLI (${CLI_RUNS} cases each)`, () => {
  let sb: Sandbox
  let envDoc: any
  let gitDoc: any
  let runId: string
  before(async () => {
    sb = await makeRepo({ README: 'hello\n' })
    sb.env.PATH = TOOLS
    sandboxes.push(sb)
    const r = await sb.prov(['record', '-q', '-p', 'lr=0.1', '--', 'true'])
    assert.equal(r.exitCode, 0, r.stderr)
    runId = readdirSync(path.join(sb.dir, '.prov/runs'))[0]!
    envDoc = parseValid('env', (await sb.prov(['snapshot-env', '--no-tools'])).stdout)
    gitDoc = parseValid('git', (await sb.prov(['git-state'])).stdout)
  })

  /** Documents: real sections mutated at random places, random JSON, or malformed text. */
  const mutation = fc.tuple(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '0', 'os', 'vars', 'argv', 'commit', 'path'), maxLength: 2 }), { maxLength: 3 }), json)
  function mutate(doc: unknown, [pathKeys, value]: [string[], unknown]): unknown {
    const copy = JSON.parse(JSON.stringify(doc))
    let node = copy
    for (const k of pathKeys.slice(0, -1)) {
      if (node === null || typeof node !== 'object' || !(k in node)) break
      node = node[k]
    }
    const last = pathKeys[pathKeys.length - 1]
    if (last === undefined || node === null || typeof node !== 'object') return value
    node[last] = value
    return copy
  }
  const documentText = (): fc.Arbitrary<string> => fc.oneof(
    fc.tuple(fc.constantFrom('env', 'git', 'command', 'inputs', 'params', 'run'), fc.array(mutation, { maxLength: 2 }), fc.boolean()).map(([which, muts, withBoth]) => {
      const base: Record<string, unknown> = which === 'env' ? envDoc : which === 'git' ? gitDoc
        : which === 'command' ? { command: { argv: ['x'], cwd: '.', exit_code: 0, signal: null } }
        : which === 'inputs' ? { inputs: [{ path: 'a', size: 1, sha256: '0'.repeat(64) }] }
        : which === 'params' ? { params: { lr: 0.1 } }
        : JSON.parse(readFileSync(path.join(sb.dir, '.prov/runs', runId, 'run.json'), 'utf8'))
      let doc: unknown = base
      for (const m of muts) doc = mutate(doc, [['', ...m[0]].slice(1), m[1]])
      const parts = [JSON.stringify(doc)]
      if (withBoth) parts.push(JSON.stringify(envDoc), JSON.stringify(gitDoc))
      return parts.join('\n') + '\n'
    }),
    json.map((v) => JSON.stringify(v) + '\n'),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', ' ', '\n', 'a', '1'), maxLength: 30 }),
  )

  test('write-run: exit 0 with a stored valid run, or exit 2 with one message and nothing written', async () => {
    const cases = fc.sample(fc.tuple(documentText(), fc.boolean()), { numRuns: CLI_RUNS, seed: Number(process.env.PROV_FUZZ_SEED ?? 42) })
    const runsDir = path.join(sb.dir, '.prov/runs')
    let stored = 0
    const results = await pool(4, cases.map(([input, withArgv]) => async () => ({ input, r: await sb.prov(['write-run', ...(withArgv ? ['--', 'cmd'] : [])], { input, timeout: 60_000 }) })))
    for (const { input, r } of results) {
      const label = `write-run < ${JSON.stringify(input.slice(0, 200))}`
      assert.equal(r.signal, undefined, label)
      assert.ok(r.exitCode === 0 || r.exitCode === 2, `${label}: exit ${r.exitCode}: ${r.stderr}`)
      if (r.exitCode === 0) {
        stored++
        const { id, path: p } = JSON.parse(r.stdout)
        assert.equal(r.stderr, '', label)
        assert.ok(isValid('run', JSON.parse(readFileSync(path.join(sb.dir, p), 'utf8'))), label)
        assert.match(id, /^[0-9a-f]{64}$/)
      } else assertCleanFailure(r, label)
    }
    // Nothing but the stored runs is there: failures wrote nothing, and every run verifies.
    const v = await sb.prov(['verify', '-q'])
    assert.equal(v.exitCode, 0, v.stdout + v.stderr)
    assert.equal(readdirSync(runsDir).length, 1 + new Set(results.filter((x) => x.r.exitCode === 0).map((x) => JSON.parse(x.r.stdout).id)).size)
    assert.deepEqual(readdirSync(path.join(sb.dir, '.prov/tmp')), [])
    assert.ok(stored > 0 && stored < results.length, `${stored} of ${results.length} stored: the cases should mix both outcomes`)
  })

  test('diff-runs - <ref>: exit 0 or 1 with a valid diff, or exit 2 with one message; never a crash', async () => {
    const cases = fc.sample(documentText(), { numRuns: CLI_RUNS, seed: Number(process.env.PROV_FUZZ_SEED ?? 43) })
    const results = await pool(4, cases.map((input) => async () => ({ input, r: await sb.prov(['diff-runs', '-', runId], { input, timeout: 60_000 }) })))
    const seen = new Set<number>()
    for (const { input, r } of results) {
      const label = `diff-runs - < ${JSON.stringify(input.slice(0, 200))}`
      assert.equal(r.signal, undefined, label)
      assert.ok([0, 1, 2].includes(r.exitCode!), `${label}: exit ${r.exitCode}: ${r.stderr}`)
      seen.add(r.exitCode!)
      if (r.exitCode === 2) assertCleanFailure(r, label)
      else {
        assert.equal(r.stderr, '', label)
        const d = parseValid('diff', r.stdout).diff
        assert.equal(d.identical, r.exitCode === 0)
      }
    }
    assert.ok(seen.has(1) && seen.has(2), `exit statuses seen: ${[...seen]}`)
  })
})

// ---- large inputs --------------------------------------------------------------------------
describe('large inputs', () => {
  let sb: Sandbox
  before(async () => {
    sb = await makeRepo({ README: 'hello\n' })
    sb.env.PATH = TOOLS
    sandboxes.push(sb)
  })

  test('a 10 MB params file: read-params and record', async () => {
    const params: Record<string, unknown> = {}
    let size = 0
    for (let i = 0; size < 10.2 * 1024 * 1024; i++) {
      const entry = { name: `value-${i}-${'x'.repeat(60)}`, lr: i / 7, tags: [i, `t${i}`], api_key: i % 1000 === 0 ? `secret-${i}` : undefined }
      params[`k${i}`] = entry
      params.n = i + 1
      size += JSON.stringify(entry).length + String(i).length + 5
    }
    const text = JSON.stringify(params)
    assert.ok(text.length >= 10 * 1024 * 1024)
    sb.write('big.json', text)
    const t0 = Date.now()
    const r = await sb.prov(['read-params', '--params-file', 'big.json'], { timeout: 60_000 })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, '')
    const doc = parseValid('params', r.stdout)
    assert.equal(doc.params.n, params.n)
    assert.equal(Object.keys(doc.params).length, Object.keys(params).length)
    assert.match(doc.params.k0.api_key, /^\[redacted hmac-sha256:/)
    const rec = await sb.prov(['record', '-q', '--params-file', 'big.json', '--', 'true'], { timeout: 60_000 })
    assert.equal(rec.exitCode, 0, rec.stderr)
    const shown = await sb.prov(['show', '--json'], { timeout: 60_000 })
    assert.equal(shown.exitCode, 0, shown.stderr)
    const run = parseValid('run', shown.stdout)
    assert.equal(run.params.n, params.n)
    assert.deepEqual(run.inputs.map((f: any) => f.path), ['big.json'])
    assert.ok(Date.now() - t0 < 60_000, `${Date.now() - t0} ms`)
  })

  test('100,000 input files through hash-inputs', async () => {
    const N = 100_000
    // Writing 100,000 small files costs ~25 s of system time on this ext4 disk and 2 s on tmpfs:
    // the tree goes to /dev/shm where there is one (a project of its own: no git, no store written).
    const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/prov-fuzz-') : null
    const base = shm ?? sb.dir
    if (shm) after(() => rmSync(shm, { recursive: true, force: true }))
    const root = path.join(base, 'many')
    const t0 = Date.now()
    // 100 directories of 1,000 tiny files each.
    for (let d = 0; d < 100; d++) {
      const dir = path.join(root, `d${String(d).padStart(2, '0')}`)
      mkdirSync(dir, { recursive: true })
      for (let f = 0; f < 1000; f++) writeFileSync(path.join(dir, `f${String(f).padStart(3, '0')}`), `${d}:${f}`)
    }
    const made = Date.now() - t0
    const r = await sb.prov(['hash-inputs', '--no-cache', 'many'], { cwd: base, timeout: 120_000 })
    const hashed = Date.now() - t0 - made
    assert.equal(r.exitCode, 0, r.stderr.slice(0, 2000))
    assert.equal(r.stderr, '')
    const inputs = parseValid('inputs', r.stdout).inputs
    assert.equal(inputs.length, N)
    assert.equal(inputs[0].path, 'many/d00/f000')
    assert.equal(inputs[N - 1].path, 'many/d99/f999')
    assert.equal(inputs[N - 1].sha256, createHash('sha256').update('99:999').digest('hex'))
    for (let i = 1; i < N; i += 997) assert.ok(compareUtf8(inputs[i - 1].path, inputs[i].path) < 0)
    assert.ok(hashed < 30_000, `hashing ${N} files took ${hashed} ms (making them ${made} ms)`)
  })
})

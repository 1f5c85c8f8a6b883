// Black-box tests of <store>/cache/verified.json, the runs found sound before: diff-runs does not
// check a run again while its run.json is unchanged, and checks any run.json changed since, even
// one that keeps its size and mtime. PROV_LOG_LEVEL=debug shows which it did.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseValid, type Sandbox, repoPool } from '../helpers/prov.js'

const repo = repoPool()

/** A time long past, in whole seconds, so that utimes can set it back exactly. */
const PAST = 1_700_000_000

const commandDoc = (startedAt: string): string => JSON.stringify({ command: {
  argv: ['python', 'train.py'], cwd: '.', exit_code: 0, signal: null, started_at: startedAt, ended_at: startedAt, duration_ms: 1,
} })

/** A fresh repository with two stored runs, lr 0.1 and lr 0.2, their run.json dated PAST. */
async function twoRuns(): Promise<{ sb: Sandbox; a: string; b: string }> {
  const sb = await repo({ 'train.py': 'print(1)\n' })
  const docs = (await sb.prov(['git-state'])).stdout + (await sb.prov(['snapshot-env', '--no-tools'])).stdout
  const ids: string[] = []
  for (const [day, lr] of [['01', 0.1], ['02', 0.2]] as const) {
    const r = await sb.prov(['write-run'], { input: docs + commandDoc(`2024-01-${day}T00:00:00.000Z`) + JSON.stringify({ params: { lr } }) })
    assert.equal(r.exitCode, 0, r.stderr)
    const id = JSON.parse(r.stdout).id as string
    utimesSync(runFile(sb, id), PAST, PAST)
    ids.push(id)
  }
  return { sb, a: ids[0]!, b: ids[1]! }
}

const runFile = (sb: Sandbox, id: string): string => path.join(sb.dir, '.prov', 'runs', id, 'run.json')
const cacheFile = (sb: Sandbox): string => path.join(sb.dir, '.prov', 'cache', 'verified.json')
const readCache = (sb: Sandbox): { format: number; checks: string; runs: Record<string, string> } => JSON.parse(readFileSync(cacheFile(sb), 'utf8'))

/** The entry a run.json has as it is now: "dev:ino:size:mtimeNs:ctimeNs". */
function statKey(file: string): string {
  const st = statSync(file, { bigint: true })
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
}

async function diffDebug(sb: Sandbox, a: string, b: string): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  return sb.prov(['diff-runs', a, b], { env: { PROV_LOG_LEVEL: 'debug' } })
}

/** The debug lines that tell what was done with each run, in order. */
function cacheLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.includes('cache/verified.json'))
}

const short = (id: string): string => id.slice(0, 12)
const ENTERED = 'entered in cache/verified.json'
const KNOWN = 'found sound before (cache/verified.json), not checked again'

describe('diff-runs: the cache of runs found sound', { concurrency: true }, () => {
  test('a run is checked once, then not again while its run.json is unchanged', async () => {
    const { sb, a, b } = await twoRuns()
    const first = await diffDebug(sb, a, b)
    assert.equal(first.exitCode, 1, first.stderr)
    assert.deepEqual(cacheLines(first.stderr), [`prov: debug: run ${short(a)}: ${ENTERED}`, `prov: debug: run ${short(b)}: ${ENTERED}`])
    assert.deepEqual(parseValid('diff', first.stdout).diff.params, [{ op: 'changed', key: 'lr', from: 0.1, to: 0.2 }])
    const cache = readCache(sb)
    assert.deepEqual(cache.runs, { [a]: statKey(runFile(sb, a)), [b]: statKey(runFile(sb, b)) })

    const second = await diffDebug(sb, a, b)
    assert.equal(second.exitCode, 1, second.stderr)
    assert.deepEqual(cacheLines(second.stderr), [`prov: debug: run ${short(a)}: ${KNOWN}`, `prov: debug: run ${short(b)}: ${KNOWN}`])
    assert.equal(second.stdout, first.stdout)
    // Quiet without the debug level, as ever; the same document by prefix, @ and @~1.
    const quiet = await sb.prov(['diff-runs', '@~1', b.slice(0, 6)])
    assert.deepEqual([quiet.exitCode, quiet.stderr, quiet.stdout], [1, '', first.stdout])

    // A derived cache: removed, it is made again.
    rmSync(cacheFile(sb))
    const third = await diffDebug(sb, a, b)
    assert.equal(third.stdout, first.stdout)
    assert.deepEqual(cacheLines(third.stderr), cacheLines(first.stderr))
  })

  // The edits keep the file's size and mtime; only its ctime (and, renamed, its inode) tells.
  const edits: Array<[string, 'in place' | 'renamed over', string, string, RegExp]> = [
    ['a value changed in place', 'in place', '"lr": 0.1', '"lr": 0.3', /^prov: run \w{12} has been altered: its content does not hash to its id\n/],
    ['a value changed by a file renamed over it', 'renamed over', '"lr": 0.1', '"lr": 0.3', /^prov: run \w{12} has been altered: its content does not hash to its id\n/],
    ['the schema broken in place', 'in place', '"signal": null', '"signal": 1234', /^prov: run \w{12} does not match the run schema at \/command\/signal: /],
  ]
  for (const [what, how, from, to, message] of edits) {
    test(`a run.json changed after it was entered is checked again: ${what}, same size and mtime`, async () => {
      const { sb, a, b } = await twoRuns()
      assert.equal((await diffDebug(sb, a, b)).exitCode, 1)
      const file = runFile(sb, a)
      const entry = readCache(sb).runs[a]!
      const text = readFileSync(file, 'utf8')
      assert.ok(text.includes(from), from)
      const altered = text.replace(from, to)
      assert.equal(altered.length, text.length)
      if (how === 'in place') writeFileSync(file, altered)
      else {
        writeFileSync(`${file}.new`, altered)
        renameSync(`${file}.new`, file)
      }
      utimesSync(file, PAST, PAST)
      // Only the ctime (and the inode) differ from the entry.
      const [dev, ino, size, mtime, ctime] = entry.split(':')
      const now = statKey(file).split(':')
      assert.deepEqual([now[0], now[2], now[3]], [dev, size, mtime])
      assert.notEqual(now[4], ctime)
      assert.equal(now[1] === ino, how === 'in place')

      for (let i = 0; i < 2; i++) {
        const r = await sb.prov(['diff-runs', a, b])
        assert.equal(r.exitCode, 2, r.stderr)
        assert.equal(r.stdout, '')
        assert.match(r.stderr, message)
        assert.ok(r.stderr.includes(short(a)), r.stderr)
        // What prov says without any cache.
        rmSync(cacheFile(sb), { force: true })
        const plain = await sb.prov(['diff-runs', a, b])
        assert.deepEqual([plain.exitCode, plain.stdout, plain.stderr], [r.exitCode, r.stdout, r.stderr])
      }
    })
  }

  test('a run.json written again with the same content is checked again, and entered again', async () => {
    const { sb, a, b } = await twoRuns()
    assert.equal((await diffDebug(sb, a, b)).exitCode, 1)
    const file = runFile(sb, a)
    const before = readCache(sb).runs[a]
    writeFileSync(file, readFileSync(file))
    utimesSync(file, PAST, PAST)
    const again = await diffDebug(sb, a, b)
    assert.equal(again.exitCode, 1, again.stderr)
    assert.deepEqual(cacheLines(again.stderr), [`prov: debug: run ${short(a)}: ${ENTERED}`, `prov: debug: run ${short(b)}: ${KNOWN}`])
    assert.notEqual(readCache(sb).runs[a], before)
    assert.equal(readCache(sb).runs[a], statKey(file))
    assert.deepEqual(cacheLines((await diffDebug(sb, a, b)).stderr), [`prov: debug: run ${short(a)}: ${KNOWN}`, `prov: debug: run ${short(b)}: ${KNOWN}`])
  })

  test('a run.json changed too recently is not entered (the racily-clean rule); later it is', async () => {
    const { sb, a, b } = await twoRuns()
    // Its mtime not older than the moment prov began to read it: not entered, and checked every time.
    const future = Math.floor(Date.now() / 1000) + 3600
    utimesSync(runFile(sb, a), future, future)
    for (let i = 0; i < 2; i++) {
      const r = await diffDebug(sb, a, b)
      assert.equal(r.exitCode, 1, r.stderr)
      assert.deepEqual(cacheLines(r.stderr), [
        `prov: debug: run ${short(a)}: not entered in cache/verified.json (changed too recently)`,
        `prov: debug: run ${short(b)}: ${i === 0 ? ENTERED : KNOWN}`,
      ])
      assert.deepEqual(Object.keys(readCache(sb).runs), [b])
    }
    utimesSync(runFile(sb, a), PAST, PAST)
    assert.deepEqual(cacheLines((await diffDebug(sb, a, b)).stderr), [`prov: debug: run ${short(a)}: ${ENTERED}`, `prov: debug: run ${short(b)}: ${KNOWN}`])
    assert.deepEqual(cacheLines((await diffDebug(sb, a, b)).stderr), [`prov: debug: run ${short(a)}: ${KNOWN}`, `prov: debug: run ${short(b)}: ${KNOWN}`])
  })

  test('a torn cache, or one from another build or format, is not believed', async () => {
    const { sb, a, b } = await twoRuns()
    assert.equal((await diffDebug(sb, a, b)).exitCode, 1)
    const good = readCache(sb)
    // Run a changed (a value, same size), and an entry made to match the changed file.
    const file = runFile(sb, a)
    writeFileSync(file, readFileSync(file, 'utf8').replace('"lr": 0.1', '"lr": 0.3'))
    const forged = { ...good, runs: { ...good.runs, [a]: statKey(file) } }
    const table: Array<[string, string]> = [
      ['torn', JSON.stringify(forged).slice(0, 60)],
      ['another build', JSON.stringify({ ...forged, checks: `${good.checks}x` })],
      ['another format', JSON.stringify({ ...forged, format: good.format + 1 })],
      ['entries not strings', JSON.stringify({ ...forged, runs: { [a]: [statKey(file)] } })],
    ]
    for (const [what, text] of table) {
      writeFileSync(cacheFile(sb), text)
      const r = await diffDebug(sb, a, b)
      assert.equal(r.exitCode, 2, `${what}: ${r.stderr}`)
      assert.match(r.stderr, /^prov: run \w{12} has been altered: its content does not hash to its id\n/, what)
    }
    // The control: the same entry written by this build is believed. The cache is as trusted as
    // the store that holds it: whoever may write run.json may write cache/ too. verify never
    // reads it.
    writeFileSync(cacheFile(sb), JSON.stringify(forged))
    const believed = await diffDebug(sb, a, b)
    assert.equal(believed.exitCode, 1, believed.stderr)
    assert.deepEqual(parseValid('diff', believed.stdout).diff.params, [{ op: 'changed', key: 'lr', from: 0.3, to: 0.2 }])
    const v = await sb.prov(['verify', a])
    assert.equal(v.exitCode, 1, v.stderr)
    assert.match(v.stdout, /content does not hash to its id/)
  })

  test('runs named by path are checked every time, and never entered', async () => {
    const { sb, a, b } = await twoRuns()
    for (let i = 0; i < 2; i++) {
      const r = await diffDebug(sb, runFile(sb, a), path.relative(sb.dir, runFile(sb, b)))
      assert.equal(r.exitCode, 1, r.stderr)
      assert.deepEqual(cacheLines(r.stderr), [])
    }
    assert.equal(existsSync(cacheFile(sb)), false)
  })
})

// Black-box tests of crash safety: `prov record` killed with SIGKILL at random moments never
// leaves a partial run visible, and a later record sweeps the temp entries the dead left.
// PROV_CRASH_RUNS sets how many kills (default 24).
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, watch, writeFileSync } from 'node:fs'
import { randomInt } from 'node:crypto'
import path from 'node:path'
import { execa, execaSync } from 'execa'
import { BIN, makeRepo, type Sandbox, toolsDir } from '../helpers/prov.js'

const RUNS = Number(process.env.PROV_CRASH_RUNS ?? 24)

const sandboxes: Sandbox[] = []
after(() => { for (const s of sandboxes) s.cleanup() })

/** A PATH with only the tools used here (the environment snapshot probes every known tool). */
const TOOLS = toolsDir(['git', 'sh', 'cat', 'sleep', 'true'])

async function repo(): Promise<Sandbox> {
  const sb = await makeRepo({
    README: 'hello\n',
    'in/a.txt': 'alpha\n'.repeat(1000),
    'in/b.txt': 'beta\n',
    'in/c.bin': 'x'.repeat(300_000),
    'params.json': JSON.stringify({ lr: 0.1, layers: [64, 64] }),
    'out/.keep': '',
  })
  sb.env.PATH = TOOLS
  sandboxes.push(sb)
  return sb
}

const store = (sb: Sandbox): string => path.join(sb.dir, '.prov')
const entries = (dir: string): string[] => { try { return readdirSync(dir) } catch { return [] } }

/** A record of a command that takes ~100-400 ms and writes several outputs. */
function recordArgs(i: number, capture: boolean): string[] {
  const ms = 100 + randomInt(300)
  return [
    'record', '-i', 'in', '-i', 'README', '--params-file', 'params.json', '-p', `i=${i}`,
    '-o', `out/x${i}.txt`, '-o', `out/y${i}.txt`, ...(capture ? ['--capture'] : []),
    '--', 'sh', '-c', `cat in/a.txt > out/x${i}.txt; sleep ${ms / 1000}; echo ${i}; cat in/b.txt > out/y${i}.txt`,
  ]
}

/** Start a record and SIGKILL it after `delay` ms (or when `when` resolves); resolves when it is gone. */
async function killRecord(sb: Sandbox, args: string[], when: Promise<void>): Promise<{ killed: boolean; exitCode?: number | undefined }> {
  const child = execa(process.execPath, [BIN, ...args], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, stdout: 'ignore', stderr: 'ignore' })
  let done = false
  void when.then(() => { if (!done) child.kill('SIGKILL') })
  const r = await child
  done = true
  return { killed: r.signal === 'SIGKILL', exitCode: r.exitCode }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Every entry of runs/ is a complete run: verify passes them all, and log lists them. */
async function assertSound(sb: Sandbox, label: string, withLog = true): Promise<number> {
  // The runs listed before verify: the other lane may add one while verify reads.
  const before = entries(path.join(store(sb), 'runs')).sort()
  const [v, l] = await Promise.all([sb.prov(['verify']), withLog ? sb.prov(['log', '--json']) : null])
  assert.equal(v.exitCode, 0, `${label}: verify: ${v.stdout}${v.stderr}`)
  assert.equal(v.stderr, '', label)
  const runs = entries(path.join(store(sb), 'runs')).sort()
  for (const id of before) assert.ok(runs.includes(id), `${label}: ${id} vanished`)
  for (const id of runs) {
    assert.match(id, /^[0-9a-f]{64}$/, `${label}: runs/ holds '${id}'`)
    assert.ok(existsSync(path.join(store(sb), 'runs', id, 'run.json')), `${label}: ${id} has no run.json`)
  }
  // verify saw every run that was there before it, and each run it saw was sound.
  const ok = v.stdout.trim().split('\n').filter(Boolean)
  for (const line of ok) assert.match(line, /^ok   [0-9a-f]{64}$/, label)
  const seen = ok.map((line) => line.slice(5))
  for (const id of before) assert.ok(seen.includes(id), `${label}: verify did not check ${id}`)
  for (const id of seen) assert.ok(runs.includes(id), `${label}: verify checked ${id}, which is not in runs/`)
  if (l === null) return runs.length
  assert.equal(l.exitCode, 0, `${label}: log: ${l.stderr}`)
  assert.equal(l.stderr, '', label)
  const logged = l.stdout.trim().split('\n').filter(Boolean).length
  assert.ok(logged >= before.length && logged <= runs.length, `${label}: log listed ${logged} runs`)
  return runs.length
}

describe('SIGKILL at random moments', () => {
  test(`${RUNS} records killed at random moments leave only complete runs`, async () => {
    const sb = await repo()
    // How long a whole record takes here once the tool versions are cached (the first record
    // asks the tools), so the kills spread over all of it.
    const first = await sb.prov(recordArgs(0, false))
    assert.equal(first.exitCode, 0, first.stderr)
    const t0 = Date.now()
    const second = await sb.prov(recordArgs(RUNS + 1, false))
    assert.equal(second.exitCode, 0, second.stderr)
    // A record that ends before its kill narrows the window: on a loaded machine the measured
    // record may have been slow, and most kills would then come too late to test anything.
    let span = Math.max(200, Math.round((Date.now() - t0) * 0.9))
    let killed = 0
    // Two lanes at once: one lane's verify reads the store while the other's record writes it.
    const lane = async (lane: number): Promise<void> => {
      for (let i = lane; i < RUNS; i += 2) {
        const capture = i % 3 === 0
        const r = await killRecord(sb, recordArgs(i + 1, capture), sleep(randomInt(span)))
        if (r.killed) killed++
        else {
          assert.equal(r.exitCode, 0, `record ${i} ended by itself with ${r.exitCode}`)
          span = Math.max(50, Math.round(span * 0.75))
        }
        await assertSound(sb, `after kill ${i}`, i % 8 < 2) // log too after every fourth kill of each lane
      }
    }
    await Promise.all([lane(0), lane(1)])
    await assertSound(sb, 'after all kills')
    assert.ok(killed >= RUNS / 3, `only ${killed} of ${RUNS} records were killed before they ended`)
    const vf = await sb.prov(['verify', '--files', '-q'])
    assert.ok(vf.exitCode === 0 || vf.exitCode === 1, vf.stderr) // outputs of killed runs may be rewritten: --files may differ
    assert.doesNotMatch(vf.stderr, /^\s+at /m)
  })

  test('killed while writing the run directory (as soon as its temp directory appears)', async () => {
    const sb = await repo()
    const first = await sb.prov(recordArgs(0, true))
    assert.equal(first.exitCode, 0, first.stderr)
    const tmp = path.join(store(sb), 'tmp')
    let hit = 0
    for (let i = 1; i <= 8; i++) {
      const watcher = watch(tmp)
      const appeared = new Promise<void>((resolve) => watcher.on('change', (_t, name) => { if (String(name).startsWith('run.')) resolve() }))
      const r = await killRecord(sb, recordArgs(i, i % 2 === 0), appeared)
      watcher.close()
      if (r.killed) hit++
      await assertSound(sb, `after kill ${i}`)
    }
    assert.ok(hit >= 4, `only ${hit} of 8 records were killed while writing`)
  })
})

describe('stale temp entries', () => {
  test('a later record removes what dead processes left in tmp/, once it is over a minute old', async () => {
    const sb = await repo()
    const first = await sb.prov(recordArgs(0, false))
    assert.equal(first.exitCode, 0, first.stderr)
    const tmp = path.join(store(sb), 'tmp')
    // Leave temp entries behind: kill records while they capture output and write their run.
    for (let i = 1; i <= 6; i++) {
      const watcher = watch(tmp)
      const appeared = new Promise<void>((resolve) => watcher.on('change', (_t, name) => { if (String(name).startsWith(i % 2 ? 'run.' : 'capture.')) resolve() }))
      await killRecord(sb, recordArgs(i, true), appeared)
      watcher.close()
    }
    // And the shapes a dead writer leaves, named as prov names them: a run dir, a key candidate.
    const deadPid = 2 ** 22 + 12345 // above the default pid_max: never a live process
    mkdirSync(path.join(tmp, `run.${deadPid}.aaaaaaaaaaaa`))
    writeFileSync(path.join(tmp, `run.${deadPid}.aaaaaaaaaaaa`, 'run.json'), '{"partial": ')
    writeFileSync(path.join(tmp, `key.${deadPid}.bbbbbbbbbbbb`), 'k')
    // And what a writer killed inside writeFileAtomic leaves beside the cache and the .gitignore.
    const atomic = [path.join(store(sb), 'cache', `stat.bin.${deadPid}.0123abcd.tmp`), path.join(store(sb), `.gitignore.${deadPid}.89abcdef.tmp`)]
    for (const f of atomic) writeFileSync(f, '{"torn')
    const keep = path.join(store(sb), 'cache', 'notes.1.txt') // not a temp file's name: never swept
    writeFileSync(keep, 'x')
    const left = entries(tmp)
    assert.ok(left.length >= 2, `left: ${left.join(' ')}`)
    await assertSound(sb, 'with temp entries left')

    // Fresh entries are kept (their writer may still be busy); so is a live process's entry.
    const live = `run.${process.pid}.cccccccccccc`
    mkdirSync(path.join(tmp, live))
    const r1 = await sb.prov(recordArgs(100, false))
    assert.equal(r1.exitCode, 0, r1.stderr)
    assert.deepEqual(entries(tmp).sort(), [...left, live].sort(), 'entries younger than a minute stay')
    for (const f of atomic) assert.ok(existsSync(f), f)

    // Over a minute old: the dead writers' entries go, the live one's stays.
    const old = new Date(Date.now() - 5 * 60_000)
    for (const e of [...entries(tmp).map((e) => path.join(tmp, e)), ...atomic, keep]) utimesSync(e, old, old)
    const r2 = await sb.prov(recordArgs(101, false))
    assert.equal(r2.exitCode, 0, r2.stderr)
    assert.deepEqual(entries(tmp), [live])
    for (const f of atomic) assert.ok(!existsSync(f), `${f} was not swept`)
    assert.ok(existsSync(keep))
    assert.ok(statSync(path.join(tmp, live)).isDirectory())
    await assertSound(sb, 'after the sweep')
  })

  test("another host's or PID namespace's entry (its owner in the name) is kept until it has gone ten minutes unrenewed, whatever its pid", async () => {
    const sb = await repo()
    assert.equal((await sb.prov(recordArgs(0, false))).exitCode, 0)
    const tmp = path.join(store(sb), 'tmp')
    const deadPid = 2 ** 22 + 12345 // dead here; in its own namespace, a live process for all we know
    const young = `capture.${deadPid}.deadbeef.aaaaaaaaaaaa`
    const lapsed = `capture.${deadPid}.deadbeef.bbbbbbbbbbbb`
    for (const e of [young, lapsed]) mkdirSync(path.join(tmp, e))
    const at = (min: number): Date => new Date(Date.now() - min * 60_000)
    utimesSync(path.join(tmp, young), at(9), at(9))
    utimesSync(path.join(tmp, lapsed), at(11), at(11))
    const r = await sb.prov(recordArgs(1, false))
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(entries(tmp), [young])
  })

  // The real case: a job capturing its output for minutes, and a prov in a container (another PID
  // namespace) sharing the store, to which the job's pid looks dead.
  const UNSHARE = ['/usr/bin/unshare', '/bin/unshare'].find((f) => existsSync(f))
  const unshare = UNSHARE !== undefined && execaSync(UNSHARE, ['-pf', '--mount-proc', 'true'], { reject: false }).exitCode === 0
  test('a record in another PID namespace leaves a capture in progress alone, however long it has run', { skip: unshare ? false : 'needs unshare -p (root)' }, async () => {
    const sb = await repo()
    assert.equal((await sb.prov(recordArgs(0, false))).exitCode, 0)
    const tmp = path.join(store(sb), 'tmp')
    const job = execa(process.execPath, [BIN, 'record', '-q', '--capture', '--', 'sh', '-c', 'echo first; sleep 2; echo last'], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    // Its capture directory, once both files are made in it (which sets the directory's mtime).
    let capture: string | undefined
    for (let i = 0; i < 200 && capture === undefined; i++) {
      capture = entries(tmp).find((e) => e.startsWith('capture.') && entries(path.join(tmp, e)).length === 2)
      if (capture === undefined) await sleep(10)
    }
    assert.ok(capture !== undefined, 'the job made its capture directory')
    // As if it had run for five minutes (its lease renewed, its pid a stranger's to the other prov).
    const old = new Date(Date.now() - 5 * 60_000)
    utimesSync(path.join(tmp, capture), old, old)
    const other = await execa(UNSHARE!, ['-pf', '--mount-proc', process.execPath, BIN, 'record', '-q', '--', 'true'], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(other.exitCode, 0, other.stderr)
    assert.ok(existsSync(path.join(tmp, capture)), 'the capture in progress was swept')
    const r = await job
    assert.equal(r.exitCode, 0, r.stderr)
    const log = await sb.prov(['show', '--json', '@~1'])
    const run = JSON.parse(log.stdout)
    assert.deepEqual(run.outputs.map((o: any) => [o.path, o.size]), [['<stderr>', 0], ['<stdout>', 11]])
  })
})

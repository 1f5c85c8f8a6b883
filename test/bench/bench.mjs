#!/usr/bin/env node
// `npm run bench`: prov's speed budgets, measured against reference tools in the same run.
// Not part of `npm test`. See test/bench/README.md for what it needs and how to read the table.
//
//   BENCH_QUICK=1   smaller and faster: a 256 MiB file instead of 1 GiB, 3 timed runs instead of 7
//   BENCH_RUNS=N    timed runs per command (median reported)
//   BENCH_ONLY=a,b  run only the cases whose id starts with one of these (hash, startup, record, diff, log)
//   BENCH_DIR=DIR   build the workloads here instead of a fresh temp dir (kept afterwards)
//   BENCH_KEEP=1    keep the temp dir
//   BENCH_NO_HYPERFINE=1  time with Node instead of hyperfine
import { spawnSync } from 'node:child_process'
import { createCipheriv } from 'node:crypto'
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tsImport } from 'tsx/esm/api'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = path.join(ROOT, 'bin', 'prov.cjs')
const NODE = process.execPath
// The git command prov runs for git-state and record (src/io/git.ts: runGit, readGitState), for
// the floors: the store is left out, as prov leaves it out, and git's big-file threshold raised
// on a 64-bit machine, as prov raises it.
const BIG_FILE_THRESHOLD = ['ia32', 'arm', 'mips', 'mipsel', 'ppc', 's390', 'x32'].includes(process.arch) ? [] : ['-c', 'core.bigFileThreshold=1099511627776']
const GIT_STATUS = ['-c', 'core.quotepath=off', '-c', 'color.ui=false', ...BIG_FILE_THRESHOLD, '--no-optional-locks', 'status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all', '--ignore-submodules=none', '--', ':(top)', ':(top,exclude,literal).prov']

const QUICK = process.env.BENCH_QUICK === '1'
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? (QUICK ? 3 : 7)))
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean)
const BIG_MIB = QUICK ? 256 : 1024
const N_FILES = 20_000
const N_DIRS = 200
const N_DIFF_INPUTS = 100_000
const N_LOG_RUNS = 10_000
/** A budget missed by less than this fraction is reported as within noise, not as a failure. */
const MARGIN = 0.10

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
const HYPERFINE = process.env.BENCH_NO_HYPERFINE !== '1' && has('hyperfine')
const TIME = existsSync('/usr/bin/time')

const log = (msg) => process.stderr.write(`bench: ${msg}\n`)

// ---- the environment --------------------------------------------------------------------------
// Every command, prov and references alike, runs in one pinned environment (as the tests pin
// theirs): same PATH, a private HOME, C locale, UTC, no colour. Variables such as
// NODE_EXTRA_CA_CERTS or NODE_OPTIONS are left out: they change how long any Node program takes
// to start (a CA bundle alone adds ~50 ms), which is the machine's business, not prov's.
const base = process.env.BENCH_DIR ? path.resolve(process.env.BENCH_DIR) : realpathSync(mkdtempSync(path.join(os.tmpdir(), 'prov-bench-')))
mkdirSync(base, { recursive: true })
const HOME = path.join(base, 'home')
mkdirSync(HOME, { recursive: true })
const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME,
  LANG: 'C',
  LC_ALL: 'C',
  TZ: 'UTC',
  NO_COLOR: '1',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'A U Thor',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_AUTHOR_DATE: '2005-04-07T22:13:13Z',
  GIT_COMMITTER_NAME: 'C O Mitter',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_COMMITTER_DATE: '2005-04-07T22:13:13Z',
}

function run(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { cwd: opts.cwd ?? base, env: { ...ENV, ...(opts.env ?? {}) }, encoding: opts.encoding ?? 'utf8', maxBuffer: 1 << 30, input: opts.input })
  if (r.error) throw r.error
  const ok = opts.ok ?? [0]
  if (!ok.includes(r.status)) {
    throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}\n${String(r.stderr).slice(0, 2000)}`)
  }
  return r
}
const prov = (...args) => [NODE, BIN, ...args]

// ---- deterministic data -----------------------------------------------------------------------
// AES-128-CTR under a fixed key is a fast, reproducible byte stream; a xorshift PRNG picks sizes.
function stream(label) {
  const key = Buffer.alloc(16)
  key.write(label.slice(0, 16))
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
}
const ZERO = Buffer.alloc(1 << 24)
function bytes(cipher, n) {
  const parts = []
  while (n > 0) {
    const k = Math.min(n, ZERO.length)
    parts.push(cipher.update(ZERO.subarray(0, k)))
    n -= k
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts)
}
function prng(seed) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    return x
  }
}
const hex64 = (next) => Array.from({ length: 8 }, () => next().toString(16).padStart(8, '0')).join('')

// A workload already built (BENCH_DIR) is reused: <dir>.done says what was built.
function stamp(dir, what) {
  const f = `${dir}.done`
  return existsSync(f) && readFileSync(f, 'utf8') === what
}
const markDone = (dir, what) => writeFileSync(`${dir}.done`, what)

// ---- workloads --------------------------------------------------------------------------------
function makeBigFile() {
  const dir = path.join(base, 'big')
  const what = `big ${BIG_MIB}`
  if (stamp(dir, what)) return path.join(dir, 'big.bin')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  log(`writing a ${BIG_MIB} MiB file`)
  const c = stream('big')
  const fd = openSync(path.join(dir, 'big.bin'), 'w')
  for (let i = 0; i < BIG_MIB; i += 16) writeSync(fd, bytes(c, Math.min(16, BIG_MIB - i) << 20))
  closeSync(fd)
  markDone(dir, what)
  return path.join(dir, 'big.bin')
}

function makeTree() {
  const dir = path.join(base, 'files')
  const what = `tree ${N_FILES} ${N_DIRS}`
  if (stamp(dir, what)) return dir
  rmSync(dir, { recursive: true, force: true })
  log(`writing ${N_FILES} files in ${N_DIRS} directories`)
  const c = stream('tree')
  const next = prng(20000)
  const per = N_FILES / N_DIRS
  for (let d = 0; d < N_DIRS; d++) {
    const sub = path.join(dir, 'tree', `d${String(d).padStart(3, '0')}`)
    mkdirSync(sub, { recursive: true })
    for (let f = 0; f < per; f++) {
      const size = 1024 + (next() % (15 * 1024 + 1)) // 1 KiB to 16 KiB
      writeFileSync(path.join(sub, `f${String(d * per + f).padStart(5, '0')}.bin`), bytes(c, size))
    }
  }
  mkdirSync(path.join(dir, 'store'), { recursive: true })
  markDone(dir, what)
  return dir
}

/** in-toto-run signs its link with a key; any RSA key will do. Made when missing: a BENCH_DIR may predate in-toto's install. */
function inTotoKey(dir) {
  const key = path.join(dir, 'key.pem')
  if (!existsSync(key) && has('in-toto-run') && has('openssl')) run(['openssl', 'genrsa', '-out', key, '2048'], { cwd: dir })
  return existsSync(key)
}

function makeSmallRepo() {
  const dir = path.join(base, 'repo')
  if (stamp(dir, 'repo')) return dir
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const [n, t] of [['a', 'alpha\n'], ['b', 'beta\n'], ['c', 'gamma\n'], ['README', 'a small repository\n']]) writeFileSync(path.join(dir, n), t)
  run(['git', 'init', '-q', '-b', 'main'], { cwd: dir })
  run(['git', 'add', '.'], { cwd: dir })
  run(['git', 'commit', '-q', '-m', 'initial'], { cwd: dir })
  markDone(dir, 'repo')
  return dir
}

/** A repository tracking the big file (a hard link to it, committed; git takes ~30 s per GiB). */
function makeBigRepo() {
  const big = makeBigFile()
  const dir = path.join(base, 'bigrepo')
  const what = `bigrepo ${BIG_MIB}`
  if (stamp(dir, what)) return dir
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  log(`committing the ${BIG_MIB} MiB file to a repository`)
  try { linkSync(big, path.join(dir, 'big.bin')) } catch { copyFileSync(big, path.join(dir, 'big.bin')) }
  run(['git', 'init', '-q', '-b', 'main'], { cwd: dir })
  run(['git', 'add', 'big.bin'], { cwd: dir })
  run(['git', 'commit', '-q', '-m', 'big'], { cwd: dir })
  markDone(dir, what)
  return dir
}

function makeDataladDataset() {
  const dir = path.join(base, 'datalad')
  if (stamp(dir, 'datalad')) return dir
  rmSync(dir, { recursive: true, force: true })
  run(['git', 'config', '--global', 'user.name', 'A U Thor'])
  run(['git', 'config', '--global', 'user.email', 'author@example.com'])
  run(['datalad', 'create', dir])
  for (const [n, t] of [['a', 'alpha\n'], ['b', 'beta\n'], ['c', 'gamma\n']]) writeFileSync(path.join(dir, n), t)
  run(['datalad', 'save', '-m', 'inputs'], { cwd: dir })
  markDone(dir, 'datalad')
  return dir
}

// Run records are generated here rather than by 10,000 `prov record`s; their ids come from
// prov's own code (src/core/record.ts), and `prov verify` checks a sample before timing.
let core
async function loadCore() {
  core ??= await tsImport('../../src/core/record.ts', import.meta.url)
  return core
}

function template() {
  const repo = makeSmallRepo()
  const env = JSON.parse(run(prov('snapshot-env'), { cwd: repo }).stdout).env
  const git = JSON.parse(run(prov('git-state'), { cwd: repo }).stdout).git
  return { env, git }
}

function writeRun(storeDir, record) {
  const d = path.join(storeDir, 'runs', record.id)
  mkdirSync(d, { recursive: true })
  writeFileSync(path.join(d, 'run.json'), JSON.stringify(record, null, 2) + '\n')
}

function iso(ms) {
  return new Date(Date.UTC(2026, 0, 1) + ms).toISOString()
}

async function makeDiffRuns(tpl) {
  const dir = path.join(base, 'diff')
  const what = `diff ${N_DIFF_INPUTS}`
  const idsFile = path.join(dir, 'ids.json')
  if (stamp(dir, what)) return { dir, ...JSON.parse(readFileSync(idsFile, 'utf8')) }
  rmSync(dir, { recursive: true, force: true })
  log(`writing two runs of ${N_DIFF_INPUTS} inputs`)
  const { buildRunRecord } = await loadCore()
  const next = prng(100000)
  const inputs = []
  for (let i = 0; i < N_DIFF_INPUTS; i++) {
    inputs.push({ path: `data/d${String(Math.floor(i / 100)).padStart(4, '0')}/f${String(i).padStart(6, '0')}.bin`, size: next() % 65536, sha256: hex64(next) })
  }
  // b: 1% changed, 0.5% removed, 0.5% added, one param and one variable changed
  const bInputs = []
  for (let i = 0; i < inputs.length; i++) {
    const e = inputs[i]
    if (i % 200 === 7) continue
    bInputs.push(i % 100 === 3 ? { ...e, sha256: hex64(next) } : e)
    if (i % 200 === 11) bInputs.push({ path: e.path.replace('.bin', '.new'), size: 1, sha256: hex64(next) })
  }
  const sections = (ins, lr, t) => ({
    command: { argv: ['python3', 'train.py', '--data', 'data'], cwd: '.', exit_code: 0, signal: null, started_at: iso(t), ended_at: iso(t + 61_000), duration_ms: 61_000 },
    inputs: ins,
    outputs: [{ path: 'model.bin', size: 123456, sha256: hex64(next) }],
    params: { lr, epochs: 10, model: { layers: [{ size: 128 }, { size: 64 }] } },
    git: tpl.git,
    env: { ...tpl.env, vars: { ...tpl.env.vars, RUN: String(t) } },
  })
  const a = buildRunRecord(sections(inputs, 0.1, 0), iso(0))
  const b = buildRunRecord(sections(bInputs, 0.01, 3_600_000), iso(3_600_000))
  writeRun(path.join(dir, 'store'), a)
  writeRun(path.join(dir, 'store'), b)
  run(prov('verify', '--store', path.join(dir, 'store'), a.id, b.id), { cwd: dir })
  writeFileSync(idsFile, JSON.stringify({ a: a.id, b: b.id }))
  markDone(dir, what)
  return { dir, a: a.id, b: b.id }
}

async function makeLogStore(tpl) {
  const dir = path.join(base, 'log')
  const what = `log ${N_LOG_RUNS}`
  if (stamp(dir, what)) return dir
  rmSync(dir, { recursive: true, force: true })
  log(`writing a store of ${N_LOG_RUNS} runs`)
  const { buildRunRecord } = await loadCore()
  const next = prng(10000)
  const sample = []
  for (let i = 0; i < N_LOG_RUNS; i++) {
    const t = i * 60_000 + (next() % 1000)
    const ins = [0, 1, 2].map((k) => ({ path: `data/part-${k}.csv`, size: 1000 + k, sha256: hex64(next) }))
    const rec = buildRunRecord({
      command: { argv: ['make', `step${i % 7}`, `SEED=${i}`], cwd: '.', exit_code: i % 13 === 0 ? 1 : 0, signal: null, started_at: iso(t), ended_at: iso(t + 1500), duration_ms: 1500 },
      inputs: ins,
      outputs: [{ path: `out/result-${i}.json`, size: 200, sha256: hex64(next) }],
      params: { seed: i, lr: 0.001 * (1 + (i % 5)) },
      ...(i % 10 === 0 ? { message: `run ${i}` } : {}),
      git: tpl.git,
      env: tpl.env,
    }, iso(t))
    writeRun(path.join(dir, 'store'), rec)
    if (i % 2500 === 0) sample.push(rec.id)
  }
  run(prov('verify', '--store', path.join(dir, 'store'), ...sample), { cwd: dir })
  markDone(dir, what)
  return dir
}

// ---- timing -----------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function shq(s) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`
}

/**
 * Time each command RUNS times; returns name → median seconds. The runs are split into rounds
 * (each round runs every command in turn), so that a burst of load on the machine does not land
 * on one command only. A command may carry `prepare` (an argv run before each timed run).
 */
function timeCommands(cmds, opts = {}) {
  const cwd = opts.cwd ?? base
  const warmup = opts.warmup ?? 1
  const runs = opts.runs ?? RUNS
  const rounds = Math.min(runs, opts.rounds ?? 3)
  const times = new Map(cmds.map((c) => [c.name, []]))
  let left = runs
  for (let r = 0; r < rounds; r++) {
    const n = Math.ceil(left / (rounds - r))
    left -= n
    const order = r % 2 === 0 ? cmds : [...cmds].reverse()
    if (HYPERFINE) {
      const json = path.join(base, `hyperfine.${process.pid}.json`)
      const args = ['-N', '--style', 'none', '--runs', String(n), '--warmup', String(r === 0 ? warmup : 0), '--export-json', json]
      if (opts.ignoreFailure) args.push('-i')
      if (order.some((c) => c.prepare)) for (const c of order) args.push('--prepare', (c.prepare ?? ['true']).map(shq).join(' '))
      for (const c of order) args.push('-n', c.name, c.argv.map(shq).join(' '))
      const h = spawnSync('hyperfine', args, { cwd, env: ENV, encoding: 'utf8' })
      if (h.status !== 0) throw new Error(`hyperfine failed: ${h.stderr}`)
      for (const res of JSON.parse(readFileSync(json, 'utf8')).results) times.get(res.command).push(...res.times)
      rmSync(json, { force: true })
    } else {
      const once = (c) => {
        if (c.prepare) run(c.prepare, { cwd })
        const t0 = process.hrtime.bigint()
        const p = spawnSync(c.argv[0], c.argv.slice(1), { cwd, env: ENV, stdio: 'ignore' })
        const dt = Number(process.hrtime.bigint() - t0) / 1e9
        if (p.error) throw p.error
        if (p.status !== 0 && !opts.ignoreFailure) throw new Error(`${c.argv.join(' ')} exited ${p.status}`)
        return dt
      }
      if (r === 0) for (let w = 0; w < warmup; w++) for (const c of order) once(c)
      for (let i = 0; i < n; i++) for (const c of order) times.get(c.name).push(once(c))
    }
  }
  return new Map([...times].map(([k, v]) => [k, median(v)]))
}

/** Peak resident set size in MB (median of three runs), from GNU time's %M. */
function peakRss(argv, cwd) {
  const mbs = []
  for (let i = 0; i < 3; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', ...argv], { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] })
    const kb = Number(r.stderr.trim().split('\n').pop())
    mbs.push(kb / 1024)
  }
  return median(mbs)
}

// ---- the table --------------------------------------------------------------------------------
const rows = []
const notes = []
const fmtS = (s) => (s === undefined || Number.isNaN(s) ? '-' : s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(1)} ms`)

/** ok: within budget; ~ok: over by less than MARGIN; FAIL: over by more. */
function verdict(value, limit) {
  if (value <= limit) return 'pass'
  if (value <= limit * (1 + MARGIN)) return 'pass (noise)'
  return 'FAIL'
}

function row(kase, provText, refsText, measure, budgetText, value, limit) {
  rows.push({ kase, prov: provText, refs: refsText, measure, budget: budgetText, result: limit === null ? 'info' : verdict(value, limit) })
}

function printTable() {
  const head = { kase: 'case', prov: 'prov (median)', refs: 'reference(s) (median)', measure: 'ratio / measure', budget: 'budget', result: 'result' }
  const cols = Object.keys(head)
  const w = Object.fromEntries(cols.map((c) => [c, Math.max(head[c].length, ...rows.map((r) => r[c].length))]))
  const line = (r) => `| ${cols.map((c) => r[c].padEnd(w[c])).join(' | ')} |`
  const out = [line(head), `|${cols.map((c) => '-'.repeat(w[c] + 2)).join('|')}|`, ...rows.map(line)]
  process.stdout.write(out.join('\n') + '\n')
  for (const n of notes) process.stdout.write(`- ${n}\n`)
}

// ---- the cases --------------------------------------------------------------------------------
const want = (id) => ONLY.length === 0 || ONLY.some((o) => id.startsWith(o))

async function main() {
  const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? os.cpus()[0]?.model ?? 'unknown'
  log(`${os.cpus().length} cpus (${cpu}), node ${process.version}, ${RUNS} runs per command${QUICK ? ', quick' : ''}, ${HYPERFINE ? 'hyperfine' : 'node timer'}, in ${base}`)
  if (!existsSync(path.join(ROOT, 'dist', 'main.cjs'))) throw new Error('dist/main.cjs is missing: run `npm run build` first')

  if (want('hash')) {
    // 1. One big file.
    const big = makeBigFile()
    const dir = path.dirname(big)
    const store = ['--store', path.join(dir, 'store')]
    const cmds = [
      { name: 'prov', argv: prov('hash-inputs', '--no-cache', ...store, 'big.bin') },
      { name: 'openssl', argv: ['openssl', 'dgst', '-sha256', 'big.bin'] },
      { name: 'sha256sum', argv: ['sha256sum', 'big.bin'] },
    ]
    if (has('b3sum')) cmds.push({ name: 'b3sum', argv: ['b3sum', 'big.bin'] })
    else notes.push('b3sum is not installed: left out')
    const expected = run(['sha256sum', 'big.bin'], { cwd: dir }).stdout.split(' ')[0]
    const got = JSON.parse(run(cmds[0].argv, { cwd: dir }).stdout).inputs[0].sha256
    if (got !== expected) throw new Error(`prov's hash of big.bin is ${got}, sha256sum says ${expected}`)
    const t = timeCommands(cmds, { cwd: dir, rounds: 2 })
    const refs = cmds.slice(1).map((c) => `${c.name} ${fmtS(t.get(c.name))}`).join(', ')
    row(`hash ${BIG_MIB} MiB file`, fmtS(t.get('prov')), refs, `${(t.get('prov') / t.get('openssl')).toFixed(2)}× openssl`, '≤ 1.10× openssl', t.get('prov') / t.get('openssl'), 1.1)
    if (TIME) {
      const rss = peakRss(cmds[0].argv, dir)
      row(`hash ${BIG_MIB} MiB file: peak RSS`, `${rss.toFixed(0)} MB`, '-', `${rss.toFixed(0)} MB`, '≤ 150 MB', rss, 150)
    } else notes.push('/usr/bin/time is missing (apt-get install time): peak RSS not measured')

    // 2. Many small files: first pass, the xargs pipeline, then the stat cache.
    const tree = makeTree()
    const tstore = path.join(tree, 'store')
    const statFile = path.join(tstore, 'cache', 'stat.bin')
    const pipe = (tool, p) => ['bash', '-c', `find tree -type f -print0 | sort -z | xargs -0 ${p} ${tool} >/dev/null`]
    const many = [
      { name: 'prov', argv: prov('hash-inputs', '--no-cache', '--store', tstore, 'tree') },
      { name: 'xargs -P2 sha256sum', argv: pipe('sha256sum', '-P2') },
      { name: 'xargs sha256sum', argv: pipe('sha256sum', '') },
    ]
    if (has('b3sum')) many.push({ name: 'xargs -P2 b3sum', argv: pipe('b3sum', '-P2') })
    const doc = JSON.parse(run(many[0].argv, { cwd: tree }).stdout)
    if (doc.inputs.length !== N_FILES) throw new Error(`prov hashed ${doc.inputs.length} files, not ${N_FILES}`)
    const tm = timeCommands(many, { cwd: tree })
    const xr = tm.get('xargs -P2 sha256sum')
    row(`hash ${N_FILES} files (1-16 KiB, ${N_DIRS} dirs)`, fmtS(tm.get('prov')), many.slice(1).map((c) => `${c.name} ${fmtS(tm.get(c.name))}`).join(', '), `${(tm.get('prov') / xr).toFixed(2)}× xargs -P2`, '≤ 1.00× xargs -P2 sha256sum', tm.get('prov') / xr, 1.0)

    const cached = prov('hash-inputs', '--store', tstore, 'tree')
    rmSync(statFile, { force: true })
    const first = run(cached, { cwd: tree }).stdout
    // The first pass is timed with this file removed: it must be the cache prov writes.
    if (!existsSync(statFile)) throw new Error(`hash-inputs wrote no stat cache at ${statFile}`)
    if (first !== run(cached, { cwd: tree }).stdout) throw new Error('hash-inputs with the stat cache printed something else the second time')
    if (first !== run(many[0].argv, { cwd: tree }).stdout) throw new Error('hash-inputs with and without the stat cache disagree')
    // The floor for a re-hash: a bare Node script that lists the tree and stats every file (the
    // least a stat cache must do), printing nothing.
    const statFloor = path.join(base, 'stat-floor.cjs')
    writeFileSync(statFloor, `const { readdirSync, statSync } = require('node:fs')
let n = 0
const walk = (dir) => { for (const d of readdirSync(dir, { withFileTypes: true })) { const p = dir + '/' + d.name; if (d.isDirectory()) walk(p); else { statSync(p, { bigint: true }); n++ } } }
walk(process.argv[2])
if (n === 0) process.exitCode = 1
`)
    // Below the floor, what no Node program can beat: Node starting, and a C program (find) that
    // lists the tree and stats every file, printing what a cache compares; with a C compiler, the
    // least any program does (test/bench/walk-stat.c: getdents and one statx a file, no output).
    const walkStat = path.join(base, 'walk-stat')
    const cc = has('cc') && spawnSync('cc', ['-O2', '-o', walkStat, path.join(ROOT, 'test', 'bench', 'walk-stat.c')], { stdio: 'ignore' }).status === 0
    if (!cc) notes.push('no C compiler (cc): the C floor for the re-hash (test/bench/walk-stat.c) left out')
    const tc = timeCommands([
      { name: 'first', argv: cached, prepare: ['rm', '-f', statFile] },
      { name: 'cached', argv: cached },
      { name: 'floor', argv: [NODE, statFloor, path.join(tree, 'tree')] },
      { name: 'find', argv: ['find', 'tree', '-type', 'f', '-printf', '%D %i %s %T@ %C@ %p\\n'] },
      ...(cc ? [{ name: 'c', argv: [walkStat, 'tree'] }] : []),
      { name: 'node', argv: [NODE, '-e', ''] },
    ], { cwd: tree })
    if (cc && run([walkStat, 'tree'], { cwd: tree }).stdout.trim() !== String(N_FILES)) throw new Error(`walk-stat did not count ${N_FILES} files`)
    run(cached, { cwd: tree }) // leave a full cache behind for record
    const pct = (k) => `${((100 * tc.get(k)) / tc.get('first')).toFixed(1)}%`
    row(`re-hash ${N_FILES} unchanged files (stat cache)`, fmtS(tc.get('cached')), `first pass (empty cache) ${fmtS(tc.get('first'))}, --no-cache ${fmtS(tm.get('prov'))}, node + a stat of each file ${fmtS(tc.get('floor'))} (${pct('floor')}), find -printf (C: list + stat) ${fmtS(tc.get('find'))} (${pct('find')}), ${cc ? `C getdents + statx only ${fmtS(tc.get('c'))} (${pct('c')}), ` : ''}node -e '' ${fmtS(tc.get('node'))} (${pct('node')})`, `${pct('cached')} of first`, '≤ 15% of first pass', tc.get('cached') / tc.get('first'), 0.15)
  }

  if (want('startup')) {
    const repo = makeSmallRepo()
    run(prov('git-state'), { cwd: repo })
    // The floor for git-state: a bare Node script (CommonJS, which starts faster than an ES
    // module) that runs the one git command prov runs, as prov runs it (the store left out), and
    // prints what it said. prov cannot start faster than this.
    const floor = path.join(base, 'git-floor.cjs')
    writeFileSync(floor, `const { spawn } = require('node:child_process')
const c = spawn('git', GIT_STATUS, { stdio: ['ignore', 'pipe', 'pipe'] })
const out = []
c.stdout.on('data', (d) => out.push(d))
c.on('close', () => process.stdout.write(JSON.stringify({ status: Buffer.concat(out).toString('utf8') }) + '\\n'))
`.replace('GIT_STATUS', JSON.stringify(GIT_STATUS)))
    const t = timeCommands([
      { name: 'node', argv: [NODE, '-e', ''] },
      { name: 'floor', argv: [NODE, floor] },
      { name: 'version', argv: prov('--version') },
      { name: 'git-state', argv: prov('git-state') },
      { name: 'git-state cold', argv: ['env', 'NODE_DISABLE_COMPILE_CACHE=1', ...prov('git-state')] },
    ], { cwd: repo, warmup: 3 })
    const n = t.get('node')
    for (const k of ['version', 'git-state']) {
      const d = (t.get(k) - n) * 1000
      const refs = `node -e '' ${fmtS(n)}` + (k === 'git-state' ? `, node + git status ${fmtS(t.get('floor'))} (+${((t.get('floor') - n) * 1000).toFixed(1)} ms)` : '')
      row(`start-up: prov ${k === 'version' ? '--version' : 'git-state'}`, fmtS(t.get(k)), refs, `+${d.toFixed(1)} ms`, '≤ +50 ms over node', d, 50)
    }
    const cold = (t.get('git-state cold') - n) * 1000
    row('start-up: git-state, no code cache', fmtS(t.get('git-state cold')), 'the first run of a build (NODE_DISABLE_COMPILE_CACHE=1)', `+${cold.toFixed(1)} ms`, '(reported only)', 0, null)

    // A large tracked file touched (same content, new mtime): git must hash it to know it is
    // unchanged. The reference is git status as a user runs it; it streams files above its
    // big-file threshold (512 MiB) through zlib, so with BENCH_QUICK's 256 MiB file both are
    // quick. Touched before every run; three runs each, git status being slow.
    const bigRepo = makeBigRepo()
    const touch = ['touch', path.join(bigRepo, 'big.bin')]
    const tb = timeCommands([
      { name: 'git-state', argv: prov('git-state'), prepare: touch },
      { name: 'git status', argv: ['git', 'status', '--porcelain=v2'], prepare: touch },
    ], { cwd: bigRepo, warmup: 0, rounds: 1, runs: 3 })
    row(`git-state, a touched ${BIG_MIB} MiB tracked file`, fmtS(tb.get('git-state')), `git status ${fmtS(tb.get('git status'))}`, fmtS(tb.get('git-state')), '< 10 s ("never tens of seconds")', tb.get('git-state'), 10)
  }

  if (want('record')) {
    const repo = makeSmallRepo()
    const rec = prov('record', '-i', 'a', '-i', 'b', '-i', 'c', '--', 'true')
    run(rec, { cwd: repo }) // probes the tools once; later runs read <store>/cache/tools.json
    // The floor for record: a bare Node script (CommonJS) that starts git status as prov runs
    // it, hashes the three inputs while git works, then runs the command, then writes a file
    // into a new directory and renames it into place with the fsyncs a durable write needs (the
    // file, its directory, the parent), as prov does.
    const recFloor = path.join(base, 'record-floor.cjs')
    writeFileSync(recFloor, `const { spawn } = require('node:child_process')
const { createHash } = require('node:crypto')
const { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } = require('node:fs')
const run = (file, args) => new Promise((resolve) => {
  const c = spawn(file, args, { stdio: ['inherit', 'pipe', 'pipe'] })
  const out = []
  c.stdout.on('data', (d) => out.push(d))
  c.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString('utf8') }))
})
;(async () => {
  const git = run('git', GIT_STATUS)
  const inputs = ['a', 'b', 'c'].map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'))
  const status = await git
  const cmd = await run('true', [])
  const dir = '.floor-' + process.pid
  mkdirSync(dir)
  const fd = openSync(dir + '/run.json', 'w')
  writeSync(fd, JSON.stringify({ status: status.out, inputs, code: cmd.code }) + '\\n')
  fsyncSync(fd)
  closeSync(fd)
  const sync = (d) => { const f = openSync(d, 'r'); fsyncSync(f); closeSync(f) }
  sync(dir)
  renameSync(dir, dir + '.done')
  sync('.')
  rmSync(dir + '.done', { recursive: true })
})()
`.replace('GIT_STATUS', JSON.stringify(GIT_STATUS)))
    const cmds = [
      { name: 'true', argv: ['true'] },
      { name: 'prov', argv: rec },
      { name: 'floor', argv: [NODE, recFloor] },
    ]
    let dl = null
    if (has('datalad')) {
      try {
        dl = makeDataladDataset()
        run(['datalad', 'run', '-i', 'a', '-i', 'b', '-i', 'c', 'true'], { cwd: dl })
      } catch (e) {
        notes.push(`datalad run could not be set up: ${String(e.message).split('\n')[0]}`)
        dl = null
      }
    } else notes.push('datalad is not installed (apt-get install datalad): left out')
    const t = timeCommands(cmds, { cwd: repo, warmup: 2 })
    let refs = `true ${fmtS(t.get('true'))}, node + git status + hashing a, b, c + true + an fsynced write ${fmtS(t.get('floor'))} (+${((t.get('floor') - t.get('true')) * 1000).toFixed(1)} ms)`
    if (dl) {
      const td = timeCommands([{ name: 'datalad', argv: ['datalad', 'run', '-i', 'a', '-i', 'b', '-i', 'c', 'true'] }], { cwd: dl, rounds: 1 })
      refs += `, datalad run ${fmtS(td.get('datalad'))}`
    }
    const d = (t.get('prov') - t.get('true')) * 1000
    row('record -i a -i b -i c -- true', fmtS(t.get('prov')), refs, `+${d.toFixed(1)} ms`, '≤ +100 ms over true', d, 100)

    // 20,000 inputs against in-toto-run.
    const tree = makeTree()
    const tstore = path.join(tree, 'store')
    const big = [
      { name: 'true', argv: ['true'] },
      { name: 'prov', argv: prov('record', '-q', '--no-cache', '--store', tstore, '-i', 'tree', '--', 'true') },
      { name: 'prov cached', argv: prov('record', '-q', '--store', tstore, '-i', 'tree', '--', 'true') },
    ]
    const intoto = has('in-toto-run') && inTotoKey(tree)
    if (intoto) big.push({ name: 'in-toto-run', argv: ['in-toto-run', '-q', '-n', 'step', '-k', 'key.pem', '-m', 'tree', '--', 'true'] })
    else notes.push('in-toto-run is not installed (apt-get install in-toto): the 20,000-input record has no reference')
    run(big[1].argv, { cwd: tree })
    const tb = timeCommands(big, { cwd: tree, rounds: intoto ? 2 : 3 })
    const over = (k) => tb.get(k) - tb.get('true')
    const refsB = `in-toto-run ${intoto ? fmtS(tb.get('in-toto-run')) : 'n/a'}, prov (stat cache) ${fmtS(tb.get('prov cached'))}`
    if (intoto) {
      row(`record -i <${N_FILES} files> -- true`, fmtS(tb.get('prov')), refsB, `${((100 * over('prov')) / over('in-toto-run')).toFixed(0)}% of in-toto's overhead`, '≤ 50% of in-toto-run\'s overhead', over('prov') / over('in-toto-run'), 0.5)
    } else {
      row(`record -i <${N_FILES} files> -- true`, fmtS(tb.get('prov')), refsB, `+${fmtS(over('prov'))}`, 'in-toto-run missing', 0, null)
    }
  }

  if (want('diff') || want('log')) {
    const tpl = template()
    if (want('diff')) {
      const { dir, a, b } = await makeDiffRuns(tpl)
      const argv = prov('diff-runs', '--store', path.join(dir, 'store'), a, b)
      const r = run(argv, { cwd: dir, ok: [1] })
      const diff = JSON.parse(r.stdout).diff
      if (diff.inputs.length !== 2000) throw new Error(`diff-runs found ${diff.inputs.length} changed inputs, not 2000`)
      // The floor: Node reading and parsing the two run.json files, and nothing else.
      const floor = path.join(base, 'parse-floor.cjs')
      writeFileSync(floor, `const { readFileSync } = require('node:fs')
for (const f of process.argv.slice(2)) JSON.parse(readFileSync(f, 'latin1'))
`)
      const files = [a, b].map((id) => path.join(dir, 'store', 'runs', id, 'run.json'))
      // The first comparison checks both runs (schema, id); later ones find them in
      // cache/verified.json while their run.json are unchanged. The budget is for the first.
      const verified = path.join(dir, 'store', 'cache', 'verified.json')
      const t = timeCommands([
        { name: 'diff-runs', argv, prepare: ['rm', '-f', verified] },
        { name: 'warm', argv },
        { name: 'floor', argv: [NODE, floor, ...files] },
      ], { cwd: dir, ignoreFailure: true })
      row(`diff-runs, ${N_DIFF_INPUTS} inputs each (first)`, fmtS(t.get('diff-runs')), `node reading + JSON.parse of the two run.json ${fmtS(t.get('floor'))}`, fmtS(t.get('diff-runs')), '≤ 1 s', t.get('diff-runs'), 1)
      row(`diff-runs again (runs checked before)`, fmtS(t.get('warm')), '-', fmtS(t.get('warm')), '(reported only)', 0, null)
    }
    if (want('log')) {
      const dir = await makeLogStore(tpl)
      const store = path.join(dir, 'store')
      const index = path.join(store, 'cache', 'index.json')
      const argv = prov('log', '--store', store)
      const lines = run(argv, { cwd: dir }).stdout.split('\n').filter(Boolean).length
      if (lines !== N_LOG_RUNS) throw new Error(`prov log printed ${lines} lines, not ${N_LOG_RUNS}`)
      const t = timeCommands([
        { name: 'cold', argv, prepare: ['rm', '-f', index] },
        { name: 'warm', argv },
      ], { cwd: dir })
      run(argv, { cwd: dir })
      row(`log, ${N_LOG_RUNS} runs (warm index)`, fmtS(t.get('warm')), `cold (no index) ${fmtS(t.get('cold'))}`, fmtS(t.get('warm')), '≤ 1 s', t.get('warm'), 1)
      row(`log, ${N_LOG_RUNS} runs (cold: builds the index)`, fmtS(t.get('cold')), '-', fmtS(t.get('cold')), '(reported only)', 0, null)
    }
  }

  printTable()
  const failed = rows.filter((r) => r.result === 'FAIL')
  if (failed.length > 0) log(`${failed.length} budget(s) missed by more than ${MARGIN * 100}%: ${failed.map((r) => r.kase).join('; ')}`)
  return failed.length > 0 ? 1 : 0
}

let code = 2
try {
  code = await main()
} catch (e) {
  log(`error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`)
} finally {
  if (!process.env.BENCH_DIR && process.env.BENCH_KEEP !== '1') rmSync(base, { recursive: true, force: true })
  else log(`workloads kept in ${base}`)
}
process.exitCode = code

// Outputs the command did not write: record marks an output file that was not changed while its
// command ran `"stale": true` (a failed run is not credited with the previous run's model), show
// and diff say so, and hash-inputs --newer does the same for a pipeline.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { parseValid, narrowPath, repoPool, type Sandbox } from '../helpers/prov.js'

const repo = repoPool()
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

/** The user review's repository: train.py writes out/model.txt, or fails before it with an argument. */
async function trainRepo(): Promise<Sandbox> {
  const sb = await repo({
    '.gitignore': 'out/\n',
    'train.sh': 'mkdir -p out\nif [ $# -gt 0 ]; then echo boom >&2; exit 1; fi\nprintf "w=1\\n" > out/model.txt\n',
  })
  narrowPath(sb, ['git', 'sh', 'mkdir', 'printf', 'cp', 'chmod', 'touch', 'true'])
  return sb
}

/** The latest run's run.json, validated. */
function latest(sb: Sandbox): any {
  const dir = path.join(sb.dir, '.prov', 'runs')
  const runs = readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n))
    .map((id) => parseValid('run', readFileSync(path.join(dir, id, 'run.json'), 'utf8')))
    .sort((a, b) => (a.command.started_at ?? a.created_at).localeCompare(b.command.started_at ?? b.created_at))
  return runs[runs.length - 1]
}

const WROTE = { path: 'out/model.txt', size: 4, sha256: sha256('w=1\n') }

describe('outputs left from before', { concurrency: 2 }, () => {
  test('a failed run is not credited with the previous run\'s output: marked stale, warned, shown, and a change for diff', async () => {
    const sb = await trainRepo()
    const ok = await sb.prov(['record', '-o', 'out/', '--', 'sh', 'train.sh'])
    assert.equal(ok.exitCode, 0, ok.stderr)
    assert.match(ok.stderr, /^prov: recorded [0-9a-f]{12} \(exit 0, [^)]*, 0 inputs, 1 output\)\n$/)
    assert.deepEqual(latest(sb).outputs, [WROTE])

    const crash = await sb.prov(['record', '-o', 'out/', '--', 'sh', 'train.sh', 'crash'])
    assert.equal(crash.exitCode, 1)
    assert.equal(crash.stdout, '')
    assert.match(crash.stderr, /^boom\nprov: recorded [0-9a-f]{12} \(exit 1, [^)]*, 0 inputs, 1 output\)\nprov: warning: 1 output not written by the command \(left from before\): out\/model\.txt\n$/)
    assert.deepEqual(latest(sb).outputs, [{ ...WROTE, stale: true }])

    const d = await sb.prov(['diff'])
    assert.equal(d.exitCode, 1)
    assert.equal(d.stderr, '')
    const lines = d.stdout.split('\n')
    assert.equal(lines[1], 'outputs changed: out/model.txt — no inputs recorded; command: argv, exit 0 → 1')
    assert.ok(lines.includes('  ~ out/model.txt  written → left from before (same content)'), d.stdout)
    // diff-runs: the change's from and to are the entries, the flag included.
    const j = await sb.prov(['diff', '--json'])
    assert.equal(j.exitCode, 1)
    const doc = parseValid('diff', j.stdout).diff
    assert.equal(doc.identical, false)
    assert.deepEqual(doc.outputs, [{ op: 'changed', key: 'out/model.txt', from: { size: 4, sha256: WROTE.sha256 }, to: { size: 4, sha256: WROTE.sha256, stale: true } }])
    // The other way round reads the other way.
    const back = await sb.prov(['diff', '@', '@~1'])
    assert.equal(back.exitCode, 1)
    assert.ok(back.stdout.split('\n').includes('  ~ out/model.txt  left from before → written (same content)'), back.stdout)

    const show = await sb.prov(['show'])
    assert.equal(show.exitCode, 0, show.stderr)
    const sl = show.stdout.split('\n')
    assert.ok(sl.includes('Outputs:  1 (from out/), 1 not written by the command'), show.stdout)
    assert.ok(sl.includes(`  out/model.txt  4 B  ${WROTE.sha256.slice(0, 12)}  (left from before: not written by the command)`), show.stdout)

    // Since the crash no file changed (the run's stale entry stands while the file is as it left
    // it), but the run failed: --workspace says so, the one change, so that a step is run again.
    const ws = await sb.prov(['diff', '--workspace', '--json'])
    assert.equal(ws.exitCode, 1, ws.stdout + ws.stderr)
    const wsDoc = parseValid('diff', ws.stdout).diff
    assert.deepEqual([...wsDoc.inputs, ...wsDoc.outputs, ...wsDoc.params, ...wsDoc.code].filter((c: any) => !c.noise), [])
    assert.deepEqual(wsDoc.command, [{ op: 'changed', key: 'status', from: 'exit 1', to: 'not run since' }])
    // verify --files checks hashes only: the stale output is what it was.
    const v = await sb.prov(['verify', '--files'])
    assert.equal(v.exitCode, 0, v.stdout + v.stderr)
  })

  test('an output the command rewrote with the same bytes is written, not stale; so is one copied in with its old mtime (cp -p)', async () => {
    const sb = await trainRepo()
    let r = await sb.prov(['record', '-q', '-o', 'out/', '--', 'sh', 'train.sh'])
    assert.equal(r.exitCode, 0, r.stderr)
    sb.write('keep/old.txt', 'old\n')
    // The same bytes again: its ctime changes, the command did write it.
    r = await sb.prov(['record', '-o', 'out/', '--', 'sh', 'train.sh'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stderr, /^prov: recorded [0-9a-f]{12} \([^)]*\)\n$/, 'no warning')
    assert.deepEqual(latest(sb).outputs, [WROTE])
    const d = await sb.prov(['diff', '--json'])
    assert.deepEqual(parseValid('diff', d.stdout).diff.outputs, [])
    // cp -p keeps the mtime of a file made before the run; its ctime is the copy's.
    r = await sb.prov(['record', '-o', 'out/', '--', 'sh', '-c', 'cp -p keep/old.txt out/old.txt'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stderr, /\nprov: warning: 1 output not written by the command \(left from before\): out\/model\.txt\n$/)
    assert.deepEqual(latest(sb).outputs, [{ ...WROTE, stale: true }, { path: 'out/old.txt', size: 4, sha256: sha256('old\n') }])
    // A chmod alone is a change the command made too (ctime).
    r = await sb.prov(['record', '-q', '-o', 'out/', '--', 'chmod', '600', 'out/model.txt'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(latest(sb).outputs, [WROTE, { path: 'out/old.txt', size: 4, sha256: sha256('old\n'), stale: true }])
  })

  test('a file the command writes at once is never stale (the marker is the file system\'s clock, not Date.now())', async () => {
    const sb = await trainRepo()
    sb.write('out/a', 'old\n')
    for (let i = 0; i < 40; i++) {
      const r = await sb.prov(['record', '-q', '--no-cache', '-o', 'out/a', '--', 'sh', '-c', 'echo x > out/a'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(latest(sb).outputs, [{ path: 'out/a', size: 2, sha256: sha256('x\n') }], `run ${i + 1}`)
    }
  })

  test('many outputs left from before: the warning names three, "+N more"; the stat cache and --no-cache agree; --no-exec marks none', async () => {
    const sb = await trainRepo()
    for (const n of ['a', 'b', 'c', 'd', 'e']) sb.write(`out/${n}`, `${n}\n`)
    for (const flags of [[], [], ['--no-cache']]) { // the second run answers from the stat cache
      const r = await sb.prov(['record', ...flags, '-o', 'out', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.match(r.stderr, /\(exit 0, [^)]*, 0 inputs, 5 outputs\)\nprov: warning: 5 outputs not written by the command \(left from before\): out\/a, out\/b, out\/c \(\+2 more\)\n$/)
      assert.deepEqual(latest(sb).outputs.map((o: any) => [o.path, o.stale]), ['a', 'b', 'c', 'd', 'e'].map((n) => [`out/${n}`, true]))
    }
    const r = await sb.prov(['record', '--no-exec', '-o', 'out', '--', 'true'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stderr, /^prov: recorded [0-9a-f]{12} \(not run, 0 inputs, 5 outputs\)\n$/)
    assert.equal(latest(sb).outputs.filter((o: any) => 'stale' in o).length, 0)
    // The store's tmp/ keeps no marker.
    assert.deepEqual(readdirSync(path.join(sb.dir, '.prov', 'tmp')), [])
  })

  test('a run from before this flag and a new run that wrote the same output: no difference, and the id is the content\'s', async () => {
    const sb = await trainRepo()
    let r = await sb.prov(['record', '-q', '-o', 'out/', '--', 'sh', 'train.sh'])
    assert.equal(r.exitCode, 0, r.stderr)
    // An old run's document, as write-run stores it: no stale anywhere, the same id as always.
    const old = latest(sb)
    const { id, schema_version, created_at, ...sections } = old
    const w = await sb.prov(['write-run'], { input: JSON.stringify(sections) })
    assert.equal(w.exitCode, 0, w.stderr)
    assert.equal(JSON.parse(w.stdout).id, id)
    r = await sb.prov(['record', '-q', '-o', 'out/', '--', 'sh', 'train.sh'])
    assert.equal(r.exitCode, 0, r.stderr)
    const d = await sb.prov(['diff-runs', id, latest(sb).id])
    assert.equal(d.exitCode, 0, d.stdout)
    assert.deepEqual(parseValid('diff', d.stdout).diff.outputs, [])
  })

  test('hash-inputs --as outputs --newer FILE: what FILE is newer than is stale; a missing FILE or --newer on inputs is exit 2', async () => {
    const sb = await trainRepo()
    sb.write('out/old.txt', 'old\n')
    sb.write('out/new.txt', 'x\n')
    const r = await sb.prov(['hash-inputs', '--as', 'outputs', '--newer', 'stamp', 'out/'])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^prov: cannot read the --newer file 'stamp': no such file or directory\nhint: /)
    // As a Makefile does it: touch the stamp, run the command, hash with --newer.
    const sh = await sb.prov(['exec', '--', 'sh', '-c', 'touch stamp; printf "y\\n" > out/new.txt'])
    assert.equal(sh.exitCode, 0, sh.stderr)
    for (const flags of [[], ['--no-cache']]) {
      const h = await sb.prov(['hash-inputs', ...flags, '--as', 'outputs', '--newer', 'stamp', 'out/', 'train.sh'])
      assert.equal(h.exitCode, 0, h.stderr)
      assert.equal(h.stderr, '')
      assert.deepEqual(parseValid('outputs', h.stdout).outputs, [
        { path: 'out/new.txt', size: 2, sha256: sha256('y\n') },
        { path: 'out/old.txt', size: 4, sha256: sha256('old\n'), stale: true },
        { path: 'train.sh', size: readFileSync(path.join(sb.dir, 'train.sh')).length, sha256: sha256(sb.read('train.sh')), stale: true },
      ])
    }
    const inputs = await sb.prov(['hash-inputs', '--newer', 'stamp', 'out/'])
    assert.equal(inputs.exitCode, 2)
    assert.equal(inputs.stdout, '')
    assert.match(inputs.stderr, /^prov: --newer goes with --as outputs\n/)
    const sources = await sb.prov(['hash-inputs', '--as', 'outputs', '--sources', '--newer', 'stamp', 'out/'])
    assert.equal(sources.exitCode, 2)
    assert.match(sources.stderr, /^prov: --newer and --sources/)
  })

  test('the schema: stale only on outputs, and only true', async () => {
    const sb = await trainRepo()
    const r = await sb.prov(['record', '-q', '-o', 'out/', '--', 'sh', 'train.sh'])
    assert.equal(r.exitCode, 0, r.stderr)
    const { id, schema_version, created_at, ...sections } = latest(sb)
    // An output's flag is taken, and is part of the content: another id.
    const ok = await sb.prov(['write-run'], { input: JSON.stringify({ ...sections, outputs: [{ ...WROTE, stale: true }] }) })
    assert.equal(ok.exitCode, 0, ok.stderr)
    assert.notEqual(JSON.parse(ok.stdout).id, id)
    for (const [what, doc, pointer] of [
      ['an input', { ...sections, inputs: [{ ...WROTE, stale: true }] }, '/inputs/0'],
      ['stale: false', { ...sections, outputs: [{ ...WROTE, stale: false }] }, '/outputs/0'],
      ['a missing output', { ...sections, outputs: [{ path: 'x', missing: true, stale: true }] }, '/outputs/0'],
    ] as const) {
      const w = await sb.prov(['write-run'], { input: JSON.stringify(doc) })
      assert.equal(w.exitCode, 2, what)
      assert.ok(w.stderr.includes(`at ${pointer}`), `${what}: ${w.stderr}`)
    }
  })
})

// Black-box tests of reading runs that a newer prov wrote: a field this prov does not know is
// left out, with a warning, where show, diff, diff-runs and verify read the run (STYLE.md:
// consumers ignore unknown fields); a run of a later schema_version is refused, saying so.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { makeRepo, parseValid, type Sandbox } from '../helpers/prov.js'
import { computeRunId } from '../../src/core/id.js'

async function withRepo(fn: (sb: Sandbox) => Promise<void>): Promise<void> {
  const sb = await makeRepo({ 'code.py': 'x = 1\n', '.gitignore': 'data/\nout.txt\n' })
  sb.write('data/in.txt', 'input data\n')
  try { await fn(sb) } finally { sb.cleanup() }
}

const runsDir = (sb: Sandbox): string => path.join(sb.dir, '.prov', 'runs')

async function rec(sb: Sandbox, args: string[]): Promise<string> {
  const before = new Set(existingRuns(sb))
  const r = await sb.prov(['record', ...args])
  assert.equal(r.exitCode, 0, r.stderr)
  const made = existingRuns(sb).filter((id) => !before.has(id))
  assert.equal(made.length, 1)
  return made[0]!
}

function existingRuns(sb: Sandbox): string[] {
  try { return readdirSync(runsDir(sb)) } catch { return [] }
}

/**
 * The run `id` as a newer prov would have written it: `change` applied to its content, the id
 * made again from it, and stored under that id (patch.diff and captures copied). Returns the id.
 */
function asNewer(sb: Sandbox, id: string, change: (r: any) => void): string {
  const run = JSON.parse(readFileSync(path.join(runsDir(sb), id, 'run.json'), 'utf8'))
  change(run)
  run.id = computeRunId(run)
  const dir = path.join(runsDir(sb), run.id)
  mkdirSync(dir)
  for (const name of readdirSync(path.join(runsDir(sb), id))) {
    if (name !== 'run.json') writeFileSync(path.join(dir, name), readFileSync(path.join(runsDir(sb), id, name)))
  }
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run, null, 2) + '\n')
  return run.id
}

const addFields = (r: any): void => {
  r.gpu = { model: 'H100' }
  r.command.attempt = 2
  r.inputs[0].mode = '0644'
}

describe('runs a newer prov wrote', { concurrency: 2 }, () => {
  test('unknown fields: show, diff, diff-runs and verify read the run, naming what they leave out', async () => {
    await withRepo(async (sb) => {
      const old = await rec(sb, ['-i', 'data/in.txt', '--', 'true'])
      const newer = asNewer(sb, old, addFields)

      const show = await sb.prov(['show', newer.slice(0, 12)])
      assert.equal(show.exitCode, 0, show.stderr)
      assert.match(show.stdout, /^run [0-9a-f]{64}$/m)
      assert.match(show.stdout, /data\/in\.txt/)
      assert.equal(show.stderr, `prov: warning: run ${newer.slice(0, 12)} holds fields that prov 0.1.0 does not know, not shown ('prov show --json' prints them): /command/attempt, /inputs/0/mode, /gpu (a newer prov wrote them)\n`)

      // --json prints the file as stored, the new fields with it, and says nothing.
      const json = await sb.prov(['show', '--json', newer])
      assert.equal(json.exitCode, 0, json.stderr)
      assert.equal(json.stderr, '')
      assert.deepEqual(JSON.parse(json.stdout).gpu, { model: 'H100' })
      // ... as it does for the same run on standard input.
      const piped = await sb.prov(['show', '--json', '-'], { input: json.stdout })
      assert.equal(piped.exitCode, 0, piped.stderr)
      assert.deepEqual(JSON.parse(piped.stdout), JSON.parse(json.stdout))

      // The runs differ only in what this prov does not know: the same, said with the warning.
      const dr = await sb.prov(['diff-runs', old, newer])
      assert.equal(dr.exitCode, 0, dr.stderr)
      assert.equal(parseValid('diff', dr.stdout).diff.identical, true)
      assert.equal(dr.stderr, `prov: warning: run ${newer.slice(0, 12)} holds fields that prov 0.1.0 does not know, not compared: /command/attempt, /inputs/0/mode, /gpu (a newer prov wrote them)\n`
        + 'prov: warning: the two runs differ in fields that prov 0.1.0 does not know: /command/attempt, /inputs/0/mode, /gpu; upgrade prov to compare them\n')
      const d = await sb.prov(['diff', old, newer])
      assert.equal(d.exitCode, 0, d.stderr)
      assert.match(d.stderr, /not compared: \/command\/attempt, \/inputs\/0\/mode, \/gpu/)

      // Against the present, which holds no such field: the run's are named, and that is all.
      const ws = await sb.prov(['diff', '--workspace', newer])
      assert.equal(ws.stderr, `prov: warning: run ${newer.slice(0, 12)} holds fields that prov 0.1.0 does not know, not compared: /command/attempt, /inputs/0/mode, /gpu (a newer prov wrote them)\n`)

      // The id covers the new fields: the run is sound, and a changed byte in them is not.
      const v = await sb.prov(['verify', newer])
      assert.equal(v.exitCode, 0, v.stderr)
      assert.equal(v.stdout, `ok   ${newer}\n`)
      const file = path.join(runsDir(sb), newer, 'run.json')
      writeFileSync(file, readFileSync(file, 'utf8').replace('H100', 'H200'))
      const bad = await sb.prov(['verify', newer])
      assert.equal(bad.exitCode, 1)
      assert.match(bad.stdout, /^FAIL [0-9a-f]{64}: content does not hash to its id/m)
      const badShow = await sb.prov(['show', newer])
      assert.equal(badShow.exitCode, 2)
      assert.match(badShow.stderr, /has been altered: its content does not hash to its id/)
    })
  })

  test('two runs holding the same unknown fields: each named, no word of a difference; other values are one', async () => {
    await withRepo(async (sb) => {
      const one = await rec(sb, ['-i', 'data/in.txt', '-p', 'n=1', '--', 'true'])
      const two = await rec(sb, ['-i', 'data/in.txt', '-p', 'n=2', '--', 'true'])
      const a = asNewer(sb, one, addFields)
      const b = asNewer(sb, two, addFields)
      const same = await sb.prov(['diff-runs', a, b])
      assert.equal(same.exitCode, 1, same.stderr)
      assert.deepEqual(parseValid('diff', same.stdout).diff.params.map((c: any) => [c.op, c.key]), [['changed', 'n']])
      assert.deepEqual(same.stderr.split('\n').filter(Boolean).map((l) => l.replace(/run [0-9a-f]{12}/, 'run X')), [
        "prov: warning: run X holds fields that prov 0.1.0 does not know, not compared: /command/attempt, /inputs/0/mode, /gpu (a newer prov wrote them)",
        "prov: warning: run X holds fields that prov 0.1.0 does not know, not compared: /command/attempt, /inputs/0/mode, /gpu (a newer prov wrote them)",
      ])
      const c = asNewer(sb, two, (r) => { addFields(r); r.gpu.model = 'A100' })
      const other = await sb.prov(['diff', a, c])
      assert.equal(other.exitCode, 1, other.stderr)
      assert.match(other.stderr, /^prov: warning: the two runs differ in fields that prov 0\.1\.0 does not know: \/gpu; upgrade prov to compare them$/m)
    })
  })

  test("a file entry's unknown fields are compared by the file's path, not its place in the list", async () => {
    await withRepo(async (sb) => {
      sb.write('data/a.txt', 'a\n')
      const one = await rec(sb, ['-i', 'data/in.txt', '--', 'true'])
      const two = await rec(sb, ['-i', 'data/a.txt', '-i', 'data/in.txt', '--', 'true'])
      const mode = (m: string) => (r: any): void => { for (const f of r.inputs) f.mode = f.path === 'data/in.txt' ? m : '0600' }
      const a = asNewer(sb, one, mode('0644'))
      const b = asNewer(sb, two, mode('0644'))
      // data/in.txt is /inputs/0 in one and /inputs/1 in the other, of one mode: only data/a.txt's is a difference.
      const same = await sb.prov(['diff-runs', a, b])
      assert.equal(same.exitCode, 1, same.stderr)
      assert.match(same.stderr, /^prov: warning: the two runs differ in fields that prov 0\.1\.0 does not know: \/inputs\/0\/mode; upgrade prov to compare them$/m)
      const c = asNewer(sb, two, mode('0755'))
      const other = await sb.prov(['diff-runs', a, c])
      assert.match(other.stderr, /^prov: warning: the two runs differ in fields that prov 0\.1\.0 does not know: \/inputs\/0\/mode, \/inputs\/1\/mode; upgrade prov to compare them$/m)
    })
  })

  test('a schema_version beyond a safe integer is a newer one too', async () => {
    await withRepo(async (sb) => {
      const old = await rec(sb, ['--', 'true'])
      const id = asNewer(sb, old, (r) => { r.schema_version = 1e300 })
      const show = await sb.prov(['show', id])
      assert.equal(show.exitCode, 2)
      assert.match(show.stderr, /was written by a newer prov: its schema_version is 1e\+300/)
    })
  })

  test('a wrong type is still refused where the run also has unknown fields', async () => {
    await withRepo(async (sb) => {
      const old = await rec(sb, ['--', 'true'])
      const id = asNewer(sb, old, (r) => { r.gpu = 1; r.command.exit_code = 'zero' })
      const show = await sb.prov(['show', id])
      assert.equal(show.exitCode, 2)
      assert.match(show.stderr, /does not match the run schema at \/command\/exit_code: must be integer,null/)
      const v = await sb.prov(['verify', id])
      assert.equal(v.exitCode, 1)
      assert.match(v.stdout, /FAIL [0-9a-f]{64}: does not match the run schema at \/command\/exit_code/)
    })
  })

  test('in an entry of a oneOf, a field only another kind of entry names is unknown in it; an entry of two kinds is refused', async () => {
    await withRepo(async (sb) => {
      // out.txt is not written: the output is kept as {path, missing: true}.
      const old = await rec(sb, ['-i', 'data/in.txt', '-o', 'out.txt', '-p', 'n=1', '--', 'true'])
      const id = asNewer(sb, old, (r) => {
        r.outputs[0].stale = true
        r.command.params_sources[0].how = 'cli'
      })
      const show = await sb.prov(['show', id])
      assert.equal(show.exitCode, 0, show.stderr)
      assert.match(show.stdout, /out\.txt/)
      assert.equal(show.stderr, `prov: warning: run ${id.slice(0, 12)} holds fields that prov 0.1.0 does not know, not shown ('prov show --json' prints them): /command/params_sources/0/how, /outputs/0/stale (a newer prov wrote them)\n`)
      const dr = await sb.prov(['diff-runs', old, id])
      assert.equal(dr.exitCode, 0, dr.stderr)
      const v = await sb.prov(['verify', id])
      assert.equal(v.exitCode, 0, v.stdout)
      // An entry that is both a file and a missing one is not made one by leaving out either.
      const both = asNewer(sb, old, (r) => { Object.assign(r.inputs[0], { missing: true }) })
      const bad = await sb.prov(['show', both])
      assert.equal(bad.exitCode, 2)
      assert.match(bad.stderr, /does not match the run schema at \/inputs\/0/)
      const vb = await sb.prov(['verify', both])
      assert.equal(vb.exitCode, 1)
    })
  })

  test('a later schema_version is refused, naming it, with a hint to upgrade', async () => {
    await withRepo(async (sb) => {
      const old = await rec(sb, ['--', 'true'])
      const id = asNewer(sb, old, (r) => { r.schema_version = 2; r.renamed = true })
      const show = await sb.prov(['show', id])
      assert.equal(show.exitCode, 2)
      assert.equal(show.stdout, '')
      assert.equal(show.stderr, `prov: run ${id.slice(0, 12)} was written by a newer prov: its schema_version is 2, and prov 0.1.0 reads 1\nhint: upgrade prov to read it\n`)
      const d = await sb.prov(['diff-runs', old, id])
      assert.equal(d.exitCode, 2)
      assert.match(d.stderr, /its schema_version is 2/)
      const v = await sb.prov(['verify', id])
      assert.equal(v.exitCode, 1)
      assert.equal(v.stdout, `FAIL ${id}: was written by a newer prov: its schema_version is 2, and prov 0.1.0 reads 1: upgrade prov to check it\n`)
    })
  })

  test('a run with unknown fields is never taken from the verified cache whole', async () => {
    await withRepo(async (sb) => {
      const old = await rec(sb, ['-i', 'data/in.txt', '--', 'true'])
      const id = asNewer(sb, old, addFields)
      for (let i = 0; i < 2; i++) {
        const show = await sb.prov(['show', id])
        assert.equal(show.exitCode, 0, show.stderr)
        assert.match(show.stderr, /not shown .*\/gpu/)
      }
    })
  })
})

// Black-box tests of concurrent use of one store: parallel records and writes never lose or
// corrupt a run, leave nothing behind in tmp/, and agree on the secret key.
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { BIN, makeRepo, parseValid, isValid, type Sandbox, toolsDir } from '../helpers/prov.js'

const sandboxes: Sandbox[] = []
after(() => { for (const s of sandboxes) s.cleanup() })

/**
 * A PATH holding only the tools used here, and `prov` itself: the environment snapshot probes
 * every known tool on PATH, and a slow one would make each record slow.
 */
function fastPath(): string {
  const dir = toolsDir(['git', 'sh', 'make', 'true', 'cat', 'sleep'])
  writeFileSync(path.join(dir, 'prov'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`)
  chmodSync(path.join(dir, 'prov'), 0o755)
  return dir
}
const PATH = fastPath()

async function repo(files: Record<string, string> = { README: 'hello\n' }): Promise<Sandbox> {
  const sb = await makeRepo(files)
  sb.env.PATH = PATH
  sandboxes.push(sb)
  return sb
}

const storeDir = (sb: Sandbox): string => path.join(sb.dir, '.prov')
const runDirs = (sb: Sandbox): string[] => readdirSync(path.join(storeDir(sb), 'runs')).sort()
const tmpEntries = (sb: Sandbox): string[] => { try { return readdirSync(path.join(storeDir(sb), 'tmp')) } catch { return [] } }

/** `prov verify` passes every run, and there are exactly `n`; returns their ids. */
async function verifyAll(sb: Sandbox, n: number): Promise<string[]> {
  const v = await sb.prov(['verify'])
  assert.equal(v.exitCode, 0, v.stdout + v.stderr)
  assert.equal(v.stderr, '')
  const lines = v.stdout.trim().split('\n').filter(Boolean)
  assert.equal(lines.length, n, v.stdout)
  for (const l of lines) assert.match(l, /^ok {3}[0-9a-f]{64}$/)
  const ids = lines.map((l) => l.slice(5))
  assert.deepEqual(ids, runDirs(sb), 'verify lists every directory in runs/, and nothing else is there')
  for (const id of ids) assert.ok(isValid('run', JSON.parse(readFileSync(path.join(storeDir(sb), 'runs', id, 'run.json'), 'utf8'))))
  return ids
}

/** `prov log --json`: one valid line per run. */
async function logIds(sb: Sandbox): Promise<string[]> {
  const r = await sb.prov(['log', '--json'])
  assert.equal(r.exitCode, 0, r.stderr)
  assert.equal(r.stderr, '')
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const o = JSON.parse(l)
    assert.match(o.id, /^[0-9a-f]{64}$/)
    assert.ok(Array.isArray(o.command.argv))
    return o.id as string
  })
}

describe('concurrent writers on one store', () => {
  test('32 records at once give 32 valid runs; log lists them all; tmp/ is empty', async () => {
    const sb = await repo({ README: 'hello\n', 'in.txt': 'input\n', 'out/.keep': '' })
    const N = 32
    const rs = await Promise.all(Array.from({ length: N }, (_, i) => {
      // Most run a command writing an output; some only record (--no-exec); some capture.
      const args = i % 8 === 7
        ? ['record', '--no-exec', '-i', 'in.txt', '-p', `n=${i}`, '--', 'true', String(i)]
        : ['record', '-i', 'in.txt', '-o', `out/${i}.txt`, '-p', `n=${i}`, ...(i % 5 === 0 ? ['--capture'] : []), '--',
            'sh', '-c', `echo ${i} > out/${i}.txt`]
      return sb.prov(args, { env: { API_TOKEN: 'shared-secret-value' } })
    }))
    const short = new Set<string>()
    rs.forEach((r, i) => {
      assert.equal(r.exitCode, 0, `record ${i}: ${r.stderr}`)
      const m = /^prov: recorded ([0-9a-f]{12}) \(/.exec(r.stderr)
      assert.ok(m, `record ${i}: ${r.stderr}`)
      short.add(m[1]!)
    })
    assert.equal(short.size, N, 'every record printed its own id')
    const ids = await verifyAll(sb, N)
    assert.deepEqual(new Set(ids.map((id) => id.slice(0, 12))), short)
    assert.deepEqual((await logIds(sb)).sort(), ids)
    assert.deepEqual(tmpEntries(sb), [])
    // Each run holds its own command's params and output, and all share one key.
    const seen = new Set<number>()
    const fps = new Set<string>()
    for (const id of ids) {
      const run = JSON.parse(readFileSync(path.join(storeDir(sb), 'runs', id, 'run.json'), 'utf8'))
      const n = run.params.n as number
      seen.add(n)
      fps.add(run.env.vars.API_TOKEN)
      assert.deepEqual(run.inputs.map((f: any) => f.path), ['in.txt'])
      if (n % 8 !== 7) {
        assert.equal(run.command.exit_code, 0)
        const out = run.outputs.find((f: any) => f.path === `out/${n}.txt`)
        assert.equal(out.size, String(n).length + 1, `run ${n}`)
        assert.equal(run.outputs.some((f: any) => f.stream === 'stdout'), n % 5 === 0)
      }
    }
    assert.equal(seen.size, N)
    assert.equal(fps.size, 1, [...fps].join(' '))
    const vf = await sb.prov(['verify', '--files', '-q'])
    assert.equal(vf.exitCode, 0, vf.stdout + vf.stderr)
  })

  test('16 records at once into a store not made yet, many directories deep: each makes its way, none fails', async () => {
    const sb = await repo()
    const deep = path.join(sb.dir, ...Array.from({ length: 24 }, (_, i) => `d${i}`), 'store')
    const rs = await Promise.all(Array.from({ length: 16 }, (_, i) => sb.prov(['record', '-q', '--', 'true', String(i)], { env: { PROV_DIR: deep } })))
    rs.forEach((r, i) => assert.equal(r.exitCode, 0, `record ${i}: ${r.stderr}`))
    assert.equal(readdirSync(path.join(deep, 'runs')).length, 16)
  })

  test('the same document written 12 times at once is one run; every writer gets its id', async () => {
    const sb = await repo()
    const env = await sb.prov(['snapshot-env', '--no-tools'])
    const git = await sb.prov(['git-state'])
    assert.equal(env.exitCode, 0, env.stderr)
    assert.equal(git.exitCode, 0, git.stderr)
    const command = JSON.stringify({ command: { argv: ['make', 'all'], cwd: '.', exit_code: 0, signal: null, started_at: '2026-01-02T03:04:05.000Z', ended_at: '2026-01-02T03:04:06.000Z', duration_ms: 1000 } })
    const input = command + '\n' + env.stdout + git.stdout
    const rs = await Promise.all(Array.from({ length: 12 }, () => sb.prov(['write-run'], { input })))
    const ids = new Set<string>()
    for (const r of rs) {
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.stderr, '')
      const doc = JSON.parse(r.stdout)
      ids.add(doc.id)
      assert.equal(doc.path, `.prov/runs/${doc.id}/run.json`)
    }
    assert.equal(ids.size, 1)
    assert.deepEqual(await verifyAll(sb, 1), [...ids])
    assert.deepEqual(tmpEntries(sb), [])

    // Written again, 12 at once, over a run.json altered by hand: each writer that found it
    // altered replaced it, and said so; the store holds the run again.
    const [id] = ids
    const file = path.join(sb.dir, '.prov', 'runs', id!, 'run.json')
    const original = readFileSync(file, 'utf8')
    writeFileSync(file, original.replace('"make"', '"make2"'))
    const again = await Promise.all(Array.from({ length: 12 }, () => sb.prov(['write-run'], { input })))
    const warning = `prov: warning: replaced '.prov/runs/${id}/run.json': its content did not match its id\n`
    for (const r of again) {
      assert.equal(r.exitCode, 0, r.stderr)
      assert.ok(r.stderr === '' || r.stderr === warning, r.stderr)
      assert.equal(JSON.parse(r.stdout).id, id)
    }
    assert.ok(again.some((r) => r.stderr === warning), 'one writer at least replaced it')
    assert.equal(readFileSync(file, 'utf8'), original)
    assert.deepEqual(await verifyAll(sb, 1), [id])
    assert.deepEqual(tmpEntries(sb), [])
  })

  test('make -j8: eight targets each recorded by prov give eight valid runs', async () => {
    const targets = Array.from({ length: 8 }, (_, i) => `t${i + 1}.txt`)
    const sb = await repo({
      README: 'hello\n',
      Makefile: `all: ${targets.join(' ')}\n\nt%.txt:\n\tprov record -q -o $@ -- sh -c 'echo $@ > $@'\n`,
    })
    const r = await execa('make', ['-j8', '--no-print-directory'], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(r.exitCode, 0, String(r.stderr))
    for (const t of targets) assert.equal(sb.read(t), `${t}\n`)
    const ids = await verifyAll(sb, 8)
    const outputs = ids.map((id) => JSON.parse(readFileSync(path.join(storeDir(sb), 'runs', id, 'run.json'), 'utf8')).outputs[0].path).sort()
    assert.deepEqual(outputs, targets)
    assert.equal((await logIds(sb)).length, 8)
    assert.deepEqual(tmpEntries(sb), [])
    const vf = await sb.prov(['verify', '--files', '-q'])
    assert.equal(vf.exitCode, 0, vf.stdout + vf.stderr)
  })

  test('16 snapshot-env processes on a fresh store create one key and agree on the fingerprint', async () => {
    const sb = await repo()
    const secret = 'Pl41n-first-use-secret'
    const rs = await Promise.all(Array.from({ length: 16 }, () => sb.prov(['snapshot-env', '--no-tools'], { env: { API_TOKEN: secret } })))
    const fps = new Set<string>()
    for (const r of rs) {
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.stderr, '')
      assert.ok(!r.stdout.includes(secret))
      fps.add(parseValid('env', r.stdout).env.vars.API_TOKEN)
    }
    assert.equal(fps.size, 1, [...fps].join(' '))
    assert.match([...fps][0]!, /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.equal(readFileSync(path.join(storeDir(sb), 'secret.key')).length, 32)
    assert.deepEqual(tmpEntries(sb), [], 'the losers of the race removed their key candidates')
    // A later process uses the same key.
    const again = await sb.prov(['snapshot-env', '--no-tools'], { env: { API_TOKEN: secret } })
    assert.equal(parseValid('env', again.stdout).env.vars.API_TOKEN, [...fps][0])
  })

  test('readers while writers write: log and verify never see a partial run', async () => {
    const sb = await repo()
    const writers = Promise.all(Array.from({ length: 6 }, (_, i) => sb.prov(['record', '-p', `n=${i}`, '--', 'true'])))
    const readers: Array<Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>> = []
    for (let i = 0; i < 6; i++) {
      readers.push(sb.prov(['verify']), sb.prov(['log', '--json']))
      await new Promise((r) => setTimeout(r, 60))
    }
    for (const r of await writers) assert.equal(r.exitCode, 0, r.stderr)
    for (const r of await Promise.all(readers)) {
      assert.equal(r.exitCode, 0, r.stdout + r.stderr)
      assert.equal(r.stderr, '')
    }
    await verifyAll(sb, 6)
  })
})

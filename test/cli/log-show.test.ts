// Black-box tests of `prov log` and `prov show`.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { BIN, makeRepo, parseValid, type Sandbox, narrowPath } from '../helpers/prov.js'


async function withRepo(fn: (sb: Sandbox) => Promise<void>): Promise<void> {
  const sb = await makeRepo({ 'README': 'hello\n', '.gitignore': 'data/\nout.txt\n' })
  narrowPath(sb, ['git', 'sh', 'cp', 'true'])
  sb.write('data/in.txt', 'input data\n')
  try { await fn(sb) } finally { sb.cleanup() }
}

/** Record a run; returns its id (read from prov's summary line and checked against the store). */
async function rec(sb: Sandbox, args: string[], expectExit = 0): Promise<string> {
  const r = await sb.prov(['record', ...args])
  assert.equal(r.exitCode, expectExit, r.stderr)
  const short = /^prov: recorded ([0-9a-f]{12}) /m.exec(r.stderr)?.[1]
  assert.ok(short, r.stderr)
  const found = readdirSync(path.join(sb.dir, '.prov', 'runs')).filter((n) => n.startsWith(short))
  assert.equal(found.length, 1, `no single run directory starts with ${short}`)
  return found[0]!
}

// Two at a time: each test has its own repository, and a test spends most of its time waiting
// for prov; on two cores this halves the wall time.
describe('prov log and prov show', { concurrency: 2 }, () => {
  test('log: one line per run, newest first; -n limits; --json one object per line', async () => {
    await withRepo(async (sb) => {
      const first = await rec(sb, ['--', 'true'])
      const second = await rec(sb, ['-m', 'a note', '--', 'sh', '-c', 'exit 3'], 3)
      const third = await rec(sb, ['--no-exec', '--', 'sh', '-c', 'echo "two words"'])

      const log = await sb.prov(['log'])
      assert.equal(log.exitCode, 0, log.stderr)
      assert.equal(log.stderr, '')
      const lines = log.stdout.split('\n')
      assert.equal(lines.pop(), '', 'output ends with a newline')
      assert.equal(lines.length, 3)
      assert.deepEqual(lines.map((l) => l.slice(0, 12)), [third, second, first].map((id) => id.slice(0, 12)))
      assert.match(lines[0]!, /^[0-9a-f]{12} {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}not run +sh -c 'echo "two words"'$/)
      assert.match(lines[1]!, /^[0-9a-f]{12} {2}.* {2}exit 3 +sh -c 'exit 3' {2}# a note$/)
      assert.match(lines[2]!, /^[0-9a-f]{12} {2}.* {2}exit 0 +true$/)

      const one = await sb.prov(['log', '-n', '1'])
      assert.equal(one.exitCode, 0)
      assert.equal(one.stdout, lines[0] + '\n')

      const json = await sb.prov(['log', '--json'])
      assert.equal(json.exitCode, 0)
      assert.equal(json.stderr, '')
      assert.ok(json.stdout.endsWith('\n'))
      const objs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
      assert.deepEqual(objs.map((o) => o.id), [third, second, first])
      for (const o of objs) {
        const run = JSON.parse(readFileSync(path.join(sb.dir, '.prov/runs', o.id, 'run.json'), 'utf8'))
        assert.equal(o.created_at, run.created_at)
        assert.deepEqual(o.command.argv, run.command.argv)
        assert.equal(o.command.exit_code, run.command.exit_code)
      }
      assert.deepEqual(objs.map((o) => o.command.exit_code), [null, 3, 0])
      assert.deepEqual(objs[0].command.argv, ['sh', '-c', 'echo "two words"'])

      const jsonOne = await sb.prov(['log', '--json', '-n', '1'])
      assert.equal(jsonOne.stdout, json.stdout.split('\n')[0] + '\n')

      const bad = await sb.prov(['log', '-n', 'many'])
      assert.equal(bad.exitCode, 2)
      assert.equal(bad.stdout, '')
      assert.match(bad.stderr, /^prov: .*many/)
    })
  })

  test('show: the GPUs a run was recorded on, one entry per model, and the driver; none, no line', async () => {
    await withRepo(async (sb) => {
      const plain = await rec(sb, ['--', 'true'])
      const shown = await sb.prov(['show', plain])
      assert.equal(shown.exitCode, 0, shown.stderr)
      assert.doesNotMatch(shown.stdout, /GPU/)
      // A run made on a machine with GPUs: its env document as snapshot-env prints it there.
      const env = parseValid('env', (await sb.prov(['snapshot-env'])).stdout)
      env.env.hardware = { ...env.env.hardware, gpus: ['NVIDIA A100-SXM4-40GB', 'NVIDIA H100 80GB HBM3', 'NVIDIA A100-SXM4-40GB'], gpu_driver: '550.127.05' }
      const docs = [JSON.stringify(env), (await sb.prov(['git-state'])).stdout, JSON.stringify({ command: { argv: ['true'], cwd: '.', exit_code: 0, signal: null } })].join('\n')
      const w = await sb.prov(['write-run'], { input: docs })
      assert.equal(w.exitCode, 0, w.stderr)
      const id = JSON.parse(w.stdout).id as string
      const gpu = await sb.prov(['show', id])
      assert.equal(gpu.exitCode, 0, gpu.stderr)
      assert.match(gpu.stdout, /^ {10}GPU: 2× NVIDIA A100-SXM4-40GB, NVIDIA H100 80GB HBM3, driver 550\.127\.05$/m)
      const d = await sb.prov(['diff-runs', plain, id])
      assert.deepEqual(parseValid('diff', d.stdout).diff.env.filter((c: any) => c.key.startsWith('hardware.')).map((c: any) => c.key), ['hardware.gpu_driver', 'hardware.gpus[0]', 'hardware.gpus[1]', 'hardware.gpus[2]'])
    })
  })

  test('a run that cannot be read does not have the index (cache/index.json) written again on every listing', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['--', 'true'])
      const broken = path.join(sb.dir, '.prov', 'runs', 'f'.repeat(64))
      mkdirSync(broken)
      writeFileSync(path.join(broken, 'run.json'), '{"id": ')
      const index = path.join(sb.dir, '.prov', 'cache', 'index.json')
      const first = await sb.prov(['log'])
      assert.equal(first.exitCode, 0, first.stderr)
      assert.match(first.stderr, /skipping run ffffffffffff/)
      const before = statSync(index)
      for (let i = 0; i < 2; i++) {
        const again = await sb.prov(['log'])
        assert.match(again.stderr, /skipping run ffffffffffff/)
        assert.equal(again.stdout, first.stdout)
      }
      const after = statSync(index)
      assert.equal(after.ino, before.ino, 'index.json was written again')
      assert.equal(after.mtimeMs, before.mtimeMs)
      // Mended, it is listed, and entered.
      rmSync(broken, { recursive: true })
      assert.equal((await sb.prov(['log'])).stdout, first.stdout)
    })
  })

  test('@ and @~N warn about a run that cannot be read only where it may sort at or before the run named', async () => {
    await withRepo(async (sb) => {
      const first = await rec(sb, ['--', 'true'])
      const second = await rec(sb, ['--', 'true'])
      // A run from 2000 that no longer reads as a run: it cannot have moved @ or @~1.
      const old = path.join(sb.dir, '.prov', 'runs', 'e'.repeat(64))
      mkdirSync(old)
      writeFileSync(path.join(old, 'run.json'), JSON.stringify({ id: 'e'.repeat(64), command: { started_at: '2000-01-01T00:00:00Z' } }))
      for (const ref of ['@', '@~1']) {
        const r = await sb.prov(['show', ref])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.equal(r.stderr, '', ref)
      }
      const d = await sb.prov(['diff'])
      assert.equal(d.stderr, '')
      assert.match(d.stdout, new RegExp(`^diff ${first.slice(0, 12)} → ${second.slice(0, 12)}$`, 'm'))
      // Further back than the runs listed: it may be the one meant.
      const far = await sb.prov(['show', '@~2'])
      assert.equal(far.exitCode, 2)
      assert.match(far.stderr, /skipping run eeeeeeeeeeee/)
      // One whose time is not known (no run.json: its directory is new) may be the newest: said for @.
      mkdirSync(path.join(sb.dir, '.prov', 'runs', 'f'.repeat(64)))
      const now = await sb.prov(['show', '@'])
      assert.equal(now.exitCode, 0, now.stderr)
      assert.match(now.stderr, /skipping run ffffffffffff/)
      assert.doesNotMatch(now.stderr, /eeeeeeeeeeee/)
    })
  })

  test('log: one line per run even when argv holds a newline; the command as printed gives back argv in bash', async () => {
    await withRepo(async (sb) => {
      const argv = ['true', 'a\nb', "it's", 'tab\there', 'back\\slash', 'bell\x07', 'plain', '', 'sp ace']
      await rec(sb, ['--no-exec', '--', ...argv])
      const r = await sb.prov(['log'])
      assert.equal(r.exitCode, 0, r.stderr)
      const lines = r.stdout.split('\n').filter(Boolean)
      assert.equal(lines.length, 1, JSON.stringify(r.stdout))
      const printed = lines[0]!.replace(/^[0-9a-f]{12} {2}\S+ \S+ {2}\S.{0,7} {2}/, '')
      assert.ok(printed.startsWith('true '), printed)
      const back = await execa('bash', ['-c', `printf '%s\\0' ${printed}`], { reject: false, stripFinalNewline: false })
      assert.equal(back.exitCode, 0, back.stderr)
      assert.deepEqual(back.stdout.split('\0').slice(0, -1), argv)
      const show = await sb.prov(['show', '@'])
      assert.equal(show.exitCode, 0, show.stderr)
      assert.ok(show.stdout.includes(`Command:  ${printed}`), show.stdout)
      assert.doesNotMatch(show.stdout, / $/m, 'no line ends in a space')
    })
  })

  test("--store '' names no store: exit 2 for each command that takes it, nothing made", async () => {
    await withRepo(async (sb) => {
      for (const args of [['log'], ['hash-inputs', 'data'], ['show', '@'], ['verify']]) {
        const r = await sb.prov([...args, '--store', ''])
        assert.equal(r.exitCode, 2, `${args[0]}: ${r.stderr}`)
        assert.match(r.stderr, /--store needs a directory/)
        assert.equal(r.stdout, '')
      }
      const rec = await sb.prov(['record', '--store=', '--', 'true'])
      assert.equal(rec.exitCode, 125)
      assert.equal(existsSync(path.join(sb.dir, '.prov')), false)
      const dashdash = await sb.prov(['record', '-i', '--', 'true'])
      assert.equal(dashdash.exitCode, 125)
      assert.match(dashdash.stderr, /option '-i' requires a value/)
    })
  })

  test('a run holding escape sequences (a record someone hands you): log, show and verify print them quoted, never raw to the terminal', async () => {
    await withRepo(async (sb) => {
      const ESC = '\x1b'
      const git = JSON.parse((await sb.prov(['git-state'])).stdout)
      git.git.branch = `br${ESC}[32m`
      const env = (await sb.prov(['snapshot-env', '--no-tools'])).stdout
      const command = { command: { argv: ['true'], cwd: `s${ESC}[33m`, exit_code: 0, signal: null, started_at: '2026-01-02T03:04:05.000Z', ended_at: '2026-01-02T03:04:06.000Z', duration_ms: 1000 } }
      const inputs = { inputs: [{ path: `in${ESC}[31m.txt`, size: 1, sha256: 'a'.repeat(64) }, { path: 'new\nline.txt', size: 1, sha256: 'b'.repeat(64) }, { path: 'o\u2067.txt', size: 1, sha256: 'c'.repeat(64) }] }
      const w = await sb.prov(['write-run', '-m', `${ESC}]0;TITLE\x07msg${ESC}[2J`], { input: JSON.stringify(command) + JSON.stringify(git) + env + JSON.stringify(inputs) })
      assert.equal(w.exitCode, 0, w.stderr)
      const outs = [await sb.prov(['log']), await sb.prov(['show']), await sb.prov(['verify', '--files']), await sb.prov(['verify', path.join(sb.dir, JSON.parse(w.stdout).path)])]
      assert.deepEqual(outs.map((o) => o.exitCode), [0, 0, 1, 0])
      for (const o of outs) {
        assert.ok(!(o.stdout + o.stderr).includes(ESC), JSON.stringify(o.stdout + o.stderr))
        assert.ok(!(o.stdout + o.stderr).includes('\u2067'), JSON.stringify(o.stdout + o.stderr))
        assert.ok(!o.stdout.includes('\x07'), JSON.stringify(o.stdout))
      }
      const [log, show, verify] = outs
      assert.match(log!.stdout, /# \$'\\x1b\]0;TITLE\\x07msg\\x1b\[2J'/)
      assert.match(show!.stdout, /\(in \$'s\\x1b\[33m'\)/)
      assert.match(show!.stdout, /on \$'br\\x1b\[32m'/)
      assert.match(show!.stdout, /^Message: {2}\$'\\x1b/m)
      // A message of several lines, and no other control character, is shown as written, indented.
      const multi = await rec(sb, ['-m', '\nTitle\r\n\n\tBody line\n', '--', 'true'])
      const shownMulti = await sb.prov(['show', multi])
      assert.match(shownMulti.stdout, /^Message: {2}Title\n\n {10}\tBody line\nCode:/m)
      // log's subject: the first line that holds something, without its CR.
      const logged = (await sb.prov(['log', '-n', '1'])).stdout
      assert.match(logged, /# Title\n$/)
      // C1 controls (U+009B is a CSI) and bidirectional overrides act on a terminal too: quoted.
      const c1 = await rec(sb, ['-m', 'a\u009b2Jb \u202eevil', '--', 'true'])
      const shownC1 = await sb.prov(['show', c1])
      assert.ok(!/[\u0080-\u009f\u202a-\u202e]/.test(shownC1.stdout), JSON.stringify(shownC1.stdout))
      assert.match(shownC1.stdout, /^Message: {2}\$'a\\u009b2Jb \\u202eevil'$/m)
      assert.match(verify!.stdout, /FAIL [0-9a-f]{64}: input "in\\u001b\[31m\.txt" is missing/)
      // One line per problem: a newline in a name does not make another.
      assert.match(verify!.stdout, /FAIL [0-9a-f]{64}: input "new\\nline\.txt" is missing\n/)
    })
  })

  test('a run reference or path holding control characters is quoted in the messages about it, never raw to the terminal', async () => {
    await withRepo(async (sb) => {
      const ESC = '\x1b'
      const bad = `bad${ESC}[31mred.json`
      sb.write(bad, '{}\n')
      sb.write(`trunc${ESC}[2J.json`, '{"id": ')
      mkdirSync(path.join(sb.dir, `dir${ESC}[1m`, 'run.json'), { recursive: true })
      const cases: Array<[string[], number]> = [
        [['show', bad], 2], [['show', `trunc${ESC}[2J.json`], 2], [['show', `nope${ESC}[5m/run.json`], 2],
        [['show', `dir${ESC}[1m/`], 2], [['show', `a\nb${ESC}[0m`], 2], [['show', `A${ESC}`], 2], [['diff-runs', bad, bad], 2],
        [['verify', `nope${ESC}[5m/run.json`], 2], [['verify', `dir${ESC}[1m/`], 2], [['verify', `trunc${ESC}[2J.json`], 1],
        [['log', '-n', `1${ESC}[31m`], 2],
      ]
      for (const [args, code] of cases) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, code, `${JSON.stringify(args)}: ${r.stderr}`)
        const out = r.stdout + r.stderr
        assert.ok(!out.includes(ESC), `${JSON.stringify(args)}: ${JSON.stringify(out)}`)
        // One line per message: a newline in the reference does not make another.
        assert.ok(!/\nb/.test(out), `${JSON.stringify(args)}: ${JSON.stringify(out)}`)
      }
      const shown = await sb.prov(['show', bad])
      assert.match(shown.stderr, /^prov: run "bad\\u001b\[31mred\.json" does not match the run schema/)
      const verified = await sb.prov(['verify', `trunc${ESC}[2J.json`])
      assert.match(verified.stdout, /^FAIL \$'.*trunc\\x1b\[2J\.json': run\.json is not valid JSON/)
    })
  })

  test('runs are ordered by their start as a time, not as text: fractions and offsets count (log, @, @~N)', async () => {
    await withRepo(async (sb) => {
      const git = (await sb.prov(['git-state'])).stdout
      const env = (await sb.prov(['snapshot-env', '--no-tools'])).stdout
      const write = async (started: string, name: string): Promise<string> => {
        const command = { command: { argv: ['echo', name], cwd: '.', exit_code: 0, signal: null, started_at: started } }
        const w = await sb.prov(['write-run'], { input: JSON.stringify(command) + git + env })
        assert.equal(w.exitCode, 0, w.stderr)
        return JSON.parse(w.stdout).id as string
      }
      const x = await write('2026-11-27T08:00:00Z', 'x')
      const y = await write('2026-11-27T08:00:00.500Z', 'y') // half a second after x
      const z = await write('2026-11-27T09:30:00+02:00', 'z') // 07:30 UTC: the first
      const log = await sb.prov(['log'])
      assert.equal(log.exitCode, 0, log.stderr)
      assert.deepEqual(log.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 3).join(' ')), [
        `${y.slice(0, 12)} 2026-11-27 08:00:00Z`, `${x.slice(0, 12)} 2026-11-27 08:00:00Z`, `${z.slice(0, 12)} 2026-11-27 07:30:00Z`,
      ])
      for (const [ref, id] of [['@', y], ['@~1', x], ['@~2', z]] as const) {
        const shown = await sb.prov(['show', '--json', ref])
        assert.equal(shown.exitCode, 0, shown.stderr)
        assert.equal(JSON.parse(shown.stdout).id, id, ref)
      }
    })
  })

  test('a damaged entry of the derived index (cache/index.json) is read again from its run, not printed nor a crash', async () => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['-m', 'note', '--', 'true'])
      const before = await sb.prov(['log', '--json'])
      assert.equal(before.exitCode, 0, before.stderr)
      const indexFile = path.join(sb.dir, '.prov', 'cache', 'index.json')
      for (const [field, bad] of [['argv', 'notarray'], ['message', {}], ['started', 42], ['signal', 5], ['exit_code', 'x']] as const) {
        const index = JSON.parse(readFileSync(indexFile, 'utf8'))
        index.runs[id][field] = bad
        writeFileSync(indexFile, JSON.stringify(index))
        const r = await sb.prov(['log', '--json'])
        assert.equal(r.exitCode, 0, `${field}: ${r.stderr}`)
        assert.equal(r.stderr, '')
        assert.equal(r.stdout, before.stdout, field)
        assert.equal((await sb.prov(['log'])).exitCode, 0)
      }
    })
  })

  test('a store whose .gitignore is gone (runs copied in by hand): the caches that log and show write make it again, as record does', async () => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['--', 'true'])
      const store = path.join(sb.dir, '.prov')
      const ignore = readFileSync(path.join(store, '.gitignore'), 'utf8')
      for (const [args, cache] of [[['log'], 'index.json'], [['show', id], 'verified.json']] as const) {
        rmSync(path.join(store, '.gitignore'))
        rmSync(path.join(store, 'cache'), { recursive: true, force: true })
        const r = await sb.prov([...args])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.equal(r.stderr, '')
        assert.ok(existsSync(path.join(store, 'cache', cache)), cache)
        assert.equal(readFileSync(path.join(store, '.gitignore'), 'utf8'), ignore, args[0])
      }
    })
  })

  test('-- ends the options of show, diff and diff-runs: what follows are references, though they start with a dash', async () => {
    await withRepo(async (sb) => {
      const a = await rec(sb, ['--', 'true'])
      const b = await rec(sb, ['-p', 'b=1', '--', 'true']) // (a parameter: a message is no difference)
      const show = await sb.prov(['show', '--json', '--', '@'])
      assert.equal(show.exitCode, 0, show.stderr)
      assert.equal(JSON.parse(show.stdout).id, b)
      const dr = await sb.prov(['diff-runs', '--', '@~1', '@'])
      assert.equal(dr.exitCode, 1, dr.stderr)
      assert.deepEqual([parseValid('diff', dr.stdout).diff.a, parseValid('diff', dr.stdout).diff.b], [a, b])
      const d = await sb.prov(['diff', '--', '@~1', '@'])
      assert.equal(d.exitCode, 1, d.stderr)
      // A run.json under a directory whose name starts with a dash.
      sb.write('-x/run.json', readFileSync(path.join(sb.dir, '.prov', 'runs', a, 'run.json'), 'utf8'))
      const dashed = await sb.prov(['show', '--json', '--', '-x/run.json'])
      assert.equal(dashed.exitCode, 0, dashed.stderr)
      assert.equal(JSON.parse(dashed.stdout).id, a)
      const without = await sb.prov(['show', '-x/run.json'])
      assert.equal(without.exitCode, 2)
      assert.match(without.stderr, /unknown option '-x'/)
      const extra = await sb.prov(['show', '--', '@', '@~1'])
      assert.equal(extra.exitCode, 2)
      assert.match(extra.stderr, /unexpected argument '@~1'/)
    })
  })

  test('log -n takes a whole number in digits only', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['--', 'true'])
      for (const bad of [' 2', '0x2', '1e1', '-1', '', '2.0']) {
        const r = await sb.prov(['log', '-n', bad])
        assert.equal(r.exitCode, 2, `-n ${JSON.stringify(bad)}: ${r.stderr}`)
        assert.match(r.stderr, /invalid -n/)
      }
      assert.equal((await sb.prov(['log', '-n', '0'])).stdout, '')
      // A number beyond any store (and beyond 2^53) is all of it, as git log -n takes it.
      for (const many of ['9007199254740993', '99999999999999999999999']) {
        const r = await sb.prov(['log', '-n', many])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.equal(r.stdout.split('\n').filter(Boolean).length, 1)
      }
    })
  })

  test('log: an empty store prints nothing and exits 0', async () => {
    await withRepo(async (sb) => {
      for (const args of [['log'], ['log', '--json']]) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, 0, r.stderr)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, '')
      }
      assert.equal(existsSync(path.join(sb.dir, '.prov')), false, 'reading must not create the store')
      // A store named with --store or PROV_DIR that is not there is a mistake, said: exit 2.
      const missing = path.join(sb.dir, 'no-such-store')
      for (const [args, env] of [[['log', '--store', missing], {}], [['verify'], { PROV_DIR: missing }], [['log', '--json'], { PROV_DIR: missing }], [['show', '@'], { PROV_DIR: missing }], [['diff'], { PROV_DIR: missing }]] as const) {
        const r = await sb.prov([...args], { env })
        assert.equal(r.exitCode, 2, r.stderr)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, `prov: no store at '${missing}': no such file or directory\nhint: the store is the directory that holds runs/; leave --store and PROV_DIR out for the project's .prov\n`)
      }
      assert.equal(existsSync(missing), false)
    })
  })

  test('diff and diff-runs count @~1 and @ in one listing: a run that cannot be read is warned about once, not once per reference', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['--', 'true'])
      await rec(sb, ['-p', 'n=2', '--', 'true'])
      const broken = 'f'.repeat(64)
      mkdirSync(path.join(sb.dir, '.prov', 'runs', broken))
      const warning = `prov: warning: skipping run ${broken.slice(0, 12)}: cannot read run '${path.join(sb.dir, '.prov', 'runs', broken, 'run.json')}': no such file or directory (see 'prov verify')\n`
      for (const args of [['diff'], ['diff', '@~1', '@'], ['diff-runs', '@~1', '@'], ['show', '--json', '@']]) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, args[0] === 'show' ? 0 : 1, `${args.join(' ')}: ${r.stderr}`)
        assert.equal(r.stderr, warning, args.join(' '))
      }
    })
  })

  test('log -n warns about a run that cannot be read only where it may sort among the runs looked at, as git log -n 1 says nothing of what it never walked to', async () => {
    await withRepo(async (sb) => {
      const runs = path.join(sb.dir, '.prov', 'runs')
      const jsonOf = (id: string): string => path.join(runs, id, 'run.json')
      const breakRun = (id: string): void => { rmSync(jsonOf(id)); writeFileSync(jsonOf(id), 'not json\n') }
      const warning = (id: string, why: string): string => `prov: warning: skipping run ${id.slice(0, 12)}: ${why} (see 'prov verify')\n`
      const notJson = (id: string): RegExp => new RegExp(`^prov: warning: skipping run ${id.slice(0, 12)}: run '[^']*' is not valid JSON[^\\n]*\\n$`)
      const old = await rec(sb, ['-i', 'data/in.txt', '--', 'true'])
      breakRun(old) // changed now: no run recorded after this can sort after it
      await new Promise((r) => setTimeout(r, 30))
      const mid = await rec(sb, ['-i', 'data/in.txt', '--', 'true'])
      const latest = await rec(sb, ['-i', 'data/in.txt', '-p', 'n=2', '--', 'true'])
      const lines = (out: string): string[] => out.split('\n').filter((l) => l !== '').map((l) => l.slice(0, 12))
      // Not reached: -n 1 and -n 2 stop before the broken run, with or without a path.
      for (const args of [['log', '-n', '1'], ['log', '-n', '2'], ['log', '--json', '-n', '1'], ['log', '-n', '1', 'data/in.txt'], ['log', '-n', '0']]) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`)
        assert.equal(r.stderr, '', args.join(' '))
      }
      assert.deepEqual(lines((await sb.prov(['log', '-n', '2'])).stdout), [latest.slice(0, 12), mid.slice(0, 12)])
      // Reached: the whole listing (no -n, or one as long as the store), with or without a path.
      for (const args of [['log'], ['log', '-n', '3'], ['log', 'data'], ['log', '-n', '3', 'data/in.txt']]) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`)
        assert.match(r.stderr, notJson(old), args.join(' '))
      }
      // A broken run that may be the newest (changed after every run started) is said by -n 1.
      const newest = await rec(sb, ['--', 'true'])
      breakRun(newest)
      const one = await sb.prov(['log', '-n', '1'])
      assert.equal(one.exitCode, 0, one.stderr)
      assert.deepEqual(lines(one.stdout), [latest.slice(0, 12)])
      assert.match(one.stderr, notJson(newest))
      rmSync(path.join(runs, newest), { recursive: true })
      // A run.json that parses but is stored under another id sorts by the start it gives, not by
      // when it was copied: under mid's start, it is not reached by -n 1, and is by -n 2.
      const copy = 'e'.repeat(64)
      mkdirSync(path.join(runs, copy))
      writeFileSync(jsonOf(copy), readFileSync(jsonOf(mid)))
      const byStart = await sb.prov(['log', '-n', '1'])
      assert.equal(byStart.exitCode, 0, byStart.stderr)
      assert.equal(byStart.stderr, '')
      const two = await sb.prov(['log', '-n', '2'])
      assert.equal(two.exitCode, 0, two.stderr)
      assert.equal(two.stderr, warning(copy, 'its id does not match its directory'))
    })
  })

  test('a store named that holds no runs/ (its runs/ itself, the project root) is no store: exit 2, not an empty list that passes verification', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['--', 'true'])
      const runs = path.join(sb.dir, '.prov', 'runs')
      for (const [args, env] of [[['log'], { PROV_DIR: runs }], [['verify'], { PROV_DIR: runs }], [['verify', '-q', '--store', '.prov/runs'], {}], [['show', '@'], { PROV_DIR: runs }], [['diff'], { PROV_DIR: runs }]] as const) {
        const r = await sb.prov([...args], { env })
        assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, `prov: no store at '${runs}': it holds no runs/\nhint: the store is the directory that holds runs/: '${path.join(sb.dir, '.prov')}'\n`)
      }
      for (const args of [['log', '--store', '.'], ['verify', '--store', '.']]) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`)
        assert.equal(r.stderr, `prov: no store at '${sb.dir}': it holds no runs/\nhint: the store is the directory that holds runs/; leave --store and PROV_DIR out for the project's .prov\n`)
      }
      // The store itself, named, lists its run.
      const ok = await sb.prov(['log'], { env: { PROV_DIR: path.join(sb.dir, '.prov') } })
      assert.equal(ok.exitCode, 0, ok.stderr)
      assert.equal(ok.stdout.split('\n').filter(Boolean).length, 1)
    })
  })

  test('a store named that holds no runs/ yet, but is the project\'s .prov or holds its config.json or key, is a store with no runs: exit 0', async () => {
    await withRepo(async (sb) => {
      // A config.json written before the first run (a fresh clone, a CI cache): the project's own
      // .prov named, and another store. Both were 'no store at ...: it holds no runs/', exit 2,
      // where the project's .prov not named listed nothing, exit 0.
      sb.write('.prov/config.json', JSON.stringify({ secrets: { names: ['CORP_*'] } }))
      const other = path.join(sb.home, 'store')
      mkdirSync(other)
      writeFileSync(path.join(other, 'config.json'), JSON.stringify({ env: { drop: ['PS1'] } }))
      for (const [args, env] of [[['log'], { PROV_DIR: '.prov' }], [['verify'], { PROV_DIR: path.join(sb.dir, '.prov') }], [['log', '--store', '.prov'], {}], [['verify'], { PROV_DIR: other }], [['log'], { PROV_DIR: other }]] as const) {
        const r = await sb.prov([...args], { env })
        assert.equal(r.exitCode, 0, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, '')
      }
      // A project's own config.json (at its root, of its own keys) does not make the root a store.
      sb.write('config.json', JSON.stringify({ lr: 0.1 }))
      const root = await sb.prov(['verify', '--store', '.'])
      assert.equal(root.exitCode, 2, root.stderr)
      assert.match(root.stderr, /^prov: no store at '.*': it holds no runs\/$/m)
      // Nor does one whose keys are prov's names but not its sections (an application's "env":
      // "production"): verify passed there, 0 runs, exit 0.
      sb.write('config.json', JSON.stringify({ env: 'production' }))
      const app = await sb.prov(['verify', '--store', '.'])
      assert.equal(app.exitCode, 2, app.stderr)
      assert.match(app.stderr, /^prov: no store at '.*': it holds no runs\/$/m)
      // A record into it goes where it was named.
      assert.equal((await sb.prov(['record', '--', 'true'], { env: { PROV_DIR: other } })).exitCode, 0)
      assert.equal((await sb.prov(['log', '--json'], { env: { PROV_DIR: other } })).stdout.split('\n').filter(Boolean).length, 1)
    })
  })

  test('show: names the command, status, inputs, outputs and params', async () => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['-i', 'data/in.txt', '-o', 'out.txt', '-p', 'lr=0.5', '-p', 'model.name=small', '-m', 'try it',
        '--', 'sh', '-c', 'cp data/in.txt out.txt; exit 3'], 3)
      const r = await sb.prov(['show'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.stderr, '')
      const out = r.stdout
      assert.ok(out.startsWith(`run ${id}\n`), out)
      assert.match(out, /^Command: {2}sh -c 'cp data\/in\.txt out\.txt; exit 3'$/m)
      assert.match(out, /^Status: {3}exit 3 after \d/m)
      assert.match(out, /^Message: {2}try it$/m)
      assert.match(out, /^Code: {5}[0-9a-f]{12} on main, clean$/m)
      assert.match(out, /^ {2}lr = 0\.5$/m)
      assert.match(out, /^ {2}model\.name = small$/m)
      assert.match(out, /^Inputs: {3}1\n {2}data\/in\.txt {2}11 B {2}[0-9a-f]{12}$/m)
      assert.match(out, /^Outputs: {2}1\n {2}out\.txt {2}11 B {2}[0-9a-f]{12}$/m)

      const byPrefix = await sb.prov(['show', id.slice(0, 8)])
      assert.equal(byPrefix.stdout, out)

      // The directories given to -i and -o head their lists.
      sb.write('more/x y.csv', '1\n')
      await rec(sb, ['-i', 'data', '-i', 'more', '-i', 'data/in.txt', '-o', 'data', '--', 'true'])
      const dirs = await sb.prov(['show'])
      assert.equal(dirs.exitCode, 0, dirs.stderr)
      assert.match(dirs.stdout, /^Inputs: {3}2 \(from data\/, more\/\)\n {2}data\/in\.txt /m)
      // (`true` wrote nothing: data/in.txt is left from before, and said so.)
      assert.match(dirs.stdout, /^Outputs: {2}1 \(from data\/\), 1 not written by the command\n {2}data\/in\.txt {2}11 B {2}[0-9a-f]{12} {2}\(left from before: not written by the command\)$/m)
      // A file given by itself beside a directory: how many came from the directory.
      sb.write('params.yaml', 'lr: 1\n')
      await rec(sb, ['-i', 'data', '-i', 'params.yaml', '--', 'true'])
      assert.match((await sb.prov(['show'])).stdout, /^Inputs: {3}2 \(1 from data\/\)$/m)
    })
  })

  test('show: a killed run and a run not executed say so', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['--', 'sh', '-c', 'kill -TERM $$'], 143)
      await rec(sb, ['--no-exec', '--', 'true'])
      const killed = await sb.prov(['show', '@~1'])
      assert.equal(killed.exitCode, 0)
      assert.match(killed.stdout, /^Status: {3}SIGTERM/m)
      const notRun = await sb.prov(['show', '@'])
      assert.match(notRun.stdout, /^Status: {3}not run$/m)
      assert.match(notRun.stdout, /^Inputs: {3}none$/m)
      assert.match(notRun.stdout, /^Params: {3}none$/m)
    })
  })

  test('show --json prints the exact bytes of run.json', async () => {
    await withRepo(async (sb) => {
      const a = await rec(sb, ['-p', 'x=1', '--', 'true'])
      const b = await rec(sb, ['-p', 'x=2', '--', 'true'])
      for (const [ref, id] of [['@', b], ['@~1', a], [a.slice(0, 6), a], [b, b], [`.prov/runs/${a}/run.json`, a]] as const) {
        const r = await execa(process.execPath, [BIN, 'show', '--json', ref], {
          cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, encoding: 'buffer', stripFinalNewline: false,
        })
        assert.equal(r.exitCode, 0, `${ref}: ${Buffer.from(r.stderr).toString()}`)
        const stored = readFileSync(path.join(sb.dir, '.prov/runs', id, 'run.json'))
        assert.ok(Buffer.from(r.stdout).equals(stored), `show --json ${ref} differs from the stored run.json`)
        assert.equal(parseValid('run', Buffer.from(r.stdout).toString()).id, id)
      }
    })
  })

  test('show --json prints the bytes it checked: a run.json replaced once checked is not read again and printed unchecked', async () => {
    await withRepo(async (sb) => {
      const a = await rec(sb, ['-p', 'x=1', '--', 'true'])
      const stored = readFileSync(path.join(sb.dir, '.prov/runs', a, 'run.json'))
      // Once prov has read run.json (closed it), a hook run before prov's own code puts another
      // file in its place, as another process could between the check and the print.
      const swap = path.join(sb.home, 'swap.json')
      const hook = path.join(sb.home, 'swap-hook.cjs')
      writeFileSync(hook, [
        "const fs = require('node:fs')",
        'const open = fs.openSync, close = fs.closeSync, fds = new Map()',
        "fs.openSync = function (p, ...rest) { const fd = open.call(this, p, ...rest); if (typeof p === 'string' && p.endsWith('/run.json')) fds.set(fd, p); return fd }",
        'let closed = 0',
        'fs.closeSync = function (fd) { close.call(this, fd); const p = fds.get(fd); fds.delete(fd); if (p !== undefined && ++closed === Number(process.env.SWAP_AT)) fs.renameSync(process.env.SWAP_WITH, p) }',
        '',
      ].join('\n'))
      // The read that loads the run: the first, or for @ the second (the listing read it first).
      for (const [ref, at] of [[a, 1], ['@', 2], [`.prov/runs/${a}/run.json`, 1]] as const) {
        writeFileSync(swap, '{"id": "not checked"}\n')
        writeFileSync(path.join(sb.dir, '.prov/runs', a, 'run.json'), stored)
        const r = await execa(process.execPath, ['--require', hook, BIN, 'show', '--json', ref], {
          cwd: sb.dir, env: { ...sb.env, SWAP_WITH: swap, SWAP_AT: String(at) }, extendEnv: false, reject: false, encoding: 'buffer', stripFinalNewline: false,
        })
        assert.equal(r.exitCode, 0, `${ref}: ${Buffer.from(r.stderr).toString()}`)
        assert.equal(Buffer.from(r.stderr).toString(), '')
        assert.equal(existsSync(swap), false, `${ref}: the hook did not replace run.json`)
        assert.equal(Buffer.from(r.stdout).toString(), stored.toString(), `show --json ${ref} printed what it did not check`)
      }
    })
  })

  test('show: an unknown reference exits 2 and names it', async () => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['--', 'true'])
      const unknown = id.startsWith('0') ? '1111' : '0000'
      for (const ref of [unknown, '@~5', 'not-a-ref', '../../etc/passwd']) {
        for (const json of [[], ['--json']]) {
          const r = await sb.prov(['show', ...json, ref])
          assert.equal(r.exitCode, 2, `${ref}: ${r.stderr}`)
          assert.equal(r.stdout, '')
          assert.match(r.stderr, /^prov: /)
          assert.ok(r.stderr.includes(ref), r.stderr)
        }
      }
    })
  })

  test('an unknown prefix offers the latest runs, as log lists them first, not the lowest ids', async () => {
    await withRepo(async (sb) => {
      const ids: string[] = []
      for (let i = 0; i < 12; i++) ids.push(await rec(sb, ['-p', `n=${i}`, '--', 'true']))
      const latest = (await sb.prov(['log', '--json', '-n', '10'])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)
      assert.equal(latest.length, 10)
      const unknown = ['0000', '1111', '2222'].find((p) => !ids.some((id) => id.startsWith(p)))!
      for (const args of [['show', unknown], ['verify', unknown], ['diff', unknown, '@'], ['diff-runs', '@', unknown]]) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, 2, r.stderr)
        assert.equal(r.stderr, `prov: unknown run '${unknown}'\nhint: candidates, the latest runs: ${latest.map((id) => id.slice(0, 12)).join(', ')}\n`)
      }
    })
  })
})

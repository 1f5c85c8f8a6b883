// Black-box tests of `prov record`: the run it writes equals the plumbing pipeline's, CMD's
// status, stdio and signals pass through, and a failure of prov itself writes nothing.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, chmodSync, rmSync, symlinkSync, lstatSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { BIN, makeRepo, parseValid, type Sandbox, narrowPath } from '../helpers/prov.js'

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')
const HEX64 = /^[0-9a-f]{64}$/

/** The ids of the runs in the sandbox's store (none when the store does not exist). */
function runIds(sb: Sandbox): string[] {
  const dir = path.join(sb.dir, '.prov', 'runs')
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((n) => HEX64.test(n))
}

/** The only run in the store, parsed and validated. */
function onlyRun(sb: Sandbox): any {
  const ids = runIds(sb)
  assert.equal(ids.length, 1, `expected exactly one run, found ${ids.length}`)
  const run = parseValid('run', readFileSync(path.join(sb.dir, '.prov', 'runs', ids[0]!, 'run.json'), 'utf8'))
  assert.equal(run.id, ids[0])
  return run
}

const SUMMARY = /^prov: recorded ([0-9a-f]{12}) \(([^)]*)\)\n$/

/** stderr must be exactly prov's one summary line; returns its short id and the parts. */
function summary(stderr: string): { short: string; parts: string[] } {
  const m = SUMMARY.exec(stderr)
  assert.ok(m, `stderr is not one summary line: ${JSON.stringify(stderr)}`)
  return { short: m[1]!, parts: m[2]!.split(', ') }
}

/**
 * A PATH that holds only the tools these tests use: a fresh store probes the version of every
 * known tool on PATH (java, docker, ...), which costs seconds on a busy machine.
 */

async function withRepo(files: Record<string, string>, fn: (sb: Sandbox) => Promise<void>): Promise<void> {
  const sb = await makeRepo(files)
  narrowPath(sb, ['git', 'sh', 'cat', 'tr', 'printf', 'sleep', 'touch'])
  try { await fn(sb) } finally { sb.cleanup() }
}

// Two at a time: each test has its own repository, and a test spends most of its time waiting
// for prov; on two cores this halves the wall time.
describe('prov record', { concurrency: 2 }, () => {
  test('record and the equivalent plumbing pipeline write the same sections', async () => {
    await withRepo({ 'in.txt': 'some data\n', 'data dir/x.csv': 'x\n' }, async (sb) => {
      // `prov` on PATH, as a user has it; the pipeline's scratch files live outside the work tree.
      const bin = path.join(sb.home, 'bin')
      mkdirSync(bin)
      writeFileSync(path.join(bin, 'prov'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`)
      chmodSync(path.join(bin, 'prov'), 0o755)
      const scratch = path.join(sb.home, 'scratch')
      mkdirSync(scratch)
      const env = { ...sb.env, PATH: `${bin}:${sb.env.PATH}`, MY_SETTING: 'x' }
      const script = 'tr a-z A-Z < in.txt > out.txt'
      const sh = (cmd: string) => execa('sh', ['-c', cmd], { cwd: sb.dir, env, extendEnv: false, reject: false })

      const r1 = await sh(`prov record -q -i in.txt -i 'data dir' -p a=1 -o out.txt -- sh -c '${script}'`)
      assert.equal(r1.exitCode, 0, r1.stderr)
      assert.equal(r1.stderr, '')
      const first = onlyRun(sb)
      assert.equal(sb.read('out.txt'), 'SOME DATA\n')
      // The second run must see the work tree as the first one did: no out.txt yet.
      rmSync(path.join(sb.dir, 'out.txt'))

      const pipeline = [
        // hash-inputs --sources: the directory given (command.input_dirs), for diff --workspace.
        `{ prov git-state; prov snapshot-env; prov hash-inputs in.txt 'data dir'; prov hash-inputs --sources in.txt 'data dir'; prov read-params -p a=1; } > '${scratch}/pre.json'`,
        `prov exec --out '${scratch}/cmd.json' -- sh -c '${script}'`,
        `prov hash-inputs --as outputs out.txt > '${scratch}/post.json'`,
        // Where the params came from (command.params_sources), which write-run merges into the
        // command section and redacts as record does.
        `echo '{"command": {"params_sources": [{"param": "a=1"}]}}' > '${scratch}/sources.json'`,
        `cat '${scratch}/pre.json' '${scratch}/cmd.json' '${scratch}/sources.json' '${scratch}/post.json' | prov write-run`,
      ].join(' && ')
      const r2 = await sh(pipeline)
      assert.equal(r2.exitCode, 0, r2.stderr)
      assert.equal(r2.stderr, '')
      const written = JSON.parse(r2.stdout)
      assert.match(written.id, HEX64)
      assert.notEqual(written.id, first.id)
      assert.equal(written.path, `.prov/runs/${written.id}/run.json`)
      const second = parseValid('run', readFileSync(path.join(sb.dir, written.path), 'utf8'))

      const timeless = (c: any) => { const { started_at, ended_at, duration_ms, ...rest } = c; return rest }
      assert.deepEqual(timeless(second.command), timeless(first.command))
      assert.deepEqual(first.command.argv, ['sh', '-c', script])
      assert.equal(first.command.exit_code, 0)
      assert.deepEqual(second.inputs, first.inputs)
      assert.deepEqual(first.inputs, [{ path: 'data dir/x.csv', size: 2, sha256: sha256('x\n') }, { path: 'in.txt', size: 10, sha256: sha256('some data\n') }])
      assert.deepEqual(first.command.input_dirs, ['data dir'])
      assert.equal(first.command.output_dirs, undefined, 'out.txt is a file')
      assert.deepEqual(second.outputs, first.outputs)
      assert.deepEqual(first.outputs, [{ path: 'out.txt', size: 10, sha256: sha256('SOME DATA\n') }])
      assert.deepEqual(second.params, first.params)
      assert.deepEqual(first.params, { a: 1 })
      assert.deepEqual(second.git, first.git)
      assert.equal(first.git.dirty, false)
      // The environment equals too, but for what each shell invocation sets by nature.
      const steady = (e: any) => {
        const vars = { ...e.vars }
        for (const k of ['_', 'PWD', 'OLDPWD', 'SHLVL']) delete vars[k]
        return { ...e, vars }
      }
      assert.deepEqual(steady(second.env), steady(first.env))
      assert.equal(first.env.vars.MY_SETTING, 'x')
      // And prov agrees: no differences between them.
      const d = await sb.prov(['diff-runs', first.id, second.id])
      assert.equal(d.exitCode, 0, d.stdout + d.stderr)
      assert.equal(parseValid('diff', d.stdout).diff.identical, true)
    })
  })

  test('summary line: short id, status, duration, counts; -q suppresses it', async () => {
    await withRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' }, async (sb) => {
      const r = await sb.prov(['record', '-i', 'a.txt', '-i', 'b.txt', '-o', 'o.txt', '--', 'sh', '-c', 'cat a.txt b.txt > o.txt'])
      assert.equal(r.exitCode, 0)
      assert.equal(r.stdout, '')
      const s = summary(r.stderr)
      const run = onlyRun(sb)
      assert.equal(s.short, run.id.slice(0, 12))
      assert.equal(s.parts[0], 'exit 0')
      assert.match(s.parts[1]!, /^\d+ ms$|^\d+\.\d\d s$/)
      assert.deepEqual(s.parts.slice(2), ['2 inputs', '1 output'])

      const q = await sb.prov(['record', '-q', '--', 'sh', '-c', 'exit 0'])
      assert.equal(q.exitCode, 0)
      assert.equal(q.stderr, '')
      assert.equal(runIds(sb).length, 2)
    })
  })

  test('exit status passes through: 0 and 3', async () => {
    await withRepo({}, async (sb) => {
      const ok = await sb.prov(['record', '--', 'sh', '-c', 'exit 0'])
      assert.equal(ok.exitCode, 0)
      assert.equal(summary(ok.stderr).parts[0], 'exit 0')
      const three = await sb.prov(['record', '--', 'sh', '-c', 'exit 3'])
      assert.equal(three.exitCode, 3)
      assert.equal(summary(three.stderr).parts[0], 'exit 3')
      const runs = runIds(sb).map((id) => JSON.parse(readFileSync(path.join(sb.dir, '.prov/runs', id, 'run.json'), 'utf8')))
      assert.deepEqual(runs.map((r) => r.command.exit_code).sort(), [0, 3])
      for (const r of runs) assert.equal(r.command.signal, null)
    })
  })

  test('a command killed by a signal: exit 128+N, recorded with the signal name and exit_code null', async () => {
    await withRepo({}, async (sb) => {
      const r = await sb.prov(['record', '--', 'sh', '-c', 'kill -TERM $$'])
      assert.equal(r.exitCode, 143)
      assert.equal(summary(r.stderr).parts[0], 'killed by SIGTERM')
      const run = onlyRun(sb)
      assert.equal(run.command.signal, 'SIGTERM')
      assert.equal(run.command.exit_code, null)
    })
  })

  test('a missing command: exit 127, and still recorded', async () => {
    await withRepo({}, async (sb) => {
      const r = await sb.prov(['record', '--', 'no-such-command-xyzzy', 'arg'])
      assert.equal(r.exitCode, 127)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /^prov: command not found: no-such-command-xyzzy\nprov: recorded [0-9a-f]{12} \(exit 127/)
      const run = onlyRun(sb)
      assert.equal(run.command.exit_code, 127)
      assert.deepEqual(run.command.argv, ['no-such-command-xyzzy', 'arg'])
      const q = await sb.prov(['record', '-q', '--', 'no-such-command-xyzzy'])
      assert.equal(q.exitCode, 127)
      assert.equal(q.stderr, 'prov: command not found: no-such-command-xyzzy\n', '-q keeps the error')
    })
  })

  test('an empty command name: not found (127) as env(1) says, recorded, no internal message', async () => {
    await withRepo({}, async (sb) => {
      const r = await sb.prov(['record', '--', '', 'arg'])
      assert.equal(r.exitCode, 127)
      assert.match(r.stderr, /^prov: command not found: ''\nprov: recorded [0-9a-f]{12} \(exit 127/)
      assert.doesNotMatch(r.stderr, /argument|Received/)
      const run = onlyRun(sb)
      assert.equal(run.command.exit_code, 127)
      assert.equal(run.command.error, "command not found: ''")
      const e = await sb.prov(['exec', '--', ''])
      assert.equal(e.exitCode, 127)
      assert.equal(JSON.parse(e.stdout).command.error, "command not found: ''")
      // --capture keeps its two empty streams, as for any command not found.
      const c = await sb.prov(['record', '--capture', '--', ''])
      assert.equal(c.exitCode, 127, c.stderr)
      const shown = parseValid('run', (await sb.prov(['show', '--json'])).stdout)
      assert.deepEqual(shown.outputs.map((o: any) => [o.path, o.size]), [['<stderr>', 0], ['<stdout>', 0]])
    })
  })

  test('a command that is not executable: exit 126, and still recorded', async () => {
    await withRepo({ 'script.sh': 'echo hi\n' }, async (sb) => {
      const r = await sb.prov(['record', '--', './script.sh'])
      assert.equal(r.exitCode, 126)
      assert.match(r.stderr, /prov: recorded [0-9a-f]{12} \(exit 126/)
      assert.equal(onlyRun(sb).command.exit_code, 126)
    })
  })

  test('stdout passes through byte for byte; stderr holds only the summary', async () => {
    await withRepo({}, async (sb) => {
      const r = await execa(process.execPath, [BIN, 'record', '--', 'printf', 'a\\0b\\n\\377'], {
        cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, encoding: 'buffer', stripFinalNewline: false,
      })
      assert.equal(r.exitCode, 0)
      assert.deepEqual(Buffer.from(r.stdout), Buffer.from([0x61, 0x00, 0x62, 0x0a, 0xff]))
      const s = summary(Buffer.from(r.stderr).toString('utf8'))
      assert.equal(s.short, onlyRun(sb).id.slice(0, 12))
    })
  })

  test('stdin passes through to the command', async () => {
    await withRepo({}, async (sb) => {
      const r = await sb.prov(['record', '--', 'cat'], { input: 'data\nmore data\n' })
      assert.equal(r.exitCode, 0)
      assert.equal(r.stdout, 'data\nmore data\n')
      summary(r.stderr)
    })
  })

  test('--no-exec records without running the command', async () => {
    await withRepo({ 'in.txt': 'x\n' }, async (sb) => {
      const r = await sb.prov(['record', '--no-exec', '-i', 'in.txt', '--', 'touch', 'side-effect'])
      assert.equal(r.exitCode, 0)
      assert.equal(r.stdout, '')
      assert.equal(summary(r.stderr).parts[0], 'not run')
      assert.equal(existsSync(path.join(sb.dir, 'side-effect')), false)
      const run = onlyRun(sb)
      assert.equal(run.command.exit_code, null)
      assert.equal(run.command.signal, null)
      assert.deepEqual(run.command.argv, ['touch', 'side-effect'])
      assert.equal(run.inputs.length, 1)
    })
  })

  test('--capture tees stdout and stderr: still passed through, and kept with the run', async () => {
    await withRepo({}, async (sb) => {
      const r = await sb.prov(['record', '--capture', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 5'])
      assert.equal(r.exitCode, 5)
      assert.equal(r.stdout, 'to-out\n')
      assert.ok(r.stderr.startsWith('to-err\n'), r.stderr)
      const s = summary(r.stderr.slice('to-err\n'.length))
      assert.deepEqual(s.parts.slice(-2), ['0 inputs', '2 outputs'])
      const run = onlyRun(sb)
      const dir = path.join(sb.dir, '.prov/runs', run.id)
      assert.equal(readFileSync(path.join(dir, 'stdout'), 'utf8'), 'to-out\n')
      assert.equal(readFileSync(path.join(dir, 'stderr'), 'utf8'), 'to-err\n')
      const byPath = Object.fromEntries(run.outputs.map((o: any) => [o.path, o]))
      assert.deepEqual(Object.keys(byPath).sort(), ['<stderr>', '<stdout>'])
      assert.equal(byPath['<stdout>'].sha256, sha256('to-out\n'))
      assert.equal(byPath['<stdout>'].size, 7)
      assert.equal(byPath['<stderr>'].sha256, sha256('to-err\n'))
      assert.equal(byPath['<stderr>'].size, 7)
      assert.equal(run.command.exit_code, 5)
    })
  })

  test('--capture with stdout on a full disk: a warning, the run keeps all of the output, the exit is the command\'s', { skip: !existsSync('/dev/full') }, async () => {
    await withRepo({}, async (sb) => {
      const r = await execa('sh', ['-c', '"$NODE" "$PROV" record --capture -- sh -c "echo to-out; exit 5" > /dev/full'], {
        cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN }, extendEnv: false, reject: false,
      })
      assert.equal(r.exitCode, 5)
      assert.match(r.stderr, /^prov: warning: cannot pass the command's output on: no space left on device \(the run keeps all of it\)$/m)
      const run = onlyRun(sb)
      assert.equal(readFileSync(path.join(sb.dir, '.prov/runs', run.id, 'stdout'), 'utf8'), 'to-out\n')
    })
  })

  test('--capture whose file cannot take all of the output (ulimit -f, a full disk): no run, exit 125, said; the output still passed on whole', async () => {
    await withRepo({}, async (sb) => {
      // The file size limit holds for regular files: the capture file, not prov's pipes.
      const r = await execa('sh', ['-c', 'ulimit -f 100; exec "$NODE" "$PROV" record --capture -- sh -c "head -c 300000 /dev/zero | tr \'\\\\0\' a"'], {
        cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN, PATH: `${sb.env.PATH}:/usr/bin:/bin` }, extendEnv: false, reject: false, stripFinalNewline: false,
      })
      assert.equal(r.exitCode, 125, r.stderr)
      assert.equal(r.stdout.length, 300_000)
      assert.equal(r.stderr, `prov: cannot keep the command's stdout in the store '${path.join(sb.dir, '.prov')}': file too large (the command ran and exited 0; no run was recorded)\nhint: free space, or raise the file size limit (ulimit -f), and run it again\n`)
      assert.deepEqual(runIds(sb), [])
      assert.deepEqual(readdirSync(path.join(sb.dir, '.prov', 'tmp')), [])
    })
  })

  test('--capture whose files the command removed: no run (it would lack the output it printed), exit 125, said', async () => {
    await withRepo({}, async (sb) => {
      sb.env.PATH = `${sb.env.PATH}:${path.dirname(['/bin/rm', '/usr/bin/rm'].find((f) => existsSync(f)) ?? '/bin/rm')}`
      const r = await sb.prov(['record', '--capture', '--', 'sh', '-c', 'echo out; rm -rf .prov/tmp/capture.*'])
      assert.equal(r.exitCode, 125, r.stderr)
      // (Removed before prov's file for it was open, or after it was written; either stream's may fail first.)
      assert.match(r.stderr, /^prov: cannot (keep the command's std(?:out|err) in the store '[^']*\/\.prov'|read the command's captured stdout '[^']*\/\.prov\/tmp\/capture\.[^']*\/stdout'): no such file or directory \(the command ran and exited 0; no run was recorded\)\n$/)
      assert.deepEqual(runIds(sb), [])
    })
  })

  // A store that cannot be written once the command has run (made immutable, or remounted
  // read-only, while it ran): as for a full disk, said with how the command ended, no internal error.
  const CHATTR = ['/usr/bin/chattr', '/bin/chattr'].find((f) => existsSync(f))
  test('a store made unwritable while the command ran: exit 125, how the command ended, no run, no internal error', { skip: CHATTR === undefined ? 'no chattr' : false }, async (t) => {
    await withRepo({}, async (sb) => {
      assert.equal((await sb.prov(['record', '-q', '--', 'sh', '-c', ':'])).exitCode, 0)
      const tmp = path.join(sb.dir, '.prov', 'tmp')
      if ((await execa(CHATTR!, ['+i', tmp], { reject: false })).exitCode !== 0) { t.skip('chattr +i is not supported on this file system'); return }
      await execa(CHATTR!, ['-i', tmp])
      try {
        const r = await sb.prov(['record', '--', 'sh', '-c', '"$CHATTR" +i .prov/tmp; exit 3'], { env: { CHATTR } })
        assert.equal(r.exitCode, 125, r.stderr)
        assert.match(r.stderr, /^prov: cannot write run [0-9a-f]{12} into '[^']*\/\.prov': permission denied \(the command ran and exited 3; no run was recorded\)\n$/)
        assert.equal(runIds(sb).length, 1)
        await execa(CHATTR!, ['-i', tmp])
        // With --capture too: its directory cannot be removed at exit either, and that is no crash.
        const c = await sb.prov(['record', '--capture', '--', 'sh', '-c', 'echo x; "$CHATTR" +i .prov/tmp; exit 3'], { env: { CHATTR } })
        assert.equal(c.exitCode, 125, c.stderr)
        assert.match(c.stderr, /^prov: cannot write run [0-9a-f]{12} into '[^']*\/\.prov': permission denied \(the command ran and exited 3; no run was recorded\)\n$/)
      } finally {
        await execa(CHATTR!, ['-i', tmp], { reject: false })
      }
    })
  })

  test("a store whose runs/ or tmp/ is a file: 125 before the command, naming that path, nothing run", async () => {
    for (const sub of ['runs', 'tmp']) {
      await withRepo({}, async (sb) => {
        sb.write(`.prov/${sub}`, '')
        const r = await sb.prov(['record', '--', 'touch', 'ran'])
        assert.equal(r.exitCode, 125, r.stderr)
        assert.equal(r.stderr, `prov: cannot create the store '${path.join(sb.dir, '.prov')}': '${path.join(sb.dir, '.prov', sub)}' is not a directory (the command was not run)\nhint: name a store you can write with --store or PROV_DIR\n`)
        assert.equal(existsSync(path.join(sb.dir, 'ran')), false)
      })
    }
  })

  test('a store, or its runs/, that is a link leading nowhere (a disk not mounted): said so by record, log, show, diff, verify; nothing run, nothing made', async () => {
    for (const [link, target] of [['.prov/runs', '/nonexistent-prov-disk/runs'], ['.prov', '/nonexistent-prov-disk/store']] as const) {
      await withRepo({}, async (sb) => {
        mkdirSync(path.join(sb.dir, '.prov'), { recursive: true })
        if (link === '.prov') rmSync(path.join(sb.dir, '.prov'), { recursive: true })
        symlinkSync(target, path.join(sb.dir, link))
        const said = `'${path.join(sb.dir, link)}' is a symbolic link to '${target}', which does not exist`
        const r = await sb.prov(['record', '--', 'touch', 'ran'])
        assert.equal(r.exitCode, 125, r.stderr)
        assert.equal(r.stderr, `prov: cannot create the store '${path.join(sb.dir, '.prov')}': ${link === '.prov' ? said.replace(/^'[^']*'/, 'it') : said} (the command was not run)\nhint: name a store you can write with --store or PROV_DIR\n`)
        assert.equal(existsSync(path.join(sb.dir, 'ran')), false)
        for (const args of [['log'], ['log', '--json'], ['show', '@'], ['diff'], ['verify']]) {
          const x = await sb.prov(args)
          assert.equal(x.exitCode, 2, `${args.join(' ')}: ${x.stderr}`)
          assert.equal(x.stdout, '', args.join(' '))
          assert.equal(x.stderr, `prov: cannot read the store's runs: ${said}\nhint: make what it points to reachable (a disk to mount?), or remove the link\n`, args.join(' '))
        }
        assert.ok(lstatSync(path.join(sb.dir, link)).isSymbolicLink(), 'the link is left as it was')
        if (link === '.prov') {
          const named = await sb.prov(['log'], { env: { PROV_DIR: path.join(sb.dir, '.prov') } })
          assert.equal(named.exitCode, 2)
          assert.equal(named.stderr, `prov: no store at '${path.join(sb.dir, '.prov')}': ${said.replace(/^'[^']*'/, 'it')}\nhint: make what it points to reachable (a disk to mount?), or name another store\n`)
          // A store's name holding an escape sequence: quoted, as other paths are, not sent to the terminal.
          const odd = path.join(sb.dir, 'odd\u001b[2Jstore')
          symlinkSync(target, odd)
          const quoted = JSON.stringify(odd)
          const l = await sb.prov(['log'], { env: { PROV_DIR: odd } })
          assert.equal(l.exitCode, 2)
          assert.equal(l.stderr, `prov: no store at ${quoted}: it is a symbolic link to '${target}', which does not exist\nhint: make what it points to reachable (a disk to mount?), or name another store\n`)
          const w = await sb.prov(['record', '--', 'true'], { env: { PROV_DIR: odd } })
          assert.equal(w.exitCode, 125)
          assert.match(w.stderr, /^prov: cannot create the store "[^\u001b]*\\u001b\[2Jstore": it is a symbolic link to /)
        }
      })
    }
  })

  test('a missing output after a failed command is recorded as missing; the exit is the command\'s', async () => {
    await withRepo({}, async (sb) => {
      const r = await sb.prov(['record', '-o', 'never.txt', '--', 'sh', '-c', 'exit 4'])
      assert.equal(r.exitCode, 4)
      const s = summary(r.stderr)
      assert.deepEqual(s.parts.slice(-2), ['1 output', '1 missing'])
      const run = onlyRun(sb)
      assert.deepEqual(run.outputs, [{ path: 'never.txt', missing: true }])
      assert.equal(run.command.exit_code, 4)
    })
  })

  test('prov failures exit 125 and write nothing: missing input, unknown flag, no command', async () => {
    await withRepo({}, async (sb) => {
      const missing = await sb.prov(['record', '-i', 'nope.txt', '--', 'touch', 'ran'])
      assert.equal(missing.exitCode, 125)
      assert.equal(missing.stdout, '')
      assert.match(missing.stderr, /^prov: .*'nope\.txt'/)
      assert.equal(existsSync(path.join(sb.dir, 'ran')), false, 'the command must not run')

      const flag = await sb.prov(['record', '--bogus', '--', 'touch', 'ran'])
      assert.equal(flag.exitCode, 125)
      assert.equal(flag.stdout, '')
      assert.match(flag.stderr, /^prov: .*'--bogus'/)
      assert.equal(existsSync(path.join(sb.dir, 'ran')), false)

      for (const args of [['record'], ['record', '--'], ['record', '-i', 'x']]) {
        const none = await sb.prov(args)
        assert.equal(none.exitCode, 125, `${args.join(' ')}: ${none.stderr}`)
        assert.equal(none.stdout, '')
        assert.match(none.stderr, /^prov: /)
      }
      assert.deepEqual(runIds(sb), [])
    })
  })

  test('what can be known of an -o path before the command runs is judged before it (empty, a name too long): exit 125, the command not run, nothing written', async () => {
    await withRepo({}, async (sb) => {
      const name = 'a'.repeat(256)
      const under = `x/${'b'.repeat(300)}/y` // x does not exist: stat would say ENOENT, yet no command can make it
      const deep = 'd/'.repeat(2048) + 'f' // no name too long, but the path is
      const cases: Array<[string, string]> = [
        ['', 'prov: an empty path was given\n'],
        [name, `prov: cannot hash '${name}': file name too long (a name of 256 bytes in it, more than 255)\n`],
        [under, `prov: cannot hash '${under}': file name too long (a name of 300 bytes in it, more than 255)\n`],
        [deep, `prov: cannot hash '${deep}': file name too long (${sb.dir.length + 1 + deep.length} bytes as an absolute path, more than a path can be)\n`],
      ]
      for (const [p, stderr] of cases) {
        for (const flag of ['-o', '-i']) {
          const r = await sb.prov(['record', '-o', 'fine.txt', flag, p, '--', 'touch', 'ran'])
          assert.equal(r.exitCode, 125, `${flag} ${p.slice(0, 20)}: ${r.stderr}`)
          assert.equal(r.stdout, '')
          assert.equal(r.stderr, stderr.replace(/\n$/, ' (the command was not run)\n'))
          assert.equal(existsSync(path.join(sb.dir, 'ran')), false, 'the command must not run')
        }
        // hash-inputs says the same, and --missing-ok does not take such a path for a missing file.
        const h = await sb.prov(['hash-inputs', '--as', 'outputs', '--missing-ok', p])
        assert.equal(h.exitCode, 2, h.stderr)
        assert.equal(h.stdout, '')
        assert.equal(h.stderr, stderr)
      }
      assert.deepEqual(runIds(sb), [])
      const tmp = path.join(sb.dir, '.prov', 'tmp')
      assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], [])
      // A path that the command may yet make (a file where a directory is named) is judged after it.
      sb.write('f', 'x')
      const later = await sb.prov(['record', '-o', 'f/', '--', 'touch', 'ran'])
      assert.equal(later.exitCode, 125)
      assert.match(later.stderr, /^prov: cannot hash 'f\/': not a directory \(the command ran and exited 0; no run was recorded\)\n$/)
      assert.equal(existsSync(path.join(sb.dir, 'ran')), true)
    })
  })

  test('every failure before the command runs says that it was not run (exit 125, nothing recorded); with --no-exec none is to run', async () => {
    await withRepo({ 'in.txt': 'x\n' }, async (sb) => {
      mkdirSync(path.join(sb.dir, 'data'))
      writeFileSync(path.join(sb.dir, 'data', 'ok.bin'), 'ok')
      // A name the walk of a directory cannot record (as a file removed while it is hashed, a failure found inside an input directory).
      writeFileSync(Buffer.from(path.join(sb.dir, 'data', 'caf\xe9.bin'), 'latin1'), 'x')
      const cases: Array<[string[], string]> = [
        [['-i', 'nope.txt'], "prov: cannot hash 'nope.txt': no such file or directory (the command was not run)\n"],
        [['-i', 'data'], `prov: cannot record '${sb.dir}/data/caf\u00e9.bin': its name is not valid UTF-8 (bytes 636166e92e62696e) (the command was not run)\nhint: rename the file, or leave its directory out\n`],
        [['-p', 'a[0]=1'], "prov: invalid parameter key 'a[0]': -p sets keys by dots ('a.b=1'); an element of a list cannot be set on its own (the command was not run)\nhint: give the whole list: -p 'a=[...]'\n"],
        [['--params-file', 'missing.yaml'], "prov: cannot read params file 'missing.yaml': no such file or directory (the command was not run)\n"],
        [['--bogus'], "prov: unknown option '--bogus' (the command was not run)\nhint: see 'prov record --help'\n"],
        [['-i'], "prov: option '-i' requires a value (the command was not run)\nhint: see 'prov record --help'\n"],
      ]
      for (const [flags, stderr] of cases) {
        const r = await sb.prov(['record', ...flags, '--', 'touch', 'ran'])
        assert.equal(r.exitCode, 125, `${flags.join(' ')}: ${r.stderr}`)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, stderr)
        assert.equal(existsSync(path.join(sb.dir, 'ran')), false, 'the command must not run')
      }
      // A store whose config cannot be read.
      sb.write('.prov/config.json', '[]')
      const config = await sb.prov(['record', '--', 'touch', 'ran'])
      assert.equal(config.exitCode, 125, config.stderr)
      assert.match(config.stderr, /^prov: .*config\.json.* \(the command was not run\)\n/)
      rmSync(path.join(sb.dir, '.prov', 'config.json'))
      // With --no-exec there is no command to run: the message is the error alone.
      const noExec = await sb.prov(['record', '--no-exec', '-i', 'nope.txt', '--', 'touch', 'ran'])
      assert.equal(noExec.exitCode, 125)
      assert.equal(noExec.stderr, "prov: cannot hash 'nope.txt': no such file or directory\n")
      assert.equal(existsSync(path.join(sb.dir, 'ran')), false)
      assert.deepEqual(runIds(sb), [])
    })
  })

  test('an argument that is not valid UTF-8 cannot be passed on unchanged: exit 125 (2 for plumbing), the command not run', async () => {
    await withRepo({}, async (sb) => {
      // Node reads it as U+FFFD: the command would get other bytes, and the run an argv no one typed.
      const shell = (args: string): Promise<{ exitCode?: number; stdout: string; stderr: string }> =>
        execa('/bin/bash', ['-c', `"${process.execPath}" "${BIN}" ${args}`], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, stripFinalNewline: false }) as any
      const hint = "hint: rename the file, or let a shell find it for a command: prov record -- sh -c 'ls caf*.csv'\n"
      // Any of prov's arguments: the command's, a message, a path (as Node reads it, no file has that name).
      // record and exec say that the command was not run (with --no-exec none was to run).
      const cases: Array<[string, number, string, string]> = [
        ["record -q -- touch $'caf\\xe9.csv'", 125, 'argument 5 is not valid UTF-8 (bytes 636166e92e637376)', ' (the command was not run)'],
        ["exec -- touch $'caf\\xe9.csv'", 125, 'argument 4 is not valid UTF-8 (bytes 636166e92e637376)', ' (the command was not run)'],
        ["record --no-exec -m $'caf\\xe9' -- touch x", 125, 'argument 4 is not valid UTF-8 (bytes 636166e9)', ''],
        ["hash-inputs $'caf\\xe9.csv'", 2, 'argument 2 is not valid UTF-8 (bytes 636166e92e637376)', ''],
      ]
      for (const [cmd, code, what, notRun] of cases) {
        const r = await shell(cmd)
        assert.equal(r.exitCode, code, r.stderr)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, `prov: ${what}: prov reads it as U+FFFD, and can neither pass it on unchanged nor find a file by it${notRun}\n${hint}`)
        assert.deepEqual(readdirSync(sb.dir).filter((n) => n.startsWith('caf')), [], 'the command must not run')
      }
      assert.deepEqual(runIds(sb), [])
      // U+FFFD itself, written in UTF-8, is a word like any other.
      const ok = await shell("record -q -- touch $'\\xef\\xbf\\xbd.txt'")
      assert.equal(ok.exitCode, 0, ok.stderr)
      assert.deepEqual(onlyRun(sb).command.argv, ['touch', '\uFFFD.txt'])
    })
  })

  test('a store that cannot take the run is found before the command runs: exit 125, the command not run', async () => {
    await withRepo({}, async (sb) => {
      // A store behind a link to nothing (an unmounted disk), and one where no directory can be made
      // (/proc: Node's own recursive mkdir would try for ever there).
      symlinkSync('/nonexistent-prov-disk/store', path.join(sb.dir, 'dangling'))
      const cases: Array<[string[], RegExp]> = [
        [['--store', 'dangling'], /^prov: cannot create the store '[^']*dangling': it is a symbolic link to '\/nonexistent-prov-disk\/store', which does not exist \(the command was not run\)\n/],
        [['--store', '/proc/prov-test-store'], /^prov: cannot create the store '\/proc\/prov-test-store': no such file or directory \(the command was not run\)\n/],
      ]
      for (const [flags, stderr] of cases) {
        const r = await sb.prov(['record', ...flags, '--', 'touch', 'ran'], { timeout: 30_000 })
        assert.equal(r.exitCode, 125, r.stderr)
        assert.equal(r.stdout, '')
        assert.match(r.stderr, stderr)
        assert.equal(existsSync(path.join(sb.dir, 'ran')), false, 'the command must not run')
      }
      // hash-inputs still hashes: the stat cache it cannot write is only a cache.
      writeFileSync(path.join(sb.dir, 'in.txt'), 'x')
      const h = await sb.prov(['hash-inputs', 'in.txt'], { env: { PROV_DIR: '/proc/prov-test-store' }, timeout: 30_000 })
      assert.equal(h.exitCode, 0, h.stderr)
      assert.equal(JSON.parse(h.stdout).inputs[0].sha256, sha256('x'))
    })
  })

  test('a param no run can keep (a number beyond a double, a lone surrogate): exit 125, the command not run, nothing written', async () => {
    await withRepo({ 'big.json': '{"lr": 1e400}\n', 'lone.yaml': 'name: "x\\ud800"\n' }, async (sb) => {
      const cases: Array<[string, string]> = [
        ['big.json', "prov: params file 'big.json' holds a number JSON cannot hold at lr (it reads as Infinity), which a run cannot keep (the command was not run)\n"],
        ['lone.yaml', "prov: params file 'lone.yaml' holds a lone surrogate (\\ud800) in the string at name, which a run cannot keep (the command was not run)\n"],
      ]
      for (const [file, stderr] of cases) {
        const r = await sb.prov(['record', '--params-file', file, '--', 'touch', 'ran'])
        assert.equal(r.exitCode, 125, r.stderr)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, stderr)
      }
      // -p keeps such a value as the text it was given (inside an array, that value alone).
      const kept = await sb.prov(['record', '-q', '-p', 'lr=[1e400]', '-p', 'name="x\\ud800"', '--', 'touch', 'kept'])
      assert.equal(kept.exitCode, 0, kept.stderr)
      assert.deepEqual(onlyRun(sb).params, { lr: ['1e400'], name: '"x\\ud800"' })
      assert.equal(existsSync(path.join(sb.dir, 'ran')), false, 'the command must not run')
    })
  })

  test('a YAML value with no JSON form, and --params-file -, are exit 125: the command not run, nothing written', async () => {
    await withRepo({ 'set.yaml': 'a: !!set {x}\n' }, async (sb) => {
      const cases: Array<[string[], string, string]> = [
        [['--params-file', 'set.yaml'], '', "prov: params file 'set.yaml' has a value tagged !!set at a, which JSON has no form for (the command was not run)\nhint: write a list instead\n"],
        [['--params-file', '-'], '{}', "prov: record cannot read '--params-file -': its standard input is the command's (the command was not run)\n" +
          "hint: save the params to a file and name it (it is then hashed as an input too), or name a file '-' as './-'\n"],
      ]
      for (const [args, input, stderr] of cases) {
        const r = await sb.prov(['record', ...args, '--', 'touch', 'ran'], { input })
        assert.equal(r.exitCode, 125, r.stderr)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, stderr)
      }
      assert.equal(existsSync(path.join(sb.dir, 'ran')), false, 'the command must not run')
      assert.deepEqual(runIds(sb), [])
    })
  })

  /** Start prov on CMD, wait until CMD says "ready" on stdout, then signal prov itself. */
  async function signalDuringRun(sb: Sandbox, cmd: string[], sig: NodeJS.Signals) {
    const child = execa(process.execPath, [BIN, 'record', '--', ...cmd], {
      cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, stripFinalNewline: false, buffer: true,
    })
    await new Promise<void>((resolve, reject) => {
      let seen = ''
      const timer = setTimeout(() => reject(new Error('the command never said ready')), 10_000)
      child.stdout!.on('data', (b: Buffer) => {
        seen += b.toString()
        if (seen.includes('ready')) { clearTimeout(timer); resolve() }
      })
    })
    process.kill(child.pid!, sig)
    const r = await child
    return { exitCode: r.exitCode, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) }
  }

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    test(`${sig} sent to prov reaches the command; the run is recorded with it; then prov ends by ${sig} too (a shell shows 128+N)`, async () => {
      await withRepo({}, async (sb) => {
        const r = await signalDuringRun(sb, ['sh', '-c', 'echo ready; exec sleep 5'], sig)
        assert.equal(r.signal, sig, r.stderr)
        assert.equal(r.exitCode, undefined)
        assert.equal(summary(r.stderr).parts[0], `killed by ${sig}`)
        const run = onlyRun(sb)
        assert.equal(run.command.signal, sig)
        assert.equal(run.command.exit_code, null)
        assert.deepEqual(readdirSync(path.join(sb.dir, '.prov', 'tmp')), [], 'nothing left in tmp/')
      })
    })
  }

  test('SIGQUIT sent to prov: the run is recorded, and prov exits 131 (ending by SIGQUIT would dump core)', async () => {
    await withRepo({}, async (sb) => {
      const r = await signalDuringRun(sb, ['sh', '-c', 'echo ready; exec sleep 5'], 'SIGQUIT')
      assert.equal(r.signal, undefined, r.stderr)
      assert.equal(r.exitCode, 131)
      assert.equal(onlyRun(sb).command.signal, 'SIGQUIT')
    })
  })

  test('a command killed by a signal prov was not sent (kill of the command alone): prov exits 128+N, it does not die of it', async () => {
    await withRepo({}, async (sb) => {
      const r = await sb.prov(['record', '--', 'sh', '-c', 'kill -TERM $$'])
      assert.equal(r.signal, undefined, r.stderr)
      assert.equal(r.exitCode, 143)
      assert.equal(onlyRun(sb).command.signal, 'SIGTERM')
    })
  })

  test('a Ctrl-C to a shell loop of records (SIGINT to the process group) stops the loop after the run is recorded, as for the command itself', async () => {
    await withRepo({}, async (sb) => {
      // bash goes on with a loop when its child exits normally after a SIGINT (it handled it), and
      // stops when the child died of it: what prov now does, once the run is written.
      const loop = `for i in 1 2 3; do "$NODE" "$BIN" record -q -- sh -c 'echo ready; exec sleep 5'; echo "iter $i rc=$?"; done; echo LOOP-DONE`
      const bash = ['/bin/bash', '/usr/bin/bash'].find((f) => existsSync(f))
      assert.ok(bash !== undefined, 'bash is needed for this test')
      const child = execa(bash, ['-c', loop], {
        cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, BIN }, extendEnv: false, reject: false, detached: true, buffer: true,
      })
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the command never said ready')), 10_000)
        child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('ready')) { clearTimeout(timer); resolve() } })
      })
      process.kill(-child.pid!, 'SIGINT') // as a terminal's Ctrl-C: to the whole foreground group
      const r = await child
      assert.doesNotMatch(String(r.stdout), /iter 2|LOOP-DONE/, String(r.stdout))
      assert.equal(r.signal, 'SIGINT', `bash: ${String(r.stdout)} ${String(r.stderr)}`)
      assert.equal(onlyRun(sb).command.signal, 'SIGINT')
    })
  })

  test('a command that traps SIGTERM gets it and exits with its own status', async () => {
    await withRepo({}, async (sb) => {
      const script = "process.on('SIGTERM', () => { process.stdout.write('got SIGTERM\\n'); process.exit(7) }); process.stdout.write('ready\\n'); setTimeout(() => process.exit(0), 5000)"
      const r = await signalDuringRun(sb, [process.execPath, '-e', script], 'SIGTERM')
      assert.equal(r.exitCode, 7, r.stderr)
      assert.equal(r.stdout, 'ready\ngot SIGTERM\n')
      const run = onlyRun(sb)
      assert.equal(run.command.exit_code, 7)
      assert.equal(run.command.signal, null)
    })
  })
})

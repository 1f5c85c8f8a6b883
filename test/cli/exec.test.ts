// Black-box tests of `prov exec`: runs CMD (no shell), describes how it ran, exits with its status.
import { test, describe, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync, chmodSync, statSync, lstatSync, symlinkSync, rmSync } from 'node:fs'
import { execa } from 'execa'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { BIN, makeRepo, parseValid, type Sandbox } from '../helpers/prov.js'

let sb: Sandbox
before(async () => {
  sb = await makeRepo()
  sb.write('noexec.sh', '#!/bin/sh\necho should not run\n')
  chmodSync(path.join(sb.dir, 'noexec.sh'), 0o644)
  sb.write('sub/dir/.keep', '')
})
after(() => sb.cleanup())

function noRuns(): void {
  const runs = path.join(sb.dir, '.prov', 'runs')
  assert.deepEqual(existsSync(runs) ? readdirSync(runs) : [], [], 'exec writes no run')
}

function checkTimes(c: any): void {
  assert.ok(Date.parse(c.started_at) <= Date.parse(c.ended_at))
  assert.equal(typeof c.duration_ms, 'number')
  assert.ok(c.duration_ms >= 0)
}

describe('exec', { concurrency: true }, () => {
  test('--out FILE: exit status is CMD\'s, the document goes to FILE, CMD keeps stdout', async () => {
    const r = await sb.prov(['exec', '--out', 'f.json', '--', 'sh', '-c', 'echo hi; exit 3'])
    assert.equal(r.exitCode, 3)
    assert.equal(r.stdout, 'hi\n')
    assert.equal(r.stderr, '')
    const doc = parseValid('command', readFileSync(path.join(sb.dir, 'f.json'), 'utf8'))
    assert.deepEqual(doc.command.argv, ['sh', '-c', 'echo hi; exit 3'])
    assert.equal(doc.command.exit_code, 3)
    assert.equal(doc.command.signal, null)
    assert.equal(doc.command.cwd, '.')
    checkTimes(doc.command)
    noRuns()
  })

  test('without --out: the document goes to stdout, CMD\'s stdout to stderr', async () => {
    const r = await sb.prov(['exec', '--', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2'])
    assert.equal(r.exitCode, 0)
    const doc = parseValid('command', r.stdout)
    assert.equal(doc.command.exit_code, 0)
    assert.deepEqual(doc.command.argv, ['sh', '-c', 'echo to-stdout; echo to-stderr >&2'])
    assert.match(r.stderr, /to-stdout\n/)
    assert.match(r.stderr, /to-stderr\n/)
    assert.equal(r.stdout.split('\n').length, 2, 'stdout holds the document and nothing else')
    assert.equal(r.stderr, 'to-stdout\nto-stderr\n')
  })

  test('no shell: arguments arrive exactly as given', async () => {
    const odd = ['$HOME', '`id`', 'a b', '*', "'q'", 'é日本😀', '']
    const r = await sb.prov(['exec', '--out', 'odd.json', '--', 'printf', '[%s]\\n', ...odd])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, odd.map((a) => `[${a}]\n`).join(''))
    const doc = parseValid('command', readFileSync(path.join(sb.dir, 'odd.json'), 'utf8'))
    assert.deepEqual(doc.command.argv, ['printf', '[%s]\\n', ...odd])
  })

  test('stdin passes through to CMD', async () => {
    const r = await sb.prov(['exec', '--out', 'cat.json', '--', 'cat'], { input: 'piped data\n' })
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, 'piped data\n')
  })

  test('the cwd is recorded relative to the project root', async () => {
    const r = await sb.prov(['exec', '--', 'true'], { cwd: path.join(sb.dir, 'sub', 'dir') })
    assert.equal(r.exitCode, 0)
    assert.equal(parseValid('command', r.stdout).command.cwd, 'sub/dir')
  })

  test('a signal: exit 128+N, signal named, exit_code null', async () => {
    const r = await sb.prov(['exec', '--', 'sh', '-c', 'kill -TERM $$'])
    assert.equal(r.exitCode, 143)
    const doc = parseValid('command', r.stdout)
    assert.equal(doc.command.signal, 'SIGTERM')
    assert.equal(doc.command.exit_code, null)
    const k = await sb.prov(['exec', '--', 'sh', '-c', 'kill -KILL $$'])
    assert.equal(k.exitCode, 137)
    assert.equal(parseValid('command', k.stdout).command.signal, 'SIGKILL')
  })

  test('a secret in argv with a store that cannot take its key (a link to a disk not mounted): 125 before the command runs, said so', async () => {
    const own = await makeRepo({ 'README': 'hello\n' })
    try {
      symlinkSync('/nonexistent-prov-disk/store', path.join(own.dir, '.prov'))
      const r = await own.prov(['exec', '--', 'sh', '-c', 'echo ran > ran.txt; exit 3', 'x', '--password', 'hunter2-in-argv'])
      assert.equal(r.exitCode, 125, r.stderr)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, `prov: cannot create the store '${path.join(own.dir, '.prov')}': it is a symbolic link to '/nonexistent-prov-disk/store', which does not exist (the command was not run)\n`)
      assert.equal(existsSync(path.join(own.dir, 'ran.txt')), false, 'the command must not run')
      // Refused before anything is changed: an earlier exec's capture stays as it was (5096c41 took
      // the key after removing it).
      mkdirSync(path.join(own.dir, 'cap'))
      for (const f of ['stdout', 'stderr', 'outputs.json']) writeFileSync(path.join(own.dir, 'cap', f), `earlier ${f}\n`)
      const c = await own.prov(['exec', '--capture', 'cap', '--', 'sh', '-c', 'echo ran > ran.txt', 'x', '--password', 'hunter2-in-argv'])
      assert.equal(c.exitCode, 125, c.stderr)
      assert.match(c.stderr, /\(the command was not run\)\n$/)
      assert.equal(existsSync(path.join(own.dir, 'ran.txt')), false, 'the command must not run')
      for (const f of ['stdout', 'stderr', 'outputs.json']) assert.equal(readFileSync(path.join(own.dir, 'cap', f), 'utf8'), `earlier ${f}\n`, f)
      // Without a secret, no key is needed: the command runs, as exec writes nothing to the store.
      const plain = await own.prov(['exec', '--', 'sh', '-c', 'exit 3'])
      assert.equal(plain.exitCode, 3, plain.stderr)
    } finally { own.cleanup() }
  })

  test('--capture DIR whose file cannot take all of the output (ulimit -f): exit 125, said, no outputs document', async () => {
    const r = await execa('sh', ['-c', 'ulimit -f 100; exec "$NODE" "$PROV" exec --capture capbig --out capbig.json -- sh -c "head -c 300000 /dev/zero"'], {
      cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN, PATH: `${sb.env.PATH}:/usr/bin:/bin` }, extendEnv: false, reject: false,
    })
    assert.equal(r.exitCode, 125, r.stderr)
    assert.equal(r.stderr, "prov: cannot write the captured stdout 'capbig/stdout': file too large (the command ran and exited 0)\nhint: free space, or raise the file size limit (ulimit -f), and run it again")
    assert.equal(existsSync(path.join(sb.dir, 'capbig', 'outputs.json')), false)
    assert.equal(existsSync(path.join(sb.dir, 'capbig.json')), false)
    // An earlier exec's document in --out: emptied, so it does not pass for this run's (write-run then says the step failed).
    const first = await sb.prov(['exec', '--capture', 'capbig', '--out', 'capbig.json', '--', 'true'])
    assert.equal(first.exitCode, 0, first.stderr)
    assert.ok(readFileSync(path.join(sb.dir, 'capbig.json'), 'utf8').length > 0)
    const again = await execa('sh', ['-c', 'ulimit -f 100; exec "$NODE" "$PROV" exec --capture capbig --out capbig.json -- sh -c "head -c 300000 /dev/zero"'], {
      cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN, PATH: `${sb.env.PATH}:/usr/bin:/bin` }, extendEnv: false, reject: false,
    })
    assert.equal(again.exitCode, 125, again.stderr)
    assert.equal(again.stderr, "prov: cannot write the captured stdout 'capbig/stdout': file too large (the command ran and exited 0); the earlier document in 'capbig.json' was emptied, so that it does not pass for this run's\nhint: free space, or raise the file size limit (ulimit -f), and run it again")
    assert.equal(readFileSync(path.join(sb.dir, 'capbig.json'), 'utf8'), '')
    assert.equal(existsSync(path.join(sb.dir, 'capbig', 'outputs.json')), false)
    const w = await sb.prov(['write-run', 'capbig.json'])
    assert.equal(w.exitCode, 2)
    assert.match(w.stderr, /^prov: 'capbig\.json' holds no JSON document\n/)
    rmSync(path.join(sb.dir, 'capbig'), { recursive: true, force: true })
    rmSync(path.join(sb.dir, 'capbig.json'), { force: true })
  })

  test('SIGTERM sent to prov exec: passed on, the document printed whole, then prov ends by SIGTERM too', async () => {
    const child = execa(process.execPath, [BIN, 'exec', '--out', 'cmd.json', '--', 'sh', '-c', 'echo ready; exec sleep 5'], {
      cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, buffer: true,
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the command never said ready')), 10_000)
      child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('ready')) { clearTimeout(timer); resolve() } })
    })
    process.kill(child.pid!, 'SIGTERM')
    const r = await child
    assert.equal(r.signal, 'SIGTERM', String(r.stderr))
    const doc = parseValid('command', readFileSync(path.join(sb.dir, 'cmd.json'), 'utf8'))
    assert.equal(doc.command.signal, 'SIGTERM')
    rmSync(path.join(sb.dir, 'cmd.json'))
  })

  test('a command that is not found: 127, described, and said on stderr', async () => {
    const r = await sb.prov(['exec', '--', 'no-such-command-xyz', 'arg'])
    assert.equal(r.exitCode, 127)
    const doc = parseValid('command', r.stdout)
    assert.equal(doc.command.exit_code, 127)
    assert.equal(doc.command.signal, null)
    assert.match(doc.command.error, /not found/)
    assert.match(r.stderr, /no-such-command-xyz/)
    assert.match(r.stderr, /not found/)
  })

  test('a file that is not executable: 126', async () => {
    const r = await sb.prov(['exec', '--', './noexec.sh'])
    assert.equal(r.exitCode, 126)
    const doc = parseValid('command', r.stdout)
    assert.equal(doc.command.exit_code, 126)
    assert.match(r.stderr, /noexec\.sh/)
    assert.ok(!r.stderr.includes('should not run'))
    const dir = await sb.prov(['exec', '--', './sub'])
    assert.equal(dir.exitCode, 126, 'a directory is not executable either')
  })

  test('a command exiting 125, 126 or 127 itself is reported as it is', async () => {
    for (const n of [125, 126, 127]) {
      const r = await sb.prov(['exec', '--', 'sh', '-c', `exit ${n}`])
      assert.equal(r.exitCode, n)
      const doc = parseValid('command', r.stdout)
      assert.equal(doc.command.exit_code, n)
      assert.equal(doc.command.error, undefined)
      assert.equal(r.stderr, '')
    }
  })

  test('no command is a usage error of exec: 125, as env(1)', async () => {
    for (const args of [['exec'], ['exec', '--'], ['exec', '--out', 'x.json']]) {
      const r = await sb.prov(args)
      assert.equal(r.exitCode, 125, args.join(' '))
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /no command/)
    }
    assert.ok(!existsSync(path.join(sb.dir, 'x.json')))
  })

  test('an unknown flag is 125 naming it, and CMD does not run', async () => {
    const r = await sb.prov(['exec', '--bogus', '--', 'sh', '-c', 'echo ran > ran.txt'])
    assert.equal(r.exitCode, 125)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /--bogus/)
    assert.ok(!existsSync(path.join(sb.dir, 'ran.txt')))
  })

  test('what prov could not do is found before CMD runs: 125 naming it, and CMD does not run', async () => {
    sb.write('plain.txt', 'x')
    sb.write('badstore/config.json', '{bad')
    for (const [args, named] of [
      [['--out', 'no/such/dir/f.json'], /cannot write --out 'no\/such\/dir\/f\.json': 'no\/such\/dir': no such file or directory/],
      [['--out', 'plain.txt/f.json'], /'plain\.txt' is not a directory/],
      [['--out', 'sub'], /cannot write --out 'sub': it is a directory/],
      [['--store', 'badstore'], /config\.json' is not a valid config/],
      [['--store', 'plain.txt/st'], /not a directory/],
    ] as const) {
      const r = await sb.prov(['exec', ...args, '--', 'sh', '-c', 'echo ran > ran.txt; exit 4'])
      assert.equal(r.exitCode, 125, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, named)
      assert.ok(!existsSync(path.join(sb.dir, 'ran.txt')), `${args.join(' ')}: CMD did not run`)
    }
  })

  test('a secret in argv is fingerprinted in the document, but CMD gets the real value', async () => {
    const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'
    const r = await sb.prov(['exec', '--out', 'sec.json', '--', 'echo', `--token=${token}`, '--password', 'hunter2'])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, `--token=${token} --password hunter2\n`)
    const text = readFileSync(path.join(sb.dir, 'sec.json'), 'utf8')
    assert.ok(!text.includes(token))
    assert.ok(!text.includes('hunter2'))
    const argv = parseValid('command', text).command.argv
    assert.equal(argv[0], 'echo')
    assert.match(argv[1], /^--token=\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.equal(argv[2], '--password')
    assert.match(argv[3], /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
  })

  test('--capture DIR: CMD\'s streams still pass on, and are kept in DIR with an outputs document for write-run', async () => {
    const script = 'printf "out\\n"; printf "err\\n" >&2; exit 5'
    const r = await sb.prov(['exec', '--capture', 'cap one/é', '--out', 'cap.json', '--', 'sh', '-c', script])
    assert.equal(r.exitCode, 5)
    assert.equal(r.stdout, 'out\n')
    assert.equal(r.stderr, 'err\n')
    const dir = path.join(sb.dir, 'cap one', 'é')
    assert.deepEqual(readdirSync(dir).sort(), ['outputs.json', 'stderr', 'stdout'])
    assert.equal(readFileSync(path.join(dir, 'stdout'), 'utf8'), 'out\n')
    assert.equal(readFileSync(path.join(dir, 'stderr'), 'utf8'), 'err\n')
    const outputs = parseValid('outputs', readFileSync(path.join(dir, 'outputs.json'), 'utf8')).outputs
    const sha = (t: string): string => createHash('sha256').update(t).digest('hex')
    assert.deepEqual(outputs, [
      { path: '<stderr>', size: 4, sha256: sha('err\n'), stream: 'stderr' },
      { path: '<stdout>', size: 4, sha256: sha('out\n'), stream: 'stdout' },
    ])
    assert.equal(parseValid('command', readFileSync(path.join(sb.dir, 'cap.json'), 'utf8')).command.exit_code, 5)
    // --out inside a capture directory not made yet: --capture makes it first.
    const inside = await sb.prov(['exec', '--capture', 'cap5', '--out', 'cap5/cmd.json', '--', 'true'])
    assert.equal(inside.exitCode, 0, inside.stderr)
    assert.deepEqual(readdirSync(path.join(sb.dir, 'cap5')).sort(), ['cmd.json', 'outputs.json', 'stderr', 'stdout'])
    // Without --out, CMD's stdout goes to stderr as ever, and is kept as its stdout.
    const s = await sb.prov(['exec', '--capture', 'cap2', '--', 'sh', '-c', script])
    assert.equal(s.exitCode, 5)
    assert.equal(parseValid('command', s.stdout).command.exit_code, 5)
    assert.equal(s.stderr.split('\n').sort().join('\n'), '\nerr\nout')
    assert.equal(readFileSync(path.join(sb.dir, 'cap2', 'stdout'), 'utf8'), 'out\n')
    noRuns()
  })

  test('--capture: what an earlier exec left in DIR goes; a command not found printed nothing, as record has it', async () => {
    await sb.prov(['exec', '--capture', 'cap3', '--', 'echo', 'old'])
    const r = await sb.prov(['exec', '--capture', 'cap3', '--', 'no-such-command-xyz'])
    assert.equal(r.exitCode, 127)
    assert.equal(readFileSync(path.join(sb.dir, 'cap3', 'stdout'), 'utf8'), '')
    const outputs = parseValid('outputs', readFileSync(path.join(sb.dir, 'cap3', 'outputs.json'), 'utf8')).outputs
    assert.deepEqual(outputs.map((o: any) => [o.path, o.size]), [['<stderr>', 0], ['<stdout>', 0]])
    // An empty command name never reaches spawn: the same two empty streams.
    const e = await sb.prov(['exec', '--capture', 'cap3', '--', ''])
    assert.equal(e.exitCode, 127, e.stderr)
    const none = parseValid('outputs', readFileSync(path.join(sb.dir, 'cap3', 'outputs.json'), 'utf8')).outputs
    assert.deepEqual(none.map((o: any) => [o.path, o.size]), [['<stderr>', 0], ['<stdout>', 0]])
  })

  test('--capture into a directory that cannot be made, or \'\': 125 naming it, and CMD does not run', async () => {
    sb.write('afile', 'x')
    sb.write('capdir/stdout/.keep', '')
    for (const [args, named] of [
      [['--capture', 'afile/sub'], /^prov: cannot capture into 'afile\/sub': 'afile' is not a directory\n/],
      [['--capture', 'afile/sub/deeper'], /^prov: cannot capture into 'afile\/sub\/deeper': 'afile' is not a directory\n/],
      [['--capture', 'afile'], /cannot capture into 'afile': it exists and is not a directory/],
      [['--capture', 'capdir'], /cannot capture into 'capdir\/stdout': it is a directory/],
      [['--capture', ''], /--capture needs a directory/],
      [['--capture', 'cap4', '--out', 'cap4/stdout'], /--out 'cap4\/stdout' is one of the files --capture writes/],
    ] as const) {
      const r = await sb.prov(['exec', ...args, '--', 'sh', '-c', 'echo ran > ran.txt'])
      assert.equal(r.exitCode, 125, r.stderr)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, named)
      assert.ok(!existsSync(path.join(sb.dir, 'ran.txt')), `${args.join(' ')}: CMD did not run`)
    }
  })

  test('a refused --out leaves an earlier capture as it was; a capture directory that cannot be made fails, never hangs (/proc)', async () => {
    const old = await sb.prov(['exec', '--capture', 'cap6', '--', 'echo', 'old'])
    assert.equal(old.exitCode, 0, old.stderr)
    const r = await sb.prov(['exec', '--capture', 'cap6', '--out', 'nodir/x.json', '--', 'sh', '-c', 'echo ran > ran6.txt'])
    assert.equal(r.exitCode, 125, r.stderr)
    assert.match(r.stderr, /^prov: cannot write --out 'nodir\/x\.json': 'nodir': no such file or directory\nhint: the command was not run\n$/)
    assert.ok(!existsSync(path.join(sb.dir, 'ran6.txt')), 'CMD did not run')
    assert.equal(readFileSync(path.join(sb.dir, 'cap6', 'stdout'), 'utf8'), 'old\n', 'the earlier capture is still there')
    parseValid('outputs', readFileSync(path.join(sb.dir, 'cap6', 'outputs.json'), 'utf8'))
    // Node's recursive mkdir never returns on a path under /proc.
    const p = await sb.prov(['exec', '--capture', '/proc/prov-no-such/cap', '--', 'sh', '-c', 'echo ran > ran6.txt'], { timeout: 20_000 })
    assert.equal(p.signal, undefined, 'exec --capture /proc/... hung')
    assert.equal(p.exitCode, 125, p.stderr)
    assert.match(p.stderr, /^prov: cannot make the directory '\/proc\/prov-no-such\/cap': /)
    assert.ok(!existsSync(path.join(sb.dir, 'ran6.txt')), 'CMD did not run')
  })

  // As root every file is writable: the commands then run as nobody (setpriv), when that is possible.
  const isRoot = process.getuid?.() === 0
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
  test('where prov may not write (a read-only file or directory): --out and --capture fail before CMD runs, 125 naming it', { skip: isRoot && !setpriv ? 'root writes everywhere, and there is no setpriv to drop that' : false }, async () => {
    const own = await makeRepo()
    try {
      own.write('ro/f.json', 'old\n')
      own.write('ro/g.json', 'old\n')
      const proj = own.dir
      symlinkSync('ro/g.json', path.join(proj, 'link.json'))
      chmodSync(path.join(proj, 'ro/g.json'), 0o666) // writable, but replaced by a rename in ro/
      chmodSync(path.join(proj, 'ro/f.json'), 0o444)
      chmodSync(path.join(proj, 'ro'), 0o555)
      // nobody must reach the project and write there (but not in ro/)
      for (const d of [path.dirname(proj), proj]) chmodSync(d, d === proj ? 0o777 : 0o755)
      const run = async (args: string[]): Promise<{ exitCode?: number; stdout: string; stderr: string }> => {
        const full = ['exec', ...args, '--', 'sh', '-c', 'echo ran > ran.txt']
        if (!isRoot) return own.prov(full)
        const r = await execa(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...full], {
          cwd: proj, env: { ...own.env, HOME: proj }, extendEnv: false, reject: false, stripFinalNewline: false,
        })
        return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }
      }
      for (const [args, named] of [
        [['--out', 'ro/f.json'], /^prov: cannot write --out 'ro\/f\.json': permission denied\n/],
        [['--out', 'ro/new.json'], /^prov: cannot write --out 'ro\/new\.json': 'ro': permission denied\n/],
        [['--capture', 'ro/cap/deeper'], /^prov: cannot capture into 'ro\/cap\/deeper': 'ro': permission denied\n/],
        [['--capture', 'ro'], /^prov: cannot capture into 'ro': 'ro': permission denied\n/],
      ] as const) {
        const r = await run([...args])
        assert.equal(r.exitCode, 125, `${args.join(' ')}: ${r.stderr}`)
        assert.equal(r.stdout, '')
        assert.match(r.stderr, named)
        assert.match(r.stderr, /hint: the command was not run\n$/)
        assert.ok(!existsSync(path.join(proj, 'ran.txt')), `${args.join(' ')}: CMD did not run`)
      }
      assert.equal(readFileSync(path.join(proj, 'ro/f.json'), 'utf8'), 'old\n')
      // A file prov may write, in a directory it may not: written in place, as `>` writes it.
      const inPlace = await run(['--out', 'link.json'])
      assert.equal(inPlace.exitCode, 0, inPlace.stderr)
      parseValid('command', readFileSync(path.join(proj, 'ro/g.json'), 'utf8'))
      rmSync(path.join(proj, 'ran.txt'))
      if (isRoot) {
        // A sticky directory (as /tmp): root's file there, writable by all, is written in place
        // (a rename would be refused, as the shell's `>` is not); root's capture files are not
        // nobody's to remove, so --capture refuses before anything is removed.
        own.write('sticky/o.json', 'old\n')
        own.write('sticky/cap/stdout', 'earlier\n')
        chmodSync(path.join(proj, 'sticky/o.json'), 0o666)
        for (const d of ['sticky', 'sticky/cap']) chmodSync(path.join(proj, d), 0o1777)
        const st = await run(['--out', 'sticky/o.json'])
        assert.equal(st.exitCode, 0, st.stderr)
        parseValid('command', readFileSync(path.join(proj, 'sticky/o.json'), 'utf8'))
        assert.equal(statSync(path.join(proj, 'sticky/o.json')).uid, 0, 'still root\'s file')
        rmSync(path.join(proj, 'ran.txt'))
        const cap = await run(['--capture', 'sticky/cap'])
        assert.equal(cap.exitCode, 125, cap.stderr)
        assert.match(cap.stderr, /^prov: cannot capture into 'sticky\/cap\/stdout': it belongs to another user, in a sticky directory\n/)
        assert.equal(readFileSync(path.join(proj, 'sticky/cap/stdout'), 'utf8'), 'earlier\n')
        assert.ok(!existsSync(path.join(proj, 'ran.txt')))
      }
      // The set-up is right: where nobody may write, exec writes.
      const ok = await run(['--out', 'w.json'])
      assert.equal(ok.exitCode, 0, ok.stderr)
      assert.ok(existsSync(path.join(proj, 'ran.txt')))
    } finally {
      chmodSync(path.join(own.dir, 'ro'), 0o755)
      own.cleanup()
    }
  })

  test('--out to a device, a FIFO (as /dev/stdout into a pipe) or through a symbolic link writes there: /dev/null stays a device, the link a link', async () => {
    const dn = await sb.prov(['exec', '--out', '/dev/null', '--', 'true'])
    assert.equal(dn.exitCode, 0, dn.stderr)
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a device')
    sb.write('real.json', 'old')
    symlinkSync('real.json', path.join(sb.dir, 'link.json'))
    const ln = await sb.prov(['exec', '--out', 'link.json', '--', 'true'])
    assert.equal(ln.exitCode, 0, ln.stderr)
    assert.ok(lstatSync(path.join(sb.dir, 'link.json')).isSymbolicLink(), 'the link is still a link')
    parseValid('command', readFileSync(path.join(sb.dir, 'real.json'), 'utf8'))
    // A link to a file not there yet: made where it points, as `>` makes it.
    symlinkSync('later.json', path.join(sb.dir, 'dangling.json'))
    const dl = await sb.prov(['exec', '--out', 'dangling.json', '--', 'true'])
    assert.equal(dl.exitCode, 0, dl.stderr)
    assert.ok(lstatSync(path.join(sb.dir, 'dangling.json')).isSymbolicLink(), 'the dangling link is still a link')
    parseValid('command', readFileSync(path.join(sb.dir, 'later.json'), 'utf8'))
    await execa('mkfifo', [path.join(sb.dir, 'fifo')])
    const reader = execa('cat', [path.join(sb.dir, 'fifo')], { stripFinalNewline: false })
    const ff = await sb.prov(['exec', '--out', 'fifo', '--', 'true'])
    assert.equal(ff.exitCode, 0, ff.stderr)
    parseValid('command', String((await reader).stdout))
  })

  test('--out through links lands where `>` would: /dev/stdout into a pipe, `..` in a link inside a linked directory; a loop or a link into nowhere is refused before CMD runs', async () => {
    // /dev/stdout is a link to /proc/self/fd/1, itself a link to "pipe:[N]": written as it is.
    const piped = await execa('sh', ['-c', `"${process.execPath}" "${BIN}" exec --out /dev/stdout -- echo RAN | cat`], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, stripFinalNewline: false })
    assert.equal(piped.exitCode, 0, piped.stderr)
    const out = String(piped.stdout)
    assert.ok(out.startsWith('RAN\n'), out)
    assert.deepEqual(parseValid('command', out.slice(4)).command.argv, ['echo', 'RAN'])
    // d -> real/sub; real/sub/link -> ../t.json means real/t.json, as the kernel reads it.
    sb.write('lk/real/sub/.keep', '')
    sb.write('lk/real/t.json', 'old')
    symlinkSync('real/sub', path.join(sb.dir, 'lk/d'))
    symlinkSync('../t.json', path.join(sb.dir, 'lk/real/sub/link'))
    symlinkSync('../t2.json', path.join(sb.dir, 'lk/real/sub/link2'))
    for (const [link, lands] of [['lk/d/link', 'lk/real/t.json'], ['lk/d/link2', 'lk/real/t2.json']]) {
      const r = await sb.prov(['exec', '--out', link!, '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      parseValid('command', readFileSync(path.join(sb.dir, lands!), 'utf8'))
    }
    assert.ok(!existsSync(path.join(sb.dir, 'lk/t.json')) && !existsSync(path.join(sb.dir, 'lk/t2.json')), 'nothing written beside the linked directory')
    symlinkSync('loop-b', path.join(sb.dir, 'loop-a'))
    symlinkSync('loop-a', path.join(sb.dir, 'loop-b'))
    sb.write('lk/cap/.keep', '')
    symlinkSync('/nonexistent-prov/cmd.json', path.join(sb.dir, 'lk/cap/cmd.json'))
    for (const [args, named] of [
      [['--out', 'loop-a'], /^prov: cannot write --out 'loop-a': too many levels of symbolic links\n/],
      [['--capture', 'loop-a'], /^prov: cannot capture into 'loop-a': too many levels of symbolic links\n/],
      [['--capture', 'lk/cap', '--out', 'lk/cap/cmd.json'], /^prov: cannot write --out 'lk\/cap\/cmd\.json': it is a symbolic link to '\/nonexistent-prov\/cmd\.json': no such file or directory\n/],
    ] as const) {
      const r = await sb.prov(['exec', ...args, '--', 'sh', '-c', 'echo ran > ran7.txt'])
      assert.equal(r.exitCode, 125, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, named)
      assert.ok(!existsSync(path.join(sb.dir, 'ran7.txt')), `${args.join(' ')}: CMD did not run`)
    }
  })

  test('--out and --capture paths as the kernel reads them: `..` after a link, a trailing slash, /dev/fd/N, the capture directory itself', async () => {
    sb.write('phys/other/deep/.keep', '')
    sb.write('phys/w/.keep', '')
    symlinkSync('../other/deep', path.join(sb.dir, 'phys/w/x'))
    const w = path.join(sb.dir, 'phys/w')
    // x/.. is phys/other, as `>` and `mkdir -p` have it (not phys/w, as text would have it).
    const o = await sb.prov(['exec', '--out', 'x/../o.json', '--capture', 'x/../cap', '--', 'echo', 'RAN'], { cwd: w })
    assert.equal(o.exitCode, 0, o.stderr)
    parseValid('command', readFileSync(path.join(sb.dir, 'phys/other/o.json'), 'utf8'))
    assert.equal(readFileSync(path.join(sb.dir, 'phys/other/cap/stdout'), 'utf8'), 'RAN\n')
    assert.ok(!existsSync(path.join(w, 'o.json')) && !existsSync(path.join(w, 'cap')), 'nothing where text would put it')
    sb.write('phys/w/regf', 'x')
    symlinkSync('newcap', path.join(w, 'to-newcap'))
    symlinkSync('loop', path.join(w, 'loop'))
    for (const [args, named] of [
      [['--out', 'regf/'], /^prov: cannot write --out 'regf\/': it names a directory\n/],
      [['--out', 'new.json/'], /^prov: cannot write --out 'new\.json\/': it names a directory\n/],
      [['--capture', 'regf/'], /^prov: cannot capture into 'regf\/': it exists and is not a directory\n/],
      [['--out', 'newcap', '--capture', 'newcap'], /^prov: --out 'newcap' is the directory --capture makes, or one above it\n/],
      [['--out', 'newcap', '--capture', 'newcap/sub'], /^prov: --out 'newcap' is the directory --capture makes, or one above it\n/],
      [['--out', 'x/../cap/stdout', '--capture', '../other/cap'], /^prov: --out 'x\/\.\.\/cap\/stdout' is one of the files --capture writes/],
      // A Node process's descriptors above 2 are its own: writing one could crash it.
      [['--out', '/dev/fd/6'], /^prov: cannot write --out '\/dev\/fd\/6': prov writes to descriptor 1 or 2 by such a name, not 6: name the file instead\n/],
      [['--out', '/proc/self/fd/3'], /^prov: cannot write --out '\/proc\/self\/fd\/3': prov writes to descriptor 1 or 2/],
      [['--out', '/proc/self/root/dev/fd/6'], /^prov: cannot write --out '\/proc\/self\/root\/dev\/fd\/6': prov writes to descriptor 1 or 2/],
      // A link to the directory --capture makes; a loop beside a --capture (was an internal error).
      [['--out', 'to-newcap', '--capture', 'newcap'], /^prov: --out 'to-newcap' is the directory --capture makes, or one above it\n/],
      [['--out', 'loop', '--capture', 'newcap'], /^prov: cannot write --out 'loop': too many levels of symbolic links\n/],
    ] as const) {
      const r = await sb.prov(['exec', ...args, '--', 'sh', '-c', 'echo ran > ran9.txt'], { cwd: w })
      assert.equal(r.exitCode, 125, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, named)
      assert.match(r.stderr, /the command was not run/)
      assert.ok(!existsSync(path.join(w, 'ran9.txt')), `${args.join(' ')}: CMD did not run`)
    }
  })

  test('--out replaces a file keeping its mode and owner, or writes it in place; /dev/stdout into a file appends where the shell does', async () => {
    sb.write('keep/priv.json', 'old')
    chmodSync(path.join(sb.dir, 'keep/priv.json'), 0o600)
    const long = 'b'.repeat(240) // the temporary name must not pass 255 bytes
    for (const out of ['keep/priv.json', `keep/${long}`, `keep/${long}`]) {
      const r = await sb.prov(['exec', '--out', out, '--', 'true'])
      assert.equal(r.exitCode, 0, `${out}: ${r.stderr}`)
      parseValid('command', readFileSync(path.join(sb.dir, out), 'utf8'))
    }
    assert.equal(statSync(path.join(sb.dir, 'keep/priv.json')).mode & 0o777, 0o600, 'a private document stays private')
    assert.deepEqual(readdirSync(path.join(sb.dir, 'keep')).sort(), [long, 'priv.json'], 'no temporary file left')
    // `{ ...; } >> file`: the document goes to the shell's descriptor, between what comes before and after.
    const r = await execa('sh', ['-c', `{ echo before; "${process.execPath}" "${BIN}" exec --out /dev/stdout -- echo RAN; echo after; } >> appended.txt`], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(r.exitCode, 0, String(r.stderr))
    const lines = readFileSync(path.join(sb.dir, 'appended.txt'), 'utf8').split('\n')
    assert.deepEqual([lines[0], lines[1], lines[3], lines[4]], ['before', 'RAN', 'after', ''])
    parseValid('command', lines[2]! + '\n')
    // The same through a link to /dev/fd: still prov's own descriptor.
    symlinkSync('/dev/fd', path.join(sb.dir, 'fdl'))
    const viaLink = await execa('sh', ['-c', `{ echo before; "${process.execPath}" "${BIN}" exec --out fdl/1 -- true; echo after; } >> appended2.txt`], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(viaLink.exitCode, 0, String(viaLink.stderr))
    const lines2 = readFileSync(path.join(sb.dir, 'appended2.txt'), 'utf8').split('\n')
    assert.deepEqual([lines2[0], lines2[2], lines2.length], ['before', 'after', 4])
    // A reader gone: 141, as for any closed standard output.
    const gone = await execa('bash', ['-c', `"${process.execPath}" "${BIN}" exec --out /dev/stdout -- sleep 0.2 | true; echo "\${PIPESTATUS[0]}"`], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(String(gone.stdout), '141', String(gone.stderr))
  })

  test('--out a bind-mounted file (it cannot be renamed over): written in place, as `>` writes it; a bind mount is no way around the capture checks', { skip: process.getuid?.() !== 0 ? 'mount needs root' : false }, async (t) => {
    sb.write('bm/src.json', 'src')
    sb.write('bm/target.json', 'tgt')
    sb.write('bm/d/.keep', '')
    sb.write('bm/m/.keep', '')
    const target = path.join(sb.dir, 'bm/target.json')
    const mounts = [[path.join(sb.dir, 'bm/src.json'), target], [path.join(sb.dir, 'bm/d'), path.join(sb.dir, 'bm/m')]]
    const made: string[] = []
    try {
      for (const [from, to] of mounts) {
        if ((await execa('mount', ['--bind', from!, to!], { reject: false })).exitCode !== 0) { t.skip('no bind mount here (a container without the capability)'); return }
        made.push(to!)
      }
      const r = await sb.prov(['exec', '--out', 'bm/target.json', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      parseValid('command', readFileSync(path.join(sb.dir, 'bm/src.json'), 'utf8'))
      // bm/m is bm/d: a capture file, or the capture directory not made yet, by the other name.
      for (const [args, named] of [
        [['--capture', 'bm/d', '--out', 'bm/m/stdout'], /^prov: --out 'bm\/m\/stdout' is one of the files --capture writes/],
        [['--capture', 'bm/m/cap', '--out', 'bm/d/cap'], /^prov: --out 'bm\/d\/cap' is the directory --capture makes, or one above it\n/],
      ] as const) {
        const c = await sb.prov(['exec', ...args, '--', 'sh', '-c', 'echo ran > ran12.txt'])
        assert.equal(c.exitCode, 125, `${args.join(' ')}: ${c.stderr}`)
        assert.match(c.stderr, named)
        assert.ok(!existsSync(path.join(sb.dir, 'ran12.txt')), `${args.join(' ')}: CMD did not run`)
      }
    } finally {
      for (const to of made.reverse()) await execa('umount', [to], { reject: false })
    }
  })

  test('--out that cannot be opened for writing is refused before CMD runs: a socket, an append-only file; a new file gets 0666 less the umask, as with >', async () => {
    sb.write('sk/.keep', '')
    await execa('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path.join(sb.dir, 'sk/sock')])
    const cases: Array<[string, RegExp]> = [['sk/sock', /^prov: cannot write --out 'sk\/sock': it is a socket\n/]]
    sb.write('sk/ap', 'old\n')
    const appendOnly = (await execa('chattr', ['+a', path.join(sb.dir, 'sk/ap')], { reject: false })).exitCode === 0
    if (appendOnly) cases.push(['sk/ap', /^prov: cannot write --out 'sk\/ap': permission denied\n/])
    try {
      for (const [out, named] of cases) {
        const r = await sb.prov(['exec', '--out', out, '--', 'sh', '-c', 'echo ran > ran11.txt'])
        assert.equal(r.exitCode, 125, `${out}: ${r.stderr}`)
        assert.match(r.stderr, named)
        assert.ok(!existsSync(path.join(sb.dir, 'ran11.txt')), `${out}: CMD did not run`)
      }
    } finally {
      if (appendOnly) await execa('chattr', ['-a', path.join(sb.dir, 'sk/ap')])
    }
    const r = await execa('sh', ['-c', `umask 002; "${process.execPath}" "${BIN}" exec --out sk/new.json -- true`], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(r.exitCode, 0, String(r.stderr))
    assert.equal(statSync(path.join(sb.dir, 'sk/new.json')).mode & 0o777, 0o664)
  })

  test('CMD that removes or replaces its own captured output: 125 saying so and how CMD ended, not an internal error', async () => {
    for (const [script, named] of [
      ['while [ ! -e capx/stdout ] || [ ! -e capx/stderr ]; do sleep 0.05; done; rm -rf capx; echo > capx', /^prov: cannot read the captured stderr 'capx\/stderr': not a directory \(the command ran and exited 0\)\n/],
      // (prov opens its capture files as CMD starts: wait for them, or the rm comes first.)
      ['while [ ! -e capx/stdout ] || [ ! -e capx/stderr ]; do sleep 0.05; done; rm -f capx/stdout; mkdir capx/stdout; exit 3', /^prov: cannot read the captured stdout 'capx\/stdout': it is no longer a regular file \(the command ran and exited 3\)\n/],
    ] as const) {
      rmSync(path.join(sb.dir, 'capx'), { recursive: true, force: true })
      const r = await sb.prov(['exec', '--capture', 'capx', '--', 'sh', '-c', script])
      assert.equal(r.exitCode, 125, r.stderr)
      assert.match(r.stderr, named)
    }
  })

  test('a failure after CMD ran empties only the earlier document that was in --out before it: not a file made or replaced meanwhile (by CMD, or another process)', async () => {
    const wait = 'while [ ! -e capm/stdout ] || [ ! -e capm/stderr ]; do sleep 0.05; done'
    const cases: Array<[string, string | null, string]> = [
      // Not there before CMD ran: what CMD (or anyone) wrote there is not prov's to empty.
      [`${wait}; echo theirs > capm.json; rm -f capm/stdout`, null, 'theirs\n'],
      // Replaced meanwhile by a rename (another exec's document, written whole).
      [`${wait}; echo theirs > capm.tmp; mv capm.tmp capm.json; rm -f capm/stdout`, '{"command":"earlier"}\n', 'theirs\n'],
      // The earlier document, as it was: emptied, as before.
      [`${wait}; rm -f capm/stdout`, '{"command":"earlier"}\n', ''],
    ]
    for (const [script, earlier, left] of cases) {
      rmSync(path.join(sb.dir, 'capm'), { recursive: true, force: true })
      rmSync(path.join(sb.dir, 'capm.json'), { force: true })
      if (earlier !== null) sb.write('capm.json', earlier)
      const r = await sb.prov(['exec', '--capture', 'capm', '--out', 'capm.json', '--', 'sh', '-c', script])
      assert.equal(r.exitCode, 125, r.stderr)
      assert.match(r.stderr, /^prov: cannot read the captured stdout 'capm\/stdout': no such file or directory \(the command ran and exited 0\)/)
      assert.equal(readFileSync(path.join(sb.dir, 'capm.json'), 'utf8'), left, script)
      assert.equal(r.stderr.includes('was emptied'), left === '', r.stderr)
    }
    rmSync(path.join(sb.dir, 'capm'), { recursive: true, force: true })
    rmSync(path.join(sb.dir, 'capm.json'), { force: true })
  })

  test('--out that cannot be written once CMD ran (CMD removed its directory): 125 saying how CMD ended, and no outputs.json left in --capture', async () => {
    rmSync(path.join(sb.dir, 'capd'), { recursive: true, force: true })
    rmSync(path.join(sb.dir, 'outd'), { recursive: true, force: true })
    sb.write('outd/.keep', '')
    const r = await sb.prov(['exec', '--capture', 'capd', '--out', 'outd/doc.json', '--', 'rm', '-rf', 'outd'])
    assert.equal(r.exitCode, 125, r.stderr)
    assert.equal(r.stderr, "prov: cannot write 'outd/doc.json': no such file or directory (the command ran and exited 0)\n")
    assert.equal(existsSync(path.join(sb.dir, 'capd', 'outputs.json')), false, 'no outputs document for write-run to take')
    rmSync(path.join(sb.dir, 'capd'), { recursive: true, force: true })
  })

  test('--capture replaces only regular files an earlier exec left: a link, device or directory under its names is refused (--capture /dev removes nothing)', async () => {
    sb.write('capl/.keep', '')
    symlinkSync('/dev/null', path.join(sb.dir, 'capl/stdout'))
    const r = await sb.prov(['exec', '--capture', 'capl', '--', 'sh', '-c', 'echo ran > ran10.txt'])
    assert.equal(r.exitCode, 125, r.stderr)
    assert.match(r.stderr, /^prov: cannot capture into 'capl\/stdout': it is a symbolic link\nhint: the command was not run; prov replaces only the files an earlier exec left there\n$/)
    assert.ok(lstatSync(path.join(sb.dir, 'capl/stdout')).isSymbolicLink(), 'the link is still there')
    assert.ok(!existsSync(path.join(sb.dir, 'ran10.txt')))
  })

  test('--out in a directory --capture makes, or through a link to a capture file', async () => {
    const r = await sb.prov(['exec', '--capture', 'mk/b', '--out', 'mk/cmd.json', '--', 'echo', 'RAN'])
    assert.equal(r.exitCode, 0, r.stderr)
    parseValid('command', readFileSync(path.join(sb.dir, 'mk/cmd.json'), 'utf8'))
    assert.equal(readFileSync(path.join(sb.dir, 'mk/b/stdout'), 'utf8'), 'RAN\n')
    // A link to what --capture writes is that file: the document would overwrite the capture.
    sb.write('cap8/.keep', '')
    symlinkSync('cap8/stdout', path.join(sb.dir, 'to-stdout'))
    symlinkSync('cap8', path.join(sb.dir, 'cap8-link'))
    for (const args of [['--capture', 'cap8', '--out', 'to-stdout'], ['--capture', 'cap8-link', '--out', 'cap8/stderr']]) {
      const c = await sb.prov(['exec', ...args, '--', 'sh', '-c', 'echo ran > ran8.txt'])
      assert.equal(c.exitCode, 125, c.stderr)
      assert.match(c.stderr, /is one of the files --capture writes/)
      assert.ok(!existsSync(path.join(sb.dir, 'ran8.txt')), `${args.join(' ')}: CMD did not run`)
    }
  })

  test('--keep-var and --redact-var shape argv as record\'s do', async () => {
    const r = await sb.prov(['exec', '--keep-var', 'MY_TOKEN', '--redact-var', 'PLAIN_*', '--', 'env', 'MY_TOKEN=kept-value', 'PLAIN_NAME=hidden-value', 'true'])
    assert.equal(r.exitCode, 0, r.stderr)
    const argv = parseValid('command', r.stdout).command.argv
    assert.equal(argv[1], 'MY_TOKEN=kept-value')
    assert.match(argv[2], /^PLAIN_NAME=\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    const plain = await sb.prov(['exec', '--', 'env', 'MY_TOKEN=kept-value', 'true'])
    assert.match(parseValid('command', plain.stdout).command.argv[1], /^MY_TOKEN=\[redacted hmac-sha256:/)
  })

  test('--pretty indents the document', async () => {
    const r = await sb.prov(['exec', '--pretty', '--', 'true'])
    assert.equal(r.exitCode, 0)
    assert.match(r.stdout, /^\{\n {2}"command": \{\n/)
    parseValid('command', r.stdout)
  })

  test('nothing was written to the store by any of the above', () => {
    noRuns()
  })
})

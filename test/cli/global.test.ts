// Black-box tests of what every command shares: --version, --help, usage errors, exit codes,
// colour, stack traces, and a stdout closed early.
import { test, describe, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { BIN, ROOT, makeRepo, type Sandbox } from '../helpers/prov.js'
import { COMMANDS } from '../../src/commands.js'

const NAMES = Object.keys(COMMANDS)
/** record and exec run a command: their own failures are 125, as env(1)'s */
const failureCode = (name: string): number => (name === 'record' || name === 'exec' ? 125 : 2)
const ESC = '\x1b'
const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m
const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string

let sb: Sandbox
before(async () => {
  sb = await makeRepo({ 'README': 'hello\n' })
})
after(() => sb.cleanup())

describe('global: --version, --help, usage', { concurrency: true }, () => {
  test('prov --version prints "prov <version>" and exits 0', async () => {
    const r = await sb.prov(['--version'])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, `prov ${VERSION}\n`)
    assert.equal(r.stderr, '')
    // It takes nothing more: `--version --json` is a usage error, not a version in another form.
    const more = await sb.prov(['--version', '--json'])
    assert.equal(more.exitCode, 2)
    assert.equal(more.stdout, '')
    assert.equal(more.stderr, "prov: --version takes no arguments: '--json'\nhint: see 'prov --help'\n")
    // --help still prints the usage and exits 0, as everywhere.
    for (const args of [['--version', '--help'], ['version', '-h']]) {
      const help = await sb.prov(args)
      assert.equal(help.exitCode, 0, args.join(' '))
      assert.match(help.stdout, /^usage: prov /)
    }
  })

  test('prov --help (and -h) prints the usage on stdout and exits 0', async () => {
    const [long, short] = await Promise.all([sb.prov(['--help']), sb.prov(['-h'])])
    for (const r of [long, short]) {
      assert.equal(r.exitCode, 0)
      assert.equal(r.stderr, '')
      assert.match(r.stdout, /^usage: prov /)
      for (const name of NAMES.filter((n) => n !== 'help')) assert.match(r.stdout, new RegExp(`^ {3}${name} `, 'm'), name)
    }
    assert.equal(short.stdout, long.stdout)
  })

  test('prov alone is a usage error: exit 2, usage on stderr, nothing on stdout', async () => {
    const r = await sb.prov([])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^usage: prov /)
  })

  test('an unknown command is exit 2 naming it', async () => {
    const r = await sb.prov(['frobnicate', '--x'])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /'frobnicate'/)
    const opt = await sb.prov(['--frobnicate'])
    assert.equal(opt.exitCode, 2)
    assert.equal(opt.stdout, '')
    assert.match(opt.stderr, /--frobnicate/)
  })

  test('an option of a command given before its name is exit 2 saying where it goes', async () => {
    const cases: Array<[string[], string]> = [
      [['--store', '/tmp/x', 'log'], "prov: '--store' goes after the command name: prov log --store /tmp/x\nhint: see 'prov log --help'\n"],
      [['--store=/tmp/x', 'show', '@'], "prov: '--store' goes after the command name: prov show --store=/tmp/x ...\nhint: see 'prov show --help'\n"],
      // The words of a command to run are not repeated; a word that needs quotes is quoted.
      [['-q', '--store', 'my store', 'record', '-i', 'a', '--', 'echo', 'hi'], "prov: '-q' goes after the command name: prov record -q --store 'my store' ...\nhint: see 'prov record --help'\n"],
      // Values other than the store's are not repeated: they may be secrets.
      [['-p', 'db.password=hunter2', '-m', 'GH_TOKEN=abc123def456', 'record', '--', 'true'], "prov: '-p' goes after the command name: prov record -p ... -m ... ...\nhint: see 'prov record --help'\n"],
      [['-mrotated to hunter2xyz', 'record', '--', 'true'], "prov: '-m' goes after the command name: prov record -m... ...\nhint: see 'prov record --help'\n"],
      [['-m', '--no-verify hunter2xyz', 'record', '--', 'true'], "prov: '-m' goes after the command name: prov record -m ... ...\nhint: see 'prov record --help'\n"],
      // Not an option of the command named after it: unknown, as before.
      [['--pretty', 'log'], "prov: unknown option '--pretty'\nhint: see 'prov --help'\n"],
      [['--store', 'log'], "prov: unknown option '--store'\nhint: see 'prov --help'\n"],
    ]
    for (const [args, stderr] of cases) {
      const r = await sb.prov(args)
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, stderr)
    }
  })

  test('an unknown flag on every command is a usage error naming the flag', async () => {
    const results = await Promise.all(NAMES.map(async (name) => [name, await sb.prov([name, '--no-such-flag'], { input: '' })] as const))
    for (const [name, r] of results) {
      assert.equal(r.exitCode, failureCode(name), `${name}: ${r.stderr}`)
      assert.equal(r.stdout, '', name)
      assert.match(r.stderr, /--no-such-flag/, name)
    }
    const shorts = await Promise.all(['hash-inputs', 'exec', 'record'].map(async (name) => [name, await sb.prov([name, '-Y'], { input: '' })] as const))
    for (const [name, r] of shorts) {
      assert.equal(r.exitCode, failureCode(name), `${name}: ${r.stderr}`)
      assert.match(r.stderr, /-Y/, name)
    }
  })

  test('--help on every command prints its options on stdout and exits 0', async () => {
    const results = await Promise.all(NAMES.map(async (name) => [name, await sb.prov([name, '--help'])] as const))
    for (const [name, r] of results) {
      assert.equal(r.exitCode, 0, `${name}: ${r.stderr}`)
      assert.equal(r.stderr, '', name)
      assert.match(r.stdout, new RegExp(`prov ${name}`), name)
      assert.ok(!r.stdout.includes(ESC), `${name} --help has no escape codes off a terminal`)
    }
  })

  test('prov --help <command> (and -h), as git --help log: that command\'s help, the same as <command> --help; an unknown name, the general usage', async () => {
    for (const name of ['log', 'record', 'hash-inputs']) {
      const [before, after, short] = await Promise.all([sb.prov(['--help', name]), sb.prov([name, '--help']), sb.prov(['-h', name])])
      assert.equal(before.exitCode, 0, before.stderr)
      assert.equal(before.stderr, '')
      assert.match(before.stdout, new RegExp(`^usage: prov ${name} `))
      assert.equal(before.stdout, after.stdout, name)
      assert.equal(short.stdout, after.stdout, name)
    }
    const [unknown, plain] = await Promise.all([sb.prov(['--help', 'frobnicate']), sb.prov(['--help'])])
    assert.equal(unknown.exitCode, 0)
    assert.equal(unknown.stdout, plain.stdout)
    // A name an object has of its own is no command: the general usage, and no command runs by it.
    for (const name of ['constructor', '__proto__', 'hasOwnProperty', 'toString']) {
      const h = await sb.prov(['--help', name])
      assert.equal(h.exitCode, 0, h.stderr)
      assert.equal(h.stderr, '')
      assert.equal(h.stdout, plain.stdout, name)
      const c = await sb.prov([name])
      assert.equal(c.exitCode, 2, name)
      assert.equal(c.stderr, `prov: '${name}' is not a prov command\nhint: see 'prov --help' for the list of commands\n`)
    }
  })

  test('PROV_LOG_LEVEL that names no level is said, and info is used; the names and numbers work', async () => {
    for (const v of ['bogus', 'constructor', 'WARN', '1.5']) {
      const r = await sb.prov(['help', 'frobnicate'], { env: { PROV_LOG_LEVEL: v } })
      assert.equal(r.exitCode, 2)
      assert.equal(r.stderr.split('\n')[0], `prov: warning: PROV_LOG_LEVEL ${JSON.stringify(v)} is not a level (silent, error, warn, info, debug, trace, or a number): info is used`, v)
      assert.match(r.stderr, /'frobnicate'/, `${v}: the error is still said`)
    }
    // -q is errors only: the warning is not said then.
    const q = await sb.prov(['hash-inputs', '-q', '--no-cache', 'nothing-here'], { env: { PROV_LOG_LEVEL: 'bogus' } })
    assert.equal(q.exitCode, 2)
    assert.equal(q.stderr.includes('warning'), false, q.stderr)
    assert.match(q.stderr, /nothing-here/)
    // A usage error, before the command's -q is read, says it too (b50d5a9 left it out), once;
    // with -q among the options, not.
    const warning = 'prov: warning: PROV_LOG_LEVEL "bogus" is not a level (silent, error, warn, info, debug, trace, or a number): info is used\n'
    for (const args of [['frobnicate'], ['log', '--frobnicate'], []]) {
      const u = await sb.prov(args, { env: { PROV_LOG_LEVEL: 'bogus' } })
      assert.equal(u.exitCode, 2, args.join(' '))
      assert.ok(u.stderr.startsWith(warning), `${args.join(' ')}: ${u.stderr}`)
      assert.equal(u.stderr.split('PROV_LOG_LEVEL').length, 2, `${args.join(' ')}: once`)
    }
    // --version and --help, which say nothing on stderr when they succeed, do not check it, as git
    // --version reads no configuration: the level changes nothing of what they print.
    for (const args of [['--version'], ['version'], ['--help'], ['log', '--help']]) {
      const v = await sb.prov(args, { env: { PROV_LOG_LEVEL: 'bogus' } })
      assert.equal(v.exitCode, 0, args.join(' '))
      assert.equal(v.stderr, '', args.join(' '))
    }
    const uq = await sb.prov(['hash-inputs', '-q', '--frobnicate'], { env: { PROV_LOG_LEVEL: 'bogus' } })
    assert.equal(uq.exitCode, 2)
    assert.ok(!uq.stderr.includes('warning'), uq.stderr)
    assert.match(uq.stderr, /--frobnicate/)
    for (const [v, said] of [['error', true], ['0', true], ['silent', false], ['-1', false]] as const) {
      const r = await sb.prov(['help', 'frobnicate'], { env: { PROV_LOG_LEVEL: v } })
      assert.equal(r.exitCode, 2, v)
      assert.equal(/'frobnicate'/.test(r.stderr), said, v)
      assert.ok(!r.stderr.includes('warning'), v)
    }
  })

  test('record and exec given a command without -- before it: exit 125, and the hint says where the command goes', async () => {
    for (const name of ['record', 'exec']) {
      const r = await sb.prov([name, 'python3', 'train.py'])
      assert.equal(r.exitCode, 125, r.stderr)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, `prov: unexpected argument 'python3' (the command was not run)\nhint: the command to run goes after '--': prov ${name} [<option>...] -- <command> [<arg>...]\n`)
    }
    const other = await sb.prov(['git-state', 'extra'])
    assert.equal(other.exitCode, 2)
    assert.equal(other.stderr, "prov: unexpected argument 'extra'\nhint: see 'prov git-state --help'\n")
  })

  test('--help wins over a usage error, and after -- it is the command\'s argument', async () => {
    const r = await sb.prov(['diff-runs', '--help'])
    assert.equal(r.exitCode, 0, 'diff-runs needs two runs, but --help comes first')
    const e = await sb.prov(['exec', '--out', 'h.json', '--', 'printf', '%s\\n', '--help'])
    assert.equal(e.exitCode, 0)
    assert.equal(e.stdout, '--help\n')
  })

  test('prov help <command> prints a manual page; an unknown one is exit 2', async () => {
    const r = await sb.prov(['help', 'hash-inputs'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /hash-inputs/)
    assert.match(r.stdout, /NAME/)
    const bad = await sb.prov(['help', 'frobnicate'])
    assert.equal(bad.exitCode, 2)
    assert.equal(bad.stdout, '')
    assert.match(bad.stderr, /'frobnicate'/)
  })
})

describe('global: errors, colour and stack traces', { concurrency: true }, () => {
  // Commands that fail or warn, each with the word its message must hold.
  const failing: Array<{ args: string[]; input?: string; code: number; names: RegExp }> = [
    { args: ['hash-inputs', 'missing-file.txt'], code: 2, names: /missing-file\.txt/ },
    { args: ['read-params', '-p', 'novalue'], code: 2, names: /novalue/ },
    { args: ['read-params', '--params-file', 'nope.yaml'], code: 2, names: /nope\.yaml/ },
    { args: ['diff-runs', 'abc', '@'], code: 2, names: /'abc'/ },
    { args: ['diff-runs', '@', '@~1'], code: 2, names: /no runs/ },
    { args: ['write-run', '--', 'x'], input: '{"git": null}\n{"env": ', code: 2, names: /line 2, column 1/ },
    { args: ['write-run', '--', 'x'], input: '{"git": null}', code: 2, names: /'env'/ },
    { args: ['exec', '--', 'no-such-command-xyz'], code: 127, names: /no-such-command-xyz/ },
    { args: ['exec'], code: 125, names: /no command/ },
    { args: ['show', 'ffff'], code: 2, names: /ffff/ },
    { args: ['log', '--bogus'], code: 2, names: /--bogus/ },
    { args: ['frobnicate'], code: 2, names: /frobnicate/ },
  ]

  async function runAll(env: Record<string, string | undefined>): Promise<Array<{ args: string[]; code: number; names: RegExp; r: Awaited<ReturnType<Sandbox['prov']>> }>> {
    return Promise.all(failing.map(async (f) => ({ ...f, r: await sb.prov(f.args, { input: f.input ?? '', env }) })))
  }

  test('errors name what is wrong, with no escape codes off a terminal (NO_COLOR unset)', async () => {
    for (const env of [{ NO_COLOR: undefined, TERM: 'xterm-256color' }]) {
      for (const { args, code, names, r } of await runAll(env)) {
        const what = `${args.join(' ')} with ${JSON.stringify(env)}`
        assert.equal(r.exitCode, code, `${what}: ${r.stderr}`)
        assert.match(r.stderr, names, what)
        assert.ok(!r.stderr.includes(ESC), `no escape codes in stderr: ${what}: ${JSON.stringify(r.stderr)}`)
        assert.ok(!r.stdout.includes(ESC), `no escape codes in stdout: ${what}`)
        assert.doesNotMatch(r.stderr, STACK, `no stack trace: ${what}`)
        assert.doesNotMatch(r.stderr, /Error:|TypeError|at async/, `no raw exception: ${what}`)
      }
    }
  })

  test('a warning has no escape codes either', async () => {
    const outside = path.join(sb.home, 'outside.txt')
    writeFileSync(outside, 'o')
    const r = await sb.prov(['hash-inputs', outside], { env: { NO_COLOR: undefined } })
    assert.equal(r.exitCode, 0)
    assert.match(r.stderr, /warning/)
    assert.ok(!r.stderr.includes(ESC))
  })

  test('FORCE_COLOR colours the error messages (so the check above can fail); NO_COLOR wins over it', async () => {
    const [forced, both] = await Promise.all([
      sb.prov(['hash-inputs', 'missing-file.txt'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }),
      sb.prov(['hash-inputs', 'missing-file.txt'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }),
    ])
    assert.equal(forced.exitCode, 2)
    assert.ok(forced.stderr.includes(ESC), JSON.stringify(forced.stderr))
    assert.equal(forced.stdout, '')
    assert.equal(both.exitCode, 2)
    assert.ok(!both.stderr.includes(ESC), JSON.stringify(both.stderr))
  })

  test('PROV_DEBUG=1 adds the stack trace (so the check above can fail)', async () => {
    const r = await sb.prov(['hash-inputs', 'missing-file.txt'], { env: { PROV_DEBUG: '1' } })
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /missing-file\.txt/)
    assert.match(r.stderr, STACK)
  })
})

/**
 * A shell script run as a user types it, `"$NODE" "$PROV"` standing for prov, with `args` as $1...
 * and `extra` added to the environment; never rejects.
 */
function shell(script: string, args: readonly string[] = [], extra: Record<string, string> = {}) {
  return execa('sh', ['-c', script, 'sh', ...args], {
    cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN, ...extra }, extendEnv: false, reject: false,
  })
}

describe('global: a current directory deleted under the shell', { concurrency: true }, () => {
  // The shell stands in a directory removed since (rm -rf from another terminal): every command
  // needs it, and says so as git does, not as an internal error; --version needs none.
  const cases: Array<[string[], number, string]> = [
    [['record', '--', 'true'], 125, 'prov: cannot read the current directory: it was deleted (the command was not run)\nhint: cd to a directory that exists\n'],
    [['log'], 2, 'prov: cannot read the current directory: it was deleted\nhint: cd to a directory that exists\n'],
    [['git-state'], 2, 'prov: cannot read the current directory: it was deleted\nhint: cd to a directory that exists\n'],
    [['hash-inputs', '/etc/hostname'], 2, 'prov: cannot read the current directory: it was deleted\nhint: cd to a directory that exists\n'],
  ]
  for (const [args, code, stderr] of cases) {
    test(`prov ${args.join(' ')}: exit ${code}, said`, async () => {
      const sb = await makeRepo()
      try {
        const r = await execa('sh', ['-c', 'mkdir gone && cd gone && rmdir ../gone && exec "$NODE" "$PROV" "$@"', 'sh', ...args], {
          cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN }, extendEnv: false, reject: false, stripFinalNewline: false,
        })
        assert.equal(r.exitCode, code, r.stderr)
        assert.equal(r.stderr, stderr)
        assert.equal(r.stdout, '')
        assert.equal(existsSync(path.join(sb.dir, '.prov')), false, 'nothing written')
      } finally { sb.cleanup() }
    })
  }
  test('prov --version needs no current directory', async () => {
    const r = await execa('sh', ['-c', 'd=$(mktemp -d) && cd "$d" && rmdir "$d" && exec "$NODE" "$PROV" --version'], { env: { PATH: process.env.PATH, NODE: process.execPath, PROV: BIN }, extendEnv: false, reject: false })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /^prov \d/)
  })
})

describe('global: a stdout closed early', { concurrency: true }, () => {
  test('prov hash-inputs <many files> | head -c 10 ends quietly with 141, as SIGPIPE ends git', async () => {
    const many = path.join(sb.dir, 'many')
    mkdirSync(many)
    for (let i = 0; i < 3000; i++) writeFileSync(path.join(many, `file-${String(i).padStart(5, '0')}-${'x'.repeat(60)}.txt`), String(i))
    // prov's own status is kept in a file: a pipe would hide it
    const script = '{ "$NODE" "$PROV" hash-inputs --pretty many; echo $? > "$STATUS"; } | head -c 10'
    const status = path.join(sb.home, 'status')
    const r = await shell(script, [], { STATUS: status })
    assert.equal(r.exitCode, 0)
    assert.equal(String(r.stdout), '{\n  "input')
    assert.equal(String(r.stderr), '', 'no EPIPE message')
    assert.equal(readFileSync(status, 'utf8').trim(), '141')
  })

  test('prov snapshot-env | head -c 1 ends quietly (0 when all of it fit in the pipe before head left, else 141)', async () => {
    const status = path.join(sb.home, 'status-help')
    const r = await shell('{ "$NODE" "$PROV" snapshot-env --no-tools --pretty; echo $? > "$STATUS"; } | head -c 1', [], { STATUS: status })
    assert.equal(r.exitCode, 0)
    assert.equal(String(r.stdout), '{')
    assert.equal(String(r.stderr), '')
    assert.ok(['0', '141'].includes(readFileSync(status, 'utf8').trim()))
  })

  test('a reader gone before exec or diff-runs print: 141, not 0, which would hide a failure or a difference', async () => {
    const status = path.join(sb.home, 'status-exec')
    const script = '{ "$NODE" "$PROV" exec -- sh -c "sleep 0.5; exit 3"; echo $? > "$STATUS"; } | true'
    const r = await shell(script, [], { STATUS: status })
    assert.equal(r.exitCode, 0)
    assert.equal(String(r.stderr), '')
    assert.equal(readFileSync(status, 'utf8').trim(), '141')
  })

  test('stdout on a full disk (/dev/full): exit 2 and a message naming stdout, no stack trace', { skip: !existsSync('/dev/full') }, async () => {
    for (const args of [['snapshot-env', '--no-tools'], ['--version'], ['hash-inputs', '--help']]) {
      const r = await shell('"$NODE" "$PROV" "$@" > /dev/full', [...args])
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr, 'prov: cannot write to standard output: no space left on device', args.join(' '))
    }
    // exec's own failures are 125, as env(1)'s: 2 would pass for the command's status.
    const exec = await shell('"$NODE" "$PROV" exec -- true > /dev/full')
    assert.equal(exec.exitCode, 125, exec.stderr)
    assert.equal(exec.stderr, 'prov: cannot write to standard output: no space left on device')
    // stderr on a full disk: nobody to tell, but the status is still the right one, not a crash's 1.
    for (const [args, code] of [[['hash-inputs', 'nope'], 2], [['record', '--', 'sh', '-c', 'exit 3'], 3], [['diff-runs', 'nonexist', '@'], 2]] as const) {
      const r = await shell('"$NODE" "$PROV" "$@" 2> /dev/full', [...args])
      assert.equal(r.exitCode, code, `${args.join(' ')} 2>/dev/full`)
    }
  })
})

describe('global: a slow reader', () => {
  test('prov ends at once when done, yet a reader that waits still gets all it printed', async () => {
    // CMD's output passes through prov (--capture) in chunks faster than the reader takes them:
    // most is still held in prov when the command is done, and must not be lost as prov ends.
    const status = path.join(sb.home, 'status-slow')
    const script = '{ "$NODE" "$PROV" record -q --capture -- head -c 300000 /dev/zero; echo $? > "$STATUS"; } | { sleep 1; wc -c; }'
    const r = await shell(script, [], { STATUS: status })
    assert.equal(r.exitCode, 0)
    assert.equal(String(r.stderr), '')
    assert.equal(String(r.stdout).trim(), '300000')
    assert.equal(readFileSync(status, 'utf8').trim(), '0')
  })
})

describe('global: the compiled-code cache', () => {
  test('the first run of a command stores its compiled code (0600, in a 0700 directory); later runs use it and print the same', async () => {
    const cacheHome = path.join(sb.home, 'xdg-cache')
    const env = { XDG_CACHE_HOME: cacheHome }
    const dir = path.join(cacheHome, 'prov', 'v8')
    const first = await sb.prov(['hash-inputs', 'README'], { env })
    assert.equal(first.exitCode, 0, first.stderr)
    const entries = readdirSync(dir)
    assert.equal(entries.length, 1, entries.join(' '))
    assert.match(entries[0]!, /^hash-inputs-v\d+\.\d+\.\d+-/)
    const file = path.join(dir, entries[0]!)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    const size = statSync(file).size
    assert.ok(size > 10_000, `${size} bytes of code`)
    const mtime = statSync(file).mtimeMs
    const second = await sb.prov(['hash-inputs', 'README'], { env })
    assert.deepEqual(second, first)
    assert.equal(statSync(file).mtimeMs, mtime, 'a cache that V8 took is not written again')

    // An entry V8 refuses (here: garbage) is replaced, and the command runs as ever.
    writeFileSync(file, 'not compiled code')
    const third = await sb.prov(['hash-inputs', 'README'], { env })
    assert.deepEqual(third, first)
    assert.ok(statSync(file).size > 10_000, 'rewritten with compiled code')

    // A cache directory that cannot be written does not matter.
    const blocked = path.join(sb.home, 'blocked')
    writeFileSync(blocked, 'a file, not a directory')
    const fourth = await sb.prov(['hash-inputs', 'README'], { env: { XDG_CACHE_HOME: blocked } })
    assert.deepEqual(fourth, first)
  })

  test('NODE_DISABLE_COMPILE_CACHE=1 writes none', async () => {
    const cacheHome = path.join(sb.home, 'xdg-cache-off')
    const r = await sb.prov(['--version'], { env: { XDG_CACHE_HOME: cacheHome, NODE_DISABLE_COMPILE_CACHE: '1' } })
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, `prov ${VERSION}\n`)
    assert.equal(existsSync(cacheHome), false)
  })
})

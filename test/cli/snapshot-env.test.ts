// Black-box tests of `prov snapshot-env`.
import { test, describe, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { BIN, linkTools, makeRepo, makePlainDir, parseValid, type Sandbox, toolsDir } from '../helpers/prov.js'
import { TOOL_CACHE_MAX } from '../../src/io/env.js'

const sandboxes: Sandbox[] = []
after(() => { for (const s of sandboxes) s.cleanup() })
async function repo(): Promise<Sandbox> {
  const sb = await makeRepo()
  sandboxes.push(sb)
  return sb
}

const FINGERPRINT = /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/
const TOKEN = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'

async function snapshot(sb: Sandbox, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<any> {
  const r = await sb.prov(['snapshot-env', ...args], { env })
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`)
  assert.equal(r.exitCode, 0)
  return parseValid('env', r.stdout).env
}

/** Every file under a directory, as text. */
function allText(dir: string): string {
  let out = ''
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out += readFileSync(path.join(e.parentPath ?? (e as any).path, e.name), 'latin1')
  }
  return out
}

describe('snapshot-env', { concurrency: true }, () => {
  let sb: Sandbox
  before(async () => {
    sb = await repo()
    // Probe the tools once: their versions are cached in the store, so the tests below do not
    // all probe at once (on a loaded machine a slow probe can time out, and the tool is then missing).
    // With a secret, so that the store has its key before the tests below run at once: env.key_id
    // is there from the first of them on, not from whenever one of them fingerprints a secret.
    const warm = await sb.prov(['snapshot-env'], { env: { GITHUB_TOKEN: TOKEN } })
    assert.equal(warm.exitCode, 0, warm.stderr)
  })

  // Thread pools size themselves by the CPUs a process may use (nproc, OpenMP, PyTorch): a run
  // pinned to fewer CPUs than the machine has must say so, and diff must show it.
  const pinned = { skip: os.cpus().length < 2 || os.availableParallelism() < 2 ? 'needs two CPUs this process may use' : false }
  test('hardware.available_cpus is there only when the process may use fewer CPUs than the machine has (taskset)', pinned, async () => {
    const all = await snapshot(sb)
    assert.equal(all.hardware.available_cpus, undefined)
    const r = await execa('taskset', ['-c', '0', process.execPath, BIN, 'snapshot-env'], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false, stripFinalNewline: false })
    assert.equal(r.exitCode, 0, r.stderr)
    const one = parseValid('env', r.stdout).env
    assert.equal(one.hardware.available_cpus, 1)
    assert.equal(one.hardware.cpus, all.hardware.cpus)
  })

  test('diff reports a run pinned to one CPU against one that had them all', pinned, async () => {
    const s = await repo()
    assert.equal((await s.prov(['record', '-q', '--', 'true'])).exitCode, 0)
    const r = await execa('taskset', ['-c', '0', process.execPath, BIN, 'record', '-q', '--', 'true'], { cwd: s.dir, env: s.env, extendEnv: false, reject: false })
    assert.equal(r.exitCode, 0, r.stderr)
    const d = await s.prov(['diff', '--json'])
    assert.equal(d.exitCode, 1, d.stderr)
    const env = parseValid('diff', d.stdout).diff.env
    assert.deepEqual(env.filter((c: any) => !c.noise), [{ op: 'added', key: 'hardware.available_cpus', to: 1 }])
  })

  test('the document is schema-valid and holds os, runtime, hardware, tools, locale, timezone, vars', async () => {
    const env = await snapshot(sb)
    assert.equal(env.os.platform, process.platform)
    assert.equal(env.os.arch, process.arch)
    assert.equal(typeof env.os.release, 'string')
    assert.equal(env.runtime.node, process.version)
    assert.equal(typeof env.hardware.cpus, 'number')
    assert.ok(env.hardware.cpus >= 1)
    assert.ok(env.hardware.memory_bytes > 0)
    assert.equal(typeof env.tools, 'object')
    assert.match(env.tools.git, /^git version \d+\.\d+/, 'git is on PATH, so its version is there')
    assert.match(env.tools.make, /GNU Make \d+\.\d+/)
    assert.equal(env.locale.LANG, 'C')
    assert.equal(env.locale.LC_ALL, 'C')
    assert.equal(env.timezone, 'UTC')
    assert.equal(env.vars.HOME, sb.home)
    assert.equal(env.vars.TZ, 'UTC')
  })

  test('deterministic: two calls print identical stdout', async () => {
    // Tools that answer at once: a slow one (pip3 takes seconds) can pass its probe's timeout on a
    // loaded machine, and a tool left out once is asked again the next time.
    const env = { PATH: toolsDir(['git', 'sh', 'make', 'jq']) }
    const a = await sb.prov(['snapshot-env'], { env })
    const b = await sb.prov(['snapshot-env'], { env })
    assert.equal(a.exitCode, 0)
    assert.equal(b.exitCode, 0)
    assert.equal(a.stdout, b.stdout)
    parseValid('env', a.stdout)
  })

  test('--no-tools gives an empty tools object', async () => {
    const env = await snapshot(sb, ['--no-tools'])
    assert.deepEqual(env.tools, {})
  })

  test('a secret variable is never printed raw; it appears as a fingerprint', async () => {
    const secrets = { GITHUB_TOKEN: TOKEN, INNOCENT_NAME: `prefix ${TOKEN} suffix`, DB_PASSWORD: 'hunter2-hunter2' }
    const env = await snapshot(sb, ['--no-tools'], secrets)
    const r = await sb.prov(['snapshot-env', '--no-tools'], { env: secrets })
    assert.ok(!r.stdout.includes(TOKEN), 'the token is not in stdout')
    assert.ok(!r.stdout.includes('hunter2'), 'the password is not in stdout')
    assert.ok(!r.stderr.includes(TOKEN))
    assert.match(env.vars.GITHUB_TOKEN, FINGERPRINT)
    assert.match(env.vars.DB_PASSWORD, FINGERPRINT)
    // a credential-shaped value under an innocent name is scrubbed in place
    assert.match(env.vars.INNOCENT_NAME, /^prefix \[redacted hmac-sha256:[0-9a-f]{32}\] suffix$/)
    // the same value, the same fingerprint (so a diff can tell it did not change)
    assert.equal(JSON.parse(r.stdout).env.vars.GITHUB_TOKEN, env.vars.GITHUB_TOKEN)
    // and nowhere in the store
    assert.ok(!allText(path.join(sb.dir, '.prov')).includes(TOKEN), 'the token is not written into the store')
    const key = statSync(path.join(sb.dir, '.prov', 'secret.key'))
    assert.equal(key.mode & 0o777, 0o600)
  })

  test('the fingerprint is keyed: another store gives another fingerprint for the same value', async () => {
    const other = await repo()
    const a = await snapshot(sb, ['--no-tools'], { GITHUB_TOKEN: TOKEN })
    const b = await snapshot(other, ['--no-tools'], { GITHUB_TOKEN: TOKEN })
    assert.match(a.vars.GITHUB_TOKEN, FINGERPRINT)
    assert.match(b.vars.GITHUB_TOKEN, FINGERPRINT)
    assert.notEqual(a.vars.GITHUB_TOKEN, b.vars.GITHUB_TOKEN)
  })

  test('--drop-var leaves variables out (globs, repeatable)', async () => {
    const env = await snapshot(sb, ['--no-tools', '--drop-var', 'DROP_*', '--drop-var', 'ALSO_GONE'], { DROP_ONE: '1', DROP_TWO: '2', ALSO_GONE: '3', KEEP_ME: '4' })
    assert.ok(!('DROP_ONE' in env.vars))
    assert.ok(!('DROP_TWO' in env.vars))
    assert.ok(!('ALSO_GONE' in env.vars))
    assert.equal(env.vars.KEEP_ME, '4')
  })

  test('--keep-var keeps a variable whose name looks secret; its value is still scanned', async () => {
    const vars = { MY_SESSION_LABEL: 'morning-session', SESSION_WITH_TOKEN: TOKEN }
    const without = await snapshot(sb, ['--no-tools'], vars)
    assert.match(without.vars.MY_SESSION_LABEL, FINGERPRINT)
    const kept = await snapshot(sb, ['--no-tools', '--keep-var', 'MY_SESSION_LABEL', '--keep-var', 'SESSION_WITH_*'], vars)
    assert.equal(kept.vars.MY_SESSION_LABEL, 'morning-session')
    assert.match(kept.vars.SESSION_WITH_TOKEN, FINGERPRINT, 'a credential-shaped value is scrubbed even when kept')
  })

  test('--redact-var fingerprints a variable whose name looks harmless', async () => {
    const env = await snapshot(sb, ['--no-tools', '--redact-var', 'PLAIN_*'], { PLAIN_VALUE: 'visible', OTHER: 'visible' })
    assert.match(env.vars.PLAIN_VALUE, FINGERPRINT)
    assert.equal(env.vars.OTHER, 'visible')
  })

  test('.prov/config.json: env.drop and secrets.names', async () => {
    const s = await repo()
    s.write('.prov/config.json', JSON.stringify({ env: { drop: ['NOISY_*'] }, secrets: { names: ['CORP_*'] } }))
    const env = await snapshot(s, ['--no-tools'], { NOISY_COUNTER: '17', CORP_THING: 'classified', NORMAL: 'n' })
    assert.ok(!('NOISY_COUNTER' in env.vars))
    assert.match(env.vars.CORP_THING, FINGERPRINT)
    assert.equal(env.vars.NORMAL, 'n')
  })

  test('a bad .prov/config.json is exit 2 naming the file', async () => {
    const s = await repo()
    const file = s.write('.prov/config.json', '{"env": {"drop": [')
    const r = await s.prov(['snapshot-env', '--no-tools'])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.ok(r.stderr.includes(file), r.stderr)
    assert.doesNotMatch(r.stderr, /^\s+at /m)
    s.write('.prov/config.json', '{"env": {"drop": "NOT_A_LIST"}}')
    const r2 = await s.prov(['snapshot-env', '--no-tools'])
    assert.equal(r2.exitCode, 2)
    assert.equal(r2.stdout, '')
    assert.match(r2.stderr, /env\/drop/)
  })

  test('a .prov/config.json key prov does not know is exit 2, not a policy silently left out', async () => {
    const s = await repo()
    // A misspelt key, a list where a section goes, a section prov has no such key in, an unknown section:
    // each would leave CORP_SECRET in clear with exit 0.
    for (const config of [{ secrets: { name: ['CORP_*'] } }, { secrets: ['CORP_*'] }, { env: { redact: ['CORP_*'] } }, { secret: { names: ['CORP_*'] } }]) {
      s.write('.prov/config.json', JSON.stringify(config))
      const r = await s.prov(['snapshot-env', '--no-tools'], { env: { CORP_SECRET: 'classified-value' } })
      assert.equal(r.exitCode, 2, `${JSON.stringify(config)}: ${r.stdout}`)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /^prov: config \/secrets?(\/name)? (must be an object|is not a setting prov knows)$|^prov: config \/env\/redact is not a setting prov knows$/m, r.stderr)
      assert.ok(!r.stderr.includes('classified-value'))
    }
    // The key is named with what a terminal acts on escaped (a config.json committed to a repository reaches every clone).
    for (const config of [{ 'x\u001b[2J\ny': 1 }, { secrets: { 'n\u001b]0;t\u0007': [] } }]) {
      s.write('.prov/config.json', JSON.stringify(config))
      const r = await s.prov(['snapshot-env', '--no-tools'])
      assert.equal(r.exitCode, 2, r.stderr)
      assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(r.stderr), JSON.stringify(r.stderr))
      assert.match(r.stderr, /^prov: config \/(x\\u001b\[2J\\u000ay|secrets\/n\\u001b\]0;t\\u0007) is not a setting prov knows$/m, r.stderr)
    }
    // So is a secrets.values pattern that is no regular expression, and the text JSON.parse quotes
    // from a config.json that is not JSON: both were printed raw.
    for (const [text, said] of [
      [JSON.stringify({ secrets: { values: ['\u001b[2J('] } }), /^prov: config \/secrets\/values: invalid regular expression '\\u001b\[2J\('$/m],
      ['{"secrets": \u001b[2J}', /is not a valid config: .*\\u001b\[2J/],
    ] as const) {
      s.write('.prov/config.json', text)
      const r = await s.prov(['snapshot-env', '--no-tools'])
      assert.equal(r.exitCode, 2, r.stderr)
      assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(r.stderr), JSON.stringify(r.stderr))
      assert.match(r.stderr, said, r.stderr)
    }
    s.write('.prov/config.json', JSON.stringify({ secrets: { names: ['CORP_*'], allow: [], values: [] }, env: { drop: [] } }))
    const env = await snapshot(s, ['--no-tools'], { CORP_SECRET: 'classified-value' })
    assert.match(env.vars.CORP_SECRET, FINGERPRINT)
  })

  test('outside a git repository it works the same', async () => {
    const s = await makePlainDir()
    sandboxes.push(s)
    const env = await snapshot(s, ['--no-tools'])
    assert.equal(env.runtime.node, process.version)
  })

  test('`prov snapshot-env | jq -e .env.os` works (real jq)', async () => {
    const r = await execa('sh', ['-c', '"$NODE" "$PROV" snapshot-env | jq -e .env.os'], {
      cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN }, extendEnv: false, reject: false,
    })
    assert.equal(r.exitCode, 0, String(r.stderr))
    assert.equal(String(r.stderr), '')
    const os = JSON.parse(String(r.stdout))
    assert.equal(os.platform, process.platform)
    assert.equal(os.arch, process.arch)
  })
})

describe('snapshot-env: tool versions, remembered per user', () => {
  test('a tool added to, changed in or removed from a PATH directory is seen at once, though lookups and versions are cached', async () => {
    const s = await makePlainDir()
    sandboxes.push(s)
    const bin = path.join(s.dir, 'bin')
    mkdirSync(bin)
    const old = new Date('2001-02-03T04:05:06Z')
    const env = { PATH: bin }
    const tools = async (): Promise<Record<string, string>> => (await snapshot(s, [], env)).tools
    const cacheFile = path.join(s.home, '.cache', 'prov', 'tools.json')

    utimesSync(bin, old, old) // old enough that the lookup is remembered
    assert.deepEqual(await tools(), {})
    assert.ok(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8'))).some((k) => k.startsWith('which\0')), 'the lookup is cached')

    // Added: the directory's time changes, so the cached lookup no longer applies.
    const dvc = path.join(bin, 'dvc')
    writeFileSync(dvc, '#!/bin/sh\necho "3.1.0"\n', { mode: 0o755 })
    assert.deepEqual(await tools(), { dvc: '3.1.0' })
    utimesSync(bin, old, old)
    assert.deepEqual(await tools(), { dvc: '3.1.0' }, 'from the cache')

    // Changed in place (the directory's time kept): the tool's own size and time give it away.
    writeFileSync(dvc, '#!/bin/sh\necho "3.2.10"\n')
    utimesSync(bin, old, old)
    assert.deepEqual(await tools(), { dvc: '3.2.10' })

    // Removed.
    rmSync(dvc)
    assert.deepEqual(await tools(), {})
  })

  /**
   * A PATH directory (old enough that its lookup is cached) holding one tool, dvc, a `#!` script
   * (as a version manager's shim is, whose answer depends on the context) that logs each probe.
   */
  async function shimOnPath() {
    const s = await makePlainDir()
    sandboxes.push(s)
    const bin = path.join(s.dir, 'bin')
    mkdirSync(bin)
    const probes = path.join(s.dir, 'probes.log')
    writeFileSync(path.join(bin, 'dvc'), `#!/bin/sh\necho probed >> '${probes}'\necho "3.1.0"\n`, { mode: 0o755 })
    const old = new Date('2001-02-03T04:05:06Z')
    utimesSync(bin, old, old)
    const cacheFile = path.join(s.home, '.cache', 'prov', 'tools.json')
    const probed = (): number => readFileSync(probes, 'utf8').split('\n').filter(Boolean).length
    return { s, bin, cacheFile, probed }
  }

  test('the tools cache stays bounded, least recently used out first: entries in use are never dropped, nor asked again', async () => {
    const { s, bin, cacheFile, probed } = await shimOnPath()
    const read = (): Record<string, string> => JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string>
    const tools = async (): Promise<Record<string, string>> => (await snapshot(s, [], { PATH: bin })).tools
    // What other directories leave: entries made after this one's.
    let made = 0
    const others = (n: number): void => {
      const cache = read()
      for (let i = 0; i < n; i++, made++) cache[`/elsewhere/bin/tool\0${made}\0--version\0/tmp/project-${made}`] = `tool ${made}`
      writeFileSync(cacheFile, JSON.stringify(cache))
    }

    assert.deepEqual(await tools(), { dvc: '3.1.0' })
    const mine = Object.keys(read())
    assert.equal(mine.length, 3, `the lookup, dvc is a script, its version: ${JSON.stringify(mine)}`)
    assert.equal(probed(), 1)

    // Fallen into the older half (200 made since), they move to the end; nothing is dropped yet.
    others(200)
    assert.deepEqual(await tools(), { dvc: '3.1.0' })
    let keys = Object.keys(read())
    assert.equal(keys.length, 203)
    assert.deepEqual(keys.slice(-3).sort(), [...mine].sort())

    // Over the bound: the oldest go, what this run used stays, and nothing is asked again.
    others(300)
    assert.deepEqual(await tools(), { dvc: '3.1.0' })
    keys = Object.keys(read())
    assert.equal(keys.length, TOOL_CACHE_MAX)
    for (const k of mine) assert.ok(keys.includes(k), `kept what this run used: ${JSON.stringify(k)}`)
    assert.ok(!keys.includes('/elsewhere/bin/tool\u00000\0--version\0/tmp/project-0'), 'the oldest went')
    assert.ok(keys.includes(`/elsewhere/bin/tool\0${made - 1}\0--version\0/tmp/project-${made - 1}`), 'the newest stayed')
    assert.equal(probed(), 1, 'dvc was asked once in all')

    // Used again while recent: the file is left as it is (a run that only reads does not write).
    const before = readFileSync(cacheFile, 'utf8')
    assert.deepEqual(await tools(), { dvc: '3.1.0' })
    assert.equal(readFileSync(cacheFile, 'utf8'), before)

    // A cache file that is not an object (null, a list) is no cache: made again, no crash.
    for (const bad of ['null', '[1]', '"x"']) {
      writeFileSync(cacheFile, bad)
      assert.deepEqual(await tools(), { dvc: '3.1.0' })
      assert.equal(typeof read(), 'object')
    }
  })

  test("the tools cache holds no value of the environment: a secret in a version manager's variable is not written there, and an old entry holding one is dropped", async () => {
    const { s, bin, cacheFile, probed } = await shimOnPath()
    mkdirSync(path.dirname(cacheFile), { recursive: true })
    // As an earlier version kept a shim's answer: the context, values and all, in the key.
    writeFileSync(cacheFile, JSON.stringify({ '/old/bin/dvc\u00001\u00002\u00003\u00004\u0000--version\u0000/tmp/p\u0000CONDA_TOKEN=OldSecretValue1\u0000PATH=/old/bin': '3.0.0' }))
    const env = { PATH: bin, CONDA_TOKEN: 'CondaSecretValue2', NVM_AUTH_HEADER: 'Bearer NvmSecretValue3', PYENV_TOKEN: 'PyenvSecretValue4' }
    assert.deepEqual((await snapshot(s, [], env)).tools, { dvc: '3.1.0' })
    const text = readFileSync(cacheFile, 'utf8')
    for (const v of ['OldSecretValue1', 'CondaSecretValue2', 'NvmSecretValue3', 'PyenvSecretValue4', '/old/bin']) assert.ok(!text.includes(v), `${v} in ${text}`)
    // The context still tells one answer from another: the same, from the cache; another value, asked again.
    assert.deepEqual((await snapshot(s, [], env)).tools, { dvc: '3.1.0' })
    assert.equal(probed(), 1)
    assert.deepEqual((await snapshot(s, [], { ...env, CONDA_TOKEN: 'Other' })).tools, { dvc: '3.1.0' })
    assert.equal(probed(), 2)
    assert.ok(!readFileSync(cacheFile, 'utf8').includes('Other'))
  })

  test('a HOME that does not exist is not made: the caches go to the store (tools) or nowhere (compiled code)', async () => {
    const s = await makePlainDir()
    sandboxes.push(s)
    const home = path.join(s.home, 'no', 'such', 'home')
    const bin = path.join(s.dir, 'empty-bin') // no tools: some (rustup's cargo) make files in HOME themselves
    mkdirSync(bin)
    utimesSync(bin, new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z')) // old enough that its lookup is cached
    const env = await snapshot(s, [], { HOME: home, PATH: bin, XDG_CACHE_HOME: undefined, NODE_DISABLE_COMPILE_CACHE: undefined })
    assert.equal(env.vars.HOME, home)
    assert.equal(existsSync(path.join(s.home, 'no')), false, 'nothing made under the missing HOME')
    assert.ok(existsSync(path.join(s.dir, '.prov', 'cache', 'tools.json')), 'the tools cache is in the store')
    assert.match(readFileSync(path.join(s.dir, '.prov', '.gitignore'), 'utf8'), /^cache\/$/m, 'a store it makes is made as record makes it')
    // A HOME under a file (ENOTDIR, not ENOENT) is no home either, and no crash.
    const underFile = path.join(s.dir, '.prov', 'cache', 'tools.json', 'home')
    const v = await s.prov(['--version'], { env: { HOME: underFile, XDG_CACHE_HOME: undefined, NODE_DISABLE_COMPILE_CACHE: undefined } })
    assert.equal(v.exitCode, 0, v.stderr)
    assert.equal(v.stderr, '')
    await snapshot(s, [], { HOME: underFile, PATH: bin, XDG_CACHE_HOME: undefined })
  })

  test('a tool made executable in place (chmod +x, the directory untouched) is seen at once, and one made not executable is left out', async () => {
    const s = await makePlainDir()
    sandboxes.push(s)
    const bin = path.join(s.dir, 'bin')
    mkdirSync(bin)
    const old = new Date('2001-02-03T04:05:06Z')
    const tools = async (): Promise<Record<string, string>> => (await snapshot(s, [], { PATH: bin })).tools
    const dvc = path.join(bin, 'dvc')
    writeFileSync(dvc, '#!/bin/sh\necho "3.1.0"\n', { mode: 0o644 })
    // The lookup is remembered only for files (and directories) older than it, by a second.
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100))
    utimesSync(bin, old, old)
    await settle()
    assert.deepEqual(await tools(), {}, 'not executable: passed over')
    assert.deepEqual(await tools(), {}, 'again, from the cache')
    chmodSync(dvc, 0o755)
    utimesSync(bin, old, old)
    assert.deepEqual(await tools(), { dvc: '3.1.0' }, 'chmod +x is seen')
    await settle()
    assert.deepEqual(await tools(), { dvc: '3.1.0' })
    chmodSync(dvc, 0o644)
    utimesSync(bin, old, old)
    assert.deepEqual(await tools(), {}, 'chmod -x is seen')
  })

  /**
   * A PATH directory, old enough that its lookup is cached, and a log of the probes its tools
   * write. A tool with no `#!` line is a binary to prov (as rustup and go are), and run by sh all
   * the same (execvp does so with a file the kernel refuses to run).
   */
  async function toolsOnPath(tools: Record<string, string>) {
    const s = await makePlainDir()
    sandboxes.push(s)
    const bin = path.join(s.dir, 'bin')
    mkdirSync(bin)
    const probes = path.join(s.dir, 'probes.log')
    writeFileSync(probes, '')
    for (const [name, body] of Object.entries(tools)) writeFileSync(path.join(bin, name), body.replaceAll('$LOG', `'${probes}'`), { mode: 0o755 })
    const old = new Date('2001-02-03T04:05:06Z')
    utimesSync(bin, old, old)
    const probed = (): number => readFileSync(probes, 'utf8').split('\n').filter(Boolean).length
    // What the tools run (none of them a tool whose version is recorded), after them on PATH.
    const utils = linkTools(path.join(s.home, 'utils'), ['sed', 'cat', 'printenv'])
    const tools_ = async (env: Record<string, string | undefined> = {}): Promise<Record<string, string>> =>
      (await snapshot(s, [], { ...env, PATH: `${env.PATH ?? bin}:${utils}` })).tools
    return { s, bin, probed, tools: tools_ }
  }

  test('a rustup proxy (cargo, the rustup binary by another name) is asked every time: RUSTUP_TOOLCHAIN, rust-toolchain.toml and an update in place are seen', async () => {
    // As rustup does: the toolchain from RUSTUP_TOOLCHAIN, else rust-toolchain.toml here, else the default, whose version a file holds.
    const rustup = 'echo probed >> $LOG\n'
      + 'tc=${RUSTUP_TOOLCHAIN:-$(sed -n \'s/^channel = "\\(.*\\)"$/\\1/p\' rust-toolchain.toml 2>/dev/null)}\n'
      + 'echo "cargo $(cat "$HOME/stable-version") (${tc:-stable})"\n'
    const { s, bin, probed, tools } = await toolsOnPath({ rustup })
    linkSync(path.join(bin, 'rustup'), path.join(bin, 'cargo')) // a hard link, as rustup-init makes them
    utimesSync(bin, new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'))
    writeFileSync(path.join(s.home, 'stable-version'), '1.95.0')
    assert.equal((await tools()).cargo, 'cargo 1.95.0 (stable)')
    assert.equal((await tools({ RUSTUP_TOOLCHAIN: 'nightly' })).cargo, 'cargo 1.95.0 (nightly)')
    assert.equal((await tools()).cargo, 'cargo 1.95.0 (stable)')
    s.write('rust-toolchain.toml', '[toolchain]\nchannel = "beta"\n')
    assert.equal((await tools()).cargo, 'cargo 1.95.0 (beta)')
    rmSync(path.join(s.dir, 'rust-toolchain.toml'))
    // `rustup update`: the toolchain is replaced, the proxy is not.
    writeFileSync(path.join(s.home, 'stable-version'), '1.96.0')
    assert.equal((await tools()).cargo, 'cargo 1.96.0 (stable)')
    assert.equal(probed(), 5, 'asked every time')

    // A symbolic link to rustup elsewhere is a proxy too.
    const links = path.join(s.dir, 'links')
    mkdirSync(links)
    symlinkSync(path.join(bin, 'rustup'), path.join(links, 'cargo'))
    assert.equal((await tools({ PATH: links })).cargo, 'cargo 1.96.0 (stable)')
    assert.equal((await tools({ PATH: links, RUSTUP_TOOLCHAIN: 'nightly' })).cargo, 'cargo 1.96.0 (nightly)')
  })

  test('a tool that cargo install put beside rustup (not rustup by another name) is cached as any program is', async () => {
    const { s, probed, tools } = await toolsOnPath({ rustup: 'echo rustup\n', uv: 'echo probed >> $LOG\necho "uv $(cat "$HOME/uv-version")"\n' })
    writeFileSync(path.join(s.home, 'uv-version'), '0.5.1')
    const env = { CARGO_HOME: s.dir } // its bin directory is the one on PATH
    assert.equal((await tools(env)).uv, 'uv 0.5.1')
    writeFileSync(path.join(s.home, 'uv-version'), '0.9.9') // no change of the program itself: the cached answer stands
    assert.equal((await tools(env)).uv, 'uv 0.5.1')
    assert.equal(probed(), 1)
  })

  test('a wrapper script is asked again when a variable it names changes (exec .../${PYVER:-3.12.1}/bin/python3), not for one it does not name', async () => {
    const { probed, tools } = await toolsOnPath({
      // (Its versions counted: prov asks python3 for its sys.path too, as env.packages needs.)
      python3: '#!/bin/sh\n[ "$1" = --version ] && echo probed >> $LOG\necho "Python ${PYVER:-3.12.1}"\n',
      // Named as a word, as os.environ["WHICH_PIP"] names it.
      pip3: '#!/bin/sh\necho probed >> $LOG\nv=$(printenv WHICH_PIP)\necho "pip ${v:-23.2.1}"\n',
    })
    assert.deepEqual(await tools(), { python3: 'Python 3.12.1', pip3: 'pip 23.2.1' })
    assert.deepEqual(await tools({ PYVER: '3.10.13' }), { python3: 'Python 3.10.13', pip3: 'pip 23.2.1' })
    assert.deepEqual(await tools({ PYVER: '3.10.13', WHICH_PIP: '24.0' }), { python3: 'Python 3.10.13', pip3: 'pip 24.0' })
    assert.equal(probed(), 4, 'both, then python3 alone (pip3 names no PYVER), then pip3 alone')
    // The same again, from the cache; and a variable neither names, new at every call (a job's id, hyperfine's), asks nothing.
    assert.deepEqual(await tools({ PYVER: '3.10.13', WHICH_PIP: '24.0', JOB_ID: '1' }), { python3: 'Python 3.10.13', pip3: 'pip 24.0' })
    assert.deepEqual(await tools({ PYVER: '3.10.13', WHICH_PIP: '24.0', JOB_ID: '2' }), { python3: 'Python 3.10.13', pip3: 'pip 24.0' })
    assert.deepEqual(await tools(), { python3: 'Python 3.12.1', pip3: 'pip 23.2.1' })
    assert.equal(probed(), 4)
  })

  test('go is asked again when GOTOOLCHAIN or go.mod name another toolchain (go 1.21 and later switch themselves), and only then', async () => {
    const go = 'echo probed >> $LOG\n'
      + 'v=${GOTOOLCHAIN:-$(sed -n \'s/^toolchain //p\' go.mod 2>/dev/null)}\n'
      + 'echo "go version ${v:-go1.21.0} linux/amd64"\n'
    const { s, probed, tools } = await toolsOnPath({ go })
    assert.equal((await tools()).go, 'go version go1.21.0 linux/amd64')
    assert.equal((await tools({ GOTOOLCHAIN: 'go1.22.1' })).go, 'go version go1.22.1 linux/amd64')
    s.write('go.mod', 'module example.com/m\n\ngo 1.21\n\ntoolchain go1.23.0\n')
    assert.equal((await tools()).go, 'go version go1.23.0 linux/amd64')
    assert.equal((await tools()).go, 'go version go1.23.0 linux/amd64')
    assert.equal(probed(), 3, 'the last from the cache')
  })
})

// Black-box tests of env.key_id, the id of the store key that a run's secrets were fingerprinted
// under: two clones of a project each make their own .prov/secret.key, so the same secret has two
// fingerprints; diff must not pass that off as a secret that changed without saying so.
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { createHmac } from 'node:crypto'
import path from 'node:path'
import { makePlainDir, makeRepo, parseValid, type Sandbox, toolsDir, filesUnder } from '../helpers/prov.js'

const sandboxes: Sandbox[] = []
after(() => { for (const s of sandboxes) s.cleanup() })

/** Only the tools these tests use: snapshot-env asks every known tool on PATH for its version. */
const PATH = toolsDir(['git', 'sh', 'true'])
const SECRET = { WANDB_API_KEY: 'same-value' }
const KEY_ID = /^[0-9a-f]{16}$/
const NOTE = "a and b were recorded under different store keys (.prov/secret.key): a secret's fingerprint cannot be compared between them, so a secret shown as changed may be the same"
const HINT = '  copy secret.key between the clones (mode 0600) to compare the secrets of the runs recorded after'
const MARK = '  (different store keys: cannot be compared)'
const PART = '  (different store keys: its fingerprints cannot be compared, the rest can)'

type Result = Awaited<ReturnType<Sandbox['prov']>>

/** What a key's id must be: the first 64 bits of HMAC-SHA-256(key, "prov key id"). */
const keyIdOf = (key: Buffer): string => createHmac('sha256', key).update('prov key id').digest('hex').slice(0, 16)


/**
 * Two clones of one project, as the reviewer made them: a records a run and pushes it with the
 * store (secret.key stays behind, by .prov/.gitignore), b is cloned from the origin after.
 */
async function clones(): Promise<{ sb: Sandbox; a: string; b: string; inA: (args: string[], env?: Record<string, string>) => Promise<Result>; inB: (args: string[], env?: Record<string, string>) => Promise<Result>; git: (cwd: string, ...args: string[]) => Promise<void> }> {
  const sb = await makePlainDir()
  sandboxes.push(sb)
  sb.env.PATH = PATH
  const a = path.join(sb.dir, 'a')
  const b = path.join(sb.dir, 'b')
  const git = async (cwd: string, ...args: string[]): Promise<void> => {
    const { execa } = await import('execa')
    await execa('git', args, { cwd, env: sb.env, extendEnv: false })
  }
  await git(sb.dir, 'init', '-q', '--bare', '-b', 'main', 'origin.git')
  await git(sb.dir, 'clone', '-q', 'origin.git', 'a')
  await git(a, 'commit', '-q', '--allow-empty', '-m', 'i')
  return {
    sb, a, b, git,
    inA: (args, env = {}) => sb.prov(args, { cwd: a, env }),
    inB: (args, env = {}) => sb.prov(args, { cwd: b, env }),
  }
}

/** Push a's runs and clone b from the origin. */
async function share(c: Awaited<ReturnType<typeof clones>>): Promise<void> {
  await c.git(c.a, 'add', '.prov')
  await c.git(c.a, 'commit', '-q', '-m', 'runs')
  await c.git(c.a, 'push', '-q', 'origin', 'HEAD:main')
  await c.git(c.sb.dir, 'clone', '-q', '-b', 'main', 'origin.git', 'b')
}

async function record(run: (args: string[], env?: Record<string, string>) => Promise<Result>, env: Record<string, string> = {}): Promise<any> {
  const r = await run(['record', '-q', '--', 'true'], env)
  assert.equal(r.exitCode, 0, r.stderr)
  assert.equal(r.stderr, '')
  const show = await run(['show', '--json', '@'])
  assert.equal(show.exitCode, 0, show.stderr)
  return parseValid('run', show.stdout)
}

/** No output holds the keys, in any of the forms one could print them in. */
function assertNoKey(outputs: Array<[string, string]>, keys: Buffer[]): void {
  for (const key of keys) {
    assert.equal(key.length, 32)
    for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url'), key.toString('latin1')]) {
      for (const [name, text] of outputs) assert.ok(!text.includes(form), `${name} holds the store's key`)
    }
  }
}

/** The store's files but the key, as text: no run holds the key. */
function storeTexts(dir: string): Array<[string, string]> {
  return filesUnder(path.join(dir, '.prov')).filter((f) => path.basename(f) !== 'secret.key').map((f) => [f, readFileSync(f, 'latin1')])
}

describe('env.key_id and diff across clones', { concurrency: true }, () => {
  test("the reviewer's repro: the same secret recorded in two clones is a change diff cannot judge, and the report says so", async () => {
    const c = await clones()
    const ra = await record(c.inA, SECRET)
    await share(c)
    const rb = await record(c.inB, SECRET)
    const [ka, kb] = [readFileSync(path.join(c.a, '.prov/secret.key')), readFileSync(path.join(c.b, '.prov/secret.key'))]
    assert.notDeepEqual(ka, kb, 'each clone made its own key')
    assert.equal(ra.env.key_id, keyIdOf(ka))
    assert.equal(rb.env.key_id, keyIdOf(kb))
    const [fa, fb] = [ra.env.vars.WANDB_API_KEY, rb.env.vars.WANDB_API_KEY]
    assert.match(fa, /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.notEqual(fa, fb)

    const d = await c.inB(['diff', '@~1', '@'])
    assert.equal(d.exitCode, 1, 'the secret may have changed: still a difference')
    assert.equal(d.stderr, '')
    const lines = d.stdout.split('\n')
    assert.match(lines[0]!, /^diff [0-9a-f]{12} → [0-9a-f]{12}$/)
    // Once, at the top (after the messages, of which there are none), before the headline.
    assert.equal(lines[1], NOTE)
    assert.equal(lines[2], HINT)
    assert.equal(lines[3], 'no outputs recorded; no inputs recorded; env: vars.WANDB_API_KEY')
    assert.equal(d.stdout.split(NOTE).length, 2, 'the note is said once')
    // Where the change is shown.
    assert.ok(lines.includes(`  ~ vars.WANDB_API_KEY: ${fa} → ${fb}${MARK}`), d.stdout)
    assert.equal(d.stdout.split(MARK).length, 2, 'only the secret is marked')
    // The change of the key's id is noise, with its own kind in the footer.
    assert.match(d.stdout, /\n\(\d+ noise changes hidden: [^\n]*the store key's id \(key_id\)[^\n]*; --all shows them\)\n$/)
    assert.ok(!/key_id:/.test(d.stdout), 'hidden without --all')

    const all = await c.inB(['diff', '--all', '@~1', '@'])
    assert.equal(all.exitCode, 1)
    assert.ok(all.stdout.includes(`  ~ key_id: ${ra.env.key_id} → ${rb.env.key_id}  (noise)\n`), all.stdout)

    const stat = await c.inB(['diff', '--stat', '@~1', '@'])
    assert.equal(stat.exitCode, 1)
    assert.equal(stat.stdout.split('\n')[1], NOTE)

    // The diff document is as before: schema-valid, no new fields; the secret counts, the key's id is noise.
    for (const args of [['diff', '--json', '@~1', '@'], ['diff-runs', '@~1', '@']]) {
      const j = await c.inB(args)
      assert.equal(j.exitCode, 1, args.join(' '))
      assert.equal(j.stderr, '')
      const doc = parseValid('diff', j.stdout).diff
      assert.equal(doc.identical, false)
      assert.deepEqual(doc.env.find((x: any) => x.key === 'vars.WANDB_API_KEY'), { op: 'changed', key: 'vars.WANDB_API_KEY', from: fa, to: fb })
      assert.deepEqual(doc.env.find((x: any) => x.key === 'key_id'), { op: 'changed', key: 'key_id', from: ra.env.key_id, to: rb.env.key_id, noise: true })
    }
    const q = await c.inB(['diff', '-q', '@~1', '@'])
    assert.equal(q.exitCode, 1)
    assert.equal(q.stdout, '')
    assertNoKey([['diff', d.stdout], ['diff --all', all.stdout], ['stat', stat.stdout], ...storeTexts(c.a), ...storeTexts(c.b)], [ka, kb])
  })

  test('the same key copied between the clones: the same secret is the same fingerprint, and the runs do not differ', async () => {
    const c = await clones()
    const ra = await record(c.inA, SECRET)
    await share(c)
    mkdirSync(path.join(c.b, '.prov'), { recursive: true })
    copyFileSync(path.join(c.a, '.prov/secret.key'), path.join(c.b, '.prov/secret.key'))
    const rb = await record(c.inB, SECRET)
    // One key, one id: the runs say they can compare their secrets.
    assert.equal(ra.env.key_id, keyIdOf(readFileSync(path.join(c.a, '.prov/secret.key'))))
    assert.equal(rb.env.key_id, ra.env.key_id)
    assert.equal(rb.env.vars.WANDB_API_KEY, ra.env.vars.WANDB_API_KEY)
    const d = await c.inB(['diff', '@~1', '@'])
    assert.equal(d.exitCode, 0, d.stdout)
    assert.equal(d.stderr, '')
    assert.equal(d.stdout.split('\n')[1], 'no differences')
    assert.ok(!d.stdout.includes('different store keys'), d.stdout)
    const j = await c.inB(['diff', '--json', '@~1', '@'])
    const doc = parseValid('diff', j.stdout).diff
    assert.equal(doc.identical, true)
    assert.equal(doc.env.find((x: any) => x.key === 'key_id'), undefined)
  })

  test('a run recorded before runs kept key_id, against one with: as before, no note and no mark', async () => {
    const c = await clones()
    const ra = await record(c.inA, SECRET)
    // The run as a prov before key_id recorded it: the same sections without it, written again.
    const { id: _id, ...rest } = ra
    delete rest.env.key_id
    const w = await c.sb.prov(['write-run'], { cwd: c.a, input: JSON.stringify(rest) })
    assert.equal(w.exitCode, 0, w.stderr)
    const old = JSON.parse(w.stdout)
    const oldRun = parseValid('run', readFileSync(path.join(c.a, old.path), 'utf8') + '\n')
    assert.equal(oldRun.env.key_id, undefined, 'write-run adds no key id where it made no fingerprint')
    assert.equal(oldRun.env.vars.WANDB_API_KEY, ra.env.vars.WANDB_API_KEY)
    await share(c)
    const rb = await record(c.inB, SECRET)
    const d = await c.inB(['diff', old.id, '@'])
    assert.equal(d.exitCode, 1)
    assert.equal(d.stderr, '')
    assert.ok(!d.stdout.includes('different store keys'), d.stdout)
    assert.ok(d.stdout.split('\n').includes(`  ~ vars.WANDB_API_KEY: ${oldRun.env.vars.WANDB_API_KEY} → ${rb.env.vars.WANDB_API_KEY}`), d.stdout)
    const doc = parseValid('diff', (await c.inB(['diff-runs', old.id, '@'])).stdout).diff
    assert.deepEqual(doc.env.find((x: any) => x.key === 'key_id'), { op: 'added', key: 'key_id', to: rb.env.key_id, noise: true })
  })

  test("two keys and no secret among the changes: the key's id alone is noise, counted in the footer, and nothing is noted", async () => {
    const c = await clones()
    await record(c.inA, SECRET) // makes a's key
    const ra = await record(c.inA)
    await share(c)
    await record(c.inB, SECRET) // makes b's key
    const rb = await record(c.inB)
    assert.match(ra.env.key_id, KEY_ID)
    assert.match(rb.env.key_id, KEY_ID)
    assert.notEqual(ra.env.key_id, rb.env.key_id)
    const d = await c.inB(['diff', ra.id, '@'])
    assert.equal(d.exitCode, 0, d.stdout)
    assert.equal(d.stderr, '')
    assert.equal(d.stdout.split('\n')[1], 'no differences')
    assert.ok(!d.stdout.includes(NOTE), d.stdout)
    assert.match(d.stdout, /\n\(\d+ noise changes? hidden: [^\n]*the store key's id \(key_id\)[^\n]*; --all shows them\)\n$/)
    const j = await c.inB(['diff-runs', ra.id, '@'])
    assert.equal(j.exitCode, 0)
    const doc = parseValid('diff', j.stdout).diff
    assert.equal(doc.identical, true)
    assert.deepEqual(doc.env.find((x: any) => x.key === 'key_id'), { op: 'changed', key: 'key_id', from: ra.env.key_id, to: rb.env.key_id, noise: true })
  })

  test('a lone change of key_id is named alone in the footer', async () => {
    // Two stores for one repository (--store), each with its own key: only key_id differs.
    const sb = await makeRepo({ 'README': 'hello\n' })
    sandboxes.push(sb)
    sb.env.PATH = PATH
    const stores = [path.join(sb.home, 's1'), path.join(sb.home, 's2')]
    for (const s of stores) {
      assert.equal((await sb.prov(['snapshot-env', '--store', s, '--no-tools'], { env: SECRET })).exitCode, 0) // makes its key
      const r = await sb.prov(['record', '--store', s, '-q', '--no-exec', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
    }
    const [f1, f2] = stores.map((s) => path.join(s, 'runs', readdirSync(path.join(s, 'runs'))[0]!, 'run.json'))
    const d = await sb.prov(['diff', '--store', stores[0]!, f1!, f2!])
    assert.equal(d.exitCode, 0, d.stdout + d.stderr)
    assert.equal(d.stderr, '')
    assert.equal(d.stdout.split('\n')[1], 'no differences')
    assert.match(d.stdout, /\n\n\(1 noise change hidden: the store key's id \(key_id\); --all shows them\)\n$/)
  })

  test('snapshot-env: key_id only where the store has a key (none is made for it), derived from the key by HMAC', async () => {
    const sb = await makeRepo({ 'README': 'hello\n' })
    sandboxes.push(sb)
    sb.env.PATH = PATH
    const outputs: Array<[string, string]> = []
    const snap = async (env: Record<string, string> = {}): Promise<any> => {
      const r = await sb.prov(['snapshot-env', '--no-tools'], { env })
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.stderr, '')
      outputs.push(['snapshot-env', r.stdout])
      return parseValid('env', r.stdout).env
    }
    const none = await snap()
    assert.equal(none.key_id, undefined)
    assert.equal(existsSync(path.join(sb.dir, '.prov/secret.key')), false, 'no key made for the id')
    const first = await snap(SECRET) // the first secret makes the key
    const key = readFileSync(path.join(sb.dir, '.prov/secret.key'))
    assert.match(first.key_id, KEY_ID)
    assert.equal(first.key_id, keyIdOf(key))
    assert.equal((await snap()).key_id, keyIdOf(key), 'a store with a key: its id, secret or none')
    // record's run holds it, as snapshot-env prints it.
    const run = await record((args, env) => sb.prov(args, { env }))
    assert.equal(run.env.key_id, keyIdOf(key))
    outputs.push(['run.json', JSON.stringify(run)])
    assertNoKey([...outputs, ...storeTexts(sb.dir)], [key])
  })

  test('record: a key made by a secret in argv, after the environment was read, is named by the run', async () => {
    const sb = await makeRepo({ 'README': 'hello\n' })
    sandboxes.push(sb)
    sb.env.PATH = PATH
    const r = await sb.prov(['record', '-q', '--', 'true', '--password', 'hunter2-not-in-env'])
    assert.equal(r.exitCode, 0, r.stderr)
    const key = readFileSync(path.join(sb.dir, '.prov/secret.key'))
    const run = parseValid('run', (await sb.prov(['show', '--json', '@'])).stdout)
    assert.match(run.command.argv[2], /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    assert.equal(run.env.key_id, keyIdOf(key))
    assertNoKey([['record', r.stdout + r.stderr], ...storeTexts(sb.dir)], [key])
  })

  test("write-run: an environment snapshotted under another store's key, with a secret this store's key fingerprints, is refused; without one, the run keeps the snapshot's key id", async () => {
    const sb = await makeRepo({ 'README': 'hello\n' })
    sandboxes.push(sb)
    sb.env.PATH = PATH
    const a = path.join(sb.dir, 'store-a')
    const b = path.join(sb.dir, 'store-b')
    const snap = await sb.prov(['snapshot-env', '--no-tools', '--store', a], { env: SECRET })
    assert.equal(snap.exitCode, 0, snap.stderr)
    const git = await sb.prov(['git-state'])
    assert.equal(git.exitCode, 0, git.stderr)
    const docs = snap.stdout + git.stdout
    const keyA = readFileSync(path.join(a, 'secret.key'))
    const w = await sb.prov(['write-run', '--store', b, '--', 'true', '--password', 'hunter2-in-argv'], { input: docs })
    assert.equal(w.exitCode, 2, w.stdout + w.stderr)
    assert.equal(w.stdout, '')
    assert.match(w.stderr, new RegExp(`env\\.key_id says the environment's secrets were fingerprinted under another store's key \\(${keyIdOf(keyA)}\\), but this store's key \\([0-9a-f]{16}\\) fingerprinted a secret of the run too \\(in argv, params, the message, the remote URL, the patch, or a variable the env document kept in clear\\): the run would hold fingerprints under two keys`))
    assert.match(w.stderr, /\nhint: make the documents with the store the run is written to \(the same --store or PROV_DIR for prov snapshot-env and prov write-run\)/)
    assert.deepEqual(existsSync(path.join(b, 'runs')) ? readdirSync(path.join(b, 'runs')) : [], [], 'no run written')
    // A secret in the -m message, or in the remote URL, is this store's too, and the message names them
    // (3926ae0's list left them out: 'in argv, params, the patch, or a variable').
    const gitRemote = JSON.stringify({ git: { ...JSON.parse(git.stdout).git, remote: 'https://example.com/ghp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/r.git' } })
    for (const [args, input] of [[['-m', 'pushed with ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '--', 'true'], docs], [['--', 'true'], snap.stdout + gitRemote + '\n']] as const) {
      const m = await sb.prov(['write-run', '--store', b, ...args], { input })
      assert.equal(m.exitCode, 2, m.stderr)
      assert.match(m.stderr, /\(in argv, params, the message, the remote URL, the patch, or a variable the env document kept in clear\)/)
      assert.ok(!m.stderr.includes('ghp_'), m.stderr)
    }
    // No secret of this store's: every fingerprint is under a's key, and the run names it.
    const ok = await sb.prov(['write-run', '--store', b, '--', 'true', '--epochs', '2'], { input: docs })
    assert.equal(ok.exitCode, 0, ok.stderr)
    const run = parseValid('run', (await sb.prov(['show', '--json', '--store', b, '@'])).stdout)
    assert.equal(run.env.key_id, keyIdOf(keyA))
    // The same documents on diff-runs' standard input: a diff stores nothing, so it is not refused
    // (it was, exit 2, since 8091060): the document keeps its key id, and the report says the
    // fingerprints of the two sides are under different keys.
    const cmd = JSON.stringify({ command: { argv: ['true', '--password', 'hunter2-in-argv'], cwd: '.', exit_code: 0, signal: null } })
    const dr = await sb.prov(['diff-runs', '--store', b, '-', '@'], { input: docs + cmd + '\n' })
    assert.equal(dr.exitCode, 1, dr.stdout + dr.stderr)
    assert.equal(dr.stderr, '')
    const drDoc = parseValid('diff', dr.stdout)
    assert.ok(!dr.stdout.includes('hunter2'), dr.stdout)
    assert.equal(drDoc.diff.b, run.id)
    const dp = await sb.prov(['diff', '--store', b, '-', '@'], { input: docs + cmd + '\n' })
    assert.equal(dp.exitCode, 1, dp.stdout + dp.stderr)
    assert.equal(dp.stderr, '')
    // A variable snapshot-env kept in clear (--keep-var) in the other store, fingerprinted here: the
    // same, a diff and no refusal; the secret's value is never printed.
    const kept = await sb.prov(['snapshot-env', '--no-tools', '--store', a, '--keep-var', 'WANDB_API_KEY'], { env: SECRET })
    assert.equal(kept.exitCode, 0, kept.stderr)
    assert.ok(kept.stdout.includes('same-value'))
    const dk = await sb.prov(['diff-runs', '--store', b, '@', '-'], { input: kept.stdout + git.stdout, env: SECRET })
    assert.equal(dk.exitCode, 1, dk.stdout + dk.stderr)
    assert.equal(dk.stderr, '')
    assert.ok(!dk.stdout.includes('same-value'), dk.stdout)
    parseValid('diff', dk.stdout)
    // The same key in both stores: one key, so the secret in argv is fingerprinted under it.
    copyFileSync(path.join(a, 'secret.key'), path.join(b, 'secret.key'))
    const same = await sb.prov(['write-run', '--store', b, '--', 'true', '--password', 'hunter2-in-argv'], { input: docs })
    assert.equal(same.exitCode, 0, same.stderr)
    // A key_id that is no key's id is the schema's to name, as without a secret: never printed raw.
    const c = path.join(sb.dir, 'store-c')
    for (const bad of ['\u001b[31mX\u009b2J', { id: 1 }]) {
      const env = JSON.parse(snap.stdout)
      env.env.key_id = bad
      const w2 = await sb.prov(['write-run', '--store', c, '--', 'true', '--password', 'hunter2-in-argv'], { input: JSON.stringify(env) + git.stdout })
      assert.equal(w2.exitCode, 2, w2.stderr)
      assert.match(w2.stderr, /^prov: the run does not match the run schema at \/env\/key_id: must /)
      assert.doesNotMatch(w2.stderr, /[\u001b\u009b]|object Object/)
    }
  })

  test('an argv whose secret and a plain argument both differ is marked as comparable but for its fingerprints; one whose secret alone differs, as not comparable', async () => {
    const c = await clones()
    const run = async (inX: typeof c.inA, epochs: string): Promise<void> => {
      const r = await inX(['record', '-q', '--', 'true', '--password', 'hunter2-same', '--epochs', epochs])
      assert.equal(r.exitCode, 0, r.stderr)
    }
    await run(c.inA, '1')
    await share(c)
    await run(c.inB, '2')
    const d = await c.inB(['diff', '@~1', '@'])
    assert.equal(d.exitCode, 1, d.stderr)
    const argv = d.stdout.split('\n').filter((l) => l.startsWith('  ~ argv: '))
    assert.equal(argv.length, 1, d.stdout)
    assert.ok(argv[0]!.endsWith('"--epochs","2"]' + PART) && argv[0]!.includes('"--epochs","1"] → '), argv[0])
    assert.ok(!d.stdout.includes(MARK), d.stdout)
    await run(c.inB, '1')
    const same = await c.inB(['diff', '@~2', '@'])
    assert.equal(same.exitCode, 1, same.stderr)
    const line = same.stdout.split('\n').find((l) => l.startsWith('  ~ argv: '))
    assert.ok(line?.endsWith('"--epochs","1"]' + MARK), same.stdout)
  })
})

// Black-box tests of `prov verify`: sound runs pass; a changed byte, a misnamed directory, broken
// JSON, a tampered patch or captured stream fail, naming the run; --files re-hashes the files.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { makeRepo, type Sandbox, narrowPath } from '../helpers/prov.js'
import { computeRunId } from '../../src/core/id.js'


async function withRepo(fn: (sb: Sandbox) => Promise<void>): Promise<void> {
  const sb = await makeRepo({ 'code.py': 'x = 1\n', '.gitignore': 'data/\nout.txt\n' })
  narrowPath(sb, ['git', 'sh', 'cp', 'true'])
  sb.write('data/in.txt', 'input data\n')
  try { await fn(sb) } finally { sb.cleanup() }
}

const runDir = (sb: Sandbox, id: string): string => path.join(sb.dir, '.prov', 'runs', id)
const runFile = (sb: Sandbox, id: string): string => path.join(runDir(sb, id), 'run.json')

/** Record a run and return its id, the one the store holds it under. */
async function rec(sb: Sandbox, args: string[]): Promise<string> {
  const r = await sb.prov(['record', ...args])
  assert.equal(r.exitCode, 0, r.stderr)
  const short = /prov: recorded ([0-9a-f]{12}) /.exec(r.stderr)?.[1]
  assert.ok(short, r.stderr)
  const found = readdirSync(path.join(sb.dir, '.prov', 'runs')).filter((n) => n.startsWith(short))
  assert.equal(found.length, 1, `no single run directory starts with ${short}`)
  return found[0]!
}

/** Three sound runs: one with an input and an output, two that only differ by a param. */
async function threeRuns(sb: Sandbox): Promise<string[]> {
  return [
    await rec(sb, ['-i', 'data/in.txt', '-o', 'out.txt', '--', 'cp', 'data/in.txt', 'out.txt']),
    await rec(sb, ['-p', 'n=2', '--', 'true']),
    await rec(sb, ['-p', 'n=3', '--', 'true']),
  ]
}

/** `prov verify ARGS`: stdout as a map from the run named on each line to its lines. */
async function verify(sb: Sandbox, args: string[] = []) {
  const r = await sb.prov(['verify', ...args])
  const byRun = new Map<string, string[]>()
  for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
    const m = /^(ok|FAIL) +(\S+?):?(?: (.*))?$/.exec(line)
    assert.ok(m, `unexpected verify line: ${JSON.stringify(line)}`)
    const list = byRun.get(m[2]!) ?? []
    list.push(m[1] === 'ok' ? 'ok' : `FAIL ${m[3]}`)
    byRun.set(m[2]!, list)
  }
  return { ...r, byRun }
}

// Two at a time: each test has its own repository, and a test spends most of its time waiting
// for prov; on two cores this halves the wall time.
describe('prov verify', { concurrency: 2 }, () => {
  test('all runs sound: exit 0, one ok line per run', async () => {
    await withRepo(async (sb) => {
      const ids = await threeRuns(sb)
      const v = await verify(sb)
      assert.equal(v.exitCode, 0, v.stdout + v.stderr)
      assert.equal(v.stderr, '')
      assert.deepEqual([...v.byRun.keys()].sort(), [...ids].sort())
      for (const id of ids) assert.deepEqual(v.byRun.get(id), ['ok'])
      const files = await verify(sb, ['--files'])
      assert.equal(files.exitCode, 0, files.stdout + files.stderr)
      const named = await verify(sb, [ids[0]!.slice(0, 8), '@'])
      assert.equal(named.exitCode, 0)
      assert.deepEqual([...named.byRun.keys()].sort(), [ids[0]!, ids[2]!].sort())
    })
  })

  test('one byte changed in a run.json: exit 1 naming that run; the others still ok', async () => {
    await withRepo(async (sb) => {
      const ids = await threeRuns(sb)
      const bad = ids[0]!
      const text = readFileSync(runFile(sb, bad), 'utf8')
      const sha = JSON.parse(text).inputs[0].sha256 as string
      const at = text.indexOf(sha) + 10
      const flipped = text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1)
      assert.equal(flipped.length, text.length)
      writeFileSync(runFile(sb, bad), flipped)

      const v = await verify(sb)
      assert.equal(v.exitCode, 1, v.stdout + v.stderr)
      const problems = v.byRun.get(bad)!
      assert.equal(problems.length, 1, problems.join('\n'))
      assert.match(problems[0]!, /^FAIL content does not hash to its id \(it hashes to [0-9a-f]{12}\)$/)
      assert.ok(!problems[0]!.includes(bad.slice(0, 12)))
      assert.deepEqual(v.byRun.get(ids[1]!), ['ok'])
      assert.deepEqual(v.byRun.get(ids[2]!), ['ok'])
      assert.equal(v.stderr, 'prov: 1 of 3 runs failed verification\n')

      const good = await verify(sb, [ids[1]!])
      assert.equal(good.exitCode, 0, 'a named sound run passes whatever the others are')
      const named = await verify(sb, [bad.slice(0, 10)])
      assert.equal(named.exitCode, 1)
      assert.ok(named.byRun.has(bad))
      // Named twice over (its prefix, its id, its path, @~2): one run, checked once.
      const twice = await verify(sb, [bad.slice(0, 10), bad, `.prov/runs/${bad}/run.json`, '@~2', ids[1]!])
      assert.equal(twice.exitCode, 1)
      assert.deepEqual(twice.byRun.get(bad)?.length, 1)
      assert.equal(twice.stderr, 'prov: 1 of 2 runs failed verification\n')
      // Its path through a link to the project (or to the run's directory) is the same run too.
      symlinkSync(sb.dir, path.join(sb.home, 'project-link'))
      symlinkSync(path.join(sb.dir, '.prov', 'runs', bad), path.join(sb.home, 'run-link'))
      const linked = await verify(sb, [bad, path.join(sb.home, 'project-link', '.prov', 'runs', bad, 'run.json'), path.join(sb.home, 'run-link', 'run.json')])
      assert.equal(linked.exitCode, 1)
      assert.equal(linked.stderr, 'prov: 1 of 1 run failed verification\n')
      // The link named first: still one run, and it is checked as stored under its id.
      const linkFirst = await verify(sb, [path.join(sb.home, 'run-link', 'run.json'), bad])
      assert.equal(linkFirst.exitCode, 1)
      assert.equal(linkFirst.stderr, 'prov: 1 of 1 run failed verification\n')
    })
  })

  test("a run whose run.json is a link to another run's is another run, and fails, named beside it", async () => {
    await withRepo(async (sb) => {
      const ids = await threeRuns(sb)
      const [copy, real] = [ids[0]!, ids[1]!]
      rmSync(runFile(sb, copy))
      symlinkSync(path.join('..', real, 'run.json'), runFile(sb, copy))
      const all = await verify(sb)
      assert.equal(all.exitCode, 1)
      assert.match(all.byRun.get(copy)!.join('\n'), /is stored under/)
      // 9219cef told the two apart by real path alone: the run named after the one it links to
      // was dropped as the same, and verify passed (exit 0).
      for (const order of [[real, copy], [copy, real]]) {
        const v = await verify(sb, order)
        assert.equal(v.exitCode, 1, order.join(' '))
        assert.deepEqual(v.byRun.get(real), ['ok'], order.join(' '))
        assert.match(v.byRun.get(copy)!.join('\n'), /is stored under/, order.join(' '))
        assert.equal(v.stderr, 'prov: 1 of 2 runs failed verification\n')
      }
    })
  })

  test('a run.json edited to hold what has no canonical form: verify exit 1 naming it; show refuses it', async () => {
    await withRepo(async (sb) => {
      const ids = await threeRuns(sb)
      const table: Array<[string, string, string]> = [
        [ids[1]!, '"n": 2', '"n": 1e400'],
        [ids[2]!, '"n": 3', '"n": "\\ud800"'],
      ]
      for (const [id, from, to] of table) {
        const text = readFileSync(runFile(sb, id), 'utf8')
        assert.ok(text.includes(from), text)
        writeFileSync(runFile(sb, id), text.replace(from, to))
      }
      const v = await verify(sb)
      assert.equal(v.exitCode, 1, v.stdout + v.stderr)
      assert.deepEqual(v.byRun.get(ids[0]!), ['ok'])
      assert.deepEqual(v.byRun.get(ids[1]!), ['FAIL holds a number JSON cannot hold at params.n (it reads as Infinity), which has no canonical form: it cannot hash to its id'])
      assert.deepEqual(v.byRun.get(ids[2]!), ['FAIL holds a lone surrogate (\\ud800) in the string at params.n, which has no canonical form: it cannot hash to its id'])
      assert.equal(v.stderr, 'prov: 2 of 3 runs failed verification\n')

      const show = await sb.prov(['show', ids[2]!])
      assert.equal(show.exitCode, 2)
      assert.equal(show.stdout, '')
      assert.match(show.stderr, new RegExp(`^prov: run ${ids[2]!.slice(0, 12)} has been altered: it holds a lone surrogate \\(\\\\ud800\\) in the string at params\\.n, which has no canonical form\\nhint: `))
    })
  })

  test('a stored run whose params nest 5,000 levels deep (made by hand, its id right): verify fails it, show and diff refuse it (exit 2), no internal error', async () => {
    await withRepo(async (sb) => {
      const [sound] = await threeRuns(sb)
      const { id: _id, ...body } = JSON.parse(readFileSync(runFile(sb, sound!), 'utf8'))
      body.params = { deep: '@deep@' }
      // (The text made by hand: JSON.stringify of 5,000 levels is no sure thing.)
      const text = (id: string): string => JSON.stringify({ id, ...body }).replace('"@deep@"', '['.repeat(5000) + '1' + ']'.repeat(5000))
      const parsed = JSON.parse(text('x')) as Record<string, unknown>
      delete parsed.id
      const id = computeRunId(parsed)
      mkdirSync(runDir(sb, id))
      writeFileSync(runFile(sb, id), text(id))
      const v = await verify(sb, [id])
      assert.deepEqual([v.exitCode, v.byRun.get(id)], [1, ['FAIL does not match the run schema at /params: nests its values more than 264 levels deep']])
      const refused = `prov: run ${id.slice(0, 12)} does not match the run schema at /params: nests its values more than 264 levels deep\nhint: 'prov verify' checks every run\n`
      for (const args of [['show', id], ['show', '--json', id], ['diff', sound!, id], ['diff-runs', sound!, id], ['diff', '--workspace', id]]) {
        const r = await sb.prov(args)
        assert.deepEqual([r.exitCode, r.stdout, r.stderr], [2, '', refused], args.join(' '))
      }
    })
  })

  test('a directory with no run.json, named as a run: exit 2 naming it, for verify as for show and diff-runs', async () => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['--', 'true'])
      sb.write('empty dir/keep', '')
      for (const args of [['verify', './empty dir'], ['show', './empty dir'], ['diff-runs', id, './empty dir']]) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
        assert.equal(r.stdout, '')
        assert.match(r.stderr, /^prov: cannot read run '\.\/empty dir': a directory with no run\.json in it\n/)
      }
    })
  })

  test('a link to a directory whose run.json is no regular file names no run: exit 2 beside a sound run, not a failed check', async () => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['--', 'true'])
      mkdirSync(path.join(sb.dir, 'elsewhere', 'run.json'), { recursive: true })
      symlinkSync('elsewhere', path.join(sb.dir, 'link'))
      for (const args of [['verify', id, './link'], ['verify', './link'], ['show', './link'], ['diff-runs', id, './link']]) {
        const r = await sb.prov(args)
        assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, "prov: cannot read run './link': its run.json is not a regular file\n")
      }
    })
  })

  test('an entry of runs/ whose name is no run id is not checked, and said: a store holding only such passes, but not in silence', async () => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['--', 'true'])
      const runs = path.join(sb.dir, '.prov', 'runs')
      cpSync(path.join(runs, id), path.join(runs, 'notanid'), { recursive: true })
      writeFileSync(path.join(runs, '.DS_Store'), '') // a hidden file is no one's mistake: not named
      renameSync(path.join(runs, id), path.join(runs, id.toUpperCase()))
      const v = await sb.prov(['verify'])
      assert.equal(v.exitCode, 0, v.stdout + v.stderr)
      assert.equal(v.stdout, '')
      assert.equal(v.stderr, [id.toUpperCase(), 'notanid'].map((n) => `prov: warning: '${path.join(runs, n)}' is not a run (its name is no run id): not checked\n`).join(''))
    })
  })

  test('a run directory whose name is not its id: exit 1 naming it', async () => {
    await withRepo(async (sb) => {
      const ids = await threeRuns(sb)
      const fake = (ids[1]![0] === 'a' ? 'b' : 'a').repeat(64)
      cpSync(runDir(sb, ids[1]!), runDir(sb, fake), { recursive: true })
      const v = await verify(sb)
      assert.equal(v.exitCode, 1)
      const lines = v.byRun.get(fake)
      assert.ok(lines && lines.length === 1, v.stdout)
      assert.match(lines[0]!, new RegExp(`^FAIL is stored under ${fake.slice(0, 12)} but its id is ${ids[1]!.slice(0, 12)}$`))
      for (const id of ids) assert.deepEqual(v.byRun.get(id), ['ok'])
      assert.equal(v.stderr, 'prov: 1 of 4 runs failed verification\n')
    })
  })

  test('an invalid-JSON run.json: verify exits 1 naming it; log lists the good runs and warns', async () => {
    await withRepo(async (sb) => {
      const ids = await threeRuns(sb)
      const before = await sb.prov(['log'])
      assert.equal(before.stdout.split('\n').length, 4, 'log indexes all three runs first')
      const bad = ids[2]!
      writeFileSync(runFile(sb, bad), '{"id": "' + bad + '", ')

      const v = await verify(sb)
      assert.equal(v.exitCode, 1)
      assert.match(v.byRun.get(bad)![0]!, /^FAIL run\.json is not valid JSON/)
      assert.deepEqual(v.byRun.get(ids[0]!), ['ok'])
      assert.deepEqual(v.byRun.get(ids[1]!), ['ok'])

      const log = await sb.prov(['log'])
      assert.equal(log.exitCode, 0)
      const listed = log.stdout.trimEnd().split('\n').map((l) => l.slice(0, 12))
      assert.deepEqual(listed, [ids[1]!, ids[0]!].map((id) => id.slice(0, 12)))
      assert.match(log.stderr, new RegExp(`^prov: warning: .*${bad.slice(0, 12)}.*not valid JSON`))
      const json = await sb.prov(['log', '--json'])
      assert.equal(json.exitCode, 0)
      assert.deepEqual(json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).id), [ids[1], ids[0]])
    })
  })

  test('--files: an input edited on disk, an output removed: exit 1 naming the files', async () => {
    await withRepo(async (sb) => {
      const ids = await threeRuns(sb)
      sb.write('data/in.txt', 'edited\n')
      const plain = await verify(sb)
      assert.equal(plain.exitCode, 0, 'without --files the files are not read')
      const v = await verify(sb, ['--files'])
      assert.equal(v.exitCode, 1)
      const problems = v.byRun.get(ids[0]!)!
      assert.equal(problems.length, 1, problems.join('\n'))
      assert.match(problems[0]!, /^FAIL input 'data\/in\.txt' has changed \(7 bytes, sha256 [0-9a-f]{12}\)$/)
      assert.deepEqual(v.byRun.get(ids[1]!), ['ok'])
      sb.write('data/in.txt', 'input data\n')
      rmSync(path.join(sb.dir, 'out.txt'))
      const gone = await verify(sb, ['--files', ids[0]!])
      assert.equal(gone.exitCode, 1)
      assert.deepEqual(gone.byRun.get(ids[0]!), ["FAIL output 'out.txt' is missing"])
    })
  })

  test('--files: a file there that cannot be read (another user\'s, mode 0600) is said so, not called missing; an output missing then, unreadable now, fails', async (t) => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['-i', 'data/in.txt', '-o', 'never.txt', '--', 'true'])
      sb.write('never.txt', 'made since\n')
      chmodSync(path.join(sb.dir, 'data', 'in.txt'), 0o600)
      chmodSync(path.join(sb.dir, 'never.txt'), 0o600)
      // As root every file reads: prov runs as nobody then, in directories it can walk.
      const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
      if (process.getuid?.() !== 0) {
        chmodSync(path.join(sb.dir, 'data', 'in.txt'), 0o000)
        chmodSync(path.join(sb.dir, 'never.txt'), 0o000)
      }
      for (const d of [path.dirname(sb.dir), sb.dir]) chmodSync(d, 0o755) // the temp directory, made 0700
      const r = await sb.prov(['verify', '--files', id], { ...asOther, env: { HOME: '/nonexistent-home' } })
      if (r.exitCode === undefined) { t.skip('cannot run prov as another user here'); return } // no CAP_SETUID
      assert.equal(r.exitCode, 1, r.stderr)
      assert.equal(r.stdout, `FAIL ${id}: input 'data/in.txt' cannot be read: permission denied\nFAIL ${id}: output 'never.txt' cannot be read: permission denied\n`)
      assert.equal(r.stderr, 'prov: 1 of 1 run failed verification\n')
    })
  })

  test('--files: a file outside the project, recorded by its absolute path, is hashed again like any other', async () => {
    await withRepo(async (sb) => {
      const ext = path.join(sb.home, 'datasets', 'ext.csv') // outside the project root
      mkdirSync(path.dirname(ext), { recursive: true })
      writeFileSync(ext, 'a,b\n1,2\n')
      const id = await rec(sb, ['-i', ext, '--', 'true'])
      assert.deepEqual(JSON.parse(readFileSync(runFile(sb, id), 'utf8')).inputs.map((f: any) => f.path), [ext])
      const same = await verify(sb, ['--files'])
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      assert.equal(same.stderr, '')
      writeFileSync(ext, 'a,b\n1,3\n')
      const changed = await verify(sb, ['--files'])
      assert.equal(changed.exitCode, 1)
      assert.equal(changed.byRun.get(id)!.length, 1)
      assert.match(changed.byRun.get(id)![0]!, new RegExp(`^FAIL input '${ext}' has changed \\(8 bytes, sha256 [0-9a-f]{12}\\)$`))
      rmSync(ext)
      const gone = await verify(sb, ['--files'])
      assert.equal(gone.exitCode, 1)
      assert.deepEqual(gone.byRun.get(id), [`FAIL input '${ext}' is missing`])
    })
  })

  test('- reads one run from stdin: its schema and id are checked', async () => {
    await withRepo(async (sb) => {
      const id = await rec(sb, ['-i', 'data/in.txt', '--', 'true'])
      const text = readFileSync(runFile(sb, id), 'utf8')
      const good = await sb.prov(['verify', '-'], { input: text })
      assert.equal(good.exitCode, 0, good.stderr)
      assert.equal(good.stdout, 'ok   -\n')
      const bad = await sb.prov(['verify', '-'], { input: text.replace('"exit_code": 0', '"exit_code": 1') })
      assert.equal(bad.exitCode, 1)
      assert.match(bad.stdout, /^FAIL -: content does not hash to its id/)
      const junk = await sb.prov(['verify', '-'], { input: 'nope' })
      assert.equal(junk.exitCode, 1)
      assert.match(junk.stdout, /^FAIL -: standard input is not valid JSON/)
      const twice = await sb.prov(['verify', '-', '-'], { input: text })
      assert.equal(twice.exitCode, 2)
      // Nothing on stdin (the step before the pipe failed) is no run: an error, exit 2, as for show.
      for (const [args, input] of [[['verify', '-'], ''], [['verify', '-'], '\n  \n'], [['verify', id, '-'], '']] as const) {
        const empty = await sb.prov([...args], { input })
        assert.equal(empty.exitCode, 2, empty.stdout + empty.stderr)
        assert.equal(empty.stdout, '')
        assert.equal(empty.stderr, "prov: standard input holds no run: it is empty\nhint: did the step piped into verify fail? its message is above\n")
      }
      assert.equal((await sb.prov(['show', '-'], { input: '' })).exitCode, 2)
      // A byte order mark before the JSON (an editor that writes one) is no part of it: the run
      // checks as it does without, on stdin as show and diff-runs read it, and by path.
      const bom = sb.write('bom/run.json', '\ufeff' + text)
      for (const [args, input] of [[['verify', '-'], '\ufeff' + text], [['verify', bom], undefined], [['show', bom], undefined], [['diff-runs', bom, id], undefined], [['show', '-'], '\ufeff' + text]] as const) {
        const r = await sb.prov([...args], { input })
        assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
        assert.equal(r.stderr, '')
      }
      // show --json prints the JSON without the mark (it printed it: JSON.parse and Python's json refuse it).
      const shown = await sb.prov(['show', '--json', bom])
      assert.equal(shown.exitCode, 0, shown.stderr)
      assert.equal(shown.stdout, text)
    })
  })

  test('an unknown REF exits 2', async () => {
    await withRepo(async (sb) => {
      const ids = await threeRuns(sb)
      const unknown = ids.some((id) => id.startsWith('0000')) ? '1111' : '0000'
      for (const args of [[unknown], [ids[0]!, unknown], ['@~7']]) {
        const r = await sb.prov(['verify', ...args])
        assert.equal(r.exitCode, 2, r.stderr)
        assert.equal(r.stdout, '')
        assert.match(r.stderr, /^prov: /)
      }
    })
  })

  test('a tampered patch.diff or captured stream: exit 1', async () => {
    await withRepo(async (sb) => {
      sb.write('code.py', 'x = 2\n')
      const withPatch = await rec(sb, ['--', 'true'])
      const captured = await rec(sb, ['--capture', '--', 'sh', '-c', 'echo hello'])
      assert.ok(existsSync(path.join(runDir(sb, withPatch), 'patch.diff')))
      const ok = await verify(sb)
      assert.equal(ok.exitCode, 0, ok.stdout)

      const patch = path.join(runDir(sb, withPatch), 'patch.diff')
      writeFileSync(patch, readFileSync(patch, 'utf8').replace('+x = 2', '+x = 9'))
      writeFileSync(path.join(runDir(sb, captured), 'stdout'), 'hellO\n')
      const v = await verify(sb)
      assert.equal(v.exitCode, 1)
      assert.deepEqual(v.byRun.get(withPatch), ['FAIL patch.diff does not match git.patch.sha256'])
      assert.deepEqual(v.byRun.get(captured), ['FAIL captured stdout does not match its hash'])
      assert.equal(v.stderr, 'prov: 2 of 2 runs failed verification\n')
    })
  })
})

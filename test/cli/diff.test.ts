// Black-box tests of `prov diff`: its headline and sections for a change in exactly one place,
// colour, --json/--stat/--quiet/--all/--ignore, the default refs, and --workspace.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { execa } from 'execa'
import { BIN, makeRepo, parseValid, type Sandbox, narrowPath } from '../helpers/prov.js'
import { computeRunId } from '../../src/core/id.js'

const ESC = '\u001b['
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')


/** A repository with tracked code and an ignored data directory, so inputs change alone. */
async function withRepo(fn: (sb: Sandbox) => Promise<void>): Promise<void> {
  const sb = await makeRepo({ 'code.py': 'x = 1\n', '.gitignore': 'data/\n' })
  narrowPath(sb, ['git', 'sh', 'true'])
  sb.write('data/in.txt', 'first\n')
  try { await fn(sb) } finally { sb.cleanup() }
}

/** Record `true` with data/in.txt as input and these extra options; it must succeed. */
async function rec(sb: Sandbox, opts: string[] = [], env: Record<string, string | undefined> = {}): Promise<void> {
  const r = await sb.prov(['record', '-q', '-i', 'data/in.txt', ...opts, '--', 'true'], { env })
  assert.equal(r.exitCode, 0, r.stderr)
  assert.equal(r.stderr, '')
}

/** Two runs, each printing `log(n)` (n = 1, 2) line by line to its captured standard output. */
async function recordLogs(sb: Sandbox, log: (n: number) => string): Promise<void> {
  for (const n of [1, 2]) {
    sb.write(`data/log${n}.txt`, log(n))
    const r = await sb.prov(['record', '-q', '--capture', '--', 'sh', '-c', `while IFS= read -r l; do printf '%s\\n' "$l"; done < data/log${n}.txt`])
    assert.equal(r.exitCode, 0, r.stderr)
  }
}

/** The stored runs' ids, oldest first. */
function ids(sb: Sandbox): string[] {
  const dir = path.join(sb.dir, '.prov', 'runs')
  return readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n))
    .map((id) => JSON.parse(readFileSync(path.join(dir, id, 'run.json'), 'utf8')))
    .sort((a, b) => a.command.started_at.localeCompare(b.command.started_at))
    .map((r) => r.id as string)
}

/** `prov diff --workspace --json` where something changed and nothing was warned about: its diff document. */
async function workspaceChanges(sb: Sandbox): Promise<any> {
  const r = await sb.prov(['diff', '--workspace', '--json'])
  assert.equal(r.exitCode, 1, r.stderr)
  assert.equal(r.stderr, '')
  return parseValid('diff', r.stdout).diff
}

/** `prov diff ARGS`, with its text split into the header, the headline and the sections. */
async function diff(sb: Sandbox, args: string[] = [], env: Record<string, string | undefined> = {}, input?: string) {
  const r = await sb.prov(['diff', ...args], input === undefined ? { env } : { env, input })
  const lines = r.stdout.split('\n')
  const sections: Record<string, string[]> = {}
  let current: string[] | null = null
  for (const l of lines.slice(2)) {
    if (l === '') { current = null; continue }
    if (current === null && /^[a-z]+$/.test(l)) { current = sections[l] = []; continue }
    if (current !== null) current.push(l)
  }
  return { ...r, header: lines[0] ?? '', headline: lines[1] ?? '', sections }
}

// Two at a time: a test has a repository of its own or only reads the shared one, and spends
// most of its time waiting for prov; on two cores this halves the wall time.
describe('prov diff', { concurrency: 2 }, () => {
  /**
   * One repository, one run after another, each differing from the one before in exactly one
   * thing; the tests only read it. Runs are named by what changed on the way to them.
   */
  describe('one change at a time', { concurrency: 2 }, () => {
    let sb: Sandbox
    const run: Record<string, string> = {}
    const step = async (name: string, opts: string[], env: Record<string, string | undefined> = {}): Promise<void> => {
      await rec(sb, opts, env)
      run[name] = ids(sb).at(-1)!
    }
    const between = (a: string, b: string, extra: string[] = [], env: Record<string, string | undefined> = {}) => diff(sb, [run[a]!, run[b]!, ...extra], env)

    before(async () => {
      sb = await makeRepo({ 'code.py': 'x = 1\n', '.gitignore': 'data/\n' })
      narrowPath(sb, ['git', 'sh', 'true'])
      sb.write('data/in.txt', 'first\n')
      const base = { MY_SETTING: '1' }
      await step('base', ['-p', 'lr=0.1', '-p', 'epochs=3'], base)
      sb.write('data/in.txt', 'second, longer\n')
      await step('input', ['-p', 'lr=0.1', '-p', 'epochs=3'], base)
      await step('param', ['-p', 'lr=0.2', '-p', 'epochs=3'], base)
      await step('env', ['-p', 'lr=0.2', '-p', 'epochs=3'], { MY_SETTING: '2' })
      sb.write('code.py', 'x = 2\n')
      await sb.git('commit', '-q', '-am', 'use two')
      await step('commit', ['-p', 'lr=0.2', '-p', 'epochs=3'], { MY_SETTING: '2' })
      await step('same', ['-p', 'lr=0.2', '-p', 'epochs=3'], { MY_SETTING: '2' })
      await step('shell1', ['-p', 'lr=0.2', '-p', 'epochs=3'], { MY_SETTING: '2', OLDPWD: '/one', SHLVL: '1' })
      await step('shell2', ['-p', 'lr=0.2', '-p', 'epochs=3'], { MY_SETTING: '2', OLDPWD: '/two', SHLVL: '2' })
      sb.write('code.py', 'x = 3\n')
      await step('patch', ['-p', 'lr=0.2', '-p', 'epochs=3'], { MY_SETTING: '2', OLDPWD: '/two', SHLVL: '2' })
      assert.equal(new Set(Object.values(run)).size, 9, 'every step is a run of its own')
    })
    after(() => sb.cleanup())

    test('an input file changed alone: headline and inputs section', async () => {
      const d = await between('base', 'input')
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.stderr, '')
      assert.equal(d.header, `diff ${run.base!.slice(0, 12)} → ${run.input!.slice(0, 12)}`)
      assert.equal(d.headline, 'no outputs recorded; inputs: data/in.txt')
      assert.deepEqual(Object.keys(d.sections), ['inputs'])
      assert.equal(d.sections.inputs!.length, 1)
      assert.match(d.sections.inputs![0]!, /^ {2}~ data\/in\.txt {2}6 B [0-9a-f]{8} → 15 B [0-9a-f]{8}$/)
    })

    test('a param changed alone', async () => {
      const d = await between('input', 'param')
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.headline, 'no outputs recorded; params: lr 0.1 → 0.2; inputs identical')
      assert.deepEqual(d.sections, { params: ['  ~ lr: 0.1 → 0.2'] })
    })

    test('an environment variable changed alone', async () => {
      const d = await between('param', 'env')
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.headline, 'no outputs recorded; inputs identical; env: vars.MY_SETTING')
      assert.deepEqual(d.sections, { env: ['  ~ vars.MY_SETTING: 1 → 2'] })
    })

    test('a commit between the runs: "1 commit", its oneline and the changed file', async () => {
      const head = (await sb.git('rev-parse', 'HEAD')).trim()
      const d = await between('env', 'commit')
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.headline, 'no outputs recorded; code: 1 commit; inputs identical')
      assert.deepEqual(Object.keys(d.sections), ['code'])
      const code = d.sections.code!.join('\n')
      assert.match(code, /~ commit: [0-9a-f]{40} → [0-9a-f]{40}/)
      assert.ok(code.includes(`    ${head.slice(0, 7)} use two`), code)
      assert.match(code, /~ code\.py {2}\(between the commits\)/)
      // --ignore holds for the files between the commits too: with the commit itself ignored, no differences.
      for (const glob of ['code.py', 'code.code.py']) {
        const ig = await between('env', 'commit', ['--ignore', glob, '--ignore', 'commit'])
        assert.equal(ig.exitCode, 0, `${glob}: ${ig.stdout}`)
        assert.match(ig.stdout, /\(2 noise changes hidden: matched by --ignore; --all shows them\)\n$/)
      }
    })

    test('the footer counts each kind of hidden noise when both are there', async () => {
      const d = await between('env', 'shell2', ['--ignore', 'code.py', '--ignore', 'commit'])
      assert.equal(d.exitCode, 0, d.stdout)
      assert.match(d.stdout, /\(4 noise changes hidden: 2 shell-session variables, 2 matched by --ignore; --all shows them\)\n$/)
    })

    test('the uncommitted patch changed: the code section shows the patch', async () => {
      const d = await between('shell2', 'patch')
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.headline, 'no outputs recorded; code: uncommitted changes differ; inputs identical')
      assert.deepEqual(Object.keys(d.sections), ['code'])
      const code = d.sections.code!
      assert.ok(code.includes('  ~ dirty: false → true'), code.join('\n'))
      assert.ok(code.includes('  + code.py  uncommitted: clean → M'), code.join('\n'))
      assert.ok(code.includes('    -x = 2'), code.join('\n'))
      assert.ok(code.includes('    +x = 3'), code.join('\n'))
    })

    test("a run's patch.diff altered or gone (a store handed over): said, not shown, as verify fails it", async () => {
      const copy = path.join(sb.home, 'store-copy')
      cpSync(path.join(sb.dir, '.prov'), copy, { recursive: true })
      const patchFile = path.join(copy, 'runs', run.patch!, 'patch.diff')
      writeFileSync(patchFile, readFileSync(patchFile, 'utf8') + '+tampered = 1\n')
      const short = run.patch!.slice(0, 12)
      const altered = await between('shell2', 'patch', [], { PROV_DIR: copy })
      assert.equal(altered.exitCode, 1)
      assert.ok(!altered.stdout.includes('tampered'), altered.stdout)
      assert.ok(!altered.stdout.includes('+x = 3'), altered.stdout)
      assert.equal(altered.stderr, `prov: warning: run ${short}: its patch.diff does not match git.patch.sha256: its uncommitted changes are not shown (see 'prov verify')\n`)
      rmSync(patchFile)
      const gone = await between('shell2', 'patch', [], { PROV_DIR: copy })
      assert.equal(gone.exitCode, 1)
      assert.equal(gone.stderr, `prov: warning: run ${short}: its patch.diff is missing: its uncommitted changes are not shown (see 'prov verify')\n`)
      // The runs still differ in what they recorded: dirty, and the file's status.
      assert.ok(gone.sections.code!.includes('  ~ dirty: false → true'), gone.stdout)
      rmSync(copy, { recursive: true })
    })

    test('identical runs: exit 0, "no differences"; --quiet prints nothing', async () => {
      const d = await between('commit', 'same')
      assert.equal(d.exitCode, 0, d.stdout + d.stderr)
      assert.equal(d.headline, 'no differences')
      assert.equal(d.stdout, `${d.header}\nno differences\n`)
      assert.equal(d.stderr, '')
      const q = await sb.prov(['diff', '--quiet', run.commit!, run.same!])
      assert.equal(q.exitCode, 0)
      assert.equal(q.stdout, '')
      assert.equal(q.stderr, '')
    })

    test('--quiet: nothing printed, exit 1 when the runs differ', async () => {
      for (const flag of ['--quiet', '-q']) {
        const q = await sb.prov(['diff', flag, run.input!, run.param!])
        assert.equal(q.exitCode, 1)
        assert.equal(q.stdout, '')
        assert.equal(q.stderr, '')
      }
    })

    test('noise is hidden by default and shown with --all; it never makes runs differ', async () => {
      const d = await between('shell1', 'shell2')
      assert.equal(d.exitCode, 0, d.stdout)
      assert.equal(d.headline, 'no differences')
      assert.ok(!d.stdout.includes('OLDPWD'), d.stdout)
      assert.match(d.stdout, /\n\n\(2 noise changes hidden: shell-session variables; --all shows them\)\n$/)
      const all = await between('shell1', 'shell2', ['--all'])
      assert.equal(all.exitCode, 0)
      assert.deepEqual(all.sections.env, ['  ~ vars.OLDPWD: /one → /two  (noise)', '  ~ vars.SHLVL: 1 → 2  (noise)'])
      const q = await sb.prov(['diff', '--quiet', run.shell1!, run.shell2!])
      assert.equal(q.exitCode, 0)
    })

    test('--ignore vars.MY_SETTING hides a change and makes the runs equal', async () => {
      const d = await between('param', 'env', ['--ignore', 'vars.MY_SETTING'])
      assert.equal(d.exitCode, 0, d.stdout)
      assert.equal(d.headline, 'no differences')
      assert.ok(!d.stdout.includes('MY_SETTING: 1'), d.stdout)
      // The footer says what was hidden: not shell-session variables here.
      assert.match(d.stdout, /\n\n\(1 noise change hidden: matched by --ignore; --all shows them\)\n$/)
      const other = await between('param', 'env', ['--ignore', 'vars.OTHER'])
      assert.equal(other.exitCode, 1)
      assert.deepEqual(other.sections, { env: ['  ~ vars.MY_SETTING: 1 → 2'] })
    })

    test('colour: none with NO_COLOR, some with FORCE_COLOR, NO_COLOR wins', async () => {
      const plain = await between('base', 'param', [], { NO_COLOR: '1' })
      assert.equal(plain.exitCode, 1)
      assert.ok(!plain.stdout.includes(ESC), JSON.stringify(plain.stdout))
      const forced = await between('base', 'param', [], { NO_COLOR: undefined, FORCE_COLOR: '1' })
      assert.equal(forced.exitCode, 1)
      assert.ok(forced.stdout.includes(ESC), JSON.stringify(forced.stdout))
      assert.equal(forced.stdout.replace(/\u001b\[[0-9;]*m/g, ''), plain.stdout)
      const both = await between('base', 'param', [], { NO_COLOR: '1', FORCE_COLOR: '1' })
      assert.ok(!both.stdout.includes(ESC), JSON.stringify(both.stdout))
      const json = await between('base', 'param', ['--json'], { NO_COLOR: undefined, FORCE_COLOR: '1' })
      assert.ok(!json.stdout.includes(ESC), 'JSON is never coloured')
    })

    test('--json validates against the diff schema and equals diff-runs', async () => {
      const j = await between('base', 'env', ['--json'])
      assert.equal(j.exitCode, 1, j.stderr)
      assert.equal(j.stderr, '')
      const doc = parseValid('diff', j.stdout)
      assert.equal(doc.diff.a, run.base)
      assert.equal(doc.diff.b, run.env)
      assert.equal(doc.diff.identical, false)
      assert.deepEqual(doc.diff.params, [{ op: 'changed', key: 'lr', from: 0.1, to: 0.2 }])
      assert.deepEqual(doc.diff.inputs.map((c: any) => c.key), ['data/in.txt'])
      assert.deepEqual(doc.diff.env.map((c: any) => c.key), ['vars.MY_SETTING'])
      const plumbing = await sb.prov(['diff-runs', run.base!, run.env!])
      assert.equal(plumbing.exitCode, 1)
      assert.equal(j.stdout, plumbing.stdout)
      // and with the default refs
      const latest = await sb.prov(['diff', '--json'])
      const latestPlumbing = await sb.prov(['diff-runs', '@~1', '@'])
      assert.equal(latest.exitCode, 1)
      assert.equal(latest.stdout, latestPlumbing.stdout)
      assert.equal(parseValid('diff', latest.stdout).diff.b, run.patch)
    })

    test('--stat: one line per section', async () => {
      const s = await sb.prov(['diff', '--stat', run.base!, run.param!])
      assert.equal(s.exitCode, 1, s.stderr)
      const lines = s.stdout.split('\n')
      assert.equal(lines[1], 'no outputs recorded; params: lr 0.1 → 0.2; inputs: data/in.txt')
      assert.deepEqual(lines.slice(2), [
        '  code     identical',
        '  params   1 change',
        '  inputs   1 change',
        '  env      identical',
        '  command  identical',
        '  outputs  none recorded',
        '',
      ])
      // With --json, two forms of the report: a usage error, not one of them unsaid.
      const both = await sb.prov(['diff', '--stat', '--json', run.base!, run.param!])
      assert.equal(both.exitCode, 2)
      assert.equal(both.stdout, '')
      assert.match(both.stderr, /^prov: --json and --stat are two forms of the report: give one\n/)
    })

    test('the default refs are @~1 and @', async () => {
      const d = await diff(sb)
      assert.equal(d.exitCode, 1)
      assert.equal(d.header, `diff ${run.shell2!.slice(0, 12)} → ${run.patch!.slice(0, 12)}`)
      const explicit = await sb.prov(['diff', run.shell2!, run.patch!])
      assert.equal(explicit.stdout, d.stdout)
      const older = await diff(sb, ['@~2'])
      assert.equal(older.header, `diff ${run.shell1!.slice(0, 12)} → ${run.patch!.slice(0, 12)}`)
    })
  })

  test("two machines: the headline names the tool that changed before the locale and the variables; a CI job's id and TZ's echo of timezone are hidden, each said", async () => {
    await withRepo(async (sb) => {
      // Two python3 versions in two directories, as on two machines.
      const tools = sb.env.PATH!
      for (const [dir, version] of [['py1', '3.11.4'], ['py2', '3.12.1']] as const) {
        mkdirSync(path.join(sb.home, dir))
        writeFileSync(path.join(sb.home, dir, 'python3'), `#!/bin/sh\necho Python ${version}\n`, { mode: 0o755 })
      }
      await rec(sb, [], { PATH: `${path.join(sb.home, 'py1')}:${tools}`, LANG: 'en_US.UTF-8', TZ: 'Europe/Berlin', GITHUB_RUN_ID: '101', SLURM_JOB_ID: '5101', NPM_CONFIG_REGISTRY: 'https://registry.npmjs.org/', HOME: sb.home })
      await rec(sb, [], { PATH: `${path.join(sb.home, 'py2')}:${tools}`, LANG: 'C.UTF-8', TZ: 'UTC', GITHUB_RUN_ID: '102', SLURM_JOB_ID: '5102', NPM_CONFIG_REGISTRY: 'https://npm.corp.example/', HOME: path.join(sb.home, 'py2') })
      const d = await sb.prov(['diff'])
      assert.equal(d.exitCode, 1, d.stderr)
      const lines = d.stdout.split('\n')
      assert.equal(lines[1], 'no outputs recorded; inputs identical; env: tools.python3, locale.LANG, timezone (+3 more)')
      // NPM_CONFIG_REGISTRY is one's own setting, not npm run's npm_config_*: a change, shown.
      assert.match(d.stdout, /\n  ~ vars\.NPM_CONFIG_REGISTRY: https:\/\/registry\.npmjs\.org\/ → https:\/\/npm\.corp\.example\/\n/)
      assert.doesNotMatch(d.stdout, /GITHUB_RUN_ID|SLURM_JOB_ID|vars\.TZ|vars\.LANG/)
      assert.match(d.stdout, /\n\(4 noise changes hidden: 2 CI and batch job ids, 1 locale variable shown under locale, the TZ variable shown under timezone; --all shows them\)\n$/)
      const all = await sb.prov(['diff', '--all'])
      assert.match(all.stdout, /~ vars\.GITHUB_RUN_ID: 101 → 102 +\(noise\)/)
      assert.match(all.stdout, /~ vars\.TZ: Europe\/Berlin → UTC +\(noise\)/)
      // timezone hidden by --ignore: TZ is hidden with it, not said to be shown under it.
      const ig = await sb.prov(['diff', '--ignore', 'timezone'])
      assert.equal(ig.exitCode, 1, ig.stderr)
      assert.doesNotMatch(ig.stdout, /timezone|vars\.TZ/)
      assert.match(ig.stdout, /\n\(5 noise changes hidden: 2 CI and batch job ids, 1 locale variable shown under locale, 2 matched by --ignore; --all shows them\)\n$/)
    })
  })

  test('an invalid config.json does not stop a diff of two recorded runs at two commits: their subjects are scrubbed by the built-in policy, with a warning', async () => {
    await withRepo(async (sb) => {
      await rec(sb)
      sb.write('code.py', 'x = 2\n')
      await sb.git('commit', '-q', '-am', 'use ghp_0123456789abcdefABCDEF0123456789abcd')
      await rec(sb)
      // A key prov does not know: record refuses it (it would drop a policy), a diff of what is recorded need not.
      sb.write('.prov/config.json', JSON.stringify({ secret: { names: ['CORP_*'] } }))
      const d = await diff(sb)
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.headline, 'no outputs recorded; code: 1 commit; inputs identical')
      assert.match(d.sections.code!.join('\n'), / use \[redacted hmac-sha256:[0-9a-f]{32}\]$/m)
      assert.equal(d.stderr, "prov: warning: config /secret is not a setting prov knows: the commit subjects are scrubbed by the built-in secret policy and what of the config's secrets can be read\n")
      assert.equal((await sb.prov(['diff-runs', '@~1', '@'])).exitCode, 1)
      // A value the config's secrets.values was written to hide is scrubbed still: a "$schema" beside
      // it printed it in clear, where before the diff refused.
      sb.write('.prov/config.json', JSON.stringify({ secrets: { values: ['CORP-[0-9]{6}'] } }))
      sb.write('code.py', 'x = 3\n')
      await sb.git('commit', '-q', '-am', 'rotate CORP-123456 now')
      await rec(sb)
      sb.write('.prov/config.json', JSON.stringify({ $schema: 'x', secrets: { values: ['CORP-[0-9]{6}'] } }))
      const v = await diff(sb)
      assert.equal(v.exitCode, 1, v.stderr)
      assert.doesNotMatch(v.stdout, /CORP-123456/)
      assert.match(v.sections.code!.join('\n'), / rotate \[redacted hmac-sha256:[0-9a-f]{32}\] now$/m)
      // One it cannot read (no regular expression): the subjects are left out, the commits named by their hashes.
      sb.write('.prov/config.json', JSON.stringify({ $schema: 'x', secrets: { values: ['CORP-[0-9]{6}', '('] } }))
      const u = await diff(sb)
      assert.equal(u.exitCode, 1, u.stderr)
      assert.doesNotMatch(u.stdout, /CORP|rotate/)
      assert.equal(u.stderr, 'prov: warning: config /$schema is not a setting prov knows: the commit subjects are left out: a value its secrets.values names could be printed in clear\n')
      // One that is not JSON (a trailing comma): nothing of it can be read, its secrets.values neither.
      sb.write('.prov/config.json', '{"secrets": {"values": ["CORP-[0-9]{6}"]},}\n')
      const nj = await diff(sb)
      assert.equal(nj.exitCode, 1, nj.stderr)
      assert.doesNotMatch(nj.stdout, /CORP|rotate/)
      assert.match(nj.stderr, /the commit subjects are left out/)
      sb.write('.prov/config.json', JSON.stringify({ $schema: 'x', secrets: { values: ['CORP-[0-9]{6}', '('] } }))
      // --workspace records the present under the policy: there the config is an error still.
      const ws = await sb.prov(['diff', '--workspace'])
      assert.equal(ws.exitCode, 2, ws.stderr)
      assert.match(ws.stderr, /^prov: config \/\$schema is not a setting prov knows$/m)
    })
  })

  test('with fewer than two runs: exit 2 and a message that names the missing run', async () => {
    await withRepo(async (sb) => {
      const none = await sb.prov(['diff'])
      assert.equal(none.exitCode, 2)
      assert.equal(none.stdout, '')
      assert.match(none.stderr, /^prov: .*no runs/)
      await rec(sb)
      const one = await sb.prov(['diff'])
      assert.equal(one.exitCode, 2)
      assert.equal(one.stdout, '')
      assert.match(one.stderr, /^prov: '@~1' .*1 recorded run/)
      const q = await sb.prov(['diff', '--quiet'])
      assert.equal(q.exitCode, 2)
    })
  })

  test('standard input: what diff-runs takes (a run.json, section documents); - - and an empty input are exit 2', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['-p', 'a=1'])
      const run = (await sb.prov(['show', '--json', '@'])).stdout
      const same = await diff(sb, ['-', '@'], {}, run)
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      assert.equal(same.headline, 'no differences')
      // Section documents: what they hold against the run, as diff-runs compares them.
      const sections = await diff(sb, ['-', '@', '--all'], {}, '{"params":{"a":2}}')
      assert.equal(sections.exitCode, 1, sections.stderr)
      assert.equal(sections.stderr, '')
      assert.deepEqual(sections.sections.params, ['  ~ a: 2 → 1'])
      assert.match(sections.headline, /command: \+argv/)
      const json = await sb.prov(['diff', '--json', '-', '@'], { input: '{"params":{"a":2}}' })
      const plumbing = await sb.prov(['diff-runs', '-', '@'], { input: '{"params":{"a":2}}' })
      assert.deepEqual(parseValid('diff', json.stdout), parseValid('diff', plumbing.stdout))
      for (const [args, input, message] of [
        [['-', '-'], run, /only one of the runs can come from stdin/],
        [['-', '@'], '', /standard input holds no run/],
        [['@', '-'], '{}', /standard input holds no run/],
        [['-', '@'], run.replace('"a": 1', '"a": 7'), /standard input has been altered/],
        [['-', '@'], '{"params": []}', /does not match the run schema at \/params/],
      ] as const) {
        const r = await sb.prov(['diff', ...args], { input })
        assert.equal(r.exitCode, 2, `${args.join(' ')} ${input.slice(0, 20)}: ${r.stderr}`)
        assert.equal(r.stdout, '')
        assert.match(r.stderr, message)
        assert.doesNotMatch(r.stderr, /internal error/)
      }
    })
  })

  test('--workspace: an input or output outside the project, recorded by its absolute path, is hashed again', async () => {
    await withRepo(async (sb) => {
      const ext = path.join(sb.home, 'datasets', 'ext.csv') // outside the project root
      const out = path.join(sb.home, 'datasets', 'out.csv')
      sb.write('../home/datasets/ext.csv', 'a,b\n1,2\n')
      sb.write('../home/datasets/out.csv', 'x\n')
      const r = await sb.prov(['record', '-q', '-i', ext, '-o', out, '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      const same = await diff(sb, ['--workspace'])
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      assert.equal(same.stderr, '')
      sb.write('../home/datasets/ext.csv', 'a,b\n1,3\n')
      rmSync(out)
      const d = await workspaceChanges(sb)
      assert.deepEqual(d.inputs.map((c: any) => [c.op, c.key, c.to]), [['changed', ext, { size: 8, sha256: sha256('a,b\n1,3\n') }]])
      assert.deepEqual(d.outputs.map((c: any) => [c.op, c.key, c.to]), [['changed', out, { missing: true }]])
    })
  })

  test('--workspace lists again the directories the run was given: a file added to one shows as added, in inputs and outputs', async () => {
    await withRepo(async (sb) => {
      sb.write('data set/a.csv', '1\n')
      sb.write('data set/sub/b.csv', '2\n')
      sb.write('gone/x', 'x\n')
      sb.write('to be file/y', 'y\n')
      sb.write('../home/ext/e.csv', 'e\n')
      const ext = path.join(sb.home, 'ext')
      sb.write('out/r.txt', '1\n')
      const r = await sb.prov(['record', '-q', '-i', 'data set', '-i', 'gone', '-i', 'to be file', '-i', ext, '-o', 'out', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      const run = parseValid('run', (await sb.prov(['show', '--json'])).stdout)
      assert.deepEqual(run.command.input_dirs, [ext, 'data set', 'gone', 'to be file'])
      assert.deepEqual(run.command.output_dirs, ['out'])
      // Nothing changed: identical, though the directory outside the project is not listed again.
      const same = await sb.prov(['diff', '--workspace', '--json'])
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      assert.equal(same.stderr, `prov: warning: '${ext}' lies outside the project: its recorded files are checked, the directory is not listed again\n`)

      sb.write('data set/sub/new.csv', '3\n')
      sb.write('out/extra.txt', 'more\n')
      sb.write('../home/ext/added.csv', 'not seen\n')
      rmSync(path.join(sb.dir, 'gone'), { recursive: true })
      rmSync(path.join(sb.dir, 'to be file'), { recursive: true })
      sb.write('to be file', 'a file now\n')
      const d = await sb.prov(['diff', '--workspace', '--json'])
      assert.equal(d.exitCode, 1, d.stderr)
      const diff = parseValid('diff', d.stdout).diff
      assert.deepEqual(diff.inputs.map((c: any) => [c.op, c.key, c.to]), [
        ['added', 'data set/sub/new.csv', { size: 2, sha256: sha256('3\n') }],
        ['changed', 'gone/x', { missing: true }],
        ['changed', 'to be file/y', { missing: true }],
      ])
      assert.deepEqual(diff.outputs.map((c: any) => [c.op, c.key]), [['added', 'out/extra.txt']])
      const text = await sb.prov(['diff', '--workspace'])
      assert.equal(text.exitCode, 1)
      assert.match(text.stdout, /\n {2}\+ data set\/sub\/new\.csv {2}2 B [0-9a-f]{8}\n/)
    })
  })

  test('--workspace: what a given directory now holds that cannot be hashed is left out with a warning, not an error; a directory that is a link loop now is not listed', async () => {
    await withRepo(async (sb) => {
      sb.write('data/a.csv', '1\n')
      sb.write('other/b.csv', '2\n')
      const r = await sb.prov(['record', '-q', '-i', 'data', '-i', 'other', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      spawnSync('mkfifo', [path.join(sb.dir, 'data', 'fifo')])
      symlinkSync('user@host.1:1', path.join(sb.dir, 'data', '.#a.csv')) // an editor's lock: a dangling link
      sb.write('data/new.csv', '3\n')
      const d = await sb.prov(['diff', '--workspace', '--json'], { timeout: 20_000 })
      assert.equal(d.exitCode, 1, d.stderr)
      const diff = parseValid('diff', d.stdout).diff
      assert.deepEqual(diff.inputs.map((c: any) => [c.op, c.key]), [['added', 'data/new.csv']])
      assert.match(d.stderr, /^prov: warning: '.*\/data\/fifo' is a FIFO: left out$/m)
      assert.match(d.stderr, /^prov: warning: cannot read '.*\/data\/\.#a\.csv': dangling symbolic link: left out$/m)
      assert.doesNotMatch(d.stderr, /internal error/)
      // record itself still refuses them: what it cannot hash, it does not record.
      const again = await sb.prov(['record', '-q', '-i', 'data', '--', 'true'], { timeout: 20_000 })
      assert.equal(again.exitCode, 125, again.stderr)
      // A given directory that is a link loop now: a warning, and its recorded file says the rest.
      rmSync(path.join(sb.dir, 'other'), { recursive: true })
      symlinkSync('other', path.join(sb.dir, 'other'))
      const loop = await sb.prov(['diff', '--workspace', '--json'])
      assert.equal(loop.exitCode, 2, loop.stderr)
      assert.match(loop.stderr, /^prov: warning: cannot list 'other' again: too many levels of symbolic links$/m)
      assert.match(loop.stderr, /cannot hash .*other\/b\.csv.*: too many levels of symbolic links/)
      assert.doesNotMatch(loop.stderr, /internal error/)
    })
  })

  test('a run recorded through a link to the project ($PWD in a linked checkout) is a run of the project: --workspace reads its params and lists its directories again', async () => {
    await withRepo(async (sb) => {
      sb.write('p.yaml', 'lr: 1\n')
      sb.write('data/a.csv', '1\n')
      const link = path.join(sb.home, 'checkout')
      symlinkSync(sb.dir, link)
      const r = await sb.prov(['record', '-q', '--params-file', `${link}/p.yaml`, '-i', `${link}/data`, '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.stderr, '', 'no "outside the project" warning')
      const run = parseValid('run', (await sb.prov(['show', '--json'])).stdout)
      assert.deepEqual([run.command.params_files, run.command.input_dirs, run.inputs.map((e: any) => e.path)], [['p.yaml'], ['data'], ['data/a.csv', 'data/in.txt', 'p.yaml']])
      sb.write('p.yaml', 'lr: 2\n')
      sb.write('data/b.csv', '2\n')
      const diff = await workspaceChanges(sb)
      assert.deepEqual(diff.params.map((c: any) => [c.key, c.from, c.to]), [['lr', 1, 2]])
      assert.deepEqual(diff.inputs.map((c: any) => [c.op, c.key]), [['added', 'data/b.csv'], ['changed', 'p.yaml']])

      // A run that recorded a file by its absolute path through the link (as prov did before;
      // write-run now refuses such a path, so the run is stored as an older prov stored it):
      // hashed again under that name, unchanged.
      const h = sha256('2\n')
      const doc = JSON.stringify({ inputs: [{ path: 'data/b.csv', size: 2, sha256: h }] })
      const w = await sb.prov(['write-run', '--', 'true'], { input: doc + (await sb.prov(['git-state'])).stdout + (await sb.prov(['snapshot-env'])).stdout })
      assert.equal(w.exitCode, 0, w.stderr)
      const { id: _id, ...body } = JSON.parse(sb.read(JSON.parse(w.stdout).path))
      body.inputs[0].path = `${link}/data/b.csv`
      const id = computeRunId(body)
      sb.write(`.prov/runs/${id}/run.json`, JSON.stringify({ id, ...body }, null, 2) + '\n')
      const same = await sb.prov(['diff', '--workspace', id, '--json'])
      assert.equal(same.stderr, '')
      assert.deepEqual(parseValid('diff', same.stdout).diff.inputs, [])
    })
  })

  test('--workspace where a directory of the run is a file now: its files are missing, no internal error', async () => {
    await withRepo(async (sb) => {
      sb.write('data/p.yaml', 'a: 1\n')
      sb.write('../home/ext/d/in.txt', 'x\n')
      const ext = path.join(sb.home, 'ext', 'd', 'in.txt')
      const r = await sb.prov(['record', '-q', '--params-file', 'data/p.yaml', '-i', ext, '-o', 'data/out.txt', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      rmSync(path.join(sb.dir, 'data'), { recursive: true })
      rmSync(path.join(sb.home, 'ext', 'd'), { recursive: true })
      sb.write('data', 'a file now\n')
      sb.write('../home/ext/d', 'a file now\n')
      const diff = await workspaceChanges(sb)
      assert.deepEqual(diff.inputs.map((c: any) => [c.key, c.to]), [[ext, { missing: true }], ['data/p.yaml', { missing: true }]])
      assert.deepEqual(diff.params.map((c: any) => [c.op, c.key]), [['removed', 'a']])
    })
  })

  test('the report escapes a name with a newline (it cannot fake a line), and shows a string and a number that print alike as JSON', async () => {
    await withRepo(async (sb) => {
      const evil = 'data/evil\n  + fake.csv  9 B deadbeef'
      sb.write(evil, 'x')
      await rec(sb, ['-i', evil, '-p', 'f="1"'])
      sb.write(evil, 'y')
      await rec(sb, ['-i', evil, '-p', 'f=1'])
      const d = await sb.prov(['diff'])
      assert.equal(d.exitCode, 1, d.stderr)
      assert.ok(!d.stdout.split('\n').some((l) => l.startsWith('  + fake.csv')), d.stdout)
      assert.match(d.stdout, /\n {2}~ \$'data\/evil\\n {2}\+ fake\.csv {2}9 B deadbeef' {2}1 B [0-9a-f]{8} → 1 B [0-9a-f]{8}\n/)
      assert.match(d.stdout, /\n {2}~ f: "1" → 1\n/)
      const show = await sb.prov(['show'])
      assert.equal(show.exitCode, 0, show.stderr)
      assert.ok(!show.stdout.split('\n').some((l) => l.startsWith('  + fake.csv')), show.stdout)
      assert.match(show.stdout, /\$'data\/evil\\n/)
    })
  })

  test('runs recorded without -o or without -i: the headline says no outputs (inputs) recorded, never that they are identical', async () => {
    await withRepo(async (sb) => {
      // A training run recorded without naming its model: its result may well have changed.
      let r = await sb.prov(['record', '-q', '--', 'sh', '-c', 'echo 1 > data/model.txt'])
      assert.equal(r.exitCode, 0, r.stderr)
      r = await sb.prov(['record', '-q', '--', 'sh', '-c', 'echo 2 > data/model.txt'])
      assert.equal(r.exitCode, 0, r.stderr)
      let d = await sb.prov(['diff'])
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.stdout.split('\n')[1], 'no outputs recorded; no inputs recorded; command: argv')
      // One side with an output: the other's is missing from it, a change as before.
      r = await sb.prov(['record', '-q', '-o', 'data/model.txt', '--', 'sh', '-c', 'echo 3 > data/model.txt'])
      assert.equal(r.exitCode, 0, r.stderr)
      d = await sb.prov(['diff'])
      assert.equal(d.stdout.split('\n')[1], 'outputs changed: data/model.txt — no inputs recorded; command: argv')
      // Both with an output, the same: identical.
      r = await sb.prov(['record', '-q', '-o', 'data/model.txt', '--', 'sh', '-c', 'echo 3 > data/model.txt'])
      assert.equal(r.exitCode, 0, r.stderr)
      d = await sb.prov(['diff'])
      assert.equal(d.exitCode, 0, d.stdout)
      assert.equal(d.stdout.split('\n')[1], 'no differences')
    })
  })

  test('two long values that differ past their first 200 characters are shown around where they differ, escaped, not whole', async () => {
    await withRepo(async (sb) => {
      const words = Array.from({ length: 400 }, (_, i) => `--flag=${i}`)
      const long = 'A'.repeat(250)
      let r = await sb.prov(['record', '-q', '-p', `note=${long}\u009b31mX`, '--', 'true', ...words])
      assert.equal(r.exitCode, 0, r.stderr)
      r = await sb.prov(['record', '-q', '-p', `note=${long}\u009b32mX`, '--', 'true', ...words, '--flag=LAST'])
      assert.equal(r.exitCode, 0, r.stderr)
      const d = await sb.prov(['diff'])
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.stderr, '')
      const lines = d.stdout.split('\n')
      const argv = lines.find((l) => l.startsWith('  ~ argv: '))
      assert.ok(argv !== undefined, d.stdout)
      // Where they differ, with what comes before it: not both argvs whole (8 KiB), nor cut alike.
      assert.ok(argv.length < 500, `${argv.length} characters`)
      assert.equal(argv, '  ~ argv: …","--flag=397","--flag=398","--flag=399"] → …","--flag=397","--flag=398","--flag=399","--flag=LAST"]')
      const note = lines.find((l) => l.startsWith('  ~ note: '))
      assert.ok(note !== undefined, d.stdout)
      assert.ok(note.length < 500, `${note.length} characters`)
      assert.match(note, /\\u009b31mX/)
      assert.match(note, /\\u009b32mX/)
      // No C1 control character reaches the terminal.
      assert.ok(!d.stdout.includes('\u009b'), JSON.stringify(d.stdout))
    })
  })

  test('--workspace after a run with --capture: its captured streams are no change (nothing has run since)', async () => {
    await withRepo(async (sb) => {
      sb.write('in.txt', 'a\n')
      const r = await sb.prov(['record', '-q', '--capture', '-i', 'in.txt', '--', 'sh', '-c', 'echo out; echo err >&2'])
      assert.equal(r.exitCode, 0, r.stderr)
      const same = await sb.prov(['diff', '--workspace', '--json'])
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      assert.deepEqual(parseValid('diff', same.stdout).diff.outputs, [])
      sb.write('in.txt', 'b\n')
      const changed = await sb.prov(['diff', '--workspace', '--json'])
      assert.equal(changed.exitCode, 1, changed.stderr)
      const d = parseValid('diff', changed.stdout).diff
      assert.deepEqual(d.inputs.map((c: any) => c.key), ['in.txt'])
      assert.deepEqual(d.outputs, [])
    })
  })

  test("--workspace applies the run's own --redact-var, --keep-var and --drop-var: no secret printed, no false change", async () => {
    await withRepo(async (sb) => {
      sb.write('data/f.yaml', 'my_seed: 5\n')
      const env = { MY_VENDOR_X: 'VENDSECRET9', MY_TOKEN: 'plainok', LSX: '1' }
      const r = await sb.prov(['record', '-q', '--redact-var', 'MY_VENDOR_*', '--redact-var', 'MY_SEED', '--keep-var', 'MY_TOKEN', '--drop-var', 'LSX',
        '--params-file', 'data/f.yaml', '--', 'true'], { env })
      assert.equal(r.exitCode, 0, r.stderr)
      const run = JSON.parse((await sb.prov(['show', '--json'])).stdout)
      assert.deepEqual(run.command.redaction, { redact: ['MY_SEED', 'MY_VENDOR_*'], keep: ['MY_TOKEN'], drop: ['LSX'] }) // sorted, as a run keeps them
      const same = await sb.prov(['diff', '--workspace', '--json'], { env })
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      assert.ok(!(same.stdout + same.stderr).includes('VENDSECRET9'))
      const changed = await sb.prov(['diff', '--workspace', '--json'], { env: { ...env, MY_VENDOR_X: 'VENDSECRET10' } })
      assert.equal(changed.exitCode, 1)
      assert.ok(!(changed.stdout + changed.stderr).includes('VENDSECRET10'), 'a changed secret is shown only as its fingerprint')
      assert.deepEqual(parseValid('diff', changed.stdout).diff.env.filter((c: any) => !c.noise).map((c: any) => c.key), ['vars.MY_VENDOR_X'])
    })
  })

  test('--workspace: a params file outside the project is not read again; the params compare as recorded, its hash shows the change', async () => {
    await withRepo(async (sb) => {
      const p = path.join(sb.home, 'shared', 'p.yaml')
      sb.write('../home/shared/p.yaml', 'lr: 0.1\n')
      const r = await sb.prov(['record', '-q', '--params-file', p, '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      sb.write('../home/shared/p.yaml', 'lr: 0.9\nnew_key: secret-looking-text\n')
      const changed = await sb.prov(['diff', '--workspace', '--json'])
      assert.equal(changed.exitCode, 1, changed.stderr)
      const d = parseValid('diff', changed.stdout).diff
      assert.deepEqual(d.params, [], 'the file was not read again')
      assert.deepEqual(d.inputs.map((c: any) => [c.op, c.key]), [['changed', p]])
      assert.ok(!changed.stdout.includes('secret-looking-text'))
      assert.match(changed.stderr, /params file '.*p\.yaml' lies outside the project: not read again/)
    })
  })

  test('--workspace: params rebuilt from the run\'s sources in their order: -p over a params file, an edited or shortened file', async () => {
    await withRepo(async (sb) => {
      sb.write('data/p.yaml', 'lr: 0.1\nepochs: 3\n')
      await rec(sb, ['--params-file', 'data/p.yaml', '-p', 'lr=0.2', '-p', 'tags=["a","b"]', '-p', 'model.depth=4'])
      const run = JSON.parse((await sb.prov(['show', '--json'])).stdout)
      assert.deepEqual(run.command.params_sources, [
        { file: 'data/p.yaml' }, { param: 'lr=0.2' }, { param: 'tags=["a","b"]' }, { param: 'model.depth=4' },
      ])
      assert.deepEqual(run.params, { lr: 0.2, epochs: 3, tags: ['a', 'b'], model: { depth: 4 } })
      const same = await diff(sb, ['--workspace'])
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      assert.equal(same.headline, 'no differences')
      assert.equal(same.stderr, '')
      // The file changes: its lr is still overridden by -p; a key it lost and one it gained show.
      sb.write('data/p.yaml', 'lr: 0.3\nbs: 4\n')
      const edited = await diff(sb, ['--workspace'])
      assert.equal(edited.exitCode, 1)
      assert.deepEqual(edited.sections.params, ['  + bs: 4', '  - epochs: 3'])
      // A -p given before the file is overridden by it.
      sb.write('data/p.yaml', 'lr: 0.1\n')
      await rec(sb, ['-p', 'lr=0.5', '--params-file', 'data/p.yaml'])
      assert.equal((await diff(sb, ['--workspace'])).exitCode, 0)
      sb.write('data/p.yaml', 'lr: 0.7\n')
      assert.deepEqual((await diff(sb, ['--workspace'])).sections.params, ['  ~ lr: 0.1 → 0.7'])
      // The params file gone: its values are gone, and the input shows missing.
      rmSync(path.join(sb.dir, 'data/p.yaml'))
      const gone = await diff(sb, ['--workspace'])
      assert.deepEqual(gone.sections.params, ['  ~ lr: 0.1 → 0.5'])
      assert.match(gone.sections.inputs!.join('\n'), /p\.yaml .*→ missing/)
    })
  })

  test('--workspace: secret -p values are kept only as fingerprints, and still compare equal', async () => {
    await withRepo(async (sb) => {
      const url = 'postgres://admin:QuietHorse42@db.internal/app'
      sb.write('data/p.yaml', 'auth:\n  host: h\n')
      await rec(sb, ['--params-file', 'data/p.yaml', '-p', 'api_key=s3cret-value', '-p', 'auth.user=bob-the-user', '-p', `db=${url}`, '-p', 'cfg.token={"a":1}'])
      const text = readFileSync(path.join(sb.dir, '.prov', 'runs', ids(sb)[0]!, 'run.json'), 'utf8')
      for (const secret of ['s3cret-value', 'bob-the-user', 'QuietHorse42']) assert.ok(!text.includes(secret), `${secret} stored in clear`)
      const sources = JSON.parse(text).command.params_sources
      assert.match(sources[1].param, /^api_key=\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
      assert.match(sources[2].param, /^auth\.user=\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
      assert.match(sources[3].param, /^db=postgres:\/\/admin:\[redacted hmac-sha256:[0-9a-f]{32}\]@db\.internal\/app$/)
      const same = await diff(sb, ['--workspace'])
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
    })
  })

  test('--workspace on a run recorded before params_sources: a guess from params_files, arrays kept', async () => {
    await withRepo(async (sb) => {
      sb.write('data/p.yaml', 'lr: 0.1\n')
      await rec(sb, ['--params-file', 'data/p.yaml', '-p', 'tags=["a","b"]', '-p', 'model.depth=4'])
      // The same run as an older prov wrote it: no params_sources.
      const run = JSON.parse((await sb.prov(['show', '--json'])).stdout)
      delete run.command.params_sources
      const w = await sb.prov(['write-run'], { input: JSON.stringify(run) })
      assert.equal(w.exitCode, 0, w.stderr)
      const old = JSON.parse(w.stdout).id
      const same = await diff(sb, ['--workspace', old])
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      sb.write('data/p.yaml', 'lr: 0.2\n')
      assert.deepEqual((await diff(sb, ['--workspace', old])).sections.params, ['  ~ lr: 0.1 → 0.2'])
    })
  })

  test('a value one run holds in clear and the other as its fingerprint is no change (runs from before a policy let it through)', async () => {
    await withRepo(async (sb) => {
      // As a run recorded before booleans under secret keys were kept: the string "true", fingerprinted.
      await rec(sb, ['-p', 'token="true"', '-p', 'n=1'])
      await rec(sb, ['-p', 'token=true', '-p', 'n=1'])
      const runs = ids(sb).map((id) => JSON.parse(readFileSync(path.join(sb.dir, '.prov', 'runs', id, 'run.json'), 'utf8')))
      assert.deepEqual(runs.map((r) => typeof r.params.token).sort(), ['boolean', 'string'])
      const same = await diff(sb)
      assert.equal(same.exitCode, 0, same.stdout)
      assert.equal(same.headline, 'no differences')
      // A value that did change still shows, fingerprint and all.
      await rec(sb, ['-p', 'token=false', '-p', 'n=1'])
      const changed = await sb.prov(['diff', '--json', '@~2', '@'])
      assert.equal(changed.exitCode, 1)
      assert.deepEqual(parseValid('diff', changed.stdout).diff.params.map((c: any) => [c.key, c.to]), [['token', false]])
    })
  })

  test("a run's own outputs, untracked, are no change of the code: 'diff --workspace -q || record' does not run again for them", async () => {
    await withRepo(async (sb) => {
      // (out/ is made empty beforehand, which git does not show: the sandbox's PATH holds no mkdir.)
      mkdirSync(path.join(sb.dir, 'out'))
      const cmd = ['sh', '-c', 'echo 1 > out/m.txt && echo 2 > model.bin']
      await rec(sb, ['-o', 'out', '-o', 'model.bin'], {})
      await sb.prov(['record', '-q', '-o', 'out', '-o', 'model.bin', '--', ...cmd])
      const ws = await sb.prov(['diff', '--workspace', '-q'])
      assert.equal(ws.exitCode, 0, (await sb.prov(['diff', '--workspace'])).stdout)
      // The next run sees them untracked before its command: against the run before, only the outputs changed.
      await sb.prov(['record', '-q', '-o', 'out', '-o', 'model.bin', '--', ...cmd])
      const d = await diff(sb)
      assert.equal(d.exitCode, 0, d.stdout)
      assert.match(d.stdout, /noise changes? hidden: the runs' own inputs and outputs among the untracked files/)
      // A new file that is no output is still a change: beside the outputs, and inside an output directory.
      sb.write('new.py', 'x = 1\n')
      const added = await diff(sb, ['@', '--workspace'])
      assert.equal(added.exitCode, 1)
      assert.equal(added.headline, 'outputs identical; code: untracked: new.py; no inputs recorded')
      rmSync(path.join(sb.dir, 'new.py'))
      // A new source file beside an output in an untracked directory shows, the output does not;
      // and again once a second run has seen the directory (untracked files are listed one by one).
      mkdirSync(path.join(sb.dir, 'experiments', 'out'), { recursive: true })
      for (let i = 0; i < 2; i++) await sb.prov(['record', '-q', '-o', 'experiments/out', '--', 'sh', '-c', 'echo r > experiments/out/m.txt'])
      sb.write('experiments/analysis.py', 'print(1)\n')
      const beside = await diff(sb, ['@', '--workspace'])
      assert.equal(beside.exitCode, 1, beside.stdout)
      assert.equal(beside.headline, 'outputs identical; code: untracked: experiments/analysis.py; no inputs recorded')
      // Under an output directory too: a file the run did not write (it was there before its command) is code.
      await sb.prov(['record', '-q', '-o', 'experiments/out', '--', 'sh', '-c', 'echo r > experiments/out/m.txt'])
      sb.write('experiments/out/feature.py', 'def f(): pass\n')
      await sb.prov(['record', '-q', '-o', 'experiments/out', '--', 'sh', '-c', 'echo r > experiments/out/m.txt'])
      const inside = await sb.prov(['diff-runs', '@~1', '@'])
      assert.deepEqual(parseValid('diff', inside.stdout).diff.code.filter((c: any) => !c.noise).map((c: any) => c.key), ['experiments/out/feature.py'])
    })
  })

  test("--workspace after a run that failed: a change ('status: exit 1 → not run since'), so 'diff --workspace -q || record' runs the step again, as make would", async () => {
    await withRepo(async (sb) => {
      // The step fails while data/fail is there (an OOM, a scheduler's SIGTERM), then succeeds.
      const step = "prov diff --workspace -q || prov record -q -i data/in.txt -- sh -c 'test ! -e data/fail'"
      // (prov as a shell function of the built CLI, named in the script, not by a variable a run would record.)
      const shell = async (): Promise<number | undefined> => (await execa('sh', ['-c', `prov() { ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"; }\n${step}`], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })).exitCode
      sb.write('data/fail', '')
      assert.equal(await shell(), 1, 'the step ran (no run yet: diff exits 2), and failed')
      const failed = await diff(sb, ['--workspace'])
      assert.equal(failed.exitCode, 1, failed.stdout + failed.stderr)
      assert.equal(failed.headline, 'no outputs recorded; inputs identical; command: exit 1 → not run since')
      assert.deepEqual(failed.sections.command, ['  ~ status: exit 1 → not run since'])
      const ignored = await sb.prov(['diff', '--workspace', '--ignore', 'status', '--json'])
      assert.equal(ignored.exitCode, 0, ignored.stdout)
      assert.deepEqual(parseValid('diff', ignored.stdout).diff.command, [{ op: 'changed', key: 'status', from: 'exit 1', to: 'not run since', noise: true }])
      rmSync(path.join(sb.dir, 'data', 'fail'))
      const before = ids(sb).length
      assert.equal(await shell(), 0)
      assert.equal(ids(sb).length, before + 1, 'the failed step was run again')
      assert.equal(await shell(), 0)
      assert.equal(ids(sb).length, before + 1, 'and, done, not again')
      // Killed by a signal, or a command that could not be run: failed too. Run with --no-exec: nothing failed.
      const killed = await sb.prov(['record', '-q', '--', 'sh', '-c', 'kill -TERM $$'])
      assert.equal(killed.exitCode, 143, killed.stderr)
      assert.deepEqual((await workspaceChanges(sb)).command, [{ op: 'changed', key: 'status', from: 'SIGTERM', to: 'not run since' }])
      const missing = await sb.prov(['record', '-q', '--', 'no-such-command-here'])
      assert.equal(missing.exitCode, 127, missing.stderr)
      assert.deepEqual((await workspaceChanges(sb)).command, [{ op: 'changed', key: 'status', from: 'exit 127', to: 'not run since' }])
      const noExec = await sb.prov(['record', '-q', '--no-exec', '--', 'sh', '-c', 'exit 5'])
      assert.equal(noExec.exitCode, 0, noExec.stderr)
      assert.equal((await sb.prov(['diff', '--workspace', '-q'])).exitCode, 0)
    })
  })

  test('a captured stream that changed is shown as a diff of its text: only text kept intact, escaped, cut after 40 lines', async () => {
    await withRepo(async (sb) => {
      const cap = async (script: string): Promise<void> => {
        const r = await sb.prov(['record', '-q', '--capture', '--', 'sh', '-c', script])
        assert.equal(r.exitCode, 0, r.stderr)
      }
      await cap("printf 'epoch 1\\nloss\\t0.5\\naccuracy 0.91\\ndone\\n'")
      await cap("printf 'epoch 1\\nloss\\t0.7\\naccuracy 0.87\\033[2J\\ndone\\n'")
      const d = await diff(sb)
      assert.equal(d.exitCode, 1)
      const at = d.sections.outputs!.findIndex((l) => l.startsWith('  ~ <stdout>'))
      assert.deepEqual(d.sections.outputs!.slice(at + 1), ['    @@ -1,4 +1,4 @@', '     epoch 1', '    -loss\t0.5', '    -accuracy 0.91', '    +loss\t0.7', '    +accuracy 0.87\\u001b[2J', '     done'])
      const noFold = await diff(sb, ['--no-fold'])
      assert.deepEqual(noFold.sections.outputs, d.sections.outputs)
      // The stream of a run altered since (its file no longer what the run hashed) is not shown: no evidence.
      const runs = path.join(sb.dir, '.prov', 'runs')
      const latest = ids(sb).at(-1)!
      writeFileSync(path.join(runs, latest, 'stdout'), 'epoch 1\nloss\t9\naccuracy 0.87\ndone\n')
      const altered = await diff(sb)
      assert.ok(altered.sections.outputs!.some((l) => l.startsWith('  ~ <stdout>')))
      assert.ok(!altered.stdout.includes('@@'), altered.stdout)
      // Not text (a NUL), or larger than 64 KiB: not shown.
      await cap("printf 'a\\000b\\n'")
      assert.ok(!(await diff(sb)).stdout.includes('@@'))
      await cap("i=0; while [ $i -lt 7000 ]; do echo line $i; i=$((i+1)); done")
      await cap("i=0; while [ $i -lt 7000 ]; do echo line $i; i=$((i+1)); done; echo last")
      assert.ok(!(await diff(sb)).stdout.includes('@@'))
      // More than 40 lines of difference: the first 40, then how many more.
      await cap('i=0; while [ $i -lt 60 ]; do echo a $i; i=$((i+1)); done')
      await cap('i=0; while [ $i -lt 60 ]; do echo b $i; i=$((i+1)); done')
      const many = await diff(sb)
      const lines = many.sections.outputs!
      const first = lines.findIndex((l) => l.startsWith('    @@'))
      assert.equal(lines.length - first, 41, lines.join('\n'))
      assert.equal(lines.at(-1), '    … 81 more lines (prov show --json gives the runs; their stdout is beside run.json)')
    })
  })

  test('a captured stream\'s text is scrubbed as a file\'s is before it is shown, --no-fold too; a config whose secrets.values cannot be read leaves it out', async () => {
    await withRepo(async (sb) => {
      const cap = async (script: string): Promise<void> => {
        const r = await sb.prov(['record', '-q', '--capture', '--', 'sh', '-c', script])
        assert.equal(r.exitCode, 0, r.stderr)
      }
      const a = 'ghp_' + 'a'.repeat(36)
      const b = 'ghp_' + 'b'.repeat(36)
      // (Printed from a file, so that argv, the same in both runs, holds no secret.)
      sb.write('data/log.txt', `token ${a}\npassword = hunter2a\naccuracy 0.91\n`)
      await cap('while IFS= read -r l; do echo "$l"; done < data/log.txt')
      sb.write('data/log.txt', `token ${b}\npassword = hunter2b\naccuracy 0.87\n`)
      await cap('while IFS= read -r l; do echo "$l"; done < data/log.txt')
      for (const args of [[], ['--no-fold']]) {
        const d = await diff(sb, args)
        assert.equal(d.exitCode, 1, d.stderr)
        assert.equal(d.stderr, '')
        for (const secret of [a, b, 'hunter2a', 'hunter2b']) assert.ok(!d.stdout.includes(secret), `${args.join(' ')}: ${d.stdout}`)
        const out = d.sections.outputs!
        assert.ok(out.includes('    -accuracy 0.91') && out.includes('    +accuracy 0.87'), out.join('\n'))
        assert.ok(out.some((l) => /^ {4}-token \[redacted hmac-sha256:[0-9a-f]+\]$/.test(l)), out.join('\n'))
      }
      // A secrets.values pattern that cannot be read: a value it names could be printed, so no text.
      sb.write('.prov/config.json', JSON.stringify({ secrets: { values: ['(unclosed'] } }))
      const bad = await diff(sb)
      assert.equal(bad.exitCode, 1)
      assert.ok(!bad.stdout.includes('@@') && !bad.stdout.includes('accuracy'), bad.stdout)
      assert.match(bad.stderr, /the text of the captured streams is left out/)
    })
  })

  test("a captured stream's text is scrubbed by the runs' own --redact-var too: a variable they redact is not printed from it", async () => {
    await withRepo(async (sb) => {
      const cap = async (flags: string[]): Promise<void> => {
        const r = await sb.prov(['record', '-q', '--capture', ...flags, '--', 'sh', '-c', 'while IFS= read -r l; do echo "$l"; done < data/log.txt'])
        assert.equal(r.exitCode, 0, r.stderr)
      }
      // Only run b names DB_HOST: a's value is b's secret too (the same variable).
      sb.write('data/log.txt', 'DB_HOST=dbhost-a7\naccuracy 0.91\n')
      await cap([])
      sb.write('data/log.txt', 'DB_HOST=dbhost-b7\naccuracy 0.87\n')
      await cap(['--redact-var', 'DB_HOST'])
      for (const config of [null, { secrets: { names: ['X_*'] }, bogus: 1 }]) {
        if (config !== null) sb.write('.prov/config.json', JSON.stringify(config))
        const d = await diff(sb)
        assert.equal(d.exitCode, 1, d.stderr)
        for (const secret of ['dbhost-a7', 'dbhost-b7']) assert.ok(!d.stdout.includes(secret), d.stdout)
        const out = d.sections.outputs!
        assert.ok(out.some((l) => /^ {4}\+DB_HOST=\[redacted hmac-sha256:[0-9a-f]+\]$/.test(l)) && out.includes('    +accuracy 0.87'), out.join('\n'))
      }
    })
  })

  test("a captured stream's text as a terminal reads it: CRLF lines, one long line cut, a final newline lost, a U+FFFD", async () => {
    await withRepo(async (sb) => {
      const cap = async (script: string): Promise<void> => {
        const r = await sb.prov(['record', '-q', '--capture', '--', 'sh', '-c', script])
        assert.equal(r.exitCode, 0, r.stderr)
      }
      const textOf = async (): Promise<string[]> => {
        const d = await diff(sb)
        const lines = d.sections.outputs ?? []
        return lines.slice(lines.findIndex((l) => l.startsWith('  ~ <stdout>')) + 1)
      }
      await cap("printf 'a\\r\\nb\\r\\n'")
      await cap("printf 'a\\r\\nc\\r\\n'")
      assert.deepEqual(await textOf(), ['    @@ -1,2 +1,2 @@', '     a', '    -b', '    +c'])
      await cap("printf 'a\\nc'")
      assert.deepEqual(await textOf(), ['    @@ -1,2 +1,2 @@', '     a', '    -c', '    +c', '    \\ No newline at end of file'])
      await cap("i=0; while [ $i -lt 500 ]; do printf x; i=$((i+1)); done; echo")
      await cap("i=0; while [ $i -lt 500 ]; do printf y; i=$((i+1)); done; echo")
      const long = await textOf()
      assert.equal(long.length, 3)
      assert.equal(long[1], `    -${'x'.repeat(198)}…`)
      await cap("printf 'r\\357\\277\\275\\n'")
      assert.deepEqual((await textOf()).slice(1), [`    -${'y'.repeat(198)}…`, '    +r\ufffd'])
      // A cut that would split a character of two UTF-16 units (an emoji) is made before it.
      await cap("i=0; while [ $i -lt 197 ]; do printf z; i=$((i+1)); done; printf '\\360\\237\\230\\200 and more\\n'")
      assert.deepEqual((await textOf()).slice(1), ['    -r\ufffd', `    +${'z'.repeat(197)}…`])
    })
  })

  test('a value cut short (a param added, or in the summary line) is not cut inside a character of two UTF-16 units', async () => {
    await withRepo(async (sb) => {
      const a = await sb.prov(['record', '-q', '--no-exec', '-p', 'a=1', '--', 'true'])
      assert.equal(a.exitCode, 0, a.stderr)
      // The summary cuts a param's value at 20 characters, an added one at 200: each cut falls on an emoji.
      const b = await sb.prov(['record', '-q', '--no-exec', '-p', `a=${'q'.repeat(17)}\u{1f600}\u{1f600}`, '-p', `b=${'x'.repeat(198)}\u{1f600}\u{1f600}`, '--', 'true'])
      assert.equal(b.exitCode, 0, b.stderr)
      const d = await diff(sb, ['--', '@~1', '@'])
      assert.equal(d.exitCode, 1, d.stderr)
      assert.ok(!d.stdout.includes('\ufffd'), d.stdout)
      assert.ok(d.stdout.includes(`a 1 → "${'q'.repeat(17)}…`), d.stdout)
      assert.ok(d.stdout.includes(`+ b: ${'x'.repeat(198)}…`), d.stdout)
    })
  })

  test('a captured stream printed with secrets in it (a log): diff shows their fingerprints, never the values', async () => {
    await withRepo(async (sb) => {
      const secrets = ['correct horse 1', 'abc1defghij', 'SecretPw1', 'sec1zz', 'abcdef0123456789abcdef', 'hunter2zz', 'two words']
      const log = (n: number): string => [
        `step ${n}`,
        `password = ${secrets[0]}`,
        `INFO connecting with token=${secrets[1]}${n}`,
        `mysql -u root -p${secrets[2]}`,
        `curl --password ${secrets[3]} https://example.org`,
        `Authorization: token ${secrets[4]}`,
        `config {'lr': 0.${n}, 'password': '${secrets[5]}'}`,
        `user=bob${n} password: ${secrets[6]}`,
      ].join('\n') + '\n'
      await recordLogs(sb, log)
      const d = await diff(sb, ['--', '@~1', '@'])
      assert.equal(d.exitCode, 1)
      assert.ok(d.stdout.includes('    -step 1'), d.stdout)
      assert.ok(d.stdout.includes('    +step 2'), d.stdout)
      assert.match(d.stdout, /^ {4}-INFO connecting with token=\[redacted hmac-sha256:[0-9a-f]{32}\]$/m)
      for (const v of secrets) assert.ok(!d.stdout.includes(v) && !d.stderr.includes(v), `${v} printed:\n${d.stdout}`)
    })
  })

  test("a captured stream's prose with secrets in it (`Token V`, `password is V`, `('password', 'V')`): diff shows fingerprints; English lines as they are", async () => {
    await withRepo(async (sb) => {
      const secrets = ['hunter2zz', 'p4ss-w0rd', 'Tr1cky-one']
      const log = (n: number): string => [
        `step ${n}`,
        `Token ${secrets[0]}${n}`,
        `INFO: password is ${secrets[1]}${n}.`,
        `args [('user', 'bob${n}'), ('password', '${secrets[2]}')]`,
        `Token count 4${n}`,
        `password is required ${n}`,
      ].join('\n') + '\n'
      await recordLogs(sb, log)
      const d = await diff(sb, ['--', '@~1', '@'])
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.stderr, '')
      for (const line of ['    -step 1', '    +step 2', '    -Token count 41', '    +Token count 42', '    -password is required 1', '    +password is required 2']) {
        assert.ok(d.stdout.split('\n').includes(line), `${line}:\n${d.stdout}`)
      }
      assert.match(d.stdout, /^ {4}-Token \[redacted hmac-sha256:[0-9a-f]{32}\]$/m)
      assert.match(d.stdout, /^ {4}\+INFO: password is \[redacted hmac-sha256:[0-9a-f]{32}\]\.$/m)
      assert.match(d.stdout, /^ {4}-args \[\('user', 'bob1'\), \('password', '\[redacted hmac-sha256:[0-9a-f]{32}\]'\)\]$/m)
      for (const v of secrets) assert.ok(!d.stdout.includes(v), `${v} printed:\n${d.stdout}`)
    })
  })

  test('a change a run used, then committed, is the same code: the commit, the patch and the files between are noise; a change beside it is not; the repository is only read', async () => {
    await withRepo(async (sb) => {
      sb.write('code.py', 'x = 2\n')
      await rec(sb)
      await sb.git('commit', '-q', '-am', 'the change the run used')
      const objects = await sb.git('count-objects', '-v')
      const ws = await sb.prov(['diff', '--workspace', '-q'])
      assert.equal(ws.exitCode, 0, (await sb.prov(['diff', '--workspace'])).stdout)
      await rec(sb)
      const d = await diff(sb)
      assert.equal(d.exitCode, 0, d.stdout)
      assert.match(d.stdout, /^no differences$/m)
      assert.match(d.stdout, /\(5 noise changes hidden: the same files under another commit \(a's uncommitted changes committed\); --all shows them\)/)
      const runs = await sb.prov(['diff-runs', '@~1', '@'])
      assert.equal(runs.exitCode, 0, runs.stdout)
      const doc = parseValid('diff', runs.stdout).diff
      assert.equal(doc.identical, true)
      assert.deepEqual(doc.code.map((c: any) => [c.key, c.scope ?? null, c.noise === true]),
        [['commit', null, true], ['dirty', null, true], ['patch', null, true], ['code.py', 'worktree', true], ['code.py', 'commits', true]])
      assert.equal(await sb.git('count-objects', '-v'), objects) // (git apply and write-tree wrote elsewhere)
      // A file changed beside the committed change is a change, and so is everything else of the code.
      sb.write('data/in.txt', 'in\n')
      sb.write('.gitignore', 'data/\nnew/\n')
      await rec(sb)
      const other = await sb.prov(['diff-runs', '@~2', '@'])
      assert.equal(other.exitCode, 1)
      assert.ok(parseValid('diff', other.stdout).diff.code.every((c: any) => c.noise !== true), other.stdout)
      // The runs' own untracked output (rewritten with other content each run), and the store
      // committed with the change (git add -A), leave the code the same; so does an unusable TMPDIR
      // leave diff working (git cannot tell, and the changes stand).
      await sb.git('commit', '-q', '-am', 'ignore new/')
      sb.write('code.py', 'x = 4\n')
      const own = ['-o', 'own.txt', '--', 'sh', '-c', 'echo $$ > own.txt']
      assert.equal((await sb.prov(['record', '-q', '-i', 'data/in.txt', ...own])).exitCode, 0)
      await sb.git('add', 'code.py', '.prov')
      await sb.git('commit', '-q', '-m', 'the change and the store (the output stays untracked)')
      assert.equal((await sb.prov(['record', '-q', '-i', 'data/in.txt', ...own])).exitCode, 0)
      const withOwn = await sb.prov(['diff-runs', '@~1', '@'])
      assert.ok(parseValid('diff', withOwn.stdout).diff.code.every((c: any) => c.noise === true), withOwn.stdout)
      // Still so once a committed store file has changed since (its tree is left out by force).
      sb.write('.prov/.gitignore', readFileSync(path.join(sb.dir, '.prov', '.gitignore'), 'utf8') + '# local\n')
      await sb.git('commit', '-q', '-am', 'store note')
      const later = await sb.prov(['diff-runs', '@~1', '@'])
      assert.ok(parseValid('diff', later.stdout).diff.code.every((c: any) => c.noise === true), later.stdout)
      const tmp = await sb.prov(['diff-runs', '@~1', '@'], { env: { TMPDIR: path.join(sb.dir, 'code.py') } })
      assert.equal(tmp.exitCode, 1, tmp.stderr)
      assert.equal(tmp.stderr, '')
      // A patch that does not apply as stored (a secret in it is a fingerprint there) is not taken for the same files.
      sb.write('code.py', 'x = 3\npassword = "hunter2-hunter2"\n')
      await rec(sb)
      await sb.git('commit', '-q', '-am', 'with a secret')
      await rec(sb)
      const secret = await sb.prov(['diff-runs', '@~1', '@'])
      assert.equal(secret.exitCode, 1, secret.stdout)
    })
  })

  test("histories that diverged since the run (a reset, a rebase, another branch) are said, not taken for progress; a commit gone from the repository too", async () => {
    await withRepo(async (sb) => {
      sb.write('code.py', 'x = 2\n')
      await sb.git('commit', '-q', '-am', 'two')
      await rec(sb)
      await sb.git('reset', '-q', '--hard', 'HEAD~1')
      sb.write('code.py', 'x = 3\n')
      await sb.git('commit', '-q', '-am', 'three')
      await rec(sb)
      const d = await diff(sb)
      assert.equal(d.exitCode, 1)
      assert.equal(d.headline, 'no outputs recorded; code: diverged (1 in b, 1 in a); inputs identical')
      assert.match(d.stdout, /a's commit is not in b's history \(another branch, or a rebase, a reset or an amend since\): 1 commit in b that a has not:\n {4}[0-9a-f]{7} three\n {2}and 1 in a that b has not\n/)
      // Once git has dropped it, the commit is named as gone.
      await sb.git('reflog', 'expire', '--expire=now', '--all')
      await sb.git('gc', '-q', '--prune=now')
      const gone = await diff(sb)
      assert.match(gone.stdout, /\n {2}a's commit [0-9a-f]{7} is not in this repository \(gone after a rewrite, or from another clone\)\n/)
    })
  })

  test("in a shallow clone (CI's), a run's commit before the cut is said to be not fetched, with the way to fetch it", async () => {
    await withRepo(async (sb) => {
      await rec(sb)
      sb.write('code.py', 'x = 2\n')
      await sb.git('commit', '-q', '-am', 'two')
      await rec(sb)
      const ci = path.join(sb.home, 'ci')
      await sb.git('clone', '-q', '--depth', '1', `file://${sb.dir}`, ci)
      cpSync(path.join(sb.dir, '.prov', 'runs'), path.join(ci, '.prov', 'runs'), { recursive: true })
      const d = await sb.prov(['diff'], { cwd: ci })
      assert.equal(d.exitCode, 1, d.stderr)
      assert.match(d.stdout, /\n {2}a's commit [0-9a-f]{7} is not in this shallow clone, whose history is cut \(git fetch --unshallow may fetch it; else it is from another clone, or gone after a rewrite\)\n/)
      assert.doesNotMatch(d.stdout, /b's commit/)
    })
  })

  test('the headline shows a change of type: a number and a string that print alike are quoted', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['-p', 'v=2', '-p', 'w=x'])
      await rec(sb, ['-p', 'v="2"', '-p', 'w=y'])
      assert.equal((await diff(sb)).headline, 'no outputs recorded; params: v 2 → "2", w x → y; inputs identical')
    })
  })

  test('the headline says how the command ended in one phrase where a signal is in it', async () => {
    await withRepo(async (sb) => {
      // (The switch is a file git ignores, data/: the code stays the same.)
      const script = ['sh', '-c', 'if [ -f data/stop ]; then kill -KILL $$; fi; exit 3']
      sb.write('data/stop', '')
      await sb.prov(['record', '-q', '--', ...script])
      rmSync(path.join(sb.dir, 'data', 'stop'))
      await sb.prov(['record', '-q', '--', ...script])
      const d = await diff(sb)
      assert.equal(d.exitCode, 1)
      assert.equal(d.headline, 'no outputs recorded; no inputs recorded; command: SIGKILL → exit 3')
      const back = await diff(sb, ['@', '@~1'])
      assert.equal(back.headline, 'no outputs recorded; no inputs recorded; command: exit 3 → SIGKILL')
      // Not run (--no-exec) is said as such, not as a null.
      await sb.prov(['record', '-q', '--no-exec', '--', ...script])
      assert.equal((await diff(sb)).headline, 'no outputs recorded; no inputs recorded; command: exit 3 → not run')
      assert.equal((await diff(sb, ['@', '@~1'])).headline, 'no outputs recorded; no inputs recorded; command: not run → exit 3')
    })
  })

  test('runs committed to the repository: the commit that adds them is no change of the code; a commit that changes code is', async () => {
    await withRepo(async (sb) => {
      await rec(sb)
      await sb.git('add', '.prov')
      await sb.git('commit', '-q', '-m', 'share the runs')
      await rec(sb)
      const shared = await diff(sb)
      assert.equal(shared.exitCode, 0, shared.stdout + shared.stderr)
      assert.equal(shared.headline, 'no differences')
      assert.match(shared.stdout, /\(1 noise change hidden: commits that change only the store; --all shows them\)/)
      const all = await sb.prov(['diff', '--all'])
      assert.equal(all.exitCode, 0)
      assert.match(all.stdout, /~ commit: [0-9a-f]{40} → [0-9a-f]{40}  \(noise\)/)
      const j = parseValid('diff', (await sb.prov(['diff', '--json'])).stdout)
      assert.equal(j.diff.identical, true)
      assert.deepEqual(j.diff.code.map((c: any) => [c.key, c.noise]), [['commit', true]])

      sb.write('code.py', 'x = 6\n')
      await sb.git('add', '-A')
      await sb.git('commit', '-q', '-m', 'six, with the runs')
      await rec(sb)
      const changed = await diff(sb)
      assert.equal(changed.exitCode, 1)
      assert.equal(changed.headline, 'no outputs recorded; code: 1 commit; inputs identical')
    })
  })

  test('--workspace: an edited input, a new commit, or nothing changed', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['-p', 'a=1'])
      const same = await diff(sb, ['@', '--workspace'])
      assert.equal(same.exitCode, 0, same.stdout + same.stderr)
      assert.equal(same.headline, 'no differences')
      assert.equal(same.header, `diff ${ids(sb)[0]!.slice(0, 12)} → workspace`)

      sb.write('data/in.txt', 'edited\n')
      const edited = await diff(sb, ['@', '--workspace'])
      assert.equal(edited.exitCode, 1)
      assert.equal(edited.headline, 'no outputs recorded; inputs: data/in.txt')
      assert.deepEqual(Object.keys(edited.sections), ['inputs'])
      sb.write('data/in.txt', 'first\n')

      sb.write('code.py', 'x = 5\n')
      await sb.git('commit', '-q', '-am', 'five')
      const committed = await diff(sb, ['@', '--workspace'])
      assert.equal(committed.exitCode, 1)
      assert.equal(committed.headline, 'no outputs recorded; code: 1 commit; inputs identical')
      assert.ok(committed.sections.code!.some((l) => l.endsWith(' five')), committed.stdout)
      const j = await sb.prov(['diff', '--workspace', '--json'])
      assert.equal(j.exitCode, 1)
      const doc = parseValid('diff', j.stdout)
      assert.equal(doc.diff.b, null)
      assert.ok(doc.diff.code.some((c: any) => c.key === 'commit'))
    })
  })

  describe('the content of what git does not hold: untracked files, and tracked ones left out of the patch', { concurrency: 2 }, () => {
    test('an untracked helpers.py that changed between two runs is a change of the code (it said "no differences"); --workspace sees it too', async () => {
      await withRepo(async (sb) => {
        sb.write('helpers.py', 'K = 1\n')
        await rec(sb)
        sb.write('helpers.py', 'K = 2\n')
        await rec(sb)
        const d = await diff(sb)
        assert.equal(d.exitCode, 1, d.stdout)
        assert.equal(d.stderr, '')
        assert.equal(d.headline, 'no outputs recorded; code: untracked: helpers.py; inputs identical')
        assert.deepEqual(d.sections.code, [`  ~ helpers.py  ?? content changed: 6 B ${sha256('K = 1\n').slice(0, 8)} → 6 B ${sha256('K = 2\n').slice(0, 8)}`])
        const j = await sb.prov(['diff', '--json'])
        assert.equal(j.exitCode, 1)
        assert.deepEqual(parseValid('diff', j.stdout).diff.code, [{
          op: 'changed', key: 'helpers.py', scope: 'worktree',
          from: { status: '??', size: 6, sha256: sha256('K = 1\n') }, to: { status: '??', size: 6, sha256: sha256('K = 2\n') },
        }])
        // The present against the latest run: the same file, then changed again.
        const same = await sb.prov(['diff', '--workspace', '-q'])
        assert.equal(same.exitCode, 0, same.stderr)
        sb.write('helpers.py', 'K = 3\n')
        const ws = await diff(sb, ['--workspace'])
        assert.equal(ws.exitCode, 1, ws.stdout)
        assert.equal(ws.stderr, '')
        assert.deepEqual(ws.sections.code, [`  ~ helpers.py  ?? content changed: 6 B ${sha256('K = 2\n').slice(0, 8)} → 6 B ${sha256('K = 3\n').slice(0, 8)}`])
      })
    })

    test('a run recorded before prov kept the content of untracked files: unknown, not a change, either way round', async () => {
      await withRepo(async (sb) => {
        sb.write('helpers.py', 'K = 1\n')
        sb.write('notes.txt', 'n\n')
        await rec(sb)
        // The same run as an earlier prov recorded it: its untracked files without size and sha256.
        const run = JSON.parse((await sb.prov(['show', '--json', '@'])).stdout)
        delete run.id
        for (const c of run.git.changes) { delete c.size; delete c.sha256 }
        run.command.started_at = '2000-01-01T00:00:00.000Z' // the oldest run
        const w = await sb.prov(['write-run'], { input: JSON.stringify(run) })
        assert.equal(w.exitCode, 0, w.stderr)
        const old = JSON.parse(w.stdout).id as string
        sb.write('helpers.py', 'K = 2\n')
        await rec(sb)
        for (const args of [[old, '@'], ['@', old]]) {
          const d = await diff(sb, args)
          assert.equal(d.exitCode, 0, d.stdout)
          assert.equal(d.headline, 'no differences')
        }
        // Between two runs that both kept it, the same change is one.
        assert.equal((await sb.prov(['diff', '-q', '@~1', '@'])).exitCode, 1)
      })
    })

    test('a tracked file left out of the patch (over 1 MiB): the patch says what it leaves out (not "none → sha256 e3b0c4..."), and a later change to the file is seen', async () => {
      await withRepo(async (sb) => {
        const line = 'abcdefghijklmnopqrstuvwxyz0123456789\n'
        const big = line.repeat(Math.ceil((2 << 20) / line.length))
        sb.write('big.txt', big)
        await sb.git('add', 'big.txt')
        await sb.git('commit', '-q', '-m', 'big')
        await rec(sb)
        sb.write('big.txt', 'one\n' + big)
        await rec(sb)
        const first = await diff(sb)
        assert.equal(first.exitCode, 1, first.stdout)
        assert.deepEqual(first.sections.code, ['  ~ dirty: false → true', '  ~ uncommitted patch: none → empty, leaves out big.txt (over 1 MiB)', '  + big.txt  uncommitted: clean → M'])
        assert.doesNotMatch(first.stdout, /e3b0c4/)
        sb.write('big.txt', 'two\n' + big)
        await rec(sb)
        const d = await diff(sb)
        assert.equal(d.exitCode, 1, d.stdout)
        assert.equal(d.headline, 'no outputs recorded; code: uncommitted changes differ; inputs identical')
        const size = Buffer.byteLength('one\n' + big)
        assert.deepEqual(d.sections.code, [`  ~ big.txt  M changed (not in the patch: over 1 MiB): 2.0 MiB ${sha256('one\n' + big).slice(0, 8)} → 2.0 MiB ${sha256('two\n' + big).slice(0, 8)}`])
        const j = parseValid('diff', (await sb.prov(['diff', '--json'])).stdout).diff
        assert.deepEqual(j.code, [{ op: 'changed', key: 'big.txt', scope: 'worktree', from: { status: 'M', size, sha256: sha256('one\n' + big) }, to: { status: 'M', size, sha256: sha256('two\n' + big) } }])
        sb.write('big.txt', 'three\n' + big)
        const ws = await diff(sb, ['--workspace'])
        assert.equal(ws.exitCode, 1, ws.stdout)
        assert.match(ws.sections.code!.join('\n'), /^ {2}~ big\.txt {2}M changed \(not in the patch: over 1 MiB\)/)
      })
    })

    test('an untracked file over 16 MiB keeps its size only: a change of size is seen, one that keeps the size is not', async () => {
      await withRepo(async (sb) => {
        const file = path.join(sb.dir, 'data.bin')
        writeFileSync(file, '')
        truncateSync(file, 17 << 20) // sparse: nothing to write, nothing to read
        await rec(sb)
        const g = parseValid('git', (await sb.prov(['git-state'])).stdout).git
        assert.deepEqual(g.changes, [{ path: 'data.bin', status: '??', size: 17 << 20 }])
        truncateSync(file, 18 << 20)
        await rec(sb)
        const d = await diff(sb)
        assert.equal(d.exitCode, 1, d.stdout)
        assert.deepEqual(d.sections.code, ['  ~ data.bin  ?? content changed: 17 MiB → 18 MiB (not hashed over 16 MiB: sizes compared)'])
        writeFileSync(file, 'x', { flag: 'r+' }) // the same size
        await rec(sb)
        assert.equal((await sb.prov(['diff', '-q'])).exitCode, 0)
      })
    })

    test("an untracked output a run rewrites (-o out.txt, other content each time) is the runs' own: no change of the code, in diff or --workspace", async () => {
      await withRepo(async (sb) => {
        const cmd = ['sh', '-c', 'echo $$ > out.txt']
        for (let i = 0; i < 3; i++) {
          const r = await sb.prov(['record', '-q', '-o', 'out.txt', '--', ...cmd])
          assert.equal(r.exitCode, 0, r.stderr)
        }
        const d = await diff(sb)
        assert.equal(d.exitCode, 1, d.stdout)
        assert.match(d.headline, /^outputs changed: out\.txt — no inputs recorded/)
        assert.equal(d.sections.code, undefined, d.stdout)
        assert.match(d.stdout, /noise changes? hidden: the runs' own inputs and outputs among the untracked files/)
        assert.equal((await sb.prov(['diff', '--workspace', '-q'])).exitCode, 0)
        // Edited by hand since: the outputs, hashed again, say so; the code does not (its line is noise).
        sb.write('out.txt', 'edited\n')
        const ws = await workspaceChanges(sb)
        assert.deepEqual(ws.outputs.map((c: any) => [c.key, c.to.sha256]), [['out.txt', sha256('edited\n')]])
        assert.deepEqual(ws.code.map((c: any) => [c.key, c.noise]), [['out.txt', true]])
        // A file the command writes that it does not declare (a log) is code like any other.
        for (let i = 0; i < 2; i++) assert.equal((await sb.prov(['record', '-q', '--', 'sh', '-c', 'echo $$ > run.log'])).exitCode, 0)
        assert.equal((await sb.prov(['diff', '-q'])).exitCode, 1)
      })
    })
  })

  test('a directory with more than 20 changed files is one line of the report, for inputs and outputs; the headline names the files outside it first; --no-fold and --json list every file', async () => {
    const sb = await makeRepo({ '.gitignore': 'data/\nckpt/\nlogs/\nout/\nn.txt\n', 'gen.sh': [
      'read n < n.txt; read s < data/d_00.txt',
      'i=0; while [ $i -lt $n ]; do echo "$s $i" > ckpt/c_$i.json; i=$((i+1)); done',
      'i=0; while [ $i -lt 20 ]; do echo "$s $i" > logs/l_$i.txt; i=$((i+1)); done',
      'echo "$s" > out/metrics.json',
      '',
    ].join('\n') })
    narrowPath(sb, ['git', 'sh'])
    try {
      for (const d of ['ckpt', 'logs', 'out']) mkdirSync(path.join(sb.dir, d))
      const step = async (n: number, s: string): Promise<void> => {
        sb.write('n.txt', `${n}\n`)
        for (let i = 0; i < 21; i++) sb.write(`data/d_${String(i).padStart(2, '0')}.txt`, `${s}\n`)
        const r = await sb.prov(['record', '-q', '-i', 'n.txt', '-i', 'data/', '-o', 'ckpt/', '-o', 'logs/', '-o', 'out/', '--', 'sh', 'gen.sh'])
        assert.equal(r.exitCode, 0, r.stderr)
      }
      await step(23, '1')
      await step(25, '2')
      const d = await diff(sb)
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.stderr, '')
      // 20 changes under logs/ are not over the limit: listed, and named first, outside any fold.
      assert.equal(d.headline, 'outputs changed: logs/l_0.txt, logs/l_1.txt, logs/l_10.txt (+19 more) — inputs: n.txt, data/ (21 files)')
      assert.deepEqual(d.sections.inputs, ['  ~ data/  21 files changed', d.sections.inputs![1]])
      assert.match(d.sections.inputs![1]!, /^ {2}~ n\.txt {2}3 B [0-9a-f]{8} → 3 B [0-9a-f]{8}$/)
      const outputs = d.sections.outputs!
      assert.equal(outputs.length, 22)
      assert.equal(outputs[0], '  ~ ckpt/  25 files changed (23 changed, 2 added)')
      assert.match(outputs[1]!, /^ {2}~ logs\/l_0\.txt {2}4 B /)
      assert.match(outputs[21]!, /^ {2}~ out\/metrics\.json {2}2 B /)
      assert.ok(d.stdout.endsWith('\n\n(46 files in 2 directories shown as one line each; --no-fold lists them)\n'), d.stdout)
      const full = await diff(sb, ['--no-fold'])
      assert.equal(full.exitCode, 1, full.stderr)
      assert.equal(full.headline, d.headline, 'the headline is the same')
      assert.equal(full.sections.inputs!.length, 22)
      assert.equal(full.sections.outputs!.length, 46)
      assert.ok(full.sections.outputs!.includes('  + ckpt/c_24.json  5 B ' + sha256('2 24\n').slice(0, 8)), full.stdout)
      assert.ok(!full.stdout.includes('--no-fold'), full.stdout)
      const j = await sb.prov(['diff', '--json'])
      assert.equal(j.exitCode, 1)
      const doc = parseValid('diff', j.stdout).diff
      assert.equal(doc.inputs.length, 22)
      assert.equal(doc.outputs.length, 46)
      // Only the logs changed now: 20, under the limit, each on its line; one added makes 21: one line.
      sb.write('logs/l_0.txt', 'edited\n')
      const ws = await diff(sb, ['--workspace'])
      assert.equal(ws.exitCode, 1, ws.stderr)
      assert.deepEqual(ws.sections.outputs, ['  ~ logs/l_0.txt  4 B ' + sha256('2 0\n').slice(0, 8) + ' → 7 B ' + sha256('edited\n').slice(0, 8)])
      const added = Array.from({ length: 21 }, (_, i) => `logs/new/n_${i}.txt`)
      for (const f of added) sb.write(f, 'n\n')
      const ws2 = await diff(sb, ['--workspace'])
      assert.equal(ws2.headline, 'outputs changed: logs/l_0.txt, logs/new/ (21 files) — inputs identical')
      assert.deepEqual(ws2.sections.outputs, [ws.sections.outputs![0], '  + logs/new/  21 files added'])
    } finally { sb.cleanup() }
  })

  test('the message (-m) is a note about a run, not a difference: noise, shown at the top of the report', async () => {
    await withRepo(async (sb) => {
      await rec(sb, ['-m', 'first try'])
      await rec(sb, ['-m', 'second try'])
      const [a, b] = ids(sb)
      const d = await sb.prov(['diff'])
      assert.equal(d.exitCode, 0, d.stdout + d.stderr)
      assert.equal(d.stderr, '')
      assert.equal(d.stdout, `diff ${a!.slice(0, 12)} → ${b!.slice(0, 12)}\nmessage a: first try\nmessage b: second try\nno differences\n`)
      const all = await sb.prov(['diff', '--all'])
      assert.equal(all.exitCode, 0)
      assert.ok(all.stdout.endsWith('no differences\n\ncommand\n  ~ message: first try → second try  (noise)\n'), all.stdout)
      const j = await sb.prov(['diff-runs', '@~1', '@'])
      assert.equal(j.exitCode, 0)
      const doc = parseValid('diff', j.stdout).diff
      assert.equal(doc.identical, true)
      assert.deepEqual(doc.command, [{ op: 'changed', key: 'message', from: 'first try', to: 'second try', noise: true }])
      // One run without a message, and a real change beside: the message is no part of the headline.
      await rec(sb, ['-p', 'lr=1'])
      const c = await sb.prov(['diff'])
      assert.equal(c.exitCode, 1)
      assert.deepEqual(c.stdout.split('\n').slice(1, 4), ['message a: second try', 'message b: (none)', 'no outputs recorded; params: +lr; inputs identical'])
      // The same message on both sides: one line; none on either: none.
      await rec(sb, ['-p', 'lr=1', '-m', 'same\nsecond line'])
      await rec(sb, ['-p', 'lr=1', '-m', 'same\nsecond line'])
      const same = await sb.prov(['diff'])
      assert.equal(same.exitCode, 0)
      assert.deepEqual(same.stdout.split('\n').slice(1), ['message: same', '         second line', 'no differences', ''])
      const none = await sb.prov(['diff', '@~4', '@~3'])
      assert.deepEqual(none.stdout.split('\n').slice(1, 3), ['message a: first try', 'message b: second try'])
    })
  })

  test("prov's own variables are no change: naming the store by PROV_DIR or by --store, or PROV_DEBUG=1, is noise", async () => {
    await withRepo(async (sb) => {
      const store = path.join(sb.home, 'pd-store')
      await rec(sb, ['--store', store])
      for (const env of [{ PROV_DIR: store }, { PROV_DIR: store, PROV_DEBUG: '1' }, { PROV_DIR: store, PROV_LOG_LEVEL: 'info' }]) {
        const d = await diff(sb, ['--workspace'], env)
        assert.equal(d.exitCode, 0, d.stdout + d.stderr)
        // (PROV_DEBUG=1 shows debug messages: nothing else.)
        assert.deepEqual(d.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('prov: debug: ')), [])
        assert.equal(d.headline, 'no differences')
        const n = Object.keys(env).length
        assert.match(d.stdout, new RegExp(`\\n\\n\\(${n} noise changes? hidden: prov's own variables; --all shows them\\)\\n$`))
        const j = await sb.prov(['diff', '--workspace', '--json'], { env })
        assert.equal(j.exitCode, 0, j.stderr)
        const doc = parseValid('diff', j.stdout).diff
        assert.equal(doc.identical, true)
        assert.deepEqual(doc.env.map((c: any) => [c.key, c.noise]), Object.keys(env).sort().map((k) => [`vars.${k}`, true]))
      }
      // Recorded with it set, compared with it unset: the same.
      await rec(sb, [], { PROV_DIR: store, PROV_DEBUG: '1' })
      const back = await diff(sb, ['--store', store, '@~1', '@'])
      assert.equal(back.exitCode, 0, back.stdout)
      assert.equal(back.headline, 'no differences')
    })
  })

  test('a data directory renamed: each file that moved with its content is one line, old → new; a directory of them folds as one move; the diff document keeps removed and added', async () => {
    await withRepo(async (sb) => {
      for (let i = 0; i < 25; i++) sb.write(`data/v1/shards/s${String(i).padStart(2, '0')}.bin`, `shard ${i}\n`)
      sb.write('data/v1/train.csv', 'a,b\n1,2\n')
      sb.write('data/v1/empty.txt', '')
      await rec(sb, ['-i', 'data/v1'])
      renameSync(path.join(sb.dir, 'data/v1'), path.join(sb.dir, 'data/v2'))
      sb.write('data/v2/train.csv.bak', 'a,b\n1,2\n') // a copy: the one moved is the one of its own name
      await rec(sb, ['-i', 'data/v2'])
      const d = await diff(sb)
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.stderr, '')
      assert.equal(d.headline, 'no outputs recorded; inputs: data/v1/empty.txt, data/v2/empty.txt, data/v2/train.csv (moved) (+2 more)')
      assert.deepEqual(d.sections, { inputs: [
        '  - data/v1/empty.txt  0 B e3b0c442',
        '  + data/v2/empty.txt  0 B e3b0c442',
        '  ~ data/v1/shards/ → data/v2/shards/  25 files moved (same content)',
        '  ~ data/v1/train.csv → data/v2/train.csv  8 B 492d5ea4 (moved, same content)',
        '  + data/v2/train.csv.bak  8 B 492d5ea4',
      ] })
      const nofold = await diff(sb, ['--no-fold'])
      assert.ok(nofold.sections.inputs!.some((l) => /^  ~ data\/v1\/shards\/s07\.bin → data\/v2\/shards\/s07\.bin  8 B [0-9a-f]{8} \(moved, same content\)$/.test(l)), nofold.stdout)
      assert.equal(nofold.sections.inputs!.length, 29)
      // The document keeps what the runs hold: removed and added entries.
      const j = await sb.prov(['diff', '--json'])
      const doc = parseValid('diff', j.stdout).diff
      assert.equal(doc.inputs.filter((c: any) => c.op === 'removed').length, 27)
      assert.equal(doc.inputs.filter((c: any) => c.op === 'added').length, 28)
    })
  })

  test('the same commit on another branch, with the remote spelled another way: no difference, the names hidden and said; with another commit, shown beside it', async () => {
    await withRepo(async (sb) => {
      await sb.git('remote', 'add', 'origin', 'git@example.com:me/proj.git')
      await rec(sb)
      await sb.git('checkout', '-q', '-b', 'exp')
      await sb.git('remote', 'set-url', 'origin', 'https://example.com/me/proj')
      await rec(sb)
      const d = await diff(sb)
      assert.equal(d.exitCode, 0, d.stdout + d.stderr)
      assert.equal(d.headline, 'no differences')
      assert.match(d.stdout, /\n\n\(2 noise changes hidden: the same code's branch, upstream or remote; --all shows them\)\n$/)
      const all = await diff(sb, ['--all'])
      assert.deepEqual(all.sections.code, ['  ~ branch: main → exp  (noise)', '  ~ remote: git@example.com:me/proj.git → https://example.com/me/proj  (noise)'])
      const j = await sb.prov(['diff', '--json'])
      assert.equal(j.exitCode, 0)
      assert.equal(parseValid('diff', j.stdout).diff.identical, true)
      // The runs committed to share them (a commit of the store only), on yet another branch: the same code.
      await sb.git('add', '.prov')
      await sb.git('commit', '-q', '-m', 'runs')
      await sb.git('checkout', '-q', '-b', 'exp2')
      await rec(sb)
      const shared = await diff(sb, ['@~2', '@'])
      assert.equal(shared.exitCode, 0, shared.stdout)
      assert.match(shared.stdout, /\n\n\(3 noise changes hidden: commits that change only the store, 2 of the same code's branch, upstream and remote; --all shows them\)\n$/)
      // Another commit of the code: the branch is shown beside it.
      sb.write('code.py', 'x = 2\n')
      await sb.git('commit', '-q', '-am', 'x = 2')
      await sb.git('checkout', '-q', '-b', 'exp3')
      await rec(sb)
      const code = await diff(sb)
      assert.equal(code.exitCode, 1)
      assert.ok(code.sections.code!.includes('  ~ branch: exp2 → exp3'), code.stdout)
      // The same commit, but an uncommitted change beside the new branch: the code changed, the branch is shown beside it.
      await sb.git('checkout', '-q', '-b', 'exp4')
      sb.write('code.py', 'x = 3\n')
      await rec(sb)
      const dirty = await diff(sb)
      assert.equal(dirty.exitCode, 1)
      assert.ok(dirty.sections.code!.includes('  ~ branch: exp3 → exp4'), dirty.stdout)
      assert.doesNotMatch(dirty.stdout, /branch, upstream or remote/)
      const dj = parseValid('diff', (await sb.prov(['diff', '--json'])).stdout).diff
      assert.equal(dj.code.find((c: any) => c.key === 'branch').noise, undefined)
      // --ignore still hides it.
      const ignored = await diff(sb, ['--ignore', 'branch'])
      assert.ok(!ignored.sections.code!.some((l) => l.includes('branch')), ignored.stdout)
    })
  })

  test('a locale change is one change, locale.<NAME>: the same change of vars.<NAME> is noise', async () => {
    await withRepo(async (sb) => {
      await rec(sb)
      await rec(sb, [], { LC_ALL: 'POSIX', LC_TIME: 'C' })
      const d = await diff(sb)
      assert.equal(d.exitCode, 1)
      assert.equal(d.stderr, '')
      assert.equal(d.headline, 'no outputs recorded; inputs identical; env: locale.LC_ALL, locale.LC_TIME')
      assert.deepEqual(d.sections, { env: ['  ~ locale.LC_ALL: C → POSIX', '  + locale.LC_TIME: C'] })
      assert.match(d.stdout, /\n\n\(2 noise changes hidden: locale variables, shown under locale; --all shows them\)\n$/)
      const all = await diff(sb, ['--all'])
      assert.deepEqual(all.sections.env, ['  ~ locale.LC_ALL: C → POSIX', '  + locale.LC_TIME: C', '  ~ vars.LC_ALL: C → POSIX  (noise)', '  + vars.LC_TIME: C  (noise)'])
      const j = await sb.prov(['diff', '--json'])
      assert.equal(j.exitCode, 1)
      assert.deepEqual(parseValid('diff', j.stdout).diff.env.map((c: any) => [c.key, c.noise === true]),
        [['locale.LC_ALL', false], ['locale.LC_TIME', false], ['vars.LC_ALL', true], ['vars.LC_TIME', true]])
      // The locale line hidden by --ignore: its variable is hidden with it, and not said to be shown.
      const ig = await diff(sb, ['--ignore', 'locale.LC_TIME'])
      assert.equal(ig.exitCode, 1)
      assert.deepEqual(ig.sections, { env: ['  ~ locale.LC_ALL: C → POSIX'] })
      assert.match(ig.stdout, /\n\n\(3 noise changes hidden: 1 locale variable shown under locale, 2 matched by --ignore; --all shows them\)\n$/)
      const both = await diff(sb, ['--ignore', 'locale.*'])
      assert.equal(both.exitCode, 0)
      assert.match(both.stdout, /\n\n\(4 noise changes hidden: matched by --ignore; --all shows them\)\n$/)
    })
  })
})

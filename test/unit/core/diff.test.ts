// compareRuns on hand-made records: what is reported, under which key, and what is noise.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compareRuns, contentDiffers, isBytecodeCache, differsInFingerprintsOnly, isFingerprintChange, isNoiseKey, keysDiffer, NOISE_VARS, recomputeIdentical, runsOwnOutput, SECTION_ORDER, worktreeStatus, type Change, type ChangeContent, type RunDiff } from '../../../src/core/diff.js'
import { canonicalize } from '../../../src/core/canonical.js'
import { compareUtf8 } from '../../../src/core/paths.js'

const H = (c: string): string => c.repeat(64)
type Rec = Record<string, unknown>

function base(): Rec {
  return {
    id: H('1'),
    schema_version: 1,
    created_at: '2024-01-01T00:00:00.000Z',
    command: {
      argv: ['python', 'train.py'], cwd: '.', exit_code: 0, signal: null,
      started_at: '2024-01-01T00:00:00.000Z', ended_at: '2024-01-01T00:00:01.000Z', duration_ms: 1000,
    },
    inputs: [{ path: 'data.csv', size: 10, sha256: H('a') }, { path: 'train.py', size: 20, sha256: H('b') }],
    outputs: [{ path: 'model.bin', size: 30, sha256: H('c') }],
    params: { lr: 0.1, model: { layers: [{ size: 4 }, { size: 8 }] } },
    git: {
      commit: H('d').slice(0, 40), branch: 'main', upstream: null, dirty: true,
      changes: [{ path: 'train.py', status: 'M' }],
      patch: { sha256: H('e'), size: 100 },
    },
    env: {
      os: { platform: 'linux', release: '6.1', arch: 'x64' },
      runtime: { node: 'v20.11.0' },
      tools: { git: '2.39.5', python: '3.11.2' },
      vars: { PATH: '/usr/bin', LANG: 'C', OLDPWD: '/a', SHLVL: '1', _: '/usr/bin/prov', npm_config_x: '1', HOSTNAME: 'h1' },
    },
  }
}

/** A deep copy of the base record with `edit` applied to it. */
function variant(edit: (r: any) => void): Rec {
  const r = structuredClone(base())
  edit(r)
  return r
}

const EMPTY = { command: [], code: [], inputs: [], params: [], env: [], outputs: [] }

test('identical records: identical, every section empty, ids reported', () => {
  const d = compareRuns(base(), base())
  assert.deepEqual(d, { a: H('1'), b: H('1'), identical: true, ...EMPTY })
  assert.deepEqual(Object.keys(d).slice(3), [...SECTION_ORDER])
})

test('timestamps, durations, ids and created_at are never differences', () => {
  const b = variant((r) => {
    r.id = H('2')
    r.created_at = '2025-06-01T00:00:00.000Z'
    r.command.started_at = '2025-06-01T00:00:00.000Z'
    r.command.ended_at = '2025-06-01T01:00:00.000Z'
    r.command.duration_ms = 3600000
  })
  assert.deepEqual(compareRuns(base(), b), { a: H('1'), b: H('2'), identical: true, ...EMPTY })
  assert.deepEqual(compareRuns({}, {}), { a: null, b: null, identical: true, ...EMPTY })
})

/** The one section that changed, and that every other section stayed empty. */
function only(d: RunDiff, section: (typeof SECTION_ORDER)[number]): Change[] {
  for (const s of SECTION_ORDER) if (s !== section) assert.deepEqual(d[s], [], `section ${s} should be empty`)
  return d[section]
}

test('one change per section, with exact keys and from/to', () => {
  const table: Array<[string, (r: any) => void, (typeof SECTION_ORDER)[number], Change[]]> = [
    ['input changed', (r) => { r.inputs[0].sha256 = H('0') }, 'inputs',
      [{ op: 'changed', key: 'data.csv', from: { size: 10, sha256: H('a') }, to: { size: 10, sha256: H('0') } }]],
    ['input added', (r) => { r.inputs.push({ path: 'extra.txt', size: 1, sha256: H('f') }) }, 'inputs',
      [{ op: 'added', key: 'extra.txt', to: { size: 1, sha256: H('f') } }]],
    ['input removed', (r) => { r.inputs.shift() }, 'inputs',
      [{ op: 'removed', key: 'data.csv', from: { size: 10, sha256: H('a') } }]],
    ['output went missing', (r) => { r.outputs[0] = { path: 'model.bin', missing: true } }, 'outputs',
      [{ op: 'changed', key: 'model.bin', from: { size: 30, sha256: H('c') }, to: { missing: true } }]],
    ['output added', (r) => { r.outputs.push({ path: 'log.txt', size: 5, sha256: H('9') }) }, 'outputs',
      [{ op: 'added', key: 'log.txt', to: { size: 5, sha256: H('9') } }]],
    // The same content, not written by b's command (left from before): a change of the output, not noise.
    ['output left from before', (r) => { r.outputs[0].stale = true }, 'outputs',
      [{ op: 'changed', key: 'model.bin', from: { size: 30, sha256: H('c') }, to: { size: 30, sha256: H('c'), stale: true } }]],
    ['param changed', (r) => { r.params.lr = 0.2 }, 'params', [{ op: 'changed', key: 'lr', from: 0.1, to: 0.2 }]],
    ['param type changed', (r) => { r.params.lr = '0.1' }, 'params', [{ op: 'changed', key: 'lr', from: 0.1, to: '0.1' }]],
    ['nested param changed', (r) => { r.params.model.layers[0].size = 16 }, 'params',
      [{ op: 'changed', key: 'model.layers[0].size', from: 4, to: 16 }]],
    ['param added', (r) => { r.params.seed = 1 }, 'params', [{ op: 'added', key: 'seed', to: 1 }]],
    ['array item removed', (r) => { r.params.model.layers.pop() }, 'params',
      [{ op: 'removed', key: 'model.layers[1].size', from: 8 }]],
    ['var changed', (r) => { r.env.vars.PATH = '/opt/bin:/usr/bin' }, 'env',
      [{ op: 'changed', key: 'vars.PATH', from: '/usr/bin', to: '/opt/bin:/usr/bin' }]],
    ['var added', (r) => { r.env.vars.CUDA_VISIBLE_DEVICES = '0' }, 'env', [{ op: 'added', key: 'vars.CUDA_VISIBLE_DEVICES', to: '0' }]],
    ['var removed', (r) => { delete r.env.vars.LANG }, 'env', [{ op: 'removed', key: 'vars.LANG', from: 'C' }]],
    ['runtime changed', (r) => { r.env.runtime.node = 'v20.12.0' }, 'env',
      [{ op: 'changed', key: 'runtime.node', from: 'v20.11.0', to: 'v20.12.0' }]],
    ['tool changed', (r) => { r.env.tools.git = '2.43.0' }, 'env', [{ op: 'changed', key: 'tools.git', from: '2.39.5', to: '2.43.0' }]],
    ['os changed', (r) => { r.env.os.release = '6.2' }, 'env', [{ op: 'changed', key: 'os.release', from: '6.1', to: '6.2' }]],
    ['argv changed', (r) => { r.command.argv = ['python', 'train.py', '--fast'] }, 'command',
      [{ op: 'changed', key: 'argv', from: ['python', 'train.py'], to: ['python', 'train.py', '--fast'] }]],
    ['exit code changed', (r) => { r.command.exit_code = 1 }, 'command', [{ op: 'changed', key: 'exit_code', from: 0, to: 1 }]],
    ['signal', (r) => { r.command.exit_code = null; r.command.signal = 'SIGTERM' }, 'command', [
      { op: 'changed', key: 'exit_code', from: 0, to: null },
      { op: 'changed', key: 'signal', from: null, to: 'SIGTERM' },
    ]],
    ['cwd changed', (r) => { r.command.cwd = 'sub' }, 'command', [{ op: 'changed', key: 'cwd', from: '.', to: 'sub' }]],
    ['commit changed', (r) => { r.git.commit = H('7').slice(0, 40) }, 'code',
      [{ op: 'changed', key: 'commit', from: H('d').slice(0, 40), to: H('7').slice(0, 40) }]],
    ['branch changed with the commit', (r) => { r.git.branch = null; r.git.commit = H('7').slice(0, 40) }, 'code', [
      { op: 'changed', key: 'branch', from: 'main', to: null },
      { op: 'changed', key: 'commit', from: H('d').slice(0, 40), to: H('7').slice(0, 40) },
    ]],
    ['clean now', (r) => { r.git.dirty = false; r.git.changes = []; r.git.patch = null }, 'code', [
      { op: 'changed', key: 'dirty', from: true, to: false },
      { op: 'changed', key: 'patch', from: H('e'), to: null },
      { op: 'removed', key: 'train.py', from: 'M', scope: 'worktree' },
    ]],
    ['patch changed', (r) => { r.git.patch.sha256 = H('8') }, 'code', [{ op: 'changed', key: 'patch', from: H('e'), to: H('8') }]],
    ['another file changed', (r) => { r.git.changes.push({ path: 'new.py', status: '??' }) }, 'code',
      [{ op: 'added', key: 'new.py', to: '??', scope: 'worktree' }]],
    ['status of a file changed', (r) => { r.git.changes[0].status = 'MM' }, 'code',
      [{ op: 'changed', key: 'train.py', from: 'M', to: 'MM', scope: 'worktree' }]],
    ['not a repository any more', (r) => { r.git = null }, 'code', [{ op: 'removed', key: 'git', from: 'repository' }]],
  ]
  for (const [what, edit, section, expected] of table) {
    const d = compareRuns(base(), variant(edit))
    assert.equal(d.identical, false, what)
    assert.deepEqual(only(d, section), expected, what)
    for (const c of d[section]) {
      if (c.op === 'added') assert.ok(!('from' in c), `${what}: added has no from`)
      if (c.op === 'removed') assert.ok(!('to' in c), `${what}: removed has no to`)
      assert.ok(c.op !== 'changed' || ('from' in c && 'to' in c), what)
    }
  }
})

test('the branch, upstream or remote changed at the same commit: the same code under another name, noise', () => {
  const table: Array<[string, (r: any) => void, string[]]> = [
    ['another branch', (r) => { r.git.branch = 'exp' }, ['branch']],
    ['detached', (r) => { r.git.branch = null }, ['branch']],
    ['the remote spelled another way', (r) => { r.git.remote = 'https://github.com/me/x' }, ['remote']],
    ['an upstream set', (r) => { r.git.upstream = 'origin/main' }, ['upstream']],
    ['all three', (r) => { r.git.branch = 'exp'; r.git.remote = 'https://github.com/me/x'; r.git.upstream = 'origin/exp' }, ['branch', 'remote', 'upstream']],
  ]
  const a = variant((r) => { r.git.remote = 'git@github.com:me/x.git' })
  for (const [what, edit, keys] of table) {
    const d = compareRuns(a, variant((r) => { r.git.remote = 'git@github.com:me/x.git'; edit(r) }))
    assert.equal(d.identical, true, what)
    assert.deepEqual(d.code.map((c) => [c.key, c.noise]).sort(), keys.map((k) => [k, true]).sort(), what)
    // With the commit changed too, each is a change beside it.
    const moved = compareRuns(a, variant((r) => { r.git.remote = 'git@github.com:me/x.git'; r.git.commit = H('7').slice(0, 40); edit(r) }))
    assert.equal(moved.identical, false, what)
    assert.deepEqual(moved.code.filter((c) => c.noise).map((c) => c.key), [], what)
  }
})

test('git: null against an object, both directions, and null against null', () => {
  const noGit = variant((r) => { r.git = null })
  assert.deepEqual(compareRuns(noGit, base()).code, [{ op: 'added', key: 'git', to: 'repository' }])
  assert.deepEqual(compareRuns(base(), noGit).code, [{ op: 'removed', key: 'git', from: 'repository' }])
  assert.equal(compareRuns(noGit, noGit).identical, true)
  const absent = variant((r) => { delete r.git })
  assert.deepEqual(compareRuns(noGit, absent).code, [])
})

test('an untracked directory folded (over the limit) and listed file by file: the same state when over the limit on both sides, one change when it crossed it', () => {
  const files = (n: number): Array<{ path: string; status: string }> => Array.from({ length: n }, (_, i) => ({ path: `venv/lib/m${i}.py`, status: '??' }))
  const m = { path: 'src/a.py', status: 'M' }
  const folded = variant((r) => { r.git.changes = [m, { path: 'venv/', status: '??' }] })
  // Over the limit on both sides (a run recorded by a prov that listed them all): no change.
  const many = variant((r) => { r.git.changes = [m, ...files(250)] })
  assert.deepEqual(compareRuns(many, folded).code, [])
  assert.deepEqual(compareRuns(folded, many).code, [])
  // Under it on one side: the directory crossed the limit (files came, or went): one change, not a line per file.
  const few = variant((r) => { r.git.changes = [m, ...files(198)] })
  assert.deepEqual(compareRuns(few, folded).code, [{ op: 'changed', key: 'venv/', from: '?? 198 untracked entries', to: '?? over 200 untracked entries', scope: 'worktree' }])
  assert.deepEqual(compareRuns(folded, few).code, [{ op: 'changed', key: 'venv/', from: '?? over 200 untracked entries', to: '?? 198 untracked entries', scope: 'worktree' }])
  // Tracked files inside are their own changes; the untracked ones beside them still fold.
  const tracked = variant((r) => { r.git.changes = [m, { path: 'venv/lib/x.py', status: 'M' }, ...files(250)] })
  assert.deepEqual(compareRuns(tracked, folded).code.map((c) => [c.op, c.key]), [['removed', 'venv/lib/x.py']])
  const gone = variant((r) => { r.git.changes = [m] })
  assert.deepEqual(compareRuns(gone, folded).code, [{ op: 'added', key: 'venv/', to: '??', scope: 'worktree' }])
})

test("the runs' own outputs among the untracked files are noise: git's state is read before a command runs", () => {
  // Run a wrote out/ and model.bin; the next run (b) sees them untracked, before its own command.
  const a = variant((r) => { r.git.changes = []; r.git.dirty = false; r.git.patch = null; r.outputs = [{ path: 'model.bin', size: 1, sha256: H('1') }, { path: 'out/m.txt', size: 1, sha256: H('2') }]; r.command.output_dirs = ['out'] })
  const b = variant((r) => { r.git.changes = [{ path: 'model.bin', status: '??' }, { path: 'out/', status: '??' }]; r.git.dirty = true; r.git.patch = null; r.outputs = a.outputs; r.command.output_dirs = ['out'] })
  const d = compareRuns(a, b)
  assert.equal(d.identical, true, JSON.stringify(d.code))
  assert.deepEqual(d.code.map((c) => [c.key, c.noise]), [['dirty', true], ['model.bin', true], ['out/', true]])
  // A file that is no output is code, and makes the dirty flag a change again.
  const c = variant((r) => { r.git.changes = [{ path: 'model.bin', status: '??' }, { path: 'new.py', status: '??' }, { path: 'out/', status: '??' }]; r.git.dirty = true; r.git.patch = null; r.outputs = a.outputs; r.command.output_dirs = ['out'] })
  const e = compareRuns(a, c)
  assert.equal(e.identical, false)
  assert.deepEqual(e.code.filter((x) => !x.noise).map((x) => x.key), ['dirty', 'new.py'])
  // The table of what counts as a run's own output.
  const own = runsOwnOutput(a, variant((r) => { r.outputs = [{ path: 'res/run1/x.csv', size: 1, sha256: H('3') }]; r.command.output_dirs = ['logs/run1'] }))
  // Only what a run recorded: its output files, and its output directories as git shows them whole;
  // not a directory that holds one (a new source file may be beside it), nor a path below one that no run recorded.
  const table: Array<[string, boolean]> = [['model.bin', true], ['out/', true], ['out/m.txt', true], ['res/run1/x.csv', true], ['logs/run1/', true],
    ['out/sub/', false], ['out/new.py', false], ['res/', false], ['logs/', false], ['logs/run1/a.log', false], ['model.bin.bak', false], ['outx/', false], ['src/', false], ['train.py', false]]
  for (const [key, expected] of table) assert.equal(own(key), expected, key)
  // A tracked output rewritten, and a directory that merely holds an output directory, are code.
  const tracked = variant((r) => { r.git.changes = [{ path: 'model.bin', status: 'M' }]; r.git.dirty = true; r.git.patch = null; r.outputs = a.outputs; r.command.output_dirs = ['out'] })
  assert.deepEqual(compareRuns(a, tracked).code.filter((x) => !x.noise).map((x) => x.key), ['dirty', 'model.bin'])
  // A file that was there before a run's command is not its output, though the run hashed it after (`-o src` and a new src/feature.py).
  const gen = { path: 'src/gen.txt', size: 1, sha256: H('4') }
  const first = variant((r) => { r.git.changes = []; r.git.dirty = false; r.git.patch = null; r.outputs = [gen]; r.command.output_dirs = ['src'] })
  const second = variant((r) => { r.git.changes = [{ path: 'src/feature.py', status: '??' }, { path: 'src/gen.txt', status: '??' }]; r.git.dirty = true; r.git.patch = null; r.outputs = [{ path: 'src/feature.py', size: 1, sha256: H('5') }, gen]; r.command.output_dirs = ['src'] })
  assert.deepEqual(compareRuns(first, second).code.filter((x) => !x.noise).map((x) => x.key), ['dirty', 'src/feature.py'])
  const nested = variant((r) => { r.git.changes = [{ path: 'experiments/', status: '??' }]; r.git.dirty = true; r.git.patch = null; r.outputs = []; r.command.output_dirs = ['experiments/out'] })
  assert.deepEqual(compareRuns(a, nested).code.filter((x) => !x.noise).map((x) => x.key), ['dirty', 'experiments/'])
})

test('contentDiffers: by the hashes where both sides have one, else by the sizes where both have one, else unknown (no change)', () => {
  const table: Array<[ChangeContent, ChangeContent, boolean]> = [
    [{ size: 6, sha256: H('1') }, { size: 6, sha256: H('1') }, false],
    [{ size: 6, sha256: H('1') }, { size: 6, sha256: H('2') }, true], // same size, other content
    [{ size: 6, sha256: H('1') }, { size: 7, sha256: H('2') }, true],
    [{ size: 20 << 20 }, { size: 20 << 20 }, false], // over the hash limit on both sides, the same size: not told
    [{ size: 20 << 20 }, { size: 21 << 20 }, true],
    [{ size: 6, sha256: H('1') }, { size: 20 << 20 }, true], // it grew past the limit
    [{ size: 6, sha256: H('1') }, {}, false], // nothing known on one side: a run recorded before prov kept it
    [{}, { size: 6, sha256: H('1') }, false],
    [{}, {}, false],
  ]
  for (const [x, y, expected] of table) {
    assert.equal(contentDiffers(x, y), expected, `${JSON.stringify(x)} / ${JSON.stringify(y)}`)
    assert.equal(contentDiffers(y, x), expected, `${JSON.stringify(y)} / ${JSON.stringify(x)}`)
  }
  assert.deepEqual(['??', { status: 'M', size: 1 }, { size: 1 }, 5, undefined].map(worktreeStatus), ['??', 'M', undefined, undefined, undefined])
})

test("code: a path of the same status whose content git does not hold changed (an untracked file, a tracked one left out of the patch) is a change; content known on one side only is not", () => {
  const withChanges = (changes: unknown[]): Rec => variant((r) => { r.git.changes = changes; r.git.patch = { sha256: H('e'), size: 100, omitted: ['big.bin'] } })
  const a = withChanges([{ path: 'big.bin', status: 'M', size: 2 << 20, sha256: H('1') }, { path: 'helpers.py', status: '??', size: 6, sha256: H('2') }, { path: 'train.py', status: 'M' }])
  const b = withChanges([{ path: 'big.bin', status: 'M', size: 2 << 20, sha256: H('3') }, { path: 'helpers.py', status: '??', size: 6, sha256: H('4') }, { path: 'train.py', status: 'M' }])
  const d = compareRuns(a, b)
  assert.equal(d.identical, false)
  assert.deepEqual(d.code, [
    { op: 'changed', key: 'big.bin', from: { status: 'M', size: 2 << 20, sha256: H('1') }, to: { status: 'M', size: 2 << 20, sha256: H('3') }, scope: 'worktree' },
    { op: 'changed', key: 'helpers.py', from: { status: '??', size: 6, sha256: H('2') }, to: { status: '??', size: 6, sha256: H('4') }, scope: 'worktree' },
  ])
  assert.equal(compareRuns(a, a).identical, true)
  // A run recorded before prov kept the content (no size, no sha256) against a new one: unknown, not a change.
  const old = withChanges([{ path: 'big.bin', status: 'M' }, { path: 'helpers.py', status: '??' }, { path: 'train.py', status: 'M' }])
  assert.deepEqual(compareRuns(old, b).code, [])
  assert.deepEqual(compareRuns(b, old).code, [])
  // A status that changed is the change it was (the codes as from and to), content or not.
  const staged = withChanges([{ path: 'big.bin', status: 'M', size: 2 << 20, sha256: H('1') }, { path: 'helpers.py', status: 'A' }, { path: 'train.py', status: 'M' }])
  assert.deepEqual(compareRuns(a, staged).code, [{ op: 'changed', key: 'helpers.py', from: '??', to: 'A', scope: 'worktree' }])
  // --ignore holds for them as for the rest.
  assert.deepEqual(compareRuns(a, b, { ignore: ['*.py'] }).code.map((c) => [c.key, c.noise]), [['big.bin', undefined], ['helpers.py', true]])
  // A run's own output (-o out.txt), untracked: the next run's state holds what the run wrote
  // (a's output, 6), a's state what the run before it wrote (5). Noise: its content is the
  // outputs' to tell (6 against 7 here), also between runs further apart, and either way round.
  // (The outputs differ: that is the outputs' change, not the code's.)
  const out = (before: string, wrote: string, path = 'out.txt'): Rec => variant((r) => { r.git.changes = [{ path: 'out.txt', status: '??', size: 2, sha256: H(before) }]; r.git.patch = null; r.outputs = [{ path, size: 2, sha256: H(wrote) }] })
  for (const [x, y] of [[out('5', '6'), out('6', '7')], [out('6', '7'), out('5', '6')], [out('5', '6'), out('8', '9')]]) {
    assert.deepEqual(compareRuns(x!, y!).code.map((c) => [c.key, c.noise]), [['out.txt', true]])
  }
  // One run's output is enough; a file that no run recorded as an output is code.
  assert.deepEqual(compareRuns(out('5', '6'), out('6', '7', 'other.txt')).code.map((c) => [c.key, c.noise]), [['out.txt', true]])
  assert.deepEqual(compareRuns(out('5', '6', 'other.txt'), out('6', '7', 'other.txt')).code.map((c) => [c.key, c.noise]), [['out.txt', undefined]])
  // An untracked input (-i data.csv, not in git) is the inputs' to tell too: not a change of the code as well.
  const input = (before: string): Rec => variant((r) => { r.git.changes = [{ path: 'data.csv', status: '??', size: 2, sha256: H(before) }]; r.git.patch = null; r.inputs = [{ path: 'data.csv', size: 2, sha256: H(before) }] })
  assert.deepEqual(compareRuns(input('5'), input('6')).code.map((c) => [c.key, c.noise]), [['data.csv', true]])
  assert.deepEqual(compareRuns(input('5'), input('6')).inputs.map((c) => [c.key, c.noise]), [['data.csv', undefined]])
  // Given to one run only, its change shows nowhere else: code.
  const notInput = variant((r) => { r.git.changes = [{ path: 'data.csv', status: '??', size: 2, sha256: H('6') }]; r.git.patch = null; r.inputs = [] })
  assert.deepEqual(compareRuns(input('5'), notInput).code.map((c) => [c.key, c.noise]), [['data.csv', undefined]])
  // A tracked output left out of the patch is code, whoever wrote it, as its patch would be.
  const tracked = (before: string): Rec => variant((r) => { r.git.changes = [{ path: 'out.txt', status: 'M', size: 2, sha256: H(before) }]; r.outputs = [{ path: 'out.txt', size: 2, sha256: H('7') }] })
  assert.deepEqual(compareRuns(tracked('5'), tracked('6')).code.map((c) => [c.key, c.noise]), [['out.txt', undefined]])
})

test('changes within a section are sorted by key, in UTF-8 order', () => {
  const b = variant((r) => {
    r.params.zeta = 1
    r.params['\ud83d\ude00'] = 1
    r.params['\uff21'] = 1
    r.params.alpha = 1
  })
  assert.deepEqual(compareRuns(base(), b).params.map((c) => c.key), ['alpha', 'zeta', '\uff21', '\ud83d\ude00'])
})

test('session variables are noise: flagged, and identical stays true', () => {
  const b = variant((r) => {
    r.env.vars.OLDPWD = '/b'
    r.env.vars.SHLVL = '2'
    r.env.vars._ = '/usr/local/bin/prov'
    r.env.vars.npm_config_x = '2'
    r.env.vars.npm_lifecycle_event = 'test'
    delete r.env.vars.npm_config_x
  })
  const d = compareRuns(base(), b)
  assert.equal(d.identical, true)
  assert.deepEqual(only(d, 'env'), [
    { op: 'changed', key: 'vars.OLDPWD', from: '/a', to: '/b', noise: true },
    { op: 'changed', key: 'vars.SHLVL', from: '1', to: '2', noise: true },
    { op: 'changed', key: 'vars._', from: '/usr/bin/prov', to: '/usr/local/bin/prov', noise: true },
    { op: 'removed', key: 'vars.npm_config_x', from: '1', noise: true },
    { op: 'added', key: 'vars.npm_lifecycle_event', to: 'test', noise: true },
  ])
  // One real change next to the noise: not identical, and only the noise is flagged.
  const c = compareRuns(base(), variant((r) => { r.env.vars.SHLVL = '3'; r.env.vars.LANG = 'C.UTF-8' }))
  assert.equal(c.identical, false)
  assert.deepEqual(c.env.map((x) => [x.key, x.noise === true]), [['vars.LANG', false], ['vars.SHLVL', true]])
})

test('the message is a note about the run: a change of it is noise, reported, and identical stays true', () => {
  const table: Array<[string, (r: any) => void, (r: any) => void, Change]> = [
    ['added', () => {}, (r) => { r.message = 'second try' }, { op: 'added', key: 'message', to: 'second try', noise: true }],
    ['removed', (r) => { r.message = 'first try' }, () => {}, { op: 'removed', key: 'message', from: 'first try', noise: true }],
    ['changed', (r) => { r.message = 'a' }, (r) => { r.message = 'b' }, { op: 'changed', key: 'message', from: 'a', to: 'b', noise: true }],
  ]
  for (const [what, ea, eb, expected] of table) {
    const d = compareRuns(variant(ea), variant(eb))
    assert.equal(d.identical, true, what)
    assert.deepEqual(only(d, 'command'), [expected], what)
  }
  // Beside a real change of the command: not identical, and only the message is flagged.
  const c = compareRuns(base(), variant((r) => { r.message = 'b'; r.command.exit_code = 1 }))
  assert.equal(c.identical, false)
  assert.deepEqual(c.command.map((x) => [x.key, x.noise === true]), [['exit_code', false], ['message', true]])
})

test("the store key's id is a note about the run: a change of it is noise, and a secret's fingerprints under two keys stay a change", () => {
  const FA = '[redacted hmac-sha256:' + 'a'.repeat(32) + ']'
  const FB = '[redacted hmac-sha256:' + 'b'.repeat(32) + ']'
  const withKey = (id: string | undefined, secret: string) => variant((r) => {
    if (id !== undefined) r.env.key_id = id
    r.env.vars.WANDB_API_KEY = secret
    r.command.argv = ['python', 'train.py', `--token=${secret}`]
  })
  const table: Array<[string, string | undefined, string | undefined, Change | undefined]> = [
    ['changed', '0123456789abcdef', 'fedcba9876543210', { op: 'changed', key: 'key_id', from: '0123456789abcdef', to: 'fedcba9876543210', noise: true }],
    ['added (a run recorded before runs kept it)', undefined, 'fedcba9876543210', { op: 'added', key: 'key_id', to: 'fedcba9876543210', noise: true }],
    ['removed', '0123456789abcdef', undefined, { op: 'removed', key: 'key_id', from: '0123456789abcdef', noise: true }],
    ['the same', '0123456789abcdef', '0123456789abcdef', undefined],
  ]
  for (const [what, ka, kb, expected] of table) {
    const [a, b] = [withKey(ka, FA), withKey(kb, FA)]
    const same = compareRuns(a, b)
    assert.equal(same.identical, true, what)
    assert.deepEqual(same.env.find((c) => c.key === 'key_id'), expected, what)
    assert.equal(keysDiffer(a, b), what === 'changed', what)
    // Another fingerprint: a change, whatever the keys (the secret may have changed).
    const d = compareRuns(a, withKey(kb, FB))
    assert.equal(d.identical, false, what)
    const secret = d.env.find((c) => c.key === 'vars.WANDB_API_KEY')!
    assert.deepEqual(secret, { op: 'changed', key: 'vars.WANDB_API_KEY', from: FA, to: FB })
    assert.equal(isFingerprintChange(secret), true)
    const argv = d.command.find((c) => c.key === 'argv')!
    assert.equal(isFingerprintChange(argv), true, 'a fingerprint inside a value')
  }
  // Only a change whose both sides hold a fingerprint.
  assert.equal(isFingerprintChange({ op: 'changed', key: 'vars.X', from: 'clear', to: FB }), false)
  assert.equal(isFingerprintChange({ op: 'added', key: 'vars.X', to: FB }), false)
  assert.equal(isFingerprintChange({ op: 'changed', key: 'lr', from: 0.1, to: 0.2 }), false)
  assert.equal(isFingerprintChange({ op: 'changed', key: 'db', from: { password: FA }, to: { password: FB } }), true)
  // Whether it differs in its fingerprints alone.
  const only: Array<[string, unknown, unknown, boolean]> = [
    ['a bare fingerprint', FA, FB, true],
    ['argv, the secret alone', ['t', '--pw', FA, '-n', '1'], ['t', '--pw', FB, '-n', '1'], true],
    ['argv, a plain argument too', ['t', '--pw', FA, '-n', '1'], ['t', '--pw', FB, '-n', '2'], false],
    ['an object, another key too', { password: FA, user: 'a' }, { password: FB, user: 'b' }, false],
    ['a fingerprint within a string', `postgres://u:${FA}@h/db`, `postgres://u:${FB}@h/db`, true],
    ['within a string, the host too', `postgres://u:${FA}@h/db`, `postgres://u:${FB}@g/db`, false],
  ]
  for (const [what, from, to, expected] of only) assert.equal(differsInFingerprintsOnly({ op: 'changed', key: 'k', from, to }), expected, what)
  // --ignore and the other noise are as they were.
  assert.equal(compareRuns(withKey('0123456789abcdef', FA), withKey('fedcba9876543210', FB), { ignore: ['vars.WANDB_*', 'argv'] }).identical, true)
})

test('isNoiseKey: only env vars, matched against the documented globs', () => {
  const table: Array<[(typeof SECTION_ORDER)[number], string, boolean]> = [
    ['env', 'vars.OLDPWD', true],
    ['env', 'vars.PWD', true],
    ['env', 'vars.SHLVL', true],
    ['env', 'vars._', true],
    ['env', 'vars.npm_config_cache', true],
    ['env', 'vars.VSCODE_PID', true],
    ['env', 'vars.PROV_DIR', true],
    ['env', 'vars.PROV_DEBUG', true],
    ['env', 'vars.PROV_LOG_LEVEL', true],
    ['env', 'vars.PROV_OTHER', false],
    ['env', 'vars.prov_dir', false],
    ['env', 'vars.PATH', false],
    ['env', 'vars.OLDPWDX', false],
    ['env', 'vars.__', false],
    // Names as the environment spells them: npm run's lower-case npm_config_*, not one's own NPM_CONFIG_*.
    ['env', 'vars.NPM_CONFIG_REGISTRY', false],
    ['env', 'vars.Npm_config_x', false],
    ['env', 'vars.oldpwd', false],
    ['env', 'vars.shlvl', false],
    // A CI service's or a batch scheduler's per-job ids; a job's name and resources are no noise.
    ['env', 'vars.GITHUB_RUN_ID', true],
    ['env', 'vars.GITHUB_RUN_NUMBER', true],
    ['env', 'vars.RUNNER_TRACKING_ID', true],
    ['env', 'vars.CI_JOB_ID', true],
    ['env', 'vars.CI_JOB_TOKEN', true],
    ['env', 'vars.BUILD_NUMBER', false],
    ['env', 'vars.GITHUB_OUTPUT', true],
    ['env', 'vars.CI_REGISTRY_PASSWORD', true],
    ['env', 'vars.SLURM_JOB_ID', true],
    ['env', 'vars.SLURM_JOBID', true],
    ['env', 'vars.PBS_JOBID', true],
    ['env', 'vars.github_run_id', false],
    ['env', 'vars.GITHUB_JOB', false],
    ['env', 'vars.GITHUB_SHA', false],
    ['env', 'vars.SLURM_CPUS_ON_NODE', false],
    ['env', 'vars.SLURM_JOB_NAME', false],
    ['env', 'runtime.node', false],
    ['env', 'SHLVL', false],
    ['params', 'vars.SHLVL', false],
    ['command', 'OLDPWD', false],
  ]
  for (const [section, key, expected] of table) assert.equal(isNoiseKey(section, key), expected, `${section} ${key}`)
  for (const name of ['OLDPWD', 'SHLVL', '_']) assert.ok(NOISE_VARS.includes(name), name)
})

test('a change of vars.TZ is noise where timezone reports the same change', () => {
  const tz = (vars: string | undefined, zone: string) => variant((r) => { if (vars === undefined) delete r.env.vars.TZ; else r.env.vars.TZ = vars; r.env.timezone = zone })
  const table: Array<[string, [string | undefined, string], [string | undefined, string], boolean]> = [
    ['TZ set on both sides, as the zones', ['Europe/Berlin', 'Europe/Berlin'], ['UTC', 'UTC'], true],
    ["TZ's leading ':' is no part of the zone", [':Europe/Berlin', 'Europe/Berlin'], ['UTC', 'UTC'], true],
    ['TZ added: the zone came from /etc before', [undefined, 'Etc/UTC'], ['Asia/Tokyo', 'Asia/Tokyo'], true],
    ['TZ removed', ['Asia/Tokyo', 'Asia/Tokyo'], [undefined, 'Etc/UTC'], true],
    ['TZ changed, the zone not (a record made by hand)', ['UTC', 'UTC'], ['Etc/UTC', 'UTC'], false],
    ['TZ not the zone recorded', ['UTC', 'Europe/Paris'], ['Asia/Tokyo', 'Asia/Tokyo'], false],
  ]
  for (const [what, [ta, za], [tb, zb], echo] of table) {
    const d = compareRuns(tz(ta, za), tz(tb, zb))
    const c = d.env.find((x) => x.key === 'vars.TZ')
    assert.ok(c !== undefined, what)
    assert.equal(c.noise === true, echo, what)
    assert.equal(d.env.find((x) => x.key === 'timezone')?.noise, undefined, `${what}: timezone is reported`)
  }
})

test("prov's own variables are noise: naming the store or debugging prov changes nothing of the run", () => {
  const d = compareRuns(base(), variant((r) => { r.env.vars.PROV_DIR = '/tmp/store'; r.env.vars.PROV_DEBUG = '1'; r.env.vars.PROV_LOG_LEVEL = 'debug' }))
  assert.equal(d.identical, true)
  assert.deepEqual(d.env, [
    { op: 'added', key: 'vars.PROV_DEBUG', to: '1', noise: true },
    { op: 'added', key: 'vars.PROV_DIR', to: '/tmp/store', noise: true },
    { op: 'added', key: 'vars.PROV_LOG_LEVEL', to: 'debug', noise: true },
  ])
})

test('a locale variable, recorded in locale and among vars, is one change: locale.<NAME>, and vars.<NAME> is noise', () => {
  const withLocale = (r: any): void => { r.env.locale = { LANG: 'C' } }
  const a = variant(withLocale)
  const set = (edit: (r: any) => void): Rec => variant((r) => { withLocale(r); edit(r) })
  const d = compareRuns(a, set((r) => { r.env.locale.LC_ALL = 'C'; r.env.vars.LC_ALL = 'C'; r.env.locale.LANG = 'C.UTF-8'; r.env.vars.LANG = 'C.UTF-8' }))
  assert.equal(d.identical, false)
  assert.deepEqual(d.env, [
    { op: 'changed', key: 'locale.LANG', from: 'C', to: 'C.UTF-8' },
    { op: 'added', key: 'locale.LC_ALL', to: 'C' },
    { op: 'changed', key: 'vars.LANG', from: 'C', to: 'C.UTF-8', noise: true },
    { op: 'added', key: 'vars.LC_ALL', to: 'C', noise: true },
  ])
  // Not the same change: each is reported (a variable left out of vars by the policy, a record made by hand).
  const dropped = compareRuns(a, set((r) => { r.env.locale.LANG = 'C.UTF-8'; delete r.env.vars.LANG }))
  assert.deepEqual(dropped.env.map((c) => [c.key, c.noise === true]), [['locale.LANG', false], ['vars.LANG', false]])
  const varsOnly = compareRuns(a, set((r) => { r.env.vars.LANG = 'C.UTF-8' }))
  assert.deepEqual(varsOnly.env.map((c) => [c.key, c.noise === true]), [['vars.LANG', false]])
  // A variable that is not the locale's is never folded into one that is.
  const other = compareRuns(a, set((r) => { r.env.locale.LC_MONETARY = 'C'; r.env.vars.LC_MONETARY = 'C' }))
  assert.deepEqual(other.env.map((c) => [c.key, c.noise === true]), [['locale.LC_MONETARY', false], ['vars.LC_MONETARY', false]])
})

test('--ignore globs mark matching changes as noise, by key or by section.key', () => {
  const b = variant((r) => {
    r.env.vars.HOSTNAME = 'h2'
    r.outputs.push({ path: 'logs/run.log', size: 1, sha256: H('9') })
    r.params.seed = 7
  })
  assert.equal(compareRuns(base(), b).identical, false)

  const all = compareRuns(base(), b, { ignore: ['vars.HOSTNAME', 'outputs.logs/*', 'seed'] })
  assert.equal(all.identical, true)
  assert.deepEqual(all.env, [{ op: 'changed', key: 'vars.HOSTNAME', from: 'h1', to: 'h2', noise: true }])
  assert.deepEqual(all.outputs, [{ op: 'added', key: 'logs/run.log', to: { size: 1, sha256: H('9') }, noise: true }])
  assert.deepEqual(all.params, [{ op: 'added', key: 'seed', to: 7, noise: true }])

  const some = compareRuns(base(), b, { ignore: ['env.vars.HOST*'] })
  assert.equal(some.identical, false)
  assert.equal(some.env[0]!.noise, true)
  assert.equal(some.params[0]!.noise, undefined)
  assert.equal(some.outputs[0]!.noise, undefined)

  // Globs are anchored: a glob matching part of a key does not ignore it.
  assert.equal(compareRuns(base(), b, { ignore: ['HOSTNAME', 'logs', 'see'] }).env[0]!.noise, undefined)
})

test('recomputeIdentical follows the noise flags', () => {
  const d = compareRuns(base(), base())
  d.code.push({ op: 'changed', key: 'src/x.py', from: 'a', to: 'b', scope: 'commits' })
  assert.equal(recomputeIdentical(d).identical, false)
  d.code[0]!.noise = true
  assert.equal(recomputeIdentical(d).identical, true)
})

/** inputs/outputs as compareRuns compared them before the merge: maps by path, then sorted. */
function compareFilesByMaps(a: unknown, b: unknown): Change[] {
  const toMap = (list: unknown): Map<string, unknown> => {
    const m = new Map<string, unknown>()
    if (!Array.isArray(list)) return m
    for (const e of list) {
      const { path, ...rest } = (typeof e === 'object' && e !== null && !Array.isArray(e) ? e : {}) as { path?: unknown }
      if (typeof path === 'string') m.set(path, rest)
    }
    return m
  }
  const ma = toMap(a)
  const mb = toMap(b)
  const out: Change[] = []
  const same = (x: unknown, y: unknown): boolean => canonicalize(x) === canonicalize(y)
  for (const [k, v] of ma) {
    if (!mb.has(k)) out.push({ op: 'removed', key: k, from: v })
    else if (!same(v, mb.get(k))) out.push({ op: 'changed', key: k, from: v, to: mb.get(k) })
  }
  for (const [k, v] of mb) if (!ma.has(k)) out.push({ op: 'added', key: k, to: v })
  return out.sort((x, y) => compareUtf8(x.key, y.key))
}

/** Deep equality that also holds the key order of every object (the bytes diff-runs prints). */
function assertSameJson(actual: unknown, expected: unknown, what: string): void {
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), what)
  assert.deepEqual(actual, expected, what)
}

test('inputs/outputs: sorted lists, unsorted ones, repeats and junk all give what the maps gave', () => {
  const f = (path: unknown, sha = 'a', more: Record<string, unknown> = {}): Record<string, unknown> => ({ path, size: 1, sha256: H(sha), ...more })
  const table: Array<[string, unknown, unknown, Change[]]> = [
    ['sorted, one of each op', [f('a'), f('b'), f('c')], [f('b', 'x'), f('c'), f('d')], [
      { op: 'removed', key: 'a', from: { size: 1, sha256: H('a') } },
      { op: 'changed', key: 'b', from: { size: 1, sha256: H('a') }, to: { size: 1, sha256: H('x') } },
      { op: 'added', key: 'd', to: { size: 1, sha256: H('a') } },
    ]],
    ['UTF-8 order: U+FF21 before an astral character', [f('\uff21'), f('\ud83d\ude00')], [f('\uff21', 'b'), f('\ud83d\ude00', 'b')], [
      { op: 'changed', key: '\uff21', from: { size: 1, sha256: H('a') }, to: { size: 1, sha256: H('b') } },
      { op: 'changed', key: '\ud83d\ude00', from: { size: 1, sha256: H('a') }, to: { size: 1, sha256: H('b') } },
    ]],
    ['unsorted (UTF-16 order): still sorted output', [f('\ud83d\ude00'), f('\uff21')], [], [
      { op: 'removed', key: '\uff21', from: { size: 1, sha256: H('a') } },
      { op: 'removed', key: '\ud83d\ude00', from: { size: 1, sha256: H('a') } },
    ]],
    ['a repeated path: the last entry counts', [f('a'), f('a', 'b')], [f('a', 'b')], []],
    ['a repeated path in b', [f('a')], [f('a', 'b'), f('a')], []],
    ['entries without a path, and junk, are passed over', [null, 7, 'a', [f('a')], f(1), { size: 1 }, f('a')], [f('a')], []],
    ['not lists at all', { path: 'a' }, 'x', []],
    ['same entry, keys in another order: no change', [f('a')], [{ sha256: H('a'), path: 'a', size: 1 }], []],
    ['key order of from/to kept as written', [{ sha256: H('a'), size: 1, path: 'a' }], [{ path: 'a', sha256: H('b'), size: 1 }], [
      { op: 'changed', key: 'a', from: { sha256: H('a'), size: 1 }, to: { sha256: H('b'), size: 1 } },
    ]],
    ['missing now', [f('a')], [{ path: 'a', missing: true }], [
      { op: 'changed', key: 'a', from: { size: 1, sha256: H('a') }, to: { missing: true } },
    ]],
    ['nested values: equal by content, whatever their key order', [f('a', 'a', { x: { p: 1, q: [1] } })], [f('a', 'a', { x: { q: [1], p: 1 } })], []],
    ['nested values that differ', [f('a', 'a', { x: [1] })], [f('a', 'a', { x: [2] })], [
      { op: 'changed', key: 'a', from: { size: 1, sha256: H('a'), x: [1] }, to: { size: 1, sha256: H('a'), x: [2] } },
    ]],
    ['a field only one side has', [f('a')], [f('a', 'a', { stream: 'stdout' })], [
      { op: 'changed', key: 'a', from: { size: 1, sha256: H('a') }, to: { size: 1, sha256: H('a'), stream: 'stdout' } },
    ]],
    ['1 and 1.0 are one number; "1" is not', [f('a')], [{ path: 'a', size: '1', sha256: H('a') }], [
      { op: 'changed', key: 'a', from: { size: 1, sha256: H('a') }, to: { size: '1', sha256: H('a') } },
    ]],
  ]
  for (const [what, a, b, expected] of table) {
    for (const section of ['inputs', 'outputs'] as const) {
      const d = compareRuns({ [section]: a }, { [section]: b })
      assertSameJson(d[section], expected, `${what} (${section})`)
      assertSameJson(d[section], compareFilesByMaps(a, b), `${what} (${section}, maps)`)
      assert.equal(d.identical, expected.length === 0, what)
    }
  }
  // Not JSON: a value canonicalize refuses is refused even when both sides hold the same one.
  for (const bad of [Infinity, NaN, () => 1]) {
    assert.throws(() => compareRuns({ inputs: [f('a', 'a', { x: bad })] }, { inputs: [f('a', 'a', { x: bad })] }), TypeError, String(bad))
  }
})

test('inputs: random lists, sorted or not, give what the maps gave', () => {
  const path = fc.constantFrom('a', 'b', 'b/c', 'c', '\uff21', '\ud83d\ude00', 'é', 'a b')
  const entry = fc.oneof(
    { weight: 6, arbitrary: fc.record({ path, size: fc.constantFrom(0, 1, 2), sha256: fc.constantFrom(H('a'), H('b')) }) },
    { weight: 1, arbitrary: fc.record({ path, missing: fc.constant(true) }) },
    { weight: 1, arbitrary: fc.record({ sha256: fc.constantFrom(H('a')), path, size: fc.constantFrom(1, '1') }) },
    { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.integer(), fc.record({ size: fc.nat() }), fc.record({ path: fc.integer() })) },
  )
  const sorted = fc.uniqueArray(fc.record({ path, size: fc.constantFrom(0, 1), sha256: fc.constantFrom(H('a'), H('b')) }), { selector: (e) => e.path, maxLength: 8 })
    .map((l) => l.sort((x, y) => compareUtf8(x.path, y.path)))
  const list = fc.oneof(sorted, fc.array(entry, { maxLength: 8 }))
  fc.assert(fc.property(list, list, (a, b) => {
    assertSameJson(compareRuns({ inputs: a }, { inputs: b }).inputs, compareFilesByMaps(a, b), JSON.stringify([a, b]))
  }), { numRuns: 2000 })
})

test('params and env: keys that hold dots, brackets or quotes do not collide with nested ones', () => {
  const withParams = (params: unknown): Rec => variant((r) => { r.params = params })
  const table: Array<[unknown, unknown, Change[]]> = [
    [{ 'a.b': 1 }, { a: { b: 1 } }, [{ op: 'removed', key: '["a.b"]', from: 1 }, { op: 'added', key: 'a.b', to: 1 }]],
    [{ a: { 'b.c': 1 } }, { a: { b: { c: 1 } } }, [{ op: 'removed', key: 'a["b.c"]', from: 1 }, { op: 'added', key: 'a.b.c', to: 1 }]],
    [{ 'a[0]': 1 }, { a: [1] }, [{ op: 'removed', key: '["a[0]"]', from: 1 }, { op: 'added', key: 'a[0]', to: 1 }]],
    [{ '': 1 }, { x: 1 }, [{ op: 'removed', key: '[""]', from: 1 }, { op: 'added', key: 'x', to: 1 }]],
    [{ 'a.b': 1 }, { 'a.b': 2 }, [{ op: 'changed', key: '["a.b"]', from: 1, to: 2 }]],
  ]
  for (const [pa, pb, expected] of table) {
    const d = compareRuns(withParams(pa), withParams(pb))
    assert.deepEqual(only(d, 'params'), [...expected].sort((x, y) => compareUtf8(x.key, y.key)), `${JSON.stringify(pa)} → ${JSON.stringify(pb)}`)
    assert.equal(d.identical, false)
  }
  const env = compareRuns(variant((r) => { r.env.tools = { 'a.b': '1' } }), variant((r) => { r.env.tools = { a: { b: '1' } } }))
  assert.deepEqual(only(env, 'env').map((c) => [c.op, c.key]), [['added', 'tools.a.b'], ['removed', 'tools["a.b"]']])
})

test('an empty object or array is not reported added or removed where the other side has what is inside it', () => {
  const withParams = (params: unknown): Rec => variant((r) => { r.params = params })
  const table: Array<[unknown, unknown, Change[]]> = [
    [{ a: { x: 1 } }, { a: {} }, [{ op: 'removed', key: 'a.x', from: 1 }]],
    [{ a: {} }, { a: { x: 1 } }, [{ op: 'added', key: 'a.x', to: 1 }]],
    [{ a: { x: 1, y: 2 } }, { a: {} }, [{ op: 'removed', key: 'a.x', from: 1 }, { op: 'removed', key: 'a.y', from: 2 }]],
    [{ a: [1] }, { a: [] }, [{ op: 'removed', key: 'a[0]', from: 1 }]],
    [{ a: [] }, { a: [{ b: 1 }] }, [{ op: 'added', key: 'a[0].b', to: 1 }]],
    [{ a: { x: { y: 1 } } }, { a: { x: {} } }, [{ op: 'removed', key: 'a.x.y', from: 1 }]],
    [{ 'a.b': { x: 1 } }, { 'a.b': {} }, [{ op: 'removed', key: '["a.b"].x', from: 1 }]],
    // Nothing inside on the other side: the empty one is reported.
    [{ a: {} }, {}, [{ op: 'removed', key: 'a', from: {} }]],
    [{}, { a: [] }, [{ op: 'added', key: 'a', to: [] }]],
    [{ a: {} }, { a: 1 }, [{ op: 'changed', key: 'a', from: {}, to: 1 }]],
    [{ a: {} }, { a: [] }, [{ op: 'changed', key: 'a', from: {}, to: [] }]],
    // An empty container becoming a filled one of the other kind: the change of kind shows.
    [{ a: {} }, { a: [1] }, [{ op: 'removed', key: 'a', from: {} }, { op: 'added', key: 'a[0]', to: 1 }]],
    [{ a: [] }, { a: { x: 1 } }, [{ op: 'removed', key: 'a', from: [] }, { op: 'added', key: 'a.x', to: 1 }]],
    [{ a: [] }, { a: { 'x.y': 1 } }, [{ op: 'removed', key: 'a', from: [] }, { op: 'added', key: 'a["x.y"]', to: 1 }]],
    [{ a: {} }, { a: { 'x.y': 1 } }, [{ op: 'added', key: 'a["x.y"]', to: 1 }]],
    // A key that only starts like it is not inside it.
    [{ a: {} }, { ab: 1 }, [{ op: 'removed', key: 'a', from: {} }, { op: 'added', key: 'ab', to: 1 }]],
    [{ a: {} }, { '["a"]': 1 }, [{ op: 'removed', key: 'a', from: {} }, { op: 'added', key: '["[\\"a\\"]"]', to: 1 }]],
  ]
  for (const [pa, pb, expected] of table) {
    const d = compareRuns(withParams(pa), withParams(pb))
    assert.deepEqual(only(d, 'params'), [...expected].sort((x, y) => compareUtf8(x.key, y.key)), `${JSON.stringify(pa)} → ${JSON.stringify(pb)}`)
    assert.equal(d.identical, false)
  }
  // env: no tools found against some found
  const none = variant((r) => { r.env.tools = {} })
  assert.deepEqual(only(compareRuns(none, base()), 'env'), [
    { op: 'added', key: 'tools.git', to: '2.39.5' }, { op: 'added', key: 'tools.python', to: '3.11.2' },
  ])
  assert.deepEqual(only(compareRuns(base(), none), 'env'), [
    { op: 'removed', key: 'tools.git', from: '2.39.5' }, { op: 'removed', key: 'tools.python', from: '3.11.2' },
  ])
  assert.deepEqual(only(compareRuns(none, variant((r) => { delete r.env.tools })), 'env'), [{ op: 'removed', key: 'tools', from: {} }])
})

test('packages of an ecosystem one run did not list are noise, the empty list of one included; where both list it, a change', () => {
  const withPackages = (packages: unknown): Rec => {
    const r = base()
    const env = { ...(r.env as Rec) }
    if (packages === undefined) delete env.packages
    else env.packages = packages
    return { ...r, env }
  }
  const cases: Array<[unknown, unknown, Array<[string, boolean]>]> = [
    [undefined, { python: {} }, [['packages.python', true]]],
    [{ python: {} }, undefined, [['packages.python', true]]],
    [undefined, { python: { numpy: '1.0' } }, [['packages.python.numpy', true]]],
    [{ python: {} }, { python: { numpy: '1.0' } }, [['packages.python.numpy', false]]],
    [{ python: { numpy: '1.0' } }, { python: { numpy: '2.0' } }, [['packages.python.numpy', false]]],
  ]
  for (const [a, b, want] of cases) {
    const d = compareRuns(withPackages(a), withPackages(b))
    assert.deepEqual(d.env.map((c) => [c.key, c.noise === true]), want, `${JSON.stringify(a)} → ${JSON.stringify(b)}`)
    assert.equal(d.identical, want.every(([, noise]) => noise))
  }
})

test('isBytecodeCache: Python bytecode under __pycache__, or such a directory listed whole; nothing else', () => {
  const table: Array<[string, boolean]> = [
    ['__pycache__/helpers.cpython-311.pyc', true],
    ['pkg/sub/__pycache__/mod.cpython-312.opt-1.pyc', true],
    ['pkg/__pycache__/old.pyo', true],
    ['pkg/__pycache__/', true],
    ['__pycache__/', true],
    ['pkg/__pycache__/notes.txt', false],
    ['pkg/__pycache__/deeper/x.pyc', false],
    ['helpers.pyc', false],
    ['my__pycache__/x.pyc', false],
    ['pkg/__pycache__', false],
  ]
  for (const [p, want] of table) assert.equal(isBytecodeCache(p), want, p)
})

test('compareParams: list items aligned by value, as diff aligns lines: an item put in or taken out is one change, not one per item after it', () => {
  const params = (p: Rec): Rec => ({ ...base(), params: p })
  const table: Array<[string, Rec, Rec, Change[]]> = [
    ['put in first', { layers: [64, 128, 256] }, { layers: [32, 64, 128, 256] }, [{ op: 'added', key: 'layers[0]', to: 32 }]],
    ['taken out in the middle', { layers: [64, 128, 256] }, { layers: [64, 256] }, [{ op: 'removed', key: 'layers[1]', from: 128 }]],
    ['changed in place', { layers: [64, 128, 256] }, { layers: [64, 100, 256] }, [{ op: 'changed', key: 'layers[1]', from: 128, to: 100 }]],
    ['two changed, one put in (b\'s index for what b holds, a\'s for what a held)', { s: ['a', 'b', 'c', 'd'] }, { s: ['x', 'a', 'c', 'y', 'z'] }, [
      { op: 'added', key: 's[0]', to: 'x' },
      { op: 'removed', key: 's[1]', from: 'b' },
      { op: 'changed', key: 's[3]', from: 'd', to: 'y' },
      { op: 'added', key: 's[4]', to: 'z' },
    ]],
    ['objects in a list: compared within, under b\'s index', { aug: [{ name: 'flip' }, { name: 'crop', p: 0.5 }] }, { aug: [{ name: 'blur' }, { name: 'flip' }, { name: 'crop', p: 0.7 }] }, [
      { op: 'added', key: 'aug[0].name', to: 'blur' },
      { op: 'changed', key: 'aug[2].p', from: 0.5, to: 0.7 },
    ]],
    ['nested lists', { grid: [[1, 2], [3, 4]] }, { grid: [[0, 1, 2], [3, 4]] }, [{ op: 'added', key: 'grid[0][0]', to: 0 }]],
    ['an empty list filled, and emptied', { a: [], b: [1] }, { a: [1], b: [] }, [{ op: 'added', key: 'a[0]', to: 1 }, { op: 'removed', key: 'b[0]', from: 1 }]],
    ['reordered', { s: [1, 2] }, { s: [2, 1] }, [{ op: 'removed', key: 's[0]', from: 1 }, { op: 'added', key: 's[1]', to: 1 }]],
    ['a list become a scalar', { s: [1] }, { s: 1 }, [{ op: 'added', key: 's', to: 1 }, { op: 'removed', key: 's[0]', from: 1 }]],
    ['the same', { s: [1, { a: [2] }] }, { s: [1, { a: [2] }] }, []],
  ]
  for (const [name, a, b, want] of table) assert.deepEqual(compareRuns(params(a), params(b)).params, want, name)
  // Lists too long to align cheaply (past their shared ends) are compared by position.
  const long = Array.from({ length: 2_001 }, (_, i) => i)
  assert.equal(compareRuns(params({ s: long }), params({ s: [-1, ...long.map((v) => v + 0.5)] })).params.length, 2_002)
})

test('compareParams: the lists of one comparison share the cost of aligning four pairs of 2,000 items; those after are compared by position (50 lists of 2,000 in a list took a second)', () => {
  const params = (p: Rec): Rec => ({ ...base(), params: p })
  const long = Array.from({ length: 2_000 }, (_, i) => i)
  // One item put in first and the last dropped: two changes aligned, every item by position. The
  // outer lists' table and three such pairs' use almost all; the fourth pair is compared by position.
  const shifted = [-1, ...long.slice(0, -1)]
  const d = compareRuns(params({ s: [long, long, long, long] }), params({ s: [shifted, shifted, shifted, shifted] })).params
  assert.deepEqual(d.filter((c) => !c.key.startsWith('s[3]')), [0, 1, 2].flatMap((i) => [
    { op: 'added', key: `s[${i}][0]`, to: -1 },
    { op: 'removed', key: `s[${i}][1999]`, from: 1_999 },
  ]).sort((p, q) => (p.key < q.key ? -1 : 1)))
  assert.equal(d.filter((c) => c.key.startsWith('s[3]')).length, 2_000)
})

test('compareParams: no change exactly when the two trees are the same; a tree against itself none (property)', () => {
  const leaf = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b', null, true))
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.constantFrom('x', 'y', 'a.b'), tie('node'), { maxKeys: 3 })),
  })).node
  fc.assert(fc.property(fc.dictionary(fc.constantFrom('p', 'q'), tree, { maxKeys: 2 }), fc.dictionary(fc.constantFrom('p', 'q'), tree, { maxKeys: 2 }), (a, b) => {
    const run = (p: unknown): Rec => ({ ...base(), params: p })
    assert.deepEqual(compareRuns(run(a), run(a)).params, [])
    assert.equal(compareRuns(run(a), run(b)).params.length === 0, canonicalize(a) === canonicalize(b))
  }), { numRuns: 500 })
})

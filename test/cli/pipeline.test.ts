// The plumbing composed as users compose it: shell pipelines with real jq, and a real Makefile.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { BIN, isValid, narrowPath, type Sandbox, repoPool } from '../helpers/prov.js'
import { computeRunId } from '../../src/core/id.js'

const repo = repoPool()

const toolEnv = (sb: Sandbox): Record<string, string> => ({ ...sb.env, PROV_NODE: process.execPath, PROV_BIN: BIN })

/** A shell script in which `prov` is the built CLI. */
async function shell(sb: Sandbox, script: string): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const r = await execa('sh', ['-c', `prov() { "$PROV_NODE" "$PROV_BIN" "$@"; }\n${script}`], {
    cwd: sb.dir, env: toolEnv(sb), extendEnv: false, reject: false, stripFinalNewline: false,
  })
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }
}

function runIds(sb: Sandbox): string[] {
  const runs = path.join(sb.dir, '.prov', 'runs')
  return existsSync(runs) ? readdirSync(runs) : []
}

/** The stored record that write-run's {id, path} names, validated, its id recomputed. */
function storedRun(sb: Sandbox, stdout: string): any {
  const out = JSON.parse(stdout)
  const record = JSON.parse(readFileSync(path.join(sb.dir, out.path), 'utf8'))
  assert.ok(isValid('run', record), 'run.json is valid against the run schema')
  assert.equal(record.id, out.id)
  assert.equal(computeRunId(record), out.id, 'the id recomputes')
  return record
}

describe('pipelines', { concurrency: true }, () => {
  test('the write-run pipeline with jq in between', async () => {
    const sb = await repo({ 'in/a.csv': 'a\n', 'in/b.csv': 'b\n' })
    const r = await shell(sb, [
      '{ prov git-state',
      '  prov snapshot-env --no-tools | jq -c .',
      '  prov hash-inputs in/ | jq \'{inputs: [.inputs[] | select(.path != "in/b.csv")]}\'',
      '  prov read-params -p a=1 | jq -c \'.params.b = 2\'',
      '} | prov write-run -m "via jq" -- echo hi',
    ].join('\n'))
    assert.equal(r.stderr, '')
    assert.equal(r.exitCode, 0)
    const record = storedRun(sb, r.stdout)
    assert.deepEqual(record.command.argv, ['echo', 'hi'])
    assert.deepEqual(record.inputs.map((e: any) => e.path), ['in/a.csv'])
    assert.deepEqual(record.params, { a: 1, b: 2 })
    assert.equal(record.message, 'via jq')
    assert.equal(record.env.runtime.node, process.version)
    // and the stored run reads back through jq
    const back = await shell(sb, 'prov show --json @ | jq -r .params.b')
    assert.equal(back.exitCode, 0, back.stderr)
    assert.equal(back.stdout, '2\n')
  })

  test('exec inside the pipeline: the command runs, its status and outputs are recorded', async () => {
    const sb = await repo({ 'in/a.csv': 'a\n', '.gitignore': 'out.txt\n' })
    const r = await shell(sb, [
      '{ prov git-state; prov snapshot-env --no-tools; prov hash-inputs in/',
      '  prov exec -- sh -c \'cat in/a.csv > out.txt; echo working; exit 4\'',
      '  prov hash-inputs --as outputs out.txt',
      '} | prov write-run',
    ].join('\n'))
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, 'working\n', 'the command\'s stdout goes to stderr, out of the pipe')
    const record = storedRun(sb, r.stdout)
    assert.deepEqual(record.command.argv, ['sh', '-c', 'cat in/a.csv > out.txt; echo working; exit 4'])
    assert.equal(record.command.exit_code, 4)
    assert.equal(record.created_at, record.command.started_at)
    assert.deepEqual(record.outputs.map((e: any) => [e.path, e.size]), [['out.txt', 2]])
  })

  test('the plumbing reaches all that record records: params sources, captured streams, the secret policy, outputs left from before', async () => {
    const sb = await repo({ '.gitignore': 'build/\nout.txt\nres/\n', 'params.yaml': 'lr: 0.1\n', 'in.csv': 'x\n', 'data dir/d.csv': 'd\n', 'old.txt': 'old\n' })
    // Quick tools only: a slow one (pip3) can pass its probe's timeout in one snapshot and not the other.
    narrowPath(sb, ['git', 'sh', 'env', 'cat', 'mkdir', 'touch'])
    const cmd = `env MY_TOKEN=argv-kept sh -c 'cat in.csv > out.txt; mkdir -p res; cat in.csv > res/r.csv; echo said; echo warned >&2'`
    const params = '-p seed=7 --params-file params.yaml -p api_key=plain-secret-value -p my_token=param-kept'
    const policy = '--keep-var MY_TOKEN --redact-var PLAIN_*'
    const env = 'export MY_TOKEN=t0ken-kept PLAIN_NAME=hidden-value'
    const rec = await shell(sb, `${env}\nprov record -q ${policy} ${params} --capture -i in.csv -i 'data dir' -o out.txt -o res -o old.txt -- ${cmd}`)
    assert.equal(rec.exitCode, 0, rec.stderr)
    assert.equal(rec.stdout, 'said\n')
    assert.equal(rec.stderr, 'warned\n')
    const plumbing = await shell(sb, [
      env,
      'set -e; mkdir -p build',
      'prov git-state > build/git.json',
      `prov snapshot-env ${policy} > build/env.json`,
      "prov hash-inputs in.csv 'data dir' params.yaml > build/inputs.json",
      "prov hash-inputs --sources in.csv 'data dir' > build/dirs.json",
      `prov read-params ${policy} ${params} > build/params.json`,
      `prov read-params ${policy} --sources ${params} > build/sources.json`,
      'touch build/started',
      `prov exec ${policy} --capture build/cap --out build/cmd.json -- ${cmd}`,
      'prov hash-inputs --as outputs --newer build/started out.txt res old.txt > build/outputs.json',
      'prov hash-inputs --as outputs --sources out.txt res > build/outdirs.json',
      `prov write-run ${policy} build/*.json build/cap/outputs.json`,
    ].join('\n'))
    assert.equal(plumbing.exitCode, 0, plumbing.stderr)
    assert.equal(plumbing.stderr, 'warned\n')
    const b = storedRun(sb, plumbing.stdout.replace(/^said\n/, ''))
    const a = JSON.parse(readFileSync(path.join(sb.dir, '.prov', 'runs', runIds(sb).find((id) => id !== b.id)!, 'run.json'), 'utf8'))
    for (const k of ['params_files', 'params_sources', 'redaction', 'input_dirs', 'output_dirs', 'argv', 'cwd', 'exit_code'] as const) assert.deepEqual(b.command[k], a.command[k], `command.${k}`)
    assert.deepEqual([b.command.input_dirs, b.command.output_dirs], [['data dir'], ['res']])
    assert.deepEqual(b.command.redaction, { redact: ['PLAIN_*'], keep: ['MY_TOKEN'] })
    assert.deepEqual(b.params, a.params)
    assert.deepEqual(b.inputs, a.inputs)
    assert.deepEqual(b.outputs, a.outputs)
    assert.deepEqual(b.outputs.map((o: any) => [o.path, o.stale]), [['<stderr>', undefined], ['<stdout>', undefined], ['old.txt', true], ['out.txt', undefined], ['res/r.csv', undefined]])
    assert.equal(b.env.vars.MY_TOKEN, 't0ken-kept')
    assert.equal(b.params.my_token, 'param-kept', 'the policy reached params')
    assert.equal(b.command.argv[1], 'MY_TOKEN=argv-kept', 'and argv')
    assert.match(b.env.vars.PLAIN_NAME, /^\[redacted hmac-sha256:/)
    for (const r of [a, b]) assert.ok(!JSON.stringify(r).includes('plain-secret-value') && !JSON.stringify(r).includes('hidden-value'))
    // the two runs are the same run, by diff and by verify (the captured streams came along)
    const d = await shell(sb, `prov diff-runs ${a.id} ${b.id}`)
    assert.equal(d.exitCode, 0, d.stdout)
    assert.equal(JSON.parse(d.stdout).diff.identical, true)
    const v = await shell(sb, `prov verify --files ${a.id} ${b.id}`)
    assert.equal(v.exitCode, 0, v.stdout + v.stderr)
    assert.equal(readFileSync(path.join(sb.dir, '.prov', 'runs', b.id, 'stdout'), 'utf8'), 'said\n')
  })

  test("prov-diff(1)'s idiom for a pipeline of two steps, a store for each inside .prov: each step runs when what it depends on changed, and only then", async () => {
    // raw.csv, data.csv, lr.txt and model.txt are ignored; .prov is not: git-state leaves it out.
    const sb = await repo({ '.gitignore': '*.csv\n*.txt\n' })
    narrowPath(sb, ['git', 'sh', 'cat'])
    sb.write('raw.csv', '1\n')
    sb.write('lr.txt', '0.1\n')
    // As the man page writes it.
    const steps = [
      'prov diff --store .prov/steps/extract --workspace -q ||',
      "  prov record -q --store .prov/steps/extract -i raw.csv -o data.csv -- sh -c 'cat raw.csv > data.csv'",
      'prov diff --store .prov/steps/train --workspace -q ||',
      "  prov record -q --store .prov/steps/train -i data.csv -i lr.txt -o model.txt -- sh -c 'cat data.csv lr.txt > model.txt'",
    ].join('\n')
    const runs = (step: string): any[] => {
      const dir = path.join(sb.dir, '.prov', 'steps', step, 'runs')
      return existsSync(dir) ? readdirSync(dir).map((id) => JSON.parse(readFileSync(path.join(dir, id, 'run.json'), 'utf8'))) : []
    }
    const counts = (): number[] => [runs('extract').length, runs('train').length]
    // The first time, neither store is there: diff says so, and both steps run.
    const first = await shell(sb, steps)
    assert.equal(first.exitCode, 0, first.stderr)
    assert.match(first.stderr, /^prov: no store at '.*\/\.prov\/steps\/extract': no such file or directory\n/)
    assert.match(first.stderr, /\nprov: no store at '.*\/\.prov\/steps\/train': no such file or directory\n/)
    assert.deepEqual(counts(), [1, 1])
    assert.equal(sb.read('model.txt'), '1\n0.1\n')
    for (const r of [...runs('extract'), ...runs('train')]) assert.deepEqual([r.git.dirty, r.git.changes], [false, []], "a step's store is no change of the code")
    // Nothing changed: neither runs.
    const again = await shell(sb, steps)
    assert.deepEqual([again.exitCode, again.stderr, counts()], [0, '', [1, 1]])
    // The second step's own input: it runs, the first does not.
    sb.write('lr.txt', '0.2\n')
    const lr = await shell(sb, steps)
    assert.deepEqual([lr.exitCode, lr.stderr, counts()], [0, '', [1, 2]])
    assert.equal(sb.read('model.txt'), '1\n0.2\n')
    // The first step's input: it runs, and so the second, whose input it wrote.
    sb.write('raw.csv', '2\n')
    const raw = await shell(sb, steps)
    assert.deepEqual([raw.exitCode, raw.stderr, counts()], [0, '', [2, 3]])
    assert.equal(sb.read('model.txt'), '2\n0.2\n')
    const still = await shell(sb, steps)
    assert.deepEqual([still.exitCode, still.stderr, counts()], [0, '', [2, 3]])
  })

  test('a pipeline that lacks a section: write-run fails with a hint and writes nothing', async () => {
    const sb = await repo({ 'in/a.csv': 'a\n' })
    const r = await shell(sb, '{ prov git-state; prov hash-inputs in/; } | prov write-run -- echo hi')
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /'env'/)
    assert.match(r.stderr, /hint: .*prov snapshot-env/)
    assert.equal(r.stdout, '')
    assert.deepEqual(runIds(sb), [])
  })
})

describe('a Makefile', { concurrency: true }, () => {
  const makefile = [
    'PROV = "$(PROV_NODE)" "$(PROV_BIN)"',
    '',
    '.PHONY: run broken',
    'run: build/run.txt',
    '',
    'build/run.txt: train.sh params.yaml $(wildcard data/*)',
    '\tmkdir -p build/prov',
    '\t$(PROV) git-state > build/prov/git.json',
    '\t$(PROV) snapshot-env --no-tools > build/prov/env.json',
    '\t$(PROV) hash-inputs data/ train.sh > build/prov/inputs.json',
    '\t$(PROV) read-params --params-file params.yaml -p seed=7 > build/prov/params.json',
    '\t$(PROV) exec --out build/prov/cmd.json -- sh train.sh',
    '\t$(PROV) hash-inputs --as outputs model.txt > build/prov/outputs.json',
    '\tcat build/prov/*.json | $(PROV) write-run -m "built by make" > $@',
    '',
    'broken:',
    '\tmkdir -p build/broken',
    '\t$(PROV) git-state > build/broken/git.json',
    '\t$(PROV) snapshot-env --no-tools > build/broken/env.json',
    '\t$(PROV) exec --out build/broken/cmd.json -- sh -c "exit 3"',
    '\tcat build/broken/*.json | $(PROV) write-run > build/broken.txt',
    '',
  ].join('\n')

  test('recipes that call the plumbing one step at a time store a valid run; prov log lists it', async () => {
    const sb = await repo({
      'Makefile': makefile,
      '.gitignore': 'build/\nmodel.txt\n',
      'train.sh': 'cat data/*.csv > model.txt\necho trained\n',
      'params.yaml': 'lr: 0.1\nmodel:\n  layers: 3\n',
      'data/x.csv': '1,2\n',
      'data/y.csv': '3,4\n',
    })
    const m = await execa('make', ['-s', 'run'], { cwd: sb.dir, env: toolEnv(sb), extendEnv: false, reject: false })
    assert.equal(m.exitCode, 0, String(m.stderr))
    assert.equal(String(m.stderr), '')
    assert.equal(String(m.stdout), 'trained', 'the command\'s own output, as make shows it')
    const out = readFileSync(path.join(sb.dir, 'build', 'run.txt'), 'utf8')
    const record = storedRun(sb, out)
    assert.deepEqual(record.command.argv, ['sh', 'train.sh'])
    assert.equal(record.command.exit_code, 0)
    assert.deepEqual(record.inputs.map((e: any) => e.path), ['data/x.csv', 'data/y.csv', 'train.sh'])
    assert.deepEqual(record.outputs.map((e: any) => e.path), ['model.txt'])
    assert.deepEqual(record.params, { lr: 0.1, model: { layers: 3 }, seed: 7 })
    assert.equal(record.message, 'built by make')
    assert.equal(record.git.dirty, false, 'build/ is ignored and the store never counts')
    assert.equal(record.git.commit, (await sb.git('rev-parse', 'HEAD')).trim())

    const log = await sb.prov(['log', '--json'])
    assert.equal(log.exitCode, 0, log.stderr)
    assert.equal(log.stderr, '')
    const lines = log.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(lines.length, 1)
    assert.equal(lines[0].id, record.id)
    assert.deepEqual(lines[0].command.argv, ['sh', 'train.sh'])
    assert.equal(lines[0].command.exit_code, 0)

    // nothing changed: make has nothing to do, and no second run appears
    const again = await execa('make', ['-s', 'run'], { cwd: sb.dir, env: toolEnv(sb), extendEnv: false, reject: false })
    assert.equal(again.exitCode, 0)
    assert.deepEqual(runIds(sb), [record.id])
  })

  /**
   * The README's recipe for two targets: each target's step documents in a directory of its own,
   * made empty first and removed after write-run. b.txt reads no params: a params document left
   * by a.txt must not reach its run.
   */
  const twoTargets = (steps: string): string => {
    const recipe = (target: string, inputs: string, params: string | null, cmd: string): string[] => [
      `${target}: ${inputs}`,
      '\trm -rf $(STEPS) && mkdir -p $(STEPS)',
      '\t$(PROV) git-state > $(STEPS)/git.json',
      '\t$(PROV) snapshot-env --no-tools > $(STEPS)/env.json',
      `\t$(PROV) hash-inputs ${inputs} > $(STEPS)/inputs.json`,
      ...(params === null ? [] : [`\t$(PROV) read-params --params-file ${params} > $(STEPS)/params.json`]),
      `\t$(PROV) exec --out $(STEPS)/command.json -- ${cmd}`,
      '\t$(PROV) hash-inputs --as outputs $@ > $(STEPS)/outputs.json',
      '\t$(PROV) write-run $(STEPS)/*.json',
      '\trm -rf $(STEPS)',
      '',
    ]
    return [
      'PROV = "$(PROV_NODE)" "$(PROV_BIN)"',
      `STEPS = ${steps}`,
      '.PHONY: all',
      'all: a.txt b.txt',
      '',
      ...recipe('a.txt', 'a.src', 'a.yaml', "sh -c 'cat a.src > a.txt'"),
      ...recipe('b.txt', 'b.src', null, "sh -c 'cat b.src > b.txt'"),
    ].join('\n')
  }

  test("two targets built with make -j2, again and again: each run holds its own target's command, params, inputs and outputs", async () => {
    const sb = await repo({ 'Makefile': twoTargets('.prov/make/$@.steps'), '.gitignore': '*.txt\n', 'a.src': 'a\n', 'b.src': 'b\n', 'a.yaml': 'lr: 0.1\n' })
    narrowPath(sb, ['git', 'sh', 'cat', 'rm', 'mkdir', 'make'])
    sb.write('.prov/make/b.txt.steps/params.json', '{"params": {"left": "by a build that failed"}}\n')
    for (let i = 0; i < 4; i++) {
      const m = await execa('make', ['-s', '-j2', '-B', 'all'], { cwd: sb.dir, env: toolEnv(sb), extendEnv: false, reject: false })
      assert.equal(m.exitCode, 0, String(m.stderr))
      assert.equal(String(m.stderr), '')
    }
    const runs = runIds(sb).map((id) => JSON.parse(readFileSync(path.join(sb.dir, '.prov', 'runs', id, 'run.json'), 'utf8')))
    assert.equal(runs.length, 8, 'a run for each target, each time')
    const want = {
      a: { params: { lr: 0.1 }, inputs: ['a.src'], outputs: ['a.txt'] },
      b: { params: {}, inputs: ['b.src'], outputs: ['b.txt'] },
    }
    for (const r of runs) {
      assert.ok(isValid('run', r))
      const t = r.command.argv[2] === 'cat a.src > a.txt' ? 'a' : 'b'
      const got = { params: r.params, inputs: r.inputs.map((e: any) => e.path), outputs: r.outputs.map((e: any) => e.path) }
      assert.deepEqual(got, want[t], `a run of ${t}.txt: ${JSON.stringify(r.command.argv)}`)
      assert.equal(r.command.exit_code, 0)
      assert.deepEqual([r.git.dirty, r.git.changes], [false, []], 'the step documents in .prov are no change of the work tree')
    }
    assert.deepEqual(runs.map((r) => r.command.argv[2]).sort(), [...Array(4).fill('cat a.src > a.txt'), ...Array(4).fill('cat b.src > b.txt')])
    assert.deepEqual(readdirSync(path.join(sb.dir, '.prov', 'make')), [], 'each target removed its documents')
  })

  test('make stops at the first step that fails, and then no run is written', async () => {
    const sb = await repo({ 'Makefile': makefile, '.gitignore': 'build/\n' })
    const m = await execa('make', ['-s', 'broken'], { cwd: sb.dir, env: toolEnv(sb), extendEnv: false, reject: false })
    assert.equal(m.exitCode, 2, 'make fails')
    assert.match(String(m.stderr), /Error 3/, 'make reports the command\'s own status, passed through exec')
    const cmd = JSON.parse(readFileSync(path.join(sb.dir, 'build', 'broken', 'cmd.json'), 'utf8'))
    assert.equal(cmd.command.exit_code, 3)
    assert.ok(!existsSync(path.join(sb.dir, 'build', 'broken.txt')))
    assert.deepEqual(runIds(sb), [])
  })
})

describe("the README's Makefile recipe, run by make", { concurrency: true }, () => {
  // The recipe as the README gives it, `python train.py` made `sh train.sh`; prov a script on PATH.
  const readme = readFileSync(path.join(path.dirname(BIN), '..', 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```make\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/python train\.py/g, 'sh train.sh').replace(/\btrain\.py\b/g, 'train.sh'))

  async function project(train: string): Promise<Sandbox> {
    const sb = await repo({ 'train.sh': train, 'params.yaml': 'lr: 0.1\n', 'data/a.csv': '1\n', '.gitignore': 'model.bin\n' })
    narrowPath(sb, ['git', 'sh', 'rm', 'mkdir', 'touch', 'make', 'cat'])
    const bin = path.join(sb.home, 'tools')
    writeFileSync(path.join(bin, 'prov'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 })
    return sb
  }

  test('a run that knows data/ was given as a directory and where its params came from; make again: up to date', async () => {
    assert.equal(blocks.length, 2, 'the README has two make blocks: the recipe, and its last steps that keep a failed run')
    const sb = await project('cat data/*.csv > model.bin\n')
    writeFileSync(path.join(sb.dir, 'Makefile'), blocks[0]!)
    const m = await execa('make', ['-s', 'model.bin'], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(m.exitCode, 0, String(m.stderr))
    const ids = runIds(sb)
    assert.equal(ids.length, 1)
    const run = JSON.parse(readFileSync(path.join(sb.dir, '.prov', 'runs', ids[0]!, 'run.json'), 'utf8'))
    assert.ok(isValid('run', run))
    assert.deepEqual(run.command.input_dirs, ['data'])
    assert.deepEqual(run.command.params_sources, [{ file: 'params.yaml' }])
    assert.deepEqual(run.outputs.map((o: any) => o.path), ['model.bin'])
    assert.deepEqual(readdirSync(path.join(sb.dir, '.prov', 'make')), [])
    // A file added to data/ (ignored by git) is seen by --workspace, as a run of record's would see it.
    writeFileSync(path.join(sb.dir, '.git', 'info', 'exclude'), 'data/b.csv\n')
    writeFileSync(path.join(sb.dir, 'data', 'b.csv'), '2\n')
    const ws = await execa(process.execPath, [BIN, 'diff', '--workspace', '--json'], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(ws.exitCode, 1, String(ws.stderr))
    assert.deepEqual(JSON.parse(String(ws.stdout)).diff.inputs.map((c: any) => [c.op, c.key]), [['added', 'data/b.csv']])
  })

  test('its last steps as one line: a command that fails is stored as a run, and the build still fails with its status', async () => {
    const sb = await project('exit 3\n')
    const recipe = blocks[0]!.split('\n')
    const at = recipe.findIndex((l) => l.includes('prov exec'))
    const failing = [...recipe.slice(0, at), ...blocks[1]!.trimEnd().split('\n'), ''].join('\n')
    writeFileSync(path.join(sb.dir, 'Makefile'), failing)
    const m = await execa('make', ['-s', 'model.bin'], { cwd: sb.dir, env: sb.env, extendEnv: false, reject: false })
    assert.equal(m.exitCode, 2, 'make fails')
    assert.match(String(m.stderr), /Error 3/)
    const ids = runIds(sb)
    assert.equal(ids.length, 1, 'the failed run is stored')
    const run = JSON.parse(readFileSync(path.join(sb.dir, '.prov', 'runs', ids[0]!, 'run.json'), 'utf8'))
    assert.equal(run.command.exit_code, 3)
    assert.deepEqual(run.outputs, [{ path: 'model.bin', missing: true }])
    assert.deepEqual(readdirSync(path.join(sb.dir, '.prov', 'make')), [])
  })
})


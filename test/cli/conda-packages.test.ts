// Black-box tests of env.packages.conda: the packages of the conda environment that the listed
// Python interpreter lies in, read from the names in its conda-meta/, and what diff says when one
// of them changes. The environment is made by hand: a bin/python3 that answers prov's sys.path
// query as a real one does, and conda-meta/ files named as conda names them.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { makeRepo, linkTools, parseValid, type Sandbox } from '../helpers/prov.js'

const MKL_A = 'mkl-2023.1.0-h213fc3f_46344.json'
const MKL_B = 'mkl-2024.0.0-ha957f24_49657.json'

/** A conda environment at `prefix`: bin/python3 (a script), numpy in its site-packages, and these conda-meta/ files (null: no conda-meta/, no environment). */
function makeConda(prefix: string, meta: readonly string[] | null): string {
  const site = path.join(prefix, 'lib', 'python3.99', 'site-packages')
  mkdirSync(path.join(site, 'numpy-1.26.4.dist-info'), { recursive: true })
  mkdirSync(path.join(prefix, 'bin'), { recursive: true })
  const python = path.join(prefix, 'bin', 'python3')
  writeFileSync(python, `#!/bin/sh\nif [ "$1" != -c ]; then echo 'Python 3.99.0'; exit 0; fi\necho 'prov-sys-path ["${site}"]'\n`, { mode: 0o755 })
  if (meta === null) return python
  mkdirSync(path.join(prefix, 'conda-meta'))
  for (const f of meta) writeFileSync(path.join(prefix, 'conda-meta', f), '{}\n')
  return python
}

async function withConda(fn: (sb: Sandbox, prefix: string, tools: string) => Promise<void>): Promise<void> {
  const sb = await makeRepo()
  try {
    const prefix = path.join(sb.home, 'miniconda3', 'envs', 'ml')
    makeConda(prefix, [MKL_A, 'numpy-1.26.4-py311h64a7726_0.json', 'history'])
    const tools = linkTools(path.join(sb.home, 'tools'), ['git', 'true'])
    sb.env.PATH = `${path.join(prefix, 'bin')}:${tools}`
    await fn(sb, prefix, tools)
  } finally { sb.cleanup() }
}

async function snapshotPackages(sb: Sandbox, args: string[] = []): Promise<unknown> {
  const r = await sb.prov(['snapshot-env', ...args])
  assert.equal(r.exitCode, 0, r.stderr)
  assert.equal(r.stderr, '')
  return parseValid('env', r.stdout).env.packages
}

describe('env.packages.conda', { concurrency: 2 }, () => {
  test("the environment's packages as '<version>=<build>' by name; one renamed between two records is a change diff names", async () => {
    await withConda(async (sb, prefix) => {
      assert.deepEqual(await snapshotPackages(sb), {
        python: { numpy: '1.26.4' },
        conda: { mkl: '2023.1.0=h213fc3f_46344', numpy: '1.26.4=py311h64a7726_0' },
      })
      const a = await sb.prov(['record', '-q', '--', 'python3', '-c', 'pass'])
      assert.equal(a.exitCode, 0, a.stderr)
      assert.equal(a.stderr, '')
      renameSync(path.join(prefix, 'conda-meta', MKL_A), path.join(prefix, 'conda-meta', MKL_B))
      const b = await sb.prov(['record', '-q', '--', 'python3', '-c', 'pass'])
      assert.equal(b.exitCode, 0, b.stderr)

      const d = await sb.prov(['diff-runs', '@~1', '@'])
      assert.equal(d.exitCode, 1, d.stderr)
      assert.equal(d.stderr, '')
      assert.deepEqual(parseValid('diff', d.stdout).diff.env.filter((c: any) => !c.noise), [
        { op: 'changed', key: 'packages.conda.mkl', from: '2023.1.0=h213fc3f_46344', to: '2024.0.0=ha957f24_49657' },
      ])
      const human = await sb.prov(['diff'])
      assert.equal(human.exitCode, 1, human.stderr)
      assert.equal(human.stderr, '')
      assert.match(human.stdout, /^ {2}~ packages\.conda\.mkl: 2023\.1\.0=h213fc3f_46344 → 2024\.0\.0=ha957f24_49657$/m)
      const show = await sb.prov(['show'])
      assert.equal(show.exitCode, 0, show.stderr)
      assert.match(show.stdout, /environment variables, 1 Python package, 2 conda packages \(prov show --json lists them\)$/m)

      // The present read again: as the last run, then another build of mkl is a change.
      const same = await sb.prov(['diff', '--workspace', '--json'])
      assert.deepEqual(parseValid('diff', same.stdout).diff.env.filter((c: any) => !c.noise), [], same.stderr)
      assert.equal(same.exitCode, 0)
      renameSync(path.join(prefix, 'conda-meta', MKL_B), path.join(prefix, 'conda-meta', 'mkl-2024.0.0-h1234567_1.json'))
      const ws = await sb.prov(['diff', '--workspace', '--json'])
      assert.equal(ws.exitCode, 1, ws.stderr)
      assert.equal(ws.stderr, '')
      assert.deepEqual(parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise), [
        { op: 'changed', key: 'packages.conda.mkl', from: '2024.0.0=ha957f24_49657', to: '2024.0.0=h1234567_1' },
      ])
    })
  })

  test('an interpreter found through a link to an environment\'s python, or named with --python, is that environment\'s; one in none lists no conda', async () => {
    await withConda(async (sb, prefix, tools) => {
      // A link on PATH (~/bin/python3) to the environment's python: its real path is in it.
      const linked = path.join(sb.home, 'bin')
      mkdirSync(linked)
      symlinkSync(path.join(prefix, 'bin', 'python3'), path.join(linked, 'python3'))
      sb.env.PATH = `${linked}:${tools}`
      const conda = { mkl: '2023.1.0=h213fc3f_46344', numpy: '1.26.4=py311h64a7726_0' }
      assert.deepEqual(await snapshotPackages(sb), { python: { numpy: '1.26.4' }, conda })
      // A python3 in a bin/ with no conda-meta/ beside it: no conda key at all.
      const plain = makeConda(path.join(sb.home, 'plain'), null)
      sb.env.PATH = `${path.dirname(plain)}:${tools}`
      assert.deepEqual(await snapshotPackages(sb), { python: { numpy: '1.26.4' } })
      // --python names the environment's interpreter: its packages, whatever python3 PATH finds.
      assert.deepEqual(await snapshotPackages(sb, ['--python', path.join(prefix, 'bin', 'python3')]), { python: { numpy: '1.26.4' }, conda })
      // An environment whose conda-meta/ holds nothing but its history: listed, empty.
      const empty = makeConda(path.join(sb.home, 'empty'), ['history'])
      assert.deepEqual(await snapshotPackages(sb, ['--python', empty]), { python: { numpy: '1.26.4' }, conda: {} })
      // --no-tools lists no packages, conda's neither.
      sb.env.PATH = `${path.join(prefix, 'bin')}:${tools}`
      assert.equal(await snapshotPackages(sb, ['--no-tools']), undefined)
    })
  })

  test("conda packages one run did not list (a prov before them, an interpreter in no environment) are noise, said in the footer", async () => {
    await withConda(async (sb) => {
      const r = await sb.prov(['record', '-q', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      const run = JSON.parse((await sb.prov(['show', '--json'])).stdout)
      assert.deepEqual(run.env.packages.conda, { mkl: '2023.1.0=h213fc3f_46344', numpy: '1.26.4=py311h64a7726_0' })
      // The same run's env as a prov that listed no conda packages would have made it.
      const older = { ...run.env, packages: { python: run.env.packages.python } }
      const docs = [{ env: older }, { git: run.git }, { command: run.command }, { inputs: run.inputs }, { outputs: run.outputs }, { params: run.params }].map((d) => JSON.stringify(d)).join('\n')
      const d = await sb.prov(['diff-runs', '-', '@'], { input: docs })
      assert.equal(d.exitCode, 0, d.stdout + d.stderr)
      assert.deepEqual(parseValid('diff', d.stdout).diff.env, [
        { op: 'added', key: 'packages.conda.mkl', to: '2023.1.0=h213fc3f_46344', noise: true },
        { op: 'added', key: 'packages.conda.numpy', to: '1.26.4=py311h64a7726_0', noise: true },
      ])
      const human = await sb.prov(['diff', '-', '@'], { input: docs })
      assert.equal(human.exitCode, 0, human.stdout)
      assert.match(human.stdout, /\(2 noise changes hidden: packages that one run did not list; --all shows them\)$/m)
      // Both listed, another build: a change.
      const both = await sb.prov(['diff-runs', '-', '@'], { input: docs.replace('"packages":{', '"packages":{"conda":{"mkl":"2023.1.0=h6d00ec8_46342","numpy":"1.26.4=py311h64a7726_0"},') })
      assert.equal(both.exitCode, 1, both.stderr)
      assert.deepEqual(parseValid('diff', both.stdout).diff.env.filter((c: any) => !c.noise), [{ op: 'changed', key: 'packages.conda.mkl', from: '2023.1.0=h6d00ec8_46342', to: '2023.1.0=h213fc3f_46344' }])
    })
  })
  test('conda run -n NAME, -p PREFIX (mamba run too, micromamba run -r ROOT -n NAME): that environment\'s packages, the environment not active; a name found nowhere lists none', async () => {
    await withConda(async (sb, prefix, tools) => {
      sb.env.PATH = tools
      sb.env.CONDA_EXE = path.join(sb.home, 'miniconda3', 'bin', 'conda')
      // Stand-ins that run nothing (record --no-exec asks no interpreter outside the project).
      for (const runner of ['conda', 'mamba']) writeFileSync(path.join(tools, runner), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
      const want = { python: { numpy: '1.26.4' }, conda: { mkl: '2023.1.0=h213fc3f_46344', numpy: '1.26.4=py311h64a7726_0' } }
      for (const argv of [['conda', 'run', '-n', 'ml', 'python3', '-c', 'pass'], ['conda', 'run', '--no-capture-output', '-p', prefix, 'python3'], ['mamba', 'run', '--name=ml', 'python3']]) {
        const r = await sb.prov(['record', '-q', '--', ...argv])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, want, argv.join(' '))
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual([ws.exitCode, ws.stderr, parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise)], [0, '', []], argv.join(' '))
      }
      for (const name of ['nosuch', '../ml']) {
        const r = await sb.prov(['record', '-q', '--', 'conda', 'run', '-n', name, 'python3'])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined, name)
      }
      // micromamba's -r ROOT: a name is found in ROOT/envs, which nothing else names here.
      delete sb.env.CONDA_EXE
      writeFileSync(path.join(tools, 'micromamba'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
      const root = path.join(sb.home, 'miniconda3')
      for (const [argv, packages] of [[['micromamba', 'run', '-r', root, '-n', 'ml', 'python3'], want], [['micromamba', 'run', '-n', 'ml', 'python3'], undefined]] as const) {
        const r = await sb.prov(['record', '-q', '--', ...argv])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, packages, argv.join(' '))
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual([ws.exitCode, ws.stderr, parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise)], [0, '', []], argv.join(' '))
      }
    })
  })
  test("pixi run, and a conda environment in the project (conda create -p ./env): read by the names in its site-packages and conda-meta/, never run, by record and diff --workspace alike", async () => {
    const sb = await makeRepo({ 'pixi.toml': '[project]\nname = "p"\n', 'train.py': 'print(1)\n', '.gitignore': '.pixi/\nenv/\n' })
    try {
      const tools = linkTools(path.join(sb.home, 'tools'), ['git', 'sh'])
      writeFileSync(path.join(tools, 'pixi'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
      sb.env.PATH = tools
      const marker = path.join(sb.home, 'ran.log')
      for (const prefix of [path.join(sb.dir, '.pixi', 'envs', 'default'), path.join(sb.dir, 'env')]) {
        mkdirSync(path.join(prefix, 'lib', 'python3.12', 'site-packages', 'numpy-2.0.0.dist-info'), { recursive: true })
        mkdirSync(path.join(prefix, 'bin'), { recursive: true })
        // Its python would say that it ran.
        writeFileSync(path.join(prefix, 'bin', 'python'), `#!/bin/sh\necho ran >> ${JSON.stringify(marker)}\n`, { mode: 0o755 })
        mkdirSync(path.join(prefix, 'conda-meta'))
        writeFileSync(path.join(prefix, 'conda-meta', MKL_A), '{}\n')
      }
      const want = { python: { numpy: '2.0.0' }, conda: { mkl: '2023.1.0=h213fc3f_46344' } }
      for (const argv of [['pixi', 'run', 'python', 'train.py'], ['pixi', 'run', 'train'], ['./env/bin/python', 'train.py']]) {
        const r = await sb.prov(['record', '-q', '--no-exec', '--', ...argv])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, want, argv.join(' '))
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual([ws.exitCode, ws.stderr, parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise)], [0, '', []], argv.join(' '))
      }
      // A pixi environment not made: none listed.
      const none = await sb.prov(['record', '-q', '--no-exec', '--', 'pixi', 'run', '-e', 'cuda', 'train'])
      assert.equal(none.exitCode, 0, none.stderr)
      assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined)
      assert.equal(existsSync(marker), false, 'an interpreter in the project was run')
    } finally { sb.cleanup() }
  })
})

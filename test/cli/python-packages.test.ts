// Black-box tests of env.packages.python: the Python distributions that the python3 on PATH
// finds, in a real virtual environment made from this machine's interpreter, and what diff says
// when one of them changes.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa, execaSync } from 'execa'
import { makeRepo, linkTools, parseValid, type Sandbox } from '../helpers/prov.js'

/** The interpreter `python3` runs here (through a pyenv shim, say), as a file: null where there is none. */
const found = execaSync('python3', ['-c', 'import sys; print(sys.executable)'], { reject: false })
const python: string | null = found.exitCode === 0 && found.stdout.startsWith('/') ? found.stdout.trim() : null
const needsPython = (): boolean => python === null

/**
 * A repository whose PATH holds a virtual environment's bin directory (made by this machine's
 * python3 with `-m venv`, without pip) and git: returns it and the venv's site-packages.
 */
async function withVenv(flags: string[], fn: (sb: Sandbox, site: string, venv: string) => Promise<void>): Promise<void> {
  const sb = await makeRepo({ 'train.py': 'print(1)\n' })
  try {
    const venv = path.join(sb.home, 'venv')
    const made = await execa(python!, ['-m', 'venv', '--without-pip', ...flags, venv], { reject: false, env: sb.env, extendEnv: false })
    assert.equal(made.exitCode, 0, made.stderr)
    const lib = path.join(venv, 'lib')
    const site = path.join(lib, readdirSync(lib).find((d) => d.startsWith('python'))!, 'site-packages')
    sb.env.PATH = `${path.join(venv, 'bin')}:${linkTools(path.join(sb.home, 'tools'), ['git', 'true'])}`
    await fn(sb, site, venv)
  } finally { sb.cleanup() }
}

function install(site: string, dirName: string): void {
  mkdirSync(path.join(site, dirName))
  writeFileSync(path.join(site, dirName, 'METADATA'), 'Metadata-Version: 2.1\n')
}

/**
 * A venv in the project (`.venv`, made by this machine's python3) holding pandas 2.2.3, and a .pth
 * in it that appends to `marker` if the venv's python is ever run: returns its site-packages.
 */
async function projectVenvWithSpy(sb: Sandbox, marker: string): Promise<string> {
  const made = await execa(python!, ['-m', 'venv', '--without-pip', path.join(sb.dir, '.venv')], { reject: false })
  assert.equal(made.exitCode, 0, made.stderr)
  const lib = path.join(sb.dir, '.venv', 'lib')
  const site = path.join(lib, readdirSync(lib)[0]!, 'site-packages')
  install(site, 'pandas-2.2.3.dist-info')
  writeFileSync(path.join(site, 'spy.pth'), `import os; open(${JSON.stringify(marker)}, 'a').write('ran')\n`)
  return site
}

async function packages(sb: Sandbox): Promise<Record<string, string> | undefined> {
  const r = await sb.prov(['snapshot-env'])
  assert.equal(r.exitCode, 0, r.stderr)
  assert.equal(r.stderr, '')
  return parseValid('env', r.stdout).env.packages?.python
}

describe('env.packages.python', { concurrency: 2 }, () => {
  test('the distributions in the venv, by normalized name; a package upgraded is a change diff names', { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site) => {
      install(site, 'numpy-1.26.4.dist-info')
      install(site, 'Scikit_Learn-1.5.2.dist-info')
      install(site, 'six-1.16.0-py3.11.egg-info')
      mkdirSync(path.join(site, 'numpy'))
      assert.deepEqual(await packages(sb), { numpy: '1.26.4', 'scikit-learn': '1.5.2', six: '1.16.0' })

      const a = await sb.prov(['record', '-q', '--', 'true'])
      assert.equal(a.exitCode, 0, a.stderr)
      renameSync(path.join(site, 'numpy-1.26.4.dist-info'), path.join(site, 'numpy-2.1.0.dist-info'))
      rmSync(path.join(site, 'six-1.16.0-py3.11.egg-info'), { recursive: true })
      const b = await sb.prov(['record', '-q', '--', 'true'])
      assert.equal(b.exitCode, 0, b.stderr)

      const d = await sb.prov(['diff-runs', '@~1', '@'])
      assert.equal(d.exitCode, 1, d.stderr)
      const env = parseValid('diff', d.stdout).diff.env.filter((c: any) => !c.noise)
      assert.deepEqual(env, [
        { op: 'changed', key: 'packages.python.numpy', from: '1.26.4', to: '2.1.0' },
        { op: 'removed', key: 'packages.python.six', from: '1.16.0' },
      ])
      const human = await sb.prov(['diff'])
      assert.equal(human.exitCode, 1, human.stderr)
      assert.match(human.stdout, /^no outputs recorded; no inputs recorded; env: packages\.python\.numpy, packages\.python\.six$/m)
      assert.match(human.stdout, /^ {2}~ packages\.python\.numpy: 1\.26\.4 → 2\.1\.0$/m)
      const show = await sb.prov(['show'])
      assert.match(show.stdout, /environment variables, 2 Python packages \(prov show --json lists them\)$/m)
    })
  })

  test("a package installed in the user's site-packages after the first call is found (the directory need not be there yet)", { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv(['--system-site-packages'], async (sb) => {
      const user = await execa('python3', ['-c', 'import site; print(site.getusersitepackages() if site.ENABLE_USER_SITE else "")'], { env: sb.env, extendEnv: false, cwd: sb.dir })
      assert.ok(user.stdout.startsWith(sb.home), `user site ${user.stdout} is not under the sandbox's HOME`)
      const first = await packages(sb)
      assert.ok(first !== undefined)
      assert.equal(first['prov-test-pkg'], undefined)
      install((mkdirSync(user.stdout, { recursive: true }), user.stdout), 'prov_test_pkg-0.3.1.dist-info')
      assert.equal((await packages(sb))?.['prov-test-pkg'], '0.3.1')
    })
  })

  test("packages one run did not list (a prov before packages, no python3, --no-tools) and prov's own version are noise, said in the footer", { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site) => {
      install(site, 'numpy-1.26.4.dist-info')
      const r = await sb.prov(['record', '-q', '--', 'true'])
      assert.equal(r.exitCode, 0, r.stderr)
      const run = JSON.parse((await sb.prov(['show', '--json'])).stdout)
      // The same run's env as an older prov would have made it: another version, no packages.
      const older = { ...run.env, runtime: { ...run.env.runtime, prov: '0.0.9' } }
      delete older.packages
      const docs = [{ env: older }, { git: run.git }, { command: run.command }, { inputs: run.inputs }, { outputs: run.outputs }, { params: run.params }].map((d) => JSON.stringify(d)).join('\n')
      const d = await sb.prov(['diff-runs', '-', '@'], { input: docs })
      assert.equal(d.exitCode, 0, d.stdout + d.stderr)
      assert.deepEqual(parseValid('diff', d.stdout).diff.env, [
        { op: 'added', key: 'packages.python.numpy', to: '1.26.4', noise: true },
        { op: 'changed', key: 'runtime.prov', from: '0.0.9', to: run.env.runtime.prov, noise: true },
      ])
      const human = await sb.prov(['diff', '-', '@'], { input: docs })
      assert.equal(human.exitCode, 0, human.stdout)
      assert.match(human.stdout, /\(2 noise changes hidden: prov's own version, 1 package that one run did not list; --all shows them\)/)
      // Both listed, another version: a change.
      const both = await sb.prov(['diff-runs', '-', '@'], { input: docs.replace('"runtime"', '"packages":{"python":{"numpy":"1.26.3"}},"runtime"') })
      assert.deepEqual(parseValid('diff', both.stdout).diff.env.filter((c: any) => !c.noise), [{ op: 'changed', key: 'packages.python.numpy', from: '1.26.3', to: '1.26.4' }])
    })
  })

  test("the bytecode caches Python writes on import (__pycache__, untracked) are no change of the code: 'diff --workspace -q' holds", { skip: needsPython() && 'no python3 here' }, async () => {
    const sb = await makeRepo({ 'train.py': 'import helpers\nprint(helpers.f())\n', 'helpers.py': 'def f():\n    return 1\n' })
    try {
      sb.env.PATH = linkTools(path.join(sb.home, 'tools'), ['git'])
      const train = ['--', python!, 'train.py']
      for (let i = 0; i < 2; i++) {
        const r = await sb.prov(['record', '-q', ...train])
        assert.equal(r.exitCode, 0, r.stderr)
      }
      assert.ok(readdirSync(path.join(sb.dir, '__pycache__')).some((f) => f.endsWith('.pyc')), 'python wrote no bytecode')
      const d = await sb.prov(['diff'])
      assert.equal(d.exitCode, 0, d.stdout)
      assert.match(d.stdout, /\(\d+ noise changes? hidden: Python's bytecode caches \(__pycache__\) among the untracked files; --all shows them\)/)
      assert.equal((await sb.prov(['diff', '--workspace', '-q'])).exitCode, 0)
      // A source file beside them is still code.
      sb.write('extra.py', 'x = 1\n')
      assert.equal((await sb.prov(['diff', '--workspace', '-q'])).exitCode, 1)
      const all = await sb.prov(['diff-runs', '@~1', '@'])
      assert.deepEqual(parseValid('diff', all.stdout).diff.code.filter((c: any) => !c.noise), [])
    } finally { sb.cleanup() }
  })

  test("a relative PYTHONPATH is read from the directory prov runs in: another directory's packages are not the first one's, cached", { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb) => {
      for (const [d, v] of [['one', '1.0'], ['two', '2.0']] as const) mkdirSync(path.join(sb.dir, d, 'lib', `bar-${v}.dist-info`), { recursive: true })
      for (const pythonPath of ['lib', ':lib']) {
        for (const [d, v] of [['one', '1.0'], ['two', '2.0'], ['one', '1.0']] as const) {
          const r = await sb.prov(['snapshot-env'], { cwd: path.join(sb.dir, d), env: { PYTHONPATH: pythonPath } })
          assert.equal(r.exitCode, 0, r.stderr)
          assert.equal(parseValid('env', r.stdout).env.packages?.python?.bar, v, `PYTHONPATH=${pythonPath} in ${d}/`)
        }
      }
    })
  })

  test("a damaged answer in tools.json (its directories not a list) is asked again, not a crash", { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site) => {
      install(site, 'numpy-1.26.4.dist-info')
      assert.equal((await packages(sb))?.numpy, '1.26.4')
      const file = path.join(sb.home, '.cache', 'prov', 'tools.json')
      const cache = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
      let damaged = 0
      for (const [k, v] of Object.entries(cache)) if (v.startsWith('{"dirs":')) { cache[k] = '{"dirs":5,"pth":"x"}'; damaged++ }
      assert.equal(damaged, 1)
      writeFileSync(file, JSON.stringify(cache))
      assert.equal((await packages(sb))?.numpy, '1.26.4')
      // An answer an earlier prov cached, without the version: asked again, for the version too.
      const fresh = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
      for (const [k, v] of Object.entries(fresh)) if (v.startsWith('{"dirs":')) { const { dirs, pth } = JSON.parse(v); fresh[k] = JSON.stringify({ dirs, pth }) }
      writeFileSync(file, JSON.stringify(fresh))
      const r = await sb.prov(['snapshot-env'])
      assert.match(parseValid('env', r.stdout).env.runtime.python, /^3\.[0-9]+\.[0-9]+$/)
    })
  })

  test('a .pth file added to site-packages after the first call (an old-style editable install) is seen, and one removed', { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site) => {
      assert.deepEqual(await packages(sb), {})
      const dev = path.join(sb.home, 'dev-src')
      mkdirSync(path.join(dev, 'devpkg-0.1.dev0.dist-info'), { recursive: true })
      writeFileSync(path.join(site, 'devpkg.pth'), `${dev}\n`)
      assert.deepEqual(await packages(sb), { devpkg: '0.1.dev0' })
      rmSync(path.join(site, 'devpkg.pth'))
      assert.deepEqual(await packages(sb), {})
    })
  })

  test("a command that runs a Python interpreter lists that one's packages (a venv run without being activated); snapshot-env --python does the same", { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site, venv) => {
      install(site, 'torch-2.5.1.dist-info')
      // The venv is not on PATH: the python3 there is none (git only).
      sb.env.PATH = linkTools(path.join(sb.home, 'tools2'), ['git'])
      assert.equal(await packages(sb), undefined)
      const py = path.relative(sb.dir, path.join(venv, 'bin', 'python'))
      const r = await sb.prov(['record', '-q', '--', py, '-c', 'pass'])
      assert.equal(r.exitCode, 0, r.stderr)
      const run = JSON.parse((await sb.prov(['show', '--json'])).stdout)
      assert.deepEqual(run.env.packages, { python: { torch: '2.5.1' } })
      // The plumbing gives the same, and --workspace reads the same interpreter: no difference.
      const snap = await sb.prov(['snapshot-env', '--python', py])
      assert.equal(snap.exitCode, 0, snap.stderr)
      assert.deepEqual(parseValid('env', snap.stdout).env.packages, { python: { torch: '2.5.1' } })
      assert.equal((await sb.prov(['diff', '--workspace', '-q'])).exitCode, 0)
      renameSync(path.join(site, 'torch-2.5.1.dist-info'), path.join(site, 'torch-2.6.0.dist-info'))
      const ws = await sb.prov(['diff', '--workspace', '--json'])
      assert.deepEqual(parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise), [{ op: 'changed', key: 'packages.python.torch', from: '2.5.1', to: '2.6.0' }])
      // An interpreter that is not there, or --python with --no-tools: exit 2, nothing printed.
      const missing = await sb.prov(['snapshot-env', '--python', 'no/such/python'])
      assert.deepEqual([missing.exitCode, missing.stdout, missing.stderr], [2, '', "prov: no interpreter 'no/such/python': not an executable file\n"])
      const both = await sb.prov(['snapshot-env', '--python', py, '--no-tools'])
      assert.equal(both.exitCode, 2)
      assert.equal(both.stdout, '')
    })
  })

  test('a .pth file that names a directory not there yet, made after the first call, is asked again: its packages are seen', { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site) => {
      const dev = path.join(sb.home, 'later-src')
      writeFileSync(path.join(site, 'later.pth'), `# a comment\nimport os\n${dev}\n`)
      // (Python leaves the directory out of sys.path while it is not there.)
      assert.deepEqual(await packages(sb), {})
      mkdirSync(path.join(dev, 'laterpkg-2.0.dist-info'), { recursive: true })
      assert.deepEqual(await packages(sb), { laterpkg: '2.0' })
    })
  })

  test("diff --workspace from the root asks a run's interpreter in the run's directory, as record did (a shim choosing by .python-version there)", async () => {
    const sb = await makeRepo()
    try {
      // A shim as pyenv's chooses its Python by the version file in the directory it runs in.
      const [siteA, siteB] = [path.join(sb.home, 'site-a'), path.join(sb.home, 'site-b')]
      mkdirSync(path.join(siteA, 'numpy-1.0.0.dist-info'), { recursive: true })
      mkdirSync(path.join(siteB, 'numpy-2.0.0.dist-info'), { recursive: true })
      const bin = linkTools(path.join(sb.home, 'tools'), ['git'])
      writeFileSync(path.join(bin, 'python'), `#!/bin/sh\nif [ "$1" != -c ]; then echo 'Python 3.99.0'; exit 0; fi\nif [ -f .python-version ]; then d='${siteB}'; else d='${siteA}'; fi\necho "prov-sys-path [\\"$d\\"]"\n`, { mode: 0o755 })
      sb.env.PATH = bin
      sb.write('sub/.python-version', '3.99\n')
      await sb.git('add', '-A')
      await sb.git('commit', '-qm', 'sub')
      const r = await sb.prov(['record', '-q', '--', 'python', '-c', 'pass'], { cwd: path.join(sb.dir, 'sub') })
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { numpy: '2.0.0' } })
      // From the root, with the cache and without it: the run's directory's interpreter, no change.
      for (const fresh of [false, true]) {
        if (fresh) rmSync(path.join(sb.home, '.cache', 'prov'), { recursive: true, force: true })
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual(parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise), [], ws.stderr)
        assert.equal(ws.exitCode, 0)
      }
    } finally { sb.cleanup() }
  })

  test("diff --workspace: a run's interpreter not found now (its path redacted in the record, or removed) lists no packages, with a warning, not the python3 on PATH's", async () => {
    const sb = await makeRepo()
    try {
      const fake = (dir: string, site: string): string => {
        mkdirSync(dir, { recursive: true })
        writeFileSync(path.join(dir, 'python3'), `#!/bin/sh\nif [ "$1" != -c ]; then echo 'Python 3.99.0'; exit 0; fi\necho 'prov-sys-path ["${site}"]'\n`, { mode: 0o755 })
        return path.join(dir, 'python3')
      }
      const [own, other] = [path.join(sb.home, 'own-site'), path.join(sb.home, 'other-site')]
      mkdirSync(path.join(own, 'torch-2.5.1.dist-info'), { recursive: true })
      mkdirSync(path.join(other, 'numpy-1.0.0.dist-info'), { recursive: true })
      const bin = linkTools(path.join(sb.home, 'tools'), ['git'])
      fake(bin, other)
      sb.env.PATH = bin
      // A directory whose name is token-shaped: the record keeps argv[0] redacted.
      const tokenDir = fake(path.join(sb.home, 'ghp_' + 'a'.repeat(36), 'bin'), own)
      const removable = fake(path.join(sb.home, 'venv', 'bin'), own)
      for (const py of [tokenDir, removable]) {
        const r = await sb.prov(['record', '-q', '--', py, '-c', 'pass'])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { torch: '2.5.1' } })
        if (py === removable) rmSync(path.join(sb.home, 'venv'), { recursive: true })
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual(parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise), [])
        assert.equal(ws.exitCode, 0)
        assert.match(ws.stderr, /^prov: warning: the run's interpreter '.*\/bin\/python3' is not found: its packages are not compared\n$/)
        assert.ok(!ws.stderr.includes('a'.repeat(36)), ws.stderr)
      }
    } finally { sb.cleanup() }
  })

  test("diff --workspace runs no interpreter a record names inside the project, and record --no-exec none at all; a venv's python, a link out of it, is asked", { skip: needsPython() && 'no python3 here' }, async () => {
    const sb = await makeRepo({ 'train.py': 'print(1)\n', '.gitignore': '.venv/\nran.log\n' })
    try {
      sb.env.PATH = linkTools(path.join(sb.home, 'tools'), ['git', 'sh'])
      // A script named python in the project (a committed store could name it): it logs that it ran.
      sb.write('evil/python', `#!/bin/sh\necho ran >> ${JSON.stringify(path.join(sb.dir, 'ran.log'))}\n`)
      chmodSync(path.join(sb.dir, 'evil', 'python'), 0o755)
      const r = await sb.prov(['record', '-q', '--no-exec', '--', './evil/python', 'x'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.ok(!existsSync(path.join(sb.dir, 'ran.log')), 'record --no-exec ran the interpreter')
      assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined)
      const ws = await sb.prov(['diff', '--workspace'])
      assert.ok(!existsSync(path.join(sb.dir, 'ran.log')), 'diff --workspace ran a program the record named')
      assert.match(ws.stderr, /the run's interpreter '\.\/evil\/python' lies in the project or its store: not run, its packages are not compared/)
      // A venv inside the project: its python is a link to an installed interpreter, asked.
      const made = await execa(python!, ['-m', 'venv', '--without-pip', path.join(sb.dir, '.venv')], { reject: false })
      assert.equal(made.exitCode, 0, made.stderr)
      const lib = path.join(sb.dir, '.venv', 'lib')
      install(path.join(lib, readdirSync(lib)[0]!, 'site-packages'), 'pandas-2.2.3.dist-info')
      const v = await sb.prov(['record', '-q', '--', '.venv/bin/python', 'train.py'])
      assert.equal(v.exitCode, 0, v.stderr)
      assert.match((await sb.prov(['show'])).stdout, /environment variables, 1 Python package \(prov show --json lists them\)$/m)
      assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { pandas: '2.2.3' } })
      const same = await sb.prov(['diff', '--workspace', '-q'])
      assert.equal(same.exitCode, 0, (await sb.prov(['diff', '--workspace'])).stdout)
      assert.equal(same.stderr, '')
    } finally { sb.cleanup() }
  })

  test("the interpreter is asked with the directory it runs in off its path: a project's json.py is not run (snapshot-env, diff --workspace)", { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site) => {
      install(site, 'numpy-1.26.4.dist-info')
      // A json.py where python3 is asked (the project, the run's directory): it logs that it ran.
      const module = `open(${JSON.stringify(path.join(sb.home, 'ran.log'))}, 'a').write('ran\\n')\n`
      sb.write('json.py', module)
      sb.write('sub/json.py', module)
      assert.deepEqual(await packages(sb), { numpy: '1.26.4' })
      assert.ok(!existsSync(path.join(sb.home, 'ran.log')), "snapshot-env ran the project's json.py")
      const r = await sb.prov(['record', '-q', '--no-exec', '--', 'true'], { cwd: path.join(sb.dir, 'sub') })
      assert.equal(r.exitCode, 0, r.stderr)
      // Asked again by diff (a fresh cache), in the run's directory.
      rmSync(path.join(sb.dir, '.prov', 'cache'), { recursive: true, force: true })
      rmSync(path.join(sb.home, '.cache'), { recursive: true, force: true })
      const ws = await sb.prov(['diff', '--workspace', '--json'])
      assert.ok(ws.exitCode === 0 || ws.exitCode === 1, ws.stderr)
      assert.ok(!existsSync(path.join(sb.home, 'ran.log')), "diff --workspace ran the project's json.py")
    })
  })

  test("a venv in the project is read by the names in its site-packages, never run: its .pth files (a committed venv's) run nothing for diff --workspace", { skip: needsPython() && 'no python3 here' }, async () => {
    const sb = await makeRepo({ 'train.py': 'print(1)\n', '.gitignore': 'pwned\n.venv/\n' })
    try {
      sb.env.PATH = linkTools(path.join(sb.home, 'tools'), ['git', 'sh'])
      const marker = path.join(sb.dir, 'pwned')
      const site = await projectVenvWithSpy(sb, marker)
      // (record --no-exec runs nothing either, and reads the same names.)
      const r = await sb.prov(['record', '-q', '--no-exec', '--', '.venv/bin/python', 'train.py'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.ok(!existsSync(marker), 'record --no-exec ran the venv, and its .pth')
      assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { pandas: '2.2.3' } })
      install(site, 'numpy-2.1.0.dist-info')
      const ws = await sb.prov(['diff', '--workspace', '--json'])
      assert.ok(!existsSync(marker), 'diff --workspace ran the venv, and its .pth')
      assert.deepEqual(parseValid('diff', ws.stdout).diff.env.filter((c: any) => c.key.startsWith('packages.')), [
        { op: 'added', key: 'packages.python.numpy', to: '2.1.0' },
      ])
      rmSync(path.join(site, 'numpy-2.1.0.dist-info'), { recursive: true })
      // Recorded with the command run: the same names, read the same way, and no difference.
      rmSync(path.join(site, 'spy.pth'))
      const run = await sb.prov(['record', '-q', '--', '.venv/bin/python', 'train.py'])
      assert.equal(run.exitCode, 0, run.stderr)
      assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { pandas: '2.2.3' } })
      writeFileSync(path.join(site, 'spy.pth'), `import os; open(${JSON.stringify(marker)}, 'a').write('ran')\n`)
      const same = await sb.prov(['diff', '--workspace', '-q'])
      assert.equal(same.exitCode, 0)
      assert.ok(!existsSync(marker), 'diff --workspace ran the venv, and its .pth')
    } finally { sb.cleanup() }
  })

  test('a store kept outside the project is no place for diff --workspace to run a python from either', async () => {
    const sb = await makeRepo({ 'train.py': 'print(1)\n', '.gitignore': 'ran.log\n' })
    try {
      sb.env.PATH = linkTools(path.join(sb.home, 'tools'), ['git', 'sh'])
      const store = path.join(sb.home, 'shared-runs')
      mkdirSync(store)
      const marker = path.join(sb.home, 'ran.log')
      writeFileSync(path.join(store, 'python'), `#!/bin/sh\necho ran >> ${JSON.stringify(marker)}\n`, { mode: 0o755 })
      const r = await sb.prov(['record', '-q', '--no-exec', '--store', store, '--', path.join(store, 'python'), 'x'])
      assert.equal(r.exitCode, 0, r.stderr)
      const ws = await sb.prov(['diff', '--workspace', '--store', store])
      assert.ok(!existsSync(marker), 'diff --workspace ran a program in the store')
      assert.match(ws.stderr, /lies in the project or its store: not run, its packages are not compared/)
    } finally { sb.cleanup() }
  })

  test("a relative directory on PATH is the run's directory's for diff --workspace, as for the shell that ran it: the tool found is the tool run", async () => {
    const sb = await makeRepo({ 'README': 'x\n' })
    try {
      // Two programs (binaries, cached by their file, not by the directory as a script is), each
      // answering --version with its own name.
      for (const [d, program] of [['.', 'basename'], ['sub', 'dirname']] as const) {
        mkdirSync(path.join(sb.dir, d, 'bin'), { recursive: true })
        copyFileSync(path.join('/usr/bin', program), path.join(sb.dir, d, 'bin', 'python3'))
        chmodSync(path.join(sb.dir, d, 'bin', 'python3'), 0o755)
      }
      writeFileSync(path.join(sb.dir, '.gitignore'), 'bin/\nsub/bin/\n')
      sb.env.PATH = `bin:${linkTools(path.join(sb.home, 'tools'), ['git', 'sh'])}`
      const r = await sb.prov(['record', '-q', '--', 'sh', '-c', 'true'], { cwd: path.join(sb.dir, 'sub') })
      assert.equal(r.exitCode, 0, r.stderr)
      assert.match(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.tools.python3, /^dirname /)
      // From the root, where bin/ holds another python3 (asked there once, its answer cached): the
      // run's directory's is asked for the run, and is the same.
      assert.match(parseValid('env', (await sb.prov(['snapshot-env'])).stdout).env.tools.python3, /^basename /)
      const ws = await sb.prov(['diff', '--workspace', '--json'])
      assert.deepEqual(parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise), [])
    } finally { sb.cleanup() }
  })

  test("a script's #! line names its interpreter (./train.py, pip's console scripts, their long-path /bin/sh form); env's PATH= is the command's", { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site, venv) => {
      install(site, 'torch-2.5.1.dist-info')
      const py = path.join(venv, 'bin', 'python')
      // No python3 on PATH: what the run lists is its script's interpreter's, or none.
      sb.env.PATH = linkTools(path.join(sb.home, 'tools2'), ['git', 'sh', 'env', 'timeout'])
      sb.write('train.py', `#!${py}\nprint(1)\n`)
      chmodSync(path.join(sb.dir, 'train.py'), 0o755)
      writeFileSync(path.join(venv, 'bin', 'torchrun'), `#!/bin/sh\n'''exec' "${py}" "$0" "$@"\n' '''\nprint(2)\n`, { mode: 0o755 })
      writeFileSync(path.join(sb.home, 'env-script'), `#!/usr/bin/env -S PATH=${path.join(venv, 'bin')} python3 -u\nprint(3)\n`, { mode: 0o755 })
      const commands = [['./train.py'], ['timeout', '-s', 'INT', '1h', './train.py'], [path.join(venv, 'bin', 'torchrun')], ['env', `PATH=${path.join(venv, 'bin')}`, 'python3', '-c', 'pass'], [path.join(sb.home, 'env-script')]]
      for (const argv of commands) {
        const r = await sb.prov(['record', '-q', '--', ...argv])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { torch: '2.5.1' } }, argv.join(' '))
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual([ws.exitCode, ws.stderr, parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise)], [0, '', []], argv.join(' '))
      }
      // An application installed by pipx or `uv tool` (dvc, tox): its own packages are not the
      // command's; the python3 on PATH's are listed, as for any other program.
      sb.env.PATH = `${path.join(venv, 'bin')}:${sb.env.PATH}`
      for (const home of [path.join(sb.home, '.local', 'pipx', 'venvs', 'dvc'), path.join(sb.home, '.local', 'share', 'uv', 'tools', 'dvc')]) {
        const toolSite = path.join(home, 'site')
        mkdirSync(path.join(toolSite, 'dvc-3.0.0.dist-info'), { recursive: true })
        mkdirSync(path.join(home, 'bin'), { recursive: true })
        writeFileSync(path.join(home, 'bin', 'python'), `#!/bin/sh\nif [ "$1" != -c ]; then echo 'Python 3.99.0'; exit 0; fi\necho 'prov-sys-path ["${toolSite}"]'\n`, { mode: 0o755 })
        writeFileSync(path.join(home, 'bin', 'dvc'), `#!${path.join(home, 'bin', 'python')}\nprint(4)\n`, { mode: 0o755 })
        const r = await sb.prov(['record', '-q', '--no-exec', '--', path.join(home, 'bin', 'dvc'), 'repro'])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { torch: '2.5.1' } }, home)
      }
      // A #! line's bare word is a path from the command's directory, as the kernel reads it, not a name on PATH.
      sb.write('rel.py', '#!python3\nprint(1)\n')
      chmodSync(path.join(sb.dir, 'rel.py'), 0o755)
      const rel = await sb.prov(['record', '-q', '--no-exec', '--', './rel.py'])
      assert.equal(rel.exitCode, 0, rel.stderr)
      assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined)
      // The script's interpreter gone: none listed, and diff --workspace says which one it looked for.
      sb.write('train.py', '#!/no/such/python3\nprint(1)\n')
      const r = await sb.prov(['record', '-q', '--no-exec', '--', './train.py'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined)
      const ws = await sb.prov(['diff', '--workspace'])
      assert.equal(ws.stderr, "prov: warning: the run's interpreter '/no/such/python3' is not found: its packages are not compared\n")
    })
  })

  test("uv's console scripts: the long-path /bin/sh form with the path in single quotes, and a relocatable venv's, from the script's real directory", { skip: needsPython() && 'no python3 here' }, async () => {
    await withVenv([], async (sb, site, venv) => {
      install(site, 'torch-2.5.1.dist-info')
      const py = path.join(venv, 'bin', 'python')
      // No python3 on PATH: what the run lists is its script's interpreter's, or none.
      const tools = linkTools(path.join(sb.home, 'tools2'), ['git', 'sh', 'dirname', 'realpath'])
      sb.env.PATH = tools
      writeFileSync(path.join(venv, 'bin', 'torchrun'), `#!/bin/sh\n'''exec' '${py}' "$0" "$@"\n' '''\nprint(2)\n`, { mode: 0o755 })
      writeFileSync(path.join(venv, 'bin', 'pytest'), `#!/bin/sh\n'''exec' "$(dirname -- "$(realpath -- "$0")")"/'python' "$0" "$@"\n' '''\nprint(3)\n`, { mode: 0o755 })
      // (Found on PATH through a link elsewhere: the script's own directory is the venv's bin.)
      symlinkSync(path.join(venv, 'bin', 'pytest'), path.join(tools, 'pytest'))
      for (const argv of [[path.join(venv, 'bin', 'torchrun')], ['pytest']]) {
        const r = await sb.prov(['record', '-q', '--', ...argv])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { torch: '2.5.1' } }, argv.join(' '))
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual([ws.exitCode, ws.stderr, parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise)], [0, '', []], argv.join(' '))
      }
    })
  })

  test("uv run, pdm run, poetry run: the project's .venv, read by its names; one made for the run (--with), or kept elsewhere, lists none", { skip: needsPython() && 'no python3 here' }, async () => {
    const sb = await makeRepo({ 'pyproject.toml': '[project]\nname = "p"\n', 'train.py': 'print(1)\n', '.gitignore': '.venv/\n' })
    try {
      const bin = linkTools(path.join(sb.home, 'tools'), ['git', 'sh'])
      // Stand-ins that run the command as the runners do, the project's environment first on PATH.
      for (const runner of ['uv', 'pdm', 'poetry']) {
        writeFileSync(path.join(bin, runner), '#!/bin/sh\nshift\nwhile [ "${1#-}" != "$1" ]; do shift; done\nPATH="$PWD/.venv/bin:$PATH" exec "$@"\n', { mode: 0o755 })
      }
      const other = path.join(sb.home, 'elsewhere')
      mkdirSync(path.join(other, 'numpy-9.9.dist-info'), { recursive: true })
      writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\nif [ "$1" != -c ]; then echo 'Python 3.99.0'; exit 0; fi\necho 'prov-sys-path ["${other}"]'\n`, { mode: 0o755 })
      sb.env.PATH = bin
      // poetry with no .venv in the project keeps its environment elsewhere: none listed, not PATH's.
      const p0 = await sb.prov(['record', '-q', '--no-exec', '--', 'poetry', 'run', 'python', 'train.py'])
      assert.equal(p0.exitCode, 0, p0.stderr)
      assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined)
      // A .pth that would tell if the venv's python were run for its packages.
      const marker = path.join(sb.home, 'ran.log')
      const site = await projectVenvWithSpy(sb, marker)
      for (const argv of [['uv', 'run', 'python', 'train.py'], ['uv', 'run', '--frozen', 'train.py'], ['pdm', 'run', 'python', 'train.py'], ['poetry', 'run', 'python', 'train.py']]) {
        const r = await sb.prov(['record', '-q', '--no-exec', '--', ...argv], { cwd: path.join(sb.dir) })
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { pandas: '2.2.3' } }, argv.join(' '))
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual([ws.exitCode, ws.stderr, parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise)], [0, '', []], argv.join(' '))
      }
      assert.ok(!existsSync(marker), "the project's venv was run")
      // From a directory below the project, as uv finds it.
      const sub = await sb.prov(['record', '-q', '--no-exec', '--', 'uv', 'run', 'python', '../train.py'], { cwd: path.join(sb.dir, '.venv', 'lib') })
      assert.equal(sub.exitCode, 0, sub.stderr)
      assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { pandas: '2.2.3' } })
      // An environment made for the one run: what it holds is not known before it runs.
      for (const argv of [['uv', 'run', '--with', 'rich', 'python', 'train.py'], ['uv', 'run', '--isolated', 'train.py']]) {
        const r = await sb.prov(['record', '-q', '--no-exec', '--', ...argv])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined, argv.join(' '))
      }
      // A script with inline metadata gets an environment of its own from uv run.
      sb.write('tool.py', '# /// script\n# dependencies = ["rich"]\n# ///\nprint(1)\n')
      const inline = await sb.prov(['record', '-q', '--no-exec', '--', 'uv', 'run', 'tool.py'])
      assert.equal(inline.exitCode, 0, inline.stderr)
      assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined)
      // Run for real through the stand-in: the same.
      rmSync(path.join(site, 'spy.pth'))
      const real = await sb.prov(['record', '-q', '--', 'uv', 'run', 'python', 'train.py'])
      assert.equal(real.exitCode, 0, real.stderr)
      assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { pandas: '2.2.3' } })
    } finally { sb.cleanup() }
  })

  test("uv run outside a project: the .venv found from its directory up, else the python3 on PATH's, as uv finds them; not none", { skip: needsPython() && 'no python3 here' }, async () => {
    const sb = await makeRepo({ 'train.py': 'print(1)\n', '.gitignore': '.venv/\n' })
    try {
      const bin = linkTools(path.join(sb.home, 'tools'), ['git', 'sh'])
      writeFileSync(path.join(bin, 'uv'), '#!/bin/sh\nshift\nexec "$@"\n', { mode: 0o755 })
      const other = path.join(sb.home, 'elsewhere')
      mkdirSync(path.join(other, 'numpy-9.9.dist-info'), { recursive: true })
      writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\nif [ "$1" != -c ]; then echo 'Python 3.99.0'; exit 0; fi\necho 'prov-sys-path ["${other}"]'\n`, { mode: 0o755 })
      sb.env.PATH = bin
      delete sb.env.VIRTUAL_ENV
      // No project and no .venv: uv runs it with the interpreter it finds, the python3 on PATH here.
      const r0 = await sb.prov(['record', '-q', '--no-exec', '--', 'uv', 'run', 'python3', 'train.py'])
      assert.equal(r0.exitCode, 0, r0.stderr)
      assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { numpy: '9.9' } })
      // A .venv in the directory, or one above: uv runs it there.
      const made = await execa(python!, ['-m', 'venv', '--without-pip', path.join(sb.dir, '.venv')], { reject: false })
      assert.equal(made.exitCode, 0, made.stderr)
      const lib = path.join(sb.dir, '.venv', 'lib')
      install(path.join(lib, readdirSync(lib)[0]!, 'site-packages'), 'pandas-2.2.3.dist-info')
      sb.write('sub/x.py', 'print(1)\n')
      for (const cwd of [sb.dir, path.join(sb.dir, 'sub')]) {
        const r = await sb.prov(['record', '-q', '--no-exec', '--', 'uv', 'run', 'python', 'train.py'], { cwd })
        assert.equal(r.exitCode, 0, r.stderr)
        assert.deepEqual(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, { python: { pandas: '2.2.3' } }, cwd)
        const ws = await sb.prov(['diff', '--workspace', '--json'])
        assert.deepEqual([ws.exitCode, ws.stderr, parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise)], [0, '', []], cwd)
      }
    } finally { sb.cleanup() }
  })

  test("uv run in a project whose .venv it makes in that run: not the python3 on PATH's packages, which diff --workspace would then find all changed", { skip: needsPython() && 'no python3 here' }, async () => {
    const sb = await makeRepo({ 'pyproject.toml': '[project]\nname = "p"\n', 'train.py': 'print(1)\n', '.gitignore': '.venv/\n' })
    try {
      const bin = linkTools(path.join(sb.home, 'tools'), ['git', 'sh', 'mkdir', 'cp'])
      const other = path.join(sb.home, 'elsewhere')
      mkdirSync(path.join(other, 'numpy-9.9.dist-info'), { recursive: true })
      writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\nif [ "$1" != -c ]; then echo 'Python 3.99.0'; exit 0; fi\necho 'prov-sys-path ["${other}"]'\n`, { mode: 0o755 })
      // A venv made aside, that the stand-in for uv copies in as uv makes the project's on its first run.
      const made = await execa(python!, ['-m', 'venv', '--without-pip', path.join(sb.home, 'proto')], { reject: false })
      assert.equal(made.exitCode, 0, made.stderr)
      const lib = path.join(sb.home, 'proto', 'lib')
      install(path.join(lib, readdirSync(lib)[0]!, 'site-packages'), 'pandas-2.2.3.dist-info')
      writeFileSync(path.join(bin, 'uv'), `#!/bin/sh\nshift\n[ -d .venv ] || cp -R ${JSON.stringify(path.join(sb.home, 'proto'))} .venv\nPATH="$PWD/.venv/bin:$PATH" exec "$@"\n`, { mode: 0o755 })
      sb.env.PATH = bin
      const r = await sb.prov(['record', '-q', '--', 'uv', 'run', 'python3', 'train.py'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.ok(existsSync(path.join(sb.dir, '.venv')))
      assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.packages, undefined)
      // The venv's packages now: one run did not list them, noise, not a change.
      const ws = await sb.prov(['diff', '--workspace', '--json'])
      assert.deepEqual([ws.exitCode, ws.stderr, parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise)], [0, '', []])
    } finally { sb.cleanup() }
  })

  test("runtime.python: the version of the interpreter whose packages are listed (the command's, not the python3 on PATH's); a run without it (an older prov) is noise", async () => {
    const sb = await makeRepo({ 'train.py': 'print(1)\n', '.gitignore': 'env/\n' })
    try {
      const site = path.join(sb.home, 'site')
      mkdirSync(path.join(site, 'numpy-1.0.0.dist-info'), { recursive: true })
      const fake = (dir: string, version: string): string => {
        mkdirSync(dir, { recursive: true })
        writeFileSync(path.join(dir, 'python3'), `#!/bin/sh\nif [ "$1" != -c ]; then echo 'Python ${version}'; exit 0; fi\necho 'prov-sys-path ["${site}"]'\necho 'prov-python-version ${version}'\n`, { mode: 0o755 })
        return path.join(dir, 'python3')
      }
      const bin = linkTools(path.join(sb.home, 'tools'), ['git'])
      fake(bin, '3.11.7')
      sb.env.PATH = bin
      const own = fake(path.join(sb.home, 'py312', 'bin'), '3.12.1')
      assert.equal(parseValid('env', (await sb.prov(['snapshot-env'])).stdout).env.runtime.python, '3.11.7')
      assert.equal(parseValid('env', (await sb.prov(['snapshot-env', '--python', own])).stdout).env.runtime.python, '3.12.1')
      const r = await sb.prov(['record', '-q', '--', own, '-c', 'pass'])
      assert.equal(r.exitCode, 0, r.stderr)
      const run = JSON.parse((await sb.prov(['show', '--json'])).stdout)
      assert.deepEqual([run.env.runtime.python, run.env.tools.python3], ['3.12.1', 'Python 3.11.7'])
      assert.match((await sb.prov(['show'])).stdout, /^Env: {6}linux .*, node v[0-9.]+, Python 3\.12\.1, git [0-9.]+, python3 3\.11\.7$/m)
      // Upgraded in place: a change diff names.
      fake(path.join(sb.home, 'py312', 'bin'), '3.12.4')
      const ws = await sb.prov(['diff', '--workspace', '--json'])
      assert.deepEqual(parseValid('diff', ws.stdout).diff.env.filter((c: any) => !c.noise), [{ op: 'changed', key: 'runtime.python', from: '3.12.1', to: '3.12.4' }])
      // A venv in the project, read by name: its pyvenv.cfg says the version (uv's version_info too).
      mkdirSync(path.join(sb.dir, 'env', 'bin'), { recursive: true })
      mkdirSync(path.join(sb.dir, 'env', 'lib', 'python3.13', 'site-packages'), { recursive: true })
      writeFileSync(path.join(sb.dir, 'env', 'bin', 'python'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
      for (const [cfg, want] of [['home = /usr/bin\nversion = 3.13.0\n', '3.13.0'], ['home = /opt\nimplementation = CPython\nversion_info = 3.13.1.final.0\n', '3.13.1']] as Array<[string, string]>) {
        writeFileSync(path.join(sb.dir, 'env', 'pyvenv.cfg'), cfg)
        const v = await sb.prov(['record', '-q', '--no-exec', '--', 'env/bin/python', 'train.py'])
        assert.equal(v.exitCode, 0, v.stderr)
        assert.equal(JSON.parse((await sb.prov(['show', '--json'])).stdout).env.runtime.python, want)
      }
      // A run from a prov before runtime.python, beside one with it: noise, said in the footer.
      const old = JSON.parse((await sb.prov(['show', '--json'])).stdout)
      delete old.env.runtime.python
      delete old.id
      const w = await sb.prov(['write-run'], { input: JSON.stringify(old) })
      assert.equal(w.exitCode, 0, w.stderr)
      const d = await sb.prov(['diff', '@~1', '@'])
      assert.equal(d.exitCode, 0, d.stdout)
      assert.match(d.stdout, /the Python version that one run did not list/)
    } finally { sb.cleanup() }
  })

  test('no python3 on PATH, or --no-tools: no packages', async () => {
    const sb = await makeRepo()
    try {
      sb.env.PATH = linkTools(path.join(sb.home, 'tools'), ['git'])
      assert.equal(await packages(sb), undefined)
      if (python !== null) {
        sb.env.PATH = `${path.dirname(python)}:${sb.env.PATH}`
        const r = await sb.prov(['snapshot-env', '--no-tools'])
        assert.equal(parseValid('env', r.stdout).env.packages, undefined)
        assert.equal(typeof (await packages(sb)), 'object')
      }
    } finally { sb.cleanup() }
  })
})

// The documentation: every command has a manual page with the required sections, whose flags are
// the command's real flags and the other way round; the build renders the pages, package.json
// lists them, npm ships them; `--help` and `prov help` work with and without man(1).
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, mkdtempSync, rmSync, chmodSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { ROOT, BIN, makePlainDir, makeRepo, narrowPath, type Sandbox } from '../helpers/prov.js'
import { COMMANDS } from '../../src/commands.js'
import { NAMES as CLI_NAMES } from '../../src/cli.js'

const NAMES = Object.keys(COMMANDS)
const REQUIRED = ['SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'OUTPUT', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO']
const manSource = (page: string): string => path.join(ROOT, 'man', `${page}.1.md`)
const pageOf = (name: string): string => `prov-${name}`

interface ArgDef { type?: string; alias?: string | string[]; description?: string }
interface Flag { key: string; type: string | undefined; spellings: string[] }

/** The flags a command declares in `args`, as they are typed: `--max-count`, `-n`, `-z`. */
async function flagsOf(name: string): Promise<Flag[]> {
  const cmd = await COMMANDS[name]!()
  const args = (cmd.args ?? {}) as Record<string, ArgDef>
  const flags: Flag[] = []
  for (const [key, def] of Object.entries(args)) {
    if (def.type === 'positional') continue
    const aliases = def.alias === undefined ? [] : Array.isArray(def.alias) ? def.alias : [def.alias]
    const spell = (k: string): string => (k.length === 1 ? `-${k}` : `--${k}`)
    flags.push({ key, type: def.type, spellings: [spell(key), ...aliases.map(spell)] })
  }
  return flags
}

interface Page { header: string; sections: Array<{ title: string; body: string[] }> }

/** A man source split into its `## ` sections; lines inside ``` fences never start a section. */
function parsePage(text: string): Page {
  const lines = text.split('\n')
  const page: Page = { header: lines[0] ?? '', sections: [] }
  let fenced = false
  for (const line of lines.slice(1)) {
    if (line.startsWith('```')) fenced = !fenced
    const m = fenced ? null : /^## (.+)$/.exec(line)
    if (m) page.sections.push({ title: m[1]!.trim(), body: [] })
    else page.sections.at(-1)?.body.push(line)
  }
  return page
}

const section = (p: Page, title: string): string[] => p.sections.find((s) => s.title === title)?.body ?? []

// A flag as written in a page: `--store`, `-q`; not `--` alone, not the `-a` of `<run-a>`.
const LONG = /(?<![\w-])--([a-z][a-z0-9-]*)/g
const SHORT = /(?<![\w-])-([a-zA-Z])(?![\w-])/g
const longFlags = (text: string): string[] => [...text.matchAll(LONG)].map((m) => `--${m[1]}`)
const shortFlags = (text: string): string[] => [...text.matchAll(SHORT)].map((m) => `-${m[1]}`)
/** The item lines of a ronn option list: `* `-q`, `--quiet`:`. */
const itemHeads = (body: string[]): string[] => body.filter((l) => /^\* .*:\s*$/.test(l))

let sb: Sandbox
let emptyPath: string
/** Whether man(1) is installed here and can format a page (man-db and groff). */
let manWorks = false
let packed: string[] = []
let pkg: { man?: string[]; files?: string[] }

before(async () => {
  sb = await makePlainDir()
  emptyPath = mkdtempSync(path.join(tmpdir(), 'prov-nopath-'))
  pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const hasMan = spawnSync('sh', ['-c', 'command -v man'], { encoding: 'utf8' }).status === 0
  if (hasMan) {
    const r = spawnSync('man', ['-l', '-P', 'cat', path.join(ROOT, 'man', 'prov.1')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80' } })
    manWorks = r.status === 0 && r.stdout.includes('SYNOPSIS')
  }
  // What `npm publish` would ship. --ignore-scripts: the tests run against the build already made.
  const r = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, reject: false })
  assert.equal(r.exitCode, 0, `npm pack failed: ${r.stderr}`)
  const out = JSON.parse(String(r.stdout)) as Array<{ files: Array<{ path: string }> }>
  packed = out[0]!.files.map((f) => f.path)
})
after(() => {
  sb?.cleanup()
  if (emptyPath) rmSync(emptyPath, { recursive: true, force: true })
})

describe('man page sources', () => {
  test('prov(1) exists, with its header and the required sections in order, and lists every command', () => {
    const text = readFileSync(manSource('prov'), 'utf8')
    const p = parsePage(text)
    assert.match(p.header, /^# prov\(1\) -- \S.*$/)
    const titles = p.sections.map((s) => s.title)
    const at = REQUIRED.map((t) => titles.indexOf(t))
    assert.ok(at.every((i) => i >= 0), `missing sections: ${REQUIRED.filter((_, k) => at[k]! < 0).join(', ')}`)
    assert.deepEqual([...at].sort((a, b) => a - b), at, `sections out of order: ${titles.join(', ')}`)
    for (const name of NAMES) assert.ok(text.includes(`prov-${name}(1)`), `prov(1) does not mention prov-${name}(1)`)
    // What the overview promises to document.
    for (const needle of ['PROV_DIR', 'PROV_DEBUG', 'PROV_LOG_LEVEL', 'NO_COLOR', 'FORCE_COLOR', '--store', '`@~`<n>', 'secret.key',
      'patch.diff', 'cache/', 'secrets.names', 'secrets.allow', 'secrets.values', 'env.drop', '[redacted hmac-sha256:<32 hex>]', 'prov write-run']) {
      assert.ok(text.includes(needle), `prov(1) does not mention ${needle}`)
    }
  })

  for (const name of NAMES) {
    test(`prov-${name}(1): header, sections in order, flags that exist and flags that are documented`, async () => {
      const file = manSource(pageOf(name))
      assert.ok(existsSync(file), `no man page source ${path.relative(ROOT, file)}`)
      const p = parsePage(readFileSync(file, 'utf8'))
      assert.match(p.header, new RegExp(`^# prov-${name}\\(1\\) -- [a-z].*[^.]$`), 'header: # prov-<name>(1) -- <lowercase description>')
      const titles = p.sections.map((s) => s.title)
      const at = REQUIRED.map((t) => titles.indexOf(t))
      assert.ok(at.every((i) => i >= 0), `missing sections: ${REQUIRED.filter((_, k) => at[k]! < 0).join(', ')}`)
      assert.deepEqual([...at].sort((a, b) => a - b), at, `sections out of order: ${titles.join(', ')}`)

      const flags = await flagsOf(name)
      const known = new Set(flags.flatMap((f) => f.spellings))
      const synopsis = section(p, 'SYNOPSIS').join('\n')
      const options = section(p, 'OPTIONS')
      assert.ok(synopsis.includes(`prov ${name}`), 'SYNOPSIS names the command')
      // Every flag the page names exists (long ones anywhere in SYNOPSIS and OPTIONS; short ones
      // in SYNOPSIS and the option items, since descriptions quote other tools' flags).
      const named = new Set([...longFlags(synopsis), ...longFlags(options.join('\n')), ...shortFlags(synopsis), ...itemHeads(options).flatMap(shortFlags)])
      for (const f of named) assert.ok(known.has(f), `the page documents ${f}, which prov ${name} does not have`)
      // Every flag the command has is an option item, with each of its spellings, and in SYNOPSIS.
      const heads = itemHeads(options)
      for (const f of flags) {
        for (const s of f.spellings) {
          assert.ok(heads.some((h) => (s.startsWith('--') ? longFlags(h) : shortFlags(h)).includes(s)), `OPTIONS has no item for ${s}`)
        }
        assert.ok(f.spellings.some((s) => (s.startsWith('--') ? longFlags(synopsis) : shortFlags(synopsis)).includes(s)), `SYNOPSIS does not show ${f.spellings.join(' / ')}`)
      }
      // The OUTPUT section keeps the stability promise of its kind.
      const output = section(p, 'OUTPUT').join('\n')
      if (['hash-inputs', 'snapshot-env', 'git-state', 'read-params', 'exec', 'write-run', 'diff-runs'].includes(name)) {
        assert.match(output, /stable/, 'a plumbing page says its output is stable')
        assert.match(output, /urn:prov:schema:/, 'a plumbing page names its schema')
      } else {
        assert.match(output, /may change/, 'a porcelain page says its output may change')
      }
      assert.ok(section(p, 'EXAMPLES').some((l) => l.includes(`prov ${name}`)), 'EXAMPLES shows the command')
    })
  }

  test("the examples keep the files prov's steps write inside the project's .prov, out of the code's state", () => {
    // A step document, a --newer marker or an --out file written beside the code is an untracked
    // file in the git state of the runs made after it (or, for git.json, of the run itself): its
    // content changes every run, so every run differs from the last, and `diff --workspace -q ||`
    // always runs again. Where the pages write them, they write them into .prov (or $(STEPS)).
    const blocks: Array<{ where: string; lines: string[] }> = []
    for (const page of ['prov', ...NAMES.map(pageOf)]) {
      blocks.push({ where: `${page}(1)`, lines: section(parsePage(readFileSync(manSource(page), 'utf8')), 'EXAMPLES').filter((l) => /^( {4}|\t)/.test(l)) })
    }
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n')
    let fenced = false
    blocks.push({ where: 'README.md', lines: readme.filter((l) => (l.startsWith('```') ? ((fenced = !fenced), false) : fenced)) })
    const bad: string[] = []
    for (const { where, lines } of blocks) {
      for (const raw of lines) {
        // What a quoted script does (sh -c '... > out.txt', a jq program) is the command's, not prov's.
        const line = raw.trim().replace(/^\$ /, '').replace(/'[^']*'/g, "''")
        if (!/(^|[\s;{(|])prov [a-z]/.test(line) && !/^touch /.test(line)) continue
        const targets = [...line.matchAll(/(?:[\s;{)]|^)(?:>>?|--out[ =]|touch )\s*((?:\$\([^)]*\)|[^\s;|&)}])+)/g)].map((m) => m[1]!)
        if (/(^|\s)prov exec /.test(line)) targets.push(...[...line.matchAll(/--capture[ =]((?:\$\([^)]*\)|[^\s;|&)}])+)/g)].map((m) => m[1]!))
        for (const t of targets) {
          if (!/^(\.prov\/|\$\(STEPS\)|\/dev\/)/.test(t)) bad.push(`${where}: ${t} in: ${raw.trim()}`)
        }
      }
    }
    assert.deepEqual(bad, [])
  })

  test('every prov page a page refers to exists', () => {
    for (const page of ['prov', ...NAMES.map(pageOf)]) {
      const text = readFileSync(manSource(page), 'utf8')
      for (const m of text.matchAll(/\bprov-([a-z-]+)\(1\)/g)) {
        assert.ok(m[1]! in COMMANDS, `${page}(1) refers to prov-${m[1]}(1), which does not exist`)
      }
    }
  })

  test('the secret and noise lists in the pages are the ones the code uses', async () => {
    const { SECRET_NAME_GLOBS, SAFE_NAME_GLOBS } = await import('../../src/core/redact.js')
    const { NOISE_VARS, PROV_VARS } = await import('../../src/core/diff.js')
    const { LOCALE_VARS } = await import('../../src/core/env-vars.js')
    const prov = readFileSync(manSource('prov'), 'utf8')
    const secrets = section(parsePage(prov), 'SECRETS').join('\n')
    const words = (text: string): Set<string> => new Set(text.split(/[\s,`()]+/).filter(Boolean))
    for (const g of [...SECRET_NAME_GLOBS, ...SAFE_NAME_GLOBS]) assert.ok(words(secrets).has(g), `prov(1) SECRETS does not list ${g}`)
    for (const page of ['prov-diff', 'prov-diff-runs']) {
      const w = words(section(parsePage(readFileSync(manSource(page), 'utf8')), 'DESCRIPTION').join('\n'))
      for (const v of [...NOISE_VARS, ...PROV_VARS]) assert.ok(w.has(v), `${page}(1) does not list the noise variable ${v}`)
      for (const v of LOCALE_VARS) assert.ok(w.has(v), `${page}(1) does not list the locale variable ${v}`)
    }
  })
})

describe('rendered pages and the package', () => {
  test('the build rendered every page, without HTML entities, and package.json "man" lists exactly them', () => {
    const pages = ['prov', ...NAMES.map(pageOf)]
    for (const page of pages) {
      const file = path.join(ROOT, 'man', `${page}.1`)
      assert.ok(existsSync(file), `man/${page}.1 was not rendered (run npm run build)`)
      const roff = readFileSync(file, 'utf8')
      const th = `.TH "${page.toUpperCase().replace(/-/g, '\\-')}" "1" ` // roff escapes the hyphens
      assert.ok(roff.startsWith(th), `man/${page}.1 does not start with ${th}`)
      assert.doesNotMatch(roff, /&(quot|#39|amp|lt|gt);/, `man/${page}.1 holds an HTML entity`)
    }
    assert.deepEqual([...(pkg.man ?? [])].sort(), pages.map((p) => `./man/${p}.1`).sort())
  })

  test('the command table and the names main() knows are the same commands', () => {
    assert.deepEqual([...CLI_NAMES].sort(), [...NAMES].sort())
  })

  test('npm pack ships the bundle, the bin, the schemas, the rendered pages, README and LICENSE, and no tests or sources', () => {
    const has = (p: string): boolean => packed.includes(p)
    assert.ok(has('bin/prov.cjs'), 'bin/prov.cjs')
    assert.ok(has('dist/main.cjs'), 'dist/main.cjs')
    for (const name of NAMES) assert.ok(has(`dist/commands/${name}.cjs`), `dist/commands/${name}.cjs`)
    assert.ok(has('schemas/run.schema.json') && has('schemas/diff.schema.json'), 'schemas/')
    for (const m of pkg.man ?? []) assert.ok(has(m.replace(/^\.\//, '')), `${m} is not in the package`)
    assert.ok(has('LICENSE'), 'LICENSE')
    if (existsSync(path.join(ROOT, 'README.md'))) assert.ok(has('README.md'), 'README.md')
    assert.deepEqual(packed.filter((p) => p.startsWith('test/') || p.startsWith('src/') || p.startsWith('node_modules/')), [])
  })
})

describe('--help and prov help', () => {
  /** `prov <name> --help` as each test below saw it, for the comparison without man. */
  const usage = new Map<string, string>()
  // Without man(1), `prov help` falls back to --help: one porcelain, one plumbing, and help itself
  // (the code path is the same for every command; each check costs two more processes).
  const BARE = new Set(['record', 'hash-inputs', 'help'])

  for (const name of NAMES) {
    test(`prov ${name} --help, prov help ${name}: stdout, exit 0, every flag, no colour into a pipe`, async () => {
      // NO_COLOR unset: the colour decision is prov's (stdout is a pipe here), not citty's.
      const [h, r] = await Promise.all([sb.prov([name, '--help'], { env: { NO_COLOR: undefined } }), sb.prov(['help', name])])
      assert.equal(h.exitCode, 0, h.stderr)
      assert.equal(h.stderr, '')
      assert.ok(h.stdout.includes(`prov ${name}`), h.stdout)
      assert.doesNotMatch(h.stdout, /\x1b\[/, 'colour escapes in a pipe')
      for (const f of await flagsOf(name)) {
        for (const s of f.spellings) assert.ok(h.stdout.includes(s), `--help does not mention ${s}`)
      }
      usage.set(name, h.stdout)

      assert.equal(r.exitCode, 0, r.stderr)
      if (manWorks) {
        // The page, formatted as plain text (stdout is not a terminal).
        assert.ok(r.stdout.includes(`prov-${name}`) && r.stdout.includes('SYNOPSIS') && r.stdout.includes('EXIT STATUS'), r.stdout.slice(0, 500))
        assert.doesNotMatch(r.stdout, /[\b\x1b]/, 'formatting codes in a pipe')
      } else {
        assert.equal(r.stdout, h.stdout)
      }
    })
  }

  for (const name of BARE) {
    test(`prov help ${name} where man cannot be found: the --help text`, async () => {
      const bare = await sb.prov(['help', name], { env: { PATH: emptyPath } })
      assert.equal(bare.exitCode, 0, bare.stderr)
      // (Trailing blanks aside: citty pads its columns by the length of the coloured text.)
      const trim = (t: string): string => t.replace(/[ \t]+$/gm, '')
      assert.equal(trim(bare.stdout), trim(usage.get(name) ?? (await sb.prov([name, '--help'])).stdout))
    })
  }

  test('prov help: prov(1), or the command list without man', async () => {
    const r = await sb.prov(['help'])
    assert.equal(r.exitCode, 0, r.stderr)
    if (manWorks) assert.match(r.stdout, /^NAME\n\s+prov - record how a command ran/m, r.stdout.slice(0, 500))
    const bare = await sb.prov(['help'], { env: { PATH: emptyPath } })
    assert.equal(bare.exitCode, 0)
    assert.match(bare.stdout, /^usage: prov /)
    for (const name of NAMES.filter((n) => n !== 'help')) assert.ok(bare.stdout.includes(` ${name} `), `the command list lacks ${name}`)
  })

  test('prov help nosuch: exit 2, a message on stderr, nothing on stdout', async () => {
    const r = await sb.prov(['help', 'nosuch'])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^prov: 'nosuch' is not a prov command$/m)
  })
})

describe('examples, run as written', () => {
  /** The indented block that follows the paragraph starting with `lead` in a page's EXAMPLES. */
  function exampleAfter(page: string, lead: string): { paragraph: string; lines: string[] } {
    const body = section(parsePage(readFileSync(manSource(page), 'utf8')), 'EXAMPLES')
    const at = body.findIndex((l) => l.startsWith(lead))
    assert.ok(at >= 0, `${page}(1) EXAMPLES has no paragraph starting ${lead}`)
    const lines: string[] = []
    for (const l of body.slice(at + 1)) {
      if (l.startsWith('    ')) lines.push(l.slice(4))
      else if (lines.length > 0) break
    }
    return { paragraph: body[at]!, lines }
  }

  test("prov-log(1)'s ids of the runs that failed: a non-zero status or a signal, not a run that was not run", async () => {
    const { lines } = exampleAfter('prov-log', 'The ids of the runs that failed')
    assert.equal(lines.length, 1, lines.join('\n'))
    const repo = await makeRepo({ README: 'hello\n' })
    try {
      narrowPath(repo, ['git', 'sh', 'jq'])
      const ids: Record<string, string> = {}
      for (const [name, argv] of [['ok', ['--', 'sh', '-c', 'exit 0']], ['failed', ['--', 'sh', '-c', 'exit 3']], ['killed', ['--', 'sh', '-c', 'kill -TERM $$']], ['not run', ['--no-exec', '--', 'sh', '-c', 'exit 0']]] as const) {
        const r = await repo.prov(['record', '-q', ...argv])
        assert.ok(r.exitCode === 0 || r.exitCode === 3 || r.exitCode === 143, r.stderr)
        ids[name] = JSON.parse((await repo.prov(['log', '--json', '-n', '1'])).stdout).id
      }
      const r = await execa('sh', ['-c', `prov() { "$PROV_NODE" "$PROV_BIN" "$@"; }\n${lines[0]}`], {
        cwd: repo.dir, env: { ...repo.env, PROV_NODE: process.execPath, PROV_BIN: BIN }, extendEnv: false, reject: false,
      })
      assert.equal(r.exitCode, 0, String(r.stderr))
      assert.deepEqual(String(r.stdout).split('\n').filter(Boolean).sort(), [ids.failed, ids.killed].sort())
    } finally {
      repo.cleanup()
    }
  })

  test("prov-write-run(1)'s record rebuilt one step at a time is the same run as the record", async () => {
    const { paragraph, lines } = exampleAfter('prov-write-run', 'All that `prov record')
    const record = /^All that `(prov record [^`]+)`/.exec(paragraph)?.[1]
    assert.ok(record !== undefined && lines.length > 5, paragraph)
    const repo = await makeRepo({ 'data/a.csv': 'a\n', 'p.yaml': 'lr: 0.1\n', 'train.py': 'print(1)\n' })
    try {
      // A `python` that writes model.bin (and answers the version probe), beside the few tools the steps use.
      narrowPath(repo, ['git', 'sh', 'env', 'mkdir', 'rm', 'touch'])
      repo.write('../home/tools/python', '#!/bin/sh\ncase "$1" in --version) echo "Python 3.0.0";; *) echo m > model.bin;; esac\n')
      chmodSync(path.join(repo.home, 'tools', 'python'), 0o755)
      const script = ['set -e', 'prov() { "$PROV_NODE" "$PROV_BIN" "$@"; }', 'export MY_TOKEN=kept-token', record, ...lines].join('\n')
      const r = await execa('sh', ['-c', script], {
        cwd: repo.dir, env: { ...repo.env, PROV_NODE: process.execPath, PROV_BIN: BIN }, extendEnv: false, reject: false,
      })
      assert.equal(r.exitCode, 0, String(r.stderr))
      const d = await repo.prov(['diff-runs', '@~1', '@'])
      assert.equal(d.exitCode, 0, `the two runs differ: ${d.stdout}`)
      assert.equal(JSON.parse(d.stdout).diff.identical, true)
    } finally {
      repo.cleanup()
    }
  })
})

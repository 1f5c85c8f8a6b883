// Shared test helpers: a fixed environment (as git's t/test-lib.sh pins one), fresh git
// repositories in temp dirs, the built CLI run as a user runs it, and schema validation.
import { after } from 'node:test'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync, readdirSync, realpathSync, existsSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa, type Options } from 'execa'
import { Ajv2020 } from 'ajv/dist/2020.js'
import formatsModule from 'ajv-formats'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(ROOT, 'bin', 'prov.cjs')

/** The environment every CLI test runs in. */
export function testEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    TZ: 'UTC',
    NO_COLOR: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'A U Thor',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_AUTHOR_DATE: '2005-04-07T22:13:13Z',
    GIT_COMMITTER_NAME: 'C O Mitter',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
    GIT_COMMITTER_DATE: '2005-04-07T22:13:13Z',
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

export interface Sandbox {
  /** the temp directory (a git repository when made by makeRepo) */
  dir: string
  home: string
  env: Record<string, string>
  /** run the built prov in `dir` (or opts.cwd); never rejects */
  prov(args: string[], opts?: Options & { env?: Record<string, string | undefined> }): Promise<{ exitCode: number | undefined; stdout: string; stderr: string; signal?: string | undefined }>
  git(...args: string[]): Promise<string>
  write(rel: string, content: string | Buffer): string
  read(rel: string): string
  cleanup(): void
}

export function makeDir(opts: { git?: boolean } = {}): Sandbox & { init: Promise<void> } {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'prov-test-')))
  const dir = path.join(base, 'work')
  const home = path.join(base, 'home')
  mkdirSync(dir)
  mkdirSync(home)
  const env = testEnv(home)
  const sb: Sandbox = {
    dir,
    home,
    env,
    async prov(args, o = {}) {
      const { env: extraEnv, ...rest } = o
      const r = await execa(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: { ...env, ...(extraEnv ?? {}) } as Record<string, string>,
        extendEnv: false,
        reject: false,
        stripFinalNewline: false,
        ...rest,
      } as Options)
      return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), signal: r.signal }
    },
    async git(...args) {
      const r = await execa('git', args, { cwd: dir, env, extendEnv: false })
      return String(r.stdout)
    },
    write(rel, content) {
      const p = path.join(dir, rel)
      mkdirSync(path.dirname(p), { recursive: true })
      writeFileSync(p, content)
      return p
    },
    read(rel) {
      return readFileSync(path.join(dir, rel), 'utf8')
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true })
    },
  }
  const init = opts.git === false ? Promise.resolve() : (async () => {
    await sb.git('init', '-q', '-b', 'main')
  })()
  return Object.assign(sb, { init })
}

/** A fresh git repository with one commit holding the given files. */
export async function makeRepo(files: Record<string, string> = { 'README': 'hello\n' }): Promise<Sandbox> {
  const sb = makeDir()
  await sb.init
  for (const [k, v] of Object.entries(files)) sb.write(k, v)
  if (Object.keys(files).length > 0) {
    await sb.git('add', '-A')
    await sb.git('commit', '-q', '-m', 'initial')
  }
  return sb
}

/** A fresh directory that is not inside any git repository. */
export async function makePlainDir(): Promise<Sandbox> {
  const sb = makeDir({ git: false })
  return sb
}

const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true })
// ajv-formats is CommonJS: its default export arrives as module.exports or as .default.
const addFormats = ((formatsModule as unknown as { default?: typeof formatsModule.default }).default ?? formatsModule) as unknown as (a: Ajv2020) => void
addFormats(ajv)
const runSchema = JSON.parse(readFileSync(path.join(ROOT, 'schemas/run.schema.json'), 'utf8'))
const diffSchema = JSON.parse(readFileSync(path.join(ROOT, 'schemas/diff.schema.json'), 'utf8'))
ajv.addSchema(runSchema)
ajv.addSchema(diffSchema)
const section = (name: string, def: string): object => ({
  type: 'object', required: [name], additionalProperties: false,
  properties: { [name]: { $ref: `urn:prov:schema:run#/$defs/${def}` } },
})
const validators = {
  run: ajv.getSchema('urn:prov:schema:run')!,
  diff: ajv.getSchema('urn:prov:schema:diff')!,
  command: ajv.compile(section('command', 'command')),
  inputs: ajv.compile(section('inputs', 'files')),
  outputs: ajv.compile(section('outputs', 'outputFiles')),
  params: ajv.compile(section('params', 'params')),
  git: ajv.compile(section('git', 'git')),
  env: ajv.compile(section('env', 'env')),
}

/** Parse one JSON document from stdout and validate it; throws with the errors otherwise. */
export function parseValid(kind: keyof typeof validators, stdout: string): any {
  if (!stdout.endsWith('\n')) throw new Error(`stdout does not end with a newline: ${JSON.stringify(stdout.slice(-50))}`)
  const doc = JSON.parse(stdout)
  const v = validators[kind]
  if (!v(doc)) throw new Error(`${kind} document is invalid: ${ajv.errorsText(v.errors)}\n${stdout.slice(0, 2000)}`)
  return doc
}

export function isValid(kind: keyof typeof validators, doc: unknown): boolean {
  return validators[kind](doc) as boolean
}

/** Symlink each tool, as found on PATH, into `dir`. */
export function linkTools(dir: string, tools: readonly string[]): string {
  mkdirSync(dir, { recursive: true })
  for (const tool of tools) {
    const from = (process.env.PATH ?? '/usr/bin:/bin').split(':').find((d) => d !== '' && existsSync(path.join(d, tool)))
    if (from === undefined) throw new Error(`${tool} is not on PATH`)
    symlinkSync(path.join(from, tool), path.join(dir, tool))
  }
  return dir
}

/**
 * Give a sandbox a PATH holding only these tools: a fresh store asks every tool it knows on PATH
 * for its version (java, nvcc, docker ...), which costs seconds of CPU per test.
 */
export function narrowPath(sb: Sandbox, tools: readonly string[]): void {
  sb.env.PATH = linkTools(path.join(sb.home, 'tools'), tools)
}

/** The same, as one directory for a whole test file (removed after its tests): use it as PATH. */
export function toolsDir(tools: readonly string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'prov-tools-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  return linkTools(dir, tools)
}

/** makeRepo for one test file: every repository it makes is removed after the file's tests. */
export function repoPool(): (files?: Record<string, string>) => Promise<Sandbox> {
  const made: Sandbox[] = []
  after(() => { for (const s of made) s.cleanup() })
  return async (files) => {
    const sb = await makeRepo(files)
    made.push(sb)
    return sb
  }
}

/** Every file under a directory, by its path (directories walked, not listed). */
export function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name)
    if (d.isDirectory()) out.push(...filesUnder(p))
    else out.push(p)
  }
  return out
}

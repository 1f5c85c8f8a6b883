// The environment snapshot: OS, hardware, runtime, tool versions, locale, and variables.
// Deterministic: nothing that changes from one call to the next (no PID, no clock, no load).
// child_process and the store are imported when a tool is probed: `prov --version` imports
// this module for VERSION alone, and loading them would double its start-up time.
import os from 'node:os'
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync, accessSync, constants, openSync, readSync, closeSync } from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import type { Redactor } from '../core/redact.js'
import type { EnvSnapshot } from '../core/record.js'
import { cacheDir, ensureCacheDir, makeDirs, type Store } from './store.js'
import { openRegularFile, readRegularFile, statIfAny } from './read.js'
import { nodeCrypto } from '../core/crypto.js'
import { LOCALE_VARS, noiseVarKind } from '../core/env-vars.js'
import { toRecordPath } from '../core/paths.js'
import { gpuModel, nvidiaDriverVersion } from '../core/gpu.js'
import { distributionOf, parsePythonVersion, parseSysPath, PYTHON_VERSION_MARK, SYS_PATH_MARK } from '../core/python-packages.js'
import { isPythonWord, runnerOf, shebangWords, unwrapCommand, type Runner } from '../core/interpreter.js'
import { readCondaPackages } from './conda.js'

declare const PROV_VERSION: string
export const VERSION = typeof PROV_VERSION === 'string' ? PROV_VERSION : '0.0.0-dev'
/** child_process is required when a tool is probed, not when this module loads (see the top). */
const requireCjs = createRequire(import.meta.url)

/** Tools whose versions are recorded when found on PATH: name → arguments that print it. */
export const TOOLS: Record<string, string[]> = {
  git: ['--version'],
  python3: ['--version'],
  python: ['--version'],
  pip3: ['--version'],
  conda: ['--version'],
  uv: ['--version'],
  R: ['--version'],
  julia: ['--version'],
  java: ['-version'],
  gcc: ['--version'],
  make: ['--version'],
  cmake: ['--version'],
  cargo: ['--version'],
  go: ['version'],
  nvcc: ['--version'],
  docker: ['--version'],
  dvc: ['--version'],
}

// Generous: the probes run all at once, and on a loaded machine a slow start (a JVM, pyenv's shims)
// took over 2 s, so the tool went missing from one snapshot and came back in the next.
const PROBE_TIMEOUT_MS = 10_000

/**
 * The first executable file `name` on PATH, as `which` finds it, and the files of that name it
 * passed over (not executable, or not a file) with their ctimes: a chmod +x changes a file's
 * ctime but not its directory's time.
 */
function which(name: string, pathVar: string, cwd = process.cwd()): { file: string | null; passed: Array<[string, number]> } {
  const passed: Array<[string, number]> = []
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue
    // (Absolute, from the directory the tool is run in: a relative directory on PATH is that
    // one's, as a shell there finds it, and the file found is the file run.)
    const p = path.resolve(cwd, dir, name)
    let st
    try { st = statSync(p, { throwIfNoEntry: false }) } catch { /* unreadable directory */ }
    if (st === undefined) continue
    let ok = st.isFile()
    if (ok) {
      try { accessSync(p, constants.X_OK) } catch { ok = false }
    }
    if (ok) return { file: p, passed }
    passed.push([p, st.ctimeMs])
  }
  return { file: null, passed }
}

/** The first line that holds a version number, shortened to what identifies the version. */
export function parseVersion(out: string): string | null {
  for (const line of out.split('\n')) {
    const t = line.trim()
    if (/\d+\.\d+/.test(t)) return t.length > 120 ? t.slice(0, 120) : t
  }
  return null
}

/**
 * What a tool is asked, and how its answer is read: by default its version (TOOLS); a query asks
 * something else of one (PYTHON_PATH_QUERY), under its own label, and may depend on more than
 * the tool's file and, for a wrapper, its context (`context`: a text that changes when the answer may).
 */
interface Ask {
  label: string
  name: string
  args: string[]
  parse: (out: string) => string | null
  /** how much of the output is read */
  limit: number
  /** the program to ask, where it is not the first `name` on PATH (a command's own interpreter) */
  file?: string
  context?: (file: string, cwd: string) => string
  /** whether a cached answer is of the form `parse` makes: one that is not (a damaged cache file) is asked again */
  valid?: (answer: string) => boolean
}

/** A tool's answer, as `parse` reads it; '' when it gave none; null when it failed to answer in time. */
async function probe(file: string, ask: Pick<Ask, 'args' | 'parse' | 'limit'>, cwd: string): Promise<string | null> {
  const { spawn } = requireCjs('node:child_process') as typeof import('node:child_process')
  return new Promise((resolve) => {
    let out = ''
    const child = spawn(file, ask.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: PROBE_TIMEOUT_MS, env: { ...process.env, ...(cwd !== process.cwd() ? { PWD: cwd } : {}), LC_ALL: 'C' } })
    child.stdout.setEncoding('utf8').on('data', (d: string) => { if (out.length < ask.limit) out += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (out.length < ask.limit) out += d })
    child.on('error', () => resolve(''))
    child.on('close', (_code, signal) => resolve(signal !== null ? null : ask.parse(out) ?? ''))
  })
}

/**
 * Where the `python3` on PATH finds packages: its `sys.path`, and the user's site-packages where
 * that is enabled but not made yet (a later `pip install --user` makes it, and it comes before the
 * system's). Cached as a version is, and also by what else decides the path: Python's variables
 * (PYTHONPATH, PYTHONHOME, PYTHONUSERBASE, PYTHONNOUSERSITE, ...), HOME, and the pyvenv.cfg that
 * makes a virtual environment, beside the interpreter as found on PATH and as it really is; and
 * asked again where the `.pth` files of its directories are not those it was asked with. The
 * packages themselves are read from those directories on every call (readPythonPackages): an
 * install changes no interpreter.
 */
const PYTHON_PATH_QUERY: Ask = {
  label: 'python3 sys.path',
  name: 'python3',
  // The directory it is asked in ('' at the head of sys.path with -c) is left off before a module
  // is imported: a json.py there (a project's file) is not run.
  args: ['-c', "import sys;sys.path[:]=[x for x in sys.path if x];import json,site;p=sys.path[:];u=site.getusersitepackages() if site.ENABLE_USER_SITE else None;i=next((k for k,x in enumerate(p) if x.endswith(('site-packages','dist-packages'))),len(p));p[i:i]=[u] if u and u not in p else [];print('" + SYS_PATH_MARK + "'+json.dumps(p));print('" + PYTHON_VERSION_MARK + "'+'.'.join(map(str,sys.version_info[:3])))"],
  // Kept with the .pth files of its directories as they were: one added, changed or removed since
  // (an old-style editable install, conda develop) changes the path without changing the interpreter.
  // (With the interpreter's version, where it says one: `v` marks the answers that asked it.)
  parse: (out) => {
    const dirs = sysPathOf(parseSysPath(out) ?? undefined, false)
    const version = parsePythonVersion(out)
    return dirs === null ? null : JSON.stringify({ dirs, pth: pthState(dirs), v: 2, ...(version !== null ? { version } : {}) })
  },
  valid: (answer) => answer === '' || (sysPathOf(answer, true) !== null && pythonVersionOf(answer) !== undefined),
  limit: 256 * 1024,
  context: (file, cwd) => {
    const parts = Object.keys(process.env).filter((k) => /^PYTHON/.test(k) || k === 'HOME').sort().map((k) => `${k}=${process.env[k]}`)
    // A relative entry of PYTHONPATH (`lib`, or an empty one, `:/x`, which is '.') is made
    // absolute against the directory Python starts in: the answer then depends on that too.
    const pythonPath = process.env.PYTHONPATH
    if (pythonPath !== undefined && pythonPath.split(':').some((d) => !d.startsWith('/'))) parts.push(`cwd=${cwd}`)
    let real = file
    try { real = realpathSync.native(file) } catch { /* as found */ }
    for (const f of new Set([file, real]).values()) {
      const cfg = path.join(path.dirname(path.dirname(f)), 'pyvenv.cfg')
      let st
      try { st = statSync(cfg, { throwIfNoEntry: false }) } catch { /* unreadable */ }
      parts.push(st === undefined ? `${cfg}:none` : `${cfg}:${st.size}:${st.mtimeMs}:${st.ino}`)
    }
    return parts.join('\0')
  },
}

/**
 * A directory's names, read once per call of prov: the .pth files and the distributions of a
 * sys.path directory are looked for in one listing (a directory of 100,000 files on PYTHONPATH is
 * read once, not twice). Null where it cannot be read (a zip, not there).
 */
const listings = new Map<string, string[] | null>()
function listDir(d: string): string[] | null {
  let names = listings.get(d)
  if (names === undefined) {
    try { names = readdirSync(d) } catch { names = null }
    listings.set(d, names)
  }
  return names
}

/**
 * The Python distributions installed where `dirs` (a sys.path) finds them, by normalized name:
 * the first of a name wins, as import finds it. Read from the names of their metadata
 * directories, without opening one: some hundreds of names, in a millisecond.
 */
export function readPythonPackages(dirs: readonly string[]): Record<string, string> {
  const found = new Map<string, string>()
  for (const d of dirs) {
    const entries = listDir(d)
    if (entries === null) continue // a zip, or not there
    for (const e of entries) {
      const dist = distributionOf(e)
      if (dist !== null && !found.has(dist.name)) found.set(dist.name, dist.version)
    }
  }
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * Files by which version managers choose what a shim runs, looked for in the directory and each
 * of its parents and in the home directory: pyenv, asdf, rbenv, nodenv, nvm, jenv, goenv; mise's
 * (and rtx's) config; volta's pins (a `volta` key in package.json); rustup's toolchain files; go's
 * go.mod and go.work, whose `go` and `toolchain` lines choose the toolchain `go` runs
 * (GOTOOLCHAIN=auto, go 1.21 and later).
 */
const VERSION_FILES = [
  '.python-version', '.tool-versions', '.ruby-version', '.node-version', '.nvmrc', '.java-version', '.go-version',
  'mise.toml', '.mise.toml', 'mise.local.toml', '.mise.local.toml', '.rtx.toml', 'package.json',
  'rust-toolchain', 'rust-toolchain.toml', 'go.mod', 'go.work',
]

/** The version managers' global choices (`pyenv global`, `rustup default`, `go env -w`, ...). */
function globalVersionFiles(): string[] {
  const env = process.env
  const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : null
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : home && path.join(home, '.config')
  const files: Array<string | null | undefined> = [
    env.PYENV_ROOT && path.join(env.PYENV_ROOT, 'version'), home && path.join(home, '.pyenv', 'version'),
    env.RBENV_ROOT && path.join(env.RBENV_ROOT, 'version'), home && path.join(home, '.rbenv', 'version'),
    env.NODENV_ROOT && path.join(env.NODENV_ROOT, 'version'), home && path.join(home, '.nodenv', 'version'),
    env.GOENV_ROOT && path.join(env.GOENV_ROOT, 'version'), home && path.join(home, '.goenv', 'version'),
    env.MISE_GLOBAL_CONFIG_FILE, config && path.join(config, 'mise', 'config.toml'),
    env.RUSTUP_HOME ? path.join(env.RUSTUP_HOME, 'settings.toml') : home && path.join(home, '.rustup', 'settings.toml'),
    env.GOENV ?? (config && path.join(config, 'go', 'env')),
  ]
  return files.filter((f): f is string => typeof f === 'string' && path.isAbsolute(f))
}

/**
 * The variables any wrapper's answer may depend on: the version managers' own (pyenv's, asdf's,
 * conda's, nvm's, mise's, volta's, rustup's and cargo's, go's, Python's), anything naming a version,
 * PATH and HOME. A script's answer depends also on the variables it names (scriptVarNames).
 */
const VERSION_VARS = /VERSION|^PYENV|^ASDF|^CONDA|^VIRTUAL_ENV$|^NVM|^RBENV|^NODENV|^GOENV|^JENV|^SDKMAN|^JAVA_HOME$|^MISE_|^RTX_|^VOLTA|^RUSTUP|^CARGO|^GO[A-Z0-9]|^PYTHON|^PIP_|^UV_|^PATH$|^HOME$|^XDG_CONFIG_HOME$/

/**
 * The version managers' files in the directory, its parents and the home directory, and their
 * global choices, by size, time and inode: what a wrapper's answer depends on besides the
 * directory and the environment.
 */
function versionFilesState(cwd: string): string {
  const parts: string[] = []
  const dirs: string[] = []
  for (let d = cwd; ; d = path.dirname(d)) {
    dirs.push(d)
    if (path.dirname(d) === d) break
  }
  if (process.env.HOME && path.isAbsolute(process.env.HOME)) dirs.push(process.env.HOME)
  const files = [...dirs.flatMap((d) => VERSION_FILES.map((f) => path.join(d, f))), ...globalVersionFiles()]
  for (const f of files) {
    // Most are missing: throwIfNoEntry spares making an error for each (~150 stats a record).
    let st
    try { st = statSync(f, { throwIfNoEntry: false }) } catch { /* unreadable */ }
    if (st !== undefined) parts.push(`${f}:${st.size}:${st.mtimeMs}:${st.ino}`)
  }
  return parts.join('\0')
}

/**
 * What a wrapper's answer depends on, as far as prov can tell without running it: the directory,
 * the version managers' variables (VERSION_VARS) and those the script names (`names`: a wrapper
 * may choose by any variable, `exec .../${PYVER:-3.12.1}/bin/python3`), and the version files.
 * Not the whole environment: a variable set anew for each call (a job's id, hyperfine's
 * HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET) would have every wrapper asked again every time, and
 * pip's answer alone takes 0.4 s. Nor the variables that tell nothing (a shell session's,
 * prov's own: core/env-vars.ts).
 */
function wrapperContext(names: readonly string[], files: string, cwd: string): string {
  const parts = [cwd, files]
  const named = new Set(names)
  const all = named.has('*')
  for (const k of Object.keys(process.env).sort()) {
    if ((all || VERSION_VARS.test(k) || named.has(k)) && noiseVarKind(k) === null) parts.push(`${k}=${process.env[k]}`)
  }
  return keyDigest(parts.join('\0'))
}

/**
 * What a key of tools.json holds of the environment (PATH, the version managers' variables, whose
 * values may be secrets: CONDA_TOKEN, NVM_AUTH_HEADER), as a digest: the file is a cache, kept
 * without the secret policy, and needs only to tell one context from another.
 */
function keyDigest(text: string): string {
  return nodeCrypto().createHash('sha256').update(text).digest('hex')
}

/**
 * The entries of tools.json in the form this version makes. Earlier versions kept a wrapper's
 * context (variables' values among it) and PATH in the keys as they were, and whether a file is a
 * script without the variables it names ('script\0' entries): such entries are dropped, so that the
 * file is written again without them.
 */
function currentEntries(cache: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(cache)) {
    const fields = k.split('\0')
    if (k.startsWith('script\0')) continue
    if (k.startsWith('which\0') ? fields.length === 2 && /^[0-9a-f]{64}$/.test(fields[1]!) : fields.length <= 7) out[k] = v
  }
  return out
}

/** How much of a script is read for the variables it names. */
const SCRIPT_READ_MAX = 64 * 1024
/** More names than this, and a script is taken to depend on the whole environment. */
const SCRIPT_NAMES_MAX = 200

/**
 * For a `#!` script (a wrapper: pyenv's, asdf's and rbenv's shims, or one's own), the variables
 * it names: `$NAME` and `${NAME...}`, and words written as variables are (`PYVER`, as in
 * `os.environ["PYVER"]`), sorted; `['*']` for a script too large to tell (the whole environment
 * then counts). null for anything else (a binary).
 */
function scriptVarNames(file: string): string[] | null {
  let text: string
  try {
    const fd = openSync(file, 'r')
    try {
      // Two bytes first: a binary is not read further.
      const head = Buffer.alloc(2)
      if (readSync(fd, head, 0, 2, 0) !== 2 || head.toString('latin1') !== '#!') return null
      const b = Buffer.alloc(SCRIPT_READ_MAX)
      const n = readSync(fd, b, 0, b.length, 0)
      if (n === b.length) return ['*']
      text = b.toString('latin1', 0, n)
    } finally {
      closeSync(fd)
    }
  } catch {
    return null
  }
  const names = new Set<string>()
  for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!)
  for (const m of text.matchAll(/\b[A-Z_][A-Z0-9_]+\b/g)) names.add(m[0])
  return names.size > SCRIPT_NAMES_MAX ? ['*'] : [...names].sort()
}

/** Programs that version managers link their shims to: each runs the tool its context chooses. */
const SHIM_PROGRAMS = new Set(['mise', 'rtx', 'volta-shim', 'volta'])

/** Tools that choose another toolchain themselves: go runs the one go.mod or GOTOOLCHAIN names. */
const SWITCHING_TOOLS = new Set(['go'])

/**
 * True for a rustup proxy (cargo, rustc, ... in ~/.cargo/bin): a link to, or a copy of, the rustup
 * binary, which runs the toolchain that RUSTUP_TOOLCHAIN, `rustup override`, a rust-toolchain(.toml)
 * file in the directory or its parents, or the default names, and whose toolchains `rustup update`
 * replaces in place. Known by the file it is (a symbolic link to rustup, or the same file or size as
 * the rustup beside it, as rustup puts its proxies in cargo's bin directory beside itself).
 */
function isRustupProxy(file: string, real: string, st: { dev: number; ino: number; size: number }): boolean {
  if (/^rustup(-init)?$/.test(path.basename(real))) return true
  const dir = path.dirname(file)
  // (Not every program in cargo's bin directory: `cargo install` puts tools there too, whose
  // versions are cached as any program's.)
  for (const d of new Set([dir, path.dirname(real)])) {
    let r
    try { r = statSync(path.join(d, 'rustup'), { throwIfNoEntry: false }) } catch { /* unreadable */ }
    if (r !== undefined && r.isFile() && ((r.dev === st.dev && r.ino === st.ino) || r.size === st.size)) return true
  }
  return false
}

/**
 * How a tool's version is found again: 'binary', cached by the file's identity; 'wrapper' (a `#!`
 * script, a shim of mise or volta, go), whose answer depends on the directory and the
 * environment, cached by both (wrapperContext); 'proxy' (rustup's), asked every time.
 */
type ToolKind = 'binary' | 'wrapper' | 'proxy'

function toolKind(name: string, file: string, st: { dev: number; ino: number; size: number }, script: boolean): ToolKind {
  let real = file
  try { real = realpathSync.native(file) } catch { /* as found */ }
  if (isRustupProxy(file, real, st)) return 'proxy'
  if (script || SWITCHING_TOOLS.has(name) || SHIM_PROGRAMS.has(path.basename(real))) return 'wrapper'
  return 'binary'
}

/** Whether a directory is there; any error (ENOENT, ENOTDIR, EACCES) says no. */
function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory() } catch { return false }
}

/**
 * Where tool versions are cached: per user ($XDG_CACHE_HOME/prov, else ~/.cache/prov), as a
 * binary's version is a fact of the machine, not of one project; else in the store.
 */
function toolCacheFile(store: Store): string {
  const xdg = process.env.XDG_CACHE_HOME
  const home = process.env.HOME
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'prov', 'tools.json')
  // A HOME that does not exist (HOME=/nonexistent, as daemons and CI users have) is not made.
  if (home && path.isAbsolute(home) && isDirectory(home)) return path.join(home, '.cache', 'prov', 'tools.json')
  return path.join(cacheDir(store), 'tools.json')
}

/**
 * Where each tool is on PATH, as `which` finds it: remembered with the PATH and the modification
 * times of its directories, since a file added, removed or renamed in a directory changes its
 * time, and with the ctimes of the files of a tool's name that were passed over (a chmod +x
 * changes those). A directory or file changed in the same tick as the lookup (or later) is
 * looked at again: the lookup is trusted only when all are older than it (git's racily-clean
 * rule).
 */
function lookUp(names: readonly string[], pathVar: string, cache: Record<string, string>, cwd = process.cwd()): { files: Array<string | null>; changed: boolean } {
  const started = Date.now()
  const parts = [pathVar, names.join(' ')]
  // A relative directory on PATH is that of the directory the tools are run in: the same text in
  // another names another directory.
  if (pathVar.split(path.delimiter).some((d) => d !== '' && !path.isAbsolute(d))) parts.push(cwd)
  let trusted = true
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue
    let mtimeMs = -1
    try { mtimeMs = statSync(path.resolve(cwd, dir)).mtimeMs } catch { /* not there */ }
    if (mtimeMs >= started - 1000) trusted = false
    parts.push(`${dir}:${mtimeMs}`)
  }
  const key = `which\0${keyDigest(parts.join('\0'))}`
  const hit = cache[key]
  if (hit !== undefined) {
    try {
      const { files, passed } = JSON.parse(hit) as { files: Array<string | null>; passed: Array<[string, number]> }
      const same = ([p, ctimeMs]: [string, number]): boolean => statSync(p, { throwIfNoEntry: false })?.ctimeMs === ctimeMs
      if (Array.isArray(files) && files.length === names.length && Array.isArray(passed) && passed.every(same)) return { files, changed: false }
    } catch { /* an entry of another form: look again */ }
  }
  const found = names.map((name) => which(name, pathVar, cwd))
  const files = found.map((f) => f.file)
  const passed = found.flatMap((f) => f.passed)
  if (passed.some(([, ctimeMs]) => ctimeMs >= started - 1000)) trusted = false
  let changed = false
  for (const k of Object.keys(cache)) {
    if (k.startsWith('which\0')) {
      delete cache[k]
      changed = true
    }
  }
  if (trusted) {
    cache[key] = JSON.stringify({ files, passed })
    changed = true
  }
  return { files, changed }
}

/**
 * How many entries tools.json keeps. Each directory a version manager's shim is asked in adds its
 * own (the answer depends on cwd), so without a bound the file grew with every project and temp
 * directory prov ever ran in (200 KB, read on every record, after a day of tests).
 */
export const TOOL_CACHE_MAX = 256

/**
 * Keeps the cache within TOOL_CACHE_MAX entries, least recently used out first. An object keeps
 * its string keys in insertion order, oldest first: the entries this run used move to the end
 * when one of them has fallen into the older half (more than TOOL_CACHE_MAX / 2 entries made
 * since), so that a run that only reads the cache rewrites it rarely, and an entry in use never
 * reaches the front; then the oldest go. True when it changed the cache. A dropped entry costs
 * one probe, if it is ever asked again.
 */
function bound(cache: Record<string, string>, used: readonly string[]): boolean {
  const keys = Object.keys(cache)
  const older = new Set(keys.slice(0, Math.max(0, keys.length - TOOL_CACHE_MAX / 2)))
  if (keys.length <= TOOL_CACHE_MAX && !used.some((k) => older.has(k))) return false
  for (const k of used) {
    const v = cache[k]
    if (v === undefined) continue
    delete cache[k]
    cache[k] = v
  }
  const which = Object.keys(cache).filter((k) => k.startsWith('which\0'))
  for (const k of which) {
    const v = cache[k]!
    delete cache[k]
    cache[k] = v
  }
  const all = Object.keys(cache)
  for (const k of all.slice(0, Math.max(0, all.length - TOOL_CACHE_MAX))) delete cache[k]
  return true
}

/**
 * Versions of the tools on PATH, probed in parallel. A binary's answer is cached by its path,
 * inode, size, mtime and ctime, so a later run spawns nothing; a wrapper's (a `#!` script such as
 * a pyenv shim, a mise or volta shim, go) also by the directory, the environment and the version
 * managers' files, on which it depends (wrapperContext); a rustup proxy's is never cached: the
 * toolchain it runs is chosen by rustup's own rules and updated in place, and asking costs a few
 * ms. A tool that prints no version is left out; one that does not answer within the timeout is
 * left out and asked again next time. They are asked in `cwd`, the directory a command runs in
 * (a pyenv shim chooses its Python by the .python-version there).
 */
export async function readToolVersions(store: Store, tools: Record<string, string[]> = TOOLS, queries: readonly Ask[] = [], cwd = process.cwd()): Promise<Record<string, string>> {
  const asks: Ask[] = [...Object.entries(tools).map(([name, args]) => ({ label: name, name, args, parse: parseVersion, limit: 4096 })), ...queries]
  const pathVar = process.env.PATH ?? ''
  const cacheFile = toolCacheFile(store)
  let cache: Record<string, string> = {}
  let stale = false
  try {
    const parsed: unknown = JSON.parse(readRegularFile(cacheFile).toString('utf8'))
    // Anything but an object of strings (null, a list, a damaged file) is no cache: made again.
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const strings = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string>
      cache = currentEntries(strings)
      if (Object.keys(cache).length !== Object.keys(strings).length) stale = true
    }
  } catch { /* none yet, or not a file */ }
  const { files, changed } = lookUp(asks.map((a) => a.name), pathVar, cache, cwd)
  let dirty = changed || stale
  let versionFiles: string | undefined
  const used: string[] = []
  const found = await Promise.all(asks.map(async (ask, i) => {
    const { name, args } = ask
    const file = ask.file ?? files[i]!
    if (file === null) return null
    let key: string
    let st
    try {
      st = statSync(file)
      // ctime too: a chmod -x (or +x) changes nothing else
      key = `${file}\0${st.ino}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${args.join(' ')}`
    } catch { return null }
    // Whether it is a script, and the variables it names, are remembered with the binary's
    // identity: one read fewer per tool. 'binary', or 'script' and the names.
    used.push(`kind\0${key}`)
    let kindEntry = cache[`kind\0${key}`]
    if (kindEntry === undefined) {
      const names = scriptVarNames(file)
      kindEntry = names === null ? 'binary' : ['script', ...names].join(' ')
      cache[`kind\0${key}`] = kindEntry
      dirty = true
    }
    const [what, ...names] = kindEntry.split(' ')
    const kind = toolKind(name, file, st, what === 'script')
    let version: string | null | undefined
    if (kind === 'proxy') version = await probe(file, ask, cwd)
    else {
      // (One field for both, a digest: an entry of more fields is of another version, dropped.)
      let context: string | null = null
      if (kind === 'wrapper') {
        versionFiles ??= versionFilesState(cwd)
        context = wrapperContext(names, versionFiles, cwd)
      }
      if (ask.context !== undefined) context = keyDigest(`${context ?? ''}\0${ask.context(file, cwd)}`)
      if (context !== null) key += `\0${context}`
      used.push(key)
      version = cache[key]
      if (version !== undefined && ask.valid !== undefined && !ask.valid(version)) version = undefined
      if (version === undefined) {
        version = await probe(file, ask, cwd)
        if (version !== null) {
          cache[key] = version
          dirty = true
        }
      }
    }
    if (version === null) return null
    return version === '' ? null : ([ask.label, version] as const)
  }))
  if (bound(cache, used)) dirty = true
  if (dirty) {
    try {
      // In the store, cache/ is made as the store is (its .gitignore too).
      if (path.dirname(cacheFile) === cacheDir(store)) ensureCacheDir(store)
      else makeDirs(path.dirname(cacheFile))
      const { writeFileAtomic } = await import('./store.js')
      writeFileAtomic(cacheFile, JSON.stringify(cache))
    } catch { /* a cache: best effort */ }
  }
  const out: Record<string, string> = {}
  for (const f of found) if (f) out[f[0]] = f[1]
  return out
}

function distro(): string | undefined {
  try {
    const text = readFileSync('/etc/os-release', 'utf8')
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)
    return m?.[1]
  } catch {
    return undefined
  }
}

export interface EnvOptions {
  tools?: boolean
  /**
   * the Python interpreter whose packages are listed (a file), where not the python3 on PATH;
   * false for none (a run's interpreter that cannot be found: another's packages are no answer)
   */
  python?: string | null | false
  /**
   * the directory the tools are asked in, where not this process's: a run's own, for --workspace
   * (a shim chooses its interpreter by the directory's version files)
   */
  cwd?: string
  /** the directories whose packages are listed, found without running an interpreter (venvSitePackages) */
  pythonDirs?: string[]
}

/**
 * A virtual environment's own site-packages, where `interpreter` is its python (a pyvenv.cfg two
 * levels up): `<venv>/lib/python<X.Y>/site-packages`, found by name, without running the
 * interpreter, which would read the venv's .pth files and its pyvenv.cfg, the project's files
 * where the venv lies in it. Null for an interpreter that is no venv's, and for a venv that also
 * sees the system's packages (include-system-site-packages = true): only running it tells those.
 */
export function venvSitePackages(interpreter: string): string[] | null {
  const venv = path.dirname(path.dirname(interpreter))
  let cfg: string
  try { cfg = readRegularFile(path.join(venv, 'pyvenv.cfg')).toString('utf8') } catch { return null }
  if (/^[ \t]*include-system-site-packages[ \t]*=[ \t]*true[ \t]*$/im.test(cfg)) return null
  return sitePackagesUnder(venv)
}

/** An environment's own site-packages directories, by name: `<prefix>/lib/python<X.Y>/site-packages`. */
function sitePackagesUnder(prefix: string): string[] {
  const lib = path.join(prefix, 'lib')
  const versions = (listDir(lib) ?? []).filter((d) => /^python[0-9.]+$/.test(d)).sort()
  return versions.map((v) => path.join(lib, v, 'site-packages'))
}

/**
 * A conda environment's own site-packages, where `interpreter` is its python (`<prefix>/bin/`,
 * `<prefix>/conda-meta/` beside it: pixi's `.pixi/envs/default`, `conda create -p ./env`), found
 * by name as venvSitePackages finds a venv's; null for an interpreter in none. (Without the
 * user's site-packages, which such a python also reads: what lies in the project is read alike by
 * record and diff, and never run.)
 */
export function condaSitePackages(interpreter: string): string[] | null {
  const prefix = path.dirname(path.dirname(interpreter))
  if (statIfAny(path.join(prefix, 'conda-meta'))?.isDirectory() !== true) return null
  return sitePackagesUnder(prefix)
}

/**
 * The Python interpreter a command runs, as the command names it (`word`: `python3`,
 * `.venv/bin/python`, a script's `#!/usr/bin/env python3`, a runner's environment), `named` as a
 * path from the command's directory (null for a word found nowhere on PATH), and `file`, the
 * executable found (null: none, the command's interpreter is gone).
 */
export interface CommandPython { word: string; named: string | null; file: string | null }

/**
 * The Python interpreter a command runs, as the shell and the kernel find it from `cwd`, without
 * running anything: its first word where that names one (`python3.11`, `.venv/bin/python`);
 * after `env`, `nice` or `nohup` (with env's PATH=); a script's, by its #! line (`./train.py`,
 * and the console scripts pip writes: `torchrun`, `pytest`); the project's `.venv` for `uv run`,
 * `pdm run`, `poetry run` and `pipenv run`; a conda environment's for `conda run` and `pixi run`. Its packages are the command's, where the python3 on
 * PATH may be another's (a virtual environment run without being activated). Null for a command
 * that names none (the python3 on PATH is the one it would find); false where a runner runs it
 * in an environment prov cannot tell (`uv run --with`, a script's own, a venv kept elsewhere).
 */
export function commandPython(argv: readonly string[], cwd: string, pathVar = process.env.PATH ?? ''): CommandPython | false | null {
  const { words, path: given } = unwrapCommand(argv)
  const PATH = given ?? pathVar
  const runner = runnerOf(words)
  if (runner === null) return programPython(words, cwd, PATH)
  if (runner.other) return false
  const dir = path.resolve(cwd, runner.dir ?? '.')
  // Outside a project uv runs the command in the active venv, else in the `.venv` found from its
  // directory up, else with the interpreter it discovers: the active one and that one are the
  // python3 on PATH's, as for a command run by none (null).
  const venv = runnerVenv(runner, dir) ?? (runner.name === 'uv run' && !process.env.VIRTUAL_ENV ? nearestVenv(dir) : null)
  if (venv === null && runner.name !== 'uv run') return false
  const bin = venv === null ? null : path.join(venv, 'bin')
  // The command it runs is found with the environment's bin first on PATH, as the runner runs it.
  // One not made yet (a first `uv run` makes it) will hold the `python3` or `pytest` a word names,
  // not the one on PATH now: the environment's python, not found yet.
  const notYet = bin !== null && statIfAny(bin)?.isDirectory() !== true && !(runner.words[0] ?? '').includes('/')
  const inner = bin === null || notYet ? null : programPython(runner.words, cwd, `${bin}${path.delimiter}${PATH}`)
  if (inner !== null) return inner
  // (uv runs a script with inline metadata, `# /// script`, in an environment of its own.)
  const script = runner.name === 'uv run' && /\.pyw?$/.test(runner.words[0] ?? '') ? readHead(path.resolve(cwd, runner.words[0]!), 65536) : ''
  if (/^# \/\/\/ script[ \t]*$/m.test(script)) return false
  if (bin === null) return null
  const python = path.join(bin, 'python')
  return { word: python, named: python, file: findExecutable(python, cwd) }
}

/** The nearest `.venv` from `dir` up that is a virtual environment (holds pyvenv.cfg), as uv finds one outside a project; null for none. */
function nearestVenv(dir: string): string | null {
  const d = findUp(dir, (x) => statIfAny(path.join(x, '.venv', 'pyvenv.cfg'))?.isFile() === true)
  return d === null ? null : path.join(d, '.venv')
}

/** The interpreter a command's program is, or runs by its #! line; null where it is none. */
function programPython(words: readonly string[], cwd: string, PATH: string): CommandPython | null {
  const first = words[0]
  if (first === undefined || first === '') return null
  const interpreter = (word: string, pathVar: string): CommandPython => {
    const file = findExecutable(word, cwd, pathVar)
    return { word, named: word.includes('/') ? path.resolve(cwd, word) : file, file }
  }
  if (isPythonWord(first)) return interpreter(first, PATH)
  const script = findExecutable(first, cwd, PATH)
  if (script === null) return null
  let real = script
  try { real = realpathSync.native(script) } catch { /* as found */ }
  const shebang = shebangWords(readHead(script, 1024), path.dirname(script), path.dirname(real))
  if (shebang === null) return null
  const { words: run, path: given } = unwrapCommand(shebang)
  if (run[0] === undefined || !isPythonWord(run[0])) return null
  // An application installed in an environment of its own (pipx, `uv tool install`: dvc, hatch,
  // tox, pre-commit) runs the project's code, if any, with other programs: its own packages are
  // not the command's, and the python3 on PATH is the better answer, as before.
  if (/\/(?:pipx\/venvs|uv\/tools)\//.test(run[0]) || isUnder(run[0], process.env.PIPX_HOME) || isUnder(run[0], process.env.UV_TOOL_DIR)) return null
  // (A #! line's own word is a path, from the directory the command runs in, as the kernel reads
  // it: `#!python3` is ./python3; a word env finds is found on PATH.)
  const viaEnv = run[0] !== shebang[0]
  return interpreter(viaEnv || run[0].includes('/') ? run[0] : `./${run[0]}`, given ?? PATH)
}

/** Whether `file` lies below the directory `dir` (a variable's, unset or empty: no). */
function isUnder(file: string, dir: string | undefined): boolean {
  return dir !== undefined && dir !== '' && !toRecordPath(path.resolve(dir), file).outside
}

/** The first `max` bytes of a regular file as text ('' for none; a FIFO is not waited on). */
function readHead(file: string, max: number): string {
  let fd: number
  try { fd = openRegularFile(file).fd } catch { return '' }
  try {
    const buf = Buffer.alloc(max)
    return buf.subarray(0, readSync(fd, buf, 0, max, 0)).toString('utf8')
  } catch { return '' } finally { closeSync(fd) }
}

/**
 * The virtual environment a project runner runs its command in: the nearest directory from `dir`
 * up holding the project's file (pyproject.toml; pipenv's Pipfile) and a `.venv` (a workspace's
 * member has none of its own: its root's), else the nearest project's `.venv` (not made yet: a
 * first `uv run` makes it); uv's UV_PROJECT_ENVIRONMENT where set. Null for no project, or a
 * runner that keeps its environments elsewhere (poetry's and pipenv's own, by default).
 */
function runnerVenv(runner: Runner, dir: string): string | null {
  if (runner.name === 'pixi run') return pixiEnv(runner.env?.name ?? 'default', dir)
  if (runner.env !== undefined) return condaEnv(runner.env, dir)
  const marker = runner.name === 'pipenv run' ? 'Pipfile' : 'pyproject.toml'
  const isProject = (d: string): boolean => statIfAny(path.join(d, marker))?.isFile() === true
  const nearest = findUp(dir, isProject)
  if (nearest === null) return null
  if (runner.name === 'uv run' && process.env.UV_PROJECT_ENVIRONMENT) return path.resolve(nearest, process.env.UV_PROJECT_ENVIRONMENT)
  const withVenv = findUp(nearest, (d) => isProject(d) && statIfAny(path.join(d, '.venv'))?.isDirectory() === true)
  if (withVenv !== null) return path.join(withVenv, '.venv')
  return runner.name === 'uv run' || runner.name === 'pdm run' ? path.join(nearest, '.venv') : null
}

/** The nearest directory from `dir` up (itself first) that `test` takes, or null. */
function findUp(dir: string, test: (d: string) => boolean): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    if (test(d)) return d
    if (path.dirname(d) === d) return null
  }
}

/** Whether an environment's name (`-n ml`, `-e cuda`) is one directory's name, no path: `..`, `a/b` are none. */
function isEnvName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/')
}

/**
 * The environment `pixi run` runs its command in: `.pixi/envs/<name>` in the nearest directory
 * from `dir` up holding its manifest (pixi.toml, or a pyproject.toml beside a `.pixi`); null for
 * a name that is no directory's, or no project.
 */
function pixiEnv(name: string, dir: string): string | null {
  if (!isEnvName(name)) return null
  const project = findUp(dir, (d) => statIfAny(path.join(d, 'pixi.toml'))?.isFile() === true ||
    (statIfAny(path.join(d, 'pyproject.toml'))?.isFile() === true && statIfAny(path.join(d, '.pixi'))?.isDirectory() === true))
  return project === null ? null : path.join(project, '.pixi', 'envs', name)
}

/**
 * The conda environment `conda run` runs its command in: `-p PREFIX` (from `dir`); `-n NAME` in
 * the `envs/` of the root `-r ROOT` names (micromamba's), or of the conda that $CONDA_EXE,
 * $MAMBA_ROOT_PREFIX or the `conda` on PATH belongs to, or in ~/.conda/envs (`base`: that root), the first that is one (holds `conda-meta/`);
 * neither: the active one, $CONDA_PREFIX. Null for none found.
 */
function condaEnv(env: { name?: string; prefix?: string; root?: string }, dir: string): string | null {
  if (env.prefix !== undefined) return path.resolve(dir, env.prefix)
  if (env.name === undefined) return process.env.CONDA_PREFIX ? process.env.CONDA_PREFIX : null
  if (!isEnvName(env.name)) return null
  const roots: string[] = []
  if (env.root !== undefined) roots.push(path.resolve(dir, env.root))
  const exe = process.env.CONDA_EXE
  if (exe) roots.push(path.dirname(path.dirname(exe)))
  if (process.env.MAMBA_ROOT_PREFIX) roots.push(process.env.MAMBA_ROOT_PREFIX)
  const conda = which('conda', process.env.PATH ?? '', dir).file
  if (conda !== null) {
    let real = conda
    try { real = realpathSync.native(conda) } catch { /* as found */ }
    roots.push(path.dirname(path.dirname(real)))
  }
  const candidates = env.name === 'base' ? roots : [...roots.map((r) => path.join(r, 'envs', env.name!)), path.join(os.homedir(), '.conda', 'envs', env.name)]
  return candidates.find((c) => statIfAny(path.join(c, 'conda-meta'))?.isDirectory() === true) ?? null
}

/**
 * How a command's own Python interpreter is read for its packages, where it lies in the project
 * or in the store (`roots`: a store kept elsewhere holds what a record may name too), named by
 * its path as found from the command's directory (`named`), or as its file really is: a virtual
 * environment's, or a conda environment's (pixi's), by the names in its site-packages, without
 * running it (`dirs`); any other not
 * at all (`none`): running it would run the project's files (a committed venv's .pth, a script
 * named python), which a diff must not and a record need not. Null where it lies outside.
 */
export function projectPython(named: string, file: string, roots: readonly string[]): { dirs: string[] } | 'none' | null {
  const within = (p: string): boolean => roots.some((root) => !toRecordPath(root, p).outside)
  let real = file
  try { real = realpathSync.native(file) } catch { /* as found */ }
  if (!within(named) && !within(real)) return null
  const dirs = venvSitePackages(named) ?? condaSitePackages(named)
  return dirs !== null ? { dirs } : 'none'
}

/** A program as the shell finds it: a word with a '/' from `cwd`, else the first on PATH; null where there is none. */
export function findExecutable(word: string, cwd: string, pathVar = process.env.PATH ?? ''): string | null {
  if (word === '') return null
  if (word.includes('/')) {
    const file = path.resolve(cwd, word)
    try { accessSync(file, constants.X_OK); return statSync(file).isFile() ? file : null } catch { return null }
  }
  return which(word, pathVar, cwd).file
}

/** What readEnvSnapshot asks of tools besides their versions: answers under these labels are no tools. */
const QUERIES = [PYTHON_PATH_QUERY]

/**
 * The time zone: $TZ when set, else the zone /etc/localtime links to, else /etc/timezone, and
 * only then what Intl resolves (which loads ICU's zone data: ~30 ms of every start).
 */
export function readTimezone(): string {
  const tz = process.env.TZ
  if (tz !== undefined && tz !== '') return tz.replace(/^:/, '')
  try {
    const target = readlinkSync('/etc/localtime')
    const i = target.indexOf('zoneinfo/')
    if (i !== -1) return target.slice(i + 'zoneinfo/'.length)
  } catch { /* not a link */ }
  try {
    const name = readFileSync('/etc/timezone', 'utf8').trim()
    if (name !== '') return name
  } catch { /* none */ }
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'unknown'
}

/**
 * The machine's CPUs and memory. `available_cpus`, the CPUs this process may run on (its affinity:
 * `taskset`, a batch scheduler's allocation, a container's cpuset), only when fewer than `cpus`:
 * thread pools size themselves by it (nproc, OpenMP, PyTorch), so a run on one CPU of a
 * two-CPU machine may compute otherwise, and the runs must say so.
 */
function hardware(cpus: os.CpuInfo[]): { cpu_model: string; cpus: number; memory_bytes: number; available_cpus?: number } {
  const h: { cpu_model: string; cpus: number; memory_bytes: number; available_cpus?: number } = { cpu_model: cpus[0]?.model.trim() ?? 'unknown', cpus: cpus.length, memory_bytes: os.totalmem() }
  const available = typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length
  if (available < cpus.length) h.available_cpus = available
  return h
}

/**
 * The NVIDIA GPUs the kernel driver shows, by model ('unknown' where it names none), in the order of their PCI bus ids (a
 * container is shown those passed to it), and the driver's version: from its files under /proc
 * and /sys, read in microseconds, where nvidia-smi takes a tenth of a second to start. Nothing
 * where the driver is not loaded. `root` is the file system's root ('/'): tests give a directory
 * holding such files.
 */
export function readNvidia(root = '/'): { gpus?: string[]; gpu_driver?: string } {
  const read = (p: string): string | null => {
    try { return readRegularFile(path.join(root, p)).toString('utf8') } catch { return null }
  }
  const out: { gpus?: string[]; gpu_driver?: string } = {}
  let buses: string[] = []
  try { buses = readdirSync(path.join(root, 'proc/driver/nvidia/gpus')).sort() } catch { /* no driver, or none to show */ }
  // One whose model cannot be read is 'unknown', not left out: the others keep their places (gpus[1]).
  const gpus = buses.map((b) => gpuModel(read(`proc/driver/nvidia/gpus/${b}/information`) ?? '') ?? 'unknown')
  if (gpus.length > 0) out.gpus = gpus
  const driver = nvidiaDriverVersion(read('sys/module/nvidia/version'), read('proc/driver/nvidia/version'))
  if (driver !== null) out.gpu_driver = driver
  return out
}

/**
 * The directories of PYTHON_PATH_QUERY's answer, as tools.json holds it, `{dirs, pth}` (or as
 * parseSysPath makes it, a bare list, with `checked` false): null for none, for a text of another
 * form (a damaged cache file, an entry of an earlier version, is no cache, as for versions), or,
 * `checked`, where the .pth files of the directories are not those the answer was made with.
 */
/**
 * The interpreter's version in PYTHON_PATH_QUERY's answer as tools.json holds it: null where it
 * said none; undefined for an answer from before it was asked (asked again).
 */
function pythonVersionOf(answer: string | undefined): string | null | undefined {
  if (answer === undefined) return undefined
  let v: unknown
  try { v = JSON.parse(answer) } catch { return undefined }
  const o = (typeof v === 'object' && v !== null ? v : {}) as { v?: unknown; version?: unknown }
  if (o.v !== 2) return undefined
  return typeof o.version === 'string' ? o.version : null
}

/**
 * The Python version of an interpreter read by name, not run (venvSitePackages,
 * condaSitePackages): its venv's pyvenv.cfg (`version = 3.11.7`, uv's and virtualenv's
 * `version_info = 3.12.1[.final.0]`), else its conda environment's python package; null for none.
 */
export function pythonVersionByNames(interpreter: string, conda: Record<string, string> | null): string | null {
  let cfg = ''
  try { cfg = readRegularFile(path.join(path.dirname(path.dirname(interpreter)), 'pyvenv.cfg')).toString('utf8') } catch { /* none */ }
  const m = /^[ \t]*version(?:_info)?[ \t]*=[ \t]*([0-9]+\.[0-9]+(?:\.[0-9]+)?)/m.exec(cfg)
  if (m !== null) return m[1]!
  const fromConda = conda?.python?.split('=')[0]
  return fromConda !== undefined && /^[0-9]+\.[0-9]+/.test(fromConda) ? fromConda : null
}

function sysPathOf(answer: string | undefined, checked: boolean): string[] | null {
  if (answer === undefined) return null
  let v: unknown
  try { v = JSON.parse(answer) } catch { return null }
  const strings = (d: unknown): d is string[] => Array.isArray(d) && d.every((x) => typeof x === 'string')
  if (!checked) return strings(v) ? v : strings((v as { dirs?: unknown } | null)?.dirs) ? (v as { dirs: string[] }).dirs : null
  const { dirs, pth } = (typeof v === 'object' && v !== null ? v : {}) as { dirs?: unknown; pth?: unknown }
  return strings(dirs) && typeof pth === 'string' && pth === pthState(dirs) ? dirs : null
}

/**
 * The .pth files in these directories, by name, size, modification time and inode, and which of
 * the paths each names are there, as a digest. Python adds a path a .pth file names only where it
 * exists (site.addpackage): a directory made after python3 was asked (a build's output, a
 * checkout cloned later) changes the path as a changed .pth file does.
 */
function pthState(dirs: readonly string[]): string {
  const parts: string[] = []
  for (const d of dirs) {
    for (const n of (listDir(d) ?? []).filter((x) => x.endsWith('.pth')).sort()) {
      let st
      try { st = statSync(path.join(d, n), { throwIfNoEntry: false }) } catch { /* unreadable */ }
      parts.push(st === undefined ? `${d}/${n}:none` : `${d}/${n}:${st.size}:${st.mtimeMs}:${st.ino}:${pthPathsPresent(d, n, st.size)}`)
    }
  }
  return keyDigest(parts.join('\0'))
}

/** Which of the paths a .pth file names exist ('1') or not ('0'), as site.addpackage reads its lines; '' for one too large or unreadable. */
function pthPathsPresent(dir: string, name: string, size: number): string {
  if (size > 256 * 1024) return ''
  let text: string
  try { text = readRegularFile(path.join(dir, name)).toString('utf8') } catch { return '' }
  let out = ''
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\ufeff/, '').trimEnd()
    if (line === '' || line.startsWith('#') || /^import[ \t]/.test(line)) continue
    let there = false
    try { there = statSync(path.resolve(dir, line), { throwIfNoEntry: false }) !== undefined } catch { /* not reachable: not added */ }
    out += there ? '1' : '0'
  }
  return out
}

export async function readEnvSnapshot(store: Store, redactor: Redactor, opts: EnvOptions = {}): Promise<EnvSnapshot> {
  const queries = opts.python === false || opts.pythonDirs !== undefined ? [] : opts.python ? [{ ...PYTHON_PATH_QUERY, file: opts.python }] : QUERIES
  const answers = opts.tools === false ? {} : await readToolVersions(store, TOOLS, queries, opts.cwd)
  const tools = Object.fromEntries(Object.entries(answers).filter(([k]) => !QUERIES.some((q) => q.label === k)))
  // (Checked for its .pth files as the cache was read: valid.)
  const sysPath = opts.tools === false ? null : opts.pythonDirs ?? sysPathOf(answers[PYTHON_PATH_QUERY.label], false)
  // The conda environment the interpreter whose packages are listed lies in, where it lies in one:
  // its other packages (mkl, cudatoolkit, ...) too.
  const interpreter = sysPath === null ? null : typeof opts.python === 'string' ? opts.python : which('python3', process.env.PATH ?? '', opts.cwd).file
  const conda = interpreter === null ? null : readCondaPackages(interpreter)
  // The version of that interpreter (the command's may be another than the python3 on PATH,
  // whose version `tools` holds): as it said it, or, read by name, as its environment says.
  const python = sysPath === null ? null
    : opts.pythonDirs !== undefined ? (typeof opts.python === 'string' ? pythonVersionByNames(opts.python, conda) : null)
      : pythonVersionOf(answers[PYTHON_PATH_QUERY.label]) ?? null
  const cpus = os.cpus()
  const locale: Record<string, string> = {}
  for (const v of LOCALE_VARS) {
    const value = process.env[v]
    if (value !== undefined) locale[v] = value
  }
  const osInfo: EnvSnapshot['os'] = { platform: process.platform, release: os.release(), arch: process.arch, type: os.type(), hostname: os.hostname() }
  const d = distro()
  if (d !== undefined) osInfo.distro = d
  const snapshot: EnvSnapshot = {
    os: osInfo,
    hardware: { ...hardware(cpus), ...readNvidia() },
    runtime: { node: process.version, prov: VERSION, ...(python !== null ? { python } : {}) },
    tools,
    ...(sysPath !== null ? { packages: { python: readPythonPackages(sysPath), ...(conda !== null ? { conda } : {}) } } : {}),
    locale,
    timezone: readTimezone(),
    vars: redactor.redactVars(process.env),
  }
  // The id of the store's key, where it has one (after the variables: fingerprinting them may
  // have made it), so that diff can tell fingerprints made under another key. No key, no
  // fingerprint: none is made for this.
  const keyId = redactor.keyId()
  if (keyId !== undefined) snapshot.key_id = keyId
  return snapshot
}

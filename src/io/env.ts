// The environment snapshot: OS, hardware, runtime, tool versions, locale, and variables.
// Deterministic: nothing that changes from one call to the next (no PID, no clock, no load).
// child_process and the store are imported when a tool is probed: `prov --version` imports
// this module for VERSION alone, and loading them would double its start-up time.
import os from 'node:os'
import { readFileSync, readlinkSync, statSync, accessSync, constants, openSync, readSync, closeSync } from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import type { Redactor } from '../core/redact.js'
import type { EnvSnapshot } from '../core/record.js'
import { cacheDir, ensureCacheDir, makeDirs, type Store } from './store.js'
import { readRegularFile } from './read.js'
import { nodeCrypto } from '../core/crypto.js'
import { LOCALE_VARS } from '../core/env-vars.js'

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
function which(name: string, pathVar: string): { file: string | null; passed: Array<[string, number]> } {
  const passed: Array<[string, number]> = []
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue
    const p = path.join(dir, name)
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

/** A tool's version line; '' when it printed none; null when it failed to answer in time. */
async function probe(file: string, args: string[]): Promise<string | null> {
  const { spawn } = requireCjs('node:child_process') as typeof import('node:child_process')
  return new Promise((resolve) => {
    let out = ''
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: PROBE_TIMEOUT_MS, env: { ...process.env, LC_ALL: 'C' } })
    child.stdout.setEncoding('utf8').on('data', (d: string) => { if (out.length < 4096) out += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (out.length < 4096) out += d })
    child.on('error', () => resolve(''))
    child.on('close', (_code, signal) => resolve(signal !== null ? null : parseVersion(out) ?? ''))
  })
}

/** Files by which version managers (pyenv, asdf, rbenv, nvm, ...) choose what a shim runs. */
const VERSION_FILES = ['.python-version', '.tool-versions', '.ruby-version', '.node-version', '.nvmrc', '.java-version', '.go-version']
const VERSION_VARS = /VERSION|^PYENV|^ASDF|^CONDA|^VIRTUAL_ENV$|^NVM|^RBENV|^JAVA_HOME$|^PATH$/

/**
 * What a script wrapper's answer depends on: the directory, the version managers' variables,
 * and their version files in this directory, its parents and the home directory.
 */
function wrapperContext(): string {
  const parts = [process.cwd()]
  for (const k of Object.keys(process.env).filter((k) => VERSION_VARS.test(k)).sort()) parts.push(`${k}=${process.env[k]}`)
  const dirs: string[] = []
  for (let d = process.cwd(); ; d = path.dirname(d)) {
    dirs.push(d)
    if (path.dirname(d) === d) break
  }
  if (process.env.HOME) dirs.push(process.env.HOME, path.join(process.env.HOME, '.pyenv'))
  if (process.env.PYENV_ROOT) dirs.push(process.env.PYENV_ROOT)
  for (const d of dirs) {
    for (const f of [...VERSION_FILES, 'version']) {
      // Most are missing: throwIfNoEntry spares making an error for each (~50 stats a record).
      let st
      try { st = statSync(path.join(d, f), { throwIfNoEntry: false }) } catch { /* unreadable */ }
      if (st !== undefined) parts.push(`${d}/${f}:${st.size}:${st.mtimeMs}`)
    }
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
 * context (variables' values among it) and PATH in the keys as they were: such entries are dropped,
 * so that the file is written again without them.
 */
function currentEntries(cache: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(cache)) {
    const fields = k.split('\0')
    if (k.startsWith('which\0') ? fields.length === 2 && /^[0-9a-f]{64}$/.test(fields[1]!) : fields.length <= 7) out[k] = v
  }
  return out
}

/** True for a `#!` script: a wrapper (pyenv, asdf, conda shims) whose answer depends on cwd and env. */
function isScript(file: string): boolean {
  try {
    const fd = openSync(file, 'r')
    try {
      const b = Buffer.alloc(2)
      return readSync(fd, b, 0, 2, 0) === 2 && b.toString('latin1') === '#!'
    } finally {
      closeSync(fd)
    }
  } catch {
    return false
  }
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
function lookUp(names: readonly string[], pathVar: string, cache: Record<string, string>): { files: Array<string | null>; changed: boolean } {
  const started = Date.now()
  const parts = [pathVar, names.join(' ')]
  let trusted = true
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue
    let mtimeMs = -1
    try { mtimeMs = statSync(dir).mtimeMs } catch { /* not there */ }
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
  const found = names.map((name) => which(name, pathVar))
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
 * inode, size, mtime and ctime, so a later run spawns nothing; a script wrapper's (a pyenv
 * shim's, say) also by the directory, the version managers' variables and their version files,
 * on which it depends. A tool that prints no version is left out; one that does not answer within the
 * timeout is left out and asked again next time.
 */
export async function readToolVersions(store: Store, tools: Record<string, string[]> = TOOLS): Promise<Record<string, string>> {
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
  const { files, changed } = lookUp(Object.keys(tools), pathVar, cache)
  let dirty = changed || stale
  let context: string | undefined
  const used: string[] = []
  const found = await Promise.all(Object.entries(tools).map(async ([name, args], i) => {
    const file = files[i]!
    if (file === null) return null
    let key: string
    try {
      const st = statSync(file)
      // ctime too: a chmod -x (or +x) changes nothing else
      key = `${file}\0${st.ino}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${args.join(' ')}`
    } catch { return null }
    // Whether it is a script is remembered with the binary's identity: one read fewer per tool.
    used.push(`script\0${key}`)
    let script = cache[`script\0${key}`]
    if (script === undefined) {
      script = isScript(file) ? '1' : '0'
      cache[`script\0${key}`] = script
      dirty = true
    }
    if (script === '1') key += `\0${(context ??= wrapperContext())}`
    used.push(key)
    let version: string | null | undefined = cache[key]
    if (version === undefined) {
      version = await probe(file, args)
      if (version === null) return null
      cache[key] = version
      dirty = true
    }
    return version === '' ? null : ([name, version] as const)
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

export interface EnvOptions { tools?: boolean }

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

export async function readEnvSnapshot(store: Store, redactor: Redactor, opts: EnvOptions = {}): Promise<EnvSnapshot> {
  const tools = opts.tools === false ? {} : await readToolVersions(store)
  const cpus = os.cpus()
  const locale: Record<string, string> = {}
  for (const v of LOCALE_VARS) {
    const value = process.env[v]
    if (value !== undefined) locale[v] = value
  }
  const osInfo: EnvSnapshot['os'] = { platform: process.platform, release: os.release(), arch: process.arch, type: os.type(), hostname: os.hostname() }
  const d = distro()
  if (d !== undefined) osInfo.distro = d
  return {
    os: osInfo,
    hardware: { cpu_model: cpus[0]?.model.trim() ?? 'unknown', cpus: cpus.length, memory_bytes: os.totalmem() },
    runtime: { node: process.version, prov: VERSION },
    tools,
    locale,
    timezone: readTimezone(),
    vars: redactor.redactVars(process.env),
  }
}

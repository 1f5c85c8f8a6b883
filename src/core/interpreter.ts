// Which Python interpreter a command runs, as far as its words and its script's #! line tell,
// without running anything: the packages prov lists are that interpreter's. Pure: io/env.ts
// finds the files.

/** Whether a word names a Python interpreter (`python3.11`, `.venv/bin/python`). */
export function isPythonWord(word: string): boolean {
  return /^python[0-9.]*$/.test(baseName(word))
}

/** A word's last path component: the program's name in `/usr/bin/env`. (tool-rules' commandName, which env.ts, loaded by `prov --version`, must not pull in.) */
function baseName(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1)
}

/** A command's words once the programs that only run another are taken off, and the PATH they give it. */
export interface Unwrapped {
  words: string[]
  /** the PATH an `env PATH=...` gives the command, where one does */
  path?: string
}

/**
 * Programs that run the command after their options (and `positionals` more words: timeout's
 * duration, taskset's CPU list) as it is, with the same PATH: their options that take the next
 * word as their value (`valued`), and the short ones that take it joined (`-oL`) or not.
 */
const WRAPPERS: Record<string, { valued: ReadonlySet<string>; positionals: number }> = {
  nohup: { valued: new Set(), positionals: 0 },
  nice: { valued: new Set(['-n']), positionals: 0 },
  timeout: { valued: new Set(['-s', '-k']), positionals: 1 },
  time: { valued: new Set(['-f', '-o']), positionals: 0 },
  stdbuf: { valued: new Set(['-i', '-o', '-e']), positionals: 0 },
  taskset: { valued: new Set(), positionals: 1 },
  ionice: { valued: new Set(['-c', '-n']), positionals: 0 },
  numactl: { valued: new Set(['-i', '-m', '-N', '-C', '-p', '-P', '-b', '-w']), positionals: 0 },
  chrt: { valued: new Set(['-T', '-P', '-D']), positionals: 1 },
}

/**
 * The command `env`, `nice`, `nohup`, `timeout`, `time`, `taskset`, `numactl` and the like run,
 * as they run it: `env -u X PATH=/opt/bin python3 a.py` runs `python3 a.py` with that PATH,
 * `timeout -s INT 1h python3 a.py` runs `python3 a.py`. An option env does not take as written
 * here (`env -C DIR`, which moves the command elsewhere) leaves the words as they are: the
 * command is then `env`'s own.
 */
export function unwrapCommand(argv: readonly string[]): Unwrapped {
  let words = [...argv]
  let pathVar: string | undefined
  for (;;) {
    const name = words[0] === undefined ? undefined : baseName(words[0])
    let i = 1
    const wrapper = name !== undefined && Object.hasOwn(WRAPPERS, name) ? WRAPPERS[name]! : null
    if (wrapper !== null) {
      // Options (`--x=y`, `-n 10`, `-oL`, nice's `-5`), then its words before the command.
      for (; i < words.length; i++) {
        const w = words[i]!
        if (w === '--') { i++; break }
        if (!w.startsWith('-') || w === '-') break
        if (wrapper.valued.has(w)) i++
      }
      i += wrapper.positionals
    } else if (name === 'env') {
      let split: string[] | null = null
      for (; i < words.length; i++) {
        const w = words[i]!
        if (w === '--') { i++; break }
        if (w === '-i' || w === '--ignore-environment' || w === '-') continue
        if (w === '-u' || w === '--unset') { i++; continue }
        if (w.startsWith('--unset=') || /^-u./.test(w)) continue
        if (w === '-S' || w === '--split-string') { split = splitString(words[i + 1] ?? ''); i += 2; break }
        if (w.startsWith('--split-string=')) { split = splitString(w.slice('--split-string='.length)); i++; break }
        if (w.startsWith('-S')) { split = splitString(w.slice(2)); i++; break }
        if (w.startsWith('-')) return { words: [...argv], ...(pathVar !== undefined ? { path: pathVar } : {}) }
        const eq = w.indexOf('=')
        if (eq <= 0) break
        if (w.slice(0, eq) === 'PATH') pathVar = w.slice(eq + 1)
      }
      if (split !== null) {
        // (-S's string may hold assignments and the program too: env reads them as its own words.)
        const rest = unwrapCommand(['env', ...split, ...words.slice(i)])
        return { words: rest.words, ...(rest.path ?? pathVar) !== undefined ? { path: rest.path ?? pathVar! } : {} }
      }
    } else break
    if (i >= words.length) break
    words = words.slice(i)
  }
  return { words, ...(pathVar !== undefined ? { path: pathVar } : {}) }
}

/** `env -S`'s string in words: split at blanks, the quotes and escapes it reads left out (enough for a #! line). */
function splitString(s: string): string[] {
  const words: string[] = []
  let cur: string | null = null
  let quote: string | null = null
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quote !== null) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i]!
      else cur += c
    } else if (c === ' ' || c === '\t') {
      if (cur !== null) { words.push(cur); cur = null }
    } else if (c === "'" || c === '"') { quote = c; cur ??= '' }
    else if (c === '\\' && i + 1 < s.length) cur = (cur ?? '') + s[++i]!
    else cur = (cur ?? '') + c
  }
  if (cur !== null) words.push(cur)
  return words
}

/**
 * The words a script's first bytes run it with, as Linux reads a `#!` line: the interpreter, and
 * the rest of the line as one argument (`#!/usr/bin/env python3` → ['/usr/bin/env', 'python3']);
 * and pip's and uv's form for an interpreter path too long or with a space for a #! line (a
 * `#!/bin/sh` whose second line is `'''exec' "/a b/venv/bin/python" "$0" "$@"`; uv's with the
 * path in single quotes, and for a relocatable venv after the directory of the script: `dir` as
 * it is named, `realDir` as it really is). Null for no #! line.
 */
export function shebangWords(head: string, dir = '.', realDir = dir): string[] | null {
  if (!head.startsWith('#!')) return null
  const lines = head.split('\n')
  const line = lines[0]!.slice(2).replace(/\r$/, '').trim()
  if (line === '') return null
  const sp = line.search(/[ \t]/)
  const words = sp === -1 ? [line] : [line.slice(0, sp), line.slice(sp).trim()]
  if (/^\/bin\/(ba|da)?sh$/.test(words[0]!) && words.length === 1) {
    const second = lines[1] ?? ''
    const m = /^'''exec' "([^"]+)" "\$0" "\$@"$/.exec(second) ?? /^'''exec' ([^\s'"]+) "\$0" "\$@"$/.exec(second)
    if (m !== null) return [m[1]!]
    // uv's: the path quoted as the shell quotes it (`'it'"'"'s'` for it's), after the directory
    // the script really lies in (`$(realpath ...)`) or is named from (an older uv's `$(CDPATH= cd ...)`)
    // where the venv is relocatable.
    const uv = /^'''exec' ("\$\(dirname -- "\$\(realpath -- "\$0"\)"\)"\/|"\$\(CDPATH= cd -- "\$\(dirname -- "\$0"\)" && echo "\$PWD"\)"\/)?'((?:[^']|'"'"')+)' "\$0" "\$@"$/.exec(second)
    if (uv !== null) {
      const file = uv[2]!.replaceAll(`'"'"'`, "'")
      const base = uv[1] === undefined ? null : uv[1].includes('realpath') ? realDir : dir
      return [base === null ? file : `${base.replace(/\/+$/, '')}/${file}`]
    }
  }
  if (words.length === 2 && /(^|\/)env$/.test(words[0]!)) {
    // `env -S python3 -u` in one argument, as env then splits it; `env python3` a word alone.
    const arg = words[1]!
    return arg.startsWith('-S') || arg.startsWith('--split-string') ? [words[0]!, ...splitFirst(arg)] : [words[0]!, ...arg.split(/[ \t]+/)]
  }
  return words
}

/** `-S python3 -u` as env gets it from a #! line (one word): its option, then the string. */
function splitFirst(arg: string): string[] {
  const m = /^(-S|--split-string=?)[ \t]*(.*)$/.exec(arg)!
  return ['-S', m[2]!]
}

/**
 * The project runners whose environment is the project's `.venv` (uv's and pdm's own place for
 * it; poetry's and pipenv's where one is there), and how each is called: `uv run [OPTIONS] CMD`.
 * `valued`: the options that take the next word as their value; `dirs`: those that name the
 * project's directory; `other`: those that run the command in some other environment;
 * `elsewhere`: the environment is always one prov cannot tell.
 */
const CONDA_VALUED: ReadonlySet<string> = new Set(['-n', '--name', '-p', '--prefix', '--cwd', '-r', '--root-prefix', '--rc-file'])

const RUNNERS: Record<string, { sub: string; valued: ReadonlySet<string>; dirs: ReadonlySet<string>; other: ReadonlySet<string>; elsewhere?: true }> = {
  uv: {
    sub: 'run',
    valued: new Set(['--with', '--with-editable', '--with-requirements', '-p', '--python', '--project', '--directory', '--package',
      '--extra', '--no-extra', '--group', '--no-group', '--only-group', '--env-file', '--index', '--default-index', '--index-url', '-i',
      '--extra-index-url', '--find-links', '-f', '--index-strategy', '--keyring-provider', '--resolution', '--prerelease', '--exclude-newer',
      '--link-mode', '--config-setting', '-C', '--refresh-package', '--reinstall-package', '--upgrade-package', '-P', '--no-binary-package',
      '--no-build-package', '--cache-dir', '--config-file', '--color', '--python-preference', '--allow-insecure-host', '--fork-strategy']),
    dirs: new Set(['--project', '--directory']),
    // An environment made for the one run (`--with`, `--isolated`, a script's own), or the active one.
    other: new Set(['--with', '--with-editable', '--with-requirements', '--no-project', '--isolated', '--script', '-s', '--gui-script', '--active']),
  },
  pdm: { sub: 'run', valued: new Set(['-p', '--project', '--venv']), dirs: new Set(['-p', '--project']), other: new Set(['-g', '--global', '--venv']) },
  poetry: { sub: 'run', valued: new Set(['-P', '--project', '-C', '--directory']), dirs: new Set(['-P', '--project', '-C', '--directory']), other: new Set() },
  pipenv: { sub: 'run', valued: new Set(), dirs: new Set(), other: new Set() },
  // hatch keeps its environments in its data directory, by a hash prov does not make.
  hatch: { sub: 'run', valued: new Set(), dirs: new Set(), other: new Set(), elsewhere: true },
  // conda's environments by name or prefix (`conda run -n ml python`); mamba's and micromamba's the same.
  conda: { sub: 'run', valued: CONDA_VALUED, dirs: new Set(), other: new Set() },
  mamba: { sub: 'run', valued: CONDA_VALUED, dirs: new Set(), other: new Set() },
  micromamba: { sub: 'run', valued: CONDA_VALUED, dirs: new Set(), other: new Set() },
  // pixi's environments lie in the project, `.pixi/envs/<name>` (`-e NAME`, else `default`).
  // (Its -x, --executable, is a switch: the command is run as an executable, not as a task.)
  pixi: {
    sub: 'run',
    valued: new Set(['-e', '--environment', '--manifest-path', '--color', '-p', '--platform', '--auth-file', '--config-file', '--concurrent-downloads',
      '--concurrent-solves', '--pinning-strategy', '--pypi-keyring-provider', '--tls-root-certs']),
    dirs: new Set(['--manifest-path']),
    other: new Set(),
  },
}

/** A command run by a project runner (`uv run python train.py`): its project's environment holds the interpreter. */
export interface Runner {
  /** the runner's name and subcommand, for messages: 'uv run' */
  name: string
  /** the directory the runner looks for its project from (its --project/--directory, else null: the command's) */
  dir: string | null
  /** the command it runs */
  words: string[]
  /** whether it runs the command in an environment other than the project's `.venv` (or one prov cannot tell) */
  other: boolean
  /**
   * a conda runner's environment, by its name (`-n ml`) or its prefix (`-p ./env`), neither: the
   * active one, and the root prefix its names are found in (`-r ROOT`: micromamba's); pixi's by
   * its name (`-e cuda`), none: `default`
   */
  env?: { name?: string; prefix?: string; root?: string }
}

/** The project runner a command is run by, or null: `uv run`, `pdm run`, `poetry run`, `pipenv run`, `conda run`, `pixi run`. */
export function runnerOf(words: readonly string[]): Runner | null {
  const name = baseName(words[0] ?? '')
  const spec = Object.hasOwn(RUNNERS, name) ? RUNNERS[name]! : null
  if (spec === null) return null
  let dir: string | null = null
  let other = spec.elsewhere === true
  let env: Runner['env'] = spec.valued === CONDA_VALUED || name === 'pixi' ? {} : undefined
  // Options may come before the subcommand too (`uv -q run`, `uv --directory sub run`).
  let sub = false
  let i = 1
  for (; i < words.length; i++) {
    const w = words[i]!
    if (!sub && w === spec.sub) { sub = true; continue }
    if (w === '--') {
      if (!sub) return null
      i++
      break
    }
    if (!w.startsWith('-') || w === '-') {
      if (!sub) return null
      break
    }
    const eq = w.indexOf('=')
    const opt = w.startsWith('--') && eq !== -1 ? w.slice(0, eq) : w
    if (spec.other.has(opt)) other = true
    let value: string | undefined
    if (eq !== -1 && w.startsWith('--')) value = w.slice(eq + 1)
    else if (spec.valued.has(opt)) value = words[++i]
    // (pixi's --manifest-path may name the manifest itself: its directory is the project's.)
    if (value !== undefined && spec.dirs.has(opt)) dir = name === 'pixi' && value.endsWith('.toml') ? value.slice(0, value.lastIndexOf('/') + 1) || '.' : value
    if (name === 'pixi' && (opt === '-e' || opt === '--environment') && value !== undefined) env = { name: value }
    if (value !== undefined && spec.valued === CONDA_VALUED) {
      // (`-r ROOT` is where a name is found, whichever of them comes first.)
      const root = env?.root !== undefined ? { root: env.root } : {}
      if (opt === '-n' || opt === '--name') env = { name: value, ...root }
      else if (opt === '-p' || opt === '--prefix') env = { prefix: value, ...root }
      else if (opt === '-r' || opt === '--root-prefix') env = { ...env, root: value }
    }
  }
  if (!sub) return null
  return { name: `${name} ${spec.sub}`, dir, words: words.slice(i), other, ...(env !== undefined ? { env } : {}) }
}

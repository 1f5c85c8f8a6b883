import type { CommandDef, ArgsDef } from 'citty'
import { ProvError, UsageError, describeErrno, isNodeError, saysNotRun } from './errors.js'
import { parseArgv, ArgvError, type ArgSpec } from './core/argv.js'
import { shellQuote } from './core/shell-words.js'
import { log, hint, quiet, warnLogLevel } from './io/log.js'
import { VERSION } from './io/env.js'
import { handleEpipe, setStdoutFailureCode } from './io/stdout.js'
import { assertArgsAreUtf8 } from './io/argv-bytes.js'
import type { RunData } from './plumbing/_args.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own ArgsDef
export type Loader = () => Promise<CommandDef<any>>

export const PORCELAIN = ['record', 'diff', 'log', 'show', 'verify']
export const PLUMBING = ['hash-inputs', 'snapshot-env', 'git-state', 'read-params', 'exec', 'write-run', 'diff-runs']
/** Every command's name: src/commands.ts loads each. */
export const NAMES = [...PORCELAIN, ...PLUMBING, 'help']

const ROOT_USAGE = `usage: prov [--version] [--help] <command> [<args>]

Record how a command ran, and tell what changed between two runs.

Porcelain:
   record        Run a command and record its inputs, params, code, environment and outputs
   diff          Show what changed between two runs (default: the last two)
   log           List the recorded runs, newest first
   show          Show one run
   verify        Check runs against the schema, their ids, and (--files) the files on disk

Plumbing (each prints one JSON document):
   hash-inputs   Hash files and directories: {"inputs": [...]}
   snapshot-env  Describe the environment: {"env": {...}}
   git-state     Describe the git state of the code: {"git": {...}}
   read-params   Read parameters from -p and files: {"params": {...}}
   exec          Run a command and describe how it ran: {"command": {...}}
   write-run     Merge section documents into a run and store it
   diff-runs     Compare two runs: {"diff": {...}}

'prov <command> --help' describes a command; 'prov help <command>' opens its manual page.
`

/** `prov <name> --help`: a git-style synopsis, then each argument and option on its own line. */
export function renderCommandUsage(name: string, cmd: CommandDef<ArgsDef>): string {
  const meta = (typeof cmd.meta === 'object' && cmd.meta !== null ? cmd.meta : {}) as import('citty').CommandMeta
  const spec = (cmd.args ?? {}) as Record<string, ArgSpec>
  const repeatable = new Set(meta.repeatable ?? [])
  const positionals = Object.entries(spec).filter(([, d]) => d.type === 'positional')
  const options = Object.entries(spec).filter(([, d]) => d.type !== 'positional')
  const words = ['usage: prov', name]
  if (options.length > 0) words.push('[<options>]')
  for (const [k, d] of positionals) words.push(d.required ? `<${k}>` : `[<${k}>]`)
  if (meta.operands) words.push(meta.operands)
  const rows: Array<[string, string]> = []
  for (const [k, d] of positionals) rows.push([`<${k}>`, d.description ?? ''])
  for (const [k, d] of options) {
    const aliases = d.alias === undefined ? [] : Array.isArray(d.alias) ? d.alias : [d.alias]
    const short = aliases.filter((a) => a.length === 1).map((a) => `-${a}`)
    const long = k.length === 1 ? `-${k}` : `--${k}`
    const value = d.type === 'boolean' ? '' : d.type === 'enum' && d.options ? ` <${d.options.join('|')}>` : ` <${d.valueHint ?? 'value'}>`
    const flag = [...short, long].join(', ') + value
    const desc = (d.description ?? '') + (repeatable.has(k) && !/repeatable/.test(d.description ?? '') ? ' (repeatable)' : '')
    rows.push([short.length === 0 && k.length > 1 ? `    ${flag}` : flag, desc])
  }
  const width = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2)
  const lines = [words.join(' '), '', meta.description ?? '']
  if (rows.length > 0) {
    lines.push('')
    for (const [f, d] of rows) lines.push(f.length >= width ? `  ${f}\n  ${' '.repeat(width)}${d}` : `  ${f.padEnd(width)}${d}`)
  }
  lines.push('', `'prov help ${name}' opens the manual page.`)
  return lines.join('\n')
}

function report(e: unknown): void {
  if (e instanceof ProvError) {
    log.error(e.message)
    if (e.hint) hint(e.hint)
  } else {
    const msg = e instanceof Error ? e.message : String(e)
    log.error(`internal error: ${msg}`)
    if (process.env.PROV_DEBUG !== '1') hint('set PROV_DEBUG=1 to see where it happened, and please report it')
  }
  if (process.env.PROV_DEBUG === '1' && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n')
}

/**
 * `prov --store DIR log`: options that a command takes, given before its name. The error says where
 * they go, with the command line as it should be (up to a `--`: the words of a command to run
 * are not repeated). null when no command named later takes them all.
 */
async function misplacedOptions(argv: readonly string[], commands: Readonly<Record<string, Loader>>): Promise<UsageError | null> {
  const dashdash = argv.indexOf('--')
  const end = dashdash === -1 ? argv.length : dashdash
  for (let j = 1; j < end; j++) {
    const name = argv[j]!
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined
    if (load === undefined) continue
    const cmd = await load()
    const meta = (typeof cmd.meta === 'object' && cmd.meta !== null ? cmd.meta : {}) as import('citty').CommandMeta
    // Its options only, none required: the words before the name must all be options and their values.
    const options: Record<string, ArgSpec> = {}
    for (const [k, d] of Object.entries((cmd.args ?? {}) as Record<string, ArgSpec>)) if (d.type !== 'positional') options[k] = { ...d, required: false }
    try {
      if (parseArgv(argv.slice(0, j), options, { repeatable: meta.repeatable ?? [] }).extra.length > 0) continue
    } catch {
      continue
    }
    // Values may be secrets (`-p db.password=V`, `-m '...'`): only the store's path is repeated,
    // the rest of the line is '...'.
    // (An option that takes a value: its spec's type is not boolean, by its name or its alias.)
    const takesValue = (flag: string): boolean => {
      const bare = flag.replace(/^--?/, '')
      const spec = options[bare] ?? Object.values(options).find((d) => [d.alias].flat().includes(bare))
      return spec !== undefined && spec.type !== 'boolean'
    }
    let value = false
    let store = false
    const before = argv.slice(0, j).map((w) => {
      // A value is the store's path, or '...' (it may be a secret, whatever it starts with).
      if (value) { value = false; return store ? w : '...' }
      if (w.startsWith('--')) {
        store = w === '--store'
        value = !w.includes('=') && takesValue(w)
        return w.includes('=') && !w.startsWith('--store=') ? `${w.slice(0, w.indexOf('=') + 1)}...` : w
      }
      if (w.startsWith('-') && w.length > 1) {
        // One-letter options: `-q`; grouped or with a value joined (`-qm`, `-mV`), the first letter
        // and '...', the next word a value when the last letter takes one.
        store = false
        value = /^-[A-Za-z]+$/.test(w) && takesValue(`-${w[w.length - 1]}`)
        return w.length === 2 ? w : `${w.slice(0, 2)}...`
      }
      return '...'
    })
    const line = ['prov', name, ...before].map((w) => (w.endsWith('...') ? w : shellQuote(w)))
    if (end > j + 1 || dashdash !== -1) line.push('...')
    const flag = /^-[^-]./.test(argv[0]!) ? argv[0]!.slice(0, 2) : argv[0]!.split('=')[0]!
    return new UsageError(`'${flag}' goes after the command name: ${line.join(' ')}`, `see 'prov ${name} --help'`)
  }
  return null
}

/**
 * The current directory must still be there: every command reads it (the project root, relative
 * paths), and Node's process.cwd() throws once it is deleted (`rm -rf` of the directory a shell
 * stands in). Said as git says it, not as an internal error; record and exec add that the
 * command was not run.
 */
function assertCwd(notRun: boolean): void {
  try {
    process.cwd()
  } catch (e) {
    const err = new ProvError('E_CWD', `cannot read the current directory: ${isNodeError(e) && e.code === 'ENOENT' ? 'it was deleted' : describeErrno(e)}`, { hint: 'cd to a directory that exists' })
    throw notRun ? saysNotRun(err) : err
  }
}

/**
 * Run prov with these arguments; resolves to the exit status. `commands` loads the commands this
 * build holds: all of them (src/commands.ts), or, in a bundle made for one command, that one.
 */
export async function main(argv: string[], commands: Readonly<Record<string, Loader>>): Promise<number> {
  let failureCode = 2
  try {
    const [first, ...rest] = argv
    if (first === undefined) {
      warnLogLevel()
      process.stderr.write(ROOT_USAGE)
      return 2
    }
    if ((first === '--version' || first === 'version') && (rest.includes('--help') || rest.includes('-h'))) {
      handleEpipe()
      process.stdout.write(ROOT_USAGE)
      return 0
    }
    if (first === '--version' || first === 'version') {
      if (rest.length > 0) throw new UsageError(`${first} takes no arguments: '${rest[0]}'`, `see 'prov --help'`)
      handleEpipe()
      process.stdout.write(`prov ${VERSION}\n`)
      return 0
    }
    if (first === '--help' || first === '-h') {
      handleEpipe()
      // `prov --help log`, as `git --help log`: that command's help.
      const load = rest[0] === undefined || !Object.hasOwn(commands, rest[0]) ? undefined : commands[rest[0]]
      process.stdout.write(load === undefined ? ROOT_USAGE : renderCommandUsage(rest[0]!, await load()) + '\n')
      return 0
    }
    if (first.startsWith('-')) throw (await misplacedOptions(argv, commands)) ?? new UsageError(`unknown option '${first}'`, `see 'prov --help'`)
    // (A name of Object's own, 'constructor' or '__proto__', is no command.)
    const load = Object.hasOwn(commands, first) ? commands[first] : undefined
    if (load === undefined && NAMES.includes(first)) throw new Error(`this build of prov holds no '${first}' command`)
    if (load === undefined) throw new UsageError(`'${first}' is not a prov command`, `see 'prov --help' for the list of commands`)
    const cmd = await load()
    const meta = (typeof cmd.meta === 'object' && cmd.meta !== null ? cmd.meta : {}) as import('citty').CommandMeta
    failureCode = meta.failureCode ?? 2
    setStdoutFailureCode(failureCode)
    const dashdash = rest.indexOf('--')
    const options = dashdash === -1 ? rest : rest.slice(0, dashdash)
    if (options.includes('--help') || options.includes('-h')) {
      handleEpipe()
      process.stdout.write(renderCommandUsage(first, cmd) + '\n')
      return 0
    }
    const spec = (cmd.args ?? {}) as Record<string, ArgSpec>
    let parsed
    try {
      assertArgsAreUtf8(argv)
      parsed = parseArgv(rest, spec, { repeatable: meta.repeatable ?? [], variadic: meta.variadic ?? false, operandsAfterDashDash: !meta.takesCommand })
    } catch (e) {
      // A command given without '--' before it (`prov record python3 train.py`): said how to give it.
      const hint = meta.takesCommand && e instanceof ArgvError && e.message.startsWith('unexpected argument')
        ? `the command to run goes after '--': prov ${first} [<option>...] -- <command> [<arg>...]` : `see 'prov ${first} --help'`
      const err = e instanceof ArgvError ? new UsageError(e.message, hint) : e
      // record and exec (125 for their own failures) say that the command was not run.
      throw failureCode === 125 && !options.includes('--no-exec') ? saysNotRun(err) : err
    }
    if (parsed.values.quiet === true) quiet()
    warnLogLevel()
    assertCwd(failureCode === 125 && !options.includes('--no-exec'))
    const data: RunData = { rest: parsed.rest, sequence: parsed.sequence, extra: parsed.extra }
    await cmd.run?.({ rawArgs: rest, args: { _: parsed.extra, ...parsed.values } as never, cmd, data })
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    // A usage error, before the command's -q was read: PROV_LOG_LEVEL's warning is said all the
    // same (once), unless -q was among the options.
    const dashdash = argv.indexOf('--')
    const options = dashdash === -1 ? argv : argv.slice(0, dashdash)
    if (!options.includes('-q') && !options.includes('--quiet')) warnLogLevel()
    report(e)
    const code = e instanceof ProvError && e.exitCode !== 2 ? e.exitCode : failureCode
    process.exitCode = code
    return code
  }
}

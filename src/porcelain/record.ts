import path from 'node:path'
import { rmSync } from 'node:fs'
import { defineCommand } from 'citty'
import { assertNamable, hashFile, hashPaths, namedDirs } from '../io/hash.js'
import { commandPython, projectPython, readEnvSnapshot } from '../io/env.js'
import { readGitState } from '../io/git.js'
import { readParams } from '../io/params.js'
import { runCommand, commandCwd, endBySignal, type RunOutcome } from '../io/run.js'
import { loadRedactor } from '../io/secrets.js'
import type { Redactor } from '../core/redact.js'
import { assertStoreWritable, locateStore, makeTempDir, markerTime, type ExtraFile, type Store } from '../io/store.js'
import { storeRun } from '../io/write.js'
import { log } from '../io/log.js'
import { lookupError, resolveNamed, warnOutsideRoot } from '../io/read.js'
import { colorsFor } from '../io/color.js'
import { mergeSections, redactionRecord, type FileEntry, type RunRecord } from '../core/record.js'
import { shortId } from '../core/id.js'
import { escapeTerminal, quotePath } from '../core/paths.js'
import { InputError, ProvError, UsageError, describeErrno, fullDiskHint, saysNotRun } from '../errors.js'
import { paramArgs, paramsSources } from '../plumbing/read-params.js'
import { list, quietArg, storeArg, varFlags, VAR_FLAGS, type RunData } from '../plumbing/_args.js'

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  const m = Math.floor(ms / 60_000)
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

export default defineCommand({
  meta: {
    name: 'record',
    description: 'Run a command and record its inputs, params, code, environment and outputs; exits with its status',
    repeatable: ['input', 'output', 'param', 'params-file', ...VAR_FLAGS],
    takesCommand: true,
    operands: '-- <command> [<arg>...]',
    failureCode: 125,
  },
  args: {
    input: { type: 'string', alias: 'i', valueHint: 'path', description: 'An input file or directory, hashed before the command runs (repeatable)' },
    output: { type: 'string', alias: 'o', valueHint: 'path', description: 'An output file or directory, hashed after it ends (repeatable)' },
    ...paramArgs,
    message: { type: 'string', alias: 'm', valueHint: 'msg', description: 'A message kept with the run' },
    'no-exec': { type: 'boolean', description: 'Record without running the command' },
    capture: { type: 'boolean', description: 'Also keep the command\'s stdout and stderr with the run (recorded as outputs <stdout> and <stderr>)' },
    'no-cache': { type: 'boolean', description: 'Read every file, ignoring the stat cache' },
    ...varFlags,
    ...storeArg,
    ...quietArg,
  },
  async run({ args, data }) {
    const { rest, sequence } = data as RunData
    if (rest === null || rest.length === 0) throw new UsageError('no command given', 'usage: prov record [<options>] -- <command> [<arg>...]')
    // Everything before the command: a failure there says that the command was not run, as
    // one after it says how it ended.
    let prepared: Prepared
    try {
      prepared = await prepare(args, sequence, rest)
    } catch (e) {
      throw args['no-exec'] ? e : saysNotRun(e)
    }
    const { cwd, store, hashOpts, flags, redactor, params, inputs, inputDirs, env, git, capture, newer } = prepared
    let outcome: RunOutcome
    const extra: ExtraFile[] = []
    let captured: FileEntry[] = []
    if (args['no-exec']) {
      outcome = { command: { argv: rest, cwd: commandCwd(store.root), exit_code: null, signal: null }, status: 0 }
    } else {
      outcome = await runCommand(rest, { root: store.root, capture })
      // At exit, whether the run is then written or not: a Ctrl-C stops a loop either way.
      if (outcome.raise !== undefined) endBySignal(outcome.raise)
    }

    // After it: outputs (missing ones recorded as missing), then the run. Should either fail
    // (an output that is a FIFO, a full disk), the command has run all the same: the error says
    // how it ended, and that no run was recorded.
    const ran = args['no-exec'] ? null
      : outcome.command.signal ? `was killed by ${outcome.command.signal}` : outcome.command.exit_code === null ? 'did not start' : `exited ${outcome.command.exit_code}`
    let record: RunRecord
    try {
      if (capture && !args['no-exec']) {
        // What the command printed, whole, or no run: a file the disk (or `ulimit -f`) cut short,
        // or that is gone, would be kept as the command's output.
        const failed = outcome.captureFailed
        if (failed !== undefined) {
          throw new ProvError('E_STORE', `cannot keep the command's ${failed.stream} in the store ${quotePath(store.dir)}: ${describeErrno(failed.error)}`, { hint: fullDiskHint(failed.error) })
        }
        for (const stream of ['stdout', 'stderr'] as const) {
          const file = capture[stream]
          let h
          try {
            h = hashFile(file)
          } catch (e) {
            throw new ProvError('E_STORE', `cannot read the command's captured ${stream} ${quotePath(file)}: ${describeErrno(e)}`)
          }
          captured.push({ path: `<${stream}>`, size: h.size, sha256: h.sha256, stream })
          extra.push({ name: stream, from: file })
        }
      }
      const outputs = [...hashPaths(store, list(args.output), cwd, { ...hashOpts, allowMissing: true, newer }), ...captured]
      const outputDirs = namedDirs(store, list(args.output), cwd, { allowMissing: true })
      warnEmptyOutside(outputDirs, outputs, store.root)
      if (inputDirs.length > 0) outcome.command.input_dirs = inputDirs
      if (outputDirs.length > 0) outcome.command.output_dirs = outputDirs
      // Every source of params, in order, so that diff --workspace can apply them again (as
      // read-params --sources prints them); the -p values are redacted as params are (io/write.ts).
      Object.assign(outcome.command, paramsSources(sequence, store.root, cwd))
      // The policy flags, so that diff --workspace redacts the present as this run was.
      const redaction = redactionRecord(flags)
      if (redaction !== null) outcome.command.redaction = redaction
      const sections = mergeSections([{ command: outcome.command }, { inputs }, { outputs }, { params }, { git }, { env }])
      if (args.message !== undefined) sections.message = args.message
      ;({ record } = storeRun(store, sections, redactor, extra))
    } catch (e) {
      if (ran !== null && e instanceof ProvError) {
        throw new ProvError(e.code, `${e.message} (the command ran and ${ran}; no run was recorded)`, { exitCode: e.exitCode, hint: e.hint, cause: e })
      }
      throw e
    }
    // As sh and env(1) do, and exec: a status of 126 or 127 alone leaves the user guessing.
    if (record.command.error !== undefined) log.error(record.command.error)

    if (!args.quiet) {
      const c = colorsFor(process.stderr)
      const cmd = record.command
      const status = cmd.signal ? `killed by ${cmd.signal}` : cmd.exit_code === null ? 'not run' : `exit ${cmd.exit_code}`
      const parts = [status]
      if (typeof cmd.duration_ms === 'number') parts.push(formatDuration(cmd.duration_ms))
      parts.push(plural(record.inputs.length, 'input'), plural(record.outputs.length, 'output'))
      const missing = record.outputs.filter((o) => o.missing).length
      if (missing > 0) parts.push(c.yellow(`${missing} missing`))
      log.info(`prov: recorded ${c.bold(shortId(record.id))} (${parts.join(', ')})`)
      // Files there before that the command did not write: not its results, though they are named
      // as outputs (a failed run's model is the previous run's).
      const stale = record.outputs.filter((o) => o.stale)
      if (stale.length > 0) {
        const shown = stale.slice(0, 3).map((o) => escapeTerminal(o.path)).join(', ') + (stale.length > 3 ? ` (+${stale.length - 3} more)` : '')
        log.warn(`${plural(stale.length, 'output')} not written by the command (left from before): ${shown}`)
      }
    }
    process.exitCode = outcome.status
  },
})

interface RecordArgs { store?: string; 'no-cache'?: boolean; quiet?: boolean; input?: unknown; output?: unknown; 'no-exec'?: boolean; capture?: boolean; 'redact-var'?: unknown; 'keep-var'?: unknown; 'drop-var'?: unknown }

interface Prepared {
  cwd: string
  store: Store
  hashOpts: { cache: boolean; quiet: boolean | undefined }
  flags: { redact: string[]; keep: string[]; drop: string[] }
  redactor: Redactor
  params: Awaited<ReturnType<typeof readParams>>
  inputs: FileEntry[]
  inputDirs: string[]
  env: Awaited<ReturnType<typeof readEnvSnapshot>>
  git: Awaited<ReturnType<typeof readGitState>>
  capture: { stdout: string; stderr: string } | undefined
  /** the file system's clock just before the command (markerTime): an output not changed since was not written by it; none with --no-exec */
  newer: bigint | undefined
}

/**
 * What record does before the command runs: the code and the environment (git, started first,
 * runs while this process reads the redaction policy, looks for the tools, reads the params and
 * hashes the inputs), the params, the inputs; then the store checked, and the directory for
 * --capture made.
 */
async function prepare(args: RecordArgs, sequence: Array<[string, string]>, argv: readonly string[]): Promise<Prepared> {
  if (sequence.some(([flag, value]) => flag === 'params-file' && value === '-')) {
    throw new UsageError("record cannot read '--params-file -': its standard input is the command's",
      "save the params to a file and name it (it is then hashed as an input too), or name a file '-' as './-'")
  }
  const cwd = process.cwd()
  const store = locateStore({ store: args.store })
  const hashOpts = { cache: !args['no-cache'], quiet: args.quiet }

  let redactor: Redactor | undefined
  const code = readGitState(store, () => redactor!, { cache: hashOpts.cache })
  code.catch(() => { /* awaited below */ })
  const flags = { redact: list(args['redact-var']), keep: list(args['keep-var']), drop: list(args['drop-var']) }
  redactor = loadRedactor(store, flags)
  // A command that runs a Python interpreter lists that one's packages (a venv not activated),
  // and one whose interpreter is not found, or not known, none: the python3 on PATH is another's.
  const found = commandPython(argv, cwd)
  const file = found ? found.file : null
  // A venv in the project: its site-packages read by name, as diff --workspace reads them (which
  // runs nothing of the project's), so that the two agree.
  const inProject = found && file !== null ? projectPython(found.named ?? file, file, [store.root, store.dir]) : null
  const byNames = inProject !== null && inProject !== 'none'
  // (With --no-exec nothing is run, that interpreter neither: only a venv's names are read.)
  const python = found === null ? null : file === null || args['no-exec'] && !byNames ? false : file
  const context = Promise.all([readEnvSnapshot(store, redactor, { python, ...(byNames ? { pythonDirs: inProject.dirs } : {}) }), code])
  context.catch(() => { /* awaited below; a params or input error ends the run first */ })
  const params = await readParams(sequence)
  // The outputs are hashed once the command ended, but what can be known of their paths now
  // (an empty one, a name too long for any file) is an error now, before the command runs.
  // (A '..' after a file or a loop of links, which resolveNamed leaves as written, names no place
  // the command could make the output: said before it runs, as hash-inputs would say it after.)
  for (const p of list(args.output)) {
    assertNamable(p, path.resolve(cwd, p))
    // (Nothing there on the way, 'build/../labels.csv' with no build yet: the command may make it.)
    const unreachable = lookupError(resolveNamed(cwd, p))
    if (unreachable !== null) throw new InputError('E_MISSING', `cannot record ${quotePath(p)} as an output: ${describeErrno(unreachable)}`)
  }
  const paramsFiles = sequence.filter(([k]) => k === 'params-file').map(([, v]) => v)
  const inputs = hashPaths(store, [...list(args.input), ...paramsFiles], cwd, hashOpts)
  // The directories given, so that diff --workspace lists them again (hash-inputs --sources).
  const inputDirs = namedDirs(store, list(args.input), cwd)
  warnEmptyOutside(inputDirs, inputs, store.root)
  const [env, git] = await context

  let capture: Prepared['capture']
  let newer: bigint | undefined
  if (!args['no-exec']) {
    // The store must take the run before the command runs (a job of hours must not run only to
    // find that it cannot be recorded).
    try {
      assertStoreWritable(store)
      // The file system's clock: an output not changed since was not written by the command
      // (stale). With --no-exec nothing runs, and nothing is marked.
      newer = markerTime(store)
    } catch (e) {
      if (e instanceof ProvError) throw new ProvError(e.code, e.message, { exitCode: e.exitCode, hint: e.hint ?? 'name a store you can write with --store or PROV_DIR', cause: e })
      throw e
    }
    const tmp = args.capture ? makeTempDir(store, 'capture') : null
    // The captured files move into the run; the directory that held them goes, however prov ends.
    if (tmp) process.once('exit', () => { try { rmSync(tmp, { recursive: true, force: true }) } catch { /* a store made unwritable: left for a later sweep */ } })
    capture = tmp ? { stdout: path.join(tmp, 'stdout'), stderr: path.join(tmp, 'stderr') } : undefined
  }
  return { cwd, store, hashOpts, flags, redactor, params, inputs, inputDirs, env, git, capture, newer }
}

/**
 * A directory outside the project is recorded by its absolute path: hashing warned of each file
 * in it, and so of the directory, unless it holds none (hash-inputs --sources warns of it alike).
 */
function warnEmptyOutside(dirs: readonly string[], files: readonly FileEntry[], root: string): void {
  for (const d of dirs) {
    if (!d.startsWith('/')) continue
    const prefix = d.endsWith('/') ? d : `${d}/`
    if (!files.some((f) => f.path.startsWith(prefix))) warnOutsideRoot(d, root)
  }
}

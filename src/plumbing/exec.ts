import { accessSync, constants, lstatSync, mkdirSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { defineCommand } from 'citty'
import { runCommand, type RunOutcome } from '../io/run.js'
import { hashFile } from '../io/hash.js'
import { statIfAny } from '../io/read.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson } from '../io/stdio.js'
import { log } from '../io/log.js'
import { locateStore, writeFileAtomic } from '../io/store.js'
import { assertValid } from '../schema.js'
import { quotePath } from '../core/paths.js'
import type { FileEntry } from '../core/record.js'
import { InputError, UsageError, describeErrno } from '../errors.js'
import { list, prettyArg, storeArg, varFlags, VAR_FLAGS, type RunData } from './_args.js'
import { command as commandValidator } from '../generated/validators/command.js'
import { outputs as outputsValidator } from '../generated/validators/outputs.js'

/** How CMD ended, for an error after it ran: its status is otherwise lost. */
function howItEnded(o: RunOutcome): string {
  return o.command.signal ? `was killed by ${o.command.signal}` : o.command.exit_code === null ? 'did not start' : `exited ${o.command.exit_code}`
}

/**
 * A file of prov's own, written whole or not at all (a full disk leaves no empty or partial
 * document for a later write-run to take). A failure is prov's (exit 125), named by its path.
 */
function writeOwn(file: string, text: string, outcome: RunOutcome): void {
  try {
    // A device or FIFO (--out /dev/stdout into a pipe, a named pipe) is written as it is: a rename
    // would replace it with a file. A file is replaced where it is, through symbolic links, and
    // a link to a file not there yet makes that file, as `>` does.
    const st = statSync(file, { throwIfNoEntry: false })
    if (st !== undefined && !st.isFile()) writeFileSync(file, text)
    else writeFileAtomic(st !== undefined ? realpathSync(file) : landsAt(file), text)
  } catch (e) {
    throw new InputError('E_WRITE', `cannot write ${quotePath(file)}: ${describeErrno(e)} (the command ran and ${howItEnded(outcome)})`)
  }
}

const NOT_RUN = 'the command was not run'

/**
 * Where a write to `file`, which is not there, lands: a symbolic link to nothing followed as the
 * kernel follows it (each link read from the real directory that holds it, so `..` in a link
 * inside a linked directory goes where the shell's `>` goes). Throws what following it meets.
 */
function landsAt(file: string): string {
  let p = path.resolve(file)
  for (let hops = 0; hops <= 40; hops++) { // the kernel's limit, then ELOOP
    const dir = realpathSync(path.dirname(p))
    p = path.join(dir, path.basename(p))
    if (lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() !== true) return p
    p = path.resolve(dir, readlinkSync(p))
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' })
}

/** The file a write to `file` would change, as best it can be told (for comparing paths). */
function finalPath(file: string): string {
  try { return realpathSync(file) } catch { /* not there */ }
  try { return landsAt(file) } catch { return path.resolve(file) }
}

const isSymlink = (p: string): boolean => { try { return lstatSync(p).isSymbolicLink() } catch { return false } }
const isWithin = (child: string, parent: string): boolean => child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep)

/** The nearest directory at or above `dir` that exists, and the names below it still to make. */
function existingAncestor(dir: string): { base: string; missing: string[] } {
  const missing: string[] = []
  let base = path.normalize(dir) // as the user wrote it, for messages
  while (statIfAny(base) === undefined) {
    const up = path.dirname(base)
    if (up === base) break
    missing.unshift(path.basename(base))
    base = up
  }
  return { base, missing }
}

/** A directory prov can make files in and remove them from (a rename needs both). */
function writableDir(dir: string, shown: string): string | null {
  try {
    if (!statSync(dir).isDirectory()) return `${quotePath(shown)} is not a directory`
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch (e) {
    return `${quotePath(shown)}: ${describeErrno(e)}`
  }
  return null
}

/**
 * Whether prov could write `file` (--out), tried before CMD runs as the shell tries a `>`
 * redirection: where it lands (through symbolic links) is a directory prov may write in, and
 * it is not a directory nor a file prov may not write. `madeDir` is the --capture directory,
 * checked before: a directory of `file` that it will make is not there yet, and need not be.
 */
function checkWritable(file: string, flag: string, madeDir?: string): void {
  const abs = path.resolve(file)
  let why: string | null = null
  try {
    const st = statIfAny(abs) // a part of the path that is a file is said below
    if (st?.isDirectory()) why = 'it is a directory'
    else if (st !== undefined) {
      accessSync(abs, constants.W_OK)
      if (st.isFile()) {
        // Replaced by a rename in the directory of the file it names (through a symbolic link).
        const real = realpathSync(abs)
        why = writableDir(path.dirname(real), isSymlink(abs) ? path.dirname(real) : path.dirname(file))
      }
    } else {
      const dir = path.dirname(abs)
      const made = madeDir !== undefined && statIfAny(dir) === undefined && isWithin(path.resolve(madeDir), dir)
      if (!made) {
        why = writableDir(dir, path.dirname(file))
        if (why === null && isSymlink(abs)) {
          // A link to a file not there yet: made where it points.
          let target: string | null = null
          try { target = landsAt(abs) } catch (e) { why = `it is a symbolic link to ${quotePath(readlinkSync(abs))}: ${describeErrno(e)}` }
          if (target !== null) why = writableDir(path.dirname(target), path.dirname(target))
        }
      }
    }
  } catch (e) {
    why = describeErrno(e)
  }
  if (why !== null) throw new InputError('E_WRITE', `cannot write ${flag} ${quotePath(file)}: ${why}`, NOT_RUN)
}

/**
 * The --capture directory, checked: one that is there, or one whose nearest existing parent prov
 * may make it in; and none of the files it will write is a directory.
 */
function checkCaptureDir(dir: string, files: string[]): void {
  const fail = (why: string): never => { throw new InputError('E_WRITE', `cannot capture into ${quotePath(dir)}: ${why}`, NOT_RUN) }
  try {
    const st = statIfAny(dir)
    if (st !== undefined && !st.isDirectory()) fail('it exists and is not a directory')
    const { base } = existingAncestor(dir)
    const why = writableDir(base, st === undefined ? base : dir)
    if (why !== null) fail(why)
    for (const f of files) {
      if (statIfAny(f)?.isDirectory()) throw new InputError('E_WRITE', `cannot capture into ${quotePath(f)}: it is a directory`, NOT_RUN)
    }
  } catch (e) {
    if (e instanceof InputError) throw e
    fail(describeErrno(e)) // a loop of links, a directory prov may not search
  }
}

/**
 * The capture directory made one level at a time: Node's recursive mkdir never returns on some
 * paths (under /proc), where this fails naming the directory.
 */
function makeDir(dir: string): void {
  try {
    const { base, missing } = existingAncestor(dir)
    let at = base
    for (const name of missing) {
      at = path.join(at, name)
      try {
        mkdirSync(at)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statIfAny(at)?.isDirectory()) continue
        throw e
      }
    }
  } catch (e) {
    throw new InputError('E_WRITE', `cannot make the directory ${quotePath(dir)}: ${describeErrno(e)}`, NOT_RUN)
  }
}

export default defineCommand({
  meta: {
    name: 'exec',
    description: 'Run a command (no shell) and describe how it ran as {"command": {...}}; exits with its status',
    takesCommand: true,
    operands: '-- <command> [<arg>...]',
    failureCode: 125,
    repeatable: VAR_FLAGS,
  },
  args: {
    out: { type: 'string', valueHint: 'file', description: 'Write the document to this file; CMD keeps prov\'s stdout. Without it the document goes to stdout and CMD\'s stdout to stderr' },
    capture: { type: 'string', valueHint: 'dir', description: 'Also keep CMD\'s stdout and stderr (still passed on) in <dir>/stdout and <dir>/stderr, described as outputs <stdout> and <stderr> in <dir>/outputs.json, which prov write-run takes them from' },
    ...varFlags,
    ...storeArg,
    ...prettyArg,
  },
  async run({ args, data }) {
    const argv = (data as RunData).rest
    if (argv === null || argv.length === 0) throw new UsageError('no command given', "usage: prov exec [--out <file>] [--capture <dir>] -- <command> [<arg>...]")
    if (args.capture === '') throw new UsageError("--capture needs a directory, not ''")
    if (args.out === '') throw new UsageError("--out needs a file, not ''")
    // All that can fail before CMD runs is tried first: prov's own failure then leaves CMD unrun,
    // rather than its status lost. The store's policy (config.json) included.
    const store = locateStore({ store: args.store })
    const redactor = loadRedactor(store, { redact: list(args['redact-var']), keep: list(args['keep-var']), drop: list(args['drop-var']) })
    let capture: { stdout: string; stderr: string; outputs: string } | undefined
    if (args.capture !== undefined) {
      const dir = args.capture
      capture = { stdout: path.join(dir, 'stdout'), stderr: path.join(dir, 'stderr'), outputs: path.join(dir, 'outputs.json') }
      // By where the writes land: --out may name a capture file through a symbolic link.
      if (args.out !== undefined && Object.values(capture).some((f) => path.resolve(f) === path.resolve(args.out!) || finalPath(f) === finalPath(args.out!))) {
        throw new UsageError(`--out ${quotePath(args.out)} is one of the files --capture writes (stdout, stderr, outputs.json)`, 'write the document elsewhere, e.g. beside the capture directory')
      }
      checkCaptureDir(dir, Object.values(capture))
    }
    // Every check before anything is changed: a refused --out leaves an earlier capture as it was.
    if (args.out !== undefined) checkWritable(args.out, '--out', args.capture)
    if (capture !== undefined) {
      makeDir(args.capture!)
      // What an earlier exec left there must not pass for this one's.
      for (const f of Object.values(capture)) {
        try {
          rmSync(f, { force: true })
        } catch (e) {
          throw new InputError('E_WRITE', `cannot replace ${quotePath(f)}: ${describeErrno(e)}`, NOT_RUN)
        }
      }
    }
    const outcome = await runCommand(argv, { root: store.root, stdoutToStderr: args.out === undefined, capture })
    if (outcome.command.error !== undefined) {
      outcome.command.error = redactor.redactCommandError(outcome.command.error, outcome.command.argv)
      log.error(outcome.command.error) // as sh and env(1) do: exit 126/127 alone leaves the user guessing
    }
    outcome.command.argv = redactor.redactArgv(outcome.command.argv)
    if (capture !== undefined) {
      // As record --capture keeps them: outputs named <stderr> and <stdout>, sorted by path.
      const outputs: FileEntry[] = []
      for (const stream of ['stderr', 'stdout'] as const) {
        const file = capture[stream]
        if (statSync(file, { throwIfNoEntry: false }) === undefined) continue // CMD never started
        const h = hashFile(file)
        outputs.push({ path: `<${stream}>`, size: h.size, sha256: h.sha256, stream })
      }
      const doc = { outputs }
      assertValid('outputs', outputsValidator, doc, 'the exec --capture outputs')
      writeOwn(capture.outputs, JSON.stringify(doc, null, args.pretty ? 2 : undefined) + '\n', outcome)
    }
    const doc = { command: outcome.command }
    assertValid('command', commandValidator, doc, 'the exec output')
    if (args.out !== undefined) writeOwn(args.out, JSON.stringify(doc, null, args.pretty ? 2 : undefined) + '\n', outcome)
    else await emitJson(doc, args.pretty)
    process.exitCode = outcome.status
  },
})

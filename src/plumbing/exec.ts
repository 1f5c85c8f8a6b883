import { accessSync, closeSync, constants, fstatSync, openSync, lstatSync, mkdirSync, readlinkSync, realpathSync, statSync, truncateSync, unlinkSync, writeFileSync, type Stats } from 'node:fs'
import path from 'node:path'
import { defineCommand } from 'citty'
import { runCommand, endBySignal, type RunOutcome } from '../io/run.js'
import { hashFile } from '../io/hash.js'
import { statIfAny } from '../io/read.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson, emitText } from '../io/stdio.js'
import { log } from '../io/log.js'
import { locateStore, writeFileAtomic } from '../io/store.js'
import { assertValid } from '../schema.js'
import { quotePath } from '../core/paths.js'
import type { FileEntry } from '../core/record.js'
import { InputError, UsageError, describeErrno, fullDiskHint, saysNotRun } from '../errors.js'
import { list, prettyArg, storeArg, varFlagsOf, VAR_FLAGS, type RunData } from './_args.js'
import { command as commandValidator } from '../generated/validators/command.js'
import { outputs as outputsValidator } from '../generated/validators/outputs.js'

/** How CMD ended, for an error after it ran: its status is otherwise lost. */
function howItEnded(o: RunOutcome): string {
  return o.command.signal ? `was killed by ${o.command.signal}` : o.command.exit_code === null ? 'did not start' : `exited ${o.command.exit_code}`
}

/** `name` in directory `dir`, joined as text only: `x/..` stays for the kernel to resolve. */
const inDir = (dir: string, name: string): string => (dir.endsWith('/') ? dir : dir + '/') + name

/** The descriptor a path names (/dev/stdout, /dev/fd/N, /proc/self/fd/N, through links), or null. */
function namedDescriptor(file: string): number | null {
  let p = path.isAbsolute(file) ? file : inDir(process.cwd(), file)
  for (let hops = 0; hops <= 40; hops++) {
    // Its directory as the kernel reads it: /dev/fd, a link to it, /proc/self/root/dev/fd all
    // lead to /proc/<pid>/fd.
    try { p = inDir(realpathSync.native(path.dirname(p)), path.basename(p)) } catch { return null }
    const m = /^\/(?:dev\/fd|proc\/(?:self|thread-self|(\d+))\/fd)\/(\d+)$/.exec(p)
    if (m && (m[1] === undefined || Number(m[1]) === process.pid)) return Number(m[2])
    let target: string
    try {
      if (!lstatSync(p).isSymbolicLink()) return null
      target = readlinkSync(p)
    } catch {
      return null
    }
    p = path.isAbsolute(target) ? target : inDir(path.dirname(p), target)
  }
  return null
}

/**
 * A file of prov's own, written whole or not at all (a full disk leaves no empty or partial
 * document for a later write-run to take), but where `>` would write it in place (replaceFile)
 * or it is a descriptor, device or pipe. A failure is prov's (exit 125), named by its path.
 */
async function writeOwn(file: string, text: string, outcome: RunOutcome): Promise<void> {
  const fd = namedDescriptor(file)
  if (fd === 1) return emitText(text) // as a pipe's reader gone ends stdout: 141
  try {
    if (fd === 2) {
      // To the descriptor itself, as bash writes `>/dev/stderr`: opened again by name, a file
      // it leads to would be truncated (or replaced), and what the shell appends after lost.
      await new Promise<void>((resolve, reject) => process.stderr.write(text, (e) => (e ? reject(e) : resolve())))
      return
    }
    // A device or FIFO (a named pipe, /dev/null) is written as it is: a rename would replace it.
    const st = statSync(file, { throwIfNoEntry: false })
    if (st !== undefined && !st.isFile()) writeFileSync(file, text)
    else if (st !== undefined) replaceFile(realpathSync.native(file), text, st)
    else writeFileAtomic(landsAt(file), text, 0o666) // as `>` makes it (0666 less the umask), through a link too
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(141)
    throw new InputError('E_WRITE', `cannot write ${quotePath(file)}: ${describeErrno(e)} (the command ran and ${howItEnded(outcome)})`)
  }
}

/** The regular file --out names before CMD runs (through a link, as `>` writes it), or undefined: a descriptor, FIFO or device, or nothing there. */
function earlierOut(file: string): Stats | undefined {
  if (namedDescriptor(file) !== null) return undefined
  try {
    const st = statSync(file, { throwIfNoEntry: false })
    return st?.isFile() === true ? st : undefined
  } catch {
    return undefined
  }
}

/**
 * After CMD ran and prov failed: the --out file an earlier exec wrote, emptied (a regular file
 * only, through a link as `>` writes it; a descriptor, FIFO or device is left alone), and the
 * error saying so. Only the file that was there before CMD ran (`before`), as it was then, or as
 * prov's own failed write in place left it (`written`): a file made or replaced meanwhile (by the
 * command, or another process: its own document) is not prov's to empty.
 */
function emptyEarlierOut(file: string, e: InputError, before: Stats | undefined, written: boolean): InputError {
  if (before === undefined || namedDescriptor(file) !== null) return e
  try {
    const st = statSync(file, { throwIfNoEntry: false })
    if (st === undefined || !st.isFile() || st.size === 0) return e
    if (st.dev !== before.dev || st.ino !== before.ino) return e
    if (!written && (st.size !== before.size || st.mtimeMs !== before.mtimeMs || st.ctimeMs !== before.ctimeMs)) return e
    truncateSync(file, 0)
  } catch {
    return e
  }
  return new InputError(e.code, `${e.message}; the earlier document in ${quotePath(file)} was emptied, so that it does not pass for this run's`, e.hint)
}

/**
 * A regular file replaced by a rename when the new one can be the same to everyone: its mode
 * and owner kept, no other hard link to it, a directory prov may write in. Otherwise it is
 * written in place, as the shell's `>` writes it (a file in a directory prov may not write,
 * someone else's file in a sticky /tmp, a file with two names).
 */
function replaceFile(target: string, text: string, st: Stats): void {
  const euid = process.geteuid?.() ?? -1
  let renameOk = st.nlink === 1 && (euid === 0 || st.uid === euid)
  if (renameOk) {
    try { accessSync(path.dirname(target), constants.W_OK | constants.X_OK) } catch { renameOk = false }
  }
  if (renameOk) {
    try {
      writeFileAtomic(target, text, 0o600, { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid })
      return
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      // Refused (a file owned elsewhere, a name too long for a temporary beside it), or not to
      // be renamed over (a bind-mounted file: EBUSY): written in place, as `>` writes it.
      if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENAMETOOLONG' && code !== 'EBUSY' && code !== 'EXDEV') throw e
    }
  }
  writeFileSync(target, text)
}

const NOT_RUN = 'the command was not run'

/**
 * Where a write to `file`, which is not there, lands: a symbolic link to nothing followed as the
 * kernel follows it (each link read from the real directory that holds it, so `..` in a link
 * inside a linked directory goes where the shell's `>` goes). Throws what following it meets.
 */
function landsAt(file: string): string {
  let p = file
  for (let hops = 0; hops <= 40; hops++) { // the kernel's limit, then ELOOP
    const dir = realpathSync.native(path.dirname(p))
    p = inDir(dir, path.basename(p))
    if (lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() !== true) return p
    const target = readlinkSync(p)
    // `>` through a link to 'd/' makes no file 'd': the name says a directory.
    if (target.endsWith('/')) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    p = path.isAbsolute(target) ? target : inDir(dir, target)
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' })
}

/** `p` as the identity of its nearest existing directory (device, inode) and the names below it: one for every name of a place, bind mounts included. */
function identity(p: string): string {
  try {
    const { base, missing } = existingAncestor(p)
    const st = statSync(base)
    return [`${st.dev}:${st.ino}`, ...missing].join('/')
  } catch {
    return physical(p)
  }
}

/** `p` with its existing part resolved by the kernel (links, then `..`), the rest as written. */
function physical(p: string): string {
  try {
    const { base, missing } = existingAncestor(p)
    return path.join(realpathSync.native(base), ...missing)
  } catch {
    return path.resolve(p) // what cannot be looked up (EACCES, ELOOP) is said by the checks
  }
}

/** The file a write to `file` would change, as best it can be told (for comparing names). */
function finalPath(file: string): string {
  try { return realpathSync.native(file) } catch { /* not there */ }
  try { return landsAt(file) } catch { return physical(file) }
}

/** Whether two names lead to one file: the same path, or the same name in one directory (a bind mount). */
function sameFile(a: string, b: string): boolean {
  const fa = finalPath(a)
  const fb = finalPath(b)
  if (fa === fb) return true
  if (path.basename(fa) !== path.basename(fb)) return false
  const da = statIfAny(path.dirname(fa))
  const db = statIfAny(path.dirname(fb))
  return da !== undefined && db !== undefined && da.dev === db.dev && da.ino === db.ino
}

/** A directory name without its trailing slashes ('//' is '/'). */
const stripSlashes = (p: string): string => p.replace(/(.)\/+$/, '$1')
const isSymlink = (p: string): boolean => { try { return lstatSync(p).isSymbolicLink() } catch { return false } }
const isWithin = (child: string, parent: string): boolean => child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep)

/** The nearest directory at or above `dir` that exists (by the kernel's reading), and the names below it still to make. */
function existingAncestor(dir: string): { base: string; missing: string[] } {
  const missing: string[] = []
  let base = stripSlashes(dir)
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
 * redirection: a descriptor it names is open; a file there is not a directory and prov may
 * write it; a file not there can be made where it lands (through symbolic links). `madeDir` is
 * the --capture directory, checked before: a directory of `file` it will make need not be there.
 */
function checkWritable(file: string, flag: string, madeDir?: string): void {
  let why: string | null = null
  try {
    const fd = namedDescriptor(file)
    if (file.endsWith('/')) why = 'it names a directory'
    else if (fd !== null) {
      // Only prov's standard output and error: the other descriptors of a Node process are its own.
      if (fd !== 1 && fd !== 2) why = `prov writes to descriptor 1 or 2 by such a name, not ${fd}: name the file instead`
      else fstatSync(fd)
    } else {
      const st = statIfAny(file) // a part of the path that is a file is said below
      if (st?.isDirectory()) why = 'it is a directory'
      else if (st?.isSocket()) why = 'it is a socket'
      else if (st !== undefined && st.isFIFO()) accessSync(file, constants.W_OK) // opened when written: as `>`, it waits for a reader
      else if (st !== undefined) {
        // Opened for writing as `>` opens it, without truncating: access() passes an append-only
        // file and a device that cannot be opened, which the write would then fail on.
        closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY))
      }
      else {
        const dir = path.dirname(file)
        const made = madeDir !== undefined && statIfAny(dir) === undefined && isWithin(physical(madeDir), physical(dir))
        if (!made) {
          why = writableDir(dir, dir)
          if (why === null && isSymlink(file)) {
            // A link to a file not there yet: made where it points.
            let target: string | null = null
            try { target = landsAt(file) } catch (e) { why = `it is a symbolic link to ${quotePath(readlinkSync(file))}: ${describeErrno(e)}` }
            if (target !== null) why = writableDir(path.dirname(target), path.dirname(target))
          }
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
 * may make it in; what is there under the names it writes is a regular file prov may remove
 * (it replaces what an earlier exec left, and nothing else: never a link, device or directory).
 */
function checkCaptureDir(dir: string, files: string[]): void {
  const fail = (why: string): never => { throw new InputError('E_WRITE', `cannot capture into ${quotePath(dir)}: ${why}`, NOT_RUN) }
  try {
    const st = statIfAny(dir)
    const bare = stripSlashes(dir)
    if (st !== undefined ? !st.isDirectory() : statIfAny(bare) !== undefined) fail('it exists and is not a directory')
    const { base } = existingAncestor(dir)
    const why = writableDir(base, st === undefined ? base : dir)
    if (why !== null) fail(why)
    if (st === undefined) return
    const euid = process.geteuid?.() ?? -1
    for (const f of files) {
      const l = lstatSync(f, { throwIfNoEntry: false })
      if (l === undefined) continue
      if (!l.isFile()) {
        throw new InputError('E_WRITE', `cannot capture into ${quotePath(f)}: it is ${l.isDirectory() ? 'a directory' : l.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`, `${NOT_RUN}; prov replaces only the files an earlier exec left there`)
      }
      // A sticky directory (/tmp) lets only a file's owner (or the directory's) remove it.
      if (euid !== 0 && (st.mode & 0o1000) !== 0 && l.uid !== euid && st.uid !== euid) {
        throw new InputError('E_WRITE', `cannot capture into ${quotePath(f)}: it belongs to another user, in a sticky directory`, NOT_RUN)
      }
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
      at = inDir(at, name)
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
    ...varFlagsOf('names in the command line (NAME=V, --name V)'),
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
      capture = { stdout: inDir(dir, 'stdout'), stderr: inDir(dir, 'stderr'), outputs: inDir(dir, 'outputs.json') }
      if (args.out !== undefined) {
        // By where the writes land: --out may name a capture file through a link, a bind mount;
        // or name the capture directory (one above it) that is not there yet.
        // (A path that cannot be looked up is no overlap here: the checks below say what it is.)
        let overlap: string | null = null
        try {
          if (Object.values(capture).some((f) => sameFile(f, args.out!))) overlap = 'is one of the files --capture writes (stdout, stderr, outputs.json)'
          else if (statIfAny(args.out) === undefined && isWithin(identity(dir), identity(finalPath(args.out)))) {
            overlap = 'is the directory --capture makes, or one above it'
          }
        } catch { /* said below */ }
        if (overlap !== null) throw new UsageError(`--out ${quotePath(args.out)} ${overlap}`, `${NOT_RUN}: write the document elsewhere, e.g. beside the capture directory`)
      }
      checkCaptureDir(dir, Object.values(capture))
    }
    // Every check before anything is changed: a refused --out leaves an earlier capture as it was.
    if (args.out !== undefined) checkWritable(args.out, '--out', args.capture)
    // argv as the document holds it, redacted before CMD runs: a secret in it makes the store's key
    // on its first use, and a store that cannot take one (a link to a disk not mounted) then
    // fails with CMD unrun, not after it ran, its status lost; and before an earlier capture is
    // removed, as the other refusals are.
    let redactedArgv: string[]
    try { redactedArgv = redactor.redactArgv(argv) } catch (e) { throw saysNotRun(e) }
    if (capture !== undefined) {
      makeDir(args.capture!)
      // What an earlier exec left there must not pass for this one's.
      for (const f of Object.values(capture)) {
        try {
          unlinkSync(f)
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError('E_WRITE', `cannot replace ${quotePath(f)}: ${describeErrno(e)}`, NOT_RUN)
        }
      }
    }
    // The document an earlier exec left in --out, as it is before CMD runs: emptied if prov fails after.
    const before = args.out !== undefined ? earlierOut(args.out) : undefined
    let writingOut = false
    let wroteOutputs = false
    const outcome = await runCommand(argv, { root: store.root, stdoutToStderr: args.out === undefined, capture })
    // At exit, whether the document is then written or not: a Ctrl-C stops a loop either way.
    if (outcome.raise !== undefined) endBySignal(outcome.raise)
    if (outcome.command.error !== undefined) {
      outcome.command.error = redactor.redactCommandError(outcome.command.error, outcome.command.argv)
      log.error(outcome.command.error) // as sh and env(1) do: exit 126/127 alone leaves the user guessing
    }
    outcome.command.argv = redactedArgv
    try {
      if (capture !== undefined) {
        // A file the disk (or `ulimit -f`) cut short holds only part of what the command printed.
        const failed = outcome.captureFailed
        if (failed !== undefined) throw new InputError('E_WRITE', `cannot write the captured ${failed.stream} ${quotePath(capture[failed.stream])}: ${describeErrno(failed.error)} (the command ran and ${howItEnded(outcome)})`, fullDiskHint(failed.error))
        // As record --capture keeps them: outputs named <stderr> and <stdout>, sorted by path.
        const outputs: FileEntry[] = []
        for (const stream of ['stderr', 'stdout'] as const) {
          const file = capture[stream]
          // prov made both files before CMD ran (empty, for one that never started); CMD may have
          // removed or replaced them (its own capture directory is within its reach).
          try {
            if (!lstatSync(file).isFile()) throw new Error('it is no longer a regular file')
            const h = hashFile(file)
            outputs.push({ path: `<${stream}>`, size: h.size, sha256: h.sha256, stream })
          } catch (e) {
            throw new InputError('E_WRITE', `cannot read the captured ${stream} ${quotePath(file)}: ${describeErrno(e)} (the command ran and ${howItEnded(outcome)})`)
          }
        }
        const doc = { outputs }
        assertValid('outputs', outputsValidator, doc, 'the exec --capture outputs')
        await writeOwn(capture.outputs, JSON.stringify(doc, null, args.pretty ? 2 : undefined) + '\n', outcome)
        wroteOutputs = true
      }
      const doc = { command: outcome.command }
      assertValid('command', commandValidator, doc, 'the exec output')
      if (args.out !== undefined) {
        writingOut = true
        await writeOwn(args.out, JSON.stringify(doc, null, args.pretty ? 2 : undefined) + '\n', outcome)
      } else await emitJson(doc, args.pretty)
    } catch (e) {
      // The step failed: no outputs.json is left for write-run to take (--out could not be written).
      if (wroteOutputs && capture !== undefined) { try { unlinkSync(capture.outputs) } catch { /* gone already */ } }
      // A document an earlier exec wrote must not pass for this run's: emptied, as the shell's `>`
      // leaves a step's file that failed (write-run then says the step failed).
      if (args.out !== undefined && e instanceof InputError) throw emptyEarlierOut(args.out, e, before, writingOut)
      throw e
    }
    process.exitCode = outcome.status
  },
})

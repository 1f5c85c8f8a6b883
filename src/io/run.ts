// Running the user's command: no shell, stdio passed through untouched (or teed into files
// with --capture), SIGINT/SIGTERM/SIGHUP/SIGQUIT forwarded, and the outcome described as a
// command section.
//
// CMD is spawned with node:child_process, as git is (src/io/git.ts), not with execa: loading
// execa's bundle took 50-80 ms of `prov record`'s start-up on our 2-core machines, over half of
// the issue's +100 ms budget for a whole record, and record needs none of what it adds here
// (no shell, no buffering, no piping between processes). The tests still drive prov with execa.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs'
import { constants } from 'node:os'
import path from 'node:path'
import { isatty } from 'node:tty'
import type { Readable, Writable } from 'node:stream'
import type { CommandSection } from '../core/record.js'
import { toRecordPath } from '../core/paths.js'
import { describeErrno } from '../errors.js'
import { log } from './log.js'

export interface RunOutcome {
  command: CommandSection
  /** the status prov exits with: CMD's own, 128+N on signal N, 126/127 when it could not run */
  status: number
  /**
   * The signal CMD died of, where prov was sent it too while CMD ran (a Ctrl-C, a scheduler's
   * SIGTERM): prov ends by it in turn once the run is written (endBySignal), SIGQUIT aside.
   */
  raise?: NodeJS.Signals
  /**
   * With `capture`: a stream that could not be written in full to its file (a full disk, a file
   * size limit, `ulimit -f`): the file holds only a part of what the command printed, which no
   * run may keep as its output. (What prov passes on to its own streams is not affected.)
   */
  captureFailed?: { stream: 'stdout' | 'stderr'; error: NodeJS.ErrnoException }
}

/**
 * End prov by `sig` once it has done all it does at exit (this handler is added last), as CMD
 * ended: a shell running prov in a loop, or make, stops at a Ctrl-C only when what it ran died of
 * SIGINT. A program that catches SIGINT and then exits 130 is taken to have handled it, and the
 * loop goes on (bash's "wait and cooperative exit"), as git and make know. The status a shell
 * shows is the same, 128+N.
 */
export function endBySignal(sig: NodeJS.Signals): void {
  process.once('exit', () => {
    // No listener left: the signal's default action, as if prov had never caught it.
    process.removeAllListeners(sig)
    try { process.kill(process.pid, sig) } catch { /* the exit status stands */ }
  })
}

/** The signals prov ends by when CMD died of one that prov was sent too. SIGQUIT is left out: its default action dumps core. */
const RAISED: ReadonlySet<string> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP'])
/** How many 10 ms ticks prov waits for its own copy of the signal CMD died of (a signal sent to CMD alone costs them all). */
const RAISE_WAIT_TICKS = 5

export interface RunOptions {
  root: string
  /** tee CMD's stdout and stderr into these files */
  capture?: { stdout: string; stderr: string }
  /** send CMD's stdout to prov's stderr (so prov's stdout carries only a JSON document) */
  stdoutToStderr?: boolean
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const
/** spawn errors that mean "could not run": 127 for not found, 126 for the rest (as sh does). */
const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR'])
const NOT_RUNNABLE = new Set(['EACCES', 'ENOEXEC', 'EISDIR', 'EPERM'])

interface Ended { code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException; captureFailed?: RunOutcome['captureFailed'] }

/**
 * Copy one of CMD's streams to prov's own and to a file; resolves when the file has all of it,
 * or once it failed (said to `onFail`; the stream is still passed on to its end).
 */
function tee(from: Readable, to: Writable, file: string, onFail: (e: NodeJS.ErrnoException) => void): Promise<void> {
  const out: WriteStream = createWriteStream(file, { mode: 0o600 })
  const written = new Promise<void>((resolve) => {
    out.once('close', () => resolve())
    out.once('error', (e: NodeJS.ErrnoException) => { onFail(e); resolve() })
  })
  // A reader of prov's stdout that went away must not end CMD or prov: what it misses is dropped.
  // Any other failure (a full disk) is said once; the file still gets all of it.
  let passing = true
  const stopPassing = (e: NodeJS.ErrnoException): void => {
    passing = false
    if (e?.code !== 'EPIPE') log.warn(`cannot pass the command's output on: ${describeErrno(e)} (the run keeps all of it)`)
  }
  to.once('error', stopPassing)
  from.on('data', (chunk: Buffer) => {
    out.write(chunk)
    if (passing) to.write(chunk)
  })
  let ended = false
  const end = (): void => {
    if (ended) return
    ended = true
    to.off('error', stopPassing)
    out.end()
  }
  from.once('end', end)
  from.once('close', end)
  from.once('error', end)
  return written
}

export async function runCommand(argv: readonly string[], opts: RunOptions): Promise<RunOutcome> {
  const [file, ...args] = argv
  const cwd = commandCwd(opts.root)
  const started = new Date()
  // process.hrtime, not performance.now(): the global's first use loads perf_hooks (~1-2 ms).
  const t0 = process.hrtime.bigint()
  const stdout = opts.capture ? 'pipe' : opts.stdoutToStderr ? 2 : 'inherit'
  const stderr = opts.capture ? 'pipe' : 'inherit'
  // A Ctrl-C at a terminal already reaches CMD, which shares prov's process group: forwarding
  // SIGINT/SIGQUIT there too would deliver it twice. Signals sent to prov alone are forwarded.
  // The handlers are in place before CMD starts, so that a signal cannot kill prov, unrecorded,
  // and leave CMD running; they run from the event loop, after `child` is set.
  const atTerminal = isatty(0) || isatty(2) // not process.stdin: making it costs ms, and can read
  let child: ChildProcess | undefined
  const received = new Set<NodeJS.Signals>()
  const forward = (sig: NodeJS.Signals): void => {
    received.add(sig)
    if (atTerminal && (sig === 'SIGINT' || sig === 'SIGQUIT')) return
    try { child?.kill(sig) } catch { /* already gone */ }
  }
  for (const s of FORWARDED) process.on(s, forward)
  let ended: Ended
  try {
    ended = await new Promise<Ended>((resolve) => {
      const teed: Array<Promise<void>> = []
      // The stream whose file failed first (a disk filled by stderr fails stdout's next write too).
      let captureFailed: RunOutcome['captureFailed']
      const failed = (stream: 'stdout' | 'stderr') => (error: NodeJS.ErrnoException): void => { captureFailed ??= { stream, error } }
      let exited: Ended | undefined
      let settled = false
      const finish = (e: Ended): void => {
        if (settled) return
        settled = true
        void Promise.all(teed).then(() => resolve(captureFailed === undefined ? e : { ...e, captureFailed }))
      }
      // A command that never started printed nothing: its captured streams are empty files, as
      // they are when spawning fails later (not found, not executable). (Like tee's, a file that
      // cannot be made is left out: the outputs then hold no such stream.)
      const nothingCaptured = (): void => {
        for (const f of opts.capture ? [opts.capture.stdout, opts.capture.stderr] : []) {
          try { writeFileSync(f, '', { mode: 0o600 }) } catch { /* left out, as above */ }
        }
      }
      // An empty name names no program: as env(1) and sh have it, not found (Node refuses it).
      if (file === '') {
        nothingCaptured()
        finish({ code: null, signal: null, error: Object.assign(new Error('empty command name'), { code: 'ENOENT' }) })
        return
      }
      try {
        child = spawn(file!, args, { stdio: ['inherit', stdout, stderr], shell: false, windowsHide: true })
      } catch (e) {
        // spawn throws for arguments it refuses (a NUL byte, say) before any process exists
        nothingCaptured()
        finish({ code: null, signal: null, error: e as NodeJS.ErrnoException })
        return
      }
      if (opts.capture) {
        teed.push(tee(child.stdout!, opts.stdoutToStderr ? process.stderr : process.stdout, opts.capture.stdout, failed('stdout')))
        teed.push(tee(child.stderr!, process.stderr, opts.capture.stderr, failed('stderr')))
      }
      child.once('error', (e: NodeJS.ErrnoException) => {
        // Spawning failed: there is no process, and no 'exit' to wait for. (Once CMD runs, an
        // error can only be a failed kill; its 'exit' still comes.)
        if (child?.pid === undefined) finish({ code: null, signal: null, error: e })
      })
      child.once('exit', (code, signal) => { exited = { code, signal } })
      // 'close' comes after 'exit' and after CMD's piped streams have ended.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => finish(exited ?? { code, signal }))
    })
    // A Ctrl-C reaches CMD and prov at once, but prov hears of its own from the event loop, which
    // may tell of CMD's end first (a loaded machine): where CMD died of a signal prov ends by,
    // prov's own is waited for a little before its handlers go. Else it would exit 128+N as if it
    // had handled the signal, and a shell loop of records would go on after a Ctrl-C.
    const sig = ended.signal
    for (let k = 0; k < RAISE_WAIT_TICKS && sig !== null && RAISED.has(sig) && !received.has(sig); k++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  } finally {
    for (const s of FORWARDED) process.off(s, forward)
  }
  const ended_ = new Date()
  const command: CommandSection = {
    argv: [...argv],
    cwd,
    exit_code: null,
    signal: null,
    started_at: started.toISOString(),
    ended_at: ended_.toISOString(),
    duration_ms: Math.round(Number(process.hrtime.bigint() - t0) / 1000) / 1000,
  }
  const outcome = describeEnd(command, ended, file!, received)
  if (ended.captureFailed !== undefined) outcome.captureFailed = ended.captureFailed
  return outcome
}

/** How CMD ended, as its command section says it and as the status prov exits with. */
function describeEnd(command: CommandSection, ended: Ended, file: string, received: ReadonlySet<NodeJS.Signals>): RunOutcome {
  const err = ended.error
  if (err !== undefined) {
    const code = err.code ?? ''
    if (NOT_FOUND.has(code) || NOT_RUNNABLE.has(code)) {
      const notFound = NOT_FOUND.has(code)
      command.exit_code = notFound ? 127 : 126
      const name = file === '' ? "''" : file
      command.error = notFound ? `command not found: ${name}` : `permission denied or not executable: ${name}`
      return { command, status: command.exit_code }
    }
    // Found but not started (too long an argument list, no memory, no process left): as env(1)
    // says of a command it cannot invoke, 126. The run is recorded, as for 126 and 127.
    command.exit_code = 126
    const reason = typeof err.code === 'string' && err.code.startsWith('ERR_') ? (err.message ?? '').split('\n')[0] : describeErrno(err)
    command.error = `cannot run ${file}: ${reason}`
    return { command, status: 126 }
  }
  if (ended.signal) {
    command.signal = ended.signal
    const n = constants.signals[ended.signal as keyof typeof constants.signals] ?? 0
    const raise = received.has(ended.signal) && RAISED.has(ended.signal) ? ended.signal : undefined
    return raise === undefined ? { command, status: 128 + n } : { command, status: 128 + n, raise }
  }
  command.exit_code = ended.code
  if (command.exit_code === null) {
    command.error = 'the command could not be run'
    return { command, status: 125 }
  }
  return { command, status: command.exit_code }
}

export function commandCwd(root: string): string {
  return toRecordPath(root, path.resolve(process.cwd())).path
}

// Running the user's command: no shell, stdio passed through untouched (or teed into files
// with --capture), SIGINT/SIGTERM/SIGHUP forwarded, and the outcome described as a command section.
import { constants } from 'node:os'
import path from 'node:path'
import type { CommandSection } from '../core/record.js'
import { toRecordPath } from '../core/paths.js'

export interface RunOutcome {
  command: CommandSection
  /** the status prov exits with: CMD's own, 128+N on signal N, 126/127 when it could not run */
  status: number
}

export interface RunOptions {
  root: string
  /** tee CMD's stdout and stderr into these files */
  capture?: { stdout: string; stderr: string }
  /** send CMD's stdout to prov's stderr (so prov's stdout carries only a JSON document) */
  stdoutToStderr?: boolean
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const

let execaModule: Promise<typeof import('execa')> | undefined
/**
 * Load execa (about a quarter of record's start-up). record starts this early, so the load
 * overlaps with the git and tool subprocesses it waits for anyway.
 */
export function loadRunner(): Promise<typeof import('execa')> {
  return (execaModule ??= import('execa'))
}

export async function runCommand(argv: readonly string[], opts: RunOptions): Promise<RunOutcome> {
  const [file, ...args] = argv
  const { execa } = await loadRunner()
  const cwd = commandCwd(opts.root)
  const started = new Date()
  const t0 = performance.now()
  const stdout = opts.capture ? ['inherit', { file: opts.capture.stdout }] : opts.stdoutToStderr ? 2 : 'inherit'
  const stderr = opts.capture ? ['inherit', { file: opts.capture.stderr }] : 'inherit'
  // A Ctrl-C at a terminal already reaches CMD, which shares prov's process group: forwarding
  // SIGINT/SIGQUIT there too would deliver it twice. Signals sent to prov alone are forwarded.
  // The handlers are in place before CMD starts: a signal that came while execa was still setting
  // up (CMD already running) would otherwise kill prov, unrecorded, and leave CMD running. Handlers
  // run from the event loop, so `child` is always set by the time one runs.
  const atTerminal = Boolean(process.stdin.isTTY || process.stderr.isTTY)
  let child: ReturnType<typeof import('execa')['execa']> | undefined
  const forward = (sig: NodeJS.Signals): void => {
    if (atTerminal && (sig === 'SIGINT' || sig === 'SIGQUIT')) return
    child?.kill(sig)
  }
  for (const s of FORWARDED) process.on(s, forward)
  let result
  try {
    child = execa(file!, args, {
      stdin: 'inherit',
      stdout: stdout as 'inherit',
      stderr: stderr as 'inherit',
      reject: false,
      shell: false,
      stripFinalNewline: false,
      buffer: false,
      extendEnv: true,
      windowsHide: true,
    })
    result = await child
  } finally {
    for (const s of FORWARDED) process.off(s, forward)
  }
  const ended = new Date()
  const command: CommandSection = {
    argv: [...argv],
    cwd,
    exit_code: null,
    signal: null,
    started_at: started.toISOString(),
    ended_at: ended.toISOString(),
    duration_ms: Math.round((performance.now() - t0) * 1000) / 1000,
  }
  const code = (result as { code?: string }).code
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOEXEC' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EPERM') {
    const notFound = code === 'ENOENT' || code === 'ENOTDIR'
    command.exit_code = notFound ? 127 : 126
    command.error = notFound ? `command not found: ${file}` : `permission denied or not executable: ${file}`
    return { command, status: command.exit_code }
  }
  if (result.signal) {
    command.signal = result.signal
    const n = constants.signals[result.signal as keyof typeof constants.signals] ?? 0
    return { command, status: 128 + n }
  }
  command.exit_code = typeof result.exitCode === 'number' ? result.exitCode : null
  if (command.exit_code === null) {
    command.error = (result.message ?? '').split('\n')[0] || 'the command could not be run'
    return { command, status: 125 }
  }
  return { command, status: command.exit_code }
}

export function commandCwd(root: string): string {
  return toRecordPath(root, path.resolve(process.cwd())).path
}

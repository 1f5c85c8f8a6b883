import { describeErrno } from '../errors.js'
import { log } from './log.js'

let epipeHandled = false
let failureCode = 2

/** The status a failed write of stdout ends with: the command's own failure status (125 for exec). */
export function setStdoutFailureCode(code: number): void {
  failureCode = code
}

/**
 * Errors writing stdout. A reader that went away (`prov log | head`) ends prov quietly with
 * status 141, as SIGPIPE ends git or cat: not 0, which would hide a difference (diff-runs) or a
 * command's failure (exec), and no message. Any other (a full disk, an I/O error) is an error
 * that says so, with the command's failure status (2; 125 for exec and record).
 */
export function handleEpipe(): void {
  if (epipeHandled) return
  epipeHandled = true
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141)
    log.error(`cannot write to standard output: ${describeErrno(e)}`)
    process.exit(failureCode)
  })
}

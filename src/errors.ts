/** Errors prov reports: a stable code, an exit status, a message in git's style, an optional hint. */
export class ProvError extends Error {
  readonly code: string
  readonly exitCode: number
  readonly hint: string | undefined

  constructor(code: string, message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'ProvError'
    this.code = code
    this.exitCode = opts.exitCode ?? 2
    this.hint = opts.hint
  }
}

/** Unknown flag or command, a missing argument: exit 2. */
export class UsageError extends ProvError {
  constructor(message: string, hint?: string) {
    super('E_USAGE', message, { exitCode: 2, hint })
    this.name = 'UsageError'
  }
}

/** Bad input: a missing file, invalid JSON, a schema violation, an unknown ref: exit 2. */
export class InputError extends ProvError {
  constructor(code: string, message: string, hint?: string) {
    super(code, message, { exitCode: 2, hint })
    this.name = 'InputError'
  }
}

export function isNodeError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string'
}

/** A readable reason for a failed file-system call: "no such file or directory", etc. */
export function describeErrno(e: unknown): string {
  if (!isNodeError(e)) return e instanceof Error ? e.message : String(e)
  switch (e.code) {
    case 'ENOENT': return 'no such file or directory'
    case 'EACCES': case 'EPERM': return 'permission denied'
    case 'EISDIR': case 'ERR_FS_EISDIR': return 'is a directory'
    case 'EEXIST': return 'already exists'
    case 'EROFS': return 'read-only file system'
    case 'EDQUOT': return 'disk quota exceeded'
    case 'ENOTDIR': return 'not a directory'
    case 'ELOOP': return 'too many levels of symbolic links'
    case 'ENAMETOOLONG': return 'file name too long'
    case 'EMFILE': case 'ENFILE': return 'too many open files'
    case 'ENOSPC': return 'no space left on device'
    case 'EFBIG': return 'file too large'
    case 'E2BIG': return 'argument list too long'
    case 'EPIPE': return 'broken pipe'
    case 'EIO': return 'input/output error'
    case 'EBADF': return 'bad file descriptor'
    case 'EBUSY': return 'device or resource busy'
    case 'EXDEV': return 'not on the same file system'
    case 'ENXIO': return 'no such device or address'
    default: return e.code ?? e.message
  }
}

/** The hint for a write that a full disk, a quota or the file size limit stopped; undefined for any other failure. */
export function fullDiskHint(e: NodeJS.ErrnoException): string | undefined {
  return ['ENOSPC', 'EDQUOT', 'EFBIG'].includes(e.code ?? '') ? 'free space, or raise the file size limit (ulimit -f), and run it again' : undefined
}

/**
 * The same error, saying that the command was not run: what record and exec report of a failure
 * before the command starts, as they say how it ended of one after.
 */
export function saysNotRun(e: unknown): unknown {
  const note = ' (the command was not run)'
  if (e instanceof ProvError) return e.message.endsWith(note) ? e : new ProvError(e.code, e.message + note, { exitCode: e.exitCode, hint: e.hint, cause: e })
  if (e instanceof Error && !e.message.endsWith(note)) e.message += note
  return e
}

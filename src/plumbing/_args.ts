import type { CommandDef, ArgsDef } from 'citty'

// Flags shared by several commands. Spelled as they appear in --help.
export const storeArg = {
  store: { type: 'string', valueHint: 'dir', description: 'The store directory (the one holding runs/); default: $PROV_DIR, else <project root>/.prov' },
} as const

export const prettyArg = {
  pretty: { type: 'boolean', description: 'Indent the JSON output by two spaces' },
} as const

export const quietArg = {
  quiet: { type: 'boolean', alias: 'q', description: 'Print no progress or warnings, only errors' },
} as const

export const varFlags = {
  'redact-var': { type: 'string', valueHint: 'glob', description: 'Treat matching variables as secrets (repeatable)' },
  'keep-var': { type: 'string', valueHint: 'glob', description: 'Keep matching variables as they are, though their names look secret (repeatable)' },
  'drop-var': { type: 'string', valueHint: 'glob', description: 'Leave matching variables out of the record (repeatable)' },
} as const
export const VAR_FLAGS = ['redact-var', 'keep-var', 'drop-var'] as const

/**
 * The policy flags of a command that prints no environment variables (read-params, exec): taken
 * so that one set can be given to every step; --drop-var changes nothing there.
 */
export function varFlagsOf(what: string): typeof varFlags {
  return {
    'redact-var': { ...varFlags['redact-var'], description: `Treat matching ${what} as secrets (repeatable)` },
    'keep-var': { ...varFlags['keep-var'], description: `Keep matching ${what} as they are, though they look secret (repeatable)` },
    'drop-var': { ...varFlags['drop-var'], description: 'Taken so that one policy can go to every step; changes nothing here: it leaves environment variables out (repeatable)' },
  } as unknown as typeof varFlags
}

/** What main() hands a command besides its flags. */
export interface RunData {
  /** the words after `--`, or null */
  rest: string[] | null
  /** repeatable flags in command-line order */
  sequence: Array<[string, string]>
  /** positionals beyond the declared ones (variadic commands) */
  extra: string[]
}

declare module 'citty' {
  interface CommandMeta {
    /** flags that may be given more than once; their values arrive as arrays */
    repeatable?: readonly string[]
    /** accept any number of positionals (in data.extra) */
    variadic?: boolean
    /** the words after `--` are allowed (a command to run) */
    takesCommand?: boolean
    /** how --help shows the free arguments, e.g. '[<path>...]' or '-- <command> [<arg>...]' */
    operands?: string
    /** the exit status for prov's own failures (record and exec: 125, as env(1)) */
    failureCode?: number
  }
}

export type ProvCommand = CommandDef<ArgsDef>

/** The values of a repeatable flag. */
export function list(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : []
}

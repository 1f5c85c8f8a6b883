import { createConsola, type LogObject } from 'consola/core'
import { colorsFor, type Colors } from './color.js'
import { SHAPES_WITH_EXCEPTIONS, replaceShapes } from '../core/secret-shapes.js'

// One consola instance; everything it prints goes to stderr, in git's style:
//   prov: <error>      prov: warning: <text>      hint: <text>      <info>
// process.stderr is made on the first message: making it costs a command that prints nothing
// there a few ms.
let colors: Colors | null = null
const c = (): Colors => (colors ??= colorsFor(process.stderr))

/**
 * A message never shows a credential: what it quotes of the user's input (`-p ghp_…`, a path
 * `https://u:p@host/f`) is cut where it holds one, as records fingerprint it (no key here: the
 * store may be the very thing that failed). A file name that only looks like a key's shape
 * (`sk_random_forest_classifier_v2.joblib`) is named, as records keep it.
 */
function scrubMessage(text: string): string {
  return replaceShapes(text, SHAPES_WITH_EXCEPTIONS, () => '[redacted]')
}

function format(o: LogObject): string {
  const text = scrubMessage(o.args.map((a) => (typeof a === 'string' ? a : String(a))).join(' '))
  switch (o.type) {
    case 'error': case 'fatal': return `${c().red('prov:')} ${text}`
    case 'warn': return `${c().yellow('prov: warning:')} ${text}`
    case 'debug': case 'trace': return `prov: debug: ${text}`
    default: return text
  }
}

const LEVELS: Record<string, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4, trace: 5 }

/** The level PROV_LOG_LEVEL names, or null where it names none (a typo: said, and info used). */
function levelFromEnv(): number | null {
  const v = process.env.PROV_LOG_LEVEL
  if (v === undefined || v === '') return process.env.PROV_DEBUG === '1' ? 4 : 3
  if (Object.hasOwn(LEVELS, v)) return LEVELS[v]!
  return /^-?[0-9]+$/.test(v) ? Number(v) : null
}

const level = levelFromEnv()

export const log = createConsola({
  level: level ?? 3,
  reporters: [{ log: (o: LogObject) => { process.stderr.write(format(o) + '\n') } }],
})

/** A PROV_LOG_LEVEL that names no level, said: once the command's -q is known (it means errors only). */
let levelWarned = false
export function warnLogLevel(): void {
  if (levelWarned) return
  levelWarned = true
  if (level === null) log.warn(`PROV_LOG_LEVEL ${JSON.stringify(process.env.PROV_LOG_LEVEL)} is not a level (silent, error, warn, info, debug, trace, or a number): info is used`)
}

/** A hint line after an error: `hint: <text>`. */
export function hint(text: string): void {
  if (log.level >= 0) process.stderr.write(`${c().dim('hint:')} ${scrubMessage(text)}\n`)
}

/** `-q`: only errors. */
export function quiet(): void {
  log.level = 0
}

import path from 'node:path'

/** Compare two strings by the bytes of their UTF-8 form (= by code point), as git sorts paths. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF, which sort after 0xE000-0xFFFF.
    const sx = x >= 0xd800 && x <= 0xdfff
    const sy = y >= 0xd800 && y <= 0xdfff
    if (sx !== sy) return sx ? 1 : -1
    return x - y
  }
  return a.length - b.length
}

export function sortByPath<T extends { path: string }>(items: T[]): T[] {
  return items.sort((p, q) => compareUtf8(p.path, q.path))
}

/**
 * The path as a record stores it: relative to the project root with `/` separators, or
 * absolute when it lies outside the root (`outside` is then true).
 */
export function toRecordPath(root: string, absolute: string): { path: string; outside: boolean } {
  const rel = path.relative(root, absolute)
  if (rel === '') return { path: '.', outside: false }
  if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) {
    return { path: absolute.split(path.sep).join('/'), outside: true }
  }
  return { path: rel.split(path.sep).join('/'), outside: false }
}

/** Resolve a path read from a record against the project root; refuses what would escape it. */
export function fromRecordPath(root: string, recordPath: string): string | null {
  if (recordPath.includes('\0')) return null
  if (path.isAbsolute(recordPath)) return recordPath
  const abs = path.resolve(root, recordPath)
  const rel = path.relative(root, abs)
  if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return null
  return abs
}

/**
 * What a terminal acts on rather than shows: C0 controls, DEL, C1 controls (U+009B is a CSI as
 * ESC [ is) and the bidirectional overrides and isolates, which reorder what follows.
 */
// eslint-disable-next-line no-control-regex
export const TERMINAL_CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const TERMINAL_CONTROL_G = new RegExp(TERMINAL_CONTROL.source, 'g')
/** Those that JSON.stringify leaves as they are (all but the C0 controls). */
const WIDE_CONTROL_G = /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const uEscape = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`

/** A line of text with what a terminal would act on written as `\uXXXX`. */
export function escapeTerminal(text: string): string {
  return text.replace(TERMINAL_CONTROL_G, uEscape)
}

/** JSON.stringify, with what it leaves as it is but a terminal acts on escaped too (`\u202e`). */
export function jsonForTerminal(value: unknown): string {
  return (JSON.stringify(value) ?? String(value)).replace(WIDE_CONTROL_G, uEscape)
}

/** A file name quoted for a message: JSON-style escapes for control characters. */
export function quotePath(p: string): string {
  return TERMINAL_CONTROL.test(p) || p.includes("'") ? jsonForTerminal(p) : `'${p}'`
}

/**
 * Why a path is not one a record holds, or null: relative to the project root, `/`-separated,
 * without empty, `.` or `..` parts, or absolute and as short as it can be written.
 */
export function recordPathProblem(p: string): string | null {
  if (p === '') return 'it is empty'
  if (p.includes('\0')) return 'it holds a NUL byte'
  const parts = (p.startsWith('/') ? p.slice(1) : p).split('/')
  if (parts.some((s) => s === '..')) return "it has a '..' part"
  if (parts.some((s) => s === '' || s === '.')) return "it has an empty or '.' part"
  return null
}


/** The length of a string in UTF-8, in bytes (a lone surrogate counts as U+FFFD does, 3). */
function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++ }
    else n += 3
  }
  return n
}

/** Linux's NAME_MAX and PATH_MAX: no file has a longer name, and no longer path reaches one. */
export const NAME_MAX = 255
export const PATH_MAX = 4096

/**
 * Why a path named to be hashed (hash-inputs, record's -i and -o) names no file whatever is on
 * disk, or null: it is empty, holds a NUL byte, or, resolved (`abs`), has a name longer than
 * NAME_MAX bytes or is PATH_MAX bytes long. What a command can change (a missing file, a file
 * where a directory should be) is not judged here: record judges -o's paths so before its
 * command runs, and their files only after.
 */
export function namedPathProblem(p: string, abs: string): string | null {
  if (p === '') return 'an empty path was given'
  if (p.includes('\0')) return `a path holds a NUL byte: ${quotePath(p)}`
  // (3 bytes at most per UTF-16 unit: a shorter string needs no counting.)
  if (abs.length * 3 >= PATH_MAX && utf8Length(abs) >= PATH_MAX) return `cannot hash ${quotePath(p)}: file name too long (${utf8Length(abs)} bytes as an absolute path, more than a path can be)`
  if (abs.length * 3 <= NAME_MAX) return null
  const long = abs.split('/').find((name) => name.length * 3 > NAME_MAX && utf8Length(name) > NAME_MAX)
  return long === undefined ? null : `cannot hash ${quotePath(p)}: file name too long (a name of ${utf8Length(long)} bytes in it, more than ${NAME_MAX})`
}

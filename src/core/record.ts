import { computeRunId } from './id.js'
import { compareUtf8, escapeTerminal, quotePath } from './paths.js'
import { canonicalize } from './canonical.js'

export const SCHEMA_VERSION = 1

/** One source of params, as command.params_sources keeps it: a params file, or a `-p key=value`. */
export type ParamsSourceEntry = { file: string } | { param: string }
/** `stale`: an output that the command did not write (not changed while it ran: left from before). */
export interface FileEntry { path: string; size?: number; sha256?: string; missing?: true; stream?: 'stdout' | 'stderr'; stale?: true }
export interface CommandSection {
  argv: string[]
  cwd: string
  exit_code: number | null
  signal: string | null
  error?: string
  started_at?: string
  ended_at?: string
  duration_ms?: number
  params_files?: string[]
  params_sources?: ParamsSourceEntry[]
  /** the directories given as inputs (outputs), which diff --workspace lists again */
  input_dirs?: string[]
  output_dirs?: string[]
  /** the secret-policy flags record was given, so that diff --workspace applies them again */
  redaction?: { redact?: string[]; keep?: string[]; drop?: string[] }
}
export interface GitPatch { sha256: string; size: number; omitted?: string[]; text?: string }
export interface GitState {
  commit: string | null
  branch: string | null
  upstream?: string | null
  dirty: boolean
  /** size and sha256: the content of an untracked file, or of a tracked one left out of the patch (io/git.ts: readContents) */
  changes: Array<{ path: string; status: string; from?: string; size?: number; sha256?: string }>
  remote?: string | null
  patch?: GitPatch | null
}
export interface EnvSnapshot {
  os: { platform: string; release: string; arch: string; [k: string]: unknown }
  runtime: { node: string; [k: string]: unknown }
  vars: Record<string, string>
  /** the id of the store's key the fingerprints were made under (keyIdOf), where there was one */
  key_id?: string
  [k: string]: unknown
}
export interface RunRecord {
  id: string
  schema_version: number
  created_at: string
  command: CommandSection
  inputs: FileEntry[]
  outputs: FileEntry[]
  params: Record<string, unknown>
  message?: string
  git: GitState | null
  env: EnvSnapshot
}

export const SECTIONS = ['command', 'inputs', 'outputs', 'params', 'git', 'env', 'message'] as const
const IGNORED = new Set(['id', 'schema_version', 'created_at'])

export class MergeError extends Error {}

function same(a: unknown, b: unknown): boolean {
  return canonicalize(a) === canonicalize(b)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Union of file lists by path; one path with two different entries is a conflict. */
function mergeFiles(section: string, a: unknown, b: unknown): unknown {
  if (!Array.isArray(a) || !Array.isArray(b)) return b
  const byPath = new Map<string, unknown>()
  for (const e of [...a, ...b]) {
    const p = isObject(e) && typeof e.path === 'string' ? e.path : undefined
    if (p === undefined) return b // invalid: let the schema name it
    const prev = byPath.get(p)
    if (prev !== undefined && !same(prev, e)) throw new MergeError(`two documents disagree on ${section} ${quotePath(p)}`)
    byPath.set(p, e)
  }
  return [...byPath.values()].sort((x, y) => compareUtf8((x as FileEntry).path, (y as FileEntry).path))
}

/** A policy's globs are a set: their order and repeats say nothing (see redactionRecord). */
function sameGlobs(a: unknown, b: unknown): boolean {
  const set = (x: unknown): unknown => Array.isArray(x) ? [...new Set(x.map((g) => JSON.stringify(g)))].sort() : x
  return same(set(a), set(b))
}

/** The command fields that are sets of paths: two documents' lists unite (see dirList). */
const DIR_LISTS = new Set(['input_dirs', 'output_dirs'])

/** A list of paths, sorted by their UTF-8 bytes and without repeats; else (not a list of strings) as it is, for the schema to name. */
function dirList(v: unknown): unknown {
  if (!Array.isArray(v) || !v.every((p) => typeof p === 'string')) return v
  return [...new Set(v as string[])].sort(compareUtf8)
}

/** Objects merge key by key, at any depth; two different values for one leaf are a conflict. */
function mergeObjects(where: string, a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...a }
  for (const [k, v] of Object.entries(b)) {
    let value = v
    if (Object.hasOwn(merged, k)) {
      const cur = merged[k]
      if (isObject(cur) && isObject(v)) value = mergeObjects(`${where}.${k}`, cur, v)
      // The directories given to two hash-inputs calls (data/ in one, more/ in the other) are all given.
      else if (where === 'command' && DIR_LISTS.has(k)) {
        // A value that is no list (`"b"`) is kept for the schema to name, not called a disagreement.
        value = Array.isArray(cur) && Array.isArray(v) ? dirList([...cur, ...v]) : Array.isArray(cur) ? v : cur
      }
      else if (!(where === 'command.redaction' ? sameGlobs(cur, v) : same(cur, v))) throw new MergeError(`two documents disagree on ${where}.${escapeTerminal(k)}`)
    }
    Object.defineProperty(merged, k, { value, enumerable: true, writable: true, configurable: true })
  }
  return merged
}

/**
 * Merge section documents (`{"git": …}`, `{"env": …}`, or whole records) into one set of
 * sections. Objects merge key by key; file lists merge by path; any value given twice must agree.
 */
export function mergeSections(docs: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  docs.forEach((doc, n) => {
    if (!isObject(doc)) throw new MergeError(`document ${n + 1} is not a JSON object`)
    for (const [key, value] of Object.entries(doc)) {
      if (IGNORED.has(key)) continue
      if (!(SECTIONS as readonly string[]).includes(key)) {
        throw new MergeError(`document ${n + 1} has an unknown section ${quotePath(key)} (expected one of ${SECTIONS.join(', ')})`)
      }
      // A file list is sorted and rid of repeats even when only one document gives it.
      if (!(key in out)) { out[key] = key === 'inputs' || key === 'outputs' ? mergeFiles(key, [], value) : value; continue }
      const prev = out[key]
      if (key === 'inputs' || key === 'outputs') { out[key] = mergeFiles(key, prev, value); continue }
      if ((key === 'command' || key === 'env' || key === 'params') && isObject(prev) && isObject(value)) {
        out[key] = mergeObjects(key, prev, value)
        continue
      }
      if (!same(prev, value)) throw new MergeError(`two documents disagree on ${key}`)
    }
  })
  // Directory lists are sorted and rid of repeats even when only one document gives them, so
  // that their order never changes an id; an empty one is no list, as record writes none.
  const command = out.command
  if (isObject(command)) {
    // A copy (spread keeps a '__proto__' key as the data it is): the documents given stay as they are.
    for (const k of DIR_LISTS) {
      if (!Object.hasOwn(command, k)) continue
      const { [k]: given, ...rest } = out.command as Record<string, unknown>
      const list = dirList(given)
      out.command = Array.isArray(list) && list.length === 0 ? rest : { ...rest, [k]: list }
    }
  }
  return out
}

/** Set a command field from a flag; a document that says otherwise is a conflict. */
export function fillCommand(sections: Record<string, unknown>, field: string, value: unknown, flag: string): void {
  const cmd = isObject(sections.command) ? { ...sections.command } : {}
  if (field in cmd && !same(cmd[field], value)) {
    throw new MergeError(`${flag} says ${JSON.stringify(value)} but a document gives command.${field} ${JSON.stringify(cmd[field])}`)
  }
  cmd[field] = value
  sections.command = cmd
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)$/
const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/**
 * A date-time, as the schema's format takes it (RFC 3339; also 't' or ' ' for 'T', 'z', an
 * offset without its colon or its minutes), written in UTC with 'T' and 'Z', the fraction of a
 * second kept digit for digit: '2026-01-01T01:30:00.123456+02:00' is
 * '2025-12-31T23:30:00.123456Z'. null for text that is no such time (the schema names it), and
 * for one whose UTC falls outside the years 0000-9999.
 */
export function toUtcTime(text: string): string | null {
  const m = RFC3339.exec(text)
  if (m === null) return null
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const offset = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10] ?? 0))
  if (hour > 23 || minute > 59 || second > 60 || Number(m[9] ?? 0) > 23 || Number(m[10] ?? 0) > 59) return null
  // The seconds stay as they are (an offset is whole minutes), a leap second's 60 included.
  const local = new Date(0)
  local.setUTCFullYear(year, month - 1, day)
  if (local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day) return null // 02-30
  local.setUTCHours(hour, minute - offset)
  const y = local.getUTCFullYear()
  if (y < 0 || y > 9999) return null
  return `${pad(y, 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${m[6]}${m[7] ?? ''}Z`
}

/**
 * Add schema_version, created_at and the content-derived id. created_at is the command's
 * started_at, in UTC (the contract: RFC 3339 UTC), else `now`.
 */
export function buildRunRecord(sections: Record<string, unknown>, now: string): RunRecord {
  const command = sections.command as Partial<CommandSection> | undefined
  const started = command?.started_at
  const body: Record<string, unknown> = {
    schema_version: SCHEMA_VERSION,
    // A started_at that is no time stays where it is, for the schema to name it there
    // (command.started_at); created_at is then `now`, which the schema takes, so the error is not
    // named at created_at, a field no one gave. (The run is refused all the same.)
    created_at: typeof started === 'string' ? toUtcTime(started) ?? now : now,
  }
  // A fixed, readable key order; the id does not depend on it.
  for (const k of ['message', 'command', 'params', 'inputs', 'outputs', 'git', 'env']) {
    if (k in sections) body[k] = sections[k]
  }
  return { id: computeRunId(body), ...body } as RunRecord
}

/** The run's start time for ordering: command.started_at, else created_at. */
export function runStartTime(r: { created_at?: unknown; command?: { started_at?: unknown } }): string {
  const s = r.command?.started_at
  return typeof s === 'string' ? s : typeof r.created_at === 'string' ? r.created_at : ''
}

export type RedactionFlags = { redact?: string[]; keep?: string[]; drop?: string[] }

/**
 * command.redaction as a run keeps it: the globs of each policy flag given, sorted and without
 * repeats (the policy is the same whatever their order), and no empty list; null for none.
 */
export function redactionRecord(flags: RedactionFlags): RedactionFlags | null {
  const out: RedactionFlags = {}
  for (const k of ['redact', 'keep', 'drop'] as const) {
    const globs = [...new Set(flags[k] ?? [])].sort()
    if (globs.length > 0) out[k] = globs
  }
  return Object.keys(out).length > 0 ? out : null
}

/** Whether two command.redaction values say the same policy (order and repeats aside). */
export function sameRedaction(a: RedactionFlags, b: RedactionFlags): boolean {
  return same(redactionRecord(a), redactionRecord(b))
}

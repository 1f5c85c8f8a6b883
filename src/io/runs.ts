// Reading runs back: by reference, validated, with the directory that holds their extra files.
import path from 'node:path'
import { lstatSync } from 'node:fs'
import { readRegularFile } from './read.js'
import { quotePath } from '../core/paths.js'
import { InputError } from '../errors.js'
import { recomputeRunId } from '../core/id.js'
import { mergeSections, MergeError, type RedactionFlags, type RunRecord } from '../core/record.js'
import { listPointers, type UnknownField } from '../core/known-fields.js'
import { canonicalize } from '../core/canonical.js'
import { checkReadable, UPGRADE_HINT } from './readable.js'
import { checkValid, type SchemaId, type Validator } from '../schema.js'
import { log } from './log.js'
import { VERSION } from './env.js'
import { readJsonDocuments } from './stdio.js'
import { loadRedactor } from './secrets.js'
import { scrubSections } from './write.js'
import { idOfRunPath, readRunFileStat, resolveRef, type Store } from './store.js'
import { loadVerified, matchingEntry, readFsNow, saveVerified, statKey } from './verified.js'
import { command as commandValidator } from '../generated/validators/command.js'
import { inputs as inputsValidator } from '../generated/validators/inputs.js'
import { outputs as outputsValidator } from '../generated/validators/outputs.js'
import { params as paramsValidator } from '../generated/validators/params.js'
import { git as gitValidator } from '../generated/validators/git.js'
import { env as envValidator } from '../generated/validators/env.js'

export interface LoadedRun {
  record: RunRecord
  /** the stored id, or null for a document that is not a stored run */
  id: string | null
  /** the directory holding run.json and its files (patch.diff, stdout, stderr), if any */
  dir: string | null
  /**
   * With loadRun's `text`, the run.json exactly as read and checked (decoded, without a leading
   * byte order mark); undefined for a run read from standard input.
   */
  text?: string
  /** the fields a newer prov wrote that this one does not know: not in `record` */
  unknown?: UnknownField[]
  /** a run read from standard input with such fields: the document as given, for show --json */
  whole?: unknown
}

/** The warning for a run read without the fields it holds that this prov does not know. */
export function warnUnknownFields(run: LoadedRun, what: string): void {
  if (run.unknown === undefined || run.unknown.length === 0) return
  const name = run.id !== null ? `run ${run.id.slice(0, 12)}` : 'the run on standard input'
  log.warn(`${name} holds fields that prov ${VERSION} does not know, ${what}: ${listPointers(run.unknown.map((f) => f.at))} (a newer prov wrote them)`)
}

/**
 * For a comparison of two runs: each one's fields that this prov does not know, not compared,
 * and, where those differ between the two (by pointer, a file entry's by its path: one has it, or
 * they hold other values),
 * a word that the runs differ there: a report of no differences is then no proof of sameness.
 */
export function warnUnknownPair(a: LoadedRun, b: LoadedRun): void {
  for (const r of [a, b]) warnUnknownFields(r, 'not compared')
  // A field of a file entry is the file's, by its path, as the files are compared: /inputs/3/mode
  // of one run and /inputs/4/mode of the other are one file's where one run has a file more.
  const where = (r: LoadedRun, at: string): string => {
    const m = /^\/(inputs|outputs)\/([0-9]+)(\/.*)$/.exec(at)
    const entry = m === null ? undefined : (r.record[m[1] as 'inputs' | 'outputs'] as unknown[] | undefined)?.[Number(m[2])] as { path?: unknown } | undefined
    return m !== null && typeof entry?.path === 'string' ? `${m[1]}\0${entry.path}\0${m[3]}` : at
  }
  const values = (r: LoadedRun): Map<string, { at: string; value: string }> => new Map((r.unknown ?? []).map((f) => [where(r, f.at), { at: f.at, value: canonicalize(f.value) }]))
  const [va, vb] = [values(a), values(b)]
  const differ = [...new Set([...vb.keys(), ...va.keys()])].filter((k) => va.get(k)?.value !== vb.get(k)?.value).map((k) => (vb.get(k) ?? va.get(k))!.at)
  if (differ.length > 0) log.warn(`the two runs differ in fields that prov ${VERSION} does not know: ${listPointers(differ)}; upgrade prov to compare them`)
}

/**
 * Load a run by reference (id, prefix, @, @~N, path, or - for stdin), validated against the
 * schema and (but for stdin) its id; a stored run found sound before and unchanged since is not
 * checked again (io/verified.ts).
 */
export async function loadRun(store: Store, ref: string, opts: { partial?: boolean; redaction?: RedactionFlags; text?: boolean } = {}): Promise<LoadedRun> {
  const { id, file } = resolveRef(store, ref)
  if (file === '-') return loadStdinRun(store, opts.partial === true, opts.redaction)
  const dir = path.dirname(file)
  // A stored run found sound before, and not changed since, is not checked again (io/verified.ts).
  const verified = id !== null ? loadVerified(store) : null
  const entry = verified !== null && id !== null ? matchingEntry(verified, id, file) : null
  const before = verified !== null && entry === null ? readFsNow(store, verified) : null
  const { data: record, stat, text } = readRunFileStat(file)
  // The text itself only where asked for (show --json): a 15 MB run.json is not kept twice.
  const kept = opts.text === true ? { text } : {}
  const r = record as RunRecord
  const shown = id !== null ? id.slice(0, 12) : quotePath(ref)
  // The content of another run, sound in itself, copied under this one's name is not this run.
  const place = id ?? idOfRunPath(file)
  if (place !== null && typeof record === 'object' && record !== null && r.id !== place) {
    const theirs = typeof r.id === 'string' ? `its id is ${r.id.slice(0, 12)}` : 'it has no id'
    throw new InputError('E_ID', `run ${shown} has been altered: it is stored under ${place.slice(0, 12)} but ${theirs}`, `'prov verify' checks every run`)
  }
  // The entry must still match once the file was read: a change while it was read shows in its ctime.
  if (entry !== null && stat !== null && statKey(stat) === entry) {
    log.debug(`run ${shown}: found sound before (cache/verified.json), not checked again`)
    return { record: r, id: r.id, dir, ...kept }
  }
  const readable = checkReadable(record)
  if (readable.problem !== null) {
    if (readable.newer) throw new InputError('E_SCHEMA', `run ${shown} ${readable.problem}`, UPGRADE_HINT)
    throw new InputError('E_SCHEMA', `run ${shown} does not match the run schema ${readable.problem}`, `'prov verify' checks every run`)
  }
  const again = recomputeRunId(r as unknown as Record<string, unknown>)
  if ('unhashable' in again) {
    throw new InputError('E_ID', `run ${shown} has been altered: it holds ${again.unhashable}, which has no canonical form`, `'prov verify' checks every run`)
  }
  if (again.id !== r.id) {
    throw new InputError('E_ID', `run ${shown} has been altered: its content does not hash to its id`, `'prov verify' checks every run`)
  }
  // Only a run read whole is entered: the entry stands for the record as stored.
  if (readable.unknown.length > 0) return { record: readable.record as RunRecord, id: r.id, dir, unknown: readable.unknown, ...kept }
  if (verified !== null && id !== null && before !== null && stat !== null) {
    const why = saveVerified(verified, id, stat, before)
    log.debug(`run ${shown}: ${why === null ? 'entered in cache/verified.json' : `not entered in cache/verified.json (${why})`}`)
  }
  return { record: r, id: r.id, dir, ...kept }
}

const SECTION_VALIDATORS: Record<string, [SchemaId, Validator]> = {
  command: ['command', commandValidator],
  inputs: ['inputs', inputsValidator],
  outputs: ['outputs', outputsValidator],
  params: ['params', paramsValidator],
  git: ['git', gitValidator],
  env: ['env', envValidator],
}

const STDIN_HINT = "pipe a run.json or section documents into it, e.g. 'prov show --json @ | prov diff-runs - @'"

/**
 * The run on standard input: one whole run.json, held to the checks a stored run passes (the
 * schema, and its content hashing to its id), or (`partial`) section documents, merged as
 * write-run merges them, each section checked against its part of the run schema, and scrubbed
 * as write-run would store them (the store's secret policy, and the documents' own
 * command.redaction): a secret in them is compared by its fingerprint, as a stored run holds
 * it, and never printed.
 */
async function loadStdinRun(store: Store, partial: boolean, otherRedaction?: RedactionFlags): Promise<LoadedRun> {
  const docs = await readJsonDocuments('-')
  if (docs.length === 0) throw new InputError('E_EMPTY', 'standard input holds no run: it is empty', STDIN_HINT)
  const isRun = (d: unknown): boolean => typeof d === 'object' && d !== null && !Array.isArray(d) && 'id' in d
  if (docs.some(isRun)) {
    if (docs.length > 1) {
      throw new InputError('E_INPUT', `standard input holds a run.json (a document with an id) and ${docs.length - 1} more document${docs.length === 2 ? '' : 's'}`, 'give one run.json, or section documents without ids')
    }
    const record = docs[0] as Record<string, unknown>
    const readable = checkReadable(record)
    if (readable.problem !== null) {
      if (readable.newer) throw new InputError('E_SCHEMA', `the run on standard input ${readable.problem}`, UPGRADE_HINT)
      throw new InputError('E_SCHEMA', `standard input does not match the run schema ${readable.problem}`)
    }
    const again = recomputeRunId(record)
    if ('unhashable' in again) throw new InputError('E_ID', `the run on standard input has been altered: it holds ${again.unhashable}, which has no canonical form`)
    if (again.id !== record.id) throw new InputError('E_ID', 'the run on standard input has been altered: its content does not hash to its id')
    return { record: readable.record as RunRecord, id: again.id, dir: null, unknown: readable.unknown, ...(readable.unknown.length > 0 ? { whole: record } : {}) }
  }
  let merged
  try {
    merged = mergeSections(docs)
  } catch (e) {
    if (e instanceof MergeError) throw new InputError('E_CONFLICT', `standard input: ${e.message}`)
    throw e
  }
  if (Object.keys(merged).length === 0) throw new InputError('E_EMPTY', 'standard input holds no run: its documents hold no sections', STDIN_HINT)
  if (!partial) throw new InputError('E_SCHEMA', 'standard input holds no run record (no id)')
  for (const [name, value] of Object.entries(merged)) {
    // Each section as the plumbing prints it: {"<name>": ...}, so the pointer is the one it has in a run.
    const problem = name === 'message'
      ? (typeof value === 'string' ? null : 'at /message: must be string')
      : checkValid(SECTION_VALIDATORS[name]![0], SECTION_VALIDATORS[name]![1], { [name]: value })
    if (problem !== null) throw new InputError('E_SCHEMA', `standard input does not match the run schema ${problem}`)
  }
  scrubSections(merged, loadRedactor(store, (merged.command as RunRecord['command'] | undefined)?.redaction ?? otherRedaction ?? {}), { twoKeys: 'keep' })
  return { record: merged as unknown as RunRecord, id: null, dir: null }
}

/**
 * The two runs a diff compares, either of which may be `-` (section documents on stdin): the
 * other is loaded first, and documents that carry no command.redaction of their own are scrubbed
 * under its policy (`prov snapshot-env --keep-var X | prov diff-runs <run recorded with
 * --keep-var X> -` compares X in clear, as that run holds it, rather than with a fingerprint).
 */
export async function loadRunPair(store: Store, refA: string, refB: string): Promise<[LoadedRun, LoadedRun]> {
  if (refB === '-' && refA !== '-') {
    const a = await loadRun(store, refA, { partial: true })
    return [a, await loadRun(store, refB, { partial: true, redaction: a.record.command?.redaction })]
  }
  if (refA === '-' && refB !== '-') {
    const b = await loadRun(store, refB, { partial: true })
    return [await loadRun(store, refA, { partial: true, redaction: b.record.command?.redaction }), b]
  }
  return [await loadRun(store, refA, { partial: true }), await loadRun(store, refB, { partial: true })]
}

/** The text of a file stored beside run.json (patch.diff, stdout, stderr), or null; null too where it is larger than maxBytes. */
export function readRunFileText(run: LoadedRun, name: string, maxBytes?: number): string | null {
  if (run.dir === null || !/^[a-z.]+$/.test(name)) return null
  try {
    // A symbolic link or FIFO in the store (a store committed to a repository may hold one) is not followed.
    const st = lstatSync(path.join(run.dir, name))
    if (!st.isFile() || (maxBytes !== undefined && st.size > maxBytes)) return null
    return readRegularFile(path.join(run.dir, name)).toString('utf8')
  } catch {
    return null
  }
}

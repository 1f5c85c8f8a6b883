import { nodeCrypto } from '../core/crypto.js'
import { lstatSync, realpathSync, statSync } from 'node:fs'
import { readRegularFile } from '../io/read.js'
import path from 'node:path'
import { defineCommand } from 'citty'
import { assertNamedStoreExists, idOfRunPath, listRunIds, locateStore, readRunFile, resolveRef, runPath, runsDir, type Store } from '../io/store.js'
import { hashFile } from '../io/hash.js'
import { emitLines, readStdinText } from '../io/stdio.js'
import { colorsFor } from '../io/color.js'
import { recomputeRunId, shortId } from '../core/id.js'
import { jsonParseReason, withoutBom } from '../core/json-docs.js'
import { fromRecordPath, quotePath } from '../core/paths.js'
import { showName } from './log.js'
import type { RunRecord } from '../core/record.js'
import { checkReadable } from '../io/readable.js'
import { describeErrno, InputError, isNodeError, ProvError, UsageError } from '../errors.js'
import { storeArg, type RunData } from '../plumbing/_args.js'
import { log } from '../io/log.js'

/** Every problem with one stored run; an empty list means it is sound. */
export function checkRun(store: Store, id: string | null, file: string, opts: { files: boolean; stdin?: string }): string[] {
  let data: unknown
  try {
    // A byte order mark is no part of the JSON, as show and diff-runs read standard input.
    if (opts.stdin !== undefined) data = JSON.parse(withoutBom(opts.stdin))
    else data = readRunFile(file)
  } catch (e) {
    if (opts.stdin !== undefined) return [`standard input is not valid JSON: ${jsonParseReason(e)}`]
    // The run is named on its line already: its file is run.json here.
    const named = `run ${quotePath(file)}`
    return [e instanceof ProvError ? (e.message.startsWith(named) ? `run.json${e.message.slice(named.length)}` : e.message) : String(e)]
  }
  const problems: string[] = []
  // Fields a newer prov wrote are left out of what is checked below; the id covers them still.
  const readable = checkReadable(data)
  const schema = readable.problem
  if (schema !== null) problems.push('newer' in readable && readable.newer ? `${schema}: upgrade prov to check it` : `does not match the run schema ${schema}`)
  const r = (schema === null ? readable.record : data) as RunRecord
  if (typeof data !== 'object' || data === null) return problems
  const again = recomputeRunId(data as Record<string, unknown>)
  if ('unhashable' in again) problems.push(`holds ${again.unhashable}, which has no canonical form: it cannot hash to its id`)
  else if (r.id !== again.id) problems.push(`content does not hash to its id (it hashes to ${shortId(again.id)})`)
  // A run named by the path of a run.json in a runs/<id>/ directory is checked against that name too.
  const place = id ?? (opts.stdin === undefined ? idOfRunPath(file) : null)
  if (place !== null && r.id !== place) problems.push(`is stored under ${shortId(place)} but its id is ${typeof r.id === 'string' ? shortId(r.id) : 'missing'}`)
  const dir = path.dirname(file)
  // A file stored beside run.json, by a fixed name; a symbolic link or FIFO there is not followed.
  const stored = (name: 'patch.diff' | 'stdout' | 'stderr'): string => {
    const p = path.join(dir, name)
    if (!lstatSync(p).isFile()) throw new Error('not a regular file')
    return p
  }
  const patch = r.git?.patch
  // A run read from stdin has no directory: its patch.diff and captures cannot be checked.
  if (opts.stdin === undefined && patch && typeof patch.sha256 === 'string') {
    try {
      const text = readRegularFile(stored('patch.diff'))
      if (nodeCrypto().createHash('sha256').update(text).digest('hex') !== patch.sha256) problems.push('patch.diff does not match git.patch.sha256')
    } catch (e) {
      problems.push(`cannot read patch.diff: ${describeErrno(e)}`)
    }
  }
  for (const o of Array.isArray(r.outputs) ? r.outputs : []) {
    // Checked whatever the schema says: only the two names a stream may have are read.
    if (opts.stdin === undefined && typeof o === 'object' && o !== null && (o.stream === 'stdout' || o.stream === 'stderr') && o.sha256) {
      try {
        if (hashFile(stored(o.stream)).sha256 !== o.sha256) problems.push(`captured ${o.stream} does not match its hash`)
      } catch (e) {
        problems.push(`cannot read captured ${o.stream}: ${describeErrno(e)}`)
      }
    }
  }
  if (opts.files && schema === null) {
    for (const [section, list] of [['input', r.inputs], ['output', r.outputs]] as const) {
      for (const f of list) {
        if (f.stream) continue
        // A file outside the project is recorded by its absolute path, and checked there (a data
        // set kept elsewhere); a relative path that escapes the project, which only a hand-made
        // record holds, is not read.
        const abs = fromRecordPath(store.root, f.path)
        if (abs === null) { problems.push(`${section} ${quotePath(f.path)} points outside the project`); continue }
        let now: { sha256: string; size: number } | null = null
        try {
          if (!statSync(abs).isFile()) { problems.push(`${section} ${quotePath(f.path)} is not a regular file`); continue } // a FIFO would block
          now = hashFile(abs)
        } catch (e) {
          // Not there (or a directory on the way now a file, or a link to nothing): missing. A
          // file there that cannot be read (another user's, mode 0600) is not missing: said as such.
          if (!(isNodeError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR'))) {
            problems.push(`${section} ${quotePath(f.path)} cannot be read: ${describeErrno(e)}`)
            continue
          }
          now = null
        }
        if (f.missing) { if (now !== null) problems.push(`${section} ${quotePath(f.path)} was missing and now exists`); continue }
        if (now === null) problems.push(`${section} ${quotePath(f.path)} is missing`)
        else if (now.sha256 !== f.sha256) problems.push(`${section} ${quotePath(f.path)} has changed (${now.size} bytes, sha256 ${now.sha256.slice(0, 12)})`)
      }
    }
  }
  return problems
}

export default defineCommand({
  meta: { name: 'verify', description: 'Check runs against the schema and their ids; --files also re-hashes their files. Exit 1 when any fails', variadic: true, operands: '[<ref>...]' },
  args: {
    files: { type: 'boolean', description: 'Also re-hash the inputs and outputs on disk (always reads; no cache)' },
    quiet: { type: 'boolean', alias: 'q', description: 'Print only the runs that fail' },
    ...storeArg,
  },
  async run({ args, data }) {
    const { extra } = data as RunData
    const store = locateStore({ store: args.store })
    if (extra.length === 0) assertNamedStoreExists(store)
    const others: string[] = []
    // A run named twice (`@ @~0`, its id and its prefix, its path through a link) is checked once, as one run.
    // Told apart by their real path and the id they are stored under: a run directory whose
    // run.json is a link to another run's is another run (it fails as stored under the wrong id),
    // not a second name of the one it links to. A path that names no id (a link to the run's
    // directory) is the run its real path is stored under, and gives way to a name that checks
    // that too (its id), whichever comes first.
    const seen = new Set<string>()
    const fileOf = (f: string): string => { try { return realpathSync.native(f) } catch { return path.resolve(f) } }
    const keyed = extra.length > 0
      ? extra.map((ref) => resolveRef(store, ref)).map((t) => {
        if (t.file === '-') return { t, key: '-', placed: true }
        const real = fileOf(t.file)
        const place = t.id ?? idOfRunPath(t.file)
        return { t, key: `${real}\0${place ?? idOfRunPath(real) ?? ''}`, placed: place !== null }
      })
      : []
    const placedKeys = new Set(keyed.filter((k) => k.placed).map((k) => k.key))
    const targets = extra.length > 0
      ? keyed.filter((k) => k.t.file === '-' || (!(k.placed ? false : placedKeys.has(k.key)) && !seen.has(k.key) && seen.add(k.key))).map((k) => k.t)
      : listRunIds(store, others).sort().map((id) => ({ id, file: runPath(store, id) }))
    // Not a run, so not checked; said, so that a store holding only such entries does not pass in
    // silence (a hidden file, a desktop's .DS_Store, is no one's mistake).
    for (const name of others.filter((n) => !n.startsWith('.'))) log.warn(`${quotePath(path.join(runsDir(store), name))} is not a run (its name is no run id): not checked`)
    const c = colorsFor(process.stdout)
    const lines: string[] = []
    let failed = 0
    if (targets.filter((t) => t.file === '-').length > 1) throw new UsageError('only one run can come from stdin')
    // Read before any run is checked: nothing there is no run to check, an error as show and diff
    // say it (the step before the pipe failed), not a failed check.
    const input = targets.some((t) => t.file === '-') ? await readStdinText() : undefined
    if (input !== undefined && input.trim() === '') throw new InputError('E_EMPTY', 'standard input holds no run: it is empty', 'did the step piped into verify fail? its message is above')
    for (const t of targets) {
      const stdin = t.file === '-' ? input : undefined
      const problems = checkRun(store, t.id, t.file, { files: args.files === true, stdin })
      const name = showName(t.id ?? (t.file === '-' ? '-' : t.file))
      if (problems.length === 0) { if (!args.quiet) lines.push(`${c.green('ok')}   ${name}`); continue }
      failed++
      for (const p of problems) lines.push(`${c.red('FAIL')} ${name}: ${p}`)
    }
    await emitLines(lines)
    if (failed > 0) {
      process.stderr.write(`prov: ${failed} of ${targets.length} run${targets.length === 1 ? '' : 's'} failed verification\n`)
      process.exitCode = 1
    }
  },
})

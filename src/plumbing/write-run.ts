import { defineCommand } from 'citty'
import { commandCwd } from '../io/run.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson, readJsonDocuments } from '../io/stdio.js'
import { findSecretKey, locateStore, readSecretKey, writeRunDir } from '../io/store.js'
import { buildStoredRun, displayRunPath } from '../io/write.js'
import { fillCommand, mergeSections, MergeError, redactionRecord, sameRedaction } from '../core/record.js'
import path from 'node:path'
import { nodeCrypto } from '../core/crypto.js'
import { quotePath, recordPathProblem, toRecordPath } from '../core/paths.js'
import { InputError, UsageError } from '../errors.js'
import { globToRegExp, REDACTED_RE, type Redactor } from '../core/redact.js'
import { log } from '../io/log.js'
import { readRegularFile, withinRoot } from '../io/read.js'
import type { ExtraFile } from '../io/store.js'
import { list, prettyArg, storeArg, varFlags, VAR_FLAGS, type RunData } from './_args.js'

/**
 * A stored run.json given as a FILE keeps its uncommitted patch (patch.diff) and captured
 * streams (stdout, stderr) in files beside it, not in the document: they come along from there,
 * checked against their hashes. A document that needs one and has none is refused: the run
 * stored would fail prov verify.
 */
function besideRun(sections: Record<string, unknown>, dirs: readonly string[]): ExtraFile[] {
  // Read, not moved: the run they are copied from keeps them.
  const find = (name: string, sha256: string): Buffer | null => {
    for (const d of dirs) {
      let data: Buffer
      try { data = readRegularFile(path.join(d, name)) } catch { continue }
      if (nodeCrypto().createHash('sha256').update(data).digest('hex') === sha256) return data
    }
    return null
  }
  const missing = (name: string): string => dirs.length === 0
    ? `a document on standard input brings no ${name}`
    : `no ${name} beside ${dirs.map((d) => quotePath(d)).join(' or ')} matches its sha256`
  const git = sections.git as { patch?: { sha256?: unknown; text?: unknown } | null } | null | undefined
  const patch = git?.patch
  if (patch && typeof patch === 'object' && typeof patch.sha256 === 'string' && patch.text === undefined) {
    const data = find('patch.diff', patch.sha256)
    if (data === null) throw new InputError('E_PATCH', `git.patch has no text, and ${missing('patch.diff')}`, 'give the patch text as prov git-state prints it, or name the stored run.json whose patch.diff is beside it')
    patch.text = data.toString('utf8')
  }
  const extra: ExtraFile[] = []
  const outputs = Array.isArray(sections.outputs) ? sections.outputs as Array<{ stream?: unknown; sha256?: unknown }> : []
  for (const o of outputs) {
    if ((o.stream !== 'stdout' && o.stream !== 'stderr') || typeof o.sha256 !== 'string') continue
    const data = find(o.stream, o.sha256)
    if (data === null) throw new InputError('E_CAPTURE', `the run's captured ${o.stream} (outputs '<${o.stream}>') is not in the documents, and ${missing(`${o.stream} file`)}`, 'name the file beside which the captured files are, unchanged since: the stored run.json, or the outputs.json of prov exec --capture')
    extra.push({ name: o.stream, data })
  }
  return extra
}

/** command.redaction, checked before it is used: lists of globs under redact, keep and drop. */
function redactionPolicy(command: { redaction?: unknown }): { redact?: string[]; keep?: string[]; drop?: string[] } {
  const r = command.redaction
  if (r === undefined) return {}
  const bad = (why: string): never => { throw new InputError('E_SCHEMA', `command.redaction${why}`, 'it holds what --redact-var, --keep-var and --drop-var were given: {"redact": [<glob>...], "keep": [...], "drop": [...]}') }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return bad(' is not an object')
  for (const [k, v] of Object.entries(r)) {
    if (k !== 'redact' && k !== 'keep' && k !== 'drop') return bad(` has an unknown key '${k}'`)
    if (!Array.isArray(v) || !v.every((g) => typeof g === 'string')) return bad(`.${k} is not a list of strings`)
  }
  return r as { redact?: string[]; keep?: string[]; drop?: string[] }
}

/**
 * A variable the policy keeps in clear, whose value in the documents is already a fingerprint:
 * the snapshot was made without the same --keep-var, and the run would claim a policy its
 * content does not follow (diff --workspace would then show the variable as changed).
 */
function warnKeptFingerprints(sections: Record<string, unknown>, policy: { keep?: string[] }): void {
  const keep = (policy.keep ?? []).map(globToRegExp)
  const vars = (sections.env as { vars?: unknown } | undefined)?.vars
  if (keep.length === 0 || typeof vars !== 'object' || vars === null) return
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value === 'string' && REDACTED_RE.test(value) && keep.some((re) => re.test(name))) {
      log.warn(`env.vars.${name} is kept in clear by --keep-var, but the documents hold its fingerprint: give prov snapshot-env the same --keep-var`)
    }
  }
}

export default defineCommand({
  meta: {
    name: 'write-run',
    description: 'Merge section documents (files, or stdin) into a run, validate it and store it; prints {"id", "path"}',
    variadic: true,
    takesCommand: true,
    repeatable: VAR_FLAGS,
    operands: '[<file>...] [-- <command> [<arg>...]]',
  },
  args: {
    'exit-code': { type: 'string', valueHint: 'n', description: 'The command\'s exit status, when no document gives command.exit_code' },
    message: { type: 'string', alias: 'm', valueHint: 'msg', description: 'A message kept with the run' },
    ...varFlags,
    ...storeArg,
    ...prettyArg,
  },
  async run({ args, data }) {
    const { rest, extra } = data as RunData
    if (extra.length === 0 && process.stdin.isTTY) {
      throw new UsageError('no documents to write', "pipe section documents into write-run, e.g. '{ prov git-state; prov snapshot-env; } | prov write-run -- <command>'")
    }
    const docs = []
    const dirs: string[] = [] // where files that live beside a stored run.json are looked for
    let stdinRead = false
    for (const f of extra.length > 0 ? extra : ['-']) {
      const read = await readJsonDocuments(f)
      // A file named here holds a step's output: empty, that step failed (or wrote nothing yet).
      // So does standard input: a pipe that brought nothing came from a step that failed. (A
      // second '-' finds it at its end, as `cat - -` does: nothing more, and no error.)
      if (read.length === 0) {
        if (f === '-' && stdinRead) continue
        if (f === '-') throw new InputError('E_EMPTY', 'standard input holds no JSON document', 'did the step piped into write-run fail? its message is above')
        throw new InputError('E_EMPTY', `${quotePath(f)} holds no JSON document`, 'did the step that writes it fail? run it again, or leave the file out')
      }
      docs.push(...read)
      if (f === '-') stdinRead = true
      const dir = path.dirname(path.resolve(f))
      if (f !== '-' && !dirs.includes(dir)) dirs.push(dir)
    }
    const store = locateStore({ store: args.store })
    // A store with no key yet gets one only with the run: a refused run writes nothing, so its
    // fingerprints are made under a key kept in memory until the run is accepted.
    let madeKey: Buffer | undefined
    const key = (): Buffer => findSecretKey(store) ?? (madeKey = nodeCrypto().randomBytes(32))
    let sections: Record<string, unknown>
    let redactor: Redactor
    try {
      sections = mergeSections(docs)
      if (rest !== null && rest.length === 0) throw new UsageError('no command after --')
      if (args['exit-code'] !== undefined) {
        // Digits only: Number() would take '' (an unset "$status") for 0, and ' 1', '0x1', '1e0'.
        const n = /^[0-9]{1,3}$/.test(args['exit-code']) ? Number(args['exit-code']) : NaN
        if (!(n >= 0 && n <= 255)) throw new UsageError(`invalid --exit-code '${args['exit-code']}': expected an integer from 0 to 255`)
        fillCommand(sections, 'exit_code', n, '--exit-code')
      }
      // The secret policy, as record keeps it in command.redaction: applied to the run written
      // here, and again by diff --workspace to the present.
      // A document's own stands when it says the same policy (the globs' order aside).
      const redaction = redactionRecord({ redact: list(args['redact-var']), keep: list(args['keep-var']), drop: list(args['drop-var']) })
      if (redaction !== null) {
        const given = (sections.command as { redaction?: unknown } | undefined)?.redaction
        const theirs = given === undefined ? undefined : redactionPolicy({ redaction: given })
        if (theirs === undefined || !sameRedaction(theirs, redaction)) fillCommand(sections, 'redaction', redaction, '--redact-var/--keep-var/--drop-var')
      }
      // The command after --, and -m, beside a document's: compared, and named in an error, as the
      // run will hold them, redacted (exec's document holds the argv redacted, -- gives it as run).
      // (The policy is final here: the same redactor stores the run.)
      redactor = loadRedactor(store, redactionPolicy((sections.command ?? {}) as { redaction?: unknown }), { key })
      if (rest !== null) {
        const given = (sections.command as { argv?: unknown } | undefined)?.argv
        const theirs = !Array.isArray(given) ? given : given.every((a) => typeof a === 'string') ? redactor.redactArgv(given as string[])
          : given.map((a) => (typeof a === 'string' ? redactor.redactArgv([a])[0] : a)) // not an argv the schema takes, but named redacted
        const ours = redactor.redactArgv(rest)
        if (given !== undefined && JSON.stringify(theirs) !== JSON.stringify(ours)) throw new MergeError(`-- says ${JSON.stringify(ours)} but a document gives command.argv ${JSON.stringify(theirs)}`)
        fillCommand(sections, 'argv', given ?? rest, '--')
      }
      if (args.message !== undefined) {
        if ('message' in sections && sections.message !== args.message) throw new MergeError(`-m says ${JSON.stringify(redactor.scrubMessage(args.message))} but a document gives message ${JSON.stringify(typeof sections.message === 'string' ? redactor.scrubMessage(sections.message) : sections.message)}`)
        sections.message = args.message
      }
    } catch (e) {
      if (e instanceof MergeError) throw new InputError('E_CONFLICT', e.message)
      throw e
    }
    const cmd = (sections.command ?? {}) as Record<string, unknown>
    if (!Array.isArray(cmd.argv)) throw new InputError('E_SCHEMA', 'the run has no command: give it after -- or in a {"command": {"argv": [...]}} document')
    sections.command = { cwd: commandCwd(store.root), exit_code: null, signal: null, ...cmd }
    sections.inputs ??= []
    sections.outputs ??= []
    sections.params ??= {}
    for (const [name, producer] of [['git', 'prov git-state'], ['env', 'prov snapshot-env']] as const) {
      if (!(name in sections)) throw new InputError('E_SCHEMA', `the run has no '${name}' section`, `pipe '${producer}' into write-run`)
    }
    // Every path the run would hold must be one a run records (the schema judges the rest).
    const FILE_HINT = 'paths are relative to the project root, or absolute (as prov hash-inputs prints them)'
    const DIR_HINT = "directories are relative to the project root ('.' for the root itself), or absolute (as prov hash-inputs --sources prints them)"
    const CWD_HINT = "command.cwd is the directory the command ran in, relative to the project root ('.' for the root itself), as prov exec prints it"
    // [where, path, hint, a directory]
    const named: Array<[string, unknown, string | undefined, boolean]> = []
    for (const key of ['inputs', 'outputs'] as const) {
      const list = sections[key]
      if (!Array.isArray(list)) continue
      list.forEach((e: { path?: unknown; stream?: unknown } | null, i) => { if (e?.stream === undefined) named.push([`${key}[${i}].path`, e?.path, FILE_HINT, false]) })
    }
    const command = sections.command as { cwd?: unknown; params_files?: unknown; params_sources?: unknown; redaction?: unknown }
    if (Array.isArray(command.params_files)) command.params_files.forEach((f, i) => named.push([`command.params_files[${i}]`, f, undefined, false]))
    if (Array.isArray(command.params_sources)) command.params_sources.forEach((s: { file?: unknown } | null, i) => named.push([`command.params_sources[${i}].file`, s?.file, undefined, false]))
    for (const key of ['input_dirs', 'output_dirs'] as const) {
      const dirs = (command as Record<string, unknown>)[key]
      // '.' (the project root, `-i .`) and '/' are directories a run may name, though no file's path.
      if (Array.isArray(dirs)) dirs.forEach((d, i) => { if (d !== '.' && d !== '/') named.push([`command.${key}[${i}]`, d, DIR_HINT, true]) })
    }
    // The directory the command ran in is in the project (the project root is found from it):
    // relative to the root, '.' for the root itself, never absolute.
    if (typeof command.cwd === 'string' && command.cwd !== '.') named.push(['command.cwd', command.cwd, CWD_HINT, true])
    const memo = new Map<string, string | null>()
    for (const [where, p, hint, isDir] of named) {
      if (typeof p !== 'string') continue // the schema names it
      const why = recordPathProblem(p)
      if (why !== null) throw new InputError('E_SCHEMA', `${where} ${quotePath(p)} is not a path as a run records it: ${why}`, hint)
      if (!p.startsWith('/')) continue
      // An absolute path is kept only outside the project root: one inside it (through a link
      // to the project too, as hash-inputs finds it) is one file under two names.
      const r = toRecordPath(store.root, withinRoot(store.root, p, isDir, memo))
      if (!r.outside) throw new InputError('E_SCHEMA', `${where} ${quotePath(p)} lies inside the project root ${quotePath(store.root)}: give it relative to the root, as ${quotePath(r.path)}`, "a run keeps absolute only a path outside the project root (prov hash-inputs prints paths so)")
      if (where === 'command.cwd') throw new InputError('E_SCHEMA', `command.cwd ${quotePath(p)} is outside the project root ${quotePath(store.root)}`, CWD_HINT)
    }
    // command.redaction stored as record stores it, whoever wrote it: each list sorted, each glob
    // once, no empty list (none at all for no policy), so that the order never changes an id.
    const policy = redactionPolicy(command)
    const redaction = redactionRecord(policy)
    const { redaction: _given, ...others } = command
    sections.command = redaction === null ? others : { ...others, redaction }
    warnKeptFingerprints(sections, policy)
    const extraFiles = besideRun(sections, dirs)
    const now = new Date().toISOString()
    const draft = structuredClone(sections) // buildStoredRun scrubs what it is given, in place
    let { record, files } = buildStoredRun(sections, redactor, extraFiles, now)
    if (madeKey !== undefined) {
      // Accepted: the key is stored now. Another prov that made the store's key first wins, and
      // the run is made again under that key.
      const stored = readSecretKey(store, madeKey)
      if (!stored.equals(madeKey)) ({ record, files } = buildStoredRun(draft, loadRedactor(store, policy, { key: () => stored }), extraFiles, now))
    }
    const { path: file } = writeRunDir(store, record, files)
    await emitJson({ id: record.id, path: displayRunPath(store, file) }, args.pretty)
  },
})

import { statSync } from 'node:fs'
import { defineCommand } from 'citty'
import { readParams } from '../io/params.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { quotePath, toRecordPath } from '../core/paths.js'
import { resolveNamed, warnOutsideRoot, withinRoot } from '../io/read.js'
import type { ParamsSourceEntry } from '../core/record.js'
import { list, prettyArg, storeArg, varFlagsOf, VAR_FLAGS, type RunData } from './_args.js'
import { UsageError } from '../errors.js'
import { params as paramsValidator } from '../generated/validators/params.js'

export const paramArgs = {
  param: { type: 'string', alias: 'p', valueHint: 'key=value', description: 'A parameter; the value is typed as JSON where it parses; dotted keys nest (repeatable)' },
  'params-file': { type: 'string', valueHint: 'file', description: 'A JSON or YAML file of parameters (repeatable; later sources win)' },
} as const

/**
 * Where the params came from, as record keeps it in its command section: the params files by
 * their record paths (command.params_files), and every source in command-line order
 * (command.params_sources), so that diff --workspace can read them again.
 */
export function paramsSources(sequence: ReadonlyArray<[string, string]>, root: string, cwd: string): { params_files?: string[]; params_sources?: ParamsSourceEntry[] } {
  const recordPath = (f: string): string => toRecordPath(root, withinRoot(root, resolveNamed(cwd, f), false)).path
  const out: { params_files?: string[]; params_sources?: ParamsSourceEntry[] } = {}
  const files = sequence.filter(([k]) => k === 'params-file').map(([, v]) => recordPath(v))
  if (files.length > 0) out.params_files = files
  const sources = sequence.filter(([k]) => k === 'param' || k === 'params-file')
  if (sources.length > 0) out.params_sources = sources.map(([k, v]) => (k === 'param' ? { param: v } : { file: recordPath(v) }))
  return out
}

export default defineCommand({
  meta: { name: 'read-params', description: 'Read parameters from -p KEY=VALUE and JSON/YAML files as {"params": {...}}', repeatable: ['param', 'params-file', ...VAR_FLAGS] },
  args: {
    ...paramArgs,
    sources: { type: 'boolean', description: 'Print where the params come from instead, as {"command": {"params_files": [...], "params_sources": [...]}}, the part of a run that prov diff --workspace reads them again from' },
    ...varFlagsOf('keys'),
    ...storeArg,
    ...prettyArg,
  },
  async run({ args, data }) {
    const { sequence } = data as RunData
    if (args.sources && sequence.some(([flag, value]) => flag === 'params-file' && value === '-')) {
      throw new UsageError("--sources cannot name '--params-file -': standard input is no file that prov diff --workspace could read again",
        "save the params to a file and name it, as prov record asks; to read a file named '-', write './-'")
    }
    // A file that cannot be read twice (a FIFO: `<(...)`, a device) is refused as record refuses
    // it, before it is read: its path would name nothing diff --workspace could read again.
    if (args.sources) {
      for (const [flag, value] of sequence) {
        if (flag !== 'params-file') continue
        // (A path that cannot be looked up, a loop of links or a file before a '/', is said by
        // readParams below, as without --sources.)
        let st
        try { st = statSync(value, { throwIfNoEntry: false }) } catch { continue }
        if (st !== undefined && !st.isFile() && !st.isDirectory()) {
          throw new UsageError(`--sources cannot name --params-file ${quotePath(value)}: it is ${st.isFIFO() ? 'a FIFO' : 'not a regular file'}, which prov diff --workspace could not read again`,
            'save the params to a file and name it, as prov record asks')
        }
      }
    }
    // Read all the same: a source that record would refuse is refused here too.
    const params = await readParams(sequence)
    const store = locateStore({ store: args.store })
    // The policy flags, as record takes them: its -p values and params are redacted by them too.
    const redactor = loadRedactor(store, { redact: list(args['redact-var']), keep: list(args['keep-var']), drop: list(args['drop-var']) })
    if (args.sources) {
      const command = paramsSources(sequence, store.root, process.cwd())
      for (const f of command.params_files ?? []) {
        if (f.startsWith('/')) warnOutsideRoot(f, store.root)
      }
      // A -p value is redacted as it is in params (io/write.ts does the same when a run is stored).
      if (command.params_sources) command.params_sources = command.params_sources.map((s) => ('param' in s ? { param: redactor.redactParamAssignment(s.param) } : s))
      await emitJson({ command }, args.pretty)
      return
    }
    const doc = { params: redactor.redactParams(params) }
    assertValid('params', paramsValidator, doc, 'the read-params output')
    await emitJson(doc, args.pretty)
  },
})

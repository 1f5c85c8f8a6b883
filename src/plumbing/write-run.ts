import { defineCommand } from 'citty'
import { commandCwd } from '../io/run.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson, readJsonDocuments } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { displayRunPath, storeRun } from '../io/write.js'
import { fillCommand, mergeSections, MergeError } from '../core/record.js'
import { InputError, UsageError } from '../errors.js'
import { prettyArg, storeArg, type RunData } from './_args.js'

export default defineCommand({
  meta: {
    name: 'write-run',
    description: 'Merge section documents (files, or stdin) into a run, validate it and store it; prints {"id", "path"}',
    variadic: true,
    takesCommand: true,
    operands: '[<file>...] [-- <command> [<arg>...]]',
  },
  args: {
    'exit-code': { type: 'string', valueHint: 'n', description: 'The command\'s exit status, when no document gives command.exit_code' },
    message: { type: 'string', alias: 'm', valueHint: 'msg', description: 'A message kept with the run' },
    ...storeArg,
    ...prettyArg,
  },
  async run({ args, data }) {
    const { rest, extra } = data as RunData
    if (extra.length === 0 && process.stdin.isTTY) {
      throw new UsageError('no documents to write', "pipe section documents into write-run, e.g. '{ prov git-state; prov snapshot-env; } | prov write-run -- <command>'")
    }
    const docs = []
    for (const f of extra.length > 0 ? extra : ['-']) docs.push(...(await readJsonDocuments(f)))
    const store = locateStore({ store: args.store })
    let sections: Record<string, unknown>
    try {
      sections = mergeSections(docs)
      if (rest !== null) {
        if (rest.length === 0) throw new UsageError('no command after --')
        fillCommand(sections, 'argv', rest, '--')
      }
      if (args['exit-code'] !== undefined) {
        const n = Number(args['exit-code'])
        if (!Number.isInteger(n) || n < 0 || n > 255) throw new UsageError(`invalid --exit-code '${args['exit-code']}': expected an integer from 0 to 255`)
        fillCommand(sections, 'exit_code', n, '--exit-code')
      }
      if (args.message !== undefined) {
        if ('message' in sections && sections.message !== args.message) throw new MergeError(`-m says ${JSON.stringify(args.message)} but a document gives message ${JSON.stringify(sections.message)}`)
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
    const { record, path } = storeRun(store, sections, loadRedactor(store))
    await emitJson({ id: record.id, path: displayRunPath(store, path) }, args.pretty)
  },
})

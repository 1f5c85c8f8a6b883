import { defineCommand } from 'citty'
import { diffRecords, storedPatch } from '../io/compare.js'
import { loadRunPair, warnUnknownPair } from '../io/runs.js'
import { emitJson } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { UsageError } from '../errors.js'
import { list, prettyArg, storeArg } from './_args.js'
import { diff as diffValidator } from '../generated/validators/diff.js'

export const ignoreArg = {
  ignore: { type: 'string', valueHint: 'glob', description: 'Treat changes whose key matches as noise, e.g. vars.HOSTNAME or os.* (repeatable)' },
} as const

export default defineCommand({
  meta: { name: 'diff-runs', description: 'Compare two runs as {"diff": {...}}; exit 0 when they are the same, 1 when they differ', repeatable: ['ignore'] },
  args: {
    a: { type: 'positional', required: true, description: 'The older run: id, prefix, @, @~N, a run.json path, or - for stdin' },
    b: { type: 'positional', required: true, description: 'The newer run' },
    ...ignoreArg,
    ...storeArg,
    ...prettyArg,
  },
  async run({ args }) {
    if (args.a === '-' && args.b === '-') throw new UsageError('only one of the runs can come from stdin')
    const store = locateStore({ store: args.store })
    const [a, b] = await loadRunPair(store, args.a, args.b)
    warnUnknownPair(a, b)
    const diff = await diffRecords(store, a.record, b.record, { ignore: list(args.ignore), patches: [storedPatch(a).text, storedPatch(b).text] })
    const doc = { diff }
    assertValid('diff', diffValidator, doc, 'the diff-runs output')
    await emitJson(doc, args.pretty)
    if (!diff.identical) process.exitCode = 1
  },
})

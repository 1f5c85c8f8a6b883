import { defineCommand } from 'citty'
import { readEnvSnapshot } from '../io/env.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { list, prettyArg, storeArg, varFlags, VAR_FLAGS } from './_args.js'
import { env as envValidator } from '../generated/validators/env.js'

export default defineCommand({
  meta: { name: 'snapshot-env', description: 'Describe the OS, hardware, runtime, tools, locale and environment variables as {"env": {...}}', repeatable: VAR_FLAGS },
  args: {
    'no-tools': { type: 'boolean', description: 'Do not probe the versions of tools on PATH (nor Python packages)' },
    ...varFlags,
    ...storeArg,
    ...prettyArg,
  },
  async run({ args }) {
    const store = locateStore({ store: args.store })
    const redactor = loadRedactor(store, { redact: list(args['redact-var']), keep: list(args['keep-var']), drop: list(args['drop-var']) })
    const doc = { env: await readEnvSnapshot(store, redactor, { tools: !args['no-tools'] }) }
    assertValid('env', envValidator, doc, 'the snapshot-env output')
    await emitJson(doc, args.pretty)
  },
})

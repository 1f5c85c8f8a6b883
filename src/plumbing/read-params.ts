import { defineCommand } from 'citty'
import { readParams } from '../io/params.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { prettyArg, storeArg, type RunData } from './_args.js'
import { params as paramsValidator } from '../generated/validators/params.js'

export const paramArgs = {
  param: { type: 'string', alias: 'p', valueHint: 'key=value', description: 'A parameter; the value is typed as JSON where it parses; dotted keys nest (repeatable)' },
  'params-file': { type: 'string', valueHint: 'file', description: 'A JSON or YAML file of parameters (repeatable; later sources win)' },
} as const

export default defineCommand({
  meta: { name: 'read-params', description: 'Read parameters from -p KEY=VALUE and JSON/YAML files as {"params": {...}}', repeatable: ['param', 'params-file'] },
  args: { ...paramArgs, ...storeArg, ...prettyArg },
  async run({ args, data }) {
    const params = await readParams((data as RunData).sequence)
    const store = locateStore({ store: args.store })
    const doc = { params: loadRedactor(store).redactParams(params) }
    assertValid('params', paramsValidator, doc, 'the read-params output')
    await emitJson(doc, args.pretty)
  },
})

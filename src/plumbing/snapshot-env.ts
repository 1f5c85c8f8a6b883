import { defineCommand } from 'citty'
import { findExecutable, readEnvSnapshot } from '../io/env.js'
import { InputError, UsageError } from '../errors.js'
import { quotePath } from '../core/paths.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { list, prettyArg, storeArg, varFlags, VAR_FLAGS } from './_args.js'
import { env as envValidator } from '../generated/validators/env.js'

export default defineCommand({
  meta: { name: 'snapshot-env', description: 'Describe the OS, hardware (GPUs too), runtime, tools, Python (and conda) packages, locale and environment variables as {"env": {...}}', repeatable: VAR_FLAGS },
  args: {
    'no-tools': { type: 'boolean', description: 'Do not probe the versions of tools on PATH (nor Python or conda packages)' },
    python: { type: 'string', valueHint: 'interpreter', description: "List this Python interpreter's packages (and its conda environment's; a path, or a name on PATH), not those of the python3 on PATH" },
    ...varFlags,
    ...storeArg,
    ...prettyArg,
  },
  async run({ args }) {
    const store = locateStore({ store: args.store })
    const redactor = loadRedactor(store, { redact: list(args['redact-var']), keep: list(args['keep-var']), drop: list(args['drop-var']) })
    let python: string | null = null
    if (args.python !== undefined) {
      if (args['no-tools']) throw new UsageError("--python names the interpreter whose packages are listed, and --no-tools lists none: give one")
      python = findExecutable(args.python, process.cwd())
      if (python === null) throw new InputError('E_MISSING', `no interpreter ${quotePath(args.python)}: not an executable file${args.python.includes('/') ? '' : ' on PATH'}`)
    }
    const doc = { env: await readEnvSnapshot(store, redactor, { tools: !args['no-tools'], python }) }
    assertValid('env', envValidator, doc, 'the snapshot-env output')
    await emitJson(doc, args.pretty)
  },
})

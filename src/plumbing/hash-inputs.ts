import { defineCommand } from 'citty'
import { hashPaths } from '../io/hash.js'
import { emitJson, readStdinText } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { UsageError } from '../errors.js'
import { prettyArg, quietArg, storeArg, type RunData } from './_args.js'
import { inputs as inputsValidator } from '../generated/validators/inputs.js'
import { outputs as outputsValidator } from '../generated/validators/outputs.js'

export default defineCommand({
  meta: { name: 'hash-inputs', description: 'Hash files and directories (recursively) as {"inputs": [{path, size, sha256}, ...]}', variadic: true, operands: '[<path>...]' },
  args: {
    stdin: { type: 'boolean', description: 'Read the paths from stdin, one per line (NUL-separated with -z)' },
    z: { type: 'boolean', description: 'With --stdin: paths are separated by NUL bytes' },
    as: { type: 'enum', options: ['inputs', 'outputs'], default: 'inputs', description: 'The section to print: inputs or outputs' },
    'missing-ok': { type: 'boolean', description: 'Record a path that does not exist as {path, missing: true} instead of failing' },
    'no-cache': { type: 'boolean', description: 'Read every file, ignoring the stat cache' },
    ...storeArg,
    ...prettyArg,
    ...quietArg,
  },
  async run({ args, data }) {
    const { extra } = data as RunData
    const paths = [...extra]
    if (args.z && !args.stdin) throw new UsageError('-z goes with --stdin')
    if (args.stdin) {
      const text = await readStdinText()
      const sep = args.z ? '\0' : '\n'
      paths.push(...text.split(sep).filter((p) => p !== ''))
    }
    const store = locateStore({ store: args.store })
    const section = args.as === 'outputs' ? 'outputs' : 'inputs'
    const files = hashPaths(store, paths, process.cwd(), { cache: !args['no-cache'], quiet: args.quiet, allowMissing: args['missing-ok'] })
    const doc = { [section]: files }
    assertValid(section, section === 'outputs' ? outputsValidator : inputsValidator, doc, 'the hash-inputs output')
    await emitJson(doc, args.pretty)
  },
})

import { isUtf8 } from 'node:buffer'
import { statSync } from 'node:fs'
import { defineCommand } from 'citty'
import { hashPaths, namedDirs } from '../io/hash.js'
import { warnOutsideRoot } from '../io/read.js'
import { emitJson, readStdinBytes } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { InputError, UsageError, describeErrno } from '../errors.js'
import { quotePath } from '../core/paths.js'
import { prettyArg, quietArg, storeArg, type RunData } from './_args.js'
import { inputs as inputsValidator } from '../generated/validators/inputs.js'
import { outputs as outputsValidator } from '../generated/validators/outputs.js'

export default defineCommand({
  meta: { name: 'hash-inputs', description: 'Hash files and directories (recursively) as {"inputs": [{path, size, sha256}, ...]}', variadic: true, operands: '[<path>...]' },
  args: {
    stdin: { type: 'boolean', description: 'Also read paths from stdin, one per line (NUL-separated with -z)' },
    z: { type: 'boolean', description: 'With --stdin: paths are separated by NUL bytes' },
    as: { type: 'enum', options: ['inputs', 'outputs'], default: 'inputs', description: 'The section to print: inputs or outputs' },
    newer: { type: 'string', valueHint: 'file', description: 'With --as outputs: mark a file not changed since <file> was (its mtime and ctime both older than <file>\'s mtime) with "stale": true, an output the command did not write; touch <file> before the command runs' },
    'missing-ok': { type: 'boolean', description: 'Record a path that does not exist as {path, missing: true} instead of failing' },
    'no-cache': { type: 'boolean', description: 'Read every file, ignoring the stat cache' },
    'ignore-errors': { type: 'boolean', description: 'Leave out, with a warning, what a directory walk finds that cannot be hashed (a FIFO, a dangling link, an unreadable file or directory) instead of failing; named paths are still checked (as diff --workspace lists a run\'s directories again)' },
    sources: { type: 'boolean', description: 'Print the directories among the paths instead, as {"command": {"input_dirs": [...]}} (output_dirs with --as outputs), the part of a run that prov diff --workspace lists again; no file is read' },
    ...storeArg,
    ...prettyArg,
    ...quietArg,
  },
  async run({ args, data }) {
    const { extra } = data as RunData
    const paths = [...extra]
    if (args.z && !args.stdin) throw new UsageError('-z goes with --stdin')
    if (args.stdin) {
      const bytes = await readStdinBytes()
      // Split as bytes: a name that is not valid UTF-8 is named by its bytes, not looked for as U+FFFD.
      const sep = args.z ? 0 : 0x0a
      for (let at = 0; at < bytes.length;) {
        let end = bytes.indexOf(sep, at)
        if (end === -1) end = bytes.length
        const name = bytes.subarray(at, end)
        at = end + 1
        if (name.length === 0) continue
        if (!isUtf8(name)) throw new InputError('E_NAME', `cannot hash ${quotePath(name.toString('latin1'))} from standard input: its name is not valid UTF-8 (bytes ${name.toString('hex')})`, 'rename the file, or leave it out')
        paths.push(name.toString('utf8'))
      }
    }
    const store = locateStore({ store: args.store })
    const section = args.as === 'outputs' ? 'outputs' : 'inputs'
    const newer = args.newer === undefined ? undefined : readNewer(args.newer, section, args.sources === true)
    if (args.sources) {
      const dirs = namedDirs(store, paths, process.cwd(), { allowMissing: args['missing-ok'] })
      for (const d of dirs) {
        if (d.startsWith('/')) warnOutsideRoot(d, store.root)
      }
      await emitJson({ command: dirs.length > 0 ? { [section === 'outputs' ? 'output_dirs' : 'input_dirs']: dirs } : {} }, args.pretty)
      return
    }
    const files = hashPaths(store, paths, process.cwd(), { cache: !args['no-cache'], quiet: args.quiet, allowMissing: args['missing-ok'], lenient: args['ignore-errors'], newer })
    const doc = { [section]: files }
    assertValid(section, section === 'outputs' ? outputsValidator : inputsValidator, doc, 'the hash-inputs output')
    await emitJson(doc, args.pretty)
  },
})

/** --newer's time: the mtime of the file it names, as find -newer reads it (a link is followed). */
function readNewer(file: string, section: string, sources: boolean): bigint {
  if (section !== 'outputs') throw new UsageError('--newer goes with --as outputs', 'only an output can be left from before its command: prov hash-inputs --as outputs --newer <file> <path>...')
  if (sources) throw new UsageError('--newer and --sources: --sources reads no file, so none can be marked')
  if (file === '') throw new UsageError('--newer needs a file')
  try {
    return statSync(file, { bigint: true }).mtimeNs
  } catch (e) {
    throw new InputError('E_MISSING', `cannot read the --newer file ${quotePath(file)}: ${describeErrno(e)}`, 'touch it before the command runs: touch <file>; <command>; prov hash-inputs --as outputs --newer <file> <path>...')
  }
}

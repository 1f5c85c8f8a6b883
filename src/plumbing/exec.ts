import { writeFileSync } from 'node:fs'
import { defineCommand } from 'citty'
import { runCommand } from '../io/run.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson } from '../io/stdio.js'
import { log } from '../io/log.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { InputError, UsageError, describeErrno } from '../errors.js'
import { prettyArg, storeArg, type RunData } from './_args.js'
import { command as commandValidator } from '../generated/validators/command.js'

export default defineCommand({
  meta: {
    name: 'exec',
    description: 'Run a command (no shell) and describe how it ran as {"command": {...}}; exits with its status',
    takesCommand: true,
    operands: '-- <command> [<arg>...]',
    failureCode: 125,
  },
  args: {
    out: { type: 'string', valueHint: 'file', description: 'Write the document to this file; CMD keeps prov\'s stdout. Without it the document goes to stdout and CMD\'s stdout to stderr' },
    ...storeArg,
    ...prettyArg,
  },
  async run({ args, data }) {
    const argv = (data as RunData).rest
    if (argv === null || argv.length === 0) throw new UsageError('no command given', "usage: prov exec [--out <file>] -- <command> [<arg>...]")
    const store = locateStore({ store: args.store })
    const outcome = await runCommand(argv, { root: store.root, stdoutToStderr: args.out === undefined })
    const redactor = loadRedactor(store)
    outcome.command.argv = redactor.redactArgv(outcome.command.argv)
    if (outcome.command.error !== undefined) {
      outcome.command.error = redactor.scrubText(outcome.command.error)
      log.error(outcome.command.error) // as sh and env(1) do: exit 126/127 alone leaves the user guessing
    }
    const doc = { command: outcome.command }
    assertValid('command', commandValidator, doc, 'the exec output')
    if (args.out !== undefined) {
      try {
        writeFileSync(args.out, JSON.stringify(doc, null, args.pretty ? 2 : undefined) + '\n')
      } catch (e) {
        throw new InputError('E_WRITE', `cannot write '${args.out}': ${describeErrno(e)}`)
      }
    } else await emitJson(doc, args.pretty)
    process.exitCode = outcome.status
  },
})

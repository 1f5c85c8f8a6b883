import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { defineCommand } from 'citty'
import { runCommand } from '../io/run.js'
import { hashFile } from '../io/hash.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson } from '../io/stdio.js'
import { log } from '../io/log.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { quotePath } from '../core/paths.js'
import type { FileEntry } from '../core/record.js'
import { InputError, UsageError, describeErrno } from '../errors.js'
import { prettyArg, storeArg, type RunData } from './_args.js'
import { command as commandValidator } from '../generated/validators/command.js'
import { outputs as outputsValidator } from '../generated/validators/outputs.js'

/** Write a file of prov's own; a failure is prov's (exit 125), named by its path. */
function writeOwn(file: string, text: string): void {
  try {
    writeFileSync(file, text)
  } catch (e) {
    throw new InputError('E_WRITE', `cannot write ${quotePath(file)}: ${describeErrno(e)}`)
  }
}

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
    capture: { type: 'string', valueHint: 'dir', description: 'Also keep CMD\'s stdout and stderr (still passed on) in <dir>/stdout and <dir>/stderr, described as outputs <stdout> and <stderr> in <dir>/outputs.json, which prov write-run takes them from' },
    ...storeArg,
    ...prettyArg,
  },
  async run({ args, data }) {
    const argv = (data as RunData).rest
    if (argv === null || argv.length === 0) throw new UsageError('no command given', "usage: prov exec [--out <file>] [--capture <dir>] -- <command> [<arg>...]")
    if (args.capture === '') throw new UsageError("--capture needs a directory, not ''")
    const store = locateStore({ store: args.store })
    // The directory is made before CMD runs: prov's own failure then leaves CMD unrun.
    let capture: { stdout: string; stderr: string } | undefined
    if (args.capture !== undefined) {
      try {
        mkdirSync(args.capture, { recursive: true })
      } catch (e) {
        throw new InputError('E_WRITE', `cannot make the directory ${quotePath(args.capture)}: ${describeErrno(e)}`)
      }
      capture = { stdout: path.join(args.capture, 'stdout'), stderr: path.join(args.capture, 'stderr') }
      // What an earlier exec left there must not pass for this one's.
      for (const f of [capture.stdout, capture.stderr, path.join(args.capture, 'outputs.json')]) {
        try {
          rmSync(f, { force: true })
        } catch (e) {
          throw new InputError('E_WRITE', `cannot replace ${quotePath(f)}: ${describeErrno(e)}`)
        }
      }
    }
    const outcome = await runCommand(argv, { root: store.root, stdoutToStderr: args.out === undefined, capture })
    const redactor = loadRedactor(store)
    outcome.command.argv = redactor.redactArgv(outcome.command.argv)
    if (outcome.command.error !== undefined) {
      outcome.command.error = redactor.scrubText(outcome.command.error)
      log.error(outcome.command.error) // as sh and env(1) do: exit 126/127 alone leaves the user guessing
    }
    if (capture !== undefined) {
      // As record --capture keeps them: outputs named <stderr> and <stdout>, sorted by path.
      const outputs: FileEntry[] = []
      for (const stream of ['stderr', 'stdout'] as const) {
        const file = capture[stream]
        try { statSync(file) } catch { continue } // CMD never started
        const h = hashFile(file)
        outputs.push({ path: `<${stream}>`, size: h.size, sha256: h.sha256, stream })
      }
      const doc = { outputs }
      assertValid('outputs', outputsValidator, doc, 'the exec --capture outputs')
      writeOwn(path.join(args.capture!, 'outputs.json'), JSON.stringify(doc, null, args.pretty ? 2 : undefined) + '\n')
    }
    const doc = { command: outcome.command }
    assertValid('command', commandValidator, doc, 'the exec output')
    if (args.out !== undefined) writeOwn(args.out, JSON.stringify(doc, null, args.pretty ? 2 : undefined) + '\n')
    else await emitJson(doc, args.pretty)
    process.exitCode = outcome.status
  },
})

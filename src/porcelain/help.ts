import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineCommand } from 'citty'
import { UsageError } from '../errors.js'
import { handleEpipe } from '../io/stdout.js'

/** The man/ directory that ships beside the bundle (dist/ and man/ are siblings). */
export function findManDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'man')
    if (existsSync(path.join(candidate, 'prov.1'))) return candidate
    dir = path.dirname(dir)
  }
  return null
}

export default defineCommand({
  meta: { name: 'help', description: 'Open the manual page of prov or of one of its commands' },
  args: {
    command: { type: 'positional', required: false, description: 'The command whose page to open' },
  },
  async run({ args }) {
    const { COMMANDS, main } = await import('../commands.js')
    const name = args.command as string | undefined
    if (name !== undefined && !(name in COMMANDS)) throw new UsageError(`'${name}' is not a prov command`, "see 'prov --help'")
    const page = name === undefined ? 'prov.1' : `prov-${name}.1`
    const dir = findManDir()
    const file = dir === null ? null : path.join(dir, page)
    if (file !== null && existsSync(file) && process.stdout.isTTY) {
      const r = spawnSync('man', ['-l', file], { stdio: 'inherit' })
      if (r.status === 0) return
    }
    if (file !== null && existsSync(file)) {
      // Not on a terminal, or no man(1): render it as text if we can, else print the source.
      const r = spawnSync('man', ['-l', '-P', 'cat', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80' } })
      if (r.status === 0 && r.stdout) { handleEpipe(); process.stdout.write(r.stdout); return }
    }
    process.exitCode = await main(name === undefined ? ['--help'] : [name, '--help'])
  },
})

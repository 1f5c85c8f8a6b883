// Every command, each loaded only when it is run. The build reads this list (src/build/build.mjs)
// to make one bundle per command; `prov help` and the tests use it as it is.
import { main as runMain, type Loader } from './cli.js'

export const COMMANDS: Record<string, Loader> = {
  // porcelain
  record: () => import('./porcelain/record.js').then((m) => m.default),
  diff: () => import('./porcelain/diff.js').then((m) => m.default),
  log: () => import('./porcelain/log.js').then((m) => m.default),
  show: () => import('./porcelain/show.js').then((m) => m.default),
  verify: () => import('./porcelain/verify.js').then((m) => m.default),
  // plumbing
  'hash-inputs': () => import('./plumbing/hash-inputs.js').then((m) => m.default),
  'snapshot-env': () => import('./plumbing/snapshot-env.js').then((m) => m.default),
  'git-state': () => import('./plumbing/git-state.js').then((m) => m.default),
  'read-params': () => import('./plumbing/read-params.js').then((m) => m.default),
  exec: () => import('./plumbing/exec.js').then((m) => m.default),
  'write-run': () => import('./plumbing/write-run.js').then((m) => m.default),
  'diff-runs': () => import('./plumbing/diff-runs.js').then((m) => m.default),
  // help
  help: () => import('./porcelain/help.js').then((m) => m.default),
}

/** Run prov with every command available. */
export function main(argv: string[]): Promise<number> {
  return runMain(argv, COMMANDS)
}

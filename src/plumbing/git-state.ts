import { defineCommand } from 'citty'
import { readGitState } from '../io/git.js'
import { loadRedactor } from '../io/secrets.js'
import { emitJson } from '../io/stdio.js'
import { locateStore } from '../io/store.js'
import { assertValid } from '../schema.js'
import { prettyArg, storeArg } from './_args.js'
import { git as gitValidator } from '../generated/validators/git.js'

export default defineCommand({
  meta: { name: 'git-state', description: 'Describe the commit, branch, changed paths and uncommitted patch as {"git": {...}}' },
  args: {
    'no-patch': { type: 'boolean', description: 'Leave out the patch of uncommitted changes' },
    'no-cache': { type: 'boolean', description: 'Read every file it hashes (untracked, or left out of the patch), ignoring the stat cache' },
    ...storeArg,
    ...prettyArg,
  },
  async run({ args }) {
    const store = locateStore({ store: args.store })
    const doc = { git: await readGitState(store, () => loadRedactor(store), { patch: !args['no-patch'], cache: !args['no-cache'] }) }
    assertValid('git', gitValidator, doc, 'the git-state output')
    await emitJson(doc, args.pretty)
  },
})

// Turning merged sections into a stored run: scrub, split off the patch, validate, write.
import { nodeCrypto } from '../core/crypto.js'
import path from 'node:path'
import { InputError } from '../errors.js'
import { buildRunRecord, type RunRecord, type GitState, type EnvSnapshot } from '../core/record.js'
import type { Redactor } from '../core/redact.js'
import { stripUrlCredentials } from '../core/redact.js'
import { toRecordPath } from '../core/paths.js'
import { assertValid } from '../schema.js'
import { writeRunDir, type ExtraFile, type Store } from './store.js'
import { run as runValidator } from '../generated/validators/run.js'

/** Apply the secret policy to everything a record holds that could carry a secret. */
export function scrubSections(sections: Record<string, unknown>, redactor: Redactor, opts: { twoKeys?: 'refuse' | 'keep' } = {}): void {
  const cmd = sections.command as { argv?: unknown; error?: unknown } | undefined
  if (cmd && Array.isArray(cmd.argv) && cmd.argv.every((a) => typeof a === 'string')) {
    sections.command = { ...cmd, argv: redactor.redactArgv(cmd.argv as string[]) }
  }
  // The error names the command ("command not found: <argv[0]>"), so it is scrubbed as argv is.
  if (cmd && typeof cmd.error === 'string') {
    const argv = Array.isArray(cmd.argv) && cmd.argv.every((a) => typeof a === 'string') ? cmd.argv as string[] : []
    sections.command = { ...(sections.command as object), error: redactor.redactCommandError(cmd.error, argv) }
  }
  // A -p value, kept with the sources of params, is redacted as it is in params.
  const sources = (sections.command as { params_sources?: unknown } | undefined)?.params_sources
  if (Array.isArray(sources)) {
    sections.command = {
      ...(sections.command as object),
      params_sources: sources.map((s: unknown) => {
        const param = typeof s === 'object' && s !== null ? (s as { param?: unknown }).param : undefined
        return typeof param === 'string' ? { ...(s as object), param: redactor.redactParamAssignment(param) } : s
      }),
    }
  }
  if (sections.params !== undefined) sections.params = redactor.redactParams(sections.params)
  if (typeof sections.message === 'string') sections.message = redactor.scrubMessage(sections.message)
  const env = sections.env as EnvSnapshot | undefined
  if (env && typeof env === 'object' && env.vars && typeof env.vars === 'object') {
    sections.env = { ...env, vars: redactor.redactVars(env.vars) }
  }
  const git = sections.git as GitState | null | undefined
  if (git && typeof git === 'object' && typeof git.remote === 'string') {
    sections.git = { ...git, remote: redactor.scrubText(stripUrlCredentials(git.remote)) }
  }
  addKeyId(sections, redactor, opts.twoKeys ?? 'refuse')
}

/**
 * The key's id in an env section that has none, where this redactor fingerprinted something (a
 * secret in argv, params or the patch, found after the environment was read, in a store that had
 * no key then): the record holds fingerprints made under it, and diff must be able to tell.
 * An env section made under another store's key (snapshot-env in another store, write-run in
 * this one) is refused where this store's key fingerprinted something too: the run would hold
 * fingerprints under two keys and name one, and diff would compare them as if under one.
 */
function addKeyId(sections: Record<string, unknown>, redactor: Redactor, twoKeys: 'refuse' | 'keep' = 'refuse'): void {
  const env = sections.env as EnvSnapshot | undefined
  if (!env || typeof env !== 'object' || Array.isArray(env) || !redactor.usedKey()) return
  const keyId = redactor.keyId()
  if (keyId === undefined) return
  if (env.key_id === undefined) sections.env = { ...env, key_id: keyId }
  // (A key_id that is no key's id, "\u001b[2J" or an object, is left to the schema, which names it: not printed here.)
  // (A diff stores nothing: it keeps the document's key id, and its report says the secrets of
  // runs under two keys cannot be compared.)
  else if (twoKeys === 'refuse' && env.key_id !== keyId && typeof env.key_id === 'string' && /^[0-9a-f]{16}$/.test(env.key_id)) {
    throw new InputError('E_CONFLICT', `env.key_id says the environment's secrets were fingerprinted under another store's key (${env.key_id}), but this store's key (${keyId}) fingerprinted a secret of the run too (in argv, params, the message, the remote URL, the patch, or a variable the env document kept in clear): the run would hold fingerprints under two keys`,
      "make the documents with the store the run is written to (the same --store or PROV_DIR for prov snapshot-env and prov write-run), or copy the other store's secret.key into it (mode 0600)")
  }
}

/**
 * Validate and store a run. The git patch text (from git-state) moves to patch.diff beside
 * run.json; the record keeps its SHA-256 and size.
 */
export function storeRun(store: Store, sections: Record<string, unknown>, redactor: Redactor, extra: ExtraFile[] = [], now = new Date().toISOString()): { record: RunRecord; created: boolean; path: string } {
  const { record, files } = buildStoredRun(sections, redactor, extra, now)
  const written = writeRunDir(store, record, files)
  return { record, ...written }
}

/** What storeRun writes, scrubbed and validated, without writing it: the run and the files beside it. */
export function buildStoredRun(sections: Record<string, unknown>, redactor: Redactor, extra: ExtraFile[] = [], now = new Date().toISOString()): { record: RunRecord; files: ExtraFile[] } {
  scrubSections(sections, redactor)
  const files = [...extra]
  const git = sections.git as GitState | null | undefined
  if (git && typeof git === 'object' && git.patch && typeof git.patch === 'object' && typeof git.patch.text === 'string') {
    const text = redactor.scrubPatch(git.patch.text)
    const sha256 = nodeCrypto().createHash('sha256').update(text, 'utf8').digest('hex')
    if (text === git.patch.text && git.patch.sha256 !== sha256) {
      throw new InputError('E_PATCH', `git.patch.sha256 does not match git.patch.text (${git.patch.sha256.slice(0, 12)} ≠ ${sha256.slice(0, 12)})`)
    }
    const { text: _t, ...rest } = git.patch
    sections.git = { ...git, patch: { ...rest, sha256, size: Buffer.byteLength(text) } }
    files.push({ name: 'patch.diff', data: text })
    addKeyId(sections, redactor)
  }
  const record = buildRunRecord(sections, now)
  assertValid('run', runValidator, record, 'the run')
  return { record, files }
}

/** How a stored run's path is printed: relative to the project root when inside it. */
export function displayRunPath(store: Store, file: string): string {
  return toRecordPath(store.root, path.resolve(file)).path
}

import { Redactor, type RedactionPolicy } from '../core/redact.js'
import { InputError } from '../errors.js'
import { escapeTerminal } from '../core/paths.js'
import { readConfig, readExistingSecretKey, readSecretKey, type Store } from './store.js'

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return []
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw new InputError('E_CONFIG', `config ${where} must be an array of strings`)
  }
  return v as string[]
}

/** The keys config.json may hold, by section: all of them refine the secret policy. */
const CONFIG_KEYS: Record<string, readonly string[]> = { secrets: ['names', 'allow', 'values'], env: ['drop'] }

/**
 * A section of config.json: an object, absent, or an error. A key prov does not know is an error
 * too, not ignored: `"secrets": {"name": [...]}` or `"secrets": ["X_*"]` would otherwise leave the
 * variables it was written to hide in clear in every run, without a word.
 */
function configSection(config: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = config[name]
  if (v === undefined) return {}
  const known = CONFIG_KEYS[name]!
  const hint = `its keys are ${known.map((k) => `${name}.${k}`).join(', ')}, each an array of strings (see SECRETS in prov(1))`
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InputError('E_CONFIG', `config /${name} must be an object`, hint)
  }
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) throw new InputError('E_CONFIG', `config /${name}/${escapeTerminal(k)} is not a setting prov knows`, hint) // a key's escape sequence, escaped
  }
  return v as Record<string, unknown>
}

/**
 * The redactor for this store: its key (made when the first secret is fingerprinted; its id,
 * keyId, only where there is one), the documented defaults, `.prov/config.json`
 * (`secrets.names`, `secrets.allow`, `secrets.values`, `env.drop`; not with `config: false`), then flags.
 * `key` gives the key in place of the store's (write-run: one made in memory until the run is accepted).
 */
export function loadRedactor(store: Store, flags: { redact?: string[]; keep?: string[]; drop?: string[] } = {}, opts: { config?: boolean; key?: () => Buffer } = {}): Redactor {
  const config = opts.config === false ? {} : readConfig(store)
  for (const k of Object.keys(config)) {
    if (!Object.hasOwn(CONFIG_KEYS, k)) {
      throw new InputError('E_CONFIG', `config /${escapeTerminal(k)} is not a setting prov knows`, 'config.json holds "secrets" (names, allow, values) and "env" (drop) (see SECRETS in prov(1))')
    }
  }
  const secrets = configSection(config, 'secrets')
  const env = configSection(config, 'env')
  const values = strings(secrets.values, '/secrets/values')
  for (const v of values) {
    try { new RegExp(v, 'g') } catch { throw new InputError('E_CONFIG', `config /secrets/values: invalid regular expression '${escapeTerminal(v)}'`) }
  }
  const policy: RedactionPolicy = {
    names: [...strings(secrets.names, '/secrets/names'), ...(flags.redact ?? [])],
    allow: [...strings(secrets.allow, '/secrets/allow'), ...(flags.keep ?? [])],
    drop: [...strings(env.drop, '/env/drop'), ...(flags.drop ?? [])],
    values,
  }
  return new Redactor(opts.key ?? (() => readSecretKey(store)), policy, () => readExistingSecretKey(store))
}

/**
 * What of an invalid config.json (a key prov does not know, a list of the wrong type, a pattern
 * that is no regular expression) can still scrub text: its `secrets.names` (and `names`, a run's
 * --redact-var globs) and the `secrets.values` that compile, over the documented defaults
 * (`secrets.allow`, which only takes names out of the policy, is left out). `complete` is false where a `secrets.values` entry
 * could not be read: a value it was written to hide may be left in clear.
 */
export function loadReadableRedactor(store: Store, names: readonly string[] = []): { redactor: Redactor; complete: boolean } {
  let config: Record<string, unknown> = {}
  // Not JSON, not an object: nothing of it can be read, a secrets.values it holds included.
  let readable = true
  try { config = readConfig(store) } catch { readable = false }
  const section = config.secrets
  const secrets = typeof section === 'object' && section !== null && !Array.isArray(section) ? section as Record<string, unknown> : {}
  const list = (v: unknown): string[] => Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  const compiles = (v: string): boolean => { try { new RegExp(v, 'g'); return true } catch { return false } }
  const values = list(secrets.values).filter(compiles)
  const raw = secrets.values
  const complete = readable && (section === undefined || (typeof section === 'object' && section !== null && !Array.isArray(section))) &&
    (raw === undefined || (Array.isArray(raw) && values.length === raw.length))
  const policy: RedactionPolicy = { names: [...list(secrets.names), ...names], allow: [], drop: [], values }
  return { redactor: new Redactor(() => readSecretKey(store), policy, () => readExistingSecretKey(store)), complete }
}


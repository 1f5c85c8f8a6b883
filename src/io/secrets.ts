import { Redactor, type RedactionPolicy } from '../core/redact.js'
import { InputError } from '../errors.js'
import { readConfig, readExistingSecretKey, readSecretKey, type Store } from './store.js'

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return []
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw new InputError('E_CONFIG', `config ${where} must be an array of strings`)
  }
  return v as string[]
}

/**
 * The redactor for this store: its key (made when the first secret is fingerprinted; its id,
 * keyId, only where there is one), the documented defaults, `.prov/config.json`
 * (`secrets.names`, `secrets.allow`, `secrets.values`, `env.drop`), then flags.
 */
export function loadRedactor(store: Store, flags: { redact?: string[]; keep?: string[]; drop?: string[] } = {}): Redactor {
  const config = readConfig(store)
  const secrets = (config.secrets ?? {}) as Record<string, unknown>
  const env = (config.env ?? {}) as Record<string, unknown>
  const values = strings(secrets.values, '/secrets/values')
  for (const v of values) {
    try { new RegExp(v, 'g') } catch { throw new InputError('E_CONFIG', `config /secrets/values: invalid regular expression '${v}'`) }
  }
  const policy: RedactionPolicy = {
    names: [...strings(secrets.names, '/secrets/names'), ...(flags.redact ?? [])],
    allow: [...strings(secrets.allow, '/secrets/allow'), ...(flags.keep ?? [])],
    drop: [...strings(env.drop, '/env/drop'), ...(flags.drop ?? [])],
    values,
  }
  return new Redactor(() => readSecretKey(store), policy, () => readExistingSecretKey(store))
}

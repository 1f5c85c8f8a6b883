import { InputError } from './errors.js'
import { isPlainFileList } from './core/file-list.js'
import type * as validators from './generated/validators.js'

export interface ValidationError {
  instancePath: string
  keyword: string
  message?: string
  params?: Record<string, unknown>
}
export interface Validator {
  (data: unknown): boolean
  errors?: ValidationError[] | null
}

export type SchemaId = keyof typeof validators

// Each caller imports the validator it needs from generated/validators.js and passes it with its
// id: a bundle then holds only the validators its command uses (git-state's is half the size).

/** The first violation as "at /json/pointer: message", or null when the data is valid. */
export function checkValid(id: SchemaId, validate: Validator, data: unknown): string | null {
  if (isValidQuickly(id, validate, data)) return null
  if (validate(data)) return null
  const errors = validate.errors ?? []
  const e = errors.reduce<ValidationError | undefined>(
    (best, cur) => (best === undefined || cur.instancePath.length > best.instancePath.length ? cur : best),
    undefined,
  )
  if (e === undefined) return 'at /: invalid'
  let msg = e.message ?? e.keyword
  if (e.keyword === 'additionalProperties' && e.params?.additionalProperty !== undefined) {
    msg = `unknown property '${String(e.params.additionalProperty)}'`
  }
  return `at ${e.instancePath === '' ? '/' : e.instancePath}: ${msg}`
}

/** Throw an input error (exit 2) naming the JSON pointer of the first violation. */
export function assertValid(id: SchemaId, validate: Validator, data: unknown, what: string): void {
  const problem = checkValid(id, validate, data)
  if (problem !== null) throw new InputError('E_SCHEMA', `${what} does not match the ${id} schema ${problem}`)
}

/**
 * A run, or a hash-inputs document ({"inputs": [...]} or {"outputs": [...]}), whose file lists
 * are plain (core/file-list.ts), checked by the validator with those lists left out: the same
 * answer when it is true, at a fraction of the cost for 100,000 entries. false means "ask the
 * validator about the whole document", which then also names the problem, as it always did.
 */
function isValidQuickly(id: SchemaId, validate: Validator, data: unknown): boolean {
  const lists = id === 'run' ? ['inputs', 'outputs'] : id === 'inputs' || id === 'outputs' ? [id] : []
  if (lists.length === 0 || typeof data !== 'object' || data === null || Array.isArray(data)) return false
  const rest: Record<string, unknown> = { ...(data as Record<string, unknown>) }
  let plain = false
  for (const k of lists) {
    if (!isPlainFileList(rest[k])) continue
    rest[k] = []
    plain = true
  }
  return plain && validate(rest)
}

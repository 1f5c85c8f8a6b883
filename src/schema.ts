import { InputError } from './errors.js'
import { isPlainFileList } from './core/file-list.js'
import * as validators from './generated/validators.js'

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

/** The first violation as "at /json/pointer: message", or null when the data is valid. */
export function checkValid(id: SchemaId, data: unknown): string | null {
  const validate = validators[id]
  if (id === 'run' && isValidRunQuickly(data)) return null
  if ((id === 'inputs' || id === 'outputs') && isValidListQuickly(id, data)) return null
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
export function assertValid(id: SchemaId, data: unknown, what: string): void {
  const problem = checkValid(id, data)
  if (problem !== null) throw new InputError('E_SCHEMA', `${what} does not match the ${id} schema ${problem}`)
}

/**
 * A run whose inputs and outputs are plain file lists (core/file-list.ts), checked by the
 * validator with those lists left out: the same answer when it is true, at a fraction of the
 * cost for 100,000 entries. false means "ask the validator about the whole run", which then
 * also names the problem, as it always did.
 */
function isValidRunQuickly(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false
  const run = data as Record<string, unknown>
  const plainInputs = isPlainFileList(run.inputs)
  const plainOutputs = isPlainFileList(run.outputs)
  if (!plainInputs && !plainOutputs) return false
  const rest: Record<string, unknown> = { ...run }
  if (plainInputs) rest.inputs = []
  if (plainOutputs) rest.outputs = []
  return validators.run(rest)
}

/** The same for a hash-inputs document, {"inputs": [...]} or {"outputs": [...]}. */
function isValidListQuickly(id: 'inputs' | 'outputs', data: unknown): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false
  const doc = data as Record<string, unknown>
  if (!isPlainFileList(doc[id])) return false
  return validators[id]({ ...doc, [id]: [] })
}

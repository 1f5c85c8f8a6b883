import { InputError } from './errors.js'
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

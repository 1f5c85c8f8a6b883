// Reading a run as this prov can: the fields it knows, where a newer prov wrote more.
import { checkValid } from '../schema.js'
import { SCHEMA_VERSION } from '../core/record.js'
import { withoutUnknownFields, type UnknownField } from '../core/known-fields.js'
import { VERSION } from './env.js'
import { RUN_SHAPE } from '../generated/run-shape.js'
import { run as runValidator } from '../generated/validators/run.js'

export const UPGRADE_HINT = 'upgrade prov to read it'

/**
 * A run's content checked as this prov reads it: against the run schema, but for fields it does
 * not know, which a newer prov wrote (STYLE.md: consumers ignore unknown fields, and adding an
 * optional one keeps schema_version). Those are left out of `record` and named in `unknown`. A
 * run of a later schema_version, which may have renamed or removed fields, is not read (`newer`).
 * The id is the content's as stored, unknown fields and all: check it on the data given.
 */
export function checkReadable(data: unknown): { record: unknown; unknown: UnknownField[]; problem: null } | { problem: string; newer: boolean } {
  const problem = checkValid('run', runValidator, data)
  if (problem === null) return { record: data, unknown: [], problem: null }
  const version = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).schema_version : undefined
  if (Number.isInteger(version) && (version as number) > SCHEMA_VERSION) {
    return { problem: `was written by a newer prov: its schema_version is ${String(version)}, and prov ${VERSION} reads ${SCHEMA_VERSION}`, newer: true }
  }
  const { known, unknown } = withoutUnknownFields(data, RUN_SHAPE)
  if (unknown.length === 0) return { problem, newer: false }
  const again = checkValid('run', runValidator, known)
  return again === null ? { record: known, unknown, problem: null } : { problem: again, newer: false }
}


// Reading a run as this prov can: the fields it knows, where a newer prov wrote more.
import { checkValid } from '../schema.js'
import { SCHEMA_VERSION } from '../core/record.js'
import { withoutUnknownFields, type UnknownField } from '../core/known-fields.js'
import { MAX_RUN_DEPTH, nestsDeeperThan } from '../core/canonical.js'
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
  // Nested deeper than write-run takes a run (a run.json made by hand, 5,000 '[' in its params):
  // refused before show and diff walk it by recursion. Not inputs and outputs, whose items the
  // schema holds flat: walking 100,000 of them would cost most of what parsing them did.
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const deep = Object.entries(data).find(([k, v]) => k !== 'inputs' && k !== 'outputs' && nestsDeeperThan(v, MAX_RUN_DEPTH - 1))
    if (deep !== undefined) return { problem: `at /${deep[0]}: nests its values more than ${MAX_RUN_DEPTH} levels deep`, newer: false }
  }
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


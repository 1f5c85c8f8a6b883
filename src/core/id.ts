import { createHash } from 'node:crypto'
import { canonicalize } from './canonical.js'

export const RUN_ID_RE = /^[0-9a-f]{64}$/

/** The run id: SHA-256 of the RFC 8785 canonical JSON of the record without its `id`. */
export function computeRunId(record: Record<string, unknown>): string {
  const { id: _ignored, ...rest } = record
  return createHash('sha256').update(canonicalize(rest), 'utf8').digest('hex')
}

export function shortId(id: string): string {
  return id.slice(0, 12)
}

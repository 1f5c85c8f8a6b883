import { nodeCrypto } from './crypto.js'
import { canonicalProblem, writeCanonical } from './canonical.js'

export const RUN_ID_RE = /^[0-9a-f]{64}$/

const PIECE = 1 << 16

/**
 * The run id: SHA-256 of the RFC 8785 canonical JSON of the record without its `id`. The text
 * is hashed as it is made, some 64 K characters at a time: a big run's text (megabytes) is never
 * one string. Pieces end between whole characters, so the bytes hashed are exactly the UTF-8
 * of the whole text.
 */
export function computeRunId(record: Record<string, unknown>): string {
  const { id: _ignored, ...rest } = record
  const h = nodeCrypto().createHash('sha256')
  let text = ''
  writeCanonical(rest, (piece) => {
    text += piece
    if (text.length >= PIECE) {
      h.update(text, 'utf8')
      text = ''
    }
  })
  h.update(text, 'utf8')
  return h.digest('hex')
}

/**
 * The id a stored run's content gives, or what in it has no canonical form (a number beyond a
 * double's range, a lone surrogate), for which computeRunId throws: JSON.parse reads both from a
 * run.json edited by hand.
 */
export function recomputeRunId(record: Record<string, unknown>): { id: string } | { unhashable: string } {
  try {
    return { id: computeRunId(record) }
  } catch (e) {
    if (!(e instanceof TypeError)) throw e
    return { unhashable: canonicalProblem(record) ?? e.message }
  }
}

export function shortId(id: string): string {
  return id.slice(0, 12)
}

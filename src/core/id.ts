import { nodeCrypto } from './crypto.js'
import { writeCanonical } from './canonical.js'

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

export function shortId(id: string): string {
  return id.slice(0, 12)
}

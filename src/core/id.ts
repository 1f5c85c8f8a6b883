import { createHash } from 'node:crypto'
import { canonicalize } from './canonical.js'

export const RUN_ID_RE = /^[0-9a-f]{64}$/

/** The run id: SHA-256 of the RFC 8785 canonical JSON of the record without its `id`. */
export function computeRunId(record: Record<string, unknown>): string {
  const { id: _ignored, ...rest } = record
  return sha256Utf8(canonicalize(rest))
}

const PIECE = 1 << 18

/**
 * SHA-256 of a string's UTF-8 bytes, encoded a piece at a time: a big run's text (megabytes) is
 * then not copied whole into a fresh buffer first. A piece never ends between the two halves of
 * a surrogate pair, so the bytes are exactly those of the whole string.
 */
function sha256Utf8(text: string): string {
  const h = createHash('sha256')
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + PIECE, text.length)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++
    h.update(text.slice(start, end), 'utf8')
    start = end
  }
  return h.digest('hex')
}

export function shortId(id: string): string {
  return id.slice(0, 12)
}

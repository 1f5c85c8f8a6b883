// A run's file lists checked without the schema validator: 100,000 inputs cost ajv a oneOf and
// a regular expression per entry. Only for the entries every run holds; anything else says
// false, and the caller lets the validator judge.

/** The run schema's `sha256`: 64 lowercase hex digits. */
const SHA256_RE = /^[0-9a-f]{64}$/

/**
 * Is `e` a file entry that the run schema's `file` accepts, of one of the two shapes prov writes:
 * exactly {path, size, sha256} or exactly {path, missing: true}? Never looser than the schema:
 * true only for entries it accepts (test/unit/core/file-list.test.ts holds the two together).
 * false for anything else, valid or not (a captured stream's entry, say).
 */
export function isPlainFileEntry(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return false
  const { path, missing } = e as Record<string, unknown>
  if (typeof path !== 'string' || path.length === 0) return false
  // Every name, as the validator reads them (for...in), must be one that belongs.
  if (missing === true) {
    for (const k in e) if (k !== 'path' && k !== 'missing') return false
    return true
  }
  for (const k in e) if (k !== 'path' && k !== 'size' && k !== 'sha256') return false
  const { size, sha256 } = e as Record<string, unknown>
  return Number.isInteger(size) && (size as number) >= 0 && typeof sha256 === 'string' && SHA256_RE.test(sha256)
}

/** Is `list` an array of plain file entries (isPlainFileEntry), which the schema's `files` accepts? */
export function isPlainFileList(list: unknown): boolean {
  if (!Array.isArray(list)) return false
  for (let i = 0; i < list.length; i++) if (!isPlainFileEntry(list[i])) return false
  return true
}

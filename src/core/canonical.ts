// RFC 8785 JSON Canonicalization Scheme: sorted keys (by UTF-16 code units), no
// whitespace, ECMAScript number serialisation, minimal string escaping.

export function canonicalize(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize non-finite number ${value}`)
      // ECMAScript Number::toString is exactly what RFC 8785 prescribes; -0 prints as 0.
      return JSON.stringify(value)
    case 'string':
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((v) => canonicalize(v)).join(',') + ']'
      const obj = value as Record<string, unknown>
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalize(obj[k])).join(',') + '}'
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`)
  }
}

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
      if (Array.isArray(value)) {
        const flat = value.length >= 16 ? canonicalizeFlatObjects(value) : null
        return flat ?? '[' + value.map((v) => canonicalize(v)).join(',') + ']'
      }
      const obj = value as Record<string, unknown>
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalize(obj[k])).join(',') + '}'
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`)
  }
}

/**
 * A long array of flat plain objects (a run's inputs and outputs) in one native call: given
 * every key that occurs, sorted, JSON.stringify writes each object's keys in that order, which is
 * exactly what the code above writes. null when an element is anything else, or holds a value
 * that is not a string, finite number, boolean or null: the general code then handles it.
 */
function canonicalizeFlatObjects(list: readonly unknown[]): string | null {
  const keys = new Set<string>()
  for (const e of list) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return null
    const proto = Object.getPrototypeOf(e) as unknown
    if (proto !== Object.prototype && proto !== null) return null
    for (const k of Object.keys(e)) {
      const v = (e as Record<string, unknown>)[k]
      if (v === undefined) continue
      if (v !== null && typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) return null
      keys.add(k)
    }
  }
  // An element without its own `constructor` (or `__proto__`, ...) would show the inherited one.
  for (const k of keys) if (k in Object.prototype) return null
  return JSON.stringify(list, [...keys].sort())
}

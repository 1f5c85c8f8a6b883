// RFC 8785 JSON Canonicalization Scheme: sorted keys (by UTF-16 code units), no
// whitespace, ECMAScript number serialisation, minimal string escaping.

export function canonicalize(value: unknown): string {
  if (typeof value !== 'object' || value === null) return canonicalScalar(value)
  if (Array.isArray(value)) {
    const flat = value.length >= 16 ? canonicalizeFlatObjects(value) : null
    return flat ?? '[' + value.map((v) => canonicalize(v)).join(',') + ']'
  }
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
  return '{' + keys.map((k) => quote(k) + ':' + canonicalize(obj[k])).join(',') + '}'
}

/**
 * Whether a string is well-formed UTF-16: no lone surrogate. RFC 8785 (§3.2.2.2) requires an
 * implementation to refuse one: no UTF-8 encodes it, so no two implementations would agree on
 * its bytes. (Native, and immediate for a string of one-byte characters, as most are.)
 */
export function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed()
}

/** The first lone surrogate of a string that is not well-formed, as \uXXXX. */
function loneSurrogate(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++
    else if ((c & 0xf800) === 0xd800) return `\\u${c.toString(16)}`
  }
  return ''
}

function quote(s: string): string {
  if (!isWellFormed(s)) throw new TypeError(`cannot canonicalize a string holding a lone surrogate (${loneSurrogate(s)})`)
  return JSON.stringify(s)
}

/**
 * Whether a parsed JSON value nests objects and arrays more than `limit` levels deep, found
 * without recursion: the functions that walk a value (this module's among them) recurse, and a
 * file of 5,000 '[' would overflow their stack.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth > limit) return true
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth + 1])
  }
  return false
}

/** How deep params may nest, objects and lists within each other: far more than any configuration does. */
export const MAX_PARAM_DEPTH = 256

/** How deep a run, or a document of one, may nest: its params' levels and a few of its own above them. */
export const MAX_RUN_DEPTH = MAX_PARAM_DEPTH + 8

/**
 * What keeps a parsed JSON value from having a canonical form, or null: a number JSON.parse
 * could not hold (a literal beyond a double's range reads as Infinity), or a string or key
 * holding a lone surrogate (a JSON escape such as "\ud800" reads as one). `where` names the
 * value as diffs name params: `model.layers[0]`.
 */
export function canonicalProblem(value: unknown, where = ''): string | null {
  const at = where === '' ? '' : ` at ${where}`
  if (typeof value === 'number') return Number.isFinite(value) ? null : `a number JSON cannot hold${at} (it reads as ${value})`
  if (typeof value === 'string') return isWellFormed(value) ? null : `a lone surrogate (${loneSurrogate(value)}) in the string${at}`
  if (typeof value !== 'object' || value === null) return null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = canonicalProblem(value[i], `${where}[${i}]`)
      if (p !== null) return p
    }
    return null
  }
  for (const [k, v] of Object.entries(value)) {
    const key = where === '' ? k : `${where}.${k}`
    if (!isWellFormed(k)) return `a lone surrogate (${loneSurrogate(k)}) in a key${where === '' ? '' : ` in ${where}`}`
    const p = canonicalProblem(v, key)
    if (p !== null) return p
  }
  return null
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
      if (typeof v === 'string' ? !isWellFormed(v) : v !== null && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) return null
      keys.add(k)
    }
  }
  // An element without its own `constructor` (or `__proto__`, ...) would show the inherited one.
  for (const k of keys) if (k in Object.prototype || !isWellFormed(k)) return null
  return JSON.stringify(list, [...keys].sort())
}

/**
 * The canonical text of `value` as a sequence of pieces, in order: their concatenation is
 * canonicalize(value). A big document (a run's 100,000 inputs) can then be hashed a piece at a
 * time, without one string of the whole text (canonicalize stays the faster way to one string).
 * A piece ends between two JSON tokens, so never between the two halves of a surrogate pair.
 */
export function writeCanonical(value: unknown, write: (piece: string) => void): void {
  if (typeof value !== 'object' || value === null) write(canonicalScalar(value))
  else if (Array.isArray(value)) writeArray(value, write)
  else writeObject(value as Record<string, unknown>, shapeOf(Object.keys(value)), write)
}

function canonicalScalar(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize non-finite number ${value}`)
      // ECMAScript Number::toString is exactly what RFC 8785 prescribes; -0 prints as 0.
      return JSON.stringify(value)
    case 'string':
      return quote(value)
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`)
  }
}

/** An object's own keys, sorted, and each as `"key":`; a file list's entries share one shape. */
interface Shape { keys: string[]; sorted: string[]; labels: string[] }

function shapeOf(keys: string[]): Shape {
  const sorted = [...keys].sort()
  return { keys, sorted, labels: sorted.map((k) => quote(k) + ':') }
}

function writeArray(list: readonly unknown[], write: (piece: string) => void): void {
  let shape: Shape | null = null
  let head = '['
  for (let i = 0; i < list.length; i++) {
    const v = list[i]
    if (i > 0) head += ','
    if (typeof v !== 'object' || v === null) {
      head += canonicalScalar(v)
      continue
    }
    write(head)
    head = ''
    if (Array.isArray(v)) writeArray(v, write)
    else {
      const keys = Object.keys(v)
      if (shape === null || !sameKeys(keys, shape.keys)) shape = shapeOf(keys)
      writeObject(v as Record<string, unknown>, shape, write)
    }
  }
  write(head + ']')
}

/** Members in the order of their keys' UTF-16 code units; undefined members are left out. */
function writeObject(obj: Record<string, unknown>, shape: Shape, write: (piece: string) => void): void {
  const { sorted, labels } = shape
  // Scalars are written with the text before them: an object of scalars is one piece.
  let text = '{'
  let first = true
  for (let i = 0; i < sorted.length; i++) {
    const v = obj[sorted[i]!]
    if (v === undefined) continue
    text += first ? labels[i] : ',' + labels[i]
    first = false
    if (typeof v !== 'object' || v === null) {
      text += canonicalScalar(v)
      continue
    }
    write(text)
    text = ''
    if (Array.isArray(v)) writeArray(v, write)
    else writeObject(v as Record<string, unknown>, shapeOf(Object.keys(v)), write)
  }
  write(text + '}')
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

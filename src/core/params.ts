import { canonicalProblem } from './canonical.js'

/** Parameters: `-p key=value` typed as JSON where it parses, dotted keys nesting. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue }
export type Params = { [k: string]: JsonValue }

export class ParamError extends Error {}

/**
 * `0.1` → 0.1, `true` → true, `[1,2]` → [1,2], `"x"` → "x"; anything that is not JSON stays a
 * string, as does JSON without a canonical form (`1e400`, `[1e400]`, `"\ud800"`).
 */
export function typeParamValue(raw: string): JsonValue {
  const t = raw.trim()
  if (t === '') return raw
  const c = t[0]!
  const looksJson = c === '{' || c === '[' || c === '"' || c === '-' || (c >= '0' && c <= '9') ||
    t === 'true' || t === 'false' || t === 'null'
  if (!looksJson) return raw
  try {
    const v = JSON.parse(t) as JsonValue
    return canonicalProblem(v) === null ? v : raw
  } catch {
    return raw
  }
}

/** Split `a.b.c=value` into its key path and raw value. */
export function parseAssignment(assignment: string): { keys: string[]; raw: string } {
  const eq = assignment.indexOf('=')
  if (eq <= 0) throw new ParamError(`invalid parameter '${assignment}': expected KEY=VALUE`)
  const key = assignment.slice(0, eq)
  const keys = key.split('.')
  if (keys.some((k) => k === '')) throw new ParamError(`invalid parameter key '${key}': empty component`)
  return { keys, raw: assignment.slice(eq + 1) }
}

function isPlainObject(v: unknown): v is { [k: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

/** Set a nested key; a non-object on the way is replaced (later wins). */
export function setPath(target: Params, keys: string[], value: JsonValue): void {
  let node: { [k: string]: JsonValue } = target
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!
    if (FORBIDDEN.has(k)) throw new ParamError(`invalid parameter key component '${k}'`)
    const next = node[k]
    if (!isPlainObject(next)) {
      const created: { [k: string]: JsonValue } = {}
      Object.defineProperty(node, k, { value: created, enumerable: true, writable: true, configurable: true })
      node = created
    } else node = next
  }
  const last = keys[keys.length - 1]!
  if (FORBIDDEN.has(last)) throw new ParamError(`invalid parameter key component '${last}'`)
  Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true })
}

/** Deep merge: objects merge key by key, anything else from `over` replaces. */
export function mergeParams(base: Params, over: Params): Params {
  const out: Params = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k]
    const value = isPlainObject(cur) && isPlainObject(v) ? mergeParams(cur, v) : v
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
  }
  return out
}

export type ParamSource = { kind: 'set'; assignment: string } | { kind: 'file'; path: string; data: unknown }

/** A params file may not use the key names `-p` refuses either. */
function assertSafeKeys(value: unknown, file: string): void {
  if (Array.isArray(value)) for (const v of value) assertSafeKeys(v, file)
  else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN.has(k)) throw new ParamError(`params file '${file}' uses the forbidden key '${k}'`)
      assertSafeKeys(v, file)
    }
  }
}

/** Apply sources in command-line order, later wins. */
export function buildParams(sources: ParamSource[]): Params {
  let params: Params = {}
  for (const s of sources) {
    if (s.kind === 'set') {
      const { keys, raw } = parseAssignment(s.assignment)
      setPath(params, keys, typeParamValue(raw))
    } else {
      if (!isPlainObject(s.data)) throw new ParamError(`params file '${s.path}' must hold an object at its top level`)
      assertSafeKeys(s.data, s.path)
      params = mergeParams(params, s.data)
    }
  }
  return params
}

/**
 * The params of a run recorded before command.params_sources, rebuilt from its params files as
 * they are now (`fromFiles`, merged): the files' values, and what the record holds that no file
 * gives, taken for `-p` values. A guess: a `-p` that overrode a file's value cannot be told from
 * a value since changed in the file, nor a key since deleted from a file from a `-p` value.
 */
export function guessParams(recorded: Params, fromFiles: Params): Params {
  const out: Params = { ...fromFiles }
  for (const [k, v] of Object.entries(recorded)) {
    const f = Object.hasOwn(fromFiles, k) ? fromFiles[k] : undefined
    const value = f === undefined ? v : isPlainObject(v) && isPlainObject(f) ? guessParams(v, f) : f
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** A key that can be written bare in a flattened path: no '.', '[', ']' or '"', and not empty. */
const BARE_KEY = /^[^.[\]"]+$/

/**
 * The path of key `k` below `prefix`: `prefix.k`, or `prefix["k"]` (a JSON string in brackets)
 * when `k` holds '.', '[', ']' or '"', or is empty, so that `{"a.b": 1}` (`["a.b"]`) and
 * `{"a": {"b": 1}}` (`a.b`) never share a key.
 */
export function pathKey(prefix: string, k: string): string {
  if (!BARE_KEY.test(k)) return `${prefix}[${JSON.stringify(k)}]`
  return prefix === '' ? k : `${prefix}.${k}`
}

/**
 * Flatten to leaves keyed by path: dotted keys, [i] for array items, ["k"] for a key that
 * needs quoting (see pathKey): model.layers[0].size, model["a.b"]. An empty object or array
 * is a leaf.
 */
export function flattenValues(value: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, [])
    value.forEach((v, i) => flattenValues(v, `${prefix}[${i}]`, out))
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value)
    if (keys.length === 0 && prefix !== '') out.set(prefix, {})
    for (const k of keys) flattenValues(value[k], pathKey(prefix, k), out)
  } else {
    out.set(prefix, value)
  }
  return out
}

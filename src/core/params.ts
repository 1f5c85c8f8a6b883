import { canonicalProblem, isWellFormed, MAX_PARAM_DEPTH, nestsDeeperThan } from './canonical.js'
import { holdsSecretShape } from './secret-shapes.js'

/** Parameters: `-p key=value` typed as JSON where it parses, dotted keys nesting. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue }
export type Params = { [k: string]: JsonValue }

export class ParamError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message)
  }
}

/**
 * `0.1` → 0.1, `true` → true, `[1,2]` → [1,2], `"x"` → "x"; anything that is not JSON stays a
 * string, as does JSON without a canonical form (`1e400`, `[1e400]`, `"\ud800"`) and JSON with a
 * number a double cannot keep, which becomes the text of its literal where it stands
 * (`12345678901234567891` → "12345678901234567891", `[1e-400, 2]` → ["1e-400", 2]), and JSON
 * nested more than `depth` levels deep.
 */
export function typeParamValue(raw: string, depth = MAX_PARAM_DEPTH): JsonValue {
  const t = raw.trim()
  if (t === '') return raw
  const c = t[0]!
  const looksJson = c === '{' || c === '[' || c === '"' || c === '-' || (c >= '0' && c <= '9') ||
    t === 'true' || t === 'false' || t === 'null'
  if (!looksJson) return raw
  let v: JsonValue
  try {
    v = JSON.parse(t) as JsonValue
  } catch {
    return raw
  }
  // (Nested deeper than any configuration: the text as typed, as for what follows. `depth`: the
  // levels left below the key's own, so that a dotted key and its value stay within a params file's.)
  if (nestsDeeperThan(v, depth)) return raw
  if (canonicalProblem(v) === null && numberLiterals(t).every(survivesAsNumber)) return v
  if (typeof v !== 'object' || v === null) return raw // a lone number or string: the text as typed
  // What a run cannot keep as it is (a number a double does not give back, `1e400`; a string or
  // key with a lone surrogate) becomes the text given, where it stands: an object stays an
  // object, so that its keys (a `password` beside it) are still judged by the secret policy.
  const kept = JSON.parse(t.replace(JSON_TOKEN, (tok) => {
    if (tok[0] !== '"') return survivesAsNumber(tok) ? tok : `"${tok}"`
    return isWellFormed(JSON.parse(tok) as string) ? tok : JSON.stringify(tok.slice(1, -1))
  })) as JsonValue
  return canonicalProblem(kept) === null ? kept : raw
}

// A JSON string token, or a JSON number token; in valid JSON text, a digit or `-` outside a
// string can only start a number.
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g

/** The number literals of a valid JSON text, in order. */
function numberLiterals(json: string): string[] {
  return (json.match(JSON_TOKEN) ?? []).filter((tok) => tok[0] !== '"')
}

/** A decimal literal's exact value, normalized: `-12e-1` for -1.2, `0` for any zero. */
function decimalValue(literal: string): string {
  const m = /^([-+]?)(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(literal)
  if (m === null) return literal
  const frac = m[3] ?? ''
  const all = (m[2]! + frac).replace(/^0+/, '')
  if (all === '') return '0'
  const digits = all.replace(/0+$/, '')
  const exp = BigInt(m[4] ?? '0') - BigInt(frac.length) + BigInt(all.length - digits.length)
  return `${m[1] === '-' ? '-' : ''}${digits}e${exp}`
}

/**
 * Whether a JSON number literal survives being read as a double and written back (as JSON and
 * canonical JSON write it) with its value unchanged: `0.1`, `1.50`, `1e3` and `9007199254740992`
 * do; `12345678901234567891` (it writes back as 12345678901234567000), `1e-400` (0) and `1e400`
 * (no number at all) do not.
 */
export function survivesAsNumber(literal: string): boolean {
  const n = Number(literal)
  return Number.isFinite(n) && decimalValue(JSON.stringify(n)) === decimalValue(literal)
}

/**
 * A JSON text with each integer literal that a double cannot hold exactly (beyond 2^53, as
 * `12345678901234567891`) put in quotes, so that JSON.parse keeps its digits as a string; null
 * when there is none. (A literal with a fraction or an exponent is a float to every JSON reader,
 * which reads it as the same double.)
 */
export function quoteInexactIntegers(json: string): string | null {
  // A quick look first: no integer of 16 digits or more (2^53 has 16), no such literal.
  if (!/(?<![\d.]|[eE][-+]?)\d{16,}(?![\d.eE])/.test(json)) return null
  let quoted = false
  const out = json.replace(JSON_TOKEN, (tok) => {
    if (tok[0] === '"' || /[.eE]/.test(tok) || survivesAsNumber(tok)) return tok
    quoted = true
    return `"${tok}"`
  })
  return quoted ? out : null
}

/**
 * In a text that JSON.parse refused but that is written as JSON (it opens with `{` or `[`), what
 * JSON has no room for that YAML, read in its place, would take for text: a comment (`//`,
 * `/*`, as JSONC and tsconfig.json have them), which a YAML flow mapping glues to the key that
 * follows (`"// lr \"lr\""`); or NaN or Infinity as a value (Python's json.dumps writes a float
 * nan or inf so), which YAML reads as a string. Returns what it is and its 0-based offset, or
 * null. Quoted strings ("..." and YAML's '...') and YAML's # comments are passed over.
 */
export function jsonLookalikeProblem(text: string): { what: 'comment' | 'NaN' | 'Infinity'; at: number } | null {
  let i = 0
  while (i < text.length && /\s/.test(text[i]!)) i++
  if (text[i] !== '{' && text[i] !== '[') return null
  // A comment counts where the text without its comments is JSON (JSONC, as tsconfig.json): YAML
  // would read it as text. Elsewhere `//` is YAML's own (`{url: //host/x}`, `[//nas/a]`,
  // `{expr: n // 2}`), and so is a comment after `#`.
  const stripped = withoutComments(text)
  if (stripped !== null && stripped.first >= 0 && isJsonWithoutComments(stripped.out)) return { what: 'comment', at: stripped.first }
  let prev = '' // the last character outside a string that is not white space
  const open: string[] = [] // the brackets open here: in a sequence ('['), a value starts after [ and ,
  for (; i < text.length; i++) {
    const c = text[i]!
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (c === '"' && text[i] === '\\') i++
      prev = c
      continue
    }
    if (/\s/.test(c)) continue
    const spaced = i > 0 && /\s/.test(text[i - 1]!)
    // A YAML comment (# after white space) runs to the end of its line: what it says is no
    // token (`# was 0.2 // halved`), and JSON has no # to mistake for one.
    if (c === '#' && spaced) {
      while (i < text.length && text[i] !== '\n') i++
      continue
    }
    // Where a key or an element starts (after { [ or ,), a comment is one all the same: YAML
    // would read it as part of the key that follows (`{lr: 0.1, // rate\n epochs: 3}` gives a
    // key `// rate epochs`). Not `//` or `/*` glued to an element (`[//nas/a]`, `[/*.txt]`, a YAML plain scalar).
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*') && '{[,'.includes(prev) && prev !== '') {
      const glued = i + 2 < text.length && !/[\s/*]/.test(text[i + 2]!)
      if (!(glued && open.at(-1) === '[')) return { what: 'comment', at: i }
    }
    if (c === '{' || c === '[') open.push(c)
    else if (c === '}' || c === ']') open.pop()
    if ('[,:'.includes(prev) || prev === '') {
      const m = /^-?(NaN|Infinity)(?=\s*[,\]}]|\s*$)/.exec(text.slice(i, i + 64))
      if (m !== null) return { what: m[1] as 'NaN' | 'Infinity', at: i }
    }
    prev = c
  }
  return null
}

/**
 * The text without its comments: `//` to the end of the line and `/* ... *\/` (JSONC's), and `#`
 * after white space to the end of the line (YAML's), outside double-quoted strings; with `first`,
 * where the first `//` or `/*` was (-1 for none). null where a `/*` is never closed.
 */
function withoutComments(text: string): { out: string; first: number } | null {
  let out = ''
  let first = -1
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"') {
      const start = i
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
      out += text.slice(start, i + 1)
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else if (c === '/' && text[i + 1] === '/') {
      if (first < 0) first = i
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else if (c === '/' && text[i + 1] === '*') {
      if (first < 0) first = i
      const end = text.indexOf('*/', i + 2)
      if (end < 0) return null
      i = end + 1
      out += ' '
    } else out += c
  }
  return { out, first }
}

/** Whether text, without its comments and trailing commas, is JSON: JSON with comments (JSONC). */
function isJsonWithoutComments(stripped: string): boolean {
  try { JSON.parse(stripped.replace(/,(\s*[\]}])/g, '$1')); return true } catch { return false }
}

/** An integer a double cannot hold exactly, kept as the string of its digits, and its place. */
export interface Inexact { at: string; digits: string }

/**
 * The places (`model.seeds[1]`) where `quoted`, parsed from quoteInexactIntegers' text, holds a
 * string and `original`, parsed from the text itself, a number.
 */
export function quotedNumberPaths(original: unknown, quoted: unknown, where = '', out: Inexact[] = []): Inexact[] {
  if (typeof original === 'number' && typeof quoted === 'string') out.push({ at: where, digits: quoted })
  else if (Array.isArray(original) && Array.isArray(quoted)) {
    original.forEach((v, i) => quotedNumberPaths(v, quoted[i], `${where}[${i}]`, out))
  } else if (isPlainObject(original) && isPlainObject(quoted)) {
    for (const k of Object.keys(original)) quotedNumberPaths(original[k], quoted[k], where === '' ? k : `${where}.${k}`, out)
  }
  return out
}

/** A parsed YAML value in JSON's terms, and the integers kept as strings on the way. */
export interface PlainData { value: JsonValue; inexact: Inexact[] }

/**
 * A value as the yaml package gives it with `mapAsMap` and `intAsBigInt` (Maps, bigints), as
 * JSON: a Map becomes an object, its keys strings (a number or boolean key as JSON writes it);
 * a bigint a number, or, when no double holds it exactly, the string of its digits (listed in
 * `inexact`). A null key, a key that is a list or a mapping, two keys that read as one string, a
 * value that contains itself, or anything else without a JSON form is a ParamError that names
 * `source` and the place.
 */
export function plainYamlData(value: unknown, source: string): PlainData {
  const inexact: PlainData['inexact'] = []
  const open = new Set<unknown>()
  const at = (where: string): string => (where === '' ? 'at the top level' : `at ${where}`)
  const walk = (v: unknown, where: string): JsonValue => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v
    if (typeof v === 'bigint') {
      const n = Number(v)
      if (BigInt(n) === v) return n
      inexact.push({ at: where, digits: v.toString() })
      return v.toString()
    }
    if (typeof v !== 'object') throw new ParamError(`${source} holds a value of type ${typeof v} ${at(where)}, which JSON has no form for`)
    if (open.has(v)) throw new ParamError(`${source} holds a value that contains itself ${at(where)} (an alias inside its own anchor)`)
    open.add(v)
    try {
      if (Array.isArray(v)) return v.map((item, i) => walk(item, `${where}[${i}]`))
      if (v instanceof Map) {
        const out: { [k: string]: JsonValue } = {}
        for (const [key, item] of v) {
          if (key === null || key === undefined) {
            throw new ParamError(`${source} holds a null key ${where === '' ? 'at the top level' : `in ${where}`}`,
              "YAML reads an empty key, null and ~ as null: quote it ('null':) to mean the string")
          }
          if (typeof key === 'object') throw new ParamError(`${source} holds a list or a mapping as a key ${where === '' ? 'at the top level' : `in ${where}`}`)
          const k = String(key)
          const place = where === '' ? k : `${where}.${k}`
          if (Object.prototype.hasOwnProperty.call(out, k)) throw new ParamError(`${source} holds two keys that both read as '${k}' ${where === '' ? 'at the top level' : `in ${where}`}`)
          Object.defineProperty(out, k, { value: walk(item, place), enumerable: true, writable: true, configurable: true })
        }
        return out
      }
      const kind = v instanceof Set ? 'a set' : v instanceof Uint8Array ? 'binary data' : v instanceof Date ? 'a timestamp' : `a ${v.constructor?.name ?? 'value'}`
      throw new ParamError(`${source} holds ${kind} ${at(where)}, which JSON has no form for`)
    } finally {
      open.delete(v)
    }
  }
  return { value: walk(value, ''), inexact }
}

/** Split `a.b.c=value` into its key path and raw value. */
export function parseAssignment(assignment: string): { keys: string[]; raw: string } {
  const eq = assignment.indexOf('=')
  if (eq <= 0) throw new ParamError(`invalid parameter '${assignment}': expected KEY=VALUE`)
  const key = assignment.slice(0, eq)
  // A key that holds a credential (a JWT, `https://u:p@host.com`) by mistake is one key, so
  // that the redactor sees it whole: split at its dots, no part of it looks like one.
  const keys = holdsSecretShape(key) ? [key] : key.split('.')
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

/** A `-p` assignment, or a parsed params file (path `-`: standard input). */
export type ParamSource = { kind: 'set'; assignment: string } | { kind: 'file'; path: string; data: unknown }

/** A params file may not use the key names `-p` refuses either. */
function assertSafeKeys(value: unknown, source: string): void {
  if (Array.isArray(value)) for (const v of value) assertSafeKeys(v, source)
  else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN.has(k)) throw new ParamError(`${source} uses the forbidden key '${k}'`)
      assertSafeKeys(v, source)
    }
  }
}

/** How messages name a params file; `-` is standard input. */
const sourceName = (file: string): string => (file === '-' ? 'standard input' : `params file '${file}'`)

/** Apply sources in command-line order, later wins. */
export function buildParams(sources: ParamSource[]): Params {
  let params: Params = {}
  for (const s of sources) {
    if (s.kind === 'set') {
      const { keys, raw } = parseAssignment(s.assignment)
      // A dotted key nests as deep as its components: more than a params file may is refused, as
      // a file is (a run that deep is no run write-run takes, and 20,000 overflowed the stack).
      if (keys.length > MAX_PARAM_DEPTH) throw new ParamError(`invalid parameter key '${keys.slice(0, 3).join('.')}...': it nests more than ${MAX_PARAM_DEPTH} levels deep (${keys.length} components)`)
      setPath(params, keys, typeParamValue(raw, MAX_PARAM_DEPTH - keys.length))
    } else {
      if (!isPlainObject(s.data)) throw new ParamError(`${sourceName(s.path)} must hold an object at its top level`)
      assertSafeKeys(s.data, sourceName(s.path))
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

// Reading a run that a newer prov wrote: the fields this prov knows, and where the others were.
import { escapeTerminal } from './paths.js'

/**
 * What the run schema says of a value: `0` for one not looked into (a scalar, or an object the
 * schema leaves open, such as env and params); `keys` for an object whose properties are all
 * named; `items` for an array. Made from schemas/run.schema.json by the build (RUN_SHAPE).
 */
export type Shape = 0 | { keys: Record<string, Shape>; branches?: Branch[] } | { items: Shape }

/**
 * One object branch of a oneOf: the keys it names, and those it requires. A `keys` shape with
 * `branches` is a oneOf: its `keys` is the union of the branches', read where a value has the
 * required keys of no branch or of more than one.
 */
export interface Branch { required: string[]; keys: Record<string, Shape> }

/** A JSON pointer's reference token (RFC 6901). */
const token = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1')

/** A field left out: its JSON pointer in the document, and its value. */
export interface UnknownField { at: string; value: unknown }

/**
 * `data` without the fields `shape` does not name, and those fields (where, and what), in
 * document order. Objects and arrays are copied only on the way to a field left out: the result
 * is `data` itself when it has none. Consumers ignore unknown fields (STYLE.md): a field that a
 * newer prov adds is left out here rather than making the run unreadable.
 */
export function withoutUnknownFields(data: unknown, shape: Shape): { known: unknown; unknown: UnknownField[] } {
  const unknown: UnknownField[] = []
  const walk = (value: unknown, s: Shape, at: string): unknown => {
    if (s === 0 || typeof value !== 'object' || value === null) return value
    if ('items' in s) {
      if (!Array.isArray(value)) return value
      let copy: unknown[] | null = null
      for (let i = 0; i < value.length; i++) {
        const v = walk(value[i], s.items, `${at}/${i}`)
        if (v !== value[i]) (copy ??= value.slice())[i] = v
      }
      return copy ?? value
    }
    if (Array.isArray(value)) return value
    const obj = value as Record<string, unknown>
    // A oneOf: the one branch whose required keys the value has; a field only another branch
    // names is unknown in it. None, or more than one: the union, and the schema decides.
    let keys = s.keys
    if (s.branches !== undefined) {
      const fits = s.branches.filter((b) => b.required.every((k) => Object.hasOwn(obj, k)))
      if (fits.length === 1) keys = fits[0]!.keys
    }
    let copy: Record<string, unknown> | null = null
    for (const k of Object.keys(obj)) {
      const child = Object.hasOwn(keys, k) ? keys[k]! : undefined
      if (child === undefined) {
        unknown.push({ at: `${at}/${token(k)}`, value: obj[k] })
        copy ??= { ...obj }
        delete copy[k]
        continue
      }
      const v = walk(obj[k], child, `${at}/${token(k)}`)
      if (v !== obj[k]) (copy ??= { ...obj })[k] = v
    }
    return copy ?? value
  }
  const known = walk(data, shape, '')
  return { known, unknown }
}

/** Pointers for a message: the first few (a control character in a key escaped), and how many more. */
export function listPointers(pointers: readonly string[], max = 3): string {
  const shown = pointers.slice(0, max).map(escapeTerminal).join(', ')
  return pointers.length > max ? `${shown} and ${pointers.length - max} more` : shown
}

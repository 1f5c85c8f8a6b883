/**
 * A strict argument parser over citty's ArgsDef: unknown flags are errors, repeatable flags
 * keep every value in command-line order, and `--` ends the options (what follows is `rest`).
 * citty's own parser accepts unknown flags and keeps only the last of repeated ones.
 */

export interface ArgSpec {
  type?: 'boolean' | 'string' | 'enum' | 'positional'
  alias?: string | string[]
  default?: unknown
  required?: boolean
  options?: string[]
  description?: string
  valueHint?: string
}

export interface ParsedArgv {
  /** flag values by their declared name; repeatable flags hold arrays */
  values: Record<string, unknown>
  /** positionals not bound to a declared positional */
  extra: string[]
  /** everything after `--`, or null when there was no `--` */
  rest: string[] | null
  /** for repeatable flags: every occurrence in order, as [name, value] */
  sequence: Array<[string, string]>
}

export class ArgvError extends Error {}

export function parseArgv(
  raw: string[],
  spec: Record<string, ArgSpec>,
  opts: { repeatable?: readonly string[]; variadic?: boolean; operandsAfterDashDash?: boolean } = {},
): ParsedArgv {
  const repeatable = new Set(opts.repeatable ?? [])
  const long = new Map<string, string>()
  const short = new Map<string, string>()
  const positionals: string[] = []
  for (const [name, def] of Object.entries(spec)) {
    if (def.type === 'positional') { positionals.push(name); continue }
    long.set(name, name)
    if (name.length === 1) short.set(name, name) // a one-letter flag is spelled -z, as citty spells it
    const aliases = def.alias === undefined ? [] : Array.isArray(def.alias) ? def.alias : [def.alias]
    for (const a of aliases) (a.length === 1 ? short : long).set(a, name)
  }
  const values: Record<string, unknown> = {}
  const sequence: Array<[string, string]> = []
  const free: string[] = []
  let rest: string[] | null = null

  const setValue = (name: string, value: string | boolean, shown: string): void => {
    const def = spec[name]!
    if (def.type === 'enum' && typeof value === 'string' && def.options && !def.options.includes(value)) {
      throw new ArgvError(`invalid value '${value}' for ${shown}: expected one of ${def.options.join(', ')}`)
    }
    if (repeatable.has(name)) {
      ;((values[name] ??= []) as unknown[]).push(value)
      sequence.push([name, String(value)])
    } else values[name] = value
  }

  for (let i = 0; i < raw.length; i++) {
    const arg = raw[i]!
    if (arg === '--') {
      // For a command that runs none, what follows `--` are its operands, though they look like
      // options (`prov show -- -x/run.json`), as for diff(1) and git.
      if (opts.operandsAfterDashDash) free.push(...raw.slice(i + 1))
      else rest = raw.slice(i + 1)
      break
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
      const name = long.get(key)
      if (name === undefined) throw new ArgvError(`unknown option '--${key}'`)
      const def = spec[name]!
      if (def.type === 'boolean') {
        if (eq !== -1) throw new ArgvError(`option '--${key}' takes no value`)
        setValue(name, true, `--${key}`)
      } else {
        let v: string | undefined
        if (eq !== -1) v = arg.slice(eq + 1)
        else if (i + 1 < raw.length) v = raw[++i]
        // `-i -- cmd`: the option is missing its value, and `--` was not meant as one (write ./-- for a file so named).
        if (v === undefined || (eq === -1 && v === '--')) throw new ArgvError(`option '--${key}' requires a value`)
        setValue(name, v, `--${key}`)
      }
      continue
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A cluster of short flags: -zq, or -pkey=value, or -p value.
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j]!
        const name = short.get(ch)
        if (name === undefined) throw new ArgvError(`unknown option '-${ch}'`)
        const def = spec[name]!
        if (def.type === 'boolean') { setValue(name, true, `-${ch}`); continue }
        let v: string | undefined = arg.slice(j + 1)
        if (v === '') v = i + 1 < raw.length && raw[i + 1] !== '--' ? raw[++i] : undefined
        if (v === undefined) throw new ArgvError(`option '-${ch}' requires a value`)
        setValue(name, v, `-${ch}`)
        break
      }
      continue
    }
    free.push(arg)
  }

  for (const name of positionals) {
    const v = free.shift()
    if (v !== undefined) values[name] = v
    else if (spec[name]!.default !== undefined) values[name] = spec[name]!.default
    else if (spec[name]!.required) throw new ArgvError(`missing argument <${name}>`)
  }
  if (free.length > 0 && !opts.variadic) throw new ArgvError(`unexpected argument '${free[0]}'`)
  for (const [name, def] of Object.entries(spec)) {
    if (def.type === 'positional') continue
    if (values[name] === undefined) {
      if (repeatable.has(name)) values[name] = []
      else if (def.default !== undefined) values[name] = def.default
      else if (def.type === 'boolean') values[name] = false
      else if (def.required) throw new ArgvError(`missing required option '--${name}'`)
    }
  }
  return { values, extra: free, rest, sequence }
}

import { isUtf8 } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Document, Node, Pair } from 'yaml'
import {
  buildParams, jsonLookalikeProblem, ParamError, plainYamlData, quoteInexactIntegers, quotedNumberPaths,
  type Inexact, type ParamSource, type Params,
} from '../core/params.js'
import { canonicalProblem, MAX_PARAM_DEPTH, nestsDeeperThan } from '../core/canonical.js'
import { jsonParseReason, position, withoutBom } from '../core/json-docs.js'
import { InputError, UsageError, describeErrno } from '../errors.js'
import { quotePath } from '../core/paths.js'
import { readStdinBytes } from './stdio.js'
import { log } from './log.js'

/**
 * Parse a params file (`-`: standard input): JSON for .json, YAML for .yaml/.yml, otherwise JSON
 * and then YAML. A value a run cannot hold (a number beyond a double's range, YAML's .inf and
 * .nan, a lone surrogate) is an error naming it: JSON.stringify would write null for the one,
 * and canonical JSON refuses the other. An integer a double cannot hold exactly is kept as the
 * string of its digits, with a warning.
 */
export async function readParamsFile(file: string): Promise<unknown> {
  const source = file === '-' ? 'standard input' : `params file ${quotePath(file)}`
  let bytes: Buffer
  try {
    bytes = file === '-' ? await readStdinBytes() : readFileSync(file) // not fs/promises: see readTextSource
  } catch (e) {
    if (e instanceof InputError) throw e // standard input's own words (a directory, a bad descriptor)
    throw new InputError('E_MISSING', `cannot read ${source}: ${describeErrno(e)}`)
  }
  const text = utf8Text(bytes, source)
  const { data, inexact } = parseParamsText(text, file, source)
  if (nestsDeeperThan(data, MAX_PARAM_DEPTH)) throw new InputError('E_PARAM', `${source} nests its values more than ${MAX_PARAM_DEPTH} levels deep`)
  const problem = canonicalProblem(data)
  if (problem !== null) throw new InputError('E_PARAM', `${source} holds ${problem}, which a run cannot keep`)
  for (const { at, digits } of inexact) {
    // The place, not the value: it may be a secret (its key says so, or not).
    log.warn(`${source}: the integer at ${at} (${digits.replace(/^-/, '').length} digits) is more than a double holds exactly: kept as the string of its digits`)
  }
  return data
}

/**
 * A params file's text. JSON and YAML files are UTF-8: one in UTF-16 (as Windows PowerShell's
 * `>` writes) or in a legacy encoding (Latin-1's `café`) is an error that says so. Decoded with
 * U+FFFD for what is not UTF-8, the one read as no object or as garbage, and the other's
 * distinct values (`café`, `cafè`) as one, so that a diff saw no change.
 */
function utf8Text(bytes: Buffer, source: string): string {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new InputError('E_PARAM', `${source} is UTF-16 text (its byte order mark says so): parameter files are read as UTF-8`, 'convert it: iconv -f UTF-16 -t UTF-8 <file> > <new file>')
  }
  if (!isUtf8(bytes)) {
    let line = 1
    let start = 0
    for (let nl; (nl = bytes.indexOf(0x0a, start)) !== -1 && isUtf8(bytes.subarray(start, nl)); start = nl + 1) line++
    throw new InputError('E_PARAM', `${source} is not valid UTF-8 (line ${line}): parameter files are read as UTF-8`, 'convert it, from the encoding it was written in: iconv -f LATIN1 -t UTF-8 <file> > <new file>')
  }
  return bytes.toString('utf8')
}

/** Formats a parameter file may be named for that prov does not read: said as such, not as bad YAML. */
const OTHER_FORMATS: ReadonlyArray<[string, string]> = [['.toml', 'TOML'], ['.ini', 'INI'], ['.cfg', 'INI'], ['.properties', 'Java properties'], ['.xml', 'XML'], ['.hcl', 'HCL'], ['.tfvars', 'HCL']]

function parseParamsText(text: string, file: string, source: string): { data: unknown; inexact: Inexact[] } {
  text = withoutBom(text)
  const lower = file.toLowerCase()
  // A file named for another format is read all the same (a setup.cfg may hold YAML); only where
  // it does not give an object is the error about its format, not about YAML's reading of it.
  const other = OTHER_FORMATS.find(([ext]) => lower.endsWith(ext))
  if (other !== undefined) {
    const otherFormat = (): InputError => new InputError('E_PARAM', `${source} is not JSON or YAML (${other[1]}, by its name): parameter files are JSON or YAML`, 'write the parameters as JSON or YAML, or give them with -p KEY=VALUE; the file can still be an input (-i)')
    let parsed
    try { parsed = parseAny(text, source) } catch { throw otherFormat() }
    if (typeof parsed.data !== 'object' || parsed.data === null || Array.isArray(parsed.data)) throw otherFormat()
    return parsed
  }
  return parseAny(text, source, lower)
}

function parseAny(text: string, source: string, lower = ''): { data: unknown; inexact: Inexact[] } {
  const yamlFirst = lower.endsWith('.yaml') || lower.endsWith('.yml')
  if (!yamlFirst) {
    let data: unknown
    try {
      data = JSON.parse(text) as unknown
    } catch (e) {
      if (lower.endsWith('.json')) {
        throw new InputError('E_JSON', `${source} is not valid JSON: ${jsonParseReason(e)}`)
      }
      // Written as JSON, with what JSON has no room for: YAML would read it as text, not as meant.
      const odd = jsonLookalikeProblem(text)
      if (odd !== null) {
        const { line, column: col } = position(text, odd.at)
        if (odd.what === 'comment') {
          throw new InputError('E_JSON', `${source} is not valid JSON: it holds a comment at line ${line}, column ${col}, which JSON does not allow`,
            'remove the comments (JSON with comments, as in tsconfig.json, is not read), or write the file as YAML, whose comments start with #')
        }
        throw new InputError('E_JSON', `${source} is not valid JSON: it holds ${odd.what} at line ${line}, column ${col}, a number JSON cannot hold, which a run cannot keep`,
          "Python's json writes a float nan or inf so: write the value as a string, or find it with json.dumps(..., allow_nan=False)")
      }
      return parseYaml(text, source)
    }
    const quoted = quoteInexactIntegers(text)
    if (quoted === null) return { data, inexact: [] }
    const kept = JSON.parse(quoted) as unknown
    return { data: kept, inexact: quotedNumberPaths(data, kept) }
  }
  return parseYaml(text, source)
}

const CORE = 'tag:yaml.org,2002:'
/** What a tag's short form names, and what to write instead of a tag without a JSON form. */
const NO_JSON_FORM: Record<string, string> = {
  [CORE + 'set']: 'write a list instead',
  [CORE + 'omap']: 'write a mapping, or a list of pairs, without the tag',
  [CORE + 'pairs']: 'write a mapping, or a list of pairs, without the tag',
  [CORE + 'binary']: 'remove the tag to keep the base64 text as a string',
  [CORE + 'timestamp']: 'remove the tag to keep the date as a string',
}

const shortTag = (tag: string): string => (tag.startsWith(CORE) ? '!!' + tag.slice(CORE.length) : tag)

/**
 * YAML 1.2 (core schema) with merge keys (`<<: *base`), as PyYAML reads them. A value JSON has no
 * form for is an error that names its place: a set, binary data, a timestamp, an ordered map, a
 * value under an unknown tag, or a tag that does not fit its value (`!!float abc`); and so are a
 * null key, a key that is a list or a mapping, and a value that contains itself.
 */
function parseYaml(text: string, source: string): { data: unknown; inexact: Inexact[] } {
  // yaml is loaded from node_modules when a file needs it: it is left out of the bundles, which
  // every run reads (src/build/build.mjs).
  const YAML = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  const lineCounter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { merge: true, intAsBigInt: true, prettyErrors: false, lineCounter })
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset)
    return `line ${line}, column ${col}`
  }
  const error = doc.errors[0]
  if (error !== undefined) {
    if (error.code === 'MULTIPLE_DOCS') {
      throw new InputError('E_YAML', `${source} holds more than one YAML document (the second starts at ${at(error.pos[0])})`,
        'a params file holds one document: remove the --- line there, or split the file in two')
    }
    throw new InputError('E_YAML', `${source} is not valid YAML at ${at(error.pos[0])}: ${firstLine(error.message)}`)
  }
  checkTags(YAML, doc, source)
  checkMergeKeys(YAML, doc, source)
  for (const w of doc.warnings) log.warn(`${source}: ${at(w.pos[0])}: ${firstLine(w.message)}`)
  let js: unknown
  try {
    js = doc.toJS({ mapAsMap: true, maxAliasCount: 1000 })
  } catch (e) {
    throw new InputError('E_YAML', `${source} cannot be read: ${e instanceof Error ? firstLine(e.message) : String(e)}`)
  }
  try {
    const { value, inexact } = plainYamlData(js, source)
    return { data: value, inexact }
  } catch (e) {
    if (e instanceof ParamError) throw new InputError('E_PARAM', e.message, e.hint)
    throw e
  }
}

const firstLine = (message: string): string => message.split('\n')[0]!.replace(/:$/, '')

/** Refuse a tag without a JSON form, and a JSON tag its value does not fit. */
function checkTags(YAML: typeof import('yaml'), doc: Document, source: string): void {
  YAML.visit(doc, (_key, node, path) => {
    if (!YAML.isNode(node) || node.tag === undefined) return
    const tag = node.tag
    const where = yamlPlace(YAML, path, node)
    const hint = NO_JSON_FORM[tag]
    if (hint !== undefined) throw new InputError('E_YAML', `${source} has a value tagged ${shortTag(tag)} ${where}, which JSON has no form for`, hint)
    const fits = tagFits(YAML, node)
    if (fits === null) {
      throw new InputError('E_YAML', `${source} has a value tagged ${shortTag(tag)} ${where}, a tag prov does not know`,
        'prov reads plain YAML values (strings, numbers, booleans, null, lists, mappings): remove the tag')
    }
    if (!fits) {
      // The place, not the value: it may be a secret.
      throw new InputError('E_YAML', `${source} has a value tagged ${shortTag(tag)} ${where}, which is not one`,
        'remove the tag, or write the value so that it is one')
    }
  })
}

/**
 * Refuse a mapping with two merge keys (`<<: *a` and `<<: *b`): YAML readers differ on which
 * wins (PyYAML: the later; others: the first, or an error for the repeated key), so a record
 * could not say what the program read. `<<: [*a, *b]` says it once, and every reader agrees.
 */
function checkMergeKeys(YAML: typeof import('yaml'), doc: Document, source: string): void {
  YAML.visit(doc, {
    Map(_key, node, path) {
      const merges = node.items.filter((p) => YAML.isScalar(p.key) && typeof p.key.value === 'symbol')
      if (merges.length > 1) {
        throw new InputError('E_YAML', `${source} has ${merges.length} merge keys (<<) in one mapping ${yamlPlace(YAML, path, node)}: YAML readers differ on which one wins`,
          'merge them in one key, in the order you mean: <<: [*first, *second] (a key of an earlier mapping wins, as YAML has it)')
      }
    },
  })
}

/** Whether a node fits its JSON tag (`!!int 12`: yes; `!!float abc`: no); null for another tag. */
function tagFits(YAML: typeof import('yaml'), node: Node): boolean | null {
  const v: unknown = YAML.isScalar(node) ? node.value : undefined
  const scalar = YAML.isScalar(node)
  switch (node.tag) {
    case '!': return true // the non-specific tag: the value's own kind
    case CORE + 'str': return scalar && typeof v === 'string'
    case CORE + 'int': return scalar && (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)))
    case CORE + 'float': return scalar && typeof v === 'number'
    case CORE + 'bool': return scalar && typeof v === 'boolean'
    case CORE + 'null': return scalar && v === null
    case CORE + 'map': return YAML.isMap(node)
    case CORE + 'seq': return YAML.isSeq(node)
    default: return null
  }
}

/** `at model.layers[0]`, as diffs name params; `at the top level`. */
function yamlPlace(YAML: typeof import('yaml'), path: ReadonlyArray<Document | Node | Pair>, node: Node): string {
  const chain: unknown[] = [...path, node]
  let where = ''
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1]
    if (YAML.isPair(parent)) {
      const k = YAML.isScalar(parent.key) ? (parent.key.source ?? String(parent.key.value)) : '?'
      where = where === '' ? k : `${where}.${k}`
    } else if (YAML.isSeq(parent)) where += `[${parent.items.indexOf(chain[i] as Node)}]`
  }
  return where === '' ? 'at the top level' : `at ${where}`
}

/** `-p` and `--params-file` in command-line order (later wins); `--params-file -` reads stdin. */
export async function readParams(sequence: ReadonlyArray<[string, string]>): Promise<Params> {
  if (sequence.filter(([flag, value]) => flag === 'params-file' && value === '-').length > 1) {
    throw new UsageError("'--params-file -' is given twice: standard input holds one document", "to read a file named '-', write './-'")
  }
  const sources: ParamSource[] = []
  for (const [flag, value] of sequence) {
    // `-p model.layers[0].size=128`, written as diff names keys, would make a key 'layers[0]' beside
    // the list, leaving its element as it was: said instead. (Sources a run recorded are applied as they were.)
    const key = flag === 'param' ? value.slice(0, Math.max(0, value.indexOf('='))) : ''
    if (/[[\]]/.test(key)) {
      throw new InputError('E_PARAM', `invalid parameter key '${key}': -p sets keys by dots ('a.b=1'); an element of a list cannot be set on its own`, `give the whole list: -p '${key.replace(/\[.*$/, '')}=[...]'`)
    }
    if (flag === 'param') {
      // `-p version=1.10` is the number 1.1, as JSON reads it: the same as `-p version=1.1` to diff.
      // Said where the key names a version (`-p lr=1.50` is a number, as meant).
      const raw = value.slice(value.indexOf('=') + 1).trim()
      if (/^-?\d+\.\d*[1-9]0+$/.test(raw) && /(?:^|[._-])(?:version|ver|v|release|rev|revision|tag)$/i.test(key)) {
        log.warn(`-p ${key}=${raw} is the number ${JSON.stringify(Number(raw))}, as JSON reads it; for the text (a version), quote it: -p '${key}="${raw}"'`)
      }
      sources.push({ kind: 'set', assignment: value })
    }
    else if (flag === 'params-file') sources.push({ kind: 'file', path: value, data: await readParamsFile(value) })
  }
  try {
    return buildParams(sources)
  } catch (e) {
    if (e instanceof ParamError) throw new InputError('E_PARAM', e.message, e.hint)
    throw e
  }
}

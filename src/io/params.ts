import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { buildParams, ParamError, type ParamSource, type Params } from '../core/params.js'
import { canonicalProblem } from '../core/canonical.js'
import { InputError, describeErrno } from '../errors.js'
import { quotePath } from '../core/paths.js'

/**
 * Parse a params file: JSON for .json, YAML for .yaml/.yml, otherwise JSON and then YAML. A value
 * a run cannot hold (a number beyond a double's range, YAML's .inf and .nan, a lone surrogate) is
 * an error naming it: JSON.stringify would write null for the one, and canonical JSON refuses
 * the other.
 */
export async function readParamsFile(file: string): Promise<unknown> {
  const data = await parseParamsFile(file)
  const problem = canonicalProblem(data)
  if (problem !== null) throw new InputError('E_PARAM', `params file ${quotePath(file)} holds ${problem}, which a run cannot keep`)
  return data
}

async function parseParamsFile(file: string): Promise<unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8') // not fs/promises: see readTextSource
  } catch (e) {
    throw new InputError('E_MISSING', `cannot read params file ${quotePath(file)}: ${describeErrno(e)}`)
  }
  const lower = file.toLowerCase()
  const yamlFirst = lower.endsWith('.yaml') || lower.endsWith('.yml')
  if (!yamlFirst) {
    try {
      return JSON.parse(text) as unknown
    } catch (e) {
      if (lower.endsWith('.json')) {
        throw new InputError('E_JSON', `params file ${quotePath(file)} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
      }
    }
  }
  // yaml is loaded from node_modules when a file needs it: it is left out of the bundles, which
  // every run reads (src/build/build.mjs).
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  try {
    return parse(text, { maxAliasCount: 1000 }) as unknown
  } catch (e) {
    throw new InputError('E_YAML', `params file ${quotePath(file)} is not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
  }
}

/** `-p` and `--params-file` in command-line order (later wins). */
export async function readParams(sequence: ReadonlyArray<[string, string]>): Promise<Params> {
  const sources: ParamSource[] = []
  for (const [flag, value] of sequence) {
    if (flag === 'param') sources.push({ kind: 'set', assignment: value })
    else if (flag === 'params-file') sources.push({ kind: 'file', path: value, data: await readParamsFile(value) })
  }
  try {
    return buildParams(sources)
  } catch (e) {
    if (e instanceof ParamError) throw new InputError('E_PARAM', e.message)
    throw e
  }
}

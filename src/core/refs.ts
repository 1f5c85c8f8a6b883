import { RUN_ID_RE } from './id.js'
import { quotePath } from './paths.js'

/** A run reference: full id, unique prefix of 4+ hex, `@`, `@~N`, or a path to a run.json. */
export type RunRef =
  | { kind: 'latest'; back: number }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'path'; path: string }

export class RefError extends Error {
  constructor(message: string, readonly candidates: string[] = []) {
    super(message)
  }
}

export function parseRef(ref: string): RunRef {
  if (ref === '-' || ref.includes('/') || ref.endsWith('.json')) return { kind: 'path', path: ref }
  const latest = /^@(?:~(\d*))?$/.exec(ref)
  if (latest) {
    // Beyond 2^53, as far back as no store reaches: resolving it says how many runs there are.
    const n = latest[1] === undefined ? 0 : latest[1] === '' ? 1 : Math.min(Number(latest[1]), Number.MAX_SAFE_INTEGER)
    return { kind: 'latest', back: n }
  }
  if (/^[0-9a-f]{4,64}$/.test(ref)) return { kind: 'prefix', prefix: ref }
  // Hex in capitals: ids are written in lowercase, which is what to say (it is hex all the same).
  if (/^[0-9a-fA-F]{4,64}$/.test(ref)) throw new RefError(`invalid run reference ${quotePath(ref)}: run ids are lowercase hex, as prov prints them: '${ref.toLowerCase()}'`)
  if (/^[0-9a-fA-F]{1,3}$/.test(ref)) throw new RefError(`run reference ${quotePath(ref)} is too short: give at least 4 characters of the id`)
  throw new RefError(`invalid run reference ${quotePath(ref)}: expected an id, a prefix of 4 or more hex digits, @, @~N, or a path to a run.json`)
}

/**
 * Resolve a store reference against the store's runs, newest first (`@` is runs[0]).
 * Returns the full id; throws RefError listing candidates when unknown or ambiguous.
 */
export function resolveStoreRef(ref: RunRef & { kind: 'latest' | 'prefix' }, runsNewestFirst: readonly string[], text: string): string {
  if (ref.kind === 'latest') {
    if (runsNewestFirst.length === 0) throw new RefError(`no runs recorded yet, so '${text}' names nothing`)
    const id = runsNewestFirst[ref.back]
    if (id === undefined) {
      throw new RefError(`'${text}' goes back further than the ${runsNewestFirst.length} recorded run${runsNewestFirst.length === 1 ? '' : 's'}`)
    }
    return id
  }
  const matches = runsNewestFirst.filter((id) => id.startsWith(ref.prefix))
  if (matches.length === 1 && RUN_ID_RE.test(matches[0]!)) return matches[0]!
  if (matches.length === 0) throw new RefError(`unknown run '${text}'`, runsNewestFirst.slice(0, 10))
  throw new RefError(`ambiguous run reference '${text}': ${matches.length} runs match`, matches.slice(0, 10))
}

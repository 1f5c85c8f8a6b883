import { canonicalProblem, MAX_RUN_DEPTH, nestsDeeperThan } from './canonical.js'

/**
 * JSON.parse's reason, without the excerpt of the text it quotes (`Unexpected token 'h',
 * ..."password": hunter2"... is not valid JSON`): the text may be any file, or hold a secret.
 */
export function jsonParseReason(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  return e.message.replace(/^JSON\.parse: /, '').replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
}

/**
 * Split a text holding JSON documents, concatenated or one per line, into parsed values.
 * Throws JsonDocsError naming the line and column of the first problem.
 */
export class JsonDocsError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message)
  }
}

/** The 1-based line and column of an offset in a text. */
export function position(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let last = -1
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    last = i
  }
  return { line, column: offset - last }
}

/** A text without the byte order mark an editor may write before it, which is no part of JSON or YAML (jq skips it too). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

const WS = new Set([' ', '\t', '\n', '\r', '\ufeff'])

export function parseJsonDocuments(text: string): unknown[] {
  const docs: unknown[] = []
  let i = 0
  const n = text.length
  while (i < n) {
    while (i < n && WS.has(text[i]!)) i++
    if (i >= n) break
    const start = i
    const first = text[i]!
    if (first === '{' || first === '[') {
      let depth = 0
      let inString = false
      for (; i < n; i++) {
        const c = text[i]!
        if (inString) {
          if (c === '\\') i++
          else if (c === '"') inString = false
        } else if (c === '"') inString = true
        else if (c === '{' || c === '[') depth++
        else if (c === '}' || c === ']') {
          depth--
          if (depth === 0) { i++; break }
        }
      }
      if (depth !== 0) {
        const p = position(text, start)
        throw new JsonDocsError(`unterminated JSON document starting at line ${p.line}, column ${p.column}`, p.line, p.column)
      }
    } else if (first === '"') {
      // A string document: up to its closing quote (it may hold white space).
      for (i++; i < n && text[i] !== '"'; i++) if (text[i] === '\\') i++
      if (i < n) i++
    } else {
      // A scalar document: read up to the next white space.
      while (i < n && !WS.has(text[i]!)) i++
    }
    const chunk = text.slice(start, i)
    let doc: unknown
    try {
      doc = JSON.parse(chunk)
    } catch (e) {
      const p = position(text, start)
      const detail = jsonParseReason(e)
      throw new JsonDocsError(`invalid JSON in the document starting at line ${p.line}, column ${p.column}: ${detail}`, p.line, p.column)
    }
    // (A run's own structure takes a few levels above its params: deeper is no run, and would
    // overflow the stack of what walks it.)
    if (nestsDeeperThan(doc, MAX_RUN_DEPTH)) {
      const p = position(text, start)
      throw new JsonDocsError(`the document starting at line ${p.line}, column ${p.column} nests its values more than ${MAX_RUN_DEPTH} levels deep`, p.line, p.column)
    }
    const problem = canonicalProblem(doc)
    if (problem !== null) {
      const p = position(text, start)
      throw new JsonDocsError(`the document starting at line ${p.line}, column ${p.column} holds ${problem}, which a run cannot keep`, p.line, p.column)
    }
    docs.push(doc)
  }
  return docs
}

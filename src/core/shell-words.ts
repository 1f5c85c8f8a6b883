// A shell script (the operand of `sh -c`, `bash -lc`) read as the shell splits it into words, for
// the redactor (core/redact.ts): each simple command's words are redacted as an argv is, and the
// script is rebuilt with only the changed characters replaced. This is no shell: nothing is
// expanded. An expansion ($NAME, ${...}, $(...), `...`) stays its own text in a word's value and
// is listed, so that `--password "$PW"` is known to name a variable, not to hold a password.

/** How a character of a word was written. */
export type Quoting = 'bare' | 'single' | 'double' | 'ansi'

export interface ShellWord {
  /** the word as the shell passes it: quotes and escapes removed, expansions as their text */
  value: string
  /** where the word is in the script: [start, end) */
  start: number
  end: number
  /** per character of value: its index in the script, or -1 where an escape made it (`\n` in $'...') */
  at: number[]
  /** per character of value: how it was written */
  quoting: Quoting[]
}

export interface ShellScript {
  /** the simple commands in order, each its words (redirection operators and their targets left out) */
  commands: ShellWord[][]
  /** the expansions outside single quotes, as their text */
  expansions: string[]
  /** where the outermost command substitutions' scripts are ($(here), `here`): [start, end) */
  substitutions: Array<{ start: number; end: number }>
}

const ANSI_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' }

/** Split a script into simple commands and words, as a POSIX shell (and bash) would. */
export function readShellScript(src: string): ShellScript {
  const n = src.length
  const commands: ShellWord[][] = []
  const expansions: string[] = []
  const substitutions: Array<{ start: number; end: number }> = []
  let cmd: ShellWord[] = []
  let word: ShellWord | null = null
  /** the next word is a redirection's target (a file, a descriptor, a here-document's delimiter) */
  let target: 'file' | 'heredoc' | 'heredoc-tabs' | null = null
  const heredocs: Array<{ delimiter: string; tabs: boolean }> = []

  const begin = (i: number): ShellWord => (word ??= { value: '', start: i, end: i, at: [], quoting: [] })
  /** `ch` is one UTF-16 unit written at `at`, or what an escape made (at -1), of any length. */
  const add = (w: ShellWord, ch: string, at: number, q: Quoting): void => {
    w.value += ch
    for (let k = 0; k < ch.length; k++) {
      w.at.push(at)
      w.quoting.push(q)
    }
  }
  const endWord = (): void => {
    if (word === null) return
    if (target === null) cmd.push(word)
    else if (target !== 'file') heredocs.push({ delimiter: word.value, tabs: target === 'heredoc-tabs' })
    target = null
    word = null
  }
  const endCommand = (): void => {
    endWord()
    target = null
    if (cmd.length > 0) commands.push(cmd)
    cmd = []
  }
  /** Inside `$(...)` or `${...}`: the end of the escape, quoted run or nested expansion at j, else -1. */
  const skipQuoted = (j: number): number => {
    const c = src[j]
    if (c === '\\') return j + 2
    if (c === "'") {
      const k = src.indexOf("'", j + 1)
      return k < 0 ? n : k + 1
    }
    if (c === '"') return skipDouble(j + 1)
    if (c === '`') return skipBacktick(j + 1)
    if (c === '$' && src[j + 1] === '(') return skipNested(j + 2, '(', ')')
    if (c === '$' && src[j + 1] === '{') return skipNested(j + 2, '{', '}')
    return -1
  }
  const skipNested = (j: number, open: string, close: string): number => {
    let depth = 1
    while (j < n) {
      const k = skipQuoted(j)
      if (k >= 0) { j = k; continue }
      const c = src[j]
      if (c === open) depth++
      else if (c === close && --depth === 0) return j + 1
      j++
    }
    return n
  }
  const skipDouble = (j: number): number => {
    while (j < n) {
      const c = src[j]
      if (c === '\\') j += 2
      else if (c === '"') return j + 1
      else if (c === '`') j = skipBacktick(j + 1)
      else if (c === '$' && (src[j + 1] === '(' || src[j + 1] === '{')) j = skipNested(j + 2, src[j + 1]!, src[j + 1] === '(' ? ')' : '}')
      else j++
    }
    return n
  }
  const skipBacktick = (j: number): number => {
    while (j < n) {
      if (src[j] === '\\') j += 2
      else if (src[j] === '`') return j + 1
      else j++
    }
    return n
  }
  /** The end of the expansion that starts at i ($... or `...`), or -1 where `$` is only itself. */
  const expansionEnd = (i: number): number => {
    if (src[i] === '`') return skipBacktick(i + 1)
    const c = src[i + 1]
    if (c === '(') return skipNested(i + 2, '(', ')')
    if (c === '{') return skipNested(i + 2, '{', '}')
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(src.slice(i + 1, i + 65))
    return name ? i + 1 + name[0].length : -1
  }
  /** Take the expansion at i into the word; its text is listed, a command substitution's script noted. */
  const takeExpansion = (w: ShellWord, i: number, end: number, q: Quoting): void => {
    for (let k = i; k < end; k++) add(w, src[k]!, k, q)
    expansions.push(src.slice(i, end))
    // The script inside, without the closing ` or ) (an unclosed one runs to the end).
    const inner = (start: number, close: string): { start: number; end: number } =>
      ({ start, end: end - 1 >= start && src[end - 1] === close ? end - 1 : end })
    if (src[i] === '`') substitutions.push(inner(i + 1, '`'))
    else if (src[i + 1] === '(' && src[i + 2] !== '(') substitutions.push(inner(i + 2, ')'))
  }

  for (let i = 0; i < n;) {
    const c = src[i]!
    if (c === ' ' || c === '\t') { endWord(); i++; continue }
    if (c === '\n') {
      endCommand()
      i++
      // Here-documents begun on this line: their bodies are text, not commands.
      for (const h of heredocs.splice(0)) {
        while (i < n) {
          const eol = src.indexOf('\n', i)
          const line = src.slice(i, eol < 0 ? n : eol)
          i = eol < 0 ? n : eol + 1
          if ((h.tabs ? line.replace(/^\t+/, '') : line) === h.delimiter) break
        }
      }
      continue
    }
    if (c === '#' && word === null) {
      while (i < n && src[i] !== '\n') i++
      continue
    }
    if (c === '\\') {
      if (src[i + 1] === '\n') { i += 2; continue } // a line continued
      const w = begin(i)
      if (i + 1 < n) add(w, src[i + 1]!, i + 1, 'bare')
      i += 2
      w.end = Math.min(i, n)
      continue
    }
    if (c === "'") {
      const w = begin(i)
      let j = i + 1
      for (; j < n && src[j] !== "'"; j++) add(w, src[j]!, j, 'single')
      i = Math.min(j + 1, n)
      w.end = i
      continue
    }
    if (c === '"' || (c === '$' && src[i + 1] === '"')) {
      const w = begin(i)
      let j = i + (c === '"' ? 1 : 2)
      while (j < n && src[j] !== '"') {
        const d = src[j]!
        if (d === '\\' && j + 1 < n && '$`"\\\n'.includes(src[j + 1]!)) {
          if (src[j + 1] !== '\n') add(w, src[j + 1]!, j + 1, 'double')
          j += 2
        } else if (d === '$' || d === '`') {
          const end = expansionEnd(j)
          if (end < 0) { add(w, d, j, 'double'); j++ } else { takeExpansion(w, j, end, 'double'); j = end }
        } else { add(w, d, j, 'double'); j++ }
      }
      i = Math.min(j + 1, n)
      w.end = i
      continue
    }
    if (c === '$' && src[i + 1] === "'") {
      const w = begin(i)
      let j = i + 2
      while (j < n && src[j] !== "'") {
        if (src[j] === '\\' && j + 1 < n) {
          const e = src[j + 1]!
          const hex = /^(?:x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})|([0-7]{1,3}))/.exec(src.slice(j + 1, j + 10))
          if (hex) {
            const code = hex[4] !== undefined ? parseInt(hex[4], 8) : parseInt(hex[1] ?? hex[2] ?? hex[3]!, 16)
            add(w, code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD', -1, 'ansi')
            j += 1 + hex[0].length
          } else {
            add(w, ANSI_ESCAPES[e] ?? `\\${e}`, -1, 'ansi')
            j += 2
          }
        } else { add(w, src[j]!, j, 'ansi'); j++ }
      }
      i = Math.min(j + 1, n)
      w.end = i
      continue
    }
    if (c === '$' || c === '`') {
      const end = expansionEnd(i)
      const w = begin(i)
      if (end < 0) { add(w, c, i, 'bare'); i++ } else { takeExpansion(w, i, end, 'bare'); i = end }
      w.end = i
      continue
    }
    // Redirections: `>f`, `2>&1`, `&>f`, `<<EOF`, `<<-EOF`, `<<<word`; the descriptor's number
    // before them is no word, nor is their target.
    if (c === '<' || c === '>' || (c === '&' && src[i + 1] === '>')) {
      const w = word as ShellWord | null
      if (w !== null && w.end === i && /^[0-9]+$/.test(w.value) && w.quoting.every((q) => q === 'bare')) word = null
      else endWord()
      const op = /^(?:<<<|<<-|<<|<>|<&|>>|>&|>\||&>>|&>|<|>)/.exec(src.slice(i, i + 3))![0]
      target = op === '<<' ? 'heredoc' : op === '<<-' ? 'heredoc-tabs' : 'file'
      i += op.length
      continue
    }
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') { endCommand(); i++; continue }
    const w = begin(i)
    add(w, c, i, 'bare')
    i++
    w.end = i
  }
  endCommand()
  return { commands, expansions, substitutions }
}

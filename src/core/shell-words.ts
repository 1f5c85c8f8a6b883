// A shell script (the operand of `sh -c`, `bash -lc`) read as the shell splits it into words, for
// the redactor (core/redact.ts): each simple command's words are redacted as an argv is, and the
// script is rebuilt with only the changed characters replaced. This is no shell: nothing is
// expanded. An expansion ($NAME, ${...}, $(...), `...`) stays its own text in a word's value and
// is listed, so that `--password "$PW"` is known to name a variable, not to hold a password.
// Nested constructs are followed with a stack, not by recursion: a script nested 100,000 deep
// is read as any other.

/** A word for a shell script, quoted where it must be. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`
}

/** How a character of a word was written: `escaped` is one after a backslash (`\$`). */
export type Quoting = 'bare' | 'single' | 'double' | 'ansi' | 'escaped'

export interface ShellWord {
  /** the word as the shell passes it: quotes and escapes removed, expansions as their text */
  value: string
  /** where the word is in the script: [start, end) */
  start: number
  end: number
  /** per UTF-16 unit of value: its index in the script, or -1 where an escape made it (`\n` in $'...') */
  at: number[]
  /** per UTF-16 unit of value: how it was written */
  quoting: Quoting[]
}

export interface ShellCommand {
  /** its words, redirection operators and their targets left out */
  words: ShellWord[]
  /** the words of its here-strings (`<<< word`), which it reads on its standard input */
  herestrings: ShellWord[]
  /** whether its output is piped into the next command (`|`, `|&`) */
  pipe: boolean
  /** the files its output is redirected to (`> f`, `>> f`, `&> f`), as the shell passes their names */
  writes: string[]
}

export interface InnerScript {
  /** where it is in the script: [start, end) */
  start: number
  end: number
  /** a command substitution's script ($(here), `here`), or a here-document's body */
  kind: 'substitution' | 'heredoc'
  /** a here-document's: the command that reads it, when it has words */
  feeds?: ShellCommand
  /** a here-document's whose delimiter is quoted (`<<'EOF'`): its body is not expanded */
  literal?: boolean
}

export interface ShellScript {
  /** the simple commands, in order */
  commands: ShellCommand[]
  /** the expansions outside single quotes, as their text */
  expansions: string[]
  /** the scripts within it, outermost only: command substitutions and here-documents' bodies */
  scripts: InnerScript[]
  /** the comments, from `#` to the end of the line: [start, end) */
  comments: Array<{ start: number; end: number }>
}

const ANSI_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' }

type Context = 'paren' | 'brace' | 'bracket' | 'single' | 'ansi' | 'double' | 'backtick'
const OPENS: Record<string, Context> = { '(': 'paren', '{': 'brace', '[': 'bracket' }
const CLOSES: Partial<Record<Context, string>> = { paren: ')', brace: '}', bracket: ']' }

/**
 * From j, inside `first` (a `$(`, `${`, `$[`, quote or backtick just opened), the index after
 * it closes, or n: quotes, escapes and nested expansions inside are followed on a stack.
 */
/**
 * From j in `src`, inside `first` (a `$(`, `${`, `$[`, quote or backtick just opened), the index
 * after it closes, or the end: quotes, escapes and nested expansions inside are followed on a stack.
 */
function skipContext(src: string, j: number, first: Context): number {
  const n = src.length
  const stack: Context[] = [first]
  while (j < n) {
    const ctx = stack[stack.length - 1]!
    const c = src[j]!
    if (ctx === 'single') {
      j++
      if (c === "'" && (stack.pop(), stack.length === 0)) return j
      continue
    }
    if (c === '\\') { j += 2; continue }
    if (ctx === 'ansi') {
      j++
      if (c === "'" && (stack.pop(), stack.length === 0)) return j
      continue
    }
    if (ctx === 'backtick' || ctx === 'double') {
      const closer = ctx === 'backtick' ? '`' : '"'
      if (c === closer) {
        j++
        if ((stack.pop(), stack.length === 0)) return j
        continue
      }
      if (ctx === 'double' && c === '`') { stack.push('backtick'); j++; continue }
      if (ctx === 'double' && c === '$' && OPENS[src[j + 1] ?? ''] !== undefined) { stack.push(OPENS[src[j + 1]!]!); j += 2; continue }
      j++
      continue
    }
    // Inside $( ), ${ } or $[ ]: quotes and expansions open, the same bracket nests and closes.
    if (c === '$' && src[j + 1] === "'") { stack.push('ansi'); j += 2; continue }
    if (c === "'") stack.push('single')
    else if (c === '"') stack.push('double')
    else if (c === '`') stack.push('backtick')
    else if (c === '$' && OPENS[src[j + 1] ?? ''] !== undefined) { stack.push(OPENS[src[j + 1]!]!); j += 2; continue }
    else if (OPENS[c] === ctx) stack.push(ctx)
    else if (c === CLOSES[ctx]) {
      j++
      if ((stack.pop(), stack.length === 0)) return j
      continue
    }
    j++
  }
  return n
}

/**
 * The end of the expansion that starts at i in `src` ($NAME, ${...}, $(...), $[...] or `...`; an
 * unclosed one runs to the end), or -1 where `$` is only itself.
 */
export function expansionAt(src: string, i: number): number {
  if (src[i] === '`') return skipContext(src, i + 1, 'backtick')
  const open = OPENS[src[i + 1] ?? '']
  if (open !== undefined) return skipContext(src, i + 2, open)
  const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(src.slice(i + 1, i + 65))
  return name ? i + 1 + name[0].length : -1
}

/** Split a script into simple commands and words, as a POSIX shell (and bash) would. */
export function readShellScript(src: string): ShellScript {
  const n = src.length
  const commands: ShellCommand[] = []
  const expansions: string[] = []
  const scripts: InnerScript[] = []
  const comments: Array<{ start: number; end: number }> = []
  let cmd: ShellCommand = { words: [], herestrings: [], pipe: false, writes: [] }
  let word: ShellWord | null = null
  /** the next word is a redirection's target: a file or descriptor, a here-string, a here-document's delimiter */
  let target: 'file' | 'out' | 'herestring' | 'heredoc' | 'heredoc-tabs' | null = null
  const heredocs: Array<{ delimiter: string; tabs: boolean; literal: boolean; feeds: ShellCommand }> = []

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
    if (target === null) cmd.words.push(word)
    else if (target === 'herestring') cmd.herestrings.push(word)
    else if (target === 'out') cmd.writes.push(word.value)
    else if (target !== 'file') heredocs.push({ delimiter: word.value, tabs: target === 'heredoc-tabs', literal: word.quoting.some((q) => q !== 'bare'), feeds: cmd })
    target = null
    word = null
  }
  const endCommand = (pipe = false): void => {
    endWord()
    target = null
    cmd.pipe = pipe
    if (cmd.words.length > 0 || cmd.herestrings.length > 0) commands.push(cmd)
    cmd = { words: [], herestrings: [], pipe: false, writes: [] }
  }
  const skip = (j: number, first: Context): number => skipContext(src, j, first)
  const expansionEnd = (i: number): number => expansionAt(src, i)
  /** Take the expansion at i into the word; its text is listed, a command substitution's script noted. */
  const takeExpansion = (w: ShellWord, i: number, end: number, q: Quoting): void => {
    for (let k = i; k < end; k++) add(w, src[k]!, k, q)
    expansions.push(src.slice(i, end))
    // The script inside, without the closing ` or ) (an unclosed one runs to the end).
    const inner = (start: number, close: string): InnerScript =>
      ({ start, end: end - 1 >= start && src[end - 1] === close ? end - 1 : end, kind: 'substitution' })
    if (src[i] === '`') scripts.push(inner(i + 1, '`'))
    else if (src[i + 1] === '(' && src[i + 2] !== '(') scripts.push(inner(i + 2, ')'))
  }

  for (let i = 0; i < n;) {
    const c = src[i]!
    if (c === ' ' || c === '\t' || c === '\r') { endWord(); i++; continue }
    if (c === '\n') {
      endCommand()
      i++
      // Here-documents begun on this line: their bodies are scripts of their own, not commands.
      for (const h of heredocs.splice(0)) {
        const start = i
        let end = n
        while (i < n) {
          const eol = src.indexOf('\n', i)
          const line = src.slice(i, eol < 0 ? n : eol)
          if ((h.tabs ? line.replace(/^\t+/, '') : line) === h.delimiter) { end = i; i = eol < 0 ? n : eol + 1; break }
          i = eol < 0 ? n : eol + 1
        }
        if (end > start) scripts.push({ start, end, kind: 'heredoc', ...(h.literal ? { literal: true } : {}), ...(h.feeds.words.length > 0 ? { feeds: h.feeds } : {}) })
      }
      continue
    }
    if (c === '#' && word === null) {
      const start = i
      while (i < n && src[i] !== '\n') i++
      comments.push({ start, end: i })
      continue
    }
    if (c === '\\') {
      if (src[i + 1] === '\n') { i += 2; continue } // a line continued
      const w = begin(i)
      if (i + 1 < n) add(w, src[i + 1]!, i + 1, 'escaped')
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
          if (src[j + 1] !== '\n') add(w, src[j + 1]!, j + 1, 'escaped')
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
    // An arithmetic command, `(( x = 1 << 2 ))`: no words, and its << is no here-document.
    if (c === '(' && src[i + 1] === '(' && word === null) {
      endCommand()
      i = skip(i + 2, 'paren')
      if (src[i] === ')') i++
      continue
    }
    // Redirections: `>f`, `2>&1`, `&>f`, `<<EOF`, `<<-EOF`, `<<<word`; the descriptor's number
    // before them is no word, nor is their target.
    if (c === '<' || c === '>' || (c === '&' && src[i + 1] === '>')) {
      const w = word as ShellWord | null
      if (w !== null && w.end === i && /^[0-9]+$/.test(w.value) && w.quoting.every((q) => q === 'bare')) word = null
      else endWord()
      // Process substitution, <(cmd) and >(cmd): a word, whose script is a command substitution's.
      if ((c === '<' || c === '>') && src[i + 1] === '(') {
        const end = skip(i + 2, 'paren')
        const pw = begin(i)
        takeExpansion(pw, i, end, 'bare')
        pw.end = end
        i = end
        continue
      }
      const op = /^(?:<<<|<<-|<<|<>|<&|>>|>&|>\||&>>|&>|<|>)/.exec(src.slice(i, i + 3))![0]
      target = op === '<<<' ? 'herestring' : op === '<<' ? 'heredoc' : op === '<<-' ? 'heredoc-tabs' : /^(?:>>?|>\||&>>?)$/.test(op) ? 'out' : 'file'
      i += op.length
      continue
    }
    if (c === '|') {
      endCommand(src[i + 1] !== '|')
      i += src[i + 1] === '|' || src[i + 1] === '&' ? 2 : 1
      continue
    }
    if (c === ';' || c === '&' || c === '(' || c === ')') { endCommand(); i++; continue }
    const w = begin(i)
    add(w, c, i, 'bare')
    i++
    w.end = i
  }
  endCommand()
  return { commands, expansions, scripts, comments }
}

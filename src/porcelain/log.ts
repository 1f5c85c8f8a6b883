import { defineCommand } from 'citty'
import { lstatSync } from 'node:fs'
import path from 'node:path'
import { assertNamedStoreExists, listRuns, locateStore, readRunFile, runsDir, warnSkippedRun, warnSkippedRuns, type RunSummary, type SkippedRun, type Store } from '../io/store.js'
import { lookupError, resolveNamed, withinRoot } from '../io/read.js'
import { runTouches } from '../core/run-paths.js'
import { emitLines } from '../io/stdio.js'
import { colorsFor } from '../io/color.js'
import { shortId } from '../core/id.js'
import { quotePath, TERMINAL_CONTROL, toRecordPath } from '../core/paths.js'
import { InputError, UsageError, describeErrno } from '../errors.js'
import { storeArg } from '../plumbing/_args.js'

/**
 * argv as a shell would need it typed, on one line: words with spaces or quotes are
 * single-quoted, and words with control characters (a newline) ANSI-C quoted, `$'a\nb'`, as
 * bash's `printf %q` writes them.
 */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => {
    if (a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) return a
    if (!TERMINAL_CONTROL.test(a)) return `'${a.replace(/'/g, "'\\''")}'`
    return ansiC(a)
  }).join(' ')
}

/** `$'a\nb'`, as bash's `printf %q` writes a word with control characters. */
function ansiC(a: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\\': '\\\\', "'": "\\'" }
  // eslint-disable-next-line no-control-regex
  return `$'${a.replace(/[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\\']/g, (ch) => {
    const c = ch.charCodeAt(0)
    return named[ch] ?? (c < 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`)
  })}'`
}

/**
 * A name (a path, a key) for a report line: as it is, unless it holds a control character (a
 * newline), which would break the line or fake another: then ANSI-C quoted, `$'a\nb'`.
 */
export function showName(name: string): string {
  return TERMINAL_CONTROL.test(name) ? ansiC(name) : name
}

/**
 * A free text (a message) for a report: its lines as written, those after the first indented
 * by `indent`; quoted as showName quotes, `$'...'`, when it holds another control character
 * (an escape sequence would act on the terminal).
 */
export function showText(text: string, indent: string): string {
  // Line ends (\n, or \r\n) and tabs are text; leading and trailing line ends are dropped, a blank line is blank.
  const body = text.replace(/^(?:\r?\n)+|(?:\r?\n)+$/g, '')
  if (TERMINAL_CONTROL.test(body.replace(/\r\n|[\n\t]/g, ''))) return ansiC(text)
  return body.split(/\r?\n/).map((l, i) => (i === 0 || l === '' ? l : indent + l)).join('\n')
}

export function formatStatus(r: { exit_code: number | null; signal: string | null }): string {
  return r.signal ? r.signal : r.exit_code === null ? 'not run' : `exit ${r.exit_code}`
}

function jsonLine(r: RunSummary): string {
  const o: Record<string, unknown> = {
    id: r.id,
    created_at: r.created_at,
    started_at: r.started,
    command: { argv: r.argv, exit_code: r.exit_code, signal: r.signal },
  }
  if (r.duration_ms !== undefined) o.duration_ms = r.duration_ms
  if (r.message !== undefined) o.message = r.message
  return JSON.stringify(o)
}

/**
 * A path given on the command line as runs record it: relative to the project root with `/`
 * (through a link into the project too, as hash-inputs finds it), absolute outside it; `.` for
 * the root. It need not exist: a file since deleted still has its runs.
 */
function asRecordPath(store: Store, p: string): string {
  if (p === '') throw new UsageError("a path cannot be empty: '.' is the project")
  // As record's -i resolves it: a '..' after a link to a directory leads out of the directory the
  // link points to, as the kernel has it (resolveNamed), not back beside the link.
  const abs = resolveNamed(process.cwd(), p)
  // A '..' it could not step out of (after a file, 'model.bin/../labels.csv', or a loop of links),
  // or one after nothing where the path without it names a file that is there ('gone/../labels.csv'
  // where gone is not, as hash-inputs and record's -i find): the kernel fails the path, so it
  // names no file a run could record, not the file the '..' would lexically lead to. Where that
  // file is not there either ('gone/../deleted.csv'), resolveNamed gives it as path.resolve does:
  // a file deleted since (with the directory before the '..') still has its runs.
  const unreachable = lookupError(abs, { nothingOk: false })
  if (unreachable !== null) {
    const hint = unreachable.code === 'ENOENT'
      ? "a '..' after a directory that is not there leads nowhere: give the path to the file itself"
      : "a '..' after a file or a loop of links leads nowhere: give the path to the file itself"
    throw new InputError('E_PATH', `cannot look up ${quotePath(p)}: ${describeErrno(unreachable)}`, hint)
  }
  return toRecordPath(store.root, withinRoot(store.root, abs, true)).path.replace(/(.)\/+$/, '$1')
}

/**
 * The runs, in their order, that read or wrote a file at or under one of `paths`: at most `max`;
 * and how many of `runs` were looked at to find them.
 */
function touching(store: Store, runs: RunSummary[], paths: readonly string[], max: number): { found: RunSummary[]; looked: number } {
  const out: RunSummary[] = []
  let looked = 0
  for (const r of runs) {
    if (out.length >= max) break
    looked++
    let run: unknown
    const file = path.join(runsDir(store), r.id, 'run.json')
    try {
      run = readRunFile(file)
    } catch (e) {
      // Gone since it was listed: a run deleted meanwhile is no run. One that cannot be read (its
      // summary from the index, listed without paths) is said, as listRuns says it: the answer
      // would otherwise leave it out in silence.
      let there = true
      try { there = lstatSync(file, { throwIfNoEntry: false }) !== undefined } catch { /* there, but not to be looked at */ }
      if (there) warnSkippedRun(r.id, e)
      continue
    }
    if (runTouches(run, paths)) out.push(r)
  }
  return { found: out, looked }
}

export default defineCommand({
  meta: { name: 'log', description: 'List the recorded runs, newest first; with paths, those that read or wrote a file at or under one', variadic: true, operands: '[[--] <path>...]' },
  args: {
    'max-count': { type: 'string', alias: 'n', valueHint: 'n', description: 'Show at most this many runs' },
    json: { type: 'boolean', description: 'One JSON object per line: id, created_at, started_at, command.argv, command.exit_code, ...' },
    ...storeArg,
  },
  async run({ args }) {
    let max = Infinity
    if (args['max-count'] !== undefined) {
      // Digits only (not ' 2', '0x2', '1e1'); a number beyond any store's size is all of them.
      if (!/^[0-9]+$/.test(args['max-count'])) throw new UsageError(`invalid -n ${quotePath(args['max-count'])}: expected a whole number`)
      max = Number.isSafeInteger(Number(args['max-count'])) ? Number(args['max-count']) : Number.MAX_SAFE_INTEGER
    }
    const store = locateStore({ store: args.store })
    assertNamedStoreExists(store)
    const paths = (args._ as string[]).map((p) => asRecordPath(store, p))
    // A run that cannot be read is said where the answer reached it: where it may sort before the
    // last run looked at, or anywhere when -n left room for more (no -n), as git log -n 1 says
    // nothing of an object it never walked to; one that sorts after, -n would not have shown.
    const skipped: SkippedRun[] = []
    const listed = listRuns(store, { skipped })
    const { found: runs, looked } = paths.length === 0
      ? { found: listed.slice(0, max), looked: Math.min(max, listed.length) }
      : touching(store, listed, paths, max)
    warnSkippedRuns(skipped, runs.length >= max, listed[looked - 1])
    if (args.json) return emitLines(runs.map(jsonLine))
    const c = colorsFor(process.stdout)
    await emitLines(runs.map((r) => {
      // To the second (runs a minute apart are common), in UTC whatever offset the run was written with.
      const t = Date.parse(r.started)
      const when = Number.isNaN(t) ? showName(r.started) : new Date(t).toISOString().slice(0, 19).replace('T', ' ') + 'Z'
      const st = formatStatus(r)
      const status = r.exit_code === 0 ? c.green(st.padEnd(8)) : c.red(st.padEnd(8))
      // The subject: the first line that holds something.
      const subject = r.message?.split(/\r?\n/).find((l) => l.trim() !== '')
      const msg = subject !== undefined ? `  ${c.dim('# ' + showText(subject, ''))}` : ''
      return `${c.yellow(shortId(r.id))}  ${when}  ${status}  ${formatArgv(r.argv)}${msg}`
    }))
  },
})

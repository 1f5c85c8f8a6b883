import { fstatSync, readFileSync } from 'node:fs'
import { InputError, describeErrno } from '../errors.js'
import { parseJsonDocuments, JsonDocsError } from '../core/json-docs.js'
import { handleEpipe } from './stdout.js'

function write(text: string): Promise<void> {
  handleEpipe()
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve()
    else process.stdout.once('drain', () => resolve())
  })
}

/** Print exactly one JSON document and a newline; `pretty` indents it by two spaces. */
export function emitJson(doc: unknown, pretty = false): Promise<void> {
  return write(JSON.stringify(doc, null, pretty ? 2 : undefined) + '\n')
}

export function emitText(text: string): Promise<void> {
  return write(text)
}

/** Lines (or NUL-terminated records with `nul`). */
export function emitLines(lines: string[], opts: { nul?: boolean } = {}): Promise<void> {
  const sep = opts.nul ? '\0' : '\n'
  return write(lines.map((l) => l + sep).join(''))
}

/** All of standard input, as bytes. */
export async function readStdinBytes(): Promise<Buffer> {
  // A directory given as standard input (`< /tmp`) reads as nothing: say what it is instead.
  let isDir = false
  try { isDir = fstatSync(0).isDirectory() } catch { /* closed: reads as empty */ }
  if (isDir) throw new InputError('E_READ', 'cannot read standard input: it is a directory')
  const chunks: Buffer[] = []
  try {
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  } catch (e) {
    // Open for writing only (`0>file`), or a descriptor that fails to read: said, not a crash.
    throw new InputError('E_READ', `cannot read standard input: ${describeErrno(e)}`)
  }
  return Buffer.concat(chunks)
}

export async function readStdinText(): Promise<string> {
  return (await readStdinBytes()).toString('utf8')
}

/** Read a file, or stdin for `-`, as UTF-8 text; a missing file is an input error naming it. */
export async function readTextSource(file: string): Promise<string> {
  if (file === '-') return readStdinText()
  try {
    return readFileSync(file, 'utf8') // not fs/promises: loading it and its thread pool costs each command a few ms
  } catch (e) {
    throw new InputError('E_READ', `cannot read '${file}': ${describeErrno(e)}`)
  }
}

/** JSON documents (concatenated or one per line) from a file or `-`. */
export async function readJsonDocuments(file: string): Promise<unknown[]> {
  const text = await readTextSource(file)
  try {
    return parseJsonDocuments(text)
  } catch (e) {
    if (e instanceof JsonDocsError) {
      throw new InputError('E_JSON', `${file === '-' ? 'standard input' : `'${file}'`}: ${e.message}`)
    }
    throw e
  }
}

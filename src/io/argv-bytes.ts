// prov's own arguments as the kernel keeps them. Node reads its arguments as UTF-8, putting
// U+FFFD where the bytes are not, and passes on only strings: an argument that is not valid UTF-8
// (a Latin-1 file name, `$'caf\xe9.csv'`) cannot reach a command unchanged, nor name a file that
// exists, nor be recorded as it was typed.
import { readFileSync } from 'node:fs'
import { isUtf8 } from 'node:buffer'
import { ProvError } from '../errors.js'

/**
 * That each of `args` (the end of prov's arguments) is what was given: one that holds U+FFFD is
 * checked against the bytes of /proc/self/cmdline, and one whose bytes are not valid UTF-8 is an
 * error (E_ARGV, the command's failure status) naming it by its position and bytes. U+FFFD written
 * in UTF-8 passes; where /proc cannot be read, the arguments pass as Node read them, and where
 * its copy does not line up with Node's, a U+FFFD is refused.
 */
export function assertArgsAreUtf8(args: readonly string[]): void {
  if (!args.some((a) => a.includes('\uFFFD'))) return
  let raw: Buffer[]
  try {
    const bytes = readFileSync('/proc/self/cmdline')
    raw = []
    for (let at = 0; at < bytes.length;) {
      const end = bytes.indexOf(0, at)
      raw.push(bytes.subarray(at, end < 0 ? bytes.length : end))
      at = end < 0 ? bytes.length : end + 1
    }
  } catch {
    return
  }
  const hint = "rename the file, or let a shell find it for a command: prov record -- sh -c 'ls caf*.csv'"
  const tail = raw.slice(Math.max(0, raw.length - args.length))
  // The kernel's copy no longer lines up with Node's (`node --title=x` writes over it): a U+FFFD
  // cannot be told from bytes that are not UTF-8, and is refused as those are.
  const aligned = tail.length === args.length && args.every((a, i) => a.includes('\uFFFD') || tail[i]!.toString('utf8') === a)
  args.forEach((a, i) => {
    if (!a.includes('\uFFFD')) return
    if (!aligned) throw new ProvError('E_ARGV', `argument ${i + 1} holds U+FFFD, which stands for bytes that are not valid UTF-8, and prov cannot read its bytes to tell: it cannot pass it on unchanged`, { hint })
    if (isUtf8(tail[i]!) && tail[i]!.toString('utf8') === a) return
    throw new ProvError('E_ARGV', `argument ${i + 1} is not valid UTF-8 (bytes ${tail[i]!.toString('hex')}): prov reads it as U+FFFD, and can neither pass it on unchanged nor find a file by it`, { hint })
  })
}

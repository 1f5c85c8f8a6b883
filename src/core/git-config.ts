// The remote URLs of a git config file, read as `git config --get-regexp '^remote\..*\.url$'`
// reads them, for the files whose form is plain: sections, `key = value` lines, comments. A file
// that uses more of git's syntax (includes, quoted or escaped values, continued lines, a key on
// the line of its section header) gives null, and the caller asks git itself: a wrong remote in
// a record is worse than one more process.

export interface RemoteUrl {
  /** the key as git prints it: remote.<name>.url, <name> as written */
  key: string
  url: string
}

const SECTION = /^\[\s*([A-Za-z0-9.-]+)\s*(?:"([^"\\]*)")?\s*\]\s*(?:[#;].*)?$/
const VARIABLE = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?$/

/** The `remote.*.url` entries of one config file, in order; null when its form is not plain. */
export function remoteUrls(text: string): RemoteUrl[] | null {
  const out: RemoteUrl[] = []
  let remote: string | null = null
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    if (line.endsWith('\\')) return null
    if (line.startsWith('[')) {
      const m = SECTION.exec(line)
      if (m === null) return null
      const [, name, sub] = m as unknown as [string, string, string | undefined]
      const lower = name.toLowerCase()
      if (lower === 'include' || lower === 'includeif' || lower.startsWith('include.') || lower.startsWith('includeif.')) return null
      if (sub !== undefined) {
        if (name.includes('.')) return null
        remote = lower === 'remote' ? sub : null
      } else if (lower.startsWith('remote.')) {
        // the old form, [remote.origin]: git lower-cases the subsection
        remote = lower.slice('remote.'.length)
      } else remote = null
      continue
    }
    const v = VARIABLE.exec(line)
    if (v === null) return null
    const [, key, value] = v as unknown as [string, string, string | undefined]
    if (value !== undefined && /["\\]/.test(value)) return null
    if (remote === null || key.toLowerCase() !== 'url') continue
    if (value === undefined) return null // `url` alone means true, which git refuses as a URL
    out.push({ key: `remote.${remote}.url`, url: value.replace(/[#;].*$/, '').trim() })
  }
  return out
}

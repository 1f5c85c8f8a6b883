// conda packages by the names of the files a conda environment keeps for each of them:
// `<prefix>/conda-meta/<name>-<version>-<build>.json` (`mkl-2023.1.0-h213fc3f_46344.json`).

/**
 * The package a file of `conda-meta/` describes, or null: conda allows no '-' in a version or a
 * build string, so the last two '-' of the name before `.json` part them. Anything else there
 * (`history`, a name without two '-', a file named by hand) is none.
 */
export function condaPackageOf(entry: string): { name: string; version: string; build: string } | null {
  if (!entry.endsWith('.json')) return null
  const stem = entry.slice(0, -'.json'.length)
  const b = stem.lastIndexOf('-')
  if (b <= 0) return null
  const v = stem.lastIndexOf('-', b - 1)
  if (v <= 0) return null
  const name = stem.slice(0, v)
  const version = stem.slice(v + 1, b)
  const build = stem.slice(b + 1)
  // conda's own characters: a name of letters, digits, '_', '.' and '-' (`_libgcc_mutex`,
  // `ca-certificates`); a version of letters, digits, '.', '_', '+' and '!' (an epoch: `1!2.0`);
  // a build string of letters, digits, '.', '_' and '+' (`py311h64a7726_0`, `0`).
  if (!/^[0-9A-Za-z_][0-9A-Za-z._-]*$/.test(name) || !/^[0-9A-Za-z][0-9A-Za-z._+!]*$/.test(version) || !/^[0-9A-Za-z._+]+$/.test(build)) return null
  return { name, version, build }
}

/**
 * The packages of a `conda-meta/` directory holding these names, sorted by name, each as conda's
 * spec has it without the name, `<version>=<build>` (so that a numpy built against mkl and one
 * built against openblas differ). Two files of one name (a damaged environment): the last by
 * name wins, whatever order the directory listed them in.
 */
export function parseCondaMeta(entries: readonly string[]): Record<string, string> {
  const found = new Map<string, string>()
  for (const e of [...entries].sort()) {
    const p = condaPackageOf(e)
    if (p !== null) found.set(p.name, `${p.version}=${p.build}`)
  }
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

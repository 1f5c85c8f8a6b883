// Python distributions by the names of their metadata directories, as pip, importlib.metadata
// and `pip list` know them: `numpy-1.26.4.dist-info`, `six-1.16.0-py3.11.egg-info`.

/** A project name as PEP 503 compares them: lowercase, each run of '-', '_' and '.' one '-'. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-')
}

/**
 * The distribution a directory entry of a `sys.path` directory holds the metadata of, or null:
 * `<name>-<version>.dist-info` (the name and version each written without '-', as the wheel spec
 * escapes them, so the last '-' parts them), or `<name>-<version>[-py<X.Y>].egg-info` (setuptools);
 * an `.egg-info` without a version (a source tree's, `setup.py develop`) is none.
 */
export function distributionOf(entry: string): { name: string; version: string } | null {
  let stem: string
  if (entry.endsWith('.dist-info')) stem = entry.slice(0, -'.dist-info'.length)
  else if (entry.endsWith('.egg-info')) stem = entry.slice(0, -'.egg-info'.length).replace(/-py[0-9]+(\.[0-9]+)*$/, '')
  else return null
  const at = stem.lastIndexOf('-')
  if (at <= 0) return null
  const name = stem.slice(0, at)
  const version = stem.slice(at + 1)
  // PEP 440's characters, and legacy versions' ('2.0.0.post1', '1.0+local.7', '1!2.0', 'v1.2'):
  // a digit first, or a 'v' before one. Not anything else: a directory named by hand is no distribution.
  if (!/^v?[0-9][0-9A-Za-z.!+_]*$/.test(version) || !/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(name)) return null
  return { name: normalizeProjectName(name), version }
}

/**
 * The marker line the interpreter prints its search path on (`sys.path`, and the user's
 * site-packages where it is enabled but not made yet: a `pip install --user` makes it later).
 */
export const SYS_PATH_MARK = 'prov-sys-path '

/** The directories of the interpreter's answer, absolute ones only, in its order; null for none. */
export function parseSysPath(out: string): string | null {
  const line = out.split('\n').find((l) => l.startsWith(SYS_PATH_MARK))
  if (line === undefined) return null
  let dirs: unknown
  try { dirs = JSON.parse(line.slice(SYS_PATH_MARK.length)) } catch { return null }
  if (!Array.isArray(dirs)) return null
  return JSON.stringify(dirs.filter((d): d is string => typeof d === 'string' && d.startsWith('/')))
}

/** The marker line the interpreter prints its own version on (`3.12.1`), after its search path. */
export const PYTHON_VERSION_MARK = 'prov-python-version '

/** The version of the interpreter's answer (`3.12.1`), or null where it printed none. */
export function parsePythonVersion(out: string): string | null {
  const line = out.split('\n').find((l) => l.startsWith(PYTHON_VERSION_MARK))
  const v = line?.slice(PYTHON_VERSION_MARK.length).trim()
  return v !== undefined && /^[0-9]+\.[0-9]+(?:\.[0-9]+)?$/.test(v) ? v : null
}

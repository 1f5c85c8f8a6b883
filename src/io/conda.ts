// The conda environment a Python interpreter lies in: its packages, those that are not Python's
// too (mkl or openblas, cudatoolkit, libblas builds), which change results as much as numpy does.
import { readdirSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { parseCondaMeta } from '../core/conda-packages.js'

/**
 * The packages of the conda environment `interpreter` lies in (`<prefix>/bin/python3`, with
 * `<prefix>/conda-meta/` beside its directory), as found or as its file really is (a link on PATH
 * to an environment's python), by the names of the files in `conda-meta/`: one listing, no file
 * opened, nothing run. Null where it lies in none.
 */
export function readCondaPackages(interpreter: string): Record<string, string> | null {
  let real = interpreter
  try { real = realpathSync.native(interpreter) } catch { /* as found */ }
  for (const file of new Set([interpreter, real]).values()) {
    const bin = path.dirname(file)
    if (path.basename(bin) !== 'bin') continue
    let names: string[]
    try { names = readdirSync(path.join(path.dirname(bin), 'conda-meta')) } catch { continue }
    return parseCondaMeta(names)
  }
  return null
}

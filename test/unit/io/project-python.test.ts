// projectPython: which interpreters lie in the project or its store, so that diff --workspace does not run them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { projectPython } from '../../../src/io/env.js'

test('projectPython: inside the project or the store (a name starting with .. too), a venv by its site-packages; outside, null', () => {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'prov-pp-')))
  try {
    const root = path.join(base, 'proj')
    const store = path.join(base, 'runs')
    const outside = path.join(base, 'opt', 'python3')
    mkdirSync(path.dirname(outside), { recursive: true })
    writeFileSync(outside, '')
    // A venv in the project: its python a link out of it.
    mkdirSync(path.join(root, '.venv', 'bin'), { recursive: true })
    mkdirSync(path.join(root, '.venv', 'lib', 'python3.11', 'site-packages'), { recursive: true })
    writeFileSync(path.join(root, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\ninclude-system-site-packages = false\n')
    symlinkSync(outside, path.join(root, '.venv', 'bin', 'python'))
    mkdirSync(path.join(root, '..odd'), { recursive: true })
    writeFileSync(path.join(root, '..odd', 'python'), '')
    mkdirSync(store, { recursive: true })
    writeFileSync(path.join(store, 'python'), '')
    const roots = [root, store]
    const venvPython = path.join(root, '.venv', 'bin', 'python')
    assert.deepEqual(projectPython(venvPython, venvPython, roots), { dirs: [path.join(root, '.venv', 'lib', 'python3.11', 'site-packages')] })
    assert.equal(projectPython(path.join(root, '..odd', 'python'), path.join(root, '..odd', 'python'), roots), 'none')
    assert.equal(projectPython(path.join(store, 'python'), path.join(store, 'python'), roots), 'none')
    assert.equal(projectPython(outside, outside, roots), null)
    // Named by a link in the project to a file outside: the venv's python is the project's.
    assert.deepEqual(projectPython(venvPython, outside, roots), { dirs: [path.join(root, '.venv', 'lib', 'python3.11', 'site-packages')] })
    // A venv that sees the system's packages: only running it tells them.
    writeFileSync(path.join(root, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\ninclude-system-site-packages = true\n')
    assert.equal(projectPython(venvPython, venvPython, roots), 'none')
  } finally { rmSync(base, { recursive: true, force: true }) }
})

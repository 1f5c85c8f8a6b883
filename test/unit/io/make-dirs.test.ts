// makeDirs (mkdir -p): the directories made, what is there already taken as it is, and the errors
// Node's recursive mkdirSync does not give (it never returns under /proc).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { makeDirs } from '../../../src/io/store.js'

function withTemp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prov-makedirs-'))
  try { fn(dir) } finally { rmSync(dir, { recursive: true, force: true }) }
}

test('makeDirs: a deep path is made; made again, nothing changes', () => {
  withTemp((dir) => {
    const deep = path.join(dir, ...Array.from({ length: 30 }, (_, i) => `d${i}`))
    makeDirs(deep)
    assert.ok(statSync(deep).isDirectory())
    makeDirs(deep)
    assert.ok(statSync(deep).isDirectory())
  })
})

test('makeDirs: a directory that appears while its parents are made is taken as made (records started together)', () => {
  withTemp((dir) => {
    // `a/b/..` is missing until a/b is made, and then names a, which exists: the last mkdir meets
    // EEXIST, as it does when another process made the directory in between.
    makeDirs(path.join(dir, 'a', 'b') + '/..')
    assert.ok(statSync(path.join(dir, 'a', 'b')).isDirectory())
  })
})

test('makeDirs: a file in the way, and a place where no directory can be made, are errors', () => {
  withTemp((dir) => {
    writeFileSync(path.join(dir, 'f'), '')
    // A file where the directory goes: not a directory, named (not 'already exists').
    assert.throws(() => makeDirs(path.join(dir, 'f')), { code: 'ENOTDIR', path: path.join(dir, 'f'), message: `${path.join(dir, 'f')} is not a directory` })
    assert.throws(() => makeDirs(path.join(dir, 'f', 'sub')), /ENOTDIR/)
  })
  // /proc refuses new entries: ENOENT at once (Node's recursive mkdirSync tries for ever).
  if (process.platform === 'linux') assert.throws(() => makeDirs('/proc/prov-test/x'), /ENOENT/)
})

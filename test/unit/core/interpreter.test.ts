// The Python interpreter a command's words name: wrappers taken off, #! lines read, project runners.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isPythonWord, runnerOf, shebangWords, unwrapCommand } from '../../../src/core/interpreter.js'

test('isPythonWord: python, python3, python3.11 and paths to them; nothing else', () => {
  const table: Array<[string, boolean]> = [
    ['python', true], ['python3', true], ['python3.11', true], ['.venv/bin/python', true], ['/usr/bin/python3.12', true],
    ['pythonw', false], ['ipython', false], ['python3-config', false], ['python/bin/x', false], ['', false], ['py', false],
  ]
  for (const [word, want] of table) assert.equal(isPythonWord(word), want, word)
})

test('unwrapCommand: env, nice and nohup are taken off, with the PATH env gives; an option env is not read for stops it', () => {
  const table: Array<[string[], { words: string[]; path?: string }]> = [
    [['python3', 'a.py'], { words: ['python3', 'a.py'] }],
    [['env', 'python3', 'a.py'], { words: ['python3', 'a.py'] }],
    [['/usr/bin/env', 'A=1', 'PATH=/opt/bin', 'python3'], { words: ['python3'], path: '/opt/bin' }],
    [['env', '-i', '-u', 'X', '--unset=Y', '-uZ', '--', 'python3'], { words: ['python3'] }],
    [['env', '-S', 'PATH=/p python3 -u', 'a.py'], { words: ['python3', '-u', 'a.py'], path: '/p' }],
    [['env', '-C', '/tmp', 'python3'], { words: ['env', '-C', '/tmp', 'python3'] }],
    [['nice', '-n', '10', 'python3'], { words: ['python3'] }],
    [['nice', '-5', 'python3'], { words: ['python3'] }],
    [['nice', '--adjustment=3', 'nohup', 'env', 'python3'], { words: ['python3'] }],
    [['nohup', '--', 'python3'], { words: ['python3'] }],
    [['timeout', '-s', 'INT', '--kill-after=5', '1h', 'python3', 'a.py'], { words: ['python3', 'a.py'] }],
    [['time', '-f', '%e', '-o', 't.txt', 'python3'], { words: ['python3'] }],
    [['stdbuf', '-oL', '-e', '0', 'taskset', '-c', '0-3', 'numactl', '--cpunodebind=0', '-m', '0', 'python3'], { words: ['python3'] }],
    [['chrt', '-f', '10', 'ionice', '-c', '3', 'python3'], { words: ['python3'] }],
    [['timeout'], { words: ['timeout'] }],
    [['timeout', '10'], { words: ['timeout', '10'] }],
    [['env'], { words: ['env'] }],
    [['env', 'A=1'], { words: ['env', 'A=1'] }],
    [['nice'], { words: ['nice'] }],
    [['environment', 'python3'], { words: ['environment', 'python3'] }],
  ]
  for (const [argv, want] of table) assert.deepEqual(unwrapCommand(argv), want, argv.join(' '))
})

test("shebangWords: a #! line as Linux passes it, env's words split, pip's /bin/sh form for a long path", () => {
  const table: Array<[string, string[] | null]> = [
    ['#!/usr/bin/python3\nprint(1)\n', ['/usr/bin/python3']],
    ['#! /opt/venv/bin/python -u\n', ['/opt/venv/bin/python', '-u']],
    ['#!/usr/bin/env python3\n', ['/usr/bin/env', 'python3']],
    ['#!/usr/bin/env python3\r\n', ['/usr/bin/env', 'python3']],
    ['#!/usr/bin/env -S python3 -u\n', ['/usr/bin/env', '-S', 'python3 -u']],
    ["#!/bin/sh\n'''exec' \"/a b/venv/bin/python\" \"$0\" \"$@\"\n' '''\n", ['/a b/venv/bin/python']],
    ["#!/bin/sh\n'''exec' /long/venv/bin/python3 \"$0\" \"$@\"\n", ['/long/venv/bin/python3']],
    ['#!/bin/sh\necho hi\n', ['/bin/sh']],
    ['#!\n', null],
    ['print(1)\n', null],
    ['', null],
  ]
  for (const [head, want] of table) assert.deepEqual(shebangWords(head), want, JSON.stringify(head))
  // uv's: the path in single quotes (a quote in it as the shell writes it); a relocatable venv's
  // from the script's directory, as it really is (realpath) or, an older uv's, as it is named.
  const uvTable: Array<[string, string[]]> = [
    ["#!/bin/sh\n'''exec' '/a b/venv/bin/python' \"$0\" \"$@\"\n' '''\n", ['/a b/venv/bin/python']],
    ["#!/bin/sh\n'''exec' '/long/venv/bin/python3' \"$0\" \"$@\"\n' '''\n", ['/long/venv/bin/python3']],
    ["#!/bin/sh\n'''exec' '/it'\"'\"'s/bin/python' \"$0\" \"$@\"\n' '''\n", ["/it's/bin/python"]],
    ["#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python' \"$0\" \"$@\"\n' '''\n", ['/real/bin/python']],
    ["#!/bin/sh\n'''exec' \"$(CDPATH= cd -- \"$(dirname -- \"$0\")\" && echo \"$PWD\")\"/'python' \"$0\" \"$@\"\n' '''\n", ['/named/bin/python']],
  ]
  for (const [head, want] of uvTable) assert.deepEqual(shebangWords(head, '/named/bin', '/real/bin'), want, JSON.stringify(head))
  // Through unwrapCommand, as env then runs them:
  assert.deepEqual(unwrapCommand(shebangWords('#!/usr/bin/env -S python3 -u\n')!).words, ['python3', '-u'])
})

test('runnerOf: uv/pdm/poetry/pipenv/conda/pixi run, their options skipped, the project directory and another environment told', () => {
  const table: Array<[string[], ReturnType<typeof runnerOf>]> = [
    [['uv', 'run', 'python', 'train.py'], { name: 'uv run', dir: null, words: ['python', 'train.py'], other: false }],
    [['uv', 'run', '--frozen', '-p', '3.12', '--project', 'sub', '--', 'train.py', '--with', 'x'], { name: 'uv run', dir: 'sub', words: ['train.py', '--with', 'x'], other: false }],
    [['uv', 'run', '--directory=sub', 'torchrun'], { name: 'uv run', dir: 'sub', words: ['torchrun'], other: false }],
    [['uv', 'run', '--with', 'rich', 'python'], { name: 'uv run', dir: null, words: ['python'], other: true }],
    [['uv', 'run', '--isolated', 'python'], { name: 'uv run', dir: null, words: ['python'], other: true }],
    [['uv', 'run', '-C', 'k=v', 'python'], { name: 'uv run', dir: null, words: ['python'], other: false }],
    [['/home/u/.local/bin/uv', 'run', 'x'], { name: 'uv run', dir: null, words: ['x'], other: false }],
    [['pdm', 'run', '-p', 'sub', 'python'], { name: 'pdm run', dir: 'sub', words: ['python'], other: false }],
    [['poetry', 'run', '-C', 'sub', 'python'], { name: 'poetry run', dir: 'sub', words: ['python'], other: false }],
    [['pipenv', 'run', 'python'], { name: 'pipenv run', dir: null, words: ['python'], other: false }],
    [['conda', 'run', '-n', 'ml', '--no-capture-output', 'python', 'a.py'], { name: 'conda run', dir: null, words: ['python', 'a.py'], other: false, env: { name: 'ml' } }],
    [['micromamba', 'run', '--prefix=./env', 'python'], { name: 'micromamba run', dir: null, words: ['python'], other: false, env: { prefix: './env' } }],
    [['conda', 'run', 'python'], { name: 'conda run', dir: null, words: ['python'], other: false, env: {} }],
    [['micromamba', 'run', '-r', '/opt/mm', '-n', 'ml', 'python'], { name: 'micromamba run', dir: null, words: ['python'], other: false, env: { name: 'ml', root: '/opt/mm' } }],
    [['micromamba', 'run', '-n', 'ml', '--root-prefix=/opt/mm', 'python'], { name: 'micromamba run', dir: null, words: ['python'], other: false, env: { name: 'ml', root: '/opt/mm' } }],
    [['pixi', 'run', '-e', 'cuda', 'python', 'a.py'], { name: 'pixi run', dir: null, words: ['python', 'a.py'], other: false, env: { name: 'cuda' } }],
    [['pixi', 'run', '--manifest-path', 'sub/pixi.toml', 'train'], { name: 'pixi run', dir: 'sub/', words: ['train'], other: false, env: {} }],
    [['pixi', 'run', '--manifest-path=pixi.toml', 'train'], { name: 'pixi run', dir: '.', words: ['train'], other: false, env: {} }],
    // pixi's -x/--executable is a switch; its config options take a value (pixi run --help).
    [['pixi', 'run', '--executable', 'python', 'a.py'], { name: 'pixi run', dir: null, words: ['python', 'a.py'], other: false, env: {} }],
    [['pixi', 'run', '--concurrent-solves', '4', '-e', 'cuda', 'python'], { name: 'pixi run', dir: null, words: ['python'], other: false, env: { name: 'cuda' } }],
    [['pixi', 'run', '--auth-file', 'auth.json', '--platform', 'linux-64', '-e', 'gpu', 'train'], { name: 'pixi run', dir: null, words: ['train'], other: false, env: { name: 'gpu' } }],
    [['hatch', 'run', 'python', 'a.py'], { name: 'hatch run', dir: null, words: ['python', 'a.py'], other: true }],
    [['uv', '-q', '--directory', 'sub', 'run', 'python'], { name: 'uv run', dir: 'sub', words: ['python'], other: false }],
    [['uv', '--no-cache', 'pip', 'run'], null],
    [['uv', '--', 'run'], null],
    [['uv', 'pip', 'install', 'x'], null],
    [['uv'], null],
    [['make', 'run'], null],
    [['constructor', 'run'], null],
  ]
  for (const [argv, want] of table) assert.deepEqual(runnerOf(argv), want, argv.join(' '))
})

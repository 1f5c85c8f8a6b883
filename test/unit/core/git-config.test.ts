// remoteUrls against git itself: each config text is written as a repository's .git/config, and
// what `git config --get-regexp` lists must be what remoteUrls reads (or remoteUrls declines).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { remoteUrls, type RemoteUrl } from '../../../src/core/git-config.js'

const CORE = '[core]\n\trepositoryformatversion = 0\n\tbare = false\n'

const PLAIN: Array<[string, string, RemoteUrl[]]> = [
  ['no remote', CORE, []],
  ['one remote', `${CORE}[remote "origin"]\n\turl = https://github.com/o/r.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`,
    [{ key: 'remote.origin.url', url: 'https://github.com/o/r.git' }]],
  ['two remotes, origin second', `${CORE}[remote "backup"]\n\turl = git@example.com:o/r.git\n[remote "origin"]\n\turl = https://x.test/r\n`,
    [{ key: 'remote.backup.url', url: 'git@example.com:o/r.git' }, { key: 'remote.origin.url', url: 'https://x.test/r' }]],
  ['two urls for one remote', '[remote "origin"]\n\turl = a:one\n\turl = b:two\n',
    [{ key: 'remote.origin.url', url: 'a:one' }, { key: 'remote.origin.url', url: 'b:two' }]],
  ['case: section and key fold, the remote name does not', '[REMOTE "Origin"]\n\tURL = https://x.test/r\n',
    [{ key: 'remote.Origin.url', url: 'https://x.test/r' }]],
  ['the old [remote.name] form lower-cases the name', '[remote.Upstream]\n\turl = https://x.test/u\n',
    [{ key: 'remote.upstream.url', url: 'https://x.test/u' }]],
  ['comments, blank lines, spaces, CRLF', '# top\r\n; also\r\n\r\n  [remote "o"]   # here\r\n   url   =   https://x.test/r   ; trailing\r\n',
    [{ key: 'remote.o.url', url: 'https://x.test/r' }]],
  ['a url in another section is not a remote', '[branch "main"]\n\tremote = origin\n[submodule "s"]\n\turl = https://x.test/s\n', []],
  ['a dotted remote name', '[remote "a.b"]\n\turl = https://x.test/ab\n', [{ key: 'remote.a.b.url', url: 'https://x.test/ab' }]],
  ['a token in the url is kept here (stripped later)', '[remote "origin"]\n\turl = https://user:tok@x.test/r\n',
    [{ key: 'remote.origin.url', url: 'https://user:tok@x.test/r' }]],
  ['an empty url', '[remote "origin"]\n\turl =\n', [{ key: 'remote.origin.url', url: '' }]],
]

const DECLINED: Array<[string, string]> = [
  ['an include', `${CORE}[include]\n\tpath = other\n[remote "origin"]\n\turl = https://x.test/r\n`],
  ['an includeIf', '[includeIf "gitdir:~/w/"]\n\tpath = w.inc\n'],
  ['a quoted value', '[remote "origin"]\n\turl = "https://x.test/r;x"\n'],
  ['an escaped value', '[core]\n\teditor = vim \\\\\n'],
  ['a continued line', '[remote "origin"]\n\turl = https://x.test/\\\nr\n'],
  ['a key on the header line', '[remote "origin"] url = https://x.test/r\n'],
  ['an escaped subsection', '[remote "o\\"rigin"]\n\turl = https://x.test/r\n'],
  ['a url key with no value (boolean true)', '[remote "origin"]\n\turl\n'],
  ['a line git would refuse', '[remote "origin"]\n\t=oops\n'],
]

function gitSays(text: string): RemoteUrl[] | 'error' {
  const dir = mkdtempSync(path.join(tmpdir(), 'prov-gitconfig-'))
  try {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' }
    assert.equal(spawnSync('git', ['init', '-q', dir], { env }).status, 0)
    writeFileSync(path.join(dir, '.git', 'config'), text)
    const r = spawnSync('git', ['config', '-z', '--get-regexp', '^remote\\..*\\.url$'], { cwd: dir, env, encoding: 'utf8' })
    if (r.status !== 0 && r.status !== 1) return 'error'
    return r.stdout.split('\0').filter(Boolean).map((e) => {
      const nl = e.indexOf('\n')
      return nl === -1 ? { key: e, url: '' } : { key: e.slice(0, nl), url: e.slice(nl + 1) }
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const [name, text, expected] of PLAIN) {
  test(`remoteUrls: ${name}`, () => {
    assert.deepEqual(remoteUrls(text), expected)
    assert.deepEqual(gitSays(text), expected, 'git reads it so too')
  })
}

for (const [name, text] of DECLINED) {
  test(`remoteUrls declines ${name}: git is asked`, () => {
    assert.equal(remoteUrls(text), null)
  })
}

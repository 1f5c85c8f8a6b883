// parseStatusV2 on output captured once from real git 2.39 (`git status --porcelain=v2 --branch -z
// --untracked-files=all`), pasted verbatim with its NUL terminators.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { foldUntracked, parseStatusV2, type ParsedStatus } from '../../../src/core/git-status.js'

const C1 = '5bdbf94096c6718399d9141b88b6fdaa80169ef2'
const C3 = 'a24d6c5df63605af52ee65a6752de6d3cfacb78c'

const FIXTURES: Array<[string, string, ParsedStatus]> = [
  [
    'fresh repository, nothing yet',
    '# branch.oid (initial)\u0000# branch.head main\u0000',
    { commit: null, branch: 'main', upstream: null, changes: [] },
  ],
  [
    'fresh repository, one untracked file',
    '# branch.oid (initial)\u0000# branch.head main\u0000? a.txt\u0000',
    { commit: null, branch: 'main', upstream: null, changes: [{ path: 'a.txt', status: '??' }] },
  ],
  [
    'fresh repository, one staged file',
    '# branch.oid (initial)\u0000# branch.head main\u00001 A. N... 000000 100644 100644 0000000000000000000000000000000000000000 78981922613b2afb6025042ff6bd878ac1994e85 a.txt\u0000',
    { commit: null, branch: 'main', upstream: null, changes: [{ path: 'a.txt', status: 'A' }] },
  ],
  [
    'clean',
    `# branch.oid ${C1}\u0000# branch.head main\u0000`,
    { commit: C1, branch: 'main', upstream: null, changes: [] },
  ],
  [
    'staged and unstaged changes to one file',
    `# branch.oid ${C1}\u0000# branch.head main\u00001 MM N... 100644 100644 100644 78981922613b2afb6025042ff6bd878ac1994e85 422c2b7ab3b3c668038da977e4e93a5fc623169c a.txt\u0000`,
    { commit: C1, branch: 'main', upstream: null, changes: [{ path: 'a.txt', status: 'MM' }] },
  ],
  [
    'renamed to a name with a space (type 2 line, then the original path)',
    '# branch.oid 592853ee7ba8c8f9d0853fd9ae8bcd4ad5f98fa6\u0000# branch.head main\u00002 R. N... 100644 100644 100644 de980441c3ab03a8c07dda1ad27b8a11f39deb1e de980441c3ab03a8c07dda1ad27b8a11f39deb1e R100 b c.txt\u0000a.txt\u0000',
    { commit: '592853ee7ba8c8f9d0853fd9ae8bcd4ad5f98fa6', branch: 'main', upstream: null, changes: [{ path: 'b c.txt', status: 'R', from: 'a.txt' }] },
  ],
  [
    'untracked names with spaces, unicode, a newline, in a subdirectory',
    `# branch.oid ${C3}\u0000# branch.head main\u0000? d/e/f.txt\u0000? new\nline.txt\u0000? with space.txt\u0000? ünï.txt\u0000`,
    {
      commit: C3, branch: 'main', upstream: null, changes: [
        { path: 'd/e/f.txt', status: '??' },
        { path: 'new\nline.txt', status: '??' },
        { path: 'with space.txt', status: '??' },
        { path: 'ünï.txt', status: '??' },
      ],
    },
  ],
  [
    'detached HEAD',
    `# branch.oid ${C3}\u0000# branch.head (detached)\u0000`,
    { commit: C3, branch: null, upstream: null, changes: [] },
  ],
  [
    'merge conflict (u line)',
    '# branch.oid 9d7b6f84a1776b913c0ae8c19da48709c86dc1a7\u0000# branch.head main\u0000u UU N... 100644 100644 100644 100644 de980441c3ab03a8c07dda1ad27b8a11f39deb1e ba2906d0666cf726c7eaadd2cd3db615dedfdf3a 2299c37978265a95cbe835a4b0f0bbf15aad5549 b c.txt\u0000',
    { commit: '9d7b6f84a1776b913c0ae8c19da48709c86dc1a7', branch: 'main', upstream: null, changes: [{ path: 'b c.txt', status: 'UU' }] },
  ],
  [
    'deleted in the worktree',
    '# branch.oid 9d7b6f84a1776b913c0ae8c19da48709c86dc1a7\u0000# branch.head main\u00001 .D N... 100644 100644 000000 ba2906d0666cf726c7eaadd2cd3db615dedfdf3a ba2906d0666cf726c7eaadd2cd3db615dedfdf3a b c.txt\u0000',
    { commit: '9d7b6f84a1776b913c0ae8c19da48709c86dc1a7', branch: 'main', upstream: null, changes: [{ path: 'b c.txt', status: 'D' }] },
  ],
  [
    'upstream, ahead/behind, an untracked name with a leading space',
    '# branch.oid 2441ca6ec20d057ed6611526ffee7a97efdd9662\u0000# branch.head main\u0000# branch.upstream origin/main\u0000# branch.ab +1 -0\u0000?  lead.txt\u0000',
    { commit: '2441ca6ec20d057ed6611526ffee7a97efdd9662', branch: 'main', upstream: 'origin/main', changes: [{ path: ' lead.txt', status: '??' }] },
  ],
]

test('parseStatusV2 on captured git output', () => {
  for (const [what, raw, expected] of FIXTURES) assert.deepEqual(parseStatusV2(raw), expected, what)
})

test('parseStatusV2: paths that look like headers or records stay paths', () => {
  // A rename whose original name has spaces and a "2 " start; an ordinary change whose name is "# x".
  const raw = `# branch.oid ${C1}\u0000# branch.head feature/x\u0000` +
    '2 RM N... 100644 100644 100644 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa R087 new name.txt\u00002 old name.txt\u0000' +
    '1 .M N... 100644 100644 100644 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb # x\u0000' +
    '1 D. N... 100644 000000 000000 cccccccccccccccccccccccccccccccccccccccc 0000000000000000000000000000000000000000 gone\u0000' +
    '! ignored.log\u0000'
  assert.deepEqual(parseStatusV2(raw), {
    commit: C1, branch: 'feature/x', upstream: null, changes: [
      { path: 'new name.txt', status: 'RM', from: '2 old name.txt' },
      { path: '# x', status: 'M' },
      { path: 'gone', status: 'D' },
    ],
  })
})

test('parseStatusV2: empty output', () => {
  assert.deepEqual(parseStatusV2(''), { commit: null, branch: null, upstream: null, changes: [] })
})

test('foldUntracked: untracked files one by one; a directory holding more than the limit as one entry, the deepest first; never one holding a tracked change', () => {
  const u = (path: string): { path: string; status: string } => ({ path, status: '??' })
  const table: Array<[Array<{ path: string; status: string; from?: string }>, number, string[]]> = [
    [[u('a.txt'), u('d/x'), u('d/y')], 2, ['a.txt', 'd/x', 'd/y']], // 3 untracked, 2 in d/: not more than 2
    [[u('a.txt'), u('d/x'), u('d/y'), u('d/z')], 2, ['a.txt', 'd/']],
    [[u('v/l/a'), u('v/l/b'), u('v/m/c'), u('e/t.py')], 2, ['v/', 'e/t.py']], // v/ (3) before v/l/ (2)
    [[{ path: 'd/tracked', status: 'M' }, u('d/x'), u('d/y'), u('d/z')], 2, ['d/tracked', 'd/x', 'd/y', 'd/z']], // d/ holds a tracked change: no fold
    [[u('e/out/1'), u('e/out/2'), u('e/out/3'), u('e/t.py')], 2, ['e/out/', 'e/t.py']], // the outputs fold, a source file beside them stays
    [[u('v/a/1'), u('v/a/2'), u('v/a/3'), u('v/b/1'), u('v/b/2'), u('v/b/3'), u('v/c')], 2, ['v/']], // v/a/ and v/b/ fold, then v/ holds 3
    [[u('sub/'), u('d/x'), u('d/y'), u('d/z')], 2, ['sub/', 'd/']], // a nested repository, as git names it
    [[u('x'), u('y'), u('z')], 2, ['x', 'y', 'z']], // files at the top stay files
  ]
  for (const [changes, limit, expected] of table) assert.deepEqual(foldUntracked(changes, limit).map((c) => c.path).sort(), [...expected].sort(), JSON.stringify(changes))
})

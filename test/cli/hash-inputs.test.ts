// Black-box tests of `prov hash-inputs`: the built CLI against real files in temp directories.
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, rmSync, mkdirSync, symlinkSync, utimesSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { execa, execaSync } from 'execa'
import { BIN, makePlainDir, parseValid, type Sandbox, repoPool } from '../helpers/prov.js'

const repo = repoPool()

/** sha256sum's answer for a file (the real tool; fed on stdin, so odd names are not escaped). */
function sha256sum(file: string): string {
  const out = String(execaSync('sha256sum', { inputFile: file }).stdout)
  assert.match(out, /^[0-9a-f]{64} {2}-$/)
  return out.slice(0, 64)
}

/** A successful run: exit 0, empty stderr, a valid document. */
async function hashOk(sb: Sandbox, args: string[], opts: Parameters<Sandbox['prov']>[1] = {}, kind: 'inputs' | 'outputs' = 'inputs'): Promise<any[]> {
  const r = await sb.prov(['hash-inputs', ...args], opts)
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`)
  assert.equal(r.exitCode, 0)
  return parseValid(kind, r.stdout)[kind]
}

/** A failing run: exit 2, nothing on stdout, stderr names `name`. */
async function hashFails(sb: Sandbox, args: string[], name: string, opts: Parameters<Sandbox['prov']>[1] = {}): Promise<string> {
  const r = await sb.prov(['hash-inputs', ...args], { timeout: 15_000, ...opts })
  assert.equal(r.signal, undefined, 'prov was killed (it hung)')
  assert.equal(r.exitCode, 2, `stderr: ${r.stderr}`)
  assert.equal(r.stdout, '')
  assert.ok(r.stderr.includes(name), `stderr should name ${JSON.stringify(name)}: ${r.stderr}`)
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
  return r.stderr
}

/** Where the stat cache (cache/stat.bin, laid out as src/io/hash.ts says) keeps the SHA-256 of `abs`. */
function cacheDigestAt(bytes: Buffer, abs: string): number {
  assert.equal(bytes.toString('latin1', 0, 8), 'provst01')
  const n = Number(bytes.readBigInt64LE(8))
  const paths = bytes.toString('utf8', 16 + n * 72).split('\0')
  const i = paths.indexOf(abs)
  assert.ok(i >= 0 && i < n, `no entry for ${abs}`)
  return 16 + n * 40 + i * 32
}

const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

describe('hash-inputs: files and directories', { concurrency: true }, () => {
  test('a file and a directory: recursive, sorted, sizes and sha256 as sha256sum gives them', async () => {
    const sb = await repo({ 'README': 'hello\n' })
    sb.write('data/b.csv', 'b,2\n')
    sb.write('data/a.csv', 'a,1\n')
    sb.write('data/sub/deep/z.txt', 'zzz')
    sb.write('data/empty', '')
    sb.write('big.bin', Buffer.alloc(3 * 1024 * 1024 + 17, 7)) // larger than the 1 MiB read chunk
    const inputs = await hashOk(sb, ['data', 'big.bin', 'README'])
    assert.deepEqual(inputs.map((e) => e.path), ['README', 'big.bin', 'data/a.csv', 'data/b.csv', 'data/empty', 'data/sub/deep/z.txt'])
    for (const e of inputs) {
      const abs = path.join(sb.dir, e.path)
      assert.equal(e.sha256, sha256sum(abs), e.path)
      assert.equal(e.size, statSync(abs).size, e.path)
      assert.deepEqual(Object.keys(e).sort(), ['path', 'sha256', 'size'])
    }
    assert.equal(inputs.find((e) => e.path === 'data/empty').sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  test('sizes around the 1 MiB read buffer hash as sha256sum gives them, with the stat cache and without (when no fstat is asked)', async () => {
    const sb = await repo({ 'README': 'x' })
    const MiB = 1 << 20
    const sizes = [0, 1, MiB - 1, MiB, MiB + 1, 2 * MiB, 2 * MiB + 5]
    for (const n of sizes) sb.write(`edge/s${n}`, Buffer.alloc(n, n % 251))
    for (const args of [['--no-cache'], [], []]) { // the second run without --no-cache reads the stat cache
      const inputs = await hashOk(sb, [...args, 'edge'])
      assert.deepEqual(inputs.map((e) => e.size).sort((a, b) => a - b), sizes, args.join(' '))
      for (const e of inputs) assert.equal(e.sha256, sha256sum(path.join(sb.dir, e.path)), `${e.path} ${args.join(' ')}`)
    }
  })

  test('paths are sorted by the bytes of their UTF-8 form, not by UTF-16 code units', async () => {
    const sb = await repo({})
    // U+FF5A sorts before an emoji in UTF-8 (EF.. < F0..) but after it in UTF-16 (FF5A > D83D)
    const names = ['B', 'a', 'é', '日本', '😀', '\uFF5A', 'a b', 'Z']
    for (const n of names) sb.write(`d/${n}`, n)
    const inputs = await hashOk(sb, ['d'])
    const expected = names.map((n) => `d/${n}`).sort(byUtf8)
    assert.deepEqual(inputs.map((e) => e.path), expected)
    assert.ok(expected.indexOf('d/\uFF5A') < expected.indexOf('d/😀'))
  })

  test('.git and the store are skipped when walking the project root', async () => {
    const sb = await repo({ 'a.txt': 'a' })
    sb.write('.prov/runs/x/run.json', '{}')
    sb.write('.prov/config.json', '{}')
    sb.write('sub/.git/config', 'a nested repository')
    // A linked work tree's or a submodule's `.git` is a file naming the git directory (an absolute path: it differs per checkout).
    sb.write('mod/.git', 'gitdir: ../.git/modules/mod\n')
    sb.write('mod/lib.py', 'x = 1\n')
    const inputs = await hashOk(sb, ['.'])
    const paths = inputs.map((e) => e.path)
    assert.ok(paths.includes('a.txt') && paths.includes('mod/lib.py'), paths.join(','))
    assert.ok(!paths.some((p) => p === '.git' || p.startsWith('.git/') || p.endsWith('/.git') || p.includes('/.git/')), paths.join(','))
    assert.ok(!paths.some((p) => p.startsWith('.prov/')), paths.join(','))
    // With the store elsewhere (PROV_DIR), the project's own .prov is still no one's data.
    const elsewhere = await hashOk(sb, ['--no-cache', '.'], { env: { PROV_DIR: path.join(sb.dir, '..', `${path.basename(sb.dir)}-store`) } })
    assert.deepEqual(elsewhere, inputs)
  })

  test('a PROV_DIR inside the work tree is skipped as well', async () => {
    const sb = await repo({ 'a.txt': 'a' })
    sb.write('mystore/runs/r/run.json', '{}')
    const inputs = await hashOk(sb, ['.'], { env: { PROV_DIR: path.join(sb.dir, 'mystore') } })
    const paths = inputs.map((e) => e.path)
    assert.ok(paths.includes('a.txt'))
    assert.ok(!paths.some((p) => p.startsWith('mystore/')), paths.join(','))
    const viaFlag = await hashOk(sb, ['--store', 'mystore', '.'])
    assert.deepEqual(viaFlag, inputs)
  })

  test('duplicates are recorded once', async () => {
    const sb = await repo({ 'a': '1', 'd/b': '2' })
    const inputs = await hashOk(sb, ['a', './a', 'd', 'd/b', 'd/../a', path.join(sb.dir, 'a')])
    assert.deepEqual(inputs.map((e) => e.path), ['a', 'd/b'])
  })

  test('--as outputs prints an outputs section', async () => {
    const sb = await repo({ 'out.txt': 'result' })
    const outputs = await hashOk(sb, ['--as', 'outputs', 'out.txt'], {}, 'outputs')
    assert.deepEqual(outputs, [{ path: 'out.txt', size: 6, sha256: sha256sum(path.join(sb.dir, 'out.txt')) }])
    const r = await sb.prov(['hash-inputs', '--as', 'params', 'out.txt'])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /params/)
  })

  test('--pretty indents the same document', async () => {
    const sb = await repo({ 'a': '1' })
    const r = await sb.prov(['hash-inputs', '--pretty', 'a'])
    assert.equal(r.exitCode, 0)
    assert.match(r.stdout, /^\{\n {2}"inputs": \[/)
    const plain = await hashOk(sb, ['a'])
    assert.deepEqual(parseValid('inputs', r.stdout).inputs, plain)
  })

  test('no paths gives an empty list', async () => {
    const sb = await repo({})
    assert.deepEqual(await hashOk(sb, []), [])
  })
})

describe('hash-inputs: --stdin', { concurrency: true }, () => {
  test('newline-separated paths', async () => {
    const sb = await repo({ 'a': '1', 'b c': '2', 'd/e': '3' })
    const inputs = await hashOk(sb, ['--stdin'], { input: 'a\nb c\nd\n' })
    assert.deepEqual(inputs.map((e) => e.path), ['a', 'b c', 'd/e'])
    const noFinalNewline = await hashOk(sb, ['--stdin'], { input: 'a\nb c' })
    assert.deepEqual(noFinalNewline.map((e) => e.path), ['a', 'b c'])
  })

  test('--stdin -z: NUL-separated, a name holding a newline', async () => {
    const sb = await repo({})
    sb.write('line\nbreak', 'nl')
    sb.write('plain', 'p')
    const inputs = await hashOk(sb, ['--stdin', '-z'], { input: 'line\nbreak\0plain\0' })
    assert.deepEqual(inputs.map((e) => e.path), ['line\nbreak', 'plain'])
    assert.equal(inputs[0].sha256, sha256sum(path.join(sb.dir, 'line\nbreak')))
  })

  test('--stdin -z: a name that is not valid UTF-8 is named by its bytes, as the walk names one; UTF-8 names pass', async () => {
    const sb = await repo({ 'café': 'c' })
    const r = await sb.prov(['hash-inputs', '--stdin', '-z'], { input: Buffer.from([0x64, 0x2f, 0xff, 0xfe, 0x2e, 0x62, 0x00]) })
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /its name is not valid UTF-8 \(bytes 642ffffe2e62\)/)
    assert.doesNotMatch(r.stderr, /no such file/)
    const ok = await hashOk(sb, ['--stdin', '-z'], { input: Buffer.from('café\0', 'utf8') })
    assert.deepEqual(ok.map((e) => e.path), ['café'])
  })

  test('--stdin from a directory (< dir) is exit 2 saying so, not an empty list', async () => {
    const sb = await repo({ 'a': '1' })
    const r = await execa('sh', ['-c', '"$NODE" "$PROV" hash-inputs --stdin < "$DIR"'], {
      cwd: sb.dir, env: { ...sb.env, NODE: process.execPath, PROV: BIN, DIR: sb.dir }, extendEnv: false, reject: false,
    })
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /standard input: it is a directory/)
  })

  test('--stdin merges with the named paths', async () => {
    const sb = await repo({ 'a': '1', 'b': '2' })
    const inputs = await hashOk(sb, ['--stdin', 'a'], { input: 'b\n' })
    assert.deepEqual(inputs.map((e) => e.path), ['a', 'b'])
  })

  test('-z without --stdin is a usage error', async () => {
    const sb = await repo({ 'a': '1' })
    const r = await sb.prov(['hash-inputs', '-z', 'a'])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /-z/)
  })
})

describe('hash-inputs: missing paths', { concurrency: true }, () => {
  test('a missing path is exit 2 naming it, nothing on stdout', async () => {
    const sb = await repo({ 'a': '1' })
    await hashFails(sb, ['a', 'no-such-file.txt'], 'no-such-file.txt')
  })

  test('--missing-ok records {path, missing: true}', async () => {
    const sb = await repo({ 'a': '1' })
    const inputs = await hashOk(sb, ['--missing-ok', 'z-missing', 'a', 'sub/gone'])
    assert.deepEqual(inputs, [
      { path: 'a', size: 1, sha256: sha256sum(path.join(sb.dir, 'a')) },
      { path: 'sub/gone', missing: true },
      { path: 'z-missing', missing: true },
    ])
    // A path through a file ('a/x', a directory that is a file now) is missing too; without
    // --missing-ok, an error saying why. 'a/' names the file as a directory: still an error.
    assert.deepEqual(await hashOk(sb, ['--missing-ok', 'a/x']), [{ path: 'a/x', missing: true }])
    // Named twice, listed once, as a file named twice is.
    assert.deepEqual(await hashOk(sb, ['--missing-ok', 'gone', './gone', 'gone']), [{ path: 'gone', missing: true }])
    assert.match(await hashFails(sb, ['a/x'], 'a/x'), /cannot hash 'a\/x': not a directory/)
    assert.match(await hashFails(sb, ['--missing-ok', 'a/'], 'a/'), /cannot hash 'a\/': not a directory/)
  })

  test('a dangling symbolic link named: an error saying so; with --missing-ok, missing (as test -e has it)', async () => {
    const sb = await repo({ 'a': '1' })
    symlinkSync('nowhere', path.join(sb.dir, 'dangling'))
    const err = await hashFails(sb, ['dangling'], 'dangling')
    assert.match(err, /cannot hash 'dangling': dangling symbolic link \(to 'nowhere'\)/)
    assert.deepEqual(await hashOk(sb, ['--missing-ok', 'dangling', 'a']), [
      { path: 'a', size: 1, sha256: sha256sum(path.join(sb.dir, 'a')) },
      { path: 'dangling', missing: true },
    ])
  })

  test("a file named with a trailing slash is not a directory: exit 2, as for cat or ls", async () => {
    const sb = await repo({ 'f': 'x', 'd/g': 'y' })
    const err = await hashFails(sb, ['f/'], "f/")
    assert.match(err, /not a directory/)
    assert.deepEqual((await hashOk(sb, ['d/'])).map((e: { path: string }) => e.path), ['d/g'])
  })
})

describe('hash-inputs: odd names', { concurrency: true }, () => {
  const odd = ['with space', 'café-é', '日本語.txt', 'emoji-😀', 'new\nline', "quo'te", 'tab\there']
  test('odd names are recorded exactly, named and in a walk', async () => {
    const sb = await repo({})
    for (const n of odd) sb.write(`odd/${n}`, n)
    const walked = await hashOk(sb, ['odd'])
    assert.deepEqual(walked.map((e) => e.path), odd.map((n) => `odd/${n}`).sort(byUtf8))
    for (const e of walked) assert.equal(e.sha256, sha256sum(path.join(sb.dir, e.path)))
    const named = await hashOk(sb, odd.map((n) => `odd/${n}`))
    assert.deepEqual(named, walked)
  })

  test('a name in a walk that is not valid UTF-8 is exit 2 showing its bytes; one holding U+FFFD itself is hashed', async () => {
    const sb = await repo({ 'w/ok\uFFFD.txt': 'r' })
    writeFileSync(Buffer.from([...Buffer.from(path.join(sb.dir, 'w') + '/'), 0x62, 0xff, 0x2e, 0x74]), 'x')
    const err = await hashFails(sb, ['w'], 'w/')
    assert.match(err, /its name is not valid UTF-8 \(bytes 62ff2e74\)/)
    rmSync(Buffer.from([...Buffer.from(path.join(sb.dir, 'w') + '/'), 0x62, 0xff, 0x2e, 0x74]))
    assert.deepEqual((await hashOk(sb, ['w'])).map((e) => e.path), ['w/ok\uFFFD.txt'])
  })

  test('a name with a leading dash, passed after --', async () => {
    const sb = await repo({ '-rf': 'dash', '--help': 'h' })
    const inputs = await hashOk(sb, ['--', '-rf', '--help'])
    assert.deepEqual(inputs.map((e) => e.path), ['--help', '-rf'])
    assert.equal(inputs[1].sha256, sha256sum(path.join(sb.dir, '-rf')))
    const r = await sb.prov(['hash-inputs', '-rf'])
    assert.equal(r.exitCode, 2, 'without -- it is an unknown option')
    assert.match(r.stderr, /-r/)
  })

  test('a file name that is not valid UTF-8 is exit 2 naming it', async () => {
    const sb = await repo({ 'ok': '1' })
    mkdirSync(path.join(sb.dir, 'bad'))
    const name = Buffer.concat([Buffer.from(path.join(sb.dir, 'bad') + '/'), Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0xe9, 0x2e, 0x74])])
    writeFileSync(name, 'latin-1 name')
    const stderr = await hashFails(sb, ['bad'], 'latin')
    assert.match(stderr, /UTF-8/)
    assert.match(stderr, /6c6174696ee92e74/, 'the bytes are shown')
  })
})

describe('hash-inputs: special files', { concurrency: true }, () => {
  test('a FIFO is exit 2 naming it, and does not hang (named and in a walk)', async () => {
    const sb = await repo({ 'dir/a': '1' })
    execaSync('mkfifo', [path.join(sb.dir, 'dir', 'pipe')])
    await hashFails(sb, ['dir/pipe'], 'pipe')
    const stderr = await hashFails(sb, ['dir'], 'pipe')
    assert.match(stderr, /FIFO/)
  })

  test('a symbolic link to a file, named and inside a walk, is hashed by its content', async () => {
    const sb = await repo({ 'target.txt': 'the target' })
    mkdirSync(path.join(sb.dir, 'links'))
    symlinkSync('../target.txt', path.join(sb.dir, 'links', 'to-file'))
    const named = await hashOk(sb, ['links/to-file'])
    const sum = sha256sum(path.join(sb.dir, 'target.txt'))
    assert.deepEqual(named, [{ path: 'links/to-file', size: 10, sha256: sum }])
    const walked = await hashOk(sb, ['links'])
    assert.deepEqual(walked, named)
  })

  test('a symbolic link to a directory inside a walk: a warning, not followed; named, it is followed', async () => {
    const sb = await repo({ 'real/x': 'x', 'tree/a': 'a' })
    symlinkSync('../real', path.join(sb.dir, 'tree', 'dirlink'))
    const r = await sb.prov(['hash-inputs', 'tree'])
    assert.equal(r.exitCode, 0)
    assert.deepEqual(parseValid('inputs', r.stdout).inputs.map((e: any) => e.path), ['tree/a'])
    assert.match(r.stderr, /warning/)
    assert.match(r.stderr, /dirlink/)
    const named = await hashOk(sb, ['tree/dirlink'])
    assert.deepEqual(named.map((e) => e.path), ['tree/dirlink/x'])
  })

  test('a dangling symbolic link is exit 2, named or inside a walk', async () => {
    const sb = await repo({ 'w/a': 'a' })
    symlinkSync('missing-target', path.join(sb.dir, 'w', 'dangling'))
    await hashFails(sb, ['w/dangling'], 'dangling')
    const stderr = await hashFails(sb, ['w'], 'dangling')
    assert.match(stderr, /dangling/)
  })

  test('a symbolic link loop is exit 2, named or inside a walk', async () => {
    const sb = await repo({ 'l/a': 'a' })
    symlinkSync('loop2', path.join(sb.dir, 'l', 'loop1'))
    symlinkSync('loop1', path.join(sb.dir, 'l', 'loop2'))
    const named = await hashFails(sb, ['l/loop1'], 'loop1')
    assert.match(named, /symbolic links/)
    await hashFails(sb, ['l'], 'loop')
  })

  test('an unreadable file is exit 2 naming it', async (t) => {
    const sb = await repo({ 'secret.txt': 'x' })
    // As root every file reads: prov runs as nobody then (another user's file, mode 0600), in
    // directories it can walk; else the file is made mode 000.
    const root = process.getuid?.() === 0
    chmodSync(path.join(sb.dir, 'secret.txt'), root ? 0o600 : 0o000)
    for (const d of [path.dirname(sb.dir), sb.dir]) chmodSync(d, 0o755) // the temp directory, made 0700
    try {
      const r = await sb.prov(['hash-inputs', 'secret.txt'], root ? { uid: 65534, gid: 65534, env: { HOME: '/nonexistent-home' } } : {})
      if (r.exitCode === undefined) { t.skip('cannot run prov as another user here'); return } // no CAP_SETUID
      assert.equal(r.exitCode, 2, r.stderr)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, "prov: cannot hash 'secret.txt': permission denied\n")
    } finally {
      chmodSync(path.join(sb.dir, 'secret.txt'), 0o644)
    }
  })
})

describe('hash-inputs: where paths are relative to', { concurrency: true }, () => {
  test('a path outside the project is kept absolute, with a warning', async () => {
    const sb = await repo({ 'a': '1' })
    const outside = path.join(sb.home, 'elsewhere.txt')
    writeFileSync(outside, 'outside')
    const r = await sb.prov(['hash-inputs', 'a', outside])
    assert.equal(r.exitCode, 0)
    const inputs = parseValid('inputs', r.stdout).inputs
    assert.deepEqual(inputs.map((e: any) => e.path).sort(byUtf8), ['a', outside].sort(byUtf8))
    assert.deepEqual(inputs.map((e: any) => e.path), ['a', outside].sort(byUtf8))
    assert.match(r.stderr, /warning/)
    assert.ok(r.stderr.includes(outside), r.stderr)
    assert.equal(inputs.find((e: any) => e.path === outside).sha256, sha256sum(outside))
  })

  test('paths named from a subdirectory are recorded relative to the project root', async () => {
    const sb = await repo({ 'top.txt': 't', 'sub/dir/x.txt': 'x', 'sub/y.txt': 'y' })
    const inputs = await hashOk(sb, ['x.txt', '../y.txt', '../../top.txt', '.'], { cwd: path.join(sb.dir, 'sub', 'dir') })
    assert.deepEqual(inputs.map((e) => e.path), ['sub/dir/x.txt', 'sub/y.txt', 'top.txt'])
  })

  test('a path through a symbolic link to the project ($PWD in a linked checkout) is inside it: recorded relative, no warning', async () => {
    const sb = await repo({ 'data/a.csv': '1', 'p.yaml': 'lr: 1\n', 'sub/s.txt': 's' })
    const link = path.join(sb.home, 'linked checkout')
    symlinkSync(sb.dir, link)
    const inputs = await hashOk(sb, [`${link}/data`, `${link}/p.yaml`, `${link}/sub/../sub/s.txt`])
    assert.deepEqual(inputs.map((e) => e.path), ['data/a.csv', 'p.yaml', 'sub/s.txt'])
    // The root itself, named by the link; and outputs not there yet, in a directory not there yet.
    const root = await hashOk(sb, [link])
    assert.ok(root.some((e) => e.path === 'sub/s.txt'), JSON.stringify(root))
    assert.deepEqual(root, await hashOk(sb, ['.']))
    const outs = await hashOk(sb, ['--as', 'outputs', '--missing-ok', `${link}/model.bin`, `${link}/new dir/deeper/m.bin`], {}, 'outputs')
    assert.deepEqual(outs, [{ path: 'model.bin', missing: true }, { path: 'new dir/deeper/m.bin', missing: true }])
    const dirs = await sb.prov(['hash-inputs', '--sources', `${link}/data`, link])
    assert.equal(dirs.stderr, '')
    assert.deepEqual(JSON.parse(dirs.stdout), { command: { input_dirs: ['.', 'data'] } })
    const sources = await sb.prov(['read-params', '--sources', '--params-file', `${link}/p.yaml`])
    assert.equal(sources.stderr, '')
    assert.deepEqual(JSON.parse(sources.stdout), { command: { params_files: ['p.yaml'], params_sources: [{ file: 'p.yaml' }] } })
    // A link in the project to a directory outside it (a data disk), named through the linked
    // checkout: named as in the project, as 'big/f.csv' names it; a missing output under it too.
    mkdirSync(path.join(sb.home, 'disk'))
    writeFileSync(path.join(sb.home, 'disk', 'f.csv'), 'f')
    symlinkSync(path.join(sb.home, 'disk'), path.join(sb.dir, 'big'))
    assert.deepEqual((await hashOk(sb, [`${link}/big/f.csv`, 'big/f.csv', `${link}/big`])).map((e) => e.path), ['big/f.csv'])
    assert.deepEqual(await hashOk(sb, ['--as', 'outputs', '--missing-ok', `${link}/big/new/o.bin`], {}, 'outputs'), [{ path: 'big/new/o.bin', missing: true }])
    rmSync(path.join(sb.dir, 'big')) // a walk of the root would warn of it
    // A link outside the project to a directory in it: its files are named as in the project,
    // whether the directory or a file in it is named.
    const toSub = path.join(sb.home, 'to-sub')
    symlinkSync(path.join(sb.dir, 'sub'), toSub)
    assert.deepEqual((await hashOk(sb, [toSub, `${toSub}/s.txt`])).map((e) => e.path), ['sub/s.txt'])
    // A store named through the linked checkout is the project's store: skipped in a walk, and
    // no untracked change to git-state.
    const env = { PROV_DIR: `${link}/.prov` }
    await sb.prov(['record', '-q', '--', 'true'], { env })
    assert.ok(!(await hashOk(sb, [link], { env })).some((e) => e.path.startsWith('.prov/')), 'the store is skipped')
    const git = await sb.prov(['git-state'], { env })
    assert.equal(git.exitCode, 0, git.stderr)
    assert.ok(!JSON.parse(git.stdout).git.changes.some((c: any) => c.path.startsWith('.prov')), git.stdout)
    // A link outside the project to a file in it is still a file outside: named by the link.
    const outsideLink = path.join(sb.home, 'to-a.csv')
    symlinkSync(path.join(sb.dir, 'data', 'a.csv'), outsideLink)
    const r = await sb.prov(['hash-inputs', outsideLink])
    assert.equal(r.exitCode, 0)
    assert.deepEqual(parseValid('inputs', r.stdout).inputs.map((e: any) => e.path), [outsideLink])
    assert.match(r.stderr, /outside the project root/)
  })

  test('a .. after a link to a directory leads where the kernel takes it (as cat and the command read it), not back beside the link', async () => {
    const sb = await repo({ 'labels.csv': 'INSIDE\n', 'p.yaml': 'lr: 1\n', 'sub/s.txt': 's' })
    // data -> <home>/ext/data: data/../labels.csv is <home>/ext/labels.csv.
    mkdirSync(path.join(sb.home, 'ext', 'data'), { recursive: true })
    const outside = path.join(sb.home, 'ext', 'labels.csv')
    writeFileSync(outside, 'OUTSIDE\n')
    writeFileSync(path.join(sb.home, 'ext', 'p.yaml'), 'lr: 2\n')
    symlinkSync(path.join(sb.home, 'ext', 'data'), path.join(sb.dir, 'data'))
    const r = await sb.prov(['hash-inputs', 'data/../labels.csv', 'sub/../labels.csv'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(parseValid('inputs', r.stdout).inputs.map((e: any) => [e.path, e.sha256]),
      [[outside, sha256sum(outside)], ['labels.csv', sha256sum(path.join(sb.dir, 'labels.csv'))]])
    assert.equal(r.stderr, `prov: warning: '${outside}' is outside the project root '${sb.dir}': recorded by its absolute path\n`)
    // The directory itself, for --sources; and a params file, whose values come from the file the kernel opens.
    const dirs = await sb.prov(['hash-inputs', '--sources', 'data/..', 'sub/..'])
    assert.deepEqual(JSON.parse(dirs.stdout), { command: { input_dirs: ['.', path.join(sb.home, 'ext')] } })
    const src = await sb.prov(['read-params', '--sources', '--params-file', 'data/../p.yaml'])
    assert.deepEqual(JSON.parse(src.stdout).command.params_files, [path.join(sb.home, 'ext', 'p.yaml')])
    // A file before the '..' fails as cat fails it; it was taken for the project root, and walked.
    await hashFails(sb, ['labels.csv/..'], "cannot hash 'labels.csv/..': not a directory")
    // So does an output named so, missing allowed: it was recorded missing under the other file's name.
    await hashFails(sb, ['--missing-ok', '--as', 'outputs', 'labels.csv/../p.yaml'], "cannot hash 'labels.csv/../p.yaml': not a directory")
    const rec = await sb.prov(['record', '-o', 'labels.csv/../p.yaml', '--', 'sh', '-c', 'echo ran > ran.txt'])
    assert.equal(rec.exitCode, 125, rec.stderr)
    assert.equal(rec.stderr, "prov: cannot record 'labels.csv/../p.yaml' as an output: not a directory (the command was not run)\n")
    assert.equal(existsSync(path.join(sb.dir, 'ran.txt')), false)
    // A file below a file, missing allowed, is missing as before: no '..' takes it elsewhere.
    const below = await sb.prov(['hash-inputs', '--missing-ok', '--as', 'outputs', 'labels.csv/x'])
    assert.deepEqual(JSON.parse(below.stdout), { outputs: [{ path: 'labels.csv/x', missing: true }] })
    // A link to nothing (a disk not mounted) or a loop before the '..' fails as cat fails it; it
    // was stepped back over, and the project's own labels.csv hashed.
    symlinkSync(path.join(sb.home, 'not-mounted', 'data'), path.join(sb.dir, 'gone'))
    symlinkSync('loop', path.join(sb.dir, 'loop'))
    await hashFails(sb, ['gone/../labels.csv'], "cannot hash 'gone/../labels.csv': no such file or directory")
    await hashFails(sb, ['loop/../labels.csv'], "cannot hash 'loop/../labels.csv': ")
    // A missing output through it is recorded where the link points, where the command would have written it.
    const out = await sb.prov(['hash-inputs', '--missing-ok', '--as', 'outputs', 'gone/../labels.csv'])
    assert.equal(out.exitCode, 0, out.stderr)
    assert.deepEqual(JSON.parse(out.stdout).outputs, [{ path: path.join(sb.home, 'not-mounted', 'labels.csv'), missing: true }])
    // A relative link to nothing named through another link points from the directory it is in:
    // data/dang -> ../m/data is <home>/ext/m/data, not the project's m/data, whose m/out.csv was hashed.
    symlinkSync('../m/data', path.join(sb.home, 'ext', 'data', 'dang'))
    mkdirSync(path.join(sb.dir, 'm'))
    writeFileSync(path.join(sb.dir, 'm', 'out.csv'), 'NOT THIS\n')
    await hashFails(sb, ['data/dang/../out.csv'], "cannot hash 'data/dang/../out.csv': no such file or directory")
    const rel = await sb.prov(['hash-inputs', '--missing-ok', '--as', 'outputs', 'data/dang/../out.csv'])
    assert.equal(rel.exitCode, 0, rel.stderr)
    assert.deepEqual(JSON.parse(rel.stdout).outputs, [{ path: path.join(sb.home, 'ext', 'm', 'out.csv'), missing: true }])
    // Two '..' after a link to nothing, or one after a directory not there, lead nowhere, as for
    // cat: they were stepped back over lexically, onto the project's labels.csv (walked for
    // 'gone/../..'), hashed, and recorded as an output that was there.
    const back = `gone/../../${path.basename(sb.dir)}/labels.csv`
    await hashFails(sb, [back], `cannot hash '${back}': no such file or directory`)
    await hashFails(sb, ['build/../labels.csv'], "cannot hash 'build/../labels.csv': no such file or directory")
    await hashFails(sb, ['--missing-ok', '--as', 'outputs', 'build/../labels.csv'], "cannot hash 'build/../labels.csv': no such file or directory")
    // record -o leaves it for after the command, which may make build: then it is labels.csv.
    const nowhere = await sb.prov(['record', '-o', 'build/../labels.csv', '--', 'sh', '-c', 'echo ran > ran.txt'])
    assert.equal(nowhere.exitCode, 125, nowhere.stderr)
    assert.equal(nowhere.stderr, "prov: cannot hash 'build/../labels.csv': no such file or directory (the command ran and exited 0; no run was recorded)\n")
    assert.equal(existsSync(path.join(sb.dir, 'ran.txt')), true)
    const made = await sb.prov(['record', '-q', '-o', 'build/../labels.csv', '--', 'mkdir', 'build'])
    assert.equal(made.exitCode, 0, made.stderr)
    const shown = await sb.prov(['show', '--json', '@'])
    assert.deepEqual(JSON.parse(shown.stdout).outputs.map((o: any) => o.path), ['labels.csv'])
    // Where nothing is at that place either, a missing output keeps it, as before.
    const place = await sb.prov(['hash-inputs', '--missing-ok', '--as', 'outputs', 'build/../new.csv'])
    assert.deepEqual(JSON.parse(place.stdout), { outputs: [{ path: 'new.csv', missing: true }] })
  })

  test('outside a git repository the project root is the current directory', async () => {
    const sb = await makePlainDir()
    after(() => sb.cleanup())
    sb.write('f.txt', 'plain')
    sb.write('d/g.txt', 'g')
    const inputs = await hashOk(sb, ['f.txt', 'd'])
    assert.deepEqual(inputs.map((e) => e.path), ['d/g.txt', 'f.txt'])
    assert.equal(inputs[1].sha256, sha256sum(path.join(sb.dir, 'f.txt')))
  })
})

describe('hash-inputs: the stat cache', { concurrency: true }, () => {
  test('a second run gives the same output', async () => {
    const sb = await repo({ 'a': 'one', 'd/b': 'two' })
    const first = await hashOk(sb, ['a', 'd'])
    assert.ok(existsSync(path.join(sb.dir, '.prov', 'cache')), 'the cache was written')
    const second = await hashOk(sb, ['a', 'd'])
    assert.deepEqual(second, first)
  })

  test('a store the cache makes is made as record makes it: its .gitignore keeps cache/ out of git', async () => {
    const sb = await repo({ 'a': 'one' })
    await hashOk(sb, ['a'])
    assert.ok(existsSync(path.join(sb.dir, '.prov', 'cache', 'stat.bin')))
    // The .gitignore is record's own (written by ensureStore), and it hides the cache from git.
    const recorded = await repo({ 'a': 'one' })
    const r = await recorded.prov(['record', '-q', '--no-exec', '--', 'x'], { env: { PATH: '/nonexistent' } })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(readFileSync(path.join(sb.dir, '.prov', '.gitignore'), 'utf8'), readFileSync(path.join(recorded.dir, '.prov', '.gitignore'), 'utf8'))
    assert.equal(await sb.git('status', '--porcelain', '--untracked-files=all'), '?? .prov/.gitignore')
    assert.doesNotMatch(await sb.git('add', '--dry-run', '-A'), /cache/)
    // A store named with --store is made the same way.
    await hashOk(sb, ['--store', 'elsewhere', 'a'])
    assert.ok(existsSync(path.join(sb.dir, 'elsewhere', 'cache', 'stat.bin')))
    assert.equal(await sb.git('status', '--porcelain', '--untracked-files=all'), '?? .prov/.gitignore\n?? elsewhere/.gitignore')
  })

  // git's racily-clean rule, isolated: a cache entry whose stat fields all match is trusted only
  // when the file's times are older than the cache file. The entry's hash is made wrong on
  // purpose, so the output tells whether the entry was used or the file read again.
  test('an entry as new as the cache itself (changed in the same tick) is not trusted', async () => {
    const sb = await repo({})
    const file = sb.write('data.txt', 'AAAA')
    await hashOk(sb, ['data.txt'])
    const cacheFile = path.join(sb.dir, '.prov', 'cache', 'stat.bin')
    const cache = readFileSync(cacheFile)
    const at = cacheDigestAt(cache, file)
    assert.equal(cache.toString('hex', at, at + 32), sha256sum(file))
    const wrong = 'f'.repeat(64)
    cache.write(wrong, at, 'hex')
    writeFileSync(cacheFile, cache)
    const st = statSync(file, { bigint: true })
    const atCacheTime = (t: bigint): void => {
      const seconds = Number(t / 1000n) / 1e6 // ns → s, to the microsecond
      utimesSync(cacheFile, seconds, seconds)
    }
    // The cache written in the same tick as the file changed: read again, the true hash.
    atCacheTime(st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs)
    assert.equal((await hashOk(sb, ['data.txt']))[0].sha256, sha256sum(file))
    // The control: the same entry in a cache written later is trusted (its wrong hash shows).
    writeFileSync(cacheFile, cache)
    atCacheTime((st.ctimeNs > st.mtimeNs ? st.ctimeNs : st.mtimeNs) + 5_000_000_000n)
    assert.equal((await hashOk(sb, ['data.txt']))[0].sha256, wrong)
  })

  // The same rule where the file's times are whole seconds (ext3, HFS+, FAT, some network mounts)
  // and the cache's are not: a file edited again, same size, in the second it was hashed keeps
  // its mtime and ctime, and a cache written later in that second is newer by nanoseconds only.
  // It needs such a file system: an ext2 image with 128-byte inodes, mounted by loop (root only).
  test('a file on a file system of whole seconds: an entry of the cache\'s own second is not trusted', async (t) => {
    const sb = await repo({})
    const img = path.join(sb.home, 'coarse.img')
    const mnt = path.join(sb.home, 'coarse')
    mkdirSync(mnt)
    writeFileSync(img, '')
    const run = async (cmd: string, args: string[]): Promise<boolean> => (await execa(cmd, args, { reject: false })).exitCode === 0
    if (!(await run('truncate', ['-s', '8M', img]) && await run('mke2fs', ['-q', '-t', 'ext2', '-I', '128', '-F', img]) && await run('mount', ['-o', 'loop', img, mnt]))) {
      t.skip('cannot mount an ext2 image here (needs root, mke2fs and a loop device)')
      return
    }
    try {
      const file = path.join(mnt, 'data.txt')
      writeFileSync(file, 'AAAA')
      const st = statSync(file, { bigint: true })
      assert.equal(st.mtimeNs % 1_000_000_000n, 0n, 'whole seconds on this file system')
      symlinkSync(mnt, path.join(sb.dir, 'mnt'))
      await hashOk(sb, ['mnt/data.txt'])
      const cacheFile = path.join(sb.dir, '.prov', 'cache', 'stat.bin')
      const cache = readFileSync(cacheFile)
      const wrong = 'f'.repeat(64)
      cache.write(wrong, cacheDigestAt(cache, path.join(sb.dir, 'mnt/data.txt')), 'hex')
      const cacheAt = (ns: bigint): void => {
        writeFileSync(cacheFile, cache)
        const s = Number(ns / 1000n) / 1e6
        utimesSync(cacheFile, s, s)
      }
      // The cache written half a second after the file's second began: in the second the file
      // could still be edited without a trace, so it is read again.
      const newest = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs
      cacheAt(newest + 500_000_000n)
      assert.equal((await hashOk(sb, ['mnt/data.txt']))[0].sha256, sha256sum(file))
      // The control: written seconds later, the entry is trusted (its wrong hash shows).
      cacheAt(newest + 5_000_000_000n)
      assert.equal((await hashOk(sb, ['mnt/data.txt']))[0].sha256, wrong)
    } finally {
      await execa('umount', [mnt], { reject: false })
    }
  })

  test('the stat cache forgets files gone from a directory it walks, and keeps the rest', async () => {
    const sb = await repo({})
    const names = ['d/a.txt', 'd/b.txt', 'd/sub/c.txt', 'other.txt']
    for (const n of names) sb.write(n, n)
    await hashOk(sb, ['d', 'other.txt'])
    const cacheFile = path.join(sb.dir, '.prov', 'cache', 'stat.bin')
    const entries = (): string[] => {
      const bytes = readFileSync(cacheFile)
      const n = Number(bytes.readBigInt64LE(8))
      return bytes.toString('utf8', 16 + n * 72).split('\0').slice(0, n).map((p) => path.relative(sb.dir, p))
    }
    assert.deepEqual(entries(), names)
    // Two files moved out of d/: walking d/ again (reading nothing new) drops their entries; other.txt, not walked, stays.
    rmSync(path.join(sb.dir, 'd', 'b.txt'))
    rmSync(path.join(sb.dir, 'd', 'sub'), { recursive: true })
    assert.deepEqual((await hashOk(sb, ['d'])).map((e) => e.path), ['d/a.txt'])
    assert.deepEqual(entries(), ['d/a.txt', 'other.txt'])
  })

  test('a damaged cache is ignored and replaced: bad magic, a short file, a count too large, an empty file', async () => {
    const sb = await repo({})
    const a = sb.write('a.txt', 'A')
    const b = sb.write('b.txt', 'B')
    const old = new Date('2001-02-03T04:05:06Z')
    for (const f of [a, b]) utimesSync(f, old, old)
    const truth = await hashOk(sb, ['a.txt', 'b.txt'])
    const cacheFile = path.join(sb.dir, '.prov', 'cache', 'stat.bin')
    const good = readFileSync(cacheFile)
    // Each damaged cache has a wrong hash in it: were it believed, the output would show it.
    const poisoned = Buffer.from(good)
    poisoned.write('f'.repeat(64), cacheDigestAt(poisoned, a), 'hex')
    const n = Number(good.readBigInt64LE(8))
    const tooMany = Buffer.from(poisoned)
    tooMany.writeBigInt64LE(BigInt(n + 1), 8)
    const badMagic = Buffer.from(poisoned)
    badMagic.write('provst99', 0, 'latin1')
    for (const [what, bytes] of [['bad magic', badMagic], ['short', poisoned.subarray(0, 40)], ['count too large', tooMany], ['empty', Buffer.alloc(0)]] as const) {
      writeFileSync(cacheFile, bytes)
      utimesSync(cacheFile, new Date(), new Date(Date.now() + 10_000))
      assert.deepEqual(await hashOk(sb, ['a.txt', 'b.txt']), truth, what)
      assert.deepEqual(readFileSync(cacheFile).subarray(0, 8).toString('latin1'), 'provst01', `${what}: written again`)
    }
    // The control: the poisoned cache, undamaged otherwise, is believed.
    writeFileSync(cacheFile, poisoned)
    utimesSync(cacheFile, new Date(), new Date(Date.now() + 10_000))
    assert.equal((await hashOk(sb, ['a.txt', 'b.txt']))[0].sha256, 'f'.repeat(64))
  })

  test('entries from earlier calls are kept and merged in order: each path once, with its own hash', async () => {
    const sb = await repo({})
    const old = new Date('2001-02-03T04:05:06Z')
    const names = ['a/1', 'a/2', 'b/1', 'b/2', 'b/3', 'c/1', 'c-d', 'c/é', 'z']
    for (const n of names) utimesSync(sb.write(n, `content of ${n}\n`), old, old)
    const cacheFile = path.join(sb.dir, '.prov', 'cache', 'stat.bin')
    const entries = (): Array<[string, string]> => {
      const bytes = readFileSync(cacheFile)
      const n = Number(bytes.readBigInt64LE(8))
      const paths = bytes.toString('utf8', 16 + n * 72).split('\0').slice(0, n)
      return paths.map((p, i) => [p, bytes.toString('hex', 16 + n * 40 + i * 32, 16 + n * 40 + i * 32 + 32)])
    }
    const check = (expected: string[]): void => {
      const got = entries()
      assert.deepEqual(got.map(([p]) => p), expected.map((n) => path.join(sb.dir, n)).sort(), 'the paths, sorted')
      for (const [p, sha] of got) assert.equal(sha, sha256sum(p), p)
    }
    await hashOk(sb, ['b'])
    check(['b/1', 'b/2', 'b/3'])
    await hashOk(sb, ['a', 'c', 'c-d'])
    check(['a/1', 'a/2', 'b/1', 'b/2', 'b/3', 'c/1', 'c-d', 'c/é'])
    // One file edited (same size), one added: the rest is kept as it was.
    utimesSync(sb.write('b/2', 'CONTENT OF b/2\n'), old, old)
    const all = await hashOk(sb, ['.'])
    check(names)
    assert.deepEqual(all.map((e) => e.sha256), all.map((e) => sha256sum(path.join(sb.dir, e.path))))
  })

  for (const noCache of [false, true]) {
    test(`a file edited keeping its size and mtime is hashed again${noCache ? ' (--no-cache)' : ''}`, async () => {
      const sb = await repo({})
      const file = sb.write('data.txt', 'AAAA')
      const old = new Date('2001-02-03T04:05:06Z')
      utimesSync(file, old, old) // old enough that the cache trusts its entry
      const flags = noCache ? ['--no-cache'] : []
      const before = await hashOk(sb, [...flags, 'data.txt'])
      assert.equal(before[0].sha256, sha256sum(file))
      const again = await hashOk(sb, [...flags, 'data.txt'])
      assert.deepEqual(again, before)
      writeFileSync(file, 'BBBB')
      utimesSync(file, old, old)
      assert.equal(statSync(file).mtimeMs, old.getTime())
      const after = await hashOk(sb, [...flags, 'data.txt'])
      assert.equal(after[0].size, 4)
      assert.equal(after[0].sha256, sha256sum(file))
      assert.notEqual(after[0].sha256, before[0].sha256)
    })
  }
})

describe('hash-inputs: many files (two threads)', () => {
  test('4,000 files, a 2 MiB one among them: every hash as sha256sum gives it, with and without the cache; one edited file is read again', async () => {
    // Over PARALLEL_MIN (3,000) files to read: the second thread takes part.
    const sb = await makePlainDir()
    after(() => sb.cleanup())
    const old = new Date('2001-02-03T04:05:06Z')
    for (let d = 0; d < 40; d++) {
      mkdirSync(path.join(sb.dir, 'data', `d${d}`), { recursive: true })
      for (let f = 0; f < 100; f++) {
        const file = path.join(sb.dir, 'data', `d${d}`, `f${f}`)
        writeFileSync(file, `file ${d}/${f}\n`.repeat(1 + ((d * 7 + f) % 5)))
        utimesSync(file, old, old)
      }
    }
    const big = path.join(sb.dir, 'data', 'd7', 'big')
    writeFileSync(big, Buffer.alloc(2 << 20, 'x'))
    utimesSync(big, old, old)
    // sha256sum over every file, in one process: its lines, in the order of the paths' bytes.
    const list = execaSync('sh', ['-c', 'find data -type f -print0 | xargs -0 sha256sum'], { cwd: sb.dir })
    const expected = String(list.stdout).split('\n').map((l) => ({ path: l.slice(66), sha256: l.slice(0, 64) })).sort((a, b) => byUtf8(a.path, b.path))
    assert.equal(expected.length, 4001)
    const check = (entries: any[]): void => {
      assert.deepEqual(entries.map((e) => ({ path: e.path, sha256: e.sha256 })), expected)
    }
    const noCache = await hashOk(sb, ['--no-cache', 'data'])
    check(noCache)
    assert.equal(noCache.find((e) => e.path === 'data/d7/big').size, 2 << 20)
    const first = await hashOk(sb, ['data'])
    assert.deepEqual(first, noCache)
    const cached = await hashOk(sb, ['data'])
    assert.deepEqual(cached, noCache)
    // One file among them edited, keeping its size and mtime: read again, the rest from the cache.
    const edited = path.join(sb.dir, 'data', 'd39', 'f99')
    const size = statSync(edited).size
    writeFileSync(edited, 'y'.repeat(size))
    utimesSync(edited, old, old)
    const later = await hashOk(sb, ['data'])
    const i = later.findIndex((e) => e.path === 'data/d39/f99')
    assert.equal(later[i].sha256, sha256sum(edited))
    assert.notEqual(later[i].sha256, noCache[i].sha256)
    assert.deepEqual(later.filter((_, j) => j !== i), noCache.filter((_, j) => j !== i))
  })
})

describe('hash-inputs --ignore-errors', { concurrency: true }, () => {
  test('what a walk finds that cannot be hashed is left out with a warning; a path named is still checked', async () => {
    const sb = await repo({ 'data/a.csv': '1', 'data/sub/b.csv': '2' })
    execaSync('mkfifo', [path.join(sb.dir, 'data', 'fifo')])
    symlinkSync('user@host.1:1', path.join(sb.dir, 'data', '.#a.csv'))
    await hashFails(sb, ['data'], '/data/') // the FIFO or the link, whichever the walk meets first
    const r = await sb.prov(['hash-inputs', '--ignore-errors', 'data'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(parseValid('inputs', r.stdout).inputs.map((e: any) => e.path), ['data/a.csv', 'data/sub/b.csv'])
    assert.match(r.stderr, /^prov: warning: '.*\/data\/fifo' is a FIFO: left out$/m)
    assert.match(r.stderr, /^prov: warning: cannot read '.*\/data\/\.#a\.csv': dangling symbolic link: left out$/m)
    await hashFails(sb, ['--ignore-errors', 'data/fifo'], 'fifo')
  })
})

describe('hash-inputs --sources: the directories given, as a run keeps them', { concurrency: true }, () => {
  /** `--sources` output: exit 0, nothing on stderr, the command fragment. */
  async function sourcesOk(sb: Sandbox, args: string[], opts: Parameters<Sandbox['prov']>[1] = {}): Promise<Record<string, unknown>> {
    const r = await sb.prov(['hash-inputs', '--sources', ...args], opts)
    assert.equal(r.stderr, '', `stderr: ${r.stderr}`)
    assert.equal(r.exitCode, 0)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(doc), ['command'])
    return doc.command
  }

  test('the directories among the paths, by their record paths, sorted and once; files are not listed', async () => {
    const sb = await repo({ 'data/a.csv': '1', 'more/b.csv': '2', 'f.txt': 'f', 'sub/x': 'x' })
    symlinkSync('data', path.join(sb.dir, 'linked'))
    assert.deepEqual(await sourcesOk(sb, ['more', 'f.txt', 'data', './data/', 'data/a.csv', 'linked']), { input_dirs: ['data', 'linked', 'more'] })
    // From a subdirectory: relative to the project root, as the files are; '..' is the root, '.'.
    assert.deepEqual(await sourcesOk(sb, ['.', '../more'], { cwd: path.join(sb.dir, 'sub') }), { input_dirs: ['more', 'sub'] })
    assert.deepEqual(await sourcesOk(sb, ['..'], { cwd: path.join(sb.dir, 'sub') }), { input_dirs: ['.'] })
    // Only files, or nothing: an empty command fragment, which merges with any.
    assert.deepEqual(await sourcesOk(sb, ['f.txt']), {})
    assert.deepEqual(await sourcesOk(sb, []), {})
    // --as outputs names them output_dirs; --stdin -z reads the paths as hash-inputs does.
    assert.deepEqual(await sourcesOk(sb, ['--as', 'outputs', 'data', 'f.txt']), { output_dirs: ['data'] })
    assert.deepEqual(await sourcesOk(sb, ['--stdin', '-z'], { input: 'more\0f.txt\0' }), { input_dirs: ['more'] })
  })

  test('odd names: spaces, unicode, a newline', async () => {
    const sb = await repo({ 'a dir/x': '1', 'données/y': '2', 'new\nline/z': '3' })
    assert.deepEqual(await sourcesOk(sb, ['new\nline', 'données', 'a dir']), { input_dirs: ['a dir', 'données', 'new\nline'] })
  })

  test('a missing path is exit 2 naming it (listed by nothing with --missing-ok); a FIFO is refused as hash-inputs refuses it', async () => {
    const sb = await repo({ 'data/a': '1' })
    await hashFails(sb, ['--sources', 'data', 'nope'], 'nope')
    assert.deepEqual(await sourcesOk(sb, ['--missing-ok', '--as', 'outputs', 'nope', 'data']), { output_dirs: ['data'] })
    execaSync('mkfifo', [path.join(sb.dir, 'pipe')])
    const stderr = await hashFails(sb, ['--sources', 'pipe'], 'pipe')
    assert.match(stderr, /FIFO/)
    await hashFails(sb, ['--sources', ''], 'empty path')
  })

  test('no file is read: a FIFO inside a directory given does not matter here (the hash-inputs that lists it fails)', async () => {
    const sb = await repo({ 'data/a': '1' })
    execaSync('mkfifo', [path.join(sb.dir, 'data', 'pipe')])
    assert.deepEqual(await sourcesOk(sb, ['data']), { input_dirs: ['data'] })
    await hashFails(sb, ['data'], 'pipe')
  })

  test('a directory outside the project: absolute, with a warning; outside a git repository the root is the current directory', async () => {
    const sb = await repo({ 'a': '1' })
    const outside = path.join(sb.home, 'shared data')
    mkdirSync(outside)
    const r = await sb.prov(['hash-inputs', '--sources', outside])
    assert.equal(r.exitCode, 0)
    assert.deepEqual(JSON.parse(r.stdout), { command: { input_dirs: [outside] } })
    assert.match(r.stderr, /^prov: warning: .*outside the project root/)
    const plain = await makePlainDir()
    try {
      plain.write('d/x', '1')
      assert.deepEqual(await sourcesOk(plain, ['d']), { input_dirs: ['d'] })
    } finally { plain.cleanup() }
  })
})

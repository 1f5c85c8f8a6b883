#!/usr/bin/env node
// The installed command. The build makes one CommonJS bundle per command (dist/commands/<name>.cjs)
// and dist/main.cjs for prov without one; this file runs the one that argv names. It is CommonJS
// itself: an ES module entry point would start Node's ESM loader first (`prov --version` took
// 101 ms with bin/prov.mjs and 91 ms with this file, hyperfine on our 2-core machine).
//
// It compiles the bundle with V8's code cache, as Node 22's module.enableCompileCache() does
// and Node 20 cannot do for modules: the first run of a build stores the compiled code in
// $XDG_CACHE_HOME/prov/v8 (else ~/.cache/prov/v8), and later runs skip parsing and compiling
// (a few ms of a short command's start-up on our machines: test/bench reports git-state
// without it). The cache is derived: V8 checks each entry
// against the source and its own version and flags, an entry it rejects is written again, and
// the directory can be deleted at any time. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
'use strict'
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs')
const { createRequire } = require('node:module')
const path = require('node:path')
const vm = require('node:vm')

const dist = path.join(__dirname, '..', 'dist')

/** The bundle of a command so named, or null. */
function commandBundle(name) {
  if (typeof name !== 'string' || !/^[a-z][a-z-]*$/.test(name)) return null
  const file = path.join(dist, 'commands', `${name}.cjs`)
  return existsSync(file) ? file : null
}

/**
 * The bundle for argv's command, else the one without commands. Options given before the command
 * name (`prov --store DIR log`) are an error, which names where they go: the bundle is then the
 * command's named after them, which knows its options.
 */
function bundleFor(args) {
  const [first] = args
  if (typeof first === 'string' && first.startsWith('-') && !['--help', '-h', '--version'].includes(first)) {
    const end = args.indexOf('--')
    for (const w of args.slice(1, end === -1 ? undefined : end)) {
      const file = commandBundle(w)
      if (file !== null) return file
    }
  }
  // `prov --help log`: that command's help, which its bundle holds.
  if ((first === '--help' || first === '-h') && args.length > 1) return commandBundle(args[1]) ?? path.join(dist, 'main.cjs')
  return commandBundle(first) ?? path.join(dist, 'main.cjs')
}

/** Whether a directory is there; any error (ENOENT, ENOTDIR, EACCES) says no. */
function isDirectory(p) {
  try { return statSync(p).isDirectory() } catch { return false }
}

/**
 * Where the compiled code of this build of `file` is kept, or null for no cache. V8 checks an
 * entry's version, flags and source length, not the source itself: so the name holds the bundle's
 * identity as the stat cache has it (device, inode, size, mtime and ctime: a rebuild or a new
 * install makes new files, whose ctime no one sets), with Node's version and the architecture.
 */
function cacheFile(file) {
  if (process.env.NODE_DISABLE_COMPILE_CACHE === '1') return null
  const xdg = process.env.XDG_CACHE_HOME
  const home = process.env.HOME
  // A HOME that does not exist (HOME=/nonexistent) is not made.
  const dir = xdg && path.isAbsolute(xdg) ? path.join(xdg, 'prov', 'v8')
    : home && path.isAbsolute(home) && isDirectory(home) ? path.join(home, '.cache', 'prov', 'v8') : null
  if (dir === null) return null
  const st = statSync(file, { bigint: true })
  const key = `${process.version}-${process.arch}-${st.dev}-${st.ino}-${st.size}-${st.mtimeNs}-${st.ctimeNs}`
  return path.join(dir, `${path.basename(file, '.cjs')}-${key}.bin`)
}

function load(file) {
  const cache = cacheFile(file)
  const source = readFileSync(file, 'utf8')
  let cachedData
  if (cache !== null) {
    try { cachedData = readFileSync(cache) } catch { /* not yet */ }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData })
  if (cache !== null && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit, the code holds every function the command compiled, not only the top level.
    process.once('exit', () => {
      try {
        mkdirSync(path.dirname(cache), { recursive: true, mode: 0o700 })
        const tmp = `${cache}.${process.pid}.tmp`
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 })
        renameSync(tmp, cache)
        // What earlier builds of this bundle left is of no more use.
        const dir = path.dirname(cache)
        const prefix = `${path.basename(file, '.cjs')}-`
        for (const f of readdirSync(dir)) {
          if (f.startsWith(prefix) && /^v[0-9][^/]*\.bin$/.test(f.slice(prefix.length)) && f !== path.basename(cache)) rmSync(path.join(dir, f), { force: true })
        }
      } catch { /* a cache: best effort */ }
    })
  }
  const module = { exports: {} }
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file))
  return module.exports
}

/**
 * The standard streams the command makes. Node makes process.stdout and process.stderr on first
 * use (making one costs a command that never prints there a few ms), so they are noted as they
 * are made, to be checked at the end without making them.
 */
const made = []
for (const name of ['stdout', 'stderr']) {
  const d = Object.getOwnPropertyDescriptor(process, name)
  if (d === undefined || typeof d.get !== 'function' || !d.configurable) continue
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: d.enumerable,
    get() {
      const stream = d.get.call(process)
      if (!made.includes(stream)) {
        made.push(stream)
        // stderr that cannot be written (2>/dev/full) has no one left to tell: its error must not
        // end prov with a crash (exit 1, read as "differ" or as the command's status).
        if (name === 'stderr') stream.on('error', () => {})
      }
      return stream
    },
  })
}

const { run } = load(bundleFor(process.argv.slice(2)))
run(process.argv.slice(2)).then((code) => {
  process.exitCode = code
  // The command is done. Left to itself, Node would now close its handles and free its heap
  // before the process ends, which grows with the heap: on our 2-core machines ending here spares
  // `record -i a -i b -i c -- true` ~5 ms and a re-hash of 20,000 files ~20 ms (medians of
  // interleaved runs). Once all that was written to stdout and stderr has reached the kernel (a
  // pipe whose reader is slow can hold some back), it loses nothing: 'exit' handlers still run.
  // A stream that failed a write (a full disk) has its 'error' still to come, which says so.
  if (made.every((s) => s.writableLength === 0 && !s.errored)) process.exit()
})

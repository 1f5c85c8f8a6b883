// The build: precompiled schema validators, one esbuild bundle with lazily loaded
// command chunks, and the man pages. Run by `npm run build` (and so by `npm install`).
import { readFileSync, writeFileSync, mkdirSync, readdirSync, rmSync, existsSync, renameSync, statSync } from 'node:fs'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import standaloneCode from 'ajv/dist/standalone/index.js'
import { build } from 'esbuild'
import { SECTION_SCHEMAS } from './sections.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))

// 1. Validators, compiled once here instead of on every start.
const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, code: { source: true, esm: true, lines: false } })
addFormats(ajv)
const run = JSON.parse(readFileSync(path.join(root, 'schemas/run.schema.json'), 'utf8'))
const diff = JSON.parse(readFileSync(path.join(root, 'schemas/diff.schema.json'), 'utf8'))
ajv.addSchema(run)
ajv.addSchema(diff)
for (const s of SECTION_SCHEMAS) ajv.addSchema(s)
const exportsMap = { run: run.$id, diff: diff.$id }
for (const s of SECTION_SCHEMAS) exportsMap[s.$id.split(':').pop()] = s.$id
// standaloneCode still emits require() for ajv's runtime helpers; make them ES imports.
const imports = []
const code = standaloneCode(ajv, exportsMap).replace(/require\("([^"]+)"\)/g, (_, spec) => {
  const name = `__ajvRuntime${imports.length}`
  imports.push(`import ${name} from ${JSON.stringify(spec.endsWith('.js') ? spec : spec + '.js')}\n`)
  return name
})
const gen = path.join(root, 'src/generated')
mkdirSync(gen, { recursive: true })
const writeAtomic = (file, text) => {
  writeFileSync(`${file}.${process.pid}`, text)
  renameSync(`${file}.${process.pid}`, file)
}
writeAtomic(path.join(gen, 'validators.js'), imports.join('') + code)
writeAtomic(path.join(gen, 'validators.d.ts'),
  Object.keys(exportsMap).map((k) => `export declare const ${k}: import('../schema.js').Validator\n`).join(''))

// A digest of everything that decides how a run is checked (the source, the schemas, the
// validators made above): a run found sound by one build is checked again by another
// (src/io/verified.ts).
const checksHash = createHash('sha256')
const digestTree = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name)
    if (statSync(file).isDirectory()) digestTree(file)
    else checksHash.update(`${path.relative(root, file)}\0${readFileSync(file).length}\0`).update(readFileSync(file))
  }
}
digestTree(path.join(root, 'src'))
digestTree(path.join(root, 'schemas'))
const checks = checksHash.digest('hex').slice(0, 32)

// 2. The bundle: dist/cli.mjs plus one chunk per lazily imported command.
// Built beside dist/ and swapped in, so a test running meanwhile never sees half a build.
const dist = path.join(root, 'dist')
const staging = path.join(root, `dist.${process.pid}.tmp`)
rmSync(staging, { recursive: true, force: true })
await build({
  entryPoints: [path.join(root, 'src/cli.ts')],
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  define: { PROV_VERSION: JSON.stringify(pkg.version), PROV_CHECKS: JSON.stringify(`${pkg.version}-${checks}`) },
  banner: { js: "import { createRequire as __provRequire } from 'node:module'; const require = __provRequire(import.meta.url);" },
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
})
const old = `${dist}.${process.pid}.old`
if (existsSync(dist)) renameSync(dist, old)
renameSync(staging, dist)
rmSync(old, { recursive: true, force: true })

// 3. Man pages: man/<name>.1.md → man/<name>.1, reproducibly (fixed date and version).
const manDir = path.join(root, 'man')
if (existsSync(manDir)) {
  // In-process (one node per page cost ~0.5 s each): marked-man's output, as its CLI prints it.
  const { Marked } = await import('marked')
  const { default: markedMan } = await import('marked-man')
  const date = pkg.manDate ?? '2026-11-26'
  for (const f of readdirSync(manDir).filter((f) => f.endsWith('.1.md'))) {
    const file = path.join(manDir, f)
    markedMan.fileArg = file
    markedMan.manVersion = `prov ${pkg.version}`
    markedMan.manual = 'prov manual'
    markedMan.date = date
    const out = new Marked().use(markedMan).parse(readFileSync(file, 'utf8')) + '\n'
    // marked escapes quotes inside `code` spans as HTML entities, which marked-man leaves in the roff.
    writeAtomic(path.join(manDir, f.replace(/\.md$/, '')), out.replace(/&quot;/g, '"').replace(/&#39;/g, "'"))
  }
}

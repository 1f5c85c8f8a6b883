// Black-box tests of the secret policy: a secret given to prov through the environment, the
// command's argv, params (flags and files), the git remote URL, the message or the uncommitted
// patch is never written into the store nor printed by any command; diff still sees it change.
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, lstatSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { randomBytes, randomInt } from 'node:crypto'
import path from 'node:path'
import { makeRepo, parseValid, type Sandbox, toolsDir, filesUnder } from '../helpers/prov.js'

const sandboxes: Sandbox[] = []
after(() => { for (const s of sandboxes) s.cleanup() })

/**
 * A PATH holding only the tools these tests use: the environment snapshot probes every known
 * tool on PATH, and a slow one (pip3 takes seconds) would make each record slow.
 */
const PATH = toolsDir(['git', 'sh', 'true', 'cat'])

async function repo(files: Record<string, string>): Promise<Sandbox> {
  const sb = await makeRepo(files)
  sb.env.PATH = PATH
  sandboxes.push(sb)
  return sb
}

// ---- credential-shaped values ---------------------------------------------------------------
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const DIGITS = '0123456789'
const B64URL = ALNUM + '-_'
const rand = (n: number, chars = ALNUM): string => Array.from({ length: n }, () => chars[randomInt(chars.length)]).join('')
const b64url = (s: string): string => Buffer.from(s).toString('base64url')

const shape = {
  ghp: () => `ghp_${rand(36)}`,
  githubPat: () => `github_pat_${rand(22)}_${rand(59)}`,
  glpat: () => `glpat-${rand(20)}`,
  xoxb: () => `xoxb-${rand(12, DIGITS)}-${rand(13, DIGITS)}-${rand(24)}`,
  akia: () => `AKIA${rand(16, UPPER)}`,
  sk: () => `sk-${rand(48)}`,
  skProj: () => `sk-proj-${rand(64, B64URL)}`,
  jwt: () => `eyJ${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).slice(3)}.${b64url(JSON.stringify({ sub: rand(10), iat: randomInt(1e9) }))}.${rand(43, B64URL)}`,
  pem: () => `-----BEGIN RSA PRIVATE KEY-----\n${Array.from({ length: 5 }, () => randomBytes(48).toString('base64')).join('\n')}\n-----END RSA PRIVATE KEY-----`,
  hf: () => `hf_${rand(34)}`,
  npm: () => `npm_${rand(36)}`,
  /** a plain password: only its name (or place) says it is secret */
  plain: () => `Pl41n${rand(18)}`,
  urlPass: () => `p4ss${rand(14)}`,
}

/** The strings that must never appear: the value, and for a PEM block each of its body lines. */
function needles(v: string): string[] {
  if (v.includes('\n')) return [v, ...v.split('\n').filter((l) => !l.startsWith('-----'))]
  return [v]
}

// ---- the cases --------------------------------------------------------------------------
interface Setup {
  env: Record<string, string>
  /** prov record flags that are also read-params flags */
  params: string[]
  /** other prov record flags (-m) */
  flags: string[]
  /** the recorded command's arguments (after `true`) */
  argv: string[]
  files: Record<string, string>
  /** git commands to run before recording */
  git: string[][]
}
interface Case {
  name: string
  gen: () => string
  apply: (v: string, s: Setup) => void
  /** where `prov diff --json` reports the change: section and key; argv changes share key 'argv' */
  section: 'env' | 'command' | 'params' | 'code'
  key: string
  /**
   * For a remote URL: what the record keeps. Credentials in remote URLs are stripped (CONTRACT:
   * git-state), not fingerprinted, so a changed token there is no difference.
   */
  remote?: string
}

const envByName = (name: string, gen: () => string): Case => ({
  name: `env var named ${name}`, gen, section: 'env', key: `vars.${name}`, apply: (v, s) => { s.env[name] = v },
})
const envByValue = (name: string, what: string, gen: () => string): Case => ({
  name: `${what} in the harmless env var ${name}`, gen, section: 'env', key: `vars.${name}`, apply: (v, s) => { s.env[name] = v },
})
const argvCase = (name: string, gen: () => string, args: (v: string) => string[]): Case => ({
  name: `argv: ${name}`, gen, section: 'command', key: 'argv', apply: (v, s) => { s.argv.push(...args(v)) },
})

const GROUPS: Array<{ name: string; files?: Record<string, string>; cases: Case[] }> = [
  {
    name: 'environment variables',
    files: { '.prov/config.json': JSON.stringify({ secrets: { names: ['CORP_*'] } }) },
    cases: [
      envByName('MY_API_TOKEN', shape.plain),
      envByName('DB_PASSWORD', shape.plain),
      envByName('AWS_SECRET_ACCESS_KEY', () => `${rand(20)}/${rand(19)}`),
      envByName('GITHUB_TOKEN', shape.ghp),
      envByName('SESSION_COOKIE', shape.plain),
      envByName('DB_PASS', shape.plain),
      envByName('STRIPE_API_KEY', shape.plain),
      envByName('SSH_PRIVATE_KEY', shape.pem),
      envByName('CORP_INTERNAL', shape.plain), // secret by the store's config
      envByValue('MY_VAR', 'ghp_ token', shape.ghp),
      envByValue('CONFIG_A', 'github_pat_ token', shape.githubPat),
      envByValue('CONFIG_B', 'glpat- token', shape.glpat),
      envByValue('NOTIFY_TARGET', 'xoxb- token', shape.xoxb),
      envByValue('AWS_ID', 'AKIA access key id', shape.akia),
      envByValue('OPENAI_THING', 'sk- key', shape.sk),
      envByValue('OPENAI_PROJECT', 'sk-proj- key', shape.skProj),
      envByValue('BEARER_VALUE', 'JWT', shape.jwt),
      envByValue('CERT_DATA', 'PEM private key', shape.pem),
      envByValue('HF_THING', 'hf_ token', shape.hf),
      envByValue('NPMRC_THING', 'npm_ token', shape.npm),
      { name: 'URL with a password in the harmless env var UPSTREAM', gen: shape.urlPass, section: 'env', key: 'vars.UPSTREAM', apply: (v, s) => { s.env.UPSTREAM = `https://u:${v}@host.example.com/x` } },
      { name: 'a JAAS password="VALUE" in the harmless env var KAFKA_SASL_JAAS_CONFIG', gen: shape.plain, section: 'env', key: 'vars.KAFKA_SASL_JAAS_CONFIG', apply: (v, s) => { s.env.KAFKA_SASL_JAAS_CONFIG = `org.apache.kafka.common.security.plain.PlainLoginModule required username="etl" password="${v}";` } },
      { name: 'an ODBC PWD={VALUE} in the harmless env var ODBC_EXTRA', gen: shape.plain, section: 'env', key: 'vars.ODBC_EXTRA', apply: (v, s) => { s.env.ODBC_EXTRA = `DRIVER={ODBC Driver 18};SERVER=db;UID=etl;PWD={${v}}` } },
      { name: 'a token as the user of a URL in the harmless env var PIP_EXTRA_INDEX_URL', gen: () => rand(52, 'abcdefghijklmnopqrstuvwxyz234567'), section: 'env', key: 'vars.PIP_EXTRA_INDEX_URL', apply: (v, s) => { s.env.PIP_EXTRA_INDEX_URL = `https://${v}@pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/` } },
    ],
  },
  {
    name: 'argv and message',
    cases: [
      argvCase('--token=VALUE', shape.plain, (v) => [`--token=${v}`]),
      argvCase('--password VALUE', shape.plain, (v) => ['--password', v]),
      argvCase('--api-key VALUE', shape.plain, (v) => ['--api-key', v]),
      argvCase('-p api_key=VALUE', shape.plain, (v) => ['-p', `api_key=${v}`]),
      argvCase('DB_PASSWORD=VALUE', shape.plain, (v) => [`DB_PASSWORD=${v}`]),
      argvCase('a bare ghp_ word', shape.ghp, (v) => [v]),
      argvCase('a bare JWT', shape.jwt, (v) => [v]),
      argvCase('a bare AKIA word', shape.akia, (v) => [v]),
      argvCase('a URL with a password', shape.urlPass, (v) => ['--repo', `https://bot:${v}@git.example.com/r.git`]),
      argvCase('--header with a bearer JWT', shape.jwt, (v) => ['--header', `Authorization: Bearer ${v}`]),
      argvCase('--header with an opaque bearer token', shape.plain, (v) => ['-H', `Authorization: Bearer ${v}`]),
      argvCase('--password VALUE starting with a dash', shape.plain, (v) => ['--password', `-${v}`]),
      argvCase('-password VALUE (one dash, as Go tools take it)', shape.plain, (v) => ['-password', v]),
      argvCase('--env=GITHUB_TOKEN=VALUE (NAME=V joined to a flag)', shape.plain, (v) => [`--env=GITHUB_TOKEN=${v}`]),
      argvCase('--set=db.password=VALUE', shape.plain, (v) => [`--set=db.password=${v}`]),
      argvCase('-H X-Api-Key: VALUE (a header under a secret name)', shape.plain, (v) => ['-H', `X-Api-Key: ${v}`]),
      argvCase('-H Authorization: Basic VALUE', shape.plain, (v) => ['-H', `Authorization: Basic ${v}`]),
      // A shell's script is read as the shell reads it, a command at a time.
      argvCase("sh -c 'mysql --password=VALUE ...'", shape.plain, (v) => ['sh', '-c', `mysql --password=${v} -e 'select 1' db`]),
      argvCase("bash -lc 'PGPASSWORD=VALUE psql ...'", shape.plain, (v) => ['bash', '-lc', `PGPASSWORD="${v}" psql -h db`]),
      argvCase("sh -c 'T=$(curl -su bot:VALUE URL)'", shape.plain, (v) => ['sh', '-c', `T=$(curl -su bot:${v} https://h.example/t) && echo "$T"`]),
      argvCase('-- mysql -pVALUE', shape.plain, (v) => ['--', 'mysql', '-uroot', `-p${v}`]),
      // A tool's own words (src/core/tool-rules.ts), and a script's positional parameter.
      argvCase('-- kubectl create secret generic db --from-literal=pw=VALUE', shape.plain, (v) => ['--', 'kubectl', 'create', 'secret', 'generic', 'db', `--from-literal=pw=${v}`]),
      argvCase('-- htpasswd -b FILE USER VALUE', shape.plain, (v) => ['--', 'htpasswd', '-cb', 'site.htpasswd', 'alice', v]),
      argvCase('-- smbclient -U user%VALUE', shape.plain, (v) => ['--', 'smbclient', '//files/share', '-U', `CORP\\alice%${v}`, '-c', 'ls']),
      argvCase("sh -c 'mysql -p\"$1\" db' sh VALUE", shape.plain, (v) => ['sh', '-c', 'mysql -uroot -p"$1" db', 'sh', v]),
      argvCase("-- python3 -c 'openai.api_key = \"VALUE\"' (an interpreter's code)", shape.plain, (v) => ['--', 'python3', '-c', `import openai; openai.api_key = "${v}"`]),
      argvCase('-- rclone copy :sftp,host=h,pass=VALUE:dir .', shape.plain, (v) => ['--', 'rclone', 'copy', `:sftp,host=h,user=u,pass=${v}:dir`, '.']),
      argvCase('+wandb.api_key=VALUE (a Hydra override)', shape.plain, (v) => [`+wandb.api_key=${v}`]),
      argvCase("ssh host 'PGPASSWORD=VALUE psql'", shape.plain, (v) => ['ssh', '-p', '22', 'db.example', `PGPASSWORD=${v} psql -c 'select 1'`]),
      { name: 'remote https://user:password@host', gen: shape.urlPass, section: 'code', key: 'remote', remote: 'https://git.example.com/r.git', apply: (v, s) => { s.git.push(['remote', 'set-url', 'origin', `https://deploy:${v}@git.example.com/r.git`]) } },
      { name: 'a message holding a token', gen: shape.sk, section: 'command', key: 'message', apply: (v, s) => { s.flags.push('-m', `deploy with ${v} today`) } },
      argvCase('git clone https://TOKEN@github.com/... (a token as the URL\'s user)', () => rand(40, '0123456789abcdef'), (v) => ['clone', `https://${v}@github.com/o/r.git`]),
    ],
  },
  {
    name: 'params',
    cases: [
      { name: '-p db_password=VALUE', gen: shape.plain, section: 'params', key: 'db_password', apply: (v, s) => { s.params.push('-p', `db_password=${v}`) } },
      { name: 'a message saying DB_PASSWORD=VALUE', gen: shape.plain, section: 'command', key: 'message', apply: (v, s) => { s.flags.push('-m', `after rotation: DB_PASSWORD=${v} (and --password ${v})`) } },
      { name: '-p service.api_token=VALUE (dotted)', gen: shape.plain, section: 'params', key: 'service.api_token', apply: (v, s) => { s.params.push('-p', `service.api_token=${v}`) } },
      { name: '-p hub=<hf_ token> (credential-shaped value)', gen: shape.hf, section: 'params', key: 'hub', apply: (v, s) => { s.params.push('-p', `hub=${v}`) } },
      { name: 'YAML params file with a nested secret key', gen: shape.plain, section: 'params', key: 'database.password', apply: (v, s) => { s.files['params.yaml'] = `database:\n  host: db.example.com\n  password: ${v}\n`; s.params.push('--params-file', 'params.yaml') } },
      { name: 'YAML params file with a credential-shaped value', gen: shape.glpat, section: 'params', key: 'ci.trigger', apply: (v, s) => { s.files['ci.yml'] = `ci:\n  project: 42\n  trigger: ${v}\n`; s.params.push('--params-file', 'ci.yml') } },
      { name: 'remote https://oauth2:glpat-…@gitlab.com', gen: shape.glpat, section: 'code', key: 'remote', remote: 'https://gitlab.com/x.git', apply: (v, s) => { s.git.push(['remote', 'set-url', 'origin', `https://oauth2:${v}@gitlab.com/x.git`]) } },
      { name: 'JSON params file with a URL password', gen: shape.urlPass, section: 'params', key: 'upstream', apply: (v, s) => { s.files['p.json'] = JSON.stringify({ upstream: `https://bot:${v}@git.example.com/r.git` }); s.params.push('--params-file', 'p.json') } },
    ],
  },
  {
    name: 'github remote and uncommitted patch',
    cases: [
      { name: 'remote https://user:ghp_…@github.com', gen: shape.ghp, section: 'code', key: 'remote', remote: 'https://github.com/o/r.git', apply: (v, s) => { s.git.push(['remote', 'set-url', 'origin', `https://user:${v}@github.com/o/r.git`]) } },
      { name: 'a token added by an uncommitted patch', gen: shape.ghp, section: 'code', key: 'patch', apply: (v, s) => { s.files['config.py'] = `x = 1\nTOKEN = "${v}"\n` } },
      { name: 'a PEM key added by an uncommitted patch', gen: shape.pem, section: 'code', key: 'patch', apply: (v, s) => { s.files['key.pem'] = `${v}\n` } },
      // A patch's files are read as what they are: configuration, a program, a shell script.
      { name: 'DB_PASSWORD=VALUE added to .env by an uncommitted patch', gen: shape.plain, section: 'code', key: 'patch', apply: (v, s) => { s.files['.env'] = `MODE=online\nDB_PASSWORD=${v}\n` } },
      { name: 'password: VALUE added to a YAML file by an uncommitted patch', gen: shape.plain, section: 'code', key: 'patch', apply: (v, s) => { s.files['cfg.yaml'] = `db:\n  host: x\n  password: ${v}\n` } },
      { name: 'WANDB_API_KEY = "VALUE" added to a program by an uncommitted patch', gen: shape.plain, section: 'code', key: 'patch', apply: (v, s) => { s.files['train.py'] = `print(1)\nWANDB_API_KEY = "${v}"\n` } },
      { name: 'export HF_TOKEN=VALUE added to a shell script by an uncommitted patch', gen: shape.plain, section: 'code', key: 'patch', apply: (v, s) => { s.files['deploy.sh'] = `echo hi\nexport HF_TOKEN=${v}\n` } },
    ],
  },
]

test('the matrix holds at least 30 cases over the four channels', () => {
  const n = GROUPS.reduce((k, g) => k + g.cases.length, 0)
  assert.ok(n >= 30, `${n} cases`)
})

// ---- what to look at ----------------------------------------------------------------------

const FP_RE = /\[redacted hmac-sha256:[0-9a-f]{32}\]/g
const fingerprints = (v: unknown): string[] => JSON.stringify(v ?? null).match(FP_RE) ?? []

/** Assert that none of the needles occurs in the text (raw, or as JSON escapes it). */
function assertClean(where: string, text: string | Buffer, secrets: Array<{ name: string; value: string }>): void {
  const buf = typeof text === 'string' ? Buffer.from(text) : text
  for (const s of secrets) {
    for (const n of needles(s.value)) {
      for (const form of new Set([n, JSON.stringify(n).slice(1, -1)])) {
        assert.ok(!buf.includes(form), `${where} holds the secret of case '${s.name}': ${JSON.stringify(form.slice(0, 40))}…`)
      }
    }
  }
}

function emptySetup(): Setup {
  return { env: {}, params: [], flags: [], argv: [], files: {}, git: [] }
}

describe('no secret reaches the store or any output', { concurrency: 2 }, () => {
  for (const group of GROUPS) {
    test(`${group.name}: ${group.cases.length} cases`, async () => {
      const sb = await repo({ README: 'hello\n', 'config.py': 'x = 1\n', 'key.pem': 'none yet\n', '.env': 'MODE=online\n', 'cfg.yaml': 'db:\n  host: x\n', 'train.py': 'print(1)\n', 'deploy.sh': 'echo hi\n' })
      await sb.git('remote', 'add', 'origin', 'https://github.com/o/r.git')
      for (const [f, c] of Object.entries(group.files ?? {})) sb.write(f, c)
      const v1 = group.cases.map((c) => c.gen())
      const v2 = group.cases.map((c) => c.gen())
      const all = [...v1, ...v2].map((value, i) => ({ name: group.cases[i % group.cases.length]!.name, value }))
      for (let i = 0; i < v1.length; i++) assert.notEqual(v1[i], v2[i])
      const setup = (vals: string[]): Setup => {
        const s = emptySetup()
        group.cases.forEach((c, i) => c.apply(vals[i]!, s))
        return s
      }
      const outputs: Array<[string, string]> = []
      const runIds = (): Set<string> => { try { return new Set(readdirSync(path.join(sb.dir, '.prov/runs'))) } catch { return new Set() } }

      const record = async (vals: string[]): Promise<string> => {
        const s = setup(vals)
        for (const [f, c] of Object.entries(s.files)) sb.write(f, c)
        for (const g of s.git) await sb.git(...g)
        const before = runIds()
        const r = await sb.prov(['record', ...s.params, ...s.flags, '--', 'true', ...s.argv], { env: s.env })
        outputs.push(['record', r.stdout + r.stderr])
        assert.equal(r.exitCode, 0, r.stderr)
        assert.equal(r.stdout, '')
        assert.match(r.stderr, /^prov: recorded [0-9a-f]{12} \(exit 0/)
        const added = [...runIds()].filter((id) => !before.has(id))
        assert.equal(added.length, 1, `one new run, got ${added.length}`)
        return added[0]!
      }

      const r1 = await record(v1)
      const r2 = await record(v2)
      const r3 = await record(v1)
      assert.notEqual(r1, r3) // another time, so another id

      // Every command, in the state of the first and third runs.
      const s1 = setup(v1)
      const runs = async (label: string, args: string[], codes: number[] = [0]): Promise<string> => {
        const r = await sb.prov(args, { env: s1.env })
        outputs.push([label, r.stdout + r.stderr])
        assert.ok(codes.includes(r.exitCode!), `${label}: exit ${r.exitCode}: ${r.stderr}`)
        assert.doesNotMatch(r.stderr, /^\s+at /m)
        return r.stdout
      }
      const [, showJson, , logJson, , diffJson, sameJson, envDoc, gitDoc, paramsDoc] = await Promise.all([
        runs('show', ['show', r1]),
        runs('show --json', ['show', '--json', r2]),
        runs('log', ['log']),
        runs('log --json', ['log', '--json']),
        runs('diff', ['diff', r1, r2], [1]),
        runs('diff --json', ['diff', '--json', r1, r2], [1]),
        runs('diff-runs r1 r3', ['diff-runs', r1, r3], [0]),
        runs('snapshot-env', ['snapshot-env']),
        runs('git-state', ['git-state']),
        runs('read-params', ['read-params', ...s1.params]),
        runs('diff --workspace', ['diff', '--workspace', '--all'], [0, 1]),
        runs('exec', ['exec', '--', 'true', ...s1.argv]),
        runs('verify --files', ['verify', '--files'], [0, 1]), // the second run's files are gone
      ])
      parseValid('run', showJson)
      parseValid('env', envDoc)
      parseValid('git', gitDoc)
      parseValid('params', paramsDoc)
      for (const line of logJson.trim().split('\n')) JSON.parse(line)

      // Nothing in the store holds a secret; the key is private and no run names it.
      const store = path.join(sb.dir, '.prov')
      const key = readFileSync(path.join(store, 'secret.key'))
      assert.equal(key.length, 32)
      assert.equal(statSync(path.join(store, 'secret.key')).mode & 0o777, 0o600)
      const keyForms = [key.toString('hex'), key.toString('base64'), key.toString('base64url')].map((k) => ({ name: 'secret.key', value: k }))
      assert.match(readFileSync(path.join(store, '.gitignore'), 'utf8'), /^secret\.key$/m)
      const files = filesUnder(store).filter((f) => path.basename(f) !== 'secret.key')
      assert.ok(files.some((f) => f.endsWith('run.json')))
      for (const f of files) {
        const data = readFileSync(f)
        assertClean(path.relative(sb.dir, f), data, all)
        assertClean(path.relative(sb.dir, f), data, keyForms)
        assert.ok(!data.includes(key), `${f} holds the key's bytes`)
      }
      // git would not pick the key up with the store.
      const added = await sb.git('add', '--dry-run', '--', '.prov')
      assert.doesNotMatch(added, /secret\.key/)
      assert.match(added, /run\.json/)
      // Nothing any command printed holds one either.
      for (const [label, text] of outputs) {
        assertClean(`the output of prov ${label}`, text, all)
        assertClean(`the output of prov ${label}`, text, keyForms)
      }

      // diff still sees every secret change, by two different fingerprints.
      const diff = parseValid('diff', diffJson).diff
      assert.equal(diff.identical, false)
      const argvCases = group.cases.filter((c) => c.key === 'argv').length
      for (const c of group.cases) {
        const entry = diff[c.section].find((e: any) => e.key === c.key)
        if (c.remote !== undefined) {
          assert.equal(entry, undefined, `${c.name}: ${JSON.stringify(entry)}`)
          assert.equal(parseValid('run', showJson).git.remote, c.remote, c.name)
          continue
        }
        assert.ok(entry, `${c.name}: no ${c.section} change '${c.key}' in ${JSON.stringify(diff[c.section])}`)
        assert.equal(entry.op, 'changed', c.name)
        if (c.key === 'patch') {
          assert.notEqual(entry.from, entry.to, c.name)
          continue
        }
        if (c.key === 'argv') {
          const changed = entry.from.map((a: string, i: number) => [a, entry.to[i]]).filter(([a, b]: string[]) => a !== b)
          assert.equal(changed.length, argvCases, `${c.name}: argv elements that changed: ${JSON.stringify(changed)}`)
          for (const [a, b] of changed) {
            assert.equal(fingerprints(a).length, 1, `${c.name}: ${a}`)
            assert.equal(fingerprints(b).length, 1, `${c.name}: ${b}`)
            assert.notEqual(fingerprints(a)[0], fingerprints(b)[0])
          }
          continue
        }
        const fa = fingerprints(entry.from)
        const fb = fingerprints(entry.to)
        assert.ok(fa.length >= 1 && fb.length >= 1, `${c.name}: ${JSON.stringify(entry)}`)
        assert.notDeepEqual(fa, fb, c.name)
      }
      // The patch's change shows in the human diff as two fingerprints, no values.
      if (group.cases.some((c) => c.key === 'patch')) {
        const human = outputs.find(([l]) => l === 'diff')![1]
        assert.ok(new Set(human.match(FP_RE)).size >= 2, human)
      }
      // The same secret twice gives the same fingerprint: the first and third runs are identical.
      const same = parseValid('diff', sameJson).diff
      assert.equal(same.identical, true, JSON.stringify(same))
    })
  }
})

describe('secrets in the places around the matrix', () => {
  test('sh -c SCRIPT: the script runs as written; the record and every output hold it with its secrets fingerprinted, the rest as written', async () => {
    const sb = await repo({ README: 'hello\n' })
    const pw = shape.plain()
    const token = shape.plain()
    // The script sees its secrets (it writes one to a file), exits 3; a $VARIABLE is kept as it is.
    const script = `DB_PASSWORD='${pw}' sh -c 'printf %s "$DB_PASSWORD" > out.txt'\nexport API_TOKEN=${token}\nprintf '%s\\n' "$API_TOKEN" >> out.txt; exit 3 # uses $HOME`
    const r = await sb.prov(['record', '-o', 'out.txt', '--', 'sh', '-c', script])
    assert.equal(r.exitCode, 3, r.stderr)
    assert.equal(readFileSync(path.join(sb.dir, 'out.txt'), 'utf8'), `${pw}${token}\n`)
    const run = parseValid('run', (await sb.prov(['show', '--json'])).stdout)
    const [fp1, fp2] = fingerprints(run.command.argv)
    assert.ok(fp1 !== undefined && fp2 !== undefined && fp1 !== fp2, JSON.stringify(run.command.argv))
    assert.deepEqual(run.command.argv, ['sh', '-c',
      `DB_PASSWORD='${fp1}' sh -c 'printf %s "$DB_PASSWORD" > out.txt'\nexport API_TOKEN='${fp2}'\nprintf '%s\\n' "$API_TOKEN" >> out.txt; exit 3 # uses $HOME`])
    const shown = await sb.prov(['show'])
    assert.equal(shown.exitCode, 0, shown.stderr)
    assert.ok(shown.stdout.includes(fp2!), shown.stdout)
    const log = await sb.prov(['log'])
    assert.equal(log.exitCode, 0, log.stderr)
    // exec and write-run agree with record: the same script, the same fingerprints.
    const e = await sb.prov(['exec', '--', 'sh', '-c', script])
    assert.equal(e.exitCode, 3, e.stderr)
    assert.deepEqual(parseValid('command', e.stdout).command.argv, run.command.argv)
    const secrets = [{ name: 'DB_PASSWORD', value: pw }, { name: 'API_TOKEN', value: token }]
    for (const text of [r.stdout + r.stderr, shown.stdout, log.stdout, e.stdout + e.stderr, ...filesUnder(path.join(sb.dir, '.prov')).map((f) => readFileSync(f, 'utf8'))]) {
      assertClean('sh -c with secrets', text, secrets)
    }
  })

  test('sh -c SCRIPT whose quoted words are configuration lines (`echo "password = V"`, `\'api_key: V\'`): the record holds their fingerprints; the script runs as written', async () => {
    const sb = await repo({ README: 'hello\n' })
    const pw = shape.plain()
    const key = shape.plain()
    const script = `echo "password = ${pw}" > out.txt; printf '%s\\n' 'api_key: ${key}' "password is required" >> out.txt`
    const r = await sb.prov(['record', '-q', '-o', 'out.txt', '--', 'sh', '-c', script])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, '')
    assert.equal(readFileSync(path.join(sb.dir, 'out.txt'), 'utf8'), `password = ${pw}\napi_key: ${key}\npassword is required\n`)
    const run = parseValid('run', (await sb.prov(['show', '--json'])).stdout)
    const [fp1, fp2] = fingerprints(run.command.argv)
    assert.ok(fp1 !== undefined && fp2 !== undefined && fp1 !== fp2, JSON.stringify(run.command.argv))
    assert.deepEqual(run.command.argv, ['sh', '-c', `echo "password = ${fp1}" > out.txt; printf '%s\\n' 'api_key: ${fp2}' "password is required" >> out.txt`])
    const secrets = [{ name: 'password = V', value: pw }, { name: 'api_key: V', value: key }]
    for (const text of [r.stdout + r.stderr, ...filesUnder(path.join(sb.dir, '.prov')).map((f) => readFileSync(f, 'utf8'))]) assertClean('sh -c with configuration lines', text, secrets)
    // With no shell, the command's own words: the same.
    const plain = await sb.prov(['record', '-q', '--no-exec', '--', 'echo', `password = ${pw}`])
    assert.deepEqual([plain.exitCode, plain.stdout, plain.stderr], [0, '', ''])
    const argv = parseValid('run', (await sb.prov(['show', '--json'])).stdout).command.argv
    assert.deepEqual(argv, ['echo', `password = ${fingerprints(argv)[0]}`])
    for (const text of filesUnder(path.join(sb.dir, '.prov')).map((f) => readFileSync(f, 'utf8'))) assertClean('echo with a configuration line', text, secrets)
  })

  test('a command not found whose name holds a token: the error text is scrubbed too', async () => {
    const sb = await repo({ README: 'hello\n' })
    const token = shape.ghp()
    const r = await sb.prov(['record', '--', `./bin-${token}`, `--token=${shape.plain()}`])
    assert.equal(r.exitCode, 127, r.stderr)
    const e = await sb.prov(['exec', '--', `./bin-${token}`])
    assert.equal(e.exitCode, 127, e.stderr)
    const doc = parseValid('command', e.stdout)
    assert.equal(doc.command.exit_code, 127)
    assert.match(doc.command.error, /command not found/)
    const shown = await sb.prov(['show', '--json'])
    assert.equal(shown.exitCode, 0)
    const run = parseValid('run', shown.stdout)
    assert.match(run.command.error, /command not found/)
    for (const text of [r.stdout + r.stderr, e.stdout + e.stderr, shown.stdout, ...filesUnder(path.join(sb.dir, '.prov')).map((f) => readFileSync(f, 'utf8'))]) {
      assertClean('record/exec of a missing command', text, [{ name: 'command name', value: token }])
    }
  })

  test('a token given as a -p key (split at its dots, no part looked like one), or quoted by an error message: not stored, not printed', async () => {
    const sb = await repo({ README: 'hello\n' })
    const jwt = shape.jwt()
    const r = await sb.prov(['record', '-p', `${jwt}=1`, '--', 'true'])
    assert.equal(r.exitCode, 0, r.stderr)
    const run = parseValid('run', (await sb.prov(['show', '--json'])).stdout)
    const rp = await sb.prov(['read-params', '-p', `${jwt}=1`])
    assert.equal(rp.exitCode, 0, rp.stderr)
    assert.deepEqual(JSON.parse(rp.stdout).params, run.params, 'read-params prints what record keeps')
    assert.equal(Object.keys(run.params).length, 1, JSON.stringify(run.params))
    const ghp = shape.ghp()
    const pass = shape.urlPass()
    const errors = [
      await sb.prov(['read-params', '-p', ghp]), // no '=': "invalid parameter ..."
      await sb.prov(['record', '-p', ghp, '--', 'true']),
      await sb.prov(['record', '-i', `https://u:${pass}@host.example.com/f`, '--', 'true']),
      await sb.prov(['hash-inputs', `https://u:${pass}@host.example.com/f`]),
    ]
    assert.deepEqual(errors.map((e) => e.exitCode), [2, 125, 125, 2])
    for (const e of errors) assert.match(e.stderr, /\[redacted\]/)
    // Keys of every prefix are cut from messages (sk-svcacct-, sk-admin-, OpenRouter's sk-or-v1-) ...
    for (const key of [`sk-svcacct-${shape.plain()}${shape.plain()}`, `sk-or-v1-${shape.plain()}${shape.plain()}`]) {
      const e = await sb.prov(['read-params', '-p', key])
      assert.equal(e.exitCode, 2)
      assert.ok(!e.stderr.includes(key), e.stderr)
      assert.match(e.stderr, /invalid parameter '\[redacted\]'/)
    }
    // ... but a file name is not taken for a key: an error names the file it is about.
    const named = await sb.prov(['hash-inputs', 'models/sk_random_forest_classifier_v2.joblib', 'data/pk_customer_transactions_2024.csv'])
    assert.equal(named.exitCode, 2)
    assert.match(named.stderr, /'models\/sk_random_forest_classifier_v2\.joblib'/)
    for (const text of [r.stdout + r.stderr, rp.stdout + rp.stderr, ...errors.map((e) => e.stdout + e.stderr), ...filesUnder(path.join(sb.dir, '.prov')).map((f) => readFileSync(f, 'utf8'))]) {
      assertClean('a token as a key, in messages', text, [{ name: 'jwt', value: jwt }, { name: 'ghp', value: ghp }, { name: 'url password', value: pass }])
    }
  })

  test('a command named NAME=V (a forgotten `env`): its secret value leaves the error as it leaves argv', async () => {
    const sb = await repo({ README: 'hello\n' })
    const secret = shape.plain()
    const argv = [`MY_PASSWORD=${secret}`, 'true']
    const r = await sb.prov(['record', '--', ...argv])
    assert.equal(r.exitCode, 127, r.stderr)
    assert.match(r.stderr, /^prov: command not found: MY_PASSWORD=\[redacted hmac-sha256:[0-9a-f]{32}\]\n/)
    const e = await sb.prov(['exec', '--', ...argv])
    assert.equal(e.exitCode, 127, e.stderr)
    const doc = parseValid('command', e.stdout)
    assert.equal(doc.command.error, `command not found: ${doc.command.argv[0]}`)
    assert.match(doc.command.argv[0], /^MY_PASSWORD=\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
    // A document made by hand (or by an older prov) holding the name in clear: write-run scrubs it.
    const git = (await sb.prov(['git-state'])).stdout
    const env = (await sb.prov(['snapshot-env', '--no-tools'])).stdout
    const hand = JSON.stringify({ command: { ...doc.command, argv, error: `command not found: ${argv[0]}` } })
    const w = await sb.prov(['write-run', '-'], { input: git + env + hand })
    assert.equal(w.exitCode, 0, w.stderr)
    const shown = await sb.prov(['show', '--json', JSON.parse(w.stdout).id])
    assert.equal(shown.exitCode, 0, shown.stderr)
    assert.equal(parseValid('run', shown.stdout).command.error, doc.command.error)
    for (const text of [r.stdout + r.stderr, e.stdout + e.stderr, w.stdout + w.stderr, shown.stdout, ...filesUnder(path.join(sb.dir, '.prov')).map((f) => readFileSync(f, 'utf8'))]) {
      assertClean('a NAME=V command name', text, [{ name: 'MY_PASSWORD', value: secret }])
    }
  })

  test('a commit subject holding a token: diff lists the commit with the token scrubbed', async () => {
    const sb = await repo({ README: 'hello\n' })
    const token = shape.ghp()
    assert.equal((await sb.prov(['record', '-q', '--', 'true'])).exitCode, 0)
    sb.write('README', 'changed\n')
    await sb.git('commit', '-q', '-am', `rotate the deploy key ${token}`)
    assert.equal((await sb.prov(['record', '-q', '--', 'true'])).exitCode, 0)
    const r = await sb.prov(['diff'])
    assert.equal(r.exitCode, 1, r.stderr)
    assert.match(r.stdout, /1 commit between them:\n\s+[0-9a-f]{7} rotate the deploy key \[redacted hmac-sha256:[0-9a-f]{32}\]/)
    assertClean('prov diff', r.stdout + r.stderr, [{ name: 'commit subject', value: token }])
  })

  test('a damaged (short) key is refused, not used: its fingerprints would be public', async () => {
    const sb = await repo({ README: 'hello\n' })
    const secret = shape.plain()
    sb.write('.prov/secret.key', '')
    const env = await sb.prov(['snapshot-env', '--no-tools'], { env: { API_TOKEN: secret } })
    assert.equal(env.exitCode, 2)
    assert.equal(env.stdout, '')
    assert.match(env.stderr, /^prov: the key '.*secret\.key' is damaged: 0 bytes, expected 32\nhint: remove it/)
    const r = await sb.prov(['record', '--', 'true'], { env: { API_TOKEN: secret } })
    assert.equal(r.exitCode, 125)
    assert.match(r.stderr, /is damaged/)
    // No run, nor a runs/ made for it: the key is read before anything is written.
    assert.deepEqual(readdirSync(path.join(sb.dir, '.prov')), ['secret.key'])
    // Without secrets there is nothing to fingerprint: recording works.
    const plain = await sb.prov(['record', '-q', '--', 'true'])
    assert.equal(plain.exitCode, 0, plain.stderr)
  })

  test('a key that is a symbolic link to nothing is refused naming it, not an internal error; no key is made beside it', async () => {
    const sb = await repo({ README: 'hello\n' })
    sb.write('.prov/keep', '')
    symlinkSync('/nonexistent/key', path.join(sb.dir, '.prov', 'secret.key'))
    const env = await sb.prov(['snapshot-env', '--no-tools'], { env: { API_TOKEN: shape.plain() } })
    assert.equal(env.exitCode, 2)
    assert.equal(env.stdout, '')
    assert.match(env.stderr, /^prov: the key '.*secret\.key' is a symbolic link to nothing \(\/nonexistent\/key\)\nhint: restore the file it names, or remove the link/)
    assert.doesNotMatch(env.stderr, /internal error/)
    assert.equal(lstatSync(path.join(sb.dir, '.prov', 'secret.key')).isSymbolicLink(), true)
    assert.equal(existsSync('/nonexistent/key'), false)
  })

  test('an empty store directory gets a .gitignore for the key before the key exists', async () => {
    const sb = await repo({ README: 'hello\n' })
    const r = await sb.prov(['snapshot-env', '--no-tools'], { env: { DB_PASSWORD: 'x' } })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(readFileSync(path.join(sb.dir, '.prov/.gitignore'), 'utf8'), /^secret\.key$/m)
    writeFileSync(path.join(sb.dir, 'probe'), '')
    const st = await sb.git('status', '--porcelain', '--untracked-files=all')
    assert.doesNotMatch(st, /secret\.key/)
  })
})

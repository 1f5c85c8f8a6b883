// Secret scrubbing: names and shapes of credentials, the keyed fingerprint, argv/params/vars forms.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { keyIdOf, REDACTED_RE, Redactor, stripUrlCredentials } from '../../../src/core/redact.js'
import { buildParams } from '../../../src/core/params.js'

const KEY = Buffer.from('0123456789abcdef0123456789abcdef')
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210')
const r = new Redactor(KEY)

const alnum = (n: number, seed = 7): string => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let s = ''
  for (let i = 0; i < n; i++) s += chars[(i * seed + 3) % chars.length]
  return s
}

/** Secrets told apart by their shape, whatever the name they are under. `secret` must vanish. */
const SHAPES: Array<[string, string, string]> = [
  // [what, text holding the secret, the secret part that must never appear]
  ['github classic token', 'ghp_' + alnum(36), 'ghp_' + alnum(36)],
  ['github oauth token', 'gho_' + alnum(36, 11), 'gho_' + alnum(36, 11)],
  ['github server token', 'ghs_' + alnum(36, 13), 'ghs_' + alnum(36, 13)],
  ['github fine-grained token', 'github_pat_11ABCDEFG0' + alnum(12) + '_' + alnum(59, 5), alnum(59, 5)],
  ['gitlab token', 'glpat-' + alnum(20, 3), 'glpat-' + alnum(20, 3)],
  ['slack bot token', 'xoxb-123456789012-1234567890123-' + alnum(24), alnum(24)],
  ['slack user token', 'xoxp-123456789012-1234567890123-1234567890123-' + alnum(32, 9), alnum(32, 9)],
  ['slack webhook', 'https://hooks.slack.com/services/T00000000/B00000000/' + alnum(24, 17), alnum(24, 17)],
  ['aws access key id', 'AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ['aws temporary key id', 'ASIAQWERTYUIOPASDFGH', 'ASIAQWERTYUIOPASDFGH'],
  ['openai key', 'sk-' + alnum(48, 19), alnum(48, 19)],
  ['openai project key', 'sk-proj-' + alnum(40, 23) + '_' + alnum(20, 29) + '-' + alnum(20, 31), alnum(40, 23)],
  ['anthropic key', 'sk-ant-api03-' + alnum(40, 37), alnum(40, 37)],
  ['stripe live key', 'sk_live_' + alnum(24, 41), alnum(24, 41)],
  ['google api key', 'AIza' + alnum(35, 43), alnum(35, 43)],
  ['hugging face token', 'hf_' + alnum(34, 47), 'hf_' + alnum(34, 47)],
  ['npm token', 'npm_' + alnum(36, 53), 'npm_' + alnum(36, 53)],
  ['pypi token', 'pypi-AgEIcHlwaS5vcmc' + alnum(60, 59), alnum(60, 59)],
  ['jwt', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'],
  ['pem rsa private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA' + alnum(60, 61) + '\n' + alnum(60, 67) + '\n-----END RSA PRIVATE KEY-----',
    alnum(60, 61)],
  ['pem openssh private key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA' + alnum(50, 71) + '\n-----END OPENSSH PRIVATE KEY-----',
    alnum(50, 71)],
  ['https url with a password', 'https://deploy:Pa55w0rdXyzzy@git.example.com/org/repo.git', 'Pa55w0rdXyzzy'],
  ['postgres url with a password', 'postgres://admin:QuietHorse42@db.internal:5432/app', 'QuietHorse42'],
]

/** Names whose values are secrets whatever they look like. */
const NAMES = [
  'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'DB_PASSWORD', 'MY_API_KEY', 'OPENAI_API_KEY',
  'SESSION_COOKIE', 'PRIVATE_KEY_PATH', 'MYSQL_PWD', 'SLACK_AUTH', 'DATABASE_URL', 'SENTRY_DSN', 'AZURE_CLIENT_SECRET',
  'NPM_TOKEN', 'GPG_PASSPHRASE', 'GOOGLE_APPLICATION_CREDENTIALS', 'HTPASSWD', 'STRIPE_APIKEY', 'KEY', 'SIGNING_KEY',
  'ENCRYPTION_KEY_ID', 'GITLAB_PAT', 'DB_CONNECTION_STRING', 'REQUEST_SIGNATURE', 'github_token', 'Api_Key',
  'HF_TOKEN', 'AWS_ACCESS_KEY_ID', 'BASIC_AUTH_USER', 'X_AUTHORIZATION',
]
const PLAIN_SECRET = 'correct horse battery staple 7731'

const fp = (value: string, key = KEY): string =>
  `[redacted hmac-sha256:${createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 32)}]`

function assertGone(out: unknown, secret: string, what: string): void {
  const text = typeof out === 'string' ? out : JSON.stringify(out)
  assert.ok(!text.includes(secret), `${what}: the secret is still there: ${text}`)
  assert.match(text, /\[redacted hmac-sha256:[0-9a-f]{32}\]/, `${what}: no fingerprint in ${text}`)
}

test('at least 30 secret cases are covered', () => {
  assert.ok(SHAPES.length + NAMES.length >= 30)
})

test('secret-shaped values vanish from scrubText, vars, argv and params under any name', () => {
  for (const [what, text, secret] of SHAPES) {
    assert.ok(text.includes(secret), `${what}: fixture`)
    assertGone(r.scrubText(text), secret, `${what} scrubText`)
    assertGone(r.scrubText(`before ${text} after`), secret, `${what} scrubText in a sentence`)
    assertGone(r.redactVars({ SOME_SETTING: text }), secret, `${what} vars`)
    assertGone(r.redactArgv(['tool', text]), secret, `${what} argv word`)
    assertGone(r.redactArgv(['curl', '-H', `Authorization: Bearer ${text}`]), secret, `${what} argv header`)
    assertGone(r.redactArgv([`--endpoint=${text}`]), secret, `${what} argv --flag=`)
    assertGone(r.redactArgv([`SETTING=${text}`]), secret, `${what} argv NAME=`)
    assertGone(r.redactParams({ note: text, list: [text], deep: { x: { y: text } } }), secret, `${what} params`)
    // The text around a secret is kept.
    assert.match(r.scrubText(`before ${text} after`), /^before .*\[redacted hmac-sha256:[0-9a-f]{32}\].* after$/s, what)
  }
})

test('a value under a secret name is fingerprinted whole, in vars, argv and params', () => {
  for (const name of NAMES) {
    const flag = '--' + name.toLowerCase().replace(/_/g, '-')
    const key = name.toLowerCase()
    const whole = fp(PLAIN_SECRET)
    assert.deepEqual(r.redactVars({ [name]: PLAIN_SECRET }), { [name]: whole }, name)
    assert.deepEqual(r.redactArgv([`${flag}=${PLAIN_SECRET}`]), [`${flag}=${whole}`], `${name} ${flag}=V`)
    assert.deepEqual(r.redactArgv([flag, PLAIN_SECRET, 'next']), [flag, whole, 'next'], `${name} ${flag} V`)
    assert.deepEqual(r.redactArgv([`${name}=${PLAIN_SECRET}`]), [`${name}=${whole}`], `${name} NAME=V`)
    assert.deepEqual(r.redactArgv(['-p', `${key}=${PLAIN_SECRET}`]), ['-p', `${key}=${whole}`], `${name} -p key=V`)
    assert.deepEqual(r.redactArgv(['-p', `cfg.${key}=${PLAIN_SECRET}`]), ['-p', `cfg.${key}=${whole}`], `${name} -p a.key=V`)
    assert.deepEqual(r.redactParams({ [key]: PLAIN_SECRET }), { [key]: whole }, `${name} params`)
    assert.deepEqual(r.redactParams({ db: { [name]: PLAIN_SECRET } }), { db: { [name]: whole } }, `${name} nested params`)
    assert.equal(r.isSecretName(name), true, name)
  }
})

test('argv forms from the contract', () => {
  const V = 'Zq9-not-a-known-shape'
  const table: Array<[string[], string[]]> = [
    [['--token=' + V], ['--token=' + fp(V)]],
    [['--password', V], ['--password', fp(V)]],
    [['-p', 'api_key=' + V], ['-p', 'api_key=' + fp(V)]],
    [['API_KEY=' + V], ['API_KEY=' + fp(V)]],
    [['--auth-token', V], ['--auth-token', fp(V)]],
    [['--auth-token', '-'], ['--auth-token', fp('-')]],
    [['-password', V], ['-password', fp(V)]], // Go's flag package, openssl
    [['-api-key', V, '-v'], ['-api-key', fp(V), '-v']],
    [['-token=' + V], ['-token=' + fp(V)]],
    [['-k', V, '-p', V], ['-k', V, '-p', V]], // one letter: no name to go by
    [['--token='], ['--token=']], // nothing to hide
    [['--password', ''], ['--password', '']],
    [['--password', '--verbose'], ['--password', '--verbose']], // a flag, not the value
    [['env', 'DB_PASSWORD=' + V, 'LANG=C', 'make'], ['env', 'DB_PASSWORD=' + fp(V), 'LANG=C', 'make']],
    [['--lr=0.1', 'lr=0.1', '--epochs', '3'], ['--lr=0.1', 'lr=0.1', '--epochs', '3']],
    // NAME=V as the value of a --flag= (docker, helm, terraform): judged as the word alone is.
    [['docker', 'run', '--env=GITHUB_TOKEN=' + V, '--build-arg=NPM_TOKEN=' + V], ['docker', 'run', '--env=GITHUB_TOKEN=' + fp(V), '--build-arg=NPM_TOKEN=' + fp(V)]],
    [['helm', '--set=db.password=' + V, '--opt=token=' + V, '-e=API_KEY=' + V], ['helm', '--set=db.password=' + fp(V), '--opt=token=' + fp(V), '-e=API_KEY=' + fp(V)]],
    [['--set=model.layers=3', '--env=LANG=C'], ['--set=model.layers=3', '--env=LANG=C']],
    // Headers under a secret name; Authorization keeps its scheme.
    [['curl', '-H', 'X-Api-Key: ' + V, '--header=X-Auth-Token:' + V], ['curl', '-H', 'X-Api-Key: ' + fp(V), '--header=X-Auth-Token:' + fp(V)]],
    [['curl', '-H', 'Authorization: Basic ' + V, '-H', 'Proxy-Authorization: Digest ' + V], ['curl', '-H', 'Authorization: Basic ' + fp(V), '-H', 'Proxy-Authorization: Digest ' + fp(V)]],
    [['curl', '-H', 'Accept: text/plain', 'Note: x'], ['curl', '-H', 'Accept: text/plain', 'Note: x']],
    // curl's -u/--user USER:PASSWORD; elsewhere -u and --user are not credentials (docker's uid:gid).
    [['curl', '-u', 'bob:' + V, 'https://x'], ['curl', '-u', 'bob:' + fp(V), 'https://x']],
    [['/usr/bin/curl', '--user', 'bob:' + V, '--user=ann:' + V], ['/usr/bin/curl', '--user', 'bob:' + fp(V), '--user=ann:' + fp(V)]],
    [['curl', '-u', 'bob'], ['curl', '-u', 'bob']],
    [['docker', 'run', '-u', '1000:1000', '--user', '1000:1000'], ['docker', 'run', '-u', '1000:1000', '--user', '1000:1000']],
    [['curl', '-ubob:' + V, '-HX-Api-Key: ' + V], ['curl', '-ubob:' + fp(V), '-HX-Api-Key: ' + fp(V)]],
    // -H is a header only where a header follows: for mysql it is --html.
    [['mysql', '-H', '--password=' + V, '-H', '--password', V], ['mysql', '-H', '--password=' + fp(V), '-H', '--password', fp(V)]],
    [['grep', '-H', 'API_KEY=' + V, 'f', 'prog', '-Htoken=' + V], ['grep', '-H', 'API_KEY=' + fp(V), 'f', 'prog', '-Htoken=' + fp(V)]],
    // curl: -U/--proxy-user, grouped short flags ending in u, curl behind sudo or env.
    [['curl', '-su', 'bob:' + V, '-U', 'px:' + V, '--proxy-user=px:' + V], ['curl', '-su', 'bob:' + fp(V), '-U', 'px:' + fp(V), '--proxy-user=px:' + fp(V)]],
    [['sudo', '-u', 'root', 'curl', '-u', 'bob:' + V], ['sudo', '-u', 'root', 'curl', '-u', 'bob:' + fp(V)]],
    [['docker', 'run', '-u', '1000:1000', 'curlimages/curl'], ['docker', 'run', '-u', '1000:1000', 'curlimages/curl']],
    // httpie and xh: headers as Name:Value words.
    [['http', 'example.org', 'X-API-Key:' + V, 'Authorization:' + V, 'localhost:8080', 'q==1'], ['http', 'example.org', 'X-API-Key:' + fp(V), 'Authorization:' + fp(V), 'localhost:8080', 'q==1']],
    [['xh', 'get', 'x.org', 'x-api-key:' + V, 'https://x.org/a'], ['xh', 'get', 'x.org', 'x-api-key:' + fp(V), 'https://x.org/a']],
    // ... not host:port, and their auth and JSON fields.
    [['http', 'auth-server:8443/health', 'session-store:6379', 'X-Api-Key:/AbCd+ef=='], ['http', 'auth-server:8443/health', 'session-store:6379', 'X-Api-Key:' + fp('/AbCd+ef==')]],
    [['http', '-a', 'u:' + V, 'x.com', 'password:=' + V, 'n:=3', 'f:=@data.json'], ['http', '-a', 'u:' + fp(V), 'x.com', 'password:=' + fp(V), 'n:=3', 'f:=@data.json']],
    // curl grouped and joined, and behind timeout or xargs; not a -u before the word curl.
    [['curl', '-sSuu:' + V, '-suuser:' + V], ['curl', '-sSuu:' + fp(V), '-suuser:' + fp(V)]],
    [['timeout', '10', 'curl', '-u', 'u:' + V], ['timeout', '10', 'curl', '-u', 'u:' + fp(V)]],
    [['sudo', 'docker', 'run', '-u', '1000:1000', 'curlimages/curl', '-s', 'http://x'], ['sudo', 'docker', 'run', '-u', '1000:1000', 'curlimages/curl', '-s', 'http://x']],
    // A numeric header value is no port (ports have at most 5 digits); host:port before ? or # is no header.
    [['http', 'x', 'X-Auth-Token:99887766554433', 'auth-server:8443?q=1', 'auth-server:8443#f'], ['http', 'x', 'X-Auth-Token:' + fp('99887766554433'), 'auth-server:8443?q=1', 'auth-server:8443#f']],
    // curl: grouped only after flags that take no value (-d takes 'username=bob:x').
    [['curl', '-dusername=bob:x', '-ousr:1.txt', '-sSLo', 'out.txt'], ['curl', '-dusername=bob:x', '-ousr:1.txt', '-sSLo', 'out.txt']],
    // A message 'api_key: rename field' is no header (no header name has an underscore).
    [['git', 'commit', '-m', 'api_key: rename field', '-m', 'auth_token: refresh on 401'], ['git', 'commit', '-m', 'api_key: rename field', '-m', 'auth_token: refresh on 401']],
    // A header name may hold an underscore.
    [['curl', '-H', 'api_key: ' + V, '-H', 'X_API_KEY: ' + V], ['curl', '-H', 'api_key: ' + fp(V), '-H', 'X_API_KEY: ' + fp(V)]],
    // A file name that only looks like a key keeps its name.
    [['python', 'train.py', '--out', 'models/sk_random_forest_classifier_v2.joblib'], ['python', 'train.py', '--out', 'models/sk_random_forest_classifier_v2.joblib']],
    [['curl', '-H', 'X-Api-Key:' + V], ['curl', '-H', 'X-Api-Key:' + fp(V)]],
    // A word name:value is no header without the space: hosts, image tags, modules, volumes.
    [['python', 'serve.py', 'auth-server:8443', '--redis=session-cache:6379', '--host=auth:443', 'key:0', 'private:true', '--sort=key:asc'],
      ['python', 'serve.py', 'auth-server:8443', '--redis=session-cache:6379', '--host=auth:443', 'key:0', 'private:true', '--sort=key:asc']],
    [['docker', 'run', '-v', 'secrets:/run/secrets', '--volume=credentials:/root/.aws', 'oauth2-proxy:latest', 'session-manager:1.2'],
      ['docker', 'run', '-v', 'secrets:/run/secrets', '--volume=credentials:/root/.aws', 'oauth2-proxy:latest', 'session-manager:1.2']],
    [['gunicorn', 'auth:app', 'grep', '-H', 'token'], ['gunicorn', 'auth:app', 'grep', '-H', 'token']],
    // -Dname=V judged by its name, also the first one in a variable set on the command line.
    [['java', '-Dkey=' + V, '-Ddb.password=' + V, '-Dfile.encoding=UTF-8'], ['java', '-Dkey=' + fp(V), '-Ddb.password=' + fp(V), '-Dfile.encoding=UTF-8']],
    [['env', `JAVA_TOOL_OPTIONS=-Dapi.token=${V} -Dx=1`], ['env', `JAVA_TOOL_OPTIONS=-Dapi.token=${fp(V)} -Dx=1`]],
  ]
  for (const [argv, expected] of table) assert.deepEqual(r.redactArgv(argv), expected, argv.join(' '))
  // In any text (a variable, a message), Basic credentials after Authorization.
  const basic = 'dXNlcjpwYXNzd29yZA=='
  assert.equal(r.scrubText(`curl -H 'Authorization: Basic ${basic}'`), `curl -H 'Authorization: Basic ${fp(basic)}'`)
  assert.equal(r.scrubText('Basic training'), 'Basic training')
})

test('the fingerprint: format, keyed HMAC, stable per value and key', () => {
  const a = r.fingerprint('s3cret-value')
  assert.match(a, REDACTED_RE)
  assert.match(a, /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/)
  assert.equal(a, fp('s3cret-value'))
  // Not a plain hash that a dictionary attack reverses.
  assert.ok(!a.includes(createHash('sha256').update('s3cret-value').digest('hex').slice(0, 32)))
  assert.equal(r.fingerprint('s3cret-value'), a)
  assert.equal(new Redactor(Buffer.from(KEY)).fingerprint('s3cret-value'), a)
  assert.notEqual(r.fingerprint('s3cret-valuf'), a)
  assert.notEqual(r.fingerprint('s3cret-value '), a)
  const other = new Redactor(OTHER_KEY).fingerprint('s3cret-value')
  assert.match(other, REDACTED_RE)
  assert.notEqual(other, a)
  // The same secret gives the same fingerprint wherever it is found.
  assert.equal(r.redactVars({ GITHUB_TOKEN: 's3cret-value' }).GITHUB_TOKEN, a)
  assert.deepEqual(r.redactArgv(['--token', 's3cret-value']), ['--token', a])
  assert.deepEqual(r.redactParams({ password: 's3cret-value' }), { password: a })
  const tok = 'ghp_' + alnum(36)
  assert.equal(r.scrubText(tok), fp(tok))
  assert.equal(r.redactVars({ A: tok, B: `x ${tok}` }).B, `x ${fp(tok)}`)
})

test('redaction is idempotent: a fingerprint is left as it is', () => {
  const vars = { GITHUB_TOKEN: 'abc', NOTE: 'see ghp_' + alnum(36), PATH: '/bin' }
  const once = r.redactVars(vars)
  assert.deepEqual(r.redactVars(once), once)
  assert.deepEqual(new Redactor(OTHER_KEY).redactVars(once), once) // even under another key
  const argv = ['--token', 'abc', '--password=xyz', 'API_KEY=k', 'x ghp_' + alnum(36)]
  const argvOnce = r.redactArgv(argv)
  assert.deepEqual(r.redactArgv(argvOnce), argvOnce)
  const params = { api_key: 'k', nested: { secret: { a: 1 } }, note: 'xoxb-' + alnum(20) }
  const paramsOnce = r.redactParams(params)
  assert.deepEqual(r.redactParams(paramsOnce), paramsOnce)
  for (const [, text] of SHAPES) assert.equal(r.scrubText(r.scrubText(text)), r.scrubText(text))
  assert.equal(r.fingerprint(fp('x')), fp('x'))
})

test('non-secrets pass unchanged', () => {
  const vars = {
    PATH: '/usr/local/bin:/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', GIT_AUTHOR_NAME: 'A U Thor',
    GIT_AUTHOR_EMAIL: 'a@example.com', TERM: 'xterm', USER: 'u', EDITOR: 'vi', KEYBOARD: 'us', MONKEY: 'x',
    CUDA_VISIBLE_DEVICES: '0,1', URL: 'https://example.com/path?q=1', REPO: 'git@github.com:org/repo.git',
    EMPTY: '',
  }
  assert.deepEqual(r.redactVars(vars), vars)
  assert.deepEqual(Object.keys(r.redactVars(vars)), Object.keys(vars).sort())
  const argv = ['python', 'train.py', '--lr', '0.1', 'lr=0.1', '-p', 'model.layers=3', 'https://example.com/x',
    'https://user@example.com/x', '--keyboard', 'us', '-k', 'v', 'sk-short', 'ghp_short']
  assert.deepEqual(r.redactArgv(argv), argv)
  const params = { lr: 0.1, model: { layers: [1, 2], name: 'resnet' }, url: 'https://example.com/x', on: true, none: null }
  assert.deepEqual(r.redactParams(params), params)
  assert.equal(r.scrubText('nothing to see: https://example.com/a@b'), 'nothing to see: https://example.com/a@b')
})

test('params: non-string values under secret keys; null and empty are kept', () => {
  assert.deepEqual(r.redactParams({ api_key: 12345 }), { api_key: fp('12345') })
  assert.deepEqual(r.redactParams({ secret: { a: 1 } }), { secret: fp('{"a":1}') })
  assert.deepEqual(r.redactParams({ password: null, token: '' }), { password: null, token: '' })
  // A boolean is a switch: one bit, no secret (`-p use_auth=true`); its string is not (`-p auth=none` stays hidden).
  assert.deepEqual(r.redactParams({ use_auth: true, token: false, auth: 'none' }), { use_auth: true, token: false, auth: fp('none') })
  assert.deepEqual(r.redactParams([{ token: 'x' }]), [{ token: fp('x') }])
  const proto = r.redactParams(JSON.parse('{"__proto__": {"token": "x"}}') as Record<string, unknown>)
  assert.deepEqual(Object.keys(proto), ['__proto__'])
  assert.equal(({} as Record<string, unknown>).token, undefined)
})

test('policy: extra names, allowed names, dropped names, extra value patterns', () => {
  const p = new Redactor(KEY, { names: ['CORP_*', 'hostname'], allow: ['GITHUB_TOKEN'], drop: ['LC_*', 'SSH_AUTH_SOCK'], values: ['corp-[0-9]{6}'] })
  const out = p.redactVars({
    CORP_THING: 'v1', HOSTNAME: 'box', GITHUB_TOKEN: 'plain-but-allowed', LC_ALL: 'C', LC_CTYPE: 'C', SSH_AUTH_SOCK: '/tmp/s',
    NOTE: 'ticket corp-123456 done', DB_PASSWORD: 'pw', PATH: '/bin',
  })
  assert.deepEqual(out, {
    CORP_THING: fp('v1'), DB_PASSWORD: fp('pw'), GITHUB_TOKEN: 'plain-but-allowed', HOSTNAME: fp('box'),
    NOTE: `ticket ${fp('corp-123456')} done`, PATH: '/bin',
  })
  // An allowed name still has its value scanned for credential shapes.
  const tok = 'ghp_' + alnum(36)
  assert.deepEqual(p.redactVars({ GITHUB_TOKEN: tok }), { GITHUB_TOKEN: fp(tok) })
  assert.equal(p.isDropped('lc_all'), true)
  assert.equal(p.isDropped('PATH'), false)
  // Without the policy none of that happens.
  assert.deepEqual(r.redactVars({ CORP_THING: 'v1', LC_ALL: 'C', NOTE: 'corp-123456' }), { CORP_THING: 'v1', LC_ALL: 'C', NOTE: 'corp-123456' })
})

test('the key is read only when the first secret is found', () => {
  let calls = 0
  const lazy = new Redactor(() => { calls++; return KEY })
  assert.deepEqual(lazy.redactVars({ PATH: '/bin', HOME: '/h' }), { PATH: '/bin', HOME: '/h' })
  assert.equal(calls, 0)
  assert.equal(lazy.redactVars({ DB_PASSWORD: 'pw' }).DB_PASSWORD, fp('pw'))
  lazy.fingerprint('again')
  assert.equal(calls, 1)
})

test("the key's id: the first 64 bits of HMAC-SHA-256(key, 'prov key id'), from the key there is, never making one", () => {
  const id = createHmac('sha256', KEY).update('prov key id').digest('hex').slice(0, 16)
  assert.equal(keyIdOf(KEY), id)
  assert.match(id, /^[0-9a-f]{16}$/)
  assert.notEqual(keyIdOf(OTHER_KEY), id)
  assert.ok(!id.includes(KEY.toString('hex').slice(0, 8)))
  // Given the key: its id.
  assert.equal(new Redactor(KEY).keyId(), id)
  // A store without a key: no id, and no key made for it (the loader is not called).
  let made = 0
  const none = new Redactor(() => { made++; return KEY }, {}, () => undefined)
  assert.equal(none.keyId(), undefined)
  assert.equal(made, 0)
  assert.equal(none.usedKey(), false)
  // Once a secret made the key: its id.
  none.fingerprint('s3cret')
  assert.equal(made, 1)
  assert.equal(none.usedKey(), true)
  assert.equal(none.keyId(), id)
  // A store with a key and no secret: the key there is, read, not made.
  const existing = new Redactor(() => { made++; return OTHER_KEY }, {}, () => KEY)
  assert.equal(existing.keyId(), id)
  assert.equal(existing.usedKey(), false)
  assert.equal(made, 1)
  // ... and the fingerprints made after are under that key.
  assert.equal(existing.fingerprint('pw'), fp('pw'))
  assert.equal(made, 1)
})

test('stripUrlCredentials', () => {
  const table: Array<[string, string]> = [
    ['https://user:pass@github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['https://ghp_' + alnum(36) + '@github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['https://x-access-token:tok@github.com/o/r', 'https://github.com/o/r'],
    ['http://u:p@host:8080/x', 'http://host:8080/x'],
    ['ssh://git@github.com/org/repo.git', 'ssh://git@github.com/org/repo.git'],
    ['ssh://git:secret@github.com/org/repo.git', 'ssh://git@github.com/org/repo.git'],
    ['git+ssh://me:pw@host/r', 'git+ssh://me@host/r'],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo.git'],
    ['https://github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['https://github.com/org/a@b.git', 'https://github.com/org/a@b.git'],
    // A password holding an @ its writer forgot to encode: all of the user information goes.
    ['https://u:p@ss@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['https://u:p@ss@host', 'https://host'],
    ['ssh://git:p@ss@host/r', 'ssh://git@host/r'],
    ['/srv/git/repo.git', '/srv/git/repo.git'],
    ['file:///srv/git/repo.git', 'file:///srv/git/repo.git'],
    ['', ''],
  ]
  for (const [url, expected] of table) assert.equal(stripUrlCredentials(url), expected, url)
})

test('a secret flag value that starts with a dash, bearer tokens, *_PASS names', () => {
  const out = r.redactArgv(['mysql', '--password', '-s3cret', '--user', 'bob'])
  assert.match(out[2]!, REDACTED_RE)
  assert.deepEqual([out[0], out[1], out[3], out[4]], ['mysql', '--password', '--user', 'bob'])
  const header = r.redactArgv(['curl', '-H', 'Authorization: Bearer abc.DEF-123_456'])
  assert.ok(!header.join(' ').includes('abc.DEF-123_456'), header.join(' '))
  assert.match(header[2]!, /^Authorization: Bearer \[redacted hmac-sha256:[0-9a-f]{32}\]$/)
  const vars = r.redactVars({ SMTP_PASS: 'pw1', PGPASSWORD: 'pw2', PGPASSFILE: '/x', BYPASS_CACHE: '1' })
  for (const k of ['SMTP_PASS', 'PGPASSWORD', 'PGPASSFILE']) assert.match(vars[k]!, REDACTED_RE, k)
  assert.equal(vars.BYPASS_CACHE, '1')
})

test('URL query parameters with secret names lose their values; other parameters stay; twice is once', () => {
  const V = 'Zq9notAknownShape42'
  const table: Array<[string, string]> = [
    [`https://host/x.git?token=${V}`, `https://host/x.git?token=${fp(V)}`],
    [`https://api.example.com/v1?q=cats&api_key=${V}&page=2`, `https://api.example.com/v1?q=cats&api_key=${fp(V)}&page=2`],
    [`https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=${V}`, `https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=${fp(V)}`],
    [`s3 url https://b.s3.amazonaws.com/k?X-Amz-Credential=${V}&X-Amz-Signature=${V}#frag`, `s3 url https://b.s3.amazonaws.com/k?X-Amz-Credential=${fp(V)}&X-Amz-Signature=${fp(V)}#frag`],
    ['https://example.com/search?q=token&lang=en', 'https://example.com/search?q=token&lang=en'],
    ['https://example.com/?max_tokens=5&token=' + V, 'https://example.com/?max_tokens=5&token=' + fp(V)], // max_tokens: a safe name
    ['a=b&c=d', 'a=b&c=d'],
    [`https://app.example.com/cb#access_token=${V}&state=x`, `https://app.example.com/cb#access_token=${fp(V)}&state=x`],
  ]
  for (const [text, expected] of table) {
    assert.equal(r.scrubText(text), expected, text)
    assert.equal(r.scrubText(r.scrubText(text)), expected, `twice: ${text}`)
  }
  assert.deepEqual(r.redactArgv(['curl', `https://api.example.com/x?access_token=${V}`]), ['curl', `https://api.example.com/x?access_token=${fp(V)}`])
})

test('the words of ML and data configurations that hold no secret are kept; secrets beside them are not', () => {
  const params = {
    tokenizer: { name: 'bert-base-uncased', padding_side: 'left' }, pretrained_tokenizer: 'gpt2', max_new_tokens: 256, max_tokens: 512,
    num_tokens: 1e6, pad_token_id: 0, eos_token: '</s>', special_tokens: ['<a>'], author: 'Ada', authors: ['Ada', 'Bob'],
    sort_key: 'date', join_keys: ['id'], partition_key: 'day',
  }
  assert.deepEqual(r.redactParams(params), params)
  assert.deepEqual(r.redactVars({ TOKENIZERS_PARALLELISM: 'false' }), { TOKENIZERS_PARALLELISM: 'false' })
  const V = 'Zq9notAknownShape42'
  const secret = r.redactParams({ tokenizer: { api_key: V }, tokenizer_api_key: V, hf_token: V, auth_token: V, authorization: V, api_key: V, key: V })
  for (const [k, v] of Object.entries(secret)) {
    const text = JSON.stringify(v)
    assert.ok(!text.includes(V), `${k} keeps the secret: ${text}`)
  }
  // The user's own names beat the built-in safe ones; PRIMARY_KEY (Azure's access keys) is no safe word.
  const strict = new Redactor(Buffer.from(KEY), { names: ['PAD_TOKEN', '*AUTHOR'] })
  for (const [k, v] of Object.entries(strict.redactVars({ PAD_TOKEN: V, MY_AUTHOR: V, PRIMARY_KEY: V }))) assert.ok(!v.includes(V), `${k} kept in clear`)
  assert.ok(!JSON.stringify(r.redactParams({ primary_key: V })).includes(V))
  const lenient = new Redactor(Buffer.from(KEY), { names: ['*_LOG*'], allow: ['AUTH_LOG*'] })
  assert.deepEqual(lenient.redactVars({ AUTH_LOGGING: 'on' }), { AUTH_LOGGING: 'on' }, 'allow beats the user\'s names and the built-in globs')
  // A credential-shaped key is scrubbed, in params and in the -p kept in params_sources, alike.
  const ghp = 'ghp_' + 'b'.repeat(36)
  const keyed = r.redactParams({ [ghp]: 1, urls: { [`https://u:KEYPW1@h/`]: 2 } })
  assert.ok(!JSON.stringify(keyed).includes(ghp) && !JSON.stringify(keyed).includes('KEYPW1'), JSON.stringify(keyed))
  const kept = r.redactParamAssignment(`${ghp}=1`)
  assert.ok(!kept.includes(ghp), kept)
  assert.deepEqual(r.redactParams(buildParams([{ kind: 'set', assignment: kept }])), r.redactParams(buildParams([{ kind: 'set', assignment: `${ghp}=1` }])))
  // A safe word does not protect a credential-shaped value.
  const shaped = 'ghp_' + 'a'.repeat(36)
  assert.ok(!JSON.stringify(r.redactParams({ tokenizer: shaped, author: `x ${shaped}` })).includes(shaped))
})

test('redactParamAssignment: a -p as a record keeps it: typed back by -p, it is what params hold', () => {
  const params = (assignment: string): unknown => r.redactParams(buildParams([{ kind: 'set', assignment }]))
  const cases: string[] = [
    'lr=0.1', 'name=x', 'tags=["a","b"]', 'model.depth=3', 'quoted="0.1"', 'empty=', 'nothing=null',
    ...NAMES.map((n) => `${n}=${PLAIN_SECRET}`),
    ...NAMES.map((n) => `cfg.${n}=12345`),
    ...NAMES.map((n) => `${n}={"a":1}`),
    ...SHAPES.map(([what, text]) => `${what.replace(/\W+/g, '_')}=${text}`),
    ...SHAPES.map(([, text]) => `cfg=${JSON.stringify({ url: text, n: 1 })}`),
    'api_key=', 'api_key=null', 'token="0123"',
    `db={"password":"${PLAIN_SECRET}","seed":12345678901234567891}`, // a number a double cannot keep beside a secret
  ]
  for (const a of cases) {
    const kept = r.redactParamAssignment(a)
    assert.deepEqual(params(kept), params(a), `${a} → ${kept}`)
    assert.equal(r.redactParamAssignment(kept), kept, `${a}: idempotent`)
  }
  // Nothing to hide: as given, byte for byte.
  for (const a of ['lr=0.1', 'x= 1 ', 'q="a"', 'a.b.c=[1, 2]', 'odd name=1']) assert.equal(r.redactParamAssignment(a), a)
  // Secrets never stay, under a secret key at any depth or in a credential shape.
  for (const n of NAMES) {
    assertGone(r.redactParamAssignment(`${n}=${PLAIN_SECRET}`), PLAIN_SECRET, `${n}=V`)
    assertGone(r.redactParamAssignment(`${n}.inner=${PLAIN_SECRET}`), PLAIN_SECRET, `${n}.inner=V`)
    assertGone(r.redactParamAssignment(`x.${n}.inner=${PLAIN_SECRET}`), PLAIN_SECRET, `x.${n}.inner=V`)
  }
  for (const [what, text, secret] of SHAPES) assertGone(r.redactParamAssignment(`value=${text}`), secret, what)
  for (const odd of ['12345678901234567891', '1e400', '"\\ud800"']) {
    const inexact = `db={"password":"${PLAIN_SECRET}","seed":${odd}}`
    assertGone(r.redactParamAssignment(inexact), PLAIN_SECRET, `beside ${odd}`)
    assertGone(JSON.stringify(r.redactParams(buildParams([{ kind: 'set', assignment: inexact }]))), PLAIN_SECRET, `params, beside ${odd}`)
  }
  assert.equal(r.redactParamAssignment('api_key=s3cret'), `api_key=${fp('s3cret')}`)
  assert.equal(r.redactParamAssignment('api_key=123'), `api_key=${fp('123')}`)
  assert.equal(r.redactParamAssignment('auth.user=bob'), `auth.user=${fp('bob')}`)
  // Not an assignment (only a hand-made record holds one): scrubbed as text.
  assertGone(r.redactParamAssignment(`no-equals-${SHAPES[0]![1]}`), SHAPES[0]![2], 'no =')
})

test('keepFingerprinted: a rebuilt value that holds fingerprints, under a secret key fingerprinted whole, takes the recorded one', () => {
  const A = fp('{"user":"bob"}')
  const B = fp('bob')
  const table: Array<[unknown, unknown, unknown]> = [
    // [rebuilt, recorded, expected]
    [{ auth: { user: B } }, { auth: A }, { auth: A }],
    [{ x: { auth: { user: B }, n: 1 } }, { x: { auth: A, n: 2 } }, { x: { auth: A, n: 1 } }],
    [[{ auth: { user: B } }], [{ auth: A }], [{ auth: A }]],
    // Nothing fingerprinted in the rebuilt value (all from files, in clear): compared as it is.
    [{ auth: { user: 'eve' } }, { auth: A }, { auth: { user: 'eve' } }],
    // Not a secret key, or nothing fingerprinted recorded there: as rebuilt.
    [{ cfg: { user: B } }, { cfg: A }, { cfg: { user: B } }],
    [{ auth: { user: B } }, { auth: { user: B } }, { auth: { user: B } }],
    [{ auth: { user: B } }, {}, { auth: { user: B } }],
    [{ lr: 0.1 }, { lr: 0.2 }, { lr: 0.1 }],
  ]
  for (const [now, recorded, expected] of table) {
    assert.deepEqual(r.keepFingerprinted(now, recorded), expected, `${JSON.stringify(now)} against ${JSON.stringify(recorded)}`)
  }
})

test('command.error: the command name it holds is redacted as argv[0] is, given raw or redacted argv', () => {
  const V = PLAIN_SECRET
  const ghp = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'
  const cases: Array<[string, string[], string]> = [
    [`command not found: MY_PASSWORD=${V}`, [`MY_PASSWORD=${V}`, 'true'], `command not found: MY_PASSWORD=${fp(V)}`],
    [`command not found: MY_PASSWORD=${V}`, [`MY_PASSWORD=${fp(V)}`, 'true'], `command not found: MY_PASSWORD=${fp(V)}`],
    [`permission denied or not executable: --token=${V}`, [`--token=${V}`], `permission denied or not executable: --token=${fp(V)}`],
    [`cannot run ./bin-${ghp}: argument list too long`, [`./bin-${ghp}`], `cannot run ./bin-${fp(ghp)}: argument list too long`],
    ['command not found: plain-tool', ['plain-tool', `--password=${V}`], 'command not found: plain-tool'],
    ['command not found: USER=alice', ['USER=alice'], 'command not found: USER=alice'],
    ["command not found: ''", [''], "command not found: ''"],
    ['the command could not be run', [], 'the command could not be run'],
  ]
  for (const [error, argv, want] of cases) assert.equal(r.redactCommandError(error, argv), want, `${error} / ${argv.join(' ')}`)
})

test('more shapes: a URL password holding an @, Java system properties, camelCase names', () => {
  assert.equal(r.scrubText('https://u:p@ss@host.example.com/x'), `https://u:${fp('p@ss')}@host.example.com/x`)
  assert.equal(r.scrubText('see https://example.com/a@b and mail@example.com'), 'see https://example.com/a@b and mail@example.com')
  // The password ends at the first @ a host follows: an @ in a query is not the host's, and an
  // unencoded # or ? may be the password's.
  assert.equal(r.scrubText('https://u:pw@h.com?x=a@b'), `https://u:${fp('pw')}@h.com?x=a@b`)
  assert.equal(r.scrubText('http://localhost:8080?from=a@b.com&to=c@d.com'), 'http://localhost:8080?from=a@b.com&to=c@d.com')
  assert.equal(r.scrubText('postgres://u:Pa#ss@db/x'), `postgres://u:${fp('Pa#ss')}@db/x`)
  assert.equal(r.scrubText('redis://:Pa#ss@cache:6379/0'), `redis://:${fp('Pa#ss')}@cache:6379/0`)
  assert.equal(r.scrubText('mongodb://app:s3cr?t@db/app'), `mongodb://app:${fp('s3cr?t')}@db/app`)
  assert.equal(r.scrubText("x='https://u:p@w@[::1]:8080/x'"), `x='https://u:${fp('p@w')}@[::1]:8080/x'`)
  // Whatever follows the host: punctuation, a port and a full stop, a colon in an error, no host at all.
  for (const [text, pw] of [
    ['pushed to `https://deploy:Hunter2@git.example.com`', 'Hunter2'], ['<http://u:pw1@h.com>', 'pw1'], ['http://u:pw2@h.com]', 'pw2'],
    ['https://u:pw3@h.com:443.', 'pw3'], ['postgres://u:pw4@db: connection refused', 'pw4'], ['postgres://app:pw5@:5432/db', 'pw5'],
    ['postgresql://u:pw6@%2Fvar%2Frun%2Fpostgresql/db', 'pw6'], ['mssql://sa:pw7@host\\SQLEXPRESS/db', 'pw7'], ['http://u:pw8@[fe80::1%25eth0]/x', 'pw8'],
    ['http://u:pw9@bücher.de/x', 'pw9'],
  ] as const) {
    const out = r.scrubText(text)
    assert.ok(!out.includes(pw), `${text} -> ${out}`)
    assert.equal(out, text.replace(pw, fp(pw)), text)
  }
  // A key's shape that spells words is a name (a model file), kept; a key is not.
  assert.equal(r.scrubText('sk_random_forest_classifier_v2.joblib pk_customer_transactions_2024'), 'sk_random_forest_classifier_v2.joblib pk_customer_transactions_2024')
  assert.equal(r.scrubText('models/sk_resnet50_weights_final_v2.pt'), 'models/sk_resnet50_weights_final_v2.pt')
  // A host ends at a comma: what follows is not the host's.
  assert.equal(r.scrubText('http://u:pw@host,a@b.com'), `http://u:${fp('pw')}@host,a@b.com`)
  const key = 'sk-or-v1-' + '0123456789abcdef'.repeat(4)
  assert.equal(r.scrubText(`x/${key}`), `x/${fp(key)}`)
  const V = 'Zq9-not-a-known-shape'
  assert.equal(r.scrubText(`-Djavax.net.ssl.keyStorePassword=${V} -Dfile.encoding=UTF-8`), `-Djavax.net.ssl.keyStorePassword=${fp(V)} -Dfile.encoding=UTF-8`)
  assert.deepEqual(r.redactVars({ JAVA_TOOL_OPTIONS: `-Xmx2g -Dpassword=${V}` }), { JAVA_TOOL_OPTIONS: `-Xmx2g -Dpassword=${fp(V)}` })
  assert.deepEqual(r.redactArgv(['java', `-Ddb.password=${V}`, '-jar', 'x.jar']), ['java', `-Ddb.password=${fp(V)}`, '-jar', 'x.jar'])
  for (const name of ['accessKey', 'sshKey', 'privKey', 'connectionString', 'apiKey', 'dbPassword', 'authToken']) assert.equal(r.isSecretName(name), true, name)
  for (const name of ['maxTokens', 'padToken', 'sortKey', 'learningRate', 'keyDim', 'numTokens', 'tokenizerName', 'authorName',
    'labelKey', 'rngKey', 'secondPass', 'globPat', 'second_pass']) assert.equal(r.isSecretName(name), false, name)
  // Left secret: GitHub Actions hands an action's input `key` (an ssh deploy key, say) over as
  // INPUT_KEY; services call their API keys TEXT_KEY, IMAGE_KEY.
  for (const name of ['INPUT_KEY', 'inputKey', 'CACHE_KEY', 'MONITOR_KEY', 'TEXT_KEY', 'textKey', 'IMAGE_KEY']) assert.equal(r.isSecretName(name), true, name)
  assert.deepEqual(r.redactParams({ accessKey: V, learningRate: 0.1 }), { accessKey: fp(V), learningRate: 0.1 })
})

test('a shell script (sh -c SCRIPT) is read word by word: each command redacted as argv is, only the secret replaced', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const table: Array<[string[], string[]]> = [
    [['sh', '-c', 'mysql --password=s3cret db'], ['sh', '-c', `mysql --password=${q('s3cret')} db`]],
    [['bash', '-lc', 'PGPASSWORD=pw123 psql -h db'], ['bash', '-lc', `PGPASSWORD=${q('pw123')} psql -h db`]],
    [['/bin/bash', '-eu', '-o', 'pipefail', '-c', 'export API_TOKEN="abc def"; ./run'], ['/bin/bash', '-eu', '-o', 'pipefail', '-c', `export API_TOKEN="${fp('abc def')}"; ./run`]],
    // In the quoting it was written in; other words as they were, spacing and all.
    [['sh', '-c', `curl  -H "X-Api-Key: k3y" -u 'bob:pw 2' https://x | jq .`], ['sh', '-c', `curl  -H "X-Api-Key: ${fp('k3y')}" -u 'bob:${fp('pw 2')}' https://x | jq .`]],
    // Written with escapes: the word is quoted anew.
    [['sh', '-c', 'mysql --password=s3\\ cret'], ['sh', '-c', `mysql '--password=${fp('s3 cret')}'`]],
    [['sh', '-c', "tool $'--token=\\x41bc'"], ['sh', '-c', `tool '--token=${fp('Abc')}'`]],
    // After if, !, {, and assignments; in a command substitution; in a nested shell.
    [['sh', '-c', 'if mysql --password=x1; then :; fi'], ['sh', '-c', `if mysql --password=${q('x1')}; then :; fi`]],
    [['sh', '-c', 'LANG=C curl -su bob:pw2 https://h'], ['sh', '-c', `LANG=C curl -su bob:${q('pw2')} https://h`]],
    [['sh', '-c', 'T=$(curl -u bob:pw2 https://h/t) && echo "$T"'], ['sh', '-c', `T=$(curl -u bob:${q('pw2')} https://h/t) && echo "$T"`]],
    [['sh', '-c', `bash -c "mysql --password=x2"`], ['sh', '-c', `bash -c "mysql --password='${fp('x2')}'"`]],
    // Behind docker, kubectl, a path or wrapper: the shell is found wherever it is.
    [['docker', 'run', '--rm', 'img', 'sh', '-c', 'psql postgres://u:pw9@db/x'], ['docker', 'run', '--rm', 'img', 'sh', '-c', `psql postgres://u:${q('pw9')}@db/x`]],
    [['kubectl', 'exec', 'pod', '--', '/usr/bin/env', 'bash', '-c', 'DB_PASSWORD=z ./migrate'], ['kubectl', 'exec', 'pod', '--', '/usr/bin/env', 'bash', '-c', `DB_PASSWORD=${q('z')} ./migrate`]],
    // The secret's name without its value: parameters and commands' output are kept; a default, or
    // the output of echo or printf of words written there, may hold one.
    [['sh', '-c', 'curl -u "$USER:$PASS" -H "Authorization: Bearer $(cat token.txt)" --password=${PW} x; export DB_PASSWORD="${DB_PASSWORD}" HF_TOKEN=$(cat ~/.hf)'], null as unknown as string[]],
    [['sh', '-c', 'export DB_PASSWORD=$(printf %s Sup3r); mysql --password="${MYSQL_PWD:-Sup3r}" db'], ['sh', '-c', `export DB_PASSWORD=${q('$(printf %s Sup3r)')}; mysql --password="${fp('${MYSQL_PWD:-Sup3r}')}" db`]],
    // Nothing secret: as it was.
    [['bash', '-c', 'for f in *.csv; do python train.py --lr 0.1 "$f" > "out/$f.log" 2>&1; done'], null as unknown as string[]],
    [['sh', '-c', "cat <<EOF\nit's a body\nEOF\nmake -j2"], null as unknown as string[]],
    // No -c: a script file and its arguments are argv as ever; an option among a shell's is judged as ever.
    [['bash', 'deploy.sh', '--password=x3'], ['bash', 'deploy.sh', `--password=${fp('x3')}`]],
    [['bash', '-c', '--password=x4', 'true'], ['bash', '-c', `--password=${fp('x4')}`, 'true']],
    [['bash', '--token', 'x5', '-c', 'mysql --password=x6'], ['bash', '--token', fp('x5'), '-c', `mysql --password=${q('x6')}`]],
  ]
  for (const [argv, expected] of table) {
    assert.deepEqual(r.redactArgv(argv), expected ?? argv, argv.join(' '))
    const once = r.redactArgv(argv)
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
  }
})

test('a shell script: secrets in a here-document, a comment, or shaped as credentials are not kept', () => {
  const pem = SHAPES.find(([what]) => what === 'pem rsa private key')!
  const out = r.redactArgv(['sh', '-c', `cat > key <<EOF\n${pem[1]}\nEOF\nssh -i key host # token ghp_${alnum(36)}`])
  assertGone(out, pem[2], 'here-document')
  assert.ok(!out[2]!.includes(`ghp_${alnum(36)}`), out[2])
  assert.match(out[2]!, /^cat > key <<EOF\n\[redacted hmac-sha256:[0-9a-f]{32}\]\nEOF\nssh -i key host # token \[redacted/)
})

test('a shell script of any text: redacted without throwing, and redacting it again changes nothing', () => {
  const alphabet = ['a', ' ', '\n', "'", '"', '\\', '$', '(', ')', '`', ';', '|', '>', '#', '=', '-', '--password=', 'PGPASSWORD=', 'curl -u ', 'u:p', 'x', '$PW', 'bash -c ', 'ghp_' + alnum(36)]
  let seed = 777
  const next = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
  for (let round = 0; round < 3000; round++) {
    let script = ''
    for (let k = next(16); k > 0; k--) script += alphabet[next(alphabet.length)]
    const once = r.redactArgv(['sh', '-c', script])
    assert.deepEqual(r.redactArgv(once), once, JSON.stringify(script))
    assert.ok(!once[2]!.includes('ghp_' + alnum(36)), JSON.stringify(script))
  }
})

test('mysql -pPASSWORD, sshpass -p PASSWORD, and the command ssh runs on the remote host', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const table: Array<[string[], string[] | null]> = [
    [['mysql', '-uroot', '-phunter2', 'db'], ['mysql', '-uroot', `-p${fp('hunter2')}`, 'db']],
    [['mysqldump', '-p', 'db'], null], // -p alone asks for the password; db is the database
    [['docker', 'exec', '-it', 'db', 'mariadb', '-uroot', '-pS3cr3t'], ['docker', 'exec', '-it', 'db', 'mariadb', '-uroot', `-p${fp('S3cr3t')}`]],
    [['sudo', 'mysqladmin', '-pX1', 'status'], ['sudo', 'mysqladmin', `-p${fp('X1')}`, 'status']],
    // -p is a port elsewhere, also before the word mysql.
    [['docker', 'run', '-p', '3306:3306', '-p8080:80', 'mysql:8'], null],
    [['psql', '-p', '5432', '-p5433'], null],
    [['python', 'serve.py', '-p8080', 'mysql'], null],
    [['sshpass', '-p', 'hunter2', 'ssh', 'u@h', 'uptime'], ['sshpass', '-p', fp('hunter2'), 'ssh', 'u@h', 'uptime']],
    [['sshpass', '-phunter2', 'scp', 'a', 'h:b'], ['sshpass', `-p${fp('hunter2')}`, 'scp', 'a', 'h:b']],
    // ssh: options (with values, joined or not), the destination, then the remote command, read as a script where it is one.
    [['ssh', '-i', 'key', '-p22', '-o', 'PasswordAuthentication=no', 'u@h', 'PGPASSWORD=pw psql -c "select 1"'],
      ['ssh', '-i', 'key', '-p22', '-o', 'PasswordAuthentication=no', 'u@h', `PGPASSWORD=${q('pw')} psql -c "select 1"`]],
    [['ssh', '-tt', 'h', 'sudo', 'mysql', '-pXYZ'], ['ssh', '-tt', 'h', 'sudo', 'mysql', `-p${fp('XYZ')}`]],
    [['ssh', 'h', 'curl', '-u', 'a:b', 'x'], ['ssh', 'h', 'curl', '-u', `a:${fp('b')}`, 'x']],
    [['ssh', 'h', 'ls -la; df -h'], null],
    [['kubectl', 'exec', 'pod', '--', 'curl', '-su', 'a:b', 'x'], ['kubectl', 'exec', 'pod', '--', 'curl', '-su', `a:${fp('b')}`, 'x']],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
  }
})

test('connection strings in one word: libpq key=value pairs, ODBC and ADO.NET Name=Value; pairs', () => {
  const table: Array<[string[], string[] | null]> = [
    [['psql', 'host=db port=5432 user=u password=s3cret dbname=x'], ['psql', `host=db port=5432 user=u password=${fp('s3cret')} dbname=x`]],
    [['psql', "host=db password='a b\\' c' sslmode=require"], ['psql', `host=db password='${fp("a b\\' c")}' sslmode=require`]],
    [['sqlcmd', '-Q', 'x', 'Server=tcp:db,1433;Database=x;User Id=u;Password=p@ss w0rd;Encrypt=true'],
      ['sqlcmd', '-Q', 'x', `Server=tcp:db,1433;Database=x;User Id=u;Password=${fp('p@ss w0rd')};Encrypt=true`]],
    [['isql', 'Driver={ODBC Driver 18};Server=x;UID=u;PWD={a;b}'], ['isql', `Driver={ODBC Driver 18};Server=x;UID=u;PWD={${fp('a;b')}}`]],
    [['dotnet', 'run', '--ConnectionStrings:Default=Server=x;Password=pw;'], ['dotnet', 'run', `--ConnectionStrings:Default=Server=x;Password=${fp('pw')};`]],
    [['sh', '-c', 'psql "host=db password=s3cret"'], ['sh', '-c', `psql "host=db password=${fp('s3cret')}"`]],
    // Nothing secret, or no pairs: as they were.
    [['psql', 'host=db port=5432 user=u dbname=x'], null],
    [['echo', 'a=1; b=2', 'max_tokens=5 lr=0.1'], null],
    [['tool', 'Server=x;Database=y;Trusted_Connection=yes'], null],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
  }
})

test('shell scripts as people write them: grouped options, keywords, here-documents and -strings, eval, su -c, escapes', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const table: Array<[string[], string[] | null]> = [
    // Options grouped with o take a word; c in a group makes the first operand the script.
    [['bash', '-euo', 'pipefail', '-c', 'mysql --password=h1 db'], ['bash', '-euo', 'pipefail', '-c', `mysql --password=${q('h1')} db`]],
    [['bash', '-ceo', 'pipefail', 'mysql --password=h1 db'], ['bash', '-ceo', 'pipefail', `mysql --password=${q('h1')} db`]],
    [['fish', '--command=mysql --password=h1'], ['fish', `--command=mysql --password=${q('h1')}`]],
    // An arithmetic << is no here-document.
    [['sh', '-c', '((x = 1 << 2))\nmysql --password=h1 db; echo $[1<<2] $((3<<1))'], ['sh', '-c', `((x = 1 << 2))\nmysql --password=${q('h1')} db; echo $[1<<2] $((3<<1))`]],
    // Before the command: function NAME, coproc, time -p.
    [['bash', '-c', 'function f { curl -u a:S1 h; }; coproc curl -u a:S1 h; time -p curl -u a:S1 h'],
      ['bash', '-c', `function f { curl -u a:${q('S1')} h; }; coproc curl -u a:${q('S1')} h; time -p curl -u a:${q('S1')} h`]],
    // Here-documents: a script for a shell, a command substitution in the body, a private key.
    [['sh', '-c', 'bash <<EOF\nmysql --password=h1 db\nEOF\ncat <<EOF\n$(mysql --password=h2)\nEOF'],
      ['sh', '-c', `bash <<EOF\nmysql --password=${q('h1')} db\nEOF\ncat <<EOF\n$(mysql --password=${q('h2')})\nEOF`]],
    // What a --password-stdin reads: a here-string, a here-document, echo's words.
    [['sh', '-c', 'docker login -u u --password-stdin <<< hunter2; echo -n hunter3 | docker login --password-stdin r; docker login --password-stdin <<EOF\nhunter4\nEOF'],
      ['sh', '-c', `docker login -u u --password-stdin <<< ${q('hunter2')}; echo -n ${q('hunter3')} | docker login --password-stdin r; docker login --password-stdin <<EOF\n${fp('hunter4')}\nEOF`]],
    [['sh', '-c', 'echo "$PW" | docker login --password-stdin; cat key | docker login --password-stdin'], null],
    // eval and watch join their words into a script; su, runuser and flock take -c after other words.
    [['sh', '-c', "eval 'mysql --password=h1'; watch -n 5 'mysql --password=h2'"], ['sh', '-c', `eval 'mysql --password='\\''${fp('h1')}'\\'''; watch -n 5 'mysql --password='\\''${fp('h2')}'\\'''`]],
    [['su', '-', 'app', '-c', 'mysql --password=h1'], ['su', '-', 'app', '-c', `mysql --password=${q('h1')}`]],
    [['flock', '/tmp/l', '-c', 'PGPASSWORD=h1 psql'], ['flock', '/tmp/l', '-c', `PGPASSWORD=${q('h1')} psql`]],
    // fish's set.
    [['fish', '-c', 'set -gx API_TOKEN v1 v2; set -l x 1'], ['fish', '-c', `set -gx API_TOKEN ${q('v1')} ${q('v2')}; set -l x 1`]],
    // A secret written with escapes is quoted anew, whole.
    [['sh', '-c', 'mysql -u root --password=\\$ecr3t db; mysql "--password=\\$ecr3t"'], ['sh', '-c', `mysql -u root '--password=${fp('$ecr3t')}' db; mysql '--password=${fp('$ecr3t')}'`]],
    // Shapes and query parameters: a parameter is kept, a value is quoted where it stands.
    [['sh', '-c', 'java -Ddb.password=hunter2 -jar app.jar'], ['sh', '-c', `java -Ddb.password=${q('hunter2')} -jar app.jar`]],
    [['sh', '-c', 'mvn deploy -Dgpg.passphrase="$GPG_PASSPHRASE"; curl "https://h/x?access_token=$TOKEN"; wget "https://h/x?sig=$SIG&se=1"; psql "postgres://app:${PGPASSWORD}@db/app"; git clone https://x-access-token:$GH_TOKEN@github.com/o/r; curl https://h/x?api_key=$API_KEY'], null],
    [['sh', '-c', 'curl https://h/x?api_key=k3y&x=1'], ['sh', '-c', `curl https://h/x?api_key=${q('k3y')}&x=1`]],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
    // A script bash reads is still one it reads.
    const at = argv.findIndex((_, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(argv[i - 1]!))
    if (at > 0 && argv[0] !== 'fish' && spawnSync('bash', ['-n', '-c', argv[at]!]).status === 0) {
      const check = spawnSync('bash', ['-n', '-c', once[at]!], { encoding: 'utf8' })
      assert.equal(check.status, 0, `bash -n: ${once[at]}: ${check.stderr}`)
    }
  }
})

test('a shell script nested deep or long: redacted without running out of stack or time', () => {
  const deep = '$('.repeat(5000) + 'mysql --password=h1' + ')'.repeat(5000)
  const out = r.redactArgv(['sh', '-c', deep])[2]!
  assert.ok(!out.includes('--password=h1'), out.slice(0, 200))
  assert.match(out, /^\$\(\$\(.*\[redacted hmac-sha256:[0-9a-f]{32}\]/s) // the deepest scripts fingerprinted whole
  assert.equal(r.redactArgv(['sh', '-c', '${'.repeat(20000)])[2], '${'.repeat(20000))
  const long = 'x=$(curl -u a:b h); '.repeat(6000)
  const redacted = r.redactArgv(['sh', '-c', long])[2]!
  assert.equal(redacted, `x=$(curl -u a:${q1('b')} h); `.repeat(6000))
})
const q1 = (v: string): string => `'${fp(v)}'`

test('second review: a word ssh, eval or bash anywhere changes no other rule; scripts in words; config set; one-letter passwords', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const G = 'ghp_' + alnum(36)
  const S = 'sk_live_' + alnum(24, 41)
  const table: Array<[string[], string[] | null]> = [
    [['glab', 'auth', 'login', '--git-protocol', 'ssh', '--token', 'S3cretV'], ['glab', 'auth', 'login', '--git-protocol', 'ssh', '--token', fp('S3cretV')]],
    [['glab', 'auth', 'login', '--git-protocol', 'ssh', '--token=S3cretV'], ['glab', 'auth', 'login', '--git-protocol', 'ssh', `--token=${fp('S3cretV')}`]],
    [['ansible-playbook', '-c', 'ssh', '-e', 'ansible_password=S3cretV', 'p.yml'], ['ansible-playbook', '-c', 'ssh', '-e', `ansible_password=${fp('S3cretV')}`, 'p.yml']],
    [['vagrant', 'ssh', '-c', 'PGPASSWORD=S3cretV psql'], ['vagrant', 'ssh', '-c', `PGPASSWORD=${fp('S3cretV psql')}`]],
    [['python', 'main.py', 'eval', '--password', 'p@ss w0rd$x'], ['python', 'main.py', 'eval', '--password', fp('p@ss w0rd$x')]],
    [['ssh', 'h', 'curl', '-H', 'X-Api-Key: S3cretV', 'h'], ['ssh', 'h', 'curl', '-H', `X-Api-Key: ${fp('S3cretV')}`, 'h']],
    [['tool', '--shell', 'bash', '-o', '--token', 'S3cretV'], ['tool', '--shell', 'bash', '-o', '--token', fp('S3cretV')]],
    [['ssh', 'h', 'PGPASSWORD=S3cretV', 'psql'], ['ssh', 'h', `PGPASSWORD=${fp('S3cretV')}`, 'psql']],
    // A command substitution's secrets, whatever else its word holds.
    [['bash', '-c', 'R=$(curl -s -u admin:S3cretV "https://jenkins/job/x/build?token=TRIG")'], ['bash', '-c', `R=$(curl -s -u admin:${q('S3cretV')} "https://jenkins/job/x/build?token=${fp('TRIG')}")`]],
    [['bash', '-c', 'x=$(curl -s https://h/api?access_token=abc123)'], ['bash', '-c', `x=$(curl -s https://h/api?access_token=${q('abc123')})`]],
    [['bash', '-c', 'echo "$(java -Dapi.key=abc -jar x)"'], ['bash', '-c', `echo "$(java -Dapi.key=${q('abc')} -jar x)"`]],
    // Comma lists of assignments, each by its own name.
    [['helm', 'install', 'x', '--set', 'auth.username=app,auth.password=S3cretV'], ['helm', 'install', 'x', '--set', `auth.username=app,auth.password=${fp('S3cretV')}`]],
    [['mount', '-o', 'username=u,password=V1', '//h/s', '/mnt'], ['mount', '-o', `username=u,password=${fp('V1')}`, '//h/s', '/mnt']],
    // config set NAME V: V under a secret NAME; a switch is no value.
    [['pulumi', 'config', 'set', '--secret', 'dbPassword', 'S3cretV'], ['pulumi', 'config', 'set', '--secret', 'dbPassword', fp('S3cretV')]],
    [['aws', 'configure', 'set', 'aws_secret_access_key', 'V2', '--profile', 'prod'], ['aws', 'configure', 'set', 'aws_secret_access_key', fp('V2'), '--profile', 'prod']],
    [['npm', 'config', 'set', '//reg.example/:_authToken', 'V3'], ['npm', 'config', 'set', '//reg.example/:_authToken', fp('V3')]],
    [['git', 'config', '--global', 'user.name', 'A U Thor'], null],
    // curl -u: a token as the user; Stripe's key with an empty password, twice.
    [['curl', '-u', `${G}:x-oauth-basic`, 'h'], ['curl', '-u', `${fp(G)}:${fp('x-oauth-basic')}`, 'h']],
    [['curl', '-u', `${S}:`, 'h'], ['curl', '-u', `${fp(S)}:`, 'h']],
    // One-letter password options of their tools; --no-* takes no value.
    [['redis-cli', '-a', 'V4', '--no-auth-warning', 'ping'], ['redis-cli', '-a', fp('V4'), '--no-auth-warning', 'ping']],
    [['docker', 'login', '-u', 'u', '-p', 'V5', 'reg.example'], ['docker', 'login', '-u', 'u', '-p', fp('V5'), 'reg.example']],
    [['sqlcmd', '-S', 'h', '-U', 'sa', '-P', 'V6'], ['sqlcmd', '-S', 'h', '-U', 'sa', '-P', fp('V6')]],
    [['ldapsearch', '-D', 'cn=admin', '-w', 'V7', '-b', 'dc=x'], ['ldapsearch', '-D', 'cn=admin', '-w', fp('V7'), '-b', 'dc=x']],
    [['zip', '-P', 'V8', 'a.zip', 'f'], ['zip', '-P', fp('V8'), 'a.zip', 'f']],
    [['docker-compose', 'exec', 'db', 'mysql', '-pV9'], ['docker-compose', 'exec', 'db', 'mysql', `-p${fp('V9')}`]],
    [['docker', 'run', '-d', '--name', 'mysql', '-p3306:3306', '-p127.0.0.1:80:80/tcp', 'mysql:8'], null],
    [['openssl', 'pkcs12', '-passin', 'pass:V10', '-passout', 'env:X'], ['openssl', 'pkcs12', '-passin', `pass:${fp('V10')}`, '-passout', 'env:X']],
    [['keytool', '-importkeystore', '-srcstorepass', 'V11', '-destkeypass', 'V12'], ['keytool', '-importkeystore', '-srcstorepass', fp('V11'), '-destkeypass', fp('V12')]],
    // JSON bodies and SQL.
    [['curl', '-d', '{"user":"u", "password": "V13"}', 'h'], ['curl', '-d', `{"user":"u", "password": "${fp('V13')}"}`, 'h']],
    [['psql', '-c', "ALTER USER app WITH PASSWORD 'V14'"], ['psql', '-c', `ALTER USER app WITH PASSWORD '${fp('V14')}'`]],
    // What --password-stdin and --with-token read.
    [['sh', '-c', 'cat <<EOF | docker login --password-stdin\nV15\nEOF\ngh auth login --with-token <<< V16'], ['sh', '-c', `cat <<EOF | docker login --password-stdin\n${fp('V15')}\nEOF\ngh auth login --with-token <<< ${q('V16')}`]],
    // Connection strings: spaces around =, a quoted value holding ;.
    [['psql', 'host=db password = V17'], ['psql', `host=db password = ${fp('V17')}`]],
    [['tool', 'Server=x;Password="a;V18";Encrypt=true'], ['tool', `Server=x;Password="${fp('a;V18')}";Encrypt=true`]],
    // No secret: as it was.
    [['bash', '-c', 'curl -u "${CI_USER:-admin}:${CI_TOKEN}" https://h; psql "postgres://${PGUSER:-app}:${PGPASSWORD}@db/app"; git clone https://${GH_USER:-x}:${GH_TOKEN}@github.com/o/r'], null],
    [['bash', '-c', 'case "$1" in --password=*) shift;; esac'], null],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
    if (argv[0] === 'bash' || argv[0] === 'sh') {
      if (spawnSync('bash', ['-n', '-c', argv[2]!]).status === 0) assert.equal(spawnSync('bash', ['-n', '-c', once[2]!]).status, 0, once[2])
    }
  }
})

test('third review: code, SQL, prose and ssh options are no connection strings; config rules per tool; what was left in clear', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const table: Array<[string[], string[] | null]> = [
    // Secret-free, as they were.
    [['python', '-c', "import os; token = os.environ['HF_TOKEN']; print(len(token))"], null],
    [['awk', 'BEGIN{n=0; token=0} {token+=$1} END{print token}', 'f'], null],
    [['node', '-e', "const key = 'a'; console.log(key)"], null],
    [['psql', '-c', "SELECT * FROM t WHERE key = 'foo' AND session_id = 42"], null],
    [['git', 'commit', '-m', 'default session=None to avoid leaks'], null],
    [['rsync', '-e', 'ssh -o StrictHostKeyChecking=no', '-av', 'a', 'host:b'], null],
    [['scp', '-o', 'StrictHostKeyChecking=no', '-o', 'PasswordAuthentication=no', 'a', 'h:b'], null],
    [['git', 'config', '--global', 'credential.helper', 'store'], null],
    [['git', 'config', 'user.signingKey', 'ABCD1234'], null],
    [['npm', 'config', 'set', 'init-author-name', 'Alice Smith'], null],
    [['python', 'main.py', 'set', 'key', 'value'], null],
    [['bash', '-c', "printf 'password: %s\\n' \"$PW\"; export TOKEN=${TOKEN:-}; : ${API_KEY:?set it}"], null],
    [['bash', '-c', 'N=$(grep -c " token=" access.log)'], null],
    // Secrets inside $( ) whose word holds more: valid, and twice is once.
    [['bash', '-c', 'OUT=$(docker run --rm -e PGPASSWORD="s3cret" postgres psql -h db -c "select 1")'],
      ['bash', '-c', `OUT=$(docker run --rm -e PGPASSWORD="${fp('s3cret')}" postgres psql -h db -c "select 1")`]],
    [['bash', '-c', "x=$(eval 'export API_TOKEN=abc')"], ['bash', '-c', `x=$(eval 'export API_TOKEN='\\''${fp('abc')}'\\''')`]],
    // Left in clear before.
    [['wandb', 'login', 'K3y'], ['wandb', 'login', fp('K3y')]],
    [['vault', 'login', '-method=userpass', 'username=u', 'password=V1'], ['vault', 'login', '-method=userpass', 'username=u', `password=${fp('V1')}`]],
    [['dvc', 'remote', 'modify', '--local', 'myremote', 'password', 'V2'], ['dvc', 'remote', 'modify', '--local', 'myremote', 'password', fp('V2')]],
    [['git', '-c', 'http.extraheader=AUTHORIZATION: basic dXNlcjpwYXNz', 'fetch'], ['git', '-c', `http.extraheader=AUTHORIZATION: basic ${fp('dXNlcjpwYXNz')}`, 'fetch']],
    [['git', '-c', 'http.extraHeader=PRIVATE-TOKEN: V3', 'fetch'], ['git', '-c', `http.extraHeader=PRIVATE-TOKEN: ${fp('V3')}`, 'fetch']],
    [['helm', 'install', 'x', 'c', '--set', 'auth.username=app,auth.password=cGFzcw=='], ['helm', 'install', 'x', 'c', '--set', `auth.username=app,auth.password=${fp('cGFzcw==')}`]],
    [['bash', '-c', "echo 'pa%ss' | docker login -u u --password-stdin; printf '%s' V4 | docker login --password-stdin"],
      ['bash', '-c', `echo ${q('pa%ss')} | docker login -u u --password-stdin; printf '%s' ${q('V4')} | docker login --password-stdin`]],
    [['gh', 'secret', 'set', 'API_KEY', '-b', 'V5'], ['gh', 'secret', 'set', 'API_KEY', '-b', fp('V5')]],
    [['mongosh', '-u', 'admin', '-p', 'V6', 'mongodb://h'], ['mongosh', '-u', 'admin', '-p', fp('V6'), 'mongodb://h']],
    [['bash', '-c', 'echo V7 | sudo -S apt-get update'], ['bash', '-c', `echo ${q('V7')} | sudo -S apt-get update`]],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
    if (argv[0] === 'bash' && spawnSync('bash', ['-n', '-c', argv[2]!]).status === 0) assert.equal(spawnSync('bash', ['-n', '-c', once[2]!]).status, 0, once[2])
  }
  // Quadratic no more: 200 KB of `${` after curl -u, unclosed braces in a connection string.
  assert.equal(r.redactArgv(['curl', '-u', '${'.repeat(100000)])[2], '${'.repeat(100000))
  // (No connection string: unclosed braces are no PWD={V} value. Before, this took 1.7 s.)
  assert.equal(r.redactArgv(['isql', 'x=1;PWD={'.repeat(20000)])[1], 'x=1;PWD={'.repeat(20000))
})

test('fourth round: secret-free commands stay as written (the review corpus)', () => {
  const same: string[][] = [
    ['git', 'commit', '-m', 'bump max_tokens=4096; key=value pairs are now parsed'],
    ['bash', '-c', 'git commit -m "auth: use oauth2"; echo "token: none"'],
    ['curl', '-d', '{"auth": "none", "tokenizer": "gpt2", "key": "value", "input_key": "text", "session_id": "abc", "private": "no"}', 'http://x'],
    ['bash', '-c', 'curl -H "Authorization: Bearer $(cat token.txt)" https://x; export HF_TOKEN="$(cat ~/.hf)"; echo "token=$(date +%s)" >> run.env'],
    ['bash', '-c', 'for f in *.json; do key=$(jq -r .key $f); echo $key; done'],
  ]
  for (const argv of same) assert.deepEqual(r.redactArgv(argv), argv, argv.join(' '))
  // ... while the secrets beside them go.
  assert.deepEqual(r.redactArgv(['curl', '-d', '{"api_key": "k1", "password": "p1", "session": "s"}', 'h']), ['curl', '-d', `{"api_key": "${fp('k1')}", "password": "${fp('p1')}", "session": "s"}`, 'h'])
  assert.deepEqual(r.redactArgv(['tool', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=K2;EndpointSuffix=core.windows.net']), ['tool', `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${fp('K2')};EndpointSuffix=core.windows.net`])
  assert.deepEqual(r.redactArgv(['bash', '-c', 'echo "X-Api-Key: k3"']), ['bash', '-c', `echo "X-Api-Key: ${fp('k3')}"`])
  // $'...' with an escaped quote inside $( ) ends where bash ends it: the command after it is read.
  const s = "echo \"$(eval $'run -e DB_PASSWORD=\\'k4\\' img')\" & mysql --password=k5"
  const out = r.redactArgv(['bash', '-c', s])[2]!
  assert.ok(!out.includes('k4') && !out.includes('k5'), out)
  assert.equal(spawnSync('bash', ['-n', '-c', out]).status, 0, out)
  // A flag named --password before a quoted word is no SQL.
  const sql = r.redactArgv(['sh', '-c', `eval "mysql --password 'k6\\\\x' db"`])
  assert.deepEqual(r.redactArgv(sql), sql)
  assert.ok(!sql[2]!.includes('k6'), sql[2])
})

test('fourth review: commands kept in variables and options, npm forms, su -lc, a script\'s own variables, wrappers', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const table: Array<[string[], string[] | null]> = [
    [['rsync', '-e', 'sshpass -p V1 ssh', 'src/', 'h:/d'], ['rsync', '-e', `sshpass -p ${q('V1')} ssh`, 'src/', 'h:/d']],
    [['rsync', '--rsh=sshpass -p V1 ssh', 'src/', 'h:/d'], ['rsync', `--rsh=sshpass -p ${q('V1')} ssh`, 'src/', 'h:/d']],
    [['git', '-c', 'core.sshCommand=sshpass -p V1 ssh', 'pull'], ['git', '-c', `core.sshCommand=sshpass -p ${q('V1')} ssh`, 'pull']],
    [['env', 'GIT_SSH_COMMAND=sshpass -p V1 ssh', 'git', 'pull'], ['env', `GIT_SSH_COMMAND=sshpass -p ${q('V1')} ssh`, 'git', 'pull']],
    [['ssh', '-o', 'ProxyCommand=sshpass -p V1 ssh -W %h:%p b', 'h'], ['ssh', '-o', `ProxyCommand=sshpass -p ${q('V1')} ssh -W %h:%p b`, 'h']],
    [['npm', 'config', 'set', '//registry.npmjs.org/:_authToken=V2'], ['npm', 'config', 'set', `//registry.npmjs.org/:_authToken=${fp('V2')}`]],
    [['npm', 'publish', '--//registry.npmjs.org/:_authToken=V2'], ['npm', 'publish', `--//registry.npmjs.org/:_authToken=${fp('V2')}`]],
    [['su', '-lc', 'mysql -pV3', 'postgres'], ['su', '-lc', `mysql -p${q('V3')}`, 'postgres']],
    [['script', '-qc', 'mysql -pV3', '/dev/null'], ['script', '-qc', `mysql -p${q('V3')}`, '/dev/null']],
    [['bash', '-c', 'PASS=V4; curl -u me:$PASS x'], ['bash', '-c', `PASS=${q('V4')}; curl -u me:$PASS x`]],
    [['bash', '-c', 'pass=V4; sshpass -p "$pass" ssh h'], ['bash', '-c', `pass=${q('V4')}; sshpass -p "$pass" ssh h`]],
    [['bash', '-c', 'PW=V4 mysql -p$PW'], ['bash', '-c', `PW=${q('V4')} mysql -p$PW`]],
    [['bash', '-c', 'export API_TOKEN=$(cat <<< V5); X=$(python3 -c \'print("V5")\'); : ${API_KEY:=V5}'],
      ['bash', '-c', `export API_TOKEN=${q('$(cat <<< V5)')}; X=$(python3 -c 'print("V5")'); : \${API_KEY:=${q('V5')}}`]],
    [['gosu', 'app', 'mysql', '-pV6'], ['gosu', 'app', 'mysql', `-p${fp('V6')}`]],
    [['uv', 'run', 'mysql', '-pV6'], ['uv', 'run', 'mysql', `-p${fp('V6')}`]],
    [['torsocks', 'curl', '-u', 'a:V6', 'h'], ['torsocks', 'curl', '-u', `a:${fp('V6')}`, 'h']],
    // A switch with a secret's name does not take a long option spelled with _ or digits.
    [['python', 'train.py', '--use_auth_token', '--trust_remote_code', '--hub_private_repo', '--report_to', 'wandb', '--use-auth-token', '--fp16'], null],
    [['git', 'commit', '-m', 'x', '-m', 'Co-authored-by: Alice <a@x>'], null],
    [['bash', '-c', 'PASS=hello; echo $PASS; T=$(date +%s)'], null],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
  }
  // In variables too: GIT_SSH_COMMAND and RSYNC_RSH hold command lines.
  assert.deepEqual(r.redactVars({ GIT_SSH_COMMAND: 'sshpass -p V7 ssh', RSYNC_RSH: 'ssh -i k' }), { GIT_SSH_COMMAND: `sshpass -p ${q('V7')} ssh`, RSYNC_RSH: 'ssh -i k' })
})

test('fifth review: a default only as written, variables set inside blocks, sshpass ends at its command, close variants', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const table: Array<[string[], string[] | null]> = [
    [['bash', '-c', 'echo ${API_KEY:-}/${HOME} ${TOKEN:-a}b; cp "${GITHUB_TOKEN:-}${SUFFIX:-.txt}" d; : ${API_KEY:=$(cat ~/.key)} ${API_KEY:=${OTHER}}'], null],
    [['bash', '-c', 'if true; then X=s1; curl -u me:$X http://x; fi'], ['bash', '-c', `if true; then X=${q('s1')}; curl -u me:$X http://x; fi`]],
    [['bash', '-c', 'f() { local X=s1; curl -u me:$X h; }'], ['bash', '-c', `f() { local X=${q('s1')}; curl -u me:$X h; }`]],
    [['python', 'x.py', '--password', '--Pa55_w0rd'], ['python', 'x.py', '--password', fp('--Pa55_w0rd')]],
    [['bash', '-c', "docker login -u u -p $(sh -c 'pass show docker') r; docker login -p $(python3 -c 'import keyring; print(keyring.get_password(\"a\", \"b\"))')"], null],
    [['bash', '-c', 'PORT=2222; sshpass -f pw.txt ssh -p $PORT h'], null],
    // A variable used as a secret and elsewhere too is no secret's (a learning rate under --key).
    [['bash', '-c', 'LR=0.1; python train.py --lr $LR --key $LR'], null],
    [['rsync', '-avze', 'sshpass -p s2 ssh', 'a', 'h:b'], ['rsync', '-avze', `sshpass -p ${q('s2')} ssh`, 'a', 'h:b']],
    [['git', 'config', '--global', 'core.sshCommand', 'sshpass -p s2 ssh'], ['git', 'config', '--global', 'core.sshCommand', `sshpass -p ${q('s2')} ssh`]],
    [['ssh', '-o', 'ProxyCommand sshpass -p s2 ssh -W %h:%p b', 'h'], ['ssh', '-o', `ProxyCommand sshpass -p ${q('s2')} ssh -W %h:%p b`, 'h']],
    [['npm', 'publish', '--//registry.npmjs.org/:_authToken', 's3'], ['npm', 'publish', '--//registry.npmjs.org/:_authToken', fp('s3')]],
    [['npm', 'config', 'set', '//r/:_auth', 'dTpzM2NyZXQ='], ['npm', 'config', 'set', '//r/:_auth', fp('dTpzM2NyZXQ=')]],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
  }
  assert.deepEqual(r.redactVars({ BORG_RSH: 'sshpass -p s4 ssh', GIT_PROXY_COMMAND: 'sshpass -p s4 x' }), { BORG_RSH: `sshpass -p ${q('s4')} ssh`, GIT_PROXY_COMMAND: `sshpass -p ${q('s4')} x` })
})

test('a token as the name of a NAME=V word whose value is header-shaped is scrubbed (found by the fuzz property)', () => {
  const tok = 'github_pat_' + 'A'.repeat(82)
  const out = r.redactArgv(['cmd', `${tok}=a: a`])
  assert.deepEqual(out, ['cmd', `${fp(tok)}=a: a`])
  assert.deepEqual(r.redactArgv(out), out)
  const npm = r.redactArgv(['npm', 'config', 'set', `//u:${tok}@reg.example/:_authToken=V1`])
  assert.ok(!npm.join(' ').includes(tok), npm.join(' '))
  // In a script, a token after a letter and a quote (`a"glpat-…`): the word's value runs the two
  // together, the written form shows the token; the word is fingerprinted whole.
  const gl = 'glpat-' + 'A'.repeat(20)
  const sh = r.redactArgv(['sh', '-c', `a"${gl} `])
  assert.deepEqual(sh, ['sh', '-c', `'${fp(`a${gl} `)}'`])
  assert.deepEqual(r.redactArgv(sh), sh)
})

test('tool rules: secret stores, positional passwords, USER%PASSWORD, scripts in options, a script\'s positional parameters', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const table: Array<[string[], string[] | null]> = [
    // What a secret store is given.
    [['kubectl', '-n', 'prod', 'create', 'secret', 'generic', 'db', '--from-literal=user=app', '--from-literal', 'pw=V1', '--from-file=k=./k.pem'],
      ['kubectl', '-n', 'prod', 'create', 'secret', 'generic', 'db', `--from-literal=user=${fp('app')}`, '--from-literal', `pw=${fp('V1')}`, '--from-file=k=./k.pem']],
    [['vault', 'kv', 'put', 'secret/app', 'value=V2', 'cert=@c.pem', 'x=-'], ['vault', 'kv', 'put', 'secret/app', `value=${fp('V2')}`, 'cert=@c.pem', 'x=-']],
    [['fly', 'secrets', 'set', 'DB=V3', 'X=y'], ['fly', 'secrets', 'set', `DB=${fp('V3')}`, `X=${fp('y')}`]],
    [['aws', 'ssm', 'put-parameter', '--name', '/x', '--type', 'SecureString', '--value', 'V4'], ['aws', 'ssm', 'put-parameter', '--name', '/x', '--type', 'SecureString', '--value', fp('V4')]],
    [['az', 'keyvault', 'secret', 'set', '--vault-name', 'v', '--name', 'n', '--value=V5'], ['az', 'keyvault', 'secret', 'set', '--vault-name', 'v', '--name', 'n', `--value=${fp('V5')}`]],
    // Passwords as positional words, and after a user.
    [['htpasswd', '-b', '.htpasswd', 'alice', 'V6'], ['htpasswd', '-b', '.htpasswd', 'alice', fp('V6')]],
    [['htpasswd', '-nbB', 'alice', 'V7'], ['htpasswd', '-nbB', 'alice', fp('V7')]],
    [['sudo', 'htpasswd', '-cb', '-C', '12', 'f', 'bob', 'V8'], ['sudo', 'htpasswd', '-cb', '-C', '12', 'f', 'bob', fp('V8')]],
    [['openssl', 'passwd', '-6', '-salt', 'xyz', 'V9'], ['openssl', 'passwd', '-6', '-salt', 'xyz', fp('V9')]],
    [['openssl', 'enc', '-aes-256-cbc', '-k', 'V10', '-in', 'a', '-out', 'b'], ['openssl', 'enc', '-aes-256-cbc', '-k', fp('V10'), '-in', 'a', '-out', 'b']],
    [['mc', 'alias', 'set', 'minio', 'http://h:9000', 'AK', 'V11', '--api', 'S3v4'], ['mc', 'alias', 'set', 'minio', 'http://h:9000', 'AK', fp('V11'), '--api', 'S3v4']],
    [['poetry', 'config', 'http-basic.pypi', 'user', 'V12'], ['poetry', 'config', 'http-basic.pypi', 'user', fp('V12')]],
    [['poetry', 'config', 'pypi-token.pypi', 'V13'], ['poetry', 'config', 'pypi-token.pypi', fp('V13')]],
    [['ngrok', 'config', 'add-authtoken', 'V14'], ['ngrok', 'config', 'add-authtoken', fp('V14')]],
    [['rclone', 'config', 'create', 'r', 'sftp', 'host', 'h', 'user', 'u', 'pass', 'V15', 'env_auth', 'true'],
      ['rclone', 'config', 'create', 'r', 'sftp', 'host', 'h', 'user', 'u', 'pass', fp('V15'), 'env_auth', 'true']],
    [['rclone', 'config', 'update', 'r', 'secret_access_key', 'V16'], ['rclone', 'config', 'update', 'r', 'secret_access_key', fp('V16')]],
    [['smbclient', '//h/share', '-U', 'DOM\\alice%V17', '-c', 'ls'], ['smbclient', '//h/share', '-U', `DOM\\alice%${fp('V17')}`, '-c', 'ls']],
    [['smbclient', '//h/share', '-Ualice%V18'], ['smbclient', '//h/share', `-Ualice%${fp('V18')}`]],
    [['net', 'ads', 'join', '--user=admin%V19'], ['net', 'ads', 'join', `--user=admin%${fp('V19')}`]],
    [['lftp', '-u', 'alice,V20', 'sftp://h'], ['lftp', '-u', `alice,${fp('V20')}`, 'sftp://h']],
    // Scripts in options and words.
    [['docker', 'run', '--rm', '--entrypoint', 'sh', 'img', '-c', 'mysql -pV21 db'], ['docker', 'run', '--rm', '--entrypoint', 'sh', 'img', '-c', `mysql -p${q('V21')} db`]],
    [['nix-shell', '-p', 'mysql', '--run', 'mysql -pV22'], ['nix-shell', '-p', 'mysql', '--run', `mysql -p${q('V22')}`]],
    [['npx', '-c', 'curl -u a:V23 https://x'], ['npx', '-c', `curl -u a:${q('V23')} https://x`]],
    [['hyperfine', '--prepare', 'PGPASSWORD=V24 psql -c x', 'curl -u a:V25 https://x'], ['hyperfine', '--prepare', `PGPASSWORD=${q('V24')} psql -c x`, `curl -u a:${q('V25')} https://x`]],
    [['tmux', 'new-session', '-d', '-s', 'x', 'mysql -pV26'], ['tmux', 'new-session', '-d', '-s', 'x', `mysql -p${q('V26')}`]],
    [['concurrently', 'npm run api', 'PGPASSWORD=V27 psql'], ['concurrently', 'npm run api', `PGPASSWORD=${q('V27')} psql`]],
    // What a command reads on its standard input, in a script.
    [['bash', '-c', 'echo V28 | gh secret set API'], ['bash', '-c', `echo ${q('V28')} | gh secret set API`]],
    [['bash', '-c', "printf 'alice:V29' | chpasswd"], ['bash', '-c', `printf ${q('alice:V29')} | chpasswd`]],
    [['bash', '-c', "gcloud secrets versions add k --data-file=- <<< 'V30'"], ['bash', '-c', `gcloud secrets versions add k --data-file=- <<< ${q('V30')}`]],
    [['bash', '-c', 'kubectl create secret generic x --from-literal=a="V31" --from-literal=b="$B"'], ['bash', '-c', `kubectl create secret generic x --from-literal=a="${fp('V31')}" --from-literal=b="$B"`]],
    // A script's positional parameter used only where a secret goes: the word after the script.
    [['sh', '-c', 'mysql -u root -p"$1" db', 'sh', 'V32'], ['sh', '-c', 'mysql -u root -p"$1" db', 'sh', fp('V32')]],
    [['bash', '-c', 'curl -u "$1:$2" "$3"', '_', 'me', 'V33', 'https://x'], ['bash', '-c', 'curl -u "$1:$2" "$3"', '_', 'me', fp('V33'), 'https://x']],
    // The enclosing script's variable used as a secret in a script within (double quotes: the outer shell puts it there).
    [['bash', '-c', 'X=V34; bash -c "mysql -p$X"'], ['bash', '-c', `X=${q('V34')}; bash -c "mysql -p$X"`]],
    [['bash', '-c', 'X=V35; ssh h "mysql -p$X"'], ['bash', '-c', `X=${q('V35')}; ssh h "mysql -p$X"`]],
    [['bash', '-c', 'X=V36; GIT_SSH_COMMAND="sshpass -p $X ssh" git pull'], ['bash', '-c', `X=${q('V36')}; GIT_SSH_COMMAND="sshpass -p $X ssh" git pull`]],
    // The review's finds: flags that take no value (tmux -d), a wrapper's own flags (sudo -n), htpasswd as an
    // entrypoint, a shell entrypoint's grouped -c, unknown options before the words, rclone's K=V and more keys,
    // what secret stores read on standard input, filters in a pipe, $1 in $( ) and here-documents, kubectl's keys.
    [['tmux', 'new-session', '-d', 'mysql -pV40'], ['tmux', 'new-session', '-d', `mysql -p${q('V40')}`]],
    [['tmux', 'split-window', '-h', 'mysql -pV41'], ['tmux', 'split-window', '-h', `mysql -p${q('V41')}`]],
    [['sudo', '-n', 'htpasswd', '-b', 'f', 'alice', 'V42'], ['sudo', '-n', 'htpasswd', '-b', 'f', 'alice', fp('V42')]],
    [['docker', 'run', '--rm', '--entrypoint', 'htpasswd', 'httpd:2', '-Bbn', 'testuser', 'V43'], ['docker', 'run', '--rm', '--entrypoint', 'htpasswd', 'httpd:2', '-Bbn', 'testuser', fp('V43')]],
    [['docker', 'run', '--entrypoint=htpasswd', 'httpd:2', '-Bbn', 'u', 'V44'], ['docker', 'run', '--entrypoint=htpasswd', 'httpd:2', '-Bbn', 'u', fp('V44')]],
    [['docker', 'run', '--entrypoint', '/bin/bash', 'mysql:8', '-lc', 'mysql -pV45'], ['docker', 'run', '--entrypoint', '/bin/bash', 'mysql:8', '-lc', `mysql -p${q('V45')}`]],
    [['docker-compose', 'run', '--entrypoint', 'sh', 'db', '-c', 'mysql -p"$1"', 'sh', 'V46'], ['docker-compose', 'run', '--entrypoint', 'sh', 'db', '-c', 'mysql -p"$1"', 'sh', fp('V46')]],
    [['htpasswd', '-b', 'f', 'alice', '-Xy9V47'], ['htpasswd', '-b', 'f', 'alice', fp('-Xy9V47')]],
    [['htpasswd', '-nbBC', '10', 'alice', 'V48'], ['htpasswd', '-nbBC', '10', 'alice', fp('V48')]],
    [['mc', 'alias', 'set', '--config-dir', '/tmp/mc', 'm', 'https://h', 'AK', 'V49'], ['mc', 'alias', 'set', '--config-dir', '/tmp/mc', 'm', 'https://h', 'AK', fp('V49')]],
    [['rclone', 'config', 'create', 'r', 'sftp', '--config', './rc.conf', 'host=h', 'pass=V50', 'user=u'], ['rclone', 'config', 'create', 'r', 'sftp', '--config', './rc.conf', 'host=h', `pass=${fp('V50')}`, 'user=u']],
    [['rclone', 'config', 'create', 'sw', 'swift', 'auth_token', 'V51'], ['rclone', 'config', 'create', 'sw', 'swift', 'auth_token', fp('V51')]],
    [['rclone', 'obscure', 'V52'], ['rclone', 'obscure', fp('V52')]],
    [['bash', '-c', 'echo -n V53 | vault kv put secret/p value=-'], ['bash', '-c', `echo -n ${q('V53')} | vault kv put secret/p value=-`]],
    [['bash', '-c', 'echo -n V54 | kubectl create secret generic x --from-file=pw=/dev/stdin'], ['bash', '-c', `echo -n ${q('V54')} | kubectl create secret generic x --from-file=pw=/dev/stdin`]],
    [['bash', '-c', "echo V55 | tr -d '\\n' | gh secret set API"], ['bash', '-c', `echo ${q('V55')} | tr -d '\\n' | gh secret set API`]],
    [['sh', '-c', 'T=$(curl -su admin:"$1" https://x/token) && echo ok', 'sh', 'V56'], ['sh', '-c', 'T=$(curl -su admin:"$1" https://x/token) && echo ok', 'sh', fp('V56')]],
    [['sh', '-c', "mysql -uroot <<EOF\nALTER USER app IDENTIFIED BY '$1';\nEOF", 'sh', 'V57'], ['sh', '-c', "mysql -uroot <<EOF\nALTER USER app IDENTIFIED BY '$1';\nEOF", 'sh', fp('V57')]],
    [['sh', '-c', "mysql <<EOF\nALTER USER app IDENTIFIED BY 'V58';\nEOF"], ['sh', '-c', `mysql <<EOF\nALTER USER app IDENTIFIED BY '${fp('V58')}';\nEOF`]],
    [['sh', '-c', 'cat > c.json <<EOF\n{"api_token": "V59"}\nEOF'], ['sh', '-c', `cat > c.json <<EOF\n{"api_token": "${fp('V59')}"}\nEOF`]],
    [['sh', '-c', 'curl -u "me:$1" https://x; curl --data "password=pre$1" https://y', 'sh', 'V60'],
      ['sh', '-c', `curl -u "me:$1" https://x; curl --data "password=${fp('pre$1')}" https://y`, 'sh', fp('V60')]],
    [['kubectl', 'create', 'secret', 'generic', 'd', '--from-literal=.dockerconfigjson=V61', '--from-literal=pw=@V62'],
      ['kubectl', 'create', 'secret', 'generic', 'd', `--from-literal=.dockerconfigjson=${fp('V61')}`, `--from-literal=pw=${fp('@V62')}`]],
    [['wbinfo', '-a', 'alice%V63'], ['wbinfo', '-a', `alice%${fp('V63')}`]],
    [['smbmap', '-H', 'h', '-u', 'admin', '-p', 'V64'], ['smbmap', '-H', 'h', '-u', 'admin', '-p', fp('V64')]],
    [['samba-tool', 'user', 'create', 'alice', 'V65'], ['samba-tool', 'user', 'create', 'alice', fp('V65')]],
    [['lftp', '-c', 'open -u alice,V66 sftp://h; mirror -R dist /www'], ['lftp', '-c', `open -u alice,${q('V66')} sftp://h; mirror -R dist /www`]],
    [['sudo', 'gh', 'secret', 'set', 'X', '--body', 'V67'], ['sudo', 'gh', 'secret', 'set', 'X', '--body', fp('V67')]],
    [['direnv', 'exec', '.', 'vault', 'kv', 'put', 'secret/x', 'pw=V68'], ['direnv', 'exec', '.', 'vault', 'kv', 'put', 'secret/x', `pw=${fp('V68')}`]],
    // Secret-free: as they were.
    [['openssl', 'enc', '-aes-256-cbc', '-in', 'passwd', '-out', 'passwd.enc', '-pass', 'file:key.txt'], null],
    [['openssl', 'dgst', '-sha256', 'passwd', 'shadow'], null],
    [['sh', '-c', 'X=foo; A=$(echo $X); echo $X'], null],
    [['tmux', 'new', '-s', 'train', '-d', 'python train.py --lr 3e-4'], null],
    [['rclone', 'config', 'create', 'r', 's3', 'provider', 'AWS', 'env_auth', 'true'], null],
    [['bash', '-c', 'X=shown; bash -c "mysql -p$X"; echo $X'], null],
    [['sh', '-c', 'mysql -p"$1"; echo "$1"', 'sh', 'shown'], null],
    [['sh', '-c', 'cp "$1" "$2"', 'sh', 'a', 'b'], null],
    [['aws', 'ssm', 'put-parameter', '--name', '/x', '--type', 'String', '--value', 'public'], null],
    [['htpasswd', '-c', '.htpasswd', 'alice'], null],
    [['smbclient', '//h/share', '-U', 'alice', '-c', 'ls'], null],
    [['lftp', '-u', 'alice', 'sftp://h'], null],
    [['mc', 'alias', 'list'], null],
    [['kubectl', 'create', 'configmap', 'cfg', '--from-literal=mode=fast'], null],
    [['docker', 'run', '-c', '512', 'img', 'sh', '-c', 'echo hi'], null],
    [['tmux', 'send-keys', '-t', 'x', 'make test', 'Enter'], null],
    [['hyperfine', '-w', '3', 'sleep 0.1', 'sleep 0.2'], null],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
    const c = argv.findIndex((w, i) => i > 0 && /^(?:-c|--run|--prepare)$/.test(argv[i - 1]!) && / /.test(w))
    if (c > 0 && spawnSync('bash', ['-n', '-c', argv[c]!]).status === 0) assert.equal(spawnSync('bash', ['-n', '-c', once[c]!]).status, 0, once[c])
  }
  // Many words a tool's name, or its flag (the rules look once, not once a word: 50,000² steps would not end).
  const many = ['xargs', ...Array<string>(50000).fill('mc')]
  assert.deepEqual(r.redactArgv(many), many)
  const flags = ['htpasswd', ...Array<string>(50000).fill('-b')]
  assert.deepEqual(r.redactArgv(flags), flags)
})

test('second review: a here-document is a file\'s text; parameters counted where the shell expands them; filters; config lines', () => {
  const q = (v: string): string => `'${fp(v)}'`
  const table: Array<[string[], string[] | null]> = [
    // Leaks before.
    [['bash', '-c', 'pw=$1; mysql -p"$pw" db', 'sh', 'W1'], ['bash', '-c', 'pw=$1; mysql -p"$pw" db', 'sh', fp('W1')]],
    [['bash', '-c', 'MYSQL_PWD="$1" mysql db', 'sh', 'W2'], ['bash', '-c', 'MYSQL_PWD="$1" mysql db', 'sh', fp('W2')]],
    [['bash', '-c', 'mysql -p"${1?}" db', 'sh', 'W3'], ['bash', '-c', 'mysql -p"${1?}" db', 'sh', fp('W3')]],
    [['bash', '-c', 'docker login -u u --password-stdin r <<EOF\n$1\nEOF', 'sh', 'W4'], ['bash', '-c', 'docker login -u u --password-stdin r <<EOF\n$1\nEOF', 'sh', fp('W4')]],
    [['bash', '-c', 'echo W5 | cat | gh secret set N'], ['bash', '-c', `echo ${q('W5')} | cat | gh secret set N`]],
    [['bash', '-c', "echo W6 | LC_ALL=C command tr -d x | sort | gh secret set N"], ['bash', '-c', `echo ${q('W6')} | LC_ALL=C command tr -d x | sort | gh secret set N`]],
    [['bash', '-c', "tr -d '\\n' <<< W7 | gh secret set N"], ['bash', '-c', `tr -d '\\n' <<< ${q('W7')} | gh secret set N`]],
    [['bash', '-c', 'yes W8 | head -1 | gh secret set N'], ['bash', '-c', `yes ${q('W8')} | head -1 | gh secret set N`]],
    [['bash', '-c', "mysql <<SQL\nCREATE USER 'u'@'%' IDENTIFIED WITH mysql_native_password BY 'W9';\nSET PASSWORD FOR 'u'@'%' = 'W10';\nSQL"],
      ['bash', '-c', `mysql <<SQL\nCREATE USER 'u'@'%' IDENTIFIED WITH mysql_native_password BY '${fp('W9')}';\nSET PASSWORD FOR 'u'@'%' = '${fp('W10')}';\nSQL`]],
    [['bash', '-c', 'cat > ~/.aws/credentials <<EOF\n[default]\naws_secret_access_key = W11\nregion = eu-west-1\nEOF'],
      ['bash', '-c', `cat > ~/.aws/credentials <<EOF\n[default]\naws_secret_access_key = ${fp('W11')}\nregion = eu-west-1\nEOF`]],
    [['bash', '-c', 'cat > .my.cnf <<EOF\n[client]\npassword = $1\nEOF', 'sh', 'W12'], ['bash', '-c', 'cat > .my.cnf <<EOF\n[client]\npassword = $1\nEOF', 'sh', fp('W12')]],
    [['bash', '-c', 'cat > ~/.netrc <<EOF\nmachine h login u password W13\nEOF'], ['bash', '-c', `cat > ~/.netrc <<EOF\nmachine h login u password ${fp('W13')}\nEOF`]],
    [['bash', '-c', "python <<'PY'\nopenai.api_key = \"W14\"\nPY"], ['bash', '-c', `python <<'PY'\nopenai.api_key = "${fp('W14')}"\nPY`]],
    [['bash', '-c', 'PASS=W15; echo "set: ${#PASS}"; mysql -p$PASS db'], ['bash', '-c', `PASS=${q('W15')}; echo "set: \${#PASS}"; mysql -p$PASS db`]],
    // Secret-free: as they were.
    [['bash', '-c', 'cat > app.json <<EOF\n{"password_file": "/run/secrets/db", "token_url": "https://a/t", "access_token_ttl": "3600", "secret_name": "db", "passwordPolicy": "strong", "NODE_AUTH_TOKEN": "${{ secrets.NPM }}", "token": "<your token>"}\nEOF'], null],
    [['bash', '-c', 'cat > cfg.json <<EOF\n{"tokenizer_class": "$1"}\nEOF', 'sh', 'LlamaTokenizer'], null],
    [['bash', '-c', "cat > values.yaml <<EOF\nauth:\n  existingSecret: db-creds\n  password_file: /run/x\nEOF"], null],
    [['bash', '-c', "mysql -p\"$1\" <<EOF\nSELECT '$1';\nEOF", 'sh', 'analytics'], null],
    [['bash', '-c', 'mysql -u ro -p"$1" app\necho "${1:-none}"', 'sh', 'analytics'], null],
    [['bash', '-c', `export DB=analytics; bash -c 'mysql -u ro -p"$DB" "$DB"'`], null],
    [['bash', '-c', 'export GH_TOKEN="$(cat "$1")"; gh release create "$2"', 'sh', '/run/secrets/gh', 'v1.0'], null],
    [['bash', '-c', "cat users.txt | xargs -I{} sh -c 'mysql -u \"$1\" -p\"$2\"' sh {} {}"], null],
    // (An apostrophe in a word opens no quote over the lines below: the delimiter stays one, the password goes.)
    [['bash', '-c', "cat <<EOF\npassword=it's here\nEOF\necho after"], ['bash', '-c', `cat <<EOF\n'password=${fp('its here')}'\nEOF\necho after`]],
    [['bash', '-c', 'R=$(cat <<EOF\n{"password": "$HOME"}\nEOF\n)'], null],
    [['bash', '-c', "cat > ~/.npmrc <<'EOF'\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nEOF"], null],
    [['bash', '-c', "psql <<EOF\nSELECT * FROM users WHERE password = 'placeholder' LIMIT 1;\nEOF"], null],
    // A script that moves its parameters: no word after it is taken for the one it uses (the wrong one was).
    [['bash', '-c', 'shift 2; mysql -p"$1" db', 'sh', 'a', 'b', 'c'], null],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected ?? argv, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
    if (spawnSync('bash', ['-n', '-c', argv[2]!]).status === 0) assert.equal(spawnSync('bash', ['-n', '-c', once[2]!]).status, 0, once[2])
  }
  // A configuration file's text: lines under secret keys lose their values; names, references,
  // placeholders, code and prose stay (the third review's cases).
  const config = [
    '[db]', 'password = W16', 'password_file = /run/secrets/db', 'token_url = https://auth/token', 'api_key: "W17"', 'api_key: ${API_KEY}',
    'DB_PASS=W18', 'SECRET_KEY_BASE=W19', '      - POSTGRES_PASSWORD=W20', 'data:', '  password: aHVudGVyMg==', 'password: |', '  W21', 'token: >-', '  W22', 'user: bob',
    '//registry.npmjs.org/:_authToken=W23', 'password = var.db_password', 'password: process.env.DB_PASSWORD', 'API_KEY=your-key-here', 'SECRET_KEY=changeme',
    'token: str', 'id-token: write', 'password = password', 'default: false', 'description: reset password if expired', '| password | string |',
  ].join('\n')
  const scrubbed = r.scrubFileText(config)
  for (const w of ['W16', 'W17', 'W18', 'W19', 'W20', 'aHVudGVyMg==', 'W21', 'W22', 'W23']) assert.ok(!scrubbed.includes(w), `${w} in ${scrubbed}`)
  for (const kept of ['password_file = /run/secrets/db', 'token_url = https://auth/token', 'api_key: ${API_KEY}', 'user: bob', 'password = var.db_password',
    'password: process.env.DB_PASSWORD', 'API_KEY=your-key-here', 'SECRET_KEY=changeme', 'token: str', 'id-token: write', 'password = password',
    'description: reset password if expired', '| password | string |']) assert.ok(scrubbed.split('\n').includes(kept), `${kept} changed: ${scrubbed}`)
  assert.equal(r.scrubFileText(scrubbed), scrubbed)
  // .netrc's password, also once a word's pass has quoted its fingerprint; only where a machine line is.
  const netrc = r.scrubFileText(`machine github.com\n  login u\n  password W24\nmachine h password '${fp('x')}'`)
  assert.equal(netrc, `machine github.com\n  login u\n  password ${fp('W24')}\nmachine h password '${fp('x')}'`)
  assert.equal(r.scrubFileText('switch x {\ndefault:\n}\n// reset password if expired'), 'switch x {\ndefault:\n}\n// reset password if expired')
  // In a program's code only a string written there is one.
  assert.equal(r.scrubFileText('token = t\napi_key = "W25"', 'program'), `token = t\napi_key = "${fp('W25')}"`)
  // A name the policy adds (secrets.names, --redact-var) is one in a text that holds no built-in word.
  const named = new Redactor(KEY, { names: ['DB_HOST'] })
  const hostLine: Array<[Redactor, string]> = [[named, `DB_HOST=${named.fingerprint('W25a')}\nx 1`], [r, 'DB_HOST=W25a\nx 1']]
  for (const [red, out] of hostLine) assert.equal(red.scrubFileText('DB_HOST=W25a\nx 1'), out)
  // A here-document's continued lines and a quote over two lines are one command; a quote never closed is that line's text.
  const continued: Array<[string, string]> = [["cat > d.sh <<'EOF'\nmysql -u root \\\n  -pW26 appdb\nEOF", 'W26'], ["cat > c.sh <<'EOF'\npsql \"host=db user=app\npassword=W27 dbname=app\"\nEOF", 'W27'],
    ["cat > n <<EOF\nit's fine\nmysql -pW28\nEOF", 'W28']]
  for (const [script, secret] of continued) {
    const out = r.redactArgv(['bash', '-c', script])[2]!
    assert.ok(!out.includes(secret), out)
    assert.equal(r.redactArgv(['bash', '-c', out])[2], out)
  }
  // Long pipelines of filters, many assignments of one name: linear (each was quadratic: minutes for 1 MB).
  const filters = 'echo V' + ' | tr a b'.repeat(20000) + ' | gh secret set N'
  assert.ok(!r.redactArgv(['bash', '-c', filters])[2]!.includes('echo V '))
  const many = 'A=1; mysql -p$A; '.repeat(20000)
  assert.equal(r.redactArgv(['bash', '-c', many])[2], `A=${q('1')}; mysql -p$A; `.repeat(20000))
})

test('fourth review: here-document bodies — prose, data for interpreters, YAML settings, code written to files, config formats', () => {
  const body = (head: string, text: string): string[] => ['bash', '-c', `${head} <<'EOF'\n${text}\nEOF`]
  const gone: Array<[string[], string]> = [
    [body('cat > README.md', "It's easy:\n    mysql -u root -pX1 app\nDon't share it."), 'X1'],
    [body("python3 -c 'import sys,yaml; print(yaml.safe_load(sys.stdin))'", 'password: X2'), 'X2'],
    [body('python3 render.py', 'api_token: X3'), 'X3'],
    [body('cat > app.py', 'api_key = "X4"'), 'X4'],
    [body('cat > compose.yml', 'environment:\n  POSTGRES_PASSWORD: X5'), 'X5'],
    [body('cat > c.ini', 'password = Ab3#X6'), 'X6'],
    [body('cat > ~/.netrc', 'default login u password X7'), 'X7'],
    [body('cat > ~/.pgpass', 'db:5432:*:app:X8'), 'X8'],
    [body('cat > settings.xml', '<server><id>r</id><password>X9</password></server>'), 'X9'],
    [body('cat > ~/.docker/config.json', '{"auths": {"r": {"auth": "dXNlcjpYMTBYMTBYMTA="}}}'), 'dXNlcjpYMTBYMTBYMTA='],
    [body('cat > w.service', '[Service]\nEnvironment="API_TOKEN=X11"'), 'X11'],
    [body('cat > deploy.sh', 'docker login -u u --password-stdin r <<T\nX12\nT\necho ok'), 'X12'],
  ]
  for (const [argv, secret] of gone) {
    const once = r.redactArgv(argv)
    assert.ok(!once[2]!.includes(secret), once[2])
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv[2]}`)
  }
  const kept: string[][] = [
    body('cat > app.py', 'class C:\n    def refresh(self):\n        token = refreshed_token\n        secret = hashlib.sha256'),
    body('cat > compose.yml', 'environment:\n  AUTH_PROVIDER: github\n  SESSION_TIMEOUT: 30m'),
    body('cat > values.yml', 'password: |\n  ${{ secrets.PW }}'),
    body('psql', 'INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET\n  secret = excluded.secret;'),
    body('cat > gen.yaml', 'stop_token: "###"\nresponse_token: "### Response:"'),
    body('cat > notes.md', "It's done.\nDon't worry."),
  ]
  for (const argv of kept) assert.deepEqual(r.redactArgv(argv), argv, argv[2])
})

test('fifth review: a tool asked for its secret keeps its words; placeholders in .pgpass and .netrc; settings about secrets are no secrets', () => {
  const same: string[][] = [
    ['mc', 'alias', 'set', 'local', 'http://localhost:9000'],
    ['mc', 'alias', 'set', 'play', 'https://play.min.io', '--api', 'S3v4'],
    ['mc', 'admin', 'user', 'add', 'myminio', 'alice'],
    ['poetry', 'config', 'http-basic.internal', 'alice'],
    ['htpasswd', '-b', 'f', 'alice'],
    ['bash', '-c', "cat > .pgpass.example <<'EOF'\nlocalhost:5432:app:app:CHANGE_ME\nEOF"],
    ['bash', '-c', "cat > .netrc.example <<'EOF'\nmachine api.example.com\n  login your-username\n  password your-password\nEOF"],
    ['python', 'serve.py', '--auth-mode', 'none', '--token-budget', '2e9', '--secret-name', 'prod/db/readonly', '--token-limit', '4000'],
    ['env', 'AUTH_MODE=oidc', 'SESSION_TIMEOUT=30m', 'KEY_SIZE=4096', 'python', 'app.py'],
  ]
  for (const argv of same) assert.deepEqual(r.redactArgv(argv), argv, argv.join(' '))
  assert.deepEqual(r.redactVars({ AUTH_MODE: 'none', SECRET_NAME: 'prod/db', AUTH_TOKEN: 'V1' }), { AUTH_MODE: 'none', AUTH_TOKEN: fp('V1'), SECRET_NAME: 'prod/db' })
  assert.deepEqual(r.redactArgv(['mc', 'alias', 'set', 'local', 'http://localhost:9000', 'AK', 'V2']), ['mc', 'alias', 'set', 'local', 'http://localhost:9000', 'AK', fp('V2')])
})

test('sixth round: more tools\' passwords, an interpreter\'s code, Hydra\'s overrides, rclone\'s connection strings, dbt\'s vars', () => {
  const table: Array<[string[], string[]]> = [
    [['redis-cli', '-h', 'h', '--pass', 'V1', 'ping'], ['redis-cli', '-h', 'h', '--pass', fp('V1'), 'ping']],
    [['cqlsh', '-u', 'u', '-p', 'V2', 'db.example'], ['cqlsh', '-u', 'u', '-p', fp('V2'), 'db.example']],
    [['cypher-shell', '-u', 'neo4j', '-pV3'], ['cypher-shell', '-u', 'neo4j', `-p${fp('V3')}`]],
    [['airflow', 'users', 'create', '-u', 'admin', '-r', 'Admin', '-p', 'V4'], ['airflow', 'users', 'create', '-u', 'admin', '-r', 'Admin', '-p', fp('V4')]],
    [['poetry', 'publish', '-u', 'u', '-p', 'V5'], ['poetry', 'publish', '-u', 'u', '-p', fp('V5')]],
    [['influx', 'query', '-t', 'V6', 'from(bucket:"b")'], ['influx', 'query', '-t', fp('V6'), 'from(bucket:"b")']],
    [['ssh-keygen', '-t', 'ed25519', '-N', 'V7', '-f', 'k'], ['ssh-keygen', '-t', 'ed25519', '-N', fp('V7'), '-f', 'k']],
    [['ssh-keygen', '-p', '-PV8', '-N', 'V9', '-f', 'k'], ['ssh-keygen', '-p', `-P${fp('V8')}`, '-N', fp('V9'), '-f', 'k']],
    [['cargo', 'login', '--registry', 'internal', 'V10'], ['cargo', 'login', '--registry', 'internal', fp('V10')]],
    [['neo4j-admin', 'dbms', 'set-initial-password', 'V11'], ['neo4j-admin', 'dbms', 'set-initial-password', fp('V11')]],
    [['rabbitmqctl', 'add_user', 'app', 'V12'], ['rabbitmqctl', 'add_user', 'app', fp('V12')]],
    [['sudo', 'rabbitmqctl', '-n', 'rabbit@h', 'change_password', 'app', 'V13'], ['sudo', 'rabbitmqctl', '-n', 'rabbit@h', 'change_password', 'app', fp('V13')]],
    [['mysqladmin', '-u', 'root', '-pV14', 'password', 'V15'], ['mysqladmin', '-u', 'root', `-p${fp('V14')}`, 'password', fp('V15')]],
    [['netlify', 'env:set', 'STRIPE_KEY', 'V16'], ['netlify', 'env:set', 'STRIPE_KEY', fp('V16')]],
    [['vault', 'write', 'secret/app', 'value=V44', 'cert=@c.pem'], ['vault', 'write', 'secret/app', `value=${fp('V44')}`, 'cert=@c.pem']],
    [['vault', 'write', '-format=json', 'kv/data/app', 'api=V45'], ['vault', 'write', '-format=json', 'kv/data/app', `api=${fp('V45')}`]],
    // Hydra's overrides: judged without their sign.
    [['python', 'train.py', '+wandb.api_key=V17', '++db.password=V18', 'trainer.max_epochs=3'], ['python', 'train.py', `+wandb.api_key=${fp('V17')}`, `++db.password=${fp('V18')}`, 'trainer.max_epochs=3']],
    // rclone's connection strings: the secret keys' values, in their quotes.
    [['rclone', 'copy', ':sftp,host=h,user=u,pass=V19:data', '.'], ['rclone', 'copy', `:sftp,host=h,user=u,pass=${fp('V19')}:data`, '.']],
    [['rclone', 'ls', 'myremote,secret_access_key="V,20":bucket'], ['rclone', 'ls', `myremote,secret_access_key="${fp('V,20')}":bucket`]],
    // dbt's vars: YAML or JSON, a flow mapping too.
    [['dbt', 'run', '--vars', '{password: V21, target_schema: x}'], ['dbt', 'run', '--vars', `{password: ${fp('V21')}, target_schema: x}`]],
    [['dbt', 'run', '--vars', "{'api_key': 'V22'}"], ['dbt', 'run', '--vars', `{'api_key': '${fp('V22')}'}`]],
    [['dbt', 'run', '--vars', 'db_password: V23'], ['dbt', 'run', '--vars', `db_password: ${fp('V23')}`]],
    // An interpreter's code: a string written for a secret's name.
    [['python', '-c', 'import openai; openai.api_key = "V24"; print(1)'], ['python', '-c', `import openai; openai.api_key = "${fp('V24')}"; print(1)`]],
    [['python3', '-c', "import os; os.environ['HF_TOKEN'] = 'V25'"], ['python3', '-c', `import os; os.environ['HF_TOKEN'] = '${fp('V25')}'`]],
    [['uv', 'run', 'python', '-Ic', 'from openai import OpenAI; OpenAI(api_key="V26")'], ['uv', 'run', 'python', '-Ic', `from openai import OpenAI; OpenAI(api_key="${fp('V26')}")`]],
    [['python', '-cfrom hub import login; login(token="V27x9k2m4q8w1")'], ['python', `-cfrom hub import login; login(token="${fp('V27x9k2m4q8w1')}")`]],
    [['node', '-e', "const token = 'V28x9k2m4q8w1'; main(token)"], ['node', '-e', `const token = '${fp('V28x9k2m4q8w1')}'; main(token)`]],
    [['node', '--eval=process.env.GITHUB_TOKEN = `V29`'], ['node', `--eval=process.env.GITHUB_TOKEN = \`${fp('V29')}\``]],
    [['Rscript', '-e', 'Sys.setenv(OPENAI_API_KEY = "V30"); source("a.R")'], ['Rscript', '-e', `Sys.setenv(OPENAI_API_KEY = "${fp('V30')}"); source("a.R")`]],
    [['Rscript', '-e', 'password <- "V31"'], ['Rscript', '-e', `password <- "${fp('V31')}"`]],
    [['ruby', '-e', 'ENV["API_TOKEN"] = "V32"'], ['ruby', '-e', `ENV["API_TOKEN"] = "${fp('V32')}"`]],
    [['perl', '-e', "setenv('DB_PASSWORD', 'V33')"], ['perl', '-e', `setenv('DB_PASSWORD', '${fp('V33')}')`]],
    [['deno', 'eval', 'const cfg = {secret: "V34"}'], ['deno', 'eval', `const cfg = {secret: "${fp('V34')}"}`]],
    [['perl', '-e', 'my $password = "V46"; connect($password)'], ['perl', '-e', `my $password = "${fp('V46')}"; connect($password)`]],
    [['php', '-r', '$cfg = ["api_key" => "V47"];'], ['php', '-r', `$cfg = ["api_key" => "${fp('V47')}"];`]],
    [['ruby', '-e', "c = { :api_key => 'V48' }"], ['ruby', '-e', `c = { :api_key => '${fp('V48')}' }`]],
    [['python', '-c', 'api_key: str = "V49"'], ['python', '-c', `api_key: str = "${fp('V49')}"`]],
    [['python', '-c', 'import os; os.environ["SENTRY_AUTH_TOKEN"]="V50"'], ['python', '-c', `import os; os.environ["SENTRY_AUTH_TOKEN"]="${fp('V50')}"`]],
    [['Rscript', '-e', 'Sys.setenv("OPENAI_API_KEY" = "V51")'], ['Rscript', '-e', `Sys.setenv("OPENAI_API_KEY" = "${fp('V51')}")`]],
    [['influx', 'setup', '-u', 'admin', '-p', 'V52', '-o', 'org', '-b', 'b', '-f'], ['influx', 'setup', '-u', 'admin', '-p', fp('V52'), '-o', 'org', '-b', 'b', '-f']],
    [['redis-cli', '-h', 'h', 'AUTH', 'default', 'V53'], ['redis-cli', '-h', 'h', 'AUTH', 'default', fp('V53')]],
    [['redis-cli', 'CONFIG', 'SET', 'requirepass', 'V54'], ['redis-cli', 'CONFIG', 'SET', 'requirepass', fp('V54')]],
    [['ssh-keygen', '-qN', 'V55', '-f', 'k'], ['ssh-keygen', '-qN', fp('V55'), '-f', 'k']],
    [['cargo', '+nightly', 'login', 'V56'], ['cargo', '+nightly', 'login', fp('V56')]],
    [['vercel', 'deploy', '-t', 'V57'], ['vercel', 'deploy', '-t', fp('V57')]],
    [['airflow', 'variables', 'set', 'api_token', 'V58'], ['airflow', 'variables', 'set', 'api_token', fp('V58')]],
    [['npx', 'netlify-cli', 'env:set', 'NODE_VERSION', 'V59', '--secret'], ['npx', 'netlify-cli', 'env:set', 'NODE_VERSION', fp('V59'), '--secret']],
    [['ipython', '-c', 'openai.api_key = "V60"'], ['ipython', '-c', `openai.api_key = "${fp('V60')}"`]],
    [['tsx', '-e', 'const apiKey = "V61"'], ['tsx', '-e', `const apiKey = "${fp('V61')}"`]],
    [['apptainer', 'exec', 'img.sif', 'python', '-c', 'api_key = "V62"'], ['apptainer', 'exec', 'img.sif', 'python', '-c', `api_key = "${fp('V62')}"`]],
    [['python', 'train.py', '+db={host:h,password:V63}'], ['python', 'train.py', `+db={host:h,password:${fp('V63')}}`]],
    [['dbt', 'run', '--vars', '{"x": 1, password: "V64" }'], ['dbt', 'run', '--vars', `{"x": 1, password: "${fp('V64')}" }`]],
    [['python3.5', '-c', "api_key = '''V65'''; secret = (\"V66\")"], ['python3.5', '-c', `api_key = '''${fp('V65')}'''; secret = ("${fp('V66')}")`]],
    [['py', '-3', '-c', 'openai.api_key = "V67"'], ['py', '-3', '-c', `openai.api_key = "${fp('V67')}"`]],
    [['perl', '-e', '$ENV{API_TOKEN} = "V68";'], ['perl', '-e', `$ENV{API_TOKEN} = "${fp('V68')}";`]],
    [['php', '-r', "putenv('API_TOKEN=V69'); define('API_KEY', 'V70');"], ['php', '-r', `putenv('API_TOKEN=${fp('V69')}'); define('API_KEY', '${fp('V70')}');`]],
    [['vercel', 'env', 'add', 'API_KEY', 'production', '--value', 'V71'], ['vercel', 'env', 'add', 'API_KEY', 'production', '--value', fp('V71')]],
    // An environment variable's name, judged as the environment's are (KAGGLE_KEY: *_KEY).
    [['python', '-c', 'import os; os.environ["KAGGLE_KEY"] = "V79"'], ['python', '-c', `import os; os.environ["KAGGLE_KEY"] = "${fp('V79')}"`]],
    [['Rscript', '-e', 'Sys.setenv(GITHUB_PAT = "V80")'], ['Rscript', '-e', `Sys.setenv(GITHUB_PAT = "${fp('V80')}")`]],
    // Strings a call takes as secrets by their place, and connection strings in code.
    [['python', '-c', 'import smtplib; s = smtplib.SMTP("h", 587); s.login("me@x.org", "V72")'], ['python', '-c', `import smtplib; s = smtplib.SMTP("h", 587); s.login("me@x.org", "${fp('V72')}")`]],
    [['python', '-c', 'requests.get("https://h", auth=("user", "V73"))'], ['python', '-c', `requests.get("https://h", auth=("user", "${fp('V73')}"))`]],
    [['python', '-c', 'HTTPBasicAuth("u", "V74"); jwt.encode(payload, "V75", algorithm="HS256")'], ['python', '-c', `HTTPBasicAuth("u", "${fp('V74')}"); jwt.encode(payload, "${fp('V75')}", algorithm="HS256")`]],
    [['python', '-c', 'g = Github("V76"); wandb.login(key="V77")'], ['python', '-c', `g = Github("${fp('V76')}"); wandb.login(key="${fp('V77')}")`]],
    [['python', '-c', 'psycopg2.connect("host=db user=app password=V78 dbname=d")'], ['python', '-c', `psycopg2.connect("host=db user=app password=${fp('V78')} dbname=d")`]],
    // In scripts, and in a source file a script writes.
    [['bash', '-c', 'python -c "import wandb; wandb.api_key=\'V35\'" && cargo login V36'], ['bash', '-c', `python -c "import wandb; wandb.api_key='${fp('V35')}'" && cargo login '${fp('V36')}'`]],
    [['bash', '-c', "cat > app.js <<'EOF'\nconst password = 'V37'\nEOF"], ['bash', '-c', `cat > app.js <<'EOF'\nconst password = '${fp('V37')}'\nEOF`]],
    [['bash', '-c', 'python - <<EOF\nimport os\nos.environ["WANDB_API_KEY"] = "V38"\nEOF'], ['bash', '-c', `python - <<EOF\nimport os\nos.environ["WANDB_API_KEY"] = "${fp('V38')}"\nEOF`]],
  ]
  for (const [argv, expected] of table) {
    const once = r.redactArgv(argv)
    assert.deepEqual(once, expected, argv.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
    if (argv[0] === 'bash') assert.equal(spawnSync('bash', ['-n', '-c', once[2]!]).status, 0, once[2])
  }
  // Secret-free: as written.
  const same: string[][] = [
    ['python', '-m', 'pytest', '-c', 'pytest.ini', '-k', 'token'],
    ['python', '-mpytest', '-c', 'ci.ini'],
    ['python', 'train.py', '-c', 'configs/token_budget.yaml'],
    ['python', '-c', 'import torch; print(torch.__version__)'],
    ['python', '-c', "tok.pad_token = '[PAD]'; tok.eos_token = '</s>'"],
    ['python', '-c', 'cols = ["id", "token", "label"]; print(cols)'],
    ['python', '-c', 'if password == "x": print(1)'],
    ['python', '-c', "api_key = f'{prefix}-key'; token = os.environ['TOKEN']"],
    ['python', '-c', 'import sys; print(sys.argv)', '-c', 'openai.api_key = "shown"'],
    // The review's: a name inside another string, NLP tokens, placeholders of local servers, labels, types, ternaries, regular expressions, references.
    ['python', '-c', 'import os; print("HF token: ", "yes" if os.environ.get("HF_TOKEN") else "no")'],
    ['node', '-e', 'console.log("token:", process.env.GITHUB_TOKEN ? "set" : "unset")'],
    ['python', '-c', 'requests.get("https://api.example.com/v1?api_key=" + key + "&q=" + "llm")'],
    ['python', '-c', 'token = "hello"; tok = {"count": 10, \'token\': \'the\'}'],
    ['python', '-c', 'from openai import OpenAI; c = OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY")'],
    ['python', '-c', 'fs = gcsfs.GCSFileSystem(token="anon")'],
    ['python', '-c', 'print("a", "b"); d = dict(key="name"); s.sort(key="id"); login("alice")'],
    ['python', '-c', 'conn = psycopg2.connect("host=db dbname=d user=app")'],
    ['node', '-e', 'const labels = { apiKey: "API key", password: "Enter your password" }'],
    ['node', '-e', "type T = { token: 'bearer' | 'basic' }; const t = ok ? token : \"anonymous\""],
    ['perl', '-ne', 'print if /token="([^"]+)"/'],
    ['python', '-c', 'x = 1  # the token: "abc123456789"'],
    ['python', '-c', 'KEY = "raw/2024/01/events.parquet"; S3_KEY = "data/train.csv"'],
    ['python', '-c', 'import os; os.environ["WANDB_MODE"] = "offline"; os.environ["SESSION_DIR"] = "/tmp/s"'],
    ['python', '-c', 'OpenAI(base_url="http://localhost:8000/v1", api_key="token-abc123")'],
    ['python', 'train.py', '+tokenizer.video_token=[VIDEO]', '+db.password=${oc.env:DB_PASSWORD}'],
    ['netlify', 'env:set', 'NODE_VERSION', '20'],
    ['airflow', 'variables', 'set', 'env', 'prod'],
    ['redis-cli', 'CONFIG', 'SET', 'maxmemory', '2gb'],
    ['python', 'train.py', '+data={text_col:caption,limit:10}'],
    ['bash', '-c', "cat > run.sh <<'EOF'\nexport HF_TOKEN=\"$(cat ~/.hf)\"\nEOF"],
    ['bash', '-c', "psql <<EOF\nSELECT id FROM users WHERE api_key = 'k1' OR token = 'k2';\nEOF"],
    ['node', '-e', 'const token = process.env.TOKEN; const f = token => "x"'],
    ['perl', '-pe', 's/password=\\S+/password=***/', 'log.txt'],
    ['ssh-keygen', '-t', 'ed25519', '-N', '', '-f', 'k'],
    ['ssh-keygen', '-lf', 'k.pub'],
    ['rclone', 'copy', 'remote:path', '.'],
    ['rclone', 'ls', ':s3,provider=AWS,env_auth:bucket'],
    ['dbt', 'run', '--vars', '{"start_date": "2024-01-01", "max_tokens": 4096}'],
    ['dbt', 'run', '--vars', '{token_limit: 500, password_file: /run/secrets/pw}'],
    ['cargo', 'login'],
    ['mysqladmin', '-u', 'root', '-p', 'password'],
    ['rabbitmqctl', 'list_users'],
    ['vault', 'write', 'auth/approle/role/ci', 'token_ttl=1h', 'policies=deploy'],
    ['python', 'train.py', '+trainer.devices=2', '~callbacks.early_stop'],
  ]
  for (const argv of same) assert.deepEqual(r.redactArgv(argv), argv, argv.join(' '))
  // A credential's shape in a flag's or a setting's name, and in a command's path (known by its last part), found by the argv fuzzer.
  const tok = 'ghp_' + 'a'.repeat(36)
  const shaped: string[][] = [
    ['tool', `--${tok}=1`], ['tool', `${tok}.password=V39`], ['tool', `--${tok}.token`, 'V40'], ['java', `-D${tok}.password=V41`],
    [`https://u:${tok}@h/ssh`, 'h'], [`Bearer ${tok}'https://mysql`], ['http', `${tok}.token:=V42`], ['npm', 'config', 'set', `${tok}.password`, 'V43'],
  ]
  for (const argv of shaped) {
    const once = r.redactArgv(argv)
    assert.ok(!/ghp_|V\d\d/.test(once.join(' ')), once.join(' '))
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${argv.join(' ')}`)
  }
})

test('scrubPatch: each file of a patch as what it is (configuration, program, shell script); headers and counts kept; twice is once', () => {
  const patch = [
    'diff --git a/.env b/.env',
    'index 0e4db7d..efe5f60 100644',
    '--- a/.env',
    '+++ b/.env',
    '@@ -1 +1,3 @@',
    ' MODE=online',
    '+DB_PASSWORD=P1',
    '+export HF_TOKEN=P2',
    'diff --git a/conf/cfg.yaml b/conf/cfg.yaml',
    '--- a/conf/cfg.yaml',
    '+++ b/conf/cfg.yaml',
    '@@ -1,3 +1,4 @@ wandb:',
    '   project: p',
    '-  password: P3',
    '+  password: P4',
    '+  token: str',
    '   api_key: ${WANDB_KEY}',
    'diff --git a/train.py b/train.py',
    '--- a/train.py',
    '+++ b/train.py',
    '@@ -1,2 +1,5 @@',
    ' import os',
    '-WANDB_API_KEY = "P5"',
    '+WANDB_API_KEY = "P6"',
    '+token = tokenizer(x)',
    '+password = get_password()',
    '+label = "password"',
    '\\ No newline at end of file',
    'diff --git a/run.sh b/run.sh',
    'new file mode 100755',
    '--- /dev/null',
    '+++ b/run.sh',
    '@@ -0,0 +1,2 @@',
    '+docker login -u me -p P7 registry',
    '+echo "$PASSWORD"',
    'diff --git "a/sp ace.py" "b/sp ace.py"',
    'deleted file mode 100644',
    '--- "a/sp ace.py"',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-api_key = "P8"',
    '',
  ].join('\n')
  const out = r.scrubPatch(patch)
  for (let k = 1; k <= 8; k++) assert.ok(!new RegExp(`\\bP${k}\\b`).test(out), `P${k} in\n${out}`)
  const lines = out.split('\n')
  assert.equal(lines.length, patch.split('\n').length)
  // Only the secrets' lines changed; each keeps its mark.
  const changed = patch.split('\n').map((l, i) => [l, lines[i]!]).filter(([a, b]) => a !== b)
  assert.deepEqual(changed.map(([a]) => a), ['+DB_PASSWORD=P1', '+export HF_TOKEN=P2', '-  password: P3', '+  password: P4', '-WANDB_API_KEY = "P5"', '+WANDB_API_KEY = "P6"', '+docker login -u me -p P7 registry', '-api_key = "P8"'])
  for (const [a, b] of changed) assert.equal(b![0], a![0])
  assert.ok(lines.includes('+token = tokenizer(x)') && lines.includes('+password = get_password()') && lines.includes('+label = "password"') && lines.includes('+  token: str'))
  assert.equal(r.scrubPatch(out), out)
  // A shape over several lines (a PEM block) goes as before; a patch that does not parse is scrubbed as any text.
  const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA' + alnum(60, 61) + '\n-----END RSA PRIVATE KEY-----'
  const withPem = `diff --git a/k.pem b/k.pem\n--- a/k.pem\n+++ b/k.pem\n@@ -1 +1,3 @@\n-none\n${pem.split('\n').map((l) => '+' + l).join('\n')}\n`
  assert.ok(!r.scrubPatch(withPem).includes(alnum(60, 61)))
  assert.equal(r.scrubPatch('not a patch password: P9 ' + 'ghp_' + alnum(36)), r.scrubText('not a patch password: P9 ' + 'ghp_' + alnum(36)))
  assert.equal(r.scrubPatch('@@ -1,9 +1,9 @@\n+x = 1'), '@@ -1,9 +1,9 @@\n+x = 1') // counts that overrun the text
  assert.equal(r.scrubPatch(''), '')
  // A name with a space ends its --- and +++ lines in a tab, as git writes them: still a program, a shell script.
  const spaced = ['diff --git a/my train.py b/my train.py', '--- a/my train.py\t', '+++ b/my train.py\t', '@@ -1 +1,2 @@', ' #', '+client = Client(api_key="S1")',
    'diff --git a/my deploy.sh b/my deploy.sh', '--- a/my deploy.sh\t', '+++ b/my deploy.sh\t', '@@ -1 +1,2 @@', ' #', '+docker login -p S2 registry', ''].join('\n')
  assert.ok(!/\bS[12]\b/.test(r.scrubPatch(spaced)), r.scrubPatch(spaced))
  // A shell script's hunk that a value over several lines would shorten, or that begins inside a
  // string it cannot see open: each line a command line, and a redacted value's next lines too.
  // Makefiles, Dockerfiles (after RUN) and READMEs hold command lines as well.
  const hunk = (file: string, added: string[], ctx: string[] = []): string => [`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`,
    `@@ -1,${ctx.length} +1,${ctx.length + added.length} @@`, ...ctx.map((l) => ' ' + l), ...added.map((l) => '+' + l), ''].join('\n')
  const cases = [
    hunk('deploy.sh', ['x=1', 'mysql -pQ1 db', 'HF_TOKEN="Q2', 'Q3"']),
    hunk('deploy.sh', ['export HF_TOKEN=Q4', "PASSWORD='Q5", "Q6'"]),
    hunk('deploy.sh', ['mysql -pQ7 db'], ['  -h  show help', '"']),
    hunk('Makefile', ['\tdocker login -u me -p Q8', '\tPASSWORD=Q9 ./run']),
    hunk('Dockerfile', ['RUN docker login -u me -p Q10 && mysql -pQ11', 'ENV API_TOKEN=Q12']),
    hunk('README.md', ['Run `export HF_TOKEN=Q13` then', '    prov record --password Q14 -- x', '```', 'docker login -p Q15 reg', '```']),
    // The first line of a value over several lines rotated: the old and the new file each in their order.
    ['diff --git a/d.sh b/d.sh', '--- a/d.sh', '+++ b/d.sh', '@@ -1,2 +1,2 @@', "-export DB_PASSWORD='Q16", "+export DB_PASSWORD='Q17", " Q18'", ''].join('\n'),
    // A file renamed is read by its new name; Makefile assignments and a Dockerfile's ENV K V.
    ['diff --git a/notes.txt b/deploy.sh', 'similarity index 50%', 'rename from notes.txt', 'rename to deploy.sh', '--- a/notes.txt', '+++ b/deploy.sh', '@@ -1 +1,2 @@', ' #', '+mysql -pQ19 db', ''].join('\n'),
    hunk('Makefile', ['API_TOKEN := Q20', 'export SECRET_KEY ?= Q21']),
    hunk('Dockerfile', ['ENV DB_PASSWORD Q22']),
  ]
  for (const c of cases) {
    const out = r.scrubPatch(c)
    assert.ok(!/\bQ\d+\b/.test(out), out)
    assert.equal(out.split('\n').length, c.split('\n').length, out)
    assert.equal(r.scrubPatch(out), out, `twice is once: ${out}`)
  }
  // Markdown: every line a command line too (a fence may open outside the hunk), `$ ` prompts,
  // prose that sets a variable; an env file's value over several lines; a value opened empty.
  for (const c of [hunk('README.md', ['docker login -u me -p Q23 reg', '```', 'Set DB_PASSWORD=Q24 in your env.', '$ mysql -pQ25 db', '> $ export API_KEY=Q26']),
    ['diff --git a/.env b/.env', '--- a/.env', '+++ b/.env', '@@ -1,2 +1,2 @@', '-PRIVATE_KEY="Q27', '+PRIVATE_KEY="Q28', ' Q29"', ''].join('\n'),
    hunk('deploy.sh', ["export DB_PASSWORD='", 'Q30', "'"])]) {
    const out = r.scrubPatch(c)
    assert.ok(!/\bQ\d+\b/.test(out), out)
    assert.equal(r.scrubPatch(out), out)
  }
  // Make and Docker settings under a secret name (the names' policy) lose their whole value, a
  // command's (!=) and words too; a reference ($(...), ${...}) and a name that says none are kept.
  for (const c of [hunk('Makefile', ['DB_PASS := Q31', 'PGPASSWORD ?= Q32', 'DB_PASSWORD != echo Q33', 'API_TOKEN := Q34 Q35']),
    hunk('Dockerfile', ['ENV PGPASSWORD Q36', 'ENV API_TOKEN "Q37 Q38"']),
    // An apostrophe earlier in a README's line does not hide the inline code after it.
    hunk('README.md', ["The bot's token is `--token Q39`.", "It's the `DB_PASSWORD=Q40` value"])]) {
    const out = r.scrubPatch(c)
    assert.ok(!/\bQ\d+\b/.test(out), out)
    assert.equal(r.scrubPatch(out), out)
  }
  const refs = hunk('Makefile', ['PASSWORD := $(shell cat pw)', 'DB_PASSWORD := ${DB_PW}'])
  assert.equal(r.scrubPatch(refs), refs)
})

test('scrubMessage: a message\'s words as a command line\'s, its spacing kept; prose stays', () => {
  const cases: Array<[string, string]> = [
    ['after rotation: DB_PASSWORD=M1', 'after rotation: DB_PASSWORD=' + fp('M1')],
    ['export GH_TOKEN=M2', 'export GH_TOKEN=' + fp('M2')],
    ['ran with  --password M3  twice', 'ran with  --password ' + fp('M3') + '  twice'],
    ['api_key=M4', 'api_key=' + fp('M4')],
    ['deploy with ghp_' + alnum(36), 'deploy with ' + fp('ghp_' + alnum(36))],
    ['lr sweep  with  dropout=0.1,\nsee #42', 'lr sweep  with  dropout=0.1,\nsee #42'],
    ['fix: use -p for the port', 'fix: use -p for the port'],
    ['token budget raised to 4096', 'token budget raised to 4096'],
    // Quotes pair up as a shell's do (a secret of several words goes whole); a lone one is prose's.
    ["set DB_PASSWORD='correct horse battery staple' today", 'set DB_PASSWORD=' + fp('correct horse battery staple') + ' today'],
    ['--password "open sesame now"', '--password ' + fp('open sesame now')],
    ["don't use the old 'cache' dir", "don't use the old 'cache' dir"],
    // A value that says there is none is prose's: `fix token=None`.
    ['fix token=None bug, api_key=null default', 'fix token=None bug, api_key=null default'],
    // Contractions pair no quotes; a number may be a PIN.
    ["don't pass --password M5 it's bad", "don't pass --password " + fp('M5') + " it's bad"],
    ["it's DB_PASSWORD=M6 that's new", "it's DB_PASSWORD=" + fp('M6') + " that's new"],
    ['DB_PASSWORD=84736251', 'DB_PASSWORD=' + fp('84736251')],
    ["mysql -p'my secret pw'", 'mysql -p' + fp('my secret pw')],
    // A quoted value after a quote that pairs with nothing (an apostrophe at a word's end).
    ["users' PASSWORD='M7 M8' ok", "users' PASSWORD=" + fp('M7 M8') + ' ok'],
    ["James' --password 'M9 M10'", "James' --password " + fp('M9 M10')],
    // A quoted stretch is read word by word too: a subject line quoting a command.
    ['Revert "ci: pass --token M11 to the deploy step"', 'Revert "ci: pass --token ' + fp('M11') + ' to the deploy step"'],
    ["Merge branch 'use --password M12 in tests'", "Merge branch 'use --password " + fp('M12') + " in tests'"],
    ['', ''],
  ]
  for (const [m, want] of cases) {
    assert.equal(r.scrubMessage(m), want, m)
    assert.equal(r.scrubMessage(want), want, `twice is once: ${m}`)
  }
})

test('a variable\'s value: a connection string\'s PWD, a JAAS password="V", a token as a URL\'s user; others kept', () => {
  const pat = 'abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst'
  const vars = r.redactVars({
    ODBC_EXTRA: 'DRIVER={ODBC Driver 18};SERVER=db;PWD={E1}',
    KAFKA_SASL_JAAS_CONFIG: 'org.apache.kafka.common.security.plain.PlainLoginModule required username="etl" password="E2";',
    PIP_EXTRA_INDEX_URL: `https://${pat}@pkgs.dev.azure.com/o/_packaging/f/pypi/simple/`,
    GIT_URL: 'https://0123456789abcdef0123456789abcdef01234567@github.com/o/r.git',
    SEARCH: 'sort_key="date" label="password" token="hello"',
    REPO: 'https://git@github.com/o/r.git',
    MIRROR: 'https://my-long-user-name-here@mirror.example.com/x',
    OPTS: 'password="${DB_PW}" api_key="EMPTY"',
  })
  assert.equal(vars.ODBC_EXTRA, `DRIVER={ODBC Driver 18};SERVER=db;PWD={${fp('E1')}}`)
  assert.equal(vars.KAFKA_SASL_JAAS_CONFIG, `org.apache.kafka.common.security.plain.PlainLoginModule required username="etl" password="${fp('E2')}";`)
  assert.equal(vars.PIP_EXTRA_INDEX_URL, `https://${fp(pat)}@pkgs.dev.azure.com/o/_packaging/f/pypi/simple/`)
  assert.equal(vars.GIT_URL, `https://${fp('0123456789abcdef0123456789abcdef01234567')}@github.com/o/r.git`)
  assert.equal(vars.SEARCH, 'sort_key="date" label="password" token="hello"')
  assert.equal(vars.REPO, 'https://git@github.com/o/r.git')
  assert.equal(vars.MIRROR, 'https://my-long-user-name-here@mirror.example.com/x')
  // A random token as an https user (base64url, 20 characters or more; HTTPS in capitals too).
  const b64 = 'Xk9_2mQpL7vR4tY8wZ1aB3cD5eF6gH0jK2lM4nP6qS8'
  assert.equal(r.redactVars({ U: `HTTPS://${b64}@git.example.com/o/r.git` }).U, `HTTPS://${fp(b64)}@git.example.com/o/r.git`)
  // An ssh user, and an organisation's or a person's name as an https user, are names, not tokens.
  assert.equal(r.redactVars({ N: 'https://JohnSmith1990Developer@github.com/o/r' }).N, 'https://JohnSmith1990Developer@github.com/o/r')
  assert.equal(r.redactVars({ U: 'https://x7Kq9LmP2vR8sT4wY6zA5@github.com/o/r.git' }).U, `https://${fp('x7Kq9LmP2vR8sT4wY6zA5')}@github.com/o/r.git`)
  assert.deepEqual(r.redactVars({ D: 'ssh://deploy0user0production01abcdefghijk@host.example.com/x', A: 'https://fabrikam-research-lab2024-abcdefghijkl@dev.azure.com/x' }),
    { D: 'ssh://deploy0user0production01abcdefghijk@host.example.com/x', A: 'https://fabrikam-research-lab2024-abcdefghijkl@dev.azure.com/x' })
  // A JAAS line or a connection string as a setting's value in argv, and as a parameter's.
  assert.deepEqual(r.redactArgv(['spark-submit', '--conf', 'spark.jaas.config=PlainLoginModule required password="E3";', '--conf', 'x=Driver={x};PWD={E4};']),
    ['spark-submit', '--conf', `spark.jaas.config=PlainLoginModule required password="${fp('E3')}";`, '--conf', `x=Driver={x};PWD={${fp('E4')}};`])
  assert.deepEqual(r.redactParams({ kafka: { jaas: 'PlainLoginModule required password="E5";' } }), { kafka: { jaas: `PlainLoginModule required password="${fp('E5')}";` } })
  assert.equal(r.redactVars({ J: 'password="E6\\"x";' }).J, `password="${fp('E6\\"x')}";`)
  assert.equal(vars.OPTS, 'password="${DB_PW}" api_key="EMPTY"')
  assert.deepEqual(r.redactVars(vars), vars)
})

test('scrubLog: what a command printed, as a log: a header, a secret name to the end of its line, words as a message has them; the rest kept', () => {
  const fp = (v: string): string => r.fingerprint(v)
  const table: Array<[string, string]> = [
    ['password = correct horse 1', `password = ${fp('correct horse 1')}`],
    ['INFO connecting with token=abc1defghij', `INFO connecting with token=${fp('abc1defghij')}`],
    ['mysql -u root -pSecretPw1', `mysql -u root -p${fp('SecretPw1')}`],
    ['curl --password sec1 https://x', `curl --password ${fp('sec1')} https://x`],
    ['Authorization: token abcdef0123456789abcdef', `Authorization: token ${fp('abcdef0123456789abcdef')}`],
    ['  db_password: hunter2a', `  db_password: ${fp('hunter2a')}`],
    ['api_key: None', 'api_key: None'],
    ['token = ${TOKEN}', 'token = ${TOKEN}'],
    ['epoch 3 loss 0.25 accuracy 0.91', 'epoch 3 loss 0.25 accuracy 0.91'],
    ['Loading tokenizer: bert-base-uncased', 'Loading tokenizer: bert-base-uncased'],
    ['using model key_size=128 tokens=512', 'using model key_size=128 tokens=512'],
    ['Epoch 1/10 - loss: 0.3 - accuracy: 0.9', 'Epoch 1/10 - loss: 0.3 - accuracy: 0.9'],
  ]
  for (const [line, want] of table) assert.equal(r.scrubLog(line), want, line)
  // Line by line, the text whole: a line's secret does not reach the next.
  assert.equal(r.scrubLog('step 1\npassword = a b\nstep 2\n'), `step 1\npassword = ${fp('a b')}\nstep 2\n`)
})

test("scrubLog: the first secret name on a line with a value, not only the line's first name, quoted too (a Python dict printed); in linear time", () => {
  const fp = (v: string): string => r.fingerprint(v)
  const table: Array<[string, string]> = [
    ["{'password': 'hunter2a'}", `{'password': ${fp("'hunter2a'}")}`],
    ["INFO args: {'lr': 0.1, 'api_token': 'hunter2a'}", `INFO args: {'lr': 0.1, 'api_token': ${fp("'hunter2a'}")}`],
    ['user=bob password: hunter 2a', `user=bob password: ${fp('hunter 2a')}`],
    ['lr=0.1 password=hunter 2a', `lr=0.1 password=${fp('hunter 2a')}`],
    ['{"secret" : "hunter2a"}', `{"secret" : ${fp('"hunter2a"}')}`],
    ["{'api_key': None, 'lr': 0.1}", `{'api_key': ${fp("None, 'lr': 0.1}")}`],
    ["{'lr': 0.1, 'batch': 32}", "{'lr': 0.1, 'batch': 32}"],
    ['user=bob token = ${TOKEN}', 'user=bob token = ${TOKEN}'],
  ]
  for (const [line, want] of table) assert.equal(r.scrubLog(line), want, line)
  // 64 KiB (the most of a stream diff shows) of names no separator follows: a name is tried
  // once, not from each of its characters.
  for (const text of ['a.'.repeat(32 * 1024), 'x ' + 'a-'.repeat(32 * 1024), 'eyJ' + 'a.'.repeat(32 * 1024), '-p'.repeat(32 * 1024)]) {
    const t = performance.now()
    r.scrubLog(text)
    assert.ok(performance.now() - t < 500, `${text.slice(0, 8)}...: ${Math.round(performance.now() - t)} ms`)
  }
})

test("a shell script's quoted word that is a configuration line, `echo \"password = V\"`, loses V as `password=V` does; prose, code and references stay", () => {
  const fp = (v: string): string => r.fingerprint(v)
  const table: Array<[string, string]> = [
    ['echo "password = hunter2"', `echo "password = ${fp('hunter2')}"`],
    ["echo 'password: hunter2'", `echo 'password: ${fp('hunter2')}'`],
    ['echo "password=hunter2"', `echo "password=${fp('hunter2')}"`],
    ["printf '%s\\n' \"db_password = s3cret\" > cfg.ini", `printf '%s\\n' "db_password = ${fp('s3cret')}" > cfg.ini`],
    ['echo "export DB_PASSWORD=s3cret" >> .env', `echo "export DB_PASSWORD=${fp('s3cret')}" >> .env`],
    ['echo "  api_key: \'k3y\'"', `echo "  api_key: '${fp('k3y')}'"`],
    ['echo "API_TOKEN := s3cret"', `echo "API_TOKEN := ${fp('s3cret')}"`],
  ]
  for (const [script, want] of table) {
    const once = r.redactArgv(['sh', '-c', script])
    assert.equal(once[2], want, script)
    assert.deepEqual(r.redactArgv(once), once, `twice is once: ${script}`)
    assert.equal(spawnSync('bash', ['-n', '-c', once[2]!]).status, 0, once[2])
  }
  const same = [
    'echo "token: none"',
    'echo "password = $PW"',
    'echo "password = ${DB_PASSWORD}" > cfg.ini',
    'echo "password: $(cat pw.txt)"',
    'git commit -m "auth: use oauth2"',
    'echo "password is required"',
    'echo "max_tokens = 4096"',
    'python3 -c "token = t; print(token)"',
    'echo "password = a b" # two words: no configuration line',
    'bash -c "token = x"',
  ]
  for (const script of same) assert.deepEqual(r.redactArgv(['sh', '-c', script]), ['sh', '-c', script], script)
  // The same words as a command line prov runs itself, with no shell: the same.
  assert.deepEqual(r.redactArgv(['echo', 'password = hunter2']), ['echo', `password = ${fp('hunter2')}`])
  assert.deepEqual(r.redactArgv(['sudo', 'tee', '-a', 'cfg.ini', 'api_key: k3y9']), ['sudo', 'tee', '-a', 'cfg.ini', `api_key: ${fp('k3y9')}`])
  for (const argv of [['echo', 'password is required'], ['git', 'commit', '-m', 'auth: use oauth2'], ['python3', '-c', 'token = t; print(token)'], ['bash', '-c', 'token = x'], ['echo', 'password = $PW']]) {
    assert.deepEqual(r.redactArgv(argv), argv, argv.join(' '))
  }
  // An interpreter's code run through a program that only runs another is kept as it is without
  // one (`k` is a variable there); a configuration line through one still loses its value.
  for (const wrapper of [['nice'], ['timeout', '60'], ['time'], ['nohup'], ['env', '-i'], ['env', '-u', 'X'], ['/usr/bin/env'], ['sudo', '-E'], ['sudo', '-u', 'bob'], ['nice', 'sudo', '-E']]) {
    const argv = [...wrapper, 'python3', '-c', 'api_key = k']
    assert.deepEqual(r.redactArgv(argv), argv, argv.join(' '))
    assert.deepEqual(r.redactArgv([...wrapper, 'echo', 'password = hunter2']), [...wrapper, 'echo', `password = ${fp('hunter2')}`], wrapper.join(' '))
  }
})

test('scrubLog: prose, a secret name then its value after a space (`Token V`, `password is V`) and printed pairs (`(\'password\', \'V\')`); ordinary English kept', () => {
  const fp = (v: string): string => r.fingerprint(v)
  const table: Array<[string, string]> = [
    ['password is hunter2', `password is ${fp('hunter2')}`],
    ['Token hunter2', `Token ${fp('hunter2')}`],
    ["('password', 'hunter2')", `('password', '${fp('hunter2')}')`],
    ['INFO: Token hunter2.', `INFO: Token ${fp('hunter2')}.`],
    ['WARN - Token aBcDeFg used', `WARN - Token ${fp('aBcDeFg')} used`],
    ['(password is p@ss)', `(password is ${fp('p@ss')})`],
    ['  password was 1234', `  password was ${fp('1234')}`],
    ['Token 1234abcd', `Token ${fp('1234abcd')}`],
    // With `is` or `was`, after a word too.
    ['The password is hunter2x', `The password is ${fp('hunter2x')}`],
    ["Your password is 'hunter'", `Your password is '${fp('hunter')}'`],
    ['Default admin password was admin123.', `Default admin password was ${fp('admin123')}.`],
    ['the token is ghx8f7s6d5a4q3', `the token is ${fp('ghx8f7s6d5a4q3')}`],
    ["password is 'correct horse'", `password is '${fp('correct horse')}'`],
    ["[('user', 'bob'), ('db_password', \"hunter\")]", `[('user', 'bob'), ('db_password', "${fp('hunter')}")]`],
    ["('token', 'ghx8f7s6d5a4q3')", `('token', '${fp('ghx8f7s6d5a4q3')}')`],
    // Kept: English after the name (letters alone), short numbers, no name at a line's start or after punctuation.
    ['Token count 42', 'Token count 42'],
    ['password is required', 'password is required'],
    ['the key is missing', 'the key is missing'],
    ['Token expired', 'Token expired'],
    ['Password reset-link sent', 'Password reset-link sent'],
    ['Token 3 of 10', 'Token 3 of 10'],
    ['The password is incorrect', 'The password is incorrect'],
    ['The secret is out', 'The secret is out'],
    ['The token is expired', 'The token is expired'],
    ['The token is 50256', 'The token is 50256'],
    ["The token is 'hello'", "The token is 'hello'"],
    ['the password is None', 'the password is None'],
    ['password is None', 'password is None'],
    ['token expired; password is ${PW}', 'token expired; password is ${PW}'],
    ['Set the password hunter2', 'Set the password hunter2'],
    ['Session 12345 started', 'Session 12345 started'],
    ['Secret Santa', 'Secret Santa'],
    ["[('token', 'The'), ('token', 'cat2')]", "[('token', 'The'), ('token', 'cat2')]"],
    ["('user', 'bob1234')", "('user', 'bob1234')"],
    // A number after a bare `token` is a count, a position or an id (tokenizers' and trainers' logs).
    ['Token 5000/10000', 'Token 5000/10000'],
    ['INFO: Token 5000/10000 (50%)', 'INFO: Token 5000/10000 (50%)'],
    ['token 1234 of 5000', 'token 1234 of 5000'],
    ['Token 50256 (eos)', 'Token 50256 (eos)'],
    ['[INFO] Token 50256 is the eos token', '[INFO] Token 50256 is the eos token'],
    ['token 1,234,567', 'token 1,234,567'],
    ["('token', '123456789012')", "('token', '123456789012')"],
  ]
  for (const [line, want] of table) {
    assert.equal(r.scrubLog(line), want, line)
    assert.equal(r.scrubLog(want), want, `twice is once: ${line}`)
  }
})

test("scrubLog: a file's name before a download's progress is no secret's name (Hugging Face's tokenizer_config.json: 100%...); a dotted key still is", () => {
  const fp = (v: string): string => r.fingerprint(v)
  const kept = [
    'tokenizer_config.json: 100%|##########| 2.32k/2.32k [00:00<00:00, 1.2MB/s]',
    'tokenizer.json: 100%|##########| 2.11M/2.11M [00:00<00:00, 12.3MB/s]',
    'special_tokens_map.json: 100%|##########| 2.20k/2.20k [00:00<00:00, 3.1MB/s]',
    'added_tokens.json: 100%|##########| 21.0/21.0 [00:00<00:00, 40.1kB/s]',
    'tokenizer.model: 100%|##########| 500k/500k [00:00<00:00, 9.8MB/s]',
  ]
  for (const line of kept) assert.equal(r.scrubLog(line), line, line)
  const table: Array<[string, string]> = [
    ['db.password: hunter2x', `db.password: ${fp('hunter2x')}`],
    ['hub.token = hunter2x', `hub.token = ${fp('hunter2x')}`],
    ['secret_json: hunter2x', `secret_json: ${fp('hunter2x')}`],
  ]
  for (const [line, want] of table) assert.equal(r.scrubLog(line), want, line)
})

test('scrubLog: prose is read in linear time: 64 KiB of adversarial text takes about four times what 16 KiB does, not sixteen', () => {
  const texts: Array<(n: number) => string> = [
    (n) => '! token '.repeat(n / 8),
    (n) => '!' + ' '.repeat(n) + 'token',
    (n) => "('token', 'x'), ".repeat(n / 16),
    (n) => '(' + 'token'.repeat(n / 5),
    (n) => "! token '" + 'x'.repeat(n),
    (n) => '- token\t'.repeat(n / 8),
    (n) => 'a password is '.repeat(n / 14),
    (n) => 'a ' + 'p'.repeat(n) + ' is x',
    (n) => 'a password' + ' '.repeat(n) + 'is x',
  ]
  // The best of three (a collection or a compilation in one run is no part of the cost).
  const time = (text: string): number => {
    let best = Infinity
    for (let k = 0; k < 3; k++) {
      const t = performance.now()
      r.scrubLog(text)
      best = Math.min(best, performance.now() - t)
    }
    return best
  }
  for (const make of texts) {
    const small = time(make(16 * 1024))
    const large = time(make(64 * 1024))
    // (Linear is 4; quadratic 16. A floor of 5 ms on the small one keeps timer noise out.)
    assert.ok(large / Math.max(small, 5) < 10, `${make(16).slice(0, 12)}...: ${small.toFixed(1)} ms, then ${large.toFixed(1)} ms`)
  }
})

test("scrubFileText: Python's triple-quoted values and make's assignments (`:=`, `::=`, `?=`, `+=`); make's references kept", () => {
  const fp = (v: string): string => r.fingerprint(v)
  const table: Array<[string, string]> = [
    ['PASSWORD = """hunter2"""', `PASSWORD = """${fp('hunter2')}"""`],
    ["api_key = '''k3y-value'''", `api_key = '''${fp('k3y-value')}'''`],
    ['API_TOKEN := hunter2', `API_TOKEN := ${fp('hunter2')}`],
    ['DB_PASS ::= hunter2', `DB_PASS ::= ${fp('hunter2')}`],
    ['API_TOKEN ?= hunter2', `API_TOKEN ?= ${fp('hunter2')}`],
    ['API_TOKEN += hunter2', `API_TOKEN += ${fp('hunter2')}`],
    ['API_TOKEN := $${SECRET}', 'API_TOKEN := $${SECRET}'],
    ['API_TOKEN := $(SECRET)', 'API_TOKEN := $(SECRET)'],
    ['API_TOKEN != pass show api', 'API_TOKEN != pass show api'],
    ['API_TOKEN != get-token', 'API_TOKEN != get-token'],
    ['DOC = """a docstring"""', 'DOC = """a docstring"""'],
    ['JOBS := 4', 'JOBS := 4'],
  ]
  for (const [text, want] of table) {
    assert.equal(r.scrubFileText(text), want, text)
    assert.equal(r.scrubFileText(want), want, `twice is once: ${text}`)
  }
  // A here-document written to a configuration file, read as one.
  assert.deepEqual(r.redactArgv(['sh', '-c', 'cat > s.cfg <<EOF\nPASSWORD = """hunter2"""\nEOF']), ['sh', '-c', `cat > s.cfg <<EOF\nPASSWORD = """${fp('hunter2')}"""\nEOF`])
  // A Makefile's assignment of make's escape for the shell's `${X}` is a reference, as `$(X)` is.
  const mk = (line: string): string => `diff --git a/Makefile b/Makefile\n--- a/Makefile\n+++ b/Makefile\n@@ -0,0 +1 @@\n+${line}`
  for (const line of ['API_TOKEN := $${SECRET}', 'API_TOKEN = $(SECRET)', 'DB_PASS ?= ${SECRET}']) assert.equal(r.scrubPatch(mk(line)), mk(line), line)
  assert.equal(r.scrubPatch(mk('API_TOKEN := hunter2')), mk(`API_TOKEN := ${fp('hunter2')}`))
})

import { nodeCrypto } from './crypto.js'
import { parseAssignment, typeParamValue } from './params.js'
import { MAX_PARAM_DEPTH } from './canonical.js'
import { SHAPES_WITH_EXCEPTIONS, replaceShapes } from './secret-shapes.js'
import { expansionAt, readShellScript, shellQuote, type ShellCommand, type ShellWord } from './shell-words.js'
import { unwrapCommand } from './interpreter.js'
import { commandName, planToolWords, readsSecretByRule, SHELLS, type PlannedWord } from './tool-rules.js'
import { globToRegExp } from './env-vars.js'

/**
 * Secret scrubbing. A secret's value is replaced by a keyed fingerprint,
 * "[redacted hmac-sha256:<32 hex>]", an HMAC-SHA-256 under a key kept in the store and never
 * recorded: the same value always gives the same fingerprint (so diff sees a change), and
 * without the key no dictionary attack reverses it.
 */

/** Environment variable names that hold secrets (globs, case-insensitive). */
export const SECRET_NAME_GLOBS: readonly string[] = [
  '*TOKEN*', '*SECRET*', '*PASSWORD*', '*PASSWD*', '*PASSPHRASE*', '*_PWD', '*_PASS', 'PGPASS*',
  '*_KEY', '*_KEY_*', 'KEY', '*APIKEY*', '*API_KEY*', '*ACCESS_KEY*', '*PRIVATE*',
  '*CREDENTIAL*', '*AUTH*', '*COOKIE*', '*SESSION*', '*SIGNATURE*', '*_PAT', '*CONNECTION_STRING*',
  'AWS_*KEY*', 'DATABASE_URL', '*_DSN', '*STOREPASS', '*KEYPASS',
]

/**
 * Names kept as they are though they match a glob above (their values are still scanned): git's
 * identity variables, and the everyday words of ML and data configurations that hold no secret
 * (a tokenizer, token counts, a tokenizer's special tokens, authors, sort and join keys), which
 * would otherwise hide the very parameters a diff is read for; and names whose last word says
 * they hold a setting about a secret, not one (AUTH_MODE, SECRET_NAME, --token-budget,
 * SESSION_TIMEOUT, KEY_SIZE). A name with more words after these (TOKENIZER_API_KEY) is judged
 * by the globs above. (PRIMARY_KEY is left out: Azure calls
 * its access keys so.) The user's own lists beat these: `--redact-var PAD_TOKEN` redacts it.
 */
export const SAFE_NAME_GLOBS: readonly string[] = [
  'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_AUTHOR_DATE', 'SSH_AUTH_SOCK_DIR',
  'TOKENIZER', '*_TOKENIZER', 'TOKENIZERS', 'TOKENIZER_NAME', 'TOKENIZER_PATH', 'TOKENIZER_NAME_OR_PATH', 'TOKENIZERS_PARALLELISM',
  'TOKENS', 'MAX_*TOKENS', 'MIN_*TOKENS', 'NUM_*TOKENS', 'N_TOKENS', 'TOTAL_TOKENS', 'TOKENS_PER_*',
  'PAD_TOKEN', 'EOS_TOKEN', 'BOS_TOKEN', 'UNK_TOKEN', 'SEP_TOKEN', 'CLS_TOKEN', 'MASK_TOKEN',
  'STOP_TOKEN', 'START_TOKEN', 'END_TOKEN', 'RESPONSE_TOKEN', 'INSTRUCTION_TOKEN', 'IMAGE_TOKEN', 'EOT_TOKEN', 'EOD_TOKEN',
  'VIDEO_TOKEN', 'AUDIO_TOKEN', 'PLACEHOLDER_TOKEN', 'INITIALIZER_TOKEN',
  '*_TOKEN_ID', '*_TOKEN_IDS', 'SPECIAL_TOKENS', 'ADDITIONAL_SPECIAL_TOKENS',
  'AUTHOR', 'AUTHORS', '*_AUTHOR', '*_AUTHORS', '*AUTHOR_NAME', '*AUTHOR_EMAIL', '*AUTHOR_URL',
  'SORT_KEY', 'SORT_KEYS', 'PARTITION_KEY', 'PARTITION_KEYS', 'JOIN_KEY', 'JOIN_KEYS', 'GROUP_KEY', 'FOREIGN_KEY',
  'LABEL_KEY', 'RNG_KEY', 'PRNG_KEY',
  'FIRST_PASS', 'SECOND_PASS', 'SINGLE_PASS', 'MULTI_PASS', 'TWO_PASS', 'GLOB_PAT', 'FILE_PAT',
  'STRICT_HOST_KEY_CHECKING', 'HOST_KEY_ALGORITHMS', 'HOST_KEY_ALIAS', 'UPDATE_HOST_KEYS', 'VERIFY_HOST_KEY_DNS',
  'PASSWORD_AUTHENTICATION', 'PUBKEY_AUTHENTICATION', 'KBD_INTERACTIVE_AUTHENTICATION', 'HOSTBASED_AUTHENTICATION',
  'GSSAPIAUTHENTICATION', 'CHALLENGE_RESPONSE_AUTHENTICATION', 'PREFERRED_AUTHENTICATIONS', 'PUBKEY_ACCEPTED_ALGORITHMS',
  'CO_AUTHORED_BY',
  '*_MODE', '*_NAME', '*_BUDGET', '*_LIMIT', '*_DROPOUT', '*_TIMEOUT', '*_TTL', '*_TYPE', '*_ENABLED', '*_COUNT',
  '*_SIZE', '*_LENGTH', '*_LEN', '*_DIM', '*_PROVIDER', '*_METHOD',
]

export { SECRET_VALUE_PATTERNS } from './secret-shapes.js'
// (Defined beside the noise variables, which snapshot-env matches without loading this module.)
export { globToRegExp }

export const REDACTED_RE = /^\[redacted hmac-sha256:[0-9a-f]{32}\]$/

/**
 * A key's id: the first 64 bits of HMAC-SHA-256(key, "prov key id"), 16 lowercase hex digits.
 * Runs record it (env.key_id) so that diff can tell fingerprints made under two keys (two clones'
 * stores) from a secret that changed; like a fingerprint, it reveals nothing of the key.
 */
export function keyIdOf(key: Buffer): string {
  return nodeCrypto().createHmac('sha256', key).update('prov key id', 'utf8').digest('hex').slice(0, 16)
}

/** `?name=value`, `&name=value` or `#name=value` (OAuth's fragment) in a URL (a fingerprint already there is left as it is). */
const QUERY_PARAM_RE = /([?&;#])([A-Za-z0-9_.~-]+)=(?!\[redacted )([^&#;\s"'<>]+)/g
/** A header, `Name: value` or `Name:value`, as the value of -H/--header (curl, wget). */
const HEADER_RE = /^[A-Za-z][A-Za-z0-9_-]*:/
/** curl's -u or -U, alone or after its short flags that take no value (-sSu); and joined to its value. */
const CURL_USER_FLAG = /^-[sSLkvifIjnGNOqR0-6]*[uU]$/
const CURL_USER_JOINED = /^(--user=|--proxy-user=|-[sSLkvifIjnGNOqR0-6]*[uU])(.+)$/s
/** Commands that run the command after them (for curl's options behind one). */
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'time', 'nice', 'ionice', 'nohup', 'timeout', 'xargs', 'watch', 'stdbuf', 'command', 'exec',
  'gosu', 'su-exec', 'setpriv', 'setsid', 'chrt', 'taskset', 'numactl', 'strace', 'ltrace', 'valgrind', 'dumb-init', 'tini', 'torsocks',
  'proxychains', 'proxychains4', 'firejail', 'unbuffer', 'flock', 'npx', 'pnpx', 'bunx', 'uvx'])
/** `-Dname=value`, Java's system properties (in JAVA_TOOL_OPTIONS, MAVEN_OPTS, a command line). */
const SYSTEM_PROPERTY_RE = /(^|[\s=])(-D)([A-Za-z0-9_.-]+)=(?!['"]?\[redacted )(\S+)/g
/** Commands that run a command given after them in another place: a container, a pod, a host. */
const RUNNERS = new Set(['direnv', 'nix', 'op', 'aws-vault', 'chamber', 'infisical', 'dotenv', 'envchain', 'summon', 'apptainer', 'singularity', 'uv', 'poetry', 'pipenv', 'conda', 'mamba', 'micromamba', 'pixi', 'hatch', 'pdm', 'bundle', 'pnpm', 'yarn', 'npm', 'docker', 'docker-compose', 'podman', 'podman-compose', 'nerdctl', 'kubectl', 'oc', 'ssh', 'sshpass', 'flatpak-spawn', 'chroot', 'nsenter', 'unshare', 'srun', 'mpirun', 'vagrant'])
/** Tools whose one-letter option is a password: the option, and whether it takes the next word (else only joined, -pV). */
const PASSWORD_OPTIONS = new Map<string, readonly [string, boolean]>([
  // MySQL's clients: -pPASSWORD joined; -p alone asks for it, and the next word is a database.
  ...['mysql', 'mysqldump', 'mysqladmin', 'mysqlimport', 'mysqlshow', 'mysqlcheck', 'mysqlpump', 'mysqlslap', 'mariadb', 'mariadb-dump',
    'mariadb-admin', 'mariadb-import', 'mariadb-show', 'mariadb-check', 'mariadb-slap', '7z', '7za', '7zr'].map((t) => [t, ['-p', false]] as const),
  ['sshpass', ['-p', true]], ['redis-cli', ['-a', true]], ['twine', ['-p', true]], ['sqlcmd', ['-P', true]], ['bcp', ['-P', true]],
  ['zip', ['-P', true]], ['unzip', ['-P', true]],
  ...['mongo', 'mongosh', 'mongodump', 'mongorestore', 'mongoexport', 'mongoimport', 'mongostat', 'mongotop'].map((t) => [t, ['-p', true]] as const),
  ...['ldapsearch', 'ldapadd', 'ldapmodify', 'ldapdelete', 'ldapwhoami', 'ldappasswd', 'ldapcompare', 'ldapmodrdn', 'ldapexop'].map((t) => [t, ['-w', true]] as const),
])
/** Tools whose `set NAME V` (`modify`) sets a configuration value: npm, aws, pulumi, dvc (`remote modify R password V`). */
const CONFIG_TOOLS = new Set(['npm', 'yarn', 'pnpm', 'aws', 'pulumi', 'dvc'])
/** Tools that take a token as the word after a subcommand: `wandb login KEY`, `vault login TOKEN`, `ngrok authtoken T`. */
const POSITIONAL_TOKEN = new Map([['wandb', 'login'], ['vault', 'login'], ['ngrok', 'authtoken'], ['heroku', 'auth:token'], ['doctl', 'init']])
/** Commands whose `login` takes a password with -p (`docker login -u u -p V registry`). */
const LOGIN_TOOLS = new Set(['docker', 'podman', 'nerdctl', 'buildah', 'skopeo', 'helm', 'oras', 'crane', 'oc', 'az', 'regctl', 'cosign'])
/** A port mapping, `-p3306:3306`, `-p127.0.0.1:80:80/tcp`: no password. */
const PORT_MAPPING = /^[\d.:]*\d:\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/
/** ssh's short options that take a value, joined (`-p22`) or as the next word. */
const SSH_OPTION = /^-([46AaCfGgKkMNnqsTtVvXxYy]*)(?:([BbcDEeFIiJLlmOoPpRSWw])(.*))?$/s
/** A shell's long options that take the next word as their value (its -o and -O do, grouped too). */
const SHELL_LONG_WITH_VALUE = new Set(['--rcfile', '--init-file', '--init-command'])
/** Commands whose `-c SCRIPT` may come after other words (`su - app -c SCRIPT`, `flock f -c SCRIPT`). */
const LATE_C = new Set(['su', 'runuser', 'flock', 'script'])
/** Commands that join their words into a script for a shell (as ssh's remote command is). */
const JOINS_SCRIPT = new Set(['eval', 'watch'])

/** sudo's options that take the next word as their value (`-u bob`): the command comes after it. */
const SUDO_VALUED = new Set(['-u', '-g', '-p', '-C', '-D', '-h', '-r', '-t', '-U', '-T'])
/** Words at a simple command's start that are not its command: `if`, `!`, `{`, `NAME=V`. */
const COMMAND_PREFIX = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time', 'coproc'])
/** A parameter named as it is, which names a secret without holding it: `$PW`, `${TOKEN}`, `${#A[@]}`. */
const PARAMETER_REF = /\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]|\{[#!]?(?:[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]{}]*\])?|[0-9@*#?$!-])(?::?[-=]|:?\?[^}]*)?\})/y
/** Kept in a script: a case pattern's glob (`--password=*)`), a format (`printf 'password: %s\n' "$PW"`). */
const KEPT_IN_SCRIPTS = /^(?:[*?]+|(?:%[-#0 +']*[0-9]*(?:\.[0-9]+)?[a-zA-Z]|\\[nt]|[ \t])+)$/
/** Variables and settings whose value is a command line (GIT_SSH_COMMAND, core.sshCommand, RSYNC_RSH, ssh's ProxyCommand). */
const COMMAND_VALUED = /^(?:[A-Za-z0-9_]*_SSH_COMMAND|GIT_SSH_COMMAND|sshCommand|[A-Za-z0-9_]*_RSH|GIT_PROXY_COMMAND|ProxyCommand|LocalCommand|RemoteCommand)$/i
/** A flag that makes a command read a secret on its standard input: `--password-stdin`, gh's `--with-token`. */
const READS_SECRET_FLAG = /^(?:--?[A-Za-z][A-Za-z0-9_-]*-stdin|--with-token)$/
/** Interpreters, which read a program's code (`python3 -c CODE`, `node <<EOF`). */
const INTERPRETER = /^(?:python[0-9.]*|node|deno|bun|ruby|perl|php|Rscript|R|julia|lua|tclsh|osascript|jshell|groovy|scala|kotlin)$/
/** Scripts nested deeper than this (`sh -c` in `$( )` in ...) are fingerprinted whole. */
const MAX_SCRIPT_DEPTH = 16

/** Commands that pass the text piped into them on, changed (a secret's newline cut, its encoding). */
const PIPE_FILTERS = new Set(['tr', 'sed', 'head', 'tail', 'cut', 'base64', 'awk', 'xxd', 'iconv', 'dos2unix', 'cat', 'tee', 'sort', 'uniq', 'rev', 'openssl'])

const NO_POSITIONALS: ReadonlySet<number> = new Set()
const NO_USES: ReadonlyMap<string, number> = new Map()
/** A parameter's name in a text (`$PASS`, `${PASS}`, `$1`, not `$10`'s digits). */
const PARAMETER_NAME = /\$\{?([A-Za-z_][A-Za-z0-9_]*|[1-9](?![0-9]))/g
const PARAMETER_NAME_AT = new RegExp(PARAMETER_NAME.source, 'y')
/** A word that a shell would read as more than one word, or as syntax. */
const SHELL_SYNTAX = /[\s;&|<>()$`'"\\]/
const ASSIGNMENT_WORD = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/s
/** A libpq connection string: two or more `name=value` pairs separated by spaces, and nothing else. */
const SPACE_PAIRS = /^\s*[A-Za-z_][A-Za-z0-9_.-]*[ \t]{0,16}=[ \t]{0,16}(?:\[redacted hmac-sha256:[0-9a-f]{32}\]|'(?:[^'\\]|\\.){0,4096}'|[^\s'=]*)(?:\s+[A-Za-z_][A-Za-z0-9_.-]*[ \t]{0,16}=[ \t]{0,16}(?:\[redacted hmac-sha256:[0-9a-f]{32}\]|'(?:[^'\\]|\\.){0,4096}'|[^\s'=]*))+\s*$/
/** An ODBC or ADO.NET connection string: `name=value` pairs separated by semicolons, and nothing else. */
const SEMICOLON_PAIRS = /^[ \t]*[A-Za-z_][A-Za-z0-9_.-]*(?: [A-Za-z0-9_.-]+){0,3}[ \t]{0,16}=[ \t]{0,16}(?:\{[^}]{0,4096}\}|"[^"]{0,4096}"|[^;"{]*)(?:[ \t]*;[ \t]*[A-Za-z_][A-Za-z0-9_.-]*(?: [A-Za-z0-9_.-]+){0,3}[ \t]{0,16}=[ \t]{0,16}(?:\{[^}]{0,4096}\}|"[^"]{0,4096}"|[^;"{]*))*[ \t]*;?[ \t]*$/
/** libpq's keywords, one of which a connection string names. */
const LIBPQ_KEYWORD = /(?:^|\s)(?:host|hostaddr|port|dbname|user|service|sslmode|application_name|connect_timeout)[ \t]*=/
/** ODBC's and ADO.NET's (and Azure storage's) keywords, one of which a connection string names. */
const ODBC_KEYWORD = /(?:^|;)[ \t]*(?:server|data source|driver|dsn|host|address|addr|database|initial catalog|uid|user id|provider|accountname|defaultendpointsprotocol|endpoint)[ \t]*=/i
/** `name=V,name=V`: two or more assignments joined by commas. */
const COMMA_ASSIGNMENTS = /^[A-Za-z_][A-Za-z0-9_.-]*=[^,]*(?:,[A-Za-z_][A-Za-z0-9_.-]*=[^,]*)+$/
/** A fingerprint as it goes into a script unquoted: quoted, as one word. */
const FINGERPRINT_IN_TEXT = /\[redacted hmac-sha256:[0-9a-f]{32}\]/g
/**
 * Names that say a secret outright, for JSON members in any text: a request's `"session_id"`,
 * `"key"` or `"auth": "none"` is data, its `"password"` or `"api_key"` is not.
 */
const STRONG_SECRET_NAME = /pass(?:word|wd|phrase)|secret|token|api_?key|access_?key|private_?key|credential/i
/** `"name": "value"`, a JSON string member. */
const JSON_MEMBER_RE = /"([A-Za-z_$][A-Za-z0-9_.$-]*)"([ \t]{0,16}:[ \t]{0,16})"((?:[^"\\\n]|\\.){0,4096})"/g
/** A message's words, as a shell splits them where quotes pair up. */
const MESSAGE_SHELL_WORDS = /(?:\[redacted hmac-sha256:[0-9a-f]{32}\]|'[^'\n]*'|"[^"\n]*"|[^\s'"]|['"])+/g
/** A message's words between spaces. */
const MESSAGE_SPACE_WORDS = /(?:\[redacted hmac-sha256:[0-9a-f]{32}\]|\S)+/g
/**
 * A message's words between spaces, a quoted value after a name's `=` (`--password='a b'`, up to
 * the next such quote) or after a space one word; a name is tried only where no name's character
 * stands before it, so that a long word costs no more than its length.
 */
const MESSAGE_QUOTED_WORDS = /(?:\[redacted hmac-sha256:[0-9a-f]{32}\]|(?<![\w.-])-{0,2}[A-Za-z_][\w.-]*=(?:'[^'\n]*'|"[^"\n]*")|(?<=^|\s)(?:'[^'\n]*'|"[^"\n]*")(?=\s|$)|\S)+/g

/**
 * The apostrophes between letters (`don't`) as \u0001, one for one, so that they pair no quotes;
 * not in a word that is an option or holds a name's `=` (`-p'my pw'`, `PW='a b'`). Linear.
 */
function maskApostrophes(t: string): string {
  if (!t.includes("'")) return t
  let out = ''
  let option = false
  let assigned = false
  let start = true
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { start = true; option = false; assigned = false; out += c; continue }
    if (start) { option = c === '-'; start = false }
    if (c === '=') assigned = true
    out += c === "'" && !option && !assigned && /[A-Za-z]/.test(t[i - 1] ?? '') && /[A-Za-z]/.test(t[i + 1] ?? '') ? '\u0001' : c
  }
  return out
}

/** What a message says is no secret where a value would stand: `token=None`, `--password none`, `${PW}` (a number may be a PIN). */
const MESSAGE_NO_SECRET = /^(?:none|null|nil|undefined|true|false|~|\$\{[^}]*\}|\$[A-Za-z_]\w*|<[^>]*>)$/i
/** `name="V"` or `name='V'` within a variable's value (not `==`, `!=`, `<=`): a JAAS configuration's `password="V";`. */
const QUOTED_ASSIGNMENT_RE = /(^|[^\w.$-])([A-Za-z_][A-Za-z0-9_.-]{0,128})([ \t]{0,4}(?<![=!<>])=[ \t]{0,4})(["'])((?:(?!\4)[^\n\\]|\\.){1,4096})\4/g
/** SQL's `PASSWORD 'V'`, `IDENTIFIED BY 'V'`. */
const SQL_PASSWORD_RE = /((?<![-\w])(?:(?<=SET[ \t]{1,16})PASSWORD(?:[ \t]{1,16}FOR[ \t]{1,16}[^\s=]{1,256})?[ \t]{0,16}=[ \t]{0,16}|PASSWORD[ \t]{1,16}|IDENTIFIED(?:[ \t]{1,16}WITH[ \t]{1,16}\S{1,64})?[ \t]{1,16}BY[ \t]{1,16}))'((?:[^'\n\\]|''){0,4096})'/gi
/**
 * A key whose last word says it holds a secret: `password`, `db_password`, `apiKey`, `client_secret`,
 * `access_token`, `aws_secret_access_key`; not `password_file`, `token_url`, `tokenizer_class`,
 * `secret_name`, `passwordPolicy`, whose values name or describe one. (Matched on the key with
 * camelCase words split and `-`, `.` as `_`, lower case.)
 */
const SECRET_KEY_LAST_WORD = /(?:^|_)(?:password|passwd|passphrase|pwd|secret|token|api_?key|access_?key|secret_?key|private_?key|signing_?key|encryption_?key|credentials?)$/
/** A value that refers to a secret kept elsewhere (`${DB_PASSWORD}`, `${{ secrets.NPM_TOKEN }}`, `$PW`), or holds none (null, true, a number). */
const NO_SECRET_VALUE = /^(?:\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\}|null|none|nil|~|true|false|yes|no|read|write|-?\d+(?:\.\d+)?|<[^>]*>|\*+|x+|\.\.\.|.*(?:\.\.\.|xxx)|change[-_]?me|replace[-_]?me|todo|password|secret|token|username|your[-_ ].*|str|string|bytes|int|bool|boolean|any|optional\[.*\]|(?:var|local|data|module|process|self|this|settings|config|os|env|secrets|inputs|vars|random_password|random_string|req|request|each)\.[A-Za-z0-9_.[\]'"]+|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){2,}|[|>][-+0-9]*)$/i
/**
 * A configuration line, `name = V`, `name: V`, `NAME=V`, `export NAME=V` (INI, YAML, TOML, .env,
 * Python), and make's `NAME := V`, `::=`, `?=`, `+=` (`make -p` prints them), in a file's text; a
 * diff's `+`/`-` first. V is a quoted string (Python's triple quotes on one line too, `"""V"""`)
 * or a bare word without brackets or calls (`token = os.environ['T']` is code, not a secret).
 * (Not make's `!=`: its value is a command.)
 */
const CONFIG_LINE_RE = /^([ \t]{0,64}(?:-[ \t]+)?(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_.-]{0,128})([ \t]{0,16}(?::{1,3}=|[?+]=|[:=])[ \t]{0,16})("""[^"\n\\]{1,4096}"""|'''[^'\n\\]{1,4096}'''|"[^"\n\\]{1,4096}"|'[^'\n\\]{1,4096}'|[^\s"'()[\]{}`#,;=][^\s"()[\]{}`,=]{0,4095}={0,3})([ \t]*,?(?:[ \t]+#.*)?)$/gm
/**
 * Before a string in a program's code, the name it is written for: `api_key = `, `openai.api_key=`,
 * `const token = `, `password <- `, `token := `, `{token: `, `api_key: str = ` (an annotation),
 * `$password = ` (Perl's, PHP's sigils), a call's `api_key=`; not a comparison (`==`, `<=`), an
 * arrow (`=>`), a name in a regular expression (`/token=`) nor a ternary's branch (`? token :`).
 */
const CODE_NAME_BEFORE = /(?<![\w$./@?])[ \t]*([$@]?(?:[A-Za-z_][\w$]{0,64}\.){0,8}[A-Za-z_][\w$]{0,128})[ \t]{0,16}(?::[ \t]{0,16}[A-Za-z_][\w.[\], |]{0,64}?[ \t]{0,16}(?==))?(:=|<-|(?<![=!<>+\-*/%&|^~:])=|:)[ \t]{0,16}\(?[ \t]{0,16}$/
/** Perl's environment, `$ENV{API_TOKEN} = `. */
const PERL_ENV_BEFORE = /\$ENV\{[ \t]{0,16}([A-Za-z_]\w{0,128})[ \t]{0,16}\}[ \t]{0,16}=[ \t]{0,16}$/
/** A call given one string, `NAME=V`: PHP's `putenv('API_TOKEN=V')`, C's and Python's `putenv`. */
const PUTENV_BEFORE = /putenv[ \t]{0,16}\([ \t]{0,16}$/
/** Before a user's string, the calls that take the password after it: `.login(`, `HTTPBasicAuth(`, requests' `auth=(`. */
const PASSWORD_AFTER_USER = /(?:\b(?:HTTPBasicAuth|HTTPDigestAuth|HTTPProxyAuth|BasicAuth|DigestAuth)|(?:^|[.\s;(])login|\bauth[ \t]{0,16}=[ \t]{0,16})\([ \t]{0,16}$/
/** Before a string a call takes as a secret: `jwt.encode(payload, `, `jwt.decode(token, `, PyGithub's `Github(` and `Auth.Token(`. */
const SECRET_ARGUMENT_BEFORE = /(?:\bjwt\.(?:encode|decode)\([^()'"`]{1,256},[ \t]{0,16}|\b(?:Github|Auth\.Token)\([ \t]{0,16})$/
/** Where the environment is read by a name: `os.environ[`, Ruby's and Julia's `ENV[`. */
const ENVIRONMENT_SUBSCRIPT = /(?:environ|ENV|env)[ \t]{0,16}\[[ \t]{0,16}$/
/** A ternary's branch before a string (`ok ? token : "anonymous"`): no name the string is written for. */
const TERNARY_BEFORE = /\?[ \t]*[\w$.]+[ \t]*:[ \t]*$/
/** Ruby's symbol key before a string, `:api_key => `. */
const SYMBOL_BEFORE = /(?<![\w:]):([A-Za-z_]\w{0,128})[ \t]{0,16}=>[ \t]{0,16}$/
/** Between a quoted key and its string: a subscript's `] = `, a literal's `: ` or `=> `, an argument's `, ` or R's ` = `. */
const KEY_BETWEEN = /^[ \t]{0,16}(\][ \t]{0,16}=(?!=)|:|=>|,|=(?![=>]))[ \t]{0,16}$/
/** Calls that set a variable by name, as their first two arguments: `setenv("K", "V")`, R's `assign("token", "V")`. */
const SETS_BY_NAME = /(?:setenv|putenv|setdefault|Setenv|set_var|setEnv|assign|define|Sys\.setenv)[ \t]{0,16}\([ \t]{0,16}$/
/** A string that is built from others, not written: an f-string's `{x}`, a template's `${x}`, a format's `%s`, a shell's `$(...)`. */
const BUILT_STRING = /\$[{(]|\{[A-Za-z_!:}]|%[-#0 +]*\d*[sd]/
/** A string in code that holds no secret of its own: empty, a fingerprint already, a reference or placeholder, or built from others. */
const saysNoSecret = (value: string): boolean => value === '' || isFingerprint(value) || NO_SECRET_VALUE.test(value) || BUILT_STRING.test(value)
/**
 * Values that code gives a secret's name to say there is none: local model servers' keys (vLLM's
 * `EMPTY`, `ollama`, `lm-studio`), test doubles, and the token modes of gcsfs and fsspec (`anon`).
 */
const CODE_NO_SECRET = /^(?:empty|dummy|fake|test|anon|anonymous|anything|ollama|lm-studio|not[-_ ]?needed|sk-no-key-required|token-abc123|no-key|cloud|google_default|browser|cache|default|bearer|basic|\[[A-Z]{2,12}\]|<\|?[A-Za-z_]{1,24}\|?>|<\/?s>)$/i
/** A YAML or JSON flow mapping's member, `{password: V, x: 1}` (dbt's --vars): the key, its colon, the value. */
const FLOW_MEMBER_RE = /([{,][ \t]{0,16})(["']?)([A-Za-z_][A-Za-z0-9_.-]{0,128})\2([ \t]{0,16}:[ \t]{1,16}|[ \t]{0,16}:(?=["']))("(?:[^"\\\n]|\\.){0,4096}"(?=[ \t]{0,16}[,}])|'(?:[^'\n]|''){0,4096}'(?=[ \t]{0,16}[,}])|[^\s,{}\[\]"'][^,{}\[\]\n]{0,4095}(?=[,}]))/g
/** A flow mapping's member without a space after its colon (Hydra's `{host:h,password:V}`). */
const FLOW_MEMBER_COMPACT_RE = new RegExp(FLOW_MEMBER_RE.source.replace('[ \\t]{0,16}:[ \\t]{1,16}|', '[ \\t]{0,16}:[ \\t]{0,16}|'), 'g')
/** `.npmrc`'s `//registry/:_authToken=V` (and `_auth`, `_password`) on a line of its own. */
const NPMRC_LINE_RE = /^([ \t]*\S*:_(?:authToken|auth|password)[ \t]*=[ \t]*)(\S+)[ \t]*$/gm
/** `.pgpass`'s `host:port:database:user:password`. */
const PGPASS_LINE_RE = /^([^:\s#]+:(?:\d+|\*):[^:\s]+:[^:\s]+:)(\S+)[ \t]*$/gm
/** An XML element holding text (`<password>V</password>`, Maven's settings.xml). */
const XML_ELEMENT_RE = /<([A-Za-z_][A-Za-z0-9_.-]{0,128})>([^<>\n]{1,4096})<\/\1>/g
/** A YAML key whose value is a block on the lines below (`password: |`). */
const YAML_BLOCK_RE = /^([ \t]*)(?:-[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]{0,128}):[ \t]*[|>][-+0-9]*[ \t]*$/
/** .netrc's `password V` (on a `machine` line, or its own line below one). */
const NETRC_PASSWORD_RE = /^([ \t]*(?:machine[ \t]+\S+[ \t]+|default[ \t]+)?(?:login[ \t]+\S+[ \t]+)?password[ \t]+)(?![=:])('?\[redacted hmac-sha256:[0-9a-f]{32}\]'?|\S+)/gm
/**
 * A log's prose, a secret's name and its value after a space: `Token V`, `password is V`, where
 * the name starts the line or follows punctuation and a space (`INFO: Token V`, `(password is V)`)
 * or an opening bracket. The value is one word, or a quoted string; the name is judged after.
 */
const PROSE_SECRET_RE = /(?<=^[ \t]{0,16}|[^\w\s'"][ \t]{1,16}|[([{<])([A-Za-z_][\w.-]{0,128})([ \t]{1,16}(?:(?:is|was)[ \t]{1,16})?)('[^'\n]{1,1024}'|"[^"\n]{1,1024}"|[^\s=:'"]\S{0,1023}(?!\S))/g
/**
 * A sentence's `password is V` after a word (`The password is V`, `Default password was V`): with
 * `is` or `was` between, the name may follow a word too.
 */
const PROSE_IS_SECRET_RE = /(?<=[A-Za-z][ \t]{1,16})([A-Za-z_][\w.-]{0,128})([ \t]{1,16}(?:is|was)[ \t]{1,16})('[^'\n]{1,1024}'|"[^"\n]{1,1024}"|[^\s=:'"]\S{0,1023}(?!\S))/g
/** A Python tuple or list of a secret's name and its value, as printed: `('password', 'V')`, `["token", "V"]`. */
const PAIR_SECRET_RE = /(?<=[([][ \t]{0,16})(["'])([A-Za-z_][\w.-]{0,128})\1([ \t]{0,16},[ \t]{0,16})('[^'\n]{1,1024}'|"[^"\n]{1,1024}")/g
/**
 * Whether a word of prose after a secret's name looks like a value rather than English: at least
 * 4 characters with a digit (`hunter2`, `1234`), a symbol other than a hyphen or an apostrophe
 * (`p@ss`, `a/b`), or a capital after a small letter (`aBcD`). A word of letters alone
 * (`required`, `count`, `expired`, `Expired`, `OK`, `re-enter`) is kept: so are stop words and
 * most of a sentence, at the cost of a password that is a plain word (`Token hunter`), which no
 * rule could tell from one.
 */
const looksLikeValue = (word: string): boolean => word.length >= 4 && (/\d/.test(word) || /[^A-Za-z0-9'-]/.test(word) || /[a-z][A-Z]/.test(word))
/**
 * A file's name as a log prints it before its progress (Hugging Face's downloads:
 * `tokenizer_config.json: 100%|...| 2.32k/2.32k`, `special_tokens_map.json`, `tokenizer.model`):
 * no secret's name, though `*TOKEN*` matches it.
 */
const LOG_FILE_NAME_RE = /\.(?:json|jsonl|ya?ml|txt|model|bin|safetensors|pt|pth|ckpt|msgpack|h5|onnx|gguf|py|csv|tsv|parquet|arrow|npy|npz|pkl|tar|gz|zip)$/i
/** Query parameters that hold secrets under names the variable globs do not catch: Azure's SAS signature. */
const QUERY_SECRET_NAMES = new Set(['sig'])

/** What a text is when it is code: SQL, or a program's (where only a string written for a secret's name is one); null for a file's text. */
type CodeKind = 'sql' | 'shell' | 'program' | null

export interface RedactionPolicy {
  /** extra secret-name globs (config `secrets.names`, flag --redact-var) */
  names?: readonly string[]
  /** names kept as they are (config `secrets.allow`, flag --keep-var) */
  allow?: readonly string[]
  /** names left out altogether (config `env.drop`, flag --drop-var) */
  drop?: readonly string[]
  /** extra value patterns, as regular expression sources (config `secrets.values`) */
  values?: readonly string[]
}

export class Redactor {
  private keySource: Buffer | (() => Buffer)
  /** the key if there is one already, without making it (see keyId) */
  private readonly existingKey: () => Buffer | undefined
  private keyIdCache: string | undefined
  /** whether a fingerprint was made (so the key loaded, or made) */
  private keyUsed = false
  private readonly secretNames: RegExp[]
  private readonly safeNames: RegExp[]
  private readonly userSecretNames: RegExp[]
  private readonly userSafeNames: RegExp[]
  private readonly dropNames: RegExp[]
  /** each shape, and what of its matches is kept (a name that only looks like one), or null */
  private readonly valuePatterns: Array<[RegExp, ((match: string) => boolean) | null]>
  /**
   * Inside a shell script: whether a value is kept as it is, where a secret would be fingerprinted:
   * made only of the script's parameters and commands' outputs (`$PW`, `"${TOKEN}"`, `$(cat ~/.hf)`,
   * see namesSecret), which name a secret without holding it, or a glob or format. Else null.
   */
  private onlyExpansions: ((value: string) => boolean) | null = null
  /** How deep the script being redacted is nested in others. */
  private scriptDepth = 0
  /** The positional parameters ($1, ${2}) the script last redacted uses only where a secret goes. */
  private secretPositionals: ReadonlySet<number> = NO_POSITIONALS
  /** How often the script last redacted (with the scripts within) uses each parameter plainly, `$X`, `${X}`, `$1`. */
  private parameterUses: ReadonlyMap<string, number> = NO_USES

  /**
   * `key` may be a function: it is then called once, when the first secret is found (it may make
   * the key). `existingKey` gives the key only where there is one already: keyId asks it.
   */
  constructor(key: Buffer | (() => Buffer), policy: RedactionPolicy = {}, existingKey: () => Buffer | undefined = () => undefined) {
    this.keySource = key
    this.existingKey = existingKey
    this.secretNames = SECRET_NAME_GLOBS.map(globToRegExp)
    this.safeNames = SAFE_NAME_GLOBS.map(globToRegExp)
    this.userSecretNames = (policy.names ?? []).map(globToRegExp)
    this.userSafeNames = (policy.allow ?? []).map(globToRegExp)
    this.dropNames = (policy.drop ?? []).map(globToRegExp)
    this.valuePatterns = [
      ...SHAPES_WITH_EXCEPTIONS,
      ...(policy.values ?? []).map((s): [RegExp, null] => [new RegExp(s, 'g'), null]),
    ]
  }

  fingerprint(value: string): string {
    if (REDACTED_RE.test(value) || this.onlyExpansions?.(value) === true) return value
    if (typeof this.keySource === 'function') this.keySource = this.keySource()
    this.keyUsed = true
    const mac = nodeCrypto().createHmac('sha256', this.keySource).update(value, 'utf8').digest('hex')
    return `[redacted hmac-sha256:${mac.slice(0, 32)}]`
  }

  /** Whether this redactor has made a fingerprint: the key's id then belongs with what it redacted. */
  usedKey(): boolean {
    return this.keyUsed
  }

  /**
   * The id of the key fingerprints are made under (keyIdOf): the key loaded for a fingerprint, or
   * the one there is already; undefined where there is none yet, as no fingerprint was made. Never
   * makes a key.
   */
  keyId(): string | undefined {
    if (this.keyIdCache !== undefined) return this.keyIdCache
    if (typeof this.keySource === 'function') {
      const key = this.existingKey()
      if (key === undefined) return undefined
      this.keySource = key
    }
    return (this.keyIdCache = keyIdOf(this.keySource))
  }

  /** True when a name (env var, flag, param key) says its value is a secret. */
  isSecretName(name: string): boolean {
    // camelCase words are words too: accessKey is access_Key, connectionString connection_String.
    const norm = name.replace(/^-+/, '').replace(/[-.\s]/g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    // The user's lists first (allow, then names), then the built-in ones (safe, then secret).
    if (this.userSafeNames.some((re) => re.test(norm))) return false
    if (this.userSecretNames.some((re) => re.test(norm))) return true
    if (this.safeNames.some((re) => re.test(norm))) return false
    return this.secretNames.some((re) => re.test(norm))
  }

  isDropped(name: string): boolean {
    return this.dropNames.some((re) => re.test(name))
  }

  /**
   * Replace every credential-shaped part of a text by its fingerprint, and the value of a URL
   * query parameter whose name says it is secret (`?access_token=V`, `&api_key=V`, `&sig=V`).
   */
  scrubText(text: string): string {
    let out = replaceShapes(text, this.valuePatterns, (m) => this.fingerprint(m))
    if (out.includes('=') && /[?&;#]/.test(out)) {
      out = out.replace(QUERY_PARAM_RE, (m, lead: string, name: string, value: string) =>
        this.isSecretName(name) || QUERY_SECRET_NAMES.has(name.toLowerCase()) ? `${lead}${name}=${this.fingerprint(value)}` : m)
    }
    if (out.includes('-D')) {
      out = out.replace(SYSTEM_PROPERTY_RE, (m, lead: string, d: string, name: string, value: string) =>
        this.isSecretName(name) ? `${lead}${d}${name}=${this.fingerprint(value)}` : m)
    }
    // A JSON member under a secret name (`curl -d '{"password":"V"}'`, a config file in a patch).
    if (out.includes('":')) {
      out = out.replace(JSON_MEMBER_RE, (m, name: string, between: string, value: string) =>
        value !== '' && !isFingerprint(value) && !NO_SECRET_VALUE.test(value) &&
          // (Docker's config.json: `"auth"` is base64 of user:password, `"identitytoken"` a token.)
          (this.isSecretKey(name) || /^identitytoken$/i.test(name) || (name === 'auth' && /^[A-Za-z0-9+/]{16,}={0,2}$/.test(value))) ? `"${name}"${between}"${this.fingerprint(value)}"` : m)
    }
    // SQL's PASSWORD 'V' and IDENTIFIED BY 'V' (CREATE USER, ALTER ROLE).
    if (/password|identified/i.test(out)) {
      out = out.replace(SQL_PASSWORD_RE, (m, lead: string, value: string) => (value === '' || REDACTED_RE.test(value) ? m : `${lead}'${this.fingerprint(value)}'`))
    }
    return out
  }

  /** A key (a JSON member's, a configuration line's) whose value is a secret: a secret name whose last word says so. */
  private isSecretKey(name: string): boolean {
    const norm = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-.\s]/g, '_').toLowerCase()
    // (`existingSecret: db-creds`, a Helm chart's: the name of a secret kept elsewhere.)
    return SECRET_KEY_LAST_WORD.test(norm) && !/(?:^|_)(?:existing|external)_/.test(norm) && this.isSecretName(name)
  }

  /**
   * A configuration line's key whose value is a secret: by its last word; a `NAME=V` line (.env)
   * spelled as an environment variable's name by the names' policy too (`DB_PASS`, `PGPASSWORD`),
   * not a YAML one (`AUTH_PROVIDER: github`, `SESSION_TIMEOUT: 30m` are settings).
   */
  private isSecretConfigKey(name: string, sep = ':'): boolean {
    return sep.includes('=') && /^[A-Z][A-Z0-9_]*$/.test(name) ? this.isSecretName(name) : this.isSecretKey(name)
  }

  /**
   * A configuration file's text (a here-document's body that no shell or interpreter reads): as
   * any text (scrubText), and lines under a secret key (`password = V`, `api_key: "V"`,
   * `- DB_PASSWORD=V`, `export GH_TOKEN=V`, INI, YAML, .env, .my.cnf; a YAML block below
   * `password: |`), `.netrc`'s `password V` and `.npmrc`'s `:_authToken=V`: V fingerprinted, in
   * its quotes. A value that is a reference (`${X}`), a placeholder (`your-key-here`, `xxx`), a
   * dotted name (`var.db_password`) or a type (`str`) is none; in a program's code (`code`), only
   * a quoted string is taken for one. (The stored patch is scrubbed as
   * any text: a patch is mostly code, where `password = get_password()` and `token: str` abound.)
   */
  scrubFileText(text: string, code: CodeKind = null): string {
    let out = this.scrubText(text)
    // `.pgpass`'s lines name no secret: their shape does.
    if (!code) out = out.replace(PGPASS_LINE_RE, (m, lead: string, value: string) => (isFingerprint(value) || /^\[redacted$/.test(value) || NO_SECRET_VALUE.test(value) ? m : `${lead}${this.fingerprint(value)}`))
    // (A program's strings before the quick test below: `s.login("me", "V")` names no secret.)
    if (code === 'program') out = this.scrubCodeStrings(out)
    // (The quick test knows the built-in names only: a name the user's policy adds, `DB_HOST`, may be any word.)
    if (this.userSecretNames.length === 0 && !/pass|secret|token|key|pwd|credential|auth/i.test(out)) return out
    out = out.replace(CONFIG_LINE_RE, (m, lead: string, name: string, sep: string, value: string, rest: string) => {
      const q = /^(?:"""|'''|["'])/.exec(value)?.[0] ?? ''
      // (In a program's code, `python <<EOF`, only a string written there: `api_key = "V"`, not `token = t`.)
      if (code && q === '') return m
      const bare = q === '' ? value : value.slice(q.length, -q.length)
      // A setting that is itself `NAME=V` (systemd's `Environment="API_TOKEN=V"`) is judged by NAME.
      const inner = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s.exec(bare)
      if (inner !== null && !this.isSecretConfigKey(name, sep) && this.isSecretName(inner[1]!) && !NO_SECRET_VALUE.test(inner[2]!) && !isFingerprint(inner[2]!)) {
        return `${lead}${name}${sep}${q}${inner[1]}=${this.fingerprint(inner[2]!)}${q}${rest}`
      }
      // (`&anchor` and `*alias` are YAML's, after a colon; a value made with `$X` or `$(...)` refers to another.)
      if (bare === '' || isFingerprint(bare) || NO_SECRET_VALUE.test(bare) || /\$[{(A-Za-z_]|`/.test(bare) || (sep.includes(':') && /^[&*][A-Za-z0-9_-]+$/.test(bare)) ||
        bare.toLowerCase() === name.toLowerCase() || bare.toLowerCase() === name.replace(/^.*\./, '').toLowerCase() || !this.isSecretConfigKey(name, sep)) return m
      return `${lead}${name}${sep}${q}${this.fingerprint(bare)}${q}${rest}`
    })
    if (out.includes('</')) {
      out = out.replace(XML_ELEMENT_RE, (m, name: string, value: string) =>
        isFingerprint(value) || NO_SECRET_VALUE.test(value) || !this.isSecretKey(name) ? m : `<${name}>${this.fingerprint(value)}</${name}>`)
    }
    out = out.replace(NPMRC_LINE_RE, (m, lead: string, value: string) => (isFingerprint(value) || NO_SECRET_VALUE.test(value) ? m : `${lead}${this.fingerprint(value)}`))
    if (/^[ \t]*(?:machine|default)[ \t]/m.test(out)) {
      out = out.replace(NETRC_PASSWORD_RE, (m, lead: string, value: string) => (isFingerprint(value) || NO_SECRET_VALUE.test(value) ? m : `${lead}${this.fingerprint(value)}`))
    }
    // YAML blocks (`password: |` then the lines indented below it).
    if (/[:][ \t]*[|>]/.test(out)) {
      const lines = out.split('\n')
      for (let i = 0; i < lines.length; i++) {
        const block = YAML_BLOCK_RE.exec(lines[i]!)
        if (block === null || !this.isSecretConfigKey(block[2]!)) continue
        const indent = block[1]!.length
        for (let j = i + 1; j < lines.length; j++) {
          const body = /^([ \t]*)(.*)$/.exec(lines[j]!)!
          if (body[2] === '') continue
          if (body[1]!.length <= indent) break
          if (!isFingerprint(body[2]!) && !NO_SECRET_VALUE.test(body[2]!)) lines[j] = `${body[1]}${this.fingerprint(body[2]!)}`
          i = j
        }
      }
      out = lines.join('\n')
    }
    return out
  }

  /**
   * What a command printed (a captured stream, which diff shows): as a file's text is scrubbed,
   * then each line as a log's: a header (`Authorization: token V`: the credentials after the
   * scheme), `<secret name> = V` or `: V` to the end of the line (`password = correct horse 1`),
   * and its words as a message's are (`token=V`, `--password V`, `mysql -pV`).
   */
  scrubLog(text: string): string {
    return this.scrubFileText(text).split('\n').map((line) => {
      let l = line
      // (A value that names none, `api_key: None`, `token = ${TOKEN}`, is kept, as in a message.)
      const none = (v: string): boolean => MESSAGE_NO_SECRET.test(v.trim()) || v.includes('[redacted ')
      const header = /^([ \t]*)([A-Za-z][A-Za-z0-9_-]*)(:[ \t]*)(\S.*)$/.exec(l)
      if (header !== null && this.isSecretName(header[2]!)) {
        if (!none(header[4]!)) l = header[1]! + this.redactHeader(header[2]! + header[3]! + header[4]!)
      } else {
        // The first secret name on the line with a value after it, not only the line's first name
        // (`user=bob password: V`), quoted too (`{'password': 'V'}`, `"secret" : "V"`). A name
        // starts where no name character is before it, so that each is tried once: linear.
        // (A value that holds a fingerprint already is kept: found by one search, not one per name.)
        const names = /(?<![\w.-])(["']?)([A-Za-z_][\w.-]*)\1([ \t]*[=:][ \t]*)/g
        const redacted = l.lastIndexOf('[redacted ')
        for (let m = names.exec(l); m !== null; m = names.exec(l)) {
          if (!this.isSecretName(m[2]!) || LOG_FILE_NAME_RE.test(m[2]!)) continue
          const from = m.index + m[0].length
          if (redacted >= from) continue
          let to = l.length
          while (to > from && (l[to - 1] === ' ' || l[to - 1] === '\t')) to--
          const value = l.slice(from, to)
          if (value === '' || MESSAGE_NO_SECRET.test(value.trim())) continue
          l = `${l.slice(0, from)}${this.fingerprint(value)}${l.slice(to)}`
          break
        }
      }
      return this.scrubMessage(this.scrubProse(l))
    }).join('\n')
  }

  /**
   * A log line's prose and printed pairs (scrubLog): `Token V`, `password is V`, `('password',
   * 'V')`, under a key whose last word says a secret (isSecretKey: `Token`, `db_password`, not
   * `session`, `key`). V is a secret when it is quoted or looks like a value (looksLikeValue).
   * A bare `token` is a word of NLP logs too: a quoted V after it must look like a value, and in
   * a pair (`('token', 'The')`, `('token', 'cat2')`) be what no word is, as in code: 12 characters
   * or more with a digit; and a number after it is no secret (`Token 5000/10000`, `Token 50256`).
   * A value that says there is none (`none`, `${TOKEN}`, `<token>`) or is a fingerprint is kept.
   * With `is` or `was` between, the name may follow a word too (`The password is V`).
   * (Its regular expressions try a name only after a line's start, punctuation, a bracket or a word, and
   * each part has a bounded length: linear in the line.)
   */
  private scrubProse(line: string): string {
    if (!/pass|secret|token|key|pwd|credential/i.test(line)) return line
    const secret = (name: string, value: string, pair = false): boolean => {
      const quoted = /^(["']).*\1$/s.test(value)
      const bare = quoted ? value.slice(1, -1) : value
      if (bare.trim() === '' || bare.startsWith('[redacted') || MESSAGE_NO_SECRET.test(bare) || !this.isSecretKey(name)) return false
      // (A number after it is a count, a position or an id: `Token 5000/10000`, `Token 50256 (eos)`.)
      if (/^token$/i.test(name)) return !/^[+-]?\d[\d,._/:%]*$/.test(bare) && (pair ? bare.length >= 12 && /\d/.test(bare) : looksLikeValue(bare))
      return quoted || looksLikeValue(bare)
    }
    const prose = (m: string, name: string, between: string, value: string): string => {
      // (A sentence's end after a word is no part of it: `password is hunter2.`)
      const word = /^["']/.test(value) ? value : value.replace(/[.,;:!?)\]}>]+$/, '')
      if (word === '' || MESSAGE_NO_SECRET.test(value) || !secret(name, word)) return m
      const q = /^["']/.test(word) ? word[0]! : ''
      return `${name}${between}${q}${this.fingerprint(q === '' ? word : word.slice(1, -1))}${q}${value.slice(word.length)}`
    }
    let out = line.replace(PROSE_SECRET_RE, prose)
    if (/\b(?:is|was)\b/.test(out)) out = out.replace(PROSE_IS_SECRET_RE, prose)
    if (out.includes(',')) {
      out = out.replace(PAIR_SECRET_RE, (m, kq: string, name: string, between: string, value: string) =>
        secret(name, value, true) ? `${kq}${name}${kq}${between}${value[0]}${this.fingerprint(value.slice(1, -1))}${value[0]}` : m)
    }
    return out
  }

  /**
   * A run's message (`-m`): its words as a command line's are (`DB_PASSWORD=V`, `export
   * GH_TOKEN=V`, `--password V`, `api_key=V` lose V), then as any text; the spaces between the
   * words are kept.
   */
  scrubMessage(text: string): string {
    // Three readings of the same text, their findings joined: a quoted value after a name's `=` or
    // a space as one word (`James' --password 'a b'`); words as a shell splits them where quotes
    // pair up (`DB_PASSWORD='correct horse'` is one; an apostrophe between letters, `don't`, is no
    // quote); and words between spaces (quotes paired by mistake across a sentence hide nothing).
    // Where two findings overlap, the wider stands, or, neither holding the other, their union as
    // one fingerprint. A fingerprint, with its space, is part of its word. Read again until
    // nothing changes.
    const edits = (t: string, words: RegExp): Edit[] => {
      const masked = maskApostrophes(t)
      const found = [...masked.matchAll(words)]
      const values = found.map((m) => m[0].replace(/'([^'\n]*)'|"([^"\n]*)"/g, '$1$2').replaceAll('\u0001', "'"))
      const redacted = this.redactArgv(values)
      const out: Edit[] = []
      found.forEach((m, k) => {
        if (redacted[k] === values[k]) return
        // (A message is prose: `fix token=None`, `--password none` name no secret.)
        const assigned = /^[A-Za-z_][\w.-]*=(.*)$/s.exec(values[k]!)
        if (MESSAGE_NO_SECRET.test(assigned !== null ? assigned[1]! : values[k]!)) return
        out.push({ start: m.index!, end: m.index! + m[0].length, text: redacted[k]! })
      })
      return out
    }
    const once = (t: string): string => {
      const all = [MESSAGE_QUOTED_WORDS, MESSAGE_SHELL_WORDS, MESSAGE_SPACE_WORDS].flatMap((re) => edits(t, re))
        .sort((x, y) => x.start - y.start || y.end - x.end)
      const joined: Edit[] = []
      for (const e of all) {
        const last = joined[joined.length - 1]
        if (last === undefined || e.start >= last.end) { joined.push({ ...e }); continue }
        if (e.end <= last.end) continue // within the wider one
        joined[joined.length - 1] = { start: last.start, end: e.end, text: '' } // overlapping: their union, fingerprinted below
      }
      for (const e of joined) if (e.text === '') e.text = this.fingerprint(t.slice(e.start, e.end))
      return joined.length > 0 ? applyEdits(t, joined) : t
    }
    let out = once(text)
    for (let k = 0; k < 3 && out !== text; k++) {
      const again = once(out)
      if (again === out) break
      out = again
    }
    return this.scrubText(out)
  }

  /**
   * A patch (`git diff`'s): each file's lines (context, removed and added, a hunk at a time, so
   * that a YAML block or a string runs on) as that file's text is scrubbed, by its name: a
   * program's code (`train.py`: its strings, `WANDB_API_KEY = "V"`), a shell script's command
   * lines (`deploy.sh`: `export HF_TOKEN=V`, `docker login -p V`), SQL, and any other file as a
   * configuration file (`.env`'s `DB_PASSWORD=V`, YAML's `password: V`, `my.cnf`). First the whole
   * patch is scrubbed as any text, as it was before files were told apart.
   */
  scrubPatch(text: string): string {
    // Read again until nothing changes: a reading of quotes over lines may see its own output anew.
    // (A text the reading leaves as it is, most patches, is done at once.)
    let out = this.scrubPatchOnce(text)
    for (let k = 0; k < 3 && out !== text; k++) {
      const again = this.scrubPatchOnce(out)
      if (again === out) break
      out = again
    }
    return out
  }

  private scrubPatchOnce(text: string): string {
    if (text === '') return text
    // First as any text, whole: a shape that runs over lines (a PEM block) is found across their marks.
    const lines = this.scrubText(text).split('\n')
    let kind: CodeKind = null
    for (let i = 0; i < lines.length;) {
      const line = lines[i]!
      if (line.startsWith('diff --git ')) kind = null
      else if (/^(?:---|\+\+\+) /.test(line)) {
        // `--- a/x` and `+++ b/x` (one is /dev/null for an added or deleted file; a file renamed is
        // read by its new name, the +++ line's); a name git quoted keeps its quotes, and one with a
        // space ends in a tab (`--- a/my train.py\t`).
        const name = line.slice(4).replace(/\t$/, '').replace(/^"(.*)"$/, '$1')
        if (name !== '/dev/null' && (line.startsWith('+') || kind === null)) kind = patchFileKind(name.replace(/^[ab]\//, ''))
      }
      const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line)
      i++
      if (hunk === null) continue
      // The hunk's lines: as many as its header counts, old (' ', '-') and new (' ', '+').
      let oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1])
      let newLeft = hunk[2] === undefined ? 1 : Number(hunk[2])
      const body: number[] = []
      for (; i < lines.length && (oldLeft > 0 || newLeft > 0 || lines[i]!.startsWith('\\')); i++) {
        const c = lines[i]![0]
        if (c === '\\') continue // "\ No newline at end of file"
        if (c === ' ') { oldLeft--; newLeft-- } else if (c === '-') oldLeft--
        else if (c === '+') newLeft--
        else break
        body.push(i)
      }
      if (body.length === 0) continue
      const marks = body.map((k) => lines[k]![0]!)
      const texts = body.map((k) => lines[k]!.slice(1))
      const scrubbed = this.scrubHunk(texts, marks, kind)
      body.forEach((k, n) => { lines[k] = marks[n]! + scrubbed[n]! })
    }
    return lines.join('\n')
  }

  /**
   * A hunk's lines (without their marks), as their file's text. Whole first, so that a YAML block
   * or a string runs on; where that cannot keep its lines (a value over several lines written anew
   * as one), each line alone. A shell script's lines are read one by one as command lines as well
   * (a hunk may begin inside a string it cannot see open, a usage text, which would hide the
   * commands after its close), the old file's lines (' ' and '-') and the new one's (' ' and '+')
   * each in their order: a value that a line redacted and left open in its quote
   * (`PASSWORD='first`) goes on, up to the quote that closes it, as a secret too.
   */
  private scrubHunk(texts: readonly string[], marks: readonly string[], kind: CodeKind): string[] {
    const whole = (kind === 'shell' ? this.scrubFileText(this.redactShellScript(texts.join('\n'))) : this.scrubFileText(texts.join('\n'), kind)).split('\n')
    if (whole.length === texts.length && kind !== 'shell') return whole
    const base = whole.length === texts.length ? whole : texts
    const one = (t: string): string => {
      const r = kind === 'shell' ? this.scrubShellLine(t) : this.scrubFileText(t, kind)
      return r.includes('\n') ? this.scrubText(t) : r
    }
    if (kind !== 'shell') return base.map(one)
    const state = { old: { open: '', secret: false }, new: { open: '', secret: false } }
    return base.map((t, n) => {
      const sides = marks[n] === '-' ? [state.old] : marks[n] === '+' ? [state.new] : [state.old, state.new]
      const carried = sides.find((st) => st.open !== '' && st.secret)
      let r: string
      if (carried !== undefined) {
        const close = t.indexOf(carried.open)
        r = close < 0 ? this.fingerprint(t) : (close > 0 ? this.fingerprint(t.slice(0, close)) : '') + one(t.slice(close))
      } else r = one(t)
      for (const st of sides) {
        const after = openQuoteAfter(texts[n]!, st.open)
        // (A value opened under a secret name, `export DB_PASSWORD='` with nothing yet, is secret too.)
        const opened = /(?:^|[\s;])(?:export[ \t]+)?([A-Za-z_]\w*)=['"][^'"\n]*$/.exec(texts[n]!)
        if (st.open === '' && after !== '') st.secret = r !== texts[n] || (opened !== null && this.isSecretName(opened[1]!))
        st.open = after
      }
      return r
    })
  }

  /** One line of a shell script, a Makefile (its assignments too) or a Dockerfile (after RUN; ENV K V). */
  private scrubShellLine(t: string): string {
    // A make assignment (`API_TOKEN := V`, `DB_PASS != cmd`) or `ENV NAME V`, under a secret name
    // (the names' policy, as the environment's): V whole, but for a reference (`$(...)`, `${...}`)
    // or a value that says there is none. (make's `$${X}` is the shell's `${X}`: a reference too.)
    const plain = (v: string): boolean => !/^\$\$?[({]/.test(v) && !NO_SECRET_VALUE.test(v)
    const secret = (name: string): boolean => this.isSecretName(name) || this.isSecretKey(name)
    const assign = /^([ \t]*(?:export[ \t]+|override[ \t]+)?)([A-Za-z_][\w.-]*)([ \t]*(?::{1,3}=|\?=|\+=|!=)[ \t]*)(\S.*)$/s.exec(t)
    if (assign !== null && secret(assign[2]!) && plain(assign[4]!)) return assign[1]! + assign[2]! + assign[3]! + this.fingerprint(assign[4]!)
    const env = /^([ \t]*ENV[ \t]+)([A-Za-z_]\w*)([ \t]+)([^\s=].*)$/s.exec(t)
    if (env !== null && secret(env[2]!) && plain(env[4]!)) return env[1]! + env[2]! + env[3]! + this.fingerprint(env[4]!)
    // After a Dockerfile's RUN, a prompt (`$ `, `> $ `), a list's dash: the command line; then each
    // `inline` span (Markdown's code, a shell's command substitution) on its own, as a quote
    // before it (`the bot's token is \`--token V\``) would hide it from the line's reading.
    const lead = /^([ \t]*(?:RUN[ \t]+|(?:>[ \t]*)?\$[ \t]+|[-*][ \t]+\$[ \t]+))(.*)$/s.exec(t)
    const line = lead !== null ? lead[1] + this.scrubFileText(this.redactShellScript(lead[2]!)) : this.scrubFileText(this.redactShellScript(t))
    return line.includes('`') ? line.replace(/`([^`\n]+)`/g, (_m, span: string) => {
      const r = this.scrubFileText(this.redactShellScript(span))
      return r.includes('`') || r.includes('\n') ? `\`${this.scrubText(span)}\`` : `\`${r}\``
    }) : line
  }


  /**
   * A program's code: a string written for a secret's name (`openai.api_key = "V"`, `const token
   * = 'V'`, `Client(api_key="V")`, `password <- "V"`, `$password = "V"`, `os.environ["HF_TOKEN"] =
   * "V"`, `{'token': 'V'}`, `:api_key => 'V'`, `$ENV{API_TOKEN} = "V"`, `setenv("API_TOKEN", "V")`,
   * `putenv('API_TOKEN=V')`, a triple-quoted string) loses V, kept in its
   * quotes. The strings of each line are found as the language reads them (a name inside another
   * string, `print("token:", x)`, names nothing; a comment ends the line); a name or a key is
   * judged by its last word, as JSON members are (`api_key`, `db_password`; not `token_url`,
   * `S3_KEY`), an environment variable's name (`os.environ["KAGGLE_KEY"]`, `process.env.X`,
   * `setenv`) by the names' policy, as the environment is. Kept: a label (a
   * value with a space that holds the name's word, `"Enter your password"`), a file's path
   * (`"/secrets/sa.json"`), a value built from others, a placeholder or one that says there is none
   * (`"EMPTY"`, `"anon"`), and for a bare `token` what no credential could be (`token = "hello"`:
   * without a digit or 12 characters).
   */
  private scrubCodeStrings(text: string): string {
    if (!/["'`]/.test(text)) return text
    const lines = text.split('\n')
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!
      if (!/["'`]/.test(line)) continue
      const strings = codeStrings(line)
      // What stands before the i-th string, since the string before it (read from its last 1,024
      // characters: a name and its operator are shorter).
      const textBefore = (i: number): string => line.slice(Math.max(i > 0 ? strings[i - 1]!.end : 0, strings[i]!.from - 1024), strings[i]!.from)
      const edits: Edit[] = []
      strings.forEach((str, k) => {
        const value = line.slice(str.open + 1, str.close)
        const before = textBefore(k)
        // (The call a string stands in, read back over the strings before it: `setenv(`, `login(`.)
        const callBefore = line.slice(Math.max(0, str.from - 256), str.from)
        let key: string | null = null
        // An environment variable's name (`os.environ["K"]`, `process.env.K`, `Sys.setenv(K = `) is judged as the environment's are.
        let environment = false
        const perlEnv = PERL_ENV_BEFORE.exec(before)
        const named = TERNARY_BEFORE.test(before) ? null : CODE_NAME_BEFORE.exec(before) ?? SYMBOL_BEFORE.exec(before) ?? perlEnv
        if (named !== null) {
          key = named[1]!.replace(/^[$@:]/, '').replace(/^.*\./, '')
          environment = named === perlEnv || /(?:^|\.)(?:env|environ|ENV)\.[^.]+$/.test(named[1]!) || /\b(?:Sys\.setenv|setenv|putenv)\([^()]{0,256}$/.test(callBefore)
        }
        else if (PUTENV_BEFORE.test(before)) {
          // `putenv('API_TOKEN=V')`: the name is in the string.
          const pair = /^([A-Za-z_]\w{0,128})=(.+)$/s.exec(value)
          if (pair !== null && !saysNoSecret(pair[2]!) && this.isSecretName(pair[1]!)) {
            edits.push({ start: str.open + 2 + pair[1]!.length, end: str.close, text: this.fingerprint(pair[2]!) })
          }
          return
        }
        else if (k > 0 && KEY_BETWEEN.test(before) && !/^[ \t]*\|/.test(line.slice(str.end))) {
          // A quoted key: `["K"] = "V"` after `[`, `{"k": "V"}`/`"k" => "V"` after `{`, `(`, `,` or the line's start, `setenv("K", "V")`.
          const quoted = strings[k - 1]!
          const lead = textBefore(k - 1)
          const sep = KEY_BETWEEN.exec(before)![1]!
          const fits = sep.startsWith(']') ? /\[[ \t]{0,16}$/.test(lead)
            : sep === ',' || sep.startsWith('=') && sep !== '=>' ? SETS_BY_NAME.test(lead) || (sep.startsWith('=') && /[(,][ \t]{0,16}$/.test(lead))
              : /(?:^|[[{(,])[ \t]{0,16}$/.test(lead)
          if (fits && quoted.close - quoted.open > 1) {
            key = line.slice(quoted.open + 1, quoted.close)
            environment = ENVIRONMENT_SUBSCRIPT.test(lead) || SETS_BY_NAME.test(lead)
          }
        }
        // A connection string (`psycopg2.connect("host=db password=V")`, ODBC's `PWD=V`): its pairs, as in a command line.
        if (value.includes('=')) {
          const pairs = this.redactPairs(value)
          if (pairs !== value) { edits.push({ start: str.open + 1, end: str.close, text: pairs }); return }
        }
        // A string a call takes as a secret by its place: the password after the user (`s.login("me",
        // "V")`, `HTTPBasicAuth("u", "V")`, `auth=("u", "V")`), `jwt.encode(payload, "V")`'s key,
        // PyGithub's `Github("V")`, and `wandb.login(key="V")`.
        const byPlace = key === null
          ? (k > 0 && /^[ \t]*,[ \t]*$/.test(before) ? PASSWORD_AFTER_USER.test(textBefore(k - 1)) : SECRET_ARGUMENT_BEFORE.test(before))
          : key === 'key' && /\blogin\([^()]{0,256}$/.test(callBefore)
        if (byPlace) {
          if (!saysNoSecret(value) && !CODE_NO_SECRET.test(value)) edits.push({ start: str.open + 1, end: str.close, text: this.fingerprint(value) })
          return
        }
        if (key === null || !/^[A-Za-z_][\w.-]*$/.test(key) || /^[ \t]*\|/.test(line.slice(str.end))) return
        // (A label holds its name's word and a space: `apiKey: "API key"`, `password: "Enter your password"`.)
        const label = /\s/.test(value) && key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[_.-]+/).some((word) => word.length >= 3 && value.toLowerCase().includes(word))
        if (label || saysNoSecret(value) || CODE_NO_SECRET.test(value) || /^(?:\/|\.{1,2}\/|~\/)[\w.\/-]*$/.test(value) || value.toLowerCase() === key.toLowerCase()) return
        if (!(environment ? this.isSecretName(key) : this.isSecretKey(key))) return
        // (`token` alone is a word of NLP code, `token = "hello"`: a credential has digits and length.)
        if (/^token$/i.test(key) && !(value.length >= 12 && /\d/.test(value))) return
        edits.push({ start: str.open + 1, end: str.close, text: this.fingerprint(value) })
      })
      if (edits.length > 0) lines[n] = applyEdits(line, edits)
    }
    return lines.join('\n')
  }

  /**
   * Settings given as YAML or JSON (dbt's `--vars`): as a file's text (`password: V` lines, JSON
   * members), and the members of a flow mapping, `{password: V, x: 1}`, by their keys.
   */
  private scrubSettings(text: string, compact = false): string {
    const out = this.scrubFileText(text)
    if (!out.includes('{')) return out
    // (Hydra's dictionaries need no space after the colon: `{host:h,password:V}`.)
    return out.replace(compact ? FLOW_MEMBER_COMPACT_RE : FLOW_MEMBER_RE, (m, lead: string, kq: string, name: string, colon: string, value: string) => {
      const q = /^["']/.test(value) ? value[0]! : ''
      const bare = q === '' ? value.trimEnd() : value.slice(1, -1)
      if (bare === '' || isFingerprint(bare) || NO_SECRET_VALUE.test(bare) || !this.isSecretKey(name)) return m
      return `${lead}${kq}${name}${kq}${colon}${q}${this.fingerprint(bare)}${q}${q === '' ? value.slice(bare.length) : ''}`
    })
  }

  /**
   * rclone's connection string, `:backend,key=value,...:path` or `remote,key=value:path`: the
   * values under `keys` are fingerprinted (in their quotes, `pass="V"`), the rest kept.
   */
  private redactRemote(word: string, keys: RegExp): string {
    const head = /^(:?[^,:]*)/.exec(word)![1]!
    let at = head.length
    let out = head
    while (word[at] === ',') {
      const m = /^,([A-Za-z_][A-Za-z0-9_]*)(?:=(\[redacted hmac-sha256:[0-9a-f]{32}\]|"(?:[^"]|"")*"|'(?:[^']|'')*'|[^,:]*))?/.exec(word.slice(at))
      if (m === null) break
      const [all, key, value] = m
      const q = value !== undefined && /^["']/.test(value) ? value[0]! : ''
      const bare = value === undefined ? '' : q === '' ? value : value.slice(1, -1)
      out += bare === '' || isFingerprint(bare) || !keys.test(key!) ? all : `,${key}=${q}${this.fingerprint(bare)}${q}`
      at += all!.length
    }
    return out + this.scrubText(word.slice(at))
  }

  /** A value under a name: all of it fingerprinted when the name is secret, else scrubbed. */
  redactNamed(name: string, value: string): string {
    if (REDACTED_RE.test(value)) return value
    // A command line kept in a variable (GIT_SSH_COMMAND='sshpass -p V ssh') is judged as one.
    if (COMMAND_VALUED.test(name)) return this.redactShellScript(value)
    if (this.isSecretName(name) && value !== '') return this.fingerprint(value)
    // A connection string in a variable (`ODBC_DSN='DRIVER={x};PWD={V}'`), as in argv, and a quoted
    // value under a secret name within it (a JAAS configuration's `password="V";`).
    return this.scrubQuotedAssignments(this.scrubText(this.redactPairs(value)))
  }

  /** A quoted value under a key whose last word says a secret, within a value: a JAAS configuration's `password="V";`. */
  private scrubQuotedAssignments(text: string): string {
    if (!text.includes('=')) return text
    return text.replace(QUOTED_ASSIGNMENT_RE, (m, lead: string, name: string, eq: string, q: string, v: string) =>
      isFingerprint(v) || saysNoSecret(v) || CODE_NO_SECRET.test(v) || /\$[{(A-Za-z_]/.test(v) || !this.isSecretKey(name) ||
        (/^token$/i.test(name) && !(v.length >= 12 && /\d/.test(v))) ? m : `${lead}${name}${eq}${q}${this.fingerprint(v)}${q}`)
  }

  /** Environment variables: dropped, fingerprinted or scrubbed as the policy says. */
  redactVars(vars: Record<string, string | undefined>): Record<string, string> {
    const out: Record<string, string> = {}
    for (const name of Object.keys(vars).sort()) {
      const v = vars[name]
      if (v === undefined || this.isDropped(name)) continue
      out[name] = this.redactNamed(name, v)
    }
    return out
  }

  /**
   * argv: `--token=V`, `--password V`, `-token V`, `NAME=V` and `-p api_key=V` lose V when the
   * name is secret; credential-shaped values go wherever they are.
   */
  redactArgv(argv: readonly string[]): string[] {
    const out: string[] = []
    let secretNext = false
    let userNext = false
    let headerNext = false
    const base = commandName
    // curl's -u/--user and -U/--proxy-user USER:PASSWORD from the word curl on, a tool's one-letter
    // password option (MySQL's -pPASSWORD, redis-cli -a) from the tool's name on, ssh, eval and the
    // like: where the word is the command, as argv[0], after a command that runs another (`sudo curl`,
    // `timeout 10 curl`, `docker exec db mysql`, `ssh host mysql`) or after `--`; elsewhere -u and -p
    // mean other things (docker's uid:gid in `docker run -u 1000:1000 curlimages/curl`, a port).
    const first = base(argv[0])
    let toolMayCome = WRAPPERS.has(first) || RUNNERS.has(first)
    let curl = false
    /** the password option of the tool seen, and whether it takes the next word (else only -pV) */
    let passwordOption: readonly [string, boolean] | null = null
    let tool = ''
    // ssh's options, its destination, then a command the remote shell reads.
    let ssh: 'options' | 'command' | null = null
    let sshValueNext = false
    // httpie and xh take headers as words `Name:Value`, with no space and no -H, and -a USER:PASSWORD.
    const httpie = argv.length > 0 && /^(https?|xhs?)$/.test(first)
    // A shell's options, then its script when one of them is -c (`bash -euo pipefail -c SCRIPT`);
    // su's and the like's -c SCRIPT wherever it comes; the words eval, watch and ssh's command join
    // into a script. These only find scripts: every other word is judged by the rules below.
    let shell: 'options' | 'script' | null = null
    let shellValues = 0
    let lateC = false
    let scriptNext = false
    let joins = false
    // `npm config set NAME V`, `aws configure set NAME V`, `pulumi config set`, `dvc remote modify R
    // NAME V` (CONFIG_TOOLS): V under a NAME that says a secret outright. `wandb login KEY` and the
    // like (POSITIONAL_TOKEN): the word after the subcommand.
    let config = false
    let tokenNext = false
    // The words a tool's own rules (tool-rules.ts) say are secrets, assignments, USER%PASSWORD, scripts.
    const plan = planToolWords(argv, toolMayCome || argv.includes('--'))
    // A shell's script's positional parameters (`sh -c 'mysql -p"$1"' _ V`): where the words after
    // the script start ($0), and which of them the script uses only where a secret goes.
    let positionalsAt = -1
    let secretPositionals = NO_POSITIONALS
    /** the word last taken as a flag's secret value */
    let valueAt = -1
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!
      const b = base(arg)
      // (Not an option's value when the option's own word was taken as a secret: `npx --password -c X`.)
      const planned = secretNext || userNext || headerNext ? undefined : plan.get(i)
      if (planned !== undefined && !(planned.option && planned.from === 0 && valueAt === i - 1)) {
        out.push(this.redactPlanned(arg, planned))
        if (planned.shell) { positionalsAt = i + 1; secretPositionals = this.secretPositionals }
        continue
      }
      // (Not a placeholder that xargs or parallel fills in: `{}`, `{1}`, `:::`.)
      if (positionalsAt >= 0 && secretPositionals.has(i - positionalsAt) && !secretNext && !/^(?:\{\d*\}|:::+)$/.test(arg)) { out.push(arg === '' ? arg : this.fingerprint(arg)); continue }
      if (!secretNext && !userNext && !headerNext) {
        // sshpass's options end where its command begins (`sshpass -f pw ssh -p 2222 h`: ssh's port).
        if (tool === 'sshpass' && !arg.startsWith('-') && !/^-[fdP]$/.test(argv[i - 1] ?? '')) { passwordOption = null; tool = '' }
        if (scriptNext) { scriptNext = false; out.push(this.redactShellScript(arg)); continue }
        if (shell !== null) {
          if (shellValues > 0) shellValues--
          else if (SHELL_LONG_WITH_VALUE.has(arg)) shellValues = 1
          else if (/^[-+][A-Za-z]+$/.test(arg)) {
            // Each o or O takes a word (`-euo pipefail`, `-ceo pipefail SCRIPT`); c makes the first operand the script.
            shellValues = (arg.match(/[oO]/g) ?? []).length
            if (arg[0] === '-' && arg.includes('c')) shell = 'script'
          } else if (arg === '--command') shell = 'script'
          else if (arg.startsWith('--command=')) { shell = null; out.push(`--command=${this.redactShellScript(arg.slice(10))}`); continue }
          else if (arg !== '--' && !/^--?[A-Za-z]/.test(arg)) {
            const script = shell === 'script'
            shell = null
            if (script) {
              out.push(this.redactShellScript(arg))
              positionalsAt = i + 1
              secretPositionals = this.secretPositionals
              continue
            }
          }
        }
        // `git config [--global] core.sshCommand CMD`: CMD is a command line.
        if (first === 'git' && i > 1 && COMMAND_VALUED.test(arg.split('.').pop()!) && argv.includes('config')) { scriptNext = true; out.push(this.scrubText(arg)); continue }
        // rsync's remote shell, -e CMD and --rsh=CMD, is a command line.
        if (first === 'rsync') {
          if (arg === '-e' || arg === '--rsh' || /^-[A-Za-z]*e$/.test(arg)) { scriptNext = true; out.push(arg); continue }
          if (arg.startsWith('--rsh=')) { out.push(`--rsh=${this.redactShellScript(arg.slice(6))}`); continue }
        }
        if (lateC) {
          // -c, and c grouped (`su -lc SCRIPT`, `script -qc SCRIPT`).
          if (arg === '-c' || arg === '--command' || /^-[A-Za-z]*c[A-Za-z]*$/.test(arg)) scriptNext = true
          else if (arg.startsWith('--command=')) { out.push(`--command=${this.redactShellScript(arg.slice(10))}`); continue }
        }
        if (ssh === 'options') {
          const opt = SSH_OPTION.exec(arg)
          if (sshValueNext) {
            sshValueNext = false
            // `-o Keyword=value`: ssh's own keywords (PasswordAuthentication=no) hold no secret; a
            // ProxyCommand is a command line.
            const kw = argv[i - 1] === '-o' ? /^([A-Za-z]+)([ \t]*=[ \t]*|[ \t]+)(.*)$/s.exec(arg) : null
            if (kw !== null) { out.push(COMMAND_VALUED.test(kw[1]!) ? `${kw[1]}${kw[2]}${this.redactShellScript(kw[3]!)}` : this.scrubText(arg)); continue }
          } else if (opt !== null) {
            if (opt[2] !== undefined && opt[3] === '') sshValueNext = true
            if (opt[2] === 'o' && /^[A-Za-z]+=/.test(opt[3] ?? '')) { out.push(`-${opt[1]}o${COMMAND_VALUED.test(opt[3]!.split('=')[0]!) ? this.redactWord(opt[3]!) : this.scrubText(opt[3]!)}`); continue }
          } else if (arg.startsWith('-') && arg !== '--') ssh = null // no option of ssh's: not ssh after all
          else if (arg !== '--') { ssh = 'command'; joins = true; toolMayCome = true } // the destination
        } else if (joins && SHELL_SYNTAX.test(arg.replace(FINGERPRINT_IN_TEXT, ''))) { out.push(this.redactShellScript(arg)); continue }
        // (A command is known by its name, the part after its last `/`: the rest is scrubbed as any text, `https://u:p@h/ssh`.)
        if (SHELLS.has(b)) { shell = 'options'; shellValues = 0; out.push(this.scrubText(arg)); continue }
        if (i === 0 || toolMayCome) {
          if (b === 'ssh' && ssh === null) { ssh = 'options'; out.push(this.scrubText(arg)); continue }
          if (JOINS_SCRIPT.has(b)) { joins = true; toolMayCome = true; out.push(this.scrubText(arg)); continue }
          if (LATE_C.has(b)) { lateC = true; out.push(this.scrubText(arg)); continue }
          if (b === 'curl' && !curl) { curl = true; out.push(this.scrubText(arg)); continue }
          const option = PASSWORD_OPTIONS.get(b)
          if (option !== undefined) { passwordOption = option; tool = b; out.push(this.scrubText(arg)); continue }
        }
        // `docker login -p V` and the like: a registry's login takes its password with -p.
        if (arg === 'login' && LOGIN_TOOLS.has(first)) { passwordOption = ['-p', true]; tool = 'login'; out.push(arg); continue }
        if (arg === '--') toolMayCome = true
        if (passwordOption !== null) {
          const [opt, takesNext] = passwordOption
          if (arg === opt && takesNext) { secretNext = true; out.push(arg); continue }
          // Joined, -pV (not a port mapping given to docker after a container named mysql: -p3306:3306).
          if (arg.length > opt.length && arg.startsWith(opt) && !(tool !== 'login' && opt === '-p' && PORT_MAPPING.test(arg.slice(2)))) {
            out.push(`${opt}${this.fingerprint(arg.slice(opt.length))}`)
            continue
          }
        }
        if (config) {
          // A secret NAME: the next word is its value. Flags here are switches (pulumi's --secret, dvc's --local).
          if (!arg.startsWith('-') && !arg.includes('=') && this.isSecretName(configKey(arg)) && (STRONG_SECRET_NAME.test(configKey(arg)) || configKey(arg) === '_auth')) { secretNext = true; out.push(this.scrubText(arg)); continue }
          if (/^--?[A-Za-z][A-Za-z0-9_-]*$/.test(arg)) { out.push(arg); continue }
        } else if (i > 0 && CONFIG_TOOLS.has(first) && /^(?:set|modify)$/.test(arg)) config = true
        // A token given as the word after a tool's login (`wandb login KEY`, `vault login TOKEN`, `ngrok authtoken T`).
        if (i > 0 && POSITIONAL_TOKEN.get(first) === arg) { tokenNext = true; out.push(arg); continue }
        if (tokenNext && !arg.startsWith('-')) {
          tokenNext = false
          if (!arg.includes('=')) { out.push(this.fingerprint(arg)); continue }
        }
      }
      // npm's `--//registry.example/:_authToken V`: the next word is the token.
      if (!secretNext && /^--\/\/[^=\s]*:_[A-Za-z]+$/.test(arg) && this.isSecretName(arg.replace(/^.*:/, ''))) { secretNext = true; out.push(this.scrubText(arg)); continue }
      if (secretNext) {
        secretNext = false
        // The value of a secret flag, even one that starts with a dash (`--password -s3cret`);
        // only a word spelled like a long option (`--verbose`) is taken for the next flag.
        // (`--trust_remote_code`, `--fp16` are options; `--Pa55_w0rd`, with capitals, is a value.)
        if (arg !== '--' && !/^--[a-z][a-z0-9_-]*$/.test(arg)) { valueAt = i; out.push(arg === '' ? arg : this.fingerprint(arg)); continue }
      }
      if (userNext) {
        userNext = false
        out.push(this.redactUser(arg))
        continue
      }
      if (headerNext) {
        headerNext = false
        // The word after -H, when it is a header: for mysql, -H is --html, and what follows is judged as ever.
        if (HEADER_RE.test(arg)) { out.push(this.redactHeader(arg)); continue }
      }
      // A header (curl, wget, httpie's --header): `-H 'X-Api-Key: V'`, `-H'X-Api-Key: V'`, `--header=...`.
      if (arg === '-H' || arg === '--header') { headerNext = true; out.push(arg); continue }
      if (arg.startsWith('--header=') && HEADER_RE.test(arg.slice(9))) { out.push(`--header=${this.redactHeader(arg.slice(9))}`); continue }
      if (/^-H./s.test(arg) && HEADER_RE.test(arg.slice(2))) { out.push(`-H${this.redactHeader(arg.slice(2))}`); continue }
      if (httpie) {
        if (arg === '-a' || arg === '--auth') { userNext = true; out.push(arg); continue }
        const auth = /^(--auth=|-a)(.+)$/s.exec(arg)
        if (auth) { out.push(`${auth[1]}${this.redactUser(auth[2]!)}`); continue }
        // A JSON field, `password:=V`, judged by its name as `password=V` is.
        const field = /^([A-Za-z_][A-Za-z0-9_.-]*):=(.+)$/s.exec(arg)
        if (field) { out.push(this.isSecretName(field[1]!) ? `${this.scrubText(field[1]!)}:=${this.fingerprint(field[2]!)}` : this.scrubText(arg)); continue }
        // A header, `X-Api-Key:V`; not host:port (`auth-server:8443/health`), nor `name:@file`.
        // (A port has at most 5 digits: `X-Auth-Token:99887766554433` is a header.)
        if (/^[A-Za-z][A-Za-z0-9_-]*:(?!\d{1,5}(?:[/?#]|$))[^=@:]/.test(arg)) { out.push(this.redactHeader(arg)); continue }
      }
      if (curl) {
        // -u V, --user V, -U V, --proxy-user V, and the last of grouped short flags (-su V).
        // (Grouped after curl's short flags that take no value only: in -dusername=bob:x, -d takes it.)
        if (arg === '--user' || arg === '--proxy-user' || CURL_USER_FLAG.test(arg)) { userNext = true; out.push(arg); continue }
        // Joined: --user=V, -uV, and after grouped short flags, -sSuV.
        const joined = CURL_USER_JOINED.exec(arg)
        if (joined) { out.push(`${joined[1]}${this.redactUser(joined[2]!)}`); continue }
      }
      const flag = /^(--?[A-Za-z0-9][A-Za-z0-9_.-]*)(=(.*))?$/s.exec(arg)
      if (flag) {
        const [, name, eq, value] = flag
        // `-Dname=V`: a system property (java, and a C compiler's macro) is judged by its name.
        if (eq !== undefined && /^-D./.test(name!) && this.isSecretName(name!.slice(2)) && value !== '') { out.push(`${this.scrubFlagName(name!)}=${this.fingerprint(value!)}`); continue }
        // `--password-stdin`, gh's `--with-token` and `--no-auth-warning` take no value: the word
        // after them (docker login's registry, redis-cli's command) is no secret.
        if (this.isSecretName(name!) && !(eq === undefined && (READS_SECRET_FLAG.test(name!) || /^--no-/.test(name!)))) {
          if (eq !== undefined) { out.push(`${this.scrubFlagName(name!)}=${value === '' ? '' : this.fingerprint(value!)}`); continue }
          // `--password V`, and as Go's flag package and openssl spell them, `-password V`. A
          // one-letter option never has a secret name (`-pV` cannot be told from any other).
          secretNext = true
          out.push(this.scrubText(arg))
          continue
        }
        // `--env=GITHUB_TOKEN=V`, `--set=db.password=V`, `--header=X-Api-Key: V`: the value is
        // judged as the word would be on its own (`--env GITHUB_TOKEN=V`).
        // (A credential-shaped name is scrubbed as any word: `--ghp_…=1`.)
        if (eq !== undefined) { out.push(`${this.scrubFlagName(name!)}=${this.redactWord(value!)}`); continue }
      }
      out.push(this.redactWord(arg))
    }
    // A word that is one configuration line, `echo "password = V"`, `printf 'api_key: V'`, `echo
    // "export DB_PASS=V"` (a word `password=V` is redactWord's): judged as the text of a
    // here-document that no shell reads is (scrubFileText), as what the command prints or writes.
    // Not a word of a shell or an interpreter (`python3 -c "token = t"`: code their own readings
    // judge), nor one of several lines (a script's or a program's text).
    // The command is found past what only runs another (`nice`, `timeout 60`, `env -i`, `sudo -E`):
    // `nice python3 -c "api_key = k"` is an interpreter's code, kept as `python3 -c` keeps it.
    let c = 0
    for (let moved = true; moved && c < argv.length - 1;) {
      moved = false
      // (env -S splits a word into several: the words are then no longer argv's, and stay.)
      const rest = unwrapCommand(argv.slice(c)).words
      if (rest.length > 0 && rest.length < argv.length - c && rest.every((w, j) => w === argv[argv.length - rest.length + j])) { c = argv.length - rest.length; moved = true }
      if (commandName(argv[c]) === 'sudo' && c < argv.length - 1) {
        for (c++; c < argv.length - 1 && argv[c]!.startsWith('-') && argv[c] !== '--'; c++) if (SUDO_VALUED.has(argv[c]!)) c++
        if (argv[c] === '--') c++
        moved = true
      }
      while (c < argv.length - 1 && (ASSIGNMENT_WORD.test(argv[c]!) || /^(?:command|env|sudo|builtin|exec)$/.test(argv[c]!))) { c++; moved = true }
    }
    const runs = commandName(argv[c])
    if (out.length === argv.length && !SHELLS.has(runs) && !INTERPRETER.test(runs) && !JOINS_SCRIPT.has(runs)) {
      argv.forEach((v, i) => {
        if (i > c && out[i] === v && /[ \t]/.test(v) && !v.includes('\n')) out[i] = this.scrubFileText(v)
      })
    }
    return out
  }

  /** A flag's name scrubbed as text past its dashes (and `-D`): `--ghp_…=1`, `-Dghp_….password=V`. */
  private scrubFlagName(name: string): string {
    const m = /^(-D|-*)(.*)$/s.exec(name)!
    return m[1]! + this.scrubText(m[2]!)
  }

  /**
   * A shell script (`sh -c SCRIPT`): each simple command's words redacted as an argv is (`NAME=V`
   * and `if`, `!`, `function f`, `time -p` before its command judged on their own), parameters
   * kept (they name a secret, they do not hold one), and only the changed characters replaced, in
   * the quoting they were written in; the scripts of `$( )` and of here-documents a shell reads
   * likewise (their bodies scanned for credential shapes too: a private key); a here-document no
   * shell reads is a file's text (its command lines judged, then scrubFileText); comments scanned
   * for credential shapes. What a command given a secret on its standard input reads
   * (`--password-stdin`: a here-string, a here-document, `echo V |`) is fingerprinted. A
   * parameter the script uses only where a secret goes makes its assignment, or the word given
   * for it after the script (`sameShell`: the scripts within share the enclosing one's
   * parameters), a secret. Redacting the result again changes nothing.
   */
  private redactShellScript(script: string, sameShell = false): string {
    this.secretPositionals = NO_POSITIONALS
    this.parameterUses = NO_USES
    if (script === '') return script
    if (this.scriptDepth >= MAX_SCRIPT_DEPTH) return this.fingerprint(script)
    this.scriptDepth++
    const outer = this.onlyExpansions
    try {
      // First the scripts within (command substitutions, here-documents' bodies), then the
      // script's own commands in what they leave: a word holding `$(curl -u a:V ...)` is then
      // judged with V already gone, and an edit of the word cannot pass over it. They are the
      // same shell's: the parameters they use where a secret goes (`$(curl -u me:$PASS h)`, `$1`
      // in a here-document) are counted as this script's, once its assignments are known.
      const parsed = readShellScript(script)
      const innerEdits: Edit[] = []
      const innerSecretUses = new Map<string, number>()
      const uses = new Map<string, number>()
      // (A value of parameters alone is kept: `IDENTIFIED BY '$1'` in a here-document.)
      this.onlyExpansions = (value) => {
        for (const m of value.matchAll(PARAMETER_NAME)) countUse(innerSecretUses, m[1]!)
        return /^(?:\$\{?(?:[A-Za-z_][A-Za-z0-9_]*|[0-9])\}?)+$/.test(value)
      }
      try {
        for (const inner of parsed.scripts) {
          const text = script.slice(inner.start, inner.end)
          let redacted: string
          if (inner.kind === 'heredoc' && inner.feeds !== undefined && this.feedsSecret(parsed.commands, inner.feeds)) {
            if (inner.literal !== true) for (const m of text.matchAll(PARAMETER_NAME)) countUse(uses, m[1]!)
            redacted = `${this.fingerprint(text.replace(/\n$/, ''))}${text.endsWith('\n') ? '\n' : ''}`
          } else if (inner.kind === 'heredoc' && !(inner.feeds !== undefined && readsScript(inner.feeds))) {
            // A here-document no shell reads is a file's text (`cat > deploy.sh <<EOF`, SQL, JSON): each
            // line that stands alone as a command line is judged as one (an apostrophe in prose opens
            // no quote that runs on over the lines below).
            // (The parameters of a body whose delimiter is not quoted are expanded, quotes or none.)
            // Then the whole is scrubbed as a file's text (SQL's PASSWORD 'V', JSON members, and for a
            // configuration file, not a program's code, `password = V` lines, `.my.cnf`). A line
            // holding a fingerprint was read so before: as words, its fingerprint, which holds a
            // space, would be two. A line ending in `\` goes on, and so does a quote left open, to the
            // line that closes it; one never closed is text.
            const lines = text.split('\n')
            const out: string[] = []
            for (let k = 0; k < lines.length; k++) {
              let end = k
              let open = openQuoteAfter(lines[k]!, '')
              // (At most 256 lines: a scan that fails is not made again from each line below it.)
              while (end + 1 < lines.length && end - k < 256 && (open !== '' || /(?<!\\)(?:\\\\)*\\$/.test(lines[end]!))) open = openQuoteAfter(lines[++end]!, open)
              if (open !== '') { end = k; open = openQuoteAfter(lines[k]!, '') } // never closed: this line alone, as text
              // A here-document of the command written there runs on to its delimiter (`docker login --password-stdin <<T`).
              const nested = open === '' ? /(?<!<)<<(-?)[ \t]*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(lines.slice(k, end + 1).join('\n')) : null
              if (nested !== null) {
                for (let n = end + 1; n < lines.length && n - end <= 256; n++) {
                  if ((nested[1] === '-' ? lines[n]!.replace(/^\t+/, '') : lines[n]) === nested[3]) { end = n; break }
                }
              }
              const group = lines.slice(k, end + 1).join('\n')
              if (inner.literal !== true) for (const m of group.matchAll(PARAMETER_NAME)) countUse(uses, m[1]!)
              out.push(open === '' && !group.includes('[redacted hmac-sha256:') ? this.redactShellScript(group, true) : group)
              k = end
            }
            const joined = out.join('\n')
            redacted = this.scrubFileText(joined, inner.feeds === undefined ? null : readsCode(inner.feeds))
          } else {
            redacted = this.redactShellScript(text, true)
            for (const [name, n] of this.parameterUses) countUse(uses, name, n)
            // (A script's body: its credential shapes that no word showed.)
            if (inner.kind === 'heredoc') redacted = replaceShapes(redacted, this.valuePatterns, (m) => this.fingerprint(m))
          }
          if (redacted !== text) innerEdits.push({ start: inner.start, end: inner.end, text: redacted })
        }
      } finally {
        this.onlyExpansions = outer
      }
      const text = applyEdits(script, innerEdits)
      const { commands, expansions, comments } = text === script ? parsed : readShellScript(text)
      const named = new Set(expansions.filter(namesSecret))
      // The script's own assignments of written values (`PASS=V`, `export PASS=V`): a parameter used
      // where a secret goes (`curl -u me:$PASS`), and nowhere else (`LR=0.1; ... --lr $LR --key $LR`
      // is a learning rate), makes its assignment a secret's. Positional parameters, `$1` and `${2}`,
      // are counted by their number (the words after the script; a script within has its shell's).
      const assigned = scriptAssignments(commands)
      // A variable set to a positional parameter (`pw=$1; mysql -p"$pw"`) stands for it. A script
      // that moves its parameters (`shift`, `set --`) says nothing of which word is which.
      // (Not one under a secret name, `MYSQL_PWD=$1`: that is a use where a secret goes.)
      const aliases = sameShell ? new Map<string, string>() : positionalAliases(commands, (name) => this.isSecretName(name))
      const alias = (name: string): string => aliases.get(name) ?? name
      const own = (name: string): boolean => assigned.has(name) || (!sameShell && /^[1-9]$/.test(alias(name)))
      for (const e of expansions) {
        // A use is an expansion that gives the value, whole or in part: `$X`, `"${X}"`, `${1:-none}`,
        // `${X#prefix}`, `${X:?}`; not its length, `${#X}`, nor a word in its place, `${X:+word}`.
        const m = /^\$(?:\{(?![#!])([A-Za-z_][A-Za-z0-9_]*|[1-9])(?![0-9A-Za-z_])(?!:?\+)|([A-Za-z_][A-Za-z0-9_]*|[1-9](?![0-9])))/.exec(e)
        if (m !== null) countUse(uses, alias((m[1] ?? m[2])!))
      }
      // (The `$1` of `pw=$1` is no use of its own: pw's uses are.)
      for (const target of aliases.values()) countUse(uses, target, -1)
      const usedAsSecret = new Map<string, number>()
      for (const [name, n] of innerSecretUses) {
        if (own(name)) countUse(usedAsSecret, alias(name), n)
        else for (let k = 0; k < n; k++) outer?.(`$${name}`)
      }
      // Kept as they are: parameters the script names, and a case pattern's glob (`--password=*)`).
      // Each parameter in a value that stands where a secret goes, kept or fingerprinted with the
      // rest (`--data "password=pre$1"`), is a use as a secret; one this script does not set may be
      // the enclosing script's (`X=V; bash -c "mysql -p$X"`, `ssh h "mysql -p$X"`,
      // `GIT_SSH_COMMAND="sshpass -p $X ssh"`), which counts the use too.
      // (Not one inside a command's output, `$(cat "$1")`: the output is kept, and the file is no secret.)
      this.onlyExpansions = (value) => {
        let foreign = false
        for (const name of parameterNames(value)) {
          if (own(name)) countUse(usedAsSecret, alias(name))
          else foreign = true
        }
        if (onlyParameters(value, named)) {
          if (foreign) outer?.(value)
          return true
        }
        return KEPT_IN_SCRIPTS.test(value) || outer?.(value) === true
      }
      const edits: Edit[] = []
      const edited = new Set<ShellWord>()
      const edit = (w: ShellWord, redacted: string): void => {
        if (redacted === w.value || edited.has(w)) return
        edited.add(w)
        edits.push(wordEdit(w, redacted))
      }
      try {
        const sources = pipeSources(commands)
        commands.forEach((c, i) => this.redactScriptCommand(c, sources[i]!, edit, text))
        const positionals = new Set<number>()
        const moved = !sameShell && commands.some(movesPositionals)
        for (const [name, n] of usedAsSecret) {
          const all = uses.get(name) ?? 0
          // Used elsewhere too, or where this script cannot see it (`bash -c '... $X'` in single quotes): no secret's.
          if (n < all || all <= 0) continue
          if (/^[1-9]$/.test(name)) { if (!moved) positionals.add(Number(name)); continue }
          for (const w of assigned.get(name)!) {
            const eq = w.value.indexOf('=')
            edit(w, `${w.value.slice(0, eq + 1)}${this.fingerprint(w.value.slice(eq + 1))}`)
          }
        }
        this.secretPositionals = positionals
        this.parameterUses = uses
        for (const c of comments) {
          const comment = text.slice(c.start, c.end)
          const redacted = this.scrubText(comment)
          if (redacted !== comment) edits.push({ start: c.start, end: c.end, text: redacted })
        }
      } finally {
        this.onlyExpansions = outer
      }
      return applyEdits(text, edits)
    } finally {
      this.scriptDepth--
    }
  }

  /** Whether what a command writes goes to one that takes a secret on its standard input: itself, or `cat <<EOF | docker login --password-stdin`. */
  private feedsSecret(commands: readonly ShellCommand[], command: ShellCommand): boolean {
    if (readsSecret(this, command)) return true
    let at = commands.indexOf(command)
    if (at < 0 || !command.pipe || !/^(?:cat|echo|printf)$/.test(commandName(command.words[0]?.value))) return false
    // (Through filters: `cat <<EOF | tr -d '\n' | docker login --password-stdin`.)
    while (at + 1 < commands.length && commands[at]!.pipe && isFilter(commands[at + 1]!)) at++
    return at + 1 < commands.length && commands[at]!.pipe && readsSecret(this, commands[at + 1]!)
  }

  /** One simple command of a script, given the one piped into it: each word that changes goes to `edit` (once). */
  private redactScriptCommand(command: ShellCommand, pipedFrom: ShellCommand | null, edit: (w: ShellWord, redacted: string) => void, script: string): void {
    const words = command.words
    const values = words.map((w) => w.value)
    // Words before the command: keywords, `function NAME`, `time -p`, and NAME=V assignments.
    let k = 0
    while (k < words.length - 1) {
      const v = values[k]!
      if (v === 'function') k += 2
      else if (v === 'time' && values[k + 1] === '-p') k += 2
      else if (COMMAND_PREFIX.has(v) || ASSIGNMENT_WORD.test(v)) k++
      else break
    }
    k = Math.min(k, words.length)
    const redacted = [...values.slice(0, k).map((v) => this.redactArgv([v])[0]!), ...this.redactArgv(values.slice(k))]
    // fish's `set -gx NAME V...`: the values of a secret name.
    if (values[k] === 'set') {
      let j = k + 1
      while (j < values.length && /^[-+][A-Za-z]+$/.test(values[j]!)) j++
      if (j < values.length - 1 && this.isSecretName(values[j]!)) for (let m = j + 1; m < values.length; m++) redacted[m] = this.fingerprint(values[m]!)
    }
    // (A quoted word that is one configuration line, `echo "password = V"`: redactArgv's.)
    // `: ${API_KEY:=V}`, `"${TOKEN:-V}"`: the default of a secret name is one.
    values.forEach((v, i) => {
      // (A written default only: not an empty one, a parameter's, a command's output, nor past the first }.)
      const d = redacted[i] === v ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-=])([^}$`"\\]+)\}$/s.exec(v) : null
      if (d !== null && this.isSecretName(d[1]!) && !REDACTED_RE.test(d[3]!.replace(/^'(.*)'$/s, '$1'))) redacted[i] = `\${${d[1]}${d[2]}${this.fingerprint(d[3]!)}}`
    })
    // A credential's shape that only its written form shows (`a"glpat-…"`: the quote made a word
    // boundary that the word's value, `aglpat-…`, has not): the whole word is one.
    words.forEach((w, i) => {
      if (redacted[i] !== values[i]) return
      const written = script.slice(w.start, w.end)
      if (written !== values[i] && replaceShapes(written, this.valuePatterns, (m) => this.fingerprint(m)) !== written) redacted[i] = this.fingerprint(values[i]!)
    })
    words.forEach((w, i) => edit(w, redacted[i]!))
    // What a command given a secret on its standard input reads: its here-strings, and the words
    // of `echo V |` or the here-strings of `cat <<< V |` before it.
    if (!readsSecret(this, command)) return
    // (The first of a chain of filters: `echo V | tr -d x | gh secret set N`, `tr -d x <<< V | ...`.)
    const name = pipedFrom === null ? '' : runName(pipedFrom)
    const from = pipedFrom !== null && (/^(?:echo|printf|yes)$/.test(name) || PIPE_FILTERS.has(name)) ? pipedFrom : null
    // (printf's format is no secret, `printf '%s' V`, unless it is all that is printed: `printf 'u:V'`.)
    const printf = name === 'printf' && from!.words.length > 2
    const printed = from === null || !/^(?:echo|printf|yes)$/.test(name) ? [] : from.words.slice(from.words.findIndex((w) => commandName(w.value) === name) + (printf ? 2 : 1)).filter((w) => !/^-[neE]+$/.test(w.value) && w.value !== '--')
    for (const w of [...command.herestrings, ...(from?.herestrings ?? []), ...printed]) edit(w, this.fingerprint(w.value))
  }

  /** A word a tool's rule names (tool-rules.ts), from `planned.from` on (after `--from-literal=`, `-U`). */
  private redactPlanned(word: string, planned: PlannedWord): string {
    const lead = word.slice(0, planned.from)
    const value = word.slice(planned.from)
    switch (planned.action) {
      case 'secret': return value === '' ? word : `${lead}${this.fingerprint(value)}`
      case 'script': return `${lead}${this.redactShellScript(value)}`
      case 'code': return `${lead}${this.scrubFileText(value, 'program')}`
      case 'yaml': return `${lead}${this.scrubSettings(value)}`
      case 'remote': return `${lead}${this.redactRemote(value, planned.keys ?? /(?!)/)}`
      case 'named': return value !== '' && this.isSecretName(planned.name ?? '') ? `${lead}${this.fingerprint(value)}` : `${lead}${this.redactWord(value)}`
      case 'assignment': {
        // K=V: V is a secret, unless it says where the value is (vault's `K=@file`, `K=-`).
        const m = (planned.anyKey ? /^([^=]+)=(.+)$/s : /^([A-Za-z_][A-Za-z0-9_.-]*)=(.+)$/s).exec(value)
        if (m === null || planned.keep?.test(m[2]!)) return `${lead}${this.redactWord(value)}`
        return `${lead}${this.scrubText(m[1]!)}=${this.fingerprint(m[2]!)}`
      }
      case 'user%':
      case 'user,': {
        // USER%PASSWORD (Samba), USER,PASSWORD (lftp): the user kept.
        const at = value.indexOf(planned.action[4]!)
        if (at < 0 || at === value.length - 1) return `${lead}${this.scrubText(value)}`
        return `${lead}${this.scrubText(value.slice(0, at))}${value[at]}${this.fingerprint(value.slice(at + 1))}`
      }
    }
  }

  /**
   * One word of a command line that is not a flag's secret value: `NAME=V` (an assignment, a
   * `--set a.password=V`) and `Name: V` (a header, `-H 'X-Api-Key: V'`) lose V when the name is
   * secret; credential-shaped parts go wherever they are.
   */
  private redactWord(word: string): string {
    // Hydra's overrides, `+wandb.api_key=V`, `++db.password=V`, `~x=V`: judged without their sign.
    const hydra = /^(\+\+?|~)([A-Za-z_][A-Za-z0-9_.-]*=.*)$/s.exec(word)
    if (hydra) return hydra[1] + this.redactWord(hydra[2]!)
    // A comma list of assignments (helm's `--set a.user=u,a.password=V`, mount's `-o user=u,password=V`): each judged by its own name.
    if (COMMA_ASSIGNMENTS.test(word)) return word.split(',').map((pair) => this.redactWord(pair)).join(',')
    const assign = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s.exec(word)
    // A command line as a setting's value: `core.sshCommand=...`, `GIT_SSH_COMMAND=...`, ssh's `ProxyCommand=...`.
    if (assign && COMMAND_VALUED.test(assign[1]!.split('.').pop()!)) return `${assign[1]}=${this.redactShellScript(assign[2]!)}`
    // (An OmegaConf reference, `db.password=${oc.env:DB_PASSWORD}`, names where the secret is; a
    // Hydra dictionary, `+db={host:h,password:V}`, is judged by its members.)
    if (assign && /^\$\{(?:oc\.env:)?[A-Za-z_][\w.]*\}$/.test(assign[2]!)) return word
    if (assign && /^\{[ \t]*[A-Za-z_][\w.-]*[ \t]*:.*\}$/s.test(assign[2]!)) {
      const members = this.scrubSettings(assign[2]!, true)
      if (members !== assign[2]) return `${this.scrubText(assign[1]!)}=${members}`
    }
    if (assign && this.isSecretName(assign[1]!.split('.').pop()!) && assign[2] !== '') return `${this.scrubText(assign[1]!)}=${this.fingerprint(assign[2]!)}`
    // npm's `//registry.example/:_authToken=V` (also as a flag, `--//registry.example/:_authToken=V`).
    const npmrc = /^(-{0,2}\/\/[^=\s]*:)(_[A-Za-z]+)=(.+)$/s.exec(word)
    if (npmrc && this.isSecretName(npmrc[2]!) && !REDACTED_RE.test(npmrc[3]!)) return `${this.scrubText(npmrc[1]!)}${npmrc[2]}=${this.fingerprint(npmrc[3]!)}`
    // A header as a setting's value: `git -c http.extraHeader='PRIVATE-TOKEN: V'`.
    // (The name is scrubbed as any word is: `ghp_…=a: b` is a token, not a setting's name.)
    if (assign && /^[A-Za-z][A-Za-z0-9-]*:[ \t]+\S/.test(assign[2]!)) return `${this.scrubText(assign[1]!)}=${this.redactHeader(assign[2]!)}`
    // A header-shaped word on its own needs the space after the colon: `auth-server:8443`,
    // `oauth2-proxy:latest`, `gunicorn auth:app` and `-v secrets:/run/secrets` are no headers;
    // nor is a name with `_` (`-m 'api_key: rename field'`), which no header has.
    // (Only a header's name: `X-Api-Key: V`, `Authorization: Bearer V`, `Cookie: V`; `auth: use
    // oauth2` and `token: none` are a commit message's words.)
    if (/^(?:[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9-]*|authorization|cookie):[ \t]+\S/i.test(word)) return this.redactHeader(word)
    // openssl's `-passin pass:V` (its env:, file: and fd: forms name where the password is).
    if (/^pass:./s.test(word) && !REDACTED_RE.test(word.slice(5))) return `pass:${this.fingerprint(word.slice(5))}`
    // A connection string as an option's value: `--ConnectionStrings:Default=Server=db;Password=V`.
    const option = /^(--?[A-Za-z][^=\s]*=)(.*=.*)$/s.exec(word)
    if (option) {
      const value = this.redactPairs(option[2]!)
      if (value !== option[2]) return this.scrubText(option[1] + value)
    }
    // A setting whose value is a connection string or a JAAS line: `--conf x=Driver={x};PWD={V}`, `spark...jaas.config=... password="V";`.
    // (Not a script's words, `x=$(eval 'export T=...')`, which the shell's reading judges.)
    if (assign && !/[$`\\]/.test(assign[2]!)) {
      const value = this.scrubQuotedAssignments(this.redactPairs(assign[2]!))
      if (value !== assign[2]) return this.scrubText(`${assign[1]}=${value}`)
    }
    return this.scrubText(this.redactPairs(word))
  }

  /**
   * A word that is a connection string, wholly `name=value` pairs: libpq's, separated by spaces
   * (`psql "host=db password=V"`, a value in single quotes may hold spaces, spaces around `=`),
   * and ODBC's and ADO.NET's, by semicolons (`Server=db;User Id=u;Password=V;`, `PWD={V}`,
   * `Password="a;b"`): a value under a secret name (and ODBC's PWD) is fingerprinted. Code, SQL or
   * prose that holds a `name = value` somewhere (`token = os.environ[...]`) is no such word.
   */
  private redactPairs(word: string): string {
    if (!word.includes('=')) return word
    const semi = word.includes(';')
    if (semi ? !SEMICOLON_PAIRS.test(word) : !SPACE_PAIRS.test(word)) return word
    // One of its names must be a connection string's: `max_tokens=4096; key=value pairs` is prose.
    if (!(semi ? ODBC_KEYWORD : LIBPQ_KEYWORD).test(word)) return word
    const pair = semi
      ? /(^|;)([ \t]{0,16})([A-Za-z_][A-Za-z0-9_.-]*(?: [A-Za-z0-9_.-]+){0,3})([ \t]{0,16}=[ \t]{0,16})(\{[^}]{0,4096}\}|"[^"]{0,4096}"|[^;]*)/g
      : /(^|\s)()([A-Za-z_][A-Za-z0-9_.-]*)([ \t]{0,16}=[ \t]{0,16})(\[redacted hmac-sha256:[0-9a-f]{32}\]|'(?:[^'\\]|\\.){0,4096}'|[^\s'=]*)/g
    return word.replace(pair, (m, lead: string, space: string, name: string, eq: string, value: string) => {
      const bare = value.replace(/^\{(.*)\}$/s, '$1').replace(/^'(.*)'$/s, '$1').replace(/^"(.*)"$/s, '$1')
      if (bare === '' || REDACTED_RE.test(bare) || !(this.isSecretName(name) || (semi && /^pwd$/i.test(name)))) return m
      return `${lead}${space}${name}${eq}${value === bare ? '' : value[0]}${this.fingerprint(bare)}${value === bare ? '' : value[value.length - 1]}`
    })
  }

  /** `Name: V` (a header): V fingerprinted when the name is secret; Authorization keeps its scheme. */
  private redactHeader(text: string): string {
    const header = /^([A-Za-z][A-Za-z0-9_-]*):([ \t]*)(\S.*)$/s.exec(text)
    if (!header || !this.isSecretName(header[1]!)) return this.scrubText(text)
    // Authorization's scheme (Basic, Bearer) is kept: only the credentials after it are secret.
    const scheme = /^(?:proxy-)?authorization$/i.test(header[1]!) ? /^([A-Za-z][A-Za-z0-9-]*[ \t]+)(\S.*)$/s.exec(header[3]!) : null
    const value = scheme ? `${scheme[1]}${this.fingerprint(scheme[2]!)}` : this.fingerprint(header[3]!)
    return `${header[1]}:${header[2]}${value}`
  }

  /** curl's USER:PASSWORD: the password fingerprinted, the user kept. */
  private redactUser(value: string): string {
    // The colon that ends the user, past a `${USER:-x}` and a fingerprint (`sk_live_…:` redacted once).
    const user = value.slice(0, userEnd(value))
    if (user.length >= value.length - 1) return this.scrubText(value)
    // The user part may be a token itself (`-u ghp_…:x-oauth-basic`, Stripe's `-u sk_live_…:`).
    return `${this.scrubText(user)}:${this.fingerprint(value.slice(user.length + 1))}`
  }

  /**
   * command.error names the command it could not run ("command not found: <argv[0]>"), so that
   * name is redacted as argv[0] is (`MY_PASSWORD=V` run as a command, `--token=V`), and the rest
   * scrubbed as text. argv is the command as given or as already redacted (then the name is
   * found after the words prov puts before it).
   */
  redactCommandError(error: string, argv: readonly string[]): string {
    let out = error
    const name = argv[0]
    if (name !== undefined && name !== '') {
      const safe = this.redactArgv([name])[0]!
      if (safe !== name) out = out.split(name).join(safe)
    }
    const named = /^(command not found: |permission denied or not executable: )(.+)$/s.exec(out)
    if (named) return named[1] + this.redactArgv([named[2]!])[0]!
    return this.scrubText(out)
  }

  /**
   * A `-p key=value` as a record keeps it (command.params_sources): its value as redactParams
   * leaves it in params (fingerprinted whole under a secret key, credential shapes scrubbed),
   * written so that `-p` types it back to that value. A value under a key below a secret one
   * (`auth.user=V`) is fingerprinted whole too. Nothing to hide: the assignment as it was given.
   * One that -p refuses (no `=`) is scrubbed as text.
   */
  redactParamAssignment(assignment: string): string {
    let keys: string[]
    let raw: string
    try {
      ({ keys, raw } = parseAssignment(assignment))
    } catch {
      return this.scrubText(assignment)
    }
    // (Typed as buildParams types it, with the levels its key leaves.)
    const depth = MAX_PARAM_DEPTH - keys.length
    const value = typeParamValue(raw, depth)
    const last = keys[keys.length - 1]!
    const hidden = keys.slice(0, -1).some((k) => this.isSecretName(k)) && value !== null && value !== ''
      ? this.fingerprint(typeof value === 'string' ? value : JSON.stringify(value))
      : this.redactParams(value, last)
    // A credential-shaped key (`-p ghp_…=1`) is scrubbed as params' keys are.
    const keyText = assignment.slice(0, assignment.indexOf('='))
    const safeKey = this.scrubText(keyText)
    if (JSON.stringify(hidden) === JSON.stringify(value) && safeKey === keyText) return assignment
    const text = typeof hidden === 'string' && typeParamValue(hidden, depth) === hidden ? hidden : JSON.stringify(hidden)
    return `${safeKey}=${text}`
  }

  /**
   * Params rebuilt from a run's recorded sources (diff --workspace), given the params it recorded.
   * Where the record holds a secret key's value fingerprinted whole and the rebuilt value under it
   * holds fingerprints itself (a `-p auth.user=V` below a secret key is kept only as one), the two
   * cannot be compared: the recorded fingerprint stands.
   */
  keepFingerprinted<T>(now: T, recorded: unknown): T {
    if (Array.isArray(now)) {
      return (Array.isArray(recorded) ? now.map((v, i) => this.keepFingerprinted(v, recorded[i])) : now) as T
    }
    if (now === null || typeof now !== 'object' || recorded === null || typeof recorded !== 'object' || Array.isArray(recorded)) return now
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(now)) {
      const r = Object.hasOwn(recorded, k) ? (recorded as Record<string, unknown>)[k] : undefined
      const value = !this.isSecretName(k) ? this.keepFingerprinted(v, r)
        : typeof r === 'string' && REDACTED_RE.test(r) && typeof v === 'object' && v !== null && holdsFingerprint(v) ? r : v
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
    }
    return out as T
  }

  /** Params: a value under a secret-looking key is fingerprinted whole; strings are scrubbed. */
  redactParams<T>(value: T, key = ''): T {
    // (A boolean is a switch, one bit, no secret: `-p use_auth=true`, `-p auth=false`.)
    if (key !== '' && this.isSecretName(key) && value !== null && value !== '' && typeof value !== 'boolean') {
      const text = typeof value === 'string' ? value : JSON.stringify(value)
      return this.fingerprint(text) as T
    }
    // (A connection string or a JAAS line as a value: its secret, as in a variable.)
    if (typeof value === 'string') return this.scrubQuotedAssignments(this.scrubText(this.redactPairs(value))) as T
    if (Array.isArray(value)) return value.map((v) => this.redactParams(v)) as T
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) {
        // A key holds no secret by its name, but may be one: a credential-shaped key is scrubbed.
        Object.defineProperty(out, this.scrubText(k), { value: this.redactParams(v, k), enumerable: true, writable: true, configurable: true })
      }
      return out as T
    }
    return value
  }
}

interface Edit { start: number; end: number; text: string }


/** The text with the edits (in any order, none overlapping another) made. */
function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text
  let out = ''
  let at = 0
  for (const e of edits.sort((a, b) => a.start - b.start)) {
    out += text.slice(at, e.start) + e.text
    at = e.end
  }
  return out + text.slice(at)
}

/** Where a USER:PASSWORD's user ends: at its first colon outside `${...}` and outside a fingerprint. */
function userEnd(value: string): number {
  for (let i = 0; i < value.length;) {
    if (value.startsWith('${', i)) {
      const close = value.indexOf('}', i + 2)
      i = close < 0 ? i + 2 : close + 1
    } else if (value.startsWith('[redacted hmac-sha256:', i) && REDACTED_RE.test(value.slice(i, i + 55))) i += 55
    else if (value[i] === ':') return i
    else i++
  }
  return value.length
}

/** The words of a script that assign a written value to a name (`PASS=V`, `export PASS=V`, `local PASS=V`), by name. */
function scriptAssignments(commands: readonly ShellCommand[]): Map<string, ShellWord[]> {
  const out = new Map<string, ShellWord[]>()
  for (const c of commands) {
    // After `then`, `do`, `{`, `!` and the like (`if ...; then X=V; ...`), a declaration's words too.
    let k = 0
    while (k < c.words.length && COMMAND_PREFIX.has(c.words[k]!.value)) k++
    const declares = /^(?:export|local|declare|typeset|readonly)$/.test(c.words[k]?.value ?? '')
    for (const w of c.words.slice(k)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\+?=(.+)$/s.exec(w.value)
      if (m === null) { if (declares) continue; break } // assignments come before the command, or after a declaration
      if (w.at.some((a, k) => a >= 0 && w.value[k] === '$' && w.quoting[k] !== 'single' && w.quoting[k] !== 'escaped')) continue // holds an expansion
      const list = out.get(m[1]!)
      if (list === undefined) out.set(m[1]!, [w])
      else list.push(w)
    }
  }
  return out
}

/** A configuration key's last part: `//registry.npmjs.org/:_authToken` is `_authToken`. */
function configKey(key: string): string {
  return key.replace(/^.*[:/]/, '')
}

/**
 * The command whose output the i-th command reads through a pipe, past filters that only pass a
 * text on changed (`echo V | tr -d '\n' | gh secret set N`: echo's); null when it reads none.
 */
function pipeSources(commands: readonly ShellCommand[]): Array<ShellCommand | null> {
  const sources: Array<ShellCommand | null> = []
  commands.forEach((_, i) => {
    const before = commands[i - 1]
    sources.push(before === undefined || !before.pipe ? null : isFilter(before) && sources[i - 1] !== null ? sources[i - 1]! : before)
  })
  return sources
}

/** A command's name past assignments and `command`, `env`, `sudo`, `builtin` before it (`LC_ALL=C tr`, `command tr`). */
function runName(command: ShellCommand): string {
  const words = command.words
  let k = 0
  while (k < words.length - 1 && (ASSIGNMENT_WORD.test(words[k]!.value) || /^(?:command|env|sudo|builtin|exec)$/.test(words[k]!.value))) k++
  return commandName(words[k]?.value)
}

function isFilter(command: ShellCommand): boolean {
  return PIPE_FILTERS.has(runName(command))
}

/** The parameters a value names (`$PW`, `${1}`), but not those inside a command's output, `$(cat "$1")`. */
function parameterNames(value: string): string[] {
  const names: string[] = []
  if (!value.includes('$')) return names
  for (let at = 0; at < value.length;) {
    if (value.startsWith('$(', at) || value[at] === '`') {
      const end = expansionAt(value, at)
      at = end < 0 ? value.length : end
      continue
    }
    PARAMETER_NAME_AT.lastIndex = at
    const m = PARAMETER_NAME_AT.exec(value)
    if (m !== null) { names.push(m[1]!); at = PARAMETER_NAME_AT.lastIndex } else at++
  }
  return names
}

/** Variables a script sets to a positional parameter alone, once (`pw=$1`, `PW="${2}"`): name → its number. */
function positionalAliases(commands: readonly ShellCommand[], isSecretName: (name: string) => boolean): Map<string, string> {
  const seen = new Map<string, string | null>()
  for (const c of commands) {
    for (const w of c.words) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(?:\$([1-9])|\$\{([1-9])\})$/.exec(w.value)
      if (m !== null) seen.set(m[1]!, seen.has(m[1]!) ? null : (m[2] ?? m[3])!)
      else if (/^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(w.value)) seen.set(w.value.slice(0, w.value.search(/\+?=/)), null)
    }
  }
  return new Map([...seen].filter((e): e is [string, string] => e[1] !== null && !isSecretName(e[0])))
}

/** `shift`, `set -- A B`, `set V`: the script's positional parameters are no longer the words after it. */
function movesPositionals(command: ShellCommand): boolean {
  const v = command.words.map((w) => w.value)
  let k = 0
  while (k < v.length && COMMAND_PREFIX.has(v[k]!)) k++
  return v[k] === 'shift' || (v[k] === 'set' && v.slice(k + 1).some((x) => x === '--' || !/^[-+]/.test(x)))
}

/** A fingerprint, as it is or in the quotes a shell script gave it (`'[redacted …]'`). */
function isFingerprint(value: string): boolean {
  return REDACTED_RE.test(value.replace(/^(['"])(.*)\1$/s, '$2'))
}

function countUse(counts: Map<string, number>, name: string, n = 1): void {
  counts.set(name, (counts.get(name) ?? 0) + n)
}

/** Whether a value is made of parameters named in the script (`$USER:$PASS` is; `$PW-x` is not). */
function onlyParameters(value: string, named: ReadonlySet<string>): boolean {
  if (value === '' || named.size === 0) return false
  for (let at = 0; at < value.length;) {
    let end: number
    if (value.startsWith('$(', at) || value[at] === '`') end = expansionAt(value, at)
    else {
      PARAMETER_REF.lastIndex = at
      end = PARAMETER_REF.exec(value) === null ? -1 : PARAMETER_REF.lastIndex
    }
    if (end < 0 || !named.has(value.slice(at, end))) return false
    at = end
  }
  return true
}

/**
 * An expansion that names a secret without holding it: a parameter (`$PW`, `${TOKEN}`, not one
 * with a default that may hold one), or a command's output (`$(cat ~/.hf)`, `$(gh auth token)`)
 * that is no echo or printf of words written there (`$(printf V)` holds V).
 */
function namesSecret(expansion: string): boolean {
  PARAMETER_REF.lastIndex = 0
  if (PARAMETER_REF.test(expansion) && PARAMETER_REF.lastIndex === expansion.length) return true
  const inner = /^\$\((?!\()([\s\S]*)\)$|^`([\s\S]*)`$/.exec(expansion)
  const code = inner?.[1] ?? inner?.[2]
  // Not what a command is given written there: echo's or printf's words, a here-string or
  // here-document.
  return code !== undefined && expansionAt(expansion, 0) === expansion.length && !/^\s*(?:builtin\s+|command\s+)?(?:echo|printf)\b/.test(code) &&
    !code.includes('<<')
}

/** Whether a command reads its standard input as a script: a shell, ssh, su (`bash <<EOF`, `ssh host <<EOF`). */
function readsScript(command: ShellCommand): boolean {
  return command.words.some((w) => SHELLS.has(commandName(w.value)) || /^(?:ssh|su|runuser|eval)$/.test(commandName(w.value)))
}

/** A string literal in a line of code: where it starts (a prefix, `r"`, `f'`), its quotes, and where it ends. */
interface CodeString { from: number; open: number; close: number; end: number }

/**
 * The string literals of a line of code, as most languages read them ("…", '…', `…`, with
 * backslash escapes), up to a comment (`#` or `//` after a space) or a string left open (the rest
 * of the line is then unknown).
 */
function codeStrings(line: string): CodeString[] {
  const out: CodeString[] = []
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if ((c === '#' || (c === '/' && line[i + 1] === '/')) && (i === 0 || /[\s;]/.test(line[i - 1]!))) break
    if (c !== '"' && c !== "'" && c !== '`') continue
    // A triple-quoted string on one line (Python's `"""V"""`): its text is between the triples.
    if (line.startsWith(c.repeat(3), i)) {
      const j = line.indexOf(c.repeat(3), i + 3)
      if (j < 0) break
      out.push({ from: i, open: i + 2, close: j, end: j + 3 })
      i = j + 2
      continue
    }
    let j = i + 1
    while (j < line.length && line[j] !== c) j += line[j] === '\\' ? 2 : 1
    if (j >= line.length) break
    const prefix = /(?<![\w$])[rRbBuUfF]{1,2}$/.exec(line.slice(Math.max(0, i - 3), i))
    out.push({ from: i - (prefix?.[0].length ?? 0), open: i, close: j, end: j + 1 })
    i = j
  }
  return out
}

/**
 * Whether a command reads its standard input as code: SQL (`psql <<EOF`, `cat > q.sql <<EOF`), or
 * a program's (`python <<EOF`, `node -`, `cat > app.py <<EOF`); null for neither.
 */
function readsCode(command: ShellCommand): CodeKind {
  const words = command.words.map((w) => w.value)
  // A program's source written to a file (`cat > app.py <<EOF`, `tee main.go <<EOF`).
  const file = /\.(?:py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rb|java|kt|scala|rs|c|h|cc|cpp|hpp|cs|php|pl|r|R|jl|lua|swift|sh|bash|zsh|tf|sql|ipynb)$/
  const written = [...command.writes, ...(commandName(words[0]) === 'tee' ? words.slice(1) : [])].filter((f) => file.test(f))
  // (A shell script's lines are read as command lines already: its strings are not a program's.)
  if (written.length > 0) return written.every((f) => f.endsWith('.sql')) ? 'sql' : written.every((f) => /\.(?:sh|bash|zsh)$/.test(f)) ? 'shell' : 'program'
  // SQL clients read SQL; an interpreter reads its program there only when it is given none
  // otherwise (`python3 -c CODE <<EOF`, `python3 render.py <<EOF` read data).
  if (words.some((w) => /^(?:psql|mysql|mariadb|sqlite3|sqlcmd|duckdb|clickhouse-client|cqlsh|snowsql|mongosh|mongo)$/.test(commandName(w)))) return 'sql'
  const at = words.findIndex((w) => INTERPRETER.test(commandName(w)))
  return at >= 0 && !words.slice(at + 1).some((w) => /^(?:-[A-Za-z]*[cemr]|--eval|--command|run)$/.test(w) || (w !== '-' && !w.startsWith('-'))) ? 'program' : null
}

/** How a file's text in a patch is read, by its name: a program's, a shell script's, SQL, or (null) a configuration file's. */
function patchFileKind(file: string): CodeKind {
  const base = file.slice(file.lastIndexOf('/') + 1)
  // (A Makefile's recipes and assignments, a Dockerfile's RUN and ENV lines, a README's examples
  // and an env file's assignments are command lines too: prose there loses the word after a
  // secret flag's name, the safe side.)
  if (/\.(?:sh|bash|zsh|ksh|mk|md|markdown|rst|env)$/i.test(base) || /^\.env(?:\..*)?$/.test(base) || /^(?:\.(?:bashrc|bash_profile|profile|zshrc|zprofile|envrc)|(?:GNU)?[Mm]akefile|Dockerfile.*|Containerfile.*|Justfile|justfile)$/.test(base)) return 'shell'
  if (/\.sql$/i.test(base)) return 'sql'
  return /\.(?:py|pyi|pyx|js|mjs|cjs|ts|mts|cts|tsx|jsx|go|rb|java|kt|kts|scala|groovy|rs|c|h|cc|cpp|hpp|cs|php|pl|pm|r|jl|lua|swift|m|dart|ex|exs)$/i.test(base) ? 'program' : null
}

/** The quote a line leaves open ('' for none), given the one open before it (a comment's words open none). */
function openQuoteAfter(line: string, before: string): string {
  let quote = before
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote === "'") { if (c === "'") quote = ''; continue }
    if (c === '\\') { i++; continue }
    if (quote === '"') { if (c === '"') quote = ''; continue }
    // (An apostrophe between letters, `It's`, `Don't`, is prose's, not a quote to carry over lines.)
    if (c === "'" && /[A-Za-z]/.test(line[i - 1] ?? '') && /[A-Za-z]/.test(line[i + 1] ?? '')) continue
    if (c === "'" || c === '"') quote = c
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break
  }
  return quote
}

/** Whether a command takes a secret on its standard input: a secret-named `--*-stdin` flag (`docker login --password-stdin`). */
function readsSecret(r: Redactor, command: ShellCommand): boolean {
  // sudo -S (--stdin) reads the user's password.
  if (commandName(command.words[0]?.value) === 'sudo' && command.words.some((w) => w.value === '--stdin' || /^-[A-Za-z]*S[A-Za-z]*$/.test(w.value))) return true
  if (command.words.some((w) => READS_SECRET_FLAG.test(w.value) && r.isSecretName(w.value.replace(/-stdin$/, '')))) return true
  // A tool's rule: `gh secret set N`, `chpasswd`, `git credential approve`, `gcloud secrets ... --data-file=-`.
  const values = command.words.map((w) => w.value)
  let k = 0
  while (k < values.length - 1 && (COMMAND_PREFIX.has(values[k]!) || ASSIGNMENT_WORD.test(values[k]!))) k++
  const first = commandName(values[k])
  return readsSecretByRule(values.slice(k), WRAPPERS.has(first) || RUNNERS.has(first))
}

/**
 * Where a script's word changes, redacted: the characters from its first change to its last,
 * replaced in place where they were written one after another in one quoting (the fingerprint
 * quoted where it stands bare: `--password='[redacted …]'`); else the whole word, quoted anew.
 */
function wordEdit(w: ShellWord, redacted: string): Edit {
  const v = w.value
  let a = 0
  while (a < v.length && a < redacted.length && v[a] === redacted[a]) a++
  let b = 0
  while (b < v.length - a && b < redacted.length - a && v[v.length - 1 - b] === redacted[redacted.length - 1 - b]) b++
  const from = a
  const to = v.length - b
  if (to > from && w.at[from]! >= 0 && w.quoting[from] !== 'escaped') {
    const q = w.quoting[from]!
    let inPlace = true
    for (let k = from + 1; inPlace && k < to; k++) inPlace = w.at[k] === w.at[k - 1]! + 1 && w.quoting[k] === q
    const middle = redacted.slice(a, redacted.length - b)
    // Only where the redacted characters are the written ones with fingerprints put in, or any
    // that double quotes keep as they are: a script within the script (`sh -c 'curl -u a:b'`) comes
    // back with quotes of its own, which would end the quoting they are put in.
    if (inPlace && (isWithFingerprints(middle, v.slice(from, to)) || (q === 'double' && !/["\\$`]/.test(middle)))) {
      return { start: w.at[from]!, end: w.at[to - 1]! + 1, text: q === 'bare' ? middle.replace(FINGERPRINT_IN_TEXT, "'$&'") : middle }
    }
  }
  return { start: w.start, end: w.end, text: shellQuote(redacted) }
}

/** Whether `text` is `original` with some parts of it replaced by fingerprints. */
function isWithFingerprints(text: string, original: string): boolean {
  let at = 0
  for (const piece of text.split(FINGERPRINT_IN_TEXT)) {
    const found = original.indexOf(piece, at)
    if (found < 0) return false
    at = found + piece.length
  }
  return true
}

function holdsFingerprint(v: unknown): boolean {
  if (typeof v === 'string') return REDACTED_RE.test(v)
  if (Array.isArray(v)) return v.some(holdsFingerprint)
  if (v !== null && typeof v === 'object') return Object.values(v).some(holdsFingerprint)
  return false
}

/** A remote URL without credentials: userinfo of scheme URLs goes (ssh keeps its user name). */
export function stripUrlCredentials(url: string): string {
  // The user information ends at the last @ before the path (a password may hold an @).
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/]*)@([^/@]*(?:\/.*)?)$/s.exec(url)
  if (!m) return url
  const [, scheme, userinfo, rest] = m
  if (/^ssh:\/\//i.test(scheme!) || /^git\+ssh:\/\//i.test(scheme!)) {
    const user = userinfo!.split(':')[0]!
    return `${scheme}${user}@${rest}`
  }
  return `${scheme}${rest}`
}

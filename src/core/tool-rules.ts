/**
 * Tools whose own words hold a secret where no name says so: the secret stores' commands
 * (`kubectl create secret generic x --from-literal=K=V`, `vault kv put P K=V`, `fly secrets set
 * K=V`), a password as a positional word (`htpasswd -b F USER V`, `mc alias set A URL AK SK`,
 * `poetry config http-basic.R USER V`) or after a user (`smbclient -U user%V`, `lftp -u user,V`),
 * and options whose value is a shell script (`nix-shell --run`, `npx -c`, `hyperfine 'CMD'`).
 * Pure: argv in, a plan of which words to redact how out; redact.ts carries the plan out.
 */

/** What a word (from `from` on: after `--opt=`, after `-U`) holds. */
export type WordAction = 'secret' | 'assignment' | 'user%' | 'user,' | 'script' | 'code' | 'yaml' | 'remote' | 'named'

export interface PlannedWord {
  action: WordAction
  /** where the value starts in the word */
  from: number
  /** the value is an option's (the word before it, or this word's own `--opt=`) */
  option?: boolean
  /** a shell's script, whose positional parameters are the words after it (`--entrypoint sh IMAGE -c SCRIPT $0 $1`) */
  shell?: boolean
  /** for an assignment: whether any key goes (kubectl's `.dockerconfigjson=V`), and the values that say where a value is, kept (vault's `@file`, `-`) */
  anyKey?: boolean
  keep?: RegExp
  /** for a remote: the keys whose values are secrets */
  keys?: RegExp
  /** for 'named': the name the value is given under (`netlify env:set NAME V`), judged by the names' policy */
  name?: string
}

/** The tool's words, from its name on. */
type Words = readonly string[]

interface ToolRule {
  /** the command's name (argv[0], or after a wrapper or runner: `sudo htpasswd`, `docker exec c vault`) */
  tools: readonly string[]
  /** the words after it that pick the rule, in this order, not necessarily side by side (`kubectl -n ns create secret`) */
  path: readonly (string | RegExp)[]
  /** the path's words come right after the tool, one after another (`openssl passwd`, not `openssl enc -in passwd`) */
  adjacent?: boolean
  /** only when the tool's words say so (`--type SecureString`, htpasswd's -b) */
  when?: (words: Words) => boolean
  /** options that take the next word as their value (so that positional words are counted right) */
  valued?: RegExp
  /** the tool reads options only up to its first positional word: after it, `-x` is a positional word too */
  optionsEnd?: boolean
  /** the positional words after the path that are secrets: by index (0 is the first), all, or the last */
  positional?: readonly number[] | 'all' | 'last'
  /** for 'last': how many positional words the tool takes when the secret is given (fewer: it asks for it; `mc alias set A URL`) */
  atLeast?: number | ((words: Words) => number)
  /** the first positional word is a name, the second its value: a secret when the name is (`netlify env:set NAME V`) */
  nameValue?: boolean
  /** every `K=V` positional word's V is a secret */
  assignments?: boolean
  /** options whose value is `K=V` with a secret V (`--from-literal=K=V`) */
  assignmentOptions?: RegExp
  /** assignments: any key (not only a name), and values that are kept (they say where the value is) */
  anyKey?: boolean
  keep?: RegExp
  /** options whose value is a secret (the next word, or after `=`) */
  secretOptions?: RegExp
  /** options whose value is USER%PASSWORD or USER,PASSWORD: the part after the separator */
  userOptions?: readonly [RegExp, '%' | ',']
  /** a one-letter option may hold its value joined (`-bV`, `-Uuser%V`) */
  joined?: boolean
  /** positional `KEY VALUE` and `KEY=VALUE` words: VALUE is a secret under a key that matches */
  secretKeys?: RegExp
  /** options whose value is a shell script; and whether every positional word is one */
  scriptOptions?: RegExp
  scripts?: boolean
  /** options whose value is a program's code (`python -c`, `node -e`); and whether the first positional word is (`deno eval CODE`) */
  codeOptions?: RegExp
  code?: boolean
  /** the words after the code are the program's (python's `-c CODE ARGS`), not the tool's options */
  codeEnds?: boolean
  /** options after which the words are another program's (`python -m pytest -c pytest.ini`) */
  stop?: RegExp
  /** options whose value is YAML or JSON settings (dbt's `--vars '{password: V}'`) */
  yamlOptions?: RegExp
  /** positional words that are rclone's connection strings (`:sftp,host=h,pass=V:path`): values under these keys are secrets */
  remoteKeys?: RegExp
  /** what the command reads on its standard input is a secret (`echo V | gh secret set N`) */
  stdin?: boolean | ((words: Words) => boolean)
}

/** Whether a one-letter flag is given, alone or grouped with others (`-b`, `-nbB`). */
const groupedFlag = (letter: string): ((words: Words) => boolean) => {
  const re = new RegExp(`^-[A-Za-z]*${letter}[A-Za-z]*$`)
  return (words) => words.some((w) => re.test(w))
}
const HTPASSWD_BATCH = groupedFlag('b')
const HTPASSWD_NO_FILE = groupedFlag('n')
/** rclone's settings that hold a secret (`rclone config create R s3 secret_access_key V`, `pass=V`). */
const RCLONE_SECRET_KEYS = /^(?:pass|key|password\d?|[a-z_]*(?:secret|token|password|_key|credentials|_pass)|access_grant|sas_url|key_pem)$/
/** A word that names standard input as a file. */
const STDIN_FILE = /(?:^|=)(?:-|\/dev\/stdin)$/
/** An rclone connection string: a remote or `:backend`, then `,key=value` settings (`:sftp,host=h,pass=V:path`). */
const RCLONE_REMOTE = /^(?::[A-Za-z0-9_-]+|[A-Za-z0-9_][A-Za-z0-9_. -]*),[A-Za-z_][A-Za-z0-9_]*[=,:]/
/** Python's names, and its options: those that take a value, `-c` (grouped after switches, `-Ic`), and `-m`, after which the words are the module's. */
const PYTHONS = ['python', 'python2', 'python3', 'pypy', 'pypy3', 'py', ...Array.from({ length: 20 }, (_, i) => `python3.${i}`), 'python2.7']
const PYTHON_SWITCHES = '[bBdEhiIOPqRsSuvVx]*'
/** cargo login's options that take a value. */
const CARGO_VALUED = /^(?:--registry|--config|-Z|--color)$/
/** `netlify env:set NAME V`, and its options that take a value. */
const NETLIFY_ENV_SET: ToolRule = { tools: ['netlify', 'ntl', 'netlify-cli'], path: ['env:set'], adjacent: true, valued: /^(?:--context|--scope|--filter)$/ }
/** tmux's subcommands that run a shell command, and their options that take a value. */
const TMUX = (names: RegExp, valued: RegExp): ToolRule => ({ tools: ['tmux'], path: [names], scripts: true, valued })

/** The rules, by tool. */
const RULES: readonly ToolRule[] = [
  // Secret stores: what these commands are given is a secret by what they are.
  { tools: ['kubectl', 'oc'], path: ['create', 'secret'], assignmentOptions: /^--from-literal$/, anyKey: true, stdin: (w) => w.some((x) => /^--from-(?:env-)?file=(?:[^=]*=)?\/dev\/stdin$/.test(x)) },
  { tools: ['vault'], path: ['kv', /^(?:put|patch)$/], assignments: true, keep: /^(?:-|@.*)$/s, stdin: (w) => w.some((x) => /^[^=-][^=]*=-$/.test(x)) },
  // `vault write P K=V` writes to any engine; under the KV engines' default mounts it stores secrets.
  { tools: ['vault'], path: ['write'], adjacent: true, when: (w) => /^(?:secret|kv|kv-v2)\//.test(w.slice(2).find((x) => !x.startsWith('-')) ?? ''), assignments: true, keep: /^(?:-|@.*)$/s },
  { tools: ['fly', 'flyctl'], path: ['secrets', 'set'], assignments: true },
  { tools: ['fly', 'flyctl'], path: ['secrets', 'import'], stdin: true },
  { tools: ['supabase'], path: ['secrets', 'set'], assignments: true },
  // doppler secrets set K=V; with a name alone, it reads the value on standard input.
  { tools: ['doppler'], path: ['secrets', 'set'], assignments: true, stdin: (w) => !w.some((x) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(x)) },
  { tools: ['gh'], path: ['secret', 'set'], secretOptions: /^(?:-b|--body)$/, joined: true, stdin: (w) => !w.some((x) => /^(?:-b|--body|-f|--env-file)/.test(x)) },
  { tools: ['wrangler'], path: ['secret', 'put'], stdin: true },
  { tools: ['docker', 'podman'], path: ['secret', 'create'], stdin: (w) => w.some((x) => x === '-') },
  { tools: ['gcloud'], path: ['secrets'], stdin: (w) => w.some((x, i) => (x.startsWith('--data-file=') && STDIN_FILE.test(x)) || (x === '--data-file' && STDIN_FILE.test(w[i + 1] ?? ''))) },
  { tools: ['aws'], path: ['ssm', 'put-parameter'], when: (w) => w.some((x) => /^(?:--type=)?SecureString$/.test(x)), secretOptions: /^--value$/ },
  { tools: ['az'], path: ['keyvault', 'secret', 'set'], secretOptions: /^--value$/ },
  { tools: ['git'], path: ['credential', /^(?:approve|store|reject)$/], stdin: true },
  { tools: ['pass', 'gopass'], path: [/^(?:insert|add)$/], adjacent: true, stdin: true },
  { tools: ['chpasswd', 'chgpasswd'], path: [], stdin: true },
  { tools: ['passwd'], path: ['--stdin'], stdin: true },
  { tools: ['smbpasswd'], path: [], when: groupedFlag('s'), stdin: true },
  // A password as a positional word: htpasswd -b[c...] FILE USER PASSWORD, -nb USER PASSWORD; -i reads it.
  { tools: ['htpasswd'], path: [], when: HTPASSWD_BATCH, optionsEnd: true, positional: 'last', atLeast: (w) => (HTPASSWD_NO_FILE(w) ? 2 : 3) },
  { tools: ['htpasswd'], path: [], when: groupedFlag('i'), stdin: true },
  { tools: ['openssl'], path: ['passwd'], adjacent: true, optionsEnd: true, positional: 'all', valued: /^-(?:salt|in)$/ },
  { tools: ['openssl'], path: [], secretOptions: /^-[kK]$/ },
  { tools: ['mc'], path: ['alias', 'set'], positional: 'last', atLeast: 4, valued: /^--(?:api|path)$/ },
  { tools: ['mc'], path: ['config', 'host', 'add'], positional: 'last', atLeast: 4, valued: /^--(?:api|lookup)$/ },
  { tools: ['mc'], path: ['admin', 'user', 'add'], positional: 'last', atLeast: 3 },
  { tools: ['samba-tool'], path: ['user', /^(?:create|add|setpassword)$/], positional: [1], secretOptions: /^--newpassword$/ },
  { tools: ['poetry'], path: ['config', /^http-basic\./], positional: 'last', atLeast: 2 },
  { tools: ['poetry'], path: ['config', /^pypi-token\./], positional: 'last' },
  { tools: ['ngrok'], path: ['config', /^add-(?:authtoken|api-key)$/], positional: 'last' },
  { tools: ['rclone'], path: ['config', /^(?:create|update|password)$/], adjacent: true, secretKeys: RCLONE_SECRET_KEYS },
  { tools: ['rclone'], path: ['obscure'], adjacent: true, positional: 'all' },
  // A password after the user.
  { tools: ['smbclient', 'rpcclient', 'smbcacls', 'smbget', 'smbtree', 'smbcquotas', 'samba-tool', 'net'], path: [], userOptions: [/^(?:-U|--user)$/, '%'], joined: true },
  { tools: ['wbinfo'], path: [], userOptions: [/^(?:-a|--authenticate)$/, '%'], joined: true },
  { tools: ['smbmap'], path: [], secretOptions: /^(?:-p|--password)$/ },
  { tools: ['lftp'], path: [], userOptions: [/^(?:-u|--user)$/, ','], joined: true, scriptOptions: /^-[ce]$/ },
  // lftp's own commands (-c, -e): `open -u USER,PASSWORD URL`.
  { tools: ['open'], path: [], when: (w) => w.some((x) => /^(?:s?ftp|sftp|fish|https?):\/\//.test(x)), userOptions: [/^(?:-u|--user)$/, ','] },
  // Options and words that are shell scripts.
  { tools: ['nix-shell'], path: [], scriptOptions: /^--(?:run|command)$/ },
  { tools: ['npx'], path: [], scriptOptions: /^(?:-c|--call)$/ },
  { tools: ['npm'], path: [/^(?:exec|x)$/], scriptOptions: /^(?:-c|--call)$/ },
  { tools: ['pnpm'], path: ['dlx'], scriptOptions: /^(?:-c|--shell-mode)$/ },
  { tools: ['nodemon'], path: [], scriptOptions: /^(?:-x|--exec)$/ },
  { tools: ['git'], path: ['rebase'], scriptOptions: /^(?:-x|--exec)$/ },
  { tools: ['concurrently'], path: [], scripts: true },
  { tools: ['hyperfine'], path: [], scripts: true, scriptOptions: /^(?:-p|--prepare|-s|--setup|-c|--cleanup|--conclude)$/, valued: /^(?:-w|--warmup|-m|--min-runs|-M|--max-runs|-r|--runs|-S|--shell|-n|--command-name|-P|--parameter-scan|-D|--parameter-step-size|-L|--parameter-list|--export-[a-z]+|--style|--sort|-u|--time-unit|--output|--input)$/ },
  // More passwords and tokens given to a tool's option or as its positional word.
  { tools: ['redis-cli'], path: [], secretOptions: /^--pass$/ },
  // redis-cli's own commands: `AUTH [USER] V`, `CONFIG SET requirepass V`.
  { tools: ['redis-cli'], path: [/^auth$/i], positional: 'last', valued: /^-[hpanu]$/ },
  { tools: ['redis-cli'], path: [/^config$/i, /^set$/i], secretKeys: /^(?:requirepass|masterauth)$/i },
  { tools: ['cqlsh', 'cypher-shell'], path: [], secretOptions: /^(?:-p|--password)$/, joined: true },
  { tools: ['airflow'], path: ['users', /^(?:create|reset-password)$/], secretOptions: /^(?:-p|--password)$/ },
  { tools: ['poetry'], path: ['publish'], secretOptions: /^(?:-p|--password)$/ },
  { tools: ['influx'], path: [], secretOptions: /^(?:-t|--token)$/ },
  { tools: ['influx'], path: [/^(?:setup|user)$/], secretOptions: /^(?:-p|--password)$/ },
  // ssh-keygen's new and old passphrases (`-N ''` asks for none: an empty value is kept).
  { tools: ['ssh-keygen'], path: [], secretOptions: /^-[A-Za-z]*[NP]$/, joined: true },
  // `cargo login TOKEN`; without it, cargo reads the token on standard input.
  // (`cargo +nightly login`: a toolchain may come first.)
  { tools: ['cargo'], path: ['login'], when: (w) => w[1] === 'login' || (w[1]?.startsWith('+') === true && w[2] === 'login'), positional: [0], valued: CARGO_VALUED,
    stdin: (w) => !w.slice(w.indexOf('login') + 1).some((x, i, a) => !x.startsWith('-') && !CARGO_VALUED.test(a[i - 1] ?? '')) },
  { tools: ['neo4j-admin'], path: ['set-initial-password'], positional: [0] },
  { tools: ['rabbitmqctl'], path: [/^(?:add_user|change_password|authenticate_user)$/], positional: [1], valued: /^(?:-n|--node|-p|--vhost|-t|--timeout)$/ },
  { tools: ['mysqladmin', 'mariadb-admin'], path: ['password'], positional: [0] },
  // A deploy's environment: `netlify env:set NAME V` under a secret NAME, or with --secret; `vercel env
  // add NAME` reads V (Vercel keeps every value as a secret); airflow's variables.
  { ...NETLIFY_ENV_SET, nameValue: true },
  { ...NETLIFY_ENV_SET, when: (w) => w.includes('--secret'), positional: [1] },
  { tools: ['vercel'], path: ['env', 'add'], stdin: true, secretOptions: /^--value$/ },
  { tools: ['vercel'], path: [], secretOptions: /^-t$/ },
  { tools: ['airflow'], path: ['variables', 'set'], nameValue: true },
  // rclone's connection strings: `rclone copy :sftp,host=h,user=u,pass=V:dir .` (a remote on the fly).
  { tools: ['rclone'], path: [], remoteKeys: RCLONE_SECRET_KEYS },
  // Settings given as YAML or JSON: dbt's `--vars '{password: V}'`.
  { tools: ['dbt'], path: [], yamlOptions: /^--(?:vars|args)$/ },
  // A program's code in an option: an interpreter's `-c`, `-e` (judged as a program's code: a
  // string given to a secret's name, `openai.api_key = "V"`, `os.environ["HF_TOKEN"] = "V"`).
  { tools: ['ipython', 'ipython3'], path: [], codeOptions: /^-c$/, codeEnds: true, optionsEnd: true },
  { tools: PYTHONS, path: [], codeOptions: new RegExp(`^-${PYTHON_SWITCHES}c$`), codeEnds: true, joined: true, optionsEnd: true, valued: /^-[WXQ]$/, stop: new RegExp(`^-${PYTHON_SWITCHES}m`) },
  { tools: ['node', 'nodejs', 'bun', 'tsx', 'ts-node'], path: [], codeOptions: /^(?:-e|--eval|-p|--print|-pe|-ep)$/, optionsEnd: true,
    valued: /^(?:-r|--require|--import|--loader|--experimental-loader|-C|--conditions|--input-type|--title|--env-file)$/ },
  { tools: ['deno'], path: ['eval'], adjacent: true, code: true, optionsEnd: true, valued: /^(?:--ext|--import-map|--config|-c|--location|--seed|--v8-flags|--cert|--lock)$/ },
  { tools: ['Rscript', 'R'], path: [], codeOptions: /^-e$/, optionsEnd: true },
  { tools: ['ruby'], path: [], codeOptions: /^-[nplaswWdv]*e$/, optionsEnd: true, valued: /^-[ICr]$/ },
  { tools: ['perl'], path: [], codeOptions: /^-[nplaswWTtUXd]*[eE]$/, optionsEnd: true, valued: /^-[IMm]$/ },
  { tools: ['php'], path: [], codeOptions: /^(?:-r|--run)$/, optionsEnd: true, valued: /^-[cdz]$/ },
  { tools: ['julia'], path: [], codeOptions: /^(?:-e|--eval|-E|--print)$/, optionsEnd: true, valued: /^(?:-p|-t|-J|-L|-C|-O|-g|--procs|--threads|--sysimage|--load|--cpu-target)$/ },
  { tools: ['lua', 'luajit'], path: [], codeOptions: /^-e$/, optionsEnd: true, valued: /^-l$/ },
  TMUX(/^(?:new-session|new)$/, /^-[cefFnstxy]$/),
  TMUX(/^(?:new-window|neww)$/, /^-[ceFnt]$/),
  TMUX(/^(?:split-window|splitw)$/, /^-[ceFlt]$/),
  TMUX(/^(?:respawn-pane|respawnp|respawn-window|respawnw)$/, /^-[cet]$/),
  TMUX(/^(?:run-shell|run)$/, /^-[dt]$/),
  TMUX(/^(?:send-keys|send)$/, /^-[Nt]$/),
  TMUX(/^(?:display-popup|popup)$/, /^-[bcdehwxysSTt]$/),
]

/** Container runners: a tool or a shell may be their `--entrypoint`. */
const CONTAINER_RUNNERS = ['docker', 'podman', 'nerdctl', 'docker-compose', 'podman-compose']
/** Every tool a rule names, and the container runners. */
const TOOLS = new Set([...RULES.flatMap((r) => r.tools), ...CONTAINER_RUNNERS])
/** The shells whose `-c` takes a script. */
export const SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'yash', 'posh', 'fish'])

/** A command's name without its directory: `/usr/bin/curl` is `curl`. */
export function commandName(word: string | undefined): string {
  return (word ?? '').replace(/^.*\//, '')
}
const base = commandName

/**
 * `docker run --entrypoint TOOL IMAGE ARGS`: TOOL's rules hold for the words after it (the
 * image, and docker's options there, counted as TOOL's words: the rules that count positional
 * words count from the last for that reason). With a shell as the entrypoint, the word after each
 * `-c` (grouped too, `-lc`) past it is a script (docker's own `-c 512`, cpu shares, is then read as
 * a script that holds no secret).
 */
function entrypoint(argv: readonly string[], anyTool: boolean, plan: Map<number, PlannedWord>): void {
  const runner = anyTool ? argv.findIndex((w) => CONTAINER_RUNNERS.includes(base(w))) : CONTAINER_RUNNERS.includes(base(argv[0])) ? 0 : -1
  if (runner < 0) return
  for (let j = runner + 1; j < argv.length - 1; j++) {
    const w = argv[j]!
    // The word that stands for the tool: the value of --entrypoint, or --entrypoint=TOOL itself.
    const at = w === '--entrypoint' ? j + 1 : w.startsWith('--entrypoint=') ? j : -1
    if (at < 0) continue
    const tool = at === j ? w.slice(13) : argv[at]!
    if (SHELLS.has(base(tool))) {
      for (let k = at + 1; k < argv.length - 1; k++) {
        if (/^-[A-Za-z]*c[A-Za-z]*$/.test(argv[k]!)) { plan.set(k + 1, { action: 'script', from: 0, shell: true }); k++ }
      }
    } else {
      for (const [i, p] of planToolWords([tool, ...argv.slice(at + 1)], false)) if (i > 0 && !plan.has(at + i)) plan.set(at + i, p)
    }
    return
  }
}

/**
 * Where in argv a rule's tool and path are: the tool at argv[0], or its first word anywhere when
 * argv[0] is a command that runs another (`sudo`, `docker exec c`), then the path's words in order
 * after it. The tool's index and that of the path's last word (the tool's, for an empty path).
 */
function matchRule(rule: ToolRule, argv: readonly string[], anyTool: boolean): readonly [number, number] | null {
  const t = anyTool ? argv.findIndex((w) => rule.tools.includes(base(w))) : rule.tools.includes(base(argv[0])) ? 0 : -1
  if (t < 0) return null
  let at = t
  for (const step of rule.path) {
    let j = at + 1
    if (!rule.adjacent) while (j < argv.length && !(typeof step === 'string' ? argv[j] === step : step.test(argv[j]!))) j++
    if (j >= argv.length || !(typeof step === 'string' ? argv[j] === step : step.test(argv[j]!))) return null
    at = j
  }
  return rule.when === undefined || rule.when(argv.slice(t)) ? [t, at] : null
}

/**
 * Which words of argv the tool rules make secret, and how: by index. `anyTool` says that argv[0]
 * runs another command, so the tool may come later.
 */
export function planToolWords(argv: readonly string[], anyTool: boolean): Map<number, PlannedWord> {
  const plan = new Map<number, PlannedWord>()
  if (argv.length < 2 || !(anyTool ? argv.some((w) => TOOLS.has(base(w))) : TOOLS.has(base(argv[0])))) return plan
  entrypoint(argv, anyTool, plan)
  for (const rule of RULES) {
    const found = matchRule(rule, argv, anyTool)
    if (found === null) continue
    const assign: Pick<PlannedWord, 'anyKey' | 'keep'> = { ...(rule.anyKey ? { anyKey: true } : {}), ...(rule.keep ? { keep: rule.keep } : {}) }
    const positionals: number[] = []
    let options = true
    let keySecret = false
    for (let j = found[1] + 1; j < argv.length; j++) {
      const w = argv[j]!
      // A `--` after the tool's positional words ends them (`sudo -- htpasswd -b f u V -- …`: another command's).
      if (w === '--') {
        if (positionals.length > 0) break
        if (options) { options = false; continue }
      }
      if (options && w.length > 1 && w.startsWith('-')) {
        const eq = w.startsWith('--') ? w.indexOf('=') : -1
        const name = eq < 0 ? w : w.slice(0, eq)
        const take = (action: WordAction, what: Partial<PlannedWord> = {}): void => {
          if (eq >= 0) plan.set(j, { action, from: eq + 1, option: true, ...what })
          else if (j + 1 < argv.length) { plan.set(j + 1, { action, from: 0, option: true, ...what }); j++ }
        }
        const user = rule.userOptions?.[1] === '%' ? 'user%' : 'user,'
        if (rule.secretOptions?.test(name)) take('secret')
        else if (rule.assignmentOptions?.test(name)) take('assignment', assign)
        else if (rule.scriptOptions?.test(name)) take('script')
        else if (rule.codeOptions?.test(name)) { take('code'); if (rule.codeEnds) break }
        else if (rule.yamlOptions?.test(name)) take('yaml')
        else if (rule.userOptions?.[0].test(name)) take(user)
        else if (rule.stop?.test(w)) break
        else if (rule.joined && !w.startsWith('--') && w.length > 2) {
          // A one-letter option with its value joined: -bV, -Uuser%V, python's -cCODE.
          const short = w.slice(0, 2)
          if (rule.secretOptions?.test(short)) plan.set(j, { action: 'secret', from: 2, option: true })
          else if (rule.userOptions?.[0].test(short)) plan.set(j, { action: user, from: 2, option: true })
          else if (rule.codeOptions?.test(short)) { plan.set(j, { action: 'code', from: 2, option: true }); if (rule.codeEnds) break }
        } else if (eq < 0 && rule.valued?.test(w)) j++
        continue
      }
      // A positional word.
      if (rule.optionsEnd) options = false
      positionals.push(j)
      if (rule.scripts) plan.set(j, { action: 'script', from: 0 })
      else if (rule.code && positionals.length === 1) plan.set(j, { action: 'code', from: 0 })
      else if (rule.remoteKeys !== undefined && RCLONE_REMOTE.test(w)) plan.set(j, { action: 'remote', from: 0, keys: rule.remoteKeys })
      else if (rule.nameValue && positionals.length === 2) plan.set(j, { action: 'named', from: 0, name: argv[positionals[0]!]! })
      else if (rule.positional === 'all' || (Array.isArray(rule.positional) && rule.positional.includes(positionals.length - 1))) plan.set(j, { action: 'secret', from: 0 })
      else if (rule.assignments && (rule.anyKey ? /^[^=]+=/ : /^[A-Za-z_][A-Za-z0-9_.-]*=/).test(w)) plan.set(j, { action: 'assignment', from: 0, ...assign })
      else if (rule.secretKeys !== undefined) {
        const eq = w.indexOf('=')
        if (keySecret) { plan.set(j, { action: 'secret', from: 0 }); keySecret = false }
        else if (eq > 0) { if (rule.secretKeys.test(w.slice(0, eq))) plan.set(j, { action: 'secret', from: eq + 1 }) }
        else keySecret = rule.secretKeys.test(w)
      }
    }
    const least = typeof rule.atLeast === 'function' ? rule.atLeast(argv.slice(found[0])) : rule.atLeast ?? 1
    if (rule.positional === 'last' && positionals.length >= least) plan.set(positionals[positionals.length - 1]!, { action: 'secret', from: 0 })
  }
  return plan
}

/** Whether a command (its words) takes a secret on its standard input by a rule (`gh secret set N`, `chpasswd`). */
export function readsSecretByRule(argv: readonly string[], anyTool: boolean): boolean {
  if (argv.length === 0 || !(anyTool ? argv.some((w) => TOOLS.has(base(w))) : TOOLS.has(base(argv[0])))) return false
  return RULES.some((rule) => {
    if (rule.stdin === undefined) return false
    const found = matchRule(rule, argv, anyTool)
    return found !== null && (rule.stdin === true || (typeof rule.stdin === 'function' && rule.stdin(argv.slice(found[0]))))
  })
}

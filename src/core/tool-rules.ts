/**
 * Tools whose own words hold a secret where no name says so: the secret stores' commands
 * (`kubectl create secret generic x --from-literal=K=V`, `vault kv put P K=V`, `fly secrets set
 * K=V`), a password as a positional word (`htpasswd -b F USER V`, `mc alias set A URL AK SK`,
 * `poetry config http-basic.R USER V`) or after a user (`smbclient -U user%V`, `lftp -u user,V`),
 * and options whose value is a shell script (`nix-shell --run`, `npx -c`, `hyperfine 'CMD'`).
 * Pure: argv in, a plan of which words to redact how out; redact.ts carries the plan out.
 */

/** What a word (from `from` on: after `--opt=`, after `-U`) holds. */
export type WordAction = 'secret' | 'assignment' | 'user%' | 'user,' | 'script'

export interface PlannedWord {
  action: WordAction
  /** where the value starts in the word */
  from: number
}

interface ToolRule {
  /** the command's name (argv[0], or after a wrapper or runner: `sudo htpasswd`, `docker exec c vault`) */
  tools: readonly string[]
  /** the words after it that pick the rule, in this order, not necessarily side by side (`kubectl -n ns create secret`) */
  path: readonly (string | RegExp)[]
  /** only when the whole command line says so (`--type SecureString`, htpasswd's -b) */
  when?: (argv: readonly string[]) => boolean
  /** options that take the next word as their value (so that positional words are counted right) */
  valued?: RegExp
  /** the positional words after the path that are secrets (0 is the first), or all of them */
  positional?: readonly number[] | 'all' | ((argv: readonly string[]) => readonly number[])
  /** every `K=V` positional word's V is a secret (`@file` and `-` name where it is, and are kept) */
  assignments?: boolean
  /** options whose value is `K=V` with a secret V (`--from-literal=K=V`) */
  assignmentOptions?: RegExp
  /** options whose value is a secret (the next word, or after `=`) */
  secretOptions?: RegExp
  /** options whose value is USER%PASSWORD or USER,PASSWORD (the part after the separator), and the short one joined (`-Uuser%V`) */
  userOptions?: readonly [RegExp, '%' | ',', string]
  /** from this positional word on, `KEY VALUE` pairs: VALUE is a secret under a key of `pairKeys` */
  pairsFrom?: number
  pairKeys?: RegExp
  /** options whose value is a shell script; and whether every positional word is one */
  scriptOptions?: RegExp
  scripts?: boolean
  /** what the command reads on its standard input is a secret (`echo V | gh secret set N`) */
  stdin?: boolean | ((argv: readonly string[]) => boolean)
}

/** Whether a one-letter flag is given, alone or grouped with others (`-b`, `-nbB`). */
const groupedFlag = (letter: string): ((argv: readonly string[]) => boolean) => {
  const re = new RegExp(`^-[A-Za-z]*${letter}[A-Za-z]*$`)
  return (argv) => argv.some((w) => re.test(w))
}
const HTPASSWD_BATCH = groupedFlag('b')
const HTPASSWD_NO_FILE = groupedFlag('n')
/** rclone's settings that hold a secret (`rclone config create R s3 secret_access_key V`). */
const RCLONE_SECRET_KEYS = /^(?:pass|password2?|key|key_pem|key_file_pass|account_key|sas_url|client_secret|secret_access_key|session_token|token|bearer_token|api_key|app_key|service_account_credentials)$/

/** The rules, by tool. */
const RULES: readonly ToolRule[] = [
  // Secret stores: what these commands are given is a secret by what they are.
  { tools: ['kubectl', 'oc'], path: ['create', 'secret'], assignmentOptions: /^--from-literal$/ },
  { tools: ['vault'], path: ['kv', /^(?:put|patch)$/], assignments: true },
  { tools: ['fly', 'flyctl'], path: ['secrets', 'set'], assignments: true },
  { tools: ['fly', 'flyctl'], path: ['secrets', 'import'], stdin: true },
  { tools: ['supabase', 'doppler'], path: ['secrets', 'set'], assignments: true },
  { tools: ['gh'], path: ['secret', 'set'], stdin: true },
  { tools: ['wrangler'], path: ['secret', 'put'], stdin: true },
  { tools: ['docker', 'podman'], path: ['secret', 'create'], stdin: true },
  { tools: ['gcloud'], path: ['secrets'], stdin: (argv) => argv.some((w, i) => w === '--data-file=-' || (w === '--data-file' && argv[i + 1] === '-')) },
  { tools: ['aws'], path: ['ssm', 'put-parameter'], when: (argv) => argv.some((w) => /^(?:--type=)?SecureString$/.test(w)), secretOptions: /^--value$/ },
  { tools: ['az'], path: ['keyvault', 'secret', 'set'], secretOptions: /^--value$/ },
  { tools: ['git'], path: ['credential', /^(?:approve|store|reject)$/], stdin: true },
  { tools: ['pass', 'gopass'], path: [/^(?:insert|add)$/], stdin: true },
  { tools: ['chpasswd', 'chgpasswd'], path: [], stdin: true },
  { tools: ['passwd'], path: ['--stdin'], stdin: true },
  { tools: ['smbpasswd'], path: [], when: groupedFlag('s'), stdin: true },
  // A password as a positional word.
  // htpasswd -b[c...] FILE USER PASSWORD, htpasswd -nb USER PASSWORD; -i reads it.
  { tools: ['htpasswd'], path: [], when: HTPASSWD_BATCH, valued: /^-[Cr]$/, positional: (argv) => (HTPASSWD_NO_FILE(argv) ? [1] : [2]) },
  { tools: ['htpasswd'], path: [], when: groupedFlag('i'), stdin: true },
  { tools: ['openssl'], path: ['passwd'], positional: 'all', valued: /^-(?:salt|in)$/ },
  { tools: ['openssl'], path: [], secretOptions: /^-[kK]$/ },
  { tools: ['mc'], path: ['alias', 'set'], positional: [3], valued: /^--(?:api|path)$/ },
  { tools: ['mc'], path: ['config', 'host', 'add'], positional: [3], valued: /^--(?:api|lookup)$/ },
  { tools: ['poetry'], path: ['config', /^http-basic\./], positional: [1] },
  { tools: ['poetry'], path: ['config', /^pypi-token\./], positional: [0] },
  { tools: ['ngrok'], path: ['config', 'add-authtoken'], positional: [0] },
  // rclone config create NAME TYPE KEY VALUE..., update NAME KEY VALUE..., password NAME KEY VALUE...
  { tools: ['rclone'], path: ['config', 'create'], pairsFrom: 2, pairKeys: RCLONE_SECRET_KEYS },
  { tools: ['rclone'], path: ['config', 'update'], pairsFrom: 1, pairKeys: RCLONE_SECRET_KEYS },
  { tools: ['rclone'], path: ['config', 'password'], pairsFrom: 1, pairKeys: /./ },
  // A password after the user.
  { tools: ['smbclient', 'rpcclient', 'smbcacls', 'smbget', 'smbtree', 'smbcquotas', 'samba-tool', 'net', 'smbmap'], path: [], userOptions: [/^(?:-U|--user)$/, '%', '-U'] },
  { tools: ['lftp'], path: [], userOptions: [/^(?:-u|--user)$/, ',', '-u'] },
  // Options and words that are shell scripts.
  { tools: ['nix-shell'], path: [], scriptOptions: /^--(?:run|command)$/ },
  { tools: ['npx'], path: [], scriptOptions: /^(?:-c|--call)$/ },
  { tools: ['npm', 'pnpm'], path: [/^(?:exec|x|dlx)$/], scriptOptions: /^(?:-c|--call)$/ },
  { tools: ['nodemon'], path: [], scriptOptions: /^(?:-x|--exec)$/ },
  { tools: ['git'], path: ['rebase'], scriptOptions: /^(?:-x|--exec)$/ },
  { tools: ['concurrently'], path: [], scripts: true },
  { tools: ['hyperfine'], path: [], scripts: true, scriptOptions: /^(?:-p|--prepare|-s|--setup|-c|--cleanup|--conclude)$/, valued: /^(?:-w|--warmup|-m|--min-runs|-M|--max-runs|-r|--runs|-S|--shell|-n|--command-name|-P|--parameter-scan|-D|--parameter-step-size|-L|--parameter-list|--export-[a-z]+|--style|--sort|-u|--time-unit|--output|--input)$/ },
  { tools: ['tmux'], path: [/^(?:new-session|new|new-window|neww|split-window|splitw|respawn-pane|respawnp|respawn-window|respawnw|run-shell|run|send-keys|send|display-popup|popup)$/],
    scripts: true, valued: /^-[cFnstxyNldwhTb]$/ },
]

/** Every tool a rule names, and the container runners whose `--entrypoint` may be a shell. */
const CONTAINER_RUNNERS = ['docker', 'podman', 'nerdctl']
const TOOLS = new Set([...RULES.flatMap((r) => r.tools), ...CONTAINER_RUNNERS])
const SHELLS = /^(?:sh|bash|dash|zsh|ksh|mksh|ash|yash|posh|fish)$/

/**
 * `docker run --entrypoint sh IMAGE -c SCRIPT`: the shell is the entrypoint, and its -c comes
 * after the image. The word after each -c past such an entrypoint is taken for a script (docker's
 * own `-c 512`, cpu shares, is then read as a script that holds no secret).
 */
function entrypointScripts(argv: readonly string[], anyTool: boolean, plan: Map<number, PlannedWord>): void {
  const runner = anyTool ? argv.findIndex((w) => CONTAINER_RUNNERS.includes(base(w))) : CONTAINER_RUNNERS.includes(base(argv[0])) ? 0 : -1
  if (runner < 0) return
  let shell = false
  for (let j = runner + 1; j < argv.length - 1; j++) {
    const w = argv[j]!
    if (w === '--entrypoint' && SHELLS.test(base(argv[j + 1]))) { shell = true; j++ }
    else if (w.startsWith('--entrypoint=') && SHELLS.test(base(w.slice(13)))) shell = true
    else if (shell && w === '-c') { plan.set(j + 1, { action: 'script', from: 0 }); j++ }
  }
}

/** A command's name without its directory. */
const base = (word: string | undefined): string => (word ?? '').replace(/^.*\//, '')

/**
 * Where in argv a rule's tool and path are: the tool at argv[0], or anywhere when argv[0] is a
 * command that runs another (`sudo`, `docker exec c`), then the path's words in order after it.
 * The index of the path's last word (the tool's, for an empty path), or -1.
 */
function matchRule(rule: ToolRule, argv: readonly string[], anyTool: boolean): number {
  // (The tool's first word only: a later one is found past it by the path's scan anyway.)
  const t = anyTool ? argv.findIndex((w) => rule.tools.includes(base(w))) : rule.tools.includes(base(argv[0])) ? 0 : -1
  if (t < 0) return -1
  let at = t
  for (const step of rule.path) {
    let j = at + 1
    while (j < argv.length && !(typeof step === 'string' ? argv[j] === step : step.test(argv[j]!))) j++
    if (j >= argv.length) return -1
    at = j
  }
  return rule.when === undefined || rule.when(argv) ? at : -1
}

/**
 * Which words of argv the tool rules make secret, and how: by index. `anyTool` says that argv[0]
 * runs another command, so the tool may come later.
 */
export function planToolWords(argv: readonly string[], anyTool: boolean): Map<number, PlannedWord> {
  const plan = new Map<number, PlannedWord>()
  if (argv.length < 2 || !(anyTool ? argv.some((w) => TOOLS.has(base(w))) : TOOLS.has(base(argv[0])))) return plan
  entrypointScripts(argv, anyTool, plan)
  for (const rule of RULES) {
    const end = matchRule(rule, argv, anyTool)
    if (end < 0) continue
    const positional = typeof rule.positional === 'function' ? rule.positional(argv) : rule.positional
    let p = 0
    let options = true
    let pairKeySecret = false
    for (let j = end + 1; j < argv.length; j++) {
      const w = argv[j]!
      if (options && w === '--') { options = false; continue }
      if (options && w.length > 1 && w.startsWith('-')) {
        const eq = w.indexOf('=')
        const name = eq < 0 ? w : w.slice(0, eq)
        const take = (action: WordAction): void => {
          if (eq >= 0) plan.set(j, { action, from: eq + 1 })
          else if (j + 1 < argv.length) { plan.set(j + 1, { action, from: 0 }); j++ }
        }
        if (rule.secretOptions?.test(name)) take('secret')
        else if (rule.assignmentOptions?.test(name)) take('assignment')
        else if (rule.scriptOptions?.test(name)) take('script')
        else if (rule.userOptions?.[0].test(name)) take(rule.userOptions[1] === '%' ? 'user%' : 'user,')
        else if (rule.userOptions !== undefined && w.startsWith(rule.userOptions[2]) && !w.startsWith('--')) {
          // Joined: -Uuser%V.
          plan.set(j, { action: rule.userOptions[1] === '%' ? 'user%' : 'user,', from: 2 })
        } else if (eq < 0 && rule.valued?.test(w)) j++
        continue
      }
      // A positional word.
      if (rule.scripts) plan.set(j, { action: 'script', from: 0 })
      else if (positional === 'all' || positional?.includes(p)) plan.set(j, { action: 'secret', from: 0 })
      else if (rule.assignments && /^[A-Za-z_][A-Za-z0-9_.-]*=/.test(w)) plan.set(j, { action: 'assignment', from: 0 })
      else if (rule.pairsFrom !== undefined && p >= rule.pairsFrom) {
        if ((p - rule.pairsFrom) % 2 === 0) pairKeySecret = rule.pairKeys?.test(w) ?? false
        else if (pairKeySecret) plan.set(j, { action: 'secret', from: 0 })
      }
      p++
    }
  }
  return plan
}

/** Whether a command (its words) takes a secret on its standard input by a rule (`gh secret set N`, `chpasswd`). */
export function readsSecretByRule(argv: readonly string[], anyTool: boolean): boolean {
  return RULES.some((rule) => rule.stdin !== undefined && matchRule(rule, argv, anyTool) >= 0 && (rule.stdin === true || (typeof rule.stdin === 'function' && rule.stdin(argv))))
}

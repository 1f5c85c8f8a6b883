// Environment variables that prov treats apart: those that tell nothing of a run's work (noise to
// diff), and the locale's. A module of its own, without the rest of diff's code: snapshot-env
// reads these lists too, and every bundle that snapshots the environment would otherwise carry
// diff's code.

/**
 * Variables that differ between any two shell sessions, whatever the work: reported with
 * `noise: true` and left out of `identical`. Globs, matched against the variable name.
 */
export const NOISE_VARS: readonly string[] = [
  '_', 'OLDPWD', 'PWD', 'SHLVL', 'COLUMNS', 'LINES', 'TERM_SESSION_ID', 'WINDOWID', 'SECURITYSESSIONID',
  'SSH_CLIENT', 'SSH_CONNECTION', 'SSH_TTY', 'SSH_AGENT_PID', 'SSH_AUTH_SOCK', 'GPG_AGENT_INFO',
  'XDG_SESSION_ID', 'XDG_RUNTIME_DIR', 'XDG_SESSION_COOKIE', 'DBUS_SESSION_BUS_ADDRESS',
  'INVOCATION_ID', 'JOURNAL_STREAM', 'MANAGERPID', 'SYSTEMD_EXEC_PID',
  'TMUX', 'TMUX_PANE', 'STY', 'WINDOW', 'TERM_PROGRAM_VERSION', 'VSCODE_*', 'KITTY_PID', 'KITTY_WINDOW_ID',
  'ITERM_SESSION_ID', 'WT_SESSION', 'HISTFILE', 'HISTSIZE', 'HISTCMD', 'PROMPT_COMMAND', 'PS1',
  'npm_*', 'INIT_CWD', 'NODE', 'MAKEFLAGS', 'MAKELEVEL', 'MFLAGS', 'MAKE_TERMOUT', 'MAKE_TERMERR',
]

/**
 * prov's own variables, every one prov reads: where the store is and how much prov says. Naming
 * the store one way or the other, or debugging prov, is no change of the run: noise too.
 */
export const PROV_VARS: readonly string[] = ['PROV_DIR', 'PROV_DEBUG', 'PROV_LOG_LEVEL']

/**
 * The locale variables, which snapshot-env records in `locale` as well as among `vars`: diff
 * reports a change of one once, under `locale`.
 */
export const LOCALE_VARS: readonly string[] = ['LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'LC_NUMERIC', 'LC_COLLATE', 'LC_TIME', 'LC_MESSAGES']

/** A glob (`*` any run of characters, `?` one character) as a case-insensitive whole-name match. */
export function globToRegExp(glob: string): RegExp {
  const src = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${src}$`, 'i')
}

let noiseRes: RegExp[] | undefined

/** Which noise a variable's name is: a shell session's, prov's own, or none. */
export function noiseVarKind(name: string): 'session' | 'prov' | null {
  if (PROV_VARS.includes(name)) return 'prov'
  noiseRes ??= NOISE_VARS.map(globToRegExp)
  return noiseRes.some((re) => re.test(name)) ? 'session' : null
}

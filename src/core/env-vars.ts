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
 * Variables a CI service or a batch scheduler sets anew for every job: its id, number, attempt,
 * the runner's tracking id, the job's own short-lived token, its start and end times. Every rerun
 * has others, whatever the work: noise too. (A job's resources, `SLURM_CPUS_ON_NODE`, and its
 * name, `GITHUB_JOB`, are no such thing: they stay; so do Jenkins's BUILD_NUMBER and kin, names
 * people set by hand to stamp a version.)
 */
export const JOB_VARS: readonly string[] = [
  'GITHUB_RUN_ID', 'GITHUB_RUN_NUMBER', 'GITHUB_RUN_ATTEMPT', 'RUNNER_TRACKING_ID', 'ACTIONS_RUNTIME_TOKEN',
  'GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_RESULTS_URL', 'ACTIONS_RUNTIME_URL', 'ACTIONS_CACHE_URL',
  'CI_JOB_ID', 'CI_JOB_URL', 'CI_JOB_TOKEN', 'CI_BUILD_TOKEN', 'CI_REGISTRY_PASSWORD', 'CI_DEPENDENCY_PROXY_PASSWORD', 'CI_REPOSITORY_URL', 'CI_JOB_JWT', 'CI_JOB_JWT_V2', 'CI_JOB_STARTED_AT', 'CI_PIPELINE_ID', 'CI_PIPELINE_IID',
  'CI_PIPELINE_URL', 'CI_PIPELINE_CREATED_AT', 'CI_BUILD_ID', 'CI_CONCURRENT_ID', 'CI_CONCURRENT_PROJECT_ID',
  'CIRCLE_BUILD_NUM', 'CIRCLE_BUILD_URL', 'CIRCLE_WORKFLOW_ID', 'CIRCLE_WORKFLOW_JOB_ID', 'CIRCLE_PIPELINE_ID',
  'BUILDKITE_BUILD_ID', 'BUILDKITE_BUILD_NUMBER', 'BUILDKITE_BUILD_URL', 'BUILDKITE_JOB_ID', 'BUILDKITE_AGENT_ACCESS_TOKEN',
  'SLURM_JOB_ID', 'SLURM_JOBID', 'SLURM_TASK_PID', 'SLURM_JOB_START_TIME', 'SLURM_JOB_END_TIME', 'SLURM_STEP_ID', 'SLURM_STEPID',
  'PBS_JOBID', 'PBS_JOBCOOKIE', 'LSB_JOBID', 'LSB_BATCH_JID',
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

/**
 * Which noise a variable's name is: a shell session's, a CI or batch job's, prov's own, or none.
 * Names are matched as the environment spells them, case and all: npm's `npm_config_*` are set by
 * `npm run`, `NPM_CONFIG_REGISTRY` is one's own setting.
 */
export function noiseVarKind(name: string): 'session' | 'job' | 'prov' | null {
  if (PROV_VARS.includes(name)) return 'prov'
  if (JOB_VARS.includes(name)) return 'job'
  noiseRes ??= NOISE_VARS.map((g) => new RegExp(globToRegExp(g).source))
  return noiseRes.some((re) => re.test(name)) ? 'session' : null
}

import { jsonForTerminal } from '../core/paths.js'
import { defineCommand } from 'citty'
import { loadRun, warnUnknownFields } from '../io/runs.js'
import { isAtOrUnder } from '../core/run-paths.js'
import { locateStore } from '../io/store.js'
import { emitText } from '../io/stdio.js'
import { colorsFor } from '../io/color.js'
import type { FileEntry, RunRecord } from '../core/record.js'
import { formatArgv, formatStatus, showName, showText } from './log.js'
import { formatDuration } from './record.js'
import { flattenValues } from '../core/params.js'
import { storeArg } from '../plumbing/_args.js'

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

export function formatValue(v: unknown): string {
  return typeof v === 'string' ? showName(v) : jsonForTerminal(v)
}

function files(list: FileEntry[]): string[] {
  return list.map((f) => f.missing ? `  ${showName(f.path)}  (missing)` : `  ${showName(f.path)}  ${formatSize(f.size ?? 0)}  ${f.sha256?.slice(0, 12)}${f.stale ? '  (left from before: not written by the command)' : ''}`)
}

/** The directories a run was given (command.input_dirs, output_dirs), as the header line ends: ' (from data/, more/)'. */
/** The directories a run was given, and how many of its files came from them where not all did: ' (2 from data/)'. */
function given(dirs: string[] | undefined, files: readonly FileEntry[]): string {
  if (dirs === undefined || dirs.length === 0) return ''
  const from = files.filter((f) => f.stream === undefined && dirs.some((d) => isAtOrUnder(f.path, d.replace(/(.)\/+$/, '$1')))).length
  return ` (${from === files.length ? '' : `${from} `}from ${dirs.map((d) => showName(d === '.' ? './' : d.endsWith('/') ? d : `${d}/`)).join(', ')})`
}

export function renderRun(r: RunRecord, color: ReturnType<typeof colorsFor>): string {
  const out: string[] = []
  const c = r.command
  out.push(color.yellow(`run ${r.id}`))
  out.push(`Date:     ${showName(c.started_at ?? r.created_at)}`)
  out.push(`Command:  ${formatArgv(c.argv)}${c.cwd && c.cwd !== '.' ? `   (in ${showName(c.cwd)})` : ''}`)
  out.push(`Status:   ${formatStatus(c)}${typeof c.duration_ms === 'number' ? ` after ${formatDuration(c.duration_ms)}` : ''}${c.error ? ` (${showName(c.error)})` : ''}`)
  if (r.message !== undefined) out.push(`Message:  ${showText(r.message, ' '.repeat(10))}`)
  if (r.git === null) out.push('Code:     not in a git repository')
  else {
    const g = r.git
    const where = g.commit === null ? 'no commits yet' : g.commit.slice(0, 12)
    const branch = g.branch === null ? 'detached HEAD' : `on ${showName(g.branch)}`
    const dirty = g.dirty ? `, ${g.changes.length} uncommitted change${g.changes.length === 1 ? '' : 's'}` : ', clean'
    out.push(`Code:     ${where} ${branch}${dirty}${g.remote ? `  (${showName(g.remote)})` : ''}`)
    for (const ch of g.changes) out.push(`  ${showName(ch.status).padStart(2)} ${showName(ch.path)}`)
  }
  const params = [...flattenValues(r.params)]
  out.push(params.length === 0 ? 'Params:   none' : 'Params:')
  for (const [k, v] of params) out.push(`  ${showName(k)} = ${formatValue(v)}`)
  out.push(`Inputs:   ${r.inputs.length === 0 ? 'none' : r.inputs.length}${given(c.input_dirs, r.inputs)}`)
  out.push(...files(r.inputs))
  const stale = r.outputs.filter((f) => f.stale).length
  out.push(`Outputs:  ${r.outputs.length === 0 ? 'none' : r.outputs.length}${given(c.output_dirs, r.outputs)}${stale > 0 ? `, ${stale} not written by the command` : ''}`)
  out.push(...files(r.outputs))
  const e = r.env
  const tools = Object.entries((e.tools ?? {}) as Record<string, string>).map(([k, v]) => `${showName(k)} ${showName((/\d+(\.\d+)+/.exec(v) ?? [v])[0])}`)
  // The interpreter whose packages are listed, the command's (which may be another than the python3 among the tools).
  const version = e.runtime.python
  const python = typeof version === 'string' ? `, Python ${showName(version)}` : ''
  out.push(`Env:      ${showName(`${e.os.platform} ${e.os.release} ${e.os.arch}`)}, node ${showName(e.runtime.node)}${python}${tools.length ? ', ' + tools.join(', ') : ''}`)
  const hw = (e.hardware ?? {}) as { gpus?: unknown; gpu_driver?: unknown }
  if (Array.isArray(hw.gpus) && hw.gpus.length > 0) {
    // One entry per model, in the order first seen: '2× NVIDIA A100-SXM4-40GB'.
    const counts = new Map<string, number>()
    for (const g of hw.gpus) counts.set(String(g), (counts.get(String(g)) ?? 0) + 1)
    const models = [...counts].map(([m, n]) => `${n > 1 ? `${n}× ` : ''}${showName(m)}`).join(', ')
    out.push(`          GPU: ${models}${typeof hw.gpu_driver === 'string' ? `, driver ${showName(hw.gpu_driver)}` : ''}`)
  }
  // Each ecosystem listed, by its count: '103 Python packages, 212 conda packages'.
  const listed = (e.packages ?? {}) as Record<string, unknown>
  const packages = ([['python', 'Python'], ['conda', 'conda']] as const).map(([k, label]) => {
    const v = listed[k]
    const count = typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v).length : null
    return count === null ? '' : `, ${count} ${label} package${count === 1 ? '' : 's'}`
  }).join('')
  out.push(`          ${Object.keys(e.vars).length} environment variables${packages} (prov show --json lists them)`)
  return out.join('\n') + '\n'
}

export default defineCommand({
  meta: { name: 'show', description: 'Show one run (default: the latest), readable; --json prints its run.json' },
  args: {
    ref: { type: 'positional', required: false, default: '@', description: 'The run: id, prefix, @, @~N, or a run.json path' },
    json: { type: 'boolean', description: 'Print the run.json exactly as stored' },
    ...storeArg,
  },
  async run({ args }) {
    const store = locateStore({ store: args.store })
    const run = await loadRun(store, args.ref as string, { text: args.json === true })
    if (args.json) {
      if (run.text === undefined) return emitText(JSON.stringify(run.whole ?? run.record, null, 2) + '\n') // standard input
      // The text loadRun checked, not the file read again: one replaced meanwhile is not printed
      // unchecked. A byte order mark before the JSON (an editor's) is no part of it, as loadRun
      // read it: the document printed is JSON that jq, JSON.parse and Python's json all read.
      return emitText(run.text)
    }
    warnUnknownFields(run, "not shown ('prov show --json' prints them)")
    await emitText(renderRun(run.record, colorsFor(process.stdout)))
  },
})

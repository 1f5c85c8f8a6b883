// What the NVIDIA kernel driver says of its GPUs, from the text of its files (io/env.ts reads them).

/**
 * The model a GPU's `/proc/driver/nvidia/gpus/<bus id>/information` names: its `Model:` line
 * ("Model: \t\t NVIDIA A100-SXM4-40GB"), or null where it names none.
 */
export function gpuModel(information: string): string | null {
  const m = /^Model:[ \t]*(.*?)[ \t]*$/m.exec(information)
  return m !== null && m[1] !== '' ? m[1]! : null
}

/**
 * The driver's version: `/sys/module/nvidia/version` holds only it ("550.127.05\n"); else the
 * `NVRM version:` line of `/proc/driver/nvidia/version` ("NVRM version: NVIDIA UNIX x86_64
 * Kernel Module  535.104.05  Sat Aug 19 ..."; the open modules say "Open Kernel Module for
 * x86_64  535.104.05 ..."). Null where neither says one.
 */
export function nvidiaDriverVersion(sysVersion: string | null, procVersion: string | null): string | null {
  const plain = sysVersion?.trim()
  if (plain !== undefined && /^[0-9]+(\.[0-9]+)+$/.test(plain)) return plain
  const m = procVersion === null ? null : /^NVRM version:.*?Kernel Module\b(?:[ \t]+for[ \t]+\S+)?[ \t]+([0-9]+(?:\.[0-9]+)+)\b/m.exec(procVersion)
  return m === null ? null : m[1]!
}

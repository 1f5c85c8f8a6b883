// readNvidia over real files laid out as the NVIDIA driver lays them out under /proc and /sys.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { readNvidia } from '../../../src/io/env.js'

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'prov-nvidia-'))
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    writeFileSync(path.join(root, rel), text)
  }
  return root
}

test('readNvidia: two GPUs in bus order, and the driver version', () => {
  const root = tree({
    'proc/driver/nvidia/gpus/0000:81:00.0/information': 'Model: \t\t NVIDIA H100 80GB HBM3\nIRQ: 1\n',
    'proc/driver/nvidia/gpus/0000:07:00.0/information': 'Model: \t\t NVIDIA A100-SXM4-40GB\nIRQ: 2\n',
    'sys/module/nvidia/version': '550.127.05\n',
  })
  try {
    assert.deepEqual(readNvidia(root), { gpus: ['NVIDIA A100-SXM4-40GB', 'NVIDIA H100 80GB HBM3'], gpu_driver: '550.127.05' })
  } finally { rmSync(root, { recursive: true, force: true }) }
})

test('readNvidia: no driver, nothing; a GPU whose model cannot be read is unknown, in its place', () => {
  const none = tree({ 'etc/hostname': 'x\n' })
  const some = tree({
    'proc/driver/nvidia/gpus/0000:01:00.0/information': 'IRQ: 1\n',
    'proc/driver/nvidia/gpus/0000:02:00.0/information': 'Model: \t\t NVIDIA L4\n',
    'proc/driver/nvidia/version': 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n',
  })
  mkdirSync(path.join(some, 'proc/driver/nvidia/gpus/0000:03:00.0'))
  try {
    assert.deepEqual(readNvidia(none), {})
    assert.deepEqual(readNvidia(some), { gpus: ['unknown', 'NVIDIA L4', 'unknown'], gpu_driver: '535.104.05' })
  } finally {
    rmSync(none, { recursive: true, force: true })
    rmSync(some, { recursive: true, force: true })
  }
})

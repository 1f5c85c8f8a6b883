// Table tests of the NVIDIA driver's files as prov reads them: a GPU's model, the driver's version.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gpuModel, nvidiaDriverVersion } from '../../../src/core/gpu.js'

// As the driver writes /proc/driver/nvidia/gpus/<bus id>/information (tabs and spaces and all).
const INFORMATION = 'Model: \t\t NVIDIA A100-SXM4-40GB\nIRQ:   \t\t 46\nGPU UUID: \t GPU-6a4b1f2c-0000-1111-2222-333344445555\nVideo BIOS: \t 92.00.19.00.10\nBus Type: \t PCIe\nDMA Size: \t 47 bits\nDMA Mask: \t 0x7fffffffffff\nBus Location: \t 0000:00:04.0\nDevice Minor: \t 0\nGPU Excluded:\t No\n'

const models: [string, string, string | null][] = [
  ['the Model line', INFORMATION, 'NVIDIA A100-SXM4-40GB'],
  ['a model with spaces', 'Model: \t\t NVIDIA GeForce RTX 4090 Laptop GPU  \nIRQ: 1\n', 'NVIDIA GeForce RTX 4090 Laptop GPU'],
  ['no Model line', 'IRQ: 46\nBus Type: PCIe\n', null],
  ['an empty Model', 'Model: \t\t \n', null],
  ['a "Model" not at a line start', 'Video BIOS Model: x\n', null],
  ['empty text', '', null],
]
for (const [name, text, want] of models) {
  test(`gpuModel: ${name}`, () => assert.equal(gpuModel(text), want))
}

const drivers: [string, string | null, string | null, string | null][] = [
  ['/sys/module/nvidia/version', '550.127.05\n', null, '550.127.05'],
  ['the proprietary module line', null, 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n', '535.104.05'],
  ['the open module line', null, 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  560.35.03  Release Build  (dvs-builder@U16-I3-B03-4-3)  Fri Aug 16 21:42:42 UTC 2024\n', '560.35.03'],
  ['the sys file wins', '550.54.14\n', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat\n', '550.54.14'],
  ['a sys file that holds no version', 'garbage\n', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat\n', '535.104.05'],
  ['neither', null, null, null],
  ['a version file without an NVRM line', null, 'GCC version: gcc 12\n', null],
]
for (const [name, sys, proc, want] of drivers) {
  test(`nvidiaDriverVersion: ${name}`, () => assert.equal(nvidiaDriverVersion(sys, proc), want))
}

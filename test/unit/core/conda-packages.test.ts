// Table tests of reading conda packages from the names of the files in a conda-meta directory.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { condaPackageOf, parseCondaMeta } from '../../../src/core/conda-packages.js'

const entries: [string, { name: string; version: string; build: string } | null][] = [
  ['mkl-2023.1.0-h213fc3f_46344.json', { name: 'mkl', version: '2023.1.0', build: 'h213fc3f_46344' }],
  ['numpy-1.26.4-py311h64a7726_0.json', { name: 'numpy', version: '1.26.4', build: 'py311h64a7726_0' }],
  ['ca-certificates-2024.2.2-hbcca054_0.json', { name: 'ca-certificates', version: '2024.2.2', build: 'hbcca054_0' }],
  ['_libgcc_mutex-0.1-conda_forge.json', { name: '_libgcc_mutex', version: '0.1', build: 'conda_forge' }],
  ['_openmp_mutex-4.5-2_gnu.json', { name: '_openmp_mutex', version: '4.5', build: '2_gnu' }],
  ['libblas-3.9.0-20_linux64_openblas.json', { name: 'libblas', version: '3.9.0', build: '20_linux64_openblas' }],
  ['tzdata-2024a-h0c530f3_0.json', { name: 'tzdata', version: '2024a', build: 'h0c530f3_0' }],
  ['python_abi-3.11-4_cp311.json', { name: 'python_abi', version: '3.11', build: '4_cp311' }],
  ['pytorch-2.1.0-py3.11_cuda12.1_cudnn8.9.2_0.json', { name: 'pytorch', version: '2.1.0', build: 'py3.11_cuda12.1_cudnn8.9.2_0' }],
  ['foo-1!2.0-0.json', { name: 'foo', version: '1!2.0', build: '0' }],
  ['history', null],
  ['history.json', null],
  ['mkl-2023.1.0.json', null],
  ['mkl.json', null],
  ['.json', null],
  ['-1.0-0.json', null],
  ['mkl--0.json', null],
  ['mkl-1.0-.json', null],
  ['mkl-1.0-h1 copy.json', null],
  ['mk\nl-1.0-0.json', null],
  ['.conda_lock', null],
  ['mkl-2023.1.0-h213fc3f_46344.json.bak', null],
  ['mkl-2023.1.0-h213fc3f_46344', null],
]
for (const [entry, want] of entries) {
  test(`condaPackageOf: ${JSON.stringify(entry)}`, () => assert.deepEqual(condaPackageOf(entry), want))
}

test("parseCondaMeta: '<version>=<build>' by name, sorted; anything else left out; of one name twice, the last file by name, whatever the listing's order", () => {
  const names = ['numpy-1.26.4-py311h64a7726_0.json', 'history', 'mkl-2023.1.0-h213fc3f_46344.json', 'zlib-1.2.13-hd590300_5.json', 'zlib-1.3.1-h4ab18f5_1.json', 'stray.txt']
  const want = { mkl: '2023.1.0=h213fc3f_46344', numpy: '1.26.4=py311h64a7726_0', zlib: '1.3.1=h4ab18f5_1' }
  assert.deepEqual(parseCondaMeta(names), want)
  assert.deepEqual(Object.keys(parseCondaMeta(names)), ['mkl', 'numpy', 'zlib'])
  assert.deepEqual(parseCondaMeta([...names].reverse()), want)
  assert.deepEqual(parseCondaMeta([]), {})
  assert.deepEqual(parseCondaMeta(['history']), {})
})

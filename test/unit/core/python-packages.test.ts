// Table tests of reading Python distributions from the names of their metadata directories.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { distributionOf, normalizeProjectName, parseSysPath, SYS_PATH_MARK, parsePythonVersion } from '../../../src/core/python-packages.js'

const entries: [string, { name: string; version: string } | null][] = [
  ['numpy-1.26.4.dist-info', { name: 'numpy', version: '1.26.4' }],
  ['scikit_learn-1.5.2.dist-info', { name: 'scikit-learn', version: '1.5.2' }],
  ['Django-5.0.dist-info', { name: 'django', version: '5.0' }],
  ['zope.interface-6.1.dist-info', { name: 'zope-interface', version: '6.1' }],
  ['python-dateutil-2.9.0.post0.dist-info', { name: 'python-dateutil', version: '2.9.0.post0' }],
  ['torch-2.5.1+cu121.dist-info', { name: 'torch', version: '2.5.1+cu121' }],
  ['foo-1!2.0.dist-info', { name: 'foo', version: '1!2.0' }],
  ['six-1.16.0-py3.11.egg-info', { name: 'six', version: '1.16.0' }],
  ['pyyaml-6.0.1-py3.egg-info', { name: 'pyyaml', version: '6.0.1' }],
  ['oldpkg-0.1.egg-info', { name: 'oldpkg', version: '0.1' }],
  ['mypkg.egg-info', null],
  ['numpy', null],
  ['numpy.libs', null],
  ['__pycache__', null],
  ['distutils-precedence.pth', null],
  ['-1.0.dist-info', null],
  ['foo-.dist-info', null],
  ['foo-bar.dist-info', null],
  ['foo-1.0 copy.dist-info', null],
  ['fo\no-1.0.dist-info', null],
  ['.dist-info', null],
]
for (const [entry, want] of entries) {
  test(`distributionOf: ${JSON.stringify(entry)}`, () => assert.deepEqual(distributionOf(entry), want))
}

const names: [string, string][] = [['Scikit_Learn', 'scikit-learn'], ['zope.interface', 'zope-interface'], ['a--_.b', 'a-b'], ['numpy', 'numpy']]
for (const [name, want] of names) {
  test(`normalizeProjectName: ${name}`, () => assert.equal(normalizeProjectName(name), want))
}

const outputs: [string, string, string | null][] = [
  ['the marked line', `${SYS_PATH_MARK}["/usr/lib/python311.zip", "/usr/lib/python3.11", "/home/u/.local/lib/python3.11/site-packages"]\n`, '["/usr/lib/python311.zip","/usr/lib/python3.11","/home/u/.local/lib/python3.11/site-packages"]'],
  ['a warning on stderr before it', `Could not find platform dependent libraries <exec_prefix>\n${SYS_PATH_MARK}["/usr/lib/python3.11"]\n`, '["/usr/lib/python3.11"]'],
  ['relative entries left out', `${SYS_PATH_MARK}["src", "/usr/lib/python3.11", 5]\n`, '["/usr/lib/python3.11"]'],
  ['no marked line (a python 2, a failure)', 'Traceback (most recent call last):\n', null],
  ['a marked line that is not JSON', `${SYS_PATH_MARK}[oops\n`, null],
  ['not a list', `${SYS_PATH_MARK}{"a": 1}\n`, null],
]
for (const [name, out, want] of outputs) {
  test(`parseSysPath: ${name}`, () => assert.equal(parseSysPath(out), want))
}

test("parsePythonVersion: the version line the interpreter printed after its search path; none, or another shape, is null", () => {
  const table: Array<[string, string | null]> = [
    ['prov-sys-path []\nprov-python-version 3.12.1\n', '3.12.1'],
    ['prov-python-version 3.13\n', '3.13'],
    ['prov-sys-path []\n', null],
    ['prov-python-version 3.12.1rc1\n', null],
    ['prov-python-version \n', null],
    ['Python 3.12.1\n', null],
  ]
  for (const [out, want] of table) assert.equal(parsePythonVersion(out), want, JSON.stringify(out))
})

// The documents the plumbing prints: one top-level key, its value a $defs entry of the run schema.
const section = (name, def) => ({
  $id: `urn:prov:schema:${name}`,
  type: 'object',
  required: [name],
  additionalProperties: false,
  properties: { [name]: { $ref: `urn:prov:schema:run#/$defs/${def}` } },
})

export const SECTION_SCHEMAS = [
  section('command', 'command'),
  section('inputs', 'files'),
  section('outputs', 'outputFiles'),
  section('params', 'params'),
  section('git', 'git'),
  section('env', 'env'),
  {
    $id: 'urn:prov:schema:written',
    type: 'object',
    required: ['id', 'path'],
    additionalProperties: false,
    properties: { id: { $ref: 'urn:prov:schema:run#/$defs/runId' }, path: { type: 'string' } },
  },
]

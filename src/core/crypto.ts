// node:crypto, loaded on first use rather than when a command starts: loading it takes ~5 ms on
// our machines, which record then spends while git runs instead of before starting it.
import { createRequire } from 'node:module'

type Crypto = typeof import('node:crypto')
let loaded: Crypto | null = null

export function nodeCrypto(): Crypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as Crypto)
}

// node:crypto, loaded on first use rather than when a command starts: loading it takes ~5 ms on
// our machines, which git-state in a clean tree never needs, and which record spends after
// starting git rather than before.
import { createRequire } from 'node:module'

type Crypto = typeof import('node:crypto')
let loaded: Crypto | null = null

export function nodeCrypto(): Crypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as Crypto)
}

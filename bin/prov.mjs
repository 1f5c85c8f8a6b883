#!/usr/bin/env node
// The installed command: everything lives in the bundle that `npm run build` makes.
import { main } from '../dist/cli.mjs'

process.exitCode = await main(process.argv.slice(2))

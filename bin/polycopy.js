#!/usr/bin/env node
// Thin launcher so `npx polycopy` works: Node 24 runs the TypeScript sources directly (type stripping).
// npm links this file under another name (node_modules/.bin/polycopy), so it calls main itself.
import { main } from "../src/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));

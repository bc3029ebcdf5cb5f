#!/usr/bin/env node
// Thin launcher so `npx polycopy` works: Node 24 runs the TypeScript sources directly (type stripping).
import "../src/cli/main.ts";

#!/usr/bin/env node
// Runs on the Node 24 that `npm install` puts in node_modules/.bin (see package.json), which
// executes the TypeScript sources directly.
import '../src/cli/main.ts';

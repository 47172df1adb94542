#!/usr/bin/env node
// The `servebench` command. It checks the Node version before loading the CLI, whose imports
// would otherwise fail on an old Node with an error about some API instead of the version.
import { isSupportedNode, unsupportedNodeMessage } from '../runtime/node-version.ts';

if (isSupportedNode()) {
  await import('./main.ts');
} else {
  process.stderr.write(`error: ${unsupportedNodeMessage()}\n`);
  process.exitCode = 1;
}

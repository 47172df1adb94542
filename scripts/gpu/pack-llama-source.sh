#!/usr/bin/env bash
# Packs the llama.cpp source that scripts/llama-cpp/build.ts builds (node-llama-cpp's bundle,
# cloned into the build cache) as .servebench/llama-cpp-src.tar.xz (about 7 MB), for a GPU
# machine without a registry: only what the CPU and CUDA builds of llama-server need. There:
#   tar -xJf .servebench/llama-cpp-src.tar.xz -C /tmp
#   node scripts/llama-cpp/build.ts --backend cuda --source /tmp/llama.cpp
set -eu
cd "$(dirname "$0")/../.."
src=$(node scripts/llama-cpp/build.ts --source-only)
commit=$(git -C "$src" rev-parse HEAD)
count=$(git -C "$src" rev-list --count HEAD)
mkdir -p .servebench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/llama.cpp"
echo "$commit $count" >"$tmp/llama.cpp/.servebench-commit"
git -C "$src" archive --format=tar --prefix=llama.cpp/ HEAD -- . ':!models' ':!docs' ':!media' ':!examples' \
  ':!tests' ':!gguf-py' ':!ggml/src/ggml-vulkan' ':!ggml/src/ggml-sycl' ':!ggml/src/ggml-metal' \
  ':!ggml/src/ggml-opencl' ':!ggml/src/ggml-cann' ':!ggml/src/ggml-musa' ':!ggml/src/ggml-webgpu' \
  ':!ggml/src/ggml-hip' >"$tmp/src.tar"
tar -rf "$tmp/src.tar" -C "$tmp" llama.cpp/.servebench-commit
xz -T0 -6 -c "$tmp/src.tar" >.servebench/llama-cpp-src.tar.xz
ls -la .servebench/llama-cpp-src.tar.xz

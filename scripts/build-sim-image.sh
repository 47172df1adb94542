#!/usr/bin/env bash
# Builds the simulator image (default servebench-sim:local) with `docker import` of a root
# filesystem: the Node binary and the libraries it links, the project's src/ and the runtime
# node_modules the simulator imports (zod). No registry, no base image, a few seconds.
# Idempotent: the image carries a hash of its inputs and is rebuilt only when they change.
#
#   scripts/build-sim-image.sh [IMAGE]        IMAGE defaults to $SERVEBENCH_SIM_IMAGE or servebench-sim:local
#
# The image's entrypoint is the simulator, so it takes vLLM's flags like the vLLM image does:
#   docker run --rm --network host servebench-sim:local --model Qwen/Qwen2.5-1.5B-Instruct --port 8000
set -euo pipefail
cd "$(dirname "$0")/.."

image="${1:-${SERVEBENCH_SIM_IMAGE:-servebench-sim:local}}"
# Runtime packages of src/sim (bare imports of its module graph).
packages=(zod)

node_bin="$(readlink -f node_modules/.bin/node 2>/dev/null || true)"
[[ -x "$node_bin" ]] || node_bin="$(readlink -f "$(command -v node)")"
command -v docker >/dev/null || { echo "build-sim-image: docker CLI not found" >&2; exit 1; }
# Test files build it from several processes at once: one at a time.
if command -v flock >/dev/null; then
  exec 9>"${TMPDIR:-/tmp}/servebench-build-sim-image.lock"
  flock -w 120 9
fi

sources() { find src -type f -name '*.ts' ! -name '*.test.ts' | LC_ALL=C sort; }
hash="$(
  {
    sha256sum <"$node_bin"
    sources | xargs sha256sum package.json
    for p in "${packages[@]}"; do sha256sum "node_modules/$p/package.json"; done
  } | sha256sum | cut -c1-16
)"

current="$(docker image inspect --format '{{ index .Config.Labels "servebench.sim.hash" }}' "$image" 2>/dev/null || true)"
if [[ "$current" == "$hash" ]]; then
  echo "build-sim-image: $image is up to date ($hash)"
  exit 0
fi
old_id="$(docker image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)"

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/app/node_modules" "$rootfs/tmp" "$rootfs/root"
chmod 1777 "$rootfs/tmp"
cp "$node_bin" "$rootfs/bin/node"
# The dynamic loader and every library ldd lists, at the same paths.
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do cp -L --parents "$lib" "$rootfs/"; done
cp package.json "$rootfs/app/"
sources | xargs -I{} cp --parents {} "$rootfs/app/"
for p in "${packages[@]}"; do cp -r "node_modules/$p" "$rootfs/app/node_modules/"; done

tar -C "$rootfs" -c . | docker import \
  --change 'ENTRYPOINT ["/bin/node", "/app/src/sim/main.ts"]' \
  --change 'WORKDIR /app' \
  --change "LABEL servebench.sim.hash=$hash" \
  - "$image" >/dev/null
new_id="$(docker image inspect --format '{{ .Id }}' "$image")"
# The previous build is now untagged: drop it unless a container still uses it.
if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
echo "build-sim-image: built $image ($hash, $(docker image inspect --format '{{ .Size }}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"

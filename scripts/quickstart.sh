#!/usr/bin/env bash
# `make run`: starts the echo example on 127.0.0.1:9101 and the gateway on 127.0.0.1:8080 with
# examples/quickstart.yaml (the time example is started by the gateway over stdio).
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
build="$(cd "${1:-build}" && pwd)"
export GATEHOUSE_BUILD="$build"
export ECHO_PORT="${ECHO_PORT:-9101}"

"$build/examples/echo/gatehouse-echo" --http "127.0.0.1:$ECHO_PORT" &
echo_pid=$!
trap 'kill "$echo_pid" 2>/dev/null || true' EXIT

cat <<MSG
Gatehouse quickstart
  MCP endpoint : http://127.0.0.1:8080/mcp   (tools echo_echo, time_get_time)
  admin        : http://127.0.0.1:9901/healthz  /readyz  /metrics  /config
  try it       : npx @modelcontextprotocol/inspector   (Streamable HTTP, the URL above)
MSG
"$build/src/app/gatehouse" run --config examples/quickstart.yaml

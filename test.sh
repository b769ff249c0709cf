#!/usr/bin/env bash
# Runs every test. Installs what the tests need first: Node 22 and the npm peers pinned in tests/e2e
# (an OIDC provider, MCP servers and clients, the conformance suite), and with apt-get (as root; skipped when present)
# Debian's chromium here and wrk and nginx in the benchmark smoke. Needs the .NET 10 SDK and npm.
# Prints a final "N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests start themselves (never as system services), each installed only when its command is
# missing: Chromium for the browser tests; dbus-daemon, gnome-keyring and secret-tool for the Secret Service tests;
# tinyproxy and openssl for the corporate-network tests (a forward proxy, a private CA); prometheus for the telemetry
# tests (a real Prometheus scrapes the gateway's diagnostics listener).
apt_updated=0
need() {
  local command=$1 package=$2
  command -v "$command" >/dev/null && return 0
  echo "== installing $package (for $command)"
  if ! command -v apt-get >/dev/null; then
    echo "   no apt-get here: install $package yourself; the tests that need $command fail without it"
    return 0
  fi
  # apt-get update first, once: a fresh machine may have empty package lists.
  if [ "$apt_updated" -eq 0 ]; then apt-get update -qq || true; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" \
    || echo "   installing $package failed; the tests that need $command will fail (apt-get install -y --no-install-recommends $package)"
}
need chromium chromium
need dbus-daemon dbus-daemon
need gnome-keyring-daemon gnome-keyring
need secret-tool libsecret-tools
need tinyproxy tinyproxy-bin
need openssl openssl
need prometheus prometheus

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

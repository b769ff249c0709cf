#!/usr/bin/env bash
# $BROWSER for the benchmark: the repo's stand-in browser, which follows the sign-in redirects with cookies.
exec dotnet "$(dirname "$0")/../tests/McpAuthProxy.TestBrowser/bin/Release/net10.0/McpAuthProxy.TestBrowser.dll" "$@"

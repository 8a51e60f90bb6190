#!/usr/bin/env bash
# tests/e2e/run.sh - the end-to-end suite: the real Claude Code client,
# offline, against a scripted stand-in for the Messages API, with our hooks
# installed by our own install.sh into a temporary HOME. `make e2e` runs it
# (with SL_BIN and SL_ROOT set). See docs/e2e.md.
#
# The client matrix: every scenario runs on each version of E2E_VERSIONS
# (default: the pinned 2.1.330 and the newest verified, 2.1.332), one
# version after the other, each client found or installed by client.sh;
# CLAUDE_CODE_VERSION=X runs only X, CLAUDE_BIN=PATH only that executable.
# Each version prints its scenarios and its own tally; the run ends with one
# "N passed, N failed" over all of them, and exits non-zero on any failure,
# including a client that cannot be found or installed (it never passes
# without having run).
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
export SL_ROOT=${SL_ROOT:-$(cd "$here/../.." && pwd -P)}
export SL_BIN=${SL_BIN:-$SL_ROOT/bin}
MATRIX="2.1.330 2.1.332"

if ! command -v node >/dev/null 2>&1; then
	echo "e2e: cannot run: node is not installed (the stand-in and the driver need Node >= 18)"
	exit 1
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
	echo "e2e: cannot run: node $(node --version) is too old (need >= 18)"
	exit 1
fi

if [ -n "${CLAUDE_BIN:-}" ]; then
	versions=custom
elif [ -n "${CLAUDE_CODE_VERSION:-}" ]; then
	versions=$CLAUDE_CODE_VERSION
else
	versions=${E2E_VERSIONS:-$MATRIX}
fi
nversions=$(echo $versions | wc -w)
summary=$(mktemp "${TMPDIR:-/tmp}/sl-e2e-summary.XXXXXX")
trap 'rm -f "$summary"' EXIT
status=0

for v in $versions; do
	env=()
	if [ "$v" != custom ]; then
		env+=("CLAUDE_CODE_VERSION=$v")
		# one cache directory per version when several share CLAUDE_CODE_CACHE
		if [ -n "${CLAUDE_CODE_CACHE:-}" ] && [ "$nversions" -gt 1 ]; then
			env+=("CLAUDE_CODE_CACHE=$CLAUDE_CODE_CACHE/claude-code-$v")
		fi
	fi
	# client.sh says why in one line when it cannot provide the client.
	if ! claude=$(env ${env[@]+"${env[@]}"} bash "$here/client.sh"); then
		echo "e2e: Claude Code $v: not run: counted as 1 failed"
		echo "0 1" >> "$summary"
		continue
	fi
	before=$(wc -l < "$summary")
	E2E_CLAUDE=$claude E2E_SUMMARY=$summary node "$here/driver.js" || status=1
	if [ "$(wc -l < "$summary")" = "$before" ]; then
		echo "e2e: Claude Code $v: the driver ended without a tally: counted as 1 failed"
		echo "0 1" >> "$summary"
	fi
done

read -r passed failed < <(awk '{p += $1; f += $2} END {print p + 0, f + 0}' "$summary")
[ "$nversions" -gt 1 ] && echo "e2e: over Claude Code $(echo $versions | sed 's/ /, /g'):"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ] && [ "$status" = 0 ]

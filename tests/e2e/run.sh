#!/usr/bin/env bash
# tests/e2e/run.sh - the end-to-end suite: the real Claude Code client,
# offline, against a scripted stand-in for the Messages API, with our hooks
# installed by our own install.sh into a temporary HOME. `make e2e` runs it
# (with SL_BIN and SL_ROOT set). See docs/e2e.md.
#
# Ends with "N passed, N failed"; exits non-zero on any failure, and when the
# client cannot be found or installed (it never passes without having run).
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
export SL_ROOT=${SL_ROOT:-$(cd "$here/../.." && pwd -P)}
export SL_BIN=${SL_BIN:-$SL_ROOT/bin}

if ! command -v node >/dev/null 2>&1; then
	echo "e2e: cannot run: node is not installed (the stand-in and the driver need Node >= 18)"
	exit 1
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
	echo "e2e: cannot run: node $(node --version) is too old (need >= 18)"
	exit 1
fi
# client.sh says why in one line when it cannot provide the client.
claude=$(bash "$here/client.sh") || exit 1
export E2E_CLAUDE=$claude
exec node "$here/driver.js"

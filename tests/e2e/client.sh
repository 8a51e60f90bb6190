#!/usr/bin/env bash
# tests/e2e/client.sh - finds or installs the pinned Claude Code client and
# prints the path of its native executable on stdout.
#
#   CLAUDE_BIN=/path/to/claude       use this executable, install nothing
#   CLAUDE_CODE_VERSION=2.1.330      the client version to test (pinned)
#   CLAUDE_CODE_CACHE=DIR            where it lives; default
#                                    ~/.cache/claude-session-lock/claude-code-<version>
#
# An existing install of exactly that version in the cache is reused; else
# `npm install --prefix CACHE @anthropic-ai/claude-code@VERSION` puts it
# there (never in the source tree). On failure it prints one line saying why
# on stderr and exits 1.
set -u

die() { printf 'e2e: cannot run: %s\n' "$*" >&2; exit 1; }

VERSION=${CLAUDE_CODE_VERSION:-2.1.330}
CACHE=${CLAUDE_CODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-session-lock/claude-code-$VERSION}

# The platform package npm picks for this machine.
platform_pkg() {
	local arch libc=
	case $(uname -m) in
	x86_64 | amd64) arch=x64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) return 1 ;;
	esac
	if ldd --version 2>&1 | grep -qi musl || [ -e /lib/ld-musl-x86_64.so.1 ] || [ -e /lib/ld-musl-aarch64.so.1 ]; then
		libc=-musl
	fi
	printf '@anthropic-ai/claude-code-linux-%s%s\n' "$arch" "$libc"
}

# Prints the executable inside CACHE when it reports VERSION.
find_bin() {
	local pkg c v
	pkg=$(platform_pkg) || return 1
	for c in "$CACHE/node_modules/@anthropic-ai/claude-code/bin/claude.exe" \
		"$CACHE/node_modules/$pkg/claude"; do
		[ -f "$c" ] && [ -x "$c" ] || continue
		# bin/claude.exe is a placeholder until the postinstall script
		# links the native binary over it: accept ELF files only.
		[ "$(head -c 4 "$c" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
		v=$(timeout 30 "$c" --version 2>/dev/null) || continue
		case $v in "$VERSION "* | "$VERSION") printf '%s\n' "$c"; return 0 ;; esac
	done
	return 1
}

if [ -n "${CLAUDE_BIN:-}" ]; then
	[ -x "$CLAUDE_BIN" ] || die "CLAUDE_BIN=$CLAUDE_BIN is not an executable"
	printf '%s\n' "$CLAUDE_BIN"
	exit 0
fi

platform_pkg >/dev/null || die "no Claude Code build for $(uname -s)/$(uname -m)"
if bin=$(find_bin); then
	printf '%s\n' "$bin"
	exit 0
fi

command -v npm >/dev/null 2>&1 || die "cannot install Claude Code $VERSION: npm not found (or set CLAUDE_BIN)"
mkdir -p "$CACHE" || die "cannot create $CACHE"
log=$CACHE/npm-install.log
# One installer at a time per cache directory.
exec 9>"$CACHE/.install.lock"
flock -w 900 9 || die "another install of Claude Code into $CACHE did not finish"
if ! bin=$(find_bin); then
	printf 'e2e: installing @anthropic-ai/claude-code@%s into %s\n' "$VERSION" "$CACHE" >&2
	if ! timeout 900 npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error --fetch-retries=1 \
		"@anthropic-ai/claude-code@$VERSION" >"$log" 2>&1; then
		die "cannot install Claude Code $VERSION from the npm registry ($(grep -m1 -iE 'ERR!|error' "$log" | cut -c1-160)); see $log"
	fi
	bin=$(find_bin) || die "Claude Code $VERSION installed into $CACHE but no runnable $(platform_pkg) executable reports that version"
fi
printf '%s\n' "$bin"

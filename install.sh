#!/usr/bin/env bash
# install.sh - build claude-session-lock, install it, register its hooks.
#
#   ./install.sh [--prefix DIR] [--project DIR] [--dry-run] [--uninstall]
#                [--prebuilt DIR] [--link-dir DIR | --no-link]
#                [--client-version V]
#   ./install.sh --deps-only [--for-tests] [--dry-run]
#   ./install.sh --missing-deps [--for-tests]
#
# Installs the five programs into PREFIX/bin (default
# ~/.local/lib/claude-session-lock) and registers the hooks in
# ~/.claude/settings.json, or DIR/.claude/settings.json with --project.
# The settings are edited by `session-lock settings`, which keeps every
# other setting and hook byte for byte and saves the previous file as
# settings.json.bak-session-lock. Missing build dependencies are installed
# with apt-get (through sudo when not root); a machine that has them never
# runs apt-get.
#
#   --dry-run     print what would be done; install nothing, write no
#                 settings (the build in this source tree still runs)
#   --uninstall   remove our hook entries, then the programs; nothing else
#   --prebuilt D  install the programs already built in D instead of
#                 checking dependencies and running make (packagers, tests)
#   --link-dir D  where to link `session-lock` so the shell finds it by name
#                 (default ~/.local/bin); it says what to add to PATH when D
#                 is not on it; an existing file there that is not our link
#                 is left alone. --no-link links nothing
#   --client-version V
#                 the Claude Code version to register for (default: what
#                 `claude --version` says; "none": unknown). Events newer
#                 than 2.1.330 (PreSkillShellCommand, 2.1.332) are registered
#                 only for a client that has them: an older one shows a
#                 Settings Warning at every start about an event it lacks
#   --deps-only   only install the missing build dependencies; with
#                 --for-tests also what `make test` needs (Check); this is
#                 how `make test` works as the first command on a new machine
#   --missing-deps
#                 print the missing build dependencies on one line (nothing
#                 when none is missing) and change nothing: what the plugin's
#                 first start (plugin/ensure-built.sh) tells the user to install
#
# Exit status: 0 done (or nothing to do), 1 failed, 2 usage error.
set -euo pipefail

PROGRAMS="pretooluse-lock posttooluse-refresh stop-release session-start session-lock"
DEPS="gcc make pkg-config libcjson-dev libpcre2-dev nettle-dev"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

prefix=${HOME:?HOME is not set}/.local/lib/claude-session-lock
project=
dry=0
uninstall=0
prebuilt=
deps_only=0
linkdir=$HOME/.local/bin
missing_only=0
client=()

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
usage() {
	printf 'install.sh: %s\n' "$1" >&2
	echo "usage: ./install.sh [--prefix DIR] [--project DIR] [--dry-run] [--uninstall] [--prebuilt DIR] [--link-dir DIR | --no-link] [--client-version V]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--prefix|--project|--prebuilt|--link-dir|--client-version)
		[ $# -ge 2 ] || usage "$1 needs a value"
		case $1 in
		--prefix) prefix=$2 ;;
		--project) project=$2 ;;
		--prebuilt) prebuilt=$2 ;;
		--link-dir) linkdir=$2 ;;
		--client-version) client=(--client-version "$2") ;;
		esac
		shift 2
		continue ;;
	--prefix=*) prefix=${1#*=} ;;
	--project=*) project=${1#*=} ;;
	--prebuilt=*) prebuilt=${1#*=} ;;
	--link-dir=*) linkdir=${1#*=} ;;
	--no-link) linkdir= ;;
	--client-version=*) client=(--client-version "${1#*=}") ;;
	--dry-run) dry=1 ;;
	--uninstall) uninstall=1 ;;
	--deps-only) deps_only=1 ;;
	--missing-deps) missing_only=1 ;;
	--for-tests) DEPS="$DEPS check" ;;
	-h|--help) sed -n '2,39s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) usage "unknown option '$1'" ;;
	esac
	shift
done

[ -n "$prefix" ] || usage "--prefix is empty"
case $prefix in /*) ;; *) prefix=$PWD/$prefix ;; esac
prefix=${prefix%/}
bindir=$prefix/bin
if [ -n "$project" ]; then
	[ -d "$project" ] || die "cannot use the project '$project': not a directory"
	project=$(cd "$project" && pwd -P)
	settings=$project/.claude/settings.json
else
	settings=$HOME/.claude/settings.json
fi
if [ -n "$prebuilt" ]; then
	[ -d "$prebuilt" ] || die "cannot use the prebuilt programs in '$prebuilt': not a directory"
	prebuilt=$(cd "$prebuilt" && pwd -P)
fi

# Prints the build dependencies that are missing, space-separated.
# dpkg-query answers for all of them in one call; elsewhere, look for the
# tools and pkg-config modules themselves.
missing_deps() {
	local p status missing=
	if command -v dpkg-query >/dev/null 2>&1; then
		# shellcheck disable=SC2086 # one word per package
		status=$(dpkg-query -W -f='${Package} ${Status}\n' $DEPS 2>/dev/null || true)
		# A here-string, not `printf | grep -q`: bash writes the lines one
		# by one, grep -q may exit after the match before the rest is
		# written, and under pipefail printf's SIGPIPE then reads as a
		# missing package (measured: 1 in 12,000 checks).
		for p in $DEPS; do
			grep -qx "$p install ok installed" <<< "$status" || missing="$missing $p"
		done
	else
		command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing="$missing gcc"
		command -v make >/dev/null 2>&1 || missing="$missing make"
		if command -v pkg-config >/dev/null 2>&1; then
			pkg-config --exists libcjson || missing="$missing libcjson-dev"
			pkg-config --exists libpcre2-8 || missing="$missing libpcre2-dev"
			pkg-config --exists nettle || missing="$missing nettle-dev"
			case " $DEPS " in *" check "*)
				pkg-config --exists check || missing="$missing check" ;;
			esac
		else
			missing="$missing pkg-config"
		fi
	fi
	printf '%s' "${missing# }"
}

# Installs what missing_deps names. Returns 1 on a dry run that would
# have installed something (there is then nothing to build with).
install_deps() {
	local missing sudo=
	missing=$(missing_deps)
	[ -n "$missing" ] || return 0
	if ! command -v apt-get >/dev/null 2>&1; then
		die "cannot build: missing $missing, and there is no apt-get; install them (a C compiler, make, pkg-config and the cJSON, PCRE2 and nettle development files) and run again"
	fi
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
			die "cannot install the build dependencies without root or sudo; as root run: apt-get update && apt-get install -y $missing"
		sudo=sudo
	fi
	if [ "$dry" = 1 ]; then
		say "would run: ${sudo:+$sudo }apt-get update"
		say "would run: ${sudo:+$sudo }apt-get install -y --no-install-recommends $missing"
		return 1
	fi
	say "installing the build dependencies: $missing"
	$sudo apt-get update || die "cannot run '${sudo:+$sudo }apt-get update'"
	# shellcheck disable=SC2086 # one word per package
	$sudo apt-get install -y --no-install-recommends $missing ||
		die "cannot run '${sudo:+$sudo }apt-get install -y $missing'"
}

# Sets $built to a directory holding the five programs, building them in
# the source tree unless --prebuilt named one. Empty on a dry run that
# lacks the dependencies.
build() {
	built=
	if [ -n "$prebuilt" ]; then
		built=$prebuilt
		return 0
	fi
	install_deps || return 0
	say "building in $SRC"
	${MAKE:-make} -C "$SRC" -j"$(nproc 2>/dev/null || echo 2)" >&2 || die "cannot build: make failed"
	built=$SRC/bin
}

# Copies the programs into $bindir, each through a temporary name and a
# rename, so that a hook starting meanwhile runs the old or the new one,
# never a half-written file.
install_programs() {
	local p
	if [ -z "$built" ]; then	# a dry run without the dependencies
		say "would build and install $PROGRAMS into $bindir"
		return 0
	fi
	for p in $PROGRAMS; do
		[ -x "$built/$p" ] || die "cannot install '$built/$p': it was not built"
	done
	if [ "$dry" = 1 ]; then
		say "would install $PROGRAMS into $bindir"
		return 0
	fi
	mkdir -p "$bindir" || die "cannot create '$bindir'"
	trap 'rm -f "$bindir"/.*.tmp-install.$$' EXIT
	for p in $PROGRAMS; do
		cmp -s "$built/$p" "$bindir/$p" && continue
		if ! install -m 0755 "$built/$p" "$bindir/.$p.tmp-install.$$" ||
		    ! mv -f "$bindir/.$p.tmp-install.$$" "$bindir/$p"; then
			die "cannot install '$bindir/$p'"
		fi
	done
	trap - EXIT
	say "installed $PROGRAMS into $bindir"
}

# Is DIR one of the directories of $PATH?
on_path() {
	case ":$PATH:" in *":$1:"* | *":$1/:"*) return 0 ;; esac
	return 1
}

# Makes `session-lock` reachable by name: a symbolic link in $linkdir, made
# under a temporary name and renamed over the old link, never over a file
# that is not our link. Says what to add to PATH when $linkdir is not on it.
link_command() {
	local link=$linkdir/session-lock target=$bindir/session-lock
	[ -n "$linkdir" ] || return 0
	if on_path "$bindir"; then
		say "session-lock is on your PATH ($bindir)"
		return 0
	fi
	if [ -e "$link" ] || [ -L "$link" ]; then
		if [ ! -L "$link" ] || [ "$(readlink "$link")" != "$target" ]; then
			say "not linking $link: it exists and is not our link; run '$target' by its path, or remove it and run ./install.sh again"
			return 0
		fi
	fi
	if [ "$dry" = 1 ]; then
		say "would link $link -> $target"
	else
		mkdir -p "$linkdir" || die "cannot create '$linkdir'"
		ln -sfn "$target" "$linkdir/.session-lock.tmp-link.$$" &&
			mv -Tf "$linkdir/.session-lock.tmp-link.$$" "$link" ||
			{ rm -f "$linkdir/.session-lock.tmp-link.$$"; die "cannot link '$link'"; }
		say "linked $link -> $target"
	fi
	on_path "$linkdir" || say "add $linkdir to your PATH to run session-lock by name: echo 'export PATH=\"$linkdir:\$PATH\"' >> ~/.profile (then start a new shell)"
}

# Removes the link made by link_command, and only that.
unlink_command() {
	local link=$linkdir/session-lock
	[ -n "$linkdir" ] && [ -L "$link" ] && [ "$(readlink "$link")" = "$bindir/session-lock" ] || return 0
	if [ "$dry" = 1 ]; then
		say "would remove $link"
	else
		rm -f "$link" || die "cannot remove '$link'"
		say "removed $link"
	fi
}

do_install() {
	local preview=
	build
	# A settings file we cannot edit is refused before anything is installed.
	if [ -n "$built" ]; then
		preview=$("$built/session-lock" settings install --file "$settings" \
			--bindir "$bindir" ${client[@]+"${client[@]}"} --dry-run) || die "nothing was installed"
	fi
	install_programs
	if [ "$dry" = 1 ]; then
		if [ -n "$built" ]; then
			printf '%s\n' "$preview"
		else
			say "would register the hooks in $settings"
		fi
		link_command
		return 0
	fi
	"$bindir/session-lock" settings install --file "$settings" --bindir "$bindir" \
		${client[@]+"${client[@]}"} ||
		die "cannot register the hooks in '$settings'; the programs are installed in '$bindir', the settings are unchanged"
	link_command
	say "check it with: '$bindir/session-lock' settings check --file '$settings'"
}

do_uninstall() {
	local sl=$bindir/session-lock p args=()
	[ "$dry" = 1 ] && args=(--dry-run)
	if [ ! -x "$sl" ]; then
		build
		[ -n "$built" ] || { say "would remove our hooks from $settings and the programs from $bindir"; return 0; }
		sl=$built/session-lock
	fi
	# the settings first: hooks must never point at programs that are gone
	"$sl" settings uninstall --file "$settings" ${args[@]+"${args[@]}"} ||
		die "cannot remove the hooks from '$settings'; nothing was removed"
	unlink_command
	for p in $PROGRAMS; do
		[ -e "$bindir/$p" ] || continue
		if [ "$dry" = 1 ]; then
			say "would remove $bindir/$p"
		else
			rm -f "$bindir/$p" || die "cannot remove '$bindir/$p'"
			say "removed $bindir/$p"
		fi
	done
	# Our own directory goes too when empty; a shared prefix such as
	# /usr/local is never touched.
	if [ "$dry" = 0 ] && [ "$(basename "$prefix")" = claude-session-lock ]; then
		if rmdir "$bindir" 2>/dev/null; then
			rmdir "$prefix" 2>/dev/null || true
		fi
	fi
}

if [ "$missing_only" = 1 ]; then
	missing=$(missing_deps)
	[ -z "$missing" ] || printf '%s\n' "$missing"
elif [ "$deps_only" = 1 ]; then
	install_deps || true
elif [ "$uninstall" = 1 ]; then
	do_uninstall
else
	do_install
fi

#!/usr/bin/env bash
# The classifier's read-only list, tried for real (issue 10): every command line
# that tests/unit/classify_table.h calls read-only (printed by
# tests/tools/classify_rows, so the unit test and this file share one table) is
# run with `bash -c` in a scratch copy of a small git repository, and must leave
# it as it was: its files (content, mode, symbolic links; a listing with
# checksums) and its git state (refs, HEAD, .git/config and the rest of .git,
# the staged entries). git's index is compared by its entries when its bytes
# differ: `git status` may refresh its stat cache, as any reader may.
#
# Each row runs with HOME in a scratch directory, stdin from /dev/null and
# `timeout 5`, in the same copy of the repository until one changes it. A row
# that needs a program this machine lacks (rg, fd, tree, an installed copy of
# session-lock) is skipped and named, never passed. Last, one case through
# the hook: a blocked session may run session-lock status, wait, claim and release.
. "$(dirname "$0")/../lib.sh"
: "${SL_TOOLS:?SL_TOOLS must name the built test tools (run through make test)}"
unset CLAUDE_CODE_SESSION_ID GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CONFIG_PARAMETERS \
	GIT_CONFIG_COUNT GIT_PAGER PAGER LESSOPEN LESSCLOSE XDG_CONFIG_HOME
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0

# make_repo DIR: the repository the table's rows name (see classify_table.h):
# two commits, branches main, feat-a and feat-b, tags v1.0 and v1.1
# (annotated), a stash, a change not staged and a file not tracked.
make_repo() {
	local d=2024-01-0
	mkdir -p "$1" && cd "$1" || return 1
	git init -q . && git symbolic-ref HEAD refs/heads/main || return 1
	git config user.name 'Test User' && git config user.email test@example.com
	mkdir -p core src sub dir bin
	seq 1 30 > f
	printf 'x\nfoo\nbar\n' > x
	printf 'a\nb\nc\n' > a
	printf 'a\nB\nc\n' > b
	printf 'k 1 one\nk 1 one\nk 2 two\n' > in
	printf 'input\n' > input.txt
	printf 'f\nx\na\n' > list
	printf '{ "name": "demo", "version": "1.0.0" }\n' > package.json
	printf '# demo\n\nTODO: more\n' > README.md
	printf 'all:\n\ttrue\n' > Makefile
	printf 'int lock(void) { return 0; }\n' > core/lock.c
	printf 'int main(void) { return 0; }\n' > src/main.c
	printf 'int x;\n' > demo.c
	printf 'sub\n' > sub/file
	printf '\177ELF' > bin/x
	chmod 755 bin/x
	sha256sum f > sums
	git add -A && GIT_AUTHOR_DATE=${d}1T00:00:00Z GIT_COMMITTER_DATE=${d}1T00:00:00Z \
		git commit -q -m first || return 1
	git tag v1.0 && git branch feat-b
	echo 31 >> f && printf 'foo again\n' >> x
	git commit -q -am second --date=${d}2T00:00:00Z || return 1
	git tag -a v1.1 -m 'version 1.1' && git branch feat-a
	echo stashed >> a && git stash -q || return 1
	echo 'work in progress' >> README.md
	echo untracked > notes.txt
	# ./bin/session-lock, as a checkout of this project has it
	ln -s "$SL_BIN/session-lock" bin/session-lock
	cd - > /dev/null || return 1
}

# snapshot DIR: every path below DIR with its type, mode and the checksum of
# its content or link target (tests/tools/tree_sum; git's objects by name,
# which is their checksum) into $SNAP. The refs and HEAD are files there
# (.git/HEAD, .git/refs, .git/packed-refs), which git for-each-ref and
# rev-parse HEAD read, and so is .git/config. Sets AFTER.
snapshot() {
	"$SL_TOOLS/tree_sum" "$1" > "$SNAP" 2>&1
	IFS= read -r -d '' AFTER < "$SNAP"
}

# without_index TEXT: a snapshot without the line of .git/index.
without_index() {
	printf '%s' "$1" | grep -v '^\.git/index '
}

# fresh: W becomes a copy of the template again.
fresh() {
	rm -rf "$W" && cp -a "$TMPL" "$W" || t_fail "cannot copy the template repository"
	EXPECT=$BASE
}

# row CMD: runs one command line in W, as the Bash tool would; sets RC and ERR.
row() {
	cd "$W" || return
	timeout 5 bash -c "$1" < /dev/null > /dev/null 2> "$ERRF"
	RC=$?
	ERR=
	IFS= read -r -d '' ERR < "$ERRF"
}

# row_case NAME: a case without t_begin's sandbox, which no row needs (one
# copy of the repository and one HOME serve them all) and which would cost
# more than the ~200 rows themselves.
row_case() {
	T_CASE=$1
	T_CASE_FAILED=0
}

# differs: true when W is not as it was (sets AFTER). Only the index's bytes
# may differ, when its entries are the same: then they are what the next row
# must leave.
differs() {
	snapshot "$W"
	[ "$AFTER" = "$EXPECT" ] && return 1
	if [ "$(without_index "$AFTER")" = "$(without_index "$BASE")" ] &&
		[ "$(git -C "$W" ls-files -s 2>&1)" = "$BASE_ENTRIES" ]; then
		EXPECT=$AFTER
		return 1
	fi
	return 0
}

# changed: true, the case failed and W copied afresh, when W differs.
changed() {
	differs || return 1
	t_fail "the repository changed: $(diff <(printf '%s' "$EXPECT") <(printf '%s' "$AFTER") |
		grep '^[<>]' | head -n 6 | tr '\n' ' ')"
	fresh
}

TMPL=$T_ROOT/template
W=$T_ROOT/work
SNAP=$T_ROOT/snapshot
ERRF=$T_ROOT/stderr
if ! command -v git > /dev/null; then
	echo "  SKIP test_classify_diff: git is not installed"
	T_SKIPPED=1
	t_finish
	exit
fi
t_begin "the scratch repository is built"
make_repo "$TMPL" > "$T/make_repo.log" 2>&1 || t_fail "cannot build it: $(tail -n 3 "$T/make_repo.log")"
t_end
[ "$T_FAILED" = 0 ] || { t_finish; exit; }
snapshot "$TMPL"
BASE=$AFTER
BASE_ENTRIES=$(git -C "$TMPL" ls-files -s)
# One HOME for every row, with session-lock where the rows look for it.
SHARED_HOME=$T_ROOT/home
mkdir -p "$SHARED_HOME/.local/bin" "$SHARED_HOME/.local/lib/claude-session-lock/bin"
ln -s "$SL_BIN/session-lock" "$SHARED_HOME/.local/bin/session-lock"
ln -s "$SL_BIN/session-lock" "$SHARED_HOME/.local/lib/claude-session-lock/bin/session-lock"

rows=()
while IFS= read -r -d '' r; do rows+=("$r"); done < <("$SL_TOOLS/classify_rows")

t_begin "the table has read-only rows to run"
[ "${#rows[@]}" -ge 100 ] || t_fail "classify_rows printed ${#rows[@]} rows"
t_end

export HOME=$SHARED_HOME PATH=$SL_BIN:$PATH
fresh

# The comparison itself: a change of content, mode, a new file, a ref, HEAD,
# the configuration or the index's entries is seen.
for writer in 'echo 1 >> f' 'chmod +x a' 'touch new' 'ln -s f link' 'mkdir d' \
	'git branch -v x' 'git tag t' 'git checkout -q feat-a' 'git config a.b c' \
	'git add notes.txt' 'git stash drop -q' 'git update-ref refs/x HEAD'; do
	row_case "the comparison sees what '$writer' changes"
	row "$writer"
	differs || t_fail "no difference seen (exit $RC: $ERR)"
	t_end
	fresh
done

# A row that needs a program this machine lacks did not run: it is named and
# counted as skipped, neither passed nor failed.
ran=0
skipped=0
missing=
for r in "${rows[@]}"; do
	row_case "read-only: ${r//$'\n'/\\n}"
	row "$r"
	if [ "$RC" = 127 ] || [[ $ERR == *": command not found"* ]]; then
		what=$(printf '%s\n' "$ERR" | grep -o '[^ :]*: \(command not found\|No such file or directory\)' | head -n 1)
		printf '  SKIP %s: needs a program not found here (%s)\n' "$T_CASE" "$what"
		missing="$missing ${what%%:*}"
		skipped=$((skipped + 1))
		T_SKIPPED=$((T_SKIPPED + 1))
		! changed || t_end	# it did not run, yet it may not change anything
		continue
	fi
	ran=$((ran + 1))
	changed
	t_end
done
# Through the hook (issue 9): a session blocked by another may look and wait
# with our own command line, by any path, but not remove the holder's lock.
cd "$T_ROOT" || exit 1
bash_call() {
	fx PreToolUse.Bash "$1" | sed "s#\"command\": \"[^\"]*\"#\"command\": \"$3\"#" |
		CLAUDE_PID=$2 run pretooluse-lock
}
t_begin "through the hook: a blocked session runs session-lock status, log, wait, claim and release, not release --force"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"; assert_rc 0
for c in "$SL_BIN/session-lock status" "session-lock wait --timeout 1" \
	"~/.local/bin/session-lock log -n 5" "$SL_BIN/session-lock status && git status" \
	"session-lock claim src/a.c" "$SL_BIN/session-lock release" \
	"session-lock wait --path a.c --timeout 1"; do
	bash_call other "$b" "$c"
	[ "$RC" = 0 ] && [ -z "$OUT" ] || t_fail "'$c' was not let through (exit $RC: $ERR)"
done
bash_call other "$b" "$SL_BIN/session-lock release --force"
assert_rc 2
assert_err_has "'session-lock release' changes locks"
# It acts for the session in its environment: naming another one needs the lock.
bash_call other "$b" "CLAUDE_CODE_SESSION_ID=holder session-lock release"
assert_rc 2
assert_err_has "setting 'CLAUDE_CODE_SESSION_ID'"
t_end

echo "test_classify_diff: ${#rows[@]} read-only command lines, $ran run, $skipped skipped (not found:${missing:- none})"
t_finish

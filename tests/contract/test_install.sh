#!/usr/bin/env bash
# test_install.sh - install.sh and `session-lock settings` on real files:
# settings kept byte for byte, idempotence, uninstall, refusals, dry runs,
# symlinks, the exec form, the shell form of earlier installs, the client
# version (PreSkillShellCommand only for 2.1.332 on), fault injection, and
# that apt-get runs only when a dependency is missing. Uses the programs
# `make test` built ($SL_BIN) via --prebuilt; never runs the real apt-get.
. "$(dirname "$0")/../lib.sh"

INSTALL=$SL_ROOT/install.sh
SL=$SL_BIN/session-lock
EVENTS="SessionStart PreToolUse PostToolUse PostToolUseFailure Stop SessionEnd"

# A stand-in `claude` first on PATH, so that what the machine has installed
# does not matter: it says it is the pinned 2.1.330 unless $T/claude-version
# of the case says otherwise.
mkdir -p "$T_ROOT/claude-bin"
printf '#!/bin/sh
[ "$1" = --version ] || exit 9
v=2.1.330
[ -f "$T/claude-version" ] && v=$(cat "$T/claude-version")
echo "$v (Claude Code)"
' \
	> "$T_ROOT/claude-bin/claude"
chmod +x "$T_ROOT/claude-bin/claude"
export PATH=$T_ROOT/claude-bin:$PATH
export T

# A settings file with other settings and other hooks on some of our events.
# @BINDIR@ in expected() is replaced by the bin directory installed into.
user_settings() {
	cat <<'EOF'
{
    "model": "opus",
    "cleanupPeriodDays": 1.50,
    "big": 123456789012345678901234567890,
    "env": {"TOKEN": "s3cr\u00e9t", "Z": "1"},
    "permissions": {
        "allow": ["Bash(make:*)", "Read(**)"],
        "deny": []
    },
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [
                    {"type": "command", "command": "/usr/local/bin/audit-bash", "timeout": 30}
                ]
            }
        ],
        "Notification": [
            {"hooks": [{"type": "command", "command": "notify-send claude"}]}
        ]
    },
    "statusLine": {"type": "command", "command": "~/bin/status"}
}
EOF
}

expected() {
	sed "s#@BINDIR@#$1#g" <<'EOF'
{
    "model": "opus",
    "cleanupPeriodDays": 1.50,
    "big": 123456789012345678901234567890,
    "env": {"TOKEN": "s3cr\u00e9t", "Z": "1"},
    "permissions": {
        "allow": ["Bash(make:*)", "Read(**)"],
        "deny": []
    },
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [
                    {"type": "command", "command": "/usr/local/bin/audit-bash", "timeout": 30}
                ]
            },
            {
                "matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash|Read",
                "hooks": [
                    {
                        "type": "command",
                        "command": "@BINDIR@/pretooluse-lock",
                        "args": [],
                        "timeout": 10
                    }
                ]
            }
        ],
        "Notification": [
            {"hooks": [{"type": "command", "command": "notify-send claude"}]}
        ],
        "SessionStart": [
            {
                "hooks": [
                    {
                        "type": "command",
                        "command": "@BINDIR@/session-start",
                        "args": [],
                        "timeout": 10
                    }
                ]
            }
        ],
        "PostToolUse": [
            {
                "matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash",
                "hooks": [
                    {
                        "type": "command",
                        "command": "@BINDIR@/posttooluse-refresh",
                        "args": [],
                        "timeout": 5
                    }
                ]
            }
        ],
        "PostToolUseFailure": [
            {
                "matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash",
                "hooks": [
                    {
                        "type": "command",
                        "command": "@BINDIR@/posttooluse-refresh",
                        "args": [],
                        "timeout": 5
                    }
                ]
            }
        ],
        "Stop": [
            {
                "hooks": [
                    {
                        "type": "command",
                        "command": "@BINDIR@/stop-release",
                        "args": [],
                        "timeout": 5
                    }
                ]
            }
        ],
        "SessionEnd": [
            {
                "hooks": [
                    {
                        "type": "command",
                        "command": "@BINDIR@/stop-release",
                        "args": [],
                        "timeout": 5
                    }
                ]
            }
        ]
    },
    "statusLine": {"type": "command", "command": "~/bin/status"}
}
EOF
}

# install [ARGS...]: runs install.sh with the prebuilt programs; sets RC, OUT, ERR.
install_sh() {
	bash "$INSTALL" --prebuilt "$SL_BIN" "$@" > "$T/.out" 2> "$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}

# mtime with nanoseconds, to tell "not rewritten" from "rewritten with the same bytes"
mtime() { stat -c %y "$1"; }

# assert_only FILE NAME...: the directory of FILE holds exactly NAME... (no temporaries)
assert_only() {
	local dir=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	got=$(ls -A "$dir" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || t_fail "$dir holds '$got', expected '$want'"
}

assert_registered() {	# FILE BINDIR
	local e
	for e in $EVENTS; do
		json_get "$1" "hooks.$e" > /dev/null || t_fail "$e missing in $1"
	done
	"$SL" settings check --file "$1" --bindir "$2" > "$T/.check" 2>&1 ||
		t_fail "settings check: $(cat "$T/.check")"
}

# --- install.sh ---------------------------------------------------------------

t_begin "install into no settings file creates it with every event"
P=$T/prefix
install_sh --prefix "$P"
assert_rc 0
F=$HOME/.claude/settings.json
assert_file "$F"
assert_eq "$(json_get "$F" hooks.PreToolUse.0.hooks.0.command)" "$P/bin/pretooluse-lock" "PreToolUse command"
assert_eq "$(json_get "$F" hooks.PreToolUse.0.hooks.0.args)" "[]" "PreToolUse args (exec form)"
assert_eq "$(json_get "$F" hooks.PreToolUse.0.hooks.0.timeout)" 10 "PreToolUse timeout"
assert_eq "$(json_get "$F" hooks.PreToolUse.0.hooks.0.type)" command "type"
assert_eq "$(json_get "$F" hooks.PostToolUseFailure.0.hooks.0.command)" "$P/bin/posttooluse-refresh" "PostToolUseFailure"
assert_eq "$(json_get "$F" hooks.SessionEnd.0.hooks.0.command)" "$P/bin/stop-release" "SessionEnd"
assert_eq "$(json_get "$F" hooks.SessionEnd.0.hooks.0.args)" "[]" "SessionEnd args"
assert_eq "$(json_get "$F" hooks.SessionEnd.0.hooks.0.timeout)" 5 "SessionEnd timeout"
assert_eq "$(json_get "$F" hooks.SessionStart.0.hooks.0.timeout)" 10 "SessionStart timeout"
assert_registered "$F" "$P/bin"
for p in pretooluse-lock posttooluse-refresh stop-release session-start session-lock; do
	[ -x "$P/bin/$p" ] || t_fail "$P/bin/$p not installed"
	cmp -s "$P/bin/$p" "$SL_BIN/$p" || t_fail "$P/bin/$p is not the built program"
done
assert_eq "$(stat -c %a "$HOME/.claude")" 700 "mode of ~/.claude"
assert_eq "$(stat -c %a "$F")" 600 "mode of settings.json"
assert_only "$HOME/.claude" settings.json
assert_only "$P/bin" pretooluse-lock posttooluse-refresh stop-release session-start session-lock
t_end

t_begin "install keeps other settings and hooks byte for byte"
P=$T/prefix
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
user_settings > "$F"
chmod 644 "$F"
cp "$F" "$T/orig"
install_sh --prefix "$P"
assert_rc 0
expected "$P/bin" > "$T/want"
assert_same_file "$F" "$T/want"
assert_same_file "$F.bak-session-lock" "$T/orig"
assert_eq "$(stat -c %a "$F")" 644 "mode kept"
assert_only "$HOME/.claude" settings.json settings.json.bak-session-lock
assert_registered "$F" "$P/bin"
t_end

t_begin "install twice: the second run changes nothing"
P=$T/prefix
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
user_settings > "$F"
install_sh --prefix "$P"
assert_rc 0
cp "$F" "$T/after1"
m1=$(mtime "$F")
b1=$(mtime "$F.bak-session-lock")
p1=$(mtime "$P/bin/pretooluse-lock")
sleep 0.05
install_sh --prefix "$P"
assert_rc 0
assert_out_has "nothing changed"
assert_same_file "$F" "$T/after1"
assert_eq "$(mtime "$F")" "$m1" "settings mtime"
assert_eq "$(mtime "$F.bak-session-lock")" "$b1" "backup mtime"
assert_eq "$(mtime "$P/bin/pretooluse-lock")" "$p1" "program mtime"
assert_only "$HOME/.claude" settings.json settings.json.bak-session-lock
t_end

t_begin "reinstall into another prefix replaces, never duplicates"
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
user_settings > "$F"
install_sh --prefix "$T/one"
assert_rc 0
install_sh --prefix "$T/two"
assert_rc 0
expected "$T/two/bin" > "$T/want"
assert_same_file "$F" "$T/want"
assert_file_lacks "$F" "$T/one/"
t_end

t_begin "--uninstall removes only our entries and our programs"
P=$T/x/claude-session-lock
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
user_settings > "$F"
cp "$F" "$T/orig"
install_sh --prefix "$P"
assert_rc 0
install_sh --prefix "$P" --uninstall
assert_rc 0
assert_same_file "$F" "$T/orig"
assert_no_file "$P"
[ -d "$T/x" ] || t_fail "the parent of the prefix was removed"
t_end

t_begin "install links session-lock into ~/.local/bin, says what to add to PATH; uninstall removes the link"
P=$T/x/claude-session-lock
L=$HOME/.local/bin/session-lock
PATH=/usr/bin:/bin install_sh --prefix "$P"
assert_rc 0
[ -L "$L" ] || t_fail "no link at $L"
assert_eq "$(readlink "$L")" "$P/bin/session-lock" "link target"
assert_out_has "linked $L -> $P/bin/session-lock"
assert_out_has "add $HOME/.local/bin to your PATH"
PATH=$HOME/.local/bin:/usr/bin:/bin install_sh --prefix "$P"
assert_rc 0
assert_out_lacks "to your PATH"
assert_eq "$(PATH=$HOME/.local/bin:/usr/bin:/bin command -v session-lock)" "$L" "found by name"
ls -A "$HOME/.local/bin" | grep -q tmp-link && t_fail "a temporary link was left"
install_sh --prefix "$P" --uninstall
assert_rc 0
[ -e "$L" ] || [ -L "$L" ] && t_fail "the link was left: $(ls -l "$L")"
[ -d "$HOME/.local/bin" ] || t_fail "~/.local/bin itself was removed"
t_end

t_begin "install leaves a foreign session-lock on the link path alone; --no-link links nothing"
P=$T/prefix
mkdir -p "$HOME/.local/bin"
printf '#!/bin/sh\necho mine\n' > "$HOME/.local/bin/session-lock"
cp "$HOME/.local/bin/session-lock" "$T/foreign"
install_sh --prefix "$P"
assert_rc 0
assert_out_has "not linking $HOME/.local/bin/session-lock"
assert_same_file "$HOME/.local/bin/session-lock" "$T/foreign"
install_sh --prefix "$P" --uninstall
assert_same_file "$HOME/.local/bin/session-lock" "$T/foreign"
rm -f "$HOME/.local/bin/session-lock"
install_sh --prefix "$P" --no-link
assert_rc 0
[ -e "$HOME/.local/bin/session-lock" ] && t_fail "--no-link linked"
install_sh --prefix "$P" --link-dir "$T/mybin" --dry-run
assert_out_has "would link $T/mybin/session-lock"
[ -e "$T/mybin" ] && t_fail "a dry run created the link directory"
t_end

t_begin "--uninstall leaves foreign files in a shared prefix"
P=$T/usr
mkdir -p "$P/bin" "$HOME/.claude"
echo keep > "$P/bin/other-tool"
install_sh --prefix "$P"
assert_rc 0
install_sh --prefix "$P" --uninstall
assert_rc 0
assert_only "$P/bin" other-tool
assert_eq "$(cat "$HOME/.claude/settings.json")" "{}" "settings left"
t_end

t_begin "install into invalid JSON is refused and changes nothing"
P=$T/prefix
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
printf '{\n  "model": "opus",\n}\n' > "$F"
cp "$F" "$T/orig"
m1=$(mtime "$F")
install_sh --prefix "$P"
[ "$RC" != 0 ] || t_fail "install.sh succeeded on invalid JSON"
assert_err_has "cannot update '$F': not valid JSON (line 3, column 1)"
assert_same_file "$F" "$T/orig"
assert_eq "$(mtime "$F")" "$m1" "mtime"
assert_only "$HOME/.claude" settings.json
assert_no_file "$P"
t_end

t_begin "install into a file whose hooks is not an object is refused"
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
printf '{"hooks": []}' > "$F"
install_sh --prefix "$T/prefix"
[ "$RC" != 0 ] || t_fail "install.sh succeeded"
assert_err_has '"hooks" is not an object'
assert_eq "$(cat "$F")" '{"hooks": []}' "file"
assert_only "$HOME/.claude" settings.json
t_end

t_begin "--project DIR registers in DIR/.claude/settings.json only"
install_sh --prefix "$T/prefix" --project "$WS"
assert_rc 0
assert_registered "$WS/.claude/settings.json" "$T/prefix/bin"
assert_no_file "$HOME/.claude"
install_sh --prefix "$T/prefix" --project "$WS" --uninstall
assert_rc 0
assert_eq "$(cat "$WS/.claude/settings.json")" "{}" "project settings after uninstall"
t_end

t_begin "--dry-run prints the changes and writes nothing"
P=$T/prefix
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
user_settings > "$F"
cp "$F" "$T/orig"
m1=$(mtime "$F")
install_sh --prefix "$P" --dry-run
assert_rc 0
assert_out_has "would install"
assert_out_has "would add PreToolUse hook: $P/bin/pretooluse-lock (timeout 10 s)"
assert_out_has "would add SessionEnd hook: $P/bin/stop-release (timeout 5 s)"
assert_out_has "would update '$F'"
assert_same_file "$F" "$T/orig"
assert_eq "$(mtime "$F")" "$m1" "mtime"
assert_only "$HOME/.claude" settings.json
assert_no_file "$P"
t_end

t_begin "--dry-run into a fresh HOME creates nothing; --dry-run --uninstall removes nothing"
P=$T/prefix
install_sh --prefix "$P" --dry-run
assert_rc 0
assert_out_has "would create '$HOME/.claude/settings.json'"
assert_no_file "$HOME/.claude"
assert_no_file "$P"
install_sh --prefix "$P"
cp "$HOME/.claude/settings.json" "$T/after"
install_sh --prefix "$P" --uninstall --dry-run
assert_rc 0
assert_out_has "would remove PreToolUse hook"
assert_out_has "would remove $P/bin/pretooluse-lock"
assert_same_file "$HOME/.claude/settings.json" "$T/after"
[ -x "$P/bin/pretooluse-lock" ] || t_fail "program removed by a dry run"
t_end

t_begin "a prefix with a space and a quote: the exec-form command is the path, unquoted, run with no arguments"
P="$T/my prefix/it's \$HOME"
# stand-ins that say who they are and how many arguments they got
mkdir -p "$T/stubs"
cp "$SL_BIN/session-lock" "$T/stubs/"
for p in pretooluse-lock posttooluse-refresh stop-release session-start; do
	printf '#!/bin/sh\necho "$0 $#"\n' > "$T/stubs/$p"
	chmod +x "$T/stubs/$p"
done
bash "$INSTALL" --prebuilt "$T/stubs" --prefix "$P" > "$T/.out" 2>&1 || t_fail "install.sh: $(cat "$T/.out")"
F=$HOME/.claude/settings.json
cmd=$(json_get "$F" hooks.PreToolUse.0.hooks.0.command)
assert_eq "$cmd" "$P/bin/pretooluse-lock" "command"
assert_eq "$(json_get "$F" hooks.PreToolUse.0.hooks.0.args)" "[]" "args"
# the client runs command with args, no shell: so does this
assert_eq "$("$cmd" < /dev/null)" "$P/bin/pretooluse-lock 0" "program run, arguments"
"$SL" settings check --file "$F" --bindir "$P/bin" > "$T/.check" || t_fail "check: $(cat "$T/.check")"
t_end

t_begin "the real hook program runs as the registered exec-form command"
P="$T/with space"
install_sh --prefix "$P"
assert_rc 0
cmd=$(json_get "$HOME/.claude/settings.json" hooks.Stop.0.hooks.0.command)
hook pretooluse-lock PreToolUse.Write "sess-1" "$$"
fx Stop "sess-1" | CLAUDE_PID=$$ "$cmd" > "$T/.hook" 2>&1
assert_eq "$?" 0 "status of '$cmd'"
assert_no_file "$(lock_file)"
t_end

# --- forms and client versions -------------------------------------------------

t_begin "an earlier install's shell form (exec ...) is ours: check passes, install turns it into the exec form"
P=$T/prefix
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
user_settings > "$F"
cp "$F" "$T/orig"
install_sh --prefix "$P"
assert_rc 0
# what install.sh wrote before the exec form
sed -e 's#"command": "\(/[^"]*/\(pretooluse-lock\|posttooluse-refresh\|stop-release\|session-start\)\)",#"command": "exec \1",#' \
	-e '/"args": \[\],/d' "$F" > "$T/shell-form"
cp "$T/shell-form" "$F"
assert_file_has "$F" '"command": "exec '
"$SL" settings check --file "$F" --bindir "$P/bin" > "$T/.check" 2>&1 || t_fail "check of the shell form: $(cat "$T/.check")"
install_sh --prefix "$P"
assert_rc 0
expected "$P/bin" > "$T/want"
assert_same_file "$F" "$T/want"
cp "$T/shell-form" "$F"
install_sh --prefix "$P" --uninstall
assert_rc 0
assert_same_file "$F" "$T/orig"
t_end

t_begin "an install from before PreToolUse had Read: check passes with a note, install.sh updates the matcher in place"
P=$T/prefix
mkdir -p "$HOME/.claude"
F=$HOME/.claude/settings.json
user_settings > "$F"
cp "$F" "$T/orig"
install_sh --prefix "$P"
assert_rc 0
assert_eq "$(json_get "$F" hooks.PreToolUse.1.matcher)" "Edit|Write|MultiEdit|NotebookEdit|Bash|Read" "PreToolUse matcher"
assert_eq "$(json_get "$F" hooks.PostToolUse.0.matcher)" "Edit|Write|MultiEdit|NotebookEdit|Bash" "PostToolUse matcher"
assert_eq "$(json_get "$F" hooks.PostToolUseFailure.0.matcher)" "Edit|Write|MultiEdit|NotebookEdit|Bash" "PostToolUseFailure matcher"
# what install.sh wrote before Read was in PreToolUse's matcher
sed 's#"Edit|Write|MultiEdit|NotebookEdit|Bash|Read"#"Edit|Write|MultiEdit|NotebookEdit|Bash"#' "$F" > "$T/old-matcher"
cp "$T/old-matcher" "$F"
assert_file_lacks "$F" '|Read"'
run session-lock settings check --file "$F" --bindir "$P/bin"
assert_rc 0
assert_out_has "note: PreToolUse: matcher 'Edit|Write|MultiEdit|NotebookEdit|Bash' misses Read: every write is still locked"
assert_out_has "the hooks of claude-session-lock are registered"
install_sh --prefix "$P"
assert_rc 0
assert_out_has "add PreToolUse hook: $P/bin/pretooluse-lock (timeout 10 s)"
expected "$P/bin" > "$T/want"
assert_same_file "$F" "$T/want"
assert_same_file "$F.bak-session-lock" "$T/old-matcher"
assert_eq "$(grep -c pretooluse-lock "$F")" 1 "PreToolUse entries"
run session-lock settings check --file "$F" --bindir "$P/bin"
assert_rc 0
assert_out_lacks "note:"
install_sh --prefix "$P"
assert_rc 0
assert_out_has "nothing changed"
cp "$T/old-matcher" "$F"
install_sh --prefix "$P" --uninstall
assert_rc 0
assert_same_file "$F" "$T/orig"
t_end

t_begin "Claude Code 2.1.332 on PATH: PreSkillShellCommand is registered too, and check wants it"
echo 2.1.332 > "$T/claude-version"
install_sh --prefix "$T/prefix"
assert_rc 0
F=$HOME/.claude/settings.json
assert_eq "$(json_get "$F" hooks.PreSkillShellCommand.0.hooks.0.command)" "$T/prefix/bin/pretooluse-lock" "command"
assert_eq "$(json_get "$F" hooks.PreSkillShellCommand.0.hooks.0.args)" "[]" "args"
json_get "$F" hooks.PreSkillShellCommand.0.matcher > /dev/null 2>&1 && t_fail "PreSkillShellCommand has a matcher"
run session-lock settings check --file "$F" --bindir "$T/prefix/bin"
assert_rc 0
assert_out_has "registered for Claude Code 2.1.332"
# the settings of the published template, for the same directory
sed "s#@BINDIR@#$T/prefix/bin#" "$SL_ROOT/settings/hooks.json" > "$T/want"
assert_same_file "$F" "$T/want"
# without it, check says what is not covered
run session-lock settings install --file "$F" --bindir "$T/prefix/bin" --client-version 2.1.330
assert_rc 0
assert_out_has "remove PreSkillShellCommand hook"
run session-lock settings check --file "$F" --bindir "$T/prefix/bin"
assert_rc 1
assert_out_has "PreSkillShellCommand: pretooluse-lock is not registered"
t_end

t_begin "Claude Code 2.1.330 on PATH: no PreSkillShellCommand (it would show a Settings Warning); check calls one out"
install_sh --prefix "$T/prefix"
assert_rc 0
F=$HOME/.claude/settings.json
assert_file_lacks "$F" PreSkillShellCommand
assert_out_has "note: not registering PreSkillShellCommand: Claude Code 2.1.330 does not have it (2.1.332 and later do)"
run session-lock settings check --file "$F" --bindir "$T/prefix/bin"
assert_rc 0
run session-lock settings install --file "$F" --bindir "$T/prefix/bin" --client-version 2.1.332
assert_rc 0
run session-lock settings check --file "$F" --bindir "$T/prefix/bin"
assert_rc 1
assert_out_has "PreSkillShellCommand: Claude Code 2.1.330 does not have this event"
assert_out_has "Settings Warning"
install_sh --prefix "$T/prefix"
assert_rc 0
assert_file_lacks "$F" PreSkillShellCommand
t_end

t_begin "no claude on PATH, or --client-version none: only the events every client has, and a note saying so"
F=$HOME/.claude/settings.json
PATH=$T/nowhere "$SL" settings install --file "$F" --bindir "$SL_BIN" > "$T/.out" 2>&1
assert_eq "$?" 0 "status"
assert_file_has "$T/.out" "note: not registering PreSkillShellCommand (Claude Code 2.1.332 and later): the client version is unknown (there is no 'claude' on PATH); give it with --client-version"
assert_file_lacks "$F" PreSkillShellCommand
PATH=$T/nowhere "$SL" settings check --file "$F" --bindir "$SL_BIN" > "$T/.out" 2>&1
assert_eq "$?" 0 "check status"
assert_file_has "$T/.out" "note: not checking PreSkillShellCommand"
install_sh --prefix "$T/prefix" --client-version none
assert_rc 0
assert_out_has "the client version is unknown (--client-version none)"
install_sh --prefix "$T/prefix" --client-version 2.1.332
assert_rc 0
assert_file_has "$F" PreSkillShellCommand
run session-lock settings install --file "$F" --bindir "$SL_BIN" --client-version 2.1
assert_rc 2
assert_err_has "bad --client-version '2.1'"
t_end

t_begin "a symlinked settings.json is written through, the link stays"
mkdir -p "$HOME/.claude" "$HOME/dotfiles"
user_settings > "$HOME/dotfiles/claude.json"
cp "$HOME/dotfiles/claude.json" "$T/orig"
ln -s ../dotfiles/claude.json "$HOME/.claude/settings.json"
install_sh --prefix "$T/prefix"
assert_rc 0
[ -L "$HOME/.claude/settings.json" ] || t_fail "the link was replaced"
assert_eq "$(readlink "$HOME/.claude/settings.json")" "../dotfiles/claude.json" "link target"
expected "$T/prefix/bin" > "$T/want"
assert_same_file "$HOME/dotfiles/claude.json" "$T/want"
assert_only "$HOME/dotfiles" claude.json
install_sh --prefix "$T/prefix" --uninstall
assert_rc 0
[ -L "$HOME/.claude/settings.json" ] || t_fail "the link was replaced by uninstall"
assert_same_file "$HOME/dotfiles/claude.json" "$T/orig"
t_end

# --- install.sh and apt-get ---------------------------------------------------

# fakes FAKEDIR: apt-get, sudo and make that log their arguments to $T/log
# (make then fails, so that install.sh stops after the dependency step).
fakes() {
	mkdir -p "$1"
	printf '#!/bin/sh\necho "apt-get $*" >> "%s/log"\n' "$T" > "$1/apt-get"
	printf '#!/bin/sh\necho "sudo $*" >> "%s/log"\nexec "$@"\n' "$T" > "$1/sudo"
	printf '#!/bin/sh\necho "make $*" >> "%s/log"\nexit 1\n' "$T" > "$1/make"
	chmod +x "$1"/*
}

t_begin "dependencies present: no apt-get, and the default path builds with make"
fakes "$T/fake"
for p in gcc make pkg-config libcjson-dev libpcre2-dev nettle-dev; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qx 'install ok installed' ||
		t_skip "build dependency $p is not installed on this machine"
done
if [ "$T_CASE_FAILED" = 0 ]; then
	PATH=$T/fake:$PATH env -u MAKE bash "$INSTALL" --prefix "$T/prefix" > "$T/.out" 2>&1
	RC=$?
	assert_eq "$RC" 1 "status when make fails"
	assert_eq "$(cat "$T/log")" "make -C $SL_ROOT -j$(nproc 2>/dev/null || echo 2)" "commands run"
	assert_file_has "$T/.out" "cannot build: make failed"
	assert_no_file "$T/prefix"
	assert_no_file "$HOME/.claude"
fi
t_end

t_begin "a missing dependency: apt-get update, then install of just that one, via sudo"
fakes "$T/fake"
printf '#!/bin/sh\nfor p in "$@"; do case $p in -*) ;; libcjson-dev) echo "libcjson-dev unknown ok not-installed" ;; *) echo "$p install ok installed" ;; esac; done\n' > "$T/fake/dpkg-query"
printf '#!/bin/sh\necho 1000\n' > "$T/fake/id"
chmod +x "$T/fake"/*
PATH=$T/fake:$PATH bash "$INSTALL" --prefix "$T/prefix" > "$T/.out" 2>&1
assert_eq "$(sed -n 1,4p "$T/log")" "sudo apt-get update
apt-get update
sudo apt-get install -y --no-install-recommends libcjson-dev
apt-get install -y --no-install-recommends libcjson-dev" "commands run"
assert_file_has "$T/log" "^make -C"
t_end

t_begin "a missing dependency on a dry run is only printed"
fakes "$T/fake"
printf '#!/bin/sh\nfor p in "$@"; do case $p in -*) ;; nettle-dev) ;; *) echo "$p install ok installed" ;; esac; done\n' > "$T/fake/dpkg-query"
chmod +x "$T/fake"/*
PATH=$T/fake:$PATH bash "$INSTALL" --prefix "$T/prefix" --dry-run > "$T/.out" 2>&1
assert_eq "$?" 0 "status"
assert_file_has "$T/.out" "would run: .*apt-get update"
assert_file_has "$T/.out" "would run: .*apt-get install -y --no-install-recommends nettle-dev"
assert_no_file "$T/log"
assert_no_file "$HOME/.claude"
t_end

t_begin "a missing dependency without root or sudo: prints the command, runs nothing"
fakes "$T/fake"
rm "$T/fake/sudo"
printf '#!/bin/sh\nfor p in "$@"; do case $p in -*) ;; gcc) ;; *) echo "$p install ok installed" ;; esac; done\n' > "$T/fake/dpkg-query"
printf '#!/bin/sh\necho 1000\n' > "$T/fake/id"
chmod +x "$T/fake"/*
# a PATH without sudo: only the fakes and the few tools install.sh needs
mkdir -p "$T/tools"
for tool in dirname grep; do ln -s "$(command -v "$tool")" "$T/tools/$tool"; done
PATH=$T/fake:$T/tools "$(command -v bash)" "$INSTALL" --prefix "$T/prefix" > "$T/.out" 2>&1
assert_eq "$?" 1 "status"
assert_file_has "$T/.out" "as root run: apt-get update && apt-get install -y gcc"
assert_no_file "$T/log"
assert_no_file "$T/prefix"
t_end

# --- session-lock settings ----------------------------------------------------

# Faults in the test build of session-lock: the N-th call fails. The backup
# is written first (open 2, write 1, fsync 1, rename 1, then the directory's
# open 3 and fsync 2), then the file (open 4, write 2, fsync 3, rename 2).
# FAULT:BACKUP says whether the backup was complete when the fault hit.
for case in rename:EIO:0 rename:EIO:2:1 write:ENOSPC:0 write:ENOSPC:2:1 fsync:EIO:0 \
    fsync:EIO:2:1 fsync:EIO:3:1 open:EMFILE:2:0 open:EIO:3:1 open:EACCES:4:1; do
	fault=${case%:*}
	backup=${case##*:}
	t_begin "settings install with $fault leaves the old file and no temporary"
	mkdir -p "$HOME/.claude"
	F=$HOME/.claude/settings.json
	user_settings > "$F"
	cp "$F" "$T/orig"
	SESSION_LOCK_FAULT=$fault "$SL_TBIN/session-lock" settings install --file "$F" --bindir "$SL_BIN" \
		--client-version 2.1.330 > "$T/.out" 2> "$T/.err"
	RC=$?
	ERR=$(cat "$T/.err")
	assert_rc 3
	assert_err_one_line
	assert_err_has "session-lock: cannot "
	assert_same_file "$F" "$T/orig"
	if [ "$backup" = 1 ]; then
		assert_only "$HOME/.claude" settings.json settings.json.bak-session-lock
		assert_same_file "$F.bak-session-lock" "$T/orig"
	else
		assert_only "$HOME/.claude" settings.json
	fi
	t_end
done

t_begin "settings install: usage errors and missing programs"
run session-lock settings install --file "$T/s.json"
assert_rc 2
assert_err_has "install needs --bindir"
run session-lock settings frobnicate
assert_rc 2
run session-lock settings uninstall --file "$T/s.json" --bindir /x
assert_rc 2
mkdir -p "$T/empty"
run session-lock settings install --file "$T/s.json" --bindir "$T/empty"
assert_rc 3
assert_err_one_line
assert_err_has "cannot register hooks in '$T/s.json': '$T/empty/pretooluse-lock' is not an executable file"
assert_no_file "$T/s.json"
t_end

t_begin "settings install --dry-run, then uninstall of a file without our hooks"
printf '{"a": 1}' > "$T/s.json"
run session-lock settings install --file "$T/s.json" --bindir "$SL_BIN" --dry-run
assert_rc 0
assert_out_has "would add Stop hook: $SL_BIN/stop-release (timeout 5 s)"
assert_eq "$(cat "$T/s.json")" '{"a": 1}' "file"
run session-lock settings uninstall --file "$T/s.json"
assert_rc 0
assert_out_has "nothing changed"
assert_no_file "$T/s.json.bak-session-lock"
run session-lock settings uninstall --file "$T/none.json"
assert_rc 0
assert_no_file "$T/none.json"
t_end

t_begin "settings check: 0 when registered, 1 with one line per problem, 3 on invalid JSON"
run session-lock settings install --file "$T/s.json" --bindir "$SL_BIN"
assert_rc 0
run session-lock settings check --file "$T/s.json" --bindir "$SL_BIN"
assert_rc 0
printf '{"hooks": {"PreToolUse": [{"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash|Read", "hooks": [{"type": "command", "command": "exec %s/pretooluse-lock", "timeout": 10}]}]}}' \
	"$SL_BIN" > "$T/lock-only.json"
run session-lock settings check --file "$T/lock-only.json"
assert_rc 1
assert_out_has "Stop: stop-release is not registered"
assert_out_has "SessionEnd: stop-release is not registered"
assert_out_has "the lock is taken but not released"
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 6 "problem lines"
printf '{"hooks": {"Stop": [{"hooks": [{"command": "exec /nowhere/stop-release", "timeout": 1}]}]}}' > "$T/bad.json"
run session-lock settings check --file "$T/bad.json"
assert_rc 1
assert_out_has "Stop: stop-release has a timeout of 1 s, less than 2 s"
assert_out_has "Stop: '/nowhere/stop-release' does not exist"
printf '{"a": 1,}' > "$T/invalid.json"
run session-lock settings check --file "$T/invalid.json"
assert_rc 3
assert_err_one_line
assert_err_has "cannot check '$T/invalid.json': not valid JSON"
run session-lock settings check --file "$T/missing.json"
assert_rc 1
assert_out_has "does not exist"
t_end

t_finish

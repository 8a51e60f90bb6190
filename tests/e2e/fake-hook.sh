#!/bin/sh
# tests/e2e/fake-hook.sh EVENT - a trivial hand-written hook, not the
# product. The harness self-check registers it to prove that the test bed
# itself works: a PreToolUse exit 2 blocks the tool and its stderr reaches
# the model, SessionStart context reaches the model, and the PID the driver
# spawned is the CLAUDE_PID hooks see.
cat >/dev/null
case ${1:-} in
pre)
	echo "e2e fake lock held by pid ${CLAUDE_PID:-unknown}: run 'session-lock release'" >&2
	exit 2
	;;
start)
	printf '{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"e2e fake holder pid %s"}}\n' "${CLAUDE_PID:-unknown}"
	;;
esac
exit 0

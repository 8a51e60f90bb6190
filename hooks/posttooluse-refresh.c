/*
 * posttooluse-refresh - the Claude Code hook; core/hook.h says what it does.
 */
#include <unistd.h>

#include "hook.h"
#include "sys.h"

int
main(void)
{
	struct hook_reply reply;

	sys_fix_stdio();
	hook_run(HOOK_POSTTOOLUSE, STDIN_FILENO, &reply);
	return hook_emit("posttooluse-refresh", &reply);
}

/*
 * test_classify.c - the Bash command classifier (classify.h): a table of
 * commands with their class, the reasons given, the user's extra patterns,
 * hostile input, and (printed, never asserted) the time of one hook's worth
 * of work.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "err.h"

#define RO	BASH_READONLY
#define MUT	BASH_MUTATING

struct example {
	const char *command;
	enum bash_class expect;
};

static const struct example table[] = {
	/* plain readers */
	{ "ls", RO },
	{ "ls -la /tmp", RO },
	{ "cat README.md", RO },
	{ "head -n 20 core/lock.c", RO },
	{ "tail -f /var/log/syslog", RO },
	{ "wc -l *.c", RO },
	{ "pwd", RO },
	{ "echo hello", RO },
	{ "printf '%s\\n' a b", RO },
	{ "rg -n TODO src", RO },
	{ "grep -rn 'foo' .", RO },
	{ "egrep 'a|b' f", RO },
	{ "fgrep x f", RO },
	{ "stat -c %s f", RO },
	{ "file bin/x", RO },
	{ "du -sh .", RO },
	{ "df -h", RO },
	{ "which gcc", RO },
	{ "type ls", RO },
	{ "command -v git", RO },
	{ "whoami", RO },
	{ "id -u", RO },
	{ "uname -a", RO },
	{ "date +%s", RO },
	{ "date -Iseconds", RO },
	{ "env", RO },
	{ "printenv HOME", RO },
	{ "true", RO },
	{ "false", RO },
	{ "test -f x", RO },
	{ "[ -d dir ]", RO },
	{ "[[ -f x ]] && cat x", RO },
	{ "realpath .", RO },
	{ "readlink -f x", RO },
	{ "basename a/b.c .c", RO },
	{ "dirname a/b", RO },
	{ "diff -u a b", RO },
	{ "cmp a b", RO },
	{ "sort -k2 -n f", RO },
	{ "sort -u f", RO },
	{ "uniq -c f", RO },
	{ "uniq -f 2 in", RO },
	{ "cut -d: -f1 /etc/passwd", RO },
	{ "tr a-z A-Z", RO },
	{ "nl f", RO },
	{ "od -c f", RO },
	{ "hexdump -C f", RO },
	{ "xxd f", RO },
	{ "xxd -l 64 f", RO },
	{ "md5sum f", RO },
	{ "sha256sum -c sums", RO },
	{ "jq .name package.json", RO },
	{ "less f", RO },
	{ "more f", RO },
	{ "cd src", RO },
	{ "fd -e c", RO },
	{ "tree -L 2", RO },
	{ "find . -name '*.c'", RO },
	{ "find . -type f -newer Makefile -print", RO },
	{ "\\ls", RO },
	{ "", RO },
	{ "   ", RO },
	/* git, read-only forms */
	{ "git status", RO },
	{ "git status --porcelain", RO },
	{ "git diff HEAD~1", RO },
	{ "git log --oneline -10", RO },
	{ "git show HEAD:Makefile", RO },
	{ "git blame -L 1,10 f", RO },
	{ "git rev-parse --show-toplevel", RO },
	{ "git ls-files", RO },
	{ "git grep -n foo", RO },
	{ "git describe --tags", RO },
	{ "git shortlog -sn", RO },
	{ "git cat-file -p HEAD", RO },
	{ "git ls-tree HEAD", RO },
	{ "git remote -v", RO },
	{ "git branch", RO },
	{ "git branch -a", RO },
	{ "git branch -vv", RO },
	{ "git branch --show-current", RO },
	{ "git branch --list 'feat*'", RO },
	{ "git branch --contains HEAD", RO },
	{ "git tag", RO },
	{ "git tag -l 'v1*'", RO },
	{ "git stash list", RO },
	{ "git config --get user.name", RO },
	{ "git config --list", RO },
	{ "git reflog", RO },
	{ "git --no-pager log", RO },
	{ "git -C sub status", RO },
	{ "git -c color.ui=never diff", RO },
	{ "git --version", RO },
	{ "git log --author=\"$name\"", RO },
	/* lists and pipelines */
	{ "ls && pwd", RO },
	{ "ls || echo none", RO },
	{ "ls; pwd", RO },
	{ "cat f | grep x | wc -l", RO },
	{ "ls &", RO },
	{ "ls |& grep x", RO },
	{ "ls -la | head -20 && git status && git diff --stat", RO },
	{ "ls\npwd\n", RO },
	/* quotes and escapes */
	{ "echo 'a > b'", RO },
	{ "echo \"a > b\"", RO },
	{ "echo 'a; rm -rf /'", RO },
	{ "echo \"a && rm x\"", RO },
	{ "echo a\\;rm", RO },
	{ "echo \\> f", RO },
	{ "echo 'it''s' \"a\\\"b\"", RO },
	{ "echo ${HOME}/x", RO },
	{ "cat \"$f\"", RO },
	{ "ls # > comment; rm x", RO },
	{ "ls \\\n  -la", RO },
	/* harmless redirections */
	{ "ls 2>/dev/null", RO },
	{ "ls >/dev/null 2>&1", RO },
	{ "ls &>/dev/null", RO },
	{ "ls 1>&2", RO },
	{ "ls >&2", RO },
	{ "ls 2>&-", RO },
	{ "grep x f 2>&1 | head", RO },
	{ "cat < input.txt", RO },
	{ "grep x <<< \"$var\"", RO },
	{ "{ ls; pwd; } 2>/dev/null", RO },
	/* here-documents */
	{ "cat <<EOF\nhello > there; rm x\nEOF", RO },
	{ "cat <<'EOF'\n$(rm -rf /)\nEOF", RO },
	{ "cat <<-EOF\n\thi\n\tEOF", RO },
	{ "cat <<\"EOF\" | grep x\n`rm x`\nEOF\necho done", RO },
	{ "cat <<A <<B\na\nA\nb\nB\nls", RO },
	/* assignments, keywords, wrappers */
	{ "LC_ALL=C sort f", RO },
	{ "FOO=bar BAZ=1 ls", RO },
	{ "GIT_PAGER=cat git log", RO },
	{ "X=1", RO },
	{ "export LC_ALL=C; ls", RO },
	{ "set -euo pipefail; ls", RO },
	{ "time ls", RO },
	{ "nice -n 10 grep x f", RO },
	{ "timeout 5 cat f", RO },
	{ "env LANG=C ls", RO },
	{ "for f in *.c; do wc -l \"$f\"; done", RO },
	{ "while read -r l; do echo \"$l\"; done < list", RO },
	{ "if [ -f x ]; then cat x; else echo no; fi", RO },
	{ "(cd sub && ls)", RO },
	{ "! grep -q x f", RO },
	/* xargs */
	{ "echo a | xargs", RO },
	{ "git ls-files | xargs grep -l foo", RO },
	{ "find . -print0 | xargs -0 wc -l", RO },
	{ "xargs -I{} cat {}", RO },
	{ "xargs -n1 -P4 head -1", RO },
	/* sed and awk that only print */
	{ "sed -n p f", RO },
	{ "sed -n '10,20p' f", RO },
	{ "sed 's/a/b/g' f", RO },
	{ "sed 's|a|b|g' f", RO },
	{ "sed -E -e 's/x/y/' -e '/^#/d' f", RO },
	{ "sed -ne '/start/,/end/p' f", RO },
	{ "sed -n '/foo/{p;q}' f", RO },
	{ "sed -n '$p' f", RO },
	{ "sed '1i header' f", RO },
	{ "sed --sandbox 'w x' f", RO },
	{ "awk '{print $1}' f", RO },
	{ "awk -F: '{print $1}' /etc/passwd", RO },

	/* redirections that write */
	{ "echo x > f", MUT },
	{ "echo x >> f", MUT },
	{ "ls &> out", MUT },
	{ "ls &>> out", MUT },
	{ "ls >| f", MUT },
	{ "ls 1> f", MUT },
	{ "ls 2> err.log", MUT },
	{ "ls > $F", MUT },
	{ "ls >& out", MUT },
	{ "ls >\"/dev/null x\"", MUT },
	{ "cat <> f", MUT },
	{ "echo {a,b} > f", MUT },
	{ "cat <<EOF > f\nhi\nEOF", MUT },
	{ "ls 2>", MUT },
	/* substitutions */
	{ "echo $(whoami)", MUT },
	{ "echo \"$(whoami)\"", MUT },
	{ "echo `id`", MUT },
	{ "echo \"`id`\"", MUT },
	{ "echo ${x:-$(rm y)}", MUT },
	{ "echo $((1+2))", MUT },
	{ "echo ${x@P}", MUT },
	{ "diff <(ls a) <(ls b)", MUT },
	{ "ls > >(cat)", MUT },
	{ "cat <<EOF\n$(rm x)\nEOF", MUT },
	{ "cat <<EOF\n`rm x`\nEOF", MUT },
	{ "read 'a[$(rm x)]'", MUT },
	{ "[[ -v 'a[$(rm x)]' ]]", MUT },
	{ "x='a[$(rm y)]'; [[ $x -eq 1 ]]", MUT },
	{ "git ls-remote --upload-pack='rm -rf x' .", MUT },
	/* unreadable */
	{ "cat <<EOF\nunterminated", MUT },
	{ "cat <<EOF", MUT },
	{ "echo 'unterminated", MUT },
	{ "echo \"unterminated", MUT },
	{ "echo ${unterminated", MUT },
	/* always-mutating commands */
	{ "tee out", MUT },
	{ "ls | tee -a log", MUT },
	{ "dd if=a of=b", MUT },
	{ "eval ls", MUT },
	{ "exec ls", MUT },
	{ "source env.sh", MUT },
	{ ". env.sh", MUT },
	{ "sudo ls", MUT },
	{ "rm x", MUT },
	{ "mv a b", MUT },
	{ "cp a b", MUT },
	{ "mkdir d", MUT },
	{ "touch f", MUT },
	{ "chmod +x f", MUT },
	{ "ln -s a b", MUT },
	{ "truncate -s 0 f", MUT },
	/* writing forms of readers */
	{ "sed -i 's/a/b/' f", MUT },
	{ "sed --in-place 's/a/b/' f", MUT },
	{ "sed -ni p f", MUT },
	{ "sed 's/a/b/w out' f", MUT },
	{ "sed -n 'w out' f", MUT },
	{ "sed 's/x/date/e' f", MUT },
	{ "sed -e p -e 'w out' f", MUT },
	{ "sed '1i x' -e 'w out'", MUT },
	{ "sed -f script.sed f", MUT },
	{ "find . -name x -delete", MUT },
	{ "find . -exec rm {} \\;", MUT },
	{ "find . -execdir ls \\;", MUT },
	{ "find . -ok rm {} \\;", MUT },
	{ "find . -fprint out", MUT },
	{ "find . -fls out", MUT },
	{ "sort -o out f", MUT },
	{ "sort f -o out", MUT },
	{ "uniq in out", MUT },
	{ "xxd in out", MUT },
	{ "xxd -r in out", MUT },
	{ "date -s now", MUT },
	{ "tree -o out", MUT },
	{ "file -C -m magic", MUT },
	{ "less -o log f", MUT },
	{ "fd -x rm", MUT },
	{ "rg --pre cat x", MUT },
	{ "awk '{print > \"x\"}' f", MUT },
	{ "awk 'BEGIN{system(\"rm x\")}'", MUT },
	{ "awk -f prog.awk f", MUT },
	/* git that writes */
	{ "git commit -m x", MUT },
	{ "git push", MUT },
	{ "git fetch", MUT },
	{ "git pull", MUT },
	{ "git checkout main", MUT },
	{ "git add .", MUT },
	{ "git reset --hard", MUT },
	{ "git stash", MUT },
	{ "git stash pop", MUT },
	{ "git branch new", MUT },
	{ "git branch -d old", MUT },
	{ "git branch -a newbranch", MUT },
	{ "git tag v1", MUT },
	{ "git config user.name x", MUT },
	{ "git config user.name --get", MUT },
	{ "git reflog expire --all", MUT },
	{ "git log --output=x", MUT },
	{ "git grep -O foo", MUT },
	{ "git -c core.pager=rm log", MUT },
	{ "git -p log", MUT },
	{ "git show \"$sha\"", MUT },
	/* tools that build, install or run code */
	{ "apt install x", MUT },
	{ "pip install x", MUT },
	{ "npm install", MUT },
	{ "cargo build", MUT },
	{ "make", MUT },
	{ "cmake ..", MUT },
	{ "ninja", MUT },
	{ "gcc -o x x.c", MUT },
	{ "cc x.c", MUT },
	{ "python -c 'print(1)'", MUT },
	{ "python x.py", MUT },
	{ "node -e 1", MUT },
	{ "perl -e 1", MUT },
	{ "sh -c ls", MUT },
	{ "bash -c ls", MUT },
	{ "ruby x.rb", MUT },
	{ "./configure", MUT },
	{ "/bin/ls", MUT },
	{ "unknowncmd", MUT },
	{ "${CMD} x", MUT },
	/* one mutating part is enough */
	{ "ls; rm x", MUT },
	{ "ls && rm x", MUT },
	{ "ls || rm x", MUT },
	{ "cat f | sh", MUT },
	{ "ls & rm x", MUT },
	{ "ls\nrm x", MUT },
	{ "(ls; rm x)", MUT },
	{ "if true; then rm x; fi", MUT },
	{ "cat <<'EOF'\nls\nEOF\nrm x", MUT },
	/* xargs */
	{ "ls | xargs rm", MUT },
	{ "find . | xargs sed -i s/a/b/", MUT },
	{ "find . | xargs sed -n 1p", MUT },
	{ "xargs -I{} sh -c 'echo {}'", MUT },
	{ "xargs --bogus ls", MUT },
	/* the environment and wrappers */
	{ "PATH=/tmp ls", MUT },
	{ "LD_PRELOAD=x.so ls", MUT },
	{ "GIT_EXTERNAL_DIFF=rm git diff", MUT },
	{ "PAGER=rm git log", MUT },
	{ "PATH=/evil:$PATH; ls", MUT },
	{ "export PATH=/x", MUT },
	{ "env -i rm x", MUT },
	{ "env A=1 make", MUT },
	{ "time make", MUT },
	{ "time -o out ls", MUT },
	{ "nice rm x", MUT },
	{ "timeout 5 rm x", MUT },
	{ "command rm x", MUT },
	/* arguments that may expand into options */
	{ "X=-delete; find . $X", MUT },
	{ "find . \"$X\"", MUT },
	{ "find . $'-delete'", MUT },
	{ "find . -name *.c", MUT },
	{ "sed -n p $f", MUT },
	{ "sed -n 1p *", MUT },
	/* shell syntax it does not follow */
	{ "for ((i=0;i<3;i++)); do echo; done", MUT },
	{ "case x in a) ls;; esac", MUT },
	{ "f() { rm x; }; f", MUT },
};

#define N_TABLE	(sizeof(table) / sizeof(table[0]))

static struct classify *defaults;

static void
setup(void)
{
	ck_assert_msg(classify_new(&defaults, NULL, 0, NULL, 0) == 0, "%s",
	    err_last());
}

static void
teardown(void)
{
	classify_free(defaults);
	defaults = NULL;
}

/* The reason given by the last call to judge() or why_of(). */
static char why[256];

static enum bash_class
judge(const struct classify *c, const char *command)
{
	return classify_bash(c, command, why, sizeof(why));
}

/* The reason the defaults give for command. */
static const char *
why_of(const char *command)
{
	judge(defaults, command);
	return why;
}

/* Asserts that the last error names s. */
#define ck_assert_err_has(s) \
	ck_assert_msg(strstr(err_last(), (s)) != NULL, "%s", err_last())

START_TEST(table_entry)
{
	const struct example *e = &table[_i];

	ck_assert_msg(judge(defaults, e->command) == e->expect,
	    "'%s' should be %s (why: %s)", e->command,
	    e->expect == RO ? "READONLY" : "MUTATING", why);
	if (e->expect == RO)
		ck_assert_str_eq(why, "");
	else
		ck_assert_msg(why[0] != '\0', "'%s' gave no reason",
		    e->command);
}
END_TEST

START_TEST(table_is_large_enough)
{
	ck_assert_uint_ge(N_TABLE, 150);
}
END_TEST

START_TEST(reasons_name_the_cause)
{
	ck_assert_str_eq(why_of("echo x > f"), "redirection to a file");
	ck_assert_str_eq(why_of("ls; echo $(id)"), "command substitution");
	ck_assert_str_eq(why_of("echo `id`"), "command substitution");
	ck_assert_str_eq(why_of("echo $((1 + 2))"), "arithmetic expansion");
	ck_assert_str_eq(why_of("diff <(ls a) b"), "process substitution");
	ck_assert_str_eq(why_of("sed -i s/a/b/ f"), "'sed -i' writes files");
	ck_assert_str_eq(why_of("find . -delete"),
	    "'find -delete' deletes files");
	ck_assert_str_eq(why_of("make -j8"), "'make' is a build tool");
	ck_assert_str_eq(why_of("python3 x.py"), "'python3' runs code");
	ck_assert_str_eq(why_of("npm ci"), "'npm' is a package manager");
	ck_assert_str_eq(why_of("rm -rf build"), "'rm' changes files");
	ck_assert_str_eq(why_of("frobnicate"),
	    "'frobnicate' is not on the read-only list");
	ck_assert_str_eq(why_of("git commit -m x"),
	    "'git commit' is not on the read-only list");
	ck_assert_str_eq(why_of("git branch x"),
	    "'git branch' in this form is not on the read-only list");
	ck_assert_str_eq(why_of("PATH=. ls"),
	    "setting 'PATH' may change what runs");
	ck_assert_str_eq(why_of("find . $x"),
	    "'find' has an argument that may expand to an option");
	ck_assert_str_eq(why_of("cat 'x"), "unterminated quote");
	ck_assert_str_eq(why_of("cat <<E\nx"), "unterminated here-document");
	ck_assert_str_eq(why_of("ls | xargs rm"), "'rm' changes files");
	/* the first reason wins */
	ck_assert_str_eq(why_of("ls > f; rm x"), "redirection to a file");
}
END_TEST

START_TEST(reason_is_cut_to_fit_and_cleared)
{
	char small[8];

	ck_assert_int_eq(classify_bash(defaults, "echo x > f", small,
	    sizeof(small)), MUT);
	ck_assert_str_eq(small, "redirec");
	ck_assert_int_eq(classify_bash(defaults, "ls", small, sizeof(small)),
	    RO);
	ck_assert_str_eq(small, "");
	memcpy(small, "abc", 4);
	ck_assert_int_eq(classify_bash(defaults, "rm x", small, 0), MUT);
	ck_assert_str_eq(small, "abc");
}
END_TEST

START_TEST(reason_shows_names_safely)
{
	ck_assert_str_eq(why_of("\001\x7f\\'abcdefghijklmnopqrstuvwxyz"
	    "0123456789ABCDEFGH x"), "'???abcdefghijklmnopqrstuvwxyz"
	    "0123456789A...' is not on the read-only list");
}
END_TEST

START_TEST(null_arguments_are_mutating)
{
	ck_assert_int_eq(judge(defaults, NULL), MUT);
	ck_assert_str_eq(why, "nothing to classify");
	ck_assert_int_eq(judge(NULL, "ls"), MUT);
	classify_free(NULL);
}
END_TEST

/* --- the user's patterns ------------------------------------------------ */

START_TEST(extra_readonly_pattern_accepts_a_command)
{
	const char *ro[] = { "mytool --check( .*)?" };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, ro, 1, NULL, 0), 0);
	ck_assert_int_eq(judge(c, "mytool --check"), RO);
	ck_assert_int_eq(judge(c, "mytool --check src | head"), RO);
	ck_assert_int_eq(judge(c, "cd x && LC_ALL=C mytool --check"),
	    RO);
	/* anchored at both ends */
	ck_assert_int_eq(judge(c, "mytool --fix"), MUT);
	ck_assert_int_eq(judge(c, "xmytool --check"), MUT);
	/* redirections are judged apart from the pattern */
	ck_assert_int_eq(judge(c, "mytool --check > out"), MUT);
	/* a user rule, like the literal defaults, refuses opaque arguments */
	ck_assert_int_eq(judge(c, "mytool --check $opts"), MUT);
	ck_assert_str_eq(why,
	    "'mytool' has an argument that may expand to an option");
	classify_free(c);
}
END_TEST

START_TEST(extra_patterns_are_whole_and_anchored)
{
	const char *ro[] = { "a|b" };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, ro, 1, NULL, 0), 0);
	ck_assert_int_eq(classify_bash(c, "a", NULL, 0), RO);
	ck_assert_int_eq(classify_bash(c, "b", NULL, 0), RO);
	ck_assert_int_eq(classify_bash(c, "a x", NULL, 0), MUT);
	ck_assert_int_eq(classify_bash(c, "x b", NULL, 0), MUT);
	classify_free(c);
}
END_TEST

START_TEST(extra_mutating_pattern_overrides_a_default_reader)
{
	const char *mut[] = { "cat .*secret.*" };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, NULL, 0, mut, 1), 0);
	ck_assert_int_eq(judge(c, "cat notes/secret.txt"), MUT);
	ck_assert_str_eq(why,
	    "'cat' matches the mutating pattern 'cat .*secret.*'");
	ck_assert_int_eq(judge(c, "cat notes/plain.txt"), RO);
	classify_free(c);
}
END_TEST

START_TEST(mutating_list_wins_over_readonly_list)
{
	const char *ro[] = { "mytool( .*)?", "sed .*", "make -n" };
	const char *mut[] = { "mytool --fix.*" };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, ro, 3, mut, 1), 0);
	ck_assert_int_eq(classify_bash(c, "mytool --list", NULL, 0), RO);
	ck_assert_int_eq(classify_bash(c, "mytool --fix", NULL, 0), MUT);
	/* the default always-mutating forms win over the user's readers */
	ck_assert_int_eq(classify_bash(c, "sed -i s/a/b/ f", NULL, 0), MUT);
	/* but a category only gives the reason: the user may accept a form */
	ck_assert_int_eq(classify_bash(c, "make -n", NULL, 0), RO);
	ck_assert_int_eq(classify_bash(c, "make", NULL, 0), MUT);
	classify_free(c);
}
END_TEST

START_TEST(invalid_pattern_is_named)
{
	const char *ro[] = { "ok", "foo(" };
	const char *mut[] = { "[z-a]" };
	struct classify *c = (struct classify *)&c;

	ck_assert_int_eq(classify_new(&c, ro, 2, NULL, 0), -1);
	ck_assert_ptr_eq(c, (struct classify *)&c);
	ck_assert_err_has("read-only pattern 'foo('");
	ck_assert_err_has("at offset 4");
	ck_assert_err_has("missing closing parenthesis");

	ck_assert_int_eq(classify_new(&c, NULL, 0, mut, 1), -1);
	ck_assert_err_has("mutating pattern '[z-a]'");
}
END_TEST

START_TEST(missing_pattern_is_refused)
{
	const char *ro[] = { "ok", NULL };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, ro, 2, NULL, 0), -1);
	ck_assert_err_has("pattern 2 is missing");
	ck_assert_int_eq(classify_new(&c, NULL, 1, NULL, 0), -1);
}
END_TEST

/* Exponential backtracking on "ls xxx...x!" without the match limit. */
START_TEST(catastrophic_user_pattern_is_bounded)
{
	const char *ro[] = { "ls (x+x+)+" };
	const char *mut[] = { "ls (x+x+)+" };
	struct classify *c;
	char cmd[64];

	memset(cmd, 'x', 50);
	memcpy(cmd, "ls ", 3);
	memcpy(cmd + 50, "!", 2);
	/* a read-only pattern that gives up does not accept ... */
	ck_assert_int_eq(classify_new(&c, ro, 1, NULL, 0), 0);
	ck_assert_int_eq(classify_bash(c, "ls xxxx", NULL, 0), RO);
	classify_free(c);
	/* ... and a mutating one that gives up counts as a match */
	ck_assert_int_eq(classify_new(&c, NULL, 0, mut, 1), 0);
	ck_assert_int_eq(classify_bash(c, "ls", NULL, 0), RO);
	ck_assert_int_eq(judge(c, cmd), MUT);
	ck_assert_str_eq(why, "'ls' matches the mutating pattern 'ls (x+x+)+'");
	classify_free(c);
}
END_TEST

/* --- hostile input ------------------------------------------------------ */

/* A string of n copies of unit after prefix, and suffix; caller frees. */
static char *
repeated(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	size_t lp = strlen(prefix), lu = strlen(unit), ls = strlen(suffix), k;
	char *s = malloc(lp + lu * n + ls + 1), *p;

	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, lp);
	p = s + lp;
	for (k = 0; k < n; k++, p += lu)
		memcpy(p, unit, lu);
	memcpy(p, suffix, ls + 1);
	return s;
}

START_TEST(hostile_input_is_bounded)
{
	static const struct {
		const char *prefix, *unit;
		size_t n;
		const char *suffix;
		enum bash_class expect;
	} cases[] = {
		{ "echo \"", "a", 1 << 20, "\"", RO },		/* 1 MB */
		{ "ls ", "a ", 1 << 19, "", RO },		/* 512k words */
		{ "", "ls;", 1 << 17, "", RO },		/* 128k commands */
		{ "", "\"'", 10000, "", MUT },		/* 10k quotes, open */
		{ "echo ", "\"'\"", 10000, "", RO },	/* 10k quoted quotes */
		{ "echo ", "'\"", 10000, "", MUT },	/* never closed */
		{ "", "${", 10000, "", MUT },
		{ "", "(", 100000, "ls", RO },
		{ "cat <<E\n", "x\n", 100000, "", MUT },	/* no end */
		{ "cat <<E | wc -l\n", "xyz\n", 1 << 18, "E", RO },
		{ "cat", " <<E", 10000, "\n", MUT },
		{ "find . ", "-name a ", 1 << 17, "-delete", MUT },
		{ "sed -n '", "p;", 1 << 18, "' f", RO },
		{ "sed '", "s/a/b/;", 1000, "' f", RO },
		{ "sed '", "s/a/b/;", 1 << 16, "' f", MUT },	/* too long */
		{ "sed '", "s/a/b/;", 1 << 16, "w x' f", MUT },
		{ "git log ", "x ", 1 << 18, "", RO },
		{ "echo ", "\\", 1 << 20, "", RO },
		{ "", "A=1 ", 1 << 18, "ls", RO },
		{ "xargs ", "-0 ", 1 << 18, "grep x", RO },
		{ "", "\n", 1 << 20, "", RO },
	};
	size_t k;
	char *s;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		s = repeated(cases[k].prefix, cases[k].unit, cases[k].n,
		    cases[k].suffix);
		ck_assert_msg(judge(defaults, s) == cases[k].expect,
		    "hostile case %zu: why %s", k, why);
		free(s);
	}
}
END_TEST

/*
 * Prints what one hook pays: classify_new() and one classify_bash() in a
 * fresh struct (so the lazy compilation is included), for a few typical
 * commands. Timing is never asserted.
 */
START_TEST(print_the_time_of_one_call)
{
	static const char *const cmds[] = {
		"git status", "ls -la src | head -20",
		"sed -n '1,40p' core/lock.c", "make -j8",
	};
	struct timespec a, b;
	struct classify *c;
	size_t k;
	int n, rounds = 2000;
	double us;

	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (n = 0; n < rounds; n++) {
			ck_assert_int_eq(classify_new(&c, NULL, 0, NULL, 0), 0);
			classify_bash(c, cmds[k], NULL, 0);
			classify_free(c);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		us = ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		    (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / rounds;
		printf("classify_new + classify_bash(\"%s\"): %.1f us\n",
		    cmds[k], us);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("classify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, table_entry, 0, (int)N_TABLE);
	tcase_add_test(tc, table_is_large_enough);
	tcase_add_test(tc, reasons_name_the_cause);
	tcase_add_test(tc, reason_is_cut_to_fit_and_cleared);
	tcase_add_test(tc, reason_shows_names_safely);
	tcase_add_test(tc, null_arguments_are_mutating);
	tcase_add_test(tc, extra_readonly_pattern_accepts_a_command);
	tcase_add_test(tc, extra_patterns_are_whole_and_anchored);
	tcase_add_test(tc, extra_mutating_pattern_overrides_a_default_reader);
	tcase_add_test(tc, mutating_list_wins_over_readonly_list);
	tcase_add_test(tc, invalid_pattern_is_named);
	tcase_add_test(tc, missing_pattern_is_refused);
	tcase_add_test(tc, catastrophic_user_pattern_is_bounded);
	tcase_add_test(tc, hostile_input_is_bounded);
	tcase_add_test(tc, print_the_time_of_one_call);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"

/*
 * tree_sum DIR - prints what a command must not change in the directory
 * tree DIR, one line per entry, sorted by path: its type (d, f, l, o),
 * its mode, its path below DIR, and the SHA-256 of a file's content or a
 * link's target. git's objects are listed without their content: their
 * names are their checksums. Links are not followed.
 *
 * One process instead of find, sha256sum and sort for each of the ~200
 * commands tests/contract/test_classify_diff.sh runs. Exit 0, or 1 (with a
 * message) when the tree cannot be read.
 */
#include <fcntl.h>
#include <ftw.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **lines;
static size_t nlines, cap;
static size_t root_len;

static int
add_line(char *line)
{
	char **p;

	if (line == NULL)
		return -1;
	if (nlines == cap) {
		cap = cap ? cap * 2 : 256;
		p = realloc(lines, cap * sizeof(*lines));
		if (p == NULL)
			return -1;
		lines = p;
	}
	lines[nlines++] = line;
	return 0;
}

/* The digest of ctx as 64 hex digits into hex (65 bytes). */
static void
hex_of(struct sha256_ctx *ctx, char hex[65])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t k;

	sha256_digest(ctx, sizeof(d), d);
	for (k = 0; k < sizeof(d); k++)
		snprintf(hex + 2 * k, 3, "%02x", d[k]);
}

/* The checksum of the file at path into hex; -1 when it cannot be read. */
static int
file_sum(const char *path, char hex[65])
{
	struct sha256_ctx ctx;
	uint8_t buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&ctx, (size_t)n, buf);
	close(fd);
	if (n < 0)
		return -1;
	hex_of(&ctx, hex);
	return 0;
}

static int
visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *rel = path + root_len;
	char hex[65] = "-", target[4096], *line = NULL;
	struct sha256_ctx ctx;
	ssize_t n;
	char type;

	(void)ftw;
	if (*rel == '/')
		rel++;
	if (flag == FTW_NS || flag == FTW_DNR) {
		fprintf(stderr, "tree_sum: cannot read %s\n", path);
		return 1;
	}
	if (S_ISDIR(st->st_mode))
		type = 'd';
	else if (S_ISLNK(st->st_mode)) {
		type = 'l';
		n = readlink(path, target, sizeof(target));
		if (n < 0)
			return 1;
		sha256_init(&ctx);
		sha256_update(&ctx, (size_t)n, (const uint8_t *)target);
		hex_of(&ctx, hex);
	} else if (S_ISREG(st->st_mode)) {
		type = 'f';
		if (strncmp(rel, ".git/objects/", 13) != 0 &&
		    file_sum(path, hex) < 0) {
			fprintf(stderr, "tree_sum: cannot read %s\n", path);
			return 1;
		}
	} else
		type = 'o';
	if (asprintf(&line, "%s %c %o %s", *rel ? rel : ".", type,
	    (unsigned)(st->st_mode & 07777), hex) < 0 || add_line(line) < 0) {
		fprintf(stderr, "tree_sum: out of memory\n");
		return 1;
	}
	return 0;
}

static int
by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	size_t k;

	if (argc != 2) {
		fprintf(stderr, "usage: tree_sum DIR\n");
		return 2;
	}
	root_len = strlen(argv[1]);
	if (nftw(argv[1], visit, 32, FTW_PHYS) != 0)
		return 1;
	qsort(lines, nlines, sizeof(*lines), by_path);
	for (k = 0; k < nlines; k++)
		puts(lines[k]);
	return fflush(stdout) == 0 ? 0 : 1;
}

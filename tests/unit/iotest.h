/* iotest.h — helpers shared by the file-format and snapshot unit tests: a scratch directory,
 * reading a test data file, and checking that an error message mentions what it should. */
#ifndef LORASCOPE_IOTEST_H
#define LORASCOPE_IOTEST_H

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#ifndef LS_TEST_DATA
#error "LS_TEST_DATA (the tests/data directory) must be defined by the build"
#endif

/* Fail unless haystack contains needle (both printed). */
#define assert_contains(haystack, needle)                                              \
	do {                                                                           \
		if (!strstr((haystack), (needle)))                                     \
			fail_msg("message \"%s\" lacks \"%s\"", (haystack), (needle)); \
	} while (0)

/* A fresh scratch directory under $TMPDIR (or /tmp); path written into dir[256]. */
static inline void scratch_dir(char *dir)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, 256, "%s/lsiotest.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(dir));
}

/* Number of entries in dir besides . and .. */
static inline int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Remove dir with everything below it (a plain file: just that file). */
static inline void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		unlink(dir);
		return;
	}
	struct dirent *e;
	char p[1024];
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			int n = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			if (n < 0 || (size_t)n >= sizeof p)
				fail_msg("path too long: %s/%s", dir, e->d_name);
			remove_dir(p);
		}
	closedir(d);
	rmdir(dir);
}

/* Write len bytes to dir/name; the full path goes to out[512]. */
static inline void write_file(const char *dir, const char *name, const void *buf, size_t len,
			      char *out)
{
	snprintf(out, 512, "%s/%s", dir, name);
	FILE *f = fopen(out, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Read a whole file into a malloc'd buffer. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

#endif

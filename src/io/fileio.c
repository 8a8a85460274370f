/* fileio.c — mapping files for the readers, atomic writes, the C numeric locale, and the
 * extension dispatch of ls_matrix_load / ls_matrix_save. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lorascope/csvmat.h"
#include "lorascope/fileio.h"
#include "lorascope/mtx.h"
#include "lorascope/npy.h"
#include "lorascope/safetensors.h"

ls_status ls_file_map_open(ls_file_map *fm, const char *path, ls_error *err)
{
	fm->data = NULL;
	fm->len = 0;
	fm->map = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ls_error_set(err, LS_EIO, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return ls_error_set(err, LS_EIO, "%s: cannot stat: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ls_error_set(err, LS_EIO, "%s: not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return LS_OK;
	}
	if ((unsigned long long)st.st_size > (unsigned long long)SIZE_MAX) {
		close(fd);
		return ls_error_set(err, LS_ETOOBIG, "%s: file too large to map", path);
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (p == MAP_FAILED)
		return ls_error_set(err, LS_EIO, "%s: cannot map: %s", path, strerror(e));
	fm->map = p;
	fm->data = p;
	fm->len = (size_t)st.st_size;
	return LS_OK;
}

void ls_file_map_close(ls_file_map *fm)
{
	if (fm->map)
		munmap(fm->map, fm->len);
	fm->map = NULL;
	fm->data = NULL;
	fm->len = 0;
}

ls_status ls_file_read_text(const char *path, size_t max, char **buf, size_t *len, ls_error *err)
{
	*buf = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return ls_error_set(err, LS_EIO, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return ls_error_set(err, LS_EIO, "%s: not a regular file", path);
	}
	if ((unsigned long long)st.st_size > (unsigned long long)max) {
		fclose(f);
		return ls_error_set(err, LS_ETOOBIG, "%s: %lld bytes, more than the limit of %zu",
				    path, (long long)st.st_size, max);
	}
	size_t n = (size_t)st.st_size;
	char *b = malloc(n + 1);
	if (!b) {
		fclose(f);
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory reading %zu bytes", path, n);
	}
	size_t got = fread(b, 1, n, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || got != n) {
		free(b);
		return ls_error_set(err, LS_EIO, "%s: read error", path);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return LS_OK;
}

ls_status ls_file_write_atomic(const char *path, ls_write_fn fn, const void *ctx, ls_error *err)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	if (!tmp)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
	/* Same directory as path, so rename() stays within one file system. */
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		ls_status st = ls_error_set(err, LS_EIO, "%s: cannot create a temporary file: %s",
					    path, strerror(errno));
		free(tmp);
		return st;
	}
	FILE *f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return ls_error_set(err, LS_EIO, "%s: cannot open for writing", path);
	}
	ls_error inner;
	ls_error_clear(&inner);
	ls_status st = fn(f, ctx, &inner);
	if (st == LS_OK && (fflush(f) != 0 || ferror(f)))
		st = ls_error_set(&inner, LS_EIO, "write error: %s", strerror(errno));
	if (st == LS_OK && fsync(fileno(f)) != 0)
		st = ls_error_set(&inner, LS_EIO, "fsync failed: %s", strerror(errno));
	if (fclose(f) != 0 && st == LS_OK)
		st = ls_error_set(&inner, LS_EIO, "close failed: %s", strerror(errno));
	if (st == LS_OK && rename(tmp, path) != 0)
		st = ls_error_set(&inner, LS_EIO, "rename failed: %s", strerror(errno));
	if (st != LS_OK) {
		unlink(tmp);
		ls_error_set(err, st, "%s: %s", path, inner.msg);
	}
	free(tmp);
	return st;
}

/* The C locale, made once for the process by the first thread that needs it (the TUI's
 * worker and UI threads both read and write numbers). */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_make(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

locale_t ls_c_locale_push(void)
{
	pthread_once(&c_locale_once, c_locale_make);
	if (!c_locale)
		return (locale_t)0;
	return uselocale(c_locale);
}

void ls_c_locale_pop(locale_t previous)
{
	if (previous)
		uselocale(previous);
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++) {
		char c = s[n - k + i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != suffix[i])
			return false;
	}
	return true;
}

ls_status ls_matrix_load(const char *spec, ls_mat *M, ls_error *err)
{
	size_t n = strlen(spec);
	if (ends_with(spec, n, ".npy"))
		return ls_npy_load(spec, M, err);
	if (ends_with(spec, n, ".mtx"))
		return ls_mtx_load(spec, M, err);
	if (ends_with(spec, n, ".csv"))
		return ls_csv_load(spec, ',', M, err);
	if (ends_with(spec, n, ".tsv"))
		return ls_csv_load(spec, '\t', M, err);
	if (ends_with(spec, n, ".txt"))
		return ls_csv_load(spec, 0, M, err);
	/* path.safetensors or path.safetensors:tensor.name */
	const char *ext = ".safetensors";
	const char *hit = NULL;
	for (const char *p = strstr(spec, ext); p; p = strstr(p + 1, ext))
		if (p[strlen(ext)] == '\0' || p[strlen(ext)] == ':')
			hit = p;
	if (hit) {
		size_t plen = (size_t)(hit - spec) + strlen(ext);
		char *path = malloc(plen + 1);
		if (!path)
			return ls_error_set(err, LS_ENOMEM, "%s: out of memory", spec);
		memcpy(path, spec, plen);
		path[plen] = '\0';
		const char *tensor = spec[plen] == ':' ? spec + plen + 1 : NULL;
		ls_status st = ls_st_load_matrix(path, tensor, M, err);
		free(path);
		return st;
	}
	return ls_error_set(err, LS_EUNSUPPORTED,
			    "%s: unknown matrix format (use .npy, .safetensors[:tensor], .mtx, "
			    ".csv, .tsv or .txt)",
			    spec);
}

ls_status ls_matrix_save(const char *path, const ls_mat *M, ls_error *err)
{
	size_t n = strlen(path);
	if (ends_with(path, n, ".npy"))
		return ls_npy_save(path, M, err);
	if (ends_with(path, n, ".csv"))
		return ls_csv_save(path, M, ',', err);
	if (ends_with(path, n, ".tsv"))
		return ls_csv_save(path, M, '\t', err);
	return ls_error_set(err, LS_EUNSUPPORTED,
			    "%s: unknown output format (use .npy, .csv or .tsv)", path);
}

static void dim_text(char *out, size_t cap, size_t rows, size_t cols)
{
	char r[24] = "*", c[24] = "*";
	if (rows != LS_ANY)
		snprintf(r, sizeof r, "%zu", rows);
	if (cols != LS_ANY)
		snprintf(c, sizeof c, "%zu", cols);
	snprintf(out, cap, "%s×%s", r, c);
}

ls_status ls_matrix_expect(const char *spec, const ls_mat *M, size_t rows, size_t cols,
			   const char *other, ls_error *err)
{
	if ((rows == LS_ANY || M->rows == rows) && (cols == LS_ANY || M->cols == cols))
		return LS_OK;
	char want[64];
	dim_text(want, sizeof want, rows, cols);
	return ls_error_set(err, LS_EDIM, "%s is %zu×%zu, but %s needs %s", spec, M->rows, M->cols,
			    other, want);
}

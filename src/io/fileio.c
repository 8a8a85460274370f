/* fileio.c — mapping files for the readers, atomic writes, the C numeric locale, and the
 * extension dispatch of ls_matrix_load / ls_matrix_save. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
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

/* Git LFS leaves a small text pointer in place of a large file until `git lfs pull`. */
#define LFS_POINTER "version https://git-lfs.github.com/spec/"

static ls_status check_not_lfs(const char *path, const char *data, size_t len, ls_error *err)
{
	size_t n = sizeof LFS_POINTER - 1;
	if (len >= n && memcmp(data, LFS_POINTER, n) == 0)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: a Git LFS pointer, not the file's data (run git lfs pull)",
				    path);
	return LS_OK;
}

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
	ls_status s = check_not_lfs(path, p, fm->len, err);
	if (s != LS_OK)
		ls_file_map_close(fm);
	return s;
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
	ls_status s = check_not_lfs(path, b, n, err);
	if (s != LS_OK) {
		free(b);
		return s;
	}
	*buf = b;
	*len = n;
	return LS_OK;
}

ls_status ls_file_mat_alloc(ls_mat *M, size_t rows, size_t cols, const char *name, ls_error *err)
{
	ls_status s = ls_mat_alloc(M, rows, cols, err);
	if (s != LS_OK && err)
		ls_error_set(err, s, "%s: %s", name, err->msg);
	return s;
}

mode_t ls_file_umask(void)
{
	/* /proc/self/status reads the mask without changing it (umask() alone cannot, and a
	 * set-and-restore pair would race with other threads creating files). */
	FILE *f = fopen("/proc/self/status", "r");
	if (f) {
		char line[128];
		unsigned int mask;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "Umask: %o", &mask) == 1) {
				fclose(f);
				return (mode_t)(mask & 0777);
			}
		fclose(f);
	}
	mode_t mask = umask(022);
	umask(mask);
	return mask;
}

/* The file a write to path lands in: path itself, or the end of its chain of symbolic links
 * (a relative link is relative to the link's directory). A malloc'd string, NULL on a loop. */
static char *write_target(const char *path)
{
	char *cur = strdup(path);
	for (int hops = 0; cur && hops < 40; hops++) {
		struct stat sb;
		if (lstat(cur, &sb) != 0 || !S_ISLNK(sb.st_mode))
			return cur;
		char link[4096];
		ssize_t n = readlink(cur, link, sizeof link - 1);
		if (n < 0 || (size_t)n >= sizeof link - 1)
			break;
		link[n] = '\0';
		const char *slash = strrchr(cur, '/');
		size_t dl = link[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
		char *next = malloc(dl + (size_t)n + 1);
		if (!next)
			break;
		memcpy(next, cur, dl);
		memcpy(next + dl, link, (size_t)n + 1);
		free(cur);
		cur = next;
	}
	free(cur);
	return NULL;
}

/* Give the temporary file the mode the written file should have: an existing file's own
 * mode (and owner, where we may), else what open(2) would give a new file under the umask. */
static void set_mode(int fd, const char *target)
{
	struct stat sb;
	if (stat(target, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if (fchown(fd, sb.st_uid, sb.st_gid) != 0) {
			/* Not ours to give away: the file keeps our ownership. */
		}
		fchmod(fd, sb.st_mode & 07777);
	} else {
		fchmod(fd, 0666 & ~ls_file_umask());
	}
}

/* Remove dir and the plain files in it (our own temporary or replaced directories). */
static void remove_flat_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char path[PATH_MAX];
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
				unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

ls_status ls_dir_parent_check(const char *target, ls_error *err)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(target, '/');
	if (slash == target)
		snprintf(parent, sizeof parent, "/");
	else if (slash)
		snprintf(parent, sizeof parent, "%.*s", (int)(slash - target), target);
	else
		snprintf(parent, sizeof parent, ".");
	struct stat sb;
	if (stat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return ls_error_set(err, LS_EIO, "%s: no directory %s to create it in", target,
				    parent);
	if (access(parent, W_OK | X_OK) != 0)
		return ls_error_set(err, LS_EIO, "%s: cannot write in %s: %s", target, parent,
				    strerror(errno));
	return LS_OK;
}

ls_status ls_dir_write_atomic(const char *target, char *tmp, char *old, bool replace, mode_t mode,
			      const char *what, ls_dir_fill_fn fill, const void *ctx, ls_error *err)
{
	if (!mkdtemp(tmp))
		return ls_error_set(err, LS_EIO, "%s: cannot create a temporary directory: %s",
				    target, strerror(errno));
	/* mkdtemp makes it 0700. */
	chmod(tmp, mode);
	ls_status st = fill(tmp, ctx, err);
	if (st != LS_OK) {
		remove_flat_dir(tmp);
		return st;
	}
	sync_dir(tmp);
	if (replace && (!mkdtemp(old) || rename(target, old) != 0)) {
		int e = errno;
		remove_flat_dir(tmp);
		return ls_error_set(err, LS_EIO, "%s: cannot replace: %s", target, strerror(e));
	}
	if (rename(tmp, target) != 0) {
		int e = errno;
		if (replace)
			rename(old, target);
		remove_flat_dir(tmp);
		return ls_error_set(err, LS_EIO, "%s: cannot rename the %s into place: %s", target,
				    what, strerror(e));
	}
	if (replace)
		remove_flat_dir(old);
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s/..", target);
	sync_dir(parent);
	return LS_OK;
}

ls_status ls_file_write_check(const char *path, ls_error *err)
{
	char *target = write_target(path);
	if (!target)
		return ls_error_set(err, LS_EIO, "%s: too many levels of symbolic links", path);
	struct stat sb;
	ls_status s = LS_OK;
	if (stat(target, &sb) == 0 && S_ISDIR(sb.st_mode))
		s = ls_error_set(err, LS_EIO, "%s: is a directory", path);
	char *slash = strrchr(target, '/');
	const char *dir = slash == target ? "/" : slash ? (*slash = '\0', target) : ".";
	if (s == LS_OK && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
		s = ls_error_set(err, LS_EIO, "%s: no directory %s to write it in", path, dir);
	else if (s == LS_OK && access(dir, W_OK | X_OK) != 0)
		s = ls_error_set(err, LS_EIO, "%s: cannot write in %s: %s", path, dir,
				 strerror(errno));
	free(target);
	return s;
}

ls_status ls_file_write_atomic(const char *path, ls_write_fn fn, const void *ctx, ls_error *err)
{
	char *target = write_target(path);
	if (!target)
		return ls_error_set(err, LS_EIO, "%s: too many levels of symbolic links", path);
	size_t n = strlen(target);
	char *tmp = malloc(n + 16);
	if (!tmp) {
		free(target);
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
	}
	/* Same directory as the target, so rename() stays within one file system. */
	memcpy(tmp, target, n);
	memcpy(tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		ls_status st = ls_error_set(err, LS_EIO, "%s: cannot create a temporary file: %s",
					    path, strerror(errno));
		free(tmp);
		free(target);
		return st;
	}
	set_mode(fd, target);
	FILE *f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		unlink(tmp);
		free(tmp);
		free(target);
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
	if (st == LS_OK && rename(tmp, target) != 0)
		st = ls_error_set(&inner, LS_EIO, "rename failed: %s", strerror(errno));
	if (st != LS_OK) {
		unlink(tmp);
		ls_error_set(err, st, "%s: %s", path, inner.msg);
	}
	free(tmp);
	free(target);
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

static ls_status load_by_extension(const char *spec, ls_mat *M, ls_error *err)
{
	size_t n = strlen(spec);
	if (ends_with(spec, n, ".npy"))
		return ls_npy_load(spec, M, err);
	if (ends_with(spec, n, ".mtx"))
		return ls_mtx_load(spec, M, err);
	if (ends_with(spec, n, ".csv"))
		return ls_csv_load(spec, 0, M, err);
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

/* Refuse what no objective can train on: a non-finite entry, or one so large that the
 * squared-error losses overflow (LS_MATRIX_MAX_ABS). Positions are 1-based, as people count. */
static ls_status check_entries(const char *spec, const ls_mat *M, ls_error *err)
{
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double v = LS_AT(*M, i, j);
			if (!isfinite(v))
				return ls_error_set(
					err, LS_EFORMAT,
					"%s: row %zu, column %zu: %g is not a finite number", spec,
					i + 1, j + 1, v);
			if (fabs(v) > LS_MATRIX_MAX_ABS)
				return ls_error_set(
					err, LS_EFORMAT,
					"%s: row %zu, column %zu: %g is too large (|x| > %g "
					"overflows the loss)",
					spec, i + 1, j + 1, v, LS_MATRIX_MAX_ABS);
		}
	return LS_OK;
}

ls_status ls_matrix_load(const char *spec, ls_mat *M, ls_error *err)
{
	ls_status s = load_by_extension(spec, M, err);
	if (s == LS_OK && (s = check_entries(spec, M, err)) != LS_OK)
		ls_mat_free(M);
	return s;
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

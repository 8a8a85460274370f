/* fileio.h — file plumbing shared by the readers and writers: mapping a file for reading,
 * writing through a temporary name and an atomic rename, the C numeric locale for text
 * formats, and ls_matrix_load/ls_matrix_save, which pick the format from the file name.
 *
 * Every function returns an ls_status and fills an ls_error whose message starts with the
 * file name; nothing here prints or exits. */
#ifndef LORASCOPE_FILEIO_H
#define LORASCOPE_FILEIO_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "lorascope/mat.h"
#include "lorascope/status.h"

/* Largest text file (CSV, TSV, Matrix Market, JSON config) read into memory: 1 GiB. */
#define LS_TEXT_MAX_BYTES ((size_t)1 << 30)

/* A read-only view of a whole file (mmap'd; an empty file gives data = NULL, len = 0). */
typedef struct {
	const unsigned char *data;
	size_t len;
	void *map; /* what munmap releases (NULL when nothing is mapped) */
} ls_file_map;

/* Map path read-only into fm. Fails with LS_EIO naming the file (missing, a directory...),
 * LS_EFORMAT for a Git LFS pointer in place of the file (as ls_file_read_text does). */
ls_status ls_file_map_open(ls_file_map *fm, const char *path, ls_error *err);
/* Release a mapping (a no-op on a zeroed ls_file_map). */
void ls_file_map_close(ls_file_map *fm);

/* Read a whole text file into a NUL-terminated malloc'd buffer (*buf, *len without the NUL).
 * Files over max bytes are refused with LS_ETOOBIG before reading. */
ls_status ls_file_read_text(const char *path, size_t max, char **buf, size_t *len, ls_error *err);

/* ls_mat_alloc for a matrix read from the file name: a refusal names the file. */
ls_status ls_file_mat_alloc(ls_mat *M, size_t rows, size_t cols, const char *name, ls_error *err);

/* The process's file mode creation mask, read without changing it. */
mode_t ls_file_umask(void);

/* Write callback for ls_file_write_atomic: write the contents to f, return a status. */
typedef ls_status (*ls_write_fn)(FILE *f, const void *ctx, ls_error *err);

/* Write path atomically: fn writes into a temporary file in the same directory, which is
 * flushed, fsync'd and renamed over path. On any failure the temporary file is removed,
 * path is left as it was and the error names path. The file keeps the mode (and owner) of
 * the file it replaces, or gets 0666 & ~umask when new, as open(2) gives; a symbolic link is
 * written through to its target, never replaced. */
ls_status ls_file_write_atomic(const char *path, ls_write_fn fn, const void *ctx, ls_error *err);
/* Whether ls_file_write_atomic could write path, checked before work is spent on its content:
 * not a directory, in an existing directory we may write in (after symbolic links). */
ls_status ls_file_write_check(const char *path, ls_error *err);

/* Whether the directory target could be created or replaced: the directory it is in exists
 * and we may write in it (the error names target and that directory). */
ls_status ls_dir_parent_check(const char *target, ls_error *err);
/* Fill callback for ls_dir_write_atomic: write the directory's files into dir. */
typedef ls_status (*ls_dir_fill_fn)(const char *dir, const void *ctx, ls_error *err);
/* Write the directory target atomically (snapshots, checkpoints): fill writes its plain
 * files into a new directory made from the mkdtemp pattern tmp (beside target), which gets
 * mode, is fsync'd and renamed onto target. With replace, the existing target (the caller
 * checked it is one of ours) is first moved onto a directory made from the pattern old and
 * removed after. On any failure the temporaries are removed, target is as it was and the
 * error names target and what it is (what: "snapshot", "checkpoint"). The patterns are
 * changed in place. */
ls_status ls_dir_write_atomic(const char *target, char *tmp, char *old, bool replace, mode_t mode,
			      const char *what, ls_dir_fill_fn fill, const void *ctx,
			      ls_error *err);

/* Switch the calling thread to the "C" numeric locale (so '.' is the decimal point in
 * strtod/printf whatever LC_ALL says) and back. push returns the previous locale (or 0
 * when it could not switch); pass it to pop. */
locale_t ls_c_locale_push(void);
void ls_c_locale_pop(locale_t previous);

/* Largest |entry| a loaded matrix may hold: beyond it ½‖M − X‖² overflows for large M. */
#define LS_MATRIX_MAX_ABS 1e100

/* Load a matrix from spec = "path" or "path:tensor" (safetensors only). The format comes
 * from the extension: .npy, .safetensors, .mtx, .csv, .tsv (.txt is read as CSV/TSV with
 * the delimiter detected). A 1-D array becomes n×1. M receives a new owning matrix. Every
 * entry must be finite and at most LS_MATRIX_MAX_ABS in magnitude: otherwise LS_EFORMAT
 * naming the row, the column and the value, and no matrix. */
ls_status ls_matrix_load(const char *spec, ls_mat *M, ls_error *err);

/* Save M to path, format from the extension: .npy (v1.0, '<f8'), .csv, .tsv. Atomic. */
ls_status ls_matrix_save(const char *path, const ls_mat *M, ls_error *err);

#endif

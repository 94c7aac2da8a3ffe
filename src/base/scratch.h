/*
 * scratch.h - private temporary directories and files, made in one place:
 * a directory "PARENT/PREFIX-" + six random characters (mode 0700), a file
 * named so, and a file with no name in a directory (it goes when closed).
 */
#ifndef MINTLINE_BASE_SCRATCH_H
#define MINTLINE_BASE_SCRATCH_H

#include <stddef.h>

/* scratch_dir: make the directory under parent ($TMPDIR, else /tmp, when
 * parent is NULL) and write its path to out. -1 (errno set) on failure. */
int scratch_dir(const char *parent, const char *prefix, char *out, size_t out_size);

/* scratch_path: a new empty file "DIR/PREFIX-" + six random characters
 * (mode 0600), closed, its path in out, for a writer that opens by name
 * (SQLite); the caller removes it. -1 (errno set) on failure. */
int scratch_path(const char *dir, const char *prefix, char *out, size_t out_size);

/* scratch_file: a new file in dir, open for reading and writing, that has
 * no name (O_TMPFILE, or a name removed at once where the file system has
 * no O_TMPFILE). -1 (errno set) on failure. */
int scratch_file(const char *dir);

#endif

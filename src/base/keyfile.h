/*
 * keyfile.h - operator key files (SPEC 8): one line, the 32-byte Ed25519
 * seed as 64 lowercase hex digits and a newline, mode 0600, in
 * $MINTLINE_HOME/keys/NAME.key. Any Ed25519 library can sign with it.
 *
 * A key file is never overwritten: creation is O_EXCL. Seeds are wiped from
 * memory by the functions that hold them temporarily; the caller wipes its
 * own copy (sodium_memzero).
 */
#ifndef MINTLINE_BASE_KEYFILE_H
#define MINTLINE_BASE_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "../base/sig.h"

#define KEYFILE_HEX_SIZE 65u /* 64 hex digits + NUL */

/* keyfile_create: make a fresh seed, create the file at path (creating
 * missing parent directories with mode 0700) with mode 0600 and write it.
 * Writes the public key's hex into pubkey_hex. Errors: ERR_KEY_EXISTS (the
 * file is there, untouched), ERR_IO (with the system's reason in why). */
enum err keyfile_create(const char *path, char pubkey_hex[KEYFILE_HEX_SIZE], char *why,
                        size_t why_size) __attribute__((warn_unused_result));

/* keyfile_load: read the seed from path. *loose is set to 1 when the file
 * can be read by group or others (the caller warns). Errors: ERR_IO (cannot
 * open or read), ERR_KEY_FILE (not one line of 64 hex digits); why says
 * which. seed is untouched on error. */
enum err keyfile_load(const char *path, uint8_t seed[SIG_SEED_BYTES], int *loose, char *why,
                      size_t why_size) __attribute__((warn_unused_result));

/* keyfile_pubkey_hex: the public key of seed as 64 lowercase hex digits. */
void keyfile_pubkey_hex(const uint8_t seed[SIG_SEED_BYTES], char out[KEYFILE_HEX_SIZE]);

#endif

#ifndef FERRY_CTR_H
#define FERRY_CTR_H

#include <stddef.h>

// An in-process OpenSSL 3 provider, "ferryctr", that serves AES-128/192/256-CTR with keystream made
// in bulk by the default provider's own AES-CTR (encrypting zeros), XORed against each call. libssh2
// 1.10 calls the cipher once per 16-byte block; each of those calls becomes a copy from a buffer
// instead of a trip through OpenSSL's cipher machinery. No cipher arithmetic is done here.

// Registers and loads the provider (and the default one, which loading any provider would otherwise
// switch off), pins OpenSSL's random generator to the default provider and makes "ferryctr" the
// preferred source of AES-CTR. Call once, before libssh2_init and before any thread uses OpenSSL.
// Returns 1 when installed, 0 when left off on purpose (FIPS mode), a negative step number when a
// step failed (OpenSSL is then left as it was, or with only the default provider loaded).
int ferry_ctr_install(void);

// Whether ferry_ctr_install has installed the provider.
int ferry_ctr_installed(void);

// For tests: runs AES-CTR from `provider` ("ferryctr" or "default") over `length` bytes of `input`
// into `output`, in calls of `sizes[i % count]` bytes through EVP_Cipher (`use_cipher` 1, as libssh2
// does) or EVP_CipherUpdate (0). Before call `rekey_at` the context is re-initialised with `key2`
// and no IV (a rekey continues the counter); before call `dup_at` it is duplicated and the copy
// carries on. Returns 1 on success.
int ferry_ctr_test_run(const char *provider, int key_bits, const unsigned char *key, const unsigned char *iv,
                       const unsigned char *key2, int use_cipher, int encrypt, const size_t *sizes, size_t count,
                       size_t rekey_at, size_t dup_at, const unsigned char *input, unsigned char *output,
                       size_t length);

#endif

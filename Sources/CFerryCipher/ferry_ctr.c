#include "ferry_ctr.h"

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROVIDER_NAME "ferryctr"
#define KEYSTREAM_FIRST 256
#define KEYSTREAM_MOST 16384

static const unsigned char zeros[KEYSTREAM_MOST];
static int installed = 0;

// One cipher context: the default provider's AES-CTR context that makes keystream, the keystream not
// used yet, and where the counter started, so a re-key without an IV can continue it.
typedef struct {
    EVP_CIPHER *inner_cipher;
    EVP_CIPHER_CTX *inner;
    size_t key_length;
    int encrypting;
    int keyed;
    unsigned char start_iv[16];
    unsigned long long used;  // bytes of keystream handed out since start_iv
    unsigned char *keystream;
    size_t capacity;
    size_t length;
    size_t position;
} ctr_context;

static void *context_new(size_t key_length) {
    ctr_context *ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (ctx == NULL) return NULL;
    const char *name = key_length == 16 ? "AES-128-CTR" : key_length == 24 ? "AES-192-CTR" : "AES-256-CTR";
    // Fetched from the default provider by name: an unqualified fetch would find this provider again.
    ctx->inner_cipher = EVP_CIPHER_fetch(NULL, name, "provider=default");
    ctx->inner = EVP_CIPHER_CTX_new();
    if (ctx->inner_cipher == NULL || ctx->inner == NULL) {
        EVP_CIPHER_free(ctx->inner_cipher);
        EVP_CIPHER_CTX_free(ctx->inner);
        OPENSSL_free(ctx);
        return NULL;
    }
    ctx->key_length = key_length;
    return ctx;
}

static void *new_128(void *provctx) { (void)provctx; return context_new(16); }
static void *new_192(void *provctx) { (void)provctx; return context_new(24); }
static void *new_256(void *provctx) { (void)provctx; return context_new(32); }

static void context_free(void *vctx) {
    ctr_context *ctx = vctx;
    if (ctx == NULL) return;
    EVP_CIPHER_CTX_free(ctx->inner);
    EVP_CIPHER_free(ctx->inner_cipher);
    OPENSSL_clear_free(ctx->keystream, ctx->capacity);
    OPENSSL_cleanse(ctx, sizeof(*ctx));
    OPENSSL_free(ctx);
}

static void *context_dup(void *vctx) {
    ctr_context *from = vctx;
    ctr_context *ctx = OPENSSL_memdup(from, sizeof(*from));
    if (ctx == NULL) return NULL;
    ctx->inner = EVP_CIPHER_CTX_new();
    ctx->keystream = NULL;
    if (ctx->inner == NULL || !EVP_CIPHER_CTX_copy(ctx->inner, from->inner) || !EVP_CIPHER_up_ref(from->inner_cipher)) {
        EVP_CIPHER_CTX_free(ctx->inner);
        OPENSSL_free(ctx);
        return NULL;
    }
    if (from->capacity > 0) {
        ctx->keystream = OPENSSL_memdup(from->keystream, from->capacity);
        if (ctx->keystream == NULL) {
            ctx->capacity = 0;
            context_free(ctx);
            return NULL;
        }
    }
    return ctx;
}

// `iv` plus `blocks`, as one 128-bit big-endian number (wrapping at 2^128), as CTR counts.
static void add_blocks(unsigned char iv[16], unsigned long long blocks) {
    for (int i = 15; i >= 0 && blocks > 0; i--) {
        unsigned long long sum = (unsigned long long)iv[i] + (blocks & 0xff);
        iv[i] = (unsigned char)sum;
        blocks = (blocks >> 8) + (sum >> 8);
    }
}

static int context_init(void *vctx, const unsigned char *key, size_t key_length, const unsigned char *iv,
                        size_t iv_length, const OSSL_PARAM params[], int encrypting) {
    ctr_context *ctx = vctx;
    (void)params;
    if (key != NULL && key_length != ctx->key_length) return 0;
    if (iv != NULL && iv_length != 16) return 0;
    ctx->encrypting = encrypting;
    if (key == NULL && iv == NULL) return 1;
    unsigned char next_iv[16];
    if (iv != NULL) {
        memcpy(next_iv, iv, 16);
    } else {
        // A new key without an IV goes on from the next whole block, as the default provider does.
        memcpy(next_iv, ctx->start_iv, 16);
        add_blocks(next_iv, (ctx->used + 15) / 16);
    }
    // The inner context takes its cipher once; later inits change only the key, the IV or both.
    const EVP_CIPHER *cipher = ctx->keyed ? NULL : ctx->inner_cipher;
    if (!EVP_EncryptInit_ex2(ctx->inner, cipher, key, next_iv, NULL)) return 0;
    if (key != NULL) ctx->keyed = 1;
    memcpy(ctx->start_iv, next_iv, 16);
    ctx->used = 0;
    OPENSSL_cleanse(ctx->keystream, ctx->capacity);
    ctx->length = 0;
    ctx->position = 0;
    return 1;
}

static int encrypt_init(void *vctx, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
                        const OSSL_PARAM params[]) {
    return context_init(vctx, key, keylen, iv, ivlen, params, 1);
}

static int decrypt_init(void *vctx, const unsigned char *key, size_t keylen, const unsigned char *iv, size_t ivlen,
                        const OSSL_PARAM params[]) {
    return context_init(vctx, key, keylen, iv, ivlen, params, 0);
}

// Makes the next buffer of keystream, growing the buffer up to KEYSTREAM_MOST.
static int refill(ctr_context *ctx) {
    size_t want = ctx->capacity == 0 ? KEYSTREAM_FIRST : ctx->capacity < KEYSTREAM_MOST ? ctx->capacity * 2 : ctx->capacity;
    if (want != ctx->capacity) {
        unsigned char *grown = OPENSSL_malloc(want);
        if (grown == NULL) return 0;
        OPENSSL_clear_free(ctx->keystream, ctx->capacity);
        ctx->keystream = grown;
        ctx->capacity = want;
    }
    int made = 0;
    if (!EVP_EncryptUpdate(ctx->inner, ctx->keystream, &made, zeros, (int)want) || (size_t)made != want) return 0;
    ctx->length = want;
    ctx->position = 0;
    return 1;
}

static int apply_keystream(ctr_context *ctx, unsigned char *out, const unsigned char *in, size_t length) {
    if (!ctx->keyed) return 0;
    size_t done = 0;
    while (done < length) {
        if (ctx->position == ctx->length) {
            size_t left = length - done;
            // A call at least as long as the buffer goes straight through the default provider.
            if (ctx->capacity >= KEYSTREAM_MOST && left >= ctx->capacity) {
                int made = 0;
                if (left > INT32_MAX) left = INT32_MAX & ~(size_t)15;
                if (!EVP_EncryptUpdate(ctx->inner, out + done, &made, in + done, (int)left) || (size_t)made != left)
                    return 0;
                done += left;
                continue;
            }
            if (!refill(ctx)) return 0;
        }
        size_t take = ctx->length - ctx->position;
        if (take > length - done) take = length - done;
        const unsigned char *stream = ctx->keystream + ctx->position;
        for (size_t i = 0; i < take; i++) out[done + i] = in[done + i] ^ stream[i];
        ctx->position += take;
        done += take;
    }
    ctx->used += length;
    return 1;
}

static int update(void *vctx, unsigned char *out, size_t *outl, size_t outsize, const unsigned char *in, size_t inl) {
    ctr_context *ctx = vctx;
    if (outsize < inl) return 0;
    // libssh2 hands over one 16-byte block per call: that case, with keystream at hand, is kept short.
    if (inl == 16 && ctx->length - ctx->position >= 16) {
        uint64_t data[2];
        uint64_t stream[2];
        memcpy(data, in, 16);
        memcpy(stream, ctx->keystream + ctx->position, 16);
        data[0] ^= stream[0];
        data[1] ^= stream[1];
        memcpy(out, data, 16);
        ctx->position += 16;
        ctx->used += 16;
        *outl = 16;
        return 1;
    }
    if (!apply_keystream(ctx, out, in, inl)) return 0;
    *outl = inl;
    return 1;
}

static int final(void *vctx, unsigned char *out, size_t *outl, size_t outsize) {
    (void)vctx;
    (void)out;
    (void)outsize;
    *outl = 0;
    return 1;
}

static int set_size(OSSL_PARAM params[], const char *key, size_t value) {
    OSSL_PARAM *p = OSSL_PARAM_locate(params, key);
    return p == NULL || OSSL_PARAM_set_size_t(p, value);
}

static int set_int(OSSL_PARAM params[], const char *key, int value) {
    OSSL_PARAM *p = OSSL_PARAM_locate(params, key);
    return p == NULL || OSSL_PARAM_set_int(p, value);
}

static int algorithm_params(OSSL_PARAM params[], size_t key_length) {
    return set_int(params, OSSL_CIPHER_PARAM_MODE, EVP_CIPH_CTR_MODE) &&
           set_size(params, OSSL_CIPHER_PARAM_KEYLEN, key_length) && set_size(params, OSSL_CIPHER_PARAM_IVLEN, 16) &&
           set_size(params, OSSL_CIPHER_PARAM_BLOCK_SIZE, 1) && set_int(params, OSSL_CIPHER_PARAM_AEAD, 0) &&
           set_int(params, OSSL_CIPHER_PARAM_CUSTOM_IV, 0) && set_int(params, OSSL_CIPHER_PARAM_CTS, 0) &&
           set_int(params, OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, 0) &&
           set_int(params, OSSL_CIPHER_PARAM_HAS_RAND_KEY, 0);
}

static int params_128(OSSL_PARAM params[]) { return algorithm_params(params, 16); }
static int params_192(OSSL_PARAM params[]) { return algorithm_params(params, 24); }
static int params_256(OSSL_PARAM params[]) { return algorithm_params(params, 32); }

static const OSSL_PARAM algorithm_table[] = {
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_MODE, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_BLOCK_SIZE, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_AEAD, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_CUSTOM_IV, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_CTS, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_HAS_RAND_KEY, NULL),
    OSSL_PARAM_END,
};

static const OSSL_PARAM *gettable_params(void *provctx) {
    (void)provctx;
    return algorithm_table;
}

static int get_ctx_params(void *vctx, OSSL_PARAM params[]) {
    ctr_context *ctx = vctx;
    unsigned char counter[16];
    memcpy(counter, ctx->start_iv, 16);
    add_blocks(counter, ctx->used / 16);
    OSSL_PARAM *p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_UPDATED_IV);
    if (p != NULL && !OSSL_PARAM_set_octet_string(p, counter, 16)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IV);
    if (p != NULL && !OSSL_PARAM_set_octet_string(p, ctx->start_iv, 16)) return 0;
    return set_size(params, OSSL_CIPHER_PARAM_KEYLEN, ctx->key_length) && set_size(params, OSSL_CIPHER_PARAM_IVLEN, 16) &&
           set_int(params, OSSL_CIPHER_PARAM_NUM, (int)(ctx->used % 16));
}

static const OSSL_PARAM context_table[] = {
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_NUM, NULL),
    OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_IV, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_UPDATED_IV, NULL, 0),
    OSSL_PARAM_END,
};

static const OSSL_PARAM *gettable_ctx_params(void *vctx, void *provctx) {
    (void)vctx;
    (void)provctx;
    return context_table;
}

static int set_ctx_params(void *vctx, const OSSL_PARAM params[]) {
    ctr_context *ctx = vctx;
    const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_KEYLEN);
    if (p != NULL) {
        size_t length = 0;
        if (!OSSL_PARAM_get_size_t(p, &length) || length != ctx->key_length) return 0;
    }
    // Padding means nothing to a stream mode; accept it as the default provider does.
    return 1;
}

static const OSSL_PARAM settable_table[] = {
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
    OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, NULL),
    OSSL_PARAM_END,
};

static const OSSL_PARAM *settable_ctx_params(void *vctx, void *provctx) {
    (void)vctx;
    (void)provctx;
    return settable_table;
}

#define CTR_FUNCTIONS(bits)                                                                  \
    static const OSSL_DISPATCH functions_##bits[] = {                                        \
        {OSSL_FUNC_CIPHER_NEWCTX, (void (*)(void))new_##bits},                               \
        {OSSL_FUNC_CIPHER_FREECTX, (void (*)(void))context_free},                            \
        {OSSL_FUNC_CIPHER_DUPCTX, (void (*)(void))context_dup},                              \
        {OSSL_FUNC_CIPHER_ENCRYPT_INIT, (void (*)(void))encrypt_init},                       \
        {OSSL_FUNC_CIPHER_DECRYPT_INIT, (void (*)(void))decrypt_init},                       \
        {OSSL_FUNC_CIPHER_UPDATE, (void (*)(void))update},                                   \
        {OSSL_FUNC_CIPHER_FINAL, (void (*)(void))final},                                     \
        {OSSL_FUNC_CIPHER_CIPHER, (void (*)(void))update},                                   \
        {OSSL_FUNC_CIPHER_GET_PARAMS, (void (*)(void))params_##bits},                        \
        {OSSL_FUNC_CIPHER_GETTABLE_PARAMS, (void (*)(void))gettable_params},                 \
        {OSSL_FUNC_CIPHER_GET_CTX_PARAMS, (void (*)(void))get_ctx_params},                   \
        {OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS, (void (*)(void))gettable_ctx_params},         \
        {OSSL_FUNC_CIPHER_SET_CTX_PARAMS, (void (*)(void))set_ctx_params},                   \
        {OSSL_FUNC_CIPHER_SETTABLE_CTX_PARAMS, (void (*)(void))settable_ctx_params},         \
        {0, NULL},                                                                           \
    };

CTR_FUNCTIONS(128)
CTR_FUNCTIONS(192)
CTR_FUNCTIONS(256)

static const OSSL_ALGORITHM ciphers[] = {
    {"AES-128-CTR", "provider=" PROVIDER_NAME, functions_128, "AES-128-CTR, bulk keystream"},
    {"AES-192-CTR", "provider=" PROVIDER_NAME, functions_192, "AES-192-CTR, bulk keystream"},
    {"AES-256-CTR", "provider=" PROVIDER_NAME, functions_256, "AES-256-CTR, bulk keystream"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *query(void *provctx, int operation, int *no_cache) {
    (void)provctx;
    *no_cache = 0;
    return operation == OSSL_OP_CIPHER ? ciphers : NULL;
}

static void teardown(void *provctx) { (void)provctx; }

static const OSSL_DISPATCH provider_functions[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))teardown},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))query},
    {0, NULL},
};

static int provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
                         void **provctx) {
    (void)in;
    *out = provider_functions;
    *provctx = (void *)handle;
    return 1;
}

int ferry_ctr_install(void) {
    if (installed) return 1;
    if (EVP_default_properties_is_fips_enabled(NULL)) return 0;
    if (!OSSL_PROVIDER_add_builtin(NULL, PROVIDER_NAME, provider_init)) return -1;
    // Loading any provider switches off the automatic default one: load it by name.
    if (OSSL_PROVIDER_load(NULL, "default") == NULL) return -2;
    // The CTR-DRBG fetches AES-CTR too; it stays with the default provider (else it reseeds endlessly).
    if (!RAND_set_DRBG_type(NULL, NULL, "provider=default", NULL, NULL)) return -3;
    if (OSSL_PROVIDER_load(NULL, PROVIDER_NAME) == NULL) return -4;
    if (!EVP_set_default_properties(NULL, "?provider=" PROVIDER_NAME)) return -5;
    installed = 1;
    return 1;
}

int ferry_ctr_installed(void) { return installed; }

int ferry_ctr_test_run(const char *provider, int key_bits, const unsigned char *key, const unsigned char *iv,
                       const unsigned char *key2, int use_cipher, int encrypt, const size_t *sizes, size_t count,
                       size_t rekey_at, size_t dup_at, const unsigned char *input, unsigned char *output,
                       size_t length) {
    char properties[64];
    snprintf(properties, sizeof(properties), "provider=%s", provider);
    const char *name = key_bits == 128 ? "AES-128-CTR" : key_bits == 192 ? "AES-192-CTR" : "AES-256-CTR";
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, properties);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = cipher != NULL && ctx != NULL && EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt, NULL);
    size_t done = 0;
    for (size_t call = 0; ok && done < length; call++) {
        if (call == rekey_at) ok = EVP_CipherInit_ex2(ctx, NULL, key2, NULL, encrypt, NULL);
        if (ok && call == dup_at) {
            EVP_CIPHER_CTX *copy = EVP_CIPHER_CTX_new();
            ok = copy != NULL && EVP_CIPHER_CTX_copy(copy, ctx);
            EVP_CIPHER_CTX_free(ctx);
            ctx = copy;
        }
        size_t size = sizes[call % count];
        if (size > length - done) size = length - done;
        if (!ok) break;
        if (use_cipher) {
            ok = EVP_Cipher(ctx, output + done, input + done, (unsigned int)size) > 0 || size == 0;
        } else {
            int made = 0;
            ok = EVP_CipherUpdate(ctx, output + done, &made, input + done, (int)size) && (size_t)made == size;
        }
        done += size;
    }
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return ok;
}

#ifndef FERRY_CLIBSSH2_SHIM_H
#define FERRY_CLIBSSH2_SHIM_H

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <string.h>
#include <stdlib.h>

/* libssh2 exposes much of its API as function-like macros, which Swift cannot import.
   Each wrapper below forwards to the `_ex` function the macro expands to. */

static inline LIBSSH2_SESSION *ferry_session_init(void *abstract) {
    return libssh2_session_init_ex(NULL, NULL, NULL, abstract);
}

static inline int ferry_session_disconnect(LIBSSH2_SESSION *s, const char *description) {
    return libssh2_session_disconnect_ex(s, SSH_DISCONNECT_BY_APPLICATION, description, "");
}

static inline int ferry_userauth_password(LIBSSH2_SESSION *s, const char *user, const char *password) {
    return libssh2_userauth_password_ex(s, user, (unsigned int)strlen(user), password,
                                        (unsigned int)strlen(password), NULL);
}

static inline int ferry_userauth_publickey_fromfile(LIBSSH2_SESSION *s, const char *user,
                                                    const char *publickey, const char *privatekey,
                                                    const char *passphrase) {
    return libssh2_userauth_publickey_fromfile_ex(s, user, (unsigned int)strlen(user), publickey,
                                                  privatekey, passphrase);
}

// Logs in with a private key held in memory (an OpenSSH key converted from a PuTTY file); libssh2
// derives the public key from it.
static inline int ferry_userauth_publickey_frommemory(LIBSSH2_SESSION *s, const char *user,
                                                      const char *privatekey, const char *passphrase) {
    return libssh2_userauth_publickey_frommemory(s, user, strlen(user), NULL, 0, privatekey, strlen(privatekey),
                                                 passphrase);
}

static inline int ferry_userauth_keyboard_interactive(
    LIBSSH2_SESSION *s, const char *user, LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC((*callback))) {
    return libssh2_userauth_keyboard_interactive_ex(s, user, (unsigned int)strlen(user), callback);
}

static inline LIBSSH2_CHANNEL *ferry_channel_open_session(LIBSSH2_SESSION *s) {
    return libssh2_channel_open_ex(s, "session", sizeof("session") - 1,
                                   LIBSSH2_CHANNEL_WINDOW_DEFAULT, LIBSSH2_CHANNEL_PACKET_DEFAULT,
                                   NULL, 0);
}

static inline int ferry_channel_exec(LIBSSH2_CHANNEL *c, const char *command) {
    return libssh2_channel_process_startup(c, "exec", sizeof("exec") - 1, command,
                                           (unsigned int)strlen(command));
}

static inline ssize_t ferry_channel_read(LIBSSH2_CHANNEL *c, int stream, char *buf, size_t len) {
    return libssh2_channel_read_ex(c, stream, buf, len);
}

static inline ssize_t ferry_channel_write(LIBSSH2_CHANNEL *c, const char *buf, size_t len) {
    return libssh2_channel_write_ex(c, 0, buf, len);
}

static inline LIBSSH2_SFTP_HANDLE *ferry_sftp_open(LIBSSH2_SFTP *sftp, const char *path,
                                                   unsigned long flags, long mode, int isDir) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), flags, mode,
                                isDir ? LIBSSH2_SFTP_OPENDIR : LIBSSH2_SFTP_OPENFILE);
}

static inline int ferry_sftp_readdir(LIBSSH2_SFTP_HANDLE *h, char *buf, size_t len, char *longentry,
                                     size_t longlen, LIBSSH2_SFTP_ATTRIBUTES *attrs) {
    return libssh2_sftp_readdir_ex(h, buf, len, longentry, longlen, attrs);
}

static inline int ferry_sftp_fstat(LIBSSH2_SFTP_HANDLE *h, LIBSSH2_SFTP_ATTRIBUTES *attrs, int set) {
    return libssh2_sftp_fstat_ex(h, attrs, set);
}

/* which: 0 stat, 1 lstat, 2 setstat */
static inline int ferry_sftp_stat(LIBSSH2_SFTP *sftp, const char *path, int which,
                                  LIBSSH2_SFTP_ATTRIBUTES *attrs) {
    int type = which == 0 ? LIBSSH2_SFTP_STAT : (which == 1 ? LIBSSH2_SFTP_LSTAT : LIBSSH2_SFTP_SETSTAT);
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path), type, attrs);
}

static inline int ferry_sftp_rename(LIBSSH2_SFTP *sftp, const char *from, const char *to) {
    return libssh2_sftp_rename_ex(sftp, from, (unsigned int)strlen(from), to, (unsigned int)strlen(to),
                                  LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
                                      LIBSSH2_SFTP_RENAME_NATIVE);
}

static inline int ferry_sftp_unlink(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_unlink_ex(sftp, path, (unsigned int)strlen(path));
}

static inline int ferry_sftp_mkdir(LIBSSH2_SFTP *sftp, const char *path, long mode) {
    return libssh2_sftp_mkdir_ex(sftp, path, (unsigned int)strlen(path), mode);
}

static inline int ferry_sftp_rmdir(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_rmdir_ex(sftp, path, (unsigned int)strlen(path));
}

static inline int ferry_sftp_realpath(LIBSSH2_SFTP *sftp, const char *path, char *target,
                                      unsigned int maxlen) {
    return libssh2_sftp_symlink_ex(sftp, path, (unsigned int)strlen(path), target, maxlen,
                                   LIBSSH2_SFTP_REALPATH);
}

static inline int ferry_sftp_readlink(LIBSSH2_SFTP *sftp, const char *path, char *target,
                                      unsigned int maxlen) {
    return libssh2_sftp_symlink_ex(sftp, path, (unsigned int)strlen(path), target, maxlen,
                                   LIBSSH2_SFTP_READLINK);
}

/* A symbolic link at linkpath holding target. OpenSSH's server takes SSH_FXP_SYMLINK's two paths in the
   opposite order to the draft, and libssh2 sends them in the order OpenSSH expects. */
static inline int ferry_sftp_symlink(LIBSSH2_SFTP *sftp, const char *target, const char *linkpath) {
    return libssh2_sftp_symlink_ex(sftp, target, (unsigned int)strlen(target), (char *)linkpath,
                                   (unsigned int)strlen(linkpath), LIBSSH2_SFTP_SYMLINK);
}

/* RSA keys: libssh2 1.10 signs RSA logins with SHA-1 only, which current OpenSSH refuses. Ferry signs
   with SHA-256 itself through OpenSSL and hands libssh2 the finished signature. */

/* Builds an RSA key from the numbers an OpenSSH private key file stores (big-endian magnitudes). */
static inline EVP_PKEY *ferry_rsa_from_components(const unsigned char *n, size_t nlen, const unsigned char *e,
                                                  size_t elen, const unsigned char *d, size_t dlen,
                                                  const unsigned char *p, size_t plen, const unsigned char *q,
                                                  size_t qlen, const unsigned char *iqmp, size_t iqmplen) {
    EVP_PKEY *pkey = NULL;
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
    BIGNUM *bd = BN_bin2bn(d, (int)dlen, NULL), *bp = BN_bin2bn(p, (int)plen, NULL);
    BIGNUM *bq = BN_bin2bn(q, (int)qlen, NULL), *bi = BN_bin2bn(iqmp, (int)iqmplen, NULL);
    BIGNUM *dmp1 = BN_new(), *dmq1 = BN_new(), *t = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    if (!ctx || !bn || !be || !bd || !bp || !bq || !bi || !dmp1 || !dmq1 || !t || !bld) goto done;
    if (!BN_sub(t, bp, BN_value_one()) || !BN_mod(dmp1, bd, t, ctx)) goto done;
    if (!BN_sub(t, bq, BN_value_one()) || !BN_mod(dmq1, bd, t, ctx)) goto done;
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, bd) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, bp) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, bq) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, bi))
        goto done;
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!params || !pctx || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
        pkey = NULL;
done:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn); BN_free(be); BN_clear_free(bd); BN_clear_free(bp); BN_clear_free(bq); BN_clear_free(bi);
    BN_clear_free(dmp1); BN_clear_free(dmq1); BN_clear_free(t);
    BN_CTX_free(ctx);
    return pkey;
}

/* Reads a PEM private key (PKCS#1 or PKCS#8, encrypted or not). Returns NULL on any failure. */
static inline EVP_PKEY *ferry_pem_private_key(const char *pem, size_t len, const char *passphrase) {
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) return NULL;
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)passphrase);
    BIO_free(bio);
    return pkey;
}

static inline int ferry_pkey_is_rsa(EVP_PKEY *pkey) { return EVP_PKEY_is_a(pkey, "RSA"); }

/* Writes an RSA key's public exponent or modulus (which: 0 e, 1 n) big-endian into out; returns its length. */
static inline int ferry_rsa_public_number(EVP_PKEY *pkey, int which, unsigned char *out, int cap) {
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pkey, which == 0 ? OSSL_PKEY_PARAM_RSA_E : OSSL_PKEY_PARAM_RSA_N, &bn)) return -1;
    int len = BN_num_bytes(bn);
    if (len > cap) { BN_free(bn); return -1; }
    BN_bn2bin(bn, out);
    BN_free(bn);
    return len;
}

/* PKCS#1 v1.5 signature over SHA-256 of data with pkey, malloc'ed into *sig; returns 0, or -1. */
static inline int ferry_rsa_sha256_sign(EVP_PKEY *pkey, const unsigned char *data, size_t data_len,
                                        unsigned char **sig, size_t *sig_len) {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t len = 0;
    int rc = -1;
    if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
        EVP_DigestSign(md, NULL, &len, data, data_len) == 1) {
        unsigned char *out = malloc(len);
        if (out && EVP_DigestSign(md, out, &len, data, data_len) == 1) {
            *sig = out;
            *sig_len = len;
            rc = 0;
        } else {
            free(out);
        }
    }
    EVP_MD_CTX_free(md);
    return rc;
}

/* A sign callback written in Swift: context is the Swift signer, data is what to sign. It stores a
   malloc'ed signature (without its algorithm name; libssh2 adds it) in *sig and returns 0, or returns -1. */
typedef int (*ferry_sign_function)(void *context, const unsigned char *data, size_t data_len,
                                   unsigned char **sig, size_t *sig_len);

struct ferry_signer {
    ferry_sign_function sign;
    void *context;
};

static inline int ferry_forward_sign(LIBSSH2_SESSION *session, unsigned char **sig, size_t *sig_len,
                                     const unsigned char *data, size_t data_len, void **abstract) {
    (void)session;
    struct ferry_signer *signer = (struct ferry_signer *)*abstract;
    return signer->sign(signer->context, data, data_len, sig, sig_len);
}

/* Public-key login whose signature comes from a Swift signer (an RSA key through OpenSSL, or ssh-agent,
   each signing with rsa-sha2-256). */
static inline int ferry_userauth_publickey_signed_by(LIBSSH2_SESSION *s, const char *user,
                                                     const unsigned char *blob, size_t bloblen,
                                                     ferry_sign_function sign, void *context) {
    struct ferry_signer signer = {sign, context};
    void *abstract = &signer;
    return libssh2_userauth_publickey(s, user, blob, bloblen, ferry_forward_sign, &abstract);
}

/* Constants whose macros Swift imports with awkward types, gathered in one place. */
static const unsigned long FERRY_FXF_READ = LIBSSH2_FXF_READ;
static const unsigned long FERRY_FXF_WRITE = LIBSSH2_FXF_WRITE;
static const unsigned long FERRY_FXF_APPEND = LIBSSH2_FXF_APPEND;
static const unsigned long FERRY_FXF_CREAT = LIBSSH2_FXF_CREAT;
static const unsigned long FERRY_FXF_TRUNC = LIBSSH2_FXF_TRUNC;
static const unsigned long FERRY_FXF_EXCL = LIBSSH2_FXF_EXCL;
static const unsigned long FERRY_ATTR_SIZE = LIBSSH2_SFTP_ATTR_SIZE;
static const unsigned long FERRY_ATTR_UIDGID = LIBSSH2_SFTP_ATTR_UIDGID;
static const unsigned long FERRY_ATTR_PERMISSIONS = LIBSSH2_SFTP_ATTR_PERMISSIONS;
static const unsigned long FERRY_ATTR_ACMODTIME = LIBSSH2_SFTP_ATTR_ACMODTIME;

#endif

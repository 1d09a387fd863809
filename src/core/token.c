/*
 * token.c: verifying access tokens (issuing them is issue.c's).
 *
 * Verification does not use libjwt: its jwt_decode() re-parses
 * PEM keys on every call, has no claim checks and accepts "alg":"none"
 * when no key is given.  Instead the order is ours and fixed: size,
 * segments, header, alg against the allow-list and the key's own
 * algorithm, kid, signature (OpenSSL, with keys parsed once at start-up),
 * then claims.  Each failure returns its own reason; tok->detail says
 * which claim or check, and never holds any part of the token.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "keys.h"
#include "tokens.h"

/* Largest decoded header or claim set we parse. */
#define AC_MAXJSON	(48 * 1024)
/* Largest signature: RSA-8192 (keys.c refuses larger RSA keys). */
#define AC_MAXSIG	1024
#define AC_JSONDEPTH	16

void
ac_token_clear(struct ac_token *tok)
{

	json_object_put(tok->header);
	json_object_put(tok->claims);
	memset(tok, 0, sizeof(*tok));
}

/*
 * Decodes one base64url segment holding a JSON object.  Refuses NUL
 * bytes and \u0000 escapes (see claims.c), trailing bytes, deep nesting
 * and anything but an object.
 */
static __thread json_tokener *thread_jt;

static json_object *
segment_json(const char *seg, size_t len)
{
	unsigned char	 stackbuf[2048], *buf = stackbuf;
	size_t		 cap = len / 4 * 3 + 3;
	long		 n;
	json_object	*o = NULL;

	if (len == 0 || cap > AC_MAXJSON)
		return NULL;
	if (cap > sizeof(stackbuf) && (buf = malloc(cap)) == NULL)
		return NULL;
	if ((n = ac_b64url_decode(seg, len, buf, cap)) <= 0 ||
	    ac_json_has_nul((const char *)buf, (size_t)n))
		goto out;
	/* One tokener per thread, reset for each parse. */
	if (thread_jt == NULL) {
		if ((thread_jt = json_tokener_new_ex(AC_JSONDEPTH)) == NULL)
			goto out;
		json_tokener_set_flags(thread_jt, JSON_TOKENER_STRICT);
	} else
		json_tokener_reset(thread_jt);
	o = json_tokener_parse_ex(thread_jt, (const char *)buf, (int)n);
	if (o == NULL ||
	    json_tokener_get_error(thread_jt) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(thread_jt) != (size_t)n ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
out:
	if (buf != stackbuf)
		free(buf);
	return o;
}

/*
 * The headers of one issuer's tokens are byte-identical, so each thread
 * keeps the last few parsed ones (keyed by the whole segment, compared in
 * full).  What is cached depends on the bytes alone, never on the
 * configuration: every check still runs on every token.
 */
#define HDRSLOTS	4
static __thread struct {
	char		*seg;
	size_t		 len;
	json_object	*header;
} hdrs[HDRSLOTS];
static __thread unsigned int hdrnext;

static json_object *
header_json(const char *seg, size_t len)
{
	json_object	*o;
	unsigned int	 i;

	for (i = 0; i < HDRSLOTS; i++)
		if (hdrs[i].len == len && hdrs[i].seg != NULL &&
		    memcmp(hdrs[i].seg, seg, len) == 0)
			return json_object_get(hdrs[i].header);
	if ((o = segment_json(seg, len)) == NULL || len > 1024)
		return o;
	i = hdrnext++ % HDRSLOTS;
	free(hdrs[i].seg);
	json_object_put(hdrs[i].header);
	hdrs[i].header = NULL;
	hdrs[i].len = 0;
	if ((hdrs[i].seg = malloc(len)) == NULL)
		return o;
	memcpy(hdrs[i].seg, seg, len);
	hdrs[i].len = len;
	hdrs[i].header = json_object_get(o);
	return o;
}

/* Splits a compact JWS into its three segments. */
static int
split(const char *t, size_t len, size_t *d1, size_t *d2)
{
	const char	*p, *q;

	if ((p = memchr(t, '.', len)) == NULL)
		return -1;
	if ((q = memchr(p + 1, '.', len - (size_t)(p + 1 - t))) == NULL)
		return -1;
	if (memchr(q + 1, '.', len - (size_t)(q + 1 - t)) != NULL)
		return -1;
	*d1 = (size_t)(p - t);
	*d2 = (size_t)(q - t);
	return (*d1 == 0 || *d2 == *d1 + 1) ? -1 : 0;
}

/* Raw R||S (JWS) to DER (OpenSSL).  Caller frees *der. */
static int
ecdsa_der(const unsigned char *sig, size_t slen, size_t flen,
    unsigned char **der, int *derlen)
{
	ECDSA_SIG	*es;
	BIGNUM		*r, *s;

	if (slen != 2 * flen)
		return -1;
	r = BN_bin2bn(sig, (int)flen, NULL);
	s = BN_bin2bn(sig + flen, (int)flen, NULL);
	if ((es = ECDSA_SIG_new()) == NULL || r == NULL || s == NULL ||
	    !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return -1;
	}
	*der = NULL;
	*derlen = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);
	return *derlen > 0 ? 0 : -1;
}

#define SLOTS	8
static __thread struct {
	uint64_t	 serial;
	EVP_MAC_CTX	*mac;		/* HS*: keyed HMAC */
	EVP_PKEY_CTX	*pkey;		/* RS*, ES*: verify-initialised */
} slots[SLOTS];

static const EVP_MD *mds[3];		/* SHA-256, -384, -512, fetched once */
static pthread_once_t mds_once = PTHREAD_ONCE_INIT;

static void
mds_fetch(void)
{

	mds[0] = EVP_MD_fetch(NULL, "SHA256", NULL);
	mds[1] = EVP_MD_fetch(NULL, "SHA384", NULL);
	mds[2] = EVP_MD_fetch(NULL, "SHA512", NULL);
}

const EVP_MD *
ac_token_md(enum ac_alg a)
{

	pthread_once(&mds_once, mds_fetch);
	switch (a) {
	case AC_ALG_HS256:
	case AC_ALG_RS256:
	case AC_ALG_ES256:
	case AC_ALG_PS256:
		return mds[0];
	case AC_ALG_HS384:
	case AC_ALG_RS384:
	case AC_ALG_ES384:
	case AC_ALG_PS384:
		return mds[1];
	case AC_ALG_EDDSA:
		return NULL;		/* Ed25519 hashes internally */
	default:
		return mds[2];
	}
}

static void
slot_clear(size_t i)
{

	EVP_MAC_CTX_free(slots[i].mac);
	EVP_PKEY_CTX_free(slots[i].pkey);
	memset(&slots[i], 0, sizeof(slots[i]));
}

/*
 * This thread's ready-to-use context for key k: a re-initialised copy of
 * the key's HMAC template, or a verify-initialised EVP_PKEY_CTX.  Each
 * costs a few microseconds to build (OpenSSL fetches algorithms by name),
 * so threads keep them; entries are matched by the key's serial, which is
 * never reused, so a reloaded key set never meets a stale context.
 */
static int
thread_ctx(const struct ac_key *k, EVP_MAC_CTX **mac, EVP_PKEY_CTX **pkey)
{
	size_t		 i, victim = (size_t)(k->serial % SLOTS);
	EVP_PKEY_CTX	*pc;

	for (i = 0; i < SLOTS; i++)
		if (slots[i].serial == k->serial &&
		    (slots[i].mac != NULL || slots[i].pkey != NULL)) {
			*mac = slots[i].mac;
			*pkey = slots[i].pkey;
			return *mac == NULL ||
			    EVP_MAC_init(*mac, NULL, 0, NULL) ? 0 : -1;
		}
	slot_clear(victim);
	slots[victim].serial = k->serial;
	if (k->mac != NULL) {
		if ((slots[victim].mac = EVP_MAC_CTX_dup(k->mac)) == NULL)
			return -1;
	} else {
		if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey,
		    NULL)) == NULL)
			return -1;
		slots[victim].pkey = pc;
		if (EVP_PKEY_verify_init(pc) != 1 ||
		    (EVP_PKEY_is_a(k->pkey, "RSA") && ac_alg_is_pss(k->alg) &&
		    (EVP_PKEY_CTX_set_rsa_padding(pc,
		    RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc,
		    RSA_PSS_SALTLEN_DIGEST) != 1)) ||
		    (EVP_PKEY_is_a(k->pkey, "RSA") && !ac_alg_is_pss(k->alg) &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1) ||
		    EVP_PKEY_CTX_set_signature_md(pc, ac_token_md(k->alg)) != 1) {
			slot_clear(victim);
			return -1;
		}
	}
	*mac = slots[victim].mac;
	*pkey = slots[victim].pkey;
	return 0;
}

/*
 * The verified-token cache, one per thread, so that its json-c objects
 * are never shared between threads (json-c's reference counts are not
 * atomic).  It holds only tokens that passed every check, keyed by the
 * whole token (compared in full, so no collision can pass a forged
 * token), and is bound to the key set's generation: a rotated or retired
 * key set empties it.  exp and nbf are re-checked on every hit; iss, aud,
 * type and the subject do not change with time.  Direct-mapped: a new
 * token evicts whatever sat in its slot.  HMAC tokens are never cached:
 * their signature costs less than a miss and an insert (measured through
 * nginx, HS256 with the cache was slower than without), so a process
 * whose tokens are all HMAC never even allocates the cache.  And a cache
 * that almost never hits (many more distinct tokens than slots) stops
 * inserting for a while: when fewer than 1 in TC_MINHIT of TC_WINDOW
 * lookups hit, the next TC_REST misses are not inserted (lookups go on).
 */
#define TC_WINDOW	1024
#define TC_MINHIT	16
#define TC_REST		16384
struct tcentry {
	char		*tok;
	size_t		 len;
	uint64_t	 gen;
	json_object	*header, *claims;
	int64_t		 exp, nbf;
	enum ac_alg	 alg;
	const char	*kid, *sub;
	char		 subbuf[24];
};
static __thread struct tcentry *tcache;
static __thread size_t tcsize;
static __thread unsigned tclooks, tchits, tcrest;

/*
 * Copies a subject between a token and its cache entry: a numeric sub
 * points into its holder's own buffer (sbuf, dbuf: sz bytes each).
 */
static void
sub_copy(char *dbuf, size_t sz, const char **dsub, const char *sbuf,
    const char *ssub)
{

	if (ssub == sbuf) {
		memcpy(dbuf, sbuf, sz);
		*dsub = dbuf;
	} else
		*dsub = ssub;
}

static void
tc_clear(struct tcentry *e)
{

	free(e->tok);
	json_object_put(e->header);
	json_object_put(e->claims);
	memset(e, 0, sizeof(*e));
}

void
ac_token_cache_flush(void)
{
	size_t	 i;

	for (i = 0; i < tcsize; i++)
		tc_clear(&tcache[i]);
	free(tcache);
	tcache = NULL;
	tcsize = 0;
	for (i = 0; i < SLOTS; i++)
		slot_clear(i);
	for (i = 0; i < HDRSLOTS; i++) {
		free(hdrs[i].seg);
		json_object_put(hdrs[i].header);
		memset(&hdrs[i], 0, sizeof(hdrs[i]));
	}
	if (thread_jt != NULL)
		json_tokener_free(thread_jt);
	thread_jt = NULL;
	/* The thread's parsed AUTH_REQUIRE texts go with it (require.c). */
	ac_require_flush();
}

/* FNV-1a over the signature end of the token, which is random. */
static size_t
tc_slot(const char *t, size_t len)
{
	uint64_t	 h = 1469598103934665603ULL;
	size_t		 i = len > 32 ? len - 32 : 0;

	for (; i < len; i++)
		h = (h ^ (unsigned char)t[i]) * 1099511628211ULL;
	return (size_t)(h % tcsize);
}

static struct tcentry *
tc_find(const struct ac_app *app, const char *t, size_t len)
{
	struct tcentry	*e;

	if (tcache == NULL)
		return NULL;
	if (++tclooks == TC_WINDOW) {
		if (tcrest == 0 && tchits < TC_WINDOW / TC_MINHIT)
			tcrest = TC_REST;
		tclooks = tchits = 0;
	}
	e = &tcache[tc_slot(t, len)];
	if (e->tok == NULL || e->len != len || e->gen != app->live->keys.gen ||
	    memcmp(e->tok, t, len) != 0)
		return NULL;
	tchits++;
	return e;
}

static void
tc_insert(const struct ac_app *app, const char *t, size_t len,
    const struct ac_token *tok)
{
	struct tcentry	*e;
	int64_t		 nbf;

	if (app->cfg.verify_cache == 0 || ac_alg_is_hmac(tok->alg))
		return;
	if (tcrest > 0) {
		tcrest--;
		return;
	}
	if (tcache == NULL) {
		if ((tcache = calloc((size_t)app->cfg.verify_cache,
		    sizeof(*tcache))) == NULL)
			return;
		tcsize = (size_t)app->cfg.verify_cache;
	}
	e = &tcache[tc_slot(t, len)];
	tc_clear(e);
	if ((e->tok = malloc(len)) == NULL)
		return;
	memcpy(e->tok, t, len);
	e->len = len;
	e->gen = app->live->keys.gen;
	e->header = json_object_get(tok->header);
	e->claims = json_object_get(tok->claims);
	e->exp = tok->exp;
	e->nbf = ac_claim_date(tok->claims, "nbf", &nbf) == 1 ? nbf : INT64_MIN;
	e->alg = tok->alg;
	e->kid = tok->kid;
	sub_copy(e->subbuf, sizeof(e->subbuf), &e->sub, tok->subbuf, tok->sub);
}

/* Non-zero when sig is k's signature over msg. */
static int
sig_ok(const struct ac_key *k, const unsigned char *msg, size_t mlen,
    const unsigned char *sig, size_t slen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE], *der = NULL;
	size_t		 mdlen = 0;
	unsigned int	 dlen = 0;
	int		 derlen, ok = 0;
	EVP_MAC_CTX	*mac;
	EVP_PKEY_CTX	*pc;
	EVP_MD_CTX	*mctx;

	if (k->alg == AC_ALG_EDDSA) {
		/* Ed25519 signs the message itself: no digest to reuse. */
		if ((mctx = EVP_MD_CTX_new()) == NULL)
			return 0;
		ok = EVP_DigestVerifyInit(mctx, NULL, NULL, NULL,
		    k->pkey) == 1 && EVP_DigestVerify(mctx, sig, slen, msg,
		    mlen) == 1;
		EVP_MD_CTX_free(mctx);
		return ok;
	}
	if (thread_ctx(k, &mac, &pc) == -1)
		return 0;
	if (mac != NULL) {
		if (!EVP_MAC_update(mac, msg, mlen) ||
		    !EVP_MAC_final(mac, md, &mdlen, sizeof(md)))
			return 0;
		ok = mdlen == slen && CRYPTO_memcmp(md, sig, slen) == 0;
		OPENSSL_cleanse(md, sizeof(md));
		return ok;
	}
	if (!EVP_Digest(msg, mlen, md, &dlen, ac_token_md(k->alg), NULL))
		return 0;
	if (EVP_PKEY_is_a(k->pkey, "EC")) {
		if (ecdsa_der(sig, slen,
		    ((size_t)EVP_PKEY_get_bits(k->pkey) + 7) / 8,
		    &der, &derlen) == -1)
			return 0;
		ok = EVP_PKEY_verify(pc, der, (size_t)derlen, md, dlen) == 1;
		OPENSSL_free(der);
	} else
		ok = EVP_PKEY_verify(pc, sig, slen, md, dlen) == 1;
	return ok;
}

/* Sets tok->detail and returns r. */
static enum ac_reason
fail(struct ac_token *tok, enum ac_reason r, const char *detail)
{

	snprintf(tok->detail, sizeof(tok->detail), "%s", detail);
	return r;
}

/*
 * The first step of decoding and verifying: three segments, the first a
 * JSON object (into tok->header) as parse reads it (header_json, whose
 * cache needs verify's lock, or segment_json); d1 and d2 are the dots'
 * offsets.
 */
static enum ac_reason
split_header(const char *t, size_t len, struct ac_token *tok, size_t *d1,
    size_t *d2, json_object *(*parse)(const char *, size_t))
{

	if (split(t, len, d1, d2) == -1)
		return fail(tok, AC_TOKEN_MALFORMED,
		    "not three dot-separated segments");
	if ((tok->header = parse(t, *d1)) == NULL)
		return fail(tok, AC_TOKEN_MALFORMED,
		    "header is not a base64url JSON object");
	return AC_OK;
}

enum ac_reason
ac_token_decode(const char *t, size_t len, size_t max, struct ac_token *tok)
{
	size_t		 d1, d2;
	json_object	*o;
	enum ac_reason	 rc;

	memset(tok, 0, sizeof(*tok));
	if (t == NULL || len == 0)
		return fail(tok, AC_TOKEN_MISSING, "no token");
	if (len > max)
		return fail(tok, AC_TOKEN_TOO_LARGE, "size limit");
	if ((rc = split_header(t, len, tok, &d1, &d2, segment_json)) != AC_OK)
		return rc;
	if (json_object_object_get_ex(tok->header, "kid", &o) &&
	    json_object_is_type(o, json_type_string))
		tok->kid = json_object_get_string(o);
	if ((tok->claims = segment_json(t + d1 + 1, d2 - d1 - 1)) == NULL)
		return fail(tok, AC_TOKEN_MALFORMED,
		    "payload is not base64url JSON object");
	return AC_OK;
}

enum ac_reason
ac_token_sig_of(const struct ac_keyset *ks, int prov, enum ac_alg alg,
    json_object *kid, const unsigned char *msg, size_t mlen,
    const char *seg, size_t seglen, int *remote)
{
	const struct ac_key *k;
	unsigned char	 sig[AC_MAXSIG];
	long		 slen;
	size_t		 i;
	int		 tried = 0, ok = 0;

	/* AC_MAXSIG bytes take ceil(AC_MAXSIG * 4 / 3) characters. */
	if (seglen == 0 || seglen > (AC_MAXSIG * 4 + 2) / 3 ||
	    (slen = ac_b64url_decode(seg, seglen, sig, sizeof(sig))) <= 0)
		return AC_TOKEN_MALFORMED;
	for (i = 0; i < ks->nkeys && !ok; i++) {
		k = &ks->keys[i];
		if (k->alg != alg || k->provider != prov ||
		    (kid != NULL && !ac_json_streq(kid, k->kid, strlen(k->kid))))
			continue;
		tried = 1;
		ok = sig_ok(k, msg, mlen, sig, (size_t)slen);
		*remote = k->remote;
	}
	if (!tried)
		return AC_KEY_UNKNOWN;
	return ok ? AC_OK : AC_SIGNATURE_INVALID;
}

static enum ac_reason
verify_locked(const struct ac_app *app, const char *t, size_t len,
    time_t now, struct ac_token *tok)
{
	const struct ac_config *c = &app->cfg;
	const struct ac_keyset *ks = &app->live->keys;
	json_object	*o, *kid = NULL;
	const char	*as;
	size_t		 d1, d2, i;
	int		 remote = 0, prov = 0;
	enum ac_alg	 alg;
	enum ac_reason	 rc;
	struct tcentry	*e;

	memset(tok, 0, sizeof(*tok));
	if (t == NULL || len == 0)
		return fail(tok, AC_TOKEN_MISSING, "no token");
	if (len > (size_t)c->max_token)
		return fail(tok, AC_TOKEN_TOO_LARGE, "JWT_MAX_TOKEN_BYTES");
	if ((e = tc_find(app, t, len)) != NULL &&
	    (int64_t)now < e->exp + c->leeway &&
	    (e->nbf == INT64_MIN || (int64_t)now + c->leeway >= e->nbf)) {
		tok->header = json_object_get(e->header);
		tok->claims = json_object_get(e->claims);
		tok->exp = e->exp;
		tok->alg = e->alg;
		tok->kid = e->kid;
		sub_copy(tok->subbuf, sizeof(tok->subbuf), &tok->sub, e->subbuf,
		    e->sub);
		return AC_OK;
	}
	if ((rc = split_header(t, len, tok, &d1, &d2, header_json)) != AC_OK)
		return rc;
	if (!json_object_object_get_ex(tok->header, "alg", &o) ||
	    !json_object_is_type(o, json_type_string))
		return fail(tok, AC_TOKEN_MALFORMED, "header has no alg");
	if ((as = ac_json_str(o, NULL)) == NULL || ac_alg_parse(as, &alg) == -1)
		return fail(tok, AC_ALG_NOT_ALLOWED, "alg unknown");
	/*
	 * With JWT_PROVIDERS the payload's iss picks the provider, and with
	 * it the algorithms, keys, issuer and audience, before any key is
	 * looked at: keys never cross providers (provider.c).
	 */
	if (app->nprov > 0) {
		if ((tok->claims = segment_json(t + d1 + 1, d2 - d1 - 1)) ==
		    NULL)
			return fail(tok, AC_TOKEN_MALFORMED,
			    "payload is not a base64url JSON object");
		tok->provider = prov = ac_provider_match(app, tok->claims);
		c = ac_provider_config(app, prov);
	}
	for (i = 0; i < c->nalgs; i++)
		if (c->algs[i] == alg)
			break;
	if (i == c->nalgs)
		return fail(tok, AC_ALG_NOT_ALLOWED, "alg not in JWT_ALGORITHM");
	tok->alg = alg;
	/* We implement no header extensions, so none may be critical. */
	if (json_object_object_get_ex(tok->header, "crit", NULL))
		return fail(tok, AC_TOKEN_MALFORMED, "crit header");
	if (json_object_object_get_ex(tok->header, "kid", &kid)) {
		if ((tok->kid = ac_json_str(kid, NULL)) == NULL)
			return fail(tok, AC_TOKEN_MALFORMED, "kid not a string");
	}

	if ((rc = ac_token_sig_of(ks, prov, alg, kid, (const unsigned char *)t,
	    d2, t + d2 + 1, len - d2 - 1, &remote)) != AC_OK)
		return fail(tok, rc, rc == AC_TOKEN_MALFORMED ?
		    "signature not base64url" : rc == AC_KEY_UNKNOWN ?
		    "no key with this kid and alg" : "signature");

	if (tok->claims == NULL &&
	    (tok->claims = segment_json(t + d1 + 1, d2 - d1 - 1)) == NULL)
		return fail(tok, AC_TOKEN_MALFORMED,
		    "payload is not a base64url JSON object");
	if ((rc = ac_claims_check(c, now, remote, tok)) == AC_OK)
		tc_insert(app, t, len, tok);
	return rc;
}

enum ac_reason
ac_token_verify(const struct ac_app *app, const char *t, size_t len,
    time_t now, struct ac_token *tok)
{
	const struct ac_config *pc;
	enum ac_reason	 rc;
	uint64_t	 t0 = ac_metrics_clock();

	ac_keys_lock(app);
	rc = verify_locked(app, t, len, now, tok);
	ac_keys_unlock(app);
	/* After the cache, never instead of it: see revoke.c. */
	if (rc == AC_OK && ac_revoke_hit(app, tok))
		return fail(tok, AC_TOKEN_REVOKED, "sid revoked");
	/*
	 * An unknown kid may be a provider's new key: ask for its set (spaced
	 * and single-flight; in an engine worker fetched off the loop, and
	 * only a request parked on a pool thread waits for it, see
	 * jwksclient.c and loop.c), reload, and try once more.  The provider
	 * is the one the token's iss named (provider.c), else JWKS_URL's.
	 */
	pc = ac_provider_config(app, tok->provider);
	if (rc == AC_KEY_UNKNOWN && pc->jwks_url != NULL &&
	    ac_jwks_want(pc, 1) >= 0 &&
	    ac_keys_reload(app, 2) == 1) {
		ac_token_clear(tok);
		ac_keys_lock(app);
		rc = verify_locked(app, t, len, now, tok);
		ac_keys_unlock(app);
		if (rc == AC_OK && ac_revoke_hit(app, tok))
			rc = fail(tok, AC_TOKEN_REVOKED, "sid revoked");
	}
	ac_metrics_validation(AC_VIA_JWT, rc, t0, app->cfg.jwks_url != NULL);
	return rc;
}

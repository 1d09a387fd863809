/*
 * totp.c: one-time passwords for two-factor login.  TOTP as RFC 6238
 * defines it with authenticator apps' parameters: HMAC-SHA-1 (RFC 4226's
 * HOTP over the time step), 6 digits, 30-second steps; and base32
 * (RFC 4648), the alphabet of otpauth:// secrets.  Which step a code may
 * come from, and that each is taken once, is account.c's: here a code is
 * checked against the steps either side of now, every one compared in
 * full and in constant time.
 *
 * Also the stored form of a TOTP key (ac_totp_seal, ac_totp_open):
 * "v1." and base64url of a random 24-byte nonce, the key encrypted with
 * XChaCha20-Poly1305 and its 16-byte tag, under a sealing key the caller
 * derives (twofactor.c) and with the user's id as associated data, so a
 * sealed key pasted into another user's row does not open.  A stored
 * value without the prefix is a base32 key from before sealing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "ac.h"
#include "base.h"

#define STEP	30
#define DIGITS	6
#define SEALED	"v1."
#define NONCE	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG	crypto_aead_xchacha20poly1305_ietf_ABYTES

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

long
ac_base32_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	size_t		 i, o = 0;
	unsigned	 acc = 0;
	int		 bits = 0;

	if ((n * 8 + 4) / 5 + 1 > outsz)
		return -1;
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return (long)o;
}

long
ac_base32_decode(const char *in, unsigned char *out, size_t outsz)
{
	const char	*p;
	size_t		 o = 0;
	unsigned	 acc = 0;
	int		 bits = 0, c;

	for (; *in != '\0' && *in != '='; in++) {
		c = *in >= 'a' && *in <= 'z' ? *in - 32 : *in;
		if ((p = strchr(b32, c)) == NULL || c == '\0')
			return -1;
		acc = (acc << 5) | (unsigned)(p - b32);
		bits += 5;
		if (bits >= 8) {
			if (o >= outsz)
				return -1;
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return (long)o;
}

int
ac_totp_code(const unsigned char *key, size_t klen, uint64_t counter,
    char out[AC_TOTP_DIGITS + 1])
{
	unsigned char	 msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int	 mlen = 0, off;
	uint32_t	 v;
	int		 i;

	for (i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (HMAC(EVP_sha1(), key, (int)klen, msg, sizeof(msg), mac,
	    &mlen) == NULL || mlen != 20)
		return -1;
	off = mac[19] & 0x0f;		/* RFC 4226 5.3: dynamic truncation */
	v = ((uint32_t)(mac[off] & 0x7f) << 24) |
	    ((uint32_t)mac[off + 1] << 16) | ((uint32_t)mac[off + 2] << 8) |
	    mac[off + 3];
	snprintf(out, AC_TOTP_DIGITS + 1, "%0*u", DIGITS, v % 1000000u);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

int64_t
ac_totp_check(const unsigned char *key, size_t klen, const char *code,
    time_t now, int64_t after)
{
	char		 want[AC_TOTP_DIGITS + 1], got[AC_TOTP_DIGITS + 1];
	int64_t		 t = (int64_t)now / STEP, s, hit = -1;
	size_t		 n;
	int		 d, same;

	/* Spaces apps show in the middle ("123 456") are not the code's. */
	for (n = 0; *code != '\0'; code++) {
		if (*code == ' ')
			continue;
		if (n >= DIGITS || *code < '0' || *code > '9')
			return -1;
		got[n++] = *code;
	}
	if (n != DIGITS)
		return -1;
	got[DIGITS] = '\0';
	/* All three steps, whatever matched, so the time says nothing. */
	for (d = -1; d <= 1; d++) {
		s = t + d;
		if (s < 0 || ac_totp_code(key, klen, (uint64_t)s, want) == -1)
			continue;
		same = CRYPTO_memcmp(want, got, DIGITS) == 0;
		if (same && s > after && hit == -1)
			hit = s;
	}
	OPENSSL_cleanse(want, sizeof(want));
	return hit;
}

int
ac_totp_seal(const unsigned char k[32], const char *uid,
    const unsigned char *key, size_t klen, char *out, size_t outsz)
{
	unsigned char	 buf[NONCE + AC_TOTP_KEY_MAX + TAG];
	unsigned long long clen = 0;
	size_t		 pre = strlen(SEALED);
	int		 rc = -1;

	if (klen == 0 || klen > AC_TOTP_KEY_MAX || outsz <= pre)
		goto out;
	randombytes_buf(buf, NONCE);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(buf + NONCE, &clen,
	    key, klen, (const unsigned char *)uid, strlen(uid), NULL, buf,
	    k) != 0)
		goto out;
	memcpy(out, SEALED, pre);
	if (ac_b64url_encode(buf, NONCE + (size_t)clen, out + pre,
	    outsz - pre) < 0)
		goto out;
	rc = 0;
out:
	if (rc != 0 && outsz > 0)
		out[0] = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

long
ac_totp_open(const unsigned char *k, const char *uid, const char *stored,
    unsigned char *key, size_t keysz, int *sealed)
{
	unsigned char	 buf[NONCE + AC_TOTP_KEY_MAX + TAG];
	unsigned long long klen = 0;
	size_t		 pre = strlen(SEALED);
	long		 len, rc = -1;

	*sealed = strncmp(stored, SEALED, pre) == 0;
	if (!*sealed)
		return ac_base32_decode(stored, key, keysz);
	if (k == NULL || (len = ac_b64url_decode(stored + pre,
	    strlen(stored + pre), buf, sizeof(buf))) < (long)(NONCE + TAG + 1) ||
	    (size_t)len - NONCE - TAG > keysz)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(key, &klen, NULL,
	    buf + NONCE, (size_t)len - NONCE, (const unsigned char *)uid,
	    strlen(uid), buf, k) != 0)
		goto out;
	rc = (long)klen;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

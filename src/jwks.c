/*
 * jwks: publishes the public verification keys (RFC 7517 JWK Set) and the
 * issuer metadata (RFC 8414, and OpenID Connect Discovery).  Secret keys are never published.  The key
 * set answers with an ETag, so caches and other verifiers revalidate
 * cheaply (If-None-Match -> 304).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "core/ac.h"

/* Seconds other verifiers may cache the key set. */
#define JWKS_MAX_AGE	"300"

static enum ac_reason
h_jwks(struct ac_req *r, const struct ac_app *app)
{
	const struct ac_keyset *ks = ac_app_keys(app);
	json_object	*o, *keys, *jwk;
	const char	*body, *inm;
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		 etag[64], b64[48];
	size_t		 i, len;

	if ((o = json_object_new_object()) == NULL ||
	    (keys = json_object_new_array()) == NULL) {
		json_object_put(o);
		return AC_NOMEM;
	}
	json_object_object_add(o, "keys", keys);
	ac_keys_lock(app);
	for (i = 0; i < ac_keys_count(ks); i++)
		if ((jwk = ac_key_jwk(ac_keys_get(ks, i))) != NULL)
			json_object_array_add(keys, jwk);
	ac_keys_unlock(app);
	body = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	SHA256((const unsigned char *)body, len, md);
	ac_b64url_encode(md, 16, b64, sizeof(b64));
	snprintf(etag, sizeof(etag), "\"%s\"", b64);
	ac_req_header(r, "ETag", etag);
	ac_req_header(r, "Cache-Control", "public, max-age=" JWKS_MAX_AGE);
	inm = ac_req_param(r, "HTTP_IF_NONE_MATCH");
	if (inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0))
		ac_req_json(r, 304, NULL);
	else
		ac_req_json(r, 200, o);
	json_object_put(o);
	return AC_OK;
}

/*
 * The public base URL: JWT_ISSUER when it is a URL, else the request's
 * origin; then the mount point (AUTH_BASE_PATH, a script path) unless
 * the issuer already ends with it.
 */
static void
base_url(struct ac_req *r, const struct ac_app *app, char *out, size_t n)
{
	const char	*iss = ac_app_config(app)->issuer, *host, *https;
	const char	*mount = ac_req_base(r);
	size_t		 i, m = strlen(mount);

	if (iss != NULL && (strncmp(iss, "https://", 8) == 0 ||
	    strncmp(iss, "http://", 7) == 0)) {
		snprintf(out, n, "%s", iss);
		i = strlen(out);
		while (i > 0 && out[i - 1] == '/')
			out[--i] = '\0';
		if (m > 0 && (i < m || strcmp(out + i - m, mount) != 0))
			snprintf(out + i, n - i, "%s", mount);
		return;
	}
	host = ac_req_param(r, "HTTP_HOST");
	https = ac_req_param(r, "HTTPS");
	if (host == NULL || strspn(host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != strlen(host))
		host = "localhost";
	snprintf(out, n, "%s://%s%s", https != NULL &&
	    strcmp(https, "on") == 0 ? "https" : "http", host, mount);
}

/*
 * The issuer's metadata: RFC 8414 at oauth-authorization-server, OpenID
 * Connect Discovery at openid-configuration (openid).  Both name the
 * endpoints a client or a resource server uses; the OpenID document adds
 * what Discovery requires that applies here: the subject type and the
 * signing algorithms (JWT_ALGORITHM's allow-list, the first signs).  The
 * suite has no authorization endpoint (logins are POST
 * /api/auth/login), so none is named.
 */
static enum ac_reason
metadata(struct ac_req *r, const struct ac_app *app, int openid)
{
	const struct ac_config *c = ac_app_config(app);
	json_object	*o, *a;
	char		 base[512], url[600];
	size_t		 i;

	base_url(r, app, base, sizeof(base));
	if ((o = json_object_new_object()) == NULL)
		return AC_NOMEM;
	/*
	 * Only the issuer its tokens name: without JWT_ISSUER they carry no
	 * iss, and a client checking iss against this would refuse them.
	 */
	if (c->issuer != NULL)
		json_object_object_add(o, "issuer",
		    json_object_new_string(c->issuer));
	snprintf(url, sizeof(url), "%s/.well-known/jwks.json", base);
	json_object_object_add(o, "jwks_uri", json_object_new_string(url));
	snprintf(url, sizeof(url), "%s/api/auth/refresh", base);
	json_object_object_add(o, "token_endpoint", json_object_new_string(url));
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("refresh_token"));
	json_object_object_add(o, "grant_types_supported", a);
	/* verify answers introspection only for a configured client. */
	if (c->introspect_id != NULL) {
		snprintf(url, sizeof(url), "%s/api/auth/introspect", base);
		json_object_object_add(o, "introspection_endpoint",
		    json_object_new_string(url));
		a = json_object_new_array();
		json_object_array_add(a,
		    json_object_new_string("client_secret_basic"));
		json_object_object_add(o,
		    "introspection_endpoint_auth_methods_supported", a);
	}
	/* RFC 7009: any holder of a token may end it (refresh program). */
	snprintf(url, sizeof(url), "%s/api/auth/revoke", base);
	json_object_object_add(o, "revocation_endpoint",
	    json_object_new_string(url));
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("none"));
	json_object_object_add(o, "revocation_endpoint_auth_methods_supported",
	    a);
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("none"));
	json_object_object_add(o, "token_endpoint_auth_methods_supported", a);
	if (openid) {
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string("public"));
		json_object_object_add(o, "subject_types_supported", a);
		a = json_object_new_array();
		for (i = 0; i < c->nalgs; i++)
			json_object_array_add(a,
			    json_object_new_string(ac_alg_str(c->algs[i])));
		json_object_object_add(o, "id_token_signing_alg_values_supported",
		    json_object_get(a));
		json_object_object_add(o,
		    "access_token_signing_alg_values_supported", a);
	}
	ac_req_header(r, "Cache-Control", "public, max-age=" JWKS_MAX_AGE);
	ac_req_json(r, 200, o);
	json_object_put(o);
	return AC_OK;
}

static enum ac_reason
h_metadata(struct ac_req *r, const struct ac_app *app)
{

	return metadata(r, app, 0);
}

static enum ac_reason
h_openid(struct ac_req *r, const struct ac_app *app)
{

	return metadata(r, app, 1);
}

static const struct ac_route routes[] = {
	{ AC_GET, "/.well-known/jwks.json", h_jwks, AC_INLINE },
	{ AC_GET, "/.well-known/oauth-authorization-server", h_metadata, AC_INLINE },
	{ AC_GET, "/.well-known/openid-configuration", h_openid, AC_INLINE },
};

const struct ac_program ac_program = {
	"jwks", routes, nitems(routes), 0, NULL
};

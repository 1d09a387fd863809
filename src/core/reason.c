/*
 * reason.c: the one table of outcomes.  Each reason has its wire string,
 * HTTP status and message here and nowhere else; the unit test walks it
 * to AC_REASON__MAX.
 */
#include "config.h"

#include <stddef.h>

#include "ac.h"
#include "base.h"

static const struct {
	const char	*str;
	int		 status;
	const char	*msg;
} reasons[AC_REASON__MAX] = {
	[AC_OK] = { "ok", 200, "OK" },
	[AC_TOKEN_MISSING] = { "token_missing", 401, "Authentication required: send Authorization: Bearer <token>" },
	[AC_AUTH_SCHEME_UNSUPPORTED] = { "auth_scheme_unsupported", 401, "Unsupported authentication scheme: use Bearer" },
	[AC_AUTH_HEADER_MALFORMED] = { "authorization_malformed", 400, "Malformed Authorization header: expected 'Bearer <token>'" },
	[AC_TOKEN_TOO_LARGE] = { "token_too_large", 401, "Token too large" },
	[AC_TOKEN_MALFORMED] = { "token_malformed", 401, "Malformed token" },
	[AC_ALG_NOT_ALLOWED] = { "alg_not_allowed", 401, "Token algorithm not allowed" },
	[AC_KEY_UNKNOWN] = { "key_unknown", 401, "Token signed with an unknown key" },
	[AC_SIGNATURE_INVALID] = { "signature_invalid", 401, "Invalid token signature" },
	[AC_TOKEN_EXPIRED] = { "token_expired", 401, "Token expired" },
	[AC_TOKEN_NOT_YET_VALID] = { "token_not_yet_valid", 401, "Token not yet valid" },
	[AC_TOKEN_ISSUED_IN_FUTURE] = { "token_issued_in_future", 401, "Token issued in the future" },
	[AC_ISSUER_INVALID] = { "issuer_invalid", 401, "Invalid token issuer" },
	[AC_AUDIENCE_INVALID] = { "audience_invalid", 401, "Invalid token audience" },
	[AC_CLAIM_MISSING] = { "claim_missing", 401, "Required claim missing" },
	[AC_CLAIM_INVALID] = { "claim_invalid", 401, "Invalid claim value" },
	[AC_TOKEN_TYPE_INVALID] = { "token_type_invalid", 401, "Invalid token type" },
	[AC_TOKEN_REVOKED] = { "token_revoked", 401, "Token revoked" },
	[AC_JWT_DISABLED] = { "jwt_disabled", 401, "Bearer tokens are turned off (JWT_AUTH_ENABLED=false): log in again for a session" },
	[AC_SESSION_MALFORMED] = { "session_malformed", 401, "Malformed session cookie" },
	[AC_SESSION_SIGNATURE_INVALID] = { "session_signature_invalid", 401, "Invalid session cookie signature" },
	[AC_SESSION_UNKNOWN] = { "session_unknown", 401, "Unknown session: log in again" },
	[AC_SESSION_EXPIRED] = { "session_expired", 401, "Session expired: log in again" },
	[AC_SESSION_REVOKED] = { "session_revoked", 401, "Session ended: log in again" },
	[AC_NOT_FOUND] = { "not_found", 404, "Not found" },
	[AC_METHOD_NOT_ALLOWED] = { "method_not_allowed", 405, "Method not allowed" },
	[AC_BODY_TOO_LARGE] = { "body_too_large", 413, "Request body too large" },
	[AC_MEDIA_TYPE_UNSUPPORTED] = { "media_type_unsupported", 415, "Unsupported content type: send application/json" },
	[AC_BODY_MALFORMED] = { "body_malformed", 400, "Malformed request body" },
	[AC_REQUEST_MALFORMED] = { "request_malformed", 400, "Malformed request" },
	[AC_HEADERS_TOO_LARGE] = { "headers_too_large", 431, "Request headers too large" },
	[AC_VALIDATION_FAILED] = { "validation_failed", 422, "Validation failed" },
	[AC_FORBIDDEN] = { "forbidden", 403, "You can only access your own resources" },
	[AC_INSUFFICIENT_SCOPE] = { "insufficient_scope", 403, "The token lacks what this resource requires" },
	[AC_CROSS_SITE] = { "cross_site_refused", 403, "Cross-site request refused: a request that relies on a cookie must show it comes from the site: send Origin with the site's own scheme://host:port (browsers do; or Sec-Fetch-Site: same-origin), or an origin in ALLOWED_ORIGINS; login and signup take JSON only" },
	[AC_RATE_LIMITED] = { "rate_limited", 429, "Too many requests" },
	[AC_CONFLICT] = { "conflict", 409, "Conflict with the current state" },
	[AC_CREDENTIALS_INVALID] = { "credentials_invalid", 401, "Invalid email or password" },
	[AC_ACCOUNT_DISABLED] = { "account_disabled", 403, "Account disabled" },
	[AC_REFRESH_TOKEN_MISSING] = { "refresh_token_missing", 401, "Refresh token required" },
	[AC_REFRESH_TOKEN_MALFORMED] = { "refresh_token_malformed", 401, "Malformed refresh token" },
	[AC_REFRESH_TOKEN_UNKNOWN] = { "refresh_token_unknown", 401, "Unknown refresh token" },
	[AC_REFRESH_TOKEN_EXPIRED] = { "refresh_token_expired", 401, "Refresh token expired: log in again" },
	[AC_REFRESH_TOKEN_REVOKED] = { "refresh_token_revoked", 401, "Refresh token revoked: log in again" },
	[AC_REFRESH_TOKEN_REUSED] = { "refresh_token_reused", 401, "Refresh token reused: every session of this login is revoked; log in again" },
	[AC_CLIENT_INVALID] = { "client_invalid", 401, "Client authentication failed" },
	[AC_LINK_TOKEN_INVALID] = { "invalid_token", 400, "Invalid or expired token: ask for a new link" },
	[AC_TWO_FACTOR_REQUIRED] = { "two_factor_required", 401, "Two-factor code required" },
	[AC_TWO_FACTOR_INVALID] = { "two_factor_invalid", 401, "Invalid two-factor code" },
	[AC_TWO_FACTOR_NOT_ENABLED] = { "two_factor_not_enabled", 400, "Two-factor authentication is not set up for this account" },
	[AC_CONFIG_INVALID] = { "config_invalid", 500, "Server misconfigured" },
	[AC_NOMEM] = { "out_of_memory", 503, "Server out of memory" },
	[AC_INTERNAL] = { "internal_error", 500, "Internal server error" },
	[AC_UNAVAILABLE] = { "unavailable", 503, "Service temporarily unavailable" },
};

static const struct status {
	int		 status;
	const char	*code;
	const char	*text;
} statuses[] = {
	{ 200, "OK", "OK" },
	{ 201, "CREATED", "Created" },
	{ 204, "NO_CONTENT", "No Content" },
	{ 304, "NOT_MODIFIED", "Not Modified" },
	{ 400, "BAD_REQUEST", "Bad Request" },
	{ 401, "UNAUTHORIZED", "Unauthorized" },
	{ 403, "FORBIDDEN", "Forbidden" },
	{ 404, "NOT_FOUND", "Not Found" },
	{ 405, "METHOD_NOT_ALLOWED", "Method Not Allowed" },
	{ 409, "CONFLICT", "Conflict" },
	{ 413, "PAYLOAD_TOO_LARGE", "Payload Too Large" },
	{ 415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type" },
	{ 422, "VALIDATION_ERROR", "Unprocessable Entity" },
	{ 429, "RATE_LIMITED", "Too Many Requests" },
	{ 431, "HEADERS_TOO_LARGE", "Request Header Fields Too Large" },
	{ 500, "INTERNAL_ERROR", "Internal Server Error" },
	{ 503, "SERVICE_UNAVAILABLE", "Service Unavailable" },
};

static int
valid(enum ac_reason r)
{

	return (int)r >= 0 && r < AC_REASON__MAX && reasons[r].str != NULL;
}

const char *
ac_reason_str(enum ac_reason r)
{

	return valid(r) ? reasons[r].str : "internal_error";
}

int
ac_reason_status(enum ac_reason r)
{

	return valid(r) ? reasons[r].status : 500;
}

const char *
ac_reason_message(enum ac_reason r)
{

	return valid(r) ? reasons[r].msg : "Internal server error";
}

/* The row of statuses[] for status, NULL when it has none. */
static const struct status *
status_row(int status)
{
	size_t	 i;

	for (i = 0; i < nitems(statuses); i++)
		if (statuses[i].status == status)
			return &statuses[i];
	return NULL;
}

const char *
ac_status_code(int status)
{
	const struct status	*s = status_row(status);

	if (s != NULL)
		return s->code;
	return status < 500 ? "BAD_REQUEST" : "INTERNAL_ERROR";
}

const char *
ac_status_text(int status)
{
	const struct status	*s = status_row(status);

	return s != NULL ? s->text : "Unknown";
}

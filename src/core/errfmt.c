/*
 * errfmt.c: the body of an error answer, in the shape the client was
 * written for (AUTH_ERROR_FORMAT):
 *
 *   envelope  {"error":{"code","reason","message","details":[...]}}, with
 *             field-level details for the Authorization header and the
 *             subject claim (the Better Auth + FastAPI shape; default);
 *   detail    {"detail":"Could not validate credentials"} for every 401,
 *             {"detail":"Access denied: user identity mismatch"} for a
 *             403 of another user's path (FastAPI's HTTPException shape);
 *   flat      {"error":"Unauthorized","error_code":"invalid_token",
 *             "message":"Invalid token: ..."} (the RS256 quickstart's);
 *   detail-envelope
 *             {"detail":{"error":{...}}}: the envelope inside detail, as
 *             FastAPI sends an HTTPException whose detail is a dict.
 *
 * In both detail formats a 422 carries FastAPI's list instead, one entry
 * per field: {"detail":[{"type","loc","msg","input"}]} with pydantic v2's
 * types (ac_req_invalid), and a body that is not JSON is a 422
 * json_invalid, as FastAPI answers it.
 *
 * Whatever the shape, the reason code goes to the log and to the
 * WWW-Authenticate challenge, which http.c writes; this file only builds
 * bodies and picks the status.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ac.h"
#include "base.h"

int
ac_errfmt_parse(const char *s)
{

	if (strcmp(s, "envelope") == 0)
		return AC_ERRFMT_ENVELOPE;
	if (strcmp(s, "detail") == 0)
		return AC_ERRFMT_DETAIL;
	if (strcmp(s, "flat") == 0)
		return AC_ERRFMT_FLAT;
	if (strcmp(s, "detail-envelope") == 0)
		return AC_ERRFMT_DETAIL_ENVELOPE;
	return -1;
}

static int
detail_format(const struct ac_config *c)
{

	return c->error_format == AC_ERRFMT_DETAIL ||
	    c->error_format == AC_ERRFMT_DETAIL_ENVELOPE;
}

int
ac_errfmt_status(const struct ac_config *c, enum ac_reason reason)
{

	/*
	 * RFC 6750 makes a malformed Authorization header a 400; clients
	 * written for FastAPI's shapes expect every credential problem to
	 * be a 401.
	 */
	if (reason == AC_AUTH_HEADER_MALFORMED &&
	    c->error_format != AC_ERRFMT_ENVELOPE)
		return 401;
	if (reason == AC_BODY_MALFORMED && detail_format(c))
		return 422;
	return ac_reason_status(reason);
}

static void
detail_add(json_object *a, const char *field, const char *message,
    const char *setting)
{
	json_object	*d;

	d = json_object_new_object();
	json_object_object_add(d, "field", json_object_new_string(field));
	json_object_object_add(d, "message", json_object_new_string(message));
	if (setting != NULL)
		json_object_object_add(d, "setting",
		    json_object_new_string(setting));
	json_object_array_add(a, d);
}

void
ac_errfmt_auth_details(const struct ac_config *c, enum ac_reason reason,
    const char *detail, json_object *a)
{
	char	 msg[128];
	size_t	 n = strlen(c->subject_claim);

	switch (reason) {
	case AC_AUTH_SCHEME_UNSUPPORTED:
	case AC_AUTH_HEADER_MALFORMED:
		detail_add(a, "authorization", "Must use Bearer token format",
		    NULL);
		break;
	case AC_CLAIM_MISSING:
	case AC_CLAIM_INVALID:
		/* token.c's detail starts with the subject claim's name. */
		if (detail == NULL || strncmp(detail, c->subject_claim, n) != 0 ||
		    detail[n] != ' ')
			break;
		if (reason == AC_CLAIM_MISSING) {
			snprintf(msg, sizeof(msg), "Missing %s claim",
			    c->subject_claim);
			detail_add(a, c->subject_claim, msg,
			    "JWT_SUBJECT_CLAIM");
		} else if (c->subject_integer) {
			snprintf(msg, sizeof(msg), "%s must be an integer",
			    c->subject_claim);
			detail_add(a, c->subject_claim, msg,
			    "JWT_SUBJECT_TYPE");
		} else {
			snprintf(msg, sizeof(msg), "%s must be a string of 1 "
			    "to 255 bytes", c->subject_claim);
			detail_add(a, c->subject_claim, msg,
			    "JWT_SUBJECT_CLAIM");
		}
		break;
	default:
		break;
	}
}

/* The flat shape's message for a 401: "Invalid token: ...". */
static const char *
flat_message(enum ac_reason reason)
{

	switch (reason) {
	case AC_TOKEN_MISSING:
	case AC_AUTH_SCHEME_UNSUPPORTED:
	case AC_AUTH_HEADER_MALFORMED:
		return "Not authenticated: send Authorization: Bearer <token>";
	case AC_SIGNATURE_INVALID:
		return "Invalid token: signature verification failed";
	case AC_TOKEN_EXPIRED:
		return "Token has expired";
	case AC_TOKEN_MALFORMED:
	case AC_TOKEN_TOO_LARGE:
		return "Invalid token: not a well-formed JWT";
	case AC_ALG_NOT_ALLOWED:
		return "Invalid token: the algorithm is not allowed";
	case AC_KEY_UNKNOWN:
		return "Invalid token: unable to find a signing key that "
		    "matches";
	case AC_TOKEN_NOT_YET_VALID:
		return "Invalid token: the token is not yet valid (nbf)";
	case AC_TOKEN_ISSUED_IN_FUTURE:
		return "Invalid token: the token is not yet valid (iat)";
	case AC_ISSUER_INVALID:
		return "Invalid token: invalid issuer";
	case AC_AUDIENCE_INVALID:
		return "Invalid token: invalid audience";
	case AC_CLAIM_MISSING:
		return "Invalid token: a required claim is missing";
	case AC_CLAIM_INVALID:
		return "Invalid token: a claim has an invalid value";
	case AC_TOKEN_TYPE_INVALID:
		return "Invalid token: not an access token";
	case AC_TOKEN_REVOKED:
		return "Invalid token: revoked";
	case AC_JWT_DISABLED:
		return "Invalid token: bearer tokens are turned off";
	default:
		return ac_reason_message(reason);
	}
}

/* Token and credential failures: what RFC 6750 calls invalid_token. */
static int
token_failure(enum ac_reason r)
{

	return r >= AC_TOKEN_MISSING && r <= AC_SESSION_REVOKED;
}

/*
 * FastAPI's 422 list: the entries ac_req_invalid made, else one
 * value_error entry per envelope detail (a check without a pydantic
 * twin), else one for the body.
 */
static json_object *
fastapi_list(enum ac_reason reason, json_object *details,
    json_object *vdetails)
{
	json_object	*a, *e, *d, *v, *loc;
	const char	*field, *msg;
	char		 buf[320];
	size_t		 i, n;

	if (vdetails != NULL && json_object_array_length(vdetails) > 0)
		return json_object_get(vdetails);
	a = json_object_new_array();
	n = details != NULL ? json_object_array_length(details) : 0;
	for (i = 0; i < n || (i == 0 && n == 0); i++) {
		field = "body";
		msg = ac_reason_message(reason);
		if (n > 0) {
			d = json_object_array_get_idx(details, i);
			if (json_object_object_get_ex(d, "field", &v))
				field = json_object_get_string(v);
			if (json_object_object_get_ex(d, "message", &v))
				msg = json_object_get_string(v);
		}
		e = json_object_new_object();
		loc = json_object_new_array();
		json_object_array_add(loc, json_object_new_string("body"));
		if (strcmp(field, "body") != 0)
			json_object_array_add(loc,
			    json_object_new_string(field));
		snprintf(buf, sizeof(buf), "Value error, %s", msg);
		json_object_object_add(e, "type",
		    json_object_new_string("value_error"));
		json_object_object_add(e, "loc", loc);
		json_object_object_add(e, "msg", json_object_new_string(buf));
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *
envelope(enum ac_reason reason, int status, json_object *details)
{
	json_object	*o, *e;

	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "code",
	    json_object_new_string(ac_status_code(status)));
	json_object_object_add(e, "reason",
	    json_object_new_string(ac_reason_str(reason)));
	json_object_object_add(e, "message",
	    json_object_new_string(ac_reason_message(reason)));
	json_object_object_add(e, "details", details != NULL ?
	    json_object_get(details) : json_object_new_array());
	json_object_object_add(o, "error", e);
	return o;
}

json_object *
ac_errfmt_body(const struct ac_config *c, enum ac_reason reason, int status,
    json_object *details, json_object *vdetails)
{
	json_object	*o;

	if (detail_format(c) && status == 422) {
		o = json_object_new_object();
		json_object_object_add(o, "detail",
		    fastapi_list(reason, details, vdetails));
		return o;
	}
	switch (c->error_format) {
	case AC_ERRFMT_DETAIL_ENVELOPE:
		o = json_object_new_object();
		json_object_object_add(o, "detail",
		    envelope(reason, status, details));
		return o;
	case AC_ERRFMT_ENVELOPE:
		return envelope(reason, status, details);
	default:
		break;
	}
	o = json_object_new_object();
	switch (c->error_format) {
	case AC_ERRFMT_DETAIL:
		json_object_object_add(o, "detail", json_object_new_string(
		    status == 401 ? "Could not validate credentials" :
		    reason == AC_FORBIDDEN ?
		    "Access denied: user identity mismatch" :
		    ac_reason_message(reason)));
		break;
	case AC_ERRFMT_FLAT:
		json_object_object_add(o, "error",
		    json_object_new_string(ac_status_text(status)));
		json_object_object_add(o, "error_code", json_object_new_string(
		    status == 401 && token_failure(reason) ? "invalid_token" :
		    ac_reason_str(reason)));
		json_object_object_add(o, "message", json_object_new_string(
		    reason == AC_FORBIDDEN ? "Access denied: cannot access "
		    "another user's resources" : status == 401 ?
		    flat_message(reason) : ac_reason_message(reason)));
		break;
	default:
		break;
	}
	return o;
}

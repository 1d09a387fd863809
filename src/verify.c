/*
 * verify: the decision point for a web server.  Answers 200 with the
 * subject (X-Auth-Subject, and Variable-AUTH_SUBJECT in the FastCGI
 * Authorizer role) and the verified claims, or 401 with the JSON error
 * envelope and WWW-Authenticate.  It answers on any path, since nginx's
 * auth_request and the Authorizer role forward the client's own URI.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/ac.h"

static enum ac_reason
h_verify(struct ac_req *r, const struct ac_app *app)
{
	struct ac_token	 tok;
	json_object	*o;
	enum ac_reason	 rc;

	if ((rc = ac_req_auth(r, app, &tok)) != AC_OK)
		goto out;
	ac_req_header(r, "X-Auth-Subject", tok.sub);
	if (ac_req_is_authorizer(r))
		ac_req_header(r, "Variable-AUTH_SUBJECT", tok.sub);
	ac_req_header(r, "Cache-Control", "no-store");
	if ((o = json_object_new_object()) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	json_object_object_add(o, "active", json_object_new_boolean(1));
	json_object_object_add(o, "sub", json_object_new_string(tok.sub));
	json_object_object_add(o, "claims", json_object_get(tok.claims));
	ac_req_json(r, 200, o);
	json_object_put(o);
out:
	ac_token_clear(&tok);
	return rc;
}

static const struct ac_route routes[] = {
	{ AC_ANY, "*", h_verify },
};

int
main(void)
{

	return ac_main("verify", routes, nitems(routes));
}

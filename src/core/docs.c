/*
 * docs.c: GET /docs, an API reference page for the suite's OpenAPI
 * document, as FastAPI's /docs is: Swagger UI, its two assets
 * (swagger-ui.css, swagger-ui-bundle.js) loaded from AUTH_DOCS_ASSETS_URL
 * (a CDN by default, or a copy the site serves itself), and one inline
 * script that points it at /api/openapi.json under the mount point
 * (ac_req_base).  The page's Content-Security-Policy allows exactly
 * that: scripts and styles from the assets' URL, the inline script by
 * its SHA-256, images from there and data: URLs (Swagger UI's icons), requests to the site itself (the
 * document, "Try it out"), and nothing else.  AUTH_DOCS_ASSETS_URL empty
 * turns the page off (404).
 *
 * The page runs on the origin of the refresh cookie, so the assets are
 * pinned: one exact version of swagger-ui-dist (DOCS_VERSION; the default
 * URL names it), each with its Subresource Integrity hash (SHA-384 of
 * the published file), so a browser runs nothing else, whatever the CDN
 * or a copy serves.  A site that serves the assets itself serves that
 * version's files.  The hashes were computed from the package the
 * registry publishes (npm pack swagger-ui-dist@DOCS_VERSION), the one
 * tests/integration/swagger_ui/package-lock.json pins, and
 * docs_page.sh checks them against it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "ac.h"
#include "base.h"
#include "http.h"

/* The page's one script; %s: the mount point (ac_req_base). */
#define SCRIPT	"SwaggerUIBundle({url: \"%s/api/openapi.json\", " \
		"dom_id: \"#swagger-ui\", layout: \"BaseLayout\", " \
		"deepLinking: true, showExtensions: true, " \
		"showCommonExtensions: true, presets: " \
		"[SwaggerUIBundle.presets.apis, " \
		"SwaggerUIBundle.SwaggerUIStandalonePreset]});"

#define DOCS_VERSION	"5.35.0"
#define CSS_SRI		"sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+K" \
			"uRNwBhoxKVN1i3D5I"
#define JS_SRI		"sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEf" \
			"ScduGpSyF3ZSSLkX9"

enum ac_reason
ac_docs_page(struct ac_req *r, const struct ac_app *app)
{
	const char	*base = app->cfg.docs_assets_url;
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	unsigned char	 h64[64];
	char		 csp[1024], page[2560], script[768];
	size_t		 n;
	int		 w;

	if (base == NULL)
		return AC_NOT_FOUND;
	w = snprintf(script, sizeof(script), SCRIPT, ac_req_base(r));
	if (w < 0 || (size_t)w >= sizeof(script))
		return AC_INTERNAL;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	SHA256((const unsigned char *)script, strlen(script), md);
	EVP_EncodeBlock(h64, md, sizeof(md));
	w = snprintf(csp, sizeof(csp), "default-src 'none'; script-src "
	    "%.*s/ 'sha256-%s'; style-src %.*s/; img-src %.*s/ data:; "
	    "connect-src 'self'; base-uri 'none'; form-action 'none'; "
	    "frame-ancestors 'none'", (int)n, base, h64, (int)n, base,
	    (int)n, base);
	if (w < 0 || (size_t)w >= sizeof(csp))
		return AC_INTERNAL;
	w = snprintf(page, sizeof(page), "<!DOCTYPE html>\n<html lang=\"en\">\n"
	    "<head>\n<meta charset=\"utf-8\">\n"
	    "<title>JWT authentication suite - API reference</title>\n"
	    "<!-- swagger-ui-dist " DOCS_VERSION " -->\n"
	    "<link rel=\"stylesheet\" href=\"%.*s/swagger-ui.css\" "
	    "integrity=\"" CSS_SRI "\" crossorigin=\"anonymous\">\n"
	    "</head>\n<body>\n<div id=\"swagger-ui\"></div>\n"
	    "<script src=\"%.*s/swagger-ui-bundle.js\" "
	    "integrity=\"" JS_SRI "\" crossorigin=\"anonymous\"></script>\n"
	    "<script>%s</script>\n</body>\n</html>\n", (int)n, base, (int)n,
	    base, script);
	if (w < 0 || (size_t)w >= sizeof(page))
		return AC_INTERNAL;
	r->csp = csp;
	ac_req_header(r, "Cache-Control", "public, max-age=3600");
	ac_req_respond(r, 200, "text/html; charset=utf-8", page, (size_t)w);
	r->csp = NULL;
	return AC_OK;
}

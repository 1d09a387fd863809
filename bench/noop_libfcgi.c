/*
 * noop_libfcgi.c: the no-op FastCGI responder on libfcgi that
 * bench/engine.sh measures beside the same no-op on the suite's engine.
 * NOOP_THREADS threads (default 32) each accept and answer one request
 * at a time, as the suite's programs did on libfcgi (one blocking
 * connection per thread), with "200, ok" and nothing else.  engine.sh
 * compiles it only when libfcgi-dev (pkg-config fcgi) is present; it is
 * not part of the suite.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <fcgiapp.h>

static void *
serve(void *arg)
{
	FCGX_Request	 req;

	(void)arg;
	if (FCGX_InitRequest(&req, 0, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 2\r\n\r\nok", req.out);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

int
main(void)
{
	const char	*s = getenv("NOOP_THREADS");
	long		 i, n = s != NULL ? strtol(s, NULL, 10) : 32;
	pthread_t	*t;

	if (n < 1 || n > 1024 || FCGX_Init() != 0 ||
	    (t = calloc((size_t)n, sizeof(*t))) == NULL) {
		fprintf(stderr, "noop_libfcgi: NOOP_THREADS 1 to 1024\n");
		return 1;
	}
	for (i = 1; i < n; i++)
		if (pthread_create(&t[i], NULL, serve, NULL) != 0) {
			fprintf(stderr, "noop_libfcgi: pthread_create\n");
			return 1;
		}
	serve(NULL);
	return 0;
}

/*
 * fcgi.h: the FastCGI 1.0 record layer (fcgi.c).  No sockets here: a
 * connection's protocol state is fed the bytes that arrived and answers
 * with what happened, so tests and the fuzzer drive it from memory.
 */
#ifndef AC_FCGI_H
#define AC_FCGI_H

#include <stddef.h>
#include <stdint.h>

#define AC_FCGI_HEADER		8
#define AC_FCGI_MAXCONTENT	65535

/* Record types (FastCGI 1.0, section 8). */
enum {
	AC_FCGI_BEGIN_REQUEST = 1,
	AC_FCGI_ABORT_REQUEST = 2,
	AC_FCGI_END_REQUEST = 3,
	AC_FCGI_PARAMS = 4,
	AC_FCGI_STDIN = 5,
	AC_FCGI_STDOUT = 6,
	AC_FCGI_STDERR = 7,
	AC_FCGI_DATA = 8,
	AC_FCGI_GET_VALUES = 9,
	AC_FCGI_GET_VALUES_RESULT = 10,
	AC_FCGI_UNKNOWN_TYPE = 11
};

/* Roles, and protocol statuses of END_REQUEST. */
enum {
	AC_FCGI_RESPONDER = 1,
	AC_FCGI_AUTHORIZER = 2,
	AC_FCGI_FILTER = 3
};
enum {
	AC_FCGI_REQUEST_COMPLETE = 0,
	AC_FCGI_CANT_MPX_CONN = 1,
	AC_FCGI_OVERLOADED = 2,
	AC_FCGI_UNKNOWN_ROLE = 3
};

/* A growable byte buffer. */
struct ac_buf {
	unsigned char	*p;
	size_t		 len, cap;
};

int		 ac_buf_reserve(struct ac_buf *, size_t more);
int		 ac_buf_add(struct ac_buf *, const void *, size_t);
void		 ac_buf_free(struct ac_buf *);

/* One record's header and content, pointing into the bytes parsed. */
struct ac_fcgi_record {
	int			 type;
	unsigned		 id;
	const unsigned char	*content;
	size_t			 len;
};

/*
 * Parses the record at the start of buf.  Returns the bytes it takes
 * (header, content and padding), 0 when buf holds less than a whole
 * record, or -1 when it is not a FastCGI 1.0 record.
 */
long		 ac_fcgi_parse(const unsigned char *buf, size_t len,
		    struct ac_fcgi_record *);

/*
 * Walks FastCGI name-value pairs, calling cb for each (the name and
 * value are not NUL-terminated); stops when cb returns non-zero.  Returns
 * 0, cb's non-zero answer, or -1 when a length runs past the end.
 */
int		 ac_fcgi_pairs(const unsigned char *, size_t,
		    int (*cb)(void *, const unsigned char *, size_t,
		    const unsigned char *, size_t), void *);

/* Appends one record's header (content and padding are the caller's). */
int		 ac_fcgi_header(struct ac_buf *, int type, unsigned id,
		    size_t len, size_t pad);
/* Appends one name-value pair. */
int		 ac_fcgi_pair(struct ac_buf *, const char *name,
		    const char *value);
/*
 * Turns a response into records: buf holds, from off, AC_FCGI_HEADER
 * reserved bytes and then the STDOUT bytes.  Fills the header in place
 * (or re-chunks past 65535 bytes) and appends the empty STDOUT and
 * END_REQUEST, so the whole answer can go out in one write.
 */
int		 ac_fcgi_seal(struct ac_buf *, size_t off, unsigned id);
/* Appends END_REQUEST with this protocol status. */
int		 ac_fcgi_end(struct ac_buf *, unsigned id, int status);

/* What ac_fcgi_feed saw. */
enum ac_fcgi_event {
	AC_FCGI_MORE = 0,	/* nothing to do: feed more bytes */
	AC_FCGI_READY,		/* a request is complete: take it */
	AC_FCGI_WAIT,		/* a new request waits for the current one */
	AC_FCGI_ABORTED,	/* the request in hand was aborted */
	AC_FCGI_ERROR		/* not FastCGI: close the connection */
};

/* Why a complete request cannot be served as it is. */
enum ac_fcgi_problem {
	AC_FCGI_OK = 0,
	AC_FCGI_PARAMS_TOO_LARGE,
	AC_FCGI_PARAMS_MALFORMED,
	AC_FCGI_BODY_TOO_LARGE
};

/* One connection's protocol state. */
struct ac_fcgi {
	/* Limits and the answers to FCGI_GET_VALUES, set by the caller. */
	size_t		 max_params, max_body;
	unsigned	 max_conns;
	/* The request being read or served (FCGI_MPXS_CONNS is 0). */
	int		 state;		/* AC_FCGI_S_* in fcgi.c */
	unsigned	 id;
	int		 role;
	int		 keep;		/* FCGI_KEEP_CONN */
	enum ac_fcgi_problem problem;
	size_t		 paramslen;	/* bytes of PARAMS seen */
	size_t		 bodylen;	/* bytes of STDIN seen */
	struct ac_buf	 raw;		/* the PARAMS stream */
	struct ac_buf	 body;		/* the STDIN stream */
	/* Records the protocol answers itself (GET_VALUES, ...). */
	struct ac_buf	 out;
	/* Close once out is sent (a request answered here, not kept). */
	int		 closeafter;
};

void		 ac_fcgi_init(struct ac_fcgi *, size_t max_params,
		    size_t max_body, unsigned max_conns);
void		 ac_fcgi_free(struct ac_fcgi *);
/*
 * Feeds the bytes that arrived.  Consumes whole records and returns how
 * many bytes it took (the rest is to be fed again with what follows),
 * and sets *ev.  After AC_FCGI_READY the request is in hand until
 * ac_fcgi_done(); records for it (ABORT) still count, a new
 * BEGIN_REQUEST gives AC_FCGI_WAIT and is left unconsumed.  Anything
 * appended to out must be sent.
 */
size_t		 ac_fcgi_feed(struct ac_fcgi *, const unsigned char *,
		    size_t, enum ac_fcgi_event *ev);
/*
 * The parameters of the request in hand as a "NAME=value" array,
 * NULL-terminated, with FCGI_ROLE added, in one allocation the caller
 * frees.  NULL when out of memory or malformed (then fc->problem says
 * AC_FCGI_PARAMS_MALFORMED: a name or value holding a NUL or a name
 * holding '=', or a pair running past the stream).
 */
char		**ac_fcgi_envp(struct ac_fcgi *);
/* The request in hand is answered: ready for the next one. */
void		 ac_fcgi_done(struct ac_fcgi *);

#endif /* !AC_FCGI_H */

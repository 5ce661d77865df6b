/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_http.h - the smallest HTTP/1.x server that serves one document at
 * one path (ksmtop --prometheus: GET /metrics), from a single thread that
 * also does other work between calls.
 *
 * Bounded in every way a client could push it: connections
 * (KSM_HTTP_MAX_CONNS; past it a new client takes the place of the oldest
 * one still silent, so idle connections cannot lock scrapers out), request size
 * (KSM_HTTP_MAX_REQ, more gets 431), time (KSM_HTTP_TIMEOUT_MS per
 * connection, then it is dropped).  One request per connection
 * (Connection: close); unread input is drained after the answer so the
 * client is not reset before it reads it.  GET and HEAD of the path get
 * 200, other methods there 405, other paths 404, malformed requests 400.
 */
#ifndef KSMSCOPE_KSM_HTTP_H
#define KSMSCOPE_KSM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define KSM_HTTP_MAX_CONNS 64
#define KSM_HTTP_MAX_REQ 8192
#define KSM_HTTP_TIMEOUT_MS 5000

/* The answers, for the request counters: http_codes[i] */
enum { KSM_HTTP_200, KSM_HTTP_400, KSM_HTTP_404, KSM_HTTP_405, KSM_HTTP_431,
       KSM_HTTP_NCODES };
extern const int ksm_http_codes[KSM_HTTP_NCODES];

struct ksm_http_conn {
	int fd;			/* -1: slot free */
	int state;		/* reading, writing, draining */
	long long deadline_ms;	/* CLOCK_MONOTONIC */
	size_t in_len;
	char *in;		/* KSM_HTTP_MAX_REQ + 1 bytes while reading */
	char *out;
	size_t out_len, out_off;
};

struct ksm_http {
	int lfd;
	char where[160];	/* "127.0.0.1:9757", as bound */
	const char *path;	/* the one document's path */
	const char *type;	/* its Content-Type */
	char *doc;		/* the document, owned */
	size_t doc_len;
	struct ksm_http_conn conn[KSM_HTTP_MAX_CONNS];
	unsigned long long answered[KSM_HTTP_NCODES];
	unsigned long long dropped;	/* unanswered: timed out, evicted or
					 * reset by the client */
};

/*
 * Parse "ADDR:PORT", "[IPv6]:PORT", ":PORT" or "ADDR" (default_port) into
 * a socket address; numeric addresses and "localhost" only.  0, or -1
 * with one line in err.
 */
int ksm_http_parse_addr(const char *spec, int default_port,
			struct sockaddr_storage *ss, socklen_t *sslen,
			char *err, size_t len);

/*
 * What a request (the bytes received so far) gets: 0 while incomplete,
 * else the HTTP status; *head set for HEAD.
 */
int ksm_http_route(const char *req, size_t len, const char *path,
		   bool *head);

/* Bind and listen; 0, or -errno with one line in err. */
int ksm_http_listen(struct ksm_http *h, const char *spec, int default_port,
		    const char *path, const char *type, char *err, size_t len);
/* Replace the document (takes a malloc'ed buffer). */
void ksm_http_set_doc(struct ksm_http *h, char *doc, size_t len);
/*
 * Wait up to timeout_ms for clients and serve them; returns early when a
 * signal arrives.  0, or -errno on a listening socket failure.
 */
int ksm_http_serve(struct ksm_http *h, int timeout_ms);
/* Connections open now. */
int ksm_http_open_conns(const struct ksm_http *h);
/* Close everything; safe on a zeroed struct with lfd = -1. */
void ksm_http_close(struct ksm_http *h);

#endif

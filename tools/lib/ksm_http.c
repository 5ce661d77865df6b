// SPDX-License-Identifier: GPL-2.0
/* ksm_http.c - one document over HTTP/1.x, bounded (see ksm_http.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ksm_http.h"
#include "ksm_util.h"

const int ksm_http_codes[KSM_HTTP_NCODES] = { 200, 400, 404, 405, 431 };

enum { ST_READ, ST_WRITE, ST_DRAIN };

/* after the answer: how long unread input is drained before closing */
#define DRAIN_MS 1000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ksm_http_parse_addr(const char *spec, int default_port,
			struct sockaddr_storage *ss, socklen_t *sslen,
			char *err, size_t len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	const char *colon;
	char host[128];
	char *end;
	long p;

	if (strlen(spec) >= sizeof(host)) {
		snprintf(err, len, "bad address '%.40s...': too long", spec);
		return -1;
	}
	if (spec[0] == '[') {		/* [IPv6]:PORT */
		const char *close = strchr(spec, ']');

		if (!close || (close[1] && close[1] != ':')) {
			snprintf(err, len, "bad address '%s': want [IPv6]:PORT",
				 spec);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(close - spec - 1),
			 spec + 1);
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strrchr(spec, ':');
		if (colon && strchr(spec, ':') != colon) {
			snprintf(err, len, "bad address '%s': write IPv6 "
				 "addresses as [ADDR]:PORT", spec);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s",
			 (int)(colon ? colon - spec : (long)strlen(spec)), spec);
	}
	if (!host[0])
		snprintf(host, sizeof(host), "127.0.0.1");
	p = default_port;
	if (colon) {
		errno = 0;
		p = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end || p < 1 || p > 65535) {
			snprintf(err, len, "bad address '%s': the port must be "
				 "1-65535", spec);
			return -1;
		}
	}
	/* numeric only (no resolver: it could hang, and static builds have
	 * none), localhost excepted */
	memset(ss, 0, sizeof(*ss));
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)p);
		*sslen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)p);
		*sslen = sizeof(*a6);
	} else {
		snprintf(err, len, "bad address '%s': not a numeric IPv4 or "
			 "IPv6 address", spec);
		return -1;
	}
	return 0;
}

/* The request line alone: 400, 404, 405 or 200 (*head for HEAD). */
static int request_line(const char *req, const char *eol, const char *path,
			bool *head)
{
	const char *sp1, *sp2, *target, *q;
	size_t tlen;

	sp1 = memchr(req, ' ', (size_t)(eol - req));
	if (!sp1 || sp1 == req)
		return 400;
	for (q = req; q < sp1; q++)
		if (*q < 'A' || *q > 'Z')
			return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || eol - sp2 - 1 != 8 ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) || sp2[8] < '0' || sp2[8] > '9')
		return 400;
	target = sp1 + 1;
	tlen = (size_t)(sp2 - target);
	q = memchr(target, '?', tlen);	/* a query string is ignored */
	if (q)
		tlen = (size_t)(q - target);
	if (tlen != strlen(path) || strncmp(target, path, tlen))
		return 404;
	if (sp1 - req == 4 && !strncmp(req, "HEAD", 4))
		*head = true;
	else if (sp1 - req != 3 || strncmp(req, "GET", 3))
		return 405;
	return 200;
}

int ksm_http_route(const char *req, size_t len, const char *path, bool *head)
{
	const char *eol = memchr(req, '\n', len), *end, *q;
	int code;

	*head = false;
	/*
	 * the request line is printable ASCII: garbage is refused as soon
	 * as it arrives, not when the client stops sending.  Its CR may
	 * have come without the LF yet (a client sending a byte at a time).
	 */
	end = eol ? eol : req + len;
	if (end > req && end[-1] == '\r')
		end--;
	for (q = req; q < end; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			return 400;
	if (!eol)
		return len >= KSM_HTTP_MAX_REQ ? 431 : 0;
	code = request_line(req, end, path, head);
	if (code == 400)
		return code;
	/* answered once the headers end (an empty line) */
	if (!memmem(req, len, "\r\n\r\n", 4) && !memmem(req, len, "\n\n", 2))
		return len >= KSM_HTTP_MAX_REQ ? 431 : 0;
	return code;
}

int ksm_http_listen(struct ksm_http *h, const char *spec, int default_port,
		    const char *path, const char *type, char *err, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char host[INET6_ADDRSTRLEN];
	int one = 1, i, e;

	memset(h, 0, sizeof(*h));
	h->lfd = -1;
	for (i = 0; i < KSM_HTTP_MAX_CONNS; i++)
		h->conn[i].fd = -1;
	h->path = path;
	h->type = type;
	if (ksm_http_parse_addr(spec, default_port, &ss, &sslen, err, len))
		return -EINVAL;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(h->where, sizeof(h->where), "[%s]:%d", host,
			 ntohs(a->sin6_port));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(h->where, sizeof(h->where), "%s:%d", host,
			 ntohs(a->sin_port));
	}
	h->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (h->lfd < 0) {
		e = errno;
		snprintf(err, len, "cannot listen on %s: %s", h->where,
			 strerror(e));
		return -e;
	}
	/* a restart may bind while old connections are in TIME_WAIT; a
	 * second listener on the port is still refused (EADDRINUSE) */
	setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(h->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(h->lfd, (struct sockaddr *)&ss, sslen) ||
	    listen(h->lfd, 128)) {
		e = errno;
		snprintf(err, len, "cannot listen on %s: %s%s", h->where,
			 strerror(e), e == EADDRINUSE ? " (another exporter "
			 "there? choose ADDR:PORT)" : e == EADDRNOTAVAIL ?
			 " (not an address of this machine)" : "");
		close(h->lfd);
		h->lfd = -1;
		return -e;
	}
	return 0;
}

void ksm_http_set_doc(struct ksm_http *h, char *doc, size_t len)
{
	free(h->doc);
	h->doc = doc;
	h->doc_len = len;
}

static void conn_close(struct ksm_http_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static const char *reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Request Header Fields Too Large";
	}
}

static void count(struct ksm_http *h, int code)
{
	int i;

	for (i = 0; i < KSM_HTTP_NCODES; i++)
		if (ksm_http_codes[i] == code)
			h->answered[i]++;
}

/* Build the answer into c->out and start writing it. */
static void answer(struct ksm_http *h, struct ksm_http_conn *c, int code,
		   bool head)
{
	char hdr[512], body[160];
	const char *b = body;
	size_t blen;
	int n;

	count(h, code);
	if (code == 200) {
		b = h->doc ? h->doc : "";
		blen = h->doc ? h->doc_len : 0;
	} else {
		blen = (size_t)snprintf(body, sizeof(body), "%d %s: this "
					"server answers GET %s only\n", code,
					reason(code), h->path);
	}
	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\nContent-Length: %zu\r\n%s"
		     "Connection: close\r\n\r\n", code, reason(code),
		     code == 200 ? h->type : "text/plain; charset=utf-8", blen,
		     code == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (head)
		blen = 0;
	free(c->in);
	c->in = NULL;
	c->out = malloc((size_t)n + blen);
	if (!c->out) {
		conn_close(c);
		return;
	}
	memcpy(c->out, hdr, (size_t)n);
	memcpy(c->out + n, b, blen);
	c->out_len = (size_t)n + blen;
	c->out_off = 0;
	c->state = ST_WRITE;
	c->deadline_ms = now_ms() + KSM_HTTP_TIMEOUT_MS;
}

/*
 * A slot for a new connection: a free one, else the oldest that is only
 * draining (answered already), else the oldest still waiting for its
 * request (a silent or slow client loses to a new one).  NULL when every
 * connection is being written to.
 */
static struct ksm_http_conn *slot(struct ksm_http *h, bool evict)
{
	static const int order[] = { ST_DRAIN, ST_READ };
	struct ksm_http_conn *v = NULL;
	size_t k;
	int i, st;

	for (i = 0; i < KSM_HTTP_MAX_CONNS; i++)
		if (h->conn[i].fd < 0)
			return &h->conn[i];
	for (k = 0; k < ARRAY_SIZE(order) && !v; k++)
		for (i = 0, st = order[k]; i < KSM_HTTP_MAX_CONNS; i++)
			if (h->conn[i].state == st &&
			    (!v || h->conn[i].deadline_ms < v->deadline_ms))
				v = &h->conn[i];
	if (v && evict) {
		if (v->state == ST_READ)
			h->dropped++;
		conn_close(v);
	}
	return v;
}

static void do_accept(struct ksm_http *h)
{
	int i, fd;

	/* a bounded number per call: the caller has other work too */
	for (i = 0; i < KSM_HTTP_MAX_CONNS; i++) {
		struct ksm_http_conn *c = slot(h, false);

		if (!c)
			return;
		fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c = slot(h, true);
		c->fd = fd;
		c->state = ST_READ;
		c->in = malloc(KSM_HTTP_MAX_REQ + 1);
		c->in_len = 0;
		c->deadline_ms = now_ms() + KSM_HTTP_TIMEOUT_MS;
		if (!c->in)
			conn_close(c);
	}
}

static void do_read(struct ksm_http *h, struct ksm_http_conn *c)
{
	bool head;
	ssize_t n;
	int code;

	n = recv(c->fd, c->in + c->in_len, KSM_HTTP_MAX_REQ - c->in_len, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			h->dropped++;
			conn_close(c);
		}
		return;
	}
	c->in_len += (size_t)n;
	code = ksm_http_route(c->in, c->in_len, h->path, &head);
	if (code)
		answer(h, c, code, head);
}

static void do_write(struct ksm_http *h, struct ksm_http_conn *c)
{
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			h->dropped++;
			conn_close(c);
		}
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off < c->out_len)
		return;
	/* all sent: half-close, then read what the client still sends
	 * (closing with unread input would reset the connection) */
	shutdown(c->fd, SHUT_WR);
	free(c->out);
	c->out = NULL;
	c->state = ST_DRAIN;
	c->deadline_ms = now_ms() + DRAIN_MS;
}

static void do_drain(struct ksm_http_conn *c)
{
	char buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

int ksm_http_serve(struct ksm_http *h, int timeout_ms)
{
	struct pollfd pfd[KSM_HTTP_MAX_CONNS + 1];
	int idx[KSM_HTTP_MAX_CONNS + 1];
	long long t = now_ms(), first = t + timeout_ms;
	int i, n = 0, rc;

	/* wake for the first connection deadline, if sooner */
	for (i = 0; i < KSM_HTTP_MAX_CONNS; i++) {
		struct ksm_http_conn *c = &h->conn[i];

		if (c->fd < 0)
			continue;
		if (c->deadline_ms <= t) {
			if (c->state != ST_DRAIN)
				h->dropped++;
			conn_close(c);
			continue;
		}
		if (c->deadline_ms < first)
			first = c->deadline_ms;
		pfd[n].fd = c->fd;
		pfd[n].events = c->state == ST_WRITE ? POLLOUT : POLLIN;
		idx[n++] = i;
	}
	/* new clients only while there is room for them (see slot()) */
	if (slot(h, false)) {
		pfd[n].fd = h->lfd;
		pfd[n].events = POLLIN;
		idx[n++] = -1;
	}
	rc = poll(pfd, (nfds_t)n, first > t ? (int)(first - t) : 0);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct ksm_http_conn *c;

		if (!pfd[i].revents)
			continue;
		if (idx[i] < 0) {
			if (pfd[i].revents & (POLLERR | POLLNVAL))
				return -EIO;
			do_accept(h);
			continue;
		}
		c = &h->conn[idx[i]];
		if (c->state == ST_READ)
			do_read(h, c);
		else if (c->state == ST_WRITE)
			do_write(h, c);
		else
			do_drain(c);
	}
	return 0;
}

int ksm_http_open_conns(const struct ksm_http *h)
{
	int i, n = 0;

	for (i = 0; i < KSM_HTTP_MAX_CONNS; i++)
		n += h->conn[i].fd >= 0;
	return n;
}

void ksm_http_close(struct ksm_http *h)
{
	int i;

	if (!h->path)	/* never listened */
		return;
	for (i = 0; i < KSM_HTTP_MAX_CONNS; i++)
		if (h->conn[i].fd >= 0)
			conn_close(&h->conn[i]);
	if (h->lfd >= 0)
		close(h->lfd);
	h->lfd = -1;
	free(h->doc);
	h->doc = NULL;
	h->path = NULL;
}

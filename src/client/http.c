/*
 * http.c
 *      HTTPS exchanges over libcurl's multi interface.
 *
 * Every exchange is an oc_xfer added to the client's multi handle, so
 * connections stay alive across requests and several transfers can be in
 * flight at once (prefetch, fan-out).  Waiting goes through the client's
 * wait hook: the PostgreSQL side waits on the sockets with its latch, and
 * can abandon the wait when a query is cancelled.
 */
#include "oc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>

/* the body's bytes no longer count against the client's budget */
static void
release_body(oc_xfer *x)
{
	if (x->c && x->resp.charged <= x->c->body_bytes)
		x->c->body_bytes -= x->resp.charged;
	x->resp.charged = 0;
}

static void
response_reset(oc_xfer *x)
{
	oc_response *r = &x->resp;

	release_body(x);
	oc_buf_free(&r->body);
	free(r->next_url);
	free(r->dpop_nonce);
	free(r->www_authenticate);
	r->next_url = NULL;
	r->dpop_nonce = NULL;
	r->www_authenticate = NULL;
	r->status = 0;
	r->request_id[0] = '\0';
	r->rl_limit = -1;
	r->rl_remaining = -1;
	r->rl_reset = -1;
	r->server_date = -1;
	r->oversize = 0;
	r->over_budget = 0;
	r->nomem = 0;
}

char *
oc_xfer_take_body(oc_xfer *x, size_t *len)
{
	*len = x->resp.body.len;
	release_body(x);
	return oc_buf_take(&x->resp.body);
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	oc_xfer    *x = userdata;
	size_t		n = size * nmemb;

	if (x->resp.body.len + n > (size_t) OC_MAX_BODY_BYTES)
	{
		x->resp.oversize = 1;
		return 0;				/* makes curl fail with CURLE_WRITE_ERROR */
	}
	/* all the bodies the client holds at once (a fan-out's) */
	if (x->c->body_bytes + n > x->c->max_inflight)
	{
		x->resp.over_budget = 1;
		return 0;
	}
	if (x->resp.body.cap == 0)
	{
		curl_off_t	cl = -1;

		/* room for the whole body at once, when its length is known */
		if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
			cl > 0 && cl <= (curl_off_t) OC_MAX_BODY_BYTES)
			oc_buf_reserve(&x->resp.body, (size_t) cl);
	}
	oc_buf_append(&x->resp.body, ptr, n);
	if (x->resp.body.failed)
	{
		x->resp.nomem = 1;
		return 0;
	}
	x->resp.charged += n;
	x->c->body_bytes += n;
	return n;
}

static char *
header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t		nlen = strlen(name);
	const char *v;
	const char *end;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return NULL;
	v = line + nlen + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	*vlen = (size_t) (end - v);
	return (char *) v;
}

static long
parse_long(const char *v, size_t n)
{
	long		r = 0;
	size_t		i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
	{
		if (v[i] < '0' || v[i] > '9')
			return -1;
		if (r > 1000000000000L)
			return -1;
		r = r * 10 + (v[i] - '0');
	}
	return r;
}

/* how much of a WWW-Authenticate challenge is kept (Okta's are ~200 bytes) */
#define WWW_AUTHENTICATE_MAX 4096

static size_t
header_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	oc_xfer    *x = userdata;
	size_t		len = size * nitems;
	const char *v;
	size_t		vlen;

	/* a new status line: forget headers of an interim response */
	if (len > 5 && strncmp(buffer, "HTTP/", 5) == 0)
	{
		free(x->resp.next_url);
		free(x->resp.dpop_nonce);
		free(x->resp.www_authenticate);
		x->resp.next_url = NULL;
		x->resp.dpop_nonce = NULL;
		x->resp.www_authenticate = NULL;
		return len;
	}
	if ((v = header_value(buffer, len, "link", &vlen)) != NULL)
	{
		char	   *val = oc_strndup(v, vlen);
		const char *url;
		size_t		ulen;

		if (val == NULL)
			goto nomem;
		if (oc_link_find_next(val, &url, &ulen))
		{
			char	   *next = oc_strndup(url, ulen);

			free(val);
			if (next == NULL)
				goto nomem;
			free(x->resp.next_url);
			x->resp.next_url = next;
		}
		else
			free(val);
	}
	else if ((v = header_value(buffer, len, "dpop-nonce", &vlen)) != NULL)
	{
		free(x->resp.dpop_nonce);
		x->resp.dpop_nonce = oc_strndup(v, vlen);
		if (x->resp.dpop_nonce == NULL)
			goto nomem;
	}
	else if ((v = header_value(buffer, len, "www-authenticate", &vlen)) != NULL)
	{
		/* its error and description may reach messages: printable ASCII */
		if (vlen > WWW_AUTHENTICATE_MAX)
			vlen = WWW_AUTHENTICATE_MAX;
		free(x->resp.www_authenticate);
		x->resp.www_authenticate = malloc(vlen + 1);
		if (x->resp.www_authenticate == NULL)
			goto nomem;
		oc_copy_printable(x->resp.www_authenticate, vlen + 1, v, vlen);
	}
	else if ((v = header_value(buffer, len, "x-okta-request-id", &vlen)) != NULL)
		oc_copy_printable(x->resp.request_id, sizeof(x->resp.request_id), v, vlen);
	else if ((v = header_value(buffer, len, "x-rate-limit-limit", &vlen)) != NULL)
		x->resp.rl_limit = parse_long(v, vlen);
	else if ((v = header_value(buffer, len, "x-rate-limit-remaining", &vlen)) != NULL)
		x->resp.rl_remaining = parse_long(v, vlen);
	else if ((v = header_value(buffer, len, "x-rate-limit-reset", &vlen)) != NULL)
		x->resp.rl_reset = parse_long(v, vlen);
	else if ((v = header_value(buffer, len, "date", &vlen)) != NULL)
	{
		char	   *d = oc_strndup(v, vlen);

		if (d == NULL)
			goto nomem;
		x->resp.server_date = (long) curl_getdate(d, NULL);
		free(d);
	}
	return len;

nomem:
	/* a header not taken in would change what the reply means: give up */
	x->resp.nomem = 1;
	return 0;					/* makes curl fail with CURLE_WRITE_ERROR */
}

/*
 * Where the path of an absolute URL starts: after "scheme://authority", at
 * the first '/', '?' or '#' (so the result may point at '?', '#' or '\0'
 * when the URL has no path).
 */
const char *
oc_url_path_start(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	return p + strcspn(p, "/?#");
}

/*
 * The path of an absolute URL, without query or fragment ("/" if none), as
 * printable ASCII: it names the request in messages, and a next-page link
 * is the server's text.
 */
void
oc_url_path(const char *url, char *out, size_t outlen)
{
	const char *p = oc_url_path_start(url);

	if (*p != '/')
		p = "/";
	oc_copy_printable(out, outlen, p, strcspn(p, "?#"));
}

#define SETOPT(opt, val) \
	do { if (curl_easy_setopt(x->easy, opt, val) != CURLE_OK) goto setopt_failed; } while (0)

/*
 * A transfer of method url (and post_body, copied), not started.  It owns
 * headers from now on, even when it cannot be made (NULL, err set).
 */
oc_xfer *
oc_xfer_new(oc_client *c, const char *method, const char *url,
			const char *post_body, struct curl_slist *headers, oc_error *err)
{
	oc_xfer    *x = calloc(1, sizeof(oc_xfer));

	if (x == NULL)
	{
		/* the headers are the transfer's: gone with it */
		curl_slist_free_all(headers);
		goto nomem;
	}
	x->c = c;
	oc_buf_init(&x->resp.body);
	response_reset(x);
	x->headers = headers;
	oc_copy(x->method, sizeof(x->method), method);
	x->url = oc_strdup(url);
	if (x->url == NULL)
		goto nomem;
	if (post_body)
	{
		x->post_body = oc_strdup(post_body);
		if (x->post_body == NULL)
			goto nomem;
	}
	x->easy = curl_easy_init();
	if (x->easy == NULL)
		goto nomem;

	SETOPT(CURLOPT_URL, x->url);

	/*
	 * The path goes as built: an id of ".." is sent percent-encoded, and
	 * newer libcurl (8.14 of Debian trixie, 8.23 of sid) would otherwise
	 * merge "%2E%2E" as a dot segment: GET /api/v1/groups/%2E%2E/users
	 * would become /api/v1/users, every user instead of no member.
	 */
	SETOPT(CURLOPT_PATH_AS_IS, 1L);
	SETOPT(CURLOPT_PRIVATE, (void *) x);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_PROTOCOLS_STR, "https,http");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		SETOPT(CURLOPT_CAINFO, c->ca_file);

	/*
	 * The proxy option's proxy, never one from the environment: libcurl
	 * would otherwise take https_proxy, http_proxy, ALL_PROXY and no_proxy
	 * from the postmaster's (set for something else, or by whoever started
	 * it), and send the org's traffic there ("" is no proxy at all).  A
	 * loopback host is reached directly either way.
	 */
	SETOPT(CURLOPT_PROXY, c->proxy ? c->proxy : "");
	if (c->proxy)
		SETOPT(CURLOPT_NOPROXY, "localhost,127.0.0.0/8,::1");
	if (c->share)
		SETOPT(CURLOPT_SHARE, c->share);
	SETOPT(CURLOPT_TIMEOUT_MS, c->timeout_ms);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(CURLOPT_USERAGENT, "oktafdw/" OKTAFDW_VERSION_STR);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, (void *) x);
	SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(CURLOPT_HEADERDATA, (void *) x);
	SETOPT(CURLOPT_ERRORBUFFER, x->resp.curl_error);
	if (x->headers)
		SETOPT(CURLOPT_HTTPHEADER, x->headers);
	if (x->post_body)
	{
		SETOPT(CURLOPT_POST, 1L);
		SETOPT(CURLOPT_POSTFIELDS, x->post_body);
	}
	return x;

setopt_failed:
	oc_set_error(err, OC_ERR_NETWORK, "could not set up an HTTP request");
	oc_xfer_free(c, x);
	return NULL;
nomem:
	oc_set_error(err, OC_ERR_NOMEM, "out of memory");
	oc_xfer_free(c, x);
	return NULL;
}

int
oc_xfer_start(oc_client *c, oc_xfer *x, oc_error *err)
{
	int			running;

	if (x->active)
	{
		curl_multi_remove_handle(c->multi, x->easy);
		x->active = 0;
	}
	response_reset(x);
	x->resp.curl_error[0] = '\0';
	x->done = 0;
	if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK)
	{
		oc_set_error(err, OC_ERR_NETWORK, "could not start an HTTP request");
		return -1;
	}
	x->active = 1;
	x->sent = 1;
	c->stats.requests++;
	/* get the request onto the wire now */
	curl_multi_perform(c->multi, &running);
	return 0;
}

/*
 * The transfer's admission to its bucket is over: tell the budget what its
 * reply said (nothing, when none came).
 */
static void
rate_done(oc_client *c, oc_xfer *x)
{
	oc_rate_reply r;

	if (!x->rate_held)
		return;
	x->rate_held = 0;
	memset(&r, 0, sizeof(r));
	if (x->done && x->resp.status > 0)
	{
		r.status = x->resp.status;
		r.limit = x->resp.rl_limit;
		r.remaining = x->resp.rl_remaining;
		r.reset = x->resp.rl_reset;
		r.date = x->resp.server_date;
	}
	oc_client_rate_done(c, x->bucket, x->ticket, x->sent, &r);
}

/* Mark every finished transfer done. */
static void
collect_done(oc_client *c)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL)
	{
		oc_xfer    *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &x);
		if (x == NULL)
			continue;
		x->resp.curl_result = msg->data.result;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->resp.status);
		x->done = 1;
		/* the bucket learns at once what the reply says (a 429 above all) */
		rate_done(c, x);
	}
}

/* Wait for socket activity or the timeout, through the hook when set. */
static int
wait_io(oc_client *c, long timeout_ms, oc_error *err)
{
	fd_set		rd,
				wr,
				ex;
	int			maxfd = -1;
	oc_waitfd	fds[64];
	int			nfds = 0;
	int			fd;

	if (c->wait_fn == NULL)
	{
		curl_multi_poll(c->multi, NULL, 0, (int) timeout_ms, NULL);
		return 0;
	}
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	if (curl_multi_fdset(c->multi, &rd, &wr, &ex, &maxfd) != CURLM_OK)
		maxfd = -1;
	for (fd = 0; fd <= maxfd && nfds < 64; fd++)
	{
		int			ev = 0;

		if (FD_ISSET(fd, &rd) || FD_ISSET(fd, &ex))
			ev |= OC_WAIT_READ;
		if (FD_ISSET(fd, &wr))
			ev |= OC_WAIT_WRITE;
		if (ev)
		{
			fds[nfds].fd = fd;
			fds[nfds].events = ev;
			nfds++;
		}
	}
	/* curl has nothing to wait on yet (e.g. resolving): poll again soon */
	if (nfds == 0 && timeout_ms > 50)
		timeout_ms = 50;
	if (c->wait_fn(c->wait_arg, fds, nfds, timeout_ms) != 0)
	{
		oc_set_cancelled(c, err);
		return -1;
	}
	return 0;
}

/* Wait for curl's sockets, at most until its next timeout (or 1 s). */
static int
wait_some(oc_client *c, oc_error *err)
{
	long		timeout = -1;

	curl_multi_timeout(c->multi, &timeout);
	if (timeout < 0 || timeout > 1000)
		timeout = 1000;
	if (timeout == 0)
		return 0;
	return wait_io(c, timeout, err);
}

int
oc_xfer_wait(oc_client *c, oc_xfer *x, oc_error *err)
{
	for (;;)
	{
		oc_client_pump(c);
		if (x->done)
			break;
		if (wait_some(c, err) < 0)
		{
			curl_multi_remove_handle(c->multi, x->easy);
			x->active = 0;
			oc_copy(err->method, sizeof(err->method), x->method);
			oc_url_path(x->url, err->path, sizeof(err->path));
			return -1;
		}
	}
	oc_xfer_complete(c, x);
	return 0;
}

/* Take a finished transfer off the multi handle and count it, once. */
void
oc_xfer_complete(oc_client *c, oc_xfer *x)
{
	if (!x->active)
		return;
	curl_multi_remove_handle(c->multi, x->easy);
	x->active = 0;
	c->stats.bytes += x->resp.body.len;
}

int
oc_client_wait(oc_client *c, oc_error *err)
{
	oc_error_clear(err);
	oc_client_pump(c);
	if (wait_some(c, err) < 0)
		return -1;
	oc_client_pump(c);
	return 0;
}

/*
 * Move every transfer along as far as it goes without waiting; how many
 * are still running.
 */
static int
pump(oc_client *c)
{
	int			running = 0;

	curl_multi_perform(c->multi, &running);
	collect_done(c);
	return running;
}

void
oc_client_pump(oc_client *c)
{
	(void) pump(c);
}

/* a plain sleep, through the hook when set: 0, or -1 when cancelled */
static int
sleep_plain(oc_client *c, long ms, oc_error *err)
{
	struct timespec ts;

	if (c->wait_fn)
	{
		if (c->wait_fn(c->wait_arg, NULL, 0, ms) != 0)
		{
			oc_set_cancelled(c, err);
			return -1;
		}
		return 0;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
	return 0;
}

/*
 * Sleep ms milliseconds, interruptibly.  Transfers in flight go on
 * meanwhile (replies are taken in, and what they say of the rate limits),
 * so that waiting for one bucket does not hold up the others.
 */
int
oc_sleep(oc_client *c, long ms, oc_error *err)
{
	struct timespec start,
				now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;)
	{
		long		elapsed;
		long		left;
		long		timeout = -1;
		int			running = pump(c);

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			(now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= ms)
			return 0;
		left = ms - elapsed;
		if (running == 0)
		{
			/* nothing in flight: a plain sleep */
			if (sleep_plain(c, left, err) < 0)
				return -1;
			continue;
		}
		curl_multi_timeout(c->multi, &timeout);
		if (timeout < 0 || timeout > left)
			timeout = left;
		if (timeout < 1)
			timeout = 1;
		if (wait_io(c, timeout, err) < 0)
			return -1;
	}
}

void
oc_xfer_free(oc_client *c, oc_xfer *x)
{
	if (x == NULL)
		return;
	if (c)
		rate_done(c, x);		/* given up, or never sent */
	if (x->easy)
	{
		if (x->active && c && c->multi)
			curl_multi_remove_handle(c->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	free(x->url);
	if (x->post_body)
	{
		/* the body carries a client assertion: wipe it */
		memset(x->post_body, 0, strlen(x->post_body));
		free(x->post_body);
	}
	response_reset(x);
	free(x);
}

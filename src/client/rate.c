/*
 * rate.c
 *      Okta's rate limits (okta-api.md section 8).  Which bucket a request
 *      counts in -- oc_bucket_of, the one map from method and path to a
 *      bucket -- and the budget rule over an org's buckets:
 *
 *      - oc_rate_admit, before a request is sent: it may go now (and is
 *        counted), or the caller waits and asks again;
 *      - oc_rate_done, when its reply came (or it never went out, or was
 *        given up): what the reply's X-Rate-Limit-* headers say is taken in.
 *
 *      The state (oc_rate_org) is plain data with no pointers, so the
 *      PostgreSQL side can keep one per org in shared memory and run this
 *      same rule on it under a lock for every backend (the client's rate
 *      hooks); without hooks each client keeps its own, shared by all its
 *      cursors.
 *
 * The rule: a bucket may send Limit requests a window.  Of them are spent
 * the more of: the requests admitted in this window (ours, counted as they
 * go out), and what Okta has counted (Limit - Remaining, the highest a
 * reply of this window said: more than ours when others spend the bucket
 * too).  At 0 nothing of the bucket goes out before the window's Reset;
 * the last tenth is spread over the rest of the window; after a 429
 * nothing goes before that reply's Reset.  A window that has passed leaves
 * the next one what is still in flight.  Until a first reply tells the
 * Limit, requests go.  Other buckets go on meanwhile.  An org has at most
 * max_inflight requests in flight (Okta's concurrency limit).
 */
#include "oc_internal.h"

#include <string.h>

/* a reply's window this far from the one we know is another window */
#define WINDOW_SLACK_MS 1500
/* the longest a 429 pauses its bucket */
#define MAX_PAUSE_MS 120000
/*
 * Okta's windows are a minute: a window said to end further off than this
 * (a wrong Reset header, or our clock stepped back since) is not believed,
 * so that one bad figure cannot hold a bucket -- for every backend, when
 * the budget is shared -- for longer
 */
#define MAX_WINDOW_MS 300000
/* how often to look again when waiting for replies, not for a time */
#define POLL_MS 20

static const char *const bucket_names[OC_NBUCKETS] = {
	"token", "users", "user", "groups", "group", "group_members", "apps", "logs", "other"
};

const char *
oc_bucket_name(oc_bucket b)
{
	return (int) b >= 0 && b < OC_NBUCKETS ? bucket_names[b] : "other";
}

/* does path segment [s, e) equal lit? */
static int
seg_is(const char *s, const char *e, const char *lit)
{
	size_t		n = strlen(lit);

	return (size_t) (e - s) == n && strncmp(s, lit, n) == 0;
}

/*
 * The bucket of a request: method and the URL's path (an absolute URL, or
 * the path with or without a query).  okta-api.md section 8:
 *   POST /oauth2/.../token                    token
 *   /api/v1/users                             users
 *   /api/v1/users/{id}                        user
 *   /api/v1/groups                            groups
 *   /api/v1/groups/{id}                       group
 *   /api/v1/groups/{id}/users                 group_members (unconfirmed:
 *                                             its own, as a guess)
 *   /api/v1/apps and below                    apps
 *   /api/v1/logs                              logs
 *   anything else (e.g. /api/v1/users/{id}/groups, the schemas)  other
 */
oc_bucket
oc_bucket_of(const char *method, const char *url)
{
	const char *p = strstr(url, "://");
	const char *seg[5];
	const char *end[5];
	int			n = 0;

	(void) method;
	if (p)
	{
		/* an absolute URL: its path starts after the authority */
		p += 3;
		while (*p && *p != '/' && *p != '?' && *p != '#')
			p++;
	}
	else
		p = url;
	/* up to five segments of the path, up to the query */
	while (*p == '/' && n < 5)
	{
		const char *s = ++p;

		while (*p && *p != '/' && *p != '?' && *p != '#')
			p++;
		seg[n] = s;
		end[n] = p;
		n++;
	}
	if (*p == '/')
		n++;					/* deeper than five: nothing below matches */
	if (n >= 3 && seg_is(seg[0], end[0], "oauth2") && seg_is(seg[n - 1], end[n - 1], "token"))
		return OC_BUCKET_TOKEN;
	if (n < 3 || !seg_is(seg[0], end[0], "api") || !seg_is(seg[1], end[1], "v1"))
		return OC_BUCKET_OTHER;
	if (seg_is(seg[2], end[2], "users"))
		return n == 3 ? OC_BUCKET_USERS : n == 4 ? OC_BUCKET_USER : OC_BUCKET_OTHER;
	if (seg_is(seg[2], end[2], "groups"))
	{
		if (n == 3)
			return OC_BUCKET_GROUPS;
		if (n == 4)
			return OC_BUCKET_GROUP;
		if (n == 5 && seg_is(seg[4], end[4], "users"))
			return OC_BUCKET_GROUP_MEMBERS;
		return OC_BUCKET_OTHER;
	}
	if (seg_is(seg[2], end[2], "apps"))
		return OC_BUCKET_APPS;
	if (seg_is(seg[2], end[2], "logs") && n == 3)
		return OC_BUCKET_LOGS;
	return OC_BUCKET_OTHER;
}

void
oc_rate_org_init(oc_rate_org *o, int max_inflight)
{
	int			i;

	memset(o, 0, sizeof(*o));
	o->max_inflight = max_inflight > 0 ? max_inflight : OC_ORG_CONCURRENCY;
	for (i = 0; i < OC_NBUCKETS; i++)
	{
		o->b[i].limit = -1;
	}
}

/* what the bucket may still send this window, -1 when not known */
long
oc_rate_left(const oc_rate_bucket *bk)
{
	if (bk->limit < 0)
		return -1;
	return bk->limit - (bk->used > bk->counted ? bk->used : bk->counted);
}

/*
 * May a request of bucket b be sent now (now_ms: our clock, ms since the
 * epoch)?  0: yes, it is counted (*ticket names it for oc_rate_done);
 * otherwise how many ms to wait before asking again.
 */
long
oc_rate_admit(oc_rate_org *o, oc_bucket b, int64_t now_ms, int64_t *ticket)
{
	oc_rate_bucket *bk = &o->b[b];
	long		left;

	/* our clock stepped back: what we knew of the times is off by as much */
	if (bk->paused_until > now_ms + MAX_PAUSE_MS)
		bk->paused_until = now_ms + MAX_PAUSE_MS;
	if (bk->window_end > now_ms + MAX_WINDOW_MS)
	{
		bk->window_end = 0;
		bk->next_send = 0;
		bk->used = bk->inflight;
		bk->counted = 0;
	}
	if (now_ms < bk->paused_until)
		return (long) (bk->paused_until - now_ms);
	if (bk->window_end > 0 && now_ms >= bk->window_end)
	{
		/* the window is over: the next one holds what is still in flight */
		bk->window_end = 0;
		bk->next_send = 0;
		bk->used = bk->inflight;
		bk->counted = 0;
	}
	left = oc_rate_left(bk);
	if (left == 0 && bk->window_end == 0 && bk->inflight == 0)
	{
		/* spent in a window we never learnt the end of: replies told nothing */
		bk->used = bk->counted = 0;
		left = oc_rate_left(bk);
	}
	if (bk->limit >= 0 && left <= 0)
		return bk->window_end > 0 ? (long) (bk->window_end - now_ms) : POLL_MS;
	/*
	 * At most max_inflight at once, but never a token request held back:
	 * the requests in flight (or about to go) may be the ones waiting for
	 * it, so that a refresh held behind them would stall them all
	 */
	if (o->inflight >= o->max_inflight && b != OC_BUCKET_TOKEN)
		return POLL_MS;
	if (left > 0 && bk->window_end > 0 && bk->limit > 0)
	{
		long		floor_left = bk->limit / 10 < 2 ? 2 : bk->limit / 10;

		/* the last tenth: spread over the rest of the window */
		if (left < floor_left)
		{
			if (now_ms < bk->next_send)
				return (long) (bk->next_send - now_ms);
			bk->next_send = now_ms + (bk->window_end - now_ms) / (left + 1);
		}
	}
	bk->used++;
	bk->inflight++;
	o->inflight++;
	*ticket = ++bk->sent;
	return 0;
}

/*
 * The request admitted as ticket is over.  sent: it went out (else it is
 * given back).  r: its reply (status 0: none came), with the X-Rate-Limit-*
 * headers and Date (-1 when absent).
 */
void
oc_rate_done(oc_rate_org *o, oc_bucket b, int64_t ticket, int sent,
			 const oc_rate_reply *r, int64_t now_ms)
{
	oc_rate_bucket *bk = &o->b[b];
	int64_t		end;
	long		counted;

	(void) ticket;
	if (bk->inflight > 0)
		bk->inflight--;
	if (o->inflight > 0)
		o->inflight--;
	if (!sent)
	{
		if (bk->used > 0)
			bk->used--;
		return;
	}
	if (r == NULL || r->status <= 0)
		return;
	if (r->date > 0)
	{
		/*
		 * our clock minus Okta's, in whole seconds: Date is cut to the
		 * second, so the smallest difference seen is the closest
		 */
		long		skew = (long) (now_ms / 1000) - r->date;

		if (!o->has_skew || skew < o->skew || skew > o->skew + 2)
			o->skew = skew;
		o->has_skew = 1;
	}
	if (r->remaining >= 0 && r->reset > 0 && r->limit >= 0)
	{
		end = ((int64_t) r->reset + (o->has_skew ? o->skew : 0)) * 1000;
		if (end > now_ms + MAX_WINDOW_MS)
			end = now_ms + MAX_WINDOW_MS;
		/* what Okta has counted of this window (a 429: all of it) */
		counted = r->status == 429 ? r->limit : r->limit - r->remaining;
		if (end <= now_ms)
			;					/* that window is over */
		else if (r->status == 429 || bk->window_end == 0 ||
				 r->limit != bk->limit || end > bk->window_end + WINDOW_SLACK_MS)
		{
			/*
			 * a window we did not know (or another Limit: not the bucket we
			 * knew; or a 429: spent, whatever we thought).  What we sent
			 * since the last one ended is in it.
			 */
			bk->window_end = end;
			bk->next_send = 0;
			bk->limit = r->limit;
			bk->counted = counted;
		}
		else if (end >= bk->window_end - WINDOW_SLACK_MS)
		{
			/*
			 * the same window: Okta's count only grows; above ours, others
			 * (another app, a process without our budget) spend it too
			 */
			if (counted > bk->counted)
				bk->counted = counted;
		}
		/* else: an earlier window's reply, late */
	}
	if (r->status == 429)
	{
		/* nothing of this bucket before the reply's Reset */
		end = r->reset > 0 ? ((int64_t) r->reset + (o->has_skew ? o->skew : 0)) * 1000 : 0;
		if (end <= now_ms)
			end = now_ms + 1000;
		if (end > now_ms + MAX_PAUSE_MS)
			end = now_ms + MAX_PAUSE_MS;
		if (end > bk->paused_until)
			bk->paused_until = end;
	}
}

/* ---------- the client's budget: its own, or through the hooks ---------- */

int64_t
oc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long
oc_client_rate_admit(oc_client *c, oc_bucket b, int64_t *ticket)
{
	int64_t		now = oc_now_ms();

	if (c->rate_hooks.admit)
		return c->rate_hooks.admit(c->rate_hooks.arg, c->org_url, b, now, ticket);
	return oc_rate_admit(&c->rate, b, now, ticket);
}

void
oc_client_rate_done(oc_client *c, oc_bucket b, int64_t ticket, int sent,
					const oc_rate_reply *r)
{
	if (r && r->status > 0 && r->remaining >= 0)
		c->last_remaining = r->remaining;
	if (c->rate_hooks.done)
		c->rate_hooks.done(c->rate_hooks.arg, c->org_url, b, ticket, sent, r, oc_now_ms());
	else
		oc_rate_done(&c->rate, b, ticket, sent, r, oc_now_ms());
}

/* the budget's Limit of bucket b and what it may still send, -1 unknown */
static void
bucket_state(oc_client *c, oc_bucket b, long *limit, long *left)
{
	oc_rate_bucket bk;

	*limit = *left = -1;
	if (c->rate_hooks.admit)
	{
		if (c->rate_hooks.peek == NULL ||
			c->rate_hooks.peek(c->rate_hooks.arg, c->org_url, b, &bk) != 0)
			return;
	}
	else
		bk = c->rate.b[b];
	*limit = bk.limit;
	*left = oc_rate_left(&bk);
}

/*
 * The client is about to wait wait_ms on bucket b's rate limit: limit and
 * left from a 429's headers, or (-1) from the budget.
 */
void
oc_client_rate_wait(oc_client *c, oc_bucket b, long wait_ms, long limit, long left)
{
	oc_wait_info *w = &c->waiting;
	int64_t		now = oc_now_ms();

	if (limit < 0)
		bucket_state(c, b, &limit, &left);
	if (w->kind != OC_WAITING_RATE || w->bucket != b)
		w->since_ms = now;
	w->kind = OC_WAITING_RATE;
	w->bucket = b;
	w->limit = limit;
	w->left = left;
	w->until_ms = now + wait_ms;
	c->last_rate_wait = *w;
}

/* ... or to pause wait_ms before sending again after a failure */
void
oc_client_retry_wait(oc_client *c, long wait_ms)
{
	int64_t		now = oc_now_ms();

	memset(&c->waiting, 0, sizeof(c->waiting));
	c->waiting.kind = OC_WAITING_RETRY;
	c->waiting.limit = c->waiting.left = -1;
	c->waiting.since_ms = now;
	c->waiting.until_ms = now + wait_ms;
}

/* the wait is over: what the client waits for next is replies */
void
oc_client_wait_over(oc_client *c)
{
	c->waiting.kind = OC_WAITING_REPLY;
}

void
oc_client_waiting(const oc_client *c, oc_wait_info *w)
{
	*w = c->waiting;
}

void
oc_client_last_rate_wait(const oc_client *c, oc_wait_info *w)
{
	*w = c->last_rate_wait;
}

void
oc_set_cancelled(oc_client *c, oc_error *err)
{
	oc_set_error(err, OC_ERR_CANCELLED, "request cancelled");
	if (err && c->waiting.kind == OC_WAITING_RATE)
		oc_copy(err->rate_bucket, sizeof(err->rate_bucket),
				oc_bucket_name(c->waiting.bucket));
}

void
oc_client_set_rate_hooks(oc_client *c, const oc_rate_hooks *hooks)
{
	if (hooks)
		c->rate_hooks = *hooks;
	else
		memset(&c->rate_hooks, 0, sizeof(c->rate_hooks));
}

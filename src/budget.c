/*
 * budget.c
 *      One rate-limit budget per Okta org for the whole server.
 *
 * With oktafdw in shared_preload_libraries, the state of each org's buckets
 * (Limit, Remaining, Reset, a 429's pause) and the org's requests in flight
 * live in shared memory: a fixed table of orgs, each an oc_rate_org, under
 * one LWLock.  Every backend's clients get rate hooks that run the client
 * layer's own rule (oc_rate_admit before a request is sent, oc_rate_done
 * when it is over) on that state, so N backends together spend each
 * bucket's Remaining once and stop together at 0 or after a 429.  Without
 * preloading there is no shared memory to use and each client keeps its
 * own budget (per backend, as before).
 *
 * The hooks run inside the client layer: they take the lock, run the rule,
 * and release it; nothing here can raise an error there.  What a backend
 * holds (requests admitted and not over) is counted locally too and given
 * back when the backend exits, whatever way it goes.
 */
#include "oktafdw.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

/* orgs the table holds at once (an org with nothing in flight makes room) */
#define BUDGET_ORGS 32
#define BUDGET_URL_LEN 512

typedef struct BudgetOrg
{
	bool		used;
	char		org_url[BUDGET_URL_LEN];
	uint64		last_used;		/* BudgetShared.clock when last asked */
	oc_rate_org rate;
} BudgetOrg;

typedef struct BudgetShared
{
	LWLock	   *lock;
	uint64		clock;
	BudgetOrg	orgs[BUDGET_ORGS];
} BudgetShared;

static BudgetShared *budget = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* what this backend holds: admitted requests not over, per org and bucket */
static int	held[BUDGET_ORGS][OC_NBUCKETS];
static bool exit_registered = false;

static void
budget_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(BudgetShared)));
	RequestNamedLWLockTranche("oktafdw", 1);
}

static void
budget_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	budget = ShmemInitStruct("oktafdw rate-limit budget", sizeof(BudgetShared), &found);
	if (!found)
	{
		memset(budget, 0, sizeof(BudgetShared));
		budget->lock = &(GetNamedLWLockTranche("oktafdw"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* from _PG_init: ask for the shared memory when being preloaded */
void
okta_budget_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = budget_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = budget_shmem_startup;
}

bool
okta_budget_shared(void)
{
	return budget != NULL;
}

/* The backend exits: give back what it holds. */
static void
budget_exit(int code, Datum arg)
{
	int			i,
				b;

	if (budget == NULL)
		return;
	LWLockAcquire(budget->lock, LW_EXCLUSIVE);
	for (i = 0; i < BUDGET_ORGS; i++)
		for (b = 0; b < OC_NBUCKETS; b++)
		{
			oc_rate_org *o = &budget->orgs[i].rate;

			if (held[i][b] <= 0)
				continue;
			o->b[b].inflight = Max(o->b[b].inflight - held[i][b], 0);
			o->inflight = Max(o->inflight - held[i][b], 0);
			held[i][b] = 0;
		}
	LWLockRelease(budget->lock);
}

/*
 * The org's slot (lock held): its own, else a free one, else the one least
 * recently asked of those with nothing in flight; -1 when every slot is
 * busy (the request then goes uncounted).
 */
static int
org_slot(const char *org_url)
{
	int			i;
	int			pick = -1;

	if (strlen(org_url) >= BUDGET_URL_LEN)
		return -1;
	for (i = 0; i < BUDGET_ORGS; i++)
		if (budget->orgs[i].used && strcmp(budget->orgs[i].org_url, org_url) == 0)
			return i;
	for (i = 0; i < BUDGET_ORGS; i++)
	{
		BudgetOrg  *e = &budget->orgs[i];

		if (!e->used)
		{
			pick = i;
			break;
		}
		if (e->rate.inflight == 0 &&
			(pick < 0 || e->last_used < budget->orgs[pick].last_used))
			pick = i;
	}
	if (pick >= 0)
	{
		BudgetOrg  *e = &budget->orgs[pick];

		e->used = true;
		strlcpy(e->org_url, org_url, BUDGET_URL_LEN);
		oc_rate_org_init(&e->rate, OC_ORG_CONCURRENCY);
	}
	return pick;
}

static long
budget_admit(void *arg, const char *org_url, oc_bucket b, int64_t now_ms, int64_t *ticket)
{
	long		wait = 0;
	int			i;

	if (!exit_registered)
	{
		before_shmem_exit(budget_exit, (Datum) 0);
		exit_registered = true;
	}
	*ticket = 0;
	LWLockAcquire(budget->lock, LW_EXCLUSIVE);
	i = org_slot(org_url);
	if (i >= 0)
	{
		budget->orgs[i].last_used = ++budget->clock;
		wait = oc_rate_admit(&budget->orgs[i].rate, b, now_ms, ticket);
		if (wait == 0)
			held[i][b]++;
	}
	LWLockRelease(budget->lock);
	return wait;
}

static void
budget_done(void *arg, const char *org_url, oc_bucket b, int64_t ticket, int sent,
			const oc_rate_reply *r, int64_t now_ms)
{
	int			i;

	if (ticket == 0)
		return;					/* not counted (no slot) */
	LWLockAcquire(budget->lock, LW_EXCLUSIVE);
	for (i = 0; i < BUDGET_ORGS; i++)
		if (budget->orgs[i].used && strcmp(budget->orgs[i].org_url, org_url) == 0)
			break;
	/* held: the slot cannot have gone to another org */
	if (i < BUDGET_ORGS && held[i][b] > 0)
	{
		oc_rate_done(&budget->orgs[i].rate, b, ticket, sent, r, now_ms);
		held[i][b]--;
	}
	LWLockRelease(budget->lock);
}

/* a copy of the org's bucket, for what a wait names (oc_client_waiting) */
static int
budget_peek(void *arg, const char *org_url, oc_bucket b, oc_rate_bucket *out)
{
	int			i;
	int			r = -1;

	LWLockAcquire(budget->lock, LW_SHARED);
	for (i = 0; i < BUDGET_ORGS; i++)
		if (budget->orgs[i].used && strcmp(budget->orgs[i].org_url, org_url) == 0)
		{
			*out = budget->orgs[i].rate.b[b];
			r = 0;
			break;
		}
	LWLockRelease(budget->lock);
	return r;
}

static const oc_rate_hooks budget_hooks = {budget_admit, budget_done, NULL, budget_peek};

/* A new client: its budget is the org's shared one, when there is one. */
void
okta_budget_attach(oc_client *client)
{
	if (budget != NULL)
		oc_client_set_rate_hooks(client, &budget_hooks);
}

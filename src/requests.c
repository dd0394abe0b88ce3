/*
 * requests.c
 *      The requests a scan sends, from its push plan (deparse.c) and the
 *      values of its expressions at execution: lookups of one object by id
 *      or login, a parent's member listing, a collection listing with its
 *      `search`/`filter` expression, the System Log's bounded listing, and
 *      the fan-out's member listings.  Every target is built by the client's
 *      request builder, which also gives the form EXPLAIN shows.
 */
#include "oktafdw.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include <ctype.h>

/* ---------- execution: values to requests ---------- */

/*
 * A text value as Okta is sent it: in UTF-8, whatever the database's
 * encoding (a LATIN1 'ü' sent as %FC matches nothing at Okta).  NULL when it
 * cannot be (bytes that are not UTF-8 in a SQL_ASCII database): such a value
 * equals no Okta value, which is always UTF-8.  Every string a request
 * carries comes through here; what EXPLAIN shows goes back in
 * finish_request.
 */
static char *
utf8_value(Datum d)
{
	char	   *s = TextDatumGetCString(d);
	int			len = strlen(s);

	if (GetDatabaseEncoding() == PG_UTF8)
		return s;
	if (GetDatabaseEncoding() == PG_SQL_ASCII)
		return pg_verify_mbstr(PG_UTF8, s, len, true) ? s : NULL;
	return (char *) pg_do_encoding_conversion((unsigned char *) s, len,
											  GetDatabaseEncoding(), PG_UTF8);
}

static void
add_text(List **vals, const char *s)
{
	ListCell   *lc;

	if (s == NULL)
		return;					/* not expressible in UTF-8: equals nothing */
	foreach(lc, *vals)
	{
		if (strcmp(lfirst(lc), s) == 0)
			return;				/* IN ('a', 'a') asks once */
	}
	*vals = lappend(*vals, pstrdup(s));
}

/* the non-null strings of a text or text[] value, distinct, in UTF-8 */
static List *
text_values(const OktaValue *v, bool is_array)
{
	List	   *vals = NIL;

	if (v->isnull)
		return NIL;
	if (v->display)
	{
		vals = lappend(vals, (char *) v->display);
		return vals;
	}
	if (!is_array)
		add_text(&vals, utf8_value(v->value));
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(v->value);
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;

		if (ARR_ELEMTYPE(arr) != TEXTOID)
			return NIL;
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		for (i = 0; i < n; i++)
		{
			if (!nulls[i])
				add_text(&vals, utf8_value(elems[i]));
		}
	}
	return vals;
}

/* Okta's timestamp format, rounded so the comparison only widens */
static char *
okta_timestamp(TimestampTz ts, const char *op)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int64		usec_in_ms;

	if (TIMESTAMP_NOT_FINITE(ts))
		return NULL;
	usec_in_ms = ts % 1000;
	if (usec_in_ms < 0)
		usec_in_ms += 1000;
	if (usec_in_ms != 0)
	{
		if (strcmp(op, "eq") == 0)
			return NULL;		/* no Okta value has sub-millisecond digits */
		if (strcmp(op, "lt") == 0 || strcmp(op, "le") == 0)
			ts += 1000 - usec_in_ms;	/* round up: < and <= stay wider */
		else
			ts -= usec_in_ms;	/* round down: > and >= stay wider */
	}
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0 ||
		tm.tm_year < 1 || tm.tm_year > 9999)
		return NULL;
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
					tm.tm_sec, (int) (fsec / 1000));
}

/* the prefix of a LIKE pattern 'prefix%', or NULL; *exact when no % */
static char *
like_prefix(const char *pat, bool *exact)
{
	StringInfoData b;
	const char *p;

	initStringInfo(&b);
	for (p = pat; *p; p++)
	{
		if (*p == '\\')
		{
			if (p[1] == '\0')
				return NULL;
			appendStringInfoChar(&b, *++p);
		}
		else if (*p == '_')
			return NULL;
		else if (*p == '%')
		{
			/* only trailing %s */
			while (*p == '%')
				p++;
			if (*p != '\0' || b.len == 0)
				return NULL;
			*exact = false;
			return b.data;
		}
		else
			appendStringInfoChar(&b, *p);
	}
	*exact = true;
	return b.data;
}

static bool
safe_string(const char *s)
{
	for (; *s; s++)
	{
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/*
 * A number as an Okta literal (unquoted), from its type's output: digits,
 * a fraction, no exponent (numeric, integers and double precision's usual
 * forms; NaN, infinities and exponents are not pushed).  For an integer
 * attribute (integer) a whole number of up to 18 digits, the fraction's
 * zeros dropped.  NULL when it is none of these.
 */
static char *
number_literal(Datum d, Oid typid, bool integer)
{
	Oid			out;
	bool		isvarlena;
	char	   *s;
	char	   *p;
	char	   *dot = NULL;
	int			digits;

	getTypeOutputInfo(typid, &out, &isvarlena);
	s = OidOutputFunctionCall(out, d);
	p = s + (*s == '-');
	if (!isdigit((unsigned char) *p))
		return NULL;
	while (isdigit((unsigned char) *p))
		p++;
	digits = p - s - (*s == '-');
	if (*p == '.')
	{
		dot = p++;
		if (!isdigit((unsigned char) *p))
			return NULL;
		while (isdigit((unsigned char) *p))
			p++;
	}
	if (*p != '\0' || strlen(s) > 40)
		return NULL;
	if (!integer)
		return s;
	if (dot)
	{
		for (p = dot + 1; *p; p++)
		{
			if (*p != '0')
				return NULL;	/* no integer equals it, nor is one between */
		}
		*dot = '\0';
	}
	if (digits > 18)
		return NULL;
	if (strcmp(s, "-0") == 0)
		return "0";
	return s;
}

/*
 * A date compared with an attribute holding ISO 8601 dates (YYYY-MM-DD, a
 * time may follow): *op and the string, widened so that a value with a time
 * still matches: = is sw, <= d is lt d + 1, > d is ge d + 1.  NULL for
 * infinities and years outside 1-9999.
 */
static char *
date_literal(DateADT d, const char **op)
{
	int			y,
				m,
				day;

	if (DATE_NOT_FINITE(d))
		return NULL;
	if (strcmp(*op, "eq") == 0)
		*op = "sw";
	else if (strcmp(*op, "le") == 0 || strcmp(*op, "gt") == 0)
	{
		*op = strcmp(*op, "le") == 0 ? "lt" : "ge";
		if (d >= DATEVAL_NOEND - 1)
			return NULL;
		d++;
	}
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	if (y < 1 || y > 9999)
		return NULL;
	return psprintf("%04d-%02d-%02d", y, m, day);
}

/* one value of a custom attribute's comparison (VK_INTEGER ...), or NULL */
static oc_search *
typed_search(const char *attr, const char *op, int vk, Datum d, Oid typid)
{
	char	   *s;

	switch (vk)
	{
		case VK_INTEGER:
		case VK_NUMBER:
			s = number_literal(d, typid, vk == VK_INTEGER);
			return s ? oc_search_cmp(attr, op, s, 0) : NULL;
		case VK_BOOL:
			return oc_search_cmp(attr, op, DatumGetBool(d) ? "true" : "false", 0);
		case VK_DATE:
			s = date_literal(DatumGetDateADT(d), &op);
			return s ? oc_search_cmp(attr, op, s, 1) : NULL;
	}
	return NULL;
}

/*
 * A custom attribute's comparison: one value, or with VK_ARRAY an array's,
 * or'ed (every one must be sent: an arm left out would narrow the match)
 */
static oc_search *
build_typed(const char *attr, const char *op, int vk, const OktaValue *v, Oid typid)
{
	ArrayType  *arr;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	oc_search  *acc = NULL;

	if (!(vk & VK_ARRAY))
		return typed_search(attr, op, vk, v->value, typid);
	arr = DatumGetArrayTypeP(v->value);
	if (ARR_ELEMTYPE(arr) != typid)
		return NULL;
	get_typlenbyvalalign(typid, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, typid, typlen, typbyval, typalign, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		oc_search  *k;

		if (nulls[i])
			continue;			/* = NULL is never true */
		k = typed_search(attr, op, vk & ~VK_ARRAY, elems[i], typid);
		if (k == NULL)
		{
			oc_search_free(acc);
			return NULL;
		}
		acc = oc_search_or(acc, k);
	}
	return acc;
}

/*
 * Build the client's search tree from a pushed node and the values; NULL
 * means "no restriction" (which is always safe: the local filter decides).
 */
static oc_search *
build_search(List *node, const OktaValue *vals)
{
	int			tag = intVal(linitial(node));

	switch (tag)
	{
		case PN_AND:
		case PN_OR:
			{
				oc_search  *acc = NULL;
				ListCell   *lc;

				foreach(lc, (List *) lsecond(node))
				{
					oc_search  *k = build_search(lfirst(lc), vals);

					if (k == NULL && tag == PN_OR)
					{
						oc_search_free(acc);
						return NULL;
					}
					acc = tag == PN_AND ? oc_search_and(acc, k) : oc_search_or(acc, k);
				}
				return acc;
			}
		case PN_NOTNULL:
			/* Okta's pr (SCIM "present") leaves out "", SQL's IS NOT NULL does not */
			if (!intVal(lthird(node)))
				return oc_search_pr(strVal(lsecond(node)));
			return oc_search_or(oc_search_pr(strVal(lsecond(node))),
								oc_search_cmp(strVal(lsecond(node)), "eq", "", 1));
		case PN_CMP:
			{
				const char *attr = strVal(lsecond(node));
				const char *op = strVal(lthird(node));
				int			vk = intVal(lfourth(node));
				const OktaValue *v = &vals[intVal(list_nth(node, 4))];
				char	   *s;

				if (v->isnull || v->display)
					return NULL;
				if (list_length(node) > 5)
					return build_typed(attr, op, vk, v, (Oid) intVal(list_nth(node, 5)));
				if (vk == VK_TS)
				{
					s = okta_timestamp(DatumGetTimestampTz(v->value), op);
					return s ? oc_search_cmp(attr, op, s, 1) : NULL;
				}
				if (vk == VK_TEXT_IN)
				{
					List	   *texts = text_values(v, true);
					oc_search  *acc = NULL;
					ListCell   *lc;

					if (texts == NIL)
						return NULL;
					foreach(lc, texts)
					{
						if (!safe_string(lfirst(lc)))
						{
							oc_search_free(acc);
							return NULL;
						}
						acc = oc_search_or(acc, oc_search_cmp(attr, "eq", lfirst(lc), 1));
					}
					return acc;
				}
				s = utf8_value(v->value);
				if (s == NULL)
					return NULL;
				if (vk == VK_LIKE)
				{
					bool		exact;

					s = like_prefix(s, &exact);
					if (s == NULL)
						return NULL;
					op = exact ? "eq" : "sw";
				}
				if (!safe_string(s))
					return NULL;
				return oc_search_cmp(attr, op, s, 1);
			}
	}
	return NULL;
}

/* ---------- request building ---------- */

/*
 * The requests are built by the client's request builder (oc_request):
 * the target sent and the form EXPLAIN shows come from the same calls.
 */
static OktaRequest *
finish_request(oc_request *r, int flags, int row_filter, const char *parent_id)
{
	OktaRequest *req = palloc0(sizeof(OktaRequest));
	const char *target = oc_request_target(r);
	const char *shown = oc_request_shown(r);

	if (oc_request_failed(r))
	{
		oc_request_free(r);
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	req->target = target ? pstrdup(target) : NULL;
	/* the values in it are UTF-8 (utf8_value): shown in the database's encoding */
	req->display = pstrdup(shown);
	if (GetDatabaseEncoding() != PG_UTF8 && GetDatabaseEncoding() != PG_SQL_ASCII)
		req->display = pg_any_to_server(req->display, strlen(req->display), PG_UTF8);
	req->flags = flags;
	req->row_filter = row_filter;
	req->parent_id = parent_id ? pstrdup(parent_id) : NULL;
	oc_request_free(r);
	return req;
}

/* what a listing of kind's objects sends besides its own parameters */
typedef struct ListingOpts
{
	int			page_size;
	int			limit_hint;		/* rows a LIMIT takes, 0 if unknown */
	const char *fields;			/* projection of user objects, or NULL */
	int			omit;			/* OC_CURSOR_OMIT_* of user objects */
} ListingOpts;

/* limit, then the kind's projection; the cursor flags of such a listing */
static int
listing_tail(oc_request *r, const OktaKindDef *kind, const ListingOpts *o)
{
	int			limit = kind->page_size ? kind->page_size : o->page_size;

	if (o->limit_hint > 0 && o->limit_hint < limit)
		limit = o->limit_hint;
	if (!kind->unpaged)
		oc_request_param_int(r, "limit", limit);
	if (kind->projection && o->fields)
		oc_request_param(r, "fields", o->fields);
	/* its next page is known once its page is read: none fetched ahead */
	if (kind->body_paged)
		return OC_CURSOR_ARRAY | OC_CURSOR_VALUE;
	/* with a LIMIT, no page is fetched before it is needed */
	return OC_CURSOR_ARRAY | (o->limit_hint > 0 ? 0 : OC_CURSOR_PREFETCH) |
		(kind->projection ? o->omit : 0);
}

/* GET {collection}?{pname}={pvalue}&limit=..: a listing of kind's objects */
static OktaRequest *
listing(const OktaKindDef *kind, const ListingOpts *o, const char *pname,
		const char *pvalue, int row_filter)
{
	oc_request	r;
	int			flags;

	oc_request_init(&r, kind->collection);
	if (pname)
		oc_request_param(&r, pname, pvalue);
	flags = listing_tail(&r, kind, o);
	return finish_request(&r, flags, row_filter, NULL);
}

/* GET {collection}/{id}: one object (404: none) */
static OktaRequest *
one_object(const OktaKindDef *kind, const ListingOpts *o, const char *id, bool placeholder)
{
	oc_request	r;

	oc_request_init(&r, kind->collection);
	if (placeholder)
		oc_request_unknown(&r, id);
	else
		oc_request_segment(&r, id);
	return finish_request(&r, OC_CURSOR_MISSING_OK | (kind->projection ? o->omit : 0),
						  ROWS_ALL, NULL);
}

/*
 * GET {parent collection}/{id}{member path}: a parent's member listing of
 * table t; its rows are of kind rows_kind
 */
static OktaRequest *
member_listing(const OktaTableDef *t, const OktaKindDef *rows_kind, const char *id,
			   bool placeholder, const ListingOpts *o)
{
	oc_request	r;
	int			flags;

	oc_request_init(&r, t->parent_kind->collection);
	if (placeholder)
		oc_request_unknown(&r, id);
	else
		oc_request_segment(&r, id);
	oc_request_path(&r, t->member_path);
	flags = listing_tail(&r, rows_kind, o);
	return finish_request(&r, flags | OC_CURSOR_MISSING_OK, ROWS_ALL,
						  placeholder ? NULL : id);
}

/*
 * A member table read by fan-out lists the parents, then each parent's
 * members: the table whose member listings those are.  user_groups lists
 * the groups and their members (its rows are the groups', fanout_parent_rows):
 * group_members' listings.
 */
static const OktaTableDef *
fanout_table(OktaObject object)
{
	return okta_table(object)->fanout_parent_rows ? okta_table(OKTA_GROUP_MEMBERS)
		: okta_table(object);
}

/* the kind whose listing gives a fan-out's parents */
const OktaKindDef *
okta_fanout_kind(OktaObject object)
{
	const OktaTableDef *t = okta_table(object);

	return t->fanout_kind ? t->fanout_kind : fanout_table(object)->parent_kind;
}

/*
 * The member listing of one parent in a fan-out (the parent's id, or with
 * id NULL the {id} form EXPLAIN shows).
 */
OktaRequest *
okta_fanout_request(OktaObject object, const char *id, int page_size, const char *fields,
					int omit)
{
	const OktaTableDef *t = fanout_table(object);
	ListingOpts o = {page_size, 0, fields, omit};

	return member_listing(t, t->kind, id ? id : "id", id == NULL, &o);
}

/* Display form of a value that is not known yet (EXPLAIN without ANALYZE). */
char *
okta_value_placeholder(Node *e)
{
	while (e && IsA(e, RelabelType))
		e = (Node *) ((RelabelType *) e)->arg;
	if (IsA(e, Param) && ((Param *) e)->paramkind == PARAM_EXTERN)
		return psprintf("$%d", ((Param *) e)->paramid);
	return pstrdup("?");
}

/*
 * Okta's id format (okta-api.md, okta-samples): 20 characters, [0-9A-Za-z],
 * starting with the kind's prefix ("00u" for a user, "00g" for a group).
 * A value in any other form equals no id of the kind; the prefix also keeps
 * a 20-letter short login, which Okta would resolve in a path, from being
 * taken for an id.
 */
static bool
okta_id_format(const char *s, const OktaKindDef *kind)
{
	int			n = 0;

	if (kind->id_prefix && strncmp(s, kind->id_prefix, strlen(kind->id_prefix)) != 0)
		return false;

	for (; *s; s++, n++)
	{
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= 'a' && *s <= 'z')))
			return false;
	}
	return n == 20;
}

/*
 * A login Okta's servlet stack reads as it was written, when sent as a path
 * segment: none of ';' (a path parameter), '%', '\', '/', '?', '#', white
 * space, control characters or non-ASCII bytes, and not a dot segment.
 * Okta cannot fetch a login with '/' by path at all.
 */
static bool
login_path_ok(const char *s)
{
	const unsigned char *p;

	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (p = (const unsigned char *) s; *p; p++)
	{
		if (*p <= 0x20 || *p >= 0x7f || strchr(";%\\/?#", *p) != NULL)
			return false;
	}
	return true;
}

/*
 * The requests of a lookup: one per value (id, login, parent id).  Okta
 * resolves a path's value as an id, a login, a short login, in any case:
 * an id or parent id is only sent when it has Okta's id format, since the
 * parent-id column is filled from the request (a login there would be
 * echoed as the user's id); what a login's GET returns is rechecked
 * locally (every qual is, deparse.c), so only the exact login is a row.
 */
static List *
lookup_requests(const OktaTableDef *t, const OktaPushPlan *pp, const OktaValue *vals,
				const ListingOpts *o)
{
	const OktaValue *v = &vals[pp->lookup_expr];
	bool		placeholder = v->display != NULL;
	List	   *ids = text_values(v, pp->lookup_array);
	List	   *reqs = NIL;
	ListCell   *lc;

	foreach(lc, ids)
	{
		const char *id = lfirst(lc);

		/* an empty id would name the collection itself: it matches nothing */
		if (id[0] == '\0')
			continue;
		if (!placeholder && pp->lookup != LOOKUP_LOGIN &&
			!okta_id_format(id, pp->lookup == LOOKUP_PARENT ? t->parent_kind : t->kind))
			continue;			/* no object has such an id */
		if (pp->lookup == LOOKUP_PARENT)
			reqs = lappend(reqs, member_listing(t, t->kind, id, placeholder, o));
		else if (pp->lookup == LOOKUP_LOGIN && !placeholder && !login_path_ok(id))
		{
			/* not by path: filter for it */
			oc_buf		q;

			oc_buf_init(&q);
			oc_buf_puts(&q, "profile.login eq ");
			if (oc_search_quote(&q, id) == 0 && !q.failed)
				reqs = lappend(reqs, listing(t->kind, o, "filter", q.data, ROWS_ALL));
			oc_buf_free(&q);
		}
		else
			reqs = lappend(reqs, one_object(t->kind, o, id, placeholder));
	}
	return reqs;
}

/* the pushed search as Okta's expression (placeholders shown), or NULL */
static char *
search_expression(const OktaPushPlan *pp, const OktaValue *vals)
{
	oc_search  *s;
	char	   *expr;
	char	   *copy;

	if (pp->search == NIL)
		return NULL;
	if (vals_have_placeholders(pp, vals))
		return okta_search_display(pp->search, vals);
	s = build_search(pp->search, vals);
	expr = oc_search_render(s);
	oc_search_free(s);
	if (expr == NULL)
		return NULL;
	copy = pstrdup(expr);
	free(expr);
	return copy;
}

/* Okta keeps the System Log's events this long (okta-api.md §7) */
#define LOG_RETENTION_DAYS 90

/* a bound of since/until: a timestamp, or shown as text when not known */
typedef struct Bound
{
	bool		known;
	TimestampTz ts;
	const char *shown;
} Bound;

static void
add_bound(oc_request *r, const char *name, const Bound *b)
{
	char	   *s;

	if (!b->known)
	{
		oc_request_unknown_param(r, name, b->shown);
		return;
	}
	s = okta_timestamp(b->ts, "ge");	/* a whole millisecond: as it is */
	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for the Okta System Log")));
	oc_request_param(r, name, s);
}

/*
 * The System Log's listing: published's bounds as since (inclusive) and
 * until (exclusive), at whole milliseconds (Okta's precision) and rounded
 * so that the request only widens (every qual is rechecked); no lower bound,
 * or one older than what Okta keeps, asks for all Okta keeps (now - 90
 * days, not Okta's default of 7 days),
 * and an until is always sent (now at most), since a log query without one
 * is a poll that never ends.  NIL when no event can match.  now NULL: not
 * known yet (EXPLAIN), shown as such.
 */
static List *
log_listing(const OktaTableDef *t, const OktaPushPlan *pp, const OktaValue *vals,
			const ListingOpts *o, const TimestampTz *now, const char *filter)
{
	Bound		since = {false, 0, NULL};
	Bound		until = {false, 0, NULL};
	bool		lower_set = false;
	bool		upper_set = false;
	oc_request	r;
	ListCell   *lc;
	int			flags;

	foreach(lc, pp->bounds)
	{
		const char *op = strVal(linitial(lfirst(lc)));
		const OktaValue *v = &vals[intVal(lsecond(lfirst(lc)))];
		bool		lower = strcmp(op, "lt") != 0 && strcmp(op, "le") != 0;
		bool		upper = strcmp(op, "gt") != 0 && strcmp(op, "ge") != 0;
		TimestampTz ts,
					ms,
					u;

		if (v->isnull)
			return NIL;			/* published op NULL: no row */
		if (v->display)
		{
			/* not known yet (EXPLAIN): shown */
			if (lower && !lower_set)
				since = (Bound) {false, 0, v->display};
			if (upper && !upper_set)
				until = (Bound) {false, 0, v->display};
			lower_set |= lower;
			upper_set |= upper;
			continue;
		}
		ts = DatumGetTimestampTz(v->value);
		if (TIMESTAMP_NOT_FINITE(ts))
		{
			/* > infinity and < -infinity hold for no row; the others for all */
			if ((lower && !TIMESTAMP_IS_NOBEGIN(ts)) || (upper && TIMESTAMP_IS_NOBEGIN(ts)))
				return NIL;
			continue;
		}
		ms = ts - ((ts % 1000) + 1000) % 1000;	/* down to a whole millisecond */
		/* < ts: until ts rounded up; <= ts and = ts: until the next millisecond */
		u = (strcmp(op, "lt") == 0 && ms == ts) ? ms : ms + 1000;
		if (lower && (!lower_set || (since.known && ms > since.ts)))
			since = (Bound) {true, ms, NULL};
		if (upper && (!upper_set || (until.known && u < until.ts)))
			until = (Bound) {true, u, NULL};
		lower_set |= lower;
		upper_set |= upper;
	}
	/*
	 * Okta keeps 90 days (and refuses a since more than 180 days back): an
	 * earlier lower bound is the same as that one
	 */
	if (now && (!lower_set || (since.known &&
							   since.ts < *now - (TimestampTz) LOG_RETENTION_DAYS * USECS_PER_DAY)))
		since = (Bound) {true, *now - (TimestampTz) LOG_RETENTION_DAYS * USECS_PER_DAY, NULL};
	else if (!lower_set)
		since = (Bound) {false, 0, "now - 90 days"};
	if (now && (!upper_set || (until.known && until.ts > *now)))
		until = (Bound) {true, *now, NULL};
	else if (!upper_set)
		until = (Bound) {false, 0, "now"};
	if (since.known && until.known && since.ts >= until.ts)
		return NIL;

	oc_request_init(&r, t->kind->collection);
	add_bound(&r, "since", &since);
	add_bound(&r, "until", &until);
	if (filter)
		oc_request_param(&r, "filter", filter);
	if (pp->sort != 0)
		oc_request_param(&r, "sortOrder", pp->sort > 0 ? "ASCENDING" : "DESCENDING");
	flags = listing_tail(&r, t->kind, o);
	return list_make1(finish_request(&r, flags, ROWS_ALL, NULL));
}

/*
 * The requests of a scan, in order.  vals holds the evaluated value
 * expressions (or, for EXPLAIN, display placeholders); now is the scan's
 * start (NULL for EXPLAIN without running).  With *fanout set, the one
 * request lists groups, and each group's members are fetched in turn
 * (okta_fanout_request).
 */
List *
okta_plan_requests(OktaObject object, const OktaPushPlan *pp, const OktaValue *vals,
				   int page_size, int limit_hint, const TimestampTz *now, bool *fanout)
{
	const OktaTableDef *t = okta_table(object);
	ListingOpts o = {page_size, limit_hint, pp->fields, pp->omit};
	char	   *expr;

	*fanout = false;
	if (pp->lookup != LOOKUP_NONE)
		return lookup_requests(t, pp, vals, &o);
	if (okta_kind_bounds(t->kind))
		return log_listing(t, pp, vals, &o, now, search_expression(pp, vals));

	if (t->parent_kind)
	{
		/*
		 * Members without a parent qual: list the parents, then each one's
		 * members.  A group listing's expand=stats gives each group's member
		 * count, so that the largest groups (the longest chains of pages)
		 * start first.  Users are listed twice (the plain listing leaves
		 * DEPROVISIONED ones out), each listing keeping its own side.
		 */
		const OktaKindDef *pk = okta_fanout_kind(object);
		ListingOpts g = {page_size, 0, NULL,
		OC_CURSOR_OMIT_CREDENTIALS | OC_CURSOR_OMIT_TRANSITIONING};

		*fanout = true;
		if (pk->hidden)
			return list_make2(listing(pk, &g, NULL, NULL, ROWS_NOT_DEPROVISIONED),
							  listing(pk, &g, "filter", pk->hidden, ROWS_DEPROVISIONED));
		return list_make1(listing(pk, &g, pk->expand ? "expand" : NULL, pk->expand,
								  ROWS_ALL));
	}

	expr = search_expression(pp, vals);
	if (expr)
		return list_make1(listing(t->kind, &o, pp->use_filter ? "filter" : "search", expr,
								  ROWS_ALL));
	if (t->kind->hidden == NULL)
		return list_make1(listing(t->kind, &o, NULL, NULL, ROWS_ALL));

	/*
	 * Okta's plain user listing leaves DEPROVISIONED users out: fetch them
	 * with a second listing.  Each listing keeps only its own side of the
	 * split, so a user changing status mid-scan is not doubled.
	 */
	return list_make2(listing(t->kind, &o, NULL, NULL, ROWS_NOT_DEPROVISIONED),
					  listing(t->kind, &o, "filter", t->kind->hidden, ROWS_DEPROVISIONED));
}

bool
vals_have_placeholders(const OktaPushPlan *pp, const OktaValue *vals)
{
	int			i;

	for (i = 0; i < list_length(pp->exprs); i++)
	{
		if (vals[i].display)
			return true;
	}
	return false;
}

/* The search expression with placeholders, for EXPLAIN. */
char *
okta_search_display(List *node, const OktaValue *vals)
{
	int			tag = intVal(linitial(node));
	StringInfoData b;

	initStringInfo(&b);
	switch (tag)
	{
		case PN_AND:
		case PN_OR:
			{
				ListCell   *lc;
				bool		first = true;

				appendStringInfoChar(&b, '(');
				foreach(lc, (List *) lsecond(node))
				{
					appendStringInfo(&b, "%s%s", first ? "" : (tag == PN_AND ? " and " : " or "),
									 okta_search_display(lfirst(lc), vals));
					first = false;
				}
				appendStringInfoChar(&b, ')');
				break;
			}
		case PN_NOTNULL:
			if (!intVal(lthird(node)))
				appendStringInfo(&b, "%s pr", strVal(lsecond(node)));
			else
				appendStringInfo(&b, "(%s pr or %s eq \"\")", strVal(lsecond(node)),
								 strVal(lsecond(node)));
			break;
		case PN_CMP:
			{
				const OktaValue *v = &vals[intVal(list_nth(node, 4))];
				oc_search  *s = v->display ? NULL : build_search(node, vals);
				char	   *r = s ? oc_search_render(s) : NULL;

				if (r)
				{
					appendStringInfoString(&b, r);
					free(r);
				}
				else
					appendStringInfo(&b, "%s %s %s", strVal(lsecond(node)),
									 intVal(lfourth(node)) == VK_LIKE ? "sw" : strVal(lthird(node)),
									 v->display ? v->display : "?");
				oc_search_free(s);
				break;
			}
	}
	return b.data;
}

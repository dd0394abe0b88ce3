/*
 * jsonb_write.c
 *      jsonb (and numeric) written straight from a JSON tape, in their
 *      on-disk formats, without a JSON text to parse again or a JsonbValue
 *      tree; and a tape's strings in the database's encoding.
 *
 * The bytes written are those jsonb_in (numeric_in for a number) makes of
 * the same JSON text: the regression test jsonb_bytes compares them byte
 * for byte on generated documents (test/jsonb/oktafdw_test.c).
 *
 * jsonb's format (utils/jsonb.h): a container is a header word (count and
 * kind), one JEntry per child (an object's keys first, sorted, then their
 * values in the same order), then the children's bytes.  A JEntry holds
 * the child's kind and its length, or for every JB_OFFSET_STRIDE'th child
 * the end offset of its data; numerics and nested containers are aligned
 * to 4 bytes, the padding counted in their length.  A scalar at the top is
 * a one-element array flagged as a raw scalar.
 */
#include "postgres.h"

#include "jsonb_write.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

/* ---------- appending to a buffer ---------- */

/* append n bytes (no terminating NUL: jsonb needs none) */
static inline void
jb_append(StringInfo b, const void *s, int n)
{
	if (b->len + n >= b->maxlen)
		enlargeStringInfo(b, n);
	copy_small(b->data + b->len, s, n);
	b->len += n;
}

/* reserve n bytes, written later */
static inline int
jb_reserve(StringInfo b, int n)
{
	int			at = b->len;

	if (b->len + n >= b->maxlen)
		enlargeStringInfo(b, n);
	b->len += n;
	return at;
}

static void
jb_pad(StringInfo b)
{
	int			pad = INTALIGN(b->len) - b->len;

	if (pad > 0)
		memset(b->data + jb_reserve(b, pad), 0, pad);
}

/* ---------- strings ---------- */

const char *
okta_tape_string(const OktaTape *tp, uint32 node, int *len)
{
	const oc_jnode *nd = &tp->nodes[node];
	const char *s = tp->text + nd->off;
	int			n = nd->len;

	if (nd->escaped)
	{
		char	   *u = palloc(n + 1);

		n = (int) oc_json_unescape(s, n, u);
		u[n] = '\0';
		if (memchr(u, '\0', n) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("a string with a NUL character")));
		s = u;
	}
	if (tp->convert)
	{
		/*
		 * A converted string is NUL-terminated; one that needs no conversion
		 * (the empty string) comes back as it was, and is not
		 */
		char	   *c = pg_any_to_server(s, n, PG_UTF8);

		if (c != s)
			n = strlen(c);
		s = c;
	}
	*len = n;
	return s;
}

/*
 * A string (or key) inside a jsonb value: okta_tape_string(), with the
 * string as the value an error shows, rather than the whole jsonb value.
 */
static const char *
jb_string(const OktaTape *tp, uint32 node, int *len)
{
	uint32		outer;
	const char *str;

	if (tp->shown == NULL)
		return okta_tape_string(tp, node, len);
	outer = *tp->shown;
	*tp->shown = node;
	str = okta_tape_string(tp, node, len);
	*tp->shown = outer;
	return str;
}

/* ---------- numeric ---------- */

/*
 * numeric's "short" on-disk format (utils/adt/numeric.c; unchanged since
 * PostgreSQL 9.1, as pg_upgrade requires): after the varlena header a
 * 16-bit header with the sign, the display scale and the weight, then
 * base-10000 digits without leading or trailing zero digits.
 */
#define NUM_SHORT				0x8000
#define NUM_SHORT_NEG			0x2000
#define NUM_SHORT_DSCALE_SHIFT	7
#define NUM_SHORT_DSCALE_MAX	63
#define NUM_SHORT_WEIGHT_NEG	0x0040
#define NUM_SHORT_WEIGHT_MASK	0x003F
#define NUM_SHORT_WEIGHT_MIN	(-64)
#define NUM_SHORT_WEIGHT_MAX	63
#define NUM_FAST_DIGITS			40

/*
 * A JSON number of the plain forms Okta sends ("-12", "194.88") in the
 * short format, appended to b; false (nothing written) for anything else
 * (exponents, many digits).
 */
static bool
numeric_short(StringInfo b, const char *s, int len)
{
	char		digs[NUM_FAST_DIGITS + 8];
	uint16		groups[NUM_FAST_DIGITS / 4 + 2];
	bool		neg = false;
	int			nint,
				nfrac = 0,
				padl,
				ngroups,
				weight,
				first,
				last,
				n,
				i,
				at;
	uint16		header;

	if (len > 0 && s[0] == '-')
	{
		neg = true;
		s++;
		len--;
	}
	for (nint = 0; nint < len && s[nint] >= '0' && s[nint] <= '9'; nint++)
		;
	if (nint < len)
	{
		if (s[nint] != '.')
			return false;		/* an exponent */
		nfrac = len - nint - 1;
		for (i = nint + 1; i < len; i++)
			if (s[i] < '0' || s[i] > '9')
				return false;
	}
	if (nint == 0 || nint + nfrac > NUM_FAST_DIGITS || nfrac > NUM_SHORT_DSCALE_MAX)
		return false;
	/* the digits, padded with zeros so that the point falls between groups */
	padl = (4 - nint % 4) % 4;
	memset(digs, '0', sizeof(digs));
	memcpy(digs + padl, s, nint);
	if (nfrac > 0)
		memcpy(digs + padl + nint, s + nint + 1, nfrac);
	ngroups = (padl + nint + nfrac + 3) / 4;
	weight = (padl + nint) / 4 - 1;
	for (i = 0; i < ngroups; i++)
	{
		const char *g = digs + 4 * i;

		groups[i] = (uint16) ((g[0] - '0') * 1000 + (g[1] - '0') * 100 +
							  (g[2] - '0') * 10 + (g[3] - '0'));
	}
	for (first = 0; first < ngroups && groups[first] == 0; first++)
		weight--;
	for (last = ngroups; last > first && groups[last - 1] == 0; last--)
		;
	n = last - first;
	if (n == 0)
	{
		weight = 0;				/* zero: positive, weight 0 */
		neg = false;
	}
	if (weight < NUM_SHORT_WEIGHT_MIN || weight > NUM_SHORT_WEIGHT_MAX)
		return false;
	header = NUM_SHORT | (neg ? NUM_SHORT_NEG : 0) |
		(uint16) (nfrac << NUM_SHORT_DSCALE_SHIFT) |
		(weight < 0 ? NUM_SHORT_WEIGHT_NEG : 0) | (uint16) (weight & NUM_SHORT_WEIGHT_MASK);
	at = jb_reserve(b, VARHDRSZ + sizeof(uint16) * (1 + n));
	SET_VARSIZE(b->data + at, VARHDRSZ + sizeof(uint16) * (1 + n));
	memcpy(b->data + at + VARHDRSZ, &header, sizeof(uint16));
	memcpy(b->data + at + VARHDRSZ + sizeof(uint16), groups + first, sizeof(uint16) * n);
	return true;
}

bool
okta_numeric_append(StringInfo b, const char *num, int len)
{
	Numeric		v;

	if (numeric_short(b, num, len))
		return true;
	v = DatumGetNumeric(DirectFunctionCall3(numeric_in,
											CStringGetDatum(pnstrdup(num, len)),
											ObjectIdGetDatum(InvalidOid),
											Int32GetDatum(-1)));
	jb_append(b, v, VARSIZE_ANY(v));
	return false;
}

/* ---------- jsonb ---------- */

/* an object's key, in the sorting path */
typedef struct JbKey
{
	uint64		k;				/* sort_key() */
	const char *s;
	int			len;
	int			order;			/* as sent */
	uint32		value;			/* the value's node */
} JbKey;

/*
 * jsonb's key order: shorter keys first, then bytewise; for equal keys the
 * later one first (it is the one kept).  The sort key packs the length and
 * the first seven bytes, so that most comparisons are one integer's.
 */
static inline uint64
sort_key(const char *s, int len)
{
	uint64		k = (uint64) len << 56;
	int			i;

	if (len >= 255)
		return PG_UINT64_MAX;	/* long keys: compared in full */
	for (i = 0; i < 7 && i < len; i++)
		k |= (uint64) (unsigned char) s[i] << (8 * (6 - i));
	return k;
}

/* jsonb's order of two keys: the sort keys, then the lengths, then bytes */
static inline int
jb_key_order(uint64 ka, const char *a, int alen, uint64 kb, const char *b, int blen)
{
	if (ka != kb)
		return ka < kb ? -1 : 1;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static inline int
jbkey_cmp(const JbKey *a, const JbKey *b)
{
	int			c = jb_key_order(a->k, a->s, a->len, b->k, b->s, b->len);

	if (c != 0)
		return c;
	return a->order > b->order ? -1 : 1;
}

static void jb_container(const OktaTape *tp, uint32 node, StringInfo b, JbKeyOrder *order,
						 int marked);

/* write a value; its JEntry (kind and length, padding included) */
static uint32
jb_value(const OktaTape *tp, uint32 node, StringInfo b)
{
	const oc_jnode *nd = &tp->nodes[node];
	int			start = b->len;

	switch ((oc_jtype) nd->type)
	{
		case OC_JNULL:
			return JENTRY_ISNULL;
		case OC_JTRUE:
			return JENTRY_ISBOOL_TRUE;
		case OC_JFALSE:
			return JENTRY_ISBOOL_FALSE;
		case OC_JNUMBER:
			jb_pad(b);
			okta_numeric_append(b, tp->text + nd->off, nd->len);
			return JENTRY_ISNUMERIC | (uint32) (b->len - start);
		case OC_JSTRING:
			{
				/* escaped or to be converted (jb_value_fast takes the rest) */
				int			len;
				const char *str = jb_string(tp, node, &len);

				jb_append(b, str, len);
				return JENTRY_ISSTRING | (uint32) len;
			}
		case OC_JARRAY:
		case OC_JOBJECT:
			jb_pad(b);
			jb_container(tp, node, b, NULL, -1);
			return JENTRY_ISCONTAINER | (uint32) (b->len - start);
	}
	return JENTRY_ISNULL;		/* not reached */
}

/* jb_value, with the common cases (a plain string, null) inline */
static inline uint32
jb_value_fast(const OktaTape *tp, uint32 node, StringInfo b)
{
	const oc_jnode *nd = &tp->nodes[node];

	if (nd->type == OC_JSTRING && !nd->escaped && !tp->convert)
	{
		jb_append(b, tp->text + nd->off, nd->len);
		return JENTRY_ISSTRING | nd->len;
	}
	if (nd->type == OC_JNULL)
		return JENTRY_ISNULL;
	return jb_value(tp, node, b);
}

/* store child i's JEntry: its length, or every stride'th its end offset */
static inline void
jb_entry(StringInfo b, int jentries, int i, uint32 meta, uint32 *totallen)
{
	*totallen += meta & JENTRY_OFFLENMASK;
	if (i % JB_OFFSET_STRIDE == 0)
		meta = (meta & JENTRY_TYPEMASK) | *totallen | JENTRY_HAS_OFF;
	memcpy(b->data + jentries + sizeof(JEntry) * i, &meta, sizeof(JEntry));
}

JbKeyOrder *
okta_jb_order_new(void)
{
	JbKeyOrder *o = palloc(sizeof(JbKeyOrder));

	o->nkeys = 0;
	o->stamp = 0;
	o->nbytes = 0;
	memset(o->hash, 0, sizeof(o->hash));
	o->tag_of = NULL;
	o->tag_arg = NULL;
	o->marked_row = 0;
	o->marked_node = 0;
	o->marked_n = 0;
	return o;
}

int
okta_jb_order_add(JbKeyOrder *o, const char *s, int len)
{
	uint64		k = sort_key(s, len);
	int			pos;
	int			i;

	if (o->nkeys == JB_ORDER_MAX_KEYS || o->nbytes + len > JB_ORDER_MAX_BYTES)
		return -1;
	for (pos = o->nkeys; pos > 0; pos--)
	{
		JbKnownKey *kk = &o->keys[pos - 1];

		if (jb_key_order(kk->k, o->bytes + kk->off, kk->len, k, s, len) < 0)
			break;
	}
	memmove(&o->keys[pos + 1], &o->keys[pos], sizeof(JbKnownKey) * (o->nkeys - pos));
	o->keys[pos].k = k;
	o->keys[pos].off = o->nbytes;
	o->keys[pos].len = len;
	o->keys[pos].stamp = 0;
	o->keys[pos].value = 0;
	o->keys[pos].tag = o->tag_of ? o->tag_of(o->tag_arg, s, len) : NULL;
	memcpy(o->bytes + o->nbytes, s, len);
	o->nbytes += len;
	o->nkeys++;
	/* indexes moved: hash them again */
	memset(o->hash, 0, sizeof(o->hash));
	for (i = 0; i < o->nkeys; i++)
	{
		JbKnownKey *kk = &o->keys[i];
		uint32		h = kk->len > 0 ?
			key_hash(o->bytes + kk->off, kk->len) & (JB_ORDER_HASH - 1) : 0;

		while (o->hash[h] != 0)
			h = (h + 1) & (JB_ORDER_HASH - 1);
		o->hash[h] = (int16) (i + 1);
	}
	return pos;
}

/*
 * Mark the keys of object node among the known ones (adding new ones),
 * each with its value (a later duplicate's replaces the earlier's); the
 * distinct keys, or -1 if one is escaped or there is no room.
 */
static int
jb_order_mark(const OktaTape *tp, uint32 node, JbKeyOrder *o)
{
	const oc_jnode *t = tp->nodes;
	uint32		k;
	int			distinct = 0;

	jb_order_new_object(o);
	for (k = node + 1; k < t[node].end; k = t[k + 1].end)
		if (jb_order_mark_key(o, &t[k], tp->text, k + 1, &distinct) == NULL)
			return -1;
	return distinct;
}

/* an object's members in jsonb's order: the known keys, those marked */
static void
jb_object_known(const OktaTape *tp, StringInfo b, JbKeyOrder *order, int n)
{
	uint32		vals[JB_ORDER_MAX_KEYS];
	uint32		header = (uint32) n | JB_FOBJECT;
	uint32		totallen = 0;
	int			jentries;
	int			i = 0;
	int			j;

	jb_append(b, &header, sizeof(header));
	jentries = jb_reserve(b, sizeof(JEntry) * n * 2);
	for (j = 0; i < n; j++)
	{
		JbKnownKey *kk = &order->keys[j];

		if (kk->stamp != order->stamp)
			continue;
		jb_append(b, order->bytes + kk->off, kk->len);
		jb_entry(b, jentries, i, JENTRY_ISSTRING | (uint32) kk->len, &totallen);
		vals[i++] = kk->value;
	}
	for (i = 0; i < n; i++)
		jb_entry(b, jentries, i + n, jb_value_fast(tp, vals[i], b), &totallen);
}

/*
 * An object's members in jsonb's order, sorted here: insertion sort
 * (objects are small), then of keys sent twice the later one kept
 */
static void
jb_object_sorted(const OktaTape *tp, uint32 node, StringInfo b)
{
	const oc_jnode *t = tp->nodes;
	int			cnt = (int) t[node].count;
	JbKey	   *keys = palloc(sizeof(JbKey) * Max(cnt, 1));
	uint32		header;
	uint32		totallen = 0;
	int			jentries;
	bool		sorted = true;
	uint32		k;
	int			n = 0;
	int			i,
				j;

	for (k = node + 1; k < t[node].end; k = t[k + 1].end)
	{
		JbKey	   *key = &keys[n];

		key->s = jb_string(tp, k, &key->len);
		key->k = sort_key(key->s, key->len);
		key->order = n;
		key->value = k + 1;
		if (n > 0 && sorted && jbkey_cmp(&keys[n - 1], key) > 0)
			sorted = false;
		n++;
	}
	if (!sorted)
	{
		for (i = 1; i < n; i++)
		{
			JbKey		x = keys[i];

			for (j = i - 1; j >= 0 && jbkey_cmp(&keys[j], &x) > 0; j--)
				keys[j + 1] = keys[j];
			keys[j + 1] = x;
		}
		for (i = 1, j = 1; i < n; i++)
		{
			if (keys[i].len == keys[j - 1].len &&
				memcmp(keys[i].s, keys[j - 1].s, keys[i].len) == 0)
				continue;		/* the first of a run is the last sent */
			keys[j++] = keys[i];
		}
		if (n > 0)
			n = j;
	}
	header = (uint32) n | JB_FOBJECT;
	jb_append(b, &header, sizeof(header));
	jentries = jb_reserve(b, sizeof(JEntry) * n * 2);
	for (i = 0; i < n; i++)
	{
		jb_append(b, keys[i].s, keys[i].len);
		jb_entry(b, jentries, i, JENTRY_ISSTRING | (uint32) keys[i].len, &totallen);
	}
	for (i = 0; i < n; i++)
		jb_entry(b, jentries, i + n, jb_value_fast(tp, keys[i].value, b), &totallen);
	pfree(keys);
}

static void
jb_container(const OktaTape *tp, uint32 node, StringInfo b, JbKeyOrder *order, int marked)
{
	const oc_jnode *t = tp->nodes;
	const oc_jnode *nd = &t[node];

	if (nd->type == OC_JARRAY)
	{
		int			n = (int) nd->count;
		uint32		header = (uint32) n | JB_FARRAY;
		uint32		totallen = 0;
		int			jentries;
		uint32		k;
		int			i = 0;

		jb_append(b, &header, sizeof(header));
		jentries = jb_reserve(b, sizeof(JEntry) * n);
		for (k = node + 1; k < nd->end; k = t[k].end, i++)
			jb_entry(b, jentries, i, jb_value_fast(tp, k, b), &totallen);
	}
	else if (order && (marked >= 0 || (marked = jb_order_mark(tp, node, order)) >= 0))
		jb_object_known(tp, b, order, marked);
	else
		jb_object_sorted(tp, node, b);
}

Datum
okta_jsonb_from_tape(const OktaTape *tp, uint32 node, JbKeyOrder *order, int marked)
{
	const oc_jnode *nd = &tp->nodes[node];
	StringInfoData b;
	Size		guess;

	/*
	 * Room for the whole value up front, mostly: its JSON text bounds the
	 * strings, and 16 bytes a value the JEntries, numerics and padding.
	 */
	guess = (Size) nd->len + (Size) 16 * (nd->end - node) + 64;
	b.maxlen = (int) Min(guess, (Size) 1024 * 1024);
	b.data = palloc(b.maxlen);
	b.len = VARHDRSZ;			/* the varlena header, set below */
	b.cursor = 0;
	if (nd->type == OC_JOBJECT || nd->type == OC_JARRAY)
		jb_container(tp, node, &b, nd->type == OC_JOBJECT ? order : NULL, marked);
	else
	{
		/* a scalar: a one-element array flagged as a raw scalar */
		uint32		header = 1 | JB_FARRAY | JB_FSCALAR;
		uint32		totallen = 0;
		int			jentries;

		jb_append(&b, &header, sizeof(header));
		jentries = jb_reserve(&b, sizeof(JEntry));
		jb_entry(&b, jentries, 0, jb_value_fast(tp, node, &b), &totallen);
	}

	/*
	 * A container's children fill at most the whole value: if that fits a
	 * JEntry's offset, so does every container's (jsonb_in's limit too).
	 */
	if (b.len - VARHDRSZ > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jsonb value of %d bytes exceeds the maximum of %d bytes",
						b.len - VARHDRSZ, JENTRY_OFFLENMASK)));
	SET_VARSIZE(b.data, b.len);
	return PointerGetDatum(b.data);
}

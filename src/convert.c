/*
 * convert.c
 *      From Okta JSON objects (nodes of a page's tape) to PostgreSQL rows.
 *
 * Which field a column reads is tables.c's rule (okta_column_info): its
 * `path` option (dotted JSON path), else its name in camelCase, looked up
 * at the top level and then under `profile`.  The declared type decides the
 * conversion.
 *
 * Everything about a column is worked out once per scan: the fields the
 * columns read form a small tree of hashed keys (FieldSet), each field a
 * slot.  Per row, one walk over the object's members (and into the nested
 * objects some column reads, e.g. profile) drops each wanted value's node
 * into its slot; then each column converts its slot.  Strings are read in
 * place from the page's text (unescaped only when they hold escapes), and
 * jsonb values are built straight from the tape, without a JSON text to
 * parse again.
 */
#include "oktafdw.h"

#include <limits.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

typedef enum ColSource
{
	SRC_PATH,					/* a dotted path: the path option, a
								 * member's id */
	SRC_NAME,					/* camelCase: top level, then profile */
	SRC_PARENT_ID				/* the id of the scan's parent object */
} ColSource;

typedef enum ColKind
{
	KIND_TIMESTAMPTZ,			/* Okta's fixed format parsed directly */
	KIND_TEXT,
	KIND_BOOL,
	KIND_INT2,
	KIND_INT4,
	KIND_INT8,
	KIND_JSONB,					/* built from the tape */
	KIND_JSON,					/* the JSON text, via input */
	KIND_ARRAY,
	KIND_INPUT					/* anything else: the type's input function */
} ColKind;

/*
 * The keys a jsonb column's objects held so far in this scan, kept in
 * jsonb's key order, with a hash table over them.  Okta's objects of a kind
 * (a profile: the org's schema) draw their keys from a small set, so after
 * the first rows every key is known: an object's keys are then looked up,
 * marked, and read off in order by one walk over the known keys, instead of
 * being sorted row after row.  A key not seen before is put in its place
 * (rare after the first rows); an object with an escaped key, or more keys
 * than fit, takes the sorting path.
 */
#define JB_ORDER_MAX_KEYS	256
#define JB_ORDER_MAX_BYTES	8192
#define JB_ORDER_HASH		1024	/* a power of 2, > 2 * JB_ORDER_MAX_KEYS */

typedef struct JbKnownKey
{
	uint64		k;				/* sort_key() */
	int			off;			/* in bytes[] */
	int			len;
	uint32		stamp;			/* == JbKeyOrder.stamp: in the current object */
	uint32		value;			/* then: its value's node */
	struct FieldKey *fk;		/* the field of JbKeyOrder.fs it is, or NULL */
} JbKnownKey;

typedef struct JbKeyOrder
{
	int			nkeys;
	uint32		stamp;			/* per object */
	JbKnownKey	keys[JB_ORDER_MAX_KEYS];	/* in jsonb's order */
	int16		hash[JB_ORDER_HASH];	/* index + 1 into keys, 0 = empty */
	char		bytes[JB_ORDER_MAX_BYTES];
	int			nbytes;

	/*
	 * When other columns read fields of the same object (a profile jsonb
	 * and the profile's columns), the row reader marks its keys here while
	 * it looks them up for those (fs: their fields), and the jsonb writer
	 * uses those marks: one lookup per key, not two.
	 */
	const struct FieldSet *fs;
	uint64		marked_row;		/* OktaRowMap.row of the marks, 0 = none */
	uint32		marked_node;	/* the object marked */
	int			marked_n;		/* its distinct keys */
} JbKeyOrder;

typedef struct OktaColumn
{
	AttrNumber	attnum;
	char	   *name;
	ColSource	source;
	int			slot;			/* SRC_PATH: the field; SRC_NAME: at the top */
	int			slot2;			/* SRC_NAME: under profile */
	ColKind		kind;
	Oid			typid;
	int32		typmod;
	FmgrInfo	infunc;
	Oid			ioparam;
	JbKeyOrder *order;			/* jsonb: the keys its objects hold */
	/* arrays */
	ColKind		elemkind;
	Oid			elemtype;
	FmgrInfo	eleminfunc;
	Oid			elemioparam;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
} OktaColumn;

/* the fields wanted from one JSON object, hashed by key */
typedef struct FieldSet FieldSet;

/*
 * The key the last object had at a member position, and its field: Okta
 * sends the members of every object of a kind in the same order, so the
 * key at a position is mostly the one there last time, found by one
 * comparison instead of a hash lookup.
 */
#define PRED_POSITIONS	32
#define PRED_KEY_MAX	32
typedef struct FieldPred
{
	int			len;			/* -1: nothing there yet */
	struct FieldKey *fk;		/* NULL: a key no column reads */
	char		key[PRED_KEY_MAX];
} FieldPred;

typedef struct FieldKey
{
	char	   *key;
	int			len;
	int			slot;
	FieldSet   *sub;			/* fields wanted inside this one's object */
} FieldKey;

struct FieldSet
{
	FieldKey  **keys;
	int			nkeys;
	int			maxkeys;
	FieldKey  **hash;			/* open addressing, NULL = empty */
	int			mask;
	int			slot_lo;		/* the slots of everything below */
	int			slot_hi;
	JbKeyOrder *order;			/* a jsonb column of this object, if any */
	FieldPred  *pred;			/* PRED_POSITIONS of them */
};

struct OktaRowMap
{
	OktaColumn *cols;
	int			ncols;
	FieldSet   *root;
	int			nslots;
	uint32	   *slots;			/* per row: value node of each field, 0 =
								 * missing */
	int			id_slot;
	int			status_slot;
	bool		convert_encoding;	/* the database is not UTF-8 */
	/* the object resolved last */
	const char *text;
	const oc_jnode *nodes;
	/* a scratch buffer for escaped keys */
	char		keybuf[256];
	/* memory for the current row's values (see row_alloc) */
	char	   *arena;
	Size		arena_left;
	uint64		row;			/* counts okta_row_resolve calls */
};

#define ROW_ARENA	2048

static ColKind
kind_of(Oid typid)
{
	switch (typid)
	{
		case TEXTOID:
			return KIND_TEXT;
		case TIMESTAMPTZOID:
			return KIND_TIMESTAMPTZ;
		case BOOLOID:
			return KIND_BOOL;
		case INT2OID:
			return KIND_INT2;
		case INT4OID:
			return KIND_INT4;
		case INT8OID:
			return KIND_INT8;
		case JSONOID:
			return KIND_JSON;
		case JSONBOID:
			return KIND_JSONB;
		default:
			return KIND_INPUT;
	}
}

static int
digits(const char *s, int n)
{
	int			v = 0;

	while (n-- > 0)
	{
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/*
 * Okta writes every timestamp as YYYY-MM-DDTHH:MM:SS.mmmZ (UTC): turn that
 * into a TimestampTz without the general input function (a good part of a
 * row's cost).  False for anything else, which then takes the general path.
 */
static bool
okta_timestamp_fast(const char *s, int len, TimestampTz *out)
{
	int			y,
				mo,
				d,
				h,
				mi,
				sec,
				ms;

	if (len != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
		s[16] != ':' || s[19] != '.' || s[23] != 'Z')
		return false;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	ms = digits(s + 20, 3);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > day_tab[isleap(y)][mo - 1] ||
		h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0)
		return false;
	*out = ((TimestampTz) (date2j(y, mo, d) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY) +
		(((TimestampTz) h * 60 + mi) * 60 + sec) * USECS_PER_SEC + (TimestampTz) ms * 1000;
	return true;
}

/* ---------- the fields a scan reads ---------- */

static FieldSet *
fieldset_new(void)
{
	FieldSet   *fs = palloc0(sizeof(FieldSet));
	int			i;

	fs->maxkeys = 8;
	fs->keys = palloc(sizeof(FieldKey *) * fs->maxkeys);
	fs->pred = palloc(sizeof(FieldPred) * PRED_POSITIONS);
	for (i = 0; i < PRED_POSITIONS; i++)
		fs->pred[i].len = -1;
	return fs;
}

static FieldKey *
fieldset_want(OktaRowMap *m, FieldSet *fs, const char *key)
{
	int			len = strlen(key);
	int			i;
	FieldKey   *fk;

	for (i = 0; i < fs->nkeys; i++)
		if (fs->keys[i]->len == len && memcmp(fs->keys[i]->key, key, len) == 0)
			return fs->keys[i];
	if (fs->nkeys == fs->maxkeys)
	{
		fs->maxkeys *= 2;
		fs->keys = repalloc(fs->keys, sizeof(FieldKey *) * fs->maxkeys);
	}
	fk = palloc(sizeof(FieldKey));
	fs->keys[fs->nkeys++] = fk;
	fk->key = pstrdup(key);
	fk->len = len;
	fk->slot = m->nslots++;
	fk->sub = NULL;
	return fk;
}

/*
 * Copy n bytes: most values and keys are short, and a call to memcpy for
 * each cost more than the copying; up to 16 bytes move as two overlapping
 * words, without a call.
 */
static inline void
copy_small(char *dst, const char *src, int n)
{
	if (n > 16)
		memcpy(dst, src, n);
	else if (n >= 8)
	{
		uint64		a,
					b;

		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	}
	else if (n >= 4)
	{
		uint32		a,
					b;

		memcpy(&a, src, 4);
		memcpy(&b, src + n - 4, 4);
		memcpy(dst, &a, 4);
		memcpy(dst + n - 4, &b, 4);
	}
	else
		while (n-- > 0)
			*dst++ = *src++;
}

/*
 * Are n bytes at a and b the same?  Keys are short: up to 16 bytes are
 * compared as two overlapping words each way, without a call.
 */
static inline bool
bytes_eq(const char *a, const char *b, int n)
{
	if (n >= 8)
	{
		uint64		x,
					y,
					x2,
					y2;

		if (n > 16)
			return memcmp(a, b, n) == 0;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&x2, a + n - 8, 8);
		memcpy(&y2, b + n - 8, 8);
		return ((x ^ y) | (x2 ^ y2)) == 0;
	}
	if (n >= 4)
	{
		uint32		x,
					y,
					x2,
					y2;

		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		memcpy(&x2, a + n - 4, 4);
		memcpy(&y2, b + n - 4, 4);
		return ((x ^ y) | (x2 ^ y2)) == 0;
	}
	while (n-- > 0)
		if (*a++ != *b++)
			return false;
	return true;
}

static inline uint32
key_hash(const char *k, int len)
{
	/* keys differ mostly in length and their first and last letters */
	return (uint32) len * 131u + (unsigned char) k[0] * 31u +
		(unsigned char) k[len - 1] * 7u + (len > 2 ? (unsigned char) k[len / 2] : 0);
}

/*
 * Number the slots depth first, so that everything below a set is one
 * range (cleared when a duplicate key replaces an object), and build the
 * hash tables.
 */
static void
fieldset_finish(OktaRowMap *m, FieldSet *fs, int *next)
{
	int			size = 16;
	int			i;

	while (size < fs->nkeys * 3)
		size *= 2;
	fs->mask = size - 1;
	fs->hash = palloc0(sizeof(FieldKey *) * size);
	fs->slot_lo = *next;
	for (i = 0; i < fs->nkeys; i++)
	{
		FieldKey   *fk = fs->keys[i];
		uint32		h = fk->len > 0 ? key_hash(fk->key, fk->len) & fs->mask : 0;

		while (fs->hash[h] != NULL)
			h = (h + 1) & fs->mask;
		fs->hash[h] = fk;
	}
	for (i = 0; i < fs->nkeys; i++)
	{
		FieldKey   *fk = fs->keys[i];

		fk->slot = (*next)++;
		if (fk->sub)
			fieldset_finish(m, fk->sub, next);
	}
	fs->slot_hi = *next;
}

static inline FieldKey *
fieldset_find(const FieldSet *fs, const char *k, int len)
{
	uint32		h;
	FieldKey   *fk;

	if (len == 0)
	{
		int			e;

		for (e = 0; e < fs->nkeys; e++)
			if (fs->keys[e]->len == 0)
				return fs->keys[e];
		return NULL;
	}
	h = key_hash(k, len) & fs->mask;
	while ((fk = fs->hash[h]) != NULL)
	{
		if (fk->len == len && bytes_eq(fk->key, k, len))
			return fk;
		h = (h + 1) & fs->mask;
	}
	return NULL;
}

/* the slot of a dotted path's last field */
static FieldKey *
want_path(OktaRowMap *m, char **path, int npath)
{
	FieldSet   *fs = m->root;
	FieldKey   *fk = NULL;
	int			i;

	for (i = 0; i < npath; i++)
	{
		fk = fieldset_want(m, fs, path[i]);
		if (i + 1 < npath)
		{
			if (fk->sub == NULL)
				fk->sub = fieldset_new();
			fs = fk->sub;
		}
	}
	return fk;
}

static FieldKey *
want_key(OktaRowMap *m, const char *k1, const char *k2)
{
	char	   *path[2];

	path[0] = (char *) k1;
	path[1] = (char *) k2;
	return want_path(m, path, k2 ? 2 : 1);
}

OktaRowMap *
okta_rowmap_prepare(Relation rel, OktaObject object, Bitmapset *attrs_used)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	OktaRowMap *m = palloc0(sizeof(OktaRowMap));
	FieldKey  **slot1 = palloc0(sizeof(FieldKey *) * Max(tupdesc->natts, 1));
	FieldKey  **slot2 = palloc0(sizeof(FieldKey *) * Max(tupdesc->natts, 1));
	FieldKey   *idk,
			   *statusk;
	int			n = 0;
	int			next = 0;
	int			i;

	m->root = fieldset_new();
	m->cols = palloc0(sizeof(OktaColumn) * Max(tupdesc->natts, 1));
	m->convert_encoding = GetDatabaseEncoding() != PG_UTF8 &&
		GetDatabaseEncoding() != PG_SQL_ASCII;
	/* every row's id (for messages) and status (the DEPROVISIONED split) */
	idk = want_key(m, "id", NULL);
	statusk = want_key(m, "status", NULL);

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		OktaColumn *c;
		OktaColumnInfo info;
		Oid			infunc;

		if (att->attisdropped)
			continue;
		if (!bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber, attrs_used) &&
			!bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used))
			continue;
		c = &m->cols[n];
		c->attnum = att->attnum;
		c->name = pstrdup(NameStr(att->attname));
		c->typid = att->atttypid;
		c->typmod = att->atttypmod;
		okta_column_info(RelationGetRelid(rel), object, att->attnum, &info);
		if (info.role == COL_PARENT_ID)
			c->source = SRC_PARENT_ID;
		else if (info.name_key)
		{
			c->source = SRC_NAME;
			slot1[n] = want_key(m, info.name_key, NULL);
			slot2[n] = want_key(m, "profile", info.name_key);
		}
		else
		{
			char	  **parts = palloc(sizeof(char *) * (strlen(info.path) + 1));
			int			nparts = 0;
			char	   *tok;
			char	   *save = NULL;

			c->source = SRC_PATH;
			for (tok = strtok_r(info.path, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
				parts[nparts++] = tok;
			if (nparts == 0)
				continue;		/* the validator refuses such a path */
			slot1[n] = want_path(m, parts, nparts);
		}

		c->kind = kind_of(c->typid);
		if (c->kind == KIND_JSONB && !m->convert_encoding)
		{
			c->order = palloc(sizeof(JbKeyOrder));
			c->order->nkeys = 0;
			c->order->stamp = 0;
			c->order->nbytes = 0;
			c->order->fs = NULL;
			c->order->marked_row = 0;
			memset(c->order->hash, 0, sizeof(c->order->hash));
		}
		if (c->kind == KIND_INPUT && type_is_array(c->typid))
		{
			Oid			elemin;

			c->kind = KIND_ARRAY;
			c->elemtype = get_element_type(c->typid);
			c->elemkind = kind_of(c->elemtype);
			get_typlenbyvalalign(c->elemtype, &c->elmlen, &c->elmbyval, &c->elmalign);
			getTypeInputInfo(c->elemtype, &elemin, &c->elemioparam);
			fmgr_info(elemin, &c->eleminfunc);
		}
		getTypeInputInfo(c->typid, &infunc, &c->ioparam);
		fmgr_info(infunc, &c->infunc);
		n++;
	}
	m->ncols = n;

	/* slots are numbered now; the columns take theirs */
	fieldset_finish(m, m->root, &next);
	m->nslots = next;
	m->slots = palloc0(sizeof(uint32) * Max(next, 1));
	for (i = 0; i < n; i++)
	{
		OktaColumn *c = &m->cols[i];

		c->slot = slot1[i] ? slot1[i]->slot : -1;
		c->slot2 = slot2[i] ? slot2[i]->slot : -1;
		/* a jsonb of an object whose fields other columns read */
		if (c->order && slot1[i] && slot1[i]->sub && slot1[i]->sub->order == NULL)
		{
			slot1[i]->sub->order = c->order;
			c->order->fs = slot1[i]->sub;
		}
	}
	m->id_slot = idk->slot;
	m->status_slot = statusk->slot;
	return m;
}

/* ---------- per row ---------- */

static void jb_order_new_object(JbKeyOrder *o);
static inline JbKnownKey *jb_order_mark_key(JbKeyOrder *o, const oc_jnode *key, const char *text,
											uint32 value, int *distinct);

static void
resolve_object(OktaRowMap *m, FieldSet *fs, uint32 obj)
{
	const oc_jnode *t = m->nodes;
	const char *text = m->text;
	uint32		end = t[obj].end;
	uint32		k;
	JbKeyOrder *o = fs->order;
	int			distinct = 0;
	int			pos = 0;

	if (o)
	{
		jb_order_new_object(o);
		o->marked_row = 0;
	}
	for (k = obj + 1; k < end; k = t[k + 1].end, pos++)
	{
		const char *key = text + t[k].off;
		int			len = t[k].len;
		FieldKey   *fk;

		if (o)
		{
			/* the key's field, and a mark for the object's jsonb */
			JbKnownKey *kk = jb_order_mark_key(o, &t[k], text, k + 1, &distinct);

			if (kk)
			{
				fk = kk->fk;
				goto found;
			}
			o = NULL;			/* no marks for this object: the writer's own */
		}
		if (t[k].escaped)
		{
			/* unescaped it is never longer; long ones (rare) get their own */
			char	   *buf = len <= (int) sizeof(m->keybuf) ? m->keybuf : palloc(len);

			len = (int) oc_json_unescape(key, len, buf);
			key = buf;
			fk = fieldset_find(fs, key, len);
		}
		else if (pos < PRED_POSITIONS)
		{
			FieldPred  *p = &fs->pred[pos];

			if (p->len == len && bytes_eq(p->key, key, len))
				fk = p->fk;
			else
			{
				fk = fieldset_find(fs, key, len);
				if (len <= PRED_KEY_MAX)
				{
					memcpy(p->key, key, len);
					p->len = len;
					p->fk = fk;
				}
			}
		}
		else
			fk = fieldset_find(fs, key, len);
found:
		if (fk == NULL)
			continue;
		if (fk->sub)
		{
			/* a later duplicate key replaces all of the earlier value */
			if (m->slots[fk->slot] != 0)
				memset(m->slots + fk->sub->slot_lo, 0,
					   sizeof(uint32) * (fk->sub->slot_hi - fk->sub->slot_lo));
			if (t[k + 1].type == OC_JOBJECT)
				resolve_object(m, fk->sub, k + 1);
		}
		m->slots[fk->slot] = k + 1;
	}
	if (o)
	{
		o->marked_row = m->row;
		o->marked_node = obj;
		o->marked_n = distinct;
	}
}

void
okta_row_resolve(OktaRowMap *m, const oc_page *page, uint32 obj)
{
	m->text = oc_page_text(page);
	m->nodes = oc_page_nodes(page);
	memset(m->slots, 0, sizeof(uint32) * m->nslots);
	m->row++;
	resolve_object(m, m->root, obj);
}

bool
okta_row_deprovisioned(OktaRowMap *m)
{
	uint32		s = m->slots[m->status_slot];
	const oc_jnode *nd = &m->nodes[s];

	return s != 0 && nd->type == OC_JSTRING && nd->len == 13 &&
		memcmp(m->text + nd->off, "DEPROVISIONED", 13) == 0;
}

/* a JSON value's text as Okta sent it, at most maxlen bytes (for messages) */
char *
okta_json_text(const char *text, const oc_jnode *nodes, uint32 node, int maxlen)
{
	const oc_jnode *nd = &nodes[node];
	const char *s = text + nd->off;
	int			len = nd->len;
	bool		str = nd->type == OC_JSTRING;
	StringInfoData b;

	if (str)
	{
		s--;					/* the quotes too */
		len += 2;
	}
	initStringInfo(&b);
	if (len > maxlen)
		len = pg_encoding_mbcliplen(PG_UTF8, s, len, maxlen - 3);
	if (GetDatabaseEncoding() == PG_UTF8)
		appendBinaryStringInfo(&b, s, len);
	else
	{
		/*
		 * Messages are in the database's encoding, which may not hold every
		 * character (the value shown may be the one that failed to convert):
		 * non-ASCII characters are shown as JSON \u escapes, which is still
		 * the same JSON value.
		 */
		int			i = 0;

		while (i < len)
		{
			unsigned char c = (unsigned char) s[i];
			int			n = pg_utf_mblen((const unsigned char *) s + i);
			pg_wchar	u;

			if (c < 0x80 || i + n > len)
			{
				appendStringInfoChar(&b, (char) c);
				i++;
				continue;
			}
			u = utf8_to_unicode((const unsigned char *) s + i);
			if (u > 0xFFFF)
				appendStringInfo(&b, "\\u%04X\\u%04X", (unsigned) (0xD800 + ((u - 0x10000) >> 10)),
								 (unsigned) (0xDC00 + ((u - 0x10000) & 0x3FF)));
			else
				appendStringInfo(&b, "\\u%04X", (unsigned) u);
			i += n;
		}
	}
	if (nd->len + (str ? 2 : 0) > maxlen)
		appendStringInfoString(&b, "...");
	return b.data;
}

char *
okta_json_cstring(const char *text, const oc_jnode *nodes, uint32 node)
{
	const oc_jnode *nd = &nodes[node];
	char	   *s;
	int			len;

	if (node == 0 || nd->type != OC_JSTRING)
		return NULL;
	s = palloc(nd->len + 1);
	len = (int) oc_json_unescape(text + nd->off, nd->len, s);
	s[len] = '\0';
	if (strlen(s) != (size_t) len)
	{
		pfree(s);
		return NULL;
	}
	return s;
}

char *
okta_row_object_id(const OktaRowContext *ctx)
{
	char	   *id = okta_json_cstring(ctx->text, ctx->nodes, ctx->id);

	return id ? id : pstrdup("?");
}

pg_noreturn static void
bad_value(OktaRowContext *ctx, const char *why);

static void
bad_value(OktaRowContext *ctx, const char *why)
{
	char	   *v = okta_json_text(ctx->text, ctx->nodes, ctx->value, 200);
	const char *column = ctx->column;

	/* tells the row builder that this error needs no rewording */
	ctx->column = NULL;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid value for column \"%s\" of foreign table \"%s\"",
					column, ctx->table),
			 errdetail("Okta object \"%s\" has %s: %s.",
					   okta_row_object_id(ctx), v, why)));
}

/*
 * A string node's value: in place when it has no escapes (*len set; not
 * NUL-terminated), else unescaped into palloc'd memory.  A NUL inside is an
 * error (PostgreSQL text cannot hold it); so is anything the database
 * encoding cannot represent.
 */
static const char *
string_value(OktaRowMap *m, uint32 node, int *len, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];
	const char *s = m->text + nd->off;
	int			n = nd->len;

	if (nd->escaped)
	{
		char	   *u = palloc(n + 1);

		n = (int) oc_json_unescape(s, n, u);
		u[n] = '\0';
		if (memchr(u, '\0', n) != NULL)
			bad_value(ctx, "a string with a NUL character");
		s = u;
	}
	if (m->convert_encoding)
	{
		char	   *c = pg_any_to_server(s, n, PG_UTF8);

		s = c;
		n = strlen(c);
	}
	*len = n;
	return s;
}

/* a scalar's text, NUL-terminated (strings unquoted) */
static char *
scalar_cstring(OktaRowMap *m, uint32 node, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];

	if (nd->type == OC_JSTRING)
	{
		int			len;
		const char *s = string_value(m, node, &len, ctx);

		return pnstrdup(s, len);
	}
	return pnstrdup(m->text + nd->off, nd->len);
}

/*
 * Memory for a value of the row being filled: carved from blocks allocated
 * in the row's (per-tuple) memory context, one palloc for many values.
 */
static inline void *
row_alloc(OktaRowMap *m, Size size)
{
	void	   *p;

	size = MAXALIGN(size);
	if (size > m->arena_left)
	{
		if (size > ROW_ARENA / 4)
			return palloc(size);
		m->arena = palloc(ROW_ARENA);
		m->arena_left = ROW_ARENA;
	}
	p = m->arena;
	m->arena += size;
	m->arena_left -= size;
	return p;
}

static Datum
row_text(OktaRowMap *m, const char *s, int len)
{
	text	   *t = row_alloc(m, len + VARHDRSZ);

	SET_VARSIZE(t, len + VARHDRSZ);
	copy_small(VARDATA(t), s, len);
	return PointerGetDatum(t);
}

/* text: strings unquoted, anything else as its JSON text */
static Datum
text_datum(OktaRowMap *m, uint32 node, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];
	int			len;
	const char *s;

	if (nd->type == OC_JSTRING)
		s = string_value(m, node, &len, ctx);
	else
	{
		s = m->text + nd->off;
		len = nd->len;
		if (m->convert_encoding && nd->type >= OC_JARRAY)
		{
			s = pg_any_to_server(s, len, PG_UTF8);
			len = strlen(s);
		}
	}
	return row_text(m, s, len);
}

/* an integer: digits only (Okta's JSON integers), in range */
static Datum
int_datum(ColKind kind, OktaRowMap *m, uint32 node, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];
	const char *s = m->text + nd->off;
	int			len = nd->len;
	int			i = 0;
	bool		neg = false;
	uint64		v = 0;
	int64		r;

	if (s[0] == '-')
	{
		neg = true;
		i = 1;
	}
	for (; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			bad_value(ctx, "expected an integer");
		if (v > (PG_UINT64_MAX - 9) / 10)
			bad_value(ctx, "integer out of range");
		v = v * 10 + (s[i] - '0');
	}
	if ((!neg && v > (uint64) PG_INT64_MAX) || (neg && v > (uint64) PG_INT64_MAX + 1))
		bad_value(ctx, "integer out of range");
	r = neg ? (int64) (0 - v) : (int64) v;
	if ((kind == KIND_INT2 && (r < PG_INT16_MIN || r > PG_INT16_MAX)) ||
		(kind == KIND_INT4 && (r < PG_INT32_MIN || r > PG_INT32_MAX)))
		bad_value(ctx, "integer out of range");
	if (kind == KIND_INT2)
		return Int16GetDatum((int16) r);
	if (kind == KIND_INT4)
		return Int32GetDatum((int32) r);
	return Int64GetDatum(r);
}

/* ---------- jsonb straight from the tape ---------- */

/*
 * jsonb written straight from the tape in jsonb's on-disk format (see
 * utils/jsonb.h): a container is a header word (count and kind), one JEntry
 * per child (an object's keys first, sorted, then their values), then the
 * children's bytes.  A JEntry holds the child's kind and its length, or
 * for every JB_OFFSET_STRIDE'th child the end offset of its data; numerics
 * and nested containers are aligned to 4 bytes, the padding counted in
 * their length.  The same bytes as JsonbValueToJsonb would build (the
 * regression tests compare with jsonb_in), without a JsonbValue tree.
 */
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

/*
 * A string (or key) inside a jsonb value: string_value(), with a bad one
 * shown in an error rather than the whole value.
 */
static const char *
jb_string_value(OktaRowMap *m, uint32 node, int *len, OktaRowContext *ctx)
{
	uint32		outer = ctx->value;
	const char *str;

	ctx->value = node;
	str = string_value(m, node, len, ctx);
	ctx->value = outer;
	return str;
}

static void jb_container(OktaRowMap *m, uint32 node, StringInfo b, OktaRowContext *ctx,
						 JbKeyOrder *order);

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
 * Append a JSON number of the plain forms Okta sends ("-12", "194.88")
 * as numeric_in would make it; false (nothing written) for anything else
 * (exponents, many digits), which takes numeric_in.
 */
static bool
jb_numeric(const char *s, int len, StringInfo b)
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

/* write a value; its JEntry (kind and length, padding included) */
static uint32
jb_value(OktaRowMap *m, uint32 node, StringInfo b, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];
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
			{
				Numeric		num;

				jb_pad(b);
				if (!jb_numeric(m->text + nd->off, nd->len, b))
				{
					num = DatumGetNumeric(
						DirectFunctionCall3(numeric_in,
											CStringGetDatum(pnstrdup(m->text + nd->off, nd->len)),
											ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
					jb_append(b, num, VARSIZE_ANY(num));
				}
				return JENTRY_ISNUMERIC | (uint32) (b->len - start);
			}
		case OC_JSTRING:
			{
				/* escaped or to be converted (jb_value_fast takes the rest) */
				int			len;
				const char *str = jb_string_value(m, node, &len, ctx);

				jb_append(b, str, len);
				return JENTRY_ISSTRING | (uint32) len;
			}
		case OC_JARRAY:
		case OC_JOBJECT:
			jb_pad(b);
			jb_container(m, node, b, ctx, NULL);
			return JENTRY_ISCONTAINER | (uint32) (b->len - start);
	}
	return JENTRY_ISNULL;		/* not reached */
}

/* jb_value, with the common cases (a plain string, null) inline */
static inline uint32
jb_value_fast(OktaRowMap *m, uint32 node, StringInfo b, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];

	if (nd->type == OC_JSTRING && !nd->escaped && !m->convert_encoding)
	{
		jb_append(b, m->text + nd->off, nd->len);
		return JENTRY_ISSTRING | nd->len;
	}
	if (nd->type == OC_JNULL)
		return JENTRY_ISNULL;
	return jb_value(m, node, b, ctx);
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

/* a known key's index, or -1 */
static inline int
jb_order_find(const JbKeyOrder *o, const char *s, int len)
{
	uint32		h = len > 0 ? key_hash(s, len) & (JB_ORDER_HASH - 1) : 0;
	int			e;

	while ((e = o->hash[h]) != 0)
	{
		const JbKnownKey *kk = &o->keys[e - 1];

		if (kk->len == len && bytes_eq(o->bytes + kk->off, s, len))
			return e - 1;
		h = (h + 1) & (JB_ORDER_HASH - 1);
	}
	return -1;
}

/* a new key, put in its place; its index, or -1 when there is no room */
static int
jb_order_add(JbKeyOrder *o, const char *s, int len)
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
	o->keys[pos].fk = o->fs ? fieldset_find(o->fs, s, len) : NULL;
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

/* a new object's marks: a stamp no key holds */
static void
jb_order_new_object(JbKeyOrder *o)
{
	if (++o->stamp == 0)
	{
		int			i;

		for (i = 0; i < o->nkeys; i++)
			o->keys[i].stamp = 0;
		o->stamp = 1;
	}
}

/*
 * Mark one member's key among the known ones (adding it if new), with its
 * value node (a later duplicate's replaces the earlier's), counting it in
 * *distinct the first time in this object; NULL if the key is escaped or
 * there is no room.
 */
static inline JbKnownKey *
jb_order_mark_key(JbKeyOrder *o, const oc_jnode *key, const char *text, uint32 value,
				  int *distinct)
{
	const char *s = text + key->off;
	int			len = (int) key->len;
	int			idx;
	JbKnownKey *kk;

	if (key->escaped)
		return NULL;
	idx = jb_order_find(o, s, len);
	if (idx < 0 && (idx = jb_order_add(o, s, len)) < 0)
		return NULL;
	kk = &o->keys[idx];
	if (kk->stamp != o->stamp)
	{
		kk->stamp = o->stamp;
		(*distinct)++;
	}
	kk->value = value;
	return kk;
}

/*
 * Mark the keys of object node among the known ones (adding new ones),
 * each with its value (a later duplicate's replaces the earlier's); false
 * if one is escaped or there is no room.  *n: the distinct keys.
 */
static bool
jb_order_mark(OktaRowMap *m, uint32 node, JbKeyOrder *o, int *n)
{
	const oc_jnode *t = m->nodes;
	uint32		k;
	int			distinct = 0;

	jb_order_new_object(o);
	for (k = node + 1; k < t[node].end; k = t[k + 1].end)
		if (jb_order_mark_key(o, &t[k], m->text, k + 1, &distinct) == NULL)
			return false;
	*n = distinct;
	return true;
}

static void
jb_container(OktaRowMap *m, uint32 node, StringInfo b, OktaRowContext *ctx, JbKeyOrder *order)
{
	const oc_jnode *t = m->nodes;
	const oc_jnode *nd = &t[node];
	uint32		header;
	uint32		totallen = 0;
	int			jentries;
	uint32		k;
	int			i = 0;
	int			n;

	if (nd->type == OC_JARRAY)
	{
		n = (int) nd->count;
		header = (uint32) n | JB_FARRAY;
		jb_append(b, &header, sizeof(header));
		jentries = jb_reserve(b, sizeof(JEntry) * n);
		for (k = node + 1; k < nd->end; k = t[k].end, i++)
			jb_entry(b, jentries, i, jb_value_fast(m, k, b, ctx), &totallen);
	}
	else if (order && ((order->marked_row == m->row && order->marked_row != 0 &&
						order->marked_node == node && (n = order->marked_n, true)) ||
					   jb_order_mark(m, node, order, &n)))
	{
		/* the known keys in order, those of this object marked */
		uint32		vals[JB_ORDER_MAX_KEYS];
		int			j;

		header = (uint32) n | JB_FOBJECT;
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
			jb_entry(b, jentries, i + n, jb_value_fast(m, vals[i], b, ctx), &totallen);
	}
	else
	{
		int			cnt = (int) nd->count;
		JbKey	   *keys = palloc(sizeof(JbKey) * Max(cnt, 1));
		int			j;
		bool		sorted = true;

		n = 0;
		for (k = node + 1; k < nd->end; k = t[k + 1].end)
		{
			JbKey	   *key = &keys[n];

			key->s = jb_string_value(m, k, &key->len, ctx);
			key->k = sort_key(key->s, key->len);
			key->order = n;
			key->value = k + 1;
			if (n > 0 && sorted && jbkey_cmp(&keys[n - 1], key) > 0)
				sorted = false;
			n++;
		}
		if (!sorted)
		{
			/* insertion sort (objects are small), then drop duplicate keys */
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
					continue;	/* the first of a run is the last sent */
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
			int			start = b->len;

			jb_append(b, keys[i].s, keys[i].len);
			jb_entry(b, jentries, i, JENTRY_ISSTRING | (uint32) (b->len - start), &totallen);
		}
		for (i = 0; i < n; i++)
			jb_entry(b, jentries, i + n, jb_value_fast(m, keys[i].value, b, ctx), &totallen);
	}
}

static Datum
jsonb_datum(OktaRowMap *m, uint32 node, OktaRowContext *ctx, JbKeyOrder *order)
{
	const oc_jnode *nd = &m->nodes[node];
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
		jb_container(m, node, &b, ctx, nd->type == OC_JOBJECT ? order : NULL);
	else
	{
		/* a scalar is kept as a one-element array flagged as a raw scalar */
		uint32		header = 1 | JB_FARRAY | JB_FSCALAR;
		uint32		totallen = 0;
		int			jentries;

		jb_append(&b, &header, sizeof(header));
		jentries = jb_reserve(&b, sizeof(JEntry));
		jb_entry(&b, jentries, 0, jb_value_fast(m, node, &b, ctx), &totallen);
	}
	SET_VARSIZE(b.data, b.len);
	return PointerGetDatum(b.data);
}

static Datum
convert_scalar(ColKind kind, Oid typid, FmgrInfo *infunc, Oid ioparam,
			   int32 typmod, JbKeyOrder *order, OktaRowMap *m, uint32 node, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];
	oc_jtype	t = (oc_jtype) nd->type;

	switch (kind)
	{
		case KIND_TIMESTAMPTZ:
			/* Okta's own format was tried by convert_value: the input function */
			if (t == OC_JOBJECT || t == OC_JARRAY)
				bad_value(ctx, "expected a scalar");
			break;
		case KIND_TEXT:
			return text_datum(m, node, ctx);
		case KIND_BOOL:
			if (t == OC_JTRUE || t == OC_JFALSE)
				return BoolGetDatum(t == OC_JTRUE);
			if (t != OC_JSTRING)
				bad_value(ctx, "expected a boolean");
			break;
		case KIND_INT2:
		case KIND_INT4:
		case KIND_INT8:
			if (t == OC_JNUMBER)
				return int_datum(kind, m, node, ctx);
			if (t != OC_JSTRING)
				bad_value(ctx, "expected an integer");
			break;
		case KIND_JSONB:
			return jsonb_datum(m, node, ctx, order);
		case KIND_JSON:
			return InputFunctionCall(infunc, okta_json_text(m->text, m->nodes, node, INT_MAX),
									 ioparam, typmod);
		default:
			if (t == OC_JOBJECT || t == OC_JARRAY)
				bad_value(ctx, "expected a scalar");
			break;
	}
	return InputFunctionCall(infunc, scalar_cstring(m, node, ctx), ioparam, typmod);
}

/*
 * convert_scalar, with the most common cases inline: a plain string into
 * text (in place, into the row's block) and an Okta timestamp
 */
static inline Datum
convert_value(ColKind kind, Oid typid, FmgrInfo *infunc, Oid ioparam,
			  int32 typmod, JbKeyOrder *order, OktaRowMap *m, uint32 node, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];

	if (nd->type == OC_JSTRING && !nd->escaped)
	{
		TimestampTz ts;

		if (kind == KIND_TEXT && !m->convert_encoding)
			return row_text(m, m->text + nd->off, nd->len);
		if (kind == KIND_TIMESTAMPTZ && okta_timestamp_fast(m->text + nd->off, nd->len, &ts))
			return TimestampTzGetDatum(ts);
	}
	return convert_scalar(kind, typid, infunc, ioparam, typmod, order, m, node, ctx);
}

static Datum
convert_array(OktaColumn *c, OktaRowMap *m, uint32 node, OktaRowContext *ctx)
{
	const oc_jnode *t = m->nodes;
	int			n,
				i = 0;
	uint32		k;
	Datum	   *elems;
	bool	   *enulls;
	int			dims[1];
	int			lbs[1] = {1};

	if (t[node].type != OC_JARRAY)
		bad_value(ctx, "expected a JSON array");
	n = (int) t[node].count;
	if (n == 0)
		return PointerGetDatum(construct_empty_array(c->elemtype));
	elems = palloc(sizeof(Datum) * n);
	enulls = palloc(sizeof(bool) * n);
	for (k = node + 1; k < t[node].end; k = t[k].end, i++)
	{
		enulls[i] = (t[k].type == OC_JNULL);
		elems[i] = enulls[i] ? (Datum) 0 :
			convert_value(c->elemkind, c->elemtype, &c->eleminfunc,
						  c->elemioparam, -1, NULL, m, k, ctx);
	}
	dims[0] = n;
	return PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
											  c->elemtype, c->elmlen,
											  c->elmbyval, c->elmalign));
}

void
okta_row_fill(OktaRowMap *m, TupleDesc tupdesc, const char *parent_id,
			  Datum *values, bool *nulls, OktaRowContext *ctx)
{
	int			i;

	memset(nulls, true, sizeof(bool) * tupdesc->natts);
	m->arena_left = 0;			/* the last row's blocks are gone */
	ctx->text = m->text;
	ctx->nodes = m->nodes;
	ctx->id = m->slots[m->id_slot];

	for (i = 0; i < m->ncols; i++)
	{
		OktaColumn *c = &m->cols[i];
		uint32		v = 0;
		int			idx = c->attnum - 1;

		switch (c->source)
		{
			case SRC_PARENT_ID:
				if (parent_id)
				{
					values[idx] = row_text(m, parent_id, strlen(parent_id));
					nulls[idx] = false;
				}
				continue;
			case SRC_PATH:
				if (c->slot >= 0)
					v = m->slots[c->slot];
				break;
			case SRC_NAME:
				/* a top-level field, even null, hides the profile's */
				v = m->slots[c->slot];
				if (v == 0)
					v = m->slots[c->slot2];
				break;
		}
		if (v == 0 || m->nodes[v].type == OC_JNULL)	/* missing, or JSON null */
			continue;
		ctx->column = c->name;
		ctx->value = v;
		if (c->kind == KIND_ARRAY)
			values[idx] = convert_array(c, m, v, ctx);
		else
			values[idx] = convert_value(c->kind, c->typid, &c->infunc, c->ioparam,
										c->typmod, c->order, m, v, ctx);
		nulls[idx] = false;
	}
	ctx->column = NULL;
	ctx->value = 0;
}

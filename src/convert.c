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
 * parse again (jsonb_write.c).  An error in a column's conversion is worded
 * by the row's error-context callback (fill_row in oktafdw.c).
 */
#include "oktafdw.h"

#include <limits.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "jsonb_write.h"

typedef enum ColSource
{
	SRC_PATH,					/* a dotted path: the path option, a
								 * member's id */
	SRC_NAME,					/* camelCase: top level, then profile */
	SRC_PARENT_ID,				/* the id of the scan's parent object */
	SRC_OBJECT					/* the whole object */
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
	/*
	 * A column read by its name (no path option) whose field the kind does
	 * not list: the camelCase of its name, until a row has such a field
	 * (okta_rowmap_report)
	 */
	char	   *unseen;
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
	uint32		object;			/* the object's node */
	const OktaKindDef *kind;	/* whose secrets are never shown */
	/* what no row had (OktaColumn.unseen) */
	OktaObject	table;
	int			nunseen;		/* columns with unseen set */
	uint64		filled;			/* rows filled */
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

/* a jsonb column's key-order table tags each key with its field (or NULL) */
static void *
order_tag(void *fs, const char *key, int len)
{
	return fieldset_find(fs, key, len);
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
	m->kind = okta_table(object)->kind;
	m->cols = palloc0(sizeof(OktaColumn) * Max(tupdesc->natts, 1));
	m->convert_encoding = GetDatabaseEncoding() != PG_UTF8 &&
		GetDatabaseEncoding() != PG_SQL_ASCII;
	m->table = object;
	/* every row's id (for messages) and status (the DEPROVISIONED split) */
	idk = want_key(m, okta_table(object)->kind->id_field, NULL);
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
		if (info.secret)
			continue;			/* a secret: NULL */
		if (info.role == COL_FIELD && info.def == NULL && info.name_key)
		{
			c->unseen = pstrdup(info.name_key);
			m->nunseen++;
		}
		if (info.role == COL_PARENT_ID)
			c->source = SRC_PARENT_ID;
		else if (info.role == COL_OBJECT)
			c->source = SRC_OBJECT;
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
			c->order = okta_jb_order_new();
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
			c->order->tag_of = order_tag;
			c->order->tag_arg = slot1[i]->sub;
		}
	}
	m->id_slot = idk->slot;
	m->status_slot = statusk->slot;
	return m;
}

/* ---------- per row ---------- */

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
				fk = kk->tag;
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
	m->object = obj;
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

/*
 * A value the column's type cannot take.  The message is only the reason:
 * the row's error-context callback (fill_row in oktafdw.c) makes it the
 * detail of an error naming the table, column, Okta object and value, as
 * it does with an input function's error.
 */
pg_noreturn static void
bad_value(const char *why);

static void
bad_value(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg_internal("%s", why)));
}

/* the row's tape, for the readers of jsonb_write.c */
static inline OktaTape
row_tape(OktaRowMap *m, OktaRowContext *ctx)
{
	OktaTape	tp;

	tp.text = m->text;
	tp.nodes = m->nodes;
	tp.convert = m->convert_encoding;
	tp.shown = &ctx->value;
	return tp;
}

/* a string node's value (okta_tape_string) */
static const char *
string_value(OktaRowMap *m, uint32 node, int *len, OktaRowContext *ctx)
{
	OktaTape	tp = row_tape(m, ctx);

	return okta_tape_string(&tp, node, len);
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
int_datum(ColKind kind, OktaRowMap *m, uint32 node)
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
			bad_value("expected an integer");
		if (v > (PG_UINT64_MAX - 9) / 10)
			bad_value("integer out of range");
		v = v * 10 + (s[i] - '0');
	}
	if ((!neg && v > (uint64) PG_INT64_MAX) || (neg && v > (uint64) PG_INT64_MAX + 1))
		bad_value("integer out of range");
	r = neg ? (int64) (0 - v) : (int64) v;
	if ((kind == KIND_INT2 && (r < PG_INT16_MIN || r > PG_INT16_MAX)) ||
		(kind == KIND_INT4 && (r < PG_INT32_MIN || r > PG_INT32_MAX)))
		bad_value("integer out of range");
	if (kind == KIND_INT2)
		return Int16GetDatum((int16) r);
	if (kind == KIND_INT4)
		return Int32GetDatum((int32) r);
	return Int64GetDatum(r);
}

/* ---------- secrets ---------- */

/* is object member key node k one of the kind's secrets? */
static bool
secret_member(OktaRowMap *m, uint32 k)
{
	const oc_jnode *nd = &m->nodes[k];

	if (nd->escaped)
	{
		char	   *buf = palloc(nd->len + 1);
		int			len = (int) oc_json_unescape(m->text + nd->off, nd->len, buf);
		bool		r = okta_secret_key(m->kind, buf, len);

		pfree(buf);
		return r;
	}
	return okta_secret_key(m->kind, m->text + nd->off, nd->len);
}

/* does a JSON object or array hold a secret member, at any depth? */
static bool
holds_secret(OktaRowMap *m, uint32 node)
{
	const oc_jnode *t = m->nodes;
	uint32		k;

	if (t[node].type == OC_JOBJECT)
	{
		for (k = node + 1; k < t[node].end; k = t[k + 1].end)
		{
			if (secret_member(m, k) || holds_secret(m, k + 1))
				return true;
		}
	}
	else if (t[node].type == OC_JARRAY)
	{
		for (k = node + 1; k < t[node].end; k = t[k].end)
		{
			if (holds_secret(m, k))
				return true;
		}
	}
	return false;
}

/* a JSON value's text without its secret members (UTF-8, as Okta sent it) */
static void
append_without_secrets(StringInfo b, OktaRowMap *m, uint32 node)
{
	const oc_jnode *t = m->nodes;
	uint32		k;
	bool		first = true;

	check_stack_depth();
	switch (t[node].type)
	{
		case OC_JOBJECT:
			appendStringInfoChar(b, '{');
			for (k = node + 1; k < t[node].end; k = t[k + 1].end)
			{
				if (secret_member(m, k))
					continue;
				if (!first)
					appendStringInfoChar(b, ',');
				first = false;
				appendBinaryStringInfo(b, m->text + t[k].off - 1, t[k].len + 2);
				appendStringInfoChar(b, ':');
				append_without_secrets(b, m, k + 1);
			}
			appendStringInfoChar(b, '}');
			break;
		case OC_JARRAY:
			appendStringInfoChar(b, '[');
			for (k = node + 1; k < t[node].end; k = t[k].end)
			{
				if (!first)
					appendStringInfoChar(b, ',');
				first = false;
				append_without_secrets(b, m, k);
			}
			appendStringInfoChar(b, ']');
			break;
		case OC_JSTRING:
			appendBinaryStringInfo(b, m->text + t[node].off - 1, t[node].len + 2);
			break;
		default:
			appendBinaryStringInfo(b, m->text + t[node].off, t[node].len);
			break;
	}
}

/*
 * An object or array holding secrets, as a value of a column of kind kind:
 * its JSON text without them, through the type's input (jsonb, json, text);
 * any other type takes no object or array.
 */
static Datum
convert_without_secrets(ColKind kind, FmgrInfo *infunc, Oid ioparam, int32 typmod,
						OktaRowMap *m, uint32 node)
{
	StringInfoData b;
	char	   *s;

	initStringInfo(&b);
	append_without_secrets(&b, m, node);
	s = pg_any_to_server(b.data, b.len, PG_UTF8);
	switch (kind)
	{
		case KIND_JSONB:
			return DirectFunctionCall1(jsonb_in, CStringGetDatum(s));
		case KIND_JSON:
			return InputFunctionCall(infunc, s, ioparam, typmod);
		case KIND_TEXT:
			return PointerGetDatum(cstring_to_text(s));
		default:
			bad_value("expected a scalar");
	}
	return (Datum) 0;
}

static Datum
convert_scalar(ColKind kind, Oid typid, FmgrInfo *infunc, Oid ioparam,
			   int32 typmod, JbKeyOrder *order, OktaRowMap *m, uint32 node, OktaRowContext *ctx)
{
	const oc_jnode *nd = &m->nodes[node];
	oc_jtype	t = (oc_jtype) nd->type;

	if (m->kind->secrets && (t == OC_JOBJECT || t == OC_JARRAY) && holds_secret(m, node))
		return convert_without_secrets(kind, infunc, ioparam, typmod, m, node);
	switch (kind)
	{
		case KIND_TIMESTAMPTZ:
			/* Okta's own format was tried by convert_value: the input function */
			if (t == OC_JOBJECT || t == OC_JARRAY)
				bad_value("expected a scalar");
			break;
		case KIND_TEXT:
			return text_datum(m, node, ctx);
		case KIND_BOOL:
			if (t == OC_JTRUE || t == OC_JFALSE)
				return BoolGetDatum(t == OC_JTRUE);
			if (t != OC_JSTRING)
				bad_value("expected a boolean");
			break;
		case KIND_INT2:
		case KIND_INT4:
		case KIND_INT8:
			if (t == OC_JNUMBER)
				return int_datum(kind, m, node);
			if (t != OC_JSTRING)
				bad_value("expected an integer");
			break;
		case KIND_JSONB:
			{
				OktaTape	tp = row_tape(m, ctx);

				/* the row reader's marks, if they are of this object */
				return okta_jsonb_from_tape(&tp, node, order,
											(order && order->marked_row == m->row &&
											 order->marked_row != 0 &&
											 order->marked_node == node) ?
											order->marked_n : -1);
			}
		case KIND_JSON:
			return InputFunctionCall(infunc, okta_json_text(m->text, m->nodes, node, INT_MAX),
									 ioparam, typmod);
		default:
			if (t == OC_JOBJECT || t == OC_JARRAY)
				bad_value("expected a scalar");
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
		bad_value("expected a JSON array");
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
	m->filled++;

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
			case SRC_OBJECT:
				v = m->object;	/* node 0 when the page is the object */
				break;
		}
		if (unlikely(m->nunseen > 0) && v != 0 && c->unseen)
		{
			c->unseen = NULL;	/* the field is there, if null */
			m->nunseen--;
		}
		if ((v == 0 && c->source != SRC_OBJECT) || m->nodes[v].type == OC_JNULL)
			continue;			/* missing, or JSON null */
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

/*
 * At the end of a scan that read rows: a NOTICE for each column read by its
 * name whose field none of them had, when the field is not one tables.c
 * lists for the kind (those, like lastLogin, may well be missing from every
 * row read).  Most often the name is not the field's in camelCase
 * (costcenter for costCenter): the column is NULL in every row.  A custom
 * attribute may also be unset in all the rows of a small scan (one user
 * fetched by id), so a name is reported when it is a standard field's but
 * for case, or when UNSEEN_MIN_ROWS rows or more were read.  A path option
 * is taken as meant: such columns are not reported (IMPORT writes one for
 * every column, custom attributes included).
 */
#define UNSEEN_MIN_ROWS 100

void
okta_rowmap_report(OktaRowMap *m, const char *table)
{
	const OktaKindDef *kind = okta_table(m->table)->kind;
	int			i;

	if (m->nunseen == 0 || m->filled == 0)
		return;
	for (i = 0; i < m->ncols; i++)
	{
		OktaColumn *c = &m->cols[i];
		const OktaFieldDef *f;
		const OktaFieldDef *near = NULL;
		char	   *profile_path;

		if (c->unseen == NULL)
			continue;
		/* a standard field whose name differs only in case */
		profile_path = psprintf("profile.%s", c->unseen);
		for (f = kind->fields; f->path && near == NULL; f++)
		{
			if (f->column && (pg_strcasecmp(f->path, c->unseen) == 0 ||
							  pg_strcasecmp(f->path, profile_path) == 0))
				near = f;
		}
		if (near == NULL && m->filled < UNSEEN_MIN_ROWS)
			continue;
		ereport(NOTICE,
				(errmsg("column \"%s\" of foreign table \"%s\" matched no Okta field",
						c->name, table),
				 errdetail_plural("The %llu %s read had no field \"%s\" (the column's name in camelCase) at the top level or in its profile.",
								  "The %llu %ss read had no field \"%s\" (the column's name in camelCase) at the top level or in their profiles.",
								  (unsigned long) m->filled,
								  (unsigned long long) m->filled, kind->name, c->unseen),
				 near ?
				 errhint("Okta's field names are case-sensitive: this is likely field \"%s\", which column \"%s\" reads, as does any column with OPTIONS (path '%s').",
						 near->path, near->column, near->path) :
				 errhint("Okta's field names are case-sensitive: a column named cost_center reads costCenter.  The column option path names a field exactly, e.g. OPTIONS (path 'profile.costCenter'); a column with one is not reported.")));
	}
}

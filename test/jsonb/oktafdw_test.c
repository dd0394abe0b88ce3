/*
 * oktafdw_test.c
 *      A test-only module (extension oktafdw_test) that runs oktafdw's
 *      jsonb/numeric writer (src/jsonb_write.c, compiled in) on JSON texts
 *      and shows its bytes to SQL, with a seeded generator of documents and
 *      numbers: sql/jsonb_bytes.sql compares those bytes with jsonb_in's
 *      and numeric_in's, byte for byte.
 *
 * Built and installed only by the test scripts (make install-test-module,
 * test/lib.sh), never by make install.  Its copy of the writer is built
 * with hidden visibility, so that it runs its own code even when oktafdw
 * is loaded in the same backend.
 *
 *   okta_test_jsonb(doc, order_table, reader_marks, fresh) -> bytea
 *       doc parsed by the client's tape (oc_json_tape), then written by
 *       okta_jsonb_from_tape(): the jsonb's bytes.  order_table 1..8: one
 *       of the module's key-order tables, kept across calls as a scan keeps
 *       a column's across rows (fresh: emptied first); reader_marks: the
 *       top object's keys marked first as the row reader marks them.
 *   okta_test_raw(jsonb | numeric) -> bytea: a value's own bytes
 *   okta_test_numeric(num) -> bytea, okta_test_numeric_direct(num) -> bool:
 *       okta_numeric_append()'s bytes, and whether it wrote them itself
 *   okta_test_doc(seed, i, latin1) -> (doc, order_table, reader_marks, fresh),
 *   okta_test_number(seed, i) -> text: the i-th generated document/number
 *   okta_test_paths() -> (path, documents): which of the writer's paths the
 *       top-level values took since okta_test_reset()
 *   okta_test_table(order_table) -> (keys, bytes): a table's fill
 */
#include "postgres.h"

#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "jsonb_write.h"

PG_MODULE_MAGIC;

/*
 * The module is built with hidden visibility (see the Makefile): its SQL
 * functions are exported by name (PostgreSQL 15's PG_FUNCTION_INFO_V1
 * exports only the info record)
 */
#define TEST_FUNCTION(name) \
	extern PGDLLEXPORT Datum name(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(name)

/* ---------- running the writer ---------- */

#define TEST_TABLES 8

static JbKeyOrder *tables[TEST_TABLES + 1];

/* the paths top-level values took */
enum
{
	PATH_SCALAR,				/* a scalar at the top */
	PATH_ARRAY,					/* an array at the top */
	PATH_SORTED,				/* an object, no table: sorted */
	PATH_SORTED_REFUSED,		/* an object the table could not take
								 * (escaped key, no room): sorted */
	PATH_KNOWN_READER,			/* an object in the table's order, marked as
								 * the row reader marks */
	PATH_KNOWN_WRITER,			/* the same, marked by the writer */
	NPATHS
};

static const char *const path_names[NPATHS] = {
	"scalar at the top",
	"array at the top",
	"object, sorted (no key-order table)",
	"object, sorted (the table could not take its keys)",
	"object, the table's order (keys marked as the row reader does)",
	"object, the table's order (keys marked by the writer)"
};

static int64 path_counts[NPATHS];

/* a JSON text's tape, in palloc'd memory */
typedef struct TestTape
{
	char	   *text;			/* UTF-8, as Okta sends it */
	int			len;
	oc_jnode   *nodes;
} TestTape;

static void
tape_parse(text *doc, TestTape *t)
{
	char	   *s = VARDATA_ANY(doc);
	int			len = VARSIZE_ANY_EXHDR(doc);
	oc_jnode   *raw;
	uint32_t	nnodes;
	const char *why;
	size_t		where;

	/* the tape reads UTF-8: text in another encoding is converted */
	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *c = pg_server_to_any(s, len, PG_UTF8);

		if (c != s)
			len = strlen(c);	/* converted: NUL-terminated */
		s = c;
	}
	t->text = s;
	t->len = len;
	raw = oc_json_tape(s, len, &nnodes, &why, &where);
	if (raw == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("the JSON tape refuses this text: %s at byte %zu", why, where)));
	t->nodes = palloc(sizeof(oc_jnode) * nnodes);
	memcpy(t->nodes, raw, sizeof(oc_jnode) * nnodes);
	free(raw);
}

static JbKeyOrder *
test_table(int n, bool fresh)
{
	if (n < 1 || n > TEST_TABLES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key-order table %d does not exist", n),
				 errhint("Tables are numbered 1 to %d; 0 is none.", TEST_TABLES)));
	if (tables[n] == NULL || fresh)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		if (tables[n])
			pfree(tables[n]);
		tables[n] = okta_jb_order_new();
		MemoryContextSwitchTo(old);
	}
	return tables[n];
}

/* did the writer take the table's order for the object at node 0? */
static bool
table_took(const TestTape *t, const JbKeyOrder *o)
{
	uint32		k;

	for (k = 1; k < t->nodes[0].end; k = t->nodes[k + 1].end)
	{
		const oc_jnode *key = &t->nodes[k];
		int			idx;

		if (key->escaped)
			return false;
		idx = jb_order_find(o, t->text + key->off, (int) key->len);
		if (idx < 0 || o->keys[idx].stamp != o->stamp)
			return false;
	}
	return true;
}

TEST_FUNCTION(okta_test_jsonb);
Datum
okta_test_jsonb(PG_FUNCTION_ARGS)
{
	text	   *doc = PG_GETARG_TEXT_PP(0);
	int			table = PG_GETARG_INT32(1);
	bool		reader_marks = PG_GETARG_BOOL(2);
	bool		fresh = PG_GETARG_BOOL(3);
	TestTape	t;
	OktaTape	tp;
	JbKeyOrder *o = NULL;
	int			marked = -1;
	uint32		shown = 0;
	int			path;
	Datum		result;

	tape_parse(doc, &t);
	tp.text = t.text;
	tp.nodes = t.nodes;
	tp.convert = GetDatabaseEncoding() != PG_UTF8 && GetDatabaseEncoding() != PG_SQL_ASCII;
	tp.shown = &shown;
	if (table != 0)
		o = test_table(table, fresh);
	if (o && reader_marks && t.nodes[0].type == OC_JOBJECT)
	{
		/* as resolve_object in convert.c: every key marked, or no marks */
		uint32		k;
		int			distinct = 0;

		jb_order_new_object(o);
		for (k = 1; k < t.nodes[0].end; k = t.nodes[k + 1].end)
			if (jb_order_mark_key(o, &t.nodes[k], t.text, k + 1, &distinct) == NULL)
				break;
		if (k >= t.nodes[0].end)
			marked = distinct;
	}
	result = okta_jsonb_from_tape(&tp, 0, o, marked);

	if (t.nodes[0].type == OC_JARRAY)
		path = PATH_ARRAY;
	else if (t.nodes[0].type != OC_JOBJECT)
		path = PATH_SCALAR;
	else if (o == NULL)
		path = PATH_SORTED;
	else if (marked >= 0)
		path = PATH_KNOWN_READER;
	else if (table_took(&t, o))
		path = PATH_KNOWN_WRITER;
	else
		path = PATH_SORTED_REFUSED;
	path_counts[path]++;

	/* a jsonb is a varlena: its bytes are a bytea's */
	PG_RETURN_BYTEA_P(DatumGetPointer(result));
}

TEST_FUNCTION(okta_test_raw);
Datum
okta_test_raw(PG_FUNCTION_ARGS)
{
	/* the value with a 4-byte header, detoasted and uncompressed */
	PG_RETURN_BYTEA_P(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
}

static bool
numeric_of(text *num, StringInfo b)
{
	initStringInfo(b);
	return okta_numeric_append(b, VARDATA_ANY(num), VARSIZE_ANY_EXHDR(num));
}

TEST_FUNCTION(okta_test_numeric);
Datum
okta_test_numeric(PG_FUNCTION_ARGS)
{
	StringInfoData b;

	numeric_of(PG_GETARG_TEXT_PP(0), &b);
	PG_RETURN_BYTEA_P((bytea *) b.data);
}

TEST_FUNCTION(okta_test_numeric_direct);
Datum
okta_test_numeric_direct(PG_FUNCTION_ARGS)
{
	StringInfoData b;

	PG_RETURN_BOOL(numeric_of(PG_GETARG_TEXT_PP(0), &b));
}

TEST_FUNCTION(okta_test_reset);
Datum
okta_test_reset(PG_FUNCTION_ARGS)
{
	int			i;

	for (i = 1; i <= TEST_TABLES; i++)
		if (tables[i])
		{
			pfree(tables[i]);
			tables[i] = NULL;
		}
	memset(path_counts, 0, sizeof(path_counts));
	PG_RETURN_VOID();
}

/* a row of okta_test_paths(): a path's name and count */
static void
path_row(ReturnSetInfo *rsinfo, int path)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = CStringGetTextDatum(path_names[path]);
	values[1] = Int64GetDatum(path_counts[path]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

TEST_FUNCTION(okta_test_paths);
Datum
okta_test_paths(PG_FUNCTION_ARGS)
{
	int			path;

	InitMaterializedSRF(fcinfo, 0);
	for (path = 0; path < NPATHS; path++)
		path_row((ReturnSetInfo *) fcinfo->resultinfo, path);
	return (Datum) 0;
}

TEST_FUNCTION(okta_test_table);
Datum
okta_test_table(PG_FUNCTION_ARGS)
{
	JbKeyOrder *o = test_table(PG_GETARG_INT32(0), false);
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int32GetDatum(o->nkeys);
	values[1] = Int32GetDatum(o->nbytes);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/* ---------- the generator ---------- */

/*
 * Documents and numbers from a seed and an index, each on its own: the
 * i-th document is the same whatever was generated before (a failing one
 * can be made again alone).  Strings are made as code points, then written
 * with escapes chosen at random: the same key comes escaped and not.
 */
typedef struct Gen
{
	uint64		s;
	StringInfoData out;
	bool		spaces;			/* white space between tokens */
	bool		latin1;			/* code points up to U+00FF only */
} Gen;

static uint64
gen_next(Gen *g)
{
	/* splitmix64 */
	uint64		z = (g->s += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* 0 .. n-1 */
static int
rnd(Gen *g, int n)
{
	return (int) (gen_next(g) % (uint64) n);
}

/* lo .. hi */
static int
between(Gen *g, int lo, int hi)
{
	return lo + rnd(g, hi - lo + 1);
}

static bool
chance(Gen *g, int percent)
{
	return rnd(g, 100) < percent;
}

static void
gen_init(Gen *g, int64 seed, int32 i, bool latin1)
{
	g->s = (uint64) seed * UINT64CONST(0x100000001B3) ^ (uint64) (uint32) i;
	(void) gen_next(g);
	initStringInfo(&g->out);
	g->spaces = false;
	g->latin1 = latin1;
}

static void
gen_space(Gen *g)
{
	static const char ws[] = " \t\n\r";

	if (g->spaces && chance(g, 30))
	{
		int			n = between(g, 1, 3);

		while (n-- > 0)
			appendStringInfoChar(&g->out, ws[rnd(g, 4)]);
	}
}

/* ---- numbers ---- */

static void
gen_digits(Gen *g, StringInfo b, int n, bool first_nonzero)
{
	int			zeros = chance(g, 25) ? rnd(g, n + 1) : 0;	/* a run of zeros at the end */
	int			i;

	for (i = 0; i < n; i++)
	{
		if (i == 0 && first_nonzero)
			appendStringInfoChar(b, '1' + rnd(g, 9));
		else if (i >= n - zeros)
			appendStringInfoChar(b, '0');
		else
			appendStringInfoChar(b, '0' + rnd(g, 10));
	}
}

static int
gen_length(Gen *g)
{
	int			r = rnd(g, 100);

	if (r < 50)
		return between(g, 1, 4);
	if (r < 80)
		return between(g, 5, 12);
	if (r < 95)
		return between(g, 13, 41);
	return between(g, 42, 80);
}

static const char *const edge_numbers[] = {
	"0", "-0", "0.0", "-0.0", "0.000", "-0.000", "0e0", "-0E-0", "0.000e+5",
	"1", "-1", "9999", "10000", "-10000", "99999999", "100000000", "0.0001", "0.00001",
	"1e-400", "1E+400", "-1e400", "9.999e999", "1e-1000", "1e1000", "123e-1000",
	"1.5e-07", "1e21", "1E+05", "1e-05", "0.1", "0.10", "0.100000",
	"1234567890123456789012345678901234567890",
	"12345678901234567890123456789012345678901",
	"-1234567890123456789012345678901234567890",
	"0.000000000000000000000000000000000000001",
	"0.0000000000000000000000000000000000000001",
	"1.000000000000000000000000000000000000000",
	"1000000000000000000000000000000000000000",
	"1.23456789012345678901234567890123456789",
	"9999999999999999999999999999999999999999.9",
	"194.88", "-12", "4.9406564584124654e-324", "1.7976931348623157e308"
};

static void
gen_number_into(Gen *g, StringInfo b)
{
	if (chance(g, 8))
	{
		appendStringInfoString(b, edge_numbers[rnd(g, lengthof(edge_numbers))]);
		return;
	}
	if (chance(g, 25))
		appendStringInfoChar(b, '-');
	if (chance(g, 30))
		appendStringInfoChar(b, '0');
	else
		gen_digits(g, b, gen_length(g), true);
	if (chance(g, 50))
	{
		int			n = gen_length(g);
		int			lead = chance(g, 30) ? rnd(g, n) : 0;	/* zeros after the point */

		appendStringInfoChar(b, '.');
		while (lead-- > 0)
		{
			appendStringInfoChar(b, '0');
			n--;
		}
		gen_digits(g, b, n, false);
	}
	if (chance(g, 20))
	{
		int			e = chance(g, 80) ? rnd(g, 30) : rnd(g, 1001);
		int			pad = chance(g, 10) ? between(g, 1, 2) : 0;

		appendStringInfoChar(b, chance(g, 50) ? 'e' : 'E');
		if (chance(g, 60))
			appendStringInfoChar(b, chance(g, 50) ? '-' : '+');
		while (pad-- > 0)
			appendStringInfoChar(b, '0');
		appendStringInfo(b, "%d", e);
	}
}

/* ---- strings ---- */

/* a code point (not U+0000, not a surrogate) */
static pg_wchar
gen_char(Gen *g)
{
	int			r = rnd(g, 100);

	if (g->latin1 && r >= 67)
		return between(g, 0x80, 0xFF);
	if (r < 55)
		return between(g, 0x20, 0x7E);
	if (r < 60)
		return between(g, 0x01, 0x1F);
	if (r < 65)
		return "\"\\/"[rnd(g, 3)];
	if (r < 67)
		return 0x7F;
	if (r < 77)
		return between(g, 0x80, 0x7FF);
	if (r < 90)
	{
		pg_wchar	c = between(g, 0x800, 0xFFFF - 0x800);

		return c >= 0xD800 ? c + 0x800 : c;		/* around the surrogates */
	}
	return between(g, 0x10000, 0x10FFFF);
}

static void
put_hex4(Gen *g, StringInfo b, unsigned v, bool upper)
{
	appendStringInfo(b, upper ? "\\u%04X" : "\\u%04x", v);
}

/*
 * Write code points cps[0..n) as a JSON string: what must be escaped is,
 * the rest is escaped with probability esc percent (\uXXXX, a surrogate
 * pair above the BMP, \/ for a slash)
 */
static void
put_string(Gen *g, const pg_wchar *cps, int n, int esc)
{
	StringInfo	b = &g->out;
	bool		upper = chance(g, 50);
	int			i;

	appendStringInfoChar(b, '"');
	for (i = 0; i < n; i++)
	{
		pg_wchar	c = cps[i];
		const char *shortform = strchr("\"\\\b\f\n\r\t", (int) c);

		if (c == '"' || c == '\\' || (c < 0x20 && shortform && chance(g, 70)))
		{
			appendStringInfoChar(b, '\\');
			appendStringInfoChar(b, "\"\\bfnrt"[shortform - "\"\\\b\f\n\r\t"]);
		}
		else if (c < 0x20 || (esc > 0 && chance(g, esc) && c != '/'))
		{
			if (c > 0xFFFF)
			{
				put_hex4(g, b, 0xD800 + ((c - 0x10000) >> 10), upper);
				put_hex4(g, b, 0xDC00 + ((c - 0x10000) & 0x3FF), upper);
			}
			else
				put_hex4(g, b, c, upper);
		}
		else if (c == '/' && esc > 0 && chance(g, 50))
			appendStringInfoString(b, "\\/");
		else
		{
			unsigned char u[4];

			unicode_to_utf8(c, u);
			appendBinaryStringInfo(b, (char *) u, pg_utf_mblen(u));
		}
	}
	appendStringInfoChar(b, '"');
}

/* escaping: none in most strings, some in others */
static int
gen_escaping(Gen *g)
{
	return chance(g, 60) ? 0 : between(g, 5, 60);
}

static int
gen_string_cps(Gen *g, pg_wchar *cps, int max)
{
	int			r = rnd(g, 100);
	int			n = r < 10 ? 0 : r < 70 ? between(g, 1, 10) : r < 97 ? between(g, 11, 40) :
		between(g, 41, max);
	int			i;

	for (i = 0; i < n; i++)
		cps[i] = gen_char(g);
	return n;
}

static void
gen_string(Gen *g)
{
	pg_wchar	cps[300];
	int			n = gen_string_cps(g, cps, lengthof(cps));

	put_string(g, cps, n, gen_escaping(g));
}

/* ---- keys ---- */

typedef struct Key
{
	pg_wchar	cps[320];
	int			n;
} Key;

static void
key_from_ascii(Key *k, const char *s)
{
	k->n = 0;
	while (*s && k->n < (int) lengthof(k->cps))
		k->cps[k->n++] = (unsigned char) *s++;
}

/* keys alike: the same first seven bytes, or the same up to a late byte */
static const char *const alike_keys[] = {
	"", "a", "b", "ab", "abc", "abcdefg", "abcdefgX", "abcdefgY", "abcdefgXY",
	"abcdefgYX", "abcdefh", "abcdefG", "abcdef", "abcdefgg", "abcdefg0",
	"abcdefgabcdefg", "abcdefgabcdefh", "id", "ID", "Id", "iD", "login", "logins",
	"loginX", "x", "xx", "xxx", "xxxxxxx", "xxxxxxxx", "xxxxxxxy"
};

/* an Okta profile's attribute names */
static const char *const profile_keys[] = {
	"login", "email", "secondEmail", "firstName", "lastName", "middleName",
	"honorificPrefix", "honorificSuffix", "title", "displayName", "nickName",
	"profileUrl", "primaryPhone", "mobilePhone", "streetAddress", "city", "state",
	"zipCode", "countryCode", "postalAddress", "preferredLanguage", "locale",
	"timezone", "userType", "employeeNumber", "costCenter", "organization",
	"division", "department", "managerId", "manager", "costCenterCode",
	"isContractor", "badgeNumber", "hourlyRate", "skills", "startDate"
};

/* a long key: 250 to 300 bytes (255 and around: sort_key's long path) */
static void
gen_long_key(Gen *g, Key *k, int len)
{
	int			i;

	/* few letters, long common prefixes: compared deep into the bytes */
	k->n = len;
	for (i = 0; i < len; i++)
		k->cps[i] = i < len - 3 ? 'L' : "LMN"[rnd(g, 3)];
	if (chance(g, 30))
		k->cps[rnd(g, len)] = 'a' + rnd(g, 3);
}

static void
gen_key(Gen *g, Key *k)
{
	int			r = rnd(g, 100);

	if (r < 35)
		key_from_ascii(k, alike_keys[rnd(g, lengthof(alike_keys))]);
	else if (r < 50)
		key_from_ascii(k, profile_keys[rnd(g, lengthof(profile_keys))]);
	else if (r < 57)
	{
		static const int lens[] = {250, 253, 254, 255, 256, 257, 270, 300};

		gen_long_key(g, k, lens[rnd(g, lengthof(lens))]);
	}
	else if (r < 80)
	{
		/* short ASCII */
		int			i;

		k->n = between(g, 1, 12);
		for (i = 0; i < k->n; i++)
			k->cps[i] = between(g, 0x20, 0x7E);
	}
	else
		k->n = gen_string_cps(g, k->cps, 60);
}

/* ---- values ---- */

static void gen_value(Gen *g, int depth);

static void
gen_object(Gen *g, int depth)
{
	Key		   *keys;
	int			r = rnd(g, 100);
	int			n = r < 10 ? 0 : r < 70 ? between(g, 1, 5) : r < 97 ? between(g, 6, 20) :
		between(g, 21, 60);
	int			i;

	keys = palloc(sizeof(Key) * Max(n, 1));
	appendStringInfoChar(&g->out, '{');
	for (i = 0; i < n; i++)
	{
		/* a key sent again now and then (the later value is kept) */
		if (i > 0 && chance(g, 10))
			keys[i] = keys[rnd(g, i)];
		else
			gen_key(g, &keys[i]);
		if (i > 0)
			appendStringInfoChar(&g->out, ',');
		gen_space(g);
		put_string(g, keys[i].cps, keys[i].n, gen_escaping(g));
		gen_space(g);
		appendStringInfoChar(&g->out, ':');
		gen_space(g);
		gen_value(g, depth + 1);
		gen_space(g);
	}
	appendStringInfoChar(&g->out, '}');
	pfree(keys);
}

static void
gen_array(Gen *g, int depth)
{
	int			r = rnd(g, 100);
	int			n = r < 10 ? 0 : r < 70 ? between(g, 1, 5) : r < 97 ? between(g, 6, 40) :
		between(g, 41, 100);
	int			i;

	appendStringInfoChar(&g->out, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&g->out, ',');
		gen_space(g);
		gen_value(g, depth + 1);
		gen_space(g);
	}
	appendStringInfoChar(&g->out, ']');
}

static void
gen_scalar(Gen *g)
{
	int			r = rnd(g, 100);

	if (r < 45)
		gen_string(g);
	else if (r < 80)
		gen_number_into(g, &g->out);
	else
		appendStringInfoString(&g->out, r < 87 ? "true" : r < 94 ? "false" : "null");
}

static void
gen_value(Gen *g, int depth)
{
	/* mostly an object at the top, fewer containers deeper down */
	static const int objects[] = {80, 18, 12, 8, 5, 0};
	static const int arrays[] = {15, 12, 8, 5, 3, 0};
	int			r = rnd(g, 100);
	int			d = Min(depth, 5);

	if (r < objects[d])
		gen_object(g, depth);
	else if (r < objects[d] + arrays[d])
		gen_array(g, depth);
	else
		gen_scalar(g);
}

/* ---- profile-like objects for the key-order tables ---- */

/*
 * An object whose keys come from a pool, as a column's objects do in a
 * scan: table 1 Okta's profile attributes (and now and then a new key),
 * 2 keys alike in their first bytes, 3 long keys (the table's bytes run
 * out), 4 a pool of 400 (its keys run out).  Some keys are sent twice, and
 * now and then one is escaped (the object then takes the sorting path).
 */
static void
pool_key(Gen *g, int table, int j, Key *k)
{
	char		name[16];

	switch (table)
	{
		case 1:
			/* now and then a custom attribute not seen yet */
			if (chance(g, 3))
			{
				snprintf(name, sizeof(name), "custom%d", rnd(g, 150));
				key_from_ascii(k, name);
			}
			else
				key_from_ascii(k, profile_keys[j % lengthof(profile_keys)]);
			break;
		case 2:
			if (chance(g, 10))
				gen_key(g, k);
			else
				key_from_ascii(k, alike_keys[j % lengthof(alike_keys)]);
			break;
		case 3:
			if (j % 4 == 0)
				key_from_ascii(k, alike_keys[j % lengthof(alike_keys)]);
			else
			{
				Gen			kg;

				/* the same long key for the same j */
				kg.s = (uint64) j * 7919;
				kg.latin1 = g->latin1;
				gen_long_key(&kg, k, 250 + j % 51);
			}
			break;
		default:
			snprintf(name, sizeof(name), "k%03d", j % 400);
			key_from_ascii(k, name);
			break;
	}
}

static void
gen_pool_object(Gen *g, int table)
{
	/* table 4: mostly 200 keys, now and then 400 (more than it holds) */
	int			pool = table == 1 ? lengthof(profile_keys) : table == 2 ? lengthof(alike_keys) :
		table == 3 ? 60 : chance(g, 10) ? 400 : 200;
	int			n = table == 4 ? between(g, 1, 40) : between(g, 0, Min(pool, 30));
	int			esc = chance(g, 5) ? 100 : 0;
	int		   *pick = palloc(sizeof(int) * pool);
	int			i;

	for (i = 0; i < pool; i++)
		pick[i] = i;
	appendStringInfoChar(&g->out, '{');
	for (i = 0; i < n; i++)
	{
		Key			k;
		int			j;

		/* distinct keys in a random order, and now and then one again */
		if (i > 0 && chance(g, 5))
			j = pick[rnd(g, i)];
		else
		{
			int			at = between(g, i, pool - 1);

			j = pick[at];
			pick[at] = pick[i];
			pick[i] = j;
		}
		pool_key(g, table, j, &k);
		if (i > 0)
			appendStringInfoChar(&g->out, ',');
		/* escapes in keys: only in the objects meant to have them */
		put_string(g, k.cps, k.n, esc > 0 && chance(g, 20) ? esc : 0);
		appendStringInfoChar(&g->out, ':');
		gen_value(g, 3);
	}
	appendStringInfoChar(&g->out, '}');
	pfree(pick);
}

/* more keys than a table holds (256), or more key bytes (8192) */
static void
gen_big_object(Gen *g, bool long_keys)
{
	int			n = long_keys ? between(g, 25, 45) : between(g, 240, 400);
	int			i;

	appendStringInfoChar(&g->out, '{');
	for (i = 0; i < n; i++)
	{
		Key			k;

		if (long_keys)
			gen_long_key(g, &k, between(g, 200, 300));
		else
		{
			char		name[16];

			snprintf(name, sizeof(name), "w%d", rnd(g, 500));
			key_from_ascii(&k, name);
		}
		if (i > 0)
			appendStringInfoChar(&g->out, ',');
		put_string(g, k.cps, k.n, 0);
		appendStringInfoChar(&g->out, ':');
		gen_scalar(g);
	}
	appendStringInfoChar(&g->out, '}');
}

TEST_FUNCTION(okta_test_doc);
Datum
okta_test_doc(PG_FUNCTION_ARGS)
{
	Gen			g;
	int			r;
	int			table = 0;
	bool		marks = false;
	bool		fresh = false;
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	gen_init(&g, PG_GETARG_INT64(0), PG_GETARG_INT32(1), PG_GETARG_BOOL(2));
	g.spaces = chance(&g, 15);
	gen_space(&g);
	r = rnd(&g, 100);
	if (r < 40)
	{
		/* anything, nested; no table, or one that sees every kind of key */
		if (chance(&g, 50))
		{
			table = 7;
			fresh = chance(&g, 1);
		}
		gen_value(&g, 0);
	}
	else if (r < 43)
		gen_scalar(&g);
	else if (r < 97)
	{
		table = 1 + rnd(&g, 4);
		/* tables 2 and 3 start again now and then: keys put in their place */
		fresh = table >= 2 && table <= 3 && chance(&g, 2);
		gen_pool_object(&g, table);
	}
	else
	{
		/* a table of its own, emptied: the object alone overflows it */
		table = r < 99 ? 5 : 6;
		fresh = true;
		gen_big_object(&g, table == 6);
	}
	marks = table != 0 && chance(&g, 50);
	gen_space(&g);

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = PointerGetDatum(cstring_to_text_with_len(g.out.data, g.out.len));
	values[1] = Int32GetDatum(table);
	values[2] = BoolGetDatum(marks);
	values[3] = BoolGetDatum(fresh);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

TEST_FUNCTION(okta_test_number);
Datum
okta_test_number(PG_FUNCTION_ARGS)
{
	Gen			g;

	gen_init(&g, PG_GETARG_INT64(0), PG_GETARG_INT32(1), false);
	gen_number_into(&g, &g.out);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(g.out.data, g.out.len));
}

/*
 * convert.c
 *      From Okta JSON objects to PostgreSQL rows.
 *
 * A column reads its `path` option (dotted JSON path), else its name in
 * camelCase, looked up at the top level and then under `profile`.  The
 * declared type decides the conversion.  Everything about a column is
 * worked out once per scan; per row only the JSON lookups and the
 * conversions run.
 */
#include "oktafdw.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

typedef enum ColSource
{
	SRC_PATH,					/* the path option, or the name's camelCase
								 * at the top level */
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
	KIND_JSON,					/* json/jsonb: the JSON text, via input */
	KIND_ARRAY,
	KIND_INPUT					/* anything else: the type's input function */
} ColKind;

struct OktaColumn
{
	AttrNumber	attnum;
	char	   *name;
	ColSource	source;
	char	  **path;			/* SRC_PATH: components */
	int			npath;
	char	   *camel;			/* SRC_NAME */
	ColKind		kind;
	Oid			typid;
	int32		typmod;
	FmgrInfo	infunc;
	Oid			ioparam;
	/* arrays */
	ColKind		elemkind;
	Oid			elemtype;
	FmgrInfo	eleminfunc;
	Oid			elemioparam;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
};

static char *
snake_to_camel(const char *s)
{
	char	   *out = palloc(strlen(s) + 1);
	char	   *o = out;
	bool		up = false;

	for (; *s; s++)
	{
		if (*s == '_')
		{
			if (o != out)
				up = true;
			continue;
		}
		*o++ = up ? pg_toupper((unsigned char) *s) : *s;
		up = false;
	}
	*o = '\0';
	return out;
}

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
		case JSONBOID:
			return KIND_JSON;
		default:
			return KIND_INPUT;
	}
}

OktaColumn *
okta_columns_prepare(Relation rel, OktaObject object, Bitmapset *attrs_used,
					 int *ncols)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	OktaColumn *cols = palloc0(sizeof(OktaColumn) * Max(tupdesc->natts, 1));
	int			n = 0;
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		OktaColumn *c;
		char	   *path;
		Oid			infunc;

		if (att->attisdropped)
			continue;
		if (!bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber, attrs_used) &&
			!bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used))
			continue;
		c = &cols[n++];
		c->attnum = att->attnum;
		c->name = pstrdup(NameStr(att->attname));
		c->typid = att->atttypid;
		c->typmod = att->atttypmod;
		path = okta_column_path(RelationGetRelid(rel), att->attnum);
		if (path)
		{
			char	   *copy = pstrdup(path);
			char	   *tok;
			char	   *save = NULL;

			c->source = SRC_PATH;
			c->path = palloc(sizeof(char *) * (strlen(path) + 1));
			for (tok = strtok_r(copy, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
				c->path[c->npath++] = tok;
		}
		else if ((object == OKTA_GROUP_MEMBERS && strcmp(c->name, "group_id") == 0) ||
				 (object == OKTA_USER_GROUPS && strcmp(c->name, "user_id") == 0))
			c->source = SRC_PARENT_ID;
		else if ((object == OKTA_GROUP_MEMBERS && strcmp(c->name, "user_id") == 0) ||
				 (object == OKTA_USER_GROUPS && strcmp(c->name, "group_id") == 0))
		{
			c->source = SRC_PATH;
			c->path = palloc(sizeof(char *));
			c->path[0] = "id";
			c->npath = 1;
		}
		else
		{
			c->source = SRC_NAME;
			c->camel = snake_to_camel(c->name);
		}

		c->kind = kind_of(c->typid);
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
	}
	*ncols = n;
	return cols;
}

static json_object *
lookup_path(json_object *obj, char **path, int npath)
{
	int			i;

	for (i = 0; i < npath && obj; i++)
	{
		json_object *next;

		if (!json_object_is_type(obj, json_type_object) ||
			!json_object_object_get_ex(obj, path[i], &next))
			return NULL;
		obj = next;
	}
	return obj;
}

static void
bad_value(OktaRowContext *ctx, const char *why) pg_attribute_noreturn();

static void
bad_value(OktaRowContext *ctx, const char *why)
{
	const char *shown = ctx->value
		? json_object_to_json_string_ext(ctx->value, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
		: "null";
	char	   *v = pstrdup(shown);
	const char *column = ctx->column;

	/* tells the row builder that this error needs no rewording */
	ctx->column = NULL;
	if (strlen(v) > 200)
		strcpy(v + 197, "...");
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid value for column \"%s\" of foreign table \"%s\"",
					column, ctx->table),
			 errdetail("Okta object \"%s\" has %s: %s.",
					   ctx->object_id ? ctx->object_id : "?", v, why)));
}

/* the text form of a scalar JSON value (strings unquoted) */
static char *
scalar_text(json_object *v, OktaRowContext *ctx)
{
	if (json_object_is_type(v, json_type_string))
	{
		const char *s = json_object_get_string(v);

		/* JSON allows \u0000; PostgreSQL text does not */
		if (strlen(s) != (size_t) json_object_get_string_len(v))
			bad_value(ctx, "a string with a NUL character");
		return (char *) s;
	}
	return (char *) json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
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

static Datum
convert_scalar(ColKind kind, Oid typid, FmgrInfo *infunc, Oid ioparam,
			   int32 typmod, json_object *v, OktaRowContext *ctx)
{
	enum json_type t = json_object_get_type(v);

	switch (kind)
	{
		case KIND_TIMESTAMPTZ:
			if (t == json_type_string)
			{
				TimestampTz ts;

				if (okta_timestamp_fast(json_object_get_string(v),
										json_object_get_string_len(v), &ts))
					return TimestampTzGetDatum(ts);
			}
			else if (t == json_type_object || t == json_type_array)
				bad_value(ctx, "expected a scalar");
			break;
		case KIND_TEXT:
			return PointerGetDatum(cstring_to_text(scalar_text(v, ctx)));
		case KIND_BOOL:
			if (t == json_type_boolean)
				return BoolGetDatum(json_object_get_boolean(v));
			if (t != json_type_string)
				bad_value(ctx, "expected a boolean");
			break;
		case KIND_INT2:
		case KIND_INT4:
		case KIND_INT8:
			if (t == json_type_int)
			{
				int64		i;

				errno = 0;
				i = json_object_get_int64(v);
				if (errno != 0 ||
					(kind == KIND_INT2 && (i < PG_INT16_MIN || i > PG_INT16_MAX)) ||
					(kind == KIND_INT4 && (i < PG_INT32_MIN || i > PG_INT32_MAX)))
					bad_value(ctx, "integer out of range");
				if (kind == KIND_INT2)
					return Int16GetDatum((int16) i);
				if (kind == KIND_INT4)
					return Int32GetDatum((int32) i);
				return Int64GetDatum(i);
			}
			if (t != json_type_string)
				bad_value(ctx, "expected an integer");
			break;
		case KIND_JSON:
			return InputFunctionCall(infunc,
									 (char *) json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
									 ioparam, typmod);
		default:
			if (t == json_type_object || t == json_type_array)
				bad_value(ctx, "expected a scalar");
			break;
	}
	return InputFunctionCall(infunc, scalar_text(v, ctx), ioparam, typmod);
}

static Datum
convert_array(OktaColumn *c, json_object *v, OktaRowContext *ctx)
{
	size_t		n,
				i;
	Datum	   *elems;
	bool	   *enulls;
	int			dims[1];
	int			lbs[1] = {1};

	if (!json_object_is_type(v, json_type_array))
		bad_value(ctx, "expected a JSON array");
	n = json_object_array_length(v);
	if (n == 0)
		return PointerGetDatum(construct_empty_array(c->elemtype));
	elems = palloc(sizeof(Datum) * n);
	enulls = palloc(sizeof(bool) * n);
	for (i = 0; i < n; i++)
	{
		json_object *e = json_object_array_get_idx(v, i);

		enulls[i] = (e == NULL);
		elems[i] = e ? convert_scalar(c->elemkind, c->elemtype, &c->eleminfunc,
									  c->elemioparam, -1, e, ctx) : (Datum) 0;
	}
	dims[0] = (int) n;
	return PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
											  c->elemtype, c->elmlen,
											  c->elmbyval, c->elmalign));
}

void
okta_columns_fill(OktaColumn *cols, int ncols, TupleDesc tupdesc,
				  json_object *obj, const char *parent_id,
				  Datum *values, bool *nulls, OktaRowContext *ctx)
{
	json_object *idv;
	int			i;

	memset(nulls, true, sizeof(bool) * tupdesc->natts);
	ctx->object_id = NULL;
	if (json_object_object_get_ex(obj, "id", &idv) &&
		json_object_is_type(idv, json_type_string))
		ctx->object_id = json_object_get_string(idv);

	for (i = 0; i < ncols; i++)
	{
		OktaColumn *c = &cols[i];
		json_object *v = NULL;
		int			idx = c->attnum - 1;

		switch (c->source)
		{
			case SRC_PARENT_ID:
				if (parent_id)
				{
					values[idx] = PointerGetDatum(cstring_to_text(parent_id));
					nulls[idx] = false;
				}
				continue;
			case SRC_PATH:
				v = lookup_path(obj, c->path, c->npath);
				break;
			case SRC_NAME:
				if (!json_object_object_get_ex(obj, c->camel, &v))
				{
					json_object *profile;

					v = NULL;
					if (json_object_object_get_ex(obj, "profile", &profile) &&
						json_object_is_type(profile, json_type_object))
						json_object_object_get_ex(profile, c->camel, &v);
				}
				break;
		}
		if (v == NULL)			/* missing, or JSON null */
			continue;
		ctx->column = c->name;
		ctx->value = v;
		if (c->kind == KIND_ARRAY)
			values[idx] = convert_array(c, v, ctx);
		else
			values[idx] = convert_scalar(c->kind, c->typid, &c->infunc, c->ioparam,
										 c->typmod, v, ctx);
		nulls[idx] = false;
	}
	ctx->column = NULL;
	ctx->value = NULL;
}

/*
 * import.c
 *      IMPORT FOREIGN SCHEMA okta: every table of tables.c with its
 *      columns, each with its Okta path as the `path` option and as the
 *      start of its comment.
 *
 * PostgreSQL runs the commands an FDW's ImportForeignSchema returns, and
 * takes only CREATE FOREIGN TABLE (foreigncmds.c: any other statement is an
 * error), so the comments cannot be returned as COMMENT ON commands.  They
 * are written as each table is created instead: the import leaves the
 * comments of the tables it will create in `pending`, and an object-access
 * hook, at the creation of a foreign table of that name in the target
 * schema, stores them (pg_description rows, as COMMENT ON writes) and
 * forgets the table.  `pending` lives in the memory of the IMPORT
 * statement and is cleared when that memory goes (at the statement's end,
 * or an error), so the hook never acts outside an IMPORT.
 */
#include "oktafdw.h"

#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "commands/comment.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* a comment to write on a column (attname NULL: on the table) */
typedef struct ImportComment
{
	char	   *attname;
	char	   *comment;
} ImportComment;

/* a table the running IMPORT creates, and its comments */
typedef struct ImportTable
{
	char	   *name;
	List	   *comments;		/* ImportComment */
} ImportTable;

static List *pending = NIL;		/* ImportTable, not created yet */
static Oid	pending_nsp = InvalidOid;	/* the IMPORT's target schema */
static MemoryContext pending_cxt = NULL;	/* where pending lives */
static bool hook_installed = false;
static object_access_hook_type prev_object_access_hook = NULL;

static void
add_comment(List **comments, const char *attname, char *comment)
{
	ImportComment *c = palloc(sizeof(ImportComment));

	c->attname = attname ? pstrdup(attname) : NULL;
	c->comment = comment;
	*comments = lappend(*comments, c);
}

/* the columns of a kind's fields that IMPORT makes (tables.c), but skip */
static void
append_cols(StringInfo buf, List **comments, const OktaKindDef *kind, const char *skip)
{
	const OktaFieldDef *f;

	for (f = kind->fields; f->path; f++)
	{
		if (f->column == NULL || (skip && strcmp(f->path, skip) == 0))
			continue;
		okta_append_column_def(buf, f);
		add_comment(comments, f->column, okta_field_comment(f));
	}
}

/*
 * A text from the user schema (UTF-8) for a comment, in the database's
 * encoding: characters it cannot hold become '?', and it is cut at 400
 * bytes.
 */
static char *
schema_text(const char *s)
{
	char	   *out = pstrdup(s);
	int			len = (int) strlen(out);
	int			i;

	if (GetDatabaseEncoding() != PG_UTF8 || !pg_verifymbstr(out, len, true))
	{
		for (i = 0; i < len; i++)
		{
			if ((unsigned char) out[i] >= 0x80)
				out[i] = '?';
		}
	}
	if (len > 400)
		out[pg_mbcliplen(out, len, 400)] = '\0';
	return out;
}

/* a string member of a schema property, or NULL when none or "" */
static const char *
schema_string(json_object *prop, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(prop, key, &v) || !json_object_is_type(v, json_type_string) ||
		json_object_get_string(v)[0] == '\0')
		return NULL;
	return json_object_get_string(v);
}

/*
 * A custom attribute's comment: its path, then the user schema's title and
 * description: profile.badgeNumber: custom attribute "Badge number": ...
 */
static char *
custom_comment(const char *path, json_object *prop)
{
	const char *title = schema_string(prop, "title");
	const char *descr = schema_string(prop, "description");
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfo(&b, "%s: custom attribute", path);
	if (title)
		appendStringInfo(&b, " \"%s\"", title);
	if (descr)
		appendStringInfo(&b, ": %s", descr);
	return schema_text(b.data);
}

/* costCenterCode -> cost_center_code */
static char *
snake_case(const char *s)
{
	StringInfoData b;

	initStringInfo(&b);
	for (; *s; s++)
	{
		if (*s >= 'A' && *s <= 'Z')
		{
			if (b.len > 0 && b.data[b.len - 1] != '_')
				appendStringInfoChar(&b, '_');
			appendStringInfoChar(&b, *s - 'A' + 'a');
		}
		else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			appendStringInfoChar(&b, *s);
		else if (b.len > 0 && b.data[b.len - 1] != '_')
			appendStringInfoChar(&b, '_');
	}
	return b.data;
}

/* PostgreSQL type for a JSON-schema property of the Okta user schema */
static const char *
schema_type(json_object *prop)
{
	json_object *t,
			   *items,
			   *it;
	const char *type;

	if (!json_object_object_get_ex(prop, "type", &t) || !json_object_is_type(t, json_type_string))
		return "jsonb";
	type = json_object_get_string(t);
	if (strcmp(type, "string") == 0)
		return "text";
	if (strcmp(type, "boolean") == 0)
		return "boolean";
	if (strcmp(type, "integer") == 0)
		return "bigint";
	if (strcmp(type, "number") == 0)
		return "numeric";
	if (strcmp(type, "array") == 0 &&
		json_object_object_get_ex(prop, "items", &items) &&
		json_object_object_get_ex(items, "type", &it) &&
		json_object_is_type(it, json_type_string))
	{
		const char *itype = json_object_get_string(it);

		if (strcmp(itype, "string") == 0)
			return "text[]";
		if (strcmp(itype, "integer") == 0)
			return "bigint[]";
		if (strcmp(itype, "number") == 0)
			return "numeric[]";
		if (strcmp(itype, "boolean") == 0)
			return "boolean[]";
	}
	return "jsonb";
}

/*
 * The `type` option of a property's column: the user schema's type (string,
 * integer, number, boolean, array), which decides how pushdown writes the
 * attribute's literals; NULL for any other
 */
static const char *
schema_okta_type(json_object *prop)
{
	json_object *t;
	int			type;

	if (!json_object_object_get_ex(prop, "type", &t) ||
		!json_object_is_type(t, json_type_string) ||
		strcmp(json_object_get_string(t), "date") == 0 ||
		!okta_parse_okta_type(json_object_get_string(t), &type))
		return NULL;
	return json_object_get_string(t);
}

/* a column name a table of kind already has (custom attributes skip it) */
static bool
is_standard_column(const OktaKindDef *kind, const char *name)
{
	const OktaFieldDef *f;
	int			i;

	for (f = kind->fields; f->path; f++)
	{
		if (f->column && strcmp(f->column, name) == 0)
			return true;
	}
	for (i = 0; i < okta_table_count(); i++)
	{
		const OktaTableDef *t = okta_table((OktaObject) i);

		if (t->kind == kind && t->parent_kind &&
			(strcmp(name, t->parent_column) == 0 ||
			 (t->member_column && strcmp(name, t->member_column) == 0)))
			return true;
	}
	return false;
}

/*
 * Column definitions for the org's custom user profile attributes, read
 * from the user schema when the server asks for okta.schemas.read; NULL
 * (with a NOTICE saying why) when they cannot be had.
 */
static char *
custom_user_columns(ForeignServer *server, List **comments)
{
	OktaServerOptions sopts;
	OktaConn   *conn;
	oc_cursor  *cur;
	oc_page    *page = NULL;
	oc_error	err;
	json_object *defs,
			   *custom,
			   *props;
	StringInfoData buf;

	okta_get_server_options(server, &sopts);
	if (sopts.scopes == NULL || strstr(sopts.scopes, "okta.schemas.read") == NULL)
	{
		ereport(NOTICE,
				(errmsg("custom profile attributes were not imported"),
				 errdetail("Reading them needs the okta.schemas.read scope."),
				 errhint("Grant okta.schemas.read to the app, then ALTER SERVER %s OPTIONS (ADD scopes 'okta.users.read okta.groups.read okta.schemas.read') and import again.",
						 quote_identifier(server->servername))));
		return NULL;
	}
	conn = okta_acquire_conn(server, GetUserMapping(GetUserId(), server->serverid), &sopts);
	cur = oc_cursor_open(okta_conn_client(conn), okta_table(OKTA_USERS)->kind->schema, 0);
	oc_error_clear(&err);
	if (cur == NULL || oc_cursor_next(cur, &page, &err) <= 0)
	{
		oc_cursor_close(cur);
		okta_release_conn(conn);
		if (err.kind == OC_ERR_CANCELLED)
			okta_report_error(&err, NULL);
		if (strlen(err.detail) > 0 && err.detail[strlen(err.detail) - 1] == '.')
			err.detail[strlen(err.detail) - 1] = '\0';
		ereport(NOTICE,
				(errmsg("custom profile attributes were not imported"),
				 errdetail("Reading the user schema failed: %s%s%s.", err.message,
						   err.detail[0] ? ": " : "", err.detail)));
		return NULL;
	}
	oc_cursor_close(cur);

	initStringInfo(&buf);
	if (json_object_object_get_ex(oc_page_item(page, 0), "definitions", &defs) &&
		json_object_object_get_ex(defs, "custom", &custom) &&
		json_object_object_get_ex(custom, "properties", &props) &&
		json_object_is_type(props, json_type_object))
	{
		json_object_object_foreach(props, key, prop)
		{
			char	   *col = snake_case(key);
			const char *okta_type = schema_okta_type(prop);
			char	   *path = psprintf("profile.%s", key);

			if (col[0] == '\0' || is_standard_column(okta_table(OKTA_USERS)->kind, col))
				continue;
			appendStringInfo(&buf, ",\n  %s %s OPTIONS (path %s", quote_identifier(col),
							 schema_type(prop), quote_literal_cstr(path));
			add_comment(comments, col, custom_comment(path, prop));
			if (okta_type)
				appendStringInfo(&buf, ", type %s", quote_literal_cstr(okta_type));
			appendStringInfoChar(&buf, ')');
		}
	}
	oc_page_free(page);
	okta_release_conn(conn);
	return buf.data;
}

static bool
wanted(ImportForeignSchemaStmt *stmt, const char *table)
{
	ListCell   *lc;
	bool		listed = false;

	if (stmt->list_type == FDW_IMPORT_SCHEMA_ALL)
		return true;
	foreach(lc, stmt->table_list)
	{
		RangeVar   *rv = (RangeVar *) lfirst(lc);

		if (strcmp(rv->relname, table) == 0)
			listed = true;
	}
	return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ? listed : !listed;
}

/*
 * At the creation of a relation: when it is a foreign table the running
 * IMPORT makes, store its comments.  The relation is not visible to catalog
 * lookups yet (this runs inside heap_create_with_catalog), but its relcache
 * entry is built, with its name, schema and columns.
 */
static void
comment_imported_table(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	ListCell   *lc;

	if (rel == NULL)
		return;
	if (rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE &&
		RelationGetNamespace(rel) == pending_nsp)
	{
		foreach(lc, pending)
		{
			ImportTable *t = lfirst(lc);
			TupleDesc	desc = RelationGetDescr(rel);
			ListCell   *lc2;

			if (strcmp(t->name, RelationGetRelationName(rel)) != 0)
				continue;
			foreach(lc2, t->comments)
			{
				ImportComment *c = lfirst(lc2);
				int			i;

				if (c->attname == NULL)
				{
					CreateComments(relid, RelationRelationId, 0, c->comment);
					continue;
				}
				for (i = 0; i < desc->natts; i++)
				{
					Form_pg_attribute att = TupleDescAttr(desc, i);

					if (!att->attisdropped && strcmp(NameStr(att->attname), c->attname) == 0)
						CreateComments(relid, RelationRelationId, att->attnum, c->comment);
				}
			}
			pending = foreach_delete_current(pending, lc);
			break;
		}
	}
	RelationClose(rel);
}

static void
import_object_access(ObjectAccessType access, Oid classId, Oid objectId, int subId,
					 void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (pending != NIL && access == OAT_POST_CREATE && classId == RelationRelationId &&
		subId == 0)
		comment_imported_table(objectId);
}

/* the IMPORT's memory is going: nothing is pending any more */
static void
pending_reset(void *arg)
{
	if (pending_cxt == (MemoryContext) arg)
	{
		pending = NIL;
		pending_nsp = InvalidOid;
		pending_cxt = NULL;
	}
}

/* the tables' comments, for the hook to write as they are created */
static void
set_pending(List *tables, const char *schema)
{
	MemoryContextCallback *cb = palloc0(sizeof(MemoryContextCallback));

	if (!hook_installed)
	{
		prev_object_access_hook = object_access_hook;
		object_access_hook = import_object_access;
		hook_installed = true;
	}
	cb->func = pending_reset;
	cb->arg = CurrentMemoryContext;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	pending = tables;
	pending_nsp = get_namespace_oid(schema, false);
	pending_cxt = CurrentMemoryContext;
}

/* the table's comment: the request that lists its rows */
static char *
table_comment(const OktaTableDef *t)
{
	if (t->parent_kind)
		return psprintf("Okta's GET %s/{%s}%s: one row per %s of %s %s",
						t->parent_kind->collection, t->parent_column, t->member_path,
						t->kind->name,
						strchr("aeio", t->parent_kind->name[0]) ? "an" : "a",
						t->parent_kind->name);
	return psprintf("Okta's GET %s: one row per %s", t->kind->collection, t->kind->name);
}

List *
okta_import_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	List	   *cmds = NIL;
	List	   *tables = NIL;
	List	   *custom_comments = NIL;
	int			obj;
	char	   *custom = NULL;

	if (strcmp(stmt->remote_schema, "okta") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("remote schema \"%s\" does not exist", stmt->remote_schema),
				 errhint("An Okta org has one schema: IMPORT FOREIGN SCHEMA okta FROM SERVER ... INTO ...")));

	/* custom attributes, once, when a table of users is imported */
	for (obj = 0; obj < okta_table_count(); obj++)
	{
		const OktaTableDef *t = okta_table((OktaObject) obj);

		if (t->kind == okta_table(OKTA_USERS)->kind && wanted(stmt, t->name))
		{
			custom = custom_user_columns(server, &custom_comments);
			break;
		}
	}

	for (obj = 0; obj < okta_table_count(); obj++)
	{
		const OktaTableDef *t = okta_table((OktaObject) obj);
		ImportTable *it;
		StringInfoData buf;
		StringInfoData cols;

		if (!wanted(stmt, t->name))
			continue;
		it = palloc0(sizeof(ImportTable));
		it->name = pstrdup(t->name);
		add_comment(&it->comments, NULL, table_comment(t));
		initStringInfo(&cols);
		if (t->parent_kind)
		{
			/* the parent's id is the request's, not a field */
			appendStringInfo(&cols, ",\n  %s text", quote_identifier(t->parent_column));
			add_comment(&it->comments, t->parent_column,
						psprintf("{%s} of GET %s/{%s}%s: the %s's id",
								 t->parent_column, t->parent_kind->collection,
								 t->parent_column, t->member_path, t->parent_kind->name));
		}
		if (t->member_column)
		{
			const OktaFieldDef *idf = okta_kind_field(t->kind, t->kind->id_field);

			/* the member-id column reads the member's id */
			appendStringInfo(&cols, ",\n  %s text OPTIONS (path %s)",
							 quote_identifier(t->member_column),
							 quote_literal_cstr(t->kind->id_field));
			add_comment(&it->comments, t->member_column,
						idf ? okta_field_comment(idf) : pstrdup(t->kind->id_field));
		}
		/* a member table's member-id column stands for the member's id */
		append_cols(&cols, &it->comments, t->kind, t->member_column ? t->kind->id_field : NULL);
		/* the user schema's custom attributes, in tables of users */
		if (custom && t->kind == okta_table(OKTA_USERS)->kind)
		{
			appendStringInfoString(&cols, custom);
			it->comments = list_concat_copy(it->comments, custom_comments);
		}
		if (t->object_column)
		{
			appendStringInfo(&cols, ",\n  %s jsonb", quote_identifier(t->object_column));
			add_comment(&it->comments, t->object_column,
						psprintf("the whole %s, as Okta sent it", t->kind->name));
		}
		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (%s", quote_identifier(t->name),
						 cols.data + 1);
		appendStringInfo(&buf, "\n) SERVER %s OPTIONS (object %s)",
						 quote_identifier(server->servername),
						 quote_literal_cstr(t->name));
		cmds = lappend(cmds, buf.data);
		tables = lappend(tables, it);
	}
	set_pending(tables, stmt->local_schema);
	return cmds;
}

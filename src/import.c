/*
 * import.c
 *      IMPORT FOREIGN SCHEMA okta: every table of tables.c with its
 *      columns.
 */
#include "oktafdw.h"

#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/* the columns of a kind's fields that IMPORT makes (tables.c), but skip */
static void
append_cols(StringInfo buf, const OktaKindDef *kind, const char *skip)
{
	const OktaFieldDef *f;

	for (f = kind->fields; f->path; f++)
	{
		if (f->column == NULL || (skip && strcmp(f->path, skip) == 0))
			continue;
		okta_append_column_def(buf, kind, f);
	}
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
custom_user_columns(ForeignServer *server)
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

			if (col[0] == '\0' || is_standard_column(okta_table(OKTA_USERS)->kind, col))
				continue;
			appendStringInfo(&buf, ",\n  %s %s OPTIONS (path %s", quote_identifier(col),
							 schema_type(prop),
							 quote_literal_cstr(psprintf("profile.%s", key)));
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

List *
okta_import_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	List	   *cmds = NIL;
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
			custom = custom_user_columns(server);
			break;
		}
	}

	for (obj = 0; obj < okta_table_count(); obj++)
	{
		const OktaTableDef *t = okta_table((OktaObject) obj);
		StringInfoData buf;
		StringInfoData cols;

		if (!wanted(stmt, t->name))
			continue;
		initStringInfo(&cols);
		if (t->parent_kind)
			appendStringInfo(&cols, ",\n  %s text", quote_identifier(t->parent_column));
		if (t->member_column)
			appendStringInfo(&cols, ",\n  %s text", quote_identifier(t->member_column));
		/* a member table's member-id column stands for the member's id */
		append_cols(&cols, t->kind, t->member_column ? t->kind->id_field : NULL);
		/* the user schema's custom attributes, in tables of users */
		if (custom && t->kind == okta_table(OKTA_USERS)->kind)
			appendStringInfoString(&cols, custom);
		if (t->object_column)
			appendStringInfo(&cols, ",\n  %s jsonb", quote_identifier(t->object_column));
		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (%s", quote_identifier(t->name),
						 cols.data + 1);
		appendStringInfo(&buf, "\n) SERVER %s OPTIONS (object %s)",
						 quote_identifier(server->servername),
						 quote_literal_cstr(t->name));
		cmds = lappend(cmds, buf.data);
	}
	return cmds;
}

/*
 * import.c
 *      IMPORT FOREIGN SCHEMA okta: the four directory tables with SPEC's
 *      columns.
 */
#include "oktafdw.h"

#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

typedef struct ColDef
{
	const char *name;
	const char *type;
	const char *path;			/* NULL: derived from the name */
} ColDef;

static const ColDef user_cols[] = {
	{"id", "text", NULL},
	{"status", "text", NULL},
	{"created", "timestamptz", NULL},
	{"activated", "timestamptz", NULL},
	{"status_changed", "timestamptz", NULL},
	{"last_login", "timestamptz", NULL},
	{"last_updated", "timestamptz", NULL},
	{"password_changed", "timestamptz", NULL},
	{"transitioning_to_status", "text", NULL},
	{"type_id", "text", "type.id"},
	{"login", "text", NULL},
	{"email", "text", NULL},
	{"second_email", "text", NULL},
	{"first_name", "text", NULL},
	{"last_name", "text", NULL},
	{"middle_name", "text", NULL},
	{"honorific_prefix", "text", NULL},
	{"honorific_suffix", "text", NULL},
	{"title", "text", NULL},
	{"display_name", "text", NULL},
	{"nick_name", "text", NULL},
	{"profile_url", "text", NULL},
	{"primary_phone", "text", NULL},
	{"mobile_phone", "text", NULL},
	{"street_address", "text", NULL},
	{"city", "text", NULL},
	{"state", "text", NULL},
	{"zip_code", "text", NULL},
	{"country_code", "text", NULL},
	{"postal_address", "text", NULL},
	{"preferred_language", "text", NULL},
	{"locale", "text", NULL},
	{"timezone", "text", NULL},
	{"user_type", "text", NULL},
	{"employee_number", "text", NULL},
	{"cost_center", "text", NULL},
	{"organization", "text", NULL},
	{"division", "text", NULL},
	{"department", "text", NULL},
	{"manager_id", "text", NULL},
	{"manager", "text", NULL},
	{"profile", "jsonb", NULL},
	{NULL, NULL, NULL}
};

static const ColDef group_cols[] = {
	{"id", "text", NULL},
	{"created", "timestamptz", NULL},
	{"last_updated", "timestamptz", NULL},
	{"last_membership_updated", "timestamptz", NULL},
	{"type", "text", NULL},
	{"object_class", "text[]", NULL},
	{"name", "text", NULL},
	{"description", "text", NULL},
	{"profile", "jsonb", NULL},
	{NULL, NULL, NULL}
};

static void
append_cols(StringInfo buf, const ColDef *cols, bool skip_id)
{
	const ColDef *c;

	for (c = cols; c->name; c++)
	{
		if (skip_id && strcmp(c->name, "id") == 0)
			continue;
		appendStringInfo(buf, ",\n  %s %s", quote_identifier(c->name), c->type);
		if (c->path)
			appendStringInfo(buf, " OPTIONS (path %s)", quote_literal_cstr(c->path));
	}
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

	if (strcmp(stmt->remote_schema, "okta") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("remote schema \"%s\" does not exist", stmt->remote_schema),
				 errhint("An Okta org has one schema: IMPORT FOREIGN SCHEMA okta FROM SERVER ... INTO ...")));

	for (obj = OKTA_USERS; obj <= OKTA_USER_GROUPS; obj++)
	{
		const char *table = okta_object_name((OktaObject) obj);
		StringInfoData buf;

		if (!wanted(stmt, table))
			continue;
		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (",
						 quote_identifier(table));
		switch ((OktaObject) obj)
		{
			case OKTA_USERS:
				appendStringInfoString(&buf, "\n  id text");
				append_cols(&buf, user_cols, true);
				break;
			case OKTA_GROUPS:
				appendStringInfoString(&buf, "\n  id text");
				append_cols(&buf, group_cols, true);
				break;
			case OKTA_GROUP_MEMBERS:
				appendStringInfoString(&buf, "\n  group_id text,\n  user_id text");
				append_cols(&buf, user_cols, true);
				break;
			case OKTA_USER_GROUPS:
				appendStringInfoString(&buf, "\n  user_id text,\n  group_id text");
				append_cols(&buf, group_cols, true);
				break;
		}
		appendStringInfo(&buf, "\n) SERVER %s OPTIONS (object %s)",
						 quote_identifier(server->servername),
						 quote_literal_cstr(table));
		cmds = lappend(cmds, buf.data);
	}
	return cmds;
}

/*
 * tables.c
 *      What each foreign table is: the one description of oktafdw's objects.
 *
 * An Okta object kind (a user, a group) is described once, by its fields:
 * each field's Okta path, the column IMPORT FOREIGN SCHEMA makes for it
 * (name and type), and what Okta lets a scan do with it — compare it in
 * `search`, in `filter` and with which operators, name it in a `fields`
 * projection, leave it out with `okta-response` omit, fetch an object by it.
 * A table (the `object` option) is a kind plus the endpoint that lists its
 * rows; a member table (group_members, user_groups) also has the parent-id
 * column that names whose members a listing holds, and the column that
 * holds each member's id.
 *
 * Planning (deparse.c), the row reader (convert.c), IMPORT (import.c),
 * EXPLAIN and the projection all ask this file which field a column reads:
 * okta_column_info() is the rule, in one place.  Adding a table is adding
 * its kind's fields and its row in `tables` below, plus its endpoint logic
 * in deparse.c's okta_plan_requests() if the endpoint has a new shape.
 */
#include "oktafdw.h"

#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/lsyscache.h"

/* ---------- object kinds and their fields ---------- */

/*
 * The user object (GET /api/v1/users): the columns IMPORT makes, in their
 * order, then the other top-level fields.  IMPORT writes each column's path
 * as its `path` option, and the path and the short description that ends an
 * entry as the column's comment (okta_field_comment).
 */
static const OktaFieldDef user_fields[] = {
	{"id", "id", "text", OF_SEARCH | OF_FILTER_EQ | OF_LOOKUP_ID | OF_PROJECT,
	"the user's id (00u...)"},
	{"status", "status", "text", OF_SEARCH | OF_FILTER_EQ | OF_PROJECT,
	"the user's status: ACTIVE, STAGED, SUSPENDED, DEPROVISIONED, ..."},
	{"created", "created", "timestamptz", OF_TIMESTAMP | OF_PROJECT,
	"when the user was created"},
	{"activated", "activated", "timestamptz", OF_TIMESTAMP | OF_PROJECT,
	"when the user was last activated"},
	{"statusChanged", "status_changed", "timestamptz", OF_TIMESTAMP | OF_PROJECT,
	"when the status last changed"},
	{"lastLogin", "last_login", "timestamptz", OF_TIMESTAMP | OF_PROJECT,
	"the last sign-in"},
	{"lastUpdated", "last_updated", "timestamptz",
	OF_TIMESTAMP | OF_FILTER_EQ | OF_FILTER_GTLT | OF_FILTER_GELE | OF_PROJECT,
	"when the user last changed"},
	{"passwordChanged", "password_changed", "timestamptz", OF_TIMESTAMP | OF_PROJECT,
	"when the password last changed"},
	{"transitioningToStatus", "transitioning_to_status", "text",
	OF_PROJECT | OF_OMIT_TRANSITIONING,
	"the status an operation in progress moves the user to"},
	{"type.id", "type_id", "text", OF_SEARCH, "the id of the user's type"},
	{"profile.login", "login", "text", OF_SEARCH | OF_FILTER_EQ | OF_LOOKUP_LOGIN,
	"the sign-in name (unique)"},
	{"profile.email", "email", "text", OF_SEARCH | OF_FILTER_EQ, "primary email"},
	{"profile.secondEmail", "second_email", "text", OF_SEARCH, "secondary email"},
	{"profile.firstName", "first_name", "text", OF_SEARCH | OF_FILTER_EQ, "given name"},
	{"profile.lastName", "last_name", "text", OF_SEARCH | OF_FILTER_EQ, "family name"},
	{"profile.middleName", "middle_name", "text", OF_SEARCH, "middle name"},
	{"profile.honorificPrefix", "honorific_prefix", "text", OF_SEARCH,
	"honorific prefix (Dr., Ms.)"},
	{"profile.honorificSuffix", "honorific_suffix", "text", OF_SEARCH,
	"honorific suffix (Jr., PhD)"},
	{"profile.title", "title", "text", OF_SEARCH, "job title"},
	{"profile.displayName", "display_name", "text", OF_SEARCH, "display name"},
	{"profile.nickName", "nick_name", "text", OF_SEARCH, "casual name"},
	{"profile.profileUrl", "profile_url", "text", OF_SEARCH,
	"URL of the user's online profile"},
	{"profile.primaryPhone", "primary_phone", "text", OF_SEARCH, "primary phone number"},
	{"profile.mobilePhone", "mobile_phone", "text", OF_SEARCH, "mobile phone number"},
	{"profile.streetAddress", "street_address", "text", OF_SEARCH, "street address"},
	{"profile.city", "city", "text", OF_SEARCH, "city"},
	{"profile.state", "state", "text", OF_SEARCH, "state or region"},
	{"profile.zipCode", "zip_code", "text", OF_SEARCH, "postal code"},
	{"profile.countryCode", "country_code", "text", OF_SEARCH,
	"country (ISO 3166-1 alpha-2)"},
	{"profile.postalAddress", "postal_address", "text", OF_SEARCH, "mailing address"},
	{"profile.preferredLanguage", "preferred_language", "text", OF_SEARCH,
	"preferred language"},
	{"profile.locale", "locale", "text", OF_SEARCH, "locale (en_US)"},
	{"profile.timezone", "timezone", "text", OF_SEARCH, "time zone"},
	{"profile.userType", "user_type", "text", OF_SEARCH,
	"user type (organization-defined)"},
	{"profile.employeeNumber", "employee_number", "text", OF_SEARCH, "employee number"},
	{"profile.costCenter", "cost_center", "text", OF_SEARCH, "cost center"},
	{"profile.organization", "organization", "text", OF_SEARCH, "organization"},
	{"profile.division", "division", "text", OF_SEARCH, "division"},
	{"profile.department", "department", "text", OF_SEARCH, "department"},
	{"profile.managerId", "manager_id", "text", OF_SEARCH, "the manager's id"},
	{"profile.manager", "manager", "text", OF_SEARCH, "the manager's name"},
	{"profile", "profile", "jsonb", 0,
	"the whole profile: standard and custom attributes"},
	/* top-level fields no imported column reads */
	{"type", NULL, NULL, OF_PROJECT},
	{"realmId", NULL, NULL, OF_PROJECT},
	/* how a projection treats these is not documented: whole objects */
	{"credentials", NULL, NULL, OF_OMIT_CREDENTIALS},
	{"_links", NULL, NULL, 0},
	{"_embedded", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/* The group object (GET /api/v1/groups). */
static const OktaFieldDef group_fields[] = {
	{"id", "id", "text", OF_SEARCH | OF_FILTER_EQ | OF_LOOKUP_ID,
	"the group's id (00g...)"},
	{"created", "created", "timestamptz", OF_TIMESTAMP, "when the group was created"},
	{"lastUpdated", "last_updated", "timestamptz",
	OF_TIMESTAMP | OF_FILTER_EQ | OF_FILTER_GTLT,
	"when the group's profile last changed"},
	{"lastMembershipUpdated", "last_membership_updated", "timestamptz",
	OF_TIMESTAMP | OF_FILTER_EQ | OF_FILTER_GTLT, "when a member last joined or left"},
	{"type", "type", "text", OF_SEARCH | OF_FILTER_EQ,
	"OKTA_GROUP, APP_GROUP or BUILT_IN"},
	{"objectClass", "object_class", "text[]", 0,
	"the group's object classes (okta:user_group, ...)"},
	{"profile.name", "name", "text", OF_SEARCH, "the group's name"},
	{"profile.description", "description", "text", OF_SEARCH, "the group's description"},
	{"profile", "profile", "jsonb", 0, "the whole profile"},
	{"source", NULL, NULL, 0},
	{"source.id", NULL, NULL, OF_SEARCH},
	{"_links", NULL, NULL, 0},
	{"_embedded", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/*
 * The System Log's event (GET /api/v1/logs): `filter` only (no `search`);
 * published ranges become since/until and its order sortOrder.
 */
static const OktaFieldDef log_fields[] = {
	{"uuid", "uuid", "text", 0, "the event's id"},
	{"published", "published", "timestamptz", OF_BOUNDS, "when the event happened"},
	{"eventType", "event_type", "text", OF_FILTER_EQ,
	"what happened (user.session.start, ...)"},
	{"severity", "severity", "text", OF_FILTER_EQ, "DEBUG, INFO, WARN or ERROR"},
	{"displayMessage", "display_message", "text", 0, "the event in words"},
	{"actor.id", "actor_id", "text", OF_FILTER_EQ, "the id of who acted"},
	{"actor.type", "actor_type", "text", 0, "what acted (User, PublicClientApp, ...)"},
	{"actor.alternateId", "actor_alternate_id", "text", 0,
	"the actor's login or other name"},
	{"actor.displayName", "actor_display_name", "text", 0, "the actor's display name"},
	{"client.ipAddress", "client_ip", "text", 0, "the client's IP address"},
	{"outcome.result", "outcome_result", "text", OF_FILTER_EQ,
	"SUCCESS, FAILURE, ALLOW, DENY, ..."},
	{"outcome.reason", "outcome_reason", "text", 0, "why the outcome"},
	{"transaction.id", "transaction_id", "text", 0, "the id of the request or job"},
	{"target", "target", "jsonb", 0, "the objects acted on"},
	{"debugContext.debugData", "debug_context", "jsonb", 0, "debugging details"},
	/* top-level fields no column reads by name */
	{"version", NULL, NULL, 0},
	{"legacyEventType", NULL, NULL, 0},
	{"actor", NULL, NULL, 0},
	{"client", NULL, NULL, 0},
	{"outcome", NULL, NULL, 0},
	{"transaction", NULL, NULL, 0},
	{"debugContext", NULL, NULL, 0},
	{"authenticationContext", NULL, NULL, 0},
	{"securityContext", NULL, NULL, 0},
	{"request", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/*
 * The application (GET /api/v1/apps): `filter` only, eq on id, name,
 * status (okta-api.md §7).  Its credentials are secrets (see app_secrets).
 */
static const OktaFieldDef app_fields[] = {
	{"id", "id", "text", OF_FILTER_EQ | OF_LOOKUP_ID,
	"the app's id (0oa...)"},
	{"name", "name", "text", OF_FILTER_EQ,
	"the app's integration name (bookmark, oidc_client, ...)"},
	{"label", "label", "text", 0,
	"the app's display name"},
	{"status", "status", "text", OF_FILTER_EQ,
	"ACTIVE or INACTIVE"},
	{"signOnMode", "sign_on_mode", "text", 0,
	"how users sign in: SAML_2_0, OPENID_CONNECT, BOOKMARK, ..."},
	{"created", "created", "timestamptz", 0,
	"when the app was created"},
	{"lastUpdated", "last_updated", "timestamptz", 0,
	"when the app last changed"},
	{"features", "features", "text[]", 0,
	"the provisioning features turned on (PUSH_NEW_USERS, ...)"},
	/* top-level fields no imported column reads */
	{"orn", NULL, NULL, 0},
	{"accessibility", NULL, NULL, 0},
	{"visibility", NULL, NULL, 0},
	{"licensing", NULL, NULL, 0},
	{"settings", NULL, NULL, 0},
	{"credentials", NULL, NULL, 0},
	{"profile", NULL, NULL, 0},
	{"universalLogout", NULL, NULL, 0},
	{"_links", NULL, NULL, 0},
	{"_embedded", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/* an app's user (GET /api/v1/apps/{id}/users): id is the user's */
static const OktaFieldDef app_user_fields[] = {
	{"id", NULL, NULL, 0, "the user's id (00u...)"},
	{"scope", "scope", "text", 0,
	"USER (assigned directly) or GROUP (through a group)"},
	{"status", "status", "text", 0,
	"the assignment's status: ACTIVE, PROVISIONED, ..."},
	{"syncState", "sync_state", "text", 0,
	"provisioning: DISABLED, SYNCHRONIZED, ERROR, ..."},
	{"created", "created", "timestamptz", 0,
	"when the user was assigned"},
	{"lastUpdated", "last_updated", "timestamptz", 0,
	"when the assignment last changed"},
	{"statusChanged", "status_changed", "timestamptz", 0,
	"when the assignment's status last changed"},
	{"externalId", "external_id", "text", 0,
	"the user's id in the app (provisioning)"},
	{"credentials.userName", "user_name", "text", 0,
	"the user's name in the app"},
	{"profile", "profile", "jsonb", 0,
	"the user's profile in the app"},
	{"passwordChanged", NULL, NULL, 0},
	{"lastSync", NULL, NULL, 0},
	{"credentials", NULL, NULL, 0},
	{"_links", NULL, NULL, 0},
	{"_embedded", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/* an app's group assignment (GET /api/v1/apps/{id}/groups): id is the group's */
static const OktaFieldDef app_group_fields[] = {
	{"id", NULL, NULL, 0, "the group's id (00g...)"},
	{"priority", "priority", "integer", 0,
	"the assignment's priority (the lowest wins)"},
	{"lastUpdated", "last_updated", "timestamptz", 0,
	"when the assignment last changed"},
	{"profile", "profile", "jsonb", 0,
	"the profile the app gives the group's members"},
	{"_links", NULL, NULL, 0},
	{"_embedded", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/* a user's enrolled factor (GET /api/v1/users/{id}/factors) */
static const OktaFieldDef factor_fields[] = {
	{"id", "id", "text", 0,
	"the factor's id"},
	{"factorType", "factor_type", "text", 0,
	"token:software:totp, push, sms, webauthn, ..."},
	{"provider", "provider", "text", 0,
	"OKTA, GOOGLE, FIDO, ..."},
	{"vendorName", "vendor_name", "text", 0,
	"the factor's vendor"},
	{"status", "status", "text", 0,
	"ACTIVE, PENDING_ACTIVATION, ..."},
	{"created", "created", "timestamptz", 0,
	"when the factor was enrolled"},
	{"lastUpdated", "last_updated", "timestamptz", 0,
	"when the factor last changed"},
	{"profile", "profile", "jsonb", 0,
	"the factor's profile (phone number, device name, ...)"},
	{"verify", NULL, NULL, 0},
	{"_links", NULL, NULL, 0},
	{"_embedded", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/* a user's admin role assignment (GET /api/v1/users/{id}/roles) */
static const OktaFieldDef role_fields[] = {
	{"id", "id", "text", 0,
	"the role assignment's id"},
	{"type", "type", "text", 0,
	"the role: SUPER_ADMIN, ORG_ADMIN, ..., CUSTOM"},
	{"label", "label", "text", 0,
	"the role's name"},
	{"status", "status", "text", 0,
	"ACTIVE or INACTIVE"},
	{"assignmentType", "assignment_type", "text", 0,
	"USER (to the user) or GROUP (through a group)"},
	{"created", "created", "timestamptz", 0,
	"when the role was assigned"},
	{"lastUpdated", "last_updated", "timestamptz", 0,
	"when the assignment last changed"},
	{"role", NULL, NULL, 0},
	{"resource-set", NULL, NULL, 0},
	{"_links", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/* a user holding an admin role (GET /api/v1/iam/assignees/users) */
static const OktaFieldDef role_assignee_fields[] = {
	{"id", NULL, NULL, 0, "the user's id (00u...)"},
	{"orn", NULL, NULL, 0},
	{"_links", NULL, NULL, 0},
	{NULL, NULL, NULL, 0}
};

/*
 * Secrets: the members no column, jsonb value or JSON text ever shows, at
 * any depth of an object of a kind that names them (okta_secret_key).  An
 * app's credentials as a whole (signing key ids, an OAuth client's secret,
 * a shared account's user name and password); any object's client secret,
 * password, shared secret (a TOTP factor's enrollment), private key.
 */
static const char *const app_secrets[] = {
	"credentials", "client_secret", "password", "sharedSecret", "secret",
	"privateKey", "private_key", NULL
};
static const char *const object_secrets[] = {
	"client_secret", "password", "sharedSecret", "secret", "privateKey",
	"private_key", NULL
};

/* the plain user listing leaves DEPROVISIONED users out (okta-api.md) */
static const OktaKindDef user_kind = {
	.name = "user",
	.collection = "/api/v1/users",
	.fields = user_fields,
	.id_field = "id",
	.id_prefix = "00u",
	.search = true,
	.projection = true,
	.schema = "/api/v1/meta/schemas/user/default",
	.hidden = "status eq \"DEPROVISIONED\""
};

static const OktaKindDef group_kind = {
	.name = "group",
	.collection = "/api/v1/groups",
	.fields = group_fields,
	.id_field = "id",
	.id_prefix = "00g",
	.search = true,
	.expand = "stats"
};

/* pages of up to 1000 events (okta-api.md §7) */
static const OktaKindDef log_kind = {
	.name = "event",
	.collection = "/api/v1/logs",
	.fields = log_fields,
	.id_field = "uuid",
	.scope = "okta.logs.read",
	.page_size = 1000
};

/* pages of up to 200 apps (okta-api.md §7) */
static const OktaKindDef app_kind = {
	.name = "app",
	.collection = "/api/v1/apps",
	.fields = app_fields,
	.id_field = "id",
	.id_prefix = "0oa",
	.scope = "okta.apps.read",
	.secrets = app_secrets
};

/* pages of up to 500 app users (okta-api.md §7) */
static const OktaKindDef app_user_kind = {
	.name = "app user",
	.fields = app_user_fields,
	.id_field = "id",
	.scope = "okta.apps.read",
	.page_size = 500,
	.secrets = object_secrets
};

static const OktaKindDef app_group_kind = {
	.name = "app group",
	.fields = app_group_fields,
	.id_field = "id",
	.scope = "okta.apps.read",
	.secrets = object_secrets
};

/* factor ids start with a prefix per factor type: none is checked */
static const OktaKindDef factor_kind = {
	.name = "factor",
	.fields = factor_fields,
	.id_field = "id",
	.unpaged = true,
	.secrets = object_secrets
};

static const OktaKindDef role_kind = {
	.name = "role",
	.fields = role_fields,
	.id_field = "id",
	.scope = "okta.roles.read",
	.unpaged = true,
	.secrets = object_secrets
};

/* its pages are objects: {"value": [...], "_links": {"next": ...}}, of 100 */
static const OktaKindDef role_assignee_kind = {
	.name = "role holder",
	.collection = "/api/v1/iam/assignees/users",
	.fields = role_assignee_fields,
	.id_field = "id",
	.scope = "okta.roles.read",
	.page_size = 100,
	.body_paged = true
};

/* ---------- tables ---------- */

/*
 * In OktaObject's order.  Member tables: the parent's kind, the sub-path
 * of its member listing, the parent-id and member-id columns; the rows of
 * a member listing are the members (group_members), or for user_groups the
 * parent's groups.  A member table with no parent qual is read by a
 * fan-out: the groups' listing, then each group's members.
 */
static const OktaTableDef tables[] = {
	{
		.object = OKTA_USERS, .name = "users", .kind = &user_kind,
		.base_rows = 10000, .rows_per_lookup = 1
	},
	{
		.object = OKTA_GROUPS, .name = "groups", .kind = &group_kind,
		.base_rows = 500, .rows_per_lookup = 1
	},
	{
		.object = OKTA_GROUP_MEMBERS, .name = "group_members", .kind = &user_kind,
		.parent_kind = &group_kind, .member_path = "/users",
		.parent_column = "group_id", .member_column = "user_id",
		.base_rows = 20000, .rows_per_lookup = 50
	},
	{
		.object = OKTA_USER_GROUPS, .name = "user_groups", .kind = &group_kind,
		.parent_kind = &user_kind, .member_path = "/groups",
		.parent_column = "user_id", .member_column = "group_id",
		.fanout_parent_rows = true,
		.base_rows = 20000, .rows_per_lookup = 10
	},
	{
		.object = OKTA_SYSTEM_LOG, .name = "system_log", .kind = &log_kind,
		.object_column = "event",
		.base_rows = 10000, .rows_per_lookup = 1
	},
	{
		.object = OKTA_APPS, .name = "apps", .kind = &app_kind,
		.object_column = "app",
		.base_rows = 100, .rows_per_lookup = 1
	},
	{
		.object = OKTA_APP_USERS, .name = "app_users", .kind = &app_user_kind,
		.parent_kind = &app_kind, .member_path = "/users",
		.parent_column = "app_id", .member_column = "user_id",
		.base_rows = 20000, .rows_per_lookup = 200
	},
	{
		.object = OKTA_APP_GROUPS, .name = "app_groups", .kind = &app_group_kind,
		.parent_kind = &app_kind, .member_path = "/groups",
		.parent_column = "app_id", .member_column = "group_id",
		.base_rows = 300, .rows_per_lookup = 3
	},
	{
		.object = OKTA_USER_FACTORS, .name = "user_factors", .kind = &factor_kind,
		.parent_kind = &user_kind, .member_path = "/factors",
		.parent_column = "user_id",
		.base_rows = 20000, .rows_per_lookup = 2
	},
	{
		.object = OKTA_USER_ROLES, .name = "user_roles", .kind = &role_kind,
		.parent_kind = &user_kind, .member_path = "/roles",
		.parent_column = "user_id",
		.fanout_kind = &role_assignee_kind,
		.base_rows = 20, .rows_per_lookup = 2
	},
};

const OktaTableDef *
okta_table(OktaObject object)
{
	Assert((int) object >= 0 && (int) object < (int) lengthof(tables));
	return &tables[object];
}

int
okta_table_count(void)
{
	return (int) lengthof(tables);
}

const char *
okta_object_name(OktaObject obj)
{
	return okta_table(obj)->name;
}

bool
okta_parse_object(const char *name, OktaObject *obj)
{
	int			i;

	for (i = 0; i < (int) lengthof(tables); i++)
	{
		if (strcmp(name, tables[i].name) == 0)
		{
			*obj = tables[i].object;
			return true;
		}
	}
	return false;
}

/*
 * The object names from the from'th on, for messages: "users, groups,
 * group_members and user_groups" (sep_last " and ")
 */
char *
okta_object_names(int from, const char *sep_last)
{
	StringInfoData b;
	int			i;
	int			n = (int) lengthof(tables);

	initStringInfo(&b);
	for (i = from; i < n; i++)
		appendStringInfo(&b, "%s%s", i == from ? "" : (i == n - 1 ? sep_last : ", "),
						 tables[i].name);
	return b.data;
}

/* ---------- columns ---------- */

/* a column option's value, or NULL */
static char *
column_option(Oid relid, AttrNumber attnum, const char *name)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

/* The `path` option of a column, or NULL. */
char *
okta_column_path(Oid relid, AttrNumber attnum)
{
	return column_option(relid, attnum, "path");
}

/*
 * The values of the `type` column option: the types of Okta's user schema
 * (what IMPORT writes), and date, a string attribute holding ISO 8601
 * dates (YYYY-MM-DD, a time may follow), which only a user can tell.
 */
static const struct
{
	const char *name;
	int			type;
}			okta_types[] = {
	{"string", OKTA_TYPE_STRING},
	{"integer", OKTA_TYPE_INTEGER},
	{"number", OKTA_TYPE_NUMBER},
	{"boolean", OKTA_TYPE_BOOLEAN},
	{"array", OKTA_TYPE_ARRAY},
	{"date", OKTA_TYPE_DATE},
	{NULL, OKTA_TYPE_NONE}
};

/* a `type` option's value; false if it is not one */
bool
okta_parse_okta_type(const char *name, int *type)
{
	int			i;

	for (i = 0; okta_types[i].name; i++)
	{
		if (strcmp(name, okta_types[i].name) == 0)
		{
			*type = okta_types[i].type;
			return true;
		}
	}
	return false;
}

/* a column name's Okta field name: snake_case to camelCase */
char *
okta_camel_case(const char *s)
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

/* the kind's field at this Okta path, or NULL */
const OktaFieldDef *
okta_kind_field(const OktaKindDef *kind, const char *path)
{
	const OktaFieldDef *f;

	for (f = kind->fields; f->path; f++)
	{
		if (strcmp(f->path, path) == 0)
			return f;
	}
	return NULL;
}

/* the kind's field whose ranges become since/until (OF_BOUNDS), or NULL */
const OktaFieldDef *
okta_kind_bounds(const OktaKindDef *kind)
{
	const OktaFieldDef *f;

	for (f = kind->fields; f->path; f++)
	{
		if (f->flags & OF_BOUNDS)
			return f;
	}
	return NULL;
}

/* is this a top-level field of the kind (one with no dot)? */
static bool
is_top_field(const OktaKindDef *kind, const char *name)
{
	return strchr(name, '.') == NULL && okta_kind_field(kind, name) != NULL;
}

/*
 * Which field a column (without a path option) named `name` reads: its
 * camelCase (*camel) at the top level when the kind has such a field, else
 * under profile.  The row reader looks the camelCase up at the top level
 * first and then under profile for any name, since an object may carry a
 * top-level field this file does not know.
 */
static char *
name_field(const OktaKindDef *kind, const char *name, char **camel)
{
	char	   *c = okta_camel_case(name);

	if (camel)
		*camel = c;
	return is_top_field(kind, c) ? c : psprintf("profile.%s", c);
}

/*
 * Is a member named key (len bytes) one of the kind's secrets, which no
 * value read from its objects ever holds (tables above)?  The one rule:
 * a column whose path goes through a secret reads NULL, and a JSON value
 * (jsonb, json, text) is shown without its secret members at any depth
 * (convert.c).
 */
bool
okta_secret_key(const OktaKindDef *kind, const char *key, int len)
{
	const char *const *s;

	if (kind->secrets == NULL)
		return false;
	for (s = kind->secrets; *s; s++)
	{
		if ((int) strlen(*s) == len && memcmp(*s, key, len) == 0)
			return true;
	}
	return false;
}

/* does a dotted path step into one of the kind's secrets? */
static bool
path_has_secret(const OktaKindDef *kind, const char *path)
{
	const char *p = path;

	if (kind->secrets == NULL)
		return false;
	for (;;)
	{
		const char *dot = strchr(p, '.');
		int			len = dot ? (int) (dot - p) : (int) strlen(p);

		if (okta_secret_key(kind, p, len))
			return true;
		if (dot == NULL)
			return false;
		p = dot + 1;
	}
}

/*
 * The rule: what a table's column reads.  The parent-id column of a member
 * table is the parent's id (given by the request, not read from the
 * object); the member-id column is the member object's id; any other column
 * reads its `path` option, else its name's field (name_field).  info->def
 * is the known field at that path (NULL for, e.g., custom profile
 * attributes): what may be pushed, projected or omitted.  Lookups and
 * search apply to the tables that list one kind's objects (users, groups),
 * not to member tables, whose listings take no search.
 */
void
okta_column_info(Oid relid, OktaObject object, AttrNumber attnum, OktaColumnInfo *info)
{
	const OktaTableDef *t = okta_table(object);
	char	   *path = okta_column_path(relid, attnum);
	char	   *name = get_attname(relid, attnum, false);

	char	   *okta_type = column_option(relid, attnum, "type");

	memset(info, 0, sizeof(*info));
	info->typid = get_atttype(relid, attnum);
	info->has_path = path != NULL;
	if (okta_type == NULL || !okta_parse_okta_type(okta_type, &info->okta_type))
		info->okta_type = OKTA_TYPE_NONE;
	if (path == NULL && t->parent_column && strcmp(name, t->parent_column) == 0)
	{
		info->role = COL_PARENT_ID;
		return;
	}
	if (path == NULL && t->object_column && strcmp(name, t->object_column) == 0)
	{
		info->role = COL_OBJECT;
		return;
	}
	if (path == NULL && t->member_column && strcmp(name, t->member_column) == 0)
		info->path = pstrdup("id");
	else if (path)
		info->path = pstrdup(path);
	else
		info->path = name_field(t->kind, name, &info->name_key);
	info->def = okta_kind_field(t->kind, info->path);
	info->secret = path_has_secret(t->kind, info->path) ||
		(info->name_key && okta_secret_key(t->kind, info->name_key, strlen(info->name_key)));
	if (t->parent_kind == NULL && info->def)
	{
		if (info->def->flags & OF_LOOKUP_ID)
			info->role = COL_LOOKUP_ID;
		else if (info->def->flags & OF_LOOKUP_LOGIN)
			info->role = COL_LOOKUP_LOGIN;
	}
}

/*
 * The Okta attribute a comparison on this column may be pushed to, or NULL,
 * and how it compares (*kind): a timestamptz column on a timestamp field, a
 * text column on a searchable string field, and a custom profile attribute
 * (a field tables.c does not know, under profile) with a `type` option, in
 * a column whose SQL type compares as Okta does:
 *   string        text
 *   integer       smallint, integer, bigint, numeric
 *   number        the same and double precision (real rounds: not pushed)
 *   boolean       boolean
 *   date          date (a text column compares as a string)
 * An array attribute is not searched (Okta's pr leaves out [], and the
 * items' type is not known).  Member tables push nothing but their parent.
 */
const char *
okta_column_search_attr(Oid relid, OktaObject object, const OktaColumnInfo *info,
						OktaCmpKind *kind)
{
	const OktaTableDef *t = okta_table(object);

	*kind = CMP_TEXT;
	if (t->parent_kind != NULL || info->path == NULL)
		return NULL;
	if (info->def == NULL)
	{
		Oid			typid = info->typid;
		bool		integral = typid == INT2OID || typid == INT4OID ||
			typid == INT8OID || typid == NUMERICOID;

		if (!t->kind->search || strncmp(info->path, "profile.", 8) != 0 ||
			strchr(info->path + 8, '.') != NULL)
			return NULL;
		switch (info->okta_type)
		{
			case OKTA_TYPE_STRING:
				if (typid != TEXTOID)
					return NULL;
				break;
			case OKTA_TYPE_INTEGER:
				if (!integral)
					return NULL;
				*kind = CMP_INTEGER;
				break;
			case OKTA_TYPE_NUMBER:
				if (!integral && typid != FLOAT8OID)
					return NULL;
				*kind = CMP_NUMBER;
				break;
			case OKTA_TYPE_BOOLEAN:
				if (typid != BOOLOID)
					return NULL;
				*kind = CMP_BOOLEAN;
				break;
			case OKTA_TYPE_DATE:
				if (typid == DATEOID)
					*kind = CMP_DATE;
				else if (typid != TEXTOID)
					return NULL;
				break;
			default:
				return NULL;
		}
		return info->path;
	}
	if (info->typid == TIMESTAMPTZOID && (info->def->flags & OF_TIMESTAMP))
	{
		*kind = CMP_TIMESTAMP;
		return info->def->path;
	}
	if (info->typid == TEXTOID && (info->def->flags & (OF_SEARCH | OF_FILTER_EQ)))
		return info->def->path;
	return NULL;
}

/* can Okta's `filter` (not only `search`) compare the field with op? */
bool
okta_field_filter_op(OktaObject object, const char *path, const char *op)
{
	const OktaFieldDef *f = okta_kind_field(okta_table(object)->kind, path);

	if (f == NULL)
		return false;
	if (strcmp(op, "eq") == 0)
		return (f->flags & OF_FILTER_EQ) != 0;
	if (strcmp(op, "gt") == 0 || strcmp(op, "lt") == 0)
		return (f->flags & OF_FILTER_GTLT) != 0;
	if (strcmp(op, "ge") == 0 || strcmp(op, "le") == 0)
		return (f->flags & OF_FILTER_GELE) != 0;
	return false;
}

/*
 * The column IMPORT makes for field f, with its path as the `path` option
 * (also where the name alone would lead to it: the catalog then shows where
 * every column's value comes from)
 */
void
okta_append_column_def(StringInfo buf, const OktaFieldDef *f)
{
	appendStringInfo(buf, ",\n  %s %s OPTIONS (path %s)", quote_identifier(f->column),
					 f->type, quote_literal_cstr(f->path));
}

/* the comment of field f's column: "profile.login: the sign-in name" */
char *
okta_field_comment(const OktaFieldDef *f)
{
	return f->descr ? psprintf("%s: %s", f->path, f->descr) : pstrdup(f->path);
}

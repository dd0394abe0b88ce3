/*
 * option.c
 *      Options of oktafdw's servers, user mappings, tables and columns: the
 *      validator (everything is checked when written) and readers.
 */
#include "oktafdw.h"

#include "access/reloptions.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include "utils/builtins.h"
#include "utils/lsyscache.h"

typedef struct OktaOption
{
	const char *name;
	Oid			context;
} OktaOption;

static const OktaOption valid_options[] = {
	{"org_url", ForeignServerRelationId},
	{"scopes", ForeignServerRelationId},
	{"ca_file", ForeignServerRelationId},
	{"proxy", ForeignServerRelationId},
	{"timeout_ms", ForeignServerRelationId},
	{"connect_timeout_ms", ForeignServerRelationId},
	{"page_size", ForeignServerRelationId},
	{"max_retries", ForeignServerRelationId},
	{"max_concurrency", ForeignServerRelationId},
	{"max_fanout", ForeignServerRelationId},
	{"dpop", ForeignServerRelationId},
	{"fields_projection", ForeignServerRelationId},
	{"reconcile_interval", ForeignServerRelationId},
	{"client_id", UserMappingRelationId},
	{"private_key", UserMappingRelationId},
	{"private_key_file", UserMappingRelationId},
	{"key_id", UserMappingRelationId},
	{"api_token", UserMappingRelationId},
	{"object", ForeignTableRelationId},
	{"pushdown", ForeignTableRelationId},
	{"path", AttributeRelationId},
	{"type", AttributeRelationId},
	{NULL, InvalidOid}
};

PG_FUNCTION_INFO_V1(oktafdw_validator);

static int
int_option(DefElem *def, int min, int max)
{
	char	   *s = defGetString(def);
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, s),
				 errhint("Give an integer from %d to %d.", min, max)));
	return (int) v;
}

static oc_dpop_mode
dpop_option(DefElem *def)
{
	char	   *s = defGetString(def);

	if (pg_strcasecmp(s, "auto") == 0)
		return OC_DPOP_AUTO;
	if (pg_strcasecmp(s, "on") == 0 || pg_strcasecmp(s, "true") == 0)
		return OC_DPOP_ON;
	if (pg_strcasecmp(s, "off") == 0 || pg_strcasecmp(s, "false") == 0)
		return OC_DPOP_OFF;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("invalid value for option \"dpop\": \"%s\"", s),
			 errhint("Valid values are auto, on and off.")));
	return OC_DPOP_AUTO;		/* keep compiler quiet */
}

static bool
bool_option(DefElem *def)
{
	char	   *s = defGetString(def);
	bool		v;

	if (!parse_bool(s, &v))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, s),
				 errhint("Valid values are true and false.")));
	return v;
}

/* an interval, not negative (okta_sync reads it) */
static void
interval_option(DefElem *def)
{
	char	   *s = defGetString(def);
	Datum		d;
	Interval   *zero = palloc0(sizeof(Interval));

	d = DirectFunctionCall3(interval_in, CStringGetDatum(s),
							ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	if (DatumGetBool(DirectFunctionCall2(interval_lt, d, IntervalPGetDatum(zero))))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, s),
				 errhint("Give an interval that is not negative, e.g. '1 day' ('0' reconciles on every sync).")));
}

/*
 * Does a private_key value look like a file's name rather than a PEM text
 * ('/etc/okta/key.pem', 'key.pem')?  One line, no PEM armour, and a path's
 * look: a slash or a key file's extension.
 */
static bool
looks_like_file_name(const char *s)
{
	size_t		n = strlen(s);
	static const char *const exts[] = {".pem", ".key", ".p8", ".der", NULL};
	int			i;

	if (n == 0 || n > MAXPGPATH || strpbrk(s, "\n\r") != NULL || strstr(s, "-----") != NULL)
		return false;
	if (strchr(s, '/') != NULL || s[0] == '~')
		return true;
	for (i = 0; exts[i]; i++)
	{
		size_t		e = strlen(exts[i]);

		if (n > e && pg_strcasecmp(s + n - e, exts[i]) == 0)
			return true;
	}
	return false;
}

/* a key must parse; one read from a file (wipe) is wiped either way */
static void
check_key_text(char *pem, const char *option, bool wipe)
{
	char		msg[256];
	char		hint[512];
	int			rc = oc_check_private_key(pem, msg, sizeof(msg), hint, sizeof(hint));

	if (rc < 0 && !wipe && looks_like_file_name(pem))
		snprintf(hint, sizeof(hint), "%s",
				 "The value looks like a file name: did you mean private_key_file? It takes an absolute path on the database server, e.g. OPTIONS (ADD private_key_file '/etc/okta/key.pem'), and only a superuser may set it; else give the key's PEM text itself as private_key.");
	if (wipe)
		okta_wipe_key(pem);
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": %s", option, msg),
				 hint[0] ? errhint("%s", hint) : 0));
}

/*
 * Read a key file (superuser only: it reads a server file) into one buffer
 * of its exact size, with read(2) rather than stdio, so that no copy of the
 * key is left behind in a stdio buffer, a stack chunk or a buffer outgrown;
 * the caller wipes the result with okta_wipe_key() once it is parsed.
 */
#define KEY_FILE_MAX (1024 * 1024)

char *
okta_read_key_file(const char *path)
{
	int			fd;
	struct stat st;
	char	   *buf;
	size_t		len = 0;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open private key file \"%s\": %m", path)));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > KEY_FILE_MAX)
	{
		bool		regular = S_ISREG(st.st_mode);

		CloseTransientFile(fd);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 regular ? errmsg("private key file \"%s\" is too large", path)
				 : errmsg("private key file \"%s\" is not a regular file", path)));
	}
	buf = palloc((size_t) st.st_size + 1);
	while (len < (size_t) st.st_size)
	{
		ssize_t		n = read(fd, buf + len, (size_t) st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;				/* the file shrank: parse what was read */
		len += (size_t) n;
	}
	CloseTransientFile(fd);
	buf[len] = '\0';
	return buf;
}

/* Overwrite a key read from a file (a compiler may not drop this). */
void
okta_wipe_key(char *pem)
{
	if (pem != NULL)
	{
		explicit_bzero(pem, strlen(pem));
		pfree(pem);
	}
}

static void
invalid_option(DefElem *def, Oid catalog)
{
	StringInfoData buf;
	const OktaOption *opt;

	initStringInfo(&buf);
	for (opt = valid_options; opt->name; opt++)
	{
		if (opt->context == catalog)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", opt->name);
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", def->defname),
			 buf.len > 0
			 ? errhint("Valid options in this context are: %s.", buf.data)
			 : errhint("There are no valid options in this context.")));
}

/*
 * Is this (valid) org URL the Okta Admin Console's, https://acme-admin.okta.com
 * (a classic mistake: it is what the browser shows)?  Then the org's own URL,
 * palloc'd; else NULL.
 */
char *
okta_admin_console_url_fix(const char *org_url)
{
	char		fixed[1024];

	if (!oc_org_url_is_admin_console(org_url, fixed, sizeof(fixed)))
		return NULL;
	return pstrdup(fixed);
}

/* Is this (valid) org URL http://?  Only for a loopback host. */
bool
okta_org_url_is_http(const char *org_url)
{
	return pg_strncasecmp(org_url, "http://", 7) == 0;
}

/*
 * Option values go as they are into request headers (api_token), URLs
 * (org_url, proxy), JWTs (client_id, key_id), the token request (scopes),
 * file names and JSON paths: none may hold a control character, CR and LF
 * above all.  private_key, a PEM text, is lines; it is checked as a key.
 * The value is not shown: it may be a secret.
 */
static void
check_no_control_char(DefElem *def)
{
	if (strcmp(def->defname, "private_key") != 0 &&
		oc_has_control_char(defGetString(def)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\"", def->defname),
				 errdetail("The value holds a control character (such as a carriage return or a line feed).")));
}

/*
 * A URL option (org_url, proxy) checked by the client layer's rule for it,
 * which says what is wrong in msg; hint tells what to give instead.
 */
static void
url_option(DefElem *def, int (*check) (const char *, char *, size_t), const char *hint)
{
	char		msg[256];

	if (check(defGetString(def), msg, sizeof(msg)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": %s", def->defname, msg),
				 errhint("%s", hint)));
}

/*
 * A refused user mapping statement holds the key or token it was given:
 * keep the statement text (and any context quoting it) out of the report
 * and the server log.
 */
static void
hide_statement_cb(void *arg)
{
	errhidestmt(true);
	errhidecontext(true);
}

/* Check the options of one catalog's object; errors if one is wrong. */
static void
validate_options(List *options, Oid catalog)
{
	ListCell   *lc;
	bool		have_org_url = false;
	bool		have_client_id = false;
	bool		have_key = false;
	bool		have_key_file = false;
	bool		have_token = false;
	bool		have_key_id = false;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const OktaOption *opt;
		bool		found = false;

		for (opt = valid_options; opt->name; opt++)
		{
			if (opt->context == catalog && strcmp(opt->name, def->defname) == 0)
			{
				found = true;
				break;
			}
		}
		if (!found)
			invalid_option(def, catalog);
		check_no_control_char(def);

		if (strcmp(def->defname, "org_url") == 0)
		{
			char	   *fixed;

			url_option(def, oc_check_org_url, "Use the org's origin, e.g. https://acme.okta.com.");
			if ((fixed = okta_admin_console_url_fix(defGetString(def))) != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"org_url\": \"%s\" is the Okta Admin Console's address, not the org's",
								defGetString(def)),
						 errhint("Drop \"-admin\" from the host name: org_url '%s'.", fixed)));

			/*
			 * USAGE on the wrapper lets a role create servers, that is,
			 * choose where the database server connects: https:// to any
			 * host is its choice, plain http:// to a port of this machine a
			 * superuser's.  (ALTER shows us all the server's options, so a
			 * non-superuser cannot alter an http:// server at all.)
			 */
			if (okta_org_url_is_http(defGetString(def)) && !superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only superuser can set an http:// org_url"),
						 errhint("Use https://.")));
			have_org_url = true;
		}
		else if (strcmp(def->defname, "ca_file") == 0)
		{
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only superuser can set option \"ca_file\"")));
			if (!is_absolute_path(defGetString(def)))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("option \"ca_file\" must be an absolute path")));
		}
		else if (strcmp(def->defname, "proxy") == 0)
		{
			/* where the org's traffic goes, like ca_file a superuser's choice */
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only superuser can set option \"proxy\"")));
			url_option(def, oc_check_proxy_url, "Give the proxy's URL, e.g. http://proxy.example.com:3128.");
		}
		else if (strcmp(def->defname, "scopes") == 0)
		{
			const char *s = defGetString(def);

			if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._: ") != strlen(s))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"scopes\": \"%s\"", s),
						 errhint("Give space-separated Okta scopes, e.g. \"okta.users.read okta.groups.read\".")));
		}
		else if (strcmp(def->defname, "timeout_ms") == 0)
			(void) int_option(def, 1, 3600000);
		else if (strcmp(def->defname, "connect_timeout_ms") == 0)
			(void) int_option(def, 1, 3600000);
		else if (strcmp(def->defname, "page_size") == 0)
			(void) int_option(def, 1, 200);
		else if (strcmp(def->defname, "max_retries") == 0)
			(void) int_option(def, 0, 100);
		else if (strcmp(def->defname, "max_concurrency") == 0)
			(void) int_option(def, 1, 32);
		else if (strcmp(def->defname, "max_fanout") == 0)
			(void) int_option(def, 1, 100000000);
		else if (strcmp(def->defname, "dpop") == 0)
			(void) dpop_option(def);
		else if (strcmp(def->defname, "fields_projection") == 0)
			(void) bool_option(def);
		else if (strcmp(def->defname, "reconcile_interval") == 0)
			interval_option(def);
		else if (strcmp(def->defname, "client_id") == 0)
		{
			if (*defGetString(def) == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("option \"client_id\" must not be empty")));
			have_client_id = true;
		}
		else if (strcmp(def->defname, "private_key") == 0)
		{
			check_key_text(defGetString(def), "private_key", false);
			have_key = true;
		}
		else if (strcmp(def->defname, "private_key_file") == 0)
		{
			char	   *pem;

			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only superuser can set option \"private_key_file\"")));
			if (!is_absolute_path(defGetString(def)))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("option \"private_key_file\" must be an absolute path")));
			pem = okta_read_key_file(defGetString(def));
			check_key_text(pem, "private_key_file", true);
			have_key_file = true;
		}
		else if (strcmp(def->defname, "key_id") == 0)
			have_key_id = true;
		else if (strcmp(def->defname, "api_token") == 0)
		{
			const char *t = defGetString(def);

			if (*t == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("option \"api_token\" must not be empty")));
			/* it goes into "Authorization: SSWS <token>" */
			if (strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(t))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"api_token\""),
						 errdetail("An Okta API token holds only letters, digits, \"-\" and \"_\"; the value is not shown.")));
			have_token = true;
		}
		else if (strcmp(def->defname, "object") == 0)
		{
			OktaObject	obj;

			if (!okta_parse_object(defGetString(def), &obj))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"object\": \"%s\"", defGetString(def)),
						 errhint("Valid values are %s.", okta_object_names(0, " and "))));
		}
		else if (strcmp(def->defname, "pushdown") == 0)
			(void) defGetBoolean(def);
		else if (strcmp(def->defname, "path") == 0)
		{
			const char *p = defGetString(def);
			size_t		n = strlen(p);

			if (n == 0 || p[0] == '.' || p[n - 1] == '.' || strstr(p, "..") != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"path\": \"%s\"", p),
						 errhint("Give a dotted JSON path such as \"profile.employeeNumber\".")));
		}
		else if (strcmp(def->defname, "type") == 0)
		{
			int			type;

			if (!okta_parse_okta_type(defGetString(def), &type))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"type\": \"%s\"", defGetString(def)),
						 errhint("Valid values are string, integer, number, boolean, array and date.")));
		}
	}

	if (catalog == ForeignServerRelationId && !have_org_url)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"org_url\" is required for an oktafdw server")));

	if (catalog == UserMappingRelationId)
	{
		int			kinds = (have_token ? 1 : 0) + ((have_client_id || have_key || have_key_file) ? 1 : 0);

		if (kinds != 1)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg(kinds == 0
							? "user mapping has no Okta credentials"
							: "user mapping has more than one kind of Okta credentials"),
					 errhint("Give either client_id with private_key (or private_key_file), or api_token.")));
		if (!have_token)
		{
			if (!have_client_id)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
						 errmsg("option \"client_id\" is required with a private key")));
			if (have_key == have_key_file)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg(have_key
								? "give either \"private_key\" or \"private_key_file\", not both"
								: "option \"private_key\" or \"private_key_file\" is required with client_id")));
		}
		else if (have_key_id)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("option \"key_id\" goes with a private key, not with api_token")));
	}
}

Datum
oktafdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ErrorContextCallback hide;

	if (catalog != UserMappingRelationId)
	{
		validate_options(options, catalog);
		PG_RETURN_VOID();
	}

	/*
	 * Pushed and popped around the one call, so that no way out of here
	 * leaves error_context_stack pointing into this frame (an error resets
	 * the stack itself); gcc 14's -Wdangling-pointer checks exactly that.
	 */
	hide.callback = hide_statement_cb;
	hide.arg = NULL;
	hide.previous = error_context_stack;
	error_context_stack = &hide;
	validate_options(options, catalog);
	error_context_stack = hide.previous;
	PG_RETURN_VOID();
}

void
okta_get_server_options(ForeignServer *server, OktaServerOptions *opts)
{
	ListCell   *lc;

	memset(opts, 0, sizeof(*opts));
	opts->timeout_ms = 30000;
	opts->connect_timeout_ms = 10000;
	opts->page_size = 200;
	opts->max_retries = 5;
	opts->max_concurrency = 4;
	opts->max_fanout = 10000;
	opts->dpop = OC_DPOP_AUTO;
	opts->fields_projection = true;
	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "org_url") == 0)
			opts->org_url = defGetString(def);
		else if (strcmp(def->defname, "ca_file") == 0)
			opts->ca_file = defGetString(def);
		else if (strcmp(def->defname, "proxy") == 0)
			opts->proxy = defGetString(def);
		else if (strcmp(def->defname, "scopes") == 0)
			opts->scopes = defGetString(def);
		else if (strcmp(def->defname, "timeout_ms") == 0)
			opts->timeout_ms = int_option(def, 1, 3600000);
		else if (strcmp(def->defname, "connect_timeout_ms") == 0)
			opts->connect_timeout_ms = int_option(def, 1, 3600000);
		else if (strcmp(def->defname, "page_size") == 0)
			opts->page_size = int_option(def, 1, 200);
		else if (strcmp(def->defname, "max_retries") == 0)
			opts->max_retries = int_option(def, 0, 100);
		else if (strcmp(def->defname, "max_concurrency") == 0)
			opts->max_concurrency = int_option(def, 1, 32);
		else if (strcmp(def->defname, "max_fanout") == 0)
			opts->max_fanout = int_option(def, 1, 100000000);
		else if (strcmp(def->defname, "dpop") == 0)
			opts->dpop = dpop_option(def);
		else if (strcmp(def->defname, "fields_projection") == 0)
			opts->fields_projection = bool_option(def);
	}
	if (opts->org_url == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no org_url option", server->servername)));
}

void
okta_get_table_options(Oid relid, OktaTableOptions *opts)
{
	ForeignTable *ft = GetForeignTable(relid);
	ListCell   *lc;
	bool		have_object = false;

	opts->object = OKTA_USERS;
	opts->pushdown = true;
	foreach(lc, ft->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "object") == 0)
		{
			have_object = okta_parse_object(defGetString(def), &opts->object);
		}
		else if (strcmp(def->defname, "pushdown") == 0)
			opts->pushdown = defGetBoolean(def);
	}
	if (!have_object)
	{
		/* default: the table's own name, when it names an object */
		char	   *relname = get_rel_name(relid);

		if (relname == NULL || !okta_parse_object(relname, &opts->object))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("foreign table \"%s\" has no \"object\" option",
							relname ? relname : "?"),
					 errhint("Add OPTIONS (object '%s') (or %s).", okta_object_name(OKTA_USERS),
							 okta_object_names(1, ", "))));
	}
}

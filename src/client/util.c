/*
 * util.c
 *      Strings, encodings and error helpers of the Okta client layer.
 */
#include "oc_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
oc_error_clear(oc_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

const char *
oc_errkind_name(oc_errkind kind)
{
	switch (kind)
	{
		case OC_OK:
			return "ok";
		case OC_ERR_CONFIG:
			return "configuration";
		case OC_ERR_AUTH:
			return "authentication";
		case OC_ERR_UNAUTHORIZED:
			return "unauthorized";
		case OC_ERR_FORBIDDEN:
			return "forbidden";
		case OC_ERR_NOT_FOUND:
			return "not found";
		case OC_ERR_RATE_LIMIT:
			return "rate limit";
		case OC_ERR_SERVER:
			return "server error";
		case OC_ERR_HTTP:
			return "http error";
		case OC_ERR_NETWORK:
			return "network";
		case OC_ERR_TIMEOUT:
			return "timeout";
		case OC_ERR_CANCELLED:
			return "cancelled";
		case OC_ERR_PARSE:
			return "parse";
		case OC_ERR_NOMEM:
			return "out of memory";
		case OC_ERR_LIMIT:
			return "limit";
	}
	return "unknown";
}

void
oc_copy(char *dst, size_t dstlen, const char *src)
{
	size_t		n;

	if (dstlen == 0)
		return;
	if (src == NULL)
		src = "";
	n = strlen(src);
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Text from Okta (a header, an error body) on its way into a message: the
 * messages are shown by PostgreSQL, logged and returned as text, so they
 * hold only what every encoding takes and no terminal controls.
 *
 * oc_copy_printable: n bytes of src (NULs included) as printable ASCII,
 * every other byte '?', cut to fit dst (dstlen > 0; always terminated).
 */
void
oc_copy_printable(char *dst, size_t dstlen, const char *src, size_t n)
{
	size_t		i;

	if (dstlen == 0)
		return;
	if (src == NULL)
		n = 0;
	if (n >= dstlen)
		n = dstlen - 1;
	for (i = 0; i < n; i++)
	{
		unsigned char ch = (unsigned char) src[i];

		dst[i] = (ch >= 0x20 && ch < 0x7f) ? (char) ch : '?';
	}
	dst[n] = '\0';
}

/*
 * The length of the valid UTF-8 sequence at s (n bytes left), and its code
 * point; 0 when the bytes there are not one (overlong, a surrogate, beyond
 * U+10FFFF, cut short).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t		len,
				i;
	unsigned long u;

	if (s[0] < 0x80)
	{
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
	{
		len = 2;
		u = s[0] & 0x1f;
	}
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
	{
		len = 3;
		u = s[0] & 0x0f;
	}
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
	{
		len = 4;
		u = s[0] & 0x07;
	}
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
	{
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		u = (u << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && u < 0x800) || (len == 4 && u < 0x10000) ||
		(u >= 0xd800 && u <= 0xdfff) || u > 0x10ffff)
		return 0;
	*cp = u;
	return len;
}

/*
 * oc_copy_text: n bytes of text that should be UTF-8 (a JSON string's
 * value), as valid UTF-8 without control characters: tab, CR and LF become
 * a space, other controls (C0, DEL, C1) and bytes that are not UTF-8 '?';
 * cut at a character's boundary to fit dst (always terminated).
 */
void
oc_copy_text(char *dst, size_t dstlen, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *) src;
	size_t		i = 0,
				o = 0;

	if (dstlen == 0)
		return;
	if (src == NULL)
		n = 0;
	while (i < n)
	{
		unsigned long cp = 0;
		size_t		len = utf8_seq(s + i, n - i, &cp);

		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		{
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (len != 0 && (cp == '\t' || cp == '\n' || cp == '\r')) ? ' ' : '?';
			i += len ? len : 1;
			continue;
		}
		if (o + len >= dstlen)
			break;
		memcpy(dst + o, s + i, len);
		o += len;
		i += len;
	}
	dst[o] = '\0';
}

void
oc_set_error(oc_error *err, oc_errkind kind, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* ---------- oc_buf ---------- */

void
oc_buf_init(oc_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}

int
oc_buf_reserve(oc_buf *b, size_t extra)
{
	size_t		need;
	size_t		ncap;
	char	   *nd;

	if (b->failed)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	nd = realloc(b->data, ncap);
	if (nd == NULL)
	{
		b->failed = 1;
		return -1;
	}
	b->data = nd;
	b->cap = ncap;
	return 0;
}

void
oc_buf_append(oc_buf *b, const char *s, size_t n)
{
	if (oc_buf_reserve(b, n) < 0)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
oc_buf_puts(oc_buf *b, const char *s)
{
	oc_buf_append(b, s, strlen(s));
}

void
oc_buf_printf(oc_buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || oc_buf_reserve(b, (size_t) n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

void
oc_buf_free(oc_buf *b)
{
	free(b->data);
	oc_buf_init(b);
}

/* Take the buffer's string (or NULL after a failure); the buffer is reset. */
char *
oc_buf_take(oc_buf *b)
{
	char	   *s;

	if (b->failed)
	{
		oc_buf_free(b);
		return NULL;
	}
	if (b->data == NULL)
		oc_buf_append(b, "", 0);
	s = b->data;
	oc_buf_init(b);
	return s;
}

char *
oc_strdup(const char *s)
{
	size_t		n;
	char	   *d;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	d = malloc(n + 1);
	if (d)
		memcpy(d, s, n + 1);
	return d;
}

char *
oc_strndup(const char *s, size_t n)
{
	char	   *d = malloc(n + 1);

	if (d)
	{
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* ---------- character classes (ASCII, whatever the locale) ---------- */

int
oc_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

int
oc_isalnum(int c)
{
	return oc_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ---------- encodings ---------- */

static const char hexdigits[] = "0123456789ABCDEF";

static int
is_unreserved(unsigned char c)
{
	return oc_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static void
append_pct(oc_buf *b, unsigned char c)
{
	char		e[3];

	e[0] = '%';
	e[1] = hexdigits[c >> 4];
	e[2] = hexdigits[c & 15];
	oc_buf_append(b, e, 3);
}

void
oc_encode_path_segment(oc_buf *b, const char *s)
{
	const unsigned char *p;

	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
	{
		for (p = (const unsigned char *) s; *p; p++)
			append_pct(b, *p);
		return;
	}
	/*
	 * Only unreserved characters stay as they are: RFC 3986 lets a segment
	 * carry sub-delims, ':' and '@' too, but servers give some of them a
	 * meaning (a servlet stack cuts ";..." off a segment, so "..;" would
	 * walk up the path)
	 */
	oc_encode_query_value(b, s);
}

void
oc_encode_query_value(oc_buf *b, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p; p++)
	{
		if (is_unreserved(*p))
			oc_buf_append(b, (const char *) p, 1);
		else
			append_pct(b, *p);
	}
}

int
oc_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
oc_percent_decode(const char *s, size_t len)
{
	char	   *out = malloc(len + 1);
	size_t		i,
				o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
	{
		if (s[i] == '%' && i + 2 < len &&
			oc_hexval((unsigned char) s[i + 1]) >= 0 &&
			oc_hexval((unsigned char) s[i + 2]) >= 0)
		{
			out[o++] = (char) (oc_hexval((unsigned char) s[i + 1]) * 16 +
							   oc_hexval((unsigned char) s[i + 2]));
			i += 2;
		}
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

int
oc_search_quote(oc_buf *b, const char *value)
{
	const unsigned char *p;

	for (p = (const unsigned char *) value; *p; p++)
	{
		if (*p < 0x20 || *p == 0x7f)
			return -1;
	}
	oc_buf_append(b, "\"", 1);
	for (p = (const unsigned char *) value; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			oc_buf_append(b, "\\", 1);
		oc_buf_append(b, (const char *) p, 1);
	}
	oc_buf_append(b, "\"", 1);
	return 0;
}

void
oc_b64url(oc_buf *b, const unsigned char *data, size_t len)
{
	static const char tbl[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t		i;
	char		out[4];

	for (i = 0; i + 2 < len; i += 3)
	{
		unsigned	v = ((unsigned) data[i] << 16) | ((unsigned) data[i + 1] << 8) | data[i + 2];

		out[0] = tbl[(v >> 18) & 63];
		out[1] = tbl[(v >> 12) & 63];
		out[2] = tbl[(v >> 6) & 63];
		out[3] = tbl[v & 63];
		oc_buf_append(b, out, 4);
	}
	if (len - i == 1)
	{
		unsigned	v = (unsigned) data[i] << 16;

		out[0] = tbl[(v >> 18) & 63];
		out[1] = tbl[(v >> 12) & 63];
		oc_buf_append(b, out, 2);
	}
	else if (len - i == 2)
	{
		unsigned	v = ((unsigned) data[i] << 16) | ((unsigned) data[i + 1] << 8);

		out[0] = tbl[(v >> 18) & 63];
		out[1] = tbl[(v >> 12) & 63];
		out[2] = tbl[(v >> 6) & 63];
		oc_buf_append(b, out, 3);
	}
}

/* Does s hold a control character (a byte below 0x20, or DEL)? */
int
oc_has_control_char(const char *s)
{
	for (; *s; s++)
	{
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

/* ---------- URL checks ---------- */

int
oc_check_proxy_url(const char *url, char *errbuf, size_t errlen)
{
	static const char *const schemes[] = {"http://", "https://", "socks5h://"};
	const char *rest = NULL;
	const char *host;
	size_t		authlen;
	size_t		i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]) && rest == NULL; i++)
	{
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			rest = url + strlen(schemes[i]);
	}
	if (rest == NULL)
	{
		snprintf(errbuf, errlen, "proxy must start with http://, https:// or socks5h://");
		return -1;
	}
	if (oc_has_control_char(rest) || strchr(rest, ' ') != NULL)
	{
		snprintf(errbuf, errlen, "proxy holds a control character or a space");
		return -1;
	}
	authlen = strcspn(rest, "/?#");
	/* the host: after any user:password@ */
	host = rest;
	for (i = 0; i < authlen; i++)
	{
		if (rest[i] == '@')
			host = rest + i + 1;
	}
	if (host == rest + authlen || *host == ':')
	{
		snprintf(errbuf, errlen, "proxy has no host");
		return -1;
	}
	if (!(rest[authlen] == '\0' || (rest[authlen] == '/' && rest[authlen + 1] == '\0')))
	{
		snprintf(errbuf, errlen, "proxy must be a scheme, a host and a port only, without a path");
		return -1;
	}
	return 0;
}

static int
host_is_loopback(const char *host, size_t n)
{
	if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
		return 1;
	if (n == 5 && strncmp(host, "[::1]", 5) == 0)
		return 1;
	if (n >= 4 && strncmp(host, "127.", 4) == 0)
	{
		/* 127.a.b.c: four octets of 1-3 digits, each at most 255 */
		size_t		i = 0;
		int			octets = 0;

		while (i < n)
		{
			size_t		start = i;
			int			v = 0;

			while (i < n && oc_isdigit((unsigned char) host[i]) && i - start < 3)
				v = v * 10 + (host[i++] - '0');
			if (i == start || v > 255)
				return 0;
			octets++;
			if (i == n)
				break;
			if (host[i] != '.' || octets == 4)
				return 0;
			i++;
			if (i == n)
				return 0;		/* a trailing dot */
		}
		return octets == 4;
	}
	return 0;
}

int
oc_check_org_url(const char *url, char *errbuf, size_t errlen)
{
	const char *rest;
	const char *hostend;
	const char *p;
	size_t		hostlen;
	int			https;

	if (strncasecmp(url, "https://", 8) == 0)
	{
		https = 1;
		rest = url + 8;
	}
	else if (strncasecmp(url, "http://", 7) == 0)
	{
		https = 0;
		rest = url + 7;
	}
	else
	{
		snprintf(errbuf, errlen, "org_url must start with https://");
		return -1;
	}
	if (*rest == '[')
	{
		const char *q;

		hostend = strchr(rest, ']');
		if (hostend == NULL || hostend == rest + 1)
		{
			snprintf(errbuf, errlen, "org_url has an invalid IPv6 address");
			return -1;
		}
		for (q = rest + 1; q < hostend; q++)
		{
			if (!(oc_isdigit((unsigned char) *q) || strchr("abcdefABCDEF:.", *q)))
			{
				snprintf(errbuf, errlen, "org_url has an invalid IPv6 address");
				return -1;
			}
		}
		hostend++;
	}
	else
	{
		hostend = rest;
		while (*hostend && *hostend != ':' && *hostend != '/')
		{
			if (!(oc_isalnum((unsigned char) *hostend) || *hostend == '-' ||
				  *hostend == '.' || *hostend == '_'))
			{
				snprintf(errbuf, errlen, "org_url has an invalid host name");
				return -1;
			}
			hostend++;
		}
	}
	hostlen = (size_t) (hostend - rest);
	if (hostlen == 0)
	{
		snprintf(errbuf, errlen, "org_url has no host");
		return -1;
	}
	p = hostend;
	if (*p == ':')
	{
		long		port = 0;

		p++;
		if (!oc_isdigit((unsigned char) *p))
		{
			snprintf(errbuf, errlen, "org_url has an invalid port");
			return -1;
		}
		while (oc_isdigit((unsigned char) *p))
		{
			port = port * 10 + (*p - '0');
			if (port > 65535)
				break;
			p++;
		}
		if (port < 1 || port > 65535)
		{
			snprintf(errbuf, errlen, "org_url has an invalid port");
			return -1;
		}
	}
	if (*p == '/')
		p++;
	if (*p != '\0')
	{
		snprintf(errbuf, errlen,
				 "org_url must be the org's origin only (scheme, host and port), without a path, query or fragment");
		return -1;
	}
	if (!https && !host_is_loopback(rest, hostlen))
	{
		snprintf(errbuf, errlen,
				 "org_url must use https:// (http:// is allowed only for a loopback host)");
		return -1;
	}
	return 0;
}

/* Is the host of this URL (scheme://host[:port]...) a loopback host? */
int
oc_url_host_is_loopback(const char *url)
{
	const char *host = strstr(url, "://");
	size_t		n;

	if (host == NULL)
		return 0;
	host += 3;
	n = *host == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/?#");
	return host_is_loopback(host, n);
}

int
oc_org_url_is_admin_console(const char *url, char *fixed, size_t fixedlen)
{
	static const char *const okta_domains[] = {
		"okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil", NULL
	};
	const char *host = strstr(url, "://");
	const char *dot;
	size_t		hostlen;
	size_t		labellen;
	int			i;

	if (host == NULL)
		return 0;
	host += 3;
	hostlen = strcspn(host, ":/");
	dot = memchr(host, '.', hostlen);
	if (dot == NULL)
		return 0;
	labellen = (size_t) (dot - host);
	if (labellen <= 6 || strncasecmp(dot - 6, "-admin", 6) != 0)
		return 0;
	for (i = 0; okta_domains[i]; i++)
	{
		size_t		n = strlen(okta_domains[i]);

		if (hostlen - labellen - 1 == n && strncasecmp(dot + 1, okta_domains[i], n) == 0)
		{
			snprintf(fixed, fixedlen, "%.*s%s", (int) (dot - 6 - url), url, dot);
			return 1;
		}
	}
	return 0;
}

"""Okta `search` / `filter` expressions: tokenizer, parser, validator, evaluator.

The grammar (SCIM-like, as Okta accepts it):

    expr    := andexpr ( "or" andexpr )*
    andexpr := primary ( "and" primary )*
    primary := "(" expr ")" | ATTR OP VALUE | ATTR "pr"
    OP      := eq | sw | co | gt | ge | lt | le
    VALUE   := JSON string | JSON number | true | false

`and` binds tighter than `or`. Keywords and operators are lower case; attribute
names are case-sensitive.  `ne` and `not` are not supported (Okta answers 400).

A parsed expression is checked against a Dialect (which attributes and
operators one endpoint/parameter accepts, and whether string comparison is
case-insensitive), then compiled into a predicate over the served objects.

Errors raise SearchError(code, summary) with Okta's error codes:
E0000031 (invalid search criteria) and E0000030 (bad date).
"""

import datetime
import re

INVALID_SEARCH = "E0000031"
INVALID_DATE = "E0000030"

SUMMARY_INVALID_SEARCH = "Invalid search criteria."
SUMMARY_INVALID_DATE = ("Bad request. Invalid date. Dates must be of the form "
                        "yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00.")

COMPARISON_OPS = ("eq", "sw", "co", "gt", "ge", "lt", "le")
ORDER_OPS = ("gt", "ge", "lt", "le")
MAX_EXPRESSION_LENGTH = 4096
MAX_DEPTH = 64


class SearchError(Exception):
    """An expression Okta would refuse; maps to an HTTP 400 error body."""

    def __init__(self, code, summary, detail=""):
        super().__init__(detail or summary)
        self.code = code
        self.summary = summary
        self.detail = detail


def _invalid(detail):
    return SearchError(INVALID_SEARCH, SUMMARY_INVALID_SEARCH, detail)


# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------

# token kinds
T_LPAREN, T_RPAREN, T_WORD, T_STRING, T_NUMBER, T_END = (
    "(", ")", "word", "string", "number", "end")

_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f",
            "n": "\n", "r": "\r", "t": "\t"}


class Token:
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind, value, pos):
        self.kind = kind
        self.value = value
        self.pos = pos

    def __repr__(self):
        return "Token(%s, %r, %d)" % (self.kind, self.value, self.pos)


def _read_string(text, start):
    """Read a JSON string literal starting at text[start] == '"'.
    Returns (value, index after the closing quote)."""
    out = []
    i = start + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            return "".join(out), i + 1
        if c == "\\":
            if i + 1 >= n:
                break
            e = text[i + 1]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
                continue
            if e == "u":
                hexdigits = text[i + 2:i + 6]
                if len(hexdigits) != 4 or not re.fullmatch(r"[0-9A-Fa-f]{4}", hexdigits):
                    raise _invalid("bad \\u escape at %d" % i)
                code = int(hexdigits, 16)
                i += 6
                # a surrogate pair written as two escapes
                if 0xD800 <= code <= 0xDBFF and text[i:i + 2] == "\\u":
                    low = text[i + 2:i + 6]
                    if re.fullmatch(r"[0-9A-Fa-f]{4}", low) and 0xDC00 <= int(low, 16) <= 0xDFFF:
                        code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                        i += 6
                if 0xD800 <= code <= 0xDFFF:
                    raise _invalid("lone surrogate in \\u escape")
                out.append(chr(code))
                continue
            raise _invalid("bad escape \\%s at %d" % (e, i))
        if ord(c) < 0x20:
            raise _invalid("control character in string at %d" % i)
        out.append(c)
        i += 1
    raise _invalid("unterminated string starting at %d" % start)


def tokenize(text):
    """Split an expression into tokens; raises SearchError on a lexical error."""
    tokens = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "(":
            tokens.append(Token(T_LPAREN, c, i))
            i += 1
        elif c == ")":
            tokens.append(Token(T_RPAREN, c, i))
            i += 1
        elif c == '"':
            value, end = _read_string(text, i)
            tokens.append(Token(T_STRING, value, i))
            i = end
        elif c == "-" or c.isdigit():
            m = _NUMBER_RE.match(text, i)
            if not m:
                raise _invalid("bad number at %d" % i)
            lexeme = m.group(0)
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "._"):
                raise _invalid("bad number at %d" % i)
            is_int = not any(ch in lexeme for ch in ".eE")
            tokens.append(Token(T_NUMBER, int(lexeme) if is_int else float(lexeme), i))
            i = end
        else:
            m = _WORD_RE.match(text, i)
            if not m:
                raise _invalid("unexpected character %r at %d" % (c, i))
            tokens.append(Token(T_WORD, m.group(0), i))
            i = m.end()
    tokens.append(Token(T_END, None, n))
    return tokens


# --------------------------------------------------------------------------
# AST and parser
# --------------------------------------------------------------------------

class Or:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __repr__(self):
        return "Or(%r)" % (self.items,)


class And:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __repr__(self):
        return "And(%r)" % (self.items,)


class Compare:
    """attr OP value; value is str, int, float or bool."""
    __slots__ = ("attr", "op", "value")

    def __init__(self, attr, op, value):
        self.attr = attr
        self.op = op
        self.value = value

    def __repr__(self):
        return "Compare(%r, %r, %r)" % (self.attr, self.op, self.value)


class Present:
    __slots__ = ("attr",)

    def __init__(self, attr):
        self.attr = attr

    def __repr__(self):
        return "Present(%r)" % (self.attr,)


_KEYWORDS = {"and", "or", "not", "pr", "true", "false", "null"} | set(COMPARISON_OPS) | {"ne"}


class _Parser:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0

    def peek(self):
        return self.tokens[self.pos]

    def take(self):
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def is_word(self, word):
        tok = self.peek()
        return tok.kind == T_WORD and tok.value == word

    def parse(self):
        if self.peek().kind == T_END:
            raise _invalid("empty expression")
        node = self.parse_or()
        tok = self.peek()
        if tok.kind != T_END:
            raise _invalid("unexpected %r at %d" % (tok.value, tok.pos))
        return node

    def parse_or(self):
        items = [self.parse_and()]
        while self.is_word("or"):
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(items)

    def parse_and(self):
        items = [self.parse_primary()]
        while self.is_word("and"):
            self.take()
            items.append(self.parse_primary())
        return items[0] if len(items) == 1 else And(items)

    def parse_primary(self):
        tok = self.take()
        if tok.kind == T_LPAREN:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _invalid("expression nested too deeply")
            node = self.parse_or()
            close = self.take()
            if close.kind != T_RPAREN:
                raise _invalid("missing ')' at %d" % close.pos)
            self.depth -= 1
            return node
        if tok.kind != T_WORD:
            raise _invalid("expected an attribute at %d" % tok.pos)
        if tok.value in _KEYWORDS:
            raise _invalid("unexpected keyword %r at %d" % (tok.value, tok.pos))
        attr = tok.value
        if attr.endswith(".") or ".." in attr:
            raise _invalid("bad attribute name %r" % attr)
        op_tok = self.take()
        if op_tok.kind != T_WORD:
            raise _invalid("expected an operator at %d" % op_tok.pos)
        op = op_tok.value
        if op == "pr":
            return Present(attr)
        if op not in COMPARISON_OPS:
            # includes `ne`, upper-case operators and anything else
            raise _invalid("unsupported operator %r" % op)
        val_tok = self.take()
        if val_tok.kind in (T_STRING, T_NUMBER):
            value = val_tok.value
        elif val_tok.kind == T_WORD and val_tok.value in ("true", "false"):
            value = val_tok.value == "true"
        else:
            raise _invalid("expected a value at %d" % val_tok.pos)
        return Compare(attr, op, value)


def parse(text):
    """Parse an expression into an AST (Or / And / Compare / Present)."""
    if not isinstance(text, str):
        raise _invalid("expression is not text")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise _invalid("expression too long")
    return _Parser(text).parse()


# --------------------------------------------------------------------------
# Types, dialects, validation
# --------------------------------------------------------------------------

# attribute value types
STRING, TIMESTAMP, INTEGER, NUMBER, BOOLEAN, STRING_ARRAY = (
    "string", "timestamp", "integer", "number", "boolean", "array")

_TS_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})")

_ts_cache = {}


def parse_timestamp(text):
    """An Okta timestamp (ISO 8601 with Z or offset, optional fraction) as epoch
    milliseconds; None if malformed."""
    if not isinstance(text, str):
        return None
    cached = _ts_cache.get(text)
    if cached is not None:
        return cached
    m = _TS_RE.fullmatch(text)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        dt = datetime.datetime(int(year), int(month), int(day), int(hour),
                               int(minute), int(second), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 60 + int(digits[2:])
        if int(digits[:2]) > 23 or int(digits[2:]) > 59:
            return None
        dt -= datetime.timedelta(minutes=sign * offset)
    millis = int((frac or "0").ljust(3, "0")[:3])
    value = int(dt.timestamp()) * 1000 + millis
    if len(_ts_cache) < 200000:
        _ts_cache[text] = value
    return value


class Dialect:
    """What one parameter of one endpoint accepts.

    attrs: attribute name -> type (STRING, TIMESTAMP, ...)
    ops: attribute name -> set of allowed operators (pr included when allowed);
         attributes not listed get default_ops
    case_insensitive: string comparisons fold case (search) or not (filter)
    """

    def __init__(self, name, attrs, default_ops, ops=None, case_insensitive=True):
        self.name = name
        self.attrs = dict(attrs)
        self.default_ops = frozenset(default_ops)
        self.ops = {k: frozenset(v) for k, v in (ops or {}).items()}
        self.case_insensitive = case_insensitive

    def allowed_ops(self, attr):
        return self.ops.get(attr, self.default_ops)


def _literal_fits(attr_type, value):
    """Whether a literal can be compared with an attribute of attr_type."""
    if attr_type in (STRING, STRING_ARRAY, TIMESTAMP):
        return isinstance(value, str)
    if attr_type in (INTEGER, NUMBER):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if attr_type == BOOLEAN:
        return isinstance(value, bool)
    return False


def validate(node, dialect):
    """Check attributes, operators and literal types against the dialect.
    Raises SearchError. Timestamp literals are checked here (E0000030)."""
    if isinstance(node, (Or, And)):
        for item in node.items:
            validate(item, dialect)
        return
    attr = node.attr
    attr_type = dialect.attrs.get(attr)
    if attr_type is None:
        raise _invalid("attribute %r not supported in %s" % (attr, dialect.name))
    allowed = dialect.allowed_ops(attr)
    if isinstance(node, Present):
        if "pr" not in allowed:
            raise _invalid("operator pr not supported on %s" % attr)
        return
    op = node.op
    if op not in allowed:
        raise _invalid("operator %s not supported on %s" % (op, attr))
    if not _literal_fits(attr_type, node.value):
        raise _invalid("value of the wrong type for %s" % attr)
    if op in ("sw", "co") and attr_type not in (STRING, STRING_ARRAY):
        raise _invalid("operator %s needs a string attribute" % op)
    if op in ORDER_OPS and attr_type == BOOLEAN:
        raise _invalid("operator %s not supported on a boolean" % op)
    if attr_type == TIMESTAMP and parse_timestamp(node.value) is None:
        raise SearchError(INVALID_DATE, SUMMARY_INVALID_DATE, "bad date %r" % node.value)


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------

MISSING = object()


def resolve_path(obj, attr):
    """Default attribute lookup: a dotted path into nested dicts."""
    cur = obj
    for part in attr.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return MISSING
        cur = cur[part]
    return cur


def _compare_scalar(op, have, want, attr_type, fold):
    """One attribute value against one literal; both already type-checked."""
    if have is None:
        return False
    if attr_type == TIMESTAMP:
        have = parse_timestamp(have)
        if have is None:
            return False
        want = parse_timestamp(want)
    elif attr_type in (STRING, STRING_ARRAY):
        if not isinstance(have, str):
            return False
        if fold:
            have = have.casefold()
            want = want.casefold()
    elif attr_type in (INTEGER, NUMBER):
        if isinstance(have, bool) or not isinstance(have, (int, float)):
            return False
    elif attr_type == BOOLEAN:
        if not isinstance(have, bool):
            return False
        return op == "eq" and have == want
    if op == "eq":
        return have == want
    if op == "sw":
        return have.startswith(want)
    if op == "co":
        return want in have
    if op == "gt":
        return have > want
    if op == "ge":
        return have >= want
    if op == "lt":
        return have < want
    if op == "le":
        return have <= want
    return False


def _present(value):
    """SCIM `pr`: the attribute has a non-empty value (not missing, null, "" or [])."""
    if value is MISSING or value is None:
        return False
    if isinstance(value, (str, list, dict)) and len(value) == 0:
        return False
    return True


def _build(node, dialect, resolve):
    if isinstance(node, Or):
        parts = [_build(item, dialect, resolve) for item in node.items]
        return lambda obj: any(p(obj) for p in parts)
    if isinstance(node, And):
        parts = [_build(item, dialect, resolve) for item in node.items]
        return lambda obj: all(p(obj) for p in parts)
    attr = node.attr
    if isinstance(node, Present):
        return lambda obj: _present(resolve(obj, attr))
    op, want = node.op, node.value
    attr_type = dialect.attrs[attr]
    fold = dialect.case_insensitive

    def predicate(obj):
        have = resolve(obj, attr)
        if have is MISSING or have is None:
            return False
        if isinstance(have, list):
            return any(_compare_scalar(op, item, want, attr_type, fold) for item in have)
        return _compare_scalar(op, have, want, attr_type, fold)
    return predicate


def compile_expression(text, dialect, resolve=resolve_path):
    """Parse, validate and compile; returns predicate(obj) -> bool."""
    node = parse(text)
    validate(node, dialect)
    return _build(node, dialect, resolve)


def compile_node(node, dialect, resolve=resolve_path):
    """A parsed and validated AST as predicate(obj) -> bool (for callers
    that check more than validate() does, e.g. the System Log filter)."""
    return _build(node, dialect, resolve)


# --------------------------------------------------------------------------
# The Okta dialects
# --------------------------------------------------------------------------

USER_TIMESTAMPS = ("created", "activated", "statusChanged", "lastLogin",
                   "lastUpdated", "passwordChanged")
GROUP_TIMESTAMPS = ("created", "lastUpdated", "lastMembershipUpdated")
ALL_SEARCH_OPS = set(COMPARISON_OPS) | {"pr"}


def user_search_dialect(profile_types):
    """Users `search`: any profile attribute (profile_types: name -> type),
    id, status, timestamps, type.id; case-insensitive; co only on four."""
    attrs = {"id": STRING, "status": STRING, "type.id": STRING}
    attrs.update({name: TIMESTAMP for name in USER_TIMESTAMPS})
    attrs.update({"profile." + name: t for name, t in profile_types.items()})
    no_co = ALL_SEARCH_OPS - {"co"}
    ops = {attr: no_co for attr in attrs}
    for name in ("firstName", "lastName", "email", "login"):
        ops["profile." + name] = ALL_SEARCH_OPS
    return Dialect("users search", attrs, no_co, ops, case_insensitive=True)


def user_filter_dialect():
    """Users `filter`: a few attributes, eq only (plus ranges on lastUpdated),
    case-sensitive."""
    attrs = {"status": STRING, "lastUpdated": TIMESTAMP, "id": STRING,
             "profile.login": STRING, "profile.email": STRING,
             "profile.firstName": STRING, "profile.lastName": STRING}
    ops = {"lastUpdated": {"eq", "gt", "ge", "lt", "le"}}
    return Dialect("users filter", attrs, {"eq"}, ops, case_insensitive=False)


def group_search_dialect(profile_types):
    attrs = {"id": STRING, "type": STRING, "source.id": STRING}
    attrs.update({name: TIMESTAMP for name in GROUP_TIMESTAMPS})
    attrs.update({"profile." + name: t for name, t in profile_types.items()})
    no_co = ALL_SEARCH_OPS - {"co"}
    ops = {attr: no_co for attr in attrs}
    ops["profile.name"] = ALL_SEARCH_OPS
    ops["profile.description"] = ALL_SEARCH_OPS
    return Dialect("groups search", attrs, no_co, ops, case_insensitive=True)


def group_filter_dialect():
    attrs = {"id": STRING, "type": STRING}
    attrs.update({name: TIMESTAMP for name in ("lastUpdated", "lastMembershipUpdated")})
    ranges = {"eq", "gt", "ge", "lt", "le"}
    ops = {"lastUpdated": ranges, "lastMembershipUpdated": ranges}
    return Dialect("groups filter", attrs, {"eq"}, ops, case_insensitive=False)


def app_filter_dialect():
    """Apps `filter`: eq only, case-sensitive (the OpenAPI description's
    properties, and user.id/group.id of the older reference)."""
    attrs = {"id": STRING, "status": STRING, "name": STRING,
             "credentials.signing.kid": STRING, "settings.slo.enabled": BOOLEAN,
             "user.id": STRING_ARRAY, "group.id": STRING_ARRAY}
    return Dialect("apps filter", attrs, {"eq"}, case_insensitive=False)

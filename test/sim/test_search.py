#!/usr/bin/python3
"""Unit tests of sim_search: tokenizer, parser (precedence, escapes), dialect
validation (operators, attributes, types, dates) and evaluation (case rules,
arrays, missing values, pr)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sim_search as S          # noqa: E402
from testlib import Checks      # noqa: E402

PROFILE_TYPES = {"login": S.STRING, "email": S.STRING, "firstName": S.STRING,
                 "lastName": S.STRING, "title": S.STRING, "department": S.STRING,
                 "costCenterCode": S.STRING, "isContractor": S.BOOLEAN,
                 "badgeNumber": S.INTEGER, "hourlyRate": S.NUMBER, "skills": S.STRING_ARRAY,
                 "startDate": S.STRING}
USER_SEARCH = S.user_search_dialect(PROFILE_TYPES)
USER_FILTER = S.user_filter_dialect()
GROUP_SEARCH = S.group_search_dialect({"name": S.STRING, "description": S.STRING})
GROUP_FILTER = S.group_filter_dialect()

USERS = [
    {"id": "00uA", "status": "ACTIVE", "created": "2024-01-31T00:00:00.000Z",
     "lastUpdated": "2024-06-01T12:00:00.000Z", "lastLogin": None, "type": {"id": "otyX"},
     "profile": {"login": "Alice.Smith@example.com", "email": "alice@example.com",
                 "firstName": "Alice", "lastName": "O'Brien", "title": 'Say "Hi"',
                 "department": "", "costCenterCode": '" or status eq "ACTIVE',
                 "isContractor": True, "badgeNumber": 42, "hourlyRate": 12.5,
                 "skills": ["SQL", "C++"], "startDate": "2024-02-01"}},
    {"id": "00uB", "status": "DEPROVISIONED", "created": "2023-05-05T05:05:05.123Z",
     "lastUpdated": "2024-01-31T00:00:00.000Z", "lastLogin": "2024-01-01T00:00:00.000Z",
     "type": {"id": "otyX"},
     "profile": {"login": "bob@example.com", "email": "bob@example.com", "firstName": "Bob",
                 "lastName": "Back\\slash", "title": None, "isContractor": False,
                 "badgeNumber": 7, "hourlyRate": 99.99, "skills": []}},
    {"id": "00uC", "status": "SUSPENDED", "created": "2022-01-01T00:00:00.000Z",
     "lastUpdated": "2022-01-01T00:00:00.000Z", "lastLogin": None, "type": {"id": "otyY"},
     "profile": {"login": "josé@example.com", "email": "jose@example.com",
                 "firstName": "José", "lastName": "渡辺"}},
]
GROUPS = [
    {"id": "00gA", "type": "OKTA_GROUP", "created": "2020-01-01T00:00:00.000Z",
     "lastUpdated": "2021-01-01T00:00:00.000Z", "lastMembershipUpdated": "2024-01-01T00:00:00.000Z",
     "profile": {"name": 'Group "Quoted"', "description": None}},
    {"id": "00gB", "type": "APP_GROUP", "created": "2020-01-01T00:00:00.000Z",
     "lastUpdated": "2023-01-01T00:00:00.000Z", "lastMembershipUpdated": "2023-01-01T00:00:00.000Z",
     "profile": {"name": "Domain Users", "description": "Imported"}},
]

checks = Checks()


def ids(expr, dialect=USER_SEARCH, objs=USERS):
    pred = S.compile_expression(expr, dialect)
    return [o["id"] for o in objs if pred(o)]


def expect(name, expr, want, dialect=USER_SEARCH, objs=USERS):
    try:
        got = ids(expr, dialect, objs)
    except S.SearchError as err:
        checks.check(name, False, "unexpected %s: %s" % (err.code, err))
        return
    checks.equal(name, got, want)


def expect_error(name, expr, code=S.INVALID_SEARCH, dialect=USER_SEARCH):
    try:
        S.compile_expression(expr, dialect)
    except S.SearchError as err:
        checks.equal(name, err.code, code)
        return
    checks.check(name, False, "no error for %r" % expr)


def test_tokenizer():
    toks = S.tokenize('profile.x eq "a\\"b" and (n gt -1.5e3)')
    checks.equal("token kinds", [t.kind for t in toks],
                 ["word", "word", "string", "word", "(", "word", "word", "number", ")", "end"])
    checks.equal("escaped quote", toks[2].value, 'a"b')
    checks.equal("number value", toks[7].value, -1500.0)
    checks.equal("integer value", S.tokenize("5")[0].value, 5)
    checks.equal("unicode escape", S.tokenize('"\\u00e9\\u6e21"')[0].value, "é渡")
    checks.equal("surrogate pair", S.tokenize('"\\ud83d\\ude00"')[0].value, "\U0001F600")
    checks.equal("backslash escape", S.tokenize('"a\\\\b"')[0].value, "a\\b")
    checks.equal("raw utf-8", S.tokenize('"渡辺"')[0].value, "渡辺")
    for bad in ('"abc', '"a\\q"', '"\\u12"', '"\\ud800"', "a # b", "1abc", '"tab\there"'):
        try:
            S.tokenize(bad)
            checks.check("lexical error %r" % bad, False)
        except S.SearchError as err:
            checks.equal("lexical error %r" % bad, err.code, S.INVALID_SEARCH)


def test_parser():
    node = S.parse('a eq "1" or b eq "2" and c eq "3"')
    checks.check("and binds tighter than or",
                 isinstance(node, S.Or) and isinstance(node.items[1], S.And), repr(node))
    node = S.parse('(a eq "1" or b eq "2") and c eq "3"')
    checks.check("parentheses group", isinstance(node, S.And) and isinstance(node.items[0], S.Or),
                 repr(node))
    node = S.parse('a eq "1" and b eq "2" and c pr')
    checks.check("flat and chain", isinstance(node, S.And) and len(node.items) == 3
                 and isinstance(node.items[2], S.Present), repr(node))
    node = S.parse("profile.isContractor eq true")
    checks.equal("boolean literal", node.value, True)
    node = S.parse("  status   eq\t\"ACTIVE\"  ")
    checks.equal("whitespace tolerated", (node.attr, node.op, node.value), ("status", "eq", "ACTIVE"))
    for bad in ("", "   ", 'status ne "ACTIVE"', 'not (status eq "A")', 'status EQ "ACTIVE"',
                'status eq', 'status eq ACTIVE', 'eq "x"', '(status eq "A"',
                'status eq "A")', 'status eq "A" and', 'status eq "A" or or b eq "c"',
                'status eq "A" status eq "B"', 'status eq null', 'profile. eq "x"',
                'status eq "A" AND id eq "B"', "(" * 100 + 'a eq "1"' + ")" * 100):
        try:
            S.parse(bad)
            checks.check("syntax error %r" % bad[:40], False)
        except S.SearchError as err:
            checks.equal("syntax error %r" % bad[:40], err.code, S.INVALID_SEARCH)


def test_user_search():
    expect("eq case-insensitive value", 'status eq "active"', ["00uA"])
    expect("eq login case-insensitive", 'profile.login eq "alice.smith@EXAMPLE.com"', ["00uA"])
    expect("search includes DEPROVISIONED", 'status eq "DEPROVISIONED"', ["00uB"])
    expect("sw", 'profile.lastName sw "o\'b"', ["00uA"])
    expect("co on email", 'profile.email co "JOSE"', ["00uC"])
    expect("co on login", 'profile.login co "smith"', ["00uA"])
    expect("escaped quotes match", 'profile.title eq "Say \\"Hi\\""', ["00uA"])
    expect("escaped backslash", 'profile.lastName eq "back\\\\slash"', ["00uB"])
    expect("injection-looking value is data",
           'profile.costCenterCode eq "\\" or status eq \\"ACTIVE"', ["00uA"])
    expect("non-ascii", 'profile.lastName eq "渡辺"', ["00uC"])
    expect("unicode escape in value", 'profile.firstName eq "Jos\\u00e9"', ["00uC"])
    expect("precedence or/and", 'status eq "SUSPENDED" or status eq "ACTIVE" and '
           'profile.firstName eq "Nobody"', ["00uC"])
    expect("parens change result", '(status eq "SUSPENDED" or status eq "ACTIVE") and '
           'profile.firstName eq "Alice"', ["00uA"])
    expect("ne idiom via lt/gt", '(status lt "ACTIVE" or status gt "ACTIVE")', ["00uB", "00uC"])
    expect("timestamp gt", 'created gt "2023-01-01T00:00:00.000Z"', ["00uA", "00uB"])
    expect("timestamp without millis", 'created ge "2024-01-31T00:00:00Z"', ["00uA"])
    expect("timestamp with offset", 'created eq "2024-01-30T19:00:00.000-05:00"', ["00uA"])
    expect("timestamp millis compare", 'created gt "2023-05-05T05:05:05.122Z" and '
           'created lt "2023-05-05T05:05:05.124Z"', ["00uB"])
    expect("null timestamp never matches", 'lastLogin lt "2030-01-01T00:00:00.000Z"', ["00uB"])
    expect("type.id", 'type.id eq "otyy"', ["00uC"])
    expect("integer eq", "profile.badgeNumber eq 42", ["00uA"])
    expect("integer range", "profile.badgeNumber lt 10", ["00uB"])
    expect("number compare", "profile.hourlyRate ge 12.5", ["00uA", "00uB"])
    expect("integer vs decimal literal", "profile.badgeNumber eq 42.0", ["00uA"])
    expect("boolean", "profile.isContractor eq false", ["00uB"])
    expect("array any element", 'profile.skills eq "c++"', ["00uA"])
    expect("array sw", 'profile.skills sw "s"', ["00uA"])
    expect("missing attribute never matches", 'profile.department eq ""', ["00uA"])
    expect("pr: present non-empty", "profile.title pr", ["00uA"])
    expect("pr: empty string is not present", "profile.department pr", [])
    expect("pr: empty array is not present", "profile.skills pr", ["00uA"])
    expect("pr: null is not present", "lastLogin pr", ["00uB"])
    expect("id eq", 'id eq "00ub"', ["00uB"])
    # what oktafdw sends for custom attributes with a type option
    expect("pr: false is present", "profile.isContractor pr", ["00uA", "00uB"])
    expect("pr: a number is present", "profile.badgeNumber pr", ["00uA", "00uB"])
    expect("number le", "profile.hourlyRate le 12.5", ["00uA"])
    expect("negative number", "profile.hourlyRate ge -1 and profile.badgeNumber gt -0", ["00uA", "00uB"])
    expect("date string range", 'profile.startDate ge "2024-02-01" and profile.startDate lt "2024-02-02"',
           ["00uA"])
    expect("date string sw", 'profile.startDate sw "2024-02-01"', ["00uA"])
    expect_error("co not allowed on title", 'profile.title co "x"')
    expect_error("co not allowed on status", 'status co "ACT"')
    expect_error("unknown profile attribute", 'profile.nope eq "x"')
    expect_error("attribute names case-sensitive", 'profile.FirstName eq "Alice"')
    expect_error("Status is not status", 'Status eq "ACTIVE"')
    expect_error("string literal on integer", 'profile.badgeNumber eq "42"')
    expect_error("number literal on string", "profile.login eq 5")
    expect_error("gt on boolean", "profile.isContractor gt false")
    expect_error("sw on number", "profile.badgeNumber sw 4")
    expect_error("string literal on number", 'profile.hourlyRate ge "12.5"')
    expect_error("string literal on boolean", 'profile.isContractor eq "true"')
    expect_error("boolean literal on integer", "profile.badgeNumber eq true")
    expect_error("number literal on a date string", "profile.startDate ge 2024")
    expect_error("bad date", 'created gt "2024-13-01T00:00:00.000Z"', S.INVALID_DATE)
    expect_error("date-only is a bad date", 'lastUpdated gt "2024-01-01"', S.INVALID_DATE)
    expect_error("date garbage", 'created eq "yesterday"', S.INVALID_DATE)
    expect_error("number on timestamp", "created gt 5")


def test_user_filter():
    expect("filter eq exact", 'status eq "ACTIVE"', ["00uA"], USER_FILTER)
    expect("filter is case-sensitive", 'status eq "active"', [], USER_FILTER)
    expect("filter login case-sensitive", 'profile.login eq "alice.smith@example.com"', [],
           USER_FILTER)
    expect("filter login exact", 'profile.login eq "Alice.Smith@example.com"', ["00uA"],
           USER_FILTER)
    expect("filter lastUpdated range", 'lastUpdated gt "2024-01-01T00:00:00.000Z" and '
           'lastUpdated lt "2024-02-01T00:00:00.000Z"', ["00uB"], USER_FILTER)
    expect("filter or", 'status eq "ACTIVE" or status eq "SUSPENDED"', ["00uA", "00uC"],
           USER_FILTER)
    expect("filter includes DEPROVISIONED", 'status eq "DEPROVISIONED"', ["00uB"], USER_FILTER)
    expect_error("filter sw unsupported", 'profile.login sw "a"', dialect=USER_FILTER)
    expect_error("filter gt on status unsupported", 'status gt "A"', dialect=USER_FILTER)
    expect_error("filter on created unsupported", 'created gt "2024-01-01T00:00:00.000Z"',
                 dialect=USER_FILTER)
    expect_error("filter custom attribute unsupported", 'profile.title eq "x"',
                 dialect=USER_FILTER)
    expect_error("filter pr unsupported", "profile.login pr", dialect=USER_FILTER)
    expect_error("filter bad date", 'lastUpdated gt "2024-01-01T25:00:00.000Z"',
                 S.INVALID_DATE, USER_FILTER)


def test_groups():
    expect("group filter type", 'type eq "APP_GROUP"', ["00gB"], GROUP_FILTER, GROUPS)
    expect("group filter case-sensitive", 'type eq "app_group"', [], GROUP_FILTER, GROUPS)
    expect("group filter lastMembershipUpdated", 'lastMembershipUpdated gt '
           '"2023-06-01T00:00:00.000Z"', ["00gA"], GROUP_FILTER, GROUPS)
    expect_error("group filter name unsupported", 'profile.name eq "x"', dialect=GROUP_FILTER)
    expect_error("group filter sw unsupported", 'id sw "00g"', dialect=GROUP_FILTER)
    expect("group search name sw", 'profile.name sw "domain"', ["00gB"], GROUP_SEARCH, GROUPS)
    expect("group search quoted name", 'profile.name eq "group \\"quoted\\""', ["00gA"],
           GROUP_SEARCH, GROUPS)
    expect("group search description co", 'profile.description co "port"', ["00gB"],
           GROUP_SEARCH, GROUPS)
    expect("group search null description", "profile.description pr", ["00gB"],
           GROUP_SEARCH, GROUPS)
    expect("group search type", 'type eq "okta_group"', ["00gA"], GROUP_SEARCH, GROUPS)
    expect_error("group search co on id", 'id co "A"', dialect=GROUP_SEARCH)


def test_timestamps():
    checks.equal("parse millis", S.parse_timestamp("1970-01-01T00:00:01.500Z"), 1500)
    checks.equal("parse no millis", S.parse_timestamp("1970-01-01T00:00:01Z"), 1000)
    checks.equal("parse offset", S.parse_timestamp("1970-01-01T01:00:00.000+01:00"), 0)
    checks.equal("parse long fraction", S.parse_timestamp("1970-01-01T00:00:00.123456Z"), 123)
    for bad in ("2024-02-30T00:00:00.000Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00",
                "", "2024-01-01T00:00:00.000+25:00"):
        checks.equal("bad timestamp %r" % bad, S.parse_timestamp(bad), None)


def main():
    for test in (test_tokenizer, test_parser, test_user_search, test_user_filter,
                 test_groups, test_timestamps):
        checks.run(test)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())

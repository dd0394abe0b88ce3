"""Deterministic generation of a simulated Okta org: users, groups, memberships.

Everything here depends only on (users, groups, seed): no clock, no OS randomness.
Objects are stored without `_links` (those depend on the server's port and are
added at serve time).  Key order inside objects follows what real Okta sends.
"""

import datetime
import random

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Fixed clock of the simulated org (deterministic output).
ORG_CREATED = datetime.datetime(2019, 3, 1, tzinfo=datetime.timezone.utc)
ORG_NOW = datetime.datetime(2025, 10, 1, tzinfo=datetime.timezone.utc)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
ORG_CREATED_MS = int((ORG_CREATED - _EPOCH).total_seconds() * 1000)
ORG_NOW_MS = int((ORG_NOW - _EPOCH).total_seconds() * 1000)
DAY_MS = 86400 * 1000

STATUS_SHARES = [  # (status, share of users); ACTIVE takes the rest
    ("DEPROVISIONED", 0.05), ("STAGED", 0.04), ("PROVISIONED", 0.04),
    ("RECOVERY", 0.02), ("PASSWORD_EXPIRED", 0.03), ("LOCKED_OUT", 0.02),
    ("SUSPENDED", 0.04),
]

# Custom profile attributes (name, title, JSON-schema type, item type)
CUSTOM_ATTRIBUTES = [
    ("costCenterCode", "Cost center code", "string", None),
    ("isContractor", "Contractor", "boolean", None),
    ("badgeNumber", "Badge number", "integer", None),
    ("hourlyRate", "Hourly rate", "number", None),
    ("skills", "Skills", "array", "string"),
    ("startDate", "Start date", "string", None),
]

# Standard profile attributes besides login/email/firstName/lastName/
# mobilePhone/secondEmail, in the order they are emitted.
OPTIONAL_STANDARD = [
    "middleName", "honorificPrefix", "honorificSuffix", "title", "displayName",
    "nickName", "profileUrl", "primaryPhone", "streetAddress", "city", "state",
    "zipCode", "countryCode", "postalAddress", "preferredLanguage", "locale",
    "timezone", "userType", "employeeNumber", "costCenter", "organization",
    "division", "department", "managerId", "manager",
]
# Okta's UserProfile schema does not allow null for these.
NOT_NULLABLE = {"department", "employeeNumber", "locale"}

FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
    "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
    "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy",
    "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Priya", "Wei",
    "Aisha", "Mohammed", "Olga", "Hiroshi", "Fatima", "Carlos", "Ingrid", "Kwame",
    "Lucia", "Dmitri", "Amara", "Sven", "Mei", "Rahul", "Elena", "Tariq", "Yuki", "Noah",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
    "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Patel",
    "Chen", "Nguyen", "Kim", "Okafor", "Ivanova", "Tanaka", "Haddad", "Larsen",
    "Mensah", "Kowalski", "Rossi", "Schmidt", "Novak", "Silva", "Khan", "Murphy",
    "Cohen", "Berg", "Singh",
]
TITLES = ["Software Engineer", "Senior Software Engineer", "Product Manager",
          "Account Executive", "Data Analyst", "Director of Finance", "Recruiter",
          "Support Specialist", "Designer", "VP Engineering", "Intern"]
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "People", "Legal",
               "Support", "Operations", "Research"]
DIVISIONS = ["Americas", "EMEA", "APAC", "Corporate"]
CITIES = [("San Francisco", "CA", "94105", "US"), ("New York", "NY", "10001", "US"),
          ("Austin", "TX", "78701", "US"), ("Toronto", "ON", "M5H 2N2", "CA"),
          ("London", None, "EC1A 1BB", "GB"), ("Berlin", None, "10115", "DE"),
          ("Tokyo", None, "100-0001", "JP"), ("Bengaluru", "KA", "560001", "IN")]
TIMEZONES = ["America/Los_Angeles", "America/New_York", "America/Chicago",
             "Europe/London", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata"]
LOCALES = ["en_US", "en_GB", "de_DE", "ja_JP", "fr_FR", "es_ES"]
SKILLS = ["SQL", "Python", "C", "C++", "Go", "Kubernetes", "Negotiation", "Excel",
          "PostgreSQL", "a,b", 'say "x"', "Public speaking"]
QUESTIONS = ["What is the food you least liked as a child?",
             "What was your dream job as a child?",
             "What is the name of your first stuffed animal?"]


def ts(ms):
    """Okta's timestamp format: YYYY-MM-DDTHH:MM:SS.mmmZ (UTC)."""
    secs, millis = divmod(int(ms), 1000)
    dt = _EPOCH + datetime.timedelta(seconds=secs)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % millis


class _Ids:
    """Unique Okta-style ids: 3-character prefix + 17 base62 characters."""

    def __init__(self, rng):
        self.rng = rng
        self.seen = set()

    def new(self, prefix):
        while True:
            value = prefix + "".join(self.rng.choice(BASE62) for _ in range(17))
            if value not in self.seen:
                self.seen.add(value)
                return value


def _status_list(n, rng):
    statuses = []
    for status, share in STATUS_SHARES:
        count = round(n * share)
        if n >= 20:
            count = max(1, count)
        statuses.extend([status] * count)
    statuses = statuses[:n]
    statuses.extend(["ACTIVE"] * (n - len(statuses)))
    rng.shuffle(statuses)
    return statuses


class _UserFactory:
    def __init__(self, rng, ids, type_ids):
        self.rng = rng
        self.ids = ids
        self.type_ids = type_ids
        self.logins = set()
        self.user_ids = []

    def when(self, lo, hi):
        """A timestamp in [lo, hi] ms; mostly whole seconds, sometimes not."""
        rng = self.rng
        value = rng.randint(int(lo) // 1000, max(int(lo) // 1000, int(hi) // 1000)) * 1000
        if rng.random() < 0.12:
            value += rng.randint(1, 999)
        return value

    def unique_login(self, local, domain="example.com"):
        login = "%s@%s" % (local, domain)
        n = 2
        while login.lower() in self.logins:
            login = "%s%d@%s" % (local, n, domain)
            n += 1
        self.logins.add(login.lower())
        return login

    def timestamps(self, status):
        rng = self.rng
        created = self.when(ORG_CREATED_MS, ORG_NOW_MS - 30 * DAY_MS)
        t = {"created": created, "activated": None, "statusChanged": None,
             "lastLogin": None, "passwordChanged": None}
        if status == "STAGED":
            last = created
        else:
            activated = self.when(created + 60000, created + 3 * DAY_MS)
            t["activated"] = activated
            if status == "ACTIVE" and rng.random() < 0.05:
                t["activated"] = None           # imported users (seen in real orgs)
            changed = activated
            if status not in ("ACTIVE", "PROVISIONED"):
                changed = self.when(activated, ORG_NOW_MS - DAY_MS)
            elif rng.random() < 0.3:
                changed = self.when(activated, ORG_NOW_MS - DAY_MS)
            t["statusChanged"] = changed
            if status != "PROVISIONED":
                t["passwordChanged"] = self.when(activated, changed)
                login_share = 0.85 if status == "ACTIVE" else 0.5
                if rng.random() < login_share:
                    hi = ORG_NOW_MS - 3600000 if status == "ACTIVE" else changed
                    t["lastLogin"] = self.when(activated, hi)
            last = max(v for v in t.values() if v is not None)
        if rng.random() < 0.4:
            last = self.when(last, ORG_NOW_MS - 3600000)
        t["lastUpdated"] = last
        return t

    def optional_value(self, attr, first, last, login, city):
        rng = self.rng
        values = {
            "middleName": lambda: rng.choice("ABCDEFGHJKLMNPRSTW") + ".",
            "honorificPrefix": lambda: rng.choice(["Dr.", "Mr.", "Ms.", "Mx."]),
            "honorificSuffix": lambda: rng.choice(["Jr.", "Sr.", "PhD", "III"]),
            "title": lambda: rng.choice(TITLES),
            "displayName": lambda: "%s %s" % (first, last),
            "nickName": lambda: first[:3],
            "profileUrl": lambda: "https://intranet.example.com/people/" + login.split("@")[0],
            "primaryPhone": lambda: "+1-555-%03d-%04d" % (rng.randint(100, 999), rng.randint(0, 9999)),
            "streetAddress": lambda: "%d %s Street" % (rng.randint(1, 999), rng.choice(LAST_NAMES)),
            "city": lambda: city[0],
            "state": lambda: city[1] or "",
            "zipCode": lambda: city[2],
            "countryCode": lambda: city[3],
            "postalAddress": lambda: "%d Main St\n%s %s" % (rng.randint(1, 99), city[0], city[2]),
            "preferredLanguage": lambda: rng.choice(["en", "de", "ja", "fr"]),
            "locale": lambda: rng.choice(LOCALES),
            "timezone": lambda: rng.choice(TIMEZONES),
            "userType": lambda: rng.choice(["Employee", "Contractor", "Intern"]),
            "employeeNumber": lambda: "%06d" % rng.randint(1, 999999),
            "costCenter": lambda: "CC%03d" % rng.randint(1, 120),
            "organization": lambda: "Acme Corp",
            "division": lambda: rng.choice(DIVISIONS),
            "department": lambda: rng.choice(DEPARTMENTS),
            "managerId": lambda: rng.choice(self.user_ids) if self.user_ids else "",
            "manager": lambda: "%s %s" % (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)),
        }
        return values[attr]()

    def profile(self, first, last, login, email):
        rng = self.rng
        p = {"firstName": first, "lastName": last,
             "mobilePhone": None, "secondEmail": None,
             "login": login, "email": email}
        if rng.random() < 0.4:
            p["mobilePhone"] = "+1-555-%03d-%04d" % (rng.randint(100, 999), rng.randint(0, 9999))
        if rng.random() < 0.2:
            p["secondEmail"] = "%s.%s@personal.example" % (first.lower(), last.lower())
        city = rng.choice(CITIES)
        for attr in OPTIONAL_STANDARD:
            r = rng.random()
            if r < 0.5:
                continue                    # absent
            if r < 0.58 and attr not in NOT_NULLABLE:
                p[attr] = None
            elif r < 0.62:
                p[attr] = ""
            else:
                p[attr] = self.optional_value(attr, first, last, login, city)
        self.custom(p)
        return p

    def custom(self, p):
        rng = self.rng

        for name, make in (
                ("costCenterCode", lambda: "CC-%04d" % rng.randint(1, 9999)),
                ("isContractor", lambda: rng.random() < 0.2),
                ("badgeNumber", lambda: rng.randint(1000, 999999)),
                ("hourlyRate", lambda: round(rng.uniform(15, 250), 2)),
                ("skills", lambda: rng.sample(SKILLS, rng.randint(0, 4))),
                ("startDate", lambda: ts(self.when(ORG_CREATED_MS - 900 * DAY_MS,
                                                   ORG_NOW_MS))[:10])):
            r = rng.random()
            if r < 0.15:
                continue                    # absent
            p[name] = None if r < 0.25 else make()

    def credentials(self, status):
        rng = self.rng
        r = rng.random()
        if r < 0.90:
            provider = {"type": "OKTA", "name": "OKTA"}
        elif r < 0.96:
            provider = {"type": "ACTIVE_DIRECTORY", "name": "example.local"}
        elif r < 0.98:
            provider = {"type": "LDAP", "name": "ldap.example.com"}
        else:
            provider = {"type": "FEDERATION", "name": "FEDERATION"}
        creds = {}
        if provider["type"] != "FEDERATION":
            creds["password"] = {}
        if provider["type"] == "OKTA" and status != "STAGED" and rng.random() < 0.3:
            creds["recovery_question"] = {"question": rng.choice(QUESTIONS)}
        creds["provider"] = provider
        return creds

    def make(self, status):
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = "%s.%s" % (first.lower(), last.lower())
        login = self.unique_login(local)
        email = login if rng.random() < 0.95 else "%s@mail.example.net" % local
        user = self.assemble(status, first, last, login, email)
        return user

    def assemble(self, status, first, last, login, email):
        rng = self.rng
        t = self.timestamps(status)
        uid = self.ids.new("00u")
        user = {"id": uid, "status": status,
                "created": ts(t["created"]),
                "activated": ts(t["activated"]) if t["activated"] is not None else None,
                "statusChanged": ts(t["statusChanged"]) if t["statusChanged"] is not None else None,
                "lastLogin": ts(t["lastLogin"]) if t["lastLogin"] is not None else None,
                "lastUpdated": ts(t["lastUpdated"]),
                "passwordChanged": (ts(t["passwordChanged"])
                                    if t["passwordChanged"] is not None else None),
                "type": {"id": self.type_ids[0] if rng.random() < 0.97 else self.type_ids[1]}}
        if status == "PROVISIONED" and rng.random() < 0.25:
            # only sent while a transition is in progress (absent otherwise)
            user["transitioningToStatus"] = "ACTIVE"
        user["profile"] = self.profile(first, last, login, email)
        user["credentials"] = self.credentials(status)
        self.user_ids.append(uid)
        return user


# Users with awkward data, applied to the first users generated.
# (first, last, login or None, profile overrides, forced status or None)
NASTY_USERS = [
    ('Say "Hi"', 'Quote"d', "quote.user@example.com", {}, None),
    ("C:\\Temp", "Back\\slash", "backslash.user@example.com", {}, None),
    ("Seán", "O'Brien", "sean.obrien@example.com", {"nickName": "O'B"}, None),
    ("José", "Müller", "jose.muller@example.com", {"city": "Zürich"}, None),
    ("Zoë", "Ångström", "zoe.angstrom@example.com", {"displayName": "Zoë Ångström"}, None),
    ("健太", "渡辺", "watanabe.kenta@example.com", {"displayName": "渡辺 健太", "locale": "ja_JP"}, None),
    ("Slash", "User", "a/b@example.com", {}, None),
    ("Plus", "Tagged", "plus+tag@example.com", {}, None),
    ("Spacey", "Title", "spacey.title@example.com",
     {"title": "  Senior Engineer  ", "department": " Engineering"}, None),
    ("Empty", "Strings", "empty.strings@example.com",
     {"title": "", "department": "", "nickName": "", "costCenterCode": ""}, None),
    ("Null", "Fields", "null.fields@example.com",
     {"displayName": None, "middleName": None, "title": None, "costCenterCode": None,
      "skills": None, "badgeNumber": None}, None),
    ("Long", "Display", "long.display@example.com",
     {"displayName": "Long Display " + "ø" * 40 + " " + "x" * 940}, None),
    ("Injection", "Attempt", "injection.attempt@example.com",
     {"costCenterCode": '" or status eq "ACTIVE', "title": 'x") or (status pr'}, "SUSPENDED"),
    ("Mixed", "Case", "Mixed.Case@Example.COM", {}, None),
    ("Dup", "One", "dup.name@example.com", {}, None),
    ("Dup", "Two", "dup.name@example.org", {}, None),
    ("Percent", "Amp & #Hash?", "percent.amp@example.com",
     {"title": "100% & more; a=b", "skills": ["C++", "a,b", 'say "x"', "back\\slash"]}, None),
    ("Ian", "O'Connor", "o'connor@example.com", {}, None),
    ("Gone", "Quoted \"Former\"", "gone.quoted@example.com", {"title": "Ex \\ Employee"},
     "DEPROVISIONED"),
    ("Unicode", "Ünïcödé", "unicode.user@example.com",
     {"skills": ["日本語", "Ελληνικά"], "organization": "Société Générale"}, None),
]


def _make_users(n, rng, ids, type_ids):
    factory = _UserFactory(rng, ids, type_ids)
    statuses = _status_list(n, rng)
    users = []
    for i in range(n):
        status = statuses[i]
        if i < len(NASTY_USERS):
            first, last, login, overrides, forced = NASTY_USERS[i]
            status = forced or ("ACTIVE" if status == "DEPROVISIONED" else status)
            factory.logins.add(login.lower())
            user = factory.assemble(status, first, last, login, login)
            user["profile"].update(overrides)
        else:
            user = factory.make(status)
        users.append(user)
    return users


def _group_links_free(gid, created, updated, membership, objectclass, gtype, profile):
    return {"id": gid, "created": ts(created), "lastUpdated": ts(updated),
            "lastMembershipUpdated": ts(membership), "objectClass": [objectclass],
            "type": gtype, "profile": profile}


def _make_groups(g, users, rng, ids):
    """Returns (groups, memberships dict gid -> [user ids], sources gid -> app id)."""
    user_ids = [u["id"] for u in users]
    deprovisioned = [u["id"] for u in users if u["status"] == "DEPROVISIONED"]
    n = len(user_ids)
    specs = []   # (type, profile, member ids)
    specs.append(("BUILT_IN", {"name": "Everyone", "description": "All users in your organization"},
                  list(user_ids)))
    big = min(2500, n // 4) if n >= 4 else n
    specs.append(("OKTA_GROUP", {"name": "Engineering - All Staff",
                                 "description": "Large group spanning several pages"},
                  rng.sample(user_ids, big)))
    specs.append(("OKTA_GROUP", {"name": "Empty Group", "description": "No members"}, []))
    specs.append(("OKTA_GROUP", {"name": "Former Staff", "description": None},
                  deprovisioned[: max(1, len(deprovisioned) // 2)] + rng.sample(user_ids, min(5, n))))
    for name, desc in (('Group "Quoted"', 'Has "quotes"'),
                       ("Back\\slash\\Group", "C:\\share\\dir"),
                       ("Équipe Données – Zürich", "Ünïcödé description"),
                       ("渡辺チーム", None),
                       ("O'Reilly Readers", ""),
                       ("R&D / Ops #1 100%", "a&b=c?d")):
        specs.append(("OKTA_GROUP", {"name": name, "description": desc},
                      rng.sample(user_ids, min(n, rng.randint(1, 40)))))
    app_groups = max(2, g // 10)
    for i in range(app_groups):
        name = ["Domain Users", "VPN Users", "Finance-RW", "Print Operators", "SQL Admins",
                "Helpdesk"][i % 6] + ("" if i < 6 else " %d" % i)
        specs.append(("APP_GROUP", {
            "name": name, "description": "Imported from Active Directory",
            "windowsDomainQualifiedName": "EXAMPLE\\" + name,
            "dn": "CN=%s,OU=Groups,DC=example,DC=local" % name,
            "samAccountName": name,
            "externalId": "".join(rng.choice(BASE62) for _ in range(22)) + "=="},
            rng.sample(user_ids, min(n, rng.randint(0, 200)))))
    i = 0
    while len(specs) < g:
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        name = "%s %s" % (dept, ["Team", "Leads", "Guild", "Project", "Alumni"][(i // 9) % 5])
        if i >= 45:
            name += " %d" % i
        r = rng.random()
        desc = None if r < 0.2 else ("" if r < 0.3 else "%s members (%d)" % (dept, i))
        specs.append(("OKTA_GROUP", {"name": name, "description": desc},
                      rng.sample(user_ids, min(n, rng.randint(0, 200)))))
        i += 1
    specs = specs[:g]

    groups, members, sources = [], {}, {}
    factory = _UserFactory(rng, ids, [])
    for gtype, profile, member_ids in specs:
        gid = ids.new("00g")
        created = factory.when(ORG_CREATED_MS, ORG_NOW_MS - 60 * DAY_MS)
        updated = created if rng.random() < 0.6 else factory.when(created, ORG_NOW_MS - DAY_MS)
        membership = factory.when(updated, ORG_NOW_MS - 3600000) if member_ids else created
        objectclass = ("okta:windows_security_principal" if gtype == "APP_GROUP"
                       else "okta:user_group")
        groups.append(_group_links_free(gid, created, updated, membership, objectclass,
                                        gtype, profile))
        members[gid] = sorted(set(member_ids))
        if gtype == "APP_GROUP":
            sources[gid] = "0oa" + "".join(rng.choice(BASE62) for _ in range(17))
    return groups, members, sources


def generate_org(n_users=10000, n_groups=60, seed=42):
    """The whole org as a JSON-able dict (what `serve` loads from org.json)."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    type_ids = [ids.new("oty"), ids.new("oty")]
    users = _make_users(n_users, rng, ids, type_ids)
    groups, members, sources = _make_groups(n_groups, users, rng, ids)
    users.sort(key=lambda u: u["id"])
    groups.sort(key=lambda g: g["id"])
    memberships = [[gid, uid] for gid in sorted(members) for uid in members[gid]]
    return {
        "seed": seed,
        "user_types": [{"id": type_ids[0], "name": "user", "default": True},
                       {"id": type_ids[1], "name": "contractor", "default": False}],
        "schema_id": "osc" + type_ids[0][3:],
        "custom_attributes": [{"name": n, "title": t, "type": ty, "items": it}
                              for n, t, ty, it in CUSTOM_ATTRIBUTES],
        "users": users,
        "groups": groups,
        "memberships": memberships,
        "group_sources": sources,
    }

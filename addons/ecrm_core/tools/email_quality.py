"""E-mail address checks (C6): syntax, domain typos, disposable providers, role addresses.

Plain functions over strings. :func:`check_email` gives the verdict shown on the
contact; :func:`dedup_key` gives the form under which two spellings of the same
mailbox compare equal (``Ali.Rezaei+shop@gmail.com`` and ``alirezaei@gmail.com``).
"""

import os
import re
from functools import lru_cache

OK = "ok"
TYPO = "typo"
DISPOSABLE = "disposable"
ROLE = "role"
INVALID = "invalid"
QUALITIES = [
    (OK, "Valid"),
    (TYPO, "Probable typo"),
    (DISPOSABLE, "Disposable address"),
    (ROLE, "Role address"),
    (INVALID, "Invalid"),
]

# Domains people type every day; a near miss of one of them is taken for a typo.
POPULAR_DOMAINS = (
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.it",
    "yahoo.es",
    "yahoo.ca",
    "ymail.com",
    "rocketmail.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "hotmail.de",
    "hotmail.it",
    "outlook.com",
    "outlook.fr",
    "outlook.de",
    "live.com",
    "live.co.uk",
    "live.fr",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "protonmail.com",
    "proton.me",
    "mail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "zoho.com",
    "comcast.net",
    "att.net",
    "verizon.net",
    # Iranian providers
    "chmail.ir",
    "mihanmail.ir",
    "iran.ir",
    "parsmail.ir",
)
GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
# Usual slips of the finger on a domain ending.
ENDING_SLIPS = {
    "com": ("con", "cmo", "ocm", "cm", "co", "om", "comm", "coom", "vom", "xom", "cpm", "clm", "c0m"),
    "net": ("nte", "ent", "ne", "nt", "nett", "met", "bet"),
    "org": ("ogr", "rog", "or", "orgg", "og"),
    "ir": ("ri", "irr"),
    "co.uk": ("co.k", "co.ukk", "couk", "co.u", "cok.uk"),
    "de": ("ed", "dee"),
    "fr": ("rf", "frr"),
    "ru": ("ur", "ruu"),
}

# Local parts that reach a function or a team rather than one person (RFC 2142 and common practice).
ROLE_LOCAL_PARTS = frozenset(
    [
        "abuse",
        "accounting",
        "accounts",
        "admin",
        "administrator",
        "billing",
        "careers",
        "contact",
        "contactus",
        "customercare",
        "customerservice",
        "do-not-reply",
        "donotreply",
        "enquiries",
        "enquiry",
        "feedback",
        "finance",
        "hello",
        "help",
        "helpdesk",
        "hostmaster",
        "hr",
        "info",
        "inquiries",
        "inquiry",
        "it",
        "jobs",
        "mail",
        "mailer-daemon",
        "marketing",
        "media",
        "newsletter",
        "no-reply",
        "noreply",
        "office",
        "orders",
        "postmaster",
        "press",
        "reception",
        "recruitment",
        "root",
        "sales",
        "security",
        "service",
        "shop",
        "store",
        "support",
        "sysadmin",
        "team",
        "webmaster",
    ]
)

LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
# A domain label: letters (any script, for internationalised domains), digits and inner hyphens.
LABEL_RE = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$", re.UNICODE)
TLD_RE = re.compile(r"^(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})$", re.UNICODE)
DISPOSABLE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "disposable_domains.txt")


@lru_cache(maxsize=1)
def disposable_domains():
    """The shipped list of throw-away mail providers, one domain a line (``#`` starts a comment)."""
    with open(DISPOSABLE_FILE, encoding="utf-8") as handle:
        lines = (line.split("#", 1)[0].strip().lower() for line in handle)
        return frozenset(line for line in lines if line)


def extract_address(raw):
    """The bare address in ``raw``: ``"Ali <ali@x.com>"`` gives ``ali@x.com``; the first of a list."""
    if not raw:
        return ""
    raw = str(raw).strip()
    match = re.search(r"<([^<>]*)>", raw)
    if match:
        raw = match.group(1)
    return re.split(r"[,;\s]+", raw.strip())[0] if raw.strip() else ""


def is_valid_syntax(address):
    """Whether ``address`` (already extracted) is a plain ``local@domain.tld`` address."""
    if not address or address.count("@") != 1 or len(address) > 254:
        return False
    local, domain = address.rsplit("@", 1)
    if not local or len(local) > 64 or not LOCAL_RE.match(local):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253:
        return False
    return all(LABEL_RE.match(label) for label in labels) and bool(TLD_RE.match(labels[-1]))


def edit_distance(first, second, limit=None):
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.

    With ``limit``, any distance above it is returned as ``limit + 1`` (and computed faster).
    """
    if first == second:
        return 0
    if limit is not None and abs(len(first) - len(second)) > limit:
        return limit + 1
    previous_previous = None
    previous = list(range(len(second) + 1))
    for i, char_a in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, char_b in enumerate(second, 1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous_previous is not None and i > 1 and j > 1 and char_a == second[j - 2] and first[i - 2] == char_b:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if limit is not None and min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=4096)
def suggest_domain(domain, popular=POPULAR_DOMAINS):
    """The popular domain ``domain`` is probably a typo of, or None.

    The provider name (before the first dot) may be one edit away (two from 7 letters
    on), and the ending must be the provider's or one of its usual slips (``.con``,
    ``.cmo``...): so ``gmial.com``, ``yahooo.com``, ``hotmial.com``, ``chmial.ir`` and
    ``gmail.con`` are caught, while ``outlook.es`` (a real country domain) or an
    unrelated short name (``abc.com``) are left alone. A bare provider name
    (``gmail``) gets its usual domain.
    """
    domain = (domain or "").strip(".").lower()
    if not domain or domain in popular:
        return None
    name, _dot, ending = domain.partition(".")
    if not ending:
        return next((candidate for candidate in popular if candidate.split(".", 1)[0] == name), None)
    budget = 0 if len(name) < 4 else 1 if len(name) < 7 else 2
    best, best_distance = None, None
    for candidate in popular:
        candidate_name, _dot, candidate_ending = candidate.partition(".")
        if ending != candidate_ending and ending not in ENDING_SLIPS.get(candidate_ending, ()):
            continue
        name_distance = edit_distance(name, candidate_name, limit=budget)
        if name_distance > budget:
            continue
        distance = name_distance + (ending != candidate_ending)
        if best_distance is None or distance < best_distance:
            best, best_distance = candidate, distance
    return best


@lru_cache(maxsize=4096)
def _is_disposable(domain):
    parts = domain.split(".")
    known = disposable_domains()
    return any(".".join(parts[start:]) in known for start in range(len(parts) - 1))


def check_email(raw):
    """``(quality, suggestion)`` of an e-mail field value.

    ``quality`` is None for an empty value, else one of ``ok``, ``typo``, ``disposable``,
    ``role``, ``invalid`` (the first that applies, in the order invalid, typo, disposable,
    role). ``suggestion`` is the corrected address for a typo, else None.
    """
    address = extract_address(raw)
    if not address:
        return None, None
    address = address.strip().lower()
    if address.count("@") == 1:
        local, domain = address.rsplit("@", 1)
        cleaned = re.sub(r"\.{2,}", ".", domain.replace(",", ".")).strip(".")
        fixed_domain = suggest_domain(cleaned) or (cleaned if cleaned != domain else None)
        if fixed_domain and is_valid_syntax("%s@%s" % (local, fixed_domain)):
            return TYPO, "%s@%s" % (local, fixed_domain)
    if not is_valid_syntax(address):
        return INVALID, None
    local, domain = address.rsplit("@", 1)
    if _is_disposable(domain):
        return DISPOSABLE, None
    if local.split("+", 1)[0] in ROLE_LOCAL_PARTS:
        return ROLE, None
    return OK, None


def dedup_key(raw):
    """The mailbox an address reaches, for finding duplicates; None when it is not an address.

    Lower case; a ``+tag`` is dropped everywhere; Gmail also ignores dots and treats
    googlemail.com as gmail.com; a domain typo is read as the domain it stands for.
    """
    return analyse(raw)[2]


def analyse(raw):
    """``(quality, suggestion, dedup key)`` of an e-mail field value in one pass."""
    quality, suggestion = check_email(raw)
    if quality is None or (quality == INVALID and not suggestion):
        return quality, suggestion, None
    address = suggestion or extract_address(raw).strip().lower()
    local, domain = address.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return quality, suggestion, "%s@%s" % (local, domain) if local else None


def variation(first, second):
    """How two addresses with the same :func:`dedup_key` differ, in words for the reasons text."""
    first, second = extract_address(first).lower(), extract_address(second).lower()
    if first == second:
        return "same e-mail"
    local_a, _at, domain_a = first.partition("@")
    local_b, _at, domain_b = second.partition("@")
    notes = []
    if domain_a != domain_b and {domain_a, domain_b} - set(GMAIL_DOMAINS):
        notes.append("domain typo")
    if "+" in local_a or "+" in local_b:
        notes.append("+tag")
        local_a, local_b = local_a.split("+", 1)[0], local_b.split("+", 1)[0]
    if local_a != local_b and local_a.replace(".", "") == local_b.replace(".", ""):
        notes.append("gmail dots")
    return "same e-mail (%s)" % ", ".join(notes) if notes else "same e-mail"

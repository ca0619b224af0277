"""Pre-send checks of a mailing body (K7-K9): plain functions over the HTML and its links.

``check_body`` returns ``(code, detail)`` problems; the model turns the codes into
translated messages that say what to fix. ``check_external_links`` is the only
function with I/O (HTTP requests with a timeout); the model calls it only when the
company allows outbound checks.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

MAX_WIDTH_PX = 600
UNSUBSCRIBE_MARKERS = ("/unsubscribe_from_list", "/ecrm/consent/unsubscribe", "/ecrm/consent/preferences")
ALLOWED_SCHEMES = ("http", "https", "mailto", "tel", "sms")
# Paths of this Odoo that are not website pages (tracking, mailing, assets, backend)
_NOT_PAGES = ("/r/", "/mailing/", "/unsubscribe_from_list", "/view", "/ecrm/", "/web", "/mail/", "/cards/", "/odoo")
_WIDTH_STYLE = re.compile(r"(?<![-\w])(?:min-)?width\s*:\s*(\d+(?:\.\d+)?)px", re.IGNORECASE)
# Placeholders mass_mailing replaces per recipient
_PLACEHOLDERS = ("/unsubscribe_from_list", "/view")

PROBLEM_CODES = (
    "no_unsubscribe",  # K7
    "malformed_link",  # K8
    "no_viewport",  # K9
    "fixed_width",  # K9
)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.widths = []
        self.viewport = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append((attrs.get("href") or "").strip())
        if tag == "meta" and (attrs.get("name") or "").lower() == "viewport":
            self.viewport = True
        width = (attrs.get("width") or "").strip().lower().removesuffix("px")
        if width.isdigit():
            self.widths.append((tag, int(width)))
        for match in _WIDTH_STYLE.finditer(attrs.get("style") or ""):
            self.widths.append((tag, float(match.group(1))))

    handle_startendtag = handle_starttag


def _parse(html):
    collector = _Collector()
    collector.feed(html or "")
    collector.close()
    return collector


def extract_links(html):
    """The href of every link of the body, in order, duplicates removed."""
    return list(dict.fromkeys(_parse(html).links))


def is_well_formed(url):
    """A link a mail client can open: http(s) with a host, mailto/tel with a target, or a site-relative path."""
    if not url or any(char.isspace() for char in url):
        return False
    if url.startswith("/") and not url.startswith("//"):
        return True
    if url.startswith("#"):
        return len(url) > 1
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return False
    if scheme in ("http", "https"):
        host = parts.hostname or ""
        return bool(host) and ("." in host or host == "localhost") and not host.startswith(".")
    return bool(parts.path)


def has_unsubscribe_link(links):
    return any(any(marker in link for marker in UNSUBSCRIBE_MARKERS) for link in links)


def check_body(html, viewport_in_layout=False, require_unsubscribe=True, max_width=MAX_WIDTH_PX):
    """Problems of a mailing body as ``[(code, detail)]``; empty when it may be sent.

    ``viewport_in_layout``: the body is wrapped in a layout that declares the viewport
    (mass_mailing's does), so only a complete document of its own must declare it.
    """
    parsed = _parse(html)
    problems = []
    if require_unsubscribe and not has_unsubscribe_link(parsed.links):
        problems.append(("no_unsubscribe", ""))
    for link in dict.fromkeys(parsed.links):
        if not is_well_formed(link):
            problems.append(("malformed_link", link))
    full_document = bool(re.search(r"<html[\s>]", html or "", re.IGNORECASE))
    if not parsed.viewport and (full_document or not viewport_in_layout):
        problems.append(("no_viewport", ""))
    too_wide = sorted({int(width) for _tag, width in parsed.widths if width > max_width})
    if too_wide:
        problems.append(("fixed_width", ", ".join("%dpx" % width for width in too_wide)))
    return problems


def own_path(url, base_url):
    """The path of ``url`` when it points to this Odoo (``base_url`` or relative), else None."""
    if url.startswith("/") and not url.startswith("//"):
        return urlsplit(url).path or "/"
    try:
        parts, base = urlsplit(url), urlsplit(base_url)
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.hostname and parts.hostname == base.hostname:
        return parts.path or "/"
    return None


def is_external(url, base_url):
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and own_path(url, base_url) is None


def is_page_path(path):
    """Whether ``path`` would be a website page (not tracking, mailing or backend URLs, not files)."""
    if any(path == prefix.rstrip("/") or path.startswith(prefix) for prefix in _NOT_PAGES):
        return False
    last = path.rsplit("/", 1)[-1]
    return "." not in last


def check_external_links(urls, timeout=5.0, session=None):
    """``[(url, status)]`` for the links that do not answer 2xx/3xx within ``timeout`` seconds.

    HEAD first, GET when the server refuses HEAD. ``session`` defaults to a requests session.
    """
    import requests  # only needed when outbound checks are allowed

    session = session or requests.Session()
    failures = []
    for url in dict.fromkeys(urls):
        try:
            response = session.head(url, timeout=timeout, allow_redirects=True)
            if response.status_code in (403, 405, 501):
                response = session.get(url, timeout=timeout, allow_redirects=True, stream=True)
                response.close()
            if not 200 <= response.status_code < 400:
                failures.append((url, "HTTP %s" % response.status_code))
        except requests.RequestException as error:
            failures.append((url, type(error).__name__))
    return failures

"""Reading website visits: where a visitor came from, what the summary of a visit shows.

Plain functions over plain data; the models call them.
"""

import base64
import binascii
import json
from urllib.parse import urlsplit

# A referring URL or a landing page longer than this is cut (browsers send up to ~8 KB).
MAX_URL_SIZE = 2048
# Pages named in a visit's summary; the navigation path keeps them all.
SUMMARY_PAGES = 5


def host_name(url_or_host):
    """The lower-case host name of a URL or of a ``host[:port]`` string, without ``www.``; None if there is none."""
    if not url_or_host:
        return None
    text = url_or_host.strip()
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if host and host.startswith("www."):
        host = host[4:]
    return host or None


def is_external_referrer(referrer, own_host):
    """True when ``referrer`` is an absolute URL of another site than ``own_host``.

    ``own_host`` is the ``Host`` the request was made to (``shop.example.com:8069``);
    ``www.`` and the port are ignored on both sides. Relative or malformed referrers
    are never external.
    """
    if not referrer or "://" not in referrer:
        return False
    host = host_name(referrer)
    return bool(host) and host != host_name(own_host)


def clip(text, size=MAX_URL_SIZE):
    """``text`` cut to ``size`` characters; empty text becomes None."""
    if not text or not isinstance(text, str):
        return None
    text = text.strip()
    return text[:size] or None


def page_path(url):
    """The path of a page URL, as shown in a visit summary (``/shop/chair``)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return url
    return path or "/"


def summary_pages(urls, limit=SUMMARY_PAGES):
    """The paths named in a visit summary, and the number of further pages left out."""
    paths = [page_path(url) for url in urls]
    return paths[:limit], max(len(paths) - limit, 0)


def encode_landing(track_id, referrer, keywords, now):
    """The value of the landing cookie: where an anonymous visit came from, and its first page view.

    ``now`` is a Unix time, kept to avoid replacing the landing of a visit still going on.
    """
    data = {"track": track_id, "referrer": referrer, "keywords": keywords, "time": int(now)}
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_landing(value):
    """The dict stored by :func:`encode_landing`, or None when the cookie is missing or not ours.

    The cookie comes from the browser: every value is checked and bounded.
    """
    if not value or not isinstance(value, str) or len(value) > 4 * MAX_URL_SIZE:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    track, moment = data.get("track"), data.get("time")
    if not isinstance(track, int) or isinstance(track, bool) or track <= 0:
        return None
    if not isinstance(moment, int) or isinstance(moment, bool):
        return None
    return {
        "track": track,
        "time": moment,
        "referrer": clip(data.get("referrer")),
        "keywords": clip(data.get("keywords"), 512),
    }

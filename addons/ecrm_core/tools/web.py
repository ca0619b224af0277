"""Reading web analytics data: search keywords from a referring URL."""

from urllib.parse import parse_qs, urlsplit

# Query parameters that carry the visitor's search terms, per search engine family.
# Google, Bing, DuckDuckGo, Ask, Ecosia: q; Yahoo: p; Yandex: text; Baidu: wd / word;
# many site searches and older engines: query, search, keywords.
KEYWORD_PARAMS = ("q", "p", "text", "wd", "word", "query", "search", "keywords", "k")


def search_keywords(referrer_url, utm_term=None):
    """The search keywords that brought a visitor, or None.

    ``utm_term`` (paid search) wins; otherwise the keywords are read from the
    referring URL's query string. Engines that hide them (most organic Google
    traffic today) give None rather than a guess.
    """
    if utm_term and utm_term.strip():
        return " ".join(utm_term.split())
    if not referrer_url:
        return None
    try:
        query = parse_qs(urlsplit(referrer_url).query)
    except ValueError:
        return None
    for param in KEYWORD_PARAMS:
        values = [v.strip() for v in query.get(param, []) if v.strip()]
        if values:
            return " ".join(values[0].split())
    return None


def referrer_host(referrer_url):
    """The host name of a referring URL without ``www.``, or None."""
    if not referrer_url:
        return None
    try:
        host = urlsplit(referrer_url).hostname
    except ValueError:
        return None
    if host and host.startswith("www."):
        host = host[4:]
    return host or None

"""Pre-send checks of mailing bodies (K7-K9), without Odoo."""

import pytest
from ecrm_campaign.tools import mail_checks

GOOD = """<div style="max-width: 600px; width: 100%">
<a href="https://shop.example.com/spring?utm_source=x">Shop</a>
<a href="mailto:info@example.com">Write</a>
<a href="/unsubscribe_from_list">Unsubscribe</a></div>"""


def codes(problems):
    return [code for code, _detail in problems]


def test_good_body_passes_inside_a_layout_with_viewport():
    assert mail_checks.check_body(GOOD, viewport_in_layout=True) == []


def test_missing_unsubscribe_link_is_reported():
    body = GOOD.replace('<a href="/unsubscribe_from_list">Unsubscribe</a>', "")
    assert codes(mail_checks.check_body(body, viewport_in_layout=True)) == ["no_unsubscribe"]


def test_signed_consent_links_count_as_unsubscribe():
    body = '<a href="https://x.example.com/ecrm/consent/unsubscribe/abc.def">Stop</a>'
    assert mail_checks.check_body(body, viewport_in_layout=True) == []


@pytest.mark.parametrize(
    "href",
    ["htp://shop.example.com", "https://", "https://shop example.com", "", "javascript:alert(1)", "http://nohost"],
)
def test_malformed_links_are_reported_with_the_link(href):
    body = GOOD + '<a href="%s">bad</a>' % href
    problems = mail_checks.check_body(body, viewport_in_layout=True)
    assert ("malformed_link", href) in problems


@pytest.mark.parametrize(
    "href",
    [
        "https://shop.example.com/a?b=c#d",
        "/shop",
        "tel:+989121234567",
        "mailto:a@example.com",
        "http://localhost:8069/x",
    ],
)
def test_well_formed_links(href):
    assert mail_checks.is_well_formed(href)


def test_full_document_needs_its_own_viewport():
    document = "<html><head></head><body>%s</body></html>" % GOOD
    assert codes(mail_checks.check_body(document, viewport_in_layout=True)) == ["no_viewport"]
    with_viewport = document.replace("<head>", '<head><meta name="viewport" content="width=device-width">')
    assert mail_checks.check_body(with_viewport, viewport_in_layout=True) == []
    assert codes(mail_checks.check_body(GOOD, viewport_in_layout=False)) == ["no_viewport"]


def test_fixed_widths_over_600px_are_reported_max_width_is_not():
    body = GOOD + '<table width="800"><tr><td style="width: 700px; max-width: 900px">x</td></tr></table>'
    assert ("fixed_width", "700px, 800px") in mail_checks.check_body(body, viewport_in_layout=True)
    fine = GOOD + '<table width="600" style="max-width: 900px"><tr><td width="100%">x</td></tr></table>'
    assert mail_checks.check_body(fine, viewport_in_layout=True) == []


def test_own_pages_and_external_links():
    base = "https://crm.example.com"
    assert mail_checks.own_path("https://crm.example.com/about-us", base) == "/about-us"
    assert mail_checks.own_path("/contactus", base) == "/contactus"
    assert mail_checks.own_path("https://other.example.com/about-us", base) is None
    assert mail_checks.is_external("https://other.example.com/", base)
    assert not mail_checks.is_external("mailto:a@example.com", base)
    assert mail_checks.is_page_path("/about-us")
    assert not mail_checks.is_page_path("/r/abc")
    assert not mail_checks.is_page_path("/web/image/12")
    assert not mail_checks.is_page_path("/unsubscribe_from_list")
    assert not mail_checks.is_page_path("/files/brochure.pdf")


class _Response:
    def __init__(self, status_code):
        self.status_code = status_code

    def close(self):
        pass


class _Session:
    """Answers by URL; raises for 'down' (what requests does on a timeout)."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def _answer(self, method, url, timeout):
        import requests

        self.calls.append((method, url, timeout))
        status = self.answers[url]
        if status == "down":
            raise requests.ConnectTimeout("timed out")
        return _Response(status[method] if isinstance(status, dict) else status)

    def head(self, url, timeout, allow_redirects):
        return self._answer("head", url, timeout)

    def get(self, url, timeout, allow_redirects, stream):
        return self._answer("get", url, timeout)


def test_external_links_must_answer_2xx_or_3xx_within_the_timeout():
    session = _Session(
        {
            "https://ok.example.com": 200,
            "https://moved.example.com": 301,
            "https://gone.example.com": 404,
            "https://down.example.com": "down",
            "https://nohead.example.com": {"head": 405, "get": 200},
        }
    )
    failures = mail_checks.check_external_links(list(session.answers), timeout=2, session=session)
    assert failures == [("https://gone.example.com", "HTTP 404"), ("https://down.example.com", "ConnectTimeout")]
    assert all(timeout == 2 for _method, _url, timeout in session.calls)

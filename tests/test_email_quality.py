"""Pure-Python tests of ecrm_core/tools/email_quality.py (C6): no Odoo, no database."""

import pytest
from ecrm_core.tools import email_quality as eq


@pytest.mark.parametrize(
    "raw, quality, suggestion",
    [
        ("ali@gmail.com", "ok", None),
        ("Ali.Rezaei@Example.com", "ok", None),
        ("Ali Rezaei <ali@gmail.com>", "ok", None),
        ("sara@gmial.com", "typo", "sara@gmail.com"),
        ("sara@gmai.com", "typo", "sara@gmail.com"),
        ("x@yahooo.com", "typo", "x@yahoo.com"),
        ("x@hotmial.com", "typo", "x@hotmail.com"),
        ("x@outlok.com", "typo", "x@outlook.com"),
        ("reza@chmial.ir", "typo", "reza@chmail.ir"),
        ("x@yahoo.co.ukk", "typo", "x@yahoo.co.uk"),
        ("x@gmail.con", "typo", "x@gmail.com"),
        ("x@gmail.cmo", "typo", "x@gmail.com"),
        ("x@gmial.con", "typo", "x@gmail.com"),
        ("x@gmail", "typo", "x@gmail.com"),
        ("x@gmail.com.", "typo", "x@gmail.com"),
        ("x@gmail,com", "typo", "x@gmail.com"),
        ("x@mailinator.com", "disposable", None),
        ("x@inbox.yopmail.com", "disposable", None),
        ("info@pars-trading.ir", "role", None),
        ("Sales@example.com", "role", None),
        ("no-reply@shop.example.com", "role", None),
        ("noreply+bounce@example.com", "role", None),
        ("plainaddress", "invalid", None),
        ("two@@example.com", "invalid", None),
        ("a..b@example.com", "invalid", None),
        (".a@example.com", "invalid", None),
        ("a@example", "invalid", None),
        ("a@-example.com", "invalid", None),
        ("a@example.c", "invalid", None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_check_email(raw, quality, suggestion):
    assert eq.check_email(raw) == (quality, suggestion)


@pytest.mark.parametrize(
    "domain",
    # real domains close to a popular one: a country ending, other providers, short names
    ["outlook.es", "gmx.at", "live.nl", "mail.com", "ymail.com", "abc.com", "aol.com", "me.com", "gmail.co.uk"],
)
def test_no_suggestion_for_real_domains(domain):
    assert eq.suggest_domain(domain) is None


def test_internationalised_domain_is_valid():
    assert eq.check_email("ali@مثال.ایران") == ("ok", None)


@pytest.mark.parametrize(
    "raw, key",
    [
        ("Ali.Rezaei@gmail.com", "alirezaei@gmail.com"),
        ("a.li.rezaei+shop@gmail.com", "alirezaei@gmail.com"),
        ("alirezaei@googlemail.com", "alirezaei@gmail.com"),
        ("Ali Rezaei <ALI.REZAEI+news@GoogleMail.com>", "alirezaei@gmail.com"),
        # dots count outside Gmail, +tags are dropped everywhere
        ("ali.rezaei@example.com", "ali.rezaei@example.com"),
        ("ali.rezaei+crm@example.com", "ali.rezaei@example.com"),
        # a domain typo is read as the domain meant
        ("ali.rezaei@gmial.com", "alirezaei@gmail.com"),
        ("not an address", None),
        ("+tag@example.com", None),
        (None, None),
    ],
)
def test_dedup_key(raw, key):
    assert eq.dedup_key(raw) == key


def test_analyse_is_check_and_key_in_one():
    assert eq.analyse("sara@gmial.com") == ("typo", "sara@gmail.com", "sara@gmail.com")
    assert eq.analyse("bad") == ("invalid", None, None)
    assert eq.analyse("") == (None, None, None)


@pytest.mark.parametrize(
    "first, second, expected",
    [
        ("ali@x.com", "ALI@x.com", "same e-mail"),
        ("a.li@gmail.com", "ali@gmail.com", "same e-mail (gmail dots)"),
        ("ali+shop@x.com", "ali@x.com", "same e-mail (+tag)"),
        ("a.li+shop@gmail.com", "ali@gmail.com", "same e-mail (+tag, gmail dots)"),
        ("ali@gmial.com", "ali@gmail.com", "same e-mail (domain typo)"),
        ("ali@googlemail.com", "ali@gmail.com", "same e-mail"),
    ],
)
def test_variation(first, second, expected):
    assert eq.variation(first, second) == expected


@pytest.mark.parametrize(
    "first, second, distance",
    [("gmial", "gmail", 1), ("gmail", "gmail", 0), ("yahoo", "yahooo", 1), ("abc", "aol", 2), ("", "abc", 3)],
)
def test_edit_distance(first, second, distance):
    assert eq.edit_distance(first, second) == distance


def test_edit_distance_limit_stops_early():
    assert eq.edit_distance("completely", "different", limit=2) == 3


def test_disposable_list_is_shipped_and_clean():
    domains = eq.disposable_domains()
    assert len(domains) > 50
    assert "mailinator.com" in domains
    assert all(domain == domain.strip().lower() and "." in domain for domain in domains)
    assert not domains & set(eq.POPULAR_DOMAINS)

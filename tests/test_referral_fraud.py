"""Referral fraud rules without Odoo."""

from ecrm_referral.tools import fraud


def person(pid, **values):
    return {"id": pid, "email_key": None, "phones": [], "address_keys": [], "disposable": False, **values}


def test_clean():
    assert fraud.assess(person(1, email_key="a@x.com"), person(2, email_key="b@x.com")) == (0, [])


def test_each_rule():
    assert fraud.assess(person(1), person(1))[1] == ["same_partner"]
    assert fraud.assess(person(1, email_key="ab@gmail.com"), person(2, email_key="ab@gmail.com"))[1] == ["same_email"]
    assert fraud.assess(person(1, phones=["+98912"]), person(2, phones=[None, "+98912"]))[1] == ["same_phone"]
    assert fraud.assess(person(1, address_keys=["k"]), person(2, address_keys=["k"]))[1] == ["same_address"]
    assert fraud.assess(person(1), person(2, disposable=True))[1] == ["disposable_email"]
    assert fraud.assess(person(1), person(2), ip_count=6, ip_limit=5)[1] == ["ip_burst"]
    assert fraud.assess(person(1), person(2), ip_count=60, ip_limit=0)[1] == []


def test_score_is_capped_and_explained():
    score, rules = fraud.assess(
        person(1, email_key="e", phones=["p"]), person(2, email_key="e", phones=["p"], disposable=True)
    )
    assert score == 100
    assert fraud.reasons_text(rules).count("\n") == 2


def test_empty_values_never_match():
    assert (
        fraud.assess(person(1, phones=[""], address_keys=[None]), person(2, phones=[""], address_keys=[None]))[1] == []
    )

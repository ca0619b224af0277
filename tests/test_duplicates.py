"""Pure-Python tests of ecrm_core/tools/duplicates.py and graph.py (C6): no Odoo, no database."""

import pytest
from ecrm_core.tools import duplicates as dup
from ecrm_core.tools.graph import connected_components


@pytest.mark.parametrize(
    "name, key",
    [
        ("Ali Rezaei", "ali rezaei"),
        ("  Dr.  Ali   REZAEI ", "ali rezaei"),
        ("José Müller-Lüdenscheidt", "jose muller ludenscheidt"),
        ("علي رضائي", "علی رضایی"),  # Arabic yeh typed for the Persian one, hamza dropped
        ("محمد\u200cرضا کریمی", "محمد رضا کریمی"),  # zero-width non-joiner
        ("آقای رضا احمدی", "رضا احمدی"),
        ("ali.rezaei@gmail.com", None),  # a latent contact named after their e-mail
        ("+98 912 123 4567", None),
        ("", None),
        (None, None),
        ("Mr", "mr"),  # a title alone is kept rather than emptied
    ],
)
def test_name_key(name, key):
    assert dup.name_key(name) == key


def test_address_key_ignores_order_abbreviations_and_format():
    first = dup.address_key("12 Main Street", "10115", "Berlin")
    assert first == dup.address_key("Main St. 12", " 101 15", "BERLIN")
    assert first == dup.address_key("MAIN ST., No. 12", "10115", "berlin")
    assert first != dup.address_key("14 Main Street", "10115", "Berlin")
    assert dup.address_key("خیابان ولیعصر، پلاک ۱۲", "1234567890", "تهران") == dup.address_key(
        "خ ولیعصر پ 12", "۱۲۳۴۵۶۷۸۹۰", "تهران"
    )


def test_address_key_needs_a_street_and_a_place():
    assert dup.address_key("", "10115", "Berlin") is None
    assert dup.address_key("12 Main Street", "", "") is None
    assert dup.address_key("12 Main Street", "", "Berlin") is not None


@pytest.mark.parametrize(
    "first, second, similarity, expected",
    [
        ("ali rezaei", "ali rezaei", None, "same"),
        ("rezaei ali", "ali rezaei", None, "same"),
        ("ali rezaei", "ali rezai", None, "similar"),
        ("ali rezaei", "a rezaei", None, "similar"),
        ("ali rezaei", "ali reza rezaei", None, "similar"),
        ("mohammad karimi", "mohamad karimy", None, "similar"),
        # a household: same family name, another first name
        ("ali rezaei", "sara rezaei", 0.45, "different"),
        ("ali rezaei", "reza karimi", 0.0, "different"),
        # words too far apart but trigram-close overall
        ("alexandra smith", "alexandria smyth", 0.75, "similar"),
        ("ali rezaei", None, None, None),
    ],
)
def test_name_match(first, second, similarity, expected):
    assert dup.name_match(first, second, similarity) == expected


@pytest.mark.parametrize(
    "evidence, duplicate",
    [
        ({"same_email": True, "name": "same"}, True),
        ({"same_email": True, "name": None}, True),  # one of them is named after the address
        ({"same_email": True, "name": "different"}, False),  # a family mailbox
        ({"same_phone": True, "name": "similar"}, True),
        ({"same_phone": True, "name": None}, True),
        ({"same_phone": True, "name": "different"}, False),  # a home phone
        ({"same_address": True, "name": "similar"}, True),
        ({"same_address": True, "name": None}, False),
        ({"same_address": True, "name": "different"}, False),  # a household
        ({"name": "same"}, False),  # a common name alone proves nothing
        ({"same_email": True, "same_phone": True, "name": "different"}, True),
    ],
)
def test_pair_score_threshold(evidence, duplicate):
    assert (dup.pair_score(**evidence) >= dup.DUPLICATE_THRESHOLD) is duplicate


def test_pair_score_bounds():
    assert dup.pair_score(True, True, True, "same") == 100
    assert dup.pair_score(name="different") == 0


def test_reasons_text():
    reasons = dup.pair_reasons("same e-mail (gmail dots)", False, True, "similar", 0.8234)
    assert reasons == ["same e-mail (gmail dots)", "same address", "similar name 0.82"]
    assert dup.merge_reasons([reasons, ["same phone", "same address"]]) == (
        "same e-mail (gmail dots), same address, similar name 0.82, same phone"
    )


def test_connected_components():
    pairs = [(5, 3), (3, 9), (1, 2), (7, 7), (2, 4)]
    assert connected_components(pairs) == [[1, 2, 4], [3, 5, 9], [7]]
    assert connected_components([]) == []


def test_connected_components_order_does_not_matter():
    pairs = [(i, i + 1) for i in range(0, 1000, 2)] + [(i, i + 2) for i in range(1, 50, 2)]
    assert connected_components(pairs) == connected_components(list(reversed(pairs)))

import importlib.util
import os

# the glue addon's tools have no Odoo import: load the file directly
_PATH = os.path.join(os.path.dirname(__file__), os.pardir, "addons", "ecrm_campaign_website", "tools", "landing.py")
_spec = importlib.util.spec_from_file_location("ecrm_campaign_website_landing", _PATH)
landing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(landing)


def rule(rule_id, keywords="", **utm):
    return {"id": rule_id, "keywords": landing.parse_keywords(keywords), "utm": {k: v.lower() for k, v in utm.items()}}


def test_keywords_pick_the_page():
    rules = [rule(1, "saffron price, saffron cost"), rule(2, "saffron recipe")]
    assert landing.best_rule(rules, "Best SAFFRON price in Tehran", {}) == 1
    assert landing.best_rule(rules, "saffron recipe rice", {}) == 2
    assert landing.best_rule(rules, "tea", {}) is None


def test_phrase_must_be_in_order():
    rules = [rule(1, "saffron price")]
    assert landing.best_rule(rules, "price of saffron", {}) is None


def test_utm_must_match_and_weighs_more():
    rules = [rule(1, "saffron"), rule(2, "", campaign="Nowruz", medium="cpc")]
    assert landing.best_rule(rules, "saffron", {"campaign": "nowruz", "medium": "CPC"}) == 2
    assert landing.best_rule(rules, "saffron", {"campaign": "nowruz"}) == 1
    rules = [rule(3, "saffron", source="google")]
    assert landing.best_rule(rules, "saffron", {"source": "bing"}) is None


def test_ties_go_to_the_first_rule():
    rules = [rule(1, "saffron"), rule(2, "saffron")]
    assert landing.best_rule(rules, "saffron", {}) == 1


def test_catch_all_rule():
    rules = [rule(1, "saffron"), rule(9)]
    assert landing.best_rule(rules, "tea", {}) == 9
    assert landing.best_rule(rules, "saffron", {}) == 1


def test_persian_spelling():
    rules = [rule(1, "قیمت زعفران")]
    # Arabic yeh and kaf in the search still match
    assert (
        landing.best_rule(rules, "\u0642\u064a\u0645\u062a \u0632\u0639\u0641\u0631\u0627\u0646 \u0627\u0635\u0644", {})
        == 1
    )

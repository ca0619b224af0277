"""Recurring questions (C15): normalisation and grouping, Persian and English, without Odoo."""

from ecrm_core.tools import faq


def test_normalize_unifies_arabic_forms_digits_and_punctuation():
    # Arabic yeh and kaf, Persian digits, ZWNJ, diacritics and the Persian question mark
    assert faq.normalize("مي‌كشد ۱۲۳؟") == "می کشد 123"
    assert faq.normalize("كيف") == faq.normalize("کیف")
    assert faq.normalize("Hello, WORLD!!") == "hello world"
    assert faq.normalize("سَلام") == "سلام"
    assert faq.normalize(None) == ""


def test_tokenize_drops_stop_words_and_plurals():
    assert faq.tokenize("How can I return my order?") == ["return", "order"]
    assert faq.tokenize("Where are the invoices?") == ["invoice"]
    # "چطور", "می", "توانم", "را" are stop words or too common; the plural "ها" is cut
    assert "سفارش" in faq.tokenize("چطور می‌توانم سفارش‌ها را ببینم")
    assert "ها" not in faq.tokenize("سفارش ها")
    assert faq.tokenize("سلام، لطفا") == []
    assert faq.tokenize("order 12345") == ["order"]


def test_is_question():
    assert faq.is_question("Is the sofa washable")
    assert faq.is_question("I wonder about delivery?")
    assert faq.is_question("ارسال به شیراز چند روز طول می‌کشد؟")
    assert faq.is_question("چطور سفارش را لغو کنم")
    assert not faq.is_question("Thanks, the chair arrived.")
    assert not faq.is_question("")


RETURNS = [
    ("r1", "How do I return a damaged product?"),
    ("r2", "I want to return my order, how does the return work?"),
    ("r3", "Can I return the product after 10 days?"),
    ("r4", "return policy for damaged products?"),
]
DELIVERY_FA = [
    ("d1", "ارسال سفارش به شیراز چند روز طول می‌کشد؟"),
    ("d2", "زمان ارسال سفارش به شیراز چقدر است؟"),
    # Arabic yeh and kaf typed by an old keyboard: the same question
    ("d3", "ارسال به شيراز چند روز طول مي‌كشد؟"),
]
INSTALLMENTS_FA = [
    ("i1", "آیا امکان خرید اقساطی وجود دارد؟"),
    ("i2", "خرید اقساطی مبل چطور است؟"),
    ("i3", "شرایط خرید اقساطی چیست؟"),
]
NOISE = [
    ("n1", "The chair colour is nice but is there a green one?"),
    ("n2", "Do you sell gift cards?"),
]


def group_of(groups, key):
    return next((set(group["keys"]) for group in groups if key in group["keys"]), None)


def test_planted_questions_are_grouped_together():
    groups = faq.group_questions(RETURNS + DELIVERY_FA + INSTALLMENTS_FA + NOISE)
    assert group_of(groups, "r1") == {"r1", "r2", "r3", "r4"}
    assert group_of(groups, "d1") == {"d1", "d2", "d3"}
    assert group_of(groups, "i1") == {"i1", "i2", "i3"}
    # one-off questions are not recurring topics
    assert group_of(groups, "n1") is None and group_of(groups, "n2") is None
    assert len(groups) == 3
    # biggest group first, with its words and the most typical questions
    assert groups[0]["keys"][0].startswith("r")
    assert "return" in groups[0]["keywords"]
    assert len(groups[0]["examples"]) == 3
    delivery = next(group for group in groups if "d1" in group["keys"])
    assert "ارسال" in delivery["keywords"] and "شیراز" in delivery["keywords"]


def test_grouping_is_stable_and_handles_empty_input():
    questions = RETURNS + DELIVERY_FA
    assert faq.group_questions(questions) == faq.group_questions(questions)
    assert faq.group_questions([]) == []
    assert faq.group_questions([("x", "سلام"), ("y", "hello?")]) == []
    # a stricter minimum size drops the smaller group
    assert len(faq.group_questions(questions, min_size=4)) == 1


def test_match_topic_and_trend():
    topics = [(1, ["return", "product", "damaged"]), (2, ["ارسال", "شیراز", "روز"])]
    assert faq.match_topic(["return", "order"], topics) == 1
    assert faq.match_topic(["شیراز", "ارسال", "زمان"], topics) == 2
    assert faq.match_topic(["gift", "card"], topics) is None
    assert faq.match_topic([], topics) is None
    assert faq.trend(10, 4) == "rising"
    assert faq.trend(2, 9) == "falling"
    assert faq.trend(5, 5) == "steady"
    assert faq.trend(2, 1) == "steady"  # too few to call it a trend

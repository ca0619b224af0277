"""Duplicate contacts (C6): comparison keys and the score of a pair of contacts.

The duplicate job finds candidate pairs in SQL by equal keys (e-mail, phone, postal
address) and measures their name similarity with PostgreSQL trigrams; the verdict on
each pair is :func:`pair_score`, so the rules are read and tested here.
"""

import re
import unicodedata

from .email_quality import edit_distance

# Points each piece of evidence adds to a pair's score (0-100), and the score from which
# a pair is reported as a duplicate. Shared e-mail or phone is strong evidence; a shared
# address is weak (a household); names that clearly differ take points away, so that
# two people sharing a family mailbox, phone or flat are not called duplicates.
WEIGHTS = {
    "email": 60,
    "phone": 50,
    "address": 30,
    "name_same": 40,
    "name_similar": 30,
    "name_different": -30,
}
DUPLICATE_THRESHOLD = 50
# Trigram similarity from which two names are "similar" even when their words differ more.
NAME_SIMILARITY = 0.7
# A key (e-mail, phone, address) shared by more contacts than this identifies a place or a
# switchboard, not a person: it is not used to pair contacts.
MAX_KEY_GROUP = 20

PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Arabic letters typed for their Persian look-alikes, and the zero-width non-joiner.
PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "\u200c": " "})
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "mme",
        "mlle",
        "m",
        "herr",
        "frau",
        "sr",
        "sra",
        "aghaye",
        "agha",
        "khanom",
        "آقای",
        "آقا",
        "خانم",
        "جناب",
        "سرکار",
        "دکتر",
        "مهندس",
    ]
)
# Street words and their short form, so "12 Main Street" and "Main St. 12" compare equal.
STREET_WORDS = {
    "street": "st",
    "str": "st",
    "strasse": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "blv": "blvd",
    "drive": "dr",
    "lane": "ln",
    "place": "pl",
    "square": "sq",
    "apartment": "apt",
    "number": "no",
    "nr": "no",
    "floor": "fl",
    "building": "bldg",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "خیابان": "خ",
    "خ.": "خ",
    "کوچه": "ک",
    "پلاک": "پ",
    "بلوار": "بل",
    "میدان": "م",
    "طبقه": "ط",
    "واحد": "و",
}
EMAIL_OR_PHONE_RE = re.compile(r"@|^[\d\s+().-]{6,}$")


def fold(text):
    """Lower case, no accents, Persian digits and letters unified, punctuation as spaces."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.translate(PERSIAN_LETTERS).translate(PERSIAN_DIGITS).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).replace("_", " ").split())


def name_key(name):
    """The name compared between contacts, or None when it is empty or only an e-mail or a phone.

    ``"Dr. Ali  Rezaei"`` and ``"ali rezaei"`` give ``"ali rezaei"``.
    """
    if not name or EMAIL_OR_PHONE_RE.search(str(name).strip()):
        return None
    words = fold(name).split()
    while len(words) > 1 and words[0] in _FOLDED_TITLES:
        words.pop(0)
    return " ".join(words) or None


_FOLDED_TITLES = frozenset(fold(title) for title in TITLES)
# "No. 12", "Nr 12", "پلاک ۱۲": the word before a house number says nothing
_NUMBER_WORDS = frozenset({"no", "پ"})
_FOLDED_STREET_WORDS = {fold(word): fold(short) for word, short in STREET_WORDS.items()}


def address_key(street, zip_code, city, street2=None):
    """Street, postcode and city in one comparable string, or None without a street and a place.

    Street words are shortened and sorted, so house number and street name may come in
    any order; the postcode keeps only letters and digits.
    """
    street_words = fold(" ".join(part for part in (street, street2) if part)).split()
    if not street_words or not (zip_code or city):
        return None
    street_words = sorted(
        short for short in (_FOLDED_STREET_WORDS.get(word, word) for word in street_words) if short not in _NUMBER_WORDS
    )
    postcode = re.sub(r"[^0-9a-z]", "", fold(zip_code or "").replace(" ", ""))
    return "%s|%s|%s" % (" ".join(street_words), postcode, fold(city or ""))


def _word_budget(word):
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2


def name_match(first, second, similarity=None):
    """How two name keys compare: ``same``, ``similar``, ``different`` or None (a name is missing).

    Similar: every word of the shorter name matches a word of the other, with a typo or
    two allowed by length, or as an initial ("a rezaei"); or trigram ``similarity`` of at
    least :data:`NAME_SIMILARITY`. So "ali rezaei" and "ali rezai" are similar, while
    "ali rezaei" and "sara rezaei" (a household) are different.
    """
    if not first or not second:
        return None
    words_a, words_b = first.split(), second.split()
    if first == second or sorted(words_a) == sorted(words_b):
        return "same"
    shorter, longer = sorted((words_a, words_b), key=len)
    remaining = list(longer)
    for word in shorter:
        match = next(
            (
                other
                for other in remaining
                if (len(word) == 1 and other.startswith(word))
                or (len(other) == 1 and word.startswith(other))
                or edit_distance(word, other, limit=_word_budget(word)) <= _word_budget(word)
            ),
            None,
        )
        if match is None:
            break
        remaining.remove(match)
    else:
        return "similar"
    if similarity is not None and similarity >= NAME_SIMILARITY:
        return "similar"
    return "different"


def pair_score(same_email=False, same_phone=False, same_address=False, name=None):
    """Score 0-100 of two contacts being one person, from the evidence (see :data:`WEIGHTS`).

    ``name`` is the result of :func:`name_match`.
    """
    score = (
        WEIGHTS["email"] * bool(same_email)
        + WEIGHTS["phone"] * bool(same_phone)
        + WEIGHTS["address"] * bool(same_address)
    )
    if name:
        score += WEIGHTS["name_%s" % name]
    return max(0, min(100, score))


def pair_reasons(email_reason=None, same_phone=False, same_address=False, name=None, similarity=None):
    """The reasons of a pair as words: ``["same e-mail (gmail dots)", "similar name 0.82"]``."""
    reasons = []
    if email_reason:
        reasons.append(email_reason)
    if same_phone:
        reasons.append("same phone")
    if same_address:
        reasons.append("same address")
    if name == "same":
        reasons.append("same name")
    elif name == "similar":
        reasons.append("similar name %.2f" % similarity if similarity is not None else "similar name")
    elif name == "different":
        reasons.append("different names")
    return reasons


def merge_reasons(reason_lists):
    """The reasons of a group: each reason once, in the order first seen, joined by commas."""
    seen = []
    for reasons in reason_lists:
        for reason in reasons:
            if reason not in seen:
                seen.append(reason)
    return ", ".join(seen)

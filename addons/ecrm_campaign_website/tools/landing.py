"""Choosing the landing page for a visitor: plain functions over plain data (K11).

A rule has keywords and optional UTM values. A rule applies when every UTM value it names
matches the visit and, if it has keywords, at least one of them is in the visitor's search.
Among those that apply, the one matching most wins: each UTM value counts 2, each keyword 1;
ties go to the lower sequence.
"""

import re
import unicodedata

UTM_WEIGHT = 2
UTM_KEYS = ("campaign", "source", "medium")


def normalize_words(text):
    """Lower-case words of ``text`` without accents (Persian and Arabic letters kept as they are)."""
    if not text:
        return []
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    # Arabic kaf and yeh are written the Persian way, so both spellings match
    text = text.replace("\u0643", "\u06a9").replace("\u064a", "\u06cc")
    return [word for word in re.split(r"[\W_]+", text.lower()) if word]


def parse_keywords(text):
    """Rule keywords from a comma or newline separated text: a list of phrases, each a tuple of words."""
    phrases = []
    for part in re.split(r"[,\n\u060c]", text or ""):
        words = tuple(normalize_words(part))
        if words and words not in phrases:
            phrases.append(words)
    return phrases


def phrase_in(phrase, words):
    """True when the words of ``phrase`` appear in ``words`` in that order, next to each other."""
    size = len(phrase)
    return any(tuple(words[index : index + size]) == phrase for index in range(len(words) - size + 1))


def score(rule, search_words, utm):
    """How well ``rule`` fits; None when it does not apply.

    ``rule``: dict with ``keywords`` (phrases, see :func:`parse_keywords`) and ``utm`` (dict key -> lower-case
    name or None). ``utm``: the visit's values, same keys.
    """
    points = 0
    for key in UTM_KEYS:
        wanted = rule["utm"].get(key)
        if wanted:
            if (utm.get(key) or "").strip().lower() != wanted:
                return None
            points += UTM_WEIGHT
    if rule["keywords"]:
        matched = sum(1 for phrase in rule["keywords"] if phrase_in(phrase, search_words))
        if not matched:
            return None
        points += matched
    return points


def best_rule(rules, keywords, utm):
    """The id of the rule that fits best, or None. ``rules`` are in sequence order."""
    search_words = normalize_words(keywords)
    best, best_points = None, -1
    for rule in rules:
        points = score(rule, search_words, utm)
        if points is not None and points > best_points:
            best, best_points = rule["id"], points
    return best

"""Recurring questions (C15): group what customers ask support into topics.

Texts are normalised for Persian and English (Arabic letter forms unified to
Persian, Persian and Arabic digits to ASCII, punctuation and stop words removed),
weighted by TF-IDF and grouped around the questions that resemble the most
others (star clustering on cosine similarity). Nothing here touches a database.
"""

import re
import unicodedata

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

# Arabic letter forms and digits that Persian keyboards and old systems mix in.
CHAR_MAP = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0624": "\u0648",  # waw with hamza -> waw
        "\u0626": "\u06cc",  # yeh with hamza -> yeh
        "\u200c": " ",  # zero-width non-joiner: keep the parts apart
        "\u200d": "",
        "\u200e": "",
        "\u200f": "",
        "\u0640": "",  # tatweel
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic digits
    }
)
DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def _word_set(text):
    return frozenset(text.split())


ENGLISH_STOP_WORDS = _word_set(
    """
    a about after again all also am an and any are as at be been before being both but by can cannot could
    dear did do does doing done dont for from get gets getting got had has have having he hello her here hi him his
    how i if im in into is it its ive just know let like me more most much my need no nor not now of off ok okay
    on once one only or other our out over please regards same she should sir madam so some still such than thank
    thanks that the their them then there these they this those through to too under until up us very want was
    we were what when where which while who whom why will with would yes yet you your yours anyone someone
    something tell told get already since
    """
)
PERSIAN_STOP_WORDS = _word_set(
    """
    از به با در بر برای که این آن را و یا تا هم نیز اما ولی اگر چه چرا چطور چطوری چگونه کی کجا کدام چند آیا
    من ما تو شما او ایشان آنها اینها است هست هستند هستم هستید نیست نیستم بود بودم بودن شد شده شود میشود نشد
    می نمی کن کنم کنید کند کنند کنیم کرد کردم کردن کرده کردید دارم دارد دارید داریم ندارم ندارد خواهم میخواهم
    خواستم باید بتوانم میتوانم میتوان توان چیزی چیز یک یه هر همه خیلی لطفا سلام ممنون مرسی سپاس تشکر وقت بخیر
    روز ها های هایی ای رو الان دیگر دیگه اون چی یعنی بنده جان آقا خانم عزیز درود بله نه مگر پس حتی همین همان
    بی بدون روی زیر پیش بعد قبل چون وقتی شه میشه بشه بکنم بکنید داره میکنم
    """
)
STOP_WORDS = ENGLISH_STOP_WORDS | PERSIAN_STOP_WORDS
PERSIAN_PLURAL_SUFFIXES = ("هایی", "های", "ها")
QUESTION_OPENERS = _word_set(
    "how what why when where which who can could is are do does did will would should may چطور چگونه چرا کی کجا "
    "چه چند چقدر آیا کدام"
)


def normalize(text):
    """Lower-case text with Persian letter forms, ASCII digits and single spaces instead of punctuation."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(CHAR_MAP)
    text = DIACRITICS.sub("", text).casefold()
    return NON_WORD.sub(" ", text).strip()


def _stem(token):
    for suffix in PERSIAN_PLURAL_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    if token.isascii():
        if len(token) > 4 and token.endswith("ies"):
            return token[:-3] + "y"
        if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
            return token[:-1]
    return token


def tokenize(text):
    """The meaningful words of a text: normalised, stop words, numbers and single letters dropped."""
    tokens = []
    for token in normalize(text).split():
        if len(token) < 2 or token.isdigit() or token in STOP_WORDS:
            continue
        token = _stem(token)
        if token not in STOP_WORDS:
            tokens.append(token)
    return tokens


def is_question(text):
    """True when a message looks like a question: a question mark, or a question word first."""
    if not text:
        return False
    if "?" in text or "\u061f" in text:
        return True
    words = normalize(text).split()
    return bool(words) and words[0] in QUESTION_OPENERS


def _identity(tokens):
    return tokens


def group_questions(questions, threshold=0.3, min_size=2, max_keywords=5, max_examples=3):
    """Group similar questions into topics.

    :param questions: list of ``(key, text)``
    :param threshold: smallest cosine similarity between a question and the centre of its group
    :param min_size: groups smaller than this are not recurring and are left out
    :return: list of ``{"keys": [...], "keywords": [...], "examples": [...]}``, biggest group first;
        ``examples`` are the texts closest to the group's centre
    """
    docs = [(key, text, tokenize(text)) for key, text in questions]
    docs = [doc for doc in docs if doc[2]]
    if len(docs) < max(min_size, 1):
        return []
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    matrix = vectorizer.fit_transform([doc[2] for doc in docs])  # rows are L2-normalised
    terms = vectorizer.get_feature_names_out()
    similarity = (matrix @ matrix.T).tocsr()
    similarity.data[similarity.data < threshold] = 0
    similarity.eliminate_zeros()
    degree = np.diff(similarity.indptr)
    # The question resembling the most others leads its group; ties go to the earliest question.
    order = sorted(range(len(docs)), key=lambda i: (-degree[i], i))
    assigned = np.zeros(len(docs), dtype=bool)
    member_lists = []
    for leader in order:
        if assigned[leader]:
            continue
        members = [int(i) for i in similarity.getrow(leader).indices if not assigned[i]]
        if leader not in members:
            members.append(leader)
        assigned[members] = True
        if len(members) >= 2:
            member_lists.append(members)
    if not member_lists:
        return []
    # Questions left alone join the group whose centre they resemble enough.
    centres = np.vstack([np.asarray(matrix[members].mean(axis=0)) for members in member_lists])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    grouped = {i for members in member_lists for i in members}
    for i in range(len(docs)):
        if i in grouped:
            continue
        closeness = np.asarray(matrix[i] @ centres.T).ravel()
        best = int(np.argmax(closeness))
        if closeness[best] >= threshold:
            member_lists[best].append(i)
    groups = []
    for members, centre in zip(member_lists, centres, strict=True):
        if len(members) < min_size:
            continue
        closeness = np.asarray(matrix[members] @ centre).ravel()
        ranked = [members[i] for i in np.argsort(-closeness, kind="stable")]
        top_terms = np.argsort(-centre, kind="stable")[:max_keywords]
        groups.append(
            {
                "keys": [docs[i][0] for i in ranked],
                "keywords": [str(terms[t]) for t in top_terms if centre[t] > 0],
                "examples": [docs[i][1] for i in ranked[:max_examples]],
            }
        )
    groups.sort(key=lambda group: -len(group["keys"]))
    return groups


def match_topic(keywords, topics, min_overlap=0.5):
    """The key of the known topic sharing the most keywords with a new group, or None.

    :param keywords: keywords of the new group
    :param topics: list of ``(key, keywords)`` of the topics already known
    :param min_overlap: shared keywords over the smaller keyword list, at least this much
    """
    wanted = set(keywords)
    best, best_score = None, 0.0
    for key, known in topics:
        known = set(known)
        if not wanted or not known:
            continue
        score = len(wanted & known) / min(len(wanted), len(known))
        if score >= min_overlap and score > best_score:
            best, best_score = key, score
    return best


def trend(current, previous):
    """'rising', 'falling' or 'steady': this period's count of questions against the one before."""
    if current >= previous * 1.25 and current - previous >= 2:
        return "rising"
    if current <= previous * 0.8 and previous - current >= 2:
        return "falling"
    return "steady"

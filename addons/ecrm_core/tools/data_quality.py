"""Data-quality score of a contact (C6): 0-100 from what is there and how good it is."""

# Share of the 100 points each part of the record carries.
WEIGHTS = {
    "email": 25,
    "phone": 20,
    "address": 20,
    "name": 15,
    "duplicates": 10,
    "profile": 10,
}
# Share of the e-mail points an address keeps, by its quality (see email_quality).
EMAIL_CREDIT = {"ok": 1.0, "role": 0.6, "disposable": 0.2, "typo": 0.2, "invalid": 0.0, None: 0.0}
ADDRESS_PARTS = ("street", "zip", "city", "country")
# Keys sort in the order of the bands, so that graphs and groups show them from poor to excellent.
BANDS = [
    ("1_poor", "Poor (under 50)", 0),
    ("2_fair", "Fair (50-74)", 50),
    ("3_good", "Good (75-89)", 75),
    ("4_excellent", "Excellent (90+)", 90),
]


def name_credit(name, key, is_company=False):
    """Share of the name points: a real name (two words for a person), written with capitals."""
    if not key:
        return 0.0
    credit = 1.0 if is_company or len(key.split()) >= 2 else 0.5
    letters = [char for char in name or "" if char.isalpha() and char.lower() != char.upper()]
    if letters and (all(char.isupper() for char in letters) or all(char.islower() for char in letters)):
        credit *= 0.8  # "ALI REZAEI" or "ali rezaei": to be written properly
    return credit


def quality_score(
    email_quality=None,
    phone_state=None,
    address=(),
    name_credit=0.0,
    duplicate=False,
    profile_filled=0,
    profile_total=0,
):
    """The score, 0-100.

    :param email_quality: quality of the e-mail (None when there is none)
    :param phone_state: ``ok`` (a number that normalises), ``invalid``, or None (no number)
    :param address: the parts of the postal address present, among :data:`ADDRESS_PARTS`
    :param name_credit: from :func:`name_credit`
    :param duplicate: the contact is in an open duplicate group
    :param profile_filled: profile fields filled, out of ``profile_total``
    """
    points = WEIGHTS["email"] * EMAIL_CREDIT.get(email_quality, 0.0)
    points += WEIGHTS["phone"] * (phone_state == "ok")
    points += WEIGHTS["address"] * len(set(address) & set(ADDRESS_PARTS)) / len(ADDRESS_PARTS)
    points += WEIGHTS["name"] * max(0.0, min(1.0, name_credit))
    points += WEIGHTS["duplicates"] * (not duplicate)
    if profile_total:
        points += WEIGHTS["profile"] * min(profile_filled, profile_total) / profile_total
    return round(points)


def score_band(score):
    """The band key of a score (``1_poor``, ``2_fair``, ``3_good``, ``4_excellent``), None without a score."""
    if score is None:
        return None
    band = BANDS[0][0]
    for key, _label, low in BANDS:
        if score >= low:
            band = key
    return band

"""Customer profile rules: age, age band and life stage."""

AGE_BANDS = [
    ("under_18", "Under 18", 0, 17),
    ("18_24", "18-24", 18, 24),
    ("25_34", "25-34", 25, 34),
    ("35_44", "35-44", 35, 44),
    ("45_54", "45-54", 45, 54),
    ("55_64", "55-64", 55, 64),
    ("65_plus", "65 and over", 65, 200),
]

LIFE_STAGES = [
    ("child", "Child"),
    ("teenager", "Teenager"),
    ("young_single", "Young single"),
    ("couple", "Couple without children"),
    ("young_family", "Parent of young children"),
    ("mature_family", "Parent of older children"),
    ("single_adult", "Single adult"),
    ("empty_nester", "Empty nester"),
    ("retired", "Retired"),
]


def age_on(birth_date, today):
    """Completed years between ``birth_date`` and ``today``; None without a birth date."""
    if not birth_date:
        return None
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_band(age):
    """The key of the band holding ``age``, or None."""
    if age is None or age < 0:
        return None
    return next((key for key, _label, low, high in AGE_BANDS if low <= age <= high), None)


def life_stage(age, household_size=0, children=0):
    """Life stage from age and household (C4), or None when the age is unknown.

    Parents are told apart by age: under 45 they are taken to have young children.
    """
    if age is None or age < 0:
        return None
    if age < 13:
        return "child"
    if age < 18:
        return "teenager"
    if age >= 65:
        return "retired"
    if children:
        return "young_family" if age < 45 else "mature_family"
    if household_size and household_size >= 2:
        return "couple" if age < 50 else "empty_nester"
    return "young_single" if age < 30 else "single_adult"

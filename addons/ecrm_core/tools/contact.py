"""Normalising contact data so the same person is recognised across systems."""

import re

import phonenumbers

EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]{2,}$")


def normalize_email(email):
    """Lower-cased, trimmed address, or None when it is not an address at all."""
    if not email:
        return None
    email = email.strip().lower()
    return email if EMAIL_RE.match(email) else None


def normalize_phone(number, country_code=None):
    """The number in E.164 (``+989121234567``), or None when it cannot be a phone number.

    ``country_code`` (ISO 3166 alpha-2) reads national numbers such as ``0912 123 4567``.
    """
    if not number or not str(number).strip():
        return None
    try:
        parsed = phonenumbers.parse(str(number), (country_code or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

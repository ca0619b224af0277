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
    Same rules as Odoo's ``phone_validation.phone_format(..., force_format='E164')``, which
    the models use: a ``00`` or missing ``+`` before the country code is tolerated, and the
    number must be valid for its country, so both give the same answer.
    """
    if not number or not str(number).strip():
        return None
    parsed = _parse_phone(str(number).strip(), (country_code or "").upper() or None)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if parsed else None


def _parse_phone(number, region):
    """``phone_validation.phone_parse`` without Odoo: the parsed number, or None."""
    try:
        parsed = phonenumbers.parse(number, region=region, keep_raw_input=True)
        international = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        parsed = phonenumbers.parse(international, region=region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        if phonenumbers.is_possible_number_with_reason(parsed) != phonenumbers.ValidationResult.TOO_LONG:
            return None
        if number.startswith("00"):
            return _parse_phone("+" + number.lstrip("0"), region)
        if not number.startswith("+"):
            return _parse_phone("+" + number, region)
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None

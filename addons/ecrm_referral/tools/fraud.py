"""Referral fraud rules: self-referral, shared identities, bursts, throw-away addresses.

Plain functions over plain data. A person is a dict with the keys the CRM keeps for
comparing contacts: ``id``, ``email_key`` (mailbox with Gmail dots and +tags removed),
``phones`` (E.164 numbers), ``address_keys`` (normalised postal and delivery addresses),
``disposable`` (the address is at a throw-away provider).
"""

# Rule code -> (points, reason shown to staff)
RULES = {
    "same_partner": (100, "The referrer referred themselves."),
    "same_email": (90, "Referrer and referred person share a mailbox (same e-mail once dots and +tags are removed)."),
    "same_phone": (80, "Referrer and referred person share a phone number."),
    "same_address": (60, "Referrer and referred person share a postal or delivery address."),
    "disposable_email": (40, "The referred person uses a disposable e-mail address."),
    "ip_burst": (50, "Many referrals arrived from the same IP address in a short time."),
}
SELF_REFERRAL_RULES = ("same_partner", "same_email", "same_phone", "same_address")


def _shared(first, second):
    return bool(set(filter(None, first or ())) & set(filter(None, second or ())))


def assess(referrer, referred, ip_count=0, ip_limit=5):
    """``(score 0-100, [rule codes])`` for the referral of ``referred`` by ``referrer``.

    ``ip_count`` is the number of referrals seen from the same IP in the burst window,
    this one included; more than ``ip_limit`` is a burst (0 disables the check).
    """
    rules = []
    if referrer.get("id") and referrer.get("id") == referred.get("id"):
        rules.append("same_partner")
    if referrer.get("email_key") and referrer.get("email_key") == referred.get("email_key"):
        rules.append("same_email")
    if _shared(referrer.get("phones"), referred.get("phones")):
        rules.append("same_phone")
    if _shared(referrer.get("address_keys"), referred.get("address_keys")):
        rules.append("same_address")
    if referred.get("disposable"):
        rules.append("disposable_email")
    if ip_limit and ip_count > ip_limit:
        rules.append("ip_burst")
    score = min(100, sum(RULES[rule][0] for rule in rules))
    return score, rules


def reasons_text(rules):
    """The reasons staff read on the referral, one per line."""
    return "\n".join(RULES[rule][1] for rule in rules)

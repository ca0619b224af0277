"""Signed links for the consent ledger (K2): confirmation, unsubscribe, preference centre.

A token carries its own payload (what it is for, the ids it is about, when it was
issued) and an HMAC-SHA256 of that payload with the database secret. Nothing is
stored: a token that does not verify is refused, and the caller answers the same way
for a bad signature, an expired token or an unknown id, so that a forger learns nothing.

No Odoo import: plain functions over strings and numbers.
"""

import base64
import hashlib
import hmac
import time

# Token kinds and how long a link of that kind stays valid, in seconds.
KIND_CONFIRM = "confirm"
KIND_UNSUBSCRIBE = "unsubscribe"
KIND_PREFERENCES = "preferences"
MAX_AGE = {
    KIND_CONFIRM: 30 * 24 * 3600,  # a confirmation mail read within a month
    KIND_UNSUBSCRIBE: 2 * 365 * 24 * 3600,  # old newsletters must still unsubscribe
    KIND_PREFERENCES: 2 * 365 * 24 * 3600,
}
_SEPARATOR = ":"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret, scope, payload):
    key = ("%s%s%s" % (secret, _SEPARATOR, scope)).encode("utf-8")
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).digest()


def sign(secret, scope, kind, values, issued=None):
    """A URL-safe token for ``kind`` about ``values`` (ints or simple strings without ':').

    ``scope`` separates databases that might share a secret (pass the database name).
    """
    if not secret:
        raise ValueError("a secret is required to sign a token")
    if kind not in MAX_AGE:
        raise ValueError("unknown token kind %r" % kind)
    parts = [str(value) for value in values]
    if any(_SEPARATOR in part or not part for part in parts):
        raise ValueError("token values must be non-empty and contain no %r" % _SEPARATOR)
    issued = int(time.time() if issued is None else issued)
    payload = _SEPARATOR.join([kind, *parts, str(issued)])
    return "%s.%s" % (_b64(payload.encode("utf-8")), _b64(_mac(secret, scope, payload)))


def verify(secret, scope, kind, token, now=None):
    """The values signed in ``token`` (a list of strings) if it is a genuine, unexpired ``kind`` token, else None."""
    if not secret or not token or not isinstance(token, str) or token.count(".") != 1:
        return None
    encoded_payload, encoded_mac = token.split(".")
    try:
        payload = _unb64(encoded_payload).decode("utf-8")
        given_mac = _unb64(encoded_mac)
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(given_mac, _mac(secret, scope, payload)):
        return None
    parts = payload.split(_SEPARATOR)
    if len(parts) < 2 or parts[0] != kind:
        return None
    try:
        issued = int(parts[-1])
    except ValueError:
        return None
    now = time.time() if now is None else now
    if issued > now + 300 or now - issued > MAX_AGE[kind]:
        return None
    return parts[1:-1]


def verify_ids(secret, scope, kind, token, count, now=None):
    """Like :func:`verify`, for tokens carrying exactly ``count`` positive integer ids: a tuple of ints or None."""
    values = verify(secret, scope, kind, token, now=now)
    if values is None or len(values) != count:
        return None
    try:
        ids = tuple(int(value) for value in values)
    except ValueError:
        return None
    return ids if all(value > 0 for value in ids) else None

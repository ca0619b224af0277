"""Signed consent links (K2): genuine tokens verify, anything altered or expired does not."""

import pytest
from ecrm_campaign.tools import tokens

SECRET = "s3cret-of-the-database"
SCOPE = "db1"


def test_round_trip_gives_back_the_ids():
    token = tokens.sign(SECRET, SCOPE, tokens.KIND_CONFIRM, [12, 7])
    assert tokens.verify_ids(SECRET, SCOPE, tokens.KIND_CONFIRM, token, 2) == (12, 7)


def test_token_is_url_safe():
    token = tokens.sign(SECRET, SCOPE, tokens.KIND_UNSUBSCRIBE, [1, "email", 3])
    assert all(char.isalnum() or char in "-_." for char in token)


@pytest.mark.parametrize("position", [0, 5, -1, -5])
def test_any_changed_character_is_refused(position):
    token = tokens.sign(SECRET, SCOPE, tokens.KIND_CONFIRM, [12, 7])
    chars = list(token)
    chars[position] = "A" if chars[position] != "A" else "B"
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_CONFIRM, "".join(chars)) is None


def test_another_id_with_the_old_signature_is_refused():
    token = tokens.sign(SECRET, SCOPE, tokens.KIND_CONFIRM, [12, 7], issued=1_700_000_000)
    forged = tokens._b64(b"confirm:13:7:1700000000") + "." + token.split(".")[1]
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_CONFIRM, token, now=1_700_000_001) == ["12", "7"]
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_CONFIRM, forged) is None


def test_other_secret_scope_or_kind_is_refused():
    token = tokens.sign(SECRET, SCOPE, tokens.KIND_UNSUBSCRIBE, [4, "email", 1])
    assert tokens.verify("other", SCOPE, tokens.KIND_UNSUBSCRIBE, token) is None
    assert tokens.verify(SECRET, "db2", tokens.KIND_UNSUBSCRIBE, token) is None
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_PREFERENCES, token) is None
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_UNSUBSCRIBE, token) == ["4", "email", "1"]


def test_expired_and_future_tokens_are_refused():
    issued = 1_700_000_000
    token = tokens.sign(SECRET, SCOPE, tokens.KIND_CONFIRM, [1], issued=issued)
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_CONFIRM, token, now=issued + 10) == ["1"]
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_CONFIRM, token, now=issued + 31 * 24 * 3600) is None
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_CONFIRM, token, now=issued - 3600) is None


@pytest.mark.parametrize("garbage", ["", None, "abc", "a.b.c", "!!!.???", "Y29uZmlybQ.", 42])
def test_garbage_is_refused_without_error(garbage):
    assert tokens.verify(SECRET, SCOPE, tokens.KIND_CONFIRM, garbage) is None


def test_non_integer_or_wrong_count_ids_are_refused():
    token = tokens.sign(SECRET, SCOPE, tokens.KIND_CONFIRM, ["abc"])
    assert tokens.verify_ids(SECRET, SCOPE, tokens.KIND_CONFIRM, token, 1) is None
    token = tokens.sign(SECRET, SCOPE, tokens.KIND_CONFIRM, [1, 2])
    assert tokens.verify_ids(SECRET, SCOPE, tokens.KIND_CONFIRM, token, 1) is None


def test_signing_refuses_bad_input():
    with pytest.raises(ValueError):
        tokens.sign("", SCOPE, tokens.KIND_CONFIRM, [1])
    with pytest.raises(ValueError):
        tokens.sign(SECRET, SCOPE, "other", [1])
    with pytest.raises(ValueError):
        tokens.sign(SECRET, SCOPE, tokens.KIND_CONFIRM, ["a:b"])

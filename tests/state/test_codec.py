"""bot/state/codec.py and cipher.py: entries, contexts and errors as bytes, optionally sealed."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet, MultiFernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import (
    Event,
    ExternalId,
    LinkedAccount,
    LinkedPerson,
    Profile,
    SectionError,
    TraitSource,
)
from bot.settings.parsing import SettingsError, parse_encryption_key
from bot.state import NotFoundEntry
from bot.state.cipher import ValueCipher
from bot.state.codec import (
    FORMAT_VERSION,
    CodecError,
    decode_context,
    decode_entry,
    decode_error,
    encode_context,
    encode_entry,
    encode_error,
)

EMAIL = "jane.doe@example.com"
KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
SECRET = "test-identifier-hash-key"
SLOT = "profile-bot:profile:0123abcd"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=12), json_values, max_size=6)
short_text = st.text(max_size=16)
optional_text = st.none() | short_text
section_errors = st.builds(
    SectionError, st.sampled_from(list(ErrorKind)), short_text, optional_text
)
profiles = st.builds(
    Profile,
    identifier=st.builds(
        Identifier,
        st.sampled_from(["email", "user_id", "phone"]),
        short_text,
        exact=st.booleans(),
    ),
    fetched_at=st.floats(min_value=0, max_value=4e9),
    traits=json_objects,
    traits_complete=st.booleans(),
    audiences=json_objects,
    computed_traits=json_objects,
    external_ids=st.lists(
        st.builds(ExternalId, short_text, short_text, optional_text, optional_text), max_size=3
    ).map(tuple),
    events=st.lists(
        st.builds(Event, short_text, short_text, optional_text, json_objects, optional_text),
        max_size=3,
    ).map(tuple),
    events_cursor=optional_text,
    accounts=st.lists(
        st.builds(LinkedAccount, short_text, json_objects, st.none() | section_errors), max_size=2
    ).map(tuple),
    people=st.lists(
        st.builds(
            LinkedPerson,
            short_text,
            short_text,
            json_objects,
            st.booleans(),
            st.none() | section_errors,
        ),
        max_size=3,
    ).map(tuple),
    metadata=json_objects,
    errors=st.dictionaries(short_text, section_errors, max_size=3),
    trait_sources=st.dictionaries(
        short_text, st.builds(TraitSource, optional_text, optional_text), max_size=3
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles)
def test_any_profile_survives_the_round_trip(profile: Profile) -> None:
    assert decode_entry(encode_entry(profile)) == profile


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles)
def test_encrypted_round_trip(profile: Profile) -> None:
    cipher = ValueCipher(parse_encryption_key(KEY), secret=SECRET)
    opened = cipher.open(cipher.seal(encode_entry(profile), key=SLOT), key=SLOT)
    assert opened is not None
    assert decode_entry(opened) == profile


def jane() -> Profile:
    return Profile(
        Identifier("email", EMAIL),
        fetched_at=1_700_000_000.5,
        traits={"email": EMAIL, "plan": "pro", "seats": 12, "nested": {"a": [1, 2.5, None]}},
        external_ids=(ExternalId("email", EMAIL, "src", "2024-01-01T00:00:00Z"),),
        events=(Event("Signed In", "track", "2024-05-01T10:00:00Z", {"k": "v"}, "m1"),),
        events_cursor="next-1",
        accounts=(LinkedAccount("acme", {"plan": "ent"}), LinkedAccount("beta", error=None)),
        errors={"events": SectionError(ErrorKind.TIMEOUT, "timeout", "req-1")},
    )


def test_not_found_entries_round_trip() -> None:
    assert decode_entry(encode_entry(NotFoundEntry(fetched_at=12.5))) == NotFoundEntry(12.5)


def test_read_only_mappings_are_stored_like_dicts() -> None:
    from types import MappingProxyType

    profile = Profile(Identifier("user_id", "u1"), 1.0, traits=MappingProxyType({"a": (1, 2)}))
    assert decode_entry(encode_entry(profile)).traits == {"a": [1, 2]}


def test_contexts_and_errors_round_trip() -> None:
    context = {"identifier": f"email:{EMAIL}", "channel": "C1", "thread_ts": None, "n": [1, 2]}
    assert decode_context(encode_context(context)) == context
    error = ProfileApiError(ErrorKind.RATE_LIMITED, "past retries", status=429, request_id="r-9")
    back = decode_error(encode_error(error))
    assert (back.kind, back.detail, back.status, back.request_id, back.retry_after) == (
        ErrorKind.RATE_LIMITED,
        "past retries",
        429,
        "r-9",
        None,
    )
    assert str(back) == str(error)


def test_contexts_must_be_json() -> None:
    with pytest.raises(TypeError):
        encode_context({"when": object()})


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        json.dumps({"v": 99, "entry": "not_found", "fetched_at": 1}).encode(),
        json.dumps({"v": 1, "entry": "other"}).encode(),
        json.dumps({"v": 1, "entry": "not_found", "fetched_at": "soon"}).encode(),
        json.dumps({"v": 1, "entry": "profile", "identifier": ["email"]}).encode(),
        json.dumps({"v": 1, "entry": "profile", "identifier": ["a", "b"], "traits": []}).encode(),
    ],
)
def test_garbage_is_a_codec_error(data: bytes) -> None:
    with pytest.raises(CodecError):
        decode_entry(data)


def test_a_profile_with_a_broken_section_is_a_codec_error() -> None:
    doc = json.loads(encode_entry(jane()))
    doc["errors"]["events"]["kind"] = "no_such_kind"
    with pytest.raises(CodecError):
        decode_entry(json.dumps(doc).encode())
    doc = json.loads(encode_entry(jane()))
    doc["external_ids"][0] = ["email"]
    with pytest.raises(CodecError):
        decode_entry(json.dumps(doc).encode())


def test_ciphertext_does_not_contain_the_identifier() -> None:
    cipher = ValueCipher(parse_encryption_key(KEY), secret=SECRET)
    sealed = cipher.seal(encode_entry(jane()), key=SLOT)
    assert EMAIL.encode() not in sealed
    assert b"jane" not in sealed
    assert b"plan" not in sealed and b"{" not in sealed  # no plain JSON at all
    assert cipher.open(sealed, key=SLOT) == encode_entry(jane())


def test_wrong_key_missing_key_and_untagged_values_are_unreadable_not_errors() -> None:
    sealed = ValueCipher(parse_encryption_key(KEY), secret=SECRET).seal(b"payload", key=SLOT)
    assert (
        ValueCipher(parse_encryption_key(OTHER_KEY), secret=SECRET).open(sealed, key=SLOT) is None
    )
    assert ValueCipher(None, secret=SECRET).open(sealed, key=SLOT) is None
    plain = ValueCipher(None, secret=SECRET).seal(b"payload", key=SLOT)
    assert ValueCipher(None, secret=SECRET).open(plain, key=SLOT) == b"payload"
    # With encryption on, a plain value (planted, or from before the key was set) is refused.
    assert ValueCipher(parse_encryption_key(KEY), secret=SECRET).open(plain, key=SLOT) is None
    tampered = sealed[:-3] + (b"AAA" if sealed[-3:] != b"AAA" else b"BBB")
    assert ValueCipher(parse_encryption_key(KEY), secret=SECRET).open(tampered, key=SLOT) is None
    assert ValueCipher(parse_encryption_key(KEY), secret=SECRET).open(b"junk", key=SLOT) is None


def test_key_rotation_reads_values_sealed_with_the_old_key() -> None:
    old = ValueCipher(parse_encryption_key(OTHER_KEY), secret=SECRET).seal(b"payload", key=SLOT)
    rotated = ValueCipher(parse_encryption_key(f"{KEY}, {OTHER_KEY}"), secret=SECRET)
    assert rotated.open(old, key=SLOT) == b"payload"
    assert (
        ValueCipher(parse_encryption_key(KEY), secret=SECRET).open(
            rotated.seal(b"x", key=SLOT), key=SLOT
        )
        == b"x"
    )


def test_unset_key_means_no_encryption() -> None:
    assert parse_encryption_key(None) is None
    assert parse_encryption_key("  ") is None
    assert isinstance(parse_encryption_key(KEY), MultiFernet)


@pytest.mark.parametrize(
    "raw",
    ["hunter2-not-a-key", "x" * 44, KEY[:-4], f"{KEY},also-bad-key-material"],
    # Generated keys would make the test ids differ between xdist workers.
    ids=["not_base64", "not_a_key", "truncated_key", "good_then_bad"],
)
def test_malformed_key_names_the_setting_explains_the_format_and_hides_the_value(
    raw: str,
) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_encryption_key(raw)
    message = str(caught.value)
    assert caught.value.setting == "PROFILE_CACHE_ENCRYPTION_KEY"
    assert message.startswith("PROFILE_CACHE_ENCRYPTION_KEY")
    assert "Fernet" in message and "base64" in message and "generate_key" in message
    for part in raw.split(","):
        assert part not in message


def test_an_entry_written_before_provenance_is_a_miss_not_a_wrong_card() -> None:
    """Version 1 entries had no exact-case flag and no trait sources: unreadable, so the
    stores treat them as misses (and the lookup fetches afresh) rather than show less."""
    doc = json.loads(encode_entry(jane()))
    assert doc["v"] == FORMAT_VERSION == 3
    doc["v"] = 1
    del doc["trait_sources"]
    doc["identifier"] = doc["identifier"][:2]
    with pytest.raises(CodecError):
        decode_entry(json.dumps(doc).encode())
    # Version 2 entries had no linked people: an account read from one would show nobody.
    doc = json.loads(encode_entry(jane()))
    doc["v"] = 2
    del doc["people"]
    with pytest.raises(CodecError):
        decode_entry(json.dumps(doc).encode())
    # Card contexts keep their own version: buttons on cards made before the upgrade still work.
    assert decode_context(json.dumps({"v": 1, "context": {"a": 1}}).encode()) == {"a": 1}

"""ValueCipher: every value is authenticated and bound to its Redis key, encrypted or not."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.settings.parsing import parse_encryption_key
from bot.state.cipher import SealError, ValueCipher, derive_tag_key

SECRET = "test-identifier-hash-key"
KEY = Fernet.generate_key().decode()
SLOT = "profile-bot:members:aaaa"
OTHER_SLOT = "profile-bot:members:bbbb"


def tagged() -> ValueCipher:
    return ValueCipher(None, secret=SECRET)


def encrypted() -> ValueCipher:
    return ValueCipher(parse_encryption_key(KEY), secret=SECRET)


@pytest.mark.parametrize("make", [tagged, encrypted])
def test_a_sealed_value_opens_under_its_own_key_only(make: type[ValueCipher]) -> None:
    cipher = make()
    sealed = cipher.seal(b'["U_OUTSIDER"]', key=SLOT)
    assert cipher.open(sealed, key=SLOT) == b'["U_OUTSIDER"]'
    with pytest.raises(SealError, match=r"another key|tag"):
        cipher.unseal(sealed, key=OTHER_SLOT)


def test_a_plain_value_without_its_tag_is_refused() -> None:
    cipher = tagged()
    with pytest.raises(SealError, match="older version"):
        cipher.unseal(b'p1:["U_OUTSIDER"]', key=SLOT)
    with pytest.raises(SealError, match="not written by profile-bot"):
        cipher.unseal(b'["U_OUTSIDER"]', key=SLOT)
    with pytest.raises(SealError, match="tag does not match"):
        cipher.unseal(b'p2:["U_OUTSIDER"]', key=SLOT)


def test_every_changed_byte_of_a_tagged_value_is_caught() -> None:
    cipher = tagged()
    sealed = cipher.seal(b'["U1","U2"]', key=SLOT)
    for i in range(3, len(sealed)):
        changed = sealed[:i] + bytes([sealed[i] ^ 0x01]) + sealed[i + 1 :]
        assert cipher.open(changed, key=SLOT) is None, i


def test_a_tag_made_with_another_hash_key_is_refused() -> None:
    other = ValueCipher(None, secret="another-deployment")
    assert tagged().open(other.seal(b"x", key=SLOT), key=SLOT) is None


def test_the_tag_key_is_not_the_hash_key_itself() -> None:
    # Domain separation: the key that tags values differs from the one that names keys.
    assert derive_tag_key(SECRET) != SECRET.encode()
    assert derive_tag_key(SECRET) != derive_tag_key(SECRET + "x")
    assert len(derive_tag_key(SECRET)) == 32


def test_encryption_on_refuses_tagged_values_and_off_refuses_encrypted_ones() -> None:
    with pytest.raises(SealError, match="not encrypted"):
        encrypted().unseal(tagged().seal(b"x", key=SLOT), key=SLOT)
    with pytest.raises(SealError, match="is unset here"):
        tagged().unseal(encrypted().seal(b"x", key=SLOT), key=SLOT)


def test_reasons_never_carry_the_value() -> None:
    cipher = tagged()
    for stored in (b"p2:" + b"\0" * 32 + b"jane@example.com", b"jane@example.com"):
        with pytest.raises(SealError) as caught:
            cipher.unseal(stored, key=SLOT)
        assert "jane" not in str(caught.value)

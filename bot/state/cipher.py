"""Every value the bot keeps in Redis is authenticated, and encrypted when a key is set.

Anyone who can write to Redis could otherwise plant a profile, a card context or a member list
(`members:*` decides who may look customers up). So a value is only ever read back when it
proves it was written by a process of this deployment, for the very key it is stored under:

- `p2:` + HMAC-SHA256 tag + plain bytes, without PROFILE_CACHE_ENCRYPTION_KEY;
- `f2:` + a Fernet token (AES-CBC + HMAC-SHA256) of the key binding + plain bytes, with it.

The tag key is derived from the identifier hash key (AUDIT_HASH_KEY, else the signing secret)
rather than being a setting of its own: every process of a deployment already shares that
secret (it names the Redis keys, so processes without it could not meet there anyway), an
attacker who can write to Redis does not have it, and admins have nothing new to generate,
distribute or rotate. Rotating it empties the shared cache, which rotating it already did.
A domain-separation label keeps the derived key unrelated to the key-name hashes.

Binding each value to its key name stops a valid value from being copied to another key
(one group's members under another group, one customer's profile under another identifier).
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import InvalidToken, MultiFernet

from bot.settings.parsing import parse_encryption_key

# Every stored value starts with one of these, so a reader knows how it was written.
_TAGGED = b"p2:"
_SEALED = b"f2:"
_OLD_FORMATS = (b"p1:", b"f1:")  # before values were authenticated and bound to their key
_TAG_BYTES = 32
# No NUL in it: the key-name hashes (link.RedisLink.key) always hash two NULs.
_TAG_KEY_LABEL = b"profile-bot/redis-value-tag/v2"


class SealError(Exception):
    """A stored value this cipher must not or cannot read; the message says why (no value)."""


def derive_tag_key(secret: str) -> bytes:
    """The HMAC key for stored values, derived from the identifier hash key."""
    return hmac.new(secret.encode(), _TAG_KEY_LABEL, hashlib.sha256).digest()


def _binding(key: str) -> bytes:
    """The key name as a fixed-length prefix (it is ASCII, but length-prefixing costs nothing)."""
    raw = key.encode()
    return len(raw).to_bytes(4, "big") + raw


class ValueCipher:
    """Seals bytes for one Redis key before they are stored, and opens them after."""

    def __init__(self, fernet: MultiFernet | None, *, secret: str) -> None:
        self._fernet = fernet
        self._tag_key = derive_tag_key(secret)

    @classmethod
    def from_keys(cls, keys: str | None, *, secret: str) -> ValueCipher:
        """The cipher for PROFILE_CACHE_ENCRYPTION_KEY (plain but tagged if unset) and the
        identifier hash key `secret`."""
        return cls(parse_encryption_key(keys), secret=secret)

    @property
    def encrypts(self) -> bool:
        """True when values are encrypted."""
        return self._fernet is not None

    def seal(self, plain: bytes, *, key: str) -> bytes:
        """The bytes to store under the Redis key `key` for `plain`."""
        if self._fernet is None:
            return _TAGGED + self._tag(key, plain) + plain
        digest = hashlib.sha256(_binding(key)).digest()
        return _SEALED + self._fernet.encrypt(digest + plain)

    def open(self, stored: bytes, *, key: str) -> bytes | None:
        """The plain bytes stored under `key`, or None for a value that fails (see `unseal`)."""
        try:
            return self.unseal(stored, key=key)
        except SealError:
            return None

    def unseal(self, stored: bytes, *, key: str) -> bytes:
        """The plain bytes stored under `key`; SealError saying why when they can't be trusted."""
        if stored.startswith(_SEALED):
            if self._fernet is None:
                raise SealError("it is encrypted, and PROFILE_CACHE_ENCRYPTION_KEY is unset here")
            try:
                opened = self._fernet.decrypt(stored[len(_SEALED) :])
            except InvalidToken:
                raise SealError("it does not decrypt with PROFILE_CACHE_ENCRYPTION_KEY") from None
            digest, plain = opened[:32], opened[32:]
            if not hmac.compare_digest(digest, hashlib.sha256(_binding(key)).digest()):
                raise SealError("it was sealed for another key (moved or copied)")
            return plain
        if stored.startswith(_TAGGED):
            if self._fernet is not None:
                # Plain values while encryption is on are refused, so that nobody who lacks
                # the encryption key (but has the hash key) can plant one either.
                raise SealError("it is not encrypted, and PROFILE_CACHE_ENCRYPTION_KEY is set")
            body = stored[len(_TAGGED) :]
            tag, plain = body[:_TAG_BYTES], body[_TAG_BYTES:]
            if len(tag) < _TAG_BYTES or not hmac.compare_digest(tag, self._tag(key, plain)):
                raise SealError("its authentication tag does not match")
            return plain
        if stored.startswith(_OLD_FORMATS):
            raise SealError("it was written by an older version")
        raise SealError("it was not written by profile-bot")

    def _tag(self, key: str, plain: bytes) -> bytes:
        return hmac.new(self._tag_key, _binding(key) + plain, hashlib.sha256).digest()

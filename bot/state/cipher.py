"""Values sealed with Fernet before they reach Redis, when PROFILE_CACHE_ENCRYPTION_KEY is set."""

from __future__ import annotations

from cryptography.fernet import InvalidToken, MultiFernet

from bot.settings.parsing import parse_encryption_key

# Every stored value starts with one of these, so a reader knows how it was written.
_PLAIN = b"p1:"
_SEALED = b"f1:"


class ValueCipher:
    """Seals bytes before they reach Redis and opens them after; None marks an unreadable value."""

    def __init__(self, fernet: MultiFernet | None) -> None:
        self._fernet = fernet

    @classmethod
    def from_keys(cls, keys: str | None) -> ValueCipher:
        """The cipher for PROFILE_CACHE_ENCRYPTION_KEY (checked at start-up; plain if unset)."""
        return cls(parse_encryption_key(keys))

    @property
    def encrypts(self) -> bool:
        """True when values are encrypted."""
        return self._fernet is not None

    def seal(self, plain: bytes) -> bytes:
        """The bytes to store for `plain`."""
        if self._fernet is None:
            return _PLAIN + plain
        return _SEALED + self._fernet.encrypt(plain)

    def open(self, stored: bytes) -> bytes | None:
        """The plain bytes, or None for a value this cipher must not or cannot read."""
        if stored.startswith(_SEALED) and self._fernet is not None:
            try:
                return self._fernet.decrypt(stored[len(_SEALED) :])
            except InvalidToken:
                return None  # another key, or tampered with: a cache miss
        if stored.startswith(_PLAIN) and self._fernet is None:
            return stored[len(_PLAIN) :]
        # Plain values while encryption is on are refused, so that nobody can plant a profile;
        # sealed values without a key cannot be read.
        return None

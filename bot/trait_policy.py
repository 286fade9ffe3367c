"""Which trait keys are never shown (hidden) and which a shared copy may show (shareable)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s_\-.]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def canonical_key(key: str) -> str:
    """Fold a trait key for matching: `creditCard`, `Credit-Card` and `credit_card` are alike."""
    return _fold(key).strip("_")


def _fold(text: str) -> str:
    return _SEPARATORS.sub("_", _CAMEL.sub("_", text)).casefold()


@dataclass(frozen=True)
class TraitPolicy:
    """Hidden globs, matched on canonical keys (case and separators ignored), and shareables."""

    hidden: tuple[str, ...]
    shareable: tuple[str, ...]

    def is_hidden(self, key: str) -> bool:
        """True when the key matches a hidden pattern: it is never fetched on purpose or shown."""
        return _matches(canonical_key(key), _canonical_patterns(self.hidden))

    def is_shareable(self, key: str) -> bool:
        """True when a shared copy may show the key (never a hidden one: hidden wins)."""
        if self.is_hidden(key):
            return False
        return canonical_key(key) in {canonical_key(k) for k in self.shareable}

    def visible(self, keys: Iterable[str]) -> list[str]:
        """The keys that are not hidden, in their given order."""
        return [k for k in keys if not self.is_hidden(k)]


@lru_cache(maxsize=64)
def _canonical_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    # Fold each pattern like a key, keeping its glob characters.
    return tuple("*".join(_fold(part) for part in p.split("*")) for p in patterns)


@lru_cache(maxsize=4096)
def _matches(key: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(key, p) for p in patterns)

"""Counted nouns in plain English ("1 trait", "2 traits"), for every message the bot writes."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and the noun, singular for exactly one: plural(1, "trait") == "1 trait"."""
    word = noun if count == 1 else (many if many is not None else noun + "s")
    return f"{count:,} {word}"

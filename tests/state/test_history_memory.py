"""Recent lookups in memory: per person, newest first, the last ten, per-entry expiry, off."""

from __future__ import annotations

from bot.identifiers import Identifier
from bot.slack.history import RecentLookups
from bot.state.memory import MemoryHistoryStore

JANE = Identifier("email", "jane@example.com")
TOM = Identifier("email", "tom.becker@example.org")


def test_entries_expire_one_by_one() -> None:
    now = [100.0]
    history = RecentLookups(
        MemoryHistoryStore(timer=lambda: now[0]), enabled=True, ttl=60, clock=lambda: now[0]
    )
    history.record("U1", JANE, "Jane")
    now[0] += 40
    history.record("U1", TOM, "Tom")  # restarts the store's TTL, not Jane's own expiry
    now[0] += 30
    assert [e.identifier for e in history.entries("U1")] == [TOM]
    assert history.entries("U2") == []


def test_ids_are_per_person_and_history_can_be_off() -> None:
    history = RecentLookups(MemoryHistoryStore(), enabled=True, ttl=60)
    history.record("U1", JANE, "Jane")
    [entry] = history.entries("U1")
    assert history.find("U1", entry.entry_id) == entry
    assert history.find("U2", entry.entry_id) is None
    off = RecentLookups(MemoryHistoryStore(), enabled=False, ttl=60)
    off.record("U1", JANE, "Jane")
    assert off.entries("U1") == []

"""What several processes lose when each keeps its state in its own memory (no REDIS_URL, or
Redis unreachable): one wording for the start-up refusal and for the Redis outage warning."""

from __future__ import annotations

LOST_WITHOUT_SHARED_STATE = (
    "the duplicate guard (a request Slack re-sends, or a retry, reaching another process is "
    "handled twice: two lookups, two audit records, two cards); card contexts (a button pressed "
    "on a card another process made says the card expired); membership changes (a person removed "
    "from a user group keeps access through the other processes until their cache expires); the "
    "profile cache and single-flight (each process asks Segment itself); people's recent lookups "
    "(the Home tab lists only those the process that draws it saw); and the request budget "
    "(each process spends its own, so together they can exceed the space's share)"
)

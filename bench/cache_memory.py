"""RSS of a bot process whose in-memory profile cache holds many profiles (run by card_bench).

`python bench/cache_memory.py TEMPLATE --max N --insert M` loads one encoded profile
(`bot.state.codec.encode_entry` bytes of a real lookup), builds the bot's production services
(memory state, PROFILE_CACHE_MAX_PROFILES=N), then puts M distinct copies into the profile store,
each decoded from its own bytes the way a fetched profile is built from JSON, and prints one
JSON line: RSS before and after (from /proc/self/status), entries kept, bytes per profile.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.settings import load_settings
from bot.state.codec import decode_entry
from bot.wiring import build_services


def rss_kib() -> int:
    """This process's resident set size in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path, help="encode_entry bytes of one profile")
    parser.add_argument("--max", type=int, required=True, help="PROFILE_CACHE_MAX_PROFILES")
    parser.add_argument("--insert", type=int, required=True, help="profiles to put")
    parser.add_argument("--marker", default="jane@example.com", help="identifier to vary")
    args = parser.parse_args()
    template = args.template.read_bytes()
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench",
            "SEGMENT_SPACE_ID": "spa_bench",
            "SEGMENT_ACCESS_TOKEN": "bench",
            "SEGMENT_PROFILE_API_URL": "http://127.0.0.1:9/",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "PROFILE_ALLOW_ALL_USERS": "true",
            "PROFILE_CACHE_MAX_PROFILES": str(args.max),
        },
        env_file=None,
    )
    services = build_services(settings)  # what a worker holds before any lookup
    store = services.state.profile_cache
    gc.collect()
    before = rss_kib()
    marker = args.marker.encode()
    sizes = 0
    for i in range(args.insert):
        # A distinct customer each time; every string is a fresh object, as after a real fetch.
        data = template.replace(marker, f"customer{i:06d}@example.com".encode())
        sizes += len(data)
        key = hashlib.sha256(b"k%d" % i).hexdigest()
        store.put(key, decode_entry(data), 3600.0)
    gc.collect()
    after = rss_kib()
    kept = sum(1 for i in range(args.insert) if store.get(hashlib.sha256(b"k%d" % i).hexdigest()))
    print(
        json.dumps(
            {
                "max": args.max,
                "inserted": args.insert,
                "kept": kept,
                "rss_before_kib": before,
                "rss_after_kib": after,
                "bytes_per_profile": sizes // max(1, args.insert),
            }
        )
    )
    services.close()


if __name__ == "__main__":
    main()

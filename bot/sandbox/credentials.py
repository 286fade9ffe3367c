"""The secrets every test uses, so the suite-wide log guard (tests/conftest.py) can look for them.

Use these constants instead of inventing tokens in a test: the guard fails the run when any log
record holds one of them. `settings_environ()` gives a complete environment for `load_settings`.
"""

from __future__ import annotations

SLACK_BOT_TOKEN = "xoxb-test-1111111111-2222222222-ProfileBotTestTok"
SLACK_APP_TOKEN = "xapp-1-A0TESTAPP-3333333333-ProfileBotTestAppTok"
SLACK_SIGNING_SECRET = "test-signing-secret-5f0c2b7e9a14d3c8"
SLACK_OTHER_SIGNING_SECRET = "test-other-signing-secret-0a9b8c7d6e5f"  # for forged requests
SANDBOX_SLACK_BOT_TOKEN = "xoxb-sandbox-token"  # SlackApiSandbox's default bot token
SEGMENT_ACCESS_TOKEN = "sandbox-token"  # ProfileApiSandbox's default token
SEGMENT_SPACE_ID = "spa_sandbox"  # not a secret; the sandbox's default space
AUDIT_HASH_KEY = "test-audit-hash-key-4d1e9b"
CACHE_ENCRYPTION_KEY = "test-cache-encryption-key-8c3f71a0"

# (name, value) of everything the log guard treats as a secret.
SECRETS: tuple[tuple[str, str], ...] = (
    ("SLACK_BOT_TOKEN", SLACK_BOT_TOKEN),
    ("SLACK_APP_TOKEN", SLACK_APP_TOKEN),
    ("SLACK_SIGNING_SECRET", SLACK_SIGNING_SECRET),
    ("SLACK_OTHER_SIGNING_SECRET", SLACK_OTHER_SIGNING_SECRET),
    ("SANDBOX_SLACK_BOT_TOKEN", SANDBOX_SLACK_BOT_TOKEN),
    ("SEGMENT_ACCESS_TOKEN", SEGMENT_ACCESS_TOKEN),
    ("AUDIT_HASH_KEY", AUDIT_HASH_KEY),
    ("CACHE_ENCRYPTION_KEY", CACHE_ENCRYPTION_KEY),
)


def settings_environ(**overrides: str) -> dict[str, str]:
    """A complete environment for `load_settings(environ, env_file=None)` built on the constants."""
    environ = {
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SEGMENT_SPACE_ID": SEGMENT_SPACE_ID,
        "SEGMENT_ACCESS_TOKEN": SEGMENT_ACCESS_TOKEN,
        "PROFILE_ALLOWED_USERGROUPS": "S0CSTEAM",
        "AUDIT_HASH_KEY": AUDIT_HASH_KEY,
    }
    environ.update(overrides)
    return environ

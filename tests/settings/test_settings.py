"""Settings: defaults, validation messages that name the setting, secrets kept out of messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import (
    EU_PROFILE_API_URL,
    US_PROFILE_API_URL,
    Settings,
    SettingsError,
    load_settings,
)
from bot.settings.names import SETTING_NAMES

BASE = {
    "SLACK_BOT_TOKEN": "xoxb-test-bot-token-1234",
    "SLACK_SIGNING_SECRET": "signing-secret-abcdef",
    "SEGMENT_SPACE_ID": "spa_test",
    "SEGMENT_ACCESS_TOKEN": "segment-token-secret-9876",
    "PROFILE_ALLOWED_USERGROUPS": "S0123ABCD, cs-team",
}


def settings(**overrides: str) -> Settings:
    env = {**BASE, **overrides}
    return load_settings({k: v for k, v in env.items() if v is not None}, env_file=None)


def error_for(**overrides: str) -> SettingsError:
    with pytest.raises(SettingsError) as info:
        settings(**overrides)
    return info.value


def test_defaults() -> None:
    s = settings()
    assert s.segment_profile_api_url == US_PROFILE_API_URL + "/"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.segment_rate_limit_rps == 20.0
    assert s.allowed_usergroups == ("S0123ABCD", "cs-team")
    assert s.port == 3000
    assert not s.socket_mode
    assert "phone" in s.id_types and "email" in s.id_types


def test_eu_region_and_override_wins() -> None:
    assert settings(SEGMENT_REGION="EU").segment_profile_api_url == EU_PROFILE_API_URL + "/"
    s = settings(SEGMENT_REGION="eu", SEGMENT_PROFILE_API_URL="http://127.0.0.1:9999")
    assert s.segment_profile_api_url == "http://127.0.0.1:9999/"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SEGMENT_PROFILE_API_URL", "http://169.254.169.254/"),
        ("SEGMENT_PROFILE_API_URL", "http://profiles.segment.com/"),
        ("SEGMENT_PROFILE_API_URL", "https://profiles.segment.com@evil.example/"),
        ("SEGMENT_PROFILE_API_URL", "https://user:pw@profiles.segment.com/"),
        ("SEGMENT_PROFILE_API_URL", "ftp://profiles.segment.com/"),
        ("SEGMENT_PROFILE_API_URL", "https://profiles.segment.com/?x=1"),
        ("SLACK_API_URL", "http://slack.example/api/"),
        ("SEGMENT_REGION", "apac"),
        ("SEGMENT_RATE_LIMIT_RPS", "lots"),
        ("SEGMENT_RATE_LIMIT_RPS", "500"),
        ("PORT", "http"),
        ("PROFILE_ALLOW_ALL_USERS", "maybe"),
        ("PROFILE_ACCOUNT_PEOPLE_ON_CARD", "21"),
        ("PROFILE_ACCOUNT_PEOPLE_ON_CARD", "ten"),
        ("PROFILE_ACCOUNT_PINNED_TRAITS", "=Label"),
    ],
)
def test_malformed_values_name_the_setting(name: str, value: str) -> None:
    error = error_for(**{name: value})
    assert error.setting == name
    assert str(error).startswith(name)


def test_loopback_http_is_allowed() -> None:
    for url in ("http://127.0.0.1:8080", "http://localhost:1/", "http://[::1]:99/api"):
        assert settings(SLACK_API_URL=url).slack_api_url.endswith("/")


@pytest.mark.parametrize("name", ["SLACK_BOT_TOKEN", "SEGMENT_SPACE_ID", "SEGMENT_ACCESS_TOKEN"])
def test_missing_required(name: str) -> None:
    env = {k: v for k, v in BASE.items() if k != name}
    with pytest.raises(SettingsError) as info:
        load_settings(env, env_file=None)
    assert info.value.setting == name
    assert "not set" in str(info.value)


def test_signing_secret_needed_only_in_http_mode() -> None:
    env = {k: v for k, v in BASE.items() if k != "SLACK_SIGNING_SECRET"}
    with pytest.raises(SettingsError) as info:
        load_settings(env, env_file=None)
    assert info.value.setting == "SLACK_SIGNING_SECRET"
    s = load_settings({**env, "SLACK_APP_TOKEN": "xapp-1-abc"}, env_file=None)
    assert s.socket_mode


def test_groups_required_unless_everyone_allowed() -> None:
    assert error_for(PROFILE_ALLOWED_USERGROUPS="").setting == "PROFILE_ALLOWED_USERGROUPS"
    s = settings(PROFILE_ALLOWED_USERGROUPS="", PROFILE_ALLOW_ALL_USERS="true")
    assert s.allow_all_users and s.allowed_usergroups == ()


def test_secrets_never_appear_in_errors_or_repr() -> None:
    error = error_for(SLACK_BOT_TOKEN="not-a-real-token-secretvalue")
    assert error.setting == "SLACK_BOT_TOKEN"
    assert "secretvalue" not in str(error)
    text = repr(settings())
    for secret in (
        BASE["SLACK_BOT_TOKEN"],
        BASE["SLACK_SIGNING_SECRET"],
        BASE["SEGMENT_ACCESS_TOKEN"],
    ):
        assert secret not in text


def test_dotenv_is_read_from_the_named_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "".join(f"{k}={v}\n" for k, v in BASE.items()) + "PORT=4567\n", encoding="utf-8"
    )
    child = tmp_path / "child"
    child.mkdir()
    monkeypatch.chdir(child)
    # No walking up: ./.env of the start directory is absent, so the required token is missing.
    with pytest.raises(SettingsError):
        load_settings({}, env_file=".env")
    monkeypatch.chdir(tmp_path)
    assert load_settings({}, env_file=".env").port == 4567
    # The environment wins over the file.
    assert load_settings({"PORT": "1234"}, env_file=".env").port == 1234


def test_pinned_traits_with_labels() -> None:
    s = settings(PROFILE_PINNED_TRAITS="plan=Plan tier, mrr, first_name=First")
    assert s.pinned_traits == (("plan", "Plan tier"), ("mrr", "Mrr"), ("first_name", "First"))
    assert error_for(PROFILE_PINNED_TRAITS="=Label").setting == "PROFILE_PINNED_TRAITS"


def test_account_card_settings() -> None:
    s = settings()
    assert s.account_pinned_traits[:3] == (
        ("name", "Name"),
        ("plan", "Plan"),
        ("industry", "Industry"),
    )
    assert ("health_score", "Health") in s.account_pinned_traits
    assert s.account_shareable_traits == ("name", "plan", "industry")
    assert s.account_people_on_card == 10
    s = settings(
        PROFILE_ACCOUNT_PINNED_TRAITS="arr=ARR,nps",
        PROFILE_ACCOUNT_SHAREABLE_TRAITS="name,arr",
        PROFILE_ACCOUNT_PEOPLE_ON_CARD="0",
    )
    assert s.account_pinned_traits == (("arr", "ARR"), ("nps", "Nps"))
    assert s.account_shareable_traits == ("name", "arr") and s.account_people_on_card == 0


def _names_read_by_settings() -> set[str]:
    import re

    package = Path(__file__).parents[2] / "bot" / "settings"
    source = "".join(path.read_text(encoding="utf-8") for path in package.glob("*.py"))
    return set(re.findall(r'\(\s*env,\s*"([A-Z][A-Z0-9_]+)"', source))


def _env_example() -> dict[str, str]:
    example = Path(__file__).parents[2] / ".env.example"
    return {
        line.split("=", 1)[0]: line.split("=", 1)[1]
        for line in example.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and "=" in line
    }


def test_env_example_lists_every_setting_and_refuses_its_placeholders() -> None:
    example = Path(__file__).parents[2] / ".env.example"
    listed = set(_env_example())
    read = _names_read_by_settings()
    assert len(read) > 25
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
    assert listed <= read, f"listed but never read: {sorted(listed - read)}"
    assert set(SETTING_NAMES) == read, "bot/settings/names.py must list every setting read"
    # `cp .env.example .env` left unedited must not start a bot that looks healthy.
    with pytest.raises(SettingsError) as info:
        load_settings({}, env_file=example)
    assert info.value.setting == "SLACK_BOT_TOKEN"
    assert "placeholder" in str(info.value)
    for other in ("SLACK_SIGNING_SECRET", "SEGMENT_SPACE_ID", "SEGMENT_ACCESS_TOKEN"):
        assert other in str(info.value)
    # With the placeholders replaced, the example is a valid configuration.
    filled = {**_env_example(), **BASE}
    assert load_settings(filled, env_file=None).allowed_usergroups == BASE_GROUPS


BASE_GROUPS = ("S0123ABCD", "cs-team")


@pytest.mark.parametrize(
    "name",
    ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SEGMENT_SPACE_ID", "SEGMENT_ACCESS_TOKEN"],
)
def test_each_placeholder_left_from_the_example_is_named(name: str) -> None:
    error = error_for(**{name: _env_example()[name]})
    assert error.setting == name
    assert "placeholder value from .env.example" in str(error)
    assert _env_example()[name] not in str(error)  # never echoed: it might be a real secret


def test_values_that_merely_contain_your_are_not_placeholders() -> None:
    assert settings(SEGMENT_SPACE_ID="spa_yourspace1").segment_space_id == "spa_yourspace1"
    assert error_for(SLACK_APP_TOKEN="xapp-your-app-token").setting == "SLACK_APP_TOKEN"


def test_unknown_names_with_our_prefixes_are_noted_with_the_closest_setting() -> None:
    s = settings(
        PROFILE_SHARABLE_TRAITS="name", SLACK_CLIENT_ID="123", HOME="/root", REDIS_SERVER="/x"
    )
    assert s.unknown_settings == (
        "`PROFILE_SHARABLE_TRAITS` is not a setting; did you mean `PROFILE_SHAREABLE_TRAITS`?",
        "`SLACK_CLIENT_ID` is not a setting of profile-bot (see .env.example for every setting)",
    )
    assert settings().unknown_settings == ()


def test_event_properties_per_event_name() -> None:
    s = settings(PROFILE_EVENT_PROPERTIES=" Order  Completed=order_id, total ;Page Viewed=path;")
    assert s.event_properties == (
        ("Order Completed", ("order_id", "total")),
        ("Page Viewed", ("path",)),
    )
    assert settings().event_properties == ()
    for bad in ("order_id,total", "Order Completed=", "=path", "A=x;a=y"):
        assert error_for(PROFILE_EVENT_PROPERTIES=bad).setting == "PROFILE_EVENT_PROPERTIES"


def _readme_rows() -> dict[str, list[str]]:
    """Setting name → its rows' cells in README's configuration table (a list per row)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows.setdefault(cells[0].strip("`"), []).append(" | ".join(cells[2:]))
    return rows


def test_readme_has_one_described_row_per_setting() -> None:
    rows = _readme_rows()
    read = _names_read_by_settings()
    assert sorted(read - set(rows)) == [], "settings missing from README's table"
    assert sorted(set(rows) - read) == [], "README rows for names that are not settings"
    for name, found in rows.items():
        assert len(found) == 1, f"{name} has {len(found)} rows"
        description = found[0].removesuffix(".")
        # A description says something beyond the example value.
        words = re.sub(r"Example: `[^`]*`", "", description).split()
        assert len(words) >= 4, f"{name} has no description in README"


def test_source_names_are_pairs_of_id_and_name() -> None:
    assert settings().source_names == ()
    named = settings(PROFILE_SOURCE_NAMES="src_1=Salesforce, src_2 = Web app")
    assert named.source_names == (("src_1", "Salesforce"), ("src_2", "Web app"))
    for bad in ("src_1", "=Salesforce", "src_1=", "src_1=A,src_1=B"):
        assert error_for(PROFILE_SOURCE_NAMES=bad).setting == "PROFILE_SOURCE_NAMES"

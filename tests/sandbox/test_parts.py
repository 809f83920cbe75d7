"""The sandbox's own small parts, without a browser: Mini App launch data signed as Telegram
signs it, the clock, and where it may listen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiogram.utils.web_app import safe_parse_webapp_init_data

from sandbox.clock import SandboxClock
from sandbox.launcher import BOT_TOKEN, forget
from sandbox.loopback import NotLoopback, require_loopback
from sandbox.people import PEOPLE
from sandbox.webapp import launch_url, signed_init_data

EMMA = PEOPLE[2]


def test_init_data_passes_telegrams_check_for_the_person_chosen() -> None:
    parsed = safe_parse_webapp_init_data(BOT_TOKEN, signed_init_data(BOT_TOKEN, EMMA))

    assert parsed.user is not None
    assert (parsed.user.id, parsed.user.first_name) == (EMMA.telegram_id, "Emma")


def test_init_data_signed_with_another_token_fails_the_check() -> None:
    with pytest.raises(ValueError):
        safe_parse_webapp_init_data(BOT_TOKEN, signed_init_data("1:another-bot", EMMA))


def test_the_mini_app_opens_on_the_sandbox_with_launch_parameters_in_the_hash() -> None:
    init_data = signed_init_data(BOT_TOKEN, EMMA)
    url = launch_url("https://127.0.0.1:8080/miniapp/?board=1", "http://127.0.0.1:8080", init_data)
    parts = urlsplit(url)
    launch = parse_qs(parts.fragment)

    assert (parts.scheme, parts.netloc, parts.path, parts.query) == (
        "http",
        "127.0.0.1:8080",
        "/miniapp/",
        "board=1",
    )
    assert launch["tgWebAppData"] == [init_data]
    assert '"bg_color":"#ffffff"' in launch["tgWebAppThemeParams"][0]


def test_the_clock_moves_forward_only() -> None:
    clock = SandboxClock()
    before = clock()
    moved = clock.advance(timedelta(days=1))

    assert moved - before >= timedelta(days=1)
    with pytest.raises(ValueError):
        clock.advance(timedelta(hours=-1))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_are_allowed(host: str) -> None:
    require_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.com"])
def test_other_hosts_are_refused_with_the_reason(host: str) -> None:
    with pytest.raises(NotLoopback, match="listens on this computer only"):
        require_loopback(host)


def test_reset_forgets_the_database_and_its_wal_files_only(tmp_path: Path) -> None:
    for name in ("sandbox.sqlite3", "sandbox.sqlite3-wal", "sandbox.sqlite3-shm", "notes.txt"):
        (tmp_path / name).write_text("kept?")

    forget(tmp_path)

    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]

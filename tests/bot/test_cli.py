"""The operator's command line, run as the operator runs it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def crm_bot(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BOT_TOKEN"}}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_invite_and_seed_demo_on_the_default_sqlite_file(tmp_path: Path) -> None:
    migrated = crm_bot(tmp_path, "migrate")
    invited = crm_bot(tmp_path, "invite", "--role", "admin")
    seeded = crm_bot(tmp_path, "seed-demo", "--leads", "300")

    assert migrated.returncode == 0, migrated.stderr
    assert invited.returncode == 0, invited.stderr
    assert seeded.returncode == 0, seeded.stderr
    token = invited.stdout.strip().splitlines()[-1]
    assert "Seeded 300 leads" in seeded.stdout
    with sqlite3.connect(tmp_path / "crm.sqlite3") as db:
        assert db.execute(
            "SELECT role, used_at FROM invites WHERE token = ?", (token,)
        ).fetchall() == [("admin", None)]
        assert db.execute("SELECT count(*) FROM leads").fetchone() == (300,)
        assert db.execute("SELECT count(*) FROM activities WHERE kind = 'created'").fetchone() == (
            300,
        )
        phones = [row[0] for row in db.execute("SELECT phone FROM leads WHERE phone IS NOT NULL")]
        assert phones and all(p.startswith("+380") and len(p) == 13 for p in phones)


def test_an_unknown_role_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    refused = crm_bot(tmp_path, "invite", "--role", "owner")

    assert refused.returncode == 2
    assert "invalid choice: 'owner'" in refused.stderr


def test_commands_that_run_no_bot_do_not_load_telegram_code(tmp_path: Path) -> None:
    """``--help``, ``--version``, ``migrate`` and ``invite`` (without a token) answer at once:
    aiogram, seconds to import, is loaded only where a bot runs."""
    probe = (
        "import sys\n"
        "from bot import cli\n"
        "for argv in (['migrate'], ['invite', '--role', 'rep']):\n"
        "    cli.main(argv)\n"
        "print('aiogram' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BOT_TOKEN"}}
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip().splitlines()[-1] == "False"
    assert crm_bot(tmp_path, "--version").stdout.strip() == "0.1.0"


def test_the_bot_loads_chart_and_workbook_code_only_when_it_draws_or_reads_one() -> None:
    """matplotlib, openpyxl and the numpy under them are some 80 MB of a bot's memory that
    most bot processes never use."""
    probe = (
        "import sys\n"
        "from bot.factory import create_dispatcher\n"
        "print(sorted({'matplotlib', 'numpy', 'openpyxl'} & set(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip().splitlines()[-1] == "[]"


def test_the_roles_offered_are_the_roles_there_are() -> None:
    from bot.cli import ROLES
    from crm.models import Role

    assert tuple(role.value for role in Role) == ROLES


def test_seed_demo_off_a_terminal_prints_a_plain_progress_line_per_chunk(tmp_path: Path) -> None:
    seeded = crm_bot(tmp_path, "seed-demo", "--leads", "12000")

    assert seeded.returncode == 0, seeded.stderr
    progress = [line for line in seeded.stdout.splitlines() if " of 12,000 leads " in line]
    assert [line.split(" in ")[0] for line in progress] == [
        "Seeded 5,000 of 12,000 leads (42%)",
        "Seeded 10,000 of 12,000 leads (83%)",
        "Seeded 12,000 of 12,000 leads (100%)",
    ]
    assert "\r" not in seeded.stdout + seeded.stderr


async def test_start_waits_for_what_is_unreachable_and_says_so_in_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import runner

    monkeypatch.setattr(runner, "FIRST_RETRY_SECONDS", 0.01)
    attempts: list[int] = []

    async def down_twice() -> None:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise OSError("Connection refused")

    with caplog.at_level("WARNING", logger="bot.runner"):
        await runner.wait_until_reachable("the database", down_twice)

    assert len(attempts) == 3
    assert [record.getMessage() for record in caplog.records] == [
        "the database is unreachable (Connection refused); trying again in 0 s",
        "the database is unreachable (Connection refused); trying again in 0 s",
    ]

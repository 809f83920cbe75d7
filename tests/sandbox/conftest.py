"""Starting the sandbox as the README does: ``crm-bot run`` with no ``BOT_TOKEN``, in a
directory of its own (``XDG_DATA_HOME`` is where platformdirs puts its data), on a free port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = re.compile(r"The sandbox is at (http://\S+) ")
STOP_WAIT_SECONDS = 15


@dataclass(frozen=True)
class RunningSandbox:
    url: str
    database: Path


def crm_bot() -> list[str]:
    """The installed command when there is one (as the README runs it), else the module."""
    script = Path(sys.executable).with_name("crm-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def sandbox_environment(home: Path, host: str | None) -> dict[str, str]:
    kept = {
        name: value
        for name, value in os.environ.items()
        if name not in {"BOT_TOKEN", "DATABASE_URL", "HOST", "PORT", "ADMIN_IDS"}
    }
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**kept, "XDG_DATA_HOME": str(home / "data"), "PORT": "0", "PYTHONPATH": path}
    if host is not None:
        environment["HOST"] = host
    return environment


@contextmanager
def start_sandbox(
    home: Path, *, command: str = "run", host: str | None = None
) -> Iterator[RunningSandbox]:
    """Until the block ends; a sandbox that stops before saying its address raises
    CalledProcessError with what it printed."""
    log = home / "sandbox.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [*crm_bot(), command],
            cwd=home,
            env=sandbox_environment(home, host),
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
        try:
            url = _address(process)
            if url is None:
                process.wait()
                raise subprocess.CalledProcessError(
                    process.returncode, process.args, output=log.read_text()
                )
            yield RunningSandbox(
                url, home / "data" / "telegram-crm" / "sandbox" / "sandbox.sqlite3"
            )
        finally:
            _stop(process)


def _address(process: subprocess.Popen[str]) -> str | None:
    assert process.stdout is not None
    for line in process.stdout:
        found = ADDRESS.search(line)
        if found:
            return found.group(1)
    return None


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Screenshots for people to look at: ARTEFACTS_DIR, or artefacts/ in the tree."""
    directory = Path(os.environ.get("ARTEFACTS_DIR", ROOT / "artefacts")) / "sandbox"
    directory.mkdir(parents=True, exist_ok=True)
    return directory

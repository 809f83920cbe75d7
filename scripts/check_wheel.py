"""What a new user gets from the wheel: build it, install it with requirements.lock into a
fresh virtual environment outside the source tree, run ``crm-bot --version`` and ``crm-bot
migrate``, then start the sandbox as the README does (``crm-bot run`` with no token) and see
the page and a bot message. Run by .ci/run with any Python 3.11: python3 scripts/check_wheel.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADMIN = {"id": 8000000001, "first_name": "Alex", "last_name": "Admin", "language_code": "en"}
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "artefacts")
ADDRESS = re.compile(r"The sandbox is at (http://\S+) ")


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    print("+", " ".join(str(part) for part in command), flush=True)
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def post(url: str, body: object) -> object:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="crm-wheel-") as scratch:
        home = Path(scratch)
        pip = ("-m", "pip", "--disable-pip-version-check", "--quiet")
        # Built from a clean copy: a build/ left in the tree would put stale files in the wheel.
        source = home / "source"
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
        run(sys.executable, *pip, "wheel", "--no-deps", "--wheel-dir", home / "dist", source)
        (wheel,) = (home / "dist").glob("telegram_crm-*.whl")
        run(sys.executable, "-m", "venv", home / "venv")
        python = home / "venv" / "bin" / "python"
        run(python, *pip, "install", "--requirement", ROOT / "requirements.lock")
        run(python, *pip, "install", "--no-deps", wheel)
        # Nothing of the source tree on the path: the product runs from what was installed.
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"PYTHONPATH", "BOT_TOKEN", "DATABASE_URL", "HOST", "PORT"}
        }
        environment.update(XDG_DATA_HOME=str(home / "data"), PORT="0")
        crm_bot = home / "venv" / "bin" / "crm-bot"
        installed = run(python, "-c", "import bot, locales; print(bot.__file__)", cwd=home)
        assert str(home / "venv") in installed, installed
        print(run(crm_bot, "--version", cwd=home, env=environment).strip())
        print(run(crm_bot, "migrate", cwd=home, env=environment).strip())
        see_the_sandbox(crm_bot, home, environment)


def see_the_sandbox(crm_bot: Path, home: Path, environment: dict[str, str]) -> None:
    print(f"+ {crm_bot} run", flush=True)
    with (home / "sandbox.log").open("w") as log:
        sandbox = subprocess.Popen(
            [crm_bot, "run"],
            cwd=home,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            url = next(
                (m.group(1) for line in sandbox.stdout or [] if (m := ADDRESS.search(line))), None
            )
            if url is None:
                raise SystemExit(
                    "the sandbox did not start:\n" + (home / "sandbox.log").read_text()
                )
            with urllib.request.urlopen(url, timeout=60) as page:
                assert "CRM sandbox" in page.read().decode(), "the page is not the sandbox's"
            post(f"{url}/emulator/control/messages", {"user": ADMIN, "text": "/start"})
            answer = post(
                f"{url}/emulator/control/chats/{ADMIN['id']}/messages/wait",
                {"count": 1, "timeout": 60},
            )
            said = [m["text"] for m in answer["result"] if m["from_bot"]]  # type: ignore[index]
            print(f"the sandbox at {url} answered /start: {said[0]!r}")
        finally:
            sandbox.send_signal(signal.SIGINT)
            sandbox.wait(30)


if __name__ == "__main__":
    main()

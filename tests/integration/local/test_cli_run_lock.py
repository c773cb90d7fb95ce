"""`voiceclone run` as a process: a second run on the same data folder or port says "already running
(pid, port)" and exits non-zero before starting anything; a lock left by `kill -9` does not block a
restart; the console shows a few human lines while the JSON logs go to the data folder's log file."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from tests.integration.local.platform import VOICECLONE, RunningPlatform
from voiceclone.local.run_lock import DATA_LOCK_NAME


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("run-lock")


@pytest.fixture(scope="module")
def platform(data_dir):
    with RunningPlatform(data_dir) as running:
        yield running


def _port(platform: RunningPlatform) -> int:
    return int(platform.url.rsplit(":", 1)[1])


def _pid(platform: RunningPlatform) -> int:
    assert platform._process is not None
    return platform._process.pid


def second_run(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("PORT", "AWS_ENDPOINT_URL")}
    return subprocess.run([str(VOICECLONE), "run", "--no-demo", *args], check=False, capture_output=True, text=True,
                          timeout=120, env=environment)


def test_a_second_run_on_the_same_data_folder_says_already_running(platform, data_dir):
    refused = second_run("--data-dir", str(data_dir), "--port", "0")
    assert refused.returncode == 1
    message = refused.stdout + refused.stderr
    assert f"already running (pid {_pid(platform)}, port {_port(platform)}) on this data folder" in message
    assert "Traceback" not in message and "ready on" not in message


def test_a_second_run_on_the_same_port_says_already_running(platform, tmp_path):
    refused = second_run("--data-dir", str(tmp_path), "--port", str(_port(platform)))
    assert refused.returncode == 1
    message = refused.stdout + refused.stderr
    assert f"already running (pid {_pid(platform)}, port {_port(platform)}) on port {_port(platform)}" in message
    assert "Traceback" not in message
    assert not (tmp_path / "db").exists()  # refused before anything started


def test_a_port_taken_by_another_program_is_named(tmp_path):
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        refused = second_run("--data-dir", str(tmp_path), "--port", str(port))
    assert refused.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use by another program" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_console_is_a_few_human_lines_and_the_logs_are_json_in_the_data_folder(platform, data_dir):
    console = "".join(platform.output).splitlines()
    assert 5 <= len(console) <= 12, console
    assert not [line for line in console if line.lstrip().startswith("{")], console
    assert f"logs in {data_dir.resolve() / 'logs' / 'voiceclone.log'}" in console[0]
    assert any(re.search(r"demo token:\s+export TOKEN=\$\(cat \S+demo-token\)", line) for line in console)
    assert platform.demo_token not in "\n".join(console)  # where the token is, not the token

    log_lines = (data_dir / "logs" / "voiceclone.log").read_text().splitlines()
    records = [json.loads(line) for line in log_lines]
    assert any("state machines ready" in record["message"] for record in records)
    assert all({"level", "message", "timestamp"} <= record.keys() for record in records)


def test_a_lock_left_by_kill_9_does_not_block_a_restart(tmp_path):
    killed = RunningPlatform(tmp_path).start()
    pid = _pid(killed)
    os.kill(pid, signal.SIGKILL)
    killed.stop()
    assert json.loads((tmp_path / DATA_LOCK_NAME).read_text())["pid"] == pid  # stale, left behind

    with RunningPlatform(tmp_path) as restarted:
        assert restarted.url and restarted.demo_token
        assert json.loads((tmp_path / DATA_LOCK_NAME).read_text())["pid"] == _pid(restarted)

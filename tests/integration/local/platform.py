"""`voiceclone run` as a child process on a temp data folder and free ports, for tests over HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Self

READY = re.compile(r"ready on (http://\S+)")
MOTO = re.compile(r"S3/SQS/SFN:\s+(http://\S+)")
TOKEN_FILE = re.compile(r"export TOKEN=\$\(cat (\S+)\)")  # the banner says where the demo token is
VOICECLONE = Path(sys.executable).with_name("voiceclone")


class RunningPlatform:
    """Starts `voiceclone run --port 0`, waits for `ready`, and stops it with SIGINT like Ctrl-C."""

    def __init__(self, data_dir: Path, timeout_s: float = 120.0) -> None:
        self.data_dir = data_dir
        self.timeout_s = timeout_s
        self.output: list[str] = []
        self.url = self.aws_url = self.demo_token = ""
        self._ready = threading.Event()
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> RunningPlatform:
        environment = {**os.environ, "PORT": "0", "PYTHONUNBUFFERED": "1"}
        environment.pop("AWS_ENDPOINT_URL", None)  # the child starts its own moto
        self._process = subprocess.Popen(
            [str(VOICECLONE), "run", "--data-dir", str(self.data_dir), "--no-demo"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
        )
        threading.Thread(target=self._read_output, daemon=True).start()
        if not self._ready.wait(self.timeout_s) or not self.url:
            self.stop()
            raise AssertionError("voiceclone run did not print ready:\n" + "".join(self.output[-60:]))
        return self

    def _read_output(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self.output.append(line)
            for pattern, attribute in ((READY, "url"), (MOTO, "aws_url")):
                if match := pattern.search(line):
                    setattr(self, attribute, match.group(1))
            if match := TOKEN_FILE.search(line):
                self.demo_token = Path(match.group(1)).read_text().strip()
            if self.demo_token:
                self._ready.set()
        self._ready.set()

    def token(self, user: str, *groups: str, ttl: int = 3600) -> str:
        command = [str(VOICECLONE), "token", "--user", user, "--ttl", str(ttl), "--data-dir", str(self.data_dir)]
        for group in groups:
            command += ["--group", group]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout.strip()

    def stop(self) -> int:
        if self._process is None:
            return 0
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
        code = self._process.returncode
        self._process = None
        time.sleep(0.1)  # let the reader thread drain the last lines
        return code

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

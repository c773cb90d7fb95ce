"""One `voiceclone run` per data folder and per port, checked before anything starts.

The data folder holds `run.lock`; a port in use by a run holds `voiceclone-ports-<uid>/<port>.lock` in the
temp folder (one folder per user). Both are held with flock(2), which the kernel releases when the process ends however it
ends: a lock file left by `kill -9` is stale and the next run takes it over. The files say who holds
them (pid, port, data folder) so a second run can name the first.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

DATA_LOCK_NAME = "run.lock"
PORT_LOCK_DIR = Path(tempfile.gettempdir()) / f"voiceclone-ports-{os.getuid()}"  # per user: 0644 files
PORT_OFFSETS = (0, 1, 2)  # gateway, moto, SecantusDB


class AlreadyRunning(Exception):
    """Another `voiceclone run` holds the data folder or the port."""

    def __init__(self, holder: dict[str, Any], clash: str) -> None:
        self.holder = holder
        pid, port = holder.get("pid", "unknown"), holder.get("port") or "unknown"
        data = f"; its data folder is {holder['data_dir']}" if holder.get("data_dir") else ""
        super().__init__(f"already running (pid {pid}, port {port}) {clash}{data}. Stop it first "
                         f"(Ctrl-C in its terminal, or kill {pid}), or use another --data-dir and --port.")


class PortInUse(Exception):
    """A port the run needs is taken by something that is not a `voiceclone run`."""


@dataclass
class _HeldFile:
    path: Path
    fd: int

    @classmethod
    def take(cls, path: Path) -> Self | None:
        """The lock on `path`, or None when another process holds it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(path, fd)

    def write(self, content: dict[str, Any]) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps(content).encode(), 0)

    def release(self) -> None:
        os.ftruncate(self.fd, 0)
        os.close(self.fd)  # closing drops the flock


def read_holder(path: Path) -> dict[str, Any]:
    """What the holder of a lock file wrote about itself ({} while it has not written yet)."""
    for _ in range(20):  # the holder writes right after it takes the lock
        try:
            text = path.read_text()
        except OSError:
            return {}
        if text:
            try:
                return json.loads(text)
            except ValueError:
                pass
        time.sleep(0.05)
    return {}


class RunLock:
    """The locks of one run: take with `acquire`, say the port with `record_port`, `release` at the end."""

    def __init__(self, data_dir: Path, host: str) -> None:
        self.data_dir = data_dir.resolve()
        self.host = host
        self._data: _HeldFile | None = None
        self._port: _HeldFile | None = None
        self._info: dict[str, Any] = {"pid": os.getpid(), "port": None, "data_dir": str(self.data_dir),
                                      "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}

    @property
    def path(self) -> Path:
        return self.data_dir / DATA_LOCK_NAME

    def acquire(self, port: int) -> Self:
        """Raise AlreadyRunning / PortInUse unless this folder and `port` (0: any) are free."""
        self._data = _HeldFile.take(self.path)
        if self._data is None:
            raise AlreadyRunning(read_holder(self.path), "on this data folder")
        try:
            if port:
                self._take_port(port)
                _check_ports_free(self.host, port)
            self._info["port"] = port or None
            self._data.write(self._info)
        except BaseException:
            self.release()
            raise
        return self

    def record_port(self, port: int) -> None:
        """Once serving: the port chosen (with --port 0), so a second run can name it."""
        if self._port is None:
            self._take_port(port)
        self._info["port"] = port
        assert self._data is not None and self._port is not None
        self._data.write(self._info)
        self._port.write(self._info)

    def release(self) -> None:
        for held in (self._port, self._data):
            if held is not None:
                held.release()
        self._port = self._data = None

    def _take_port(self, port: int) -> None:
        path = PORT_LOCK_DIR / f"{port}.lock"
        self._port = _HeldFile.take(path)
        if self._port is None:
            raise AlreadyRunning(read_holder(path), f"on port {port}")
        self._port.write({**self._info, "port": port})


def _check_ports_free(host: str, port: int) -> None:
    for offset in PORT_OFFSETS:
        candidate = port + offset
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, candidate))
            except OSError as error:
                raise PortInUse(
                    f"port {candidate} on {host} is in use by another program (the run needs ports {port}, "
                    f"{port + 1} and {port + 2}); choose others with --port N or PORT=N ({error.strerror})"
                ) from None

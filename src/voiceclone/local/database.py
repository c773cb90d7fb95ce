"""The local MongoDB: an embedded SecantusDB (MongoDB wire protocol) on a data folder that survives restarts.

SecantusDB is GPL and only ever used by the local run and the tests, never by deployed code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class EmbeddedDatabase:
    """SecantusDB serving `data_dir` on `host:port` (0 = a free port)."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        from secantus import SecantusDBServer

        data_dir.mkdir(parents=True, exist_ok=True)
        # Default storage is durable: journal written per commit (survives SIGKILL), checkpoint on stop.
        self._server: Any = SecantusDBServer(host=host, port=port, storage_path=str(data_dir), durable=True)

    def start(self) -> str:
        self._server.start()
        return self.uri

    @property
    def uri(self) -> str:
        return self._server.uri

    def stop(self) -> None:
        self._server.stop()

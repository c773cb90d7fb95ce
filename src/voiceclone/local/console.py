"""What `voiceclone run` shows: a few human lines on the terminal, everything else as JSON in a log file.

`quiet_output(data_dir)` sends the process's stdout and stderr (Powertools' JSON loggers, library
prints, warnings, tracebacks of threads) to `<data_dir>/logs/voiceclone.log`, one JSON object per line,
and keeps the terminal for `say()`. Code that talks to the person at the terminal (the banner, the
demo) calls `say()`; without `quiet_output` (tests, benchmarks) `say()` prints to stdout as usual.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import TextIO

LOG_NAME = "logs/voiceclone.log"
ROTATE_AT_BYTES = 50 * 1024 * 1024  # at start, a bigger log is moved to voiceclone.log.1
# Libraries that log at INFO or chat on every request; the log file keeps their warnings and errors.
NOISY_LOGGERS = ("werkzeug", "botocore", "boto3", "s3transfer", "urllib3", "secantus", "moto", "numba",
                 "TTS", "transformers", "httpx", "httpcore", "matplotlib", "fsspec", "filelock", "PIL")
# Read by the libraries at import: no progress bars or advisory chatter.
QUIET_ENVIRONMENT = {"TRANSFORMERS_VERBOSITY": "error", "TQDM_DISABLE": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
                     "PYTHONWARNINGS": "ignore"}

LOG_SERVICE = "voiceclone-local"

_terminal: TextIO | None = None


def say(line: str = "") -> None:
    """One line for the person at the terminal."""
    stream = _terminal or sys.stdout
    stream.write(line + "\n")
    stream.flush()


class JsonLinesFile(io.TextIOBase):
    """A text stream that writes each line to the log file as one JSON object.

    Lines that already are JSON objects (Powertools' records) are written as they are; any other
    line (a print, a warning, a traceback line) becomes {"timestamp", "level", "source", "message"}.
    """

    def __init__(self, log: TextIO, source: str, level: str) -> None:
        self._log, self._source, self._level = log, source, level
        self._pending = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                self._write_line(line)
            self._log.flush()
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self._log.flush()

    def _write_line(self, line: str) -> None:
        if not line.strip():
            return
        if line.startswith("{") and line.endswith("}"):
            self._log.write(line + "\n")
            return
        record = {"timestamp": time.strftime("%Y-%m-%d %H:%M:%S%z"), "level": self._level,
                  "source": self._source, "message": line}
        self._log.write(json.dumps(record) + "\n")


def quiet_output(data_dir: Path) -> Path:
    """Terminal for `say()` only, everything else as JSON lines into the log file; returns its path."""
    global _terminal
    path = data_dir.resolve() / LOG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > ROTATE_AT_BYTES:
        path.replace(path.with_name(path.name + ".1"))
    log = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open for the whole run)
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    _terminal = sys.stdout
    original = (sys.stdout, sys.stderr)
    sys.stdout = JsonLinesFile(log, "stdout", "INFO")
    sys.stderr = JsonLinesFile(log, "stderr", "WARNING")
    _retarget_stream_handlers(original)
    _configure_logging()
    return path


def _retarget_stream_handlers(original: tuple[TextIO, TextIO]) -> None:
    """Loggers made before the switch (Powertools adds its own stdout handler) follow stdout too."""
    loggers = [logging.getLogger(), *(item for item in logging.Logger.manager.loggerDict.values()
                                      if isinstance(item, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in original:
                handler.setStream(sys.stdout)


def _name_the_logger(record: logging.LogRecord) -> bool:
    record.logger = record.name  # an extra field: Powertools' formatter writes it into the JSON
    return True


def _configure_logging() -> None:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaPowertoolsFormatter(service=LOG_SERVICE))
    handler.addFilter(_name_the_logger)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings.warn(...) -> the log file, never the terminal
    warnings.simplefilter("ignore")

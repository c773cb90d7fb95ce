"""`voiceclone.local.console.quiet_output` in a fresh interpreter: the terminal gets only `say()` lines;
prints, Powertools JSON records, library loggers, warnings and a thread's traceback go to the log file
as one JSON object per line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import logging, sys, threading, warnings
    from pathlib import Path
    from aws_lambda_powertools import Logger

    early = Logger(service="voiceclone")  # made before the switch: its stdout handler must follow
    from voiceclone.local.console import quiet_output, say

    log_path = quiet_output(Path(sys.argv[1]))
    say("human line")
    print("a library's print")
    early.info("powertools record", extra={"job_id": "tts_1"})
    logging.getLogger("voiceclone.local.stack").info("module logger record")
    logging.getLogger("transformers").warning("library warning record")
    logging.getLogger("botocore").info("chatter nobody needs")
    warnings.warn("a DeprecationWarning nobody asked for", DeprecationWarning)
    thread = threading.Thread(target=lambda: 1 / 0)
    thread.start(); thread.join()
    say(str(log_path))
""")


def test_terminal_gets_human_lines_and_the_log_file_gets_json(tmp_path):
    finished = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], check=False, capture_output=True, text=True,
                              timeout=120)
    assert finished.returncode == 0, finished.stderr
    log_path = tmp_path / "logs" / "voiceclone.log"
    assert finished.stdout.splitlines() == ["human line", str(log_path)]
    assert finished.stderr == ""

    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    messages = [record["message"] for record in records]
    assert "a library's print" in messages
    assert "module logger record" in messages
    assert "library warning record" in messages
    powertools = next(record for record in records if record["message"] == "powertools record")
    assert powertools["job_id"] == "tts_1" and powertools["service"] == "voiceclone"
    assert any("ZeroDivisionError" in message for message in messages)  # the thread's traceback
    assert "chatter nobody needs" not in messages  # noisy libraries keep only warnings
    assert not any("DeprecationWarning" in message for message in messages)  # warnings are silenced
    assert "human line" not in messages

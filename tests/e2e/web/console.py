"""Driving the web console in Debian's Chromium with Playwright: the browser, signing in, axe-core checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile
import soxr

from tests.support.speech import english_utterances

CHROMIUM = Path("/usr/bin/chromium")  # scripts/install.sh installs it; Playwright's own download is not used
AXE = Path(__file__).resolve().parents[2] / "support" / "axe" / "axe.min.js"
SERIOUS = ("serious", "critical")


def fake_microphone_wav(folder: Path) -> Path:
    """Real speech for Chromium's fake microphone: LibriVox readings joined, 48 kHz 16-bit mono."""
    pieces = []
    for utterance in sorted(english_utterances(), key=lambda u: -u.duration_s)[:2]:
        samples, rate = utterance.load()
        pieces.append(soxr.resample(samples, rate, 48000).astype(np.float32))
    path = folder / "microphone.wav"
    soundfile.write(path, np.concatenate(pieces), 48000, subtype="PCM_16")
    return path


@contextmanager
def chromium(microphone: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise AssertionError(f"{CHROMIUM} is missing: scripts/install.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={microphone}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base_url: str, user: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("User name").fill(user)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator("#session-user", has_text=f"Signed in as {user}").wait_for()


def serious_violations(page) -> list[dict]:
    """axe-core on the page as it is now: the violations of impact serious or critical."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # Evaluated through the DevTools protocol: a <script> tag (add_script_tag) would be inline, which
        # the console's CSP (script-src 'self') rightly refuses.
        page.evaluate(AXE.read_text())
    results = page.evaluate("async () => JSON.stringify(await axe.run(document))")
    violations = json.loads(results)["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in violations
        if v["impact"] in SERIOUS
    ]

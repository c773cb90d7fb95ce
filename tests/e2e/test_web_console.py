"""The web console in a real browser (Debian's Chromium, headless, driven by Playwright) against
`voiceclone run`: sign in, a speech file uploaded with its verdict and picture, a take recorded from
Chromium's fake microphone (real speech from tests/support/speech.py), an instant voice trained with
its progress shown, speech made, played and downloaded, usage; refusals shown next to their cause;
the main flow by keyboard alone; axe-core on every page.

The tests of the journey share one signed-in page and run in file order (each builds on the last).
VOICECLONE_WEB_SCREENSHOTS=<folder> saves a screenshot of each page there (docs/web-console/).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import soundfile

from tests.e2e.web.console import chromium, fake_microphone_wav, serious_violations, sign_in
from tests.integration.local.platform import RunningPlatform
from tests.support import degradations, speech
from tests.support.speech import english_utterances

pytestmark = pytest.mark.timeout(600)
SCREENSHOTS = os.environ.get("VOICECLONE_WEB_SCREENSHOTS")
JOB_TIMEOUT_MS = 240_000
ANALYSIS_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with RunningPlatform(tmp_path_factory.mktemp("web-console")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(fake_microphone_wav(tmp_path_factory.mktemp("microphone"))) as running:
        yield running


@pytest.fixture(scope="module")
def page(browser, platform):
    """Alice's page for the journey; page errors (uncaught exceptions, CSP refusals) fail the tests."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(message.text) if is_problem(message) else None)
    page.problems = problems
    sign_in(page, platform.url, "alice")
    yield page
    context.close()


def is_problem(message) -> bool:
    """A console error, except the browser's note of a 4xx the page shows as the API's refusal."""
    return message.type == "error" and not message.text.startswith("Failed to load resource: the server responded with a status of 4")


@pytest.fixture
def fresh_page(browser, platform):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def assert_accessible(page) -> None:
    assert serious_violations(page) == []


def longest_utterance():
    return max(english_utterances(), key=lambda u: u.duration_s)


def go(page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_function("name => document.title.startsWith(name)", arg=name)


# -- the journey ---------------------------------------------------------------------------------------
def test_sign_in_page_is_accessible(fresh_page, platform):
    fresh_page.goto(platform.url + "/")
    fresh_page.get_by_label("User name").wait_for()
    screenshot(fresh_page, "sign-in")
    assert_accessible(fresh_page)


def test_an_uploaded_speech_file_gets_its_verdict_and_picture(page):
    utterance = longest_utterance()
    page.get_by_label("Choose audio files").set_input_files(str(utterance.path))
    card = page.locator("article.sample", has_text=utterance.path.stem)
    card.locator(".status-ready").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    assert "Suitable for training" in card.locator(".verdict").text_content()
    assert "Signal to noise" in card.locator("dl.metrics").text_content()
    canvas = card.locator("canvas.picture[data-drawn=true]")
    canvas.wait_for(timeout=30_000)
    colours = canvas.evaluate("""c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                                        const seen = new Set(); for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] << 16 | d[i+1] << 8 | d[i+2]);
                                        return seen.size; }""")
    assert colours > 50  # a drawn waveform and spectrogram, not an empty canvas
    assert "s." in card.locator(".picture-description").text_content()
    assert page.problems == []


def test_a_take_from_the_microphone_is_recorded_uploaded_and_judged(page):
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_function("() => document.getElementById('level-meter').value > 0.01")  # the meter moves
    page.wait_for_function("() => parseFloat(document.getElementById('record-time').textContent) >= 6")
    page.get_by_role("button", name="Stop and upload").click()
    card = page.locator("article.sample", has_text="recording-")
    card.locator(".status-ready, .status-rejected").first.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    assert card.locator(".status-ready").count() == 1, card.text_content()
    card.locator("canvas.picture[data-drawn=true]").wait_for(timeout=30_000)
    screenshot(page, "samples")
    assert_accessible(page)


def test_an_instant_voice_is_made_with_live_progress(page):
    go(page, "Voices")
    page.locator("[data-sample]").first.wait_for()
    # the ready samples suitable at the default target are preselected (the upload at least)
    assert page.locator("[data-sample]:checked").count() >= 1
    page.get_by_label("Voice name").fill("Alice in the browser")
    # a fine-tune needs a transcript for every sample: the dropped file has none, and the API says so there
    page.get_by_label("Kind").select_option("xtts_v2")
    page.get_by_role("button", name="Start", exact=True).click()
    refusal = page.locator("#sample-choice-error")
    refusal.filter(has_text="transcript").wait_for()
    assert page.locator("#sample-choice").get_attribute("aria-invalid") == "true"
    page.get_by_label("Kind").select_option("xtts_v2_instant")
    page.get_by_role("button", name="Start", exact=True).click()
    page.locator("#training-jobs .job progress").wait_for()
    page.locator("#voice-list article.voice", has_text="Alice in the browser").locator(".status-ready").wait_for(
        timeout=JOB_TIMEOUT_MS)
    assert page.locator("#training-jobs .status-completed").count() == 1
    report = page.locator("#voice-list article.voice", has_text="Alice in the browser").locator(".quality-report")
    assert report.locator("h5").text_content() == "Quality"
    if report.locator("details").count():  # the whole report, fetched when opened
        report.locator("summary").click()
        report.locator("details > div:not(:has-text('Loading'))").wait_for()
        assert report.locator("details .form-error").count() == 0, report.text_content()
    screenshot(page, "voices")
    assert_accessible(page)


def test_speech_is_made_played_and_downloaded(page):
    go(page, "Speak")
    page.wait_for_function("() => document.querySelector('select[name=voice_model_id]').value.startsWith('voice_')")
    page.get_by_label("Text").fill("Good morning from the web console.")
    page.get_by_label("Format").select_option("wav")
    page.get_by_role("button", name="Speak", exact=True).click()
    result = page.locator("#tts-result")
    result.locator("audio, .form-error").first.wait_for(timeout=JOB_TIMEOUT_MS)
    assert result.locator("audio").count() == 1, result.text_content()
    audio = result.locator("audio")
    audio.evaluate("a => a.readyState >= 1 || new Promise(r => a.addEventListener('loadedmetadata', r, {once: true}))")
    assert audio.evaluate("a => a.duration") > 0.5
    audio.evaluate("a => a.play()")
    page.wait_for_function("() => document.querySelector('#tts-result audio').currentTime > 0")
    with page.expect_download() as download_info:
        result.get_by_role("link", name="Download WAV").click()
    samples, rate = soundfile.read(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert rate > 0 and len(samples) / rate > 0.5
    page.locator("#tts-history tr[data-job-id] audio").first.wait_for()  # the history has its player
    screenshot(page, "speak")
    assert_accessible(page)


def test_usage_shows_characters_and_jobs_against_the_plan(page):
    go(page, "Usage")
    characters = page.locator('[data-gauge="characters-used"]')
    characters.wait_for()
    assert characters.text_content() == f"{len('Good morning from the web console.')} of 10,000 characters"
    assert page.locator('[data-gauge="jobs-running"]').text_content() == "0 of 2 jobs at once"
    screenshot(page, "usage")
    assert_accessible(page)
    assert page.problems == []


def test_another_user_does_not_see_alices_private_voice(browser, platform, page):
    go(page, "Voices")
    page.locator("article.voice", has_text="Alice in the browser").wait_for()  # alice's own list has it
    context = browser.new_context()
    other = context.new_page()
    sign_in(other, platform.url, "frank")
    go(other, "Voices")
    other.locator("#voice-list p.muted", has_text="No voices yet.").wait_for()  # the list loaded, empty
    assert "Alice in the browser" not in other.locator("main").text_content()
    context.close()


def test_a_voice_is_renamed_made_public_and_deleted(page):
    go(page, "Voices")
    card = page.locator("#voice-list article.voice", has_text="Alice in the browser")
    card.get_by_role("textbox", name="Name", exact=True).fill("Narrator")
    card.get_by_role("button", name="Rename").click()
    card = page.locator("#voice-list article.voice", has_text="Narrator")
    card.get_by_role("button", name="Make public").click()
    page.locator("#voice-list article.voice", has_text="public").get_by_role("button", name="Make private").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete voice Narrator").click()
    page.get_by_text("No voices yet.").wait_for()
    assert page.problems == []


# -- refusals -----------------------------------------------------------------------------------------------
def test_an_api_error_is_shown_next_to_its_field(browser, platform):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, platform.url, "carol")
    go(page, "Speak")
    page.get_by_label("Speed").fill("5")
    page.get_by_role("button", name="Speak", exact=True).click()
    speed_error = page.locator("#" + page.get_by_label("Speed").get_attribute("id") + "-error")
    speed_error.wait_for()
    assert "voice_settings.speed" in speed_error.text_content() and "less than or equal to 2" in speed_error.text_content()
    assert page.get_by_label("Speed").get_attribute("aria-invalid") == "true"
    voice_error = page.locator("#" + page.get_by_label("Voice", exact=True).get_attribute("id") + "-error")
    assert "voice_model_id" in voice_error.text_content()  # no voice chosen: carol has none
    assert_accessible(page)
    context.close()


def test_a_bad_file_shows_its_reason(browser, platform, tmp_path):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, platform.url, "dave")
    not_audio = tmp_path / "notes.txt"
    not_audio.write_text("not a recording")
    page.get_by_label("Choose audio files").set_input_files(str(not_audio))
    refusal = page.locator("#dropzone .form-error")
    refusal.wait_for()
    assert "cannot tell the audio type of 'notes.txt'" in refusal.text_content()  # the API's 422, by the file input
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF" + os.urandom(4000))
    page.get_by_label("Choose audio files").set_input_files(str(broken))
    card = page.locator("article.sample", has_text="broken")
    card.locator(".status-rejected").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    assert card.locator("ul.reasons li").count() >= 1  # the analysis says why
    assert_accessible(page)
    context.close()


def test_the_picture_marks_clipping_and_the_band_limit(browser, platform, tmp_path):
    """Dutch speech overdriven x8 and flat-topped at half scale; the same low-passed at telephone bandwidth."""
    samples, rate = speech.dutch_utterances("small")[40].load()
    clipped, _ = degradations.clipped(samples, 18.0, 0.5, 1.0)
    soundfile.write(tmp_path / "clipped.wav", degradations.as_pcm16(clipped), rate, subtype="PCM_16")
    muffled = degradations.low_pass(samples, rate, 3400)
    soundfile.write(tmp_path / "muffled.wav", degradations.as_pcm16(muffled), rate, subtype="PCM_16")
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, platform.url, "grace")
    page.get_by_label("Choose audio files").set_input_files([str(tmp_path / "clipped.wav"), str(tmp_path / "muffled.wav")])
    def card_of(name):
        return page.locator("article.sample").filter(has=page.locator("h4", has_text=re.compile(f"^{name} ")))

    for name, reason, mark in (("clipped", "clipping:", "Clipped at"), ("muffled", "band-limited", "Band limit at")):
        card = card_of(name)
        card.locator("canvas.picture[data-drawn=true]").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        assert reason in card.locator("ul.reasons").text_content(), card.text_content()
        assert mark in card.locator(".picture-description").text_content()
    assert int(card_of("clipped").locator("canvas").get_attribute("data-clipped")) > 0
    context.close()


def test_another_users_samples_are_not_listed(browser, platform):
    token = platform.token("bob")
    created = httpx.post(platform.url + "/api/samples", headers={"Authorization": f"Bearer {token}"},
                         json={"name": "Bob's private reading", "filename": "bob.wav"}, timeout=30)
    assert created.status_code == 201, created.text
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, platform.url, "erin")
    page.locator("#sample-list p.muted").wait_for()  # the empty list, after it loaded
    assert "Bob's private reading" not in page.locator("main").text_content()
    sign_in(page, platform.url, "bob")
    page.locator("article.sample", has_text="Bob's private reading").wait_for()
    context.close()


def test_cognito_sign_in_uses_the_code_flow_with_pkce_and_signs_out(browser, platform):
    """The hosted UI and token endpoint played by Playwright routes: the console must send an S256 challenge,
    redeem the code with the matching verifier, call the API with the access token and sign out there."""
    cognito, console = "https://voiceclone.auth.example.test", platform.url + "/"
    seen: dict[str, str] = {}
    access_token = platform.token("carla")
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "carla", "email": "carla@example.com"}).encode()).decode()

    def hosted_ui(route):
        query = dict(parse_qsl(urlsplit(route.request.url).query))
        seen.update(query)
        route.fulfill(status=302, headers={"location": f"{query['redirect_uri']}?code=the-code&state={query['state']}"})

    def token_endpoint(route):
        form = dict(parse_qsl(route.request.post_data))
        seen["token_form"] = json.dumps(form)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest()).rstrip(b"=")
        ok = form["code"] == "the-code" and challenge.decode() == seen["code_challenge"]
        route.fulfill(status=200 if ok else 400, headers={"access-control-allow-origin": "*"}, content_type="application/json",
                      body=json.dumps({"access_token": access_token, "id_token": f"x.{claims}.y", "expires_in": 3600}
                                      if ok else {"error": "invalid_grant"}))

    # bypass_csp: the console's CSP admits *.amazoncognito.com in AWS, not this test host
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    config = {"api_url": "", "auth": {"mode": "cognito", "domain": cognito, "client_id": "console-client"}}
    page.route("**/config.json", lambda route: route.fulfill(content_type="application/json", body=json.dumps(config)))
    page.route(f"{cognito}/oauth2/authorize*", hosted_ui)
    page.route(f"{cognito}/oauth2/token", token_endpoint)
    page.route(f"{cognito}/logout*", lambda route: route.fulfill(
        status=302, headers={"location": dict(parse_qsl(urlsplit(route.request.url).query))["logout_uri"]}))
    page.goto(console)
    page.get_by_role("button", name="Sign in with your account").click()
    page.locator("#session-user", has_text="carla@example.com").wait_for()
    assert seen["response_type"] == "code" and seen["code_challenge_method"] == "S256"
    assert seen["client_id"] == "console-client" and seen["redirect_uri"] == console
    assert set(seen["scope"].split()) == {"openid", "email", "profile"}
    assert json.loads(seen["token_form"])["grant_type"] == "authorization_code"
    assert "code=" not in page.url  # the code is taken off the address
    page.locator("#sample-list p.muted").wait_for()  # the API answered with the access token
    assert page.evaluate("() => Object.keys(sessionStorage).length") == 0  # nothing kept after the exchange
    assert page.evaluate("() => Object.keys(localStorage).filter(k => /token/i.test(k)).length") == 0
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in with your account").wait_for()
    context.close()


# -- keyboard -------------------------------------------------------------------------------------------------
def test_the_main_flow_works_by_keyboard_alone(browser, platform):
    context = browser.new_context()
    page = context.new_page()
    page.goto(platform.url + "/")
    page.get_by_label("User name").wait_for()
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    tab_to(page, "input[name=user]")
    page.keyboard.press("Control+A")
    page.keyboard.type("frank")
    page.keyboard.press("Enter")
    page.locator("#session-user", has_text="frank").wait_for()
    assert page.evaluate("document.activeElement.id") == "main"  # focus moves to the new page
    for name in ("Voices", "Speak", "Usage", "Samples"):
        tab_to(page, f'#nav a[data-page="{name.lower()}"]', backwards=True)
        page.keyboard.press("Enter")
        page.wait_for_function("name => document.title.startsWith(name)", arg=name)
        assert page.locator(f'#nav a[data-page="{name.lower()}"]').get_attribute("aria-current") == "page"
    tab_to(page, "#record-start")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.activeElement.id === 'record-stop'")  # focus follows the recorder
    page.wait_for_function("() => parseFloat(document.getElementById('record-time').textContent) >= 5")
    page.keyboard.press("Enter")
    page.locator("article.sample .status-ready, article.sample .status-rejected").first.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    go_by_keyboard(page, "Voices")
    tab_to(page, "input[name=voice_name]")
    page.keyboard.type("Frank")
    tab_to(page, "#train-form button[type=submit]")
    page.keyboard.press("Enter")
    page.locator("#training-jobs .job").wait_for()
    context.close()


def go_by_keyboard(page, name: str) -> None:
    tab_to(page, f'#nav a[data-page="{name.lower()}"]', backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_function("name => document.title.startsWith(name)", arg=name)


def tab_to(page, selector: str, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until `selector` has the focus; fails if it never does."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        time.sleep(0.02)
    raise AssertionError(f"{selector} never took the focus by keyboard")

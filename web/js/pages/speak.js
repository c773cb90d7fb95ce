// Speak: text, voice, settings and format; the job polled to its end, then played and downloadable;
// the history of results, each with a player.
import { api } from "../api.js";
import { announce, field, formatNumber, h, sleep, statusBadge } from "../dom.js";
import { clearErrors, formError, showError } from "../forms.js";

const ENDED = new Set(["completed", "failed", "cancelled"]);
const CODE_FIELDS = { limit_exceeded: "text", quota_exceeded: "text", conflict: "voice_model_id", not_found: "voice_model_id" };

export function render(main, { onUnauthorized }) {
  let active = true;
  const history = h("div", { id: "tts-history" });
  const result = h("div", { id: "tts-result", "aria-live": "polite" });
  const reloadHistory = () => loadHistory(history).catch((error) => { if (error.status === 401) onUnauthorized(); });
  main.append(h("h2", {}, "Speak"), h("section", { class: "card" }, speakForm(result, () => active, reloadHistory)),
    h("section", { class: "card", "aria-labelledby": "history-heading" }, h("h3", { id: "history-heading" }, "History"), history));
  reloadHistory();
  return () => { active = false; };
}

function slider(name, label, value, min = 0, max = 1, step = 0.05) {
  const input = h("input", { type: "range", name: `voice_settings.${name}`, min, max, step, value });
  const shown = h("output", {}, String(value));
  input.addEventListener("input", () => { shown.textContent = input.value; });
  const wrapper = field(label, input);
  wrapper.querySelector("label").append(" ", shown);
  return wrapper;
}

function speakForm(result, isActive, reloadHistory) {
  const text = h("textarea", { name: "text", rows: 4, required: true }, "Hello! This is my cloned voice speaking.");
  const counter = h("p", { class: "muted", id: "text-count" });
  const voice = h("select", { name: "voice_model_id", required: true }, h("option", { value: "" }, "Loading voices…"));
  const format = h("select", { name: "output_format" }, ["mp3", "wav", "ogg", "flac"].map((value) => h("option", { value }, value)));
  const speed = h("input", { type: "number", name: "voice_settings.speed", min: 0.5, max: 2, step: 0.1, value: 1 });
  const submit = h("button", { type: "submit" }, "Speak");
  let maxLength = null;
  const count = () => { counter.textContent = `${text.value.length}${maxLength ? ` of ${maxLength}` : ""} characters`; };
  text.addEventListener("input", count);
  api("GET", "/api/me").then((me) => { maxLength = me.limits.max_text_length; count(); }).catch(() => {});
  api("GET", "/api/tts/models/available").then((models) => {
    voice.replaceChildren(...(models.voices.length
      ? models.voices.map((item) => h("option", { value: item.voice_id }, `${item.name}${item.owned ? "" : " (public)"} · ${item.engine}`))
      : [h("option", { value: "" }, "No ready voice yet")]));
  }).catch((error) => { voice.replaceChildren(h("option", { value: "" }, error.message)); });
  count();
  const form = h("form", { id: "speak-form", "aria-labelledby": "speak-heading", novalidate: true },
    h("h3", { id: "speak-heading" }, "Say something"), field("Text", text), counter, field("Voice", voice), field("Format", format),
    h("fieldset", {}, h("legend", {}, "Voice settings"), slider("stability", "Stability", 0.75),
      slider("similarity_boost", "Similarity", 0.8), slider("style", "Style", 0.2), field("Speed", speed)),
    formError(), submit, result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const settings = {};
    for (const input of form.querySelectorAll('[name^="voice_settings."]')) settings[input.name.split(".")[1]] = Number(input.value);
    submit.disabled = true;
    try {
      let job = await api("POST", "/api/tts/generate", {
        text: text.value, voice_model_id: voice.value, output_format: format.value, voice_settings: settings,
      }, { headers: { "Idempotency-Key": crypto.randomUUID() } });
      const bar = h("progress", { max: 1, value: 0, "aria-label": "Speech progress" });
      const line = h("p", {}, statusBadge(job.status));
      result.replaceChildren(line, bar);
      while (!ENDED.has(job.status) && isActive()) {
        await sleep(700);
        job = await api("GET", `/api/tts/job/${job.job_id}`);
        line.replaceChildren(statusBadge(job.status), job.stage ? ` · ${job.stage}` : "");
        bar.value = job.progress || 0;
      }
      if (job.status !== "completed") {
        result.replaceChildren(h("p", { class: "form-error", role: "alert" }, `Speech ${job.status}: ${job.error_message || "no reason given"}`));
        return;
      }
      result.replaceChildren(await player(job, true));
      announce("Speech ready; playing");
      reloadHistory();
    } catch (error) {
      showError(form, error, CODE_FIELDS);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** The result as a blob (one fetch for playing and downloading; media-src blob: in the CSP). */
async function player(job, autoplay) {
  const result = await api("GET", `/api/tts/job/${job.job_id}/result`);
  const response = await fetch(result.download_url);
  if (!response.ok) throw new Error(`The result could not be fetched (HTTP ${response.status}).`);
  const url = URL.createObjectURL(await response.blob());
  const audio = h("audio", { controls: true, src: url, "aria-label": `Speech: ${job.text.slice(0, 60)}` });
  if (autoplay) audio.play().catch(() => { /* autoplay refused: the controls stay */ });
  const download = h("a", { href: url, download: `speech-${job.job_id}.${result.output_format}`, class: "button secondary" },
    `Download ${result.output_format.toUpperCase()}`);
  return h("div", { class: "player", dataset: { jobId: job.job_id } }, audio, " ", download,
    h("p", { class: "muted" }, `${formatNumber(result.duration_s)} s · ${result.characters} characters · $${formatNumber(result.cost_usd, 4)}`));
}

async function loadHistory(container) {
  const page = await api("GET", "/api/tts/jobs?limit=20");
  if (!page.items.length) { container.replaceChildren(h("p", { class: "muted" }, "Nothing spoken yet.")); return; }
  const rows = page.items.map((job) => {
    const cell = h("td", {}, job.status === "completed" && !job.output_expired ? "Loading…" : job.output_expired ? "expired" : "–");
    if (job.status === "completed" && !job.output_expired) {
      player(job, false).then((element) => cell.replaceChildren(element)).catch((error) => { cell.textContent = error.message; });
    }
    return h("tr", { dataset: { jobId: job.job_id } }, h("td", {}, job.text.length > 80 ? `${job.text.slice(0, 80)}…` : job.text),
      h("td", {}, statusBadge(job.status)), h("td", {}, job.output_format), h("td", {}, new Date(job.created_at).toLocaleString()), cell);
  });
  container.replaceChildren(h("table", {}, h("caption", { class: "visually-hidden" }, "Speech history"),
    h("thead", {}, h("tr", {}, ["Text", "Status", "Format", "Made", "Result"].map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, rows)));
}

// Samples: record (with a script and a level meter) or drop files, upload through the presigned POST
// with a progress bar, then the verdict, its reasons and advice, the metrics and the picture.
import { api, uploadPresigned } from "../api.js";
import { announce, field, formatNumber, h, sleep, statusBadge } from "../dom.js";
import { clearErrors, formError, showError } from "../forms.js";
import { startRecording } from "../audio/recorder.js";
import { decodeFile, mixToMono } from "../audio/wav.js";
import { drawPicture } from "../audio/picture.js";

export const SCRIPT = "The quick brown fox jumps over the lazy dog. A rainbow appears when sunlight " +
  "shines through falling rain. Please read these words clearly, at your normal pace, in a quiet room.";
const LANGUAGES = ["", "en", "es", "fr", "de", "it", "pt", "pl", "tr", "ru", "nl", "cs", "ar", "zh-cn", "hu", "ko", "ja", "hi"];
const ANALYSING = new Set(["uploading", "analyzing"]);
const audioOfSample = new Map(); // sample_id -> the File uploaded in this session (for its picture)

export function render(main, { onUnauthorized }) {
  let active = true;
  const list = h("div", { id: "sample-list", "aria-live": "polite" });
  const refresh = () => loadSamples(list, () => active).catch((error) => {
    if (error.status === 401) onUnauthorized();
    else list.replaceChildren(h("p", { class: "form-error", role: "alert" }, error.message));
  });
  main.append(h("h2", {}, "Samples"), addSampleForm(refresh),
    h("section", { class: "card", "aria-labelledby": "samples-heading" }, h("h3", { id: "samples-heading" }, "Your samples"), list));
  refresh();
  return () => { active = false; };
}

function addSampleForm(refresh) {
  const name = h("input", { type: "text", name: "name", maxlength: 200 });
  const transcript = h("textarea", { name: "transcript", rows: 3 });
  const language = h("select", { name: "language" }, LANGUAGES.map((code) => h("option", { value: code }, code || "(detect)")));
  const files = h("input", { type: "file", name: "filename", accept: "audio/*,.wav,.mp3,.flac,.ogg", multiple: true });
  const progressList = h("div", { class: "uploads" });
  const form = h("form", { id: "add-sample", "aria-labelledby": "add-heading", novalidate: true });

  const upload = async (file, usedScript) => {
    clearErrors(form);
    const bar = h("progress", { max: 1, value: 0, "aria-label": `Uploading ${file.name}` });
    const line = h("p", {}, `${file.name}: `, bar);
    progressList.append(line);
    try {
      const created = await api("POST", "/api/samples", {
        name: name.value.trim() || file.name.replace(/\.[^.]+$/, ""), filename: file.name, size_bytes: file.size || undefined,
        transcript: transcript.value.trim() || (usedScript ? SCRIPT : undefined), language: language.value || undefined,
      });
      audioOfSample.set(created.sample.sample_id, file);
      await uploadPresigned(created.upload, file, (fraction) => { bar.value = fraction; });
      line.replaceChildren(`${file.name}: uploaded, analysing…`);
      setTimeout(() => line.remove(), 4000);
      announce(`${file.name} uploaded; analysing`);
      refresh();
    } catch (error) {
      line.remove();
      showError(form, error);
    }
  };

  files.addEventListener("change", () => { for (const file of files.files) upload(file, false); files.value = ""; });
  const dropzone = h("div", { class: "dropzone", id: "dropzone" },
    h("p", {}, "Drop audio files here (WAV, FLAC, OGG, MP3), or"), field("Choose audio files", files), formError());
  dropzone.addEventListener("dragover", (event) => { event.preventDefault(); dropzone.classList.add("over"); });
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropzone.classList.remove("over");
    for (const file of event.dataTransfer.files) upload(file, false);
  });

  form.append(h("h3", { id: "add-heading" }, "Add a sample"),
    field("Name", name, "Defaults to the file name."),
    field("Transcript (what is said)", transcript, "Needed for a fine-tune; a recording of the script uses the script."),
    field("Language", language), recorderPanel(upload, transcript), dropzone, progressList);
  form.addEventListener("submit", (event) => event.preventDefault());
  return h("section", { class: "card" }, form);
}

function recorderPanel(upload) {
  const meter = h("meter", { min: 0, max: 1, low: 0.5, high: 0.9, optimum: 0.4, value: 0, id: "level-meter", "aria-label": "Input level" });
  const elapsed = h("span", { id: "record-time", "aria-live": "off" }, "0.0 s");
  const start = h("button", { type: "button", id: "record-start" }, "Start recording");
  const stop = h("button", { type: "button", id: "record-stop", class: "secondary", disabled: true }, "Stop and upload");
  const message = h("p", { class: "field-error", role: "alert" });
  let recording = null;
  start.addEventListener("click", async () => {
    message.textContent = "";
    try {
      recording = await startRecording((peak, seconds) => { meter.value = peak; elapsed.textContent = `${seconds.toFixed(1)} s`; });
    } catch (error) {
      message.textContent = `The microphone is not available: ${error.message}`;
      return;
    }
    start.disabled = true; stop.disabled = false; stop.focus();
    announce("Recording; read the script aloud");
  });
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    const file = await recording.stop();
    recording = null;
    start.disabled = false; start.focus();
    meter.value = 0;
    await upload(file, true);
  });
  return h("fieldset", { class: "recorder" }, h("legend", {}, "Record in the browser"),
    h("p", {}, "Read this aloud:"), h("blockquote", { class: "script", id: "script" }, SCRIPT),
    h("div", { class: "row" }, start, stop, elapsed), h("label", { for: "level-meter" }, "Input level"), meter, message);
}

async function loadSamples(list, isActive) {
  while (isActive()) {
    const page = await api("GET", "/api/samples?limit=50");
    if (!isActive()) return;
    renderList(list, page.items);
    if (!page.items.some((sample) => ANALYSING.has(sample.status))) return;
    await sleep(1000);
  }
}

function renderList(list, samples) {
  if (!samples.length) { list.replaceChildren(h("p", { class: "muted" }, "No samples yet: record one or drop a file above.")); return; }
  const existing = new Map([...list.querySelectorAll("[data-sample-id]")].map((element) => [element.dataset.sampleId, element]));
  const items = samples.map((sample) => {
    const previous = existing.get(sample.sample_id);
    if (previous && previous.dataset.status === sample.status) return previous; // keep its picture
    return sampleCard(sample);
  });
  list.replaceChildren(...items);
}

function sampleCard(sample) {
  const quality = sample.quality || {};
  const card = h("article", { class: "card sample", dataset: { sampleId: sample.sample_id, status: sample.status },
                              "aria-labelledby": `${sample.sample_id}-title` });
  const verdict = sample.status === "ready"
    ? (sample.suitable_for_training ? "Suitable for training" : "Not suitable for training")
    : sample.status === "rejected" ? "Rejected" : "Analysing…";
  const advice = quality.advice || [];
  const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete sample ${sample.name}` }, "Delete");
  const error = h("p", { class: "form-error", role: "alert" });
  remove.addEventListener("click", async () => {
    try { await api("DELETE", `/api/samples/${sample.sample_id}`); card.remove(); announce(`Deleted ${sample.name}`); }
    catch (failure) { error.textContent = failure.message; }
  });
  card.append(...[
    h("h4", { id: `${sample.sample_id}-title` }, sample.name, " ", statusBadge(sample.status)),
    h("p", { class: "verdict" }, h("strong", {}, verdict),
      sample.duration_s ? ` · ${formatNumber(sample.duration_s)} s, ${sample.sample_rate} Hz, ${sample.format}` : ""),
    sample.reasons.length ? h("div", {}, h("h5", {}, "Why"), h("ul", { class: "reasons" }, sample.reasons.map((reason) => h("li", {}, reason)))) : null,
    advice.length ? h("div", {}, h("h5", {}, "Advice"), h("ul", { class: "advice" }, advice.map((text) => h("li", {}, text)))) : null,
    sample.quality ? metrics(quality) : null,
    pictureSlot(sample),
    h("div", { class: "row" }, remove), error,
  ].filter(Boolean));
  return card;
}

function metrics(quality) {
  const rows = [
    ["Signal to noise", quality.snr_db, (v) => `${formatNumber(v)} dB`],
    ["Speech", quality.speech_duration_s, (v) => `${formatNumber(v)} s`],
    ["Loudness", quality.loudness_lufs, (v) => `${formatNumber(v)} LUFS`],
    ["Peak", quality.peak_dbfs, (v) => `${formatNumber(v)} dBFS`],
    ["Clipping", quality.clipping_ratio, (v) => `${formatNumber(v * 100, 2)} % of samples`],
    ["Clip level", quality.clip_level, (v) => `${formatNumber(v, 3)} of full scale`],
    ["Band limit", quality.cutoff_hz, (v) => `${formatNumber(v / 1000)} kHz`],
    ["Pitch (median)", quality.pitch_median_hz ?? quality.pitch, (v) => `${formatNumber(v, 0)} Hz`],
    ["Quality score", quality.quality_score, (v) => formatNumber(v, 2)],
  ].filter(([, value]) => value !== null && value !== undefined);
  return h("dl", { class: "metrics" }, rows.flatMap(([label, value, format]) => [h("dt", {}, label), h("dd", {}, format(value))]));
}

function pictureSlot(sample) {
  const file = audioOfSample.get(sample.sample_id);
  if (!file || ANALYSING.has(sample.status)) return null;
  const canvas = h("canvas", { class: "picture", role: "img", "aria-label": `Waveform and spectrogram of ${sample.name}` });
  const description = h("p", { class: "picture-description" }, "Drawing…");
  const legend = h("p", { class: "legend", "aria-hidden": "true" },
    h("span", { class: "swatch swatch-clipped" }), "clipped",
    h("span", { class: "swatch swatch-silence" }), "silence",
    h("span", { class: "swatch swatch-band" }), "band limit");
  const figure = h("figure", { class: "picture-figure" }, canvas, legend, h("figcaption", {}, description));
  decodeFile(file, sample.sample_rate || 48000).then((decoded) => {
    const marks = drawPicture(canvas, mixToMono(decoded), decoded.sampleRate, sample.quality || {});
    canvas.dataset.drawn = "true";
    canvas.dataset.silences = String(marks.silences.length);
    canvas.dataset.clipped = String(marks.clipped.length);
    description.textContent = describe(marks);
  }).catch(() => { description.textContent = "This browser cannot decode the file, so there is no picture."; });
  return figure;
}

function describe(marks) {
  const span = (r) => `${r.start_s.toFixed(1)}–${r.end_s.toFixed(1)} s`;
  const parts = [`${marks.duration_s.toFixed(1)} s.`];
  parts.push(marks.clipped.length ? `Clipped at ${marks.clipped.slice(0, 5).map(span).join(", ")}.` : "No clipping.");
  parts.push(marks.silences.length ? `Silences at ${marks.silences.slice(0, 5).map(span).join(", ")}.` : "No long silences.");
  parts.push(marks.cutoff_hz ? `Band limit at ${(marks.cutoff_hz / 1000).toFixed(1)} kHz.` : "No band limit found.");
  return parts.join(" ");
}

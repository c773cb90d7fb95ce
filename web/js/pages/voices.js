// Voices: make an instant voice or a fine-tune from ready samples and watch its job; the voices with
// their quality report; rename, make public or private, delete.
import { api } from "../api.js";
import { announce, field, formatNumber, h, sleep, statusBadge, uniqueId } from "../dom.js";
import { formError, showError } from "../forms.js";

const ENDED = new Set(["completed", "failed", "cancelled"]);
const CODE_FIELDS = { samples_not_usable: "sample_ids", limit_exceeded: "voice_name" };

export function render(main, { onUnauthorized }) {
  let active = true;
  const isActive = () => active;
  const voiceList = h("div", { id: "voice-list" });
  const jobs = h("div", { id: "training-jobs", "aria-live": "polite" });
  const reload = () => loadVoices(voiceList, reload).catch((error) => {
    if (error.status === 401) onUnauthorized(); else voiceList.replaceChildren(h("p", { class: "form-error", role: "alert" }, error.message));
  });
  const form = trainingForm((job) => { watchJob(jobs, job, isActive, reload); });
  main.append(h("h2", {}, "Voices"), h("section", { class: "card" }, form), h("section", { class: "card", "aria-labelledby": "jobs-heading" },
    h("h3", { id: "jobs-heading" }, "Training"), jobs),
    h("section", { class: "card", "aria-labelledby": "voices-heading" }, h("h3", { id: "voices-heading" }, "Your voices"), voiceList));
  reload();
  api("GET", "/api/training/jobs?limit=10").then((page) => {
    for (const job of page.items.filter((item) => !ENDED.has(item.status))) watchJob(jobs, job, isActive, reload);
    if (!jobs.children.length) jobs.append(h("p", { class: "muted", id: "no-jobs" }, "No training running."));
  }).catch(() => {});
  return () => { active = false; };
}

function trainingForm(onStarted) {
  const voiceName = h("input", { type: "text", name: "voice_name", maxlength: 100 });
  const samples = h("fieldset", { name: "sample_ids", id: "sample-choice" }, h("legend", {}, "Samples to learn from"),
    h("p", { class: "muted" }, "Loading ready samples…"));
  const sampleError = h("p", { class: "field-error", id: "sample-choice-error" });
  samples.setAttribute("aria-describedby", sampleError.id);
  const modelType = h("select", { name: "model_type" },
    h("option", { value: "xtts_v2_instant" }, "Instant voice (seconds, no transcript needed)"),
    h("option", { value: "xtts_v2" }, "Fine-tune (needs GPU time and transcripts)"));
  const target = h("select", { name: "quality_target" }, ["medium", "low", "high"].map((value) => h("option", { value }, value)));
  const epochs = h("input", { type: "number", name: "epochs", min: 1, max: 1000, value: 100 });
  const epochsField = field("Epochs (fine-tune)", epochs);
  epochsField.hidden = true;
  modelType.addEventListener("change", () => { epochsField.hidden = modelType.value !== "xtts_v2"; });
  const form = h("form", { id: "train-form", "aria-labelledby": "train-heading", novalidate: true },
    h("h3", { id: "train-heading" }, "Make a voice"), field("Voice name", voiceName), samples, sampleError,
    field("Kind", modelType), field("Quality target", target), epochsField, formError(),
    h("button", { type: "submit" }, "Start"));
  api("GET", "/api/samples?status=ready&limit=100").then((page) => {
    samples.replaceChildren(h("legend", {}, "Samples to learn from"), ...(page.items.length ? page.items.map((sample) => {
      const id = uniqueId("sample");
      return h("div", {}, h("input", { type: "checkbox", id, value: sample.sample_id, checked: sample.suitable_for_training, "data-sample": "" }),
        h("label", { for: id, class: "inline" }, `${sample.name} (${formatNumber(sample.duration_s)} s${sample.suitable_for_training ? "" : ", not suitable"})`));
    }) : [h("p", { class: "muted" }, "No ready samples yet: add some on the Samples page.")]));
  }).catch((error) => { sampleError.textContent = error.message; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const config = { model_type: modelType.value, quality_target: target.value };
    if (modelType.value === "xtts_v2") config.epochs = Number(epochs.value);
    try {
      const job = await api("POST", "/api/training/start", {
        voice_name: voiceName.value.trim(), training_config: config,
        sample_ids: [...form.querySelectorAll("[data-sample]:checked")].map((box) => box.value),
      }, { headers: { "Idempotency-Key": crypto.randomUUID() } });
      form.querySelector(".form-error").textContent = "";
      announce(`Training ${job.voice_name} started`);
      onStarted(job);
    } catch (error) {
      showError(form, error, CODE_FIELDS);
    }
  });
  return form;
}

async function watchJob(container, job, isActive, onEnded) {
  container.querySelector("#no-jobs")?.remove();
  const bar = h("progress", { max: 1, value: job.progress || 0, "aria-label": `Progress of ${job.voice_name}` });
  const status = h("span", {}, statusBadge(job.status));
  const stage = h("span", { class: "muted" });
  const card = h("div", { class: "job", dataset: { jobId: job.job_id } },
    h("p", {}, h("strong", {}, job.voice_name), " ", status, " ", stage), bar);
  container.prepend(card);
  while (isActive()) {
    status.replaceChildren(statusBadge(job.status));
    stage.textContent = [job.stage, `${Math.round((job.progress || 0) * 100)} %`, job.error_message].filter(Boolean).join(" · ");
    bar.value = job.progress || 0;
    if (ENDED.has(job.status)) { announce(`Training ${job.voice_name}: ${job.status}`); onEnded(); return; }
    await sleep(1000);
    try { job = await api("GET", `/api/training/job/${job.job_id}`); } catch { /* retry on the next tick */ }
  }
}

async function loadVoices(list, reload) {
  const page = await api("GET", "/api/voices?limit=100");
  if (!page.items.length) { list.replaceChildren(h("p", { class: "muted" }, "No voices yet.")); return; }
  list.replaceChildren(...page.items.map((voice) => voiceCard(voice, reload)));
}

function voiceCard(voice, reload) {
  const error = h("p", { class: "form-error", role: "alert", tabindex: -1 });
  const nameInput = h("input", { type: "text", name: "name", value: voice.name, maxlength: 100 });
  const rename = h("form", { class: "row", "aria-label": `Rename ${voice.name}` }, field("Name", nameInput),
    h("button", { type: "submit", class: "secondary" }, "Rename"));
  const act = async (method, body, done) => {
    try { await api(method, `/api/voices/${voice.voice_id}`, body); announce(done); reload(); }
    catch (failure) { if (method === "PATCH" && body.name !== undefined) showError(rename, failure); else { error.textContent = failure.message; error.focus(); } }
  };
  rename.addEventListener("submit", (event) => { event.preventDefault(); act("PATCH", { name: nameInput.value.trim() }, "Renamed"); });
  const makePublic = voice.visibility === "public";
  const toggle = h("button", { type: "button", class: "secondary" }, makePublic ? "Make private" : "Make public");
  toggle.addEventListener("click", () => act("PATCH", { visibility: makePublic ? "private" : "public" }, `${voice.name} is now ${makePublic ? "private" : "public"}`));
  const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete voice ${voice.name}` }, "Delete");
  remove.addEventListener("click", () => { if (confirm(`Delete the voice ${voice.name}?`)) act("DELETE", undefined, `Deleted ${voice.name}`); });
  const report = h("div", { class: "quality-report" });
  showQualityReport(report, voice);
  return h("article", { class: "card voice", dataset: { voiceId: voice.voice_id }, "aria-labelledby": `${voice.voice_id}-title` },
    h("h4", { id: `${voice.voice_id}-title` }, voice.name, " ", statusBadge(voice.status)),
    h("p", { class: "muted" }, `${voice.model_type} · ${voice.visibility} · ${voice.languages.join(", ") || "no language"}`),
    voice.error_message ? h("p", { class: "form-error" }, voice.error_message) : null,
    report, voice.owned ? [rename, h("div", { class: "row" }, toggle, remove)] : null, error);
}

/** The voice's quality: the headline from the voice record, the whole report (GET /api/voices/{id}/quality,
 * fetched when opened). An API without that route, or a voice without a report, degrades to what there is. */
function showQualityReport(container, voice) {
  const headline = voice.quality;
  if (!headline && !voice.quality_report) {
    container.replaceChildren(h("p", { class: "muted" }, "No quality report for this voice."));
    return;
  }
  const parts = [h("h5", {}, "Quality")];
  if (headline?.evaluated) {
    parts.push(h("p", { class: headline.passed ? "status status-ready" : "status status-failed" },
      headline.passed ? `Reaches its target (${headline.quality_target})` : `Below its target (${headline.quality_target})`));
    parts.push(figures(headline));
  } else if (headline) {
    parts.push(h("p", { class: "muted" }, "Not evaluated (made before quality reports)."));
  }
  const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  const details = h("details", { class: "quality-details" }, h("summary", {}, "The whole report"), body);
  details.addEventListener("toggle", () => { if (details.open && !details.dataset.loaded) loadReport(body, voice, details); }, { once: false });
  parts.push(details);
  container.replaceChildren(...parts);
}

const FIGURES = [
  ["speaker_similarity", "Speaker similarity", 3], ["same_speaker_probability", "Same-speaker probability", 2],
  ["dnsmos_ovrl", "Naturalness (DNSMOS OVRL, 1-5)", 2], ["wer", "Word error rate", 3], ["quality_score", "Quality score", 2],
];

function figures(headline) {
  const rows = FIGURES.filter(([key]) => headline[key] !== null && headline[key] !== undefined);
  return h("dl", { class: "metrics" }, rows.flatMap(([key, label, digits]) => [h("dt", {}, label), h("dd", {}, formatNumber(headline[key], digits))]));
}

async function loadReport(body, voice, details) {
  details.dataset.loaded = "true";
  try {
    const view = await api("GET", `/api/voices/${voice.voice_id}/quality`);
    const report = view.report;
    if (!report) { body.replaceChildren(h("p", { class: "muted" }, view.message || "No report.")); return; }
    body.replaceChildren(
      report.reasons?.length ? h("ul", { class: "reasons" }, report.reasons.map((text) => h("li", {}, text))) : h("p", {}, "No reason to doubt this voice at its target."),
      report.notes?.length ? h("ul", { class: "muted" }, report.notes.map((text) => h("li", {}, text))) : null,
      h("table", {}, h("caption", {}, "Per quality target"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Target"), h("th", { scope: "col" }, "Passes"), h("th", { scope: "col" }, "Why not"))),
        h("tbody", {}, Object.entries(report.verdicts || {}).map(([target, verdict]) => h("tr", {},
          h("td", {}, target), h("td", {}, verdict.passed ? "yes" : "no"), h("td", {}, verdict.reasons.join(" ")))))),
      h("p", { class: "muted" }, `${report.sentences?.length ?? 0} test sentences, ${report.training_clips} training clips, ` +
        `encoder ${report.encoder || "none"}, ${formatNumber(report.seconds)} s to evaluate.`),
    );
  } catch (error) {
    if (error.status === 404 && voice.quality_report) body.replaceChildren(reportList(voice.quality_report));
    else body.replaceChildren(h("p", { class: error.status === 404 ? "muted" : "form-error" },
      error.status === 404 ? "This API has no quality reports." : error.message));
  }
}

function reportList(report) {
  return h("dl", { class: "metrics" }, Object.entries(report).flatMap(([key, value]) => [
    h("dt", {}, key.replace(/_/g, " ")),
    h("dd", {}, value !== null && typeof value === "object" ? (Array.isArray(value) && value.every((v) => typeof v !== "object")
      ? value.join("; ") : reportList(value)) : typeof value === "number" ? (Number.isInteger(value) ? String(value) : formatNumber(value, 3)) : String(value)),
  ]));
}

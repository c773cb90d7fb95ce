// Usage: characters this month against the plan, jobs running against the concurrency limit (GET /api/me).
import { api } from "../api.js";
import { h } from "../dom.js";

export function render(main, { onUnauthorized }) {
  const body = h("div", { id: "usage" }, h("p", {}, "Loading…"));
  const refresh = h("button", { type: "button", class: "secondary" }, "Refresh");
  const load = () => api("GET", "/api/me").then((me) => body.replaceChildren(...usageView(me))).catch((error) => {
    if (error.status === 401) onUnauthorized(); else body.replaceChildren(h("p", { class: "form-error", role: "alert" }, error.message));
  });
  refresh.addEventListener("click", load);
  main.append(h("h2", {}, "Usage"), h("section", { class: "card" }, body, refresh));
  load();
}

function gauge(id, label, used, limit, unit) {
  return h("div", { class: "gauge" },
    h("label", { for: id }, label),
    h("meter", { id, min: 0, max: limit, value: Math.min(used, limit), high: limit * 0.8, optimum: 0 }),
    h("p", { "data-gauge": id }, `${used.toLocaleString("en")} of ${limit.toLocaleString("en")} ${unit}`));
}

function usageView(me) {
  const { limits, usage } = me;
  return [
    h("p", {}, `Plan: `, h("strong", { id: "plan" }, me.plan), ` · month ${usage.month}`),
    gauge("characters-used", "Characters this month", usage.characters, limits.monthly_characters, "characters"),
    gauge("jobs-running", "Jobs running", usage.active_jobs, limits.concurrent_jobs, "jobs at once"),
    gauge("voices-count", "Voices", usage.voices, limits.max_voices, "voices"),
    h("p", { class: "muted" }, `Up to ${limits.max_text_length.toLocaleString("en")} characters per request; ` +
      `${usage.characters_remaining.toLocaleString("en")} characters left this month; ${usage.tts_jobs} speech jobs this month.`),
  ];
}

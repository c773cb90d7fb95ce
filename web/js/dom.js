// Tiny DOM helpers: h() builds elements (text children are text nodes, never HTML), announce() speaks.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let idCounter = 0;
export function uniqueId(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form control with its error slot (aria-describedby points at it). */
export function field(label, control, hint) {
  control.id ||= uniqueId("field");
  const error = h("p", { class: "field-error", id: `${control.id}-error`, "data-error-for": control.name || "" });
  const hintElement = hint ? h("p", { class: "muted", id: `${control.id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby", [hintElement?.id, error.id].filter(Boolean).join(" "));
  return h("div", { class: "field" }, h("label", { for: control.id }, label), hintElement, control, error);
}

export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 30);
}

export function statusBadge(status) {
  return h("span", { class: `status status-${status}` }, status);
}

export function formatNumber(value, digits = 1) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

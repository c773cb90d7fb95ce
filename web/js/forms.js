// The API's error messages next to what caused them: a validation_error names its fields ("text: …"),
// which map to the form's controls by name; anything else goes to the form's own error line.
import { ApiError } from "./api.js";
import { announce } from "./dom.js";

export function clearErrors(form) {
  for (const slot of form.querySelectorAll(".field-error, .form-error")) slot.textContent = "";
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

/** `codeFields`: error codes that concern one field, e.g. {samples_not_usable: "sample_ids"}. */
export function showError(form, error, codeFields = {}) {
  clearErrors(form);
  const messages = error instanceof ApiError ? error.fieldMessages(codeFields) : { "": error.message };
  let first = null;
  for (const [name, message] of Object.entries(messages)) {
    const control = name ? controlFor(form, name) : null;
    const slot = control ? form.querySelector(`#${CSS.escape(control.id)}-error`) : form.querySelector(".form-error");
    if (control) control.setAttribute("aria-invalid", "true");
    if (slot) slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
    first ||= control;
  }
  if (!first) {
    const formSlot = form.querySelector(".form-error");
    if (formSlot && !formSlot.textContent) formSlot.textContent = Object.values(messages).join("; ");
  }
  (first || form.querySelector(".form-error"))?.focus?.();
  announce(`Error: ${Object.values(messages).join("; ")}`);
}

export function formError() {
  const slot = document.createElement("p");
  slot.className = "form-error";
  slot.setAttribute("role", "alert");
  slot.tabIndex = -1;
  return slot;
}

/** The control named by an error path: "voice_settings.speed", else its first segment "voice_settings". */
function controlFor(form, path) {
  const segments = path.split(".");
  for (let length = segments.length; length > 0; length -= 1) {
    const name = segments.slice(0, length).join(".");
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (control) return control;
  }
  return null;
}

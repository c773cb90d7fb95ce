// The API client: bearer token from auth.js, JSON in and out, errors as ApiError with the API's code/message.
import { currentToken } from "./auth.js";

let apiBase = "";
export function setApiBase(url) { apiBase = (url || "").replace(/\/$/, ""); }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /** "a.b: msg; c: msg" (validation_error) as {"a.b": "a.b: msg", c: "c: msg"}; unnamed parts under "". */
  fieldMessages(codeFields = {}) {
    const byField = {};
    for (const part of this.message.split("; ")) {
      const match = /^([a-z_][\w.]*): /.exec(part);
      const name = this.code === "validation_error" && match ? match[1] : (codeFields[this.code] || "");
      byField[name] = byField[name] ? `${byField[name]}; ${part}` : part;
    }
    return byField;
  }
}

export async function api(method, path, body, { headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  const token = currentToken();
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${apiBase}${path}`, init);
  } catch (error) {
    throw new ApiError(0, "network_error", `The API could not be reached (${error.message}).`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const detail = data?.error;
    throw new ApiError(response.status, detail?.code || "http_error", detail?.message || `HTTP ${response.status}`);
  }
  return data;
}

/** Upload `file` with a presigned POST ({url, fields}); onProgress(0..1). Resolves on 2xx. */
export function uploadPresigned(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append("file", file);
    const request = new XMLHttpRequest();
    request.open("POST", upload.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) { onProgress(1); resolve(); return; }
      const s3Message = /<Message>([^<]*)<\/Message>/.exec(request.responseText || "")?.[1];
      reject(new ApiError(request.status, "upload_failed", s3Message || `The upload was refused (HTTP ${request.status}).`));
    });
    request.addEventListener("error", () => reject(new ApiError(0, "upload_failed", "The upload could not reach storage.")));
    request.send(form);
  });
}

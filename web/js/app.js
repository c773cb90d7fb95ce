// The console's shell: runtime config, sign-in, hash routing between the pages, focus on navigation.
import { setApiBase } from "./api.js";
import * as auth from "./auth.js";
import { h, field, announce } from "./dom.js";
import { formError, showError } from "./forms.js";
import * as samples from "./pages/samples.js";
import * as voices from "./pages/voices.js";
import * as speak from "./pages/speak.js";
import * as usage from "./pages/usage.js";

const PAGES = { samples, voices, speak, usage };
const TITLES = { samples: "Samples", voices: "Voices", speak: "Speak", usage: "Usage" };
let config = { api_url: "", auth: { mode: "local" } };
let leavePage = null;

async function start() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (response.ok) config = { ...config, ...(await response.json()) };
  } catch { /* keep the local defaults */ }
  setApiBase(config.api_url);
  auth.configureAuth(config.auth);
  document.getElementById("sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  if (auth.authMode() === "cognito") {
    try { await auth.finishCognitoSignIn(); } catch (error) { renderSignIn(error); return; }
  }
  route();
}

function signOut() {
  if (auth.authMode() === "cognito") { auth.cognitoSignOut(); return; }
  auth.signOutLocally();
  announce("Signed out");
  route();
}

function route() {
  leavePage?.();
  leavePage = null;
  const main = document.getElementById("main");
  const signedIn = Boolean(auth.currentToken());
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("session").hidden = !signedIn;
  if (!signedIn) { renderSignIn(); return; }
  document.getElementById("session-user").textContent = `Signed in as ${auth.currentUser()}`;
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1];
  const page = PAGES[name] ? name : "samples";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${TITLES[page]} · voiceclone console`;
  main.replaceChildren();
  leavePage = PAGES[page].render(main, { onUnauthorized: expired }) || null;
  main.focus();
}

function expired() {
  auth.signOutLocally();
  route();
  announce("Your session has ended; sign in again.");
}

function renderSignIn(error) {
  const main = document.getElementById("main");
  document.title = "Sign in · voiceclone console";
  main.replaceChildren(h("h2", {}, "Sign in"));
  if (auth.authMode() === "cognito") {
    const form = h("form", { "aria-label": "Sign in" }, formError(),
      h("button", { type: "submit" }, "Sign in with your account"));
    form.addEventListener("submit", (event) => { event.preventDefault(); auth.startCognitoSignIn(); });
    main.append(form);
    if (error) showError(form, error);
  } else if (auth.authMode() === "local") {
    main.append(localSignIn());
  }
  main.append(tokenSignIn(auth.authMode() === "token"));
}

function localSignIn() {
  const user = h("input", { type: "text", name: "user", autocomplete: "username", required: true,
                            value: localStorage.getItem("voiceclone.localUser") || "alice" });
  const form = h("form", { "aria-label": "Sign in as a local user", id: "local-sign-in" },
    h("p", {}, "Local platform: pick any user name; the local gateway issues a token for it (no password)."),
    field("User name", user), formError(), h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await auth.signInLocal(config.api_url || "", user.value.trim());
      localStorage.setItem("voiceclone.localUser", user.value.trim());
      announce(`Signed in as ${user.value.trim()}`);
      route();
    } catch (failure) {
      showError(form, failure);
    }
  });
  return form;
}

/** A pasted JWT: the only way in with an external issuer ("token" mode), a fallback otherwise. */
function tokenSignIn(only) {
  const token = h("textarea", { name: "token", rows: 3, spellcheck: "false" });
  const form = h("form", { "aria-label": "Sign in with a token" },
    field("Or paste a token (JWT)", token, "e.g. the output of: voiceclone token --user alice"), formError(),
    h("button", { type: "submit", class: "secondary" }, "Use this token"));
  const details = only ? form : h("details", {}, h("summary", {}, "Use a token instead"), form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    try { auth.useToken(token.value.trim()); route(); } catch (failure) { showError(form, failure); }
  });
  return details;
}

start();

// Who is signed in. Tokens live in this module's memory only (a reload signs out); the PKCE verifier and
// state survive the Cognito redirect in sessionStorage (they are not credentials on their own).
import { ApiError } from "./api.js";

let session = null; // {token, user, expiresAt}
let authConfig = { mode: "local" };
const PKCE_KEY = "voiceclone.pkce";

export function configureAuth(config) { authConfig = config || { mode: "local" }; }
export function authMode() { return authConfig.mode; }
export function currentToken() {
  if (session && session.expiresAt && Date.now() > session.expiresAt) session = null;
  return session?.token || null;
}
export function currentUser() { return currentToken() ? session.user : null; }

export function useToken(token) {
  const claims = decodeClaims(token);
  if (!claims?.sub) throw new Error("That is not a JWT with a subject (sub).");
  session = { token, user: claims.email || claims.username || claims["cognito:username"] || claims.sub,
              expiresAt: claims.exp ? claims.exp * 1000 : null };
}

export function signOutLocally() { session = null; }

/** Local platform: the local gateway's dev-only token endpoint (GET /local/token, never deployed). */
export async function signInLocal(apiBase, user) {
  const response = await fetch(`${apiBase}/local/token?user=${encodeURIComponent(user)}`);
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, data?.error?.code || "http_error",
                       data?.error?.message || `Sign-in failed (HTTP ${response.status}).`);
  }
  useToken(data.token);
}

function redirectUri() { return authConfig.redirect_uri || `${location.origin}${location.pathname}`; }

/** Cognito hosted UI: authorization code with PKCE (S256). */
export async function startCognitoSignIn() {
  const verifier = randomString(64);
  const state = randomString(24);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const query = new URLSearchParams({
    response_type: "code", client_id: authConfig.client_id, redirect_uri: redirectUri(),
    scope: (authConfig.scopes || ["openid", "email", "profile"]).join(" "),
    state, code_challenge: challenge, code_challenge_method: "S256",
  });
  location.assign(`${authConfig.domain}/oauth2/authorize?${query}`);
}

/** Back from the hosted UI with ?code=&state=: exchange the code; false when this is not such a return. */
export async function finishCognitoSignIn() {
  const query = new URLSearchParams(location.search);
  if (!query.has("code") && !query.has("error")) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  if (query.has("error")) throw new Error(query.get("error_description") || query.get("error"));
  if (!saved || saved.state !== query.get("state")) throw new Error("The sign-in answer does not match this page's request; sign in again.");
  const response = await fetch(`${authConfig.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", client_id: authConfig.client_id, code: query.get("code"),
      redirect_uri: redirectUri(), code_verifier: saved.verifier,
    }),
  });
  const tokens = await response.json().catch(() => null);
  if (!response.ok || !tokens?.access_token) throw new Error(tokens?.error_description || tokens?.error || "The code exchange failed.");
  useToken(tokens.access_token);
  const idClaims = decodeClaims(tokens.id_token || "");
  if (idClaims?.email) session.user = idClaims.email;
  return true;
}

export function cognitoSignOut() {
  session = null;
  const query = new URLSearchParams({ client_id: authConfig.client_id, logout_uri: authConfig.logout_uri || redirectUri() });
  location.assign(`${authConfig.domain}/logout?${query}`);
}

function decodeClaims(token) {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    return JSON.parse(json);
  } catch { return null; }
}

function randomString(bytes) { return base64Url(crypto.getRandomValues(new Uint8Array(bytes))); }
function base64Url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

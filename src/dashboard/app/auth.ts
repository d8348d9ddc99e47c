import { byId } from "./dom.ts";

const KEY = "tacstream.token";

/** The token lives in sessionStorage only: gone with the tab, never written to disk by the page. */
export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Storage disabled: nothing was stored.
  }
}

/** Shows the token dialog and resolves with what the operator entered (kept for this tab). */
export function askToken(reason: string): Promise<string> {
  const dialog = byId<HTMLDialogElement>("token-dialog");
  const input = dialog.querySelector("input") as HTMLInputElement;
  byId("token-reason").textContent = reason;
  input.value = "";
  return new Promise((resolve) => {
    const onClose = () => {
      const token = input.value.trim();
      if (token === "") {
        dialog.showModal();
        return;
      }
      dialog.removeEventListener("close", onClose);
      try {
        sessionStorage.setItem(KEY, token);
      } catch {
        // Storage disabled: the token still works for this page view.
      }
      resolve(token);
    };
    dialog.addEventListener("close", onClose);
    if (!dialog.open) dialog.showModal();
  });
}

/** `fetch` with the stored token, if any. */
export function authFetch(path: string): Promise<Response> {
  const token = storedToken();
  return fetch(path, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
}

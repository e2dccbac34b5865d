import { ApiError, type Me, post } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

export function renderLogin(root: HTMLElement, onLogin: (me: Me) => void): void {
  const error = h("p", { class: "error", role: "alert" });
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", {
    id: "password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const form = h(
    "form",
    { class: "login", "aria-label": t("login") },
    h("h1", {}, `${t("appName")} · CCTV`),
    h("label", { for: "username" }, t("username")),
    username,
    h("label", { for: "password" }, t("password")),
    password,
    h("button", { type: "submit" }, t("login")),
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      onLogin(await post<Me>("/api/v1/auth/login/", { username: username.value, password: password.value }));
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 400 ? t("loginFailed") : String(err);
    }
  });
  root.replaceChildren(h("main", { class: "login-page" }, form));
  username.focus();
}

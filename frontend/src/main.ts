// Entry point: session check, role-aware navigation, hash routing between the three screens.

import "./styles.css";

import { api, ApiError, type District, type Me, post } from "./api";
import { h } from "./dom";
import { lang, setLang, type StringKey, t } from "./i18n";
import { renderAgent } from "./pages/agent";
import { renderLogin } from "./pages/login";
import { renderPlanning } from "./pages/planning";
import { renderRegistry } from "./pages/registry";

type Screen = "agent" | "planning" | "registry";

const SCREENS: Record<string, Screen[]> = {
  agent: ["agent"],
  supervisor: ["agent", "planning"],
  planner: ["planning", "registry"],
  admin: ["registry", "agent", "planning"],
};
const LABEL: Record<Screen, StringKey> = { agent: "agentConsole", planning: "planning", registry: "registry" };

const app = document.getElementById("app") as HTMLElement;
let teardown: (() => void) | void;

async function boot(): Promise<void> {
  try {
    start(await api<Me>("/api/v1/me/"));
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) renderLogin(app, start);
    else app.textContent = `Cannot reach the server: ${String(err)}`;
  }
}

function start(me: Me): void {
  const screens = SCREENS[me.role ?? ""] ?? [];
  void api<District[]>("/api/v1/districts/").then((districts) => {
    const show = () => {
      const wanted = window.location.hash.replace("#/", "") as Screen;
      const screen = screens.includes(wanted) ? wanted : screens[0];
      if (teardown) teardown();
      const nav = h(
        "nav",
        { "aria-label": "Main" },
        h("strong", { class: "brand" }, t("appName")),
        ...screens.map((s) => h("a", { href: `#/${s}`, "aria-current": s === screen ? "page" : null }, t(LABEL[s]))),
        h("span", { class: "who" }, `${me.username} (${me.role})`),
        h("button", { type: "button", onclick: () => { setLang(lang() === "en" ? "ko" : "en"); show(); } }, t("language")),
        h("button", { type: "button", onclick: () => void post("/api/v1/auth/logout/", {}).then(() => window.location.reload()) }, t("logout")),
      );
      const body = h("div", { class: "screen" });
      app.replaceChildren(nav, body);
      if (screen === "agent") teardown = renderAgent(body, me, districts);
      else if (screen === "planning") teardown = renderPlanning(body, districts);
      else if (screen === "registry") renderRegistry(body, me, districts);
      else body.textContent = "This account has no role yet: ask an admin.";
      document.documentElement.lang = lang();
    };
    window.onhashchange = show;
    show();
  });
}

void boot();

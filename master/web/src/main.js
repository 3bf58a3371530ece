// main.js - the page's wiring: languages from GET /languages, code kept per language in
// localStorage, share links (#lang=..&code=..), Run (button, Ctrl+Enter), the judge tab.
import { createEditor } from "./editor.js";
import { template } from "./templates.js";
import { getLanguages, execute } from "./api.js";
import { paint, runStats } from "./format.js";
import { addTest, readTests, clearVerdicts, showJudge } from "./judge.js";

const $ = (id) => document.getElementById(id);
const store = {
  get: (k) => {
    try { return localStorage.getItem("executioner." + k); } catch (e) { return null; }
  },
  set: (k, v) => { try { localStorage.setItem("executioner." + k, v); } catch (e) { /* full */ } },
};
let current = "";
let busy = false;
let loading = false; /* setCode from a language switch is not a user edit */

const editor = createEditor($("editor"), {
  onRun: () => run(),
  onChange: () => { if (!loading && current) store.set("code." + current, editor.getCode()); },
});

function message(text, kind) {
  const m = $("message");
  m.textContent = text || "";
  m.className = "message " + (kind || "error");
  m.hidden = !text;
}

function selectLanguage(id, code) {
  current = id;
  $("language").value = id;
  store.set("language", id);
  loading = true;
  editor.setLanguage(id);
  editor.setCode(code ?? store.get("code." + id) ?? template(id));
  loading = false;
  if (code !== undefined)
    store.set("code." + id, code);
}

// base64url of UTF-8, so any code survives the URL fragment.
function encode(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes)
    bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decode(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

function fromFragment() {
  const p = new URLSearchParams(location.hash.slice(1));
  const lang = p.get("lang");
  if (!lang || ![...$("language").options].some((o) => o.value === lang))
    return false;
  try {
    selectLanguage(lang, p.has("code") ? decode(p.get("code")) : undefined);
  } catch (e) {
    message("The shared link's code could not be decoded.");
    selectLanguage(lang);
  }
  return true;
}

async function share() {
  const url = location.origin + location.pathname + "#lang=" + encodeURIComponent(current) +
    "&code=" + encode(editor.getCode());
  history.replaceState(null, "", url);
  const box = $("sharelink");
  box.value = url;
  box.hidden = false;
  box.select();
  try {
    await navigator.clipboard.writeText(url);
    message("Link copied to the clipboard.", "info");
  } catch (e) {
    message("Copy the link below to share this program.", "info");
  }
}

function key() {
  return $("apikey").value.trim();
}

function needKey() {
  $("keybox").hidden = false;
  $("apikey").focus();
}

async function loadLanguages() {
  let langs;
  try {
    langs = await getLanguages(key());
  } catch (e) {
    message(e.message);
    if (e.status === 401)
      needKey();
    return;
  }
  const sel = $("language");
  sel.replaceChildren(...langs.map((l) => new Option(`${l.name} ${l.version}`, l.id)));
  message("");
  if (!fromFragment()) {
    const last = store.get("language");
    const first = langs.find((l) => l.id === "python") || langs[0];
    selectLanguage(langs.some((l) => l.id === last) ? last : first.id);
  }
}

function num(id) {
  const v = parseFloat($(id).value);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function baseRequest() {
  const req = { language: current, source_code: editor.getCode() };
  const t = num("time"), m = num("memory");
  if (t !== undefined)
    req.time_limit = t;
  if (m !== undefined)
    req.memory_limit_mb = m;
  return req;
}

function setBusy(on) {
  busy = on;
  $("spinner").hidden = !on;
  $("run").disabled = $("judge").disabled = on;
  document.body.classList.toggle("busy", on);
}

async function send(req) {
  if (busy || !current)
    return undefined; /* nothing sent, nothing to count */
  setBusy(true);
  message("");
  try {
    return await execute(key(), req);
  } catch (e) {
    message(e.message);
    if (e.status === 401)
      needKey();
    return null;
  } finally {
    setBusy(false);
  }
}

/* Counts the answers shown (data-runs on <body>): the page's tests wait on it. */
function done() {
  document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
}

/* Sends req (Run or Judge); an answer is shown with show, and counted unless nothing was sent. */
async function sendAndShow(req, show) {
  const r = await send(req);
  if (r === undefined)
    return;
  if (r)
    show(r);
  done();
}

function showRun(r) {
  paint($("status"), r.status, false);
  $("stats").textContent = runStats(r);
  $("stdout").textContent = r.stdout || "";
  $("stdout-box").hidden = r.status === "compile_error" && !r.stdout;
  $("stderr").textContent = r.stderr || "";
  $("stderr-box").hidden = !r.stderr;
  $("compile").textContent = r.compile_output || "";
  $("compile-box").hidden = !r.compile_output;
  $("result").hidden = false;
}

async function run() {
  if (!$("pane-judge").hidden)
    return judge();
  const req = baseRequest();
  req.stdin = $("stdin").value;
  const args = $("args").value.trim();
  if (args)
    req.args = args.split(/\s+/);
  await sendAndShow(req, showRun);
}

async function judge() {
  const tests = readTests();
  if (!tests.length) {
    message("Add at least one test.");
    return;
  }
  clearVerdicts();
  const req = baseRequest();
  req.tests = tests;
  req.compare = $("compare").value;
  await sendAndShow(req, showJudge);
}

function tab(which) {
  for (const t of ["run", "judge"]) {
    $("tab-" + t).classList.toggle("active", t === which);
    $("tab-" + t).setAttribute("aria-selected", String(t === which));
    $("pane-" + t).hidden = t !== which;
  }
}

$("language").addEventListener("change", (e) => selectLanguage(e.target.value));
$("template").addEventListener("click", () => { if (current) editor.setCode(template(current)); });
$("share").addEventListener("click", share);
$("run").addEventListener("click", run);
$("judge").addEventListener("click", judge);
$("add-test").addEventListener("click", () => addTest("", "").cells[1].firstChild.focus());
$("tab-run").addEventListener("click", () => tab("run"));
$("tab-judge").addEventListener("click", () => tab("judge"));
$("apikey").addEventListener("change", () => {
  store.set("apikey", key());
  if (!current)
    loadLanguages();
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
    e.preventDefault();
    run();
  }
});
window.addEventListener("hashchange", fromFragment);

$("apikey").value = store.get("apikey") || "";
if (key())
  $("keybox").hidden = false;
addTest("", "");
loadLanguages();

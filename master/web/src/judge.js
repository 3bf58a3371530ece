// judge.js - the judge tab: a table of tests (input, expected output) the user can add to or
// remove from, sent in one judge-mode request, with each test's verdict, time and memory.
import { paint, ms, mem, ending } from "./format.js";

const $ = (id) => document.getElementById(id);

function cell(row, cls) {
  const td = document.createElement("td");
  if (cls)
    td.className = cls;
  row.appendChild(td);
  return td;
}

function area(label, value) {
  const t = document.createElement("textarea");
  t.rows = 2;
  t.spellcheck = false;
  t.setAttribute("aria-label", label);
  t.value = value || "";
  return t;
}

function renumber() {
  [...$("tests").rows].forEach((r, i) => { r.cells[0].textContent = String(i + 1); });
}

export function addTest(input, expected) {
  const row = document.createElement("tr");
  row.className = "test";
  cell(row, "num");
  cell(row, "in").appendChild(area("Input", input));
  cell(row, "exp").appendChild(area("Expected output", expected));
  cell(row, "verdict");
  const del = document.createElement("button");
  del.type = "button";
  del.className = "del";
  del.title = "Remove this test";
  del.textContent = "×";
  del.addEventListener("click", () => { row.remove(); renumber(); });
  cell(row, "act").appendChild(del);
  $("tests").appendChild(row);
  renumber();
  return row;
}

export function readTests() {
  return [...$("tests").rows].map((r) => ({
    stdin: r.cells[1].firstChild.value,
    expected_output: r.cells[2].firstChild.value,
  }));
}

export function clearVerdicts() {
  for (const r of $("tests").rows)
    r.cells[3].replaceChildren();
  $("judge-result").hidden = true;
}

function showTest(row, t) {
  const td = row.cells[3];
  const v = document.createElement("span");
  paint(v, t.verdict, true);
  const info = document.createElement("div");
  info.className = "stats";
  info.textContent = [ms(t.execution_time_ms), mem(t.memory_used_kb),
    t.verdict === "runtime_error" ? ending(t) : ""].filter(Boolean).join(" · ");
  td.replaceChildren(v, info);
  if (t.verdict === "wrong_answer" || t.verdict === "runtime_error")
    td.title = "stdout:\n" + (t.stdout || "") + (t.stderr ? "\nstderr:\n" + t.stderr : "");
}

export function showJudge(res) {
  const rows = [...$("tests").rows];
  (res.tests || []).forEach((t, i) => { if (rows[i]) showTest(rows[i], t); });
  paint($("verdict"), res.verdict, true);
  const passed = res.passed !== undefined ? `${res.passed}/${res.total} passed` : "";
  $("judge-stats").textContent = passed;
  $("judge-compile").textContent = res.compile_output || "";
  $("judge-compile-box").hidden = !res.compile_output;
  $("judge-result").hidden = false;
}

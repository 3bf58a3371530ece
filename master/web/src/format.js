// format.js - words and colours for statuses and verdicts, and the numbers of a run
// (exit code or signal, wall and CPU time, peak memory) as one short line.

// An outcome both modes know reads the same in a run (STATUS) and in a judged test (VERDICT).
const SHARED = {
  compile_error: ["Compilation error", "bad"],
  runtime_error: ["Runtime error", "bad"],
  output_limit_exceeded: ["Output limit exceeded", "warn"],
  internal_error: ["Internal error", "muted"],
};
const TIME_LIMIT = ["Time limit exceeded", "warn"];
const MEMORY_LIMIT = ["Memory limit exceeded", "warn"];

const STATUS = {
  ...SHARED,
  ok: ["OK", "good"],
  timeout: TIME_LIMIT,
  memory_exceeded: MEMORY_LIMIT,
};

const VERDICT = {
  ...SHARED,
  accepted: ["Accepted", "good"],
  wrong_answer: ["Wrong answer", "bad"],
  time_limit_exceeded: TIME_LIMIT,
  memory_limit_exceeded: MEMORY_LIMIT,
  skipped: ["Skipped", "muted"],
};

function words(table, key) {
  return table[key] || [String(key || "unknown").replace(/_/g, " "), "muted"];
}

// Sets an element's text and colour class from a status (run) or a verdict (judge).
export function paint(el, key, judge) {
  const [text, tone] = words(judge ? VERDICT : STATUS, key);
  el.textContent = text;
  el.className = "status " + tone;
  el.dataset.status = key || "";
}

export function ms(v) {
  if (v === null || v === undefined)
    return "–";
  return v >= 1000 ? (v / 1000).toFixed(2) + " s" : Math.round(v) + " ms";
}

export function mem(kb) {
  if (kb === null || kb === undefined)
    return "–";
  return kb >= 1024 ? (kb / 1024).toFixed(1) + " MB" : kb + " KB";
}

export function ending(r) {
  if (r.signal)
    return "signal " + r.signal;
  if (r.exit_code !== null && r.exit_code !== undefined)
    return "exit code " + r.exit_code;
  return "";
}

// "exit code 0 · 15 ms wall · 12 ms CPU · 7.5 MB"
export function runStats(r) {
  const has = (v) => v !== null && v !== undefined;
  const parts = [ending(r), has(r.execution_time_ms) ? ms(r.execution_time_ms) + " wall" : "",
    has(r.cpu_time_ms) ? ms(r.cpu_time_ms) + " CPU" : "",
    has(r.memory_used_kb) ? mem(r.memory_used_kb) + " peak" : ""];
  if (r.compile_time_ms)
    parts.push("compile " + ms(r.compile_time_ms));
  return parts.filter(Boolean).join(" · ");
}

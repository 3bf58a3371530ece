"""test_ops.py - the operations features through the real binary: Prometheus /metrics (format,
promtool, counters, histograms, gauges, worker restarts), admission control (global and per-IP
token buckets, the concurrency cap: 429 + Retry-After, no trace in execution counters), API
keys, CORS, the access log and JSON log format, and configuration precedence (file < env <
flag) with --check-config."""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

import harness
from harness import Server, check, child_pids, shared_server, wait_until, in_thread, joined

PY_OK = "print('ok')"
C_BROKEN = "int main(void) { this is not C }\n"
KEYS = ("key-one-12345", "key-two-67890")


# ---------------------------------------------------------------------------------------------
# local helpers



def hdr(headers, name):
    """A response header, case-insensitively (None when absent)."""
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Exposition text -> {(name, ((label, value), ...sorted)): float}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        check(m, f"unparseable metrics line: {line!r}")
        labels = tuple(sorted(_LABEL.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def mget(m, name, **labels):
    """The value of one series (None when absent)."""
    return m.get((name, tuple(sorted(labels.items()))))


def msum(m, name):
    return sum(v for (n, _), v in m.items() if n == name)


def scrape(s):
    st, text, h = s.request("GET", "/metrics")
    check(st == 200, f"/metrics: HTTP {st}: {text}")
    check(isinstance(text, str), f"/metrics body is not text: {text!r}")
    return text, h


def metrics(s):
    return parse_metrics(scrape(s)[0])


def promtool(text):
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).strip()




def port_refuses(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except OSError:
        return True


def shipped_config():
    return os.path.join(harness.ROOT, "executioner.conf")


def temp_config(text):
    fd, path = tempfile.mkstemp(prefix="executioner-itest-", suffix=".conf", dir=harness.temp_config_dir())
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def clean_env(**extra):
    """os.environ without any EXECUTIONER_* variable, plus extra."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("EXECUTIONER_")}
    e.update(extra)
    return e


def check_config(path, env):
    return subprocess.run([harness.BINARY, "-c", path, "--check-config"], env=env, capture_output=True,
                          text=True, timeout=30)


def expect_json_error(st, js, code, what):
    check(st == code, f"{what}: expected HTTP {code}, got {st}: {js}")
    check(isinstance(js, dict) and isinstance(js.get("error"), str) and js["error"],
          f"{what}: the body is not a JSON object with an \"error\": {js!r}")


def expect_429(s, method, path, body, limit, what):
    t0 = time.time()
    st, js, h = s.request(method, path, body, timeout=30)
    dt = time.time() - t0
    expect_json_error(st, js, 429, what)
    ra = hdr(h, "Retry-After")
    check(ra is not None and ra.isdigit() and int(ra) >= 1, f"{what}: Retry-After must be a positive integer: {h}")
    check(dt < 1.5, f"{what}: the 429 took {dt:.2f}s (should be immediate)")
    return int(ra), js


# ---------------------------------------------------------------------------------------------
# /metrics


def test_metrics_content_type_and_promtool_check():
    s = shared_server()
    s.run("python", PY_OK)
    st, js = s.execute({"language": "c", "source_code": C_BROKEN})
    check(st == 200 and js.get("status") == "compile_error", f"C compile error: {st} {js}")
    text, h = scrape(s)
    ct = hdr(h, "Content-Type") or ""
    check(ct.startswith("text/plain") and "version=0.0.4" in ct, f"Content-Type: {ct!r}")
    rc, out = promtool(text)
    print(f"    promtool check metrics: exit {rc}; output: {out or '(none)'}")
    # exit 1 is a parse/format error; 3 means only lint problems were found
    check(rc != 1, f"promtool cannot parse /metrics (exit {rc}): {out}")
    check(rc == 0, f"promtool check metrics exited {rc} (lint problems): {out}")


def test_metrics_counters_histograms_gauges_and_worker_restarts():
    n = 3
    with Server(workers=2) as s:
        s.wait_ready()
        before = metrics(s)
        for i in range(n):
            r = s.run("python", f"print({i})")
            check(r["status"] == "ok", r)
        st, js = s.execute({"language": "c", "source_code": C_BROKEN})
        check(st == 200 and js.get("status") == "compile_error", f"C compile error: {st} {js}")
        after = metrics(s)

        def delta(name, **lb):
            return (mget(after, name, **lb) or 0) - (mget(before, name, **lb) or 0)

        d = delta("executioner_executions_total", language="python", status="ok")
        check(d == n, f"executions_total{{python,ok}} grew by {d}, expected {n}")
        d = delta("executioner_executions_total", language="c", status="compile_error")
        check(d == 1, f"executions_total{{c,compile_error}} grew by {d}, expected 1")
        d = msum(after, "executioner_executions_total") - msum(before, "executioner_executions_total")
        check(d == n + 1, f"executions_total grew by {d} in all, expected {n + 1}")
        h = "executioner_execution_duration_seconds"
        d = delta(h + "_count", language="python", phase="total")
        check(d == n, f"{h}_count{{python,total}} grew by {d}, expected {n}")
        for ph in ("queue", "run", "total"):
            check(mget(after, h + "_count", language="python", phase=ph) is not None, f"no python phase {ph}")
            check(mget(after, h + "_sum", language="python", phase=ph) is not None, f"no python _sum {ph}")
        for ph in ("compile", "queue", "total"):
            check(mget(after, h + "_count", language="c", phase=ph), f"no c phase {ph} (or 0)")
        # a histogram is cumulative: buckets never decrease and +Inf is the count
        prev = 0
        les = sorted(((float(dict(lb)["le"]), v) for (nm, lb), v in after.items()
                      if nm == h + "_bucket" and dict(lb).get("language") == "python"
                      and dict(lb).get("phase") == "total"))
        check(les and les[-1][0] == float("inf"), f"python total buckets: {les}")
        for le, v in les:
            check(v >= prev, f"bucket le={le} is {v} < {prev}")
            prev = v
        check(les[-1][1] == mget(after, h + "_count", language="python", phase="total"), "+Inf != _count")
        d = delta("executioner_requests_total", endpoint="/execute", code="200")
        check(d == n + 1, f"requests_total{{/execute,200}} grew by {d}, expected {n + 1}")
        check(mget(after, "executioner_pool_ready", language="python") is not None, "no pool_ready{python}")
        check(mget(after, "executioner_workers_alive") == 2, f"workers_total: {mget(after, 'executioner_workers_alive')}")
        check(mget(after, "executioner_queue_depth") is not None, "no queue_depth")
        created = mget(after, "executioner_containers_created_total")
        check(created is not None and created >= 2, f"containers_created_total: {created}")
        check(any(nm == "executioner_build_info" and v == 1 for (nm, _), v in after.items()), "no build_info 1")

        # a worker killed with SIGKILL is respawned and counted
        restarts0 = mget(after, "executioner_worker_restarts_total")
        check(restarts0 is not None, "no worker_restarts_total")
        pids = child_pids(s.proc.pid)
        check(len(pids) == 2, f"expected 2 worker processes, ps says {pids}")
        mark = len(s.lines)
        os.kill(pids[0], signal.SIGKILL)
        s.wait_log(f"(pid {pids[0]}) killed by signal 9", 15, start=mark)
        s.wait_log("respawned", 15, start=mark)
        m = metrics(s)
        check(mget(m, "executioner_worker_restarts_total") == restarts0 + 1,
              f"worker_restarts_total {restarts0} -> {mget(m, 'executioner_worker_restarts_total')}")
        check(mget(m, "executioner_workers_alive") == 2, f"workers_total after respawn: {mget(m, 'executioner_workers_alive')}")
        r = s.run("python", PY_OK)
        check(r["status"] == "ok", f"after the respawn: {r}")


# ---------------------------------------------------------------------------------------------
# admission control: 429


def _rate_test(env, limit):
    with Server(env=env) as s:
        s.wait_ready()
        before = metrics(s)
        for i in range(2):  # the burst of 2
            r = s.run("python", PY_OK)
            check(r["status"] == "ok", f"request {i + 1} within the burst: {r}")
        ra, js = expect_429(s, "POST", "/execute", {"language": "python", "source_code": PY_OK}, limit,
                            f"3rd /execute over the {limit} limit")
        # rate 0.001/s: the next token is ~1000 s away
        check(900 <= ra <= 1001, f"Retry-After {ra} does not follow from a rate of 0.001/s")
        expect_429(s, "GET", "/languages", None, limit, f"/languages over the {limit} limit")
        st, js, _ = s.request("GET", "/health")
        check(st == 200, f"/health while limited: {st} {js}")
        text, _ = scrape(s)
        after = parse_metrics(text)
        d = msum(after, "executioner_executions_total") - msum(before, "executioner_executions_total")
        check(d == 2, f"executions_total grew by {d}: the refused request left a trace (expected 2)")
        got = mget(after, "executioner_rate_limited_total", limit=limit) or 0
        check(got == 2, f"rate_limited_total{{limit={limit}}} is {got}, expected 2")
        check(msum(after, "executioner_rate_limited_total") == 2, f"other limits counted: {after}")
        check(mget(after, "executioner_requests_total", endpoint="/execute", code="429") == 1, "requests_total 429")
        rc, out = promtool(text)
        check(rc != 1, f"promtool cannot parse /metrics with rate_limited series (exit {rc}): {out}")
        s.wait_log("path=/execute status=429 ", 10)
        s.wait_log("path=/languages status=429 ", 10)


def test_global_rate_limit_429():
    _rate_test({"EXECUTIONER_RATE_GLOBAL_PER_S": "0.001", "EXECUTIONER_RATE_GLOBAL_BURST": "2"}, "global")


def test_per_ip_rate_limit_429():
    _rate_test({"EXECUTIONER_RATE_PER_IP_PER_S": "0.001", "EXECUTIONER_RATE_PER_IP_BURST": "2"}, "per_ip")


def test_concurrency_limit_429():
    with Server(env={"EXECUTIONER_RATE_MAX_CONCURRENT": "1"}) as s:
        s.wait_ready()
        before = metrics(s)
        t, box = in_thread(s.execute, {"language": "python",
                                       "source_code": "import time\ntime.sleep(3)\nprint('slept')"}, timeout=60)

        def in_flight():
            m = metrics(s)
            return (mget(m, "executioner_executions_running") or 0) + (mget(m, "executioner_queue_depth") or 0) >= 1

        wait_until(in_flight, 15, "the sleeping job in flight")
        ra, js = expect_429(s, "POST", "/execute", {"language": "python", "source_code": PY_OK}, "concurrency",
                            "2nd /execute over max_concurrent=1")
        check(t.is_alive(), "the sleeping job ended before the 429 (the test proves nothing)")
        st, js, _ = s.request("GET", "/languages")
        check(st == 200, f"/languages is not an execution and must not hit the concurrency cap: {st} {js}")
        st, js, _ = s.request("GET", "/health")
        check(st == 200, f"/health while at the cap: {st} {js}")
        after = metrics(s)
        st, js = joined(t, box, 30, "the sleeping job")
        check(st == 200 and js["status"] == "ok" and js["stdout"] == "slept\n", f"sleeping job: {st} {js}")
        check(msum(after, "executioner_executions_total") == msum(before, "executioner_executions_total"),
              "the refused execution was counted in executions_total")
        final = metrics(s)
        d = msum(final, "executioner_executions_total") - msum(before, "executioner_executions_total")
        check(d == 1, f"executions_total grew by {d}, expected 1 (only the sleeper)")
        check(mget(final, "executioner_rate_limited_total", limit="concurrency") == 1,
              f"rate_limited_total{{concurrency}}: {mget(final, 'executioner_rate_limited_total', limit='concurrency')}")
        r = s.run("python", PY_OK)  # the slot is free again
        check(r["status"] == "ok", r)


# ---------------------------------------------------------------------------------------------
# API keys


def test_api_keys():
    with Server(env={"EXECUTIONER_AUTH_KEYS": ",".join(KEYS)}) as s:
        s.wait_ready()
        body = {"language": "python", "source_code": PY_OK}
        before = metrics(s)
        for method, path, b in (("POST", "/execute", body), ("GET", "/languages", None)):
            st, js, h = s.request(method, path, b)
            expect_json_error(st, js, 401, f"{method} {path} without a key")
            check(hdr(h, "WWW-Authenticate"), f"{method} {path} 401 without WWW-Authenticate: {h}")
            for name, headers in (("Bearer key-two", {"Authorization": f"Bearer {KEYS[1]}"}),
                                  ("X-API-Key key-one", {"X-API-Key": KEYS[0]})):
                st, js, _ = s.request(method, path, b, headers=headers)
                check(st == 200, f"{method} {path} with {name}: {st} {js}")
                if path == "/execute":
                    check(js["status"] == "ok" and js["stdout"] == "ok\n", js)
            for bad in ("key-one-12346", "key-two-6789", "key-two-678901", "Key-one-12345", ""):
                for headers in ({"Authorization": f"Bearer {bad}"}, {"X-API-Key": bad}):
                    st, js, h = s.request(method, path, b, headers=headers)
                    expect_json_error(st, js, 401, f"{method} {path} with wrong key {headers}")
        for path in ("/health", "/metrics"):
            st, js, _ = s.request("GET", path)
            check(st == 200, f"{path} without a key: {st} {js}")
        s.wait_log("method=POST path=/execute status=401 ", 10)
        s.wait_log("method=GET path=/languages status=401 ", 10)
        after = metrics(s)
        d = msum(after, "executioner_executions_total") - msum(before, "executioner_executions_total")
        check(d == 2, f"executions_total grew by {d}, expected 2 (the refused requests leave no trace)")


# ---------------------------------------------------------------------------------------------
# CORS


def test_cors_origin_and_preflight():
    origin = "https://example.test"
    with Server(env={"EXECUTIONER_SERVER_CORS_ORIGIN": origin}) as s:
        s.wait_ready()
        for method, path, b in (("POST", "/execute", {"language": "python", "source_code": PY_OK}),
                                ("GET", "/languages", None), ("GET", "/health", None),
                                ("GET", "/metrics", None), ("GET", "/no-such-path", None)):
            st, js, h = s.request(method, path, b, headers={"Origin": origin})
            check(st in (200, 404), f"{method} {path}: {st} {js}")
            check(hdr(h, "Access-Control-Allow-Origin") == origin, f"{method} {path}: no/wrong ACAO: {h}")
        st, js, h = s.request("OPTIONS", "/execute", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization"})
        check(st == 204, f"preflight: expected 204, got {st}: {js}")
        check(hdr(h, "Access-Control-Allow-Origin") == origin, f"preflight ACAO: {h}")
        methods = [x.strip().upper() for x in (hdr(h, "Access-Control-Allow-Methods") or "").split(",")]
        check("POST" in methods, f"preflight Allow-Methods lacks POST: {h}")
        allowed = [x.strip().lower() for x in (hdr(h, "Access-Control-Allow-Headers") or "").split(",")]
        check("content-type" in allowed and "authorization" in allowed, f"preflight Allow-Headers: {h}")
        s.wait_log("method=OPTIONS path=/execute status=204 ", 10)
    s = shared_server()  # started with the shipped config: no cors_origin
    for method, path in (("GET", "/languages"), ("GET", "/health"), ("OPTIONS", "/execute")):
        st, js, h = s.request(method, path, headers={"Origin": origin})
        check(st in (200, 204), f"{method} {path} without CORS: {st} {js}")
        check(hdr(h, "Access-Control-Allow-Origin") is None, f"{method} {path}: ACAO without the setting: {h}")


# ---------------------------------------------------------------------------------------------
# logs


ACCESS = re.compile(r"request client=(\S+) method=(\S+) path=(\S+) status=(\d+) language=(\S+) job=(\d+) "
                    r"queue_ms=(\d+) run_ms=(\d+) total_ms=(\d+)")


def access_lines(s, start, path):
    out = []
    for line in s.lines[start:]:
        m = ACCESS.search(line)
        if m and m.group(3) == path:
            out.append(m)
    return out


def test_access_log_one_line_per_request():
    s = shared_server()
    start = len(s.lines)
    r = s.run("python", "import time\ntime.sleep(0.3)\nprint('x')")
    job = r["id"]
    s.wait_log(f"job={job} ", 10, start=start)
    bad_st, js = s.execute({"language": "nope", "source_code": "x"})
    check(400 <= bad_st < 500, f"unknown language: {bad_st} {js}")
    s.request("GET", "/languages")
    s.request("GET", "/health")
    st, _, _ = s.request("GET", f"/no-such-path-{os.getpid()}")
    check(st == 404, st)
    s.wait_log(f"path=/no-such-path-{os.getpid()} ", 10, start=start)
    ex = access_lines(s, start, "/execute")
    check(len(ex) == 2, f"expected 2 /execute access lines, got {[m.group(0) for m in ex]}")
    ok = [m for m in ex if m.group(6) == str(job)]
    check(len(ok) == 1, f"expected one line for job {job}: {[m.group(0) for m in ex]}")
    client, method, path, status, lang, _, q, run, total = ok[0].groups()
    check((client, method, status, lang) == ("127.0.0.1", "POST", "200", "python"), ok[0].group(0))
    check(int(run) >= 300, f"run_ms {run} < the program's 300 ms sleep: {ok[0].group(0)}")
    check(int(total) >= int(q) + int(run) - 1, f"total_ms < queue_ms + run_ms: {ok[0].group(0)}")
    bad = [m for m in ex if m is not ok[0]][0]
    check(bad.group(4) == str(bad_st) and bad.group(6) == "0" and bad.group(5) in ("-", "nope"),
          f"rejected /execute line: {bad.group(0)}")
    for path, status in (("/languages", "200"), ("/health", "200"), (f"/no-such-path-{os.getpid()}", "404")):
        ls = access_lines(s, start, path)
        check(len(ls) == 1, f"expected one access line for {path}, got {[m.group(0) for m in ls]}")
        check(ls[0].group(2) == "GET" and ls[0].group(4) == status and ls[0].group(6) == "0", ls[0].group(0))


def test_access_log_line_for_metrics_scrape():
    s = shared_server()
    start = len(s.lines)
    scrape(s)
    s.request("GET", "/health")  # a later request whose line marks that the scrape's line had its chance
    s.wait_log("path=/health ", 10, start=start)
    ls = access_lines(s, start, "/metrics")
    check(len(ls) == 1, f"GET /metrics (200) left {len(ls)} access-log lines, expected 1; "
                        f"lines since: {s.lines[start:]}")


def test_json_log_format_every_line_is_an_object():
    with Server(env={"EXECUTIONER_LOG_FORMAT": "json"}, workers=2, args=("--log-level", "debug")) as s:
        s.wait_ready()
        s.run("python", PY_OK)
        s.execute({"language": "c", "source_code": C_BROKEN})
        s.execute({"language": "nope", "source_code": "x"})
        s.request("GET", "/languages")
        s.request("GET", "/no-such-path")
        mark = len(s.lines)
        pid = child_pids(s.proc.pid)[0]
        os.kill(pid, signal.SIGKILL)
        s.wait_log("respawned", 15, start=mark)
        s.wait_log("path=/no-such-path", 10)
    check(s.proc.returncode == 0, f"exit status {s.proc.returncode}")
    check(len(s.lines) > 5, f"only {len(s.lines)} log lines")
    ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
    for i, line in enumerate(s.lines):
        try:
            o = json.loads(line)
        except ValueError:
            raise harness.TestFailure(f"log line {i + 1} is not JSON: {line!r}")
        check(isinstance(o, dict), f"log line {i + 1} is not an object: {line!r}")
        check(isinstance(o.get("time"), str) and ts.match(o["time"]), f"line {i + 1} time: {line!r}")
        check(o.get("level") in ("debug", "info", "warn", "error"), f"line {i + 1} level: {line!r}")
        check(isinstance(o.get("msg"), str) and o["msg"], f"line {i + 1} msg: {line!r}")
    msgs = [json.loads(x)["msg"] for x in s.lines]
    check(any(ACCESS.search(m) and "path=/execute" in m for m in msgs), "no access-log line among the JSON lines")
    check(any(m == "stopped" for m in msgs), "no \"stopped\" line")


# ---------------------------------------------------------------------------------------------
# configuration


def _port_config(port):
    return temp_config(harness.conf_set(open(harness.CONFIG).read(), "server", "port", str(port))[0])


def _get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.status


def test_env_overrides_file_port():
    file_port = harness.free_port()
    path = _port_config(file_port)
    try:
        with Server(config=path) as s:  # the harness sets EXECUTIONER_SERVER_PORT=s.port
            check(s.port != file_port, "port clash")
            s.wait_log(f"listening on http://127.0.0.1:{s.port}", 30)
            st, js, _ = s.request("GET", "/languages")
            check(st == 200, f"/languages on the env port: {st} {js}")
            check(port_refuses(file_port), f"something listens on the file's port {file_port}")
    finally:
        os.unlink(path)


def test_port_flag_overrides_env():
    p2 = harness.free_port()
    with Server(args=("--port", str(p2))) as s:
        env_port = s.port
        check(env_port != p2, "port clash")
        s.wait_log(f"listening on http://127.0.0.1:{p2}", 30)
        check(_get(p2, "/languages") == 200, "no answer on the --port port")
        check(port_refuses(env_port), f"something listens on the env port {env_port}")


def test_check_config_reports_string_port_with_its_line():
    text, line = harness.conf_set(open(shipped_config()).read(), "server", "port", '"8080"')
    path = temp_config(text)
    try:
        p = check_config(path, clean_env())
        check(p.returncode == 2, f"exit {p.returncode}, expected 2; stdout {p.stdout!r} stderr {p.stderr!r}")
        want = f"{path}:{line}: server.port must be an integer"
        check(want in p.stderr, f"expected {want!r} on stderr, got {p.stderr!r}")
    finally:
        os.unlink(path)


def test_check_config_prints_effective_settings_with_env_override():
    path = shipped_config()
    p = check_config(path, clean_env(EXECUTIONER_LIMITS_TIME_S="3"))
    check(p.returncode == 0, f"exit {p.returncode}; stderr {p.stderr!r}")
    out = p.stdout
    m = re.search(r"(?ms)^limits = \{\n(.*?)^\};", out)
    check(m, f"no limits section in:\n{out}")
    check(re.search(r"(?m)^\s*time_s = 3;$", m.group(1)), f"time_s = 3 not in the limits section:\n{m.group(1)}")
    check(re.search(r"(?m)^\s*max_time_s = 30;$", m.group(1)), f"max_time_s (the default) not shown:\n{m.group(1)}")
    check(re.search(r"(?m)^\s*port = 8080;$", out), f"the file's port not shown:\n{out}")
    check(f"# {path}: OK" in out, f"no OK line:\n{out}")
    p = check_config(path, clean_env(EXECUTIONER_LIMITS_TIME_S="abc"))
    check(p.returncode == 2 and "EXECUTIONER_LIMITS_TIME_S" in p.stderr,
          f"a bad env override: exit {p.returncode}, stderr {p.stderr!r}")


def test_check_config_refuses_a_missing_or_broken_seccomp_profile():
    """docker.seccomp_profile is read by --check-config (and at start): a missing file, one that
    is not JSON, or a relative path that does not exist next to the config file fails with exit 2
    and a line naming the file; "default" (the engine's own, weaker profile) is accepted."""
    path = shipped_config()
    missing = "/nonexistent/executioner-seccomp.json"
    p = check_config(path, clean_env(EXECUTIONER_DOCKER_SECCOMP_PROFILE=missing))
    check(p.returncode == 2, f"missing profile: exit {p.returncode}; stdout {p.stdout[-300:]!r} stderr {p.stderr!r}")
    check(f"{path}: docker.seccomp_profile: cannot read {missing}: No such file or directory" in p.stderr,
          f"missing profile: stderr {p.stderr!r}")
    bad = temp_config("{ \"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [ \n")
    try:
        p = check_config(path, clean_env(EXECUTIONER_DOCKER_SECCOMP_PROFILE=bad))
        check(p.returncode == 2 and f"{bad} is not valid JSON" in p.stderr,
              f"broken profile: exit {p.returncode}, stderr {p.stderr!r}")
    finally:
        os.unlink(bad)
    rel = temp_config(harness.conf_set(open(path).read(), "docker", "seccomp_profile", '"nope/seccomp.json"')[0])
    try:
        p = check_config(rel, clean_env())
        want = os.path.join(os.path.dirname(rel), "nope", "seccomp.json")
        check(p.returncode == 2 and f"cannot read {want}" in p.stderr,
              f"relative path: exit {p.returncode}, stderr {p.stderr!r} (want the path resolved as {want})")
    finally:
        os.unlink(rel)
    p = check_config(path, clean_env(EXECUTIONER_DOCKER_SECCOMP_PROFILE="default"))
    check(p.returncode == 0 and "engine's default profile" in p.stdout, f"\"default\": exit {p.returncode}, "
          f"stderr {p.stderr!r}")
    p = check_config(path, clean_env())
    check(p.returncode == 0 and re.search(r"(?m)^# docker\.seccomp_profile: .*/conf/seccomp\.json \(\d+ bytes", p.stdout),
          f"shipped: exit {p.returncode}, stdout tail {p.stdout[-300:]!r}, stderr {p.stderr!r}")

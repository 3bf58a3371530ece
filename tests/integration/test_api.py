"""test_api.py - the REST API through HTTP: execution basics, languages, health, bad input."""
import hashlib
import json
import re
import socket
import threading
import time

import harness
from harness import check, containers, shared_server, wait_until


# ---------------------------------------------------------------------------------------------
# local helpers



def _read_response(sock, deadline):
    """Reads one final HTTP response (skipping "100 Continue"); (status or None, headers, body)."""
    raw = b""
    while True:
        hd, sep, rest = raw.partition(b"\r\n\r\n")
        if sep and hd.startswith(b"HTTP/1.1 100"):
            raw = rest
            continue
        if sep and hd.startswith(b"HTTP/"):
            lines = hd.decode(errors="replace").split("\r\n")
            headers = {}
            for ln in lines[1:]:
                k, _, v = ln.partition(":")
                headers[k.strip().lower()] = v.strip()
            n = int(headers.get("content-length", "-1"))
            if n < 0 or len(rest) >= n:
                return int(lines[0].split(" ")[1]), headers, rest
        left = deadline - time.time()
        if left <= 0:
            return None, {}, raw
        sock.settimeout(left)
        try:
            b = sock.recv(65536)
        except OSError:
            b = b""
        if not b:
            return None, {}, raw
        raw += b


def post_with_expect(port, path, body, timeout=30):
    """POSTs body with "Expect: 100-continue": a server may refuse it on its headers (a final
    answer instead of 100), else the body is sent after the 100. Returns (status or None, headers,
    body bytes); None when the connection ended without an answer."""
    deadline = time.time() + timeout
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").encode())
        s.settimeout(min(5, timeout))
        try:
            first = s.recv(65536)
        except socket.timeout:
            first = b""  # no 100 within 5 s: send the body anyway (RFC 9110 allows that)
        if first and not first.startswith(b"HTTP/1.1 100"):
            return _read_response(_Prefilled(s, first), deadline)
        try:
            s.sendall(body)
        except OSError:
            pass  # refused half-way: read what the server said
        rest = first.partition(b"\r\n\r\n")[2] if first else b""
        return _read_response(_Prefilled(s, rest), deadline)
    finally:
        s.close()


class _Prefilled:
    """A socket whose first recv() returns bytes already read."""

    def __init__(self, sock, data):
        self.sock, self.data = sock, data

    def settimeout(self, t):
        self.sock.settimeout(t)

    def recv(self, n):
        if self.data:
            d, self.data = self.data, b""
            return d
        return self.sock.recv(n)


def conf_languages():
    """(id, name, version, compiled) of every language in executioner.conf, in file order."""
    text = open(harness.CONFIG).read()
    text = text[text.index("languages"):]
    out = []
    for block in re.split(r"\n\s*\{", text)[1:]:
        m = re.search(r'id = "([^"]+)"; name = "([^"]+)"; version = "([^"]+)"', block)
        if m:
            body = block.split("},")[0] if "}," in block else block
            out.append((m.group(1), m.group(2), m.group(3), "compile =" in body))
    return out


def health(s):
    st, js, _ = s.request("GET", "/health", timeout=10)
    check(st in (200, 503) and isinstance(js, dict), f"/health: {st} {js}")
    return js


def wait_idle_and_no_leak(s, timeout=60):
    """Waits until no job runs, every pool is at its target and this instance's containers
    are exactly the ready pool containers (no leak)."""
    def ok():
        h = health(s)
        target = sum(p["target"] for p in h["pools"].values())
        ready = sum(p["ready"] for p in h["pools"].values())
        n = len(containers(s.instance))
        if h["running"] == 0 and h["queued"] == 0 and h["workers"]["busy"] == 0 and ready == target and n == target:
            return (target, n)
        return None
    return wait_until(ok, timeout, "an idle server whose container count equals the pool target", 0.25)


def expect_error(s, body=None, raw=None, status=400, field=None, contains=None):
    st, js, _ = s.request("POST", "/execute", body=body, raw=raw, timeout=30)
    what = f"request {raw if raw is not None else body!r:.120}"
    check(st == status, f"{what}: expected HTTP {status}, got {st} {js}")
    check(isinstance(js, dict) and isinstance(js.get("error"), str) and js["error"],
          f"{what}: expected a JSON body with an error message, got {js!r}")
    if field is not None:
        check(js.get("field") == field, f"{what}: expected field {field!r}, got {js}")
    if contains is not None:
        check(contains in js["error"], f"{what}: expected {contains!r} in the error, got {js}")
    return js


# ---------------------------------------------------------------------------------------------
# execution basics


def test_python_hello_and_stdin():
    s = shared_server()
    r = s.run("python", "print(42)")
    check(r["status"] == "ok" and r["stdout"] == "42\n" and r["exit_code"] == 0, r)
    r = s.run("python", "import sys\nprint(sys.stdin.read().upper(), end='')", stdin="abc\n")
    check(r["stdout"] == "ABC\n", r)


def test_aliases_code_input_api_v1():
    s = shared_server()
    st, js, _ = s.request("POST", "/api/v1/execute", {"language": "python", "code": "print(input())", "input": "x"})
    check(st == 200 and js["stdout"] == "x\n", (st, js))


def test_plain_run_has_every_response_field():
    s = shared_server()
    r = s.run("python", "import sys\nprint('out')\nprint('err', file=sys.stderr)")
    check(r["status"] == "ok", r)
    check(r["stdout"] == "out\n" and r["stderr"] == "err\n", r)
    check(r["exit_code"] == 0 and r["signal"] is None, r)
    for k in ("timeout", "memory_exceeded", "output_truncated"):
        check(r.get(k) is False, f"{k} should be false: {r}")
    for k in ("execution_time_ms", "cpu_time_ms", "memory_used_mb"):
        check(isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool) and r[k] >= 0, f"{k}: {r}")
    check(isinstance(r.get("memory_used_kb"), int) and r["memory_used_kb"] > 0, f"memory_used_kb: {r}")
    check(abs(r["memory_used_mb"] - r["memory_used_kb"] / 1024) < 0.02, f"memory_used_mb != kb/1024: {r}")
    check(0 < r["execution_time_ms"] < 5000 and r["cpu_time_ms"] < 5000, f"implausible times: {r}")
    check("compile_output" not in r and "compile_time_ms" not in r, f"interpreted run has compile fields: {r}")
    # a compiled language adds the compile step's output and time
    r = s.run("c", '#include <stdio.h>\nint main(void){puts("hi");return 0;}')
    check(r["status"] == "ok" and r["stdout"] == "hi\n" and r["exit_code"] == 0 and r["signal"] is None, r)
    check(isinstance(r.get("compile_output"), str), f"compile_output missing: {r}")
    check(isinstance(r.get("compile_time_ms"), (int, float)) and r["compile_time_ms"] > 0, f"compile_time_ms: {r}")
    for k in ("timeout", "memory_exceeded", "output_truncated", "execution_time_ms", "cpu_time_ms",
              "memory_used_kb", "memory_used_mb", "stderr"):
        check(k in r, f"{k} missing in a compiled run: {r}")


def test_runtime_error_exit_code_and_signal():
    s = shared_server()
    r = s.run("python", "raise SystemExit(3)")
    check(r["status"] == "runtime_error" and r["exit_code"] == 3 and r["signal"] is None, r)
    r = s.run("c", "int main(void){ volatile int *p = 0; *p = 1; return 0; }")
    check(r["status"] == "runtime_error" and r["signal"] == "SIGSEGV" and r["exit_code"] is None, r)
    check(r["timeout"] is False and r["memory_exceeded"] is False, r)


def test_timeout_busy_loop_and_sleep():
    s = shared_server()
    for code in ("while True:\n    pass", "import time\ntime.sleep(30)"):
        t0 = time.time()
        r = s.run("python", code, time_limit=1)
        took = time.time() - t0
        check(r["status"] == "timeout" and r["timeout"] is True, f"{code!r}: {r}")
        check(r["memory_exceeded"] is False, r)
        check(900 <= r["execution_time_ms"] <= 3000, f"{code!r}: not stopped near the 1 s limit: {r}")
        check(took < 10, f"{code!r}: the request took {took:.1f}s for a 1 s limit")


def test_memory_exceeded():
    s = shared_server()
    code = "a = bytearray(400 * 1024 * 1024)\nfor i in range(0, len(a), 4096):\n    a[i] = 1\nprint('survived')"
    r = s.run("python", code, memory_limit_mb=64)
    check(r["status"] == "memory_exceeded" and r["memory_exceeded"] is True, r)
    check(r["timeout"] is False and "survived" not in r["stdout"], r)


def test_output_limit_exceeded_truncates():
    s = shared_server()
    r = s.run("python", "while True:\n    print('x' * 100)", output_limit_kb=4, time_limit=5)
    check(r["status"] == "output_limit_exceeded", r.get("status"))
    check(r["output_truncated"] is True and r["timeout"] is False, {k: v for k, v in r.items() if k != "stdout"})
    check(0 < len(r["stdout"]) <= 4 * 1024, f"stdout is {len(r['stdout'])} bytes for a 4 KiB limit")
    check(set(r["stdout"]) <= {"x", "\n"}, "truncated stdout has foreign bytes")
    check(r["execution_time_ms"] < 4000, f"the flood was not stopped at the cap: {r['execution_time_ms']} ms")


def test_compile_error_reports_compiler_message():
    s = shared_server()
    r = s.run("c", "int main(void) { return undeclared_thing; }")
    check(r["status"] == "compile_error", r)
    check("undeclared_thing" in r["compile_output"] and "error" in r["compile_output"], r)
    check(r["stdout"] == "" and r["exit_code"] is None, r)
    check(isinstance(r.get("compile_time_ms"), (int, float)), r)


def test_args_reach_the_program():
    s = shared_server()
    args = ["one", "two words", "", "--flag=ü", "$HOME;`x`"]
    r = s.run("python", "import sys, json\nprint(json.dumps(sys.argv[1:]))", args=args)
    check(r["status"] == "ok" and json.loads(r["stdout"]) == args, r)


def test_stdin_over_one_mib_round_trips():
    s = shared_server()
    data = "".join(chr(97 + (i * 7) % 26) + ("\n" if i % 80 == 79 else "") for i in range(1300 * 1024))
    raw = data.encode()
    check(len(raw) > 1024 * 1024, "test input too small")
    code = "import sys, hashlib\nd = sys.stdin.buffer.read()\nprint(len(d), hashlib.sha256(d).hexdigest())"
    r = s.run("python", code, stdin=data)
    check(r["status"] == "ok", r)
    check(r["stdout"] == f"{len(raw)} {hashlib.sha256(raw).hexdigest()}\n", f"stdin arrived altered: {r['stdout']!r}")
    # and stdout of that size comes back whole when the output limit allows it
    r = s.run("python", "import sys\nsys.stdout.write(sys.stdin.read())", stdin=data, output_limit_kb=2048)
    check(r["status"] == "ok" and r["output_truncated"] is False, {k: v for k, v in r.items() if k != "stdout"})
    check(r["stdout"] == data, f"echoed stdin differs ({len(r['stdout'])} vs {len(data)} chars)")


def test_source_near_cap_runs_and_over_cap_is_413():
    s = shared_server()
    pad = "#" + ("0123456789abcdef" * 64 + "\n#") * 900  # ~900 KiB of comment
    src = pad + "\nimport hashlib\nd = open(__file__, 'rb').read()\nprint(len(d), hashlib.sha256(d).hexdigest())\n"
    b = src.encode()
    check(800 * 1024 < len(b) < 1024 * 1024, f"source is {len(b)} bytes")
    r = s.run("python", src)
    check(r["status"] == "ok", r)
    check(r["stdout"] == f"{len(b)} {hashlib.sha256(b).hexdigest()}\n", f"the source arrived altered: {r['stdout']!r}")
    big = "#" * (1024 * 1024 + 1) + "\nprint(1)\n"
    expect_error(s, {"language": "python", "source_code": big}, status=413, field="source_code")


def test_invalid_utf8_and_nul_in_stdout_give_valid_json():
    s = shared_server()
    code = "import sys\nsys.stdout.buffer.write(b'A\\xff\\xfeB\\x00C\\xc3\\xa9\\xe2\\x82D\\n')"
    st, js, _ = s.request("POST", "/execute", {"language": "python", "source_code": code})
    check(st == 200 and isinstance(js, dict), f"not a JSON answer: {st} {js!r:.300}")  # parsed by json.loads
    out = js["stdout"]
    check(js["status"] == "ok", js)
    # \xff and \xfe are invalid, é is valid, \xe2\x82 is a truncated sequence; NUL may stay or be replaced
    m = re.fullmatch("A(\ufffd+)B(\x00|\ufffd)C\u00e9(\ufffd+)D\n", out)
    check(m is not None, f"unexpected sanitised stdout: {out!r}")


# ---------------------------------------------------------------------------------------------
# languages and health


def test_languages_lists_the_configured_languages():
    s = shared_server()
    st, js, _ = s.request("GET", "/languages")
    check(st == 200 and isinstance(js, list), (st, js))
    want = conf_languages()
    check(len(want) == 11, f"expected 11 languages in executioner.conf, parsed {want}")
    check([l.get("id") for l in js] == [w[0] for w in want], f"ids: {[l.get('id') for l in js]}")
    for l, (lid, name, ver, compiled) in zip(js, want):
        check(l["name"] == name, f"{lid}: name {l['name']!r} != {name!r}")
        check(l["compiled"] is compiled, f"{lid}: compiled {l['compiled']!r} != {compiled}")
        check(isinstance(l["version"], str) and l["version"].startswith(ver), f"{lid}: version {l['version']!r} vs {ver}")


def test_health_is_healthy_with_pools():
    s = shared_server()
    st, js, _ = s.request("GET", "/health")
    check(st == 200, (st, js))
    check(js["status"] == "healthy" and js["engine"]["reachable"] is True, js)
    check(js["workers"]["total"] == 4 and js["workers"]["alive"] == 4, js)
    check(sorted(js["pools"]) == sorted(l[0] for l in conf_languages()), js["pools"])
    for lang, p in js["pools"].items():
        check(isinstance(p["ready"], int) and p["target"] == 1, f"{lang}: {p}")


# ---------------------------------------------------------------------------------------------
# bad input


def test_bad_input_gets_4xx_json_naming_the_field():
    s = shared_server()
    ok = {"language": "python", "source_code": "print(1)"}

    def w(**kw):
        b = dict(ok)
        b.update(kw)
        return b

    expect_error(s, raw=b'{"language": "python", "source_code": ', contains="JSON")
    expect_error(s, raw=b"", contains="JSON")
    expect_error(s, raw=b'["python", "print(1)"]', contains="object")
    expect_error(s, raw=b'"just a string"', contains="object")
    expect_error(s, {"source_code": "print(1)"}, field="language")
    js = expect_error(s, w(language="cobol"), field="language", contains="cobol")
    for lid in (l[0] for l in conf_languages()):
        check(lid in js["error"], f"the unknown-language message does not list {lid}: {js}")
    expect_error(s, {"language": "python"}, field="source_code")
    expect_error(s, w(language=5), field="language")
    expect_error(s, w(source_code=[]), field="source_code")
    expect_error(s, w(stdin=3), field="stdin")
    expect_error(s, w(args="x"), field="args")
    expect_error(s, w(args=[1]), field="args")
    for v in (0, -1, 31, "2"):
        expect_error(s, w(time_limit=v), field="time_limit")
    expect_error(s, w(memory_limit_mb=4096), field="memory_limit_mb")
    expect_error(s, w(cpu_limit=8), field="cpu_limit")


def test_body_over_body_kb_is_413():
    s = shared_server()
    body = json.dumps({"language": "python", "source_code": "print(1)", "stdin": "y" * (2100 * 1024)}).encode()
    check(len(body) > 2048 * 1024, "body not over the 2048 KiB cap")
    st, hd, rest = post_with_expect(s.port, "/execute", body)
    check(st is not None, f"a {len(body)}-byte body (over body_kb 2048) got no HTTP answer at all: "
                          f"the connection was closed; received {rest[:200]!r}")
    check(st == 413, f"expected HTTP 413 for a {len(body)}-byte body, got {st} {rest[:200]!r}")
    js = json.loads(rest.decode())
    check(isinstance(js, dict) and "error" in js, js)
    # the server keeps serving afterwards
    r = s.run("python", "print('after 413')")
    check(r["stdout"] == "after 413\n", r)


def test_unknown_path_404_and_get_execute_405():
    s = shared_server()
    st, js, _ = s.request("GET", "/no/such/thing")
    check(st == 404 and isinstance(js, dict) and "error" in js, (st, js))
    st, js, hd = s.request("GET", "/execute")
    check(st == 405 and isinstance(js, dict) and "error" in js, (st, js))
    allow = {k.lower(): v for k, v in hd.items()}.get("allow", "")
    check("POST" in allow, f"405 without an Allow: POST header: {hd}")


def test_server_still_answers_and_leaks_no_container_after_bad_input():
    s = shared_server()
    # a few more bad requests right before, so this test stands on its own too
    expect_error(s, raw=b"{oops")
    expect_error(s, {"language": "python", "source_code": "x", "time_limit": -3}, field="time_limit")
    r = s.run("python", "print('still here')")
    check(r["stdout"] == "still here\n", r)
    wait_idle_and_no_leak(s)


# ---------------------------------------------------------------------------------------------
# concurrency


def test_twenty_concurrent_requests_all_succeed():
    s = shared_server()
    n = 20
    results = [None] * n

    def one(i):
        try:
            results[i] = s.execute({"language": "python", "source_code": f"import time\ntime.sleep(0.2)\nprint({i} * 1000 + 7)"},
                                   timeout=120)
        except Exception as e:  # noqa: BLE001
            results[i] = ("exception", repr(e))

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(150)
    check(not any(t.is_alive() for t in threads), "some requests did not finish within 150 s")
    for i, res in enumerate(results):
        check(res is not None and res[0] == 200, f"request {i}: {res}")
        check(res[1]["status"] == "ok" and res[1]["stdout"] == f"{i * 1000 + 7}\n", f"request {i}: {res[1]}")
    ids = [res[1]["id"] for res in results]
    check(len(set(ids)) == n, f"job ids are not distinct: {ids}")
    wait_idle_and_no_leak(s)

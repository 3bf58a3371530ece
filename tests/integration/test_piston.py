"""test_piston.py - Piston's v2 API through HTTP (master/piston.c): the npm package piston-client,
unchanged (tests/integration/piston/, installed here with `npm ci` from its lockfile), lists our
languages and runs a Python and a C++ program with stdin and args; then plain HTTP for Piston's
error answers (400 messages, 404 "Not Found", bodies without a JSON Content-Type), file
encodings, semver ranges and aliases, and the RE/SG/TO/OL/EL statuses."""
import http.client
import json
import os
import subprocess

import harness
from harness import check, shared_server

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DIR = os.path.join(HERE, "piston")
PISTON_NAMES = {"python": "python", "javascript": "javascript", "typescript": "typescript",
                "c": "c", "cpp": "c++", "bash": "bash", "go": "go", "java": "java",
                "rust": "rust", "ruby": "ruby", "php": "php"}
STAGE_FIELDS = {"stdout", "stderr", "output", "code", "signal", "message", "status", "cpu_time",
                "wall_time", "memory"}


def npm_ci():
    """node_modules from the lockfile, as the Makefile does for the page: only when it changed."""
    lock = os.path.join(CLIENT_DIR, "package-lock.json")
    stamp = os.path.join(CLIENT_DIR, "node_modules", ".package-lock.json")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(lock):
        return
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CLIENT_DIR,
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"npm ci in {CLIENT_DIR} failed: {r.stdout} {r.stderr}")
    os.utime(stamp)


def semver(v):
    parts = (v.split("-")[0].split("(")[0].split(".") + ["0", "0"])[:3]
    return ".".join(str(int("".join(c for c in p if c.isdigit()) or 0)) for p in parts)


def post(s, body, status=200, raw=None, headers=None, timeout=120):
    """POST /api/v2/execute; raw bytes are sent with exactly the headers given."""
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=timeout)
    data = raw if raw is not None else json.dumps(body).encode()
    hd = headers if headers is not None else {"Content-Type": "application/json"}
    conn.request("POST", "/api/v2/execute", body=data, headers=hd)
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    check(r.status == status, f"POST /api/v2/execute {data[:200]!r}: expected {status}, got "
          f"{r.status} {text[:500]}")
    js = json.loads(text)
    if status == 200:
        check(set(js) <= {"language", "version", "run", "compile"} and "run" in js, js)
        for st in ("run", "compile"):
            if st in js:
                check(set(js[st]) == STAGE_FIELDS, f"{st}: fields {sorted(js[st])}")
                check(js[st]["output"] == js[st]["stdout"] + js[st]["stderr"], js[st])
                for k in ("cpu_time", "wall_time", "memory"):
                    check(isinstance(js[st][k], (int, float)) and js[st][k] >= 0, (k, js[st]))
    else:
        check(set(js) == {"message"} and isinstance(js["message"], str), js)
    return js


def run(s, language, code, version="*", **kw):
    return post(s, dict({"language": language, "version": version, "files": [{"content": code}]},
                        **kw))


def test_piston_client_npm_package():
    npm_ci()
    s = shared_server()
    r = subprocess.run(["node", os.path.join(CLIENT_DIR, "client.mjs"), s.url("")],
                       capture_output=True, text=True, timeout=600)
    check(r.returncode == 0, f"client.mjs exited {r.returncode}: {r.stderr}")
    out = json.loads(r.stdout)
    st, langs, _ = s.request("GET", "/languages")
    check(st == 200, langs)
    rts = out["runtimes"]
    check(isinstance(rts, list) and len(rts) == 11, rts)
    by = {rt["language"]: rt for rt in rts}
    check(set(by) == {PISTON_NAMES[g["id"]] for g in langs}, sorted(by))
    for g in langs:
        rt = by[PISTON_NAMES[g["id"]]]
        check(rt["version"] == semver(g["version"]), (rt, g))
        check(isinstance(rt["aliases"], list), rt)
    check("cpp" in by["c++"]["aliases"] and by["c++"]["runtime"] == "gcc", by["c++"])

    py = out["python"]
    check(py["language"] == "python" and py["version"] == by["python"]["version"], py)
    check(py["run"]["stdout"] == "args a b c\nupper HELLO\nWORLD\n", py)
    check(py["run"]["stderr"] == "to stderr\n" and py["run"]["code"] == 0, py)
    check(py["run"]["status"] is None and py["run"]["signal"] is None, py)
    check(py["run"]["message"] is None and py["run"]["memory"] > 0, py)
    check("compile" not in py, py)
    # the client's default args are ["1", "2", "3"]
    check(out["python_defaults"]["run"]["stdout"] == "['1', '2', '3']\n", out["python_defaults"])

    cpp = out["cpp"]
    check(cpp["language"] == "c++" and cpp["version"] == by["c++"]["version"], cpp)
    check(cpp["compile"]["code"] == 0 and cpp["compile"]["status"] is None, cpp)
    check(cpp["run"]["stdout"] == "sum 5\narg x\narg y\n" and cpp["run"]["code"] == 0, cpp)
    bad = out["cpp_fail"]["run"]
    check(bad["code"] == 4 and bad["status"] == "RE", bad)
    check(bad["message"] == "Exited with error status 4" and bad["stdout"].startswith("sum 2"), bad)
    ce = out["cpp_compile_error"]
    check(ce["compile"]["code"] not in (0, None) and ce["compile"]["status"] == "RE", ce)
    check("nope" in ce["compile"]["stderr"] and ce["run"] == ce["compile"], ce)
    check(out["unknown"] == {"message": "cobol-1.0.0 runtime is unknown"}, out["unknown"])


def test_piston_errors():
    s = shared_server()
    for body, msg in [
        ({"version": "*", "files": []}, "language is required as a string"),
        ({"language": "python", "files": []}, "version is required as a string"),
        ({"language": "python", "version": 3, "files": []}, "version is required as a string"),
        ({"language": "python", "version": "*"}, "files is required as an array"),
        ({"language": "python", "version": "*", "files": [{"name": "a"}]},
         "files[0].content is required as a string"),
        ({"language": "python", "version": "*", "files": [{"content": ""}], "run_timeout": "1"},
         "If specified, run_timeout must be a number"),
        ({"language": "python", "version": "*", "files": [{"content": ""}], "run_cpu_time": -1},
         "run_cpu_time must be non-negative"),
        ({"language": "python", "version": "*", "files": [{"content": ""}],
          "run_timeout": 10 ** 9}, "run_timeout cannot exceed the configured limit of 60000"),
    ]:
        js = post(s, body, 400)
        check(js["message"] == msg, f"{body}: {js}, expected {msg!r}")
    post(s, None, 400, raw=b"{nope", headers={"Content-Type": "application/json"})
    # piston-client sends no Content-Type; node-fetch's own label is text/plain
    body = json.dumps({"language": "bash", "version": "*", "files": [{"content": "echo ok"}]})
    for hd in ({}, {"Content-Type": "text/plain;charset=UTF-8"}):
        js = post(s, None, raw=body.encode(), headers=hd)
        check(js["run"]["stdout"] == "ok\n", (hd, js))
    for method, path in [("GET", "/api/v2/nope"), ("GET", "/api/v2/execute"),
                         ("POST", "/api/v2/runtimes"), ("GET", "/api/v2"),
                         ("DELETE", "/api/v2/packages")]:
        st, js, _ = s.request(method, path, body={} if method == "POST" else None)
        check(st == 404 and js == {"message": "Not Found"}, (method, path, st, js))
    st, js, hd = s.request("GET", "/api/v2/runtimes")
    check(st == 200 and hd.get("Content-Type", "").startswith("application/json"), (st, hd))


def test_piston_file_encodings():
    s = shared_server()
    prog = ("import os\nfor n in sorted(os.listdir('.')):\n"
            "    if n != 'main.py': print(n, open(n, 'rb').read())")
    js = post(s, {"language": "python", "version": "*", "files": [
        {"name": "main.py", "content": prog},
        {"name": "b.txt", "content": "aGk=", "encoding": "base64"},
        {"name": "h.bin", "content": "00ff41", "encoding": "hex"},
        {"name": "u.txt", "content": "é", "encoding": "utf8"},
        {"name": "w.txt", "content": "raw", "encoding": "latin1"},  # Piston: taken as utf8
        {"content": "x"},  # no name: Piston's file<index>.code
    ]})
    check(js["run"]["stdout"] == ("b.txt b'hi'\nfile5.code b'x'\nh.bin b'\\x00\\xffA'\n"
                                  "u.txt b'\\xc3\\xa9'\nw.txt b'raw'\n"), js)
    # the entry itself in base64, beside a utf8 file
    js = post(s, {"language": "python", "version": "*", "files": [
        {"content": "cHJpbnQoJ2I2NCcp", "encoding": "base64"}, {"name": "x", "content": ""}]})
    check(js["run"]["stdout"] == "b64\n", js)
    js = post(s, {"language": "python", "version": "*", "files": [
        {"content": "cHJpbnQoMSk=", "encoding": "base64"}]}, 400)
    check(js["message"] == "files must include at least one utf8 encoded file", js)
    js = post(s, {"language": "python", "version": "*", "files": [
        {"content": ""}, {"name": "h", "content": "abc", "encoding": "hex"}]}, 400)
    check(js["message"] == 'files[1].content is not hex (encoding "hex")', js)
    js = post(s, {"language": "python", "version": "*", "files": [
        {"content": ""}, {"name": "../x", "content": ""}]}, 400)
    check(".." in js["message"], js)


def test_piston_version_ranges_and_aliases():
    s = shared_server()
    st, rts, _ = s.request("GET", "/api/v2/runtimes")
    ver = {rt["language"]: rt["version"] for rt in rts}["python"]
    major, minor, _ = ver.split(".")
    for rng in ("*", f"{major}.x", ver, f"{major}.{minor}.x", f"^{major}",
                f">={major} <{int(major) + 1}", f"~{major}.{minor}", f"1 - {major}",
                f"0.1 || {major}"):
        js = run(s, "python", "print('v')", rng)
        check(js["version"] == ver and js["run"]["stdout"] == "v\n", (rng, js))
    for rng in (f"{int(major) + 1}.x", f"<{major}", "latest", f"{ver}-beta"):
        js = post(s, {"language": "python", "version": rng, "files": [{"content": ""}]}, 400)
        check(js["message"] == f"python-{rng} runtime is unknown", (rng, js))
    for alias, lang in (("py3", "python"), ("cpp", "c++"), ("sh", "bash"), ("js", "javascript")):
        code = {"python": "print('hi')", "c++": "#include <cstdio>\nint main(){puts(\"hi\");}",
                "bash": "echo hi", "javascript": "console.log('hi')"}[lang]
        js = run(s, alias, code)
        check(js["language"] == lang and js["run"]["stdout"] == "hi\n", (alias, js))


def test_piston_statuses():
    s = shared_server()
    js = run(s, "python", "import sys\nsys.exit(3)")
    check(js["run"]["status"] == "RE" and js["run"]["code"] == 3, js)
    check(js["run"]["message"] == "Exited with error status 3", js)
    js = run(s, "python", "import os\nos.kill(os.getpid(), 11)")
    check(js["run"]["status"] == "SG" and js["run"]["signal"] == "SIGSEGV", js)
    check(js["run"]["code"] is None and js["run"]["message"] == "Caught fatal signal 11", js)
    js = run(s, "python", "import time\ntime.sleep(10)", run_timeout=1000)
    r = js["run"]
    check(r["status"] == "TO" and r["signal"] == "SIGKILL" and r["code"] is None, js)
    check(r["message"] == "Time limit exceeded (wall clock)" and 900 <= r["wall_time"] < 5000, js)
    js = run(s, "python", "while True: pass", run_cpu_time=500, run_timeout=20000)
    check(js["run"]["status"] == "TO" and js["run"]["message"] == "Time limit exceeded", js)
    check(js["run"]["cpu_time"] >= 400, js)
    js = run(s, "python", "import sys\nsys.stdout.write('x' * (8 << 20))")
    check(js["run"]["status"] == "OL" and js["run"]["message"] == "stdout length exceeded", js)
    check(js["run"]["signal"] == "SIGKILL", js)
    js = run(s, "python", "import sys\nsys.stderr.write('e' * (8 << 20))")
    check(js["run"]["status"] == "EL" and js["run"]["message"] == "stderr length exceeded", js)
    js = run(s, "python", "a = bytearray(400 << 20)\nprint(len(a))", run_memory_limit=64 << 20)
    check(js["run"]["status"] == "SG" and js["run"]["signal"] == "SIGKILL", js)
    check(js["run"]["message"] == "Caught fatal signal 9", js)
    # a compiled program's own status beside its compile stage
    js = run(s, "c", "#include <signal.h>\nint main(void){raise(SIGFPE);}")
    check(js["compile"]["status"] is None and js["compile"]["code"] == 0, js)
    check(js["run"]["status"] == "SG" and js["run"]["signal"] == "SIGFPE", js)
    # a compile limit under the configured one is taken (the 400 above it is in test_piston_errors)
    js = run(s, "c", "int main(void){return 0;}", compile_timeout=20000, compile_cpu_time=10000,
             compile_memory_limit=512 << 20)
    check(js["compile"]["code"] == 0 and js["run"]["code"] == 0, js)

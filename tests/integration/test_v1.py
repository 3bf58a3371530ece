"""test_v1.py - seed 002's API through HTTP (master/v1.c): GET /v1/spec lists every configured
language with its fields; POST /v1/exec runs programs and answers in the seed's shape (stdin, a
compile error, a timeout, a runtime error, args), and bad requests are 400s naming the field."""
import harness
from harness import check, shared_server

SPEC_FIELDS = ("language", "name", "version", "image", "filename", "compile_cmd", "cmd", "compile",
               "run")
RESULT_FIELDS = {"status", "language", "stdout", "stderr", "exit_code", "signal", "time",
                 "cpu_time", "memory"}
OPTIONAL_FIELDS = {"compile_output", "output_truncated", "error"}


def v1_exec(s, body, status=200, timeout=120):
    st, js, _ = s.request("POST", "/v1/exec", body, timeout=timeout)
    check(st == status, f"POST /v1/exec {body!r:.200}: expected HTTP {status}, got {st} {js}")
    if status == 200:
        check(isinstance(js, dict) and RESULT_FIELDS <= set(js), f"seed fields missing: {js}")
        extra = set(js) - RESULT_FIELDS - OPTIONAL_FIELDS
        check(not extra, f"native fields leaked into the seed's answer: {extra}: {js}")
        check(isinstance(js["time"], (int, float)) and js["time"] >= 0, js)
        check(isinstance(js["memory"], (int, float)) and js["memory"] >= 0, js)
    return js


def v1_error(s, body=None, raw=None, field=None, status=400):
    st, js, _ = s.request("POST", "/v1/exec", body=body, raw=raw, timeout=30)
    what = f"POST /v1/exec {raw if raw is not None else body!r:.120}"
    check(st == status, f"{what}: expected HTTP {status}, got {st} {js}")
    check(isinstance(js, dict) and isinstance(js.get("error"), str) and js["error"], f"{what}: {js}")
    if field is not None:
        check(js.get("field") == field, f"{what}: expected field {field!r}, got {js}")
    return js


def test_v1_spec_lists_every_language():
    s = shared_server()
    st, spec, hd = s.request("GET", "/v1/spec")
    check(st == 200 and isinstance(spec, dict), (st, spec))
    check(hd.get("Content-Type", "").startswith("application/json"), hd)
    st, langs, _ = s.request("GET", "/languages")
    check(st == 200, (st, langs))
    check(len(spec) == 11 and set(spec) == {g["id"] for g in langs},
          f"/v1/spec has {sorted(spec)}, /languages {[g['id'] for g in langs]}")
    for g in langs:
        e = spec[g["id"]]
        for k in SPEC_FIELDS:
            check(k in e, f"{g['id']}: {k} missing: {e}")
        check(e["language"] == g["id"] and e["name"] == g["name"], e)
        check(e["image"] == g["image"] and e["filename"] == g["file"], (e, g))
        check(e["version"] == g["version"] and e["version"], (e, g))
        check(isinstance(e["run"], list) and e["run"] and e["cmd"] == " ".join(e["run"]), e)
        if g["compiled"]:
            check(isinstance(e["compile"], list) and e["compile_cmd"] == " ".join(e["compile"]), e)
        else:
            check(e["compile"] is None and e["compile_cmd"] is None, e)
    check(spec["python"]["filename"] == "main.py" and "python3" in spec["python"]["cmd"], spec["python"])
    check(spec["c"]["compile_cmd"].startswith("gcc "), spec["c"])


def test_v1_exec_python_with_stdin():
    s = shared_server()
    r = v1_exec(s, {"language": "python", "code": "import sys\nprint(sys.stdin.read().upper(), end='')",
                    "stdin": "hello\nworld\n"})
    check(r["status"] == "success" and r["stdout"] == "HELLO\nWORLD\n" and r["stderr"] == "", r)
    check(r["exit_code"] == 0 and r["signal"] is None and r["language"] == "python", r)
    check(r["memory"] > 0, r)
    r = v1_exec(s, {"language": "python", "code": "print(input())"})  # stdin optional
    check(r["status"] == "runtime_error" and "EOFError" in r["stderr"] and r["exit_code"] == 1, r)


def test_v1_exec_c_compile_error():
    s = shared_server()
    r = v1_exec(s, {"language": "c", "code": "int main(void) { return nope; }\n"})
    check(r["status"] == "compile_error", r)
    check("nope" in r["stderr"] and "error" in r["stderr"], f"compiler message not in stderr: {r}")
    check(r["compile_output"] == r["stderr"] and r["stdout"] == "" and r["exit_code"] is None, r)
    r = v1_exec(s, {"language": "c", "code": "#include <stdio.h>\nint main(void){puts(\"ok\");return 3;}\n"})
    check(r["status"] == "runtime_error" and r["stdout"] == "ok\n" and r["exit_code"] == 3, r)
    check(isinstance(r.get("compile_output"), str), r)


def test_v1_exec_timeout():
    s = shared_server()
    r = v1_exec(s, {"language": "python", "code": "while True: pass", "timeout": 1})
    check(r["status"] == "timeout" and r["exit_code"] is None and r["signal"] == "SIGKILL", r)
    check(0.9 <= r["time"] < 10, f"time {r['time']} s for a 1 s limit: {r}")


def test_v1_exec_args():
    s = shared_server()
    r = v1_exec(s, {"language": "bash", "code": 'echo "$#:$1:$2"', "args": ["a b", "c"]})
    check(r["status"] == "success" and r["stdout"] == "2:a b:c\n", r)


def test_v1_exec_bad_requests_name_the_field():
    s = shared_server()
    v1_error(s, {"code": "print(1)"}, field="language")
    v1_error(s, {"language": None, "code": "print(1)"}, field="language")
    v1_error(s, {"language": "cobol", "code": "print(1)"}, field="language")
    v1_error(s, {"language": 3, "code": "print(1)"}, field="language")
    v1_error(s, {"language": "python"}, field="code")
    v1_error(s, {"language": "python", "code": ["print(1)"]}, field="code")
    v1_error(s, {"language": "python", "code": 42}, field="code")
    v1_error(s, {"language": "python", "code": "print(1)", "stdin": 5}, field="stdin")
    v1_error(s, {"language": "python", "code": "print(1)", "args": "x"}, field="args")
    v1_error(s, {"language": "python", "code": "print(1)", "timeout": 0}, field="timeout")
    v1_error(s, {"language": "python", "code": "print(1)", "timeout": 10000}, field="timeout")
    # the native API's other names are not the seed's: refused, not silently taken
    v1_error(s, {"language": "python", "source_code": "print(1)"}, field="source_code")
    v1_error(s, {"language": "python", "code": "print(1)", "tests": []}, field="tests")
    v1_error(s, raw=b'{"language": "python", "code": "print(1)", "code": "x"}', field="code")
    v1_error(s, raw=b'{"language": "python", "code": ', field=None)
    v1_error(s, raw=b'[1, 2]', field=None)
    v1_error(s, {"language": "python", "code": "x" * (1024 * 1024 + 1)}, field="code", status=413)


def test_v1_wrong_methods():
    s = shared_server()
    st, js, hd = s.request("GET", "/v1/exec")
    check(st == 405 and hd.get("Allow") == "POST" and js.get("error"), (st, js, hd))
    st, js, hd = s.request("POST", "/v1/spec", {})
    check(st == 405 and "GET" in hd.get("Allow", "") and js.get("error"), (st, js, hd))

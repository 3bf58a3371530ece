"""test_judge0.py - the Judge0 CE API drop-in through HTTP (master/judge0.c, under judge0.prefix):
the examples of Judge0's own API documentation run with wait=true and with polling, a Base64
round trip, a batch of 5, the statuses of accepted, wrong answer, time limit, compile error,
SIGSEGV, SIGFPE, SIGABRT and NZEC runs, 422 and 400 answers, languages/statuses/about, API-key
isolation, a full queue (503), and wait=true with the submission store down."""
import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import Server, check, shared_server, wait_until

P = "/judge0"
TOKEN = re.compile(r"^[0-9a-f]{32}$")
SECONDS = re.compile(r"^\d+\.\d{3}$")
DEFAULT_FIELDS = {"token", "time", "memory", "stdout", "stderr", "compile_output", "message",
                  "status"}

# Fixtures copied from Judge0 CE v1.13.1's API documentation, docs/api/submissions/
# create_a_submission.md and create_a_submission_batch.md (github.com/judge0/judge0 @47dfd63).
# The documentation's C examples use language_id 4, C's id before Judge0 1.x; it is 50 (C, GCC)
# in v1.13.1's db/languages/active.rb, so the fixtures say 50 (as a string once, as the doc does).
DOC_C_HELLO = ("#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n"
               "  printf(\"hello, %s\\n\", name);\n  return 0;\n}")
DOC_CREATE = {"source_code": DOC_C_HELLO, "language_id": 50, "stdin": "world"}
DOC_WAIT = {"source_code": DOC_C_HELLO, "language_id": "50", "stdin": "Judge0",
            "expected_output": "hello, Judge0"}
DOC_WAIT_ANSWER = {"stdout": "hello, Judge0\n", "stderr": None, "compile_output": None,
                   "message": None, "status": {"id": 3, "description": "Accepted"}}
DOC_NO_LANGUAGE = {"source_code": DOC_C_HELLO}
DOC_NO_LANGUAGE_422 = {"language_id": ["can't be blank"]}
DOC_BAD_LANGUAGE = {"source_code": DOC_C_HELLO, "language_id": 150000, "stdin": "world",
                    "expected_output": "hello, world"}
DOC_BAD_LANGUAGE_422 = {"language_id": ["language with id 150000 doesn't exist"]}
DOC_LIMITS = {"source_code": DOC_C_HELLO, "language_id": 50, "number_of_runs": 1, "stdin": "Judge0",
              "expected_output": "hello, Judge0", "cpu_time_limit": 1, "cpu_extra_time": 0.5,
              "wall_time_limit": 100000, "memory_limit": 128000, "stack_limit": 128000,
              "enable_per_process_and_thread_time_limit": False,
              "enable_per_process_and_thread_memory_limit": False, "max_file_size": 1024}
DOC_BASE64 = {"source_code": "I2luY2x1ZGUgPHN0ZGlvLmg+CgppbnQgbWFpbih2b2lkKSB7CiAgY2hhciBuYW1lWz"
                             "EwXTsKICBzY2FuZigiJXMiLCBuYW1lKTsKICBwcmludGYoImhlbGxvLCAlc1xuIiwg"
                             "bmFtZSk7CiAgcmV0dXJuIDA7Cn0=",
              "language_id": 50, "stdin": "SnVkZ2Uw"}  # the doc's "input" is ignored by Judge0
DOC_BATCH = {"submissions": [{"language_id": 46, "source_code": "echo hello from Bash"},
                             {"language_id": 71, "source_code": "print(\"hello from Python\")"},
                             {"language_id": 72, "source_code": "puts(\"hello from Ruby\")"}]}
DOC_BATCH_MIXED = {"submissions": [{"language_id": 46, "source_code": "echo hello from Bash"},
                                   {"language_id": 123456789,
                                    "source_code": "print(\"hello from Python\")"},
                                   {"language_id": 72, "source_code": ""}]}


def post(s, body, query="", status=201, path="/submissions", headers=None):
    st, js, _ = s.request("POST", P + path + query, body, headers=headers)
    check(st == status, f"POST {P}{path}{query} {body!r:.160}: expected {status}, got {st} {js}")
    return js


def get(s, path, status=200, headers=None):
    st, js, _ = s.request("GET", P + path, headers=headers)
    check(st == status, f"GET {P}{path}: expected {status}, got {st} {js}")
    return js


def poll(s, token, query="", headers=None):
    """GET /submissions/{token} until its status is neither In Queue nor Processing."""
    box = {}

    def ended():
        js = get(s, f"/submissions/{token}{query}", headers=headers)
        box["js"] = js
        st = js.get("status") or {"id": js.get("status_id")}
        return st["id"] not in (1, 2)
    wait_until(ended, 90, f"submission {token} to end")
    return box["js"]


def run(s, body, query=""):
    """wait=true: the 201 with the submission."""
    js = post(s, body, "?wait=true" + query)
    check("fields=" in query or TOKEN.match(js["token"] or ""), js)
    return js


def test_docs_example_with_wait():
    s = shared_server()
    js = run(s, DOC_WAIT)
    check(set(js) == DEFAULT_FIELDS, f"not Judge0's default fields: {js}")
    check({k: js[k] for k in DOC_WAIT_ANSWER} == DOC_WAIT_ANSWER, js)
    check(SECONDS.match(js["time"]) and isinstance(js["memory"], int) and js["memory"] > 0, js)


def test_docs_example_with_polling():
    s = shared_server()
    created = post(s, DOC_CREATE)
    check(set(created) == {"token"} and TOKEN.match(created["token"]), created)
    js = poll(s, created["token"])
    check(js["stdout"] == "hello, world\n" and js["status"]["id"] == 3, js)
    # the doc's fields example (get_a_submission.md)
    js = get(s, f"/submissions/{created['token']}?fields=stdout,stderr,status_id,language_id")
    check(js == {"stdout": "hello, world\n", "stderr": None, "status_id": 3, "language_id": 50},
          js)
    js = get(s, f"/submissions/{created['token']}?fields=*")
    check(js["source_code"] == DOC_C_HELLO and js["stdin"] == "world", js)
    check(js["language"] == {"id": 50, "name": js["language"]["name"]} and
          js["language"]["name"].startswith("C (GCC "), js)
    check(SECONDS.match(js["wall_time"]) and js["exit_code"] == 0 and js["finished_at"], js)


def test_docs_examples_refused_422():
    s = shared_server()
    check(post(s, DOC_NO_LANGUAGE, status=422) == DOC_NO_LANGUAGE_422)
    check(post(s, DOC_BAD_LANGUAGE, status=422) == DOC_BAD_LANGUAGE_422)
    js = post(s, DOC_LIMITS, status=422)
    check(list(js) == ["wall_time_limit"] and js["wall_time_limit"][0].startswith(
        "must be less than or equal to"), js)
    js = post(s, {"language_id": 71, "source_code": "x", "memory_limit": "lots",
                  "callback_url": "ftp://x", "compiler_options": "-O3"}, status=422)
    check(set(js) == {"memory_limit", "callback_url", "compiler_options"}, js)
    js = post(s, {"language_id": 71, "source_code": "print(1)"}, "?wait=true&base64_encoded=true",
              status=422)
    check(list(js) == ["source_code"], js)


def test_unknown_fields_400():
    s = shared_server()
    st, js, _ = s.request("POST", P + "/submissions?fields=stdout,bogus,id", DOC_CREATE)
    check(st == 400 and js == {"error": "invalid fields: [bogus, id]"}, (st, js))
    st, js, _ = s.request("GET", P + "/submissions/" + "0" * 32 + "?fields=nope")
    check(st == 400 and js == {"error": "invalid fields: [nope]"}, (st, js))
    check(get(s, "/submissions/" + "0" * 32, status=404) == {"error": "Not Found"})
    st, js, _ = s.request("POST", P + "/submissions", raw=b"[1,2]")
    check(st == 400 and "error" in js, (st, js))
    st, js, _ = s.request("DELETE", P + "/submissions/" + "0" * 32)
    check(st == 400 and js == {"error": "delete not allowed"}, (st, js))


def test_base64_round_trip():
    s = shared_server()
    js = run(s, DOC_BASE64, "&base64_encoded=true")
    check(base64.b64decode(js["stdout"]) == b"hello, Judge0\n" and js["status"]["id"] == 3, js)
    tok = post(s, DOC_BASE64, "?base64_encoded=true")["token"]
    js = poll(s, tok, "?base64_encoded=true&fields=source_code,stdin,stdout,status")
    check(js["source_code"] == DOC_BASE64["source_code"] and js["stdin"] == "SnVkZ2Uw", js)
    check(base64.b64decode(js["stdout"]) == b"hello, Judge0\n", js)
    js = get(s, f"/submissions/{tok}?fields=stdin,stdout")
    check(js == {"stdin": "Judge0", "stdout": "hello, Judge0\n"}, js)
    text = "ünïcödé\tand\x01control\n"
    body = {"language_id": 71, "source_code": base64.b64encode(
        b"import sys\nsys.stdout.write(sys.stdin.read())").decode(),
            "stdin": base64.b64encode(text.encode()).decode(),
            "expected_output": base64.b64encode(text.encode()).decode()}
    js = run(s, body, "&base64_encoded=true")
    check(base64.b64decode(js["stdout"]).decode() == text and js["status"]["id"] == 3, js)


def test_batch_of_5():
    s = shared_server()
    subs = DOC_BATCH["submissions"] + [
        {"language_id": 63, "source_code": "console.log('hello from JavaScript')"},
        {"language_id": 54, "source_code": "#include <cstdio>\nint main(){puts(\"hello from C++\");}"}]
    created = post(s, {"submissions": subs}, path="/submissions/batch")
    check(len(created) == 5 and all(set(c) == {"token"} for c in created), created)
    tokens = ",".join(c["token"] for c in created)
    box = {}

    def all_ended():
        js = get(s, f"/submissions/batch?tokens={tokens}&fields=token,stdout,status_id")
        box["js"] = js
        return all(x["status_id"] not in (1, 2) for x in js["submissions"])
    wait_until(all_ended, 120, "the batch to end")
    got = box["js"]["submissions"]
    want = ["Bash", "Python", "Ruby", "JavaScript", "C++"]
    for c, x, w in zip(created, got, want):
        check(x == {"token": c["token"], "stdout": f"hello from {w}\n", "status_id": 3}, x)
    js = get(s, f"/submissions/batch?tokens={created[0]['token']},{'f' * 32}")
    check(js["submissions"][1] is None and js["submissions"][0]["status"]["id"] == 3, js)
    # the doc's second batch: the invalid entries are answered in place, 201 overall
    mixed = post(s, DOC_BATCH_MIXED, path="/submissions/batch")
    check(TOKEN.match(mixed[0]["token"]), mixed)
    check(mixed[1] == {"language_id": ["language with id 123456789 doesn't exist"]}, mixed)
    check(mixed[2] == {"source_code": ["can't be blank"]}, mixed)
    js = post(s, {"submissions": [{"language_id": 1}]}, path="/submissions/batch", status=422)
    check(js == [{"language_id": ["language with id 1 doesn't exist"],
                  "source_code": ["can't be blank"]}], js)
    js = post(s, {"submissions": []}, path="/submissions/batch", status=400)
    check(js == {"error": "there should be at least one submission in a batch"}, js)
    st, js, _ = s.request("GET", P + "/submissions/batch")
    check(st == 400 and js == {"error": "there should be at least one submission in a batch"}, js)


C_SEGV = "int main(void){volatile int *p = 0; return *p;}"
C_FPE = "#include <stdio.h>\nint main(void){volatile int z = 0; printf(\"%d\", 7 / z); return 0;}"
C_ABRT = "#include <stdlib.h>\nint main(void){abort();}"


def test_statuses_of_runs():
    s = shared_server()
    cases = [
        ({"language_id": 71, "source_code": "print(input())", "stdin": "42",
          "expected_output": "42\n\n"}, 3, "Accepted"),
        ({"language_id": 71, "source_code": "print(41)", "expected_output": "42"}, 4,
         "Wrong Answer"),
        ({"language_id": 71, "source_code": "while True: pass", "cpu_time_limit": 1}, 5,
         "Time Limit Exceeded"),
        ({"language_id": 50, "source_code": "int main(void) { return nope; }"}, 6,
         "Compilation Error"),
        ({"language_id": 50, "source_code": C_SEGV}, 7, "Runtime Error (SIGSEGV)"),
        ({"language_id": 50, "source_code": C_FPE}, 9, "Runtime Error (SIGFPE)"),
        ({"language_id": 50, "source_code": C_ABRT}, 10, "Runtime Error (SIGABRT)"),
        ({"language_id": 71, "source_code": "import sys\nsys.exit(3)"}, 11,
         "Runtime Error (NZEC)"),
    ]
    for body, sid, desc in cases:
        js = run(s, body, "&fields=status,message,time,compile_output,exit_code,exit_signal")
        check(js["status"] == {"id": sid, "description": desc}, f"{body}: {js}")
        if sid == 6:
            check("nope" in js["compile_output"] and js["time"] is None, js)
        if sid == 5:
            check(js["message"] == "Time limit exceeded", js)
        if sid in (7, 9, 10):
            check(js["exit_signal"] == {7: 11, 9: 8, 10: 6}[sid], js)
        if sid == 11:
            check(js["exit_code"] == 3 and js["message"] == "Exited with error status 3", js)


def test_options_arguments_and_redirect():
    s = shared_server()
    js = run(s, {"language_id": 50, "compiler_options": "-DNUM=42 -Wall",
                 "command_line_arguments": "one 'two three'",
                 "source_code": "#include <stdio.h>\nint main(int c, char **v)"
                                "{printf(\"%d %d %s|%s\\n\", NUM, c, v[1], v[2]);}"})
    check(js["stdout"] == "42 3 one|two three\n", js)
    js = run(s, {"language_id": 71, "redirect_stderr_to_stdout": True,
                 "source_code": "import sys\nprint('out')\nsys.stdout.flush()\n"
                                "print('err', file=sys.stderr)"})
    check(js["stdout"] == "out\nerr\n" and js["stderr"] is None, js)


def test_callback_url_gets_a_put_in_judge0_shape():
    """Like Judge0 (isolate_job.rb call_callback): a PUT of the default fields, Base64-encoded,
    once the submission ended; the URL is checked like a native callback_url (callbacks.allow)."""
    got, cond = [], threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_PUT(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with cond:
                got.append((self.command, self.path, raw))
                cond.notify_all()
            self.send_response(200)
            self.end_headers()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        s = shared_server()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/judge0-cb"
        tok = post(s, {"language_id": 71, "source_code": "print(6 * 7)", "expected_output": "42",
                       "callback_url": url})["token"]
        with cond:
            cond.wait_for(lambda: got, 60)
        check(got, "no callback within 60 s")
        method, path, raw = got[0]
        js = json.loads(raw)
        check(method == "PUT" and path == "/judge0-cb" and set(js) == DEFAULT_FIELDS, (method, js))
        check(js["token"] == tok and base64.b64decode(js["stdout"]) == b"42\n" and
              js["status"] == {"id": 3, "description": "Accepted"}, js)
        js = post(s, {"language_id": 71, "source_code": "1", "callback_url": "http://10.1.2.3/x"},
                  status=422)
        check(list(js) == ["callback_url"], js)
        js = post(s, {"language_id": 71, "source_code": "1", "callback_url": "file:///x"},
                  status=422)
        check(js == {"callback_url": ["must be an http:// or https:// URL"]}, js)
    finally:
        httpd.shutdown()


def test_languages_statuses_about():
    s = shared_server()
    st = get(s, "/statuses")
    check([x["id"] for x in st] == list(range(1, 15)), st)
    check(st[6]["description"] == "Runtime Error (SIGSEGV)" and
          st[13]["description"] == "Exec Format Error", st)
    langs = get(s, "/languages")
    ids = {x["id"]: x["name"] for x in langs}
    check({46, 50, 54, 60, 62, 63, 68, 71, 72, 73, 74, 91, 92, 93, 94, 95, 98} == set(ids), ids)
    ours = {x["id"]: x["version"] for x in s.request("GET", "/languages")[1]}
    check(ids[71] == f"Python ({ours['python']})" and ids[50] == f"C (GCC {ours['c']})", ids)
    one = get(s, "/languages/54")
    check(one["source_file"] == "main.cpp" and one["compile_cmd"].startswith("g++") and
          one["is_archived"] is False and one["run_cmd"] == "./main", one)
    check(get(s, "/languages/71")["compile_cmd"] is None)
    check(get(s, "/languages/4", status=404) == {"error": "Not Found"})
    about = get(s, "/about")
    check(set(about) == {"version", "homepage", "source_code", "maintainer"}, about)


def test_api_key_isolation():
    k1, k2 = "judge0-key-one-1234", "judge0-key-two-5678"
    h1, h2 = {"X-API-Key": k1}, {"Authorization": f"Bearer {k2}"}
    with Server(workers=1, env={"EXECUTIONER_AUTH_KEYS": f"{k1},{k2}"}) as s:
        s.wait_ready()
        check(s.request("POST", P + "/submissions", DOC_CREATE)[0] == 401)
        check(s.request("GET", P + "/statuses")[0] == 401)
        tok = post(s, {"language_id": 46, "source_code": "echo mine"}, headers=h1)["token"]
        check(poll(s, tok, headers=h1)["stdout"] == "mine\n")
        check(get(s, f"/submissions/{tok}", status=404, headers=h2) == {"error": "Not Found"})
        js = get(s, f"/submissions/batch?tokens={tok}", headers=h2)
        check(js == {"submissions": [None]}, js)


def test_queue_full_503():
    """One worker, a queue of 2: one runs, two wait, the next is refused as Judge0 refuses it."""
    with Server(workers=1, env={"EXECUTIONER_SERVER_QUEUE_SIZE": "2"}) as s:
        s.wait_ready()
        slow = {"language_id": 71, "source_code": "import time\ntime.sleep(3)"}
        first = post(s, slow)["token"]
        wait_until(lambda: get(s, f"/submissions/{first}")["status"]["id"] == 2, 30,
                   "the first to run")
        post(s, slow)
        post(s, slow)
        check(post(s, slow, status=503) == {"error": "queue is full"})
        check(post(s, slow, "?wait=true", status=503) == {"error": "queue is full"})


def test_custom_prefix_and_wait_without_store():
    """judge0.prefix moves the API; with the store unable to open its file, wait=true still
    runs (unstored: token null) while the asynchronous form answers 503."""
    env = {"EXECUTIONER_JUDGE0_PREFIX": "/api/j0",
           "EXECUTIONER_STORE_PATH": "/proc/executioner-no-such-dir/submissions.db"}
    with Server(workers=1, env=env) as s:
        s.wait_ready()
        check(s.request("GET", "/judge0/statuses")[0] == 404)
        st, js, _ = s.request("POST", "/api/j0/submissions?wait=true", DOC_WAIT)
        check(st == 201 and js["token"] is None and js["status"]["id"] == 3, (st, js))
        st, js, _ = s.request("POST", "/api/j0/submissions", DOC_WAIT)
        check(st == 503 and "store" in js["error"], (st, js))

"""test_callbacks.py - callback_url of POST /submissions through HTTP, against a local receiver
(http.server in a thread on 127.0.0.1): the result arrives with a correct X-Executioner-Signature,
a receiver that fails twice gets it on the third attempt, a hanging one is timed out while the
service stays responsive, a huge answer does no harm, and disallowed destinations are 400s naming
callback_url."""
import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import os
import signal

from harness import Server, check, child_pids, comm, wait_until

SECRET = "callbacks-test-secret"
ENV = {"EXECUTIONER_CALLBACKS_SECRET": SECRET, "EXECUTIONER_CALLBACKS_BACKOFF_MS": "200",
       "EXECUTIONER_CALLBACKS_TIMEOUT_MS": "1500", "EXECUTIONER_CALLBACKS_RETRIES": "3"}
_srv = None
_recv = None


class Receiver:
    """A callback receiver: /ok, /flaky (500 twice, then 200), /hang (answers nothing until
    released), /big (200 with a 64 MiB answer); each request kept as (path, headers, raw body)."""

    def __init__(self):
        self.got = []
        self.cond = threading.Condition()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                with outer.cond:
                    outer.got.append((self.path, dict(self.headers), raw))
                    tries = sum(1 for p, _, _ in outer.got if p == self.path)
                    outer.cond.notify_all()
                kind = self.path.split("/")[1]
                try:
                    if kind == "hang":
                        outer.release.wait(60)
                        return
                    if kind == "flaky" and tries <= 2:
                        self.send_response(500)
                        self.end_headers()
                        return
                    self.send_response(200)
                    if kind == "big":
                        self.send_header("Content-Length", str(64 << 20))
                        self.end_headers()
                        chunk = b"x" * (1 << 20)
                        for _ in range(64):
                            self.wfile.write(chunk)
                        return
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the service stopped reading: what it should do

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_to(self, path):
        with self.cond:
            return [g for g in self.got if g[0] == path]

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def setup():
    global _srv, _recv
    if _recv is None:
        _recv = Receiver()
    if _srv is None or _srv.proc.poll() is not None:
        _srv = Server(workers=2, env=ENV).wait_ready()
    return _srv, _recv


def teardown():
    global _srv, _recv
    if _recv is not None:
        _recv.close()
        _recv = None
    if _srv is not None:
        s, _srv = _srv, None
        check(s.stop() == 0, f"the server did not exit 0; log: {s.log_path}")


def tag():
    return f"{time.time_ns()}"


def metric(s, name, labels=""):
    st, text, _ = s.request("GET", "/metrics", timeout=10)
    check(st == 200, f"/metrics: HTTP {st}")
    m = re.search(r"^" + re.escape(name + labels) + r"\s+(\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def submit(s, body, expect=201):
    st, js, _ = s.request("POST", "/submissions", body)
    check(st == expect, f"POST /submissions: HTTP {st} {js}")
    return js


def wait_requests(r, path, n, timeout=60):
    wait_until(lambda: len(r.requests_to(path)) >= n, timeout, f"{n} callback(s) to {path}")
    return r.requests_to(path)


def test_callback_delivered_with_signature():
    s, r = setup()
    before = metric(s, "executioner_callbacks_total", '{outcome="delivered"}')
    path = f"/ok/{tag()}"
    tok = submit(s, {"language": "python", "source_code": "print(6 * 7)",
                     "callback_url": r.url(path)})["token"]
    (_, headers, raw), = wait_requests(r, path, 1)
    want = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    check(headers.get("X-Executioner-Signature") == want,
          f"signature {headers.get('X-Executioner-Signature')!r}, expected {want!r}")
    check(headers.get("Content-Type") == "application/json", f"headers: {headers}")
    js = json.loads(raw)
    check(js["token"] == tok and js["status"] == "done", f"callback body: {js}")
    check(js["result"]["stdout"] == "42\n", f"callback result: {js['result']}")
    st, got, _ = s.request("GET", f"/submissions/{tok}")
    check(st == 200 and got == js, f"GET gives {got}, the callback had {js}")
    wait_until(lambda: metric(s, "executioner_callbacks_total", '{outcome="delivered"}') > before,
               10, "the delivery to be counted")


def test_callback_failed_job_is_posted_too():
    s, r = setup()
    path = f"/ok/{tag()}"
    tok = submit(s, {"language": "python", "source_code": "raise SystemExit(3)",
                     "callback_url": r.url(path)})["token"]
    (_, _, raw), = wait_requests(r, path, 1)
    js = json.loads(raw)
    check(js["token"] == tok and js["result"]["exit_code"] == 3, f"callback body: {js}")


def test_callback_retried_until_third_attempt():
    s, r = setup()
    retries = metric(s, "executioner_callback_retries_total")
    path = f"/flaky/{tag()}"
    tok = submit(s, {"language": "python", "source_code": "print(1)",
                     "callback_url": r.url(path)})["token"]
    got = wait_requests(r, path, 3)
    check(all(json.loads(g[2])["token"] == tok for g in got), "each attempt carries the result")
    s.wait_log(f"callback to {r.url(path)} delivered (attempts: 3)", 30)
    check(len(r.requests_to(path)) == 3, "no attempt after the one that succeeded")
    check(metric(s, "executioner_callback_retries_total") >= retries + 2, "retries counted")


def test_callback_hanging_receiver_is_timed_out():
    s, r = setup()
    failed = metric(s, "executioner_callbacks_total", '{outcome="failed"}')
    path = f"/hang/{tag()}"
    submit(s, {"language": "python", "source_code": "print(1)", "callback_url": r.url(path)})
    wait_requests(r, path, 1)
    for _ in range(5):  # while the receiver hangs, the service answers at once
        t0 = time.monotonic()
        st, js, _ = s.request("GET", "/health", timeout=5)
        check(st == 200 and time.monotonic() - t0 < 2, f"/health: {st} {js}")
    check(s.run("python", "print('still here')")["stdout"] == "still here\n", "/execute works")
    s.wait_log(f"callback to {r.url(path)} failed after 4 attempts", 60)
    check(len(r.requests_to(path)) == 4, f"4 attempts: {len(r.requests_to(path))}")
    check(metric(s, "executioner_callbacks_total", '{outcome="failed"}') >= failed + 1,
          "the failure is counted")


def test_callback_large_answer_does_no_harm():
    s, r = setup()
    path = f"/big/{tag()}"
    submit(s, {"language": "python", "source_code": "print(1)", "callback_url": r.url(path)})
    wait_requests(r, path, 1)
    s.wait_log(f"callback to {r.url(path)} delivered (attempts: 1)", 30)
    st, _, _ = s.request("GET", "/health", timeout=5)
    check(st == 200, "the service is fine")


def test_callback_url_refused():
    s, r = setup()
    bad = ["http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data/",
           "http://[::ffff:10.0.0.1]/x", "http://[fe80::1]/x", "ftp://127.0.0.1/x",
           "file:///etc/passwd", "gopher://127.0.0.1:70/x", "127.0.0.1:8000/x", "//127.0.0.1/x",
           "http://user:pass@127.0.0.1/x", "http://user@127.0.0.1/x", "not a url", "",
           "http://" + "a" * 3000 + "/", 42, ["http://127.0.0.1/"]]
    for u in bad:
        st, js, _ = s.request("POST", "/submissions",
                              {"language": "python", "source_code": "print(1)", "callback_url": u})
        check(st == 400 and js.get("field") == "callback_url", f"{u!r}: {st} {js}")
    st, js, _ = s.request("GET", "/health")
    check(st == 200, "the service is fine")


def test_callback_host_resolving_outside_the_list_refused():
    s = Server(workers=1, env={**ENV, "EXECUTIONER_CALLBACKS_ALLOW": "127.0.0.2/32"}).wait_ready()
    try:
        for u, why in (("http://localhost:9/x", "resolves to"),
                       ("http://127.0.0.1:9/x", "not in callbacks.allow")):
            st, js, _ = s.request("POST", "/submissions",
                                  {"language": "python", "source_code": "1", "callback_url": u})
            check(st == 400 and js.get("field") == "callback_url" and why in js["error"],
                  f"{u}: {st} {js}")
        st, js, _ = s.request("POST", "/submissions",
                              {"language": "python", "source_code": "1",
                               "callback_url": "http://no-such-host.invalid/x"})
        check(st == 400 and js.get("field") == "callback_url", f".invalid: {st} {js}")
    finally:
        check(s.stop() == 0, f"the server did not exit 0; log: {s.log_path}")


def test_callbacks_of_queued_work_survive_a_restart():
    """SIGTERM with one submission running and one queued, each with a callback_url: the running
    one's callback goes out during the stop, the queued one's after the restart (its callback_url
    is stored with it)."""
    _, r = setup()
    s = Server(workers=1, env=ENV).wait_ready()
    path = s.store_path
    urls = [f"/ok/{tag()}-{i}" for i in range(2)]
    slow = "import time\ntime.sleep(2)\nprint('slept')"
    toks = [submit(s, {"language": "python", "source_code": slow,
                       "callback_url": r.url(u)})["token"] for u in urls]
    wait_until(lambda: s.request("GET", f"/submissions/{toks[0]}")[1]["status"] == "running",
               30, "the first to run")
    check(s.stop() == 0, f"log: {s.log_path}")
    (_, _, raw), = wait_requests(r, urls[0], 1, 5)
    check(json.loads(raw)["token"] == toks[0], "the first one's callback, during the stop")
    check(r.requests_to(urls[1]) == [], "the queued one did not run before the restart")
    s2 = Server(workers=1, env={**ENV, "EXECUTIONER_STORE_PATH": path}).wait_ready()
    try:
        (_, headers, raw), = wait_requests(r, urls[1], 1, 90)
        js = json.loads(raw)
        check(js["token"] == toks[1] and js["status"] == "done", f"after the restart: {js}")
        want = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        check(headers.get("X-Executioner-Signature") == want, "signed")
    finally:
        check(s2.stop() == 0, f"the server did not exit 0; log: {s2.log_path}")


def test_callbacks_process_killed_is_respawned_and_resends():
    """kill -9 of the callbacks process while a delivery hangs: it is respawned, the delivery
    is sent again to the new process, and new callbacks are delivered."""
    s, r = setup()
    path = f"/hang/{tag()}"
    submit(s, {"language": "python", "source_code": "print(1)", "callback_url": r.url(path)})
    wait_requests(r, path, 1)
    pid, = [p for p in child_pids(s.proc.pid, store=True) if comm(p) == "ex-callbacks"]
    mark = len(s.lines)
    os.kill(pid, signal.SIGKILL)
    s.wait_log("callbacks: process respawned; 1 deliveries sent again", 15, start=mark)
    wait_until(lambda: len(r.requests_to(path)) >= 2, 10, "the hanging delivery sent again")
    ok = f"/ok/{tag()}"
    tok = submit(s, {"language": "python", "source_code": "print(2)",
                     "callback_url": r.url(ok)})["token"]
    (_, _, raw), = wait_requests(r, ok, 1)
    check(json.loads(raw)["token"] == tok, "delivered by the new process")

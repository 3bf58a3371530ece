"""test_submissions.py - asynchronous submissions (POST/GET/DELETE /submissions) through HTTP:
submit and poll, ?wait=true, list pages and filters, delete, bad tokens and pages, API-key
isolation, a restart with queued work, kill -9 of the service under load, and the store process
killed (503 on the async endpoints, /execute still served, then recovery)."""
import os
import re
import shutil
import signal
import threading
import time

from harness import Server, check, wait_until

_srv = None
TOKEN = re.compile(r"^[0-9a-f]{32}$")
SLOW = "import time\ntime.sleep(2)\nprint('slept')"


def srv():
    """This file's own server (its store holds only what these tests put)."""
    global _srv
    if _srv is None or _srv.proc.poll() is not None:
        _srv = Server(workers=2).wait_ready()
    return _srv


def teardown():
    global _srv
    if _srv is not None:
        s, _srv = _srv, None
        check(s.stop() == 0, f"the server did not exit 0; log: {s.log_path}")


def submit(s, body, query="", headers=None, expect=201):
    st, js, hd = s.request("POST", "/submissions" + query, body, headers=headers)
    check(st == expect, f"POST /submissions{query}: HTTP {st} {js}")
    return js, hd


def get(s, token, headers=None):
    st, js, _ = s.request("GET", f"/submissions/{token}", headers=headers)
    return st, js


def wait_done(s, token, timeout=60, headers=None):
    box = {}

    def done():
        st, js = get(s, token, headers)
        check(st == 200, f"GET /submissions/{token}: HTTP {st} {js}")
        box["js"] = js
        return js["status"] in ("done", "failed")
    wait_until(done, timeout, f"submission {token} to end")
    return box["js"]


def test_submit_and_poll_until_done():
    s = srv()
    js, hd = submit(s, {"language": "python", "source_code": "print(6 * 7)"})
    tok = js["token"]
    check(TOKEN.match(tok), js)
    check(hd.get("X-Submission-Token") == tok, hd)
    r = wait_done(s, tok)
    check(r["status"] == "done" and r["token"] == tok and r["language"] == "python", r)
    check(r["result"]["stdout"] == "42\n" and r["result"]["status"] == "ok", r)
    check(r["attempts"] == 1 and r["http_status"] == 200, r)
    check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", r["created_at"]), r)
    st, h, _ = s.request("GET", "/health")
    check(h["store"]["state"] == "up" and h["store"]["backend"] == "sqlite", h)


def test_status_goes_through_running():
    s = srv()
    tok = submit(s, {"language": "python", "source_code": SLOW})[0]["token"]
    seen = set()

    def running():
        st, js = get(s, tok)
        seen.add(js["status"])
        return js["status"] == "running"
    wait_until(running, 30, "the submission to run")
    r = wait_done(s, tok)
    check(r["status"] == "done" and r["result"]["stdout"] == "slept\n", r)


def test_wait_true_answers_like_execute_and_stores():
    s = srv()
    body = {"language": "bash", "source_code": "echo hi; exit 3"}
    js, hd = submit(s, body, "?wait=true", expect=200)
    st, ex, _ = s.request("POST", "/execute", body)
    check(st == 200 and js["stdout"] == ex["stdout"] == "hi\n" and js["exit_code"] == 3, js)
    tok = hd.get("X-Submission-Token", "")
    check(TOKEN.match(tok), hd)
    st, r = get(s, tok)
    check(st == 200 and r["status"] == "done" and r["result"]["exit_code"] == 3, r)


def test_judge_mode_and_validation_as_execute():
    s = srv()
    tok = submit(s, {"language": "python", "source_code": "print(int(input()) * 2)",
                     "tests": [{"stdin": "2", "expected_output": "4"},
                               {"stdin": "3", "expected_output": "7"}]})[0]["token"]
    r = wait_done(s, tok)
    check(r["result"]["verdict"] == "wrong_answer" and r["result"]["passed"] == 1, r)
    for bad in ({"language": "nope", "source_code": "x"}, {"language": "python"},
                {"language": "python", "source_code": "x", "time_limit": -1}):
        st1, a, _ = s.request("POST", "/submissions", bad)
        st2, b, _ = s.request("POST", "/execute", bad)
        check(st1 == st2 == 400 and a == b, f"{bad}: {st1} {a} vs {st2} {b}")
    st, a, _ = s.request("POST", "/submissions", raw=b"{not json")
    check(st == 400, a)


def test_list_pages_and_filters():
    s = srv()
    toks = [submit(s, {"language": "bash", "source_code": f"echo {i}"}, "?wait=true",
                   expect=200)[1]["X-Submission-Token"] for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        q = "/submissions?language=bash&status=done&limit=2" + (f"&cursor={cursor}" if cursor else "")
        st, js, _ = s.request("GET", q)
        check(st == 200 and len(js["submissions"]) <= 2, js)
        check(all(x["language"] == "bash" and x["status"] == "done" for x in js["submissions"]), js)
        seen += [x["token"] for x in js["submissions"]]
        pages += 1
        cursor = js["next_cursor"]
        if cursor is None:
            break
    check(seen[:5] == toks[::-1], f"newest first: {seen[:5]} vs {toks[::-1]}")
    check(len(seen) == len(set(seen)) and pages >= 3, seen)
    st, js, _ = s.request("GET", f"/submissions?since={int(time.time()) + 3600}")
    check(st == 200 and js["submissions"] == [] and js["next_cursor"] is None, js)
    st, js, _ = s.request("GET", "/submissions?since=2000-01-01T00:00:00Z&limit=1")
    check(st == 200 and len(js["submissions"]) == 1, js)
    for q, field in (("limit=101", "limit"), ("limit=0", "limit"), ("limit=x", "limit"),
                     ("status=sleeping", "status"), ("cursor=abc", "cursor"),
                     ("since=yesterday", "since")):
        st, js, _ = s.request("GET", "/submissions?" + q)
        check(st == 400 and js.get("field") == field, f"{q}: {st} {js}")


def test_delete_and_bad_tokens():
    s = srv()
    tok = submit(s, {"language": "bash", "source_code": "echo x"}, "?wait=true",
                 expect=200)[1]["X-Submission-Token"]
    st, js, _ = s.request("DELETE", f"/submissions/{tok}")
    check(st == 204, js)
    check(get(s, tok)[0] == 404)
    check(s.request("DELETE", f"/submissions/{tok}")[0] == 404)
    for bad in ("xyz", "0" * 31, "0" * 33, "A" * 32):
        st, js = get(s, bad)
        check(st == 400 and js.get("field") == "token", f"{bad}: {st} {js}")
    check(get(s, "0" * 32)[0] == 404)
    st, js, hd = s.request("PUT", "/submissions", {})
    check(st == 405 and hd.get("Allow") == "GET, POST", (st, hd))
    st, js, hd = s.request("POST", f"/submissions/{'0' * 32}", {})
    check(st == 405 and hd.get("Allow") == "GET, DELETE", (st, hd))


def test_api_key_isolation():
    k1, k2 = "first-key-123456", "second-key-65432"
    h1, h2 = {"X-API-Key": k1}, {"Authorization": f"Bearer {k2}"}
    with Server(workers=1, env={"EXECUTIONER_AUTH_KEYS": f"{k1},{k2}"}) as s:
        s.wait_ready()
        check(s.request("POST", "/submissions", {"language": "bash", "source_code": "echo"})[0]
              == 401)
        tok = submit(s, {"language": "bash", "source_code": "echo mine"}, headers=h1)[0]["token"]
        wait_done(s, tok, headers=h1)
        check(get(s, tok, h2)[0] == 404)
        check(s.request("DELETE", f"/submissions/{tok}", headers=h2)[0] == 404)
        st, js, _ = s.request("GET", "/submissions", headers=h2)
        check(st == 200 and js["submissions"] == [], js)
        st, js, _ = s.request("GET", "/submissions", headers=h1)
        check([x["token"] for x in js["submissions"]] == [tok], js)
        with open(s.store_path, "rb") as f:
            check(k1.encode() not in f.read(), "the key itself is in the database")


def test_restart_runs_queued_work():
    """SIGTERM with one running and three queued: the running one ends during the drain, the
    queued ones stay queued in the store and run after the restart, once each."""
    s = Server(workers=1).wait_ready()
    path = s.store_path
    toks = [submit(s, {"language": "python", "source_code": SLOW})[0]["token"] for _ in range(4)]
    wait_until(lambda: get(s, toks[0])[1]["status"] == "running", 30, "the first to run")
    check(s.stop() == 0, f"log: {s.log_path}")
    with Server(workers=1, env={"EXECUTIONER_STORE_PATH": path}) as s2:
        s2.wait_log("recovery:", 60)
        rs = [wait_done(s2, t, 90) for t in toks]
        check(all(r["status"] == "done" and r["result"]["stdout"] == "slept\n" for r in rs), rs)
        check([r["attempts"] for r in rs] == [1, 1, 1, 1], [r["attempts"] for r in rs])


def test_kill_9_mid_load_loses_nothing():
    s = Server(workers=1).wait_ready()
    path, accepted, lock = s.store_path, [], threading.Lock()

    def client(i):
        st, js, _ = s.request("POST", "/submissions", {"language": "python", "source_code":
                                                        SLOW if i < 2 else f"print({i})"})
        if st == 201:
            with lock:
                accepted.append(js["token"])
    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    wait_until(lambda: any(get(s, t)[1]["status"] == "running" for t in accepted), 30,
               "a submission to run")
    running = [t for t in accepted if get(s, t)[1]["status"] == "running"]
    s.signal(signal.SIGKILL)
    s.stop()
    check(len(accepted) == 8, accepted)
    with Server(workers=2, env={"EXECUTIONER_STORE_PATH": path}) as s2:
        s2.wait_ready()
        rs = {t: wait_done(s2, t, 120) for t in accepted}
        check(all(r["status"] == "done" for r in rs.values()), rs)
        check(all(rs[t]["attempts"] == 2 for t in running), [rs[t] for t in running])
        st, js, _ = s2.request("GET", "/submissions?limit=100")
        check(sorted(x["token"] for x in js["submissions"]) == sorted(accepted), js)


def _store_pid(s, start=0):
    i = s.wait_log("store: sqlite database", 30, start)
    return int(re.search(r"store\[(\d+)\]", s.lines[i]).group(1)), i


def test_store_killed_then_recovers():
    s = srv()
    tok = submit(s, {"language": "bash", "source_code": "echo kept"}, "?wait=true",
                 expect=200)[1]["X-Submission-Token"]
    pid, at = _store_pid(s)
    d = os.path.dirname(s.store_path)
    os.rename(d, d + ".away")  # the respawned store cannot open its file until it is back
    with open(d, "w") as f:
        f.write("not a directory")
    try:
        os.kill(pid, signal.SIGKILL)

        def down():
            st, js, _ = s.request("POST", "/submissions", {"language": "bash", "source_code": "echo"})
            return st == 503 and "store" in js["error"]
        wait_until(down, 20, "POST /submissions to answer 503")
        st, h, _ = s.request("GET", "/health")
        check(st == 200 and h["store"]["state"] == "down" and h["store"]["error"], h)
        check(get(s, tok)[0] == 503)
        check(s.run("python", "print('still here')")["stdout"] == "still here\n")
    finally:
        os.remove(d)
        os.rename(d + ".away", d)
    wait_until(lambda: s.request("GET", "/health")[1]["store"]["state"] == "up", 20,
               "the store to be back")
    st, r = get(s, tok)
    check(st == 200 and r["result"]["stdout"] == "kept\n", r)
    wait_done(s, submit(s, {"language": "bash", "source_code": "echo again"})[0]["token"])
    check(_store_pid(s, at + 1)[0] != pid)

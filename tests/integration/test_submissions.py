"""test_submissions.py - asynchronous submissions (POST/GET/DELETE /submissions) through HTTP,
each test run once per store back-end (name suffix _sqlite or _pg; PostgreSQL is a private
server under build/, tests/integration/pg_cluster.py): submit and poll, ?wait=true, list pages
and filters, delete, bad tokens and pages, API-key isolation, a restart with queued work, kill -9
of the service under load, retention, the database away (503 on the async endpoints, /execute
still served, then recovery without a restart), and PostgreSQL's schema migrations."""
import os
import re
import signal
import subprocess
import sqlite3
import tempfile
import threading
import time

import harness
import pg_cluster
from harness import Server, check, free_port, wait_until

TOKEN = re.compile(r"^[0-9a-f]{32}$")
SLOW = "import time\ntime.sleep(2)\nprint('slept')"


class SQLite:
    name, backend = "sqlite", "sqlite"

    def fresh(self):
        """The environment of a service with a new, empty store."""
        d = tempfile.mkdtemp(prefix="executioner-itest-store-")
        return {"EXECUTIONER_STORE_PATH": os.path.join(d, "submissions.db")}

    def sql(self, env, stmt):
        with sqlite3.connect(env["EXECUTIONER_STORE_PATH"], timeout=10) as db:
            return [[str(x) for x in row] for row in db.execute(stmt).fetchall()]

    def dump(self, env):
        with open(env["EXECUTIONER_STORE_PATH"], "rb") as f:
            return f.read()

    def down(self, s, env):
        """The database away: its directory replaced by a file and the store process killed,
        so that the respawned one cannot open it. Returns what up() needs."""
        pid = _store_pid(s)
        d = os.path.dirname(env["EXECUTIONER_STORE_PATH"])
        os.rename(d, d + ".away")
        with open(d, "w") as f:
            f.write("not a directory")
        os.kill(pid, signal.SIGKILL)
        return d

    def up(self, d):
        os.remove(d)
        os.rename(d + ".away", d)


class Postgres:
    name, backend = "pg", "postgresql"
    cluster = None

    def pg(self):
        if Postgres.cluster is None:
            Postgres.cluster = pg_cluster.Cluster("itest")
        if not Postgres.cluster.running():
            Postgres.cluster.start()
        return Postgres.cluster

    def fresh(self):
        return {"EXECUTIONER_STORE_URL": self.pg().create_db()}

    def sql(self, env, stmt):
        return self.pg().psql(stmt, db=env["EXECUTIONER_STORE_URL"].rsplit("/", 1)[1])

    def dump(self, env):
        return "\n".join("|".join(r) for r in self.sql(env, "SELECT * FROM submissions")).encode()

    def down(self, s, env):
        self.pg().stop()  # fast shutdown: the store's connection is cut, as in an outage

    def up(self, _):
        Postgres.cluster.start()


_srv = {}  # per back-end: this file's own server (its store holds only what these tests put)


def srv(b):
    s = _srv.get(b.name)
    if s is None or s.proc.poll() is not None:
        env = b.fresh()
        s = _srv[b.name] = Server(workers=2, env=env).wait_ready()
        s.store_env = env
    return s


def teardown():
    try:
        for name in list(_srv):
            s = _srv.pop(name)
            check(s.stop() == 0, f"the server did not exit 0; log: {s.log_path}")
    finally:
        if Postgres.cluster is not None:
            Postgres.cluster.stop()


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


def _submit_and_poll_until_done(b):
    s = srv(b)
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
    check(h["store"]["state"] == "up" and h["store"]["backend"] == b.backend, h)


def _status_goes_through_running(b):
    s = srv(b)
    tok = submit(s, {"language": "python", "source_code": SLOW})[0]["token"]
    wait_until(lambda: get(s, tok)[1]["status"] == "running", 30, "the submission to run")
    r = wait_done(s, tok)
    check(r["status"] == "done" and r["result"]["stdout"] == "slept\n", r)


def _wait_true_answers_like_execute_and_stores(b):
    s = srv(b)
    body = {"language": "bash", "source_code": "echo hi; exit 3"}
    js, hd = submit(s, body, "?wait=true", expect=200)
    st, ex, _ = s.request("POST", "/execute", body)
    check(st == 200 and js["stdout"] == ex["stdout"] == "hi\n" and js["exit_code"] == 3, js)
    tok = hd.get("X-Submission-Token", "")
    check(TOKEN.match(tok), hd)
    st, r = get(s, tok)
    check(st == 200 and r["status"] == "done" and r["result"]["exit_code"] == 3, r)


def _judge_mode_and_validation_as_execute(b):
    s = srv(b)
    tok = submit(s, {"language": "python", "source_code": "print(int(input()) * 2)",
                     "tests": [{"stdin": "2", "expected_output": "4"},
                               {"stdin": "3", "expected_output": "7"}]})[0]["token"]
    r = wait_done(s, tok)
    check(r["result"]["verdict"] == "wrong_answer" and r["result"]["passed"] == 1, r)
    for bad in ({"language": "nope", "source_code": "x"}, {"language": "python"},
                {"language": "python", "source_code": "x", "time_limit": -1}):
        st1, a, _ = s.request("POST", "/submissions", bad)
        st2, c, _ = s.request("POST", "/execute", bad)
        check(st1 == st2 == 400 and a == c, f"{bad}: {st1} {a} vs {st2} {c}")
    st, a, _ = s.request("POST", "/submissions", raw=b"{not json")
    check(st == 400, a)
    # bytes that are not UTF-8: a 400 on either back-end (PostgreSQL stores text only)
    st, a, _ = s.request("POST", "/submissions",
                         raw=b'{"language":"bash","source_code":"echo \xff\xfe"}')
    check(st == 400 and a.get("field") == "body", a)
    js, _ = submit(s, {"language": "bash", "source_code": "echo h\u00e9 \u2603"})
    check(wait_done(s, js["token"])["result"]["stdout"] == "h\u00e9 \u2603\n")


def _list_pages_and_filters(b):
    s = srv(b)
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


def _delete_and_bad_tokens(b):
    s = srv(b)
    tok = submit(s, {"language": "bash", "source_code": "echo x"}, "?wait=true",
                 expect=200)[1]["X-Submission-Token"]
    st, js, _ = s.request("DELETE", f"/submissions/{tok}")
    check(st == 204, js)
    check(get(s, tok)[0] == 404)
    check(s.request("DELETE", f"/submissions/{tok}")[0] == 404)
    for bad in ("xyz", "0" * 31, "0" * 33, "A" * 32, "%27%3B--" + "0" * 24):
        st, js = get(s, bad)
        check(st == 400 and js.get("field") == "token", f"{bad}: {st} {js}")
    check(get(s, "0" * 32)[0] == 404)
    st, js, hd = s.request("PUT", "/submissions", {})
    check(st == 405 and hd.get("Allow") == "GET, POST", (st, hd))
    st, js, hd = s.request("POST", f"/submissions/{'0' * 32}", {})
    check(st == 405 and hd.get("Allow") == "GET, DELETE", (st, hd))


def _api_key_isolation(b):
    k1, k2 = "first-key-123456", "second-key-65432"
    h1, h2 = {"X-API-Key": k1}, {"Authorization": f"Bearer {k2}"}
    env = b.fresh()
    with Server(workers=1, env={"EXECUTIONER_AUTH_KEYS": f"{k1},{k2}", **env}) as s:
        s.wait_ready()
        check(s.request("POST", "/submissions", {"language": "bash", "source_code": "echo"})[0]
              == 401)
        # quotes and SQL in every stored field: stored as data, never as SQL
        tok = submit(s, {"language": "bash", "source_code": "echo \"mine'); DROP TABLE x;--\""},
                     headers=h1)[0]["token"]
        r = wait_done(s, tok, headers=h1)
        check(r["result"]["stdout"] == "mine'); DROP TABLE x;--\n", r)
        check(get(s, tok, h2)[0] == 404)
        check(s.request("DELETE", f"/submissions/{tok}", headers=h2)[0] == 404)
        st, js, _ = s.request("GET", "/submissions", headers=h2)
        check(st == 200 and js["submissions"] == [], js)
        st, js, _ = s.request("GET", "/submissions", headers=h1)
        check([x["token"] for x in js["submissions"]] == [tok], js)
        check(k1.encode() not in b.dump(env), "the key itself is in the database")


def _restart_runs_queued_work(b):
    """SIGTERM with one running and three queued: the running one ends during the drain, the
    queued ones stay queued in the store and run after the restart, once each."""
    env = b.fresh()
    s = Server(workers=1, env=env).wait_ready()
    toks = [submit(s, {"language": "python", "source_code": SLOW})[0]["token"] for _ in range(4)]
    wait_until(lambda: get(s, toks[0])[1]["status"] == "running", 30, "the first to run")
    check(s.stop() == 0, f"log: {s.log_path}")
    with Server(workers=1, env=env) as s2:
        s2.wait_log("recovery:", 60)
        rs = [wait_done(s2, t, 90) for t in toks]
        check(all(r["status"] == "done" and r["result"]["stdout"] == "slept\n" for r in rs), rs)
        check([r["attempts"] for r in rs] == [1, 1, 1, 1], [r["attempts"] for r in rs])


def _kill_9_mid_load_loses_nothing(b):
    env = b.fresh()
    s = Server(workers=1, env=env).wait_ready()
    accepted, lock = [], threading.Lock()

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
    with Server(workers=2, env=env) as s2:
        s2.wait_ready()
        rs = {t: wait_done(s2, t, 120) for t in accepted}
        check(all(r["status"] == "done" for r in rs.values()), rs)
        check(all(rs[t]["attempts"] == 2 for t in running), [rs[t] for t in running])
        st, js, _ = s2.request("GET", "/submissions?limit=100")
        check(sorted(x["token"] for x in js["submissions"]) == sorted(accepted), js)


def _retention_by_count_and_age(b):
    """store.max_rows = 3 keeps the newest three finished ones; one made old (updated_ms set back
    to 1970 in the database) goes at the next sweep; queued work is never swept."""
    env = {**b.fresh(), "EXECUTIONER_STORE_MAX_ROWS": "3", "EXECUTIONER_STORE_SWEEP_INTERVAL_S": "1"}
    with Server(workers=1, env=env) as s:
        s.wait_ready()
        toks = [submit(s, {"language": "bash", "source_code": f"echo {i}"}, "?wait=true",
                       expect=200)[1]["X-Submission-Token"] for i in range(5)]

        def listed():
            return [x["token"] for x in s.request("GET", "/submissions?limit=100")[1]["submissions"]]
        wait_until(lambda: listed() == toks[:1:-1], 20, "the oldest two to be swept")
        check(get(s, toks[0])[0] == 404 and get(s, toks[4])[0] == 200)
        b.sql(env, f"UPDATE submissions SET updated_ms = 1 WHERE token = '{toks[3]}'")
        wait_until(lambda: listed() == [toks[4], toks[2]], 20, "the aged one to be swept")


def _database_away_then_back(b):
    """The database away (SQLite: its file unreachable and the store respawned; PostgreSQL: the
    server stopped): 503 naming the store on the async endpoints, /health says down, /execute
    still 200; back: the store is up again without a restart, nothing lost."""
    s = srv(b)
    tok = submit(s, {"language": "bash", "source_code": "echo kept"}, "?wait=true",
                 expect=200)[1]["X-Submission-Token"]
    st_pid = _store_pid(s)
    undo = b.down(s, s.store_env)
    try:
        def down():
            st, js, _ = s.request("POST", "/submissions", {"language": "bash", "source_code": "echo"})
            return st == 503 and "store" in js["error"]
        wait_until(down, 20, "POST /submissions to answer 503")
        st, h, _ = s.request("GET", "/health")
        check(st == 200 and h["store"]["state"] == "down" and h["store"]["error"], h)
        st, js = get(s, tok)
        check(st == 503 and js["error"], js)
        check(s.request("GET", "/submissions")[0] == 503)
        check(s.run("python", "print('still here')")["stdout"] == "still here\n")
    finally:
        b.up(undo)
    wait_until(lambda: s.request("GET", "/health")[1]["store"]["state"] == "up", 30,
               "the store to be back")
    st, r = get(s, tok)
    check(st == 200 and r["result"]["stdout"] == "kept\n", r)
    wait_done(s, submit(s, {"language": "bash", "source_code": "echo again"})[0]["token"])
    if b.name == "pg":  # the same store process reconnected (no respawn needed)
        check(_store_pid(s) == st_pid)
    check(pg_cluster.PASSWORD not in "".join(s.lines), "the URL's password is in the log")


def _store_pid(s):
    """The pid of the store process that opened the database last."""
    s.wait_log(" database ", 30)
    pids = re.findall(r"store\[(\d+)\]: store: \w+ database \S+ open", "".join(s.lines))
    check(pids, f"no store opened its database; log: {s.log_path}")
    return int(pids[-1])


def test_pg_migrations_fresh_then_none_then_concurrent():
    """A fresh database gets the schema (every migration applied, recorded in
    schema_migrations); a second start applies none; two services starting at once on another
    fresh database apply each migration once between them (pg_advisory_xact_lock)."""
    b = Postgres()
    env = b.fresh()
    with Server(workers=1, env=env) as s:
        s.wait_ready()
        s.wait_log("schema at version 3 (3 migrations applied)", 30)
    rows = b.sql(env, "SELECT version, name FROM schema_migrations ORDER BY version")
    check(rows == [["1", "init"], ["2", "status_index"], ["3", "problems"]], rows)
    with Server(workers=1, env=env) as s:
        s.wait_ready()
        s.wait_log("schema at version 3 (0 migrations applied)", 30)
    check(b.sql(env, "SELECT count(*) FROM schema_migrations") == [["3"]])
    env = b.fresh()
    with Server(workers=1, env=env) as s1, Server(workers=1, env=env) as s2:
        s1.wait_ready()
        s2.wait_ready()
        logs = "".join(s1.lines) + "".join(s2.lines)
        check(logs.count("migration 0001_init applied") == 1, logs)
        check(logs.count("(0 migrations applied)") == 1, logs)
    check(b.sql(env, "SELECT count(*) FROM schema_migrations") == [["3"]])


def test_pg_bad_url_and_unreachable_server():
    """store.url that is not a PostgreSQL URL fails --check-config naming it, and a good one is
    printed without its password; an unreachable server leaves the store down (503 with the
    reason), /execute served."""
    b = Postgres()
    for url, rc in (("mysql://x", 2), (b.pg().url("db"), 0)):
        r = subprocess.run([harness.BINARY, "-c", harness.CONFIG, "--check-config"], timeout=30,
                           env={**os.environ, "EXECUTIONER_STORE_URL": url}, capture_output=True,
                           text=True)
        check(r.returncode == rc, (url, r.returncode, r.stderr))
        check(pg_cluster.PASSWORD not in r.stdout + r.stderr, r.stdout)
        check("STORE_URL" in r.stderr if rc else "postgres:***@" in r.stdout, (r.stdout, r.stderr))
    url = b.pg().url("x").replace(f":{b.pg().port}/", f":{free_port()}/")  # nothing listens
    with Server(workers=1, env={"EXECUTIONER_STORE_URL": url}) as s:
        s.wait_ready()
        st, js, _ = s.request("POST", "/submissions", {"language": "bash", "source_code": "echo"})
        check(st == 503 and "postgresql" in js["error"], js)
        check(s.request("GET", "/health")[1]["store"]["state"] == "down")
        check(s.run("bash", "echo ok")["stdout"] == "ok\n")
        check(pg_cluster.PASSWORD not in "".join(s.lines), "the URL's password is in the log")


def _each_backend():
    """test_NAME_sqlite and test_NAME_pg for every _NAME(b) above, in file order."""
    g = globals()
    for name, fn in [(n, f) for n, f in list(g.items()) if n.startswith("_") and callable(f)
                     and not n.startswith("__") and getattr(f, "__code__", None)
                     and f.__code__.co_varnames[:1] == ("b",)]:
        for b in (SQLite(), Postgres()):
            def t(fn=fn, b=b):
                fn(b)
            t.__name__ = f"test{name}_{b.name}"
            t.__doc__ = fn.__doc__
            g[t.__name__] = t


_each_backend()

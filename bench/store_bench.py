"""store_bench.py - the asynchronous submissions' part of `make bench` (bench.py; alone:
bench.py --only store): for SQLite and for PostgreSQL (a private server under build/pg-bench,
tests/integration/pg_cluster.py), accepted submissions/s (201s of POST /submissions per second,
concurrency 8) and the end-to-end completion rate (submissions done per second, from the first
POST until all are done), beside POST /execute throughput of the same server; then /execute and
/health p50 with the PostgreSQL store normal vs slow (its table locked by another connection,
so every store call waits), which must match: the master never waits on the store."""
import http.client
import json
import statistics
import threading
import time

import harness
import pg_cluster

PY_HELLO = "print(1)"
BODY = json.dumps({"language": "python", "source_code": PY_HELLO})


class Client:
    """One keep-alive HTTP connection."""

    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None):
        self.c.request(method, path, body=body, headers={"Content-Type": "application/json"})
        r = self.c.getresponse()
        return r.status, r.read()


def submit_burst(srv, n, conc):
    """n POST /submissions over conc connections: (tokens, seconds, non-201 count)."""
    toks, bad, lock, left = [], [0], threading.Lock(), [n]

    def loop():
        c = Client(srv.port)
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            st, body = c.call("POST", "/submissions", BODY)
            with lock:
                if st == 201:
                    toks.append(json.loads(body)["token"])
                else:
                    bad[0] += 1
    t0 = time.perf_counter()
    ts = [threading.Thread(target=loop) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return toks, time.perf_counter() - t0, bad[0]


def all_done(srv, toks, timeout=600):
    """Polls until every token is done or failed; the time that took."""
    c, left, t0 = Client(srv.port), set(toks), time.perf_counter()
    while left and time.perf_counter() - t0 < timeout:
        for t in list(left):
            st, body = c.call("GET", f"/submissions/{t}")
            if st == 200 and json.loads(body)["status"] in ("done", "failed"):
                left.discard(t)
        if left:
            time.sleep(0.2)  # polling with a deadline
    return time.perf_counter() - t0, len(left)


def p50_ms(srv, method, path, body, n):
    c, xs = Client(srv.port), []
    for _ in range(n):
        t = time.perf_counter()
        c.call(method, path, body)
        xs.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(xs), 2)


def stop(srv):
    """Stops a server; containers left by a cleanup slowed by load are removed and noted, not
    fatal to the figures."""
    try:
        srv.stop()
    except harness.TestFailure as e:
        print(f"bench: note: {e}", flush=True)


NO_RATE = {"EXECUTIONER_RATE_GLOBAL_PER_S": "0", "EXECUTIONER_RATE_PER_IP_PER_S": "0"}


def one_backend(env, n, conc, wrk, seconds):
    srv = harness.Server(env={"EXECUTIONER_POOL_SIZE": "2", **NO_RATE, **env})
    try:
        srv.wait_ready(180)
        for _ in range(10):
            srv.run("python", PY_HELLO)
        t0 = time.perf_counter()
        toks, acc_s, bad = submit_burst(srv, n, conc)
        _, left = all_done(srv, toks)
        total_s = time.perf_counter() - t0
        ex = wrk(srv.port, {"language": "python", "source_code": PY_HELLO}, '"stdout":"1\\n"', conc,
                 seconds)
        return {"submissions": n, "accepted": len(toks), "refused": bad,
                "accepted_per_s": round(len(toks) / acc_s, 1),
                "completed_per_s": round((len(toks) - left) / total_s, 1), "not_done": left,
                "execute_rps": round(ex["rps"], 1), "concurrency": conc}
    finally:
        stop(srv)


def slow_store(cluster, n):
    """/execute and /health p50 with the PostgreSQL store normal, then with its table locked
    (LOCK TABLE in a transaction held by another connection) while submissions keep arriving."""
    url = cluster.create_db("bench")
    srv = harness.Server(env={"EXECUTIONER_POOL_SIZE": "2", **NO_RATE, "EXECUTIONER_STORE_URL": url,
                              "EXECUTIONER_STORE_STATEMENT_TIMEOUT_MS": "30000"})
    out = {}
    try:
        srv.wait_ready(180)
        for _ in range(10):
            srv.run("python", PY_HELLO)
        out["normal"] = {"execute_p50_ms": p50_ms(srv, "POST", "/execute", BODY, n),
                         "health_p50_ms": p50_ms(srv, "GET", "/health", None, 5 * n)}
        holder = cluster.psql_background("BEGIN; LOCK TABLE submissions IN ACCESS EXCLUSIVE MODE; "
                                         "SELECT pg_sleep(600); COMMIT;", url.rsplit("/", 1)[1])
        halt, waiting = [False], [0]

        def submitter():  # keeps the store busy: each call waits on the lock
            c = Client(srv.port)
            while not halt[0]:
                c.call("POST", "/submissions", BODY)
                waiting[0] += 1
        try:
            time.sleep(1)  # the lock is taken (psql connects and locks in well under 1 s)
            ts = [threading.Thread(target=submitter, daemon=True) for _ in range(4)]
            for t in ts:
                t.start()
            t0 = time.perf_counter()
            out["slow"] = {"execute_p50_ms": p50_ms(srv, "POST", "/execute", BODY, n),
                           "health_p50_ms": p50_ms(srv, "GET", "/health", None, 5 * n)}
            out["slow"]["submissions_answered_meanwhile"] = waiting[0]
            out["slow"]["seconds"] = round(time.perf_counter() - t0, 1)
        finally:
            halt[0] = True
            holder.terminate()
            holder.wait(30)
        return out
    finally:
        stop(srv)


def run(wrk, quick):
    """Every figure above; the PostgreSQL server is started and stopped here."""
    n, seconds = (60, 10) if quick else (300, 20)
    res = {"sqlite": one_backend({}, n, 8, wrk, seconds)}
    print(f"bench: sqlite {res['sqlite']}", flush=True)
    cluster = pg_cluster.Cluster("bench")
    try:
        cluster.start(fsync=True)  # a durable commit per submission, as SQLite's
        res["postgresql"] = one_backend({"EXECUTIONER_STORE_URL": cluster.create_db("bench")}, n,
                                        8, wrk, seconds)
        print(f"bench: postgresql {res['postgresql']}", flush=True)
        res["pg_slow_store"] = slow_store(cluster, 30 if quick else 60)
        print(f"bench: slow store {res['pg_slow_store']}", flush=True)
    finally:
        cluster.stop()
    return res


def print_table(r):
    print(f"\n{'async submissions (python hello, c=8)':38} {'accepted/s':>11} {'completed/s':>12} "
          f"{'/execute req/s':>15}")
    for b in ("sqlite", "postgresql"):
        x = r[b]
        print(f"{b + ' (' + str(x['accepted']) + ' accepted, ' + str(x['refused']) + ' refused)':38} "
              f"{x['accepted_per_s']:11.1f} {x['completed_per_s']:12.1f} {x['execute_rps']:15.1f}")
    s = r["pg_slow_store"]
    print(f"store slow (PostgreSQL table locked): /execute p50 {s['slow']['execute_p50_ms']} ms vs "
          f"{s['normal']['execute_p50_ms']} ms normal; /health p50 {s['slow']['health_p50_ms']} ms vs "
          f"{s['normal']['health_p50_ms']} ms normal")

#!/usr/bin/env python3
"""bench.py - `make bench`: starts the service (same binary and config as `make run`) on a free
port, waits until its pools are full, and measures in one run: warm latency through HTTP (wrk,
concurrency 1), the cold `docker run --rm` baseline, the floors (bare host python3, warm docker
exec), throughput at concurrency 4 and 8 against parallel cold runs, a 100-test judge request,
the per-phase breakdown, footprint and start-to-ready time, gRPC Execute beside POST /execute
(the same Python client loop for both), the asynchronous submissions (store_bench.py:
accepted and completed per second on SQLite and PostgreSQL beside /execute, /execute and
/health with the store slow), and container reuse (back-to-back c=1 and c=8 with
pool.max_uses 1 and 50 beside cold and bare). Prints a table and writes
bench/results/latest.json (--only store / --reuse-only: just that part, into
bench/results/store.json / reuse.json)."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
import test_grpc  # noqa: E402  (the gRPC stubs, generated from shared/proto/)
import store_bench  # noqa: E402

DOCKER = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else "docker"
PY_HELLO = "print(1)"
C_HELLO = '#include <stdio.h>\nint main(void){puts("1");return 0;}'
JS_HELLO = "console.log(1)"
APLUSB = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<std::endl;}"


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return 0.0
    k = (len(xs) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def timed(cmd, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append((time.perf_counter() - t) * 1000)
    return out


def wrk(port, body, expect, conns, seconds):
    env = dict(os.environ, BODY=json.dumps(body), EXPECT=expect)
    cmd = ["wrk", f"-t{min(conns, 2)}", f"-c{conns}", f"-d{seconds}s", "--timeout", "30s",
           "-s", os.path.join(HERE, "wrk.lua"), f"http://127.0.0.1:{port}/execute"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    r = json.loads(line)
    r["rps"] = r["good"] / r["seconds"] if r["seconds"] else 0
    return r


def service_runtime():
    """The OCI runtime the service is configured with; the cold baseline uses the same one."""
    out = subprocess.run([harness.BINARY, "-c", harness.CONFIG, "--check-config"], capture_output=True, text=True).stdout
    for ln in out.splitlines():
        if ln.strip().startswith("runtime ="):
            return ln.split('"')[1]
    return "runc"


def cold_cmd(image, runtime):
    """runtime None: the engine's default runtime."""
    rt = ["--runtime", runtime] if runtime else []
    return [DOCKER, "run", "--rm", "--network", "none", *rt, image, "python3", "-c", PY_HELLO]


def cold_throughput(image, runtime, conns, seconds):
    count = [0]
    lock = threading.Lock()
    stop = time.time() + seconds

    def loop():
        while time.time() < stop:
            subprocess.run(cold_cmd(image, runtime), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            with lock:
                count[0] += 1

    t0 = time.time()
    ts = [threading.Thread(target=loop) for _ in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return count[0] / (time.time() - t0)


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def footprint(pid):
    rows = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pid)], capture_output=True,
                          text=True).stdout.splitlines()
    kids = [r.split() for r in rows if r.strip()]
    workers = [int(k[0]) for k in kids if k[1:] not in (["ex-store"], ["ex-grpc"])]
    store = [int(k[0]) for k in kids if k[1:] == ["ex-store"]]
    grpc = [int(k[0]) for k in kids if k[1:] == ["ex-grpc"]]
    return {"master_kb": rss_kb(pid), "workers_kb": sum(rss_kb(k) for k in workers),
            "workers": len(workers), "store_kb": sum(rss_kb(k) for k in store),
            "grpc_kb": sum(rss_kb(k) for k in grpc)}


def phases(srv, n):
    keys = ["queue_ms", "unpause_ms", "attach_ms", "run_ms", "worker_total_ms"]
    acc = {k: [] for k in keys}
    total = []
    for _ in range(n):
        t = time.perf_counter()
        r = srv.run("python", PY_HELLO)
        total.append((time.perf_counter() - t) * 1000)
        for k in keys:
            acc[k].append(r["timing"][k])
        acc.setdefault("program_ms", []).append(r["execution_time_ms"])
    out = {k: round(statistics.median(v), 2) for k, v in acc.items()}
    out["http_total_ms"] = round(statistics.median(total), 2)
    return out


def bounded_wait(cond, timeout=15, interval=0.02):
    """Polls cond() until it holds or timeout s pass (a measurement goes on either way)."""
    deadline = time.time() + timeout
    while time.time() < deadline and not cond():
        time.sleep(interval)  # polling a condition with a deadline


def health(srv):
    return srv.request("GET", "/health")[1]


def settled(srv):
    """Every pool full and no worker busy."""
    bounded_wait(lambda: (lambda h: h["workers"]["busy"] == 0 and
                          all(p["ready"] >= p["target"] for p in h["pools"].values()))(health(srv)))


def all_paused(srv, lang):
    """Every ready container of lang paused (pool.pause_idle_ms has passed)."""
    bounded_wait(lambda: (lambda p: p["ready"] > 0 and p["paused"] == p["ready"])(health(srv)["pools"][lang]), 15, 0.05)


def ready_latency(srv, lang, code, n, paused=False):
    """Latency of one request when its container is waiting for it (low load): paused (an idle
    pool), or still running (taken within pool.pause_idle_ms of being made)."""
    out = []
    for _ in range(n):
        settled(srv)
        if paused:
            all_paused(srv, lang)
        t = time.perf_counter()
        srv.run(lang, code)
        out.append((time.perf_counter() - t) * 1000)
    return {"p50": round(pct(out, 50), 2), "p95": round(pct(out, 95), 2), "n": n}


def variant(env, lat_s, n):
    """The python figures of a server with other settings (same machine, same run)."""
    e = {"EXECUTIONER_POOL_SIZE": "2"}
    e.update(env)
    srv = harness.Server(env=e)
    try:
        srv.wait_ready(180)
        for _ in range(10):
            srv.run("python", PY_HELLO)
        out = {"ready": ready_latency(srv, "python", PY_HELLO, n)}
        if env.get("EXECUTIONER_POOL_PAUSE") != "false":
            out["ready_paused"] = ready_latency(srv, "python", PY_HELLO, n, paused=True)
        out["c1"] = wrk(srv.port, {"language": "python", "source_code": PY_HELLO}, '"stdout":"1\\n"', 1, lat_s)
        return out
    finally:
        stop(srv)


def grpc_vs_rest(srv, seconds):
    """Back-to-back python hello at concurrency 1 for `seconds` each, alternating rounds of gRPC
    Execute (one channel) and POST /execute (urllib), both from this Python process."""
    ex = test_grpc.pb()[0]
    stub = test_grpc.stub(srv)
    req = ex.ExecuteRequest(language="python", code=PY_HELLO)
    out = {"grpc": [], "rest": []}

    def one(kind):
        t = time.perf_counter()
        if kind == "grpc":
            ok = stub.Execute(req, timeout=30).stdout == "1\n"
        else:
            ok = srv.run("python", PY_HELLO)["stdout"] == "1\n"
        if ok:
            out[kind].append((time.perf_counter() - t) * 1000)

    for kind in ("grpc", "rest"):  # warm-up, the channel's connection included
        for _ in range(5):
            one(kind)
    out = {"grpc": [], "rest": []}
    stop = time.time() + 2 * seconds
    while time.time() < stop:
        for kind in ("grpc", "rest"):
            for _ in range(10):
                one(kind)
    r = {k: {"p50": round(pct(v, 50), 2), "p95": round(pct(v, 95), 2), "n": len(v)} for k, v in out.items()}
    r["grpc_p50_over_rest_p50"] = round(r["grpc"]["p50"] / r["rest"]["p50"], 3) if r["rest"]["p50"] else None
    return r


def stop(srv):
    """Stops a server; containers it left behind (an engine too slow for the stop's cleanup) are
    reported, and removed by the harness, without losing the figures already measured."""
    try:
        srv.stop()
    except harness.TestFailure as e:
        print(f"bench: warning: {e}", file=sys.stderr)


CHECKER_CPP = r"""
#include <cstdio>
int main(int argc, char **argv) {
    if (argc < 4) return 3;
    FILE *o = fopen(argv[2], "r"), *a = fopen(argv[3], "r");
    long x, y;
    if (!o || !a || fscanf(a, "%ld", &y) != 1) return 3;
    if (fscanf(o, "%ld", &x) != 1) return 2;
    return x == y ? 0 : 1;
}
"""


def contest(srv, n):
    """A 100-test C++ A+B submission inline, against the same tests stored as a problem, and
    against a stored problem with a checker: median wall ms of n runs each, and the checker's
    cost per test."""
    tests = [{"stdin": f"{i} {i * 7}", "expected_output": str(i * 8)} for i in range(100)]
    for pid, extra in (("bench-aplusb", {}), ("bench-aplusb-checker",
                                           {"checker": {"language": "cpp", "source": CHECKER_CPP}})):
        st, js, _ = srv.request("POST", "/problems", {"id": pid, "tests": tests, "time_limit": 5, **extra},
                                timeout=300)
        assert st == 201, js

    def med(body):
        out = []
        for _ in range(n):
            t = time.perf_counter()
            st, js = srv.execute(body, timeout=300)
            assert st == 200 and js["verdict"] == "accepted", js
            out.append((time.perf_counter() - t) * 1000)
        return round(pct(out, 50), 1)
    base = {"language": "cpp", "source_code": APLUSB, "time_limit": 5}
    r = {"inline_ms": med({**base, "tests": tests}), "stored_ms": med({**base, "problem_id": "bench-aplusb"}),
         "checker_ms": med({**base, "problem_id": "bench-aplusb-checker"}), "runs": n}
    r["stored_over_inline"] = round(r["stored_ms"] / r["inline_ms"], 3)
    r["checker_per_test_ms"] = round((r["checker_ms"] - r["stored_ms"]) / 100, 2)
    return r


def reuse_section(py_img, rt, lat_s, thr_s, cold_n):
    """Container reuse (pool.max_uses): back-to-back c=1 latency and c=8 throughput with max_uses 1
    and 50, beside cold `docker run` (the service's runtime and the engine's default) and bare
    python, all measured here, in this run."""
    out = {}
    timed(cold_cmd(py_img, rt), 2)
    cold = timed(cold_cmd(py_img, rt), cold_n)
    cold_def = timed(cold_cmd(py_img, None), cold_n)
    out["cold"] = {"p50": round(pct(cold, 50), 2), "runtime": rt, "runs": cold_n}
    out["cold_default_runtime"] = {"p50": round(pct(cold_def, 50), 2), "runs": cold_n}
    out["bare_python_p50"] = round(pct(timed(["python3", "-c", PY_HELLO], 20), 50), 2)
    out["cold_c8_rps"] = round(cold_throughput(py_img, rt, 8, max(10, thr_s // 3)), 2)
    print(f"reuse: cold and bare: {out}", flush=True)
    body = {"language": "python", "source_code": PY_HELLO}
    for mu in (1, 50):
        srv = harness.Server(env={"EXECUTIONER_POOL_SIZE": "2", "EXECUTIONER_POOL_MAX_USES": str(mu)})
        try:
            srv.wait_ready(180)
            for _ in range(10):
                srv.run("python", PY_HELLO)
            c1 = wrk(srv.port, body, '"stdout":"1\\n"', 1, lat_s)
            c8 = wrk(srv.port, body, '"stdout":"1\\n"', 8, thr_s)
            out[f"max_uses={mu}"] = {"c1_p50": c1["p50"], "c1_p95": c1["p95"], "c1_requests": c1["requests"],
                                     "c8_rps": round(c8["rps"], 2), "c8_p50": c8["p50"],
                                     "errors": c1["bad"] + c1["errors"] + c8["bad"] + c8["errors"]}
            print(f"reuse: max_uses={mu}: {out[f'max_uses={mu}']}", flush=True)
        finally:
            try:
                srv.stop()
            except harness.TestFailure as e:  # a slow engine's cleanup is not what is measured
                print(f"reuse: max_uses={mu}: the server's stop: {e}", flush=True)
    for mu in (1, 50):
        v = out[f"max_uses={mu}"]
        v["cold_p50_over_c1_p50"] = round(out["cold"]["p50"] / v["c1_p50"], 2) if v["c1_p50"] else None
        v["c8_over_cold_c8"] = round(v["c8_rps"] / out["cold_c8_rps"], 2) if out["cold_c8_rps"] else None
    return out


def print_reuse(r):
    print(f"\ncontainer reuse (python hello; cold docker run p50 {r['cold']['p50']} ms ({r['cold']['runtime']}), "
          f"{r['cold_default_runtime']['p50']} ms (default runtime); bare python {r['bare_python_p50']} ms; "
          f"cold c=8 {r['cold_c8_rps']} req/s)")
    print(f"{'setting':16} {'c=1 p50 ms':>11} {'c=1 p95 ms':>11} {'x cold':>7} {'c=8 req/s':>10} {'x cold':>7} {'errors':>7}")
    for mu in (1, 50):
        v = r[f"max_uses={mu}"]
        print(f"{'max_uses=' + str(mu):16} {v['c1_p50']:11.1f} {v['c1_p95']:11.1f} {v['cold_p50_over_c1_p50']:7.1f} "
              f"{v['c8_rps']:10.1f} {v['c8_over_cold_c8']:7.1f} {v['errors']:7d}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=harness.BINARY)
    ap.add_argument("--config", default=harness.CONFIG)
    ap.add_argument("--seconds", type=int, default=60, help="throughput run length")
    ap.add_argument("--quick", action="store_true", help="short runs (for a smoke check)")
    ap.add_argument("--only", choices=["store"], help="run only this part")
    ap.add_argument("--reuse-only", action="store_true",
                    help="only the container-reuse section (pool.max_uses 1 and 50 beside cold and bare)")
    a = ap.parse_args()
    harness.BINARY, harness.CONFIG = os.path.abspath(a.binary), os.path.abspath(a.config)
    lat_s, thr_s, cold_n = (4, 5, 5) if a.quick else (30, a.seconds, 20)
    res = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": f"{platform.machine()}, "
           f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') >> 30} GiB, "
           f"Linux {platform.release()}"}
    if a.only == "store":
        res["store"] = store_bench.run(wrk, a.quick)
        save(res, "store.json")
        print(f"\nExecutioner benchmark (submissions), {res['date']}, {res['machine']}")
        store_bench.print_table(res["store"])
        return
    rt = res["runtime"] = service_runtime()
    py_img = [ln.split()[1] for ln in subprocess.run([harness.BINARY, "-c", harness.CONFIG, "--list-images"],
              capture_output=True, text=True).stdout.splitlines() if ln.startswith("python ")][0]
    if a.reuse_only:
        res["reuse"] = reuse_section(py_img, rt, lat_s, thr_s, cold_n)
        os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
        with open(os.path.join(HERE, "results", "reuse.json"), "w") as f:
            json.dump(res, f, indent=2)
        print(f"\nExecutioner benchmark (reuse only), {res['date']}, {res['machine']}")
        print_reuse(res["reuse"])
        return
    t0 = time.time()
    srv = harness.Server(env={"EXECUTIONER_POOL_SIZE": "2"}, grpc=True)
    try:
        srv.wait_ready(180)
        res["start_to_ready_s"] = round(time.time() - t0, 2)
        res["footprint_idle"] = footprint(srv.proc.pid)
        for _ in range(20):  # warm-up
            srv.run("python", PY_HELLO)
        res["phases_python"] = phases(srv, 50)
        # The VM pages out file pages idle for 60 s (DAMON "pageout"); warm each runtime up first.
        for lang, code in (("c", C_HELLO), ("javascript", JS_HELLO), ("cpp", APLUSB)):
            for _ in range(3):
                srv.run(lang, code, stdin="1 2")
        res["ready"] = {lang: ready_latency(srv, lang, code, 10 if a.quick else 40)
                        for lang, code in (("python", PY_HELLO), ("c", C_HELLO), ("javascript", JS_HELLO))}
        res["ready_paused"] = {"python": ready_latency(srv, "python", PY_HELLO, 10 if a.quick else 40, paused=True)}
        res["warm"] = {}
        for lang, code in (("python", PY_HELLO), ("c", C_HELLO), ("javascript", JS_HELLO)):
            res["warm"][lang] = wrk(srv.port, {"language": lang, "source_code": code}, '"stdout":"1\\n"', 1, lat_s)
        res["grpc_vs_rest"] = grpc_vs_rest(srv, max(lat_s, 10))
        timed(cold_cmd(py_img, rt), 2)  # warm-up, like the service's
        cold = timed(cold_cmd(py_img, rt), cold_n)
        res["cold"] = {"p50": round(pct(cold, 50), 2), "p95": round(pct(cold, 95), 2), "runs": cold_n, "runtime": rt}
        bare = timed(["python3", "-c", PY_HELLO], 20)
        res["bare_python_p50"] = round(pct(bare, 50), 2)
        cid = subprocess.run([DOCKER, "run", "-d", "--rm", "--network", "none", py_img, "sleep", "300"],
                             capture_output=True, text=True, check=True).stdout.strip()
        try:
            ex = timed([DOCKER, "exec", cid, "true"], 20)
        finally:
            subprocess.run([DOCKER, "rm", "-f", cid], stdout=subprocess.DEVNULL)
        res["docker_exec_true_p50"] = round(pct(ex, 50), 2)
        res["throughput"] = {}
        for c in (4, 8):
            w = wrk(srv.port, {"language": "python", "source_code": PY_HELLO}, '"stdout":"1\\n"', c, thr_s)
            res["throughput"][str(c)] = {"warm_rps": round(w["rps"], 2), "errors": w["bad"] + w["errors"],
                                         "requests": w["requests"],
                                         "cold_rps": round(cold_throughput(py_img, rt, c, max(10, thr_s // 3)), 2)}
        tests = [{"stdin": f"{i} {i * 7}", "expected_output": str(i * 8)} for i in range(100)]
        srv.run("cpp", APLUSB, stdin="1 2")
        t = time.perf_counter()
        r = srv.run("cpp", APLUSB, tests=tests)
        res["judge_100"] = {"wall_ms": round((time.perf_counter() - t) * 1000, 1), "compile_count": r["compile_count"],
                            "verdict": r["verdict"], "compile_ms": r["compile_time_ms"]}
        res["contest_100"] = contest(srv, 3 if a.quick else 5)
        res["footprint_loaded"] = footprint(srv.proc.pid)
    finally:
        stop(srv)
    res["variants"] = {}
    for name, env in (("pause_idle_ms=0", {"EXECUTIONER_POOL_PAUSE_IDLE_MS": "0"}),
                      ("pause=false", {"EXECUTIONER_POOL_PAUSE": "false"}),
                      ("runtime=runc", {"EXECUTIONER_DOCKER_RUNTIME": "runc"}),
                      ("transport=exec", {"EXECUTIONER_POOL_TRANSPORT": "exec"})):
        res["variants"][name] = variant(env, lat_s, 10 if a.quick else 40)
    res["store"] = store_bench.run(wrk, a.quick)
    res["reuse"] = reuse_section(py_img, rt, lat_s, thr_s, cold_n)
    w, cold_p50 = res["warm"]["python"], res["cold"]["p50"]
    res["ratios"] = {"cold_p50_over_warm_p50": round(cold_p50 / w["p50"], 2) if w["p50"] else None,
                     "cold_p50_over_ready_p50": round(cold_p50 / res["ready"]["python"]["p50"], 2),
                     "cold_p50_over_ready_paused_p50": round(cold_p50 / res["ready_paused"]["python"]["p50"], 2),
                     "ready_minus_bare_ms": round(res["ready"]["python"]["p50"] - res["bare_python_p50"], 2),
                     "warm_minus_bare_ms": round(w["p50"] - res["bare_python_p50"], 2),
                     "throughput_c8_over_cold": round(res["throughput"]["8"]["warm_rps"] /
                                                      res["throughput"]["8"]["cold_rps"], 2),
                     "grpc_p50_over_rest_p50": res["grpc_vs_rest"]["grpc_p50_over_rest_p50"]}
    save(res, "latest.json")
    print_table(res)


def save(res, name):
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", name), "w") as f:
        json.dump(res, f, indent=2)


def print_table(r):
    print(f"\nExecutioner benchmark, {r['date']}, {r['machine']}")
    print(f"{'measure':44} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}")
    for lang, w in r["warm"].items():
        print(f"{'warm POST /execute ' + lang + ' (c=1, n=' + str(w['requests']) + ')':44} "
              f"{w['p50']:9.1f} {w['p95']:9.1f} {w['p99']:9.1f}")
    for lang, w in r.get("ready", {}).items():
        print(f"{'warm, container ready (low load) ' + lang:44} {w['p50']:9.1f} {w['p95']:9.1f}")
    for lang, w in r.get("ready_paused", {}).items():
        print(f"{'warm, container ready and paused ' + lang:44} {w['p50']:9.1f} {w['p95']:9.1f}")
    g = r.get("grpc_vs_rest")
    if g:
        for k, name in (("grpc", "gRPC Execute"), ("rest", "POST /execute")):
            print(f"{name + ' python, same client (c=1, n=' + str(g[k]['n']) + ')':44} "
                  f"{g[k]['p50']:9.1f} {g[k]['p95']:9.1f}")
    print(f"{'cold docker run --rm python (n=' + str(r['cold']['runs']) + ', ' + r['cold']['runtime'] + ')':44} "
          f"{r['cold']['p50']:9.1f} {r['cold']['p95']:9.1f}")
    print(f"{'bare host python3 -c':44} {r['bare_python_p50']:9.1f}")
    print(f"{'docker exec true (warm container)':44} {r['docker_exec_true_p50']:9.1f}")
    print(f"\n{'throughput (python hello)':30} {'warm req/s':>11} {'cold req/s':>11} {'errors':>7}")
    for c, t in r["throughput"].items():
        print(f"{'concurrency ' + c:30} {t['warm_rps']:11.1f} {t['cold_rps']:11.1f} {t['errors']:7d}")
    j = r["judge_100"]
    print(f"\njudge, 100 tests C++ A+B: {j['wall_ms']:.0f} ms wall, {j['compile_count']} compile, verdict {j['verdict']}")
    c = r["contest_100"]
    print(f"contest, 100 tests C++ A+B (median of {c['runs']}): inline {c['inline_ms']:.0f} ms, stored problem "
          f"{c['stored_ms']:.0f} ms (x{c['stored_over_inline']}), with a checker {c['checker_ms']:.0f} ms "
          f"({c['checker_per_test_ms']} ms per test)")
    print(f"phases (python, median ms): {r['phases_python']}")
    print(f"footprint idle: {r['footprint_idle']}; after load: {r['footprint_loaded']}; start to ready {r['start_to_ready_s']} s")
    for name, v in r.get("variants", {}).items():
        rp = f"paused p50 {v['ready_paused']['p50']} ms; " if "ready_paused" in v else ""
        print(f"variant {name}: python ready p50 {v['ready']['p50']} ms p95 {v['ready']['p95']} ms; {rp}"
              f"c=1 back-to-back p50 {v['c1']['p50']} ms ({v['c1']['requests']} requests, {v['c1']['bad']} bad)")
    print(f"ratios: {r['ratios']}")
    store_bench.print_table(r["store"])
    if "reuse" in r:
        print_reuse(r["reuse"])


if __name__ == "__main__":
    main()

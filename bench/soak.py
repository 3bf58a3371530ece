#!/usr/bin/env python3
"""soak.py - `make soak`: a bounded steady load (default 10 minutes, python and C requests from
two wrk processes at low concurrency) against the real service, then checks: zero failed
requests, this instance's container count back to the pool size, the master's and workers'
memory and open file descriptors flat (start vs end), and no zombie processes. Writes
bench/results/soak.json."""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402


def procs(pid):
    kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(k) for k in kids]


def sample(pid):
    out = {"rss_kb": 0, "fds": 0, "zombies": 0, "procs": 0}
    for p in procs(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        out["rss_kb"] += int(line.split()[1])
                    if line.startswith("State:") and "Z" in line.split()[1]:
                        out["zombies"] += 1
            out["fds"] += len(os.listdir(f"/proc/{p}/fd"))
            out["procs"] += 1
        except OSError:
            pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=harness.BINARY)
    ap.add_argument("--config", default=harness.CONFIG)
    ap.add_argument("--minutes", type=float, default=10)
    a = ap.parse_args()
    harness.BINARY, harness.CONFIG = os.path.abspath(a.binary), os.path.abspath(a.config)
    srv = harness.Server(env={"EXECUTIONER_POOL_SIZE": "2"}).wait_ready(180)
    res = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "minutes": a.minutes}
    try:
        for _ in range(20):
            srv.run("python", "print(1)")
        res["start"] = sample(srv.proc.pid)
        secs = int(a.minutes * 60)
        loads = []
        for lang, code in (("python", "print(1)"), ("c", '#include <stdio.h>\nint main(void){puts("1");}')):
            env = dict(os.environ, BODY=json.dumps({"language": lang, "source_code": code}), EXPECT='"stdout":"1\\n"')
            loads.append(subprocess.Popen(["wrk", "-t1", "-c2", f"-d{secs}s", "--timeout", "60s", "-s",
                                           os.path.join(HERE, "wrk.lua"), srv.url("/execute")],
                                          env=env, stdout=subprocess.PIPE, text=True))
        res["load"] = {}
        for lang, p in zip(("python", "c"), loads):
            out = p.communicate()[0]
            res["load"][lang] = json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1])
        target = sum(v["target"] for v in srv.request("GET", "/health")[1]["pools"].values())
        deadline = time.time() + 120
        while time.time() < deadline:
            n = len(harness.containers(srv.instance))
            h = srv.request("GET", "/health")[1]
            if n == target and all(v["ready"] == v["target"] for v in h["pools"].values()):
                break
            time.sleep(0.5)  # polling a condition with a deadline, not synchronising on time
        res["containers_end"] = len(harness.containers(srv.instance))
        res["containers_target"] = target
        for _ in range(20):
            srv.run("python", "print(1)")
        res["end"] = sample(srv.proc.pid)
    finally:
        srv.stop()
    failed = sum(v["bad"] + v["errors"] for v in res["load"].values())
    total = sum(v["requests"] for v in res["load"].values())
    rss_growth = res["end"]["rss_kb"] / max(1, res["start"]["rss_kb"])
    res["verdict"] = {
        "requests": total, "failed": failed,
        "containers_ok": res["containers_end"] == res["containers_target"],
        "rss_start_kb": res["start"]["rss_kb"], "rss_end_kb": res["end"]["rss_kb"], "rss_growth": round(rss_growth, 3),
        "fds_start": res["start"]["fds"], "fds_end": res["end"]["fds"], "zombies_end": res["end"]["zombies"],
    }
    ok = failed == 0 and res["verdict"]["containers_ok"] and res["end"]["fds"] <= res["start"]["fds"] and \
        res["end"]["zombies"] == 0 and rss_growth < 1.2
    res["verdict"]["pass"] = ok
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "soak.json"), "w") as f:
        json.dump(res, f, indent=2)
    print(json.dumps(res["verdict"], indent=2))
    print("soak:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

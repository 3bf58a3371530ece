"""test_zz_faults.py - faults (issue 7): the Docker engine stopped mid-load and started again.
Runs last (it restarts dockerd, which every other server on the machine feels too)."""
import os
import signal
import subprocess
import threading
import time

from harness import ROOT, Server, check, docker_api, wait_until


def engine_pid():
    out = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None



def engine_answers():
    try:
        return docker_api("GET", "/_ping", timeout=2)[0] == 200
    except OSError:
        return False


def test_engine_stopped_mid_load_then_back():
    srv = Server(workers=3, env={"EXECUTIONER_SERVER_QUEUE_TIMEOUT_S": "5"}).wait_ready()
    try:
        check(srv.run("python", "print(1)")["stdout"] == "1\n")
        results = []

        def load():
            for _ in range(6):
                st, js = srv.execute({"language": "python", "source_code": "import time; time.sleep(0.3); print(2)"})
                results.append((st, js.get("status") if isinstance(js, dict) else js,
                                js.get("error", "") if isinstance(js, dict) else ""))

        t = threading.Thread(target=load)
        t.start()
        pid = engine_pid()
        check(pid, "no dockerd running")
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 60, "dockerd to exit")
        t.join(120)
        # every request got an answer: successes before the stop, clear errors during it
        check(len(results) == 6, f"answers: {results}")
        for st, status, err in results:
            check(st == 200 or (st in (500, 503) and err), f"unclear failure: {st} {status} {err}")
        check(any(st != 200 for st, _, _ in results), f"no request saw the outage: {results}")
        wait_until(lambda: srv.request("GET", "/health")[0] == 503, 30, "/health 503")
        h = srv.request("GET", "/health")[1]
        check(h["engine"]["reachable"] is False and h["engine"].get("error"), h)
    finally:
        r = subprocess.run([os.path.join(ROOT, "conf", "setup.sh"), "engine"], capture_output=True, text=True,
                           timeout=120)
        check(r.returncode == 0 and engine_answers(), f"engine did not come back: {r.stderr}")
    try:
        # no restart of the service: it notices, refills its pools and serves again
        wait_until(lambda: srv.request("GET", "/health")[0] == 200, 60, "/health 200 after the engine is back")
        wait_until(lambda: all(p["ready"] >= p["target"] for p in srv.request("GET", "/health")[1]["pools"].values()),
                   90, "pools refilled")
        for i in range(3):
            r = srv.run("python", f"print({i})")
            check(r["status"] == "ok" and r["stdout"] == f"{i}\n", r)
        check(srv.proc.poll() is None, "the service exited")
    finally:
        srv.stop()

"""test_process.py - the process model and the container pool, each test with its own server:
killed workers, SIGHUP reloads, SIGTERM, leftovers at start-up, pool refills, containers removed
from outside, an unreachable engine and a full queue."""
import os
import signal
import tempfile
import threading
import time
import urllib.error

import harness
from harness import (Server, check, child_pids, containers, docker_api, in_thread, joined,
                     wait_until)

SLEEP_JOB = "import time\ntime.sleep({s})\nprint('done')"


# ---------------------------------------------------------------------------------------------
# local helpers



def health(s):
    st, js, _ = s.request("GET", "/health", timeout=10)
    check(isinstance(js, dict), f"/health is not JSON: {st} {js!r}")
    return st, js


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def worker_pids(s, n):
    return wait_until(lambda: (lambda p: p if len(p) == n else None)(child_pids(s.proc.pid)), 20,
                      f"{n} worker processes under pid {s.proc.pid}")


def lang_ids(instance, lang):
    return {c["Id"] for c in containers(instance) if c.get("Labels", {}).get("executioner.language") == lang}


def pool_ready(s, lang):
    return health(s)[1]["pools"][lang]["ready"]




def config_copy(replace=None, text=None):
    src = open(harness.CONFIG).read()
    if replace:
        old, new = replace
        check(old in src, f"{old!r} not in {harness.CONFIG}")
        src = src.replace(old, new)
    fd, path = tempfile.mkstemp(prefix="executioner-itest-", suffix=".conf", dir=harness.temp_config_dir())
    with os.fdopen(fd, "w") as f:
        f.write(text if text is not None else src)
    return path


def write_file(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# workers


def test_worker_killed_mid_job_fails_only_that_job_and_respawns():
    with Server(workers=3) as s:
        s.wait_ready()
        jobs = [in_thread(s.execute, {"language": lang, "source_code": code, "time_limit": 15}, timeout=90)
                for lang, code in (("python", SLEEP_JOB.format(s=6)),
                                   ("bash", "sleep 6; echo done"))]
        wait_until(lambda: health(s)[1]["running"] == 2, 30, "both jobs running")
        killed = None
        for pid in worker_pids(s, 3):
            mark = len(s.lines)
            os.kill(pid, signal.SIGKILL)
            s.wait_log(f"(pid {pid}) killed by signal 9", 10, start=mark)
            s.wait_log("respawned", 10, start=mark)
            if health(s)[1]["running"] < 2:
                killed = pid
                break
        check(killed is not None, "killing every worker one by one never failed an in-flight job")
        answers = [joined(t, r, 60, "in-flight job") for t, r in jobs]
        codes = sorted(a[0] for a in answers)
        check(codes == [200, 500], f"expected exactly one 500 and one 200, got {answers}")
        bad = next(a[1] for a in answers if a[0] == 500)
        good = next(a[1] for a in answers if a[0] == 200)
        check(isinstance(bad, dict) and "worker" in bad.get("error", ""), f"500 does not mention the worker: {bad}")
        check(bad.get("status") == "internal_error" or "internal_error" in bad.get("error", ""), bad)
        check(good["status"] == "ok" and good["stdout"] == "done\n", good)
        r = s.run("python", "print('after')")
        check(r["status"] == "ok" and r["stdout"] == "after\n", r)
        wait_until(lambda: health(s)[1]["workers"]["alive"] == 3, 10, "3 live workers")
        check(killed not in child_pids(s.proc.pid), "the killed worker is still listed")


# ---------------------------------------------------------------------------------------------
# SIGHUP


def test_sighup_applies_a_lowered_max_time():
    path = config_copy()
    try:
        with Server(config=path) as s:
            s.wait_ready()
            r = s.run("python", "print('t5')", time_limit=5)
            check(r["status"] == "ok", r)
            # max_time_s 2 (and the default time_s with it, which must not exceed it)
            lowered, _ = harness.conf_set(open(path).read(), "limits", "max_time_s", "2.0")
            lowered, _ = harness.conf_set(lowered, "limits", "time_s", "1.0")
            write_file(path, lowered)
            mark = len(s.lines)
            s.signal(signal.SIGHUP)
            s.wait_log("SIGHUP: config reloaded", 15, start=mark)
            st, js = s.execute({"language": "python", "source_code": "print(1)", "time_limit": 5})
            check(st == 400 and js.get("field") == "time_limit" and "2" in js.get("error", ""),
                  f"time_limit 5 after lowering max_time_s to 2: {st} {js}")
            r = s.run("python", "print('t1')", time_limit=1)
            check(r["status"] == "ok" and r["stdout"] == "t1\n", r)
    finally:
        os.unlink(path)


def test_sighup_with_broken_config_keeps_the_old_one():
    text, _ = harness.conf_set(open(harness.CONFIG).read(), "limits", "max_time_s", "2.0")
    path = config_copy(text=harness.conf_set(text, "limits", "time_s", "2.0")[0])
    try:
        with Server(config=path) as s:
            s.wait_ready()
            write_file(path, "server = { port = ;; this is not libconfig\n")
            mark = len(s.lines)
            s.signal(signal.SIGHUP)
            i = s.wait_log("SIGHUP: keeping the old config", 15, start=mark)
            check("refused" in s.lines[i], s.lines[i])
            check(not any("config reloaded" in ln for ln in s.lines[mark:]), "a broken config was loaded")
            check(s.proc.poll() is None, "the server exited on a broken config")
            st, js = s.execute({"language": "python", "source_code": "print(1)", "time_limit": 5})
            check(st == 400 and js.get("field") == "time_limit", f"old max_time_s 2 not kept: {st} {js}")
            r = s.run("python", "print('old config works')", time_limit=1)
            check(r["status"] == "ok" and r["stdout"] == "old config works\n", r)
            st, js = health(s)
            check(st == 200 and js["status"] == "healthy", js)
    finally:
        os.unlink(path)


# ---------------------------------------------------------------------------------------------
# SIGTERM


def _wait_exit(s, timeout=60):
    try:
        return s.proc.wait(timeout)
    except Exception:  # noqa: BLE001
        raise harness.TestFailure(f"the server did not exit within {timeout}s of SIGTERM; log: {s.log_path}")


def test_sigterm_exits_0_and_removes_every_container():
    s = Server()
    try:
        s.wait_ready()
        check(len(containers(s.instance)) == 11, f"expected 11 pool containers, got {len(containers(s.instance))}")
        s.signal(signal.SIGTERM)
        rc = _wait_exit(s)
        check(rc == 0, f"exit status {rc}")
        left = containers(s.instance)
        check(left == [], f"{len(left)} containers of {s.instance} left after SIGTERM: {[c['Names'] for c in left]}")
    finally:
        s.stop()


def test_sigterm_with_a_job_in_flight_completes_it_then_exits_0():
    s = Server()
    try:
        s.wait_ready()
        t, res = in_thread(s.execute, {"language": "python", "source_code": SLEEP_JOB.format(s=2)}, timeout=60)
        wait_until(lambda: health(s)[1]["running"] == 1, 20, "the job running")
        s.signal(signal.SIGTERM)
        s.wait_log("stopping: no new requests", 10)
        st, js = joined(t, res, 60, "the in-flight job")
        check(st == 200 and js["status"] == "ok" and js["stdout"] == "done\n", f"in-flight job: {st} {js}")
        rc = _wait_exit(s)
        check(rc == 0, f"exit status {rc}")
        left = containers(s.instance)
        check(left == [], f"{len(left)} containers left after SIGTERM: {[c['Names'] for c in left]}")
    finally:
        s.stop()


# ---------------------------------------------------------------------------------------------
# start-up and pool


def test_leftover_containers_are_removed_at_start_up():
    a = Server()
    b = None
    try:
        a.wait_ready()
        inst = a.instance
        first = {c["Id"] for c in containers(inst)}
        check(len(first) == 11, f"first run has {len(first)} containers")
        workers = worker_pids(a, 4)
        a.proc.kill()
        a.proc.wait(10)
        wait_until(lambda: not any(pid_alive(p) for p in workers), 15, "the workers dying with the master")
        check({c["Id"] for c in containers(inst)} == first, "the killed run's containers should still be there")
        b = Server(env={"EXECUTIONER_DOCKER_INSTANCE": inst})
        b.instance = inst  # so stop() cleans the right label
        b.wait_ready()
        b.wait_log(f'removed {len(first)} containers of instance "{inst}"', 5)
        now = {c["Id"] for c in containers(inst)}
        check(not (now & first), f"{len(now & first)} containers of the killed run survived the restart")
        check(len(now) == 11, f"expected 11 fresh containers, got {len(now)}")
        r = b.run("python", "print('fresh')")
        check(r["stdout"] == "fresh\n", r)
    finally:
        if b is not None:
            b.stop()
        a.stop()


def test_two_services_on_one_instance_leave_each_other_alone():
    """Review [9] point 7: a second service with the same docker.instance used to remove the
    first one's containers at start. Now only the containers of owners proven gone are removed."""
    a = Server()
    b = None
    try:
        a.wait_ready()
        mine = {c["Id"] for c in containers(a.instance)}
        owners = {c["Labels"].get("executioner.owner") for c in containers(a.instance)}
        check(len(owners) == 1 and None not in owners, f"labels: {owners}")
        b = Server(env={"EXECUTIONER_DOCKER_INSTANCE": a.instance})
        b.wait_ready()
        b.wait_log(f'left {len(mine)} containers of instance "{a.instance}" that another running service owns', 5)
        now = {c["Id"] for c in containers(a.instance)}
        check(mine <= now, f"{len(mine - now)} of the first service's containers were removed")
        for srv, word in ((a, "a"), (b, "b")):
            r = srv.run("python", f"print('{word}')")
            check(r["stdout"] == f"{word}\n", r)
        b.proc.send_signal(signal.SIGTERM)
        check(b.proc.wait(60) == 0, "the second service stops cleanly")
        r = a.run("python", "print('a again')")
        check(r["stdout"] == "a again\n", f"the first service after the second one stopped: {r}")
    finally:
        if b is not None and b.proc.poll() is None:
            b.proc.kill()
        a.stop()


def test_pool_refills_after_a_job():
    with Server() as s:
        s.wait_ready()
        before = lang_ids(s.instance, "python")
        check(len(before) == 1, f"python pool: {before}")
        total = len(containers(s.instance))
        r = s.run("python", "print('used')")
        check(r["stdout"] == "used\n", r)

        def refilled():
            ids = lang_ids(s.instance, "python")
            return ids if (len(ids) == 1 and not (ids & before) and pool_ready(s, "python") == 1
                           and len(containers(s.instance)) == total) else None
        after = wait_until(refilled, 30, "the python pool back to 1 fresh container")
        check(after != before, (before, after))


def pool_states(s):
    return {c["Id"]: c["State"] for c in containers(s.instance)}


def test_ready_containers_are_paused_after_the_idle_delay():
    """pool.pause_idle_ms: a ready container left unused that long is paused; a job still gets it
    (unpaused) and its replacement is paused in turn."""
    with Server(env={"EXECUTIONER_POOL_PAUSE_IDLE_MS": "300"}) as s:
        s.wait_ready()
        npools = len(health(s)[1]["pools"])
        wait_until(lambda: len(pool_states(s)) == npools and set(pool_states(s).values()) == {"paused"}, 60,
                   f"all {npools} ready containers paused")
        wait_until(lambda: all(p["paused"] == p["ready"] == 1 for p in health(s)[1]["pools"].values()), 10,
                   "/health to count them as paused")
        before = lang_ids(s.instance, "python")
        r = s.run("python", "print('thawed')")
        check(r["stdout"] == "thawed\n" and r["status"] == "ok", r)
        fresh = wait_until(lambda: (lang_ids(s.instance, "python") - before) or None, 30, "a new python container")
        wait_until(lambda: all(pool_states(s).get(i) == "paused" for i in fresh), 30, "the replacement paused")


def test_ready_containers_stay_running_within_the_idle_delay():
    """Containers taken before pool.pause_idle_ms never pay for a pause and an unpause."""
    with Server(env={"EXECUTIONER_POOL_PAUSE_IDLE_MS": "600000"}) as s:
        s.wait_ready()
        st = pool_states(s)
        check(st and set(st.values()) == {"running"}, st)
        check(all(p["paused"] == 0 for p in health(s)[1]["pools"].values()), health(s)[1]["pools"])
        for i in range(3):
            r = s.run("python", f"print({i})")
            check(r["stdout"] == f"{i}\n", r)
        check("paused" not in pool_states(s).values(), pool_states(s))


def test_pool_container_removed_from_outside_is_replaced():
    with Server(env={"EXECUTIONER_POOL_SIZE": "1"}) as s:
        s.wait_ready()
        ids = lang_ids(s.instance, "python")
        check(len(ids) == 1, ids)
        victim = ids.pop()
        st, body = docker_api("DELETE", f"/containers/{victim}?force=1")
        check(st == 204, f"docker rm: {st} {body}")
        st, js = s.execute({"language": "python", "source_code": "print('x')"}, timeout=60)
        # review [9] point 7: a container gone before the job began sends the job to the next one
        check(st == 200 and js["stdout"] == "x\n", f"expected 200 from the next container: {st} {js}")

        def refilled():
            now = lang_ids(s.instance, "python")
            return now if (len(now) == 1 and victim not in now and pool_ready(s, "python") == 1) else None
        wait_until(refilled, 30, "the python pool refilled to 1 after the outside removal")
        for i in range(2):
            r = s.run("python", f"print({i})")
            check(r["status"] == "ok" and r["stdout"] == f"{i}\n", r)


def test_unreachable_engine_health_503_and_execute_503_after_queue_timeout():
    s = Server(env={"EXECUTIONER_DOCKER_SOCKET": "/tmp/nonexistent.sock", "EXECUTIONER_SERVER_QUEUE_TIMEOUT_S": "2"})
    try:
        s.wait_log("listening on", 30)
        st, js = wait_until(lambda: (lambda h: h if h[0] == 503 else None)(health(s)), 30, "/health 503")
        check(js["engine"]["reachable"] is False, js)
        check(js["status"] != "healthy" and js["engine"].get("error"), js)
        t0 = time.time()
        st, js = s.execute({"language": "python", "source_code": "print(1)"}, timeout=30)
        took = time.time() - t0
        check(st == 503, f"expected 503, got {st} {js}")
        check(isinstance(js, dict) and js.get("error"), js)
        check("engine" in js["error"] or "container" in js["error"], f"unclear 503: {js}")
        check(1.5 <= took <= 10, f"503 after {took:.1f}s, queue_timeout_s is 2")
        check(not any("ready: every pool is full" in ln for ln in s.lines), "became ready without an engine")
    finally:
        s.stop()


def test_unknown_runtime_is_named_in_the_log_and_jobs_get_503():
    s = Server(env={"EXECUTIONER_DOCKER_RUNTIME": "nosuchruntime", "EXECUTIONER_SERVER_QUEUE_TIMEOUT_S": "2"})
    try:
        s.wait_log('docker.runtime = "nosuchruntime"', 30)
        st, js = s.execute({"language": "python", "source_code": "print(1)"}, timeout=30)
        check(st == 503 and "python" in js.get("error", ""), f"expected a 503 naming python: {st} {js}")
        check(health(s)[1]["status"] == "starting", health(s))
        check(not containers(s.instance), "containers left behind")
    finally:
        s.stop()


def test_full_queue_gets_503_at_once():
    with Server(workers=1, env={"EXECUTIONER_SERVER_QUEUE_SIZE": "1"}) as s:
        s.wait_ready()
        busy = in_thread(s.execute, {"language": "python", "source_code": SLEEP_JOB.format(s=3)}, timeout=60)
        wait_until(lambda: health(s)[1]["running"] == 1, 20, "the only worker busy")
        queued = in_thread(s.execute, {"language": "bash", "source_code": "echo queued"}, timeout=60)
        wait_until(lambda: health(s)[1]["queued"] == 1, 10, "one job queued")
        t0 = time.time()
        st, js = s.execute({"language": "bash", "source_code": "echo third"}, timeout=30)
        took = time.time() - t0
        check(st == 503 and isinstance(js, dict) and "queue" in js.get("error", ""), f"expected 503 queue full: {st} {js}")
        check(took < 1.5, f"the 503 took {took:.2f}s")
        st, js = joined(*busy, 60, "the running job")
        check(st == 200 and js["stdout"] == "done\n", (st, js))
        st, js = joined(*queued, 60, "the queued job")
        check(st == 200 and js["stdout"] == "queued\n", (st, js))


def test_exec_transport_runs_the_same_jobs():
    """pool.transport = "exec": the helper is exec'd into a container whose PID 1 only reaps."""
    from harness import Server as _Server
    srv = _Server(env={"EXECUTIONER_POOL_TRANSPORT": "exec"}, workers=2).wait_ready()
    try:
        r = srv.run("python", "import sys, os\nprint(sys.stdin.read().upper(), os.getuid())", stdin="abc")
        check(r["status"] == "ok" and r["stdout"] == "ABC 10001\n", r)
        r = srv.run("python", "while True: pass", time_limit=1)
        check(r["status"] == "timeout", r)
        r = srv.run("cpp", "#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b;}",
                    tests=[{"stdin": "1 2", "expected_output": "3"}, {"stdin": "2 2", "expected_output": "5"}])
        check(r["verdict"] == "wrong_answer" and r["compile_count"] == 1 and r["passed"] == 1, r)
        check(srv.run("c", "int main(){return 3;}")["exit_code"] == 3)
    finally:
        rc = srv.stop()  # raises if the service left any of its containers after exiting 0
    check(rc == 0, f"exit status {rc}")


def test_sigterm_to_every_process_still_cleans_up():
    """Like `pkill executioner`: TERM reaches the master, every worker, the store and the
    callbacks process at once."""
    srv = Server(workers=2).wait_ready()
    try:
        pids = [srv.proc.pid] + child_pids(srv.proc.pid, store=True)
        check(len(pids) == 5, f"expected a master, 2 workers, the store, the callbacks: {pids}")
        for p in pids:
            os.kill(p, signal.SIGTERM)
        rc = srv.proc.wait(60)
        check(rc == 0, f"exit status {rc}")
        check(not containers(srv.instance), f"containers left: {len(containers(srv.instance))}")
    finally:
        srv.stop()

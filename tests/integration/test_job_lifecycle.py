"""test_job_lifecycle.py - every way a job ends (review [9]): a result too large for the wire
still comes back bounded; a worker that never answers is ended by the master's deadline; a
client that goes away cancels its job (queued or running); limits.max_request_s caps a judge
request; cpu_limit values other than the default work; SIGTERM with a stuck job exits 0."""
import json
import os
import signal
import socket
import time

from harness import (Server, check, child_pids, containers, in_thread, joined, shared_server,
                     wait_until)

FLOOD = ("import os\nb = b'\\x01' * (1 << 20)\nfor _ in range({n}):\n    os.write(1, b)\n    os.write(2, b)\n")


def workers_of(srv):
    """Pids of the server's worker processes."""
    return child_pids(srv.proc.pid)


def health(srv):
    st, js, _ = srv.request("GET", "/health")
    return js


def test_control_byte_flood_at_the_output_cap_comes_back():
    """8 MiB of \\x01 on each stream renders as 96 MiB of JSON: over the wire cap, the answer
    never came and the job held its slot forever. Now it is cut to fit, flagged truncated."""
    s = shared_server()
    st, js = s.execute({"language": "python", "source_code": FLOOD.format(n=9), "output_limit_kb": 8192}, timeout=120)
    check(st == 200, f"HTTP {st}: {str(js)[:300]}")
    check(js["output_truncated"] is True and 0 < len(js["stdout"]) <= 8 << 20 and set(js["stdout"]) == {"\x01"},
          f"stdout {len(js['stdout'])} chars, truncated {js['output_truncated']}")
    wait_until(lambda: health(s)["running"] == 0, 10, "no job left running")


def test_judge_flood_with_default_limits_comes_back():
    s = shared_server()
    tests = [{"stdin": "", "expected_output": "x"} for _ in range(6)]
    st, js = s.execute({"language": "python", "source_code": FLOOD.format(n=2), "tests": tests}, timeout=180)
    check(st == 200 and js["verdict"] == "output_limit_exceeded", f"HTTP {st}: {str(js)[:300]}")
    check(all(t["output_truncated"] for t in js["tests"]), [t["output_truncated"] for t in js["tests"]])
    wait_until(lambda: health(s)["running"] == 0, 10, "no job left running")


def test_worker_that_never_answers_is_ended_by_the_deadline():
    """The job's worker is frozen (SIGSTOP): the master answers 500 once the job's limits plus a
    margin (3 x docker.timeout_ms + 10 s) have passed, kills the worker and serves on."""
    with Server(workers=1, env={"EXECUTIONER_DOCKER_TIMEOUT_MS": "1000"}) as s:
        s.wait_ready()
        t, box = in_thread(s.execute, {"language": "python", "source_code": "import time\ntime.sleep(3)",
                                       "time_limit": 1}, timeout=90)
        wait_until(lambda: health(s)["running"] == 1, 20, "the job to run")
        frozen = workers_of(s)
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        t0 = time.time()
        st, js = joined(t, box, 60, "the frozen job's answer")
        check(st == 500 and "did not end within its limits" in js["error"], (st, js))
        check(time.time() - t0 < 40, f"answered after {time.time() - t0:.0f}s")
        check(s.run("python", "print(5)")["stdout"] == "5\n", "the service serves on")
        check(all(p not in workers_of(s) for p in frozen), "the frozen worker was replaced")


def hold_request(port, body):
    """Sends a POST /execute and returns the open socket without reading the answer."""
    data = json.dumps(body).encode()
    c = socket.create_connection(("127.0.0.1", port), timeout=30)
    c.sendall(b"POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    return c


def test_client_that_goes_away_cancels_running_and_queued_jobs():
    with Server(workers=1) as s:
        s.wait_ready()
        sleeper = {"language": "python", "source_code": "import time\ntime.sleep(25)\nprint('late')",
                   "time_limit": 30}
        a = hold_request(s.port, sleeper)
        wait_until(lambda: health(s)["running"] == 1, 20, "job A to run")
        b = hold_request(s.port, sleeper)
        wait_until(lambda: health(s)["queued"] == 1, 20, "job B to queue")
        b.close()
        wait_until(lambda: health(s)["queued"] == 0, 5, "job B dropped from the queue")
        check(health(s)["running"] == 1, "job A still runs")
        t0 = time.time()
        a.close()
        wait_until(lambda: health(s)["running"] == 0, 10, "job A cancelled")
        check(time.time() - t0 < 10, "cancelled well before its 25 s sleep ended")
        s.wait_log("cancelled", 10)
        check(s.run("python", "print(6)")["stdout"] == "6\n", "the worker takes the next job")
        st, text, _ = s.request("GET", "/metrics")
        check('status="cancelled"' in text, "cancellations are counted in /metrics")


def test_max_request_s_caps_a_judge_request():
    with Server(env={"EXECUTIONER_LIMITS_MAX_REQUEST_S": "2"}) as s:
        s.wait_ready()
        tests = [{"stdin": "", "expected_output": "ok\n"} for _ in range(8)]
        t0 = time.time()
        js = s.run("python", "import time\ntime.sleep(0.9)\nprint('ok')", tests=tests, time_limit=2)
        verdicts = [t["verdict"] for t in js["tests"]]
        check(js["time_budget_exceeded"] is True, js)
        check(verdicts[0] == "accepted" and verdicts[-1] == "skipped" and "accepted" in verdicts[:3], verdicts)
        check(time.time() - t0 < 8, f"took {time.time() - t0:.1f}s")


def test_cpu_limit_values_other_than_the_default():
    """cpu_limit != limits.cpus used to be a 500 (the runtime rewrote the memory limit from an
    empty value: EBUSY) whose message named the container and the runtime's path."""
    s = shared_server()
    for lang, code in (("python", "print(7)"), ("c", "#include <stdio.h>\nint main(void){puts(\"7\");}")):
        for c in (0.5, 1.5, 2):
            st, js = s.execute({"language": lang, "source_code": code, "cpu_limit": c})
            check(st == 200 and js["stdout"] == "7\n", f"{lang} cpu_limit {c}: HTTP {st} {str(js)[:300]}")


def test_sigterm_with_a_stuck_job_exits_0_and_answers_it():
    """libmicrohttpd aborts the process when stopped with a suspended connection: the stop
    answers stuck jobs first (after the 30 s drain) and exits 0."""
    s = Server(workers=1)
    try:
        s.wait_ready()
        t, box = in_thread(s.execute, {"language": "python", "source_code": "import time\ntime.sleep(60)",
                                       "time_limit": 30}, timeout=120)
        wait_until(lambda: health(s)["running"] == 1, 20, "the job to run")
        for pid in workers_of(s):
            os.kill(pid, signal.SIGSTOP)
        s.signal(signal.SIGTERM)
        st, js = joined(t, box, 90, "the stuck job's answer")
        check(st == 503 and "stopped" in js["error"], (st, js))
        check(s.proc.wait(60) == 0, f"exit status {s.proc.returncode}")
        wait_until(lambda: not containers(s.instance), 30, "no container left")
    finally:
        s.stop()

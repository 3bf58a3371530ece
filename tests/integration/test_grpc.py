"""test_grpc.py - the gRPC API (issue [16]): CodeExecutor.Execute and grpc.health.v1.Health, called
with Debian's python3-grpcio through stubs generated from shared/proto/ at test time (grpc_tools
into build/grpc_py). Plain runs (python, C++), judge mode, 8 calls at once, each error code
(INVALID_ARGUMENT naming the field, UNAUTHENTICATED, RESOURCE_EXHAUSTED for rates and a full
queue, UNAVAILABLE with the engine unreachable, DEADLINE_EXCEEDED cancelling the job, INTERNAL,
UNIMPLEMENTED for a method the service does not have), ExecuteStream (chunks before the program
ends) and --mode."""
import os
import signal
import socket
import sys
import threading
import time

import harness
from harness import Server, check, child_pids, in_thread, joined, wait_until

STUBS = os.path.join(harness.ROOT, "build", "grpc_py")
_mods = None
_server = None


def pb():
    """(executor_pb2, executor_pb2_grpc, health_pb2, health_pb2_grpc, grpc), generated once per run
    from the .proto files with Debian's python3-grpc-tools (also when python3 is pyenv's)."""
    global _mods
    if _mods:
        return _mods
    try:
        import grpc  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
    import grpc
    from grpc_tools import protoc
    os.makedirs(STUBS, exist_ok=True)
    proto = os.path.join(harness.ROOT, "shared", "proto")
    rc = protoc.main(["protoc", f"-I{proto}", f"--python_out={STUBS}", f"--grpc_python_out={STUBS}",
                      os.path.join(proto, "executor.proto"), os.path.join(proto, "health.proto")])
    check(rc == 0, f"grpc_tools.protoc failed: {rc}")
    if STUBS not in sys.path:
        sys.path.insert(0, STUBS)
    import executor_pb2
    import executor_pb2_grpc
    import health_pb2
    import health_pb2_grpc
    _mods = (executor_pb2, executor_pb2_grpc, health_pb2, health_pb2_grpc, grpc)
    return _mods


def server():
    """One gRPC-serving server for the tests that do not change its state."""
    global _server
    if _server is None or _server.proc.poll() is not None:
        _server = Server(grpc=True, workers=4).wait_ready()
    return _server


def teardown():
    global _server
    if _server is not None:
        s, _server = _server, None
        check(s.stop() == 0, f"the gRPC test server did not stop cleanly; log: {s.log_path}")


def stub(s):
    ex, exg, _, _, grpc = pb()
    return exg.CodeExecutorStub(grpc.insecure_channel(f"127.0.0.1:{s.grpc_port}"))


def execute(s, timeout=60, metadata=None, **req):
    ex = pb()[0]
    return stub(s).Execute(ex.ExecuteRequest(**req), timeout=timeout, metadata=metadata)


def rpc_error(fn, *a, **kw):
    """The grpc.RpcError fn raised (a TestFailure when it returned)."""
    grpc = pb()[4]
    try:
        r = fn(*a, **kw)
    except grpc.RpcError as e:
        return e
    raise harness.TestFailure(f"expected an error, got {r}")


def field_of(err):
    return dict(err.trailing_metadata() or ()).get("x-field")


def test_execute_python_with_seed_003_fields():
    s = server()
    r = execute(s, language="python", code="import sys\nprint(input()[::-1]); print('e', file=sys.stderr)",
                input="olleh", timeout_seconds=30, memory_limit_mb=128, cpu_limit=0.5)
    check(r.stdout == "hello\n" and r.stderr == "e\n", r)
    check(r.status == "ok" and r.exit_code == 0 and not r.timeout and not r.memory_exceeded, r)
    check(0 < r.execution_time_ms < 10000 and r.memory_used_mb > 0 and r.memory_used_kb > 0, r)
    check(r.id > 0 and r.language == "python" and r.signal == "", r)


def test_execute_cpp_compiles_and_runs():
    s = server()
    code = "#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a*b<<\"\\n\";}"
    r = execute(s, timeout=120, language="cpp", code=code, input="6 7")
    check(r.status == "ok" and r.stdout == "42\n" and r.compile_time_ms > 0, r)
    bad = execute(s, timeout=120, language="cpp", code="int main( { return 0; }")
    check(bad.status == "compile_error" and "error" in bad.compile_output, bad)


def test_execute_reports_timeout_signal_and_files():
    s = server()
    r = execute(s, language="python", code="while True: pass", time_limit=0.5)
    check(r.status == "timeout" and r.timeout and r.exit_code == -1 and r.signal, r)
    ex = pb()[0]
    r = execute(s, language="python", code="import os\nos.kill(os.getpid(), 11)")
    check(r.status == "runtime_error" and r.signal == "SIGSEGV" and r.exit_code == -1, r)
    r = execute(s, language="python", code="open('out.bin','wb').write(open('in.bin','rb').read()[::-1])",
                files=[ex.File(name="in.bin", content=b"\x00\x01\xff")], output_files=["out.bin", "nope"])
    check(r.status == "ok" and len(r.output_files) == 2, r)
    check(r.output_files[0].content == b"\xff\x01\x00" and r.output_files[0].size == 3, r.output_files)
    check(r.output_files[1].error == "no such file", r.output_files)


def test_judge_mode():
    s = server()
    ex = pb()[0]
    tests = [ex.TestCase(stdin="1 2", expected_output="3"), ex.TestCase(stdin="5 5", expected_output="11")]
    r = execute(s, language="python", code="a, b = map(int, input().split())\nprint(a + b)", tests=tests,
                time_limit=2)
    check(r.verdict == "wrong_answer" and r.passed == 1 and r.total == 2 and len(r.tests) == 2, r)
    check(r.tests[0].verdict == "accepted" and r.tests[0].stdout == "3\n", r.tests[0])
    check(r.tests[1].verdict == "wrong_answer" and r.tests[1].stdout == "10\n", r.tests[1])
    r = execute(s, language="python", code="print(1/0)", tests=[ex.TestCase(stdin="", expected_output="")])
    check(r.verdict == "runtime_error" and r.tests[0].exit_code == 1, r)


def test_eight_concurrent_calls():
    s = server()
    calls = [in_thread(execute, s, 120, None, language="python", code=f"import time\ntime.sleep(0.3)\nprint({i} * 3)")
             for i in range(8)]
    outs = [joined(t, box, 150, f"call {i}") for i, (t, box) in enumerate(calls)]
    check([r.stdout for r in outs] == [f"{i * 3}\n" for i in range(8)], [r.stdout for r in outs])
    check(len({r.id for r in outs}) == 8, "eight distinct jobs")


def test_health_check():
    s = server()
    _, _, hp, hpg, grpc = pb()
    h = hpg.HealthStub(grpc.insecure_channel(f"127.0.0.1:{s.grpc_port}"))
    check(h.Check(hp.HealthCheckRequest(), timeout=10).status == hp.HealthCheckResponse.SERVING, "SERVING")
    r = h.Check(hp.HealthCheckRequest(service="executor.CodeExecutor"), timeout=10)
    check(r.status == hp.HealthCheckResponse.SERVING, r)
    e = rpc_error(h.Check, hp.HealthCheckRequest(service="nope"), timeout=10)
    check(e.code() == grpc.StatusCode.NOT_FOUND, e)


def test_invalid_argument_names_the_field():
    s = server()
    grpc = pb()[4]
    for req, field in [(dict(language="python", code="print(1)", timeout_seconds=-1), "timeout_seconds"),
                       (dict(language="python", code="print(1)", memory_limit_mb=1 << 30), "memory_limit_mb"),
                       (dict(language="cobol", code="x"), "language"),
                       (dict(language="python", code="x", compare="fuzzy", tests=[pb()[0].TestCase()]), "compare")]:
        e = rpc_error(execute, s, **req)
        check(e.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(e) == field and field in e.details(),
              f"{req}: {e.code()} {e.details()!r} {e.trailing_metadata()}")
    # not an ExecuteRequest at all
    raw = grpc.insecure_channel(f"127.0.0.1:{s.grpc_port}").unary_unary("/executor.CodeExecutor/Execute")
    e = rpc_error(raw, b"\xff\xff\xff", timeout=10)
    check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, e)


def test_unimplemented_method():
    s = server()
    grpc = pb()[4]
    ch = grpc.insecure_channel(f"127.0.0.1:{s.grpc_port}")
    e = rpc_error(ch.unary_unary("/executor.CodeExecutor/Compile"), b"", timeout=10)
    check(e.code() == grpc.StatusCode.UNIMPLEMENTED, e)


def test_unauthenticated_and_queue_full():
    """With auth.keys: no key or a wrong one is UNAUTHENTICATED; x-api-key and authorization:
    Bearer pass, as REST's headers. One worker and a queue of 1: a third call at once is
    RESOURCE_EXHAUSTED (the queue is full)."""
    grpc = pb()[4]
    env = {"EXECUTIONER_AUTH_KEYS": "k1,k2", "EXECUTIONER_SERVER_QUEUE_SIZE": "1"}
    with Server(grpc=True, workers=1, env=env) as s:
        s.wait_ready()
        for md in [None, (("x-api-key", "wrong"),), (("authorization", "Bearer nope"),)]:
            e = rpc_error(execute, s, metadata=md, language="python", code="print(1)")
            check(e.code() == grpc.StatusCode.UNAUTHENTICATED, f"{md}: {e}")
        r = execute(s, metadata=(("x-api-key", "k1"),), language="python", code="print(1)")
        check(r.stdout == "1\n", r)
        r = execute(s, metadata=(("authorization", "Bearer k2"),), language="python", code="print(2)")
        check(r.stdout == "2\n", r)
        key = (("x-api-key", "k1"),)
        calls = [in_thread(rpc_or_result, s, key, "import time\ntime.sleep(2)") for _ in range(3)]
        outs = [joined(t, box, 60, "a call") for t, box in calls]
        refused = [o for o in outs if not hasattr(o, "stdout")]
        check(refused and all(o.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "queue" in o.details()
                              for o in refused), [str(o) for o in outs])
        check(any(hasattr(o, "stdout") for o in outs), "the first call ran")


def rpc_or_result(s, md, code):
    grpc = pb()[4]
    try:
        return execute(s, metadata=md, language="python", code=code)
    except grpc.RpcError as e:
        return e


def test_rate_limit_is_resource_exhausted():
    grpc = pb()[4]
    env = {"EXECUTIONER_RATE_PER_IP_PER_S": "0.01", "EXECUTIONER_RATE_PER_IP_BURST": "1"}
    with Server(grpc=True, workers=1, env=env) as s:
        s.wait_ready()
        check(execute(s, language="python", code="print(1)").stdout == "1\n", "the first call")
        e = rpc_error(execute, s, language="python", code="print(1)")
        check(e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, e)


def test_engine_unreachable_is_unavailable():
    grpc = pb()[4]
    _, _, hp, hpg, _ = pb()
    env = {"EXECUTIONER_DOCKER_SOCKET": "/nonexistent/docker.sock", "EXECUTIONER_SERVER_QUEUE_TIMEOUT_S": "1",
           "EXECUTIONER_DOCKER_TIMEOUT_MS": "500"}
    with Server(grpc=True, workers=1, env=env) as s:
        s.wait_log("grpc: listening on", 30)
        h = hpg.HealthStub(grpc.insecure_channel(f"127.0.0.1:{s.grpc_port}"))
        wait_until(lambda: h.Check(hp.HealthCheckRequest(), timeout=10).status == hp.HealthCheckResponse.NOT_SERVING,
                   30, "health NOT_SERVING")
        e = rpc_error(execute, s, language="python", code="print(1)")
        check(e.code() == grpc.StatusCode.UNAVAILABLE and "engine" in e.details(), f"{e.code()} {e.details()}")


def running(s):
    st, js, _ = s.request("GET", "/health")
    return js["running"]


def test_client_deadline_cancels_the_job():
    """A call whose deadline passes is DEADLINE_EXCEEDED at the client; the service cancels its job
    (the program is stopped, the worker freed) and serves on."""
    grpc = pb()[4]
    s = server()
    start = len(s.lines)
    t0 = time.time()
    e = rpc_error(execute, s, timeout=2, language="python", code="import time\ntime.sleep(25)",
                  time_limit=25, wall_time_limit=25)
    check(e.code() == grpc.StatusCode.DEADLINE_EXCEEDED and time.time() - t0 < 10, f"{e.code()} after {time.time() - t0:.1f}s")
    s.wait_log("the client cancelled or its deadline passed", 10, start)
    wait_until(lambda: running(s) == 0, 15, "the cancelled job to end")
    check(execute(s, language="python", code="print(7)").stdout == "7\n", "serves on")


def test_worker_that_never_answers_is_internal():
    """The job's worker is frozen: the master ends the job (HTTP 500), which is INTERNAL."""
    grpc = pb()[4]
    with Server(grpc=True, workers=1, env={"EXECUTIONER_DOCKER_TIMEOUT_MS": "1000"}) as s:
        s.wait_ready()
        t, box = in_thread(rpc_or_result, s, None, "import time\ntime.sleep(3)")
        wait_until(lambda: running(s) == 1, 20, "the job to run")
        frozen = child_pids(s.proc.pid)
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        e = joined(t, box, 60, "the frozen job's answer")
        check(isinstance(e, grpc.RpcError) and e.code() == grpc.StatusCode.INTERNAL
              and "did not end within its limits" in e.details(), str(e))
        check(execute(s, language="python", code="print(5)").stdout == "5\n", "the service serves on")


def test_modes():
    """--mode grpc: no REST listener; --mode http: no gRPC process even with grpc.port set."""
    with Server(grpc=True, workers=1, args=("--mode", "grpc")) as s:
        s.wait_ready()
        check(execute(s, language="bash", code="echo hi").stdout == "hi\n", "gRPC serves")
        c = socket.socket()
        check(c.connect_ex(("127.0.0.1", s.port)) != 0, "no REST listener")
        c.close()
    with Server(grpc=True, workers=1, args=("--mode", "http")) as s:
        s.wait_ready()
        check("ex-grpc" not in [harness.comm(p) for p in child_pids(s.proc.pid, store=True)], "no gRPC process")
        check(s.run("bash", "echo hi")["stdout"] == "hi\n", "REST serves")


def test_execute_stream_sends_output_as_it_is_written():
    """ExecuteStream: 'a' arrives while the program still sleeps, then 'b', then the result, last;
    stderr comes as its own chunks. In judge mode only the result is sent."""
    s = server()
    ex = pb()[0]
    code = "import sys, time\nprint('a', flush=True)\nprint('e', file=sys.stderr, flush=True)\ntime.sleep(1)\nprint('b')"
    t0 = time.time()
    events = []
    for ev in stub(s).ExecuteStream(ex.ExecuteRequest(language="python", code=code), timeout=60):
        events.append((time.time() - t0, ev))
    kinds = [ev.WhichOneof("event") for _, ev in events]
    check(kinds[-1] == "result" and kinds.count("result") == 1, kinds)
    out = [(t, ev.output.data) for t, ev in events if ev.output.stream == "stdout" and ev.WhichOneof("event") == "output"]
    err = "".join(ev.output.data for _, ev in events if ev.output.stream == "stderr")
    check("".join(d for _, d in out) == "a\nb\n" and err == "e\n", events)
    t_a = next(t for t, d in out if "a" in d)
    t_end = events[-1][0]
    check(t_end - t_a >= 0.8, f"'a' came at {t_a:.2f}s, the result at {t_end:.2f}s: not streamed")
    r = events[-1][1].result
    check(r.status == "ok" and r.stdout == "a\nb\n" and r.stderr == "e\n", r)
    tests = [ex.TestCase(stdin="", expected_output="x")]
    evs = list(stub(s).ExecuteStream(ex.ExecuteRequest(language="python", code="print('x')", tests=tests), timeout=60))
    check(len(evs) == 1 and evs[0].result.verdict == "accepted", evs)
    e = rpc_error(lambda: list(stub(s).ExecuteStream(ex.ExecuteRequest(language="nope", code="x"), timeout=30)))
    check(e.code() == pb()[4].StatusCode.INVALID_ARGUMENT and field_of(e) == "language", e)

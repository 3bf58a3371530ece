"""test_judge.py - judge mode through HTTP: every verdict in C++ and Python, stop_on_first_failure,
the comparison modes end to end, one compile for many tests, CPU/wall/memory measurement accuracy,
and programs that try to forge their verdict (fake reports, frame bytes, writes to the helper's
fds, killing the helper) without changing it or the next test's result."""
import struct
import time

import harness
from harness import check, shared_server


def note(msg):
    """A measured figure: printed now and again in the runner's notes at the end."""
    harness.note("judge", msg)


def judge(lang, code, tests, http=200, **kw):
    """POST /execute in judge mode; checks the answer's shape and returns (body, seconds)."""
    s = shared_server()
    body = {"language": lang, "source_code": code, "tests": tests}
    body.update(kw)
    t0 = time.time()
    st, js = s.execute(body, timeout=180)
    dt = time.time() - t0
    check(st == http, f"HTTP {st} (want {http}): {js}")
    if http != 200:
        return js, dt
    check(js["total"] == len(tests) and len(js["tests"]) == len(tests), js)
    check([t["index"] for t in js["tests"]] == list(range(len(tests))), js)
    acc = sum(1 for t in js["tests"] if t["verdict"] == "accepted")
    check(js["passed"] == acc, f"passed {js['passed']} but {acc} tests accepted: {js}")
    for t in js["tests"]:
        if t["verdict"] != "skipped":
            for k in ("execution_time_ms", "cpu_time_ms", "memory_used_kb", "exit_code", "signal", "stdout",
                      "stderr"):
                check(k in t, f"test lacks {k}: {t}")
    return js, dt


def T(stdin, expected):
    return {"stdin": stdin, "expected_output": expected}


def verdicts(js):
    return [t["verdict"] for t in js["tests"]]


def first_failure(vs):
    return next((v for v in vs if v != "accepted"), "accepted")


# ---------------------------------------------------------------- programs

CPP_ALL = r"""
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
int main() {
    std::string cmd;
    std::cin >> cmd;
    if (cmd == "ok") { long a, b; std::cin >> a >> b; std::cout << a + b << "\n"; return 0; }
    if (cmd == "wa") { std::cout << "nope\n"; return 0; }
    if (cmd == "tle") { volatile unsigned long x = 0; for (;;) x++; }
    if (cmd == "mle" || cmd == "oom") {
        size_t n = (size_t)(cmd == "mle" ? 200 : 1600) << 20;
        volatile char *p = (volatile char *)malloc(n);
        if (!p) return 7;
        for (size_t i = 0; i < n; i += 4096) p[i] = 1;
        std::cout << (int)p[n - 4096] << "\n";
        return 0;
    }
    if (cmd == "exit") { std::cout << "3\n"; return 3; }
    if (cmd == "segv") { std::cout << "3\n" << std::flush; raise(SIGSEGV); }
    if (cmd == "abort") { std::cout << "3\n" << std::flush; abort(); }
    if (cmd == "ole") { std::string s(1 << 20, 'x'); for (int i = 0; i < 8; i++) std::cout << s; return 0; }
    if (cmd == "olerr") { std::string s(1 << 20, 'e'); for (int i = 0; i < 8; i++) std::cerr << s; std::cout << "3\n"; return 0; }
    return 9;
}
"""

PY_ALL = r"""
import os, signal, sys
cmd = sys.stdin.readline().strip()
if cmd == "ok":
    a, b = map(int, sys.stdin.readline().split()); print(a + b)
elif cmd == "wa":
    print("nope")
elif cmd == "tle":
    while True:
        pass
elif cmd in ("mle", "oom"):
    x = bytearray((200 if cmd == "mle" else 400) << 20)
    for i in range(0, len(x), 4096):
        x[i] = 1
    print(x[-4096])
elif cmd == "exit":
    print(3); sys.exit(3)
elif cmd == "segv":
    print(3, flush=True); os.kill(os.getpid(), signal.SIGSEGV)
elif cmd == "abort":
    print(3, flush=True); os.abort()
elif cmd == "ole":
    sys.stdout.write("x" * (8 << 20))
elif cmd == "olerr":
    sys.stderr.write("e" * (8 << 20)); print(3)
"""

# stdin, expected, the verdict it must get, (exit_code, signal) when it matters
CASES = [
    ("ok\n1 2\n", "3", "accepted", (0, None)),
    ("wa\n", "3", "wrong_answer", (0, None)),
    ("tle\n", "3", "time_limit_exceeded", None),
    ("ok\n40 2\n", "42", "accepted", (0, None)),  # a run right after a killed one is clean
    ("mle\n", "1", "memory_limit_exceeded", None),
    ("ok\n5 5\n", "10", "accepted", (0, None)),
    ("oom\n", "1", "memory_limit_exceeded", None),
    ("exit\n", "3", "runtime_error", (3, None)),
    ("segv\n", "3", "runtime_error", (None, "SIGSEGV")),
    ("abort\n", "3", "runtime_error", (None, "SIGABRT")),
    ("ole\n", "x", "output_limit_exceeded", None),
    ("olerr\n", "3", "output_limit_exceeded", None),  # stderr counts too
    ("ok\n-1 1\n", "0", "accepted", (0, None)),
]
LIMITS = dict(time_limit=1, memory_limit_mb=64, output_limit_kb=64)


def check_all_verdicts(lang, code):
    tests = [T(i, e) for i, e, _, _ in CASES]
    js, dt = judge(lang, code, tests, stop_on_first_failure=False, **LIMITS)
    want = [v for _, _, v, _ in CASES]
    check(verdicts(js) == want, f"{lang}: verdicts {verdicts(js)}, want {want}\n{js}")
    check(js["status"] == "ok" and js["verdict"] == "wrong_answer", js)  # the first failure
    check(js["passed"] == want.count("accepted"), js)
    for (_, _, v, ex), t in zip(CASES, js["tests"]):
        if ex:
            check((t["exit_code"], t["signal"]) == ex, f"{lang} {v}: exit/signal {t}")
        if v == "accepted":
            # limits of the tests before do not leak into this one
            check(t["cpu_time_ms"] < 500 and t["memory_used_kb"] < 40 * 1024, f"{lang}: {t}")
    tle = js["tests"][2]
    # killed once it used 1 s of CPU, or (on a loaded host) by the 2 s wall-clock safety net
    check(1000 <= tle["cpu_time_ms"] <= 1500 or (tle["cpu_time_ms"] <= 1500 and tle["execution_time_ms"] >= 1990),
          f"{lang}: TLE after {tle['cpu_time_ms']} ms of CPU: {tle}")
    ole = js["tests"][10]
    check(ole["output_truncated"] and len(ole["stdout"]) <= 64 * 1024, f"{lang}: {len(ole['stdout'])}")
    mle, oom = js["tests"][4], js["tests"][6]
    note(f"{lang}: TLE cpu {tle['cpu_time_ms']} ms wall {tle['execution_time_ms']} ms; "
         f"MLE(200 MiB, limit 64) peak {mle['memory_used_kb']} KiB exit={mle['exit_code']} sig={mle['signal']}; "
         f"MLE(big) peak {oom['memory_used_kb']} KiB exit={oom['exit_code']} sig={oom['signal']}; "
         f"request {dt:.1f}s")
    return js


def test_every_verdict_cpp():
    check_all_verdicts("cpp", CPP_ALL)


def test_every_verdict_python():
    check_all_verdicts("python", PY_ALL)


def test_oom_kills_in_a_row_never_take_the_helper():
    """Under load the memory of a program the kernel OOM-killed could still be charged when the
    helper forked the next test: the next OOM then picked the helper (the only process left) and
    the whole request ended in a 500. The helper now waits for the memory to be released."""
    mem = ("1", "memory_limit_exceeded")
    cases = [("oom\n",) + mem, ("ok\n1 1\n", "2", "accepted"), ("mle\n",) + mem, ("oom\n",) + mem,
             ("ok\n2 2\n", "4", "accepted"), ("oom\n",) + mem, ("mle\n",) + mem,
             ("ok\n3 3\n", "6", "accepted")]
    js, _ = judge("python", PY_ALL, [T(i, e) for i, e, _ in cases], stop_on_first_failure=False, **LIMITS)
    want = [v for _, _, v in cases]
    check(verdicts(js) == want, f"verdicts {verdicts(js)}, want {want}: {js}")


def test_overall_verdict_is_first_failure():
    for order in (["tle\n", "wa\n"], ["ok\n1 1\n", "exit\n", "tle\n"], ["ok\n1 1\n", "mle\n", "wa\n"]):
        tests = [T(i, "2") for i in order]
        js, _ = judge("python", PY_ALL, tests, **LIMITS)
        check(js["verdict"] == first_failure(verdicts(js)) and js["verdict"] != "accepted", js)
        check("skipped" not in verdicts(js), js)  # stop_on_first_failure defaults to false


def test_compile_error_cpp():
    tests = [T("1 2", "3"), T("2 2", "4")]
    js, _ = judge("cpp", "int main() { return undeclared_thing; }\n", tests, stop_on_first_failure=False)
    check(js["verdict"] == "compile_error" and js["status"] == "compile_error", js)
    check(js["compile_count"] == 1 and js["passed"] == 0, js)
    check("undeclared_thing" in js["compile_output"] and "error" in js["compile_output"], js)
    check(verdicts(js) == ["skipped", "skipped"], js)


STOP_TESTS = [T("ok\n1 1\n", "2"), T("wa\n", "2"), T("ok\n2 2\n", "4"), T("tle\n", "0"), T("ok\n3 3\n", "6")]


def test_stop_on_first_failure_true():
    for lang, code in (("cpp", CPP_ALL), ("python", PY_ALL)):
        js, dt = judge(lang, code, STOP_TESTS, stop_on_first_failure=True, time_limit=1)
        check(verdicts(js) == ["accepted", "wrong_answer", "skipped", "skipped", "skipped"], js)
        check(js["verdict"] == "wrong_answer" and js["passed"] == 1 and js["total"] == 5, js)
        check(all(set(t) <= {"index", "verdict"} for t in js["tests"][2:]), js)
        # the TLE test was never run: no second of CPU was spent on it
        check(js["timing"]["run_ms"] < 900, f"{lang}: runs took {js['timing']} after the failure")
    js, _ = judge("python", PY_ALL, [T("tle\n", "0"), T("ok\n1 1\n", "2")], stop_on_first_failure=True,
                  time_limit=0.5)
    check(verdicts(js) == ["time_limit_exceeded", "skipped"] and js["verdict"] == "time_limit_exceeded", js)
    # nothing fails: nothing is skipped
    js, _ = judge("python", PY_ALL, [T("ok\n1 1\n", "2"), T("ok\n2 1\n", "3")], stop_on_first_failure=True)
    check(verdicts(js) == ["accepted", "accepted"] and js["verdict"] == "accepted", js)


def test_stop_on_first_failure_false():
    for lang, code in (("cpp", CPP_ALL), ("python", PY_ALL)):
        js, _ = judge(lang, code, STOP_TESTS, stop_on_first_failure=False, time_limit=0.5)
        check(verdicts(js) == ["accepted", "wrong_answer", "accepted", "time_limit_exceeded", "accepted"], js)
        check(js["verdict"] == "wrong_answer" and js["passed"] == 3, js)


def test_interpreted_language_compiles_nothing():
    js, _ = judge("python", ECHO, [T("1", "1")])
    check(js["compile_count"] == 0 and js["verdict"] == "accepted" and "compile_output" not in js, js)


def test_tests_must_be_a_non_empty_array():
    judge("python", ECHO, [], http=400)
    judge("python", ECHO, [T("1", "1")] * 513, http=400)  # tests_max


def test_stop_on_first_failure_must_be_bool():
    js, _ = judge("python", "print(1)", [T("", "1")], http=400, stop_on_first_failure="yes")
    check("stop_on_first_failure" in str(js), js)


def test_output_limit_boundary():
    prog = "import sys\nn = int(input())\nsys.stdout.write('x' * n)\n"
    tests = [T(str(n), "x" * n) for n in (1023, 1024, 1025)]
    js, _ = judge("python", prog, tests, output_limit_kb=1)
    check(verdicts(js) == ["accepted", "accepted", "output_limit_exceeded"], js)
    check([t["output_truncated"] for t in js["tests"]] == [False, False, True], js)
    check(len(js["tests"][2]["stdout"]) == 1024, js)


# ---------------------------------------------------------------- comparison modes

ECHO = "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n"


def modes_case(compare, cases, **kw):
    """cases: (program output, expected, accepted?) with a program that echoes its stdin."""
    tests = [T(out, exp) for out, exp, _ in cases]
    js, _ = judge("python", ECHO, tests, compare=compare, **kw) if compare else judge("python", ECHO, tests, **kw)
    got = [v == "accepted" for v in verdicts(js)]
    want = [ok for _, _, ok in cases]
    bad = [(c, verdicts(js)[i]) for i, c in enumerate(cases) if got[i] != want[i]]
    check(not bad, f"compare={compare} {kw}: wrong verdicts for {bad}")
    check(all(v in ("accepted", "wrong_answer") for v in verdicts(js)), js)
    check(js["tests"][0]["stdout"] == cases[0][0], js)


def test_compare_lines_default():
    cases = [
        ("1 2\n3\n", "1 2\n3\n", True),
        ("42", "42\n", True),
        ("42\n\n\n", "42", True),
        ("a  \t\nb \r\n", "a\nb\n", True),
        ("1\r\n2\r\n", "1\n2\n", True),
        ("a\n  \nb\n", "a\n\nb\n", True),
        ("", "", True),
        ("\n\n", "", True),
        (" a\n", "a\n", False),
        ("\na\n", "a\n", False),
        ("a\n\nb\n", "a\nb\n", False),
        ("1 2\n", "1\n2\n", False),
        ("a  b\n", "a b\n", False),
        ("ABC\n", "abc\n", False),
        ("", "0", False),
    ]
    modes_case(None, cases)
    modes_case("lines", cases)


def test_compare_exact():
    modes_case("exact", [
        ("hello\n", "hello\n", True),
        ("hello", "hello\n", False),
        ("hello \n", "hello\n", False),
        ("a\r\n", "a\n", False),
        ("a\n\n", "a\n", False),
        ("", "", True),
        ("", "\n", False),
        ("  x  y  \n", "  x  y  \n", True),
    ])


def test_compare_tokens():
    modes_case("tokens", [
        ("1 2 3", "1\n2\n3\n", True),
        ("  1\t\t2\r\n\r\n3   ", "1 2 3", True),
        ("hello   world\n\n", "hello world", True),
        ("", "  \n", True),
        ("1 2", "1 2 3", False),
        ("12", "1 2", False),
        ("1.0", "1", False),
        ("2 1", "1 2", False),
    ])


def test_compare_float():
    modes_case("float", [  # default tolerance 1e-6
        ("1.0000001\n", "1\n", True),
        ("0.333333 2.0", "0.3333333333\n2", True),
        ("1.00001", "1", False),
        ("1000000100", "1e9", True),  # relative
        ("1000002000", "1e9", False),
        ("YES 1.0000001", "YES 1", True),
        ("yes 1", "YES 1", False),
        ("abc", "1", False),
        ("1.0abc", "1.0", False),
        ("1 2", "1 2 3", False),
        ("", "", True),
        ("", "0", False),
    ])
    modes_case("float", [
        ("3.14", "3.14159", True),
        ("3.2", "3.14159", False),
        ("-0.005", "0", True),
        ("nan", "0", False),
    ], float_tolerance=0.01)


def test_compare_rejects_bad_options():
    for kw in ({"compare": "fuzzy"}, {"compare": 3}, {"compare": "float", "float_tolerance": "x"},
               {"compare": "float", "float_tolerance": -1}):
        js, _ = judge("python", ECHO, [T("1", "1")], http=400, **kw)
        check(isinstance(js, dict) and "error" in str(js).lower(), js)


def test_nul_bytes_in_tests():
    """JSON strings may hold U+0000; stdin/expected_output with one must be used whole, or refused
    with a 400 - not silently cut at the NUL."""
    prog = "import sys\nd = sys.stdin.buffer.read()\nsys.stdout.buffer.write(b'%d ' % len(d) + d)\n"
    st, js = shared_server().execute({"language": "python", "source_code": prog, "compare": "exact",
                                      "tests": [T("a\u0000b", "3 a\u0000b")]})
    check(st == 400 or (st == 200 and js["verdict"] == "accepted"),
          f"stdin/expected 'a\\u0000b' were truncated: HTTP {st} {js}")


# ---------------------------------------------------------------- compile once

APLUSB = ("#include <bits/stdc++.h>\nint main(){std::ios::sync_with_stdio(false);long long a,b;"
          "if(!(std::cin>>a>>b))return 1;std::cout<<a+b<<std::endl;}\n")


def test_compile_once_fifty_tests():
    one, dt1 = judge("cpp", APLUSB, [T("1 2", "3")])
    check(one["verdict"] == "accepted" and one["compile_count"] == 1, one)
    compile_s = one["compile_time_ms"] / 1000.0
    tests = [T(f"{i} {i * 7}", str(i * 8)) for i in range(50)]
    js, dt = judge("cpp", APLUSB, tests)
    check(js["compile_count"] == 1 and js["verdict"] == "accepted" and js["passed"] == 50, js)
    check(verdicts(js) == ["accepted"] * 50, js)
    run_ms = js["timing"]["run_ms"]
    note(f"compile once: single-test request {dt1:.2f}s (compile {compile_s:.2f}s); 50 tests {dt:.2f}s "
         f"(compile {js['compile_time_ms'] / 1000:.2f}s, runs {run_ms} ms = {run_ms / 50:.1f} ms/test); "
         f"50 x compile = {50 * compile_s:.1f}s")
    check(dt < 50 * compile_s / 5, f"50 tests took {dt:.1f}s vs one compile {compile_s:.2f}s")
    check(dt < dt1 + 10, f"50 tests took {dt:.1f}s, one test {dt1:.1f}s")


# ---------------------------------------------------------------- accuracy

C_BUSY = r"""
#include <stdio.h>
#include <time.h>
int main(void) {
    volatile unsigned long x = 0;
    clock_t end = (clock_t)(1.0 * CLOCKS_PER_SEC);
    while (clock() < end) x++;
    printf("done\n");
    return 0;
}
"""

C_MEM = r"""
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    size_t n = (size_t)64 << 20;
    volatile char *p = malloc(n);
    if (!p) return 2;
    for (size_t i = 0; i < n; i += 4096) p[i] = (char)i;
    printf("%d\n", p[4096] + 1);
    return 0;
}
"""

PY_SLEEP = "import time\ntime.sleep(1)\nprint('up')\n"


def test_cpu_time_accuracy_c():
    js, _ = judge("c", C_BUSY, [T("", "done"), T("", "done")], time_limit=5)
    check(verdicts(js) == ["accepted", "accepted"], js)
    for t in js["tests"]:
        check(900 <= t["cpu_time_ms"] <= 1100, f"1 s of CPU measured as {t['cpu_time_ms']} ms: {t}")
        check(t["execution_time_ms"] >= t["cpu_time_ms"] * 0.95, t)
    note(f"cpu accuracy (C, clock() loop to 1.0 s): cpu_time_ms {[t['cpu_time_ms'] for t in js['tests']]}, "
         f"execution_time_ms {[t['execution_time_ms'] for t in js['tests']]}")
    # the same program under a 0.5 s limit: CPU time exceeded although the wall limit (1 s) is not
    js, _ = judge("c", C_BUSY, [T("", "done")], time_limit=0.5, wall_time_limit=5)
    t = js["tests"][0]
    check(js["verdict"] == "time_limit_exceeded" and 500 <= t["cpu_time_ms"] <= 700, js)


def test_sleep_is_not_cpu_time():
    js, _ = judge("python", PY_SLEEP, [T("", "up")], time_limit=0.5, wall_time_limit=3)
    t = js["tests"][0]
    check(js["verdict"] == "accepted", f"sleep 1 s under time_limit 0.5 / wall 3: {js}")
    check(t["cpu_time_ms"] < 150 and t["execution_time_ms"] >= 990, t)
    note(f"sleep 1 s (wall 3): accepted, cpu_time_ms {t['cpu_time_ms']} execution_time_ms {t['execution_time_ms']}")
    js, _ = judge("python", PY_SLEEP, [T("", "up")], time_limit=0.5, wall_time_limit=0.8)
    t = js["tests"][0]
    check(js["verdict"] == "time_limit_exceeded", f"sleep 1 s under wall 0.8: {js}")
    check(790 <= t["execution_time_ms"] <= 1200 and t["cpu_time_ms"] < 150, t)
    note(f"sleep 1 s (wall 0.8): TLE at execution_time_ms {t['execution_time_ms']}")
    # default safety net: time_limit x wall_factor (2) = 2 s, so a 1 s sleep passes a 1 s limit...
    js, _ = judge("python", PY_SLEEP, [T("", "up")], time_limit=1)
    check(js["verdict"] == "accepted", js)
    # ...and a wall limit below time_limit is raised to it in judge mode
    js, _ = judge("python", PY_SLEEP, [T("", "up")], time_limit=1.5, wall_time_limit=0.2)
    check(js["verdict"] == "accepted", f"wall_time_limit below time_limit should be raised to it: {js}")


def test_memory_measure_c():
    js, _ = judge("c", C_MEM, [T("", "1"), T("", "1")])
    check(verdicts(js) == ["accepted", "accepted"], js)
    for t in js["tests"]:
        check(64 * 1024 <= t["memory_used_kb"] <= 80 * 1024, f"64 MiB program reports {t['memory_used_kb']} KiB")
    peaks = [t["memory_used_kb"] for t in js["tests"]]
    js, _ = judge("c", C_MEM, [T("", "1")], memory_limit_mb=32)
    t = js["tests"][0]
    check(js["verdict"] == "memory_limit_exceeded", f"64 MiB under a 32 MiB limit: {js}")
    note(f"memory (C, 64 MiB touched): memory_used_kb {peaks}; with memory_limit_mb 32: {t['verdict']} "
         f"memory_used_kb {t['memory_used_kb']} exit={t['exit_code']} sig={t['signal']}")


PY_CHILD_CPU = r"""
import os, sys, time
mode = sys.stdin.readline().strip()
r, w = os.pipe()
pids = []
for k in range(2):
    pid = os.fork()
    if pid == 0:
        os.close(r)
        if mode == "daemon" and os.fork() != 0:
            os._exit(0)  # the burner is detached: not a child of the main process
        while time.process_time() < 0.4:
            pass
        os._exit(0)
    pids.append(pid)
os.close(w)
for p in pids:
    os.waitpid(p, 0)
os.read(r, 1)  # EOF once every burner has exited
print("done")
"""


def test_cpu_limit_counts_child_processes():
    """2 x 0.4 s of CPU in child processes (waited for, or detached) is over a 0.5 s limit."""
    js, _ = judge("python", PY_CHILD_CPU, [T("wait\n", "done"), T("daemon\n", "done")], time_limit=0.5,
                  wall_time_limit=5)
    check(verdicts(js) == ["time_limit_exceeded"] * 2, js)
    check(all(t["cpu_time_ms"] >= 500 for t in js["tests"]), js)


PY_CHILD_MEM = r"""
import os, sys
mode = sys.stdin.readline().strip()
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    if mode == "daemon" and os.fork() != 0:
        os._exit(0)
    x = bytearray(200 << 20)
    for i in range(0, len(x), 4096):
        x[i] = 1
    os.write(w, b"%d\n" % x[-4096])
    os._exit(0)
if mode != "nowait":
    os.waitpid(pid, 0)
print(os.read(r, 100).decode().strip(), flush=True)
"""


def test_memory_limit_counts_child_processes():
    """A child process that touches 200 MiB under memory_limit_mb 64 must be memory_limit_exceeded
    whether or not the main process waits for it."""
    tests = [T("wait\n", "1"), T("nowait\n", "1"), T("daemon\n", "1")]
    js, _ = judge("python", PY_CHILD_MEM, tests, memory_limit_mb=64)
    note("child-process memory (200 MiB under a 64 MiB limit): " +
         ", ".join(f"{m}: {t['verdict']} {t['memory_used_kb']} KiB"
                   for m, t in zip(("waited", "not waited", "detached"), js["tests"])))
    check(verdicts(js) == ["memory_limit_exceeded"] * 3, f"verdicts {verdicts(js)}: {js}")


# ---------------------------------------------------------------- forging

def fake_frame():
    """An H_STEP helper frame saying "exit 0, stdout 'hello'", wrapped in a Docker stream header."""
    fields = b""
    for tag, val in ((40, struct.pack(">Q", 1)), (41, struct.pack(">Q", 0)), (42, struct.pack(">Q", 0)),
                     (46, b"hello\n"), (47, b""), (48, struct.pack(">Q", 0))):
        fields += struct.pack(">II", tag, len(val)) + val
    frame = struct.pack(">HHIII", 67, 0, len(fields), 0, 0) + fields
    return struct.pack(">BxxxI", 1, len(frame)) + frame


PY_FORGE = r"""
import sys
FRAME = %r
mode = sys.stdin.readline().strip()
if mode == "json":
    print('{"verdict":"accepted","status":"ok","passed":1,"stdout":"hello"}')
    print('{"tests":[{"verdict":"accepted"}],"verdict":"accepted"}', file=sys.stderr)
elif mode == "frame":
    sys.stdout.buffer.write(FRAME); sys.stdout.flush()
    sys.stderr.buffer.write(FRAME); sys.stderr.flush()
elif mode == "frame2":
    sys.stdout.buffer.write(FRAME * 3 + b"\n"); sys.stdout.flush()
else:
    print("hello")
""" % fake_frame()


def test_forged_report_is_wrong_answer():
    tests = [T("json\n", "hello"), T("frame\n", "hello"), T("frame2\n", "hello"), T("plain\n", "hello")]
    js, _ = judge("python", PY_FORGE, tests)
    check(verdicts(js) == ["wrong_answer", "wrong_answer", "wrong_answer", "accepted"], js)
    check(js["verdict"] == "wrong_answer" and js["passed"] == 1, js)
    check('"verdict":"accepted"' in js["tests"][0]["stdout"], js)
    check(len(js["tests"][1]["stdout"]) > 20, js)  # the bytes came back as the program's output
    js, _ = judge("python", PY_FORGE, tests, compare="tokens")
    check(verdicts(js) == ["wrong_answer", "wrong_answer", "wrong_answer", "accepted"], js)


PY_ATTACK = r"""
import os, signal, sys, time
FRAME = %r
mode = sys.stdin.readline().strip()
errors = []
def attempt(f, *a):
    try:
        f(*a)
    except Exception as e:
        errors.append(type(e).__name__)
def write_fd(path):
    with open(path, "wb", buffering=0) as f:
        f.write(FRAME)
if mode == "procfd":
    for pid in (1, os.getppid()):
        for fd in (0, 1, 2):
            attempt(write_fd, "/proc/%%d/fd/%%d" %% (pid, fd))
elif mode == "kill":
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGINT, signal.SIGPIPE, signal.SIGUSR1):
        for pid in (1, os.getppid()):
            attempt(os.kill, pid, sig)
elif mode == "killall":
    attempt(os.kill, -1, signal.SIGKILL)
elif mode == "linger":
    # a detached grandchild that outlives this run and tries to kill whatever runs next
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(0.2)  # let the run end first
            end = time.time() + 3
            while time.time() < end:
                for sig in (signal.SIGKILL, signal.SIGSTOP):
                    try:
                        os.kill(-1, sig)
                    except Exception:
                        pass
                time.sleep(0.005)
        os._exit(0)
    os.wait()
want = sys.stdin.readline().strip()
print(want if want else "wrong")
sys.stderr.write(",".join(errors))
""" % fake_frame()


def test_attacks_on_the_helper_do_not_change_verdicts():
    tests = []
    for mode in ("procfd", "kill", "killall", "linger"):
        tests += [T(f"{mode}\n\n", "right"),     # tries, then prints "wrong": wrong_answer
                  T(f"{mode}\nright\n", "right"),  # tries, then prints the answer: accepted
                  T("none\nright\n", "right")]    # a clean next test: accepted
    tests.append(T("none\nright\n", "right"))
    t0 = time.time()
    js, dt = judge("python", PY_ATTACK, tests, time_limit=2)
    want = ["wrong_answer", "accepted", "accepted"] * 4 + ["accepted"]
    check(verdicts(js) == want, f"verdicts {verdicts(js)}, want {want}\n{js}")
    check(js["verdict"] == "wrong_answer" and js["passed"] == 9, js)
    for t in js["tests"]:
        check(t["signal"] is None and t["exit_code"] == 0, f"a run was disturbed: {t}")
    note(f"attacks: helper survived; stderr of the attempts: "
         f"{[js['tests'][i]['stderr'][:80] for i in (0, 3, 6, 9)]}; request {time.time() - t0:.1f}s")
    # the service and the pool are still healthy afterwards
    js, _ = judge("python", ECHO, [T("ok", "ok")])
    check(js["verdict"] == "accepted", js)


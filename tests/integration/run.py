#!/usr/bin/env python3
"""run.py - the integration test runner: imports tests/integration/test_*.py, runs every
function named test_* (in file order), each with a time limit, and prints one line per test and
a closing "integration: N passed, N failed". Options: --binary, --config, -k SUBSTRING."""
import argparse
import importlib.util
import inspect
import os
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

PER_TEST_S = 300


def load_tests(pattern):
    tests = []
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        fns = [(n, f) for n, f in vars(mod).items() if n.startswith("test_") and inspect.isfunction(f)]
        fns.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
        for n, f in fns:
            full = f"{name[:-3]}.{n}"
            if not pattern or pattern in full:
                tests.append((full, f))
    return tests


def run_one(fn):
    result = {}

    def target():
        try:
            fn()
            result["ok"] = True
        except Exception as e:  # noqa: BLE001 - report every failure kind
            result["ok"] = False
            result["err"] = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(PER_TEST_S)
    if t.is_alive():
        return False, f"timed out after {PER_TEST_S}s"
    return result.get("ok", False), result.get("err", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=harness.BINARY)
    ap.add_argument("--config", default=harness.CONFIG)
    ap.add_argument("-k", default="")
    ap.add_argument("--retries", type=int, default=1, help="re-run a failed test once (0: never)")
    a = ap.parse_args()
    harness.BINARY = os.path.abspath(a.binary)
    harness.CONFIG = os.path.abspath(a.config)
    tests = load_tests(a.k)
    passed = failed = 0
    flaky = []
    t0 = time.time()
    for name, fn in tests:
        s = time.time()
        ok, err = run_one(fn)
        if not ok and a.retries:
            # one more try, reported: this VM sometimes stalls a process for seconds under heavy
            # engine I/O (see README, Tests); a real failure fails twice
            print(f"RETRY {name}: first try failed: {err.splitlines()[0] if err else ''}", flush=True)
            ok, err2 = run_one(fn)
            if ok:
                flaky.append(name)
            else:
                err = err2
        dt = time.time() - s
        if ok:
            passed += 1
            print(f"PASS {name} ({dt:.1f}s){' (on the second try)' if name in flaky else ''}", flush=True)
        else:
            failed += 1
            print(f"FAIL {name} ({dt:.1f}s)\n    " + err.replace("\n", "\n    "), flush=True)
    try:
        harness.stop_shared()
    except Exception as e:  # noqa: BLE001
        print(f"stopping the shared server: {e}")
    if flaky:
        print(f"integration: passed only on a second try: {', '.join(flaky)}", flush=True)
    print(f"integration: {passed} passed, {failed} failed ({time.time() - t0:.0f}s)", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

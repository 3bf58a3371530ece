#!/usr/bin/env python3
"""run.py - the integration test runner: imports tests/integration/test_*.py, runs every
function named test_* (in file order, or shuffled with --shuffle SEED), each with a time limit,
and prints one line per test and a closing
"integration: N passed, N failed, N passed on retry (opt-in) (Ts)".

A test is run once. Only a test that opts in with @harness.retry(n, reason="...") is run again
after a failure (up to n more times; --retries caps n, --retries 0 turns retries off); a pass on
a retry is counted apart from a pass. A file may define teardown(): it runs after that file's last
selected test and is reported (and counted) as "<file>.teardown". Every test must pass alone
(-k NAME) and in any order (--shuffle). Options: --binary, --config, -k SUBSTRING (repeatable), --retries N,
--shuffle SEED, --set SECTION.KEY=VALUE (repeatable: a setting every server gets, e.g. pool.max_uses=50)."""
import argparse
import importlib.util
import inspect
import os
import random
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

PER_TEST_S = 300


def load_tests(patterns):
    """[(full name, function, module name)] in file order, and {module name: teardown}."""
    tests, teardowns = [], {}
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
            if not patterns or any(p in full for p in patterns):
                tests.append((full, f, name[:-3]))
        if inspect.isfunction(getattr(mod, "teardown", None)):
            teardowns[name[:-3]] = mod.teardown
    return tests, teardowns


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


class Tally:
    def __init__(self):
        self.passed, self.failed, self.retried = 0, [], []

    def report(self, name, ok, dt, err="", tries=1):
        if ok and tries == 1:
            self.passed += 1
            print(f"PASS {name} ({dt:.1f}s)", flush=True)
        elif ok:
            self.retried.append(name)
            print(f"PASS {name} ({dt:.1f}s) (on try {tries}, opt-in retry)", flush=True)
        else:
            self.failed.append(name)
            print(f"FAIL {name} ({dt:.1f}s)\n    " + err.replace("\n", "\n    "), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=harness.BINARY)
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="a setting for every server of the run (e.g. pool.max_uses=50)")
    ap.add_argument("--config", default=harness.CONFIG)
    ap.add_argument("-k", action="append", default=[], metavar="SUBSTRING",
                    help="run only the tests whose file.name contains this (repeatable: any of them)")
    ap.add_argument("--retries", type=int, default=None,
                    help="cap on the re-runs of tests that opted in with @retry (0: no re-run); "
                         "tests without @retry are never re-run")
    ap.add_argument("--shuffle", type=int, default=None, metavar="SEED",
                    help="run the selected tests in a random order drawn from SEED")
    a = ap.parse_args()
    harness.BINARY = os.path.abspath(a.binary)
    harness.CONFIG = os.path.abspath(a.config)
    for s in a.set:
        harness.set_override(s)
    tests, teardowns = load_tests(a.k)
    if a.shuffle is not None:
        random.Random(a.shuffle).shuffle(tests)
        print(f"integration: {len(tests)} tests in a shuffled order (--shuffle {a.shuffle})", flush=True)
    last_of = {mod: i for i, (_, _, mod) in enumerate(tests)}
    tally = Tally()
    t0 = time.time()
    for i, (name, fn, mod) in enumerate(tests):
        s = time.time()
        times, reason = getattr(fn, "retry", (0, ""))
        if a.retries is not None:
            times = min(times, a.retries)
        tries = 1
        ok, err = run_one(fn)
        while not ok and tries <= times:
            print(f"RETRY {name} ({reason}): try {tries} failed: {err.splitlines()[0] if err else ''}",
                  flush=True)
            tries += 1
            ok, err = run_one(fn)
        tally.report(name, ok, time.time() - s, err, tries)
        if last_of[mod] == i and mod in teardowns:
            s = time.time()
            ok, err = run_one(teardowns[mod])
            tally.report(f"{mod}.teardown", ok, time.time() - s, err)
    s = time.time()
    try:
        if harness.stop_shared():
            tally.report("harness.shared_server_stop", True, time.time() - s)
    except Exception as e:  # noqa: BLE001 - a leftover or a bad exit status of the shared server
        tally.report("harness.shared_server_stop", False, time.time() - s, f"{type(e).__name__}: {e}")
    for topic, lines in harness.NOTES.items():
        print(f"notes [{topic}]:\n  " + "\n  ".join(lines), flush=True)
    if tally.retried:
        print(f"integration: passed on retry (opt-in): {', '.join(tally.retried)}", flush=True)
    if tally.failed:
        print(f"integration: failed: {', '.join(tally.failed)}", flush=True)
    print(f"integration: {tally.passed} passed, {len(tally.failed)} failed, {len(tally.retried)} passed on retry "
          f"(opt-in) ({time.time() - t0:.0f}s)", flush=True)
    return 0 if not tally.failed and tally.passed + len(tally.retried) > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

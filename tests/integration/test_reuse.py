"""test_reuse.py - container reuse (pool.max_uses > 1, issue 20) through the HTTP API: with one
worker and pools of 1, consecutive jobs of a language run in the same container (the answer's
timing.container_job says which job of its container each was), and every leftover of the first
job (a setsid/double-fork background writer holding a lock, files and FIFOs in /work /tmp and
/dev/shm, symlinks to / and to the helper, SysV shm/sem/msg, a POSIX mqueue, a chmod of /work,
an exported variable) is gone for the second, which also runs as another uid. A job that ends in
a timeout, a memory kill or an output-limit kill is never followed in its container; judge-mode
memory is measured per job; pool.reuse_scope keeps a key's containers to that key; bad settings
fail --check-config with file:line; /metrics and /health count reuse."""
import json
import os
import subprocess
import threading

import harness
from harness import Server, check

LANGS = ("python", "c")
KEYS = ("reuse-key-aaaa-1111", "reuse-key-bbbb-2222")
_srv = {}
_lock = threading.Lock()


def srv(scope="key", keys=False):
    """A server with max_uses 50, one worker, pools of 1 (shared per (scope, keys))."""
    with _lock:
        s = _srv.get((scope, keys))
        if s is not None and s.proc.poll() is None:
            return s
        env = {"EXECUTIONER_POOL_MAX_USES": "50", "EXECUTIONER_POOL_REUSE_SCOPE": scope,
               "EXECUTIONER_POOL_SIZE": "1"}
        if keys:
            env["EXECUTIONER_AUTH_KEYS"] = ",".join(KEYS)
        s = Server(env=env, config=harness.reduced_config(LANGS, "reuse"), workers=1)
        s.wait_ready(180)
        _srv[(scope, keys)] = s
        return s


def teardown():
    for s in _srv.values():
        s.stop()
    _srv.clear()


def run(s, lang, code, key=None, **kw):
    body = {"language": lang, "source_code": code, **kw}
    headers = {"Authorization": f"Bearer {key}"} if key else None
    st, js, _ = s.request("POST", "/execute", body, headers=headers, timeout=180)
    check(st == 200 and isinstance(js, dict), f"HTTP {st}: {js}")
    return js


def seq(js):
    n = js.get("timing", {}).get("container_job")
    check(isinstance(n, int) and n >= 1, f"no timing.container_job: {js}")
    return n


def next_job_in_same_container(s, lang, first, code, **kw):
    """Runs code and checks it ran in first's container, right after it."""
    js = run(s, lang, code, **kw)
    check(seq(js) == seq(first) + 1,
          f"not the next job of the same container: {seq(first)} then {seq(js)}: {js}")
    return js


PLANT = r'''
import ctypes, fcntl, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
got = {"uid": os.getuid()}
got["shm"] = libc.shmget(0x5e1, 4096, 0o1666)
got["sem"] = libc.semget(0x5e2, 1, 0o1666)
got["msg"] = libc.msgget(0x5e3, 0o1666)
got["mq"] = libc.mq_open(b"/leak", os.O_CREAT | os.O_RDWR, 0o666, None)
for d in ("/work", "/tmp", "/dev/shm"):
    open(d + "/leftover", "w").write("x")
    os.mkfifo(d + "/fifo")
os.makedirs("/work/sub/deeper")
open("/work/sub/deeper/f", "w").write("y")
os.chmod("/work/sub/deeper", 0)
os.chmod("/work/sub", 0)
os.symlink("/", "/work/to_root")
os.symlink("/usr/local/bin/executioner-helper", "/work/to_helper")
os.symlink("/proc/1/exe", "/work/to_pid1")
open(os.path.expanduser("~/.profile"), "w").write("export LEAKED=1\n")
os.system("export LEAKED=1; echo $LEAKED > /tmp/exported")
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        lock = open("/tmp/locked", "w")
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.write(w, b"1")
        while True:  # writes later, whenever it can
            for p in ("/tmp/late", "/work/late", "/dev/shm/late"):
                try:
                    open(p, "a").write("late")
                except OSError:
                    pass
            time.sleep(0.02)
    os._exit(0)
os.wait()
os.read(r, 1)
os.chmod("/work", 0o777)
print(" ".join(f"{k}={v}" for k, v in got.items()))
'''

CHECK = r'''
import json, os, stat, time
got = {"uid": os.getuid()}
time.sleep(0.3)  # a writer that survived would write meanwhile
st = os.stat("/work")
got["work_mode"], got["work_owner"] = stat.S_IMODE(st.st_mode), st.st_uid
for d in ("/work", "/tmp", "/dev/shm", "/dev/mqueue"):
    got[d] = sorted(os.listdir(d))
got["procs"] = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]
got["ipc"] = {k: len(open("/proc/sysvipc/" + k).read().splitlines()) - 1 for k in ("shm", "sem", "msg")}
got["env"] = os.environ.get("LEAKED")
got["login_env"] = os.popen("sh -lc 'echo ${LEAKED:-none}'").read().strip()
print(json.dumps(got))
'''


def test_leftovers_of_a_job_never_reach_the_next_in_the_same_container():
    s = srv()
    first = run(s, "python", PLANT, time_limit=5)
    check(first["status"] == "ok", f"the planting job failed: {first}")
    planted = dict(kv.split("=", 1) for kv in first["stdout"].split())
    check(all(int(planted[k]) >= 0 for k in ("shm", "sem", "msg", "mq")),
          f"the planting job could not make its IPC objects: {planted}")
    js = next_job_in_same_container(s, "python", first, CHECK)
    check(js["status"] == "ok", js)
    got = json.loads(js["stdout"])
    want = {"work_mode": 0o700, "work_owner": got["uid"], "/work": ["main.py"], "/tmp": [],
            "/dev/shm": [], "/dev/mqueue": [], "procs": [], "ipc": {"shm": 0, "sem": 0, "msg": 0},
            "env": None, "login_env": "none"}
    bad = {k: got[k] for k, v in want.items() if got[k] != v}
    check(not bad, f"leftovers of the first job seen by the second: {bad} (want {want})")
    check(got["uid"] != int(planted["uid"]), f"both jobs ran as uid {got['uid']}")
    harness.note("reuse", f"job {seq(first)} uid {planted['uid']} planted; job {seq(js)} uid "
                 f"{got['uid']} saw none of it")


def test_timeout_memory_and_output_kills_end_the_container():
    s = srv()
    cases = [("time limit", "while True: pass\n", dict(time_limit=0.5), "timeout"),
             ("memory kill", "b = bytearray(400 << 20)\nb[::4096] = b'x' * len(b[::4096])\n",
              dict(memory_limit_mb=64), "memory_exceeded"),
             ("output limit", "while True: print('x' * 1000)\n", dict(output_limit_kb=4),
              "output_limit_exceeded")]
    for what, code, kw, status in cases:
        ok = run(s, "python", "print(1)\n")
        bad = next_job_in_same_container(s, "python", ok, code, **kw)
        check(bad["status"] == status, f"{what}: {bad}")
        after = run(s, "python", "print(2)\n")
        check(after["status"] == "ok" and seq(after) == 1,
              f"after a {what} the next job must get a fresh container: {after}")


C_MEM = r'''
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    size_t mb;
    if (scanf("%zu", &mb) != 1) return 1;
    volatile char *p = malloc(mb << 20);
    if (!p) return 2;
    for (size_t i = 0; i < (mb << 20); i += 4096) p[i] = 1;
    printf("%zu\n", mb);
    return 0;
}
'''


def test_judge_memory_is_measured_per_job_with_reuse():
    s = srv()
    big = run(s, "c", C_MEM, memory_limit_mb=300, tests=[{"stdin": "200", "expected_output": "200"}])
    check(big["verdict"] == "accepted", big)
    small = next_job_in_same_container(s, "c", big, C_MEM, memory_limit_mb=300,
                                       tests=[{"stdin": "64", "expected_output": "64"}])
    check(small["verdict"] == "accepted", small)
    kb = small["tests"][0]["memory_used_kb"]
    check(64 * 1024 <= kb <= 80 * 1024, f"a 64 MiB job after a 200 MiB one reports {kb} KiB")
    harness.note("reuse", f"judge memory: 200 MiB job {big['tests'][0]['memory_used_kb']} KiB, then "
                 f"64 MiB job {kb} KiB in the same container")


def test_scope_key_keeps_a_container_to_its_key():
    s = srv("key", keys=True)
    a1 = run(s, "python", "print(1)\n", key=KEYS[0])
    b1 = run(s, "python", "print(1)\n", key=KEYS[1])
    check(seq(b1) == 1, f"key B got key A's container: {b1}")
    a2 = run(s, "python", "print(1)\n", key=KEYS[0])
    check(seq(a2) == seq(a1) + 1, f"key A did not get its own container back: {a1} then {a2}")


def test_scope_any_shares_containers_across_keys():
    s = srv("any", keys=True)
    a1 = run(s, "python", "print(1)\n", key=KEYS[0])
    next_job_in_same_container(s, "python", a1, "print(2)\n", key=KEYS[1])


def test_metrics_and_health_count_reuse():
    s = srv()
    first = run(s, "python", "print(1)\n")
    next_job_in_same_container(s, "python", first, "print(2)\n")
    _, text, _ = s.request("GET", "/metrics")
    val = [ln.split()[-1] for ln in text.splitlines()
           if ln.startswith("executioner_container_reuses_total ")]
    check(val and float(val[0]) >= 1, f"reuses not counted: {val}")
    check("executioner_container_reset_discards_total" in text, "no discarded-reset counter")

    def reused():
        _, h, _ = s.request("GET", "/health")
        p = h["pools"]["python"]
        return p["reused"] >= 1 and p["fresh"] + p["reused"] == p["ready"]
    harness.wait_until(reused, 30, "/health showing a reused python container")


def test_bad_reuse_settings_fail_check_config_with_file_and_line():
    cases = [("pool", "max_uses", "0"), ("pool", "max_uses", "-3"), ("pool", "reuse_scope", '"all"')]
    text = open(harness.CONFIG).read()
    for section, key, value in cases:
        path = os.path.join(harness.temp_config_dir(), f"reuse-bad-{os.getpid()}.conf")
        bad, line = harness.conf_set(text, section, key, value)
        with open(path, "w") as f:
            f.write(bad)
        r = subprocess.run([harness.BINARY, "-c", path, "--check-config"], capture_output=True, text=True)
        os.unlink(path)
        check(r.returncode != 0 and f"{path}:{line}:" in r.stderr and f"{section}.{key}" in r.stderr,
              f"{section}.{key} = {value} (line {line}): rc {r.returncode}, {r.stderr!r}")
    # per language
    bad = text.replace('file = "main.py";', 'file = "main.py"; max_uses = 0;', 1)
    path = os.path.join(harness.temp_config_dir(), f"reuse-bad-lang-{os.getpid()}.conf")
    with open(path, "w") as f:
        f.write(bad)
    r = subprocess.run([harness.BINARY, "-c", path, "--check-config"], capture_output=True, text=True)
    os.unlink(path)
    check(r.returncode != 0 and "max_uses" in r.stderr and f"{path}:" in r.stderr, r.stderr)

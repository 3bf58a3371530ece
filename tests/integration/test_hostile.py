"""test_hostile.py - adversarial programs through the HTTP API, each in Python and in C: every
one must be contained, reported with the right status, and leave the service and the next job
unaffected (after each hostile job a normal job of the same language must succeed).

One server for the whole file, started with an API key (EXECUTIONER_AUTH_KEYS) and a made-up
SECRET_TOKEN in its environment (neither may reach a program), a config reduced to the two
languages used here, pools of 2, and short compile limits so compile-time bombs end quickly.
The programs print "key=value" lines describing what they tried; the checks read them.
The last test checks the end state: no container beyond the pool target, no zombie under the
server, no worker restart, /health 200, and no process a program left behind on the host."""
import atexit
import json
import os
import re
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import harness
from harness import Server, TestFailure, check, containers

KEY = "secret-key-123456"
SECRET = "xyz-hostile-token-5ad1e"
AUTH = {"Authorization": f"Bearer {KEY}"}
LANGS = ("python", "c")
BASE = {"time_limit": 2, "memory_limit_mb": 128, "output_limit_kb": 64}
OUT_CAP = 64 * 1024
DENIED = {"EROFS", "EACCES", "EPERM"}

_srv = None
_lock = threading.Lock()
# the program's uid: 10001, or with container reuse (run.py --set pool.max_uses=N) 10001 + the jobs
# its container ran before
SANDBOX_UIDS = ({str(u) for u in range(10001, 11000)}
                if int(harness.OVERRIDES.get("EXECUTIONER_POOL_MAX_USES", "1")) > 1 else {"10001"})


def note(msg):
    """An observation: printed now and again in the runner's notes at the end."""
    harness.note("hostile", msg)


# ---------------------------------------------------------------------------------------------
# the server


def _reduced_config():
    """executioner.conf with only the languages used here (fewer pool containers to fill);
    the shipped file when it cannot be reduced or the result does not validate."""
    text = open(harness.CONFIG).read()
    m = re.search(r"\nlanguages\s*=\s*\(\n", text)
    if not m:
        return harness.CONFIG
    head, body = text[:m.end()], text[m.end():]
    blocks = re.split(r"\n(?=\s*\{\s*id\s*=)", "\n" + body)
    keep = []
    for b in blocks:
        mm = re.match(r'\s*\{\s*id\s*=\s*"([^"]+)"', b)
        if mm and mm.group(1) in LANGS:
            b = b.strip()
            b = re.sub(r"\s*\);\s*$", "", b).rstrip().rstrip(",")
            keep.append("  " + b)
    if len(keep) != len(LANGS):
        return harness.CONFIG
    path = os.path.join(harness.temp_config_dir(), f"executioner-hostile-{os.getpid()}.conf")
    with open(path, "w") as f:
        f.write(head + ",\n".join(keep) + "\n);\n")
    atexit.register(lambda: os.path.exists(path) and os.unlink(path))
    r = subprocess.run([harness.BINARY, "-c", path, "--check-config"], capture_output=True, text=True)
    return path if r.returncode == 0 else harness.CONFIG


def srv():
    global _srv
    with _lock:
        if _srv is not None and _srv.proc.poll() is not None:
            note(f"the server exited {_srv.proc.returncode} (log: {_srv.log_path}); starting another")
            _srv.stop(failing=True)
            _srv = None
        if _srv is None:
            env = {"EXECUTIONER_AUTH_KEYS": KEY, "SECRET_TOKEN": SECRET, "EXECUTIONER_POOL_SIZE": "2",
                   "EXECUTIONER_LIMITS_COMPILE_TIME_S": "5", "EXECUTIONER_LIMITS_COMPILE_MEMORY_MB": "384"}
            os.environ.pop("SECRET_TOKEN", None)
            _srv = Server(env=env, config=_reduced_config(), workers=4).wait_ready(120)
            atexit.register(_srv.stop, failing=True)  # when the runner stops before teardown()
        return _srv


def post(body, auth=True, timeout=120):
    """POST /execute; returns (http status, raw body bytes, parsed JSON or None, seconds)."""
    s = srv()
    data = json.dumps(body).encode()
    req = urllib.request.Request(s.url("/execute"), data=data, method="POST",
                                 headers={"Content-Type": "application/json", **(AUTH if auth else {})})
    t0 = time.time()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            st, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        st, raw = e.code, e.read()
    dt = time.time() - t0
    try:
        js = json.loads(raw.decode("utf-8"))  # strict: valid UTF-8, no raw control characters
    except ValueError:
        js = None
    return st, raw, js, dt


def run(lang, code, **kw):
    """Executes with the small default limits; returns (json, raw, seconds); HTTP 200 required."""
    body = {"language": lang, "source_code": code, **BASE, **kw}
    st, raw, js, dt = post(body)
    check(st == 200 and isinstance(js, dict), f"{lang}: HTTP {st}, body {raw[:600]!r}")
    return js, raw, dt


def kv(text):
    """key=value lines -> dict (last wins)."""
    out = {}
    for line in (text or "").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k.strip()] = v.strip()
    return out


NORMAL = {
    "python": "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n",
    "c": "#include <stdio.h>\nint main(void){int a,b;if(scanf(\"%d %d\",&a,&b)!=2)return 1;printf(\"%d\\n\",a+b);return 0;}\n",
}


def normal_job(lang):
    """A normal job right after a hostile one must succeed."""
    js, _, _ = run(lang, NORMAL[lang], stdin="40 2")
    check(js["status"] == "ok" and js["stdout"] == "42\n" and js["exit_code"] == 0,
          f"{lang}: the normal job after a hostile one failed: {short(js)}")


def short(js, n=500):
    s = json.dumps(js) if not isinstance(js, str) else js
    return s if len(s) <= n else s[:n] + f"...({len(s)} chars)"


def hostile(cases, judge=False):
    """cases: {lang: (code, checker, extra request fields)}. Each language runs in its own thread:
    the hostile job, its check, then a normal job. Raises with every problem found."""
    problems = {}
    name = sys._getframe(1).f_code.co_name.replace("test_", "")

    def one(lang, code, checker, extra):
        try:
            js, raw, dt = run(lang, code, **extra)
            note(f"{name} [{lang}]: status {js.get('status')}"
                 + (f" verdicts {[t.get('verdict') for t in js.get('tests', [])]}" if "tests" in js else
                    f" exit {js.get('exit_code')} signal {js.get('signal')} wall {js.get('execution_time_ms')} ms "
                    f"cpu {js.get('cpu_time_ms')} ms rss {js.get('memory_used_kb')} kB")
                 + f", answer in {dt:.2f}s")
            checker(lang, js, raw, dt)
        except Exception as e:  # noqa: BLE001 - report every failure, then the normal job
            problems.setdefault(lang, []).append(f"{type(e).__name__}: {e}")
        try:
            normal_job(lang)
        except Exception as e:  # noqa: BLE001
            problems.setdefault(lang, []).append(f"next job: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=one, args=(lang, *c)) for lang, c in cases.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    if problems:
        raise TestFailure("; ".join(f"[{k}] " + " | ".join(v) for k, v in sorted(problems.items())))


def expect_keys(lang, got, want, js):
    """want: {key: set of accepted values or a predicate}."""
    bad = []
    for k, ok in want.items():
        v = got.get(k)
        good = ok(v) if callable(ok) else v in ok
        if not good:
            bad.append(f"{k}={v!r} (want {sorted(ok) if isinstance(ok, (set, frozenset)) else 'see test'})")
    check(not bad, f"{lang}: not contained: {', '.join(bad)}; stdout {js.get('stdout', '')[:1500]!r} "
                   f"stderr {js.get('stderr', '')[:300]!r} status {js.get('status')}")


def utf8_sanitize(b):
    """The service's conversion (shared/jsonutil.c): each byte of an invalid sequence -> U+FFFD."""
    out, i, n = [], 0, len(b)
    while i < n:
        c, ln = b[i], 0
        if 0x01 <= c < 0x80:
            ln = 1
        else:
            if 0xC2 <= c <= 0xDF:
                ln, lo, cp = 2, 0x80, c & 0x1F
            elif 0xE0 <= c <= 0xEF:
                ln, lo, cp = 3, 0x800, c & 0x0F
            elif 0xF0 <= c <= 0xF4:
                ln, lo, cp = 4, 0x10000, c & 0x07
            if ln and i + ln <= n and all((b[i + k] & 0xC0) == 0x80 for k in range(1, ln)):
                for k in range(1, ln):
                    cp = cp << 6 | (b[i + k] & 0x3F)
                if cp < lo or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                    ln = 0
            else:
                ln = 0
        if ln:
            out.append(b[i:i + ln].decode("utf-8"))
            i += ln
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out)


def c_bytes(data):
    """A C string literal holding data exactly (octal escapes: no hex run-on)."""
    return '"' + "".join("\\%03o" % c for c in data) + '"'


C_PRE = r"""#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/shm.h>
#include <netinet/in.h>
#include <arpa/inet.h>
static void R(const char *k, long r) { printf("%s=%s\n", k, r < 0 ? strerrorname_np(errno) : "OK"); fflush(stdout); }
/* opens for writing (O_CREAT when creat): the errno name, or OK (and a byte written) */
static void W(const char *k, const char *path, int creat) {
    int fd = open(path, O_WRONLY | (creat ? O_CREAT : 0), 0644);
    if (fd >= 0 && write(fd, "1", 1) < 0) { printf("%s=W_%s\n", k, strerrorname_np(errno)); close(fd); fflush(stdout); return; }
    if (fd >= 0) close(fd);
    R(k, fd);
}
"""

PY_PRE = r"""import ctypes, errno, os, signal, socket, sys, time
def E(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)
def R(k, f, *a):
    try:
        f(*a)
        print(k + "=OK", flush=True)
    except Exception as e:
        print(k + "=" + E(e), flush=True)
def W(k, path, creat=False):
    def f():
        fd = os.open(path, os.O_WRONLY | (os.O_CREAT if creat else 0), 0o644)
        try:
            os.write(fd, b"1")
        finally:
            os.close(fd)
    R(k, f)
libc = ctypes.CDLL(None, use_errno=True)
def C(k, fn, *a, long=False):
    fn.restype = ctypes.c_long if long else ctypes.c_int  # int-returning calls must not be read as long
    ctypes.set_errno(0)
    r = fn(*a)
    print(k + "=" + ("OK" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))), flush=True)
    return r
"""


# ---------------------------------------------------------------------------------------------
# resource bombs


def test_auth_is_on_and_server_has_the_secrets():
    s = srv()
    st, raw, _, _ = post({"language": "python", "source_code": "print(1)"}, auth=False)
    check(st == 401, f"without the key: HTTP {st} {raw[:200]!r} (the server's EXECUTIONER_AUTH_KEYS was not applied)")
    env = open(f"/proc/{s.proc.pid}/environ", "rb").read()
    check(SECRET.encode() in env and KEY.encode() in env, "the server's environment lacks the secrets")
    for lang in LANGS:
        normal_job(lang)


def _status_in(statuses, max_s=None, flags=None):
    def chk(lang, js, raw, dt):
        check(js["status"] in statuses, f"{lang}: status {js['status']}, want {statuses}: {short(js)}")
        if max_s is not None:
            check(dt < max_s, f"{lang}: the answer took {dt:.1f}s (limit {max_s}s): {short(js)}")
        for k, v in (flags or {}).items():
            check(js.get(k) == v, f"{lang}: {k}={js.get(k)!r}, want {v!r}: {short(js)}")
    return chk


def test_fork_bomb():
    py = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    c = "#include <unistd.h>\nint main(void){for(;;) fork();}\n"
    chk = _status_in({"timeout", "runtime_error"}, max_s=15)
    hostile({"python": (py, chk, {"time_limit": 1}), "c": (c, chk, {"time_limit": 1})})


def test_fork_bomb_in_judge_mode_next_test_runs():
    py = ("import os, sys\nif sys.stdin.readline().strip() == 'bomb':\n    while True:\n        try:\n"
          "            os.fork()\n        except OSError:\n            pass\nprint('fine')\n")
    c = ("#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\nint main(void){char b[16]={0};"
         "if(fgets(b,sizeof b,stdin)&&!strncmp(b,\"bomb\",4)) for(;;) fork(); puts(\"fine\"); return 0;}\n")
    tests = [{"stdin": "bomb\n", "expected_output": "fine"}, {"stdin": "x\n", "expected_output": "fine"},
             {"stdin": "x\n", "expected_output": "fine"}]

    def chk(lang, js, raw, dt):
        v = [t["verdict"] for t in js["tests"]]
        check(v[0] in ("time_limit_exceeded", "runtime_error") and v[1:] == ["accepted", "accepted"],
              f"{lang}: verdicts {v}: {short(js, 900)}")
    hostile({"python": (py, chk, {"time_limit": 1, "tests": tests}), "c": (c, chk, {"time_limit": 1, "tests": tests})})


def test_memory_bomb():
    py = "a = []\nwhile True:\n    a.append(b'\\x01' * (16 << 20))\n"
    c = ("#include <stdlib.h>\n#include <string.h>\nint main(void){for(;;){char *p=malloc(16<<20);"
         "if(!p) continue; memset(p,1,16<<20);}}\n")

    def chk(lang, js, raw, dt):
        check(js["status"] == "memory_exceeded" and js["memory_exceeded"] is True,
              f"{lang}: want memory_exceeded: {short(js)}")
        check(dt < 15, f"{lang}: took {dt:.1f}s")
    # time_limit 10 (not BASE's 2): reaching the memory limit takes 1.4-2 s of wall time here
    # (about 0.6 s of CPU, the rest reclaim); with other load on the machine a 2 s wall limit
    # ended the bomb first, as a timeout (a shuffled full run, 2026-12-05)
    lim = {"memory_limit_mb": 64, "time_limit": 10}
    hostile({"python": (py, chk, lim), "c": (c, chk, lim)})


@harness.retry(1, reason="memfd pages outlive their OOM-killed writer until it has exited; an OOM "
               "in that window can pick the helper (PID 1) and the answer is a 500 (dmesg: "
               "'Killed process ... (executioner-hel)'; seen 1 in 4 full runs under load)")
def test_memory_bomb_outside_rss_memfd():
    """Memory held in memfds (written, never mapped) is not RSS but is the program's memory:
    200 MB (in 10 MB memfds: RLIMIT_FSIZE caps each file) against a 64 MB limit must be
    memory_exceeded, not ok."""
    py = ("import os\nb = b'\\x01' * (1 << 20)\nfds = []\nfor i in range(20):\n    fd = os.memfd_create('bomb')\n"
          "    fds.append(fd)\n    for j in range(10):\n        os.write(fd, b)\nprint('held=200')\n")
    c = ("#define _GNU_SOURCE\n#include <stdio.h>\n#include <string.h>\n#include <sys/mman.h>\n#include <unistd.h>\n"
         "static char b[1<<20];\nint main(void){memset(b,1,sizeof b);for(int i=0;i<20;i++){int fd=memfd_create(\"bomb\",0);"
         "for(int j=0;j<10;j++) if(write(fd,b,sizeof b)<0){perror(\"write\");return 1;}}"
         "puts(\"held=200\");return 0;}\n")

    def chk(lang, js, raw, dt):
        check(js["status"] == "memory_exceeded" and js["memory_exceeded"] is True,
              f"{lang}: 200 MB held in memfds under memory_limit_mb 64 gave status {js['status']} "
              f"(memory_used_kb {js.get('memory_used_kb')}, stdout {js.get('stdout', '')[:40]!r}, "
              f"stderr {js.get('stderr', '')[:80]!r})")
    hostile({"python": (py, chk, {"memory_limit_mb": 64}), "c": (c, chk, {"memory_limit_mb": 64})})


def test_memory_of_a_child_never_waited_for_counts():
    """Review [9] point 3: under a 32 MB limit a forked child touches up to 90 MiB, hands its answer
    through a pipe and exits; the parent never waits for it. The peak covers every process of
    the run, so the verdict is memory_exceeded with the child's peak reported."""
    py = ("import os\nr, w = os.pipe()\nif os.fork() == 0:\n    b = bytearray(90 << 20)\n"
          "    for i in range(0, len(b), 4096):\n        b[i] = 1\n    os.write(w, b'42')\n    os._exit(0)\n"
          "print(os.read(r, 2).decode())\n")
    c = ("#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"
         "int main(void){int p[2];char b[3]={0};if(pipe(p))return 1;if(fork()==0){size_t n=90u<<20;"
         "char *m=malloc(n);if(!m)_exit(1);memset(m,'4',n);m[n-1]='2';if(write(p[1],m+n-2,2)!=2)_exit(1);_exit(0);}"
         "if(read(p[0],b,2)!=2)return 1;puts(b);return 0;}\n")

    def chk(lang, js, raw, dt):
        # the kernel may kill the child before it has touched all 90 MiB (the limit's headroom
        # holds the work dir's files too): its peak is over the limit, never the parent's ~8 MB
        check(js["status"] == "memory_exceeded" and js["memory_exceeded"] is True and
              js["memory_used_kb"] >= 32 * 1024,
              f"{lang}: a child's 90 MiB under memory_limit_mb 32 gave {js['status']} "
              f"(memory_used_kb {js.get('memory_used_kb')}, stdout {js.get('stdout', '')[:20]!r})")
    hostile({"python": (py, chk, {"memory_limit_mb": 32}), "c": (c, chk, {"memory_limit_mb": 32})})


def test_dev_shm_is_small_and_counted():
    """Review [9] point 3: /dev/shm was the engine's 64 MiB tmpfs beside the memory limit; it is
    now limits.shm_mb (16 by default), counted in the container's memory headroom."""
    py = ("import os\nb = b'\\x01' * (1 << 20)\nn = 0\ntry:\n    for i in range(100):\n"
          "        with open(f'/dev/shm/fill{i}', 'wb') as f:\n            f.write(b)\n        n += 1\n"
          "except OSError as e:\n    print('stopped=' + type(e).__name__)\nprint(f'mib={n}')\n")

    def chk(lang, js, raw, dt):
        mib = int(kv(js["stdout"]).get("mib", "-1"))
        check(0 <= mib <= 16, f"{lang}: wrote {mib} MiB into /dev/shm: {short(js)}")
    hostile({"python": (py, chk, {"memory_limit_mb": 64})})


def test_tight_infinite_loop():
    def chk(lang, js, raw, dt):
        check(js["status"] == "timeout" and js["timeout"] is True, f"{lang}: want timeout: {short(js)}")
        # plain runs have wall = CPU limit: on a loaded host the wall clock may end it first
        check(js["cpu_time_ms"] >= 900 or js["execution_time_ms"] >= 950,
              f"{lang}: ended early: cpu_time_ms {js['cpu_time_ms']}, execution_time_ms {js['execution_time_ms']}")
        check(dt < 8, f"{lang}: took {dt:.1f}s for time_limit 1")
    hostile({"python": ("while True:\n    pass\n", chk, {"time_limit": 1}),
             "c": ("int main(void){volatile unsigned long i=0; for(;;) i++;}\n", chk, {"time_limit": 1})})


def test_sleep_forever():
    def chk(lang, js, raw, dt):
        check(js["status"] == "timeout" and js["timeout"] is True, f"{lang}: want timeout: {short(js)}")
        check(900 <= js["execution_time_ms"] <= 1700, f"{lang}: execution_time_ms {js['execution_time_ms']} "
                                                      f"for a 1 s limit")
        check(dt < 6, f"{lang}: the answer took {dt:.1f}s for a 1 s limit")
    hostile({"python": ("import time\ntime.sleep(10**6)\n", chk, {"time_limit": 1}),
             "c": ("#include <unistd.h>\nint main(void){for(;;) pause();}\n", chk, {"time_limit": 1})})


def test_self_sigstop_is_a_timeout():
    def chk(lang, js, raw, dt):
        check(js["status"] == "timeout", f"{lang}: a stopped program: {short(js)}")
        check(dt < 6, f"{lang}: took {dt:.1f}s")
    hostile({"python": ("import os, signal\nprint('x', flush=True)\nos.kill(os.getpid(), signal.SIGSTOP)\n", chk,
                        {"time_limit": 1}),
             "c": ("#include <signal.h>\n#include <unistd.h>\nint main(void){raise(SIGSTOP); return 0;}\n", chk,
                   {"time_limit": 1})})


def _flood_check(lang, js, raw, dt):
    check(js["status"] == "output_limit_exceeded" and js["output_truncated"] is True,
          f"{lang}: want output_limit_exceeded/truncated: {short(js)}")
    n = len(js["stdout"].encode()) + len(js["stderr"].encode())
    check(OUT_CAP // 2 <= n <= 3 * OUT_CAP, f"{lang}: {n} bytes of output came back for a {OUT_CAP}-byte cap")
    check(len(raw) <= 3 * OUT_CAP + 8192, f"{lang}: the response is {len(raw)} bytes for a {OUT_CAP}-byte cap")
    check(dt < 6, f"{lang}: took {dt:.1f}s")


def test_output_flood_gigabytes():
    py = "import sys\nb = b'A' * (1 << 20)\nfor _ in range(4096):\n    sys.stdout.buffer.write(b)\n"
    c = ("#include <stdio.h>\n#include <string.h>\nstatic char b[1<<20];\nint main(void){memset(b,'A',sizeof b);"
         "for(int i=0;i<4096;i++) fwrite(b,1,sizeof b,stdout); return 0;}\n")
    hostile({"python": (py, _flood_check, {}), "c": (c, _flood_check, {})})


def test_output_flood_stderr_invalid_utf8_and_both_streams():
    py = ("import os\nb = b'\\xff\\x00' * (1 << 19)\nwhile True:\n    os.write(2, b)\n    os.write(1, b)\n")
    c = ("#include <string.h>\n#include <unistd.h>\nstatic char b[1<<20];\nint main(void){memset(b,0xff,sizeof b);"
         "for(;;){ if(write(2,b,sizeof b)<0) return 3; if(write(1,b,sizeof b)<0) return 4; }}\n")
    hostile({"python": (py, _flood_check, {}), "c": (c, _flood_check, {})})


def test_disk_fill_of_work_and_tmp():
    py = PY_PRE + r"""
def fill(path, mb):
    try:
        with open(path, "wb", buffering=0) as f:
            for _ in range(mb):
                f.write(b"\1" * (1 << 20))
        return "none"
    except OSError as e:
        return E(e)
print("big=" + fill("/work/big", 200))
r = "none"
for i in range(40):
    r = fill("/work/f%d" % i, 8)
    if r != "none":
        break
print("work=" + r)
r = "none"
for i in range(10):
    r = fill("/tmp/f%d" % i, 8)
    if r != "none":
        break
print("tmp=" + r)
print("alive=1")
"""
    c = C_PRE + r"""
static char buf[1 << 20];
static const char *fill(const char *path, int mb) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return strerrorname_np(errno);
    for (int i = 0; i < mb; i++) {
        size_t off = 0;
        while (off < sizeof buf) {
            ssize_t n = write(fd, buf + off, sizeof buf - off);
            if (n < 0) { const char *e = strerrorname_np(errno); close(fd); return e; }
            off += (size_t)n;
        }
    }
    close(fd);
    return "none";
}
int main(void) {
    char p[64]; const char *r = "none";
    signal(SIGXFSZ, SIG_IGN);
    memset(buf, 1, sizeof buf);
    printf("big=%s\n", fill("/work/big", 200));
    for (int i = 0; i < 40 && !strcmp(r, "none"); i++) { snprintf(p, sizeof p, "/work/f%d", i); r = fill(p, 8); }
    printf("work=%s\n", r);
    r = "none";
    for (int i = 0; i < 10 && !strcmp(r, "none"); i++) { snprintf(p, sizeof p, "/tmp/f%d", i); r = fill(p, 8); }
    printf("tmp=%s\nalive=1\n", r);
    return 0;
}
"""

    def chk(lang, js, raw, dt):
        got = kv(js["stdout"])
        expect_keys(lang, got, {"big": {"EFBIG", "ENOSPC"}, "work": {"ENOSPC", "EFBIG", "EDQUOT"},
                                "tmp": {"ENOSPC", "EDQUOT"}, "alive": {"1"}}, js)
        check(js["status"] == "ok", f"{lang}: status {js['status']}: {short(js)}")
        note(f"disk fill [{lang}]: {got} ({dt:.1f}s)")
    hostile({"python": (py, chk, {"time_limit": 5}), "c": (c, chk, {"time_limit": 5})})


def test_inode_flood_in_work():
    """Millions of empty files: tmpfs inodes are kernel memory, charged to the container's
    cgroup; the job ends (memory_exceeded, or an error inside) and nothing else is touched."""
    py = ("import os\nn = 0\ntry:\n    while True:\n        os.close(os.open('/work/f%08d' % n, os.O_CREAT | os.O_WRONLY, 0o600))\n"
          "        n += 1\nexcept OSError as e:\n    print('stopped=%d %s' % (n, e))\n")
    c = ("#include <fcntl.h>\n#include <stdio.h>\n#include <string.h>\n#include <errno.h>\n#include <unistd.h>\n"
         "int main(void){char p[64];for(long n=0;;n++){snprintf(p,sizeof p,\"/work/f%08ld\",n);"
         "int fd=open(p,O_CREAT|O_WRONLY,0600);if(fd<0){printf(\"stopped=%ld %s\\n\",n,strerror(errno));return 0;}"
         "close(fd);}}\n")

    def chk(lang, js, raw, dt):
        check(js["status"] in ("memory_exceeded", "timeout", "ok"), f"{lang}: {short(js)}")
        check(dt < 15, f"{lang}: took {dt:.1f}s")
        note(f"inode flood [{lang}]: {js['status']} in {dt:.1f}s {js['stdout'][:80]!r}")
    hostile({"python": (py, chk, {"time_limit": 3}), "c": (c, chk, {"time_limit": 3})})


def test_output_flood_of_control_bytes_response_stays_bounded():
    r"""Control bytes become 6-byte JSON escapes (\u0001): the response grows ~6x the cap per
    stream, still bounded; both streams flooded at once."""
    py = "import os\nb = b'\\x01' * 65536\nwhile True:\n    os.write(1, b)\n    os.write(2, b)\n"
    c = ("#include <string.h>\n#include <unistd.h>\nstatic char b[65536];\nint main(void){memset(b,1,sizeof b);"
         "for(;;){write(1,b,sizeof b);write(2,b,sizeof b);}}\n")

    def chk(lang, js, raw, dt):
        check(js["status"] == "output_limit_exceeded" and js["output_truncated"] is True, f"{lang}: {short(js)}")
        check(len(js["stdout"]) <= OUT_CAP and len(js["stderr"]) <= OUT_CAP,
              f"{lang}: {len(js['stdout'])}/{len(js['stderr'])} chars for a {OUT_CAP}-byte cap")
        check(len(raw) <= 2 * 6 * OUT_CAP + 8192, f"{lang}: a response of {len(raw)} bytes")
        check(dt < 6, f"{lang}: took {dt:.1f}s")
        note(f"control-byte flood [{lang}]: response {len(raw)} bytes for a {OUT_CAP}-byte cap per stream")
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


# ---------------------------------------------------------------------------------------------
# filesystem, network, host


ROOT_PATHS = [("etc_new", "/etc/evil", 1), ("usr_new", "/usr/evil", 1), ("root_new", "/evil", 1),
              ("bin_new", "/bin/evil", 1), ("var_new", "/var/tmp/evil", 1), ("run_new", "/run/evil", 1),
              ("passwd", "/etc/passwd", 0), ("helper", "/usr/local/bin/executioner-helper", 0),
              ("hostname", "/etc/hostname", 0), ("hosts", "/etc/hosts", 0), ("resolv", "/etc/resolv.conf", 0)]


def test_writing_the_root_filesystem():
    py = PY_PRE + "".join(f"W({k!r}, {p!r}, {bool(cr)})\n" for k, p, cr in ROOT_PATHS) + r"""
R("mkdir_opt", os.mkdir, "/opt/evil")
R("unlink_py", os.unlink, "/usr/bin/python3")
R("rename_etc", os.rename, "/etc/passwd", "/etc/passwd.old")
R("chmod_etc", os.chmod, "/etc/passwd", 0o666)
R("symlink_root", os.symlink, "/etc/passwd", "/evil-link")
"""
    c = C_PRE + "int main(void){\n" + "".join(f'W("{k}", "{p}", {cr});\n' for k, p, cr in ROOT_PATHS) + r"""
R("mkdir_opt", mkdir("/opt/evil", 0755));
R("unlink_py", unlink("/usr/bin/gcc"));
R("rename_etc", rename("/etc/passwd", "/etc/passwd.old"));
R("chmod_etc", chmod("/etc/passwd", 0666));
R("symlink_root", symlink("/etc/passwd", "/evil-link"));
return 0; }
"""
    keys = [k for k, _, _ in ROOT_PATHS] + ["mkdir_opt", "unlink_py", "rename_etc", "chmod_etc", "symlink_root"]
    want = {k: DENIED | {"ETXTBSY"} for k in keys}

    def chk(lang, js, raw, dt):
        expect_keys(lang, kv(js["stdout"]), want, js)
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


def test_sys_fs_cgroup_is_read_only_but_readable():
    """/sys/fs/cgroup is a tmpfs above the read-only controller mounts (cgroup v1) that stayed
    writable under the read-only root (crun even mounts it mode 1777): it must be mounted
    read-only (EROFS for creating a file, a directory or a link; the engine's ReadonlyPaths puts a
    read-only bind mount over it, the mount a path lookup reaches), while the cgroup files the
    helper reads (CPU time, OOM kills) stay readable."""
    py = PY_PRE + r"""
W("cg_file", "/sys/fs/cgroup/evil", True)
R("cg_mkdir", os.mkdir, "/sys/fs/cgroup/evil.d")
R("cg_symlink", os.symlink, "/", "/sys/fs/cgroup/evil.l")
opts = [l.split()[5] for l in open("/proc/self/mountinfo") if l.split()[4] == "/sys/fs/cgroup"]
print("cg_mount=" + (opts[-1].split(",")[0] if opts else "none"))  # the last one covers the others
for k, paths in (("cpuacct_read", ("/sys/fs/cgroup/cpuacct/cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage")),
                 ("oom_read", ("/sys/fs/cgroup/memory/memory.oom_control",))):
    got = "absent"
    for p in paths:
        try:
            got = "OK" if open(p).read().strip() else "empty"
            break
        except OSError as e:
            got = E(e)
    print(k + "=" + got)
"""
    c = C_PRE + r"""
static void rd(const char *k, const char *p1, const char *p2) {
    char b[256]; int fd = open(p1, O_RDONLY);
    if (fd < 0 && p2) fd = open(p2, O_RDONLY);
    if (fd < 0) { R(k, -1); return; }
    long n = read(fd, b, sizeof b); close(fd);
    printf("%s=%s\n", k, n > 0 ? "OK" : n == 0 ? "empty" : strerrorname_np(errno));
}
int main(void) {
    W("cg_file", "/sys/fs/cgroup/evil", 1);
    R("cg_mkdir", mkdir("/sys/fs/cgroup/evil.d", 0755));
    R("cg_symlink", symlink("/", "/sys/fs/cgroup/evil.l"));
    FILE *f = fopen("/proc/self/mountinfo", "r"); char line[4096], mp[1024], op[1024], top[64] = "none";
    while (f && fgets(line, sizeof line, f))  /* the last one at /sys/fs/cgroup covers the others */
        if (sscanf(line, "%*s %*s %*s %*s %1023s %1023s", mp, op) == 2 && !strcmp(mp, "/sys/fs/cgroup"))
            snprintf(top, sizeof top, "%.*s", (int)strcspn(op, ","), op);
    if (f) fclose(f);
    printf("cg_mount=%s\n", top);
    rd("cpuacct_read", "/sys/fs/cgroup/cpuacct/cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage");
    rd("oom_read", "/sys/fs/cgroup/memory/memory.oom_control", NULL);
    return 0;
}
"""
    want = {"cg_file": {"EROFS"}, "cg_mkdir": {"EROFS"}, "cg_symlink": {"EROFS"}, "cg_mount": {"ro"},
            "cpuacct_read": {"OK"}, "oom_read": {"OK"}}

    def chk(lang, js, raw, dt):
        expect_keys(lang, kv(js["stdout"]), want, js)
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


def test_network_only_loopback_no_route_connects_fail_fast():
    port = str(srv().port)
    py = PY_PRE + r"""
port = int(sys.argv[1])
devs = sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:])
print("devs=" + ",".join(devs))
print("routes=%d" % len(open("/proc/net/route").read().splitlines()[1:]))
for name, host in (("loopback", "127.0.0.1"), ("gateway", "172.17.0.1")):
    s = socket.socket()
    s.settimeout(5)
    t = time.time()
    try:
        s.connect((host, port))
        r = "CONNECTED"
    except OSError as e:
        r = E(e)
    print("%s=%s" % (name, r))
    print("%s_ms=%d" % (name, (time.time() - t) * 1000))
    s.close()
print("unix_socks=%d" % len(open("/proc/net/unix").read().splitlines()[1:]))
R("raw", socket.socket, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
R("packet", socket.socket, socket.AF_PACKET, socket.SOCK_RAW, 0)
"""
    c = C_PRE + r"""
static void tcp(const char *name, const char *host, int port) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, host, &a.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = connect(s, (struct sockaddr *)&a, sizeof a);
    int e = errno;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%s=%s\n%s_ms=%ld\n", name, r == 0 ? "CONNECTED" : strerrorname_np(e), name,
           (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    close(s);
}
int main(int argc, char **argv) {
    char line[512], devs[512] = ""; int n = 0, routes = -1;
    FILE *f = fopen("/proc/net/dev", "r");
    while (f && fgets(line, sizeof line, f)) {
        if (++n <= 2) continue;
        char *c = strchr(line, ':'); if (!c) continue; *c = 0;
        char *s = line; while (*s == ' ') s++;
        if (devs[0]) strcat(devs, ",");
        strncat(devs, s, 64);
    }
    if (f) fclose(f);
    printf("devs=%s\n", devs);
    f = fopen("/proc/net/route", "r");
    while (f && fgets(line, sizeof line, f)) routes++;
    if (f) fclose(f);
    printf("routes=%d\n", routes);
    int port = atoi(argv[1]);
    routes = -1; f = fopen("/proc/net/unix", "r");
    while (f && fgets(line, sizeof line, f)) routes++;
    if (f) fclose(f);
    printf("unix_socks=%d\n", routes);
    tcp("loopback", "127.0.0.1", port);
    tcp("gateway", "172.17.0.1", port);
    R("raw", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    R("packet", socket(AF_PACKET, SOCK_RAW, 0));
    return 0;
}
"""
    fast = (lambda v: v is not None and int(v) < 1000)
    want = {"devs": {"lo"}, "routes": {"0"}, "loopback": {"ECONNREFUSED"}, "loopback_ms": fast,
            "gateway": {"ENETUNREACH"}, "gateway_ms": fast, "unix_socks": {"0"}, "raw": {"EPERM", "EACCES"},
            "packet": {"EPERM", "EACCES", "EAFNOSUPPORT"}}

    def chk(lang, js, raw, dt):
        expect_keys(lang, kv(js["stdout"]), want, js)
    hostile({"python": (py, chk, {"args": [port]}), "c": (c, chk, {"args": [port]})})


# socket(2) families: (key, family, type, protocol). Only created, then closed: never bound or
# connected, even when a denied one unexpectedly opens.
SOCK_DENIED = [("vsock_stream", 40, 1, 0), ("vsock_dgram", 40, 2, 0), ("alg", 38, 5, 0), ("xdp", 44, 3, 0),
               ("key", 15, 3, 2), ("packet_dgram", 17, 2, 0)]
SOCK_ALLOWED = [("inet_tcp", 2, 1, 0), ("inet_udp", 2, 2, 0), ("inet6_tcp", 10, 1, 0), ("unix_stream", 1, 1, 0),
                ("unix_dgram", 1, 2, 0), ("netlink_route", 16, 3, 0)]


def test_socket_families_vsock_denied_unix_inet_netlink_work():
    """AF_VSOCK reaches the hypervisor host on this VM (it has /dev/vsock): socket(2) is allowed by
    the seccomp profile only for AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK (socketpair(2) only for
    AF_UNIX), so vsock, AF_ALG, AF_XDP, AF_KEY and AF_PACKET fail while what programs need works."""
    fams = SOCK_DENIED + SOCK_ALLOWED
    py = PY_PRE + r"""
def S(k, fam, typ, proto):
    def f():
        socket.socket(fam, typ, proto).close()
    R(k, f)
for k, fam, typ, proto in %r:
    S(k, fam, typ, proto)
def pair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.sendall(b"x")
    if b.recv(1) != b"x":
        raise OSError(5, "no echo")
    a.close(); b.close()
R("socketpair_unix", pair)
def nl():
    s = socket.socket(16, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    s.close()
R("netlink_bind", nl)
""" % (fams,)
    c = C_PRE + r"""
static void S(const char *k, int fam, int type, int proto) {
    int s = socket(fam, type, proto);
    R(k, s);
    if (s >= 0) close(s);
}
int main(void) {
""" + "".join(f'    S("{k}", {f}, {t}, {p});\n' for k, f, t, p in fams) + r"""
    int sv[2]; char ch = 0; long r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    if (r == 0) { r = write(sv[0], "x", 1) == 1 && read(sv[1], &ch, 1) == 1 && ch == 'x' ? 0 : -1; close(sv[0]); close(sv[1]); }
    R("socketpair_unix", r);
    R("socketpair_vsock", socketpair(40, SOCK_STREAM, 0, sv));
    int nl = socket(AF_NETLINK, SOCK_RAW, 0);
    struct sockaddr_storage sa; memset(&sa, 0, sizeof sa); sa.ss_family = AF_NETLINK;
    R("netlink_bind", nl < 0 ? -1 : bind(nl, (struct sockaddr *)&sa, 12));
    if (nl >= 0) close(nl);
    return 0;
}
"""
    denied = {"EPERM", "EACCES", "EAFNOSUPPORT"}
    want = {k: denied for k, _, _, _ in SOCK_DENIED}
    want.update({k: {"OK"} for k, _, _, _ in SOCK_ALLOWED})
    want.update({"socketpair_unix": {"OK"}, "netlink_bind": {"OK"}})

    def chk(lang, js, raw, dt):
        w = dict(want)
        if lang == "c":
            w["socketpair_vsock"] = denied | {"EOPNOTSUPP"}
        expect_keys(lang, kv(js["stdout"]), w, js)
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


ALLOWED_MOUNTS = ("/", "/work", "/tmp", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf")


def test_host_files_docker_socket_and_mounts():
    py = PY_PRE + r"""
R("shadow", lambda: open("/etc/shadow").read())
for k, p in (("sock_var", "/var/run/docker.sock"), ("sock_run", "/run/docker.sock"),
             ("containerd", "/run/containerd/containerd.sock"), ("vlib_docker", "/var/lib/docker"),
             ("dev_mem", "/dev/mem"), ("dev_kmsg", "/dev/kmsg"), ("dev_sda", "/dev/sda"), ("dev_vda", "/dev/vda")):
    print("%s=%s" % (k, "PRESENT" if os.path.lexists(p) else "absent"))
odd = []
for line in open("/proc/self/mountinfo"):
    mp = line.split()[4]
    if mp in %(ALLOWED)r or mp.startswith(("/proc", "/dev", "/sys")):
        continue
    odd.append(mp)
print("odd_mounts=" + (",".join(odd) or "none"))
print("overlay_host_paths=%d" % open("/proc/self/mountinfo").read().count("/var/lib/docker"))
blk = [n for n in os.listdir("/dev") if os.path.exists("/dev/" + n) and __import__("stat").S_ISBLK(os.stat("/dev/" + n).st_mode)]
print("blockdevs=" + (",".join(blk) or "none"))
R("proc1_root", os.listdir, "/proc/1/root/")
try:
    n = len(open("/proc/kcore", "rb").read(4096))
    print("kcore=%s" % ("empty" if n == 0 else "READ"))
except OSError as e:
    print("kcore=" + E(e))
print("uid=%d" % os.getuid())
""".replace("%(ALLOWED)r", repr(ALLOWED_MOUNTS))
    c = C_PRE + r"""
static const char *allowed[] = { %(ALLOWED)s, NULL };
int main(void) {
    R("shadow", open("/etc/shadow", O_RDONLY));
    const char *names[][2] = { {"sock_var", "/var/run/docker.sock"}, {"sock_run", "/run/docker.sock"},
        {"containerd", "/run/containerd/containerd.sock"}, {"vlib_docker", "/var/lib/docker"},
        {"dev_mem", "/dev/mem"}, {"dev_kmsg", "/dev/kmsg"}, {"dev_sda", "/dev/sda"}, {"dev_vda", "/dev/vda"} };
    struct stat st;
    for (int i = 0; i < 8; i++) printf("%s=%s\n", names[i][0], lstat(names[i][1], &st) == 0 ? "PRESENT" : "absent");
    FILE *f = fopen("/proc/self/mountinfo", "r"); char line[4096], odd[4096] = ""; int hostpaths = 0;
    while (f && fgets(line, sizeof line, f)) {
        char mp[1024]; if (sscanf(line, "%*s %*s %*s %*s %1023s", mp) != 1) continue;
        int ok = !strncmp(mp, "/proc", 5) || !strncmp(mp, "/dev", 4) || !strncmp(mp, "/sys", 4);
        for (int i = 0; allowed[i]; i++) ok |= !strcmp(mp, allowed[i]);
        if (!ok && strlen(odd) + strlen(mp) + 2 < sizeof odd) { if (odd[0]) strcat(odd, ","); strcat(odd, mp); }
        for (char *q = line; (q = strstr(q, "/var/lib/docker")); q++) hostpaths++;
    }
    printf("overlay_host_paths=%d\n", hostpaths);
    printf("odd_mounts=%s\n", odd[0] ? odd : "none");
    DIR *d = opendir("/dev"); struct dirent *e; char blk[1024] = "", p[512];
    while (d && (e = readdir(d))) {
        snprintf(p, sizeof p, "/dev/%s", e->d_name);
        if (stat(p, &st) == 0 && S_ISBLK(st.st_mode) && strlen(blk) < 900) { if (blk[0]) strcat(blk, ","); strcat(blk, e->d_name); }
    }
    printf("blockdevs=%s\n", blk[0] ? blk : "none");
    R("proc1_root", (long)(opendir("/proc/1/root/") ? 0 : -1));
    int fd = open("/proc/kcore", O_RDONLY); char b[64];
    if (fd < 0) R("kcore", -1); else printf("kcore=%s\n", read(fd, b, sizeof b) > 0 ? "READ" : "empty");
    printf("uid=%d\n", (int)getuid());
    return 0;
}
""".replace("%(ALLOWED)s", ", ".join(f'"{m}"' for m in ALLOWED_MOUNTS))
    absent = {"absent"}
    want = {"shadow": {"EACCES"}, "sock_var": absent, "sock_run": absent, "containerd": absent,
            "vlib_docker": absent, "dev_mem": absent, "dev_kmsg": absent, "dev_sda": absent, "dev_vda": absent,
            "odd_mounts": {"none"}, "blockdevs": {"none"}, "proc1_root": {"EACCES", "EPERM"},
            "kcore": {"empty", "EACCES", "EPERM", "ENOENT"}, "uid": SANDBOX_UIDS}

    def chk(lang, js, raw, dt):
        got = kv(js["stdout"])
        expect_keys(lang, got, want, js)
        if got.get("overlay_host_paths", "0") != "0":
            note(f"host paths [{lang}]: /proc/self/mountinfo names /var/lib/docker {got['overlay_host_paths']} times "
                 f"(overlayfs lowerdir/upperdir options: the host's layout, not its files)")
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


def test_environment_has_none_of_the_service_variables():
    py = PY_PRE + r"""
import json
print("env=" + json.dumps(dict(os.environ)))
try:
    print("self_environ=" + json.dumps(open("/proc/self/environ", "rb").read().decode("utf-8", "replace")))
except OSError as e:
    print("self_environ=" + E(e))
R("init_environ", lambda: open("/proc/1/environ", "rb").read())
R("init_cmdline", lambda: open("/proc/1/cmdline", "rb").read())
"""
    c = C_PRE + r"""
extern char **environ;
int main(void) {
    printf("env=");
    for (char **e = environ; *e; e++) printf("%s\x1f", *e);
    printf("\n");
    char b[65536]; int fd = open("/proc/self/environ", O_RDONLY); ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b - 1);
    if (n >= 0) { for (ssize_t i = 0; i < n; i++) if (!b[i]) b[i] = '\x1f'; b[n] = 0; printf("self_environ=%s\n", b); }
    else R("self_environ", -1);
    fd = open("/proc/1/environ", O_RDONLY);
    R("init_environ", fd < 0 ? -1 : read(fd, b, sizeof b));
    return 0;
}
"""

    def chk(lang, js, raw, dt):
        out = js["stdout"] + js["stderr"]
        got = kv(js["stdout"])
        bad = [w for w in (KEY, SECRET, "EXECUTIONER_", "SECRET_TOKEN") if w in out]
        check(not bad, f"{lang}: the program's environment contains {bad}: {got.get('env', '')[:800]}")
        expect_keys(lang, got, {"init_environ": {"EACCES", "EPERM"}, "env": lambda v: bool(v) and "HOME" in v}, js)
        note(f"environment [{lang}]: {got.get('env', '')[:400]}")
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


def test_other_jobs_processes_and_files_are_invisible():
    """Job A (same language) runs concurrently and leaves markers in /work, /tmp and /dev/shm;
    job B sees only its own process and PID 1, and only its own files."""
    marker = ("import ctypes, os, time\nfor d in ('/work', '/tmp', '/dev/shm'):\n"
              "    open(d + '/marker-of-job-a', 'w').write('a')\n"
              "ctypes.CDLL(None).shmget(0x4242, 4096, 0o1600)\nprint('a', flush=True)\ntime.sleep(3)\n")
    py = r"""import ctypes, errno, os
me = os.getpid()
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print("others=" + (",".join(str(p) for p in pids if p not in (1, me)) or "none"))
print("has_init=%d" % (1 in pids))
print("init_cmd=" + open("/proc/1/cmdline", "rb").read().split(b"\0")[0].decode())
print("work=" + ",".join(sorted(os.listdir("/work"))))
print("tmp=" + (",".join(sorted(os.listdir("/tmp"))) or "none"))
print("shm=" + (",".join(sorted(os.listdir("/dev/shm"))) or "none"))
print("sysv=%d" % sum(len(open("/proc/sysvipc/" + k).read().splitlines()[1:]) for k in ("shm", "msg", "sem")))
libc = ctypes.CDLL(None, use_errno=True)
print("shmget=" + ("FOUND" if libc.shmget(0x4242, 0, 0) >= 0 else errno.errorcode[ctypes.get_errno()]))
"""
    c = C_PRE + r"""
static void list(const char *k, const char *dir) {
    DIR *d = opendir(dir); struct dirent *e; char out[4096] = "";
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (out[0]) strcat(out, ","); strncat(out, e->d_name, 200);
    }
    printf("%s=%s\n", k, out[0] ? out : "none");
}
int main(void) {
    DIR *d = opendir("/proc"); struct dirent *e; char others[4096] = ""; int init = 0, me = getpid();
    while ((e = readdir(d))) {
        int p = atoi(e->d_name); if (p <= 0) continue;
        if (p == 1) { init = 1; continue; }
        if (p == me) continue;
        char b[32]; snprintf(b, sizeof b, "%s%d", others[0] ? "," : "", p); strcat(others, b);
    }
    printf("others=%s\nhas_init=%d\n", others[0] ? others : "none", init);
    char cmd[256] = ""; int fd = open("/proc/1/cmdline", O_RDONLY); if (fd >= 0) { read(fd, cmd, sizeof cmd - 1); close(fd); }
    printf("init_cmd=%s\n", cmd);
    list("work", "/work"); list("tmp", "/tmp"); list("shm", "/dev/shm");
    int sysv = 0; const char *ipc[] = { "/proc/sysvipc/shm", "/proc/sysvipc/msg", "/proc/sysvipc/sem" };
    for (int i = 0; i < 3; i++) { FILE *f = fopen(ipc[i], "r"); char l[512]; int n = 0; while (f && fgets(l, sizeof l, f)) n++; if (f) fclose(f); sysv += n > 0 ? n - 1 : 0; }
    printf("sysv=%d\n", sysv);
    R("shmget", shmget(0x4242, 0, 0));
    return 0;
}
"""
    own = {"python": {"main.py"}, "c": {"main", "main.c"}}
    res = {}

    def job_a(lang):
        src = marker if lang == "python" else (
            "#include <stdio.h>\n#include <unistd.h>\n#include <sys/shm.h>\n"
            "int main(void){const char *d[]={\"/work\",\"/tmp\",\"/dev/shm\"};shmget(0x4242,4096,IPC_CREAT|0600);"
            "char p[64];for(int i=0;i<3;i++){snprintf(p,sizeof p,\"%s/marker-of-job-a\",d[i]);FILE*f=fopen(p,\"w\");"
            "if(f)fclose(f);}puts(\"a\");fflush(stdout);sleep(3);return 0;}\n")
        res[lang] = run(lang, src, time_limit=5)

    threads = [threading.Thread(target=job_a, args=(lang,)) for lang in LANGS]
    for t in threads:
        t.start()
    time.sleep(1.0)

    def chk(lang, js, raw, dt):
        got = kv(js["stdout"])
        expect_keys(lang, got, {"others": {"none"}, "has_init": {"1"},
                                "init_cmd": {"/usr/local/bin/executioner-helper"},
                                "work": lambda v: v is not None and set(v.split(",")) == own[lang],
                                "tmp": {"none"}, "shm": {"none"}, "sysv": {"0"}, "shmget": {"ENOENT"}}, js)
    try:
        hostile({"python": (py, chk, {}), "c": (c, chk, {})})
    finally:
        for t in threads:
            t.join(60)
    for lang in LANGS:
        js = res.get(lang, (None,))[0]
        check(js and js["status"] == "ok" and js["stdout"] == "a\n", f"{lang}: job A: {short(js)}")


# ---------------------------------------------------------------------------------------------
# processes left behind


SLEEP_ARG = "987.654"   # a distinctive sleep: looked for inside the containers and on the host


def host_procs_with(arg):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                cmd = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            if arg.encode() in cmd:
                out.append(int(p))
    return out


PY_LINGER = r"""import os, subprocess, sys, time
mode = sys.stdin.readline().strip()
me = os.getpid()
if mode == "start":
    subprocess.Popen(["sleep", "@ARG@"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    if os.fork() == 0:                   # a daemon: setsid, fork again, write a marker later
        os.setsid()
        if os.fork() == 0:
            for fd in (0, 1, 2):
                os.close(fd)
            time.sleep(0.4)
            for d in ("/work", "/tmp"):
                open(d + "/linger-marker", "w").write("alive")
            time.sleep(1000)
        os._exit(0)
    os.wait()
    print("started")
else:
    time.sleep(1.0)                      # past the daemon's marker time
    others = []
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) not in (1, me):
            others.append(p + ":" + open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ").decode())
    marks = [d for d in ("/work", "/tmp") if os.path.exists(d + "/linger-marker")]
    print("clean" if not others and not marks else "others=%r marks=%r" % (others, marks))
""".replace("@ARG@", SLEEP_ARG)

C_LINGER = C_PRE + r"""
int main(void) {
    char mode[32] = ""; if (!fgets(mode, sizeof mode, stdin)) return 2;
    int me = getpid();
    if (!strncmp(mode, "start", 5)) {
        if (fork() == 0) { execlp("sleep", "sleep", "@ARG@", (char *)NULL); _exit(127); }
        if (fork() == 0) {
            setsid();
            if (fork() == 0) {
                close(0); close(1); close(2);
                usleep(400000);
                FILE *f = fopen("/work/linger-marker", "w"); if (f) fclose(f);
                f = fopen("/tmp/linger-marker", "w"); if (f) fclose(f);
                for (;;) pause();
            }
            _exit(0);
        }
        wait(NULL);
        puts("started");
        return 0;
    }
    usleep(1000000);
    DIR *d = opendir("/proc"); struct dirent *e; char others[4096] = "";
    while ((e = readdir(d))) {
        int p = atoi(e->d_name); if (p <= 1 || p == me) continue;
        char b[300], path[64], cmd[200] = ""; snprintf(path, sizeof path, "/proc/%d/cmdline", p);
        int fd = open(path, O_RDONLY); if (fd >= 0) { ssize_t n = read(fd, cmd, sizeof cmd - 1); if (n > 0) cmd[n] = 0; close(fd); }
        snprintf(b, sizeof b, "%d:%s ", p, cmd); strncat(others, b, sizeof others - strlen(others) - 1);
    }
    struct stat st; int m1 = stat("/work/linger-marker", &st) == 0, m2 = stat("/tmp/linger-marker", &st) == 0;
    if (!others[0] && !m1 && !m2) puts("clean"); else printf("others=%s marks=%d,%d\n", others, m1, m2);
    return 0;
}
""".replace("@ARG@", SLEEP_ARG)


def test_background_process_does_not_survive_into_next_test_or_job():
    tests = [{"stdin": "start\n", "expected_output": "started"}, {"stdin": "check\n", "expected_output": "clean"},
             {"stdin": "start\n", "expected_output": "started"}, {"stdin": "check\n", "expected_output": "clean"}]

    def chk(lang, js, raw, dt):
        v = [t["verdict"] for t in js["tests"]]
        check(v == ["accepted"] * 4, f"{lang}: verdicts {v}; test 2 stdout {js['tests'][1].get('stdout')!r}: "
                                     f"{short(js, 900)}")
        check(dt < 15, f"{lang}: took {dt:.1f}s")
    hostile({"python": (PY_LINGER, chk, {"tests": tests}), "c": (C_LINGER, chk, {"tests": tests})})

    # and a new job (plain run) finds nothing either
    def chk2(lang, js, raw, dt):
        check(js["status"] == "ok" and js["stdout"] == "clean\n", f"{lang}: a new job: {short(js)}")
    hostile({"python": (PY_LINGER, chk2, {"stdin": "check\n"}), "c": (C_LINGER, chk2, {"stdin": "check\n"})})
    left = host_procs_with(SLEEP_ARG)
    check(not left, f"processes 'sleep {SLEEP_ARG}' survive on the host: pids {left}")


def test_background_process_holding_stdout_does_not_delay_the_answer():
    py = ("import subprocess\nsubprocess.Popen(['sleep', '%s'])\nprint('bye', flush=True)\n" % SLEEP_ARG)
    c = ("#include <stdio.h>\n#include <unistd.h>\nint main(void){puts(\"bye\");fflush(stdout);"
         "if(fork()==0){execlp(\"sleep\",\"sleep\",\"%s\",(char*)0);_exit(1);}return 0;}\n" % SLEEP_ARG)

    def chk(lang, js, raw, dt):
        check(js["status"] == "ok" and js["stdout"] == "bye\n", f"{lang}: {short(js)}")
        check(js["execution_time_ms"] < 1000, f"{lang}: execution_time_ms {js['execution_time_ms']}: the "
                                              f"child holding stdout delayed the end of the run")
    hostile({"python": (py, chk, {"time_limit": 3}), "c": (c, chk, {"time_limit": 3})})
    left = host_procs_with(SLEEP_ARG)
    check(not left, f"processes 'sleep {SLEEP_ARG}' survive on the host: pids {left}")


# ---------------------------------------------------------------------------------------------
# stdio, output content, signals, limits, forged results


def test_closing_or_redirecting_stdout_mid_run():
    py = ("import os, sys\nprint('before', flush=True)\nos.close(1)\nsys.stderr.write('after-close\\n')\n"
          "sys.stderr.flush()\nfd = os.open('/work/redirected', os.O_WRONLY | os.O_CREAT)\n"
          "os.write(fd, b'into-file')\nos.close(2)\nos.close(0)\nos._exit(0)\n")
    c = ("#include <fcntl.h>\n#include <stdio.h>\n#include <unistd.h>\nint main(void){puts(\"before\");fflush(stdout);"
         "fclose(stdout);fprintf(stderr,\"after-close\\n\");"
         "int fd=open(\"/work/redirected\",O_WRONLY|O_CREAT,0644);if(fd>=0)write(fd,\"into-file\",9);"
         "freopen(\"/dev/null\",\"w\",stderr);close(0);return 0;}\n")

    def chk(lang, js, raw, dt):
        check(js["status"] == "ok" and js["exit_code"] == 0 and js["stdout"] == "before\n"
              and "after-close" in js["stderr"] and "into-file" not in js["stdout"], f"{lang}: {short(js)}")
        check(dt < 6, f"{lang}: took {dt:.1f}s")
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


RAW_BYTES = b"A\x00B\xff\xfeC\xc3(D\xed\xa0\x80E\xf4\x90\x80\x80F\xe2\x82\xacG\xc0\xafH\x1b[31mI\r\n"


def test_invalid_utf8_and_nul_bytes_give_valid_json():
    py = "import os\nB = %r\nos.write(1, B * 3)\nos.write(2, B)\n" % RAW_BYTES
    c = ("#include <unistd.h>\nint main(void){static const char b[] = %s;\n"
         "for(int i=0;i<3;i++) write(1,b,sizeof b - 1); write(2,b,sizeof b - 1); return 0;}\n" % c_bytes(RAW_BYTES))

    def chk(lang, js, raw, dt):
        raw.decode("utf-8")  # strict
        check(js["status"] == "ok", f"{lang}: {short(js)}")
        check(js["stdout"] == utf8_sanitize(RAW_BYTES * 3) and js["stderr"] == utf8_sanitize(RAW_BYTES),
              f"{lang}: stdout {js['stdout']!r}, want {utf8_sanitize(RAW_BYTES * 3)!r}")
        check("\ufffd" in js["stdout"] and "\x00" not in js["stdout"], f"{lang}: {js['stdout']!r}")
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


def test_killing_or_signalling_the_parent():
    py = PY_PRE + r"""
for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGINT, signal.SIGHUP, signal.SIGSEGV):
    R("kill1_%d" % sig, os.kill, 1, sig)
R("killppid", os.kill, os.getppid(), signal.SIGKILL)
pidfd = C("pidfd_open", libc.syscall, 434, 1, 0, long=True)
if pidfd >= 0:
    C("pidfd_kill", libc.syscall, 424, pidfd, 9, None, 0, long=True)
R("killall", os.kill, -1, signal.SIGKILL)
R("stopall", os.kill, -1, signal.SIGSTOP)
time.sleep(0.2)
print("alive=1")
print("ppid=%d" % os.getppid())
"""
    c = C_PRE + r"""
int main(void) {
    int sigs[] = { SIGKILL, SIGTERM, SIGSTOP, SIGINT, SIGHUP, SIGSEGV };
    char k[32];
    for (int i = 0; i < 6; i++) { snprintf(k, sizeof k, "kill1_%d", sigs[i]); R(k, kill(1, sigs[i])); }
    R("killppid", kill(getppid(), SIGKILL));
    long fd = syscall(SYS_pidfd_open, 1, 0);
    R("pidfd_open", fd);
    if (fd >= 0) R("pidfd_kill", syscall(SYS_pidfd_send_signal, (int)fd, SIGKILL, NULL, 0));
    R("killall", kill(-1, SIGKILL));
    R("stopall", kill(-1, SIGSTOP));
    usleep(200000);
    printf("alive=1\nppid=%d\n", (int)getppid());
    return 0;
}
"""

    def chk(lang, js, raw, dt):
        check(js["status"] == "ok" and js["exit_code"] == 0, f"{lang}: {short(js)}")
        expect_keys(lang, kv(js["stdout"]), {"alive": {"1"}, "ppid": {"1"}}, js)
        check(dt < 8, f"{lang}: took {dt:.1f}s")
        note(f"signals to PID 1 [{lang}]: {js['stdout'].strip().replace(chr(10), ' ')}")
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})

    # killing its own group: a runtime error with SIGKILL, nothing worse
    def chk2(lang, js, raw, dt):
        check(js["status"] == "runtime_error" and js["signal"] == "SIGKILL" and js["exit_code"] is None
              and js["stdout"] == "x\n", f"{lang}: {short(js)}")
    hostile({"python": ("import os\nprint('x', flush=True)\nos.kill(0, 9)\n", chk2, {}),
             "c": ("#include <signal.h>\n#include <stdio.h>\nint main(void){puts(\"x\");fflush(stdout);kill(0,SIGKILL);"
                   "return 0;}\n", chk2, {})})


RL = ["NOFILE", "NPROC", "FSIZE", "CPU", "STACK", "CORE", "AS", "MEMLOCK"]


def test_raising_own_limits_fails():
    py = PY_PRE + r"""
import resource
INF = resource.RLIM_INFINITY
for name in %r:
    res = getattr(resource, "RLIMIT_" + name)
    soft, hard = resource.getrlimit(res)
    print("%%s_hard=%%s" %% (name, "inf" if hard == INF else hard))
    if hard != INF:
        R(name + "_raise", resource.setrlimit, res, (hard + 1, hard + 1))
        R(name + "_softover", resource.setrlimit, res, (hard + 1, hard))
n = 0
fds = []
try:
    while n < 100000:
        fds.append(os.open("/dev/null", os.O_RDONLY)); n += 1
    print("nofile_exhaust=NONE")
except OSError as e:
    print("nofile_exhaust=" + E(e))
print("opened=%%d" %% n)
""" % RL
    c = C_PRE + r"""
int main(void) {
    struct { const char *n; int r; } L[] = { {"NOFILE", RLIMIT_NOFILE}, {"NPROC", RLIMIT_NPROC}, {"FSIZE", RLIMIT_FSIZE},
        {"CPU", RLIMIT_CPU}, {"STACK", RLIMIT_STACK}, {"CORE", RLIMIT_CORE}, {"AS", RLIMIT_AS}, {"MEMLOCK", RLIMIT_MEMLOCK} };
    char k[64];
    for (int i = 0; i < 8; i++) {
        struct rlimit r; getrlimit(L[i].r, &r);
        if (r.rlim_max == RLIM_INFINITY) { printf("%s_hard=inf\n", L[i].n); continue; }
        printf("%s_hard=%llu\n", L[i].n, (unsigned long long)r.rlim_max);
        struct rlimit up = { r.rlim_max + 1, r.rlim_max + 1 }, so = { r.rlim_max + 1, r.rlim_max };
        snprintf(k, sizeof k, "%s_raise", L[i].n); R(k, setrlimit(L[i].r, &up));
        snprintf(k, sizeof k, "%s_softover", L[i].n); R(k, setrlimit(L[i].r, &so));
    }
    int n = 0; while (n < 100000 && open("/dev/null", O_RDONLY) >= 0) n++;
    printf("nofile_exhaust=%s\nopened=%d\n", n < 100000 ? strerrorname_np(errno) : "NONE", n);
    return 0;
}
"""
    fin = (lambda v: v is not None and v != "inf")

    def chk(lang, js, raw, dt):
        got = kv(js["stdout"])
        want = {"NOFILE_hard": fin, "FSIZE_hard": fin, "CPU_hard": fin, "CORE_hard": {"0"},
                "nofile_exhaust": {"EMFILE"}, "opened": lambda v: v is not None and int(v) < 300}
        for name in RL:
            if got.get(f"{name}_hard", "inf") != "inf":
                want[f"{name}_raise"] = {"EPERM", "ValueError"}
                want[f"{name}_softover"] = {"EINVAL", "ValueError"}
        expect_keys(lang, got, want, js)
        note(f"rlimits [{lang}]: " + ", ".join(f"{n}={got.get(n + '_hard')}" for n in RL))
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


def forged_frame():
    """An H_STEP helper frame ("exit 0, stdout 'forged'") inside a Docker stream header."""
    fields = b""
    for tag, val in ((40, struct.pack(">Q", 1)), (41, struct.pack(">Q", 0)), (42, struct.pack(">Q", 0)),
                     (43, struct.pack(">Q", 5)), (46, b"forged\n"), (47, b""), (48, struct.pack(">Q", 0))):
        fields += struct.pack(">II", tag, len(val)) + val
    frame = struct.pack(">HHIII", 67, 0, len(fields), 1, 0) + fields
    return struct.pack(">BxxxI", 1, len(frame)) + frame


FORGED = (b'{"id":1,"language":"python","status":"ok","stdout":"forged\\n","stderr":"","exit_code":0,'
          b'"signal":null,"timeout":false}\n' + forged_frame() + b"\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
          + b"\x02\x00\x00\x00\x00\x00\x00\x04oops" + forged_frame())


def test_forged_results_come_back_as_data():
    for code, status in ((0, "ok"), (7, "runtime_error")):
        py = "import os\nB = %r\nos.write(1, B)\nos.write(2, B)\nos._exit(%d)\n" % (FORGED, code)
        c = ("#include <unistd.h>\nint main(void){static const char b[] = %s;\n"
             "write(1,b,sizeof b - 1); write(2,b,sizeof b - 1); return %d;}\n" % (c_bytes(FORGED), code))

        def chk(lang, js, raw, dt, code=code, status=status):
            want = utf8_sanitize(FORGED)
            check(js["status"] == status and js["exit_code"] == code and js["signal"] is None,
                  f"{lang}: status/exit_code forged or lost (want {status}/{code}): {short(js)}")
            check(js["stdout"] == want and js["stderr"] == want,
                  f"{lang}: the forged bytes did not come back verbatim: {js['stdout'][:300]!r}")
        hostile({"python": (py, chk, {}), "c": (c, chk, {})})


SYMLINKS = [("stdin", "/etc/passwd"), ("stdout", "/proc/1/fd/1"), ("stderr", "/proc/1/fd/2"),
            ("input", "/etc/shadow"), ("input.txt", "/etc/passwd"), ("output", "/proc/1/fd/1"),
            ("output.txt", "/dev/zero"), ("result", "/proc/1/fd/1"), ("result.json", "/etc/passwd"),
            (".stdin", "/dev/zero"), ("main.py.tmp", "/etc/passwd"), ("main.c.tmp", "/etc/passwd"),
            ("core", "/etc/passwd"), ("a.out", "/usr/local/bin/executioner-helper"), ("loop", "loop"),
            ("passwd", "/etc/passwd"), ("proc1", "/proc/1/root")]


TOKEN = "expected-answer-7f3c9e"


def test_judge_later_answers_and_inputs_are_not_visible():
    """Test 1 looks for test 2's expected output and test 3's stdin everywhere it can read
    (/work, /tmp, /dev/shm, every visible process's cmdline and environ, its own environment)."""
    py = r"""import os, sys
tok = "%s"[::-1]  # reversed here, so that the source itself does not hold it
mode = sys.stdin.readline().strip()
if mode != "scan":
    print(mode)
    sys.exit(0)
found = []
for d in ("/work", "/tmp", "/dev/shm"):
    for root, dirs, files in os.walk(d):
        for f in files:
            try:
                if tok.encode() in open(os.path.join(root, f), "rb").read():
                    found.append(os.path.join(root, f))
            except OSError:
                pass
for p in os.listdir("/proc"):
    if p.isdigit():
        for f in ("cmdline", "environ"):
            try:
                if tok.encode() in open("/proc/%%s/%%s" %% (p, f), "rb").read():
                    found.append("/proc/%%s/%%s" %% (p, f))
            except OSError:
                pass
if tok in str(os.environ):
    found.append("environ")
print("found=" + (",".join(found) or "none"))
""" % TOKEN[::-1]
    c = C_PRE + r"""
static char tok[64];
static int grep(const char *path) {
    static char b[1 << 20]; int fd = open(path, O_RDONLY); if (fd < 0) return 0;
    ssize_t n = read(fd, b, sizeof b - 1); close(fd); if (n <= 0) return 0; b[n] = 0;
    return memmem(b, (size_t)n, tok, strlen(tok)) != NULL;
}
static void walk(const char *dir, char *found) {
    DIR *d = opendir(dir); struct dirent *e; char p[512]; struct stat st;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) < 0) continue;
        if (S_ISDIR(st.st_mode)) walk(p, found);
        else if (S_ISREG(st.st_mode) && grep(p)) { strcat(found, p); strcat(found, ","); }
    }
    if (d) closedir(d);
}
int main(void) {
    char mode[64] = ""; if (!fgets(mode, sizeof mode, stdin)) return 2;
    mode[strcspn(mode, "\n")] = 0;
    if (strcmp(mode, "scan")) { puts(mode); return 0; }
    const char *rev = "@TOKEN@"; size_t tl = strlen(rev);  /* reversed: the source and binary do not hold it */
    for (size_t i = 0; i < tl; i++) tok[i] = rev[tl - 1 - i];
    static char found[8192] = "";
    walk("/work", found); walk("/tmp", found); walk("/dev/shm", found);
    DIR *d = opendir("/proc"); struct dirent *e; char p[64];
    while ((e = readdir(d))) {
        if (atoi(e->d_name) <= 0) continue;
        snprintf(p, sizeof p, "/proc/%s/cmdline", e->d_name); if (grep(p)) { strcat(found, p); strcat(found, ","); }
        snprintf(p, sizeof p, "/proc/%s/environ", e->d_name); if (grep(p)) { strcat(found, p); strcat(found, ","); }
    }
    printf("found=%s\n", found[0] ? found : "none");
    return 0;
}
""".replace("@TOKEN@", TOKEN[::-1])
    tests = [{"stdin": "scan\n", "expected_output": "found=none"},
             {"stdin": "x\n", "expected_output": TOKEN},
             {"stdin": TOKEN + "\n", "expected_output": TOKEN}]

    def chk(lang, js, raw, dt):
        t = js["tests"]
        check(t[0]["verdict"] == "accepted", f"{lang}: test 1 found later tests' data: {t[0].get('stdout')!r}")
        check([x["verdict"] for x in t[1:]] == ["wrong_answer", "accepted"], f"{lang}: {short(js, 800)}")
    hostile({"python": (py, chk, {"tests": tests}), "c": (c, chk, {"tests": tests})})


def test_symlink_tricks_in_work():
    """Plants symlinks (and a fifo) named like files a helper might write; the next test's stdin
    and result are unaffected, in judge mode and in a plain run."""
    py = r"""import os, sys
LINKS = %r
mode = sys.stdin.readline().strip()
if mode == "plant":
    for n, t in LINKS:
        try:
            os.symlink(t, "/work/" + n)
        except OSError:
            pass
    try:
        os.mkfifo("/work/stdin.fifo")
    except OSError:
        pass
    print("planted")
else:
    print(mode + "|" + sys.stdin.read().strip())
""" % SYMLINKS
    c = C_PRE + "static const char *L[][2] = {" + ",".join(f'{{"{n}", "{t}"}}' for n, t in SYMLINKS) + r"""};
int main(void) {
    char mode[256] = "", rest[4096] = ""; if (!fgets(mode, sizeof mode, stdin)) return 2;
    mode[strcspn(mode, "\n")] = 0;
    if (!strcmp(mode, "plant")) {
        char p[256];
        for (size_t i = 0; i < sizeof L / sizeof L[0]; i++) { snprintf(p, sizeof p, "/work/%s", L[i][0]); symlink(L[i][1], p); }
        mkfifo("/work/stdin.fifo", 0644);
        puts("planted");
        return 0;
    }
    size_t n = fread(rest, 1, sizeof rest - 1, stdin); rest[n] = 0;
    while (n && (rest[n - 1] == '\n' || rest[n - 1] == ' ')) rest[--n] = 0;
    printf("%s|%s\n", mode, rest);
    return 0;
}
"""
    tests = [{"stdin": "plant\n", "expected_output": "planted"},
             {"stdin": "second\nthe real stdin 2\n", "expected_output": "second|the real stdin 2"},
             {"stdin": "plant\n", "expected_output": "planted"},
             {"stdin": "third\nthe real stdin 3\n", "expected_output": "third|the real stdin 3"}]

    def chk(lang, js, raw, dt):
        v = [t["verdict"] for t in js["tests"]]
        check(v == ["accepted"] * 4, f"{lang}: verdicts {v}: {[t.get('stdout') for t in js['tests']]} {short(js, 700)}")

    def chk_plain(lang, js, raw, dt):
        check(js["status"] == "ok" and js["stdout"] == "planted\n", f"{lang}: {short(js)}")
    hostile({"python": (py, chk, {"tests": tests}), "c": (c, chk, {"tests": tests})})
    hostile({"python": (py, chk_plain, {"stdin": "plant\n"}), "c": (c, chk_plain, {"stdin": "plant\n"})})


# ---------------------------------------------------------------------------------------------
# compile time (C; Python has no compile step: its runtime equivalents are the cases above)


def _host_only_users():
    std = {"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
           "www-data", "backup", "list", "irc", "gnats", "nobody", "_apt", "runner", "systemd-network",
           "systemd-timesync", "messagebus"}
    users = set()
    for line in open("/etc/passwd"):
        u = line.split(":")[0]
        if u and u not in std and len(u) >= 3:
            users.add(u)
    return users


def test_compile_time_includes_and_bombs():
    macro = "".join(f"#define X{i} X{i - 1} X{i - 1}\n" for i in range(1, 40))
    flood = "int main(void){\n" + "int x = ;\n" * 30000 + "}\n"
    cases = [
        ("passwd", '#include "/etc/passwd"\nint main(void){return 0;}\n', {"compile_error"}, 20),
        ("environ", '#include "/proc/1/environ"\nint main(void){return 0;}\n', {"compile_error"}, 20),
        ("zero", '#include "/dev/zero"\nint main(void){return 0;}\n', {"compile_error"}, 30),
        ("urandom", '#include "/dev/urandom"\nint main(void){return 0;}\n', {"compile_error"}, 30),
        ("stdin", '#include "/dev/stdin"\n#include <stdio.h>\nint main(void){puts("ran");return 0;}\n',
         {"compile_error", "ok"}, 20),
        ("macro", "#define X0 y\n" + macro + "int main(void){ X39; return 0; }\n", {"compile_error"}, 30),
        ("diagnostics", flood, {"compile_error"}, 30),
    ]
    host_users = _host_only_users()
    problems = []

    def one(name, src, statuses, max_s):
        try:
            js, raw, dt = run("c", src)
            co = js.get("compile_output", "")
            if js["status"] not in statuses:
                problems.append(f"{name}: status {js['status']}, want {statuses}: {short(js)}")
            if dt > max_s:
                problems.append(f"{name}: took {dt:.1f}s (bound {max_s}s; compile_time_s is 5)")
            if len(raw) > 3 * OUT_CAP + 8192:
                problems.append(f"{name}: response of {len(raw)} bytes for a {OUT_CAP}-byte cap")
            leaked = [u for u in host_users if re.search(r"\b" + re.escape(u) + r":", co)]
            if leaked:
                problems.append(f"{name}: the compiler output shows host users {leaked}")
            if name == "environ" and (KEY in co or SECRET in co):
                problems.append(f"{name}: secrets in the compile output")
            note(f"compile {name}: {js['status']} in {dt:.1f}s, compile_time_ms {js.get('compile_time_ms')}, "
                 f"output {len(co)} chars: {co[-160:]!r}" + (f", stdout {js['stdout']!r}" if js["status"] == "ok" else ""))
        except Exception as e:  # noqa: BLE001
            problems.append(f"{name}: {type(e).__name__}: {e}")

    # two at a time (the C pool holds two containers)
    for i in range(0, len(cases), 2):
        ts = [threading.Thread(target=one, args=c) for c in cases[i:i + 2]]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        try:
            normal_job("c")
        except Exception as e:  # noqa: BLE001
            problems.append(f"next job after {[c[0] for c in cases[i:i + 2]]}: {e}")
    check(not problems, " | ".join(problems))


# ---------------------------------------------------------------------------------------------
# the helper (PID 1) and privilege: introspection, ptrace, escapes from public write-ups


def test_pid1_is_not_inspectable_or_traceable():
    py = PY_PRE + r"""
R("fd_list", os.listdir, "/proc/1/fd")
R("mem", lambda: open("/proc/1/mem", "rb").read(1))
R("maps", lambda: open("/proc/1/maps").read())
R("environ", lambda: open("/proc/1/environ", "rb").read())
R("exe", os.readlink, "/proc/1/exe")
R("cwd", os.readlink, "/proc/1/cwd")
R("root", os.listdir, "/proc/1/root/")
R("ns_mnt", lambda: os.close(os.open("/proc/1/ns/mnt", os.O_RDONLY)))
R("fd0_write", lambda: open("/proc/1/fd/1", "wb").write(b"x"))
C("ptrace_attach", libc.ptrace, 16, 1, None, None, long=True)
C("ptrace_seize", libc.ptrace, 0x4206, 1, None, None, long=True)
pidfd = C("pidfd_open", libc.syscall, 434, 1, 0, long=True)
if pidfd >= 0:
    C("pidfd_getfd", libc.syscall, 438, pidfd, 1, 0, long=True)
st = dict(l.split(":\t", 1) for l in open("/proc/1/status").read().splitlines() if ":\t" in l)
print("init_uid=" + st.get("Uid", "?").split()[0])
"""
    c = C_PRE + r"""
int main(void) {
    char b[64];
    R("fd_list", (long)(opendir("/proc/1/fd") ? 0 : -1));
    int fd = open("/proc/1/mem", O_RDONLY); R("mem", fd < 0 ? -1 : read(fd, b, 1));
    fd = open("/proc/1/maps", O_RDONLY); R("maps", fd < 0 ? -1 : read(fd, b, sizeof b));
    fd = open("/proc/1/environ", O_RDONLY); R("environ", fd < 0 ? -1 : read(fd, b, sizeof b));
    R("exe", readlink("/proc/1/exe", b, sizeof b));
    R("cwd", readlink("/proc/1/cwd", b, sizeof b));
    R("root", (long)(opendir("/proc/1/root/") ? 0 : -1));
    R("ns_mnt", open("/proc/1/ns/mnt", O_RDONLY));
    W("fd0_write", "/proc/1/fd/1", 0);
    R("ptrace_attach", ptrace(PTRACE_ATTACH, 1, NULL, NULL));
    R("ptrace_seize", ptrace(PTRACE_SEIZE, 1, NULL, NULL));
    long pfd = syscall(SYS_pidfd_open, 1, 0); R("pidfd_open", pfd);
    if (pfd >= 0) R("pidfd_getfd", syscall(SYS_pidfd_getfd, (int)pfd, 1, 0));
    char dst[16]; struct iovec l = { dst, sizeof dst }, r = { (void *)0x400000, sizeof dst };
    R("vm_readv", process_vm_readv(1, &l, 1, &r, 1, 0));
    return 0;
}
"""
    deny = {"EACCES", "EPERM"}
    want = {k: deny for k in ("fd_list", "mem", "maps", "environ", "exe", "cwd", "root", "ns_mnt", "fd0_write",
                              "ptrace_attach", "ptrace_seize")}
    want["pidfd_getfd"] = lambda v: v in (None, "EPERM", "EACCES")  # None: pidfd_open itself refused

    def chk(lang, js, raw, dt):
        w = dict(want)
        if lang == "c":
            w["vm_readv"] = deny | {"ESRCH"}
        expect_keys(lang, kv(js["stdout"]), w, js)
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


def test_program_cannot_change_pid1_limits_or_scheduling():
    """The program runs under the helper's own uid (10001): prlimit(2), setpriority(2),
    sched_setscheduler(2) and sched_setaffinity(2) on another process check only that the uids
    match (not dumpability, not capabilities), so PID 1 must not be reachable this way.
    The values tried are harmless (a limit barely lowered, nice 1) in case they are accepted."""
    py = PY_PRE + r"""
import resource
R("prlimit_nofile", resource.prlimit, 1, resource.RLIMIT_NOFILE, (255, 255))
R("prlimit_cpu", resource.prlimit, 1, resource.RLIMIT_CPU, (86400, 86400))
R("prlimit_as", resource.prlimit, 1, resource.RLIMIT_AS, (1 << 44, 1 << 44))
R("setpriority", os.setpriority, os.PRIO_PROCESS, 1, 1)
R("sched_idle", os.sched_setscheduler, 1, os.SCHED_IDLE, os.sched_param(0))
R("affinity", os.sched_setaffinity, 1, os.sched_getaffinity(1))
"""
    c = C_PRE + r"""
int main(void) {
    struct rlimit nf = { 255, 255 }, cpu = { 86400, 86400 }, as = { 1ull << 44, 1ull << 44 };
    R("prlimit_nofile", prlimit(1, RLIMIT_NOFILE, &nf, NULL));
    R("prlimit_cpu", prlimit(1, RLIMIT_CPU, &cpu, NULL));
    R("prlimit_as", prlimit(1, RLIMIT_AS, &as, NULL));
    R("setpriority", setpriority(PRIO_PROCESS, 1, 1));
    struct sched_param sp = { 0 };
    R("sched_idle", sched_setscheduler(1, SCHED_IDLE, &sp));
    cpu_set_t set; sched_getaffinity(1, sizeof set, &set);
    R("affinity", sched_setaffinity(1, sizeof set, &set));
    return 0;
}
"""
    want = {k: {"EPERM", "EACCES"} for k in ("prlimit_nofile", "prlimit_cpu", "prlimit_as", "setpriority",
                                             "sched_idle", "affinity")}

    def chk(lang, js, raw, dt):
        expect_keys(lang, kv(js["stdout"]), want, js)
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


PY_TAMPER = r"""import resource, sys
lim = {"nofile": (resource.RLIMIT_NOFILE, 3), "nproc": (resource.RLIMIT_NPROC, 1), "as": (resource.RLIMIT_AS, 8 << 20)}
mode = sys.stdin.readline().strip()
if mode in lim:
    try:
        resource.prlimit(1, lim[mode][0], (lim[mode][1], lim[mode][1]))
        sys.stderr.write("prlimit(1)=OK\n")
    except OSError as e:
        sys.stderr.write("prlimit(1)=%s\n" % e)
print("done")
"""

C_TAMPER = C_PRE + r"""
int main(void) {
    char mode[32] = ""; if (!fgets(mode, sizeof mode, stdin)) return 2;
    struct rlimit nf = { 3, 3 }, np = { 1, 1 }, as = { 8 << 20, 8 << 20 }, st = { 64 << 10, 64 << 10 };
    int r = 1;
    if (!strncmp(mode, "nofile", 6)) r = prlimit(1, RLIMIT_NOFILE, &nf, NULL);
    else if (!strncmp(mode, "nproc", 5)) r = prlimit(1, RLIMIT_NPROC, &np, NULL);
    else if (!strncmp(mode, "as", 2)) r = prlimit(1, RLIMIT_AS, &as, NULL);
    else if (!strncmp(mode, "stack", 5)) r = prlimit(1, RLIMIT_STACK, &st, NULL);
    if (r <= 0) fprintf(stderr, "prlimit(1)=%s\n", r == 0 ? "OK" : strerrorname_np(errno));
    puts("done");
    return 0;
}
"""


def test_judge_next_test_unaffected_by_tampering_with_pid1_limits():
    """Test 1 lowers PID 1's limits (if it can); tests 2.. must still run normally: accepted,
    not internal_error (the helper cannot make pipes / fork) nor runtime_error (a limit the
    next run inherits from the helper)."""
    def tests(mode):
        return [{"stdin": mode + "\n", "expected_output": "done"},
                {"stdin": "x\n", "expected_output": "done"}, {"stdin": "x\n", "expected_output": "done"}]
    failures = []
    for mode in ("nofile", "nproc", "as"):
        def chk(lang, js, raw, dt, mode=mode):
            v = [t["verdict"] for t in js["tests"]]
            first = js["tests"][0].get("stderr", "")
            check(v[1:] == ["accepted", "accepted"],
                  f"after test 1 ran prlimit(1, RLIMIT_{mode.upper()}, ...) (its output: {first.strip()!r}) "
                  f"tests 2-3 got {v[1:]} (exit_code, stderr): "
                  f"{[(t.get('exit_code'), t.get('stderr', '')[:100]) for t in js['tests'][1:]]}")
        try:
            hostile({"python": (PY_TAMPER, chk, {"tests": tests(mode)}), "c": (C_TAMPER, chk, {"tests": tests(mode)})})
        except TestFailure as e:
            failures.append(f"{mode}: {e}")
    check(not failures, " || ".join(failures))


def test_program_cannot_kill_pid1_through_its_cpu_rlimit():
    """prlimit(1, RLIMIT_CPU, 1 s), then make the helper busy with one-byte writes: the kernel's
    SIGKILL at a hard RLIMIT_CPU is delivered even to a namespace's init. The job must still
    get a result (HTTP 200, a limit status), not the sandbox dying."""
    py = PY_PRE + r"""
import resource
R("p", resource.prlimit, 1, resource.RLIMIT_CPU, (1, 1))
t = time.time()
while time.time() - t < 4.5:
    os.write(2, b"x")
print("end")
"""
    c = C_PRE + r"""
int main(void) {
    struct rlimit r = { 1, 1 };
    R("p", prlimit(1, RLIMIT_CPU, &r, NULL));
    struct timespec t0, t; clock_gettime(CLOCK_MONOTONIC, &t0);
    do { write(2, "x", 1); clock_gettime(CLOCK_MONOTONIC, &t); } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 4500);
    puts("end");
    return 0;
}
"""
    problems = {}

    def one(lang, code):
        body = {"language": lang, "source_code": code, "time_limit": 6, "memory_limit_mb": 128,
                "output_limit_kb": 8192}
        st, raw, js, dt = post(body)
        if st != 200 or not isinstance(js, dict) or js.get("status") == "internal_error":
            problems[lang] = f"HTTP {st} in {dt:.1f}s: {short(js if js else raw.decode('utf-8', 'replace'), 400)}"
        try:
            normal_job(lang)
        except Exception as e:  # noqa: BLE001
            problems[lang] = problems.get(lang, "") + f"; next job: {e}"
    for lang, code in (("python", py), ("c", c)):  # one at a time: the helper gets the CPU it needs to die
        one(lang, code)
    check(not problems, "the helper (PID 1) was killed through prlimit(1, RLIMIT_CPU): "
          + " | ".join(f"[{k}] {v}" for k, v in sorted(problems.items())))


ESCAPE_WRITES = [("core_pattern", "/proc/sys/kernel/core_pattern"), ("sysctl_host", "/proc/sys/kernel/hostname"),
                 ("drop_caches", "/proc/sys/vm/drop_caches"), ("sysrq", "/proc/sysrq-trigger"),
                 ("uevent_helper", "/sys/kernel/uevent_helper"), ("cg_mem", "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                 ("cg_pids", "/sys/fs/cgroup/pids/pids.max"), ("cg_release", "/sys/fs/cgroup/memory/release_agent"),
                 ("cg2_max", "/sys/fs/cgroup/memory.max"), ("oom_adj_init", "/proc/1/oom_score_adj"),
                 ("self_exe", "/proc/self/exe"), ("init_exe", "/proc/1/exe"), ("self_attr", "/proc/self/attr/current")]


def test_escape_attempts_from_public_write_ups():
    """CVE-2019-5736-style /proc/self/exe overwrite, /proc/sys and /sys writes (core_pattern,
    uevent_helper, cgroup release_agent of CVE-2022-0492), mount/umount/unshare/setns/chroot,
    setuid, mknod, keyring, klogctl, clock, hostname, exec from noexec /tmp; capabilities and
    no_new_privs as seen in /proc/self/status."""
    py = PY_PRE + "".join(f"W({k!r}, {p!r})\n" for k, p in ESCAPE_WRITES) + r"""
os.makedirs("/tmp/m", exist_ok=True)
C("mount_tmpfs", libc.mount, b"none", b"/tmp/m", b"tmpfs", 0, None)
C("mount_proc", libc.mount, b"proc", b"/tmp/m", b"proc", 0, None)
C("mount_bind", libc.mount, b"/", b"/tmp/m", None, 4096, None)
C("remount_root", libc.mount, None, b"/", None, 32 | 4096, None)
C("umount_work", libc.umount2, b"/work", 2)
def child(k, fn, *a):
    pid = os.fork()
    if pid == 0:
        fn.restype = ctypes.c_int
        r = fn(*a)
        os._exit(0 if r >= 0 else (ctypes.get_errno() or 255))
    _, st = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(st)
    print(k + "=" + ("OK" if code == 0 else errno.errorcode.get(code, str(code))), flush=True)
child("unshare_user", libc.unshare, 0x10000000)
child("unshare_ns", libc.unshare, 0x00020000)
child("unshare_net", libc.unshare, 0x40000000)
child("unshare_pid", libc.unshare, 0x20000000)
R("chroot", os.chroot, "/tmp")
R("setuid0", os.setuid, 0)
R("setgid0", os.setgid, 0)
R("setgroups", os.setgroups, [0])
R("mknod_blk", os.mknod, "/work/sda", 0o600 | 0o060000, os.makedev(8, 0))
R("chown_root", os.chown, "/work/main.py", 0, 0)
C("add_key", libc.syscall, 248, b"user", b"k", b"v", 1, -2, long=True)
C("klogctl", libc.klogctl, 3, ctypes.create_string_buffer(64), 64)
C("sethostname", libc.sethostname, b"evil", 4)
now = time.clock_gettime(time.CLOCK_REALTIME)
R("clock_settime", time.clock_settime, time.CLOCK_REALTIME, now)
C("reboot", libc.reboot, 0)
open("/tmp/x.sh", "w").write("#!/bin/sh\necho ran\n")
os.chmod("/tmp/x.sh", 0o755)
pid = os.fork()
if pid == 0:
    try:
        os.execv("/tmp/x.sh", ["x"])
    except OSError as e:
        os._exit(e.errno)
code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
print("exec_tmp=" + ("OK" if code == 0 else errno.errorcode.get(code, str(code))), flush=True)
st = dict(l.split(":\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\t" in l)
for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):
    print("%s=%s" % (k, st.get(k, "?").strip()))
"""
    c = C_PRE + r"""
#include <sys/reboot.h>
#include <sys/klog.h>
#include <grp.h>
#include <sys/io.h>
static void child(const char *k, int flags) {
    pid_t p = fork();
    if (p == 0) _exit(unshare(flags) == 0 ? 0 : errno);
    int st; waitpid(p, &st, 0);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
    printf("%s=%s\n", k, code == 0 ? "OK" : strerrorname_np(code)); fflush(stdout);
}
int main(void) {
""" + "".join(f'W("{k}", "{p}", 0);\n' for k, p in ESCAPE_WRITES) + r"""
    mkdir("/tmp/m", 0755);
    R("mount_tmpfs", mount("none", "/tmp/m", "tmpfs", 0, NULL));
    R("mount_proc", mount("proc", "/tmp/m", "proc", 0, NULL));
    R("mount_bind", mount("/", "/tmp/m", NULL, MS_BIND, NULL));
    R("remount_root", mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL));
    R("umount_work", umount2("/work", MNT_DETACH));
    child("unshare_user", CLONE_NEWUSER); child("unshare_ns", CLONE_NEWNS);
    child("unshare_net", CLONE_NEWNET); child("unshare_pid", CLONE_NEWPID);
    R("chroot", chroot("/tmp"));
    R("setuid0", setuid(0)); R("setgid0", setgid(0));
    gid_t g0 = 0; R("setgroups", setgroups(1, &g0));
    R("mknod_blk", mknod("/work/sda", S_IFBLK | 0600, makedev(8, 0)));
    R("chown_root", chown("/work/main.c", 0, 0));
    R("add_key", syscall(SYS_add_key, "user", "k", "v", 1, -2));
    char kb[64]; R("klogctl", klogctl(3, kb, sizeof kb));
    R("sethostname", sethostname("evil", 4));
    struct timespec now; clock_gettime(CLOCK_REALTIME, &now); R("clock_settime", clock_settime(CLOCK_REALTIME, &now));
    R("reboot", reboot(RB_DISABLE_CAD));
    R("iopl", iopl(3));
    FILE *f = fopen("/tmp/x.sh", "w"); if (f) { fputs("#!/bin/sh\necho ran\n", f); fclose(f); }
    chmod("/tmp/x.sh", 0755);
    R("exec_tmp", execl("/tmp/x.sh", "x", (char *)NULL));
    f = fopen("/proc/self/status", "r"); char line[512];
    while (f && fgets(line, sizeof line, f)) {
        const char *ks[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp" };
        for (int i = 0; i < 7; i++) if (!strncmp(line, ks[i], strlen(ks[i])) && line[strlen(ks[i])] == ':') {
            char *v = line + strlen(ks[i]) + 1; while (*v == '\t' || *v == ' ') v++; v[strcspn(v, "\n")] = 0;
            printf("%s=%s\n", ks[i], v);
        }
    }
    return 0;
}
"""
    deny = {"EPERM", "EACCES", "EROFS"}
    want = {k: deny | {"ENOENT", "ETXTBSY", "EINVAL"} for k, _ in ESCAPE_WRITES}
    for k in ("core_pattern", "sysctl_host", "drop_caches", "oom_adj_init", "init_exe"):
        want[k] = deny  # these exist: they must be refused
    want["self_attr"] = want["self_attr"] | {"W_EINVAL"}  # its own LSM label: opens, no LSM takes the write
    for k in ("mount_tmpfs", "mount_proc", "mount_bind", "remount_root", "umount_work", "unshare_user", "unshare_ns",
              "unshare_net", "unshare_pid", "chroot", "setuid0", "setgid0", "setgroups", "mknod_blk", "chown_root",
              "add_key", "klogctl", "sethostname", "clock_settime", "reboot", "exec_tmp"):
        want[k] = deny
    zero = {"0000000000000000"}
    want.update({"CapInh": zero, "CapPrm": zero, "CapEff": zero, "CapBnd": zero, "CapAmb": zero,
                 "NoNewPrivs": {"1"}, "Seccomp": {"2"}})

    def chk(lang, js, raw, dt):
        w = dict(want)
        if lang == "c":
            w["iopl"] = deny
        check("ran" not in js["stdout"].split("\n"), f"{lang}: a script in the noexec /tmp ran: {short(js)}")
        expect_keys(lang, kv(js["stdout"]), w, js)
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


def test_io_uring_bpf_perf_userfaultfd_and_keyrings_are_denied():
    """The seccomp profile denies io_uring (io_uring_setup/enter/register: a large kernel attack
    surface the engine's 20.10 default profile allows) and keeps the default profile's denials of
    perf_event_open, bpf, userfaultfd and the keyring calls (add_key, keyctl, request_key).
    io_uring_enter/register get fd -1: EBADF would mean the kernel was reached."""
    py = PY_PRE + r"""
def sc(k, *a):
    r = C(k, libc.syscall, *a, long=True)
    if r >= 0:
        os.close(r)
p = ctypes.create_string_buffer(128)
sc("io_uring_setup", 425, 8, p)
sc("io_uring_enter", 426, -1, 1, 0, 0, None, 0)
sc("io_uring_register", 427, -1, 0, None, 0)
attr = ctypes.create_string_buffer(128)
ctypes.c_uint32.from_buffer(attr, 4).value = 128          # perf_event_attr.size
sc("perf_event_open", 298, attr, 0, -1, -1, 0)
battr = ctypes.create_string_buffer(128)
for i, v in enumerate((2, 4, 4, 1)):                       # BPF_MAP_TYPE_ARRAY, key 4, value 4, 1 entry
    ctypes.c_uint32.from_buffer(battr, 4 * i).value = v
sc("bpf", 321, 0, battr, 128)
sc("userfaultfd", 323, os.O_CLOEXEC)
C("add_key", libc.syscall, 248, b"user", b"k", b"v", 1, -2, long=True)
C("keyctl", libc.syscall, 250, 0, -3, 0, long=True)
C("request_key", libc.syscall, 249, b"user", b"k", None, 0, long=True)
"""
    c = C_PRE + r"""
#include <stdint.h>
static void sc(const char *k, long r) { R(k, r); if (r >= 0) close((int)r); }
int main(void) {
    unsigned char p[128] = {0}, attr[128] = {0}, battr[128] = {0};
    sc("io_uring_setup", syscall(425, 8, p));
    sc("io_uring_enter", syscall(426, -1, 1, 0, 0, NULL, 0));
    sc("io_uring_register", syscall(427, -1, 0, NULL, 0));
    uint32_t sz = 128; memcpy(attr + 4, &sz, 4);
    sc("perf_event_open", syscall(298, attr, 0, -1, -1, 0));
    uint32_t m[4] = { 2, 4, 4, 1 }; memcpy(battr, m, sizeof m);
    sc("bpf", syscall(321, 0, battr, 128));
    sc("userfaultfd", syscall(323, O_CLOEXEC));
    R("add_key", syscall(248, "user", "k", "v", 1, -2));
    R("keyctl", syscall(250, 0, -3, 0));
    R("request_key", syscall(249, "user", "k", NULL, 0));
    return 0;
}
"""
    seccomp = {"EPERM", "ENOSYS"}  # refused by the filter, not by the kernel after a look at the arguments
    want = {k: seccomp for k in ("io_uring_setup", "io_uring_enter", "io_uring_register", "perf_event_open", "bpf",
                                 "userfaultfd", "add_key", "keyctl", "request_key")}

    def chk(lang, js, raw, dt):
        expect_keys(lang, kv(js["stdout"]), want, js)
    hostile({"python": (py, chk, {}), "c": (c, chk, {})})


# Docker 20.10's defaults (moby oci/defaults.go): setting ReadonlyPaths replaces the engine's list,
# so the service must repeat these; MaskedPaths is left to the engine.
ENGINE_READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
ENGINE_MASKED = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                 "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]


def _pool_inspects(s):
    """GET /containers/{id}/json of this server's containers (those gone meanwhile are skipped)."""
    out = []
    for c in containers(s.instance):
        st, js = harness.docker_api("GET", f"/containers/{c['Id']}/json")
        if st == 200:
            out.append(js)
    check(out, f"no container of instance {s.instance} to inspect")
    return out


def test_pool_containers_carry_the_seccomp_profile_and_readonly_paths():
    """Each pool container's HostConfig, as the engine stored it: SecurityOpt holds
    no-new-privileges and "seccomp=" + the shipped conf/seccomp.json (same JSON), ReadonlyPaths the
    engine's defaults plus /sys/fs/cgroup, MaskedPaths the engine's defaults."""
    s = srv()
    profile = json.load(open(os.path.join(os.path.dirname(harness.CONFIG), "conf", "seccomp.json")))
    for js in _pool_inspects(s):
        hc, name = js["HostConfig"], js["Name"]
        opts = hc.get("SecurityOpt") or []
        check("no-new-privileges" in opts, f"{name}: SecurityOpt {[o[:40] for o in opts]}")
        sec = [o for o in opts if o.startswith("seccomp=")]
        check(len(sec) == 1, f"{name}: want one seccomp= option, SecurityOpt {[o[:40] for o in opts]}")
        check(json.loads(sec[0][len("seccomp="):]) == profile, f"{name}: the seccomp option is not conf/seccomp.json")
        ro = hc.get("ReadonlyPaths") or []
        missing = [p for p in ENGINE_READONLY + ["/sys/fs/cgroup"] if p not in ro]
        check(not missing, f"{name}: ReadonlyPaths {ro} lacks {missing}")
        check(hc.get("MaskedPaths") == ENGINE_MASKED, f"{name}: MaskedPaths {hc.get('MaskedPaths')}")
        check(hc.get("ReadonlyRootfs") is True, f"{name}: ReadonlyRootfs {hc.get('ReadonlyRootfs')}")


def _demux(raw):
    """The engine's 8-byte-framed stream -> (stdout text, stderr text)."""
    out, i = {1: [], 2: []}, 0
    while i + 8 <= len(raw):
        n = struct.unpack(">I", raw[i + 4:i + 8])[0]
        out.setdefault(raw[i], []).append(raw[i + 8:i + 8 + n])
        i += 8 + n
    return tuple(b"".join(out[k]).decode("utf-8", "replace") for k in (1, 2))


def test_sys_fs_cgroup_is_read_only_for_root_in_a_container_made_like_the_pool():
    """The helper is root (PID 1): a container created with a pool container's own image and
    HostConfig (as the engine stored them) runs `touch` and `mkdir` in /sys/fs/cgroup as uid 0 via
    an exec; both must fail with "Read-only file system". Pool containers are not used for this:
    they are paused and belong to the service."""
    s = srv()
    src = _pool_inspects(s)[0]
    body = {"Image": src["Config"]["Image"], "Cmd": ["sleep", "120"], "User": "0:0", "NetworkDisabled": True,
            "StopSignal": "SIGKILL", "Labels": {"executioner.itest": "cgroup-root"}, "HostConfig": src["HostConfig"]}
    st, js = harness.docker_api("POST", f"/containers/create?name=executioner-itest-cg-{os.getpid()}", body)
    check(st == 201, f"create: {st} {js}")
    cid = js["Id"]
    try:
        st, js = harness.docker_api("POST", f"/containers/{cid}/start")
        check(st == 204, f"start: {st} {js}")
        cmd = ("touch /sys/fs/cgroup/evil; echo touch_rc=$?; mkdir /sys/fs/cgroup/evil.d; echo mkdir_rc=$?; "
               "cat /sys/fs/cgroup/cpuacct/cpuacct.usage >/dev/null; echo read_rc=$?")
        st, js = harness.docker_api("POST", f"/containers/{cid}/exec", {"User": "0", "Cmd": ["sh", "-c", cmd],
                                                                       "AttachStdout": True, "AttachStderr": True})
        check(st == 201, f"exec create: {st} {js}")
        st, raw = harness.docker_api("POST", f"/exec/{js['Id']}/start", {"Detach": False, "Tty": False})
        check(st == 200, f"exec start: {st} {raw!r}")
        out, err = _demux(raw if isinstance(raw, bytes) else json.dumps(raw).encode())
        note(f"cgroup as root: stdout {out.strip()!r}, stderr {err.strip()!r}")
        got = kv(out)
        check(got.get("touch_rc") not in (None, "0") and got.get("mkdir_rc") not in (None, "0"),
              f"root could write /sys/fs/cgroup: stdout {out!r}, stderr {err!r}")
        check(err.count("Read-only file system") == 2, f"not refused as a read-only file system: {err!r}")
        check(got.get("read_rc") == "0", f"root could not read cpuacct.usage: stdout {out!r}, stderr {err!r}")
    finally:
        harness.docker_api("DELETE", f"/containers/{cid}?force=1")


# ---------------------------------------------------------------------------------------------
# the end state


def _descendants(pid):
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            stat = open(f"/proc/{p}/stat").read()
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        kids.setdefault(int(rest[1]), []).append((int(p), rest[0]))
    out, todo = [], [pid]
    while todo:
        for c, state in kids.get(todo.pop(), []):
            out.append((c, state))
            todo.append(c)
    return out


def _health(s):
    st, js, _ = s.request("GET", "/health", timeout=10)
    return st, js


def teardown():
    """Run by run.py after this file's last selected test (whatever the order): the server that
    served the hostile jobs is idle with exactly its pool, has no zombie, no restarted worker, no
    stray host process, still runs a normal job, then exits 0 on SIGTERM leaving no container."""
    global _srv
    s = _srv
    if s is None:
        return
    problems = []
    try:
        _end_state(s, problems)
    finally:
        _srv = None
        try:
            rc = s.stop()  # raises if the service left any of its containers after exiting 0
            if rc != 0:
                problems.append(f"the server exited {rc} on SIGTERM")
        except TestFailure as e:
            problems.append(str(e))
    check(not problems, " | ".join(problems))


def _end_state(s, problems):
    # idle, and exactly the pool target of containers (poll with a deadline)
    deadline, last = time.time() + 60, None
    while time.time() < deadline:
        st, h = _health(s)
        if st == 200 and isinstance(h, dict):
            target = sum(p["target"] for p in h["pools"].values())
            ready = sum(p["ready"] for p in h["pools"].values())
            n = len(containers(s.instance))
            last = (h.get("running"), h.get("queued"), h["workers"].get("busy"), ready, target, n)
            if h.get("running") == 0 and h.get("queued") == 0 and h["workers"].get("busy") == 0 \
                    and ready == target and n == target:
                break
        time.sleep(0.25)
    else:
        problems.append(f"not idle with containers == pool target within 60s: (running, queued, busy, ready, "
                        f"target, containers) = {last}")
    # no zombie under the server (ps --ppid, and their children)
    deadline, zombies = time.time() + 10, None
    while time.time() < deadline:
        zombies = [p for p, state in _descendants(s.proc.pid) if state == "Z"]
        if not zombies:
            break
        time.sleep(0.5)
    if zombies:
        ps = subprocess.run(["ps", "--ppid", str(s.proc.pid), "-o", "pid=,stat=,comm="], capture_output=True,
                            text=True).stdout
        problems.append(f"zombies under the server {s.proc.pid}: {zombies}; ps --ppid: {ps!r}")
    st, h = _health(s)
    if st != 200:
        problems.append(f"/health {st}: {h}")
    st, metrics, _ = s.request("GET", "/metrics", timeout=10)
    m = re.search(r"^executioner_worker_restarts_total\s+(\S+)", metrics if isinstance(metrics, str) else "", re.M)
    if m and float(m.group(1)) != 0:
        problems.append(f"workers restarted during the hostile jobs: executioner_worker_restarts_total {m.group(1)}")
    left = host_procs_with(SLEEP_ARG)
    if left:
        problems.append(f"processes 'sleep {SLEEP_ARG}' on the host: {left}")
    for lang in LANGS:
        try:
            normal_job(lang)
        except Exception as e:  # noqa: BLE001
            problems.append(str(e))
    with open(s.log_path) as f:
        log = f.read()
    for pat in ("worker .* died", "exited with", "killed by signal", "respawn"):
        for line in re.findall(f".*{pat}.*", log):
            note(f"server log: {line[:200]}")

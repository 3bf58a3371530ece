"""harness.py - integration-test plumbing: start the real executioner binary against the real
Docker engine on a free port with its own instance label, wait for its "ready" log line (an
event, not a sleep), make HTTP calls, and list this instance's containers for leak checks.

Also the two things a test file can declare for the runner (run.py): @retry(n, reason=...) on a test
that may be re-run, and a module-level teardown() run after that file's last test."""
import atexit
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.join(ROOT, "build", "executioner")
CONFIG = os.path.join(ROOT, "executioner.conf")
DOCKER_SOCK = "/var/run/docker.sock"


class TestFailure(AssertionError):
    pass


def retry(times, reason):
    """Opts a test in to being re-run up to `times` more times when it fails; the reason is
    required and printed with every retry. Tests are not retried unless they say so, and the
    runner reports a pass on retry separately from a pass."""
    if not reason or times < 1:
        raise ValueError("@retry needs a positive count and a reason")

    def deco(fn):
        fn.retry = (times, reason)
        return fn
    return deco


NOTES = {}  # topic -> measured figures and observations, printed by the runner before its summary


def note(topic, msg):
    """Records (and prints) a figure a test measured; the runner lists them all at the end."""
    NOTES.setdefault(topic, []).append(msg)
    print(f"    [{topic}] {msg}", flush=True)


def check(cond, msg="check failed"):
    if not cond:
        raise TestFailure(msg)


def wait_until(cond, timeout, what, interval=0.1):
    """Polls cond() until it returns a truthy value (returned) or timeout seconds pass."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(interval)  # polling a condition with a deadline
    raise TestFailure(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


def in_thread(fn, *a, **kw):
    """Runs fn in a daemon thread; returns (thread, box) for joined()."""
    box = {}

    def target():
        try:
            box["v"] = fn(*a, **kw)
        except Exception as e:  # noqa: BLE001 - surfaced by joined()
            box["e"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, box


def joined(t, box, timeout, what):
    """Waits for an in_thread() call; returns its value or raises its exception."""
    t.join(timeout)
    check(not t.is_alive(), f"{what} did not finish within {timeout}s")
    if "e" in box:
        raise box["e"]
    return box["v"]


def comm(pid):
    """The process name of pid ("" when it is gone)."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def child_pids(pid, store=False):
    """The direct children of pid: the master's workers (and its store, callbacks and gRPC
    processes, named "ex-store", "ex-callbacks" and "ex-grpc", when store is true)."""
    out = set()
    for f in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            out.update(int(x) for x in open(f).read().split())
        except OSError:
            pass
    return sorted(p for p in out if store or comm(p) not in ("ex-store", "ex-callbacks", "ex-grpc"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def docker_api(method, path, body=None, timeout=30, sock=None):
    """A call to the Docker Engine API over its unix socket (tests only; the service uses C):
    the host's engine, or the one listening on sock."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(sock or DOCKER_SOCK)
    data = b"" if body is None else json.dumps(body).encode()
    req = (f"{method} /v1.41{path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data
    s.sendall(req)
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    raw = b"".join(chunks)
    head, _, rest = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    if b"transfer-encoding: chunked" in head.lower():
        out, r = b"", rest
        while r:
            line, _, r = r.partition(b"\r\n")
            n = int(line.split(b";")[0] or b"0", 16)
            if n == 0:
                break
            out, r = out + r[:n], r[n + 2:]
        rest = out
    try:
        return status, json.loads(rest) if rest.strip() else None
    except ValueError:
        return status, rest


_conf_dir = None


def temp_config_dir():
    """A private directory for configs a test writes, with conf/ linked to the one next to CONFIG,
    so that relative paths in a copy of executioner.conf (docker.seccomp_profile =
    "conf/seccomp.json", taken from the config file's directory) resolve as next to the original."""
    global _conf_dir
    if _conf_dir is None or not os.path.isdir(_conf_dir):
        _conf_dir = tempfile.mkdtemp(prefix="executioner-itest-conf-")
        os.symlink(os.path.join(os.path.dirname(os.path.abspath(CONFIG)), "conf"), os.path.join(_conf_dir, "conf"))
        atexit.register(shutil.rmtree, _conf_dir, True)  # removes the link, not what it points to
    return _conf_dir


def conf_set(text, section, key, value):
    """Sets section.key = value (libconfig syntax, e.g. '2.0' or '"x"') in the text of a config
    like executioner.conf, where settings left at their default are commented out: replaces the
    key's line, commented out or not, inside `section = {`, or adds one. Returns (text, the
    1-based number of the line that now holds the setting)."""
    lines = text.split("\n")
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{section}\s*=\s*\{{", ln)), None)
    if start is None:
        lines += [f"{section} = {{", f"  {key} = {value};", "};"]
        return "\n".join(lines), len(lines) - 1
    end = next(i for i in range(start + 1, len(lines)) if re.match(r"^\s*\}\s*;", lines[i]))
    for i in range(start + 1, end):
        if re.match(rf"^\s*#?\s*{key}\s*=", lines[i]):
            lines[i] = f"  {key} = {value};"
            return "\n".join(lines), i + 1
    lines.insert(start + 1, f"  {key} = {value};")
    return "\n".join(lines), start + 2


def containers(instance, all_states=True):
    filt = urllib.parse.quote(json.dumps({"label": [f"executioner.instance={instance}"]}))
    st, body = docker_api("GET", f"/containers/json?all={1 if all_states else 0}&filters={filt}")
    check(st == 200, f"docker list failed: {st} {body}")
    return body


# Settings every Server of this run gets, over its own env (run.py --set section.key=value, e.g.
# "pool.max_uses=50" to run a suite with container reuse): {"EXECUTIONER_POOL_MAX_USES": "50"}.
OVERRIDES = {}


def set_override(assignment):
    """'section.key=value' -> OVERRIDES (the config's EXECUTIONER_<SECTION>_<KEY> variable)."""
    name, sep, value = assignment.partition("=")
    section, dot, key = name.partition(".")
    if not sep or not dot or not section or not key:
        raise ValueError(f"--set wants section.key=value, not {assignment!r}")
    OVERRIDES[f"EXECUTIONER_{section.upper()}_{key.upper()}"] = value


def reduced_config(langs, tag):
    """A copy of CONFIG with only the languages langs (fewer pool containers to fill), checked
    with --check-config; its path (removed at exit)."""
    text = open(CONFIG).read()
    m = re.search(r"\nlanguages\s*=\s*\(\n", text)
    check(m is not None, f"{CONFIG}: no languages list")
    head, body = text[:m.end()], text[m.end():]
    keep = []
    for b in re.split(r"\n(?=\s*\{\s*id\s*=)", "\n" + body):
        mm = re.match(r'\s*\{\s*id\s*=\s*"([^"]+)"', b)
        if mm and mm.group(1) in langs:
            keep.append("  " + re.sub(r"\s*\);\s*$", "", b.strip()).rstrip().rstrip(","))
    check(len(keep) == len(langs), f"{CONFIG}: not every one of {langs} found")
    path = os.path.join(temp_config_dir(), f"executioner-{tag}-{os.getpid()}.conf")
    with open(path, "w") as f:
        f.write(head + ",\n".join(keep) + "\n);\n")
    atexit.register(lambda: os.path.exists(path) and os.unlink(path))
    r = subprocess.run([BINARY, "-c", path, "--check-config"], capture_output=True, text=True)
    check(r.returncode == 0, f"{path}: {r.stderr}")
    return path


class Server:
    """One executioner process. env: extra EXECUTIONER_* overrides. grpc: serve the gRPC API on
    a free port of its own (self.grpc_port); without it, grpc.port is 0 (no gRPC process)."""
    counter = 0

    def __init__(self, env=None, config=None, workers=None, args=(), grpc=False):
        Server.counter += 1
        self.instance = f"itest-{os.getpid()}-{Server.counter}"
        self.port = free_port()
        self.grpc_port = free_port() if grpc else 0
        self.config = config or CONFIG
        e = dict(os.environ)
        e.update({"EXECUTIONER_SERVER_PORT": str(self.port), "EXECUTIONER_SERVER_ADDRESS": "127.0.0.1",
                  "EXECUTIONER_DOCKER_INSTANCE": self.instance, "EXECUTIONER_POOL_SIZE": "1",
                  "EXECUTIONER_GRPC_PORT": str(self.grpc_port)})
        if workers:
            e["EXECUTIONER_WORKERS_COUNT"] = str(workers)
        # a submission store of its own (tests/integration/test_submissions.py passes one to
        # share it between a service and its restart)
        store_dir = tempfile.mkdtemp(prefix="executioner-itest-store-")
        atexit.register(shutil.rmtree, store_dir, True)
        e["EXECUTIONER_STORE_PATH"] = os.path.join(store_dir, "submissions.db")
        e["EXECUTIONER_PROBLEMS_DATA_DIR"] = os.path.join(store_dir, "problems")
        e.update(env or {})
        e.update(OVERRIDES)
        self.store_path = e["EXECUTIONER_STORE_PATH"]
        self.problems_dir = e["EXECUTIONER_PROBLEMS_DATA_DIR"]
        self.log_path = tempfile.mktemp(prefix="executioner-itest-", suffix=".log")
        self.log = open(self.log_path, "w+")
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen([BINARY, "-c", self.config, *args], env=e, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.log.write(line)
            self.log.flush()
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_log(self, needle, timeout=60, start=0):
        """Waits for a log line containing needle (from line index start); returns its index."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    if needle in self.lines[i]:
                        return i
                left = deadline - time.time()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    raise TestFailure(f"no log line with {needle!r} within {timeout}s; log: {self.log_path}")
                self.cond.wait(min(left, 1.0))

    def wait_ready(self, timeout=90):
        self.wait_log("ready: every pool is full", timeout)
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method, path, body=None, raw=None, headers=None, timeout=120):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.url(path), data=data, method=method, headers=headers or {})
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read().decode()
                return r.status, _json(text), dict(r.headers)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            return e.code, _json(text), dict(e.headers)

    def execute(self, body, timeout=120):
        st, js, _ = self.request("POST", "/execute", body, timeout=timeout)
        return st, js

    def run(self, language, code=None, **kw):
        """Executes and asserts HTTP 200; returns the JSON body. code: the source_code (None
        when the request has files instead)."""
        body = {"language": language} if code is None else {"language": language, "source_code": code}
        body.update(kw)
        st, js = self.execute(body)
        check(st == 200, f"HTTP {st}: {js}")
        return js

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=60, failing=False):
        """SIGTERM (if still running), wait, then force-remove whatever containers of this instance
        are left, so that no test leaves any behind. Before that removal the leftovers are
        counted: a service that exited 0 (a graceful stop, whoever sent the signal) must have
        removed its own containers, so any left then is a TestFailure (raised after the cleanup,
        unless another exception is already on its way out, which it would hide). Returns the
        exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)
        left = containers(self.instance)
        self.leftovers = [(c.get("Names") or [c["Id"][:12]])[0] for c in left]
        for c in left:
            docker_api("DELETE", f"/containers/{c['Id']}?force=1")
        rc = self.proc.returncode
        if rc == 0 and left:
            msg = (f"{len(left)} containers of instance {self.instance} left after a graceful stop "
                   f"(exit 0): {self.leftovers}; log: {self.log_path}")
            if not failing and sys.exc_info()[0] is None:
                raise TestFailure(msg)
            print(f"    [harness] {msg}", flush=True)
        return rc

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        self.stop(failing=exc_type is not None)


def _json(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


_shared = None


def shared_server():
    """One server reused by the tests that do not change its state (started on first use)."""
    global _shared
    if _shared is not None and _shared.proc.poll() is not None:
        # an earlier test left it dead: say so, clean up after it and start a fresh one
        print(f"    [harness] the shared server exited {_shared.proc.returncode}; log: {_shared.log_path}; "
              "starting another", flush=True)
        _shared.stop()
        _shared = None
    if _shared is None:
        _shared = Server(workers=4).wait_ready()
    return _shared


def stop_shared():
    """Stops the shared server, if one was started: returns True if there was one (it must exit
    0 and leave no container; TestFailure otherwise)."""
    global _shared
    if _shared is None:
        return False
    s, _shared = _shared, None
    rc = s.stop()
    check(rc == 0, f"the shared server exited {rc} on SIGTERM; log: {s.log_path}")
    return True

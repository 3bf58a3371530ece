"""private_engine.py - a Docker engine of the tests' own for the fault tests: its own dockerd
(socket, data-root, exec-root, pidfile under build/private-engine/, its own containerd namespace),
with the images a test needs copied in from the host engine (docker save | load). Stopping,
killing or corrupting it leaves the user's engine and its containers alone."""
import atexit
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time

from harness import CONFIG, ROOT, TestFailure, check, docker_api, temp_config_dir, wait_until

def _base():
    """build/private-engine, named through a short link in /run when its path is long: unix socket
    paths (ours, containerd's, the engine's) must stay under 108 bytes."""
    real = os.path.join(ROOT, "build", "private-engine")
    os.makedirs(real, exist_ok=True)
    if len(real) <= 40:
        return real
    link = "/run/executioner-pe-" + hashlib.sha256(real.encode()).hexdigest()[:8]
    if os.path.realpath(link) != real:
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(real, link)
    return link


DIR = _base()
SOCK = os.path.join(DIR, "docker.sock")
DATA = os.path.join(DIR, "data")
EXEC = os.path.join(DIR, "exec")
PIDFILE = os.path.join(DIR, "dockerd.pid")
LOG = os.path.join(DIR, "dockerd.log")
CTRD_DIR = os.path.join(DIR, "containerd")
CTRD_SOCK = os.path.join(CTRD_DIR, "containerd.sock")
CTRD_CONF = os.path.join(CTRD_DIR, "config.toml")
CTRD_LOG = os.path.join(DIR, "containerd.log")
NAMESPACE = "executioner-itest"
DOCKER = shutil.which("docker") or "/usr/bin/docker"


def api(method, path, body=None, timeout=30):
    return docker_api(method, path, body, timeout, sock=SOCK)


def answers():
    try:
        return api("GET", "/_ping", timeout=2)[0] == 200
    except OSError:
        return False


def pid():
    """The private dockerd's pid, or None."""
    try:
        p = int(open(PIDFILE).read().strip())
    except (OSError, ValueError):
        return None
    try:
        cmd = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
    except OSError:
        return None
    return p if os.path.basename(cmd[0]) == b"dockerd" and SOCK.encode() in b" ".join(cmd) else None


def _containerd_answers():
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(CTRD_SOCK)
        return True
    except OSError:
        return False
    finally:
        s.close()


def start_containerd(timeout=60):
    """The engine's containerd, started apart from dockerd (as a system's containerd service is):
    a crash of dockerd leaves it, its shims and their containers running."""
    if _containerd_pids() and _containerd_answers():
        return
    os.makedirs(CTRD_DIR, exist_ok=True)
    with open(CTRD_CONF, "w") as f:
        f.write(f'version = 2\nroot = "{CTRD_DIR}/root"\nstate = "{CTRD_DIR}/state"\n'
                f'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "{CTRD_SOCK}"\n'
                f'[ttrpc]\n  address = "{CTRD_SOCK}.ttrpc"\n')
    with open(CTRD_LOG, "a") as log:
        subprocess.Popen(["containerd", "--config", CTRD_CONF, "--log-level", "warn"], stdout=log, stderr=log,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    wait_until(_containerd_answers, timeout, f"the private containerd to answer (log: {CTRD_LOG})", interval=0.2)


def start(timeout=60):
    """Starts the private dockerd (and its containerd) if it does not answer; returns once it does."""
    if answers():
        return
    start_containerd()
    old = pid()
    if old:  # alive but not answering (a previous run's, stuck): replace it
        os.kill(old, signal.SIGKILL)
        wait_until(lambda: not os.path.exists(f"/proc/{old}"), 30, "the old private dockerd to exit")
    for p in (PIDFILE, SOCK):  # a dockerd killed with SIGKILL leaves both, and refuses to start
        if os.path.exists(p):
            os.unlink(p)
    os.makedirs(DATA, exist_ok=True)
    os.makedirs(EXEC, exist_ok=True)
    runtimes = [f"--add-runtime=crun={shutil.which('crun')}"] if shutil.which("crun") else []
    with open(LOG, "a") as log:
        subprocess.Popen(["dockerd", f"--host=unix://{SOCK}", f"--data-root={DATA}", f"--exec-root={EXEC}",
                          f"--pidfile={PIDFILE}", f"--containerd={CTRD_SOCK}", "--bridge=none", "--iptables=false", "--ip-masq=false",
                          f"--containerd-namespace={NAMESPACE}", f"--containerd-plugins-namespace={NAMESPACE}-p",
                          "--log-level=warn", *runtimes],
                         stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    wait_until(answers, timeout, f"the private engine to answer on {SOCK} (log: {LOG})", interval=0.2)


def _containerd_pids():
    conf = CTRD_CONF.encode()
    out = []
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = open(f"/proc/{d}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(argv[0]) == b"containerd" and conf in argv and not _zombie(int(d)):
            out.append(int(d))
    return out


def stop(sig=signal.SIGTERM, timeout=60, containerd=False):
    """Stops the private dockerd with sig (SIGKILL: a crash; containerd, the shims and the
    containers stay) and waits for it to exit; with containerd, stops containerd too."""
    p = pid()
    if p:
        os.kill(p, sig)
        wait_until(lambda: not os.path.exists(f"/proc/{p}") or _zombie(p), timeout, "the private dockerd to exit")
    if containerd:
        for c in _containerd_pids():
            os.kill(c, signal.SIGTERM)
        wait_until(lambda: not _containerd_pids(), timeout, "the private containerd to exit")
        # dockerd leaves its data-root mounted on itself: undone, so that `make clean` can remove it
        real = os.path.realpath(DATA)
        if any(line.split()[1] == real for line in open("/proc/mounts")):
            subprocess.run(["umount", real], check=False)


def _zombie(p):
    try:
        return open(f"/proc/{p}/stat").read().split(") ")[1].startswith("Z")
    except OSError:
        return True


def ensure_image(image):
    """Copies image from the host engine unless the private engine has the same id already."""
    st, host = docker_api("GET", f"/images/{image}/json")
    check(st == 200, f"the host engine has no {image}; run `make images` first")
    st, mine = api("GET", f"/images/{image}/json")
    if st == 200 and mine["Id"] == host["Id"]:
        return
    save = subprocess.Popen([DOCKER, "save", image], stdout=subprocess.PIPE)
    load = subprocess.run([DOCKER, "-H", f"unix://{SOCK}", "load", "-q"], stdin=save.stdout,
                          capture_output=True, text=True, timeout=300)
    save.stdout.close()
    check(save.wait(300) == 0 and load.returncode == 0, f"loading {image}: {load.stderr}")


def python_config():
    """A copy of the shipped config with only the Python language, in the tests' config dir; returns
    its path and the image it needs."""
    text = open(CONFIG).read()
    head = text[:text.index("languages = (")]
    py = re.search(r'\{ id = "python";.*?\}', text, re.S).group(0)
    image = re.search(r'image = "([^"]+)"', py).group(1)
    path = os.path.join(temp_config_dir(), "private-engine.conf")
    with open(path, "w") as f:
        f.write(f"{head}languages = (\n  {py}\n);\n")
    return path, image


def server_env(extra=None):
    e = {"EXECUTIONER_DOCKER_SOCKET": SOCK}
    e.update(extra or {})
    return e


def container_pids(cid):
    """Host pids of the processes of container cid: in its cgroup, or its shim/runtime by argv."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            cg = open(f"/proc/{d}/cgroup").read()
            argv = open(f"/proc/{d}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if (f"/docker/{cid}" in cg or f"docker-{cid}.scope" in cg or cid.encode() in argv) and not _zombie(int(d)):
            out.append(int(d))
    return out


def kill_container(cid):
    """What a test that failed leaves of a lost container: thawed (a frozen process only dies once
    thawed) and killed, so that no orphan outlives the test."""
    try:
        with open(f"/sys/fs/cgroup/freezer/docker/{cid}/freezer.state", "w") as f:
            f.write("THAWED")
    except OSError:
        pass
    for p in container_pids(cid):
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def up():
    """The private engine, started if needed and stopped when the test process exits."""
    start()
    if not getattr(up, "registered", False):
        atexit.register(stop, containerd=True)
        up.registered = True


__all__ = ["up", "start", "stop", "api", "answers", "ensure_image", "python_config", "server_env",
           "container_pids", "DATA", "SOCK", "TestFailure"]

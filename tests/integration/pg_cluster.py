"""pg_cluster.py - a private PostgreSQL server for the tests and the bench: Debian's postgresql
(installed by conf/setup.sh), its own cluster under build/pg-NAME (initdb run as the `postgres`
system user when we are root), listening on 127.0.0.1 at a free port (password auth) and on a
unix socket in that directory (trust, for the harness's own psql). Stopped by stop() and, as a
last resort, at exit. Usage: c = Cluster("itest").start(); url = c.create_db(); ...; c.stop()"""
import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import threading

PASSWORD = "itest-secret-pw"  # never in a log line (tests/integration/test_submissions.py)


def bin_dir():
    """The newest installed server's binaries (/usr/lib/postgresql/N/bin)."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                  key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not dirs:
        raise RuntimeError("PostgreSQL is not installed (conf/setup.sh deps installs postgresql)")
    return os.path.dirname(dirs[-1])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, name, build_dir=None):
        build_dir = build_dir or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build")
        self.dir = os.path.abspath(os.path.join(build_dir, f"pg-{name}"))
        self.data = os.path.join(self.dir, "data")
        self.sock = self.dir  # the unix socket's directory
        self.log = os.path.join(self.dir, "server.log")
        self.port = None
        self.bin = bin_dir()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.ndb = 0
        self.lock = threading.Lock()
        atexit.register(self.stop)

    def _cmd(self, argv, check=True, timeout=120, input=None):
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
        return r

    def _init(self):
        """A fresh cluster (one left over by a killed run is stopped and removed first)."""
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._cmd([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"],
                      check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.user:
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        self._cmd([f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "--pwfile", pwfile,
                   "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                   "--locale=C", "--no-sync"])
        os.remove(pwfile)
        self.port = _free_port()

    def start(self, fsync=False):
        """Starts the server (initialising the cluster on the first start); returns self."""
        with self.lock:
            if self.port is None:
                self._init()
            opts = (f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 "
                    f"-c fsync={'on' if fsync else 'off'} -c max_connections=200")
            self._cmd([f"{self.bin}/pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w",
                       "-t", "60", "start"])
        return self

    def running(self):
        return self.port is not None and os.path.exists(os.path.join(self.data, "postmaster.pid"))

    def stop(self, mode="fast"):
        """Stops the server if it runs (fast: its connections are cut, as in an outage)."""
        with self.lock:
            if self.running():
                self._cmd([f"{self.bin}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60",
                           "stop"], check=False)

    def psql(self, sql, db="postgres"):
        """Runs sql through the unix socket as postgres; returns the rows as lists of strings."""
        r = self._cmd([f"{self.bin}/psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
                       "-h", self.sock, "-p", str(self.port), "-U", "postgres", "-d", db],
                      input=sql)
        return [ln.split("|") for ln in r.stdout.splitlines() if ln]

    def psql_background(self, sql, db):
        """Starts psql running sql (e.g. a transaction holding a lock); returns the Popen."""
        argv = [f"{self.bin}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p",
                str(self.port), "-U", "postgres", "-d", db, "-c", sql]
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def url(self, db):
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/{db}"

    def create_db(self, prefix="store"):
        """A new empty database; returns its URL."""
        with self.lock:
            self.ndb += 1
            name = f"{prefix}_{os.getpid()}_{self.ndb}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

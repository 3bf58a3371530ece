"""test_problems.py - contest judging through HTTP: stored problems (JSON with tests inline, tar
archives), versions, submissions judged by problem id, malformed packages refused with the file
named, groups with points and dependencies, and that a solution cannot read the answers. A+B by
id and PUT/DELETE versions run again with the PostgreSQL store (suffix _pg; a private server
under build/, tests/integration/pg_cluster.py)."""
import gzip
import io
import json
import os
import tarfile
import urllib.request
import uuid

import harness
import pg_cluster
from harness import Server, check, shared_server

APLUSB_C = "#include <stdio.h>\nint main(void){long a,b;if(scanf(\"%ld %ld\",&a,&b)!=2)return 1;" \
           "printf(\"%ld\\n\",a+b);return 0;}"


def note(msg):
    harness.note("problems", msg)


def pid(prefix):
    """A problem id of its own per test, so tests never share state."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def aplusb_tests(n):
    return [{"stdin": f"{i} {i * 7}", "expected_output": f"{i * 8}"} for i in range(1, n + 1)]


def post_problem(s, body, http=201, path="/problems", raw=None, headers=None, method="POST"):
    st, js, _ = s.request(method, path, body=body, raw=raw, headers=headers, timeout=60)
    check(st == http, f"{method} {path}: HTTP {st} (want {http}): {js}")
    return js


def judge(s, pid_, code, lang="c", http=200, **kw):
    body = {"language": lang, "source_code": code, "problem_id": pid_}
    body.update(kw)
    st, js = s.execute(body, timeout=240)
    check(st == http, f"HTTP {st} (want {http}): {js}")
    return js


def tar_bytes(files, gz=False, links=()):
    """A tar archive of {name: bytes}; links: [(name, target)] symlinks."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            t.addfile(info)
    return buf.getvalue()


def aplusb_files(n, meta=None):
    files = {}
    for i in range(1, n + 1):
        files[f"tests/{i}.in"] = f"{i} {i * 3}\n".encode()
        files[f"tests/{i}.out"] = f"{i * 4}\n".encode()
    files["problem.json"] = json.dumps(meta or {"time_limit": 1, "compare": "tokens"}).encode()
    return files


TAR = {"Content-Type": "application/x-tar"}


# ---------------------------------------------------------------- stored problems

def test_problem_aplusb_50_tests_judged_by_id():
    _aplusb_50_tests_judged_by_id(shared_server())


def _aplusb_50_tests_judged_by_id(s):
    p = pid("aplusb")
    js = post_problem(s, {"id": p, "time_limit": 1, "memory_limit_mb": 128, "compare": "tokens",
                          "tests": aplusb_tests(50)})
    check(js["id"] == p and js["version"] == 1 and js["tests"] == 50, js)
    st, meta, _ = s.request("GET", f"/problems/{p}")
    check(st == 200 and meta["version"] == 1 and meta["tests"] == 50, meta)
    check(meta["time_limit"] == 1 and meta["memory_limit_mb"] == 128 and meta["compare"] == "tokens", meta)
    check(all(len(str(v)) < 64 for v in meta.values()), f"no test data or hashes shown: {meta}")
    r = judge(s, p, APLUSB_C)
    check(r["verdict"] == "accepted" and r["passed"] == 50 and r["total"] == 50, r)
    check(r["problem_id"] == p and r["problem_version"] == 1, r)
    check(r["compile_count"] == 1, r)
    bad = judge(s, p, APLUSB_C.replace("a+b", "a+b+(a==17)"))
    check(bad["verdict"] == "wrong_answer" and bad["passed"] == 49, bad)
    check(bad["tests"][16]["verdict"] == "wrong_answer", bad["tests"][16])
    # /metrics: the judged submissions by problem and verdict (the scrape follows the answers)
    st, _, _ = s.request("GET", "/metrics")
    text = urllib.request.urlopen(s.url("/metrics"), timeout=30).read().decode()
    for v in ("accepted", "wrong_answer"):
        line = f'executioner_problem_verdicts_total{{problem="{p}",verdict="{v}"}} 1'
        check(line in text, f"/metrics lacks {line}")
    return p


def test_problem_versions_put_and_delete():
    _versions_put_and_delete(shared_server())


def _versions_put_and_delete(s):
    p = pid("ver")
    post_problem(s, {"id": p, "tests": aplusb_tests(3)})
    post_problem(s, {"id": p, "tests": aplusb_tests(3)}, http=409)
    # version 2 expects a-b instead: the A+B solution fails it
    v2 = [{"stdin": t["stdin"], "expected_output": str(-int(t["expected_output"]) * 3 // 4)}
          for t in aplusb_tests(3)]
    js = post_problem(s, {"tests": v2}, http=200, path=f"/problems/{p}", method="PUT")
    check(js["version"] == 2, js)
    if hasattr(s, "db"):  # the PostgreSQL store holds both versions
        check(pg_rows(s, p) == [["1", "t"], ["2", "t"]], pg_rows(s, p))
    r = judge(s, p, APLUSB_C)
    check(r["problem_version"] == 2 and r["verdict"] == "wrong_answer", r)
    r = judge(s, p, APLUSB_C, problem_version=1)
    check(r["problem_version"] == 1 and r["verdict"] == "accepted", r)
    st, meta, _ = s.request("GET", f"/problems/{p}?version=1")
    check(st == 200 and meta["version"] == 1, meta)
    judge(s, p, APLUSB_C, http=404, problem_version=3)
    # a submission records the version it was judged on
    st, js, _ = s.request("POST", "/submissions?wait=true",
                          {"language": "c", "source_code": APLUSB_C, "problem_id": p}, timeout=240)
    check(st == 200 and js["problem_version"] == 2, js)
    st, _, _ = s.request("DELETE", f"/problems/{p}")
    check(st == 204, st)
    st, js, _ = s.request("GET", f"/problems/{p}")
    check(st == 404, js)
    judge(s, p, APLUSB_C, http=404)
    st, js, _ = s.request("PUT", f"/problems/{p}", {"tests": aplusb_tests(1)})
    check(st == 404, js)
    check(not os.path.exists(os.path.join(s.problems_dir, "problems", p)), "its files stay")
    if hasattr(s, "db"):
        check(pg_rows(s, p) == [], pg_rows(s, p))


def test_problem_tar_archive():
    s = shared_server()
    p = pid("tar")
    meta = {"time_limit": 1, "compare": "lines",
            "groups": [{"name": "small", "points": 40, "tests": [1, 2]},
                       {"name": "big", "points": 60, "tests": [3, 5]}]}
    js = post_problem(s, None, raw=tar_bytes(aplusb_files(5, meta)), path=f"/problems?id={p}",
                      headers=TAR)
    check(js["version"] == 1 and js["tests"] == 5 and len(js["groups"]) == 2, js)
    r = judge(s, p, APLUSB_C)
    check(r["verdict"] == "accepted" and r["score"] == 100 and r["max_score"] == 100, r)
    # a gzip'd archive as a new version
    js = post_problem(s, None, raw=tar_bytes(aplusb_files(4), gz=True), path=f"/problems/{p}",
                      headers=TAR, http=200, method="PUT")
    check(js["version"] == 2 and js["tests"] == 4 and "groups" not in js, js)


def test_problem_bad_packages():
    s = shared_server()
    p = pid("bad")

    def bad(files, field, http=400, links=(), gz=False):
        st, js, _ = s.request("POST", f"/problems?id={p}", raw=tar_bytes(files, gz, links),
                              headers=TAR, timeout=60)
        check(st == http and js.get("field") == field, f"want {http} naming {field}: {st} {js}")
        return js

    files = aplusb_files(3)
    del files["tests/2.out"]
    bad(files, "tests/2.out")
    files = aplusb_files(2)
    files["problem.json"] = b"{not json"
    bad(files, "problem.json")
    files = aplusb_files(2)
    files["problem.json"] = b'{"time_limit": -1}'
    bad(files, "problem.json")
    files = aplusb_files(2, {"groups": [{"points": 10, "tests": [1, 1]}]})
    bad(files, "problem.json")  # test 2 is in no group
    bad({**aplusb_files(2), "tests/../../etc/x.in": b"1"}, "tests/../../etc/x.in")
    bad({**aplusb_files(2), "../x": b"1"}, "../x")
    bad(aplusb_files(2), "tests/3.in", links=[("tests/3.in", "/etc/shadow")])
    bad({**aplusb_files(2), "notes.txt": b"hi"}, "notes.txt")
    # an archive bomb: 20 MiB of zeros in a few KiB of gzip, over problems.max_problem_mb (16)
    js = bad({**aplusb_files(1), "tests/2.in": b"0" * (20 << 20)}, "tests/2.in", http=413, gz=True)
    check("max_problem_mb" in js["error"], js)
    # JSON bodies
    st, js, _ = s.request("POST", "/problems", {"id": p, "tests": []})
    check(st == 400 and js["field"] == "tests", js)
    st, js, _ = s.request("POST", "/problems", {"id": "../x", "tests": aplusb_tests(1)})
    check(st == 400 and js["field"] == "id", js)
    st, js, _ = s.request("POST", "/problems", {"id": p, "tests": aplusb_tests(1), "compare": "x"})
    check(st == 400 and js["field"] == "compare", js)
    st, js, _ = s.request("POST", "/problems", raw=b"garbage", headers=TAR)
    check(st == 400, js)
    st, js, _ = s.request("POST", "/execute", {"language": "c", "source_code": APLUSB_C,
                                                "problem_id": p, "tests": aplusb_tests(1)})
    check(st == 400 and js["field"] == "problem_id", js)
    st, js, _ = s.request("GET", f"/problems/{p}")
    check(st == 404, "nothing was stored")
    st, js, _ = s.request("GET", "/health")
    check(st == 200, "the service still answers")


# ---------------------------------------------------------------- groups and points

GROUPS_PY = "a, b = map(int, input().split())\nprint(a + b if a < 100 or a >= 200 else 0)\n"


def groups_problem(s, depends):
    p = pid("groups")
    tests = [{"stdin": f"{a} 1", "expected_output": str(a + 1)}
             for a in (1, 2, 3, 100, 101, 102, 200, 201, 202)]
    g3 = {"name": "large", "points": 40, "tests": [7, 9]}
    if depends:
        g3["depends"] = ["medium"]
    post_problem(s, {"id": p, "tests": tests, "groups": [
        {"name": "small", "points": 30, "tests": [1, 3]},
        {"name": "medium", "points": 30, "tests": [4, 6], "scoring": "min"},
        g3]})
    return p


def test_problem_groups_30_30_40_failing_group_2():
    s = shared_server()
    r = judge(s, groups_problem(s, depends=False), GROUPS_PY, lang="python")
    check(r["score"] == 70 and r["max_score"] == 100, r)
    g = {x["name"]: x for x in r["groups"]}
    check(g["small"]["score"] == 30 and g["small"]["verdict"] == "accepted", g)
    check(g["medium"]["score"] == 0 and g["medium"]["verdict"] == "wrong_answer", g)
    check(g["large"]["score"] == 40 and g["large"]["passed"] == 3, g)
    check(r["verdict"] == "wrong_answer", r)
    # "large" depends on "medium": its tests are skipped, not run
    r = judge(s, groups_problem(s, depends=True), GROUPS_PY, lang="python")
    check(r["score"] == 30, r)
    g = {x["name"]: x for x in r["groups"]}
    check(g["large"]["verdict"] == "skipped" and g["large"]["score"] == 0, g)
    check([t["verdict"] for t in r["tests"][6:]] == ["skipped"] * 3, r["tests"][6:])


def test_problem_groups_sum_scoring():
    s = shared_server()
    p = pid("sum")
    tests = [{"stdin": f"{a} 1", "expected_output": str(a + 1)} for a in (1, 100, 2, 101)]
    post_problem(s, {"id": p, "tests": tests, "groups": [
        {"name": "all", "points": 100, "tests": [1, 4], "scoring": "sum"}]})
    r = judge(s, p, GROUPS_PY, lang="python")
    check(r["score"] == 50 and r["groups"][0]["passed"] == 2, r)


# ---------------------------------------------------------------- isolation

SNOOP_PY = r"""
import os
secret = SECRET[::-1]  # reversed in the source, so the source itself does not match
found = []
for top in ("/", ):
    for root, dirs, files in os.walk(top):
        if root.startswith(("/proc", "/sys", "/dev")):
            dirs[:] = []
            continue
        for f in files:
            p = os.path.join(root, f)
            try:
                with open(p, "rb") as fh:
                    if secret.encode() in fh.read(1 << 20):
                        found.append(p)
            except OSError:
                pass
for p in (DATA_DIR, DATA_DIR + "/blobs"):
    try:
        found.append("listed:" + ",".join(os.listdir(p)))
    except OSError:
        pass
print("found:", found)
"""


def test_problem_solution_cannot_read_answers():
    s = shared_server()
    p = pid("iso")
    secret = "ANSWER-" + uuid.uuid4().hex
    post_problem(s, {"id": p, "tests": [{"stdin": "x", "expected_output": secret},
                                        {"stdin": "y", "expected_output": secret + "2"}]})
    code = SNOOP_PY.replace("SECRET", repr(secret[::-1])).replace("DATA_DIR", repr(s.problems_dir))
    r = judge(s, p, code, lang="python", time_limit=10)
    for t in r["tests"]:
        check(t["verdict"] == "wrong_answer", t)
        check(t["stdout"].strip() == "found: []", f"the solution saw answers: {t['stdout']}")


# ---------------------------------------------------------------- checkers

# A minimal testlib-compatible header: the checker conventions (registerTestlibCmd, inf/ouf/ans,
# quitf/quitp and their exit codes), enough for the checkers below.
TESTLIB_H = r"""
#pragma once
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
enum TResult { _ok = 0, _wa = 1, _pe = 2, _fail = 3, _points = 7 };
[[noreturn]] inline void quitf(TResult r, const char *fmt, ...) {
    va_list ap; va_start(ap, fmt); vfprintf(stderr, fmt, ap); va_end(ap);
    fputc('\n', stderr); exit(r);
}
[[noreturn]] inline void quitp(double points, const char *msg) {
    fprintf(stderr, "%.6f %s\n", points, msg); exit(_points);
}
struct InStream {
    FILE *f = nullptr; TResult eof_res = _fail;
    void init(const char *path, TResult r) {
        eof_res = r; f = fopen(path, "r");
        if (!f) quitf(_fail, "cannot open %s", path);
    }
    double readDouble() {
        double x;
        if (fscanf(f, "%lf", &x) != 1) quitf(eof_res, "expected a number");
        return x;
    }
    long long readLong() {
        long long x;
        if (fscanf(f, "%lld", &x) != 1) quitf(eof_res, "expected an integer");
        return x;
    }
    bool seekEof() {
        int c;
        while ((c = fgetc(f)) != EOF) if (!isspace(c)) { ungetc(c, f); return false; }
        return true;
    }
};
inline InStream inf, ouf, ans;
inline void registerTestlibCmd(int argc, char **argv) {
    if (argc < 4) quitf(_fail, "usage: checker input output answer");
    inf.init(argv[1], _fail); ouf.init(argv[2], _pe); ans.init(argv[3], _fail);
}
"""

FLOAT_CHECKER = r"""
#include <cmath>
#include "testlib.h"
int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    long long n = inf.readLong();
    if (n < 0) quitf(_fail, "the input is broken");
    for (long long i = 0; i < n; i++) {
        double want = ans.readDouble(), got = ouf.readDouble();
        if (std::fabs(want - got) > 1e-6 * std::fmax(1.0, std::fabs(want))) {
            if (n == 3 && i == 2) quitp(0.5, "two of three");
            quitf(_wa, "number %lld: want %.9f, got %.9f", i + 1, want, got);
        }
    }
    if (!ouf.seekEof()) quitf(_pe, "extra output");
    quitf(_ok, "%lld numbers", n);
}
"""

SQRT_CPP = r"""
#include <cmath>
#include <cstdio>
int main() {
    long long n; if (scanf("%lld", &n) != 1) return 1;
    for (long long i = 0; i < n; i++) { double x; scanf("%lf", &x); printf(FMT, MODE(std::sqrt(x))); }
}
"""


def sqrt_solution(fmt='"%.9f\\n"', mode=""):
    return SQRT_CPP.replace("FMT", fmt).replace("MODE", mode)


def float_problem(s, checker=FLOAT_CHECKER, http=201):
    p = pid("float")
    tests = [{"stdin": "2\n2 9\n", "expected_output": "1.414213562 3.000000000\n"},
             {"stdin": "1\n0.25\n", "expected_output": "0.5\n"},
             {"stdin": "3\n1 4 2\n", "expected_output": "1 2 1.414213562\n"},
             {"stdin": "-1\n", "expected_output": "\n"}]
    body = {"id": p, "tests": tests, "checker": {
        "language": "cpp", "source": checker, "files": [{"name": "testlib.h", "content": TESTLIB_H}]}}
    return p, post_problem(s, body, http=http)


def test_problem_checker_testlib_float():
    s = shared_server()
    p, js = float_problem(s)
    check(js["checker"]["language"] == "cpp" and js["checker"]["compiled"], js)
    r = judge(s, p, sqrt_solution(), lang="cpp")
    v = [t["verdict"] for t in r["tests"]]
    # test 4's input makes the checker fail: judge_error, not the solution's fault
    check(v == ["accepted", "accepted", "accepted", "judge_error"], r)
    check(r["tests"][0]["checker_message"].startswith("2 numbers"), r["tests"][0])
    check("broken" in r["tests"][3]["checker_message"], r["tests"][3])
    # rounded to 0.1: wrong answer (with the checker's message), partial points on test 3
    r = judge(s, p, sqrt_solution('"%.1f\\n"'), lang="cpp")
    v = [t["verdict"] for t in r["tests"]]
    check(v[:3] == ["wrong_answer", "accepted", "partial"], r)
    check("want 1.414213562" in r["tests"][0]["checker_message"], r["tests"][0])
    check(r["tests"][2]["points"] == 0.5, r["tests"][2])
    # words instead of numbers: presentation error
    r = judge(s, p, sqrt_solution('"x%.3f\\n"'), lang="cpp")
    check(r["tests"][0]["verdict"] == "presentation_error", r)
    # a solution that crashes is judged without the checker
    r = judge(s, p, "int main(){return 3;}", lang="cpp")
    check(r["tests"][0]["verdict"] == "runtime_error", r)


def test_problem_checker_in_a_tar_archive():
    s = shared_server()
    p = pid("tarck")
    files = {"tests/1.in": b"1\n4\n", "tests/1.out": b"2\n", "tests/2.in": b"1\n2\n",
             "tests/2.out": b"1.414213562\n", "checker/check.cpp": FLOAT_CHECKER.encode(),
             "checker/testlib.h": TESTLIB_H.encode(),
             "problem.json": json.dumps({"checker": {"language": "cpp", "source": "check.cpp"}}).encode()}
    js = post_problem(s, None, raw=tar_bytes(files), path=f"/problems?id={p}", headers=TAR)
    check(js["checker"]["compiled"], js)
    r = judge(s, p, sqrt_solution('"%.12f\\n"'), lang="cpp")
    check([t["verdict"] for t in r["tests"]] == ["accepted", "accepted"], r)
    files["problem.json"] = json.dumps({"checker": {"language": "cpp", "source": "nope.cpp"}}).encode()
    st, js, _ = s.request("POST", f"/problems?id={p}x", raw=tar_bytes(files), headers=TAR)
    check(st == 400 and js["field"] == "problem.json", js)


def test_problem_checker_that_does_not_compile_is_refused():
    s = shared_server()
    _, js = float_problem(s, checker="int main( {", http=400)
    check(js["field"] == "checker" and "does not compile" in js["error"], js)
    body = {"id": pid("ck"), "tests": aplusb_tests(1),
            "checker": {"language": "nope", "source": "x"}}
    js = post_problem(s, body, http=400)
    check(js["field"] == "checker", js)


# ---------------------------------------------------------------- the PostgreSQL store

_pg = {}  # this file's own cluster and server with a PostgreSQL store (started on first use)


def pg_server():
    """A server whose store (submissions and problems) is a fresh PostgreSQL database."""
    c = _pg.get("cluster")
    if c is None:
        c = _pg["cluster"] = pg_cluster.Cluster("itest-problems")
    if not c.running():
        c.start()
    s = _pg.get("server")
    if s is None or s.proc.poll() is not None:
        url = c.create_db("problems")
        s = _pg["server"] = Server(workers=2, env={"EXECUTIONER_STORE_URL": url}).wait_ready()
        s.db = url.rsplit("/", 1)[1]
        st, js, _ = s.request("GET", "/health")
        check(st == 200 and js["store"]["backend"] == "postgresql", js)
    return s


def pg_rows(s, p):
    """The problems table's (version, bytes > 0) rows of id p in the PostgreSQL store."""
    return _pg["cluster"].psql(f"SELECT version, bytes > 0 FROM problems WHERE id = '{p}' "
                               "ORDER BY version", db=s.db)


def teardown():
    try:
        s = _pg.pop("server", None)
        if s is not None:
            check(s.stop() == 0, f"the server did not exit 0; log: {s.log_path}")
    finally:
        c = _pg.pop("cluster", None)
        if c is not None:
            c.stop()


def test_problem_aplusb_50_tests_judged_by_id_pg():
    s = pg_server()
    p = _aplusb_50_tests_judged_by_id(s)
    check(pg_rows(s, p) == [["1", "t"]], pg_rows(s, p))


def test_problem_versions_put_and_delete_pg():
    s = pg_server()
    _versions_put_and_delete(s)

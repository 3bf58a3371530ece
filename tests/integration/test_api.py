"""test_api.py - the REST API through HTTP: execution basics, languages, health, bad input."""
from harness import check, shared_server


def test_python_hello_and_stdin():
    s = shared_server()
    r = s.run("python", "print(42)")
    check(r["status"] == "ok" and r["stdout"] == "42\n" and r["exit_code"] == 0, r)
    r = s.run("python", "import sys\nprint(sys.stdin.read().upper(), end='')", stdin="abc\n")
    check(r["stdout"] == "ABC\n", r)


def test_aliases_code_input_api_v1():
    s = shared_server()
    st, js, _ = s.request("POST", "/api/v1/execute", {"language": "python", "code": "print(input())", "input": "x"})
    check(st == 200 and js["stdout"] == "x\n", (st, js))

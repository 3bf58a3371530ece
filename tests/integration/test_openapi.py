"""test_openapi.py - the OpenAPI document (master/openapi.json, served at GET /openapi.json): it is
valid OpenAPI 3.1 (checked against the vendored meta-schema with python3-jsonschema), and the
answers of every endpoint, good and bad requests alike, validate against its response schemas."""
import http.client
import json
import os

import jsonschema

import harness
from harness import Server, check, shared_server

HERE = os.path.dirname(os.path.abspath(__file__))
DOC_PATH = os.path.join(HERE, "..", "..", "master", "openapi.json")
META_PATH = os.path.join(HERE, "schemas", "oas-3.1-schema-2022-10-07.json")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_doc = None


def doc():
    global _doc
    if _doc is None:
        with open(DOC_PATH) as f:
            _doc = json.load(f)
    return _doc


def deref(d, o):
    while isinstance(o, dict) and "$ref" in o and len(o) == 1:
        node = d
        for part in o["$ref"].lstrip("#/").split("/"):
            node = node[part]
        o = node
    return o


def doc_path(path):
    """The document's path for a request's: its query dropped, /submissions/{token} templated."""
    path = path.split("?")[0]
    if path.startswith("/submissions/") and "/" not in path[len("/submissions/"):]:
        return "/submissions/{token}"
    return path


def response_spec(path, method, status):
    """The document's response object for this answer: the operation's own, else the generic
    ones the document describes (404 for a path it does not list, 405 for a method an endpoint
    does not take, 204 for OPTIONS)."""
    d = doc()
    item = d["paths"].get(path)
    generic = d["components"]["responses"]
    if item is None:
        check(status in (404, 413), f"{method} {path}: not in the document, but HTTP {status}")
        return generic["NotFound" if status == 404 else "TooLarge"]
    op = item.get(method.lower())
    if op is None:
        if method == "OPTIONS":
            check(status == 204, f"OPTIONS {path}: HTTP {status}")
            return generic["Preflight"]
        check(status == 405, f"{method} {path}: no such operation, but HTTP {status}")
        return generic["MethodNotAllowed"]
    r = op["responses"].get(str(status))
    check(r is not None, f"{method} {path}: HTTP {status} is not documented")
    return deref(d, r)


def validate_answer(path, method, status, headers, body_text):
    """Checks one answer against the document; returns the parsed JSON body (or the text)."""
    r = response_spec(path, method, status)
    content = r.get("content")
    if not content:
        check(not body_text, f"{method} {path} {status}: documented without a body, got {body_text[:200]!r}")
        return body_text
    ctype = (headers.get("Content-Type") or headers.get("content-type") or "").split(";")[0].strip()
    check(ctype in content, f"{method} {path} {status}: Content-Type {ctype!r}, documented {list(content)}")
    for h in r.get("headers", {}):
        check(any(k.lower() == h.lower() for k in headers), f"{method} {path} {status}: header {h} missing")
    if ctype != "application/json":
        return body_text
    body = json.loads(body_text)
    schema = dict(content[ctype]["schema"])
    schema["components"] = doc()["components"]  # "#/components/..." resolves within the wrapper
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    try:
        jsonschema.Draft202012Validator(schema).validate(body)
    except jsonschema.ValidationError as e:
        raise harness.TestFailure(f"{method} {path} {status}: {e.message} at {list(e.absolute_path)}; "
                                  f"body {body_text[:300]}")
    return body


def request_errors(path, method, body):
    """Why the document's request schema refuses body ([] when it accepts it)."""
    op = doc()["paths"][path][method.lower()]
    schema = dict(op["requestBody"]["content"]["application/json"]["schema"])
    schema["components"] = doc()["components"]
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(body)]


def call(s, method, path, body=None, raw=None, headers=None, expect=None, schema_refuses=False):
    """One request on its own connection; validates the answer, and the request against the
    document's request schema: accepted when the server ran it (200), refused when
    schema_refuses says the document can tell it is bad. Returns (status, body)."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=120)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        h = {"Content-Type": "application/json"} if data is not None else {}
        h.update(headers or {})
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read().decode()
        st, hd = r.status, dict(r.getheaders())
    finally:
        c.close()
    if expect is not None:
        check(st == expect, f"{method} {path}: expected HTTP {expect}, got {st} {text[:300]}")
    path = doc_path(path)
    if body is not None and method == "POST" and st in (200, 400, 413) and path in doc()["paths"] \
            and "post" in doc()["paths"][path]:
        errs = request_errors(path, method, body)
        if st == 200:
            check(not errs, f"{method} {path}: the server ran a request the document refuses: {errs}")
        if schema_refuses:
            check(errs, f"{method} {path}: the document accepts a request the server refused: {body!r:.200}")
    return st, validate_answer(path, method, st, hd, text)


def test_document_is_valid_openapi_3_1():
    d = doc()
    check(d.get("openapi", "").startswith("3.1."), d.get("openapi"))
    with open(META_PATH) as f:
        meta = json.load(f)
    v = jsonschema.Draft202012Validator(meta)
    errors = sorted(v.iter_errors(d), key=lambda e: list(e.absolute_path))
    check(not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]))
    # every schema in it is a valid JSON Schema 2020-12, and every $ref resolves
    jsonschema.Draft202012Validator.check_schema({"$defs": d["components"]["schemas"]})
    refs = []

    def walk(o):
        if isinstance(o, dict):
            if isinstance(o.get("$ref"), str):
                refs.append(o["$ref"])
            for v2 in o.values():
                walk(v2)
        elif isinstance(o, list):
            for v2 in o:
                walk(v2)
    walk(d)
    for ref in refs:
        check(ref.startswith("#/"), ref)
        deref(d, {"$ref": ref})
    try:  # the fuller checker, when installed (not in Debian 12)
        from openapi_spec_validator import validate
    except ImportError:
        return
    validate(d)


def test_document_lists_every_endpoint_and_is_served():
    paths = set(doc()["paths"])
    for p in ("/", "/execute", "/api/v1/execute", "/languages", "/api/v1/languages", "/health",
              "/api/v1/health", "/metrics", "/openapi.json", "/v1/spec", "/v1/exec", "/submissions",
              "/submissions/{token}", "/api/v2/runtimes", "/api/v2/execute"):
        check(p in paths, f"{p} missing from the document")
    s = shared_server()
    st, served = call(s, "GET", "/openapi.json", expect=200)
    check(served == doc(), "GET /openapi.json differs from master/openapi.json (rebuild?)")
    call(s, "POST", "/openapi.json", body={}, expect=405)
    for p in ("/openapi.json", "/v1/spec", "/languages", "/health", "/metrics"):
        call(s, "HEAD", p, expect=200)


def test_native_answers_validate():
    s = shared_server()
    for p in ("/health", "/api/v1/health"):
        call(s, "GET", p, expect=200)
    for p in ("/languages", "/api/v1/languages"):
        st, langs = call(s, "GET", p, expect=200)
        check(len(langs) == 11, langs)
    st, text = call(s, "GET", "/metrics", expect=200)
    check("executioner_" in text, text[:200])
    call(s, "POST", "/execute", {"language": "python", "source_code": "print(1)"}, expect=200)
    call(s, "POST", "/api/v1/execute", {"language": "python", "code": "print(input())", "input": "x"},
         expect=200)
    st, r = call(s, "POST", "/execute", {"language": "python", "source_code": "import os; os.abort()"},
                 expect=200)
    check(r["status"] == "runtime_error" and r["signal"] == "SIGABRT", r)
    st, r = call(s, "POST", "/execute", {"language": "cpp", "source_code": "int main( {"}, expect=200)
    check(r["status"] == "compile_error", r)
    st, r = call(s, "POST", "/execute", {"language": "python", "source_code": "while 1: pass",
                                         "time_limit": 0.5}, expect=200)
    check(r["status"] == "timeout", r)


def test_judge_answers_validate():
    s = shared_server()
    code = "a, b = map(int, input().split())\nprint(a + b)"
    st, r = call(s, "POST", "/execute", {"language": "python", "source_code": code, "tests": [
        {"stdin": "1 2", "expected_output": "3"}, {"stdin": "2 2", "expected_output": "5"},
        {"stdin": "x", "expected_output": "1"}]}, expect=200)
    check([t["verdict"] for t in r["tests"]] == ["accepted", "wrong_answer", "runtime_error"], r)
    st, r = call(s, "POST", "/execute", {"language": "c", "source_code": "int main( {", "tests": [
        {"stdin": "", "expected_output": ""}]}, expect=200)
    check(r["verdict"] == "compile_error", r)


def test_files_answers_validate():
    s = shared_server()
    code = "import os\nopen('o.txt','w').write('x')\nopen('b','wb').write(b'\\xff')\nos.symlink('/etc/passwd','l')"
    st, r = call(s, "POST", "/execute", {"language": "python", "files": [
        {"name": "main.py", "content": code}, {"name": "d/e.txt", "content": "eA==", "encoding": "base64"}],
        "output_files": ["o.txt", "b", "l", "none"]}, expect=200)
    check([f.get("error") for f in r["output_files"]] == [None, None, "is a symbolic link", "no such file"], r)
    call(s, "POST", "/execute", {"language": "python", "files": [{"name": "../x", "content": ""}]},
         expect=400, schema_refuses=True)
    call(s, "POST", "/execute", {"language": "python", "files": [{"name": "x", "content": "!",
                                                                  "encoding": "base64"}]}, expect=400)


def test_v1_answers_validate():
    s = shared_server()
    st, spec = call(s, "GET", "/v1/spec", expect=200)
    check(len(spec) == 11, spec)
    call(s, "POST", "/v1/exec", {"language": "python", "code": "print(input())", "stdin": "a"}, expect=200)
    call(s, "POST", "/v1/exec", {"language": "c", "code": "int main( {"}, expect=200)
    call(s, "POST", "/v1/exec", {"language": "python", "code": "while 1: pass", "timeout": 0.5}, expect=200)
    call(s, "POST", "/v1/exec", {"language": "python"}, expect=400, schema_refuses=True)
    call(s, "POST", "/v1/exec", {"language": "python", "code": 1}, expect=400, schema_refuses=True)
    call(s, "POST", "/v1/exec", {"language": "nope", "code": ""}, expect=400)
    call(s, "POST", "/v1/exec", {"language": "python", "code": "1", "source_code": "1"}, expect=400,
         schema_refuses=True)
    call(s, "GET", "/v1/exec", expect=405)
    call(s, "DELETE", "/v1/spec", expect=405)
    call(s, "OPTIONS", "/v1/exec", expect=204)


def test_piston_answers_validate():
    s = shared_server()
    st, rts = call(s, "GET", "/api/v2/runtimes", expect=200)
    check(len(rts) == 11, rts)
    call(s, "HEAD", "/api/v2/runtimes", expect=200)
    ex = "/api/v2/execute"
    call(s, "POST", ex, {"language": "python", "version": "3.x", "files": [{"content": "print(input())"}],
                         "stdin": "a", "args": ["1"]}, expect=200)
    call(s, "POST", ex, {"language": "c", "version": "*", "files": [{"content": "int main( {"}]},
         expect=200)
    call(s, "POST", ex, {"language": "cpp", "version": "*", "files": [{"content": "int main(){}"}],
                         "run_memory_limit": -1, "compile_timeout": 10000}, expect=200)
    call(s, "POST", ex, {"language": "python", "version": "*", "files": [{"content": "while 1: pass"}],
                         "run_timeout": 500}, expect=200)
    call(s, "POST", ex, {"language": "python", "files": []}, expect=400, schema_refuses=True)
    call(s, "POST", ex, {"language": "python", "version": "*", "files": [{"name": "x"}]}, expect=400,
         schema_refuses=True)
    call(s, "POST", ex, {"language": "python", "version": "9.x", "files": []}, expect=400)
    call(s, "POST", ex, raw=b"{", expect=400)
    call(s, "OPTIONS", ex, expect=204)


def test_error_answers_validate():
    s = shared_server()
    call(s, "POST", "/execute", raw=b"{", expect=400)
    call(s, "POST", "/execute", raw=b"[]", expect=400)
    call(s, "POST", "/execute", {"source_code": "x"}, expect=400, schema_refuses=True)
    call(s, "POST", "/execute", {"language": "python", "source_code": "x", "time_limit": -1}, expect=400, schema_refuses=True)
    call(s, "POST", "/execute", {"language": "python", "source_code": "x" * (1024 * 1024 + 1)}, expect=413)
    call(s, "GET", "/execute", expect=405)
    call(s, "PUT", "/languages", body={}, expect=405)
    call(s, "POST", "/health", body={}, expect=405)
    call(s, "POST", "/metrics", body={}, expect=405)
    call(s, "OPTIONS", "/execute", expect=204)
    call(s, "OPTIONS", "/languages", expect=204)
    call(s, "GET", "/no/such/path", expect=404)
    call(s, "GET", "/v2/spec", expect=404)
    # the page and its assets, without an API key; 304 on a matching ETag
    for path in ("/", "/index.html", "/app.js", "/app.css"):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            text, hd = r.read().decode(errors="replace"), dict(r.getheaders())
            c.request("GET", path, headers={"If-None-Match": hd.get("ETag", "")})
            r2 = c.getresponse()
            r2.read()
        finally:
            c.close()
        check(r.status == 200 and r2.status == 304, f"{path}: {r.status}, then {r2.status}")
        validate_answer(path, "GET", r.status, hd, text)
    # a declared body over server.body_kb is refused on its headers
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    try:
        c.putrequest("POST", "/execute")
        c.putheader("Content-Type", "application/json")
        c.putheader("Content-Length", str(64 * 1024 * 1024))
        c.endheaders()
        r = c.getresponse()
        validate_answer("/execute", "POST", r.status, dict(r.getheaders()), r.read().decode())
        check(r.status == 413, r.status)
    finally:
        c.close()


def test_auth_and_rate_answers_validate():
    env = {"EXECUTIONER_AUTH_KEYS": "k-openapi", "EXECUTIONER_RATE_PER_IP_PER_S": "0.001",
           "EXECUTIONER_RATE_PER_IP_BURST": "2"}
    s = Server(env=env)
    try:
        s.wait_log("listening on", 60)
        call(s, "GET", "/languages", expect=401)
        call(s, "POST", "/v1/exec", {"language": "python", "code": "1"}, expect=401)
        st, _ = call(s, "GET", "/health")  # public: 200, or 503 while the engine is down
        check(st in (200, 503), st)
        call(s, "GET", "/openapi.json", expect=200)  # public, like /health and /metrics
        key = {"X-API-Key": "k-openapi"}
        statuses = [call(s, "GET", "/v1/spec", headers=key)[0] for _ in range(4)]
        check(statuses[0] == 200 and statuses[-1] == 429, statuses)
        call(s, "GET", "/languages", headers={"Authorization": "Bearer k-openapi"}, expect=429)
    finally:
        s.stop()


def test_submission_answers_validate():
    s = shared_server()
    req = {"language": "python", "source_code": "print(5)"}
    st, r = call(s, "POST", "/submissions", req, expect=201)
    tok = r["token"]
    harness.wait_until(lambda: call(s, "GET", f"/submissions/{tok}", expect=200)[1]["status"] == "done",
                       60, "the submission to end")
    call(s, "POST", "/submissions?wait=true", req, expect=200)
    call(s, "GET", "/submissions?limit=1", expect=200)
    call(s, "GET", "/submissions?limit=100000", expect=400)
    call(s, "GET", "/submissions/nope", expect=400)
    call(s, "GET", "/submissions/" + "0" * 32, expect=404)
    call(s, "POST", "/submissions", {"language": "python"}, expect=400, schema_refuses=True)
    call(s, "PUT", "/submissions", {}, expect=405)
    call(s, "DELETE", f"/submissions/{tok}", expect=204)
    call(s, "OPTIONS", "/submissions", expect=204)

"""test_http_abuse.py - hostile HTTP clients (issue 7): huge headers, deep JSON nesting, a client
sending one byte a second, hundreds of idle connections, garbage on the socket; and (issue 9)
bodies that are not exactly one JSON object with distinct keys, ambiguous framing (two
Content-Lengths, Content-Length with Transfer-Encoding), an encoded NUL in the path, HTTP/1.1
without Host. The service keeps serving everyone else with clear 4xx answers and never crashes."""
import json
import socket
import threading
import time

from harness import Server, check, shared_server, wait_until


def raw(port, data, timeout=10):
    """Sends raw bytes, returns the raw answer (until close or timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            out += b
            if b"\r\n\r\n" in out and b"Content-Length" in out:
                head, _, body = out.partition(b"\r\n\r\n")
                n = int([ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length")][0].split(b":")[1])
                if len(body) >= n:
                    break
        return out
    finally:
        s.close()


def status_of(answer):
    line = answer.split(b"\r\n", 1)[0]
    return int(line.split()[1]) if line.startswith(b"HTTP/") else None


def test_huge_header_is_refused_and_service_goes_on():
    s = shared_server()
    big = b"X-Filler: " + b"a" * 200000 + b"\r\n"
    ans = raw(s.port, b"GET /health HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
    st = status_of(ans)
    check(st is None or 400 <= st < 500, f"huge header answered {st}: {ans[:200]!r}")
    check(s.run("python", "print(1)")["stdout"] == "1\n")


def test_deep_nesting_and_garbage_get_400():
    s = shared_server()
    deep = "[" * 100000 + "]" * 100000
    st, js, _ = s.request("POST", "/execute", raw=deep.encode())
    check(st == 400 and "JSON" in js["error"], (st, js))
    body = json.dumps({"language": "python", "source_code": "print(1)", "stdin": {"a": [{"b": [1] * 10}] * 50}})
    st, js, _ = s.request("POST", "/execute", raw=body.encode())
    check(st == 400 and js.get("field") == "stdin", (st, js))
    ans = raw(s.port, b"\x00\xff\x16\x03\x01garbage that is not HTTP\r\n\r\n")
    st = status_of(ans)
    check(st is None or 400 <= st < 500, f"garbage answered {st}: {ans[:200]!r}")
    check(s.run("python", "print(2)")["stdout"] == "2\n")


def test_slow_client_does_not_block_others():
    s = shared_server()
    stop = threading.Event()
    sent = [0]

    def trickle():
        c = socket.create_connection(("127.0.0.1", s.port), timeout=30)
        req = b"POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n"
        try:
            for b in req:
                c.send(bytes([b]))
                sent[0] += 1
                if stop.wait(1.0):  # one byte a second
                    break
        except OSError:
            pass
        finally:
            c.close()

    ts = [threading.Thread(target=trickle, daemon=True) for _ in range(5)]
    for t in ts:
        t.start()
    try:
        t0 = time.time()
        for i in range(5):
            r = s.run("python", f"print({i})")
            check(r["stdout"] == f"{i}\n", r)
        wait_until(lambda: sent[0] >= 15, 20, "the slow clients to send 3 bytes each")
        for i in range(3):
            r = s.run("python", f"print({i})")
            check(r["stdout"] == f"{i}\n", r)
        check(time.time() - t0 < 30, "normal requests were slowed down by the slow clients")
        check(all(t.is_alive() for t in ts), "a slow client was cut off before the connection timeout")
    finally:
        stop.set()
        for t in ts:
            t.join(5)


def test_many_idle_connections():
    srv = Server(env={"EXECUTIONER_SERVER_MAX_CONNECTIONS": "300"}, workers=2).wait_ready()
    socks = []
    try:
        for _ in range(250):
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        r = srv.run("python", "print('still here')")
        check(r["stdout"] == "still here\n", r)
        st, js, _ = srv.request("GET", "/health")
        check(st == 200, (st, js))
    finally:
        for c in socks:
            c.close()
        srv.stop()
    check(srv.proc.returncode == 0, f"exit {srv.proc.returncode}")


def test_connection_limit_refuses_extra_clients_but_keeps_serving():
    srv = Server(env={"EXECUTIONER_SERVER_MAX_CONNECTIONS": "8"}, workers=2).wait_ready()
    socks = []
    try:
        for _ in range(8):
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        ans = raw(srv.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
        check(status_of(ans) in (None, 503), f"over the connection limit: {ans[:100]!r}")
        for c in socks:
            c.close()
        socks = []
        deadline = time.time() + 10
        while True:  # the server notices the closed sockets on its next loop turn
            try:
                st, _, _ = srv.request("GET", "/health", timeout=3)
                if st == 200:
                    break
            except OSError:
                pass
            check(time.time() < deadline, "the server did not serve again after idle clients left")
            time.sleep(0.1)  # polling a condition with a deadline
        check(srv.run("python", "print(3)")["stdout"] == "3\n")
    finally:
        for c in socks:
            c.close()
        srv.stop()


# --- issue 9: a hostile review's holes -------------------------------------------------------------

HELLO = json.dumps({"language": "python", "source_code": "print(1)"}).encode()


def exchange(port, data, timeout=10, want_close=False):
    """Sends raw bytes, reads one answer (head + Content-Length body) and returns (status, parsed
    JSON body or raw bytes, closed); with want_close, closed says whether the server closed the
    connection right after the answer (a FIN or a reset, not a timeout), else it is None."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            head, sep, body = out.partition(b"\r\n\r\n")
            if sep:
                lens = [ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length:")]
                if lens and len(body) >= int(lens[0].split(b":")[1]):
                    break
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                b = b""
            if not b:
                break
            out += b
        closed = None
        if want_close:
            try:
                closed = s.recv(1) == b""
            except ConnectionResetError:
                closed = True
            except socket.timeout:
                closed = False
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    try:
        body = json.loads(body)
    except ValueError:
        pass
    return status_of(out), body, closed


def post(body, path=b"/execute", version=b"HTTP/1.1", headers=None):
    """A POST's raw bytes; headers (bytes, each ending in CRLF) default to Host and Content-Length."""
    if headers is None:
        headers = b"Host: x\r\nContent-Length: %d\r\n" % len(body)
    return b"POST " + path + b" " + version + b"\r\nContent-Type: application/json\r\n" + headers + b"\r\n" + body


def executions(s):
    """The sum of executioner_executions_total over all labels."""
    st, text, _ = s.request("GET", "/metrics")
    check(st == 200, st)
    return sum(float(ln.rsplit(" ", 1)[1]) for ln in text.splitlines() if ln.startswith("executioner_executions_total{"))


def still_serves(s):
    r = s.run("python", "print(1)")
    check(r["stdout"] == "1\n", r)


def test_body_with_trailing_bytes_is_refused():
    s = shared_server()
    for tail in (b" garbage", b'{"language":"python","source_code":"print(2)"}', b"\x00"):
        st, js, _ = exchange(s.port, post(HELLO + tail))
        check(st == 400 and "after the JSON" in js["error"], (tail, st, js))
    st, js, _ = exchange(s.port, post(HELLO + b" \r\n\t\n"))  # trailing whitespace is fine
    check(st == 200 and js["stdout"] == "1\n", (st, js))
    still_serves(s)


def test_duplicate_top_level_key_is_refused():
    s = shared_server()
    body = b'{"language":"python","language":"c","source_code":"print(1)"}'
    st, js, _ = exchange(s.port, post(body))
    check(st == 400 and js.get("field") == "language" and "more than once" in js["error"], (st, js))
    still_serves(s)


def test_duplicate_key_inside_a_test_is_refused():
    s = shared_server()
    body = (b'{"language":"python","source_code":"print(input())","tests":[{"stdin":"1","expected_output":"1"},'
            b'{"stdin":"2","expected_output":"2","stdin":"3"}]}')
    st, js, _ = exchange(s.port, post(body))
    check(st == 400 and js.get("field") == "tests[].stdin", (st, js))
    still_serves(s)


def test_two_differing_content_lengths_are_refused_and_closed():
    s = shared_server()
    before = executions(s)
    for lens in ((len(HELLO), len(HELLO) + 5), (len(HELLO) + 5, len(HELLO))):
        hdr = b"Host: x\r\nContent-Length: %d\r\ncontent-length: %d\r\n" % lens
        st, js, closed = exchange(s.port, post(HELLO + b"     ", headers=hdr), want_close=True)
        check(st == 400 and js.get("field") == "Content-Length", (lens, st, js))
        check(closed, f"the connection stayed open after the 400 ({lens})")
    check(executions(s) == before, "a job ran")
    still_serves(s)


def test_content_length_with_chunked_is_refused_and_closed():
    s = shared_server()
    before = executions(s)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(HELLO), HELLO)
    for te in (b"chunked", b"ChUnKeD"):
        hdr = b"Host: x\r\nContent-Length: %d\r\nTransfer-Encoding: %s\r\n" % (len(chunked), te)
        st, js, closed = exchange(s.port, post(chunked, headers=hdr), want_close=True)
        check(st == 400 and js.get("field") == "Transfer-Encoding", (te, st, js))
        check(closed, f"the connection stayed open after the 400 ({te})")
    check(executions(s) == before, "a job ran")
    # chunked alone is still fine
    st, js, _ = exchange(s.port, post(chunked, headers=b"Host: x\r\nTransfer-Encoding: chunked\r\n"))
    check(st == 200 and js["stdout"] == "1\n", (st, js))
    still_serves(s)


def test_encoded_nul_in_path_is_refused():
    s = shared_server()
    before = executions(s)
    for path in (b"/execute%00.png", b"/execute%00", b"/health%00x"):
        st, js, _ = exchange(s.port, post(HELLO, path=path))
        check(st == 400 and path.decode() in js["error"], (path, st, js))
    check(executions(s) == before, "a job ran")
    st, js, _ = exchange(s.port, post(HELLO, path=b"/%65xecute"))  # other escapes still decode
    check(st == 200 and js["stdout"] == "1\n", (st, js))
    still_serves(s)


def test_http11_without_host_is_refused_but_http10_is_not():
    s = shared_server()
    no_host = b"Content-Length: %d\r\n" % len(HELLO)
    st, js, _ = exchange(s.port, post(HELLO, headers=no_host))
    check(st == 400 and js.get("field") == "Host", (st, js))
    st, js, _ = exchange(s.port, b"GET /health HTTP/1.1\r\n\r\n")
    check(st == 400 and js.get("field") == "Host", (st, js))
    st, js, _ = exchange(s.port, post(HELLO, headers=b"Host: a\r\nHost: b\r\n" + no_host))  # RFC 9112 3.2
    check(st == 400 and js.get("field") == "Host", (st, js))
    st, js, _ = exchange(s.port, post(HELLO, version=b"HTTP/1.0", headers=no_host))
    check(st == 200 and js["stdout"] == "1\n", (st, js))
    still_serves(s)

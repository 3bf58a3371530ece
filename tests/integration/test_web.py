"""test_web.py - the browser page at /: HTTP (types, ETag/304, gzip, caching) and, in headless
Chromium driven by Debian's python3-selenium + chromium-driver, a Python run with stdin, a C++
compile error and a judge table of 3 tests. Screenshots go to build/screenshots/."""
import gzip
import http.client
import os
import re
import sys

import harness
from harness import check, shared_server

SHOTS = os.path.join(harness.ROOT, "build", "screenshots")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
MISSING = ("headless Chromium is missing ({what}): install chromium, chromium-driver and "
           "python3-selenium (conf/setup.sh deps, which `make test` runs)")


# ---------------------------------------------------------------------------------------------
# local helpers

def _get(s, path, headers=None, method="GET"):
    """One request through http.client (no decoding): (status, headers lower-cased, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def _selenium():
    """Debian's python3-selenium, also when python3 is another interpreter (pyenv)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        check(False, MISSING.format(what=f"python3-selenium: {e}"))
    for path in (CHROMIUM, CHROMEDRIVER):
        check(os.access(path, os.X_OK), MISSING.format(what=path))
    return webdriver, Service


def _browser():
    webdriver, Service = _selenium()
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,860", "--no-first-run", "--disable-extensions"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=o)


def _wait(d, cond, what, timeout=90):
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        return WebDriverWait(d, timeout).until(lambda _: cond())
    except Exception as e:  # noqa: BLE001 - TimeoutException and friends
        _shot(d, "failure")
        raise harness.TestFailure(f"page: {what} not seen within {timeout} s ({type(e).__name__})")


def _shot(d, name):
    os.makedirs(SHOTS, exist_ok=True)
    d.save_screenshot(os.path.join(SHOTS, f"web-{name}.png"))


def _el(d, id_):
    from selenium.webdriver.common.by import By
    return d.find_element(By.ID, id_)


def _text(d, id_):
    return _el(d, id_).get_attribute("textContent")


def _runs(d):
    return int(d.execute_script("return Number(document.body.dataset.runs || 0)"))


def _pick(d, lang):
    from selenium.webdriver.support.ui import Select
    Select(_el(d, "language")).select_by_value(lang)


def _type_code(d, code):
    """Types code into the CodeMirror editor as a user would (select all, then keys)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    ed = d.find_element(By.CSS_SELECTOR, "#editor .cm-content")
    ed.click()
    ed.send_keys(Keys.CONTROL, "a")
    ed.send_keys(Keys.DELETE)
    ed.send_keys(code)
    got = d.execute_script("return document.querySelector('#editor .cm-content').innerText")
    check(got.strip() == code.strip(), f"the editor holds {got!r} after typing {code!r}")
    return ed


def _run_and_wait(d, start, what, timeout=90):
    n = _runs(d)
    start()
    _wait(d, lambda: _runs(d) > n, what, timeout)
    msg = _el(d, "message")
    check(not msg.is_displayed(), f"the page shows an error: {msg.text}")


# ---------------------------------------------------------------------------------------------
# tests

def test_web_assets_http():
    s = shared_server()
    st, h, body = _get(s, "/")
    check(st == 200, f"GET / -> {st}")
    check(h.get("content-type", "").startswith("text/html"), f"Content-Type of /: {h}")
    check(h.get("cache-control") == "no-cache", f"Cache-Control of /: {h.get('cache-control')}")
    check(b"<title>Executioner</title>" in body and "content-encoding" not in h, "plain index.html")
    etag = h.get("etag", "")
    check(re.fullmatch(r'"[0-9a-f]{20}"', etag), f"ETag of /: {etag!r}")
    check(b"http://" not in body and b"https://" not in body, "index.html links nothing outside")
    st, h2, b2 = _get(s, "/", {"If-None-Match": etag})
    check(st == 304 and b2 == b"", f"If-None-Match -> {st} {b2[:80]!r}")
    st, h2, _ = _get(s, "/", {"If-None-Match": '"0000", W/' + etag})
    check(st == 304, f"a weak ETag in a list -> {st}")
    st, hz, bz = _get(s, "/", {"Accept-Encoding": "br, gzip;q=0.8"})
    check(st == 200 and hz.get("content-encoding") == "gzip", f"gzip not used: {hz}")
    check(gzip.decompress(bz) == body, "the gzip copy differs from the page")
    check(hz.get("etag") != etag and "accept-encoding" in hz.get("vary", "").lower(),
          f"gzip ETag/Vary: {hz}")
    st, h0, _ = _get(s, "/", {"Accept-Encoding": "gzip;q=0, identity"})
    check(st == 200 and "content-encoding" not in h0, "gzip;q=0 must get the identity body")
    for path, ctype in (("/app.js", "text/javascript"), ("/app.css", "text/css")):
        m = re.search(rb'"(%s\?v=([0-9a-f]+))"' % re.escape(path.encode()), body)
        check(m, f"index.html does not link {path} with its hash")
        st, ha, ba = _get(s, m.group(1).decode(), {"Accept-Encoding": "gzip"})
        check(st == 200 and ha.get("content-type", "").startswith(ctype), f"{path}: {st} {ha}")
        check("immutable" in ha.get("cache-control", ""), f"{path}?v=hash not immutable: {ha}")
        check(ha.get("etag") == f'"{m.group(2).decode()}.gz"', f"{path} ETag {ha.get('etag')}")
        raw = gzip.decompress(ba)
        check(len(raw) > 1000, f"{path} is nearly empty ({len(raw)} bytes)")
        st, hn, _ = _get(s, path)
        check(st == 200 and hn.get("cache-control") == "no-cache", f"{path} without ?v: {hn}")
    st, hh, bh = _get(s, "/", method="HEAD")
    check(st == 200 and bh == b"" and hh.get("content-type", "").startswith("text/html"),
          f"HEAD / {st}")
    st, hp, _ = _get(s, "/", method="POST")
    check(st == 405 and "GET" in hp.get("allow", ""), f"POST / -> {st} {hp}")
    st, _, _ = _get(s, "/app.jsx")
    check(st == 404, f"unknown asset -> {st}")


def test_web_page_in_chromium():
    s = shared_server()
    d = _browser()
    try:
        d.get(s.url("/"))
        _wait(d, lambda: d.execute_script(
            "return [...document.querySelectorAll('#language option')].map(o => o.value)"
        ).count("python") == 1, "the language list")
        st, langs, _ = s.request("GET", "/languages")
        opts = d.execute_script("return [...document.querySelectorAll('#language option')]"
                                ".map(o => [o.value, o.textContent])")
        check(len(opts) == len(langs), f"{len(opts)} languages on the page, {len(langs)} served")
        check(not _el(d, "keybox").is_displayed(),
              "the API key field shows though no key is needed")
        for (value, label), l in zip(opts, langs):
            check(value == l["id"] and l["version"] in label, f"option {value} {label!r} vs {l}")

        # Python reading stdin, run with Ctrl+Enter
        from selenium.webdriver.common.keys import Keys
        _pick(d, "python")
        ed = _type_code(d, "import sys; print(sys.stdin.read().upper(), end='')")
        _el(d, "stdin").send_keys("hello web\nsecond line")
        ed.click()
        _run_and_wait(d, lambda: ed.send_keys(Keys.CONTROL, Keys.ENTER), "the Python result")
        check(_text(d, "stdout") == "HELLO WEB\nSECOND LINE", f"stdout: {_text(d, 'stdout')!r}")
        check(_el(d, "status").get_attribute("data-status") == "ok", f"status {_text(d, 'status')}")
        stats = _text(d, "stats")
        check("exit code 0" in stats and "wall" in stats and "CPU" in stats and "peak" in stats,
              f"stats line: {stats!r}")
        _shot(d, "python")

        # C++ with a syntax error, run with the button
        _pick(d, "cpp")
        _type_code(d, "int main() { return 0 }")
        _run_and_wait(d, lambda: _el(d, "run").click(), "the C++ result")
        check(_el(d, "status").get_attribute("data-status") == "compile_error",
              f"status {_text(d, 'status')}")
        check(_text(d, "status") == "Compilation error", f"status words: {_text(d, 'status')!r}")
        comp = _text(d, "compile")
        check(_el(d, "compile").is_displayed() and "error" in comp and "expected" in comp,
              f"compile output: {comp!r}")
        _shot(d, "cpp-error")

        # a judge table of 3 tests, the second one wrong
        _pick(d, "python")
        _type_code(d, "print(sum(map(int, input().split())))")
        _el(d, "tab-judge").click()
        _el(d, "add-test").click()
        _el(d, "add-test").click()
        rows = d.find_elements("css selector", "#tests tr")
        check(len(rows) == 3, f"{len(rows)} test rows")
        for row, (inp, exp) in zip(rows, (("1 2", "3"), ("2 2", "5"), ("10 20", "30"))):
            areas = row.find_elements("css selector", "textarea")
            areas[0].send_keys(inp)
            areas[1].send_keys(exp)
        _run_and_wait(d, lambda: _el(d, "judge").click(), "the judge verdicts")
        got = d.execute_script("return [...document.querySelectorAll('#tests td.verdict .status')]"
                               ".map(e => [e.dataset.status, e.textContent])")
        check(got == [["accepted", "Accepted"], ["wrong_answer", "Wrong answer"],
                      ["accepted", "Accepted"]], f"verdicts: {got}")
        check(_el(d, "verdict").get_attribute("data-status") == "wrong_answer",
              f"overall verdict {_text(d, 'verdict')!r}")
        check("2/3 passed" in _text(d, "judge-stats"), f"judge stats {_text(d, 'judge-stats')!r}")
        _shot(d, "judge")

        # the same page narrow (phone) and dark
        d.set_window_size(400, 860)
        _wait(d, lambda: d.execute_script(
            "const r = document.querySelector('.side').getBoundingClientRect();"
            "const e = document.querySelector('.editor-pane').getBoundingClientRect();"
            "return r.top >= e.bottom - 1"), "the one-column layout")
        _shot(d, "narrow")
        d.set_window_size(1280, 860)
        d.execute_cdp_cmd("Emulation.setEmulatedMedia",
                          {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        _wait(d, lambda: d.execute_script(
            "return getComputedStyle(document.body).backgroundColor") == "rgb(22, 25, 31)",
            "the dark colour scheme")
        _el(d, "tab-run").click()
        _shot(d, "dark")
    finally:
        d.quit()


def test_web_every_language_template():
    """Each language's hello-world template runs from the page (Template button, then Run)."""
    s = shared_server()
    _, langs, _ = s.request("GET", "/languages")
    d = _browser()
    try:
        d.get(s.url("/"))
        _wait(d, lambda: len(d.find_elements("css selector", "#language option")) == len(langs),
              "the language list")
        for l in langs:
            _pick(d, l["id"])
            _el(d, "template").click()
            _run_and_wait(d, lambda: _el(d, "run").click(), f"the {l['id']} result", timeout=120)
            out, status = _text(d, "stdout"), _el(d, "status").get_attribute("data-status")
            check(status == "ok" and "Hello, world!" in out,
                  f"{l['id']}: {status} {out!r} {_text(d, 'compile')!r} {_text(d, 'stderr')!r}")
    finally:
        d.quit()


def test_web_share_link_and_storage():
    """The share link carries language and code; code is kept per language across reloads."""
    s = shared_server()
    d = _browser()
    try:
        d.get(s.url("/"))
        ready = lambda: d.execute_script(  # noqa: E731
            "return document.querySelectorAll('#language option').length > 1")
        _wait(d, ready, "the language list")
        d.execute_script("localStorage.clear()")
        _pick(d, "ruby")
        _type_code(d, 'puts "shared ünïcode"')
        _pick(d, "go")
        _pick(d, "ruby")
        code = lambda: d.execute_script(  # noqa: E731
            "return document.querySelector('#editor .cm-content').innerText").strip()
        check(code() == 'puts "shared ünïcode"', f"ruby code after switching back: {code()!r}")
        _el(d, "share").click()
        _wait(d, lambda: _el(d, "sharelink").get_attribute("value"), "the share link")
        link = _el(d, "sharelink").get_attribute("value")
        check("#lang=ruby&code=" in link, f"share link {link}")
        d.execute_script("localStorage.clear()")
        d.get("about:blank")
        d.get(link)
        _wait(d, ready, "the language list (shared link)")
        check(_el(d, "language").get_attribute("value") == "ruby", "the link's language")
        check(code() == 'puts "shared ünïcode"', f"the link's code: {code()!r}")
        d.get(s.url("/"))
        _wait(d, ready, "the language list (reload)")
        check(_el(d, "language").get_attribute("value") == "ruby" and "ünïcode" in code(),
              "the last language and its code are kept after a reload")
    finally:
        d.quit()


def test_web_api_key_and_refusals():
    """With auth.keys set the page still loads, says a key is needed (401) and shows the key
    field; with the key it lists languages; a refused request (400) is explained in words."""
    with harness.Server(env={"EXECUTIONER_AUTH_KEYS": "web-key-1"}) as s:
        s.wait_log("listening on", 60)
        st, h, _ = _get(s, "/")
        check(st == 200, f"GET / without a key -> {st} (the page must load to ask for one)")
        d = _browser()
        try:
            d.get(s.url("/"))
            _wait(d, lambda: _el(d, "message").is_displayed() and _el(d, "keybox").is_displayed(),
                  "the API key request")
            check("API key" in _el(d, "message").text, f"message: {_el(d, 'message').text!r}")
            _el(d, "apikey").send_keys("web-key-1")
            _el(d, "stdin").click()  # leaving the field commits it ("change")
            _wait(d, lambda: len(d.find_elements("css selector", "#language option")) > 1,
                  "the language list with the key")
            _shot(d, "api-key")
            _el(d, "time").send_keys("100000")
            _run_and_wait_refused(d)
            msg = _el(d, "message").text
            check("refused" in msg and "time_limit" in msg, f"400 message: {msg!r}")
        finally:
            d.quit()


def _run_and_wait_refused(d):
    n = _runs(d)
    _el(d, "run").click()
    _wait(d, lambda: _runs(d) > n, "the answer to a refused request")
    check(_el(d, "message").is_displayed(), "no message for a refused request")

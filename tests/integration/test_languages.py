"""test_languages.py - every configured language end to end through HTTP (POST /execute on the
shared server, default limits: 5 s, 256 MB): hello world, an idiomatic echo of stdin, a runtime
error, a compile error for the compiled languages, and GET /languages' version against the one the
program reports at run time.

The programs are one table (LANGS: one dict per language). From it this module makes one test
function per (case, language), e.g. test_hello_java or test_compile_error_rust, so a failure names
both. Tests run case by case (all hello worlds, then all echoes, ...) so that each language's pool
(size 1 on the shared server) refills while the other languages run."""
import re

import harness
from harness import check, shared_server

# Exact bytes read and written back: two lines, leading blanks, a tab, non-ASCII UTF-8.
ECHO_STDIN = "Hello, w\u00f6rld \u2713\n  second line\t42\n"

HELLO_OUT = "Hello, World!\n"

LANGS = {
    "python": {
        "compiled": False,
        "hello": 'print("Hello, World!")\n',
        "echo": "import sys\n\ndata = sys.stdin.read()\nsys.stdout.write(data)\n",
        "runtime_error": ("def f(x):\n    return 1 / x\n\nprint(f(0))\n",
                          {"exit_code": 1, "stderr": ["Traceback", "ZeroDivisionError: division by zero"]}),
        "version": "import platform\nprint(platform.python_version())\n",
    },
    "javascript": {
        "compiled": False,
        "hello": 'console.log("Hello, World!");\n',
        "echo": "const fs = require('fs');\nconst data = fs.readFileSync(0, 'utf8');\nprocess.stdout.write(data);\n",
        "runtime_error": ('function f() { throw new TypeError("bad value"); }\nf();\n',
                          {"exit_code": 1, "stderr": ["TypeError: bad value", "main.js"]}),
        "version": "console.log(process.versions.node);\n",
    },
    "typescript": {
        "compiled": True,
        "hello": 'const greeting: string = "Hello, World!";\nconsole.log(greeting);\n',
        "echo": ('import * as readline from "readline";\n\n'
                 "const rl = readline.createInterface({ input: process.stdin, terminal: false });\n"
                 "const lines: string[] = [];\n"
                 'rl.on("line", (line: string) => { lines.push(line); });\n'
                 'rl.on("close", () => { for (const l of lines) console.log(l); });\n'),
        "runtime_error": ('function f(n: number): number { if (n > 0) throw new RangeError("out of range: " + n);'
                          ' return n; }\nconsole.log(f(7));\n',
                          {"exit_code": 1, "stderr": ["RangeError: out of range: 7"]}),
        "compile_error": ('const n: number = "not a number";\nconsole.log(n);\n',
                          ["error TS2322", "main.ts"]),
        # the TypeScript package the compiler runs from (Debian's node-typescript in /usr/share/nodejs)
        "version": 'const ts = require("typescript");\nconsole.log(ts.version);\n',
    },
    "c": {
        "compiled": True,
        "hello": '#include <stdio.h>\n\nint main(void)\n{\n\tprintf("Hello, World!\\n");\n\treturn 0;\n}\n',
        "echo": ("#include <stdio.h>\n\nint main(void)\n{\n\tchar line[256];\n"
                 "\twhile (fgets(line, sizeof line, stdin))\n\t\tfputs(line, stdout);\n\treturn 0;\n}\n"),
        "runtime_error": ("#include <assert.h>\n#include <stdio.h>\n\nint main(void)\n{\n\tint n = 0;\n"
                          "\tif (scanf(\"%d\", &n) != 1) n = 1;\n\tassert(n == 2);\n\treturn 0;\n}\n",
                          {"signal": "SIGABRT", "stderr": ["Assertion", "n == 2", "failed"]}),
        "compile_error": ("#include <stdio.h>\n\nint main(void)\n{\n\tprintf(\"%d\\n\", undeclared_thing);\n"
                          "\treturn 0;\n}\n",
                          ["error:", "undeclared_thing"]),
        "version": ('#include <stdio.h>\n\nint main(void)\n{\n'
                    '\tprintf("%d.%d.%d\\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);\n'
                    '\tprintf("%s\\n", __VERSION__);\n\treturn 0;\n}\n'),
    },
    "cpp": {
        "compiled": True,
        "hello": '#include <iostream>\n\nint main()\n{\n    std::cout << "Hello, World!" << std::endl;\n}\n',
        "echo": ("#include <iostream>\n#include <string>\n\nint main()\n{\n"
                 "    std::ios::sync_with_stdio(false);\n    std::string line;\n"
                 "    while (std::getline(std::cin, line))\n        std::cout << line << '\\n';\n}\n"),
        "runtime_error": ('#include <stdexcept>\n#include <vector>\n\nint main()\n{\n    std::vector<int> v(3);\n'
                          '    return v.at(10);\n}\n',
                          {"signal": "SIGABRT", "stderr": ["terminate called", "std::out_of_range"]}),
        "compile_error": ("#include <iostream>\n\nint main()\n{\n    std::string s = 42;\n"
                          "    std::cout << s << std::endl;\n}\n",
                          ["error:", "main.cpp"]),
        "version": ('#include <iostream>\n\nint main()\n{\n'
                    '    std::cout << __GNUC__ << "." << __GNUC_MINOR__ << "." << __GNUC_PATCHLEVEL__ << "\\n"\n'
                    '              << __VERSION__ << "\\n";\n}\n'),
    },
    "bash": {
        "compiled": False,
        "hello": 'echo "Hello, World!"\n',
        "echo": 'while IFS= read -r line; do\n  printf \'%s\\n\' "$line"\ndone\n',
        "runtime_error": ('set -e\necho "before"\nno_such_command_xyz --flag\necho "after"\n',
                          {"exit_code": 127, "stderr": ["no_such_command_xyz", "command not found"],
                           "stdout": "before\n"}),
        "version": 'echo "$BASH_VERSION"\n',
    },
    "go": {
        "compiled": True,
        "hello": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("Hello, World!")\n}\n',
        "echo": ('package main\n\nimport (\n\t"bufio"\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n'
                 '\tsc := bufio.NewScanner(os.Stdin)\n\tfor sc.Scan() {\n\t\tfmt.Println(sc.Text())\n\t}\n}\n'),
        "runtime_error": ('package main\n\nimport "fmt"\n\nfunc main() {\n\tvar m map[string]int\n'
                          '\tfmt.Println("before")\n\tm["x"] = 1\n}\n',
                          {"exit_code": 2, "stdout": "before\n",
                           "stderr": ["panic: assignment to entry in nil map", "goroutine 1 [running]"]}),
        "compile_error": ('package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println(notDefinedAnywhere)\n}\n',
                          ["undefined", "notDefinedAnywhere"]),
        "version": ('package main\n\nimport (\n\t"fmt"\n\t"runtime"\n\t"strings"\n)\n\nfunc main() {\n'
                    '\tfmt.Println(strings.TrimPrefix(runtime.Version(), "go"))\n}\n'),
    },
    "java": {
        "compiled": True,
        "hello": ('public class Main {\n    public static void main(String[] args) {\n'
                  '        System.out.println("Hello, World!");\n    }\n}\n'),
        "echo": ('import java.io.BufferedReader;\nimport java.io.IOException;\nimport java.io.InputStreamReader;\n\n'
                 'public class Main {\n    public static void main(String[] args) throws IOException {\n'
                 '        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));\n'
                 '        String line;\n        while ((line = in.readLine()) != null) {\n'
                 '            System.out.println(line);\n        }\n    }\n}\n'),
        "runtime_error": ('public class Main {\n    static int div(int a, int b) { return a / b; }\n'
                          '    public static void main(String[] args) {\n'
                          '        System.out.println(div(1, 0));\n    }\n}\n',
                          {"exit_code": 1, "stderr": ['Exception in thread "main"', "java.lang.ArithmeticException",
                                                      "/ by zero", "Main.div"]}),
        "compile_error": ('public class Main {\n    public static void main(String[] args) {\n'
                          '        int x = "text"\n    }\n}\n',
                          ["Main.java", "error:"]),
        "version": ('public class Main {\n    public static void main(String[] args) {\n'
                    '        System.out.println(System.getProperty("java.version"));\n    }\n}\n'),
    },
    "rust": {
        "compiled": True,
        "hello": 'fn main() {\n    println!("Hello, World!");\n}\n',
        "echo": ('use std::io::{self, Read, Write};\n\nfn main() {\n    let mut input = String::new();\n'
                 '    io::stdin().read_to_string(&mut input).unwrap();\n'
                 '    io::stdout().write_all(input.as_bytes()).unwrap();\n}\n'),
        "runtime_error": ('fn main() {\n    let v: Vec<i32> = Vec::new();\n    let r: Result<i32, String> = '
                          'Err("bad input".to_string());\n    println!("{}", v.len());\n'
                          '    r.expect("could not parse");\n}\n',
                          {"exit_code": 101, "stdout": "0\n",
                           "stderr": ["thread 'main' panicked", "could not parse", "bad input"]}),
        "compile_error": ('fn main() {\n    let n: i32 = "not a number";\n    println!("{}", n);\n}\n',
                          ["error[E0308]", "mismatched types", "main.rs"]),
        # Nothing in std reports the compiler's version; rustc writes "rustc version X.Y.Z" into
        # the .comment section of every binary, so the program reads it from its own executable.
        # (The key is built at run time so that the program's own string constant is not a match.)
        "version": ('fn main() {\n    let exe = std::fs::read("/proc/self/exe").unwrap();\n'
                    '    let text = String::from_utf8_lossy(&exe);\n'
                    '    let key = ["rustc", "version "].join(" ");\n'
                    '    for (at, _) in text.match_indices(key.as_str()) {\n'
                    '        let ver: String = text[at + key.len()..].chars()\n'
                    '            .take_while(|c| c.is_ascii_digit() || *c == \'.\').collect();\n'
                    '        if !ver.is_empty() {\n            println!("{}", ver);\n            return;\n        }\n'
                    '    }\n    eprintln!("no rustc version in the binary");\n    std::process::exit(1);\n}\n'),
    },
    "ruby": {
        "compiled": False,
        "hello": 'puts "Hello, World!"\n',
        "echo": "data = STDIN.read\nprint data\n",
        "runtime_error": ('def check(x)\n  raise ArgumentError, "negative: #{x}" if x < 0\nend\ncheck(-5)\n',
                          {"exit_code": 1, "stderr": ["negative: -5", "(ArgumentError)", "main.rb"]}),
        "version": "puts RUBY_VERSION\n",
    },
    "php": {
        "compiled": False,
        "hello": '<?php\necho "Hello, World!\\n";\n',
        "echo": "<?php\n$data = stream_get_contents(STDIN);\necho $data;\n",
        "runtime_error": ('<?php\nfunction check($x) {\n    throw new InvalidArgumentException("bad x: $x");\n}\n'
                          'check(3);\n',
                          {"exit_code": 255, "stderr": ["Uncaught InvalidArgumentException", "bad x: 3"]}),
        "version": "<?php\necho PHP_VERSION, \"\\n\";\n",
    },
}

COMPILED = {"typescript", "c", "cpp", "go", "java", "rust"}


def _ctx(lang, case, r):
    """The part of a result worth showing in a failure message."""
    keep = ("status", "stdout", "stderr", "exit_code", "signal", "error", "compile_output", "timeout",
            "memory_exceeded", "execution_time_ms", "cpu_time_ms", "memory_used_mb", "compile_time_ms", "timing")
    return f"[{lang}/{case}] " + repr({k: r.get(k) for k in keep if k in r} if isinstance(r, dict) else r)


def _compile_clean(lang, case, r):
    """A compiled language's successful compile said nothing alarming."""
    if LANGS[lang]["compiled"]:
        check("compile_output" in r, f"{_ctx(lang, case, r)}: no compile_output for a compiled language")
        check("error" not in r.get("compile_output", "").lower(), f"{_ctx(lang, case, r)}: compile output has an error")


# ---- the cases ------------------------------------------------------------------------------

def case_hello(lang):
    r = shared_server().run(lang, LANGS[lang]["hello"])
    c = _ctx(lang, "hello", r)
    check(r["status"] == "ok", f"{c}: status")
    check(r["stdout"] == HELLO_OUT, f"{c}: stdout")
    check(r["exit_code"] == 0 and r["signal"] is None, f"{c}: exit")
    check(r["stderr"] == "", f"{c}: stderr not empty")
    check(not r["timeout"] and not r["memory_exceeded"] and not r["output_truncated"], f"{c}: flags")
    _compile_clean(lang, "hello", r)


def case_echo(lang):
    r = shared_server().run(lang, LANGS[lang]["echo"], stdin=ECHO_STDIN)
    c = _ctx(lang, "echo", r)
    check(r["status"] == "ok" and r["exit_code"] == 0, f"{c}: status")
    check(r["stdout"] == ECHO_STDIN, f"{c}: stdout is not the stdin bytes {ECHO_STDIN!r}")
    check(r["stderr"] == "", f"{c}: stderr not empty")
    _compile_clean(lang, "echo", r)


def case_runtime_error(lang):
    code, want = LANGS[lang]["runtime_error"]
    r = shared_server().run(lang, code, stdin="1\n")
    c = _ctx(lang, "runtime_error", r)
    check(r["status"] == "runtime_error", f"{c}: status")
    check((r["exit_code"] not in (0, None)) or r["signal"], f"{c}: neither a non-zero exit nor a signal")
    if "signal" in want:
        check(r["signal"] == want["signal"] and r["exit_code"] is None, f"{c}: want signal {want['signal']}")
    else:
        check(r["exit_code"] == want["exit_code"] and r["signal"] is None, f"{c}: want exit {want['exit_code']}")
    for needle in want["stderr"]:
        check(needle in r["stderr"], f"{c}: {needle!r} not in stderr")
    if "stdout" in want:
        check(r["stdout"] == want["stdout"], f"{c}: stdout before the error")
    check(not r["timeout"] and not r["memory_exceeded"], f"{c}: flags")
    _compile_clean(lang, "runtime_error", r)


def case_compile_error(lang):
    code, needles = LANGS[lang]["compile_error"]
    r = shared_server().run(lang, code)
    c = _ctx(lang, "compile_error", r)
    check(r["status"] == "compile_error", f"{c}: status")
    out = r.get("compile_output")
    check(isinstance(out, str) and out, f"{c}: compile_output empty")
    for needle in needles:
        check(needle in out, f"{c}: {needle!r} not in compile_output")
    check(r["stdout"] == "" and r["exit_code"] is None and r["signal"] is None, f"{c}: a run happened")
    check("compilation stopped" not in out and "killed by signal" not in out,
          f"{c}: the compiler hit a limit instead of reporting the error")


_listed = {}


def _languages():
    if not _listed:
        st, js, _ = shared_server().request("GET", "/languages")
        check(st == 200 and isinstance(js, list), f"GET /languages: {st} {js}")
        _listed.update({o["id"]: o for o in js})
    return _listed


def case_version(lang):
    listed = _languages().get(lang)
    check(listed is not None, f"[{lang}/version] not in GET /languages")
    r = shared_server().run(lang, LANGS[lang]["version"])
    c = _ctx(lang, "version", r) + f" listed={listed['version']!r}"
    check(r["status"] == "ok", f"{c}: status")
    lines = r["stdout"].splitlines()
    check(lines, f"{c}: no output")
    got = lines[0].strip()
    if lang == "bash":  # "5.2.15(1)-release"
        m = re.match(r"[0-9.]+", got)
        got = m.group(0) if m else got
    check(got == listed["version"], f"{c}: runtime reports {got!r}, GET /languages says {listed['version']!r}")
    if lang in ("c", "cpp"):  # __VERSION__ is "12.2.0" (Debian's gcc) - it starts with the same
        check(len(lines) > 1 and lines[1].startswith(listed["version"]), f"{c}: __VERSION__ {lines[1:]}")


CASES = [("hello", case_hello), ("echo", case_echo), ("runtime_error", case_runtime_error),
         ("compile_error", case_compile_error), ("version", case_version)]


# ---- the tests ------------------------------------------------------------------------------

def test_languages_lists_all_eleven():
    langs = _languages()
    want = set(LANGS)
    check(set(langs) == want, f"GET /languages ids {sorted(langs)} != {sorted(want)}")
    for lid, o in langs.items():
        check(o["compiled"] == (lid in COMPILED), f"{lid}: compiled={o['compiled']}")
        check(re.fullmatch(r"[0-9]+(\.[0-9]+){1,3}", o["version"] or ""), f"{lid}: version {o['version']!r}")
        check(o["name"] and o["image"] and o["file"], f"{lid}: incomplete entry {o}")
        check(LANGS[lid]["compiled"] == (lid in COMPILED), f"table: {lid}")


def _make(case, fn, lang):
    # the first job of a runtime not used for a minute or more reads it back from disk (README,
    # Tests: the VM's DAMON pageout drops idle page cache), which can push it past its 5 s limit
    @harness.retry(1, reason="a runtime's first job after idle page-cache eviction can stall for seconds")
    def test():
        fn(lang)
    test.__name__ = test.__qualname__ = f"test_{case}_{lang}"
    test.__doc__ = f"{lang}: {case}"
    return test


for _case, _fn in CASES:
    for _lang in LANGS:
        if _case == "compile_error" and not LANGS[_lang]["compiled"]:
            continue
        globals()[f"test_{_case}_{_lang}"] = _make(_case, _fn, _lang)

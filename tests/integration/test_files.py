"""test_files.py - multi-file programs (`files`, `main`) and `output_files` of POST /execute:
packages and headers run, every bad name is a 400 naming its field, base64 content arrives
byte for byte, output files come back as text or base64, and a symlink the program planted is
reported as an error for that file, never followed."""
import base64
import json

from harness import check, shared_server


def _files_run(s, language, files, **kw):
    return s.run(language, files=files, **kw)


def test_python_package_of_three_files():
    s = shared_server()
    r = _files_run(s, "python", [
        {"name": "main.py", "content": "from pkg.util import twice\nprint(twice(21))\n"},
        {"name": "pkg/util.py", "content": "def twice(x):\n    return 2 * x\n"},
        {"name": "pkg/__init__.py", "content": ""},
    ])
    check(r["status"] == "ok" and r["stdout"] == "42\n", r)


def test_c_program_with_a_header():
    s = shared_server()
    r = _files_run(s, "c", [
        {"name": "main.c", "content": '#include <stdio.h>\n#include "util.h"\n'
                                      'int main(void){printf("%d\\n", triple(14));return 0;}\n'},
        {"name": "util.h", "content": "static inline int triple(int x) { return 3 * x; }\n"},
    ])
    check(r["status"] == "ok" and r["stdout"] == "42\n", r)


def test_main_names_the_entry_and_source_code_beside_files():
    s = shared_server()
    r = _files_run(s, "python", [
        {"name": "helper.py", "content": "NAME = 'helper'\n"},
        {"name": "app.py", "content": "import helper, os\nprint(helper.NAME, sorted(os.listdir('.')))\n"},
    ], main="app.py")
    # the entry is written as the language's file (main.py), the others under their names
    check(r["status"] == "ok" and r["stdout"].startswith("helper ") and "'main.py'" in r["stdout"]
          and "'app.py'" not in r["stdout"], r)
    st, r = s.execute({"language": "python", "source_code": "import data\nprint(data.X)",
                       "files": [{"name": "data.py", "content": "X = 7"}]})
    check(st == 200 and r["stdout"] == "7\n", (st, r))


def test_base64_content_arrives_byte_for_byte():
    s = shared_server()
    blob = bytes(range(256)) * 4
    r = _files_run(s, "python", [
        {"name": "main.py", "content": base64.b64encode(
            b"import hashlib\nprint(hashlib.sha256(open('d/blob.bin','rb').read()).hexdigest())\n"
        ).decode(), "encoding": "base64"},
        {"name": "d/blob.bin", "content": base64.b64encode(blob).decode(), "encoding": "base64"},
    ])
    import hashlib
    check(r["status"] == "ok" and r["stdout"].strip() == hashlib.sha256(blob).hexdigest(), r)


def test_bad_names_are_400_naming_the_field():
    s = shared_server()
    entry = {"name": "main.py", "content": "print(1)"}
    for name, why in (("../x", '".."'), ("/etc/x", "absolute"), ("a//b", "empty"), ("", "empty"),
                      ("x" * 300, "255"), ("a/b/c/d/e", "4 levels"), ("main.py", "duplicates")):
        st, js = s.execute({"language": "python", "files": [entry, {"name": name, "content": ""}]})
        check(st == 400 and js.get("field") == "files[1].name" and why in js.get("error", ""),
              (name, st, js))
    st, js = s.execute({"language": "python", "files": [
        entry, {"name": "a.py", "content": ""}, {"name": "a.py", "content": ""}]})
    check(st == 400 and js.get("field") == "files[2].name" and "duplicates" in js["error"], (st, js))
    # the entry (here a.py) is written as main.py: another main.py would overwrite it
    st, js = s.execute({"language": "python", "files": [
        {"name": "a.py", "content": ""}, {"name": "main.py", "content": ""}]})
    check(st == 400 and js.get("field") == "files[1].name" and "entry" in js["error"], (st, js))
    st, js = s.execute({"language": "python", "files": [
        entry, {"name": "b.bin", "content": "not base64!", "encoding": "base64"}]})
    check(st == 400 and js.get("field") == "files[1].content", (st, js))
    st, js = s.execute({"language": "python", "files": [entry], "main": "nope.py"})
    check(st == 400 and js.get("field") == "main", (st, js))
    st, js = s.execute({"language": "python", "source_code": "print(1)",
                        "output_files": ["ok.txt", "../etc/passwd"]})
    check(st == 400 and js.get("field") == "output_files[1]", (st, js))
    st, js = s.execute({"language": "python", "source_code": "print(1)", "output_files": ["a"],
                        "tests": [{"stdin": "", "expected_output": "1"}]})
    check(st == 400 and js.get("field") == "output_files" and "tests" in js["error"], (st, js))


WRITER = """
import os
open('out.txt', 'w').write('hello files\\n')
os.makedirs('res', exist_ok=True)
open('res/data.bin', 'wb').write(bytes(range(256)))
os.symlink('/etc/passwd', 'leak.txt')
os.symlink('/etc', 'etcdir')
print('written')
"""


def test_output_files_text_binary_symlink_missing():
    s = shared_server()
    st, r = s.execute({"language": "python", "source_code": WRITER,
                       "output_files": ["out.txt", "res/data.bin", "leak.txt", "etcdir/passwd",
                                        "missing.txt", "res"]})
    check(st == 200 and r["status"] == "ok" and r["stdout"] == "written\n", (st, r))
    of = r.get("output_files")
    check(isinstance(of, list) and [f["name"] for f in of] ==
          ["out.txt", "res/data.bin", "leak.txt", "etcdir/passwd", "missing.txt", "res"], r)
    check(of[0] == {"name": "out.txt", "content": "hello files\n", "encoding": "utf8", "size": 12,
                    "truncated": False}, of[0])
    check(of[1]["encoding"] == "base64" and base64.b64decode(of[1]["content"]) == bytes(range(256))
          and of[1]["size"] == 256 and of[1]["truncated"] is False, of[1])
    check(of[2] == {"name": "leak.txt", "error": "is a symbolic link"}, of[2])
    check("content" not in of[3] and "symbolic link" in of[3].get("error", ""), of[3])
    check(of[4] == {"name": "missing.txt", "error": "no such file"}, of[4])
    check(of[5] == {"name": "res", "error": "is a directory"}, of[5])
    text = json.dumps(r)
    check("root:" not in text and "/bin/" not in text, f"passwd content leaked: {text[:400]}")


def test_output_files_after_a_failed_run_and_in_a_compiled_language():
    s = shared_server()
    st, r = s.execute({"language": "c", "source_code":
                       '#include <stdio.h>\nint main(void){FILE *f=fopen("o.txt","w");'
                       'fputs("from c",f);fclose(f);return 3;}',
                       "output_files": ["o.txt"]})
    check(st == 200 and r["status"] == "runtime_error" and r["exit_code"] == 3, (st, r))
    check(r["output_files"] == [{"name": "o.txt", "content": "from c", "encoding": "utf8",
                                 "size": 6, "truncated": False}], r)
    # a compile error runs nothing: no output_files at all
    st, r = s.execute({"language": "c", "source_code": "int main(void){ return nope; }",
                       "output_files": ["o.txt"]})
    check(st == 200 and r["status"] == "compile_error" and "output_files" not in r, (st, r))


def test_files_in_judge_mode():
    s = shared_server()
    st, r = s.execute({"language": "python", "files": [
        {"name": "main.py", "content": "from lib import add\nprint(add(*map(int, input().split())))"},
        {"name": "lib.py", "content": "def add(a, b):\n    return a + b\n"}],
        "tests": [{"stdin": "1 2", "expected_output": "3"}, {"stdin": "5 5", "expected_output": "10"}]})
    check(st == 200 and r["verdict"] == "accepted" and r["passed"] == 2, (st, r))


def test_output_files_of_a_locked_work_dir_are_errors_not_a_failed_job():
    s = shared_server()
    st, r = s.execute({"language": "python", "source_code":
                       "import os\nopen('o.txt','w').write('x')\nos.chmod('.', 0)\nprint('locked')",
                       "output_files": ["o.txt"]})
    check(st == 200 and r["status"] == "ok" and r["stdout"] == "locked\n", (st, r))
    check(r["output_files"] == [{"name": "o.txt", "error": "permission denied"}], r)

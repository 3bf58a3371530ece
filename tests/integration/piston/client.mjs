// client.mjs - the npm package piston-client (unchanged, pinned in package-lock.json) against an
// Executioner server: node client.mjs http://127.0.0.1:PORT prints one JSON object holding what
// runtimes() and a few execute() calls answered; tests/integration/test_piston.py checks it.
import { piston } from "piston-client";

const server = process.argv[2];
const client = piston({ server });

const py = [
  "import sys",
  "data = sys.stdin.read()",
  "print('args', ' '.join(sys.argv[1:]))",
  "print('upper', data.upper(), end='')",
  "print('to stderr', file=sys.stderr)",
].join("\n");

const cpp = [
  "#include <iostream>",
  "int main(int argc, char **argv) {",
  "  long a, b;",
  "  std::cin >> a >> b;",
  "  std::cout << \"sum \" << a + b << \"\\n\";",
  "  for (int i = 1; i < argc; i++) std::cout << \"arg \" << argv[i] << \"\\n\";",
  "  return a + b == 5 ? 0 : 4;",
  "}",
].join("\n");

const out = {};
out.runtimes = await client.runtimes();
out.python = await client.execute("python", py, { stdin: "hello\nworld\n", args: ["a", "b c"] });
out.python_defaults = await client.execute("python", "import sys\nprint(sys.argv[1:])");
out.cpp = await client.execute("c++", cpp, { stdin: "2 3", args: ["x", "y"] });
out.cpp_fail = await client.execute({ language: "c++", version: "*", files: [{ content: cpp }],
  stdin: "1 1" });
out.cpp_compile_error = await client.execute("c++", "int main() { return nope; }");
out.unknown = await client.execute("cobol", "DISPLAY 'HI'.", { version: "1.0.0" });
console.log(JSON.stringify(out));

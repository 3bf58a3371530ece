// templates.js - a hello-world program per language (file names as in executioner.conf: Java's
// class is Main) and the CodeMirror language support that highlights each of them.
import { python } from "@codemirror/lang-python";
import { javascript } from "@codemirror/lang-javascript";
import { cpp } from "@codemirror/lang-cpp";
import { java } from "@codemirror/lang-java";
import { rust } from "@codemirror/lang-rust";
import { go } from "@codemirror/lang-go";
import { php } from "@codemirror/lang-php";
import { StreamLanguage } from "@codemirror/language";
import { ruby } from "@codemirror/legacy-modes/mode/ruby";
import { shell } from "@codemirror/legacy-modes/mode/shell";

export const TEMPLATES = {
  python: 'print("Hello, world!")\n',
  javascript: 'console.log("Hello, world!");\n',
  typescript: 'const greet = (who: string): string => `Hello, ${who}!`;\n' +
    'console.log(greet("world"));\n',
  c: '#include <stdio.h>\n\nint main(void)\n{\n\tprintf("Hello, world!\\n");\n\treturn 0;\n}\n',
  cpp: '#include <iostream>\n\nint main()\n{\n' +
    '\tstd::cout << "Hello, world!" << std::endl;\n\treturn 0;\n}\n',
  bash: '#!/bin/bash\necho "Hello, world!"\n',
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("Hello, world!")\n}\n',
  java: 'public class Main {\n\tpublic static void main(String[] args) {\n' +
    '\t\tSystem.out.println("Hello, world!");\n\t}\n}\n',
  rust: 'fn main() {\n    println!("Hello, world!");\n}\n',
  ruby: 'puts "Hello, world!"\n',
  php: '<?php\necho "Hello, world!\\n";\n',
};

const SUPPORT = {
  python: () => python(),
  javascript: () => javascript(),
  typescript: () => javascript({ typescript: true }),
  c: () => cpp(),
  cpp: () => cpp(),
  java: () => java(),
  rust: () => rust(),
  go: () => go(),
  php: () => php(),
  ruby: () => StreamLanguage.define(ruby),
  bash: () => StreamLanguage.define(shell),
};

// The highlighting of a language id; unknown ids (a language added to the config later) get none.
export function languageSupport(id) {
  const f = SUPPORT[id];
  return f ? f() : [];
}

export function template(id) {
  return TEMPLATES[id] ?? "";
}

// editor.js - the CodeMirror 6 editor: basic setup, the language's highlighting, light or dark
// theme following the system, and Ctrl/Cmd+Enter bound to the page's run action.
import { basicSetup } from "codemirror";
import { EditorView, keymap } from "@codemirror/view";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { oneDark } from "@codemirror/theme-one-dark";
import { languageSupport } from "./templates.js";

const dark = window.matchMedia("(prefers-color-scheme: dark)");

export function createEditor(parent, { onRun, onChange }) {
  const lang = new Compartment();
  const theme = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: "",
      extensions: [
        Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { onRun(); return true; } }])),
        basicSetup,
        keymap.of([indentWithTab]),
        lang.of([]),
        theme.of(dark.matches ? oneDark : []),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(); }),
        EditorView.contentAttributes.of({ "aria-label": "Code", spellcheck: "false" }),
      ],
    }),
  });
  dark.addEventListener("change", () => {
    view.dispatch({ effects: theme.reconfigure(dark.matches ? oneDark : []) });
  });
  return {
    view,
    getCode: () => view.state.doc.toString(),
    setCode(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    setLanguage(id) {
      view.dispatch({ effects: lang.reconfigure(languageSupport(id)) });
    },
    focus: () => view.focus(),
  };
}

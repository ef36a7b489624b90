// The writing surface of every Markdown field (`textarea[data-rich]`: post
// bodies, petition texts, newsletter issues, text blocks), for browsers
// that run scripts; without them the textarea is the editor.
//
// The text is edited formatted (Squire, squire.js) and written back into
// the textarea as Markdown (Turndown, turndown.js) as it is typed, so the
// form sends, autosave.js keeps and the site stores the same Markdown as
// before. "Markdown" shows the textarea itself, with a live preview from
// the server's renderer. A text the formatted view could not give back
// exactly (a table, raw HTML) opens as Markdown and says why.

/* global Squire, TurndownService */

const csrf = document.querySelector("input[name=csrf]")?.value ?? "";
const modeKey = "pamphlet:editor-mode";

// The server's own renderer (comrak + ammonia): the same safe HTML the site shows.
async function rendered(markdown) {
  const response = await fetch("/admin/markdown", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": csrf },
    body: new URLSearchParams({ markdown }),
    credentials: "same-origin",
  });
  if (response.redirected) throw new Error("Your session has ended: sign in again in another tab. Your text stays here and in this browser.");
  if (!response.ok) throw new Error("The preview is not available right now; your text is safe.");
  return response.text();
}

// ---- HTML → Markdown -------------------------------------------------------

const turndown = new TurndownService({
  headingStyle: "atx",
  bulletListMarker: "-",
  emDelimiter: "_",
  strongDelimiter: "**",
  codeBlockStyle: "fenced",
  br: "\\",
});
turndown.addRule("strike", { filter: ["s", "del"], replacement: (text) => `~~${text}~~` });
// List items with one space after the marker, as people type them.
turndown.addRule("listItem", {
  filter: "li",
  replacement: (content, node) => {
    const list = node.parentNode;
    const start = Number(list.getAttribute("start") || 1);
    const prefix = list.nodeName === "OL" ? `${start + [...list.children].indexOf(node)}. ` : "- ";
    const body = content.replace(/^\n+/, "").replace(/\n+$/, "\n").replace(/\n/gm, `\n${" ".repeat(prefix.length)}`);
    return prefix + body + (node.nextSibling && !/\n$/.test(body) ? "\n" : "");
  },
});
// Tables stay HTML inside the Markdown, which the renderer passes on.
turndown.keep(["table"]);
// An empty line typed in the editor is no paragraph of its own.
turndown.addRule("empty", {
  filter: (node) => /^(P|DIV|H[1-6])$/.test(node.nodeName) && !node.textContent.trim() && !node.querySelector("img"),
  replacement: () => "\n\n",
});

const toMarkdown = (html) =>
  turndown
    .turndown(html)
    .replace(/\\\n(?=\n|$)/g, "\n") // a line break at a block's end
    .replace(/\u00a0/g, " ") // the spaces a browser keeps at the edge of a word's formatting
    .replace(/\n{3,}/g, "\n\n")
    .trim();

// ---- What the editor may hold: pasted or loaded HTML, cleaned ---------------

// Tags kept (renamed to the editor's own), and tags dropped with their content.
const KEEP = {
  P: "P", DIV: "P", H1: "H2", H2: "H2", H3: "H3", H4: "H4", H5: "H4", H6: "H4",
  UL: "UL", OL: "OL", LI: "LI", BLOCKQUOTE: "BLOCKQUOTE", PRE: "PRE", CODE: "CODE",
  B: "B", STRONG: "B", I: "I", EM: "I", S: "S", DEL: "S", STRIKE: "S", A: "A", BR: "BR", IMG: "IMG",
  TABLE: "TABLE", THEAD: "THEAD", TBODY: "TBODY", TR: "TR", TH: "TH", TD: "TD",
};
const DROP = new Set(["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT", "EMBED", "SVG", "MATH", "HEAD",
  "META", "LINK", "TITLE", "NOSCRIPT", "BUTTON", "INPUT", "SELECT", "TEXTAREA", "FORM", "CANVAS", "VIDEO", "AUDIO"]);

const safeHref = (href) => /^(https?:|mailto:|\/(?!\/)|#)/i.test(href.trim()) ? href.trim() : null;

// Word and Google Docs carry emphasis and list items in styles.
function styled(el) {
  const style = el.getAttribute("style") || "";
  const weight = /font-weight\s*:\s*(bold|[6-9]00)/i.test(style);
  const plain = /font-weight\s*:\s*(normal|[1-4]00)/i.test(style);
  return {
    bold: weight,
    notBold: plain,
    italic: /font-style\s*:\s*italic/i.test(style),
    wordListMarker: /mso-list\s*:\s*Ignore/i.test(style),
    wordListItem: /mso-list\s*:\s*l\d/i.test(style),
  };
}

function cleanChildren(from, into) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) into.append(node.textContent);
    else if (node.nodeType === Node.ELEMENT_NODE) cleanElement(node, into);
  }
}

function cleanElement(el, into) {
  const name = el.nodeName.toUpperCase().replace(/^O:P$/, "SPAN");
  if (DROP.has(name)) return;
  const style = styled(el);
  if (style.wordListMarker) return;
  let tag = KEEP[name];
  if ((tag === "B") && style.notBold) tag = null; // Google Docs wraps a whole paste in <b style="font-weight:normal">
  if (style.wordListItem) tag = "LI";
  // A div holding blocks is only a wrapper.
  if (name === "DIV" && el.querySelector("p,div,h1,h2,h3,h4,h5,h6,ul,ol,blockquote,pre,table")) tag = null;
  let target = into;
  if (tag) {
    const made = document.createElement(tag);
    if (tag === "A") {
      const href = safeHref(el.getAttribute("href") || "");
      if (!href) { cleanChildren(el, into); return; }
      made.setAttribute("href", href);
    }
    if (tag === "IMG") {
      // Only this site's own pictures; others are dropped (they would load from elsewhere).
      const src = el.getAttribute("src") || "";
      if (!src.startsWith("/")) return;
      made.setAttribute("src", src);
      made.setAttribute("alt", el.getAttribute("alt") || "");
    }
    if ((tag === "TH" || tag === "TD") && el.hasAttribute("align")) made.setAttribute("align", el.getAttribute("align"));
    into.append(made);
    target = made;
  }
  if (!["B", "I"].includes(tag)) {
    if (style.bold) target = target.appendChild(document.createElement("B"));
    if (style.italic) target = target.appendChild(document.createElement("I"));
  }
  cleanChildren(el, target);
}

// Word's list items are paragraphs; consecutive ones become one list.
function gatherListItems(fragment) {
  let list = null;
  for (const node of [...fragment.childNodes]) {
    if (node.nodeName === "LI" && node.parentNode === fragment) {
      if (!list) {
        list = document.createElement("UL");
        node.before(list);
      }
      list.append(node);
    } else if (!(node.nodeType === Node.TEXT_NODE && !node.textContent.trim())) {
      list = null;
    }
  }
  return fragment;
}

function clean(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const fragment = document.createDocumentFragment();
  cleanChildren(parsed.body, fragment);
  return gatherListItems(fragment);
}

// ---- One field -------------------------------------------------------------

const BUTTONS = [
  ["bold", "Bold", "Ctrl+B"],
  ["italic", "Italic", "Ctrl+I"],
  ["h2", "Heading", "Ctrl+Alt+2"],
  ["h3", "Subheading", "Ctrl+Alt+3"],
  ["ul", "List", "Ctrl+Shift+8"],
  ["ol", "Numbered list", "Ctrl+Shift+9"],
  ["quote", "Quote", "Ctrl+]"],
  ["link", "Link", "Ctrl+K"],
];

// The same commands typed as Markdown, for the Markdown view.
const MARKDOWN = {
  bold: (s) => ["**", s || "bold text", "**"],
  italic: (s) => ["_", s || "italic text", "_"],
  h2: (s) => ["\n## ", s || "Heading", "\n"],
  h3: (s) => ["\n### ", s || "Subheading", "\n"],
  ul: (s) => ["", (s || "item").split("\n").map((l) => `- ${l}`).join("\n"), ""],
  ol: (s) => ["", (s || "item").split("\n").map((l, i) => `${i + 1}. ${l}`).join("\n"), ""],
  quote: (s) => ["", (s || "quote").split("\n").map((l) => `> ${l}`).join("\n"), ""],
  link: (s) => ["[", s || "link text", "](https://)"],
};

function setBlocks(editor, tag) {
  const path = editor.getPath();
  const undo = path !== "(selection)" && path.split(">").includes(tag);
  editor.modifyBlocks((fragment) => {
    for (const block of fragment.querySelectorAll("p,h2,h3,h4")) {
      const next = document.createElement(undo ? "P" : tag);
      next.append(...block.childNodes);
      block.replaceWith(next);
    }
    return fragment;
  });
}

class Field {
  constructor(textarea) {
    this.textarea = textarea;
    this.label = document.querySelector(`label[for="${textarea.id}"]`);
    this.preview = document.getElementById(`${textarea.id}-preview`);
    this.writing = false;

    this.toolbar = document.createElement("div");
    this.toolbar.className = "toolbar";
    this.toolbar.setAttribute("role", "toolbar");
    this.toolbar.setAttribute("aria-label", `Formatting of ${this.label?.textContent ?? "the text"}`);
    this.buttons = {};
    for (const [command, name, keys] of BUTTONS) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.dataset.command = command;
      button.textContent = name;
      button.title = `${name} (${keys})`;
      button.setAttribute("aria-pressed", "false");
      if (command === "link") button.removeAttribute("aria-pressed");
      this.buttons[command] = button;
      this.toolbar.append(button);
    }
    this.toggle = document.createElement("button");
    this.toggle.type = "button";
    this.toggle.className = "secondary mode";
    this.toggle.dataset.mode = "markdown";
    this.toggle.textContent = "Markdown";
    this.toggle.title = "Show the text as Markdown";
    this.toggle.setAttribute("aria-pressed", "false");
    this.toolbar.append(this.toggle);
    this.note = document.createElement("p");
    this.note.className = "hint editor-note";
    this.note.hidden = true;

    this.surface = document.createElement("div");
    this.surface.className = "rich";
    this.surface.id = `${textarea.id}-rich`;
    this.surface.setAttribute("role", "textbox");
    this.surface.setAttribute("aria-multiline", "true");
    if (this.label) {
      this.label.id ||= `${textarea.id}-label`;
      this.surface.setAttribute("aria-labelledby", this.label.id);
    }
    const described = textarea.getAttribute("aria-describedby");
    if (described) this.surface.setAttribute("aria-describedby", described);
    if (textarea.getAttribute("aria-invalid")) this.surface.setAttribute("aria-invalid", "true");
    textarea.before(this.toolbar, this.note);
    this.surface.hidden = true;
    textarea.before(this.surface);

    this.editor = new Squire(this.surface, { blockTag: "P", sanitizeToDOMFragment: clean });
    const ctrl = /Mac|iPhone|iPad/.test(navigator.platform) ? "Meta-" : "Ctrl-";
    for (const key of ["u", "Shift-5", "Shift-6", "d"]) this.editor.setKeyHandler(ctrl + key, null);
    this.editor.setKeyHandler(`Alt-${ctrl}2`, (_, event) => { event.preventDefault(); this.command("h2"); });
    this.editor.setKeyHandler(`Alt-${ctrl}3`, (_, event) => { event.preventDefault(); this.command("h3"); });
    this.editor.setKeyHandler(`${ctrl}k`, (_, event) => { event.preventDefault(); this.command("link"); });
    this.editor.addEventListener("input", () => this.written());
    this.editor.addEventListener("pathChange", () => this.showState());

    // A click on the toolbar leaves the caret where it was in the text.
    this.toolbar.addEventListener("mousedown", (event) => {
      if (event.target.closest("button") && this.rich) event.preventDefault();
    });
    this.toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("[data-command]");
      if (button) this.command(button.dataset.command);
      else if (event.target.closest("[data-mode]")) this.switchTo(this.rich ? "markdown" : "rich");
    });
    textarea.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && ["b", "i", "k"].includes(event.key)) {
        event.preventDefault();
        this.command({ b: "bold", i: "italic", k: "link" }[event.key]);
      }
    });
    // Text set from outside (autosave bringing a copy back) reaches the surface.
    textarea.addEventListener("input", () => {
      if (this.writing) return;
      if (this.rich) this.load();
      else this.showPreview();
    });
    textarea.form?.addEventListener("submit", () => this.flush(), true);
  }

  get rich() {
    return !this.surface.hidden;
  }

  async start() {
    const wanted = localStorage.getItem(modeKey) === "markdown" ? "markdown" : "rich";
    await this.switchTo(wanted, { remember: false });
  }

  // Shows the text formatted, unless the formatted view would change it.
  async load() {
    let markdown, html;
    try {
      // Text typed in the textarea while the rendering was on its way wins.
      do {
        markdown = this.textarea.value;
        html = await rendered(markdown);
      } while (markdown !== this.textarea.value);
      this.editor.setHTML(html || "<p><br></p>");
      const back = toMarkdown(this.editor.getHTML());
      if (back !== markdown.trim() && (await rendered(back)).replace(/>\s+</g, "><") !== html.replace(/>\s+</g, "><")) {
        this.editor.setHTML("");
        return "This text uses Markdown the formatted view cannot show exactly, so it opens as Markdown.";
      }
      return null;
    } catch (error) {
      return error.message;
    }
  }

  async switchTo(mode, { remember = true } = {}) {
    if (remember) localStorage.setItem(modeKey, mode);
    this.flush();
    let why = null;
    if (mode === "rich") {
      why = await this.load();
      if (why) mode = "markdown";
    }
    const rich = mode === "rich";
    this.surface.hidden = !rich;
    this.textarea.hidden = rich;
    this.note.hidden = !why;
    this.note.textContent = why ?? "";
    this.toggle.setAttribute("aria-pressed", String(!rich));
    if (this.preview) {
      this.preview.hidden = rich;
      this.preview.parentElement.classList.toggle("live", !rich);
      if (!rich) this.showPreview();
    }
    this.showState();
  }

  // The formatted text, as Markdown, into the textarea the form sends.
  written() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 150);
  }

  flush() {
    clearTimeout(this.timer);
    if (!this.rich) return;
    const markdown = toMarkdown(this.editor.getHTML());
    if (markdown === this.textarea.value.trim()) return;
    this.writing = true;
    this.textarea.value = markdown;
    this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    this.writing = false;
  }

  showPreview() {
    if (!this.preview || this.rich) return;
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(async () => {
      const ticket = (this.asked = (this.asked ?? 0) + 1);
      let html;
      try {
        html = await rendered(this.textarea.value);
      } catch (error) {
        if (ticket === this.asked) this.preview.textContent = error.message;
        return;
      }
      if (ticket === this.asked) this.preview.innerHTML = html;
    }, 250);
  }

  showState() {
    if (!this.rich) {
      for (const button of Object.values(this.buttons)) if (button.hasAttribute("aria-pressed")) button.setAttribute("aria-pressed", "false");
      return;
    }
    const path = this.editor.getPath();
    const has = (tag) => (path === "(selection)" ? this.editor.hasFormat(tag) : path.split(">").some((part) => part.split(/[.#[]/)[0] === tag));
    const state = { bold: "B", italic: "I", h2: "H2", h3: "H3", ul: "UL", ol: "OL", quote: "BLOCKQUOTE" };
    for (const [command, tag] of Object.entries(state)) this.buttons[command].setAttribute("aria-pressed", String(has(tag)));
  }

  command(name) {
    if (!this.rich) return this.typeMarkdown(name);
    const e = this.editor;
    const on = this.buttons[name]?.getAttribute("aria-pressed") === "true";
    const run = {
      bold: () => (on ? e.removeBold() : e.bold()),
      italic: () => (on ? e.removeItalic() : e.italic()),
      h2: () => setBlocks(e, "H2"),
      h3: () => setBlocks(e, "H3"),
      ul: () => (on ? e.removeList() : e.makeUnorderedList()),
      ol: () => (on ? e.removeList() : e.makeOrderedList()),
      quote: () => (on ? e.decreaseQuoteLevel() : e.increaseQuoteLevel()),
      link: () => askForLink(e),
    };
    run[name]();
    e.focus();
    this.showState();
  }

  typeMarkdown(name) {
    const body = this.textarea;
    const { selectionStart: start, selectionEnd: end, value } = body;
    const [before, middle, after] = MARKDOWN[name](value.slice(start, end));
    body.setRangeText(before + middle + after, start, end, "end");
    body.setSelectionRange(start + before.length, start + before.length + middle.length);
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

// ---- The link dialog ---------------------------------------------------------

let dialog = null;

function linkDialog() {
  if (dialog) return dialog;
  dialog = document.createElement("dialog");
  dialog.className = "link-dialog";
  dialog.setAttribute("aria-labelledby", "link-dialog-title");
  dialog.innerHTML = `<form method="dialog">
    <h2 id="link-dialog-title">Link</h2>
    <label for="link-href">Address</label>
    <p class="hint" id="link-href-hint">A page of this site starts with /, e.g. /pardon; another site with https://</p>
    <input id="link-href" name="href" type="text" aria-describedby="link-href-hint" autocomplete="off">
    <p class="actions"><button value="set">Set link</button> <button value="remove" class="secondary">Remove link</button> <button value="cancel" class="link">Cancel</button></p>
  </form>`;
  document.body.append(dialog);
  return dialog;
}

function askForLink(editor) {
  const box = linkDialog();
  const input = box.querySelector("#link-href");
  const range = editor.getSelection();
  const current = range.startContainer.parentElement?.closest("a");
  input.value = current?.getAttribute("href") ?? "";
  box.returnValue = "cancel";
  box.onclose = () => {
    editor.setSelection(range);
    const href = safeHref(input.value);
    if (box.returnValue === "set" && href) editor.makeLink(href);
    else if (box.returnValue === "remove") editor.removeLink();
    editor.focus();
  };
  box.showModal();
  input.focus();
}

for (const textarea of document.querySelectorAll("textarea[data-rich]")) {
  new Field(textarea).start();
}

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
  // A text too long or too deeply nested is refused with a message that says so.
  if (response.status === 422 || response.status === 503) throw new Error(await response.text());
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
    .replace(/(?<!\\)\\(?:\n(?=\n|$)|$)/g, "\n") // a line break at a block's end, or the text's
    .replace(/\u00a0/g, " ") // the spaces a browser keeps at the edge of a word's formatting
    .replace(/^>[ \t]+$/gm, ">") // a quote's empty line, as people type it
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
      // The mark of an item placed in the text (a TV report, a book, a petition).
      if (el.getAttribute("title") === "embed") made.setAttribute("title", "embed");
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
  ["image", "Image", "drop or paste a picture"],
  ["embed", "Embed", "a TV report, book, petition or quote"],
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

// A picture file carried by a drop or a paste, if there is one.
const pictureIn = (transfer) => [...(transfer?.files ?? [])].find((file) => file.type.startsWith("image/"));

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
      // Items are placed only where the site shows them: a post's text, a page's text block.
      if (command === "embed" && textarea.dataset.embeds === undefined) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.dataset.command = command;
      button.textContent = name;
      button.title = `${name} (${keys})`;
      button.setAttribute("aria-pressed", "false");
      if (["link", "image", "embed"].includes(command)) button.removeAttribute("aria-pressed");
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

    // A picture dropped or pasted into the text is uploaded, after its description is asked.
    for (const target of [this.surface, textarea]) {
      target.addEventListener("dragover", (event) => {
        if ([...(event.dataTransfer?.types ?? [])].includes("Files")) event.preventDefault();
      }, true);
      target.addEventListener("drop", (event) => {
        const file = pictureIn(event.dataTransfer);
        if (!file) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        if (this.rich) {
          const range = document.caretRangeFromPoint?.(event.clientX, event.clientY);
          if (range && this.surface.contains(range.startContainer)) this.editor.setSelection(range);
        }
        this.placePicture(file);
      }, true);
      target.addEventListener("paste", (event) => {
        const file = pictureIn(event.clipboardData);
        if (!file || event.clipboardData.types.includes("text/html")) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        this.placePicture(file);
      }, true);
    }
  }

  // Asks for the picture (from the library, or `file` to upload) and its
  // description, then places it at the caret.
  async placePicture(file = null) {
    const range = this.rich ? this.editor.getSelection() : null;
    const { selectionStart, selectionEnd } = this.textarea;
    const picture = await askForPicture(file);
    if (!picture) {
      if (this.rich) this.editor.focus();
      return;
    }
    if (this.rich) {
      this.editor.setSelection(range);
      const size = picture.width ? { width: picture.width, height: picture.height } : {};
      this.editor.insertImage(picture.url, { alt: picture.alt, ...size });
      this.editor.focus();
      this.flush();
    } else {
      const alt = picture.alt.replace(/[[\]\\]/g, "\\$&");
      this.textarea.setRangeText(`![${alt}](${picture.url})`, selectionStart, selectionEnd, "end");
      this.textarea.focus();
      this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
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
    // Until the surface shows the textarea's text, the textarea is the text:
    // a send in between must not write the surface's older text over it.
    this.loading = true;
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
    } finally {
      this.loading = false;
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
    if (!this.rich || this.loading) return;
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
      image: () => this.placePicture(),
      embed: () => this.placeEmbed(),
    };
    run[name]();
    e.focus();
    this.showState();
  }

  // Asks which TV report, book, petition or quote, then places it at the
  // caret as a block of its own: a link marked "embed", which the site shows
  // as the item, or a quote.
  async placeEmbed() {
    const range = this.rich ? this.editor.getSelection() : null;
    const { selectionStart, selectionEnd } = this.textarea;
    const item = await askForEmbed();
    if (!item) {
      if (this.rich) this.editor.focus();
      return;
    }
    const where = { range, selectionStart, selectionEnd };
    if (item.quote) {
      // A quote, "— who" on its last line, which the site shows as its caption.
      const lines = item.quote.words.split(/\n+/).concat(item.quote.who ? [`— ${item.quote.who}`] : []);
      const quote = document.createElement("blockquote");
      for (const line of lines) quote.appendChild(document.createElement("p")).textContent = line;
      return this.placeBlock(quote, lines.map((l) => `> ${l}`).join("\n>\n"), where);
    }
    const paragraph = document.createElement("p");
    const link = paragraph.appendChild(document.createElement("a"));
    link.href = item.url;
    link.title = "embed";
    link.textContent = item.title;
    this.placeBlock(paragraph, `[${item.title.replace(/[[\]]/g, "\\$&")}](${item.url} "embed")`, where);
  }

  // Places `block` (or, in the Markdown view, `markdown`) as a block of its
  // own where the caret was: after the caret's block, which it replaces when
  // empty, with room to write on after it.
  placeBlock(block, markdown, { range, selectionStart, selectionEnd }) {
    if (this.rich) {
      this.editor.setSelection(range);
      const after = document.createElement("p");
      after.append(document.createElement("br"));
      this.editor.modifyBlocks((fragment) => {
        const kept = [...fragment.childNodes].filter((n) => n.textContent.trim() || n.querySelector?.("img,a"));
        const blocks = document.createDocumentFragment();
        blocks.append(...kept, block, after);
        return blocks;
      });
      this.editor.focus();
      this.flush();
    } else {
      this.textarea.setRangeText(`\n\n${markdown}\n\n`, selectionStart, selectionEnd, "end");
      this.textarea.focus();
      this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  typeMarkdown(name) {
    if (name === "image") return this.placePicture();
    if (name === "embed") return this.placeEmbed();
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

// One dialog of each kind per page, made when first asked for.
const dialogs = {};

function dialogOf(kind, html) {
  if (dialogs[kind]) return dialogs[kind];
  const box = (dialogs[kind] = document.createElement("dialog"));
  box.className = `${kind}-dialog`;
  box.setAttribute("aria-labelledby", `${kind}-dialog-title`);
  box.innerHTML = `<form method="dialog">${html}</form>`;
  document.body.append(box);
  return box;
}

function linkDialog() {
  return dialogOf("link", `
    <h2 id="link-dialog-title">Link</h2>
    <label for="link-href">Address, or words to find a page</label>
    <p class="hint" id="link-href-hint">Type words from a title to find a page, post, book, TV report or press report of this site; or an address: /pardon/, https://example.org</p>
    <input id="link-href" name="href" type="text" role="combobox" aria-autocomplete="list" aria-expanded="false"
      aria-controls="link-found" aria-describedby="link-href-hint" autocomplete="off">
    <ul id="link-found" role="listbox" aria-label="Found on this site" hidden></ul>
    <p class="actions"><button value="set">Set link</button> <button value="remove" class="secondary">Remove link</button> <button value="cancel" class="link">Cancel</button></p>`);
}

const looksLikeAddress = (text) => /^(\/|#|[a-z][a-z0-9+.-]*:)/i.test(text.trim());

// Typed words find the site's items; arrows move through them and Enter
// (or a click) takes one.
function findAsTyped(input, list, take, only = "") {
  let found = [];
  let active = -1;
  let asked = 0;
  const show = () => {
    list.replaceChildren(
      ...found.map((item, i) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${i}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", String(i === active));
        const title = document.createElement("span");
        title.textContent = item.title;
        const where = document.createElement("span");
        where.className = "hint";
        where.textContent = ` ${item.kind} · ${item.url}`;
        option.append(title, where);
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => take(item));
        return option;
      }),
    );
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", String(found.length > 0));
    if (active >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };
  const clear = () => {
    found = [];
    active = -1;
    show();
  };
  input.oninput = () => {
    clearTimeout(input.findTimer);
    const text = input.value.trim();
    if (!text || looksLikeAddress(text)) return clear();
    input.findTimer = setTimeout(async () => {
      const ticket = ++asked;
      try {
        const response = await fetch(`/admin/find?q=${encodeURIComponent(text)}${only}`, { credentials: "same-origin" });
        const items = response.ok ? await response.json() : [];
        if (ticket !== asked) return;
        found = items;
        active = -1;
        show();
      } catch {
        clear();
      }
    }, 150);
  };
  input.onkeydown = (event) => {
    if (!found.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : found.length - 1)) % found.length;
      show();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      take(found[active]);
    }
  };
  clear();
}

function askForLink(editor) {
  const box = linkDialog();
  const input = box.querySelector("#link-href");
  const range = editor.getSelection();
  const current = range.startContainer.parentElement?.closest("a");
  let taken = null;
  input.value = current?.getAttribute("href") ?? "";
  findAsTyped(input, box.querySelector("#link-found"), (item) => {
    taken = item;
    input.value = item.url;
    box.close("set");
  });
  box.returnValue = "cancel";
  box.onclose = () => {
    editor.setSelection(range);
    const href = safeHref(input.value);
    if (box.returnValue === "set" && href) {
      if (range.collapsed && !current) {
        // Nothing was selected: the link reads as the item's title (or its address).
        const link = document.createElement("a");
        link.href = href;
        link.textContent = taken?.url === href ? taken.title : href;
        editor.insertHTML(link.outerHTML);
      } else {
        editor.makeLink(href);
      }
    } else if (box.returnValue === "remove") editor.removeLink();
    editor.focus();
  };
  box.showModal();
  input.focus();
}

// ---- The embed dialog ----------------------------------------------------------

function embedDialog() {
  return dialogOf("embed", `
    <h2 id="embed-dialog-title">Embed a TV report, book, petition or quote</h2>
    <label for="embed-find">Words from its title</label>
    <p class="hint" id="embed-find-hint">The site shows the item itself in the text: the video (loaded only when a reader presses play), the book's card, or the petition with its counter and form.</p>
    <input id="embed-find" type="text" role="combobox" aria-autocomplete="list" aria-expanded="false"
      aria-controls="embed-found" aria-describedby="embed-find-hint" autocomplete="off">
    <ul id="embed-found" role="listbox" aria-label="What can be embedded" hidden></ul>
    <fieldset class="quote-part"><legend>Or a quote, set large</legend>
      <label for="quote-words">The words</label>
      <textarea id="quote-words" rows="3"></textarea>
      <label for="quote-who">Who said them</label>
      <input id="quote-who" type="text" autocomplete="off">
      <p><button type="button" data-act="quote">Place the quote</button></p>
    </fieldset>
    <p class="actions"><button value="cancel" class="link">Cancel</button></p>`);
}

// The item chosen (or `{ quote: { words, who } }`), or null when the dialog was left.
function askForEmbed() {
  const box = embedDialog();
  const input = box.querySelector("#embed-find");
  const words = box.querySelector("#quote-words");
  const who = box.querySelector("#quote-who");
  input.value = words.value = who.value = "";
  return new Promise((resolve) => {
    let taken = null;
    box.querySelector("[data-act=quote]").onclick = () => {
      if (!words.value.trim()) return words.focus();
      taken = { quote: { words: words.value.trim(), who: who.value.trim() } };
      box.close("set");
    };
    findAsTyped(input, box.querySelector("#embed-found"), (item) => {
      taken = item;
      box.close("set");
    }, "&embed=1");
    box.returnValue = "cancel";
    box.onclose = () => resolve(box.returnValue === "set" ? taken : null);
    box.showModal();
    input.focus();
  });
}

// ---- The picture dialog --------------------------------------------------------

function pictureDialog() {
  return dialogOf("picture", `
    <h2 id="picture-dialog-title">Image</h2>
    <div class="field">
      <label for="picture-file">Upload a picture</label>
      <p class="hint" id="picture-file-hint">JPEG, PNG, GIF or WebP. You can also drop or paste one into the text.</p>
      <input id="picture-file" type="file" accept="image/jpeg,image/png,image/gif,image/webp" aria-describedby="picture-file-hint">
    </div>
    <fieldset class="picks"><legend>Or pick one from the library</legend><ul></ul></fieldset>
    <div class="chosen field" hidden>
      <img alt="">
      <label for="picture-alt">What the picture shows</label>
      <p class="hint" id="picture-alt-hint">For people who cannot see it, e.g. “Jens Söring in the visiting room, 2016”.</p>
      <p class="error" id="picture-error" hidden></p>
      <input id="picture-alt" type="text" autocomplete="off" aria-describedby="picture-error picture-alt-hint">
    </div>
    <p class="actions"><button type="button" data-act="place" hidden>Place the picture</button> <button value="cancel" class="link">Cancel</button></p>`);
}

// The picture chosen (uploaded first when it is a new file), or null when
// the dialog was left.
function askForPicture(file) {
  const box = pictureDialog();
  const list = box.querySelector(".picks ul");
  const chosenPart = box.querySelector(".chosen");
  const preview = chosenPart.querySelector("img");
  const alt = box.querySelector("#picture-alt");
  const error = box.querySelector("#picture-error");
  const place = box.querySelector("[data-act=place]");
  const upload = box.querySelector("#picture-file");
  let chosen = null;

  const choose = (picture) => {
    chosen = picture;
    if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
    preview.src = picture.file ? URL.createObjectURL(picture.file) : picture.thumbnail;
    alt.value = picture.alt ?? "";
    error.hidden = true;
    alt.removeAttribute("aria-invalid");
    chosenPart.hidden = false;
    place.hidden = false;
    alt.focus();
  };
  const refuse = (message) => {
    error.textContent = message;
    error.hidden = false;
    alt.setAttribute("aria-invalid", "true");
    place.disabled = false;
  };

  list.replaceChildren();
  chosenPart.hidden = true;
  place.hidden = true;
  place.disabled = false;
  upload.value = "";
  fetch("/admin/library/images", { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : []))
    .then((pictures) => {
      for (const picture of pictures) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "pick";
        const thumbnail = document.createElement("img");
        thumbnail.src = picture.thumbnail;
        thumbnail.alt = "";
        const name = document.createElement("span");
        name.textContent = picture.alt || picture.name;
        button.append(thumbnail, name);
        button.addEventListener("click", () => choose(picture));
        item.append(button);
        list.append(item);
      }
      if (!pictures.length) list.innerHTML = "<li>The library has no pictures yet.</li>";
    })
    .catch(() => { list.innerHTML = "<li>The library cannot be shown right now; you can still upload.</li>"; });
  alt.onkeydown = (event) => {
    // Enter places the picture (the form's only submit button is Cancel).
    if (event.key === "Enter") {
      event.preventDefault();
      place.click();
    }
  };
  upload.onchange = () => upload.files[0] && choose({ file: upload.files[0], alt: "" });
  if (file) choose({ file, alt: "" });

  return new Promise((resolve) => {
    place.onclick = async () => {
      const description = alt.value.trim();
      if (!description) return refuse("Describe the picture for people who cannot see it; then place it.");
      if (!chosen.file) {
        box.close("placed");
        return resolve({ ...chosen, alt: description });
      }
      place.disabled = true;
      const form = new FormData();
      form.append("alt", description);
      form.append("file", chosen.file, chosen.file.name || "pasted.png");
      try {
        const response = await fetch("/admin/library", {
          method: "POST",
          headers: { accept: "application/json", "x-csrf-token": csrf },
          body: form,
          credentials: "same-origin",
        });
        const answer = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
        if (!response.ok) {
          const why = answer?.error ?? (response.status === 413 ? "This file is larger than the library takes." : "The picture could not be uploaded; your text is safe. Try again.");
          return refuse(why);
        }
        box.close("placed");
        resolve(answer);
      } catch {
        refuse("The picture could not be uploaded (no connection?); your text is safe. Try again.");
      }
    };
    box.onclose = () => {
      if (box.returnValue !== "placed") resolve(null);
    };
    box.returnValue = "";
    box.showModal();
    (file ? alt : upload).focus();
  });
}

for (const textarea of document.querySelectorAll("textarea[data-rich]")) {
  new Field(textarea).start();
}

// ---- Picture fields ------------------------------------------------------------

// A picture field (a block's image, a cover) shows the chosen picture, and
// opens the picture dialog to pick one with its thumbnail or upload one in
// place; the description comes from the library unless one is typed here.
let library = null;
const libraryPictures = () =>
  (library ??= fetch("/admin/library/images", { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : [])).catch(() => []));

function enhancePicker(select) {
  if (select.dataset.enhanced) return;
  select.dataset.enhanced = "true";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary pick-picture";
  button.textContent = "Choose or upload…";
  const label = document.querySelector(`label[for="${CSS.escape(select.id)}"]`)?.textContent.trim() ?? "the picture";
  button.setAttribute("aria-label", `Choose or upload: ${label}`);
  const thumbnail = document.createElement("img");
  thumbnail.className = "picked";
  thumbnail.alt = "";
  thumbnail.hidden = true;
  select.after(button, thumbnail);
  const alt = select.dataset.alt ? document.getElementById(select.dataset.alt) : null;
  const show = async () => {
    const picture = (await libraryPictures()).find((p) => p.name === select.value);
    thumbnail.hidden = !picture;
    if (picture) thumbnail.src = picture.thumbnail;
    if (alt && picture && !alt.value.trim()) alt.value = picture.alt ?? "";
  };
  select.addEventListener("change", show);
  button.addEventListener("click", async () => {
    const picture = await askForPicture(null);
    if (picture) {
      if (![...select.options].some((o) => o.value === picture.name)) select.add(new Option(picture.name, picture.name));
      select.value = picture.name;
      library = null; // an uploaded picture joins the list
      if (alt) alt.value = picture.alt;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    select.focus();
  });
  show();
}

const enhancePickers = (root) => root.querySelectorAll?.("select[data-picture]").forEach(enhancePicker);
enhancePickers(document);
// Blocks added or brought back later carry picture fields too.
new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach(enhancePickers))).observe(document.body, { childList: true, subtree: true });

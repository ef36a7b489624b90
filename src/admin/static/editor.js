// The Markdown editor of posts and newsletter issues (`form[data-editor]`),
// for browsers that run scripts (the form works without):
// a Markdown toolbar, a live preview rendered by the server's own renderer,
// a warning before leaving with unsaved changes, and a copy of unsaved text
// kept in this browser so a crash or a lost session never loses it.

const form = document.querySelector("form[data-editor]");
const body = document.getElementById("body");

if (form && body) {
  const csrf = form.elements.csrf.value;
  const key = `pamphlet:${form.dataset.autosave}`;
  // The version goes with the text: restored text saved over a newer save
  // gets the conflict page, never a silent overwrite.
  const fields = ["subject", "title", "slug", "kind", "date", "author", "summary", "body", "tags", "cover", "publish_at", "version"];
  const snapshot = () => JSON.stringify(fields.map((name) => form.elements[name]?.value ?? ""));
  // A form the server shows again after a mistake or a conflict holds unsaved text.
  const unsaved = "unsaved" in form.dataset;
  let saved = unsaved ? null : snapshot();
  if (unsaved) localStorage.setItem(key, snapshot());
  let submitting = false;

  // Toolbar: wrap or prefix the selection.
  const toolbar = form.querySelector(".toolbar");
  toolbar.hidden = false;
  const edits = {
    bold: (s) => ["**", s || "bold text", "**"],
    italic: (s) => ["_", s || "italic text", "_"],
    link: (s) => ["[", s || "link text", "](https://)"],
    heading: (s) => ["\n## ", s || "Heading", "\n"],
    list: (s) => ["", (s || "item").split("\n").map((l) => `- ${l}`).join("\n"), ""],
    quote: (s) => ["", (s || "quote").split("\n").map((l) => `> ${l}`).join("\n"), ""],
  };
  const apply = (name) => {
    const { selectionStart: start, selectionEnd: end, value } = body;
    const [before, middle, after] = edits[name](value.slice(start, end));
    body.setRangeText(before + middle + after, start, end, "end");
    body.setSelectionRange(start + before.length, start + before.length + middle.length);
    body.focus();
    body.dispatchEvent(new Event("input"));
  };
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("[data-md]");
    if (button) apply(button.dataset.md);
  });
  body.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && (event.key === "b" || event.key === "i")) {
      event.preventDefault();
      apply(event.key === "b" ? "bold" : "italic");
    }
  });

  // Live preview, side by side, from the server's renderer.
  const preview = document.getElementById("body-preview");
  preview.hidden = false;
  preview.parentElement.classList.add("live");
  let timer = null;
  let asked = 0;
  const render = async () => {
    const ticket = ++asked;
    try {
      const response = await fetch("/admin/markdown", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": csrf },
        body: new URLSearchParams({ markdown: body.value }),
        credentials: "same-origin",
      });
      if (ticket !== asked) return;
      if (response.redirected) {
        preview.textContent = "Your session has ended: sign in again in another tab. Your text stays here and in this browser.";
        return;
      }
      // The server returns sanitised HTML (comrak + ammonia), the same the site shows.
      if (response.ok) preview.innerHTML = await response.text();
      else preview.textContent = "The preview is not available right now; your text is safe.";
    } catch {
      if (ticket === asked) preview.textContent = "The preview is not available right now; your text is safe.";
    }
  };
  body.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(render, 250);
  });
  render();

  // Keep unsaved text in this browser; offer it back when the form opens.
  const stored = localStorage.getItem(key);
  if (stored && stored !== saved && !unsaved) {
    const offer = document.createElement("p");
    offer.className = "notice restore-draft";
    offer.setAttribute("role", "status");
    offer.textContent = "This browser kept text you had not saved. ";
    const restore = document.createElement("button");
    restore.type = "button";
    restore.className = "secondary";
    restore.textContent = "Bring it back";
    restore.addEventListener("click", () => {
      JSON.parse(stored).forEach((value, i) => {
        const field = form.elements[fields[i]];
        if (field) field.value = value;
      });
      offer.remove();
      body.dispatchEvent(new Event("input"));
    });
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "link";
    drop.textContent = "Discard it";
    drop.addEventListener("click", () => {
      localStorage.removeItem(key);
      offer.remove();
    });
    offer.append(restore, " ", drop);
    form.before(offer);
  }
  let keep = null;
  form.addEventListener("input", () => {
    clearTimeout(keep);
    keep = setTimeout(() => {
      const now = snapshot();
      if (now !== saved) localStorage.setItem(key, now);
    }, 500);
  });

  // The copy is dropped once the server has the text: after a save the
  // page opens with `?done=…`, and a new item's copy (`post-new`,
  // `newsletter-new`) moves to its own page (`post-7`).
  if (!unsaved && (stored === saved || new URLSearchParams(location.search).has("done"))) {
    localStorage.removeItem(key);
    localStorage.removeItem(key.replace(/-\d+$/, "-new"));
  }

  form.addEventListener("submit", (event) => {
    // A preview opens in a new tab and saves nothing.
    if (event.submitter?.formAction?.endsWith("/preview")) return;
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && snapshot() !== saved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

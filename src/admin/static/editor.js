// The Markdown editor of posts, petitions and newsletter issues
// (`form[data-editor]`), for browsers that run scripts (the form works
// without): a Markdown toolbar and a live preview rendered by the server's
// own renderer. Unsaved text is kept by autosave.js.

const form = document.querySelector("form[data-editor]");
const body = document.getElementById("body");

if (form && body) {
  const csrf = form.elements.csrf.value;

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
}

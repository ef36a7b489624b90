// Repeated rows in a form (a page's blocks, a menu's links), for browsers
// that run scripts (the buttons also work without, through the server):
// move, copy and remove rows at once, drag a row to a new place, and warn
// before leaving with unsaved changes. Rows keep the order the form sends
// them in, so moving a row is only a move in the page.

for (const form of document.querySelectorAll("form[data-rows]")) {
  const list = form.querySelector("ol.rows");
  // A form the server shows again unsaved (a mistake, a conflict, a block
  // button) counts as changed from the start.
  const unsaved = "unsaved" in form.dataset;
  const initial = unsaved ? "" : new URLSearchParams(new FormData(form)).toString();
  let submitting = false;
  const changed = () => new URLSearchParams(new FormData(form)).toString() !== initial;
  const prefix = form.dataset.rows;

  const renumber = () => {
    [...list.children].forEach((item, i) => {
      const number = item.querySelector(".row-number");
      if (number) number.textContent = i + 1;
    });
  };

  // A copy's inputs need their own group number: the next free one.
  const pattern = new RegExp(`\\b${prefix}\\d+\\.`, "g");
  const freshGroup = () => {
    const used = [...form.querySelectorAll(`[name^=${prefix}]`)].map((el) => parseInt(el.name.slice(prefix.length), 10)).filter((n) => !Number.isNaN(n));
    return Math.max(-1, ...used) + 1;
  };

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-row]");
    if (!button) return;
    event.preventDefault();
    const item = button.closest("li.row");
    switch (button.dataset.row) {
      case "up":
        if (item.previousElementSibling) item.previousElementSibling.before(item);
        break;
      case "down":
        if (item.nextElementSibling) item.nextElementSibling.after(item);
        break;
      case "remove":
        item.remove();
        break;
      case "duplicate": {
        const copy = item.cloneNode(true);
        const group = freshGroup();
        for (const el of copy.querySelectorAll("[name], [id], [for], [aria-describedby]")) {
          for (const attr of ["name", "id", "for", "aria-describedby"]) {
            const value = el.getAttribute(attr);
            if (value) el.setAttribute(attr, value.replace(pattern, `${prefix}${group}.`));
          }
        }
        // Clones do not copy what was typed into selects and text areas; carry it over.
        const from = item.querySelectorAll("select, textarea");
        copy.querySelectorAll("select, textarea").forEach((el, i) => { el.value = from[i].value; });
        item.after(copy);
        break;
      }
    }
    renumber();
    if (button.isConnected) button.focus();
  });

  // Drag and drop.
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li.row");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
  });
  list.addEventListener("dragover", (event) => {
    const over = event.target.closest("li.row");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    if (event.clientY < box.top + box.height / 2) over.before(dragged);
    else over.after(dragged);
  });
  list.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
    renumber();
  });

  // Keep unsaved changes in this browser; offer them back when the form
  // opens again. The server rebuilds the blocks from them (`op=keep`).
  const key = form.dataset.autosave && `pamphlet:${form.dataset.autosave}`;
  if (key) {
    const stored = localStorage.getItem(key);
    if (unsaved) localStorage.setItem(key, new URLSearchParams(new FormData(form)).toString());
    else if (new URLSearchParams(location.search).has("done")) localStorage.removeItem(key);
    else if (stored && stored !== initial) offerBack(stored);
    let timer = null;
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (changed()) localStorage.setItem(key, new URLSearchParams(new FormData(form)).toString());
      }, 500);
    });
  }

  function offerBack(stored) {
    const offer = document.createElement("p");
    offer.className = "notice restore-draft";
    offer.setAttribute("role", "status");
    offer.textContent = "This browser kept changes you had not saved. ";
    const back = document.createElement("button");
    back.type = "button";
    back.className = "secondary";
    back.textContent = "Bring them back";
    back.addEventListener("click", () => {
      const pairs = new URLSearchParams(stored);
      pairs.set("csrf", form.elements.csrf.value);
      pairs.delete("action");
      pairs.set("op", "keep");
      const carrier = document.createElement("form");
      carrier.method = "post";
      // `form.action` would name the buttons called "action"; the attribute is the address.
      carrier.action = form.getAttribute("action");
      for (const [name, value] of pairs) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        carrier.append(input);
      }
      document.body.append(carrier);
      localStorage.removeItem(key);
      submitting = true;
      carrier.submit();
    });
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "link";
    drop.textContent = "Discard them";
    drop.addEventListener("click", () => {
      localStorage.removeItem(key);
      offer.remove();
    });
    offer.append(back, " ", drop);
    form.before(offer);
  }

  form.addEventListener("submit", (event) => {
    if (event.submitter?.formAction?.endsWith("/preview")) return;
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && changed()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

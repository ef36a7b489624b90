// Repeated rows in a form (a page's blocks, a menu's links), for browsers
// that run scripts (the buttons also work without, through the server):
// move, copy and remove rows at once (a removal can be undone), drag a row
// by its handle, or move it with Alt+↑ and Alt+↓. Rows keep the order the
// form sends them in, so moving a row is only a move in the page; the form
// hears of it as an edit (autosave.js keeps a copy).

for (const form of document.querySelectorAll("form[data-rows]")) {
  const list = form.querySelector("ol.rows");
  const prefix = form.dataset.rows;

  const status = form.querySelector("[data-rows-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  const renumber = () => {
    [...list.children].forEach((item, i) => {
      const number = item.querySelector(".row-number");
      if (number) number.textContent = i + 1;
      item.querySelector("[data-row=up]")?.setAttribute("aria-label", `Move block ${i + 1} up`);
      item.querySelector("[data-row=down]")?.setAttribute("aria-label", `Move block ${i + 1} down`);
    });
    form.dispatchEvent(new Event("input"));
  };
  const position = (item) => `${[...list.children].indexOf(item) + 1} of ${list.children.length}`;

  // A removed row waits here, with an Undo, until the next removal.
  let undo = null;
  const removed = (item) => {
    undo?.remove();
    const before = item.nextElementSibling;
    item.remove();
    undo = document.createElement("p");
    undo.className = "notice";
    undo.setAttribute("role", "status");
    undo.textContent = "Block removed. ";
    const back = document.createElement("button");
    back.type = "button";
    back.className = "secondary";
    back.textContent = "Undo";
    back.addEventListener("click", () => {
      if (before?.isConnected) before.before(item);
      else list.append(item);
      undo.remove();
      undo = null;
      renumber();
      item.querySelector("summary, [data-row=remove]")?.focus();
    });
    undo.append(back);
    list.before(undo);
    back.focus();
  };

  // Alt+↑ and Alt+↓ move the row that has the focus.
  list.addEventListener("keydown", (event) => {
    if (!event.altKey || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
    const item = event.target.closest("li.row");
    if (!item) return;
    event.preventDefault();
    const focused = document.activeElement;
    if (event.key === "ArrowUp" && item.previousElementSibling) item.previousElementSibling.before(item);
    else if (event.key === "ArrowDown" && item.nextElementSibling) item.nextElementSibling.after(item);
    else return;
    focused?.focus();
    renumber();
    say(`Moved to place ${position(item)}.`);
  });

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
        removed(item);
        renumber();
        return;
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
    event.dataTransfer.setData("text/plain", "");
    event.dataTransfer.setDragImage(dragged, 16, 16);
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
    if (!dragged) return;
    dragged.classList.remove("dragging");
    renumber();
    say(`Moved to place ${position(dragged)}.`);
    dragged = null;
  });
}

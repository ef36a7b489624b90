// Repeated rows in a form (a page's blocks, a menu's links), for browsers
// that run scripts (the buttons also work without, through the server):
// move, copy and remove rows at once, and drag a row to a new place. Rows
// keep the order the form sends them in, so moving a row is only a move in
// the page; the form hears of it as an edit (autosave.js keeps a copy).

for (const form of document.querySelectorAll("form[data-rows]")) {
  const list = form.querySelector("ol.rows");
  const prefix = form.dataset.rows;

  const renumber = () => {
    [...list.children].forEach((item, i) => {
      const number = item.querySelector(".row-number");
      if (number) number.textContent = i + 1;
    });
    form.dispatchEvent(new Event("input"));
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
}

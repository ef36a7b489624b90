// Unsaved work, for every form marked `data-autosave="{kind}-{id}"`: a
// copy of what was typed is kept in this browser half a second after
// typing stops, offered back when the form opens again, and dropped once
// the server has it; leaving with unsaved changes asks first. The copy
// holds the version the text was typed against, so text brought back over
// a newer save meets the conflict page, never a silent overwrite.

// Fields that belong to this visit, not to what was typed.
const visit = new Set(["csrf", "action", "op"]);

// Set when the page is left on purpose, with the copy on its way to the server.
let sendingBack = false;

const snapshot = (form) => {
  const pairs = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (!visit.has(name) && typeof value === "string") pairs.append(name, value);
  }
  return pairs.toString();
};

for (const form of document.querySelectorAll("form[data-autosave]")) {
  const key = `pamphlet:${form.dataset.autosave}`;
  // A form the server shows again unsaved (a mistake, a conflict, a block
  // button) counts as changed from the start.
  const unsaved = "unsaved" in form.dataset;
  const saved = unsaved ? null : snapshot(form);
  const changed = () => snapshot(form) !== saved;
  const stored = localStorage.getItem(key);
  if (unsaved) {
    localStorage.setItem(key, snapshot(form));
  } else if (stored === saved || new URLSearchParams(location.search).has("done")) {
    // The server has the text: after a save the page opens with `?done=…`,
    // and a new item's copy (`post-new`) has moved to its own page (`post-7`).
    localStorage.removeItem(key);
    localStorage.removeItem(key.replace(/-\d+$/, "-new"));
  } else if (stored) {
    offerBack(form, key, stored);
  }

  let timer = null;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (changed()) localStorage.setItem(key, snapshot(form));
    }, 500);
  });

  let submitting = false;
  form.addEventListener("submit", (event) => {
    // A preview opens in a new tab and saves nothing.
    if (event.submitter?.formAction?.endsWith("/preview")) return;
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && !sendingBack && changed()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

function offerBack(form, key, stored) {
  const offer = document.createElement("p");
  offer.className = "notice restore-draft";
  offer.setAttribute("role", "status");
  offer.textContent = "This browser kept changes you had not saved. ";
  const back = document.createElement("button");
  back.type = "button";
  back.className = "secondary";
  back.textContent = "Bring them back";
  back.addEventListener("click", () => {
    offer.remove();
    // Rows (blocks, links) are rebuilt by the server, since the copy's
    // order is their order; other forms are filled in place.
    if ("rows" in form.dataset) sendBack(form, key, stored);
    else fillIn(form, new URLSearchParams(stored));
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

function fillIn(form, pairs) {
  const seen = new Map();
  for (const field of form.elements) {
    if (!field.name || visit.has(field.name) || ["file", "submit", "button"].includes(field.type)) continue;
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = pairs.getAll(field.name).includes(field.value);
    } else {
      const n = seen.get(field.name) ?? 0;
      seen.set(field.name, n + 1);
      field.value = pairs.getAll(field.name)[n] ?? field.value;
    }
    // Listeners (the preview, this copy) see the text as if typed.
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

// The copy goes to the server as a form asking to be shown again as sent
// (`op=keep`): nothing is saved until the editor saves.
function sendBack(form, key, stored) {
  const pairs = new URLSearchParams(stored);
  pairs.set("csrf", form.elements.csrf.value);
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
  sendingBack = true;
  carrier.submit();
}

// Unsaved work, for every form marked `data-autosave="{kind}-{id}"`: a
// copy of what was typed is kept in this browser half a second after
// typing stops and as a draft on the server every few seconds (so it
// reaches the editor's other devices), offered back when the form opens
// again, and dropped once the item is saved; leaving with unsaved changes
// asks first. The copy holds the version the text was typed against, so
// text brought back over a newer save meets the conflict page, never a
// silent overwrite. Others' drafts of the same form show who else is at it.

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

// How long typing goes on before the server gets what was typed.
const SERVER_EVERY = 3000;

const draftUrl = (name) => `/admin/drafts/${encodeURIComponent(name)}`;
const withToken = (form, pairs) => {
  pairs.set("csrf", form.elements.csrf?.value ?? "");
  return pairs;
};

const signOut = document.querySelector("form.sign-out");

for (const form of document.querySelectorAll("form[data-autosave]")) {
  const key = `pamphlet:${form.dataset.autosave}`;
  const server = draftUrl(form.dataset.autosave);
  // A form the server shows again unsaved (a mistake, a conflict, a block
  // button) counts as changed from the start.
  const unsaved = "unsaved" in form.dataset;
  const saved = unsaved ? null : snapshot(form);
  const changed = () => snapshot(form) !== saved;
  let submitting = false;

  // The server's draft: what it was last sent, and the next sending.
  let sent = null;
  let serverTimer = null;
  const body = () => withToken(form, new URLSearchParams({ fields: changed() ? snapshot(form) : "" }));
  const send = () => {
    clearTimeout(serverTimer);
    serverTimer = null;
    const pairs = body();
    if (pairs.get("fields") === sent) return;
    sent = pairs.get("fields");
    fetch(server, { method: "POST", body: pairs })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((drafts) => drafts && showOthers(form, drafts.others))
      .catch(() => {
        sent = null; // offline: the next keystroke tries again
      });
  };
  const sendSoon = () => {
    serverTimer ??= setTimeout(send, SERVER_EVERY);
  };

  const stored = localStorage.getItem(key);
  const done = new URLSearchParams(location.search).has("done");
  if (unsaved) {
    localStorage.setItem(key, snapshot(form));
    send();
  } else if (done) {
    // The item is saved: after a save the page opens with `?done=…`, and a
    // new item's copy (`post-new`) has moved to its own page (`post-7`).
    for (const name of new Set([form.dataset.autosave, form.dataset.autosave.replace(/-\d+$/, "-new")])) {
      localStorage.removeItem(`pamphlet:${name}`);
      fetch(`${draftUrl(name)}/discard`, { method: "POST", body: withToken(form, new URLSearchParams()) }).catch(() => {});
    }
  } else {
    if (stored === saved) localStorage.removeItem(key);
    else if (stored) offerBack(form, key, stored, "This browser kept changes you had not saved. ", server);
    // Another device's draft, and who else is editing this.
    fetch(server)
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((drafts) => {
        if (!drafts) return;
        showOthers(form, drafts.others);
        const mine = drafts.mine;
        if (mine && mine.fields !== saved && mine.fields !== stored && !form.previousElementSibling?.matches(".restore-draft")) {
          sent = mine.fields;
          offerBack(form, key, mine.fields, `Changes you had not saved (kept ${mine.when}) can be brought back. `, server);
        }
      })
      .catch(() => {});
  }

  let timer = null;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (changed()) localStorage.setItem(key, snapshot(form));
    }, 500);
    sendSoon();
  });
  // A closed tab or a sleeping laptop: what is still to send goes now.
  const flush = () => {
    if (serverTimer === null || submitting) return;
    clearTimeout(serverTimer);
    serverTimer = null;
    const pairs = body();
    if (pairs.get("fields") !== sent) navigator.sendBeacon(server, pairs);
    sent = pairs.get("fields");
  };
  document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && flush());
  window.addEventListener("pagehide", flush);
  // Before the session ends, while the server still takes the draft.
  signOut?.addEventListener("submit", flush);

  form.addEventListener("submit", (event) => {
    // A preview opens in a new tab and saves nothing.
    if (event.submitter?.formAction?.endsWith("/preview")) return;
    submitting = true;
    clearTimeout(serverTimer);
    serverTimer = null;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && !sendingBack && changed()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

// On a shared computer the next person must not find unsaved text here:
// the server keeps each draft for its author, so signing out clears this
// browser's copies (the editor's mode is a preference, not text).
signOut?.addEventListener("submit", () => {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("pamphlet:") && key !== "pamphlet:editor-mode") localStorage.removeItem(key);
  }
});

function offerBack(form, key, stored, said, server) {
  const offer = document.createElement("p");
  offer.className = "notice restore-draft";
  offer.setAttribute("role", "status");
  offer.textContent = said;
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
    fetch(`${server}/discard`, { method: "POST", body: withToken(form, new URLSearchParams()) }).catch(() => {});
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

// Who else has unsaved changes in this form: both may go on, and the
// second to save meets the conflict page with both versions.
function showOthers(form, others) {
  let note = form.parentElement.querySelector(".presence");
  if (!others.length) {
    note?.remove();
    return;
  }
  if (!note) {
    note = document.createElement("p");
    note.className = "notice presence";
    note.setAttribute("role", "status");
    form.before(note);
  }
  const names = others.map((o) => `${o.who} (unsaved changes ${o.when})`).join(", ");
  note.textContent = `Also editing this: ${names}. If you both save, the second save is stopped and shows both versions.`;
}

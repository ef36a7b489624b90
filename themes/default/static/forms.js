// The public forms work without this script. With it, a form solves a small
// proof of work while someone types (the server decides what it is worth),
// with a fresh time stamp when the page's own is older than a day (cached
// pages keep theirs), and a petition's counter follows new signatures
// without a reload.
(() => {
  if (window.pamphletForms) return;
  window.pamphletForms = true;

  const zeroBits = (bytes) => {
    let bits = 0;
    for (const byte of bytes) {
      if (byte === 0) { bits += 8; continue; }
      return bits + Math.clz32(byte) - 24;
    }
    return bits;
  };

  // Finds a nonce whose SHA-256 with the stamp starts with `bits` zero bits.
  const solve = async (stamp, bits) => {
    const encoder = new TextEncoder();
    for (let nonce = 0; nonce < 1 << 24; nonce++) {
      const digest = await crypto.subtle.digest('SHA-256', encoder.encode(`${stamp}:${nonce}`));
      if (zeroBits(new Uint8Array(digest)) >= bits) return String(nonce);
    }
    return '';
  };

  const guard = (form) => {
    let started = false;
    const start = async () => {
      if (started) return;
      started = true;
      try {
        // A static copy of the site posts its forms to the live server it names.
        const response = await fetch(`${form.dataset.endpoint || ''}/forms/challenge`, { cache: 'no-store' });
        if (!response.ok) return;
        const { stamp, bits } = await response.json();
        // The page's stamp says when the form was handed out; a fresh one would
        // make a quick but real person look like a bot.
        const issued = Number(form.elements.stamp.value.split('.')[0]);
        if (!(issued > Date.now() / 1000 - 86400)) form.elements.stamp.value = stamp;
        form.elements.proof.value = '';
        // crypto.subtle exists only on https and on this machine; without it the form goes as it is.
        if (window.crypto && crypto.subtle) form.elements.proof.value = await solve(form.elements.stamp.value, bits);
      } catch (_) {
        // The form still works with the stamp the page came with.
      }
    };
    form.addEventListener('focusin', start);
    form.addEventListener('input', start);
  };

  const follow = (box) => {
    const count = box.querySelector('[data-count]');
    const bar = box.querySelector('[data-bar]');
    const names = box.querySelector('[data-names]');
    const namesLine = box.querySelector('[data-names-line]');
    const update = async () => {
      try {
        const response = await fetch(box.dataset.tally, { cache: 'no-store' });
        if (!response.ok) return;
        const tally = await response.json();
        count.textContent = tally.count.toLocaleString('en');
        bar.value = tally.percent;
        bar.textContent = `${tally.percent}%`;
        names.textContent = tally.names.join(', ');
        namesLine.hidden = tally.names.length === 0;
      } catch (_) {
        // The next round tries again.
      }
    };
    update();
    setInterval(() => { if (!document.hidden) update(); }, 10000);
  };

  document.querySelectorAll('form[data-guarded]').forEach(guard);
  document.querySelectorAll('[data-tally]').forEach(follow);
})();

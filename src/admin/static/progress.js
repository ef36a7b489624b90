// Follows an issue being sent: the bar and the figures update every second
// without a reload; the page reloads once the sending is done.
const section = document.getElementById("sending");

if (section && section.dataset.status === "sending") {
  const bar = document.getElementById("sent-bar");
  const tick = async () => {
    try {
      const response = await fetch(section.dataset.progress, { headers: { accept: "application/json" } });
      if (response.ok) {
        const { status, progress } = await response.json();
        bar.max = progress.total;
        bar.value = progress.sent + progress.failed + progress.skipped;
        for (const name of ["sent", "failed", "remaining", "skipped"]) {
          section.querySelector(`[data-figure="${name}"]`).textContent = progress[name];
        }
        section.querySelector('[data-figure="rate"]').textContent = progress.rate.toFixed(1);
        // The finished page, without the "has started" notice of the address.
        if (status !== "sending") return location.replace(location.pathname);
      }
    } catch {
      // A missed tick is caught up by the next one.
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
}

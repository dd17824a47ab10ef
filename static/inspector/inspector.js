// Tells the stylesheet that scripts run, so controls only needed without htmx can hide.
document.documentElement.classList.add("js");

// The Expiry panel counts down to the end of the stored session; a moment after zero
// the panels are fetched again, so the class sees what the next request finds.
setInterval(() => {
  const clock = document.getElementById("countdown");
  if (!clock || clock.dataset.done) return;
  const left = Math.round(clock.dataset.expiresAt - Date.now() / 1000);
  const days = Math.floor(left / 86400);
  const clockFace = new Date((left % 86400) * 1000).toISOString().slice(11, 19);
  const text = left < 60 ? `${left} s` : `${days ? `${days} d ` : ""}${clockFace}`;
  clock.querySelector(".left").textContent = left > 0 ? ` · ${text} left` : " · expired";
  if (left <= -1 && window.htmx) {
    clock.dataset.done = "yes";
    htmx.ajax("GET", clock.dataset.expiredUrl, { target: "#session-panel", swap: "outerHTML" });
  }
}, 1000);

// After an action (a POST), the Django side scrolls to the first panel it changed, where
// each column scrolls on its own; in Presenter view "What just happened" comes into view too.
let settling = false;
document.addEventListener("htmx:afterSettle", (event) => {
  if (settling || event.detail.requestConfig?.verb !== "post") return;
  settling = true;
  requestAnimationFrame(() => {
    settling = false;
    const presenter = document.documentElement.classList.contains("presenter");
    const header = document.getElementById("header");
    document.documentElement.style.setProperty("--header-height", `${header.offsetHeight}px`);
    if (!matchMedia("(min-width: 1000px)").matches) {
      // One column: the page scrolls, under Presenter's sticky header.
      if (presenter) document.getElementById("happened-panel")?.scrollIntoView({ block: "start" });
      return;
    }
    if (presenter) document.getElementById("happened-panel")?.scrollIntoView({ block: "nearest" });
    document.querySelector(".django-column .panel.changed")?.scrollIntoView({ block: "start" });
  });
});

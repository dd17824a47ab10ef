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

// Where the page scrolls as a whole, panels jumped to stop below the (sticky) header.
const measureHeader = () => {
  const header = document.getElementById("header");
  if (header) document.documentElement.style.setProperty("--header-height", `${header.offsetHeight}px`);
};
addEventListener("resize", measureHeader);
addEventListener("DOMContentLoaded", measureHeader);

// After an action (a POST): a refused one shows its field; otherwise the Django side scrolls
// to the first panel it changed, and in Presenter "What just happened" comes into view.
let settling = false;
document.addEventListener("htmx:afterSettle", (event) => {
  if (settling || event.detail.requestConfig?.verb !== "post") return;
  settling = true;
  requestAnimationFrame(() => {
    settling = false;
    measureHeader();
    const invalid = document.querySelector("#happened .error") && document.querySelector('[aria-invalid="true"]');
    if (invalid) return invalid.scrollIntoView({ block: "center" });
    const presenter = document.documentElement.classList.contains("presenter");
    const happened = document.getElementById("happened-panel");
    if (!matchMedia("(min-width: 1000px)").matches) {
      if (presenter) happened?.scrollIntoView({ block: "start" });
      return;
    }
    if (presenter) happened?.scrollIntoView({ block: "nearest" });
    document.querySelector(".django-column .panel.changed")?.scrollIntoView({ block: "start" });
  });
});

// Open pages ask every second whether their session (or, on the class view, any session)
// changed; a tab in the background does not ask, and asks at once when it is back.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (document.hidden && event.detail.elt.hasAttribute("data-poll")) event.preventDefault();
});

// The class view: a row new since the last redraw flashes green, a changed one amber, and a
// row opened stays open (its record fetched again).
let classRows = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target.id !== "class-table") return;
  classRows = new Map([...document.querySelectorAll("#class-table tr[data-ref]")].map((row) => [row.dataset.ref, row]));
});
document.addEventListener("htmx:afterSettle", () => {
  if (!classRows) return;
  for (const row of document.querySelectorAll("#class-table tr[data-ref]")) {
    const before = classRows.get(row.dataset.ref);
    if (before?.dataset.sig !== row.dataset.sig) row.classList.add(before ? "flash-changed" : "flash-added");
    if (before?.querySelector("details[open]")) row.querySelector("details").open = true;
  }
  classRows = null;
});

// Tells the stylesheet that scripts run, so controls only needed without htmx can hide.
document.documentElement.classList.add("js");

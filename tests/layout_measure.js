() => {
  // Run by tests/test_layout.py: every problem as a sentence naming the element.
  const problems = [];
  const name = (el) => {
    const label = el.labels && el.labels[0] ? el.labels[0].innerText : "";
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} ${label || el.innerText || el.name || ""}`
      .trim().slice(0, 60);
  };
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && !el.closest(".visually-hidden")
      && getComputedStyle(el).visibility !== "hidden";
  };
  // What a control needs: its own width with nothing squeezing it.
  const needs = (el) => {
    const copy = el.cloneNode(true);
    copy.removeAttribute("id");
    copy.style.cssText = "position:absolute;left:-9999px;width:max-content;min-width:0;max-width:none;flex:none";
    el.parentNode.appendChild(copy);
    const width = copy.getBoundingClientRect().width;
    copy.remove();
    return width;
  };
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  for (const panel of document.querySelectorAll(".panel")) {
    if (!shown(panel)) continue;
    const edge = panel.getBoundingClientRect();
    for (const el of panel.querySelectorAll("*")) {
      if (!shown(el)) continue;
      const box = el.getBoundingClientRect();
      if (box.left < edge.left - 1 || box.right > edge.right + 1) {
        problems.push(`${name(el)} spills out of #${panel.id} (${Math.round(box.left)}..${Math.round(box.right)} outside ${Math.round(edge.left)}..${Math.round(edge.right)})`);
      }
    }
    for (const cell of panel.querySelectorAll("td, th")) {
      if (shown(cell) && cell.scrollWidth > cell.clientWidth + 1) {
        problems.push(`a cell of #${panel.id} overflows: ${cell.innerText.slice(0, 40)}`);
      }
    }
    for (const el of panel.querySelectorAll("button, select, .button")) {
      if (!shown(el)) continue;
      const width = el.getBoundingClientRect().width;
      const need = needs(el);
      if (width + 1 < need) problems.push(`${name(el)} is ${Math.round(width)} px wide, needs ${Math.round(need)}`);
    }
    for (const el of panel.querySelectorAll("input:not([type=hidden]), textarea")) {
      if (!shown(el)) continue;
      const width = el.getBoundingClientRect().width;
      if (width < 5 * rem) problems.push(`${name(el)} is ${Math.round(width)} px wide, under 5 rem`);
    }
    // No label or control drawn over another.
    for (const form of panel.querySelectorAll("form")) {
      const parts = [...form.querySelectorAll("label, input:not([type=hidden]), textarea, select, button, .button, .error")].filter(shown);
      for (let i = 0; i < parts.length; i++) {
        for (let j = i + 1; j < parts.length; j++) {
          if (parts[i].contains(parts[j]) || parts[j].contains(parts[i])) continue;
          const a = parts[i].getBoundingClientRect(), b = parts[j].getBoundingClientRect();
          const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
            && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
          if (overlap) problems.push(`${name(parts[i])} is drawn over ${name(parts[j])}`);
        }
      }
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  }
  // Where each column scrolls on its own, the page itself never does.
  const page = document.documentElement;
  if (window.innerWidth >= 1000 && page.scrollHeight > window.innerHeight + 1) {
    problems.push(`the page scrolls as a whole: ${page.scrollHeight} > ${window.innerHeight}`);
  }
  return problems;
}

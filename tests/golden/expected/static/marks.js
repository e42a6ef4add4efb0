// Private reading marks (read / star), kept in this browser's localStorage only.
// Nothing is sent anywhere: the site is static and this script makes no requests.
(function () {
  "use strict";
  const script = document.currentScript;
  const rootUrl = new URL(script.dataset.root || "./", location.href);
  const KEY = "sitegen-marks:" + rootUrl.pathname; // one list per site, even on a shared origin

  function load() {
    try {
      const data = JSON.parse(localStorage.getItem(KEY) || "{}");
      return data && typeof data.marks === "object" && data.marks ? data.marks : {};
    } catch (e) { return {}; }
  }
  function save(marks) {
    try { localStorage.setItem(KEY, JSON.stringify({ version: 1, marks: marks })); } catch (e) { /* storage off */ }
  }
  function badge(card, marks) {
    const mark = marks[card.dataset.slug] || {};
    let span = card.querySelector(".private-badge");
    const text = (mark.read ? "✓ read" : "") + (mark.read && mark.star ? " · " : "") + (mark.star ? "★ starred" : "");
    if (!text) { if (span) span.remove(); return; }
    if (!span) {
      span = document.createElement("span");
      span.className = "private-badge";
      span.title = "Your private mark (this browser only)";
      (card.querySelector(".meta") || card).appendChild(span);
    }
    span.textContent = text;
  }
  function refresh() {
    const marks = load();
    document.querySelectorAll(".card[data-slug]").forEach((card) => badge(card, marks));
    document.querySelectorAll(".private-marks[data-slug]").forEach((box) => {
      const mark = marks[box.dataset.slug] || {};
      box.querySelectorAll("button[data-mark]").forEach((button) => {
        const on = !!mark[button.dataset.mark];
        button.setAttribute("aria-pressed", String(on));
        button.textContent = button.dataset.mark === "read" ? (on ? "✓ Read" : "Mark as read") : (on ? "★ Starred" : "Star");
      });
    });
    const count = document.getElementById("browser-marks-count");
    if (count) {
      const values = Object.values(marks);
      count.textContent = values.filter((m) => m.read).length + " read, " + values.filter((m) => m.star).length + " starred.";
    }
  }
  function toggle(slug, which) {
    const marks = load();
    const mark = Object.assign({}, marks[slug]);
    mark[which] = !mark[which];
    mark.at = new Date().toISOString().slice(0, 10);
    if (!mark.read && !mark.star) delete marks[slug]; else marks[slug] = mark;
    save(marks);
    refresh();
  }
  document.querySelectorAll(".private-marks[data-slug]").forEach((box) => {
    box.hidden = false;
    box.querySelectorAll("button[data-mark]").forEach((button) => {
      button.addEventListener("click", () => toggle(box.dataset.slug, button.dataset.mark));
    });
  });
  const section = document.getElementById("browser-marks");
  if (section) {
    section.hidden = false;
    document.getElementById("marks-export").addEventListener("click", () => {
      const blob = new Blob([JSON.stringify({ version: 1, marks: load() }, null, 1)], { type: "application/json" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "reading-marks.json";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
    document.getElementById("marks-import").addEventListener("change", (event) => {
      const file = event.target.files[0];
      if (!file) return;
      file.text().then((text) => {
        const incoming = JSON.parse(text);
        const marks = load();
        for (const [slug, mark] of Object.entries((incoming && incoming.marks) || {})) {
          if (typeof slug === "string" && mark && typeof mark === "object") {
            marks[slug] = { read: !!mark.read, star: !!mark.star, at: String(mark.at || "").slice(0, 10) };
          }
        }
        save(marks);
        refresh();
      }).catch(() => { document.getElementById("browser-marks-count").textContent = "That file is not a marks export."; });
    });
  }
  window.addEventListener("storage", (e) => { if (e.key === KEY) refresh(); });
  refresh();
})();

// Every page: "/" focuses the search box (unless the reader is typing somewhere).
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const active = document.activeElement;
  if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
  const box = document.getElementById("search-q") || document.getElementById("site-search");
  if (box) { event.preventDefault(); box.focus(); box.select(); }
});

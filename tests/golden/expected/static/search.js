// sitegen search page: Pagefind over http, the offline index (search-index.js) from file://.
// Both backends answer the same question, so the page (box, facets, results, URL) is shared.
// Paper text is data: results are built with textContent, never innerHTML.
(function () {
  "use strict";
  const root = document.getElementById("search");
  if (!root) return;
  const siteRoot = root.dataset.root; // relative path from this page to the site root
  const form = document.getElementById("search-form");
  const box = document.getElementById("search-q");
  const sortBox = document.getElementById("search-sort");
  const statusLine = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const facetsBox = document.getElementById("search-facets");
  const more = document.getElementById("search-more");
  const FACETS = [["tag", "Tags"], ["year", "Year"], ["status", "Status"], ["digest", "Digest"]];
  const ANY_OF = new Set(["year", "status", "digest"]); // tags narrow (all of); the others are any of
  const PAGE = 20;
  const STATUS_LABELS = { "to-read": "To read", reading: "Reading", read: "Read", dropped: "Dropped" };

  function readState() {
    const p = new URLSearchParams(location.search);
    const state = { q: p.get("q") || "", sort: p.get("sort") || "" };
    for (const [facet] of FACETS) state[facet] = p.getAll(facet);
    return state;
  }
  function writeState(state, push) {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    for (const [facet] of FACETS) for (const v of state[facet]) p.append(facet, v);
    if (state.sort) p.set("sort", state.sort);
    const query = p.toString();
    const url = location.pathname + (query ? "?" + query : "");
    try {
      (push ? history.pushState : history.replaceState).call(history, null, "", url);
    } catch (e) { /* some browsers refuse history on file:// */ }
  }

  // ---- Pagefind (http) ----
  // A big list is indexed in shards, one Pagefind bundle each (sitegen-shards.json in the
  // first lists them). The first few bundles' own pagefind.js are imported, one per core the
  // reader has: each is its own module, so each runs its own web worker, and the shards are
  // searched at once (mergeIndex alone searches them all in one worker, one after the other).
  // Each worker takes every n-th shard with mergeIndex. Results are pooled here as mergeIndex
  // pools them: filter counts summed, results put together (but for a worker's found only by
  // Pagefind's fallback to a shorter word: see `matched`). Pagefind orders results by each
  // index's own score, which for a sort is a page's rank within its own shard, so sorts are
  // applied here, by the sort values each bundle lists (sitegen-order.json): the same order
  // whether the site has one shard or many.
  const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const ORDERS = {
    "date-desc": (v) => (a, b) => v(b)[0] - v(a)[0] || byId(a, b),
    "date-asc": (v) => (a, b) => v(a)[0] - v(b)[0] || byId(a, b),
    "upvotes-desc": (v) => (a, b) => v(b)[1] - v(a)[1] || v(b)[0] - v(a)[0] || byId(a, b),
  };
  async function fetchJSON(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error("could not load " + url + " (" + response.status + ")");
    return response.json();
  }
  function sumCounts(tables) { // filter -> value -> count, summed over the shards
    const sum = {};
    for (const table of tables) {
      for (const [facet, values] of Object.entries(table || {})) {
        const into = (sum[facet] = sum[facet] || {});
        for (const [value, count] of Object.entries(values)) into[value] = (into[value] || 0) + count;
      }
    }
    return sum;
  }
  function pagefindBackend() {
    const url = new URL(root.dataset.pagefind, location.href).href;
    const siteUrl = new URL(siteRoot || "./", location.href);
    let workers, bundles, values; // workers: one Pagefind module each
    function sortValues() { // id -> [date as YYYYMMDD, upvotes], every shard's, loaded once
      values = values || Promise.all(bundles.map((b) => fetchJSON(new URL(b + "sitegen-order.json", siteUrl))))
        .then((tables) => {
          const map = new Map();
          for (const t of tables) t.ids.forEach((id, i) => map.set(id, [t.date[i], t.upvotes[i]]));
          return map;
        });
      return values;
    }
    const allCounts = () => Promise.all(workers.map((pf) => pf.filters())).then(sumCounts);
    // Browsing (no query) searches for the word every paper page holds, hidden: Pagefind's
    // filter-only search (a null query) loads every index chunk of every shard, the whole
    // index (5.9 MB at 10,000 papers), where one word needs the one chunk that holds it.
    // The pages holding it are checked against the number of papers (each has one year),
    // so a site whose paper template lacks the word still browses every paper.
    let browseWord = root.dataset.browse || null;
    // Pagefind's text of a page ends the hidden element with a full stop: "... ꙮsitegen."
    const hidden = root.dataset.browse ? new RegExp("\\s*" + root.dataset.browse + "\\.?", "gu") : null;
    const withoutBrowseWord = (excerpt) => (hidden ? excerpt.replace(hidden, "") : excerpt);
    let papers;
    async function browse(filters) {
      if (browseWord) {
        const found = await Promise.all(workers.map((pf) => pf.search(browseWord, { filters })));
        papers = papers || allCounts().then((c) => Object.values(c.year || {}).reduce((a, b) => a + b, 0));
        if (found.reduce((n, res) => n + res.unfilteredResultCount, 0) === (await papers)) return found;
        browseWord = null;
      }
      return Promise.all(workers.map((pf) => pf.search(null, { filters })));
    }
    // Where no word of an index starts with a query word, Pagefind falls back to the longest
    // word of that index the query word starts with (`robot` finds `ro`, of `RoPE`; `island`,
    // which no paper holds, finds `i`). One index does that only for a word the whole list
    // lacks, a shard for any word it lacks: the smaller the shards, the more papers such a
    // query finds that do not hold it. A shard falls back for a word or not at all, and a
    // page holding the word itself scores above pages holding a shorter, commoner word, so a
    // worker's first result tells: if no word it was found by holds the first half of each
    // query word (`rob` of `robot`: a word's stem is at least that long), the worker's results
    // are left out, counts and all. A word no paper holds finds nothing.
    const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
    // `word` (folded) can have found a page for query word `q` (folded) by q's stem or a longer
    // word: it holds q's first half (a stem is at least that long: `accept` of `acceptable`)
    const holds = (word, q) => word.includes(q.slice(0, Math.ceil(q.length / 2)));
    async function matched(q, found) {
      const asked = q.split(/\s+/).map(fold).filter(Boolean);
      const kept = await Promise.all(found.map(async (res) => {
        if (!res.results.length) return true;
        const page = await res.results[0].data().catch(() => null); // its words as Pagefind counts them
        if (!page) return true; // cannot tell (its fragment did not come): kept
        const words = page.content.split(page.content.includes("\u200B") ? "\u200B" : /[\r\n\s]+/g);
        const by = (page.locations || []).map((at) => words[at]);
        if (!by.length || by.includes(undefined)) return true; // cannot tell: kept
        const hits = by.map(fold);
        return asked.every((word) => hits.some((hit) => holds(hit, word)));
      }));
      return found.map((res, i) => (kept[i] ? res : { ...res, results: [], filters: {}, unfilteredResultCount: 0 }));
    }
    return {
      name: "pagefind",
      async init() {
        const [first, list] = await Promise.all([import(url), fetchJSON(new URL("sitegen-shards.json", url))]);
        bundles = list.bundles;
        // one worker per core the reader has (at most 8), each searching every n-th shard
        const n = Math.min(bundles.length, 8, Math.max(1, navigator.hardwareConcurrency || 2));
        const bundle = (i) => new URL(bundles[i], siteUrl);
        workers = await Promise.all(bundles.slice(0, n).map((b, i) => (i ? import(bundle(i).href + "pagefind.js") : first)));
        await Promise.all(workers.map(async (pf, w) => {
          await pf.options({ excerptLength: 30 });
          await pf.init();
          const merged = [];
          for (let i = w + n; i < bundles.length; i += n) merged.push(pf.mergeIndex(bundle(i).pathname, { excerptLength: 30 }));
          await Promise.all(merged);
          await pf.filters(); // loads the filter index, without which results carry no facet counts
        }));
      },
      preload(q) { // fetch the index chunks for what is typed while the debounce waits
        if (q.trim()) for (const pf of workers) pf.preload(q).catch(() => {});
      },
      async search(state) {
        const filters = {};
        for (const [facet] of FACETS) {
          if (state[facet].length) filters[facet] = ANY_OF.has(facet) ? { any: state[facet] } : state[facet];
        }
        const browsing = !state.q;
        const found = browsing
          ? await browse(filters)
          : await matched(state.q, await Promise.all(workers.map((pf) => pf.search(state.q, { filters }))));
        const pooled = found.flatMap((res) => res.results);
        const order = ORDERS[state.sort || (browsing ? "date-desc" : "")];
        let results;
        if (order) {
          const table = await sortValues();
          results = pooled.sort(order((r) => table.get(r.id) || [0, 0]));
        } else {
          results = pooled.sort((a, b) => b.score - a.score || byId(a, b));
        }
        const counts = browsing && !Object.keys(filters).length ? await allCounts() : sumCounts(found.map((res) => res.filters));
        return {
          total: results.length,
          counts: counts || {},
          load(start, end) { // every fragment fetched at once; each result shown as it comes, in order
            return results.slice(start, end).map((r) => r.data().then((d) => ({
              path: d.url.slice(d.url.indexOf("papers/")),
              title: (d.meta && d.meta.title) || d.url,
              date: (d.meta && d.meta.date) || "",
              excerptHtml: state.q ? withoutBrowseWord(d.excerpt) : "",
              excerpt: state.q ? "" : (d.meta && d.meta.excerpt) || "",
              tags: (d.filters && d.filters.tag) || [],
            })));
          },
        };
      },
    };
  }

  // ---- Offline index (file://) ----
  function offlineBackend() {
    let data, papers;
    const tokens = (text) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return {
      name: "offline",
      init() {
        return new Promise((resolve, reject) => {
          const script = document.createElement("script");
          script.src = root.dataset.index;
          script.onload = () => {
            data = window.SITEGEN_SEARCH;
            if (!data) return reject(new Error("search-index.js loaded but defined no index"));
            papers = data.papers.map((row) => {
              const [slug, title, date, tags, status, sources, upvotes, terms] = row;
              const tagNames = tags.map((i) => data.tags[i][1]);
              return {
                slug, title, date, upvotes, tagNames,
                values: {
                  tag: tagNames,
                  year: [date ? date.slice(0, 4) : "undated"],
                  status: [STATUS_LABELS[status] || "No status"],
                  digest: sources.map((i) => data.sources[i]),
                },
                titleWords: tokens(title),
                otherWords: tokens(tagNames.join(" ") + " " + tags.map((i) => data.tags[i][0]).join(" ") + " " + terms),
              };
            });
            resolve();
          };
          script.onerror = () => reject(new Error("could not load " + script.src));
          document.head.appendChild(script);
        });
      },
      async search(state) {
        const words = tokens(state.q);
        const scored = [];
        for (const p of papers) {
          let score = 0;
          for (const w of words) {
            const inTitle = p.titleWords.some((t) => t.startsWith(w));
            const inOther = !inTitle && p.otherWords.some((t) => t.startsWith(w));
            if (!inTitle && !inOther) { score = -1; break; }
            score += inTitle ? 3 : 1;
          }
          if (score >= 0) scored.push([score, p]);
        }
        const passes = (p, skip) => FACETS.every(([facet]) => {
          const chosen = state[facet];
          if (facet === skip || !chosen.length) return true;
          return ANY_OF.has(facet) ? chosen.some((v) => p.values[facet].includes(v))
                                   : chosen.every((v) => p.values[facet].includes(v));
        });
        const counts = {};
        for (const [facet] of FACETS) {
          counts[facet] = {};
          for (const [, p] of scored) {
            if (!passes(p, ANY_OF.has(facet) ? facet : null)) continue;
            for (const v of p.values[facet]) counts[facet][v] = (counts[facet][v] || 0) + 1;
          }
        }
        let hits = scored.filter(([, p]) => passes(p, null));
        const byDate = (a, b) => (a[1].date || "0000").localeCompare(b[1].date || "0000");
        if (state.sort === "date-asc") hits.sort(byDate);
        else if (state.sort === "date-desc" || (!state.sort && !words.length)) hits.sort((a, b) => byDate(b, a));
        else if (state.sort === "upvotes-desc") hits.sort((a, b) => b[1].upvotes - a[1].upvotes);
        else hits.sort((a, b) => b[0] - a[0]);
        return {
          total: hits.length,
          counts,
          load(start, end) {
            return hits.slice(start, end).map(([, p]) => ({
              path: "papers/" + p.slug + "/index.html", title: p.title, date: p.date,
              excerptHtml: "", excerpt: "", tags: p.tagNames,
            }));
          },
        };
      },
    };
  }

  // ---- Rendering ----
  function excerptNodes(html) {
    // Pagefind's excerpt is escaped text with <mark> around hits: keep only text and marks.
    const doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    const out = document.createElement("p");
    out.className = "excerpt";
    for (const node of doc.body.firstChild.childNodes) {
      if (node.nodeName === "MARK") {
        const mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(node.textContent));
      }
    }
    return out;
  }
  function resultItem(r) {
    const li = document.createElement("li");
    li.className = "result card";
    const h = document.createElement("h2");
    h.className = "card-title";
    const a = document.createElement("a");
    a.href = siteRoot + r.path;
    a.textContent = r.title;
    h.appendChild(a);
    li.appendChild(h);
    if (r.date) {
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = r.date;
      li.appendChild(meta);
    }
    if (r.excerptHtml) li.appendChild(excerptNodes(r.excerptHtml));
    else if (r.excerpt) {
      const p = document.createElement("p");
      p.className = "excerpt";
      p.textContent = r.excerpt;
      li.appendChild(p);
    }
    if (r.tags.length) {
      const ul = document.createElement("ul");
      ul.className = "tags";
      for (const t of r.tags) {
        const tli = document.createElement("li");
        const span = document.createElement("span");
        span.className = "tag";
        span.textContent = t;
        tli.appendChild(span);
        ul.appendChild(tli);
      }
      li.appendChild(ul);
    }
    return li;
  }
  function renderFacets(state, counts) {
    facetsBox.textContent = "";
    for (const [facet, label] of FACETS) {
      const values = Object.entries(counts[facet] || {});
      for (const chosen of state[facet]) if (!values.some(([v]) => v === chosen)) values.push([chosen, 0]);
      if (!values.length) continue;
      values.sort(facet === "year" ? (a, b) => b[0].localeCompare(a[0]) : (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const fs = document.createElement("fieldset");
      fs.className = "facet";
      const legend = document.createElement("legend");
      legend.textContent = label;
      fs.appendChild(legend);
      for (const [value, count] of values) {
        const lab = document.createElement("label");
        const input = document.createElement("input");
        input.type = "checkbox";
        input.name = facet;
        input.value = value;
        input.checked = state[facet].includes(value);
        input.addEventListener("change", () => {
          const s = currentState();
          s[facet] = input.checked ? [...s[facet], value] : s[facet].filter((v) => v !== value);
          writeState(s, true);
          run(s);
        });
        lab.appendChild(input);
        lab.appendChild(document.createTextNode(" " + value + " "));
        const c = document.createElement("span");
        c.className = "count";
        c.textContent = "(" + count + ")";
        lab.appendChild(c);
        fs.appendChild(lab);
      }
      facetsBox.appendChild(fs);
    }
  }

  let backend;
  let shownState = readState();
  let generation = 0;
  function currentState() {
    const s = JSON.parse(JSON.stringify(shownState));
    s.q = box.value.trim();
    s.sort = sortBox.value;
    return s;
  }
  // One search at a time: Pagefind cannot stop a search once started, and a short prefix can
  // take seconds (`t` matches every page), so a search asked for while another runs waits for
  // it, and is dropped if a newer one was asked for meanwhile: typing never queues a backlog.
  let searching = Promise.resolve();
  let searches = 0; // searches run, on the page as data-searches (for tests and debugging)
  function searchInTurn(state, mine) {
    const turn = searching.then(() => {
      if (mine !== generation) return null;
      root.dataset.searches = String(++searches);
      return backend.search(state);
    });
    searching = turn.catch(() => {});
    return turn;
  }
  async function run(state) {
    shownState = state;
    const mine = ++generation;
    const answer = await searchInTurn(state, mine);
    if (mine !== generation) return; // a newer search has been asked for
    renderFacets(state, answer.counts);
    list.textContent = "";
    let shown = 0;
    let loading = false;
    async function showMore() {
      if (loading) return; // one page at a time: a second click while one comes in would list it twice
      loading = true;
      list.setAttribute("aria-busy", "true"); // results are on their way (screen readers, tests)
      // `load` gives the results from `shown` on, each a result or a promise of one: each is
      // listed as soon as it and those before it are in, not once the whole page is
      const items = answer.load(shown, shown + PAGE);
      for (const item of items) Promise.resolve(item).catch(() => {}); // a failure is reported below, once
      try {
        for (const item of items) {
          const r = await item;
          if (mine !== generation) return;
          list.appendChild(resultItem(r));
        }
      } catch (err) {
        // what came in stays listed, and "More results" goes on to the next page; Pagefind
        // keeps a fragment that failed as failed, so only a reload asks for it again
        statusLine.textContent = counted + " Some could not be loaded (" + err.message + "); reload to try again.";
      } finally {
        loading = false;
      }
      shown += items.length;
      more.hidden = shown >= answer.total;
      list.removeAttribute("aria-busy");
    }
    more.onclick = showMore;
    const filtered = FACETS.some(([f]) => state[f].length);
    const counted = !state.q && !filtered && backend.name === "pagefind" && !answer.total
      ? "Type to search, or choose a filter."
      : answer.total + " paper" + (answer.total === 1 ? "" : "s") + (state.q ? " for “" + state.q + "”" : "")
        + (backend.name === "offline" ? " (offline search: titles, tags and key terms)" : "");
    statusLine.textContent = counted;
    await showMore();
  }

  async function start() {
    statusLine.textContent = "Loading search…"; // set here, so a page without JavaScript shows only its <noscript> text
    const state = readState();
    box.value = state.q;
    sortBox.value = state.sort;
    const header = document.getElementById("site-search");
    if (header) header.value = state.q;
    backend = location.protocol === "file:" ? offlineBackend() : pagefindBackend();
    try {
      await backend.init();
    } catch (err) {
      if (backend.name === "offline") throw err;
      backend = offlineBackend(); // Pagefind missing or blocked: the offline index still works
      await backend.init();
    }
    // While typing, a query whose last word is one letter or digit waits for the next key
    // (or Enter): as a prefix it matches most words, the slowest search there is, and it is
    // rarely what the reader means yet.
    const unfinished = (q) => /(^|\s)[A-Za-z0-9]$/.test(q.trim());
    // A query that came whole (pasted, dropped, or a suggestion the browser offered) is searched
    // at once: no more keys are coming to wait for.
    const whole = new Set(["insertFromPaste", "insertFromDrop", "insertReplacementText"]);
    const ask = (push) => { const s = currentState(); writeState(s, push); run(s); };
    let timer;
    box.addEventListener("input", (event) => {
      clearTimeout(timer);
      if (whole.has(event.inputType)) return ask(false);
      if (unfinished(box.value)) return;
      if (backend.preload) backend.preload(box.value);
      timer = setTimeout(() => ask(false), 150);
    });
    sortBox.addEventListener("change", () => ask(true));
    form.addEventListener("submit", (e) => { e.preventDefault(); ask(true); });
    window.addEventListener("popstate", () => {
      const s = readState();
      box.value = s.q;
      sortBox.value = s.sort;
      run(s);
    });
    await run(state);
  }
  start().catch((err) => { statusLine.textContent = "Search is unavailable: " + err.message; });
})();

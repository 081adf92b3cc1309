// The search page: Pagefind's JavaScript API with the state kept in the URL
// (/search/?q=...&topic=...&year=...&month=...&author=...&org=...&code=yes&sort=date), so a
// search can be shared, reloaded,
// and Back works. Everything from the index is inserted as text, never as HTML.
const PAGE_SIZE = 20;
const root = document.getElementById("pd-search");
const form = root.querySelector("form");
const status = document.getElementById("pd-search-status");
const list = document.getElementById("pd-search-results");
const hint = document.createElement("p"); // "Did you mean ...?"
hint.className = "pd-search__hint";
status.after(hint);
// org and code exist where the digests say which organization a paper is from and
// where its code is.
const fields = ["q", "topic", "year", "month", "author", "org", "code", "sort"]
  .filter((name) => form.elements[name]);
const indexUrl = new URL(root.dataset.index, document.baseURI);
const siteRoot = new URL("./", indexUrl);

let search = null;
let shown = 0;
let current = null;
let currentState = null; // the form's state that `current` answers
let generation = 0;

// Names and words without case or accents, as pages.folded_words makes them for the
// files under api/authors/ and api/words/: "José" and "jose" are one word.
function fold(text) {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}
function foldedWords(text) {
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}
function aidKey(word) {
  return /^[a-z0-9]{2}/.test(word) ? word.slice(0, 2) : "_";
}
const aids = new Map();
// One of the aid files (kind "authors" or "words"), fetched once; a missing one is empty.
function aid(kind, word) {
  const url = new URL(`api/${kind}/${aidKey(word)}.json`, siteRoot).href;
  if (!aids.has(url)) {
    aids.set(url, fetch(url).then((r) => (r.ok ? r.json() : {}))
      .then((data) => data[kind === "authors" ? "names" : "words"] || []).catch(() => []));
  }
  return aids.get(url);
}
// The names of the site's authors that read as the text does, case and accents aside.
async function authorNames(text) {
  const words = foldedWords(text);
  const first = words.find((w) => w.length >= 2);
  if (!first) return [];
  const wanted = words.join(" ");
  return (await aid("authors", first))
    .filter(([name]) => foldedWords(name).join(" ") === wanted).map(([name]) => name);
}
// Names for the author field's list as it is typed: each typed word starts a word of
// the name; most papers first.
async function suggestAuthors(text) {
  const words = foldedWords(text);
  const first = words.find((w) => w.length >= 2);
  if (!first) return [];
  return (await aid("authors", first)).filter(([name]) => {
    const parts = foldedWords(name);
    return words.every((w) => parts.some((part) => part.startsWith(w)));
  }).slice(0, 12).map(([name]) => name);
}

// Damerau-Levenshtein distance, at most limit + 1 (enough to know it is too far).
function distance(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
// "difusion" -> "diffusion": each word of the query that no two titles have is replaced
// by the most frequent title word one or two edits away (one for short words) that at
// least SUGGEST_MIN titles have. Pagefind finds a typo's stem here and there (46 papers
// for "difusion" against 1,512), so the offer does not wait for an empty result.
const SUGGEST_MIN = 5;
async function didYouMean(query) {
  const words = foldedWords(query);
  let changed = false;
  const out = await Promise.all(words.map(async (word) => {
    if (word.length < 4 || /^\d+$/.test(word)) return word;
    const known = await aid("words", word);
    if (known.some(([w]) => w === word)) return word;
    const limit = word.length <= 5 ? 1 : 2;
    // The same first letter (the file holds words by their first two): most typos
    // keep it, and the other files are tried only for the second letter's slip.
    const candidates = known.concat(await aid("words", word[0] + word[2]));
    let best = null;
    for (const [w, count] of candidates) {
      if (count >= SUGGEST_MIN && (!best || count > best[1]) && distance(word, w, limit) <= limit) {
        best = [w, count];
      }
    }
    if (!best) return word;
    changed = true;
    return best[0];
  }));
  return changed ? out.join(" ") : null;
}

// The index is several Pagefind bundles (generator/search.py): the shards, newest first,
// and when papers arrived or changed since their shard was made, a recent bundle;
// search-index.json, asked for as the page loads, names them and the shards' results
// the recent bundle replaces.
//
// Each bundle is searched by an instance of Pagefind's module of its own: two indexes
// opened by one module share its one WebAssembly memory, and the second one's loading
// overwrites the first's ("memory access out of bounds"). The module is fetched once,
// from the first bundle (every bundle's copy is the same file), and instantiated from
// its text for each. It runs in this page's own thread, not a worker: a search takes
// milliseconds, and a worker is one more script to fetch. Result URLs are made
// relative to where the site lives (sub-path hosting works).
//
// Each instance would also fetch its bundle's copy of Pagefind's WebAssembly, the same
// 70 KB file in every bundle: where search-index.json names a bundle whose copies the
// others share (`wasm`, checked when the index is built), every instance fetches that
// bundle's. The module builds the file's address from its base path in one place; if a
// later Pagefind builds it otherwise, nothing is replaced and each fetches its own.
function sharedWasm(text, info) {
  if (!info.wasm) return text;
  const base = new URL(info.wasm, siteRoot).pathname;
  return text.replace("`${this.basePath}wasm.", "`" + base + "wasm.");
}
const indexInfo = fetch(indexUrl).then((r) => (r.ok ? r.json() : null)).catch(() => null);
async function openBundle(name, moduleText) {
  let module;
  try {
    const blob = new Blob([await moduleText], { type: "text/javascript" });
    module = await import(URL.createObjectURL(blob));
  } catch (e) {
    // A policy that forbids blob: scripts: the bundle's own copy.
    module = await import(new URL(name + "pagefind.js", siteRoot).href);
  }
  await module.options({ basePath: new URL(name, siteRoot).pathname, baseUrl: siteRoot.pathname,
                         excerptLength: 30, noWorker: true });
  return module;
}
async function loadSearch() {
  if (!search) {
    const info = await indexInfo;
    const names = info.bundles.concat(info.recent ? [info.recent] : []);
    const moduleText = fetch(new URL(names[0] + "pagefind.js", siteRoot))
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`pagefind.js: ${r.status}`))))
      .then((text) => sharedWasm(text, info));
    moduleText.catch(() => {}); // each bundle then falls back to its own copy
    search = await Promise.all(names.map(async (name) => (
      { instance: await openBundle(name, moduleText), hide: new Set(info.hide[name] || []) })));
  }
  return search;
}

// Results of every bundle as one list: `total`, and `next(n)` for the next n results.
// By relevance the lists merge by score (as Pagefind's own mergeIndex does); by
// date each list is already newest first, and they merge by the dates of their heads.
function merged(lists, sortKey) {
  const all = lists.flat();
  if (!sortKey || lists.filter((l) => l.length).length < 2) {
    if (!sortKey) all.sort((a, b) => b.score - a.score);
    let at = 0;
    return { total: all.length, next: async (n) => all.slice(at, (at += n)) };
  }
  const heads = lists.map(() => 0);
  return {
    total: all.length,
    next: async (n) => {
      const out = [];
      while (out.length < n) {
        const open = lists.map((l, i) => i).filter((i) => heads[i] < lists[i].length);
        if (!open.length) break;
        const datas = await Promise.all(open.map((i) => lists[i][heads[i]].data()));
        // Each list is sorted already: take the best of their heads.
        const value = (d) => {
          const raw = (d.meta && d.meta[sortKey]) || "";
          return sortKey === "upvotes" ? Number(raw) || 0 : raw;
        };
        let best = 0;
        datas.forEach((d, k) => {
          if (value(d) > value(datas[best])) best = k;
        });
        const i = open[best];
        out.push(lists[i][heads[i]++]);
      }
      return out;
    },
  };
}

function readState() {
  const params = new URLSearchParams(location.search);
  const state = {};
  for (const name of fields) state[name] = params.get(name) || "";
  return state;
}

function fillForm(state) {
  for (const name of fields) {
    const el = form.elements[name];
    if (el.tagName === "SELECT" && state[name] &&
        ![...el.options].some((o) => o.value === state[name])) {
      const option = document.createElement("option");
      option.value = state[name];
      option.textContent = state[name];
      el.appendChild(option);
    }
    if (el.type === "checkbox") el.checked = state[name] === el.value;
    else el.value = state[name];
  }
}

// Pagefind marks matches with <mark>; keep those and show everything else as text.
function excerptNodes(excerpt) {
  const marked = excerpt.replace(/<mark>/g, "\u0001").replace(/<\/mark>/g, "\u0002");
  const text = new DOMParser().parseFromString(marked, "text/html").body.textContent || "";
  const nodes = [];
  for (const part of text.split(/(\u0001[^\u0002]*\u0002)/)) {
    if (part.startsWith("\u0001")) {
      const mark = document.createElement("mark");
      mark.textContent = part.slice(1, -1);
      nodes.push(mark);
    } else if (part) {
      nodes.push(document.createTextNode(part));
    }
  }
  return nodes;
}

// The result already shows the title and topics, so its excerpt comes from the abstract:
// the abstract's section of Pagefind's sub-results when the words were found there,
// else the abstract's opening words (the words matched only the title, authors or
// topics), else Pagefind's excerpt of the whole document.
const EXCERPT_WORDS = 30;

function excerpt(data) {
  const inAbstract = (data.sub_results || []).find(
    (sub) => sub.anchor && sub.anchor.id === "abstract" && sub.locations.length);
  if (inAbstract) {
    // A section's excerpt can begin with its heading ("Abstract.").
    const heading = inAbstract.anchor.text + ".";
    const text = inAbstract.excerpt;
    return text.startsWith(heading + " ") ? text.slice(heading.length + 1) : text;
  }
  const anchor = (data.anchors || []).find((a) => a.id === "abstract");
  if (anchor && data.content) {
    const start = anchor.location + anchor.text.split(/\s+/).length;
    // Up to the next section (Links), at most EXCERPT_WORDS.
    const next = data.anchors.map((a) => a.location).filter((at) => at > anchor.location);
    const end = Math.min(start + EXCERPT_WORDS, ...next);
    const words = data.content.split(/\s+/).slice(start, end);
    // Pagefind's excerpts are HTML; the content is text, so escape it alike.
    if (words.length) return escapeHtml(words.join(" "));
  }
  return data.excerpt || "";
}

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// A result's authors: the first AUTHORS_SHOWN and any the search matched (the author
// filter, or a name with a word that starts like a word of the query, as Pagefind
// matches), marked, so that a search by name shows why each paper was found.
const AUTHORS_SHOWN = 6;

function authorsLine(names, state) {
  const words = (state.q || "").toLowerCase().split(/\s+/).filter(Boolean);
  const wanted = state.author ? foldedWords(state.author).join(" ") : null;
  const matches = (name) => foldedWords(name).join(" ") === wanted || name.toLowerCase()
    .split(/[\s.-]+/).some((part) => part && words.some((word) => part.startsWith(word)));
  const p = document.createElement("p");
  p.className = "pd-item__authors";
  let skipped = false;
  names.forEach((name, i) => {
    const matched = matches(name);
    if (i >= AUTHORS_SHOWN && !matched) {
      skipped = true;
      return;
    }
    if (i > 0) p.append(skipped ? ", \u2026, " : ", ");
    skipped = false;
    if (matched) {
      const mark = document.createElement("mark");
      mark.textContent = name;
      p.append(mark);
    } else {
      p.append(name);
    }
  });
  if (skipped) p.append(", et al.");
  return p;
}

function resultItem(data, state) {
  const li = document.createElement("li");
  li.className = "pd-item";
  const link = document.createElement("a");
  link.className = "pd-item__title";
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
  li.appendChild(link);
  const slug = (new URL(data.url, document.baseURI).pathname.match(/\/papers\/([a-z0-9-]+)\/?$/) || [])[1];
  if (slug && window.pdReadingList) li.append(" ", window.pdReadingList.button(slug));
  if (data.meta && data.meta.date) {
    const date = document.createElement("span");
    date.className = "pd-item__date";
    date.textContent = " " + data.meta.date;
    li.appendChild(date);
  }
  const authors = (data.filters && data.filters.author) || [];
  if (authors.length) li.appendChild(authorsLine(authors, state));
  const topics = (data.filters && data.filters.topic) || [];
  if (topics.length) {
    const chips = document.createElement("span");
    chips.className = "pd-chips";
    for (const name of topics) {
      const chip = document.createElement("span");
      chip.className = "pd-chip";
      chip.textContent = name;
      chips.appendChild(chip);
    }
    li.appendChild(chips);
  }
  const p = document.createElement("p");
  p.className = "pd-item__excerpt";
  p.append(...excerptNodes(excerpt(data)));
  li.appendChild(p);
  return li;
}

// Results the query ranks the same (equal scores) are shown most upvoted first.
const upvotes = (data) => Number((data.meta && data.meta.upvotes) || 0);
const tied = (a, b) => a.score !== undefined && Math.abs(a.score - b.score) <= 1e-4 * Math.abs(a.score);

async function showMore(run) {
  const slice = await current.next(PAGE_SIZE);
  // All of the page's results load at once, and each run of tied results is shown as
  // soon as it and those before it are in: the first does not wait for the slowest.
  const loading = slice.map((r) => r.data());
  const ranked = !currentState.sort;
  for (let i = 0; i < slice.length;) {
    let end = i + 1;
    while (ranked && end < slice.length && tied(slice[i], slice[end])) end++;
    const datas = await Promise.all(loading.slice(i, end));
    if (end - i > 1) datas.sort((a, b) => upvotes(b) - upvotes(a));
    if (run !== generation) return;
    for (const data of datas) list.appendChild(resultItem(data, currentState));
    i = end;
  }
  shown += slice.length;
  const more = document.getElementById("pd-search-more");
  if (more) more.remove();
  if (shown < current.total) {
    const button = document.createElement("button");
    button.id = "pd-search-more";
    button.type = "button";
    button.className = "md-button";
    button.textContent = "More results";
    button.addEventListener("click", () => showMore(run));
    list.after(button);
  }
}

async function run(state, focus = false) {
  const run = ++generation;
  list.replaceChildren();
  hint.replaceChildren();
  const oldMore = document.getElementById("pd-search-more");
  if (oldMore) oldMore.remove();
  const filters = {};
  if (state.topic) filters.topic = state.topic;
  if (state.year) filters.year = state.year;
  if (state.month) filters.month = state.month;
  if (state.author) {
    // The names as the papers write them that read as typed: "kai chen" finds Kai Chen.
    const names = await authorNames(state.author);
    filters.author = names.length ? { any: names } : state.author;
  }
  if (state.org) filters.organization = state.org;
  if (state.code) filters.code = "yes";
  if (!state.q && !state.topic && !state.year && !state.month && !state.author && !state.org && !state.code) {
    status.textContent = "Type a title, an author, a method or a topic.";
    return;
  }
  status.textContent = "Searching\u2026";
  const index = await loadSearch();
  const options = { filters };
  const sortKey = ["date", "upvotes"].includes(state.sort) ? state.sort : null;
  if (sortKey) options.sort = { [sortKey]: "desc" };
  const bundles = index.map((bundle) => bundle.instance);
  // An arXiv id (2407.21783, arXiv:2407.21783v2) finds its paper, by its filter.
  const id = (state.q || "").trim().match(/^(?:arxiv:\s*)?(\d{4}\.\d{4,5})(?:v\d+)?$/i);
  let found = null;
  if (id) {
    found = await Promise.all(bundles.map((bundle) =>
      bundle.search(null, { ...options, filters: { ...filters, arxiv: id[1] } })));
    if (!found.some((f) => f.results.length)) found = null;
  }
  if (!found) found = await Promise.all(bundles.map((bundle) => bundle.search(state.q || null, options)));
  if (run !== generation) return;
  const lists = found.map((f, i) => f.results.filter((r) => !index[i].hide.has(r.id)));
  current = merged(lists, sortKey);
  currentState = state;
  shown = 0;
  const n = current.total;
  status.textContent = n === 0 ? "No papers found." : `${n} paper${n === 1 ? "" : "s"} found.`;
  // After a search the focus is on its summary, which a screen reader announces, so
  // the results are the next Tab stops, not the form's controls again.
  if (focus) status.focus();
  const shownFirst = showMore(run);
  if (state.q && !id) {
    const better = await didYouMean(state.q);
    if (better && run === generation) offer(better, state);
  }
  await shownFirst;
}

// Offers the query with its typos mended, as a link that runs it.
function offer(query, state) {
  const params = new URLSearchParams();
  for (const name of fields) if (state[name]) params.set(name, name === "q" ? query : state[name]);
  const link = document.createElement("a");
  link.href = `?${params}`;
  link.textContent = query;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    history.pushState(null, "", link.href);
    const next = readState();
    fillForm(next);
    run(next, true);
  });
  hint.replaceChildren("Did you mean ", link, "?");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  for (const name of fields) {
    const el = form.elements[name];
    const value = el.type === "checkbox" ? (el.checked ? el.value : "") : el.value.trim();
    if (value) params.set(name, value);
  }
  const query = params.toString();
  history.pushState(null, "", query ? `?${query}` : location.pathname);
  run(readState(), true);
});
// The author field suggests the papers' names as they are typed.
const authorField = form.elements.author;
const authorList = document.getElementById("pd-search-authors");
let suggesting = 0;
authorField.addEventListener("input", async () => {
  const asked = ++suggesting;
  const names = await suggestAuthors(authorField.value);
  if (asked !== suggesting) return;
  authorList.replaceChildren(...names.map((name) => {
    const option = document.createElement("option");
    option.value = name;
    return option;
  }));
});
// The month list offers the chosen year's months only.
function limitMonths() {
  const year = form.elements.year.value;
  const month = form.elements.month;
  for (const option of month.options) {
    option.hidden = Boolean(year && option.value && !option.value.startsWith(`${year}-`));
  }
  if (month.selectedOptions[0] && month.selectedOptions[0].hidden) month.value = "";
}
form.elements.year.addEventListener("change", limitMonths);
for (const name of ["topic", "year", "month", "code", "sort"]) {
  if (form.elements[name]) form.elements[name].addEventListener("change", () => form.requestSubmit());
}
window.addEventListener("popstate", () => {
  const state = readState();
  fillForm(state);
  limitMonths();
  run(state);
});

const initial = readState();
fillForm(initial);
limitMonths();
const asked = fields.some((name) => name !== "sort" && initial[name]);
run(initial, asked).catch(() => {
  status.textContent = "No search index: this digest has no papers yet.";
});
if (!asked) form.elements.q.focus();

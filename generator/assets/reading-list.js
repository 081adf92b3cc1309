// The reading list page (/reading-list/): the papers saved in this browser, from the
// list paper-digest.js keeps (window.pdReadingList), with a note per paper, remove and
// clear, export as BibTeX, RIS and CSL-JSON (the citations come with each paper's
// /api/papers/<slug>.json), and a link that shares the list. Opened with
// ?papers=SLUG,SLUG it shows that shared list and offers to add it. Everything from the
// data is inserted as text, never as HTML.
const list = window.pdReadingList;
const root = document.getElementById("pd-reading-list");
const items = document.getElementById("pd-reading-items");
const status = document.getElementById("pd-reading-status");
const tools = document.getElementById("pd-reading-tools");
const share = document.getElementById("pd-reading-share");
const AUTHORS_SHOWN = 10;
const SLUG = /^[a-z0-9][a-z0-9-]*$/;

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function authorsText(names) {
  if (!names || !names.length) return "";
  const shown = names.slice(0, AUTHORS_SHOWN).join(", ");
  return names.length > AUTHORS_SHOWN ? `${shown}, et al. (${names.length} authors)` : shown;
}

function longDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const month = new Date(Date.UTC(y, m - 1, d)).toLocaleString("en", { month: "long", timeZone: "UTC" });
  return `${d} ${month} ${y}`;
}

// A paper as a list item: title (linking its page), authors, dates and topics.
function paperItem(slug, data) {
  const li = element("li", "pd-item");
  li.dataset.slug = slug;
  const link = element("a", "pd-item__title", (data && data.title) || slug);
  link.href = new URL(`papers/${slug}/`, list.siteRoot).href;
  li.append(link);
  if (data && data.authors && data.authors.length) {
    li.append(element("p", "pd-item__authors", authorsText(data.authors)));
  }
  if (data && data.dates && data.dates.length) {
    li.append(element("p", "pd-item__date", "Featured on " + data.dates.map(longDate).join(", ")));
  }
  if (data && data.topic_names && data.topic_names.length) {
    const chips = element("p", "pd-chips");
    data.topic_names.forEach((name, i) => {
      if (i) chips.append(" ");
      chips.append(element("span", "pd-chip", name));
    });
    li.append(chips);
  }
  return li;
}

function savedItem(entry) {
  const li = paperItem(entry.slug, entry.data);
  const title = (entry.data && entry.data.title) || entry.slug;
  const noteId = `pd-note-${entry.slug}`;
  const label = element("label", "pd-reading__label", "Note");
  label.htmlFor = noteId;
  label.append(element("span", "pd-sr-only", ` on \u201c${title}\u201d`));
  const note = element("textarea", "pd-reading__note");
  note.id = noteId;
  note.rows = 2;
  note.value = entry.note || "";
  note.addEventListener("input", () => list.setNote(entry.slug, note.value));
  const remove = element("button", "md-button pd-reading__remove", "Remove");
  remove.type = "button";
  remove.setAttribute("aria-label", `Remove \u201c${title}\u201d from the reading list`);
  remove.addEventListener("click", () => {
    const next = li.nextElementSibling || li.previousElementSibling;
    list.remove(entry.slug);
    // Focus goes on to the next paper's Remove, or to the status when none is left.
    const target = next && items.querySelector(`li[data-slug="${next.dataset.slug}"] .pd-reading__remove`);
    (target || status).focus();
  });
  const tools = element("p", "pd-reading__item-tools");
  tools.append(remove);
  li.append(label, note, tools);
  return li;
}

function render() {
  const entries = list.all();
  const focused = document.activeElement;
  const keepNote = focused && focused.classList.contains("pd-reading__note") ? focused.id : null;
  if (keepNote) return; // never pull a note away from a reader typing it
  items.replaceChildren(...entries.map(savedItem));
  tools.hidden = !entries.length;
  const n = entries.length;
  status.textContent = n
    ? `${n} paper${n === 1 ? "" : "s"} saved in this browser.`
    : "No papers saved yet. Save papers with their Save button on any listing, search result or paper page. The list stays in this browser only.";
  const url = new URL(location.pathname, location.href);
  url.searchParams.set("papers", entries.map((e) => e.slug).join(","));
  share.value = url.href.replace(/%2C/g, ",");
}

// --- export -----------------------------------------------------------------------

async function withData() {
  // A paper saved while offline may have no citations yet: fetch them now.
  await Promise.all(list.all().filter((e) => !e.data || !e.data.bibtex).map((e) => list.refresh(e.slug)));
  return list.all();
}

const FORMATS = {
  bibtex: { ext: "bib", type: "application/x-bibtex",
            make: (entries) => entries.map((e) => e.data.bibtex).join("\n\n") + "\n" },
  ris: { ext: "ris", type: "application/x-research-info-systems",
         make: (entries) => entries.map((e) => e.data.ris).join("") },
  csl: { ext: "json", type: "application/vnd.citationstyles.csl+json",
         make: (entries) => JSON.stringify(entries.map((e) => e.data.csl), null, 1) + "\n" },
};

async function exportAs(name) {
  const format = FORMATS[name];
  const entries = (await withData()).filter((e) => e.data && e.data.bibtex);
  const skipped = list.all().length - entries.length;
  const blob = new Blob([format.make(entries)], { type: format.type });
  const day = new Date().toISOString().slice(0, 10);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${root.dataset.site || "paper-digest"}-reading-list-${day}.${format.ext}`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  status.textContent = `Exported ${entries.length} paper${entries.length === 1 ? "" : "s"} as ${a.download}.` +
    (skipped ? ` ${skipped} could not be exported: this site no longer has them and they were saved offline.` : "");
}

tools.querySelectorAll("button[data-export]").forEach((button) => {
  button.addEventListener("click", () => exportAs(button.dataset.export));
});

document.getElementById("pd-reading-clear").addEventListener("click", () => {
  const n = list.all().length;
  if (!window.confirm(`Remove all ${n} paper${n === 1 ? "" : "s"} from your reading list? Their notes go too.`)) return;
  list.clear();
  status.focus();
});

// --- a shared list ----------------------------------------------------------------

async function showShared(slugs) {
  const section = document.getElementById("pd-shared");
  const sharedStatus = document.getElementById("pd-shared-status");
  const sharedItems = document.getElementById("pd-shared-items");
  const add = document.getElementById("pd-shared-add");
  section.hidden = false;
  sharedStatus.textContent = "Loading the shared list\u2026";
  const found = await Promise.all(slugs.map(async (slug) => [slug, await list.fetchPaper(slug)]));
  const known = found.filter(([, data]) => data);
  sharedItems.replaceChildren(...known.map(([slug, data]) => {
    const li = paperItem(slug, data);
    li.querySelector(".pd-item__title").after(" ", list.button(slug));
    return li;
  }));
  const describe = () => {
    const mine = new Set(list.all().map((e) => e.slug));
    const already = known.filter(([slug]) => mine.has(slug)).length;
    const missing = slugs.length - known.length;
    sharedStatus.textContent = `${known.length} paper${known.length === 1 ? "" : "s"} in this shared list` +
      (already ? `, ${already} already in yours` : "") + "." +
      (missing ? ` ${missing} ${missing === 1 ? "is" : "are"} not on this site.` : "");
    add.parentElement.hidden = already === known.length; // .md-button would show through [hidden]
  };
  describe();
  list.onChange(describe);
  add.addEventListener("click", async () => {
    // Oldest first, so the shared list's first paper ends up on top of mine.
    for (const [slug, data] of [...known].reverse()) await list.save(slug, data);
    status.focus();
  });
}

const shared = (new URLSearchParams(location.search).get("papers") || "")
  .split(",").map((s) => s.trim()).filter((s) => SLUG.test(s));
status.tabIndex = -1;
list.onChange(render);
render();
if (shared.length) showShared([...new Set(shared)]);
// Bring the saved copies up to date (a revised title); offline this changes nothing.
Promise.all(list.all().map((e) => list.refresh(e.slug))).catch(() => {});

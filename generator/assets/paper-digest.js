// paper-digest: render math with the KaTeX shipped in the site (loaded only on pages that
// show math), and focus the header search box with "/" or "s" as Material does.
(function () {
  var base = document.currentScript ? document.currentScript.src : document.baseURI;
  var katexLoading = null;

  function loadKatex() {
    if (!katexLoading) {
      katexLoading = new Promise(function (resolve, reject) {
        var css = document.createElement("link");
        css.rel = "stylesheet";
        css.href = new URL("katex/katex.min.css", base).href;
        document.head.appendChild(css);
        var js = document.createElement("script");
        js.src = new URL("katex/katex.min.js", base).href;
        js.onload = resolve;
        js.onerror = reject;
        document.head.appendChild(js);
      });
    }
    return katexLoading;
  }

  function renderMath(root) {
    if (!root.querySelector(".arithmatex")) return;
    if (!window.katex) {
      loadKatex().then(function () { renderMath(root); }, function () {});
      return;
    }
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.dataset.pdRendered) return;
      var tex = el.textContent.trim();
      var display = tex.startsWith("\\[");
      tex = tex.replace(/^\\[\[(]/, "").replace(/\\[\])]$/, "");
      try {
        // trust: false (the default) keeps \href and friends from making links.
        window.katex.render(tex, el, { displayMode: display, throwOnError: false, trust: false });
        el.dataset.pdRendered = "1";
      } catch (e) { /* leave the TeX as text */ }
    });
  }
  window.pdRenderMath = renderMath;

  function onPage() { renderMath(document.body); }
  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(onPage);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onPage);
  } else {
    onPage();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key !== "/" && event.key !== "s") return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var box = document.getElementById("pd-search-q") || document.getElementById("pd-header-q");
    if (!box) return;
    event.preventDefault();
    event.stopPropagation();
    box.focus();
    box.select();
  }, true);
})();

// The reading list: papers a reader saves, kept in this browser's localStorage under a
// key of the site's own path (two digests on one host keep two lists), keyed by slug (a
// paper's URL never changes, so the list survives every rebuild). No cookies; nothing
// leaves the browser. Each entry keeps what the list page shows and exports, copied
// from the paper's /api/papers/<slug>.json when it is saved, so the list works offline.
(function () {
  var script = document.currentScript;
  var siteRoot = new URL("../../", script ? script.src : document.baseURI);
  var storeKey = "paper-digest:reading-list:" + siteRoot.pathname;
  var listeners = [];
  var SLUG = /^[a-z0-9][a-z0-9-]*$/;

  function read() {
    try {
      var data = JSON.parse(localStorage.getItem(storeKey) || "null");
      if (data && Array.isArray(data.papers)) return data.papers;
    } catch (e) { /* unreadable: start again */ }
    return [];
  }

  function persist(papers) {
    try {
      localStorage.setItem(storeKey, JSON.stringify({ version: 1, papers: papers }));
    } catch (e) { /* storage full or off: the list stays as it was */ }
  }

  function write(papers) {
    persist(papers);
    changed();
  }

  function changed() {
    syncButtons(document);
    listeners.forEach(function (listener) { listener(); });
  }

  function find(papers, slug) {
    for (var i = 0; i < papers.length; i++) if (papers[i].slug === slug) return i;
    return -1;
  }

  function apiUrl(slug) { return new URL("api/papers/" + slug + ".json", siteRoot).href; }

  function fetchPaper(slug) {
    if (!SLUG.test(slug)) return Promise.resolve(null);
    return fetch(apiUrl(slug)).then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  // Keeps the copy of a paper's data in the list up to date (a title revised, a paper
  // featured again); a paper the site no longer has keeps the copy it had.
  function refresh(slug) {
    return fetchPaper(slug).then(function (data) {
      if (!data) return false;
      var papers = read();
      var at = find(papers, slug);
      if (at < 0 || JSON.stringify(papers[at].data) === JSON.stringify(data)) return false;
      papers[at].data = data;
      write(papers);
      return true;
    });
  }

  function save(slug, data, title) {
    if (!SLUG.test(slug)) return Promise.resolve();
    var papers = read();
    if (find(papers, slug) < 0) {
      papers.unshift({ slug: slug, added: new Date().toISOString(), note: "",
                       data: data || (title ? { slug: slug, title: title } : null) });
      write(papers);
    }
    return data ? Promise.resolve() : refresh(slug);
  }

  function remove(slug) {
    var papers = read().filter(function (p) { return p.slug !== slug; });
    write(papers);
  }

  function setNote(slug, note) {
    var papers = read();
    var at = find(papers, slug);
    if (at < 0) return;
    papers[at].note = note;
    persist(papers); // no re-render: the reader is typing in it
  }

  function syncButtons(root) {
    var saved = {};
    read().forEach(function (p) { saved[p.slug] = true; });
    root.querySelectorAll("button[data-save]").forEach(function (button) {
      button.setAttribute("aria-pressed", saved[button.dataset.save] ? "true" : "false");
    });
  }

  // A Save button for a paper, as the templates write it (_macros.md.j2: save), in its
  // state: for the lists the search and reading list pages make.
  function button(slug) {
    var save = document.createElement("button");
    save.type = "button";
    save.className = "pd-save";
    save.dataset.save = slug;
    save.textContent = "Save";
    save.setAttribute("aria-pressed", find(read(), slug) >= 0 ? "true" : "false");
    return save;
  }

  // The title near a Save button: the listing item's, or the paper page's heading.
  function titleNear(button) {
    var item = button.closest(".pd-item");
    var link = item && item.querySelector(".pd-item__title");
    var heading = !link && document.querySelector(".pd-paper h1");
    return ((link || heading || {}).textContent || "").trim();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-save]");
    if (!button) return;
    var slug = button.dataset.save;
    if (button.getAttribute("aria-pressed") === "true") remove(slug);
    else save(slug, null, titleNear(button));
  });

  // Another tab changed the list.
  window.addEventListener("storage", function (event) {
    if (event.key === storeKey) changed();
  });

  window.pdReadingList = {
    all: read, save: save, remove: remove, setNote: setNote, refresh: refresh,
    fetchPaper: fetchPaper, clear: function () { write([]); },
    onChange: function (listener) { listeners.push(listener); },
    button: button, siteRoot: siteRoot,
  };
  syncButtons(document);
})();

// Copy buttons (the feeds' addresses, the reading list's share link), and the feed
// addresses of a site without site_url, made absolute from where it is served.
(function () {
  document.querySelectorAll("code.pd-feed-url[data-href]").forEach(function (code) {
    code.textContent = new URL(code.dataset.href, document.baseURI).href;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.pd-copy");
    if (!button) return;
    var text = button.dataset.copy ? new URL(button.dataset.copy, document.baseURI).href
      : (document.getElementById(button.getAttribute("aria-controls") || "") || {}).value;
    if (!text || !navigator.clipboard) return;
    navigator.clipboard.writeText(text).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    }, function () {});
  });
})();

// The theme puts each code block's copy button (the BibTeX's) in a <nav> without a
// name; every landmark of the page has one, so screen readers can tell them apart.
(function () {
  function name(root) {
    root.querySelectorAll("nav.md-code__nav:not([aria-label])").forEach(function (nav) {
      nav.setAttribute("aria-label", "Code block");
    });
  }
  name(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) { if (node.querySelectorAll) name(node.parentNode || node); });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();

// A topic's or an author's papers on one page, read by upvotes as well as newest first:
// the list is sorted in place by each item's data-rank (its place by upvotes, made by
// the generator), and back by its first order. ?sort=upvotes opens it sorted, and the
// address follows the choice, so a sorted list can be linked.
(function () {
  var group = document.querySelector(".pd-sort[role=group]");
  var list = group && group.parentNode.querySelector("ol.pd-list");
  if (!list) return;
  var items = Array.prototype.slice.call(list.children);
  var ranked = items.slice().sort(function (a, b) {
    return Number(a.dataset.rank) - Number(b.dataset.rank);
  });

  function show(order) {
    (order === "upvotes" ? ranked : items).forEach(function (item) { list.appendChild(item); });
    group.querySelectorAll("button[data-sort]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.sort === order ? "true" : "false");
    });
  }

  group.hidden = false;
  group.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-sort]");
    if (!button) return;
    show(button.dataset.sort);
    var url = new URL(window.location.href);
    if (button.dataset.sort === "upvotes") url.searchParams.set("sort", "upvotes");
    else url.searchParams.delete("sort");
    window.history.replaceState(null, "", url.href);
  });
  if (new URLSearchParams(window.location.search).get("sort") === "upvotes") show("upvotes");
})();

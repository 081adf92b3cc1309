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

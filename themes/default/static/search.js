// Search for the static copy of the site: reads ?q=, kind=, year=, page=,
// loads the index written by `pamphlet build` and shows ranked results.
// Words are folded exactly like the server's search (src/search/fold.rs):
// Söring, Soering and Soring are one word.
(function () {
  "use strict";
  var root = document.getElementById("static-search");
  if (!root) return;
  var PER_PAGE = 10;
  var SPECIAL = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i" };

  function fold(word) {
    var w = word.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
    w = w.replace(/[ßæœøđðþłı]/g, function (c) { return SPECIAL[c]; });
    return w.replace(/ae/g, "a").replace(/oe/g, "o").replace(/ue/g, "u");
  }

  function tokens(text) {
    var out = [];
    (text.match(/[\p{L}\p{N}]+/gu) || []).forEach(function (t) {
      if (new TextEncoder().encode(t).length <= 40) out.push(fold(t));
    });
    return out;
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function show(html) { root.innerHTML = html; }

  var params = new URLSearchParams(location.search);
  var q = (params.get("q") || "").trim();
  var kind = params.get("kind") || "";
  var year = parseInt(params.get("year") || "", 10);
  var page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
  var input = document.getElementById("search-q");
  if (input) input.value = q;
  var select = document.getElementById("search-kind");
  if (select) select.value = kind;
  var yearInput = document.getElementById("search-year");
  if (yearInput && year) yearInput.value = year;

  if (!q) { show('<p class="search-message">Type a word or a name to search the whole site: news, pages, books, transcripts and press reports.</p>'); return; }
  if (q.length > 200) { show('<p class="search-message">That search is longer than 200 characters. Try a few distinctive words or a name.</p>'); return; }
  var words = tokens(q);
  if (!words.length) { show('<p class="search-message">Search for words or names. Symbols such as * and quotes on their own are not needed.</p>'); return; }
  var typing = /[\p{L}\p{N}]$/u.test(q) && !/"$/.test(q);

  show('<p class="search-message">Searching…</p>');
  fetch(root.getAttribute("data-index")).then(function (r) {
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }).then(function (index) {
    var keys = null;
    function postings(word, prefix) {
      var lists = [];
      if (index.terms[word]) lists.push(index.terms[word]);
      if (prefix && word.length >= 2) {
        keys = keys || Object.keys(index.terms).sort();
        var lo = 0, hi = keys.length;
        while (lo < hi) { var mid = (lo + hi) >> 1; if (keys[mid] < word) lo = mid + 1; else hi = mid; }
        for (var i = lo; i < keys.length && keys[i].indexOf(word) === 0 && lists.length < 13; i++) {
          if (keys[i] !== word) lists.push(index.terms[keys[i]]);
        }
      }
      return lists;
    }
    var scores = null;
    var n = index.docs.length;
    words.forEach(function (word, i) {
      var found = {};
      postings(word, typing && i === words.length - 1).forEach(function (list) {
        var df = list.length / 2;
        var idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        for (var j = 0; j < list.length; j += 2) {
          var doc = index.docs[list[j]], w = list[j + 1];
          var norm = w * 2.2 / (w + 1.2 * (0.25 + 0.75 * doc.n / Math.max(1, index.avg)));
          found[list[j]] = (found[list[j]] || 0) + idf * norm;
        }
      });
      if (scores === null) { scores = found; return; }
      var both = {};
      Object.keys(found).forEach(function (d) { if (d in scores) both[d] = scores[d] + found[d]; });
      scores = both;
    });
    var hits = Object.keys(scores || {}).map(function (d) { return { doc: index.docs[d], score: scores[d] }; })
      .filter(function (h) { return (!kind || h.doc.k === kind) && (!year || h.doc.y === year); })
      .sort(function (a, b) { return b.score - a.score; });
    if (!hits.length) {
      show('<p class="search-message">Nothing was found for “' + escape(q) + '”.</p><p>Try fewer words, another spelling, or the start of a name (“Buck” finds “Buckingham”).</p>');
      return;
    }
    var pages = Math.ceil(hits.length / PER_PAGE);
    page = Math.min(page, pages);
    var start = (page - 1) * PER_PAGE;
    var marked = function (text) {
      return escape(text).replace(/[\p{L}\p{N}]+/gu, function (t) {
        var f = fold(t);
        var hit = words.some(function (w, i) { return f === w || (typing && i === words.length - 1 && f.indexOf(w) === 0); });
        return hit ? "<mark>" + t + "</mark>" : t;
      });
    };
    var html = '<p class="search-count">' + hits.length + " result" + (hits.length === 1 ? "" : "s") + " for “" + escape(q) + "”</p>";
    html += '<ol class="search-results" start="' + (start + 1) + '">';
    hits.slice(start, start + PER_PAGE).forEach(function (h) {
      html += '<li><p class="byline"><span class="kind">' + escape(h.doc.l) + "</span>" + (h.doc.d ? " · " + escape(h.doc.d) : "") + "</p>";
      html += '<h2><a href="' + escape(h.doc.u) + '">' + marked(h.doc.t) + "</a></h2><p>" + marked(h.doc.x) + "</p></li>";
    });
    html += "</ol>";
    if (pages > 1) {
      var link = function (p) { params.set("page", p); return "?" + escape(params.toString()); };
      html += '<nav class="pagination" aria-label="Result pages">';
      if (page > 1) html += '<a href="' + link(page - 1) + '" rel="prev">← Previous</a>';
      html += "<span>Page " + page + " of " + pages + "</span>";
      if (page < pages) html += '<a href="' + link(page + 1) + '" rel="next">Next →</a>';
      html += "</nav>";
    }
    show(html);
  }).catch(function () {
    show('<p class="search-message">The search index could not be loaded. Please try again later.</p>');
  });
})();

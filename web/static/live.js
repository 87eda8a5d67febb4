/* Live pages: poll /live/summary (a few small reads), show the unread count in the title, and on
   the inbox and calls pages swap in the fresh page when something changed. Paused while the tab is
   hidden; nothing happens while the owner is typing. Without JavaScript, pages are simply reloaded. */
(function () {
  var script = document.currentScript, url = script && script.dataset.summary;
  if (!url || !window.fetch) return;
  var page = document.body.dataset.page || "", refreshes = page === "inbox.inbox" || page === "calls.calls";
  var firstPage = !/[?&]page=(?!1\b)/.test(location.search);
  var baseTitle = document.title.replace(/^\(\d+\) /, ""), last = null, timer = null;
  var EVERY = 5000, HIDDEN_EVERY = 30000;

  function typing() {
    var a = document.activeElement;
    return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA" || a.tagName === "SELECT");
  }

  function swapMain() {
    return fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok || r.redirected) throw new Error("page"); return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (!fresh || !main) return;
        var notices = main.querySelectorAll(".notice");
        fresh.querySelectorAll(".notice").forEach(function (n) { n.remove(); });
        main.innerHTML = fresh.innerHTML;
        for (var i = notices.length - 1; i >= 0; i--) main.insertBefore(notices[i], main.firstChild);
      });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (r.status === 401) { location.reload(); throw new Error("out"); } return r.json(); })
      .then(function (s) {
        document.title = (s.unread ? "(" + s.unread + ") " : "") + baseTitle;
        var key = [s.last_call, s.last_message, s.unread, s.in_flight].join(",");
        var changed = last !== null && key !== last;
        last = key;
        if (changed && refreshes && firstPage && !typing()) return swapMain();
      })
      .catch(function () {})
      .then(schedule);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(poll, document.hidden ? HIDDEN_EVERY : EVERY);
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { clearTimeout(timer); poll(); } });
  poll();
})();

/* Forms on every page.
   1. A form is sent once: a second tap while the first is on its way does nothing, and the buttons
      show as disabled (after the browser has read which button was pressed).
   2. A page that answers a form TextBack refused (the typed text kept, the reason shown) is turned
      into an ordinary visit of the page's own address, so that Back or reload later never asks to
      "Confirm Form Resubmission": the browser fetches the page afresh instead. */
(function () {
  document.querySelectorAll('form[method="post"]').forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      form.dataset.sending = "1";
      setTimeout(function () {
        form.querySelectorAll("button:enabled, input[type=submit]:enabled").forEach(function (b) {
          b.disabled = true; b.dataset.heldForSend = "1";
        });
      }, 0);
    });
  });
  window.addEventListener("pageshow", function () {      // back to a page kept in memory: usable again
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.querySelectorAll("[data-held-for-send]").forEach(function (b) { b.disabled = false; delete b.dataset.heldForSend; });
    });
  });
  var settled = document.body.dataset.settledUrl;
  if (settled && window.history && history.replaceState) history.replaceState(null, "", settled + location.hash);
})();

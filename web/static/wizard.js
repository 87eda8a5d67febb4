/* Set-up wizard: show the forwarding codes only for "forwarded", and on the "test it now" step
   follow the next call to the box live (polls /live/next-call once a second). */
(function () {
  var codes = document.getElementById("codes");
  if (codes) {
    document.querySelectorAll('input[name="line_mode"]').forEach(function (radio) {
      radio.addEventListener("change", function () { codes.hidden = radio.value !== "forwarded" || !radio.checked; });
    });
  }

  var box = document.getElementById("test-call");
  if (!box || !window.fetch) return;
  function line(id, cls, text) {
    var p = document.createElement("p");
    p.id = id; p.className = "outcome " + cls; p.textContent = text;
    return p;
  }
  function show(view) {
    var parts = [];
    if (!view.call) {
      parts.push(line("test-call-waiting", "wait", "Waiting for a call…"));
    } else {
      parts.push(line("test-call-seen", "ok", "Call from " + view.call.number + ", ended at " + view.call.ended + "."));
      if (view.text && view.text.sent) {
        parts.push(line("test-text", "ok", "Text sent at " + view.text.sent + ", " + view.seconds + " s after the call ended:"));
        var preview = document.createElement("div"), body = document.createElement("p");
        preview.className = "preview"; body.textContent = view.text.body; preview.appendChild(body);
        parts.push(preview);
      } else if (view.text) {
        parts.push(line("test-text", "wait", "Text on its way (" + view.text.status + ")…"));
      } else if (view.skipped) {
        parts.push(line("test-text", "skip", "Not texted: " + view.skipped + "."));
      } else {
        parts.push(line("test-text", "wait", "Deciding…"));
      }
    }
    box.replaceChildren.apply(box, parts);
    return view.text && (view.text.sent || view.text.status === "failed") || view.skipped;
  }
  function poll() {
    fetch(box.dataset.poll, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (view) { if (!show(view)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();

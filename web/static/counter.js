/* Live SMS counter and preview. Mirrors agent/modem/user_data.py: GSM-7 (extension characters
   count 2; 160 in one SMS, 153 per part) or else UCS-2 (UTF-16 units; 70, or 67 per part). */
(function () {
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€\f";

  function size(text) {
    var chars = Array.from(text), gsm = chars.every(function (c) { return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0; });
    var cost = function (c) { return gsm ? (EXTENSION.indexOf(c) >= 0 ? 2 : 1) : c.length; };
    var units = chars.reduce(function (sum, c) { return sum + cost(c); }, 0);
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67, parts = 1, used = 0;
    if (units > single) chars.forEach(function (c) { if (used + cost(c) > part) { parts++; used = 0; } used += cost(c); });
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, parts: parts };
  }

  function fill(body, values, unknown) {
    return body.replace(/\{\{|\}\}|\{([^{}]*)\}/g, function (m, name) {
      if (m === "{{" || m === "}}") return m[0];
      if (Object.prototype.hasOwnProperty.call(values, name)) return values[name];
      if (unknown.indexOf(m) < 0) unknown.push(m);
      return m;
    });
  }

  // under the preview: which braces are not placeholders (the preview shows them as typed)
  function explain(preview, unknown) {
    var id = preview.id + "-unknown", note = document.getElementById(id);
    if (!unknown.length) { if (note) note.remove(); return; }
    if (!note) {
      note = document.createElement("p");
      note.id = id; note.className = "preview-unknown";
      preview.insertAdjacentElement("afterend", note);
    }
    note.textContent = "Not filled in: " + unknown.join(", ") + (unknown.length > 1 ? " are not placeholders" : " is not a placeholder")
      + ". The text cannot be saved with " + (unknown.length > 1 ? "them." : "it.");
  }

  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var out = document.getElementById(area.dataset.counter);
    var preview = area.dataset.preview && document.getElementById(area.dataset.preview);
    var values = area.form && area.form.dataset.values ? JSON.parse(area.form.dataset.values) : {};
    function update() {
      var unknown = [];
      var text = preview ? fill(area.value, values, unknown) : area.value;
      if (preview) { preview.textContent = text; explain(preview, unknown); }
      if (!text) { out.textContent = ""; return; }
      var s = size(text);
      out.textContent = s.units + " characters · " + s.encoding + " · " + s.parts + " SMS";
    }
    area.addEventListener("input", update);
    update();
  });
})();

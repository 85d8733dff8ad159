/* Image fingerprints on the victim's device: each chosen image is hashed here with PDQ
   (pdq.js) and only "hex:quality" goes into the form. The picker has no name, and its
   files are cleared once hashed, so no image is ever part of what the form sends. */
(function () {
  "use strict";

  var picker = document.getElementById("fingerprint-picker");
  var tools = document.getElementById("fingerprint-tools");
  var list = document.getElementById("fingerprint-list");
  var status = document.getElementById("fingerprint-status");
  if (!picker || !tools || !list || !status || !window.PortalPDQ || !window.createImageBitmap) {
    return; // without the means to hash, the picker stays hidden and links remain the way
  }
  tools.hidden = false;
  var hiddenForNoScript = document.querySelectorAll("[data-fingerprints-js]");
  for (var shown = 0; shown < hiddenForNoScript.length; shown += 1) {
    hiddenForNoScript[shown].hidden = false;
  }

  var max = parseInt(picker.getAttribute("data-max"), 10) || 20;
  var minQuality = parseInt(picker.getAttribute("data-min-quality"), 10) || 50;

  function words(name, values) {
    var text = picker.getAttribute("data-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function items() {
    return list.querySelectorAll("li.fingerprint-item");
  }

  function held(hex) {
    return Array.prototype.some.call(list.querySelectorAll("input[name=fingerprint]"), function (el) {
      return el.value.split(":")[0] === hex;
    });
  }

  function renumber() {
    Array.prototype.forEach.call(items(), function (item, index) {
      var num = index + 1;
      item.querySelector(".fingerprint-label").textContent = words("item", { num: num });
      var remove = item.querySelector("button");
      if (remove) { remove.setAttribute("aria-label", words("remove-label", { num: num })); }
    });
  }

  function removeButton(item) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary small";
    button.textContent = words("remove");
    button.addEventListener("click", function () {
      item.remove();
      renumber();
      picker.focus();
    });
    return button;
  }

  // Items the server kept from an earlier round trip can be removed too.
  Array.prototype.forEach.call(items(), function (item) { item.appendChild(removeButton(item)); });
  renumber();

  function addItem(result) {
    var item = document.createElement("li");
    item.className = "fingerprint-item";
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "fingerprint";
    input.value = result.hex + ":" + result.quality;
    var thumb = result.thumbnail;
    thumb.className = "fingerprint-thumb";
    thumb.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.className = "fingerprint-label";
    var code = document.createElement("code");
    code.className = "fingerprint-code";
    code.textContent = result.hex.slice(0, 16) + "…";
    item.appendChild(input);
    item.appendChild(thumb);
    item.appendChild(label);
    item.appendChild(code);
    item.appendChild(removeButton(item));
    list.appendChild(item);
  }

  var busy = false;
  picker.addEventListener("change", function () {
    if (busy) { return; }
    var files = Array.prototype.slice.call(picker.files || []);
    picker.value = ""; // the files leave the form at once; only their hashes are kept
    if (!files.length) { return; }
    busy = true;
    picker.disabled = true;
    var problems = [];
    var index = 0;

    function next() {
      if (index >= files.length) {
        busy = false;
        picker.disabled = false;
        var ready = words("ready", { num: items().length });
        status.textContent = problems.concat([ready]).join(" ");
        renumber();
        return;
      }
      var file = files[index];
      index += 1;
      if (items().length >= max) {
        if (problems.indexOf(words("too-many")) < 0) { problems.push(words("too-many")); }
        next();
        return;
      }
      status.textContent = words("working", { done: index, total: files.length });
      // One image at a time: a phone's memory holds one decoded photo, not ten.
      window.PortalPDQ.hashFile(file, { thumbSize: 48 }).then(function (result) {
        if (result.quality < minQuality) {
          problems.push(words("low-quality", { name: file.name }));
        } else if (held(result.hex)) {
          problems.push(words("duplicate", { name: file.name }));
        } else {
          addItem(result);
        }
        next();
      }, function () {
        problems.push(words("unreadable", { name: file.name }));
        next();
      });
    }
    next();
  });
})();

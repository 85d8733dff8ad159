/* Staff pages work without JavaScript; this only adds conveniences:
   focus on an error summary, and the keyboard shortcuts listed under "Keyboard shortcuts"
   (r reply, n note, c claim, g q queue, j/k next/previous case, / search, ? the list).
   Shortcuts never fire while typing in a field or with Ctrl, Alt or Meta held. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  var pendingG = false;
  var pendingTimer = null;

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function visible(el) {
    return el && el.getClientRects().length > 0;
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (!visible(field)) { return false; }
    field.focus();
    field.scrollIntoView({ block: "nearest" });
    return true;
  }

  function caseLinks() {
    var all = document.querySelectorAll("#queue .case-link, #queue-cards .case-link");
    return Array.prototype.filter.call(all, visible);
  }

  function moveRow(step) {
    var links = caseLinks();
    if (!links.length) { return false; }
    var at = links.indexOf(document.activeElement);
    var next = at < 0 ? (step > 0 ? 0 : links.length - 1)
      : Math.min(links.length - 1, Math.max(0, at + step));
    var previous = document.querySelector(".is-current");
    if (previous) { previous.classList.remove("is-current"); }
    var row = links[next].closest("tr, li");
    if (row) { row.classList.add("is-current"); }
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  function toggleHelp() {
    var help = document.getElementById("shortcuts");
    if (!help) { return false; }
    help.open = !help.open;
    if (help.open) { help.querySelector("summary").focus(); }
    return true;
  }

  function claim() {
    var button = document.getElementById("claim-button");
    if (!visible(button)) { return false; }
    button.click();
    return true;
  }

  function toQueue() {
    var brand = document.querySelector(".staff-nav a");
    if (!brand) { return false; }
    window.location.assign(brand.href);
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) { return; }
    if (typing(event.target)) { return; }
    var key = event.key;
    var done = false;
    if (pendingG) {
      pendingG = false;
      window.clearTimeout(pendingTimer);
      if (key === "q") { done = toQueue(); }
    } else if (key === "g") {
      pendingG = true;
      pendingTimer = window.setTimeout(function () { pendingG = false; }, 1500);
      return;
    } else if (key === "r") {
      done = focusField("msg-body");
    } else if (key === "n") {
      done = focusField("note-body");
    } else if (key === "c") {
      done = claim();
    } else if (key === "j") {
      done = moveRow(1);
    } else if (key === "k") {
      done = moveRow(-1);
    } else if (key === "/") {
      done = focusField("q");
    } else if (key === "?") {
      done = toggleHelp();
    }
    if (done) { event.preventDefault(); }
  });
})();

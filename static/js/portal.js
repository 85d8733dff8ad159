/* Progressive enhancement only: every feature here also works without JavaScript. */
(function () {
  "use strict";

  // Quick exit: replace this page in history so Back does not return to it.
  var exitLink = document.getElementById("quick-exit");
  function quickExit(event) {
    if (event) { event.preventDefault(); }
    var target = exitLink ? exitLink.href : "about:blank";
    document.body.style.visibility = "hidden";
    try { document.title = ""; } catch (e) { /* ignore */ }
    window.location.replace(target);
  }
  if (exitLink) { exitLink.addEventListener("click", quickExit); }

  // Shift pressed three times on its own within two seconds also exits.
  // Shift held for a capital letter does not count: any other key resets the count.
  var shiftTimes = [];
  var shiftClean = false;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") {
      if (!event.repeat) { shiftClean = true; }
    } else {
      shiftClean = false;
      shiftTimes = [];
    }
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift" || !shiftClean) { return; }
    shiftClean = false;
    var now = Date.now();
    shiftTimes = shiftTimes.filter(function (t) { return now - t < 2000; });
    shiftTimes.push(now);
    if (shiftTimes.length >= 3) { quickExit(); }
  });

  // An error summary takes focus so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Buttons that need JavaScript are hidden until it runs.
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) {
    el.hidden = false;
  });
  var printButton = document.querySelector("[data-print]");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
  var copyButton = document.querySelector("[data-copy]");
  if (copyButton && navigator.clipboard) {
    copyButton.addEventListener("click", function () {
      var source = document.getElementById(copyButton.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.textContent.trim());
    });
  } else if (copyButton) {
    copyButton.hidden = true;
  }

  // Add another link row without a round trip to the server.
  var addLink = document.querySelector("[data-add-link]");
  var rows = document.querySelector(".link-rows");
  if (addLink && rows) {
    addLink.addEventListener("click", function (event) {
      var all = rows.querySelectorAll(".link-row");
      var max = parseInt(rows.getAttribute("data-max"), 10) || 20;
      if (all.length >= max) { return; }
      event.preventDefault();
      var last = all[all.length - 1];
      var index = all.length;
      var row = last.cloneNode(true);
      Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (el) { el.remove(); });
      Array.prototype.forEach.call(row.querySelectorAll(".has-error"), function (el) {
        el.classList.remove("has-error");
      });
      Array.prototype.forEach.call(row.querySelectorAll("input, label"), function (el) {
        ["id", "name", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/links-\d+-/, "links-" + index + "-")); }
        });
        if (el.tagName === "INPUT") {
          el.value = "";
          el.removeAttribute("aria-invalid");
          el.removeAttribute("aria-describedby");
        } else {
          el.textContent = el.textContent.replace(/\d+/, String(index + 1));
        }
      });
      rows.appendChild(row);
      row.querySelector("input").focus();
      if (index + 1 >= max) { addLink.hidden = true; }
    });
  }

  // Show only the contact fields that match the chosen way to reach the victim.
  var contactChoices = document.querySelectorAll("input[name=contact_method]");
  function showContact() {
    var chosen = document.querySelector("input[name=contact_method]:checked");
    var value = chosen ? chosen.value : "none";
    Array.prototype.forEach.call(document.querySelectorAll(".contact-details"), function (el) {
      el.hidden = el.getAttribute("data-contact") !== value;
    });
  }
  if (contactChoices.length) {
    Array.prototype.forEach.call(contactChoices, function (el) {
      el.addEventListener("change", showContact);
    });
    showContact();
  }
  // Files are not taken when the person shown may be under 19: hide the file picker then.
  var filesGroup = document.getElementById("evidence-group");
  var minorChoices = document.querySelectorAll("input[name=minor_in_content]");
  function toggleFiles() {
    var chosen = document.querySelector("input[name=minor_in_content]:checked");
    var noFiles = chosen && (chosen.value === "yes" || chosen.value === "unsure");
    var picker = document.getElementById("evidence");
    if (picker) {
      picker.disabled = !!noFiles;
      picker.parentNode.querySelector("label[for=evidence]").hidden = !!noFiles;
      picker.hidden = !!noFiles;
      if (noFiles) { picker.value = ""; }
    }
  }
  // Check the chosen files before sending: too many or too large would be refused by the
  // server with a page that cannot keep what was typed.
  var reportForm = document.getElementById("report-form");
  var picker = document.getElementById("evidence");
  var check = document.getElementById("evidence-check");
  if (reportForm && picker && check) {
    reportForm.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && (submitter.name === "switch_lang" || submitter.name === "add_link")) { return; }
      var maxFiles = parseInt(picker.getAttribute("data-max-files"), 10) || 0;
      var maxBytes = parseInt(picker.getAttribute("data-max-bytes"), 10) || 0;
      var files = picker.files || [];
      var total = 0;
      for (var i = 0; i < files.length; i += 1) { total += files[i].size; }
      var problem = "";
      if (files.length > maxFiles) {
        problem = check.getAttribute("data-too-many");
      } else if (total > 50 * 1024 * 1024 || Array.prototype.some.call(files, function (f) { return f.size > maxBytes; })) {
        problem = check.getAttribute("data-too-big");
      }
      if (problem) {
        event.preventDefault();
        check.textContent = problem;
        check.hidden = false;
        picker.focus();
      } else {
        check.hidden = true;
      }
    });
  }

  if (filesGroup && minorChoices.length) {
    Array.prototype.forEach.call(minorChoices, function (el) {
      el.addEventListener("change", toggleFiles);
    });
    toggleFiles();
  }
})();

/* Staff pages work without JavaScript; this only moves focus to an error summary. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();

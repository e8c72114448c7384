// After a failed submission the page shows an error summary: take the keyboard and the
// screen reader there first, so people hear what to fix instead of starting at the top.
(function () {
  "use strict";
  var summary = document.querySelector(".hub-error-summary");
  if (!summary) {
    return;
  }
  if (!summary.hasAttribute("tabindex")) {
    summary.setAttribute("tabindex", "-1");
  }
  summary.focus();
})();

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

// Scripts that only some forms need, loaded only on pages that have such a field; without
// scripts those fields work as plain form fields.
(function () {
  "use strict";
  var here = document.querySelector("script[src*='forms.js']");
  var base = here ? here.src.replace(/forms\.js(\?.*)?$/, "") : "/static/";

  function loadFor(selector, styles, scripts) {
    if (!document.querySelector(selector)) {
      return;
    }
    styles.forEach(function (name) {
      var style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = base + name;
      document.head.appendChild(style);
    });
    scripts.forEach(function (name) {
      var script = document.createElement("script");
      script.src = base + name;
      script.async = false; // in the order given
      document.head.appendChild(script);
    });
  }

  // Rich-text fields: the editor (vendor/editor.js, built by `make assets`); without
  // scripts the textarea takes HTML.
  loadFor("textarea[data-hub-richtext]", ["editor.css"], ["vendor/editor.js"]);
  // Resumable uploads: tus-js-client (vendor/tus.min.js, copied by `make assets`) before
  // uploads.js, which needs it; without scripts the file is sent with the form.
  loadFor("input[type=file][data-hub-resumable]", [], ["vendor/tus.min.js", "uploads.js"]);
})();

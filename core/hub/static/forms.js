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

// Rich-text fields: the editor (static/vendor/editor.js, built by `make assets`) and its
// styles are loaded only on pages that have one; without scripts the textarea takes HTML.
(function () {
  "use strict";
  if (!document.querySelector("textarea[data-hub-richtext]")) {
    return;
  }
  var here = document.querySelector("script[src*='forms.js']");
  var base = here ? here.src.replace(/forms\.js(\?.*)?$/, "") : "/static/";
  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = base + "editor.css";
  document.head.appendChild(style);
  var script = document.createElement("script");
  script.src = base + "vendor/editor.js";
  document.head.appendChild(script);
})();

// Resumable uploads: tus-js-client (static/vendor/tus.min.js, copied by `make assets`) and
// uploads.js only on pages with a file field that asks for them; without scripts the file
// is sent with the form.
(function () {
  "use strict";
  if (!document.querySelector("input[type=file][data-hub-resumable]")) {
    return;
  }
  var here = document.querySelector("script[src*='forms.js']");
  var base = here ? here.src.replace(/forms\.js(\?.*)?$/, "") : "/static/";
  ["vendor/tus.min.js", "uploads.js"].forEach(function (name) {
    var script = document.createElement("script");
    script.src = base + name;
    script.async = false; // in this order: uploads.js needs tus
    document.head.appendChild(script);
  });
})();

// On narrow screens (and at 400 % zoom) the header's menus fold behind one "Menu" button, so
// the page's own content is a few Tab presses away. Without this script the button stays
// hidden and every menu stays open.
(function () {
  "use strict";
  var button = document.querySelector(".hub-menu-button");
  if (!button || !window.matchMedia) {
    return;
  }
  var header = button.closest(".hub-header");
  var narrow = window.matchMedia("(max-width: 40rem)");

  function show(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("hub-header--folded", !open);
  }

  function fit() {
    button.hidden = !narrow.matches;
    show(!narrow.matches);
  }

  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  if (narrow.addEventListener) {
    narrow.addEventListener("change", fit);
  }
  fit();
})();

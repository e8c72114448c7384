// Click-to-load video players (hub.embeds): the placeholder names the provider and links
// to the video; this script shows its "Play" button and creates the provider's iframe only
// when the person clicks it, so nothing is requested from the provider before that.
(function () {
  "use strict";
  function play(box, button) {
    var frame = document.createElement("iframe");
    frame.src = box.getAttribute("data-embed-src");
    frame.title = box.getAttribute("data-embed-title") || "";
    frame.className = "hub-embed__frame";
    frame.setAttribute("allow", "encrypted-media; picture-in-picture; fullscreen");
    frame.setAttribute("allowfullscreen", "");
    box.insertBefore(frame, box.firstChild);
    button.hidden = true;
    var notice = box.querySelector(".hub-embed__notice");
    if (notice) { notice.hidden = true; }
    frame.focus();
  }
  var boxes = document.querySelectorAll(".hub-embed[data-embed-src]");
  Array.prototype.forEach.call(boxes, function (box) {
    // The script is included once per player; each placeholder is prepared once.
    if (box.hasAttribute("data-embed-ready")) { return; }
    box.setAttribute("data-embed-ready", "");
    var button = box.querySelector(".hub-embed__play");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { play(box, button); });
  });
}());

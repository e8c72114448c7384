// Resumable uploads (hub.uploads): a file field marked data-hub-resumable sends its file to
// /uploads with tus-js-client in 5 MB parts when the form is submitted, shows the progress,
// can pause, and continues after a lost connection or a reload (the same file chosen again
// is recognised). When the file is there, its token goes into the hidden "upload" field,
// the file field is emptied and the form is sent. Texts come from the field's data-
// attributes, translated by the template. Loaded by forms.js after vendor/tus.min.js.
(function () {
  "use strict";
  var tus = window.tus;
  if (!tus || !tus.isSupported) {
    return; // the form sends the file itself
  }
  var CHUNK = 5 * 1024 * 1024;

  function enhance(input) {
    var form = input.form;
    var id = input.id;
    var token = document.getElementById(id + "-token");
    var area = document.getElementById(id + "-progress");
    var bar = document.getElementById(id + "-bar");
    var status = document.getElementById(id + "-status");
    var pause = document.getElementById(id + "-pause");
    var error = document.getElementById(id + "-upload-error");
    var message = document.getElementById(id + "-upload-message");
    if (!form || !token || !area || !bar || !status || !pause || !error || !message) {
      return;
    }
    var upload = null;
    var running = false;
    var done = false;
    var percent = 0;
    var announced = -1;
    var submitter = null;

    function text(name, value) {
      var found = input.getAttribute("data-hub-text-" + name) || "";
      return found.replace("{percent}", value === undefined ? percent : value);
    }

    function show(value) {
      percent = value;
      bar.value = value;
      // Screen readers hear every tenth, not every step of the bar.
      var step = Math.floor(value / 10) * 10;
      if (step !== announced) {
        announced = step;
        status.textContent = text("progress", step);
      }
    }

    function csrfToken() {
      var field = form.querySelector("input[name=csrf_token]");
      return field ? field.value : "";
    }

    function fail(err) {
      running = false;
      upload = null;
      var reason = "";
      var response = err && err.originalResponse;
      // The hub answers refusals (too large, too many uploads) with a sentence to show.
      if (response && response.getStatus() >= 400 && response.getStatus() < 500 &&
          /^text\/plain/.test(response.getHeader("Content-Type") || "")) {
        reason = (response.getBody() || "").trim();
      }
      message.textContent = reason ? text("failed") + " " + reason : text("failed");
      error.hidden = false;
      area.hidden = true;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }

    function finish() {
      done = true;
      running = false;
      token.value = upload.url.split("/").pop();
      input.value = "";
      show(100);
      pause.disabled = true;
      status.textContent = text("done");
      // Sent as the person sent it (the button's name and value), now without the file.
      if (form.requestSubmit && submitter) {
        form.requestSubmit(submitter);
      } else {
        form.submit();
      }
    }

    function start(file) {
      error.hidden = true;
      message.textContent = "";
      input.removeAttribute("aria-invalid");
      area.hidden = false;
      pause.disabled = false;
      pause.textContent = text("pause");
      announced = -1;
      show(0);
      upload = new tus.Upload(file, {
        endpoint: input.getAttribute("data-hub-upload-endpoint"),
        chunkSize: CHUNK,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        metadata: {filename: file.name, filetype: file.type || ""},
        headers: {"X-CSRF-Token": csrfToken()},
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, total) {
          show(total ? Math.floor(sent * 100 / total) : 100);
        },
        onSuccess: finish,
        onError: fail
      });
      var current = upload;
      current.findPreviousUploads().then(function (previous) {
        if (upload !== current) {
          return;
        }
        if (previous.length) {
          current.resumeFromPreviousUpload(previous[0]);
          status.textContent = text("resumed");
        }
        running = true;
        current.start();
      });
    }

    pause.addEventListener("click", function () {
      if (!upload || done) {
        return;
      }
      if (running) {
        running = false;
        upload.abort();
        pause.textContent = text("resume");
        status.textContent = text("paused");
      } else {
        running = true;
        pause.textContent = text("pause");
        status.textContent = text("progress", announced);
        upload.start();
      }
    });

    form.addEventListener("submit", function (event) {
      if (done || !input.files || !input.files.length) {
        return; // nothing to upload: the form goes as it is
      }
      event.preventDefault();
      submitter = event.submitter || null;
      if (!upload) {
        start(input.files[0]);
      } else if (!running) {
        pause.click(); // sending the form again resumes a paused upload
      }
    });

    input.addEventListener("change", function () {
      // Another file replaces the one being uploaded (which stays resumable).
      if (upload) {
        upload.abort();
        upload = null;
        running = false;
        area.hidden = true;
      }
      token.value = "";
    });
  }

  Array.prototype.forEach.call(
    document.querySelectorAll("input[type=file][data-hub-resumable]"), enhance);
})();

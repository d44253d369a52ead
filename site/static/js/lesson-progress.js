// A lesson page reports studying to the server, which decides whether the lesson is earned
// (courses.services.lesson_complete): the seconds the page was visible, and the parts of the lesson's first
// video or audio the browser actually played (HTMLMediaElement.played). Each report carries its own
// idempotency key, so a report sent twice (a retry, the offline queue) counts once.
(function () {
  "use strict";
  var form = document.querySelector("form[data-lesson-progress]");
  if (!form) return;
  var media = document.querySelector("[data-lesson-media]");
  var unsent = 0;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function played() {
    var ranges = [];
    if (!media) return ranges;
    for (var i = 0; i < media.played.length; i++) {
      ranges.push([Math.floor(media.played.start(i) * 100) / 100, Math.floor(media.played.end(i) * 100) / 100]);
    }
    return ranges;
  }

  function fill(target) {
    target.read_seconds.value = String(unsent);
    target.watched.value = JSON.stringify(played());
    target.idempotency_key.value = newKey();
    unsent = 0;
  }

  setInterval(function () {
    if (document.visibilityState === "visible") unsent += 1;
  }, 1000);

  form.addEventListener("submit", function () { fill(form.elements); });

  // Leaving the page: keep what was studied so far (the completion form was not sent).
  window.addEventListener("pagehide", function () {
    if (!navigator.sendBeacon || (unsent === 0 && played().length === 0)) return;
    var data = new FormData(form);
    var fields = {read_seconds: {}, watched: {}, idempotency_key: {}};
    fill(fields);
    Object.keys(fields).forEach(function (name) { data.set(name, fields[name].value); });
    navigator.sendBeacon(form.getAttribute("data-lesson-progress"), data);
  });
})();

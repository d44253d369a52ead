// Taking an exam: every answer is posted to the server the moment it is given (a reload, a closed tab or a
// crashed browser loses nothing); answers waiting for a dropped network are retried; the countdown submits the
// attempt when time is up. The server decides everything (deadline, validity); this file only reports.
(function () {
  "use strict";
  const form = document.querySelector("form[data-autosave]");
  if (!form) return;
  const status = document.querySelector("[data-save-status]");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const pending = new Map(); // position -> payload not yet confirmed by the server
  let closed = false;
  let retryTimer = null;

  function say(text, kind) {
    status.textContent = text;
    status.className = "save-status" + (kind ? " " + kind : "");
  }

  function payloadFor(fieldset) {
    const position = Number(fieldset.dataset.position);
    const payload = { position: position };
    const flag = fieldset.querySelector("input[name=f" + position + "]");
    if (flag) payload.flagged = flag.checked;
    if (fieldset.dataset.kind === "essay") {
      payload.text = fieldset.querySelector("textarea").value;
    } else {
      payload.choices = Array.from(fieldset.querySelectorAll("input[name=q" + position + "]:checked"))
        .map((input) => input.value); // opaque per-attempt tokens, not ids
    }
    return payload;
  }

  // What the server holds for each question: a refused answer puts the page back to it, so the page never
  // shows an answer that was not saved.
  const saved = new Map();
  form.querySelectorAll("fieldset[data-position]").forEach((fieldset) => {
    saved.set(Number(fieldset.dataset.position), payloadFor(fieldset));
  });

  function restore(position) {
    const fieldset = form.querySelector("fieldset[data-position='" + position + "']");
    const payload = saved.get(position);
    if (!fieldset || !payload) return;
    if (payload.text !== undefined) fieldset.querySelector("textarea").value = payload.text;
    fieldset.querySelectorAll("input[name=q" + position + "]").forEach((input) => {
      input.checked = (payload.choices || []).includes(input.value);
    });
    const flag = fieldset.querySelector("input[name=f" + position + "]");
    if (flag) flag.checked = payload.flagged;
  }

  function markNav(position, answered, flagged) {
    const link = document.querySelector("[data-nav='" + position + "']");
    if (!link) return;
    link.classList.toggle("answered", answered);
    link.classList.toggle("flagged", flagged);
    const count = document.querySelector("[data-answered-count]");
    if (count) count.textContent = document.querySelectorAll("[data-nav].answered").length;
  }

  function closeAttempt(message) {
    closed = true;
    say(message, "error");
    form.querySelectorAll("fieldset input, fieldset textarea").forEach((el) => { el.disabled = true; });
  }

  async function send(position) {
    const payload = pending.get(position);
    if (!payload || closed) return;
    say(form.dataset.savingMessage);
    let response;
    try {
      response = await fetch(form.dataset.answerUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(payload),
        credentials: "same-origin",
      });
    } catch (error) {
      say(form.dataset.offlineMessage, "error");
      scheduleRetry();
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (pending.get(position) === payload) pending.delete(position);
    if (response.ok) {
      saved.set(position, payload);
      markNav(position, body.answered, body.flagged);
      // The time in the page's language (zh-CN: 24-hour), not the browser's: an English browser showed "4:58:37 AM".
      if (!pending.size) say(form.dataset.savedMessage + " " + new Date().toLocaleTimeString(document.documentElement.lang || undefined), "ok");
    } else if (response.status === 409) {
      restore(position);
      closeAttempt(body.error);
    } else if (response.status >= 500) {
      pending.set(position, payload);
      say(form.dataset.offlineMessage, "error");
      scheduleRetry();
    } else {
      restore(position);
      say(body.error || response.statusText, "error");
    }
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      Array.from(pending.keys()).forEach(send);
    }, 3000);
  }

  function queue(fieldset) {
    const payload = payloadFor(fieldset);
    pending.set(payload.position, payload);
    send(payload.position);
  }

  const typing = new Map();
  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("fieldset[data-position]");
    if (fieldset) queue(fieldset);
  });
  form.addEventListener("input", (event) => {
    if (event.target.tagName !== "TEXTAREA") return;
    const fieldset = event.target.closest("fieldset[data-position]");
    clearTimeout(typing.get(fieldset));
    typing.set(fieldset, setTimeout(() => queue(fieldset), 800));
  });
  window.addEventListener("online", () => Array.from(pending.keys()).forEach(send));
  window.addEventListener("beforeunload", (event) => {
    if (pending.size && !closed) { event.preventDefault(); event.returnValue = ""; }
  });

  // One question per page: move between the questions already in the page, without asking the server (answers
  // are saved as they are given; the address keeps ?q=N so a reload opens the same question).
  const pager = form.querySelector("[data-pager]");
  if (pager) {
    const count = Number(pager.dataset.count);
    const positionInput = form.querySelector("input[name=position]");
    const show = (position) => {
      position = Math.min(Math.max(position, 1), count);
      form.querySelectorAll("fieldset[data-position]").forEach((fieldset) => {
        fieldset.hidden = Number(fieldset.dataset.position) !== position;
      });
      positionInput.value = position;
      pager.querySelector("[value=previous]").hidden = position <= 1;
      pager.querySelector("[value=next]").hidden = position >= count;
      document.querySelectorAll("[data-nav]").forEach((link) => {
        if (Number(link.dataset.nav) === position) link.setAttribute("aria-current", "step");
        else link.removeAttribute("aria-current");
      });
      history.replaceState(null, "", "?q=" + position);
      form.querySelector("fieldset[data-position='" + position + "']").scrollIntoView({ block: "nearest" });
    };
    pager.addEventListener("click", (event) => {
      const button = event.target.closest("button[name=go]");
      if (!button) return;
      event.preventDefault();
      show(Number(positionInput.value) + (button.value === "next" ? 1 : -1));
    });
    document.querySelectorAll("[data-nav]").forEach((link) => {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        show(Number(link.dataset.nav));
      });
    });
  }

  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button || !button.hasAttribute("data-submit-attempt") || form.dataset.timeUp) return;
    const unanswered = document.querySelectorAll("[data-nav]:not(.answered)").length;
    const question = unanswered ? form.dataset.unansweredMessage : form.dataset.submitMessage;
    if (!window.confirm(question)) { event.preventDefault(); return; }
    button.disabled = true; // one click, one submission (the server is idempotent anyway)
    pending.clear();
  });

  // Countdown from the server's figure; at zero the attempt is submitted (the server refuses later answers).
  const timer = document.querySelector("[data-seconds-left]");
  if (timer) {
    const display = timer.querySelector("[data-timer]");
    const end = Date.now() + Number(timer.dataset.secondsLeft) * 1000;
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      display.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
      timer.classList.toggle("urgent", left <= 60);
      if (left === 0) {
        clearInterval(interval);
        if (!closed) {
          form.dataset.timeUp = "1";
          pending.clear();
          form.submit();
        }
      }
    };
    const interval = setInterval(tick, 1000);
    tick();
  }
})();

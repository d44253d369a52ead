// Check-in at a venue without network, on the lecturer's session page (courses/session_detail.html). Attendees
// show their own check-in code (/learn/sessions/); the lecturer scans it (camera, where the browser has a
// BarcodeDetector), types it, or ticks the roster. Each check-in goes into the offline queue (js/offline.js), sent
// when there is a connection; the server records a person once (courses.services.attendance_sync_offline).
(() => {
  const box = document.querySelector("[data-offline-checkin]");
  const rosterData = document.getElementById("offline-roster");
  if (!box || !rosterData || !window.offlineQueue) return;
  const roster = JSON.parse(rosterData.textContent);
  const byId = Object.fromEntries(Object.entries(roster).map(([code, person]) => [String(person.id), code]));
  const storeKey = `checkin-${box.dataset.session}`;
  const message = box.querySelector("[data-checkin-message]");
  const list = box.querySelector("[data-checkin-list]");
  const recorded = () => window.offlineQueue.read(storeKey, {});

  function waiting(code) {
    return window.offlineQueue.read("offline-queue", []).some(
      (item) => item.url === box.dataset.syncUrl && item.fields.some(([name, value]) => name === "code" && value === code));
  }

  function render() {
    list.replaceChildren(...Object.entries(recorded()).map(([code, person]) => {
      const line = document.createElement("li");
      const row = Object.assign(document.createElement("div"), { className: "roster-row attended" });
      const tag = Object.assign(document.createElement("span"), {
        className: waiting(code) ? "tag tag-warn" : "tag tag-ok",
        textContent: waiting(code) ? box.dataset.textWaiting : box.dataset.textSent });
      row.append(Object.assign(document.createElement("span"), { className: "roster-name", textContent: person.name }), tag);
      line.append(row);
      return line;
    }));
  }

  function record(raw) {
    const code = raw.trim().toUpperCase();
    const person = roster[code];
    if (!person) {
      message.textContent = box.dataset.textUnknown;
      return;
    }
    const saved = recorded();
    if (person.done || saved[code]) {
      message.textContent = box.dataset.textTwice.replace("{name}", person.name);
      return;
    }
    saved[code] = { name: person.name, at: Date.now() };
    localStorage.setItem(storeKey, JSON.stringify(saved));
    message.textContent = box.dataset.textRecorded.replace("{name}", person.name);
    window.offlineQueue.enqueue({ url: box.dataset.syncUrl, fields: [["code", code]], label: "check_in" });
    render();
  }

  box.querySelector("[data-code-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = event.currentTarget.elements.code;
    record(input.value);
    input.value = "";
    input.focus();
  });

  // The roster's ticks: sent as usual online; without network they become check-ins of this phone.
  const ticks = document.querySelector("form[data-offline-ticks]");
  if (ticks) {
    ticks.addEventListener("submit", (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      ticks.querySelectorAll("input[name=person]:checked").forEach((tick) => {
        if (byId[tick.value]) record(byId[tick.value]);
        tick.checked = false;
      });
    });
  }

  // The camera, where the browser can read QR codes itself (no library from elsewhere).
  const scan = box.querySelector("[data-scan]");
  const video = box.querySelector("[data-camera]");
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    scan.hidden = false;
    scan.addEventListener("click", async () => {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      } catch (error) {
        message.textContent = box.dataset.textCameraFailed;
        return;
      }
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const stop = () => { stream.getTracks().forEach((track) => track.stop()); video.hidden = true; };
      const look = async () => {
        if (video.hidden) return;
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length) { record(codes[0].rawValue); stop(); return; }
        setTimeout(look, 300);
      };
      video.addEventListener("click", stop, { once: true });
      look();
    });
  }

  document.addEventListener("offline-queue-change", render);
  render();
})();

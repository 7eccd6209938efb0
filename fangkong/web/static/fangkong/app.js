// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form?.submit();
  }
});
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});

// Signing out deletes the user's sampling queue on this device, the key that reads it and the
// pages kept for offline use (sampling.js); tubes still waiting are named first.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-signout")) return;
  event.preventDefault();
  const owner = form.dataset.signout;
  const queueKey = `fangkong.sampling.queue.${owner}`;
  let waiting = 0;
  try {
    waiting = JSON.parse(localStorage.getItem(queueKey) || "[]").filter((item) => item.state === "waiting").length;
  } catch {
    waiting = 0;
  }
  if (waiting && !window.confirm(form.dataset.confirmWaiting.replace("{tubes}", String(waiting)))) return;
  localStorage.removeItem(queueKey);
  localStorage.removeItem(`fangkong.sampling.uploaded.${owner}`);
  const forgetKey = new Promise((resolve) => {
    if (!window.indexedDB) return resolve();
    const opening = indexedDB.open("fangkong-sampling", 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("keys");
    opening.onerror = () => resolve();
    opening.onsuccess = () => {
      const db = opening.result;
      const tx = db.transaction("keys", "readwrite");
      tx.objectStore("keys").delete(owner);
      tx.oncomplete = tx.onerror = tx.onabort = () => {
        db.close();
        resolve();
      };
    };
  });
  const forgetPages = window.caches ? caches.delete("fangkong-sampling-v1").catch(() => undefined) : Promise.resolve();
  const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
  Promise.race([Promise.all([forgetKey, forgetPages]), timeout]).finally(() => form.submit());
});

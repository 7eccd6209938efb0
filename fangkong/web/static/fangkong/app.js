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

// The sampling queue's keys (sampling.js): per user, AES-GCM 256, made in this browser and
// never extractable, kept in IndexedDB. Signing out deletes the user's key, which leaves
// whatever of the queue remains on disk unreadable.
window.fangkongQueueKeys = (() => {
  const store = (mode, work) =>
    new Promise((resolve, reject) => {
      const opening = indexedDB.open("fangkong-sampling", 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore("keys");
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const db = opening.result;
        const tx = db.transaction("keys", mode);
        const request = work(tx.objectStore("keys"));
        tx.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        tx.onerror = tx.onabort = () => {
          db.close();
          reject(tx.error);
        };
      };
    });
  return {
    async open(owner) {
      const stored = await store("readonly", (keys) => keys.get(owner));
      if (stored) return stored;
      const made = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
      try {
        await store("readwrite", (keys) => keys.add(made, owner));
      } catch {
        // another tab of this user stored its key first: use that one
      }
      return store("readonly", (keys) => keys.get(owner));
    },
    forget(owner) {
      return window.indexedDB ? store("readwrite", (keys) => keys.delete(owner)).catch(() => undefined) : Promise.resolve();
    },
  };
})();

// Signing out deletes the user's sampling queue on this device, the key that reads it and the
// pages kept for offline use; tubes still waiting are named first.
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
  const forgetPages = window.caches ? caches.delete("fangkong-sampling-v1").catch(() => undefined) : Promise.resolve();
  const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
  Promise.race([Promise.all([window.fangkongQueueKeys.forget(owner), forgetPages]), timeout]).finally(() =>
    form.submit(),
  );
});

// The sampling point's bind screen, offline first (R9).
//
// Every closed tube goes into a queue kept in this browser (localStorage, one queue per
// signed-in user) and is uploaded from there, in order, to POST /api/v1/lab/tubes with an
// Idempotency-Key made when the tube was closed. What identifies people (identity numbers,
// sampling codes, names) is kept encrypted: each entry holds its barcode, counts and state in
// clear and the rest sealed with AES-GCM under a non-extractable key of this user kept in
// IndexedDB (app.js; the entry's key is the additional data). Signing out deletes the user's
// queue and that key; a browser without Web Crypto or IndexedDB keeps the queue in memory only,
// for as long as the page is open. A tube leaves the queue only on a 2xx answer
// (201 stored, 200 already stored); a 4xx answer keeps it, marked rejected with the server's
// message, until the sampler fixes or discards it. Network errors, 5xx and 429 leave the queue
// as it is and are retried on the `online` event and every RETRY_MS.
//
// Loaded by /lab/sampling/sw.js too: there it is the service worker that keeps the sampling
// pages (and their scripts and styles) available offline, network first.
"use strict";

(() => {
  const CACHE = "fangkong-sampling-v1";

  if (typeof ServiceWorkerGlobalScope !== "undefined" && self instanceof ServiceWorkerGlobalScope) {
    serviceWorker();
    return;
  }
  const root = document.getElementById("sampling");
  if (root) samplingPage(root);

  // ------------------------------------------------------------------ service worker half
  function serviceWorker() {
    self.addEventListener("install", () => self.skipWaiting());
    self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
    self.addEventListener("fetch", (event) => {
      const request = event.request;
      const url = new URL(request.url);
      if (request.method !== "GET" || url.origin !== self.location.origin) return;
      if (url.pathname.startsWith("/api/")) return; // uploads are the page's business
      event.respondWith(networkFirst(request));
    });
  }

  async function networkFirst(request) {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok && response.type === "basic" && !response.redirected) {
        await cache.put(request, response.clone());
      }
      return response;
    } catch (error) {
      // Django varies on Cookie and Accept-Language, which a cached copy cannot match.
      const cached =
        (await cache.match(request, { ignoreVary: true })) ||
        (request.mode === "navigate"
          ? await cache.match(request, { ignoreSearch: true, ignoreVary: true })
          : undefined);
      if (cached) return cached;
      throw error;
    }
  }

  // ------------------------------------------------------------------ page half
  function samplingPage(root) {
    const RETRY_MS = 15000;
    const UPLOADED_KEPT = 30;
    const BARCODE = /^[A-Z0-9][A-Z0-9-]{3,31}$/;
    const baseRatio = Number(root.dataset.ratio) || 1;
    const retestBox = document.getElementById("retest");
    const groupSelect = document.getElementById("group");
    // a single re-test tube holds one person, whatever the zone's ratio; a population group
    // with its own ratio (key groups, isolation sites) takes that one
    const currentRatio = () => {
      if (retestBox && retestBox.checked) return 1;
      const chosen = groupSelect && groupSelect.selectedOptions[0];
      return (chosen && Number(chosen.dataset.ratio)) || baseRatio;
    };
    const round = root.dataset.round;
    const point = root.dataset.point;
    const api = root.dataset.apiTubes;
    const owner = root.dataset.queueOwner || "";
    const QUEUE = `fangkong.sampling.queue.${owner}`;
    const UPLOADED = `fangkong.sampling.uploaded.${owner}`;

    const texts = {};
    for (const node of root.querySelectorAll("#sampling-text [data-text]")) {
      texts[node.dataset.text] = node.textContent.trim();
    }
    const t = (name, values = {}) =>
      Object.entries(values).reduce(
        (text, [key, value]) => text.replaceAll(`{${key}}`, String(value)),
        texts[name] || name,
      );
    const $ = (id) => document.getElementById(id);
    const form = $("tube-form");
    const barcodeInput = $("barcode");
    const memberInput = $("member-input");
    const docType = $("doc-type");
    const method = $("method");
    const memberList = $("member-list");
    const memberCount = $("member-count");
    const memberError = $("member-error");
    const flash = $("sampling-flash");
    const status = $("sync-status");

    for (const node of root.querySelectorAll(".sampling-js")) node.hidden = false;
    for (const node of root.querySelectorAll(".sampling-nojs")) node.hidden = true;
    $("members").required = false;

    let members = []; // what the editor holds: {body, label}
    let state = navigator.onLine ? "online" : "offline";
    let flushing = false;

    // ---- storage
    const memory = new Map(); // the queue itself when the browser cannot encrypt it
    let vault = null; // {key: CryptoKey} once the user's key is open
    let ready; // settles once it is known whether the queue is encrypted on disk or in memory
    const load = (key) => {
      try {
        const value = JSON.parse((vault ? localStorage.getItem(key) : memory.get(key)) || "[]");
        return Array.isArray(value) ? value : [];
      } catch {
        return [];
      }
    };
    const save = (key, value) => {
      const text = JSON.stringify(value);
      if (vault) localStorage.setItem(key, text);
      else memory.set(key, text);
    };
    const updateQueue = (change) => {
      const queue = change(load(QUEUE));
      save(QUEUE, queue);
      return queue;
    };

    // ---- the sealed part of an entry: {identities, labels, body}
    const opened = new Map(); // entry key -> the sealed part, decrypted
    const toB64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
    const openVault = async () => {
      if (!window.crypto?.subtle || !window.indexedDB || !window.fangkongQueueKeys) return null;
      try {
        return { key: await window.fangkongQueueKeys.open(owner) };
      } catch {
        return null;
      }
    };
    const seal = async (entryKey, secret) => {
      if (!vault) return { ...secret }; // memory only: nothing is written to disk
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = new TextEncoder().encode(JSON.stringify(secret));
      const additionalData = new TextEncoder().encode(entryKey);
      const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, vault.key, data);
      return { sealed: `${toB64(iv)}.${toB64(sealed)}` };
    };
    // The sealed part of `item`, from memory or decrypted; null when it cannot be read.
    const unseal = async (item) => {
      if (opened.has(item.key)) return opened.get(item.key);
      let secret = null;
      if (item.body) {
        secret = { identities: item.identities, labels: item.labels, body: item.body };
      } else if (vault && typeof item.sealed === "string") {
        try {
          const [iv, data] = item.sealed.split(".").map(fromB64);
          const additionalData = new TextEncoder().encode(item.key);
          const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData }, vault.key, data);
          secret = JSON.parse(new TextDecoder().decode(plain));
        } catch {
          secret = null;
        }
      }
      if (secret) opened.set(item.key, secret);
      return secret;
    };
    const unsealAll = async () => {
      for (const item of load(QUEUE)) await unseal(item);
    };
    // Entries written in clear by an earlier version of this page are sealed now.
    const sealOld = async () => {
      const old = load(QUEUE).filter((item) => item.body);
      for (const item of old) {
        const secret = await unseal(item);
        const stored = await seal(item.key, secret);
        updateQueue((queue) =>
          queue.map((other) => {
            if (other.key !== item.key) return other;
            const { body, identities, labels, ...rest } = other;
            return { ...rest, barcode: body.barcode, round: body.round, point: body.point, count: body.members.length, ...stored };
          }),
        );
      }
    };

    // ---- identities
    const normalise = (text) => text.normalize("NFKC").replace(/\s+/g, "").toUpperCase();
    const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECKS = "10X98765432";
    const residentIdValid = (number) => {
      if (!/^\d{17}[\dX]$/.test(number)) return /^\d{15}$/.test(number); // old numbers: the server checks
      const sum = WEIGHTS.reduce((acc, weight, index) => acc + weight * Number(number[index]), 0);
      return CHECKS[sum % 11] === number[17];
    };
    const maskId = (number) =>
      number.length > 8 ? `${number.slice(0, 4)}${"*".repeat(number.length - 8)}${number.slice(-4)}` : "****";
    const fromB64 = (text) => {
      const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
      return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
    };
    let verifyKey; // a CryptoKey, null when the browser cannot check Ed25519 signatures
    const publicKey = async () => {
      if (verifyKey !== undefined) return verifyKey;
      try {
        verifyKey = await crypto.subtle.importKey("raw", fromB64(root.dataset.publicKey), { name: "Ed25519" }, false, [
          "verify",
        ]);
      } catch {
        verifyKey = null;
      }
      return verifyKey;
    };
    // A personal sampling code: FK1.<base64url JSON {p, n, i, t}>.<Ed25519 signature>.
    const readCode = async (code) => {
      const parts = code.split(".");
      if (parts.length !== 3 || parts[0] !== "FK1" || code.length > 600) return { error: "code_invalid" };
      let data;
      try {
        data = JSON.parse(new TextDecoder().decode(fromB64(parts[1])));
      } catch {
        return { error: "code_invalid" };
      }
      if (!data || typeof data.p !== "string") return { error: "code_invalid" };
      const now = Date.now() / 1000;
      if (now - Number(data.t) > 400 * 24 * 3600 || Number(data.t) - now > 3600) return { error: "code_expired" };
      const key = await publicKey();
      let checked = false;
      if (key) {
        const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
        try {
          checked = await crypto.subtle.verify({ name: "Ed25519" }, key, fromB64(parts[2]), signed);
        } catch {
          checked = false;
        }
        if (!checked) return { error: "code_signature" };
      }
      return { person: data.p, name: String(data.n || ""), masked: String(data.i || ""), checked };
    };
    const identityOf = (body) => body.sampling_person || `${body.doc_type}:${body.id_number}`;

    // ---- the editor
    const showError = (text) => {
      memberError.textContent = text;
      memberError.hidden = !text;
    };
    const showFlash = (text) => {
      flash.textContent = text;
      flash.hidden = !text;
    };
    const renderMembers = () => {
      memberList.replaceChildren(
        ...members.map((member, index) => {
          const item = document.createElement("li");
          const who = document.createElement("span");
          who.className = "who";
          who.textContent = member.label;
          const remove = document.createElement("button");
          remove.type = "button";
          remove.className = "link";
          remove.textContent = t("remove");
          remove.addEventListener("click", () => {
            members.splice(index, 1);
            renderMembers();
            memberInput.focus();
          });
          item.append(who, remove);
          return item;
        }),
      );
      memberCount.textContent = String(members.length);
      memberCount.parentElement.classList.toggle("full", members.length >= currentRatio());
      const max = document.getElementById("member-max");
      if (max) max.textContent = String(currentRatio());
    };
    retestBox?.addEventListener("change", renderMembers);
    groupSelect?.addEventListener("change", renderMembers);
    const waitingWith = (identity) =>
      load(QUEUE).find(
        (item) =>
          item.state === "waiting" && item.round === round && opened.get(item.key)?.identities.includes(identity),
      );

    const addMember = async (raw) => {
      const text = raw.trim();
      if (!text) return;
      await ready;
      if (members.length >= currentRatio()) {
        showError(t("full", { ratio: currentRatio() }));
        return;
      }
      const scannedAt = new Date().toISOString();
      let member;
      if (text.startsWith("FK1.")) {
        const code = await readCode(text);
        if (code.error) {
          showError(t(code.error));
          return;
        }
        member = {
          body: { sampling_code: text, scanned_at: scannedAt, sampling_person: code.person },
          label: `${code.name} ${code.masked}${code.checked ? "" : ` (${t("unverified")})`}`,
        };
      } else {
        const number = normalise(text);
        if (docType.value === "01" && !residentIdValid(number)) {
          showError(t("id_invalid"));
          return;
        }
        member = {
          body: { doc_type: docType.value, id_number: number, method: method.value, scanned_at: scannedAt },
          label: `${docType.selectedOptions[0]?.textContent || ""} ${maskId(number)}`,
        };
      }
      const identity = identityOf(member.body);
      if (members.some((other) => identityOf(other.body) === identity)) {
        showError(t("repeated"));
        return;
      }
      await unsealAll(); // entries another tab of this user added
      const queued = waitingWith(identity);
      if (queued) {
        showError(t("queued_elsewhere", { barcode: queued.barcode }));
        return;
      }
      showError("");
      members.push(member);
      renderMembers();
      if (members.length >= currentRatio()) showError(t("full", { ratio: currentRatio() }));
    };

    const uuid = () => {
      if (crypto.randomUUID) return crypto.randomUUID();
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      bytes[6] = (bytes[6] & 0x0f) | 0x40;
      bytes[8] = (bytes[8] & 0x3f) | 0x80;
      const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };

    const closeTube = async () => {
      await ready;
      const barcode = normalise(barcodeInput.value);
      if (!BARCODE.test(barcode)) {
        showError(t("barcode_invalid"));
        barcodeInput.focus();
        return;
      }
      if (!members.length) {
        showError(t("empty"));
        memberInput.focus();
        return;
      }
      if (load(QUEUE).some((item) => item.state === "waiting" && item.barcode === barcode)) {
        showError(t("barcode_queued"));
        barcodeInput.focus();
        return;
      }
      const key = uuid();
      const secret = {
        identities: members.map((member) => identityOf(member.body)),
        labels: members.map((member) => member.label),
        body: {
          round,
          point,
          barcode,
          kind: retestBox && retestBox.checked ? "retest" : "screening",
          group: groupSelect && !(retestBox && retestBox.checked) ? groupSelect.value : "",
          sampled_at: new Date().toISOString(),
          members: members.map(({ body }) => {
            const { sampling_person, ...sent } = body;
            return sent;
          }),
        },
      };
      const count = secret.body.members.length;
      const item = {
        key,
        state: "waiting",
        closedAt: new Date().toISOString(),
        barcode,
        round,
        point,
        count,
        ...(await seal(key, secret)),
      };
      opened.set(key, secret);
      updateQueue((queue) => [...queue, item]);
      members = [];
      renderMembers();
      showError("");
      showFlash(t("queued", { barcode, count }));
      barcodeInput.value = "";
      barcodeInput.focus();
      render();
      flush();
    };

    // ---- uploading
    const csrfToken = () => {
      const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
      if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
      return form.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
    };
    const withLock = (work) =>
      navigator.locks ? navigator.locks.request(`fangkong-sampling-upload-${owner}`, work) : work();

    const uploadOne = async (item) => {
      const secret = await unseal(item);
      if (!secret) {
        updateQueue((queue) =>
          queue.map((other) =>
            other.key === item.key
              ? { ...other, state: "rejected", error: { status: 0, code: "unreadable", message: t("unreadable"), errors: [] } }
              : other,
          ),
        );
        return "rejected";
      }
      let response;
      try {
        response = await fetch(api, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": csrfToken(),
            "Idempotency-Key": item.key,
          },
          body: JSON.stringify(secret.body),
        });
      } catch {
        return "offline";
      }
      let data = null;
      try {
        data = await response.json();
      } catch {
        data = null;
      }
      if (response.ok) {
        // A 2xx that is not our tube (a captive portal, a proxy page) is no proof of storage.
        if (!data || data.barcode !== item.barcode) return "retry";
        updateQueue((queue) => queue.filter((other) => other.key !== item.key));
        opened.delete(item.key);
        const uploaded = load(UPLOADED);
        uploaded.unshift({
          barcode: data.barcode,
          count: data.member_count,
          created: response.status === 201,
          at: new Date().toISOString(),
        });
        save(UPLOADED, uploaded.slice(0, UPLOADED_KEPT));
        return "done";
      }
      if (response.status === 401) return "signin";
      if (response.status >= 500 || response.status === 408 || response.status === 429) return "retry";
      const envelope = data && typeof data === "object" ? data : {};
      updateQueue((queue) =>
        queue.map((other) =>
          other.key === item.key
            ? {
                ...other,
                state: "rejected",
                error: {
                  status: response.status,
                  code: String(envelope.code || response.status),
                  message: String(envelope.message || response.statusText || response.status),
                  errors: Array.isArray(envelope.detail?.errors) ? envelope.detail.errors : [],
                },
              }
            : other,
        ),
      );
      return "rejected";
    };

    const flush = async () => {
      await ready;
      if (flushing) return;
      if (!navigator.onLine) {
        state = "offline";
        render();
        return;
      }
      flushing = true;
      try {
        await withLock(async () => {
          for (;;) {
            const item = load(QUEUE).find((other) => other.state === "waiting");
            if (!item) {
              state = "online";
              return;
            }
            state = "uploading";
            render();
            const outcome = await uploadOne(item);
            if (outcome === "offline" || outcome === "retry" || outcome === "signin") {
              state = outcome;
              return;
            }
          }
        });
      } finally {
        flushing = false;
        render();
      }
    };

    // ---- showing the queue
    const clock = (iso) => {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    };
    const errorLines = (error) =>
      (error.errors.length ? error.errors : [{ message: error.message }]).map((entry) => {
        const match = /^members\[(\d+)\]/.exec(String(entry.field || ""));
        const message = String(entry.message || error.message);
        return match ? t("person", { number: Number(match[1]) + 1, message }) : message;
      });
    const button = (label, action) => {
      const node = document.createElement("button");
      node.type = "button";
      node.className = "secondary";
      node.textContent = label;
      node.addEventListener("click", action);
      return node;
    };
    const fix = async (item) => {
      const secret = await unseal(item);
      if (!secret) return;
      updateQueue((queue) => queue.filter((other) => other.key !== item.key));
      opened.delete(item.key);
      barcodeInput.value = item.barcode;
      members = secret.body.members.map((body, index) => ({
        body: body.sampling_code ? { ...body, sampling_person: secret.identities[index] } : body,
        label: secret.labels[index] || "",
      }));
      renderMembers();
      showFlash(t("fixing", { barcode: item.barcode }));
      render();
      memberInput.focus();
    };
    const discard = (item) => {
      if (!window.confirm(t("discard_confirm", { barcode: item.barcode }))) return;
      updateQueue((queue) => queue.filter((other) => other.key !== item.key));
      opened.delete(item.key);
      render();
    };

    const render = () => {
      const queue = load(QUEUE);
      const waiting = queue.filter((item) => item.state === "waiting");
      const rejected = queue.filter((item) => item.state === "rejected");
      const people = waiting.reduce((sum, item) => sum + item.count, 0);
      const shown = state === "online" && waiting.length ? "uploading" : state;
      status.dataset.state = shown;
      status.dataset.waitingTubes = String(waiting.length);
      status.dataset.waitingPeople = String(people);
      status.dataset.rejectedTubes = String(rejected.length);
      status.textContent = t(shown, { tubes: waiting.length, people });
      if (rejected.length) {
        const note = document.createElement("span");
        note.className = "rejected";
        note.textContent = t("rejected", { rejected: rejected.length });
        status.append(note);
      }
      $("queue-list").replaceChildren(
        ...waiting.map((item) => {
          const node = document.createElement("li");
          node.dataset.barcode = item.barcode;
          node.textContent = t("waiting_item", {
            barcode: item.barcode,
            count: item.count,
            time: clock(item.closedAt),
          });
          return node;
        }),
      );
      $("rejected-list").replaceChildren(
        ...rejected.map((item) => {
          const node = document.createElement("li");
          node.className = "rejected";
          node.dataset.barcode = item.barcode;
          node.dataset.code = item.error.code;
          const title = document.createElement("strong");
          title.textContent = `${item.barcode}: ${item.error.message}`;
          const lines = document.createElement("ul");
          lines.replaceChildren(
            ...errorLines(item.error).map((line) => {
              const entry = document.createElement("li");
              entry.textContent = line;
              return entry;
            }),
          );
          const actions = document.createElement("div");
          actions.className = "actions";
          if (item.round === round && item.point === point && item.error.code !== "unreadable") {
            actions.append(button(t("fix"), () => fix(item)));
          } else {
            const note = document.createElement("span");
            note.textContent = t("other_post");
            actions.append(note);
          }
          actions.append(button(t("discard"), () => discard(item)));
          node.append(title, lines, actions);
          return node;
        }),
      );
      $("uploaded-list").replaceChildren(
        ...load(UPLOADED).map((entry) => {
          const node = document.createElement("li");
          node.dataset.barcode = entry.barcode;
          node.textContent = t(entry.created ? "stored" : "already", { barcode: entry.barcode, count: entry.count });
          return node;
        }),
      );
    };

    // ---- wiring
    barcodeInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // a scanner ends with Enter: go on to the people
        memberInput.focus();
      }
    });
    let adding = Promise.resolve();
    memberInput.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const value = memberInput.value;
      memberInput.value = "";
      adding = adding.then(() => addMember(value));
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      adding.then(closeTube);
    });
    window.addEventListener("online", () => {
      state = "online";
      flush();
    });
    window.addEventListener("offline", () => {
      state = "offline";
      render();
    });
    window.addEventListener("storage", (event) => {
      if (event.key === QUEUE || event.key === UPLOADED) render();
    });
    setInterval(flush, RETRY_MS);

    if ("serviceWorker" in navigator && root.dataset.sw) {
      navigator.serviceWorker
        .register(root.dataset.sw, { scope: root.dataset.swScope })
        .then(() => navigator.serviceWorker.ready)
        .then(async () => {
          // This page and what it loads, so a reload without network still opens it.
          const assets = [
            window.location.href,
            ...Array.from(document.querySelectorAll("script[src]"), (node) => node.src),
            ...Array.from(document.querySelectorAll("link[rel~=stylesheet], link[rel~=icon]"), (node) => node.href),
          ];
          const cache = await caches.open(CACHE);
          await Promise.all(
            assets.map((url) =>
              fetch(url, { credentials: "same-origin" })
                .then((response) => (response.ok && !response.redirected ? cache.put(url, response) : undefined))
                .catch(() => undefined),
            ),
          );
          root.dataset.offlineReady = "true";
        })
        .catch(() => undefined);
    }

    renderMembers();
    render();
    ready = openVault().then(async (opening) => {
      vault = opening;
      root.dataset.queueStore = vault ? "encrypted" : "memory";
      if (!vault) showFlash(t("memory_only"));
      await sealOld();
      await unsealAll();
      render();
    });
    flush();
  }
})();

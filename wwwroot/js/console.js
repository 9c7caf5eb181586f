// Console-wide browser glue: theme persistence, the live connection indicator and the reconnect dialog.
// Kept tiny and framework-free; everything else is Blazor.
(function () {
  "use strict";

  const THEME_COOKIE = "opsconsole.theme";
  const ZONE_COOKIE = "opsconsole.tz";
  const AUTO_RETRY_MS = 5000;
  // After this long without the server, "reconnecting" becomes "offline" (Blazor keeps retrying meanwhile).
  const OFFLINE_AFTER_MS = 10000;
  let lastUpdate = new Date();
  let state = "connected";
  let retryTimer = null;
  let offlineTimer = null;

  function setTheme(theme) {
    const value = theme === "light" ? "light" : "dark";
    // One year; read by the server on the next page load so the first paint has the right theme.
    document.cookie = `${THEME_COOKIE}=${value}; path=/; max-age=31536000; samesite=lax`;
    document.body.classList.toggle("theme-dark", value === "dark");
    document.body.classList.toggle("theme-light", value === "light");
  }

  // The browser's IANA time zone ("Europe/Paris"); the console writes times in it (Shared/ViewerTime.cs).
  function timeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch {
      return null;
    }
  }

  // Sent with every request, so even the first paint of the next page has the viewer's times.
  function rememberTimeZone() {
    const zone = timeZone();
    if (zone) document.cookie = `${ZONE_COOKIE}=${encodeURIComponent(zone)}; path=/; max-age=31536000; samesite=lax`;
  }

  function formatTime(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function render() {
    document.documentElement.dataset.connection = state;
    for (const el of document.querySelectorAll("[data-live-indicator]")) {
      el.dataset.state = state;
    }
    for (const el of document.querySelectorAll("[data-live-last-update]")) {
      el.textContent = formatTime(lastUpdate);
      el.setAttribute("datetime", lastUpdate.toISOString());
    }
  }

  function setState(next) {
    if (state === "connected" && next !== "connected") {
      lastUpdate = new Date(); // the moment we last knew the data was current
    }
    if (next === "reconnecting" && offlineTimer === null) {
      offlineTimer = setTimeout(() => { offlineTimer = null; if (state === "reconnecting") setState("offline"); }, OFFLINE_AFTER_MS);
    }
    if (next === "connected" && offlineTimer !== null) {
      clearTimeout(offlineTimer);
      offlineTimer = null;
    }
    if (next === "reconnecting" && state === "offline") {
      return; // a new retry round does not make a long outage look short again
    }
    state = next;
    render();
  }

  // Blazor reports the circuit's state through this event on #components-reconnect-modal.
  function onReconnectState(event) {
    const modal = event.currentTarget;
    switch (event.detail.state) {
      case "show":
      case "retrying":
        setState("reconnecting");
        if (!modal.open) modal.showModal();
        break;
      case "hide":
        setState("connected");
        if (modal.open) modal.close();
        stopAutoRetry();
        break;
      case "failed":
      case "paused":
      case "resume-failed":
        setState("offline");
        modal.dataset.phase = event.detail.state;
        if (!modal.open) modal.showModal();
        if (event.detail.state === "paused" || !wallRecovers(event.detail.state)) startAutoRetry();
        break;
      case "rejected":
        // The server is back but forgot this circuit: a fresh page is the only way forward (the wall waits until
        // the console is ready first).
        setState("offline");
        if (!wallRecovers(event.detail.state)) location.reload();
        break;
    }
    if (event.detail.state !== "failed" && event.detail.state !== "paused" && event.detail.state !== "resume-failed") {
      delete modal.dataset.phase;
    }
  }

  // The wall (js/wall.js) recovers by itself, without a button and without reloading onto a console still starting.
  function wallRecovers(reason) {
    const wall = window.opsConsoleWall;
    return !!(wall && wall.active() && wall.recover(reason));
  }

  // Blazor's default reconnection schedule (10 attempts at once, 10 every 5 s, 10 every 30 s, then "failed" and
  // the automatic retry above); on a wall, js/wall.js's schedule, which never ends.
  function reconnectDelay(previousAttempts) {
    const wall = window.opsConsoleWall;
    if (wall && wall.active()) return wall.reconnectDelay(previousAttempts);
    if (previousAttempts >= 30) return null;
    return previousAttempts < 10 ? 0 : previousAttempts < 20 ? 5000 : 30000;
  }

  async function retry() {
    try {
      const reconnected = await Blazor.reconnect();
      if (!reconnected) {
        const resumed = Blazor.resumeCircuit ? await Blazor.resumeCircuit() : false;
        if (!resumed) location.reload();
      }
    } catch {
      // Server still unreachable; the automatic retry keeps going.
    }
  }

  function startAutoRetry() {
    if (retryTimer === null) retryTimer = setInterval(retry, AUTO_RETRY_MS);
  }

  function stopAutoRetry() {
    if (retryTimer !== null) {
      clearInterval(retryTimer);
      retryTimer = null;
    }
  }

  // Returns whether it worked: the clipboard API exists only in secure contexts (HTTPS, localhost).
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  }

  function init() {
    const modal = document.getElementById("components-reconnect-modal");
    if (modal) {
      modal.addEventListener("components-reconnect-state-changed", onReconnectState);
      const button = document.getElementById("components-reconnect-button");
      if (button) button.addEventListener("click", retry);
    }
    // The browser knows before Blazor does when the network itself is gone.
    window.addEventListener("offline", () => setState("offline"));
    // While connected, "last update" keeps pace with the clock.
    setInterval(() => { if (state === "connected") lastUpdate = new Date(); }, 1000);
    render();
    // The display pairing page, opened from a pairing link, submits itself: a TV needs no keyboard.
    const pairing = document.querySelector("form[data-auto-submit]");
    if (pairing) pairing.requestSubmit();
  }

  rememberTimeZone();
  window.opsConsole = { setTheme, copyText, timeZone };
  // App.razor loads blazor.web.js with autostart="false", so that the reconnection schedule is the one above.
  Blazor.start({ circuit: { reconnectionOptions: { maxRetries: Number.MAX_SAFE_INTEGER, retryIntervalMilliseconds: reconnectDelay } } });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

// The wall display's self-recovery, for a TV nobody touches (see docs/architecture.md, "Wall recovery").
// - Reconnection never gives up on the wall: console.js starts Blazor with a retry policy that asks reconnectDelay()
//   here while a wall is on screen (at most a few seconds between attempts, for ever).
// - When the server answers but no longer knows the circuit (the console restarted: "rejected", or a resume failed),
//   the page reloads itself, but only once /health/ready answers (a reload onto a console that is still starting would
//   leave the browser's error page, which runs no script), and with a growing pause if reloads repeat.
// - A wall whose page never became interactive (the circuit could not start) recovers the same way.
// - While the connection is down the server cannot render, so the "updated N s ago" age keeps counting here.
(function () {
  "use strict";

  const RETRY_DELAYS_MS = [0, 1000, 2000, 2000, 3000];    // then every 3 s for ever
  const READY_PROBE_DELAYS_MS = [0, 1000, 2000, 4000, 5000]; // then every 5 s until the console is ready
  const RELOAD_MEMORY_KEY = "opsconsole.wall.reloads";
  const RELOAD_WINDOW_MS = 120000;    // reloads closer together than this count as repeats
  const MAX_RELOAD_PAUSE_MS = 60000;
  const INTERACTIVE_WITHIN_MS = 30000; // a prerendered wall that is not interactive by then is reloaded
  const SETTLED_AFTER_MS = 60000;      // live this long: forget earlier reloads

  let recovering = false;
  let skewMs = null; // browser clock minus server clock, taken when the connection drops

  function wall() {
    return document.querySelector("[data-wall-page]");
  }

  function active() {
    return wall() !== null;
  }

  function connected() {
    return document.documentElement.dataset.connection === "connected";
  }

  // Blazor's reconnection policy on the wall: quick first attempts, then a steady pace that never ends.
  function reconnectDelay(previousAttempts) {
    return RETRY_DELAYS_MS[Math.min(previousAttempts, RETRY_DELAYS_MS.length - 1)];
  }

  function sleep(ms) {
    return new Promise(resolve => setTimeout(resolve, ms));
  }

  async function consoleReady() {
    try {
      const response = await fetch("health/ready", { cache: "no-store", credentials: "same-origin" });
      return response.ok;
    } catch {
      return false; // not listening (yet)
    }
  }

  function reloadPause() {
    let memory = { count: 0, at: 0 };
    try {
      memory = JSON.parse(sessionStorage.getItem(RELOAD_MEMORY_KEY) || "") || memory;
    } catch {
      // nothing remembered
    }

    const now = Date.now();
    const count = now - memory.at < RELOAD_WINDOW_MS ? memory.count + 1 : 1;
    try {
      sessionStorage.setItem(RELOAD_MEMORY_KEY, JSON.stringify({ count, at: now }));
    } catch {
      // storage unavailable: no memory, no growing pause
    }

    // The first reload goes at once; repeats wait 2, 4, 8 … s (at most a minute), with jitter so a room of TVs
    // does not arrive together.
    const base = count <= 1 ? 0 : Math.min(MAX_RELOAD_PAUSE_MS, 1000 * Math.pow(2, count - 1));
    return base * (0.8 + Math.random() * 0.4);
  }

  // The circuit is gone for good: wait until the console is ready, then load the wall afresh (same URL, same cookie).
  async function recover(reason) {
    if (!active()) return false;
    if (recovering) return true;
    recovering = true;
    const modal = document.getElementById("components-reconnect-modal");
    if (modal) modal.dataset.phase = "failed"; // "unreachable, retrying automatically"; no button on the wall
    console.info(`wall: recovering (${reason})`);
    for (let attempt = 0; ; attempt++) {
      await sleep(READY_PROBE_DELAYS_MS[Math.min(attempt, READY_PROBE_DELAYS_MS.length - 1)]);
      if (await consoleReady()) break;
    }

    await sleep(reloadPause());
    location.reload();
    return true;
  }

  // While disconnected: "no connection · updated 1 min ago", from the newest data's time and the server's clock.
  function describe(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min`;
    if (s < 172800) return `${Math.floor(s / 3600)} h`;
    return `${Math.floor(s / 86400)} d`;
  }

  function tick() {
    if (connected()) {
      skewMs = null;
      return;
    }

    for (const el of document.querySelectorAll("[data-wall-offline-age]")) {
      if (skewMs === null && el.dataset.now) skewMs = Date.now() - Date.parse(el.dataset.now);
      const serverNow = Date.now() - (skewMs || 0);
      const since = el.dataset.since ? Date.parse(el.dataset.since) : NaN;
      el.textContent = isNaN(since) ? "no connection" : `no connection · updated ${describe(serverNow - since)} ago`;
    }
  }

  function watchStart() {
    if (!active()) return;
    setTimeout(() => {
      const page = wall();
      if (page && page.dataset.interactive !== "true" && connected()) recover("the page never became interactive");
    }, INTERACTIVE_WITHIN_MS);
    setTimeout(() => {
      if (connected()) {
        try {
          sessionStorage.removeItem(RELOAD_MEMORY_KEY);
        } catch {
          // storage unavailable
        }
      }
    }, SETTLED_AFTER_MS);
  }

  window.opsConsoleWall = { active, reconnectDelay, recover };
  setInterval(tick, 1000);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchStart);
  } else {
    watchStart();
  }
})();

// The wall's chime for a new critical alert (Wall:AlertSound), loaded by WallPage as a module on first use.
// Made with Web Audio, so there is no sound file to serve. Browsers keep audio suspended until someone clicks, unless
// the kiosk browser allows autoplay (Chromium: --autoplay-policy=no-user-gesture-required); then "blocked" comes back
// and the wall header says so.
let context = null;

const RESUME_WAIT_MS = 500; // a blocked resume() never settles: give up on it after this

function tone(ctx, frequency, startAt, seconds) {
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  oscillator.type = "sine";
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, startAt);
  gain.gain.exponentialRampToValueAtTime(0.4, startAt + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, startAt + seconds);
  oscillator.connect(gain).connect(ctx.destination);
  oscillator.start(startAt);
  oscillator.stop(startAt + seconds + 0.05);
}

export async function chime() {
  context ??= new AudioContext();
  if (context.state !== "running") {
    await Promise.race([context.resume(), new Promise(resolve => setTimeout(resolve, RESUME_WAIT_MS))]);
  }

  if (context.state !== "running") {
    return "blocked";
  }

  const now = context.currentTime;
  tone(context, 880, now, 0.3);
  tone(context, 660, now + 0.35, 0.3);
  tone(context, 880, now + 0.7, 0.45);
  return "played";
}

// fmt.js - numbers and times for people. Amounts arrive as decimal strings
// (whole units with a fraction) and are only ever re-spaced as text, never
// turned into floating point; ratios are display figures.

// "1234567.5" -> "1,234,567.5"; null -> "—".
export function amount(text, unit) {
  if (text === null || text === undefined) return '—';
  const s = String(text);
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + grouped + (frac ? '.' + frac : '') + (unit ? ' ' + unit : '');
}

export function count(n) {
  return n === null || n === undefined ? '—' : amount(String(n));
}

// 0.8312 -> "83.1 %"
export function pct(ratio) {
  if (ratio === null || ratio === undefined) return '—';
  return (ratio * 100).toFixed(ratio < 0.001 && ratio > 0 ? 3 : 1) + ' %';
}

// 3725 -> "1h 2m"
export function age(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  let s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d) return d + 'd ' + h + 'h';
  if (h) return h + 'h ' + m + 'm';
  if (m) return m + 'm ' + s + 's';
  return s + 's';
}

// An ISO time as "2026-12-05 21:03:28 UTC", and its age against now (ms).
export function utc(iso) {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '') + ' UTC';
}

export function ago(iso, nowMs) {
  if (!iso) return '';
  const dt = (nowMs - Date.parse(iso)) / 1000;
  if (Number.isNaN(dt)) return '';
  return dt >= 0 ? age(dt) + ' ago' : 'in ' + age(-dt);
}

export function when(iso, nowMs) {
  if (!iso) return '—';
  const rel = ago(iso, nowMs);
  return utc(iso) + (rel ? ' (' + rel + ')' : '');
}

// The ledger's clock as the node last reported it (status's node.time: the
// ledger's time, or the wall clock when that is ahead), so that ages read
// the same on a node with a manual clock. Signatures use the wall clock.
let offsetMs = 0;

export function ledgerSeen(iso) {
  const t = Date.parse(iso);
  if (!Number.isNaN(t)) offsetMs = Math.max(0, t - Date.now());
}

export function ledgerNow() {
  return Date.now() + offsetMs;
}

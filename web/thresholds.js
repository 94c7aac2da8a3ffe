// thresholds.js - the warning and critical marks of the usage bars as the
// node derives them from the alert rules it loaded (GET /api/alerts/rules,
// its "thresholds"): the built-in rules' figures, or an operator's
// `serve --alert-rules FILE` override. A severity no rule marks (the
// override disabled it, or made it more than `metric > N`) has no mark.

import { get } from './api.js';

const NONE = { warn: null, crit: null };
let current = {}; // bar -> { warn: {value, op, rule} | null, crit: ... }

function mark(m) {
  return m && typeof m.value === 'number' ? { value: m.value, op: m.op, rule: m.rule } : null;
}

// Read them again (every refresh: a restarted node may have other rules).
// A node without an alert loop (404) has no marks.
export async function loadThresholds() {
  const r = await get('/api/alerts/rules');
  const next = {};
  if (r.status === 200 && r.doc.thresholds) {
    for (const [bar, t] of Object.entries(r.doc.thresholds)) next[bar] = { warn: mark(t.warning), crit: mark(t.critical) };
  }
  current = next;
  return r;
}

// The marks of one bar: supply_cap, daily_mint, daily_net_inflow, nav_age_s.
export function thresholds(bar) {
  return current[bar] || NONE;
}

// Is value past the mark (its rule would fire)?
export function past(value, m) {
  if (!m || value === null || value === undefined) return false;
  return m.op === '>=' ? value >= m.value : value > m.value;
}

export function level(value, t) {
  if (value === null || value === undefined) return 'none';
  return past(value, t.crit) ? 'crit' : past(value, t.warn) ? 'warn' : 'ok';
}

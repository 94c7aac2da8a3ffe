// checks.js - the runbooks' daily, weekly and monthly checklists
// (GET /api/checks/{period}, docs/operators/checklists.md): every item with
// its status, subject, value, thresholds and the runbook line it comes from.

import { get } from './api.js';
import { h } from './dom.js';

export const PERIODS = ['daily', 'weekly', 'monthly'];
const LEVEL = { pass: 'ok', warn: 'warn', fail: 'crit', 'n/a': 'none' };

export async function loadChecks(period) {
  const p = PERIODS.includes(period) ? period : 'daily';
  const r = await get('/api/checks/' + p);
  return r.status === 200 ? { checks: r.doc, period: p } : { error: r };
}

export function badge(status) {
  return h('span', { class: 'badge ' + (LEVEL[status] || 'none'), 'data-status': status }, status);
}

export function countsText(c) {
  return c.pass + ' pass, ' + c.warn + ' warn, ' + c.fail + ' fail, ' + c['n/a'] + ' n/a';
}

export function itemRow(it, i) {
  return h('tr', { 'data-key': 'c-' + i + '-' + it.item + '-' + (it.subject || ''), 'data-check': it.status },
    h('td', null, badge(it.status)), h('td', null, it.title), h('td', null, it.subject || '—'),
    h('td', null, it.value === null || it.value === undefined ? '—' : String(it.value)),
    h('td', null, it.threshold || '—'), h('td', { class: 'muted' }, it.detail ? it.detail + ' · ' : '', it.runbook || ''));
}

export function viewChecks(d) {
  const c = d.checks;
  return h('div', { 'data-key': 'checks' },
    h('h1', null, 'Checklists'),
    h('nav', { class: 'tabs', 'aria-label': 'Period' }, PERIODS.map((p) =>
      h('a', { href: '#/checks/' + p, 'aria-current': p === d.period ? 'page' : null }, p))),
    h('p', { id: 'checks-summary' }, c.period + ' checklist: ', badge(c.status), ' (' + countsText(c.counts) + ')'),
    h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ['Status', 'Check', 'Subject', 'Value', 'Threshold', 'Runbook'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, c.items.map(itemRow)))));
}

// history.js - the journal's commands, filtered by op and operator (the
// page's refresh follows them), and the live events feed (live.js: new
// events on top within seconds, filtered by type and asset, Pause/Resume).

import { get, query } from './api.js';
import { h } from './dom.js';
import { ledgerNow, when } from './fmt.js';
import { createFeed } from './live.js';

const feed = createFeed({ id: 'live-feed', first: 15, title: 'Live events' });

export async function loadHistory(filters) {
  const hi = await get('/api/history' + query({ limit: 30, op: filters.op, operator: filters.operator }));
  if (hi.status !== 200) return { error: hi };
  return { history: hi.doc.history };
}

export function viewHistory(d, filters, setFilters) {
  const nowMs = ledgerNow();
  const op = h('input', { id: 'filter-op', type: 'text', value: filters.op || '', placeholder: 'pause, mint…', autocomplete: 'off' });
  const who = h('input', { id: 'filter-operator', type: 'text', value: filters.operator || '', placeholder: 'alice', autocomplete: 'off' });
  setTimeout(feed.ensure, 0); // once the feed's element is on the page
  return h('div', { 'data-key': 'history' },
    h('h1', null, 'History'),
    feed.view(),
    h('h2', null, 'Commands'),
    h('form', { class: 'filters', on: { submit: (ev) => {
      ev.preventDefault(); // the inputs on the page: a refresh keeps those, not the ones built here
      setFilters({ op: document.getElementById('filter-op').value.trim(), operator: document.getElementById('filter-operator').value.trim() });
    } } },
    h('label', { for: 'filter-op' }, 'Op'), op, h('label', { for: 'filter-operator' }, 'Operator'), who,
    h('button', { type: 'submit' }, 'Filter')),
    h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ['Seq', 'Time', 'Operator', 'Op', 'Arguments', 'Result'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, d.history.map((r) => h('tr', { 'data-key': 'h-' + r.seq },
        h('td', null, String(r.seq)), h('td', null, when(r.time, nowMs)), h('td', null, r.operator), h('td', null, h('strong', null, r.op)),
        h('td', null, h('code', null, JSON.stringify(r.args || {}))),
        h('td', { class: r.result === 'ok' ? 'ok' : r.result === 'pending' ? 'warn' : 'crit' },
          r.result + (r.proposal ? ' (proposal #' + r.proposal + ')' : ''))))))));
}

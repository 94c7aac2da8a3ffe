// history.js - the journal's commands, filtered by op and operator, and
// the latest events (the page polls, so both follow the ledger live).

import { get, query } from './api.js';
import { h } from './dom.js';
import { ledgerNow, when } from './fmt.js';

export async function loadHistory(filters) {
  const [hi, ev] = await Promise.all([get('/api/history' + query({ limit: 30, op: filters.op, operator: filters.operator })),
    get('/api/events/recent' + query({ limit: 15 }))]);
  if (hi.status !== 200) return { error: hi };
  return { history: hi.doc.history, events: ev.status === 200 ? ev.doc.events : [] };
}

export function viewHistory(d, filters, setFilters) {
  const nowMs = ledgerNow();
  const op = h('input', { id: 'filter-op', type: 'text', value: filters.op || '', placeholder: 'pause, mint…', autocomplete: 'off' });
  const who = h('input', { id: 'filter-operator', type: 'text', value: filters.operator || '', placeholder: 'alice', autocomplete: 'off' });
  return h('div', { 'data-key': 'history' },
    h('h1', null, 'History'),
    h('form', { class: 'filters', on: { submit: (ev) => { ev.preventDefault(); setFilters({ op: op.value.trim(), operator: who.value.trim() }); } } },
      h('label', { for: 'filter-op' }, 'Op'), op, h('label', { for: 'filter-operator' }, 'Operator'), who,
      h('button', { type: 'submit' }, 'Filter')),
    h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ['Seq', 'Time', 'Operator', 'Op', 'Arguments', 'Result'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, d.history.map((r) => h('tr', { 'data-key': 'h-' + r.seq },
        h('td', null, String(r.seq)), h('td', null, when(r.time, nowMs)), h('td', null, r.operator), h('td', null, h('strong', null, r.op)),
        h('td', null, h('code', null, JSON.stringify(r.args || {}))),
        h('td', { class: r.result === 'ok' ? 'ok' : r.result === 'pending' ? 'warn' : 'crit' },
          r.result + (r.proposal ? ' (proposal #' + r.proposal + ')' : ''))))))),
    h('h2', null, 'Latest events'),
    h('ul', { class: 'list events' }, d.events.map((e) => h('li', { 'data-key': 'e-' + e.block + '-' + e.seq + '-' + e.type },
      h('strong', null, e.type), e.asset ? ' ' + e.asset : '', ' by ' + e.operator + ' · ' + when(e.time, nowMs)))));
}

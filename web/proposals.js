// proposals.js - proposals waiting for approvals and the timelock queue,
// with Approve, Cancel and Execute (each through its dry run).

import { get } from './api.js';
import { openAction } from './action.js';
import { h } from './dom.js';
import { ledgerNow, when } from './fmt.js';

export async function loadProposals() {
  const [pr, tl] = await Promise.all([get('/api/proposals'), get('/api/timelock')]);
  for (const r of [pr, tl]) if (r.status !== 200) return { error: r };
  return { proposals: pr.doc.proposals, timelock: tl.doc.timelock };
}

function args(a) {
  return Object.entries(a || {}).map(([k, v]) => k + '=' + (typeof v === 'string' ? v : JSON.stringify(v))).join(' ');
}

export function viewProposals(d, refresh) {
  const nowMs = ledgerNow();
  const pending = d.proposals.filter((p) => p.status === 'pending');
  const rows = pending.map((p) => h('tr', { 'data-key': 'p-' + p.id, 'data-proposal': p.id },
    h('td', null, '#' + p.id), h('td', null, h('strong', null, p.op)), h('td', null, h('code', null, args(p.args))),
    h('td', null, p.proposer), h('td', { 'data-approvals': p.id }, p.approvals.length + ' of ' + p.approvals_needed + ' (' + p.approvals.join(', ') + ')'),
    h('td', null, when(p.expires_at, nowMs)),
    h('td', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', 'data-approve': p.id, on: { click: () => openAction({
        title: 'Approve proposal #' + p.id, op: 'approve', fixed: { id: p.id },
        note: p.op + ' ' + args(p.args) + ', proposed by ' + p.proposer + '. It runs at its last approval.', onDone: refresh,
      }) } }, 'Approve'),
      h('button', { type: 'button', 'data-cancel': p.id, on: { click: () => openAction({
        title: 'Cancel proposal #' + p.id, op: 'cancel', fixed: { id: p.id }, note: p.op + ' ' + args(p.args), onDone: refresh,
      }) } }, 'Cancel'))));
  const entries = d.timelock.map((e) => {
    const due = Date.parse(e.eta) <= nowMs;
    return h('tr', { 'data-key': 't-' + e.id, 'data-entry': e.id },
      h('td', null, '#' + e.id), h('td', null, h('strong', null, e.op)), h('td', null, h('code', null, args(e.args))),
      h('td', null, when(e.eta, nowMs)), h('td', null, due ? h('span', { class: 'badge warn' }, 'due') : 'waiting'),
      h('td', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', 'data-execute': e.id, on: { click: () => openAction({
          title: 'Execute timelock entry #' + e.id, op: 'timelock.execute', fixed: { id: e.id }, onDone: refresh,
        }) } }, 'Execute'),
        h('button', { type: 'button', on: { click: () => openAction({
          title: 'Cancel timelock entry #' + e.id, op: 'timelock.cancel', fixed: { id: e.id }, onDone: refresh,
        }) } }, 'Cancel'),
        due ? null : h('button', { type: 'button', 'data-expedite': e.id, on: { click: () => openAction({
          title: 'Expedite timelock entry #' + e.id, op: 'timelock.expedite', fixed: { id: e.id }, onDone: refresh,
          note: 'Runs it before its eta during an open P0 or P1 incident, once enough admins agree (docs/operators/incidents.md).',
        }) } }, 'Expedite')));
  });
  return h('div', { 'data-key': 'proposals' },
    h('h1', null, 'Proposals'),
    pending.length ? h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ['Id', 'Op', 'Arguments', 'Proposer', 'Approvals', 'Expires', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows))) : h('p', { class: 'muted', id: 'no-proposals' }, 'No proposal waits for an approval.'),
    h('h2', null, 'Timelock'),
    entries.length ? h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ['Id', 'Op', 'Arguments', 'Runs from', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, entries))) : h('p', { class: 'muted' }, 'The timelock is empty.'));
}

// payouts.js - payouts and snapshots (SPEC 6 "payouts";
// docs/operators/payouts.md): the runbook's snapshot, funding check, tax
// forms, preflight and two-operator distribution.
//
// #/payouts lists the payouts and the snapshots (GET /api/payouts) with
// Snapshot and Create payout. #/payout/ID[?offset=N&limit=M] is one payout
// (GET /api/payouts/ID, legs paged as the API pages them): funded and
// available, tax forms missing, the preflight (what payout.distribute
// would answer now, every check, nothing changed) and Distribute, whose
// dry run shows the proposal it would become (two approvals by default);
// the second operator approves it from Proposals.

import { get, query } from './api.js';
import { openAction } from './action.js';
import { h } from './dom.js';
import { amount, count, ledgerNow, ledgerSeen, when } from './fmt.js';

const LEGS_PAGE = 100; // the API's default page

export async function loadPayouts() {
  const [st, p] = await Promise.all([get('/api/system/status'), get('/api/payouts')]);
  if (p.status !== 200) return { error: p };
  if (st.status !== 200) return { error: st };
  return { status: st.doc, payouts: p.doc };
}

function statusBadge(p) {
  return p.status === 'distributed' ? h('span', { class: 'badge ok', 'data-status': p.id }, 'distributed') :
    h('span', { class: 'badge warn', 'data-status': p.id }, p.status);
}

function createForm(d, refresh, snapshot) {
  const snaps = d.payouts.snapshots.map((s) => [String(s.id), '#' + s.id + ' ' + s.asset + ' at block ' + count(s.block) +
    ' (' + count(s.holders) + ' holders)']);
  const pays = d.status.assets.map((a) => a.symbol);
  return () => openAction({ title: 'Create payout', op: 'payout.create', onDone: refresh,
    note: 'Full mode: the distributor must hold the whole total. Pro-rata: it pays what the distributor holds, split the same way.',
    fields: [
      { name: 'snapshot', label: 'Snapshot', required: true, options: [['', '(choose)']].concat(snaps), value: snapshot ? String(snapshot) : '' },
      { name: 'pay', label: 'Pay asset', required: true, options: [['', '(choose)']].concat(pays) },
      { name: 'total', label: 'Total (in the pay asset\'s units)', required: true, placeholder: '1000.00' },
      { name: 'from', label: 'From (the distributor\'s address)', required: true, placeholder: '0x…' },
      { name: 'mode', label: 'Mode', required: true, options: ['full', 'pro-rata'] }] });
}

export function viewPayouts(d, refresh) {
  ledgerSeen(d.status.node.now || d.status.node.time);
  const nowMs = ledgerNow();
  const P = d.payouts;
  const snapshot = () => openAction({ title: 'Snapshot', op: 'payout.snapshot', onDone: refresh,
    note: 'Freezes the holders\' balances of the asset at this block; a payout is created over it.',
    fields: [{ name: 'asset', label: 'Asset', required: true, options: [['', '(choose)']].concat(d.status.assets.map((a) => a.symbol)) }] });
  const rows = P.payouts.slice().reverse().map((p) => h('tr', { 'data-key': 'p-' + p.id, 'data-payout': p.id },
    h('td', null, h('a', { href: '#/payout/' + p.id }, 'Payout #' + p.id)), h('td', null, statusBadge(p)),
    h('td', null, p.asset + ' → ' + p.pay), h('td', { 'data-total': p.id }, amount(p.total, p.pay)), h('td', null, p.mode),
    h('td', null, h('code', null, p.from)), h('td', null, count(p.recipients)), h('td', null, 'snapshot #' + p.snapshot),
    h('td', null, p.status === 'distributed' ? 'paid ' + amount(p.paid, p.pay) + ' in ' + count(p.legs_paid) + ' legs, ' +
      when(p.distributed_at, nowMs) : 'created ' + when(p.created_at, nowMs))));
  const snaps = P.snapshots.slice().reverse().map((s) => h('tr', { 'data-key': 's-' + s.id, 'data-snapshot': s.id },
    h('td', null, '#' + s.id), h('td', null, s.asset), h('td', null, count(s.block)), h('td', null, when(s.time, nowMs)),
    h('td', { 'data-holders': s.id }, count(s.holders)), h('td', { 'data-snapshot-total': s.id }, amount(s.total, s.asset)),
    h('td', { class: 'actions' }, h('button', { type: 'button', 'data-create': s.id, on: { click: createForm(d, refresh, s.id) } }, 'Create payout'))));
  return h('div', { class: 'payouts', 'data-key': 'payouts' },
    h('h1', null, 'Payouts'),
    h('p', { class: 'muted', id: 'payouts-summary' }, count(P.pending) + ' pending distribution · ' + count(P.payouts.length) + ' payouts · ' +
      count(P.snapshots.length) + ' snapshots'),
    h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'btn-snapshot', on: { click: snapshot } }, 'Snapshot'),
      h('button', { type: 'button', id: 'btn-payout-create', class: 'primary', on: { click: createForm(d, refresh) } }, 'Create payout')),
    rows.length ? h('div', { class: 'scroll' }, h('table', { id: 'payouts' },
      h('thead', null, h('tr', null, ['Payout', 'Status', 'Asset → pay', 'Total', 'Mode', 'From', 'Recipients', 'Over', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows))) : h('p', { class: 'muted' }, 'No payout yet.'),
    h('h2', null, 'Snapshots'),
    snaps.length ? h('div', { class: 'scroll' }, h('table', { id: 'snapshots' },
      h('thead', null, h('tr', null, ['Snapshot', 'Asset', 'Block', 'Taken', 'Holders', 'Total', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, snaps))) : h('p', { class: 'muted' }, 'No snapshot yet: Snapshot freezes the holders of an asset.'));
}

// ---- #/payout/ID --------------------------------------------------------------

// "3" or "3?offset=100&limit=50" (the route's argument).
function parseArg(arg) {
  const [id, qs] = String(arg || '').split('?');
  const p = new URLSearchParams(qs || '');
  const num = (k, dflt) => (/^\d+$/.test(p.get(k) || '') ? Number(p.get(k)) : dflt);
  return { id, offset: num('offset', 0), limit: num('limit', LEGS_PAGE) };
}

export async function loadPayout(arg) {
  const a = parseArg(arg);
  const [st, p] = await Promise.all([get('/api/system/status'),
    get('/api/payouts/' + encodeURIComponent(a.id) + query({ offset: a.offset || '', limit: a.limit === LEGS_PAGE ? '' : a.limit }))]);
  if (p.status !== 200) return { error: p };
  if (st.status !== 200) return { error: st };
  return { status: st.doc, payout: p.doc, page: a };
}

function fig(key, label, value, cls) {
  return h('div', { class: 'fig ' + (cls || ''), 'data-key': key }, h('dt', null, label), h('dd', { 'data-figure': key }, value));
}

function preflightBlock(p) {
  if (p.status === 'distributed' || !p.preflight) return null;
  const f = p.preflight;
  return h('section', { id: 'preflight', 'aria-labelledby': 'preflight-h' },
    h('h2', { id: 'preflight-h' }, 'Preflight'),
    f.ok ? h('div', { class: 'outcome passed' }, h('p', null, h('strong', null, 'Distribute would pass now'),
      ': every check passes; it would pay ' + amount(p.amount, p.pay) + ' in ' + count(p.legs_total) + ' legs. Nothing is changed by this check.')) :
      h('div', { class: 'outcome refused' }, h('p', null, 'Distribute would be refused now: ',
        h('strong', { class: 'code' }, f.error.code), ' ', f.error.message)));
}

function pager(p, page) {
  const first = p.legs.length ? p.offset + 1 : 0;
  const last = p.offset + p.legs.length;
  const href = (offset) => '#/payout/' + p.id + (offset || page.limit !== LEGS_PAGE ?
    '?' + [offset ? 'offset=' + offset : '', page.limit !== LEGS_PAGE ? 'limit=' + page.limit : ''].filter(Boolean).join('&') : '');
  const prev = p.offset > 0 ? Math.max(0, p.offset - page.limit) : null;
  return h('nav', { class: 'filters', 'aria-label': 'Legs pages', id: 'legs-pager' },
    h('span', { id: 'legs-range' }, 'Legs ' + count(first) + '–' + count(last) + ' of ' + count(p.legs_total)),
    prev === null ? null : h('a', { href: href(prev), id: 'legs-prev' }, 'Previous page'),
    p.next_offset === null || p.next_offset === undefined ? null : h('a', { href: href(p.next_offset), id: 'legs-next' }, 'Next page'));
}

export function viewPayout(d, refresh) {
  ledgerSeen(d.status.node.now || d.status.node.time);
  const nowMs = ledgerNow();
  const p = d.payout;
  const open = p.status !== 'distributed';
  const s = p.snapshot_info;
  const distribute = () => openAction({ title: 'Distribute payout #' + p.id, op: 'payout.distribute', fixed: { id: p.id }, onDone: refresh,
    note: 'Pays ' + amount(p.amount, p.pay) + ' from ' + p.from + ' to the snapshot\'s holders. Under the default policy it becomes a ' +
      'proposal: a second operator approves it from Proposals, and it runs at the last approval.' });
  const figs = [fig('status', 'Status', statusBadge(p)), fig('total', 'Total', amount(p.total, p.pay)),
    fig('mode', 'Mode', p.mode), fig('recipients', 'Recipients', count(p.recipients))];
  if (open) {
    figs.push(fig('amount', 'Would pay now', amount(p.amount, p.pay)));
    figs.push(fig('available', 'Distributor holds (unfrozen)', amount(p.available, p.pay), p.funded ? '' : 'crit'));
    figs.push(fig('funded', 'Funded', p.funded ? 'yes' : 'no', p.funded ? '' : 'crit'));
    figs.push(fig('tax_forms_missing', 'Tax forms missing', count(p.tax_forms_missing), p.tax_forms_missing ? 'crit' : ''));
  } else {
    figs.push(fig('paid', 'Paid', amount(p.paid, p.pay)));
    figs.push(fig('legs_paid', 'Legs paid', count(p.legs_paid)));
    figs.push(fig('distributed', 'Distributed at block ' + count(p.distributed_block), when(p.distributed_at, nowMs)));
  }
  const legs = p.legs.map((l) => h('tr', { 'data-key': 'l-' + l.address, 'data-leg': l.address },
    h('td', null, h('a', { href: '#/identities/' + encodeURIComponent(l.address) }, h('code', null, l.address))),
    h('td', null, amount(l.snapshot_balance, p.asset)), h('td', { 'data-leg-amount': l.address }, amount(l.amount, p.pay)),
    open ? h('td', { 'data-tax-form': l.address }, l.tax_form ? h('span', { class: 'badge ok' }, 'valid') :
      h('span', { class: 'badge crit' }, 'missing')) : null));
  return h('div', { class: 'payout', 'data-key': 'payout-' + p.id },
    h('h1', null, 'Payout #' + p.id, ' ', h('span', { class: 'muted' }, p.asset + ' → ' + p.pay)),
    h('p', { class: 'muted' }, 'From ', h('code', null, p.from), ' · over snapshot #' + s.id + ' of ' + s.asset + ' at block ' +
      count(s.block) + ' (' + count(s.holders) + ' holders, ' + amount(s.total, s.asset) + '; the distributor held ' +
      amount(p.distributor_snapshot_balance, s.asset) + ') · created ' + when(p.created_at, nowMs) + ' · ', h('a', { href: '#/payouts' }, 'all payouts')),
    h('dl', { class: 'figs', id: 'payout-figs' }, figs),
    open ? h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'btn-distribute', class: 'primary', on: { click: distribute } }, 'Distribute')) : null,
    preflightBlock(p),
    h('h2', null, open ? 'Legs (what a distribution would pay now)' : 'Legs (as paid)'),
    pager(p, d.page),
    p.legs.length ? h('div', { class: 'scroll' }, h('table', { id: 'legs' },
      h('thead', null, h('tr', null, ['Address', 'Snapshot balance', 'Amount'].concat(open ? ['Tax form'] : []).map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, legs))) : h('p', { class: 'muted' }, 'No leg on this page.'));
}

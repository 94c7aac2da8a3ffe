// bridge.js - the bridge of seed 001 (SPEC 6, docs/operators/bridge.md):
// per route its limits, escrow, 24h success rate, settlement p50/p95 and
// the buffer rule (required, actual, ok; minimum, projected); the
// transfers filtered by status and chain, each with the step the refund
// procedure allows next (Confirm, Request refund, Execute refund); the
// route ops (Send, Receive, Set, Enable, Disable). Every op goes through
// openAction's dry run, so a refusal (ERR_TIMEOUT_NOT_REACHED,
// ERR_SAME_SIGNER, ERR_ALREADY_REFUNDED, …) shows its code and message.

import { get, query } from './api.js';
import { openAction } from './action.js';
import { h } from './dom.js';
import { age, amount, count, ledgerNow, ledgerSeen, pct, when } from './fmt.js';
import { fig, refusalSlot, successLevel } from './vaults.js';

const STATUSES = ['initiated', 'refund_requested', 'settled', 'refunded'];
const filters = { status: '', chain: '' };

export async function loadBridge() {
  const [rt, tr, st] = await Promise.all([get('/api/bridge/routes'),
    get('/api/bridge/transfers' + query({ status: filters.status, chain: filters.chain })), get('/api/system/status')]);
  if (rt.status !== 200) return { error: rt };
  if (st.status === 200) ledgerSeen(st.doc.node.time); // ages against the ledger's clock
  return { routes: rt.doc.routes, transfers: tr.status === 200 ? tr.doc.transfers : [], filterError: tr.status === 200 ? null : tr };
}

function act(title, op, fixed, fields, note, refresh) {
  return () => openAction({ title, op, fixed, fields, note, onDone: refresh });
}

// Seconds as the duration a command takes: 7200 -> "2h".
function dur(s) {
  for (const [unit, n] of [['d', 86400], ['h', 3600], ['m', 60]]) if (s % n === 0) return s / n + unit;
  return s + 's';
}

const addressField = (name, label) => ({ name, label, required: true, placeholder: '0x…' });

function routeCard(r, refresh) {
  const b = r.buffer;
  const fixed = { asset: r.asset, chain: r.chain };
  const name = r.asset + ' → chain ' + r.chain;
  return h('article', { class: 'card', 'data-key': 'route-' + r.chain + '-' + r.asset, 'data-route': r.chain + '-' + r.asset },
    h('header', null, h('h3', null, name),
      h('span', { class: 'muted' }, 'min ' + amount(r.min) + ' · max ' + (r.max === '0' ? 'none' : amount(r.max)) + ' · timeout ' + age(r.timeout_s)),
      r.enabled ? h('span', { class: 'badge ok', 'data-enabled': r.chain }, 'enabled') : h('span', { class: 'badge crit', 'data-enabled': r.chain }, 'DISABLED')),
    h('dl', { class: 'figs' },
      fig('escrow', 'Escrow in flight', amount(r.escrow, r.asset)),
      fig('success', '24h success', pct(r.success_rate_24h) + ' (' + count(r.settled_24h) + ' settled, ' + count(r.refunded_24h) + ' refunded)',
        successLevel(r.success_rate_24h)),
      fig('p95', 'Settlement p50 / p95', r.settlement_samples ? age(r.settlement_p50_s) + ' / ' + age(r.settlement_p95_s) : 'not measured yet',
        r.settlement_p95_s > 3600 ? 'warn' : ''),
      fig('sent', 'Sent / settled / refunded', count(r.sent) + ' / ' + count(r.settled) + ' / ' + count(r.refunded)),
      fig('received', 'Received', count(r.received) + ' (' + amount(r.received_total, r.asset) + ')'),
      fig('peak', 'Peak hourly outflow', amount(r.peak_hourly_outflow, r.asset))),
    h('h4', null, 'Buffer ', h('code', null, r.buffer_account)),
    h('dl', { class: 'figs' },
      fig('buffer_required', 'Required', amount(b.required, r.asset)),
      fig('buffer_actual', 'Actual', amount(b.actual, r.asset)),
      fig('buffer_ok', 'Rule', b.ok ? 'ok' : 'SHORT', b.ok ? 'ok' : 'warn'),
      fig('buffer_projected', 'Projected (less escrow)', amount(b.projected, r.asset)),
      fig('buffer_minimum', 'Minimum', amount(b.minimum, r.asset)),
      fig('buffer_projected_ok', 'Projection', b.projected_ok ? 'ok' : 'BREAKS WITHIN ONE SETTLEMENT WINDOW', b.projected_ok ? 'ok' : 'crit')),
    h('p', { class: 'muted', 'data-figure': 'buffer_rule' }, 'required = peak hourly outflow ' + amount(r.peak_hourly_outflow) +
      ' × latency ' + age(b.latency_s) + ' × safety ' + r.safety_factor + ' (rounded up); minimum without the safety factor.'),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', 'data-send': r.chain, on: { click: act('Send ' + name, 'bridge.send', fixed,
        [addressField('from', 'From (address)'), addressField('to', 'To (address on chain ' + r.chain + ')'),
          { name: 'amount', label: 'Amount (' + r.asset + ', ' + r.min + ' to ' + (r.max === '0' ? 'any' : r.max) + ')', required: true }],
        'Locks the amount in the bridge escrow until it is confirmed or refunded.', refresh) } }, 'Send'),
      h('button', { type: 'button', 'data-receive': r.chain, on: { click: act('Receive ' + r.asset + ' from chain ' + r.chain, 'bridge.receive', fixed,
        [{ name: 'tx', label: 'Source transaction hash', required: true, placeholder: '0x… (64 hex digits)' }, addressField('to', 'To (address)'),
          { name: 'amount', label: 'Amount (' + r.asset + ')', required: true }],
        'Mints an inbound transfer, once per (chain, tx).', refresh) } }, 'Receive'),
      r.enabled ? h('button', { type: 'button', class: 'danger', 'data-disable': r.chain, on: { click: act('Disable route ' + name, 'bridge.route.disable', fixed, [],
        'Stops sends and receives on this route at once, like a pause. Enabling it again is timelocked.', refresh) } }, 'Disable route') :
        h('button', { type: 'button', 'data-enable': r.chain, on: { click: act('Enable route ' + name, 'bridge.route.enable', fixed, [],
          'Timelocked (24 h) by default: it waits in Proposals → Timelock.', refresh) } }, 'Enable route'),
      h('button', { type: 'button', 'data-route-set': r.chain, on: { click: act('Set route ' + name, 'bridge.route.set', fixed, [
        { name: 'min', label: 'Min', required: true, value: r.min },
        { name: 'max', label: 'Max ("0": none)', required: true, value: r.max },
        { name: 'timeout', label: 'Refund timeout', required: true, value: dur(r.timeout_s), hint: 'A duration: 90s, 15m, 2h, 1d' },
        { name: 'latency', label: 'Latency (until settlements are measured)', placeholder: dur(r.latency_s) },
        { name: 'safety_factor', label: 'Safety factor', required: true, value: r.safety_factor },
        { name: 'buffer_account', label: 'Buffer account', required: true, value: r.buffer_account }],
      'Timelocked (24 h) by default.', refresh) } }, 'Set route')));
}

function transferActions(x, route, refresh) {
  const id = x.id;
  const confirm = h('button', { type: 'button', 'data-confirm': id, on: { click: act('Confirm bridge transfer #' + id, 'bridge.confirm', { id },
    [{ name: 'tx', label: 'Destination transaction hash', required: true, placeholder: '0x… (64 hex digits)' }],
    'The destination chain released the funds: the escrow is burned. A confirm after a refund request still settles it and voids the request.', refresh) } }, 'Confirm');
  if (x.status === 'initiated') {
    return [confirm, h('button', { type: 'button', 'data-refund': id, on: { click: act('Request the refund of transfer #' + id, 'bridge.refund', { id }, [],
      'Only once the route\'s timeout' + (route ? ' (' + age(route.timeout_s) + ')' : '') + ' has passed (before: ERR_TIMEOUT_NOT_REACHED). ' +
      'A refund signer who is not you then executes it.', refresh) } }, 'Request refund')];
  }
  if (x.status === 'refund_requested') {
    return [confirm, h('button', { type: 'button', class: 'primary', 'data-refund-execute': id, on: { click: act('Execute the refund of transfer #' + id,
      'bridge.refund_execute', { id }, [],
      'A refund signer who is not the requester (' + x.requested_by + ') executes it; the requester gets ERR_SAME_SIGNER. The escrow goes back to the sender.',
      refresh) } }, 'Execute refund')];
  }
  return [];
}

function transferRow(x, routes, refresh) {
  const nowMs = ledgerNow();
  const route = routes.find((r) => r.chain === x.chain && r.asset === x.asset);
  const badge = { initiated: 'warn', refund_requested: 'warn', settled: 'ok', refunded: 'none' }[x.status] || 'none';
  const refundFrom = route && x.status === 'initiated' ? new Date(Date.parse(x.created_at) + route.timeout_s * 1000).toISOString() : null;
  return h('tr', { 'data-key': 'bt-' + x.id, 'data-transfer': x.id },
    h('td', null, '#' + x.id),
    h('td', { 'data-status': x.id }, h('span', { class: 'badge ' + badge }, x.status)),
    h('td', null, amount(x.amount, x.asset), ' → chain ' + x.chain),
    h('td', null, h('code', null, x.from), ' → ', h('code', null, x.to)),
    h('td', null, when(x.created_at, nowMs), refundFrom ? h('div', { class: 'muted' }, 'refundable from ' + when(refundFrom, nowMs)) : null),
    h('td', null, x.refund_requested_at ? 'refund requested by ' + x.requested_by + ' ' + when(x.refund_requested_at, nowMs) : '',
      x.finished_at ? h('div', null, x.status + ' by ' + x.finished_by + ' ' + when(x.finished_at, nowMs)) : null,
      x.tx ? h('div', null, 'tx ', h('code', null, x.tx)) : null),
    h('td', { class: 'actions' }, transferActions(x, route, refresh)));
}

function filterForm(refresh) {
  const status = h('select', { id: 'bridge-filter-status', name: 'status' }, h('option', { value: '' }, 'every status'),
    STATUSES.map((s) => h('option', { value: s, selected: filters.status === s }, s)));
  const chain = h('input', { id: 'bridge-filter-chain', name: 'chain', type: 'text', value: filters.chain, placeholder: '138', autocomplete: 'off' });
  return h('form', { class: 'filters', 'data-key': 'bridge-filters', on: { submit: (ev) => {
    ev.preventDefault();
    const el = ev.target.elements; // the live inputs (a refresh keeps the old nodes)
    filters.status = el.namedItem('status').value;
    filters.chain = el.namedItem('chain').value.trim();
    refresh();
  } } }, h('label', { for: 'bridge-filter-status' }, 'Status'), status, h('label', { for: 'bridge-filter-chain' }, 'Chain'), chain,
  h('button', { type: 'submit' }, 'Filter'));
}

export function viewBridge(d, refresh) {
  return h('div', { 'data-key': 'bridge', class: 'bridge' },
    h('h1', null, 'Bridge'),
    h('p', { class: 'muted' }, 'A refund is requested by a bridge operator once the route\'s timeout has passed and executed by a refund signer who is not the requester (docs/operators/bridge.md).'),
    d.routes.length ? h('div', { class: 'stack' }, d.routes.map((r) => routeCard(r, refresh))) : h('p', { class: 'muted' }, 'This ledger has no bridge route.'),
    h('h2', null, 'Transfers'),
    filterForm(refresh),
    refusalSlot('bridge-filter-error', d.filterError),
    d.transfers.length ? h('div', { class: 'scroll', id: 'transfers' }, h('table', null,
      h('thead', null, h('tr', null, ['Id', 'Status', 'Amount', 'From → to', 'Created', 'Refund / finished', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, d.transfers.map((x) => transferRow(x, d.routes, refresh))))) :
      h('p', { class: 'muted', id: 'transfers' }, 'No transfer matches.'));
}

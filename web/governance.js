// governance.js - governance administration (#/governance): the operators
// (roles, per-asset roles, key age, the controller) with Add operator,
// Grant role, Revoke role, Rotate key, Remove, the controller handover
// (Propose controller, Accept controller), and the approval policies with
// Set policy. Most of these are timelocked or need approvals under the
// default policies: each form's dry run says so (the timelock entry or the
// proposal it would become) before Submit. The governance commands waiting
// in the timelock or for approvals are listed here too; Proposals acts on them.

import { get } from './api.js';
import { openAction } from './action.js';
import { h } from './dom.js';
import { age, ledgerNow, utc, when } from './fmt.js';

// The role names (src/engine/role.h), for the forms' hints.
const ROLES = 'admin, minter, burner, transfer_agent, pauser, oracle_updater, oracle_manager, reserve_reporter, ' +
  'compliance, agent, treasury_manager, payout_manager, liquidator, bridge_operator, refund_signer, ' +
  'incident_manager, viewer, auditor';
const GOVERNANCE_OPS = new Set(['role.grant', 'role.revoke', 'policy.set', 'operator.add', 'operator.remove',
  'operator.rotate_key', 'controller.propose', 'controller.accept', 'caps.set']);
// A key is rotated every 90 days (docs/operators/rotation.md).
const KEY_ROTATE_S = 90 * 86400;

export async function loadGovernance() {
  const [op, po, cs] = await Promise.all([get('/api/operators'), get('/api/policies'), get('/api/contracts/status')]);
  for (const r of [op, po, cs]) if (r.status !== 200) return { error: r };
  return { operators: op.doc.operators, policies: po.doc.policies, contracts: cs.doc };
}

function args(a) {
  return Object.entries(a || {}).map(([k, v]) => k + '=' + (typeof v === 'string' ? v : JSON.stringify(v))).join(' ');
}

const PUBKEY = { name: 'pubkey', label: 'Public key (64 hex digits: mintline key show NAME)', required: true, placeholder: 'a88d3e…' };

function roleForm(verb, op, name, refresh) {
  const fields = [{ name: 'role', label: 'Role', required: true, placeholder: 'minter', hint: ROLES },
    { name: 'asset', label: 'Asset (empty: every asset)', placeholder: 'USDW' }];
  return () => openAction({ title: verb + (name ? ' (' + name + ')' : ''), op, onDone: refresh,
    fixed: name ? { name } : {}, fields: name ? fields : [{ name: 'name', label: 'Operator', required: true, placeholder: 'bob' }, ...fields],
    note: verb === 'Grant role' ? 'Timelocked (24h) under the default policy; only the controller grants admin.' :
      'Timelocked (24h) under the default policy; only the controller revokes admin.' });
}

function operatorRow(o, c, refresh) {
  const n = o.name;
  const assetRoles = Object.entries(o.asset_roles || {}).flatMap(([sym, rs]) => rs.map((r) => r + '@' + sym));
  const old = o.key_age_s >= KEY_ROTATE_S;
  return h('tr', { 'data-key': 'op-' + n, 'data-operator': n },
    h('td', null, h('strong', null, n), o.controller ? h('span', { class: 'badge ok' }, 'controller') : null,
      c.controller_pending === n ? h('span', { class: 'badge warn' }, 'controller pending') : null),
    h('td', { 'data-roles': n }, o.roles.length ? o.roles.join(', ') : '—'),
    h('td', { 'data-asset-roles': n }, assetRoles.length ? assetRoles.join(', ') : '—'),
    h('td', { class: old ? 'warn' : '', 'data-key-age': n, title: 'key made ' + utc(o.key_created_at) + (old ? '; rotate every 90 days' : '') },
      age(o.key_age_s), h('br'), h('span', { class: 'muted' }, 'since ' + (o.key_created_at || '').slice(0, 10))),
    h('td', { class: 'actions' },
      h('button', { type: 'button', 'data-grant': n, on: { click: roleForm('Grant role', 'role.grant', n, refresh) } }, 'Grant role'),
      h('button', { type: 'button', 'data-revoke': n, on: { click: roleForm('Revoke role', 'role.revoke', n, refresh) } }, 'Revoke role'),
      h('button', { type: 'button', 'data-rotate': n, on: { click: () => openAction({ title: 'Rotate key (' + n + ')',
        op: 'operator.rotate_key', fixed: { name: n }, fields: [PUBKEY], onDone: refresh,
        note: 'The operator makes the new key on their own machine (mintline key new NAME); only its public key comes here. ' +
          'Timelocked (24h); from its execution the old key is refused.' }) } }, 'Rotate key'),
      o.controller ? null : h('button', { type: 'button', 'data-remove': n, on: { click: () => openAction({ title: 'Remove operator ' + n,
        op: 'operator.remove', fixed: { name: n }, onDone: refresh,
        note: 'Timelocked (24h); from its execution ' + n + '\'s key stops and their roles go.' }) } }, 'Remove')));
}

function policyRow(p, refresh) {
  const key = p.op + '@' + (p.asset || '');
  return h('tr', { 'data-key': 'pol-' + key, 'data-policy': key },
    h('td', null, h('strong', null, p.op)), h('td', null, p.asset || 'every asset'),
    h('td', { 'data-approvals': key }, String(p.approvals)), h('td', { 'data-timelock': key }, p.timelock),
    h('td', null, p.source === 'set' ? h('span', { class: 'badge warn' }, 'set') : 'default'),
    h('td', { class: 'actions' }, h('button', { type: 'button', 'data-set-policy': key, on: { click: () => openAction({
      title: 'Set policy: ' + p.op + (p.asset ? ' ' + p.asset : ''), op: 'policy.set', onDone: refresh,
      fixed: p.asset ? { target_op: p.op, asset: p.asset } : { target_op: p.op },
      fields: [{ name: 'approvals', label: 'Approvals (1 to 16)', number: true, value: String(p.approvals), required: true },
        { name: 'timelock', label: 'Timelock (a duration: 0s, 90s, 15m, 2h, 1d)', value: p.timelock, required: true }],
      note: 'policy.set is itself governed (24h timelock by default).' }) } }, 'Set policy')));
}

function waitingList(c, nowMs) {
  const items = [];
  for (const p of c.proposals || []) {
    if (p.status === 'pending' && GOVERNANCE_OPS.has(p.op)) {
      items.push(h('li', { 'data-key': 'p-' + p.id }, h('a', { href: '#/proposals' }, 'Proposal #' + p.id), ' ', h('strong', null, p.op), ' ',
        h('code', null, args(p.args)), ' · ' + p.approvals.length + ' of ' + p.approvals_needed + ' approvals'));
    }
  }
  for (const e of c.timelock || []) {
    if (GOVERNANCE_OPS.has(e.op)) {
      items.push(h('li', { 'data-key': 't-' + e.id, 'data-timelock-entry': e.id }, h('a', { href: '#/proposals' }, 'Timelock #' + e.id), ' ',
        h('strong', null, e.op), ' ', h('code', null, args(e.args)), ' · runs from ' + when(e.eta, nowMs)));
    }
  }
  return items.length ? h('ul', { class: 'list', id: 'governance-waiting' }, items) :
    h('p', { class: 'muted', id: 'governance-waiting' }, 'No governance command waits.');
}

export function viewGovernance(d, refresh) {
  const c = d.contracts;
  const nowMs = ledgerNow();
  const ops = d.operators.filter((o) => o.name !== 'system'); // the node's own signer for its automatic commands
  return h('div', { 'data-key': 'governance', class: 'governance' },
    h('h1', null, 'Governance'),
    h('p', { class: 'muted' }, 'Controller: ', h('strong', { id: 'controller' }, c.controller || '—'),
      c.controller_pending ? ' · handover to ' + c.controller_pending + ' waits for their Accept' : ''),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', id: 'btn-operator-add', on: { click: () => openAction({ title: 'Add operator', op: 'operator.add',
        fields: [{ name: 'name', label: 'Name', required: true, placeholder: 'erin' }, PUBKEY], onDone: refresh,
        note: 'Timelocked (24h); the new operator has no role until one is granted.' }) } }, 'Add operator'),
      h('button', { type: 'button', id: 'btn-role-grant', on: { click: roleForm('Grant role', 'role.grant', null, refresh) } }, 'Grant role'),
      h('button', { type: 'button', id: 'btn-role-revoke', on: { click: roleForm('Revoke role', 'role.revoke', null, refresh) } }, 'Revoke role'),
      h('button', { type: 'button', id: 'btn-controller-propose', on: { click: () => openAction({ title: 'Propose controller',
        op: 'controller.propose', fields: [{ name: 'name', label: 'The next controller (an operator)', required: true, placeholder: 'bob' }],
        note: 'By the controller; the named operator then accepts from their own browser (Accept controller).', onDone: refresh }) } },
      'Propose controller'),
      c.controller_pending ? h('button', { type: 'button', id: 'btn-controller-accept', on: { click: () => openAction({
        title: 'Accept controller', op: 'controller.accept', note: 'By ' + c.controller_pending + ', the operator proposed.',
        onDone: refresh }) } }, 'Accept controller') : null),
    h('h2', null, 'Operators'),
    h('div', { class: 'scroll' }, h('table', { id: 'operators' },
      h('thead', null, h('tr', null, ['Operator', 'Roles', 'Roles per asset', 'Key age', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, ops.map((o) => operatorRow(o, c, refresh))))),
    h('h2', null, 'Waiting'),
    waitingList(c, nowMs),
    h('h2', null, 'Policies'),
    h('p', { class: 'muted' }, 'How many approvals each command needs and how long it then waits (docs/operators/approvals.md).'),
    h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'btn-policy-set', on: { click: () => openAction({ title: 'Set policy',
      op: 'policy.set', onDone: refresh, note: 'policy.set is itself governed (24h timelock by default).',
      fields: [{ name: 'target_op', label: 'Op', required: true, placeholder: 'unpause' },
        { name: 'asset', label: 'Asset (empty: every asset)', placeholder: 'USDW' },
        { name: 'approvals', label: 'Approvals (1 to 16; empty: unchanged)', number: true, placeholder: '2' },
        { name: 'timelock', label: 'Timelock (empty: unchanged)', placeholder: '1d' }] }) } }, 'Set policy')),
    h('div', { class: 'scroll' }, h('table', { id: 'policies' },
      h('thead', null, h('tr', null, ['Op', 'Asset', 'Approvals', 'Timelock', 'Source', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, d.policies.map((p) => policyRow(p, refresh))))));
}

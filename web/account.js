// account.js - account lookup: an address's balances per asset (frozen
// amounts, partitions), whether it is blacklisted or frozen, and its
// identity; Freeze and Unfreeze through their dry runs.

import { get } from './api.js';
import { openAction } from './action.js';
import { h } from './dom.js';
import { amount } from './fmt.js';

export async function loadAccount(address) {
  if (!address) return { account: null };
  const r = await get('/api/accounts/' + encodeURIComponent(address));
  return r.status === 200 ? { account: r.doc } : { lookupError: r, address };
}

function lookupForm(value) {
  const input = h('input', { id: 'account-address', type: 'text', value: value || '', placeholder: '0x… (40 hex digits)',
    autocomplete: 'off', spellcheck: 'false' });
  return h('form', { class: 'filters', 'data-key': 'lookup', on: { submit: (ev) => {
    ev.preventDefault();
    // the input on the page (a refresh patches the form in place and keeps it), not the one built here
    location.hash = '#/account/' + encodeURIComponent(ev.currentTarget.querySelector('input').value.trim());
  } } }, h('label', { for: 'account-address' }, 'Address'), input, h('button', { type: 'submit' }, 'Look up'));
}

export function viewAccount(d, refresh) {
  if (!d.account) {
    const e = d.lookupError && d.lookupError.doc.error;
    return h('div', { 'data-key': 'account' }, h('h1', null, 'Accounts'), lookupForm(d.address),
      e ? h('div', { class: 'outcome refused', role: 'alert' }, h('p', null, h('strong', { class: 'code' }, e.code), ' ', e.message)) : null);
  }
  const a = d.account;
  const freeze = (op, title) => () => openAction({ title, op, fixed: { address: a.address }, onDone: refresh,
    fields: [{ name: 'asset', label: 'Asset (empty: every asset)', placeholder: 'USDW' },
      { name: 'amount', label: 'Amount (empty: the whole balance)', placeholder: '100' }] });
  const rows = Object.entries(a.balances || {}).map(([sym, b]) => h('tr', { 'data-key': 'b-' + sym, 'data-balance': sym },
    h('td', null, h('a', { href: '#/asset/' + encodeURIComponent(sym) }, sym)), h('td', null, amount(b.balance)),
    h('td', null, amount(b.frozen)), h('td', null, b.asset_frozen ? 'yes' : 'no'),
    h('td', null, Object.entries(b.partitions || {}).map(([p, v]) => p + ': ' + amount(v)).join(', ') || '—')));
  return h('div', { 'data-key': 'account' },
    h('h1', null, 'Accounts'), lookupForm(a.address),
    h('h2', null, h('code', null, a.address), ' ', a.blacklisted ? h('span', { class: 'badge crit' }, 'blacklisted') : null,
      a.frozen ? h('span', { class: 'badge crit' }, 'frozen') : null),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', id: 'btn-freeze', on: { click: freeze('freeze', 'Freeze ' + a.address) } }, 'Freeze'),
      h('button', { type: 'button', id: 'btn-unfreeze', on: { click: freeze('unfreeze', 'Unfreeze ' + a.address) } }, 'Unfreeze')),
    rows.length ? h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ['Asset', 'Balance', 'Frozen amount', 'Asset frozen', 'Partitions'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows))) : h('p', { class: 'muted' }, 'No balance.'),
    h('h2', null, 'Identity', a.identity ? [' ', h('a', { href: '#/identities/' + encodeURIComponent(a.address), id: 'identity-link' }, 'Identity and claims')] : null),
    a.identity ? h('pre', { class: 'identity' }, JSON.stringify(a.identity, null, 2)) : h('p', { class: 'muted' }, 'No identity registered.'));
}

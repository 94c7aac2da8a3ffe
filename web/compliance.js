// compliance.js - identities and claims, and a security asset's rules
// (SPEC 5; docs/operators/onboarding.md, transfer-restrictions.md).
//
// #/identities[/ADDR]: the ledger's compliance summary (status's
// "compliance" block), each security asset's holders against max_holders,
// and one address's identity with its claims (expiry, valid or expired,
// days left; within 30 days marked), with Register identity, Set claim,
// Revoke claim and Remove identity. #/rules/SYM: the asset's rules (the
// "rules" object of GET /api/assets/SYM, what `asset rules show` prints)
// with Set rules (asset.rules.set, timelocked: its dry run shows the entry).
// Every change goes through openAction's dry run.

import { get } from './api.js';
import { openAction } from './action.js';
import { bar } from './dashboard.js';
import { h } from './dom.js';
import { count, amount, ledgerNow, ledgerSeen, utc } from './fmt.js';

// SPEC 9: the holder count warns at 70 % of max_holders, critical at 90 %.
export const HOLDER_MARKS = { warn: { value: 0.7, op: '>=', rule: '12(g) holder limit' },
  crit: { value: 0.9, op: '>=', rule: '12(g) holder limit' } };
const SOON_DAYS = 30; // status's claims_expiring_30d
const DAY_MS = 86400000;
const INVESTOR_TYPES = ['individual', 'entity', 'institution', 'fund', 'trust']; // docs/API.md, identity.register

export async function loadIdentities(address) {
  const [st, id] = await Promise.all([get('/api/system/status'),
    address ? get('/api/identities/' + encodeURIComponent(address)) : Promise.resolve(null)]);
  if (st.status !== 200) return { error: st };
  return { status: st.doc, assets: st.doc.assets.filter((a) => a.kind === 'security'), address,
    identity: id && id.status === 200 ? id.doc : null, lookup: id && id.status !== 200 ? id : null };
}

// Whole UTC days from the ledger's day to the claim's expiry date (a claim
// is valid until 00:00 UTC of that date).
export function daysLeft(expires, nowMs) {
  const end = Date.parse(expires + 'T00:00:00Z');
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return Number.isNaN(end) ? null : Math.round((end - today) / DAY_MS);
}

function topics(status) {
  return Object.keys((status.compliance && status.compliance.claims_expiring_30d) || {});
}

function topicCounts(obj) {
  const e = Object.entries(obj || {});
  const n = e.reduce((s, [, v]) => s + v, 0);
  return n ? count(n) + ' (' + e.filter(([, v]) => v).map(([k, v]) => k + ' ' + count(v)).join(', ') + ')' : '0';
}

function summary(c) {
  if (!c) return h('p', { class: 'muted' }, 'This ledger keeps no identity.');
  const soon = Object.values(c.claims_expiring_30d || {}).some((v) => v);
  const gone = Object.values(c.claims_expired || {}).some((v) => v);
  const fig = (key, label, value, cls) => h('div', { class: 'fig ' + (cls || ''), 'data-key': key },
    h('dt', null, label), h('dd', { 'data-figure': key }, value));
  return h('section', { class: 'panel wide', id: 'compliance-summary', 'aria-labelledby': 'compliance-summary-h' },
    h('h2', { id: 'compliance-summary-h' }, 'Compliance'),
    h('dl', { class: 'figs' }, fig('identities', 'Identities', count(c.identities)),
      fig('expiring', 'Claims expiring within ' + SOON_DAYS + ' days', topicCounts(c.claims_expiring_30d), soon ? 'warn' : ''),
      fig('expired', 'Claims expired', topicCounts(c.claims_expired), gone ? 'crit' : '')));
}

export function holderBar(a) {
  return bar('holders', 'Holders of ' + a.symbol + ' (max_holders)', String(a.holders),
    a.max_holders === undefined ? null : String(a.max_holders), a.holder_limit_usage, 'holders', HOLDER_MARKS);
}

function assetsPanel(assets) {
  if (!assets.length) return null;
  return h('section', { class: 'panel wide', id: 'security-assets', 'aria-labelledby': 'security-assets-h' },
    h('h2', { id: 'security-assets-h' }, 'Security assets'),
    assets.map((a) => h('div', { 'data-key': 'sec-' + a.symbol, 'data-asset': a.symbol }, holderBar(a),
      h('p', { class: 'muted' }, h('a', { href: '#/rules/' + encodeURIComponent(a.symbol) }, 'Rules of ' + a.symbol),
        ' · required claims ' + (a.rules.required_claims.join(', ') || 'none')))));
}

function lookupForm(value) {
  const input = h('input', { id: 'identity-address', type: 'text', value: value || '', placeholder: '0x… (40 hex digits)',
    autocomplete: 'off', spellcheck: 'false' });
  // The live input is read from the form: a refresh re-renders this closure
  // around a fresh (detached) input, while morph() keeps the typed text in place.
  return h('form', { class: 'filters', 'data-key': 'identity-lookup', on: { submit: (ev) => {
    ev.preventDefault();
    location.hash = '#/identities/' + encodeURIComponent(ev.currentTarget.querySelector('input').value.trim());
  } } }, h('label', { for: 'identity-address' }, 'Address'), input, h('button', { type: 'submit' }, 'Look up'));
}

function claimRow(topic, c, nowMs) {
  const days = daysLeft(c.expires, nowMs);
  const soon = c.valid && days !== null && days <= SOON_DAYS;
  const state = !c.valid ? h('span', { class: 'badge crit' }, 'expired') :
    soon ? h('span', { class: 'badge warn' }, 'expiring soon') : h('span', { class: 'badge ok' }, 'valid');
  return h('tr', { 'data-key': 'c-' + topic, 'data-claim': topic },
    h('td', null, h('strong', null, topic)), h('td', { 'data-expires': topic }, c.expires),
    h('td', { 'data-valid': topic }, state),
    h('td', { 'data-days': topic, class: !c.valid ? 'crit' : soon ? 'warn' : '' },
      days === null ? '—' : days > 0 ? count(days) + (days === 1 ? ' day' : ' days') : 'none'));
}

function identityBlock(d, refresh) {
  const addr = d.address;
  const topicOpts = [['', '(choose)']].concat(topics(d.status));
  const act = (title, op, fields, note) => () => openAction({ title, op, fixed: { address: addr }, fields, note, onDone: refresh });
  const register = act(d.identity ? 'Update identity ' + addr : 'Register identity ' + addr, 'identity.register', [
    { name: 'country', label: 'Country (ISO 3166 alpha-2)', required: true, placeholder: 'US', value: d.identity ? d.identity.country : '' },
    { name: 'investor_type', label: 'Investor type (optional)', options: [['', '(not given)']].concat(INVESTOR_TYPES),
      value: d.identity && d.identity.investor_type ? d.identity.investor_type : '' }],
  d.identity ? 'Registering again changes the country (and the type, when given); the claims are kept.' : null);
  const buttons = [h('button', { type: 'button', id: 'btn-identity-register', class: d.identity ? '' : 'primary', on: { click: register } },
    d.identity ? 'Update identity' : 'Register identity')];
  if (d.identity) {
    buttons.push(h('button', { type: 'button', id: 'btn-claim-set', class: 'primary', on: { click: act('Set claim for ' + addr, 'claim.set', [
      { name: 'topic', label: 'Topic', required: true, options: topicOpts },
      { name: 'expires', label: 'Expires (YYYY-MM-DD, after today; valid until 00:00 UTC that day)', required: true, placeholder: 'YYYY-MM-DD' }]) } },
    'Set claim'));
    buttons.push(h('button', { type: 'button', id: 'btn-claim-revoke', on: { click: act('Revoke claim of ' + addr, 'claim.revoke', [
      { name: 'topic', label: 'Topic', required: true, options: topicOpts }]) } }, 'Revoke claim'));
    buttons.push(h('button', { type: 'button', id: 'btn-identity-remove', class: 'danger', on: { click: act('Remove identity ' + addr, 'identity.remove', [],
      'Removes the identity and its claims: transfers to this address are refused until it is registered again.') } }, 'Remove identity'));
  }
  const head = h('h2', { id: 'identity-h' }, h('code', null, addr), ' ',
    h('a', { href: '#/account/' + encodeURIComponent(addr) }, 'account'));
  if (!d.identity) {
    const e = d.lookup && d.lookup.doc.error;
    const none = e && e.code === 'ERR_NOT_FOUND';
    return h('div', { 'data-key': 'identity-none' }, head,
      none ? h('p', { id: 'identity-state' }, h('strong', null, 'No identity'), ' is registered for this address.') :
        h('div', { class: 'outcome refused', role: 'alert', id: 'identity-state' },
          h('p', null, h('strong', { class: 'code' }, e ? e.code : 'HTTP ' + d.lookup.status), ' ', e ? e.message : '')),
      none ? h('div', { class: 'buttons' }, buttons) : null);
  }
  const i = d.identity;
  const nowMs = ledgerNow();
  const claims = Object.entries(i.claims || {});
  return h('div', { 'data-key': 'identity' }, head,
    h('dl', { class: 'figs', id: 'identity-facts' },
      h('div', { class: 'fig' }, h('dt', null, 'Country'), h('dd', { 'data-figure': 'country' }, i.country)),
      h('div', { class: 'fig' }, h('dt', null, 'Investor type'), h('dd', { 'data-figure': 'investor_type' }, i.investor_type || 'not given')),
      h('div', { class: 'fig' }, h('dt', null, 'Claims'), h('dd', { 'data-figure': 'claims' }, count(claims.length)))),
    h('div', { class: 'buttons' }, buttons),
    claims.length ? h('div', { class: 'scroll' }, h('table', { id: 'claims' },
      h('thead', null, h('tr', null, ['Topic', 'Expires', 'State', 'Days left'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, claims.map(([topic, c]) => claimRow(topic, c, nowMs))))) :
      h('p', { class: 'muted', id: 'no-claims' }, 'No claim held.'),
    h('p', { class: 'muted' }, 'Validity is judged on the ledger\'s day, ' + utc(new Date(nowMs).toISOString()).slice(0, 10) + '.'));
}

export function viewIdentities(d, refresh) {
  ledgerSeen(d.status.node.now || d.status.node.time);
  return h('div', { class: 'identities', 'data-key': 'identities' },
    h('h1', null, 'Identities and claims'),
    summary(d.status.compliance), assetsPanel(d.assets),
    h('h2', null, 'Look up an identity'), lookupForm(d.address),
    d.address ? identityBlock(d, refresh) : h('p', { class: 'muted' }, 'Type an address to see its identity and claims.'));
}

// ---- #/rules/SYM ---------------------------------------------------------------

export async function loadRules(symbol) {
  const [st, a] = await Promise.all([get('/api/system/status'), get('/api/assets/' + encodeURIComponent(symbol))]);
  if (a.status !== 200) return { error: a };
  if (st.status !== 200) return { error: st };
  return { status: st.doc, asset: a.doc };
}

const list = (xs) => (xs && xs.length ? xs.join(', ') : 'none');

function rulesSetForm(a, refresh) {
  return () => openAction({ title: 'Set rules of ' + a.symbol, op: 'asset.rules.set', fixed: { asset: a.symbol }, onDone: refresh,
    note: 'Only the rules you fill in change (lists comma separated). With a partition, its own rules change (a new name adds one). ' +
      'Timelocked: the dry run shows the entry it would become.',
    fields: [
      { name: 'partition', label: 'Partition (optional)', options: [['', '(the asset)']].concat(a.rules.partitions.map((p) => p.name)) },
      { name: 'required_claims', label: 'Required claims', placeholder: 'kyc,accredited' },
      { name: 'allowed_countries', label: 'Allowed countries (asset)', placeholder: 'US,DE' },
      { name: 'blocked_countries', label: 'Blocked countries (asset)', placeholder: 'KP,IR' },
      { name: 'max_holders', label: 'Max holders (asset, 1 to 100,000,000)', placeholder: String(a.rules.max_holders) },
      { name: 'max_balance', label: 'Max balance per holder (asset; 0: none)', placeholder: a.rules.max_balance || '0' },
      { name: 'lockup_until', label: 'Lockup until (partition: YYYY-MM-DD or none)', placeholder: 'YYYY-MM-DD' },
      { name: 'no_us_persons', label: 'No US persons (partition)', options: [['', '(unchanged)'], 'true', 'false'] }] });
}

export function viewRules(d, refresh) {
  ledgerSeen(d.status.node.now || d.status.node.time);
  const a = d.asset;
  if (!a.rules) {
    return h('div', { 'data-key': 'rules-none' }, h('h1', null, 'Rules of ', a.symbol),
      h('p', null, a.symbol + ' is a ' + a.kind + ' asset: compliance rules are a security asset\'s.'));
  }
  const r = a.rules;
  const row = (key, label, value) => h('tr', { 'data-key': 'r-' + key }, h('th', { scope: 'row' }, label), h('td', { 'data-rule': key }, value));
  return h('div', { class: 'rules', 'data-key': 'rules-' + a.symbol },
    h('h1', null, 'Rules of ', h('a', { href: '#/asset/' + encodeURIComponent(a.symbol) }, a.symbol)),
    h('div', { class: 'card' }, holderBar(a)),
    h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'btn-rules-set', class: 'primary', on: { click: rulesSetForm(a, refresh) } }, 'Set rules'),
      h('a', { href: '#/identities' }, 'Identities and claims')),
    h('div', { class: 'scroll' }, h('table', { id: 'rules' }, h('tbody', null,
      row('required_claims', 'Required claims', list(r.required_claims)),
      row('allowed_countries', 'Allowed countries', r.allowed_countries.length ? list(r.allowed_countries) : 'any'),
      row('blocked_countries', 'Blocked countries', list(r.blocked_countries)),
      row('max_holders', 'Max holders', count(r.max_holders)),
      row('max_balance', 'Max balance per holder', r.max_balance === null ? 'none' : amount(r.max_balance, a.symbol))))),
    h('h2', null, 'Partitions'),
    r.partitions.length ? h('div', { class: 'scroll' }, h('table', { id: 'partitions' },
      h('thead', null, h('tr', null, ['Partition', 'Required claims (on top of the asset\'s)', 'Lockup until', 'US persons'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, r.partitions.map((p) => h('tr', { 'data-key': 'p-' + p.name, 'data-partition': p.name },
        h('td', null, h('strong', null, p.name)), h('td', null, list(p.required_claims)),
        h('td', null, p.lockup_until || 'none'), h('td', null, p.no_us_persons ? 'barred' : 'allowed')))))) :
      h('p', { class: 'muted' }, 'No partition.'));
}

// vaults.js - the vault types of seed 001 (smom-dbis-138; SPEC 6,
// docs/operators/vaults.md): per type its collateral and debt totals, the
// debt ceiling's usage as a bar, the min and liquidation ratios and the
// vaults below the liquidation ratio; a vault list filtered by type, owner
// and "below"; one vault's page. Every vault op (open, deposit, withdraw,
// borrow, repay, liquidate, type set) goes through openAction's dry run.
// Also the dashboard's vaults and bridge blocks (status's "vaults" and
// "bridge"), smomStatus(), so that the morning check shows them.
//
// Amounts are the API's decimal strings, shown through fmt.js; health and
// usage are the API's ratios (display figures only).

import { get, query } from './api.js';
import { openAction } from './action.js';
import { bar } from './dashboard.js';
import { h } from './dom.js';
import { age, amount, count, ledgerNow, ledgerSeen, pct, when } from './fmt.js';
import { loadThresholds, thresholds } from './thresholds.js';

// The debt ceiling bar's marks are the node's (thresholds.js: the built-in
// VaultDebtCeilingWarning at 90 %, or an --alert-rules override); at 100 %
// a borrow is ERR_DEBT_CEILING. Vault health warns under 120 % and is
// critical under 110 % (the built-in rules).
const ceiling = () => thresholds('vault_debt_ceiling');
const HEALTH_WARN = 1.2;
const LIST_LIMIT = 200;

const filters = { type: '', owner: '', below: '' };

// A figure of a card (the dashboard's look: dt over dd).
export function fig(key, label, value, cls) {
  return h('div', { class: 'fig ' + (cls || ''), 'data-key': key },
    h('dt', null, label), h('dd', { 'data-figure': key }, value));
}

// A ratio of the API (1.5) as the runbooks write it: "150 %".
function ratio(r) {
  return r === null || r === undefined ? '—' : pct(r).replace('.0 %', ' %');
}

// Where a read's refusal (a bad filter) shows: always present, so that
// a refresh patches it in place and moves nothing else.
export function refusalSlot(key, r) {
  const e = r && r.doc.error;
  return h('div', { 'data-key': key, role: 'alert' }, e ? h('div', { class: 'outcome refused' },
    h('p', null, h('strong', { class: 'code' }, e.code), ' ', e.message)) : null);
}

// Health for people: "166.7 %" or "no debt"; its level against the type.
function healthText(v) {
  return v.health === null || v.health === undefined ? 'no debt' : pct(v.health);
}

function healthLevel(v) {
  if (v.health === null || v.health === undefined) return 'none';
  if (v.liquidatable) return 'crit';
  return !v.safe || v.health < HEALTH_WARN ? 'warn' : 'ok';
}

function act(title, op, fixed, fields, note, refresh) {
  return () => openAction({ title, op, fixed, fields, note, onDone: refresh });
}

const ownerField = { name: 'owner', label: 'Owner (optional: checks the instruction is the owner\'s)', placeholder: '0x…' };

function amountField(sym) {
  return { name: 'amount', label: 'Amount (' + sym + ')', required: true, placeholder: '1.5' };
}

function typeSetFields(t) {
  return [
    { name: 'asset', label: 'Debt asset (needed with a debt ceiling or dust)', value: t ? t.debt : '', placeholder: 'USDW' },
    { name: 'collateral', label: 'Collateral asset', placeholder: t ? t.collateral : 'GOLD' },
    { name: 'feed', label: 'Price feed', placeholder: t ? t.feed : 'XAU' },
    { name: 'min_ratio', label: 'Min ratio', placeholder: t ? ratio(t.min_ratio).replace(' ', '') : '150%' },
    { name: 'liquidation_ratio', label: 'Liquidation ratio', placeholder: t ? ratio(t.liquidation_ratio).replace(' ', '') : '110%' },
    { name: 'penalty', label: 'Penalty', placeholder: t ? ratio(t.penalty).replace(' ', '') : '5%' },
    { name: 'debt_ceiling', label: 'Debt ceiling', placeholder: t ? t.debt_ceiling : '10000000' },
    { name: 'dust', label: 'Dust (smallest non-zero debt)', placeholder: t ? t.dust : '10' }];
}

function typeSet(t, refresh) {
  return act(t ? 'Set vault type ' + t.name : 'Add a vault type', 'vault.type.set', t ? { type: t.name } : {},
    (t ? [] : [{ name: 'type', label: 'Type name', required: true, placeholder: 'GOLD-B' }]).concat(typeSetFields(t)),
    'Empty fields keep their value (a new type needs them all). Timelocked (24 h) by default.', refresh);
}

export async function loadVaults() {
  // The unfiltered "below liquidation" read also carries every type.
  const [vs, below, st] = await Promise.all([
    get('/api/vaults' + query({ type: filters.type, owner: filters.owner, below: filters.below, limit: LIST_LIMIT })),
    get('/api/vaults' + query({ below: 'liquidation', limit: LIST_LIMIT })), get('/api/system/status'), loadThresholds()]);
  for (const r of [below, st]) if (r.status !== 200) return { error: r };
  ledgerSeen(st.doc.node.time); // ages against the ledger's clock
  const usage = {};
  for (const b of st.doc.vaults || []) usage[b.type] = b;
  const ok = vs.status === 200;
  return { types: below.doc.types, below: below.doc.vaults, usage, filterError: ok ? null : vs,
    vaults: ok ? vs.doc.vaults : [], next: ok ? vs.doc.next_offset : null };
}

function typeCard(t, u, refresh) {
  const usage = u ? u.debt_ceiling_usage : null;
  const lowest = u ? u.health_min : null;
  return h('article', { class: 'card', 'data-key': 'vt-' + t.name, 'data-vault-type': t.name },
    h('header', null, h('h3', null, t.name),
      h('span', { class: 'muted' }, t.debt + ' against ' + t.collateral + ' · feed ' + t.feed),
      t.below_liquidation_ratio ? h('span', { class: 'badge crit' }, count(t.below_liquidation_ratio) + ' below liquidation') :
        h('span', { class: 'badge ok' }, 'none below liquidation')),
    bar('ceiling', 'Debt ceiling', t.total_debt, t.debt_ceiling, usage, t.debt, ceiling()),
    h('dl', { class: 'figs' },
      fig('total_collateral', 'Total collateral', amount(t.total_collateral, t.collateral)),
      fig('total_debt', 'Total debt', amount(t.total_debt, t.debt)),
      fig('vaults', 'Vaults', count(t.vaults)),
      fig('min_ratio', 'Min ratio', ratio(t.min_ratio)),
      fig('liquidation_ratio', 'Liquidation ratio', ratio(t.liquidation_ratio)),
      fig('penalty', 'Penalty', ratio(t.penalty)),
      fig('dust', 'Dust', amount(t.dust, t.debt)),
      fig('health_min', 'Lowest health', lowest === null || lowest === undefined ? '—' : pct(lowest),
        lowest === null || lowest === undefined ? '' : lowest < HEALTH_WARN ? (t.below_liquidation_ratio ? 'crit' : 'warn') : 'ok'),
      fig('below', 'Below liquidation', count(t.below_liquidation_ratio), t.below_liquidation_ratio ? 'crit' : 'ok'),
      fig('liquidations', 'Liquidations', count(t.liquidations) + ' (' + amount(t.liquidated_total, t.debt) + ')'),
      fig('bad_debt', 'Bad debt', amount(t.bad_debt_total, t.debt), t.bad_debt_total !== '0' ? 'crit' : 'ok')),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', 'data-open-vault': t.name, on: { click: act('Open a ' + t.name + ' vault', 'vault.open', { type: t.name },
        [{ name: 'owner', label: 'Owner (address)', required: true, placeholder: '0x…' }],
        'The new vault\'s id is in the VaultOpened event.', refresh) } }, 'Open a vault'),
      h('button', { type: 'button', 'data-type-set': t.name, on: { click: typeSet(t, refresh) } }, 'Set type')));
}

function vaultRow(v) {
  const lv = healthLevel(v);
  return h('tr', { 'data-key': 'v-' + v.id, 'data-vault': v.id },
    h('td', null, h('a', { href: '#/vault/' + v.id }, '#' + v.id)), h('td', null, v.type),
    h('td', null, h('code', null, v.owner)), h('td', null, amount(v.collateral)), h('td', null, amount(v.debt)),
    h('td', { class: lv, 'data-health': v.id }, healthText(v)),
    h('td', null, v.liquidatable ? h('span', { class: 'badge crit' }, 'liquidatable') :
      !v.safe ? h('span', { class: 'badge warn' }, 'below min') : h('span', { class: 'badge ok' }, 'safe')));
}

function vaultTable(vaults, id) {
  return h('div', { class: 'scroll', id }, h('table', null,
    h('thead', null, h('tr', null, ['Id', 'Type', 'Owner', 'Collateral', 'Debt', 'Health', 'State'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, vaults.map(vaultRow))));
}

function filterForm(types, refresh) {
  const type = h('select', { id: 'vault-filter-type', name: 'type' }, h('option', { value: '' }, 'every type'),
    types.map((t) => h('option', { value: t.name, selected: filters.type === t.name }, t.name)));
  const owner = h('input', { id: 'vault-filter-owner', name: 'owner', type: 'text', value: filters.owner, placeholder: '0x…', autocomplete: 'off', spellcheck: 'false' });
  const below = h('input', { id: 'vault-filter-below', name: 'below', type: 'text', value: filters.below, placeholder: 'liquidation, min or 120%', autocomplete: 'off' });
  return h('form', { class: 'filters', 'data-key': 'vault-filters', on: { submit: (ev) => {
    ev.preventDefault();
    const el = ev.target.elements; // the live inputs (a refresh keeps the old nodes)
    filters.type = el.namedItem('type').value;
    filters.owner = el.namedItem('owner').value.trim();
    filters.below = el.namedItem('below').value.trim();
    refresh();
  } } }, h('label', { for: 'vault-filter-type' }, 'Type'), type, h('label', { for: 'vault-filter-owner' }, 'Owner'), owner,
  h('label', { for: 'vault-filter-below' }, 'Below'), below, h('button', { type: 'submit' }, 'Filter'));
}

export function viewVaults(d, refresh) {
  return h('div', { 'data-key': 'vaults', class: 'vaults' },
    h('h1', null, 'Vaults'),
    d.types.length ? h('div', { class: 'stack' }, d.types.map((t) => typeCard(t, d.usage[t.name], refresh))) :
      h('p', { class: 'muted' }, 'This ledger has no vault type.'),
    h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'btn-vault-type-add', on: { click: typeSet(null, refresh) } }, 'Add a vault type')),
    h('h2', null, 'Below the liquidation ratio ', h('span', { class: 'count', 'data-count': 'below' }, String(d.below.length))),
    d.below.length ? vaultTable(d.below, 'vaults-below') : h('p', { class: 'muted', id: 'vaults-below' }, 'No vault can be liquidated.'),
    h('h2', null, 'Vault list'),
    filterForm(d.types, refresh),
    refusalSlot('vault-filter-error', d.filterError),
    d.vaults.length ? vaultTable(d.vaults, 'vault-list') : h('p', { class: 'muted', id: 'vault-list' }, d.filterError ? '' : 'No vault matches.'),
    d.next !== null && d.next !== undefined ? h('p', { class: 'muted' }, 'The first ' + LIST_LIMIT + ' shown; narrow the filter for the rest.') : null);
}

// One vault: #/vault/ID.
export async function loadVault(id) {
  const [v, st] = await Promise.all([get('/api/vaults/' + encodeURIComponent(id)), get('/api/system/status'),
    loadThresholds()]);
  if (v.status !== 200) return { error: v };
  if (st.status === 200) ledgerSeen(st.doc.node.time);
  const t = await get('/api/vaults' + query({ type: v.doc.type, limit: 1 }));
  const type = t.status === 200 ? t.doc.types.find((x) => x.name === v.doc.type) : null;
  return { vault: v.doc, type };
}

export function viewVault(d, refresh) {
  const v = d.vault;
  const t = d.type || { collateral: '', debt: '', min_ratio: null, liquidation_ratio: null };
  const fixed = { id: v.id };
  const lv = healthLevel(v);
  const op = (label, opName, id, fields, note) => h('button', { type: 'button', id, on: { click: act(label + ' (vault #' + v.id + ')', opName, fixed, fields, note, refresh) } }, label);
  return h('div', { 'data-key': 'vault-' + v.id, class: 'vault-page' },
    h('p', null, h('a', { href: '#/vaults' }, 'Vaults')),
    h('h1', null, 'Vault #' + v.id + ' ', h('span', { class: 'badge ' + (lv === 'none' ? 'none' : lv), id: 'vault-state' },
      v.liquidatable ? 'Liquidatable' : v.safe ? 'Safe' : 'Below min ratio')),
    h('p', { class: 'muted' }, v.type + ' · owner ', h('code', null, v.owner), ' · opened ' + when(v.opened_at, ledgerNow())),
    h('div', { class: 'buttons' },
      op('Deposit', 'vault.deposit', 'btn-vault-deposit', [amountField(t.collateral), ownerField], 'Moves the owner\'s ' + t.collateral + ' into the vault.'),
      op('Withdraw', 'vault.withdraw', 'btn-vault-withdraw', [amountField(t.collateral), ownerField], 'Gives collateral back; the vault must stay at its min ratio (' + ratio(t.min_ratio) + ') or above.'),
      op('Borrow', 'vault.borrow', 'btn-vault-borrow', [amountField(t.debt), ownerField], 'Mints ' + t.debt + ' to the owner; the vault must stay at its min ratio (' + ratio(t.min_ratio) + ') or above, the type under its debt ceiling.'),
      op('Repay', 'vault.repay', 'btn-vault-repay', [amountField(t.debt), ownerField], 'Burns the owner\'s ' + t.debt + ' against the debt (what remains is 0 or at least the dust).'),
      op('Liquidate', 'vault.liquidate', 'btn-vault-liquidate', [{ name: 'by', label: 'Liquidator\'s address (holds the debt)', required: true, placeholder: '0x…' }],
        'Only below the liquidation ratio (' + ratio(t.liquidation_ratio) + '), by a liquidator: repays the whole debt and takes the collateral with the penalty.')),
    h('div', { class: 'card' }, h('dl', { class: 'figs' },
      fig('collateral', 'Collateral', amount(v.collateral, t.collateral)),
      fig('debt', 'Debt', amount(v.debt, t.debt)),
      fig('health', 'Health', healthText(v), lv === 'none' ? '' : lv),
      fig('min_ratio', 'Min ratio', ratio(t.min_ratio)),
      fig('liquidation_ratio', 'Liquidation ratio', ratio(t.liquidation_ratio)))));
}

// The dashboard's vault and bridge blocks (GET /api/system/status's
// "vaults" and "bridge"); null on a ledger without either.
export function smomStatus(st) {
  const vaults = st.vaults || [];
  const routes = st.bridge || [];
  if (!vaults.length && !routes.length) return null;
  return h('div', { class: 'assets smom-status', 'data-key': 'smom-status' },
    vaults.map((b) => h('article', { class: 'card', 'data-key': 'svt-' + b.type, 'data-status-vault': b.type },
      h('header', null, h('h3', null, h('a', { href: '#/vaults' }, 'Vaults ' + b.type)),
        h('span', { class: 'muted' }, b.debt + ' against ' + b.collateral),
        b.below_liquidation_ratio ? h('span', { class: 'badge crit' }, count(b.below_liquidation_ratio) + ' below liquidation') :
          h('span', { class: 'badge ok' }, 'none below liquidation')),
      bar('ceiling', 'Debt ceiling', b.total_debt, b.debt_ceiling, b.debt_ceiling_usage, b.debt, ceiling()),
      h('dl', { class: 'figs' },
        fig('vaults', 'Vaults', count(b.vaults)),
        fig('total_collateral', 'Collateral', amount(b.total_collateral, b.collateral)),
        fig('health_min', 'Lowest health', b.health_min === null ? '—' : pct(b.health_min),
          b.health_min === null ? '' : b.health_min < HEALTH_WARN ? (b.below_liquidation_ratio ? 'crit' : 'warn') : 'ok'),
        fig('bad_debt', 'Bad debt', amount(b.bad_debt_total, b.debt), b.bad_debt_total !== '0' ? 'crit' : 'ok')))),
    routes.map((r) => h('article', { class: 'card', 'data-key': 'sbr-' + r.chain + '-' + r.asset, 'data-status-route': r.chain + '-' + r.asset },
      h('header', null, h('h3', null, h('a', { href: '#/bridge' }, 'Bridge ' + r.asset + ' → chain ' + r.chain)),
        r.enabled ? h('span', { class: 'badge ok' }, 'enabled') : h('span', { class: 'badge crit' }, 'disabled')),
      h('dl', { class: 'figs' },
        fig('escrow', 'Escrow', amount(r.escrow, r.asset)),
        fig('success', '24h success', pct(r.success_rate_24h), successLevel(r.success_rate_24h)),
        fig('p95', 'Settlement p95', r.settlement_p95_s === null ? '—' : age(r.settlement_p95_s), r.settlement_p95_s > 3600 ? 'warn' : ''),
        fig('buffer', 'Buffer', r.buffer_ok ? 'ok' : 'SHORT', r.buffer_ok ? 'ok' : 'warn')))));
}

// The bridge success rules: under 95 % warns, under 90 % is critical.
export function successLevel(rate) {
  if (rate === null || rate === undefined) return '';
  return rate < 0.9 ? 'crit' : rate < 0.95 ? 'warn' : 'ok';
}

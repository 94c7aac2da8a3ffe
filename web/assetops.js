// assetops.js - the asset page's remaining forms and its chart (issue 14).
//
// Forms, each through openAction (its dry run: the events, the proposal or
// timelock entry it would become, or the check that refuses it, then
// Submit): Caps (caps.set), Forced transfer, Rescue, Recover, Blacklist and
// Unblacklist (blacklist.add/remove: the whole address, every asset), and by
// the asset's kind NAV update and NAV force (a fund), Reserve report,
// Reserve attest and PoR publish (a fiat token); Price (price.update) for
// the ledger's price feeds, which belong to no asset. The figures the
// asset page lacked beside them: the NAV and its age, the reserve ratio and
// its reports.
//
// The chart: supply, NAV (a fund) and reserve ratio (fiat) over one period,
// from GET /api/reports/{daily|weekly}?at=DAY&format=json (the asset's
// "series" and the report's "chart_times"). A report replays the journal,
// so it is read again only when the ledger's height moved, the period
// changed, or the last read is a minute old; the page's 5 s refresh reads
// /api/system/status (the ledger's day and height) and answers from the
// cache otherwise.

import { get, query } from './api.js';
import { openAction } from './action.js';
import { lineChart, ratioText } from './chart.js';
import { figure } from './dashboard.js';
import { h } from './dom.js';
import { age, amount, ledgerSeen, pct, utc } from './fmt.js';
import { level, thresholds } from './thresholds.js';

const REPORT_MAX_AGE_MS = 60000;

// The chart's period: a report kind and whether it is the one running now
// (at= the ledger's day: the period so far) or the last complete one.
const PERIODS = {
  day: { kind: 'daily', current: true, label: 'Today so far' },
  week: { kind: 'weekly', current: true, label: 'This week so far' },
  lastday: { kind: 'daily', current: false, label: 'Last complete day' },
  lastweek: { kind: 'weekly', current: false, label: 'Last complete week' },
};
let period = 'day';
const cache = new Map(); // "kind|at" -> {height, readMs, r}

async function loadReport(p, today, height) {
  const at = p.current ? today : '';
  const key = p.kind + '|' + at;
  const c = cache.get(key);
  if (c && c.height === height && Date.now() - c.readMs < REPORT_MAX_AGE_MS) return c.r;
  const r = await get('/api/reports/' + p.kind + query({ at, format: 'json' }));
  cache.set(key, { height, readMs: Date.now(), r });
  return r;
}

// What the asset page adds to its load: the node's day and height, the
// feeds, and the chart's report.
export async function loadAssetOps(symbol) {
  const [st, fd] = await Promise.all([get('/api/system/status'), get('/api/feeds')]);
  if (st.status !== 200) return { error: st };
  ledgerSeen(st.doc.node.time);
  const today = (st.doc.node.now || st.doc.node.time).slice(0, 10);
  const p = PERIODS[period];
  const rep = await loadReport(p, today, st.doc.node.height);
  const report = rep.status === 200 ? rep.doc : null;
  return {
    symbol, period, feeds: fd.status === 200 ? fd.doc.feeds : [],
    report, reportAsset: report ? report.assets.find((x) => x.symbol === symbol) || null : null,
    reportError: rep.status === 200 ? null : rep.doc.error || { code: 'HTTP ' + rep.status, message: '' },
  };
}

// ---- forms ---------------------------------------------------------------

const ADDRESS = { placeholder: '0x… (40 hex digits)', required: true };

function freshSalt() {
  const b = new Uint8Array(32);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// The forms of asset a: [{id, label, open()}…], only those its kind has.
function forms(a, feeds, refresh) {
  const sym = a.symbol;
  const units = sym + ', up to ' + a.decimals + ' decimals';
  const amountF = { name: 'amount', label: 'Amount (' + units + ')', required: true, placeholder: '1000' };
  const parts = a.rules && a.rules.partitions && a.rules.partitions.length ?
    [{ name: 'partition', label: 'Partition', required: true, placeholder: a.rules.partitions.map((p) => p.name).join(', ') }] : [];
  const act = (title, op, fields, note, fixed) => () => openAction({ title: title + (fixed === null ? '' : ' ' + sym), op,
    fixed: fixed === null ? {} : { asset: sym, ...(fixed || {}) }, fields, note, onDone: refresh });
  const list = [
    { id: 'caps', label: 'Caps', open: act('Caps', 'caps.set', [
      { name: 'supply_cap', label: 'Supply cap (' + sym + ')', placeholder: a.supply_cap || 'none', hint: 'Empty: unchanged. Now ' + amount(a.supply_cap, sym) + '.' },
      { name: 'daily_mint_limit', label: 'Daily mint limit (' + sym + ')', placeholder: a.daily_mint.limit || 'none', hint: 'Empty: unchanged. Now ' + amount(a.daily_mint.limit, sym) + '.' },
      { name: 'daily_inflow_limit', label: 'Daily inflow limit (' + sym + ')', placeholder: a.daily_net_inflow.limit || 'none', hint: 'Empty: unchanged. Now ' + amount(a.daily_net_inflow.limit, sym) + '.' }],
    'Sets the limits given (docs/operators/limits.md). Caps wait in the timelock under the default policy (24h).') },
    { id: 'forced-transfer', label: 'Forced transfer', open: act('Forced transfer', 'forced_transfer', [
      { name: 'from', label: 'From (address)', ...ADDRESS }, { name: 'to', label: 'To (address)', ...ADDRESS }, amountF, ...parts],
    'An agent moves tokens out of an address, frozen or not, to one that passes the checks (docs/operators/freeze.md).') },
    { id: 'rescue', label: 'Rescue', open: act('Rescue', 'rescue', [
      { name: 'from', label: 'From (the stuck address)', ...ADDRESS }, { name: 'to', label: 'To (the safe address)', ...ADDRESS }, amountF, ...parts],
    'Moves tokens stuck in an address (blacklisted, frozen, sent by mistake) to a safe one (docs/operators/rescue.md).') },
    { id: 'recover', label: 'Recover', open: act('Recover', 'recover', [
      { name: 'lost', label: 'Lost address', ...ADDRESS }, { name: 'new', label: 'New address', ...ADDRESS }],
    'Moves the whole balance of a lost wallet to the holder\'s new address.') },
    { id: 'blacklist', label: 'Blacklist', open: act('Blacklist an address', 'blacklist.add', [{ name: 'address', label: 'Address', ...ADDRESS }],
      'The address can no longer send, receive or be minted to, in any asset.', null) },
    { id: 'unblacklist', label: 'Unblacklist', open: act('Unblacklist an address', 'blacklist.remove', [{ name: 'address', label: 'Address', ...ADDRESS }],
      'Lifts the blacklist of the address (every asset).', null) },
  ];
  if (a.kind === 'fund') {
    list.push({ id: 'nav-update', label: 'NAV update', open: act('NAV update', 'nav.update', [
      { name: 'value', label: 'NAV (per unit, up to 8 decimals)', required: true, placeholder: '1.0425' }],
    'Publishes the NAV (docs/operators/nav.md). A value off the current one by more than the fund\'s maximum deviation is refused: use NAV force.') });
    list.push({ id: 'nav-force', label: 'NAV force', open: act('NAV force', 'nav.force', [
      { name: 'value', label: 'NAV (per unit, up to 8 decimals)', required: true, placeholder: '1.0425' },
      { name: 'reason', label: 'Reason (journaled, 1 to 200 characters)', required: true, placeholder: 'oracle outage: verified by hand' }],
    'Overrides the deviation check (oracle_manager); the reason is journaled.') });
  }
  if (a.kind === 'fiat') {
    list.push({ id: 'reserve-report', label: 'Reserve report', open: act('Reserve report', 'reserve.report', [
      { name: 'amount', label: 'Reserve held (' + units + ')', required: true, placeholder: '1000000' }],
    'Your report of the reserve; the verified reserve is taken over a quorum of fresh reports (docs/operators/reserves.md).') });
    list.push({ id: 'reserve-attest', label: 'Reserve attest', open: act('Reserve attest', 'reserve.attest', [
      { name: 'usd', label: 'Attested reserve (USD, up to 8 decimals)', required: true, placeholder: '1000250' },
      { name: 'hash', label: 'Report hash (SHA-256, 64 hex digits)', required: true, placeholder: '3b6a…' }],
    'Records the auditor\'s attestation (treasury_manager).') });
    list.push({ id: 'por-publish', label: 'PoR publish', open: () => act('PoR publish', 'por.publish', [
      { name: 'salt', label: 'Salt (64 hex digits, drawn fresh in this browser)', required: true, value: freshSalt() }],
    'Publishes the proof of reserves (the holders\' tree root, total liabilities, verified reserve); needs the reserve quorum.')() });
  }
  if (feeds.length) {
    list.push({ id: 'price', label: 'Price', open: act('Price update', 'price.update', [
      { name: 'feed', label: 'Feed (' + feeds.map((f) => f.name).join(', ') + ')', required: true, value: feeds.length === 1 ? feeds[0].name : '' },
      { name: 'value', label: 'Price (up to 8 decimals)', required: true, placeholder: '2034.5' }],
    'A price feed of the ledger (collateral prices; docs/operators/price-feeds.md), not of this asset alone.', null) });
  }
  return list;
}

// ---- figures ---------------------------------------------------------------

function navFigures(a) {
  const n = a.nav;
  const lv = n.stale ? 'crit' : level(n.age_s, thresholds('nav_age_s'));
  return [figure('nav', 'NAV', n.value === null ? 'none' : amount(n.value)),
    figure('nav_age', 'NAV age', n.age_s === null ? 'never published' : age(n.age_s) + (n.stale ? ' (stale)' : ''), lv),
    figure('nav_updated', 'NAV updated', n.updated_at ? utc(n.updated_at) : '—')];
}

function reserveFigures(a) {
  const r = a.reserve;
  return [figure('reserve', 'Reserve ratio', r.ratio === null ? '—' : pct(Number(r.ratio)),
    !r.quorum_met ? 'warn' : r.below_one ? 'crit' : ''),
  figure('verified', 'Verified reserve', r.verified === null ? '—' : amount(r.verified, a.symbol)),
  figure('reports', 'Reserve reports', r.reports + ' of ' + r.quorum + (r.quorum_met ? ' (quorum met)' : ' (quorum not met)'), r.quorum_met ? 'ok' : 'warn'),
  figure('por', 'Proof of reserves', r.por ? 'block ' + r.por.block + ', ' + age(r.por.age_s) + ' ago' : 'not published')];
}

// ---- chart ---------------------------------------------------------------

function periodSelect(refresh) {
  const sel = h('select', { id: 'chart-period', 'data-key': 'chart-period', on: { change: (ev) => { period = ev.target.value; refresh(); } } },
    Object.entries(PERIODS).map(([k, p]) => h('option', { value: k, selected: k === period }, p.label)));
  sel.value = period;
  return h('div', { class: 'filters' }, h('label', { for: 'chart-period' }, 'Period'), sel);
}

function charts(d, a) {
  const rep = d.report;
  const ra = d.reportAsset;
  if (!rep || !ra) {
    const e = d.reportError || { code: '', message: 'the report has no figures for ' + a.symbol };
    return h('p', { class: 'muted', id: 'chart-none' }, h('strong', { class: 'code' }, e.code), ' ', e.message);
  }
  const ct = rep.chart_times;
  const common = { first: ct.first, stepS: ct.step_s, start: rep.start, end: rep.end };
  const list = [lineChart({ key: 'supply', title: 'Supply', unit: a.symbol, values: ra.series.supply, ...common })];
  if (ra.series.nav) list.push(lineChart({ key: 'nav', title: 'NAV per unit', values: ra.series.nav, ...common }));
  if (ra.series.reserve_ratio) {
    list.push(lineChart({ key: 'reserve_ratio', title: 'Reserve ratio', values: ra.series.reserve_ratio, format: ratioText, ...common }));
  }
  return h('div', null,
    h('p', { class: 'muted', id: 'chart-period-text' }, rep.period + ' ' + rep.label + ' · ' + utc(rep.start) + ' to ' + utc(rep.end) +
      (rep.complete ? '' : ' · the period has not ended: the lines stop at the last block') + ' · blocks ' +
      rep.blocks.first + '–' + rep.blocks.last),
    h('div', { class: 'charts' }, list));
}

// The asset page's part: figures, the forms' buttons and the chart.
export function viewAssetOps(d, a, refresh) {
  const o = d.ops;
  if (!o || o.error) return null;
  const figs = [...(a.nav ? navFigures(a) : []), ...(a.reserve ? reserveFigures(a) : [])];
  return h('div', { 'data-key': 'asset-ops', class: 'asset-ops' },
    figs.length ? h('dl', { class: 'figs card', id: 'asset-figures' }, figs) : null,
    h('div', { class: 'buttons', id: 'asset-forms' }, forms(a, o.feeds, refresh).map((f) =>
      h('button', { type: 'button', id: 'btn-' + f.id, on: { click: f.open } }, f.label))),
    h('section', { class: 'panel wide', id: 'asset-chart', 'aria-labelledby': 'asset-chart-h' },
      h('h2', { id: 'asset-chart-h' }, 'Chart'), periodSelect(refresh), charts(o, a)));
}

// dashboard.js - the morning check on one screen: per asset its supply,
// cap and daily-limit usage as bars with the alert thresholds marked, NAV
// age, reserve ratio and holders; alerts firing; open incidents; proposals
// waiting and timelock entries due.

import { get } from './api.js';
import { badge, countsText, itemRow } from './checks.js';
import { h } from './dom.js';
import { age, amount, count, ledgerNow, ledgerSeen, pct, utc, when } from './fmt.js';
import { level, loadThresholds, thresholds } from './thresholds.js';
import { createFeed } from './live.js';
import { smomStatus } from './vaults.js';

const feed = createFeed({ id: 'dash-feed', first: 8, keep: 8, title: 'Latest events', compact: true });

function markText(name, m) {
  return m ? name + ' ' + (m.op === '>=' ? 'from ' : 'above ') + pct(m.value) + ' (' + m.rule + ')' : 'no ' + name + ' rule';
}

function markEl(cls, m) {
  if (!m || m.value < 0 || m.value > 1) return null; // off the bar: its title still says it
  return h('div', { class: 'mark ' + cls, 'data-threshold': String(m.value), 'data-rule': m.rule, style: { left: m.value * 100 + '%' } });
}

// A usage bar: used of limit, and the warning and critical marks the node's
// alert rules put on it (thresholds.js); t is thresholds(key).
export function bar(key, label, used, limit, usage, unit, t) {
  const lv = limit === null ? 'none' : level(usage, t);
  const width = usage === null || usage === undefined ? 0 : Math.min(100, usage * 100);
  return h('div', { class: 'meter', 'data-key': key + (limit === null ? '-nolimit' : '') },
    h('div', { class: 'meter-label' }, h('span', null, label),
      h('span', { class: 'meter-figure', 'data-figure': key },
        limit === null ? amount(used, unit) + ' (no limit)' : amount(used) + ' / ' + amount(limit, unit) + ' · ' + pct(usage))),
    h('div', { class: 'bar ' + lv, role: 'meter', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100,
      'aria-valuenow': Math.round(width), title: markText('warning', t.warn) + ', ' + markText('critical', t.crit) },
    h('div', { class: 'fill', style: { width: width + '%' } }),
    limit === null ? null : markEl('warn', t.warn),
    limit === null ? null : markEl('crit', t.crit)));
}

export function figure(key, label, value, cls) {
  return h('div', { class: 'fig ' + (cls || ''), 'data-key': key },
    h('dt', null, label), h('dd', { 'data-figure': key }, value));
}

function assetCard(a) {
  const figs = [figure('supply', 'Supply', amount(a.supply, a.symbol)), figure('holders', 'Holders', count(a.holders))];
  if (a.nav) {
    const lv = a.nav.stale ? 'crit' : level(a.nav.age_s, thresholds('nav_age_s'));
    figs.push(figure('nav', 'NAV', a.nav.value === null ? 'none' : amount(a.nav.value)));
    figs.push(figure('nav_age', 'NAV age', a.nav.age_s === null ? 'never published' : age(a.nav.age_s) + (a.nav.stale ? ' (stale)' : ''), lv));
  }
  if (a.reserve) {
    const r = a.reserve;
    const ratio = r.ratio === null ? null : Number(r.ratio);
    const lv = !r.quorum_met ? 'warn' : ratio === null ? 'none' : ratio < 1 ? 'crit' : ratio < 1.05 ? 'warn' : 'ok';
    figs.push(figure('reserve', 'Reserve ratio', ratio === null ? '—' : pct(ratio), lv));
    figs.push(figure('quorum', 'Reserve reports', r.reports + ' of ' + r.quorum + (r.quorum_met ? ' (quorum met)' : ' (quorum not met)'), r.quorum_met ? 'ok' : 'warn'));
  }
  const state = a.paused ? h('span', { class: 'badge crit' }, 'Paused') :
    a.mint_halted ? h('span', { class: 'badge warn' }, 'Mint halted') : h('span', { class: 'badge ok' }, 'Active');
  return h('article', { class: 'card asset', 'data-key': 'asset-' + a.symbol, 'data-asset': a.symbol },
    h('header', null, h('h3', null, h('a', { href: '#/asset/' + encodeURIComponent(a.symbol) }, a.symbol)),
      h('span', { class: 'muted' }, a.kind + (a.currency ? ' · ' + a.currency : '') + ' · ' + a.decimals + ' decimals'), state),
    bar('supply_cap', 'Supply cap', a.supply, a.supply_cap, a.supply_cap_usage, a.symbol, thresholds('supply_cap')),
    bar('daily_mint', 'Daily mint', a.daily_mint.used, a.daily_mint.limit, a.daily_mint.usage, a.symbol, thresholds('daily_mint')),
    bar('daily_net_inflow', 'Daily net inflow', a.daily_net_inflow.used, a.daily_net_inflow.limit, a.daily_net_inflow.usage, a.symbol, thresholds('daily_net_inflow')),
    h('dl', { class: 'figs' }, figs));
}

function section(id, title, count, body) {
  return h('section', { class: 'panel', id, 'aria-labelledby': id + '-h' },
    h('h2', { id: id + '-h' }, title, ' ', h('span', { class: 'count', 'data-count': id }, String(count))), body);
}

function alertsPanel(alerts, nowMs) {
  const firing = alerts === null ? null : alerts.filter((a) => a.state === 'firing');
  const body = firing === null ? h('p', { class: 'muted' }, 'The alert loop is not running on this node.') :
    !firing.length ? h('p', { class: 'muted' }, 'No alert is firing.') :
      h('ul', { class: 'list' }, firing.map((a) => h('li', { 'data-key': a.fingerprint },
        h('span', { class: 'badge ' + (a.severity === 'critical' ? 'crit' : 'warn') }, a.severity), ' ',
        h('strong', null, a.name), a.labels && a.labels.asset ? ' ' + a.labels.asset : '', ' — ',
        (a.annotations && a.annotations.summary) || '', ' ', h('span', { class: 'muted' }, 'since ' + when(a.since, nowMs)))));
  return section('alerts', 'Alerts firing', firing === null ? 0 : firing.length, body);
}

function incidentsPanel(incidents, nowMs) {
  const open = incidents.filter((i) => i.state !== 'resolved');
  const body = !open.length ? h('p', { class: 'muted' }, 'No open incident.') :
    h('ul', { class: 'list' }, open.map((i) => h('li', { 'data-key': 'inc-' + i.id },
      h('span', { class: 'badge ' + (i.severity === 'P0' || i.severity === 'P1' ? 'crit' : 'warn') }, i.severity), ' ',
      h('a', { href: '#/incident/' + i.id }, 'Incident #' + i.id), ' ', h('strong', null, i.title), ' · ' + i.state,
      i.overdue ? h('span', { class: 'badge crit' }, 'ack overdue') : null,
      ' ', h('span', { class: 'muted' }, 'opened ' + when(i.opened_at, nowMs)))));
  return section('incidents', 'Open incidents', open.length, body);
}

function proposalsPanel(proposals, timelock, nowMs) {
  const pending = proposals.filter((p) => p.status === 'pending');
  const due = timelock.filter((e) => Date.parse(e.eta) <= nowMs);
  const items = pending.map((p) => h('li', { 'data-key': 'p-' + p.id },
    h('a', { href: '#/proposals' }, 'Proposal #' + p.id), ' ', h('strong', null, p.op), p.asset ? ' ' + p.asset : '',
    ' · ' + p.approvals.length + ' of ' + p.approvals_needed + ' approvals · by ' + p.proposer,
    ' ', h('span', { class: 'muted' }, 'expires ' + when(p.expires_at, nowMs))));
  for (const e of due) {
    items.push(h('li', { 'data-key': 't-' + e.id }, h('a', { href: '#/proposals' }, 'Timelock #' + e.id), ' ',
      h('strong', null, e.op), ' · due since ' + when(e.eta, nowMs)));
  }
  const body = items.length ? h('ul', { class: 'list' }, items) : h('p', { class: 'muted' }, 'Nothing waits for an approval or is due.');
  return section('waiting', 'Proposals and timelock due', items.length, body);
}

// The daily checklist's items that are not passing (n/a ones are listed on Checklists).
function checklistPanel(c) {
  const bad = c.items.filter((it) => it.status === 'warn' || it.status === 'fail');
  return h('section', { class: 'panel wide', id: 'checklist', 'aria-labelledby': 'checklist-h' },
    h('h2', { id: 'checklist-h' }, h('a', { href: '#/checks/daily' }, 'Daily checklist'), ' ', badge(c.status),
      ' ', h('span', { class: 'muted', id: 'checklist-counts' }, countsText(c.counts))),
    bad.length ? h('div', { class: 'scroll' }, h('table', null, h('tbody', null, bad.map(itemRow)))) :
      h('p', { class: 'muted' }, 'Every item that applies passes.'));
}

export async function loadDashboard() {
  const [st, pr, tl, al, inc, ck] = await Promise.all([get('/api/system/status'), get('/api/proposals'),
    get('/api/timelock'), get('/api/alerts'), get('/api/incidents'), get('/api/checks/daily'), loadThresholds()]);
  for (const r of [st, pr, tl, inc, ck]) if (r.status !== 200) return { error: r };
  return { status: st.doc, proposals: pr.doc.proposals, timelock: tl.doc.timelock,
    alerts: al.status === 200 ? al.doc.alerts : null, incidents: inc.doc.incidents, checks: ck.doc };
}

// The last events, live (live.js), polling while the dashboard shows them.
function dashFeed() {
  setTimeout(feed.ensure, 0);
  return feed.view();
}

export function viewDashboard(d) {
  ledgerSeen(d.status.node.time);
  const nowMs = ledgerNow();
  const n = d.status.node;
  return h('div', { class: 'dashboard', 'data-key': 'dashboard' },
    h('h1', null, 'Morning check'),
    h('p', { class: 'muted summary' }, 'Height ' + count(n.height) + ' · ledger time ' + utc(n.time) + ' · store ' + n.store +
      ' · clock ' + n.clock + (n.paused ? ' · ' : ''), n.paused ? h('span', { class: 'badge crit' }, 'Everything paused') : null,
      n.writable === false ? h('span', { class: 'badge crit' }, 'writes refused') : null),
    checklistPanel(d.checks),
    h('div', { class: 'assets' }, d.status.assets.map((a) => assetCard(a))),
    smomStatus(d.status),
    h('div', { class: 'panels' }, alertsPanel(d.alerts, nowMs), incidentsPanel(d.incidents, nowMs),
      proposalsPanel(d.proposals, d.timelock, nowMs), dashFeed()));
}

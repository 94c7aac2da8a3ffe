// alerts.js - the node's alerts (GET /api/alerts: pending and firing, the
// resolved ones of the last 15 minutes on request), the maintenance window
// that silences warnings (Start one / End it, as on Incidents), the rules
// in force (GET /api/alerts/rules, an extension: `mintline alerts rules
// --json`) and the marks they put on the dashboard's bars.

import { get, query } from './api.js';
import { h } from './dom.js';
import { ledgerNow, ledgerSeen, pct, age, when } from './fmt.js';
import { maintenancePanel } from './incidents.js';

let showResolved = false; // the "Show resolved" toggle (?all=1), kept across refreshes

export async function loadAlerts() {
  const [al, ru, mw, st] = await Promise.all([get('/api/alerts' + query({ all: showResolved ? 1 : '' })),
    get('/api/alerts/rules'), get('/api/maintenance'), get('/api/system/status')]);
  for (const r of [al, ru]) if (r.status !== 200) return { error: r };
  return { alerts: al.doc, rules: ru.doc, maintenance: mw.status === 200 ? mw.doc : null,
    time: st.status === 200 ? st.doc.node.time : null };
}

function sevBadge(severity) {
  return h('span', { class: 'badge ' + (severity === 'critical' ? 'crit' : 'warn') }, severity);
}

const STATE_CLASS = { firing: 'crit', pending: 'warn', resolved: 'ok' };

function labelsText(labels) {
  return Object.entries(labels || {}).filter(([k]) => k !== 'alertname' && k !== 'severity' && k !== 'action' && k !== 'asset')
    .map(([k, v]) => k + '=' + v).join(', ');
}

function alertRow(a, nowMs) {
  const asset = a.labels && a.labels.asset;
  const other = labelsText(a.labels);
  const times = [h('div', null, 'since ', when(a.since, nowMs))];
  if (a.fired_at) times.push(h('div', null, 'fired ', when(a.fired_at, nowMs)));
  if (a.resolved_at) times.push(h('div', null, 'resolved ', when(a.resolved_at, nowMs)));
  return h('tr', { 'data-key': 'a-' + a.fingerprint, 'data-alert': a.name, 'data-state': a.state },
    h('td', { 'data-cell': 'severity' }, sevBadge(a.severity)),
    h('td', null, h('strong', { 'data-cell': 'name' }, a.name), asset ? h('span', { 'data-cell': 'asset' }, ' ' + asset) : null,
      other ? h('div', { class: 'muted' }, other) : null,
      a.annotations && a.annotations.summary ? h('div', null, a.annotations.summary) : null),
    h('td', { 'data-cell': 'value', class: 'num' }, a.value_text),
    h('td', { 'data-cell': 'state' }, h('span', { class: 'badge ' + (STATE_CLASS[a.state] || 'none') }, a.state),
      a.silenced ? h('span', { class: 'badge none', 'data-silenced': '1', title: 'a maintenance window is in force: not sent to the receivers' }, 'silenced') : null),
    h('td', { class: 'times' }, times),
    h('td', { 'data-cell': 'action' }, a.action === 'none' ? h('span', { class: 'muted' }, 'none') : a.action,
      a.action_result ? h('div', { class: 'muted' }, a.action_result) : null));
}

function alertsTable(doc, nowMs) {
  const list = doc.alerts;
  if (!list.length) {
    return h('p', { class: 'muted', id: 'no-alerts' }, showResolved ? 'No alert is pending, firing or resolved in the last 15 minutes.' :
      'No alert is pending or firing.');
  }
  const order = { firing: 0, pending: 1, resolved: 2 };
  const sorted = [...list].sort((x, y) => (order[x.state] - order[y.state]) ||
    (x.severity === y.severity ? 0 : x.severity === 'critical' ? -1 : 1) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return h('div', { class: 'scroll' }, h('table', { id: 'alerts-table' },
    h('thead', null, h('tr', null, ['Severity', 'Alert', 'Value', 'State', 'Since', 'Action'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, sorted.map((a) => alertRow(a, nowMs)))));
}

function ruleState(r) {
  if (!r.enabled) return h('span', { class: 'badge none' }, 'disabled');
  return r.builtin ? h('span', { class: 'muted' }, 'built-in') : h('span', { class: 'badge warn' }, 'from ' + r.source);
}

function rulesTable(rules) {
  return h('div', { class: 'scroll' }, h('table', { id: 'rules-table', class: 'rules' },
    h('thead', null, h('tr', null, ['Group', 'Rule', 'Severity', 'For', 'Expression', 'Summary', 'Action', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rules.map((r) => h('tr', { 'data-key': 'r-' + r.name, 'data-rule': r.name, class: r.enabled ? null : 'disabled' },
      h('td', { 'data-cell': 'group' }, r.group), h('td', { 'data-cell': 'name' }, h('strong', null, r.name)),
      h('td', { 'data-cell': 'severity' }, sevBadge(r.severity)), h('td', { 'data-cell': 'for' }, r.for),
      h('td', { 'data-cell': 'expr' }, h('code', null, r.expr)),
      h('td', { 'data-cell': 'summary' }, (r.annotations && r.annotations.summary) || ''),
      h('td', { 'data-cell': 'action' }, r.action), h('td', null, ruleState(r)))))));
}

const BARS = [['supply_cap', 'Supply cap usage'], ['daily_mint', 'Daily mint usage'],
  ['daily_net_inflow', 'Daily net inflow usage'], ['nav_age_s', 'NAV age']];

function markCell(bar, m) {
  if (!m) return h('td', { class: 'muted' }, 'no mark');
  const v = bar === 'nav_age_s' ? age(m.value) : pct(m.value);
  return h('td', null, (m.op === '>=' ? '≥ ' : '> ') + v, h('div', { class: 'muted' }, m.rule));
}

function marksTable(t) {
  return h('div', { class: 'scroll' }, h('table', { id: 'marks-table' },
    h('thead', null, h('tr', null, ['Bar', 'Metric', 'Warning', 'Critical'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, BARS.map(([bar, label]) => {
      const m = (t || {})[bar] || {};
      return h('tr', { 'data-key': 'm-' + bar, 'data-bar': bar }, h('td', null, label), h('td', null, h('code', null, m.metric || '')),
        markCell(bar, m.warning), markCell(bar, m.critical));
    }))));
}

export function viewAlerts(d, refresh) {
  if (d.time) ledgerSeen(d.time);
  const nowMs = ledgerNow();
  const doc = d.alerts;
  const firing = doc.alerts.filter((a) => a.state === 'firing').length;
  const pending = doc.alerts.filter((a) => a.state === 'pending').length;
  const toggle = h('input', { type: 'checkbox', id: 'alerts-all', checked: showResolved,
    on: { change: (ev) => { showResolved = ev.target.checked; refresh(); } } });
  const enabled = d.rules.rules.filter((r) => r.enabled).length;
  return h('div', { 'data-key': 'alerts', class: 'alerts-page' },
    h('h1', null, 'Alerts'),
    h('p', { class: 'muted summary', id: 'alerts-summary' }, firing + ' firing · ' + pending + ' pending · ' + doc.rules +
      ' rules in force · evaluated ' + when(doc.evaluated_at, nowMs)),
    h('div', { class: 'filters' }, toggle, h('label', { for: 'alerts-all' }, 'Show resolved (the last 15 minutes)')),
    alertsTable(doc, nowMs),
    maintenancePanel(d.maintenance, refresh, nowMs),
    h('p', { class: 'muted' }, 'During a window, warnings are listed as silenced and not sent to the receivers; criticals, their actions and incidents are unchanged.'),
    h('h2', { id: 'marks-h' }, 'Marks on the dashboard\'s bars'),
    marksTable(d.rules.thresholds),
    h('h2', { id: 'rules-h' }, 'Rules ', h('span', { class: 'count' }, String(d.rules.rules.length)), ' ',
      h('span', { class: 'muted' }, enabled + ' in force')),
    rulesTable(d.rules.rules));
}

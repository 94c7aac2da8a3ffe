// incident.js - one incident: its facts, its timeline from the journal
// (its own entries, expedites, every command on its asset between open and
// resolve), and the post-mortem skeleton with the sections of
// `mintline incident postmortem` (docs/operators/incidents.md), to copy.

import { get } from './api.js';
import { h } from './dom.js';
import { utc, when, ledgerNow, age } from './fmt.js';

export async function loadIncident(id) {
  const r = await get('/api/incidents/' + encodeURIComponent(id));
  return r.status === 200 ? { incident: r.doc } : { error: r };
}

function pairs(args) {
  return Object.entries(args || {}).map(([k, v]) => k + '=' + (typeof v === 'string' ? v : JSON.stringify(v))).join(' ');
}

// What an entry did, in the CLI's words.
export function what(e) {
  const args = e.args || {};
  let s;
  if (e.op === 'incident.open') s = 'opened ' + args.severity + ': ' + (e.text || '');
  else if (e.op === 'incident.ack') s = 'acknowledged';
  else if (e.op === 'incident.note' && e.text !== undefined) s = 'note: ' + e.text;
  else if (e.op === 'incident.resolve' && e.text !== undefined) s = 'resolved: ' + e.text;
  else s = (e.op || '?') + (Object.keys(args).length ? ' ' + pairs(args) : '');
  if (e.result && e.result !== 'ok') s += ' -> ' + e.result;
  return s;
}

function after(i, key) {
  if (!i[key] || !i.opened_at) return '';
  return ' (after ' + age((Date.parse(i[key]) - Date.parse(i.opened_at)) / 1000) + ')';
}

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/[\r\n]/g, ' ');

export function postmortem(i) {
  const lines = ['# Post-mortem: incident ' + i.id + ': ' + i.title, '',
    '- **Severity:** ' + i.severity + ' (' + i.state + ')',
    '- **Asset:** ' + (i.asset || '-'),
    '- **Opened:** ' + utc(i.opened_at) + ' by ' + i.opened_by,
    '- **Acknowledged:** ' + (i.acked_at ? utc(i.acked_at) + ' by ' + i.acked_by + after(i, 'acked_at') : '-'),
    '- **Resolved:** ' + (i.resolved_at ? utc(i.resolved_at) + ' by ' + i.resolved_by + after(i, 'resolved_at') : '-')];
  if (i.alert) lines.push('- **Alert:** ' + i.alert);
  lines.push('- **Timelock entries expedited:** ' + i.expedites, '', '## Summary', '',
    i.summary ? i.summary : '_Not resolved yet: Resolve gives the summary._', '', '## Impact', '',
    '_Who and what was affected and for how long: assets, holders, amounts, services, commands refused._', '',
    '## Timeline', '', 'From the journal: the incident\'s own entries and every command on its asset between open and resolve.', '',
    '| Time (UTC) | Block | Seq | Operator | What |', '| --- | --- | --- | --- | --- |');
  for (const e of i.timeline || []) lines.push('| ' + utc(e.time).replace(' UTC', '') + ' | ' + e.block + ' | ' + e.seq + ' | ' + cell(e.operator) + ' | ' + cell(what(e)) + ' |');
  if (i.omitted > 0) lines.push('', '_' + i.omitted + ' journal entries left out (1000 of each kind at most)._');
  lines.push('', '## Root cause', '', '_Why it happened; the chain of causes, not only the trigger._', '',
    '## What went well', '', '_Detection, alerts, runbook steps, people._', '',
    '## Action items', '', '| Action | Owner | Due |', '| --- | --- | --- |', '|  |  |  |', '');
  return lines.join('\n');
}

export function viewIncident(d) {
  const i = d.incident;
  const nowMs = ledgerNow();
  return h('div', { 'data-key': 'incident-' + i.id },
    h('p', null, h('a', { href: '#/incidents' }, '← Incidents')),
    h('h1', null, 'Incident #' + i.id + ': ' + i.title),
    h('dl', { class: 'fixed' },
      h('dt', null, 'Severity'), h('dd', null, i.severity + ' (' + i.state + ')', i.overdue ? h('span', { class: 'badge crit' }, 'ack overdue') : null),
      h('dt', null, 'Asset'), h('dd', null, i.asset || '—'),
      h('dt', null, 'Opened'), h('dd', null, when(i.opened_at, nowMs) + ' by ' + i.opened_by),
      h('dt', null, 'Acknowledged'), h('dd', null, i.acked_at ? when(i.acked_at, nowMs) + ' by ' + i.acked_by : '—'),
      h('dt', null, 'Resolved'), h('dd', null, i.resolved_at ? when(i.resolved_at, nowMs) + ' by ' + i.resolved_by : '—')),
    h('h2', null, 'Timeline'),
    h('div', { class: 'scroll' }, h('table', { id: 'timeline' },
      h('thead', null, h('tr', null, ['Time', 'Block', 'Seq', 'Operator', 'What'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, (i.timeline || []).map((e) => h('tr', { 'data-key': 'tl-' + e.block + '-' + e.seq + '-' + e.kind },
        h('td', null, utc(e.time)), h('td', null, String(e.block)), h('td', null, String(e.seq)), h('td', null, e.operator),
        h('td', null, what(e))))))),
    h('h2', null, h('label', { for: 'postmortem' }, 'Post-mortem (Markdown, to copy)')),
    h('textarea', { id: 'postmortem', readonly: true, rows: 18, spellcheck: 'false', value: postmortem(i) }));
}

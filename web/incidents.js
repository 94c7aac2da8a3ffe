// incidents.js - incidents (open, ack, note, resolve) and maintenance
// windows (start, end); each action through its dry run.

import { get } from './api.js';
import { openAction } from './action.js';
import { h } from './dom.js';
import { ledgerNow, when } from './fmt.js';

export async function loadIncidents() {
  const [inc, mw] = await Promise.all([get('/api/incidents'), get('/api/maintenance')]);
  if (inc.status !== 200) return { error: inc };
  return { incidents: inc.doc.incidents, maintenance: mw.status === 200 ? mw.doc : null };
}

function act(title, op, id, refresh, fields) {
  return () => openAction({ title, op, fixed: id === undefined ? {} : { id }, fields: fields || [], onDone: refresh });
}

export function viewIncidents(d, refresh) {
  const nowMs = ledgerNow();
  const open = act('Open an incident', 'incident.open', undefined, refresh, [
    { name: 'severity', label: 'Severity (P0, P1, P2 or P3)', required: true, placeholder: 'P2' },
    { name: 'title', label: 'Title', required: true, placeholder: 'What is wrong, in one line' },
    { name: 'asset', label: 'Asset (optional)', placeholder: 'USDW' }]);
  const rows = d.incidents.map((i) => {
    const resolved = i.state === 'resolved';
    return h('tr', { 'data-key': 'i-' + i.id, 'data-incident': i.id },
      h('td', null, '#' + i.id), h('td', null, h('span', { class: 'badge ' + (i.severity === 'P0' || i.severity === 'P1' ? 'crit' : 'warn') }, i.severity)),
      h('td', null, h('a', { href: '#/incident/' + i.id }, h('strong', null, i.title)), i.asset ? ' · ' + i.asset : ''),
      h('td', { 'data-state': i.id }, i.state, i.overdue ? h('span', { class: 'badge crit' }, 'ack overdue') : null),
      h('td', null, when(i.opened_at, nowMs), ' by ' + i.opened_by),
      h('td', null, String(i.notes)),
      h('td', { class: 'actions' }, resolved ? null : [
        i.state === 'open' ? h('button', { type: 'button', 'data-ack': i.id, on: { click: act('Acknowledge incident #' + i.id, 'incident.ack', i.id, refresh) } }, 'Ack') : null,
        h('button', { type: 'button', 'data-note': i.id, on: { click: act('Note on incident #' + i.id, 'incident.note', i.id, refresh,
          [{ name: 'text', label: 'Note', required: true }]) } }, 'Note'),
        h('button', { type: 'button', 'data-resolve': i.id, on: { click: act('Resolve incident #' + i.id, 'incident.resolve', i.id, refresh,
          [{ name: 'summary', label: 'Summary (the post-mortem\'s first line)', required: true }]) } }, 'Resolve')]));
  });
  return h('div', { 'data-key': 'incidents' },
    h('h1', null, 'Incidents'),
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', id: 'btn-incident-open', on: { click: open } }, 'Open an incident')),
    rows.length ? h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ['Id', 'Severity', 'Title', 'State', 'Opened', 'Notes', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows))) : h('p', { class: 'muted' }, 'No incident yet.'),
    maintenancePanel(d.maintenance, refresh, nowMs));
}

// The maintenance window in force with End it, or Start one (also on Alerts).
export function maintenancePanel(m, refresh, nowMs) {
  const current = m && m.active;
  return [h('h2', null, 'Maintenance window'),
    current ? h('p', { id: 'maintenance-state' }, 'In force until ' + when(current.until, nowMs) + ' (' + current.reason + ', by ' + current.by + '). ',
      h('button', { type: 'button', id: 'btn-maintenance-end', on: { click: act('End the maintenance window', 'maintenance.end', undefined, refresh) } }, 'End it')) :
      h('p', { id: 'maintenance-state' }, 'None in force. ', h('button', { type: 'button', id: 'btn-maintenance-start', on: { click: act('Start a maintenance window', 'maintenance.start', undefined, refresh, [
        { name: 'duration', label: 'Duration (at most 7d)', required: true, placeholder: '2h' },
        { name: 'reason', label: 'Reason', required: true }]) } }, 'Start one'))];
}

// action.js - every state change: a form, its dry run, then Submit.
//
// openAction({title, op, fixed, fields, note, onDone}) shows a modal dialog.
// "Dry run" sends the command with "dry_run": true and shows what it would
// do (its events, the proposal or timelock entry it would become) or which
// check refuses it (the ERR_ code and the node's message). "Submit" is
// enabled only after a dry run that passed, for exactly the values shown;
// editing a field disables it again. Submit signs and sends the command.

import { command } from './api.js';
import { h } from './dom.js';
import { ledgerNow, when } from './fmt.js';

let dialog = null;

function dialogEl() {
  if (!dialog) {
    dialog = h('dialog', { id: 'action', 'aria-labelledby': 'action-title' });
    document.body.append(dialog);
  }
  return dialog;
}

function errorBlock(doc, status) {
  const e = (doc && doc.error) || { code: 'ERR_UNKNOWN', message: 'HTTP ' + status };
  return h('div', { class: 'outcome refused', role: 'alert' },
    h('p', null, h('strong', { class: 'code' }, e.code), ' ', e.message),
    h('p', { class: 'muted' }, 'Nothing was changed.'));
}

function eventList(events) {
  if (!events || !events.length) return h('p', { class: 'muted' }, 'No events.');
  return h('ul', { class: 'events' }, events.map((ev) =>
    h('li', null, h('strong', null, ev.type), ev.asset ? ' ' + ev.asset : '',
      ' ', h('code', null, JSON.stringify(ev.data || {})))));
}

function wouldBe(wb) {
  if (!wb) return null;
  if (wb.proposal) {
    const p = wb.proposal;
    return h('p', { class: 'pending' }, 'It would become a proposal needing ', String(p.approvals_needed),
      ' approvals (yours counts: ', (p.approvals || []).join(', '), '), expiring ', when(p.expires_at, ledgerNow()),
      p.timelock && p.timelock !== '0s' ? ', then a ' + p.timelock + ' timelock' : '', '.');
  }
  if (wb.timelock) {
    return h('p', { class: 'pending' }, 'It would be scheduled in the timelock (delay ', wb.timelock.delay,
      ') and could run from ', when(wb.timelock.eta, ledgerNow()), '.');
  }
  return null;
}

function dryBlock(r) {
  if (!r.doc.ok) return errorBlock(r.doc, r.status);
  return h('div', { class: 'outcome passed' },
    h('p', null, h('strong', null, 'Dry run passed.'), ' It would emit:'),
    eventList(r.doc.events), wouldBe(r.doc.would_be));
}

function doneBlock(r) {
  if (!r.doc.ok) return errorBlock(r.doc, r.status);
  const d = r.doc;
  const parts = [h('strong', null, d.pending ? 'Submitted: waiting.' : 'Done.')];
  if (d.pending && d.pending.proposal) parts.push(' Proposal #' + d.pending.proposal + ' needs another operator\'s approval (Proposals).');
  if (d.pending && d.pending.timelock) parts.push(' Timelock entry #' + d.pending.timelock + ', runs from ' + when(d.pending.eta, ledgerNow()) + '.');
  if (d.executed) parts.push(' Proposal #' + d.executed.proposal + (d.executed.ok ? ' ran.' : ' ran and failed: ' + d.executed.error.code));
  if (d.seq !== undefined) parts.push(' Sequence ' + d.seq + ', block ' + d.block + '.');
  return h('div', { class: 'outcome ' + (d.pending ? 'pending' : 'passed'), role: 'status' },
    h('p', { 'data-result': d.pending ? 'pending' : 'done' }, parts), eventList(d.events));
}

// A field with options ([value] or [[value, label]]) is a select; '' is "not given".
function choice(f, id, invalidate) {
  return h('select', { id, name: f.name, required: f.required, on: { change: invalidate } },
    f.options.map((o) => {
      const [v, label] = Array.isArray(o) ? o : [o, o];
      return h('option', { value: v, selected: v === (f.value || '') }, label);
    }));
}

export function openAction({ title, op, fixed = {}, fields = [], note, onDone }) {
  const dlg = dialogEl();
  const inputs = {};
  let checked = null; // the JSON of the command the last passing dry run checked
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const submit = h('button', { type: 'button', class: 'primary', id: 'action-submit', disabled: true }, 'Submit');
  const dry = h('button', { type: 'submit', id: 'action-dry' }, 'Dry run');

  const cmd = () => {
    const c = { op, ...fixed };
    for (const f of fields) {
      const v = inputs[f.name].value.trim();
      if (v !== '') c[f.name] = f.number ? Number(v) : v;
    }
    return c;
  };
  const invalidate = () => { checked = null; submit.disabled = true; };

  const rows = fields.map((f) => {
    const id = 'f-' + f.name;
    inputs[f.name] = f.options ? choice(f, id, invalidate) : h('input', { id, name: f.name, type: 'text', required: f.required,
      placeholder: f.placeholder || '', autocomplete: 'off', spellcheck: 'false', value: f.value || '', on: { input: invalidate } });
    return h('div', { class: 'field' }, h('label', { for: id }, f.label), inputs[f.name],
      f.hint ? h('small', null, f.hint) : null);
  });
  const summary = h('dl', { class: 'fixed' }, Object.entries({ op, ...fixed }).map(([k, v]) =>
    [h('dt', null, k), h('dd', null, String(v))]));
  const form = h('form', { method: 'dialog', on: {
    submit: async (ev) => {
      ev.preventDefault();
      const c = cmd();
      dry.disabled = true;
      result.replaceChildren(h('p', { class: 'muted' }, 'Running the dry run…'));
      const r = await command({ ...c, dry_run: true });
      dry.disabled = false;
      result.replaceChildren(dryBlock(r));
      if (r.doc.ok) { checked = JSON.stringify(c); submit.disabled = false; submit.focus(); }
    },
  } },
  h('h2', { id: 'action-title' }, title), note ? h('p', null, note) : null, summary, rows, result,
  h('div', { class: 'buttons' }, dry, submit,
    h('button', { type: 'button', id: 'action-close', on: { click: () => dlg.close() } }, 'Close')));

  submit._on = { click: async () => {
    const c = cmd();
    if (checked !== JSON.stringify(c)) { invalidate(); return; }
    submit.disabled = true;
    dry.disabled = true;
    result.replaceChildren(h('p', { class: 'muted' }, 'Signing and sending…'));
    const r = await command(c);
    result.replaceChildren(doneBlock(r));
    dry.disabled = false;
    checked = null;
    if (onDone) onDone(r);
  } };
  submit.addEventListener('click', (ev) => submit._on.click(ev));
  dlg.replaceChildren(form);
  if (!dlg.open) dlg.showModal();
  (rows.length ? inputs[fields[0].name] : dry).focus();
}


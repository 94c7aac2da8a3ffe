// danger.js - the emergency controls (the runbooks' "/danger"): pause and
// unpause everything, and every asset's pause and minting state at a
// glance. Each action goes through its dry run; lifting a pause needs the
// approvals its policy asks for (a proposal the others approve from Proposals).

import { get } from './api.js';
import { openAction } from './action.js';
import { h } from './dom.js';

export async function loadDanger() {
  const r = await get('/api/contracts/status');
  return r.status === 200 ? { contracts: r.doc } : { error: r };
}

export function viewDanger(d, refresh) {
  const c = d.contracts;
  const assets = Object.entries(c.assets || {});
  return h('div', { 'data-key': 'danger' },
    h('h1', null, 'Emergency controls'),
    h('p', null, 'The whole ledger: ', c.paused ? h('span', { class: 'badge crit', id: 'global-state' }, 'Everything paused') :
      h('span', { class: 'badge ok', id: 'global-state' }, 'Running'),
    ' A global pause stops mint, burn and transfer of every asset; one asset is paused from its page.'),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'danger', id: 'btn-pause-all', on: { click: () => openAction({
        title: 'Pause System', op: 'pause', note: 'Stops mint, burn and transfer of every asset.', onDone: refresh }) } },
      'Pause System'),
      h('button', { type: 'button', id: 'btn-unpause-all', on: { click: () => openAction({
        title: 'Unpause System', op: 'unpause', note: 'Lifts the global pause; its policy may need a second operator\'s approval.',
        onDone: refresh }) } }, 'Unpause System')),
    h('h2', null, 'Assets'),
    h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ['Asset', 'Pause', 'Minting'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, assets.map(([sym, a]) => h('tr', { 'data-key': 'a-' + sym },
        h('td', null, h('a', { href: '#/asset/' + encodeURIComponent(sym) }, sym)),
        h('td', { class: a.paused ? 'crit' : 'ok' }, a.paused ? 'paused' : 'running'),
        h('td', { class: a.mint_halted ? 'warn' : 'ok' }, a.mint_halted ? 'halted' : 'open')))))));
}

// asset.js - one asset: its figures, pause state and recent events, with
// Pause, Unpause and Mint (each through its dry run).

import { get, query } from './api.js';
import { openAction } from './action.js';
import { loadAssetOps, viewAssetOps } from './assetops.js';
import { bar } from './dashboard.js';
import { h } from './dom.js';
import { amount, count, ledgerNow, when } from './fmt.js';
import { loadThresholds, thresholds } from './thresholds.js';

export async function loadAsset(symbol) {
  const [a, ev] = await Promise.all([get('/api/assets/' + encodeURIComponent(symbol)),
    get('/api/events/recent' + query({ asset: symbol, limit: 15 })), loadThresholds()]);
  if (a.status !== 200) return { error: a };
  return { asset: a.doc, events: ev.status === 200 ? ev.doc.events : [], ops: await loadAssetOps(symbol) };
}

export function viewAsset(d, refresh) {
  const a = d.asset;
  const sym = a.symbol;
  const nowMs = ledgerNow();
  const pause = () => openAction({ title: 'Pause ' + sym, op: 'pause', fixed: { asset: sym },
    note: 'Stops mint, burn and transfer of ' + sym + '.', onDone: refresh });
  const unpause = () => openAction({ title: 'Unpause ' + sym, op: 'unpause', fixed: { asset: sym },
    note: 'Lifts the pause of ' + sym + '. Its policy may need a second operator\'s approval.', onDone: refresh });
  const mint = () => openAction({ title: 'Mint ' + sym, op: 'mint', fixed: { asset: sym }, onDone: refresh,
    fields: [{ name: 'to', label: 'To (address)', required: true, placeholder: '0x…' },
      { name: 'amount', label: 'Amount (' + sym + ', up to ' + a.decimals + ' decimals)', required: true, placeholder: '1000.00' }] });
  const amountField = { name: 'amount', label: 'Amount (' + sym + ', up to ' + a.decimals + ' decimals)', required: true, placeholder: '1000.00' };
  const burn = () => openAction({ title: 'Burn ' + sym, op: 'burn', fixed: { asset: sym }, onDone: refresh,
    fields: [{ name: 'from', label: 'From (address)', required: true, placeholder: '0x…' }, amountField] });
  const transfer = () => openAction({ title: 'Transfer ' + sym, op: 'transfer', fixed: { asset: sym }, onDone: refresh,
    fields: [{ name: 'from', label: 'From (address)', required: true, placeholder: '0x…' },
      { name: 'to', label: 'To (address)', required: true, placeholder: '0x…' }, amountField] });
  return h('div', { 'data-key': 'asset-' + sym, class: 'asset-page' },
    h('h1', null, sym, ' ', a.paused ? h('span', { class: 'badge crit', id: 'pause-state' }, 'Paused') :
      h('span', { class: 'badge ok', id: 'pause-state' }, 'Active')),
    h('p', { class: 'muted' }, a.kind + (a.currency ? ' · ' + a.currency : '') + ' · ' + a.decimals + ' decimals · ' +
      count(a.holders) + ' holders' + (a.mint_halted ? ' · minting halted' : '')),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', id: 'btn-pause', class: a.paused ? '' : 'danger', on: { click: pause } }, 'Pause'),
      h('button', { type: 'button', id: 'btn-unpause', on: { click: unpause } }, 'Unpause'),
      h('button', { type: 'button', id: 'btn-mint', on: { click: mint } }, 'Mint'),
      h('button', { type: 'button', id: 'btn-burn', on: { click: burn } }, 'Burn'),
      h('button', { type: 'button', id: 'btn-transfer', on: { click: transfer } }, 'Transfer'),
      a.mint_halted ? h('button', { type: 'button', id: 'btn-mint-resume', on: { click: () => openAction({ title: 'Resume minting ' + sym,
        op: 'mint_resume', fixed: { asset: sym }, note: 'Lifts the minting halt; its policy may need a second approval.', onDone: refresh }) } }, 'Resume minting') :
        h('button', { type: 'button', id: 'btn-mint-halt', on: { click: () => openAction({ title: 'Halt minting ' + sym,
          op: 'mint_halt', fixed: { asset: sym }, note: 'Stops minting of ' + sym + '; burn and transfer go on.', onDone: refresh }) } }, 'Halt minting')),
    h('div', { class: 'card' },
      h('dl', { class: 'figs' }, h('div', { class: 'fig' }, h('dt', null, 'Supply'), h('dd', { 'data-figure': 'supply' }, amount(a.supply, sym)))),
      bar('supply_cap', 'Supply cap', a.supply, a.supply_cap, a.supply_cap_usage, sym, thresholds('supply_cap')),
      bar('daily_mint', 'Daily mint', a.daily_mint.used, a.daily_mint.limit, a.daily_mint.usage, sym, thresholds('daily_mint')),
      bar('daily_net_inflow', 'Daily net inflow', a.daily_net_inflow.used, a.daily_net_inflow.limit, a.daily_net_inflow.usage, sym, thresholds('daily_net_inflow'))),
    viewAssetOps(d, a, refresh),
    h('h2', null, 'Recent events'),
    d.events.length ? h('ul', { class: 'list events' }, d.events.map((e) => h('li', { 'data-key': 'e-' + e.seq + '-' + e.block + '-' + e.type },
      h('strong', null, e.type), ' by ' + e.operator + ' · block ' + e.block + ' · ' + when(e.time, nowMs), ' ',
      h('code', null, JSON.stringify(e.data || {}))))) : h('p', { class: 'muted' }, 'No event yet.'));
}

// stabilizer.js - the stabilizers of seed 001 (SPEC 6,
// docs/operators/stabilizer.md): per asset the peg, the market price, the
// TWAP, the deviation against the threshold, the run of observations
// against sustain, the orders and the reserve account; with a peak outflow
// per minute the runbook's reserve rule (P x T x 3: required, actual, ok).
// "Set stabilizer" (stabilizer.set) goes through openAction's dry run.

import { get, query } from './api.js';
import { openAction } from './action.js';
import { h } from './dom.js';
import { amount, count } from './fmt.js';
import { fig, refusalSlot } from './vaults.js';

let peak = ''; // the peak outflow per minute the reserve rule is sized with

// Parts per million as an exact percentage: 13333 -> "1.3333 %".
export function ppmPct(ppm) {
  const whole = Math.floor(ppm / 10000);
  const frac = String(ppm % 10000).padStart(4, '0').replace(/0+$/, '');
  return whole + (frac ? '.' + frac : '') + ' %';
}

export async function loadStabilizers() {
  let r = await get('/api/stabilizers' + query({ peak_outflow: peak }));
  let peakError = null;
  if (r.status !== 200 && peak) {
    peakError = r;
    r = await get('/api/stabilizers');
  }
  if (r.status !== 200) return { error: r };
  return { stabilizers: r.doc.stabilizers, peakError };
}

function stabCard(s, refresh) {
  const beyond = s.deviation_ppm > s.threshold_ppm;
  const run = s.run_side !== 'within' && s.consecutive >= s.sustain_blocks;
  const rule = s.reserve_rule;
  const set = () => openAction({ title: 'Set the ' + s.asset + ' stabilizer', op: 'stabilizer.set', fixed: { asset: s.asset }, onDone: refresh,
    note: 'Empty fields keep their value. Timelocked (24 h) by default.',
    fields: [{ name: 'feed', label: 'Market feed', placeholder: s.feed },
      { name: 'target', label: 'Target (the peg)', placeholder: s.target },
      { name: 'window_blocks', label: 'TWAP window (observations)', placeholder: String(s.window_blocks) },
      { name: 'sustain_blocks', label: 'Sustain (observations, at least 2)', placeholder: String(s.sustain_blocks) },
      { name: 'threshold', label: 'Threshold', placeholder: ppmPct(s.threshold_ppm).replace(' ', '') },
      { name: 'k', label: 'k (base units per unit of deviation)', placeholder: s.k },
      { name: 'max_per_block', label: 'Max per block', placeholder: s.max_per_block },
      { name: 'reserve_account', label: 'Reserve account', placeholder: s.reserve_account }] });
  return h('article', { class: 'card', 'data-key': 'stab-' + s.asset, 'data-stabilizer': s.asset },
    h('header', null, h('h3', null, s.asset),
      h('span', { class: 'muted' }, 'feed ' + s.feed + ' · peg ' + amount(s.target)),
      beyond ? h('span', { class: 'badge ' + (run ? 'crit' : 'warn') }, 'off the peg (' + s.run_side + ')') : h('span', { class: 'badge ok' }, 'on the peg')),
    h('dl', { class: 'figs' },
      fig('price', 'Price', amount(s.price)),
      fig('twap', 'TWAP', amount(s.twap) + ' (' + s.twap_side + ')'),
      fig('deviation', 'Deviation', ppmPct(s.deviation_ppm) + ' (' + count(s.deviation_ppm) + ' ppm)', beyond ? 'warn' : 'ok'),
      fig('threshold', 'Threshold', ppmPct(s.threshold_ppm) + ' (' + count(s.threshold_ppm) + ' ppm)'),
      fig('consecutive', 'Run vs sustain', count(s.consecutive) + ' of ' + count(s.sustain_blocks) + ' (' + s.run_side + ')', run ? 'warn' : ''),
      fig('window', 'Window', count(s.observations) + ' of ' + count(s.window_blocks) + ' observations, ' + count(s.window_min) + ' min'),
      fig('orders', 'Orders', count(s.orders)),
      fig('bought', 'Bought / sold', amount(s.bought_total) + ' / ' + amount(s.sold_total)),
      fig('k', 'k · max per block', amount(s.k) + ' · ' + amount(s.max_per_block)),
      fig('reserve_balance', 'Reserve balance', amount(s.reserve_balance, s.asset))),
    h('p', { class: 'muted' }, 'Reserve account ', h('code', null, s.reserve_account)),
    rule ? h('p', { 'data-figure': 'reserve_rule', class: rule.ok ? '' : 'error' }, 'Reserve rule: required ' + amount(rule.required, s.asset) +
      ' = peak outflow ' + amount(rule.peak_outflow_per_min) + '/min × window ' + count(rule.window_min) + ' min × ' + rule.factor +
      '; actual ' + amount(rule.actual, s.asset) + ': ', h('strong', { 'data-rule-ok': s.asset }, rule.ok ? 'ok' : 'SHORT')) :
      h('p', { class: 'muted', 'data-figure': 'reserve_rule' }, 'Give the peak outflow per minute above to check the reserve rule (P × T × 3).'),
    h('div', { class: 'buttons' }, h('button', { type: 'button', 'data-stabilizer-set': s.asset, on: { click: set } }, 'Set stabilizer')));
}

export function viewStabilizers(d, refresh) {
  const input = h('input', { id: 'stab-peak', name: 'peak', type: 'text', value: peak, placeholder: '10000', autocomplete: 'off' });
  return h('div', { 'data-key': 'stabilizers', class: 'stabilizers' },
    h('h1', null, 'Stabilizers'),
    h('form', { class: 'filters', 'data-key': 'stab-peak', on: { submit: (ev) => {
      ev.preventDefault();
      peak = ev.target.elements.namedItem('peak').value.trim(); // the live input (a refresh keeps the old node)
      refresh();
    } } }, h('label', { for: 'stab-peak' }, 'Peak outflow per minute'), input, h('button', { type: 'submit' }, 'Check the reserve rule')),
    refusalSlot('peak-error', d.peakError),
    d.stabilizers.length ? h('div', { class: 'stack' }, d.stabilizers.map((s) => stabCard(s, refresh))) :
      h('p', { class: 'muted' }, 'This ledger has no stabilizer.'));
}

// chart.js - a small line chart drawn as inline SVG, no library: one series
// of values over evenly spaced times (a period report's "series" with its
// "chart_times"), its axes labelled with units, a <title> and <desc> for
// screen readers and the figures as a table beside it (visually hidden).
//
// Values arrive as decimal strings and are shown only as those strings
// (fmt.js's amount()); the y position of a point is a float computed from its
// string, which is display, never money. The y axis is labelled with the
// lowest and the highest value of the series, as given. No inline style: the
// SVG's look is console.css's (classes), its geometry attributes.

import { h } from './dom.js';
import { amount } from './fmt.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 640; // the viewBox; the SVG scales to its box's width
const HT = 200;
const PAD = { left: 12, right: 12, top: 24, bottom: 34 };

// An SVG element: s('path', {d: ...}, children...). Attribute values are text.
function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// "1.025" as a ratio -> "102.5 %", by moving the decimal point (exact text).
export function ratioText(text) {
  if (text === null || text === undefined) return '—';
  const [int, frac = ''] = String(text).split('.');
  const f = (frac + '00');
  let whole = (int + f.slice(0, 2)).replace(/^0+(?=\d)/, '');
  const rest = f.slice(2).replace(/0+$/, '');
  return amount(whole + (rest ? '.' + rest : '')) + ' %';
}

// "2026-12-05T13:15:00.000Z" -> "13:15" (a day) or "12-05 13:15" (longer).
function tick(ms, long) {
  const iso = new Date(ms).toISOString();
  return (long ? iso.slice(5, 10) + ' ' : '') + iso.slice(11, 16);
}

// The lowest and highest points of values (strings or null) as indices.
function extremes(values) {
  let lo = -1;
  let hi = -1;
  values.forEach((v, i) => {
    if (v === null) return;
    const n = Number(v);
    if (lo < 0 || n < Number(values[lo])) lo = i;
    if (hi < 0 || n > Number(values[hi])) hi = i;
  });
  return { lo, hi };
}

// lineChart({key, title, unit, format, values, first, stepS, start, end})
// values: the series (strings, null where the figure did not exist yet);
// point i is at first + i * stepS seconds; the x axis runs from start to end
// (ISO times: the whole period, so that a period not yet over shows where
// its line stops). format(text) -> what a person reads; unit for the axis.
export function lineChart({ key, title, unit, format, values, first, stepS, start, end }) {
  const fmtv = format || ((v) => amount(v));
  const t0 = Date.parse(start);
  const t1 = Date.parse(end);
  const firstMs = Date.parse(first);
  const at = (i) => firstMs + i * stepS * 1000;
  const { lo, hi } = extremes(values);
  const present = values.filter((v) => v !== null).length;
  const x = (ms) => PAD.left + (W - PAD.left - PAD.right) * (t1 > t0 ? (ms - t0) / (t1 - t0) : 0);
  const yLo = lo < 0 ? 0 : Number(values[lo]);
  const yHi = hi < 0 ? 1 : Number(values[hi]);
  const span = yHi - yLo;
  const y = (v) => {
    const inner = HT - PAD.top - PAD.bottom;
    if (span <= 0) return PAD.top + inner / 2; // a flat line sits in the middle
    return PAD.top + inner * (1 - (Number(v) - yLo) / span);
  };
  // one path, broken where a value is missing
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) { pen = false; return; }
    d += (pen ? 'L' : 'M') + x(at(i)).toFixed(1) + ' ' + y(v).toFixed(1);
    pen = true;
  });
  const last = present ? values.filter((v) => v !== null).slice(-1)[0] : null;
  const long = t1 - t0 > 86400000;
  const titleId = 'chart-' + key + '-title';
  const descId = 'chart-' + key + '-desc';
  const desc = present ? title + ' from ' + tick(at(values.findIndex((v) => v !== null)), long) + ' to ' +
    tick(at(values.length - 1), long) + ' UTC: lowest ' + fmtv(values[lo]) + ', highest ' + fmtv(values[hi]) +
    ', last ' + fmtv(last) + ' (' + present + ' points, every ' + Math.round(stepS / 60) + ' min).' :
    title + ': no figure in this period.';
  const base = HT - PAD.bottom;
  const svg = s('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + HT, role: 'img', 'aria-labelledby': titleId + ' ' + descId,
    'data-points': present, 'data-last': last === null ? '' : last },
  s('title', { id: titleId }, title + (unit ? ' (' + unit + ')' : '')),
  s('desc', { id: descId }, desc),
  s('line', { class: 'axis', x1: PAD.left, y1: base, x2: W - PAD.right, y2: base }),
  s('line', { class: 'grid', x1: PAD.left, y1: PAD.top, x2: W - PAD.right, y2: PAD.top }),
  present && span > 0 ? s('text', { class: 'tick value', x: PAD.left + 2, y: PAD.top - 5 }, fmtv(values[hi]) + (unit ? ' ' + unit : '')) : null,
  present ? s('text', { class: 'tick value', x: PAD.left + 2, y: (span > 0 ? base : y(last)) - 5 },
    fmtv(values[lo]) + (unit ? ' ' + unit : '')) : null,
  s('text', { class: 'tick', x: PAD.left, y: HT - 14, 'text-anchor': 'start' }, tick(t0, long)),
  s('text', { class: 'tick', x: (PAD.left + W - PAD.right) / 2, y: HT - 14, 'text-anchor': 'middle' }, tick((t0 + t1) / 2, long)),
  s('text', { class: 'tick', x: W - PAD.right, y: HT - 14, 'text-anchor': 'end' }, tick(t1, long)),
  s('text', { class: 'tick', x: (PAD.left + W - PAD.right) / 2, y: HT - 1, 'text-anchor': 'middle' }, 'time (UTC)'),
  d ? s('path', { class: 'line', d }) : null,
  present ? s('circle', { class: 'dot', r: 3, cx: x(at(values.lastIndexOf(last))).toFixed(1), cy: y(last).toFixed(1) }) : null);
  const rows = [];
  values.forEach((v, i) => {
    if (v !== null) rows.push(h('tr', null, h('td', null, tick(at(i), long)), h('td', null, fmtv(v))));
  });
  return h('figure', { class: 'chart-box', 'data-key': 'chart-' + key, 'data-chart': key },
    h('figcaption', null, h('strong', null, title), unit ? h('span', { class: 'muted' }, ' (' + unit + ')') : null,
      h('span', { class: 'chart-range', 'aria-hidden': 'true' },
        present ? 'high ' + fmtv(values[hi]) + ' · low ' + fmtv(values[lo]) + ' · last ' + fmtv(last) : 'no figure in this period')),
    svg,
    h('table', { class: 'sr-only' }, h('caption', null, title + (unit ? ' (' + unit + ')' : '')),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Time (UTC)'), h('th', { scope: 'col' }, title))),
      h('tbody', null, rows)));
}

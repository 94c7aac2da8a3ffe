// live.js - a live feed of the ledger's events, newest first, growing
// without a reload.
//
// It starts from the newest events matching its filters (type, asset) and
// a cursor, the seq of the newest event of all; then every LIVE_MS it asks
// GET /api/events/recent?after_seq=CURSOR (oldest first, at most PAGE; a
// full page asks again at once, up to PAGES a round) and puts what came on
// top. It keeps `keep` events (KEEP by default). A feed polls only while its element is on the
// page (a view that shows it calls feed.ensure()), and stops at the first
// refusal (a type the node does not know) until its filters change.
//
// Pause holds new events back (the button counts them) so that what the
// operator reads stays put; Resume shows them. The list sits in a box of
// fixed height: new events never push the page below it, and when the
// operator has scrolled down inside the box, the box scrolls by what was
// added above so the rows being read do not move.

import * as api from './api.js';
import { h, morph } from './dom.js';
import { ledgerNow, when } from './fmt.js';

const LIVE_MS = 2000;
const PAGE = 100;
const PAGES = 5;
const KEEP = 100;
const FRESH_MS = 6000; // how long a new event is highlighted

// compact: no filters, a shorter box and a link to History (the dashboard's);
// keep: how many events it shows at most.
export function createFeed({ id, first = 15, keep = KEEP, title = 'Live events', compact = false }) {
  const f = {
    id, first, title,
    filters: { type: '', asset: '' },
    events: [],   // shown, newest first
    held: [],     // arrived while paused, newest first
    cursor: null, // seq of the newest event seen (of all types), null until started
    paused: false,
    error: null,  // the refusal that stopped the polling
    timer: null,
    busy: false,
    operator: null,
    fresh: new Map(), // seq -> time it arrived
    generation: 0,
  };

  const el = () => document.getElementById(id);
  const q = (extra) => api.query({ type: f.filters.type, asset: f.filters.asset, ...extra });

  function stop() {
    clearInterval(f.timer);
    f.timer = null;
  }

  function fail(r) {
    f.error = (r.doc && r.doc.error) || { code: 'HTTP ' + r.status, message: '' };
    stop();
  }

  function add(list) { // list oldest first
    const seen = new Set(f.events.map((e) => e.seq).concat(f.held.map((e) => e.seq)));
    const now = Date.now();
    const fresh = list.filter((e) => !seen.has(e.seq)).reverse();
    for (const e of fresh) f.fresh.set(e.seq, now);
    if (f.paused) f.held = fresh.concat(f.held).slice(0, keep);
    else f.events = fresh.concat(f.events).slice(0, keep);
    for (const e of list) if (e.seq > f.cursor) f.cursor = e.seq;
  }

  async function start(mine) {
    const top = await api.get('/api/events/recent' + api.query({ limit: 1 }));
    if (mine !== f.generation) return;
    if (top.status !== 200) { fail(top); return; }
    const cursor = top.doc.events.length ? top.doc.events[0].seq : 0;
    const list = await api.get('/api/events/recent' + q({ limit: f.first }));
    if (mine !== f.generation) return;
    if (list.status !== 200) { fail(list); return; }
    f.events = list.doc.events.slice();
    f.cursor = cursor;
    for (const e of f.events) if (e.seq > f.cursor) f.cursor = e.seq;
  }

  async function poll() {
    if (!el() || !api.operator()) { stop(); return; }
    if (f.busy || document.hidden) return;
    f.busy = true;
    const mine = f.generation;
    try {
      if (f.cursor === null) await start(mine);
      else {
        for (let i = 0; i < PAGES; i++) {
          const r = await api.get('/api/events/recent' + q({ after_seq: f.cursor, limit: PAGE }));
          if (mine !== f.generation) return;
          if (r.status !== 200) { fail(r); break; }
          add(r.doc.events);
          if (r.doc.events.length < PAGE) break;
        }
      }
    } finally {
      f.busy = false;
    }
    if (mine === f.generation) paint();
  }

  function reset() {
    f.generation++;
    f.events = [];
    f.held = [];
    f.cursor = null;
    f.error = null;
    f.fresh.clear();
    f.busy = false;
  }

  // The feed's element is in the page: make sure it polls.
  f.ensure = () => {
    if (f.operator !== api.operator()) { f.operator = api.operator(); reset(); }
    if (!f.timer && !f.error) {
      f.timer = setInterval(poll, LIVE_MS);
      setTimeout(poll, 0);
    }
  };

  f.setFilters = (type, asset) => {
    if (type === f.filters.type && asset === f.filters.asset && !f.error) return;
    f.filters = { type, asset };
    reset();
    stop();
    f.ensure();
    paint();
  };

  f.toggle = () => {
    f.paused = !f.paused;
    if (!f.paused) { f.events = f.held.concat(f.events).slice(0, keep); f.held = []; }
    paint();
  };

  // Repaint the feed alone, in place, keeping what the operator reads where it is.
  function paint() {
    const box = el();
    if (!box) return;
    const list = box.querySelector('.feed-box');
    const top = list ? list.scrollTop : 0;
    const height = list ? list.scrollHeight : 0;
    morph(box, f.view());
    const after = box.querySelector('.feed-box');
    if (after && top > 0) after.scrollTop = top + (after.scrollHeight - height);
  }

  function eventItem(e, nowMs) {
    const t = f.fresh.get(e.seq);
    const isNew = t !== undefined && Date.now() - t < FRESH_MS;
    return h('li', { 'data-key': 'ev-' + e.seq, 'data-seq': e.seq, 'data-type': e.type, class: isNew ? 'fresh' : null },
      h('strong', null, e.type), e.asset ? ' ' + e.asset : '', e.operator ? ' by ' + e.operator : '',
      ' · ', h('span', { class: 'muted' }, when(e.time, nowMs) + ' · block ' + e.block + ' · seq ' + e.seq), ' ',
      h('code', null, JSON.stringify(e.data || {})));
  }

  // The feed as an element (its id is the feed's): controls, status, list.
  f.view = () => {
    const nowMs = ledgerNow();
    const type = h('input', { id: id + '-type', type: 'text', value: f.filters.type, placeholder: 'Mint, Paused…', autocomplete: 'off', spellcheck: 'false' });
    const asset = h('input', { id: id + '-asset', type: 'text', value: f.filters.asset, placeholder: 'USDW', autocomplete: 'off', spellcheck: 'false' });
    const status = f.error ? h('span', { class: 'error', role: 'alert' }, h('strong', { class: 'code' }, f.error.code), ' ', f.error.message || '') :
      f.paused ? h('span', { class: 'badge warn' }, 'Paused') : f.cursor === null ? h('span', { class: 'muted' }, 'Loading…') :
        h('span', { class: 'badge ok' }, 'Live');
    const toggle = h('button', { type: 'button', id: id + '-toggle', 'aria-pressed': f.paused ? 'true' : 'false', on: { click: f.toggle } },
      f.paused ? 'Resume' + (f.held.length ? ' (' + f.held.length + (f.held.length >= keep ? '+' : '') + ' new)' : '') : 'Pause');
    const controls = compact ? h('div', { class: 'filters' }, toggle, h('a', { href: '#/history' }, 'History: filters and commands')) :
      h('form', { class: 'filters', on: { submit: (ev) => { // the inputs on the page (a repaint keeps them, not these)
        ev.preventDefault();
        f.setFilters(document.getElementById(id + '-type').value.trim(), document.getElementById(id + '-asset').value.trim());
      } } },
      h('label', { for: id + '-type' }, 'Type'), type, h('label', { for: id + '-asset' }, 'Asset'), asset,
      h('button', { type: 'submit', id: id + '-filter' }, 'Filter'), toggle);
    return h('section', { id, class: 'feed' + (compact ? ' panel compact' : ''), 'aria-labelledby': id + '-h' },
      h('h2', { id: id + '-h' }, f.title, ' ', status),
      controls,
      h('div', { class: 'feed-box', tabindex: '0', role: 'region', 'aria-label': f.title + ', newest first' },
        f.events.length ? h('ul', { class: 'list events' }, f.events.map((e) => eventItem(e, nowMs))) :
          h('p', { class: 'muted' }, f.cursor === null ? '' : 'No event yet' + (f.filters.type || f.filters.asset ? ' for these filters.' : '.'))));
  };

  return f;
}

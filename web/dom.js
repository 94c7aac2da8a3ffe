// dom.js - elements built without HTML text (no innerHTML anywhere: data
// from the node is always text), and an in-place update so that a refresh
// keeps focus, scroll and layout where they are.

// h('div', {class: 'x', on: {click: fn}, style: {width: '10%'}}, child, ...)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') el._on = v;
    else if (k === 'style') Object.assign(el.style, v); // CSSOM: allowed by the CSP
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  if (el._on) for (const type of Object.keys(el._on)) el.addEventListener(type, dispatch);
  append(el, children);
  return el;
}

function dispatch(ev) {
  const fn = this._on && this._on[ev.type];
  if (fn) fn(ev);
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Make old look like neu, reusing old's nodes where tags (and data-key) match.
export function morph(old, neu) {
  if (old.nodeType !== neu.nodeType || old.nodeName !== neu.nodeName ||
      (old.nodeType === 1 && old.getAttribute('data-key') !== neu.getAttribute('data-key'))) {
    old.replaceWith(neu);
    return;
  }
  if (old.nodeType === 3) {
    if (old.data !== neu.data) old.data = neu.data;
    return;
  }
  if (old.nodeType !== 1) return;
  for (const a of [...old.attributes]) {
    if (a.name !== 'style' && !neu.hasAttribute(a.name)) old.removeAttribute(a.name);
  }
  for (const a of neu.attributes) {
    if (a.name !== 'style' && old.getAttribute(a.name) !== a.value) old.setAttribute(a.name, a.value);
  }
  if (old.style.cssText !== neu.style.cssText) old.style.cssText = neu.style.cssText;
  const newOn = neu._on;
  if (newOn) {
    for (const type of Object.keys(newOn)) if (!old._on || !old._on[type]) old.addEventListener(type, dispatch);
  }
  old._on = newOn;
  if (old.tagName === 'INPUT' || old.tagName === 'SELECT' || old.tagName === 'TEXTAREA') {
    if (old.readOnly && old.value !== neu.value) old.value = neu.value; // ours to refresh; typed values are the user's
    return;
  }
  const oc = [...old.childNodes];
  const nc = [...neu.childNodes];
  for (let i = 0; i < nc.length; i++) {
    if (i < oc.length) morph(oc[i], nc[i]);
    else old.append(nc[i]);
  }
  for (let i = nc.length; i < oc.length; i++) oc[i].remove();
}

// Replace el's content with children, in place.
export function render(el, ...children) {
  const fresh = h(el.tagName.toLowerCase(), null, ...children);
  for (const a of el.attributes) if (a.name !== 'style') fresh.setAttribute(a.name, a.value);
  fresh.style.cssText = el.style.cssText;
  fresh._on = el._on;
  morph(el, fresh);
}

// api.js - the signed-in operator and every request the page makes.
//
// Every request to /api/ is signed (reads too, SPEC 7) with the session's
// CryptoKey. The session lives in this module's memory only: no storage,
// no cookie; a reload or "Sign out" forgets it.

import { newNonce, signRequest } from './sign.js';

const enc = new TextEncoder();
let session = null; // { operator, key }

export function signIn(operator, key) { session = { operator, key }; }
export function signOut() { session = null; }
export function operator() { return session ? session.operator : null; }

// One signed request: { status, doc } (status 0 when the node could not be reached).
export async function call(method, path, command) {
  if (!session) return { status: 0, doc: { ok: false, error: { code: 'SIGNED_OUT', message: 'sign in first' } } };
  const url = new URL(path, location.origin);
  const pathAndQuery = url.pathname + url.search; // exactly what fetch sends
  const text = command === undefined ? '' : JSON.stringify(command);
  const body = enc.encode(text);
  const s = await signRequest(session.key, method, pathAndQuery, body, String(Date.now()), newNonce());
  const headers = {
    'Mintline-Operator': session.operator,
    'Mintline-Time': s.time,
    'Mintline-Nonce': s.nonce,
    'Mintline-Signature': s.signature,
  };
  if (text) headers['Content-Type'] = 'application/json';
  try {
    const r = await fetch(pathAndQuery, {
      method, headers, body: text ? body : undefined, cache: 'no-store', credentials: 'omit',
      redirect: 'error',
    });
    let doc;
    try { doc = await r.json(); } catch { doc = { ok: false, error: { code: 'BAD_ANSWER', message: 'not JSON (HTTP ' + r.status + ')' } }; }
    return { status: r.status, doc };
  } catch (e) {
    return { status: 0, doc: { ok: false, error: { code: 'NETWORK', message: 'the node did not answer: ' + e.message } } };
  }
}

export function get(path) { return call('GET', path); }
export function command(cmd) { return call('POST', '/api/commands', cmd); }

// The query string of a read: keys with empty values left out, values encoded
// so that the URL parser leaves them as they are (the signature covers them).
export function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(k + '=' + encodeURIComponent(String(v)).replace(/[!'()*]/g,
      (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

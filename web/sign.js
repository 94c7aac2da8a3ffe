// sign.js - SPEC 7 request signatures in the browser (WebCrypto Ed25519).
//
// The signed message, byte for byte as src/base/sig.c builds it:
//   "mintline-v1\n" METHOD "\n" PATH_AND_QUERY "\n" TIME "\n" NONCE "\n" hex(SHA-256(body))
// and Mintline-Signature is its signature in standard base64 with padding.
// A key file (src/base/keyfile.h) is one line of 64 hex digits: the 32-byte
// seed. It is imported as a non-extractable CryptoKey; the bytes read from
// the file are overwritten at once. Nothing here keeps or sends the seed.

const enc = new TextEncoder();

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): the fixed 16-byte prefix.
const PKCS8_ED25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
  0x04, 0x22, 0x04, 0x20];

export function hex(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += b.toString(16).padStart(2, '0');
  return s;
}

function base64(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

// The seed of a key file's text, or an Error saying what is wrong with it.
export function parseKeyFile(text) {
  const line = text.replace(/\r?\n$/, '');
  if (!/^[0-9a-fA-F]{64}$/.test(line)) {
    throw new Error('not a mintline key file: one line of 64 hex digits expected (mintline key new)');
  }
  const seed = new Uint8Array(32);
  for (let i = 0; i < 32; i++) seed[i] = parseInt(line.slice(2 * i, 2 * i + 2), 16);
  return seed;
}

// A non-extractable signing key from a 32-byte seed; the seed is wiped.
export async function importSeed(seed) {
  const der = new Uint8Array(PKCS8_ED25519.length + 32);
  der.set(PKCS8_ED25519, 0);
  der.set(seed, PKCS8_ED25519.length);
  seed.fill(0);
  try {
    return await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
  } finally {
    der.fill(0);
  }
}

export async function sha256Hex(bytes) {
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

// The canonical text SPEC 7 signs.
export function canonical(method, pathAndQuery, time, nonce, bodyHashHex) {
  return 'mintline-v1\n' + method + '\n' + pathAndQuery + '\n' + time + '\n' + nonce + '\n' + bodyHashHex;
}

// A fresh nonce: 16 random bytes as hex (the CLI's form; [A-Za-z0-9_-]).
export function newNonce() {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

// The four headers' values for one request. body: a Uint8Array (empty for reads).
export async function signRequest(key, method, pathAndQuery, body, time, nonce) {
  const message = canonical(method, pathAndQuery, time, nonce, await sha256Hex(body));
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, key, enc.encode(message));
  return { time, nonce, signature: base64(sig) };
}

// The same signature from a key file's text and fixed inputs: what the
// tests compare with an independent signer (tests/integration/test_console.py).
export async function signVector(keyText, method, pathAndQuery, time, nonce, bodyText) {
  const key = await importSeed(parseKeyFile(keyText));
  const r = await signRequest(key, method, pathAndQuery, enc.encode(bodyText), time, nonce);
  return r.signature;
}

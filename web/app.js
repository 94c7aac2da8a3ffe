// app.js - the console's shell: sign-in, navigation (#fragments), and the
// refresh loop (polling every REFRESH_MS without a reload; a view is
// patched in place, so focus and layout stay put).

import { loadAccount, viewAccount } from './account.js';
import * as api from './api.js';
import { loadAsset, viewAsset } from './asset.js';
import { loadChecks, viewChecks } from './checks.js';
import { loadDanger, viewDanger } from './danger.js';
import { loadDashboard, viewDashboard } from './dashboard.js';
import { h, render } from './dom.js';
import { loadHistory, viewHistory } from './history.js';
import { loadIncident, viewIncident } from './incident.js';
import { loadIncidents, viewIncidents } from './incidents.js';
import { loadProposals, viewProposals } from './proposals.js';
import { ledgerSeen } from './fmt.js';
import { importSeed, parseKeyFile } from './sign.js';
import { loadAlerts, viewAlerts } from './alerts.js';
import { loadVault, loadVaults, viewVault, viewVaults } from './vaults.js';
import { loadBridge, viewBridge } from './bridge.js';
import { loadStabilizers, viewStabilizers } from './stabilizer.js';
import { loadIdentities, loadRules, viewIdentities, viewRules } from './compliance.js';
import { loadPayout, loadPayouts, viewPayout, viewPayouts } from './payouts.js';
import { loadGovernance, viewGovernance } from './governance.js';

const REFRESH_MS = 5000;
const $ = (id) => document.getElementById(id);
let timer = null;
let filters = {};
let generation = 0; // a refresh answers only for the route it started on

function route() {
  const parts = (location.hash || '#/').slice(2).split('/');
  return { name: parts[0] || 'dashboard', arg: parts[1] ? decodeURIComponent(parts[1]) : '' };
}

const VIEWS = {
  dashboard: { load: () => loadDashboard(), view: (d) => viewDashboard(d) },
  proposals: { load: () => loadProposals(), view: (d) => viewProposals(d, refresh) },
  asset: { load: (r) => loadAsset(r.arg), view: (d) => viewAsset(d, refresh) },
  account: { load: (r) => loadAccount(r.arg), view: (d) => viewAccount(d, refresh) },
  checks: { load: (r) => loadChecks(r.arg), view: (d) => viewChecks(d) },
  danger: { load: () => loadDanger(), view: (d) => viewDanger(d, refresh) },
  incidents: { load: () => loadIncidents(), view: (d) => viewIncidents(d, refresh) },
  incident: { load: (r) => loadIncident(r.arg), view: (d) => viewIncident(d) },
  history: { load: () => loadHistory(filters), view: (d) => viewHistory(d, filters, (f) => { filters = f; refresh(); }) },
  alerts: { load: () => loadAlerts(), view: (d) => viewAlerts(d, refresh) },
  vaults: { load: () => loadVaults(), view: (d) => viewVaults(d, refresh) },
  vault: { load: (r) => loadVault(r.arg), view: (d) => viewVault(d, refresh) },
  bridge: { load: () => loadBridge(), view: (d) => viewBridge(d, refresh) },
  stabilizers: { load: () => loadStabilizers(), view: (d) => viewStabilizers(d, refresh) },
  identities: { load: (r) => loadIdentities(r.arg), view: (d) => viewIdentities(d, refresh) },
  rules: { load: (r) => loadRules(r.arg), view: (d) => viewRules(d, refresh) },
  payouts: { load: () => loadPayouts(), view: (d) => viewPayouts(d, refresh) },
  payout: { load: (r) => loadPayout(r.arg), view: (d) => viewPayout(d, refresh) },
  governance: { load: () => loadGovernance(), view: (d) => viewGovernance(d, refresh) },
};

function showError(r) {
  const e = (r.doc && r.doc.error) || {};
  return h('div', { class: 'outcome refused', role: 'alert', 'data-key': 'error' },
    h('p', null, h('strong', { class: 'code' }, e.code || 'HTTP ' + r.status), ' ', e.message || ''));
}

export async function refresh() {
  if (!api.operator()) return;
  const r = route();
  const v = VIEWS[r.name] || VIEWS.dashboard;
  const mine = ++generation;
  const d = await v.load(r);
  if (mine !== generation || !api.operator()) return;
  const main = $('view');
  render(main, d.error ? showError(d.error) : v.view(d));
  main.setAttribute('aria-busy', 'false');
  for (const a of document.querySelectorAll('nav a')) {
    const section = { incident: 'incidents', asset: 'dashboard', vault: 'vaults', payout: 'payouts', rules: 'identities' }[r.name] || r.name;
    if (a.getAttribute('href') === '#/' + section || (section === 'dashboard' && a.getAttribute('href') === '#/')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  $('updated').textContent = d.error ? 'refresh failed ' + new Date().toISOString().slice(11, 19) + ' UTC' :
    'updated ' + new Date().toISOString().slice(11, 19) + ' UTC';
}

function schedule() {
  clearInterval(timer);
  timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
}

async function signIn(ev) {
  ev.preventDefault();
  const msg = $('signin-msg');
  const file = $('keyfile').files[0];
  const name = $('operator').value.trim();
  msg.textContent = '';
  if (!file || !name) { msg.textContent = 'Choose your key file and type your operator name.'; return; }
  let key;
  try {
    key = await importSeed(parseKeyFile(await file.text()));
  } catch (e) {
    msg.textContent = e.message;
    return;
  } finally {
    $('keyfile').value = ''; // the file's name and bytes are not kept
  }
  api.signIn(name, key);
  const r = await api.get('/api/system/status');
  if (r.status !== 200) {
    api.signOut();
    const e = r.doc.error || {};
    msg.textContent = (e.code || 'HTTP ' + r.status) + ': ' + (e.message || '') +
      (e.code === 'ERR_AUTH_SIGNATURE' ? ' (this key is not ' + name + '\'s)' : '');
    return;
  }
  ledgerSeen(r.doc.node && r.doc.node.time);
  $('who').textContent = name;
  document.body.classList.add('signed-in');
  $('signin').hidden = true;
  $('app').hidden = false;
  await refresh();
  schedule();
  $('view').focus();
}

function signOut() {
  api.signOut();
  clearInterval(timer);
  generation++;
  const dlg = document.getElementById('action');
  if (dlg && dlg.open) dlg.close();
  $('view').replaceChildren();
  $('app').hidden = true;
  $('signin').hidden = false;
  document.body.classList.remove('signed-in');
  $('operator').value = '';
  $('keyfile').focus();
}

function init() {
  $('signin-form').addEventListener('submit', signIn);
  $('keyfile').addEventListener('change', () => {
    const f = $('keyfile').files[0];
    if (f && !$('operator').value) $('operator').value = f.name.replace(/\.key$/, '');
  });
  $('signout').addEventListener('click', signOut);
  $('refresh').addEventListener('click', () => refresh());
  window.addEventListener('hashchange', () => { $('view').setAttribute('aria-busy', 'true'); refresh(); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  $('keyfile').focus();
}

init();

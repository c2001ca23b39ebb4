// Hash router and sign-in state. Pages are modules exporting render(main, {params, parts}).
import { getKey, clearKey, setAuthFailureHandler } from './api.js';
import { clear } from './dom.js';
import { clearError, loading, showError } from './ui.js';
import * as signin from './pages/signin.js';
import * as overview from './pages/overview.js';
import * as accounts from './pages/accounts.js';
import * as account from './pages/account.js';
import * as cohorts from './pages/cohorts.js';
import * as roi from './pages/roi.js';
import * as progress from './pages/progress.js';
import * as alerts from './pages/alerts.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const signoutBtn = document.getElementById('signout');
let renderToken = 0;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(qs || '') };
}

function pageFor(parts) {
  switch (parts[0]) {
    case 'overview': return overview;
    case 'accounts': return parts.length > 1 ? account : accounts;
    case 'cohorts': return cohorts;
    case 'roi': return roi;
    case 'progress': return progress;
    case 'alerts': return alerts;
    default: return null;
  }
}

function setSignedIn(on) {
  nav.hidden = !on;
  signoutBtn.hidden = !on;
}

function markCurrent(route) {
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.route === route) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  const token = ++renderToken;
  const { parts, params } = parseHash();
  clearError();
  loading('');
  if (!getKey()) {
    setSignedIn(false);
    clear(main);
    signin.render(main, { params, reason: sessionReason });
    sessionReason = '';
    return;
  }
  setSignedIn(true);
  const page = pageFor(parts);
  if (!page) {
    location.replace('#/overview');
    return;
  }
  markCurrent(parts[0]);
  clear(main);
  const ctx = { parts, params, isCurrent: () => token === renderToken };
  try {
    await page.render(main, ctx);
  } catch (e) {
    if (ctx.isCurrent()) showError(e);
  }
  if (ctx.isCurrent()) {
    const title = document.getElementById('page-title');
    if (title && document.activeElement === document.body) title.focus({ preventScroll: true });
    document.title = `${title ? title.textContent : 'uplift'} — uplift console`;
  }
}

let sessionReason = '';
setAuthFailureHandler((err) => {
  clearKey();
  sessionReason = err.status === 403 ? 'forbidden' : 'expired';
  route();
});

// The skip link must not change the hash (that is the router's): it just moves focus.
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  (document.getElementById('page-title') || main).focus();
});

signoutBtn.addEventListener('click', () => {
  clearKey();
  sessionReason = 'signedout';
  if (location.hash === '' || location.hash === '#/') route();
  else location.hash = '#/';
});

window.addEventListener('hashchange', () => {
  // Focus moves to the new page heading on navigation, not on in-page filter changes.
  const active = document.activeElement;
  if (active && nav.contains(active)) active.blur();
  route();
});
route();

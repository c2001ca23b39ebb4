// Sign-in: paste an admin key. The key is checked against the server before it is kept
// (sessionStorage only), so a wrong key is explained here rather than on a broken page.
import { h, put } from '../dom.js';
import { request, setKey, explain } from '../api.js';
import { heading } from '../ui.js';

const REASONS = {
  expired: 'The server stopped accepting your key (it may have been revoked). Please sign in again.',
  forbidden: 'Your key lacks the "admin" scope the console needs. Please sign in with an admin key.',
  signedout: 'You are signed out. The key was removed from this browser tab.',
};

export function render(main, { reason }) {
  const input = h('input', {
    id: 'admin-key', name: 'admin-key', type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, 'aria-describedby': 'key-help signin-error',
  });
  const msg = h('p', { id: 'signin-error', class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card signin', novalidate: true },
    h('label', { for: 'admin-key' }, 'Admin key'),
    input,
    h('p', { id: 'key-help', class: 'hint' },
      'Create one with ', h('code', {}, 'uplift keys create --scope admin --name you'),
      '. The key is kept only in this browser tab and is forgotten when you close it or sign out.'),
    msg,
    button);
  if (reason && REASONS[reason]) msg.textContent = REASONS[reason];

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) {
      msg.textContent = 'Paste your admin key first.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    button.disabled = true;
    msg.textContent = 'Checking the key…';
    try {
      await request('/v1/stages', { key });
      setKey(key);
      input.value = '';
      input.removeAttribute('aria-invalid');
      if (location.hash && location.hash !== '#/' && !location.hash.startsWith('#/signin')) {
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } else {
        location.hash = '#/overview';
      }
    } catch (e) {
      msg.textContent = `Sign-in failed. ${explain(e)}`;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      input.select();
    } finally {
      button.disabled = false;
    }
  });

  put(main, ...heading('Sign in', 'The education console shows adoption, accounts, cohorts and the ROI report.'), form);
  input.focus();
}

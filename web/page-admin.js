// Account pages: users (admins), API tokens (everyone) and the audit log
// (admins).
import { h, replace, field, notice } from './dom.js';
import { api, query } from './api.js';
import { pageHeader, button, confirmButton, errorNotice } from './components.js';
import { timeElement } from './format.js';
import { currentSession, hasRole } from './session.js';

const ROLES = ['viewer', 'steward', 'admin'];

function roleSelect(value, label) {
  return h('select', { 'aria-label': label },
    ...ROLES.map((role) => h('option', { value: role, selected: role === value, text: role })));
}

function adminOnly(main) {
  replace(main, h('h1', { text: 'Admins only' }), notice('warning', 'This page is for admins.'));
}

export async function renderUsers({ main, setTitle, isCurrent }) {
  setTitle('Users');
  if (!hasRole('admin')) return adminOnly(main);
  const status = h('div', { 'aria-live': 'polite' });
  const listArea = h('div');

  const load = async () => {
    const { users } = await api.get('/api/users');
    if (!isCurrent()) return;
    const rows = users.map((user) => {
      const select = roleSelect(user.role, `Role of ${user.name}`);
      select.addEventListener('change', async () => {
        status.replaceChildren();
        try {
          await api.patch(`/api/users/${encodeURIComponent(user.name)}`, { role: select.value });
          replace(status, notice('success', `${user.name} is now ${select.value}.`));
        } catch (error) {
          select.value = user.role;
          replace(status, notice('error', error.message));
        }
      });
      const remove = confirmButton('Remove', `Remove ${user.name} with their sessions and tokens?`, 'Remove user', async () => {
        try {
          await api.delete(`/api/users/${encodeURIComponent(user.name)}`);
          replace(status, notice('success', `Removed ${user.name}.`));
          await load();
        } catch (error) {
          replace(status, notice('error', error.message));
        }
      });
      return h('tr', { dataset: { user: user.name } },
        h('th', { scope: 'row', text: user.name }), h('td', {}, select), h('td', {}, timeElement(user.created_at)), h('td', {}, remove));
    });
    replace(listArea, h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden', text: 'Users' }),
      h('thead', {}, h('tr', {}, ...['User', 'Role', 'Created', ''].map((text) => h('th', { scope: 'col', text })))),
      h('tbody', {}, ...rows))));
  };

  const name = field('User name', h('input', { type: 'text', autocomplete: 'off', maxlength: 64 }),
    'Letters, digits, ".", "_", "-" or "@".');
  const role = field('Role', roleSelect('viewer', 'Role'),
    'Viewers read; stewards also annotate; admins also manage sources, extraction and users.');
  const password = field('Password', h('input', { type: 'password', autocomplete: 'new-password' }), 'At least 12 characters.');
  const form = h('form', { class: 'form card', novalidate: true },
    h('h2', { text: 'Add a user' }), name.wrapper, role.wrapper, password.wrapper,
    h('div', { class: 'button-row' }, button('Add user', { kind: 'primary', type: 'submit' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    for (const item of [name, password]) item.setError('');
    try {
      await api.post('/api/users', { name: name.control.value.trim(), role: role.control.value, password: password.control.value });
      replace(status, notice('success', `Added ${name.control.value.trim()}.`));
      name.control.value = '';
      password.control.value = '';
      await load();
    } catch (error) {
      const target = error.field === 'password' ? password : name;
      target.setError(error.message);
      target.control.focus();
    }
  });

  replace(main, pageHeader('Users', 'Who may log in, and what each may do.'), status, listArea, form);
  try {
    await load();
  } catch (error) {
    replace(listArea, errorNotice('Could not load the users', error));
  }
}

export async function renderTokens({ main, setTitle, isCurrent }) {
  setTitle('API tokens');
  const status = h('div', { 'aria-live': 'polite' });
  const listArea = h('div');
  const self = currentSession().user.name;

  const load = async () => {
    const { tokens } = await api.get('/api/tokens');
    if (!isCurrent()) return;
    if (!tokens.length) {
      replace(listArea, h('p', { class: 'muted', text: 'No API tokens yet.' }));
      return;
    }
    const rows = tokens.map((token) => h('tr', { dataset: { token: String(token.id) } },
      h('td', { text: String(token.id) }), h('th', { scope: 'row', text: token.name }), h('td', { text: token.user }),
      h('td', {}, timeElement(token.created_at)), h('td', {}, timeElement(token.last_used_at, 'never')),
      h('td', {}, confirmButton('Revoke', `Revoke token ${token.name}? Scripts that use it stop working at once.`, 'Revoke token', async () => {
        try {
          await api.delete(`/api/tokens/${token.id}`);
          replace(status, notice('success', `Revoked ${token.name}.`));
          await load();
        } catch (error) {
          replace(status, notice('error', error.message));
        }
      }))));
    replace(listArea, h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden', text: 'API tokens' }),
      h('thead', {}, h('tr', {}, ...['ID', 'Name', 'User', 'Created', 'Last used', ''].map((text) => h('th', { scope: 'col', text })))),
      h('tbody', {}, ...rows))));
  };

  const label = field('Token name', h('input', { type: 'text', autocomplete: 'off', maxlength: 100 }),
    'Say what uses it, such as: nightly export.');
  const form = h('form', { class: 'form card', novalidate: true },
    h('h2', { text: 'Create a token' }),
    h('p', { class: 'help', text: `The token acts as ${self}. Send it as Authorization: Bearer TOKEN.` }),
    label.wrapper, h('div', { class: 'button-row' }, button('Create token', { kind: 'primary', type: 'submit' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    label.setError('');
    try {
      const created = await api.post('/api/tokens', { name: label.control.value.trim() });
      label.control.value = '';
      replace(status, notice('success', 'Token created. Copy it now: it is shown only this once. ',
        h('code', { class: 'new-token', text: created.token })));
      await load();
    } catch (error) {
      label.setError(error.message);
      label.control.focus();
    }
  });

  replace(main, pageHeader('API tokens', 'Tokens let scripts call the API without a password.'), status, form, listArea);
  try {
    await load();
  } catch (error) {
    replace(listArea, errorNotice('Could not load the tokens', error));
  }
}

const AUDIT_PAGE = 50;

// An audit entry's detail as "name: value" lines; values that are not text
// (none are today) keep their JSON form.
function auditDetail(detail) {
  const fields = Object.entries(detail || {});
  if (!fields.length) return null;
  return h('dl', { class: 'audit-detail' }, ...fields.flatMap(([name, value]) => [
    h('dt', { text: name }),
    h('dd', { text: typeof value === 'string' ? value : JSON.stringify(value) })]));
}

export async function renderAudit({ main, query: search, setTitle }) {
  setTitle('Audit log');
  if (!hasRole('admin')) return adminOnly(main);
  const offset = Math.max(0, Number.parseInt(search.get('offset') || '0', 10) || 0);
  let page;
  try {
    page = await api.get(`/api/audit${query({ limit: AUDIT_PAGE, offset })}`);
  } catch (error) {
    replace(main, pageHeader('Audit log'), errorNotice('Could not load the audit log', error));
    return;
  }
  const rows = page.entries.map((entry) => h('tr', {},
    h('td', {}, timeElement(entry.time)), h('td', { text: entry.actor }), h('td', { class: 'mono', text: entry.action }),
    h('td', { text: entry.target }), h('td', { class: 'small' }, auditDetail(entry.detail))));
  const pager = h('div', { class: 'button-row' },
    offset > 0 ? h('a', { href: `/audit${query({ offset: Math.max(0, offset - AUDIT_PAGE) })}`, class: 'button button-secondary', dataset: { route: '' }, text: 'Newer' }) : null,
    offset + AUDIT_PAGE < page.total ? h('a', { href: `/audit${query({ offset: offset + AUDIT_PAGE })}`, class: 'button button-secondary', dataset: { route: '' }, text: 'Older' }) : null);
  replace(main, pageHeader('Audit log', `${page.total} entries, newest first.`),
    page.entries.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('caption', { class: 'visually-hidden', text: 'Audit log' }),
        h('thead', {}, h('tr', {}, ...['Time', 'Who', 'Action', 'Target', 'Detail'].map((text) => h('th', { scope: 'col', text })))),
        h('tbody', {}, ...rows)))
      : h('p', { class: 'muted', text: 'Nothing recorded yet.' }),
    pager);
}

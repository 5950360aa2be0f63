// The login page: user name and password, then back to the page asked for.
import { h, replace, field, notice } from './dom.js';
import { api } from './api.js';
import { button } from './components.js';
import { setSession } from './session.js';
import { navigate } from './nav.js';

// Only paths of this UI are followed after the login, never another site.
function nextPath(query) {
  const next = query.get('next') || '/sources';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/sources';
}

export async function renderLogin({ main, query, setTitle }) {
  setTitle('Log in');
  const user = field('User name', h('input', { type: 'text', autocomplete: 'username', required: true, maxlength: 64 }));
  const password = field('Password', h('input', { type: 'password', autocomplete: 'current-password', required: true }));
  const status = h('div', { 'aria-live': 'polite' });
  const submit = button('Log in', { kind: 'primary', type: 'submit' });
  const form = h('form', { class: 'form login-form card', novalidate: true },
    user.wrapper, password.wrapper, status, h('div', { class: 'button-row' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    if (!user.control.value.trim() || !password.control.value) {
      replace(status, notice('error', 'Enter your user name and password.'));
      return;
    }
    submit.disabled = true;
    try {
      const session = await api.post('/api/login', { user: user.control.value.trim(), password: password.control.value });
      setSession(session);
      password.control.value = '';
      await navigate(nextPath(query), { replaceState: true });
    } catch (error) {
      submit.disabled = false;
      replace(status, notice('error', error.message));
      password.control.focus();
    }
  });

  replace(main, h('h1', { text: 'Log in to s3catalog' }), form);
  user.control.focus();
}

// Entry point of the web UI: history routing, page lifecycle and navigation.
import { h, replace, notice } from './dom.js';
import { renderSources, renderNewSource } from './page-sources.js';
import { renderSettings } from './page-settings.js';
import { renderJobs, renderJob } from './page-jobs.js';
import { renderBrowse } from './page-browse.js';
import { renderItem } from './page-item.js';
import { renderSearch } from './page-search.js';
import { renderMissing } from './page-missing.js';
import { renderLogin } from './page-login.js';
import { renderUsers, renderTokens, renderAudit } from './page-admin.js';
import { navigate, setRenderer } from './nav.js';
import { NotFoundError, isNotFound, notFoundView } from './not-found.js';
import { api, onUnauthorized, ApiError } from './api.js';
import { currentSession, setSession, hasRole } from './session.js';

// Each route: a path pattern, the main navigation entry it belongs to, and
// the page function. A page function receives a context and may return a
// cleanup function, called when the user leaves the page. `role` is the
// least role that may open the page; `open` pages need no login.
const ROUTES = [
  { pattern: /^\/login$/, nav: null, render: renderLogin, open: true },
  { pattern: /^\/(?:sources)?\/?$/, nav: 'sources', render: renderSources },
  { pattern: /^\/sources\/new$/, nav: 'sources', render: renderNewSource, role: 'admin' },
  { pattern: /^\/sources\/([^/]+)\/settings(?:\/([a-z]+))?$/, nav: 'sources', render: renderSettings,
    names: ['source', 'tab'], role: 'admin' },
  { pattern: /^\/sources\/([^/]+)\/jobs$/, nav: 'sources', render: renderJobs, names: ['source'] },
  { pattern: /^\/sources\/([^/]+)\/jobs\/(\d+)$/, nav: 'sources', render: renderJob, names: ['source', 'job'] },
  { pattern: /^\/sources\/([^/]+)$/, nav: 'sources', render: renderBrowse, names: ['source'] },
  { pattern: /^\/browse\/([^/]+)$/, nav: 'sources', render: renderBrowse, names: ['source'] },
  { pattern: /^\/item\/([^/]+)$/, nav: 'sources', render: renderItem, names: ['source'] },
  { pattern: /^\/search$/, nav: 'search', render: renderSearch },
  { pattern: /^\/missing$/, nav: 'missing', render: renderMissing },
  { pattern: /^\/users$/, nav: 'users', render: renderUsers, role: 'admin' },
  { pattern: /^\/tokens$/, nav: 'tokens', render: renderTokens },
  { pattern: /^\/audit$/, nav: 'audit', render: renderAudit, role: 'admin' },
];

const main = document.getElementById('main');
const sessionArea = document.getElementById('session');

// Shows the user, role and logout button in the header, and the admin
// entries of the navigation to admins only.
function renderSessionArea() {
  const session = currentSession();
  for (const entry of document.querySelectorAll('[data-role-needed]')) {
    entry.hidden = !hasRole(entry.dataset.roleNeeded);
  }
  document.querySelector('.topnav').hidden = !session;
  if (!session) {
    sessionArea.replaceChildren();
    return;
  }
  const logout = h('button', { type: 'button', class: 'logout', text: 'Log out' });
  logout.addEventListener('click', async () => {
    try {
      await api.post('/api/logout');
    } catch (error) {
      console.error('logout failed', error);
    }
    setSession(null);
    await navigate('/login');
  });
  replace(sessionArea,
    h('span', { class: 'session-user', 'data-testid': 'session-user' },
      h('span', { class: 'session-name', text: session.user.name }),
      h('span', { class: 'session-role', text: session.user.role })),
    logout);
}

// Reads the session once; nobody is logged in when the server answers 401.
async function loadSession() {
  try {
    setSession(await api.get('/api/session'));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    setSession(null);
  }
}

function loginAddress() {
  const here = window.location.pathname + window.location.search;
  return here.startsWith('/login') ? here : `/login?next=${encodeURIComponent(here)}`;
}

// A request answered 401: the session ended (logout elsewhere, expiry).
onUnauthorized(() => {
  if (!currentSession() || window.location.pathname === '/login') return;
  setSession(null);
  navigate(loginAddress(), { replaceState: true });
});

let cleanup = null;
let renderCount = 0;

function matchRoute(pathname) {
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const params = {};
    (route.names || []).forEach((name, index) => {
      params[name] = match[index + 1] === undefined ? undefined : decodeURIComponent(match[index + 1]);
    });
    return { route, params };
  }
  return null;
}

function markNavigation(section) {
  for (const anchor of document.querySelectorAll('[data-nav]')) {
    if (anchor.dataset.nav === section) anchor.setAttribute('aria-current', 'page');
    else anchor.removeAttribute('aria-current');
  }
}

// Moves focus to the new page's heading, so keyboard and screen reader users
// start at the top of the new content.
function focusHeading() {
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

async function render({ focus = true } = {}) {
  if (cleanup) {
    try {
      cleanup();
    } catch (error) {
      console.error('page cleanup failed', error);
    }
    cleanup = null;
  }
  renderCount += 1;
  const current = renderCount;
  const url = new URL(window.location.href);
  const found = matchRoute(url.pathname);
  if (!found) {
    markNavigation(null);
    document.title = 'Not found · s3catalog';
    replace(main, h('h1', { text: 'Page not found' }),
      notice('warning', 'No page has the address ', h('code', { text: url.pathname }), '. ',
        h('a', { href: '/sources', dataset: { route: '' }, text: 'Go to the sources' }), '.'));
    if (focus) focusHeading();
    return;
  }
  if (!found.route.open && !currentSession()) {
    window.history.replaceState(null, '', loginAddress());
    renderSessionArea();
    return render({ focus });
  }
  renderSessionArea();
  if (found.route.role && !hasRole(found.route.role)) {
    markNavigation(found.route.nav);
    document.title = 'Not allowed · s3catalog';
    replace(main, h('h1', { text: 'Not allowed' }),
      notice('warning', `This page needs the ${found.route.role} role; you are logged in as ${currentSession().user.role}. `,
        h('a', { href: '/sources', dataset: { route: '' }, text: 'Go to the sources' }), '.'));
    if (focus) focusHeading();
    return;
  }
  markNavigation(found.route.nav);
  replace(main, h('p', { class: 'loading', text: 'Loading…' }));
  const context = {
    params: found.params,
    query: url.searchParams,
    main,
    isCurrent: () => current === renderCount,
    setTitle: (title) => { document.title = `${title} · s3catalog`; },
  };
  try {
    const result = await found.route.render(context);
    if (current !== renderCount) {
      if (typeof result === 'function') result();
      return;
    }
    cleanup = typeof result === 'function' ? result : null;
  } catch (error) {
    if (current !== renderCount) return;
    if (error instanceof NotFoundError) {
      document.title = 'Not found · s3catalog';
      replace(main, notFoundView(error));
    } else if (isNotFound(error)) {
      // A 404 that the page did not turn into a NotFoundError: the page
      // names the address instead of the missing thing.
      document.title = 'Not found · s3catalog';
      replace(main, notFoundView(new NotFoundError('Not found',
        `Nothing in the catalog matches ${url.pathname}${url.search}.`, [{ label: 'Sources', href: '/sources' }])));
    } else {
      console.error(error);
      replace(main, h('h1', { text: 'Something went wrong' }), notice('error', error.message || String(error)));
    }
  }
  if (focus && current === renderCount) focusHeading();
}

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.target.closest('a[data-route]');
  if (!anchor || anchor.target) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener('popstate', () => render());

setRenderer(render);
loadSession()
  .catch((error) => {
    console.error(error);
    replace(main, h('h1', { text: 'Something went wrong' }), notice('error', error.message || String(error)));
    throw error;
  })
  .then(() => render({ focus: false }));

// Building blocks shared by several pages.
import { hasRole } from './session.js';
import { h, link, notice } from './dom.js';

let pendingFlash = null;

// Keeps a message to show on the next page (after a save that navigates).
export function setFlash(kind, text) {
  pendingFlash = { kind, text };
}

// Returns the pending message as a notice element, once, or null.
export function takeFlash() {
  const flash = pendingFlash;
  pendingFlash = null;
  return flash ? notice(flash.kind, flash.text) : null;
}

// The page title block: an <h1>, an optional line under it and actions on the right.
export function pageHeader(title, subtitle = null, ...actions) {
  return h('div', { class: 'page-header' },
    h('div', { class: 'page-heading' },
      h('h1', {}, title),
      subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
    actions.length ? h('div', { class: 'page-actions' }, ...actions) : null);
}

// Breadcrumbs from [{label, href}], the last one being the current page.
export function breadcrumbs(items) {
  const list = h('ol');
  items.forEach((item, index) => {
    const last = index === items.length - 1;
    const label = item.label === '' ? h('span', { class: 'muted', text: '(empty name)' }) : item.label;
    list.appendChild(h('li', {},
      last || !item.href ? h('span', { 'aria-current': last ? 'page' : null }, label) : link(item.href, label)));
  });
  return h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, list);
}

// The source's own navigation: catalog, settings and job history.
export function sourceNav(name, active) {
  const base = `/sources/${encodeURIComponent(name)}`;
  const entries = [
    ['browse', 'Catalog', `/browse/${encodeURIComponent(name)}`],
    hasRole('admin') ? ['settings', 'Settings', `${base}/settings`] : null,
    ['jobs', 'Job history', `${base}/jobs`],
  ].filter(Boolean);
  return h('nav', { class: 'subnav', 'aria-label': 'Source' },
    ...entries.map(([key, label, href]) => link(href, label, { 'aria-current': key === active ? 'page' : null })));
}

// A primary or secondary button element (type button unless `type` is given).
export function button(label, { kind = 'secondary', type = 'button', onClick = null, ...rest } = {}) {
  return h('button', { type, class: `button button-${kind}`, on: onClick ? { click: onClick } : undefined, ...rest }, label);
}

// A link styled as a button.
export function buttonLink(label, href, kind = 'secondary') {
  return link(href, label, { class: `button button-${kind}` });
}

// Tags as small chips; owners get a different style.
export function chipList(values, kind = 'tag') {
  if (!values || !values.length) return null;
  return h('ul', { class: `chips chips-${kind}`, 'aria-label': kind === 'tag' ? 'Tags' : 'Owners' },
    ...values.map((value) => h('li', { class: `chip chip-${kind}`, text: value })));
}

// A table header cell whose button sorts by `key`. `state` is {sort, order}.
// Clicking the active column flips the order.
export function sortHeader(label, key, state, onSort, extraClass = '') {
  const active = state.sort === key;
  const ariaSort = active ? (state.order === 'desc' ? 'descending' : 'ascending') : 'none';
  const arrow = active ? (state.order === 'desc' ? '▼' : '▲') : '↕';
  const nextOrder = active && state.order === 'asc' ? 'desc' : 'asc';
  return h('th', { scope: 'col', 'aria-sort': ariaSort, class: extraClass },
    h('button', {
      type: 'button',
      class: 'sort-button',
      title: `Sort by ${label.toLowerCase()}`,
      on: { click: () => onSort(key, active ? nextOrder : 'asc') },
    }, label, h('span', { class: 'sort-arrow', 'aria-hidden': 'true', text: arrow })));
}

// A confirmation that appears in place of a dangerous button, instead of a
// browser dialog. `onConfirm` is awaited; the button is disabled meanwhile.
export function confirmButton(label, question, confirmLabel, onConfirm) {
  const wrapper = h('div', { class: 'confirm' });
  const start = button(label, { kind: 'danger', onClick: () => showQuestion() });
  const showStart = () => {
    wrapper.replaceChildren(start);
    start.focus();
  };
  const showQuestion = () => {
    const yes = button(confirmLabel, {
      kind: 'danger',
      onClick: async () => {
        yes.disabled = true;
        try {
          await onConfirm();
        } finally {
          yes.disabled = false;
        }
      },
    });
    const no = button('Keep it', { onClick: showStart });
    wrapper.replaceChildren(h('p', { class: 'confirm-question', text: question }), h('div', { class: 'button-row' }, yes, no));
    no.focus();
  };
  wrapper.appendChild(start);
  return wrapper;
}

// A labelled list of term / value pairs. Values may be nodes or text; null
// values are left out.
export function detailList(pairs) {
  const list = h('dl', { class: 'details' });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined) continue;
    list.append(h('dt', { text: term }), h('dd', {}, value));
  }
  return list;
}

// A loading or error placeholder for part of a page.
export function errorNotice(prefix, error) {
  return notice('error', `${prefix}: ${error.message || error}`);
}

// Annotated items that are not in the catalog now: deleted, or hidden by a
// filter change. Their annotations come back when a sync finds them again.
import { hasRole } from './session.js';
import { h, replace, emptyState, link, notice } from './dom.js';
import { api, sourceUrl, query } from './api.js';
import { pageHeader, chipList, errorNotice } from './components.js';
import { plural, timeElement } from './format.js';
import { plainExcerpt } from './markdown.js';
import { itemHref, nameWithIcon, baseName } from './paths.js';
import { navigate } from './nav.js';

const LIMIT = 500;

export async function renderMissing({ main, query: search, setTitle }) {
  setTitle('Annotated, not present');
  const { sources } = await api.get('/api/sources');
  const chosen = search.get('source') || '';
  const header = pageHeader('Annotated, not present',
    'Buckets, folders and files that carry an annotation but are not in the catalog now: the latest extraction did not find them, or the path filters no longer select them. Annotations are kept and come back with the item.');

  if (!sources.length) {
    replace(main, header, emptyState('No sources yet', 'Add a file system first; annotated items that leave its catalog are listed here.',
      hasRole('admin') ? link('/sources/new', 'Add a File System', { class: 'button button-primary' }) : null));
    return;
  }

  const picker = h('select', { id: 'missing-source' },
    h('option', { value: '', text: 'All sources' }),
    ...sources.map((source) => h('option', { value: source.name, selected: source.name === chosen, text: source.title || source.name })));
  picker.addEventListener('change', () => navigate(`/missing${query({ source: picker.value })}`, { replaceState: true, focus: false }));
  const toolbar = h('div', { class: 'toolbar' }, h('label', { for: 'missing-source', text: 'Source ' }), picker);

  const selected = chosen ? sources.filter((source) => source.name === chosen) : sources;
  const answers = await Promise.all(selected.map((source) => api.get(sourceUrl(source.name, `/annotations${query({ present: 'false', limit: LIMIT })}`))
    .then((answer) => ({ source, answer }))
    .catch((error) => ({ source, error }))));

  const rows = [];
  const problems = [];
  let total = 0;
  for (const { source, answer, error } of answers) {
    if (error) {
      problems.push(errorNotice(`${source.title || source.name}`, error));
      continue;
    }
    total += Number(answer.total) || 0;
    for (const item of answer.items || []) {
      const annotation = item.annotation || {};
      rows.push(h('tr', {},
        h('th', { scope: 'row' },
          link(itemHref(source.name, item.path), nameWithIcon(item.kind, baseName(item.path) || item.path)),
          h('div', { class: 'muted small mono wrap', text: item.path })),
        h('td', { text: source.title || source.name }),
        h('td', { class: 'annotation-cell' }, chipList(annotation.tags, 'tag'),
          h('div', { class: 'small excerpt', text: plainExcerpt(annotation.description, 140) })),
        h('td', { class: 'small' }, annotation.updated_by || '', h('div', { class: 'muted' }, timeElement(annotation.updated_at)))));
    }
  }

  if (!rows.length) {
    replace(main, header, toolbar, ...problems, problems.length ? null : emptyState('Every annotated item is present',
      'When a file, folder or bucket with an annotation leaves the catalog (deleted in S3, or outside the path filters), it is listed here until it returns.'));
    return;
  }
  replace(main, header, toolbar, ...problems,
    h('p', { class: 'summary-line', text: plural(total, 'annotated item') + ' not present' }),
    rows.length < total ? notice('info', `Showing the first ${LIMIT} of each source.`) : null,
    h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden', text: 'Annotated items not present' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Item' }), h('th', { scope: 'col', text: 'Source' }),
        h('th', { scope: 'col', text: 'Annotation' }),
        h('th', { scope: 'col', text: 'Edited' }))),
      h('tbody', {}, ...rows))));
}

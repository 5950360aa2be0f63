// The path filter editor: one filter per line, checked by the server's
// validate route as the user types, and an optional preview of what the
// filter set would select.
import { h, replace, notice, uniqueId } from './dom.js';
import { api, sourceUrl, ApiError } from './api.js';
import { formatBytes, formatCount, plural } from './format.js';
import { button, errorNotice } from './components.js';

const EXPECTED_FORM = 'Each filter is /bucket, /bucket/folder/ or /bucket/key-prefix.';
const DEBOUNCE_MS = 250;

// Splits the textarea into filters, skipping blank lines; each keeps its line number.
function parseLines(text) {
  return text.replace(/\r\n?/g, '\n').split('\n')
    .map((value, index) => ({ value, line: index + 1 }))
    .filter((entry) => entry.value.trim() !== '');
}

function describeValid(result) {
  if (!result.key_prefix) return `bucket ${result.bucket}, every object`;
  return `bucket ${result.bucket}, keys starting with ${result.key_prefix}`;
}

// Lists each filter's validation result with its line number in the textarea.
function resultList(results, entries) {
  const list = h('ul', { class: 'filter-results' });
  for (const result of results) {
    const entry = entries[result.index];
    const lineLabel = `Line ${entry ? entry.line : result.index + 1}: `;
    if (result.valid) {
      list.appendChild(h('li', { class: 'filter-ok' },
        h('span', { class: 'filter-icon', 'aria-hidden': 'true', text: '✓' }),
        h('span', { class: 'filter-line', text: lineLabel }),
        h('code', { text: result.normalized || result.text }),
        h('span', { class: 'muted', text: ` — ${describeValid(result)}` })));
    } else {
      list.appendChild(h('li', { class: 'filter-bad' },
        h('span', { class: 'filter-icon', 'aria-hidden': 'true', text: '✗' }),
        h('span', { class: 'filter-line', text: lineLabel }),
        h('span', { text: result.error || 'invalid filter' })));
    }
  }
  return list;
}

// Creates the editor. `source` is the source name, or null before it exists.
// Returns {element, values(), check()}: check() validates now and resolves to
// true when every line is valid (or when the server cannot validate).
export function filterEditor({ source = null, initial = [], withPreview = false }) {
  const id = uniqueId('filters');
  const textarea = h('textarea', {
    id,
    class: 'mono',
    rows: Math.max(4, initial.length + 2),
    spellcheck: 'false',
    autocomplete: 'off',
    placeholder: '/logs/app/\n/data',
    'aria-describedby': `${id}-help ${id}-status`,
  });
  textarea.value = initial.join('\n');
  const status = h('div', { class: 'filter-status', id: `${id}-status`, 'aria-live': 'polite' });
  const previewArea = h('div', { class: 'preview-area' });
  const validateUrl = source ? sourceUrl(source, '/filters/validate') : '/api/filters/validate';

  let sequence = 0;
  let timer = null;
  let lastResult = { valid: true };

  const values = () => parseLines(textarea.value).map((entry) => entry.value);

  async function check() {
    clearTimeout(timer);
    sequence += 1;
    const mine = sequence;
    const entries = parseLines(textarea.value);
    if (!entries.length) {
      textarea.removeAttribute('aria-invalid');
      replace(status, h('p', { class: 'muted', text: 'No filters: every object in every readable bucket is catalogued.' }));
      lastResult = { valid: true };
      return true;
    }
    let answer;
    try {
      answer = await api.post(validateUrl, { path_prefixes: entries.map((entry) => entry.value) });
    } catch (error) {
      if (mine !== sequence) return lastResult.valid;
      replace(status, notice('warning', `The filters could not be checked now (${error.message}). They are checked again when you save.`));
      lastResult = { valid: true };
      return true;
    }
    if (mine !== sequence) return lastResult.valid;
    lastResult = answer;

    const list = resultList(answer.results || [], entries);
    if (answer.valid) {
      textarea.removeAttribute('aria-invalid');
      replace(status, list);
    } else {
      textarea.setAttribute('aria-invalid', 'true');
      replace(status, list, h('p', { class: 'field-error', text: EXPECTED_FORM }));
    }
    return Boolean(answer.valid);
  }

  textarea.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(check, DEBOUNCE_MS);
  });

  async function preview() {
    replace(previewArea, h('p', { class: 'loading', text: 'Computing the preview…' }));
    try {
      const answer = await api.post(sourceUrl(source, '/filters/preview'), { path_prefixes: values() });
      replace(previewArea, renderPreview(answer, source));
    } catch (error) {
      const prefix = error instanceof ApiError && error.status === 404 && /route/i.test(error.message)
        ? 'This server cannot preview filters yet' : 'Preview failed';
      replace(previewArea, errorNotice(prefix, error));
    }
  }

  const help = h('p', { class: 'help', id: `${id}-help` },
    `One filter per line. ${EXPECTED_FORM} A filter is a plain prefix of /bucket/key: `,
    h('code', { text: '/logs/app' }), ' also selects ', h('code', { text: '/logs/app.log' }),
    '; end it with ', h('code', { text: '/' }), ' to keep to a folder. No filters means every object in every readable bucket.');

  const element = h('div', { class: 'filter-editor' },
    h('label', { for: id, class: 'visually-hidden', text: 'Path filters' }), help, textarea, status,
    withPreview && source ? h('div', { class: 'button-row' },
      button('Preview', { onClick: preview, title: 'Show what these filters would select, before saving' })) : null,
    previewArea);

  check();
  return { element, textarea, values, check, clearPreview: () => previewArea.replaceChildren() };
}

function pathList(paths, itemLink) {
  return h('ul', { class: 'path-list' }, ...paths.map((path) => h('li', {}, itemLink(path))));
}

// Reads {count, items} of annotated items; a plain array is accepted too.
function annotationItems(value) {
  if (Array.isArray(value)) return { count: value.length, items: value };
  if (!value) return { count: 0, items: [] };
  return { count: Number(value.count) || 0, items: value.items || [] };
}

// Renders the response of the preview route (docs/api.md, "Previewing filters").
export function renderPreview(answer, source) {
  const itemLink = (path) => h('a', {
    href: `/item/${encodeURIComponent(source)}?path=${encodeURIComponent(path)}`,
    dataset: { route: '' },
    class: 'mono',
    text: path,
  });
  const buckets = answer.buckets || [];
  const selected = buckets.filter((bucket) => bucket.selected);
  const rows = buckets.map((bucket) => h('tr', { class: bucket.selected ? '' : 'row-muted' },
    h('td', { class: 'mono', text: bucket.name }),
    h('td', { text: bucket.selected ? 'Selected' : 'Not selected' }),
    h('td', { class: 'num', text: formatCount(bucket.files) }),
    h('td', { class: 'num', text: formatBytes(bucket.bytes) })));

  const disappearing = answer.files_disappearing || { count: 0, sample: [] };
  const returning = answer.files_returning || { count: 0, sample: [] };
  const annotationsGone = annotationItems(answer.annotations_disappearing);
  const annotationsBack = annotationItems(answer.annotations_returning);

  const section = (title, count, sample, emptyText, tone) => h('div', { class: `preview-block preview-${tone}` },
    h('h4', { text: `${title}: ${formatCount(count)}` }),
    count ? pathList(sample, itemLink) : h('p', { class: 'muted', text: emptyText }),
    count > sample.length ? h('p', { class: 'muted', text: `… and ${formatCount(count - sample.length)} more.` }) : null);

  const annotationBlock = (title, { count, items }, tone) => (count ? h('div', { class: `preview-block preview-${tone}` },
    h('h4', { text: `${title}: ${formatCount(count)}` }),
    h('ul', { class: 'path-list' }, ...items.map((item) => h('li', {}, itemLink(item.path),
      h('span', { class: 'muted', text: ` (${item.kind})` })))),
    count > items.length ? h('p', { class: 'muted', text: `… and ${formatCount(count - items.length)} more.` }) : null) : null);

  return h('section', { class: 'preview', 'aria-label': 'Filter preview' },
    h('h3', { text: 'Preview' }),
    h('p', {},
      h('strong', { text: `${plural(answer.files_selected, 'file')} (${formatBytes(answer.bytes_selected)})` }),
      ` selected in ${plural(selected.length, 'bucket')}.`),
    h('p', { class: 'help', text: 'Computed from the catalog: buckets and files that no job has listed yet are not counted. Nothing changes until you save and run an extraction; annotations are never deleted.' }),
    buckets.length ? h('table', { class: 'table compact' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Bucket' }), h('th', { scope: 'col', text: 'With these filters' }),
        h('th', { scope: 'col', class: 'num', text: 'Files' }), h('th', { scope: 'col', class: 'num', text: 'Size' }))),
      h('tbody', {}, ...rows)) : h('p', { class: 'muted', text: 'The catalog has no buckets yet: run an extraction first.' }),
    h('div', { class: 'preview-grid' },
      section('Files that would disappear', disappearing.count, disappearing.sample || [], 'None.', 'warning'),
      section('Files that would come back', returning.count, returning.sample || [], 'None.', 'ok')),
    annotationBlock('Annotated items that would be hidden', annotationsGone, 'warning'),
    annotationBlock('Annotated items that would come back', annotationsBack, 'ok'));
}

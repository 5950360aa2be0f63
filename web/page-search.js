// Search over the catalog: file name, annotations' full text, and filters.
import { h, replace, field, emptyState, link } from './dom.js';
import { api, sourceUrl, query } from './api.js';
import { pageHeader, button, chipList, errorNotice } from './components.js';
import { formatBytes, exactBytes, formatCount, plural, timeElement } from './format.js';
import { plainExcerpt } from './markdown.js';
import { pathHref, nameWithIcon, baseName } from './paths.js';
import { navigate } from './nav.js';

const PAGE_SIZE = 50;
const UNITS = [['B', 1], ['KiB', 1024], ['MiB', 1024 ** 2], ['GiB', 1024 ** 3], ['TiB', 1024 ** 4]];
// Parameters kept in the page address. Sizes are in bytes and dates are
// local calendar days (YYYY-MM-DD), turned into UTC times for the API.
const PARAMS = ['text', 'name', 'source', 'bucket', 'extension', 'tag', 'min_size', 'max_size', 'modified_after', 'modified_before'];

// Shows a byte count in the largest unit that divides it evenly.
function splitBytes(bytes) {
  const value = Number(bytes);
  if (!bytes || !Number.isFinite(value)) return { amount: '', unit: 'MiB' };
  for (let index = UNITS.length - 1; index >= 0; index -= 1) {
    const [unit, factor] = UNITS[index];
    if (value % factor === 0) return { amount: String(value / factor), unit };
  }
  return { amount: String(value), unit: 'B' };
}

function sizeInput(label, name, bytes) {
  const { amount, unit } = splitBytes(bytes);
  const amountInput = h('input', { type: 'number', min: 0, step: 'any', name, value: amount, class: 'narrow', inputmode: 'decimal' });
  const unitSelect = h('select', { 'aria-label': `${label} unit` },
    ...UNITS.map(([unitName]) => h('option', { value: unitName, selected: unitName === unit, text: unitName })));
  const wrapped = field(label, amountInput);
  const group = h('div', { class: 'input-group' });
  amountInput.replaceWith(group);
  group.append(amountInput, unitSelect);
  return {
    wrapper: wrapped.wrapper,
    bytes() {
      if (amountInput.value === '') return '';
      const factor = UNITS.find(([unitName]) => unitName === unitSelect.value)[1];
      return String(Math.round(Number(amountInput.value) * factor));
    },
    setError: wrapped.setError,
    control: amountInput,
  };
}

// Turns a local calendar day into an RFC 3339 UTC time: its first second,
// or with `endOfDay` its last one.
function dayToUtc(day, endOfDay) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!match) return '';
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), endOfDay ? 23 : 0, endOfDay ? 59 : 0, endOfDay ? 59 : 0);
  return `${date.toISOString().slice(0, 19)}Z`;
}

// A YYYY-MM-DD day in the reader's format, as the date inputs show it.
function dayLabel(day) {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year, month - 1, date).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

function resultRow(result) {
  const file = result.file;
  const annotation = result.annotation;
  const excerpt = annotation ? plainExcerpt(annotation.description, 160) : '';
  return h('tr', {},
    h('th', { scope: 'row' },
      link(pathHref(result.source, result.path), nameWithIcon(result.kind, baseName(result.path) || result.path)),
      h('div', { class: 'muted small mono wrap', text: `${result.source}:${result.path}` })),
    h('td', { class: 'num', title: file ? exactBytes(file.size) : '', text: file ? formatBytes(file.size) : '' }),
    h('td', {}, file ? timeElement(file.last_modified) : null),
    h('td', { class: 'annotation-cell' },
      annotation ? chipList(annotation.tags, 'tag') : null,
      excerpt ? h('div', { class: 'small excerpt', text: excerpt }) : null,
      annotation && annotation.owners?.length ? h('div', { class: 'muted small', text: `Owners: ${annotation.owners.join(', ')}` }) : null));
}

// Filters by their label in the advice, in the order of the form.
const FILTER_LABELS = [
  ['source', 'source'], ['bucket', 'bucket'], ['extension', 'extension'], ['tag', 'tag'],
  ['min_size', 'minimum size'], ['max_size', 'maximum size'],
  ['modified_after', 'modified on or after'], ['modified_before', 'modified on or before'],
];

// Says what to change after a search without results, from the fields used.
export function noMatchAdvice(values) {
  const filters = FILTER_LABELS.filter(([param]) => values[param]).map(([, label]) => label);
  const subject = values.text ? 'No annotated item contains all these words' : 'No present file matches';
  const used = [];
  if (values.text) used.push('fewer words, or a word ending in * to match a prefix');
  if (values.name) used.push('a shorter part of the file name');
  if (filters.length === 1) used.push(`removing the ${filters[0]} filter`);
  if (filters.length > 1) used.push(`removing some of the filters (${filters.join(', ')})`);
  const condition = filters.length ? ` within ${filters.length === 1 ? 'this filter' : 'these filters'}` : '';
  return `${subject}${condition}. Try ${used.join('; or ')}.`;
}

export async function renderSearch({ main, query: search, setTitle }) {
  setTitle('Search');
  const values = Object.fromEntries(PARAMS.map((name) => [name, search.get(name) || '']));
  const offset = Math.max(0, Number(search.get('offset')) || 0);
  let sources = [];
  let sourcesError = null;
  try {
    sources = (await api.get('/api/sources')).sources;
  } catch (error) {
    sourcesError = error;
  }

  const text = field('Words in annotations', h('input', { type: 'search', name: 'text', value: values.text, autocomplete: 'off', placeholder: 'daily orders*' }),
    'Full text over descriptions, tags and owners. All words must match; end a word with * to match a prefix.');
  const name = field('File name contains', h('input', { type: 'search', name: 'name', value: values.name, autocomplete: 'off', placeholder: 'report' }));
  const sourceSelect = field('Source', h('select', { name: 'source' },
    h('option', { value: '', text: 'All sources' }),
    ...sources.map((source) => h('option', { value: source.name, selected: source.name === values.source, text: source.title || source.name }))));
  const bucketList = h('datalist', { id: 'bucket-options' });
  const bucket = field('Bucket', h('input', { type: 'text', name: 'bucket', value: values.bucket, list: 'bucket-options', autocomplete: 'off', spellcheck: 'false' }));
  const extension = field('Extension', h('input', { type: 'text', name: 'extension', value: values.extension, class: 'narrow', placeholder: 'csv', autocomplete: 'off', spellcheck: 'false' }));
  const tagList = h('datalist', { id: 'tag-options' });
  const tag = field('Tag', h('input', { type: 'text', name: 'tag', value: values.tag, list: 'tag-options', autocomplete: 'off' }));
  const minSize = sizeInput('Size at least', 'min_size', values.min_size);
  const maxSize = sizeInput('Size at most', 'max_size', values.max_size);
  const after = field('Modified on or after', h('input', { type: 'date', name: 'modified_after', value: values.modified_after }));
  const before = field('Modified on or before', h('input', { type: 'date', name: 'modified_before', value: values.modified_before }));

  // Suggest the buckets of the chosen source, and the tags in use.
  const loadSuggestions = async () => {
    bucketList.replaceChildren();
    tagList.replaceChildren();
    const chosen = sourceSelect.control.value;
    try {
      const tags = await api.get(`/api/tags${query({ source: chosen })}`);
      tagList.append(...(tags.tags || []).map((entry) => h('option', { value: entry.tag, label: `${entry.tag} (${entry.count})` })));
      if (chosen) {
        const answer = await api.get(sourceUrl(chosen, '/buckets'));
        bucketList.append(...answer.buckets.map((entry) => h('option', { value: entry.name })));
      }
    } catch {
      // Suggestions are optional: the fields take free text.
    }
  };
  sourceSelect.control.addEventListener('change', loadSuggestions);
  loadSuggestions();

  const form = h('form', { class: 'search-form card', role: 'search' },
    h('div', { class: 'search-main' }, text.wrapper, name.wrapper),
    h('details', { class: 'filters', open: PARAMS.slice(2).some((param) => values[param]) },
      h('summary', { text: 'Filters' }),
      h('div', { class: 'filter-grid' }, sourceSelect.wrapper, bucket.wrapper, extension.wrapper, tag.wrapper,
        minSize.wrapper, maxSize.wrapper, after.wrapper, before.wrapper)),
    bucketList, tagList,
    h('div', { class: 'button-row' }, button('Search', { kind: 'primary', type: 'submit' }),
      link('/search', 'Clear', { class: 'button button-secondary' })));

  // Checks the ranges. Marks the upper bound's field and returns false when
  // a range is empty.
  const checkRanges = () => {
    maxSize.setError('');
    before.setError('');
    let valid = true;
    const low = minSize.bytes();
    const high = maxSize.bytes();
    if (low !== '' && high !== '' && Number(low) > Number(high)) {
      maxSize.setError(`The maximum is below the minimum size (${formatBytes(low)}), so no file can match.`);
      valid = false;
    }
    if (after.control.value && before.control.value && after.control.value > before.control.value) {
      before.setError(`This day is before the "Modified on or after" day (${dayLabel(after.control.value)}), so no file can match.`);
      valid = false;
    }
    return valid;
  };

  // Re-check as soon as a bound changes, so an error clears when fixed.
  for (const wrapper of [minSize.wrapper, maxSize.wrapper, after.wrapper, before.wrapper]) {
    wrapper.addEventListener('change', checkRanges);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!checkRanges()) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    const next = {
      text: text.control.value.trim(),
      name: name.control.value.trim(),
      source: sourceSelect.control.value,
      bucket: bucket.control.value.trim(),
      extension: extension.control.value.trim().replace(/^\./, ''),
      tag: tag.control.value.trim(),
      min_size: minSize.bytes(),
      max_size: maxSize.bytes(),
      modified_after: after.control.value,
      modified_before: before.control.value,
    };
    navigate(`/search${query(next)}`, { focus: false });
  });

  const results = h('div', { class: 'search-results', 'aria-live': 'polite' });
  replace(main, pageHeader('Search', 'Find files by name and path, and buckets, folders and files by their annotations.'),
    sourcesError ? errorNotice('Sources could not be loaded', sourcesError) : null,
    form, results);

  const active = PARAMS.some((param) => values[param]);
  // An address with an empty range shows the same field errors as the form.
  if (active && !checkRanges()) {
    replace(results, emptyState('Nothing searched', 'Fix the filters marked above: a range whose start is after its end matches nothing.'));
    return;
  }
  if (!active) {
    replace(results, emptyState('Search the catalog',
      'Type words from a description, tag or owner, or part of a file name, and press Enter. Open Filters to narrow by source, bucket, extension, size or modification date.'));
    return;
  }

  const apiParams = { ...values, modified_after: dayToUtc(values.modified_after, false), modified_before: dayToUtc(values.modified_before, true), limit: PAGE_SIZE, offset: offset || null };
  replace(results, h('p', { class: 'loading', text: 'Searching…' }));
  let answer;
  try {
    answer = await api.get(`/api/search${query(apiParams)}`);
  } catch (error) {
    replace(results, errorNotice('Search failed', error));
    return;
  }
  if (!answer.results.length) {
    replace(results, emptyState('No matches', noMatchAdvice(values)));
    return;
  }
  const pageLink = (label, nextOffset) => link(`/search${query({ ...values, offset: nextOffset || null })}`, label);
  // A search without text stops counting after enough matches, and its total is then a lower bound.
  const capped = answer.total_exact === false;
  const totalText = capped ? `${formatCount(answer.total)}+` : formatCount(answer.total);
  const countText = capped ? `${totalText} results (counting stopped)` : plural(answer.total, 'result');
  replace(results,
    h('p', { class: 'summary-line', text: `${countText}${values.text ? ', best match first' : ''}` }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden', text: 'Search results' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Name' }), h('th', { scope: 'col', class: 'num', text: 'Size' }),
        h('th', { scope: 'col', text: 'Modified' }), h('th', { scope: 'col', text: 'Annotation' }))),
      h('tbody', {}, ...answer.results.map(resultRow)))),
    h('div', { class: 'pager' },
      offset > 0 ? pageLink('← Previous', Math.max(0, offset - PAGE_SIZE)) : null,
      h('span', { class: 'muted', text: `${formatCount(offset + 1)}–${formatCount(offset + answer.results.length)} of ${totalText}` }),
      offset + answer.results.length < answer.total ? pageLink('Next →', offset + PAGE_SIZE) : null));
}

// Catalog browse: a source's buckets, then folders and files level by level.
import { hasRole } from './session.js';
import { h, replace, emptyState, notice, link } from './dom.js';
import { api, sourceUrl, query } from './api.js';
import { pageHeader, sourceNav, breadcrumbs, buttonLink, button, sortHeader, chipList, errorNotice } from './components.js';
import {
  formatBytes, exactBytes, formatCount, plural, timeElement, bucketStateBadge, reasonText, bucketProblem,
} from './format.js';
import { plainExcerpt, renderMarkdown } from './markdown.js';
import { splitPath, browseHref, itemHref, pathCrumbs, nameWithIcon, pathKind, parentLevel } from './paths.js';
import { navigate } from './nav.js';
import { loadSource, orNotFound, isNotFound, NotFoundError } from './not-found.js';

const FILE_PAGE = 200;
const SORTS = new Set(['name', 'size', 'modified']);

// Download links for the present files of the source, or of the files under
// `prefix` (a bucket or folder path).
function exportLinks(source, prefix = '') {
  const url = (format) => sourceUrl(source, `/export.${format}${query({ prefix })}`);
  return h('div', { class: 'export-links', role: 'group', 'aria-label': 'Export files' },
    h('span', { class: 'muted small', text: 'Export' }),
    h('a', { href: url('csv'), download: true, class: 'button button-secondary button-small', text: 'CSV' }),
    h('a', { href: url('jsonl'), download: true, class: 'button button-secondary button-small', text: 'JSON Lines' }));
}

function sizeCell(bytes) {
  return h('td', { class: 'num', title: exactBytes(bytes), text: formatBytes(bytes) });
}

function staleBadge(item) {
  if (!item.stale) return null;
  return h('span', {
    class: 'badge badge-warning',
    title: 'Its bucket was skipped or failed in the latest extraction, so this may be out of date.',
    text: 'stale',
  });
}

function annotationCell(annotation) {
  if (!annotation) return h('td', { class: 'annotation-cell' });
  const excerpt = plainExcerpt(annotation.description, 90);
  return h('td', { class: 'annotation-cell' },
    chipList(annotation.tags, 'tag'),
    excerpt ? h('div', { class: 'muted small excerpt', text: excerpt }) : null);
}

async function renderBuckets(main, source, search) {
  const includeAbsent = search.get('all') === '1';
  const { buckets } = await api.get(sourceUrl(source.name, `/buckets${query({ include_absent: includeAbsent ? 'true' : 'false' })}`));
  const title = source.title || source.name;
  const head = [
    breadcrumbs([{ label: 'Sources', href: '/sources' }, { label: title }]),
    pageHeader(title, h('span', {}, h('span', { class: 'mono', text: source.name }), ` · ${plural(source.file_count || 0, 'file')} catalogued`),
      buttonLink('Search this source', `/search${query({ source: source.name })}`), exportLinks(source.name)),
    sourceNav(source.name, 'browse'),
  ];
  if (source.running_job_id) {
    head.push(notice('info', 'An extraction is running: new files appear page by page.',
      hasRole('admin') ? [' ', link(`/sources/${encodeURIComponent(source.name)}/settings/extraction`, 'Watch its progress'), '.'] : null));
  }
  const toggle = h('div', { class: 'check toolbar' },
    h('input', { type: 'checkbox', id: 'show-absent', checked: includeAbsent,
      on: { change: (event) => navigate(browseHref(source.name, '', { all: event.target.checked ? '1' : '' }), { replaceState: true, focus: false }) } }),
    h('label', { for: 'show-absent', text: 'Show buckets that are no longer present' }));

  if (!buckets.length) {
    const base = `/sources/${encodeURIComponent(source.name)}`;
    replace(main, ...head, includeAbsent || source.last_job ? toggle : null,
      source.last_job
        ? emptyState('No buckets in the catalog', 'The latest extraction catalogued no bucket. Check its result: the credentials may see no bucket, or the path filters select none.',
          hasRole('admin') ? buttonLink('See the latest result', `${base}/settings/extraction`, 'primary') : null)
        : emptyState('Nothing catalogued yet', 'Run a metadata extraction to list this source\'s buckets and files.',
          hasRole('admin') ? buttonLink('Run Extraction', `${base}/settings/extraction`, 'primary') : null));
    return;
  }

  const totalFiles = buckets.reduce((sum, bucket) => sum + (bucket.present ? Number(bucket.file_count) || 0 : 0), 0);
  const totalBytes = buckets.reduce((sum, bucket) => sum + (bucket.present ? Number(bucket.total_bytes) || 0 : 0), 0);
  const rows = buckets.map((bucket) => h('tr', { class: bucket.present ? '' : 'row-muted' },
    h('th', { scope: 'row' }, link(browseHref(source.name, `/${bucket.name}`), nameWithIcon('bucket', bucket.name)),
      bucket.present ? null : h('span', { class: 'badge badge-neutral', text: 'not present' }), ' ', staleBadge(bucket)),
    h('td', { class: 'num', text: formatCount(bucket.file_count) }),
    sizeCell(bucket.total_bytes),
    h('td', {}, timeElement(bucket.newest_modified)),
    h('td', {}, bucketStateBadge(bucket.last_status),
      bucket.last_reason ? h('div', { class: 'muted small', text: reasonText(bucket.last_reason) }) : null,
      bucket.last_synced ? h('div', { class: 'muted small' }, 'synced ', timeElement(bucket.last_synced)) : null),
    annotationCell(bucket.annotation)));
  replace(main, ...head,
    h('p', { class: 'summary-line', text: `${plural(buckets.length, 'bucket')} · ${plural(totalFiles, 'file')} · ${formatBytes(totalBytes)}` }),
    toggle,
    h('div', { class: 'table-wrap' }, h('table', { class: 'table browse-table' },
      h('caption', { class: 'visually-hidden', text: 'Buckets' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Bucket' }), h('th', { scope: 'col', class: 'num', text: 'Files' }),
        h('th', { scope: 'col', class: 'num', text: 'Size' }), h('th', { scope: 'col', text: 'Newest file' }),
        h('th', { scope: 'col', text: 'Last extraction' }), h('th', { scope: 'col', text: 'Annotation' }))),
      h('tbody', {}, ...rows))));
}

// The panel above a bucket's or folder's listing: roll-up and annotation.
function aboutPanel(source, path, item) {
  if (!item) return null;
  const rollup = item.kind === 'bucket' ? item.bucket : item.folder;
  const annotation = item.annotation;
  return h('section', { class: 'card about', 'aria-label': `About this ${item.kind}` },
    h('div', { class: 'about-main' },
      annotation && annotation.description ? renderMarkdown(annotation.description)
        : h('p', { class: 'muted', text: `No description for this ${item.kind} yet.` }),
      annotation ? h('div', { class: 'chip-row' }, chipList(annotation.tags, 'tag'), chipList(annotation.owners, 'owner')) : null),
    h('div', { class: 'about-side' },
      rollup ? h('p', { class: 'small' },
        `${plural(rollup.file_count, 'file')}, ${formatBytes(rollup.total_bytes)} in total`,
        rollup.newest_modified ? h('span', {}, '; newest ', timeElement(rollup.newest_modified)) : null) : null,
      link(itemHref(source, path), annotation ? 'Details and annotation' : (hasRole('steward') ? 'Details · add a description' : 'Details'), { class: 'button button-secondary button-small' })));
}

// Reads an item, or null when the catalog has neither the item nor an
// annotation for it.
function loadItem(source, path) {
  return api.get(sourceUrl(source, `/items${query({ path })}`)).catch((error) => {
    if (isNotFound(error)) return null;
    throw error;
  });
}

function problemActions(source) {
  const base = `/sources/${encodeURIComponent(source.name)}`;
  const admin = hasRole('admin');
  return h('div', { class: 'button-row centered' },
    admin ? buttonLink('Run Extraction', `${base}/settings/extraction`, 'primary') : null,
    admin ? buttonLink('Credentials', `${base}/settings/credentials`) : null,
    buttonLink('Latest jobs', `${base}/jobs`));
}

async function renderLevel(main, source, path, search) {
  const sort = SORTS.has(search.get('sort')) ? search.get('sort') : 'name';
  const order = search.get('order') === 'desc' ? 'desc' : 'asc';
  const params = { path, sort, order };
  const { bucket, key } = splitPath(path);
  // An unknown bucket is a 404 of the listing routes.
  const bucketMissing = () => new NotFoundError(`No bucket “${bucket}” in ${source.title || source.name}`,
    'No extraction of this source has listed a bucket with this name, and it has no annotation.',
    [{ label: `the buckets of ${source.title || source.name}`, href: browseHref(source.name) }, { label: 'Sources', href: '/sources' }]);
  const [foldersAnswer, filesAnswer, item, bucketItem] = await orNotFound(Promise.all([
    api.get(sourceUrl(source.name, `/folders${query(params)}`)),
    api.get(sourceUrl(source.name, `/files${query({ ...params, limit: FILE_PAGE })}`)),
    loadItem(source.name, path),
    key ? loadItem(source.name, `/${bucket}`) : null,
  ]), bucketMissing);
  const title = key ? key.slice(0, -1).split('/').pop() || '(empty name)' : bucket;
  const folders = foldersAnswer.folders || [];
  const files = [...(filesAnswer.files || [])];

  const onSort = (column, nextOrder) => navigate(browseHref(source.name, path, {
    sort: column === 'name' ? '' : column, order: nextOrder === 'asc' ? '' : nextOrder,
  }), { replaceState: true, focus: false });
  const state = { sort, order };

  const tbody = h('tbody', {});
  for (const folder of folders) {
    tbody.appendChild(h('tr', { class: 'folder-row' },
      h('th', { scope: 'row' }, link(browseHref(source.name, folder.path), nameWithIcon('folder', folder.name))),
      h('td', { class: 'num', title: exactBytes(folder.total_bytes) }, formatBytes(folder.total_bytes),
        h('div', { class: 'muted small', text: plural(folder.file_count, 'file') })),
      h('td', {}, timeElement(folder.newest_modified)),
      annotationCell(folder.annotation)));
  }
  const fileRow = (file) => h('tr', { class: 'file-row' },
    h('th', { scope: 'row' }, link(itemHref(source.name, file.path), nameWithIcon('file', file.name)), ' ', staleBadge(file)),
    sizeCell(file.size),
    h('td', {}, timeElement(file.last_modified)),
    annotationCell(file.annotation));
  files.forEach((file) => tbody.appendChild(fileRow(file)));

  const more = h('div', { class: 'load-more' });
  let cursor = filesAnswer.next_cursor;
  const drawMore = () => {
    if (!cursor) {
      more.replaceChildren();
      return;
    }
    const remaining = Math.max(0, Number(filesAnswer.total) - files.length);
    const loadButton = button(`Show ${formatCount(Math.min(FILE_PAGE, remaining))} more files`, {
      onClick: async () => {
        loadButton.disabled = true;
        try {
          const next = await api.get(sourceUrl(source.name, `/files${query({ ...params, limit: FILE_PAGE, cursor })}`));
          for (const file of next.files || []) {
            files.push(file);
            tbody.appendChild(fileRow(file));
          }
          cursor = next.next_cursor;
          drawMore();
          more.querySelector('button')?.focus();
        } catch (error) {
          more.replaceChildren(errorNotice('More files could not be loaded', error));
        }
      },
    });
    more.replaceChildren(h('span', { class: 'muted', text: `Showing ${formatCount(files.length)} of ${formatCount(filesAnswer.total)} files. ` }), loadButton);
  };
  drawMore();

  const head = [
    breadcrumbs(pathCrumbs(source.name, source.title || source.name, path)),
    pageHeader(h('span', {}, title, ' ', item && !item.present ? h('span', { class: 'badge badge-neutral', text: 'not present' }) : null),
      h('span', { class: 'mono path-line', text: path }), exportLinks(source.name, path.endsWith('/') ? path : `${path}/`)),
    aboutPanel(source.name, path, item),
  ];
  const summary = h('p', { class: 'summary-line', text: `${plural(folders.length, 'folder')} and ${plural(filesAnswer.total ?? files.length, 'file')} at this level` });

  const problem = bucketProblem(source, key ? bucketItem : item);
  if (!folders.length && !files.length) {
    if (key && !item) {
      // Neither files below it nor an annotation: the folder does not exist.
      const parent = parentLevel(source.name, source.title || source.name, path);
      throw new NotFoundError(`No folder “${path}” in ${source.title || source.name}`,
        'The catalog has no file below this folder, and no annotation for it.',
        [{ label: `the ${parent.label}`, href: parent.href }, { label: 'Sources', href: '/sources' }]);
    }
    if (problem) {
      replace(main, ...head, h('div', { class: 'empty-state', dataset: { testid: 'bucket-problem' } },
        h('h3', { text: `${problem.title}, so no files are catalogued${key ? ' in this folder' : ''}` }),
        h('p', { text: problem.text }),
        h('p', {}, h('strong', { text: 'What to do: ' }), problem.advice),
        problemActions(source)));
      return;
    }
    replace(main, ...head, emptyState(`This ${key ? 'folder' : 'bucket'} has no files in the catalog`,
      'The latest extraction found none here, or the path filters leave them out. If you expected files, check the path filters and the latest job result.',
      hasRole('admin') ? buttonLink('Path filters', `/sources/${encodeURIComponent(source.name)}/settings/filters`) : null));
    return;
  }
  // Files of a skipped or failed bucket are from an earlier extraction.
  const problemNotice = problem ? notice('warning', h('strong', { text: `${problem.title}. ` }), `${problem.text} `,
    'The files shown are from an earlier extraction and may be out of date. ', h('strong', { text: 'What to do: ' }), problem.advice) : null;
  replace(main, ...head, problemNotice, summary,
    h('div', { class: 'table-wrap' }, h('table', { class: 'table browse-table' },
      h('caption', { class: 'visually-hidden', text: `Contents of ${path}` }),
      h('thead', {}, h('tr', {},
        sortHeader('Name', 'name', state, onSort), sortHeader('Size', 'size', state, onSort, 'num'),
        sortHeader('Modified', 'modified', state, onSort), h('th', { scope: 'col', text: 'Annotation' }))),
      tbody)),
    more);
}

export async function renderBrowse({ main, params, query: search, setTitle }) {
  const source = await loadSource(params.source);
  const path = search.get('path') || '';
  if (!path) {
    setTitle(source.title || source.name);
    await renderBuckets(main, source, search);
    return;
  }
  const { bucket } = splitPath(path);
  if (!bucket) {
    replace(main, h('h1', { text: 'Invalid path' }), notice('error', 'A catalog path looks like /bucket or /bucket/folder/.'));
    return;
  }
  if (pathKind(path) === 'file') {
    await navigate(itemHref(source.name, path), { replaceState: true });
    return;
  }
  setTitle(`${path} · ${source.title || source.name}`);
  await renderLevel(main, source, path, search);
}

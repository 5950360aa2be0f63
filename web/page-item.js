// The page of one file, folder or bucket: its metadata and its annotation.
import { h, replace, notice, link } from './dom.js';
import { api, sourceUrl, query, ApiError } from './api.js';
import { pageHeader, breadcrumbs, detailList, buttonLink } from './components.js';
import { formatBytes, exactBytes, plural, timeElement, bucketStateBadge, reasonText, bucketProblem } from './format.js';
import { baseName, pathCrumbs, pathKind, browseHref, kindIcon, splitPath, parentLevel } from './paths.js';
import { annotationCard } from './annotation-editor.js';
import { loadSource } from './not-found.js';

function sizeText(bytes) {
  return h('span', { title: exactBytes(bytes), text: `${formatBytes(bytes)} (${exactBytes(bytes)})` });
}

function fileDetails(item) {
  const file = item.file;
  return detailList([
    ['Size', sizeText(file.size)],
    ['Last modified', timeElement(file.last_modified)],
    ['ETag', h('code', { class: 'wrap', text: file.etag || '—' })],
    ['Storage class', file.storage_class || 'STANDARD (not reported)'],
    ['Checksum algorithm', file.checksum_algorithm || 'none reported'],
    ['First seen', timeElement(item.first_seen || file.first_seen)],
    ['Last seen', timeElement(item.last_seen || file.last_seen)],
    ['Bucket', h('span', { class: 'mono', text: file.bucket })],
    ['Key', h('code', { class: 'wrap', text: file.key })],
  ]);
}

function folderDetails(item) {
  const folder = item.folder;
  return detailList([
    ['Files below', plural(folder.file_count, 'file')],
    ['Total size', sizeText(folder.total_bytes)],
    ['Newest file', timeElement(folder.newest_modified)],
  ]);
}

function bucketDetails(item) {
  const bucket = item.bucket;
  return detailList([
    ['Files', plural(bucket.file_count, 'file')],
    ['Total size', sizeText(bucket.total_bytes)],
    ['Newest file', timeElement(bucket.newest_modified)],
    ['Created', timeElement(bucket.creation_date)],
    ['Region', bucket.region || 'not reported'],
    ['Last extraction', h('span', {}, bucketStateBadge(bucket.last_status),
      bucket.last_reason ? ` ${reasonText(bucket.last_reason)}` : '')],
    ['Last synced', timeElement(bucket.last_synced, 'never')],
    ['First seen', item.first_seen ? timeElement(item.first_seen) : null],
    ['Last seen', item.last_seen ? timeElement(item.last_seen) : null],
  ]);
}

function statusNotices(source, item) {
  const out = [];
  const problem = item.kind === 'bucket' ? bucketProblem(source, item) : null;
  if (problem) {
    out.push(notice('warning', h('strong', { text: `${problem.title}. ` }), `${problem.text} `,
      h('strong', { text: 'What to do: ' }), problem.advice));
  }
  if (!item.present) {
    out.push(notice('warning', h('strong', { text: 'Not in the catalog now. ' }),
      `The latest extraction did not find this ${item.kind}, or the path filters no longer select it. `,
      'Its annotation is kept and shows again when an extraction finds it.',
      item.last_seen ? h('span', {}, ' Last seen ', timeElement(item.last_seen), '.') : null));
  } else if (item.stale && !problem) {
    out.push(notice('warning', h('strong', { text: 'Stale. ' }),
      'Its bucket was skipped or failed in the latest extraction, so this may be out of date. Last seen ',
      timeElement(item.last_seen), '.'));
  }
  return out;
}

export async function renderItem({ main, params, query: search, setTitle }) {
  const path = search.get('path') || '';
  const source = await loadSource(params.source);
  const kind = pathKind(path);
  const title = baseName(path) || path;
  setTitle(`${title} · ${source.title || source.name}`);
  const crumbs = breadcrumbs(pathCrumbs(source.name, source.title || source.name, path));

  let item;
  try {
    item = await api.get(sourceUrl(source.name, `/items${query({ path })}`));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    // Neither an item nor an annotation: it may still be annotated.
    const parent = parentLevel(source.name, source.title || source.name, path);
    replace(main, crumbs, pageHeader(h('span', { class: 'title-with-icon' }, kindIcon(kind), title), h('span', { class: 'mono path-line', text: path })),
      h('div', { class: 'empty-state', dataset: { testid: 'not-found' } },
        h('h3', { text: `No ${kind} “${path}” in ${source.title || source.name}` }),
        h('p', { text: `The catalog has no ${kind} at this path and no annotation for it. You can still annotate it below: the annotation shows once an extraction finds it.` }),
        h('div', { class: 'button-row centered' },
          buttonLink(`Go to the ${parent.label}`, parent.href), buttonLink('Go to Sources', '/sources'))),
      splitPath(path).bucket ? annotationCard({ source: source.name, path, kind, annotation: null,
        onSaved: () => renderItem({ main, params, query: search, setTitle }) }) : null);
    return;
  }

  const details = item.kind === 'file' && item.file ? fileDetails(item)
    : item.kind === 'folder' && item.folder ? folderDetails(item)
      : item.kind === 'bucket' && item.bucket ? bucketDetails(item)
        : h('p', { class: 'muted', text: 'No metadata: the catalog does not hold this item now.' });

  const badges = [
    item.present ? null : h('span', { class: 'badge badge-neutral', text: 'not present' }),
    item.stale ? h('span', { class: 'badge badge-warning', text: 'stale' }) : null,
  ];
  const browseLink = item.kind === 'file'
    ? null
    : buttonLink(`Browse this ${item.kind}`, browseHref(source.name, path));

  replace(main,
    crumbs,
    pageHeader(h('span', { class: 'title-with-icon' }, kindIcon(item.kind), h('span', { class: 'item-title', text: title }), ...badges),
      h('span', { class: 'mono path-line', text: `${source.name}:${path}` }), browseLink),
    ...statusNotices(source, item),
    h('div', { class: 'item-layout' },
      h('section', { class: 'card', 'aria-labelledby': 'metadata-heading' },
        h('h2', { id: 'metadata-heading', text: item.kind === 'file' ? 'File metadata' : item.kind === 'folder' ? 'Folder' : 'Bucket' }),
        details),
      annotationCard({ source: source.name, path, kind: item.kind, annotation: item.annotation, startEditing: search.get('edit') === '1' })),
    h('p', { class: 'muted small' }, 'Find similar files: ',
      link(`/search${query({ source: source.name, bucket: splitPath(path).bucket })}`, `search bucket ${splitPath(path).bucket}`), '.'));
}

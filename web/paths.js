// Catalog paths ("/bucket/key") and the app addresses built from them.
import { h } from './dom.js';

// Splits "/bucket/key" into {bucket, key}. The key is everything after the
// first '/' following the bucket, so "/b//x" has the key "/x".
export function splitPath(path) {
  const text = String(path || '');
  if (!text.startsWith('/')) return { bucket: '', key: '' };
  const slash = text.indexOf('/', 1);
  if (slash < 0) return { bucket: text.slice(1), key: '' };
  return { bucket: text.slice(1, slash), key: text.slice(slash + 1) };
}

// The last component of a path: a file's name, a folder's name with its '/'.
export function baseName(path) {
  const { bucket, key } = splitPath(path);
  if (!key) return bucket;
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const slash = trimmed.lastIndexOf('/');
  return key.slice(slash + 1);
}

export function pathKind(path) {
  const { key } = splitPath(path);
  if (!key) return 'bucket';
  return key.endsWith('/') ? 'folder' : 'file';
}

function q(value) {
  return encodeURIComponent(value);
}

export function browseHref(source, path = '', extra = {}) {
  const params = [];
  if (path) params.push(`path=${q(path)}`);
  for (const [name, value] of Object.entries(extra)) if (value) params.push(`${q(name)}=${q(value)}`);
  return `/browse/${q(source)}${params.length ? `?${params.join('&')}` : ''}`;
}

export function itemHref(source, path, extra = '') {
  return `/item/${q(source)}?path=${q(path)}${extra}`;
}

// The address that shows `path`: browse for buckets and folders, the item
// page for files.
export function pathHref(source, path) {
  return pathKind(path) === 'file' ? itemHref(source, path) : browseHref(source, path);
}

// The level above `path` as {label, href}: its parent folder, its bucket,
// or for a bucket the source's bucket list.
export function parentLevel(source, sourceTitle, path) {
  const { bucket, key } = splitPath(path);
  if (!key) return { label: `buckets of ${sourceTitle}`, href: browseHref(source) };
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return { label: `bucket ${bucket}`, href: browseHref(source, `/${bucket}`) };
  const parent = `/${bucket}/${trimmed.slice(0, slash + 1)}`;
  return { label: `folder ${parent}`, href: browseHref(source, parent) };
}

// Breadcrumb entries from the source down to `path`.
export function pathCrumbs(source, sourceTitle, path) {
  const crumbs = [{ label: 'Sources', href: '/sources' }, { label: sourceTitle, href: browseHref(source) }];
  if (!path) return crumbs;
  const { bucket, key } = splitPath(path);
  let current = `/${bucket}`;
  crumbs.push({ label: bucket, href: browseHref(source, current) });
  // Each folder level is a segment ending in '/'; a file is the last segment.
  let start = 0;
  while (start < key.length) {
    const slash = key.indexOf('/', start);
    const end = slash < 0 ? key.length : slash + 1;
    const segment = key.slice(start, end);
    current = `/${bucket}/${key.slice(0, end)}`;
    const label = segment.endsWith('/') ? segment.slice(0, -1) : segment;
    crumbs.push({ label, href: pathHref(source, current) });
    start = end;
  }
  return crumbs;
}

const SVG = 'http://www.w3.org/2000/svg';

// A small icon for a bucket, folder or file, drawn as SVG (no icon font).
export function kindIcon(kind) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', `icon icon-${kind}`);
  svg.setAttribute('aria-hidden', 'true');
  const shape = document.createElementNS(SVG, 'path');
  const shapes = {
    bucket: 'M2 4h12l-1.5 9.5a1 1 0 0 1-1 .5h-7a1 1 0 0 1-1-.5z M1.5 2.5h13v1.5h-13z',
    folder: 'M1.5 3.5a1 1 0 0 1 1-1h3.6l1.4 1.5h6a1 1 0 0 1 1 1v7.5a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z',
    file: 'M3.5 1.5h6l3 3v9a1 1 0 0 1-1 1h-8a1 1 0 0 1-1-1v-11a1 1 0 0 1 1-1z M9.5 1.5v3h3',
  };
  shape.setAttribute('d', shapes[kind] || shapes.file);
  svg.appendChild(shape);
  return svg;
}

// A name cell: icon and the name as text.
export function nameWithIcon(kind, name) {
  return h('span', { class: 'name-with-icon' }, kindIcon(kind), h('span', { class: 'item-name', text: name }));
}

// Not-found pages: a page throws NotFoundError when the source, job, bucket,
// folder or file in its address does not exist, and app.js shows what is
// missing with links to the nearest pages that do exist.
import { h, link } from './dom.js';
import { api, sourceUrl, ApiError } from './api.js';

// A missing page. `heading` names the missing thing ("No source named
// lake"), `text` tells the user what to do, and `links` are [{label, href}]
// with the nearest existing page first.
export class NotFoundError extends Error {
  constructor(heading, text, links) {
    super(heading);
    this.heading = heading;
    this.text = text;
    this.links = links;
  }
}

export function isNotFound(error) {
  return error instanceof ApiError && error.status === 404;
}

// Awaits `promise` and turns an HTTP 404 into the NotFoundError that
// `makeError()` returns. Other errors pass through.
export async function orNotFound(promise, makeError) {
  try {
    return await promise;
  } catch (error) {
    if (isNotFound(error)) throw makeError();
    throw error;
  }
}

export function sourceNotFound(name) {
  return new NotFoundError(`No source named “${name}”`,
    'It may have been removed, or the address may be mistyped.',
    [{ label: 'Sources', href: '/sources' }]);
}

// Reads a source. A missing source becomes a NotFoundError.
export function loadSource(name) {
  return orNotFound(api.get(sourceUrl(name)), () => sourceNotFound(name));
}

// The page body for a NotFoundError.
export function notFoundView(error) {
  return h('div', { class: 'not-found', dataset: { testid: 'not-found' } },
    h('h1', { text: error.heading }),
    h('p', { text: error.text }),
    h('ul', { class: 'link-list' }, ...error.links.map((entry) => h('li', {}, link(entry.href, `Go to ${entry.label}`)))));
}

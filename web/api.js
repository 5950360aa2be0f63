// Client of the server's JSON API under /api (docs/api.md).

import { csrfToken } from './session.js';

// An error answer: HTTP status, the server's message and the field at fault.
export class ApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

let unauthorizedHandler = null;

// Sets the function called when the server answers 401 (the session ended).
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

// Builds a query string with encodeURIComponent, so a space is %20 and a
// '+' in a key is %2B. Skips undefined, null and "" values.
export function query(params = {}) {
  const parts = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export function sourceUrl(name, rest = '') {
  return `/api/sources/${encodeURIComponent(name)}${rest}`;
}

async function request(method, url, body) {
  const headers = { Accept: 'application/json' };
  // The server rejects a change made with the session cookie without it.
  if (method !== 'GET' && csrfToken()) headers['X-CSRF-Token'] = csrfToken();
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ApiError(0, `The server did not answer (${error.message}). Check that s3catalog serve is running.`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.status === 401 && unauthorizedHandler && !url.startsWith('/api/login')) unauthorizedHandler();
  if (!response.ok) {
    const detail = data && data.error ? data.error : null;
    const message = detail && detail.message
      ? detail.message
      : `${method} ${url} failed with HTTP ${response.status}${text && !data ? `: ${text.slice(0, 200)}` : ''}`;
    throw new ApiError(response.status, message, detail ? detail.field || null : null);
  }
  if (data === null && text) {
    throw new ApiError(response.status, `${method} ${url} returned a body that is not JSON.`);
  }
  return data;
}

export const api = {
  get: (url) => request('GET', url),
  post: (url, body = {}) => request('POST', url, body),
  patch: (url, body) => request('PATCH', url, body),
  put: (url, body) => request('PUT', url, body),
  delete: (url) => request('DELETE', url),
};

// True when an error means the route itself is missing from this server, as
// opposed to a missing source or item.
export function isMissingRoute(error) {
  return error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 501)
    && /route|not implemented|no handler|method/i.test(error.message);
}

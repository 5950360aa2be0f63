// "Test connection": checks credentials and reports, bucket by bucket, which
// buckets are readable, before any extraction runs (docs/api.md, "Testing
// the connection"). Nothing is saved.
import { h, replace, notice } from './dom.js';
import { api, isMissingRoute } from './api.js';
import { button, detailList } from './components.js';
import { categoryLabel, plural, timeElement, hintSentence } from './format.js';

function errorBlock(error) {
  return h('div', { class: 'notice notice-error', role: 'alert' },
    h('p', {}, h('strong', { text: `${categoryLabel(error.category)} error. ` }), error.message || ''),
    error.hint ? h('p', {}, h('strong', { text: 'What to do: ' }), hintSentence(error.hint)) : null);
}

const identityStates = {
  unavailable: 'Not available: the endpoint offers no STS GetCallerIdentity',
  failed: 'Rejected by STS',
};

// Returns the credentials' provider, role, expiry and STS identity as a
// details list, or null when the credentials could not be resolved.
function credentialsDetails(result) {
  const credentials = result.credentials || {};
  const identity = result.identity || {};
  if (!credentials.provider && !credentials.role_arn) return null;
  let source = credentials.provider || null;
  if (source && credentials.access_key_id_last4) source += `, key ID ending in ${credentials.access_key_id_last4}`;
  let identityText = null;
  if (identity.status === 'ok') identityText = h('span', { class: 'mono', text: identity.arn });
  else if (identityStates[identity.status]) identityText = identityStates[identity.status];
  return detailList([
    ['Credentials', source],
    ['Role', credentials.role_arn ? h('span', { class: 'mono', text: credentials.role_arn }) : null],
    ['Expires', credentials.expires_at ? timeElement(credentials.expires_at) : null],
    ['Identity', identityText],
  ]);
}

// Renders the response of a test-connection route.
export function renderConnectionResult(result) {
  const buckets = result.buckets || [];
  const readable = buckets.filter((bucket) => bucket.readable);
  const parts = [];
  if (result.error) parts.push(errorBlock(result.error));
  const details = credentialsDetails(result);
  if (details) parts.push(details);
  if (result.ok) {
    parts.push(notice('success', `Connected. ${plural(readable.length, 'bucket')} readable.`));
  } else if (!result.error) {
    parts.push(notice('warning', `Connected, but ${plural(buckets.length - readable.length, 'bucket')} cannot be listed.`));
  }
  if (result.list_buckets === 'denied') {
    parts.push(notice('warning', 'ListAllMyBuckets is denied, so only the buckets that the path filters name were checked.'));
  }
  for (const warning of result.warnings || []) parts.push(notice('warning', warning));
  if (buckets.length) {
    parts.push(h('div', { class: 'table-wrap' }, h('table', { class: 'table compact' },
      h('caption', { text: 'Buckets' }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Bucket' }), h('th', { scope: 'col', text: 'Readable' }),
        h('th', { scope: 'col', text: 'Reason' }))),
      h('tbody', {}, ...buckets.map((bucket) => h('tr', { class: bucket.readable ? '' : 'row-attention', dataset: { bucket: bucket.name } },
        h('td', { class: 'mono nowrap', text: bucket.name }),
        h('td', {}, h('span', { class: `badge ${bucket.readable ? 'badge-ok' : 'badge-warning'}`, text: bucket.readable ? 'Readable' : 'Not readable' })),
        h('td', {}, bucket.error ? h('div', { class: 'wrap' },
          h('div', { text: `${categoryLabel(bucket.error.category)}: ${bucket.error.message || ''}` }),
          bucket.error.hint ? h('div', { class: 'muted small', text: hintSentence(bucket.error.hint) }) : null) : null)))))));
  }
  if (result.buckets_not_checked) {
    parts.push(h('p', { class: 'muted', text: `${plural(result.buckets_not_checked, 'more bucket')} not checked.` }));
  }
  return h('div', { class: 'connection-result' }, ...parts);
}

// A "Test connection" button with its result area. `request()` returns
// {url, body} for the current form values, or null when the form is invalid
// (it then shows the problem itself).
export function connectionTester(request) {
  const output = h('div', { class: 'connection-output', 'aria-live': 'polite' });
  const run = button('Test connection', {
    title: 'Check the credentials and which buckets they can list, without saving',
    onClick: async () => {
      const target = request();
      if (!target) return;
      run.disabled = true;
      replace(output, h('p', { class: 'loading', text: 'Testing the connection…' }));
      try {
        replace(output, renderConnectionResult(await api.post(target.url, target.body)));
      } catch (error) {
        const missing = isMissingRoute(error);
        replace(output, notice(missing ? 'warning' : 'error', missing
          ? 'This server cannot test connections yet. Run an extraction to check the settings.'
          : `The test failed: ${error.message}`));
      } finally {
        run.disabled = false;
      }
    },
  });
  return { button: run, output };
}

// The sources list and the "Add a File System" form.
import { hasRole } from './session.js';
import { h, replace, field, notice, emptyState, link } from './dom.js';
import { api, ApiError } from './api.js';
import { formatCount, jobStateBadge, timeElement } from './format.js';
import { pageHeader, buttonLink, button, setFlash, takeFlash } from './components.js';
import { generalFields, roleFields, showFieldError, clearFieldErrors, NAME_PATTERN, NAME_RULE } from './source-form.js';
import { filterEditor } from './filters.js';
import { connectionTester } from './connection-test.js';
import { navigate } from './nav.js';

function endpointText(source) {
  if (source.endpoint_url) return source.endpoint_url;
  return `Amazon S3 (${source.region})`;
}

function lastJobCell(source) {
  if (source.running_job_id) {
    return h('div', { class: 'stack' }, jobStateBadge('running'),
      hasRole('admin') ? link(`/sources/${encodeURIComponent(source.name)}/settings/extraction`, 'Watch progress') : null);
  }
  if (!source.last_job) return h('span', { class: 'muted', text: 'Never extracted' });
  return h('div', { class: 'stack' }, jobStateBadge(source.last_job.status),
    timeElement(source.last_job.finished_at || source.last_job.started_at));
}

export async function renderSources({ main, setTitle }) {
  setTitle('Sources');
  const { sources } = await api.get('/api/sources');
  // Only admins manage sources, so others see no way to add or change one.
  const admin = hasRole('admin');
  const header = pageHeader('Sources', 'S3 file systems whose buckets and objects this catalog lists.',
    admin ? buttonLink('Add a File System', '/sources/new', 'primary') : null);
  const flash = takeFlash();

  if (!sources.length) {
    replace(main, header, flash, emptyState('No file systems yet',
      'Add an S3 file system (Amazon S3, MinIO, Ceph RGW or any S3-compatible endpoint) with its credentials, then run a metadata extraction to fill the catalog.',
      admin ? buttonLink('Add a File System', '/sources/new', 'primary') : null));
    return;
  }

  const rows = sources.map((source) => {
    const name = encodeURIComponent(source.name);
    return h('tr', {},
      h('th', { scope: 'row' },
        h('div', { class: 'stack' },
          link(`/browse/${name}`, source.title || source.name, { class: 'strong-link' }),
          h('span', { class: 'muted mono', text: source.name }))),
      h('td', { class: 'mono wrap', text: endpointText(source) }),
      h('td', { class: 'num', text: formatCount(source.file_count) }),
      h('td', {}, lastJobCell(source)),
      h('td', { class: 'actions' },
        link(`/browse/${name}`, 'Browse'), ' ',
        admin ? link(`/sources/${name}/settings`, 'Settings') : null, admin ? ' ' : null,
        link(`/sources/${name}/jobs`, 'Jobs')));
  });

  replace(main, header, flash,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table' },
        h('caption', { class: 'visually-hidden', text: 'Sources' }),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', text: 'Source' }),
          h('th', { scope: 'col', text: 'Endpoint' }),
          h('th', { scope: 'col', class: 'num', text: 'Files' }),
          h('th', { scope: 'col', text: 'Last extraction' }),
          h('th', { scope: 'col', text: 'Actions' }))),
        h('tbody', {}, ...rows))));
}

export async function renderNewSource({ main, setTitle }) {
  setTitle('Add a File System');
  const general = generalFields(null, { includeName: true });
  const type = field('Type', h('select', { name: 'type' }, h('option', { value: 's3', text: 'S3 (Amazon S3 or S3-compatible)' })));
  const keyId = field('Access Key ID', h('input', { type: 'text', name: 'access_key_id', autocomplete: 'off', spellcheck: 'false' }));
  const secret = field('Secret Access Key', h('input', { type: 'password', name: 'secret_access_key', autocomplete: 'new-password' }),
    'Stored encrypted and never shown again.');
  const role = roleFields();
  const filters = filterEditor({});
  const formError = h('div', { 'aria-live': 'assertive' });
  const fields = { ...general.fields, type, access_key_id: keyId, secret_access_key: secret, ...role.fields };

  // Live check of the name, so the rule shows before the first submit.
  general.fields.name.control.addEventListener('input', () => {
    const value = general.fields.name.control.value;
    general.fields.name.setError(value && !NAME_PATTERN.test(value) ? `Invalid name: ${NAME_RULE}` : '');
  });

  // Reads the form into a create body; returns null after showing the first
  // problem. A connection test needs no name.
  const collect = ({ requireName }) => {
    clearFieldErrors(fields);
    formError.replaceChildren();
    const body = { ...general.values(), type: type.control.value };
    if (!body.title) delete body.title;
    if (!requireName && !body.name) delete body.name;
    const id = keyId.control.value.trim();
    const key = secret.control.value;
    if (id && !key) {
      secret.setError('Enter the Secret Access Key that belongs to this key ID, or clear both fields to use the default credential chain.');
      secret.control.focus();
      return null;
    }
    if (!id && key) {
      keyId.setError('Enter the Access Key ID of this secret, or clear both fields to use the default credential chain.');
      keyId.control.focus();
      return null;
    }
    if (id) body.credentials = { access_key_id: id, secret_access_key: key };
    if (!role.check()) return null;
    // Blank role fields are left out, so the source assumes no role.
    for (const [name, value] of Object.entries(role.values())) if (value) body[name] = value;
    body.path_prefixes = filters.values();
    return body;
  };

  const tester = connectionTester(() => {
    const body = collect({ requireName: false });
    return body ? { url: '/api/test-connection', body } : null;
  });

  const submit = button('Add file system', { kind: 'primary', type: 'submit' });
  const form = h('form', { class: 'form', novalidate: true },
    h('section', { class: 'card' }, h('h2', { text: 'File system' }), type.wrapper, general.element),
    h('section', { class: 'card' },
      h('h2', { text: 'Credentials' }),
      h('p', { class: 'help', text: 'Enter an access key of an IAM user, or leave both fields blank to use the default credential chain (environment variables, shared credentials and config files, web identity, container credentials, instance role). The key needs s3:ListAllMyBuckets and s3:ListBucket on each bucket to catalog.' }),
      h('div', { class: 'field-row' }, keyId.wrapper, secret.wrapper),
      role.element),
    h('section', { class: 'card' }, h('h2', { text: 'Path filters (optional)' }), filters.element),
    h('section', { class: 'card' },
      h('h2', { text: 'Check before adding' }),
      h('p', { class: 'help', text: 'Test connection lists the buckets with these settings and tries one listing request per bucket. Nothing is saved.' }),
      h('div', { class: 'button-row' }, tester.button), tester.output),
    formError,
    h('div', { class: 'button-row' }, submit, link('/sources', 'Cancel', { class: 'button button-secondary' })));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = collect({ requireName: true });
    if (!body) return;
    if (!body.name) {
      general.fields.name.setError(`Enter a name: ${NAME_RULE}`);
      general.fields.name.control.focus();
      return;
    }
    if (!NAME_PATTERN.test(body.name)) {
      general.fields.name.setError(`Invalid name: ${NAME_RULE}`);
      general.fields.name.control.focus();
      return;
    }
    if (!(await filters.check())) {
      formError.replaceChildren(notice('error', 'Fix the path filters marked above before saving.'));
      filters.textarea.focus();
      return;
    }
    submit.disabled = true;
    try {
      const created = await api.post('/api/sources', body);
      setFlash('success', `Added ${created.title || created.name}. Run an extraction to fill its catalog.`);
      await navigate(`/sources/${encodeURIComponent(created.name)}/settings/extraction`);
    } catch (error) {
      submit.disabled = false;
      const fieldName = error instanceof ApiError ? error.field : null;
      if (fieldName && fieldName.startsWith('path_prefixes')) {
        formError.replaceChildren(notice('error', error.message));
        filters.textarea.focus();
      } else if (!showFieldError(fields, error)) {
        formError.replaceChildren(notice('error', `The file system was not added: ${error.message}`));
      }
    }
  });

  replace(main, pageHeader('Add a File System', 'Register an S3 endpoint. Nothing is listed until you run an extraction.'), form);
}

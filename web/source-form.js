// Form sections for a source's settings, shared by "Add a File System" and
// the Settings tabs.
import { h, field } from './dom.js';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const NAME_RULE = '1 to 63 lower-case letters, digits, "-" or "_", starting with a letter or digit.';

function input(props) {
  return h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...props });
}

function select(options, value) {
  return h('select', {}, ...options.map(([optionValue, label]) => h('option', { value: optionValue, selected: optionValue === value, text: label })));
}

// The General fields. Returns {fields: {name, title, ...}, element, values()}
// where values() is the request body part these fields set.
export function generalFields(source = null, { includeName = false } = {}) {
  const fields = {};
  const parts = [];

  if (includeName) {
    fields.name = field('Name', input({ name: 'name', required: true, pattern: NAME_PATTERN.source, maxlength: 63 }),
      `Used in addresses and the CLI, and cannot change later: ${NAME_RULE}`);
    parts.push(fields.name.wrapper);
  }
  fields.title = field('Title', input({ name: 'title', value: source ? source.title : '', maxlength: 200 }),
    'Shown in lists. Defaults to the name.');
  fields.description = field('Description', h('textarea', { name: 'description', rows: 3 }),
    'Markdown: *emphasis*, `code`, lists and http(s) links.');
  fields.description.control.value = source ? source.description || '' : '';
  fields.endpoint_url = field('Endpoint URL', input({
    name: 'endpoint_url',
    type: 'url',
    value: source ? source.endpoint_url || '' : '',
    placeholder: 'https://s3.example.com:9000',
  }), 'Leave blank for Amazon S3. For MinIO, Ceph RGW or another S3-compatible service: its URL with scheme and port.');
  fields.region = field('Region', input({ name: 'region', value: source ? source.region : 'us-east-1', required: true }),
    'The signing region, such as us-east-1 or eu-west-1.');
  fields.addressing = field('Addressing style', select([
    ['auto', 'Automatic'],
    ['path', 'Path style'],
    ['virtual', 'Virtual-hosted'],
  ], source ? source.addressing : 'auto'), 'Path style puts the bucket in the path (endpoint/bucket/key); virtual-hosted in the host name (bucket.endpoint/key). Automatic uses virtual-hosted for AWS and path style for other endpoints.');
  parts.push(fields.title.wrapper, fields.description.wrapper, fields.endpoint_url.wrapper,
    h('div', { class: 'field-row' }, fields.region.wrapper, fields.addressing.wrapper));

  const element = h('div', { class: 'form-section' }, ...parts);
  const values = () => {
    const body = {
      title: fields.title.control.value.trim(),
      description: fields.description.control.value,
      endpoint_url: fields.endpoint_url.control.value.trim(),
      region: fields.region.control.value.trim(),
      addressing: fields.addressing.control.value,
    };
    if (fields.name) body.name = fields.name.control.value.trim();
    return body;
  };
  return { fields, element, values };
}

// The schedule fields: a checkbox and an interval in minutes.
export function scheduleFields(source = null) {
  const interval = source && source.schedule ? source.schedule.interval_minutes : 60;
  const enabled = h('input', { type: 'checkbox', name: 'schedule_enabled', checked: Boolean(source && source.schedule) });
  const enabledId = `schedule-enabled-${Math.random().toString(36).slice(2, 8)}`;
  enabled.id = enabledId;
  const minutes = field('Run every (minutes)', h('input', {
    type: 'number', name: 'interval_minutes', min: 1, max: 525600, step: 1, value: interval, class: 'narrow',
  }), 'From 1 minute to 525,600 (one year). Schedules run while the server runs; a new schedule starts a job at once.');
  const sync = () => { minutes.control.disabled = !enabled.checked; };
  enabled.addEventListener('change', sync);
  sync();
  const element = h('fieldset', { class: 'form-section' },
    h('legend', { text: 'Schedule' }),
    h('div', { class: 'check' }, enabled, h('label', { for: enabledId, text: 'Run the extraction periodically' })),
    minutes.wrapper);
  const values = () => ({
    schedule: enabled.checked ? { interval_minutes: Number(minutes.control.value) } : null,
  });
  return { element, values, fields: { interval: minutes } };
}

// The fields of an IAM role to assume on top of the credentials, in a
// collapsible "Assume a role (optional)" group that starts open when a role
// is set. Returns {fields: {role_arn, external_id, role_session_name},
// element, values(), check()}. values() returns the trimmed texts, with ""
// for a blank field.
export function roleFields(source = null) {
  const fields = {
    role_arn: field('Role ARN', input({ name: 'role_arn', value: source ? source.role_arn || '' : '', placeholder: 'arn:aws:iam::123456789012:role/catalog-reader' }),
      'Leave blank to use the credentials as they are. With a role, s3catalog calls STS AssumeRole with the credentials and lists with the role.'),
    external_id: field('External ID', input({ name: 'external_id', value: source ? source.external_id || '' : '' }),
      'Only when the role\'s trust policy requires one (sts:ExternalId).'),
    role_session_name: field('Role session name', input({ name: 'role_session_name', value: source ? source.role_session_name || '' : '', placeholder: 's3catalog-<Unix time>' }),
      'Names the session in CloudTrail: 2 to 64 letters, digits or +=,.@_-.'),
  };
  const element = h('details', { class: 'advanced role-fields', open: Boolean(source && source.role_arn) },
    h('summary', { text: 'Assume a role (optional)' }),
    fields.role_arn.wrapper, h('div', { class: 'field-row' }, fields.external_id.wrapper, fields.role_session_name.wrapper));
  const values = () => ({
    role_arn: fields.role_arn.control.value.trim(),
    external_id: fields.external_id.control.value.trim(),
    role_session_name: fields.role_session_name.control.value.trim(),
  });
  // Shows an error on the role ARN and returns false when the other fields
  // are set without it, which the server rejects too.
  const check = () => {
    const { role_arn: arn, external_id: externalId, role_session_name: sessionName } = values();
    if (arn || (!externalId && !sessionName)) return true;
    element.open = true;
    fields.role_arn.setError('Enter the role ARN, or clear the external ID and session name: they apply only to a role.');
    fields.role_arn.control.focus();
    return false;
  };
  return { fields, element, values, check };
}

// Maps a server error's field ("path_prefixes[2]", "credentials.secret_access_key")
// to one of `fields` and shows the message there. Returns true when shown.
export function showFieldError(fields, error) {
  if (!error || !error.field) return false;
  const key = error.field.replace(/^credentials\./, '').replace(/\[\d+\]$/, '').replace(/^schedule\.interval_minutes$/, 'interval');
  const target = fields[key];
  if (!target) return false;
  target.setError(error.message);
  target.control.focus();
  return true;
}

export function clearFieldErrors(fields) {
  for (const entry of Object.values(fields)) if (entry && entry.setError) entry.setError('');
}

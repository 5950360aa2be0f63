// A source's Settings: General, Credentials, Path filters and Metadata
// Extraction tabs.
import { h, replace, field, notice, link, uniqueId } from './dom.js';
import { api, sourceUrl, ApiError } from './api.js';
import { pageHeader, sourceNav, button, confirmButton, setFlash, takeFlash, detailList } from './components.js';
import { generalFields, scheduleFields, roleFields, showFieldError, clearFieldErrors } from './source-form.js';
import { filterEditor } from './filters.js';
import { jobStatusPanel } from './job-status.js';
import { timeElement, plural } from './format.js';
import { navigate } from './nav.js';
import { connectionTester } from './connection-test.js';
import { loadSource } from './not-found.js';

const TABS = [
  ['general', 'General'],
  ['credentials', 'Credentials'],
  ['filters', 'Path filters'],
  ['extraction', 'Metadata Extraction'],
];

function tabBar(name, active) {
  return h('nav', { class: 'tabs', 'aria-label': 'Settings sections' },
    ...TABS.map(([key, label]) => link(`/sources/${encodeURIComponent(name)}/settings/${key}`, label, {
      'aria-current': key === active ? 'page' : null,
      class: 'tab',
    })));
}

function saveRow(label, status) {
  const submit = button(label, { kind: 'primary', type: 'submit' });
  return { row: h('div', { class: 'button-row' }, submit, status), submit };
}

async function patchSource(name, body) {
  return api.patch(sourceUrl(name), body);
}

function savedNotice(text) {
  return notice('success', text);
}

function generalTab(source, refresh) {
  const general = generalFields(source);
  const schedule = scheduleFields(source);
  const requesterPays = h('input', { type: 'checkbox', id: uniqueId('rp'), checked: Boolean(source.requester_pays) });
  const status = h('div', { 'aria-live': 'polite' });
  const { row, submit } = saveRow('Save', status);
  const fields = { ...general.fields, ...schedule.fields };
  const form = h('form', { class: 'form', novalidate: true },
    h('section', { class: 'card' },
      h('h2', { text: 'General' }),
      field('Name', h('input', { type: 'text', value: source.name, readOnly: true, class: 'mono' }), 'The name cannot change.').wrapper,
      general.element,
      h('div', { class: 'check' }, requesterPays, h('label', { for: requesterPays.id, text: 'Requester pays (send x-amz-request-payer with each listing)' })),
      schedule.element),
    row);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(fields);
    status.replaceChildren();
    const body = { ...general.values(), ...schedule.values(), requester_pays: requesterPays.checked };
    if (!body.title) body.title = source.name;
    submit.disabled = true;
    try {
      const saved = await patchSource(source.name, body);
      refresh(saved);
      replace(status, savedNotice('Saved.'));
    } catch (error) {
      if (!showFieldError(fields, error)) replace(status, notice('error', `Not saved: ${error.message}`));
    } finally {
      submit.disabled = false;
    }
  });

  const danger = h('section', { class: 'card danger-zone' },
    h('h2', { text: 'Remove this source' }),
    h('p', { text: 'Removes the source with its catalog, annotations and job history. The objects in S3 are not touched.' }),
    confirmButton('Remove source…', `Remove ${source.name} with its catalog, annotations and job history? This cannot be undone.`,
      'Remove it', async () => {
        try {
          await api.delete(sourceUrl(source.name));
          setFlash('success', `Removed ${source.name}.`);
          await navigate('/sources');
        } catch (error) {
          danger.appendChild(notice('error', `Not removed: ${error.message}`));
        }
      }));
  return h('div', {}, form, danger);
}

// The stored credentials in one line, with the role they assume if any.
function currentCredentials(source) {
  const credentials = source.credentials;
  let text;
  if (!credentials || credentials.mode !== 'access_key') {
    text = 'Default credential chain: environment variables, shared credentials and config files, web identity, container credentials, then the instance role (IMDSv2)';
  } else {
    const last4 = credentials.access_key_id_last4 ? ` ending in ${credentials.access_key_id_last4}` : '';
    text = `Access key${last4}, secret access key ${credentials.secret_access_key || 'not set'}, session token ${credentials.session_token || 'not set'}`;
  }
  if (!source.role_arn) return [`${text}.`];
  const extras = [
    source.external_id ? 'with an external ID' : null,
    source.role_session_name ? `as session ${source.role_session_name}` : null,
  ].filter(Boolean);
  return [`${text}, then assumes role `, h('span', { class: 'mono wrap', text: source.role_arn }),
    extras.length ? ` ${extras.join(' ')}.` : '.'];
}

function credentialsTab(source, refresh) {
  const current = source.credentials || { mode: 'default_chain' };
  const hasKeys = current.mode === 'access_key';
  const groupName = uniqueId('mode');
  const radio = (value, label, checked) => {
    const control = h('input', { type: 'radio', name: groupName, value, id: uniqueId('mode'), checked });
    return { control, wrapper: h('div', { class: 'check' }, control, h('label', { for: control.id }, label)) };
  };
  const accessMode = radio('access_key', 'Access key of an IAM user', hasKeys);
  const chainMode = radio('default_chain', 'Default credential chain (environment, shared files, web identity, container, instance role)', !hasKeys);

  const keepName = uniqueId('keep');
  const keepRadio = h('input', { type: 'radio', name: keepName, value: 'keep', id: uniqueId('keep'), checked: true });
  const replaceRadio = h('input', { type: 'radio', name: keepName, value: 'replace', id: uniqueId('keep') });
  const keepChoice = h('fieldset', { class: 'subtle' },
    h('legend', { text: 'Stored keys' }),
    h('div', { class: 'check' }, keepRadio, h('label', { for: keepRadio.id },
      `Keep the stored keys (ID ending in ${current.access_key_id_last4 || '????'}, secret ${current.secret_access_key || 'not set'})`)),
    h('div', { class: 'check' }, replaceRadio, h('label', { for: replaceRadio.id, text: 'Replace them with new keys' })));

  const keyId = field('Access Key ID', h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }));
  const secret = field('Secret Access Key', h('input', { type: 'password', autocomplete: 'new-password' }),
    'Stored encrypted. It is never shown again, here or anywhere else.');
  const token = field('Session token (optional)', h('input', { type: 'password', autocomplete: 'off' }),
    'Only for temporary credentials.');
  const newKeys = h('div', { class: 'new-keys' }, h('div', { class: 'field-row' }, keyId.wrapper, secret.wrapper), token.wrapper);
  const renewToken = field('New session token (optional)', h('input', { type: 'password', autocomplete: 'off' }),
    `Replaces the stored session token (now ${current.session_token || 'not set'}) and keeps the key ID and secret. Leave blank to keep it.`);
  const role = roleFields(source);

  const sync = () => {
    const access = accessMode.control.checked;
    keepChoice.hidden = !access || !hasKeys;
    newKeys.hidden = !access || (hasKeys && keepRadio.checked);
    renewToken.wrapper.hidden = !access || !hasKeys || !keepRadio.checked;
  };
  for (const control of [accessMode.control, chainMode.control, keepRadio, replaceRadio]) control.addEventListener('change', sync);
  sync();

  const status = h('div', { 'aria-live': 'polite' });
  const { row, submit } = saveRow('Save credentials', status);
  const fields = { access_key_id: keyId, secret_access_key: secret, session_token: token, ...role.fields };

  // Reads the form into a PATCH body; returns null after showing the first
  // problem. Keeping the stored keys leaves `credentials` out, unless a new
  // session token is given.
  const collect = () => {
    clearFieldErrors(fields);
    renewToken.setError('');
    status.replaceChildren();
    if (!role.check()) return null;
    const body = role.values();
    if (chainMode.control.checked) {
      if (hasKeys) body.credentials = { access_key_id: '', secret_access_key: '' };
      return body;
    }
    if (hasKeys && keepRadio.checked) {
      if (renewToken.control.value) body.credentials = { session_token: renewToken.control.value };
      return body;
    }
    const id = keyId.control.value.trim();
    const key = secret.control.value;
    if (!id) {
      keyId.setError('Enter the Access Key ID, or choose the default credential chain.');
      keyId.control.focus();
      return null;
    }
    if (!key) {
      secret.setError('Enter the Secret Access Key that belongs to this key ID.');
      secret.control.focus();
      return null;
    }
    body.credentials = { access_key_id: id, secret_access_key: key };
    if (token.control.value) body.credentials.session_token = token.control.value;
    return body;
  };
  const tester = connectionTester(() => {
    const body = collect();
    return body ? { url: sourceUrl(source.name, '/test-connection'), body } : null;
  });
  const form = h('form', { class: 'form', novalidate: true, autocomplete: 'off' },
    h('section', { class: 'card' },
      h('h2', { text: 'Credentials' }),
      h('p', { class: 'current-credentials', dataset: { testid: 'current-credentials' } }, h('strong', { text: 'Now: ' }), ...currentCredentials(source)),
      h('fieldset', {}, h('legend', { text: 'How s3catalog signs its requests' }), accessMode.wrapper, chainMode.wrapper),
      keepChoice, renewToken.wrapper, newKeys,
      role.element,
      h('p', { class: 'help', text: 'The credentials need s3:ListAllMyBuckets, and s3:ListBucket on each bucket to catalog. A bucket without ListBucket is skipped, and the job result names it.' })),
    h('section', { class: 'card' },
      h('h2', { text: 'Test connection' }),
      h('p', { class: 'help', text: 'Checks the credentials shown above, saved or not, and which buckets they can list. Nothing is saved.' }),
      h('div', { class: 'button-row' }, tester.button), tester.output),
    row);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = collect();
    if (!body) return;
    submit.disabled = true;
    try {
      const saved = await patchSource(source.name, body);
      setFlash('success', 'Credentials saved.');
      refresh(saved, true);
    } catch (error) {
      submit.disabled = false;
      if (!showFieldError(fields, error)) replace(status, notice('error', `Not saved: ${error.message}`));
    }
  });
  return form;
}

function filtersTab(source, refresh) {
  const editor = filterEditor({ source: source.name, initial: source.path_prefixes || [], withPreview: true });
  const status = h('div', { 'aria-live': 'polite' });
  const { row, submit } = saveRow('Save filters', status);
  const form = h('form', { class: 'form', novalidate: true },
    h('section', { class: 'card' },
      h('h2', { text: 'Path filters' }),
      editor.element,
      h('p', { class: 'help', text: 'Saved filters apply from the next extraction. Files they no longer select leave browse and search; their annotations are kept and come back with them.' })),
    row);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    if (!(await editor.check())) {
      replace(status, notice('error', 'Fix the filters marked above before saving.'));
      editor.textarea.focus();
      return;
    }
    submit.disabled = true;
    try {
      const saved = await patchSource(source.name, { path_prefixes: editor.values() });
      refresh(saved);
      editor.textarea.value = (saved.path_prefixes || []).join('\n');
      editor.check();
      const extraction = link(`/sources/${encodeURIComponent(source.name)}/settings/extraction`, 'Run an extraction');
      replace(status, notice('success', saved.path_prefixes && saved.path_prefixes.length
        ? `Saved ${plural(saved.path_prefixes.length, 'filter')}. ` : 'Saved: no filters. ',
      extraction, ' to apply them.'));
    } catch (error) {
      replace(status, notice('error', `Not saved: ${error.message}`));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function extractionDetails(source) {
  return detailList([
    ['Path filters', source.path_prefixes && source.path_prefixes.length
      ? h('span', { class: 'mono', text: source.path_prefixes.join(', ') }) : 'none (every object in every readable bucket)'],
    ['Schedule', source.schedule ? `every ${plural(source.schedule.interval_minutes, 'minute')}` : 'off (runs only when started)'],
    ['Files in the catalog', plural(source.file_count || 0, 'file')],
  ]);
}

function extractionTab(source, refresh, cleanups) {
  const detailsSlot = h('div', {}, extractionDetails(source));
  const panel = jobStatusPanel({
    source: source.name,
    onFinish: async () => {
      runButton.disabled = false;
      try {
        const saved = await api.get(sourceUrl(source.name));
        refresh(saved);
        replace(detailsSlot, extractionDetails(saved));
      } catch {
        // The status panel already shows the result.
      }
    },
  });
  cleanups.push(panel.stop);
  const concurrency = field('Buckets listed at once', h('input', { type: 'number', min: 1, max: 64, step: 1, value: 4, class: 'narrow' }),
    '1 to 64. Each bucket is listed page by page; more at once finishes sooner on large accounts.');
  const runStatus = h('div', { 'aria-live': 'polite' });
  const runButton = button('Run Extraction', { kind: 'primary', type: 'submit' });
  const form = h('form', { class: 'form', novalidate: true },
    h('section', { class: 'card' },
      h('h2', { text: 'Metadata Extraction' }),
      h('p', { text: 'An extraction lists every bucket the credentials can see (within the path filters), stores each file\'s size, modification time, ETag and storage class, and removes files that are gone. Buckets it may not list are skipped and named in the result; their files stay, marked stale.' }),
      detailsSlot,
      concurrency.wrapper,
      h('div', { class: 'button-row' }, runButton, runStatus)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    runStatus.replaceChildren();
    runButton.disabled = true;
    try {
      const job = await api.post(sourceUrl(source.name, '/jobs'), { concurrency: Number(concurrency.control.value) || 4 });
      panel.show(job);
      if (job.status === 'running') {
        panel.watch(job.id);
        panel.element.scrollIntoView({ block: 'nearest' });
      } else {
        runButton.disabled = false;
      }
    } catch (error) {
      runButton.disabled = false;
      const text = error instanceof ApiError && error.status === 409
        ? `Not started: ${error.message} Wait for that job to end.` : `Not started: ${error.message}`;
      replace(runStatus, notice('error', text));
    }
  });

  if (source.running_job_id) {
    runButton.disabled = true;
    api.get(`/api/jobs/${source.running_job_id}`).then((job) => {
      panel.show(job);
      if (job.status === 'running') panel.watch(job.id);
      else runButton.disabled = false;
    }).catch((error) => {
      runButton.disabled = false;
      panel.element.appendChild(notice('warning', `The running job could not be read: ${error.message}`));
    });
  } else {
    panel.show(source.last_job);
  }
  return h('div', {}, form,
    h('p', { class: 'muted' }, 'Earlier runs, with their logs: ', link(`/sources/${encodeURIComponent(source.name)}/jobs`, 'job history'), '.'),
    panel.element);
}

export async function renderSettings({ main, params, setTitle }) {
  const tab = params.tab || 'general';
  if (!TABS.some(([key]) => key === tab)) {
    await navigate(`/sources/${encodeURIComponent(params.source)}/settings/general`, { replaceState: true });
    return undefined;
  }
  let source = await loadSource(params.source);
  const cleanups = [];
  const flash = takeFlash();
  const flashSlot = h('div', {}, flash);
  const header = h('div', {});
  const content = h('div', { class: 'tab-panel' });

  const drawHeader = () => {
    replace(header,
      pageHeader(source.title || source.name, h('span', {},
        h('span', { class: 'mono', text: source.name }), ' · ',
        source.endpoint_url ? h('span', { class: 'mono', text: source.endpoint_url }) : `Amazon S3 (${source.region})`,
        ' · updated ', timeElement(source.updated_at))),
      sourceNav(source.name, 'settings'),
      tabBar(source.name, tab));
  };

  // Called by a tab after a save: redraws the header, and the tab itself when
  // `redraw` is set (the credentials form depends on what is stored).
  const refresh = (saved, redraw = false) => {
    source = saved;
    drawHeader();
    if (redraw) {
      flashSlot.replaceChildren(takeFlash() || '');
      drawTab();
    }
  };

  const drawTab = () => {
    for (const stop of cleanups.splice(0)) stop();
    const label = TABS.find(([key]) => key === tab)[1];
    setTitle(`${label} · ${source.title || source.name}`);
    if (tab === 'general') replace(content, generalTab(source, refresh));
    if (tab === 'credentials') replace(content, credentialsTab(source, refresh));
    if (tab === 'filters') replace(content, filtersTab(source, refresh));
    if (tab === 'extraction') replace(content, extractionTab(source, refresh, cleanups));
  };

  drawHeader();
  drawTab();
  replace(main, header, flashSlot, content);
  return () => { for (const stop of cleanups.splice(0)) stop(); };
}

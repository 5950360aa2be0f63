// The live status of one extraction job: progress over server-sent events
// while it runs, then its result with per-bucket outcomes or its error.
import { hasRole } from './session.js';
import { h, replace, notice, link } from './dom.js';
import { api } from './api.js';
import {
  formatCount, formatDuration, jobStateBadge, jobStateLabel, timeElement, reasonText, categoryLabel,
  bucketStateBadge, plural, durationBetween, triggerLabel, capitalize, hintSentence,
} from './format.js';
import { button } from './components.js';

const RECONNECT_DELAY_MS = 2000;
const MAX_RECONNECTS = 60;
const POLL_INTERVAL_MS = 1500;
const MAX_POLLS = 2400;

function stat(label, value, name) {
  return h('div', { class: 'stat', dataset: { stat: name } }, h('div', { class: 'stat-label', text: label }), h('div', { class: 'stat-value' }, value));
}

function progressView(job) {
  const progress = job.progress;
  if (!progress) {
    return h('p', { class: 'muted', text: 'This job runs in another process (such as s3catalog extract). Its result shows here when it ends.' });
  }
  const total = Number(progress.buckets_total) || 0;
  const done = Number(progress.buckets_done) || 0;
  const current = progress.current_buckets || [];
  const bar = h('progress', { max: Math.max(total, 1), value: total ? done : 0, 'aria-label': 'Buckets done' });
  if (!total) bar.removeAttribute('value');
  return h('div', { class: 'progress-view' },
    bar,
    h('div', { class: 'stats' },
      stat('Buckets done', total ? `${formatCount(done)} / ${formatCount(total)}` : 'listing buckets…', 'buckets'),
      stat('Objects listed', formatCount(progress.objects_listed), 'objects'),
      stat('Rate', `${formatCount(Math.round(Number(progress.recent_objects_per_second ?? progress.objects_per_second) || 0))} objects/s`, 'rate'),
      stat('Time left', progress.eta_seconds == null ? h('span', { class: 'muted', text: 'estimating…' }) : `about ${formatDuration(progress.eta_seconds)}`, 'eta'),
      stat('Elapsed', formatDuration(progress.elapsed_seconds), 'elapsed'),
      stat(current.length > 1 ? 'Current buckets' : 'Current bucket',
        current.length ? h('span', { class: 'mono', text: current.join(', ') }) : h('span', { class: 'muted', text: '—' }), 'current')));
}

// True when `message` is already shown in the job's error notice.
function shownInError(job, message) {
  return Boolean(job.error && message && String(job.error.message || '').includes(message));
}

function bucketTable(job) {
  const rows = job.buckets.map((bucket) => {
    // The error notice above already shows the failing bucket's message and
    // hint: the row names the reason and points there.
    const messageShown = shownInError(job, bucket.message);
    const hintShown = job.error && bucket.hint && bucket.hint === job.error.hint;
    return h('tr', { class: bucket.status === 'synced' ? '' : 'row-attention', dataset: { bucket: bucket.name } },
      // Bucket names are 3 to 63 characters: the long ones may wrap.
      h('td', { class: `mono ${bucket.name.length > 24 ? 'wrap' : 'nowrap'}`, text: bucket.name }),
      h('td', {}, bucketStateBadge(bucket.status)),
      h('td', { class: 'num', text: formatCount(bucket.files) }),
      h('td', {},
        bucket.reason ? h('div', { class: 'reason', text: capitalize(reasonText(bucket.reason, job.status)) }) : null,
        bucket.message && !messageShown ? h('div', { class: 'muted small wrap', text: bucket.message }) : null,
        messageShown ? h('div', { class: 'muted small', text: 'The error above has the details.' }) : null,
        bucket.hint && !hintShown ? h('div', { class: 'hint small' }, h('strong', { text: 'What to do: ' }), hintSentence(bucket.hint)) : null));
  });
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table compact' },
    h('caption', { text: 'Buckets' }),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: 'Bucket' }), h('th', { scope: 'col', text: 'Result' }),
      h('th', { scope: 'col', class: 'num', title: 'Files listed in this bucket', text: 'Files' }), h('th', { scope: 'col', text: 'Reason' }))),
    h('tbody', {}, ...rows)));
}

// The counters. Files of buckets that did not finish are listed (and kept
// in the catalog, marked stale) but not counted as synced, so both numbers
// show when they differ.
function statsView(job) {
  const listed = (job.buckets || []).reduce((sum, bucket) => sum + (Number(bucket.files) || 0), 0);
  const synced = Number(job.files_synced) || 0;
  const parts = [h('div', { class: 'stats' },
    listed !== synced ? stat('Files listed', formatCount(listed), 'listed') : null,
    stat('Files synced', formatCount(synced), 'synced'),
    stat('Added', formatCount(job.files_added), 'added'),
    stat('Updated', formatCount(job.files_updated), 'updated'),
    stat('Removed', formatCount(job.files_removed), 'removed'))];
  if (listed !== synced) {
    parts.push(h('p', { class: 'help stats-note', text: `${plural(listed - synced, 'listed file')} belong to buckets that did not finish. `
      + 'They stay in the catalog, marked stale, and count as synced once an extraction finishes their bucket.' }));
  }
  return parts;
}

// Warnings that repeat a bucket's message or the job's error are left out:
// the bucket table and the error notice show them.
function otherWarnings(job) {
  const messages = (job.buckets || []).map((bucket) => bucket.message).filter(Boolean);
  return (job.warnings || []).filter((warning) => !messages.some((message) => warning.includes(message))
    && !(job.error && job.error.message && warning.includes(job.error.message)));
}

function resultView(job) {
  const parts = [];
  if (job.error) {
    parts.push(h('div', { class: 'notice notice-error job-error', role: 'alert' },
      h('p', {}, h('strong', { text: `${categoryLabel(job.error.category)} error. ` }), job.error.message || ''),
      job.error.hint ? h('p', {}, h('strong', { text: 'What to do: ' }), hintSentence(job.error.hint)) : null));
  } else if (job.summary) {
    // A failed job's summary repeats its error, so only other jobs show it.
    parts.push(h('p', { class: 'summary', text: job.summary }));
  }
  parts.push(...statsView(job));
  const notSynced = (job.buckets || []).filter((bucket) => bucket.status !== 'synced');
  if (notSynced.length) {
    parts.push(h('div', { class: 'notice notice-warning skipped-buckets' },
      h('strong', { text: `${plural(notSynced.length, 'bucket')} not synced: ` }),
      ...notSynced.flatMap((bucket, index) => [index ? '; ' : '', h('code', { text: bucket.name }),
        ` — ${reasonText(bucket.reason || bucket.category, job.status) || bucket.status}`]),
      '. The Buckets table below says what to do.'));
  }
  const warnings = otherWarnings(job);
  if (warnings.length) {
    parts.push(h('div', { class: 'warnings' }, h('h4', { text: 'Warnings' }),
      h('ul', {}, ...warnings.map((warning) => h('li', { class: 'wrap', text: capitalize(warning) })))));
  }
  if (job.buckets && job.buckets.length) parts.push(bucketTable(job));
  return h('div', { class: 'result-view' }, ...parts);
}

// Creates the panel. `onFinish(job)` runs once when a watched job ends.
// Returns {element, show(job), watch(jobId), stop()}.
export function jobStatusPanel({ source, onFinish = null, showLogLink = true }) {
  const stateLine = h('div', { class: 'job-state', 'aria-live': 'polite' });
  const meta = h('div', { class: 'job-meta' });
  const body = h('div', { class: 'job-body' });
  const actions = h('div', { class: 'button-row' });
  const connection = h('div', { class: 'connection' });
  const element = h('section', { class: 'card job-status', 'aria-label': 'Extraction status', dataset: { testid: 'job-status' } },
    h('h2', { text: 'Extraction status' }), stateLine, meta, body, actions, connection);

  let events = null;
  let timer = null;
  let stopped = false;
  let watchedId = null;
  let announced = null;
  let finished = false;

  function show(job) {
    if (!job) {
      replace(stateLine, h('p', { class: 'muted', text: 'No extraction has run yet.' }));
      meta.replaceChildren();
      body.replaceChildren();
      actions.replaceChildren();
      return;
    }
    element.dataset.status = job.status;
    element.dataset.job = String(job.id);
    if (announced !== job.status) {
      announced = job.status;
      replace(stateLine, jobStateBadge(job.status), h('span', { class: 'visually-hidden', text: `Job ${job.id}: ${jobStateLabel(job.status)}` }));
    }
    const duration = job.finished_at ? durationBetween(job.started_at, job.finished_at) : null;
    replace(meta,
      h('span', {}, showLogLink
        ? link(`/sources/${encodeURIComponent(source)}/jobs/${job.id}`, `Job #${job.id}`)
        : `Job #${job.id}`),
      h('span', {}, 'Started ', timeElement(job.started_at)),
      job.finished_at ? h('span', {}, 'Finished ', timeElement(job.finished_at)) : null,
      duration !== null ? h('span', { text: `took ${formatDuration(duration)}` }) : null,
      h('span', { class: 'muted', text: `started from the ${triggerLabel(job.trigger)}` }));
    if (job.status === 'running') {
      replace(body, progressView(job));
      const cancel = button(job.cancel_requested ? 'Cancelling…' : 'Cancel', {
        kind: 'danger',
        disabled: Boolean(job.cancel_requested) || !job.progress,
        onClick: async () => {
          cancel.disabled = true;
          cancel.textContent = 'Cancelling…';
          try {
            show(await api.post(`/api/jobs/${job.id}/cancel`, {}));
          } catch (error) {
            replace(connection, notice('error', `Cancel failed: ${error.message}`));
            cancel.disabled = false;
            cancel.textContent = 'Cancel';
          }
        },
      });
      // Keep keyboard focus on the button across progress updates.
      const hadFocus = actions.contains(document.activeElement);
      // Only admins may cancel; others watch.
      if (hasRole('admin')) replace(actions, cancel);
      else actions.replaceChildren();
      if (hadFocus && hasRole('admin')) cancel.focus();
    } else {
      replace(body, resultView(job));
      actions.replaceChildren();
    }
  }

  function finish(job) {
    show(job);
    closeEvents();
    connection.replaceChildren();
    if (!finished) {
      finished = true;
      if (onFinish) onFinish(job);
    }
  }

  function closeEvents() {
    if (events) events.close();
    events = null;
    clearTimeout(timer);
    timer = null;
  }

  // Polls the job when the event stream is unavailable; bounded in count.
  function poll(remaining) {
    if (stopped || remaining <= 0) return;
    timer = setTimeout(async () => {
      try {
        const job = await api.get(`/api/jobs/${watchedId}`);
        if (job.status === 'running') {
          show(job);
          poll(remaining - 1);
        } else {
          finish(job);
        }
      } catch (error) {
        replace(connection, notice('warning', `Live status unavailable: ${error.message}. Reload the page to try again.`));
      }
    }, POLL_INTERVAL_MS);
  }

  function connect(attempt) {
    if (stopped) return;
    if (typeof EventSource === 'undefined') {
      poll(MAX_POLLS);
      return;
    }
    events = new EventSource(`/api/jobs/${watchedId}/events`);
    let received = false;
    events.addEventListener('progress', (event) => {
      received = true;
      connection.replaceChildren();
      try {
        show(JSON.parse(event.data));
      } catch (error) {
        console.error('bad progress event', error);
      }
    });
    events.addEventListener('result', (event) => {
      received = true;
      try {
        finish(JSON.parse(event.data));
      } catch (error) {
        console.error('bad result event', error);
      }
    });
    events.addEventListener('error', async () => {
      if (stopped || finished) return;
      closeEvents();
      // The stream closed or never opened: read the job once to tell a
      // finished job from a lost connection.
      let job = null;
      try {
        job = await api.get(`/api/jobs/${watchedId}`);
      } catch (error) {
        replace(connection, notice('warning', `Lost the connection to the server (${error.message}). Retrying…`));
      }
      if (stopped) return;
      if (job && job.status !== 'running') {
        finish(job);
        return;
      }
      if (job) show(job);
      if (!received && attempt === 0 && job) {
        // The first stream failed before any event: use polling instead.
        poll(MAX_POLLS);
        return;
      }
      if (attempt >= MAX_RECONNECTS) {
        replace(connection, notice('warning', 'Live status stopped after repeated connection failures. Reload the page to resume.'));
        return;
      }
      timer = setTimeout(() => connect(attempt + 1), RECONNECT_DELAY_MS);
    });
  }

  function watch(jobId) {
    closeEvents();
    watchedId = jobId;
    finished = false;
    connect(0);
  }

  function stop() {
    stopped = true;
    closeEvents();
  }

  return { element, show, watch, stop };
}

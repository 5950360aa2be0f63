// Formatting of sizes, counts, times and job states for display.
import { h } from './dom.js';

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

// Formats a byte count in binary units: "512 B", "1.5 KiB", "20 MiB".
export function formatBytes(bytes) {
  const value = Number(bytes);
  if (!Number.isFinite(value)) return '—';
  if (Math.abs(value) < 1024) return `${value} B`;
  let scaled = value;
  let unit = -1;
  while (Math.abs(scaled) >= 1024 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  // Three significant digits at most: "512 KiB", "20.5 MiB", "1.25 GiB".
  let digits = 2;
  if (scaled >= 100) digits = 0;
  else if (scaled >= 10) digits = 1;
  if (Number(scaled.toFixed(digits)) >= 1024 && unit < BYTE_UNITS.length - 1) {
    // 1023.9 KiB rounds to 1024 KiB: show it as 1 MiB instead.
    scaled /= 1024;
    unit += 1;
    digits = 2;
  }
  // Number() drops trailing zeros of the fraction: "1.50" reads 1.5.
  return `${Number(scaled.toFixed(digits))} ${BYTE_UNITS[unit]}`;
}

// Exact byte count with grouping, for titles: "1,536 bytes".
export function exactBytes(bytes) {
  const value = Number(bytes);
  return `${value.toLocaleString()} ${value === 1 ? 'byte' : 'bytes'}`;
}

export function formatCount(count) {
  const value = Number(count);
  return Number.isFinite(value) ? value.toLocaleString() : '—';
}

// "1 file", "3 files".
export function plural(count, singular, pluralForm = `${singular}s`) {
  return `${formatCount(count)} ${Number(count) === 1 ? singular : pluralForm}`;
}

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// Parses an RFC 3339 time; returns null for "", null or an invalid value.
export function parseTime(text) {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

// The UTC form shown on hover: "2024-05-01 12:00:00 UTC".
export function utcText(date) {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

// A <time> element in local time with the UTC time as its title, or a dash
// (or `never`) for an empty time.
export function timeElement(text, never = '—') {
  const date = parseTime(text);
  if (!date) return h('span', { class: 'muted', text: never });
  return h('time', { datetime: text, title: utcText(date), text: localFormat.format(date) });
}

const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const shortDateWithYear = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const clockWithSeconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

// The local calendar day of `date`: "Dec 5", with the year when it is not
// the current year ("Dec 5, 2025").
export function dayText(date, now = new Date()) {
  return (date.getFullYear() === now.getFullYear() ? shortDate : shortDateWithYear).format(date);
}

// Like timeElement, but short enough for a table cell: "Dec 5 00:47".
export function compactTimeElement(text, never = '—') {
  const date = parseTime(text);
  if (!date) return h('span', { class: 'muted', text: never });
  return h('time', { datetime: text, title: utcText(date), class: 'nowrap', text: `${dayText(date)} ${clockFormat.format(date)}` });
}

// The local time of day with seconds, "00:47:05", for lines seconds apart.
// The title has the full UTC time with the date.
export function clockTimeElement(text) {
  const date = parseTime(text);
  if (!date) return h('span', { class: 'muted', text: '—' });
  return h('time', { datetime: text, title: utcText(date), text: clockWithSeconds.format(date) });
}

// Returns `text` with its first letter in upper case, for reasons and
// messages that the server writes in lower case.
export function capitalize(text) {
  const value = String(text || '');
  return value ? value[0].toUpperCase() + value.slice(1) : value;
}

// Returns a hint, which the server writes as a sentence fragment ("grant
// s3:ListBucket on this bucket"), as a sentence with a capital and a full stop.
export function hintSentence(hint) {
  const value = capitalize(String(hint || '').trim());
  return value && !/[.!?]$/.test(value) ? `${value}.` : value;
}

export function formatDuration(seconds) {
  const exact = Math.max(0, Number(seconds) || 0);
  if (exact < 1) return 'under 1 s';
  const total = Math.round(exact);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

// Seconds between two RFC 3339 times, or null.
export function durationBetween(start, end) {
  const from = parseTime(start);
  const to = parseTime(end);
  if (!from || !to) return null;
  return (to.getTime() - from.getTime()) / 1000;
}

// Returns who started a job: the API (which the UI uses), a schedule, or,
// when the trigger is null, a process other than the server (s3catalog extract).
export function triggerLabel(trigger) {
  if (trigger === 'api') return 'API or web UI';
  if (trigger === 'schedule') return 'schedule';
  return trigger ? String(trigger) : 'command line';
}

const JOB_STATES = {
  running: ['Running', 'running'],
  succeeded: ['Succeeded', 'ok'],
  succeeded_with_warnings: ['Succeeded with warnings', 'warning'],
  failed: ['Failed', 'error'],
  cancelled: ['Cancelled', 'neutral'],
  interrupted: ['Interrupted', 'neutral'],
};

export function jobStateLabel(status) {
  return (JOB_STATES[status] || [status])[0];
}

// A coloured badge for a job state.
export function jobStateBadge(status) {
  const [label, tone] = JOB_STATES[status] || [String(status), 'neutral'];
  return h('span', { class: `badge badge-${tone}`, dataset: { status: String(status) }, text: label });
}

const BUCKET_STATES = { synced: ['Synced', 'ok'], skipped: ['Skipped', 'warning'], failed: ['Failed', 'error'] };

export function bucketStateBadge(status) {
  const [label, tone] = BUCKET_STATES[status] || [status || 'Not synced', 'neutral'];
  return h('span', { class: `badge badge-${tone}`, text: label });
}

const REASONS = {
  access_denied: 'access denied (no s3:ListBucket)',
  not_found: 'bucket not found',
  cancelled: 'not finished: the job stopped early',
  authentication: 'authentication error',
  permissions: 'permission error',
  network: 'network error',
  configuration: 'configuration error',
  service: 'service error',
  internal: 'internal error',
};

// Returns why a bucket was not synced. A failed job also stops its other
// buckets with the reason `cancelled`, so the status of the job, when
// known, picks the wording.
export function reasonText(reason, jobStatus = null) {
  if (!reason) return '';
  if (reason === 'cancelled' && jobStatus === 'failed') return 'not finished: the job stopped after an error';
  if (reason === 'cancelled' && jobStatus === 'cancelled') return 'not finished: the job was cancelled';
  return REASONS[reason] || String(reason).replaceAll('_', ' ');
}

// Returns what to do about a bucket that the latest extraction skipped or
// failed, by its reason. The job result's own hint is more precise when
// there is one.
export function bucketAdvice(reason) {
  if (reason === 'access_denied') {
    return 'Grant s3:ListBucket on this bucket to the credentials of the source, then run the extraction again.';
  }
  if (reason === 'not_found') {
    return 'Check that the bucket still exists and that the path filters name it correctly, then run the extraction again.';
  }
  if (reason === 'cancelled') return 'Run the extraction again to finish listing it.';
  return 'Read the result of the latest job for the error, fix its cause, then run the extraction again.';
}

const CATEGORIES = {
  authentication: 'Authentication',
  permissions: 'Permissions',
  network: 'Network',
  configuration: 'Configuration',
  service: 'Service',
  internal: 'Internal error',
};

export function categoryLabel(category) {
  return CATEGORIES[category] || String(category || 'Error');
}

// When the latest extraction skipped or failed the bucket `bucketItem`,
// returns {title, text, advice} saying so, else null. The hint comes from the
// source's latest job when it has one for this bucket.
export function bucketProblem(source, bucketItem) {
  const bucket = bucketItem && bucketItem.bucket;
  if (!bucket || (bucket.last_status !== 'skipped' && bucket.last_status !== 'failed')) return null;
  const latest = source.last_job && (source.last_job.buckets || []).find((entry) => entry.name === bucket.name);
  const verb = bucket.last_status === 'skipped' ? 'skipped' : 'failed to list';
  const reason = reasonText(bucket.last_reason) || (latest && reasonText(latest.reason || latest.category)) || 'no reason recorded';
  return {
    title: `The latest extraction ${verb} this bucket`,
    text: `Reason: ${reason}.`,
    advice: latest && latest.hint ? hintSentence(latest.hint) : bucketAdvice(bucket.last_reason),
  };
}

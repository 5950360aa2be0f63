// Job history of a source, and one job with its per-bucket results and log.
import { hasRole } from './session.js';
import { h, replace, emptyState, link, notice } from './dom.js';
import { api, sourceUrl, query } from './api.js';
import { pageHeader, sourceNav, breadcrumbs, buttonLink, errorNotice } from './components.js';
import {
  jobStateBadge, compactTimeElement, clockTimeElement, parseTime, dayText, formatCount, formatDuration, durationBetween, plural,
  triggerLabel, categoryLabel,
} from './format.js';
import { jobStatusPanel } from './job-status.js';
import { loadSource, orNotFound, NotFoundError } from './not-found.js';

const PAGE_SIZE = 50;

function jobsCrumbs(source, extra = []) {
  const base = `/sources/${encodeURIComponent(source.name)}`;
  return breadcrumbs([{ label: 'Sources', href: '/sources' }, { label: source.title || source.name, href: `/browse/${encodeURIComponent(source.name)}` },
    { label: 'Job history', href: `${base}/jobs` }, ...extra]);
}

export async function renderJobs({ main, params, query: search, setTitle }) {
  const offset = Math.max(0, Number(search.get('offset')) || 0);
  const source = await loadSource(params.source);
  const history = await api.get(sourceUrl(source.name, `/jobs${query({ limit: PAGE_SIZE, offset })}`));
  setTitle(`Job history · ${source.title || source.name}`);
  const base = `/sources/${encodeURIComponent(source.name)}`;
  const header = [jobsCrumbs(source),
    pageHeader('Job history', `Extractions of ${source.title || source.name}, newest first.`,
      hasRole('admin') ? buttonLink('Run Extraction…', `${base}/settings/extraction`, 'primary') : null),
    sourceNav(source.name, 'jobs')];
  if (!history.jobs.length) {
    replace(main, ...header, emptyState('No extraction has run yet',
      'Run the first extraction to list this source\'s buckets and files.',
      hasRole('admin') ? buttonLink('Go to Metadata Extraction', `${base}/settings/extraction`, 'primary') : null));
    return;
  }
  const rows = history.jobs.map((job) => {
    const duration = job.finished_at ? durationBetween(job.started_at, job.finished_at) : null;
    const skipped = (job.buckets || []).filter((bucket) => bucket.status !== 'synced').length;
    // A long error (with a request id) is clamped to three lines. The
    // title and the job page show all of it.
    const result = job.error ? `${categoryLabel(job.error.category)} error: ${job.error.message}` : job.summary || '';
    return h('tr', {},
      h('th', { scope: 'row', class: 'job-id' }, link(`${base}/jobs/${job.id}`, `#${job.id}`)),
      h('td', {}, jobStateBadge(job.status)),
      h('td', {}, compactTimeElement(job.started_at), h('div', { class: 'muted small', text: `from the ${triggerLabel(job.trigger)}` })),
      h('td', { class: 'num', text: duration === null ? '—' : formatDuration(duration) }),
      h('td', { class: 'num', text: formatCount(job.files_synced) }),
      h('td', { class: 'num', text: `+${formatCount(job.files_added)} / ~${formatCount(job.files_updated)} / −${formatCount(job.files_removed)}` }),
      h('td', { class: 'result-cell' },
        h('div', { class: `clamp${job.error ? ' text-error' : ''}`, title: result, text: result }),
        skipped ? h('div', { class: 'muted small', text: `${plural(skipped, 'bucket')} not synced` }) : null));
  });
  const pager = h('div', { class: 'pager' },
    offset > 0 ? link(`${base}/jobs${query({ offset: Math.max(0, offset - PAGE_SIZE) || null })}`, '← Newer') : null,
    h('span', { class: 'muted', text: `${formatCount(offset + 1)}–${formatCount(offset + history.jobs.length)} of ${formatCount(history.total)}` }),
    offset + history.jobs.length < history.total ? link(`${base}/jobs${query({ offset: offset + PAGE_SIZE })}`, 'Older →') : null);
  replace(main, ...header,
    h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden', text: 'Jobs' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Job' }), h('th', { scope: 'col', text: 'State' }), h('th', { scope: 'col', text: 'Started' }),
        h('th', { scope: 'col', class: 'num', text: 'Duration' }), h('th', { scope: 'col', class: 'num', text: 'Files' }),
        h('th', { scope: 'col', class: 'num', title: 'added / updated / removed', text: 'Changes' }),
        h('th', { scope: 'col', text: 'Result' }))),
      h('tbody', {}, ...rows))),
    pager);
}

// The log as a table. Times show to the second; a row with the date comes
// first and wherever the local day changes.
function logView(lines) {
  if (!lines.length) return h('p', { class: 'muted', text: 'The log is empty.' });
  const rows = [];
  let shownDay = null;
  for (const line of lines) {
    const date = parseTime(line.time);
    const day = date ? dayText(date, new Date(0)) : null;
    if (day && day !== shownDay) {
      shownDay = day;
      rows.push(h('tr', { class: 'log-day' }, h('th', { scope: 'colgroup', colspan: 3, text: day })));
    }
    rows.push(h('tr', { class: `log-${String(line.level || '').toLowerCase()}` },
      h('td', { class: 'nowrap mono' }, clockTimeElement(line.time)),
      h('td', { class: 'mono', text: line.level || '' }),
      h('td', { class: 'mono wrap', text: line.message || '' })));
  }
  const table = h('table', { class: 'table compact log' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Time' }), h('th', { scope: 'col', text: 'Level' }), h('th', { scope: 'col', text: 'Message' }))),
    h('tbody', {}, ...rows));
  return h('div', { class: 'table-wrap log-wrap' }, table);
}

export async function renderJob({ main, params, setTitle }) {
  const source = await loadSource(params.source);
  const jobsHref = `/sources/${encodeURIComponent(source.name)}/jobs`;
  const job = await orNotFound(api.get(`/api/jobs/${encodeURIComponent(params.job)}`), () => new NotFoundError(
    `No job #${params.job}`, `The catalog has no extraction job with this number for ${source.title || source.name}.`,
    [{ label: 'the job history', href: jobsHref }, { label: 'Sources', href: '/sources' }]));
  setTitle(`Job #${job.id} · ${source.title || source.name}`);
  const logSection = h('section', { class: 'card' }, h('h2', { text: 'Log' }), h('p', { class: 'loading', text: 'Loading the log…' }));
  const loadLog = async () => {
    try {
      const log = await api.get(`/api/jobs/${job.id}/log`);
      replace(logSection, h('h2', { text: 'Log' }), logView(log.lines || []));
    } catch (error) {
      replace(logSection, h('h2', { text: 'Log' }), errorNotice('The log could not be read', error));
    }
  };
  const panel = jobStatusPanel({ source: source.name, showLogLink: false, onFinish: loadLog });
  panel.show(job);
  if (job.status === 'running') panel.watch(job.id);
  replace(main,
    jobsCrumbs(source, [{ label: `Job #${job.id}` }]),
    pageHeader(`Job #${job.id}`, h('span', {}, `Extraction of ${source.title || source.name} · `, jobStateBadge(job.status))),
    job.source && job.source !== source.name ? notice('warning', `This job belongs to source ${job.source}.`) : null,
    panel.element,
    logSection);
  loadLog();
  return panel.stop;
}

// Job history of a source, and one job with its per-bucket results and log.
import { h, replace, emptyState, link, notice } from './dom.js';
import { api, sourceUrl, query } from './api.js';
import { pageHeader, sourceNav, breadcrumbs, buttonLink, errorNotice } from './components.js';
import { jobStateBadge, timeElement, formatCount, formatDuration, durationBetween, plural, triggerLabel } from './format.js';
import { jobStatusPanel } from './job-status.js';

const PAGE_SIZE = 50;

function jobsCrumbs(source, extra = []) {
  const base = `/sources/${encodeURIComponent(source.name)}`;
  return breadcrumbs([{ label: 'Sources', href: '/sources' }, { label: source.title || source.name, href: `/browse/${encodeURIComponent(source.name)}` },
    { label: 'Job history', href: `${base}/jobs` }, ...extra]);
}

export async function renderJobs({ main, params, query: search, setTitle }) {
  const offset = Math.max(0, Number(search.get('offset')) || 0);
  const [source, history] = await Promise.all([
    api.get(sourceUrl(params.source)),
    api.get(sourceUrl(params.source, `/jobs${query({ limit: PAGE_SIZE, offset })}`)),
  ]);
  setTitle(`Job history · ${source.title || source.name}`);
  const base = `/sources/${encodeURIComponent(source.name)}`;
  const header = [jobsCrumbs(source),
    pageHeader('Job history', `Extractions of ${source.title || source.name}, newest first.`,
      buttonLink('Run Extraction…', `${base}/settings/extraction`, 'primary')),
    sourceNav(source.name, 'jobs')];
  if (!history.jobs.length) {
    replace(main, ...header, emptyState('No extraction has run yet',
      'Run the first extraction to list this source\'s buckets and files.',
      buttonLink('Go to Metadata Extraction', `${base}/settings/extraction`, 'primary')));
    return;
  }
  const rows = history.jobs.map((job) => {
    const duration = job.finished_at ? durationBetween(job.started_at, job.finished_at) : null;
    const skipped = (job.buckets || []).filter((bucket) => bucket.status !== 'synced').length;
    return h('tr', {},
      h('th', { scope: 'row' }, link(`${base}/jobs/${job.id}`, `#${job.id}`)),
      h('td', {}, jobStateBadge(job.status)),
      h('td', {}, timeElement(job.started_at)),
      h('td', { class: 'num', text: duration === null ? '—' : formatDuration(duration) }),
      h('td', { class: 'num', text: formatCount(job.files_synced) }),
      h('td', { class: 'num', text: `+${formatCount(job.files_added)} / ~${formatCount(job.files_updated)} / −${formatCount(job.files_removed)}` }),
      h('td', {},
        job.error ? h('span', { class: 'text-error', text: `${job.error.category}: ${job.error.message}` })
          : h('span', { text: job.summary || '' }),
        skipped ? h('div', { class: 'muted small', text: `${plural(skipped, 'bucket')} not synced` }) : null),
      h('td', { class: 'muted', text: triggerLabel(job.trigger) }));
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
        h('th', { scope: 'col', text: 'Result' }), h('th', { scope: 'col', text: 'Started from' }))),
      h('tbody', {}, ...rows))),
    pager);
}

function logView(lines) {
  if (!lines.length) return h('p', { class: 'muted', text: 'The log is empty.' });
  const table = h('table', { class: 'table compact log' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Time' }), h('th', { scope: 'col', text: 'Level' }), h('th', { scope: 'col', text: 'Message' }))),
    h('tbody', {}, ...lines.map((line) => h('tr', { class: `log-${String(line.level || '').toLowerCase()}` },
      h('td', { class: 'nowrap' }, timeElement(line.time)),
      h('td', { class: 'mono', text: line.level || '' }),
      h('td', { class: 'mono wrap', text: line.message || '' })))));
  return h('div', { class: 'table-wrap log-wrap' }, table);
}

export async function renderJob({ main, params, setTitle }) {
  const [source, job] = await Promise.all([
    api.get(sourceUrl(params.source)),
    api.get(`/api/jobs/${encodeURIComponent(params.job)}`),
  ]);
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
    pageHeader(`Job #${job.id}`, h('span', {}, jobStateBadge(job.status), ' ', `of ${source.title || source.name}`)),
    job.source && job.source !== source.name ? notice('warning', `This job belongs to source ${job.source}.`) : null,
    panel.element,
    logSection);
  loadLog();
  return panel.stop;
}

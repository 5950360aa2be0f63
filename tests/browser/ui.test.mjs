// End-to-end test of the web UI: moto with IAM checks, the real
// `s3catalog serve`, and headless chromium, one scenario in order: an admin
// sets up and uses the catalog, then hostile keys and annotations are shown,
// then a viewer and a steward see only what their roles allow.
// Set S3CATALOG_SCREENSHOTS to a folder to save screenshots of the main pages.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startFixture, startServer, launchBrowser } from './processes.mjs';

const SOURCE = 'lake';
const ANNOTATED_PATH = '/analytics/reports/q1.csv';
const DESCRIPTION = 'Quarterly revenue by region, **reconciled** with the ledger.\n\n- one row per region\n- see [the runbook](https://example.com/runbook)';
const JOB_TIMEOUT_MS = 90_000;
const SCREENSHOTS = process.env.S3CATALOG_SCREENSHOTS || '';

let fixture;
let server;
let browser;
let page;
const dialogs = [];
const pageErrors = [];
const policyViolations = [];

async function screenshot(name) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function open(address) {
  await page.goto(server.url + address);
  await page.locator('main h1').first().waitFor();
}

function itemAddress(itemPath, source = SOURCE) {
  return `/item/${source}?path=${encodeURIComponent(itemPath)}`;
}

// Logs in through the login page as the user of `role` and waits for the
// header to show the user.
async function logIn(role) {
  const user = server.users[role];
  await page.goto(`${server.url}/sources`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('User name').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('session-user').filter({ hasText: user.name }).waitFor();
  await page.locator('main h1').first().waitFor();
}

async function logOut() {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in to s3catalog' }).waitFor();
}

// Sends an API request from the page with the session cookie and its CSRF
// token, as the UI does; returns the HTTP status.
async function fetchStatus(method, address, body) {
  return page.evaluate(async ({ method, address, body }) => {
    const session = await (await fetch('/api/session')).json();
    const response = await fetch(address, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.status;
  }, { method, address, body });
}

// The CSRF token of the page's session, for page.request calls.
async function csrfHeaders() {
  const session = await (await page.request.get(`${server.url}/api/session`)).json();
  return { 'X-CSRF-Token': session.csrf_token };
}

// Clicks "Run Extraction" and waits until the status panel shows that job's
// final state; returns the state.
async function runExtraction() {
  await open(`/sources/${SOURCE}/settings/extraction`);
  const started = page.waitForResponse((response) => response.url().endsWith(`/api/sources/${SOURCE}/jobs`)
    && response.request().method() === 'POST');
  await page.getByRole('button', { name: 'Run Extraction' }).click();
  const response = await started;
  assert.ok([200, 202].includes(response.status()), `POST jobs answered ${response.status()}`);
  const job = await response.json();
  const panel = page.locator(`[data-testid="job-status"][data-job="${job.id}"]`);
  await panel.and(page.locator(':not([data-status="running"])')).waitFor({ timeout: JOB_TIMEOUT_MS });
  return { id: job.id, status: await panel.getAttribute('data-status'), panel };
}

async function setFilters(text) {
  await open(`/sources/${SOURCE}/settings/filters`);
  await page.getByLabel('Path filters').fill(text);
  await page.getByRole('button', { name: 'Save filters' }).click();
  await page.getByRole('status').filter({ hasText: /^Saved/ }).waitFor();
}

// Clicks "Test connection" and checks the bucket-by-bucket result: every
// bucket readable but the denied one.
async function expectConnectionResult() {
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.locator('.connection-result');
  const denied = result.locator(`tr[data-bucket="${fixture.info.denied_bucket}"]`);
  await denied.waitFor();
  assert.match(await denied.innerText(), /Not readable/);
  assert.match(await denied.innerText(), /Permissions/);
  for (const bucket of ['analytics', 'logs']) {
    assert.match(await result.locator(`tr[data-bucket="${bucket}"]`).innerText(), /Readable/);
  }
}

function assertNothingRan() {
  assert.deepEqual(dialogs, [], 'a dialog opened: markup from the catalog ran as code');
  assert.deepEqual(pageErrors, [], 'the page threw errors');
  assert.deepEqual(policyViolations, [], 'the page broke the Content-Security-Policy');
}

describe('s3catalog web UI', { timeout: 600_000 }, () => {
  before(async () => {
    fixture = await startFixture();
    server = await startServer();
    browser = await launchBrowser(chromium);
    page = await browser.context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
    });
  });

  after(async () => {
    if (browser) await browser.stop();
    if (server) {
      if (process.exitCode) console.error(`server output:\n${server.output()}`);
      await server.stop();
    }
    if (fixture) await fixture.stop();
  });

  it('asks for a login and shows the user in the header', async () => {
    await page.goto(server.url + '/');
    await page.waitForURL(/\/login/);
    await page.getByLabel('User name').fill(server.users.admin.name);
    await page.getByLabel('Password').fill('wrong password, surely');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('invalid user name or password').waitFor();
    await logIn('admin');
    const header = await page.getByTestId('session-user').innerText();
    assert.match(header, /Ada/);
    assert.match(header, /admin/i);
    await page.getByRole('link', { name: 'Users' }).waitFor();
  });

  it('shows an empty state without sources', async () => {
    await open('/');
    await page.getByRole('heading', { name: 'No file systems yet' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Add a File System' }).count(), 2);
  });

  it('adds an S3 source through the form', async () => {
    await page.getByRole('link', { name: 'Add a File System' }).first().click();
    await page.getByRole('heading', { name: 'Add a File System', level: 1 }).waitFor();

    await page.getByLabel('Name', { exact: true }).fill('Bad Name');
    await page.getByText('Invalid name: 1 to 63 lower-case letters').waitFor();
    await page.getByLabel('Name', { exact: true }).fill(SOURCE);
    await page.getByLabel('Title').fill('Data lake');
    await page.getByLabel('Description', { exact: true }).fill('Buckets of the *analytics* team.');
    await page.getByLabel('Endpoint URL').fill(fixture.info.endpoint);
    await page.getByLabel('Addressing style').selectOption('path');
    await page.getByLabel('Access Key ID').fill(fixture.info.access_key_id);
    await page.getByLabel('Secret Access Key').fill(fixture.info.secret_access_key);
    await expectConnectionResult();
    await screenshot('add-file-system');
    // Enter in a text field submits the form.
    await page.getByLabel('Secret Access Key').press('Enter');

    await page.waitForURL(`**/sources/${SOURCE}/settings/extraction`);
    await page.getByText('Added Data lake.').waitFor();
    await open('/sources');
    const row = page.getByRole('row', { name: /Data lake/ });
    assert.match(await row.innerText(), /Never extracted/);
  });

  it('shows stored credentials without the secret', async () => {
    await open(`/sources/${SOURCE}/settings/credentials`);
    const current = await page.getByTestId('current-credentials').innerText();
    assert.match(current, new RegExp(`ending in ${fixture.info.access_key_id.slice(-4)}`));
    assert.match(current, /secret access key set/);
    const values = await page.locator('input').evaluateAll((inputs) => inputs.map((input) => input.value));
    assert.ok(!values.includes(fixture.info.secret_access_key), 'the secret was filled back into a field');
    assert.equal(await page.content().then((html) => html.includes(fixture.info.secret_access_key)), false);
    // The test uses the stored keys when the form keeps them.
    await expectConnectionResult();
    await screenshot('credentials');
  });

  it('runs the extraction and names the denied bucket', async () => {
    const job = await runExtraction();
    assert.equal(job.status, 'succeeded_with_warnings');
    await job.panel.getByText('Succeeded with warnings').first().waitFor();
    const denied = job.panel.locator(`tr[data-bucket="${fixture.info.denied_bucket}"]`);
    assert.match(await denied.innerText(), /Skipped/);
    assert.match(await denied.innerText(), /Access denied/);
    // Hints are sentences: a capital first letter.
    assert.match(await denied.innerText(), /What to do: Grant s3:ListBucket/);
    const synced = await job.panel.locator('tr[data-bucket="analytics"]').innerText();
    assert.match(synced, /Synced/);
    assert.match(await job.panel.locator('[data-stat="synced"]').innerText(), /\b8\b/);
    // Every file listed was synced, so no separate "Files listed" count.
    assert.equal(await job.panel.locator('[data-stat="listed"]').count(), 0);
    // The denial shows once: summarised above the table, detailed in it.
    const text = await job.panel.innerText();
    assert.equal(text.split('AccessDenied').length - 1, 1, text);
    assert.match(await job.panel.locator('.skipped-buckets').innerText(), new RegExp(`1 bucket not synced: ${fixture.info.denied_bucket}`));
    await screenshot('extraction');
  });

  it('explains a skipped bucket on its page', async () => {
    await open(`/browse/${SOURCE}?path=${encodeURIComponent(`/${fixture.info.denied_bucket}`)}`);
    const problem = page.getByTestId('bucket-problem');
    await problem.waitFor();
    const text = await problem.innerText();
    assert.match(text, /The latest extraction skipped this bucket/);
    assert.match(text, /access denied \(no s3:ListBucket\)/);
    assert.match(text, /What to do: Grant s3:ListBucket on this bucket/);
    assert.doesNotMatch(text, /found none here/);
    assert.equal(await problem.getByRole('link', { name: 'Run Extraction' }).getAttribute('href'),
      `/sources/${SOURCE}/settings/extraction`);
    await screenshot('skipped-bucket');

    // The bucket's own page says the same.
    await page.getByRole('link', { name: 'Details · add a description' }).click();
    const warning = page.locator('.notice-warning', { hasText: 'The latest extraction skipped this bucket' });
    await warning.waitFor();
    assert.match(await warning.innerText(), /What to do: Grant s3:ListBucket/);
  });

  it('names what is missing on not-found pages', async () => {
    const cases = [
      ['/sources/nosuch', /^No source named “nosuch”$/, 'Go to Sources', '/sources'],
      [`/sources/${SOURCE}/settings`.replace(SOURCE, 'nosuch'), /^No source named “nosuch”$/, 'Go to Sources', '/sources'],
      [`/sources/${SOURCE}/jobs/9999`, /^No job #9999$/, 'Go to the job history', `/sources/${SOURCE}/jobs`],
      [`/browse/${SOURCE}?path=${encodeURIComponent('/nosuch')}`, /^No bucket “nosuch” in Data lake$/,
        'Go to the buckets of Data lake', `/browse/${SOURCE}`],
      [`/browse/${SOURCE}?path=${encodeURIComponent('/logs/nosuch/')}`, /^No folder “\/logs\/nosuch\/” in Data lake$/,
        'Go to the bucket logs', `/browse/${SOURCE}?path=${encodeURIComponent('/logs')}`],
    ];
    for (const [address, heading, linkName, href] of cases) {
      await open(address);
      assert.match(await page.locator('main h1').innerText(), heading, address);
      assert.equal(await page.getByRole('link', { name: linkName }).getAttribute('href'), href, address);
      const text = await page.locator('main').innerText();
      assert.doesNotMatch(text, /Something went wrong|s3catalog source list/, address);
    }
    await screenshot('not-found');

    // A missing file can still be annotated, so its page keeps the editor.
    await open(itemAddress('/logs/app/nosuch.log'));
    const missing = page.getByTestId('not-found');
    assert.match(await missing.innerText(), /No file “\/logs\/app\/nosuch\.log” in Data lake/);
    assert.equal(await missing.getByRole('link', { name: 'Go to the folder /logs/app/' }).getAttribute('href'),
      `/browse/${SOURCE}?path=${encodeURIComponent('/logs/app/')}`);
    assertNothingRan();
  });

  it('browses from the source to a file', async () => {
    await open(`/browse/${SOURCE}`);
    await screenshot('browse-buckets');
    await page.getByRole('link', { name: 'analytics', exact: true }).click();
    await page.getByRole('heading', { name: 'analytics', level: 1 }).waitFor();
    assert.match(await page.locator('.summary-line').innerText(), /2 folders and 1 file/);

    // Sorting by size puts the smaller folder first; the header says so.
    const names = () => page.locator('tbody th').allInnerTexts();
    assert.deepEqual((await names()).map((name) => name.trim()), ['events/', 'reports/', 'README.md']);
    await page.getByRole('button', { name: 'Size' }).click();
    await page.waitForURL(/sort=size/);
    await page.locator('th[aria-sort="ascending"]', { hasText: 'Size' }).waitFor();
    assert.deepEqual((await names()).map((name) => name.trim()), ['reports/', 'events/', 'README.md']);
    await screenshot('browse-bucket');

    // The bucket's export covers only its own files.
    const csvAddress = await page.getByRole('link', { name: 'CSV', exact: true }).getAttribute('href');
    assert.equal(csvAddress, `/api/sources/${SOURCE}/export.csv?prefix=${encodeURIComponent('/analytics/')}`);
    const csv = await (await page.request.get(server.url + csvAddress)).text();
    assert.match(csv, /\/analytics\/reports\/q1\.csv/);
    assert.doesNotMatch(csv, /\/logs\//);

    await page.getByRole('link', { name: 'reports/' }).click();
    await page.getByRole('link', { name: 'q1.csv' }).click();
    await page.getByRole('heading', { name: 'q1.csv', level: 1 }).waitFor();
    const details = await page.locator('.details').innerText();
    assert.match(details, /25 B \(25 bytes\)/);
    assert.match(details, /First seen/);
    assert.match(details, /Last seen/);
    const crumbs = await page.getByRole('navigation', { name: 'Breadcrumb' }).innerText();
    assert.match(crumbs, /Sources[\s›]+Data lake[\s›]+analytics[\s›]+reports[\s›]+q1\.csv/);
    // Times show in local time with the UTC time on hover.
    assert.match(await page.locator('.details time').first().getAttribute('title'), /UTC$/);
  });

  it('annotates the file with Markdown, tags and owners', async () => {
    await page.getByRole('button', { name: 'Add annotation' }).click();
    await page.getByLabel('Description', { exact: true }).fill(DESCRIPTION);
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByLabel('Description preview');
    await preview.locator('strong', { hasText: 'reconciled' }).waitFor();
    assert.equal(await preview.locator('a[href="https://example.com/runbook"]').count(), 1);
    await page.getByRole('button', { name: 'Write' }).click();
    await page.getByLabel('Tags').fill('finance, quarterly');
    await page.getByLabel('Owners').fill('data-eng');
    await page.getByLabel('Owners').press('Enter');

    await page.getByText('Annotation saved.').waitFor();
    const view = page.locator('.annotation-view');
    await view.locator('strong', { hasText: 'reconciled' }).waitFor();
    assert.match(await view.innerText(), /Edited by Ada on/);
    assert.deepEqual(await view.locator('.chip-tag').allInnerTexts(), ['finance', 'quarterly']);
    await screenshot('file');
  });

  it('checks filters as they are typed and previews them', async () => {
    await open(`/sources/${SOURCE}/settings/filters`);
    await page.getByLabel('Path filters').fill('logs');
    await page.locator('.filter-bad', { hasText: 'logs' }).waitFor();
    await page.getByText('Each filter is /bucket, /bucket/folder/ or /bucket/key-prefix.').first().waitFor();
    assert.equal(await page.getByLabel('Path filters').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Path filters').fill('/logs');
    await page.locator('.filter-ok', { hasText: 'bucket logs' }).waitFor();
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Filter preview' });
    await preview.waitFor();
    assert.match(await preview.innerText(), /Files that would disappear: 5/);
    await preview.getByRole('link', { name: ANNOTATED_PATH }).first().waitFor();
    assert.match(await preview.innerText(), /Annotated items that would be hidden/);
    await screenshot('filters');
  });

  it('hides the file when the filters leave it out and keeps its annotation', async () => {
    await page.getByRole('button', { name: 'Save filters' }).click();
    const saved = page.getByRole('status').filter({ hasText: /^Saved 1 filter/ });
    await saved.waitFor();
    assert.equal(await saved.getByRole('link', { name: 'Run an extraction' }).getAttribute('href'),
      `/sources/${SOURCE}/settings/extraction`);
    const job = await runExtraction();
    assert.match(job.status, /^succeeded/);

    await open('/missing');
    const row = page.getByRole('row', { name: /q1\.csv/ });
    await row.waitFor();
    assert.match(await row.innerText(), /reconciled/);
    assert.match(await row.innerText(), /Data lake/);
    // The excerpt drops Markdown: no list markers, emphasis or link syntax.
    const excerpt = await row.locator('.excerpt').innerText();
    assert.match(excerpt, /ledger\. One row per region\. See the runbook$/);
    assert.doesNotMatch(excerpt, /\*\*|- |\]\(/);
    await screenshot('annotated-not-present');

    await open(itemAddress(ANNOTATED_PATH));
    await page.getByText('Not in the catalog now.').waitFor();
    await page.locator('.annotation-view strong', { hasText: 'reconciled' }).waitFor();
  });

  it('brings the file back with its annotation when the filters return', async () => {
    await setFilters('');
    const job = await runExtraction();
    assert.equal(job.status, 'succeeded_with_warnings');

    await open(itemAddress(ANNOTATED_PATH));
    await page.locator('.annotation-view strong', { hasText: 'reconciled' }).waitFor();
    assert.equal(await page.getByText('Not in the catalog now.').count(), 0);
    assert.match(await page.locator('.annotation-view').innerText(), /Edited by Ada/);

    await open('/missing');
    await page.getByRole('heading', { name: 'Every annotated item is present' }).waitFor();
  });

  it('finds the file by a word of its description', async () => {
    await open('/search');
    await page.getByLabel('Words in annotations').fill('reconciled');
    await page.getByLabel('Words in annotations').press('Enter');
    await page.waitForURL(/text=reconciled/);
    // The tag field suggests the tags in use.
    await page.locator('#tag-options option[value="finance"]').waitFor({ state: 'attached' });
    const result = page.getByRole('row', { name: /q1\.csv/ });
    await result.waitFor();
    assert.match(await result.innerText(), /finance/);
    await screenshot('search');
    await result.getByRole('link', { name: 'q1.csv' }).click();
    await page.getByRole('heading', { name: 'q1.csv', level: 1 }).waitFor();
  });

  it('shows markup in an object key as text', async () => {
    const key = fixture.info.markup_key;
    await open(`/browse/${SOURCE}?path=${encodeURIComponent('/logs')}`);
    const link = page.getByRole('link', { name: key, exact: true });
    await link.waitFor();
    assert.equal(await link.innerText(), key);
    assert.equal(await page.locator('img[src="x"]').count(), 0);

    await link.click();
    await page.getByRole('heading', { name: key, level: 1 }).waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0);

    await open(`/search?name=${encodeURIComponent('onerror')}`);
    await page.getByRole('link', { name: key, exact: true }).waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await page.waitForTimeout(300);
    assertNothingRan();
  });

  it('lists the jobs with per-bucket results and the log', async () => {
    await open(`/sources/${SOURCE}/jobs`);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 3);
    await screenshot('job-history');
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: /^Job #\d+$/, level: 1 }).waitFor();
    assert.match(await page.locator('.page-header .subtitle').innerText(), /^Extraction of Data lake · Succeeded with warnings$/);
    await page.locator(`tr[data-bucket="${fixture.info.denied_bucket}"]`).waitFor();
    const log = page.locator('table.log tbody tr:not(.log-day)');
    await log.first().waitFor();
    assert.ok((await log.count()) > 0);
    // Log times show seconds; the date shows once, in a row above them.
    assert.match(await log.first().locator('time').innerText(), /^\d{2}:\d{2}:\d{2}$/);
    assert.match(await log.first().locator('time').getAttribute('title'), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    assert.equal(await page.locator('table.log tbody tr').first().getAttribute('class'), 'log-day');
    await screenshot('job');
  });

  it('fits the job history at 1280 and 1024 px', async () => {
    for (const width of [1280, 1024]) {
      await page.setViewportSize({ width, height: 800 });
      await open(`/sources/${SOURCE}/jobs`);
      const box = page.locator('.table-wrap');
      const [scrollWidth, clientWidth] = await box.evaluate((element) => [element.scrollWidth, element.clientWidth]);
      assert.ok(scrollWidth <= clientWidth, `at ${width} px the table is ${scrollWidth} px wide in ${clientWidth} px`);
      // Each start time fits on one line.
      const lines = await page.locator('tbody time').evaluateAll((times) => times.map((time) => time.getClientRects().length));
      assert.deepEqual(lines, [1, 1, 1], `start times wrap at ${width} px`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows a failed job without contradictions or repeats', async () => {
    await open('/sources');
    const message = 'ListObjectsV2 failed while listing bucket sales: HTTP 403 SignatureDoesNotMatch (request id REQ1)';
    const rendered = await page.evaluate(async (errorMessage) => {
      const { jobStatusPanel } = await import('/job-status.js');
      const panel = jobStatusPanel({ source: 'lake' });
      panel.show({
        id: 3, source: 'lake', trigger: 'api', status: 'failed', started_at: '2026-01-01T00:00:00Z', finished_at: '2026-01-01T00:00:01Z',
        error: { category: 'authentication', message: `${errorMessage} (credentials: source access key)`, hint: 're-enter the credentials' },
        buckets: [
          { name: 'logs', status: 'failed', reason: 'cancelled', category: null, message: 'the job stopped after an error in another bucket', hint: null, files: 3 },
          { name: 'sales', status: 'failed', reason: 'authentication', category: 'authentication', message: errorMessage, hint: 're-enter the credentials', files: 0 },
        ],
        files_synced: 0, files_added: 0, files_updated: 0, files_removed: 0,
        warnings: [`bucket sales failed: ${errorMessage}`],
        summary: `The extraction failed (authentication): ${errorMessage} (credentials: source access key)`,
      });
      document.querySelector('main').append(panel.element);
      return {
        text: panel.element.innerText,
        listed: panel.element.querySelector('[data-stat="listed"]')?.innerText,
        synced: panel.element.querySelector('[data-stat="synced"]').innerText,
        logs: panel.element.querySelector('tr[data-bucket="logs"]').innerText,
      };
    }, message);
    assert.match(rendered.listed, /Files listed\s+3/i);
    assert.match(rendered.synced, /Files synced\s+0/i);
    assert.equal(rendered.text.split('SignatureDoesNotMatch').length - 1, 1, rendered.text);
    assert.equal(rendered.text.split('re-enter the credentials').length - 1, 0, 'a hint starts in lower case');
    assert.equal(rendered.text.split('Re-enter the credentials.').length - 1, 1, rendered.text);
    assert.match(rendered.logs, /Not finished: the job stopped after an error/);
    assert.doesNotMatch(rendered.text, /job cancelled/);
  });

  it('advises by the search fields used and checks ranges', async () => {
    await open('/search?modified_after=2030-01-01');
    const advice = await page.locator('.empty-state').innerText();
    assert.match(advice, /No matches/);
    assert.match(advice, /modified on or after/);
    assert.doesNotMatch(advice, /name|words/);

    await open('/search?name=zzzz-nothing');
    assert.match(await page.locator('.empty-state').innerText(), /shorter part of the file name/);

    await open('/search');
    await page.getByText('Filters', { exact: true }).click();
    await page.getByLabel('Size at least', { exact: true }).fill('10');
    await page.getByLabel('Size at most', { exact: true }).fill('1');
    await page.getByLabel('Modified on or after').fill('2030-01-02');
    await page.getByLabel('Modified on or before').fill('2030-01-01');
    await page.getByRole('button', { name: 'Search' }).click();
    const maxField = page.getByLabel('Size at most', { exact: true });
    assert.equal(await maxField.getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('.field-error:not([hidden])').first().innerText(), /below the minimum size \(10 MiB\)/);
    assert.equal(await page.getByLabel('Modified on or before').getAttribute('aria-invalid'), 'true');
    assert.equal(new URL(page.url()).search, '', 'an empty range was searched');
    await screenshot('search-ranges');
    await maxField.fill('100');
    await maxField.dispatchEvent('change');
    assert.equal(await maxField.getAttribute('aria-invalid'), null);
  });

  it('renders Markdown without raw HTML or unsafe links', async () => {
    await open('/sources');
    const rendered = await page.evaluate(async () => {
      const { renderMarkdown } = await import('/markdown.js');
      const source = [
        '<script>alert(1)</script> and <img src=x onerror=alert(2)>',
        '',
        '[javascript](javascript:alert(3)) [data](data:text/html,hi) [web](https://example.com/a?b=1)',
        '',
        '- *emphasis* and **strong** and `<b>code</b>`',
        '1. first',
        '',
        '```',
        '<iframe src="https://example.com"></iframe>',
        '```',
      ].join('\n');
      const root = renderMarkdown(source);
      return {
        tags: [...root.querySelectorAll('*')].map((node) => node.tagName.toLowerCase()),
        links: [...root.querySelectorAll('a')].map((node) => node.getAttribute('href')),
        text: root.textContent,
      };
    });
    assert.deepEqual([...new Set(rendered.tags)].sort(), ['a', 'code', 'em', 'li', 'ol', 'p', 'pre', 'span', 'strong', 'ul']);
    assert.deepEqual(rendered.links, ['https://example.com/a?b=1']);
    assert.match(rendered.text, /<script>alert\(1\)<\/script>/);
    assert.match(rendered.text, /<img src=x onerror=alert\(2\)>/);
    assert.match(rendered.text, /<iframe src=/);
    assertNothingRan();
  });

  it('formats sizes in binary units', async () => {
    const sizes = await page.evaluate(async () => {
      const { formatBytes } = await import('/format.js');
      return [0, 512, 1024, 1536, 10752, 100 * 1024 ** 2, 1023.9 * 1024, 1.25 * 1024 ** 3].map(formatBytes);
    });
    assert.deepEqual(sizes, ['0 B', '512 B', '1 KiB', '1.5 KiB', '10.5 KiB', '100 MiB', '1 MiB', '1.25 GiB']);
  });

  it('shows live progress and cancels a running job', async () => {
    const created = await page.request.post(`${server.url}/api/sources`, {
      headers: await csrfHeaders(),
      data: {
        name: 'archive',
        title: 'Slow archive',
        endpoint_url: fixture.info.slow_endpoint,
        addressing: 'path',
        credentials: { access_key_id: 'AKIDSTUB', secret_access_key: 'stub-secret' },
      },
    });
    assert.equal(created.status(), 201);

    await open('/sources/archive/settings/extraction');
    await page.getByRole('button', { name: 'Run Extraction' }).click();
    const panel = page.locator('[data-testid="job-status"][data-status="running"]');
    await panel.waitFor();
    // Progress comes over server-sent events while the bucket is listed.
    await panel.locator('[data-stat="current"]', { hasText: fixture.info.slow_bucket }).waitFor();
    await page.waitForFunction(() => {
      const value = document.querySelector('[data-stat="objects"] .stat-value');
      return value && Number(value.textContent.replace(/\D/g, '')) >= 2000;
    });
    assert.match(await panel.locator('[data-stat="rate"]').innerText(), /objects\/s/);
    assert.match(await panel.locator('[data-stat="buckets"]').innerText(), /0 \/ 1/);
    await screenshot('extraction-running');

    await panel.getByRole('button', { name: 'Cancel' }).click();
    const cancelled = page.locator('[data-testid="job-status"][data-status="cancelled"]');
    await cancelled.waitFor({ timeout: JOB_TIMEOUT_MS });
    await cancelled.getByText('Cancelled').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Run Extraction' }).isEnabled(), true);
  });

  it('adds a source that assumes a role', async () => {
    await open('/sources/new');
    await page.getByLabel('Name', { exact: true }).fill('xacct');
    await page.getByLabel('Endpoint URL').fill(fixture.info.endpoint);
    await page.getByText('Assume a role (optional)').click();
    // An external ID without a role is rejected at the role ARN field.
    await page.getByLabel('External ID').fill('ext-42');
    await page.getByRole('button', { name: 'Add file system' }).click();
    await page.getByText('Enter the role ARN, or clear the external ID').waitFor();
    assert.equal(await page.getByLabel('Role ARN').getAttribute('aria-invalid'), 'true');

    const role = 'arn:aws:iam::123456789012:role/catalog-reader';
    await page.getByLabel('Role ARN').fill(role);
    await page.getByLabel('Role session name').fill('catalog-ui');
    const created = page.waitForRequest((request) => request.url().endsWith('/api/sources') && request.method() === 'POST');
    await page.getByRole('button', { name: 'Add file system' }).click();
    const body = (await created).postDataJSON();
    assert.equal(body.role_arn, role);
    assert.equal(body.external_id, 'ext-42');
    assert.equal(body.role_session_name, 'catalog-ui');
    await page.waitForURL('**/sources/xacct/settings/extraction');

    await open('/sources/xacct/settings/credentials');
    const current = await page.getByTestId('current-credentials').innerText();
    assert.match(current, /then assumes role arn:aws:iam::123456789012:role\/catalog-reader with an external ID as session catalog-ui\./);
    await screenshot('credentials-role');
  });

  it('lists the sources with their latest result', async () => {
    await open('/sources');
    const row = page.getByRole('row', { name: /Data lake/ });
    assert.match(await row.innerText(), /Succeeded with warnings/);
    assert.match(await row.innerText(), /\b8\b/);
    await screenshot('sources');
    await page.setViewportSize({ width: 800, height: 800 });
    await open(`/browse/${SOURCE}?path=${encodeURIComponent('/analytics/reports/')}`);
    await screenshot('browse-800px');
    await page.setViewportSize({ width: 1280, height: 800 });
    assertNothingRan();
  });

  it('renders hostile keys and annotations inert', async () => {
    const info = fixture.info;
    const headers = await csrfHeaders();
    const created = await page.request.post(`${server.url}/api/sources`, {
      headers,
      data: {
        name: 'hostile', title: 'Hostile keys', endpoint_url: info.hostile_endpoint, addressing: 'path',
        credentials: { access_key_id: 'AKIDHOSTILE', secret_access_key: 'hostile-secret' },
        path_prefixes: [`/${info.hostile_bucket}`],
      },
    });
    assert.equal(created.status(), 201, await created.text());
    const started = await page.request.post(`${server.url}/api/sources/hostile/jobs`, { headers, data: {} });
    assert.equal(started.status(), 202, await started.text());
    const jobId = (await started.json()).id;
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    let job;
    do {
      await page.waitForTimeout(300);
      job = await (await page.request.get(`${server.url}/api/jobs/${jobId}`)).json();
    } while (job.status === 'running' && Date.now() < deadline);
    assert.equal(job.status, 'succeeded');
    assert.equal(job.files_synced, info.hostile_keys.length);

    const annotated = `/${info.hostile_bucket}/${info.hostile_keys[0]}`;
    const annotation = await page.request.put(
      `${server.url}/api/sources/hostile/annotations?path=${encodeURIComponent(annotated)}`, {
        headers,
        data: {
          description: '<script>alert(11)</script> <img src=x onerror=alert(12)> [run me](javascript:alert(13)) [ok](https://example.com/ok)',
          tags: ['<b>bold</b>', '" onmouseover="alert(14)'],
          owners: ['<svg onload=alert(15)>'],
        },
      });
    assert.equal(annotation.status(), 200, await annotation.text());

    const injected = () => page.evaluate(() => ({
      scripts: document.querySelectorAll('main script, main img, main svg:not(.icon), main iframe, main b').length,
      handlers: [...document.querySelectorAll('main *')].filter((node) => [...node.attributes].some((attribute) => attribute.name.startsWith('on'))).length,
      javascriptLinks: [...document.querySelectorAll('a')].filter((node) => /^\s*javascript:/i.test(node.getAttribute('href') || '')).length,
    }));
    const clean = { scripts: 0, handlers: 0, javascriptLinks: 0 };

    // Every key shows as exactly its text, in the listing and on its page.
    for (const key of info.hostile_keys) {
      const slash = key.lastIndexOf('/');
      const folder = slash < 0 ? '' : key.slice(0, slash + 1);
      const name = key.slice(slash + 1);
      await open(`/browse/hostile?path=${encodeURIComponent(folder ? `/${info.hostile_bucket}/${folder}` : `/${info.hostile_bucket}`)}`);
      // Matched by text, because accessible names drop bidi controls.
      const entry = page.locator('main tbody a').filter({ hasText: name.slice(0, 40) }).first();
      await entry.waitFor();
      assert.equal(await entry.evaluate((node) => node.textContent), name);
      assert.deepEqual(await injected(), clean, `listing of ${JSON.stringify(key.slice(0, 60))}`);
      await open(itemAddress(`/${info.hostile_bucket}/${key}`, 'hostile'));
      assert.equal(await page.locator('main h1 .item-title').evaluate((node) => node.textContent), name);
      assert.deepEqual(await injected(), clean, `page of ${JSON.stringify(key.slice(0, 60))}`);
    }

    await open(itemAddress(annotated, 'hostile'));
    const view = page.locator('.annotation-view');
    await view.locator('a[href="https://example.com/ok"]').waitFor();
    assert.match(await view.innerText(), /<script>alert\(11\)<\/script>/);
    assert.match(await view.innerText(), /run me/);
    assert.equal(await view.getByRole('link', { name: 'run me' }).count(), 0, 'a javascript: link was rendered as a link');
    assert.deepEqual(await view.locator('.chip-tag').allInnerTexts(), ['<b>bold</b>', '" onmouseover="alert(14)']);
    assert.deepEqual(await injected(), clean);

    await open(`/search?name=${encodeURIComponent('onerror')}`);
    await page.getByRole('link', { name: '<img src=x onerror=alert(2)>.png', exact: true }).waitFor();
    assert.deepEqual(await injected(), clean);
    await page.waitForTimeout(300);
    assertNothingRan();
  });

  it('manages users, tokens and the audit log as an admin', async () => {
    await open('/tokens');
    await page.getByLabel('Token name').fill('nightly export');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.locator('.new-token').innerText()).trim();
    assert.match(token, /^s3c_/);
    const asToken = await page.request.get(`${server.url}/api/session`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await asToken.json()).user.name, 'Ada');
    await page.getByRole('row', { name: /nightly export/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Revoked nightly export.').waitFor();
    const revoked = await page.request.get(`${server.url}/api/session`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(revoked.status(), 401);

    await open('/users');
    const rows = page.locator('tbody tr');
    assert.deepEqual((await rows.locator('th').allInnerTexts()).map((name) => name.trim()), ['Ada', 'stella', 'victor']);
    await page.getByLabel('User name').fill('temp-user');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText(/too short/).waitFor();
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('Added temp-user.').waitFor();
    await page.getByLabel('Role of temp-user').selectOption('steward');
    await page.getByText('temp-user is now steward.').waitFor();
    await page.locator('tr[data-user="temp-user"]').getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('button', { name: 'Remove user' }).click();
    await page.getByText('Removed temp-user.').waitFor();

    await open('/audit');
    const audit = await page.locator('tbody').innerText();
    for (const action of ['login.success', 'source.create', 'job.start', 'token.revoke', 'user.create', 'user.set_role', 'user.remove']) {
      assert.match(audit, new RegExp(action.replace('.', '\\.')), `audit log lacks ${action}`);
    }
    const roleChange = page.getByRole('row', { name: /user\.set_role/ }).first();
    assert.deepEqual(await roleChange.locator('.audit-detail dt').allInnerTexts(), ['role']);
    assert.deepEqual(await roleChange.locator('.audit-detail dd').allInnerTexts(), ['steward']);
    assert.ok(!audit.includes(fixture.info.secret_access_key), 'the audit log shows a secret');
    assert.ok(!audit.includes(token), 'the audit log shows a token');
    assertNothingRan();
  });

  it('shows a viewer no edit controls and rejects edits', async () => {
    await logOut();
    await logIn('viewer');
    assert.match(await page.getByTestId('session-user').innerText(), /viewer/i);
    await open('/sources');
    await page.getByRole('row', { name: /Data lake/ }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Add a File System' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Settings' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0);

    await open(itemAddress(ANNOTATED_PATH));
    await page.locator('.annotation-view strong', { hasText: 'reconciled' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /annotation/i }).count(), 0, 'a viewer sees an annotation button');
    assert.equal(await page.locator('main button, main textarea, main input, main select').count(), 0,
      'a viewer sees an edit control on the file page');
    await open(itemAddress('/analytics/reports/q2.csv'));
    await page.locator('.annotation-view.empty').waitFor();
    assert.equal(await page.locator('.annotation-view').innerText(), 'No annotation on this file yet.',
      'a viewer is invited to annotate');
    await open(`/sources/${SOURCE}/settings`);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    await open(`/sources/${SOURCE}/jobs`);
    assert.equal(await page.getByRole('link', { name: /Run Extraction/ }).count(), 0);

    const annotationAddress = `/api/sources/${SOURCE}/annotations?path=${encodeURIComponent(ANNOTATED_PATH)}`;
    assert.equal(await fetchStatus('PUT', annotationAddress, { description: 'changed by a viewer' }), 403);
    assert.equal(await fetchStatus('POST', `/api/sources/${SOURCE}/jobs`, {}), 403);
    assert.equal(await fetchStatus('GET', '/api/users'), 403);
    await open(itemAddress(ANNOTATED_PATH));
    assert.doesNotMatch(await page.locator('.annotation-view').innerText(), /changed by a viewer/);
    assertNothingRan();
  });

  it('lets a steward annotate but not change sources', async () => {
    await logOut();
    await logIn('steward');
    await open(itemAddress(ANNOTATED_PATH));
    await page.getByRole('button', { name: 'Edit annotation' }).click();
    await page.getByLabel('Tags').fill('finance, quarterly, reviewed');
    await page.getByLabel('Tags').press('Enter');
    await page.getByText('Annotation saved.').waitFor();
    assert.match(await page.locator('.annotation-view').innerText(), /Edited by stella on/);

    await open(`/browse/${SOURCE}`);
    assert.equal(await page.getByRole('navigation', { name: 'Source' }).getByRole('link', { name: 'Settings' }).count(), 0);
    await open(`/sources/${SOURCE}/settings/credentials`);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    assert.equal(await page.getByLabel('Secret Access Key').count(), 0);
    assert.equal(await fetchStatus('PATCH', `/api/sources/${SOURCE}`, { title: 'Renamed by a steward' }), 403);
    assert.equal(await fetchStatus('DELETE', `/api/sources/${SOURCE}`), 403);
    assertNothingRan();
  });
});

// End-to-end test of the web UI: moto with IAM checks, the real
// `s3catalog serve`, and headless chromium, one scenario in order.
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

function itemAddress(itemPath) {
  return `/item/${SOURCE}?path=${encodeURIComponent(itemPath)}`;
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
    assert.match(await denied.innerText(), /access denied/);
    const synced = await job.panel.locator('tr[data-bucket="analytics"]').innerText();
    assert.match(synced, /Synced/);
    assert.match(await job.panel.locator('[data-stat="synced"]').innerText(), /\b8\b/);
    await screenshot('extraction');
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
    await page.getByLabel('Your name').fill('Ada');
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
    await page.getByRole('status').filter({ hasText: /^Saved 1 filter/ }).waitFor();
    const job = await runExtraction();
    assert.match(job.status, /^succeeded/);

    await open('/missing');
    const row = page.getByRole('row', { name: /q1\.csv/ });
    await row.waitFor();
    assert.match(await row.innerText(), /reconciled/);
    assert.match(await row.innerText(), /Data lake/);
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
    await page.locator(`tr[data-bucket="${fixture.info.denied_bucket}"]`).waitFor();
    const log = page.locator('table.log tbody tr');
    await log.first().waitFor();
    assert.ok((await log.count()) > 0);
    await screenshot('job');
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
});

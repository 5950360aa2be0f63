// Child processes of the browser tests: moto (through fixture.py), the
// s3catalog server and headless chromium. Every server listens on 127.0.0.1
// with a port chosen by the OS, and each process is stopped by its PID.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPOSITORY = path.resolve(HERE, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export function s3catalogBinary() {
  return process.env.S3CATALOG_BIN || path.join(REPOSITORY, 'build', 'src', 'cli', 's3catalog');
}

// Environment variables that must not reach a child: AWS settings (the
// tests give every credential explicitly) and proxies (every server is on
// loopback).
function isRemoved(name) {
  return name.startsWith('AWS_') || /^(http|https|all|ftp|no)_proxy$/i.test(name);
}

function cleanEnvironment(extra = {}) {
  const environment = {};
  for (const [name, value] of Object.entries(process.env)) if (!isRemoved(name)) environment[name] = value;
  environment.AWS_EC2_METADATA_DISABLED = 'true';
  return { ...environment, ...extra };
}

// Reads lines from `stream` until `pattern` matches one; resolves to the match.
// Rejects when the process exits first or after `timeoutMs`.
function waitForLine(child, stream, pattern, processName, output, timeoutMs = START_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stream });
    const timer = setTimeout(() => {
      reject(new Error(`${processName} printed no line matching ${pattern} within ${timeoutMs} ms; output:\n${output()}`));
    }, timeoutMs);
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${processName} exited (status ${code}, signal ${signal}) before it was ready; output:\n${output()}`));
    });
  });
}

// Stops `child` with SIGTERM, then SIGKILL if it has not exited in time.
export async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

function collect(child) {
  let text = '';
  const add = (chunk) => {
    text += chunk.toString();
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  child.stderr.on('data', add);
  return () => text;
}

// Starts fixture.py: moto with the test buckets and an IAM user. Resolves to
// {child, info} where info is the JSON line it prints.
export async function startFixture() {
  const child = spawn('python3', [path.join(HERE, 'fixture.py')], {
    cwd: HERE,
    env: cleanEnvironment(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr = collect(child);
  const [line] = await waitForLine(child, child.stdout, /^\{.*\}$/, 'fixture.py', stderr);
  return { child, info: JSON.parse(line), stop: async () => {
    child.stdin.end();
    await stopProcess(child);
  } };
}

// The users the tests log in as, one per role. Each gets a random password.
const USERS = [['Ada', 'admin'], ['stella', 'steward'], ['victor', 'viewer']];

// Adds a user with `s3catalog user add`, the password on standard input.
function addUser(binary, environment, name, role, password) {
  const result = spawnSync(binary, ['user', 'add', name, '--role', role], { env: environment, input: `${password}\n` });
  if (result.status !== 0) throw new Error(`user add ${name} failed (status ${result.status}): ${result.stderr}`);
}

// Starts `s3catalog serve` with its own HOME, XDG folders and catalog in a
// new temporary folder, after adding one user per role. Resolves to
// {child, url, root, users, output(), stop()}, where users maps a role to
// {name, password}.
export async function startServer() {
  const root = mkdtempSync(path.join(tmpdir(), 's3catalog-browser-'));
  const folders = {};
  for (const name of ['home', 'data', 'config', 'cache', 'tmp']) {
    folders[name] = path.join(root, name);
    mkdirSync(folders[name]);
  }
  const environment = {
    PATH: process.env.PATH || '/usr/bin:/bin',
    HOME: folders.home,
    XDG_DATA_HOME: folders.data,
    XDG_CONFIG_HOME: folders.config,
    XDG_CACHE_HOME: folders.cache,
    TMPDIR: folders.tmp,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    S3CATALOG_DB: `sqlite://${path.join(root, 'catalog.db')}`,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const binary = s3catalogBinary();
  const users = {};
  for (const [name, role] of USERS) {
    users[role] = { name, password: `pw-${randomBytes(18).toString('base64url')}` };
    addUser(binary, environment, name, role, users[role].password);
  }
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0'], { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = collect(child);
  const [, url] = await waitForLine(child, child.stdout, /listening on (http:\/\/127\.0\.0\.1:\d+)/, `${binary} serve`, stderr);
  // Keep reading stdout so the server never blocks on a full pipe.
  child.stdout.resume();
  return {
    child,
    url,
    root,
    users,
    output: stderr,
    stop: async () => {
      await stopProcess(child);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server',
];

// Launches Debian's chromium headless with a fresh profile. Resolves to
// {context, stop()}.
export async function launchBrowser(chromium) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with apt-get install -y chromium`);
  const profile = mkdtempSync(path.join(tmpdir(), 's3catalog-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    stop: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

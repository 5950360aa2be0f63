// Runs the browser tests with Node's test runner after checking what they
// need. Exits 77 (ctest's skip code for browser.ui) when playwright-core is
// not installed or chromium is missing, with the command that fixes it.
import { spawnSync } from 'node:child_process';
import { existsSync, accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { CHROMIUM, s3catalogBinary } from './processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SKIP = 77;

try {
  createRequire(import.meta.url).resolve('playwright-core');
} catch {
  console.log(`browser.ui skipped: playwright-core is not installed; run: (cd ${HERE} && npm ci --no-audit --no-fund)`);
  process.exit(SKIP);
}
if (!existsSync(CHROMIUM)) {
  console.log(`browser.ui skipped: ${CHROMIUM} not found; install it: apt-get install -y chromium`);
  process.exit(SKIP);
}
const binary = s3catalogBinary();
try {
  accessSync(binary, constants.X_OK);
} catch {
  console.error(`s3catalog binary not found at ${binary}: build it (cmake --preset default && cmake --build build) or set S3CATALOG_BIN`);
  process.exit(1);
}

const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', path.join(HERE, 'ui.test.mjs')], {
  cwd: HERE,
  stdio: 'inherit',
  env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
});
process.exit(result.status === null ? 1 : result.status);

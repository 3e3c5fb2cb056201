// Console test in headless Chromium: start `vigil serve` on a fresh data folder, ingest a
// scenario over the API, see the incidents in the queue, open the surfaced one, give a verdict,
// reload, and see the verdict still there. Screenshots go to the artifacts folder.
// Usage: node console.test.mjs VIGIL_BINARY ARTIFACTS_DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { scenario } from './scenario.mjs';

const [vigil, artifacts] = process.argv.slice(2);
if (!vigil || !artifacts) {
  console.error('usage: node console.test.mjs VIGIL_BINARY ARTIFACTS_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const data = mkdtempSync(join(tmpdir(), 'vigil-console-'));
const profileDir = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}
function check(condition, message) {
  if (!condition) fail(message);
  console.log(`ok - ${message}`);
}

// Starts the server on a free port and reads the console link it prints.
function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(vigil, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--no-watch', '-q'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('vigil serve did not print its console link in 30 s')), 30000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/Console: (http:\/\/[^\s#]+)#token=([0-9a-f]+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1], token: m[2] });
      }
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.on('exit', (code) => reject(new Error(`vigil serve exited with ${code} before start-up`)));
  });
}

async function apiCall(server, path, init = {}) {
  const res = await fetch(server.base + 'api/v1' + path, {
    ...init, headers: { Authorization: `Bearer ${server.token}`, ...(init.headers || {}) },
  });
  return { status: res.status, body: await res.json() };
}

let server;
let browser;
try {
  server = await startServer();
  console.log(`server at ${server.base}`);

  const alerts = scenario();
  const ingest = await apiCall(server, '/ingest?profile=aitads', {
    method: 'POST', body: alerts.map((a) => JSON.stringify(a)).join('\n'), headers: { 'Content-Type': 'application/x-ndjson' },
  });
  check(ingest.status === 200 && ingest.body.accepted === alerts.length, `ingest accepted all ${alerts.length} alerts`);

  // A fresh profile folder per run (Playwright passes it to Chromium as --user-data-dir).
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 950 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] || await browser.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));

  // The link printed at start-up signs the console in; the token leaves the address bar.
  await page.goto(`${server.base}#token=${server.token}`);
  await page.waitForSelector('#queue tbody tr', { timeout: 20000 });
  check(!page.url().includes('token='), 'token removed from the URL after sign-in');
  const rows = await page.locator('#queue tbody tr').count();
  check(rows >= 1, `queue shows ${rows} surfaced incident(s)`);
  const topTitle = await page.locator('#queue tbody tr').first().locator('.title').innerText();
  check(/webserver/.test(topTitle), `top incident is the intrusion on webserver ("${topTitle}")`);
  await page.screenshot({ path: join(artifacts, 'console-queue.png'), fullPage: true });

  // Auto-closed routine is one click away.
  await page.click('[data-status="auto-closed"]');
  await page.locator('#queue tbody tr .title', { hasText: 'ClamAV' }).first().waitFor({ timeout: 10000 });
  check(true, 'routine ClamAV updates are listed as auto-closed');
  await page.click('[data-status="surfaced"]');
  await page.waitForSelector('#queue tbody tr');

  // Open the top incident.
  await page.locator('#queue tbody tr').first().click();
  await page.waitForSelector('#incident-title', { timeout: 10000 });
  const incidentUrl = page.url();
  check(/#\/incident\/INC-/.test(incidentUrl), `incident page opened (${incidentUrl.split('#')[1]})`);
  await page.waitForSelector('#timeline svg rect');
  check(await page.locator('#timeline svg rect').count() > 2, 'timeline drawn as SVG');
  check(await page.locator('#graph svg circle').count() >= 2, 'entity graph drawn as SVG');
  check(await page.locator('#alerts tbody tr.row').count() > 0, 'alerts table lists the incident\'s alerts');
  const narrative = await page.locator('.narrative').innerText();
  check(narrative.length > 80, 'narrative shown');

  // Verdict with a reason code.
  await page.click('#verdict-form button[data-verdict="true_positive"]');
  await page.click('#verdict-form .codes button:has-text("Confirmed attack activity")');
  await page.fill('#verdict-note', 'web shell found in /tmp/.x');
  await page.click('#verdict-submit');
  await page.waitForSelector('#verdict-history li', { timeout: 10000 });
  check((await page.locator('#verdict-history li').first().innerText()).includes('Confirmed attack activity: web shell found'), 'verdict recorded');

  // Reload: the verdict comes back from the store.
  await page.reload();
  await page.waitForSelector('#verdict-history li', { timeout: 10000 });
  const history = await page.locator('#verdict-history li').first().innerText();
  check(history.includes('True positive') && history.includes('web shell found'), 'verdict persisted across reload');
  await page.screenshot({ path: join(artifacts, 'console-incident.png') });
  await page.locator('#graph').screenshot({ path: join(artifacts, 'console-graph.png') });
  await page.locator('#timeline').screenshot({ path: join(artifacts, 'console-timeline.png') });

  // Back in the queue the incident carries its verdict.
  await page.goto(`${server.base}#/`);
  await page.waitForSelector('#queue tbody tr .pill.v-true_positive', { timeout: 10000 });
  check(true, 'queue shows the verdict');
  check(consoleErrors.length === 0, `no errors in the page console${consoleErrors.length ? ': ' + consoleErrors.join(' | ') : ''}`);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  if (server) {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.on('exit', r));
  }
  rmSync(data, { recursive: true, force: true });
  rmSync(profileDir, { recursive: true, force: true });
}

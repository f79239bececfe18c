// Voting in a deliberation with JavaScript in Debian's headless Chromium: the page's own
// script (/static/participate.js) solves the proof-of-work challenge and submits the form.
//
// Usage: node vote.mjs BASE_URL CONVERSATION SCREENSHOT_DIR
// Checks the solver against the Rust test vector first, then votes on every statement the
// vote page shows (one at a time) and adds a statement, all as an anonymous participant with
// the server's real Content-Security-Policy (no bypass: the solver must run under it). Runs
// axe-core on the vote page in a second context (axe is injected inline, which the policy
// forbids). Prints one JSON report; exits 1 on any failure.

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, conv, shots] = process.argv.slice(2);
if (!base || !conv || !shots) {
  console.error('usage: node vote.mjs BASE_URL CONVERSATION SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const origin = new URL(base).origin;
const vectors = Object.fromEntries(
  readFileSync(new URL('../../crates/concord-server/tests/data/pow_vectors.txt', import.meta.url), 'utf8')
    .split('\n').filter((l) => l.includes(' = ')).map((l) => l.split(' = ')));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const failures = [];
const report = { votes: [], solve_ms: [], failures };
const fail = (step, what) => failures.push({ step, what });

try {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:')) fail('network', `request off the server: ${u}`);
  });
  page.on('pageerror', (e) => fail('script', String(e)));
  report.posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') report.posts.push(`sent ${r.url()}`); });
  page.on('requestfailed', (r) => report.posts.push(`failed ${r.url()} ${r.failure() && r.failure().errorText}`));
  page.on('response', (r) => {
    if (r.request().method() === 'POST') report.posts.push(`answered ${r.status()} ${r.url()}`);
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) fail('http', `${r.status()} ${r.url()}`);
  });

  const voteUrl = `${base}/deliberations/${conv}/vote?lang=en`;
  await page.goto(voteUrl, { waitUntil: 'load' });

  // The page's solver agrees with the Rust one on the shared test vector.
  const solved = await page.evaluate((v) => new Promise((resolve) => {
    const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const b64 = v.wire.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const challenge = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload = window.concordPow.sha256(new TextEncoder().encode('vote\nai-rules\n7\nagree'));
    window.concordPow.solve(challenge, payload, () => {}, (n) => resolve({ nonce: n, payload: hex(payload) }));
  }), vectors);
  if (String(solved.nonce) !== vectors.nonce) fail('vector', `nonce ${solved.nonce} != ${vectors.nonce}`);
  if (solved.payload !== vectors.vote_payload) fail('vector', `payload ${solved.payload}`);

  // Solver speed in this browser (the reference's §6 leaves browser rates unmeasured): 20
  // solves at 16 bits of random challenges, attempts = nonce + 1.
  report.solver = await page.evaluate(() => new Promise((resolve) => {
    const runs = [];
    const one = () => {
      if (runs.length === 20) {
        const attempts = runs.reduce((a, r) => a + r.attempts, 0);
        const ms = runs.reduce((a, r) => a + r.ms, 0);
        const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
        resolve({ runs: 20, bits: 16, attempts_per_s: Math.round(attempts / (ms / 1000)),
          mean_ms: Math.round(ms / 20), median_ms: sorted[10], max_ms: sorted[19] });
        return;
      }
      const c = new Uint8Array(66); crypto.getRandomValues(c); c[0] = 1; c[17] = 16;
      const p = new Uint8Array(32); crypto.getRandomValues(p);
      const t0 = performance.now();
      window.concordPow.solve(c, p, () => {}, (n) => {
        runs.push({ attempts: n + 1, ms: performance.now() - t0 });
        one();
      });
    };
    one();
  }));
  await page.screenshot({ path: join(shots, 'vote-first.png'), fullPage: true });
  const choices = ['agree', 'disagree', 'pass'];
  for (let i = 0; i < 20; i++) {
    // After a vote the next page shows either the next statement or the end.
    await page.waitForSelector('#all-done, #vote-form', { timeout: 30000 });
    if (await page.locator('#all-done').count()) break;
    const tid = await page.locator('#vote-form input[name=tid]').inputValue();
    const text = await page.locator('#statement').innerText();
    const choice = choices[i % 3];
    const t0 = Date.now();
    await Promise.all([
      page.waitForURL(/done=vote/, { timeout: 60000 }),
      page.click(`#${choice}`),
    ]);
    report.solve_ms.push(Date.now() - t0);
    report.votes.push({ tid: Number(tid), text, vote: choice });
    if (i === 0) await page.screenshot({ path: join(shots, 'vote-recorded.png'), fullPage: true });
  }
  await page.waitForSelector('#all-done, #vote-form', { timeout: 30000 });
  if (!(await page.locator('#all-done').count())) fail('vote', 'statements never ran out');
  await page.screenshot({ path: join(shots, 'vote-all-done.png'), fullPage: true });

  // A statement with a line break: the solver hashes what the form sends (CRLF).
  await page.fill('#text', 'Publish the audit reports.\nIn full.');
  await Promise.all([
    page.waitForURL(/done=statement/, { timeout: 60000 }),
    page.click('#submit-statement'),
  ]);
  await page.screenshot({ path: join(shots, 'statement-sent.png'), fullPage: true });

  // Accessibility of the vote page (a fresh participant, so a statement is shown).
  const a11y = await browser.newContext({ locale: 'zh-CN', bypassCSP: true });
  const p2 = await a11y.newPage();
  await p2.goto(`${base}/deliberations/${conv}/vote`, { waitUntil: 'load' });
  await p2.addScriptTag({ content: axeSource });
  const violations = await p2.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  report.axe = violations;
  for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    fail('axe', `${v.impact} ${v.id} on ${v.nodes} node(s)`);
  }
  await p2.screenshot({ path: join(shots, 'vote-zh.png'), fullPage: true });
} catch (e) {
  fail('exception', String(e && e.stack || e));
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    for (const p of pages) {
      fail('state', `${p.url()}: ${(await p.locator('main').innerText()).slice(0, 300)}`);
      fail('forms', JSON.stringify(await p.evaluate(() => Array.from(document.forms, (f) => ({
        id: f.id, busy: f.getAttribute('data-busy'), solved: f.getAttribute('data-solved'),
        nonce: f.elements.namedItem('nonce') && f.elements.namedItem('nonce').value,
      })))));
    }
  } catch (_) { /* the browser is gone */ }
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(failures.length ? 1 : 0);

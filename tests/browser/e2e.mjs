// End-to-end and accessibility checks of Concord's pages in Debian's headless Chromium.
//
// Usage: node e2e.mjs BASE_URL SCREENSHOT_DIR
// Walks the main user journeys (home, language switch, search in Chinese and English, a
// document, compare, consensus, browse, best practices, map), runs axe-core on every page,
// saves a screenshot of each step, and checks that no page requests anything off the server
// and that the first page load stays under 150 KB. Prints one JSON report; exits 1 on any failure.

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node e2e.mjs BASE_URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const origin = new URL(base).origin;
const FIRST_LOAD_LIMIT = 150 * 1024;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const failures = [];
const report = { pages: [], failures };
const fail = (step, what) => failures.push({ step, what });

try {
  // bypassCSP: the pages forbid inline scripts, which is how axe is injected.
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:')) fail('network', `request off the server: ${u}`);
  });
  page.on('pageerror', (e) => fail('script', String(e)));

  // One step: check the page with axe (serious and critical violations fail), screenshot it.
  const check = async (step) => {
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => {
      // Colour contrast is checked too; only the page itself is tested, not browser UI.
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const v of serious) fail(step, `axe ${v.impact} ${v.id} on ${v.nodes} node(s): ${v.targets.join(', ')}`);
    await page.screenshot({ path: join(shots, `${step}.png`), fullPage: true });
    report.pages.push({ step, url: page.url(), title: await page.title(), violations: result });
  };
  const expect = (step, cond, what) => { if (!cond) fail(step, what); };

  // Home: first load weight (every resource, as transferred) and language from Accept-Language.
  await page.goto(`${base}/`, { waitUntil: 'load' });
  const bytes = await page.evaluate(() => performance.getEntries()
    .filter((e) => 'transferSize' in e).reduce((s, e) => s + (e.transferSize || 0), 0));
  report.first_load_bytes = bytes;
  expect('home', bytes > 0 && bytes <= FIRST_LOAD_LIMIT, `first load ${bytes} bytes, limit ${FIRST_LOAD_LIMIT}`);
  expect('home', (await page.getAttribute('html', 'lang')) === 'en', 'home is not in English for an en-GB browser');
  await check('home-en');

  // Keyboard: the first Tab lands on a link or control.
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.tagName);
  expect('keyboard', ['A', 'INPUT', 'BUTTON', 'SELECT'].includes(focused), `first Tab focused ${focused}`);

  // Language switch.
  await page.click('a[hreflang="zh"]');
  await page.waitForLoadState('load');
  expect('switch', (await page.getAttribute('html', 'lang')) === 'zh', 'switch did not give Chinese');
  await check('home-zh');

  // Search in Chinese from the home page's form.
  await page.fill('input[name="q"]', '个人信息 保护');
  await page.press('input[name="q"]', 'Enter');
  await page.waitForLoadState('load');
  const zhHits = await page.locator('main li a[href^="/documents/"]').count();
  expect('search-zh', zhHits > 0, 'no results for 个人信息 保护');
  await check('search-zh');

  // Search in English, then open the first result.
  await page.goto(`${base}/search?lang=en&q=${encodeURIComponent('transparency obligations')}`);
  const enHits = await page.locator('main li a[href^="/documents/"]').count();
  expect('search-en', enHits > 0, 'no results for transparency obligations');
  await check('search-en');
  await page.locator('main li a[href^="/documents/"]').first().click();
  await page.waitForLoadState('load');
  expect('document', /\/documents\/[a-z0-9_]+/.test(page.url()), `not a document page: ${page.url()}`);
  expect('document', (await page.locator('h1').count()) === 1, 'document page has no single h1');
  await check('document');

  // Compare two documents.
  await page.goto(`${base}/compare?lang=en&ids=eu_ai_act_2024,cn_genai_interim_measures_2023`);
  expect('compare', (await page.locator('table').count()) > 0, 'compare page has no table');
  await check('compare');

  for (const [step, path] of [
    ['browse', '/documents?lang=en'],
    ['consensus', '/consensus?lang=en'],
    ['best-practices', '/best-practices?lang=zh'],
    ['map', '/map?lang=en'],
    ['profile', '/jurisdictions/CN?lang=zh'],
    ['commitments', '/commitments?lang=zh'],
    ['commitment', '/commitments/seoul-2024-thresholds?lang=en'],
    ['verify-record', '/commitments/seoul-2024-thresholds/verify?lang=en'],
  ]) {
    const r = await page.goto(`${base}${path}`);
    expect(step, r && r.status() === 200, `${path} answered ${r && r.status()}`);
    await check(step);
  }
} catch (e) {
  fail('run', String(e && e.stack || e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 1));
process.exit(failures.length ? 1 : 0);

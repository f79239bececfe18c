// The editor's journey in Debian's headless Chromium: sign in from a document's edit link,
// edit the document's titles, see the change on the page (English and Chinese), change the
// password from the header's link (Chinese), sign out, then sign in again: the old password
// is refused, the new one works.
//
// Usage: node editor.mjs BASE_URL SCREENSHOT_DIR DOC_ID USERNAME PASSWORD
// The pages use no JavaScript: every step is a link or a form submitted by a click, as a user
// would. axe-core checks the sign-in page, the form and the edited document (serious and critical
// violations fail); a screenshot of every step is saved. Prints one JSON report; exits 1 on any
// failure.

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, shots, docId, username, password] = process.argv.slice(2);
if (!base || !shots || !docId || !username || !password) {
  console.error('usage: node editor.mjs BASE_URL SCREENSHOT_DIR DOC_ID USERNAME PASSWORD');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const origin = new URL(base).origin;
const TITLE_EN = 'Title edited in Chromium';
const TITLE_ZH = '在浏览器中编辑的标题';
const NEW_PASSWORD = `${password}-changed`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const failures = [];
const report = { steps: [], failures };
const fail = (step, what) => failures.push({ step, what });
const expect = (step, cond, what) => { if (!cond) fail(step, what); };

try {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1200, height: 1000 }, bypassCSP: true });
  const page = await context.newPage();
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:')) fail('network', `request off the server: ${u}`);
  });
  page.on('pageerror', (e) => fail('script', String(e)));

  // One step: optionally axe, then a screenshot; the header's account slot is recorded.
  const step = async (name, { axe = false } = {}) => {
    let violations = [];
    if (axe) {
      await page.addScriptTag({ content: axeSource });
      violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
          targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
      });
      for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
        fail(name, `axe ${v.impact} ${v.id} on ${v.nodes} node(s): ${v.targets.join(', ')}`);
      }
    }
    const path = join(shots, `editor-${report.steps.length + 1}-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    const account = (await page.locator('#account').innerText()).replace(/\s+/g, ' ').trim();
    report.steps.push({ step: name, url: page.url(), account, screenshot: path, violations });
  };

  // The document, anonymous: the header offers sign-in; the edit link leads to it.
  await page.goto(`${base}/documents/${docId}?lang=en`);
  expect('document', await page.locator('#signin-link').isVisible(), 'no sign-in link for an anonymous visitor');
  await page.click('#edit-link');
  await page.waitForURL(/\/login/);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await step('sign-in', { axe: true });
  await page.click('#signin');

  // Back to the form, signed in: the header names the user.
  await page.waitForURL(new RegExp(`/documents/${docId}/edit`));
  const who = await page.locator('#account .user').innerText();
  expect('form', who === username, `the header names ${JSON.stringify(who)}, not ${username}`);
  await page.fill('#title_en', TITLE_EN);
  await page.fill('#title_zh', TITLE_ZH);
  await step('form', { axe: true });
  await page.click('#save');

  // The saved document shows the new titles, in both languages.
  await page.waitForURL(new RegExp(`/documents/${docId}\\?lang=en$`));
  const h1 = await page.locator('h1').innerText();
  expect('saved', h1 === TITLE_EN, `the page's title is ${JSON.stringify(h1)}`);
  await step('saved', { axe: true });
  await page.goto(`${base}/documents/${docId}?lang=zh`);
  const h1zh = await page.locator('h1').innerText();
  expect('saved-zh', h1zh === TITLE_ZH, `the Chinese page's title is ${JSON.stringify(h1zh)}`);
  expect('saved-zh', (await page.locator('#signout').innerText()) === '退出登录', 'the sign-out button is not in Chinese');
  await step('saved-zh');

  // Change the password from the header's link (still in Chinese): the browser stays signed in.
  await page.click('#password-link');
  await page.waitForURL(/\/account\/password\?lang=zh$/);
  await page.fill('#current-password', password);
  await page.fill('#new-password', NEW_PASSWORD);
  await page.fill('#confirm-password', NEW_PASSWORD);
  await step('password-form', { axe: true });
  await page.click('#change-password');
  await page.waitForURL(/\/account\/password\?lang=zh&changed=1$/);
  const notice = await page.locator('#notice').innerText();
  expect('password-changed', notice.includes('密码已修改'), `the notice says ${JSON.stringify(notice)}`);
  const still = await page.locator('#account .user').innerText();
  expect('password-changed', still === username, `after the change the header names ${JSON.stringify(still)}`);
  await step('password-changed', { axe: true });

  // Sign out from the header: back to anonymous, and the form asks for sign-in again.
  await page.click('#signout');
  await page.waitForURL(/\/\?lang=zh$/);
  expect('signed-out', await page.locator('#signin-link').isVisible(), 'no sign-in link after signing out');
  expect('signed-out', (await page.locator('#signout').count()) === 0, 'still a sign-out button');
  await step('signed-out');
  await page.goto(`${base}/documents/${docId}/edit?lang=en`);
  expect('signed-out', /\/login/.test(page.url()), `the form opened without a session: ${page.url()}`);

  // The old password no longer signs in; the new one does, back to the form.
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#signin');
  await page.waitForLoadState();
  expect('old-password', await page.locator('.error').isVisible(), 'no error for the old password');
  expect('old-password', (await page.locator('#signout').count()) === 0, 'signed in with the old password');
  await step('old-password');
  await page.fill('#username', username);
  await page.fill('#password', NEW_PASSWORD);
  await page.click('#signin');
  await page.waitForURL(new RegExp(`/documents/${docId}/edit`));
  const again = await page.locator('#account .user').innerText();
  expect('new-password', again === username, `signed in again as ${JSON.stringify(again)}`);
  await step('new-password');
} catch (e) {
  fail('run', String(e && e.stack || e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 1));
process.exit(failures.length ? 1 : 0);

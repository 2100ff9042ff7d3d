// The pages of a service generated from templates/service, in Chromium: every
// page its start page leads to (start page, privacy policy, the notices and one
// notice when the sample resource is there) and its 404 page, in Korean and in
// English, with axe-core (0 violations of any impact), at phone width (no
// horizontal scrolling at 390×844), keyboard first (the skip link is the first
// Tab stop and leads into <main>), and no script errors or CSP violations.
//
// `cargo xtask template-check` generates the service, builds it, starts it on a
// free port (after creating a notice through the API) and runs this file with
// EGOV_TEMPLATE_BASE_URL (and EGOV_E2E_BASE_URL, which lib/browser.js reads, set
// to the same service). The civil-petitions run (`cargo xtask e2e`) has no
// generated service: there it is skipped.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectAccessible } from '../lib/axe.js';
import { expectNoHorizontalOverflow, focused, launch, watchProblems } from '../lib/browser.js';

const base = (process.env.EGOV_TEMPLATE_BASE_URL ?? '').replace(/\/$/, '');
const skip = base ? false : 'EGOV_TEMPLATE_BASE_URL is not set: `cargo xtask template-check` runs this file';

/** At most this many pages are visited from the start page (there are five). */
const MAX_PAGES = 12;
/** A path no service has: its 404 page. */
const MISSING = '/no/such/page';

for (const [locale, lang] of [
  ['ko-KR', 'ko'],
  ['en-US', 'en'],
]) {
  describe(`the generated service's pages (${lang})`, { skip, concurrency: 1 }, () => {
    let browser;
    let page;
    let problems;

    before(async () => {
      browser = await launch({ locale });
      page = browser.page;
      problems = watchProblems(page);
    });

    after(async () => {
      await browser?.close();
    });

    /** Checks the page now shown; `label` names it in failures and screenshots. */
    async function checkPage(label) {
      assert.equal(await page.locator('html').getAttribute('lang'), lang, `${label}: <html lang>`);
      await page.keyboard.press('Tab');
      const first = await focused(page);
      assert.equal(first.href, '#main', `${label}: the first Tab stop is ${first.description}`);
      await page.keyboard.press('Enter');
      const target = await page.evaluate(() => document.activeElement?.id ?? '');
      assert.equal(target, 'main', `${label}: the skip link leads into <main>`);
      await expectAccessible(page, `template ${lang} ${label}`);
      await expectNoHorizontalOverflow(page, `template ${lang} ${label}`);
      assert.deepEqual(problems, [], `${label}: script errors or CSP violations`);
    }

    it('every page the start page leads to passes axe-core, phone width and the skip link', async () => {
      const queue = ['/'];
      const seen = new Set(queue);
      const visited = [];
      while (queue.length > 0 && visited.length < MAX_PAGES) {
        const path = queue.shift();
        const response = await page.goto(base + path, { waitUntil: 'load' });
        assert.equal(response.status(), 200, `${path}: status`);
        await checkPage(path);
        visited.push(path);
        // Links within the content (menus are the layout's, checked on every page).
        const links = await page.$$eval('main a[href^="/"]', (anchors) =>
          anchors.map((a) => a.getAttribute('href').split(/[?#]/)[0]),
        );
        for (const link of links) {
          if (!seen.has(link)) {
            seen.add(link);
            queue.push(link);
          }
        }
      }
      assert.ok(visited.includes('/privacy'), `the privacy policy was reached: ${visited.join(', ')}`);
    });

    it('the 404 page passes axe-core, phone width and the skip link', async () => {
      const response = await page.goto(base + MISSING, { waitUntil: 'load' });
      assert.equal(response.status(), 404);
      assert.match(response.headers()['content-type'], /^text\/html/);
      await checkPage('404');
    });
  });
}

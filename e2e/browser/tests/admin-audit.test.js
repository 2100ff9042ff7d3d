// The audit trail's admin screens (egov-audit, feature `pages`) in a real
// browser, as the administrator `admin` of civil-petitions uses them, in Korean
// and in English:
//
//   every state — the search form with results, a search with no results, a
//   refused search, one event, the verification status and a verification's
//   result, a refused export (no reason) and an export, the monthly review and
//   a refused month — passes axe-core with no violation and does not scroll
//   sideways at 390×844; a search is made with the keyboard alone.
//
// Expected texts come from crates/egov-audit/locales. Run it with
// `cargo xtask e2e` (or start civil-petitions --demo yourself and set
// EGOV_E2E_BASE_URL and EGOV_E2E_ADMIN_PASSWORD).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { expectAccessible } from '../lib/axe.js';
import {
  clickAndWait,
  env,
  expectNoHorizontalOverflow,
  focused,
  launch,
  screenshot,
  tabUntil,
  textOf,
  visit,
  watchProblems,
} from '../lib/browser.js';
import { ROOT, parseFtl } from '../lib/messages.js';

/** egov-audit's messages in `locale`. */
const catalogs = Object.fromEntries(
  ['ko', 'en'].map((locale) => [
    locale,
    parseFtl(readFileSync(join(ROOT, 'crates', 'egov-audit', 'locales', locale, 'egov-audit.ftl'), 'utf8')),
  ]),
);

/** Message `id` of egov-audit in `locale`, `{ $name }` replaced from `args`. */
function at(locale, id, args = {}) {
  const text = catalogs[locale].get(id);
  assert.ok(text !== undefined, `no message ${id} in ${locale}`);
  return text.replace(/\{\s*\$([a-z_]+)\s*\}/g, (_, name) => String(args[name]));
}

for (const locale of ['ko', 'en']) {
  describe(`the audit screens in Chromium (${locale})`, { concurrency: 1 }, () => {
    let browser;
    let page;
    let problems;
    let broken = null;

    before(async () => {
      browser = await launch({ locale: locale === 'ko' ? 'ko-KR' : 'en-US' });
      page = browser.page;
      problems = watchProblems(page);
    });

    after(async () => {
      await browser?.close();
    });

    /** One step; after a failed step the later ones are skipped. */
    function step(name, body) {
      it(name, { timeout: 90_000 }, async (context) => {
        if (broken) {
          context.skip(`an earlier step failed: ${broken}`);
          return;
        }
        try {
          await body();
          assert.deepEqual(problems, [], 'the browser reported script errors or CSP violations');
        } catch (error) {
          broken = name;
          const shot = await screenshot(page, `audit-${locale}-FAILED`).catch(() => null);
          if (shot) {
            context.diagnostic(`screenshot of the failure: ${shot}`);
          }
          throw error;
        }
      });
    }

    const h1 = () => textOf(page.locator('main h1'));
    const pathOf = () => new URL(page.url()).pathname;

    /** axe-core and the phone width on the page as it is now. */
    async function check(state) {
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      await expectAccessible(page, `audit ${locale} ${state}`);
      await expectNoHorizontalOverflow(page, `audit ${locale} ${state}`);
    }

    /** The sequence numbers the results table links to. */
    async function listed() {
      const links = page.locator('main table a[href^="/admin/audit/events/"]');
      return (await links.allInnerTexts()).map((text) => Number(text.trim()));
    }

    step('admin logs in and reaches the audit screen from the console', async () => {
      assert.ok(env.adminPassword, "EGOV_E2E_ADMIN_PASSWORD (the first start's one-time password) is not set");
      await visit(page, '/login?next=%2Fadmin');
      await page.locator('#login_id').fill('admin');
      await page.locator('#password').fill(env.adminPassword);
      await clickAndWait(page, page.locator('main button[type=submit]'));
      assert.equal(pathOf(), '/admin', `after the login: ${page.url()}`);
      // The console's index lists the screen with its description.
      const card = page.locator('main .egov-cards li', { hasText: at(locale, 'audit-page-description') });
      await clickAndWait(page, card.getByRole('link', { name: at(locale, 'audit-page-title'), exact: true }));
      assert.equal(pathOf(), '/admin/audit');
      assert.equal(await h1(), at(locale, 'audit-page-title'));
      // The admin's own login is in the trail, so there are results.
      assert.ok((await listed()).length > 0, 'the latest events are listed');
      await check('search form and results');
    });

    step('a search made with the keyboard alone', async () => {
      await visit(page, '/admin/audit');
      // From the top of the page: Tab to the actor field, type, on to the action.
      const actor = await tabUntil(page, (el) => el.id === 'actor', 60);
      assert.ok(actor.focusVisible, `the focused field shows its focus: ${actor.outline}`);
      assert.equal(actor.label, at(locale, 'audit-page-actor'));
      await page.keyboard.type('admin');
      await tabUntil(page, (el) => el.id === 'action', 5);
      await page.keyboard.type('login');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
      const query = new URL(page.url()).searchParams;
      assert.equal(query.get('actor'), 'admin');
      assert.equal(query.get('action'), 'login');
      const seqs = await listed();
      assert.ok(seqs.length >= 1, 'the admin logins are found');
      // Each row names the admin by name, not by account id.
      const actors = await page.locator('main table tbody tr td:nth-child(3)').allInnerTexts();
      assert.ok(actors.every((a) => a.includes('(admin)')), `actors: ${actors}`);
      await check('results');
      // The table's link to an event is reachable by Tab and opens it with Enter.
      const link = await tabUntil(page, (el) => (el.href ?? '').startsWith('/admin/audit/events/'), 40);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
      assert.equal(pathOf(), link.href);
      assert.equal(await h1(), at(locale, 'audit-page-event-title', { seq: link.text }));
      assert.ok((await focused(page)).tag !== 'input', 'a page load starts at the top');
    });

    step('one event: every field, its chain position and hashes', async () => {
      const details = await page.locator('main dl.egov-details').innerText();
      for (const id of ['audit-page-field-position', 'audit-page-field-hash', 'audit-page-field-detail']) {
        assert.ok(details.includes(at(locale, id)), `${id} in ${details}`);
      }
      assert.match(details, /[0-9a-f]{64}/, 'the hash is shown');
      await check('event detail');
    });

    step('no results, and a refused search', async () => {
      await visit(page, '/admin/audit?actor=nobody-at-all');
      assert.equal(await textOf(page.locator('main .egov-notice')), at(locale, 'audit-page-no-results'));
      assert.equal(await page.locator('main table').count(), 0);
      await check('no results');

      const response = await visit(page, '/admin/audit?from=yesterday');
      assert.equal(response?.status(), 422);
      const summary = page.locator('#error-summary');
      assert.ok(await summary.isVisible(), 'the error summary is shown');
      assert.equal((await focused(page)).id, 'error-summary', 'the error summary has the focus');
      assert.equal(await textOf(page.locator('#from-error')), at(locale, 'audit-page-error-time'));
      await check('refused search');
    });

    step('the verification status and "verify now"', async () => {
      await visit(page, '/admin/audit');
      await clickAndWait(page, page.locator('main').getByRole('link', { name: at(locale, 'audit-page-verify-title'), exact: true }));
      assert.equal(pathOf(), '/admin/audit/verify');
      await check('verify status');
      await clickAndWait(page, page.getByRole('button', { name: at(locale, 'audit-page-verify-submit') }));
      const result = page.locator('#verify-result');
      assert.ok(await result.isVisible(), 'the result is shown');
      const text = await textOf(result);
      const intact = at(locale, 'audit-page-verify-ok', { events: '', checkpoints: '', last: '' }).split(':')[0];
      assert.ok(text.includes(intact), `an intact chain: ${text}`);
      await check('verify result');
    });

    step('an export without a reason is refused at the field; with one, the file downloads', async () => {
      await visit(page, '/admin/audit?actor=admin&action=login');
      const reason = page.getByLabel(at(locale, 'audit-page-reason'));
      await reason.fill('   ');
      await clickAndWait(page, page.getByRole('button', { name: at(locale, 'audit-page-export-submit') }));
      assert.equal(pathOf(), '/admin/audit/export');
      assert.equal(await textOf(page.locator('#reason-error')), at(locale, 'audit-page-error-reason'));
      assert.equal((await focused(page)).id, 'error-summary');
      assert.ok((await listed()).length >= 1, 'the search is shown again with its results');
      await check('export error');

      await page.getByLabel(at(locale, 'audit-page-reason')).fill('e2e: 접속기록 점검');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: at(locale, 'audit-page-export-submit') }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^audit-events-.*\.jsonl$/);
      const lines = readFileSync(await download.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(lines.length >= 1 && lines.every((e) => e.action === 'login'), 'the matching events');
    });

    step('the monthly review in the layout, and a refused month', async () => {
      await visit(page, '/admin/audit');
      await clickAndWait(page, page.locator('main').getByRole('link', { name: catalogs[locale].get('audit-report-title'), exact: true }));
      assert.equal(pathOf(), '/admin/audit/review');
      assert.equal(await h1(), catalogs[locale].get('audit-report-title'));
      const main = await textOf(page.locator('main'));
      assert.ok(main.includes(`1. ${catalogs[locale].get('audit-report-actions')}`), main);
      // The export just made is listed with its reason, by the admin's name.
      assert.ok(main.includes('e2e: 접속기록 점검'), main);
      assert.ok(main.includes('(admin)'), 'accounts by name');
      await check('review');

      const response = await visit(page, '/admin/audit/review?month=2026-13');
      assert.equal(response?.status(), 422);
      assert.equal(await textOf(page.locator('#month-error')), at(locale, 'audit-page-error-month'));
      await check('review month error');
    });
  });
}

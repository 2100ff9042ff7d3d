// The admin console's code-table screens (egov-codes, feature `pages`) in Chromium, as
// the administrator `admin` uses them, in Korean and in English: every state of every
// screen passes axe-core with no violation of any impact and does not scroll sideways
// at 390×844 —
//
//   the code groups, a new group's form and its page, the code form (empty, with
//   field errors, stale after another tab saved), the history of a code, the import
//   form, the dry run's diff (and a refused file), and the import applied;
//
// and a code's English name is changed with the keyboard only (Tab and Enter).
//
// It works on groups of its own (unique per run and language), never on the
// service's seeded codes the other tests use. Expected texts come from
// egov-codes' message files. Run it with `cargo xtask e2e` (EGOV_E2E_BASE_URL,
// EGOV_E2E_ADMIN_PASSWORD), or against a civil-petitions server started by hand.

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
import { parseFtl, ROOT } from '../lib/messages.js';

const catalogs = new Map();

/** egov-codes' message `key` in `locale`, with `{ $name }` placeables filled from `args`. */
function m(locale, key, args = {}) {
  if (!catalogs.has(locale)) {
    const file = join(ROOT, 'crates', 'egov-codes', 'locales', locale, 'egov-codes.ftl');
    catalogs.set(locale, parseFtl(readFileSync(file, 'utf8')));
  }
  const text = catalogs.get(locale).get(key);
  assert.ok(text !== undefined, `no message ${key} in ${locale}`);
  return text.replace(/\{ \$([a-z_]+) \}/g, (_, name) => String(args[name]));
}

const RUN = Date.now().toString(36).toUpperCase();

for (const locale of ['ko', 'en']) {
  const browserLocale = locale === 'ko' ? 'ko-KR' : 'en-US';
  const group = `E2E_${RUN}_${locale.toUpperCase()}`;
  const imported = `E2E_IMP_${RUN}_${locale.toUpperCase()}`;

  describe(`code tables admin screens in Chromium (${locale})`, { concurrency: 1 }, () => {
    let browser;
    let page;
    let problems;
    let broken = null;

    before(async () => {
      browser = await launch({ locale: browserLocale });
      page = browser.page;
      problems = watchProblems(page);
    });

    after(async () => {
      await browser?.close();
    });

    /** One step; after a failed step the later ones are skipped. */
    function step(name, body) {
      it(name, { timeout: 120_000 }, async (context) => {
        if (broken) {
          context.skip(`an earlier step failed: ${broken}`);
          return;
        }
        try {
          await body();
          assert.deepEqual(problems, [], 'the browser reported script errors or CSP violations');
        } catch (error) {
          broken = name;
          const shot = await screenshot(page, `codes-${locale}-FAILED`).catch(() => null);
          if (shot) {
            context.diagnostic(`screenshot of the failure: ${shot}`);
          }
          throw error;
        }
      });
    }

    const h1 = () => textOf(page.locator('main h1'));
    const pathOf = () => new URL(page.url()).pathname;

    /** axe-core (0 violations) and no sideways scrolling at 390×844, for this page state. */
    async function check(label) {
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      await expectAccessible(page, `codes ${locale} ${label}`);
      await expectNoHorizontalOverflow(page, `codes ${locale} ${label}`);
    }

    async function submit(form = page.locator('main form[method="post"]').last()) {
      await clickAndWait(page, form.locator('button[type="submit"]'));
    }

    step('admin logs in and sees the code groups', async () => {
      assert.ok(env.adminPassword, "EGOV_E2E_ADMIN_PASSWORD (the first start's one-time password) is not set");
      await visit(page, '/login?next=%2Fadmin%2Fcodes');
      await page.locator('#login_id').fill('admin');
      await page.locator('#password').fill(env.adminPassword);
      await submit(page.locator('main form[action="/login"]'));
      assert.equal(pathOf(), '/admin/codes', `logging in failed: ${await textOf(page.locator('main'))}`);
      assert.equal(await h1(), m(locale, 'codes-page-title'));
      // The groups' table has a caption; the service's seeded groups are listed.
      assert.match(await textOf(page.locator('main caption').first()), new RegExp(m(locale, 'codes-page-groups')));
      assert.equal(await page.locator('main table a[href="/admin/codes/groups/PETITION_TYPE"]').count(), 1);
      await check('groups list');
      // Searching by name in either language.
      await page.locator('#q').fill(locale === 'ko' ? '민원 유형' : 'petition type');
      await submit(page.locator('main form[role="search"]'));
      assert.equal(await page.locator('main table tbody tr').count(), 1);
      await check('groups search');
    });

    step('a new code group, through its form', async () => {
      await visit(page, '/admin/codes/new-group');
      assert.equal(await h1(), m(locale, 'codes-page-group-new-title'));
      await check('group form');
      await page.locator('#id').fill(group);
      await page.locator('#label_ko').fill('브라우저 시험 그룹');
      await page.locator('#label_en').fill('Browser test group');
      await page.locator('#custodian').fill('정보화담당관');
      await submit();
      assert.equal(pathOf(), `/admin/codes/groups/${group}`);
      assert.equal(await textOf(page.getByRole('status')), m(locale, 'codes-page-saved', { name: group }));
      await check('group detail (no codes, saved)');
    });

    step('the code form: empty, with field errors, then saved', async () => {
      await visit(page, `/admin/codes/groups/${group}/new-code`);
      await check('code form');
      await page.locator('#code').fill('C01');
      await page.locator('#sort_order').fill('first');
      await page.locator('#valid_from').fill('2026-03-01');
      await page.locator('#valid_to').fill('2026-02-01');
      await submit();
      // 422: the summary takes the focus and links to each field; the fields say why.
      assert.equal((await focused(page)).id, 'error-summary');
      for (const field of ['label_ko', 'sort_order', 'valid_to']) {
        assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), 'true', field);
        assert.ok(await page.locator(`#${field}-error`).isVisible(), field);
      }
      assert.equal(await page.locator('#sort_order').inputValue(), 'first', 'what was typed stays');
      await check('code form with errors');
      await page.locator('#label_ko').fill('첫째');
      await page.locator('#label_en').fill('First');
      await page.locator('#sort_order').fill('1');
      await page.locator('#valid_to').fill('');
      await submit();
      assert.equal(pathOf(), `/admin/codes/groups/${group}`);
      const row = page.locator('main table tbody tr', { hasText: 'C01' });
      assert.match(await textOf(row), /첫째.*First/);
      await check('group detail with a code');
    });

    step("a code's English name changed with the keyboard only", async () => {
      await visit(page, `/admin/codes/groups/${group}`);
      const link = await tabUntil(page, (el) => (el.href ?? '').endsWith(`/codes/C01/edit`), 80);
      assert.ok(link.focusVisible, `the focus is visible on ${link.description}`);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
      assert.equal(pathOf(), `/admin/codes/groups/${group}/codes/C01/edit`);
      const name = await tabUntil(page, (el) => el.id === 'label_en', 60);
      assert.ok(name.focusVisible, name.description);
      await page.keyboard.press('Control+A');
      await page.keyboard.type('First of all');
      await tabUntil(page, (el) => el.id === 'reason', 20);
      await page.keyboard.type(locale === 'ko' ? '영문 이름 정리' : 'English name');
      const save = await tabUntil(page, (el) => el.tag === 'button' && el.text === m(locale, 'codes-page-save'), 5);
      assert.ok(save.focusVisible, save.description);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
      assert.equal(pathOf(), `/admin/codes/groups/${group}`);
      assert.equal(await textOf(page.getByRole('status')), m(locale, 'codes-page-saved', { name: 'C01' }));
      assert.match(await textOf(page.locator('main table tbody tr', { hasText: 'C01' })), /First of all/);
    });

    step('a stale form: another tab saved first (409)', async () => {
      const edit = `/admin/codes/groups/${group}/codes/C01/edit`;
      await visit(page, edit);
      const other = await browser.context.newPage();
      try {
        await other.goto(env.baseUrl + edit, { waitUntil: 'load' });
        await other.locator('#label_ko').fill('첫 번째');
        await other.locator('#reason').fill('다른 창');
        await Promise.all([
          other.waitForNavigation({ waitUntil: 'load' }),
          other.locator('main form[method="post"] button[type="submit"]').click(),
        ]);
      } finally {
        await other.close();
      }
      await page.locator('#sort_order').fill('5');
      await page.locator('#reason').fill(locale === 'ko' ? '순서 변경' : 'order');
      await submit();
      assert.equal(pathOf(), edit);
      assert.equal(await textOf(page.locator('main .egov-notice-info h2')), m(locale, 'codes-page-conflict-title'));
      assert.equal((await focused(page)).id, 'error-summary');
      assert.equal(await page.locator('#sort_order').inputValue(), '5', 'what was typed stays');
      await check('code form conflict');
    });

    step("the code's history", async () => {
      await visit(page, `/admin/codes/groups/${group}/codes/C01/changes`);
      assert.equal(await page.locator('main section').count(), 3);
      assert.match(await textOf(page.locator('main section').first()), /첫 번째/);
      await check('code history');
      await visit(page, `/admin/codes/groups/${group}/edit`);
      await check('group form (change)');
    });

    step('import: the form, a refused file, the dry run, applied', async () => {
      await visit(page, '/admin/codes/import');
      assert.equal(await h1(), m(locale, 'codes-page-import-title'));
      await check('import form');

      // A file with problems: refused rows with their lines, nothing to apply.
      await page.locator('#format').selectOption('csv');
      await page.locator('#content').fill(
        'kind,category,group,code,active,sort_order,label:ko\r\n' +
          `code,,${imported},01,X,1,하나\r\n`,
      );
      await submit();
      assert.equal(await h1(), m(locale, 'codes-page-preview-title'));
      assert.equal((await focused(page)).id, 'error-summary');
      assert.equal(await page.locator('form[action="/admin/codes/import/apply"]').count(), 0);
      await check('dry run refused');

      // A good file: a new group with two codes, and a changed name in ours.
      const file = [
        '{',
        '"format": "egov-codes/1",',
        '"categories": [],',
        '"groups": [',
        `{"id":"${imported}","labels":{"en":"Imported","ko":"가져온 그룹"}}`,
        '],',
        '"codes": [',
        `{"group":"${group}","code":"C01","labels":{"en":"Number one","ko":"첫 번째"},"sort_order":1},`,
        `{"group":"${imported}","code":"01","labels":{"en":"One","ko":"하나"},"sort_order":1},`,
        `{"group":"${imported}","code":"02","labels":{"en":"Two","ko":"둘"},"sort_order":2}`,
        ']',
        '}',
      ].join('\n');
      await page.locator('#format').selectOption('json');
      await page.locator('#content').fill(file);
      await page.locator('#reason').fill('e2e');
      await submit(page.locator('main form[action="/admin/codes/import/preview"]'));
      assert.equal(await h1(), m(locale, 'codes-page-preview-title'));
      assert.match(await textOf(page.locator('main')), /Number one/);
      await check('dry run diff');
      // Nothing written yet.
      const before = await page.context().request.get(`${env.baseUrl}/codes/${imported}`);
      assert.equal(before.status(), 404);

      await submit(page.locator('main form[action="/admin/codes/import/apply"]'));
      assert.equal(pathOf(), '/admin/codes/import');
      assert.equal(
        await textOf(page.getByRole('status')),
        m(locale, 'codes-page-import-done', { created: 3, updated: 1, unchanged: 0 }),
      );
      await check('import applied');
      const afterwards = await page.context().request.get(`${env.baseUrl}/codes/${imported}`);
      assert.equal(afterwards.status(), 200);
    });
  });
}

// The civil-petitions pages in a real browser (Debian's Chromium driven by
// playwright-core), as a citizen, a petition officer and an auditor use them:
//
//   citizen: log in → a bad resident number shows the error in Korean, in the
//            error summary (which has the focus) and at the field → switch to
//            English: the same error in English → file a valid petition → it is
//            listed with its receipt number (접수번호);
//   staff:   log in → the list and the detail show the resident number masked
//            → the access cookie expires: the next page renews the session
//            → change the status;
//   admin:   the audit review report lists the staff's `view` of the petition
//            under the staff's name, and the audit trail names the data subject
//            and the petition.
//
// Every page state in both languages under axe-core, the keyboard-only form, the
// phone width and the expired session: petitions-pages.test.js.
//
// Every expected text comes from the app's own message files and code seed
// (lib/messages.js). Run it with `cargo xtask e2e`, which builds and starts
// the service and sets EGOV_E2E_BASE_URL, EGOV_E2E_ADMIN_PASSWORD and
// EGOV_E2E_ARTIFACTS (where the screenshots go).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'playwright-core';
import { clickAndWait, env, launch, screenshot, textOf, visit, watchProblems } from '../lib/browser.js';
import { codeLabel, demoAccounts, t } from '../lib/messages.js';

// From examples/civil-petitions/tests and the egov-validation tests: a month
// 13 (layout fine, no such date) and a number whose check digit is right.
const BAD_RESIDENT_NUMBER = '901301-1234567';
const GOOD_RESIDENT_NUMBER = '900101-1234568';
// Shown masked everywhere (README: `900101-1******`): date of birth and the
// first digit after the dash stay, the rest is hidden.
const MASKED_RESIDENT_NUMBER = `${GOOD_RESIDENT_NUMBER.slice(0, 8)}******`;
const HIDDEN_DIGITS = GOOD_RESIDENT_NUMBER.slice(8);

const TYPE = 'GRIEVANCE';
const REGION = '26350';
// Unique per run, so a rerun on an old database could not find an old petition.
const TITLE = `해운대 공사 소음 ${Date.now().toString(36)}`;
const BODY = '밤 10시 이후에도 공사 소음이 계속됩니다.';

const accounts = demoAccounts();

describe('civil-petitions in Chromium', { concurrency: 1 }, () => {
  let browser;
  let page;
  let problems;
  let broken = null;
  const shared = {};

  before(async () => {
    // A Korean user's browser: Accept-Language ko-KR.
    browser = await launch({ locale: 'ko-KR' });
    page = browser.page;
    problems = watchProblems(page);
  });

  after(async () => {
    await browser?.close();
  });

  /** One step of the story; after a failed step the later ones are skipped. */
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
        const shot = await screenshot(page, 'FAILED').catch(() => null);
        if (shot) {
          context.diagnostic(`screenshot of the failure: ${shot}`);
        }
        throw error;
      }
    });
  }

  const lang = () => page.locator('html').getAttribute('lang');
  /** A field by its label, exactly, with or without the required mark (`*`). */
  const field = (locale, id) => {
    const text = t(locale, id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return page.getByLabel(new RegExp(`^${text}\\*?$`));
  };
  const h1 = () => textOf(page.locator('main h1'));
  const pathOf = () => new URL(page.url()).pathname;

  async function logIn(locale, loginId, password) {
    assert.equal(pathOf(), '/login', `expected the login page, got ${page.url()}`);
    assert.equal(await h1(), t(locale, 'egov-page-login'));
    await field(locale, 'egov-page-login-id').fill(loginId);
    await field(locale, 'egov-page-password').fill(password);
    await clickAndWait(page, page.locator('main').getByRole('button', { name: t(locale, 'egov-page-login') }));
    assert.notEqual(pathOf(), '/login', `logging in as ${loginId} failed: ${await textOf(page.locator('main'))}`);
  }

  async function logOut(locale) {
    await clickAndWait(page, page.getByRole('button', { name: t(locale, 'egov-page-logout') }));
    assert.equal(await page.getByRole('button', { name: t(locale, 'egov-page-logout') }).count(), 0);
  }

  async function fillPetition(locale, residentNumber) {
    const label = (id) => field(locale, id);
    await label('field-petition_type').selectOption(TYPE);
    await label('field-region').selectOption(REGION);
    await label('field-title').fill(TITLE);
    await label('field-body').fill(BODY);
    await label('field-resident_number').fill(residentNumber);
    await label('field-phone').fill('051-749-4000');
    await label('field-postal_code').fill('48094');
    await clickAndWait(page, page.getByRole('button', { name: t(locale, 'page-submit') }));
  }

  /** The form re-rendered with the resident-number error, in `locale`. */
  async function assertResidentNumberError(locale) {
    assert.equal(await lang(), locale);
    assert.equal(pathOf(), '/petitions/new');
    assert.ok((await page.title()).startsWith(t(locale, 'egov-page-title-error-prefix')), await page.title());
    const message = t(locale, 'validation-resident_number');

    // The error summary: focused after the reload, its heading, one link to the field.
    const summary = page.locator('#error-summary');
    assert.ok(await summary.isVisible(), 'the error summary is shown');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary', 'the summary has the focus');
    assert.equal(await textOf(summary.getByRole('heading')), t(locale, 'egov-page-error-summary'));
    const link = summary.getByRole('link');
    assert.equal(await link.count(), 1, 'only the resident number is wrong');
    assert.equal(await textOf(link), `${t(locale, 'field-resident_number')}: ${message}`);
    assert.equal(await link.getAttribute('href'), '#resident_number');

    // At the field: the message, tied to the input for screen readers.
    const rrn = field(locale, 'field-resident_number');
    assert.equal(await rrn.getAttribute('aria-invalid'), 'true');
    const describedBy = (await rrn.getAttribute('aria-describedby')) ?? '';
    assert.ok(describedBy.split(' ').includes('resident_number-error'), describedBy);
    const fieldError = page.locator('#resident_number-error');
    assert.ok(await fieldError.isVisible(), 'the message is shown at the field');
    assert.equal(await textOf(fieldError), message);

    // What was typed comes back, except the resident number; its hint says so.
    assert.equal(await field(locale, 'field-title').inputValue(), TITLE);
    assert.equal(await rrn.inputValue(), '');
    assert.ok((await textOf(page.locator('#resident_number-hint'))).includes(t(locale, 'page-resident-number-retype')));
    assert.ok(!(await page.content()).includes(BAD_RESIDENT_NUMBER.slice(0, 6)), 'the typed number is not sent back');

    // Following the summary's link puts the cursor into the field.
    await link.click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'resident_number');
  }

  /** The `<dd>` following the `<dt>` labelled `label` on a detail page. */
  function detail(label) {
    return page.locator('main dl dt', { hasText: label }).locator('xpath=following-sibling::dd[1]');
  }

  step('a citizen is sent to the login page and logs in (Korean)', async () => {
    await visit(page, '/petitions/new');
    assert.equal(await lang(), 'ko', 'Accept-Language: ko-KR gives Korean pages');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/petitions/new');
    await screenshot(page, 'login-ko');
    await logIn('ko', 'citizen', accounts.get('citizen'));
    assert.equal(pathOf(), '/petitions/new');
    assert.equal(await h1(), t('ko', 'page-file-title'));
    // The personal-data notice is on the form.
    assert.equal(await textOf(page.locator('#privacy-notice-title')), t('ko', 'page-notice-title'));
  });

  step('a bad resident number: the Korean error in the summary and at the field', async () => {
    await fillPetition('ko', BAD_RESIDENT_NUMBER);
    await assertResidentNumberError('ko');
    await screenshot(page, 'form-error-ko');
  });

  step('switched to English: the same error in English', async () => {
    await clickAndWait(page, page.locator('a[hreflang="en"]'));
    assert.equal(await lang(), 'en');
    assert.equal(pathOf(), '/petitions/new');
    assert.equal(await h1(), t('en', 'page-file-title'));
    await fillPetition('en', BAD_RESIDENT_NUMBER);
    await assertResidentNumberError('en');
    await screenshot(page, 'form-error-en');
  });

  step('a valid petition is filed and listed under "my petitions"', async () => {
    await fillPetition('en', GOOD_RESIDENT_NUMBER);
    assert.equal(pathOf(), '/petitions/mine', `not filed: ${await textOf(page.locator('main'))}`);
    const typeEn = codeLabel('PETITION_TYPE', TYPE, 'en');
    const row = page.locator('main table tbody tr', { hasText: TITLE });
    assert.equal(await row.count(), 1, 'the new petition is listed once');
    const cells = await row.locator('td').allInnerTexts();
    // Receipt number, title, type, region, status, filed at.
    const receipt = cells[0];
    assert.match(receipt, /^\d{4}-\d{6,}$/, 'a receipt number like 2026-000123');
    shared.receipt = receipt;
    assert.equal(
      await textOf(page.getByRole('status').locator('p').first()),
      t('en', 'petition-filed', { type: typeEn, receipt }),
    );
    assert.equal(cells[1], TITLE);
    assert.equal(cells[2], typeEn);
    assert.equal(cells[4], codeLabel('PETITION_STATUS', 'received', 'en'));
    await screenshot(page, 'filed-en');

    // Back to Korean: the list in Korean.
    await clickAndWait(page, page.locator('a[hreflang="ko"]'));
    assert.equal(await lang(), 'ko');
    assert.equal(await h1(), t('ko', 'page-nav-mine'));
    const korean = await page.locator('main table tbody tr', { hasText: TITLE }).locator('td').allInnerTexts();
    assert.equal(korean[2], codeLabel('PETITION_TYPE', TYPE, 'ko'));
    assert.equal(korean[4], codeLabel('PETITION_STATUS', 'received', 'ko'));
    await logOut('ko');
  });

  step('staff log in and open the petition: the resident number is masked', async () => {
    await visit(page, '/staff/petitions');
    await logIn('ko', 'staff', accounts.get('staff'));
    assert.equal(pathOf(), '/staff/petitions');
    assert.equal(await h1(), t('ko', 'page-nav-staff'));
    const row = page.locator('main table tbody tr', { hasText: TITLE });
    assert.equal(await row.count(), 1);
    assert.ok((await row.locator('td').allInnerTexts()).includes(MASKED_RESIDENT_NUMBER));
    assert.ok(!(await page.content()).includes(HIDDEN_DIGITS), 'the list hides the number');

    await clickAndWait(page, row.getByRole('link', { name: TITLE }));
    const id = /^\/staff\/petitions\/([^/]+)$/.exec(pathOf())?.[1];
    assert.ok(id, `a detail page, got ${page.url()}`);
    shared.petitionId = id;
    assert.equal(await h1(), TITLE);
    assert.equal(await textOf(detail(t('ko', 'field-resident_number'))), MASKED_RESIDENT_NUMBER);
    assert.equal(await textOf(detail(t('ko', 'field-status'))), codeLabel('PETITION_STATUS', 'received', 'ko'));
    assert.equal(await textOf(detail(t('ko', 'field-petition_type'))), codeLabel('PETITION_TYPE', TYPE, 'ko'));
    assert.ok(!(await page.content()).includes(HIDDEN_DIGITS), 'the detail hides the number');
    assert.equal(await textOf(detail(t('ko', 'field-receipt_number'))), shared.receipt);
    await screenshot(page, 'staff-detail');
  });

  step('the staff session outlives its access cookie', async () => {
    // After `auth.access_token_ttl_secs` the browser drops the access cookie;
    // the next page it asks for renews the session from the refresh cookie.
    const names = async () => (await browser.context.cookies()).map((cookie) => cookie.name);
    await browser.context.clearCookies({ name: '__Host-egov-at' });
    assert.ok(!(await names()).includes('__Host-egov-at'));
    const response = await visit(page, `/staff/petitions/${shared.petitionId}`);
    assert.equal(response?.status(), 200);
    assert.equal(pathOf(), `/staff/petitions/${shared.petitionId}`, 'still logged in');
    assert.equal(await h1(), TITLE);
    assert.ok((await names()).includes('__Host-egov-at'), 'a new access cookie');
  });

  step('staff change the status to "in review"', async () => {
    const inReview = codeLabel('PETITION_STATUS', 'in_review', 'ko');
    await field('ko', 'field-new-status').selectOption({ label: inReview });
    await clickAndWait(page, page.getByRole('button', { name: t('ko', 'page-change-status') }));
    assert.equal(pathOf(), `/staff/petitions/${shared.petitionId}`);
    assert.equal(await textOf(page.getByRole('status')), t('ko', 'petition-status-changed'));
    assert.equal(await textOf(detail(t('ko', 'field-status'))), inReview);
    await screenshot(page, 'status-changed');

    // Staff hold no audit:read (nor any other admin permission): no administration
    // menu, and the old report address refuses them.
    assert.equal(await page.getByRole('link', { name: t('ko', 'egov-page-admin'), exact: true }).count(), 0);
    const refused = await visit(page, '/staff/audit-report');
    assert.equal(refused?.status(), 403);
    await visit(page, `/staff/petitions/${shared.petitionId}`);
    await logOut('ko');
  });

  step("the admin's audit report lists the staff's view of the petition", async () => {
    assert.ok(env.adminPassword, 'EGOV_E2E_ADMIN_PASSWORD (the first start\'s one-time password) is not set');
    // The trail itself, over the JSON API: who viewed the petition, whose data.
    const api = await request.newContext({ baseURL: env.baseUrl });
    try {
      const token = async (loginId, password) => {
        const response = await api.post('/auth/login', { data: { login_id: loginId, password } });
        assert.equal(response.status(), 200, `API login of ${loginId}: ${await response.text()}`);
        return response.json();
      };
      const staffId = (await token('staff', accounts.get('staff'))).account_id;
      const admin = (await token('admin', env.adminPassword)).access_token;
      const events = async (query) => {
        const response = await api.get(`/admin/audit/events?${query}`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        assert.equal(response.status(), 200, await response.text());
        return (await response.json()).items;
      };
      const views = (await events(`action=view&actor=${staffId}&size=100`)).filter(
        (e) => e.target_type === 'petition' && e.target_id === shared.petitionId,
      );
      assert.ok(views.length >= 1, 'the staff\'s view of the petition is in the trail');
      for (const view of views) {
        assert.equal(view.principal_kind, 'account');
        assert.equal(view.outcome, 'success');
        assert.equal(view.subjects.length, 1, 'one data subject');
        assert.match(view.subjects[0], /^bi:/, 'named by blind index, never by the number');
      }
      // Searching by the data subject finds the same accesses.
      const bySubject = await events(`subject=${encodeURIComponent(views[0].subjects[0])}&action=view&size=100`);
      assert.deepEqual(
        new Set(bySubject.filter((e) => e.target_id === shared.petitionId).map((e) => e.id)),
        new Set(views.map((e) => e.id)),
      );
      shared.staffId = staffId;
      shared.views = views.length;
    } finally {
      await api.dispose();
    }

    // The report, as the admin reaches it: the old address leads to the admin
    // console's review screen.
    await visit(page, '/staff/audit-report');
    await logIn('ko', 'admin', env.adminPassword);
    assert.equal(pathOf(), '/admin/audit/review');
    // Accounts by name and login id (`demo staff (staff)`), not by their ids.
    const staffName = 'demo staff (staff)';
    // …and actions by their names in the page's language (`view` is 열람).
    const viewed = t('ko', 'audit-page-action-view');
    const row = page.locator('table tr', { has: page.locator('td', { hasText: staffName }) }).filter({
      has: page.locator('td', { hasText: new RegExp(`^${viewed}$`) }),
    });
    assert.equal(await row.count(), 1, `a "${viewed}" row for the staff account ${shared.staffId}`);
    const [account, action, count] = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
    assert.deepEqual([account, action], [staffName, viewed]);
    assert.ok(Number(count) >= shared.views, `${count} views counted, the trail has ${shared.views}`);
    await screenshot(page, 'audit-report');
  });
});

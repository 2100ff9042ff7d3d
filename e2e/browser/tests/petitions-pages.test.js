// Every page state of civil-petitions in a real browser (Debian's Chromium driven by
// playwright-core), in Korean and in English, as #20 asks:
//
// - axe-core finds no violation of any impact (expectAccessible) and nothing scrolls
//   sideways at 390×844 (expectNoHorizontalOverflow) on: the start page, the privacy
//   policy, a missing page (404), a page that needs login (401 → the login page), a
//   failed login, the petition form, the form with errors, the confirmation with the
//   receipt number (my petitions), the citizen's detail with an answer and with a
//   rejection, a staff page opened by a citizen (403), the change-password page the
//   menu links to, the staff list, the staff list with the CSV's missing reason, the
//   staff detail, the staff detail with a status error, the conflict of a stale tab,
//   and the audit review its old address leads to;
// - after every error reload the focus is on the error summary;
// - the petition form by keyboard only: the skip link is the first Tab stop, the form
//   is filled and submitted without the mouse, the focus lands on the error summary,
//   its link leads into the field;
// - forms never lose work: a petition typed after the access cookie expired is filed
//   as typed; one typed after the whole session ended is kept over a new login (the
//   resident number excepted, and the form says so at its field).
//
// Screenshots of every state go to EGOV_E2E_ARTIFACTS (the helpers save them). Every
// expected text comes from the app's message files (lib/messages.js). Run with
// `cargo xtask e2e` (EGOV_E2E_ONLY=petitions-pages to run this file alone).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'playwright-core';
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
import { codeLabel, demoAccounts, t } from '../lib/messages.js';

const accounts = demoAccounts();
const RUN = Date.now().toString(36);
const GOOD_RESIDENT_NUMBER = '900101-1234568';
const BAD_RESIDENT_NUMBER = '901301-1234567';
const LOCALES = { ko: 'ko-KR', en: 'en-US' };

// ----- the JSON API, to prepare petitions in the states the pages show ------------------

async function apiSession(api, loginId, password) {
  const response = await api.post('/auth/login', { data: { login_id: loginId, password } });
  assert.equal(response.status(), 200, `API login of ${loginId}: ${await response.text()}`);
  return (await response.json()).access_token;
}

async function fileOverApi(api, token, title) {
  const response = await api.post('/api/petitions', {
    headers: { authorization: `Bearer ${token}` },
    data: {
      petition_type: 'GENERAL',
      region: '11110',
      title,
      body: `${title}: 종로구 ○○로 12 앞 가로등이 꺼져 있습니다.`,
      resident_number: GOOD_RESIDENT_NUMBER,
      phone: '010-1234-5678',
      postal_code: '03154',
    },
  });
  assert.equal(response.status(), 201, await response.text());
  return response.json();
}

async function moveOverApi(api, token, id, status, reason, version) {
  const response = await api.put(`/api/petitions/${id}/status`, {
    headers: { authorization: `Bearer ${token}` },
    data: { status, reason, version },
  });
  assert.equal(response.status(), 200, await response.text());
  return response.json();
}

/** Petitions for one locale's run: answered, rejected, and two in review. */
async function preparePetitions(locale) {
  const api = await request.newContext({ baseURL: env.baseUrl });
  try {
    const citizen = await apiSession(api, 'citizen', accounts.get('citizen'));
    const staff = await apiSession(api, 'staff', accounts.get('staff'));
    const made = {};
    for (const name of ['answered', 'rejected', 'review', 'conflict']) {
      made[name] = await fileOverApi(api, citizen, `${name} ${locale} ${RUN}`);
      await moveOverApi(api, staff, made[name].id, 'in_review', '', 1);
    }
    await moveOverApi(api, staff, made.answered.id, 'answered', `답변 ${RUN}: 사흘 안에 고치겠습니다.`, 2);
    await moveOverApi(api, staff, made.rejected.id, 'rejected', `반려 ${RUN}: 같은 민원이 이미 처리되었습니다.`, 2);
    return made;
  } finally {
    await api.dispose();
  }
}

// ----- shared steps -----------------------------------------------------------------------

/** axe-core (0 violations) and the phone width (no sideways scrolling) on the page as it is. */
async function check(page, label) {
  await expectAccessible(page, label);
  await expectNoHorizontalOverflow(page, label);
}

const pathOf = (page) => new URL(page.url()).pathname;
const h1 = (page) => textOf(page.locator('main h1'));

/** The focus is on the error summary (it has `autofocus`), as after every error reload. */
async function assertFocusOnErrorSummary(page, label) {
  const element = await focused(page);
  assert.equal(element.id, 'error-summary', `${label}: the focus is on ${element.description}`);
}

/** A field by its label, exactly, with or without the required mark (`*`, hidden from screen readers). */
function field(page, locale, key) {
  const text = t(locale, key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByLabel(new RegExp(`^${text}\\*?$`));
}

async function logIn(page, locale, loginId, password) {
  assert.equal(pathOf(page), '/login', `expected the login page, got ${page.url()}`);
  await field(page, locale, 'egov-page-login-id').fill(loginId);
  await field(page, locale, 'egov-page-password').fill(password);
  await clickAndWait(page, page.locator('main').getByRole('button', { name: t(locale, 'egov-page-login') }));
  assert.notEqual(pathOf(page), '/login', `logging in as ${loginId} failed: ${await textOf(page.locator('main'))}`);
}

async function logOut(page, locale) {
  await clickAndWait(page, page.getByRole('button', { name: t(locale, 'egov-page-logout') }));
}

/** A test whose later steps are skipped after one failed (a story). */
function story() {
  let broken = null;
  return {
    step(name, body, getPage) {
      it(name, { timeout: 120_000 }, async (context) => {
        if (broken) {
          context.skip(`an earlier step failed: ${broken}`);
          return;
        }
        try {
          await body();
        } catch (error) {
          broken = name;
          const shot = await screenshot(getPage(), 'FAILED').catch(() => null);
          if (shot) {
            context.diagnostic(`screenshot of the failure: ${shot}`);
          }
          throw error;
        }
      });
    },
  };
}

// ----- every page state, in each language -------------------------------------------------

for (const [locale, browserLocale] of Object.entries(LOCALES)) {
  describe(`civil-petitions pages in ${locale}: axe-core and 390×844 on every state`, { concurrency: 1 }, () => {
    let browser;
    let page;
    let problems;
    let petitions;
    const { step } = story();
    const s = (name, body) => step(name, body, () => page);
    const label = (name) => `${name} (${locale})`;

    before(async () => {
      petitions = await preparePetitions(locale);
      browser = await launch({ locale: browserLocale });
      page = browser.page;
      problems = watchProblems(page);
    });

    after(async () => {
      assert.deepEqual(problems, [], 'the browser reported script errors or CSP violations');
      await browser?.close();
    });

    s('the start page', async () => {
      await visit(page, '/');
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      assert.equal(await h1(page), t(locale, 'page-index-title'));
      // The footer's privacy-policy link leads to the policy.
      assert.equal(await page.locator('footer a.egov-privacy').getAttribute('href'), '/privacy');
      await check(page, label('start'));
    });

    s('the privacy policy', async () => {
      await clickAndWait(page, page.locator('footer a.egov-privacy'));
      assert.equal(pathOf(page), '/privacy');
      assert.equal(await h1(page), t(locale, 'page-privacy-title'));
      assert.ok((await page.locator('main table caption').count()) >= 1, 'the items are a table with a caption');
      await check(page, label('privacy'));
    });

    s('a missing page: 404', async () => {
      const response = await visit(page, `/no-such-page-${RUN}`);
      assert.equal(response?.status(), 404);
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      await check(page, label('404'));
    });

    s('a page that needs a login: 401 → the login page', async () => {
      await visit(page, '/petitions/new');
      assert.equal(pathOf(page), '/login');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/petitions/new');
      assert.equal(await h1(page), t(locale, 'egov-page-login'));
      await check(page, label('login'));
    });

    s('a failed login: the error summary has the focus', async () => {
      await field(page, locale, 'egov-page-login-id').fill('citizen');
      await field(page, locale, 'egov-page-password').fill(`not the password ${RUN}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
        clickAndWait(page, page.locator('main').getByRole('button', { name: t(locale, 'egov-page-login') })),
      ]);
      assert.equal(response.status(), 422);
      await assertFocusOnErrorSummary(page, 'login error');
      assert.ok((await textOf(page.locator('#error-summary'))).includes(t(locale, 'egov-page-login-failed')));
      assert.ok((await page.title()).startsWith(t(locale, 'egov-page-title-error-prefix')));
      await check(page, label('login error'));
    });

    s('the petition form, with the personal-data notice', async () => {
      await logIn(page, locale, 'citizen', accounts.get('citizen'));
      assert.equal(pathOf(page), '/petitions/new');
      assert.equal(await h1(page), t(locale, 'page-file-title'));
      assert.ok((await textOf(page.locator('main'))).includes(t(locale, 'page-notice-resident')));
      // Required marks, and the notice explaining them.
      assert.equal(await field(page, locale, 'field-title').getAttribute('aria-required'), 'true');
      assert.ok(await page.locator('.egov-required-notice').isVisible());
      await check(page, label('petition form'));
    });

    s('the form with errors: the focus on the summary, the resident number to retype', async () => {
      await field(page, locale, 'field-title').fill(`제목 ${RUN}`);
      await field(page, locale, 'field-resident_number').fill(BAD_RESIDENT_NUMBER);
      await clickAndWait(page, page.getByRole('button', { name: t(locale, 'page-submit') }));
      assert.equal(pathOf(page), '/petitions/new');
      await assertFocusOnErrorSummary(page, 'form with errors');
      const links = await page.locator('#error-summary a').count();
      assert.ok(links >= 5, `type, region, text, resident number, phone, postal code: ${links}`);
      // At the resident number: emptied, and the hint says why.
      const rrn = field(page, locale, 'field-resident_number');
      assert.equal(await rrn.inputValue(), '');
      assert.ok((await textOf(page.locator('#resident_number-hint'))).includes(t(locale, 'page-resident-number-retype')));
      assert.ok(((await rrn.getAttribute('aria-describedby')) ?? '').includes('resident_number-hint'));
      assert.equal(await field(page, locale, 'field-title').inputValue(), `제목 ${RUN}`);
      await check(page, label('form with errors'));
    });

    s('the confirmation: the receipt number, in my petitions', async () => {
      await field(page, locale, 'field-petition_type').selectOption('GRIEVANCE');
      await field(page, locale, 'field-region').selectOption('26350');
      await field(page, locale, 'field-body').fill('밤 10시 이후에도 공사 소음이 계속됩니다.');
      await field(page, locale, 'field-resident_number').fill(GOOD_RESIDENT_NUMBER);
      await field(page, locale, 'field-phone').fill('051-749-4000');
      await field(page, locale, 'field-postal_code').fill('48094');
      await clickAndWait(page, page.getByRole('button', { name: t(locale, 'page-submit') }));
      assert.equal(pathOf(page), '/petitions/mine', `not filed: ${await textOf(page.locator('main'))}`);
      const row = page.locator('main table tbody tr', { hasText: `제목 ${RUN}` }).first();
      const receipt = (await row.locator('td').first().innerText()).trim();
      assert.match(receipt, /^\d{4}-\d{6,}$/);
      assert.equal(
        await textOf(page.getByRole('status').locator('p').first()),
        t(locale, 'petition-filed', { type: codeLabel('PETITION_TYPE', 'GRIEVANCE', locale), receipt }),
      );
      await check(page, label('confirmation'));
    });

    s("the citizen's detail with the answer", async () => {
      await visit(page, `/petitions/mine/${petitions.answered.id}`);
      assert.equal(await h1(page), petitions.answered.title);
      assert.equal(await textOf(page.locator('#reason-title')), t(locale, 'page-answer'));
      assert.ok((await textOf(page.locator('main'))).includes(`답변 ${RUN}`));
      assert.equal(await textOf(page.locator('#petition-status')), codeLabel('PETITION_STATUS', 'answered', locale));
      assert.ok((await textOf(page.locator('main dl'))).includes(petitions.answered.receipt_number));
      await check(page, label('citizen detail with answer'));
    });

    s("the citizen's detail with the rejection", async () => {
      await visit(page, `/petitions/mine/${petitions.rejected.id}`);
      assert.equal(await textOf(page.locator('#reason-title')), t(locale, 'page-rejection-reason'));
      assert.ok((await textOf(page.locator('main'))).includes(`반려 ${RUN}`));
      await check(page, label('citizen detail with rejection'));
    });

    s('a staff page opened by a citizen: 403, as a page', async () => {
      const response = await visit(page, '/staff/petitions');
      assert.equal(response?.status(), 403);
      assert.ok((response?.headers()['content-type'] ?? '').startsWith('text/html'));
      await check(page, label('403'));
      const missing = await visit(page, `/petitions/mine/no-such-${RUN}`);
      assert.equal(missing?.status(), 404);
      // Error pages show no session (kit's rule): back to a page of the service.
      await visit(page, '/petitions/mine');
    });

    s("the menu's change-password page (egov-auth's)", async () => {
      await clickAndWait(page, page.locator('nav.egov-gnb').getByRole('link', { name: t(locale, 'page-nav-password') }));
      assert.equal(pathOf(page), '/auth/change-password');
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      await check(page, label('change password'));
      await visit(page, '/petitions/mine');
      await logOut(page, locale);
    });

    s('the staff list', async () => {
      await visit(page, '/staff/petitions');
      await logIn(page, locale, 'staff', accounts.get('staff'));
      assert.equal(pathOf(page), '/staff/petitions');
      assert.equal(await h1(page), t(locale, 'page-nav-staff'));
      assert.ok((await textOf(page.locator('main table caption'))).length > 0);
      await check(page, label('staff list'));
    });

    s("the staff list with the CSV's missing reason: 422, the error at the field", async () => {
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/staff/petitions/export'),
        clickAndWait(page, page.getByRole('button', { name: t(locale, 'page-export') })),
      ]);
      assert.equal(response.status(), 422);
      await assertFocusOnErrorSummary(page, 'export error');
      assert.equal(await textOf(page.locator('#reason-error')), t(locale, 'petition-export-reason-required'));
      await check(page, label('staff list with export error'));
    });

    s('the staff detail', async () => {
      await visit(page, `/staff/petitions/${petitions.review.id}`);
      assert.equal(await h1(page), petitions.review.title);
      await check(page, label('staff detail'));
    });

    s('the staff detail with a status error: the reason at its field', async () => {
      await field(page, locale, 'field-new-status').selectOption('rejected');
      await clickAndWait(page, page.getByRole('button', { name: t(locale, 'page-change-status') }));
      await assertFocusOnErrorSummary(page, 'status error');
      assert.equal(
        await textOf(page.locator('#reason-error')),
        t(locale, 'petition-reason-required', { status: codeLabel('PETITION_STATUS', 'rejected', locale) }),
      );
      assert.equal(await field(page, locale, 'field-new-status').inputValue(), 'rejected', 'the choice is kept');
      await check(page, label('staff detail with status error'));
    });

    s('a stale tab: the conflict says someone changed the petition', async () => {
      await visit(page, `/staff/petitions/${petitions.conflict.id}`);
      // Meanwhile, in another tab (here: the API), the petition is answered.
      const api = await request.newContext({ baseURL: env.baseUrl });
      try {
        const staff = await apiSession(api, 'staff', accounts.get('staff'));
        await moveOverApi(api, staff, petitions.conflict.id, 'answered', '다른 탭의 답변', 2);
      } finally {
        await api.dispose();
      }
      await field(page, locale, 'field-new-status').selectOption('rejected');
      await field(page, locale, 'field-reason').fill('이 탭의 반려 사유');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        clickAndWait(page, page.getByRole('button', { name: t(locale, 'page-change-status') })),
      ]);
      assert.equal(response.status(), 409);
      await assertFocusOnErrorSummary(page, 'conflict');
      assert.ok(
        (await textOf(page.locator('#error-summary'))).includes(t(locale, 'petition-stale', { version: 3 })),
        await textOf(page.locator('#error-summary')),
      );
      // The latest is shown; what this tab typed is still there.
      assert.equal(await textOf(page.locator('#petition-status')), codeLabel('PETITION_STATUS', 'answered', locale));
      await check(page, label('conflict'));
      await logOut(page, locale);
    });

    s('the old audit report address: the admin console\'s review (admin)', async () => {
      assert.ok(env.adminPassword, 'EGOV_E2E_ADMIN_PASSWORD is not set');
      await visit(page, '/staff/audit-report');
      await logIn(page, locale, 'admin', env.adminPassword);
      assert.equal(pathOf(page), '/admin/audit/review');
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      await check(page, label('audit review'));
      await logOut(page, locale);
    });
  });
}

// ----- keyboard only -------------------------------------------------------------------------

describe('the petition form by keyboard only', { concurrency: 1 }, () => {
  let browser;
  let page;
  let problems;

  before(async () => {
    browser = await launch({ locale: 'ko-KR' });
    page = browser.page;
    problems = watchProblems(page);
    await visit(page, '/login?next=/petitions/new');
    await logIn(page, 'ko', 'citizen', accounts.get('citizen'));
  });

  after(async () => {
    await browser?.close();
  });

  it('skip link first, filled and submitted without the mouse, the focus on the error summary', { timeout: 120_000 }, async () => {
    const title = `키보드로 쓴 민원 ${RUN}`;
    await visit(page, '/petitions/new');
    // The first Tab stop is the skip link, visibly focused; it leads into the content.
    const first = await tabUntil(page, () => true, 1);
    assert.equal(first.href, '#main', `the first Tab stop is ${first.description}`);
    assert.ok(first.focusVisible, 'the skip link shows its focus');
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'main');

    // Into the form: the type and region chosen with the arrow keys, the rest typed.
    const type = await tabUntil(page, (el) => el.id === 'petition_type', 10);
    assert.ok(type.focusVisible && type.outline.startsWith('solid 3px'), `a visible focus ring: ${type.outline}`);
    await page.keyboard.press('ArrowDown');
    await tabUntil(page, (el) => el.id === 'region', 1);
    await page.keyboard.press('ArrowDown');
    await tabUntil(page, (el) => el.id === 'title', 1);
    await page.keyboard.type(title);
    await tabUntil(page, (el) => el.id === 'body', 1);
    await page.keyboard.type('키보드만으로 작성했습니다.\n두 번째 줄입니다.');
    await tabUntil(page, (el) => el.id === 'resident_number', 1);
    await page.keyboard.type(BAD_RESIDENT_NUMBER);
    await tabUntil(page, (el) => el.id === 'phone', 1);
    await page.keyboard.type('010-1234-5678');
    await tabUntil(page, (el) => el.id === 'postal_code', 1);
    await page.keyboard.type('03154');
    await tabUntil(page, (el) => el.tag === 'button' && el.label === t('ko', 'page-submit'), 1);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);

    // After the error reload: the focus is on the summary; its link leads to the field.
    assert.equal(pathOf(page), '/petitions/new');
    await assertFocusOnErrorSummary(page, 'keyboard form error');
    const link = await tabUntil(page, (el) => el.tag === 'a', 1);
    assert.equal(link.href, '#resident_number');
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'resident_number');
    assert.equal(await field(page, 'ko', 'field-title').inputValue(), title);
    await screenshot(page, 'keyboard-form-error');

    await page.keyboard.type(GOOD_RESIDENT_NUMBER);
    await tabUntil(page, (el) => el.tag === 'button' && el.label === t('ko', 'page-submit'), 5);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.equal(pathOf(page), '/petitions/mine', `not filed: ${await textOf(page.locator('main'))}`);
    assert.equal(await page.locator('main table tbody tr', { hasText: title }).count(), 1);
    await screenshot(page, 'keyboard-filed');
    assert.deepEqual(problems, []);
  });
});

// ----- forms never lose work -----------------------------------------------------------------

describe('a petition typed while the session expires', { concurrency: 1 }, () => {
  let browser;
  let page;
  let problems;
  const names = async () => (await browser.context.cookies()).map((cookie) => cookie.name);

  before(async () => {
    browser = await launch({ locale: 'ko-KR' });
    page = browser.page;
    problems = watchProblems(page);
  });

  after(async () => {
    await browser?.close();
  });

  async function fill(title, body, residentNumber) {
    await field(page, 'ko', 'field-petition_type').selectOption('GENERAL');
    await field(page, 'ko', 'field-region').selectOption('11110');
    await field(page, 'ko', 'field-title').fill(title);
    await field(page, 'ko', 'field-body').fill(body);
    await field(page, 'ko', 'field-resident_number').fill(residentNumber);
    await field(page, 'ko', 'field-phone').fill('010-1234-5678');
    await field(page, 'ko', 'field-postal_code').fill('03154');
  }

  it('the access cookie expired: filed as typed', { timeout: 120_000 }, async () => {
    const title = `오래 쓴 민원 ${RUN}`;
    const body = `첫 줄 ${RUN}\n둘째 줄: 10분이 넘게 썼습니다.`;
    await visit(page, '/login?next=/petitions/new');
    await logIn(page, 'ko', 'citizen', accounts.get('citizen'));
    // The access cookie lives 10 minutes; the browser drops it, the refresh cookie stays.
    await browser.context.clearCookies({ name: '__Host-egov-at' });
    assert.ok(!(await names()).includes('__Host-egov-at'));
    assert.ok((await names()).includes('__Host-egov-rt'));
    await fill(title, body, GOOD_RESIDENT_NUMBER);
    await clickAndWait(page, page.getByRole('button', { name: t('ko', 'page-submit') }));
    assert.equal(pathOf(page), '/petitions/mine', `not filed: ${await textOf(page.locator('main'))}`);
    assert.ok((await names()).includes('__Host-egov-at'), 'the session was renewed');
    await clickAndWait(page, page.getByRole('status').getByRole('link'));
    assert.equal(await h1(page), title);
    assert.equal(await page.locator('main p.egov-pre').last().innerText(), body);
    await screenshot(page, 'expired-access-filed');
    assert.deepEqual(problems, []);
  });

  it('the session ended: the typed text is kept over a new login', { timeout: 120_000 }, async () => {
    const title = `세션이 끝난 뒤의 민원 ${RUN}`;
    const body = `로그인이 끝난 뒤에 제출했습니다 ${RUN}.`;
    await visit(page, '/petitions/new');
    assert.equal(pathOf(page), '/petitions/new');
    await browser.context.clearCookies({ name: '__Host-egov-at' });
    await browser.context.clearCookies({ name: '__Host-egov-rt' });
    await fill(title, body, GOOD_RESIDENT_NUMBER);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      clickAndWait(page, page.getByRole('button', { name: t('ko', 'page-submit') })),
    ]);
    assert.equal(response.status(), 401);
    // The kit's page: what was typed kept in the page, the resident number not.
    assert.ok(!(await page.content()).includes(GOOD_RESIDENT_NUMBER.slice(0, 6)), 'no resident number in the page');
    await check(page, 'session ended (ko)');
    await field(page, 'ko', 'egov-page-login-id').fill('citizen');
    await field(page, 'ko', 'egov-page-password').fill(accounts.get('citizen'));
    await clickAndWait(page, page.locator('main').getByRole('button'));
    await check(page, 'session resumed (ko)');
    await clickAndWait(page, page.locator('main form').getByRole('button'));
    // The form again: everything kept but the resident number, which it asks for at its field.
    assert.equal(pathOf(page), '/petitions/new');
    await assertFocusOnErrorSummary(page, 'resumed form');
    assert.equal(await field(page, 'ko', 'field-title').inputValue(), title);
    assert.equal(await field(page, 'ko', 'field-body').inputValue(), body);
    assert.ok((await textOf(page.locator('#resident_number-hint'))).includes(t('ko', 'page-resident-number-retype')));
    await check(page, 'resumed form asks for the resident number (ko)');
    await field(page, 'ko', 'field-resident_number').fill(GOOD_RESIDENT_NUMBER);
    await clickAndWait(page, page.getByRole('button', { name: t('ko', 'page-submit') }));
    assert.equal(pathOf(page), '/petitions/mine', `not filed: ${await textOf(page.locator('main'))}`);
    assert.equal(await page.locator('main table tbody tr', { hasText: title }).count(), 1);
    assert.deepEqual(problems, []);
  });
});

// Debian's Chromium driven by playwright-core (which never downloads a browser),
// in a fresh profile, plus the small helpers the tests share.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './messages.js';

/** What the tests run against, from the environment `cargo xtask e2e` sets. */
export const env = {
  baseUrl: required('EGOV_E2E_BASE_URL').replace(/\/$/, ''),
  adminPassword: process.env.EGOV_E2E_ADMIN_PASSWORD ?? '',
  artifacts: process.env.EGOV_E2E_ARTIFACTS || join(ROOT, 'e2e', 'browser', 'artifacts'),
  chromium: process.env.EGOV_E2E_CHROMIUM || '/usr/bin/chromium',
};

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests with \`cargo xtask e2e\``);
  }
  return value;
}

/** The Chromium flags: no sandbox (root in CI), no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The desktop window the tests use unless they ask for another. */
export const DESKTOP_VIEWPORT = Object.freeze({ width: 1100, height: 900 });
/** A phone (#20: no horizontal scrolling at 390×844). */
export const PHONE_VIEWPORT = Object.freeze({ width: 390, height: 844 });

/**
 * Starts Chromium with a fresh user-data directory and `locale` as its
 * language (so it sends `Accept-Language: <locale>` like a user's browser).
 * Returns `{ context, page, close }`; `close` also removes the profile.
 *
 * `bypassCSP: true` makes Chromium ignore the pages' Content-Security-Policy,
 * and then it reports no violation of it either: watchProblems goes blind to
 * CSP. lib/axe.js does not need it (it injects axe-core through the DevTools
 * protocol, which the policy does not govern); leave it off unless a test
 * must add a script tag to a page, and check CSP in another context then.
 */
export async function launch({ locale, viewport = DESKTOP_VIEWPORT, bypassCSP = false }) {
  const profile = mkdtempSync(join(tmpdir(), 'egov-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    locale,
    viewport: { ...viewport },
    bypassCSP,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Problems the browser itself reports on `page`: script errors and
 * Content-Security-Policy violations (the pages promise no scripts and only
 * their own stylesheet). Chromium reports CSP violations only in a context
 * launched without `bypassCSP`.
 */
export function watchProblems(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`${page.url()}: ${message.text()}`);
    }
  });
  return problems;
}

let shots = 0;

/** Saves a full-page screenshot `NN-name.png` into the artifacts directory; returns its path. */
export async function screenshot(page, name) {
  mkdirSync(env.artifacts, { recursive: true });
  shots += 1;
  const path = join(env.artifacts, `${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Clicks `locator` and waits until the page it leads to (after redirects) has loaded. */
export async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

/** Visits `path` of the service and waits until it has loaded. */
export async function visit(page, path) {
  return page.goto(env.baseUrl + path, { waitUntil: 'load' });
}

/** The visible text of `locator`, whitespace collapsed. */
export async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** `label` as a file-name part (for `screenshot`): letters, digits and dashes. */
export function slug(label) {
  return (
    String(label)
      .normalize('NFKC')
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase() || 'page'
  );
}

/**
 * Fails if the page scrolls sideways on a phone: at a 390×844 viewport,
 * `document.documentElement.scrollWidth` must not exceed `window.innerWidth`.
 * Sets that viewport for the check (a reflow, no reload) and puts the old one
 * back; saves a screenshot `NN-phone-<label>.png`. The failure names the
 * outermost elements that reach past the right edge (their parent does not).
 */
export async function expectNoHorizontalOverflow(page, label) {
  const before = page.viewportSize();
  await page.setViewportSize({ ...PHONE_VIEWPORT });
  try {
    const measured = await page.evaluate(() => {
      const width = window.innerWidth;
      const describe = (el) =>
        el.tagName.toLowerCase() +
        (el.id ? `#${el.id}` : '') +
        [...el.classList].map((c) => `.${c}`).join('');
      const right = (el) => Math.ceil(el.getBoundingClientRect().right);
      // The outermost elements sticking out: past the edge, their parent not.
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => right(el) > width && !(el.parentElement && right(el.parentElement) > width))
        .sort((a, b) => right(b) - right(a))
        .slice(0, 5)
        .map((el) => `${describe(el)} reaches ${right(el)}px`);
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide };
    });
    const shot = await screenshot(page, `phone-${slug(label)}`);
    assert.ok(
      measured.scrollWidth <= measured.innerWidth,
      `"${label}" (${page.url()}) scrolls sideways at ${PHONE_VIEWPORT.width}×${PHONE_VIEWPORT.height}: ` +
        `scrollWidth ${measured.scrollWidth}px > innerWidth ${measured.innerWidth}px; ` +
        `sticking out: ${measured.wide.join(', ') || '(no single element)'}; screenshot: ${shot}`,
    );
  } finally {
    if (before) {
      await page.setViewportSize(before);
    }
  }
}

/**
 * The focused element (`document.activeElement`) as plain data: `tag`, `id`,
 * `name`, `type`, `role` (explicit), `label` (aria-label, aria-labelledby,
 * its `<label>`s, else its text, value or title: roughly what a screen reader
 * announces), `href`, `focusVisible` (matches `:focus-visible`), `outline`
 * (the computed outline), `text` (its text, whitespace collapsed); and
 * `description`, one readable line of it. `tag` is `body` when nothing is
 * focused.
 */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement ?? document.body;
    const clean = (text) => (text ?? '').replace(/\s+/g, ' ').trim();
    const byIds = (ids) =>
      clean(
        ids
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' '),
      );
    const labelledBy = el.getAttribute('aria-labelledby');
    const label =
      clean(el.getAttribute('aria-label')) ||
      (labelledBy ? byIds(labelledBy) : '') ||
      clean([...(el.labels ?? [])].map((l) => l.textContent).join(' ')) ||
      clean(el.innerText) ||
      clean(el.value) ||
      clean(el.getAttribute('title'));
    const style = getComputedStyle(el);
    const info = {
      tag: el.tagName.toLowerCase(),
      id: el.id || null,
      name: el.getAttribute('name'),
      type: el.getAttribute('type'),
      role: el.getAttribute('role'),
      label,
      href: el.getAttribute('href'),
      focusVisible: el.matches(':focus-visible'),
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
      text: clean(el.innerText ?? el.textContent),
    };
    const parts = [info.tag + (info.id ? `#${info.id}` : '') + (info.role ? `[role=${info.role}]` : '')];
    if (info.type) parts.push(`type=${info.type}`);
    if (info.name) parts.push(`name=${info.name}`);
    if (info.href) parts.push(`href=${info.href}`);
    if (info.label) parts.push(JSON.stringify(info.label.slice(0, 80)));
    info.description = parts.join(' ');
    return info;
  });
}

/**
 * Keyboard only: presses Tab until `predicate(focusedElement, tabs)` is true
 * for the element then focused (see `focused`), at most `maxTabs` times.
 * Returns that element's description with `tabs`, the number of presses it
 * took, and `stops`, the description lines of every element passed on the
 * way. Throws with those stops when `maxTabs` presses did not get there.
 */
export async function tabUntil(page, predicate, maxTabs = 30) {
  const stops = [];
  for (let tabs = 1; tabs <= maxTabs; tabs += 1) {
    await page.keyboard.press('Tab');
    const element = await focused(page);
    stops.push(element.description);
    if (await predicate(element, tabs)) {
      return { ...element, tabs, stops };
    }
  }
  throw new Error(
    `${maxTabs} Tab presses on ${page.url()} did not reach the element looked for; the stops were:\n` +
      stops.map((stop, i) => `  ${i + 1}. ${stop}`).join('\n'),
  );
}

// Debian's Chromium driven by playwright-core (which never downloads a browser),
// in a fresh profile, plus the small helpers the tests share.

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

/**
 * Starts Chromium with a fresh user-data directory and `locale` as its
 * language (so it sends `Accept-Language: <locale>` like a user's browser).
 * Returns `{ context, page, close }`; `close` also removes the profile.
 */
export async function launch({ locale }) {
  const profile = mkdtempSync(join(tmpdir(), 'egov-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    locale,
    viewport: { width: 1100, height: 900 },
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
 * their own stylesheet).
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

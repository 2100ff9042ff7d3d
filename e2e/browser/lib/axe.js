// axe-core (pinned in package.json) run inside the page under test.
//
// The pages forbid every script (`Content-Security-Policy: default-src 'none'`),
// yet no bypass is needed: axe's source is evaluated through the DevTools
// protocol (`page.evaluate`), which the page's policy does not govern, and
// axe.run needs no further string evaluation or network access. So the
// browser keeps enforcing the policy, and lib/browser.js's watchProblems
// still reports every violation by the page's own resources (and would
// report axe's, should a later axe need `eval` or a fetch).
//
// Every rule axe enables by default runs (WCAG 2.0/2.1/2.2 A and AA, best
// practices); #20 asks for 0 violations of any impact. Do not turn rules off
// to make a page pass; a rule that must be off needs a comment with the reason.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { screenshot, slug } from './browser.js';

const require = createRequire(import.meta.url);
const axe = require('axe-core');

/** The axe-core version the tests run (package.json pins it). */
export const AXE_VERSION = axe.version;

/** How many elements of one violation the failure message shows. */
const SHOWN_NODES = 3;
/** How long an element's HTML may be in the failure message. */
const SHOWN_HTML = 200;

/**
 * Runs axe-core on the page as it is now (every rule axe enables by default,
 * violations only) and returns axe's `violations` array: `{ id, impact,
 * help, helpUrl, tags, nodes: [{ target, html, failureSummary }] }`.
 */
export async function axeViolations(page) {
  await page.waitForLoadState('load');
  const injected = await page.evaluate(() => typeof window.axe?.run === 'function');
  if (!injected) {
    await page.evaluate(axe.source);
  }
  return page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      helpUrl: violation.helpUrl,
      tags: violation.tags,
      nodes: violation.nodes.map((node) => ({
        target: node.target,
        html: node.html,
        failureSummary: node.failureSummary,
      })),
    }));
  });
}

/**
 * The violations as text, one block per rule: its id, impact and help, how
 * many elements fail, and the first few elements' selectors and HTML.
 */
export function formatViolations(violations) {
  return violations
    .map((violation) => {
      const count = violation.nodes.length;
      const lines = [
        `- ${violation.id} (${violation.impact}): ${violation.help} — ${count} element${count === 1 ? '' : 's'}`,
        `    ${violation.helpUrl}`,
      ];
      for (const node of violation.nodes.slice(0, SHOWN_NODES)) {
        const html = node.html.replace(/\s+/g, ' ');
        const shown = html.length > SHOWN_HTML ? `${html.slice(0, SHOWN_HTML)}…` : html;
        lines.push(`    ${node.target.join(' >>> ')}`, `      ${shown}`);
      }
      if (count > SHOWN_NODES) {
        lines.push(`    … and ${count - SHOWN_NODES} more`);
      }
      return lines.join('\n');
    })
    .join('\n');
}

/**
 * Fails unless axe-core finds no violation of any impact on the page as it is
 * now. Saves a screenshot `NN-axe-<label>.png` into the artifacts directory
 * either way; the failure message names the page (`label`, URL), each
 * violated rule (id, impact, help) and its first elements (selector, HTML).
 */
export async function expectAccessible(page, label) {
  const violations = await axeViolations(page);
  const shot = await screenshot(page, `axe-${slug(label)}`);
  if (violations.length > 0) {
    const elements = violations.reduce((sum, violation) => sum + violation.nodes.length, 0);
    assert.fail(
      `axe-core ${AXE_VERSION}: ${violations.length} rule${violations.length === 1 ? '' : 's'} violated ` +
        `by ${elements} element${elements === 1 ? '' : 's'} on "${label}" (${page.url()}):\n` +
        `${formatViolations(violations)}\nscreenshot: ${shot}`,
    );
  }
}


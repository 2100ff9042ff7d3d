// The shared helpers themselves (lib/axe.js, lib/browser.js), on small pages
// the test makes up and serves through Playwright's routing under the same
// Content-Security-Policy as the service's pages (the service is not asked):
// axe-core runs under that policy without a bypass, finds what it should and
// says so readably; the CSP watcher still sees a page's own violations after
// axe ran; the phone-width and keyboard helpers measure what they claim.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AXE_VERSION, expectAccessible } from '../lib/axe.js';
import { env, expectNoHorizontalOverflow, launch, tabUntil, watchProblems } from '../lib/browser.js';

// civil-petitions' policy: no scripts at all.
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const STYLE = 'body { margin: 0; font: 16px sans-serif } main { padding: 8px }';

function page(title, body, head = '') {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title><link rel="stylesheet" href="/__lib-test/style.css">${head}</head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

const PAGES = {
  good: page('Good', '<form><label for="n">Name</label> <input id="n" name="n"> <button>Send</button></form>'),
  bad: page('Bad', '<img src="/__lib-test/x.png"><input name="q"><button></button>'),
  // A style attribute: the policy allows only the page's own stylesheet.
  'inline-style': page('Inline style', '<p style="color: #333">styled in the attribute</p>'),
  wide: page('Wide', '<table><caption>Wide</caption><tr><td>a</td><td><div class="w">wide</div></td></tr></table>',
    '<link rel="stylesheet" href="/__lib-test/wide.css">'),
};

describe('the shared browser helpers', { concurrency: 1 }, () => {
  let browser;
  let problems;
  const url = (name) => `${env.baseUrl}/__lib-test/${name}`;

  before(async () => {
    browser = await launch({ locale: 'en-US' });
    problems = watchProblems(browser.page);
    await browser.page.route(`${env.baseUrl}/__lib-test/**`, (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop();
      if (name.endsWith('.css')) {
        const css = name === 'wide.css' ? `${STYLE} .w { width: 900px }` : STYLE;
        return route.fulfill({ status: 200, contentType: 'text/css', body: css });
      }
      if (name === 'x.png') {
        return route.fulfill({ status: 404, body: '' });
      }
      return route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        headers: { 'content-security-policy': PAGE_CSP },
        body: PAGES[name],
      });
    });
  });

  after(async () => {
    await browser?.close();
  });

  it('axe-core runs under the pages\' CSP, with no violation reported by the browser', async () => {
    await browser.page.goto(url('good'));
    await expectAccessible(browser.page, 'lib good page');
    assert.deepEqual(problems, [], 'injecting axe-core is no CSP violation');
  });

  it('a violation fails with the rule, its impact and help, and the element', async () => {
    await browser.page.goto(url('bad'));
    const failure = await expectAccessible(browser.page, 'lib bad page').then(
      () => assert.fail('the page without alt text and labels passed'),
      (error) => error,
    );
    const message = failure.message;
    assert.match(message, new RegExp(`^axe-core ${AXE_VERSION.replace(/\./g, '\\.')}: \\d+ rules violated`));
    for (const id of ['image-alt', 'label', 'button-name']) {
      assert.match(message, new RegExp(`- ${id} \\(critical\\): `), message);
    }
    assert.match(message, /<img src="\/__lib-test\/x\.png">/, message);
    assert.match(message, /screenshot: .*axe-lib-bad-page\.png/, message);
    assert.deepEqual(problems, []);
  });

  it('the CSP watcher still reports the page\'s own violations', async () => {
    await browser.page.goto(url('inline-style'));
    await expectAccessible(browser.page, 'lib inline style');
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0], /Content Security Policy/);
    problems.length = 0;
  });

  it('a page wider than a phone fails the overflow check, naming the element', async () => {
    await browser.page.goto(url('good'));
    await expectNoHorizontalOverflow(browser.page, 'lib good page');
    assert.deepEqual(browser.page.viewportSize(), { width: 1100, height: 900 }, 'the viewport is put back');
    await browser.page.goto(url('wide'));
    await assert.rejects(expectNoHorizontalOverflow(browser.page, 'lib wide page'), (error) => {
      assert.match(error.message, /scrollWidth \d+px > innerWidth 390px/);
      assert.match(error.message, /sticking out: table reaches \d+px/);
      return true;
    });
  });

  it('tabUntil walks the Tab order and lists the stops', async () => {
    await browser.page.goto(url('good'));
    const button = await tabUntil(browser.page, (element) => element.tag === 'button', 5);
    assert.equal(button.tabs, 2);
    assert.equal(button.label, 'Send');
    assert.deepEqual(button.stops, ['input#n name=n "Name"', 'button "Send"']);
    assert.ok(button.focusVisible, 'focus from the keyboard is :focus-visible');
    await assert.rejects(tabUntil(browser.page, () => false, 2), /2 Tab presses .* did not reach/);
    assert.deepEqual(problems, []);
  });
});

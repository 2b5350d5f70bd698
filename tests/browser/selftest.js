#!/usr/bin/env node
// Proves that the suite's own checks can fail: each check runs on a small page with one known
// defect (and on a page without it) served from loopback, and must report exactly that.
// Run by run.sh before the suite; needs no Mizan server.
'use strict';

const http = require('http');
const { launch, newContext } = require('./lib/browser');
const checks = require('./lib/checks');

const CSS = `
body { font-family: sans-serif; margin: 0; padding-inline: 16px; color: #0b0c0c; background: #fff; }
a:focus, button:focus, input:focus { outline: 3px solid #fd0; box-shadow: 0 4px #0b0c0c; }
button { min-height: 48px; min-width: 48px; }
.choice { display: flex; align-items: center; min-height: 48px; }
.choice input { width: 44px; height: 44px; margin: 0; }
.choice label { padding-block: 12px; padding-inline: 8px; }
`;

const page = ({ lang = 'ar', dir = 'rtl', title = 'صفحة', head = '', body }) =>
  `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><link rel="stylesheet" href="/s.css">${head}</head><body><main id="main">${body}</main></body></html>`;

const goodForm = `<h1>سؤال</h1><form method="post" novalidate><fieldset><legend>هل تشعر بالأمان؟</legend>
<div class="choice"><input type="radio" id="q" name="q" value="1"><label for="q">نعم</label></div>
<div class="choice"><input type="radio" id="q-2" name="q" value="2"><label for="q-2">لا</label></div></fieldset>
<button type="submit">متابعة</button></form>`;

const errorPage = (focus, described) => `<div class="error-summary" tabindex="-1" ${focus ? 'autofocus' : ''} aria-labelledby="t"><h2 id="t">هناك مشكلة</h2>
<ul><li><a href="#age">أدخل عمرك</a></li></ul></div><h1>العمر</h1><form novalidate><label for="age">كم عمرك؟</label>
<p id="age-error">${described ? 'أدخل عمرك' : 'خطأ'}</p><input id="age" name="age" type="text" inputmode="numeric" aria-describedby="age-error"><button type="submit">متابعة</button></form>`;

const FIXTURES = {
  '/good': page({ body: goodForm }),
  '/wrong-dir': page({ dir: 'ltr', body: goodForm }),
  // ARIA: role="form" is a landmark only with a name, and an author who writes it owes one.
  '/unnamed-landmark': page({ body: `<h1>سؤال</h1><div role="form"><label for="x">الاسم</label><input id="x" type="text" name="x"><button type="submit">متابعة</button></div>` }),
  '/named-landmark': page({ body: `<h1 id="h">سؤال</h1><div role="form" aria-labelledby="h"><label for="x">الاسم</label><input id="x" type="text" name="x"><button type="submit">متابعة</button></div>` }),
  '/unnamed': page({ body: `<h1>سؤال</h1><form><input type="text" name="x"><button type="submit">متابعة</button></form>` }),
  '/contrast': page({ body: `<h1 style="color:#ccc">سؤال</h1>` }),
  '/small': page({ body: `<h1>سؤال</h1><form><button type="submit" style="min-height:20px;height:20px;padding:0">متابعة</button></form>` }),
  '/small-link': page({ body: `<a class="back-link" href="/good">رجوع</a><h1>سؤال</h1>` }),
  '/no-focus-style': page({ head: '<style>button:focus{outline:none;box-shadow:none}</style>', body: `<h1>سؤال</h1><form><button type="submit">متابعة</button></form>` }),
  '/wide': page({ body: `<h1>سؤال</h1><table><tr>${'<td>ميزان_ميزان_ميزان</td>'.repeat(12)}</tr></table>` }),
  '/tight': page({ body: `<h1>سؤال</h1><p style="block-size:1.2em;overflow:hidden;line-height:1.2">ميزان ميزان</p>` }),
  '/heavy': page({ body: `<h1>سؤال</h1><p>${'ميزان '.repeat(6000)}</p>` }),
  '/offsite': page({ head: '<link rel="stylesheet" href="http://fonts.example.net/arabic.css">', body: '<h1>سؤال</h1>' }),
  '/error-good': page({ title: 'خطأ: العمر', body: errorPage(true, true) }),
  '/error-unfocused': page({ title: 'خطأ: العمر', body: errorPage(false, true) }),
  '/error-undescribed': page({ title: 'العمر', body: errorPage(true, false) }),
  '/error-repeated': page({
    title: 'خطأ: العمر',
    body: errorPage(true, true).replace('</ul>', '<li><a href="#age">أدخل عمرك</a></li></ul>'),
  }),
};

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const expect = (problems, shouldFail, what) => {
  const failed = problems.length > 0;
  if (failed !== shouldFail) throw new Error(`${what}: expected ${shouldFail ? 'a problem' : 'no problem'}, got ${JSON.stringify(problems)}`);
};

test('axe passes a clean page and catches low contrast', async (open) => {
  expect(await checks.axe(await open('/good')), false, 'good');
  expect(await checks.axe(await open('/contrast')), true, 'contrast');
});
test('lang/dir: catches ltr on an Arabic page', async (open) => {
  expect(await checks.langDir(await open('/good'), 'ar'), false, 'good');
  expect(await checks.langDir(await open('/wrong-dir'), 'ar'), true, 'wrong dir');
  expect(await checks.langDir(await open('/good'), 'en'), true, 'wrong lang');
});
test('accessible names: catches an unlabelled input', async (open) => {
  expect(await checks.accessibleNames(await open('/good')), false, 'good');
  expect(await checks.accessibleNames(await open('/unnamed')), true, 'unnamed');
});
test('accessible names: a native unnamed form is fine, an explicit role="form" needs a name', async (open) => {
  expect(await checks.accessibleNames(await open('/good')), false, 'good (unnamed <form>)');
  expect(await checks.accessibleNames(await open('/named-landmark')), false, 'named role=form');
  expect(await checks.accessibleNames(await open('/unnamed-landmark')), true, 'unnamed role=form');
});
test('target sizes: catches a 20 px button and a small back link', async (open) => {
  expect(await checks.targetSizes(await open('/good')), false, 'good');
  expect(await checks.targetSizes(await open('/small')), true, 'small');
  expect(await checks.targetSizes(await open('/small-link')), true, 'small-link');
});
test('reflow: catches a page that scrolls sideways at 320 px', async (open) => {
  expect(await checks.reflow(await open('/good')), false, 'good');
  expect(await checks.reflow(await open('/wide')), true, 'wide');
});
test('text spacing: catches text cut off in a fixed-height box', async (open) => {
  expect(await checks.textSpacing(await open('/good')), false, 'good');
  expect(await checks.textSpacing(await open('/tight')), true, 'tight');
});
test('page weight: catches a page over 30 KB', async (open) => {
  const cache = new Map();
  expect((await checks.pageWeight(await open('/good'), cache)).problems, false, 'good');
  expect((await checks.pageWeight(await open('/heavy'), cache)).problems, true, 'heavy');
});
test('focus visible: catches a button without a focus style', async (open) => {
  for (const [url, bad] of [['/good', false], ['/no-focus-style', true]]) {
    const p = await open(url);
    const before = await checks.focusStyleSnapshot(p);
    await p.focus('button');
    await p.keyboard.press('Shift+Tab');
    await p.keyboard.press('Tab');
    expect(await checks.focusVisible(p, before), bad, url);
  }
});
test('error summary: focus, title prefix, described field, link moves focus', async (open) => {
  expect(await checks.errorSummary(await open('/error-good'), 'ar', '.error-summary'), false, 'good');
  expect(await checks.errorSummary(await open('/error-unfocused'), 'ar', '.error-summary'), true, 'unfocused');
  expect(await checks.errorSummary(await open('/error-undescribed'), 'ar', '.error-summary'), true, 'undescribed');
  expect(await checks.errorSummary(await open('/error-repeated'), 'ar', '.error-summary'), true, 'repeated link text');
});
test('loopback guard: catches a stylesheet from another host', async (open, context) => {
  await open('/good');
  expect(context.offLoopback, false, 'good');
  await open('/offsite');
  expect(context.offLoopback, true, 'offsite');
});
test('logical CSS: catches margin-left and direction', async () => {
  expect(checks.logicalCss(CSS, 'ok.css'), false, 'good');
  expect(checks.logicalCss('a { margin-left: 1px } b { direction: rtl }', 'bad.css'), true, 'bad');
});

async function main() {
  const server = http.createServer((req, res) => {
    const url = req.url.split('?')[0];
    if (url === '/s.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      return res.end(CSS);
    }
    const body = FIXTURES[url];
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body || 'not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch();
  let failed = 0;
  try {
    for (const t of tests) {
      const context = await newContext(browser, { viewport: 'kiosk' });
      const page = await context.newPage();
      checks.trackDocuments(page);
      const open = async (p) => {
        await page.goto(base + p, { waitUntil: 'load' });
        return page;
      };
      try {
        await t.fn(open, context);
        console.log(`ok   self-test: ${t.name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL self-test: ${t.name}\n       - ${e.message}`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// The kiosk: a shared touch screen in a service hall, one browser for strangers in turn.
// What is proved here, in the real browser against the real server:
// - enrolment (a one-time code sets the kiosk cookie and leads to the start screen);
// - the idle timeout: the warning opens at N-30 s with focus on "I need more time", that button
//   (and Esc) keeps the person on the page with what they entered, and at N s the screen goes
//   back to the start by itself; without JavaScript the <noscript> refresh does it;
// - the next person on the same browser finds nothing of the previous one, whatever they try:
//   Back, the URLs from history, reload, "Start now", the check-answers URL; the same after
//   "Start again" instead of waiting;
// - someone reading or typing without sending a page keeps their sitting (still-here reports),
//   past the server's own N+5 s drop.
// Each scenario uses its own kiosk (run.sh enrols one per scenario): a kiosk has one sitting,
// so scenarios that share one would clear each other's. They run concurrently with the page
// checks, which use the `pages` kiosk.
'use strict';

const path = require('path');
const { newContext } = require('./browser');
const checks = require('./checks');
const site = require('./site');
const { Nav } = require('./nav');
const { SEL } = site;

const ENROL = {
  pages: process.env.MIZAN_KIOSK_ENROL_PAGES,
  timeout: process.env.MIZAN_KIOSK_ENROL_TIMEOUT,
  reset: process.env.MIZAN_KIOSK_ENROL_RESET,
  noscript: process.env.MIZAN_KIOSK_ENROL_NOSCRIPT,
  reader: process.env.MIZAN_KIOSK_ENROL_READER,
};
// The idle time the scenario kiosks were registered with (run.sh), and the warning's lead.
const IDLE = Number(process.env.MIZAN_KIOSK_IDLE || 60);
const WARN = 30;
const PING_EVERY = 20; // s, the script's most frequent still-here report

const K = {
  body: 'body.kiosk',
  dialog: '#kiosk-idle-warning',
  countdown: '#kiosk-idle-countdown',
  moreTime: '#kiosk-more-time',
  stillHere: 'form#kiosk-still-here',
  reset: 'form.kiosk-reset button.kiosk-reset-button',
};
const TEXT = {
  ar: { notEnrolled: 'هذه الشاشة غير مسجّلة', startAgain: 'ابدأ من جديد', still: 'هل ما زلت هنا؟', more: 'أحتاج إلى مزيد من الوقت', start: 'ابدأ الآن' },
  en: { notEnrolled: 'This screen is not enrolled', startAgain: 'Start again', still: 'Are you still there?', more: 'I need more time', start: 'Start now' },
};

const now = () => Date.now();
const secs = (ms) => (ms / 1000).toFixed(1);

/** Enrol this context as a kiosk with the one-time path: 303 to /kiosk, the start screen. */
async function enrol(page, base, enrolPath) {
  if (!enrolPath) throw new Error('no kiosk enrolment path (MIZAN_KIOSK_ENROL_*; run tests/browser/run.sh)');
  const problems = [];
  const res = await page.goto(new URL(enrolPath, base).href, { waitUntil: 'load' });
  const first = res && res.request().redirectedFrom();
  const firstStatus = first && (await first.response()) ? (await first.response()).status() : res && res.status();
  if (firstStatus !== 303) problems.push(`GET ${enrolPath} answered ${firstStatus}, expected 303`);
  const url = new URL(page.url());
  if (url.pathname !== '/kiosk') problems.push(`enrolment led to ${url.pathname}, not /kiosk`);
  if (res && res.status() !== 200) problems.push(`the start screen after enrolment answered ${res.status()}`);
  if (!(await page.$(K.body))) problems.push('the start screen has no <body class="kiosk">');
  return problems;
}

/**
 * The markup every kiosk page carries (the contract with src/web): body data, the script, the
 * noscript refresh, the reset form, the warning dialog and the still-here form.
 */
async function contract(page, lang, { idle, finished = false } = {}) {
  return page.evaluate(({ K, T, idle, finished }) => {
    const out = [];
    const b = document.body;
    if (!b.classList.contains('kiosk')) return ['<body> has no class "kiosk"'];
    // The thank-you screen returns to the start sooner (45 s), but like every kiosk page with
    // the warning and "I need more time" first (WCAG 2.2.1: no bare timed redirect).
    const n = Number(b.dataset.idleSeconds);
    if (finished && n !== 45) out.push(`the thank-you page has data-idle-seconds="${b.dataset.idleSeconds}", expected 45`);
    if (!finished && !(n >= 60)) out.push(`data-idle-seconds="${b.dataset.idleSeconds}", expected 60 or more`);
    if (idle && n !== idle) out.push(`data-idle-seconds="${n}", expected ${idle}`);
    if (b.dataset.warnSeconds !== '30') out.push(`data-warn-seconds="${b.dataset.warnSeconds}", expected 30`);
    if (b.dataset.timeoutHref !== '/kiosk?timeout=1') out.push(`data-timeout-href="${b.dataset.timeoutHref}"`);
    const script = document.querySelector('head script[src]');
    if (!script || !/^\/static\/kiosk\.[0-9a-f]+\.js$/.test(script.getAttribute('src')) || !script.defer) {
      out.push(`no <script src="/static/kiosk.<hash>.js" defer> in <head> (${script ? script.outerHTML : 'none'})`);
    }
    if (document.querySelector('script:not([src])')) out.push('an inline <script>');
    if (document.querySelector('[style]')) out.push('an inline style attribute');
    if ([...document.querySelectorAll('*')].some((el) => [...el.attributes].some((a) => /^on/i.test(a.name)))) out.push('an inline event handler');
    const ns = [...document.querySelectorAll('head noscript')].map((x) => x.textContent).join(' ');
    if (!new RegExp(`http-equiv="?refresh"?[^>]*content="${n};\\s*url=/kiosk\\?timeout=1"`, 'i').test(ns)) {
      out.push(`no <noscript><meta http-equiv="refresh" content="${n};url=/kiosk?timeout=1"> in <head>`);
    }
    const reset = document.querySelector('header form.kiosk-reset');
    if (!reset || reset.getAttribute('method') !== 'post' || reset.getAttribute('action') !== '/kiosk/reset') out.push('no <form class="kiosk-reset" method="post" action="/kiosk/reset"> in the header');
    else {
      if (!reset.querySelector('input[type=hidden][name=csrf]')) out.push('the reset form has no csrf field');
      const btn = reset.querySelector('button[type=submit].kiosk-reset-button');
      if (!btn || btn.textContent.trim() !== T.startAgain) out.push(`the reset button does not read "${T.startAgain}"`);
    }
    const d = document.querySelector(K.dialog);
    if (!d || d.tagName !== 'DIALOG') out.push(`no <dialog ${K.dialog}>`);
    else {
      if (d.open) out.push('the warning is open before the script opened it');
      const title = document.getElementById(d.getAttribute('aria-labelledby'));
      if (!title || title.textContent.trim() !== T.still) out.push(`the warning is not labelled "${T.still}"`);
      if (!document.getElementById(d.getAttribute('aria-describedby'))) out.push('the warning has no description');
      const c = d.querySelector(K.countdown);
      if (!c) out.push('no countdown in the warning');
      const m = d.querySelector(K.moreTime);
      if (!m || m.type !== 'button' || m.textContent.trim() !== T.more) out.push(`no button "${T.more}" in the warning`);
    }
    const f = document.querySelector(K.stillHere);
    if (!f || f.getAttribute('method') !== 'post' || f.getAttribute('action') !== '/kiosk/still-here' || !f.hidden) out.push('no hidden <form id="kiosk-still-here" method="post" action="/kiosk/still-here">');
    else if (!f.querySelector('input[type=hidden][name=csrf]')) out.push('the still-here form has no csrf field');
    if (document.querySelector('.header a.header-name[href="/"]')) out.push('the header links to the list of surveys (a kiosk has no way out)');
    return out;
  }, { K, T: TEXT[lang], idle, finished });
}

/** Check a kiosk page's markup (contract) and return its problems, prefixed with where. */
async function contractAt(page, lang, where, opts) {
  return (await contract(page, lang, opts)).map((p) => `${where}: ${p}`);
}

// What person A enters: distinctive choices (not the walk's first options) and texts, so that
// finding them later can only mean they came back. Pages are answered in order until `comments`.
const A_CHOICES = { safe_day: '3', safe_night: '2', trust_police: '4', contact: 'no', report_crime: '5', governorate: 'maysan', gender: 'female' };
const A_TEXTS = {
  ar: { comment: 'ملاحظة الشخص الأول: قمر-٤٧١٩ زيتون', neighbourhood: 'حي-الأول-٨٣٥٢', unsent: 'لم-تُرسل-٦٦١٤ نخلة' },
  en: { comment: 'Person A note: tamarind-4719 lantern', neighbourhood: 'Quarter-A-8352', unsent: 'never-sent-6614 palm' },
};

/** Choose `value` in radio group `name` on this page and return what was chosen (with its label). */
async function choose(page, name, value) {
  const sel = `main input[name="${name}"][value="${value}"]`;
  await page.check(sel);
  const label = await page.$eval(sel, (i) => (i.labels[0] ? i.labels[0].textContent.trim() : ''));
  return { name, value, label };
}

/** Answer one group the way the walk does (its first candidate). */
async function answerGroup(page, g, lang) {
  const v = site.plan(g, lang, 0);
  if (g.type === 'radio' || g.type === 'checkbox') await page.check(`#${site.cssId(g.ids[v.index])}`);
  else if (g.type === 'select') await page.selectOption(`#${site.cssId(g.firstId)}`, { index: 1 });
  else await page.fill(`#${site.cssId(g.firstId)}`, v);
}

/**
 * Person A: from the first question page, answers with A_CHOICES and sends each page up to the
 * comments page, types two texts there and sends them, chooses on the next page without sending,
 * goes back with the page's back link and types a third text that is never sent. Returns the
 * trail: URLs visited, choices (sent or not), texts (sent or not).
 */
async function personA(page, lang) {
  const trail = { urls: [page.url()], checked: [], texts: Object.values(A_TEXTS[lang]), problems: [] };
  const T = A_TEXTS[lang];
  for (let i = 0; i < 20; i++) {
    const m = await site.model(page);
    if (m.groups.some((g) => g.name === 'comment')) break;
    if ((await site.state(page)).checkAnswers || !(await site.state(page)).form) throw new Error(`person A did not reach the comments page (at ${page.url()})`);
    for (const g of m.groups) {
      if (A_CHOICES[g.name] && g.values.includes(A_CHOICES[g.name])) trail.checked.push(await choose(page, g.name, A_CHOICES[g.name]));
      else await answerGroup(page, g, lang);
    }
    await site.submit(page);
    if ((await site.state(page)).error) throw new Error(`person A's answers were refused on ${page.url()}`);
    trail.urls.push(page.url());
  }
  await page.fill('main #comment', T.comment);
  await page.fill('main #neighbourhood', T.neighbourhood);
  await site.submit(page);
  trail.urls.push(page.url());
  const m = await site.model(page);
  for (const g of m.groups) if (A_CHOICES[g.name]) trail.checked.push(await choose(page, g.name, A_CHOICES[g.name]));
  // Back to the comments page with the page's own link: the texts sent come back from the
  // server (so finding them later is a real test), then a third text is typed and never sent.
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.back)]);
  trail.urls.push(page.url());
  const kept = await page.$eval('main #comment', (el) => el.value);
  if (kept !== T.comment) trail.problems.push(`person A's own comment did not come back on the comments page ("${kept}")`);
  await page.fill('main #neighbourhood', T.unsent);
  return trail;
}

/**
 * Everything of person A that may not be on the page: a choice of A's checked, a text of A's
 * anywhere in the DOM or in a field's value, or on check answers a row showing one of A's answers.
 */
async function leaks(page, trail) {
  await page.waitForTimeout(300); // let pageshow handlers and late form restoration run
  await page.waitForLoadState('load');
  return page.evaluate(({ checked, texts }) => {
    const out = [];
    for (const c of checked) {
      const el = document.querySelector(`input[name="${CSS.escape(c.name)}"][value="${CSS.escape(c.value)}"]`);
      if (el && el.checked) out.push(`A's choice ${c.name}=${c.value} ("${c.label}") is checked`);
    }
    const html = document.documentElement.outerHTML;
    const values = [...document.querySelectorAll('input, textarea, select')].map((e) => e.value).join('\n');
    const shown = document.body ? document.body.innerText : '';
    for (const t of texts) {
      if (html.includes(t)) out.push(`A's text "${t}" is in the page`);
      else if (values.includes(t)) out.push(`A's text "${t}" is in a field`);
      else if (shown.includes(t)) out.push(`A's text "${t}" is shown`);
    }
    for (const v of document.querySelectorAll('.summary-list .summary-value')) {
      const lines = v.innerText.split('\n').map((s) => s.trim().replace(/^.*:\s*/, '')).filter(Boolean);
      for (const c of checked) if (c.label && lines.includes(c.label)) out.push(`check answers shows A's answer "${c.label}"`);
    }
    return out;
  }, trail);
}

/**
 * Person B on the same browser after A left: Back as far as it goes, each URL of A's again
 * (and reloaded), the start screen's "Start now", the check-answers URL. Nothing of A's may show.
 */
async function personB(page, base, trail, lang) {
  const problems = [];
  const seen = async (how) => {
    for (const p of await leaks(page, trail)) problems.push(`${how} (${new URL(page.url()).pathname}): ${p}`);
  };
  await seen('the screen A left');
  let backs = 0;
  for (let i = 0; i < trail.urls.length + 2; i++) {
    const before = page.url();
    const res = await page.goBack({ waitUntil: 'load' }).catch(() => null);
    if (!res && page.url() === before) break;
    await settle(page);
    backs++;
    await seen(`Back ×${backs}`);
  }
  if (backs === 0) problems.push('Back did nothing: the test of history is void');
  for (const url of [...new Set(trail.urls)]) {
    await page.goto(url, { waitUntil: 'load' });
    await seen(`A's URL again`);
    await page.reload({ waitUntil: 'load' });
    await settle(page);
    await seen(`A's URL reloaded`);
  }
  await page.goto(new URL(`/kiosk?lang=${lang}`, base).href, { waitUntil: 'load' });
  await seen('the start screen');
  if ((await site.state(page)).start) {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.start)]);
    await seen('"Start now"');
  } else problems.push('the start screen has no "Start now"');
  const survey = surveyOf(trail.urls[0]);
  await page.goto(new URL(`/kiosk/s/${survey}/check`, base).href, { waitUntil: 'load' });
  await seen('the check-answers URL');
  await page.reload({ waitUntil: 'load' });
  await seen('the check-answers URL reloaded');
  console.log(`       person B: ${backs} Back steps, ${new Set(trail.urls).size} of A's URLs opened and reloaded, "Start now", check answers; ` +
    `looked for ${trail.checked.length} choices and ${trail.texts.length} texts of A's`);
  return problems;
}

/** A page shown from the back/forward cache is reloaded by the script: wait for that too. */
async function settle(page) {
  await page.waitForTimeout(300);
  await page.waitForLoadState('load');
}

function surveyOf(url) {
  const m = new URL(url).pathname.match(/^\/kiosk\/s\/([^/]+)\//);
  if (!m) throw new Error(`${url} is not a kiosk survey page`);
  return m[1];
}

/** A context for a scenario: real CSP (the script must run under it), kiosk size. */
async function scenarioContext(browser, { javaScript = true } = {}) {
  const context = await newContext(browser, { viewport: 'kiosk', javaScript, bypassCSP: false });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`script error: ${e.message.split('\n')[0]}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) page.problems.push(`console: ${m.text().slice(0, 200)}`);
  });
  // still-here reports: when sent, and the answer (null until it comes).
  page.pings = [];
  const sent = new Map();
  page.on('request', (r) => {
    if (new URL(r.url()).pathname !== '/kiosk/still-here' || r.method() !== 'POST') return;
    const p = { t: now(), status: null };
    page.pings.push(p);
    sent.set(r, p);
  });
  page.on('response', (r) => {
    const p = sent.get(r.request());
    if (p) p.status = r.status();
  });
  return { context, page };
}

async function dialogOpen(page) {
  return page.evaluate((sel) => !!(document.querySelector(sel) || {}).open, K.dialog);
}

/** Wait until the warning is open; returns the time it was seen. */
async function waitWarning(page, timeoutMs) {
  await page.waitForFunction((sel) => !!(document.querySelector(sel) || {}).open, K.dialog, { timeout: timeoutMs, polling: 200 });
  return now();
}

/** The open warning: focus on "I need more time", the countdown between 1 and 30. */
async function warningState(page, lang) {
  return page.evaluate(({ K, T }) => {
    const out = [];
    const d = document.querySelector(K.dialog);
    if (document.activeElement !== document.querySelector(K.moreTime)) out.push(`focus is on ${document.activeElement && document.activeElement.outerHTML.slice(0, 80)}, not on "${T.more}"`);
    const c = d.querySelector(K.countdown);
    const n = Number(c.textContent.replace(/[\u0660-\u0669]/g, (x) => x.charCodeAt(0) - 0x660).trim());
    if (!(n >= 1 && n <= 30)) out.push(`the countdown reads "${c.textContent}"`);
    if (c.closest('[aria-live]:not([aria-live="off"])')) out.push('the countdown is in a live region (a screen reader would read every second)');
    if (!d.matches(':modal')) out.push('the warning is not modal');
    return out;
  }, { K, T: TEXT[lang] });
}

async function values(page, trail) {
  return page.evaluate(({ checked }) => ({
    comment: (document.querySelector('main #comment') || {}).value,
    neighbourhood: (document.querySelector('main #neighbourhood') || {}).value,
    checked: checked.filter((c) => { const el = document.querySelector(`input[name="${CSS.escape(c.name)}"][value="${CSS.escape(c.value)}"]`); return el && el.checked; }).length,
  }), trail);
}

/** Names and 44 px targets with the live warning open (axe runs on it in the page checks:
 *  its injected script is refused by the kiosk's CSP here, as it should be). */
async function checkOpenWarning(page, lang, shot, shots) {
  const problems = [];
  await page.screenshot({ path: path.join(shots, shot) });
  problems.push(...(await checks.langDir(page, lang)));
  problems.push(...(await checks.accessibleNames(page)));
  problems.push(...(await checks.targetSizes(page)));
  return problems;
}

/**
 * Wait for the idle timeout with the warning, "I need more time" once, then the timeout;
 * then person B. Arabic.
 */
async function timeoutScenario(browser, base, shots) {
  const lang = 'ar';
  const { context, page } = await scenarioContext(browser);
  const problems = [];
  try {
    problems.push(...(await enrol(page, base, ENROL.timeout)));
    problems.push(...(await contractAt(page, lang, 'start screen', { idle: IDLE })));
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.start)]);
    problems.push(...(await contractAt(page, lang, 'first question', { idle: IDLE })));
    const trail = await personA(page, lang);
    problems.push(...trail.problems);
    const left = now(); // A's last keystroke: A walks away
    const where = page.url();

    const w1 = await waitWarning(page, (IDLE - WARN + 10) * 1000);
    const lead = (w1 - left) / 1000;
    if (lead < IDLE - WARN - 1.5 || lead > IDLE - WARN + 3) problems.push(`the warning opened ${secs(w1 - left)} s after the last activity, expected about ${IDLE - WARN}`);
    problems.push(...(await warningState(page, lang)).map((p) => `warning: ${p}`));
    await page.waitForTimeout(1500); // the countdown has moved
    problems.push(...(await checkOpenWarning(page, lang, `${lang}-kiosk-kiosk-warning-live.png`, shots)).map((p) => `warning open: ${p}`));

    const pingsBefore = page.pings.length;
    await page.click(K.moreTime);
    const more = now();
    if (await dialogOpen(page)) problems.push('"I need more time" did not close the warning');
    await page.waitForTimeout(1500);
    if (page.url() !== where) problems.push(`after "I need more time" the page is ${page.url()}, not ${where}`);
    const kept = await values(page, trail);
    if (kept.neighbourhood !== A_TEXTS[lang].unsent || kept.comment !== A_TEXTS[lang].comment) problems.push(`after "I need more time" the fields show ${JSON.stringify(kept)}`);
    const ping = page.pings.slice(pingsBefore).find((p) => p.t >= more - 500);
    if (!ping) problems.push('"I need more time" sent no still-here POST');
    else if (ping.status !== 204) problems.push(`still-here answered ${ping.status} while the sitting is alive, expected 204`);

    const w2 = await waitWarning(page, (IDLE - WARN + 10) * 1000);
    if ((w2 - more) / 1000 < IDLE - WARN - 1.5) problems.push(`after "I need more time" the warning came back after ${secs(w2 - more)} s, expected about ${IDLE - WARN}`);
    await page.waitForURL((u) => u.pathname === '/kiosk' && u.searchParams.get('timeout') === '1', { timeout: (WARN + 15) * 1000 });
    const end = now();
    await page.waitForLoadState('load');
    if ((end - w2) / 1000 < 20) problems.push(`the warning was open only ${secs(end - w2)} s before the timeout (at least 20 s wanted)`);
    const idleFor = (end - more) / 1000;
    if (idleFor < IDLE - 1 || idleFor > IDLE + 5) problems.push(`the screen returned to the start ${secs(end - more)} s after the last activity, expected ${IDLE}`);
    const st = await site.state(page);
    if (!st.start) problems.push(`after the timeout the screen is "${st.title}", not the start screen`);
    if (st.lang !== 'ar') problems.push(`after the timeout the start screen is in "${st.lang}", not Arabic (the default)`);
    console.log(`       kiosk timeout: warning ${secs(w1 - left)} s after A left; "more time" at ${secs(more - left)} s; warning again ${secs(w2 - more)} s later; start screen ${secs(end - more)} s after "more time" (warning open ${secs(end - w2)} s)`);
    problems.push(...(await personB(page, base, trail, lang)));
    problems.push(...pingProblems(page.pings));
    problems.push(...page.problems);
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await page.screenshot({ path: path.join(shots, 'ar-kiosk-kiosk-timeout-FAILED.png'), fullPage: true }).catch(() => {});
  }
  for (const url of context.offLoopback) problems.push(`request left loopback: ${url}`);
  await context.close();
  return problems;
}

/** Still-here reports: none sooner than 20 s after the previous one (bar the button's). */
function pingProblems(pings) {
  const out = [];
  for (const p of pings) if (p.status !== null && p.status !== 204 && p.status !== 410) out.push(`still-here answered ${p.status}`);
  return out;
}

/** A leaves with "Start again" (English); the warning is checked and dismissed with Esc first. */
async function resetScenario(browser, base, shots) {
  const lang = 'en';
  const { context, page } = await scenarioContext(browser);
  const problems = [];
  try {
    problems.push(...(await enrol(page, base, ENROL.reset)));
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.langSwitch)]);
    if ((await site.state(page)).lang !== lang) problems.push('the header\'s language switch did not switch the start screen to English');
    problems.push(...(await contractAt(page, lang, 'start screen', { idle: IDLE })));
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.start)]);
    const trail = await personA(page, lang);
    problems.push(...trail.problems);
    const left = now();
    const w = await waitWarning(page, (IDLE - WARN + 10) * 1000);
    if ((w - left) / 1000 < IDLE - WARN - 1.5) problems.push(`the warning opened ${secs(w - left)} s after the last activity, expected about ${IDLE - WARN}`);
    problems.push(...(await warningState(page, lang)).map((p) => `warning: ${p}`));
    await page.waitForTimeout(1500);
    problems.push(...(await checkOpenWarning(page, lang, `${lang}-kiosk-kiosk-warning-live.png`, shots)).map((p) => `warning open: ${p}`));
    const pingsBefore = page.pings.length;
    await page.keyboard.press('Escape');
    const esc = now();
    await page.waitForTimeout(1000);
    if (await dialogOpen(page)) problems.push('Esc did not close the warning');
    const kept = await values(page, trail);
    if (kept.neighbourhood !== A_TEXTS[lang].unsent) problems.push(`after Esc the unsent text is "${kept.neighbourhood}"`);
    if (!page.pings.slice(pingsBefore).some((p) => p.t >= esc - 500 && p.status === 204)) problems.push('Esc (more time) sent no still-here POST answered 204');

    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(K.reset)]);
    const u = new URL(page.url());
    if (u.pathname !== '/kiosk') problems.push(`"Start again" led to ${u.pathname}, not /kiosk`);
    const st = await site.state(page);
    if (!st.start) problems.push(`after "Start again" the screen is "${st.title}", not the start screen`);
    problems.push(...(await personB(page, base, trail, st.lang || lang)));
    problems.push(...pingProblems(page.pings));
    problems.push(...page.problems);
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await page.screenshot({ path: path.join(shots, 'en-kiosk-kiosk-start-again-FAILED.png'), fullPage: true }).catch(() => {});
  }
  for (const url of context.offLoopback) problems.push(`request left loopback: ${url}`);
  await context.close();
  return problems;
}

/**
 * JavaScript off: the <noscript> refresh returns to the start N s after the page loaded, the
 * next person finds nothing; and the thank-you page returns to the start after 45 s.
 */
async function noScriptScenario(browser, base, shots) {
  const lang = 'ar';
  const { context, page } = await scenarioContext(browser, { javaScript: false });
  const problems = [];
  try {
    problems.push(...(await enrol(page, base, ENROL.noscript)));
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.start)]);
    const trail = { urls: [page.url()], checked: [], texts: [], problems: [] };
    trail.checked.push(await choose(page, 'safe_day', A_CHOICES.safe_day), await choose(page, 'safe_night', A_CHOICES.safe_night));
    await site.submit(page);
    trail.urls.push(page.url());
    const loaded = now();
    trail.checked.push(await choose(page, 'trust_police', A_CHOICES.trust_police)); // chosen, never sent
    await page.waitForURL((u) => u.pathname === '/kiosk' && u.searchParams.get('timeout') === '1', { timeout: (IDLE + 15) * 1000 });
    const end = now();
    await page.waitForLoadState('load');
    const after = (end - loaded) / 1000;
    if (after < IDLE - 1 || after > IDLE + 5) problems.push(`without script the screen returned to the start ${secs(end - loaded)} s after the page loaded, expected ${IDLE}`);
    if (!(await site.state(page)).start) problems.push('without script, the refresh did not lead to the start screen');
    console.log(`       kiosk without script: start screen ${secs(end - loaded)} s after the last page loaded`);
    problems.push(...(await personB(page, base, trail, lang)).map((p) => `without script: ${p}`));

    // The thank-you page goes back to the start by itself.
    await page.goto(new URL(`/kiosk?lang=${lang}`, base).href, { waitUntil: 'load' });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.start)]);
    await site.walk(page, lang, (st) => st.checkAnswers);
    await site.submit(page);
    const done = now();
    const doneUrl = page.url();
    if (!/\/kiosk\/s\/[^/]+\/done/.test(new URL(doneUrl).pathname)) problems.push(`submitting led to ${doneUrl}, not the thank-you page`);
    await page.screenshot({ path: path.join(shots, `${lang}-kiosk-kiosk-done-noscript.png`) });
    await page.waitForURL((u) => u.pathname === '/kiosk', { timeout: 60000 });
    const back = (now() - done) / 1000;
    if (back < 44 || back > 50) problems.push(`the thank-you page returned to the start after ${back.toFixed(1)} s, expected 45`);
    problems.push(...page.problems);
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await page.screenshot({ path: path.join(shots, 'ar-kiosk-kiosk-noscript-FAILED.png'), fullPage: true }).catch(() => {});
  }
  for (const url of context.offLoopback) problems.push(`request left loopback: ${url}`);
  await context.close();
  return problems;
}

/**
 * Someone reading and scrolling on one page for longer than the server's drop (N+5 s) without
 * sending it: no warning, the page stays, the still-here reports come at most every 20 s, and
 * the answers sent before are still there afterwards (the server followed).
 */
async function readerScenario(browser, base) {
  const lang = 'en';
  const { context, page } = await scenarioContext(browser);
  const problems = [];
  try {
    problems.push(...(await enrol(page, base, ENROL.reader)));
    await page.goto(new URL('/kiosk?lang=en', base).href, { waitUntil: 'load' });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.start)]);
    const first = page.url();
    await choose(page, 'safe_day', '4');
    await choose(page, 'safe_night', '1');
    await site.submit(page);
    const where = page.url();
    const start = now();
    const readFor = IDLE + 20;
    let sawWarning = false;
    for (let i = 0; now() - start < readFor * 1000; i++) {
      // Reading: a scroll, a key that types nothing, a touch on the page's text.
      if (i % 3 === 0) await page.mouse.wheel(0, i % 2 ? -120 : 120);
      else if (i % 3 === 1) await page.keyboard.press('Shift');
      else await page.click('main h1');
      await page.waitForTimeout(5000);
      if (await dialogOpen(page)) sawWarning = true;
      if (page.url() !== where) break;
    }
    const readSecs = (now() - start) / 1000;
    if (sawWarning) problems.push('the warning opened while someone was reading and scrolling');
    if (page.url() !== where) problems.push(`while someone was reading, the page went to ${page.url()}`);
    const ok = page.pings.filter((p) => p.t >= start);
    if (ok.length < Math.floor(readSecs / PING_EVERY) - 1) problems.push(`${ok.length} still-here reports in ${readSecs.toFixed(0)} s of reading, expected about one every ${PING_EVERY} s`);
    for (let i = 1; i < ok.length; i++) {
      if ((ok[i].t - ok[i - 1].t) / 1000 < PING_EVERY - 1) problems.push(`two still-here reports ${secs(ok[i].t - ok[i - 1].t)} s apart (at most one every ${PING_EVERY} s)`);
    }
    for (const p of ok) if (p.status !== null && p.status !== 204) problems.push(`still-here answered ${p.status} while the person was reading`);
    // The answers sent before reading are still held by the server.
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.back)]);
    if (page.url().split('?')[0] !== first.split('?')[0]) problems.push(`Back led to ${page.url()}, not ${first}`);
    const held = await page.evaluate(() => ['safe_day', 'safe_night'].map((n) => (document.querySelector(`input[name=${n}]:checked`) || {}).value));
    if (held[0] !== '4' || held[1] !== '1') problems.push(`after ${readSecs.toFixed(0)} s of reading, the first page's answers are ${JSON.stringify(held)}, not ["4","1"]: the server dropped the sitting`);
    console.log(`       kiosk reader: ${readSecs.toFixed(0)} s of reading, ${ok.length} still-here reports (${ok.map((p) => secs(p.t - start)).join(', ')} s)`);
    problems.push(...page.problems);
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
  }
  for (const url of context.offLoopback) problems.push(`request left loopback: ${url}`);
  await context.close();
  return problems;
}

const SCENARIOS = [
  { name: 'kiosk-timeout', what: 'kiosk: idle warning, "I need more time", timeout; the next person finds nothing [ar, kiosk]', run: timeoutScenario },
  { name: 'kiosk-start-again', what: 'kiosk: warning and Esc, "Start again"; the next person finds nothing [en, kiosk]', run: resetScenario },
  { name: 'kiosk-no-script', what: 'kiosk: without JavaScript the screen returns to the start; the next person finds nothing; thank-you returns [ar, kiosk, JavaScript off]', run: noScriptScenario },
  { name: 'kiosk-reader', what: 'kiosk: reading past the server\'s timeout keeps the sitting (still-here) [en, kiosk]', run: readerScenario },
];

/**
 * The `pages` kiosk for the page checks: enrolled once; its cookies are given to each check's
 * fresh context and taken back afterwards (the server may rotate them). Also proves the code
 * works only once.
 */
class KioskScreen {
  constructor(browser, base) {
    this.browser = browser;
    this.base = base;
    this.cookies = null;
  }

  async enrol() {
    const context = await newContext(this.browser, { viewport: 'kiosk' });
    const problems = [];
    try {
      const page = await context.newPage();
      problems.push(...(await enrol(page, this.base, ENROL.pages)));
      this.cookies = await context.cookies();
      // The code works once: a second screen with the same path is not enrolled.
      const other = await newContext(this.browser, { viewport: 'kiosk' });
      try {
        const p2 = await other.newPage();
        const res = await p2.goto(new URL(ENROL.pages, this.base).href, { waitUntil: 'load' });
        const st = await site.state(p2);
        if (res.status() === 200 && st.start) problems.push('the enrolment code worked a second time (another screen got the start screen)');
        const k = await p2.goto(new URL('/kiosk', this.base).href, { waitUntil: 'load' });
        if (k.status() !== 403) problems.push(`after a second use of the code, /kiosk on that screen answered ${k.status()}, not 403`);
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
    }
    return problems;
  }

  async lend(context) {
    if (this.cookies) await context.addCookies(this.cookies);
  }

  async takeBack(context) {
    const c = await context.cookies();
    if (c.length) this.cookies = c;
  }
}

/**
 * Nav for kiosk pages: the start screen is /kiosk (which clears everything); from there the
 * inherited walks (question, checkAnswers, confirmation, errorState) work unchanged.
 */
class KioskNav extends Nav {
  async start(lang = this.lang) {
    await this.visit('/kiosk', lang);
    if (!(await site.state(this.page)).start) throw new Error(`no "Start now" on ${this.page.url()}`);
  }

  async home(lang = this.lang) {
    await this.start(lang);
  }

  /**
   * The start screen, with the keyboard: Tab reaches "start again", the language switch and
   * "Start now", each with a visible focus indicator. Focus is left on the page's body.
   */
  async kioskStartFocus() {
    await this.start();
    const problems = [];
    const unfocused = await checks.focusStyleSnapshot(this.page);
    const want = { reset: 'form.kiosk-reset button', lang: SEL.langSwitch, start: SEL.start };
    const reached = new Set();
    for (let i = 0; i < 8 && reached.size < 3; i++) {
      await this.page.keyboard.press('Tab');
      const hit = await this.page.evaluate((want) => Object.keys(want).find((k) => document.activeElement.matches(want[k])), want);
      if (!hit) continue;
      reached.add(hit);
      problems.push(...(await checks.focusVisible(this.page, unfocused)));
    }
    for (const k of Object.keys(want)) if (!reached.has(k)) problems.push(`Tab did not reach ${want[k]} on the start screen`);
    await this.page.evaluate(() => document.activeElement && document.activeElement.blur());
    return problems;
  }

  /** The thank-you page: back to the start after 45 s with the warning first; no bare refresh. */
  async kioskDone() {
    await this.confirmation();
    const problems = [];
    const refresh = await this.page.$$eval('head meta[http-equiv=refresh i]', (ms) => ms.filter((m) => !m.closest('noscript')).map((m) => m.getAttribute('content')));
    if (refresh.length) problems.push(`the thank-you page has a timed refresh outside <noscript> (${JSON.stringify(refresh)}): WCAG 2.2.1`);
    if (!/\/kiosk\/s\/[^/]+\/done/.test(new URL(this.page.url()).pathname)) problems.push(`the thank-you page is at ${this.page.url()}`);
    return problems;
  }

  /** A question page with the warning opened by hand (as the script opens it). */
  async kioskWarning() {
    await this.question('likert');
    await this.page.evaluate(() => {
      document.querySelector('#kiosk-idle-warning').showModal();
      document.querySelector('#kiosk-more-time').focus();
    });
    return checks.focusVisible(this.page, null);
  }

  /** A screen that is not enrolled (this context has no kiosk cookie). */
  async kioskNotEnrolled() {
    await this.visit('/kiosk');
    const text = await this.page.evaluate(() => document.body.innerText);
    return text.includes(TEXT[this.lang].notEnrolled) ? [] : [`the page does not say "${TEXT[this.lang].notEnrolled}"`];
  }
}

module.exports = { SCENARIOS, KioskScreen, KioskNav, ENROL, IDLE, leaks, contract, personA, personB, TEXT, K };

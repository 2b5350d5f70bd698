// The checks run on every page state. Each returns a list of problems (strings); empty = pass.
// axe covers what it can; the rest (language and direction, accessible names from Chromium's
// own accessibility tree, target sizes, page weight, focus indicators, the error summary) is
// asserted here because axe cannot.
'use strict';

const axeSource = require('axe-core').source;

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WEIGHT_BUDGET = 30 * 1024; // bytes of HTML + CSS, uncompressed
// Named budgets for pages that legitimately carry more (see docs/accessibility-testing.md).
// Results: the headline charts with their tables plus every estimate of the survey (folded),
// for analysts on office connections, not citizens on cheap phones.
const WEIGHT_BUDGETS = { results: 100 * 1024 };
// Links that act as controls (tapped, not read in a sentence): they get the kiosk target too.
const CONTROL_LINKS = 'a.back-link, .summary-actions a, .header a, .survey-list a';
const KIOSK_TARGET = 44; // px, the kiosk target size (WCAG 2.5.5 level, aimed for on kiosks)
const ERROR_PREFIX = { ar: 'خطأ: ', en: 'Error: ' };

/** axe-core with the WCAG 2.0/2.1/2.2 A and AA rules. */
async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    WCAG_TAGS,
  );
  return result.violations.map(
    (v) =>
      `axe ${v.id} (${v.impact}): ${v.help} — ` +
      v.nodes
        .slice(0, 4)
        .map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ').slice(0, 160)}]` : ''}`)
        .join('; '),
  );
}

/** `<html lang dir>` as the language requires, and no CSS `direction` overriding it. */
async function langDir(page, lang) {
  const want = { ar: 'rtl', en: 'ltr' }[lang];
  const got = await page.evaluate(() => ({
    lang: document.documentElement.getAttribute('lang'),
    dir: document.documentElement.getAttribute('dir'),
    computed: getComputedStyle(document.body).direction,
  }));
  const problems = [];
  if (got.lang !== lang) problems.push(`<html lang="${got.lang}">, expected "${lang}"`);
  if (got.dir !== want) problems.push(`<html dir="${got.dir}">, expected "${want}"`);
  if (got.computed !== want) problems.push(`body's computed direction is ${got.computed}, expected ${want}`);
  return problems;
}

// Roles whose name ARIA 1.2 requires ("name required"), as they appear on Mizan's pages.
const NAMED_ROLES = new Set([
  'textbox', 'searchbox', 'combobox', 'spinbutton', 'checkbox', 'radio', 'button', 'link',
  'slider', 'listbox', 'switch', 'menuitem', 'group', 'radiogroup',
]);
// Landmarks that exist only when named. HTML-AAM maps a native <form> (or <section>) without a
// name to role generic, so it needs none; browsers differ in what they expose for it (Chromium
// 156 reports role form, earlier ones generic), so the rule is applied to what the author wrote
// (see unnamedExplicitLandmarks): an explicit role="form" or role="region" must carry a name.
const LANDMARKS_NAMED_WHEN_EXPLICIT = new Set(['form', 'region']);

/**
 * Every control (and every fieldset group) has a non-empty accessible name, as Chromium
 * computes it for screen readers (CDP accessibility tree).
 */
async function accessibleNames(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const problems = [];
    for (const n of nodes) {
      if (n.ignored) continue;
      const role = n.role && n.role.value;
      if (!NAMED_ROLES.has(role)) continue;
      const name = ((n.name && n.name.value) || '').trim();
      if (!name) {
        const tag = await describeBackendNode(cdp, n.backendDOMNodeId);
        problems.push(`${role} without an accessible name: ${tag}`);
      }
    }
    problems.push(...(await unnamedExplicitLandmarks(page)));
    return problems;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/**
 * Elements the author gave role="form" or role="region" without a name. Browsers expose such
 * an element as a generic (so the accessibility tree shows nothing to name); the author's
 * markup is the defect, so it is read from the DOM: these roles take their name from the author
 * only (aria-labelledby, aria-label, title).
 */
async function unnamedExplicitLandmarks(page) {
  return page.evaluate((roles) => {
    const out = [];
    for (const el of document.querySelectorAll('[role]')) {
      const role = el.getAttribute('role').trim().split(/\s+/)[0];
      if (!roles.includes(role)) continue;
      const byIds = (el.getAttribute('aria-labelledby') || '')
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => (document.getElementById(id) || {}).textContent || '')
        .join(' ');
      const name = (byIds || el.getAttribute('aria-label') || el.getAttribute('title') || '').trim();
      if (!name) out.push(`${role} without an accessible name: ${el.outerHTML.replace(/\s+/g, ' ').slice(0, 160)}`);
    }
    return out;
  }, [...LANDMARKS_NAMED_WHEN_EXPLICIT]);
}

async function describeBackendNode(cdp, backendNodeId) {
  if (!backendNodeId) return '(no DOM node)';
  try {
    const { outerHTML } = await cdp.send('DOM.getOuterHTML', { backendNodeId });
    return outerHTML.replace(/\s+/g, ' ').slice(0, 160);
  } catch {
    return `(node ${backendNodeId})`;
  }
}

/**
 * Clickable areas at kiosk size: each radio and checkbox together with its label, each
 * button, and each link used as a control rather than read in a sentence (back, change,
 * header, list of surveys), at least 44×44 CSS px.
 */
async function targetSizes(page, min = KIOSK_TARGET) {
  const found = await page.evaluate((CONTROL_LINKS) => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { l: r.left, t: r.top, r: r.right, b: r.bottom };
    };
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
    };
    const out = [];
    for (const input of document.querySelectorAll('input[type=radio], input[type=checkbox]')) {
      const parts = [input, ...input.labels].filter((el) => visible(el) || el === input).map(box);
      // The clickable area: the input and its labels where they touch or overlap.
      let area = parts[0];
      let grown = true;
      const touches = (a, b) => a.l <= b.r + 1 && b.l <= a.r + 1 && a.t <= b.b + 1 && b.t <= a.b + 1;
      const used = new Set([0]);
      while (grown) {
        grown = false;
        parts.forEach((p, i) => {
          if (!used.has(i) && touches(area, p)) {
            area = { l: Math.min(area.l, p.l), t: Math.min(area.t, p.t), r: Math.max(area.r, p.r), b: Math.max(area.b, p.b) };
            used.add(i);
            grown = true;
          }
        });
      }
      const best = parts.reduce(
        (acc, p) => ({ w: Math.max(acc.w, p.r - p.l), h: Math.max(acc.h, p.b - p.t) }),
        { w: area.r - area.l, h: area.b - area.t },
      );
      const label = input.labels[0] ? input.labels[0].textContent.trim().slice(0, 40) : '';
      out.push({ what: `${input.type} "${label}" (#${input.id})`, w: best.w, h: best.h });
    }
    for (const b of document.querySelectorAll('button, input[type=submit], input[type=button], a[role=button], a.button, a[class*=button]')) {
      if (!visible(b)) continue;
      const r = b.getBoundingClientRect();
      out.push({ what: `button "${(b.textContent || b.value || '').trim().slice(0, 40)}"`, w: r.width, h: r.height });
    }
    for (const a of document.querySelectorAll(CONTROL_LINKS)) {
      if (!visible(a)) continue;
      const r = a.getBoundingClientRect();
      out.push({ what: `link "${a.textContent.trim().slice(0, 40)}"`, w: r.width, h: r.height });
    }
    return out;
  }, CONTROL_LINKS);
  return found
    .filter((t) => t.w < min - 0.5 || t.h < min - 0.5)
    .map((t) => `${t.what} is ${t.w.toFixed(1)}×${t.h.toFixed(1)} px, below ${min}×${min}`);
}

/**
 * Reflow (WCAG 1.4.10): at 320 CSS px wide — a phone, or a desktop at 400% zoom — the page
 * scrolls in one direction only. The viewport is restored afterwards.
 */
async function reflow(page, width = 320) {
  const before = page.viewportSize();
  await page.setViewportSize({ width, height: before.height });
  const over = await page.evaluate(() => {
    const doc = document.documentElement;
    const wide = [...document.querySelectorAll('main *')]
      .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1 || el.getBoundingClientRect().left < -1)
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''}`);
    return { scroll: doc.scrollWidth, client: doc.clientWidth, wide };
  });
  await page.setViewportSize(before);
  return over.scroll > over.client + 1
    ? [`at ${width} px wide the page scrolls sideways (${over.scroll} px of content; e.g. ${over.wide.join(', ')})`]
    : [];
}

/**
 * Text spacing (WCAG 1.4.12): with line height 1.5, paragraph spacing 2, letter spacing 0.12
 * and word spacing 0.16 (in em), no text is cut off and the page does not scroll sideways.
 * The override is removed afterwards.
 */
async function textSpacing(page) {
  const found = await page.evaluate(() => {
    const style = document.createElement('style');
    style.textContent =
      '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }' +
      ' p { margin-block-end: 2em !important; }';
    document.head.appendChild(style);
    const doc = document.documentElement;
    const clipped = [];
    for (const el of document.querySelectorAll('body *')) {
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) continue; // visually hidden text
      if (!/(hidden|clip)/.test(s.overflowX + s.overflowY)) continue;
      if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) {
        clipped.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''}`);
      }
    }
    const sideways = doc.scrollWidth > doc.clientWidth + 1;
    style.remove();
    return { clipped: clipped.slice(0, 4), sideways, width: doc.scrollWidth };
  });
  const problems = [];
  if (found.clipped.length) problems.push(`with WCAG text spacing, text is cut off in ${found.clipped.join(', ')}`);
  if (found.sideways) problems.push(`with WCAG text spacing, the page scrolls sideways (${found.width} px)`);
  return problems;
}

/**
 * Bytes of the page's HTML (the document as served) plus its stylesheets (uncompressed).
 * `docBytes` comes from the page's last document response (see trackDocuments).
 */
async function pageWeight(page, cssCache, budgetName) {
  const budget = budgetName ? WEIGHT_BUDGETS[budgetName] : WEIGHT_BUDGET;
  if (!budget) throw new Error(`unknown weight budget ${budgetName}`);
  const html = await page.lastDocumentBytes;
  const hrefs = await page.evaluate(() => [...document.querySelectorAll('link[rel~=stylesheet]')].map((l) => l.href));
  let css = 0;
  for (const href of hrefs) {
    if (!cssCache.has(href)) {
      const res = await page.context().request.get(href);
      cssCache.set(href, { bytes: (await res.body()).length, text: await res.text(), status: res.status() });
    }
    css += cssCache.get(href).bytes;
  }
  const total = (html || 0) + css;
  const problems = [];
  if (html == null) problems.push('could not measure the HTML (no document response recorded)');
  if (total > budget) problems.push(`page weight ${total} B (HTML ${html} + CSS ${css}) over the ${budget} B budget`);
  return { problems, html, css, total, budget };
}

/** Remember the size of the last HTML document each page received (for pageWeight). */
function trackDocuments(page) {
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'document' || res.request().frame() !== page.mainFrame()) return;
    if (res.status() >= 300 && res.status() < 400) return;
    page.lastDocumentStatus = res.status();
    // Read the body now (it is gone once the next page loads); pageWeight awaits it.
    page.lastDocumentBytes = res.body().then((b) => b.length, () => null);
  });
}

/**
 * The stylesheet uses logical properties only: no physical left/right margins, paddings,
 * borders, floats, text alignment, positions, and no CSS `direction`.
 */
function logicalCss(cssText, href) {
  const problems = [];
  const rules = [
    [/(?:margin|padding|border)-(?:left|right)\b/g, 'physical side property'],
    [/(?<![-\w])(?:left|right)\s*:/g, 'physical offset'],
    [/text-align\s*:\s*(?:left|right)\b/g, 'physical text-align'],
    [/float\s*:\s*(?:left|right)\b/g, 'physical float'],
    [/(?<![-\w])direction\s*:/g, 'CSS direction'],
  ];
  const body = cssText.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const [re, what] of rules) {
    const hits = body.match(re);
    if (hits) problems.push(`${href}: ${what} (${[...new Set(hits)].join(', ')}); use logical properties`);
  }
  return problems;
}

/**
 * Snapshot of the styles that can show focus, for every element in document order, so a
 * focused element can be compared with itself unfocused.
 */
async function focusStyleSnapshot(page) {
  return page.evaluate(() => {
    const snap = (el) => {
      const parts = [el, ...(el.labels ? [...el.labels] : [])];
      return parts.flatMap((p) =>
        [null, '::before', '::after'].map((pseudo) => {
          const s = getComputedStyle(p, pseudo);
          return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.borderColor, s.borderWidth, s.color, s.textDecorationLine, s.textDecorationThickness].join('|');
        }),
      );
    };
    const all = [...document.querySelectorAll('*')];
    return all.map((el) => (el.matches('a[href], button, input, select, textarea, summary, [tabindex]') ? snap(el) : null));
  });
}

/**
 * The focused element shows a visible indicator: an outline or box-shadow (on it, its label,
 * or their ::before/::after) that is not there when unfocused, and it is not hidden behind
 * anything (2.4.11).
 */
async function focusVisible(page, unfocused) {
  const now = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const parts = [el, ...(el.labels ? [...el.labels] : [])];
    const styles = parts.flatMap((p) =>
      [null, '::before', '::after'].map((pseudo) => {
        const s = getComputedStyle(p, pseudo);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.borderColor, s.borderWidth, s.color, s.textDecorationLine, s.textDecorationThickness].join('|');
      }),
    );
    const indicator = parts.flatMap((p) =>
      [null, '::before', '::after'].map((pseudo) => {
        const s = getComputedStyle(p, pseudo);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
        const shadow = s.boxShadow && s.boxShadow !== 'none';
        return outline || shadow;
      }),
    );
    // Not obscured: the centre of the element (or of its label, for visually hidden inputs)
    // hits the element, its label, or something inside them.
    const seen = parts.some((p) => {
      const r = p.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
      const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
      const hit = document.elementFromPoint(x, y);
      return hit && parts.some((q) => q === hit || q.contains(hit) || hit.contains(q));
    });
    const index = [...document.querySelectorAll('*')].indexOf(el);
    const text = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return { index, styles, indicator, seen, what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.type ? `[${el.type}]` : ''} "${text}"` };
  });
  if (!now) return ['focus is on the page body, not on a control'];
  const problems = [];
  const before = unfocused && unfocused[now.index];
  const changed = before ? now.styles.some((s, i) => s !== before[i]) : true;
  if (!now.indicator.some(Boolean)) problems.push(`${now.what}: focused but no outline or box-shadow`);
  else if (!changed) problems.push(`${now.what}: focused style is the same as unfocused`);
  if (!now.seen) problems.push(`${now.what}: focused element is obscured or off screen`);
  return problems;
}

/**
 * A page showing errors: the title starts with "Error: ", the error summary has focus, each
 * summary link names a field that exists, the field points back to the same message through
 * aria-describedby (itself or its fieldset), and following the link moves focus to the field.
 */
async function errorSummary(page, lang, summarySelector) {
  const problems = [];
  await autofocusSettled(page, summarySelector);
  const title = await page.title();
  if (!title.startsWith(ERROR_PREFIX[lang])) problems.push(`title "${title}" does not start with "${ERROR_PREFIX[lang]}"`);
  const state = await page.evaluate((sel) => {
    const summary = document.querySelector(sel);
    if (!summary) return null;
    const active = document.activeElement;
    const links = [...summary.querySelectorAll('a[href^="#"]')].map((a) => {
      const id = decodeURIComponent(a.getAttribute('href').slice(1));
      const field = document.getElementById(id);
      // The texts the field (or its fieldset) is described by, without visually hidden
      // prefixes such as "Error:".
      const described = [];
      for (let n = field; n; n = n.parentElement) {
        const ids = (n.getAttribute && n.getAttribute('aria-describedby')) || '';
        for (const d of ids.split(/\s+/).filter(Boolean)) {
          const el = document.getElementById(d);
          if (!el) continue;
          const copy = el.cloneNode(true);
          copy.querySelectorAll('.visually-hidden').forEach((h) => h.remove());
          described.push(copy.textContent.replace(/\s+/g, ' ').trim());
        }
        if (n.tagName === 'FIELDSET') break;
      }
      return { id, text: a.textContent.replace(/\s+/g, ' ').trim(), exists: !!field, described };
    });
    return { focused: active === summary || summary.contains(active) && active.matches('[tabindex="-1"]'), activeTag: active && active.outerHTML.slice(0, 80), links };
  }, summarySelector);
  if (!state) return [...problems, `no error summary (${summarySelector})`];
  if (!state.focused) problems.push(`focus is not on the error summary but on ${state.activeTag}`);
  if (state.links.length === 0) problems.push('the error summary has no links to fields');
  // Each link must say which field it is about (WCAG 2.4.4 link purpose, 3.3.1 the item in
  // error is identified): two identical texts leading to different fields fail that.
  const texts = state.links.map((l) => l.text);
  const repeated = [...new Set(texts.filter((t, i) => texts.indexOf(t) !== i))];
  for (const t of repeated) problems.push(`error summary: several links read "${t}"; each must name its field`);
  for (const l of state.links) {
    if (!l.exists) {
      problems.push(`error link "${l.text}" points to #${l.id}, which does not exist`);
      continue;
    }
    // The inline message (what aria-describedby gives the field) is the link's wording, or
    // the part after the field's name.
    if (!l.described.some((d) => d && l.text.endsWith(d))) {
      problems.push(`field #${l.id} is not described (aria-describedby) by an error message matching "${l.text}"`);
    }
    // Follow the link with the keyboard and see where focus lands.
    await page.focus(`${summarySelector} a[href="#${cssEscape(l.id)}"]`);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(50);
    const landed = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (landed !== l.id) problems.push(`error link "${l.text}" moved focus to #${landed}, not to #${l.id}`);
  }
  return problems;
}

/**
 * `autofocus` is applied at the first rendering update after load, not at load: give it up
 * to a second (polling from Node, so this also works with JavaScript disabled). True when
 * focus is on (or inside) the element.
 */
async function autofocusSettled(page, selector) {
  for (let i = 0; i < 20; i++) {
    const on = await page.evaluate((sel) => {
      const el = document.querySelector(sel);
      return !!el && (document.activeElement === el || el.contains(document.activeElement));
    }, selector);
    if (on) return true;
    await page.waitForTimeout(50);
  }
  return false;
}

function cssEscape(id) {
  return id.replace(/([^\w-])/g, '\\$1');
}

module.exports = {
  axe, langDir, accessibleNames, targetSizes, reflow, textSpacing, pageWeight, trackDocuments, logicalCss,
  focusStyleSnapshot, focusVisible, errorSummary, autofocusSettled, WCAG_TAGS, WEIGHT_BUDGET, WEIGHT_BUDGETS, KIOSK_TARGET, ERROR_PREFIX,
};

// Kiosk idle warning, for the shared touch screens in service halls. The page works without it
// (a <noscript> meta refresh returns to the start after the idle time, and the server drops the
// answers in progress N+5 s after the kiosk's last request whatever the page does); with it:
// - N s after the last activity the page goes to the start screen (location.replace, so Back
//   does not lead to this page);
// - 30 s before that a modal dialog asks "Are you still there?" with "I need more time";
// - activity is reported to the server (POST still-here) at most once every 20 s, and never
//   more than 20 s late, so the server's clock (N+5 s) always runs behind this page's (N s);
// - a page the browser shows again from history has its form fields reset to what the server
//   sent (the browser would otherwise restore the previous person's entries), and one restored
//   from the back/forward cache is reloaded.
// Plain ES2017, no dependencies, nothing inline (the kiosk's CSP is script-src 'self').
(function () {
  'use strict';

  var body = document.body;
  if (!body || !body.classList.contains('kiosk')) return;

  var PING_EVERY = 20000; // ms between still-here reports, at most
  var idle = seconds(body.getAttribute('data-idle-seconds'), 120);
  var warn = Math.min(seconds(body.getAttribute('data-warn-seconds'), 30), idle);
  var timeoutHref = body.getAttribute('data-timeout-href') || '/kiosk?timeout=1';
  var dialog = document.getElementById('kiosk-idle-warning');
  var countdown = document.getElementById('kiosk-idle-countdown');
  var moreTime = document.getElementById('kiosk-more-time');
  var stillHere = document.getElementById('kiosk-still-here');
  // The countdown keeps the digits the server wrote (Arabic-Indic on Arabic pages).
  var arabicDigits = !!countdown && /[\u0660-\u0669]/.test(countdown.textContent);

  var lastActivity = now();
  var lastPing = now(); // the page's own request counts as one
  var trailingPing = null;
  var warning = false;
  var leaving = false;

  function seconds(attr, fallback) {
    var n = parseInt(attr, 10);
    return isFinite(n) && n > 0 ? n : fallback;
  }

  function now() {
    return Date.now();
  }

  function digits(n) {
    var s = String(n);
    return arabicDigits ? s.replace(/[0-9]/g, function (d) { return '\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669'.charAt(+d); }) : s;
  }

  function leave() {
    if (leaving) return;
    leaving = true;
    clearFields();
    location.replace(timeoutHref);
  }

  // Empty what is on screen before leaving, so nothing of this person is left in view (or in
  // the form state the browser keeps) while the start screen loads.
  function clearFields() {
    var fields = document.querySelectorAll('main input, main textarea, main select');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === 'hidden') continue;
      if (f.type === 'radio' || f.type === 'checkbox') f.checked = false;
      else if (f.tagName === 'SELECT') f.selectedIndex = -1;
      else f.value = '';
    }
  }

  function ping() {
    if (!stillHere || leaving || typeof fetch !== 'function') return;
    lastPing = now();
    if (trailingPing) {
      clearTimeout(trailingPing);
      trailingPing = null;
    }
    fetch(stillHere.action, {
      method: 'POST',
      // As the form itself would post it (urlencoded; the server reads no multipart).
      body: new URLSearchParams(new FormData(stillHere)),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'manual',
    }).then(function (res) {
      // 410: the server has already dropped this sitting; what is on screen is gone.
      if (res.status === 410) leave();
    }, function () {
      // Offline or refused: the server's own timeout still applies; nothing to do here.
    });
  }

  // At most one report every PING_EVERY ms, and activity inside that window is reported at
  // its end (trailing), so the server never hears of activity more than 20 s late.
  function reportActivity() {
    var since = now() - lastPing;
    if (since >= PING_EVERY) ping();
    else if (!trailingPing) trailingPing = setTimeout(ping, PING_EVERY - since);
  }

  function activity() {
    if (leaving || warning) return; // while the warning is open only its button (or Esc) counts
    lastActivity = now();
    reportActivity();
  }

  function openWarning(left) {
    warning = true;
    if (countdown) countdown.textContent = digits(left);
    if (dialog && typeof dialog.showModal === 'function') {
      if (!dialog.open) dialog.showModal();
      if (moreTime) moreTime.focus();
    }
  }

  function closeWarning() {
    warning = false;
    if (dialog && dialog.open) dialog.close();
  }

  function needMoreTime() {
    if (leaving) return;
    closeWarning();
    lastActivity = now();
    ping();
  }

  function tick() {
    if (leaving) return;
    var left = Math.ceil((lastActivity + idle * 1000 - now()) / 1000);
    if (left <= 0) {
      leave();
      return;
    }
    if (left <= warn) {
      if (!warning) openWarning(left);
      else if (countdown) countdown.textContent = digits(left);
    } else if (warning) {
      closeWarning();
    }
  }

  // A page shown again from history: reset its fields to what the server sent now (the
  // browser restores the entries the page had when it was left, whoever made them).
  function resetRestoredForms() {
    var nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    if (!nav || nav.type !== 'back_forward') return;
    var forms = document.querySelectorAll('main form');
    for (var i = 0; i < forms.length; i++) forms[i].reset();
  }

  window.addEventListener('pageshow', function (e) {
    // From the back/forward cache: the page as it was, possibly another person's. Ask again.
    if (e.persisted) {
      leaving = true;
      body.classList.add('kiosk-stale');
      location.reload();
      return;
    }
    resetRestoredForms(); // again after load, in case the browser restored late
  });
  resetRestoredForms();

  // The thank-you screen has no idle time of its own (it returns to the start by its refresh).
  if (!body.hasAttribute('data-idle-seconds')) return;

  ['pointerdown', 'keydown', 'input', 'touchstart', 'wheel'].forEach(function (type) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  });
  // Scroll does not bubble: capture it on the window for the page and any scrolled box.
  window.addEventListener('scroll', activity, { capture: true, passive: true });

  if (moreTime) moreTime.addEventListener('click', needMoreTime);
  if (dialog) {
    // Esc: the browser cancels the dialog; here that means more time.
    dialog.addEventListener('cancel', function (e) {
      e.preventDefault();
      needMoreTime();
    });
    // A tap on the backdrop (outside the dialog's box) also says someone is there.
    dialog.addEventListener('click', function (e) {
      if (e.target !== dialog) return;
      var r = dialog.getBoundingClientRect();
      var inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
      if (!inside) needMoreTime();
    });
    // Closed any other way (the browser may force-close on repeated Esc): the same.
    dialog.addEventListener('close', function () {
      if (warning) needMoreTime();
    });
  }

  setInterval(tick, 1000);
})();

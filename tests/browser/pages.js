// Every page type the suite checks, one line each. `reach(nav)` leaves the page on that state
// (see lib/nav.js); options: `error: true` (an error summary is expected and tested),
// `status` (expected HTTP status of the document), `viewports`/`langs` to restrict,
// `budget` (a named weight budget of lib/checks.js instead of the 30 KB one), `needsResponses`
// (the suite first completes the example survey SEED_RESPONSES times so estimates show).
// `kiosk: true` runs the page on the enrolled `pages` kiosk (its cookie, lib/kiosk.js KioskNav:
// the start is /kiosk and the walks go on from there) and checks the kiosk markup too
// (`contract: false` skips that, e.g. with the warning opened by hand).
// Each descriptor is checked in Arabic and English at phone and kiosk sizes.
'use strict';

module.exports = [
  { name: 'survey-list', reach: (nav) => nav.home() },
  { name: 'start', reach: (nav) => nav.start() },
  { name: 'single-choice', reach: (nav) => nav.question('single-choice') },
  { name: 'multiple-choice', reach: (nav) => nav.question('multiple-choice') },
  { name: 'likert', reach: (nav) => nav.question('likert') },
  { name: 'likert-grid', reach: (nav) => nav.question('likert-grid') },
  { name: 'rating', reach: (nav) => nav.question('rating') },
  { name: 'number', reach: (nav) => nav.question('number') },
  { name: 'short-text', reach: (nav) => nav.question('short-text') },
  { name: 'long-text', reach: (nav) => nav.question('long-text') },
  { name: 'date', reach: (nav) => nav.question('date') },
  { name: 'error', reach: (nav) => nav.errorState(), error: true, status: 422 },
  { name: 'error-number', reach: (nav) => nav.invalidAnswer('number', '12abc'), error: true, status: 422 },
  { name: 'error-date', reach: (nav) => nav.invalidAnswer('date', '2026-13-45'), error: true, status: 422 },
  { name: 'check-answers', reach: (nav) => nav.checkAnswers() },
  { name: 'change-answer', reach: (nav) => nav.changeAnswer() },
  { name: 'confirmation', reach: (nav) => nav.confirmation() },
  { name: 'language-switch', reach: (nav) => nav.languageSwitched() },
  { name: 'language-switch-unsaved', reach: (nav) => nav.languageSwitchedUnsaved() },
  { name: 'not-found', reach: (nav) => nav.visit('/no-such-page'), status: 404 },
  { name: 'form-expired', reach: (nav) => nav.formExpired(), status: 403 },
  // The analysts' pages (run.sh creates the analyst and seeds responses so estimates show).
  { name: 'sign-in', reach: (nav) => nav.signInForm() },
  { name: 'sign-in-error', reach: (nav) => nav.signInRefused(), error: true, status: 401 },
  { name: 'results-list', reach: (nav) => nav.results('/results') },
  { name: 'results', reach: (nav) => nav.results('/results/citizen-security'), budget: 'results', needsResponses: true },
  { name: 'results-by-gender', reach: (nav) => nav.results('/results/citizen-security?domain=gender'), budget: 'results', needsResponses: true },
  { name: 'methodology', reach: (nav) => nav.results('/results/citizen-security/methodology'), budget: 'results', needsResponses: true },
  // The exact wording, public and printable: the whole questionnaire on one page.
  { name: 'questionnaire', reach: (nav) => nav.visit('/results/citizen-security/questionnaire'), budget: 'results' },
  // Who is asking and what is kept.
  { name: 'privacy', reach: (nav) => nav.visit('/privacy') },
  // The staff pages of the other roles (run.sh creates an admin and an interviewer).
  { name: 'admin-users', reach: (nav) => nav.staff('/admin/users') },
  { name: 'admin-kiosks', reach: (nav) => nav.staff('/admin/kiosks') },
  { name: 'admin-areas', reach: (nav) => nav.staff('/admin/areas') },
  { name: 'design', reach: (nav) => nav.staff('/design') },
  { name: 'preview', reach: (nav) => nav.staff('/preview/s/citizen-security/p/1') },
  { name: 'field', reach: (nav) => nav.staff('/field', process.env.MIZAN_INTERVIEWER) },
  // Kiosk screens (a 1080×1920 touch screen only; the scenarios of lib/kiosk.js test the rest).
  { name: 'kiosk-start', kiosk: true, viewports: ['kiosk'], reach: (nav) => nav.kioskStartFocus() },
  { name: 'kiosk-likert-grid', kiosk: true, viewports: ['kiosk'], reach: (nav) => nav.question('likert-grid') },
  { name: 'kiosk-rating', kiosk: true, viewports: ['kiosk'], reach: (nav) => nav.question('rating') },
  { name: 'kiosk-multiple-choice', kiosk: true, viewports: ['kiosk'], reach: (nav) => nav.question('multiple-choice') },
  { name: 'kiosk-long-text', kiosk: true, viewports: ['kiosk'], reach: (nav) => nav.question('long-text') },
  { name: 'kiosk-error', kiosk: true, viewports: ['kiosk'], reach: (nav) => nav.errorState(), error: true, status: 422 },
  { name: 'kiosk-check-answers', kiosk: true, viewports: ['kiosk'], reach: (nav) => nav.checkAnswers() },
  { name: 'kiosk-done', kiosk: true, finished: true, viewports: ['kiosk'], reach: (nav) => nav.kioskDone() },
  { name: 'kiosk-warning', kiosk: true, contract: false, viewports: ['kiosk'], reach: (nav) => nav.kioskWarning() },
  { name: 'kiosk-not-enrolled', kioskNav: true, viewports: ['kiosk'], reach: (nav) => nav.kioskNotEnrolled(), status: 403 },
];

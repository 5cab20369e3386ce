/*! Silo attribution script: first-party events with consent denied by default.
 * Paste the snippet from the site's page in Silo; see docs/attribution.md.
 * API: silo.track(name, props) -> event_id; silo.identify({email, name, phone}) -> event_id;
 *      silo.consent() -> the consent the next event carries.
 * The script stores nothing in the browser before the visitor decides (no cookie, no
 * localStorage); only Silo's own banner remembers a decision once one was made.
 */
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me || (window.silo && window.silo.track)) return;
  var key = me.getAttribute('data-silo-site') || '';
  var base = (me.getAttribute('data-silo-endpoint') || '').replace(/\/+$/, '');
  var mode = me.getAttribute('data-silo-consent') || 'banner';
  var version = me.getAttribute('data-silo-version') || '1';
  var SIGNALS = ['analytics_storage', 'ad_storage', 'ad_user_data', 'ad_personalization'];
  var state = { source: 'default', tcf: null, signals: {} };
  var STORE = 'silo_consent';

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function consent() {
    var c = { source: state.source, version: version };
    SIGNALS.forEach(function (s) { c[s] = state.signals[s] === 'granted' ? 'granted' : 'denied'; });
    if (state.tcf) c.tcf = state.tcf;
    return c;
  }

  function readCookie(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }

  function post(path, body) {
    try {
      fetch(base + '/e/' + encodeURIComponent(key) + path, {
        method: 'POST',
        credentials: 'include',
        keepalive: true,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })['catch'](function () {});
    } catch (e) { /* never break the page */ }
  }

  function event(name, props) {
    var c = consent();
    var body = {
      event_id: uuid(),
      name: name,
      time: new Date().toISOString(),
      page: location.href,
      consent: c,
      gpc: navigator.globalPrivacyControl === true
    };
    if (document.referrer) body.referrer = document.referrer;
    props = props || {};
    if (props.utm) body.utm = props.utm;
    var clicks = props.click_ids || {};
    // Meta's browser cookie is only read (never written) and only sent with ad consent.
    if (c.ad_storage === 'granted' && readCookie('_fbp') && !clicks._fbp) clicks._fbp = readCookie('_fbp');
    for (var k in clicks) { if (clicks.hasOwnProperty(k)) { body.click_ids = clicks; break; } }
    return body;
  }

  function track(name, props) {
    var body = event(String(name), props);
    post('', body);
    return body.event_id;
  }

  function identify(person) {
    var body = event('identify');
    delete body.name;
    person = person || {};
    body.email = person.email;
    if (person.name) body.name = person.name;
    if (person.phone) body.phone = person.phone;
    post('/identify', body);
    return body.event_id;
  }

  function decided(signals, source) {
    var before = JSON.stringify(consent());
    state.signals = signals;
    state.source = source;
    if (JSON.stringify(consent()) !== before && started) track('consent_update');
  }

  // Google Consent Mode v2: gtag('consent', 'default' | 'update', {...}) lands in dataLayer.
  function readGcm() {
    var dl = window.dataLayer || [];
    var signals = {};
    var seen = false;
    for (var i = 0; i < dl.length; i++) {
      var e = dl[i];
      if (e && e[0] === 'consent' && (e[1] === 'default' || e[1] === 'update') && e[2]) {
        seen = true;
        SIGNALS.forEach(function (s) { if (e[2][s]) signals[s] = e[2][s]; });
      }
    }
    if (seen) decided(signals, 'gcm');
  }

  function watchGcm() {
    window.dataLayer = window.dataLayer || [];
    var dl = window.dataLayer;
    var push = dl.push;
    dl.push = function () {
      var r = push.apply(dl, arguments);
      readGcm();
      return r;
    };
    readGcm();
  }

  // IAB TCF v2.2. Mapping (docs/attribution.md): analytics_storage = purposes 1 and 8;
  // ad_storage = purpose 1; ad_user_data = purposes 1 and 7; ad_personalization = purposes 3
  // and 4. Anything the CMP does not confirm stays denied.
  function watchTcf(then) {
    if (typeof window.__tcfapi !== 'function') { then(); return; }
    var first = true;
    window.__tcfapi('addEventListener', 2, function (tc, ok) {
      if (ok && tc && (tc.eventStatus === 'tcloaded' || tc.eventStatus === 'useractioncomplete')) {
        var p = (tc.purpose && tc.purpose.consents) || {};
        var g = function (yes) { return yes ? 'granted' : 'denied'; };
        state.tcf = tc.tcString ? String(tc.tcString).slice(0, 4000) : null;
        decided({
          analytics_storage: g(p[1] && p[8]),
          ad_storage: g(p[1]),
          ad_user_data: g(p[1] && p[7]),
          ad_personalization: g(p[3] && p[4])
        }, 'tcf');
      }
      if (first) { first = false; then(); }
    });
  }

  // Silo's own banner: accept or decline, English or Dutch by the page's language.
  var TEXTS = {
    en: { text: 'This site measures visits and ad clicks only if you allow it.', yes: 'Accept', no: 'Decline', label: 'Cookie consent' },
    nl: { text: 'Deze site meet bezoeken en advertentieklikken alleen als u dat toestaat.', yes: 'Accepteren', no: 'Weigeren', label: 'Toestemming voor cookies' }
  };

  function remembered() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || 'null'); } catch (e) { return null; }
  }

  function banner() {
    var saved = remembered();
    if (saved && saved.version === version) {
      decided(saved.signals, 'banner');
      return;
    }
    var t = TEXTS[(document.documentElement.lang || 'en').slice(0, 2).toLowerCase()] || TEXTS.en;
    var box = document.createElement('div');
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-label', t.label);
    box.setAttribute('data-silo-banner', '');
    box.style.cssText = 'position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:2147483647;' +
      'background:#fff;color:#111;border:1px solid #888;padding:1rem;font:16px/1.4 sans-serif;' +
      'display:flex;gap:.75rem;align-items:center;flex-wrap:wrap';
    var p = document.createElement('p');
    p.style.margin = '0';
    p.style.flex = '1 1 20rem';
    p.textContent = t.text;
    box.appendChild(p);
    function choose(yes) {
      var v = yes ? 'granted' : 'denied';
      var signals = {};
      SIGNALS.forEach(function (s) { signals[s] = v; });
      try { window.localStorage.setItem(STORE, JSON.stringify({ version: version, signals: signals })); } catch (e) { /* private mode */ }
      if (box.parentNode) box.parentNode.removeChild(box);
      decided(signals, 'banner');
    }
    [[t.no, false], [t.yes, true]].forEach(function (b) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = b[0];
      btn.setAttribute('data-silo-choice', b[1] ? 'accept' : 'decline');
      btn.style.cssText = 'font:inherit;padding:.5rem 1rem;cursor:pointer';
      btn.addEventListener('click', function () { choose(b[1]); });
      box.appendChild(btn);
    });
    box.addEventListener('keydown', function (e) { if (e.key === 'Escape') choose(false); });
    (document.body || document.documentElement).appendChild(box);
  }

  var started = false;
  function start() {
    if (started) return;
    started = true;
    track('page_view');
  }

  window.silo = { track: track, identify: identify, consent: consent };
  if (mode === 'gcm') { watchGcm(); start(); }
  else if (mode === 'tcf') watchTcf(start);
  else {
    if (document.body) { banner(); start(); }
    else document.addEventListener('DOMContentLoaded', function () { banner(); start(); });
  }
})();

/* Tandem's first-party tracker: one page visit per page load, as a 1×1 image request.
   Include with <script async src="https://YOUR-TANDEM/static/tandem/tracker.js"></script>.
   It keeps a random visitor id in a first-party cookie (tdm_vid, one year), sends the page
   address (with its UTM tags) and the referrer, and hands the visitor id to Tandem forms on
   the page (hidden visitor_id inputs, and iframes marked data-tandem-form), so a form sent
   later joins the visitor's earlier visits to the contact. Tandem forms on the page (iframes
   and forms marked data-tandem-form) also get the page's UTM tags and its referrer, so the
   form's touch is credited to the campaign that brought the visitor. No other data is read.

   Consent (docs/privacy.md). By default the tracker waits for the visitor's consent: before
   it, no cookie is set, no visit is sent and forms get no visitor id (they still get the UTM
   tags and the referrer, which name no one). The site's consent banner gives it with
       window.tandem = window.tandem || function () { (tandem.q = tandem.q || []).push(arguments); };
       tandem("consent", true);    // the visitor agreed: cookie, visit, forms joined
       tandem("consent", false);   // withdrawn: the tdm_vid cookie is deleted
   (calls made before this script loaded are queued and run when it does). The choice is
   remembered in a tdm_consent cookie. A site that needs no consent for this (outside the
   EU's cookie rules, or with another lawful basis) says so on the tag:
       <script async data-consent="not-required" src=".../tracker.js"></script>
   Consent is required by default because a visitor id in a cookie is not strictly necessary
   for the page, so the EU's ePrivacy rules ask for consent before it is set; a site that
   forgets the attribute then tracks too little rather than unlawfully. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var base = new URL(script.src).origin;
  var name = "tdm_vid";
  function readId() {
    var m = document.cookie.match(/(?:^|;\s*)tdm_vid=([A-Za-z0-9_-]{16,64})/);
    return m ? m[1] : null;
  }
  function newId() {
    var bytes = new Uint8Array(18);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  var secure = location.protocol === "https:" ? "; Secure" : "";
  function cookieSet(key, value, age) {
    document.cookie = key + "=" + value + "; Max-Age=" + age + "; Path=/; SameSite=Lax" + secure;
  }
  var required = (script.getAttribute("data-consent") || "required") !== "not-required";
  var consented = !required || /(?:^|;\s*)tdm_consent=1/.test(document.cookie);
  var vid = null;
  var sent = false;
  function start() {
    vid = readId() || newId();
    cookieSet(name, vid, 31536000);
    if (!sent) {
      sent = true;
      var query = "u=" + encodeURIComponent(location.href.slice(0, 500)) +
        "&r=" + encodeURIComponent((document.referrer || "").slice(0, 500)) +
        "&vid=" + encodeURIComponent(vid) + "&c=1";
      new Image(1, 1).src = base + "/t/p.gif?" + query;
    }
  }
  function consent(given) {
    if (given) {
      if (required) { cookieSet("tdm_consent", "1", 31536000); }
      consented = true;
      start();
      handOver();
    } else {
      consented = false;
      vid = null;
      cookieSet(name, "", 0);
      cookieSet("tdm_consent", "0", 31536000);
    }
  }
  var queued = (window.tandem && window.tandem.q) || [];
  window.tandem = function (command, value) {
    if (command === "consent") { consent(!!value); }
  };
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"];
  var here = new URL(location.href).searchParams;
  var referrer = (document.referrer || "").slice(0, 500);
  function handOver() {
    var inputs = document.querySelectorAll("input[name=visitor_id]");
    for (var i = 0; i < inputs.length; i++) { if (vid && !inputs[i].value) { inputs[i].value = vid; } }
    // A plain HTML form marked data-tandem-form: fill its empty hidden UTM and referrer inputs.
    var forms = document.querySelectorAll("form[data-tandem-form]");
    for (var f = 0; f < forms.length; f++) {
      for (var u = 0; u < UTM.length; u++) {
        var input = forms[f].querySelector("input[name=" + UTM[u] + "]");
        if (input && !input.value && here.get(UTM[u])) { input.value = here.get(UTM[u]).slice(0, 100); }
      }
      var ref = forms[f].querySelector("input[name=referrer]");
      if (ref && !ref.value) { ref.value = referrer; }
    }
    // An iframe: the hosted page reads the same from its address (ref is the referrer).
    var frames = document.querySelectorAll("iframe[data-tandem-form]");
    for (var j = 0; j < frames.length; j++) {
      var src = new URL(frames[j].getAttribute("src"), location.href);
      if (src.searchParams.get("vid") || (!vid && frames[j].hasAttribute("data-tandem-tagged"))) { continue; }
      if (vid) { src.searchParams.set("vid", vid); }
      for (var k = 0; k < UTM.length; k++) {
        if (here.get(UTM[k]) && !src.searchParams.get(UTM[k])) { src.searchParams.set(UTM[k], here.get(UTM[k]).slice(0, 100)); }
      }
      if (referrer && !src.searchParams.get("ref")) { src.searchParams.set("ref", referrer); }
      // A new iframe in its place, not a new src on the old one: changing the src while the
      // old one's first load is under way was sometimes dropped by the browser, so the form
      // came without its tags.
      var fresh = frames[j].cloneNode(false);
      fresh.setAttribute("src", src.toString());
      fresh.setAttribute("data-tandem-tagged", "");
      frames[j].parentNode.replaceChild(fresh, frames[j]);
    }
  }
  if (consented) { start(); }
  for (var q = 0; q < queued.length; q++) { window.tandem.apply(null, queued[q]); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", handOver); } else { handOver(); }
}());

/* Tandem's first-party tracker: one page visit per page load, as a 1×1 image request.
   Include with <script async src="https://YOUR-TANDEM/static/tandem/tracker.js"></script>.
   It keeps a random visitor id in a first-party cookie (tdm_vid, one year), sends the page
   address (with its UTM tags) and the referrer, and hands the visitor id to Tandem forms on
   the page (hidden visitor_id inputs, and iframes marked data-tandem-form), so a form sent
   later joins the visitor's earlier visits to the contact. Tandem forms on the page (iframes
   and forms marked data-tandem-form) also get the page's UTM tags and its referrer, so the
   form's touch is credited to the campaign that brought the visitor. No other data is read. */
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
  var vid = readId() || newId();
  document.cookie = name + "=" + vid + "; Max-Age=31536000; Path=/; SameSite=Lax" +
    (location.protocol === "https:" ? "; Secure" : "");
  var query = "u=" + encodeURIComponent(location.href.slice(0, 500)) +
    "&r=" + encodeURIComponent((document.referrer || "").slice(0, 500)) +
    "&vid=" + encodeURIComponent(vid);
  new Image(1, 1).src = base + "/t/p.gif?" + query;
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"];
  var here = new URL(location.href).searchParams;
  var referrer = (document.referrer || "").slice(0, 500);
  function handOver() {
    var inputs = document.querySelectorAll("input[name=visitor_id]");
    for (var i = 0; i < inputs.length; i++) { if (!inputs[i].value) { inputs[i].value = vid; } }
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
      if (src.searchParams.get("vid")) { continue; }
      src.searchParams.set("vid", vid);
      for (var k = 0; k < UTM.length; k++) {
        if (here.get(UTM[k]) && !src.searchParams.get(UTM[k])) { src.searchParams.set(UTM[k], here.get(UTM[k]).slice(0, 100)); }
      }
      if (referrer && !src.searchParams.get("ref")) { src.searchParams.set("ref", referrer); }
      // A new iframe in its place, not a new src on the old one: changing the src while the
      // old one's first load is under way was sometimes dropped by the browser, so the form
      // came without its tags.
      var fresh = frames[j].cloneNode(false);
      fresh.setAttribute("src", src.toString());
      frames[j].parentNode.replaceChild(fresh, frames[j]);
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", handOver); } else { handOver(); }
}());

/* Tandem's first-party tracker: one page visit per page load, as a 1×1 image request.
   Include with <script async src="https://YOUR-TANDEM/static/tandem/tracker.js"></script>.
   It keeps a random visitor id in a first-party cookie (tdm_vid, one year), sends the page
   address (with its UTM tags) and the referrer, and hands the visitor id to Tandem forms on
   the page (hidden visitor_id inputs, and iframes marked data-tandem-form), so a form sent
   later joins the visitor's earlier visits to the contact. No other data is read. */
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
  function handOver() {
    var inputs = document.querySelectorAll("input[name=visitor_id]");
    for (var i = 0; i < inputs.length; i++) { if (!inputs[i].value) { inputs[i].value = vid; } }
    var frames = document.querySelectorAll("iframe[data-tandem-form]");
    for (var j = 0; j < frames.length; j++) {
      var src = new URL(frames[j].getAttribute("src"), location.href);
      if (!src.searchParams.get("vid")) { src.searchParams.set("vid", vid); frames[j].src = src.toString(); }
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", handOver); } else { handOver(); }
}());

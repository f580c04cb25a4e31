// The workspace menus: disclosure buttons (aria-expanded) that show or hide a list of links.
// Enter or Space on a button opens its menu, Escape closes it and returns to the button, and
// a menu closes when focus or a click goes elsewhere. Without this script every menu is open.
(function () {
  "use strict";
  var nav = document.querySelector("header.top nav.workspaces");
  if (!nav) return;
  var toggles = Array.prototype.slice.call(nav.querySelectorAll(".nav-toggle"));

  function menuOf(toggle) {
    return document.getElementById(toggle.getAttribute("aria-controls"));
  }
  function setOpen(toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    menuOf(toggle).hidden = !open;
  }
  function closeAll(except) {
    toggles.forEach(function (t) { if (t !== except) setOpen(t, false); });
  }

  toggles.forEach(function (toggle) {
    setOpen(toggle, false);
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      closeAll(toggle);
      setOpen(toggle, open);
    });
  });
  nav.classList.add("has-menus");

  nav.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var group = event.target.closest(".nav-group");
    if (!group) return;
    var toggle = group.querySelector(".nav-toggle");
    if (toggle.getAttribute("aria-expanded") === "true") {
      setOpen(toggle, false);
      toggle.focus();
      event.preventDefault();
    }
  });
  // Tabbing out of a workspace closes its menu (a mouse click elsewhere is handled below).
  nav.addEventListener("focusout", function (event) {
    var group = event.target.closest(".nav-group");
    if (group && event.relatedTarget && !group.contains(event.relatedTarget)) {
      setOpen(group.querySelector(".nav-toggle"), false);
    }
  });
  document.addEventListener("click", function (event) {
    if (!nav.contains(event.target)) closeAll(null);
  });
})();

// A form that asks before it is sent (data-confirm="Delete this segment?"): the question is
// asked here, not in an inline onsubmit, which the Content-Security-Policy would block.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
})();

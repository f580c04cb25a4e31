// The segment rule builder: native controls (keyboard-friendly) drawn from the condition
// catalogue the server sends; the rule lives as JSON in #rule-json, which the form posts and
// the live count reads. Without JavaScript the JSON textarea still works.
(function () {
  "use strict";
  var textarea = document.getElementById("rule-json");
  var root = document.getElementById("rule-builder");
  var counter = document.getElementById("live-count");
  if (!textarea || !root) return;
  var catalogue = JSON.parse(document.getElementById("rule-catalogue").textContent);
  var types = {};
  catalogue.types.forEach(function (t) { types[t.type] = t; });
  var MAX_DEPTH = 5;
  var uid = 0;
  var rule;

  function load() {
    try { rule = JSON.parse(textarea.value || "{}"); } catch (e) { rule = null; }
    if (!rule || typeof rule !== "object" || !Array.isArray(rule.conditions)) {
      rule = { match: "all", conditions: [] };
    }
  }

  function changed(redraw) {
    textarea.value = JSON.stringify(rule);
    if (redraw) draw();
    if (counter) counter.dispatchEvent(new Event("rule-changed"));
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function labelled(text, control, path) {
    var id = "rb-" + (++uid);
    control.id = id;
    if (path) control.setAttribute("data-path", path);
    return el("div", { class: "rb-param" }, [el("label", { for: id, text: text }), control]);
  }

  function visible(param, cond) {
    var ok = true;
    Object.keys(param.show_when || {}).forEach(function (k) {
      if (param.show_when[k].indexOf(cond[k]) < 0) ok = false;
    });
    Object.keys(param.hide_when || {}).forEach(function (k) {
      if (param.hide_when[k].indexOf(cond[k]) >= 0) ok = false;
    });
    return ok;
  }

  function paramControl(param, cond, path) {
    var kind = param.kind;
    var value = cond[param.name];
    var control;
    if (kind === "choice" || kind === "segment" || kind === "form" || kind === "campaign") {
      var options = kind === "choice" ? param.choices : catalogue.options[kind] || [];
      control = el("select");
      control.appendChild(el("option", { value: "", text: param.required ? "— choose —" : "— any —" }));
      options.forEach(function (o) {
        var opt = el("option", { value: String(o[0]), text: o[1] });
        if (String(value) === String(o[0])) opt.selected = true;
        control.appendChild(opt);
      });
      control.addEventListener("change", function () {
        var v = control.value;
        if (v === "") delete cond[param.name];
        else cond[param.name] = kind === "choice" ? v : parseInt(v, 10);
        // Choices can show or hide other parameters (an operator without a value).
        changed(kind === "choice");
      });
      return labelled(param.label, control, path);
    }
    if (kind === "choices" || kind === "user") {
      var opts = kind === "user" ? catalogue.options.user : param.choices;
      var chosen = (value || []).map(String);
      var box = el("fieldset", { class: "rb-choices", "data-path": path }, [el("legend", { text: param.label })]);
      opts.forEach(function (o) {
        var id = "rb-" + (++uid);
        var input = el("input", { type: "checkbox", id: id, value: String(o[0]) });
        input.checked = chosen.indexOf(String(o[0])) >= 0;
        input.addEventListener("change", function () {
          var list = Array.prototype.slice.call(box.querySelectorAll("input:checked")).map(function (i) {
            return kind === "user" ? parseInt(i.value, 10) : i.value;
          });
          cond[param.name] = list;
          changed(false);
        });
        box.appendChild(el("label", { class: "check", for: id }, [input, document.createTextNode(" " + o[1])]));
      });
      return box;
    }
    control = el("input", { type: kind === "int" ? "number" : "text" });
    if (kind === "int") control.setAttribute("inputmode", "numeric");
    control.value = value === undefined || value === null ? "" : String(value);
    if (param.hint) control.setAttribute("placeholder", param.hint);
    control.addEventListener("input", function () {
      var v = control.value.trim();
      if (v === "") delete cond[param.name];
      else cond[param.name] = kind === "int" && /^-?\d+$/.test(v) ? parseInt(v, 10) : v;
      changed(false);
    });
    return labelled(param.label, control, path);
  }

  function conditionRow(cond, path, remove) {
    var row = el("li", { class: "rb-condition" });
    var select = el("select");
    select.appendChild(el("option", { value: "", text: "— choose a condition —" }));
    catalogue.types.forEach(function (t) {
      var opt = el("option", { value: t.type, text: t.group === t.label ? t.label : t.group + ": " + t.label });
      if (cond.type === t.type) opt.selected = true;
      select.appendChild(opt);
    });
    select.addEventListener("change", function () {
      Object.keys(cond).forEach(function (k) { delete cond[k]; });
      if (select.value) cond.type = select.value;
      changed(true);
      focusPath(path + ".type");
    });
    row.appendChild(labelled("Condition", select, path + ".type"));
    var spec = types[cond.type];
    if (spec) {
      spec.params.forEach(function (p) {
        if (visible(p, cond)) row.appendChild(paramControl(p, cond, path + "." + p.name));
      });
    }
    row.appendChild(el("button", { type: "button", class: "bad rb-remove", "aria-label": "Remove this condition", text: "Remove" }));
    row.lastChild.addEventListener("click", remove);
    return row;
  }

  function groupBox(group, path, depth, remove) {
    var box = el("fieldset", { class: "rb-group" });
    var match = el("select");
    [["all", "all"], ["any", "any"]].forEach(function (m) {
      var opt = el("option", { value: m[0], text: m[1] });
      if ((group.match || "all") === m[0]) opt.selected = true;
      match.appendChild(opt);
    });
    match.addEventListener("change", function () { group.match = match.value; changed(false); });
    var legend = el("legend", {}, [document.createTextNode(depth ? "Group: " : "Contacts who match ")]);
    box.appendChild(legend);
    var head = labelled("Match", match, path + ".match");
    head.className = "rb-match";
    head.appendChild(el("span", { text: "of these conditions" }));
    box.appendChild(head);
    var list = el("ol", { class: "rb-list" });
    group.conditions.forEach(function (child, n) {
      var childPath = path + ".conditions[" + n + "]";
      var removeChild = function () {
        group.conditions.splice(n, 1);
        changed(true);
        focusPath(path + ".match");
      };
      if (child && Array.isArray(child.conditions)) {
        var item = el("li", { class: "rb-nested" }, [groupBox(child, childPath, depth + 1, removeChild)]);
        list.appendChild(item);
      } else {
        list.appendChild(conditionRow(child, childPath, removeChild));
      }
    });
    box.appendChild(list);
    var actions = el("div", { class: "actions" });
    var add = el("button", { type: "button", text: "Add condition" });
    add.addEventListener("click", function () {
      group.conditions.push({});
      changed(true);
      focusPath(path + ".conditions[" + (group.conditions.length - 1) + "].type");
    });
    actions.appendChild(add);
    if (depth + 1 < MAX_DEPTH) {
      var addGroup = el("button", { type: "button", text: "Add group" });
      addGroup.addEventListener("click", function () {
        group.conditions.push({ match: "any", conditions: [{}] });
        changed(true);
        focusPath(path + ".conditions[" + (group.conditions.length - 1) + "].conditions[0].type");
      });
      actions.appendChild(addGroup);
    }
    if (remove) {
      var drop = el("button", { type: "button", class: "bad", text: "Remove group" });
      drop.addEventListener("click", remove);
      actions.appendChild(drop);
    }
    box.appendChild(actions);
    return box;
  }

  function focusPath(path) {
    var node = root.querySelector('[data-path="' + path + '"]');
    if (node) {
      if (node.tagName === "FIELDSET") node = node.querySelector("input") || node;
      node.focus();
    }
  }

  function markErrors() {
    root.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
    document.querySelectorAll("[data-error-path]").forEach(function (item) {
      var node = root.querySelector('[data-path="' + item.getAttribute("data-error-path") + '"]');
      if (node) node.setAttribute("aria-invalid", "true");
    });
  }

  function draw() {
    root.textContent = "";
    root.appendChild(groupBox(rule, "rule", 0, null));
    markErrors();
  }

  textarea.addEventListener("change", function () { load(); changed(true); });
  document.body.addEventListener("htmx:afterSwap", markErrors);
  var kinds = document.querySelectorAll('input[name="kind"]');
  kinds.forEach(function (k) {
    k.addEventListener("change", function () {
      document.getElementById("rule-section").hidden = k.value === "static" && k.checked;
    });
  });
  load();
  if (!rule.conditions.length) rule.conditions.push({});
  textarea.value = JSON.stringify(rule);
  draw();
})();

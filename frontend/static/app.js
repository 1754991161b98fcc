// Kawan: optional enhancements only. Every page works without this file.
// 1. The language switcher submits itself when a language is picked.
// 2. Search boxes with data-suggest show suggestions as you type (a <datalist>).
// 3. Money pickers with data-follow take the chosen country's currency while the worker has
//    not chosen one (the server does the same for an empty currency when JS is off).
(function () {
  "use strict";
  var pick = document.getElementById("lang-pick");
  if (pick && pick.form) {
    pick.addEventListener("change", function () { pick.form.submit(); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("select[data-follow]"), function (cur) {
    var ids = cur.getAttribute("data-follow").split(" "), auto = cur.value === "";
    cur.addEventListener("change", function () { auto = cur.value === ""; });
    function follow() {
      if (!auto) { return; }
      var pick = "";
      ids.forEach(function (id) {
        var s = document.getElementById(id), o = s && s.options[s.selectedIndex];
        if (!pick && o && o.getAttribute("data-cur")) { pick = o.getAttribute("data-cur"); }
      });
      cur.value = pick;
      if (cur.value !== pick) { cur.value = ""; }
    }
    ids.forEach(function (id) {
      var s = document.getElementById(id);
      if (s) { s.addEventListener("change", follow); }
    });
  });
  var boxes = document.querySelectorAll("input[data-suggest]");
  Array.prototype.forEach.call(boxes, function (box) {
    var list = document.createElement("datalist");
    list.id = box.id + "-list";
    box.parentNode.appendChild(list);
    box.setAttribute("list", list.id);
    var timer = 0, last = "";
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = box.value.trim();
        if (q.length < 2 || q === last || !window.fetch) { return; }
        last = q;
        fetch(box.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            while (list.firstChild) { list.removeChild(list.firstChild); }
            (items || []).slice(0, 8).forEach(function (s) {
              var o = document.createElement("option");
              o.value = String(s);
              list.appendChild(o);
            });
          })
          .catch(function () {});
      }, 200);
    });
  });
})();

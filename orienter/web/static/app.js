/* orienter web: a few enhancements; every page works without them.
   - the print button prints the sheet (the print style shows the sheet alone);
   - the "pourquoi" section stays open from one answer to the next (a hidden field of the form,
     no cookie, no storage);
   - the answer (or the error) takes the focus after a submit;
   - commune completion from the commune reference: the letters typed go to this server in a
     POST body (never in an address), the answer fills a <datalist>. */
(function () {
  "use strict";

  var print = document.getElementById("imprimer");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }

  var why = document.getElementById("pourquoi");
  var flag = document.getElementById("pourquoi-ouvert");
  if (why && flag) {
    why.addEventListener("toggle", function () { flag.value = why.open ? "1" : ""; });
  }

  var target = document.getElementById("erreur") || document.getElementById("reponse");
  if (target && target.hasAttribute("tabindex") && window.location.hash === "#reponse") {
    target.focus();
  }

  function complete(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === asked) { return; }
        asked = q;
        window.fetch("/api/communes", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: "q=" + encodeURIComponent(q),
          credentials: "same-origin",
          cache: "no-store"
        }).then(function (r) { return r.ok ? r.json() : { communes: [] }; })
          .then(function (data) {
            if (input.value.trim() !== q) { return; }
            while (list.firstChild) { list.removeChild(list.firstChild); }
            data.communes.forEach(function (c) {
              var option = document.createElement("option");
              option.value = c.valeur;
              option.label = c.libelle;
              option.textContent = c.libelle;
              list.appendChild(option);
            });
          })
          .catch(function () { /* no completion: the field still works */ });
      }, 120);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-communes]"), complete);
})();

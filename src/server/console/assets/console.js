// Baton console: keeps what a person did on a page across live swaps (htmx SSE fragments):
// the inbox's ticked gates and the run page's opened <details>. No inline script needed.
(function () {
  var ticked = [];
  var opened = [];
  document.addEventListener('htmx:sseBeforeMessage', function (event) {
    var target = event.target;
    if (!target) return;
    ticked = Array.prototype.map.call(target.querySelectorAll('input[name="gate"]:checked'), function (el) { return el.value; });
    opened = Array.prototype.map.call(target.querySelectorAll('details[open][id]'), function (el) { return el.id; });
  });
  document.addEventListener('htmx:sseMessage', function (event) {
    var target = event.target;
    if (!target) return;
    target.querySelectorAll('input[name="gate"]').forEach(function (el) {
      if (ticked.indexOf(el.value) >= 0 && !el.disabled) el.checked = true;
    });
    opened.forEach(function (id) {
      var el = document.getElementById(id);
      if (el && el.tagName === 'DETAILS') el.open = true;
    });
    document.body.setAttribute('data-live-swaps', String(Number(document.body.getAttribute('data-live-swaps') || '0') + 1));
  });
})();

// The smartpower report template's script: draws the page from the JSON the engine wrote
// into it (engine/report.cpp, docs/report.md) with web/charts.js (Observable Plot, SVG
// charts; the playground draws with the same module). The engine decides every number,
// word, colour, scale and tick label; this file only lays them out. After drawing, a
// self-check writes data-ok, data-charts, data-hover and data-event-markers on <html> for
// the browser test (tests/browser/check_report.sh).
(function () {
  'use strict';
  var started = performance.now();
  var root = document.documentElement, fail = window.__reportFail;
  var doc;
  try {
    doc = JSON.parse(document.getElementById('report-data').textContent);
  } catch (e) {
    fail('report data: ' + e.message);
    return;
  }
  var main = document.getElementById('report');
  var tip = document.getElementById('tip');

  doc.blocks.forEach(function (b) {
    if (b.figure) main.appendChild(SmartpowerCharts.figure(b.figure, doc.events, fail));
    else main.insertAdjacentHTML('beforeend', b.html);
  });

  // ------------------------------------------------------------------ self-check
  var mk = document.querySelector('.event-marker [data-tip]');
  if (mk) {
    mk.dispatchEvent(new MouseEvent('mouseenter', { clientX: 20, clientY: 20 }));
    var first = mk.getAttribute('data-tip').split('\n')[0];
    if (tip.hidden || tip.textContent.indexOf(first) < 0) fail('event marker tooltip did not show');
    mk.dispatchEvent(new MouseEvent('mouseleave', {}));
  }
  var zone = document.querySelector('svg.panel[data-chart] .hover-zone');
  if (zone) {
    var zr = zone.getBoundingClientRect();
    zone.dispatchEvent(new MouseEvent('mousemove', { clientX: zr.left + zr.width / 2, clientY: zr.top + zr.height / 2 }));
    if (tip.hidden || !/[0-9]{4}/.test(tip.textContent)) fail('hover read-out did not show');
    else root.setAttribute('data-hover', '1');
    zone.dispatchEvent(new MouseEvent('mouseleave', {}));
  }
  var figs = document.querySelectorAll('figure.chart'), drawn = 0;
  Array.prototype.forEach.call(figs, function (f) {
    var panels = f.querySelectorAll('svg.panel'), good = panels.length > 0;
    Array.prototype.forEach.call(panels, function (p) {
      if (!p.querySelector('.data > *')) { good = false; return; }
      var b = p.getBBox();
      if (!(b.width > 0 && b.height > 0)) good = false;
    });
    if (good) drawn++;
    else fail('figure ' + f.id + ' has an empty chart');
  });
  root.setAttribute('data-charts', String(drawn));
  root.setAttribute('data-event-markers', String(document.querySelectorAll('.event-marker > *').length));
  root.setAttribute('data-panels', String(document.querySelectorAll('svg.panel').length));
  root.setAttribute('data-points', String(document.querySelectorAll('.data-point > *').length));
  var expected = parseInt(root.getAttribute('data-expected-charts') || '0', 10);
  if (drawn !== expected) fail('expected ' + expected + ' charts, drew ' + drawn);
  root.setAttribute('data-height', String(Math.ceil(document.documentElement.scrollHeight)));
  root.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
  if (window.__reportErrors.length === 0) root.setAttribute('data-ok', '1');
})();

// smartpower's charts: one way of drawing for the report and the playground. Draws the
// figures of the report's JSON format (docs/report.md: figures of time, bars and stacks
// panels) as SVG with Observable Plot, with their text alternatives (aria-label,
// aria-description, a hidden sentence, a values table), hover read-outs and tooltips.
// The report template inlines it (cmake/embed_report_template.cmake: web/report/report.js
// draws the engine's JSON with it); the playground loads it from web/dist/ (web/app.js
// builds the same panels from the engine's results in the browser). Needs the globals
// Plot and d3 (third_party/); defines the global SmartpowerCharts.
(function (global) {
  'use strict';
  var FONT = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif';

  // ------------------------------------------------------------------ small helpers
  function el(tag, cls, html) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  function text(tag, cls, s) {
    var e = el(tag, cls);
    e.textContent = s;
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function year(t) {
    var r = Math.round(t);
    return Math.abs(t - r) < 1e-9 ? String(r) : t.toFixed(2).replace(/0+$/, '');
  }
  function when(t) {
    var y = Math.floor(t + 1e-9), f = t - y;
    if (Math.abs(f) < 1e-6) return String(y);
    var q = Math.round(f * 4);
    return Math.abs(f * 4 - q) < 1e-6 ? y + ' Q' + (q + 1) : t.toFixed(2);
  }
  function minus(s) { return s.charAt(0) === '-' ? '\u2212' + s.slice(1) : s; }
  function value(v, s) { return s.percent ? minus((100 * v).toFixed(1)) + '\u00a0%' : minus(v.toFixed(s.digits)); }
  function dark(hex) {
    if (!/^#[0-9a-f]{6}$/i.test(hex)) return true;
    var n = parseInt(hex.slice(1), 16);
    return 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255) < 150;
  }
  function range(n) { var a = []; for (var i = 0; i < n; ++i) a.push(i); return a; }
  // The page's tooltip (#tip), made on first use where the page has none.
  var tip = null;
  function tipEl() {
    if (!tip) tip = document.getElementById('tip');
    if (!tip) {
      tip = el('div', 'tip');
      tip.id = 'tip';
      tip.setAttribute('role', 'tooltip');
      tip.hidden = true;
      document.body.appendChild(tip);
    }
    return tip;
  }
  function place(x, y) {
    var tip = tipEl(), w = tip.offsetWidth, h = tip.offsetHeight, l = x + 14, t = y + 14;
    if (l + w > window.innerWidth - 6) l = x - w - 14;
    if (t + h > window.innerHeight - 6) t = y - h - 14;
    tip.style.left = (l + window.scrollX) + 'px';
    tip.style.top = (t + window.scrollY) + 'px';
  }
  function show(html, x, y) { var tip = tipEl(); tip.innerHTML = html; tip.hidden = false; place(x, y); }
  function hide() { if (tip) tip.hidden = true; }

  // ------------------------------------------------------------------ scales
  // The y axis a panel gets when its data does not give ticks (the playground's panels):
  // the same nice ticks and labels the engine writes (engine/report.cpp, panel_json).
  function niceTicks(lo, hi, target) {
    var span = hi - lo, step = 1;
    if (span > 0) {
      var raw = span / Math.max(1, target), mag = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / mag;
      step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
    }
    var t = [];
    for (var v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) t.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return { ticks: t, step: step };
  }
  // A data range [lo, hi] rounded outward to nice tick values, at least minSpan wide.
  function niceRange(lo, hi, minSpan) {
    minSpan = minSpan === undefined ? 1e-6 : minSpan;
    if (!(hi - lo > minSpan)) {
      var mid = (lo + hi) / 2;
      lo = mid - minSpan / 2;
      hi = mid + minSpan / 2;
    }
    var pad = 0.06 * (hi - lo);
    lo -= pad;
    hi += pad;
    var step = niceTicks(lo, hi, 5).step;
    return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
  }
  function decimals(step) {
    var d = 0;
    while (d < 6 && Math.abs(step * Math.pow(10, d) - Math.round(step * Math.pow(10, d))) > 1e-6) ++d;
    return d;
  }
  function yticks(p) {
    var n = niceTicks(p.y0, p.y1, p.height < 260 ? 4 : 5), d = decimals(p.percent ? n.step * 100 : n.step);
    return n.ticks.map(function (v) { return [v, p.percent ? minus((100 * v).toFixed(d)) + '%' : minus(v.toFixed(d))]; });
  }

  // Marks with a <title> (events, observations, bars, windows): the same text in the page's
  // tooltip on hover and on keyboard focus (each mark a Tab stop, unless the panel says
  // focusMarks: false, as the playground's do: its charts are redrawn at every rerun).
  function tooltips(svg, focus) {
    Array.prototype.forEach.call(svg.querySelectorAll('.has-tip > *'), function (node) {
      var t = node.querySelector('title');
      if (!t) return;
      var html = function () { return esc(t.textContent).replace(/\n/g, '<br>'); };
      if (focus !== false) node.setAttribute('tabindex', '0');
      node.setAttribute('data-tip', t.textContent);
      node.addEventListener('mouseenter', function (e) { show(html(), e.clientX, e.clientY); });
      node.addEventListener('mousemove', function (e) { place(e.clientX, e.clientY); });
      node.addEventListener('mouseleave', hide);
      node.addEventListener('focus', function () { var r = node.getBoundingClientRect(); show(html(), r.right, r.bottom); });
      node.addEventListener('blur', hide);
    });
  }

  // A chart's text alternative: what it shows, in words (aria-description and the
  // visually hidden paragraph next to it); the numbers are in the table below the chart.
  function describe(p) {
    var parts = [];
    (p.lines || []).forEach(function (l) {
      var v = l.v.filter(function (x) { return x !== null; });
      if (!v.length) return;
      var n = function (x) { return minus(String(Number(x.toPrecision(3)))); };
      parts.push(l.name + ' from ' + n(v[0]) + ' to ' + n(v[v.length - 1]) + ' (lowest ' + n(Math.min.apply(null, v)) +
                 ', highest ' + n(Math.max.apply(null, v)) + ')');
    });
    if (p.hover && !(p.lines || []).length) {
      p.hover.series.forEach(function (s) {
        var v = s.v.filter(function (x) { return x !== null; });
        if (v.length) parts.push(s.name + ' from ' + value(v[0], s) + ' to ' + value(v[v.length - 1], s));
      });
    }
    return (p.title ? p.title + '. ' : '') + (p.ylabel || '') + ' over time, ' + year(p.t0) + '\u2013' + year(p.t1) +
           (parts.length ? ': ' + parts.join('; ') : '') + '.';
  }

  // The values behind a time panel, once a year, as a table (the chart's text alternative).
  function table(p) {
    if (!p.hover) return null;
    var d = el('details', 'values');
    d.appendChild(text('summary', null, 'Values as a table'));
    var tb = '<div class="scroll"><table><thead><tr><th>when</th>';
    p.hover.series.forEach(function (s) { tb += '<th class="num">' + esc(s.name) + '</th>'; });
    tb += '</tr></thead><tbody>';
    p.hover.t.forEach(function (t, i) {
      if (Math.abs(t - Math.round(t)) > 1e-6 && i !== p.hover.t.length - 1) return;
      tb += '<tr><td>' + when(t) + '</td>';
      p.hover.series.forEach(function (s) {
        var v = s.v[i];
        tb += '<td class="num">' + (v === null || v === undefined ? '\u2013' : value(v, s)) + '</td>';
      });
      tb += '</tr>';
    });
    d.insertAdjacentHTML('beforeend', tb + '</tbody></table></div>');
    return d;
  }

  // ------------------------------------------------------------------ time panels
  var RAD = 8.5, ROW = 19, B = 48;
  function geometry(p) {
    var widest = 0;
    p.yticks.forEach(function (t) { widest = Math.max(widest, Array.from(t[1]).length); });
    var L = Math.max(70, 34 + 7.6 * widest + 8), R = p.width - p.right;
    return { L: L, R: R, X: function (t) { return L + (t - p.t0) / (p.t1 - p.t0) * (R - L); } };
  }
  function inside(p, t) { return t >= p.t0 - 1e-9 && t <= p.t1 + 1e-9; }
  // Numbered events in rows so circles do not overlap: row of each event, and the count.
  function eventRows(p, events) {
    if (p.events !== 'numbered') return { row: [], rows: 0, events: [] };
    var g = geometry(p), last = [], row = [], evs = (events || []).filter(function (e) { return inside(p, e.t); });
    evs.forEach(function (e) {
      var x = g.X(e.t), r = 0;
      while (r < last.length && x - last[r] < 2 * RAD + 1.5) ++r;
      if (r === last.length) last.push(-1e9);
      last[r] = x;
      row.push(r);
    });
    return { row: row, rows: evs.length ? Math.max(1, last.length) : 0, events: evs };
  }

  function timePanel(p, rows, events) {
    if (!p.yticks) p.yticks = yticks(p);
    var g = geometry(p), H = p.height, W = p.width;
    var strip = rows ? rows * ROW + 8 : 0, T = strip + 8, bottom = H - B;
    var Y = function (v) { return bottom - (v - p.y0) / (p.y1 - p.y0) * (bottom - T); };
    var clamp = function (v) { return v === null ? null : Math.min(p.y1, Math.max(p.y0, v)); };
    var tickValues = p.yticks.map(function (t) { return t[0]; });
    var tickLabel = new Map(p.yticks.map(function (t) { return [t[0], t[1]]; }));
    var span = p.t1 - p.t0, xstep = 1;
    [1, 2, 5, 10, 20, 25, 50, 100].some(function (s) { xstep = s; return span / s * 60 <= g.R - g.L; });
    var xt = [];
    for (var t = Math.ceil(p.t0 / xstep - 1e-9) * xstep; t <= p.t1 + 1e-9; t += xstep) xt.push(t);
    var marks = [];
    p.windows.forEach(function (w) {
      var a = g.X(w.from), b = g.X(w.to);
      if (b <= a) return;
      marks.push(Plot.rect([w], { x1: 'from', x2: 'to', fill: '#E69F00', fillOpacity: 0.13, title: 'tip', className: 'move-window has-tip' }));
      var label = [w.label, 'what-if'].filter(function (s) { return 7.2 * s.length + 10 <= b - a; })[0];
      if (label) {
        marks.push(Plot.text([w], { x: 'from', frameAnchor: 'bottom', dx: 5, dy: -8, text: function () { return label; },
                                    textAnchor: 'start', fill: '#8a5a00', fontWeight: 600, fontSize: 12.5 }));
      }
    });
    marks.push(Plot.gridY(tickValues, { stroke: '#e6e6e6', strokeOpacity: 1 }));
    marks.push(Plot.axisY(tickValues, { tickFormat: function (v) { return tickLabel.get(v); }, tickSize: 0, tickPadding: 8,
                                        fontSize: 13, label: p.ylabel, labelAnchor: 'center', labelArrow: 'none',
                                        labelOffset: g.L - 10 }));
    marks.push(Plot.axisX(xt, { tickFormat: year, fontSize: 13, label: 'Year', labelAnchor: 'center', labelArrow: 'none',
                                labelOffset: 40 }));
    marks.push(Plot.ruleY([p.y0], { stroke: '#777' }));
    if (p.zero) marks.push(Plot.ruleY([0], { stroke: '#333', strokeWidth: 1.2 }));
    p.areas.forEach(function (a) {
      var idx = range(a.t.length).filter(function (i) { return inside(p, a.t[i]) && a.lo[i] !== null && a.hi[i] !== null; });
      marks.push(Plot.areaY(idx, { x: function (i) { return a.t[i]; }, y1: function (i) { return clamp(a.lo[i]); },
                                   y2: function (i) { return clamp(a.hi[i]); }, fill: a.color, fillOpacity: a.opacity,
                                   className: 'data area' }));
    });
    var ev = eventRows(p, events);
    if (ev.events.length) {
      marks.push(Plot.ruleX(ev.events, { x: 't', y1: p.y0, y2: p.y1, stroke: '#8a8a8a', strokeDasharray: '2 3', strokeOpacity: 0.45 }));
    }
    p.lines.forEach(function (l) {
      var idx = range(l.t.length).filter(function (i) { return inside(p, l.t[i]); });
      marks.push(Plot.lineY(idx, { x: function (i) { return l.t[i]; }, y: function (i) { return clamp(l.v[i]); },
                                   stroke: l.color, strokeWidth: l.width, strokeDasharray: l.dash, strokeLinejoin: 'round',
                                   className: 'data line' }));
    });
    var pts = p.points.filter(function (q) { return inside(p, q.t); });
    if (pts.length) {
      marks.push(Plot.ruleX(pts, { x: 't', y1: 'lo', y2: 'hi', stroke: 'color', strokeOpacity: 0.35, strokeWidth: 1.5 }));
      marks.push(Plot.dot(pts, { x: 't', y: 'v', r: 4, fill: function (q) { return q.hollow ? '#ffffff' : q.color; },
                                 stroke: 'color', strokeWidth: 1.6, title: 'tip', className: 'data data-point has-tip' }));
    }
    if (p.labels.length) {
      // End labels on the right, pushed apart so they do not overlap.
      var ys = p.labels.map(function (e) { return { y: Y(e.v), e: e }; }).sort(function (a, b) { return a.y - b.y; });
      for (var i = 1; i < ys.length; ++i) ys[i].y = Math.max(ys[i].y, ys[i - 1].y + 16);
      var over = ys[ys.length - 1].y - bottom;
      if (over > 0) {
        ys.forEach(function (y) { y.y -= over; });
        for (var k = ys.length - 2; k >= 0; --k) ys[k].y = Math.min(ys[k].y, ys[k + 1].y - 16);
      }
      marks.push(Plot.text(ys, { x: function () { return p.t1; }, y: function (d) { return p.y0 + (bottom - d.y) / (bottom - T) * (p.y1 - p.y0); },
                                 text: function (d) { return d.e.text; }, fill: function (d) { return d.e.color; },
                                 dx: 8, textAnchor: 'start', fontWeight: 700, fontSize: 14, clip: false }));
    }
    if (ev.events.length) {
      for (var r = 0; r < rows; ++r) {
        var inRow = ev.events.filter(function (e, k) { return ev.row[k] === r; });
        var dy = 4 + RAD + r * ROW - T;
        [false, true].forEach(function (added) {
          var some = inRow.filter(function (e) { return !!e.added === added; });
          if (!some.length) return;
          marks.push(Plot.dot(some, { x: 't', frameAnchor: 'top', dy: dy, r: RAD, fill: added ? '#ffffff' : 'color', stroke: 'color',
                                      strokeWidth: added ? 2.2 : 1, title: 'tip', className: 'event-marker has-tip' }));
          marks.push(Plot.text(some, { x: 't', frameAnchor: 'top', dy: dy - 0.5, text: function (e) { return String(e.number); },
                                       fill: 'ink', fontSize: 10.5, fontWeight: 700, pointerEvents: 'none' }));
        });
      }
    } else if (p.events === 'ticks') {
      var ticks = (events || []).filter(function (e) { return inside(p, e.t); });
      if (ticks.length) {
        marks.push(Plot.dot(ticks, { x: 't', frameAnchor: 'bottom', dy: -3.5, symbol: 'triangle', r: 4.5, fill: 'color',
                                     title: 'tip', className: 'event-marker has-tip' }));
      }
    }
    var svg = Plot.plot({
      width: W, height: H, marginLeft: g.L, marginRight: p.right, marginTop: T, marginBottom: B,
      style: { fontFamily: FONT, fontSize: '13px', overflow: 'visible' },
      x: { domain: [p.t0, p.t1] }, y: { domain: [p.y0, p.y1] }, color: { type: 'identity' },
      ariaLabel: (p.title || p.ylabel), ariaDescription: describe(p),
      marks: marks
    });
    svg.classList.add('panel');
    svg.setAttribute('data-chart', p.id);
    svg.setAttribute('role', 'img');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    if (p.hover) crosshair(svg, p, g, T, bottom);
    tooltips(svg, p.focusMarks);
    return svg;
  }

  // The hover read-out: a vertical line at the nearest recorded instant and every series'
  // value there; the arrow keys move it when the chart has the keyboard focus.
  function crosshair(svg, p, g, T, bottom) {
    var NS = 'http://www.w3.org/2000/svg', h = p.hover;
    var line = document.createElementNS(NS, 'line');
    line.setAttribute('class', 'xhair');
    line.setAttribute('y1', T);
    line.setAttribute('y2', bottom);
    svg.appendChild(line);
    var zone = document.createElementNS(NS, 'rect');
    zone.setAttribute('class', 'hover-zone');
    zone.setAttribute('x', g.L);
    zone.setAttribute('y', T);
    zone.setAttribute('width', Math.max(0, g.R - g.L));
    zone.setAttribute('height', Math.max(0, bottom - T));
    // Above the data, below the marks that have their own tooltip.
    svg.insertBefore(zone, svg.querySelector('.data-point, .event-marker'));
    var idx = range(h.t.length).filter(function (i) { return inside(p, h.t[i]); }), at = idx.length - 1;
    function readout(k, cx, cy) {
      if (k < 0) return;
      at = k;
      var i = idx[k], x = g.X(h.t[i]);
      line.setAttribute('x1', x);
      line.setAttribute('x2', x);
      line.style.visibility = 'visible';
      var html = '<b>' + when(h.t[i]) + '</b>';
      h.series.forEach(function (s) {
        var v = s.v[i];
        if (v === null || v === undefined) return;
        html += '<br><span class="sw" style="background:' + esc(s.color) + '"></span>' + esc(s.name) + ': ' + value(v, s);
      });
      show(html, cx, cy);
    }
    zone.addEventListener('mousemove', function (e) {
      var pt = svg.createSVGPoint();
      pt.x = e.clientX;
      pt.y = e.clientY;
      var q = pt.matrixTransform(svg.getScreenCTM().inverse());
      var t = p.t0 + (q.x - g.L) / (g.R - g.L) * (p.t1 - p.t0), best = Infinity, k = 0;
      idx.forEach(function (i, n) { var d = Math.abs(h.t[i] - t); if (d < best) { best = d; k = n; } });
      readout(k, e.clientX, e.clientY);
    });
    zone.addEventListener('mouseleave', function () { line.style.visibility = 'hidden'; hide(); });
    svg.setAttribute('tabindex', '0');
    svg.addEventListener('keydown', function (e) {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      e.preventDefault();
      var r = svg.getBoundingClientRect();
      readout(Math.max(0, Math.min(idx.length - 1, at + (e.key === 'ArrowLeft' ? -1 : 1))), r.left + r.width / 2, r.top);
    });
    svg.addEventListener('blur', function () { line.style.visibility = 'hidden'; hide(); });
  }

  // ------------------------------------------------------------------ bars
  function barsPanel(p) {
    var rows = p.rows, W = p.width, n = rows.length, labelW = Math.min(250, W * 0.42), rowH = 30, top = 8;
    var H = top + rowH * n + 14, lo = 0, hi = 0;
    rows.forEach(function (r) {
      lo = Math.min(lo, r.value, r.lo === undefined ? 0 : r.lo);
      hi = Math.max(hi, r.value, r.hi === undefined ? 0 : r.hi);
    });
    if (hi - lo <= 0) hi = lo + 1;
    var x0 = labelW + 10, x1 = W - 96, px = (x1 - x0) / (hi - lo);
    var idx = function (d) { return rows.indexOf(d); };
    var svg = Plot.plot({
      width: W, height: H, marginLeft: x0, marginRight: 96, marginTop: top, marginBottom: 14,
      style: { fontFamily: FONT, fontSize: '14px', overflow: 'visible' },
      x: { domain: [lo, hi], axis: null }, y: { domain: range(n), axis: null, paddingInner: 0.4, paddingOuter: 0.2 },
      color: { type: 'identity' }, ariaLabel: p.title || 'bars',
      ariaDescription: rows.map(function (r) { return r.label + ': ' + r.text; }).join('; '),
      marks: [
        Plot.barX(rows, { x1: function (d) { return Math.min(0, d.value); }, x2: function (d) { return Math.max(0, d.value) + (Math.abs(d.value) * px < 0.8 ? 0.8 / px : 0); },
                          y: idx, fill: 'color', fillOpacity: function (d) { return d.total ? 0.55 : 1; },
                          title: function (d) { return d.label + ': ' + d.text; }, className: 'data bar has-tip' }),
        Plot.ruleY(rows.filter(function (d) { return d.lo !== undefined; }), { y: idx, x1: 'lo', x2: 'hi', stroke: '#1b1b1b', strokeWidth: 1.4 }),
        Plot.tickX(rows.filter(function (d) { return d.lo !== undefined; }), { x: 'lo', y: idx, stroke: '#1b1b1b', strokeWidth: 1.4, inset: 3 }),
        Plot.tickX(rows.filter(function (d) { return d.lo !== undefined; }), { x: 'hi', y: idx, stroke: '#1b1b1b', strokeWidth: 1.4, inset: 3 }),
        Plot.ruleX([0], { stroke: '#333', strokeWidth: 1.2 }),
        Plot.text(rows, { y: idx, frameAnchor: 'left', dx: -10, textAnchor: 'end', text: 'label', fill: '#1b1b1b',
                          filter: function (d) { return !d.total; }, lineWidth: (labelW - 10) / 7.4, textOverflow: 'ellipsis' }),
        Plot.text(rows, { y: idx, frameAnchor: 'left', dx: -10, textAnchor: 'end', text: 'label', fill: '#1b1b1b',
                          filter: function (d) { return d.total; }, fontWeight: 700 }),
        Plot.text(rows, { x: function (d) { return Math.max(0, d.value, d.hi === undefined ? 0 : d.hi); }, y: idx, text: 'text', dx: 6,
                          textAnchor: 'start', fill: '#1b1b1b', fontVariant: 'tabular-nums' })
      ]
    });
    return finish(svg, W, H);
  }

  // ------------------------------------------------------------------ stacked bars
  function stacksPanel(p) {
    var rows = p.rows, W = p.width, n = rows.length, labelW = 130, top = 8, rowH = 44, right = 170;
    var H = top + rowH * n + 46, hi = 0;
    var segs = [];
    rows.forEach(function (r, i) {
      var s = 0;
      r.segments.forEach(function (g) { s += g.value; segs.push({ row: i, name: g.name, color: g.color, value: g.value, tip: g.tip, start: s - g.value }); });
      r.total = s;
      hi = Math.max(hi, s);
    });
    if (hi <= 0) hi = 1;
    hi = d3.nice(0, hi, 6)[1];
    var x0 = labelW + 10, x1 = W - right, px = (x1 - x0) / hi;
    var svg = Plot.plot({
      width: W, height: H, marginLeft: x0, marginRight: right, marginTop: top, marginBottom: 46,
      style: { fontFamily: FONT, fontSize: '13px', overflow: 'visible' },
      x: { domain: [0, hi] }, y: { domain: range(n), axis: null, paddingInner: 16 / 44, paddingOuter: 8 / 44 },
      color: { type: 'identity' }, ariaLabel: p.xlabel,
      ariaDescription: rows.map(function (r) { return r.label + ': ' + r.suffix; }).join('; '),
      marks: [
        Plot.gridX({ stroke: '#e6e6e6', strokeOpacity: 1, ticks: 6 }),
        Plot.axisX({ ticks: 6, fontSize: 13, label: p.xlabel, labelAnchor: 'center', labelArrow: 'none', labelOffset: 40,
                     tickFormat: function (v) { return minus(String(v)); } }),
        Plot.barX(segs, { x1: 'start', x2: function (d) { return d.start + d.value; }, y: 'row', fill: 'color', stroke: '#ffffff',
                          title: 'tip', className: 'data segment has-tip' }),
        Plot.text(segs.filter(function (d) { return d.value * px > 7.3 * d.name.length + 8; }),
                  { x: function (d) { return d.start + d.value / 2; }, y: 'row', text: 'name', fontSize: 12.5, fontWeight: 600,
                    fill: function (d) { return dark(d.color) ? '#ffffff' : '#1b1b1b'; }, pointerEvents: 'none' }),
        Plot.text(rows, { y: function (d) { return rows.indexOf(d); }, frameAnchor: 'left', dx: -10, textAnchor: 'end', text: 'label',
                          fontSize: 14, fill: '#1b1b1b' }),
        Plot.text(rows, { x: 'total', y: function (d) { return rows.indexOf(d); }, text: 'suffix', dx: 8, textAnchor: 'start',
                          fontSize: 13.5, fill: '#1b1b1b' })
      ]
    });
    return finish(svg, W, H);
  }

  function finish(svg, W, H) {
    svg.classList.add('panel');
    svg.setAttribute('role', 'img');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    tooltips(svg);
    return svg;
  }

  // ------------------------------------------------------------------ legend and figures
  function swatch(it) {
    var c = esc(it.color), dash = it.dash ? ' stroke-dasharray="' + esc(it.dash) + '"' : '', s;
    switch (it.kind) {
      case 'line': s = '<line x1="1" x2="29" y1="7" y2="7" stroke="' + c + '" stroke-width="3"' + dash + '/>'; break;
      case 'band': s = '<rect x="1" y="1" width="28" height="12" fill="' + c + '" fill-opacity="0.25"/><line x1="1" x2="29" y1="7" y2="7" stroke="' + c + '" stroke-width="2"' + dash + '/>'; break;
      case 'mark': case 'hollow': s = '<circle cx="15" cy="7" r="6" fill="' + (it.kind === 'hollow' ? '#ffffff' : c) + '" stroke="' + c + '" stroke-width="2"/>'; break;
      case 'errorbar': s = '<path d="M15,1V13" stroke="' + c + '" stroke-opacity="0.35" stroke-width="1.5"/><circle cx="15" cy="7" r="3.5" fill="' + c + '"/>'; break;
      case 'tick': s = '<path d="M15,2l5.5,10h-11z" fill="' + c + '"/>'; break;
      case 'window': s = '<rect x="1" y="1" width="28" height="12" fill="#E69F00" fill-opacity="0.25"/>'; break;
      default: s = '<rect x="1" y="1" width="28" height="12" fill="' + c + '"/>';
    }
    return '<span class="item"><svg width="30" height="14" aria-hidden="true">' + s + '</svg>' + esc(it.label) + '</span>';
  }

  function figure(f, events, fail) {
    resolveHover(f);
    var fig = el('figure', 'chart');
    fig.id = f.id;
    var cap = el('figcaption');
    cap.appendChild(text('h2', null, 'Fig. ' + f.number + '. ' + f.title));
    if (f.subtitle) cap.appendChild(text('p', 'sub', f.subtitle));
    fig.appendChild(cap);
    fig.appendChild(legend(f.legend));
    var grid = el('div', 'panels cols-' + f.columns);
    // Panels side by side share their event strip's height, so their plots line up.
    var rows = 0;
    f.panels.forEach(function (p) { if (p.type === 'time') rows = Math.max(rows, eventRows(p, events).rows); });
    f.panels.forEach(function (p) {
      var box = el('div', p.reading !== undefined ? 'data-panel' : 'panel-box');
      if (p.title) box.appendChild(text('div', 'ptitle', p.title));
      try {
        var svg = p.type === 'time' ? timePanel(p, p.events === 'numbered' ? rows : 0, events) : p.type === 'bars' ? barsPanel(p) : stacksPanel(p);
        box.appendChild(svg);
        if (p.type === 'time') {
          box.appendChild(text('p', 'sr-only', describe(p)));
        }
      } catch (e) {
        if (!fail) throw e;
        fail('figure ' + f.id + ': ' + e.message);
      }
      if (p.reading) box.appendChild(text('p', 'meta', p.reading));
      if (p.type === 'time') { var t = table(p); if (t) box.appendChild(t); }
      grid.appendChild(box);
    });
    fig.appendChild(grid);
    if (f.extra) fig.insertAdjacentHTML('beforeend', f.extra);
    if (f.howto) fig.appendChild(el('aside', 'howto', '<h3>How to read this</h3>' + f.howto));
    return fig;
  }

  function legend(items) { return el('div', 'legend', items.map(swatch).join('')); }

  // A hover series may name the line or band edge it repeats instead of carrying the values.
  function resolveHover(f) {
    f.panels.forEach(function (p) {
      if (!p.hover) return;
      p.hover.series.forEach(function (s) {
        if (s.line !== undefined) s.v = p.lines[s.line].v;
        else if (s.area !== undefined) s.v = p.areas[s.area[0]][s.area[1]];
      });
    });
  }

  global.SmartpowerCharts = {
    figure: figure, timePanel: timePanel, barsPanel: barsPanel, stacksPanel: stacksPanel, legend: legend,
    describe: describe, table: table, niceRange: niceRange, esc: esc, year: year, when: when, minus: minus, value: value,
    show: show, hide: hide
  };
})(typeof self !== 'undefined' ? self : this);

/**
 * Browser-side code of report.html (plain ES2017, no modules): draws each scenario's charts
 * with uPlot when the scenario scrolls into view, so a 16-scenario report opens at once. Each
 * fault is a band of its own colour with its name in its own lane at the top (two overlapping
 * faults stay distinguishable); actions and alert firings are labelled vertical markers. Rates
 * are per second over each bucket's real width. Every chart carries data-rendered="1" once drawn.
 */
export const CHART_SCRIPT = String.raw`
(function () {
  var KIND_COLOURS = ['#15803d', '#0369a1', '#a16207', '#6d28d9', '#be123c', '#0f766e', '#4d7c0f'];
  var MARK = { action: '#111827', alert: '#9333ea', journey: '#0891b2' };
  var LANE = 14;
  function decorate(d) {
    return { hooks: {
      // Fault shading goes under the series; lanes (above the plot) and markers over them.
      drawClear: [function (u) {
        var ctx = u.ctx; ctx.save(); ctx.globalAlpha = 0.1;
        d.bands.forEach(function (b) {
          var x0 = u.valToPos(b.from, 'x', true), x1 = u.valToPos(b.to, 'x', true);
          ctx.fillStyle = b.colour; ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
        });
        ctx.restore();
      }],
      draw: [function (u) {
        var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, px = devicePixelRatio || 1;
        ctx.save(); ctx.font = (10 * px) + 'px sans-serif'; ctx.textAlign = 'left'; ctx.textBaseline = 'alphabetic';
        d.bands.forEach(function (b, i) {
          var x0 = u.valToPos(b.from, 'x', true), x1 = u.valToPos(b.to, 'x', true);
          var lane = top - (d.bands.length - i) * LANE * px;
          ctx.globalAlpha = 0.9; ctx.fillStyle = b.colour;
          ctx.fillRect(x0, lane, Math.max(2, x1 - x0), (LANE - 2) * px);
          ctx.globalAlpha = 1; ctx.fillStyle = '#fff';
          ctx.fillText(b.name, x0 + 3 * px, lane + 9 * px);
        });
        d.markers.forEach(function (m, i) {
          var x = u.valToPos(m.at, 'x', true), colour = MARK[m.kind] || '#111';
          ctx.strokeStyle = colour; ctx.lineWidth = px; ctx.setLineDash([4 * px, 3 * px]);
          ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
          ctx.setLineDash([]); ctx.fillStyle = colour;
          ctx.fillText(m.label.slice(0, 28), x + 3 * px, top + h - (4 + (i % 3) * 12) * px);
        });
        ctx.restore();
      }],
    } };
  }
  function rate(counts, w) { return counts.map(function (n, i) { return n / (w[i] || 1); }); }
  function mid(d) { return d.t.map(function (t, i) { return t + d.w[i] / 2; }); }
  function opts(title, scale, series, d, width) {
    return { title: title, width: width, height: 220 + d.bands.length * LANE, plugins: [decorate(d)],
      padding: [8 + d.bands.length * LANE, 12, 0, 0], scales: { x: { time: false, range: [0, d.xMax] } },
      axes: [{ label: 'run time (s), ' + scale }, {}], series: [{ label: 't (s)' }].concat(series) };
  }
  function draw(i) {
    var d = DATA[i], el = document.getElementById('charts' + i);
    if (!d || !el || el.dataset.drawn) return;
    el.dataset.drawn = '1';
    var width = Math.max(320, Math.min(960, el.clientWidth || 900)), x = mid(d), scale = SCALE;
    function chart(id, title, series, cols) {
      var host = document.createElement('div'); host.className = 'chart'; host.id = 'c' + i + '-' + id;
      el.appendChild(host);
      new uPlot(opts(title, scale, series, d, width), [x].concat(cols), host);
      host.dataset.rendered = '1';
    }
    var pos = d.kinds.filter(function (k) { return k.positive; });
    var neg = d.kinds.filter(function (k) { return !k.positive; });
    var s = [], c = [];
    pos.forEach(function (k, j) {
      var col = KIND_COLOURS[j % KIND_COLOURS.length];
      s.push({ label: k.kind + ' ok/s', stroke: col, width: 1.5 }); c.push(rate(k.ok, d.w));
      s.push({ label: k.kind + ' 401+403/s', stroke: '#d97706', dash: [6, 3] }); c.push(rate(k.rejected, d.w));
      s.push({ label: k.kind + ' 5xx+errors/s', stroke: '#dc2626', dash: [2, 2] }); c.push(rate(k.broken, d.w));
    });
    if (s.length > 0) chart('traffic', (d.mixed ? 'all requests (older result: kinds mixed)' : 'requests expecting success') + ', per second', s, c);
    if (neg.length > 0) chart('negative', 'negative cases: wrong answers per second (per kind)',
      neg.map(function (k, j) { return { label: k.kind + ' unexpected/s', stroke: KIND_COLOURS[(j + 3) % KIND_COLOURS.length] }; }),
      neg.map(function (k) { return rate(k.unexpected, d.w); }));
    var ls = pos.map(function (k, j) { return { label: k.kind + ' p95 ms', stroke: KIND_COLOURS[j % KIND_COLOURS.length] }; });
    var lc = pos.map(function (k) { return k.p95; });
    if (d.baselineP95 !== null) { ls.push({ label: 'baseline p95', stroke: '#6b7280', dash: [3, 3] }); lc.push(x.map(function () { return d.baselineP95; })); }
    chart('latency', 'latency p95 (ms, corrected) per kind', ls, lc);
    var jel = document.createElement('div'); jel.className = 'chart'; jel.id = 'c' + i + '-jwks'; el.appendChild(jel);
    new uPlot(opts('JWKS fetches per second at the provider', scale, [{ label: 'fetches', stroke: '#0f766e', width: 1.5 }], d, width),
      [d.jwks.t.map(function (t) { return t + 0.5; }), d.jwks.fetches], jel);
    jel.dataset.rendered = '1';
  }
  function drawAll() { DATA.forEach(function (_, i) { draw(i); }); }
  window.keystormDrawAll = drawAll;
  if (!('IntersectionObserver' in window)) { drawAll(); return; }
  var io = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting) { draw(Number(e.target.dataset.index)); io.unobserve(e.target); } });
  }, { rootMargin: '400px' });
  document.querySelectorAll('.charts[data-index]').forEach(function (el) { io.observe(el); });
})();
`;

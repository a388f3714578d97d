// sundflow dashboard charts: every [data-chart] element fetches its
// data-src (the same /api URL the CSV link downloads) and draws it with
// the embedded Apache ECharts, SVG renderer (crisp in print). No network
// access beyond this server.
"use strict";
(function () {
  const lang = document.documentElement.lang || "en";
  const nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  const fmt = (v) => (v === null || v === undefined ? "–" : nf.format(v));
  const palette = ["#0b5cad", "#e07b00", "#2f9e6a", "#8e44ad", "#c62828", "#5b6773", "#17a2b8", "#b8860b"];
  const charts = [];
  // niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten, so the
  // value axis ends on a round number at or above the target.
  const niceCeil = (x) => {
    if (!(x > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
    return 10 * p;
  };
  const base = {
    animation: false,
    color: palette,
    textStyle: { fontFamily: "system-ui, sans-serif" },
    tooltip: { trigger: "axis", valueFormatter: fmt },
    grid: { left: 8, right: 44, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, type: "scroll" },
  };

  function burnup(d) {
    const months = d.months || [];
    const x = months.map((m) => m.label);
    const series = [
      { name: d.labels.actual, type: "line", step: "end", data: months.map((m) => m.value), lineStyle: { width: 3 }, symbol: "none", areaStyle: { opacity: 0.12 },
        markLine: { silent: true, symbol: "none", label: { formatter: d.labels.target + " " + fmt(d.target), position: "insideEndTop" }, lineStyle: { color: "#1d2733", type: "solid" }, data: [{ yAxis: d.target }] } },
      { name: d.labels.plan, type: "line", data: months.map((m) => m.plan), lineStyle: { type: "dashed", color: "#7a8591" }, itemStyle: { color: "#7a8591" }, symbol: "none" },
    ];
    if (months.some((m) => m.forecast !== null && m.forecast !== undefined)) {
      series.push({ name: d.labels.forecast, type: "line", data: months.map((m) => m.forecast), lineStyle: { type: "dotted", width: 2, color: "#e07b00" }, itemStyle: { color: "#e07b00" }, symbol: "none" });
    }
    if (d.reported && d.reported.length) {
      const idx = (date) => months.findIndex((m) => date.startsWith(m.month));
      series.push({ name: d.labels.reported, type: "scatter", symbolSize: 10, itemStyle: { color: "#8e44ad" },
        data: d.reported.map((r) => [idx(r.date), r.value]).filter((p) => p[0] >= 0) });
    }
    return Object.assign({}, base, {
      xAxis: { type: "category", data: x, axisLabel: { interval: (i) => /-(01|07)$/.test(months[i].month), alignMinLabel: "left", showMinLabel: true } },
      yAxis: { type: "value", max: (v) => niceCeil(Math.max(v.max, d.target) * 1.04), axisLabel: { formatter: fmt } },
      series: series,
    });
  }

  function bars(d) {
    const g = d.groups || [];
    const horizontal = d.by !== "month" && d.by !== "year";
    const cat = { type: "category", data: g.map((x) => x.label), inverse: horizontal, axisLabel: { hideOverlap: !horizontal, width: 200, overflow: "truncate" } };
    const val = { type: "value", axisLabel: { formatter: fmt } };
    return Object.assign({}, base, {
      legend: { show: false },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: [{ name: d.unit, type: "bar", data: g.map((x) => x.value), label: { show: horizontal, position: "right", formatter: (p) => fmt(p.value) } }],
    });
  }

  function funnel(d) {
    const s = d.stages || [];
    return Object.assign({}, base, {
      legend: { show: false },
      xAxis: { type: "value", axisLabel: { formatter: fmt } },
      yAxis: { type: "category", inverse: true, data: s.map((x) => x.label), axisLabel: { width: 200, overflow: "truncate" } },
      series: [{ type: "bar", data: s.map((x) => x.people), label: { show: true, position: "right", formatter: (p) => fmt(p.value) } }],
    });
  }

  function open(d) {
    const rows = d.open || [];
    return Object.assign({}, base, {
      xAxis: { type: "value", axisLabel: { formatter: fmt } },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.label), axisLabel: { width: 220, overflow: "truncate" } },
      series: (d.countries || []).map((c) => ({ name: c.label, type: "bar", stack: "positions", data: rows.map((r) => r.positions[c.key] || 0) })),
    });
  }

  function ttf(d) {
    const rows = d.time_to_fill_by_month || [];
    return Object.assign({}, base, {
      xAxis: { type: "category", data: rows.map((r) => r.label), axisLabel: { hideOverlap: true } },
      yAxis: [{ type: "value", axisLabel: { formatter: fmt } }, { type: "value", axisLabel: { formatter: fmt }, splitLine: { show: false } }],
      series: [
        { name: d.labels.days, type: "line", data: rows.map((r) => r.mean_days) },
        { name: d.labels.filled, type: "bar", yAxisIndex: 1, data: rows.map((r) => r.filled), itemStyle: { opacity: 0.4 } },
      ],
    });
  }

  function balanceISCO(d) {
    const rows = d.by_isco || [];
    const c = d.columns;
    return Object.assign({}, base, {
      xAxis: { type: "value", axisLabel: { formatter: fmt } },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.label), axisLabel: { width: 220, overflow: "truncate" } },
      series: [
        { name: c.open_dk, type: "bar", data: rows.map((r) => r.open_dk) },
        { name: c.placed_se_dk, type: "bar", data: rows.map((r) => r.placed_se_dk) },
        { name: c.open_se, type: "bar", data: rows.map((r) => r.open_se) },
        { name: c.placed_dk_se, type: "bar", data: rows.map((r) => r.placed_dk_se) },
      ],
    });
  }

  function balanceSector(d) {
    const rows = d.by_sector || [];
    const c = d.columns;
    return Object.assign({}, base, {
      xAxis: { type: "value", axisLabel: { formatter: fmt } },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.label), axisLabel: { width: 220, overflow: "truncate" } },
      series: [
        { name: c.open_dk, type: "bar", data: rows.map((r) => r.open_dk) },
        { name: c.looking_se, type: "bar", data: rows.map((r) => r.looking_se) },
        { name: c.open_se, type: "bar", data: rows.map((r) => r.open_se) },
        { name: c.looking_dk, type: "bar", data: rows.map((r) => r.looking_dk) },
      ],
    });
  }

  const kinds = { burnup: burnup, bars: bars, funnel: funnel, open: open, ttf: ttf, "balance-isco": balanceISCO, "balance-sector": balanceSector };

  function draw(el) {
    const kind = kinds[el.dataset.chart];
    if (!kind || !window.echarts) return Promise.resolve();
    return fetch(el.dataset.src, { headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(r.status + " " + r.statusText); return r.json(); })
      .then((d) => {
        const c = window.echarts.init(el, null, { renderer: "svg" });
        c.setOption(kind(d));
        charts.push(c);
        el.dataset.drawn = "true";
      })
      .catch((e) => { el.textContent = "⚠ " + e.message; el.dataset.drawn = "error"; });
  }

  function init() {
    const els = Array.from(document.querySelectorAll("[data-chart]"));
    Promise.all(els.map(draw)).then(() => { document.body.dataset.chartsReady = "true"; });
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  window.addEventListener("beforeprint", () => charts.forEach((c) => c.resize()));
  if (window.matchMedia) window.matchMedia("print").addEventListener("change", () => charts.forEach((c) => c.resize()));
  window.addEventListener("afterprint", () => charts.forEach((c) => c.resize()));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();

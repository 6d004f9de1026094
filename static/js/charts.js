/* Dashboard charts: every element with data-chart="<id of a JSON script block>" becomes an ECharts
   chart. The server writes the data (categories, series, unit, optional target and drill-down links);
   this file only turns it into ECharts options, so no script is inline (the CSP forbids it).
   When a chart has drawn, its element gets data-chart-ready="true". */
(function () {
  'use strict';

  var PALETTE = ['#0d6efd', '#20c997', '#fd7e14', '#6f42c1', '#dc3545', '#198754', '#0dcaf0', '#6c757d'];

  function number(value, unit) {
    if (value === null || value === undefined) { return '—'; }
    var text = Number(value).toLocaleString(document.documentElement.lang || 'zh-CN',
      { maximumFractionDigits: unit === '%' ? 1 : 2 });
    return unit ? text + (unit === '%' ? '%' : ' ' + unit) : text;
  }

  function axisTooltip(spec) {
    return {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: function (value) { return number(value, spec.unit); }
    };
  }

  function cartesian(spec, horizontal) {
    var series = spec.series.map(function (s, i) {
      var item = {
        name: s.name, type: s.kind || (spec.type === 'line' ? 'line' : 'bar'), data: s.data,
        stack: spec.type === 'stacked' ? 'total' : undefined, smooth: false,
        yAxisIndex: s.axis === 'right' && !horizontal ? 1 : 0,
        emphasis: { focus: 'series' }, barMaxWidth: 36
      };
      if (spec.labels) {  // each bar's value beside it (bars of very different sizes)
        item.label = { show: true, position: horizontal ? 'right' : 'top',
                       formatter: function (p) { return number(p.value); } };
      }
      if (i === (spec.targetSeries || 0) && spec.target !== undefined && spec.target !== null) {
        item.markLine = {
          symbol: 'none', label: { formatter: spec.targetLabel || '', position: 'insideEndTop' },
          lineStyle: { type: 'dashed', color: '#dc3545' },
          data: [horizontal ? { xAxis: spec.target } : { yAxis: spec.target }]
        };
      }
      return item;
    });
    var valueAxis = { type: 'value', axisLabel: { formatter: function (v) { return number(v); } },
                      name: spec.unit || '' };
    var categoryAxis = { type: 'category', data: spec.categories,
                         axisLabel: { interval: 0, rotate: !horizontal && spec.categories.length > 8 ? 30 : 0,
                                      width: horizontal ? 140 : 90, overflow: 'truncate' },
                         inverse: !!horizontal };
    var yAxes = [valueAxis];
    if (!horizontal && spec.series.some(function (s) { return s.axis === 'right'; })) {
      yAxes.push({ type: 'value', name: spec.rightUnit || '', splitLine: { show: false },
                   axisLabel: { formatter: function (v) { return number(v); } } });
    }
    // The axis of the target's series reaches the target, so that its line is always drawn.
    if (spec.target !== undefined && spec.target !== null) {
      var targetSeries = spec.series[spec.targetSeries || 0] || {};
      var axis = horizontal ? valueAxis : yAxes[targetSeries.axis === 'right' && yAxes.length > 1 ? 1 : 0];
      axis.max = function (extent) { return Math.max(extent.max, spec.target); };
    }
    return {
      color: PALETTE,
      tooltip: axisTooltip(spec),
      // The legend sits under the chart, away from the axis' unit above it.
      legend: { show: spec.series.length > 1, bottom: 0 },
      grid: { left: horizontal ? 150 : 60, right: spec.labels ? 70 : 30, top: 30,
              bottom: spec.series.length > 1 ? 64 : 40, containLabel: !horizontal },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : yAxes,
      series: series
    };
  }

  function funnel(spec) {
    var data = spec.categories.map(function (name, i) { return { name: name, value: spec.series[0].data[i] }; });
    return {
      color: PALETTE,
      tooltip: { trigger: 'item', formatter: function (p) { return p.name + ': ' + number(p.value, spec.unit); } },
      series: [{
        type: 'funnel', sort: 'none', left: '10%', width: '80%', minSize: '8%', gap: 2, data: data,
        label: { show: true, position: 'inside', formatter: function (p) { return p.name + ' ' + number(p.value); } }
      }]
    };
  }

  function pie(spec) {
    var data = spec.categories.map(function (name, i) { return { name: name, value: spec.series[0].data[i] }; });
    return {
      color: PALETTE,
      tooltip: { trigger: 'item', formatter: function (p) { return p.name + ': ' + number(p.value, spec.unit) + ' (' + p.percent + '%)'; } },
      legend: { type: 'scroll', bottom: 0 },
      series: [{ type: 'pie', radius: ['40%', '70%'], data: data, label: { formatter: '{b}: {d}%' } }]
    };
  }

  function gauge(spec) {
    var value = spec.series[0].data[0];
    return {
      series: [{
        type: 'gauge', min: 0, max: Math.max(100, Math.ceil(value / 10) * 10), progress: { show: true, width: 14 },
        axisLine: { lineStyle: { width: 14 } }, pointer: { show: false },
        axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false },
        detail: { valueAnimation: false, formatter: function (v) { return number(v, '%'); }, fontSize: 22, offsetCenter: [0, '0%'] },
        title: { offsetCenter: [0, '45%'] },
        data: [{ value: value, name: spec.series[0].name || '' }]
      }]
    };
  }

  function options(spec) {
    switch (spec.type) {
      case 'funnel': return funnel(spec);
      case 'pie': return pie(spec);
      case 'gauge': return gauge(spec);
      case 'hbar': return cartesian(spec, true);
      default: return cartesian(spec, false);
    }
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute('data-chart'));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    var values = [].concat.apply([], spec.series.map(function (s) { return s.data; }));
    if (spec.type !== 'gauge' && !values.some(function (v) { return v !== null && v !== undefined && v !== 0; })) {
      element.textContent = spec.empty || '—';  // no empty frame: say there is nothing yet
      element.classList.add('chart-empty');
      element.setAttribute('data-chart-ready', 'true');
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: 'canvas' });
    chart.on('finished', function () { element.setAttribute('data-chart-ready', 'true'); });
    if (spec.links) {
      element.classList.add('chart-links');
      chart.on('click', function (params) {
        var link = spec.links[params.dataIndex];
        if (link) { window.location.href = link; }
      });
    }
    chart.setOption(Object.assign({ animation: false, textStyle: { fontFamily: 'inherit' } }, options(spec)));
    window.addEventListener('resize', function () { chart.resize(); });
  }

  function drawAll() {
    document.querySelectorAll('[data-chart]').forEach(function (element) {
      element.style.height = (element.getAttribute('data-height') || '320') + 'px';
      draw(element);
    });
    // A period selector submits its form as soon as a period is picked.
    document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
      select.addEventListener('change', function () {
        var form = select.form;
        ['from', 'to'].forEach(function (name) { if (form.elements[name]) { form.elements[name].value = ''; } });
        form.submit();
      });
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', drawAll);
  } else {
    drawAll();
  }
}());

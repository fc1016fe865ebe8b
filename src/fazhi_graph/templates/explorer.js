/* fazhi-graph explorer. Report text is untrusted: it only reaches the DOM through textContent
   (el() below) and tooltips are DOM elements, never HTML strings. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("fz-data").textContent);
  var ROOT = document.documentElement;
  var COLORS = {};
  Object.keys(DATA.legend.nodes).forEach(function (k) { COLORS[k] = DATA.legend.nodes[k].color; });
  var VIEW_ORDER = ["bureau-practice", "bureau-problem", "bureau-law", "bureau-similarity"];
  var LEVELS = { "province": "省级", "city": "市级", "district": "区级", "county": "县级", "county-level-city": "县级市" };
  var STATUS = { "done": "已开展", "planned": "计划开展", "both": "已开展·继续" };
  var DIM_NODE = { background: "#eeeeee", border: "#dddddd", highlight: { background: "#eeeeee", border: "#dddddd" } };
  var DIM_EDGE = { color: "rgba(200,200,200,0.25)", highlight: "rgba(200,200,200,0.25)", hover: "rgba(200,200,200,0.25)" };

  var state = { view: "bureau-practice", province: "", level: "", year: "", query: "", selected: null };
  var net = null, nodesDS = null, edgesDS = null;
  var view = null, byId = {}, edgeList = [], hiddenNodes = {}, hiddenEdges = {};
  var positions = {};
  var maxCount = 1;
  var container = document.getElementById("fz-network");
  var statusBox = document.getElementById("fz-status");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function levelName(l) { return l ? (LEVELS[l] ? LEVELS[l] + " (" + l + ")" : l) : ""; }
  function region(b) { return [b.province, b.city, b.county].filter(function (x) { return x; }).join(" · "); }
  function citeText(ev) {
    var parts = [ev.source];
    if (ev.year) parts.push(ev.year + "年");
    if (ev.section) parts.push("「" + ev.section + "」");
    return "— " + parts.join(" · ");
  }
  function appendEvidence(box, evs) {
    evs.forEach(function (ev) {
      box.appendChild(el("blockquote", "fz-quote", ev.quote));
      box.appendChild(el("div", "fz-cite", citeText(ev)));
    });
  }
  function setStatus(text) { statusBox.textContent = text; }

  /* ------------------------------------------------------------------ tooltips (DOM elements) */
  function nodeTip(n) {
    var d = el("div");
    d.appendChild(el("div", "fz-tip-title", n.label));
    if (n.type === "bureau") {
      if (region(n)) d.appendChild(el("div", null, region(n)));
      if (n.level) d.appendChild(el("div", null, "级别：" + levelName(n.level)));
      if (n.years.length) d.appendChild(el("div", null, "报告年度：" + n.years.join("、")));
    } else {
      if (n.label_en) d.appendChild(el("div", "fz-meta", n.label_en));
      d.appendChild(el("div", null, DATA.legend.nodes[n.type].label + "，" + n.count + " 个单位"));
    }
    return d;
  }
  function edgeTip(e) {
    var d = el("div");
    if (e.weight !== undefined) {
      d.appendChild(el("div", "fz-tip-title", byId[e.from].label + " ↔ " + byId[e.to].label));
      d.appendChild(el("div", null, "Jaccard 相似度 " + e.weight + "，共同举措 " + e.n_shared + " 项"));
      if (e.shared.length) d.appendChild(el("div", "fz-meta", e.shared.join("、")));
      return d;
    }
    var head = byId[e.from].label + " → " + byId[e.to].label;
    if (e.status) head += "（" + STATUS[e.status] + "）";
    d.appendChild(el("div", "fz-tip-title", head));
    appendEvidence(d, e.evidence.slice(0, 1));
    if (e.n_evidence > 1) d.appendChild(el("div", "fz-meta", "共 " + e.n_evidence + " 条原文依据，点击单位查看"));
    return d;
  }

  /* ------------------------------------------------------------------ styles */
  function nodeColor(n) {
    var c = COLORS[n.type];
    return { background: c, border: c, highlight: { background: c, border: "#222222" }, hover: { background: c, border: "#222222" } };
  }
  function nodeItem(n) {
    // long labels would blow up the layout's bounding box (and fit()): cut on canvas, full text in tooltip/panel
    var label = n.label.length > 24 ? n.label.slice(0, 23) + "…" : n.label;
    var item = { id: n.id, label: label, title: nodeTip(n), color: nodeColor(n), font: { color: "#222222" } };
    if (n.type === "bureau") {
      item.shape = "square";
      // similarity view: a bureau's size grows with its number of practices (sqrt: area ∝ count)
      item.size = state.view === "bureau-similarity" ? 5 + 13 * Math.sqrt(n.count / maxCount) : 9;
    } else {
      item.shape = "dot";
      item.value = n.count;
    }
    var p = positions[state.view] && positions[state.view][n.id];
    if (p) { item.x = p.x; item.y = p.y; }
    return item;
  }
  function edgeStyle(e) {
    if (e.weight !== undefined) return { color: { color: "rgba(0,114,178,0.45)", highlight: "#0072B2" }, width: 1 + 6 * e.weight, dashes: false };
    if (e.status === "planned") return { color: { color: "#E69F00", highlight: "#b37a00" }, width: 1.5, dashes: [6, 4] };
    if (e.status === "both") return { color: { color: "#607d8b", highlight: "#263238" }, width: 3.5, dashes: false };
    if (e.status === "done") return { color: { color: "#607d8b", highlight: "#263238" }, width: 1.5, dashes: false };
    return { color: { color: "#9e9e9e", highlight: "#424242" }, width: 1, dashes: false };
  }

  /* ------------------------------------------------------------------ network */
  function options(nNodes, nEdges, cached) {
    var big = nNodes > 400 || nEdges > 3000;
    return {
      autoResize: true,
      layout: { randomSeed: 20240601, improvedLayout: nNodes <= 150 },
      nodes: {
        font: { face: getComputedStyle(document.body).fontFamily, size: 14, strokeWidth: 3, strokeColor: "#ffffff" },
        scaling: { min: 6, max: 36, label: { enabled: true, min: 12, max: 20, drawThreshold: 7, maxVisible: 30 } },
        borderWidth: 1
      },
      edges: { smooth: false, selectionWidth: 1.5, hoverWidth: 0.5 },
      interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: false },
      physics: cached ? false : {
        enabled: true,
        solver: "forceAtlas2Based",
        forceAtlas2Based: { gravitationalConstant: -55, centralGravity: 0.012, springLength: 90, springConstant: 0.06, avoidOverlap: state.view === "bureau-similarity" ? 1 : 0.3 },
        stabilization: { enabled: true, iterations: big ? 120 : 350, updateInterval: 20, fit: true }
      }
    };
  }

  function markReady(ms) {
    positions[state.view] = net.getPositions();
    applyFilters();
    ROOT.dataset.fzReady = state.view;
    if (ms !== undefined) ROOT.dataset.fzStabilizeMs = String(ms);
    setStatus(summary());
    applyHash();
  }

  function buildView(name) {
    if (!DATA.views[name]) return;
    state.view = name;
    state.selected = null;
    delete ROOT.dataset.fzReady;
    delete ROOT.dataset.fzSelected;
    view = DATA.views[name];
    viewSel.value = name;
    byId = {};
    maxCount = 1;
    view.nodes.forEach(function (n) { byId[n.id] = n; if (n.count > maxCount) maxCount = n.count; });
    edgeList = view.edges.map(function (e, i) { return { id: "e" + i, e: e }; });
    hiddenNodes = {}; hiddenEdges = {};
    var cached = !!positions[name];
    nodesDS = new vis.DataSet(view.nodes.map(nodeItem));
    edgesDS = new vis.DataSet(edgeList.map(function (x) {
      var s = edgeStyle(x.e);
      var item = { id: x.id, from: x.e.from, to: x.e.to, title: edgeTip(x.e), color: s.color, width: s.width, dashes: s.dashes };
      if (x.e.weight !== undefined) item.length = 110 + 120 * (1 - x.e.weight);  // more similar = closer, never on top
      return item;
    }));
    document.getElementById("fz-note").textContent = view.note || "";
    if (net) net.destroy();
    var t0 = Date.now();
    setStatus("正在计算布局… (" + view.nodes.length + " 个节点, " + view.edges.length + " 条边)");
    net = new vis.Network(container, { nodes: nodesDS, edges: edgesDS }, options(view.nodes.length, view.edges.length, cached));
    net.on("stabilizationProgress", function (p) { setStatus("正在计算布局… " + p.iterations + "/" + p.total); });
    net.once("stabilizationIterationsDone", function () {
      net.setOptions({ physics: false });
      net.fit({ animation: false });
      markReady(Date.now() - t0);
    });
    net.on("click", function (p) {
      if (p.nodes.length) select(p.nodes[0]);
      else if (!p.edges.length) select(null);
    });
    // lay out every node first, filter afterwards: hidden nodes take no part in physics and would
    // otherwise reappear piled up where they started once a filter is lifted
    if (cached || view.nodes.length === 0) applyFilters();
    renderPanel();
    if (cached || view.nodes.length === 0) markReady(0);
  }

  /* ------------------------------------------------------------------ filters */
  function bureauOk(b) {
    if (state.province && b.province !== state.province) return false;
    if (state.level && b.level !== state.level) return false;
    if (state.year && b.years.indexOf(Number(state.year)) < 0) return false;
    return true;
  }
  function matches(n, q) {
    return n.label.toLowerCase().indexOf(q) >= 0 || (n.label_en || "").toLowerCase().indexOf(q) >= 0;
  }
  function applyFilters() {
    var q = state.query.trim().toLowerCase();
    var showNode = {}, showEdge = {};
    var sim = state.view === "bureau-similarity";
    edgeList.forEach(function (x) {
      var e = x.e, a = byId[e.from], b = byId[e.to];
      if (!bureauOk(a)) return;
      if (sim) {
        if (!bureauOk(b)) return;
        if (q && !matches(a, q) && !matches(b, q)) return;
      } else {
        if (state.year && e.years.indexOf(Number(state.year)) < 0) return;
        if (q && !matches(a, q) && !matches(b, q)) return;
      }
      showEdge[x.id] = true; showNode[e.from] = true; showNode[e.to] = true;
    });
    view.nodes.forEach(function (n) {
      if (n.type === "bureau" && bureauOk(n) && (!q || matches(n, q))) showNode[n.id] = true;
    });
    var nu = [], eu = [];
    view.nodes.forEach(function (n) {
      var h = !showNode[n.id];
      if (h !== !!hiddenNodes[n.id]) { hiddenNodes[n.id] = h; nu.push({ id: n.id, hidden: h }); }
    });
    edgeList.forEach(function (x) {
      var h = !showEdge[x.id];
      if (h !== !!hiddenEdges[x.id]) { hiddenEdges[x.id] = h; eu.push({ id: x.id, hidden: h }); }
    });
    if (nu.length) nodesDS.update(nu);
    if (eu.length) edgesDS.update(eu);
    if (state.selected && hiddenNodes[state.selected]) state.selected = null;
    highlight();
    ROOT.dataset.fzVisibleNodes = String(view.nodes.length - countTrue(hiddenNodes));
    ROOT.dataset.fzVisibleEdges = String(edgeList.length - countTrue(hiddenEdges));
    if (ROOT.dataset.fzReady) setStatus(summary());
  }
  function countTrue(o) { var n = 0; for (var k in o) if (o[k]) n++; return n; }
  function summary() {
    var txt = "显示 " + ROOT.dataset.fzVisibleNodes + " / " + view.nodes.length + " 个节点，" +
      ROOT.dataset.fzVisibleEdges + " / " + view.edges.length + " 条边";
    if (state.selected) txt += "；已选中：" + byId[state.selected].label;
    return txt;
  }

  /* ------------------------------------------------------------------ selection */
  function visibleEdgesOf(id) {
    return edgeList.filter(function (x) { return !hiddenEdges[x.id] && (x.e.from === id || x.e.to === id); });
  }
  function highlight() {
    var keepN = null, keepE = null;
    if (state.selected) {
      keepN = {}; keepE = {};
      keepN[state.selected] = true;
      var first = visibleEdgesOf(state.selected);
      first.forEach(function (x) { keepE[x.id] = true; keepN[x.e.from] = true; keepN[x.e.to] = true; });
      var sel = byId[state.selected];
      if (sel.type === "bureau" && state.view !== "bureau-similarity") {
        // what it shares: other bureaus linked to the same concepts
        first.forEach(function (x) {
          visibleEdgesOf(x.e.to).forEach(function (y) { keepE[y.id] = true; keepN[y.e.from] = true; });
        });
      }
    }
    nodesDS.update(view.nodes.map(function (n) {
      var dim = keepN && !keepN[n.id];
      return { id: n.id, color: dim ? DIM_NODE : nodeColor(n), font: { color: dim ? "#c8c8c8" : "#222222" } };
    }));
    edgesDS.update(edgeList.map(function (x) {
      var dim = keepE && !keepE[x.id];
      return { id: x.id, color: dim ? DIM_EDGE : edgeStyle(x.e).color };
    }));
  }

  function select(id) {
    if (id !== null && (!byId[id] || hiddenNodes[id])) id = null;
    state.selected = id;
    if (id) ROOT.dataset.fzSelected = id; else delete ROOT.dataset.fzSelected;
    highlight();
    if (net) { if (id) net.selectNodes([id], false); else net.unselectAll(); }
    renderPanel();
    if (ROOT.dataset.fzReady) setStatus(summary());
  }

  /* ------------------------------------------------------------------ side panel */
  function renderPanel() {
    var panel = document.getElementById("fz-panel");
    clear(panel);
    panel.appendChild(el("h2", null, "详情 (details)"));
    if (!state.selected) {
      panel.appendChild(el("p", "fz-hint", "点击单位查看其举措、与其他单位的共同点及原文依据；点击概念查看涉及的单位。(Click a bureau or a concept.)"));
      return;
    }
    var n = byId[state.selected];
    panel.appendChild(el("h3", null, n.label));
    if (n.type === "bureau") bureauPanel(panel, n); else conceptPanel(panel, n);
  }

  function bureauPanel(panel, b) {
    if (region(b)) panel.appendChild(el("div", "fz-meta", "地区：" + region(b)));
    if (b.level) panel.appendChild(el("div", "fz-meta", "级别：" + levelName(b.level)));
    if (b.years.length) panel.appendChild(el("div", "fz-meta", "报告年度：" + b.years.join("、")));
    if (b.sources.length) panel.appendChild(el("div", "fz-meta", "报告文件：" + b.sources.join("；")));
    var mine = visibleEdgesOf(b.id);
    if (state.view === "bureau-similarity") {
      panel.appendChild(el("h3", null, "相似单位 (similar bureaus)"));
      mine.sort(function (x, y) { return y.e.weight - x.e.weight; });
      if (!mine.length) panel.appendChild(el("p", "fz-hint", "没有高于阈值的相似单位。"));
      mine.forEach(function (x) {
        var other = byId[x.e.from === b.id ? x.e.to : x.e.from];
        var box = el("div", "fz-concept");
        var t = el("div", "fz-concept-title", other.label);
        t.appendChild(el("span", "fz-tag", "相似度 " + x.e.weight));
        box.appendChild(t);
        box.appendChild(el("div", "fz-meta", "共同举措 " + x.e.n_shared + " 项：" + x.e.shared.join("、")));
        panel.appendChild(box);
      });
      return;
    }
    // bureaus sharing the most concepts with this one
    var partners = {};
    mine.forEach(function (x) {
      visibleEdgesOf(x.e.to).forEach(function (y) {
        if (y.e.from !== b.id) partners[y.e.from] = (partners[y.e.from] || 0) + 1;
      });
    });
    var top = Object.keys(partners).sort(function (p, q) {
      return partners[q] - partners[p] || (byId[p].label < byId[q].label ? -1 : byId[p].label > byId[q].label ? 1 : 0);
    }).slice(0, 10);
    panel.appendChild(el("h3", null, "共同点最多的单位 (shares most with)"));
    if (!top.length) panel.appendChild(el("p", "fz-hint", "没有其他单位与其共享概念。"));
    var ul = el("ul", "fz-list");
    top.forEach(function (p) { ul.appendChild(el("li", null, byId[p].label + "：共享 " + partners[p] + " 项")); });
    panel.appendChild(ul);
    panel.appendChild(el("h3", null, "概念及原文依据 (" + mine.length + ")"));
    mine.sort(function (x, y) {
      return byId[y.e.to].count - byId[x.e.to].count || (byId[x.e.to].label < byId[y.e.to].label ? -1 : 1);
    });
    mine.forEach(function (x) {
      var c = byId[x.e.to];
      var box = el("div", "fz-concept");
      var t = el("div", "fz-concept-title", c.label);
      var status = state.year && x.e.status_by_year ? x.e.status_by_year[state.year] : x.e.status;
      if (status) t.appendChild(el("span", "fz-tag", STATUS[status]));
      t.appendChild(el("span", "fz-tag", "共 " + c.count + " 个单位"));
      box.appendChild(t);
      var others = (partners && visibleEdgesOf(c.id).length - 1) || 0;
      box.appendChild(el("div", "fz-meta", others > 0 ? "与当前可见的 " + others + " 个其他单位共享" : "仅此单位"));
      appendEvidence(box, x.e.evidence);
      if (x.e.n_evidence > x.e.evidence.length) box.appendChild(el("div", "fz-meta", "另有 " + (x.e.n_evidence - x.e.evidence.length) + " 条依据未列出"));
      panel.appendChild(box);
    });
  }

  function conceptPanel(panel, c) {
    panel.appendChild(el("div", "fz-meta", DATA.legend.nodes[c.type].label + (c.label_en ? " · " + c.label_en : "")));
    if (c.broader) panel.appendChild(el("div", "fz-meta", "上位概念：" + c.broader.join("、")));
    if (c.kind) panel.appendChild(el("div", "fz-meta", "类别：" + c.kind));
    var mine = visibleEdgesOf(c.id);
    panel.appendChild(el("h3", null, "涉及单位 (" + mine.length + ")"));
    mine.slice(0, 100).forEach(function (x) {
      var b = byId[x.e.from];
      var box = el("div", "fz-concept");
      var t = el("div", "fz-concept-title", b.label);
      if (x.e.status) t.appendChild(el("span", "fz-tag", STATUS[x.e.status]));
      box.appendChild(t);
      appendEvidence(box, x.e.evidence.slice(0, 1));
      panel.appendChild(box);
    });
    if (mine.length > 100) panel.appendChild(el("p", "fz-hint", "仅列出前 100 个单位。"));
  }

  /* ------------------------------------------------------------------ controls */
  function fillSelect(id, values, label) {
    var s = document.getElementById(id);
    values.forEach(function (v) {
      var o = el("option", null, label ? label(v) : v);
      o.value = String(v);
      s.appendChild(o);
    });
    return s;
  }
  function legend() {
    var box = document.getElementById("fz-legend");
    ["bureau", "practice", "candidate", "problem", "law"].forEach(function (k) {
      var item = el("div", "fz-legend-item");
      var sw = el("span", "fz-swatch" + (k === "bureau" ? " fz-square" : ""));
      sw.style.background = DATA.legend.nodes[k].color;
      item.appendChild(sw);
      item.appendChild(el("span", null, DATA.legend.nodes[k].label));
      box.appendChild(item);
    });
    ["done", "planned", "both"].forEach(function (k) {
      var item = el("div", "fz-legend-item");
      item.appendChild(el("span", "fz-line fz-" + k));
      item.appendChild(el("span", null, DATA.legend.edges[k]));
      box.appendChild(item);
    });
    box.appendChild(el("p", "fz-meta", "概念节点大小 = 提及该概念的单位数量 (node size = number of bureaus sharing it)；相似度视图中连线粗细 = Jaccard 相似度。"));
  }

  var viewSel = document.getElementById("fz-view");
  VIEW_ORDER.forEach(function (k) {
    if (!DATA.views[k]) return;
    var o = el("option", null, DATA.views[k].label);
    o.value = k;
    viewSel.appendChild(o);
  });
  var provSel = fillSelect("fz-province", DATA.filters.provinces);
  var levelSel = fillSelect("fz-level", DATA.filters.levels, levelName);
  var yearSel = fillSelect("fz-year", DATA.filters.years, function (y) { return y + "年"; });
  var search = document.getElementById("fz-search");
  viewSel.addEventListener("change", function () { buildView(viewSel.value); });
  provSel.addEventListener("change", function () { state.province = provSel.value; applyFilters(); renderPanel(); });
  levelSel.addEventListener("change", function () { state.level = levelSel.value; applyFilters(); renderPanel(); });
  yearSel.addEventListener("change", function () { state.year = yearSel.value; applyFilters(); renderPanel(); });
  var searchTimer = null;
  search.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { state.query = search.value; applyFilters(); renderPanel(); }, 150);
  });
  document.getElementById("fz-reset").addEventListener("click", function () {
    state.province = state.level = state.year = state.query = "";
    provSel.value = levelSel.value = yearSel.value = search.value = "";
    state.selected = null;
    delete ROOT.dataset.fzSelected;
    applyFilters(); renderPanel();
    if (net) net.fit();
  });

  /* Test and bookmark hook: #view=bureau-law&filter=province:河南省,level:county,year:2023&q=…&select=<node IRI or label>.
     Read once when a view is laid out and on every hashchange, so a headless browser (or a shared link)
     can open the page in a given state without scripting it. */
  var hashApplied = null;
  function applyHash() {
    var h = location.hash.replace(/^#/, "");
    if (!h || h === hashApplied) return;
    hashApplied = h;
    var params = {};
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) params[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1));
    });
    if (params.view && params.view !== state.view && DATA.views[params.view]) {
      viewSel.value = params.view;
      hashApplied = null;
      buildView(params.view);
      return; // re-applied by markReady once the new view is laid out
    }
    if (params.filter !== undefined) {  // the hash gives the whole filter state: "filter=" clears it
      state.province = state.level = state.year = "";
      provSel.value = levelSel.value = yearSel.value = "";
      params.filter.split(",").forEach(function (f) {
        if (f.indexOf(":") < 0) return;
        var i = f.indexOf(":"), k = f.slice(0, i), v = f.slice(i + 1);
        if (k === "province") { state.province = v; provSel.value = v; }
        if (k === "level") { state.level = v; levelSel.value = v; }
        if (k === "year") { state.year = v; yearSel.value = v; }
      });
    }
    if (params.q !== undefined) { state.query = params.q; search.value = params.q; }
    applyFilters();
    if (params.select) {
      var id = byId[params.select] ? params.select : null;
      if (!id) view.nodes.forEach(function (n) { if (!id && n.label === params.select) id = n.id; });
      select(id);
    } else {
      renderPanel();
    }
  }
  window.addEventListener("hashchange", function () { if (ROOT.dataset.fzReady) applyHash(); });

  legend();
  window.fzExplorer = {
    data: DATA, state: state, select: select, buildView: buildView,
    network: function () { return net; }, applyFilters: applyFilters
  };
  buildView(state.view);
})();

/* fazhi-graph explorer. Report text is untrusted: it only reaches the DOM through textContent
   (el() below) and tooltips are DOM elements, never HTML strings.

   Scale: the embedded data holds every bureau and edge (for filtering and the side panel), but the
   network only ever holds a bounded subgraph: the top-N bureaus by number of shared concepts (or
   one node per province), the concepts they share, and the edges between them. Each drawing is
   laid out with a bounded number of physics iterations and then frozen (physics off). */
(function () {
  "use strict";
  var ROOT = document.documentElement;
  var statusBox = document.getElementById("fz-status");

  function loadData() {
    var block = document.getElementById("fz-data");
    if (block.getAttribute("data-encoding") !== "gzip+base64") return Promise.resolve(JSON.parse(block.textContent));
    // big graphs: gzip + base64 (report text compresses ~4x), inflated by the browser itself
    var bin = atob(block.textContent.trim()), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }
  statusBox.textContent = "正在读取数据… (loading)";
  loadData().then(start, function (err) {
    statusBox.textContent = "无法读取页面数据 (could not read the page data): " + err;
    ROOT.dataset.fzError = String(err);
  });

  function start(DATA) {
  var COLORS = {};
  Object.keys(DATA.legend.nodes).forEach(function (k) { COLORS[k] = DATA.legend.nodes[k].color; });
  var VIEW_ORDER = ["bureau-practice", "bureau-problem", "bureau-law", "bureau-similarity"];
  var SIM = "bureau-similarity";
  var LEVELS = { "province": "省级", "city": "市级", "district": "区级", "county": "县级", "county-level-city": "县级市" };
  var STATUS = { "done": "已开展", "planned": "计划开展", "both": "已开展·继续" };
  var STATUS_NAMES = [null, "done", "planned", "both"];
  var DIM_NODE = { background: "#eeeeee", border: "#dddddd", highlight: { background: "#eeeeee", border: "#dddddd" } };
  var DIM_EDGE = { color: "rgba(200,200,200,0.25)", highlight: "rgba(200,200,200,0.25)", hover: "rgba(200,200,200,0.25)" };
  /* What the network may hold at once (the page stays responsive whatever the data size). */
  var TOP_N = [20, 50, 100, 200, 300];
  var MAX_CONCEPTS = 120, MAX_EDGES = 4000, AGG_CONCEPTS = 40, AGG_PER_PROVINCE = 6, MIN_SHARE_ABOVE = 30;

  var state = { view: "bureau-practice", province: "", level: "", year: "", query: "", concept: "", top: 50, mode: "bureaus", selected: null };
  var net = null, nodesDS = null, edgesDS = null;
  var V = null, shown = null, shownBig = false, byId = {}, maxCount = 1;
  var positions = {};
  var container = document.getElementById("fz-network");

  /* ------------------------------------------------------------------ data */
  var BUREAUS = DATA.bureaus.map(function (r, i) {
    return { idx: i, id: r[0], type: "bureau", label: r[1], province: r[2] >= 0 ? DATA.filters.provinces[r[2]] : "",
             city: r[3], county: r[4], level: r[5] >= 0 ? DATA.filters.levels[r[5]] : "", years: r[6], sources: r[7] };
  });
  var BUREAU_BY_ID = {};
  BUREAUS.forEach(function (b) { BUREAU_BY_ID[b.id] = b; });

  function unpack(name) {
    var v = DATA.views[name];
    if (v.E) return v;
    v.name = name;
    v.byBureau = BUREAUS.map(function () { return []; });
    if (name === SIM) {
      v.E = v.edges.map(function (r, i) {
        var e = { i: i, b: r[0], b2: r[1], from: BUREAUS[r[0]].id, to: BUREAUS[r[1]].id, weight: r[2], n_shared: r[3],
                  shared: r[4].map(function (k) { return v.labels[k]; }) };
        v.byBureau[r[0]].push(e); v.byBureau[r[1]].push(e);
        return e;
      });
      v.C = [];
      return v;
    }
    v.C = v.concepts;
    v.conceptIdx = {};
    v.byConcept = v.C.map(function (c, i) { v.conceptIdx[c.id] = i; c.ci = i; return []; });
    v.E = v.edges.map(function (r, i) {
      var sby = null;
      if (r[4].length) { sby = {}; r[3].forEach(function (y, k) { sby[String(y)] = STATUS_NAMES[r[4][k]]; }); }
      var e = { i: i, b: r[0], c: r[1], from: BUREAUS[r[0]].id, to: v.C[r[1]].id, status: STATUS_NAMES[r[2]], years: r[3],
                status_by_year: sby, n_evidence: r[5], ev: r[6] };
      v.byBureau[r[0]].push(e); v.byConcept[r[1]].push(e);
      return e;
    });
    return v;
  }
  function evidence(e) {
    var b = BUREAUS[e.b];
    return e.ev.map(function (x) {
      return { quote: x[0], source: x[1] >= 0 ? b.sources[x[1]] : "", year: x[2], section: DATA.sections[x[3]] || "" };
    });
  }

  /* ------------------------------------------------------------------ helpers */
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
  function byLabel(a, b) { return a.label < b.label ? -1 : a.label > b.label ? 1 : (a.id < b.id ? -1 : a.id > b.id ? 1 : 0); }

  /* ------------------------------------------------------------------ tooltips (DOM elements) */
  function nodeTip(n) {
    var d = el("div");
    d.appendChild(el("div", "fz-tip-title", n.label));
    if (n.type === "bureau") {
      if (region(n)) d.appendChild(el("div", null, region(n)));
      if (n.level) d.appendChild(el("div", null, "级别：" + levelName(n.level)));
      if (n.years.length) d.appendChild(el("div", null, "报告年度：" + n.years.join("、")));
    } else if (n.type === "province") {
      d.appendChild(el("div", null, n.count + " 个单位；点击查看该省单位 (click to open)"));
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
    if (e.agg) {
      d.appendChild(el("div", "fz-tip-title", byId[e.from].label + " → " + byId[e.to].label));
      d.appendChild(el("div", null, e.agg + " / " + byId[e.from].count + " 个单位"));
      return d;
    }
    var head = byId[e.from].label + " → " + byId[e.to].label;
    if (e.status) head += "（" + STATUS[e.status] + "）";
    d.appendChild(el("div", "fz-tip-title", head));
    appendEvidence(d, evidence(e).slice(0, 1));
    if (e.n_evidence > 1) d.appendChild(el("div", "fz-meta", "共 " + e.n_evidence + " 条原文依据，点击单位查看"));
    return d;
  }

  /* ------------------------------------------------------------------ styles */
  function nodeColor(n) {
    var c = COLORS[n.type];
    return { background: c, border: c, highlight: { background: c, border: "#222222" }, hover: { background: c, border: "#222222" } };
  }
  function shortLabel(s, max) { return s.length > max ? s.slice(0, max - 1) + "…" : s; }
  function nodeItem(n) {
    // long labels would blow up the layout's bounding box (and fit()): cut on canvas, full text in tooltip/panel
    var item = { id: n.id, label: shortLabel(n.label, n.type === "bureau" ? 16 : 14), title: nodeTip(n), color: nodeColor(n), font: { color: "#222222" } };
    if (n.type === "bureau") {
      item.shape = "square";
      // similarity view: a bureau's size grows with its number of practices (sqrt: area ∝ count)
      item.size = state.view === SIM ? 5 + 13 * Math.sqrt((n.count || 0) / maxCount) : 9;
      item.font = { color: "#222222", size: shownBig ? 14 : 13 };
    } else if (n.type === "province") {
      item.shape = "hexagon";
      item.value = n.count;
      item.font = { color: "#222222", size: 16 };
    } else {
      item.shape = "dot";
      item.value = n.count;
    }
    var p = positions[n.id];
    if (p) { item.x = p.x; item.y = p.y; }
    return item;
  }
  function edgeStyle(e) {
    if (e.weight !== undefined) return { color: { color: "rgba(0,114,178,0.45)", highlight: "#0072B2" }, width: 1 + 6 * e.weight, dashes: false };
    if (e.agg) return { color: { color: "rgba(86,180,233,0.6)", highlight: "#0072B2" }, width: 1 + 7 * e.share, dashes: false };
    if (e.status === "planned") return { color: { color: "#E69F00", highlight: "#b37a00" }, width: 1.5, dashes: [6, 4] };
    if (e.status === "both") return { color: { color: "#607d8b", highlight: "#263238" }, width: 3.5, dashes: false };
    if (e.status === "done") return { color: { color: "rgba(96,125,139,0.7)", highlight: "#263238" }, width: 1.2, dashes: false };
    return { color: { color: "rgba(120,120,120,0.55)", highlight: "#424242" }, width: 1, dashes: false };
  }

  /* ------------------------------------------------------------------ what to draw (bounded) */
  function bureauOk(b) {
    if (state.province && b.province !== state.province) return false;
    if (state.level && b.level !== state.level) return false;
    if (state.year && b.years.indexOf(Number(state.year)) < 0) return false;
    return true;
  }
  function matches(n, q) {
    return n.label.toLowerCase().indexOf(q) >= 0 || (n.label_en || "").toLowerCase().indexOf(q) >= 0;
  }
  function edgeOk(e, q) {
    if (!bureauOk(BUREAUS[e.b])) return false;
    if (state.year && e.years.indexOf(Number(state.year)) < 0) return false;
    if (q && !matches(BUREAUS[e.b], q) && !matches(V.C[e.c], q)) return false;
    return true;
  }
  /* All edges of the current view passing the filters (the side panel uses these too). */
  function filteredEdges() {
    var q = state.query.trim().toLowerCase();
    var ci = state.concept && V.conceptIdx ? V.conceptIdx[state.concept] : undefined;
    var pool = ci !== undefined ? V.byConcept[ci] : V.E;
    return pool.filter(function (e) { return edgeOk(e, q); });
  }

  function computeConceptView() {
    var q = state.query.trim().toLowerCase();
    var edges = filteredEdges();
    var inData = {};  // concepts shared by two or more bureaus among the filtered edges
    edges.forEach(function (e) { inData[e.c] = (inData[e.c] || 0) + 1; });
    if (state.mode === "provinces" && !state.province) return computeProvinces(edges, inData);
    // rank: number of shared concepts, then how widely they are shared (so ties do not fall back
    // to alphabetical order, which would fill the drawing with one city's bureaus), then label
    var score = {}, weight = {}, cand = {};
    edges.forEach(function (e) {
      cand[e.b] = true;
      if (inData[e.c] > 1) { score[e.b] = (score[e.b] || 0) + 1; weight[e.b] = (weight[e.b] || 0) + inData[e.c]; }
    });
    var total = 0, ranked = [];
    BUREAUS.forEach(function (b) {
      // a bureau with no (matching) edge is still shown when it passes the filters: it can be found
      if (cand[b.idx] || (!state.concept && bureauOk(b) && (!q || matches(b, q)))) { total++; ranked.push(b); }
    });
    ranked.sort(function (a, b) { return (score[b.idx] || 0) - (score[a.idx] || 0) || (weight[b.idx] || 0) - (weight[a.idx] || 0) || a.idx - b.idx; });
    var chosen = ranked.slice(0, state.top), chosenSet = {};
    chosen.forEach(function (b) { chosenSet[b.idx] = true; });
    var cscore = {};
    edges.forEach(function (e) { if (chosenSet[e.b]) cscore[e.c] = (cscore[e.c] || 0) + 1; });
    // with many bureaus drawn, a concept must be shared by several of them (10%, at least 2) to be drawn
    var minShare = chosen.length > MIN_SHARE_ABOVE ? Math.max(2, Math.ceil(chosen.length / 10)) : 1;
    var concepts = Object.keys(cscore).map(Number).filter(function (c) {
      return cscore[c] >= minShare || V.C[c].id === state.concept || (q && matches(V.C[c], q));
    });
    var dropped = Object.keys(cscore).length - concepts.length;
    concepts.sort(function (a, b) { return cscore[b] - cscore[a] || V.C[b].count - V.C[a].count || a - b; });
    var cut = concepts.length > MAX_CONCEPTS ? concepts.length - MAX_CONCEPTS : 0;
    concepts = concepts.slice(0, MAX_CONCEPTS);
    var keepC = {};
    concepts.forEach(function (c) { keepC[c] = true; });
    if (state.concept && V.conceptIdx[state.concept] !== undefined) keepC[V.conceptIdx[state.concept]] = true;
    var shownEdges = edges.filter(function (e) { return chosenSet[e.b] && keepC[e.c]; });
    var edgeCut = shownEdges.length > MAX_EDGES ? shownEdges.length - MAX_EDGES : 0;
    if (edgeCut) {
      var rank = {};
      concepts.forEach(function (c, i) { rank[c] = i; });
      shownEdges.sort(function (a, b) { return rank[a.c] - rank[b.c] || a.i - b.i; });
      shownEdges = shownEdges.slice(0, MAX_EDGES);
    }
    var nodes = chosen.slice();
    Object.keys(keepC).map(Number).sort(function (a, b) { return a - b; }).forEach(function (c) { nodes.push(V.C[c]); });
    var notes = [];
    if (total > chosen.length) notes.push("符合条件的单位共 " + total + " 个，按共享概念数显示前 " + chosen.length + " 个 (top " + chosen.length + " of " + total + " bureaus by shared concepts)");
    if (dropped) notes.push(dropped + " 个被少于 " + minShare + " 个已显示单位提及的概念未画出");
    if (cut) notes.push("另有 " + cut + " 个概念超出显示上限 " + MAX_CONCEPTS);
    if (edgeCut) notes.push(edgeCut + " 条边超出显示上限 " + MAX_EDGES);
    return { nodes: nodes, edges: shownEdges, notes: notes };
  }

  function computeProvinces(edges, inData) {
    var provs = {}, conceptTotal = {};
    BUREAUS.forEach(function (b) {
      if (!bureauOk(b) || !b.province) return;
      var p = provs[b.province] || (provs[b.province] = { id: "province:" + b.province, type: "province", label: b.province, province: b.province, count: 0, per: {} });
      p.count++;
    });
    var seen = {};
    edges.forEach(function (e) {
      var b = BUREAUS[e.b], p = provs[b.province];
      if (!p) return;
      var k = e.b + "/" + e.c;
      if (seen[k]) return;
      seen[k] = true;
      p.per[e.c] = (p.per[e.c] || 0) + 1;
      conceptTotal[e.c] = (conceptTotal[e.c] || 0) + 1;
    });
    var top = Object.keys(conceptTotal).map(Number).sort(function (a, b) { return conceptTotal[b] - conceptTotal[a] || a - b; }).slice(0, AGG_CONCEPTS);
    var inTop = {};
    top.forEach(function (c) { inTop[c] = true; });
    var nodes = [], out = [], used = {};
    Object.keys(provs).sort().forEach(function (name) {
      var p = provs[name];
      nodes.push(p);
      Object.keys(p.per).map(Number).filter(function (c) { return inTop[c]; })
        .sort(function (a, b) { return p.per[b] - p.per[a] || a - b; }).slice(0, AGG_PER_PROVINCE)
        .forEach(function (c) {
          used[c] = true;
          out.push({ i: "agg-" + p.id + "-" + c, from: p.id, to: V.C[c].id, agg: p.per[c], share: p.per[c] / p.count });
        });
    });
    top.filter(function (c) { return used[c]; }).sort(function (a, b) { return a - b; }).forEach(function (c) {
      nodes.push(Object.assign({}, V.C[c], { count: conceptTotal[c] }));
    });
    return { nodes: nodes, edges: out, notes: ["按省份汇总：每省一个节点，连线为该省提及最多的 " + AGG_PER_PROVINCE + " 个概念（共显示最常见的 " + AGG_CONCEPTS + " 个）；点击省份查看其单位 (aggregate by province; click a province)"] };
  }

  function computeSimilarity() {
    var q = state.query.trim().toLowerCase();
    var pv = state.concept ? unpack("bureau-practice") : null;
    var hasConcept = null;
    if (pv && pv.conceptIdx[state.concept] !== undefined) {
      hasConcept = {};
      pv.byConcept[pv.conceptIdx[state.concept]].forEach(function (e) { hasConcept[e.b] = true; });
    }
    function ok(b) { return bureauOk(b) && (!hasConcept || hasConcept[b.idx]); }
    var edges = V.E.filter(function (e) {
      var a = BUREAUS[e.b], z = BUREAUS[e.b2];
      return ok(a) && ok(z) && (!q || matches(a, q) || matches(z, q));
    });
    var sorted = edges.slice().sort(function (a, b) { return b.weight - a.weight || a.i - b.i; });
    var chosen = [], chosenSet = {}, total = {};
    function take(i) { if (!chosenSet[i] && chosen.length < state.top) { chosenSet[i] = true; chosen.push(BUREAUS[i]); } }
    edges.forEach(function (e) { total[e.b] = true; total[e.b2] = true; });
    // strongest pairs first, then isolated bureaus that pass the filters (so they can be found)
    if (q) BUREAUS.forEach(function (b) { if (ok(b) && matches(b, q)) { total[b.idx] = true; take(b.idx); } });
    sorted.forEach(function (e) {
      if (chosen.length >= state.top) return;
      if (!chosenSet[e.b] && !chosenSet[e.b2] && chosen.length > state.top - 2) return;
      take(e.b); take(e.b2);
    });
    if (!q) BUREAUS.forEach(function (b) { if (ok(b)) { total[b.idx] = true; take(b.idx); } });
    var shownEdges = edges.filter(function (e) { return chosenSet[e.b] && chosenSet[e.b2]; });
    var n = Object.keys(total).length;
    chosen.sort(function (a, b) { return a.idx - b.idx; });
    var nodes = chosen.map(function (b) { return Object.assign({}, b, { count: V.counts[b.idx] }); });
    var notes = [];
    if (n > chosen.length) notes.push("符合条件的单位共 " + n + " 个，显示相似度最高的 " + chosen.length + " 个 (top " + chosen.length + " of " + n + " bureaus by similarity)");
    return { nodes: nodes, edges: shownEdges, notes: notes };
  }

  /* ------------------------------------------------------------------ network */
  function options() {
    var big = shownBig;
    return {
      autoResize: true,
      layout: { randomSeed: 20240601, improvedLayout: shown.nodes.length <= 100 },
      nodes: {
        font: { face: getComputedStyle(document.body).fontFamily, size: 14, strokeWidth: 3, strokeColor: "#ffffff" },
        // big drawings are fitted at about half size: bigger label fonts keep the hubs readable
        scaling: { min: 6, max: big ? 40 : 36, label: big ? { enabled: true, min: 14, max: 26, drawThreshold: 5, maxVisible: 30 }
                                                          : { enabled: true, min: 12, max: 20, drawThreshold: 7, maxVisible: 30 } },
        borderWidth: 1
      },
      // straight edges: "dynamic" smoothing adds a physics node per edge and never settles at scale
      edges: { smooth: false, selectionWidth: 1.5, hoverWidth: 0.5 },
      interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: shown.edges.length > 1500, hideEdgesOnZoom: shown.edges.length > 1500, multiselect: false },
      physics: {
        enabled: true,
        solver: "forceAtlas2Based",
        // (stronger repulsion spreads a dense drawing wider, so fit() zooms out and labels shrink: keep it)
        forceAtlas2Based: { gravitationalConstant: -60, centralGravity: 0.012, springLength: 90, springConstant: 0.06, avoidOverlap: state.view === SIM || big ? 1 : 0.4 },
        // a bounded number of iterations, then physics is switched off: the layout stops moving
        stabilization: { enabled: true, iterations: shown.nodes.length > 250 ? 200 : 300, updateInterval: 25, fit: true }
      }
    };
  }

  function render() {
    delete ROOT.dataset.fzReady;
    V = unpack(state.view);
    shown = state.view === SIM ? computeSimilarity() : computeConceptView();
    // dense drawings are fitted at about half size: bigger fonts, more repulsion
    shownBig = shown.nodes.length > 60 || shown.edges.length > 400;
    if (net) { var pos = net.getPositions(); for (var k in pos) positions[k] = pos[k]; }
    byId = {};
    maxCount = 1;
    shown.nodes.forEach(function (n) { byId[n.id] = n; if (n.count > maxCount) maxCount = n.count; });
    if (state.selected && !byId[state.selected]) { state.selected = null; delete ROOT.dataset.fzSelected; }
    nodesDS = new vis.DataSet(shown.nodes.map(nodeItem));
    edgesDS = new vis.DataSet(shown.edges.map(function (e) {
      var s = edgeStyle(e);
      var item = { id: "e" + e.i, from: e.from, to: e.to, title: edgeTip(e), color: s.color, width: s.width, dashes: s.dashes };
      if (e.weight !== undefined) item.length = 110 + 120 * (1 - e.weight);  // more similar = closer, never on top
      return item;
    }));
    var notes = (V.note ? [V.note] : []).concat(shown.notes);
    document.getElementById("fz-note").textContent = notes.map(function (t) { return t.replace(/[.。；]+$/, ""); }).join("；");
    ROOT.dataset.fzVisibleNodes = String(shown.nodes.length);
    ROOT.dataset.fzVisibleEdges = String(shown.edges.length);
    if (net) net.destroy();
    var t0 = Date.now();
    setStatus("正在计算布局… (" + shown.nodes.length + " 个节点, " + shown.edges.length + " 条边)");
    net = new vis.Network(container, { nodes: nodesDS, edges: edgesDS }, options());
    net.on("stabilizationProgress", function (p) { setStatus("正在计算布局… " + p.iterations + "/" + p.total); });
    net.on("click", function (p) {
      if (p.nodes.length) {
        var n = byId[p.nodes[0]];
        if (n && n.type === "province") { drillProvince(n.province); return; }
        select(p.nodes[0]);
      } else if (!p.edges.length) select(null);
    });
    var done = false;
    function ready() {
      if (done) return;
      done = true;
      net.setOptions({ physics: false });
      net.fit({ animation: false });
      highlight();
      net.redraw();  // drawn before it says ready (tests and screenshots read the canvas)
      ROOT.dataset.fzReady = state.view;
      ROOT.dataset.fzStabilizeMs = String(Date.now() - t0);
      setStatus(summary());
      renderPanel();
      applyHash();
      if (ROOT.dataset.fzReady) applyPending();
    }
    net.once("stabilizationIterationsDone", ready);
    if (!shown.nodes.length) ready();
    highlight();
    renderPanel();
  }

  function summary() {
    var txt = "显示 " + shown.nodes.length + " 个节点，" + shown.edges.length + " 条边（共 " + BUREAUS.length + " 个单位）";
    if (state.selected) txt += "；已选中：" + byId[state.selected].label;
    return txt;
  }

  /* ------------------------------------------------------------------ selection */
  function shownEdgesOf(id) {
    return shown.edges.filter(function (e) { return e.from === id || e.to === id; });
  }
  function highlight() {
    var keepN = null, keepE = null;
    if (state.selected) {
      keepN = {}; keepE = {};
      keepN[state.selected] = true;
      var first = shownEdgesOf(state.selected);
      first.forEach(function (e) { keepE[e.i] = true; keepN[e.from] = true; keepN[e.to] = true; });
      var sel = byId[state.selected];
      if (sel.type === "bureau" && state.view !== SIM) {
        // what it shares: other bureaus linked to the same concepts
        first.forEach(function (x) {
          shownEdgesOf(x.to).forEach(function (y) { keepE[y.i] = true; keepN[y.from] = true; });
        });
      }
    }
    nodesDS.update(shown.nodes.map(function (n) {
      var dim = keepN && !keepN[n.id];
      return { id: n.id, color: dim ? DIM_NODE : nodeColor(n), font: { color: dim ? "#c8c8c8" : "#222222" } };
    }));
    edgesDS.update(shown.edges.map(function (e) {
      var dim = keepE && !keepE[e.i];
      return { id: "e" + e.i, color: dim ? DIM_EDGE : edgeStyle(e).color };
    }));
  }

  function select(id) {
    if (id !== null && !byId[id]) id = null;
    state.selected = id;
    if (id) ROOT.dataset.fzSelected = id; else delete ROOT.dataset.fzSelected;
    highlight();
    if (net) { if (id) net.selectNodes([id], false); else net.unselectAll(); }
    renderPanel();
    if (ROOT.dataset.fzReady) setStatus(summary());
  }

  /* ------------------------------------------------------------------ side panel (all data, not only what is drawn) */
  function renderPanel() {
    var panel = document.getElementById("fz-panel");
    clear(panel);
    panel.appendChild(el("h2", null, "详情 (details)"));
    if (!state.selected) {
      panel.appendChild(el("p", "fz-hint", "点击单位查看其举措、与其他单位的共同点及原文依据；点击概念查看涉及的单位；点击省份查看该省单位。(Click a bureau, a concept or a province.)"));
      return;
    }
    var n = byId[state.selected];
    panel.appendChild(el("h3", null, n.label));
    if (n.type === "bureau") bureauPanel(panel, BUREAU_BY_ID[n.id]); else if (n.type !== "province") conceptPanel(panel, n);
  }
  function button(label, onClick) {
    var b = el("button", "fz-action", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function bureauPanel(panel, b) {
    if (region(b)) panel.appendChild(el("div", "fz-meta", "地区：" + region(b)));
    if (b.level) panel.appendChild(el("div", "fz-meta", "级别：" + levelName(b.level)));
    if (b.years.length) panel.appendChild(el("div", "fz-meta", "报告年度：" + b.years.join("、")));
    if (b.sources.length) panel.appendChild(el("div", "fz-meta", "报告文件：" + b.sources.join("；")));
    var q = "";
    if (state.view === SIM) {
      var mine = V.byBureau[b.idx].filter(function (e) { return bureauOk(BUREAUS[e.b]) && bureauOk(BUREAUS[e.b2]); });
      panel.appendChild(el("h3", null, "相似单位 (similar bureaus)"));
      mine.sort(function (x, y) { return y.weight - x.weight || x.i - y.i; });
      if (!mine.length) panel.appendChild(el("p", "fz-hint", "没有高于阈值的相似单位。"));
      mine.forEach(function (x) {
        var other = BUREAUS[x.b === b.idx ? x.b2 : x.b];
        var box = el("div", "fz-concept");
        var t = el("div", "fz-concept-title", other.label);
        t.appendChild(el("span", "fz-tag", "相似度 " + x.weight));
        box.appendChild(t);
        box.appendChild(el("div", "fz-meta", "共同举措 " + x.n_shared + " 项：" + x.shared.join("、")));
        panel.appendChild(box);
      });
      return;
    }
    var own = V.byBureau[b.idx].filter(function (e) { return edgeOk(e, q); });
    // bureaus sharing the most concepts with this one (over all data passing the filters)
    var partners = {};
    own.forEach(function (x) {
      V.byConcept[x.c].forEach(function (y) {
        if (y.b !== b.idx && edgeOk(y, q)) partners[y.b] = (partners[y.b] || 0) + 1;
      });
    });
    var top = Object.keys(partners).map(Number).sort(function (p, r) { return partners[r] - partners[p] || p - r; }).slice(0, 10);
    panel.appendChild(el("h3", null, "共同点最多的单位 (shares most with)"));
    if (!top.length) panel.appendChild(el("p", "fz-hint", "没有其他单位与其共享概念。"));
    var ul = el("ul", "fz-list");
    top.forEach(function (p) { ul.appendChild(el("li", null, BUREAUS[p].label + "：共享 " + partners[p] + " 项")); });
    panel.appendChild(ul);
    panel.appendChild(el("h3", null, "概念及原文依据 (" + own.length + ")"));
    own.sort(function (x, y) { return V.C[y.c].count - V.C[x.c].count || (V.C[x.c].label < V.C[y.c].label ? -1 : 1); });
    own.forEach(function (x) {
      var c = V.C[x.c];
      var box = el("div", "fz-concept");
      var t = el("div", "fz-concept-title", c.label);
      var status = state.year && x.status_by_year ? x.status_by_year[state.year] : x.status;
      if (status) t.appendChild(el("span", "fz-tag", STATUS[status]));
      t.appendChild(el("span", "fz-tag", "共 " + c.count + " 个单位"));
      box.appendChild(t);
      var others = V.byConcept[x.c].filter(function (y) { return y.b !== b.idx && edgeOk(y, q); }).length;
      box.appendChild(el("div", "fz-meta", others > 0 ? "与符合筛选条件的 " + others + " 个其他单位共享" : "仅此单位"));
      var evs = evidence(x);
      appendEvidence(box, evs);
      if (x.n_evidence > evs.length) box.appendChild(el("div", "fz-meta", "另有 " + (x.n_evidence - evs.length) + " 条依据未列出"));
      panel.appendChild(box);
    });
  }

  function conceptPanel(panel, c) {
    panel.appendChild(el("div", "fz-meta", DATA.legend.nodes[c.type].label + (c.label_en ? " · " + c.label_en : "")));
    if (c.broader) panel.appendChild(el("div", "fz-meta", "上位概念：" + c.broader.join("、")));
    if (c.kind) panel.appendChild(el("div", "fz-meta", "类别：" + c.kind));
    if (state.concept !== c.id) {
      panel.appendChild(button("只看提及此概念的单位 (only bureaus linked to it)", function () { setConcept(c.id); }));
    }
    var mine = V.byConcept[c.ci].filter(function (e) { return edgeOk(e, ""); });
    panel.appendChild(el("h3", null, "涉及单位 (" + mine.length + ")"));
    mine.slice(0, 100).forEach(function (x) {
      var b = BUREAUS[x.b];
      var box = el("div", "fz-concept");
      var t = el("div", "fz-concept-title", b.label);
      if (x.status) t.appendChild(el("span", "fz-tag", STATUS[x.status]));
      box.appendChild(t);
      appendEvidence(box, evidence(x).slice(0, 1));
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
    var kinds = ["bureau", "practice", "candidate", "problem", "law"];
    if (BUREAUS.length > state.top) kinds.push("province");  // the aggregate view exists only then
    kinds.forEach(function (k) {
      var item = el("div", "fz-legend-item");
      var sw = el("span", "fz-swatch" + (k === "bureau" ? " fz-square" : k === "province" ? " fz-hex" : ""));
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
    box.appendChild(el("p", "fz-meta", "概念节点大小 = 提及该概念的单位数量 (node size = number of bureaus sharing it)；相似度视图中连线粗细 = Jaccard 相似度；省份汇总中连线粗细 = 该省提及此概念的单位比例。"));
  }

  var viewSel = document.getElementById("fz-view");
  VIEW_ORDER.forEach(function (k) {
    if (!DATA.views[k]) return;
    var o = el("option", null, DATA.views[k].label);
    o.value = k;
    viewSel.appendChild(o);
  });
  var modeSel = document.getElementById("fz-mode");
  var topSel = fillSelect("fz-top", TOP_N, function (n) { return "前 " + n + " 个"; });
  topSel.value = String(state.top);
  if (BUREAUS.length <= state.top) {  // nothing to cut or aggregate: keep the toolbar short
    topSel.parentNode.style.display = "none";
    modeSel.parentNode.style.display = "none";
  }
  var provSel = fillSelect("fz-province", DATA.filters.provinces);
  var levelSel = fillSelect("fz-level", DATA.filters.levels, levelName);
  var yearSel = fillSelect("fz-year", DATA.filters.years, function (y) { return y + "年"; });
  var conceptSel = document.getElementById("fz-concept");
  var search = document.getElementById("fz-search");
  function fillConcepts() {
    while (conceptSel.options.length > 1) conceptSel.remove(1);
    var v = unpack(state.view === SIM ? "bureau-practice" : state.view);
    v.C.slice().sort(function (a, b) { return b.count - a.count || byLabel(a, b); }).forEach(function (c) {
      var o = el("option", null, c.label + " (" + c.count + ")");
      o.value = c.id;
      conceptSel.appendChild(o);
    });
    conceptSel.value = state.concept;
  }
  function setView(name) {
    if (!DATA.views[name]) return;
    if (name !== state.view) {
      var keep = state.concept && (name === SIM || state.view === SIM) &&
        (name === "bureau-practice" || state.view === "bureau-practice");
      if (!keep) state.concept = "";
    }
    state.view = name;
    viewSel.value = name;
    state.selected = null;
    delete ROOT.dataset.fzSelected;
    positions = {};
    fillConcepts();
    render();
  }
  function setConcept(id) {
    state.concept = id;
    conceptSel.value = id;
    render();
  }
  function drillProvince(name) {
    state.province = name;
    provSel.value = name;
    state.selected = null;
    render();
  }
  viewSel.addEventListener("change", function () { setView(viewSel.value); });
  modeSel.addEventListener("change", function () { state.mode = modeSel.value; render(); });
  topSel.addEventListener("change", function () { state.top = Number(topSel.value); render(); });
  provSel.addEventListener("change", function () { state.province = provSel.value; render(); });
  levelSel.addEventListener("change", function () { state.level = levelSel.value; render(); });
  yearSel.addEventListener("change", function () { state.year = yearSel.value; render(); });
  conceptSel.addEventListener("change", function () { setConcept(conceptSel.value); });
  var searchTimer = null;
  search.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { state.query = search.value; render(); }, 250);
  });
  document.getElementById("fz-reset").addEventListener("click", function () {
    state.province = state.level = state.year = state.query = state.concept = "";
    provSel.value = levelSel.value = yearSel.value = search.value = conceptSel.value = "";
    state.selected = null;
    delete ROOT.dataset.fzSelected;
    render();
  });

  /* Test and bookmark hook: #view=bureau-law&filter=province:河南省,level:county,year:2023&q=…&concept=<IRI>
     &top=200&mode=provinces&select=<node IRI or label>. Read once when a view is laid out and on every
     hashchange, so a headless browser (or a shared link) can open the page in a given state. */
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
    var changed = false;
    if (params.view && params.view !== state.view && DATA.views[params.view]) {
      state.view = params.view; viewSel.value = params.view; state.concept = ""; positions = {}; fillConcepts(); changed = true;
    }
    if (params.filter !== undefined) {  // the hash gives the whole filter state: "filter=" clears it
      var f0 = [state.province, state.level, state.year].join("|");
      state.province = state.level = state.year = "";
      params.filter.split(",").forEach(function (f) {
        if (f.indexOf(":") < 0) return;
        var i = f.indexOf(":"), k = f.slice(0, i), v = f.slice(i + 1);
        if (k === "province") state.province = v;
        if (k === "level") state.level = v;
        if (k === "year") state.year = v;
      });
      provSel.value = state.province; levelSel.value = state.level; yearSel.value = state.year;
      if ([state.province, state.level, state.year].join("|") !== f0) changed = true;
    }
    if (params.q !== undefined && params.q !== state.query) { state.query = params.q; search.value = params.q; changed = true; }
    if (params.concept !== undefined && params.concept !== state.concept) { state.concept = params.concept; conceptSel.value = params.concept; changed = true; }
    if (params.top !== undefined && Number(params.top) > 0 && Number(params.top) !== state.top) { state.top = Number(params.top); topSel.value = params.top; changed = true; }
    if (params.mode !== undefined && params.mode !== state.mode) { state.mode = params.mode; modeSel.value = params.mode; changed = true; }
    if (params.select) pendingSelect = params.select;
    if (changed) { render(); return; }  // selected once the new drawing is laid out
    applyPending();
  }
  var pendingSelect = null, pendingRetry = false;
  function applyPending() {
    var want = pendingSelect;
    pendingSelect = null;
    if (!want) return;
    var id = byId[want] ? want : null;
    if (!id) shown.nodes.forEach(function (n) { if (!id && n.label === want) id = n.id; });
    if (!id && !pendingRetry) {
      // a bureau that is not drawn (not in the top N): search for it by name, then select it
      var b = BUREAU_BY_ID[want] || BUREAUS.filter(function (x) { return x.label === want; })[0];
      if (b) {
        pendingRetry = true;
        pendingSelect = b.id;
        state.query = b.label; search.value = b.label;
        render();
        return;
      }
    }
    pendingRetry = false;
    select(id);
  }
  // re-read on every change, and also when the same hash is set again after the user moved on
  window.addEventListener("hashchange", function () { hashApplied = null; if (net) applyHash(); });

  legend();
  window.fzExplorer = {
    data: DATA, state: state, select: select, render: render, setView: setView, setConcept: setConcept,
    buildView: setView, network: function () { return net; }, shown: function () { return shown; },
    limits: { topN: TOP_N, maxConcepts: MAX_CONCEPTS, maxEdges: MAX_EDGES }
  };
  fillConcepts();
  render();
  }
})();

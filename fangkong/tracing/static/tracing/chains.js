// The chain page: draws the cluster given in #chain-data with Cytoscape.js (vendored).
// Cases are filled, contacts outlined, probable sources ringed; the layout runs top-down
// from the sources. No inline script: the page's CSP allows only our own files.
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("chain-data");
    var box = document.getElementById("chain-graph");
    if (!data || !box || typeof window.cytoscape !== "function") return;
    var drawing = JSON.parse(data.textContent);
    var roots = drawing.elements
      .filter(function (e) { return e.data.root && !e.data.source; })
      .map(function (e) { return "#" + e.data.id; });
    window.cytoscape({
      container: box,
      elements: drawing.elements,
      wheelSensitivity: 0.3,
      textureOnViewport: drawing.elements.length > 2000,
      hideEdgesOnViewport: drawing.elements.length > 2000,
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 10, width: 18, height: 18,
          "background-color": "#fff", "border-width": 2, "border-color": "#1f5fa8" } },
        { selector: "node[kind = 'case']", style: { "background-color": "#b3261e", "border-color": "#b3261e" } },
        { selector: "node[?root]", style: { "border-width": 5, "border-color": "#e8a317" } },
        { selector: "node[count]", style: { shape: "round-rectangle", width: 120, height: 30 } },
        { selector: "edge", style: { width: 1, "line-color": "#888", "target-arrow-color": "#888",
          "target-arrow-shape": "triangle", "curve-style": "bezier" } }
      ],
      layout: { name: "breadthfirst", directed: true, roots: roots.length ? roots.join(", ") : undefined,
        spacingFactor: 1.1, animate: false }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

// The interactive alliance network (Cytoscape.js, served locally), drawn from /network.json,
// which the server answers with the same SPARQL query as the release's network.svg.
(function () {
  const container = document.getElementById("network");
  if (!container || typeof cytoscape === "undefined") return;
  const focus = container.dataset.focus || "";
  const stanceColours = { supports: "#2e7d32", recognizes: "#1565c0", condemns: "#c62828" };
  const kindColours = { state: "#f4e1b5", organization: "#d7e3fc", party: "#f8d7e8", person: "#e0e0e0" };
  const tip = document.getElementById("network-tip");
  const TOP_ACTORS = 60;

  function localPath(iri) {
    const base = container.dataset.base;
    return iri.startsWith(base) ? "/" + iri.slice(base.length) : iri;
  }

  function elementsFor(data, filters) {
    let edges = data.edges.filter((edge) =>
      filters.stances.has(edge.stance) &&
      filters.polarities.has(edge.negated ? "negated" : "affirmed") &&
      (!filters.article || edge.article === filters.article) &&
      (!filters.from || (edge.date && edge.date >= filters.from)) &&
      (!filters.to || (edge.date && edge.date.slice(0, filters.to.length) <= filters.to)));
    if (focus) edges = edges.filter((edge) => edge.source === focus || edge.target === focus);
    // Facts with the same holder, stance, polarity and target share one edge (width by count),
    // so a few hundred actors with thousands of facts stay readable; a click opens the first fact.
    const merged = new Map();
    for (const edge of edges) {
      const key = [edge.source, edge.stance, edge.negated, edge.target].join(" ");
      const seen = merged.get(key);
      if (seen) seen.count += 1;
      else merged.set(key, { ...edge, count: 1 });
    }
    edges = [...merged.values()];
    if (!focus && !filters.everyone) {
      // Hundreds of actors make a hairball: by default show the most-involved ones and their stances.
      const top = new Set([...data.nodes].sort((a, b) => b.degree - a.degree || a.label.localeCompare(b.label)).slice(0, TOP_ACTORS).map((node) => node.id));
      edges = edges.filter((edge) => top.has(edge.source) && top.has(edge.target));
    }
    const used = new Set(edges.flatMap((edge) => [edge.source, edge.target]));
    if (focus) used.add(focus);
    const nodes = data.nodes.filter((node) => used.has(node.id));
    return [
      ...nodes.map((node) => ({ group: "nodes", data: { ...node, colour: kindColours[node.kind] || "#eee", size: Math.min(60, 14 + 6 * Math.log2(1 + node.degree)) } })),
      ...edges.map((edge) => ({ group: "edges", data: { ...edge, colour: stanceColours[edge.stance] || "#999", width: 1 + Math.log2(edge.count) }, classes: edge.negated ? "negated" : "" })),
    ];
  }

  function readFilters() {
    const checked = (name) => new Set([...document.querySelectorAll(`input[name=${name}]:checked`)].map((box) => box.value));
    const value = (id) => (document.getElementById(id) || {}).value || "";
    const everyone = document.getElementById("filter-everyone");
    return { stances: checked("stance"), polarities: checked("polarity"), article: value("filter-article"), from: value("filter-from"), to: value("filter-to"),
             everyone: !everyone || everyone.checked };
  }

  fetch("/network.json").then((response) => response.json()).then((data) => {
    const articles = [...new Set(data.edges.map((edge) => edge.article))].sort();
    const everyone = document.getElementById("filter-everyone");
    if (everyone && data.nodes.length > TOP_ACTORS) {
      everyone.checked = false;
      everyone.parentElement.hidden = false;
      everyone.parentElement.append(` (showing the ${TOP_ACTORS} most-involved of ${data.nodes.length})`);
    }
    const select = document.getElementById("filter-article");
    if (select) articles.forEach((article) => select.add(new Option(article.split("/").pop(), article)));
    const cy = cytoscape({
      container: container,
      elements: elementsFor(data, readFilters()),
      style: [
        { selector: "node", style: { "background-color": "data(colour)", "border-width": 1, "border-color": "#555", label: "data(label)", width: "data(size)", height: "data(size)", "font-size": 11 } },
        { selector: "node[kind = 'organization']", style: { shape: "round-rectangle" } },
        { selector: "node[kind = 'party']", style: { shape: "diamond" } },
        { selector: "node[kind = 'person']", style: { shape: "ellipse", "border-style": "double" } },
        { selector: "edge", style: { "line-color": "data(colour)", "target-arrow-color": "data(colour)", "target-arrow-shape": "triangle", "curve-style": "straight", width: "data(width)", opacity: 0.7 } },
        { selector: "edge.negated", style: { "line-style": "dashed", label: "data(label)", "font-size": 9, "text-rotation": "autorotate", color: "#333" } },
      ],
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 400000, idealEdgeLength: () => 120 },
    });
    cy.on("tap", "node", (event) => { window.location.href = localPath(event.target.id()); });
    cy.on("tap", "edge", (event) => { window.location.href = localPath(event.target.id()); });
    cy.on("mouseover", "edge", (event) => {
      const edge = event.target.data();
      if (tip) tip.textContent = `${edge.label}: “${edge.quote}”` + (edge.speaker ? ` (${edge.speaker})` : "") + (edge.count > 1 ? ` and ${edge.count - 1} more` : "");
    });
    document.querySelectorAll(".network-filters input, .network-filters select").forEach((control) =>
      control.addEventListener("change", () => {
        cy.elements().remove();
        cy.add(elementsFor(data, readFilters()));
        cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: () => 400000, idealEdgeLength: () => 120 }).run();
      }));
    container.dataset.ready = "true";
    window.linkeddataNetwork = cy;
  });
})();

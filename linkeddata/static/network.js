// The interactive alliance network (Cytoscape.js, served locally), drawn from /network.json, which the server answers
// with the same SPARQL query as the release's network.svg and with each actor's place from the same deterministic
// layout: the same release draws the same picture on every load.
(function () {
  const container = document.getElementById("network");
  if (!container || typeof cytoscape === "undefined") return;
  const focus = container.dataset.focus || "";
  const keys = JSON.parse(container.dataset.stanceKeys || "[]");
  const colours = JSON.parse(container.dataset.stanceColours || "[]");
  const stanceColours = Object.fromEntries(keys.map((key, index) => [key, colours[index]]));
  const kindColours = { state: "#f4e1b5", organization: "#d7e3fc", party: "#f8d7e8", person: "#e0e0e0", publication: "#d9f2d0" };
  const tooltip = document.getElementById("network-tooltip");
  const TOP_ACTORS = 60;
  const FONT_PX = 13;

  function localPath(iri) {
    const base = container.dataset.base;
    return iri.startsWith(base) ? "/" + iri.slice(base.length) : iri;
  }

  // Places from the server (0..1), stretched over the drawing area so that the default fit is about zoom 1
  // and labels keep their size in pixels; a neighbourhood is stretched over its own bounding box.
  function placed(nodes) {
    const width = Math.max(container.clientWidth - 80, 200);
    const height = Math.max(container.clientHeight - 60, 200);
    const xs = nodes.map((node) => node.x), ys = nodes.map((node) => node.y);
    const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
    const spanX = maxX - minX || 1, spanY = maxY - minY || 1;
    return new Map(nodes.map((node) => [node.id, {
      x: nodes.length === 1 ? width / 2 : ((node.x - minX) / spanX) * width,
      y: nodes.length === 1 ? height / 2 : ((node.y - minY) / spanY) * height,
    }]));
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
    const places = placed(nodes);
    return [
      ...nodes.map((node) => ({ group: "nodes", position: places.get(node.id),
        data: { ...node, colour: kindColours[node.kind] || "#eee", size: Math.min(48, 16 + 5 * Math.log2(1 + node.degree)) } })),
      ...edges.map((edge) => ({ group: "edges", data: { ...edge, colour: stanceColours[edge.stance] || "#616161", width: 1.5 + Math.log2(edge.count) },
        classes: edge.negated ? "negated" : "" })),
    ];
  }

  function readFilters() {
    const checked = (name) => new Set([...document.querySelectorAll(`input[name=${name}]:checked`)].map((box) => box.value));
    const value = (id) => (document.getElementById(id) || {}).value || "";
    const everyone = document.getElementById("filter-everyone");
    return { stances: checked("stance"), polarities: checked("polarity"), article: value("filter-article"), from: value("filter-from"), to: value("filter-to"),
             everyone: !everyone || everyone.checked };
  }

  function showTooltip(edge) {
    if (!tooltip) return;
    const data = edge.data();
    const who = data.speaker ? ` (${data.speaker})` : "";
    const outlet = data.reportedBy ? `, reported by ${data.reportedBy}` : "";
    const more = data.count > 1 ? ` and ${data.count - 1} more report${data.count > 2 ? "s" : ""}` : "";
    tooltip.textContent = `${edge.source().data("label")} ${data.label} ${edge.target().data("label")}: “${data.quote}”${who}${outlet}${more}`;
    tooltip.hidden = false;
    // At the edge: its midpoint on screen, kept inside the drawing.
    const point = edge.renderedMidpoint();
    const left = Math.max(4, Math.min(point.x + 12, container.clientWidth - tooltip.offsetWidth - 4));
    const top = Math.max(4, Math.min(point.y + 12, container.clientHeight - tooltip.offsetHeight - 4));
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${top}px`;
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
      minZoom: 0.3,
      maxZoom: 3,
      style: [
        { selector: "node", style: { "background-color": "data(colour)", "border-width": 1, "border-color": "#555", label: "data(label)", width: "data(size)",
          height: "data(size)", "font-size": FONT_PX, "text-valign": "top", "text-margin-y": -3, color: "#1d1d1f", "text-background-color": "#fff",
          "text-background-opacity": 0.85, "text-background-padding": 1, "z-index": 10 } },
        { selector: "node[kind = 'organization']", style: { shape: "round-rectangle" } },
        { selector: "node[kind = 'party']", style: { shape: "diamond" } },
        { selector: "node[kind = 'person']", style: { shape: "ellipse", "border-style": "double", "border-width": 3 } },
        { selector: "node[kind = 'publication']", style: { shape: "rectangle" } },
        // Bezier curves spread edges between the same two actors (either way round) instead of drawing them on top of each other.
        { selector: "edge", style: { "line-color": "data(colour)", "target-arrow-color": "data(colour)", "target-arrow-shape": "triangle", "curve-style": "bezier",
          "control-point-step-size": 28, width: "data(width)", opacity: 0.85, "arrow-scale": 1.1 } },
        { selector: "edge.negated", style: { "line-style": "dashed", "line-dash-pattern": [7, 4], label: "data(label)", "font-size": 11, "text-rotation": "autorotate",
          color: "#1d1d1f", "text-background-color": "#fff", "text-background-opacity": 1, "text-background-padding": 2 } },
        { selector: "edge:selected, edge.hovered", style: { width: 4, opacity: 1 } },
      ],
      layout: { name: "preset", fit: true, padding: 30 },
    });
    cy.on("tap", "node", (event) => { window.location.href = localPath(event.target.id()); });
    cy.on("tap", "edge", (event) => { window.location.href = localPath(event.target.id()); });
    cy.on("mouseover", "edge", (event) => { event.target.addClass("hovered"); showTooltip(event.target); });
    cy.on("mouseout", "edge", (event) => { event.target.removeClass("hovered"); if (tooltip) tooltip.hidden = true; });
    cy.on("viewport", () => { if (tooltip) tooltip.hidden = true; });
    document.querySelectorAll(".network-filters input, .network-filters select").forEach((control) =>
      control.addEventListener("change", () => {
        cy.elements().remove();
        cy.add(elementsFor(data, readFilters()));
        cy.layout({ name: "preset", fit: true, padding: 30 }).run();
      }));
    container.dataset.ready = "true";
    window.linkeddataNetwork = cy;
  });
})();

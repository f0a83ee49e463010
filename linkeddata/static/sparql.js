// Sets up YASGUI against this server's endpoint, preloaded with the example queries as tabs.
// A link such as /sparql#query=SELECT… (the home page's questions) opens that query and runs it.
(function () {
  const examples = JSON.parse(document.getElementById("examples").textContent);
  // Under /release/<id>/sparql the editor asks that release's endpoint, so its answers are as of that release.
  const endpoint = new URL(document.getElementById("yasgui").dataset.endpoint || "/sparql", window.location.href).href;
  // Literals as a reader expects them: 4, not "4"^^<http://www.w3.org/2001/XMLSchema#integer> (the table's "compact" view).
  if (Yasgui.Yasr && Yasgui.Yasr.defaults && Yasgui.Yasr.defaults.plugins && Yasgui.Yasr.defaults.plugins.table) {
    Yasgui.Yasr.defaults.plugins.table.dynamicConfig = { ...(Yasgui.Yasr.defaults.plugins.table.dynamicConfig || {}), compact: true };
  }
  const linked = new URLSearchParams(window.location.hash.slice(1)).get("query");
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
  });
  function openExample(example) {
    let tab = yasgui.getTab(example.name);
    if (!tab) {
      tab = yasgui.addTab(true, { id: example.name, name: example.title.slice(0, 40), yasqe: { value: example.query }, requestConfig: { endpoint: endpoint } });
    }
    yasgui.selectTabId(example.name);
    return yasgui.getTab(example.name);
  }
  const first = yasgui.getTab();
  if (linked) {
    const example = examples.find((item) => item.query.trim() === linked.trim());
    const tab = example ? openExample(example) : first;
    tab.setQuery(linked);
    tab.query();
  } else if (examples.length) {
    first.setQuery(examples[0].query);
  }
  document.querySelectorAll("button.example").forEach((button) => {
    button.addEventListener("click", () => {
      const example = examples.find((item) => item.name === button.dataset.name);
      const tab = openExample(example);
      tab.setQuery(example.query);
      tab.query();
    });
  });
  window.linkeddataYasgui = yasgui;
})();

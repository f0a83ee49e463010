// Sets up YASGUI against this server's endpoint, preloaded with the example queries as tabs.
(function () {
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const endpoint = new URL("/sparql", window.location.href).href;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
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
  if (examples.length) {
    const first = yasgui.getTab();
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

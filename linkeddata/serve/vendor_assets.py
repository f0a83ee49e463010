"""The front-end libraries the server serves locally (no CDN at run time): which npm files, under which name.

axe-core (a devDependency) is not served: the browser tests inject it from node_modules/.

`setup.py` copies these files from `node_modules/` (installed from package-lock.json) into the
package at build time, so `pip install .` carries them; an editable install serves them from
the project's `node_modules/` instead. This module imports nothing, so setup.py can read it.
"""

# name -> (folder under node_modules, files served from /static/vendor/<name>/)
VENDOR_ASSETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "yasgui": ("@zazuko/yasgui/build", ("yasgui.min.js", "yasgui.min.css")),
    "cytoscape": ("cytoscape/dist", ("cytoscape.min.js",)),
    "swagger-ui": ("swagger-ui-dist", ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")),
}
PACKAGED_FOLDER = "vendor"  # linkeddata/serve/vendor/<name>/ in a built package

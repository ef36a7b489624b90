// Runs the export's search script (static/search.*.js) outside a browser:
// node search_js.js EXPORT_DIR QUERY → prints the HTML the script shows.
"use strict";
const fs = require("fs");
const path = require("path");
const [dir, query] = process.argv.slice(2);
const index = JSON.parse(fs.readFileSync(path.join(dir, "search-index.json"), "utf8"));
let shown = "";
const root = { getAttribute: () => "/search-index.json", set innerHTML(html) { shown = html; } };
global.document = { getElementById: (id) => (id === "static-search" ? root : null) };
global.location = { search: "?q=" + encodeURIComponent(query) };
global.fetch = () => Promise.resolve({ ok: true, json: () => Promise.resolve(index) });
const script = fs.readdirSync(path.join(dir, "static")).find((f) => /^search\.[0-9a-f]+\.js$/.test(f));
new Function(fs.readFileSync(path.join(dir, "static", script), "utf8"))();
setTimeout(() => process.stdout.write(shown), 100);

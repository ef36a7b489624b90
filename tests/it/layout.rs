//! The source layout's one rule: the folders (and top-level files) of
//! `src/` depend on each other without a cycle, so each can be read, moved
//! or tested from the ones below it. Read off the `crate::…` paths.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The first path segments after each `crate::`, including each item of a
/// `crate::{a, b::c}` group.
fn crate_paths(text: &str) -> Vec<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut found = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let end = group.find(|c| {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => return true,
                    '}' => depth -= 1,
                    _ => {}
                }
                false
            });
            let group = &group[..end.unwrap_or(group.len())];
            // Only the items at the top of the group name modules.
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && depth == 0 && !c.is_whitespace() => {
                        found.push(ident(&group[j..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.push(ident(rest));
        }
    }
    found
}

#[test]
fn the_source_folders_depend_on_each_other_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|m| m != "lib" && m != "main")
        .collect();
    assert!(modules.contains("store") && modules.contains("site"), "found the modules: {modules:?}");
    let mut files = Vec::new();
    sources(&src, &mut files);
    // uses[a][b] = the files of a that name b.
    let mut uses: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let from = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let from = from.trim_end_matches(".rs").to_owned();
        if !modules.contains(&from) {
            continue;
        }
        for to in crate_paths(&std::fs::read_to_string(file).unwrap()) {
            if to != from && modules.contains(&to) {
                uses.entry(from.clone()).or_default().entry(to).or_default().insert(relative.display().to_string());
            }
        }
    }
    assert!(uses.get("site").is_some_and(|u| u.contains_key("render")), "the scan sees site's use of render: {uses:?}");

    // A depth-first walk; a module met again while still on the path closes a cycle.
    fn walk<'a>(
        module: &'a str,
        uses: &'a BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = path.iter().position(|m| *m == module) {
            let mut cycle = path[at..].to_vec();
            cycle.push(module);
            return Some(cycle);
        }
        if !done.insert(module) {
            return None;
        }
        path.push(module);
        for next in uses.get(module).into_iter().flat_map(|u| u.keys()) {
            if let Some(cycle) = walk(next, uses, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in &modules {
        if let Some(cycle) = walk(module, &uses, &mut Vec::new(), &mut done) {
            let steps: Vec<String> =
                cycle.windows(2).map(|pair| format!("{} → {} (in {:?})", pair[0], pair[1], uses[pair[0]][pair[1]])).collect();
            panic!("the modules of src/ form a cycle:\n{}", steps.join("\n"));
        }
    }
}

#[test]
fn the_scanner_reads_grouped_and_nested_paths() {
    let text = "use crate::{inbox as contact, petitions::{self, x}};\nlet a = crate::store::now();";
    assert_eq!(crate_paths(text), ["inbox", "petitions", "store"]);
}

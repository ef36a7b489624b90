//! The fuzz targets' corpora (`fuzz/corpus/<target>/`, grown by
//! `bench/fuzz.sh`) and the inputs that found a fault (`fuzz/found/<target>/`)
//! replayed through the code the targets run, on stable.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let folder = fuzz.join("corpus").join(target);
    let mut inputs: Vec<_> =
        std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display())).map(|e| e.unwrap().path()).collect();
    assert!(!inputs.is_empty(), "{} holds no inputs", folder.display());
    // The inputs that once found a fault, which minimising the corpus may drop.
    if let Ok(found) = std::fs::read_dir(fuzz.join("found").join(target)) {
        inputs.extend(found.map(|e| e.unwrap().path()));
    }
    inputs.sort();
    for input in inputs {
        let bytes = std::fs::read(&input).unwrap();
        if std::panic::catch_unwind(|| run(&bytes)).is_err() {
            let name = input.strip_prefix(&fuzz).unwrap().display();
            panic!("fuzz/{name} fails; run `cargo +nightly fuzz run {target} -s none` on it");
        }
    }
}

#[test]
fn the_markdown_corpus_renders_without_script() {
    replay("markdown", pamphlet::fuzzing::markdown);
}

#[test]
fn the_blocks_corpus_reads_back_as_written() {
    replay("blocks", pamphlet::fuzzing::blocks);
}

#[test]
fn the_forms_corpus_is_read_without_a_panic() {
    replay("forms", pamphlet::fuzzing::forms);
}

#[test]
fn the_csv_corpus_reads_back_as_exported() {
    replay("csv", pamphlet::fuzzing::csv);
}

#[test]
fn the_demo_corpus_fails_only_with_a_place_in_its_files() {
    replay("demo", pamphlet::fuzzing::demo);
}

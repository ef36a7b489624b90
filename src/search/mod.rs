//! Full-text search over everything published.
//!
//! Each node keeps a tantivy index in memory, built from the store at start
//! and kept current by the change feed (`app/tasks.rs`), so every node answers the
//! same on SQLite and on PostgreSQL alike. tantivy ranks with BM25 and skips
//! most postings when it collects the top hits, which keeps queries in
//! milliseconds on large archives where SQLite FTS5 must score every match.

pub mod documents;
pub mod fold;
pub mod query;

use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use query::ParsedQuery;

/// What a search result is; also the filter values of `/search?kind=`.
pub const KINDS: &[(&str, &str)] =
    &[("page", "Page"), ("news", "News"), ("article", "Article"), ("book", "Book"), ("video", "TV & Video"), ("press", "Press")];

/// Indexing buffer of a node's index, in bytes; plenty for a site's whole archive.
pub const WRITER_MEMORY: usize = 30_000_000;
/// A title match counts this many times a body match.
const TITLE_BOOST: f32 = 3.0;
/// How many dictionary words a typed prefix may stand for.
const PREFIX_EXPANSION: usize = 12;

/// One searchable item.
#[derive(Debug, Clone)]
pub struct Document {
    /// Unique per item, e.g. `post:chuck-reid-…`; used to replace it on change.
    pub id: String,
    pub kind: &'static str,
    pub url: String,
    pub title: String,
    pub body: String,
    pub year: Option<u64>,
    /// e.g. "20 September 2016"
    pub date: String,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    url: Field,
    title: Field,
    body: Field,
    year: Field,
    date: Field,
}

pub struct SearchIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

/// A search as asked: the text, filters and the page of results.
#[derive(Debug, Default, Clone)]
pub struct Search {
    pub text: String,
    pub kind: Option<String>,
    pub year: Option<u64>,
    pub page: usize,
    pub per_page: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub kind: String,
    pub kind_label: &'static str,
    pub url: String,
    /// The title as plain text (escape it where it is shown).
    pub title: String,
    pub title_html: String,
    pub snippet_html: String,
    pub date: String,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// A respelling of the query that would find something, when it found nothing.
    pub suggestion: Option<String>,
}

impl SearchIndex {
    /// An empty in-memory index; `writer_memory` is the indexing buffer in bytes.
    pub fn new(writer_memory: usize) -> tantivy::Result<Self> {
        let mut schema = Schema::builder();
        let text = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default().set_tokenizer(fold::ANALYZER).set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored();
        let fields = Fields {
            id: schema.add_text_field("id", STRING),
            kind: schema.add_text_field("kind", STRING | STORED),
            url: schema.add_text_field("url", STORED),
            title: schema.add_text_field("title", text.clone()),
            body: schema.add_text_field("body", text),
            year: schema.add_u64_field("year", INDEXED),
            date: schema.add_text_field("date", STORED),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(fold::ANALYZER, fold::analyzer());
        let writer = index.writer(writer_memory.max(15_000_000))?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { reader, writer: Mutex::new(writer), fields })
    }

    /// Replaces the item `id` by `document`, or removes it for `None`.
    /// Visible after [`commit`](Self::commit).
    pub fn put(&self, id: &str, document: Option<Document>) -> tantivy::Result<()> {
        let f = self.fields;
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.delete_term(Term::from_field_text(f.id, id));
        if let Some(d) = document {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.id, &d.id);
            doc.add_text(f.kind, d.kind);
            doc.add_text(f.url, &d.url);
            doc.add_text(f.title, &d.title);
            doc.add_text(f.body, &d.body);
            doc.add_text(f.date, &d.date);
            if let Some(year) = d.year {
                doc.add_u64(f.year, year);
            }
            writer.add_document(doc)?;
        }
        Ok(())
    }

    pub fn commit(&self) -> tantivy::Result<()> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).commit()?;
        self.reader.reload()
    }

    pub fn search(&self, search: &Search) -> tantivy::Result<Results> {
        let parsed = query::parse(&search.text);
        if parsed.is_empty() {
            return Ok(Results::default());
        }
        let searcher = self.reader.searcher();
        let Some(query) = self.build(&searcher, &parsed, search)? else { return Ok(Results::default()) };
        let per_page = search.per_page.clamp(1, 100);
        let top = TopDocs::with_limit(per_page).and_offset(search.page.saturating_sub(1) * per_page).order_by_score();
        // Words alone: rank and count apart, since the top hits alone can skip
        // most postings and counting needs no scores. Phrases must visit every
        // match either way, so one pass does both.
        let (top, total) = if parsed.phrases.is_empty() {
            (searcher.search(&query, &top)?, searcher.search(&query, &Count)?)
        } else {
            searcher.search(&query, &(top, Count))?
        };

        let mut body_snippets = SnippetGenerator::create(&searcher, &query, self.fields.body)?;
        body_snippets.set_max_num_chars(240);
        let mut title_snippets = SnippetGenerator::create(&searcher, &query, self.fields.title)?;
        title_snippets.set_max_num_chars(400);
        let hits = top
            .into_iter()
            .map(|(_, address)| self.hit(&searcher, address, &title_snippets, &body_snippets))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let suggestion = if total == 0 { self.suggest(&searcher, &search.text)? } else { None };
        Ok(Results { total, hits, suggestion })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        titles: &SnippetGenerator,
        bodies: &SnippetGenerator,
    ) -> tantivy::Result<Hit> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let (title, body, kind) = (text(self.fields.title), text(self.fields.body), text(self.fields.kind));
        let mut title_snippet = titles.snippet(&title);
        title_snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
        let title_html = title_snippet.to_html();
        let mut snippet = snippet_near_start(bodies, &body);
        snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
        let snippet_html = if snippet.is_empty() {
            // Matched in the title only: show the opening of the text.
            let mut opening = crate::render::escape_html(&body.chars().take(200).collect::<String>());
            if body.chars().count() > 200 {
                opening.push('…');
            }
            opening
        } else {
            snippet.to_html()
        };
        let kind_label = KINDS.iter().find(|(k, _)| *k == kind).map_or("", |(_, label)| label);
        Ok(Hit {
            kind,
            kind_label,
            url: text(self.fields.url),
            title_html: if title_html.is_empty() { crate::render::escape_html(&title) } else { title_html },
            title,
            snippet_html,
            date: text(self.fields.date),
        })
    }

    /// Every word must match (in title or text); phrases in order; the last
    /// word also as a prefix while typing; then the filters.
    fn build(&self, searcher: &tantivy::Searcher, parsed: &ParsedQuery, search: &Search) -> tantivy::Result<Option<BooleanQuery>> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, word) in parsed.words.iter().enumerate() {
            let mut words = vec![word.clone()];
            if parsed.prefix_last && i + 1 == parsed.words.len() {
                words.extend(self.expand_prefix(searcher, word)?);
            }
            let alternatives: Vec<(Occur, Box<dyn Query>)> = words
                .iter()
                .flat_map(|w| {
                    let title: Box<dyn Query> = Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(Term::from_field_text(f.title, w), IndexRecordOption::WithFreqs)),
                        TITLE_BOOST,
                    ));
                    let body: Box<dyn Query> = Box::new(TermQuery::new(Term::from_field_text(f.body, w), IndexRecordOption::WithFreqs));
                    [(Occur::Should, title), (Occur::Should, body)]
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        for phrase in &parsed.phrases {
            let terms = |field| phrase.iter().map(|w| Term::from_field_text(field, w)).collect::<Vec<_>>();
            let title: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms(f.title))), TITLE_BOOST));
            let body: Box<dyn Query> = Box::new(PhraseQuery::new(terms(f.body)));
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(vec![(Occur::Should, title), (Occur::Should, body)]))));
        }
        if clauses.is_empty() {
            return Ok(None);
        }
        if let Some(kind) = &search.kind {
            clauses.push((Occur::Must, Box::new(TermQuery::new(Term::from_field_text(f.kind, kind), IndexRecordOption::Basic))));
        }
        if let Some(year) = search.year {
            clauses.push((Occur::Must, Box::new(TermQuery::new(Term::from_field_u64(f.year, year), IndexRecordOption::Basic))));
        }
        Ok(Some(BooleanQuery::new(clauses)))
    }

    /// Dictionary words that start with `prefix` (other than itself), the
    /// most frequent first, at most [`PREFIX_EXPANSION`].
    fn expand_prefix(&self, searcher: &tantivy::Searcher, prefix: &str) -> tantivy::Result<Vec<String>> {
        let mut upper = prefix.as_bytes().to_vec();
        upper.push(0xff);
        // Document frequency summed over segments; the body holds nearly every
        // title word too, so its dictionary stands for both fields.
        let mut found: HashMap<Vec<u8>, u32> = HashMap::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.body)?;
            let mut stream = inverted.terms().range().gt(prefix.as_bytes()).lt(&upper).into_stream()?;
            while let Some((key, info)) = stream.next() {
                match found.get_mut(key) {
                    Some(n) => *n += info.doc_freq,
                    None => {
                        found.insert(key.to_vec(), info.doc_freq);
                    }
                }
            }
        }
        let mut found: Vec<(u32, Vec<u8>)> = found.into_iter().map(|(w, n)| (n, w)).collect();
        let keep = PREFIX_EXPANSION.min(found.len());
        if keep > 0 {
            found.select_nth_unstable_by(keep - 1, |a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        }
        found.truncate(keep);
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Ok(found.into_iter().filter_map(|(_, w)| String::from_utf8(w).ok()).collect())
    }

    /// For a query that found nothing: each unknown word replaced by the
    /// most frequent indexed word within two edits of it.
    fn suggest(&self, searcher: &tantivy::Searcher, text: &str) -> tantivy::Result<Option<String>> {
        let words = fold::tokens(text);
        let mut changed = false;
        let mut out = Vec::with_capacity(words.len());
        for word in words {
            let known = searcher.doc_freq(&Term::from_field_text(self.fields.body, &word))? > 0
                || searcher.doc_freq(&Term::from_field_text(self.fields.title, &word))? > 0;
            let replacement = if known || word.len() < 4 { None } else { self.closest(searcher, &word)? };
            changed |= replacement.is_some();
            out.push(replacement.unwrap_or(word));
        }
        Ok(changed.then(|| out.join(" ")))
    }

    fn closest(&self, searcher: &tantivy::Searcher, word: &str) -> tantivy::Result<Option<String>> {
        // Words sharing the first letter: a cheap, usually right, candidate set.
        let first = &word.as_bytes()[..1];
        let mut upper = first.to_vec();
        upper.push(0xff);
        let mut best: Option<(usize, u32, String)> = None;
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.body)?;
            let mut stream = inverted.terms().range().ge(first).lt(&upper).into_stream()?;
            while let Some((key, info)) = stream.next() {
                let Ok(candidate) = std::str::from_utf8(key) else { continue };
                if candidate.len().abs_diff(word.len()) > 2 {
                    continue;
                }
                let distance = edit_distance(word, candidate);
                if distance <= 2
                    && best.as_ref().is_none_or(|(d, n, _)| (distance, std::cmp::Reverse(info.doc_freq)) < (*d, std::cmp::Reverse(*n)))
                {
                    best = Some((distance, info.doc_freq, candidate.to_owned()));
                }
            }
        }
        Ok(best.map(|(_, _, w)| w))
    }

    /// Number of items in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Most matches show early in a text; looking there first spares analysing
/// whole transcripts for every hit.
fn snippet_near_start(generator: &SnippetGenerator, text: &str) -> tantivy::snippet::Snippet {
    const START: usize = 3_000;
    if text.len() > START {
        let end = (START..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        let snippet = generator.snippet(&text[..end]);
        if !snippet.is_empty() {
            return snippet;
        }
    }
    generator.snippet(text)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb { previous } else { 1 + previous.min(row[j]).min(row[j + 1]) };
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, kind: &'static str, title: &str, body: &str, year: u64) -> Document {
        Document {
            id: id.into(),
            kind,
            url: format!("/{id}"),
            title: title.into(),
            body: body.into(),
            year: Some(year),
            date: String::new(),
        }
    }

    fn index(docs: &[Document]) -> SearchIndex {
        let index = SearchIndex::new(15_000_000).unwrap();
        for d in docs {
            index.put(&d.id, Some(d.clone())).unwrap();
        }
        index.commit().unwrap();
        index
    }

    fn find(index: &SearchIndex, text: &str) -> Vec<String> {
        index
            .search(&Search { text: text.into(), per_page: 10, page: 1, ..Default::default() })
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.url)
            .collect()
    }

    #[test]
    fn a_title_match_ranks_above_a_body_mention() {
        let index = index(&[
            doc("body", "news", "A visit", "We drove past Buckingham on the way home, a long drive through the county.", 2016),
            doc("title", "page", "Buckingham Correctional Center", "The prison where Jens lives, a long drive through the county.", 2016),
        ]);
        assert_eq!(find(&index, "buckingham"), ["/title", "/body"]);
        assert_eq!(find(&index, "Buck"), ["/title", "/body"], "prefix while typing");
    }

    #[test]
    fn replacing_and_removing_items() {
        let index = index(&[doc("a", "news", "Alpha", "first", 2016)]);
        index.put("a", Some(doc("a", "news", "Beta", "second", 2016))).unwrap();
        index.commit().unwrap();
        assert!(find(&index, "alpha").is_empty());
        assert_eq!(find(&index, "beta"), ["/a"]);
        index.put("a", None).unwrap();
        index.commit().unwrap();
        assert!(find(&index, "beta").is_empty());
        assert!(index.is_empty());
    }

    #[test]
    fn misspelt_words_get_a_suggestion() {
        let index = index(&[doc("a", "news", "Pardon petition", "The petition for a pardon", 2016)]);
        let results = index.search(&Search { text: "petiton".into(), per_page: 10, page: 1, ..Default::default() }).unwrap();
        assert_eq!(results.total, 0);
        assert_eq!(results.suggestion.as_deref(), Some("petition"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

//! Search speed on a large archive: Pamphlet's index against SQLite FTS5
//! (bm25, unicode61 with diacritics removed) on the same generated documents
//! and the same queries, in one run. Run through `bench/search.sh`.
//!
//! DOCS (default 100000) documents of 300–2,000 words from a fixed seed;
//! QUERIES (default 1000) mixed queries: common and rare words, two words,
//! phrases, prefixes while typing, spellings of names, kind and year filters.

use std::time::{Duration, Instant};

use pamphlet::search::{self, Document, KINDS, Search, SearchIndex};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

mod common;
use common::Rng;

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; test runners that list every target do not.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let docs: usize = env_or("DOCS", 100_000);
    let queries: usize = env_or("QUERIES", 1_000);
    let corpus = Corpus::new();
    let queries = corpus.queries(queries, docs);

    println!("documents: {docs} (300–2,000 words each), queries: {}", queries.len());
    let start = Instant::now();
    let index = SearchIndex::new(search::WRITER_MEMORY)?;
    let mut words = 0usize;
    for i in 0..docs {
        let doc = corpus.document(i);
        words += doc.body.split(' ').count();
        index.put(&doc.id.clone(), Some(doc))?;
    }
    index.commit()?;
    let build = start.elapsed();
    // After a bulk load the index merges its segments in the background, as
    // on a node that has just started; queries are timed once that is done.
    std::thread::sleep(Duration::from_secs(env_or("SETTLE", 30) as u64));
    println!("words indexed: {:.1} million", words as f64 / 1e6);

    let mut totals = 0usize;
    let mut pamphlet = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        totals += index.search(&q.search())?.total;
        pamphlet.push(t.elapsed());
    }
    by_class(&queries, &pamphlet);
    report("pamphlet (tantivy)", build, &mut pamphlet);
    println!("  matches over all queries: {totals}");
    drop(index);
    if std::env::var("PEER").is_ok_and(|v| v == "0") {
        return Ok(());
    }

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (fts_build, mut fts) = runtime.block_on(fts5(&corpus, docs, &queries))?;
    report("sqlite fts5 (peer)", fts_build, &mut fts);

    let p95 = |v: &[Duration]| percentile(v, 95.0).as_secs_f64();
    println!(
        "ratio p95 fts5/pamphlet: {:.1}x; build fts5/pamphlet: {:.2}x",
        p95(&fts) / p95(&pamphlet),
        fts_build.as_secs_f64() / build.as_secs_f64()
    );
    println!("target: pamphlet p95 <= 5 ms: {}", if p95(&pamphlet) <= 0.005 { "met" } else { "MISSED" });
    Ok(())
}

/// The peer: the same documents in an FTS5 table, the same queries as MATCH
/// expressions, top 10 by bm25 (title weighted 3) with a body snippet. It
/// returns no total count, so it does a little less work than Pamphlet.
async fn fts5(corpus: &Corpus, docs: usize, queries: &[BenchQuery]) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let dir = tempfile::tempdir()?;
    let mut db = SqliteConnectOptions::new()
        .filename(dir.path().join("fts.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        .connect()
        .await?;
    let start = Instant::now();
    sqlx::query(
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, kind UNINDEXED, year UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')",
    )
    .execute(&mut db)
    .await?;
    let mut tx = db.begin().await?;
    for i in 0..docs {
        let d = corpus.document(i);
        sqlx::query("INSERT INTO docs (title, body, kind, year) VALUES ($1, $2, $3, $4)")
            .bind(&d.title)
            .bind(&d.body)
            .bind(d.kind)
            .bind(d.year.map(|y| y as i64))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    sqlx::query("INSERT INTO docs (docs) VALUES ('optimize')").execute(&mut db).await?;
    let build = start.elapsed();

    let mut times = Vec::with_capacity(queries.len());
    for q in queries {
        let sql = "SELECT rowid, snippet(docs, 1, '<mark>', '</mark>', '…', 24) FROM docs WHERE docs MATCH $1 \
                   AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR year = $3) ORDER BY bm25(docs, 3.0, 1.0) LIMIT 10";
        let t = Instant::now();
        sqlx::query(sql).bind(q.fts5()).bind(q.kind).bind(q.year.map(|y| y as i64)).fetch_all(&mut db).await?;
        times.push(t.elapsed());
    }
    Ok((build, times))
}

/// p95 per kind of query, to see where the time goes.
fn by_class(queries: &[BenchQuery], times: &[Duration]) {
    let mut classes: Vec<&str> = CLASSES.to_vec();
    classes.dedup();
    for class in classes {
        let mut t: Vec<Duration> = queries.iter().zip(times).filter(|(q, _)| q.class == class).map(|(_, t)| *t).collect();
        t.sort();
        println!(
            "  {class:<22} p50 {:6.2} ms  p95 {:6.2} ms",
            percentile(&t, 50.0).as_secs_f64() * 1e3,
            percentile(&t, 95.0).as_secs_f64() * 1e3
        );
    }
}

fn report(name: &str, build: Duration, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: build {:.1} s; query p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        build.as_secs_f64(),
        ms(percentile(times, 50.0)),
        ms(percentile(times, 95.0)),
        ms(percentile(times, 99.0)),
        ms(*times.last().unwrap_or(&Duration::ZERO)),
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let mut v = sorted.to_vec();
    v.sort();
    v.get(((v.len() as f64 * p / 100.0).ceil() as usize).saturating_sub(1)).copied().unwrap_or_default()
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The words of the archive: English function words, the case's names in
/// all their spellings, and a large made-up vocabulary with Zipf-like
/// frequencies, as in real text.
struct Corpus {
    vocabulary: Vec<String>,
    /// Cumulative Zipf weights over `vocabulary`.
    cumulative: Vec<f64>,
}

const FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he", "this", "are",
    "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her",
    "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no",
];
const NAMES: &[&str] = &[
    "Söring",
    "Soering",
    "Soring",
    "Haysom",
    "Buckingham",
    "Virginia",
    "Governor",
    "pardon",
    "petition",
    "Müller",
    "Mueller",
    "Strauß",
    "Bedford",
    "Lynchburg",
    "evidence",
    "DNA",
    "court",
    "trial",
    "jury",
    "prison",
    "Grüße",
    "Österreich",
    "Zürich",
];
const SYLLABLES: &[&str] = &[
    "ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qui", "ro", "sa", "te", "vi", "wo", "xa", "ze", "bre", "cla",
    "dro", "fle", "gri", "pla", "str", "tion", "ment", "ing", "er", "ous", "al", "ic", "ar", "en", "or", "an", "ly", "ent",
];

impl Corpus {
    fn new() -> Self {
        let mut rng = Rng(7);
        let mut vocabulary: Vec<String> = FUNCTION_WORDS.iter().map(|w| (*w).to_owned()).collect();
        let mut seen: std::collections::HashSet<String> = FUNCTION_WORDS.iter().chain(NAMES).map(|w| (*w).to_lowercase()).collect();
        while vocabulary.len() < 60_000 {
            // Names are frequent in this archive, but far less than "the".
            if vocabulary.len() == 400 {
                vocabulary.extend(NAMES.iter().map(|w| (*w).to_owned()));
            }
            let word: String = (0..2 + rng.below(3)).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect();
            if seen.insert(word.clone()) {
                vocabulary.push(word);
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=vocabulary.len())
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(1.07);
                total
            })
            .collect();
        Corpus { vocabulary, cumulative }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let target = rng.unit() * self.cumulative.last().copied().unwrap_or(1.0);
        let i = self.cumulative.partition_point(|c| *c < target).min(self.vocabulary.len() - 1);
        &self.vocabulary[i]
    }

    /// Document `i`, the same on every call.
    fn document(&self, i: usize) -> Document {
        let mut rng = Rng(0x5EED ^ (i as u64).wrapping_mul(0x1000_0000_01B3));
        let title_words = 3 + rng.below(7);
        let mut title: Vec<&str> = (0..title_words).map(|_| self.word(&mut rng)).collect();
        title[0] = self.vocabulary[FUNCTION_WORDS.len() + rng.below(2_000)].as_str();
        let length = 300 + rng.below(1_701);
        let mut body = String::with_capacity(length * 8);
        for n in 0..length {
            if n > 0 {
                body.push(' ');
            }
            body.push_str(self.word(&mut rng));
        }
        let (kind, _) = KINDS[rng.below(KINDS.len())];
        let year = 1986 + rng.below(41) as u64;
        Document {
            id: format!("doc:{i}"),
            kind,
            url: format!("/archive/{i}"),
            title: title.join(" "),
            body,
            year: Some(year),
            date: year.to_string(),
        }
    }

    fn queries(&self, n: usize, docs: usize) -> Vec<BenchQuery> {
        let mut rng = Rng(42);
        let content = |rng: &mut Rng| self.vocabulary[FUNCTION_WORDS.len() + rng.below(20_000)].clone();
        (0..n)
            .map(|i| {
                let mut q = BenchQuery { class: CLASSES[i % 10], text: String::new(), kind: None, year: None };
                match i % 10 {
                    0..=2 => q.text = content(&mut rng),
                    3 => q.text = format!("{} {}", content(&mut rng), content(&mut rng)),
                    4 => q.text = format!("{} {}", self.word(&mut rng), content(&mut rng)),
                    5 => {
                        // A phrase that occurs: three words from a document.
                        let d = self.document(rng.below(docs.max(1)));
                        let words: Vec<&str> = d.body.split(' ').collect();
                        // Starting at a word people would quote, not at "the".
                        let mut at = rng.below(words.len() - 3);
                        while at > 0 && FUNCTION_WORDS.contains(&words[at]) {
                            at -= 1;
                        }
                        q.text = format!("\"{}\"", words[at..at + 3].join(" "));
                    }
                    6 => {
                        let w = content(&mut rng);
                        q.text = w.chars().take(3 + rng.below(2)).collect();
                    }
                    7 => q.text = NAMES[rng.below(NAMES.len())].to_owned(),
                    8 => {
                        q.text = content(&mut rng);
                        q.kind = Some(KINDS[rng.below(KINDS.len())].0);
                    }
                    _ => {
                        q.text = format!("{} {}", NAMES[rng.below(NAMES.len())], content(&mut rng));
                        q.year = Some(1986 + rng.below(41) as u64);
                    }
                }
                q
            })
            .collect()
    }
}

const CLASSES: [&str; 10] =
    ["word", "word", "word", "two words", "common + word", "phrase", "prefix", "name", "word in kind", "name + word in year"];

struct BenchQuery {
    class: &'static str,
    text: String,
    kind: Option<&'static str>,
    year: Option<u64>,
}

impl BenchQuery {
    fn search(&self) -> Search {
        Search { text: self.text.clone(), kind: self.kind.map(str::to_owned), year: self.year, page: 1, per_page: 10 }
    }

    /// The same query in FTS5 syntax: quoted words, a phrase, or a prefix.
    fn fts5(&self) -> String {
        if self.text.starts_with('"') {
            return self.text.clone();
        }
        let words: Vec<String> = self.text.split(' ').map(|w| format!("\"{w}\"")).collect();
        let mut expr = words.join(" ");
        if !self.text.contains(' ') && self.text.chars().count() <= 4 {
            expr.push('*');
        }
        expr
    }
}

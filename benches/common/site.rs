//! A generated news site, the same for Pamphlet and for Hugo: posts of
//! realistic Markdown from a fixed seed, and a Hugo site with a minimal
//! theme of the same pages.

use std::path::Path;

use super::Rng;

pub struct GeneratedPost {
    pub slug: String,
    pub title: String,
    pub date: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub body: String,
}

impl GeneratedPost {
    /// Pamphlet's post fields, or Hugo's front matter (TOML both).
    pub fn front_matter_toml(&self, with_body: bool) -> String {
        let tags: Vec<String> = self.tags.iter().map(|t| format!("{t:?}")).collect();
        let mut toml =
            format!("title = {:?}\ndate = {}\nsummary = {:?}\ntags = [{}]\n", self.title, self.date, self.summary, tags.join(", "));
        if with_body {
            toml = format!("slug = {:?}\nkind = \"news\"\n{toml}body = {:?}\n", self.slug, self.body);
        }
        toml
    }
}

const WORDS: &[&str] = &[
    "the",
    "court",
    "evidence",
    "of",
    "and",
    "a",
    "pardon",
    "petition",
    "governor",
    "in",
    "trial",
    "jury",
    "to",
    "was",
    "witness",
    "prison",
    "letter",
    "Söring",
    "Haysom",
    "Virginia",
    "Bedford",
    "county",
    "sheriff",
    "investigator",
    "report",
    "DNA",
    "blood",
    "sample",
    "appeal",
    "lawyer",
    "hearing",
    "new",
    "that",
    "his",
    "for",
    "not",
    "with",
    "documentary",
    "supporters",
    "book",
    "innocence",
    "confession",
    "record",
    "timeline",
    "statement",
    "question",
    "answer",
    "years",
    "case",
    "justice",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s: Vec<&str> = (0..words).map(|_| WORDS[rng.below(WORDS.len())]).collect();
    let first = s[0].to_owned();
    let mut out = first[..1].to_uppercase() + &first[1..];
    s.remove(0);
    for w in s {
        out.push(' ');
        out.push_str(w);
    }
    out.push('.');
    out
}

pub fn generate(i: usize) -> GeneratedPost {
    let mut rng = Rng(0xB0_0C5 ^ (i as u64).wrapping_mul(0x1000_0000_01B3));
    let target = 300 + rng.below(1_201);
    let mut body = String::new();
    let mut words = 0;
    while words < target {
        match rng.below(10) {
            0 => body.push_str(&format!("## {}\n\n", sentence(&mut rng, 4).trim_end_matches('.'))),
            1 => {
                for _ in 0..3 + rng.below(3) {
                    body.push_str(&format!("- {}\n", sentence(&mut rng, 6)));
                }
                body.push('\n');
                words += 20;
            }
            2 => body.push_str(&format!(
                "See [the report {}](https://example.org/reports/{}) and [the timeline](/case-overview).\n\n",
                rng.below(1000),
                rng.below(1000)
            )),
            3 if rng.below(3) == 0 => body.push_str("```\ncase_number = \"CR-1986-0042\"\nfiled = 2016-08-22\n```\n\n"),
            4 if rng.below(4) == 0 => body.push_str("![A page of the court record](/uploads/the-promise.svg)\n\n"),
            _ => {
                let n = 40 + rng.below(80);
                let sentences: Vec<String> = (0..n / 10).map(|_| sentence(&mut rng, 10)).collect();
                body.push_str(&sentences.join(" "));
                body.push_str("\n\n");
                words += n;
            }
        }
    }
    let day = i % 28 + 1;
    let month = (i / 28) % 12 + 1;
    let year = 2000 + (i / 336) % 26;
    GeneratedPost {
        slug: format!("post-{i:05}"),
        title: format!("{} ({i})", sentence(&mut rng, 5).trim_end_matches('.')),
        date: format!("{year}-{month:02}-{day:02}"),
        summary: sentence(&mut rng, 18),
        tags: (0..1 + rng.below(3)).map(|_| format!("Topic {}", rng.below(40))).collect(),
        body,
    }
}

/// A Hugo site with a minimal theme of the same pages Pamphlet writes.
pub fn write_hugo_site(root: &Path, posts: &[GeneratedPost]) -> anyhow::Result<()> {
    let layouts = root.join("layouts/_default");
    std::fs::create_dir_all(&layouts)?;
    std::fs::create_dir_all(root.join("content/news"))?;
    std::fs::write(
        root.join("hugo.toml"),
        "baseURL = 'https://example.org/'\ntitle = 'Friends of Jens Söring'\nlanguageCode = 'en'\npaginate = 10\n[taxonomies]\ntag = 'tags'\n",
    )?;
    let base = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title><link rel="canonical" href="{{ .Permalink }}"><meta name="description" content="{{ .Summary | plainify | truncate 160 }}">
<link rel="alternate" type="application/atom+xml" href="/feed.xml"><link rel="stylesheet" href="/style.css"></head>
<body><header><a href="/">{{ site.Title }}</a><nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/case-overview">The case</a> <a href="/pardon">Pardon</a> <a href="/contact">Contact</a></nav>
<form action="/search" method="get"><input type="search" name="q"></form></header>
<main>{{ block "main" . }}{{ end }}</main><footer><p>Friends of Jens Söring · admin (at) example.org</p></footer></body></html>"#;
    std::fs::write(layouts.join("baseof.html"), base)?;
    std::fs::write(
        layouts.join("single.html"),
        r#"{{ define "main" }}<article><h1>{{ .Title }}</h1><p class="byline"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></p>
<p class="summary">{{ .Params.summary }}</p>{{ .Content }}<p>{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}">{{ . }}</a> {{ end }}</p></article>{{ end }}"#,
    )?;
    std::fs::write(
        layouts.join("list.html"),
        r#"{{ define "main" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}<ul class="posts">{{ range $p.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2 January 2006" }}</time><p>{{ .Params.summary }}</p></li>{{ end }}</ul>
<nav>{{ if $p.HasPrev }}<a href="{{ $p.Prev.URL }}">Newer</a>{{ end }} {{ if $p.HasNext }}<a href="{{ $p.Next.URL }}">Older</a>{{ end }}</nav>{{ end }}"#,
    )?;
    std::fs::write(
        layouts.join("term.html"),
        r#"{{ define "main" }}<h1>Tagged “{{ .Title }}”</h1><ul class="posts">{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2 January 2006" }}</time><p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ end }}"#,
    )?;
    std::fs::write(
        root.join("layouts/index.html"),
        r#"{{ define "main" }}<h1>{{ site.Title }}</h1><ul class="posts">{{ range first 5 (where site.RegularPages "Section" "news") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a><p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ end }}"#,
    )?;
    for post in posts {
        std::fs::write(
            root.join(format!("content/news/{}.md", post.slug)),
            format!("+++\n{}+++\n{}", post.front_matter_toml(false), post.body),
        )?;
    }
    Ok(())
}

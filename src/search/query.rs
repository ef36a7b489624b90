//! What a visitor types, read forgivingly: words, "quoted phrases", and the
//! last word as a prefix while typing. Nothing a visitor types is an error;
//! operators and symbols are just not words.

/// Longest query accepted, in characters.
pub const MAX_CHARS: usize = 200;

#[derive(Debug, Default, PartialEq)]
pub struct ParsedQuery {
    /// Folded single words; every one must match.
    pub words: Vec<String>,
    /// Folded phrases of two or more words; every one must match in order.
    pub phrases: Vec<Vec<String>>,
    /// The last word is still being typed: match it as a prefix too.
    pub prefix_last: bool,
}

impl ParsedQuery {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }
}

pub fn parse(query: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let segments: Vec<&str> = query.split('"').collect();
    let balanced = segments.len() % 2 == 1;
    for (i, segment) in segments.iter().enumerate() {
        // Odd segments are inside quotes; an unclosed last quote is just text.
        let quoted = i % 2 == 1 && (balanced || i + 1 < segments.len());
        let tokens = super::fold::tokens(segment);
        if quoted && tokens.len() > 1 {
            parsed.phrases.push(tokens);
        } else {
            parsed.words.extend(tokens);
        }
    }
    let ends_in_word = query.chars().last().is_some_and(char::is_alphanumeric) && !(balanced && segments.len() > 1 && query.ends_with('"'));
    let last_is_free = segments.last().is_some_and(|s| !super::fold::tokens(s).is_empty()) && (segments.len() % 2 == 1);
    parsed.prefix_last = ends_in_word && last_is_free && parsed.words.last().is_some_and(|w| w.chars().count() >= 2);
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_the_typed_prefix() {
        let q = parse("Buck");
        assert_eq!((q.words.as_slice(), q.prefix_last), (["buck".to_string()].as_slice(), true));
        let q = parse("\"Chuck Reid\" pardon ");
        assert_eq!(q.phrases, [vec!["chuck".to_string(), "reid".to_string()]]);
        assert_eq!(q.words, ["pardon"]);
        assert!(!q.prefix_last, "a trailing space ends the word");
        assert!(!parse("\"Buck\"").prefix_last, "a quoted word is exact");
    }

    #[test]
    fn odd_input_is_read_as_words_or_nothing() {
        assert!(parse("").is_empty());
        assert!(parse("\"").is_empty());
        assert!(parse("*").is_empty());
        assert_eq!(parse("AND").words, ["and"]);
        assert_eq!(parse("\"unbalanced quote").words, ["unbalanced", "quote"]);
        assert_eq!(parse("<script>alert(1)</script>").words, ["script", "alert", "1", "script"]);
        assert_eq!(parse("' OR 1=1 --").words, ["or", "1", "1"]);
    }
}

//! Spelling folding shared by indexing and querying: lowercase, accents
//! removed, and the German spellings of umlauts collapsed, so "Söring",
//! "Soering" and "Soring" are one word ("soring").

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The name the analyzer is registered under in the index.
pub const ANALYZER: &str = "pamphlet_folded";

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(UmlautDigraphs)
        .build()
}

/// The folded tokens of a text, as the index stores them.
pub fn tokens(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// "ae", "oe", "ue" → "a", "o", "u": after ASCII folding turned "ö" into
/// "o", this makes the spelled-out "oe" meet it.
#[derive(Clone)]
pub struct UmlautDigraphs;

impl TokenFilter for UmlautDigraphs {
    type Tokenizer<T: Tokenizer> = DigraphTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> DigraphTokenizer<T> {
        DigraphTokenizer { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct DigraphTokenizer<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for DigraphTokenizer<T> {
    type TokenStream<'a> = DigraphStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DigraphStream { tail: self.inner.token_stream(text) }
    }
}

pub struct DigraphStream<S> {
    tail: S,
}

impl<S: TokenStream> TokenStream for DigraphStream<S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        if text.as_bytes().windows(2).any(|pair| matches!(pair, [b'a' | b'o' | b'u', b'e'])) {
            *text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u");
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn every_spelling_of_a_name_folds_to_one_word() {
        for spelling in ["Söring", "Soering", "Soring", "SÖRING", "soering"] {
            assert_eq!(tokens(spelling), ["soring"], "{spelling}");
        }
        assert_eq!(tokens("Gefängnis Gefaengnis"), ["gefangnis", "gefangnis"]);
        assert_eq!(tokens("Straße Strasse"), ["strasse", "strasse"]);
        assert_eq!(tokens("Über Ueber"), ["uber", "uber"]);
        assert_eq!(tokens("Haysom haysom"), ["haysom", "haysom"]);
    }

    #[test]
    fn punctuation_and_markup_are_not_words() {
        assert_eq!(tokens("<script>alert(1)</script>"), ["script", "alert", "1", "script"]);
        assert!(tokens("\" * ' ; --").is_empty());
    }
}

//! Text as people mean it when they compare names: "Élodie Lefèvre", "ELODIE LEFEVRE" and "élodie lefèvre"
//! are one person to a town hall. Used by every rule that matches what a person types or a file holds
//! against what we keep (the register's headers, the town's list of residents).

use icu_normalizer::DecomposingNormalizerBorrowed;

/// Lower case, without diacritics: each character is decomposed (Unicode NFD) and its combining marks
/// dropped, so every accented Latin letter folds, not only French ones ("Nguyễn" → "nguyen", "Ångström"
/// → "angstrom"). Letters that do not decompose are spelled out as a French clerk would type them
/// ("Œ" → "oe", "Æ" → "ae", "ß" → "ss", "Ø" → "o", "Ł" → "l"). Everything else is kept as it is.
pub fn fold(text: &str) -> String {
    let decomposed = DecomposingNormalizerBorrowed::new_nfd().normalize(text);
    let mut out = String::with_capacity(decomposed.len());
    for c in decomposed.chars() {
        match c {
            c if is_combining_mark(c) => {}
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' | 'ẞ' => out.push_str("ss"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The blocks of combining diacritical marks (the accents NFD splits off Latin, Greek and Cyrillic letters).
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(fold("Élodie LEFÈVRE"), "elodie lefevre");
        assert_eq!(fold("François Cœur"), "francois coeur");
        assert_eq!(fold("Nguyễn Ångström Müller"), "nguyen angstrom muller");
        assert_eq!(fold("Łódź Straße"), "lodz strasse");
    }

    #[test]
    fn composed_and_decomposed_spellings_are_one() {
        // "é" typed as one character, or as "e" and a combining acute accent (macOS file names, some exports).
        assert_eq!(fold("Lef\u{e8}vre"), fold("Lefe\u{300}vre"));
    }

    #[test]
    fn everything_else_is_kept() {
        assert_eq!(
            fold("12, rue de l'Église (bis)"),
            "12, rue de l'eglise (bis)"
        );
    }
}

//! Formatting through `charter fmt`'s formatter: the whole document, or the declarations
//! a range touches. A document with syntax errors is left as it is. The edit covers only
//! the part that changes, so the editor keeps the cursor and folds elsewhere.

use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};

pub fn format(
    snapshot: &Snapshot,
    file: FileRef<'_>,
    range: Option<lsp::Range>,
) -> Option<Vec<lsp::TextEdit>> {
    let text: &str = &file.source.text;
    let view = file.text();
    let (start, end, replacement) = match range {
        None => (0, text.len(), charter::fmt::format_source(text).ok()?),
        Some(range) => {
            let from = view.offset(range.start, snapshot.encoding);
            let to = view.offset(range.end, snapshot.encoding);
            let (replaced, replacement) = charter::fmt::format_range(text, from..to).ok()?;
            (replaced.start, replaced.end, replacement)
        }
    };
    let original = text.get(start..end)?;
    if original == replacement {
        return Some(Vec::new());
    }
    let (prefix, suffix) = common_ends(original, &replacement);
    let new_text = replacement.get(prefix..replacement.len() - suffix)?.to_string();
    let range = view.range(start + prefix, end - suffix, snapshot.encoding);
    Some(vec![lsp::TextEdit::new(range, new_text)])
}

/// The lengths of the common prefix and suffix of two texts, on character boundaries,
/// not overlapping.
fn common_ends(a: &str, b: &str) -> (usize, usize) {
    let prefix = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, left), right)| left != right)
        .map_or(a.len().min(b.len()), |((index, _), _)| index);
    let limit = a.len().min(b.len()) - prefix;
    let mut suffix = 0;
    for (left, right) in a.chars().rev().zip(b.chars().rev()) {
        if left != right || suffix + left.len_utf8() > limit {
            break;
        }
        suffix += left.len_utf8();
    }
    (prefix, suffix)
}

#[cfg(test)]
mod tests {
    use super::common_ends;

    #[test]
    fn common_ends_never_overlap() {
        assert_eq!(common_ends("abc", "abc"), (3, 0));
        assert_eq!(common_ends("a  b", "a b"), (2, 1));
        assert_eq!(common_ends("é x", "é  x"), (3, 1));
    }
}

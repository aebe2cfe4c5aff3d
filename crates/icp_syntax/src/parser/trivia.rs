//! White space and comments, which the AST does not hold.
//!
//! How it works: pest lets a rule that ends in an optional or repeated part swallow the white
//! space and comments after its last token, so [`token_end`] finds where that token really
//! ends, for the node's span. Comments are recovered after the build by [`find_comments`]:
//! every `#` outside a string or regex literal starts one, running to the end of its line.

use icp_diagnostics::{FileId, Span};
use pest::iterators::Pair;

use crate::ast::Comment;

use super::Rule;

/// Where the last token of a pair ends. Its rightmost leaf (a token pest matched exactly) ends
/// first; after it come only literal tokens (`)`, `}`, `]`, a closing quote), which count, and
/// white space and comments, which do not. No string or regex can hide in that stretch, since
/// those have children of their own.
pub(super) fn token_end(pair: &Pair<'_, Rule>) -> usize {
    let span = pair.as_span();
    let mut leaf = pair.clone();
    while let Some(last) = leaf.clone().into_inner().next_back() {
        leaf = last;
    }
    let bytes = span.get_input().as_bytes();
    let mut end = leaf.as_span().end();
    let mut i = end;
    while i < span.end() {
        match bytes[i] {
            // White space, and the bytes of a byte-order mark (no literal token is non-ASCII).
            b' ' | b'\t' | b'\r' | b'\n' | 0x80.. => i += 1,
            b'#' => {
                while i < span.end() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {
                i += 1;
                end = i;
            }
        }
    }
    end
}

/// Every `#` outside the given literal spans starts a comment running to the end of its line.
pub(super) fn find_comments(
    file: FileId,
    source: &str,
    literals: &[(usize, usize)],
) -> Vec<Comment> {
    let mut literals = literals.to_vec();
    literals.sort_unstable();
    let mut comments = Vec::new();
    let mut next_literal = 0;
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while next_literal < literals.len() && literals[next_literal].1 <= i {
            next_literal += 1;
        }
        if let Some(&(start, end)) = literals.get(next_literal)
            && start <= i
        {
            i = end;
            continue;
        }
        if bytes[i] == b'#' {
            let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
            let text = source[i..end].trim_end().to_string();
            comments.push(Comment {
                span: Span::new(file, i, i + text.len()),
                text,
            });
            i = end;
        } else {
            i += 1;
        }
    }
    comments
}

//! E-mail addresses and URLs: what a pattern match must also satisfy.

use crate::text::count;

pub(crate) const FILE_EXTS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "avif", "heic",
];

pub(crate) fn email_ok(span: &str) -> bool {
    let Some(at) = span.find('@') else {
        return false;
    };
    let local = &span[..at];
    let tld = span.rsplit('.').next().unwrap_or("");
    // `git@github.com:org/repo` is an SSH remote, not a person.
    if local == "git" {
        return false;
    }
    // `icon@2x.png` is an image asset.
    !FILE_EXTS.iter().any(|x| tld.eq_ignore_ascii_case(x))
}

/// Drops trailing punctuation that ends a sentence rather than the URL.
pub(crate) fn trim_url_end(text: &str, s: usize, e: usize) -> usize {
    let b = text.as_bytes();
    let mut end = e;
    while end > s {
        let c = b[end - 1];
        let drop = match c {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'&' => true,
            b')' => count(&b[s..end], b'(') < count(&b[s..end], b')'),
            b']' => count(&b[s..end], b'[') < count(&b[s..end], b']'),
            b'}' => count(&b[s..end], b'{') < count(&b[s..end], b'}'),
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    end
}

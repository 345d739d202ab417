//! US social security numbers: area, group and serial rules.

use crate::text::standalone_number;

pub(crate) fn ssn_ok(text: &str, s: usize, e: usize) -> bool {
    let d = &text.as_bytes()[s..e];
    let area = &d[0..3];
    area != b"000"
        && area != b"666"
        && area[0] != b'9'
        && &d[4..6] != b"00"
        && &d[7..11] != b"0000"
        && standalone_number(text, s, e)
}

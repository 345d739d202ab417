//! The PII detectors (`crates/pii`) on any text: redaction never panics, is
//! idempotent (a second pass changes nothing), keeps JSON valid, and every
//! finding lies on char boundaries, in order, without overlaps.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use slm_pii::{EntityCounts, Gazetteer, Options, PiiKey, Redactor};

fn redactor() -> &'static Redactor {
    static R: OnceLock<Redactor> = OnceLock::new();
    R.get_or_init(|| {
        // A small gazetteer: the fuzzer explores the logic, not the word list.
        let g = Gazetteer::parse("mia\t73\t15\t39\t60\nli\t2\t5\t42\t58\nwill\t138\t321\t64\t64\nsmith\t580\t1\t49\t49\n")
            .expect("gazetteer");
        let key = PiiKey::new(b"fuzz key, not secret, 32 bytes!!".to_vec()).expect("key");
        Redactor::with_options(key, Options::full(Some(Arc::new(g))))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = redactor();
    let mut prev_end = 0;
    for f in r.find(text) {
        assert!(f.start >= prev_end && f.start < f.end && f.end <= text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        prev_end = f.end;
    }
    let mut counts = EntityCounts::default();
    if let Some(once) = r.redact(text, &mut counts) {
        assert!(r.redact(&once, &mut counts).is_none(), "not idempotent: {once:?}");
    }
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        if let Some(out) = r.redact_json(text, &mut counts) {
            serde_json::from_str::<serde_json::Value>(&out).unwrap_or_else(|e| panic!("invalid JSON ({e}): {out}"));
        }
    }
});

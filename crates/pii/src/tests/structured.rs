//! E-mail, phone, card, IBAN, SSN and IP addresses: the pattern detectors and their validators.

use super::*;

// --- e-mail ---------------------------------------------------------------

#[test]
fn email_positive() {
    for (t, v) in [
        ("contact alice@example.com now", "alice@example.com"),
        (
            "<john.doe+newsletter@mail.sub.example.co.uk>",
            "john.doe+newsletter@mail.sub.example.co.uk",
        ),
        ("\"Bob_O'Neil\" bob_99@corp-mail.io.", "bob_99@corp-mail.io"),
        ("(x.y-z@example.museum)", "x.y-z@example.museum"),
        (
            "mailto:Jane.Smith@Example.org?subject=hi",
            "Jane.Smith@Example.org",
        ),
    ] {
        assert_redacted(t, v, Entity::Email);
    }
    assert_eq!(counts("a@b.cd, e@f.gh").get(Entity::Email), 2);
}

#[test]
fn email_negative() {
    for t in [
        "user@localhost",
        "git@github.com:org/repo.git",
        "icon@2x.png and logo@3x.jpg",
        "npm i lodash@4.17.21",
        "@decorator\ndef f(): pass",
        "a @ b . com",
        "x@y",
    ] {
        assert_clean(t);
    }
}

// --- phone ----------------------------------------------------------------

#[test]
fn phone_positive() {
    for v in [
        "+1 (415) 555-0132",
        "+44 20 7946 0958",
        "+33 1 23 45 67 89",
        "+49 30 1234567",
        "+91-98765-43210",
        "(415) 555-0132",
        "415-555-0132",
        "415.555.0132",
        "0044 20 7946 0958",
        "+14155550132",
        "1-800-555-0199",
        "+44 (0)20 7946 0958",
        "+81-3-1234-5678",
        "01 23 45 67 89",
        "020 7946 0958",
        // Extensions glued to international and NANP numbers (up to 5 digits).
        "+1-503-989-0163x50929",
        "001-518-640-0854x123",
        "(579)888-3058x4587",
        "+(370) 61234567",
    ] {
        for t in [
            format!("call {v} today"),
            format!("tel:{v}"),
            format!("\"phone\":\"{v}\""),
            v.to_string(),
            format!("({v})"),
        ] {
            assert_redacted(&t, v, Entity::Phone);
            assert_eq!(counts(&t).get(Entity::Phone), 1, "{t}");
        }
    }
}

#[test]
fn phone_negative() {
    for t in [
        "released 2026-11-20",
        "at 2026-11-20T10:00:00Z and 2026-11-20T10:00:00+02:00",
        "2026-11-20 10:00:00.123456",
        "version 1.2.3 and v10.4.1 and 10.0.19041.1",
        "used 812 tokens, total 1234567, then 31415926",
        "pi is 3.14159 and e is 2.718281828",
        "id 123e4567-e89b-12d3-a456-426614174000",
        "id 12345678-1234-1234-1234-123456789012",
        "sha 3f786850e387550fdab836ed7e6dc881de23001b",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "src/main.rs:123:45 and lib.rs:1024:7",
        "at 12:30:45 local",
        "coords 37.7749, -122.4194",
        "+3.14159265",
        "x+1234567",
        "+12",
        "1+2=3",
        "ports 8080-8090",
        "range 100-200",
        "415-555-01323",
        "1.415.555.0132.7",
    ] {
        let mut c = EntityCounts::default();
        let out = r().redact(t, &mut c);
        assert_eq!(c.get(Entity::Phone), 0, "phone in {t:?}: {out:?}");
        assert_clean(t);
    }
}

#[test]
fn phone_glued_to_trailing_number_is_trimmed() {
    let out = red("call +44 20 7946 0958 2026 3333");
    assert!(!out.contains("7946"), "{out}");
}

// --- card -----------------------------------------------------------------

#[test]
fn luhn() {
    assert!(luhn_valid("4111111111111111"));
    assert!(luhn_valid("4111 1111 1111 1111"));
    assert!(luhn_valid("4111-1111-1111-1111"));
    assert!(luhn_valid("79927398713"));
    assert!(luhn_valid("378282246310005"));
    assert!(!luhn_valid("4111111111111112"));
    assert!(!luhn_valid("79927398710"));
    assert!(!luhn_valid("4111a111111111111"));
    assert!(!luhn_valid(""));
    assert!(!luhn_valid("0"));
}

#[test]
fn card_positive() {
    for v in [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5555555555554444",
        "5105 1051 0510 5100",
        "378282246310005",
        "3782 822463 10005",
        "6011111111111117",
        "4012888888881881",
        "3530111333300000",
        "30569309025904",
        "4222222222222",
        "2223003122003222",
    ] {
        for t in [
            format!("card {v}."),
            format!("\"cc\":\"{v}\""),
            v.to_string(),
        ] {
            assert_redacted(&t, v, Entity::CreditCard);
        }
    }
    // A card number as a JSON number.
    assert_redacted(
        "{\"pan\":4111111111111111}",
        "4111111111111111",
        Entity::CreditCard,
    );
}

#[test]
fn card_negative() {
    for t in [
        "card 4111 1111 1111 1112",
        "card 4111111111111112",
        "ts 1732098765432 and 1732098765432123456", // epoch ms / ns
        "snowflake 1181234567890123456",
        "int 12345678901234",
        "pub const BTRFS_MAGIC: u64 = 5575266562640200287;",
        "9999 9999 9999 9999",
    ] {
        let mut c = EntityCounts::default();
        let out = r().redact(t, &mut c);
        assert_eq!(c.get(Entity::CreditCard), 0, "card in {t:?}: {out:?}");
    }
    // Luhn-valid ungrouped numbers with no card issuer prefix are ids, not cards.
    assert!(luhn_valid("1732098765438"));
    assert_clean("ts 1732098765438");
}

#[test]
fn card_followed_by_more_digits() {
    let out = red("pay with 4111 1111 1111 1111 123 now");
    assert!(!out.contains("4111"), "{out}");
}

// --- IBAN -----------------------------------------------------------------

#[test]
fn iban_positive() {
    for v in [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91ABNA0417164300",
        "NO9386011117947",
        "CH9300762011623852957",
    ] {
        for t in [
            format!("IBAN: {v}."),
            format!("\"iban\":\"{v}\" EUR"),
            format!("{v} EUR"),
        ] {
            assert_redacted(&t, v, Entity::Iban);
            assert_eq!(counts(&t).get(Entity::Iban), 1, "{t}");
        }
    }
}

#[test]
fn iban_in_lower_case() {
    // People type IBANs in lower case too; the country and mod-97 decide.
    assert_redacted("refund to gb82 west 1234 5698 7654 32 please", "gb82 west 1234 5698 7654 32", Entity::Iban);
    assert_redacted("iban: no9386011117947", "no9386011117947", Entity::Iban);
}

#[test]
fn iban_negative() {
    for t in [
        "DE89 3704 0044 0532 0130 01",  // bad checksum
        "DE8937040044053201300012",     // wrong length for DE
        "QQ12ABCDEFGHIJKLMNOP",         // no such country
        "SHA AB12CDEF34567890ABCDEF12", // looks alike, fails
        "gb82 west 1234 5698 7654 33",  // either case, but the checksum fails
    ] {
        let mut c = EntityCounts::default();
        let out = r().redact(t, &mut c);
        assert_eq!(c.get(Entity::Iban), 0, "iban in {t:?}: {out:?}");
    }
}

// --- SSN -------------------------------------------------------------------

#[test]
fn ssn() {
    assert_redacted("SSN 123-45-6789.", "123-45-6789", Entity::UsSsn);
    assert_redacted("\"ssn\":\"078-05-1120\"", "078-05-1120", Entity::UsSsn);
    assert_redacted("I gave them 234 56 7890 yesterday", "234 56 7890", Entity::UsSsn);
    assert_redacted("I gave them 234.56.7890 yesterday", "234.56.7890", Entity::UsSsn);
    // Dashed: not issued (666, 9xx ITIN range) is still the number someone gave.
    assert_redacted("the form says 912-70-1234 ok", "912-70-1234", Entity::UsSsn);
    assert_redacted("the form says 666-12-3456 ok", "666-12-3456", Entity::UsSsn);
    for t in [
        "234 56-7890",
        "room 234 56 7890 9",
        "000-12-3456",
        "666 12 3456",
        "900.12.3456",
        "123-00-4567",
        "123-45-0000",
        "1-123-45-6789-0",
        "2026-11-20",
    ] {
        assert_eq!(counts(t).get(Entity::UsSsn), 0, "{t}");
    }
}

// --- IP addresses -------------------------------------------------------------

#[test]
fn ipv4() {
    for v in [
        "192.168.1.10",
        "10.0.0.1",
        "8.8.8.8",
        "255.255.255.255",
        "172.16.254.3",
    ] {
        for t in [
            format!("host {v}:8080"),
            format!("[{v}]"),
            format!("ip={v}."),
            format!("{v}/24"),
        ] {
            assert_redacted(&t, v, Entity::Ipv4);
        }
    }
    for t in [
        "256.1.1.1",
        "1.2.3.4.5",
        "version 1.2.3",
        "10.0.19041.1",
        "v1.2.3.4",
        "999.999.999.999",
        "1.2.3.4.5.6",
    ] {
        assert_eq!(counts(t).get(Entity::Ipv4), 0, "{t}");
    }
}

#[test]
fn ipv6() {
    for v in [
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "2001:db8::1",
        "fe80::1ff:fe23:4567:890a",
        "2001:db8:85a3::8a2e:370:7334",
        "2001:db8::",
        "64:ff9b::192.0.2.33",
        "0:0:0:0:0:ffff:192.0.2.1",
        "::1",
        "::ffff:192.0.2.1",
    ] {
        for t in [
            format!("addr {v} ok"),
            format!("[{v}]:443"),
            format!("\"{v}\""),
            format!("{v}/64"),
        ] {
            assert_redacted(&t, v, Entity::Ipv6);
            assert_eq!(counts(&t).get(Entity::Ipv6), 1, "{t}");
        }
    }
    for t in [
        "at 12:30:45",
        "::",
        "use std::collections::HashMap;",
        "db::connect(); abc::def; f32::consts::PI; Vec::<u8>::new()",
        "mac 00:1A:2B:3C:4D:5E",
        "a::b",
        "Vec::add(x); Foo::f32; x::1; impl ::abc; f16::E, bf16::E.to_bits()",
        "::: ::",
    ] {
        assert_clean(t);
    }
}

// --- other scripts' digits ------------------------------------------------

/// Numbers in Bengali, Arabic-Indic, Persian and full-width digits are the
/// same numbers: read through an ASCII copy, replaced in the original.
#[test]
fn digits_of_other_scripts() {
    for (t, v, entity) in [
        ("আমার নম্বর +৮৮০ ১৭১১ ২৩৪৫৬৭, ফোন করুন", "+৮৮০ ১৭১১ ২৩৪৫৬৭", Entity::Phone),
        ("رقم هاتفي ‎+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧ شكرا", "+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧", Entity::Phone),
        ("電話番号：＋８１ ９０－１２３４－５６７８ です", "＋８１ ９０－１２３４－５６７８", Entity::Phone),
        ("کارت ۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱ را", "۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱", Entity::CreditCard),
    ] {
        let out = red(t);
        assert!(!out.contains(v), "{v:?} survived in {out:?}");
        assert!(out.contains(&format!("<{}_", entity.tag())), "{out:?}");
    }
    // The text around keeps its own script.
    assert!(red("আমার নম্বর +৮৮০ ১৭১১ ২৩৪৫৬৭, ফোন করুন").starts_with("আমার নম্বর <PHONE_"));
    assert_clean("দাম ১২০ টাকা, ৩টি");
}

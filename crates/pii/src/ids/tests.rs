//! Tests of `ids.rs`: positives with exact spans, negatives, invariants.
use super::*;

fn spans(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    find_identifiers(text, &mut v);
    v.iter().map(|&(a, b)| text[a..b].to_string()).collect()
}

#[rustfmt::skip]
const POS: &[&str] = &[
    "Your booking ⟦ZX12Q⟧ is confirmed", "booking ref: ⟦ZX12Q⟧", "customer ID ⟦884213⟧",
    "order #⟦A-10023⟧ shipped", "Order No. ⟦123-4567890-1234567⟧.",
    "passport number ⟦X12345678⟧", "passport: ⟦533380006⟧",
    "driver's license ⟦D1234-5678-9012⟧", "user id = ⟦u_83jd92⟧", "PNR ⟦ABC123⟧",
    "confirmation code is ⟦K7QW2M⟧", r#"{"booking_ref": "⟦ZX12Q⟧"}"#,
    "customer_id=⟦C-88123⟧&x=1", "PNR ⟦KQWZMT⟧", "booking ⟦KQWZMT⟧ for two",
    "record locator: ⟦XJ4PQR⟧", "Kundennummer: ⟦4711-0815⟧", "numéro de client ⟦8842137⟧",
    "número de pedido: ⟦PD-99812⟧", "Bestellnr. ⟦12345678⟧",
    "frequent flyer number ⟦BA12345678⟧", "loyalty ID: ⟦LY-99812⟧", "membership no. ⟦00981234⟧",
    "payment ref ⟦PAY_88213⟧", "transaction id: ⟦9f8e7d6c5b⟧", "TIN: ⟦12-3456789⟧",
    "tax ID ⟦DE123456789⟧",
    "national ID: ⟦AB123456C⟧", "ID card no. ⟦CA1234567⟧", "MRN ⟦00123456⟧",
    "patient id: ⟦P-0042⟧", "policy number ⟦POL-2023-88812⟧", "claim #⟦CLM88213⟧",
    "employee ID ⟦E10442⟧", "student ID ⟦s1234567⟧", "case #⟦00012345⟧",
    "tracking number ⟦1Z999AA10123456784⟧", r#"{"orderId":"⟦112-8812341-9912341⟧"}"#,
    r#"{"accountNumber": "⟦DE89370400440532013000⟧"}"#, "réservation n° ⟦88XK21⟧",
    "Führerschein Nr. ⟦B072RRE2I55⟧", "pasaporte: ⟦XDA123456⟧", "account ⟦12345678⟧",
    r#"{\"customer_id\": \"⟦C-88123⟧\"}"#, "user_id=⟦550e8400-e29b-41d4-a716-446655440000⟧",
    "purchase order ⟦PO-77812⟧", "license key: ⟦ABCD-1234-EFGH-5678⟧",
    "log: user=⟦4231⟧ logged in", "Steuer-ID: ⟦12345678901⟧", "account ending in ⟦9921⟧",
    "| Customer ID | ⟦884213⟧ |", "client n°⟦12345⟧", "sso_account_id = ⟦012345678901⟧",
    "STRIPE_CUSTOMER_ID=⟦cus_NffrFeUfNV2Hib⟧",
    "| name | customer_id |\n|---|---|\n| Ann | ⟦CUST-824983⟧ |\n| Bo | ⟦cus_yTYcK4xV6FtFfw⟧ |",
    "name,passport_no\\nAnn,⟦X12345678⟧\\nBo,⟦533380006⟧",
    r#"{"user": {\n  "id": "⟦usr_9xgphtf8qb⟧", "email": "x"}}"#,
    r#""ff_number": "⟦WJ 11142152⟧""#, "national ID ⟦NM 65 31 83 D⟧)", "pnr ⟦bhxch⟧.",
    "account number ⟦42-39-89 25024754⟧.", "ID card number ⟦4132 3073 9849⟧",
    "check charge ⟦TXN-22842-17⟧?", "my account ID ⟦user-95040⟧.", "- **Order #**: ⟦X9TUL⟧",
    "DL#: ⟦EMP-8319⟧", "cust id ⟦C-2025-614942⟧", "Customer # ⟦cus_d06VAqcjbzZrLv⟧?",
    // Contexts of more languages, brackets, abbreviations, groups, and object ids by shape.
    "my booking reference (⟦MAF5DP⟧) please", "(cust. no. ⟦C/2018/25851⟧)", "klantnummer: ⟦KL-88213⟧",
    "numer konta ⟦46S1UF⟧", "müşteri numarası ⟦F592563⟧", "Schadennummer: ⟦CLM-88213⟧",
    "número de siniestro ⟦C_258100941⟧", "polisnummer ⟦2MW81216Q⟧", "Personalnummer ⟦HR-2017-11368⟧",
    "hospital number ⟦ZE77139501⟧", "matrícula ⟦U/2015/46467⟧", "subscriber number ⟦007 369⟧",
    "Steuernummer ⟦377 5480⟧", "carnet de conducir ⟦D_6115556⟧", "user handle ⟦u667068⟧",
    "refund ⟦re_TmYAjVlNGuimuJvsUBg⟧ issued", "intent ⟦pi_3MtwBwLkdIwHu7ix28a3tqPa⟧",
    "tenancy reference ⟦TEN-2023-0481⟧", "player ID ⟦PLR88213⟧", "hesap numarası: ⟦SP043555⟧",
    "login ⟦darkstar50⟧", "My username is ⟦k.tanaka⟧.", "user handle ⟦lucia_m⟧", "permis de conduire n° ⟦DL/2018/87707⟧",
    "(boekingsnummer ⟦252D5V⟧)", "numéro d'adhérent: ⟦M/53528⟧", "numer zamówienia:\t⟦SO-0819⟧",
];

#[rustfmt::skip]
const NEG: &[&str] = &[
    "booking confirmed", "check the order status", "call customer service",
    "the user is logged in", "upload a passport photo", "SELECT * FROM t ORDER BY name",
    "ORDER BY id", "user_id = request.user.id", "execute order 66", "account for 3 cases",
    "the user 42 times", "the user 4242 times", "an order in 2024", "order 2024",
    "license: Apache-2.0", r#"license = "MIT OR Apache-2.0""#, "passport 0.7.0",
    "client v2.3.1", "client 192.168.1.20", "invoice 2024-03-02", "payment 12.50",
    "payment 15000 EUR", "BOOKING CONFIRMED", "booking PENDING", "User-Agent: Mozilla/5.0",
    r#"{"order_count": 12345}"#, "ticket 12:30", "customer b2b", "client http2",
    "user1 logged in", "GET /users/12345/orders/67890", "case 3:", "y = sin(45)",
    "an order of 10000 items", "user john123@example.com", "WHERE user_id = $1", "PO Box 1234",
    "card 4242", "card ending soon", "ID card holder",
    "INSERT INTO orders (order_id, user_id) VALUES (1, 2)", "order_items_2023",
    "client_secret=abc123xyz", "x = account.get(id)", "switch (x) { case 404: break; }",
    "customer_v2_table", "the order no longer exists", "license = \"GPL-3.0-or-later\"",
    "user.name2 = 'x'", "steuer 15000", "Ihre Buchungsnummer lautet",
    "pub const PACKET_USER: u32 = 6;", "struct S { ticket: u64, user_id: i64 }",
    "call order(12345)", "re_UserProfileHandlerFactory", "fn re_compile_pattern_cache()",
    "login failed for the user", "username: string", "login.html", "login with sha256 hashes",
    "the customer. 12345 rows", "tenant ID 72f988bf-86f1-41af-91ab-2d7cd011db47",
    "subscription ID 9b2c1a3e-4f5d-4e6a-8b7c-1d2e3f4a5b6c", "lease id 7587868326418765",
    "NL80211_RRF_NO_6GHZ_VLP_CLIENT = 4194304,",
    "let c = oauth2::Client::new(client::hyper_014::Builder);", "produce the wrong order #134",
    "convert to lower-case UTF-8 first", "license = \"Unicode-3.0\"", "license: BlueOak-1.0.0",
    "def __init__(self, policy=compat32):", "License: public-domain-md5", "License: SGI-2",
    "License: ISO-1986", "https://www.w3.org/Consortium/Patent-Policy-20040205/#def",
    "Thread #1: lock order \"0x7FF0006D0 before 0x7FF0006A0\"", "in this case a51f429",
    "EvC 414.79M, TIn 616.7k, TOut 0.5k", "real\t0m0.015s\nuser\t0m0.012s\nsys\t0m0.003s",
    "// { user: 38579, system: 6986 }", "user 0.25 system 0.01 elapsed 0:00.27",
    "x-amz-server-side-encryption-customer-key-md5",
    "pub const IORING_MEM_REGION_TYPE_USER: _bindgen_ty_4 = 1;",
    "docker run --user=1000:1000 app", "deploy user-service-12 now",
    "self.client = Client(api_key=k)", "pnr status",
    "SELECT user_id, name\nFROM t WHERE x IN (a, b)",
    "int\torder\t: sort\nint\tver11\t: document", r#"confirmed by the user. {"id": 48213}"#,
    "FF      = 0x0c  # ^L", "policy = email.policy.compat32", "'fe80::5054:ff:fe9'",
    "cpu: { user: 248450,\n nice: 0 }", "switch (r) { case ASN1_SUCCESS: break; }", "r'SIN|COS|TAN|'\n r'MIN|E|LN2|LN10'",
    "policy_identifier={0.policy_identifier}", "let client = S3Client::new(&config);",
    "ff: T5LayerFF,", "let mut order = [0u8; 64];", "if(POLICY CMP0077)", "Design Document: CRC-16",
    "reversed order: [n-1, n-2]", "fn f(order: __m512i)",
];

/// Each case yields exactly the spans marked with ⟦ ⟧ (none for a negative
/// case); all failures are reported at once.
fn check<'a>(cases: impl IntoIterator<Item = &'a &'a str>) {
    let mut bad = Vec::new();
    for case in cases {
        let text = case.replace(['⟦', '⟧'], "");
        let want: Vec<_> = case
            .split('⟦')
            .skip(1)
            .map(|p| &p[..p.find('⟧').unwrap()])
            .collect();
        let got = spans(&text);
        if got != want {
            bad.push(format!("{text:?}: want {want:?}, got {got:?}"));
        }
    }
    assert!(bad.is_empty(), "failures:\n{}", bad.join("\n"));
}

#[test]
fn identifiers() {
    assert!(POS.len() >= 40 && NEG.len() >= 25);
    check(POS.iter().chain(NEG));
}

/// Vehicle registration plates after a plate context, in the national shapes
/// (UK `AB12 CDE`, DE `B-AB 1234`, US `7ABC123`, `785 ECC`).
#[test]
fn plates() {
    check(&[
        "license plate ⟦785 ECC⟧", "my licence plate is ⟦7ABC123⟧", "number plate: ⟦AB12 CDE⟧",
        "Kennzeichen: ⟦B-AB 1234⟧", "plate ⟦1I EU717⟧ spotted", "the license plate number is ⟦29P A34⟧",
        "plate tectonics 2024", "plate 12 is broken", "plate: ABC", "plate XYZ 12345678",
    ]);
}

/// National identifiers, valid by their published check algorithms; the
/// negatives break the check, the shape or the context.
#[rustfmt::skip]
const NATIONAL: &[&str] = &[
    // Turkish TC Kimlik No: shape and both check digits.
    "TC kimlik no: ⟦10000000146⟧", "T.C. Kimlik Numarası ⟦12345678950⟧",
    r#"{"tckn": "⟦98765432150⟧"}"#, "müşteri ⟦34567812332⟧ aradı", "kimlik=⟦76543210930⟧&x=1",
    "TCKN:⟦23456789060⟧", "sahibi ⟦56123789056⟧.",
    "TC kimlik no: 10000000147", "01234567890 is no TC", "pi = 3.12345678950",
    "call +12345678950", "id_12345678950", "12345678950_backup", "a total of 12345678950 EUR",
    // Dutch BSN: the 11-proof, and a context word.
    "BSN: ⟦111222333⟧", "burgerservicenummer ⟦123456782⟧", r#"{"bsn":"⟦725763863⟧"}"#,
    "Mijn BSN is ⟦162275869⟧.", "sofinummer ⟦192285142⟧", "BSN-nummer: ⟦691682483⟧",
    "BSN: 123456789", "processed 111222333 rows", "BSN: 000000000", "BSN 12345678",
    "at 725763863 ms; bsn", r#"{"note": "x\nBSN: ⟦111222333⟧"}"#, "BSN\n111222333",
    // Aadhaar: Verhoeff, with a context word or printed 4-4-4.
    "Aadhaar: ⟦2345 6789 0124⟧", "my UID ⟦4987 1234 5679⟧ please", "aadhar no ⟦723456789011⟧",
    "⟦9123 4567 8905⟧", "आधार संख्या: ⟦567890123458⟧", "Aadhaar linked: ⟦8473-6251-9076⟧",
    "UIDAI ⟦300012345679⟧",
    "2345 6789 0125", "1234 5678 9012", "4111 1111 1111 1111", "years 2000 2000 2006",
    "ids 498712345679 here", "2345-6789-0124",
    // Italian codice fiscale: pattern, omocodia and check letter.
    "⟦RSSMRA85T10A562S⟧", "codice fiscale: ⟦BNCGNN80A01H501T⟧", "CF ⟦VRDLSE72M41F205V⟧,",
    r#"{"cf":"⟦FRRLCU90E15L219A⟧"}"#, "C.F. ⟦MRTSFN01B28Z404D⟧", "⟦RSSMRA85T10A56RV⟧",
    "⟦rssmra85t10a562s⟧",
    "RSSMRA85T10A562X", "RSSMRA85Z10A562S", "RSSMRA85T99A562S", "ABCDEFGHIJKLMNOP",
    "X_RSSMRA85T10A562S", "RSSMRA85T10A562S1", "RssMra85T10A562S",
    // UK National Insurance number: prefix rules, six digits, suffix A-D.
    "NI number: ⟦AB 12 34 56 C⟧", "⟦JG103759A⟧", "National Insurance No ⟦SK 123456 D⟧",
    "her NI is ⟦PA 76 54 32 A⟧.", "⟦ZX987654C⟧,", "(⟦HT 44 55 66 D⟧)",
    "QQ123456C", "BG123456A", "AO123456A", "AB123456E", "AB123456C7", "MY_AB123456C",
    // Spanish DNI and NIE: the mod-23 letter.
    "DNI ⟦12345678Z⟧", "⟦87654321X⟧", "⟦45127839-E⟧", "⟦70311248 H⟧", "⟦01234567L⟧",
    "⟦53.200.190-V⟧", "⟦X1234567L⟧", "NIE ⟦Y7654321G⟧", "⟦Z-1928374-J⟧", "⟦X9876543-K⟧",
    "⟦Y 3141592 J⟧", "⟦Z2718281P⟧",
    "12345678A", "X1234567A", "W1234567L", "123456789Z", "id=12345678Z9", "12345678z",
    "X12345678L", "X-1234567 L", "x1234567L", "Z1234567L",
    // French NIR: key 97 - n mod 97, Corsica 2A/2B; spaced, or with a context.
    "⟦1 84 12 76 451 089 46⟧", "NIR : ⟦269059935012384⟧",
    "numéro de sécurité sociale ⟦1750475116044 05⟧", "⟦1 85 12 2A 004 012 85⟧",
    "n° sécu ⟦195022B12304530⟧", "⟦2 92 10 99 123 456 82⟧", "carte vitale: ⟦281037505612308⟧",
    "⟦1 00 01 62 089 006 78⟧",
    "1 84 12 76 451 089 47", "269059935012384", "1 84 13 76 451 089 62",
    "5 84 12 76 451 089 40", "1 84 12 76 451 089 46 12",
    // Chinese resident identity number: province, date, ISO 7064 MOD 11-2.
    "⟦11010519491231002X⟧", "身份证号：⟦440304198510121233⟧", "⟦110101199003074514⟧",
    "身份证 ⟦310104198506121230⟧", "⟦51010720001231109x⟧", "⟦650102197802283454⟧。",
    "⟦330106201010108981⟧",
    "110105194912310021", "snowflake 175928847299117063", "990101199003074518",
    "110101199013074518", "1101011990030745140", "born 1880: 440524188001010014",
    "⟦370202199912310019⟧",
    // Japanese My Number: its check digit, and a context word.
    "マイナンバー：⟦123456789018⟧", "個人番号 ⟦9876 5432 1093⟧", "My Number: ⟦5551-2345-6787⟧",
    "my_number=⟦314159265352⟧", "マイナンバー ⟦271828182840⟧", r#"myNumber: "⟦400000000017⟧""#,
    "マイナンバー：123456789012", "123456789018", "my number is 12345", "rows 987654321093 done",
    // Polish PESEL: weights 1-3-7-9, a date, and a context word.
    "PESEL: ⟦44051401359⟧", "pesel ⟦02070803628⟧", "nr PESEL ⟦85123101236⟧",
    r#"{"pesel": "⟦02231504568⟧"}"#, "PESEL ⟦90022833214⟧,", "PESEL: ⟦08222934565⟧",
    "PESEL: 44051401358", "44051401359", "PESEL 85133101237", "PESEL 1234567890",
    // Brazilian CPF: two mod-11 checks; formatted alone, bare with a context.
    "⟦123.456.789-09⟧", "CPF: ⟦52998224725⟧", "cpf ⟦111.444.777-35⟧", "CPF ⟦93541134780⟧.",
    "⟦019.876.543-66⟧", "cadastro de pessoas físicas ⟦76230195542⟧",
    "123.456.789-10", "111.111.111-11", "12345678909", "123.456.789-091", "1.123.456.789-09",
    // UK NHS number: mod 11, and a context word.
    "NHS number ⟦943 476 5919⟧", "NHS No: ⟦4010232137⟧", "nhs_number=⟦485-777-3457⟧",
    "NHS ⟦450 557 7104⟧", r#""nhsNumber": "⟦6071329116⟧""#, "NHS no. ⟦721 493 8588⟧",
    "NHS number 943 476 5918", "call 943 476 5919", "NHS number 633 018 2540",
    "NHS 1111111111",
    // Checked shapes with no context: Swiss AHV (EAN-13), Thai ID card,
    // Korean RRN, Finnish henkilötunnus; one wrong check digit each is none.
    "⟦756.1685.7049.26⟧", "holder ⟦1-8105-79081-63-1⟧", "RRN ⟦800101-1234560⟧", "⟦040380-869N⟧ on file",
    "⟦161024A644B⟧", "756.1685.7049.27", "1-8105-79081-63-2", "800101-1234561", "040380-869M", "161024A644C",
    // The national codes as contexts, and announced numbers in mixed groups.
    "Personal code ⟦35710067277⟧ on the form", "OIB: ⟦52436709186⟧", "CNP ⟦1440423406611⟧",
    "personnummer ⟦811228-9874⟧", "isikukood ⟦35710067277⟧", "ID number: ⟦584 412 233⟧",
    "passport number ⟦51 79 820777⟧", "personal code 12", "passport number 12 34",
    "Insurance ID: ⟦XGH482910⟧", "emp id ⟦004512⟧", "Health card ⟦1234-567-890-AB⟧", "EIN: ⟦12-3456789⟧",
    "Voter ID: ⟦ABC1234567⟧", "NRIC ⟦S1234567D⟧", "TFN: ⟦123 456 782⟧", "my PAN card number is ⟦BNZPM2501F⟧",
    "CUIT ⟦20-12345678-6⟧", "insurance 2024 plan", "emp 12345", "a pan of 25 cm", "pan 12345", "voter turnout 61234",
];

#[test]
fn national() {
    check(NATIONAL);
}

/// Airline tickets, PNRs, loyalty and passport numbers; what identifies no
/// person: support tickets, invoices, a card's last four digits, model names.
#[rustfmt::skip]
const TRAVEL: &[&str] = &[
    // E-tickets: 13 digits after ticket, e-ticket, etkt, tkt.
    "e-ticket ⟦125-6144286680⟧", "ETKT ⟦1256144286680⟧", "TKT: ⟦220 2345678901⟧",
    "ticket number ⟦0012345678901⟧", "Ticket no. ⟦057-2233445566⟧ issued",
    "eticket=⟦0161234567890⟧", "customer ticket ⟦HR-2052⟧", "the user's invoice ⟦INV-2024-0042⟧",
    "Customer Invoice ⟦2024-118⟧",
    "ticket HR-2052", "ticket OPS-5438 resolved", "see ticket #4521", "tkt 12345",
    "ticket 125-61442866", "ticket 12561442866801", "Invoice 2024-118", "invoice INV-2024-0042",
    "support ticket OPS-5438", "Jira HR-2052, OPS-5438", "| ticket | status |\n| HR-2052 | open |",
    "Rechnungsnummer 2024-118", "ticket ending 4242",
    // PNRs after ref, booking ref, record locator, PNR, pnr=.
    "ref ⟦K7QW2M⟧", "Ref: ⟦XJ4PQR⟧", "booking ref ⟦ZX12QA⟧", "record locator ⟦QWRTZP⟧",
    "PNR ⟦ABC123⟧", "pnr=⟦LMN4PQ⟧", "ref ⟦BCDFGH⟧",
    "ref: refs/heads/main", "git ref HEAD", "ref 12345", "ref SELECT", "ref abc123",
    "see ref [3]", "ref ABCDEFG", "ref-12345", "ref SHA256",
    // Frequent-flyer, miles and loyalty numbers, spaced groups allowed.
    "miles number ⟦209 505 536⟧", "frequent flyer ⟦992 003 4567⟧", "loyalty no. ⟦4412 8890 12⟧",
    "SkyMiles #⟦9012345678⟧", "AAdvantage ⟦AB12345⟧", "miles ID: ⟦123456789⟧",
    "miles: 45000", "drove 300 miles 2024", "miles = 12500", "5000 miles 12345",
    "frequent flyer 2 3",
    // Passport numbers after PP or passport.
    "PP ⟦823224197⟧", "PP: ⟦X1234567⟧", "PP no. ⟦533380006⟧", "pp# ⟦AB123456⟧",
    "passport ⟦823224197⟧", "PP ⟦C12345678⟧",
    "pp. 123-145", "PP 12345", "pp 2024", "PP ABCDEFGH", "pp(x)", "PP 1234567890",
    // Last four digits of a card.
    "card ending in 4242", "Visa card ending 1881.", "card ending with ****4242",
    "credit card ending 4242",
    // Model names, after contexts too.
    "model: claude-sonnet-4-20250514", "client: gpt-4o-2024-08-06", "user=llama-3.1-70b",
    "account gpt-4o-2024-08-06", "customer ID claude-sonnet-4-20250514",
    r#"{"user": "o1-2024-12-17"}"#, "order mistral-7b-instruct", "client GPT-4",
    "user: Qwen2.5-72B", "client=claude-3-5-haiku-20241022", "llama-3.1-70b user 70b",
    "customer ID ⟦PHI-12345⟧", "order ⟦OPUS-20240⟧",
];

#[test]
fn travel_and_removals() {
    check(TRAVEL);
}

#[test]
fn several_in_order_and_char_boundaries() {
    let text = "Kunde «Müller», Kundennr. 884213 — booking ref ZX12Q; order #A-10023, card \
        ending 4242, CF RSSMRA85T10A562S, NHS number 943 476 5919.";
    let want = [
        "884213",
        "ZX12Q",
        "A-10023",
        "RSSMRA85T10A562S",
        "943 476 5919",
    ];
    assert_eq!(spans(text), want);
    let mut v = Vec::new();
    find_identifiers(text, &mut v);
    for w in v.windows(2) {
        assert!(w[0].1 <= w[1].0);
    }
    assert!(v
        .iter()
        .all(|&(a, b)| text.is_char_boundary(a) && text.is_char_boundary(b)));
}

/// Spans are ordered, disjoint, non-empty and on char boundaries, and nothing
/// panics, on text stitched from tricky pieces.
#[test]
fn invariants_on_generated_text() {
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "order", "#", "ID", "_", "booking", "ZX12Q", "card ending ", "4242", "é", "\u{a0}", "—", "n°",
        "x", "0x", "ü", "12", "user", "=", "::", "(", "kunden", "nummer", "\\n", "\\", "\"", "'", " ",
        ".", "-", "|", ",", "\n", "{", "customer_id", "pnr ", "WJ", " 1234", "txn-123", "name,", "42-39-89",
        "10000000146", "2345 6789 0124", "RSSMRA85T10A562S", "1 84 12 ", "2A", "AB 12 34 56 C", "X-",
        "123.456.789-09", "12345678Z", "NHS ", "ticket ", "customer ", "ref ", "K7QW2M", "PP ", "125-",
        "6144286680", "miles number ", "身份证", "BSN", "111222333", "'s",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..40_000 {
        let mut text = String::new();
        for _ in 0..1 + round % 14 {
            seed = seed.wrapping_mul(0x5851_f42d_4c95_7f2d).wrapping_add(1);
            text.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
        }
        let mut v = Vec::new();
        find_identifiers(&text, &mut v);
        let ordered = v.windows(2).all(|w| w[0].1 <= w[1].0);
        let bounds = v
            .iter()
            .all(|&(a, b)| a < b && text.is_char_boundary(a) && text.is_char_boundary(b));
        assert!(ordered && bounds, "{text:?}: {v:?}");
    }
}

/// Mixed prose, JSON, code, SQL and logs, with context words but no identifiers.
const CORPUS: &str = concat!(
    "The customer service team reviewed the order status; the booking was confirmed by the user. ",
    r#"{"id": 48213, "status": "ok", "created_at": "2024-03-02T10:11:12Z", "items": [1, 2]} "#,
    "fn main() { let order = vec![3, 1, 2]; for x in order.iter() { println!(\"{x}\"); } }\n",
    "SELECT id, name FROM users WHERE created > '2024-01-01' ORDER BY id LIMIT 50;\n",
    "2024-03-02 12:00:01 INFO worker-7 processed 1532 messages in 84 ms (p99 12 ms)\n",
    "Der Bericht wurde am Montag verschickt; die Daten kommen aus dem Lager in Bremen. ",
    "Le document décrit la procédure de gestion des données pour les équipes. ",
    "user_id = request.user.id; account.balance += payment.amount; ticket.close()\n",
    r#"{"role": "assistant", "content": "Done. I updated 3 files; 214 tests passed."} "#,
    "Error: connection refused at db.internal:5432 after 3 retries; backing off 250ms\n",
);

#[test]
#[ignore]
fn speed() {
    let text = CORPUS.repeat((20 << 20) / CORPUS.len());
    let mb = text.len() as f64 / 1e6;
    let mut out = Vec::new();
    let t = std::time::Instant::now();
    for _ in 0..5 {
        out.clear();
        find_identifiers(std::hint::black_box(&text), &mut out);
    }
    let secs = t.elapsed().as_secs_f64() / 5.0;
    println!(
        "find_identifiers: {:.0} MB/s on {mb:.1} MB ({} hits)",
        mb / secs,
        out.len()
    );
}

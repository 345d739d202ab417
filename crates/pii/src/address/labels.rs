//! Address labels ("Address:", "Ship to", "I'm at", and their forms in other
//! languages) with the multi-line values after them, and the Turkish, CJK and
//! Hangul formats, which are found from their labels and area words rather
//! than from a street type.

use super::*;

// ---------------------------------------------------------------- labels: "Address:", "Ship to", "I'm at"

/// Whether an address label ends at the colon `c`: "Address", "Shipping address", "**Adresse de livraison** ",
/// `"home_address"`, "Address line 1", "Ship to", "My address is", "Teslimat adresi", "住所". The word before the
/// noun must not make it another kind of address ("IP address", "E-Mail-Adresse"); words after it must qualify it
/// ("Adresse IP" does not).
#[inline(never)] // out of the scan loop, which runs faster without it (as with label_value, phrase_before)
pub(super) fn label_before(t: &str, c: usize, floor: usize) -> bool {
    let b = t.as_bytes();
    let mut e = c - b[floor..c].iter().rev().take(6).take_while(|c| b" *\"\\".contains(c)).count();
    if e >= floor + 2 && b[e - 1].is_ascii_digit() && matches!(b[e - 2], b' ' | b'_') { e -= 2; }
    let mut noun = false;
    for n in 0..5 {
        let ws = word_back(t, e, floor);
        // "E-Mail-Adresse": the last part is the noun, the rest the word before it
        let s = if noun { ws } else { t[ws..e].rfind('-').map_or(ws, |k| ws + k + 1) };
        let f = flags(&t[s..e]);
        if ws == e || noun { return noun && f & LABEL_NEG == 0; }
        if n == 0 && e - s <= 4 && phrase(t, s, e, f, floor) { return true; }
        noun = f & LABEL != 0 || b[e - 1] >= 0x80 && CJK_LABELS.iter().any(|m| t[s..e].ends_with(m));
        let next = if s > ws { s - 1 } else { s - b[floor..s].iter().rev().take(2).take_while(|c| matches!(c, b' ' | b'_')).count() };
        if !noun && f & LABEL_AFTER == 0 || next == s { return noun; }
        e = next;
    }
    noun
}

/// Whether the word [s, e) (flags `f`) ends an address phrase with the word before it: "ship to", "Ship-to",
/// "lives at", "I'm at", "my address is", "adres to".
pub(super) fn phrase(t: &str, s: usize, e: usize, f: u32, floor: usize) -> bool {
    let (to, at) = (t[s..e].eq_ignore_ascii_case("to"), t[s..e].eq_ignore_ascii_case("at"));
    // "Billing address 56 Carol Plain": the label noun right before the value (not "IP address", "e-mail address")
    if f & LABEL != 0 && !to && !at {
        let e2 = s - t.as_bytes()[floor..s].iter().rev().take(2).take_while(|c| b" _-".contains(c)).count();
        return e2 == s || flags(&t[word_back(t, e2, floor)..e2]) & LABEL_NEG == 0;
    }
    if !(to || at || f & COPULA != 0) { return false; }
    let e2 = s - t.as_bytes()[floor..s].iter().rev().take(2).take_while(|c| b" _-".contains(c)).count();
    let f2 = flags(&t[word_back(t, e2, floor)..e2]);
    e2 < s && (to && f2 & (TO_VERB | LABEL) != 0 || at && f2 & AT_VERB != 0 || f & COPULA != 0 && f2 & LABEL != 0)
}

/// Where the value after an address phrase ("ship to", "I'm at") starts, found walking back from the number `d`
/// over address material (capitalised or street words, numbers, commas, up to three line breaks: "Deliver to\n
/// Jane Doe\n12 Elm St"), so that prose stops it at once.
#[inline(never)] // as label_before: the scan loop runs faster with it out of line
pub(super) fn phrase_before(t: &str, d: usize, floor: usize) -> Option<usize> {
    let (b, mut e, mut breaks) = (t.as_bytes(), d, 0);
    for _ in 0..12 {
        while e > floor && d - e < 160 {
            match break_before(b, e, floor) {
                Some(x) => (e, breaks) = (x, breaks + 1),
                None if b" ,.:#/-".contains(&b[e - 1]) || b[e - 1].is_ascii_digit() => e -= 1,
                None => break,
            }
        }
        let s = word_back(t, e, floor);
        if s == e || breaks > 3 { return None; }
        let f = flags(&t[s..e]);
        if phrase(t, s, e, f, floor) { return Some(e); }
        let street = f & (PART | UNIT | PFX | FR | T_STRONG | T_ABBR | TR | TR_MAH) != 0 || b.get(e) == Some(&b'.');
        let lower = if b[s] < 0x80 && b[s] != b'\\' { b[s].is_ascii_lowercase() } else { case_of(&t[s..e]) == Case::Lower };
        if !street && lower { return None; }
        e = s;
    }
    None
}

/// What a label's value holds so far.
#[derive(Default)]
pub(super) struct Val { lines: usize, parts: usize, caps: usize, lower: usize, digit: bool, script: bool, evidence: bool }

/// The address after a label, from `p`: the rest of the line, or the lines after when the label ends its line
/// (a JSON `\n` too), while they look like address material; scripts other than Latin to the end of the line.
/// strict (after a phrase such as "ship to", which may be prose): the value needs a street word or a postcode;
/// else a digit and a second part do.
#[inline(never)]
pub(super) fn label_value(t: &str, p: usize, strict: bool) -> Option<(usize, usize)> {
    let b = t.as_bytes();
    let ws = |k: usize| k + b[k.min(b.len())..].iter().take(8).take_while(|c| b" \t*".contains(c)).count();
    let mut q = ws(p);
    let k = q + b[q.min(b.len())..].iter().take(3).take_while(|&&c| c == b'\\').count();
    // a quoted value, or a YAML block ("address: |" and the lines under it)
    if matches!(b.get(k), Some(b'"' | b'\'')) || matches!(b.get(q), Some(b'|' | b'>')) { q = ws(k + 1); }
    let first_break = line_break(b, q);
    q = first_break.map_or(q, ws);
    // "Jane Doe\n12 Elm St": a person's name on the line before the address is a name of its own
    let mut k = q;
    for n in 0..3 {
        let we = read_word(t, k);
        let house = HOUSE.iter().any(|h| t[k..we].eq_ignore_ascii_case(h));
        if we < k + 2 || case_of(&t[k..we]) != Case::Cap || flags(&t[k..we]) & !(PART | DIR | STATE) != 0 || house { k = q; break; }
        if b.get(we) != Some(&b' ') || n == 2 { k = we; break; }
        k = we + 1;
    }
    if let Some(x) = (k > read_word(t, q)).then(|| line_break(b, k)).flatten().map(ws).filter(|&x| line_start_ok(t, x)) { q = x; }
    let (mut e, mut v, mut ls) = (q, Val::default(), Some(q));
    while let Some(l) = ls.filter(|&l| v.lines < 5 && line_start_ok(t, l)) {
        let (ce, next) = line_end(t, l, &mut v);
        if ce == l { break; }
        (e, ls, v.lines) = (ce, next.map(ws), v.lines + 1);
    }
    let alpha = t[q..e].chars().zip(t[q..e].chars().skip(1)).any(|(a, b)| a.is_alphabetic() && b.is_alphabetic());
    // without a street word or postcode: parts of capitalised words ("Block C, Riverside Park"), not "3 nodes, 2 pallets"
    let parts = (v.parts > 0 || v.lines > 1) && v.caps > 0 && v.caps >= v.lower;
    // "Deliver to: Am Orangeriepark 1165": after a label, capitalised words and a number with no prose between
    // ("Address: Windows 10 is slow" is not: the value must run to the end of its line)
    let line_done = t[e..].trim_start_matches([' ', '\t']).bytes().next().is_none_or(|c| b"\n\r\"\\.,;".contains(&c));
    let shape = v.lines == 1 && v.caps > 0 && v.lower == 0 && line_done;
    let ok = alpha && (v.digit || v.script) && (v.evidence || !strict && (parts || v.script || shape));
    ok.then_some((q, e))
}

/// A word that ends an address in running text: lowercase "and", "please", "is"; "Thanks", "Call", "Phone".
pub(super) fn prose(w: &str, f: u32, c: Case, dot: bool) -> bool {
    f & (PART | UNIT) == 0 && !w.eq_ignore_ascii_case("no") && !(c == Case::Upper && f & STATE != 0)
        && (c == Case::Lower && !dot && f & (STOP | CITY_STOP | CONNECT) != 0 || capish(c) && f & CITY_STOP != 0)
}

/// Whether the line from `ls` may hold (more of) an address: it opens with a number, a capitalised word, a
/// street or unit word ("ul.", "apto"), another script, or a lowercase word in a line with a number.
pub(super) fn line_start_ok(t: &str, ls: usize) -> bool {
    let b = t.as_bytes();
    if b.get(ls).is_some_and(|&c| c.is_ascii_digit() || c == b'#' && b.get(ls + 1).is_some_and(u8::is_ascii_digit)) { return true; }
    if !is_word_start(t, ls) { return false; }
    let we = read_word(t, ls);
    let (w, dot) = (&t[ls..we], b.get(we) == Some(&b'.'));
    let (f, c) = (flags(w), case_of(w));
    let digit = || b[ls..].iter().take(80).take_while(|&&c| c != b'\n' && c != b'\\').any(u8::is_ascii_digit);
    let street = f & (PFX | FR | UNIT | DE_TYPE | T_STRONG | T_ABBR) != 0;
    !prose(w, f, c, dot) && (c != Case::Lower || dot || street || f & STOP == 0 && digit())
}

/// The address content of the line from `l`: up to where prose, code, an e-mail, a URL or a contact label
/// ("Tel:") begins (nothing when the line opens with a key: "Phone: …", "City:"), and where the next line starts
/// when the line was all address material. Notes what it saw in `v`.
pub(super) fn line_end(t: &str, l: usize, v: &mut Val) -> (usize, Option<usize>) {
    let b = t.as_bytes();
    // last: end of the last address token (before: of the one before it); run: lowercase words in a row (prose
    // when three, or before a prose word) and where they began; tok: length of the last token, a number?, a unit
    // word or "No" ("No:143", "D:30")?
    let (mut k, mut last, mut before, mut run, mut run_at, mut tok, mut plain) = (l, l, l, 0, l, (0, false, false), true);
    while k < b.len() && k < l + 200 {
        if let Some(r) = line_break(b, k) { return (last, Some(r)); }
        let c = b[k];
        if let Some(z) = c.is_ascii_alphabetic().then(|| uk_post(b, k).or_else(|| zip(b, k))).flatten() {
            (v.evidence, v.digit, before, last, k, run, plain) = (true, true, last, z, z, 0, false);
            continue;
        }
        if is_word_start(t, k) {
            let we = read_word(t, k);
            let (w, dot) = (&t[k..we], b.get(we) == Some(&b'.'));
            let (f, cs, low) = (flags(w), case_of(w), Low::new(w));
            let key = (b.get(we) == Some(&b':') && (matches!(b.get(we + 1), None | Some(b' ' | b'\t')) || line_break(b, we + 1).is_some())
                || t[we..].starts_with('：')) && w.chars().nth(1).is_some() && f & UNIT == 0 && !w.eq_ignore_ascii_case("no");
            if key || prose(w, f, cs, dot) { return (if key && plain { l } else if run > 0 { run_at } else { last }, None); }
            v.evidence |= f & (T_STRONG | PFX_DIST | FR_DIST | DE_TYPE | TR | TR_MAH) != 0 || f & (T_ABBR | PFX) != 0 && (capish(cs) || dot)
                || f & T_LOWER != 0 || street_suffix(low.s());
            let listed = dot || f & (T_STRONG | T_WEAK | T_ABBR | PFX | FR | UNIT | DE_TYPE | TR | TR_MAH | PART) != 0;
            (v.caps, v.lower) = (v.caps + capish(cs) as usize, v.lower + (cs == Case::Lower && !listed) as usize);
            v.script |= low.s().chars().next().is_some_and(|c| c >= '\u{370}' && !('\u{1E00}'..'\u{1F00}').contains(&c));
            if cs == Case::Lower && !listed {
                run_at = if run == 0 { last } else { run_at };
                run += 1;
                if run == 3 { return (run_at, None); }
            } else if f & PART == 0 { run = 0; }
            if f & PART == 0 || cs != Case::Lower { (before, last) = (last, we); }
            (k, tok) = (we, (we - k, false, f & UNIT != 0 || w.eq_ignore_ascii_case("no")));
            continue;
        }
        match c {
            b'0'..=b'9' => {
                let (mut e, n) = (k + b[k..].iter().take_while(|c| c.is_ascii_alphanumeric()).count(), digits(b, k));
                if c == b'0' && b.get(k + 1) == Some(&b'x') { return (before, None); }
                // postcodes: "06234", "462092", "3544 MG", "50-077", "30130-208", "1100-148"
                let dash = if b.get(e) == Some(&b'-') && e == k + n { digits(b, e + 1) } else { 0 };
                let nl = b.get(e) == Some(&b' ') && b.get(e + 1..e + 3).is_some_and(|s| s.iter().all(u8::is_ascii_uppercase));
                let nl = nl && !alnum_at(b, e + 3);
                v.evidence |= (5..=6).contains(&n) && e == k + n && dash == 0 || matches!((n, dash), (2, 3) | (5, 3) | (3, 4) | (4, 3))
                    || n == 4 && (e == k + 6 || nl);
                e += if dash > 0 { 1 + dash } else { 0 };
                (v.digit, before, last, k, run, tok, plain) = (true, last, e, e, 0, (e - k, true, false), false);
            }
            b'"' | b'!' | b'?' | b';' | b'|' | b'=' | b'{' | b'}' | b'[' | b']' | b'<' | b'>' | b'`' | b'$' | b'\t' => return (last, None),
            b'\\' => k += b[k..].iter().take_while(|&&c| c == b'\\').count(),
            b'@' => return (before, None),
            // code: a URL, "host-1.internal", "10.0.0.5:443", "localhost:8080", "10:30" (not "No:143", "D:30")
            b':' if b[k + 1..].starts_with(b"//") || b.get(k + 1).is_some_and(u8::is_ascii_digit) && !tok.2 => return (before, None),
            b'.' if b.get(k + 1).is_some_and(u8::is_ascii_alphanumeric) && k > l && b[k - 1].is_ascii_alphanumeric() && !tok.2 => {
                return (before, None);
            }
            // "(PD)" after an Italian city
            b'(' if b.get(k + 3) == Some(&b')') && b[k + 1..k + 3].iter().all(u8::is_ascii_uppercase) => (last, k) = (k + 4, k + 4),
            b'(' => return (last, None),
            // a sentence ends: "… IL 62704. The gate code …"
            b'.' if b.get(k + 1) == Some(&b' ') && (tok.1 || tok.0 >= 5) && b.get(k + 2).is_some_and(u8::is_ascii_uppercase) => {
                return (last, None);
            }
            b',' => (v.parts, k, run) = (v.parts + 1, k + 1, 0),
            _ if c >= 0x80 => {
                let ch = t[k..].chars().next().unwrap();
                // "1-20-14 Dogenzaka, Chuo-ku Sapporo 927-3919\u{3000}中村 拓海 様": a field break after Latin text
                if ch == '。' || ch == '\u{3000}' && !v.script { return (last, None); }
                if ch.is_numeric() { (v.digit, last) = (true, k + ch.len_utf8()); }
                k += ch.len_utf8();
            }
            _ => k += 1,
        }
    }
    (last, None)
}

// ---------------------------------------------------------------- Turkish, CJK, Hangul

/// Turkish: "Caferağa Mah. Bahariye Cad. No:143 D:30, 07100 Kadıköy/İstanbul", "Atatürk Bulvarı No: 45 Kat: 3":
/// [neighbourhood "Mah."] street name and type, "No:" and the number, then flat ("D:30", "Daire 5") and floor.
/// `p`: where the words before the number end (before "No:" when there is one).
pub(super) fn turkish(t: &str, d: usize, p: usize, floor: usize) -> Option<(usize, usize)> {
    let b = t.as_bytes();
    let mut bk = Back::new(t, floor, p);
    let k0 = 1 + bk.get(1).is_some_and(|x| x.kind == COMMA) as usize;
    if bk.word(k0).is_none_or(|x| flags(&t[x.s..x.e]) & TR == 0) { return None; }
    // the name back to the first capitalised word, across the neighbourhood and a comma
    let mut s = None;
    for k in k0 + 1..k0 + 7 {
        let Some(x) = bk.get(k) else { break };
        let (w, f) = (&t[x.s..x.e], if x.kind == WORD { flags(&t[x.s..x.e]) } else { 0 });
        if x.kind == COMMA || f & TR_MAH != 0 { continue; }
        // "Alsancak Mah. 1482 Sok. No:7": numbered streets
        if x.kind != NUM && (x.kind != WORD || !capish(case_of(w)) || f & (STOP | CITY_STOP) != 0) { break; }
        s = Some(x.s);
    }
    let e = units(t, house_num(b, d, 5)?.0).0;
    Some((s?, parse_tail(t, e).map_or(e, |x| x.0)))
}

/// Address labels in CJK scripts (address; delivery or shipping destination), matched at the end of a word.
pub(super) const CJK_LABELS: [&str; 8] = ["住所", "地址", "주소", "所在地", "届け先", "送り先", "配送先", "送付先"];

/// Where "No:", "No: ", "No." or "No " before the number `d` starts.
pub(super) fn no_mark(b: &[u8], d: usize, floor: usize) -> Option<usize> {
    let mut p = d - (d > floor && b[d - 1] == b' ') as usize;
    p -= (p > floor && matches!(b[p - 1], b':' | b'.')) as usize;
    (p >= floor + 3 && b[p - 2..p].eq_ignore_ascii_case(b"no") && !b[p - 3].is_ascii_alphanumeric()).then(|| p - 2)
}

/// CJK and Hangul addresses around a number after such a letter. After "〒" or an address label on the line
/// ("住所：", "地址"): the rest of the line. Else a run of Han letters holding an area letter (都道府県, 省市区县)
/// with the number and its mark ("世纪大道100号", "神宮前1-2-3"), or Hangul words from the city or district to
/// the road and its number ("서울특별시 강남구 테헤란로 123").
pub(super) fn cjk(t: &str, d: usize, floor: usize) -> Option<(usize, usize)> {
    let b = t.as_bytes();
    let mut ls = d - b[floor..d].iter().rev().take(150).take_while(|&&c| c != b'\n' && c != b'\\').count();
    while !t.is_char_boundary(ls) { ls += 1; }
    let line = &t[ls..d];
    let mark = CJK_LABELS.iter().chain(&["〒"]).filter_map(|m| line.rfind(m).map(|k| ls + k + m.len())).max();
    // Arabic: from the street word ("شارع الملك فهد، حي العليا، مبنى 49، الرياض 11125")
    let mark = mark.or_else(|| ["شارع", "طريق"].iter().filter_map(|m| line.rfind(m).map(|k| ls + k)).min());
    if let Some(v) = mark {
        let v = v + if t[v..].starts_with('：') { 3 } else { t[v..].starts_with(':') as usize };
        if let Some(x) = label_value(t, v, false) { return Some(x); }
    }
    let han = |c: char| ('\u{3040}'..='\u{30FF}').contains(&c) || ('\u{4E00}'..='\u{9FFF}').contains(&c);
    let rs = ls + line.char_indices().rev().take(30).take_while(|&(_, c)| han(c)).last().map_or(line.len(), |(i, _)| i);
    let run = &t[rs..d];
    if run.chars().nth(2).is_some() && run.contains(|c| "省市区區县縣都道府県町村州".contains(c)) {
        // "100号", "1-2-3", "1丁目2番3号", then what follows without a break ("5楼502室")
        let (mut e, mut dashes) = (d + digits(b, d), 0);
        while b.get(e) == Some(&b'-') && digits(b, e + 1) > 0 && dashes < 3 { (e, dashes) = (e + 1 + digits(b, e + 1), dashes + 1); }
        let marked = ["号", "號", "番", "丁目", "弄", "巷"].iter().any(|m| t[e..].starts_with(m));
        let particle = run.chars().last().is_some_and(|c| ('\u{3040}'..='\u{309F}').contains(&c));
        if !(marked || dashes >= 2 || dashes == 1 && !particle) { return None; }
        let rest = t[e..].char_indices().take(20).take_while(|&(_, c)| han(c) || c.is_ascii_alphanumeric() || c == '-').last();
        // no spaces before it: start two letters before the province or city letter ("在上海市", "神奈川県"),
        // three when the letter before is no particle or verb
        let top = run.char_indices().find(|&(_, c)| "省市都道府県州".contains(c)).map_or(0, |(i, _)| i);
        let mut s = run[..top].char_indices().rev().take(2).last().map_or(top, |(i, _)| i);
        let particle = |&(_, c): &(usize, char)| "在到于於是的寄住至往从和及はにでのをがへとも".contains(c);
        s = run[..s].char_indices().next_back().filter(|x| !particle(x)).map_or(s, |(i, _)| i);
        return Some((rs + s, e + rest.map_or(0, |(i, c)| i + c.len_utf8())));
    }
    // Hangul: the word before the number a road or block (로 길 동 리 가), those before it a city or district
    let (mut k, mut s) = (d - (b[d - 1] == b' ') as usize, None);
    for n in 0..5 {
        let hangul = t[ls..k].char_indices().rev().take_while(|&(_, c)| ('\u{AC00}'..='\u{D7A3}').contains(&c)).last();
        let ws = ls + hangul.map_or(k - ls, |(i, _)| i);
        let Some(last) = t[ws..k].chars().last() else { break };
        if !(if n == 0 { "로길동리가" } else { "시도구군읍면동로" }).contains(last) { break; }
        (s, k) = (Some((ws, n)), ws);
        if k < ls + 2 || b[k - 1] != b' ' { break; }
        k -= 1;
    }
    let (s, _) = s.filter(|&(_, n)| n >= 1)?;
    let mut e = d + digits(b, d);
    if b.get(e) == Some(&b'-') && digits(b, e + 1) > 0 { e += 1 + digits(b, e + 1); }
    e += ["번지", "번길", "호", "층"].iter().find(|m| t[e..].starts_with(**m)).map_or(0, |m| m.len());
    Some((s, e))
}


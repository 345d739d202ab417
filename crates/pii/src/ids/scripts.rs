//! Identifiers announced by a context in a script other than Latin, or in
//! Latin with letters beyond ASCII: "客户编号: C-1234", "注文番号は 12345678",
//! "주문번호 2024-0012", "номер заказа 88123", "رقم الطلب 55123", "numéro
//! étudiant 2201". Each context is itself a number word, so the value after
//! it is announced, as after "order number".
//!
//! Only texts with a non-ASCII byte are searched, with one automaton over all
//! the contexts; the value is read by the same rules as after a Latin context.

use std::sync::OnceLock;

use regex::Regex;

use super::{value_after, Kind, Span};

#[rustfmt::skip]
const CONTEXTS: &[&str] = &[
    // Chinese, simplified and traditional.
    "客户编号", "客户号", "客戶編號", "客戶號碼", "订单号", "订单编号", "訂單編號", "訂單號碼", "会员号", "会员编号",
    "會員編號", "會員號碼", "预订号", "预订编号", "預訂編號", "预约号", "账户号", "账号", "帳戶號碼", "帳號", "保单号",
    "保單號碼", "护照号码", "护照号", "護照號碼", "员工编号", "員工編號", "工号", "学号", "學號", "病历号", "病歷號",
    "合同编号", "理赔号", "驾驶证号", "驾照号",
    // Japanese.
    "顧客番号", "お客様番号", "注文番号", "予約番号", "会員番号", "口座番号", "旅券番号", "パスポート番号", "社員番号",
    "従業員番号", "学籍番号", "学生番号", "保険証番号", "証券番号", "患者番号", "カルテ番号", "契約番号", "受付番号",
    "免許証番号",
    // Korean.
    "고객번호", "주문번호", "예약번호", "회원번호", "계좌번호", "여권번호", "사원번호", "학번", "증권번호", "환자번호",
    "계약번호", "운전면허번호",
    // Russian and Ukrainian.
    "номер клиента", "номер заказа", "номер договора", "номер полиса", "номер счёта", "номер счета", "лицевой счёт",
    "лицевой счет", "номер паспорта", "номер бронирования", "номер брони", "табельный номер", "номер клієнта",
    "номер замовлення", "номер договору", "номер рахунку",
    // Arabic, Hebrew, Greek, Hindi, Thai.
    "رقم العميل", "رقم الطلب", "رقم الحجز", "رقم الحساب", "رقم جواز السفر", "رقم الموظف", "رقم البوليصة", "رقم الوثيقة",
    "رقم المريض", "رقم العضوية", "מספר לקוח", "מספר הזמנה", "מספר חשבון", "מספר דרכון", "αριθμός πελάτη",
    "αριθμός παραγγελίας", "αριθμός κράτησης", "αριθμός λογαριασμού", "αριθμός διαβατηρίου", "ग्राहक संख्या",
    "ग्राहक आईडी", "ऑर्डर नंबर", "बुकिंग नंबर", "खाता संख्या", "पासपोर्ट नंबर", "หมายเลขคำสั่งซื้อ", "รหัสลูกค้า",
    "หมายเลขการจอง", "เลขที่บัญชี", "หมายเลขหนังสือเดินทาง",
    // Latin words that ASCII matching cannot see.
    "numéro étudiant", "numéro d'étudiant", "numéro d'adhérent", "numéro adhérent", "n° d'adhérent",
    "numer zamówienia", "numéro de réservation", "mã khách hàng", "mã đơn hàng", "số tài khoản", "số hộ chiếu", "mã đặt chỗ",
];

/// Between such a context and its value: spaces, punctuation of any width,
/// and the particles that mark a topic or a copula ("は", "是", "는").
#[rustfmt::skip]
const BETWEEN: &[&str] = &[
    " ", "\t", ":", "：", "=", "#", "№", "—", "–", "-", "*", "\"", "'", "「", "（", "(", "は", "が", "是", "为", "為",
    "는", "은", "이", "\u{a0}",
];

/// Appends, in order and without overlapping `out`'s spans, the values that
/// a context of [`CONTEXTS`] announces.
pub(super) fn find_script_contexts(text: &str, out: &mut Vec<Span>) {
    if text.is_ascii() {
        return;
    }
    static CONTEXT: OnceLock<Regex> = OnceLock::new();
    let re = CONTEXT.get_or_init(|| {
        let alternatives: Vec<String> = CONTEXTS.iter().map(|c| regex::escape(c)).collect();
        Regex::new(&format!("(?i){}", alternatives.join("|"))).expect("literal alternatives compile")
    });
    let s = text.as_bytes();
    let before = out.len();
    for m in re.find_iter(text) {
        let mut k = m.end();
        while let Some(p) = BETWEEN.iter().find(|p| s[k..].starts_with(p.as_bytes())) {
            k += p.len();
        }
        if let Some((vs, ve)) = value_after(s, m.start(), k, Kind::Numbered, false) {
            if !out.iter().any(|&(a, b)| a < ve && vs < b) {
                out.push((vs, ve));
            }
        }
    }
    if out.len() > before {
        out.sort_unstable_by_key(|span| span.0);
    }
}

#[cfg(test)]
mod tests {
    fn found(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        super::super::find_identifiers(text, &mut out);
        out.into_iter().map(|(a, b)| &text[a..b]).collect()
    }

    #[test]
    fn contexts_in_other_scripts_announce_their_values() {
        assert_eq!(found("客户编号: C-2024-8812"), ["C-2024-8812"]);
        assert_eq!(found("注文番号は 40213377 です"), ["40213377"]);
        assert_eq!(found("주문번호는 ORD-55120 입니다"), ["ORD-55120"]);
        assert_eq!(found("Номер заказа — 77812345"), ["77812345"]);
        assert_eq!(found("رقم الحجز: QX7K2M"), ["QX7K2M"]);
        assert_eq!(found("numéro étudiant 22 01 48 93"), ["22 01 48 93"]);
        assert_eq!(found("(预订号 XMM6KD)"), ["XMM6KD"]);
    }

    #[test]
    fn a_context_without_a_value_finds_nothing() {
        assert!(found("请提供您的订单号，谢谢").is_empty());
        assert!(found("номер заказа не найден").is_empty());
        assert!(found("電話番号 03-1234-5678").is_empty(), "a phone number is the phone detector's");
    }
}

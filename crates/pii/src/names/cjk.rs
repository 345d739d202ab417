//! Chinese, Japanese and Korean names, which the word-based finder cannot
//! see: Han text has no spaces, so `王小明` is one "word" with its context,
//! and the gazetteer holds romanised names.
//!
//! A name here is a short run that starts with a common family name and is
//! marked as a name by its surroundings:
//! - a label before it (`姓名：`, `联系人:`, `氏名`, `이름:`);
//! - an honorific after it (`先生`, `女士`, `さん`, `様`, `님`, `씨`);
//! - an introduction before it (`我叫`, `我是`, `저는`);
//! - or, for Han and Hangul, the run standing alone between non-CJK text
//!   (`From: 孙思远 <…>`, a signature line), where a run of two or three
//!   characters that starts with a family name is rarely anything else.
//!
//! Family names are the most frequent ones of each language: together they
//! cover well over 80% of people, and a rare family name still needs one of
//! the cues above to pass in a text that holds another name.

/// Single-character Chinese family names, by frequency (about 90% of people).
const HAN_SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝王張劉陳楊黃趙吳孫馬鄭謝許韓馮鄧蕭葉蘇呂盧鍾譚陸範賈韋鄒閆龔錢嚴湯莊聶魯歐蘭紀塗駱藍饒車婁竇衛鞏";
/// Two-character Chinese family names.
const HAN_COMPOUND: &[&str] = &["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "公孙", "慕容", "尉迟", "夏侯", "长孙", "司徒", "宇文", "歐陽", "司馬", "諸葛", "東方"];
/// Japanese family names (kanji), the most frequent.
const JA_SURNAMES: &[&str] = &[
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木", "山口",
    "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "山下", "中島", "石井",
    "小川", "前田", "岡田", "長谷川", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本", "斉藤", "福田", "太田",
    "西村", "藤井", "金子", "岡本", "藤原", "中野", "三浦", "原田", "中川", "松田", "竹内", "小野", "田村", "中山",
    "和田", "石田", "森田", "上田", "原", "内田", "柴田", "酒井", "宮崎", "横山", "高木", "安藤", "宮本", "大野",
    "小島", "谷口", "今井", "工藤", "高田", "増田", "丸山", "杉山", "村田", "大塚", "新井", "小山", "平野", "藤本",
    "河野", "上野", "野口", "武田", "松井", "千葉", "岩崎", "菅原", "木下", "久保", "佐野", "野村", "松尾", "菊地",
    "杉本", "市川", "古川", "大西", "島田", "水野", "桜井", "高野", "渡部", "吉川", "山内", "西田", "飯田", "菊池",
];
/// Korean family names (Hangul syllables), about 90% of people.
const KO_SURNAMES: &str = "김이박최정강조윤장임한오서신권황안송류유홍전고문양손배백허남심노하곽성차주우구민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사부";
/// Two-syllable Korean family names.
const KO_COMPOUND: &[&str] = &["남궁", "황보", "제갈", "선우", "독고", "동방", "사공", "서문"];

/// Labels and introductions that a name follows, even inside a Han run
/// (`联系人王小明`, `我叫陈静`).
#[rustfmt::skip]
const LABELS: &[&str] = &[
    "姓名", "名字", "联系人", "聯絡人", "客户姓名", "乘客", "旅客", "收件人", "收货人", "寄件人", "发件人", "持卡人",
    "申请人", "负责人", "经办人", "紧急联系人", "我叫", "名叫", "叫做", "亲爱的", "尊敬的", "氏名", "名前", "お名前",
    "担当者", "担当者名", "申込者", "契約者", "患者名", "宛先", "差出人",
];
/// Looser labels: a name follows only after a separator (`客户：王五`), since
/// inside a run they start words (`用户管理`).
#[rustfmt::skip]
const SEPARATED_LABELS: &[&str] = &[
    "客户", "客戶", "患者", "病人", "用户", "会员", "员工", "学生", "家长", "担当", "이름", "성명", "고객명", "고객",
    "담당자", "환자", "회원", "수신", "발신", "보내는 사람", "받는 사람", "예약자", "신청자", "저는", "제 이름은",
];
/// Honorifics and roles that follow a Han name, even inside a run (`张伟先生`).
#[rustfmt::skip]
const HAN_AFTER: &[&str] = &[
    "先生", "女士", "小姐", "老师", "老師", "医生", "醫生", "经理", "經理", "同学", "同學", "教授", "さん", "様", "さま",
    "氏", "くん", "ちゃん",
];
/// Honorifics after a Korean name, glued or as the next word; longest first.
#[rustfmt::skip]
const KO_AFTER: &[&str] = &["고객님", "선생님", "교수님", "회원님", "님", "씨", "환자", "대리", "과장", "부장", "팀장", "사원"];
/// Two-character words that start with a family name and often stand alone
/// (headers, buttons): never names on their own.
#[rustfmt::skip]
const HAN_WORDS: &[&str] = &[
    "金额", "金額", "文件", "方法", "方式", "关闭", "關閉", "周末", "周一", "周二", "周三", "周四", "周五", "周六", "周日",
    "高级", "高級", "黄金", "林业", "石油", "白色", "常见", "江苏", "何时", "时间", "時間", "明天", "明细", "明細", "安全",
    "安装", "成功", "成本", "全部", "全国", "应用", "应该", "万元", "和平", "商品", "商店", "华为", "车辆", "项目", "连接",
    "简介", "简单", "单位", "单号", "管理", "司机", "宁波", "南京", "上海", "北京", "天津", "重庆", "广州", "深圳", "武汉",
    "长沙", "龙岗", "黄色", "蓝色", "金色", "程序", "任务", "于是", "余额", "邮件", "史上", "曾经", "向导", "文本", "文字",
    "文章", "包括", "包装", "宫殿", "师傅", "景点", "党员", "费用", "卫生", "米饭", "宗教", "全员", "贾宝", "吉林", "齐全",
    "安排", "明确", "成都", "古代", "华人", "宋代", "唐代", "孔子", "武器", "温度", "康复", "易用", "乔木", "庄园", "严重",
    "钱包", "段落", "雷达", "侯选", "龙头", "田地", "高速", "高清", "高度", "马上", "马路", "朱红", "胡同", "林木", "罗马",
];

/// Finds CJK names; appends their byte ranges.
pub(crate) fn find_cjk_names(text: &str, out: &mut Vec<(usize, usize)>) {
    if text.is_ascii() {
        return;
    }
    let mut i = 0;
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else { break };
        let script = script_of(c);
        if script == Script::Other {
            i += c.len_utf8();
            continue;
        }
        // The run of this script (Hangul words end at spaces; Han runs at any
        // other character, kana included).
        let start = i;
        let mut end = i;
        for ch in text[i..].chars() {
            if script_of(ch) != script {
                break;
            }
            end += ch.len_utf8();
        }
        match script {
            Script::Han => han_names(text, start, end, out),
            Script::Hangul => hangul_name(text, start, end, out),
            Script::Other => {}
        }
        i = end;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Han,
    Hangul,
    Other,
}

fn script_of(c: char) -> Script {
    match c as u32 {
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x3005 => Script::Han,
        0xAC00..=0xD7A3 => Script::Hangul,
        _ => Script::Other,
    }
}

/// The family name a run starts with, in bytes, if any.
fn han_surname(run: &str) -> Option<usize> {
    if let Some(s) = HAN_COMPOUND.iter().chain(JA_SURNAMES).filter(|s| run.starts_with(**s)).map(|s| s.len()).max() {
        return Some(s);
    }
    let c = run.chars().next()?;
    HAN_SURNAMES.contains(c).then_some(c.len_utf8())
}

/// Names in one Han run `text[start..end]`.
fn han_names(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let run = &text[start..end];
    let before_len = out.len();
    // An honorific inside or at the end of the run: the name is just before it.
    for h in HAN_AFTER {
        for (p, _) in run.match_indices(h) {
            if let Some(n) = tail_name(&run[..p]) {
                out.push((start + p - n, start + p));
            }
        }
    }
    // A label inside the run: the name is just after it.
    for l in LABELS {
        for (p, _) in run.match_indices(l) {
            if let Some(n) = head_name(&run[p + l.len()..]) {
                out.push((start + p + l.len(), start + p + l.len() + n));
            }
        }
    }
    if out.len() > before_len {
        out[before_len..].sort_unstable();
        let mut kept: Vec<(usize, usize)> = Vec::new();
        for &(a, b) in &out[before_len..] {
            match kept.last_mut() {
                Some(last) if a < last.1 => last.1 = last.1.max(b),
                _ => kept.push((a, b)),
            }
        }
        out.truncate(before_len);
        out.extend(kept);
        return;
    }
    let Some(sur) = han_surname(run) else { return };
    let chars = run.chars().count();
    if !(2..=5).contains(&chars) || HAN_WORDS.contains(&run) {
        return;
    }
    let after = text[end..].trim_start_matches([' ', '\u{3000}']);
    let before = text[..start].trim_end_matches([' ', '\u{3000}', ':', '：', '\t']);
    let labelled = LABELS.iter().chain(SEPARATED_LABELS).any(|l| before.ends_with(l))
        || ["name", "from", "to", "contact", "customer", "passenger", "signed"].iter().any(|l| before.to_ascii_lowercase().ends_with(l));
    let honorific_next = HAN_AFTER.iter().any(|h| after.starts_with(h));
    // Alone between non-CJK text, and not a label itself (`周期：`); Chinese
    // given names are one or two characters.
    let alone = chars <= run[..sur].chars().count() + 2
        && text[..start].chars().next_back().is_none_or(|c| !is_cjk_text(c))
        && text[end..].chars().next().is_none_or(|c| !is_cjk_text(c))
        && !after.starts_with([':', '：']);
    if !(labelled || honorific_next || alone) {
        return;
    }
    // `佐藤 健 様`: a family name alone, then the given name after a space.
    let mut stop = end;
    if chars == run[..sur].chars().count() {
        let gap = text[end..].len() - after.len();
        let given: usize = after.chars().take_while(|c| script_of(*c) == Script::Han).map(char::len_utf8).sum();
        if gap > 0 && (1..=9).contains(&given) {
            stop = end + gap + given;
        }
    }
    out.push((start, stop));
}

/// A name that starts `rest` (after a label): family name + one or two characters.
fn head_name(rest: &str) -> Option<usize> {
    let sur = han_surname(rest)?;
    let mut n = sur;
    for (k, c) in rest[sur..].chars().enumerate() {
        if k == 2 {
            break;
        }
        n += c.len_utf8();
    }
    (n > sur).then_some(n)
}

/// A name that ends `body` (before an honorific): the shortest family name
/// + given name that fits, at most four characters back.
fn tail_name(body: &str) -> Option<usize> {
    let starts: Vec<usize> = body.char_indices().map(|(p, _)| p).collect();
    let n = starts.len();
    // Prefer the longest run of 2-3 characters that starts with a family name;
    // a lone family name before an honorific (`王先生`) is a name too.
    for len in [3usize, 2, 1] {
        if n >= len {
            let p = starts[n - len];
            if han_surname(&body[p..]).is_some_and(|s| s <= body.len() - p) {
                return Some(body.len() - p);
            }
        }
    }
    None
}

/// Characters of CJK running text (Han, kana, Hangul), which a standalone name
/// must not touch.
fn is_cjk_text(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xAC00..=0xD7A3)
}

/// A Hangul word `text[start..end]`: a family name + one or two syllables,
/// marked by an honorific (glued or next), a label, or standing alone.
fn hangul_name(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let word = &text[start..end];
    // `김민준님께서`: strip the particles, then the honorific.
    let mut body = word;
    let mut marked = false;
    for h in KO_AFTER.iter().take(6) {
        if let Some(p) = body.find(h).filter(|&p| p > 0) {
            body = &body[..p];
            marked = true;
            break;
        }
    }
    let syllables = body.chars().count();
    let sur = KO_COMPOUND.iter().find(|s| body.starts_with(**s)).map(|s| s.chars().count()).unwrap_or(1);
    let first = body.chars().next().is_some_and(|c| KO_SURNAMES.contains(c));
    if !(first || sur == 2) || !(sur + 1..=sur + 2).contains(&syllables) {
        return;
    }
    let after = text[end..].trim_start_matches(' ');
    let next_word: String = after.chars().take_while(|c| script_of(*c) == Script::Hangul).collect();
    marked |= KO_AFTER.iter().any(|h| next_word.starts_with(h));
    let before = text[..start].trim_end_matches([' ', ':', '：', '\t']);
    marked |= SEPARATED_LABELS.iter().any(|l| before.ends_with(l)) || before.to_ascii_lowercase().ends_with("name");
    // Alone: nothing Korean on either side on its line (a signature, a field).
    let line_before = text[..start].rsplit(['\n', '\r']).next().unwrap_or("");
    let line_after = text[end..].split(['\n', '\r']).next().unwrap_or("");
    let alone = syllables == 3
        && word == body
        && !line_before.chars().chain(line_after.chars()).any(is_cjk_text)
        && !after.starts_with([':', '：']);
    if marked || alone {
        out.push((start, start + body.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find_cjk_names(text, &mut out);
        out.iter().map(|&(a, b)| &text[a..b]).collect()
    }

    #[test]
    fn chinese_names_by_label_honorific_and_standing_alone() {
        assert_eq!(names("联系人：王小明，电话 138"), ["王小明"]);
        assert_eq!(names("From: 孙思远 <ssun@example.cn>"), ["孙思远"]);
        assert_eq!(names("李娜\n客户经理"), ["李娜"]);
        assert_eq!(names("请转告张伟先生明天到"), ["张伟"]);
        assert_eq!(names("王先生您好"), ["王"]);
        assert_eq!(names("收件人: 欧阳娜娜"), ["欧阳娜娜"]);
        assert_eq!(names("我叫陈静，住在上海"), ["陈静"]);
    }

    #[test]
    fn japanese_and_korean_names() {
        assert_eq!(names("佐藤 健 様"), ["佐藤 健"]);
        assert_eq!(names("山田さんに送ってください"), ["山田"]);
        assert_eq!(names("担当：田中太郎さん"), ["田中太郎"]);
        assert_eq!(names("고객 김민준 님께서 요청하셨습니다"), ["김민준"]);
        assert_eq!(names("박지성님께서 예약하셨습니다"), ["박지성"]);
        assert_eq!(names("이름: 이서연"), ["이서연"]);
    }

    #[test]
    fn words_that_start_with_a_family_name_are_not_names() {
        // Running text, headers and common words.
        assert!(names("订单金额 已支付").is_empty());
        assert!(names("金额\n45.00").is_empty());
        assert!(names("请在周末之前关闭文件").is_empty());
        assert!(names("이메일 주소를 확인해 주세요").is_empty());
        assert!(names("Shanghai 上海 office").is_empty());
        assert!(names("周期: 30天").is_empty());
        assert!(names("이메일: a@b.kr").is_empty());
        assert!(names("用户管理系统").is_empty());
        assert!(names("客户经理").is_empty());
        assert!(names("plain ascii text").is_empty());
    }
}

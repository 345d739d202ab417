#!/usr/bin/env python3
"""Held-out labelled PII corpus: tests/fixtures/pii/heldout.jsonl.

    ~/.cache/slm-pipeline/heldout-venv/bin/python scripts/make_pii_heldout.py

(the venv: `python3 -m venv ~/.cache/slm-pipeline/heldout-venv &&
~/.cache/slm-pipeline/heldout-venv/bin/pip install faker==40.63.0`).

Written independently of scripts/make_pii_corpus.py and scripts/pii_values.py
(which the author did not read): own sentence frames, own name and street
lists, own structured-value generators built from the numbering plans, the IIN
tables and the IBAN registry. Faker is used only for given/family names of
locales picked here, never for templates, addresses or structured values.

Format and labelling conventions: tests/fixtures/pii/README.md. Notes on this
file: tests/fixtures/pii/HELDOUT.md. NOBODY TUNES DETECTORS ON THIS FILE.

Deterministic: seed below, Faker pinned; same inputs, byte-identical output.
"""
import json, os, random, re, sys, unicodedata, ipaddress

SEED = 7_20250301
FAKER_VERSION = "40.63.0"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "pii", "heldout.jsonl")

try:
    import faker
    from faker import Faker
except ImportError:
    sys.exit(f"needs Faker=={FAKER_VERSION} (see the docstring for the venv)")
if faker.VERSION != FAKER_VERSION:
    sys.exit(f"Faker {faker.VERSION} found, {FAKER_VERSION} required: its name lists change between releases")

R = random.Random(SEED)

# --------------------------------------------------------------------------
# Markers: PII values are wrapped in private-use characters while a record is
# built, so that any serialisation (json.dumps, nested json.dumps, csv, yaml
# by hand, ensure_ascii) keeps them; finalize() strips them and records spans.
# --------------------------------------------------------------------------
M0, M1, M2, MN = "\ue000", "\ue001", "\ue002", "\ue003"
CODE = {"PERSON": "P", "ADDRESS": "A", "DOB": "D", "AGE": "G", "ID": "I", "EMAIL": "E",
        "PHONE": "T", "CARD": "C", "IBAN": "B", "IP": "N", "SSN": "S"}
UNCODE = {v: k for k, v in CODE.items()}


def mark(t, v):
    v = str(v)
    assert v and v == v.strip() and not any(c in v for c in (M0, M1, M2, MN)), repr(v)
    return f"{M0}{CODE[t]}{M1}{v}{M2}"


def P(v): return mark("PERSON", v)
def A(v): return mark("ADDRESS", v)
def D(v): return mark("DOB", v)
def G(v): return mark("AGE", v)
def I(v): return mark("ID", v)
def E(v): return mark("EMAIL", v)
def T(v): return mark("PHONE", v)
def C(v): return mark("CARD", v)
def B(v): return mark("IBAN", v)
def N(v): return mark("IP", v)
def S(v): return mark("SSN", v)


def num(t, n):
    """A JSON number that is PII (`"age": 34`): a string placeholder until finalize()."""
    return f"{MN}{CODE[t]}{int(n)}{MN}"


def finalize(raw):
    s = re.sub(r"\\+u(e00[0-3])", lambda m: chr(int(m.group(1), 16)), raw)
    s = re.sub(r'(\\*)"' + MN + r"([A-Z])(\d+)" + MN + r'\1"', lambda m: mark(UNCODE[m.group(2)], m.group(3)), s)
    assert MN not in s
    out, spans, pos, bpos = [], [], 0, 0
    for m in re.finditer(M0 + "([A-Z])" + M1 + "(.*?)" + M2, s, re.S):
        pre = s[pos:m.start()]
        out.append(pre)
        bpos += len(pre.encode())
        val = m.group(2)
        vb = len(val.encode())
        spans.append({"start": bpos, "end": bpos + vb, "type": UNCODE[m.group(1)]})
        out.append(val)
        bpos += vb
        pos = m.end()
    out.append(s[pos:])
    text = "".join(out)
    assert not any(c in text for c in (M0, M1, M2, MN)), text[:200]
    return text, spans


def pick(seq):
    return seq[R.randrange(len(seq))]


def chance(p):
    return R.random() < p


def digits(n):
    return "".join(str(R.randrange(10)) for _ in range(n))


def dumps(obj, **kw):
    """json.dumps with a random but plausible layout."""
    style = kw.pop("style", None) or pick(["compact", "compact", "spaced", "indent2", "indent4"])
    ea = kw.pop("ensure_ascii", False)
    if style == "compact":
        return json.dumps(obj, ensure_ascii=ea, separators=(",", ":"))
    if style == "spaced":
        return json.dumps(obj, ensure_ascii=ea)
    return json.dumps(obj, ensure_ascii=ea, indent=2 if style == "indent2" else 4)


# --------------------------------------------------------------------------
# People. Hand-written pools (given, family, romanised given, romanised family)
# plus given/family names from Faker locales picked for this file only.
# --------------------------------------------------------------------------
def _pairs(given, family):
    return [(g, f) for g in given.split() for f in family.split()]


EN_GIVEN = ("Olivia Liam Noah Amelia Ethan Harper Benjamin Evelyn Lucas Abigail Theodore Nora Caleb Leah Isaac Zoe "
            "Owen Madison Tyler Brittany Kevin Courtney Travis Gloria Dennis Deborah Nigel Gemma Callum Imogen Aoife "
            "Niamh Declan Rupert Siobhan Fergus Marcus Tanya Darnell Keisha Jamal Latoya Cody Brianna Garrett Mackenzie")
EN_FAMILY = ("Whitfield Brennan Thornton Caldwell Hargreaves Pemberton Mercer Dalton Holloway Ashworth Prescott Sinclair "
             "Winslow Radcliffe Gallagher McAllister Donnelly Rutherford Aldridge Blackwood Cartwright Ellison Hawthorne "
             "Jennings Kirkland Langley Northcott Osborne Pritchard Quinlan Stratton Templeton Underwood Whitaker "
             "Okonkwo Washington Jefferson Delgado Nakamura Petrov Kowalski Schultz Lindqvist")
# names that are also ordinary English words
WORD_GIVEN = ("Hope Grace Faith Hunter Mason Chase Page Bill Will Rose Lily Jasmine Dawn Sky Joy April June May Summer "
              "Autumn Penny Ruby Amber Crystal Holly Ivy Hazel Daisy Heather Sterling Miles Guy Frank Art Glen Dale "
              "Cliff Sunny Angel Destiny Harmony Melody Patience Trinity River Storm Reed Brook Pearl Jade Rich Rusty")
WORD_FAMILY = ("Baker Cook Carpenter Fisher Hunter Mason Page Bird Fox Wolf Stone Wood Hill Banks Price Young Short Long "
               "Little Strong Sharp Black White Green Brown Gray Bell Cross King Knight Bishop Marsh Moody Frost Snow "
               "Winter Rivers Brooks Fields Lane Waters Sweet Love Friend Hope Chase Read Cash Gold Swift Mills Wells "
               "Power Noble Hardy Lamb Crane Drake Finch Swan Pike Bass Rich Hart Way Day")
PARTICLE_NAMES = [
    ("Pieter", "van der Meulen"), ("Anke", "de Vries"), ("Jan-Willem", "van den Heuvel"), ("Ludwig", "von Stein"),
    ("María", "de la Fuente"), ("Juan Carlos", "de los Santos"), ("Ana", "dos Santos"), ("Luísa", "da Silva"),
    ("Seán", "O'Connell"), ("Siobhán", "Ní Bhriain"), ("Ciarán", "Mac Giolla Phádraig"), ("Faisal", "bin Nasser Al-Qahtani"),
    ("Aisha", "bint Salem"), ("Abdul-Rahman", "Al-Harbi"), ("Jean-Baptiste", "Leclerc"), ("Marie-Claire", "Dubois-Martin"),
    ("Anna-Lena", "Schmidt-Hoffmann"), ("Hans-Peter", "Müller-Lüdenscheidt"), ("Eliza", "D'Souza"), ("Luca", "Dell'Acqua"),
    ("Giovanni", "Di Stefano"), ("Leonardo", "da Costa"), ("DeShawn", "McKenzie"), ("Fiona", "MacKenzie-Ross"),
    ("Ngozi", "Adichie-Okonkwo"), ("Carlos", "Ruiz-Zafra"), ("Pierre-Yves", "Le Gall"), ("Karl-Heinz", "zu Hohenfels"),
    ("Mary-Kate", "O'Shaughnessy"), ("Jo-Anne", "St. Clair"), ("Ahmad", "ibn Yusuf"), ("Kwabena", "Asante-Mensah"),
    ("Lars-Erik", "af Klinteberg"), ("Isabel", "van Rensburg"), ("Rui", "de Sá"), ("Annemarie", "ter Horst"),
]
# (given, family, script-appropriate full name, romanised "Given Family" or None)
NATIVE = {
    "de": _pairs("Jürgen Sabine Lukas Anja Tobias Friederike Maximilian Katharina Björn Ute Jens Wiebke",
                 "Weißmann Köhler Brandt Schröder Hahn Lange Vogt Engel Krüger Zimmermann Böttcher Faßbender"),
    "fr": _pairs("Amélie Théo Chloé Mathieu Élodie Benoît Capucine Gaëlle Hervé Solène Loïc Maëlle",
                 "Rousseau Lefèvre Garnier Fabre Marchand Giraud Lemaire Perrin Caron Boyer Chevalier Bérenger"),
    "es": _pairs("Alejandro Lucía Javier Carmen Sergio Paloma Íñigo Nuria Rocío Andrés Begoña Ximena",
                 "Navarro Ortega Castillo Delgado Molina Vidal Etxeberria Campos Herrera Fuentes Ibáñez Peña"),
    "it": _pairs("Giulia Matteo Chiara Alessandro Francesca Davide Elisa Lorenzo Martina Niccolò Ilaria Gianluca",
                 "Ferrara Colombo Esposito Ricci Marino Greco Bruno Gallo Conti Mancini Lombardi Barbieri"),
    "pt": _pairs("João Inês Tiago Beatriz Gonçalo Mariana Thiago Fernanda Caio Luana Conceição Raimundo",
                 "Pereira Carvalho Fernandes Sousa Rodrigues Lopes Albuquerque Nogueira Barbosa Ribeiro Magalhães Araújo"),
    "nl": _pairs("Sanne Daan Femke Bram Lotte Thijs Eline Joost Maartje Sjoerd Ilse Wouter",
                 "Bakker Visser Smit Mulder Vermeulen Hendriks Dekker Brouwer Kuipers Willems Postma Jansen"),
    "pl": _pairs("Katarzyna Tomasz Agnieszka Paweł Małgorzata Krzysztof Zofia Łukasz Grzegorz Jadwiga",
                 "Wiśniewska Wójcik Kamińska Lewandowski Zielińska Szymański Dąbrowska Kozłowski Jabłoński Woźniak"),
    "tr": _pairs("Ayşe Mehmet Elif Emre Zeynep Burak Gülşen Oğuz Çağla İsmail",
                 "Yıldız Demir Şahin Çelik Aydın Öztürk Kaya Arslan Doğan Koç"),
}
JA = [("美咲", "佐藤", "Misaki", "Sato"), ("大輔", "鈴木", "Daisuke", "Suzuki"), ("結衣", "高橋", "Yui", "Takahashi"),
      ("翔太", "田中", "Shota", "Tanaka"), ("さくら", "伊藤", "Sakura", "Ito"), ("健一", "渡辺", "Kenichi", "Watanabe"),
      ("陽菜", "山本", "Hina", "Yamamoto"), ("拓海", "中村", "Takumi", "Nakamura"), ("真由美", "小林", "Mayumi", "Kobayashi"),
      ("浩二", "加藤", "Koji", "Kato"), ("彩花", "吉田", "Ayaka", "Yoshida"), ("直樹", "森", "Naoki", "Mori")]
ZH = [("伟", "王", "Wei", "Wang"), ("娜", "李", "Na", "Li"), ("敏", "张", "Min", "Zhang"), ("洋", "刘", "Yang", "Liu"),
      ("静", "陈", "Jing", "Chen"), ("帆", "杨", "Fan", "Yang"), ("丽", "赵", "Li", "Zhao"), ("昊", "吴", "Hao", "Wu"),
      ("晓燕", "周", "Xiaoyan", "Zhou"), ("建国", "徐", "Jianguo", "Xu"), ("思远", "孙", "Siyuan", "Sun"),
      ("雨桐", "郭", "Yutong", "Guo"), ("志强", "欧阳", "Zhiqiang", "Ouyang")]
KO = [("민준", "김", "Min-jun", "Kim"), ("서연", "이", "Seo-yeon", "Lee"), ("지훈", "박", "Ji-hoon", "Park"),
      ("유진", "최", "Yu-jin", "Choi"), ("하은", "정", "Ha-eun", "Jung"), ("도윤", "강", "Do-yun", "Kang")]
AR = [("محمد", "العتيبي", "Mohammed", "Al-Otaibi"), ("فاطمة", "الزهراني", "Fatima", "Al-Zahrani"),
      ("أحمد", "الشمري", "Ahmed", "Al-Shammari"), ("نورة", "القحطاني", "Noura", "Al-Qahtani"),
      ("خالد", "المطيري", "Khalid", "Al-Mutairi"), ("ليلى", "حداد", "Layla", "Haddad"), ("يوسف", "منصور", "Youssef", "Mansour"),
      ("سارة", "عبد الله", "Sara", "Abdullah"), ("عمر", "الخطيب", "Omar", "El-Khatib"), ("مريم", "السيد", "Mariam", "El-Sayed")]
HI = [("राहुल", "शर्मा", "Rahul", "Sharma"), ("प्रिया", "वर्मा", "Priya", "Verma"), ("अमित", "कुमार", "Amit", "Kumar"),
      ("नेहा", "गुप्ता", "Neha", "Gupta"), ("सुनील", "यादव", "Sunil", "Yadav"), ("पूजा", "सिंह", "Pooja", "Singh"),
      ("विकास", "जोशी", "Vikas", "Joshi"), ("अनीता", "मिश्रा", "Anita", "Mishra"), ("संजय", "चौहान", "Sanjay", "Chauhan")]
IN_LATIN = _pairs("Ananya Karthik Sneha Arjun Deepika Venkatesh Lakshmi Harpreet Gurpreet Rohan Aditi",
                  "Iyer Subramanian Kulkarni Reddy Nair Menon Bhattacharya Chatterjee Gill Deshpande Pillai")
RU = [("Дмитрий", "Смирнов", "Dmitry", "Smirnov"), ("Анна", "Кузнецова", "Anna", "Kuznetsova"),
      ("Сергей", "Попов", "Sergei", "Popov"), ("Екатерина", "Волкова", "Ekaterina", "Volkova"),
      ("Алексей", "Соколов", "Alexei", "Sokolov"), ("Ольга", "Иванова", "Olga", "Ivanova")]
EL = [("Γιώργος", "Παπαδόπουλος", "Giorgos", "Papadopoulos"), ("Ελένη", "Νικολάου", "Eleni", "Nikolaou"),
      ("Δημήτρης", "Οικονόμου", "Dimitris", "Oikonomou")]
AFRICA = _pairs("Chiamaka Oluwaseun Kwame Ama Thandiwe Sipho Wanjiru Tendai Abebe Fatoumata Chidi Nomvula Kofi Yaw",
                "Eze Adeyemi Mensah Owusu Dlamini Ndlovu Kamau Moyo Bekele Diallo Okeke Nkosi Boateng Achebe")
VI = [("An", "Nguyễn Văn", "Nguyễn Văn An", "Nguyen Van An"), ("Mai", "Trần Thị", "Trần Thị Mai", "Tran Thi Mai"),
      ("Tuấn", "Phạm Minh", "Phạm Minh Tuấn", "Pham Minh Tuan"), ("Linh", "Lê Thùy", "Lê Thùy Linh", "Le Thuy Linh")]
FAKER_LOCALES = ["sv_SE", "da_DK", "fi_FI", "cs_CZ", "hu_HU", "ro_RO", "uk_UA", "he_IL", "fa_IR", "th_TH", "id_ID",
                 "zu_ZA", "en_NZ", "en_IE", "ga_IE", "pt_PT", "es_AR", "es_CO", "es_CL", "de_AT", "de_CH", "fr_CA",
                 "nl_BE", "no_NO", "et_EE", "lv_LV", "lt_LT", "hr_HR", "sl_SI", "sk_SK", "bg_BG", "ka_GE", "hy_AM",
                 "az_AZ", "bn_BD", "ne_NP", "ta_IN", "zh_TW", "uz_UZ", "en_PK", "tw_GH", "sw"]
EASTERN_ORDER = {"hu_HU", "zh_TW"}
_FAKERS = {}


def _faker(loc):
    if loc not in _FAKERS:
        f = Faker(loc)
        f.seed_instance(SEED + sum(map(ord, loc)))
        _FAKERS[loc] = f
    return _FAKERS[loc]


def fold(s):
    """ASCII for e-mail local parts."""
    s = s.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ı", "i").replace("ø", "o").replace("æ", "ae")
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


class Person:
    def __init__(self, given, family, full=None, latin=None, eastern=False):
        self.given, self.family, self.eastern = given, family, eastern
        self.full = full or (f"{family}{given}" if eastern and not _is_latin(given) and not _spaced(given)
                             else (f"{family} {given}" if eastern else f"{given} {family}"))
        self.latin = latin or (self.full if _is_latin(self.full) else None)

    def form(self, how):
        g, f = self.given, self.family
        if how == "full":
            return self.full
        if how == "given":
            return g
        if how == "family":
            return f
        if how == "last_first":
            return f"{f}, {g}" if _is_latin(g) else self.full
        if how == "initial" and _is_latin(g):
            return f"{g[0]}. {f}"
        if how == "initials" and _is_latin(g):
            return f"{g[0]}.{pick('ABCDEFGHJKLMNPRSTW')}. {f}" if chance(0.5) else f"{g[0]}. {pick('ABCDEFGHJKLMNPRSTW')}. {f}"
        if how == "upper":
            return self.full.upper()
        if how == "lower":
            return self.full.lower()
        return self.full

    def handle(self):
        src = self.latin or (self.full if _is_latin(self.full) else "")
        parts = [p for p in re.split(r"[^a-z0-9]+", fold(src).lower()) if p]
        if not parts:
            parts = [pick(["user", "kontakt", "mail", "info", "lotus", "sun", "blue"]), digits(4)]
        g, f = parts[0], parts[-1]
        shape = R.randrange(9)
        return [f"{g}.{f}", f"{g[0]}{f}", f"{g}_{f}{R.randint(70, 99)}", f"{g}{f}", f"{f}.{g}",
                f"{g}+{pick(['shop', 'travel', 'bank', 'news'])}", f"{g}.{f}{R.randint(1, 9)}", f"{f}{g[0]}", f"{g}-{f}"][shape]


def _spaced(s):
    return " " in s


def _is_latin(s):
    return all(("LATIN" in unicodedata.name(c, "")) or not c.isalpha() for c in s)


def person(kind=None):
    kind = kind or pick(["en"] * 6 + ["word"] * 3 + ["particle"] * 2 + ["faker"] * 5 + ["native"] * 4 + ["asia"] * 3
                        + ["in"] * 2 + ["ar"] * 2 + ["africa"] * 2 + ["ru"] + ["vi"])
    if kind == "en":
        return Person(pick(EN_GIVEN.split()), pick(EN_FAMILY.split()))
    if kind == "word":
        g = pick(WORD_GIVEN.split())
        return Person(g, pick(WORD_FAMILY.split() + EN_FAMILY.split()))
    if kind == "particle":
        return Person(*pick(PARTICLE_NAMES))
    if kind == "faker":
        loc = pick(FAKER_LOCALES)
        f = _faker(loc)
        fem = chance(0.5)
        try:
            g = f.first_name_female() if fem else f.first_name_male()
            fam = f.last_name_female() if fem else f.last_name_male()
        except AttributeError:
            g, fam = f.first_name(), f.last_name()
        return Person(g, fam, eastern=loc in EASTERN_ORDER)
    if kind in NATIVE or kind == "native":
        lang = kind if kind in NATIVE else pick(sorted(NATIVE))
        return Person(*pick(NATIVE[lang]))
    if kind in ("asia", "ja", "zh", "ko"):
        pool = {"ja": JA, "zh": ZH, "ko": KO}.get(kind) or pick([JA, ZH, KO])
        g, f, lg, lf = pick(pool)
        if chance(0.35) and kind == "asia":  # romanised, either order
            return Person(lg, lf) if chance(0.6) else Person(lg, lf, full=f"{lf} {lg}")
        full = f"{f} {g}" if pool is JA and chance(0.5) else f"{f}{g}"
        return Person(g, f, full=full, latin=f"{lg} {lf}", eastern=True)
    if kind in ("in", "hi"):
        if kind == "in" and chance(0.6):
            return Person(*pick(IN_LATIN))
        g, f, lg, lf = pick(HI)
        return Person(g, f, latin=f"{lg} {lf}")
    if kind == "ar":
        g, f, lg, lf = pick(AR)
        return Person(g, f, latin=f"{lg} {lf}") if chance(0.6) else Person(lg, lf)
    if kind == "africa":
        return Person(*pick(AFRICA))
    if kind == "ru":
        g, f, lg, lf = pick(RU + EL)
        return Person(g, f, latin=f"{lg} {lf}") if chance(0.6) else Person(lg, lf)
    if kind == "vi":
        g, f, full, lat = pick(VI)
        return Person(g, f, full=full, latin=lat)
    raise ValueError(kind)


def latin_person():
    while True:
        p = person()
        if _is_latin(p.full):
            return p


def name_form(p, weights=None):
    how = pick(weights or ["full"] * 6 + ["given"] * 2 + ["initial", "initials", "last_first", "upper"])
    return p.form(how)


TITLES_EN = ["Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Prof.", "Mx"]


def titled(p, titles=TITLES_EN):
    """'Dr ' + PERSON(family) or PERSON(full)."""
    t = pick(titles)
    return f"{t} {P(p.family if chance(0.6) else p.full)}"


# --------------------------------------------------------------------------
# Phones, from the national numbering plans (ITU-T E.164 country codes, the
# national trunk prefix, real area / mobile ranges), written in local habits.
# --------------------------------------------------------------------------
def _nanp():
    area = pick(["212", "415", "312", "617", "206", "512", "303", "404", "305", "702", "213", "646", "720", "971",
                 "503", "919", "615", "416", "604", "514", "403", "808", "907", "480", "612", "901"])
    exch = str(R.randint(2, 9)) + digits(2)
    while exch[1:] == "11" or exch == "555":
        exch = str(R.randint(2, 9)) + digits(2)
    line = digits(4)
    f = R.randrange(10)
    s = [f"({area}) {exch}-{line}", f"{area}-{exch}-{line}", f"{area}.{exch}.{line}", f"+1 {area} {exch} {line}",
         f"+1-{area}-{exch}-{line}", f"1 ({area}) {exch}-{line}", f"{area}{exch}{line}", f"+1{area}{exch}{line}",
         f"+1 ({area}) {exch}-{line}", f"{area} {exch} {line}"][f]
    if chance(0.12):
        s += pick([" ext. ", " x", " ext ", " Ext. ", ", ext. ", " #"]) + str(R.randint(2, 9999))
    return s


def _uk():
    k = R.randrange(3)
    if k == 0:
        pre = "7" + pick(["4", "5", "7", "8", "9"]) + digits(2)
        rest = digits(6)
        return pick([f"0{pre} {rest}", f"+44 {pre} {rest}", f"+44 (0){pre} {rest}", f"0{pre}{rest}",
                     f"0{pre} {rest[:3]} {rest[3:]}", f"+44{pre}{rest}", f"0044 {pre} {rest}"])
    if k == 1:
        a, b = pick(["3", "7", "8"]) + digits(3), digits(4)
        s = pick([f"020 {a} {b}", f"+44 20 {a} {b}", f"(020) {a} {b}", f"+44 (0)20 {a}{b}", f"020{a}{b}"])
    else:
        code = pick(["161", "113", "131", "141", "117", "121", "1223", "1865", "29", "28"])
        loc = digits(10 - len(code))
        s = pick([f"0{code} {loc[:3]} {loc[3:]}", f"+44 {code} {loc}", f"(0{code}) {loc}"])
    if chance(0.15):
        s += pick([" ext. ", " x", " ext "]) + digits(R.randint(2, 4))
    return s


def _de():
    if chance(0.55):
        pre = pick(["151", "152", "157", "159", "160", "162", "163", "170", "171", "172", "173", "174", "175", "176", "177", "178", "179"])
        sub = digits(pick([7, 8]))
        return pick([f"0{pre} {sub}", f"+49 {pre} {sub}", f"+49 (0){pre} {sub}", f"0{pre}/{sub}", f"0{pre}-{sub}",
                     f"+49{pre}{sub}", f"0049 {pre} {sub[:4]} {sub[4:]}", f"0{pre} {sub[:3]} {sub[3:]}"])
    area = pick(["30", "40", "89", "221", "69", "711", "211", "351", "341", "511", "911", "621"])
    sub = digits(10 - len(area))
    s = pick([f"0{area} {sub}", f"+49 {area} {sub}", f"+49 (0){area} {sub}", f"0{area}/{sub}", f"(0{area}) {sub}"])
    if chance(0.3):
        s = s[:-2] + "-" + s[-2:] if chance(0.5) else s + "-" + digits(R.randint(2, 3))  # Durchwahl
    return s


def _fr():
    lead = pick(["6", "7", "1", "2", "3", "4", "5", "9"])
    n = lead + digits(8)
    pairs = " ".join(n[i:i + 2] for i in range(1, 9, 2))
    return pick([f"0{lead} {pairs}", f"+33 {lead} {pairs}", f"+33 (0){lead} {pairs}", f"0{lead}.{pairs.replace(' ', '.')}",
                 f"0{n}", f"+33{n}", f"0{lead}-{pairs.replace(' ', '-')}", f"0033 {lead} {pairs}"])


def _es():
    if chance(0.6):
        n = pick(["6", "7"]) + digits(8)
    else:
        n = pick(["91", "93", "96", "95", "94", "98"]) + digits(7)
    return pick([f"{n[:3]} {n[3:6]} {n[6:]}", f"+34 {n[:3]} {n[3:6]} {n[6:]}", f"+34 {n[:3]} {n[3:5]} {n[5:7]} {n[7:]}",
                 f"+34{n}", n, f"{n[:3]}-{n[3:6]}-{n[6:]}", f"(+34) {n[:3]} {n[3:]}", f"0034 {n}"])


def _it():
    if chance(0.6):
        n = "3" + pick(["20", "28", "33", "35", "38", "40", "45", "47", "48", "49", "66", "88", "92"]) + digits(7)
        return pick([f"{n[:3]} {n[3:6]} {n[6:]}", f"+39 {n[:3]} {n[3:]}", f"+39 {n[:3]} {n[3:5]} {n[5:7]} {n[7:]}",
                     f"{n[:3]}/{n[3:]}", f"+39{n}", f"{n[:3]}-{n[3:]}", f"0039 {n}"])
    a = pick(["02", "06", "011", "055", "081", "051", "041", "010"])
    sub = digits(10 - len(a))
    return pick([f"{a} {sub[:4]} {sub[4:]}", f"+39 {a} {sub}", f"{a}/{sub}", f"({a}) {sub}", f"+39 {a} {sub[:4]} {sub[4:]}"])


def _nl():
    if chance(0.6):
        n = digits(8)
        return pick([f"06-{n}", f"06 {n[:4]} {n[4:]}", f"+31 6 {n[:4]} {n[4:]}", f"+31 (0)6 {n}", f"+316{n}",
                     f"06 {n[:2]} {n[2:4]} {n[4:6]} {n[6:]}", f"0031 6 {n}"])
    a = pick(["20", "10", "30", "70", "40", "50", "24"])
    sub = digits(7)
    return pick([f"0{a}-{sub[:3]} {sub[3:]}", f"+31 {a} {sub[:3]} {sub[3:]}", f"0{a} {sub}", f"(0{a}) {sub[:3]} {sub[3:]}"])


def _pl():
    n = pick(["5", "6", "7", "8"]) + digits(8) if chance(0.65) else pick(["22", "12", "61", "71", "58"]) + digits(7)
    if n[0] in "5678" and len(n) == 9 and chance(0.65):
        return pick([f"+48 {n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]}-{n[3:6]}-{n[6:]}", f"+48{n}", f"(+48) {n}"])
    return pick([f"+48 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", f"{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", f"({n[:2]}) {n[2:]}"])


def _tr():
    if chance(0.65):
        n = "5" + pick(["30", "32", "33", "35", "42", "43", "44", "05", "06", "52", "55"]) + digits(7)
    else:
        n = pick(["212", "216", "312", "232", "242"]) + digits(7)
    return pick([f"0{n[:3]} {n[3:6]} {n[6:8]} {n[8:]}", f"+90 {n[:3]} {n[3:6]} {n[6:8]} {n[8:]}", f"(0{n[:3]}) {n[3:6]} {n[6:]}",
                 f"0{n}", f"+90{n}", f"+90 ({n[:3]}) {n[3:6]} {n[6:8]} {n[8:]}", f"0 {n[:3]} {n[3:6]} {n[6:]}"])


FW = str.maketrans("0123456789-", "０１２３４５６７８９－")


def _jp():
    if chance(0.6):
        pre, a, b = pick(["90", "80", "70"]), digits(4), digits(4)
        s = pick([f"0{pre}-{a}-{b}", f"+81 {pre}-{a}-{b}", f"+81-{pre}-{a}-{b}", f"0{pre}{a}{b}", f"0{pre} {a} {b}", f"+81 {pre} {a} {b}"])
    else:
        area = pick(["3", "6", "52", "45", "92", "11", "75"])
        a, b = digits(6 - len(area)), digits(4)
        s = pick([f"0{area}-{a}-{b}", f"+81 {area}-{a}-{b}", f"(0{area}) {a}-{b}", f"0{area}-{a}{b}"])
    if chance(0.08) and s[0] == "0":
        s = s.translate(FW)
    return s


def _cn():
    if chance(0.65):
        n = "1" + pick(["38", "39", "50", "58", "86", "88", "36", "77", "99", "52"]) + digits(8)
        return pick([f"{n[:3]} {n[3:7]} {n[7:]}", n, f"+86 {n[:3]} {n[3:7]} {n[7:]}", f"+86-{n}", f"(+86) {n}",
                     f"{n[:3]}-{n[3:7]}-{n[7:]}", f"+86 {n}"])
    a = pick(["10", "21", "20", "755", "571", "28", "27"])
    sub = digits(8 if len(a) == 2 else 7)
    return pick([f"0{a}-{sub}", f"+86-{a}-{sub[:4]}-{sub[4:]}", f"(0{a}) {sub[:4]} {sub[4:]}", f"+86 {a} {sub}"])


def _in():
    if chance(0.7):
        n = pick(["9", "8", "7", "6"]) + digits(9)
        return pick([f"+91 {n[:5]} {n[5:]}", f"{n[:5]} {n[5:]}", f"0{n[:5]}-{n[5:]}", f"+91-{n}", n, f"+91{n}",
                     f"0{n}", f"+91 {n[:2]} {n[2:6]} {n[6:]}", f"(+91) {n[:5]}-{n[5:]}"])
    a = pick(["80", "22", "11", "44", "40", "33", "20"])
    sub = digits(8)
    return pick([f"0{a} {sub[:4]} {sub[4:]}", f"+91 {a} {sub[:4]} {sub[4:]}", f"0{a}-{sub}", f"+91-{a}-{sub}"])


def _br():
    ddd = pick(["11", "21", "31", "41", "51", "61", "71", "81", "85", "19", "48"])
    if chance(0.7):
        a, b = "9" + digits(4), digits(4)
    else:
        a, b = pick(["2", "3", "4"]) + digits(3), digits(4)
    return pick([f"({ddd}) {a}-{b}", f"+55 {ddd} {a}-{b}", f"+55 ({ddd}) {a}-{b}", f"{ddd} {a}-{b}", f"+55{ddd}{a}{b}",
                 f"0{ddd} {a} {b}", f"({ddd}){a}{b}"])


def _au():
    if chance(0.6):
        n = "4" + digits(8)
        return pick([f"0{n[:3]} {n[3:6]} {n[6:]}", f"+61 {n[:3]} {n[3:6]} {n[6:]}", f"+61 4{n[1:3]} {n[3:6]} {n[6:]}",
                     f"0{n}", f"04 {n[1:5]} {n[5:]}", f"+61{n}", f"(+61) {n[:3]} {n[3:6]} {n[6:]}"])
    a = pick(["2", "3", "7", "8"])
    sub = digits(8)
    return pick([f"(0{a}) {sub[:4]} {sub[4:]}", f"+61 {a} {sub[:4]} {sub[4:]}", f"0{a} {sub[:4]} {sub[4:]}", f"0{a}{sub}"])


def _misc():
    k = R.randrange(9)
    if k == 0:
        op, n = pick(["50", "52", "54", "55", "56", "58"]), digits(7)
        return pick([f"+971 {op} {n[:3]} {n[3:]}", f"0{op} {n[:3]} {n[3:]}", f"+971-{op}-{n}", f"+971 4 {n[:3]} {n[3:]}"])
    if k == 1:
        op, n = pick(["50", "53", "54", "55", "56", "59"]), digits(7)
        return pick([f"+966 {op} {n[:3]} {n[3:]}", f"0{op} {n[:3]} {n[3:]}", f"+966{op}{n}", f"00966 {op} {n}"])
    if k == 2:
        n = digits(8)
        return pick([f"+52 55 {n[:4]} {n[4:]}", f"55 {n[:4]} {n[4:]}", f"+52 (55) {n[:4]}-{n[4:]}", f"+52 33 {n[:4]} {n[4:]}", f"+52 1 81 {n[:4]} {n[4:]}"])
    if k == 3:
        op, n = pick(["83", "85", "86", "87", "89"]), digits(7)
        return pick([f"0{op} {n[:3]} {n[3:]}", f"+353 {op} {n[:3]} {n[3:]}", f"+353 (0){op} {n}", f"(01) {n[:3]} {n[3:]}", f"+353 1 {n[:3]} {n[3:]}"])
    if k == 4:
        op, n = pick(["76", "77", "78", "79"]), digits(7)
        return pick([f"0{op} {n[:3]} {n[3:5]} {n[5:]}", f"+41 {op} {n[:3]} {n[3:5]} {n[5:]}", f"+41 44 {n[:3]} {n[3:5]} {n[5:]}", f"0041 {op} {n}"])
    if k == 5:
        a, b = digits(4), digits(4)
        return pick([f"010-{a}-{b}", f"+82 10-{a}-{b}", f"+82 10 {a} {b}", f"02-{a[:3]}-{b}", f"010{a}{b}"])
    if k == 6:
        op, n = pick(["803", "806", "813", "816", "703", "706", "905", "809"]), digits(7)
        return pick([f"0{op} {n[:3]} {n[3:]}", f"+234 {op} {n[:3]} {n[3:]}", f"+234{op}{n}", f"0{op}-{n[:3]}-{n[3:]}"])
    if k == 7:
        op, n = pick(["82", "83", "72", "73", "84", "71", "60"]), digits(7)
        return pick([f"0{op} {n[:3]} {n[3:]}", f"+27 {op} {n[:3]} {n[3:]}", f"+27{op}{n}", f"(0{op}) {n[:3]}-{n[3:]}"])
    a, b = pick(["8", "9"]) + digits(3), digits(4)
    return pick([f"+65 {a} {b}", f"{a} {b}", f"+65{a}{b}", f"(+65) {a}-{b}"])


PHONE_BY = {"us": _nanp, "ca": _nanp, "gb": _uk, "de": _de, "fr": _fr, "es": _es, "it": _it, "nl": _nl, "pl": _pl,
            "tr": _tr, "ja": _jp, "zh": _cn, "in": _in, "hi": _in, "br": _br, "pt": _br, "au": _au, "x": _misc,
            "en": lambda: pick([_nanp, _nanp, _uk, _au, _in, _misc])()}


def phone(cc=None):
    cc = cc or pick(["us"] * 5 + ["gb"] * 3 + ["de", "fr", "es", "it", "nl", "pl", "tr", "ja", "zh", "in", "in", "br", "au", "x", "x", "x"])
    return PHONE_BY[cc]()


# --------------------------------------------------------------------------
# Payment cards: IIN ranges and lengths per network, Luhn check digit.
# --------------------------------------------------------------------------
def luhn_digit(body):
    tot = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        tot += d
    return str((10 - tot % 10) % 10)


def luhn_ok(s):
    s = re.sub(r"\D", "", s)
    return luhn_digit(s[:-1]) == s[-1]


CARD_NETS = [
    ("Visa", lambda: "4", [16, 16, 16, 16, 13, 19]),
    ("Mastercard", lambda: str(R.randint(51, 55)), [16]),
    ("Mastercard", lambda: str(R.randint(2221, 2720)), [16]),
    ("American Express", lambda: pick(["34", "37"]), [15]),
    ("Discover", lambda: pick(["6011", str(R.randint(644, 649)), "65"]), [16, 16, 19]),
    ("JCB", lambda: str(R.randint(3528, 3589)), [16, 16, 19]),
    ("Maestro", lambda: pick(["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"]), [12, 13, 15, 16, 18, 19]),
    ("UnionPay", lambda: "62" + pick(["2", "4", "5", "8"]), [16, 17, 18, 19]),
    ("Diners Club", lambda: pick(["36", str(R.randint(300, 305)), "38", "39"]), [14]),
    ("Mir", lambda: str(R.randint(2200, 2204)), [16]),
]


def card(net=None):
    """(network, written number)."""
    nets = [n for n in CARD_NETS if net is None or n[0] == net]
    name, pre, lengths = pick(nets)
    p = pre()
    n = R.choice(lengths)
    body = p + digits(n - len(p) - 1)
    num_ = body + luhn_digit(body)
    style = pick(["space", "space", "plain", "dash", "plain"])
    if style == "plain":
        return name, num_
    sep = " " if style == "space" else "-"
    if n == 15:
        groups = [num_[:4], num_[4:10], num_[10:]]
    elif n == 14:
        groups = [num_[:4], num_[4:10], num_[10:]]
    else:
        groups = [num_[i:i + 4] for i in range(0, n, 4)]
    return name, sep.join(groups)


# --------------------------------------------------------------------------
# IBAN: ISO 13616 registry BBAN layouts and lengths, ISO 7064 mod 97-10.
# --------------------------------------------------------------------------
IBAN_BBAN = {
    "AD": "4n4n12c", "AE": "3n16n", "AL": "8n16c", "AT": "5n11n", "AZ": "4a20c", "BA": "3n3n8n2n", "BE": "3n7n2n",
    "BG": "4a4n2n8c", "BH": "4a14c", "BR": "8n5n10n1a1c", "CH": "5n12c", "CY": "3n5n16c", "CZ": "4n6n10n",
    "DE": "8n10n", "DK": "4n9n1n", "EE": "2n2n11n1n", "EG": "4n4n17n", "ES": "4n4n1n1n10n", "FI": "3n11n",
    "FO": "4n9n1n", "FR": "5n5n11c2n", "GB": "4a6n8n", "GE": "2a16n", "GI": "4a15c", "GL": "4n9n1n", "GR": "3n4n16c",
    "HR": "7n10n", "HU": "3n4n1n15n1n", "IE": "4a6n8n", "IL": "3n3n13n", "IS": "4n2n6n10n", "IT": "1a5n5n12c",
    "JO": "4a4n18c", "KW": "4a22c", "KZ": "3n13c", "LI": "5n12c", "LT": "5n11n", "LU": "3n13c", "LV": "4a13c",
    "MC": "5n5n11c2n", "ME": "3n13n2n", "MK": "3n10c2n", "MT": "4a5n18c", "MU": "4a2n2n12n3n3a", "NL": "4a10n",
    "NO": "4n6n1n", "PK": "4a16c", "PL": "8n16n", "PS": "4a21c", "PT": "4n4n11n2n", "QA": "4a21c", "RO": "4a16c",
    "RS": "3n13n2n", "SA": "2n18c", "SE": "3n16n1n", "SI": "5n8n2n", "SK": "4n6n10n", "SM": "1a5n5n12c",
    "TN": "2n3n13n2n", "TR": "5n1n16c", "UA": "6n19c", "XK": "4n10n2n",
}
IBAN_LEN = {"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21,
            "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22,
            "GE": 22, "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
            "KW": 30, "KZ": 20, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "ME": 22, "MK": 19, "MT": 31, "MU": 30,
            "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24,
            "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "XK": 20}
BANK_CODES = {"GB": ["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "MONZ"], "IE": ["AIBK", "BOFI", "IPBS"], "NL": ["ABNA", "INGB", "RABO", "TRIO", "SNSB", "BUNQ"],
              "RO": ["BTRL", "RNCB", "BRDE"], "LV": ["HABA", "PARX"], "BG": ["BNBG", "UNCR"]}


def iban_check(cc, bban):
    s = bban + cc + "00"
    n = int("".join(str(int(ch, 36)) for ch in s))
    return f"{98 - n % 97:02d}"


def iban_ok(s):
    s = re.sub(r"\s", "", s).upper()
    if len(s) != IBAN_LEN.get(s[:2], -1):
        return False
    r = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in r)) % 97 == 1


def iban(cc=None, style=None):
    cc = cc or pick(["DE", "DE", "FR", "ES", "IT", "NL", "GB", "BE", "AT", "CH", "PL", "PT", "IE"] + sorted(IBAN_BBAN))
    bban = ""
    for cnt, kind in re.findall(r"(\d+)([nac])", IBAN_BBAN[cc]):
        cnt = int(cnt)
        if kind == "a" and not bban and cc in BANK_CODES and cnt == 4:
            bban += pick(BANK_CODES[cc])
        elif kind == "n":
            bban += digits(cnt)
        elif kind == "a":
            bban += "".join(pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(cnt))
        else:
            bban += "".join(pick("ABCDEFGHJKLMNPRSTUVWXYZ") if chance(0.12) else str(R.randrange(10)) for _ in range(cnt))
    s = cc + iban_check(cc, bban) + bban
    assert len(s) == IBAN_LEN[cc] and iban_ok(s), s
    style = style or pick(["plain", "grouped", "grouped", "grouped", "lower", "lowergrouped", "plain"])
    if "grouped" in style:
        s = " ".join(s[i:i + 4] for i in range(0, len(s), 4))
    if "lower" in style:
        s = s.lower()
    return s


# --------------------------------------------------------------------------
# SSN (SSA rules since 2011: area 001-899 except 666, group 01-99, serial 0001-9999).
# --------------------------------------------------------------------------
def ssn(style=None):
    a = R.randint(1, 899)
    while a == 666:
        a = R.randint(1, 899)
    g, s = R.randint(1, 99), R.randint(1, 9999)
    style = style or pick(["dash", "dash", "dash", "plain", "space"])
    return {"dash": f"{a:03d}-{g:02d}-{s:04d}", "plain": f"{a:03d}{g:02d}{s:04d}", "space": f"{a:03d} {g:02d} {s:04d}"}[style]


def ssn_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 9 and d[:3] not in ("000", "666") and d[0] != "9" and d[3:5] != "00" and d[5:] != "0000"


# --------------------------------------------------------------------------
# IP addresses.
# --------------------------------------------------------------------------
def ipv4(private=None):
    private = chance(0.25) if private is None else private
    if private:
        return pick([f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
                     f"192.168.{R.randint(0, 255)}.{R.randint(1, 254)}", f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}"])
    while True:
        a = R.randint(1, 223)
        if a not in (10, 127, 169, 172, 192, 100, 0):
            return f"{a}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"


def ipv6():
    pre = pick(["2001:db8", "2a02:8108", "2600:1700", "2a01:4f8", "2001:470", "2604:a880", "2a00:1450", "2406:da18", "fe80:"])
    groups = [f"{R.randint(0, 0xffff):x}" for _ in range(8 - pre.count(":") - 1)]
    if pre == "fe80:":
        addr = "fe80::" + ":".join(groups[-4:])
    else:
        full = pre.split(":") + groups
        k = R.randrange(5)
        if k == 0:  # full, zero padded
            addr = ":".join(g.zfill(4) for g in full)
        elif k == 1:
            addr = ":".join(full)
        elif k == 2:
            addr = ":".join(full[:3]) + "::" + ":".join(full[-2:])
        elif k == 3:
            addr = f"::ffff:{ipv4(False)}"
        else:
            addr = ":".join(full[:2]) + "::" + full[-1]
    if chance(0.2):
        addr = addr.upper()
    ipaddress.ip_address(addr)
    return addr


def ip():
    return ipv6() if chance(0.3) else ipv4()


# --------------------------------------------------------------------------
# E-mail.
# --------------------------------------------------------------------------
FREEMAIL = ["gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.fr", "web.de", "gmx.net", "icloud.com", "proton.me",
            "libero.it", "wp.pl", "naver.com", "qq.com", "163.com", "yandex.ru", "rediffmail.com", "uol.com.br",
            "orange.fr", "t-online.de", "fastmail.com", "hey.com", "seznam.cz", "ziggo.nl", "bigpond.com", "yahoo.co.jp"]
WORKDOM = ["northwind-logistics.com", "brightpath.io", "kestrel-analytics.de", "lumenhealth.org", "acmefin.co.uk",
           "mail.uni-heidelberg.de", "student.tudelft.nl", "cs.stanford.edu", "ox.ac.uk", "hq.tidewater.com.au",
           "ventura-seguros.es", "studio-mirabel.fr", "tecnoservizi.it", "bluefin.co", "quantaware.dev",
           "harborline-realty.com", "greenleaf.app", "paxton-hr.co", "meridian-air.aero", "telcoplus.net.au"]


def email(p=None, work=False):
    h = p.handle() if p else pick(["ops", "j.doe", "kiki", "mr.blue", "traveller", "plantlover", "zz.top", "a.b.c"]) + digits(R.randint(0, 3))
    dom = pick(WORKDOM if work or chance(0.35) else FREEMAIL)
    e = f"{h}@{dom}"
    k = R.random()
    if k < 0.06:
        e = e.upper()
    elif k < 0.12:
        e = e[0].upper() + e[1:]
    return e


# --------------------------------------------------------------------------
# Dates and ages.
# --------------------------------------------------------------------------
MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split(),
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split(),
    "nl": "januari februari maart april mei juni juli augustus september oktober november december".split(),
    "pl": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia".split(),
    "tr": "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık".split(),
}


def ymd(lo=1938, hi=2006):
    y = R.randint(lo, hi)
    m = R.randint(1, 12)
    d = R.randint(1, 28 if m == 2 else (30 if m in (4, 6, 9, 11) else 31))
    return y, m, d


def date_str(y, m, d, lang="en", style=None):
    if lang in ("ja", "zh"):
        return pick([f"{y}年{m}月{d}日", f"{y}/{m:02d}/{d:02d}", f"{y}-{m:02d}-{d:02d}", f"{y}.{m}.{d}"])
    if lang == "ko":
        return pick([f"{y}년 {m}월 {d}일", f"{y}.{m:02d}.{d:02d}"])
    if lang in ("ar", "hi"):
        return pick([f"{d:02d}/{m:02d}/{y}", f"{y}/{m:02d}/{d:02d}", f"{d}-{m}-{y}", f"{y}-{m:02d}-{d:02d}"])
    mon = MONTHS.get(lang, MONTHS["en"])[m - 1]
    if lang == "en":
        opts = [f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}", f"{d:02d}/{m:02d}/{y}", f"{mon} {d}, {y}", f"{d} {mon} {y}",
                f"{d} {mon[:3]} {y}", f"{mon[:3]}. {d}, {y}", f"{m}/{d}/{str(y)[2:]}", f"{d:02d}-{mon[:3].upper()}-{y}",
                f"{d}{_th(d)} {mon} {y}", f"{y}{m:02d}{d:02d}", f"{d:02d}.{m:02d}.{y}"]
    elif lang == "de":
        opts = [f"{d:02d}.{m:02d}.{y}", f"{d}. {mon} {y}", f"{d}.{m}.{y}", f"{y}-{m:02d}-{d:02d}"]
    elif lang == "fr":
        opts = [f"{d:02d}/{m:02d}/{y}", f"{'1er' if d == 1 else d} {mon} {y}", f"{d:02d}.{m:02d}.{y}"]
    elif lang in ("es", "pt"):
        opts = [f"{d:02d}/{m:02d}/{y}", f"{d} de {mon} de {y}", f"{d:02d}-{m:02d}-{y}"]
    elif lang == "it":
        opts = [f"{d:02d}/{m:02d}/{y}", f"{d} {mon} {y}", f"{d:02d}.{m:02d}.{y}"]
    elif lang == "nl":
        opts = [f"{d:02d}-{m:02d}-{y}", f"{d} {mon} {y}", f"{d:02d}/{m:02d}/{y}"]
    elif lang == "pl":
        opts = [f"{d:02d}.{m:02d}.{y}", f"{d} {mon} {y}", f"{d} {mon} {y} r."]
    elif lang == "tr":
        opts = [f"{d:02d}.{m:02d}.{y}", f"{d} {mon} {y}", f"{d:02d}/{m:02d}/{y}"]
    else:
        opts = [f"{y}-{m:02d}-{d:02d}"]
    return opts[style] if isinstance(style, int) else pick(opts)


def _th(d):
    return "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")


def dob(lang="en"):
    return date_str(*ymd(), lang=lang)


def other_date(lang="en"):
    return date_str(*ymd(2023, 2026), lang=lang)


def age():
    return str(pick([R.randint(18, 45), R.randint(18, 45), R.randint(46, 89), R.randint(2, 17)]))


# --------------------------------------------------------------------------
# Identifiers (national ID checksums implemented from their public rules).
# --------------------------------------------------------------------------
ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _dni():
    n = R.randint(10_000_000, 99_999_999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"


def _nie():
    k = R.randrange(3)
    n = R.randint(1_000_000, 9_999_999)
    return f"{'XYZ'[k]}{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[int(str(k) + str(n)) % 23]}"


def _bsn():
    while True:
        d = [R.randint(1, 9)] + [R.randrange(10) for _ in range(7)]
        r = sum(x * (9 - i) for i, x in enumerate(d)) % 11
        if r < 10:
            return "".join(map(str, d)) + str(r)


def _pesel():
    y, m, d = ymd(1950, 2005)
    mm = m + (20 if y >= 2000 else 0)
    body = f"{y % 100:02d}{mm:02d}{d:02d}{digits(4)}"
    w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    return body + str((10 - sum(int(c) * w[i] for i, c in enumerate(body)) % 10) % 10)


def _tckn():
    d = [R.randint(1, 9)] + [R.randrange(10) for _ in range(8)]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    d.append(d10)
    d.append(sum(d) % 10)
    return "".join(map(str, d))


def _cpf():
    d = [R.randrange(10) for _ in range(9)]
    for k in (10, 11):
        s = sum(x * (k - i) for i, x in enumerate(d))
        d.append((s * 10 % 11) % 10)
    s = "".join(map(str, d))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}" if chance(0.8) else s


def _cn_ric():
    y, m, d = ymd(1955, 2004)
    body = pick(["110101", "310104", "440305", "330106", "510107", "420102"]) + f"{y}{m:02d}{d:02d}" + digits(3)
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w[i] for i, c in enumerate(body)) % 11]


_VD = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
       [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
       [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
       [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1], [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
_VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def _aadhaar():
    body = str(R.randint(2, 9)) + digits(10)
    c = 0
    for i, ch in enumerate(reversed(body)):
        c = _VD[c][_VP[(i + 1) % 8][int(ch)]]
    s = body + str(_VINV[c])
    return f"{s[:4]} {s[4:8]} {s[8:]}" if chance(0.7) else s


def _nhs():
    while True:
        d = digits(9)
        r = 11 - sum(int(c) * (10 - i) for i, c in enumerate(d)) % 11
        if r == 10:
            continue
        s = d + str(0 if r == 11 else r)
        return f"{s[:3]} {s[3:6]} {s[6:]}" if chance(0.7) else s


def _sin():
    body = pick("1234567") + digits(7)
    s = body + luhn_digit(body)
    return f"{s[:3]} {s[3:6]} {s[6:]}" if chance(0.6) else f"{s[:3]}-{s[3:6]}-{s[6:]}"


def _nino():
    a = pick("ABCEGHJKLMNPRSTWXYZ")
    b = pick("ABCEGHJKLMNPRSTWXYZ")
    while a + b in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
        b = pick("ABCEGHJKLMNPRSTWXYZ")
    d = digits(6)
    return pick([f"{a}{b}{d}{pick('ABCD')}", f"{a}{b} {d[:2]} {d[2:4]} {d[4:]} {pick('ABCD')}"])


def _pan():
    return "".join(pick("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3)) + "P" + pick("ABCDEGHKLMNPRSTVY") + digits(4) + pick("ABCDEFGHJKLMNPRSTUVWXYZ")


def _codfis():
    L = "ABCDEFGHILMNOPRSTUVZ"
    return ("".join(pick(L) for _ in range(6)) + digits(2) + pick("ABCDEHLMPRST") + f"{R.randint(1, 71):02d}"
            + pick("ABCDEFGHILM") + digits(3) + pick(L))


def _pnr():
    return "".join(pick(ALNUM) for _ in range(6))


ID_KINDS = {
    # kind: (English labels, value generator)
    "booking": (["booking ref", "booking reference", "PNR", "confirmation code", "record locator", "reservation"], _pnr),
    "eticket": (["e-ticket", "ticket number", "ETKT"], lambda: pick(["176", "125", "220", "057", "081", "016", "618"]) + pick(["-", "", " "]) + digits(10)),
    "ff": (["frequent flyer no.", "Miles number", "loyalty number", "FF#"], lambda: pick([digits(9), "EK" + digits(9), digits(3) + " " + digits(3) + " " + digits(3), "BA" + digits(8)])),
    "order": (["order", "order #", "order number", "Order ID"], lambda: pick([f"{digits(3)}-{digits(7)}-{digits(7)}", "#" + digits(R.randint(4, 7)),
                                                                            f"ORD-{R.randint(2022, 2025)}-{digits(6)}", f"W{digits(9)}", f"{pick(ALNUM)}{pick(ALNUM)}-{digits(5)}"])),
    "customer": (["customer ID", "customer no.", "client number", "CID", "member ID"], lambda: pick([f"CUST-{digits(5)}", f"C{digits(7)}", "cus_" + "".join(pick("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(14)),
                                                                                                 f"{digits(3)}-{digits(3)}-{digits(3)}", f"KD-{digits(6)}"])),
    "account": (["account number", "acct", "account no.", "A/C"], lambda: pick([digits(8), digits(10), f"{digits(4)} {digits(4)} {digits(4)}", f"ACC-{digits(4)}-{digits(4)}", digits(12)])),
    "employee": (["employee ID", "staff number", "personnel no.", "EMP ID"], lambda: pick([f"EMP-{digits(5)}", f"E{digits(6)}", f"{digits(2)}-{digits(4)}", f"PN{digits(5)}"])),
    "mrn": (["MRN", "medical record number", "patient ID", "chart #"], lambda: pick([digits(8), f"{digits(4)}-{digits(3)}", f"MRN{digits(7)}", f"{pick('ABCDEFGH')}{digits(7)}"])),
    "insurance": (["member ID", "policy number", "insurance ID", "subscriber ID"], lambda: pick([f"{pick('WXYZ')}{digits(9)}", "".join(pick("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3)) + digits(9), f"POL-{digits(2)}-{digits(6)}"])),
    "claim": (["claim number", "claim ref"], lambda: f"CLM-{R.randint(2022, 2025)}-{digits(6)}"),
    "payment": (["transaction ID", "payment reference", "txn", "payment ID"], lambda: pick([f"TXN{digits(12)}", "pi_" + "".join(pick("abcdefghijkmnpqrstuvwxyz0123456789ABCDEFGH") for _ in range(16)), f"PAY-{digits(4)}-{digits(6)}"])),
    "passport": (["passport number", "passport no.", "passport"], lambda: pick([digits(9), pick("ACEH") + digits(8), "C" + "".join(pick("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8)),
                                                                              digits(2) + pick(["AB", "CK", "FR", "XT"]) + digits(5), pick("KLMNPRSTZ") + digits(7), "E" + digits(8), "TK" + digits(7)])),
    "license": (["driver's license", "driving licence number", "DL#", "licence no."], lambda: pick([pick("ABDFGKNSW") + digits(7), "".join(pick("ABCDEFGHJKLMNPRSTW") for _ in range(5)) + digits(6) + "".join(pick("ABCDEFGHJK") for _ in range(2)) + digits(1) + "".join(pick("ABCDEFGHJK") for _ in range(2)),
                                                                                               f"{pick('ABCDEFGHJKLMNPRSTW')}{digits(3)}-{digits(3)}-{digits(2)}-{digits(3)}-{digits(1)}", f"{digits(3)} {digits(3)} {digits(3)}"])),
    "user": (["user ID", "uid", "user_id", "account ID"], lambda: pick([f"u_{''.join(pick('abcdefghijkmnpqrstuvwxyz0123456789') for _ in range(8))}", digits(7), f"usr-{digits(6)}", f"U{digits(8)}"])),
    "tax": (["tax ID", "TIN", "Steuer-ID", "UTR"], lambda: pick([digits(11), digits(10), f"{digits(2)} {digits(3)} {digits(3)} {digits(3)}"])),
    "nhs": (["NHS number"], _nhs), "sin": (["SIN"], _sin), "nino": (["National Insurance number", "NI number", "NINO"], _nino),
    "dni": (["DNI"], _dni), "nie": (["NIE"], _nie), "bsn": (["BSN"], _bsn), "pesel": (["PESEL"], _pesel),
    "tckn": (["TC Kimlik No", "T.C. kimlik numarası"], _tckn), "cpf": (["CPF"], _cpf), "ric": (["身份证号", "ID card no."], _cn_ric),
    "aadhaar": (["Aadhaar", "Aadhaar no."], _aadhaar), "pan": (["PAN"], _pan), "codfis": (["codice fiscale", "CF"], _codfis),
    "mynumber": (["マイナンバー", "My Number"], lambda: f"{digits(4)} {digits(4)} {digits(4)}"),
}


def idv(kind=None):
    """(label, value)"""
    kind = kind or pick(["booking", "order", "order", "customer", "customer", "account", "employee", "mrn", "insurance",
                         "payment", "passport", "license", "user", "tax", "eticket", "ff", "claim", "nhs", "sin", "nino"])
    labels, gen = ID_KINDS[kind]
    return pick(labels), gen()


# --------------------------------------------------------------------------
# Postal addresses: own street lists, real cities with their postcode ranges.
# addr(cc) -> dict(line1, line2, city, postcode, region, country, cityline)
# --------------------------------------------------------------------------
def _n(lo=1, hi=199):
    return str(R.randint(lo, hi))


def _uk_inward():
    return f"{R.randint(1, 9)}{pick('ABDEFGHJLNPQRSTUWXYZ')}{pick('ABDEFGHJLNPQRSTUWXYZ')}"


def addr(cc=None):
    cc = cc or pick(["us"] * 5 + ["gb"] * 3 + ["de", "de", "fr", "fr", "es", "it", "nl", "pl", "pt", "br", "tr", "ja",
                                                "zh", "in", "in", "au", "ca", "ie", "ae", "mx", "ko"])
    a = {"line2": None, "region": None, "cc": cc}
    if cc == "us":
        city, st, z = pick([("Austin", "TX", "787"), ("Portland", "OR", "972"), ("Denver", "CO", "802"), ("Columbus", "OH", "432"),
                            ("Raleigh", "NC", "276"), ("Tucson", "AZ", "857"), ("Madison", "WI", "537"), ("Boise", "ID", "837"),
                            ("Savannah", "GA", "314"), ("Brooklyn", "NY", "112"), ("San Jose", "CA", "951"), ("Charlotte", "NC", "282"),
                            ("Jackson", "MS", "392"), ("Springfield", "IL", "627"), ("Burlington", "VT", "054"), ("Ann Arbor", "MI", "481"),
                            ("Omaha", "NE", "681"), ("Spokane", "WA", "992"), ("Chicago", "IL", "606"), ("Oakland", "CA", "946")])
        street = pick(["Maple Avenue", "Elm Street", "Mission Street", "Peachtree Road NE", "Lakeshore Drive", "Magnolia Lane",
                       "Old Country Road", "Cedar Ct", "Harbor View Dr", "N Michigan Ave", "W 34th St", "SE Hawthorne Blvd",
                       "Congress Ave", "Bleecker St", "Larkin Street", "Pine Ridge Rd", "Willow Bend Dr", "E Colfax Ave",
                       "Grand River Ave", "County Road 12"])
        if chance(0.08):
            a["line1"] = f"PO Box {R.randint(10, 9999)}"
        else:
            a["line1"] = f"{R.randint(1, 19999)} {street}"
            if chance(0.35):
                a["line2"] = pick([f"Apt {R.randint(1, 40)}{pick('ABCDEF')}", f"Unit {R.randint(1, 300)}", f"Suite {R.randint(100, 2400)}", f"#{R.randint(1, 30)}{pick('ABCDF')}"])
        a["city"], a["region"] = city, st
        a["postcode"] = z + digits(2) + (f"-{digits(4)}" if chance(0.15) else "")
        a["cityline"] = f"{city}, {st} {a['postcode']}"
        a["country"] = "USA"
    elif cc == "gb":
        town, out = pick([("Bristol", "BS7"), ("Harrogate", "HG1"), ("Leeds", "LS6"), ("Edinburgh", "EH3"), ("Cardiff", "CF10"),
                          ("London", "SW11"), ("London", "N16"), ("London", "E8"), ("Birmingham", "B15"), ("Glasgow", "G12"),
                          ("Belfast", "BT9"), ("Oxford", "OX2"), ("Manchester", "M14"), ("York", "YO10"), ("Norwich", "NR2")])
        street = pick(["Kingsley Road", "Chapel Lane", "Victoria Street", "Albert Terrace", "Mill Lane", "Station Road",
                       "Queen's Drive", "Hollybush Close", "Wellington Crescent", "Church View", "Cromwell Gardens", "The Paddocks"])
        a["line1"] = f"{R.randint(1, 240)} {street}"
        if chance(0.3):
            a["line2"], a["line1"] = a["line1"], pick([f"Flat {R.randint(1, 30)}", f"Flat {R.randint(1, 9)}{pick('ABC')}", f"{pick(['Rose', 'Ivy', 'Orchard', 'Beech'])} Cottage"])
        a["city"], a["postcode"] = town, f"{out} {_uk_inward()}"
        a["cityline"] = f"{town} {a['postcode']}" if chance(0.5) else f"{town}, {a['postcode']}"
        a["country"] = "UK"
    elif cc == "de":
        plz, ort = pick([("10969", "Berlin"), ("10437", "Berlin"), ("80331", "München"), ("01067", "Dresden"), ("70173", "Stuttgart"),
                         ("50667", "Köln"), ("20095", "Hamburg"), ("60311", "Frankfurt am Main"), ("04109", "Leipzig"),
                         ("28195", "Bremen"), ("90402", "Nürnberg"), ("69117", "Heidelberg")])
        street = pick(["Lindenstraße", "Hauptstr.", "Am Kirchberg", "Schillerplatz", "Bahnhofstraße", "Goethestr.", "Kastanienallee",
                       "Friedrich-Ebert-Str.", "Im Winkel", "Rosenweg", "Sonnenallee", "Königsallee"])
        a["line1"] = f"{street} {R.randint(1, 140)}{pick(['', '', '', 'a', 'b'])}"
        if chance(0.15):
            a["line2"] = pick(["Hinterhaus", "3. OG links", f"c/o {pick(['Weber', 'Schulz', 'Fischer'])}", "Aufgang B"])
        a["city"], a["postcode"], a["cityline"], a["country"] = ort, plz, f"{plz} {ort}", "Deutschland"
    elif cc == "fr":
        cp, ville = pick([("75011", "Paris"), ("75018", "Paris"), ("69007", "Lyon"), ("13012", "Marseille"), ("33000", "Bordeaux"),
                          ("31000", "Toulouse"), ("44000", "Nantes"), ("67000", "Strasbourg"), ("59800", "Lille"), ("06000", "Nice"), ("35000", "Rennes")])
        street = pick(["rue des Lilas", "avenue Jean Jaurès", "boulevard Voltaire", "rue de la République", "chemin de la Colline",
                       "impasse des Tilleuls", "place du Marché", "allée des Acacias", "quai de la Loire", "rue Sainte-Catherine"])
        a["line1"] = f"{R.randint(1, 180)}{pick(['', '', '', ' bis', ' ter'])} {street}"
        if chance(0.25):
            a["line2"] = pick(["Bât. B", "Résidence Les Pins, Bât. C", "Appt 42", "3e étage, porte gauche"])
        a["city"], a["postcode"], a["cityline"], a["country"] = ville, cp, f"{cp} {ville}", "France"
    elif cc == "es":
        cp, ciudad = pick([("28009", "Madrid"), ("28013", "Madrid"), ("08008", "Barcelona"), ("41004", "Sevilla"), ("29015", "Málaga"),
                           ("46002", "Valencia"), ("48001", "Bilbao"), ("15704", "Santiago de Compostela"), ("50001", "Zaragoza")])
        street = pick(["Calle de Alcalá", "Carrer de Mallorca", "Avda. de la Constitución", "Calle Mayor", "Paseo de Gracia",
                       "Calle Larios", "Gran Vía", "Calle del Pez", "Rúa do Franco", "Avenida de Burgos"])
        a["line1"] = f"{street}{pick([' ', ', '])}{R.randint(1, 220)}" + pick(["", f", {R.randint(1, 9)}º {pick('ABCD')}", f", {R.randint(1, 6)}º izq.", ", bajo"])
        a["city"], a["postcode"], a["cityline"], a["country"] = ciudad, cp, f"{cp} {ciudad}", "España"
    elif cc == "it":
        cap, citta, pr = pick([("10122", "Torino", "TO"), ("20124", "Milano", "MI"), ("00186", "Roma", "RM"), ("80134", "Napoli", "NA"),
                               ("50124", "Firenze", "FI"), ("40126", "Bologna", "BO"), ("30121", "Venezia", "VE"), ("90133", "Palermo", "PA")])
        street = pick(["Via Giuseppe Garibaldi", "Corso Buenos Aires", "Piazza Navona", "Via Roma", "Viale dei Mille", "Via della Spiga",
                       "Via Toledo", "Borgo San Frediano", "Vicolo del Pozzo", "Lungarno Corsini"])
        a["line1"] = f"{street}{pick([' ', ', '])}{R.randint(1, 160)}{pick(['', '', '/A', ' int. 5'])}"
        a["city"], a["postcode"], a["region"], a["cityline"], a["country"] = citta, cap, pr, f"{cap} {citta} {pr}" if chance(0.6) else f"{cap} {citta} ({pr})", "Italia"
    elif cc == "nl":
        pc4, plaats = pick([(R.randint(1011, 1109), "Amsterdam"), (R.randint(3511, 3585), "Utrecht"), (R.randint(2511, 2597), "Den Haag"),
                            (R.randint(3011, 3089), "Rotterdam"), (R.randint(9711, 9747), "Groningen"), (R.randint(5611, 5658), "Eindhoven"), (R.randint(2311, 2334), "Leiden")])
        street = pick(["Prinsengracht", "Oudegracht", "Keizersgracht", "Lange Voorhout", "Witte de Withstraat", "Vismarkt", "Stationsweg", "Dorpsstraat"])
        a["line1"] = f"{street} {R.randint(1, 400)}{pick(['', '', '-1', '-II', ' A', 'hs'])}"
        pc = f"{pc4} {pick('ABCDEGHJKLMNPRTVWXZ')}{pick('ABCDEGHJKLMNPRTVWXZ')}"
        a["city"], a["postcode"], a["cityline"], a["country"] = plaats, pc, f"{pc} {plaats}" if chance(0.7) else f"{pc.replace(' ', '')} {plaats.upper()}", "Nederland"
    elif cc == "pl":
        kod, miasto = pick([("00-514", "Warszawa"), ("02-001", "Warszawa"), ("31-019", "Kraków"), ("90-001", "Łódź"), ("80-831", "Gdańsk"),
                            ("50-077", "Wrocław"), ("61-001", "Poznań")])
        street = pick(["ul. Marszałkowska", "ul. Floriańska", "al. Jerozolimskie", "ul. Piotrkowska", "ul. Długa", "ul. Świętojańska", "os. Tysiąclecia"])
        a["line1"] = f"{street} {R.randint(1, 150)}" + pick(["", f"/{R.randint(1, 60)}", f" m. {R.randint(1, 60)}", f" lok. {R.randint(1, 20)}"])
        a["city"], a["postcode"], a["cityline"], a["country"] = miasto, kod, f"{kod} {miasto}", "Polska"
    elif cc == "pt":
        cp, loc = pick([("1100-053", "Lisboa"), ("1250-096", "Lisboa"), ("4000-443", "Porto"), ("3000-123", "Coimbra"), ("8000-312", "Faro")])
        street = pick(["Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Travessa do Carmo", "Rua das Flores", "Largo do Rato"])
        a["line1"] = f"{street}, {R.randint(1, 300)}" + pick(["", f", {R.randint(1, 8)}.º Esq.", f", {R.randint(1, 8)}.º Dto.", " r/c"])
        a["city"], a["postcode"], a["cityline"], a["country"] = loc, cp, f"{cp} {loc}", "Portugal"
    elif cc == "br":
        cidade, uf, cep_pre, bairro = pick([("São Paulo", "SP", "01310", "Bela Vista"), ("Rio de Janeiro", "RJ", "22410", "Ipanema"),
                                            ("Belo Horizonte", "MG", "30130", "Centro"), ("Recife", "PE", "50050", "Boa Vista"),
                                            ("Curitiba", "PR", "80010", "Centro"), ("Porto Alegre", "RS", "90010", "Centro Histórico")])
        street = pick(["Av. Paulista", "Rua Oscar Freire", "Rua Visconde de Pirajá", "Av. Afonso Pena", "Rua da Aurora", "Rua XV de Novembro"])
        a["line1"] = f"{street}, {R.randint(10, 3000)}" + pick(["", f", apto {R.randint(11, 1804)}", f" - sala {R.randint(1, 40)}", " - casa 2"])
        a["line2"] = bairro
        cep = f"{cep_pre}-{digits(3)}"
        a["city"], a["postcode"], a["region"], a["cityline"], a["country"] = cidade, cep, uf, f"{cidade} - {uf}, {cep}", "Brasil"
    elif cc == "tr":
        pk, ilce, il = pick([("34710", "Kadıköy", "İstanbul"), ("34367", "Şişli", "İstanbul"), ("06680", "Çankaya", "Ankara"),
                             ("35220", "Konak", "İzmir"), ("07100", "Muratpaşa", "Antalya")])
        a["line1"] = f"{pick(['Caferağa Mah.', 'Moda Mah.', 'Kızılay Mah.', 'Alsancak Mah.'])} {pick(['Moda Cad.', 'Atatürk Bulvarı', 'Kordon Boyu Sok.', 'Bahariye Cad.'])} No:{R.randint(1, 200)} D:{R.randint(1, 30)}"
        a["city"], a["postcode"], a["cityline"], a["country"] = il, pk, f"{pk} {ilce}/{il}", "Türkiye"
    elif cc == "ja":
        zipc = f"{R.randint(100, 999)}-{digits(4)}"
        if chance(0.6):
            pref = pick(["東京都渋谷区道玄坂", "大阪府大阪市北区梅田", "北海道札幌市中央区大通西", "京都府京都市中京区河原町", "神奈川県横浜市西区みなとみらい", "福岡県福岡市博多区博多駅前"])
            full = f"〒{zipc} {pref}{R.randint(1, 9)}-{R.randint(1, 30)}-{R.randint(1, 20)}" + pick(["", f" {pick(['サンシャインマンション', 'グランドハイツ', 'メゾン桜'])}{R.randint(101, 1205)}号室"])
            return {"full_only": full, "cc": cc}
        ward, city = pick([("Shibuya-ku", "Tokyo"), ("Kita-ku", "Osaka"), ("Naka-ku", "Yokohama"), ("Chuo-ku", "Sapporo")])
        a["line1"] = f"{R.randint(1, 9)}-{R.randint(1, 30)}-{R.randint(1, 20)} {pick(['Dogenzaka', 'Umeda', 'Minatomirai', 'Odori-nishi', 'Jingumae'])}, {ward}"
        a["city"], a["postcode"], a["cityline"], a["country"] = city, zipc, f"{city} {zipc}", "Japan"
    elif cc == "zh":
        if chance(0.6):
            full = pick(["上海市浦东新区世纪大道", "北京市海淀区中关村大街", "广东省深圳市南山区深南大道", "浙江省杭州市西湖区文三路", "四川省成都市武侯区人民南路"]) + f"{R.randint(1, 999)}号" + pick(["", f"{R.randint(1, 30)}楼{R.randint(1, 9)}0{R.randint(1, 9)}室", f"{R.randint(1, 12)}栋{R.randint(1, 30)}0{R.randint(1, 6)}"])
            return {"full_only": full + (f" 邮编{R.randint(100000, 610000)}" if chance(0.4) else ""), "cc": cc}
        a["line1"] = f"Room {R.randint(101, 2808)}, No. {R.randint(1, 999)} {pick(['Zhongguancun St', 'Century Ave', 'Nanjing Rd West', 'Wensan Rd'])}, {pick(['Haidian', 'Pudong', 'Jingan', 'Xihu'])} District"
        a["city"], a["postcode"], a["cityline"], a["country"] = pick(["Beijing", "Shanghai", "Hangzhou"]), str(R.randint(100000, 310099)), None, "China"
        a["cityline"] = f"{a['city']} {a['postcode']}"
    elif cc == "in":
        city, st, pin = pick([("Bengaluru", "Karnataka", "5600"), ("Mumbai", "Maharashtra", "4000"), ("Hyderabad", "Telangana", "5000"),
                              ("Pune", "Maharashtra", "4110"), ("Noida", "Uttar Pradesh", "2013"), ("Chennai", "Tamil Nadu", "6000"), ("Kolkata", "West Bengal", "7000")])
        a["line1"] = pick([f"Flat {R.randint(101, 1204)}, {pick(['Sai Krupa', 'Prestige Lakeside', 'Green Meadows', 'Shanti Niketan'])} Apartments",
                           f"{pick('ABCDEFGH')}-{R.randint(1, 300)}, Sector {R.randint(1, 140)}", f"{R.randint(1, 99)}/{R.randint(1, 20)} {pick(['Linking Road', 'MG Road', 'Anna Salai', 'Park Street'])}",
                           f"Door No. {R.randint(1, 9)}-{R.randint(1, 12)}-{R.randint(1, 99)}", f"House No. {R.randint(1, 999)}, Lane {R.randint(1, 9)}"])
        a["line2"] = pick(["14th Cross, Indiranagar", "Bandra West", "Adarsh Nagar", "Kalyani Nagar", "Near Hanuman Temple, Koramangala 5th Block", "T. Nagar", "Salt Lake Sector V"])
        a["city"], a["region"], a["postcode"] = city, st, pin + digits(2)
        a["cityline"] = pick([f"{city} {a['postcode']}", f"{city}, {st} {a['postcode']}", f"{city} - {a['postcode']}"])
        a["country"] = "India"
    elif cc == "au":
        sub, st, pc = pick([("Bondi", "NSW", "2026"), ("Carlton", "VIC", "3053"), ("West End", "QLD", "4101"), ("Fitzroy", "VIC", "3065"),
                            ("Fremantle", "WA", "6160"), ("Glenelg", "SA", "5045"), ("Newtown", "NSW", "2042")])
        a["line1"] = pick([f"Unit {R.randint(1, 40)}, {R.randint(1, 300)} {pick(['Beach Rd', 'Lygon St', 'Boundary St', 'King St'])}",
                           f"{R.randint(1, 40)}/{R.randint(1, 300)} {pick(['Beach Rd', 'Lygon St', 'Boundary St', 'King St', 'Jetty Rd'])}",
                           f"{R.randint(1, 300)} {pick(['Beach Rd', 'Lygon St', 'Boundary St', 'King St', 'Jetty Rd'])}", f"PO Box {R.randint(1, 999)}"])
        a["city"], a["region"], a["postcode"], a["cityline"], a["country"] = sub, st, pc, f"{sub} {st} {pc}", "Australia"
    elif cc == "ca":
        city, pv, fsa = pick([("Vancouver", "BC", "V6Z"), ("Montréal", "QC", "H2Y"), ("Toronto", "ON", "M4S"), ("Calgary", "AB", "T2P"), ("Halifax", "NS", "B3H")])
        a["line1"] = pick([f"{R.randint(101, 2505)}-{R.randint(100, 2000)} {pick(['Howe St', 'Yonge St', 'Rue Saint-Paul O', 'Spring Garden Rd'])}",
                           f"{R.randint(1, 9000)} {pick(['Howe St', 'Yonge St', 'Rue Saint-Paul O', '17 Ave SW'])}"])
        pc = f"{fsa} {R.randint(0, 9)}{pick('ABCEGHJKLMNPRSTVWXYZ')}{R.randint(0, 9)}"
        a["city"], a["region"], a["postcode"], a["cityline"], a["country"] = city, pv, pc, f"{city}, {pv} {pc}" if chance(0.6) else f"{city} {pv}  {pc}", "Canada"
    elif cc == "ie":
        a["line1"] = pick([f"Apt {R.randint(1, 80)}, The Maltings, Bride St", f"{R.randint(1, 200)} {pick(['Main Street', 'Grafton Street', 'Strand Road', 'Patrick Street'])}"])
        city, ek = pick([("Dublin 8", "D08"), ("Dublin 4", "D04"), ("Dingle, Co. Kerry", "V92"), ("Galway", "H91"), ("Cork", "T12")])
        pc = f"{ek} {''.join(pick('ACDEFHKNPRTVWXY0123456789') for _ in range(4))}"
        a["city"], a["postcode"], a["cityline"], a["country"] = city, pc, f"{city}, {pc}", "Ireland"
    elif cc == "ae":
        return {"full_only": pick([f"Villa {R.randint(1, 90)}, Street {R.randint(1, 60)}, Al Barsha {R.randint(1, 3)}, Dubai",
                                   f"Flat {R.randint(101, 4502)}, {pick(['Marina Heights', 'Burj Views B', 'Al Reem Tower'])}, {pick(['Dubai Marina, Dubai', 'Downtown Dubai', 'Al Reem Island, Abu Dhabi'])}",
                                   f"شارع الملك فهد، حي العليا، مبنى {R.randint(1, 90)}، الرياض {R.randint(11000, 14999)}"]), "cc": cc}
    elif cc == "ko":
        return {"full_only": f"서울특별시 {pick(['강남구 테헤란로', '마포구 월드컵북로', '종로구 세종대로'])} {R.randint(1, 400)}, {R.randint(1, 25)}층" if chance(0.6)
                else f"{R.randint(1, 400)} Teheran-ro, Gangnam-gu, Seoul {R.randint(1, 9)}{digits(4)}", "cc": cc}
    elif cc == "mx":
        a["line1"] = f"{pick(['Av. Insurgentes Sur', 'Calle Durango', 'Av. Chapultepec', 'Calle Colima'])} {R.randint(1, 2000)}" + pick(["", f", Int. {R.randint(1, 30)}"])
        a["line2"] = pick(["Col. Roma Norte", "Col. Condesa", "Col. Crédito Constructor", "Col. Americana"])
        pc = f"0{R.randint(3000, 6999)}" if chance(0.7) else f"44{R.randint(100, 699)}"
        a["city"], a["postcode"], a["cityline"], a["country"] = "Ciudad de México" if pc[0] == "0" else "Guadalajara", pc, None, "México"
        a["cityline"] = f"{pc} {a['city']}" + (", CDMX" if pc[0] == "0" else ", Jal.")
    elif cc == "hi":
        return {"full_only": f"मकान नं. {R.randint(1, 300)}, {pick(['गांधी नगर', 'शास्त्री नगर', 'मालवीय नगर'])}, {pick(['जयपुर, राजस्थान 3020', 'लखनऊ, उत्तर प्रदेश 2260', 'भोपाल, मध्य प्रदेश 4620'])}{digits(2)}", "cc": cc}
    else:
        raise ValueError(cc)
    return a


def addr_text(a, sep=None):
    """A whole address as one string (one ADDRESS span)."""
    if "full_only" in a:
        return a["full_only"]
    sep = sep or pick([", ", ", ", ", ", "\n"])
    parts = [a["line1"]] + ([a["line2"]] if a.get("line2") else []) + [a["cityline"]]
    if a["cc"] == "gb" and sep == "\n" and chance(0.5):
        parts = parts[:-1] + [a["city"], a["postcode"]]
    return sep.join(parts)


def addr_parts(a, keys=None):
    """JSON address object: street/city/postcode labelled, region/country not."""
    if "full_only" in a:
        return {"formatted": A(a["full_only"])}
    k = keys or pick([("street", "city", "postal_code", "state", "country"), ("line1", "city", "zip", "state", "country"),
                      ("address_line_1", "town", "postcode", "region", "country_code"), ("street", "city", "postcode", "province", "country")])
    o = {k[0]: A(a["line1"])}
    if a.get("line2"):
        o[k[0].replace("1", "2") if "1" in k[0] else "street2"] = A(a["line2"])
    o[k[1]] = A(a["city"])
    o[k[2]] = A(a["postcode"])
    if a.get("region"):
        o[k[3]] = a["region"]
    o[k[4]] = a["country"] if k[4] == "country" else {"us": "US", "gb": "GB", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pl": "PL",
                                                       "pt": "PT", "br": "BR", "tr": "TR", "ja": "JP", "zh": "CN", "in": "IN", "au": "AU", "ca": "CA",
                                                       "ie": "IE", "mx": "MX"}.get(a["cc"], "XX")
    return o


# ==========================================================================
# Record generators. Each returns (shape, lang, text with markers).
# ==========================================================================
SPEAKERS = [("User", "Assistant"), ("Customer", "Agent"), ("Human", "AI"), ("[user]", "[assistant]"), ("USER>", "BOT>"),
            ("client", "support-bot"), ("Caller", "Voicebot"), ("me", "helper"), (">>> user", "<<< model")]


def convo(turns, spk=None):
    u, a = spk or pick(SPEAKERS)
    sep = pick(["\n", "\n\n", "\n"])
    colon = "" if u.endswith(">") or u.startswith("[") else ":"
    out = []
    for who, line in turns:
        if who == "tool":
            out.append(line)
        else:
            out.append(f"{u if who == 'u' else a}{colon} {line}")
    return sep.join(out)


def maybe(p, s):
    return s if chance(p) else ""


def lc_typos(s):
    """Casual typing: lower case, dropped apostrophes, a swapped letter. Never touches marked values."""
    parts = re.split("(" + M0 + ".*?" + M2 + ")", s, flags=re.S)
    out = []
    for part in parts:
        if part.startswith(M0):
            out.append(part)
            continue
        t = part.lower().replace("'", "") if chance(0.7) else part.lower()
        t = t.replace("you", pick(["you", "u", "you"])).replace("please", pick(["please", "pls", "plz"])).replace(" are ", pick([" are ", " r "]))
        w = list(t)
        if len(w) > 12 and chance(0.5):
            i = R.randrange(len(w) - 1)
            if w[i].isalpha() and w[i + 1].isalpha():
                w[i], w[i + 1] = w[i + 1], w[i]
        out.append("".join(w))
    return "".join(out)


def last4(c):
    return re.sub(r"\D", "", c)[-4:]


# ---- customer support, bank ------------------------------------------------
def g_bank_chat():
    p = person()
    net, c = card()
    nm = name_form(p, ["full", "full", "full", "last_first", "upper"])
    d = dob()
    cid = I(idv("customer")[1])
    turns = [("u", pick([f"Hi, my {net} card {C(c)} got declined twice today at {pick(['TESCO STORES 3342', 'a Shell station', 'UBER *TRIP', 'Lidl', 'AMZN Mktp'])}. Can you check?",
                         f"someone used my card!! the number is {C(c)}, I didnt buy anything at {pick(['ALIEXPRESS', 'STEAM PURCHASE', 'BOLT.EU'])}",
                         f"I want to dispute a charge of {pick(['£', '$', '€'])}{R.randint(12, 900)}.{digits(2)} on card {C(c)}",
                         f"Hello. Card ending {last4(c)} was swallowed by an ATM on {pick(['Market St', 'the high street', 'Grand Central'])}. Full number {C(c)} if you need it."]))]
    turns.append(("a", pick(["I'm sorry to hear that. To verify your identity, please give me your full name and date of birth.",
                             "I can look into it. Could you confirm the account holder's name and DOB?",
                             "Sure, first I need to verify you: name on the account and date of birth please."])))
    turns.append(("u", pick([f"{P(nm)}, {D(d)}", f"it's {P(nm)}, dob {D(d)}", f"Name: {P(nm)}\nDOB: {D(d)}", f"{P(nm)} born {D(d)}"])))
    iv = iban(pick(["GB", "DE", "FR", "NL", "IE", "ES", "IT", "BE"]))
    ph = phone()
    turns.append(("tool", pick([f"-> tool_call verify_customer(name=\"{P(p.full)}\", dob=\"{D(d)}\")\n<- {{\"status\": \"verified\", \"customer_id\": \"{cid}\", \"iban\": \"{B(iv)}\", \"mobile\": \"{T(ph)}\"}}",
                                f"[tool:crm.lookup] OK customer={cid} holder=\"{P(p.full)}\" iban={B(iv)} phone={T(ph)} risk=low",
                                f"```\nCRM result\n  customer_id : {cid}\n  name        : {P(p.full)}\n  iban        : {B(iv)}\n  mobile      : {T(ph)}\n```"])))
    resp = [f"Thanks{', ' + P(p.given) if chance(0.6) else ''}. I've {pick(['frozen', 'blocked', 'temporarily locked'])} the card ending {last4(c)}.",
            f"A one-time code was sent to {T(ph)}." if chance(0.5) else "You'll get a push notification in the app.",
            pick([f"The refund of the disputed amount goes to {B(iv)} within {R.randint(3, 10)} business days.", "The dispute is now open; reference numbers are in the app.",
                  "Hope this helps — anything else?", "Chase the merchant too if you can; it often speeds things up."])]
    turns.append(("a", " ".join(resp)))
    if chance(0.5):
        a = addr(pick(["us", "gb", "ie", "de", "nl"]))
        turns.append(("u", pick([f"send the new card to {A(addr_text(a, ', '))} please, I moved",
                                 f"Can the replacement go to my work address? {A(addr_text(a, ', '))}",
                                 f"ok. my address is still {A(addr_text(a, ', '))} right?"])))
        turns.append(("a", pick(["Done, the replacement card will arrive in 5-7 days.", "Updated. Will do!", "Yes, that's the address on file."])))
    return "text", "en", convo(turns)


# ---- airline -----------------------------------------------------------------
def g_airline_chat():
    pax = [person() for _ in range(R.randint(1, 3))]
    pnr = _pnr()
    route = pick(["LHR-JFK", "FRA to SIN", "CDG → YUL", "MAD-BOG", "DXB-BKK", "SYD–AKL", "AMS to NBO", "ORD-LAX", "IST-HND"])
    flt = pick(["BA 117", "LH 778", "AF 346", "IB 6585", "EK 372", "QF 143", "KL 565", "UA 1184", "TK 198"])
    lines = [("u", pick([f"Hi, booking {I(pnr)}, flight {flt} {route}. I need to add {'my kids' if len(pax) > 2 else 'a passenger'} and fix a name typo.",
                         f"hello i booked {route} under ref {I(pnr)} and the name on the ticket is wrong",
                         f"Can you change the date on reservation {I(pnr)}? It's {flt} on {other_date()}.",
                         f"My confirmation code is {I(pnr)} — {flt}, seat {R.randint(1, 50)}{pick('ABCDEFK')}. Need special assistance."]))]
    lines.append(("a", pick(["Of course. Please give me each traveller's name exactly as in the passport, plus date of birth and passport number.",
                             "I can help. For APIS I need full name, DOB, nationality and passport number for each passenger.",
                             "Sure — could you send the passenger details?"])))
    det = []
    for q in pax:
        pn = idv("passport")[1]
        fmt = R.randrange(4)
        if fmt == 0:
            det.append(f"{P(q.full)}, {D(dob())}, passport {I(pn)}")
        elif fmt == 1:
            det.append(f"- {P(q.form('upper'))} / DOB {D(dob())} / PP {I(pn)} / {pick(['GBR', 'DEU', 'IND', 'USA', 'ESP', 'NGA', 'JPN'])}")
        elif fmt == 2:
            det.append(f"{P(q.family.upper() + '/' + q.given.upper()) if _is_latin(q.full) else P(q.full)} {pick(['MR', 'MS', 'MRS', 'MSTR'])} born {D(dob())} passport no. {I(pn)}")
        else:
            det.append(f"{P(q.full)} ({G(age())}), passport {I(pn)}, expires {other_date()}")
    lines.append(("u", "\n".join(det)))
    if chance(0.6):
        ff = idv("ff")[1]
        lines.append(("u", pick([f"also pls add my miles number {I(ff)}", f"Frequent flyer: {I(ff)}", f"and my loyalty number is {I(ff)} (gold)"])))
    tk = ID_KINDS["eticket"][1]()
    lines.append(("tool", pick([f"[amadeus.pnr_update] {{\"pnr\": \"{I(pnr)}\", \"ok\": true, \"ticket\": \"{I(tk)}\", \"contact\": \"{E(email(pax[0]))}\"}}",
                                f"tool> update_booking OK pnr={I(pnr)} etkt={I(tk)} ssr=DOCS x{len(pax)}",
                                f"--- booking {I(pnr)} ---\nstatus: HK\ne-ticket: {I(tk)}\ncontact phone: {T(phone())}\n---"])))
    lines.append(("a", pick([f"All set. The new e-ticket is {I(tk)}; you'll get an email shortly. Boarding for {flt} closes 20 min before departure.",
                             f"Done! Passenger details saved on {I(pnr)}. Note the {route.split()[0]} lounge is in Terminal {R.randint(1, 5)}.",
                             "Updated — the change fee was waived. Have a good trip!"])))
    return "text", "en", convo(lines)


# ---- telecom -------------------------------------------------------------------
def g_telecom_chat():
    p = person()
    ph, ph2 = phone(), phone()
    acct = idv("account")[1]
    a = addr()
    t = [("u", pick([f"my number {T(ph)} has had no signal since the storm, account {I(acct)}",
                     f"Hi I want to port my number {T(ph)} to you from {pick(['Vodafone', 'O2', 'T-Mobile', 'Verizon', 'Jio', 'Orange'])}",
                     f"why is my bill {R.randint(40, 300)} {pick(['EUR', 'GBP', 'USD'])} this month?? account no {I(acct)}",
                     f"Please cancel roaming on {T(ph)}. Account holder {P(p.full)}."]))]
    t.append(("a", pick(["Sorry about that. Can I confirm the account holder name and the service address?",
                         "Let me check. Please confirm the name and postcode on the account.",
                         "Happy to help — who is the account holder, and is there a backup contact number?"])))
    t.append(("u", pick([f"{P(p.full)}, {A(addr_text(a, ', '))}", f"its {P(p.form('lower'))}, address {A(addr_text(a, ', '))}",
                         f"{P(p.full)}. Service address:\n{A(addr_text(a, chr(10)))}\nBackup: {T(ph2)}"])))
    t.append(("tool", pick([f"network_diag(msisdn=\"{T(ph)}\") => cell {pick(['4G', '5G NSA'])} site {pick(['LDN-0441', 'MUC-112', 'NYC-8832'])}: degraded, ETA fix 6h",
                            f"billing.get_invoice(account=\"{I(acct)}\") -> roaming charges {R.randint(10, 120)}.{digits(2)}, {pick(['Switzerland', 'Turkey', 'USA'])}, {other_date()}"])))
    t.append(("a", pick(["There's a mast outage near you; engineers expect a fix tonight. I've added a credit to your account.",
                         "The extra cost is roaming data. I've applied a one-off goodwill credit. Will that work?",
                         f"Port request raised. Your old provider will send a PAC/OTP to {T(ph)}."])))
    return "text", "en", convo(t)


# ---- e-commerce ----------------------------------------------------------------
def g_shop_chat():
    p = person()
    oid = idv("order")[1]
    a = addr()
    e = email(p)
    t = [("u", pick([f"where is my order {I(oid)}? it said delivered but nothing here",
                     f"Hi, order {I(oid)} arrived damaged (the {pick(['Dyson V11', 'Le Creuset pan', 'IKEA KALLAX shelf', 'Kindle Paperwhite', 'Nike Pegasus 40'])}). Refund please.",
                     f"I need to change the delivery address on {I(oid)} before it ships",
                     f"Can you resend the invoice for order {I(oid)} to {E(e)}?"]))]
    t.append(("a", pick(["Let me pull up the order.", "Sorry about that! Checking now.", "One moment please."])))
    t.append(("tool", pick([f"get_order(\"{I(oid)}\") -> {{name: '{P(p.full)}', email: '{E(e)}', ship_to: '{A(addr_text(a, ', '))}', carrier: '{pick(['DHL', 'UPS', 'Royal Mail', 'USPS', 'Hermes'])}'}}",
                            f"ORDER {I(oid)}\n  customer: {P(p.full)} <{E(e)}>\n  ship to:  {A(addr_text(a, ', '))}\n  items:    2\n  status:   {pick(['DELIVERED', 'IN_TRANSIT', 'PACKED'])}"])))
    if chance(0.5):
        a2 = addr(a["cc"] if "full_only" not in a else "us")
        t.append(("u", pick([f"new address: {A(addr_text(a2, ', '))}", f"please ship to {A(addr_text(a2, ', '))} instead, c/o {P(person().full)}"])))
    if chance(0.4):
        net, c = card()
        t.append(("u", pick([f"and charge the difference to {C(c)} exp {R.randint(1, 12):02d}/{R.randint(26, 31)}",
                             f"use my other card {C(c)}, cvv is {digits(3)}"])))
        t.append(("a", "Please never share full card numbers or CVV in chat — I've masked it. Use the payment page instead."))
    t.append(("a", pick([f"I've opened a claim with the carrier. You'll hear back at {E(e)} within 48h.",
                         "Refund issued to the original payment method (3–5 business days).", "Address updated; the parcel ships tomorrow."])))
    return "text", "en", convo(t)


# ---- healthcare intake (OCR-ish form) -------------------------------------------
def g_health_intake():
    p = person()
    a = addr(pick(["us", "us", "gb", "ca", "au", "in"]))
    ins = idv("insurance")[1]
    mrn = idv("mrn")[1]
    em = person()
    lines = [pick(["PATIENT INTAKE FORM", "New Patient Registration", "== intake.pdf (OCR, page 1/2) ==", "Patient Information Sheet"])]
    rows = [f"Name: {P(p.form('last_first') if chance(0.4) else p.full)}",
            f"{pick(['Date of Birth', 'DOB', 'D.O.B.', 'Birth date'])}: {D(dob())}",
            f"Age: {G(age())}" if chance(0.6) else f"Sex: {pick(['F', 'M', 'X'])}",
            f"{pick(['MRN', 'Chart #', 'Patient ID'])}: {I(mrn)}",
            f"Address: {A(addr_text(a, ', '))}",
            f"{pick(['Phone', 'Cell', 'Tel', 'Mobile'])}: {T(phone(a['cc'] if a['cc'] in PHONE_BY else 'us'))}",
            f"Insurance {pick(['Member ID', 'ID #', 'Policy'])}: {I(ins)}   Group: {pick(['GRP-0042', '88120', 'N/A'])}",
            f"Emergency contact: {P(em.full)} ({pick(['spouse', 'mother', 'son', 'friend', 'partner'])}) {T(phone())}"]
    if a["cc"] == "us" and chance(0.6):
        rows.append(f"SSN: {S(ssn())}")
    if a["cc"] == "gb" and chance(0.6):
        rows.append(f"NHS No: {I(_nhs())}")
    rows.append(f"Reason for visit: {pick(['follow-up, hypertension', 'persistent cough 3 wks', 'knee pain after fall', 'annual physical', 'rash on forearm, started after hiking'])}")
    rows.append(f"Allergies: {pick(['penicillin', 'none known', 'latex, shellfish', 'NKDA'])}")
    R.shuffle(rows)
    body = "\n".join(rows)
    if chance(0.5):  # OCR noise on labels only
        body = body.replace("Address", pick(["Addrcss", "Add ress", "Address"])).replace("Phone", pick(["Phonc", "Ph0ne", "Phone"])).replace("Name:", pick(["Narne:", "Name:", "NAME:"]))
    if chance(0.3):
        body = body.replace(": ", pick([" | ", ":  ", " : "]))
    tail = pick(["", f"\nSigned: {P(p.form('initial'))}   Date: {other_date()}", "\n[illegible]", "\n-- end of page --"])
    return "text", "en", "\n".join(lines) + "\n" + body + tail


# ---- HR onboarding (markdown + e-mail) ------------------------------------------
def g_hr_onboarding():
    p = latin_person() if chance(0.7) else person()
    mgr = person()
    cc = pick(["us", "gb", "de", "nl", "es", "ie"])
    a = addr(cc)
    emp = idv("employee")[1]
    out = [pick(["# Onboarding checklist", "## New starter", "**Onboarding ticket HR-" + digits(4) + "**", "Subject: New hire paperwork"])]
    out.append(f"Employee: {P(p.full)}  \nEmployee ID: {I(emp)}  \nStart date: {other_date()}  \nManager: {P(mgr.full)}")
    out.append(f"Home address: {A(addr_text(a, ', '))}")
    fields = []
    if cc == "us":
        fields.append(f"- SSN (for W-4): {S(ssn())}")
        fields.append(f"- Direct deposit: routing {pick(['021000021', '121000358', '026009593'])}, account {I(digits(R.randint(8, 12)))}")
    else:
        fields.append(f"- IBAN for payroll: {B(iban({'gb': 'GB', 'de': 'DE', 'nl': 'NL', 'es': 'ES', 'ie': 'IE'}[cc]))}")
        if cc == "gb":
            fields.append(f"- NI number: {I(_nino())}")
        elif cc == "nl":
            fields.append(f"- BSN: {I(_bsn())}")
        elif cc == "es":
            fields.append(f"- DNI/NIE: {I(_dni() if chance(0.6) else _nie())}")
        elif cc == "de":
            fields.append(f"- Steuer-ID: {I(digits(11))}, Krankenkasse: TK")
    fields.append(f"- Date of birth: {D(dob())}")
    fields.append(f"- Personal email: {E(email(p))}")
    fields.append(f"- Mobile: {T(phone(cc if cc in PHONE_BY else 'gb'))}")
    if chance(0.5):
        fields.append(f"- Emergency contact: {P(person().full)}, {T(phone())}")
    fields.append(f"- Laptop: {pick(['MacBook Pro 14', 'ThinkPad X1 Carbon', 'Dell Latitude 7440'])} (asset tag {pick(['IT-', 'AS-'])}{digits(5)})")
    fields.append(f"- Team: {pick(['Platform', 'Payments', 'Growth', 'Data Eng', 'Finance Ops'])}; desk {pick('ABCDEF')}{R.randint(1, 60)}")
    R.shuffle(fields)
    out.append("\n".join(fields))
    out.append(pick(["Please file the I-9 by day 3.", "Reminder: Grace period for benefits enrolment is 30 days.", f"Badge photo on day 1, {P('Will')} from IT will set up the laptop.", ""]))
    return "text", "en", "\n\n".join(x for x in out if x)


# ---- real estate (e-mail thread with signature) ---------------------------------
def signature(p, company=None):
    company = company or pick(["Harborline Realty", "Kestrel Analytics GmbH", "Brightpath Ltd", "Northwind Logistics", "Lumen Health",
                               "Studio Mirabel", "Tidewater Property Group", "Paxton HR Services"])
    role = pick(["Senior Agent", "Account Manager", "Head of Operations", "Leasing Consultant", "Customer Success Lead", "Paralegal", "Office Manager"])
    lines = ["--", P(p.full if chance(0.8) else p.form("initial")), role, company]
    if chance(0.8):
        lines.append(f"{pick(['T', 'Tel', 'Phone', 'M', 'Mob.', 'Direct'])}: {T(phone())}")
    if chance(0.6):
        lines.append(f"{pick(['E', 'Email', 'e-mail'])}: {E(email(p, work=True))}")
    if chance(0.35):
        a = addr()
        lines.append(A(addr_text(a, ", ")))
    if chance(0.3):
        lines.append(pick(["Sent from my iPhone", "Please consider the environment before printing this e-mail.", "This e-mail is confidential."]))
    return "\n".join(lines)


def g_realestate_email():
    agent, client = person(), person()
    prop = addr(pick(["us", "gb", "au", "ca", "ie", "de", "es"]))
    q = pick(["Re: Viewing request", "RE: Offer on", "Fwd: Lease renewal –", "Re: Documents for"])
    subj = f"{q} {A(addr_text(prop, ', '))}"
    msg1 = (f"Hi {P(client.given)},\n\n" + pick([
        f"Thanks for viewing the property on {other_date()}. The vendor has accepted an offer of {pick(['$', '£', '€', 'A$'])}{R.randint(250, 1900)},000 subject to survey.",
        f"The landlord is happy to renew at the same rent. I'll need an updated reference and a copy of your ID (passport or driving licence).",
        f"Attached are the disclosure documents. Note the HOA meets on {other_date()}; the pool resurfacing will be assessed then."])
        + "\n\nBest,\n" + signature(agent))
    a2 = addr()
    msg2 = (f"On {other_date()}, {P(client.full)} <{E(email(client))}> wrote:\n> " + pick([
        f"Could you send the contract to my current address, {A(addr_text(a2, ', '))}? My passport number is {I(idv('passport')[1])} for the ID check.",
        f"We'd like to go ahead. My partner {P(person().full)} will co-sign; her mobile is {T(phone())}.",
        f"Is parking included? Also I'm {G(age())} and self-employed — is that a problem for the referencing?"]).replace("\n", "\n> "))
    return "text", "en", f"Subject: {subj}\n\n{msg1}\n\n{msg2}"


# ---- food delivery (lower case, typos) ----------------------------------------
def g_food_chat():
    p = person()
    a = addr(pick(["us", "gb", "in", "au", "de", "nl", "br", "mx"]))
    oid = idv("order")[1]
    turns = [("u", lc_typos(pick([f"hey my food from {pick(['Wagamama', 'Five Guys', 'Dishoom', 'Sweetgreen', 'Burger King', 'Nandos'])} never came, order {I(oid)}",
                                  f"driver cant find the building. im at {A(addr_text(a, ', '))}",
                                  f"Wrong order again!! I got someone elses bag with the name {P(person().given)} on it",
                                  f"can u tell the rider to call me on {T(phone(a['cc'] if a['cc'] in PHONE_BY else None))}"])))]
    turns.append(("a", pick(["So sorry about that! Can you confirm the delivery address and the phone number on the order?",
                             "Oh no, let me check with the rider.", "I'm sorry! What's the name on the order?"])))
    turns.append(("u", lc_typos(pick([f"{A(addr_text(a, ', '))}, {T(phone())}. name is {P(p.form('lower'))}",
                                      f"its {P(p.given)}. flat is at the back, ring twice. {T(phone())}",
                                      f"name {P(p.full)} and addr {A(addr_text(a, ', '))} , gate code {digits(4)}"]))))
    turns.append(("tool", f"dispatch.contact_rider(order=\"{I(oid)}\", msg=\"Customer at {A(addr_text(a, ', '))}; call {T(phone())}\") -> sent"))
    turns.append(("a", pick(["Your rider is 4 min away. I added a £5 voucher for the wait.", "Refund processed — sorry again! Grace period for re-ordering free delivery: 24h.",
                             "Done, the rider has your note."])))
    return "text", "en", convo(turns)


# ---- e-mail thread with signature (generic business) ------------------------
def g_email_thread():
    a, b = person(), person()
    subj = pick(["Invoice 2024-118 overdue", "Quick question about the Q3 audit", "Contract renewal", "Your visa appointment",
                 "Intro: data platform", "Reference for", "Tenancy deposit", "Can we move Thursday's call?"])
    if subj == "Reference for":
        subj += " " + P(person().full)
    body_b = pick([f"Hi {P(a.given)},\n\nPlease use {B(iban())} for the transfer, reference {I(idv('payment')[1])}. Account name: {P(b.full)}.",
                   f"Hello {P(a.given)} —\nI'm in {pick(['Lisbon', 'Nairobi', 'Toronto', 'Osaka'])} until {other_date()}, so best to reach me on {T(phone())}.",
                   f"Dear {pick(['Mr', 'Ms', 'Dr'])} {P(a.family)},\n\nFollowing our call, my date of birth is {D(dob())} and my {pick(['passport', 'driving licence'])} number is {I(idv('passport')[1])}.",
                   f"{P(a.given)}, quick one: {P(person().full)} ({E(email())}) will take over from me. I'm out from {other_date()}."])
    quoted = pick([f"\n\n-----Original Message-----\nFrom: {P(a.full)} <{E(email(a, work=True))}>\nSent: {other_date()}\nTo: {P(b.full)}\nSubject: {subj}\n\n" + pick(["Any update on this?", "Hope you're well. Can you send the details?", "Bill is still unpaid — can you chase?"]),
                   f"\n\nOn {other_date()} at {R.randint(8, 18)}:{pick(['00', '15', '30', '45'])}, {P(a.full)} <{E(email(a))}> wrote:\n> {pick(['Any update?', 'Sure, Thursday works.', 'Can you resend?'])}",
                   ""])
    return "text", "en", f"From: {P(b.full)} <{E(email(b, work=True))}>\nTo: {E(email(a))}\nSubject: Re: {subj}\n\n{body_b}\n\n{pick(['Thanks,', 'Best regards,', 'Cheers,', 'Kind regards'])}\n{signature(b)}{quoted}"


# ---- casual chat, lower case ---------------------------------------------------
def g_casual_chat():
    p, q = person(), person()
    lines = pick([
        [f"lol did {P(p.given.lower())} ever text u back", "nope", f"her number is {T(phone())} if u wanna try", "ok will do"],
        [f"hey its {P(p.full.lower())} from the climbing gym", f"my email is {E(email(p).lower())}", "send me the route photos"],
        [f"can u venmo {P(q.given)} for the tickets", f"its under {P(q.full)} on there i think", "hope the concert's good"],
        [f"my bday is {D(dob())} not next week lol", "oops sorry!!", f"i turn {G(age())} btw"],
        [f"{P('grace')} said to bring the ID forms", f"{P(p.given)} is picking us up at {R.randint(5, 9)}", f"{P('will')} and i r taking the train"],
        [f"new place!! {A(addr_text(addr(), ', '))}", "housewarming sat", "bring chips"],
        [f"wifi keeps dropping, my ip is {N(ipv4())} if that helps", "try restarting the router", f"ask {P(p.given)} she fixed hers"],
    ])
    out = "\n".join(f"{pick(['', '> ', '- '])}{l}" for l in lines)
    return "text", "en", lc_typos(out) if chance(0.5) else out


# ---- names that are common words, in text with the same words used as words ----
def g_wordy_names():
    g = pick(WORD_GIVEN.split())
    f = pick(WORD_FAMILY.split())
    s = pick([
        f"Will do — I'll ask {P(g + ' ' + f)} to review the grace period clause before we sign. Hope that's fine.",
        f"Meeting notes: {P(g)} ({pick(['PM', 'legal', 'finance'])}) will chase the vendor. {P(g + ' ' + f)} owns the rollout; page the on-call if the job fails.",
        f"The bill was paid by {P(f'{g} {f}')} on {other_date()}. {P(g)}'s mobile: {T(phone())}.",
        f"Customer {P(f'{g} {f}')} says the rose gold case arrived scratched. May we offer a refund? She is {G(age())}, first order.",
        f"Dear {P(g)}, I hope this finds you well. Faith and patience are in short supply at the depot, but Summer shipments start in June.",
        f"{P(f'{f}, {g}')} — DOB {D(dob())} — prescribed {pick(['amoxicillin', 'lisinopril', 'metformin'])}; follow-up in May.",
        f"Assistant: I found two matches for 'Hunter': the {pick(['Hunter boots', 'Hunter Valley wine tour'])} product page, and a contact {P(f'{g} {f}')} ({E(email(Person(g, f)))}).",
        f"dawn shift swap: {P(g.lower())} covers sat, sky is clear so the crane can run. call {P(g.lower())} on {T(phone())}",
    ])
    return "text", "en", s


# ---- OCR-ish forms (ID card / bank form / customs) -----------------------------
def g_ocr_form():
    p = person()
    kind = R.randrange(3)
    if kind == 0:
        cc = pick(["es", "nl", "pl", "tr", "de", "it"])
        idk = {"es": "dni", "nl": "bsn", "pl": "pesel", "tr": "tckn", "de": "tax", "it": "codfis"}[cc]
        lines = [f"{pick(['SURNAME', 'APELLIDOS', 'NAZWISKO', 'SOYADI', 'NAME', 'COGNOME'])} / SURNAME: {P(p.family.upper())}",
                 f"GIVEN NAMES: {P(p.given.upper())}",
                 f"DATE OF BIRTH: {D(date_str(*ymd(), lang='en', style=11))}",
                 f"NATIONALITY: {pick(['ESP', 'NLD', 'POL', 'TUR', 'DEU', 'ITA'])}",
                 f"DOC NO: {I(idv('passport')[1])}   PERSONAL NO: {I(ID_KINDS[idk][1]())}",
                 f"DATE OF EXPIRY: {other_date()}"]
        nm = (fold(p.family).upper().replace("'", "").replace(" ", "<").replace("-", "<") + "<<"
              + fold(p.given).upper().replace(" ", "<").replace("-", "<"))
        if re.fullmatch(r"[A-Z]+(<[A-Z]+)*<<[A-Z]+(<[A-Z]+)*", nm) and len(nm) <= 39:
            lines.append(f"MRZ: P<{pick(['ESP', 'NLD', 'POL', 'TUR', 'DEU', 'ITA'])}{P(nm)}" + "<" * (39 - len(nm)))
        head = "OCR result (confidence 0.91):"
    elif kind == 1:
        a = addr(pick(["gb", "ie", "de", "fr", "it", "es"]))
        lines = [f"Account holder ..... {P(p.full)}", f"Address ............ {A(addr_text(a, ', '))}",
                 f"IBAN ............... {B(iban({'gb': 'GB', 'ie': 'IE', 'de': 'DE', 'fr': 'FR', 'it': 'IT', 'es': 'ES'}[a['cc']], 'grouped'))}",
                 f"BIC ................ {pick(['DEUTDEFF', 'BNPAFRPP', 'AIBKIE2D', 'NWBKGB2L', 'BSCHESMM'])}",
                 f"Signature .......... [signed]   Date ..... {other_date()}"]
        head = pick(["SEPA Direct Debit Mandate — scanned", "Standing order form (scan 2/3)"])
    else:
        lines = [f"Full name: {P(p.form('upper'))}", f"Phone: {T(phone())}", f"E-mail: {E(email(p))}",
                 f"Goods description: {pick(['used clothing', 'books (3)', 'ceramic mug, gift', 'phone case'])}", f"Value: {R.randint(5, 120)} USD",
                 f"Sender address: {A(addr_text(addr(), ', '))}"]
        head = "CN22 customs declaration (OCR)"
    return "text", "en", head + "\n" + "\n".join(lines)


# ---- YAML tool output ------------------------------------------------------------
def yq(v):
    return f'"{v}"' if chance(0.4) else v


def g_yaml():
    p = person()
    a = addr()
    k = R.randrange(3)
    if k == 0:
        lines = ["# output of tool: crm.get_contact", "contact:", f"  id: {I(idv('customer')[1])}", f"  name: {yq(P(p.full))}",
                 f"  email: {E(email(p))}", f"  phone: {yq(T(phone()))}", "  address: |", "    " + A(addr_text(a, "\n").replace("\n", "\n    ")),
                 f"  date_of_birth: {D(date_str(*ymd(), style=0))}", f"  tags: [vip, {pick(['newsletter', 'churn-risk', 'b2b'])}]",
                 f"  created: {other_date()}T{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:00Z"]
    elif k == 1:
        lines = ["employees:"]
        for _ in range(R.randint(2, 4)):
            q = person()
            lines += [f"  - name: {yq(P(q.full))}", f"    employee_id: {I(idv('employee')[1])}", f"    age: {G(age())}",
                      f"    manager: {pick(['null', yq(P(person().full))])}", f"    location: {pick(['Berlin', 'Austin', 'Remote', 'Lisbon', 'Singapore'])}"]
    else:
        lines = ["request:", "  tool: payments.create_payout", "  args:", f"    beneficiary: {yq(P(p.full))}", f"    iban: {B(iban())}",
                 f"    amount: {R.randint(10, 9000)}.{digits(2)}", f"    currency: {pick(['EUR', 'GBP', 'CHF', 'PLN'])}",
                 f"    reference: {yq('Invoice ' + digits(5))}", "response:", "  status: pending_review",
                 f"  reviewer_note: {yq('Beneficiary name matches account, approved by ' + P(person().form('initial')))}"]
    return "text", "en", "\n".join(lines)


# ---- CSV tool output -------------------------------------------------------------
def g_csv():
    import csv, io
    cols = pick([["customer_id", "full_name", "email", "phone", "signup_date"],
                 ["name", "dob", "ssn", "state"],
                 ["ip", "user", "last_seen", "country"],
                 ["order_id", "ship_name", "ship_address", "total"],
                 ["first_name", "last_name", "age", "city", "iban"]])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", delimiter=pick([",", ",", ";", "\t"]))
    w.writerow(cols)
    for _ in range(R.randint(2, 6)):
        q = person()
        row = []
        for c in cols:
            row.append({"customer_id": lambda: I(idv("customer")[1]), "full_name": lambda: P(q.full), "email": lambda: E(email(q)),
                        "phone": lambda: T(phone()), "signup_date": lambda: other_date(), "name": lambda: P(q.form("last_first")),
                        "dob": lambda: D(date_str(*ymd(), style=pick([0, 1, 2]))), "ssn": lambda: S(ssn()), "state": lambda: pick(["CA", "NY", "TX", "WA"]),
                        "ip": lambda: N(ip()), "user": lambda: E(email(q)) if chance(0.5) else P(q.full), "last_seen": lambda: f"{other_date('en')}",
                        "country": lambda: pick(["DE", "US", "BR", "IN", "JP"]), "order_id": lambda: I(idv("order")[1]),
                        "ship_name": lambda: P(q.full), "ship_address": lambda: A(addr_text(addr(), ", ")),
                        "total": lambda: f"{R.randint(5, 800)}.{digits(2)}", "first_name": lambda: P(q.given), "last_name": lambda: P(q.family),
                        "age": lambda: G(age()), "city": lambda: pick(["Porto", "Lyon", "Graz", "Leeds", "Austin"]), "iban": lambda: B(iban(style="plain"))}[c]())
        w.writerow(row)
    head = pick(["$ python export.py --format csv | head", "Tool result (sql_to_csv):", "```csv", "read_file('exports/customers_sample.csv'):"])
    return "text", "en", head + "\n" + buf.getvalue().rstrip("\n") + ("\n```" if head == "```csv" else "")


# ---- Markdown table ------------------------------------------------------------
def g_markdown():
    rows = []
    kind = R.randrange(3)
    if kind == 0:
        rows.append("| Guest | Room | Check-in | Phone |")
        rows.append("|---|---|---|---|")
        for _ in range(R.randint(2, 5)):
            q = person()
            rows.append(f"| {P(q.full)} | {R.randint(101, 920)} | {other_date()} | {T(phone())} |")
        pre = pick(["Here are today's arrivals:", "### Arrivals (Hotel Lisboa Centro)", "Tool `pms.arrivals` returned:"])
    elif kind == 1:
        rows.append("| Applicant | Age | Income | Notes |")
        rows.append("|:--|--:|--:|:--|")
        for _ in range(R.randint(2, 4)):
            q = person()
            rows.append(f"| {P(q.full)} | {G(age())} | {R.randint(20, 180)}k | {pick(['guarantor: ' + P(person().full), 'pets: cat', 'references OK', 'self-employed'])} |")
        pre = "**Tenancy applications — 12 Baker St listing**" if chance(0.5) else "Shortlist:"
    else:
        rows.append("| Field | Value |")
        rows.append("|---|---|")
        q = person()
        for f, v in [("Name", P(q.full)), ("Card", C(card()[1])), ("Billing address", A(addr_text(addr(), ", "))), ("IP at checkout", N(ip())),
                     ("Email", E(email(q))), ("Risk score", str(R.randint(1, 99)))]:
            if chance(0.85):
                rows.append(f"| {f} | {v} |")
        pre = "Fraud review for transaction " + I(idv("payment")[1]) + ":"
    return "text", "en", pre + "\n\n" + "\n".join(rows) + maybe(0.4, "\n\n" + pick(["Let me know if you want me to email them.", "Two rows look like duplicates.", "_Generated by the assistant._"]))


# ---- logs (web server, auth, app JSON lines) ----------------------------------
def g_logs():
    k = R.randrange(4)
    out = []
    if k == 0:
        for _ in range(R.randint(3, 7)):
            out.append(f"{N(ip())} - - [{R.randint(1, 28):02d}/{pick(['Mar', 'Apr', 'Nov'])}/2025:{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d} +0000] "
                       f"\"{pick(['GET', 'POST'])} {pick(['/api/v1/orders', '/login', '/static/app.js', '/health', '/search?q=running+shoes'])} HTTP/1.1\" {pick(['200', '200', '302', '404', '500'])} {R.randint(100, 90000)}")
    elif k == 1:
        for _ in range(R.randint(2, 5)):
            who = E(email()) if chance(0.6) else P(person().full)
            out.append(f"{other_date()} {R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d} auth[{R.randint(100, 9999)}]: "
                       + pick([f"failed login for {who} from {N(ip())}", f"password reset requested by {who} (ip={N(ip())})",
                               f"MFA code sent to {T(phone())} for user {who}", f"session opened for {who} from {N(ip())} port {R.randint(1024, 65535)}"]))
    elif k == 2:
        for _ in range(R.randint(2, 5)):
            ev = pick([f'{{"level":"info","msg":"checkout","user":"{E(email())}","ip":"{N(ip())}","amount":{R.randint(5, 400)}}}',
                       f'{{"level":"warn","msg":"address validation failed","addr":"{A(addr_text(addr(), ", "))}"}}',
                       f'{{"level":"error","msg":"sms delivery failed","to":"{T(phone())}","provider":"twilio"}}',
                       f'{{"level":"debug","msg":"cache hit","key":"sess:{digits(6)}"}}'])
            out.append(ev)
    else:
        for _ in range(R.randint(2, 5)):
            out.append(f"[{R.randint(0, 23):02d}:{R.randint(0, 59):02d}] agent.step={R.randint(1, 40)} " + pick([
                f"observed user message mentioning {P(person().full)}", f"extracted entity EMAIL={E(email())}", f"redaction skipped for field phone={T(phone())}",
                f"geoip({N(ip())}) -> {pick(['DE', 'BR', 'IN', 'US'])}", "tool latency 812ms", f"lookup card BIN {digits(6)} -> {pick(['VISA CREDIT', 'MC DEBIT'])}"]))
    return "text", "en", "\n".join(out)


# ---- SQL with PII values ------------------------------------------------------
def g_sql_pii():
    p = person()
    k = R.randrange(3)
    if k == 0:
        s = (f"INSERT INTO customers (full_name, email, phone, dob, postcode)\nVALUES ('{P(p.full.replace(chr(39), chr(39) * 2))}', '{E(email(p))}', "
             f"'{T(phone())}', '{D(date_str(*ymd(), style=0))}', '{A(addr(pick(['gb', 'us', 'nl']))['postcode'])}');")
    elif k == 1:
        s = (f"sql> SELECT id, name, ssn FROM employees WHERE ssn = '{S(ssn('dash'))}';\n"
             f" id   | name              | ssn\n------+-------------------+-------------\n {R.randint(100, 9999)} | {P(p.full)} | {S(ssn())}\n(1 row)")
    else:
        s = (f"UPDATE accounts SET iban = '{B(iban(style='plain'))}', holder = '{P(p.full.replace(chr(39), chr(39) * 2))}' WHERE account_id = {I(digits(7))};\n"
             f"-- requested by {P(person().form('initial'))} via ticket OPS-{digits(4)}")
    return "text", "en", s


# ---- stack trace / validation error that leaks PII -----------------------------
def g_trace_pii():
    p = person()
    k = R.randrange(3)
    if k == 0:
        s = ("Traceback (most recent call last):\n  File \"/app/handlers/signup.py\", line 88, in create_user\n    validate(payload)\n"
             "  File \"/app/validation.py\", line 41, in validate\n    raise ValueError(f\"invalid phone {payload['phone']!r}\")\n"
             f"ValueError: invalid phone '{T(phone())}' for user '{E(email(p))}'")
    elif k == 1:
        s = (f"pydantic_core._pydantic_core.ValidationError: 1 validation error for Customer\ndate_of_birth\n"
             f"  Input should be a valid date [type=date_type, input_value='{D(dob())}', input_type=str]\n"
             f"    customer name='{P(p.full)}' id='{I(idv('customer')[1])}'")
    else:
        s = (f"java.lang.IllegalStateException: Duplicate key {E(email(p))} (attempted merging values Customer{{id={digits(6)}, name={P(p.full)}}} "
             f"and Customer{{id={digits(6)}, name={P(p.form('upper'))}}})\n\tat java.base/java.util.stream.Collectors.duplicateKeyException(Collectors.java:135)\n"
             "\tat com.acme.crm.ImportJob.run(ImportJob.java:212)")
    return "text", "en", s


# ---- agent scratchpad / summary -------------------------------------------------
def g_agent_notes():
    p = person()
    bits = [f"The user is {P(p.full)}", pick([f"aged {G(age())}", f"({G(age())} y/o)", f"a {G(age())}-year-old {pick(['nurse', 'teacher', 'student', 'retiree', 'contractor'])}", f"born {D(dob())}"]),
            pick([f"who lives at {A(addr_text(addr(), ', '))}", f"reachable at {T(phone())}", f"with email {E(email(p))}"])]
    s = " ".join(bits) + ". " + pick(["They want to refinance their mortgage.", "They asked about a refund policy for the Pro plan.",
                                      "Next step: call the Grant Thornton office about the audit.", "They mentioned Hope Street Clinic as their GP."])
    if chance(0.5):
        s += " " + pick([f"Their SSN {S(ssn())} appears in the uploaded W-2; do not repeat it back.", f"Card on file: {C(card()[1])}.",
                         f"Spouse: {P(person().full)}.", f"Booking {I(_pnr())} is theirs.", f"IP {N(ip())} matched their last login."])
    pre = pick(["Thought: ", "<scratchpad>\n", "## Memory\n- ", "Summary for handoff: ", "assistant (internal): "])
    post = "\n</scratchpad>" if pre.startswith("<scratchpad>") else ""
    return "text", "en", pre + s + post


# ---- SMS / WhatsApp export ------------------------------------------------------
def g_sms():
    p, q = person(), person()
    out = []
    for _ in range(R.randint(3, 6)):
        who = pick([P(p.given), P(q.given), P(p.full), T(phone())])
        out.append(f"[{other_date()}, {R.randint(0, 23):02d}:{R.randint(0, 59):02d}] {who}: " + pick([
            "ok see u there", f"my new number is {T(phone())}", f"the code is 4{digits(3)} dont share it", "lol", "running late",
            f"sending the deposit to {B(iban())}", f"address for the party: {A(addr_text(addr(), ', '))}", "happy birthday!!",
            f"{P(person().given)} says hi", f"pls email {E(email())}", "can you grab milk"]))
    return "text", "en", "\n".join(out)


# ---- SSN / US tax -------------------------------------------------------------
def g_tax():
    p = latin_person()
    a = addr("us")
    s = pick([
        f"W-2 extracted fields\nEmployee's SSN: {S(ssn())}\nEmployee name: {P(p.full)}\nAddress: {A(addr_text(a, ', '))}\nWages: {R.randint(20, 190)},{digits(3)}.{digits(2)}",
        f"Please update my tax profile: SSN {S(ssn(pick(['plain', 'dash'])))}, spouse {P(person().full)} SSN {S(ssn())}. We file jointly.",
        f"Form 1040 line 1: {P(p.full)}, SSN {S(ssn())}; dependent {P(p.given if chance(0.3) else person().given)} ({G(R.randint(2, 17))}), SSN {S(ssn())}",
        f"i think i typed my social wrong, its {S(ssn('plain'))} not {S(ssn('plain'))}",
    ])
    return "text", "en", s


# ---- IP-heavy support ---------------------------------------------------------
def g_it_support():
    p = person()
    s = pick([
        f"Hi IT, I can't reach the VPN from home. My public IP is {N(ipv4(False))} and the laptop shows {N(ipv4(True))}. — {P(p.full)}",
        f"Firewall request: allow {N(ip())} and {N(ipv6())} (my home connection) to bastion-prod. Requested by {E(email(p, work=True))}.",
        f"The suspicious logins for {P(p.full)} came from {N(ipv4(False))}, {N(ipv4(False))} and {N(ipv6())}.",
        f"ssh {pick(['ubuntu', 'deploy', 'ec2-user', 'root'])}@{N(ipv4(True))} -p 2222   # {P(p.given)}'s dev box",
        f"curl -H 'X-Forwarded-For: {N(ipv4(False))}' https://api.example.com/v2/me  -> 403 (user {E(email(p))})",
        f"[{N(ipv6())}]:{R.randint(1024, 65535)} connected, user={E(email(p))}",
    ])
    return "text", "en", s


# ---- multilingual -------------------------------------------------------------
def g_multi(lang=None):
    lang = lang or pick(["de", "fr", "es", "it", "pt", "nl", "pl", "tr", "ja", "zh", "ar", "hi"])
    if lang in NATIVE:
        p = person(lang)
    elif lang in ("ja", "zh"):
        p = person(lang)
    elif lang == "ar":
        g, f, lg, lf = pick(AR)
        p = Person(g, f, latin=f"{lg} {lf}")
    else:
        g, f, lg, lf = pick(HI)
        p = Person(g, f, latin=f"{lg} {lf}")
    ph = phone({"pt": pick(["pt", "br"]), "ar": "x", "hi": "in"}.get(lang, lang)) if lang != "pt" else _br()
    if lang == "pt" and chance(0.5):
        n = "9" + pick("1236") + digits(7)
        ph = pick([f"{n[:3]} {n[3:6]} {n[6:]}", f"+351 {n[:3]} {n[3:6]} {n[6:]}"])
    d = dob(lang)
    ag = age()
    acc = {"de": "de", "fr": "fr", "es": "es", "it": "it", "pt": pick(["pt", "br"]), "nl": "nl", "pl": "pl", "tr": "tr", "ja": "ja",
           "zh": "zh", "ar": "ae", "hi": "hi"}[lang]
    a = addr(acc)
    ib = iban({"de": "DE", "fr": "FR", "es": "ES", "it": "IT", "pt": "PT", "nl": "NL", "pl": "PL", "tr": "TR", "ar": pick(["SA", "AE", "JO", "QA"])}.get(lang, "DE"))
    e = email(p)
    if lang == "de":
        fr = [f"Hallo, mein Name ist {P(p.full)}. Ich bin am {D(d)} geboren und wohne in der {A(addr_text(a, ', '))}.",
              f"Sehr geehrte Damen und Herren,\nbitte überweisen Sie die Erstattung auf mein Konto {B(ib)} (Kontoinhaberin: {P(p.full)}).\nMit freundlichen Grüßen\n{P(p.full)}\nTel. {T(ph)}",
              f"Kundin {P(p.family)}, {P(p.given)} – {G(ag)} Jahre alt – Rückruf erbeten unter {T(ph)}.",
              f"Herr {P(p.family)} hat seine Adresse geändert: {A(addr_text(a, chr(10)))}. Bitte im CRM aktualisieren. E-Mail: {E(e)}",
              f"Termin bei Frau Dr. {P(p.family)} am {other_date('de')} um 10:30 Uhr bestätigt. Alter der Patientin: {G(ag)}."]
    elif lang == "fr":
        fr = [f"Bonjour, je m'appelle {P(p.full)}, je suis né le {D(d)} et mon numéro est le {T(ph)}.",
              f"Madame {P(p.family)}, votre colis sera livré au {A(addr_text(a, ', '))} demain entre 9h et 13h.",
              f"Merci de rembourser sur l'IBAN {B(ib)} au nom de {P(p.full)}. J'ai {G(ag)} ans et c'est ma première réclamation.",
              f"M. {P(p.family)} ({E(e)}) demande un rappel au {T(ph)} concernant son dossier {I(idv('customer')[1])}.",
              f"Objet : changement d'adresse\nNouvelle adresse : {A(addr_text(a, chr(10)))}\nCordialement,\n{P(p.full)}"]
    elif lang == "es":
        fr = [f"Hola, soy {P(p.full)}, nací el {D(d)} y mi DNI es {I(_dni())}.",
              f"Por favor envíen la factura a {E(e)}; mi dirección es {A(addr_text(a, ', '))}.",
              f"El paciente {P(p.full)}, de {G(ag)} años, llamó desde el {T(ph)} para cambiar la cita del {other_date('es')}.",
              f"Transferencia a la cuenta {B(ib)} (titular: {P(p.full)}), concepto: fianza piso.",
              f"oye {P(p.given.lower())}, mi nuevo móvil es {T(ph)} jaja, guárdalo"]
    elif lang == "it":
        fr = [f"Buongiorno, sono {P(p.full)}, nato il {D(d)}, codice fiscale {I(_codfis())}.",
              f"La consegna per il Sig. {P(p.family)} è prevista in {A(addr_text(a, ', '))}. Recapito: {T(ph)}.",
              f"Gentile {P(p.given)}, abbiamo ricevuto il bonifico sull'IBAN {B(ib)}. Cordiali saluti.",
              f"Paziente: {P(p.full)}, {G(ag)} anni, email {E(e)}. Prossimo controllo a maggio.",
              f"ciao {P(p.given.lower())}! ti scrivo dal numero nuovo {T(ph)}"]
    elif lang == "pt":
        fr = [f"Olá, o meu nome é {P(p.full)}, nasci a {D(d)} e o meu telemóvel é {T(ph)}.",
              f"Boa tarde! Sou {P(p.full)}, CPF {I(_cpf())}, e quero trocar o endereço de entrega para {A(addr_text(a, ', '))}.",
              f"O cliente {P(p.full)} ({G(ag)} anos) pediu reembolso para o IBAN {B(ib)}.",
              f"Oi {P(p.given)}, me manda um zap no {T(ph)} quando chegar. Meu email é {E(e)}",
              f"Data de nascimento: {D(d)}\nNome completo: {P(p.full)}\nMorada: {A(addr_text(a, ', '))}"]
    elif lang == "nl":
        fr = [f"Hallo, mijn naam is {P(p.full)}, geboren op {D(d)}. Mijn BSN is {I(_bsn())}.",
              f"Beste {P(p.given)}, we storten het bedrag terug op {B(ib)}. Met vriendelijke groet, klantenservice.",
              f"Graag bezorgen op {A(addr_text(a, ', '))}, bel even aan of bel {T(ph)}.",
              f"ik ben {G(ag)} jaar en wil mijn abonnement opzeggen. mail: {E(e)}",
              f"Mevrouw {P(p.family)} heeft gebeld over haar pakket; terugbellen op {T(ph)}."]
    elif lang == "pl":
        fr = [f"Dzień dobry, nazywam się {P(p.full)}, urodziłam się {D(d)}, mój PESEL to {I(_pesel())}.",
              f"Proszę o zwrot na konto {B(ib)}. Właściciel rachunku: {P(p.full)}.",
              f"Adres dostawy: {A(addr_text(a, ', '))}, tel. {T(ph)}",
              f"Pan {P(p.family)} ({G(ag)} lat) prosi o kontakt mailowy: {E(e)}",
              f"cześć, tu {P(p.given)}! mój nowy numer: {T(ph)}"]
    elif lang == "tr":
        fr = [f"Merhaba, ben {P(p.full)}. TC kimlik no: {I(_tckn())}, telefon {T(ph)}.",
              f"Doğum tarihim {D(d)}, {G(ag)} yaşındayım. Adresim: {A(addr_text(a, ', '))}",
              f"{P(p.given)} {'Hanım' if p.given in ('Ayşe', 'Elif', 'Zeynep', 'Gülşen', 'Çağla') else 'Bey'}, iade tutarı {B(ib)} numaralı hesaba yatırılacaktır.",
              f"Sayın {P(p.full)}, siparişiniz kargoya verildi. Bilgi için {E(e)} adresine yazabilirsiniz.",
              f"{P(p.given)} {'Hanım' if p.given in ('Ayşe', 'Elif', 'Zeynep', 'Gülşen', 'Çağla') else 'Bey'} aradı, {T(ph)} numarasından geri dönüş bekliyor."]
    elif lang == "ja":
        fr = [f"お名前：{P(p.full)} 様\n生年月日：{D(d)}\n電話番号：{T(ph)}\nご住所：{A(addr_text(a, ' '))}",
              f"{P(p.family)}様、ご予約ありがとうございます。確認番号は{I(_pnr())}です。",
              f"{P(p.full)}さん（{G(ag)}歳）から問い合わせがありました。メール：{E(e)}",
              f"お届け先：{A(addr_text(a, ' '))}　{P(p.full)} 様　TEL {T(ph)}",
              f"マイナンバー {I(ID_KINDS['mynumber'][1]())} の提出をお願いします（{P(p.full)}様）。"]
    elif lang == "zh":
        fr = [f"您好，我叫{P(p.full)}，手机号是{T(ph)}，身份证号{I(_cn_ric())}。",
              f"收件人：{P(p.full)}\n地址：{A(addr_text(a, ' '))}\n电话：{T(ph)}",
              f"{P(p.family)}先生今年{G(ag)}岁，出生日期{D(d)}，邮箱{E(e)}。",
              f"请把退款打到我的卡 {C(card(pick(['UnionPay', 'UnionPay', 'Visa']))[1])}，持卡人{P(p.full)}。",
              f"客户{P(p.full)}反映订单 {I(idv('order')[1])} 未收到，请联系{T(ph)}。"]
    elif lang == "ar":
        fr = [f"مرحبا، اسمي {P(p.full)}، رقم جوالي {T(ph)}، وتاريخ ميلادي {D(d)}.",
              f"العنوان: {A(addr_text(a))}\nالاسم: {P(p.full)}",
              f"عمري {G(ag)} سنة وأريد فتح حساب جديد. الآيبان: {B(ib)}",
              f"السيد {P(p.family)} طلب استرداد المبلغ، البريد الإلكتروني {E(e)}",
              f"تم تأكيد الحجز {I(_pnr())} باسم {P(p.full)}."]
    else:
        fr = [f"मेरा नाम {P(p.full)} है, मेरी उम्र {G(ag)} साल है और मेरा फ़ोन नंबर {T(ph)} है।",
              f"जन्म तिथि: {D(d)}\nनाम: {P(p.full)}\nआधार: {I(_aadhaar())}",
              f"पता: {A(addr_text(a))}। कृपया डिलीवरी शाम को करें।",
              f"श्री {P(p.family)} ने रिफंड के लिए ईमेल {E(e)} पर संपर्क किया है।",
              f"{P(p.latin or p.full)} ji, aapka order {I(idv('order')[1])} kal deliver hoga. Call karein {T(ph)} par."]
    k = R.randint(1, 2)
    chosen = R.sample(fr, k)
    return "text", lang, "\n\n".join(chosen)


# ==========================================================================
# JSON records
# ==========================================================================
def rid(prefix, n=24):
    return prefix + "".join(pick("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))


MODELS_OAI = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "gpt-4-turbo"]
MODELS_ANT = ["claude-3-5-sonnet-20241022", "claude-3-7-sonnet-20250219", "claude-sonnet-4-20250514", "claude-3-5-haiku-20241022"]


def passenger_obj(q):
    o = {"first_name": P(q.given), "last_name": P(q.family), "date_of_birth": D(date_str(*ymd(), style=0)),
         "document": {"type": "passport", "number": I(idv("passport")[1]), "expiry": f"{R.randint(2026, 2034)}-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}",
                      "issuing_country": pick(["GB", "DE", "IN", "US", "BR", "JP", "NG"])}}
    if chance(0.3):
        o["frequent_flyer"] = {"program": pick(["Miles&More", "Flying Blue", "Avios", "SkyMiles"]), "number": I(idv("ff")[1])}
    if chance(0.2):
        o["age"] = num("AGE", age())
    return o


def j_openai_tool_call():
    dom = R.randrange(4)
    q = person()
    cid = rid("call_")
    if dom == 0:
        pax = [person() for _ in range(R.randint(1, 3))]
        user = pick([f"Add {' and '.join(P(x.full) for x in pax)} to booking {I(_pnr())} please",
                     "Please update the passenger details I sent earlier.", f"book {pick(['LIS', 'NRT', 'GRU', 'CPT'])} for us, details below"])
        fn, args = "update_passengers", {"booking_ref": I(_pnr()), "passengers": [passenger_obj(x) for x in pax],
                                         "contact": {"email": E(email(pax[0])), "phone": T(phone())}}
        result = {"ok": True, "tickets": [I(ID_KINDS["eticket"][1]()) for _ in pax], "fare_difference": {"amount": R.randint(0, 300), "currency": "EUR"}}
        system = "You are the booking assistant of Meridian Air. Never reveal internal fare codes."
    elif dom == 1:
        user = f"I'm {P(q.full)} and I'd like to open a savings account. Born {D(dob())}."
        fn = "kyc_check"
        args = {"applicant": {"name": {"given": P(q.given), "family": P(q.family)}, "dob": D(date_str(*ymd(), style=0)),
                              "nationality": pick(["DE", "FR", "IN", "GB", "US"]), "address": addr_parts(addr()),
                              "tax_ids": [{"country": "US", "value": S(ssn())}] if chance(0.4) else [{"country": pick(["GB", "DE"]), "value": I(idv("tax")[1])}]},
                "checks": ["pep", "sanctions", "address"]}
        result = {"status": pick(["clear", "refer"]), "score": round(R.random(), 3), "matched_name": P(q.full)}
        system = "You are a compliance assistant at Brightpath Bank. Use tools; do not guess."
    elif dom == 2:
        user = pick([f"Send {R.randint(20, 900)} {pick(['EUR', 'GBP'])} to {P(q.full)}, IBAN {B(iban())}",
                     f"pay my landlord {P(q.given)} the rent, same as last month"])
        fn = "create_transfer"
        args = {"beneficiary": {"name": P(q.full), "iban": B(iban()), "address": A(addr_text(addr(), ", "))},
                "amount": {"value": f"{R.randint(20, 3000)}.{digits(2)}", "currency": pick(["EUR", "GBP", "CHF"])},
                "reference": pick(["rent", "invoice " + digits(4), "Birthday gift", "deposit"]), "scheduled_for": other_date()}
        result = {"transfer_id": I(idv("payment")[1]), "status": "scheduled"}
        system = "You help users move money. Confirm amounts before sending."
    else:
        user = pick([f"Look up the customer with email {E(email(q))}", f"who owns the number {T(phone())}?", f"find customer {P(q.full)}"])
        fn = "crm_search"
        args = {"query": {"email": E(email(q))} if chance(0.5) else {"name": P(q.full), "phone": T(phone())}, "limit": R.randint(1, 10)}
        result = {"matches": [{"id": I(idv("customer")[1]), "name": P(q.full), "email": E(email(q)), "phones": [T(phone()) for _ in range(R.randint(1, 2))],
                               "addresses": [addr_parts(addr())], "age": num("AGE", age())}]}
        system = "You are a support agent for Northwind. Tools: crm_search, create_ticket."
    msgs = [{"role": "system", "content": system}, {"role": "user", "content": user},
            {"role": "assistant", "content": None, "tool_calls": [{"id": cid, "type": "function", "function": {"name": fn, "arguments": json.dumps(args, ensure_ascii=chance(0.3))}}]}]
    if chance(0.75):
        msgs.append({"role": "tool", "tool_call_id": cid, "content": json.dumps(result, ensure_ascii=False)})
    body = {"model": pick(MODELS_OAI), "messages": msgs, "temperature": pick([0, 0.2, 0.7, 1])}
    if chance(0.5):
        body["tools"] = [{"type": "function", "function": {"name": fn, "description": "See API docs.", "parameters": {"type": "object", "properties": {}}}}]
    return "json", "en", dumps(body)


def j_anthropic_tool_use():
    p = person()
    kind = R.randrange(3)
    tid = rid("toolu_01", 22)
    if kind == 0:
        text = pick([f"Patient {P(p.full)} (DOB {D(dob())}) is asking about her lab results.", "Can you pull the chart for the patient at bed 12?",
                     f"new intake: {P(p.form('lower'))}, {G(age())}, chest pain since this morning"])
        name = "get_patient"
        inp = {"patient": {"mrn": I(idv("mrn")[1]), "name": P(p.full), "birth_date": D(date_str(*ymd(), style=0))}, "include": ["labs", "allergies"]}
        res = {"resourceType": "Patient", "id": digits(6), "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.123", "value": I(idv("mrn")[1])}],
               "name": [{"family": P(p.family), "given": [P(p.given)]}], "telecom": [{"system": "phone", "value": T(phone()), "use": pick(["mobile", "home"])}],
               "birthDate": D(date_str(*ymd(), style=0)), "address": [{"line": [A(addr("us")["line1"])], "city": A(pick(["Boise", "Austin", "Denver"])), "postalCode": A(f"{R.randint(10000, 99999)}"), "country": "US"}]}
    elif kind == 1:
        text = pick([f"Please onboard our new hire {P(p.full)}; paperwork attached.", "Run payroll setup for the two new starters from Monday."])
        name = "hris_create_employee"
        a = addr(pick(["gb", "de", "nl", "us"]))
        inp = {"employee": {"legal_name": P(p.full), "preferred_name": P(p.given), "employee_id": I(idv("employee")[1]),
                            "home_address": addr_parts(a), "bank": {"iban": B(iban())} if a["cc"] != "us" else {"routing": "021000021", "account": I(digits(10))},
                            "emergency_contacts": [{"name": P(person().full), "relation": pick(["spouse", "sister", "father"]), "phone": T(phone())}]},
               "start_date": other_date()}
        if a["cc"] == "us":
            inp["employee"]["ssn"] = S(ssn())
        res = {"created": True, "employee_id": I(idv("employee")[1]), "warnings": []}
    else:
        text = pick(["Summarise the complaint and draft a reply.", f"Customer {P(p.full)} is angry about a double charge on {C(card()[1])}."])
        name = "get_complaint"
        inp = {"complaint_id": f"CMP-{digits(5)}"}
        res = {"customer": {"name": P(p.full), "email": E(email(p)), "ip": N(ip())}, "body": f"I was charged twice!! card {C(card()[1])}. Call me at {T(phone())}. {P(p.form('initial'))}",
               "channel": pick(["web", "email", "app"])}
    body = {"model": pick(MODELS_ANT), "max_tokens": pick([1024, 2048, 4096]),
            "system": pick(["You are a careful assistant for hospital admin staff.", "You are an HR operations agent.", "You are a customer care agent."]),
            "messages": [{"role": "user", "content": [{"type": "text", "text": text}]},
                         {"role": "assistant", "content": [{"type": "text", "text": pick(["I'll look that up.", "Let me check."])},
                                                           {"type": "tool_use", "id": tid, "name": name, "input": inp}]},
                         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": json.dumps(res, ensure_ascii=chance(0.3))}]}]}
    return "json", "en", dumps(body)


def j_api_response():
    p = person()
    a = addr()
    cust = {"id": I(idv("customer")[1]), "name": {"first": P(p.given), "last": P(p.family)} if chance(0.6) else P(p.full),
            "contacts": [{"type": "email", "value": E(email(p)), "verified": chance(0.5)}, {"type": pick(["mobile", "work", "home"]), "value": T(phone())}],
            "addresses": [dict(addr_parts(a), type=pick(["billing", "shipping"]))],
            "created_at": f"2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}T{R.randint(0, 23):02d}:00:00Z",
            "marketing_opt_in": chance(0.5), "segment": pick(["gold", "new", "dormant"])}
    if chance(0.5):
        cust["kyc"] = {"dob": D(date_str(*ymd(), style=pick([0, 1, 2]))), "document": {"type": pick(["passport", "driver_license", "national_id"]), "number": I(idv(pick(["passport", "license", "dni", "bsn", "nino"]))[1])}}
    if chance(0.4):
        cust["payment_methods"] = [{"type": "card", "brand": pick(["visa", "mastercard", "amex"]), "number": C(card()[1]), "exp": f"{R.randint(1, 12):02d}/{R.randint(26, 31)}"}]
    if chance(0.3):
        cust["last_login"] = {"ip": N(ip()), "ua": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4)"}
    wrap = pick(["data", "result", "customer"])
    body = {wrap: cust, "meta": {"request_id": rid("req_", 16), "took_ms": R.randint(3, 400)}}
    return "json", "en", dumps(body, ensure_ascii=chance(0.2))


def j_tool_result_in_content():
    """A tool result serialised into an assistant-side "content" string (JSON-in-a-string), sometimes twice."""
    p = person()
    inner = pick([
        {"rows": [{"name": P(q.full), "email": E(email(q)), "dob": D(date_str(*ymd(), style=0))} for q in [person() for _ in range(R.randint(1, 3))]]},
        {"booking": {"ref": I(_pnr()), "lead_passenger": P(p.full), "phone": T(phone()), "seats": ["14A", "14B"]}},
        {"order": {"id": I(idv("order")[1]), "ship_to": {"name": P(p.full), "address": A(addr_text(addr(), "\n"))}, "total": f"{R.randint(9, 400)}.{digits(2)}"}},
        {"lead": {"contact": P(p.full), "company": pick(["Johnson & Johnson", "Morgan Stanley", "Ford Motor Co", "Dell Technologies", "Wells Fargo"]),
                  "title": pick(["VP Procurement", "CTO", "Office Manager"]), "direct": T(phone()), "email": E(email(p, work=True))}},
    ])
    content = json.dumps(inner, ensure_ascii=chance(0.25))
    if chance(0.25):
        content = json.dumps({"tool": "db.query", "output": content})
    body = pick([{"role": "tool", "tool_call_id": rid("call_"), "content": content},
                 {"type": "function_call_output", "call_id": rid("call_"), "output": content},
                 {"messages": [{"role": "user", "content": pick(["look them up", "what do we have on file?", "find the booking"])},
                               {"role": "tool", "name": pick(["sql", "booking_api", "orders"]), "content": content}]}])
    return "json", "en", dumps(body)


def j_people_search():
    items = []
    for _ in range(R.randint(1, 4)):
        q = person()
        it = {"full_name": P(q.full), "age": num("AGE", age()) if chance(0.6) else None, "phones": [T(phone()) for _ in range(R.randint(0, 2))],
              "emails": [E(email(q)) for _ in range(R.randint(0, 2))]}
        if chance(0.5):
            it["address"] = A(addr_text(addr(), ", "))
        if chance(0.2):
            it["relatives"] = [P(person().full) for _ in range(R.randint(1, 2))]
        items.append(it)
    body = {"tool": "people_lookup", "query": pick(["name+city", "phone", "email"]), "count": len(items), "items": items}
    return "json", "en", dumps(body, ensure_ascii=chance(0.15))


def j_log_event():
    p = person()
    msg = pick([f"User {P(p.full)} updated phone to {T(phone())}", f"login ok for {E(email(p))} from {N(ip())}",
                f"card {C(card()[1])} declined: insufficient funds", f"payout to {B(iban())} failed: account closed",
                f"address changed to {A(addr_text(addr(), ', '))}", f"SSN mismatch for applicant {P(p.full)}: got {S(ssn())}"])
    ev = {"ts": f"2025-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}T{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}.{digits(3)}Z",
          "level": pick(["INFO", "WARN", "ERROR"]), "service": pick(["accounts-api", "checkout", "agent-runtime", "kyc-worker"]),
          "trace_id": "".join(pick("0123456789abcdef") for _ in range(32)), "message": msg}
    if chance(0.4):
        ev["context"] = {"user_id": I(idv("user")[1]), "client_ip": N(ip())}
    return "json", "en", dumps(ev, style=pick(["compact", "spaced"]))


def j_ticket_args():
    p = person()
    desc = pick([f"Customer {P(p.full)} ({E(email(p))}) reports that her address {A(addr_text(addr(), ', '))} is wrong on the invoice.",
                 f"Caller gave DOB {D(dob())} and phone {T(phone())}. Wants to close account {I(idv('account')[1])}.",
                 f"{P(p.given)} says the app shows someone else's name ({P(person().full)}) on her profile. Possible data leak!",
                 f"Refund to card {C(card()[1])} failed twice; customer {P(p.full)} is {G(age())} and not tech-savvy, please call {T(phone())}."])
    args = {"title": pick(["Address correction", "Account closure", "Possible data leak", "Refund failure"]), "description": desc,
            "priority": pick(["low", "normal", "high", "urgent"]), "tags": pick([["billing"], ["privacy", "p1"], ["refund"]]),
            "requester": {"name": P(p.full), "email": E(email(p))}}
    call = {"id": rid("call_"), "type": "function", "function": {"name": pick(["create_ticket", "zendesk_create_ticket", "jira.create_issue"]), "arguments": json.dumps(args)}}
    body = pick([{"tool_calls": [call]}, {"choices": [{"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": [call]}, "finish_reason": "tool_calls"}]}])
    return "json", "en", dumps(body)


def j_multilingual():
    lang = pick(["de", "fr", "es", "it", "pt", "nl", "pl", "tr", "ja", "zh", "ar", "hi"])
    _, _, txt = g_multi(lang)
    body = {"model": pick(MODELS_OAI + MODELS_ANT), "messages": [{"role": "system", "content": "Reply in the user's language."},
                                                                 {"role": "user", "content": txt}]}
    if chance(0.4):
        body["metadata"] = {"locale": lang, "channel": pick(["whatsapp", "web", "email"])}
    return "json", lang, dumps(body, ensure_ascii=chance(0.3))


def j_webhook():
    p = person()
    a = addr(pick(["us", "gb", "de", "fr", "nl", "ie", "au", "ca"]))
    net, c = card()
    obj = {"id": I("pi_" + rid("", 24)), "object": "payment_intent", "amount": R.randint(500, 90000), "currency": pick(["usd", "eur", "gbp"]),
           "billing_details": {"name": P(p.full), "email": E(email(p)), "phone": T(phone()), "address": addr_parts(a, ("line1", "city", "postal_code", "state", "country"))},
           "payment_method_details": {"type": "card", "card": {"brand": net.lower().split()[0], "last4": last4(c), "exp_month": R.randint(1, 12), "exp_year": R.randint(2026, 2031)}},
           "metadata": {"order_id": I(idv("order")[1])}}
    if chance(0.3):
        obj["raw_pan_debug"] = C(c)
    body = {"id": rid("evt_", 24), "type": pick(["payment_intent.succeeded", "charge.refunded", "payment_intent.payment_failed"]), "data": {"object": obj}}
    return "json", "en", dumps(body)


def j_form_submit():
    p = person()
    a = addr()
    f = {"form_id": f"f-{digits(4)}", "submitted_at": other_date(), "answers": [
        {"q": "Full name", "a": P(p.full)}, {"q": "Date of birth", "a": D(dob())}, {"q": "Phone", "a": T(phone())},
        {"q": "Address", "a": A(addr_text(a, "\n"))}, {"q": "How did you hear about us?", "a": pick(["Instagram", f"a friend, {P(person().given)}", "Google", "radio"])},
        {"q": "Age", "a": num("AGE", age())}]}
    R.shuffle(f["answers"])
    f["answers"] = f["answers"][:R.randint(3, 6)]
    return "json", "en", dumps(f, ensure_ascii=chance(0.3))


# ==========================================================================
# Records without PII (realistic agent traffic; the hard negatives live here)
# ==========================================================================
def n_coding_tool_call():
    k = R.randrange(5)
    path = pick(["src/billing/invoice.rs", "crates/pii/src/detect.rs", "app/models/user.py", "pkg/server/handler.go", "web/src/components/CheckoutForm.tsx",
                 "lib/grace_period.ex", "services/payments/refund_service.py", "internal/cache/lru.go", "tests/test_phone_parser.py"])
    fn = pick(["validate_email", "parse_phone_number", "compute_luhn", "normalize_address", "format_iban", "redact_ssn", "get_user_by_id", "mask_card"])
    if k == 0:
        body = {"role": "assistant", "content": None, "tool_calls": [{"id": rid("call_"), "type": "function", "function": {"name": "read_file", "arguments": json.dumps({"path": path, "start_line": R.randint(1, 200), "end_line": R.randint(201, 400)})}}]}
        return "json", "en", dumps(body)
    if k == 1:
        edit = {"path": path, "old_str": f"def {fn}(value):\n    return value.strip()", "new_str": f"def {fn}(value: str) -> str:\n    if not value:\n        raise ValueError(\"empty\")\n    return value.strip()"}
        body = {"type": "tool_use", "id": rid("toolu_01", 22), "name": "str_replace_editor", "input": edit}
        return "json", "en", dumps(body)
    if k == 2:
        cmd = pick([f"cargo test -p pii -- {fn}", "rg -n 'TODO|FIXME' src/ | head -50", "pytest -x -q tests/test_phone_parser.py", "go vet ./...", "npm run lint -- --fix",
                    "git log --oneline -n 5", "docker compose up -d postgres redis"])
        out = pick([f"running 14 tests\ntest detect::tests::{fn}_ok ... ok\ntest detect::tests::{fn}_rejects_short ... ok\ntest result: ok. 14 passed; 0 failed; 0 ignored",
                    "a1c3f9e fix: handle empty iban\n77d02b1 feat: add luhn check\n3e9aa10 chore: bump deps\n0b7c2d4 docs: README\n98f1e2a refactor: split detector",
                    f"{path}:42: TODO: cache compiled regexes\n{path}:118: FIXME(grace-period): off by one on month boundary",
                    "[+] Running 2/2\n ✔ Container app-postgres-1  Started\n ✔ Container app-redis-1     Started",
                    "..........F\n=================================== FAILURES ===================================\n___ test_parse_extension ___\nAssertionError: assert None == 'x204'\n1 failed, 10 passed in 0.42s"])
        return "text", "en", f"$ {cmd}\n{out}"
    if k == 3:
        return "text", "en", (f"```diff\n--- a/{path}\n+++ b/{path}\n@@ -{R.randint(10, 90)},7 +{R.randint(10, 90)},9 @@\n"
                              f"-    fn {fn}(s: &str) -> bool {{\n-        s.len() > 3\n+    fn {fn}(s: &str) -> bool {{\n+        // reject short values early\n+        if s.len() < 4 {{ return false; }}\n+        s.chars().all(|c| c.is_ascii_alphanumeric())\n     }}\n```")
    return "text", "en", (f"I'll refactor `{fn}` in `{path}` so it no longer allocates per call. Plan:\n1. Move the regex into a `once_cell::sync::Lazy`.\n"
                          f"2. Add a benchmark in `benches/{fn}.rs`.\n3. Run `cargo bench` and compare against the baseline from {other_date()}.")


def n_sql():
    q = pick(["SELECT date_trunc('week', created_at) AS wk, count(*) AS orders, sum(total_cents)/100.0 AS revenue\nFROM orders\nWHERE created_at >= now() - interval '90 days'\nGROUP BY 1 ORDER BY 1;",
              "CREATE TABLE IF NOT EXISTS customers (\n  id BIGSERIAL PRIMARY KEY,\n  full_name TEXT NOT NULL,\n  email TEXT UNIQUE,\n  phone TEXT,\n  dob DATE,\n  created_at TIMESTAMPTZ DEFAULT now()\n);",
              "EXPLAIN ANALYZE SELECT * FROM events WHERE tenant_id = $1 AND ts BETWEEN $2 AND $3;",
              "SELECT country, avg(age) FROM survey_responses GROUP BY country HAVING count(*) > 30;",
              "ALTER TABLE payments ADD COLUMN iban_hash BYTEA; -- never store raw IBANs"])
    res = pick(["", "\n wk         | orders | revenue\n------------+--------+----------\n 2025-01-06 |   1284 | 48211.50\n 2025-01-13 |   1302 | 49870.25\n(2 rows)",
                "\nCREATE TABLE", "\nSeq Scan on events  (cost=0.00..431.00 rows=2 width=96) (actual time=0.018..3.412 rows=0 loops=1)\nPlanning Time: 0.112 ms\nExecution Time: 3.447 ms",
                "\n country | avg\n---------+------\n DE      | 41.2\n BR      | 33.9\n JP      | 45.0\n(3 rows)"])
    if chance(0.4):
        return "json", "en", dumps({"name": "run_sql", "arguments": {"query": q, "database": pick(["analytics", "prod_replica"])}, "output": res.strip()})
    return "text", "en", q + res


def n_stack_trace():
    t = _stack_trace()
    t = re.sub(r"line \d+", lambda m: f"line {R.randint(12, 480)}", t)
    return "text", "en", re.sub(r"\.(java|ts|go|rs):\d+", lambda m: f".{m.group(1)}:{R.randint(9, 600)}", t)


def _stack_trace():
    return pick([
        "Traceback (most recent call last):\n  File \"/usr/lib/python3.11/asyncio/runners.py\", line 118, in run\n    return self._loop.run_until_complete(task)\n"
        "  File \"/app/agent/loop.py\", line 214, in step\n    result = await tool.invoke(args)\n  File \"/app/tools/search.py\", line 57, in invoke\n"
        "    resp.raise_for_status()\nhttpx.HTTPStatusError: Server error '503 Service Unavailable' for url 'https://api.search.internal/v2/query'",
        "thread 'tokio-runtime-worker' panicked at crates/pii/src/detect.rs:212:41:\nindex out of bounds: the len is 12 but the index is 12\n"
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
        "Exception in thread \"main\" java.lang.NullPointerException: Cannot invoke \"String.trim()\" because \"address\" is null\n"
        "\tat com.acme.shipping.LabelPrinter.format(LabelPrinter.java:88)\n\tat com.acme.shipping.LabelPrinter.print(LabelPrinter.java:41)\n\tat com.acme.App.main(App.java:17)",
        "TypeError: Cannot read properties of undefined (reading 'phoneNumber')\n    at normalizeContact (webpack://checkout/./src/utils/contact.ts:23:18)\n"
        "    at Array.map (<anonymous>)\n    at CheckoutForm (webpack://checkout/./src/components/CheckoutForm.tsx:77:31)",
        "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6b2a1c]\n\n"
        "goroutine 42 [running]:\ngithub.com/acme/ledger/internal/iban.Validate(...)\n\t/src/internal/iban/validate.go:31",
        f"ERROR 2025-0{R.randint(1, 9)}-1{R.randint(0, 9)} 03:12:55 celery.worker: Task reports.weekly_summary[{rid('', 8)}-{rid('', 4)}] raised: "
        "OperationalError('could not connect to server: Connection refused')"])


def n_tool_definitions():
    tools = R.sample([
        ("search_flights", "Search flights between two airports on a date.", {"origin": {"type": "string", "description": "IATA code, e.g. LHR"}, "destination": {"type": "string"}, "date": {"type": "string", "format": "date"}}),
        ("get_weather", "Current weather for a city.", {"city": {"type": "string"}, "units": {"type": "string", "enum": ["metric", "imperial"]}}),
        ("create_ticket", "Open a support ticket.", {"title": {"type": "string"}, "priority": {"type": "string", "enum": ["low", "normal", "high"]}}),
        ("lookup_customer", "Find a customer by email, phone or customer id.", {"email": {"type": "string", "format": "email"}, "phone": {"type": "string", "description": "E.164 format, with the country code"}}),
        ("verify_iban", "Validate an IBAN (mod-97) and return the bank.", {"iban": {"type": "string"}}),
        ("send_sms", "Send a text message.", {"to": {"type": "string"}, "body": {"type": "string", "maxLength": 160}}),
        ("book_table", "Reserve a restaurant table.", {"restaurant_id": {"type": "string"}, "party_size": {"type": "integer", "minimum": 1}, "time": {"type": "string", "format": "date-time"}}),
        ("refund_order", "Refund an order in full or in part.", {"order_id": {"type": "string"}, "amount_cents": {"type": "integer"}}),
    ], R.randint(2, 4))
    if chance(0.5):
        arr = [{"type": "function", "function": {"name": n, "description": d, "parameters": {"type": "object", "properties": p, "required": list(p)[:1]}}} for n, d, p in tools]
        return "json", "en", dumps({"model": pick(MODELS_OAI), "tools": arr, "tool_choice": "auto", "messages": [{"role": "user", "content": pick(["what's the weather in Charlotte?", "find me a flight to Victoria on the 12th", "any tables for 4 at Dishoom tonight?", "refund the last order"])}]})
    arr = [{"name": n, "description": d, "input_schema": {"type": "object", "properties": p}} for n, d, p in tools]
    return "json", "en", dumps({"model": pick(MODELS_ANT), "max_tokens": 1024, "tools": arr, "messages": [{"role": "user", "content": "Which tools do you have?"}]})


def n_search_results():
    q, hits = pick([
        ("best ramen near Shinjuku", [("Fuunji — Tsukemen in Yoyogi", "Famous for thick dipping noodles; expect a queue at lunch."), ("Ichiran Shinjuku Central East Exit", "24h tonkotsu chain with solo booths."), ("Menya Musashi", "Since 1996; near Nishi-Shinjuku station.")]),
        ("Charlotte to Savannah drive time", [("Charlotte, NC to Savannah, GA - Google Maps", "About 4 h 10 min via I-77 S and I-26 E."), ("Road trip: Charlotte–Savannah", "Stop in Columbia for lunch.")]),
        ("Johnson & Johnson Q2 earnings", [("J&J beats estimates, raises guidance", "New Brunswick-based Johnson & Johnson reported sales of $22.4bn."), ("Morgan Stanley note on J&J", "Analysts at Morgan Stanley keep an overweight rating.")]),
        ("things to do in Florence in May", [("Uffizi Gallery tickets", "Book ahead; Tuesday to Sunday 8:15–18:30."), ("Boboli Gardens", "Behind Palazzo Pitti, great in spring."), ("Mercato Centrale", "Food hall near San Lorenzo.")]),
        ("Lincoln Center events this week", [("Lincoln Center — Calendar", "New York Philharmonic at David Geffen Hall, Thursday 7:30pm."), ("Jazz at Lincoln Center", "Dizzy's Club sets nightly.")]),
        ("Victoria station to Heathrow", [("Heathrow Express from Paddington", "Every 15 minutes, 15 min journey; from Victoria take the Circle line first."), ("Elizabeth line", "Cheaper, 30–40 min.")]),
        ("how much does a Tesla Model 3 cost in Germany", [("Tesla Model 3 Preise", "Ab 40.990 € inkl. MwSt."), ("ADAC Autotest Model 3", "Reichweite und Verbrauch im Test.")]),
        ("Hope Street Liverpool restaurants", [("The Art School Restaurant", "Fine dining on Sugnall Street, off Hope Street."), ("Philharmonic Dining Rooms", "Victorian pub with famous bathrooms.")]),
        ("Wells Fargo routing number California", [("Routing numbers | Wells Fargo", "Use 121042882 for California checking accounts."), ("ABA routing numbers explained", "A 9-digit code identifying the bank.")]),
        ("Mason jar salad recipes", [("25 Mason Jar Salads", "Dressing at the bottom, greens on top."), ("Meal prep with Ball jars", "Keeps 4–5 days in the fridge.")]),
        ("Jackson Hole ski season dates", [("Jackson Hole Mountain Resort", "Opening day early December; closing early April."), ("Teton Village lodging", "Book by October for the holidays.")]),
        ("Ford Mustang Mach-E range test", [("Edmunds range test", "Extended-range RWD covered 270 miles at 70 mph."), ("Car and Driver review", "Quicker than the GT, softer ride.")]),
        ("St. Louis Arch tickets", [("Gateway Arch National Park", "Tram ride to the top, timed tickets."), ("Riverboat cruises", "Departing from the levee below the Arch.")]),
        ("Victoria and Albert Museum opening hours", [("V&A South Kensington", "Open daily 10:00–17:45, Fridays until 22:00."), ("V&A East", "Opens in Stratford in 2025.")]),
        ("Grace Cathedral labyrinth", [("Grace Cathedral, San Francisco", "Indoor and outdoor labyrinths; yoga on Tuesdays."), ("Nob Hill walking tour", "Starts at Huntington Park.")]),
        ("Marks & Spencer returns policy", [("M&S returns", "35 days with receipt; online orders free to return in store."), ("Which? guide to returns", "Your rights under the Consumer Rights Act.")]),
    ])
    if chance(0.5):
        return "json", "en", dumps({"tool": pick(["web_search", "brave_search", "tavily"]), "query": q, "results": [{"title": t, "snippet": s, "url": f"https://{pick(['www.', ''])}{re.sub(r'[^a-z]+', '-', t.lower()).strip('-')[:30]}.example.com/"} for t, s in hits]})
    return "text", "en", f"Search results for \"{q}\":\n" + "\n".join(f"{i + 1}. {t}\n   {s}" for i, (t, s) in enumerate(hits))


def n_calendar():
    ev = []
    for _ in range(R.randint(2, 5)):
        d = other_date(pick(["en", "en", "de", "fr"]))
        ev.append(pick([f"- {d} 09:30–10:00  Stand-up (Platform team), room Everest", f"- {d} all day  Offsite in Lisbon — Hotel Avenida Palace",
                        f"- {d} 14:00  Quarterly review with Grant Thornton auditors", f"- {d}  Public holiday (Whit Monday) — office closed",
                        f"- {d} 16:00–17:00  Sprint demo: release 2.{R.randint(1, 40)}", f"- {d} 12:00  Lunch & learn: Rust async",
                        f"- {d}  Deadline: VAT return Q{R.randint(1, 4)}", f"- {d} 11:00  Dentist (personal, blocked)"]))
    if chance(0.5):
        return "json", "en", dumps({"tool": "calendar.list_events", "calendar": pick(["team-platform", "primary", "ops-oncall"]),
                                    "events": [{"summary": e.split("  ", 1)[-1].strip(), "when": e[2:].split("  ")[0]} for e in ev]})
    return "text", "en", "Upcoming events:\n" + "\n".join(ev)


def n_catalogue():
    items = R.sample([("Dr. Martens 1460 Smooth", "boots", 169.0), ("Ben & Jerry's Cookie Dough 465ml", "ice cream", 6.49), ("Tom Ford Oud Wood 50ml", "fragrance", 245.0),
                      ("Le Creuset Signature Casserole 24cm", "cookware", 299.0), ("Calvin Klein Cotton Stretch Trunk 3-pack", "underwear", 42.0),
                      ("Grace & Stella Under-Eye Masks", "skincare", 24.99), ("Lily's Kitchen Chicken Casserole", "pet food", 2.29), ("Jasmine Rice 5kg (Tilda)", "grocery", 11.5),
                      ("Rose Gold iPhone 15 Case", "accessories", 19.99), ("Mason Cash Mixing Bowl", "baking", 28.0), ("Hunter Original Tall Wellington", "boots", 150.0),
                      ("Dyson V15 Detect", "vacuum", 649.0), ("Kindle Paperwhite 16GB", "e-reader", 159.99), ("Summer Fridays Lip Butter Balm", "cosmetics", 24.0)], R.randint(3, 6))
    if chance(0.5):
        return "json", "en", dumps({"catalog": [{"sku": f"{pick(['SKU', 'P', 'ART'])}-{digits(6)}", "ean": digits(13), "title": t, "category": c,
                                                 "price": {"amount": p, "currency": pick(["EUR", "GBP", "USD"])}, "stock": R.randint(0, 400)} for t, c, p in items]})
    return "text", "en", "| SKU | Product | Category | Price |\n|---|---|---|---|\n" + "\n".join(f"| {digits(8)} | {t} | {c} | {p:.2f} |" for t, c, p in items)


def n_ops_logs():
    return "text", "en", pick([
        "\n".join(f"2025-0{R.randint(1, 9)}-{R.randint(10, 28)}T{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}Z {pick(['INFO', 'WARN', 'DEBUG'])} "
                  + pick(["worker=3 job=reindex shard=12 took=842ms", "http method=GET path=/healthz status=200 dur=1.2ms", "cache miss key=catalog:v2:page:7",
                          "retrying upstream=search attempt=2 backoff=400ms", "gc pause=12ms heap=412MB", "kafka consumer lag topic=orders partition=4 lag=1203"])
                  for _ in range(R.randint(3, 7))),
        f"Events:\n  Type     Reason     Age   From               Message\n  ----     ------     ----  ----               -------\n  Normal   Scheduled  2m    default-scheduler  Successfully assigned prod/api-7d9f{digits(3)}-x2k9p to node-pool-b\n"
        "  Warning  BackOff    40s   kubelet            Back-off restarting failed container api in pod api-7d9f",
        "Step 7/12 : RUN cargo build --release\n ---> Running in 4be1c2a9f0de\n   Compiling serde v1.0.210\n   Compiling regex v1.11.0\n    Finished `release` profile [optimized] target(s) in 1m 52s",
        f"##[group]Run actions/checkout@v4\nSyncing repository: acme/ledger\n##[endgroup]\n##[error]Process completed with exit code 101.\nJob duration: {R.randint(2, 19)}m {R.randint(0, 59)}s"])


def n_prose():
    return "text", "en", pick([
        "Will the grace period apply if the bill is paid late? Yes — most cards give 21 to 25 days between the statement date and the due date. Chase and Amex both document this; check your cardholder agreement.",
        "In May the Summer range arrives: rose, jasmine and lily scents. Hope you enjoy it! Page 4 of the catalogue has the full list.",
        "The Ford Foundation and the Carnegie Endowment both fund this kind of research. Morgan Stanley published a similar note last year.",
        "To reset the router, hold the WPS button for 10 seconds until the light turns amber, then wait two minutes.",
        "Answer: an IBAN's check digits are computed with ISO 7064 mod 97-10: move the first four characters to the end, convert letters to numbers (A=10 … Z=35) and take the remainder.",
        "A Luhn check catches any single-digit error and most transpositions of adjacent digits; it does not prove a card exists.",
        "Sure! Here's a three-day itinerary for Victoria, BC: day 1 Inner Harbour and the Royal BC Museum; day 2 Butchart Gardens; day 3 whale watching from Fisherman's Wharf.",
        "Charlotte is the largest city in North Carolina; Jackson is the capital of Mississippi; Madison is the capital of Wisconsin.",
        "Dawn raids are rare in this jurisdiction. The Grant of Probate usually takes 8–12 weeks once the forms are filed.",
        "Mason jars, Hunter wellies and a Baker's dozen — the shop's spring bestsellers, per the weekly report.",
        "Your order summary: 2 × Ben & Jerry's, 1 × Tilda Jasmine Rice. Delivery window 18:00–19:00 tomorrow. Tip optional.",
        "The meeting moved to Thursday 14:00 in the Sky Lounge, 12th floor. Bring the Q3 deck.",
        "The Chase Sapphire Preferred earns 3x points on dining; the Wells Fargo Active Cash card pays a flat 2% back.",
        "Rose Bowl tickets go on sale in April. Parking opens at 6am; the stadium is in Pasadena, not Los Angeles proper.",
        "Paris, Texas and Paris, France are 7,800 km apart. Florence, Alabama is on the Tennessee River.",
        "Your package was handed to the carrier in Memphis and is now at the Louisville hub. Expected delivery: Friday by 8pm.",
        "To make jasmine rice in an Instant Pot: 1 cup rice, 1 cup water, 3 minutes high pressure, 10 minutes natural release.",
        "The Mason–Dixon line was surveyed between 1763 and 1767. Today it marks the border between Pennsylvania and Maryland.",
        "Q: Can I bring a power bank on the plane? A: Yes, in cabin baggage only, up to 100 Wh without airline approval.",
        "Grace Hopper Celebration 2025 runs in Chicago; the Hunter College campus hosts a satellite event in New York.",
        "Summary: revenue rose 12% year on year; churn fell to 2.1%; the Page Mill Road office closes in June.",
        "Lily pads can grow up to three metres across in the Amazon (Victoria amazonica). Best seen at Kew in late summer.",
        "Storm Ciarán is expected to make landfall on Thursday; rail operators in Cornwall have cancelled evening services.",
        "The Dawn Treader is the third Narnia novel by publication order. The sequel, The Silver Chair, follows in 1953.",
        "I'd suggest the Baker Street exit; from there the Sherlock Holmes Museum is a two-minute walk north.",
        "Windows 10 build 10.0.19045.3803 and Chrome 124.0.6367.91 are both affected; update to the latest version.",
        "ISBN 978-0-306-40615-7 has check digit 7: weights alternate 1 and 3, sum 93, and 10 − 3 = 7.",
        "Here is a regex that matches most e-mail addresses: [A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}. It rejects quoted local parts.",
        "Your plan renews on the 1st of each month at 9.99 EUR. You can cancel any time in Settings → Subscription.",
        "Sky Sports and BT Sport both carry the match; kick-off is 17:30 BST at Old Trafford.",
        "Cook's tip: rest the brisket for at least an hour, wrapped in butcher paper, before slicing against the grain.",
        "Hope Valley and the Peak District are an easy day trip from Sheffield by train (about 30 minutes).",
        "The Faith No More reunion tour stops in Lisbon and Porto next spring; tickets from 45 EUR.",
        "Use `git rebase -i HEAD~3` to squash the last three commits, then `git push --force-with-lease`.",
        "Heather and gorse bloom on the moors from August; bring waterproofs regardless of the forecast.",
        "The Royal Mail second-class price rose to 85p; first class is now £1.65 for a standard letter.",
    ])


def n_multilingual():
    lang = pick(["de", "fr", "es", "it", "pt", "nl", "pl", "tr", "ja", "zh", "ar", "hi"])
    t = {"de": ["Wie spät ist es in Tokio, wenn es in Berlin 15 Uhr ist?", "Die Lieferung nach München dauert 2–3 Werktage.", "Bitte die Datei config.yaml im Ordner deploy/ prüfen.", 'Was ist der Unterschied zwischen IBAN und BIC?', 'Der ICE nach Hamburg hat 20 Minuten Verspätung.', 'Schreib mir eine kurze Absage für das Meeting am Freitag.'],
         "fr": ["Quel temps fait-il à Lyon ce week-end ?", "Le magasin de la rue de Rivoli ferme à 20 h le samedi.", "Peux-tu résumer ce rapport en trois points ?", 'Comment annuler mon abonnement Navigo ?', 'La boulangerie Paul de la gare de Lyon ouvre à 6 h.', 'Donne-moi une recette de tarte Tatin.'],
         "es": ["¿Cuál es la mejor época para visitar Sevilla?", "El vuelo a Bogotá sale a las 23:40 desde la T4.", "Tráduceme este párrafo al inglés, por favor.", '¿Qué documentos necesito para alquilar un coche en Málaga?', 'El Museo del Prado abre a las 10:00.', 'Explícame qué es un número de cuenta IBAN.'],
         "it": ["Quanto costa il biglietto del treno da Milano a Roma?", "Il museo degli Uffizi è chiuso il lunedì.", "Scrivi una funzione Python che ordina una lista.", 'Come si prepara il risotto alla milanese?', 'Il Frecciarossa per Napoli parte dal binario 8.', 'Qual è la differenza tra IBAN e BIC?'],
         "pt": ["Qual é o horário do metrô de São Paulo aos domingos?", "O pacote chega a Lisboa em 48 horas.", "Explique o que é um IBAN.", 'Como faço para renovar o passaporte em Portugal?', 'O voo para o Recife está atrasado.', 'Escreva um e-mail formal de reclamação.'],
         "nl": ["Hoe laat vertrekt de trein van Utrecht naar Amsterdam?", "Het pakket wordt morgen bezorgd in Rotterdam.", "Vat deze tekst samen in twee zinnen.", 'Wat kost een OV-chipkaart?', 'De Albert Heijn op het station is tot 22:00 open.', 'Leg uit hoe een IBAN is opgebouwd.'],
         "pl": ["Jaka jest pogoda w Krakowie jutro?", "Sklep przy ul. Długiej jest zamknięty w niedzielę.", "Napisz zapytanie SQL, które liczy zamówienia.", 'Jak dojechać z lotniska Chopina do centrum?', 'Pociąg do Gdańska odjeżdża z peronu 3.', 'Wyjaśnij, czym jest numer IBAN.'],
         "tr": ["İstanbul'da yarın hava nasıl olacak?", "Ankara'ya giden otobüs saat 22:00'de kalkıyor.", "Bu metni İngilizceye çevirir misin?", "İzmir'de gezilecek yerler nelerdir?", 'Kargo takip numarası nerede yazıyor?', 'Bu Python hatasını açıklar mısın?'],
         "ja": ["明日の大阪の天気を教えてください。", "新宿駅から渋谷駅までどのくらいかかりますか？", "このエラーメッセージの意味を説明してください。", '東京駅から京都駅までの新幹線の料金は？', 'このSQLクエリを最適化してください。', 'おすすめのラーメン店を教えて。'],
         "zh": ["上海明天的天气怎么样？", "请帮我把这段代码改成异步版本。", "从北京到杭州的高铁要多久？", '深圳有哪些好玩的地方？', '这个函数为什么会报空指针错误？', '帮我写一封请假邮件。'],
         "ar": ["ما هو الطقس في دبي غدا؟", "كم تستغرق الرحلة من الرياض إلى جدة؟", "اشرح لي ما هو رقم الآيبان.", 'ما هي أفضل المطاعم في القاهرة؟', 'كيف أكتب دالة بلغة بايثون لفرز قائمة؟', 'متى يفتح متحف اللوفر أبوظبي؟'],
         "hi": ["कल दिल्ली में मौसम कैसा रहेगा?", "मुंबई से पुणे की ट्रेन कितने बजे है?", "इस कोड में गलती क्या है?", 'बेंगलुरु में घूमने की अच्छी जगहें कौन सी हैं?', 'इस SQL क्वेरी को तेज़ कैसे करें?', 'मुझे एक छुट्टी का आवेदन लिखकर दो।']}[lang]
    txt = " ".join(R.sample(t, R.randint(1, 3)))
    if chance(0.5):
        return "json", lang, dumps({"model": pick(MODELS_OAI), "messages": [{"role": "user", "content": txt}]}, ensure_ascii=chance(0.4))
    return "text", lang, txt


def n_config():
    k = R.randrange(5)
    if k == 0:
        return "text", "en", (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {pick(['pii-redactor', 'agent-gateway', 'billing-worker', 'search-api'])}\n"
                              f"spec:\n  replicas: {R.randint(1, 12)}\n  template:\n    spec:\n      containers:\n        - name: app\n"
                              f"          image: ghcr.io/acme/app:{R.randint(1, 3)}.{R.randint(0, 40)}.{R.randint(0, 9)}\n"
                              f"          resources: {{limits: {{memory: {pick(['256Mi', '512Mi', '1Gi', '2Gi'])}, cpu: {pick(['250m', '500m', '1', '2'])}}}}}")
    if k == 1:
        return "text", "en", (f"[server]\nport = {pick([8080, 8000, 3000, 9090, 8443])}\nworkers = {R.randint(1, 16)}\n\n[redaction]\n"
                              f"types = {json.dumps(R.sample(['EMAIL', 'PHONE', 'CARD', 'IBAN', 'SSN', 'IP', 'PERSON'], R.randint(2, 5)))}\n"
                              f"mask = \"{pick(['[REDACTED]', '***', '<PII>', '█'])}\"\nlog_level = \"{pick(['info', 'debug', 'warn'])}\"")
    if k == 2:
        return "text", "en", (f"# .env.example\nDATABASE_URL=postgres://app:app@localhost:{pick([5432, 5433, 6543])}/{pick(['app', 'ledger', 'crm'])}\n"
                              f"REDIS_URL=redis://localhost:6379/{R.randint(0, 15)}\nFEATURE_{pick(['GRACE_PERIOD', 'NEW_CHECKOUT', 'SMART_ROUTING'])}={pick(['true', 'false'])}\nSENTRY_DSN=")
    if k == 3:
        return "text", "en", (f"## Setup\n\n1. `python{pick(['', '3', '3.11'])} -m venv .venv && . .venv/bin/activate`\n2. `pip install -r {pick(['requirements.txt', 'requirements-dev.txt'])}`\n"
                              f"3. `{pick(['make migrate', 'alembic upgrade head', 'python manage.py migrate', 'just db-up'])}`\n\nSee `docs/{pick(['architecture', 'runbook', 'data-flow', 'adr/0007-redaction'])}.md` for details.")
    return "text", "en", (f"[package]\nname = \"{pick(['ledger-core', 'pii-scan', 'agent-tools', 'geo-index'])}\"\nversion = \"0.{R.randint(1, 30)}.{R.randint(0, 9)}\"\nedition = \"2021\"\n\n"
                          f"[dependencies]\nserde = {{ version = \"1\", features = [\"derive\"] }}\nregex = \"1.{R.randint(5, 11)}\"\ntokio = {{ version = \"1\", features = [\"full\"] }}")


def n_flight_status():
    f = pick(["BA 117", "LH 401", "AF 1234", "EK 7", "QF 1", "UA 900", "TK 1979", "KL 1001"])
    st = {"flight": f, "status": pick(["On time", "Delayed", "Boarding", "Cancelled"]), "departure": {"airport": pick(["LHR", "FRA", "CDG", "DXB", "SYD"]), "terminal": str(R.randint(1, 5)),
          "gate": f"{pick('ABCDE')}{R.randint(1, 60)}", "scheduled": f"{other_date()} {R.randint(0, 23):02d}:{R.randint(0, 5)}0"},
          "arrival": {"airport": pick(["JFK", "SIN", "GRU", "NRT", "YVR"]), "estimated": f"{R.randint(0, 23):02d}:{R.randint(0, 5)}5"}, "aircraft": pick(["A350-900", "B777-300ER", "A321neo", "B787-9"])}
    if chance(0.5):
        return "json", "en", dumps(st)
    return "text", "en", f"Flight {f} is {st['status'].lower()}. Departs {st['departure']['airport']} T{st['departure']['terminal']} gate {st['departure']['gate']}, arrives {st['arrival']['airport']} around {st['arrival']['estimated']} ({st['aircraft']})."


def n_metrics():
    rows = [f"{int(1.7e12) + R.randint(0, 10**10)},{R.random() * 100:.3f},{R.randint(0, 5000)}" for _ in range(R.randint(3, 6))]
    return "text", "en", pick(["ts_ms,cpu_pct,rps\n", "Tool result (prometheus.query_range):\nts_ms,cpu_pct,rps\n"]) + "\n".join(rows)


# ---- payments in free text ------------------------------------------------------
def g_payment_text():
    p = person()
    net, c = card()
    exp = f"{R.randint(1, 12):02d}/{pick(['', '20'])}{R.randint(26, 32)}"
    s = pick([
        f"Card details for the hotel deposit: {C(c)}, exp {exp}, name on card {P(p.form('upper'))}. Please charge only the first night.",
        f"pls use this card for the team dinner {C(c)} ({net.lower()}), billing zip {addr('us')['postcode'][:5]}",
        f"Checkout form dump:\n  cardholder={P(p.full)}\n  pan={C(c)}\n  expiry={exp}\n  email={E(email(p))}\n  ip={N(ip())}",
        f"The customer read out {C(c)} twice on the call — {net}, expiring {exp}. I've added a note to scrub the recording.",
        f"Assistant: I can't store card numbers. You wrote {C(c)}; please delete that message and use the secure payment link instead.",
        f"Refund to {net} {C(c)} for {P(p.full)} failed: card closed. Ask for an IBAN ({B(iban())}?) or a new card.",
    ])
    return "text", "en", s


NON_PII = [n_coding_tool_call, n_coding_tool_call, n_coding_tool_call, n_sql, n_stack_trace, n_tool_definitions, n_search_results, n_search_results,
           n_calendar, n_catalogue, n_ops_logs, n_prose, n_prose, n_multilingual, n_multilingual, n_config, n_flight_status, n_metrics]
PII_TEXT = [(g_bank_chat, 22), (g_airline_chat, 22), (g_telecom_chat, 16), (g_shop_chat, 20), (g_health_intake, 20), (g_hr_onboarding, 16),
            (g_realestate_email, 14), (g_food_chat, 15), (g_email_thread, 20), (g_casual_chat, 12), (g_wordy_names, 20), (g_ocr_form, 14),
            (g_yaml, 12), (g_csv, 13), (g_markdown, 12), (g_logs, 16), (g_sql_pii, 8), (g_trace_pii, 8), (g_agent_notes, 13), (g_sms, 10),
            (g_tax, 16), (g_it_support, 15), (g_payment_text, 14), (g_multi, 62)]
PII_JSON = [(j_openai_tool_call, 36), (j_anthropic_tool_use, 24), (j_api_response, 22), (j_tool_result_in_content, 22), (j_people_search, 12),
            (j_log_event, 14), (j_ticket_args, 14), (j_multilingual, 30), (j_webhook, 14), (j_form_submit, 12)]
N_NON_PII = 200


# ==========================================================================
# Validation
# ==========================================================================
def unescape(v):
    for _ in range(3):
        if "\\" not in v:
            break
        try:
            v = json.loads('"' + v + '"')
        except json.JSONDecodeError:
            break
    return v


def validate(rec):
    text, b = rec["text"], rec["text"].encode()
    if rec["shape"] == "json":
        json.loads(text)
    prev = 0
    for s in sorted(rec["spans"], key=lambda s: s["start"]):
        a, e = s["start"], s["end"]
        assert 0 <= prev <= a < e <= len(b), (rec["id"], s)
        v = b[a:e].decode()  # raises unless on char boundaries
        assert v == v.strip(), (rec["id"], v)
        prev = e
        u = unescape(v)
        t = s["type"]
        if t == "CARD":
            d = re.sub(r"[ -]", "", u)
            assert d.isdigit() and 12 <= len(d) <= 19 and luhn_ok(d), (rec["id"], u)
        elif t == "IBAN":
            assert iban_ok(u), (rec["id"], u)
        elif t == "SSN":
            assert ssn_ok(u), (rec["id"], u)
        elif t == "IP":
            ipaddress.ip_address(u)
        elif t == "EMAIL":
            assert re.fullmatch(r"[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", u), (rec["id"], u)
        elif t == "PHONE":
            assert sum(c.isdigit() for c in unicodedata.normalize("NFKC", u)) >= 7, (rec["id"], u)
        elif t == "AGE":
            assert u.isdigit(), (rec["id"], u)


def main():
    recs = []
    plan = [f for f, n in PII_TEXT for _ in range(n)] + [f for f, n in PII_JSON for _ in range(n)]
    plan += [NON_PII[i % len(NON_PII)] for i in range(N_NON_PII)]
    R.shuffle(plan)
    seen = set()
    for i, f in enumerate(plan):
        for _ in range(30):  # no duplicate texts
            shape, lang, raw = f()
            text, spans = finalize(raw)
            if text not in seen:
                break
        seen.add(text)
        rec = {"id": f"h{i + 1:04d}", "shape": shape, "lang": lang, "text": text, "spans": spans}
        if f in NON_PII:
            assert not spans, (f.__name__, text[:200])
        validate(rec)
        recs.append(rec)
    with open(OUT, "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = {}
    for r in recs:
        for s in r["spans"]:
            c = counts.setdefault(s["type"], [0, 0])
            c[r["shape"] == "json"] += 1
    print(f"{len(recs)} records ({sum(r['shape'] == 'text' for r in recs)} text, {sum(r['shape'] == 'json' for r in recs)} json), "
          f"{sum(not r['spans'] for r in recs)} without PII", file=sys.stderr)
    langs = {}
    for r in recs:
        langs[r["lang"]] = langs.get(r["lang"], 0) + 1
    print("langs:", dict(sorted(langs.items(), key=lambda kv: -kv[1])), file=sys.stderr)
    for t in CODE:
        c = counts.get(t, [0, 0])
        print(f"{t:8} {sum(c):5d} text {c[0]:4d} json {c[1]:4d}", file=sys.stderr)
    print(f"all      {sum(sum(c) for c in counts.values()):5d}", file=sys.stderr)


if __name__ == "__main__":
    main()

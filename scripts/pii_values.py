#!/usr/bin/env python3
"""Value generators for scripts/make_pii_corpus.py: people, structured values
from their standards, addresses, dates and identifiers.

Kept apart from the record templates so that each file stays readable; both
draw from the one seeded random.Random here (R), so the corpus stays
deterministic. Not meant to be run on its own.
"""
import random, re, unicodedata, zlib
from faker import Faker

SEED = 20241117
R = random.Random(SEED)
def ch(xs): return R.choice(xs)
def W(s): return s.split()
def L(s): return [x.strip() for x in s.split("|")]
def digits(n): return "".join(R.choice("0123456789") for _ in range(n))
def upper(n): return "".join(R.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(n))
def alnum(n, alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"): return "".join(R.choice(alphabet) for _ in range(n))
def chance(p): return R.random() < p

_FAKERS = {}
def fk(loc):
    # One seeded Faker per locale; crc32, not hash(), because str hashes are salted per process.
    if loc not in _FAKERS:
        f = Faker(loc); f.seed_instance(SEED ^ zlib.crc32(loc.encode())); _FAKERS[loc] = f
    return _FAKERS[loc]

# ---------------------------------------------------------------- people
OWN_NAMES = {  # culture: (given names, family names, family name written first?)
    "ar_lat": (W("Mohammed Ahmed Omar Youssef Khalid Hassan Tariq Samir Karim Hamza Fatima Aisha Layla Nour Rania Zainab Mariam Yasmin Salma Huda Abdulaziz"),
               L("Al-Farsi|Haddad|Nasser|Khoury|El-Amin|Mansour|Saleh|Rahman|bin Abdullah|Al-Sayed|Qureshi|Aziz|Hamdan|Darwish|Abu Bakr|El Masri|bin Rashid"), False),
    "zh_py": (W("Wei Fang Xiuying Jing Min Lei Jun Yan Hui Qiang Xiaoming Jiayi Zihan Yuxuan Haoran Mei Lan Tao Bo Yifan Mia"),
              W("Li Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo"), None),
    "ko_lat": (W("Min-jun Seo-yeon Ji-woo Ha-eun Do-yoon Soo-ah Jae-won Hye-jin Sung-min Eun-ji Ji-hoon Yuna"),
               W("Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Shin"), None),
    "vi": (L("Lan|Minh|Anh|Hương|Tuấn|Linh|Đức|Thảo|Hoa|Quang|Trang|Bảo|Huong|Tuan|Duc"),
           L("Nguyễn|Trần|Lê|Phạm|Hoàng|Phan|Vũ|Đặng|Nguyen|Tran|Pham|Hoang|Bui|Ngo"), True),
    "in": (W("Aarav Priya Ananya Rohan Vikram Deepika Arjun Kavya Sanjay Lakshmi Rahul Sneha Venkatesh Meera Aditya Pooja Harpreet Gurpreet"),
           W("Sharma Patel Iyer Raghunathan Subramanian Reddy Gupta Nair Menon Singh Chatterjee Banerjee Desai Joshi Kapoor Mehta Pillai Rao"), False),
    "ru_lat": (W("Dmitri Sergei Olga Natalia Alexei Ivan Svetlana Yuri Tatiana Mikhail Anastasia Pavel Ekaterina Vladimir"),
               W("Ivanov Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Volkov Petrov Pavlov"), False),
    "el_lat": (W("Giorgos Eleni Nikos Maria Dimitris Katerina Yannis Sofia Kostas Despina"),
               W("Papadopoulos Nikolaidou Georgiou Papadakis Vlachos Oikonomou Christodoulou Karagiannis"), False),
    "en_word": (W("Will Rose Page Grant Hope Bill May Mark Summer Guy Joy Dawn Faith Grace Hunter Chase Miles Ray Art Jack Sue Pat Sky Reed Drew Frank Matt Autumn"),
                W("Page Grant Young King Long Rose Bill Mark May Hope Summer Guy Little Black White Brown Green Rich Wise Short Hall Street Price Stone Wood Fox Bird Hill"), False),
    "particle": (W("Jean-Luc Marie-Claire Anne-Sophie Hans-Peter Karl-Heinz Mary-Kate Liam Siobhan Seamus Paolo Ana Luis"),
                 L("O'Brien|McDonald|MacLeod|O'Connor|D'Angelo|van der Berg|van Dijk|de la Cruz|de Souza|von Trapp|Da Silva|St. John|Fitzgerald-Hughes|Smith-Jones|le Roux|dos Santos|Ní Bhriain|de Jong"), False),
}
# culture: (Faker locale, how to write the full name)  "sp" given-space-family, "fs" family-space-given, "f0" family+given, no space
FAKER_NAMES = {"en_US": "sp", "en_GB": "sp", "en_AU": "sp", "es_ES": "sp", "es_MX": "sp", "de_DE": "sp", "fr_FR": "sp",
               "it_IT": "sp", "pl_PL": "sp", "tr_TR": "sp", "nl_NL": "sp", "pt_BR": "sp", "en_IN": "sp", "yo_NG": "sp",
               "ig_NG": "sp", "ar_SA": "sp", "ru_RU": "sp", "el_GR": "sp", "hi_IN": "sp", "zh_CN": "f0", "ko_KR": "f0", "ja_JP": "fs"}
CULTURE_W = {"en_US": 9, "en_GB": 4, "en_AU": 2, "es_ES": 3, "es_MX": 3, "de_DE": 4, "fr_FR": 4, "it_IT": 3, "pl_PL": 2,
             "tr_TR": 2, "nl_NL": 2, "pt_BR": 2, "en_IN": 2, "yo_NG": 2, "ig_NG": 2, "ar_SA": 2, "ru_RU": 2, "el_GR": 1,
             "hi_IN": 1, "zh_CN": 2, "ko_KR": 1, "ja_JP": 2, "ja_lat": 2, "ar_lat": 3, "zh_py": 3, "ko_lat": 2, "vi": 3,
             "in": 3, "ru_lat": 2, "el_lat": 1, "en_word": 5, "particle": 4}
CULTURE_LANG = {"es_ES": "es", "es_MX": "es", "de_DE": "de", "fr_FR": "fr", "it_IT": "it", "nl_NL": "nl", "pt_BR": "pt", "pl_PL": "pl", "tr_TR": "tr"}
TITLES = {"de": L("Herr|Frau|Dr.|Hr.|Fr."), "fr": L("M.|Mme|Mlle|Dr"), "es": L("Sr.|Sra.|Don|Doña|Dr."),
          "it": L("Sig.|Sig.ra|Dott.|Dott.ssa"), "en": L("Mr|Mr.|Ms|Ms.|Mrs|Mrs.|Dr|Dr.|Prof.|Miss|Mx")}

class Person:
    def __init__(self):
        self.culture = c = R.choices(list(CULTURE_W), weights=list(CULTURE_W.values()))[0]
        self.lang = CULTURE_LANG.get(c, "en"); self.middle = None
        if c == "ja_lat":
            f = fk("ja_JP"); self.first, self.last, self.order = f.first_romanized_name(), f.last_romanized_name(), "sp"
        elif c in OWN_NAMES:
            firsts, lasts, fam = OWN_NAMES[c]
            self.first, self.last = ch(firsts), ch(lasts)
            if c == "ru_lat" and self.first in ("Olga", "Natalia", "Svetlana", "Tatiana", "Anastasia", "Ekaterina"): self.last += "a"
            if c == "vi" and chance(0.6): self.middle = ch(L("Thị|Văn|Thi|Van|Minh|Ngọc"))
            self.order = "fs" if fam or (fam is None and chance(0.5)) else "sp"
        else:
            f = fk(c); self.order = FAKER_NAMES[c]
            if c == "ru_RU":  # Russian surnames agree with the given name's gender
                fem = chance(0.5)
                self.first = f.first_name_female() if fem else f.first_name_male()
                self.last = f.last_name_female() if fem else f.last_name_male()
                if chance(0.3): self.middle = f.middle_name_female() if fem else f.middle_name_male()
            else:
                self.first, self.last = f.first_name(), f.last_name()
                if self.order == "sp" and chance(0.12): self.middle = f.first_name()
        self.latin = all(unicodedata.name(x, "").startswith("LATIN") or not x.isalpha() for x in self.first + self.last)

    def full(self, middle=True):
        if self.order == "f0": return self.last + self.first
        mid = [self.middle] if (middle and self.middle) else []
        return " ".join([self.last] + mid + [self.first] if self.order == "fs" else [self.first] + mid + [self.last])

    def title(self):
        return ch(TITLES.get(self.lang, TITLES["en"]))

    def say(self, casual=False):
        """How a name shows up in prose: segments, the title outside the span."""
        r = R.random()
        if not self.latin or self.order != "sp":
            return [(self.full() if r < 0.7 else self.first if r < 0.85 else self.last, "PERSON")] if r < 0.85 or self.order == "f0" \
                else [(self.title() + " ", None), (self.last, "PERSON")]
        if casual and r < 0.25: return [(self.full().lower() if chance(0.5) else self.first.lower(), "PERSON")]
        if r < 0.45: return [(self.full(), "PERSON")]
        if r < 0.62: return [(self.first, "PERSON")]
        if r < 0.74: return [(self.title() + " ", None), (self.last, "PERSON")]
        if r < 0.79: return [(self.title() + " ", None), (self.full(), "PERSON")]
        if r < 0.87:  # initials: "J. R. Smith", "J Smith", "JR Smith"
            ini = self.first[0] + "." + (" " + upper(1) + "." if chance(0.4) else "")
            return [(ini + " " + self.last if chance(0.8) else self.first[0] + " " + self.last, "PERSON")]
        if r < 0.92: return [(self.last + ", " + self.first, "PERSON")]
        if r < 0.96: return [(self.full().upper(), "PERSON")]
        return [(self.first + " " + self.last[0] + ".", "PERSON")]

    def email(self):
        a, b = fold(self.first), fold(self.last.split()[-1])
        if not a or not b:  # non-Latin script: people pick a romanised or made-up handle
            a, b = ch(W("wei lan mika yuki nour sami dima eleni arjun kenji minh")), ch(W("x home pro dev 88 2k"))
        shapes = [a + "." + b, a + b, a[0] + b, a + "_" + b + digits(2), b + "." + a, a + "." + b + "+" + ch(W("travel shop work news")),
                  a + digits(R.randint(1, 4)), (a + "." + b).title().replace(" ", ""), b + a[0] + digits(1), a + "-" + b]
        domains = W("gmail.com outlook.com yahoo.co.uk hotmail.fr web.de gmx.net icloud.com proton.me qq.com 163.com naver.com yandex.ru "
                    "fastmail.fm mail.example.org acme-corp.com uni-heidelberg.de cs.stanford.edu nhs.net company.co.jp tiscali.it orange.fr "
                    "libero.it rediffmail.com example.com sub.mail.globex.io wanadoo.fr")
        local = ch(shapes)
        return local + "@" + (ch(domains).upper() if chance(0.03) else ch(domains))

def fold(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", s)

# ---------------------------------------------------------------- structured values, from the standards
def luhn_digit(body):
    tot = 0
    for i, d in enumerate(reversed(body)):
        d = int(d)
        if i % 2 == 0: d = d * 2 - 9 if d > 4 else d * 2
        tot += d
    return str((10 - tot % 10) % 10)

def luhn_ok(num):
    return luhn_digit(num[:-1]) == num[-1]

CARD_NETS = [  # (network, IIN prefixes, lengths, weight)
    ("visa", ["4"], [16, 16, 16, 13, 19], 30), ("mastercard", [str(x) for x in range(51, 56)] + [str(x) for x in range(2221, 2721, 37)], [16], 25),
    ("amex", ["34", "37"], [15], 12), ("discover", ["6011", "644", "645", "649", "65"] + [str(x) for x in range(622126, 622926, 97)], [16, 16, 19], 7),
    ("jcb", [str(x) for x in range(3528, 3590, 7)], [16, 16, 17, 19], 6), ("maestro", W("5018 5020 5038 5893 6304 6759 6761 6762 6763"), [12, 13, 16, 18, 19], 5),
    ("unionpay", ["62"], [16, 17, 18, 19], 6), ("diners", ["36", "300", "305", "38"], [14], 5), ("mir", ["2200", "2201", "2204"], [16], 2),
    ("rupay", ["60", "81", "82"], [16], 2)]

def card():
    net, prefixes, lengths, _ = R.choices(CARD_NETS, weights=[c[3] for c in CARD_NETS])[0]
    p = ch(prefixes); n = ch(lengths)
    body = p + digits(n - len(p) - 1); num = body + luhn_digit(body)
    groups = {15: [4, 6, 5], 14: [4, 6, 4]}.get(n) if net in ("amex", "diners") else None
    # Printed groups of 4, a short remainder joined to the last group (4-4-5 for 13 digits, 4-4-4-4-3 for 19).
    groups = groups or ([4] * (n // 4 - 1) + [4 + n % 4] if n % 4 and n % 4 < 3 else [4] * (n // 4) + ([n % 4] if n % 4 else []))
    style = R.random()
    if style < 0.4: return num
    out, i = [], 0
    for g in groups: out.append(num[i:i + g]); i += g
    return (" " if style < 0.8 else "-").join(out)

# BBAN layouts from the SWIFT IBAN registry: n digits, a upper letters, c alphanumerics.
IBAN_BBAN = {"DE": "8n10n", "GB": "4a6n8n", "FR": "5n5n11c2n", "ES": "4n4n1n1n10n", "IT": "1a5n5n12c", "NL": "4a10n", "BE": "3n7n2n",
             "AT": "5n11n", "CH": "5n12c", "PL": "8n16n", "PT": "4n4n11n2n", "IE": "4a6n8n", "SE": "3n16n1n", "DK": "4n9n1n", "NO": "4n6n1n",
             "FI": "3n11n", "LU": "3n13c", "GR": "3n4n16c", "CZ": "4n6n10n", "SA": "2n18c", "AE": "3n16n", "TR": "5n1n16c",
             "BR": "8n5n10n1a1c", "MT": "4a5n18c", "RO": "4a16c", "KW": "4a22c", "QA": "4a21c", "HU": "3n4n1n15n1n", "HR": "7n10n", "SI": "5n8n2n"}
IBAN_LEN = {"DE": 22, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "AT": 20, "CH": 21, "PL": 28, "PT": 25, "IE": 22,
            "SE": 24, "DK": 18, "NO": 15, "FI": 18, "LU": 20, "GR": 27, "CZ": 24, "SA": 24, "AE": 23, "TR": 26, "BR": 29, "MT": 31,
            "RO": 24, "KW": 30, "QA": 29, "HU": 28, "HR": 21, "SI": 19}

def iban_check(cc, bban):
    num = "".join(str(int(x, 36)) for x in bban + cc + "00")
    return "%02d" % (98 - int(num) % 97)

def iban_ok(s):
    s = s.replace(" ", "").upper()
    return len(s) == IBAN_LEN.get(s[:2]) and int("".join(str(int(x, 36)) for x in s[4:] + s[:4])) % 97 == 1

def iban():
    cc = ch(list(IBAN_BBAN) + ["DE", "GB", "FR", "ES", "NL", "IT"] * 2)
    bban = "".join({"n": digits, "a": upper, "c": lambda k: alnum(k)}[t](int(n)) for n, t in re.findall(r"(\d+)([nac])", IBAN_BBAN[cc]))
    s = cc + iban_check(cc, bban) + bban
    assert len(s) == IBAN_LEN[cc], cc
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4)) if chance(0.55) else s

def ssn():
    area = R.choice([a for a in range(1, 900) if a != 666])
    s = "%03d%02d%04d" % (area, R.randint(1, 99), R.randint(1, 9999))
    r = R.random()
    return s if r < 0.15 else f"{s[:3]} {s[3:5]} {s[5:]}" if r < 0.25 else f"{s[:3]}-{s[3:5]}-{s[5:]}"

def ipv4():
    while True:
        a = R.randint(1, 223)
        if a not in (10, 127, 0) and not (a == 169) and not (a == 172) and not (a == 192 and chance(0.5)): break
    return f"{a}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"

def ipv6():
    g = ["%x" % R.randint(0, 0xffff) for _ in range(8)]
    g[0] = ch(["2001", "2a02", "2600", "2607", "2a01", "2400", "2c0f", "2001:db8"]) if chance(0.8) else g[0]
    g = ":".join(g).split(":")[:8]
    r = R.random()
    if r < 0.3: return ":".join(x.zfill(4) for x in g)
    if r < 0.85: return ":".join(g[:R.randint(2, 4)]) + "::" + ":".join(g[-R.randint(1, 2):])
    return "::ffff:" + ipv4()

def ip(): return ipv6() if chance(0.3) else ipv4()

def nanp():
    a = str(R.randint(2, 9)) + digits(2)
    while a[1:] == "11": a = str(R.randint(2, 9)) + digits(2)
    e, n = str(R.randint(2, 9)) + digits(2), digits(4)
    return ch([f"({a}) {e}-{n}", f"({a}){e}-{n}", f"{a}-{e}-{n}", f"{a}.{e}.{n}", f"{a} {e} {n}", f"+1 {a} {e} {n}", f"+1-{a}-{e}-{n}",
               f"1-{a}-{e}-{n}", f"001-{a}-{e}-{n}", f"{a}-{e}-{n}x{digits(R.randint(3, 5))}", f"+1 ({a}) {e}-{n}", f"+1{a}{e}{n}",
               f"{a}{e}{n}", f"({a}) {e}-{n} ext. {digits(3)}", f"+1.{a}.{e}.{n}"])

def phone():
    c = ch(W("us us us uk uk au fr de jp in es it nl br ng cn ca faker faker"))
    if c in ("us", "ca"): return nanp()
    if c == "uk":  # (area code, subscriber number) without the trunk 0: London, Manchester, drama range, mobiles
        a, b = ch([("20", f"{ch(['7946', '3123', '8765', '7123'])} {digits(4)}"), ("161", f"496 {digits(4)}"), ("113", f"496 {digits(4)}"),
                   ("1632", f"960{digits(3)}"), ("7700", f"900{digits(3)}"), (f"7{R.randint(400, 999)}", digits(6))])
        return ch([f"0{a} {b}", f"+44 {a} {b}", f"+44 (0){a} {b}", f"+44{a}{b.replace(' ', '')}", f"0{a}{b.replace(' ', '')}", f"0{a}-{b}"])
    if c == "au":
        if chance(0.5): a, n = ch("2378"), digits(8); return ch([f"({'0' + a}) {n[:4]} {n[4:]}", f"0{a} {n[:4]} {n[4:]}", f"+61 {a} {n[:4]} {n[4:]}"])
        n = "4" + digits(8); return ch([f"0{n[:3]} {n[3:6]} {n[6:]}", f"+61 {n[:3]} {n[3:6]} {n[6:]}", f"0{n}"])
    if c == "fr":
        n = str(R.randint(1, 7)) + digits(8); pairs = [n[i:i + 2] for i in range(1, 9, 2)]
        return ch(["0" + n[0] + " " + " ".join(pairs), "+33 " + n[0] + " " + " ".join(pairs), "0" + n[0] + "." + ".".join(pairs), "+33" + n, "0" + n])
    if c == "de":
        a = ch(W("30 89 40 221 711 6221 351 151 160 176")); s = digits(R.randint(5, 8) if len(a) < 4 else 8 if a[0] == "1" else 6)
        return ch([f"0{a} {s}", f"+49 {a} {s}", f"+49 (0){a} {s}", f"0{a}/{s}", f"0{a}-{s}", f"+49{a}{s}"])
    if c == "jp":
        a, k = ch([("3", 4), ("6", 4), ("90", 4), ("80", 4), ("45", 3), ("75", 3)])  # area code, exchange digits
        mid, end = digits(k), digits(4)
        return ch([f"0{a}-{mid}-{end}", f"+81 {a}-{mid}-{end}", f"+81 {a} {mid} {end}", f"0{a}{mid}{end}"])
    if c == "in":
        n = ch("6789") + digits(9); return ch([f"+91 {n[:5]} {n[5:]}", f"+91-{n}", f"0{n[:5]} {n[5:]}", n, f"+91{n}"])
    if c == "es": n = ch("6789") + digits(8); return ch([f"+34 {n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]} {n[3:6]} {n[6:]}", f"+34{n}"])
    if c == "it": n = digits(8); return ch([f"+39 06 {n[:4]} {n[4:]}", f"+39 3{digits(2)} {digits(3)} {digits(4)}", f"06 {n}"])
    if c == "nl": return ch([f"+31 6 {digits(8)}", f"06-{digits(8)}", f"020-{digits(3)} {digits(4)}", f"+31 (0)20 {digits(3)} {digits(4)}"])
    if c == "br": return ch([f"+55 11 9{digits(4)}-{digits(4)}", f"(11) 9{digits(4)}-{digits(4)}", f"+55 (21) 9{digits(4)}-{digits(4)}"])
    if c == "ng": n = ch(["803", "806", "813", "703", "905"]) + digits(7); return ch([f"+234 {n[:3]} {n[3:6]} {n[6:]}", f"0{n[:3]} {n[3:6]} {n[6:]}", f"+234{n}"])
    if c == "cn": n = "1" + ch("3589") + digits(9); return ch([f"+86 {n[:3]} {n[3:7]} {n[7:]}", f"{n[:3]}-{n[3:7]}-{n[7:]}", n])
    return fk(ch(W("en_US en_GB fr_FR de_DE en_AU es_ES it_IT en_IN"))).phone_number()

# ---------------------------------------------------------------- addresses
JP_TOWNS = W("Jingumae Nishi-Shinjuku Roppongi Umeda Sakae Tenjin Kita-Aoyama Ebisu Nakameguro Namba Sannomiya Motomachi")
JP_WARDS = W("Shibuya-ku Shinjuku-ku Minato-ku Kita-ku Naka-ku Chuo-ku Meguro-ku Setagaya-ku")
JP_CITIES = W("Tokyo Osaka Nagoya Fukuoka Yokohama Kobe Sapporo Kyoto")
IN_PLACES = [("Indiranagar", "Bengaluru", "Karnataka", "560038"), ("Andheri West", "Mumbai", "Maharashtra", "400053"),
             ("Salt Lake", "Kolkata", "West Bengal", "700091"), ("Banjara Hills", "Hyderabad", "Telangana", "500034"),
             ("Koregaon Park", "Pune", "Maharashtra", "411001"), ("Adyar", "Chennai", "Tamil Nadu", "600020")]
ADDR_LOCALES = W("en_US en_US en_US en_GB en_GB en_AU en_CA de_DE de_DE fr_FR es_ES it_IT nl_NL en_IN")

def address():
    """One address, multi-line or comma-joined, in one of several countries' formats."""
    r = R.random()
    if r < 0.07:
        f = fk("en_US"); kind = R.random()
        pre = f.military_apo() + "\nAPO" if kind < 0.4 else f.military_dpo() + "\nDPO" if kind < 0.7 else f.military_ship() + "\nFPO"
        s = f"{pre} {f.military_state()} {f.postcode()}"
    elif r < 0.13:
        s = ch([f"PO Box {R.randint(10, 99999)}, {fk('en_US').city()}, {fk('en_US').state_abbr()} {fk('en_US').postcode()}",
                f"P.O. Box {R.randint(100, 9999)}\n{fk('en_AU').city()} {ch(W('NSW VIC QLD WA'))} {R.randint(2000, 7999)}",
                f"Postfach {R.randint(10, 99)} {R.randint(10, 99)} {R.randint(10, 99)}, {fk('de_DE').postcode()} {fk('de_DE').city()}",
                f"BP {R.randint(1, 999)}, {fk('fr_FR').postcode()} {fk('fr_FR').city()} Cedex",
                f"PO Box {R.randint(1, 9999)}, {ch(W('Nairobi Dubai Auckland Gaborone'))}"])
    elif r < 0.2:
        s = f"{R.randint(1, 5)}-{R.randint(1, 30)}-{R.randint(1, 20)} {ch(JP_TOWNS)}, {ch(JP_WARDS)}, {ch(JP_CITIES)} {digits(3)}-{digits(4)}"
        if chance(0.3): s = ch(["Room ", "Apt. ", "#"]) + str(R.randint(101, 1203)) + ", " + s
        if chance(0.15): s = fk("ja_JP").address()
    elif r < 0.26:
        area, city, state, pin = ch(IN_PLACES)
        s = f"{ch(['Flat', 'House No.', 'Plot'])} {R.randint(1, 950)}, {ch(W('Sai Shanti Prestige Lodha Green'))} {ch(W('Residency Apartments Towers Enclave'))}, " \
            f"{ordinal(R.randint(1, 20))} {ch(['Cross', 'Main', 'Road'])}, {area}, {city}, {state} {pin}"
    else:
        s = fk(ch(ADDR_LOCALES)).address()
    lines = [x.strip() for x in s.split("\n") if x.strip()]
    return "\n".join(lines) if chance(0.45) else ", ".join(lines)

# ---------------------------------------------------------------- dates, ages, ids
MONTHS = {"en": L("January|February|March|April|May|June|July|August|September|October|November|December"),
          "fr": L("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"),
          "de": L("Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"),
          "es": L("enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"),
          "it": L("gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre")}

def date_str(lang="en", y=None):
    y = y or R.randint(1938, 2012); m = R.randint(1, 12); d = R.randint(1, 28)
    if lang in ("fr", "de", "es", "it") and chance(0.6):
        mn = MONTHS[lang][m - 1]
        return {"fr": f"{d} {mn} {y}", "de": f"{d}. {mn} {y}", "es": f"{d} de {mn} de {y}", "it": f"{d} {mn} {y}"}[lang]
    mn = MONTHS["en"][m - 1]
    return ch([f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{m:02d}/{d:02d}/{y}", f"{m}/{d}/{y}", f"{mn} {d}, {y}", f"{d} {mn} {y}",
               f"{d:02d}.{m:02d}.{y}", f"{mn[:3]} {d} {y}", f"{d}-{mn[:3]}-{y}", f"{ordinal(d)} of {mn} {y}",
               f"{y}/{m:02d}/{d:02d}", f"{d:02d}-{m:02d}-{y}", f"{y}年{m}月{d}日" if chance(0.3) else f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{str(y)[2:]}"])

def ordinal(n): return f"{n}{'th' if 3 < n % 100 < 21 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"

def event_date():  # dates that are not birthdays: travel, meetings, invoices
    return date_str(y=R.randint(2019, 2027))

def id_value(kind):
    return {
        "customer": lambda: ch([f"CUST-{digits(6)}", f"C-{R.randint(2019, 2025)}-{digits(6)}", "cus_" + alnum(14, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), digits(8)]),
        "user": lambda: ch([f"u_{alnum(6, 'abcdefghijkmnpqrstuvwxyz0123456789')}", f"user-{digits(5)}", f"{digits(6)}", f"usr_{alnum(10).lower()}"]),
        "booking": lambda: ch([upper(1) + alnum(4) + upper(1), alnum(6), upper(5), f"BKG-{digits(4)}-{upper(2)}", alnum(5)]),
        "order": lambda: ch([f"#{digits(3)}-{digits(7)}-{digits(7)}", f"ORD-{R.randint(2020, 2025)}-{digits(6)}", f"SO{digits(6)}", f"{digits(10)}", f"#{digits(5)}"]),
        "payment": lambda: ch(["txn_" + alnum(16, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), "pi_3" + alnum(23, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), f"TXN-{digits(5)}-{digits(2)}", f"{digits(12)}"]),
        "passport": lambda: ch([digits(9), upper(1) + digits(8), "C" + alnum(8, "CFGHJKLMNPRTVWXYZ0123456789"), digits(2) + upper(2) + digits(5), upper(1) + digits(7), "E" + digits(8)]),
        "licence": lambda: ch([upper(1) + digits(7), f"{digits(3)} {digits(3)} {digits(3)}", f"{upper(1)}{digits(3)}-{digits(3)}-{digits(2)}-{digits(3)}-{digits(1)}", upper(5) + digits(6) + upper(2) + alnum(3), upper(1) + digits(12)]),
        "national": lambda: ch([dni(), f"{upper(2)} {digits(2)} {digits(2)} {digits(2)} {ch('ABCD')}", f"{R.randint(2, 9)}{digits(3)} {digits(4)} {digits(4)}", upper(5) + digits(4) + upper(1)]),
        "account": lambda: ch([digits(8), f"{digits(4)}-{digits(4)}-{digits(2)}", f"{digits(2)}-{digits(2)}-{digits(2)} {digits(8)}"]),
        "employee": lambda: ch([f"E{digits(5)}", f"EMP-{digits(4)}", digits(7)]),
        "mrn": lambda: ch([f"MRN{digits(8)}", digits(8), f"{digits(3)}-{digits(3)}-{digits(3)}"]),
        "member": lambda: ch([f"{upper(2)} {digits(8)}", digits(10), f"{upper(3)}{digits(9)}"]),
        "ticket": lambda: "125" + digits(10),
        "tax": lambda: ch([f"{digits(2)}-{digits(7)}", f"DE{digits(9)}", f"{digits(3)} {digits(3)} {digits(3)}"]),
    }[kind]()

def dni():
    n = R.randint(10000000, 99999999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"

ID_LABELS = {"customer": L("customer ID|customer number|Customer #|client ref|cust id"), "user": L("user ID|user id|uid|account ID|username"),
             "booking": L("booking|booking reference|PNR|confirmation code|reservation|booking ref"), "order": L("order|order number|order #|Order ID|PO"),
             "payment": L("transaction|payment ID|transaction ID|charge|txn"), "passport": L("passport no.|passport number|passport|Passport #|Reisepass-Nr."),
             "licence": L("driver's licence|driver's license|DL#|driving licence number|license no."),
             "national": L("national ID|DNI|NINO|Aadhaar|PAN|ID card number"), "account": L("account number|acct|bank account|account no."),
             "employee": L("employee ID|staff number|badge"), "mrn": L("MRN|medical record number|patient ID"), "member": L("frequent flyer number|loyalty number|member ID"),
             "ticket": L("e-ticket|ticket number"), "tax": L("tax ID|EIN|VAT number|TIN")}

def labelled_id():
    kind = ch(list(ID_LABELS) + ["booking", "order", "customer", "passport", "user"])
    return ch(ID_LABELS[kind]), id_value(kind), kind

def age(): return str(R.choice([R.randint(18, 90), R.randint(1, 17), R.randint(25, 55)]))

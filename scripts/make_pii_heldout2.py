#!/usr/bin/env python3
"""Generates tests/fixtures/pii/heldout2.jsonl: a second, independent held-out
labelled PII corpus (see tests/fixtures/pii/HELDOUT2.md).

    ~/.cache/slm-pipeline/heldout2-venv/bin/python scripts/make_pii_heldout2.py \
        [--out tests/fixtures/pii/heldout2.jsonl] [--seed 9061207] [--n 800]

Needs Faker 40.63.0 exactly (pip install faker==40.63.0); refuses any other
version so that the output stays byte-identical. Every record is built as a
sequence of pieces, each either plain or labelled; byte offsets come from the
pieces, never from searching. JSON records are serialised piecewise by the
small serialiser below, so a labelled value keeps its span through escaping
(and double escaping when a JSON document is embedded in a string).
"""
import argparse, datetime, ipaddress, json, os, re, sys, unicodedata

if os.environ.get("PYTHONHASHSEED") != "0":  # deterministic str hashing, then re-run
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import random  # noqa: E402

FAKER_VERSION = "40.63.0"
try:
    import faker  # noqa: E402
    from faker import Faker  # noqa: E402
except ImportError:
    sys.exit("needs Faker %s: pip install faker==%s" % (FAKER_VERSION, FAKER_VERSION))
if faker.VERSION != FAKER_VERSION:
    sys.exit("needs Faker %s exactly, found %s" % (FAKER_VERSION, faker.VERSION))

TYPES = ("PERSON", "ADDRESS", "DOB", "AGE", "ID", "EMAIL", "PHONE", "CARD", "IBAN", "IP", "SSN")

# ---------------------------------------------------------------- pieces


class Seg:
    """A string made of pieces (text, type or None, raw value)."""
    __slots__ = ("parts",)

    def __init__(self, parts=None):
        self.parts = parts or []

    def __add__(self, o):
        return Seg(self.parts + seg(o).parts)

    def __radd__(self, o):
        return Seg(seg(o).parts + self.parts)

    def plain(self):
        return "".join(p[0] for p in self.parts)


def seg(x):
    if isinstance(x, Seg):
        return x
    if isinstance(x, (int, float)):
        x = str(x)
    assert isinstance(x, str), type(x)
    return Seg([(x, None, x)])


def P(t, v):
    assert t in TYPES, t
    v = str(v)
    return Seg([(v, t, v)])


def T(*xs):
    out = Seg()
    for x in xs:
        out = out + x
    return out


def J(sep, xs):
    out = Seg()
    for i, x in enumerate(xs):
        if i:
            out = out + sep
        out = out + x
    return out


SLOT = re.compile(r"\{(\w+)\}")


def F(template, slots):
    """Fills {key} slots from a mapping (Slots or dict) of Seg / str."""
    out, pos = Seg(), 0
    for m in SLOT.finditer(template):
        out = out + template[pos:m.start()]
        out = out + slots[m.group(1)]
        pos = m.end()
    return out + template[pos:]


class Num:
    """A JSON number that is a labelled value (AGE), written without quotes."""

    def __init__(self, t, v):
        self.t, self.v = t, v


class Embed:
    """A JSON document written as a string value (arguments, content)."""

    def __init__(self, obj, **opts):
        self.obj, self.opts = obj, opts


def jesc(s, ascii_):
    return json.dumps(s, ensure_ascii=ascii_)[1:-1]


def jstr(sg, ascii_):
    parts = [('"', None, '"')]
    for text, t, raw in sg.parts:
        parts.append((jesc(text, ascii_), t, raw))
    parts.append(('"', None, '"'))
    return Seg(parts)


def jdump(obj, indent=None, ascii_=False, compact=False, _lvl=0):
    """Serialises like json.dumps(obj, indent=..., ensure_ascii=...), keeping pieces."""
    item_sep, kv_sep = ((",", ":") if compact else ((",", ": ") if indent is not None else (", ", ": ")))
    if isinstance(obj, (Seg, str)):
        return jstr(seg(obj), ascii_)
    if isinstance(obj, Embed):
        inner = jdump(obj.obj, **obj.opts)
        return jstr(inner, ascii_)
    if isinstance(obj, Num):
        return Seg([(json.dumps(obj.v), obj.t, str(obj.v))])
    if obj is None or isinstance(obj, (bool, int, float)):
        return seg(json.dumps(obj))
    if isinstance(obj, dict):
        items = list(obj.items())
        if not items:
            return seg("{}")
        out = seg("{")
        for i, (k, v) in enumerate(items):
            if i:
                out = out + item_sep
            if indent is not None:
                out = out + ("\n" + " " * (indent * (_lvl + 1)))
            out = out + jstr(seg(k), ascii_) + kv_sep + jdump(v, indent, ascii_, compact, _lvl + 1)
        if indent is not None:
            out = out + ("\n" + " " * (indent * _lvl))
        return out + "}"
    if isinstance(obj, (list, tuple)):
        if not obj:
            return seg("[]")
        out = seg("[")
        for i, v in enumerate(obj):
            if i:
                out = out + item_sep
            if indent is not None:
                out = out + ("\n" + " " * (indent * (_lvl + 1)))
            out = out + jdump(v, indent, ascii_, compact, _lvl + 1)
        if indent is not None:
            out = out + ("\n" + " " * (indent * _lvl))
        return out + "]"
    raise TypeError(type(obj))


def strip_labels(obj):
    """The plain Python value of a piecewise object (for json.loads comparison)."""
    if isinstance(obj, Seg):
        return obj.plain()
    if isinstance(obj, Num):
        return obj.v
    if isinstance(obj, Embed):
        o = obj.opts
        return json.dumps(strip_labels(obj.obj), indent=o.get("indent"), ensure_ascii=o.get("ascii_", False),
                          separators=((",", ":") if o.get("compact") else None))
    if isinstance(obj, dict):
        return {k: strip_labels(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strip_labels(v) for v in obj]
    return obj


def render(sg):
    out, spans, pos = [], [], 0
    for text, t, raw in sg.parts:
        b = len(text.encode("utf-8"))
        if t:
            spans.append({"start": pos, "end": pos + b, "type": t, "_raw": raw})
        out.append(text)
        pos += b
    return "".join(out), spans

# ---------------------------------------------------------------- values


class V:
    """All random value generators; one instance per run, seeded."""

    NAME_LOCALES = [
        ("en_US", 10), ("en_GB", 5), ("en_AU", 2), ("en_CA", 2), ("en_IN", 3), ("de_DE", 4), ("fr_FR", 4),
        ("es_ES", 3), ("es_MX", 3), ("it_IT", 3), ("pt_BR", 3), ("nl_NL", 2), ("pl_PL", 2), ("tr_TR", 2),
        ("ru_RU", 2), ("uk_UA", 1), ("ja_JP", 3), ("zh_CN", 3), ("ko_KR", 2), ("ar_AA", 2), ("ar_SA", 1),
        ("hi_IN", 2), ("vi_VN", 2), ("th_TH", 1), ("id_ID", 2), ("fil_PH", 1), ("sw", 1), ("yo_NG", 2),
        ("zu_ZA", 1), ("el_GR", 1), ("he_IL", 1), ("fa_IR", 1), ("cs_CZ", 1), ("hu_HU", 1), ("ro_RO", 1),
        ("sv_SE", 1), ("fi_FI", 1), ("no_NO", 1), ("da_DK", 1)]
    ADDR_LOCALES = [("en_US", 10), ("en_GB", 4), ("de_DE", 3), ("fr_FR", 3), ("es_ES", 2), ("it_IT", 2),
                    ("nl_NL", 2), ("en_AU", 2), ("en_CA", 2), ("ja_JP", 2), ("pt_BR", 2), ("pl_PL", 2),
                    ("de_AT", 1), ("de_CH", 1), ("fr_CH", 1), ("es_AR", 1), ("es_CO", 1), ("es_CL", 1), ("pt_PT", 1),
                    ("nl_BE", 1), ("en_NZ", 1), ("en_IN", 2), ("en_IE", 1), ("sk_SK", 1), ("sv_SE", 1), ("ko_KR", 1),
                    ("zh_TW", 1), ("zh_CN", 1), ("cs_CZ", 1)]
    PHONE_LOCALES = ["en_US", "en_US", "en_GB", "en_AU", "en_CA", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL",
                     "pt_BR", "pl_PL", "en_IN", "ja_JP", "ko_KR", "cs_CZ", "hu_HU", "sv_SE", "da_DK", "ro_RO",
                     "el_GR", "he_IL", "th_TH", "id_ID", "uk_UA", "ru_RU", "fi_FI"]
    WORD_GIVEN = ["Rose", "Will", "Grace", "Hope", "Mark", "Bill", "Joy", "Dawn", "Sky", "Summer", "Hunter",
                  "Faith", "Amber", "Holly", "April", "June", "Jack", "Chase", "Penny", "Iris", "Ivy", "Sunny",
                  "Autumn", "Heather", "Frank", "Pat", "Crystal", "Rich", "Max", "Glen"]
    WORD_FAMILY = ["Page", "Baker", "Fisher", "Stone", "Brown", "Hill", "Wood", "Best", "Rich", "Cook", "Gold",
                   "Little", "Young", "Moon", "Rivers", "Fox", "Lamb", "King", "Bishop", "Ward"]
    PARTICLES = [("nl_NL", "van der "), ("nl_NL", "de "), ("nl_NL", "van "), ("de_DE", "von "), ("es_ES", "de la "),
                 ("pt_BR", "da "), ("pt_BR", "dos "), ("it_IT", "di "), ("it_IT", "De "), ("fr_FR", "de "),
                 ("fr_FR", "Le "), ("ar_AA", "al-"), ("en_GB", "O'"), ("en_GB", "Mac"), ("es_MX", "del ")]
    TITLES = ["Mr", "Mr.", "Mrs", "Ms", "Ms.", "Dr", "Dr.", "Prof.", "Miss", "Mx"]
    FREEMAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.co.uk", "icloud.com", "proton.me", "gmx.de",
                "web.de", "orange.fr", "free.fr", "libero.it", "yahoo.es", "uol.com.br", "wp.pl", "naver.com",
                "qq.com", "yandex.ru", "seznam.cz", "fastmail.fm", "hey.com", "aol.com", "btinternet.com",
                "bigpond.com", "rediffmail.com", "mail.ru", "o2.pl", "t-online.de", "ziggo.nl", "telia.se"]
    ORGMAIL = ["northwind-insure.com", "brightpath.edu", "helio-energy.co.uk", "cityofbrookfield.gov",
               "stayfinder.travel", "quarrylane.health", "pixelforge.gg", "lakeshore-realty.com",
               "kettle.hr", "mail.orbis-logistics.de", "corp.tessellate.io", "support.vantacell.net",
               "clinic-sainte-anne.fr", "uni-hohenberg.de", "harbourbank.com.au", "ayuntamiento-lorca.es"]

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.fk = {}
        allloc = []
        for loc, _ in self.NAME_LOCALES + self.ADDR_LOCALES:
            if loc not in allloc:
                allloc.append(loc)
        for loc in self.PHONE_LOCALES:
            if loc not in allloc:
                allloc.append(loc)
        for i, loc in enumerate(allloc):
            f = Faker(loc)
            f.seed_instance(seed * 100 + i)
            self.fk[loc] = f

    # -- helpers
    def ch(self, xs):
        return xs[self.r.randrange(len(xs))]

    def wch(self, pairs):
        tot = sum(w for _, w in pairs)
        x = self.r.uniform(0, tot)
        for v, w in pairs:
            x -= w
            if x <= 0:
                return v
        return pairs[-1][0]

    def p(self, prob):
        return self.r.random() < prob

    def pat(self, s):
        out = []
        for c in s:
            if c == "#":
                out.append(str(self.r.randrange(10)))
            elif c == "9":  # non-zero digit
                out.append(str(self.r.randrange(1, 10)))
            elif c == "@":
                out.append(self.ch("ABCDEFGHJKLMNPQRSTUVWXYZ"))
            elif c == "*":
                out.append(self.ch("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))
            elif c == "%":
                out.append(self.ch("abcdefghijkmnpqrstuvwxyz0123456789"))
            else:
                out.append(c)
        return "".join(out)

    # -- people
    def person(self, loc=None, latin=None):
        for _ in range(50):
            l = loc or self.wch(self.NAME_LOCALES)
            f = self.fk[l]
            given, family = f.first_name(), f.last_name()
            rom = None
            if l in ("ja_JP", "zh_CN"):
                rom = (f.first_romanized_name(), f.last_romanized_name())
            p = Person(l, given, family, rom)
            if latin is True and not p.latin():
                continue
            if latin is False and p.latin():
                continue
            return p
        raise RuntimeError("no person")

    def latin_person(self):
        p = self.person()
        if not p.latin():
            if p.rom:
                return Person(p.loc, p.rom[0], p.rom[1], None)
            return self.person(loc=self.ch(["en_US", "en_GB", "de_DE", "fr_FR", "es_MX", "it_IT", "pl_PL",
                                            "yo_NG", "sw", "zu_ZA", "vi_VN", "tr_TR", "id_ID", "fil_PH"]))
        return p

    def word_person(self):
        f = self.fk[self.ch(["en_US", "en_GB", "en_AU", "en_CA"])]
        if self.p(0.75):
            return Person("en_US", self.ch(self.WORD_GIVEN), f.last_name(), None)
        return Person("en_US", f.first_name(), self.ch(self.WORD_FAMILY), None)

    def fancy_person(self):
        """Hyphenated, particle or middle-initial person (Latin script)."""
        k = self.r.randrange(3)
        if k == 0:
            loc, part = self.ch(self.PARTICLES)
            f = self.fk[loc if loc in self.fk else "en_GB"]
            fam = f.last_name()
            for _ in range(20):  # a plain surname, so that the particle is not doubled ("dos da Luz")
                if " " not in fam and "-" not in fam and fam[:1].isupper():
                    break
                fam = f.last_name()
            if part in ("O'", "Mac"):
                fam = part + fam
            elif part == "al-":
                fam = "al-" + self.ch(["Hashimi", "Qasimi", "Farsi", "Amin", "Masri", "Rashid", "Sayegh"])
            else:
                fam = part + fam
            return Person(loc, f.first_name(), fam, None)
        p = self.latin_person()
        if k == 1:
            q = self.fk[p.loc].last_name() if p.loc in self.fk else self.fk["en_US"].last_name()
            if q != p.family and Person(p.loc, "", q, None).latin():
                return Person(p.loc, p.given, p.family + "-" + q, None)
            return p
        return Person(p.loc, p.given + " " + self.ch("ABCDEFGHJKLMNPRSTW") + ".", p.family, None)

    def any_person(self):
        k = self.r.random()
        if k < 0.12:
            return self.word_person()
        if k < 0.27:
            return self.fancy_person()
        return self.person()

    # -- contact
    def email_for(self, p, org=False):
        base = p if p.latin() else (Person(p.loc, p.rom[0], p.rom[1], None) if p.rom else None)
        if base is None:
            local = self.fk["en_US"].user_name()
        else:
            g, f = ascii_fold(base.given.split(" ")[0]).lower(), ascii_fold(base.family).lower()
            g = re.sub(r"[^a-z]", "", g) or "x"
            f = re.sub(r"[^a-z\-]", "", f).strip("-") or "y"
            local = self.ch([g + "." + f, g[0] + f, g + "_" + f, f + "." + g, g + f[:1], g + "." + f + str(self.r.randrange(2, 99)),
                             f + g[0] + str(self.r.randrange(1960, 2006)), g + "+" + self.ch(["shop", "bills", "news", "travel"]),
                             g[0] + "." + f, g])
        dom = self.ch(self.ORGMAIL if org else self.FREEMAIL)
        return local + "@" + dom

    PHONE_PATS = ["+1 (9##) ###-####", "+1 9##-###-####", "+19######### ", "+44 7### ######", "+44 (0)20 7### ####",
                  "+49 15# #######", "+49 (0)30 #######", "+33 6 ## ## ## ##", "+33 (0)1 ## ## ## ##",
                  "+34 6## ### ###", "+39 3## ### ####", "+31 6 ########", "+351 91# ### ###", "+48 5## ### ###",
                  "+90 5## ### ## ##", "+7 9## ###-##-##", "+380 6# ### ## ##", "+81 90-####-####", "+82 10-####-####",
                  "+86 13# #### ####", "+91 9#### #####", "+61 4## ### ###", "+64 21 ### ####", "+55 11 9####-####",
                  "+52 55 #### ####", "+234 80# ### ####", "+27 8# ### ####", "+254 7## ######", "+971 5# ### ####",
                  "+966 5# ### ####", "+972 5#-###-####", "+20 10 #### ####", "+62 812-####-####", "+63 917 ### ####",
                  "+84 9# ### ## ##", "+66 8# ### ####", "+30 69# ### ####", "+46 7#-### ## ##", "+358 4# ### ####",
                  "+47 4## ## ###", "+45 ## ## ## ##", "+420 7## ### ###", "+36 30 ### ####", "+40 7## ### ###",
                  "(9##) ###-####", "9##.###.####", "07### ######", "0### ### ####", "015# ########", "06 ## ## ## ##",
                  "06-########", "0#########", "+4915#########", "+447#########", "+33#########", "+61#########"]

    def phone(self, loc=None):
        k = self.r.random()
        if loc is None and k < 0.45:
            s = self.pat(self.ch(self.PHONE_PATS)).strip()
        else:
            s = self.fk[loc or self.ch(self.PHONE_LOCALES)].phone_number()
        if self.p(0.06) and "x" not in s:
            s += self.ch([" ext. ", " x", " ext ", " #", " Durchwahl "]) + str(self.r.randrange(10, 9999))
        return s

    # -- addresses
    def address(self, loc=None, kind=None):
        """Returns list of lines."""
        loc = loc or self.wch(self.ADDR_LOCALES)
        f = self.fk[loc]
        k = self.r.random()
        if loc == "en_US" and k < 0.12:
            lines = ["PO Box " + str(self.r.randrange(10, 99999)), f"{f.city()}, {f.state_abbr()} {f.zipcode()}"]
        elif loc == "en_US" and k < 0.35:
            lines = [f.street_address() + " " + f.secondary_address(), f"{f.city()}, {f.state_abbr()} {f.zipcode()}"]
        elif loc == "en_US" and k < 0.45:
            lines = [f.street_address(), self.ch(["Apt ", "Unit ", "#", "Ste "]) + str(self.r.randrange(1, 40)) + self.ch(["", "B", "C", "F"]),
                     f"{f.city()}, {f.state_abbr()} {f.zipcode()}"]
        else:
            lines = [l.strip() for l in f.address().split("\n") if l.strip()]
        return Addr(loc, lines)

    def addr_parts(self, loc=None):
        loc = loc or self.ch(["en_US", "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_AU", "en_CA", "pt_BR", "pl_PL"])
        f = self.fk[loc]
        d = {"street": f.street_address().strip(), "city": f.city().strip(), "postcode": f.postcode().strip(), "loc": loc}
        if loc in ("en_US", "en_AU", "en_CA"):
            d["state"] = f.state_abbr() if loc != "en_CA" else f.province_abbr()
        if loc == "en_US" and self.p(0.3):
            d["street2"] = f.secondary_address().strip()
        d["country"] = {"en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR", "es_ES": "ES", "it_IT": "IT",
                        "nl_NL": "NL", "en_AU": "AU", "en_CA": "CA", "pt_BR": "BR", "pl_PL": "PL"}[loc]
        return d

    # -- dates
    def birth_date(self, lo=1938, hi=2011):
        d = datetime.date(lo, 1, 1) + datetime.timedelta(days=self.r.randrange((datetime.date(hi, 12, 31) - datetime.date(lo, 1, 1)).days))
        return d

    MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    def fmt_date(self, d, style=None):
        styles = ["iso", "us", "eu", "dot", "long", "long_eu", "short_mon", "slash_iso", "us_short", "dash_eu"]
        st = style or self.ch(styles)
        m = self.MONTHS[d.month - 1]
        return {"iso": d.isoformat(), "us": f"{d.month:02d}/{d.day:02d}/{d.year}", "eu": f"{d.day:02d}/{d.month:02d}/{d.year}",
                "dot": f"{d.day:02d}.{d.month:02d}.{d.year}", "long": f"{m} {d.day}, {d.year}", "long_eu": f"{d.day} {m} {d.year}",
                "short_mon": f"{d.day} {m[:3]} {d.year}", "slash_iso": f"{d.year}/{d.month:02d}/{d.day:02d}",
                "us_short": f"{d.month}/{d.day}/{d.year % 100:02d}", "dash_eu": f"{d.day:02d}-{d.month:02d}-{d.year}"}[st]

    def when(self):
        """A non-birth date (appointments, deadlines)."""
        d = datetime.date(2023, 1, 1) + datetime.timedelta(days=self.r.randrange(900))
        return self.fmt_date(d)

    MONTHS_L = {
        "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
        "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
        "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
        "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
        "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
        "nl": "januari februari maart april mei juni juli augustus september oktober november december",
        "pl": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
        "tr": "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık",
        "sv": "januari februari mars april maj juni juli augusti september oktober november december",
        "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    }

    def fmt_date_l(self, d, lang):
        """A date written the way `lang` writes it (numeric or with the month's name)."""
        y, m, dd = d.year, d.month, d.day
        if lang in ("ja", "zh"):
            return self.ch([f"{y}年{m}月{dd}日", f"{y}/{m:02d}/{dd:02d}", f"{y}-{m:02d}-{dd:02d}"])
        if lang == "ko":
            return self.ch([f"{y}년 {m}월 {dd}일", f"{y}.{m:02d}.{dd:02d}"])
        num = {"de": f"{dd:02d}.{m:02d}.{y}", "pl": f"{dd:02d}.{m:02d}.{y}", "tr": f"{dd:02d}.{m:02d}.{y}",
               "ru": f"{dd:02d}.{m:02d}.{y}", "nl": f"{dd:02d}-{m:02d}-{y}", "sv": d.isoformat()}.get(lang, f"{dd:02d}/{m:02d}/{y}")
        names = self.MONTHS_L.get(lang)
        if not names or self.p(0.5):
            return num
        mon = names.split()[m - 1]
        if lang in ("es", "pt"):
            return f"{dd} de {mon} de {y}"
        if lang == "de":
            return f"{dd}. {mon} {y}"
        return f"{dd} {mon} {y}"

    ROLES = ["support", "claims", "help", "billing", "bookings", "noreply", "privacy", "hr", "accounts", "info"]

    def role_email(self):
        return self.ch(self.ROLES) + "@" + self.ch(self.ORGMAIL)

    def uid(self, prefix, n=24):
        return prefix + "".join(self.ch("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))

    def hexid(self, n=32):
        return "".join(self.ch("0123456789abcdef") for _ in range(n))

    def ts(self):
        """An ISO timestamp in 2024-2025 (never a birth date)."""
        d = datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=self.r.randrange(2 * 365 * 86400))
        return d

    # -- structured
    CARD_BRANDS = [("visa", ["4"], [16, 16, 16, 13, 19]), ("mc", [str(x) for x in range(51, 56)], [16]),
                   ("mc2", None, [16]), ("amex", ["34", "37"], [15]), ("disc", ["6011", "65", "644", "645", "649"], [16, 19]),
                   ("jcb", None, [16]), ("jcb15", ["1800", "2131"], [15]),
                   ("maestro", ["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"], [12, 13, 15, 16, 18, 19]),
                   ("unionpay", ["62"], [16, 17, 18, 19]), ("diners", ["36", "38", "300", "301", "303", "305"], [14])]

    def card(self, brand=None, fmt=None):
        b = self.ch(self.CARD_BRANDS) if brand is None else [x for x in self.CARD_BRANDS if x[0] == brand][0]
        name, prefixes, lengths = b
        if name == "mc2":
            pre = str(self.r.randrange(2221, 2721))
        elif name == "jcb":
            pre = str(self.r.randrange(3528, 3590))
        else:
            pre = self.ch(prefixes)
        n = self.ch(lengths)
        body = pre + "".join(str(self.r.randrange(10)) for _ in range(n - len(pre) - 1))
        digits = body + luhn_digit(body)
        assert luhn_ok(digits)
        f = fmt or self.ch(["plain", "space", "space", "dash"])
        if f == "plain":
            return digits
        sep = " " if f == "space" else "-"
        if n == 15 and name == "amex":
            g = [4, 6, 5]
        elif n == 14:
            g = [4, 6, 4]
        else:
            g = [4] * (n // 4) + ([n % 4] if n % 4 else [])
        out, i = [], 0
        for k in g:
            out.append(digits[i:i + k])
            i += k
        return sep.join(out)

    IBAN_SPECS = {"DE": "8n10n", "GB": "4a14n", "FR": "5n5n11c2n", "ES": "4n4n1n1n10n", "IT": "1a5n5n12c", "NL": "4a10n",
                  "BE": "3n7n2n", "CH": "5n12c", "AT": "5n11n", "PL": "8n16n", "PT": "4n4n11n2n", "IE": "4a6n8n",
                  "SE": "3n16n1n", "NO": "4n6n1n", "DK": "4n9n1n", "FI": "3n11n", "TR": "5n1n16c", "SA": "2n18c",
                  "AE": "3n16n", "BR": "8n5n10n1a1c", "CZ": "4n6n10n", "HU": "3n4n1n15n1n", "RO": "4a16c", "GR": "3n4n16c",
                  "LU": "3n13c", "HR": "7n10n", "IS": "4n2n6n10n"}

    def iban(self, cc=None, grouped=None):
        cc = cc or self.ch(list(self.IBAN_SPECS))
        bban = []
        for cnt, kind in re.findall(r"(\d+)([nac])", self.IBAN_SPECS[cc]):
            for _ in range(int(cnt)):
                bban.append(self.ch("0123456789") if kind == "n" else self.ch("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if kind == "a"
                            else self.ch("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        bban = "".join(bban)
        chk = 98 - int(iban_num(bban + cc + "00")) % 97
        s = f"{cc}{chk:02d}{bban}"
        assert iban_ok(s)
        if grouped if grouped is not None else self.p(0.5):
            s = " ".join(s[i:i + 4] for i in range(0, len(s), 4))
        return s

    def ssn(self, fmt=None):
        while True:
            a = self.r.randrange(1, 900)
            if a != 666:
                break
        g, s = self.r.randrange(1, 100), self.r.randrange(1, 10000)
        f = fmt or self.ch(["dash", "dash", "dash", "space", "plain"])
        sep = {"dash": "-", "space": " ", "plain": ""}[f]
        return f"{a:03d}{sep}{g:02d}{sep}{s:04d}"

    def ipv4(self):
        while True:
            a = self.r.randrange(1, 224)
            if a in (10, 127, 0, 100, 169, 172, 192, 198, 203):
                continue
            return f"{a}.{self.r.randrange(256)}.{self.r.randrange(256)}.{self.r.randrange(1, 255)}"

    def ipv6(self):
        pre = self.ch(["2a02", "2600", "2001:4860", "2a01", "2607", "2804", "2405", "2c0f", "2a00"]).split(":")
        groups = pre + [f"{self.r.randrange(65536):x}" for _ in range(8 - len(pre))]
        if self.p(0.5):
            for i in range(3, 6):
                groups[i] = "0"
        return str(ipaddress.IPv6Address(":".join(groups)))

    def ip(self):
        return self.ipv6() if self.p(0.3) else self.ipv4()

    def private_ip(self):
        return self.ch([f"192.168.{self.r.randrange(0, 3)}.{self.r.randrange(2, 254)}", f"10.{self.r.randrange(256)}.{self.r.randrange(256)}.{self.r.randrange(2, 254)}"])

    # -- identifiers
    ID_SHAPES = {
        "customer": ["CUST-######", "C#######", "###-###-###", "CU/##/#####", "cus_%%%%%%%%%%%%%%", "########", "K-####-@@"],
        "member": ["M########", "MBR-###-###-###", "@@@#########", "####-####-##", "ZX-#######-0#", "9########"],
        "order": ["#A###-####", "ORD-####-####-##", "@@-##########", "###-#######-#######", "W9########", "SO######"],
        "booking": ["@@@@@@", "*****9", "BK-##########", "HTL#######", "@@#####@"],
        "policy": ["POL-########", "@@#######", "HX/####/#####", "@@@-###-###-##", "9#-#######-##", "P###########"],
        "claim": ["CLM-##-######", "C@-#########", "##-#####-@@", "CL########", "####/@@/####"],
        "passport": ["9########", "@########", "@@#######", "##@@#####", "@#######", "@@@######"],
        "dl": ["@#######", "### ### ###", "@###-####-####", "@@@@@######@@9@@", "###########", "@##-###-##-###-#", "DL-##-##########"],
        "employee": ["E-#####", "EMP######", "####-@", "@@###", "W-###-####"],
        "mrn": ["MRN#######", "########", "##-##-##", "@#########", "####-####-##"],
        "ticket": ["###-##########", "### ##########", "#############", "###-#########-#"],
        "loyalty": ["FF##########", "@@#########", "####-####-####", "9##########", "LY-######-@@"],
        "account": ["##########", "####-####-####", "###-######-#", "AC#########", "## #### ####"],
        "student": ["S########", "########", "@@######", "####-#####"],
        "patient": ["PT-######", "P#########", "###-###-###"],
        "tax": ["###-##-####", "##/###/#####", "##.###.###/####-##", "@@########@", "#########"],
        "nhs": ["### ### ####", "##########"],
        "benefit": ["BEN-#######", "@@ ## ## ## @", "####-######-##"],
        "tenancy": ["TEN-####-###", "L######", "@@/#####"],
        "player": ["########", "P-@@@@-####", "U##########"],
        "vin_owner": ["@@@#####@"],
        "cpf": ["###.###.###-##", "###########"],
        "dni": ["########@", "@-#######-@"],
        "natid": ["### ### ###", "##########", "@@ ## ## ## @", "#############"],
    }

    def ident(self, kind):
        return self.pat(self.ch(self.ID_SHAPES[kind]))


class Person:
    def __init__(self, loc, given, family, rom):
        self.loc, self.given, self.family, self.rom = loc, given, family, rom

    def latin(self):
        return all(("LATIN" in unicodedata.name(c, "") or not c.isalpha()) for c in self.given + self.family)

    def cjk(self):
        return self.loc in ("ja_JP", "zh_CN", "zh_TW", "ko_KR") and not self.latin()

    def full(self):
        if self.cjk():
            return self.family + (" " if self.loc == "ja_JP" and len(self.family + self.given) > 3 else "") + self.given
        return self.given + " " + self.family

    def first_only(self):
        return self.given.split(" ")[0]


class Addr:
    def __init__(self, loc, lines):
        self.loc, self.lines = loc, lines

    def one(self):
        return ", ".join(self.lines)

    def multi(self):
        return "\n".join(self.lines)


def ascii_fold(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).replace("ł", "l").replace("Ł", "L").replace("ı", "i").replace("ø", "o").replace("æ", "ae").replace("ß", "ss").replace("'", "")


def luhn_digit(body):
    tot = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        tot += d
    return str((10 - tot % 10) % 10)


def luhn_ok(digits):
    tot = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        tot += d
    return tot % 10 == 0


def iban_num(s):
    return "".join(str(int(c, 36)) for c in s)


IBAN_LEN = {"DE": 22, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "CH": 21, "AT": 20, "PL": 28, "PT": 25,
            "IE": 22, "SE": 24, "NO": 15, "DK": 18, "FI": 18, "TR": 26, "SA": 24, "AE": 23, "BR": 29, "CZ": 24, "HU": 28,
            "RO": 24, "GR": 27, "LU": 20, "HR": 21, "IS": 26}


def iban_ok(s):
    s = s.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s) or IBAN_LEN.get(s[:2]) != len(s):
        return False
    return int(iban_num(s[4:] + s[:4])) % 97 == 1


def ssn_ok(s):
    d = re.sub(r"[ -]", "", s)
    if not re.fullmatch(r"\d{9}", d) or not re.fullmatch(r"\d{3}([- ]?)\d{2}\1\d{4}", s):
        return False
    a, g, n = int(d[:3]), int(d[3:5]), int(d[5:])
    return 0 < a < 900 and a != 666 and g > 0 and n > 0

# ---------------------------------------------------------------- per-record slots

AGE_REF = datetime.date(2025, 6, 1)  # "today" for ages


def age_on(bd, ref):
    return ref.year - bd.year - ((ref.month, ref.day) < (bd.month, bd.day))


TITLE_GROUPS = {"en": ["Mr", "Mr.", "Mrs", "Ms", "Ms.", "Dr", "Dr.", "Prof.", "Miss", "Mx"], "de": ["Herr", "Frau", "Dr.", "Frau Dr."],
                "fr": ["M.", "Mme", "Mlle", "Dr", "Maître"], "es": ["Sr.", "Sra.", "Dña.", "Dr."], "it": ["Sig.", "Sig.ra", "Dott.", "Dott.ssa"],
                "nl": ["dhr.", "mevr.", "Dhr.", "Mevr."], "pt": ["Sr.", "Sra.", "Dr."], "pl": ["Pan", "Pani", "dr"]}


class Slots:
    """Lazily drawn values for one record; the same key gives the same value."""

    def __init__(self, v, style="normal", lang="en", people=None, addr_loc=None, person_kind=None, name_loc=None,
                 phone_loc=None):
        self.v, self.style, self.lang, self.c = v, style, lang, {}
        self.people = people or {}
        self.addr_loc = addr_loc
        self.person_kind = person_kind
        self.name_loc, self.phone_loc = name_loc, phone_loc

    def person(self, i):
        if i not in self.people:
            pk = self.person_kind
            if self.name_loc:
                self.people[i] = self.v.person(loc=self.v.ch(self.name_loc) if isinstance(self.name_loc, list) else self.name_loc)
            elif pk == "latin":
                self.people[i] = self.v.latin_person()
            elif pk == "word":
                self.people[i] = self.v.word_person()
            elif pk == "fancy":
                self.people[i] = self.v.fancy_person()
            else:
                self.people[i] = self.v.any_person()
        return self.people[i]

    def nm(self, s, p):
        if self.style == "caps":
            return s.upper()
        if self.style == "lower" and p.latin():
            return s.lower()
        return s

    def __getitem__(self, key):
        if key in self.c:
            return self.c[key]
        val = self.make(key)
        self.c[key] = val
        return val

    def __setitem__(self, key, val):
        self.c[key] = val

    def bdate(self, i):
        """Person i's birth date: DOB and AGE slots of one record agree."""
        k = "_bd" + i
        if k not in self.c:
            self.c[k] = self.v.birth_date()
        return self.c[k]

    def raw(self, key):
        """The plain string of a slot."""
        return self[key].plain()

    def make(self, key):
        v = self.v
        m = re.fullmatch(r"(name|given|family|tname|lf|email|oemail|initial)(\d?)", key)
        if m:
            p = self.person(m.group(2) or "1")
            k = m.group(1)
            if k == "name":
                return P("PERSON", self.nm(p.full(), p))
            if k == "given":
                return P("PERSON", self.nm(p.first_only() if not p.cjk() else p.given, p))
            if k == "family":
                return P("PERSON", self.nm(p.family, p))
            if k == "initial":
                return P("PERSON", self.nm((p.given[0] + ". " + p.family) if not p.cjk() else p.full(), p))
            if k == "tname":
                t = v.ch(TITLE_GROUPS.get(self.lang, TITLE_GROUPS["en"]))
                return T(t + " ", P("PERSON", self.nm(p.family, p)))
            if k == "lf":
                if p.cjk():
                    return P("PERSON", p.full())
                return P("PERSON", self.nm(p.family + ", " + p.given, p))
            if k == "email":
                return P("EMAIL", v.email_for(p))
            if k == "oemail":
                return P("EMAIL", v.email_for(p, org=True))
        if key in ("agent", "agent2", "doctor", "manager", "colleague", "tech"):
            p = v.latin_person() if v.p(0.8) else v.person()
            self.people[key] = p
            return P("PERSON", p.first_only() if not p.cjk() else p.full())
        if key.startswith("agentfull"):
            p = v.latin_person()
            return P("PERSON", p.full())
        if key in ("phone", "phone2", "mobile"):
            return P("PHONE", v.phone(self.phone_loc))
        if key == "supportmail":
            return P("EMAIL", v.role_email())
        if key in ("addr", "addr2"):
            return P("ADDRESS", v.address(self.addr_loc).one())
        if key == "addrml":
            return P("ADDRESS", v.address(self.addr_loc).multi())
        if key == "dob":
            bd = self.bdate("1")
            return P("DOB", v.fmt_date_l(bd, self.lang) if self.lang != "en" else v.fmt_date(bd))
        if key in ("age", "age2"):
            return P("AGE", str(age_on(self.bdate("1" if key == "age" else "2"), AGE_REF)))
        if key == "card":
            return P("CARD", v.card())
        if key == "iban":
            return P("IBAN", v.iban())
        if key in ("ip", "ip2"):
            return P("IP", v.ip())
        if key == "ip4":
            return P("IP", v.ipv4())
        if key == "ip6":
            return P("IP", v.ipv6())
        if key == "ssn":
            return P("SSN", v.ssn())
        if key.startswith("id_"):
            return P("ID", v.ident(key[3:].rstrip("0123456789")))
        # unlabelled fillers
        if key == "when":
            return seg(v.when())
        if key == "lwhen":  # a non-birth date in the record's language
            d = datetime.date(2024, 1, 1) + datetime.timedelta(days=v.r.randrange(600))
            return seg(v.fmt_date_l(d, self.lang) if self.lang != "en" else v.fmt_date(d))
        if key == "time":
            return seg(f"{v.r.randrange(7, 20)}:{v.ch(['00', '15', '30', '45'])}")
        if key == "amount":
            return seg(v.ch(["$", "£", "€", "", "USD "]) + f"{v.r.randrange(5, 2400)}.{v.r.randrange(100):02d}")
        if key == "last4":
            return seg(str(v.r.randrange(1000, 10000)))
        if key == "otp":
            return seg(str(v.r.randrange(100000, 1000000)))
        if key == "invoice":
            return seg(v.pat(v.ch(["INV-####-####", "F######", "INV/##/####"])))
        if key == "sku":
            return seg(v.pat(v.ch(["SKU-@@-####", "@@@-###-@", "##-####-@@"])))
        if key == "flight":
            return seg(v.ch(["BA", "LH", "AF", "KL", "IB", "UA", "DL", "QF", "EK", "TK", "NH"]) + str(v.r.randrange(10, 2999)))
        if key == "city":
            return seg(v.ch(["Leeds", "Lyon", "Porto", "Denver", "Osaka", "Gdańsk", "Utrecht", "Bologna", "Valencia", "Perth", "Calgary", "Nairobi", "Austin", "Hamburg"]))
        if key == "company":
            return seg(v.ch(["Northwind Insurance", "Helio Energy", "StayFinder", "Quarry Lane Health", "PixelForge", "Lakeshore Realty", "Brightpath College", "Vantacell", "Orbis Logistics", "Kettle HR"]))
        if key == "n":
            return seg(str(v.r.randrange(2, 9)))
        raise KeyError(key)


# ---------------------------------------------------------------- domain utterances (hand-written)

DOMAINS = {
    "insurance": {
        "cust": ["Hi, I need to file a claim. My policy number is {id_policy} and the car was hit while parked outside my place at {addr}.",
                 "hello this is {name}, following up on claim {id_claim} — nobody has called me back since {when}",
                 "Can you update the phone on policy {id_policy}? New number is {phone}.",
                 "My husband {name2} is the main driver, date of birth {dob}. Please add him as a named driver.",
                 "The adjuster asked for my details: {name}, born {dob}, policy {id_policy}.",
                 "I moved. The new address for the home policy is {addrml}",
                 "Please refund the premium to {iban}, it was taken twice this month.",
                 "I'm {age} and a non-smoker, why did the life cover quote go up?"],
        "agent": ["Thanks {given}. I can see claim {id_claim} is with the assessor, {agentfull}. You should hear by {when}.",
                  "For security, can you confirm the date of birth on the policy?",
                  "I've noted the new number {phone} on policy {id_policy}.",
                  "No problem, {tname}. The named-driver change takes effect on {when}.",
                  "Could you send photos of the damage to {supportmail}, quoting {id_claim}?",
                  "I've emailed the renewal documents to {email}."]},
    "utilities": {
        "cust": ["My account number is {id_account} and I submitted a meter reading of 04512 yesterday.",
                 "Hi, gas supply address is {addr}, we're moving out on {when}.",
                 "name on the bill is {name}, phone {phone}",
                 "Could you switch my direct debit to {iban} please? Same name, {name}.",
                 "The smart meter at {addr} has shown 0 kWh for three days.",
                 "I'm registered as vulnerable, I'm {age} and on oxygen at home, please don't cut the power.",
                 "I paid the final bill with my card {card} but it still shows outstanding."],
        "agent": ["Thanks, I've found account {id_account}. Is that {tname}?",
                  "The final reading will be taken on {when}; we'll send the bill to {email}.",
                  "I've added you to the priority services register, {given}.",
                  "The engineer, {agent}, will call you on {phone} before arriving.",
                  "Your next bill will be collected from the account ending {last4}."]},
    "travel": {
        "cust": ["Booking ref {id_booking}, passenger {lf}. I need to change the return flight.",
                 "Hi! We're two adults, me ({name}) and {name2}. Passport numbers {id_passport} and {id_passport2}.",
                 "The hotel charged my card {card} for a no-show but we checked in at 11pm!",
                 "Can you add frequent flyer number {id_loyalty} to booking {id_booking}?",
                 "hey my e-ticket is {id_ticket} and the app says cancelled??",
                 "Traveller: {name}, DOB {dob}, passport {id_passport}, expires {when}.",
                 "Please send the invoice to {email}, billing address {addr}."],
        "agent": ["I've located booking {id_booking} for {name}. The new return is {flight} on {when}.",
                  "Could you confirm the lead passenger's date of birth?",
                  "Frequent flyer number {id_loyalty} has been added.",
                  "The refund of {amount} will go back to the card ending {last4} within 10 days.",
                  "I've reissued e-ticket {id_ticket} and sent it to {email}."]},
    "hr": {
        "cust": ["Hi, I'm starting Monday, employee ID {id_employee}. Where do I send my bank details? IBAN is {iban}.",
                 "My SSN on the W-4 was entered wrong, it should be {ssn}.",
                 "Please update my emergency contact to {name2}, mobile {phone2}.",
                 "I'm {name}, employee {id_employee}; my home address changed to {addr}.",
                 "Can payroll confirm my date of birth is {dob}? The pension portal shows something else.",
                 "Forwarding {name2}'s onboarding form, she's {age2} and joins the Leeds office on {when}."],
        "agent": ["Thanks {given}, I've updated employee record {id_employee}.",
                  "Please don't send SSNs over chat; I've masked the message. Your manager {manager} has been notified.",
                  "Your payslip will now be paid into {iban}.",
                  "I've scheduled your induction with {agentfull} on {when} at {time}."]},
    "healthcare": {
        "cust": ["Hello, I'd like to reschedule my appointment. Patient {name}, date of birth {dob}.",
                 "My MRN is {id_mrn}. The lab results haven't appeared in the portal.",
                 "I'm calling about my mother, {name2}, she's {age2} and was discharged yesterday.",
                 "NHS number {id_nhs}, I need a repeat prescription sent to the pharmacy near {addr}.",
                 "Can Dr {family2} call me back on {phone}?",
                 "Insurance member ID is {id_member}, group 004411."],
        "agent": ["I have you as {name}, MRN {id_mrn}. Is that right?",
                  "Your next appointment with Dr. {doctor} is on {when} at {time}.",
                  "We'll text a reminder to {phone}.",
                  "The results were sent to {email} this morning.",
                  "For verification, please confirm your date of birth and postcode."]},
    "education": {
        "cust": ["Hi, my student number is {id_student} and I can't log in to the library portal.",
                 "I'm {name}'s parent. She is {age2} and starts in year 7 in September.",
                 "Please send the transcript to {email}. Student ID {id_student}, date of birth {dob}.",
                 "Our address changed to {addr}, can you update the school records for {given2}?",
                 "The tuition payment from {iban} bounced, can I pay by card instead? {card}"],
        "agent": ["Thanks, I've reset access for {id_student}. Check {email} for the link.",
                  "{agentfull} from admissions will contact you on {phone}.",
                  "The transcript request has been logged; it takes about {n} working days.",
                  "Mr {family2}'s class list has been updated."]},
    "gov": {
        "cust": ["I need to renew my driving licence, number {id_dl}, address {addr}.",
                 "My tax ID is {id_tax} and the online form rejects it.",
                 "Applying for the housing benefit: {name}, born {dob}, claimant reference {id_benefit}.",
                 "My social security number is {ssn} and I need a replacement card mailed to {addr}.",
                 "Passport renewal for my son {name2}, aged {age2}, current passport {id_passport}."],
        "agent": ["Thank you. Licence {id_dl} is eligible for online renewal.",
                  "Your application has been received; processing takes {n} weeks.",
                  "A caseworker, {agentfull}, will write to you at {addr}.",
                  "Please bring the original documents to the office on {when}."]},
    "gaming": {
        "cust": ["my account got hacked, player id {id_player}, the login came from {ip}",
                 "Hi, I bought gems with card {card} and they never arrived. Email on the account is {email}.",
                 "I'm {age}, so why does the game say I'm underage?",
                 "real name is {name}, please unban me, the IP {ip} is my uni's.",
                 "Refund please, transaction on my account {id_player}, receipt sent to {email}."],
        "agent": ["I've locked {id_player} and reset the password. Logins from {ip} were blocked.",
                  "Hey {given}! The gems have been credited now.",
                  "Please reply with the last four digits of the card and the purchase date.",
                  "Our records show a login from {ip2} on {when}; was that you?"]},
    "realestate": {
        "cust": ["Hi, I'm interested in the flat at {addr}. Could I view it on {when}?",
                 "We're {name} and {name2}, looking to rent from {when}. Tenant reference {id_tenancy}.",
                 "The boiler at {addrml}\nhas been broken for a week.",
                 "Deposit was paid from {iban}. When will it be returned?",
                 "Please call me on {phone}, I'm the landlord of {addr}."],
        "agent": ["Thanks {given}, {agentfull} will show you the property on {when} at {time}.",
                  "The tenancy {id_tenancy} ends on {when}.",
                  "I've sent the inventory to {email}.",
                  "Our contractor {tech} will attend the property."]},
    "banking": {
        "cust": ["I don't recognise a payment on my card {card}.",
                 "Please send {amount} to {iban}, beneficiary {name2}.",
                 "My online banking customer number is {id_customer}, I'm locked out.",
                 "Account {id_account}, sort code 40-22-17, please close it.",
                 "I'm {name}, date of birth {dob}, and I want to dispute a charge."],
        "agent": ["I've blocked card ending {last4} and ordered a new one to {addr}.",
                  "Customer number {id_customer} has been unlocked, {given}.",
                  "The transfer to {name2} has been scheduled for {when}.",
                  "Can you confirm the one-time code we sent to {phone}?"]},
    "telecom": {
        "cust": ["my number {phone} hasn't had signal since the storm",
                 "Port my number {phone} to the new SIM please, account {id_account}.",
                 "Hi, the router at {addr} keeps rebooting; the public IP changes to {ip} each time.",
                 "The contract is in my wife's name, {name2}. Customer id {id_customer}."],
        "agent": ["I see an outage near {city}; your line {phone} should be restored by {time}.",
                  "The port of {phone} is scheduled for {when}.",
                  "I've sent a technician, {tech}, on {when}.",
                  "Thanks {tname}, I've updated account {id_account}."]},
    "retail": {
        "cust": ["Order {id_order} never arrived, it was meant to go to {addr}.",
                 "Hi! Can you change the delivery name to {name2}? Order {id_order}.",
                 "I was charged twice, card {card}, order {id_order}.",
                 "please cancel my order {id_order}, email {email}",
                 "Loyalty card {id_loyalty}: the points from last week are missing."],
        "agent": ["Order {id_order} was delivered on {when} and signed for by {family}.",
                  "I've updated the delivery address to {addr}.",
                  "A refund of {amount} has been issued, {given}.",
                  "Loyalty number {id_loyalty} has been credited with 450 points."]},
}
DOMAIN_NAMES = list(DOMAINS)

# ---------------------------------------------------------------- multilingual frames (hand-written)

ML = {
    "de": {"names": ["de_DE", "de_DE", "de_AT", "de_CH"], "addr": ["de_DE", "de_DE", "de_AT", "de_CH"], "phone": "de_DE", "frames": [
        "Guten Tag, mein Name ist {name}. Ich möchte meine Adresse ändern:\n{addrml}",
        "Hallo, hier ist {given}. Meine Kundennummer lautet {id_customer}, bitte rufen Sie mich unter {phone} zurück.",
        "Sehr geehrte Damen und Herren,\n\nbitte überweisen Sie die Erstattung auf mein Konto {iban} (Kontoinhaber: {name}).\n\nMit freundlichen Grüßen\n{name}",
        "{tname} ist am {dob} geboren und {age} Jahre alt.",
        "Die Bestellung {id_order} sollte an {addr} geliefert werden, ist aber nie angekommen.",
        "Meine Führerscheinnummer ist {id_dl}, ausgestellt am {lwhen}.",
        "Die Kreditkarte {card} wurde doppelt belastet. Antwort bitte an {email}.",
        "Patientin: {name}, geb. {dob}, Versichertennummer {id_member}, Tel. {phone}"]},
    "fr": {"names": ["fr_FR", "fr_FR", "fr_CH"], "addr": ["fr_FR", "fr_FR", "fr_CH"], "phone": "fr_FR", "frames": [
        "Bonjour, je m'appelle {name} et j'ai {age} ans. Mon numéro client est {id_customer}.",
        "Pouvez-vous envoyer la facture à {email} ? Mon adresse : {addr}.",
        "{tname} est né le {dob}, merci de corriger le dossier.",
        "Merci de rembourser sur le compte {iban}. Cordialement, {name}",
        "Je n'arrive pas à joindre le service, mon portable est le {phone}.",
        "Réservation {id_booking} au nom de {lf}, passeport n° {id_passport}.",
        "Madame, Monsieur,\n\nsuite à mon appel du {lwhen}, je vous confirme mon changement d'adresse :\n{addrml}\n\nBien à vous,\n{name}"]},
    "es": {"names": ["es_ES", "es_MX", "es_AR", "es_CO"], "addr": ["es_ES", "es_AR", "es_CO", "es_CL"], "phone": "es_ES", "frames": [
        "Hola, soy {name}, nací el {dob} y mi DNI es {id_dni}.",
        "Mi pedido {id_order} no ha llegado a {addr}.",
        "Por favor, llámenme al {phone} y pregunten por {tname}.",
        "Tengo {age} años y quiero contratar el seguro. Mi correo es {email}",
        "Hagan la transferencia a {iban}, titular {name2}.",
        "Estimados señores:\n\nAdjunto mis datos: {name}, fecha de nacimiento {dob}, domicilio en {addr}.\n\nAtentamente,\n{given}"]},
    "it": {"names": ["it_IT"], "addr": ["it_IT"], "phone": "it_IT", "frames": [
        "Buongiorno, sono {name}, codice cliente {id_customer}.",
        "Sono nata il {dob} e ho {age} anni, perché il sito dice che sono minorenne?",
        "Vi prego di spedire a {addr}, citofono {family}.",
        "Il mio numero è {phone}, scrivetemi anche a {email}.",
        "Il rimborso va sull'IBAN {iban}, intestato a {name}.",
        "Prenotazione {id_booking}: passeggeri {name} e {name2}."]},
    "pt": {"names": ["pt_BR", "pt_BR", "pt_PT"], "addr": ["pt_BR", "pt_PT"], "phone": "pt_BR", "frames": [
        "Olá, meu nome é {name} e tenho {age} anos. CPF {id_cpf}.",
        "Nasci em {dob}. O endereço para entrega é {addr}.",
        "Podem ligar para {phone}? Falar com {tname}.",
        "O reembolso deve ir para {iban}. Obrigado, {given}.",
        "O pedido {id_order} ainda não chegou; meu e-mail é {email}."]},
    "nl": {"names": ["nl_NL", "nl_NL", "nl_BE"], "addr": ["nl_NL", "nl_BE"], "phone": "nl_NL", "frames": [
        "Hallo, ik ben {name}, klantnummer {id_customer}.",
        "Mijn geboortedatum is {dob}, ik ben {age} jaar.",
        "Het pakket moet naar {addr}, niet naar mijn oude adres.",
        "Bel me terug op {phone} of mail naar {email}.",
        "Graag terugstorten op {iban} t.n.v. {name}.",
        "Beste {given},\n\nJe afspraak is verzet naar {lwhen}.\n\nGroet,\n{agentfull}"]},
    "pl": {"names": ["pl_PL"], "addr": ["pl_PL"], "phone": "pl_PL", "frames": [
        "Dzień dobry, nazywam się {name}, mój numer klienta to {id_customer}.",
        "Urodziłam się {dob}, mam {age} lat.",
        "Proszę o wysyłkę na adres {addr}.",
        "Mój numer telefonu: {phone}, e-mail: {email}.",
        "Zwrot proszę przelać na konto {iban}, odbiorca: {name}.",
        "{tname} prosi o kontakt w sprawie zamówienia {id_order}."]},
    "tr": {"names": ["tr_TR"], "addr": None, "phone": "tr_TR", "frames": [
        "Merhaba, ben {name}. Müşteri numaram {id_customer}.",
        "{dob} doğumluyum, {age} yaşındayım.",
        "Telefonum {phone}, e-posta adresim {email}.",
        "İade için IBAN: {iban}, alıcı {name}"]},
    "sv": {"names": ["sv_SE"], "addr": ["sv_SE"], "phone": "sv_SE", "frames": [
        "Hej, jag heter {name} och mitt kundnummer är {id_customer}.",
        "Jag är född {dob} och är {age} år.",
        "Skicka paketet till {addr}, ring {phone} vid frågor."]},
    "ja": {"names": ["ja_JP"], "addr": ["ja_JP"], "phone": "ja_JP", "frames": [
        "お世話になっております。{name}と申します。会員番号は{id_member}です。",
        "生年月日は{dob}、年齢は{age}歳です。",
        "お届け先：{addr}\n電話番号：{phone}",
        "メールアドレス {email} に確認メールが届きません。",
        "{family}様、ご予約番号{id_booking}の変更を承りました。"]},
    "zh": {"names": ["zh_CN", "zh_CN", "zh_TW"], "addr": ["zh_CN", "zh_TW"], "phone": "zh_CN", "frames": [
        "你好，我叫{name}，会员号是{id_member}。",
        "我出生于{dob}，今年{age}岁。",
        "收货地址：{addr}，电话：{phone}。",
        "请把发票发到{email}。",
        "{family}先生，您的订单{id_order}已发货。"]},
    "ko": {"names": ["ko_KR"], "addr": ["ko_KR"], "phone": "ko_KR", "frames": [
        "안녕하세요, 저는 {name}입니다. 회원번호는 {id_member}입니다.",
        "생년월일은 {dob}이고 {age}세입니다.",
        "배송지: {addr}, 연락처: {phone}",
        "{name}님, 주문번호 {id_order} 배송이 시작되었습니다."]},
    "ru": {"names": ["ru_RU"], "addr": ["ru_RU"], "phone": "ru_RU", "frames": [
        "Здравствуйте, меня зовут {name}, номер клиента {id_customer}.",
        "Дата рождения: {dob}, мне {age} лет.",
        "Адрес доставки: {addr}. Телефон: {phone}.",
        "Прошу вернуть деньги на карту {card}."]},
    "ar": {"names": ["ar_AA", "ar_SA"], "addr": None, "phone": None, "frames": [
        "مرحبا، اسمي {name} ورقم العميل {id_customer}.",
        "تاريخ الميلاد: {dob}، العمر {age} سنة.",
        "رقم الهاتف {phone} والبريد الإلكتروني {email}"]},
    "hi": {"names": ["hi_IN"], "addr": ["hi_IN"], "phone": "en_IN", "frames": [
        "नमस्ते, मेरा नाम {name} है और मेरी ग्राहक संख्या {id_customer} है।",
        "मेरी जन्मतिथि {dob} है, उम्र {age} साल।",
        "कृपया {phone} पर कॉल करें, पता: {addr}"]},
}
ML_WEIGHTS = [("de", 6), ("fr", 6), ("es", 6), ("it", 5), ("pt", 5), ("nl", 5), ("pl", 5), ("tr", 2), ("sv", 2),
              ("ja", 4), ("zh", 4), ("ko", 2), ("ru", 2), ("ar", 2), ("hi", 2)]
ML_GREET = {"de": "Kunde", "fr": "Client", "es": "Cliente", "it": "Cliente", "pt": "Cliente", "nl": "Klant", "pl": "Klient",
            "tr": "Müşteri", "sv": "Kund", "ja": "顧客", "zh": "客户", "ko": "고객", "ru": "Клиент", "ar": "العميل", "hi": "ग्राहक"}


ML_CYCLE = [lang for lang, w in ML_WEIGHTS for _ in range(w)]


def next_lang(v):
    """Languages in turn (weighted), so that every language gets its share whatever the draw."""
    v.ml_i = getattr(v, "ml_i", -1) + 1
    return ML_CYCLE[(v.ml_i * 7) % len(ML_CYCLE)]


def ml_slots(v, lang):
    m = ML[lang]
    return Slots(v, lang=lang, name_loc=m["names"], addr_loc=v.ch(m["addr"]) if m["addr"] else None, phone_loc=m["phone"])

# ---------------------------------------------------------------- records


class Rec:
    def __init__(self, shape, lang, sg, kind, obj=None, opts=None):
        self.shape, self.lang, self.sg, self.kind, self.obj, self.opts = shape, lang, seg(sg), kind, obj, opts


def trec(kind, sg, lang="en"):
    return Rec("text", lang, sg, kind)


def jrec(kind, obj, lang="en", indent=None, ascii_=False, compact=False):
    opts = dict(indent=indent, ascii_=ascii_, compact=compact)
    return Rec("json", lang, jdump(obj, **opts), kind, obj, opts)


def dump_opts(v):
    """Random json.dumps style: compact / spaced / indented, sometimes ensure_ascii."""
    return dict(indent=v.ch([None, None, 2, 4]), ascii_=v.p(0.15), compact=v.p(0.2))


def sample(v, xs, k):
    return v.r.sample(xs, min(len(xs), k))


def utterances(v, d, s, ncust, nagent, lower=False):
    cust = sample(v, d["cust"], ncust)
    agent = sample(v, d["agent"], nagent)
    turns = []
    for i in range(max(len(cust), len(agent))):
        if i < len(cust):
            turns.append(("cust", F(cust[i].lower() if lower else cust[i], s)))
        if i < len(agent):
            turns.append(("agent", F(agent[i], s)))
    return turns

# -- text records with PII

CHAT_LABELS = [("Customer", "Agent"), ("User", "Assistant"), ("customer", "support_bot"), ("Client", "Advisor"),
               ("Caller", "Rep"), ("Guest", "Concierge"), ("Member", "Helpdesk"), ("Visitor", "Live chat")]


def b_chat(v):
    d = DOMAINS[v.ch(DOMAIN_NAMES)]
    style = v.wch([("normal", 8), ("lower", 2), ("caps", 0.4)])
    s = Slots(v, style=style)
    cu, ag = v.ch(CHAT_LABELS)
    fmt = v.ch(["plain", "time", "md", "bracket"])
    agent_label = T(ag + " (", s["agent"], ")") if fmt == "plain" and v.p(0.35) else seg(ag)
    t = v.ts()
    lines = []
    for who, body in utterances(v, d, s, v.r.randrange(2, 4), v.r.randrange(1, 4), lower=style == "lower"):
        label = seg(cu) if who == "cust" else agent_label
        if fmt == "time":
            t += datetime.timedelta(seconds=v.r.randrange(20, 300))
            lines.append(T(f"[{t:%H:%M:%S}] ", label, ": ", body))
        elif fmt == "md":
            lines.append(T("**", label, ":** ", body))
        elif fmt == "bracket":
            lines.append(T("<", label.plain().lower().replace(" ", "_"), "> ", body))
        else:
            lines.append(T(label, ": ", body))
    return trec("chat", J("\n", lines))


SUBJECTS = ["Re: your request", "Question about my account", "Complaint", "URGENT - wrong charge", "Change of details",
            "Fwd: documents", "Follow-up", "Booking change", "Re: Re: refund", "Help needed"]


def b_email(v):
    d = DOMAINS[v.ch(DOMAIN_NAMES)]
    s = Slots(v)
    frm = v.ch([T(s["name"], " <", s["email"], ">"), T('"', s["lf"], '" <', s["email"], ">"), s["email"]])
    head = [T("From: ", frm), T("To: ", P("EMAIL", v.role_email())), seg("Subject: " + v.ch(SUBJECTS)),
            seg(f"Date: {v.ts():%a, %d %b %Y %H:%M:%S} +0000")]
    greet = v.ch(["Hi team,", "Hello,", "Dear Sir or Madam,", "Hi there", "To whom it may concern,", "Good morning,"])
    body = [F(u, s) for u in sample(v, d["cust"], v.r.randrange(1, 4))]
    close = v.ch([T("Thanks,\n", s["given"]), T("Best regards,\n", s["name"], "\n", s["phone"]), T("Kind regards\n", s["name"]),
                  T("Cheers,\n", s["given"], "\nSent from my phone"), T("--\n", s["name"], "\nMobile: ", s["mobile"])])
    out = T(J("\n", head), "\n\n", greet, "\n\n", J("\n\n", body), "\n\n", close)
    if v.p(0.4):
        quoted = F(v.ch(d["agent"]), s)
        out = T(out, "\n\nOn ", s["when"], ", ", s["agentfull"], " <", s["supportmail"], "> wrote:\n> ", quoted)
    return trec("email", out)


def b_ticket(v):
    d = DOMAINS[v.ch(DOMAIN_NAMES)]
    s = Slots(v)
    req = v.ch([T(s["name"], " (", s["email"], ")"), T(s["email"]), T(s["lf"])])
    lines = [seg("Priority: " + v.ch(["Low", "Normal", "High", "Urgent"])), T("Requester: ", req),
             seg("Category: " + v.ch(["Billing", "Account access", "Delivery", "Claims", "Technical", "Other"]))]
    if v.p(0.5):
        lines.append(T("Callback: ", s["phone"]))
    lines.append(T("Description:\n", F(v.ch(d["cust"]), s)))
    lines.append(T("---\nInternal note (", s["agent"], "): ", F(v.ch(d["agent"]), s)))
    return trec("ticket", J("\n", lines))


# columns: header variants, slot key, transform
COLUMNS = {
    "id": (["customer_id", "cust_id", "CustomerID", "Kundennr"], "id_customer"),
    "first": (["first_name", "FirstName", "given", "Vorname"], "given"),
    "last": (["last_name", "LastName", "surname", "Nachname"], "family"),
    "name": (["name", "full_name", "Name", "Contact"], "name"),
    "email": (["email", "e-mail", "Email Address"], "email"),
    "phone": (["phone", "tel", "Phone", "mobile"], "phone"),
    "dob": (["dob", "date_of_birth", "DOB", "birthdate"], "dob"),
    "age": (["age", "Age"], "age"),
    "addr": (["address", "Address", "shipping_address"], "addr"),
    "city": (["city", "City"], "city"),
    "plan": (["plan", "tier"], None),
    "total": (["total", "amount", "balance"], "amount"),
    "since": (["signup_date", "created", "last_order"], "when"),
    "iban": (["iban", "IBAN"], "iban"),
    "ip": (["last_ip", "ip_address"], "ip"),
}
COLSETS = [["id", "first", "last", "email", "plan"], ["name", "email", "phone", "city"], ["id", "name", "dob", "addr"],
           ["first", "last", "age", "since", "total"], ["email", "ip", "since"], ["name", "iban", "total"],
           ["id", "name", "phone", "addr", "plan"], ["first", "last", "dob", "email", "phone"]]


def table_rows(v, cols, nrows):
    rows = []
    for _ in range(nrows):
        s = Slots(v)
        row = []
        for c in cols:
            key = COLUMNS[c][1]
            row.append(seg(v.ch(["basic", "plus", "pro", "gold", "trial"])) if key is None else s[key])
        rows.append(row)
    return rows


def b_csv(v):
    cols = v.ch(COLSETS)
    sep = v.ch([",", ",", ";", "\t", "|"])
    head = sep.join(v.ch(COLUMNS[c][0]) for c in cols)
    lines = [seg(head)]
    for row in table_rows(v, cols, v.r.randrange(2, 7)):
        cells = [T('"', c, '"') if (sep in c.plain() or '"' in c.plain() or ("," in c.plain())) else c for c in row]
        lines.append(J(sep, cells))
    pre = v.ch(["", "Here is the export you asked for:\n\n", "tool_result (export_customers):\n", "```csv\n"])
    post = "\n```" if pre == "```csv\n" else ""
    return trec("csv", T(pre, J("\n", lines), post))


def b_mdtable(v):
    cols = v.ch(COLSETS)
    heads = [v.ch(COLUMNS[c][0]) for c in cols]
    lines = [seg("| " + " | ".join(heads) + " |"), seg("|" + "|".join("---" for _ in cols) + "|")]
    for row in table_rows(v, cols, v.r.randrange(2, 6)):
        lines.append(T("| ", J(" | ", row), " |"))
    intro = v.ch(["I found these matching records:\n\n", "Results:\n\n", "", "Here are the customers flagged for review:\n\n"])
    return trec("markdown", T(intro, J("\n", lines)))


UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "curl/8.4.0", "okhttp/4.12.0", "python-requests/2.31.0",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X)"]


def log_line(v, t, s):
    k = v.r.randrange(9)
    ts = t.strftime("%Y-%m-%dT%H:%M:%S") + f".{v.r.randrange(1000):03d}Z"
    if k == 0:
        return T(s["ip"], f' - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "GET /api/v2/orders/', s["id_order"],
                 f' HTTP/1.1" {v.ch([200, 200, 404, 500])} {v.r.randrange(100, 9000)} "-" "{v.ch(UAS)}"')
    if k == 1:
        return T(ts, " WARN auth: failed login for user=", s["email"], " from ", s["ip"], f" attempts={v.r.randrange(1, 6)}")
    if k == 2:
        return T(ts, " INFO payments: capture ok customer_id=", s["id_customer"], f" amount={v.r.randrange(5, 900)}.00 currency=EUR")
    if k == 3:
        return T(ts, " ERROR billing: card rejected pan=", s["card"], " reason=do_not_honor")
    if k == 4:
        return T(f"{t:%b %d %H:%M:%S} web-03 sshd[{v.r.randrange(1000, 60000)}]: Failed password for invalid user admin from ",
                 s["ip2"], f" port {v.r.randrange(1024, 65535)} ssh2")
    if k == 5:
        return T(ts, " DEBUG notify: sms queued to=", s["phone"], ' template="otp_login"')
    if k == 6:
        return T(ts, " INFO crm: profile updated id=", s["id_customer"], " fields=[address] new=\"", s["addr"], '"')
    if k == 7:
        return seg(f"{ts} INFO healthcheck ok latency_ms={v.r.randrange(2, 90)} pod=api-{v.hexid(5)}")
    return seg(f"{ts} DEBUG cache hit ratio={v.r.random():.2f} keys={v.r.randrange(100, 99999)}")


def b_logs(v):
    t = v.ts()
    lines = []
    for _ in range(v.r.randrange(3, 8)):
        s = Slots(v)
        t += datetime.timedelta(seconds=v.r.randrange(1, 120))
        lines.append(log_line(v, t, s))
    return trec("log", J("\n", lines))


def b_jsonl_log(v):
    t = v.ts()
    lines = []
    for _ in range(v.r.randrange(2, 6)):
        s = Slots(v)
        t += datetime.timedelta(seconds=v.r.randrange(1, 90))
        ev = {"ts": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "level": v.ch(["info", "warn", "error"])}
        k = v.r.randrange(4)
        if k == 0:
            ev.update({"msg": "login", "user": s["email"], "ip": s["ip"]})
        elif k == 1:
            ev.update({"msg": "tool_call", "tool": "lookup_order", "args": {"order_id": s["id_order"], "email": s["email"]}})
        elif k == 2:
            ev.update({"msg": "signup", "name": s["name"], "phone": s["phone"], "age": Num("AGE", int(s.raw("age")))})
        else:
            ev.update({"msg": "request", "path": "/v1/search", "status": 200, "duration_ms": v.r.randrange(3, 400)})
        lines.append(jdump(ev, compact=v.p(0.5)))
    return trec("jsonl_log", J("\n", lines))


def b_form(v):
    s = Slots(v, style=v.ch(["normal", "normal", "caps"]))
    fields = [T(v.ch(["Surname", "Last name", "Family name"]), ": ", s["family"]),
              T(v.ch(["Given names", "First name", "Forename(s)"]), ": ", s["given"]),
              T(v.ch(["Date of birth", "DOB", "Birth date"]), ": ", s["dob"])]
    extra = [T("Age: ", s["age"]), T("Address:\n", s["addrml"]), T("Passport no.: ", s["id_passport"]),
             T("Driving licence: ", s["id_dl"]), T("Phone: ", s["phone"]), T("E-mail: ", s["email"]),
             T("SSN: ", s["ssn"]), T("Nationality: ", v.ch(["British", "German", "Canadian", "Brazilian", "Indian"])),
             T("Signature: ", s["initial"]), T("Date: ", s["when"])]
    fields += sample(v, extra, v.r.randrange(3, 7))
    title = v.ch(["APPLICATION FORM", "New patient registration", "[OCR page 1/2]", "Rental application", "Membership form"])
    return trec("form", T(title, "\n\n", J("\n", fields)))


def b_clinical(v):
    s = Slots(v)
    sex = v.ch(["M", "F"])
    head = v.ch([T("Pt: ", s["name"], ", ", s["age"], " y/o ", sex, ", DOB ", s["dob"], ", MRN ", s["id_mrn"]),
                 T(s["age"], sex, " presenting with chest pain. Name: ", s["lf"], ". DOB: ", s["dob"]),
                 T("Patient ", s["tname"], " (", s["age"], "), MRN ", s["id_mrn"], ", seen on ", s["when"])])
    body = v.ch(["Hx of asthma. BP 128/82, HR 74. Plan: review in 2 weeks.",
                 "Allergic to penicillin. Referred to cardiology.", "No acute distress. Labs ordered: CBC, CMP."])
    tail = v.ch([T("\nNext of kin: ", s["name2"], ", ", s["phone"]), seg(""), T("\nGP: Dr ", s["doctor"])])
    return trec("clinical", T(head, "\n", body, tail))


def b_shipping(v):
    s = Slots(v, style=v.ch(["normal", "caps"]))
    a = v.address()
    addr = P("ADDRESS", a.multi().upper() if s.style == "caps" else a.multi())
    lines = [seg(v.ch(["SHIP TO:", "Deliver to:", "Recipient", "DESTINATAIRE / SHIP TO"])), s["name"], addr]
    if v.p(0.6):
        lines.append(T(v.ch(["Tel: ", "Phone: ", "☎ "]), s["phone"]))
    lines.append(seg(f"Weight: {v.r.randrange(1, 30)}.{v.r.randrange(10)} kg   Service: {v.ch(['Express', 'Standard', 'Economy'])}"))
    return trec("shipping", J("\n", lines))


def po_box(v):
    loc = v.ch(["en_US", "en_AU", "en_CA", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT", "pt_BR", "en_GB", "en_NZ"])
    f, n = v.fk[loc], v.r.randrange(10, 9999)
    return {"en_US": lambda: f"PO Box {n}, {f.city()}, {f.state_abbr()} {f.zipcode()}",
            "en_AU": lambda: f"PO Box {n}, {f.city()} {f.state_abbr()} {f.postcode()}",
            "en_CA": lambda: f"PO Box {n} Stn Main, {f.city()} {f.province_abbr()} {f.postcode()}",
            "de_DE": lambda: f"Postfach {n} {v.r.randrange(10, 99)}, {f.postcode()} {f.city()}",
            "fr_FR": lambda: f"BP {n}, {f.postcode()} {f.city()} Cedex",
            "nl_NL": lambda: f"Postbus {n}, {f.postcode()} {f.city()}",
            "es_ES": lambda: f"Apartado de Correos {n}, {f.postcode()} {f.city()}",
            "it_IT": lambda: f"Casella Postale {n}, {f.postcode()} {f.city()}",
            "pt_BR": lambda: f"Caixa Postal {n}, CEP {f.postcode()}, {f.city()}",
            "en_GB": lambda: f"PO Box {n}, {f.city()}, {f.postcode()}",
            "en_NZ": lambda: f"PO Box {n}, {f.city()} {f.postcode()}"}[loc]()


ADDR_FRAMES = ["Please send it to {a}.", "Billing address: {a}", "I live at {a} since March.",
               "Our office moved to {a} — update your records.", "Return label made out to {a}",
               "Correspondence address {a}, not the one on file.", "Can the courier leave it at {a}?"]


def b_address(v):
    s = Slots(v)
    k = v.r.randrange(3)
    a = P("ADDRESS", po_box(v)) if k == 0 else P("ADDRESS", v.address().one())
    out = F(v.ch(ADDR_FRAMES), {"a": a})
    if k == 2:
        out = T(s["name"], ": ", out)
    return trec("address", out)


DOB_FRAMES = ["I was born on {d}.", "DOB: {d}", "date of birth {d}, if you need it", "b. {d}", "Born {d} in {city}.",
              "my birthdate is {d} so I should qualify", "She was born {d} and is now {a}.", "He turned {a} last week.",
              "The applicant is {a} years old.", "Aged {a}, non-smoker.", "{a}yo, looking for a quote", "a {a}-year-old cyclist",
              "Age: {a}", "{n} ({a}) and her son ({a2})", "{n}, DOB {d}, requested a callback", "kid is {a2} and I'm {a}",
              "Date of Birth (DD/MM/YYYY): {d}", "Geburtsdatum {d}"]


def b_dob(v):
    s = Slots(v)
    tpl = v.ch(DOB_FRAMES)
    d = s["dob"]
    if "DD/MM/YYYY" in tpl:
        d = P("DOB", v.fmt_date(s.bdate("1"), "eu"))
    slots = {"d": d, "a": s["age"], "a2": s["age2"], "n": s["name"], "city": s["city"]}
    out = F(tpl, slots)
    if v.p(0.5):
        out = T(v.ch(["Note: ", "User: ", "Re applicant — ", "> "]), out, v.ch(["", " Thanks.", " Please advise."]))
    return trec("dob_age", out, lang="de" if tpl.startswith("Geburtsdatum") else "en")


def b_sms(v):
    s = Slots(v, style=v.ch(["normal", "lower"]))
    t = v.ts()
    msgs = [T(s["given"], " here, running late, meet at the station instead"),
            T("Your code is ", s["otp"], ". Don't share it."),
            T("can u send me ur iban again? the last one bounced"), T("sure: ", s["iban"]),
            T("new number btw ", s["phone2"]), T("ok saved. see you ", s["when"]),
            T("address for the party: ", s["addr"]), T("happy birthday!! ", s["age"], " already 🎉")]
    out = []
    for m in sample(v, msgs, v.r.randrange(2, 5)):
        t += datetime.timedelta(minutes=v.r.randrange(1, 200))
        who = v.ch([s["phone"], seg("Me")])
        out.append(T(f"[{t:%Y-%m-%d %H:%M}] ", who, ": ", m))
    return trec("sms", J("\n", out))


def b_scratchpad(v):
    s = Slots(v)
    d = DOMAINS[v.ch(DOMAIN_NAMES)]
    ask = F(v.ch(d["cust"]), s)
    args = {"customer_id": s["id_customer"], "email": s["email"]}
    if v.p(0.5):
        args["phone"] = s["phone"]
    tool = v.ch(["lookup_customer", "get_account", "crm.search", "find_profile"])
    out = T("Question: ", ask, "\nThought: the user is ", s["name"], "; I need their profile before answering.\nAction: ", tool,
            "\nAction Input: ", jdump(args), "\nObservation: found 1 match, last contact ", s["when"],
            "\nThought: I can now answer.")
    return trec("scratchpad", out)


def b_yaml(v):
    s = Slots(v)
    a = v.addr_parts()
    lines = [seg("customer:"), T("  id: ", s["id_customer"]), T("  name: ", s["name"]), T("  email: ", s["email"]),
             T('  phone: "', s["phone"], '"'), T("  born: ", P("DOB", s.bdate("1").isoformat())),
             seg("  address:"), T("    street: ", P("ADDRESS", a["street"])), T("    city: ", P("ADDRESS", a["city"])),
             T('    postcode: "', P("ADDRESS", a["postcode"]), '"'), seg("    country: " + a["country"]),
             seg("  marketing_opt_in: " + v.ch(["true", "false"]))]
    return trec("yaml", T(v.ch(["", "# tool output: get_profile\n", "---\n"]), J("\n", lines)))


def b_traceback(v):
    s = Slots(v)
    k = v.r.randrange(3)
    if k == 0:
        out = T('Traceback (most recent call last):\n  File "/srv/app/billing.py", line 88, in charge\n    resp = gateway.charge(card, amount)\n'
                "billing.GatewayError: declined card=", s["card"], " customer=", s["id_customer"])
    elif k == 1:
        out = T("1 validation error for Contact\nphone\n  String should match pattern '^\\+?[0-9 ]+$' [type=string_pattern_mismatch, input_value='",
                s["phone"], "', input_type=str]")
    else:
        out = T("psycopg.errors.UniqueViolation: duplicate key value violates unique constraint \"users_email_key\"\n"
                "DETAIL:  Key (email)=(", s["email"], ") already exists.")
    return trec("traceback", out)


def b_ml_text(v):
    lang = next_lang(v)
    s = ml_slots(v, lang)
    frames = sample(v, ML[lang]["frames"], v.r.randrange(1, 3))
    parts = [F(f, s) for f in frames]
    if v.p(0.3):
        return trec("ml_chat", J("\n", [T(ML_GREET[lang], ": ", p) for p in parts]), lang)
    multi = any("\n" in p.plain() for p in parts)
    return trec("ml_text", J("\n\n" if multi or v.p(0.5) else " ", parts), lang)


def b_assistant_summary(v):
    s = Slots(v)
    out = v.ch([
        T("Sure — I've updated the booking for ", s["name"], ". The confirmation was sent to ", s["email"],
          " and the new passport number on file is ", s["id_passport"], "."),
        T("Summary of the call: ", s["tname"], " (", s["age"], ") reported a fraudulent charge on card ", s["card"],
          ". I blocked it and set up a callback on ", s["phone"], "."),
        T("Based on the profile, ", s["given"], " was born on ", s["dob"], ", so they're eligible for the senior fare."),
        T("I couldn't verify the SSN ", s["ssn"], " against the name ", s["name"], "; please ask for another document."),
        T("The refund of ", s["amount"], " to ", s["iban"], " is scheduled. Account holder: ", s["name"], ".")])
    return trec("assistant", out)

PAY_FRAMES = ["Card number: {card}\nExpiry: {exp}\nName on card: {name}", "pls charge {card} for the deposit, exp {exp}",
              "Background check request: {name}, SSN {ssn}, DOB {dob}", "SSN: {ssn} / DOB: {dob} / {lf}",
              "Your card {card} was charged {amount} on {when}.", "W-9 received from {name} (SSN {ssn}); filed under vendor {id_customer}.",
              "Use my other card, the {brand} one: {card}", "The loan application lists SSN {ssn} but the credit bureau has {ssn2}."]


def b_payment(v):
    s = Slots(v)
    brand, key = v.ch([("Amex", "amex"), ("Visa", "visa"), ("Mastercard", "mc2"), ("Discover", "disc"), ("JCB", "jcb"), ("Diners", "diners")])
    slots = {"card": P("CARD", v.card(key)), "exp": seg(f"{v.r.randrange(1, 13):02d}/{v.r.randrange(26, 32)}"), "brand": seg(brand),
             "ssn2": P("SSN", v.ssn())}
    tpl = v.ch(PAY_FRAMES)
    return trec("payment", F(tpl, {k: slots[k] if k in slots else s[k] for k in SLOT.findall(tpl)}))

# -- JSON records with PII


def addr_obj(v, keyset=None):
    a = v.addr_parts()
    ks = keyset or v.ch([("street", "city", "postal_code"), ("line1", "city", "zip"), ("address_line1", "town", "postcode"),
                         ("street", "locality", "postcode")])
    o = {ks[0]: P("ADDRESS", a["street"])}
    if "street2" in a:
        o[ks[0].replace("1", "") + "2" if "1" in ks[0] else "street2"] = P("ADDRESS", a["street2"])
    o[ks[1]] = P("ADDRESS", a["city"])
    if "state" in a:
        o["state"] = a["state"]
    o[ks[2]] = P("ADDRESS", a["postcode"])
    o["country"] = a["country"]
    return o


def age_val(v, s, key="age"):
    return Num("AGE", int(s.raw(key))) if v.p(0.7) else s[key]


def tool_lookup_customer(v, s):
    args = {"email": s["email"]} if v.p(0.5) else {"customer_id": s["id_customer"]}
    res = {"customer_id": s["id_customer"], "first_name": s["given"], "last_name": s["family"], "email": s["email"],
           "phone": s["phone"], "tier": v.ch(["gold", "silver", "basic"]), "created_at": v.ts().strftime("%Y-%m-%dT%H:%M:%SZ")}
    return "lookup_customer", args, res


def tool_update_address(v, s):
    args = {"customer_id": s["id_customer"], "address": addr_obj(v)}
    return "update_shipping_address", args, {"ok": True, "updated_at": v.ts().strftime("%Y-%m-%dT%H:%M:%SZ")}


def tool_book(v, s):
    pax = [{"first_name": s["given"], "last_name": s["family"], "date_of_birth": P("DOB", s.bdate("1").isoformat()),
            "passport_number": s["id_passport"]}]
    if v.p(0.5):
        pax.append({"first_name": s["given2"], "last_name": s["family2"], "date_of_birth": P("DOB", s.bdate("2").isoformat()),
                    "passport_number": s["id_passport2"]})
    args = {"flight": s.raw("flight"), "date": v.ts().strftime("%Y-%m-%d"), "passengers": pax, "contact_email": s["email"]}
    return "create_booking", args, {"status": "confirmed", "pnr": s["id_booking"], "total": s.raw("amount")}


def tool_refund(v, s):
    args = {"order_id": s["id_order"], "amount": round(v.r.uniform(5, 500), 2), "iban": s["iban"], "account_holder": s["name"]}
    return "issue_refund", args, {"refund_id": P("ID", v.uid("re_", 14)), "status": "pending"}


def tool_sms(v, s):
    body = T("Hi ", s["given"], ", your appointment is on ", s["when"], ". Reply STOP to opt out.")
    return "send_sms", {"to": s["phone"], "body": body}, {"message_sid": v.uid("SM", 32), "status": "queued"}


def tool_verify(v, s):
    args = {"full_name": s["name"], "ssn": s["ssn"], "dob": P("DOB", s.bdate("1").isoformat())}
    return "verify_identity", args, {"match": v.ch([True, False]), "score": round(v.r.random(), 2)}


def tool_patient(v, s):
    args = {"patient_id": s["id_patient"]}
    res = {"patient": {"name": {"given": s["given"], "family": s["family"]}, "birthDate": P("DOB", s.bdate("1").isoformat()),
                       "age": age_val(v, s), "telecom": [{"system": "phone", "value": s["phone"]}], "address": addr_obj(v)}}
    return "get_patient", args, res


def tool_block_ip(v, s):
    args = {"ip": s["ip"], "reason": "credential stuffing", "user": s["email"]}
    return "block_ip", args, {"blocked": True, "rule_id": v.r.randrange(1000, 9999)}


def tool_charge(v, s):
    args = {"card_number": s["card"], "exp": f"{v.r.randrange(1, 13):02d}/{v.r.randrange(26, 31)}", "amount_cents": v.r.randrange(500, 90000),
            "cardholder": s["name"]}
    return "charge_card", args, {"status": v.ch(["succeeded", "declined"]), "charge_id": P("ID", v.uid("ch_", 20))}


def tool_licence(v, s):
    args = {"licence_number": s["id_dl"], "last_name": s["family"], "date_of_birth": P("DOB", v.fmt_date(s.bdate("1"), "us"))}
    return "check_driver_licence", args, {"valid": True, "class": v.ch(["B", "C", "A2"]), "age": age_val(v, s)}


PII_TOOLS = [tool_lookup_customer, tool_update_address, tool_book, tool_refund, tool_sms, tool_verify, tool_patient,
             tool_block_ip, tool_charge, tool_licence]
SYSTEMS = ["You are a helpful customer-support assistant for an online retailer.", "You are Nova, a travel booking agent.",
           "You help clinic staff with scheduling. Never reveal data to third parties.", "You are a banking assistant.",
           "Answer briefly. Use the tools when needed."]
MODELS = ["gpt-4o-mini", "gpt-4.1", "o4-mini", "gpt-4o-2024-08-06"]


def b_openai(v):
    s = Slots(v)
    d = DOMAINS[v.ch(DOMAIN_NAMES)]
    name, args, res = v.ch(PII_TOOLS)(v, s)
    cid = v.uid("call_", 24)
    inner = dict(indent=None, ascii_=v.p(0.2), compact=v.p(0.3))
    msgs = [{"role": "system", "content": v.ch(SYSTEMS)}, {"role": "user", "content": F(v.ch(d["cust"]), s)},
            {"role": "assistant", "content": None, "tool_calls": [{"id": cid, "type": "function",
                                                                    "function": {"name": name, "arguments": Embed(args, **inner)}}]}]
    if v.p(0.7):
        msgs.append({"role": "tool", "tool_call_id": cid, "content": Embed(res, **inner)})
    body = {"model": v.ch(MODELS), "messages": msgs}
    if v.p(0.3):
        body["temperature"] = v.ch([0, 0.2, 0.7])
    return jrec("openai", body, **dump_opts(v))


def b_tool_result(v):
    s = Slots(v)
    name, args, res = v.ch(PII_TOOLS)(v, s)
    msg = {"role": "tool", "tool_call_id": v.uid("call_", 24), "name": name,
           "content": Embed(res, indent=v.ch([None, 2]), ascii_=v.p(0.2))}
    return jrec("tool_result", msg, **dump_opts(v))


def b_anthropic(v):
    s = Slots(v)
    d = DOMAINS[v.ch(DOMAIN_NAMES)]
    name, args, res = v.ch(PII_TOOLS)(v, s)
    tid = v.uid("toolu_", 24)
    msgs = [{"role": "user", "content": [{"type": "text", "text": F(v.ch(d["cust"]), s)}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Let me check that."},
                                              {"type": "tool_use", "id": tid, "name": name, "input": args}]}]
    if v.p(0.7):
        content = Embed(res, indent=v.ch([None, 2])) if v.p(0.6) else [{"type": "text", "text": Embed(res)}]
        msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": content}]})
    body = {"model": v.ch(["claude-sonnet-4-20250514", "claude-3-5-haiku-latest", "claude-opus-4-1"]), "max_tokens": 1024,
            "system": v.ch(SYSTEMS), "messages": msgs}
    return jrec("anthropic", body, **dump_opts(v))


def b_webhook(v):
    s = Slots(v)
    k = v.r.randrange(3)
    if k == 0:
        obj = {"id": v.uid("evt_", 24), "type": "customer.updated", "data": {"object": {
            "id": P("ID", v.uid("cus_", 14)), "name": s["name"], "email": s["email"], "phone": s["phone"],
            "address": addr_obj(v, ("line1", "city", "postal_code")), "metadata": {"crm_id": s["id_customer"]}}}}
    elif k == 1:
        obj = {"order_id": s["id_order"], "created": v.ts().strftime("%Y-%m-%dT%H:%M:%S+00:00"),
               "customer": {"first_name": s["given"], "last_name": s["family"], "email": s["email"]},
               "shipping_address": addr_obj(v), "line_items": [{"sku": s.raw("sku"), "qty": v.r.randrange(1, 4), "price": s.raw("amount")}],
               "browser_ip": s["ip"]}
    else:
        obj = {"event": "kyc.completed", "applicant": {"full_name": s["name"], "dob": P("DOB", s.bdate("1").isoformat()),
                                                       "nationality": v.ch(["GB", "DE", "US", "IN", "BR"]),
                                                       "document": {"type": "passport", "number": s["id_passport"]}},
               "ip_address": s["ip"], "result": "clear"}
    return jrec("webhook", obj, **dump_opts(v))


def b_crm(v):
    s = Slots(v, person_kind=v.ch([None, None, "fancy", "word"]))
    obj = {"contact": {"firstName": s["given"], "lastName": s["family"], "email": s["email"], "mobile": s["phone"],
                       "age": age_val(v, s), "birthday": s["dob"]}, "owner": s["agentfull"], "stage": v.ch(["lead", "customer", "churned"])}
    if v.p(0.5):
        obj["contact"]["address"] = P("ADDRESS", v.address().multi())
    if v.p(0.3):
        obj["contact"]["iban"] = s["iban"]
    return jrec("crm", obj, **dump_opts(v))


def b_form_json(v):
    s = Slots(v)
    fields = [("Full name", s["name"]), ("Email", s["email"]), ("Phone", s["phone"]), ("Date of birth", s["dob"]),
              ("Address", s["addr"]), ("Social Security Number", s["ssn"]), ("Card number", s["card"]), ("Message", seg("Please call after 5pm."))]
    chosen = sample(v, fields, v.r.randrange(3, 7))
    obj = {"form_id": v.uid("frm_", 10), "submitted_at": v.ts().strftime("%Y-%m-%dT%H:%M:%SZ"),
           "fields": [{"label": l, "value": val} for l, val in chosen], "client_ip": s["ip4"]}
    return jrec("form_json", obj, **dump_opts(v))


def b_users_batch(v):
    users = []
    for _ in range(v.r.randrange(2, 5)):
        s = Slots(v)
        u = {"id": s["id_customer"], "name": s["name"], "email": s["email"]}
        if v.p(0.5):
            u["age"] = age_val(v, s)
        if v.p(0.4):
            u["last_login_ip"] = s["ip"]
        users.append(u)
    return jrec("users_batch", {"users": users, "page": 1, "has_more": v.p(0.5)}, **dump_opts(v))


def b_ml_json(v):
    lang = next_lang(v)
    s = ml_slots(v, lang)
    text = F(v.ch(ML[lang]["frames"]), s)
    args = {"name": s["name"], "phone": s["phone"], "language": lang}
    msgs = [{"role": "user", "content": text},
            {"role": "assistant", "content": None, "tool_calls": [{"id": v.uid("call_", 24), "type": "function",
                                                                    "function": {"name": "create_ticket", "arguments": Embed(args, ascii_=v.p(0.4))}}]}]
    return jrec("ml_json", {"model": v.ch(MODELS), "messages": msgs}, lang=lang, **dump_opts(v))

# -- clean records (no PII, but risky-looking)

TOOL_DEFS = [
    ("search_flights", "Search flights between two airports.", {"origin": "IATA code", "destination": "IATA code",
                                                                 "depart_date": "YYYY-MM-DD", "adults": "integer"}),
    ("get_weather", "Current weather for a city.", {"city": "city name", "units": "metric or imperial"}),
    ("lookup_order", "Find an order by its id or the customer's e-mail.", {"order_id": "string", "email": "string"}),
    ("redact_pii", "Mask names, phone numbers and card numbers in a text.", {"text": "string", "mode": "mask or hash"}),
    ("book_table", "Reserve a restaurant table.", {"restaurant": "string", "party_size": "integer", "time": "HH:MM"}),
    ("convert_currency", "Convert an amount.", {"amount": "number", "from": "ISO 4217", "to": "ISO 4217"}),
    ("create_ticket", "Open a support ticket.", {"subject": "string", "priority": "low|normal|high"}),
    ("validate_iban", "Checks an IBAN's checksum.", {"iban": "string"}),
    ("get_stock_quote", "Latest price for a ticker.", {"symbol": "e.g. JNJ, WFC"}),
]
AIRPORTS = ["LHR", "JFK", "CDG", "FRA", "MAD", "FCO", "AMS", "WAW", "LIS", "NRT", "ICN", "PEK", "SYD", "YYZ", "GRU", "DXB"]
PLACES = ["Florence", "Victoria", "Adelaide", "Alice Springs", "Lake Louise", "Virginia Beach", "Madison", "Eugene", "Regina",
          "San José", "Santa Monica", "Sankt Pölten", "Saint-Denis", "Port Elizabeth", "Charlotte Amalie", "Georgetown",
          "Houston", "Austin", "Lincoln", "Jackson", "Marseille", "Kraków", "Sevilla"]
BRANDS = ["Hugo Boss", "Calvin Klein", "Ted Baker", "Tommy Hilfiger", "Ralph Lauren", "Jo Malone", "Paul Smith", "Kate Spade",
          "Tory Burch", "Marc Jacobs", "Vera Wang", "Michael Kors", "Stella McCartney", "Karl Lagerfeld", "Ben Sherman"]
PRODUCTS = ["Will-o'-Wisp desk lamp", "Grace 3-seat sofa", "Summer Breeze fan", "Rose Gold iPhone case", "Amber wax candle",
            "Hunter wellington boots", "Iris 2 e-reader", "Ivy trellis planter", "Holly wreath", "Chase Runner trainers",
            "Penny board 22\"", "Page-turner reading light"]


def b_clean_tool_defs(v):
    tools = []
    for name, desc, params in sample(v, TOOL_DEFS, v.r.randrange(2, 5)):
        tools.append({"type": "function", "function": {"name": name, "description": desc, "parameters": {
            "type": "object", "properties": {k: {"type": d if d in ("integer", "number") else "string", "description": d}
                                             for k, d in params.items()},
            "required": [next(iter(params))]}}})
    body = {"model": v.ch(MODELS), "tools": tools, "tool_choice": "auto",
            "messages": [{"role": "user", "content": v.ch(["What can you do?", "Find me a flight to Florence in May.",
                                                          "Is it raining in Victoria?", "Convert 120 EUR to GBP"])}]}
    return jrec("clean_tool_defs", body, **dump_opts(v))


def b_clean_tool_call(v):
    d0 = v.ts().date()
    k = v.r.randrange(4)
    if k == 0:
        name, args = "search_flights", {"origin": v.ch(AIRPORTS), "destination": v.ch(AIRPORTS), "depart_date": d0.isoformat(),
                                        "return_date": (d0 + datetime.timedelta(days=v.r.randrange(2, 20))).isoformat(),
                                        "adults": v.r.randrange(1, 5), "cabin": v.ch(["economy", "business"])}
        res = {"results": [{"flight": v.ch(["LH", "BA", "AF", "KL", "IB"]) + str(v.r.randrange(100, 999)), "price": round(v.r.uniform(80, 1400), 2),
                            "currency": "EUR", "stops": v.r.randrange(0, 2)} for _ in range(v.r.randrange(1, 4))]}
    elif k == 1:
        name, args = "get_weather", {"city": v.ch(PLACES), "units": v.ch(["metric", "imperial"])}
        res = {"temp": v.r.randrange(-5, 35), "condition": v.ch(["sunny", "rain", "overcast"]), "updated": v.ts().strftime("%Y-%m-%dT%H:%M:%SZ")}
    elif k == 2:
        name, args = "convert_currency", {"amount": v.r.randrange(10, 5000), "from": v.ch(["EUR", "USD", "GBP"]), "to": v.ch(["JPY", "CHF", "PLN"])}
        res = {"result": round(v.r.uniform(10, 900000), 2), "rate_date": d0.isoformat()}
    else:
        name, args = "get_stock_quote", {"symbol": v.ch(["JNJ", "WFC", "MS", "GS", "TM"])}
        res = {"price": round(v.r.uniform(20, 600), 2), "change_pct": round(v.r.uniform(-4, 4), 2)}
    cid = v.uid("call_", 24)
    msgs = [{"role": "assistant", "content": None, "tool_calls": [{"id": cid, "type": "function", "function": {"name": name, "arguments": Embed(args)}}]},
            {"role": "tool", "tool_call_id": cid, "content": Embed(res)}]
    return jrec("clean_tool_call", {"model": v.ch(MODELS), "messages": msgs}, **dump_opts(v))


CODE = [
    "def redact_email(text: str) -> str:\n    return EMAIL_RE.sub(\"[EMAIL]\", text)\n\n\ndef test_redact_email():\n    assert redact_email(\"no pii here\") == \"no pii here\"",
    "SELECT c.first_name, c.last_name, COUNT(o.id) AS orders\nFROM customers c JOIN orders o ON o.customer_id = c.id\nWHERE o.created_at >= DATE '2024-01-01'\nGROUP BY 1, 2 ORDER BY orders DESC LIMIT 20;",
    "fn mask_card(pan: &str) -> String {\n    let keep = &pan[pan.len() - 4..];\n    format!(\"**** **** **** {keep}\")\n}",
    "diff --git a/src/billing.py b/src/billing.py\n@@ -12,7 +12,7 @@ class Invoice:\n-    due_days = 14\n+    due_days = 30\n     currency = \"EUR\"",
    "CREATE TABLE patients (\n  id BIGSERIAL PRIMARY KEY,\n  full_name TEXT NOT NULL,\n  date_of_birth DATE,\n  ssn CHAR(11)\n);",
    "$ pytest -q tests/test_phone.py\n........                                                    [100%]\n8 passed in 0.41s",
    "const schema = z.object({\n  email: z.string().email(),\n  age: z.number().int().min(18),\n  iban: z.string().regex(IBAN_RE),\n});",
    "# TODO(grace-period): extend the trial from 14 to 30 days\nTRIAL_DAYS = 30\nMAX_SEATS = 250\nREGION = \"eu-west-1\"",
]


def b_clean_code(v):
    pre = v.ch(["", "Here's the change:\n\n", "Tool output (read_file):\n", "```\n"])
    return trec("clean_code", T(pre, v.ch(CODE), "\n```" if pre == "```\n" else ""))


def b_clean_search(v):
    res = []
    for p in sample(v, PLACES, v.r.randrange(2, 5)):
        res.append(v.ch([f"{p} — Things to do (Tripadvisor). Top attractions in {p} include the old town and the harbour.",
                         f"Weather in {p}: {v.r.randrange(-3, 33)}°C, {v.ch(['light rain', 'clear', 'windy'])}.",
                         f"Hotels in {p} from €{v.r.randrange(40, 300)} a night. Free cancellation on most rooms.",
                         f"{p} Central Library opening hours: Mon–Fri 9:00–18:00."]))
    return trec("clean_search", J("\n", [f"{i + 1}. {r}" for i, r in enumerate(res)]))


def b_clean_catalogue(v):
    items = []
    for _ in range(v.r.randrange(2, 6)):
        items.append(v.ch([v.ch(BRANDS) + " " + v.ch(["Eau de Parfum 50ml", "wool coat", "leather belt", "polo shirt"]), v.ch(PRODUCTS)]))
    if v.p(0.5):
        obj = {"products": [{"sku": v.pat("@@-####"), "title": it, "price": round(v.r.uniform(5, 450), 2), "in_stock": v.p(0.7)} for it in items]}
        return jrec("clean_catalogue", obj, **dump_opts(v))
    lines = [f"- {it} — {v.ch(['£', '€', '$'])}{v.r.randrange(5, 450)}.{v.r.randrange(100):02d} ({v.pat('SKU ####-@@')})" for it in items]
    return trec("clean_catalogue", "Top sellers this week:\n" + "\n".join(lines))


def b_clean_calendar(v):
    lines = []
    for _ in range(v.r.randrange(2, 6)):
        t = v.ts()
        lines.append(v.ch([f"{t:%Y-%m-%d %H:%M} Sprint review (room {v.ch(['Everest', 'Denali', 'Kilimanjaro'])})",
                           f"{t:%a %d %b} — invoice run, total {v.r.randrange(1000, 99999)} EUR",
                           f"{t:%d/%m/%Y} public holiday (offices closed)", f"{t:%B %d} release v{v.r.randrange(1, 9)}.{v.r.randrange(20)}.0 freeze",
                           f"{t:%Y-%m-%d} quarterly board meeting, agenda due one week before"]))
    return trec("clean_calendar", J("\n", lines))


def b_clean_ops(v):
    lines = []
    t = v.ts()
    for _ in range(v.r.randrange(3, 8)):
        t += datetime.timedelta(seconds=v.r.randrange(1, 60))
        lines.append(v.ch([f"{t:%Y-%m-%dT%H:%M:%SZ} Normal  Scheduled  pod/api-{v.hexid(10)}  Successfully assigned default/api to node-{v.r.randrange(1, 9)}",
                           f"{t:%H:%M:%S} build #{v.r.randrange(1000, 9999)} step 'cargo test' finished in {v.r.randrange(10, 900)}s",
                           f"{t:%Y-%m-%dT%H:%M:%SZ} trace_id={v.hexid(32)} span=checkout latency_ms={v.r.randrange(2, 800)}",
                           f"{t:%Y-%m-%d %H:%M:%S} WARN disk usage at {v.r.randrange(70, 99)}% on /var/lib/postgresql",
                           f"cpu_usage{{host=\"web-{v.r.randrange(1, 20)}\"}} {v.r.random():.3f} {int(t.timestamp())}"]))
    return trec("clean_ops", J("\n", lines))


PROSE = ["Will the May release include the new export?", "Hope this helps! Let me know if anything is unclear.",
         "Mark the ticket as resolved once the fix is deployed.", "Grant read access to the analytics bucket, not write.",
         "Bill payment failed again; the gateway returned a timeout.", "The Summer sale starts on June 1 and ends in August.",
         "Chase the supplier about the late shipment, please.", "Turn to Page 12 for the warranty terms.",
         "We need a Frank discussion about the roadmap.", "April showers bring May flowers, as they say.",
         "Rich text is supported in the editor since v3.2.", "Max retries is 5; after that the job goes to the dead-letter queue.",
         "Sunny spells expected in Victoria and Adelaide this weekend.", "Ivy League admissions open in Autumn.",
         "Our Amber alert threshold is 80% and the Crystal Reports export is deprecated.",
         "The order total was $1,284.50 including VAT, shipped on 2024-11-03.", "Dawn patrol flights leave at 05:40."]


def b_clean_prose(v):
    return trec("clean_prose", " ".join(sample(v, PROSE, v.r.randrange(2, 5))))


ML_CLEAN = {"de": ["Wie lange dauert die Lieferung nach Österreich?", "Gibt es den Mantel auch in Größe M?"],
            "fr": ["Quels sont les horaires d'ouverture le dimanche ?", "Le vol AF1234 est-il à l'heure ?"],
            "es": ["¿Puedo cambiar la fecha del vuelo sin coste?", "¿Cuál es la política de devoluciones?"],
            "it": ["Il negozio di Firenze è aperto a Ferragosto?", "Quanto costa la spedizione in Sardegna?"],
            "pt": ["Vocês entregam em Lisboa no mesmo dia?", "Qual é o prazo de reembolso?"],
            "nl": ["Is de winkel in Utrecht zondag open?", "Hoeveel kost verzending naar België?"],
            "pl": ["Czy mogę zwrócić towar po 30 dniach?", "Ile kosztuje wysyłka do Niemiec?"],
            "ja": ["返品の期限は何日ですか？", "東京駅から空港までの行き方を教えてください。"],
            "zh": ["退货政策是什么？", "明天上海的天气怎么样？"], "ko": ["환불은 며칠 걸리나요?"],
            "tr": ["Kargo ücreti ne kadar?"], "sv": ["Hur lång är leveranstiden till Norge?"]}


def b_clean_ml(v):
    lang = v.ch(list(ML_CLEAN))
    qs = sample(v, ML_CLEAN[lang], v.r.randrange(1, 3))
    return trec("clean_ml", " ".join(qs), lang)


def b_clean_flight(v):
    obj = {"flight": v.ch(["LH", "BA", "AF", "KL", "IB", "NH", "QF"]) + str(v.r.randrange(10, 2999)),
           "status": v.ch(["on_time", "delayed", "boarding", "cancelled"]), "gate": v.pat("@##"),
           "scheduled": v.ts().strftime("%Y-%m-%dT%H:%M:00Z"), "aircraft": v.ch(["A359", "B789", "A20N", "E190"]),
           "origin": v.ch(AIRPORTS), "destination": v.ch(AIRPORTS)}
    return jrec("clean_flight", obj, **dump_opts(v))


CLEAN_QA = [("What's your returns policy?", "You can return unworn items within 30 days for a full refund."),
            ("Do you ship to Canada?", "Yes, standard shipping to Canada takes 5–8 business days and costs $14.95."),
            ("Can I change my flight online?", "Yes: open Manage Booking, choose the flight and pick a new date. A fare difference may apply."),
            ("is the Grace sofa available in green?", "The Grace 3-seat sofa comes in Sage, Navy and Rose."),
            ("How do I reset my password?", "Click 'Forgot password' on the sign-in page and follow the link we e-mail you."),
            ("When does the Summer sale end?", "It ends on August 31 at midnight.")]


def b_clean_chat(v):
    qa = sample(v, CLEAN_QA, v.r.randrange(1, 3))
    cu, ag = v.ch(CHAT_LABELS)
    return trec("clean_chat", "\n".join(f"{cu}: {q}\n{ag}: {a}" for q, a in qa))

# ---------------------------------------------------------------- generation and checks

BUILDERS = [
    (b_chat, 9), (b_email, 6), (b_ticket, 4), (b_csv, 3), (b_mdtable, 3), (b_logs, 4), (b_jsonl_log, 2), (b_form, 4),
    (b_clinical, 3), (b_shipping, 3), (b_address, 3), (b_dob, 5), (b_sms, 2), (b_scratchpad, 2), (b_yaml, 2),
    (b_traceback, 2), (b_ml_text, 15), (b_assistant_summary, 3), (b_payment, 5),
    (b_openai, 8), (b_tool_result, 4), (b_anthropic, 5), (b_webhook, 4), (b_crm, 3), (b_form_json, 3), (b_users_batch, 2),
    (b_ml_json, 5),
    (b_clean_tool_defs, 2.5), (b_clean_tool_call, 3), (b_clean_code, 2.5), (b_clean_search, 2), (b_clean_catalogue, 2),
    (b_clean_calendar, 1.5), (b_clean_ops, 2), (b_clean_prose, 2), (b_clean_ml, 2), (b_clean_flight, 1.5), (b_clean_chat, 2),
]
WS = set(b" \t\r\n")


def check_value(t, raw):
    """The value itself is well formed for its type."""
    assert raw == raw.strip() and raw, (t, raw)
    if t == "CARD":
        d = re.sub(r"[ -]", "", raw)
        assert d.isdigit() and 12 <= len(d) <= 19 and luhn_ok(d), raw
    elif t == "IBAN":
        assert iban_ok(raw), raw
    elif t == "SSN":
        assert ssn_ok(raw), raw
    elif t == "IP":
        ipaddress.ip_address(raw)
    elif t == "AGE":
        assert raw.isdigit() and 0 < int(raw) < 120, raw
    elif t == "EMAIL":
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", raw), raw
    elif t == "PHONE":
        assert len(re.sub(r"\D", "", raw)) >= 7, raw


def json_leaves(x, out):
    """Every string / number in a JSON value; strings that hold a JSON document are opened too."""
    if isinstance(x, dict):
        for val in x.values():
            json_leaves(val, out)
    elif isinstance(x, list):
        for val in x:
            json_leaves(val, out)
    elif isinstance(x, str):
        out.append(x)
        if x[:1] in "{[":
            try:
                json_leaves(json.loads(x), out)
            except ValueError:
                pass
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        out.append(json.dumps(x))
    return out


def check_record(rec, text, spans):
    b = text.encode("utf-8")
    last = 0
    for sp in spans:
        a, e, raw = sp["start"], sp["end"], sp["_raw"]
        assert last <= a < e <= len(b), sp
        last = e
        piece = b[a:e].decode("utf-8")  # raises unless on character boundaries
        assert b[a] not in WS and b[e - 1] not in WS, sp
        check_value(sp["type"], raw)
        # the span is the value as rendered: itself, or JSON-escaped once or twice (inside arguments / content)
        cur, ok = piece, False
        for _ in range(3):
            if cur == raw:
                ok = True
                break
            cur = json.loads('"' + cur + '"')
        assert ok, (rec.kind, piece, raw)
    if rec.shape == "json":
        plain = strip_labels(rec.obj)
        o = rec.opts
        want = json.dumps(plain, indent=o["indent"], ensure_ascii=o["ascii_"], separators=((",", ":") if o["compact"] else None))
        assert text == want, rec.kind
        leaves = json_leaves(json.loads(text), [])
        for sp in spans:
            assert any(sp["_raw"] in leaf for leaf in leaves), (rec.kind, sp["_raw"])
    if rec.kind.startswith("clean_"):
        assert not spans, rec.kind


def generate(seed, n):
    v = V(seed)
    total = sum(w for _, w in BUILDERS)
    out, seen = [], set()
    while len(out) < n:
        x, build = v.r.uniform(0, total), BUILDERS[-1][0]
        for fn, w in BUILDERS:
            x -= w
            if x <= 0:
                build = fn
                break
        rec = build(v)
        text, spans = render(rec.sg)
        if text in seen:
            continue
        seen.add(text)
        check_record(rec, text, spans)
        out.append((rec, text, spans))
    return out


def serialise(recs):
    lines = []
    for i, (rec, text, spans) in enumerate(recs):
        row = {"id": f"k{i + 1:04d}", "shape": rec.shape, "lang": rec.lang, "text": text,
               "spans": [{"start": s["start"], "end": s["end"], "type": s["type"]} for s in spans]}
        lines.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def summary(recs):
    by = {t: [0, 0] for t in TYPES}
    shapes, langs, clean = {}, {}, 0
    for rec, _, spans in recs:
        shapes[rec.shape] = shapes.get(rec.shape, 0) + 1
        langs[rec.lang] = langs.get(rec.lang, 0) + 1
        clean += not spans
        for s in spans:
            by[s["type"]][rec.shape == "json"] += 1
    print(f"records {len(recs)}: " + ", ".join(f"{k} {c}" for k, c in sorted(shapes.items())) + f"; {clean} without PII")
    print("langs: " + ", ".join(f"{k} {c}" for k, c in sorted(langs.items(), key=lambda kv: -kv[1])))
    print(f"{'type':8} {'spans':>6} {'text':>6} {'json':>6}")
    for t, (tx, js) in sorted(by.items(), key=lambda kv: -sum(kv[1])):
        print(f"{t:8} {tx + js:6d} {tx:6d} {js:6d}")
    print(f"{'all':8} {sum(a + b for a, b in by.values()):6d} {sum(a for a, _ in by.values()):6d} {sum(b for _, b in by.values()):6d}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "pii", "heldout2.jsonl"))
    ap.add_argument("--seed", type=int, default=9061207)
    ap.add_argument("--n", type=int, default=800)
    args = ap.parse_args()
    recs = generate(args.seed, args.n)
    data = serialise(recs)
    again = serialise(generate(args.seed, args.n))  # same seed, fresh generators: must be byte-identical
    if again != data:
        sys.exit("not deterministic: two generations with the same seed differ")
    with open(args.out, "wb") as f:
        f.write(data)
    summary(recs)
    print(f"wrote {os.path.normpath(args.out)} ({len(data)} bytes); checks passed, second generation byte-identical")


if __name__ == "__main__":
    main()

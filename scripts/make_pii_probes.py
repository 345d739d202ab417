#!/usr/bin/env python3
"""Development probes for the PII detectors, built from the standards the
issue names rather than from our own templates: Faker's per-locale providers
(national phone numbering plans, person names of 50 locales and scripts,
postal address formats of 40 countries, national identity and passport
numbers of every locale) dropped into short frames of agent
traffic (prose, tool-call JSON, labels, no cue at all).

These are the files to tune on besides corpus.jsonl: they are regenerated at
will (another --seed gives new values), are never the yardstick, and say per
locale what is missed. The held-out corpora (tests/fixtures/pii/HELDOUT*.md)
stay untouched. Note that heldout2.jsonl also draws its values from Faker, so
after tuning on these probes its phone, name and address figures are no
longer fully independent of them.

    python3 -m venv ~/.cache/slm-pipeline/heldout2-venv
    ~/.cache/slm-pipeline/heldout2-venv/bin/pip install faker==40.63.0
    ~/.cache/slm-pipeline/heldout2-venv/bin/python scripts/make_pii_probes.py --out /tmp/probes
    cargo run --release -q -p slm-pii --example pii_predict -- /tmp/probes/phones.jsonl > /tmp/p.jsonl
    python3 scripts/make_pii_probes.py --misses /tmp/probes/phones.jsonl /tmp/p.jsonl

Each record: {"id": "<locale>|<type>|<n>", "text", "spans"} (the format of
tests/fixtures/pii/README.md), one gold span per record.
"""
import argparse, collections, json, os, random, sys

PHONE_FRAMES = ["Please call me on {} after lunch.", "my number is {}", "Tel: {}", "reach the office at {} or write", "{}",
                "Contact {} for the booking.", "phone={}&x=1", "They rang from {} twice."]
SSN_FRAMES = ["SSN: {}", "my social security number is {}", "ssn {} on file", "{}", "The form lists {} as the number."]
NAME_FRAMES = [
    "Please update the reservation for {} to Friday.", "{} wants to know when the parcel arrives.",
    "I spoke with {} this morning about the refund.", "The ticket was opened by {} on Monday.",
    "Can you send the invoice to {}?", "{}: my order still hasn't shipped", "Signed, {}", "Add {} as a second driver.",
    "Is {} still on the waitlist?", "Transfer the account to {} please", "The doctor will see {} at 10.",
    "From: {}\nSubject: delayed delivery", "cc {} on the reply", "{} (guest) checked out late",
    "Reminder for {} - appointment tomorrow", '{{"tool":"create_contact","arguments":{{"name":"{}","tier":"gold"}}}}',
    '{{"assignee": "{}", "status": "open"}}', "assign to {}", "Meeting with {} and the team at 3pm.",
    "According to {}, the shipment left Tuesday.", "Hello {}, your table is ready.", "Our agent {} will call back.",
    "Booking reference for {}: confirmed", "{} and I would like adjoining rooms.", "Visitor: {}",
    "Passport holder {} needs a visa letter.", "thanks {} for the quick help!", "{} reported the bug.",
]
NAME_LOCALES = ["en_US", "en_GB", "en_IN", "en_NG", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "nl_NL", "pl_PL",
                "tr_TR", "ru_RU", "uk_UA", "cs_CZ", "sv_SE", "fi_FI", "da_DK", "no_NO", "hu_HU", "ro_RO", "el_GR", "ja_JP",
                "zh_CN", "ko_KR", "vi_VN", "id_ID", "fil_PH", "th_TH", "ar_SA", "he_IL", "fa_IR", "hi_IN", "bn_BD", "sw",
                "zu_ZA", "yo_NG", "ga_IE", "hr_HR", "sk_SK", "et_EE", "lt_LT", "lv_LV", "sl_SI", "az_AZ", "ka_GE", "hy_AM",
                "ne_NP", "ta_IN"]
ADDRESS_FRAMES = ["Please ship it to {} by Friday.", "My new address is {}", "Deliver to: {}", "{}",
                  "The hotel is at {}, near the station.", '{{"shipping_address": "{}", "method": "express"}}',
                  '{{"tool":"update_address","arguments":{{"street":"{}"}}}}', "I moved to {} last month.",
                  "Billing address {} - please update", "Send the invoice to {}, attention accounts.",
                  "we live at {} since 2019", "pickup location: {}"]
ADDRESS_LOCALES = ["en_US", "en_GB", "en_AU", "en_CA", "en_IN", "en_NZ", "en_IE", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA",
                   "es_ES", "es_MX", "it_IT", "nl_NL", "nl_BE", "pt_BR", "pt_PT", "pl_PL", "sv_SE", "da_DK", "no_NO", "fi_FI",
                   "cs_CZ", "tr_TR", "ru_RU", "ja_JP", "zh_CN", "ko_KR", "id_ID", "fil_PH", "en_PH", "vi_VN", "th_TH", "he_IL",
                   "ar_SA", "hu_HU", "ro_RO", "el_GR"]

# National identity and passport numbers (Faker's `ssn` of each locale is its national number: BSN, PESEL, HETU,
# AHV, NINO, CPF, resident IDs...), with context words in several languages, in JSON, and bare.
ID_FRAMES = ["My national ID number is {}.", "ID number: {}", '{{"national_id": "{}", "verified": true}}',
             "Personal code {} on the form", '{{"tool":"kyc_check","arguments":{{"id_number":"{}"}}}}',
             "identity card no. {}", "Ausweisnummer {}", "tax ID {}", "{}"]
PASSPORT_FRAMES = ["passport number {}", "Passport: {}", '{{"passport_no": "{}"}}', "PP {} exp 2031",
                   "numéro de passeport {}", "{}", "renew passport {} before travel"]


def record(rid, frame, value, kind):
    text = frame.format(value) if "{{" in frame else frame.replace("{}", value) if "{}" in frame else frame
    a = len(text[:text.index(value)].encode())
    return {"id": rid, "text": text, "spans": [{"start": a, "end": a + len(value.encode()), "type": kind}]}


def generate(out_dir, seed):
    from faker import Faker
    from faker.config import AVAILABLE_LOCALES
    rng = random.Random(seed)

    def faker(loc):
        f = Faker(loc)
        f.seed_instance(rng.randrange(10**9))
        return f

    files = {}
    phones = []
    for loc in sorted(AVAILABLE_LOCALES):
        f = faker(loc)
        if not hasattr(f, "phone_number"):
            continue  # a locale without a phone provider
        for i in range(30):
            phones.append(record(f"{loc}|PHONE|{len(phones)}", rng.choice(PHONE_FRAMES), f.phone_number(), "PHONE"))
        if loc == "en_US":
            for i in range(30):
                phones.append(record(f"{loc}|SSN|{len(phones)}", rng.choice(SSN_FRAMES), f.ssn(), "SSN"))
    files["phones.jsonl"] = phones
    names = []
    for loc in NAME_LOCALES:
        f = faker(loc)
        for i in range(24):
            r = rng.random()
            v = (f.first_name() + " " + f.last_name() if r < 0.6 else f.name() if r < 0.75 else
                 f.first_name() if r < 0.9 else f.last_name())
            names.append(record(f"{loc}|PERSON|{len(names)}", rng.choice(NAME_FRAMES), v, "PERSON"))
    files["names.jsonl"] = names
    addresses = []
    for loc in ADDRESS_LOCALES:
        f = faker(loc)
        for i in range(20):
            r = rng.random()
            v = f.street_address() if r < 0.45 else f.address().replace("\n", ", ") if r < 0.9 else f.address()
            frame = rng.choice(ADDRESS_FRAMES)
            if frame.startswith("{{"):
                v = v.replace("\n", ", ")
            addresses.append(record(f"{loc}|ADDRESS|{len(addresses)}", frame, v, "ADDRESS"))
    files["addresses.jsonl"] = addresses
    ids = []
    for loc in sorted(AVAILABLE_LOCALES):
        f = faker(loc)
        for kind, provider, frames in [("ssn", "ssn", ID_FRAMES), ("passport", "passport_number", PASSPORT_FRAMES)]:
            if not hasattr(f, provider):
                continue
            try:
                values = [str(getattr(f, provider)()) for _ in range(6)]
            except Exception:  # a locale whose provider needs what it lacks
                continue
            for v in values:
                ids.append(record(f"{loc}-{kind}|ID|{len(ids)}", rng.choice(frames), v, "ID"))
    files["ids.jsonl"] = ids
    write(out_dir, files)


MIMESIS_LOCALES = ["en", "en-gb", "en-au", "en-ca", "de", "de-at", "de-ch", "fr", "es", "es-mx", "it", "pt", "pt-br", "nl",
                   "nl-be", "pl", "cs", "sk", "hu", "hr", "sv", "da", "no", "fi", "is", "et", "el", "tr", "ru", "uk",
                   "kk", "az", "ja", "ko", "zh", "fa", "ar-ae", "ar-eg", "ar-sa", "ar-ma"]


def generate_mimesis(out_dir, seed):
    """The same probes with values from mimesis: another author's masks for phones, names and addresses, so that
    what was tuned on Faker is checked against a second value source."""
    from mimesis import Address, Locale, Person
    rng = random.Random(seed)
    files = {"phones.jsonl": [], "names.jsonl": [], "addresses.jsonl": []}
    for code in MIMESIS_LOCALES:
        loc = Locale(code)
        p, a = Person(loc, seed=rng.randrange(10**9)), Address(loc, seed=rng.randrange(10**9))
        out = files["phones.jsonl"]
        for i in range(30):
            out.append(record(f"{code}|PHONE|{len(out)}", rng.choice(PHONE_FRAMES), p.phone_number(), "PHONE"))
        out = files["names.jsonl"]
        for i in range(16):
            r = rng.random()
            v = p.full_name() if r < 0.7 else p.first_name() if r < 0.85 else p.last_name()
            out.append(record(f"{code}|PERSON|{len(out)}", rng.choice(NAME_FRAMES), v, "PERSON"))
        out = files["addresses.jsonl"]
        for i in range(12):
            v = a.address() if rng.random() < 0.5 else f"{a.address()}, {a.postal_code()} {a.city()}"
            out.append(record(f"{code}|ADDRESS|{len(out)}", rng.choice(ADDRESS_FRAMES), v, "ADDRESS"))
    write(out_dir, files)


def generate_libphonenumber(out_dir, seed):
    """Phones only, from Google's libphonenumber metadata (the `phonenumbers` package): every region's numbering plan,
    fixed, mobile, toll-free and VoIP numbers drawn around the plan's example number and kept only when the plan calls
    them valid, written as the plan formats them nationally and internationally, and as E.164."""
    import phonenumbers as pn
    from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T
    rng = random.Random(seed)
    types = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.VOIP]
    formats = [(F.INTERNATIONAL, "intl"), (F.NATIONAL, "national"), (F.E164, "e164")]
    out = []
    for region in sorted(pn.SUPPORTED_REGIONS):
        for i in range(8):
            example = pn.example_number_for_type(region, rng.choice(types)) or pn.example_number(region)
            if example is None:
                continue
            number = example
            digits = str(example.national_number)
            for _ in range(30):  # another valid number of the same plan: redraw the subscriber digits
                k = min(len(digits) - 1, rng.choice([2, 3, 4, 5]))
                candidate = digits[:len(digits) - k] + "".join(rng.choice("0123456789") for _ in range(k))
                parsed = pn.parse("+" + str(example.country_code) + candidate, None)
                if pn.is_valid_number(parsed):
                    number = parsed
                    break
            fmt, name = rng.choice(formats)
            value = pn.format_number(number, fmt)
            if len(value.replace(" ", "")) < 6:
                continue  # short codes are not personal numbers
            out.append(record(f"{region}-{name}|PHONE|{len(out)}", rng.choice(PHONE_FRAMES), value, "PHONE"))
    write(out_dir, {"phones.jsonl": out})


# Business identifiers: what a customer, an order, a booking, a policy or a patient is known by in agent traffic.
# Contexts in 14 languages, values in the shapes that ticketing, commerce, insurance, health and payment systems
# issue, and the places agents write them: prose, labels, JSON keys in every casing (and nested under the entity),
# log lines, query strings and CSV. Negatives beside them: product codes, versions, build and error numbers, commits,
# amounts and support tickets that identify no one, scored as false positives.
ID_CONTEXTS = {
    "customer": ["customer number", "customer ID", "Customer #", "cust. no.", "client number", "client ID", "Kundennummer",
                 "numéro client", "número de cliente", "codice cliente", "klantnummer", "numer klienta",
                 "müşteri numarası", "kundnummer", "asiakasnumero", "顧客番号", "客户编号", "номер клиента"],
    "order": ["order number", "order #", "Order ID", "order no.", "Bestellnummer", "numéro de commande", "número de pedido",
              "numero d'ordine", "bestelnummer", "numer zamówienia", "sipariş numarası", "ordernummer", "注文番号", "订单号",
              "номер заказа"],
    "booking": ["booking reference", "booking ref", "confirmation code", "reservation number", "Buchungsnummer",
                "référence de réservation", "localizador", "codice prenotazione", "boekingsnummer", "rezervasyon kodu",
                "予約番号", "预订号"],
    "account": ["account number", "acct #", "account ID", "Kontonummer", "numéro de compte", "número de cuenta",
                "numero di conto", "rekeningnummer", "numer konta", "hesap numarası"],
    "member": ["member ID", "membership number", "loyalty number", "frequent flyer number", "rewards number",
               "Mitgliedsnummer", "numéro d'adhérent", "número de socio", "会員番号", "会员号"],
    "policy": ["policy number", "policy no", "Versicherungsnummer", "numéro de police", "número de póliza", "numero di polizza",
               "polisnummer"],
    "claim": ["claim number", "claim ref", "claim ID", "Schadennummer", "numéro de sinistre", "número de siniestro"],
    "employee": ["employee ID", "staff number", "employee number", "Personalnummer", "matricule", "número de empleado",
                 "badge number"],
    "student": ["student ID", "student number", "Matrikelnummer", "numéro étudiant", "matrícula"],
    "patient": ["MRN", "medical record number", "patient ID", "hospital number", "Patientennummer", "numéro de dossier",
                "número de historia clínica"],
    "tax": ["tax ID", "TIN", "Steuernummer", "numéro fiscal", "taxpayer number"],
    "benefit": ["benefit reference", "benefits ID", "claimant number"],
    "tenancy": ["tenancy reference", "tenant ID", "lease number"],
    "player": ["player ID", "player number"],
    "subscription": ["subscription ID", "subscriber number", "contract number", "Vertragsnummer", "numéro de contrat",
                     "número de contrato"],
    "payment": ["transaction ID", "payment reference", "charge ID", "refund ID", "payment ID"],
    "licence": ["driver's license number", "DL#", "licence number", "Führerscheinnummer", "permis de conduire n°",
                "carnet de conducir"],
    "passport": ["passport no.", "passport number", "Reisepassnummer", "numéro de passeport", "número de pasaporte"],
    "username": ["username", "user handle", "login", "user ID"],
}
ID_KEYS = {"customer": "customer", "order": "order", "booking": "booking", "account": "account", "member": "member",
           "policy": "policy", "claim": "claim", "employee": "employee", "student": "student", "patient": "patient",
           "tax": "tax", "benefit": "benefit", "tenancy": "tenancy", "player": "player", "subscription": "subscription",
           "payment": "transaction", "licence": "license", "passport": "passport", "username": "user"}
ID_PREFIXES = {"customer": ["C", "CUST", "CU", "CL"], "order": ["ORD", "O", "SO", "PO", "WEB"], "booking": ["BK", "RES", "HB"],
               "account": ["ACC", "AC", "A"], "member": ["M", "MBR", "GLD", "FF"], "policy": ["POL", "P", "HOM", "AUT"],
               "claim": ["CLM", "CL", "C"], "employee": ["E", "EMP", "HR"], "student": ["S", "STU", "U"],
               "patient": ["MRN", "PT", "H"], "tax": ["T", "TX"], "benefit": ["BEN", "UC", "B"], "tenancy": ["TEN", "L", "LSE"],
               "player": ["PLR", "P", "GM"], "subscription": ["SUB", "CT", "K"], "payment": ["TXN", "PAY", "TR"],
               "licence": ["D", "DL", "L"], "passport": ["P", "X", "C"], "username": ["u", "usr", "user"]}
STRIPE = ["cus_", "ch_", "re_", "pi_", "sub_", "acct_", "pm_", "in_"]
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_NEGATIVES = ["The order ships in 3 to 5 days.", "Upgrade to version 2.14.3 before the call.", "Build 20240312 passed.",
                "Error code E1042 means the card was declined.", "commit 3f9a2c1e fixed it", "SKU-88213 is out of stock.",
                "Support ticket HR-2052 is closed.", "The total is 1499.00 EUR.", "Customer satisfaction rose 12% in Q3.",
                "See RFC 7231 section 6.5.1.", "Model gpt-4o-2024-08-06 answered.", "Order of operations: parse, then validate.",
                "Your account settings were saved.", "Policy 2 of the handbook covers refunds.", "Room 402, floor 4.",
                "Flight LH 400 departs at 10:40.", "Invoice INV-2024-0042 is attached.", "Use port 8080 and timeout 30000 ms.",
                "The member function returns u64.", "Batch size 4096, seed 1234567."]


def business_value(rng, kind):
    """An identifier in one of the shapes issuing systems use, chosen at random."""
    d = lambda n: "".join(rng.choice("0123456789") for _ in range(n))
    up = lambda n: "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(n))
    r = rng.random()
    if kind == "username":
        stem = rng.choice(["mia", "jdoe", "darkstar", "k.tanaka", "lucia_m", "ahmed", "ola", "wei.zhang", "pkumar"])
        return rng.choice([stem + "_" + d(rng.choice([2, 4])), stem + d(2), "u" + d(6), stem + "-" + up(2).lower() + d(2)])
    if kind == "booking" and r < 0.5:
        return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    if kind == "payment" and r < 0.5:
        return rng.choice(STRIPE) + "".join(rng.choice(B62) for _ in range(rng.randint(14, 24)))
    if kind == "passport":
        return rng.choice([up(1) + d(8), up(2) + d(7), d(9)])
    if r < 0.2:
        return d(rng.randint(6, 12))
    if r < 0.45:
        return rng.choice(ID_PREFIXES[kind]) + rng.choice(["-", "", " ", "/", "_"]) + d(rng.randint(4, 9))
    if r < 0.6:
        return rng.choice(ID_PREFIXES[kind]) + rng.choice(["-", "/"]) + str(rng.randint(2015, 2026)) + rng.choice(["-", "/"]) + d(rng.randint(4, 6))
    if r < 0.72:
        s = [rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(rng.randint(6, 10))]
        for i in rng.sample(range(len(s)), 2):
            s[i] = rng.choice("0123456789")
        return "".join(s)
    if r < 0.8:
        return " ".join(d(rng.choice([3, 4])) for _ in range(rng.choice([2, 3])))
    if r < 0.88:
        import uuid
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if r < 0.94:
        return up(rng.choice([1, 2])) + d(rng.randint(5, 8))
    return d(2) + "-" + d(3) + "-" + d(3)


def key_styles(rng, word, v):
    """The JSON forms of `<word> id`: casings, a `_no`/`Number` tail, or the id nested under the entity."""
    tail = rng.choice(["id", "number", "no", "ref"])
    key = rng.choice([f"{word}_{tail}", word + tail.capitalize(), word.capitalize() + tail.upper(), f"{word}-{tail}",
                      f"{word}_{tail}".upper()])
    return rng.choice([
        json.dumps({key: v, "status": "active"}),
        json.dumps({"tool": "lookup", "arguments": {key: v, "include_history": True}}),
        '{"' + word + '": {"' + tail + '": ' + json.dumps(v) + ', "tier": "gold"}}',
        json.dumps({"filters": [{"field": key, "op": "eq", "value": v}]}),
        json.dumps({"items": [{key: v, "qty": 2}]}),
    ])


def generate_business(out_dir, seed):
    rng = random.Random(seed)
    out = []
    prose = ["My {c} is {v}.", "Could you check {c} {v} please?", "{c}: {v}", "re: {c} {v} - still waiting", "{c} {v}",
             "I gave them my {c} ({v}) yesterday.", "the {c} on file reads {v}", "{c} = {v}", "({c} {v})",
             "Please cancel {c} {v}, thanks", "{c}:\t{v}\n", "- {c}: **{v}**"]
    for kind, ctxs in ID_CONTEXTS.items():
        word = ID_KEYS[kind]
        for i in range(40):
            v = business_value(rng, kind)
            r = rng.random()
            if r < 0.55:
                text = rng.choice(prose).replace("{c}", rng.choice(ctxs)).replace("{v}", v)
            elif r < 0.8:
                text = key_styles(rng, word, v)
                v = json.dumps(v)[1:-1]
            elif r < 0.88:
                text = f"2026-03-02T10:11:12Z INFO lookup {word}_id={v} status=ok latency_ms=41"
            elif r < 0.94:
                text = f"GET /api/v2/search?{word}Id={v}&limit=20 200"
            else:
                text = f"{word}_no,plan,status\n{v},gold,active\n"
            out.append(record(f"{kind}|ID|{len(out)}", text, v, "ID"))
    for i, t in enumerate(ID_NEGATIVES * 2):
        out.append({"id": f"negative|NONE|{i}", "text": t if i < len(ID_NEGATIVES) else json.dumps({"note": t}), "spans": []})
    write(out_dir, {"business_ids.jsonl": out})


def write(out_dir, files):
    os.makedirs(out_dir, exist_ok=True)
    for name, recs in files.items():
        with open(os.path.join(out_dir, name), "w") as fh:
            for r in recs:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{name}: {len(recs)} records", file=sys.stderr)


def misses(gold_path, pred_path, show):
    """Recall per locale and type (80% of the non-space bytes covered), worst first, with missed values."""
    gold = [json.loads(l) for l in open(gold_path)]
    pred = {json.loads(l)["id"]: json.loads(l)["spans"] for l in open(pred_path)}
    per = collections.defaultdict(lambda: [0, 0])
    missed = collections.defaultdict(list)
    for g in gold:
        b = g["text"].encode()
        for s in g["spans"]:
            key = g["id"].split("|")[0] + "|" + s["type"]
            per[key][1] += 1
            need = [i for i in range(s["start"], s["end"]) if not chr(b[i]).isspace()]
            got = sum(1 for i in need if any(p["start"] <= i < p["end"] for p in pred.get(g["id"], [])))
            if got >= 0.8 * len(need):
                per[key][0] += 1
            else:
                missed[key].append(b[s["start"]:s["end"]].decode())
    hit, n = sum(v[0] for v in per.values()), sum(v[1] for v in per.values())
    print(f"recall {hit}/{n} = {hit / max(n, 1):.3f}")
    negatives = [g for g in gold if not g["spans"]]
    flagged = [g for g in negatives if pred.get(g["id"])]
    if negatives:
        print(f"negatives flagged {len(flagged)}/{len(negatives)}  " + "  ".join(
            repr(g["text"].encode()[p["start"]:p["end"]].decode()) for g in flagged[:show] for p in pred[g["id"]][:1]))
    for k, (h, t) in sorted(per.items(), key=lambda kv: kv[1][0] / kv[1][1]):
        if h < t:
            print(f"{k:18} {h}/{t}  " + "  ".join(repr(m) for m in missed[k][:show]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="write phones.jsonl, names.jsonl, addresses.jsonl, ids.jsonl here")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--source", choices=["faker", "mimesis", "libphonenumber", "business"], default="faker", help="where the values come from")
    ap.add_argument("--misses", nargs=2, metavar=("GOLD", "PRED"), help="per-locale recall of a prediction file")
    ap.add_argument("--show", type=int, default=6)
    a = ap.parse_args()
    if a.misses:
        misses(*a.misses, a.show)
    elif a.out:
        {"faker": generate, "mimesis": generate_mimesis, "libphonenumber": generate_libphonenumber,
         "business": generate_business}[a.source](a.out, a.seed)
    else:
        ap.error("give --out or --misses")


if __name__ == "__main__":
    main()

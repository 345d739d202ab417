//! The word lists of the address detector and their lookup: one hashed table
//! of every listed word with its flags, and a bit filter in front of it so
//! that most words that are not listed are turned away with one bit test.

use std::sync::OnceLock;

use super::each_char;

// Word flags; a word may carry several. T_WEAK: a street type that is also a common noun (needs more
// evidence); T_LOWER: a type accepted in lowercase text without a postcode; FR/PFX: French type word / type
// before the name ("Calle", "Via"), *_DIST: one distinctive enough for a lowercase name; PFX_DOT: counts only
// with its "." (or "/" for "C/"); STOP: never part of a street name; UNIT_PRE: unit word before the house
// number ("Flat 2, Mitchell Shores"); PART: name particle ("de la", "van der"); NEG_PRE: a number after it is
// no house number (YEAR_PRE: when it looks like a year); CONNECT: lowercase word that may follow an address.
pub(super) const T_STRONG: u32 = 1; pub(super) const T_WEAK: u32 = 1 << 1; pub(super) const T_ABBR: u32 = 1 << 2; pub(super) const T_LOWER: u32 = 1 << 3;
pub(super) const FR: u32 = 1 << 4; pub(super) const FR_DIST: u32 = 1 << 5; pub(super) const PFX: u32 = 1 << 6; pub(super) const PFX_DIST: u32 = 1 << 7;
pub(super) const PFX_DOT: u32 = 1 << 8; pub(super) const STOP: u32 = 1 << 9; pub(super) const UNIT: u32 = 1 << 10; pub(super) const UNIT_PRE: u32 = 1 << 11;
pub(super) const DIR: u32 = 1 << 12; pub(super) const PART: u32 = 1 << 13; pub(super) const STATE: u32 = 1 << 14; pub(super) const NEG_PRE: u32 = 1 << 15;
pub(super) const YEAR_PRE: u32 = 1 << 16; pub(super) const CITY_STOP: u32 = 1 << 17; pub(super) const DE_TYPE: u32 = 1 << 18;
pub(super) const DE_STOP: u32 = 1 << 19; pub(super) const CONNECT: u32 = 1 << 20;
// Labels: LABEL: the noun of an address label; LABEL_NEG: a word before it that makes it no postal address ("IP
// address"); LABEL_AFTER: a word that may follow it ("Adresse de livraison"); TO_VERB/AT_VERB/COPULA: the verbs of
// "ship to", "lives at", "my address is". TR/TR_MAH: Turkish street types / the neighbourhood before them.
pub(super) const LABEL: u32 = 1 << 21; pub(super) const LABEL_NEG: u32 = 1 << 22; pub(super) const LABEL_AFTER: u32 = 1 << 23; pub(super) const TO_VERB: u32 = 1 << 24;
pub(super) const AT_VERB: u32 = 1 << 25; pub(super) const COPULA: u32 = 1 << 26; pub(super) const TR: u32 = 1 << 27; pub(super) const TR_MAH: u32 = 1 << 28;

pub(super) const USPS_STRONG: &str = "alley allee avenue boulevard causeway circle close court crescent drive expressway freeway gardens \
    grove highway lane mews parade parkway place plaza road row square street terrace trail turnpike way wynd esplanade circuit \
    quay stravenue motorway skyway throughway trafficway";
// USPS C1 names that are also common nouns, plus the AS 4590 road types Australia uses
pub(super) const USPS_WEAK: &str = "anex annex arcade bayou bayoo beach bend bluff bluffs bottom branch bridge brook brooks burg burgs \
    bypass camp canyon cape center centers centre circles cliff cliffs club common commons corner corners course courts cove \
    coves creek crest crossing crossroad crossroads curve dale dam divide drives estate estates extension extensions fall falls \
    ferry field fields flat flats ford fords forest forge forges fork forks fort garden gateway glen glens green greens groves \
    harbor harbors harbour haven heights hill hills hollow inlet island islands isle junction junctions key keys knoll knolls \
    lake lakes land landing light lights loaf lock locks lodge loop mall manor manors meadow meadows mill mills mission mount \
    mountain mountains neck orchard oval overpass park parks parkways pass passage path pike pine pines plain plains point \
    points port ports prairie radial ramp ranch rapid rapids rest ridge ridges rise river roads route rue run shoal shoals shore \
    shores spring springs spur spurs squares station stream streets summit trace track trailer tunnel underpass union unions \
    vale valley valleys viaduct view views village villages ville vista walk walks wall ways well wells chase gate approach \
    embankment via access alleyway amble basin brace brae broadway brow byway centreway circlet circus colonnade concourse copse \
    courtyard crossway dell deviation driveway entrance fairway footway foreshore formation frontage glade grange gully highroad \
    laneway lookout meander nook outlook parklands part pathway plateau quadrant quays ramble reach reserve retreat ridgeway \
    ring riverway riviera roadway rotary siding strand strip tarn thoroughfare tollway villas walkway wharf gates trunkway \
    cruiseway distributor interchange boardwalk boulevarde anchorage artery break cross cul-de-sac cutting dip edge elbow end gap \
    ground intersection lees mew pocket quad quadrangle range ride roadside ronde rosebowl slope sound stairs subway tor towers \
    triangle turn wade firetrail";
pub(super) const USPS_ABBR: &str = "aly anx av ave aven avn avnue byu bch bnd blf blfs btm bottm blvd boul boulv brg brdge brk brks byp \
    bypa bypas byps cyn canyn cnyn cpe cswy ctr ctrs cntr centr cir circ circl crcl crcle cirs clf clfs clb cmn cmns cors crse \
    ct cts cvs crk cres crsent crsnt crst curv dr driv drv drs ests expy expw fls fry frry fld flds flt flts frd frds frst frg \
    frgs frk frks fwy frwy freewy gdn gdns grdn grdns gtwy gtway gln glns grn grns grv grvs grov hbr hbrs harb hvn hts hwy hiwy \
    hiway hway hl hls holw hllw inlt iss jct jcts jctn kys knl knls lk lks lndg lndng ln lgt lgts lck lcks ldg ldge mnr mnrs mdw \
    mdws msn mssn mtwy mtn mtns nck orch opas pkwy pkwys pky pkway psge pne pnes pl pln plns plz plza pts prt prts radl rnch rpd \
    rpds rst rdg rdgs riv rvr rd rds rte shl shls shr shrs skwy spg spgs sq sqr sqs stra strav st strm smt ter terr trwy trce \
    trak trk trl trls trlr tpke tunl upas uns vly vlys vdct vw vws vlg vlgs vst vsta wls xing xrd xrds pde esp cl cct tce crt";
pub(super) const LOWER_OK: &str = "street avenue road lane drive boulevard court place terrace parkway highway crescent way mews gardens \
    grove st ave av rd ln dr blvd ct pl pkwy hwy ter cres sq cir trl";
pub(super) const FR_DIST_W: &str = "rue allée allee impasse quai chemin bd boulevard faubourg ruelle venelle sentier cité rond-point montée \
    parvis";
pub(super) const FR_OTHER_W: &str = "avenue av place pl cours route square passage villa esplanade promenade chaussée cour voie";
pub(super) const PFX_DIST_W: &str = "calle avenida avda carrer avinguda passeig plaça rua travessa praça viale piazza piazzale corso vicolo \
    lungomare lungarno paseo carretera rambla travesía travesia ulica incrocio urbanización urbanizacion rúa \
    улица проспект переулок бульвар шоссе набережная аллея алея вулиця провулок";
pub(super) const PFX_OTHER_W: &str = "c av via vía plaza largo camino ronda alameda estrada strada borgo contrada al aleja str r v.le p.za pza \
    pº glorieta callejón pasaje rodovia beco ladeira travessera bulevar ul rotonda canale vico stretto os pl osiedle \
    jalan jl jln gang gg bulevardul calea soseaua șoseaua intrarea aleea splaiul piața bd \
    diagonal circuito privada continuación continuacion ampliación ampliacion viaducto periférico periferico calzada \
    cerrada retorno andador prolongación prolongacion \
    pátio patio passarela jardim vereda favela colônia colonia conjunto chácara chacara sítio sitio residencial setor \
    trecho quadra loteamento núcleo nucleo vila esplanada condomínio condominio viela";
pub(super) const PFX_DOT_W: &str = "avda av c r al ul str pza os pl jl jln gg";
pub(super) const STOP_W: &str = "the a an and or of in on at to for from by with without into onto over under down up out off about per is \
    are was were be been am pm has have had do does did will would can could should may might must shall not no yes this that \
    these those it its my your his her our their we you they he she i me us them more most less least very too so than then also \
    just only all any some each every other another such same different many much few several one two three four five six seven \
    eight nine ten times time miles mile km kms kilometers kilometres meters metres m ft feet foot yards yard blocks block \
    minutes minute min mins hours hour hr hrs days day weeks week months month years year seconds second sec secs ms percent \
    items item files file lines line tests test cases case results result steps step people users ways way things thing best top \
    great greatest easy simple hard flash usb disk external network shared thumb tennis food gb mb kb tb px em rem kg lbs lb oz \
    x vs bonus reward bad where which who what when how if while either neither both";
pub(super) const UNIT_W: &str = "apt apartment suite ste unit flat floor fl room rm bldg building dept lot level lvl pmb trlr space spc edif edificio \
    shop office studio piso puerta piano appartamento interno scala escalera planta wohnung whg etage stock int interior depto \
    dpto depa apto casa sala loja bloco bl andar lok m kat daire blok d appt";
pub(super) const UNIT_PRE_W: &str = "unit flat apt apartment suite ste level lvl shop lot villa room studio house plot h.no door";
pub(super) const DIR_W: &str = "n s e w ne nw se sw north south east west northeast northwest southeast southwest";
pub(super) const PART_W: &str = "de del la las los el d l dels do da dos das di della delle dei degli dello du des le les au aux sur en et \
    à y i e van der den het op am an im ob upon on of the";
pub(super) const STATE_W: &str = "al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc nd oh \
    ok or pa ri sc sd tn tx ut vt va wa wv wi wy dc as gu mp pr vi fm mh pw aa ae ap ab bc mb nb nl ns nt nu on pe qc sk yt nsw \
    vic qld sa tas act";
pub(super) const NEG_PRE_W: &str = "the a an page pages pp p line lines version ver v chapter ch section sec sect step steps item items \
    figure fig table tab vol volume part episode ep season issue grade size top about over under than only just last first every \
    each those these other another next previous few several some many number num rank approximately approx around nearly almost \
    roughly total score scored paragraph para clause exercise question lesson earn earned day night week stage leg round game";
pub(super) const YEAR_PRE_W: &str = "in since by until till during before after circa from of year early late mid summer winter spring \
    autumn fall";
pub(super) const CITY_STOP_W: &str = "monday tuesday wednesday thursday friday saturday sunday january february march april june july \
    august september october november december please thanks thank regards best cheers hi hello dear ok okay yes no and or the i \
    we you he she they it this that call tel phone email fax attn note see tomorrow today yesterday but so then also apt suite \
    unit mobile cell sincerely telefon telefone telefono teléfono téléphone";
// with the Hungarian (utca, út, tér, körút, köz, sor, fasor, sétány), Latvian (iela) and Lithuanian (gatvė) types
// that follow the name as a word of their own, the number after: "Kossuth utca 238.", "Brīvības iela 12"
pub(super) const DE_TYPE_W: &str = "straße strasse str weg allee platz gasse damm ufer chaussee utca út tér körút köz sor fasor sétány \
    iela gatvė";
pub(super) const DE_STOP_W: &str = "jahr jahre ende anfang tag tage abend morgen kapitel abschnitt teil punkt schritt seite montag dienstag \
    mittwoch donnerstag freitag samstag sonntag januar februar märz april mai juni juli august september oktober november \
    dezember";
pub(super) const CONNECT_W: &str = "and or near is was where which for to in at on from with by but then et en e y i und";
pub(super) const LABEL_W: &str = "address addr adress adresse anschrift adres adresi adresim dirección direccion domicilio indirizzo \
    endereço endereco morada adresa adresă alamat osoite lieferadresse rechnungsadresse wohnadresse postadresse postanschrift \
    privatadresse versandadresse lieferanschrift rechnungsanschrift wohnanschrift afleveradres bezorgadres factuuradres \
    woonadres postadres bezoekadres location العنوان عنوان पता адрес адреса διεύθυνση כתובת";
pub(super) const LABEL_NEG_W: &str = "ip ipv4 ipv6 email e-mail e-posta mail mac memory wallet server web url host bind listen remote \
    local base hardware network bitcoin btc eth ethereum contract proxy gateway broadcast virtual pointer register device node \
    peer public private jump target loopback multicast link socket";
pub(super) const LABEL_AFTER_W: &str = "de di da do del della du la le of for postale postal livraison facturation envío envio entrega \
    facturación facturacion spedizione consegna fatturazione residenza cobrança cobranca residência residencia dostawy \
    zamieszkania korespondencyjny line completa complete actual nueva nouvelle nuevo nova novo nuovo nuova neue billing \
    shipping delivery";
pub(super) const TO_VERB_W: &str = "ship shipped shipping deliver delivered delivering delivery send mail bill moved move moving relocated \
    relocating";
pub(super) const AT_VERB_W: &str = "lives live living reside resides residing staying stay located based i'm im am is are was were";
pub(super) const COPULA_W: &str = "is es est ist è é jest";
pub(super) const TR_W: &str = "cad cadde caddesi cd sok sokak sokağı sk bulvarı bulvar blv yolu meydanı çıkmazı";
pub(super) const TR_MAH_W: &str = "mah mahallesi mh";
/// Endings of one-word continental street names ("Hauptstraße", "Herengracht", "Storgatan"); the word must
/// be three bytes longer than the ending ("Weg 4" alone is no street).
pub(super) const SUFFIXES: &[&str] = &["straße", "strasse", "gasse", "allee", "chaussee", "promenade", "brücke", "kade", "weg", "steig",
    "stieg", "steeg", "-ring", "graben", "laan", "plein", "gatan", "veien", "gaten", "vägen", "baan", "markt", "straat",
    "gracht", "pfad", "boulevard", "platz", "damm", "ufer", "singel", "dijk", "dreef", "gata", "vej", "-ro", "-gil", "-daero", "-dong",
    // DK/SE/NO/FI naming conventions (Danish -gade/-stræde/-vænget/-torv, Swedish -gränd/-torget/-stigen/-backen,
    // Norwegian -vegen/-stien/-bakken/-tunet/-kroken/-haugen/-åsen/-jordet/-løkka/-svingen, Finnish -katu/-kuja/-tie/-polku)
    "gade", "stræde", "vænget", "torv", "gränd", "torget", "stigen", "backen", "vegen", "stien", "bakken", "tunet", "kroken",
    "haugen", "åsen", "jordet", "løkka", "svingen", "katu", "kuja", "tie", "polku", "bulevardi", "kaari", "rinne", "väylä"];

pub(super) fn street_suffix(l: &str) -> bool {
    // it runs on the word before most numbers: only the endings with the word's last byte are tried
    static BY_LAST: OnceLock<Vec<Vec<&str>>> = OnceLock::new();
    let by_last = BY_LAST.get_or_init(|| {
        let mut v = vec![Vec::new(); 256];
        SUFFIXES.iter().for_each(|s| v[s.as_bytes()[s.len() - 1] as usize].push(*s));
        v
    });
    l.as_bytes().last().is_some_and(|&c| by_last[c as usize].iter().any(|s| l.len() >= s.len() + 3 && l.ends_with(s)))
}

/// Word flags in an open-addressing table. Most words looked up are not in it: a bitmap of (length, first
/// byte, last byte) turns them away first. OR-ing 0x20 lowercases ASCII letters; the other bytes only need
/// to hash the same way on insert and probe.
pub(super) struct Table { pub(super) slots: Vec<(&'static str, u32)>, pub(super) mask: usize, pub(super) filter: [u64; 256] }

pub(super) fn filter_bit(w: &[u8]) -> usize {
    w.len().min(15) << 10 | (((w[0] | 0x20) & 31) as usize) << 5 | ((w[w.len() - 1] | 0x20) & 31) as usize
}

pub(super) fn hash(w: &[u8]) -> usize {
    let (n, c) = (w.len(), |i: usize| (w[i] | 0x20) as u64);
    let h = n as u64 ^ c(0) << 8 ^ c(n / 2) << 16 ^ c(n - 1) << 24 ^ c(1.min(n - 1)) << 32 ^ c(n.saturating_sub(2)) << 40;
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize
}

pub(super) fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let lists: &[(&'static str, u32)] = &[(USPS_STRONG, T_STRONG), (USPS_WEAK, T_WEAK), (USPS_ABBR, T_ABBR),
            (LOWER_OK, T_LOWER), (FR_DIST_W, FR | FR_DIST), (FR_OTHER_W, FR), (PFX_DIST_W, PFX | PFX_DIST), (PFX_OTHER_W, PFX),
            (PFX_DOT_W, PFX_DOT), (STOP_W, STOP), (UNIT_W, UNIT), (UNIT_PRE_W, UNIT_PRE), (DIR_W, DIR), (PART_W, PART),
            (STATE_W, STATE), (NEG_PRE_W, NEG_PRE), (YEAR_PRE_W, YEAR_PRE), (CITY_STOP_W, CITY_STOP), (DE_TYPE_W, DE_TYPE),
            (DE_STOP_W, DE_STOP), (CONNECT_W, CONNECT), (LABEL_W, LABEL), (LABEL_NEG_W, LABEL_NEG), (LABEL_AFTER_W, LABEL_AFTER),
            (TO_VERB_W, TO_VERB), (AT_VERB_W, AT_VERB), (COPULA_W, COPULA), (TR_W, TR), (TR_MAH_W, TR_MAH)];
        let mut t = Table { slots: vec![("", 0); 4096], mask: 4095, filter: [0; 256] };
        for (w, f) in lists.iter().flat_map(|&(words, f)| words.split_whitespace().map(move |w| (w, f))) {
            let mut i = hash(w.as_bytes()) & t.mask;
            while !t.slots[i].0.is_empty() && t.slots[i].0 != w { i = (i + 1) & t.mask; }
            t.slots[i] = (w, t.slots[i].1 | f);
            let bit = filter_bit(w.as_bytes());
            t.filter[bit / 64] |= 1 << (bit % 64);
        }
        t
    })
}

/// Flags of a lowercased word, or of an ASCII word in any case (hashed and compared ignoring ASCII case).
pub(super) fn lookup(w: &str) -> u32 {
    if !maybe_listed(w) { return 0; }
    let (t, mut i) = (table(), hash(w.as_bytes()));
    loop {
        match t.slots[i & t.mask] {
            (k, f) if k.eq_ignore_ascii_case(w) => return f,
            ("", _) => return 0,
            _ => i += 1,
        }
    }
}

/// A lowercased word on the stack (escapes decoded, ’ as '); empty when longer than 48 bytes.
pub(super) struct Low { pub(super) buf: [u8; 48], pub(super) n: usize }
impl Low {
    pub(super) const EMPTY: Low = Low { buf: [0; 48], n: 0 };
    pub(super) fn new(w: &str) -> Low {
        let (mut l, mut ok) = (Low::EMPTY, true);
        if w.len() <= 48 && w.bytes().all(|c| c < 0x80 && c != b'\\') {
            l.buf[..w.len()].copy_from_slice(w.as_bytes());
            l.buf[..w.len()].make_ascii_lowercase();
            l.n = w.len();
            return l;
        }
        each_char(w, |c| {
            for lc in if c == '’' { '\'' } else { c }.to_lowercase() {
                ok &= l.n + lc.len_utf8() <= 48;
                if ok { l.n += lc.encode_utf8(&mut l.buf[l.n..]).len(); }
            }
            ok
        });
        l.n *= ok as usize;
        l
    }
    pub(super) fn s(&self) -> &str { std::str::from_utf8(&self.buf[..self.n]).unwrap_or("") }
}

/// Whether the bitmap lets the word through to the table.
pub(super) fn maybe_listed(w: &str) -> bool {
    let bit = if w.is_empty() { return false } else { filter_bit(w.as_bytes()) };
    table().filter[bit / 64] & 1 << (bit % 64) != 0
}
pub(super) fn flags(w: &str) -> u32 {
    if w.bytes().all(|c| c < 0x80 && c != b'\\') { return lookup(w); }
    // lowercasing keeps the lead byte of a Latin letter, so the raw word can be turned away before it
    if !w.contains('\\') && !maybe_listed(w) { 0 } else { lookup(Low::new(w).s()) }
}


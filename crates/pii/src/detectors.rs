//! Which detectors run, switchable per DAG, and what they need.

use std::sync::Arc;

use crate::gazetteer::Gazetteer;
use crate::keys::KeyRules;
use crate::places::Places;

/// The detectors beyond the patterns (which always run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detectors {
    /// Person names: gazetteer and context; also handles that embed a name.
    pub names: bool,
    /// Street addresses and PO boxes.
    pub addresses: bool,
    /// Dates with a birth cue.
    pub dates_of_birth: bool,
    /// Ages of a person ("34 years old").
    pub ages: bool,
    /// Customer, booking, order, passport… identifiers found by context.
    pub identifiers: bool,
    /// Organisation names by their legal suffix (Inc, GmbH…). Off by default.
    pub organisations: bool,
    /// Cities, countries and US states from the place gazetteer. Off by default.
    pub locations: bool,
}

impl Detectors {
    /// Every detector the product turns on by default.
    pub const DEFAULT: Detectors = Detectors {
        names: true,
        addresses: true,
        dates_of_birth: true,
        ages: true,
        identifiers: true,
        organisations: false,
        locations: false,
    };

    /// Only the patterns (e-mail, phone, card, IBAN, IP, SSN, secrets, URLs).
    pub const PATTERNS_ONLY: Detectors = Detectors {
        names: false,
        addresses: false,
        dates_of_birth: false,
        ages: false,
        identifiers: false,
        organisations: false,
        locations: false,
    };

    pub fn any(&self) -> bool {
        *self != Detectors::PATTERNS_ONLY
    }

    /// A short, stable description for the detector version of a partition:
    /// which detectors ran (`n`ames, `a`ddresses, `d`ates of birth, a`g`es,
    /// `i`dentifiers, `o`rganisations, `l`ocations).
    pub fn code(&self) -> String {
        [
            (self.names, 'n'),
            (self.addresses, 'a'),
            (self.dates_of_birth, 'd'),
            (self.ages, 'g'),
            (self.identifiers, 'i'),
            (self.organisations, 'o'),
            (self.locations, 'l'),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, c)| *c)
        .collect()
    }
}

impl Default for Detectors {
    fn default() -> Self {
        Detectors::DEFAULT
    }
}

/// What a [`Redactor`](crate::Redactor) is built with.
#[derive(Debug, Clone)]
pub struct Options {
    pub detectors: Detectors,
    /// The name gazetteer; without one, names are found by context alone.
    pub gazetteer: Option<Arc<Gazetteer>>,
    /// Key-aware JSON ([`KeyRules::none`] turns it off).
    pub keys: KeyRules,
    /// The place gazetteer, for the location detector.
    pub places: Option<Arc<Places>>,
}

impl Options {
    /// The patterns only, no key rules: what [`Redactor::new`](crate::Redactor::new) builds.
    pub fn patterns_only() -> Self {
        Options { detectors: Detectors::PATTERNS_ONLY, gazetteer: None, keys: KeyRules::none(), places: None }
    }

    /// Every default detector and key rule, with this gazetteer.
    pub fn full(gazetteer: Option<Arc<Gazetteer>>) -> Self {
        Options { detectors: Detectors::DEFAULT, gazetteer, keys: KeyRules::default(), places: None }
    }
}

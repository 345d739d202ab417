//! The pattern scanner: one combined regex proposes candidates, an anchored
//! regex set says which patterns match there, and each match is validated.

use std::ops::ControlFlow;

use regex::{Captures, Regex};

use crate::patterns::Kind;
use crate::text::*;
use crate::validators::*;
use crate::{Entity, Redactor};

pub(crate) struct Pat {
    pub(crate) entity: Entity,
    pub(crate) kind: Kind,
    pub(crate) first: [bool; 256],
    pub(crate) re: Regex,
}


/// One entity found: `start..end` is replaced; the scan resumes at `resume`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub(crate) entity: Entity,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) resume: usize,
}

impl Redactor {

    /// Calls `f` for every entity, left to right, without overlaps.
    ///
    /// Work is linear for ordinary text. Input built to make many candidates fail
    /// validation (`1.1.1.1.1…`, `sk-sk-sk-…`) would make the search quadratic:
    /// once the work spent exceeds a budget proportional to the text, the search
    /// degrades to bounded windows ([`DEGRADED_WINDOW`]), bounded candidates
    /// ([`DEGRADED_CAP`]) and skips past rejected candidates
    /// ([`DEGRADED_SKIP`]): still linear, and it still finds entities shorter
    /// than [`DEGRADED_OVERLAP`] that do not start inside a rejected candidate.
    pub(crate) fn scan(&self, text: &str, mut f: impl FnMut(Hit) -> ControlFlow<()>) -> ControlFlow<()> {
        let n = text.len();
        let budget = 16 * n + 65_536;
        let max_failures = 256 + n / 64;
        let mut spent = 0usize;
        let mut failures = 0usize;
        let mut pos = 0usize;
        while pos < n {
            let degraded = spent > budget || failures > max_failures;
            let hay_end = if degraded {
                floor_char_boundary(text, (pos + DEGRADED_WINDOW).min(n))
            } else {
                n
            };
            let Some(m) = self.combined.find_at(&text[..hay_end], pos) else {
                if hay_end >= n {
                    break;
                }
                let next = floor_char_boundary(text, hay_end - DEGRADED_OVERLAP);
                pos = if next > pos {
                    next
                } else {
                    ceil_char_boundary(text, pos + 1)
                };
                continue;
            };
            spent += m.end() - pos;
            let s = m.start() + escape_len(text.as_bytes(), m.start());
            if s >= n {
                break;
            }
            let mut found = self.classify(text, s, degraded);
            if found.is_none() && !is_word(text.as_bytes()[s]) {
                // The leading-`::` IPv6 alternative consumed one character of context.
                let next = ceil_char_boundary(text, s + 1);
                if text[next..].starts_with("::") {
                    found = self.classify(text, next, degraded);
                }
            }
            match found {
                Some(hit) => {
                    debug_assert!(hit.resume > s);
                    pos = hit.resume;
                    f(hit)?;
                }
                None => {
                    failures += 1;
                    spent += m.end() - s + 64;
                    pos = skip_token(text, s);
                    if degraded {
                        // Do not rescan a long rejected candidate over and over.
                        pos = pos.max(ceil_char_boundary(text, m.end().min(s + DEGRADED_SKIP)));
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    pub(crate) fn has_pii(&self, text: &str) -> bool {
        if self.options.detectors.any() {
            return !self.find_spans(text).is_empty();
        }
        self.scan(text, |_| ControlFlow::Break(())).is_break()
    }

    /// Tries every sub-pattern anchored at `s`, in priority order.
    pub(crate) fn classify(&self, text: &str, s: usize, degraded: bool) -> Option<Hit> {
        let b0 = text.as_bytes()[s];
        if !self.any_first[b0 as usize] {
            return None;
        }
        let rest_end = if degraded {
            floor_char_boundary(text, (s + DEGRADED_CAP).min(text.len()))
        } else {
            text.len()
        };
        let rest = &text[s..rest_end];
        // One anchored multi-pattern pass says which patterns match here.
        let matched = self.set.matches(rest);
        for i in matched.iter() {
            let p = &self.pats[i];
            if !p.first[b0 as usize] {
                continue;
            }
            let hit = if p.kind.has_groups() {
                let caps = p.re.captures(rest)?;
                self.validate(p, text, s, s + caps.get(0)?.end(), Some(&caps))
            } else {
                let m = p.re.find(rest)?;
                self.validate(p, text, s, s + m.end(), None)
            };
            if let Some(hit) = hit.and_then(|h| finish_hit(text, h)) {
                return Some(hit);
            }
        }
        None
    }

    pub(crate) fn validate(
        &self,
        p: &Pat,
        text: &str,
        s: usize,
        e: usize,
        caps: Option<&Captures<'_>>,
    ) -> Option<Hit> {
        let group = |i: usize| caps?.get(i).map(|m| (s + m.start(), s + m.end()));
        let whole = |end: usize| {
            Some(Hit {
                entity: p.entity,
                start: s,
                end,
                resume: end,
            })
        };
        match p.kind {
            Kind::Url => {
                let end = trim_url_end(text, s, e);
                whole(end)
            }
            Kind::Jwt | Kind::Token | Kind::PrivateKey => whole(e),
            Kind::OpenAi => openai_body_ok(&text[s + 3..e]).then(|| whole(e))?,
            Kind::AuthHeader => {
                let scheme = group(1).map(|(a, b)| &text[a..b]);
                let (ts, te) = group(2)?;
                if scheme.is_none() && looks_like_code(text, ts, te) {
                    return None; // `authorization = request.headers.get(…)`
                }
                auth_token_ok(scheme, &text[ts..te]).then_some(Hit {
                    entity: Entity::BearerToken,
                    start: ts,
                    end: te,
                    resume: te,
                })
            }
            Kind::Bearer | Kind::BasicB64 => {
                let (ts, te) = group(1)?;
                let tok = &text[ts..te];
                let ok = if p.kind == Kind::Bearer {
                    is_secret_like(tok)
                } else {
                    basic_b64_ok(tok)
                };
                ok.then_some(Hit {
                    entity: Entity::BearerToken,
                    start: ts,
                    end: te,
                    resume: te,
                })
            }
            Kind::Assignment => {
                let (ks, ke) = group(1)?;
                let (ss, se) = group(2)?;
                let (quoted, (vs, ve)) = match (group(3), group(4), group(5)) {
                    (Some(v), _, _) | (None, Some(v), _) => (true, v),
                    (None, None, Some(v)) => (false, v),
                    _ => return None,
                };
                let kw = &text[ks..ke];
                let value = &text[vs..ve];
                let strength = keyword_strength(kw);
                let sep = &text[ss..se];
                let equals = sep != ":";
                // `Token::Word` and `a::token::b` are paths, not assignments.
                let path = sep == ":"
                    && (text.as_bytes().get(se) == Some(&b':') || text[..ks].ends_with("::"));
                if path
                    || !secret_value_ok(strength, kw, value, quoted, equals)
                    || (!quoted && looks_like_code(text, vs, ve))
                {
                    return None;
                }
                Some(Hit {
                    entity: secret_entity(value),
                    start: vs,
                    end: ve,
                    resume: ve,
                })
            }
            Kind::Email => email_ok(&text[s..e]).then(|| whole(e))?,
            Kind::Card => card_end(text, s, e).and_then(whole),
            Kind::Iban => iban_end(text, s, e).and_then(whole),
            Kind::Ssn => ssn_ok(text, s, e).then(|| whole(e))?,
            Kind::Ipv6 | Kind::Ipv6Leading => ipv6_end(text, s, e).and_then(whole),
            Kind::Ipv4 => standalone_number(text, s, e).then(|| whole(e))?,
            Kind::PhoneIntl
            | Kind::PhoneNanpParen
            | Kind::PhoneNanp
            | Kind::PhoneFr
            | Kind::PhoneUk
            | Kind::PhoneDe => phone_end(p.kind, text, s, e).and_then(whole),
        }
    }

}

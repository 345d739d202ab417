//! Names against the real gazetteer (built by `scripts/setup.sh`).

use std::path::Path;
use std::sync::OnceLock;

use super::*;

pub(crate) fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/gazetteers/names.tsv");
        Gazetteer::load(&path).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn names(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    find_names(gazetteer(), text, &mut out);
    out.into_iter().map(|(s, e)| &text[s..e]).collect()
}

fn handles(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    find_handles(gazetteer(), text, &mut out);
    out.into_iter().map(|(s, e)| &text[s..e]).collect()
}

#[test]
fn full_names_without_cues() {
    for (text, want) in [
        ("Please rebook Mia Li on the next flight.", "Mia Li"),
        ("Ticket issued to Oluwaseun Adeyemi yesterday", "Oluwaseun Adeyemi"),
        ("Approved by Katarzyna Nowak.", "Katarzyna Nowak"),
        ("Forward it to Mehmet Yılmaz please", "Mehmet Yılmaz"),
        ("Nguyen Van Minh called twice", "Nguyen Van Minh"),
        ("J. R. Smith signed the form", "J. R. Smith"),
        ("Refund for Jean-Luc Picard processed", "Jean-Luc Picard"),
        ("Contact Sean O'Brien about the invoice", "Sean O'Brien"),
        ("Priya Sharma updated her seat", "Priya Sharma"),
        ("Иван Петров оплатил заказ", "Иван Петров"),
        ("Will Smith asked for a window seat", "Will Smith"),
        ("Michelle reported the outage", "Michelle"),
    ] {
        assert_eq!(names(text), [want], "{text}");
    }
}

#[test]
fn cues_take_unknown_and_lower_case_names() {
    assert_eq!(names("Hi, my name is mia li and I lost my bag"), ["mia li"]);
    assert_eq!(names("Dear Ms Okonkwo-Eze, your refund"), ["Okonkwo-Eze"]);
    assert_eq!(names("passenger: Xiadani Quispe"), ["Xiadani Quispe"]);
    assert_eq!(names("Thanks,\nRose"), ["Rose"]);
    assert_eq!(names("Best regards,\\nGrant Page"), ["Grant Page"]);
    assert_eq!(names("I'm Dawn and this is urgent"), ["Dawn"]);
    assert_eq!(names("Mr. Will Long will travel"), ["Will Long"]);
    assert_eq!(names("Ich heiße Jürgen Müller"), ["Jürgen Müller"]);
    assert_eq!(names("Je m'appelle Amélie Poulain"), ["Amélie Poulain"]);
    assert_eq!(names("customer_name = Hope Summer"), ["Hope Summer"]);
    assert_eq!(names("ok, name is will whitaker"), ["will whitaker"]);
    assert_eq!(names("good morning, Tuan Nguyen speaking."), ["Tuan Nguyen"]);
    assert_eq!(names("Hi there, Ruby here."), ["Ruby"]);
    assert_eq!(names("Visitor: Lyman"), ["Lyman"]);
    assert_eq!(names("The ticket was opened by Jacqulyn on Monday."), ["Jacqulyn"]);
    assert!(names("The ticket was opened by Support on Monday.").is_empty(), "a common word after the cue");
    assert!(names("customer ssn=234567890; customer mia=1").is_empty(), "keys being assigned");
    for t in ["the employee's SSN, 643645161, was", "Check the patient's DOB and MRN first", "the customer's VIN is 1HGCM82633A0"] {
        assert!(names(t).is_empty(), "a field's acronym after a role: {t}");
    }
    assert_eq!(names("the customer's name is WANG"), ["WANG"], "a name in capitals after a strong cue");
    assert_eq!(names("Buenos días, soy Prof. Qureshi. My order"), ["Qureshi"], "the title is no name");
    assert!(names("Bonjour. Je suis né le 2 novembre 1994.").is_empty(), "a French word after the cue");
    assert!(names("We hope the grant covers the Charlotte trip.").is_empty(), "a place's slot");
}

#[test]
fn suffixes_go_with_the_name() {
    assert_eq!(names("Reminder for Wawan Zulaika, S.E.I - appointment tomorrow"), ["Wawan Zulaika, S.E.I"]);
    assert_eq!(names("Booking reference for Margita Jessel B.Eng.: confirmed"), ["Margita Jessel B.Eng."]);
    assert_eq!(names("Signed, Anna Kowalski, PhD"), ["Anna Kowalski, PhD"]);
    assert_eq!(names("Meeting with John Smith III and the team"), ["John Smith III"]);
    assert_eq!(names("Mia Li, Sales lead"), ["Mia Li"], "a word, not a suffix");
}

#[test]
fn de_la_cruz_and_particles() {
    assert_eq!(names("Booked for Maria de la Cruz today"), ["Maria de la Cruz"]);
    assert_eq!(names("Sent to Pieter van der Berg."), ["Pieter van der Berg"]);
}

#[test]
fn other_occurrences_follow() {
    assert_eq!(names("My name is Xavi Ortega. Please call Ortega back"), ["Xavi Ortega", "Ortega"]);
}

#[test]
fn words_that_are_not_names() {
    for text in [
        "Will you update the Page when the Rose garden opens in May?",
        "The Street Fighter tournament starts on Monday",
        "New York and San Diego offices",
        "Thanks for your help!",
        "Hello World",
        "Customer Service will call back",
        "The quick brown fox jumps over the lazy dog.",
        "fn main() { let user_name = get_name(); }",
        "Returns the user's Name field from os.Path",
        "SELECT first_name, last_name FROM users",
        "Error: Connection Refused by Upstream Server",
        "I'm Happy To Help",
        "Bitte beachten Sie die Hinweise am Freitag",
        "will whitaker's book be out",
        "<PERSON_3fa1c2> called <PERSON_0b9e77>",
    ] {
        assert!(names(text).is_empty(), "{text}: {:?}", names(text));
    }
}

#[test]
fn json_escapes_separate_words() {
    assert_eq!(names(r#"{"msg":"Regards,\nMia Li"}"#), ["Mia Li"]);
    assert!(names(r#"{"msg":"\nUpdate"}"#).is_empty());
}

#[test]
fn handles_that_embed_names() {
    assert_eq!(handles("login as mia_li_3668 now"), ["mia_li_3668"]);
    assert_eq!(handles("user john.smith92 reset"), ["john.smith92"]);
    assert!(handles("call user_data_2 and retry_count_3").is_empty());
    assert!(handles("version 3.12.1 of python").is_empty());
    assert!(handles("in the module billing.py and mia_li.json").is_empty());
    assert_eq!(handles("login mia.li92 failed"), ["mia.li92"]);
    assert!(handles("mia@example.com").is_empty());
}

#[test]
fn initials_and_surname_first_names_after_a_cue() {
    for (text, want) in [
        ("Best regards,\nEmeka O.", "Emeka O"),
        ("Hello Ian T.,\n\nMy booking reference is below.", "Ian T"),
        ("Buenos días, soy F. K. Guy. Dirección: calle Mayor 3", "F. K. Guy"),
        ("Hallo, hier ist A. Paimo.", "A. Paimo"),
        ("Salve, sono Pasolini, Etta. Ho 50 anni.", "Pasolini, Etta"),
        ("Hi Sato, Sotaro,\n\nmy bank details changed.", "Sato, Sotaro"),
        ("Bonjour, ici Agnès Dubois.", "Agnès Dubois"),
    ] {
        assert_eq!(names(text), vec![want], "{text}");
    }
    // Not a surname's initial, not a given name after the comma.
    assert_eq!(names("Thanks Mia, I will call tomorrow."), vec!["Mia"]);
    assert_eq!(names("Hello Mia, Thanks for the update"), vec!["Mia"]);
}

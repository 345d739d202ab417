use super::*;
use crate::rng::SplitMix64;
use serde_json::json;

fn tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                           "days": {"type": "integer"}},
            "required": ["city"]}}},
        {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object",
            "properties": {"zone": {"type": ["string", "null"]}, "exact": {"type": "boolean"},
                           "offsets": {"type": "array", "items": {"type": "number"}}}}}},
        // Anthropic's shape: `input_schema`.
        {"name": "book_taxi", "input_schema": {"type": "object", "properties": {"pickup": {"type": "object",
            "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}, "required": ["lat", "lon"]}}}}
    ])
}

fn accepts(shape: &Shape, text: &str) -> (bool, bool) {
    let mut m = JsonMachine::new(shape.clone());
    let all = text.chars().all(|c| m.feed(c));
    (all, all && m.can_end())
}

#[test]
fn tool_calls_follow_the_declared_tools() {
    let shape = Shape::tool_calls(&tools()).unwrap();
    for ok in [
        r#"{"tool_calls":[{"name":"get_weather","arguments":{"city":"Lyon","unit":"celsius","days":3}}]}"#,
        r#"{"tool_calls": [{"name": "get_time", "arguments": {"zone": null, "exact": true, "offsets": [-1.5, 2e3, 0]}},
            {"name": "get_weather", "arguments": {"city": "Z\u00fcrich \"centre\""}}]}"#,
        r#"{"tool_calls":[{"name":"book_taxi","arguments":{"pickup":{"lat":48.85,"lon":2.35}}}]}"#,
    ] {
        assert_eq!(accepts(&shape, ok), (true, true), "{ok}");
    }
    for (bad, why) in [
        (r#"{"tool_calls":[{"name":"get_stock""#, "an undeclared tool"),
        (r#"{"tool_calls":[{"arguments""#, "the name comes first"),
        (r#"{"tool_calls":[{"name":"get_weather","arguments":{"town""#, "an undeclared argument"),
        (r#"{"tool_calls":[{"name":"get_weather","arguments":{"city":"a","city""#, "a key twice"),
        (r#"{"tool_calls":[{"name":"get_weather","arguments":{"days":"3""#, "a string for an integer"),
        (r#"{"tool_calls":[{"name":"get_weather","arguments":{"days":3.5"#, "a fraction for an integer"),
        (r#"{"tool_calls":[{"name":"get_weather","arguments":{"unit":"kelvin""#, "outside the enum"),
        (r#"{"tool_calls":[{"name":"get_weather","arguments":{"unit":"celsius"}"#, "a required argument missing"),
        (r#"{"tool_calls":[{"name":"book_taxi","arguments":{"pickup":{"lat":1}"#, "a nested required key missing"),
        (r#"{"tool_calls":[{"name":"get_time","arguments":{"exact":1"#, "a number for a boolean"),
        (r#"{"answer":"#, "another top-level key"),
        (r#"Sure! {"#, "text before the JSON"),
        (r#"{"tool_calls":[{"name":"get_time","arguments":{}}]},"#, "anything after the value"),
        (r#"{"tool_calls":[]"#, "no call at all"),
    ] {
        assert!(!accepts(&shape, bad).0, "accepted {why}: {bad}");
    }
    // Incomplete is not the end.
    assert_eq!(accepts(&shape, r#"{"tool_calls":[{"name":"get_time","arguments":{}}"#), (true, false));
}

#[test]
fn json_answers_are_valid_json() {
    for ok in [r#"{"a":[1,-2.5e-3,true,false,null,{"b":"\n\t\u00e9"}],"c":{}}"#, "[]", r#""text""#, "0", "-12.5", "  {\n}"] {
        assert_eq!(accepts(&Shape::Any, ok), (true, true), "{ok}");
        assert!(serde_json::from_str::<Value>(ok).is_ok());
    }
    for bad in ["{a:1}", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "nul", "\"raw\nnewline\"", "{\"a\":1,}", "[1 2]", "\"\\x\""] {
        assert!(!accepts(&Shape::Any, bad).1, "accepted {bad:?}");
    }
    assert_eq!(number_state("1e", false), Some(false));
    assert_eq!(number_state("1e+5", false), Some(true));
    assert_eq!(number_state("1.5", true), None);
    assert_eq!(number_state("1e999", false), None, "a finite double");
    assert_eq!(number_state(&"1".repeat(25), false), None, "numbers end");
    // A JSON answer is a document: an object or an array.
    let doc = Shape::json_document();
    assert_eq!(accepts(&doc, r#"{"a": [1, "x"]}"#), (true, true));
    assert_eq!(accepts(&doc, "[]"), (true, true));
    for bare in ["1", "\"text\"", "true", "null"] {
        assert!(!accepts(&doc, bare).0, "{bare}");
    }
    assert_eq!(number_state("-0", true), Some(true));
}

#[test]
fn tools_are_read_from_the_prompt_template() {
    let prompt = format!("<|im_start|>system\nBe brief.\n\nYou can call these tools.\nTools: {}<|im_end|>\n", tools());
    // The template closes the turn right after the JSON.
    assert!(tools_in_prompt(&prompt).is_some_and(|t| t.as_array().unwrap().len() == 3));
    let chat = [crate::models::chat::ChatMessage { role: "user".into(), content: "Hi".into(), ..Default::default() }];
    let rendered = crate::models::chat::render_prompt(&chat, Some(&tools().to_string()));
    assert_eq!(tools_in_prompt(&rendered), Some(tools()), "what the chat template writes is read back");
    assert!(tools_in_prompt("no tools here").is_none());
}

/// A vocabulary of JSON pieces, words and single characters.
fn vocabulary() -> Vocabulary {
    let mut texts: Vec<Option<String>> = vec![None]; // 0: the end of turn
    for piece in ["{\"", "\":", "\",\"", "\"}", "}]}", "tool_calls", "name", "arguments", "get_", "weather", "time", "city",
                  "unit", "days", "celsius", "zone", "exact", "true", "false", "null", "12", "3.", "e5", " Lyon", "[{", "}]", ", "] {
        texts.push(Some(piece.to_string()));
    }
    for c in (32u8..127).map(char::from) {
        texts.push(Some(c.to_string()));
    }
    Vocabulary { texts, eos: 0 }
}

/// A random model (random logits at every step) under the constraint: what
/// it writes is always a declared tool call, and valid JSON when it ends.
#[test]
fn a_random_model_never_writes_an_undeclared_tool_or_invalid_json() {
    let vocab = vocabulary();
    let shape = Shape::tool_calls(&tools()).unwrap();
    let declared = ["get_weather", "get_time", "book_taxi"];
    let mut finished = 0;
    for seed in 0..60 {
        let mut rng = SplitMix64::new(seed);
        let mut machine = JsonMachine::new(if seed % 3 == 0 { Shape::Any } else { shape.clone() });
        let mut text = String::new();
        for _ in 0..4000 {
            let logits: Vec<f32> = (0..vocab.texts.len()).map(|_| rng.next_f64() as f32).collect();
            match choose(&logits, &mut machine, &vocab) {
                Some(0) => break,
                Some(id) => text.push_str(vocab.texts[id as usize].as_deref().unwrap()),
                None => panic!("a dead end after {text:?}"),
            }
        }
        if !machine.is_done() && !machine.can_end() {
            continue;
        }
        finished += 1;
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        if seed % 3 == 0 {
            continue;
        }
        for call in value["tool_calls"].as_array().unwrap() {
            let name = call["name"].as_str().unwrap();
            assert!(declared.contains(&name), "{name} in {text}");
            if name == "get_weather" {
                assert!(call["arguments"]["city"].is_string(), "{text}");
                assert!(call["arguments"].get("days").is_none_or(Value::is_i64), "{text}");
            }
        }
    }
    assert!(finished >= 20, "only {finished} of 60 random answers ended");
}

/// The tokenizer's real vocabulary: multi-character tokens and byte pieces.
#[test]
fn the_real_vocabulary_decodes_under_the_constraint() {
    let Ok(tokenizer) = crate::models::smollm::load_tokenizer(&crate::models::model_dir(crate::models::smollm::MODEL_NAME)) else {
        panic!("bash scripts/setup.sh fetches SmolLM2");
    };
    let eos = tokenizer.token_to_id("<|im_end|>").unwrap();
    let vocab = Vocabulary::new(&tokenizer, eos);
    assert!(vocab.texts[eos as usize].is_none(), "special tokens are never written");
    let shape = Shape::tool_calls(&json!([{"name": "set_mode", "parameters": {"type": "object",
        "properties": {"mode": {"enum": ["eco", "boost"]}, "level": {"type": "integer"}}, "required": ["mode", "level"]}}]))
    .unwrap();
    // A random model that writes no whitespace between values (there are
    // hundreds of whitespace tokens: a random walk would write little else).
    let blank: Vec<bool> = vocab.texts.iter().map(|t| t.as_deref().is_some_and(|t| t.trim().is_empty())).collect();
    let mut ended = 0;
    for seed in 0..3 {
        let mut rng = SplitMix64::new(seed);
        let mut machine = JsonMachine::new(shape.clone());
        let mut ids = Vec::new();
        for _ in 0..200 {
            let logits: Vec<f32> =
                (0..vocab.texts.len()).map(|i| if blank[i] { -1e9 } else { rng.next_f64() as f32 }).collect();
            match choose(&logits, &mut machine, &vocab) {
                Some(id) if id == eos => break,
                Some(id) => ids.push(id),
                None => panic!("a dead end"),
            }
        }
        let text = tokenizer.decode(&ids, false).unwrap();
        if machine.is_done() {
            ended += 1;
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(v["tool_calls"][0]["name"], "set_mode", "{text}");
        } else {
            assert!(text.starts_with("{") && !text.contains("<|"), "{text}");
        }
    }
    assert!(ended >= 1, "no random answer ended in 200 tokens");
}

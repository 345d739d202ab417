//! Token counts for calls whose logs carry no usage: many gateways and
//! agent frameworks log the messages but not `usage`, and a cluster of such
//! calls would otherwise cost nothing and weigh nothing. The base model's
//! tokenizer counts what the LLM would have read and written; the figures
//! built on these counts are marked as estimated.

use arrow::array::{Array, StringArray, StructArray};
use tokenizers::Tokenizer;

use crate::error::Result;

/// Tokens a chat format adds per message (role and separators), as OpenAI
/// documents for its chat models.
const PER_MESSAGE: u64 = 4;

pub struct TokenEstimator {
    tokenizer: Tokenizer,
}

impl TokenEstimator {
    /// The tokenizer of a model below `models/` (or a path), never its weights.
    pub fn load(model: &str) -> Result<Self> {
        let dir = super::model_dir(model);
        Ok(Self { tokenizer: super::smollm::load_tokenizer(&dir)? })
    }

    pub fn count(&self, text: &str) -> u64 {
        if text.is_empty() {
            return 0;
        }
        self.tokenizer.encode_fast(text, false).map_or_else(|_| (text.len() as u64).div_ceil(4), |e| e.len() as u64)
    }

    /// The prompt: each message of the `calls.messages` list (content,
    /// name, tool calls) plus the tool definitions as the LLM receives them.
    pub fn prompt_tokens(&self, messages: &StructArray, tools_json: Option<&str>) -> u64 {
        let column = |name: &str| messages.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<StringArray>());
        let mut tokens = 0;
        for i in 0..messages.len() {
            tokens += PER_MESSAGE;
            for name in ["content", "name", "tool_calls"] {
                if let Some(c) = column(name).filter(|c| !c.is_null(i)) {
                    tokens += self.count(c.value(i));
                }
            }
        }
        if let Some(tools) = tools_json.filter(|t| !matches!(t.trim(), "" | "null" | "[]")) {
            tokens += self.count(tools);
        }
        tokens
    }

    /// The answer: its text and its tool calls.
    pub fn completion_tokens(&self, content: Option<&str>, tool_calls_json: Option<&str>) -> u64 {
        let mut tokens = content.map_or(0, |c| self.count(c));
        if let Some(calls) = tool_calls_json.filter(|t| t.trim().len() > 2) {
            tokens += self.count(calls);
        }
        tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimator() -> TokenEstimator {
        TokenEstimator::load(super::super::smollm::MODEL_NAME).expect("bash scripts/setup.sh fetches SmolLM2")
    }

    fn messages(rows: &[(&str, Option<&str>, Option<&str>)]) -> StructArray {
        use arrow::datatypes::{DataType, Field};
        use std::sync::Arc;
        let col = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as arrow::array::ArrayRef;
        StructArray::from(vec![
            (Arc::new(Field::new("role", DataType::Utf8, false)), col(rows.iter().map(|r| Some(r.0)).collect())),
            (Arc::new(Field::new("content", DataType::Utf8, true)), col(rows.iter().map(|r| r.1).collect())),
            (Arc::new(Field::new("tool_calls", DataType::Utf8, true)), col(rows.iter().map(|r| r.2).collect())),
        ])
    }

    #[test]
    fn counts_follow_the_text_of_messages_tools_and_answers() {
        let e = estimator();
        let text = "Please book a table for two at eight tonight, near the station.";
        let words = e.count(text);
        assert!((10..30).contains(&words), "{words}");
        assert_eq!(e.prompt_tokens(&messages(&[("user", Some(text), None)]), None), words + PER_MESSAGE);
        // Other languages, a tool call's arguments and the tools count too.
        let call = r#"[{"id":"c1","type":"function","function":{"name":"book_table","arguments":"{\"people\": 2, \"time\": \"20:00\"}"}}]"#;
        let chat = messages(&[
            ("system", Some("Sei un assistente di viaggio. Rispondi in italiano."), None),
            ("user", Some(text), None),
            ("assistant", None, Some(call)),
        ]);
        let tools = r#"[{"type":"function","function":{"name":"book_table","parameters":{"type":"object"}}}]"#;
        let without_tools = e.prompt_tokens(&chat, None);
        assert!(without_tools > words + 3 * PER_MESSAGE + 20, "{without_tools}");
        assert!(e.prompt_tokens(&chat, Some(tools)) > without_tools);
        assert_eq!(e.prompt_tokens(&chat, Some("[]")), without_tools);
        assert_eq!(e.completion_tokens(Some(text), Some("[]")), words);
        assert!(e.completion_tokens(None, Some(call)) > 10);
        assert_eq!(e.completion_tokens(None, None), 0);
    }
}

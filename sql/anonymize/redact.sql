-- Raw staged calls -> the `calls` table (contract: warehouse/README.md).
--
-- Every column that can hold free text goes through a redaction function:
--   pii_redact(x)       plain text, or a list/struct of texts (messages) at any depth
--   pii_redact_json(x)  JSON held as text: keys and string values, JSON stays valid
-- Identifiers are redacted too: a trace id or an object key can carry an
-- e-mail as easily as a message can. Only call_id (a hash we computed),
-- numbers, timestamps and our own enum-like columns pass through.
SELECT
  call_id,
  date,
  ts,
  pii_redact(trace_id)                    AS trace_id,
  pii_redact(span_id)                     AS span_id,
  pii_redact(agent)                       AS agent,
  pii_redact(model)                       AS model,
  pii_redact(messages)                    AS messages,
  pii_redact_json(tools)                  AS tools,
  pii_redact(response_content)            AS response_content,
  pii_redact_json(response_tool_calls)    AS response_tool_calls,
  prompt_tokens,
  completion_tokens,
  latency_ms,
  pii_redact(status)                      AS status,
  pii_redact(error)                       AS error,
  pii_redact_json(metadata)               AS metadata,
  source_format,
  pii_redact(source_object)               AS source_object,
  source_line
FROM staged_calls

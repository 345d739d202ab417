//! OTLP/JSON: an `ExportTraceServiceRequest`, each GenAI model span one record.

use super::*;

// ---------------------------------------------------------------------------
// OTLP/JSON: spans
// ---------------------------------------------------------------------------

pub(super) struct Scope {
    pub(super) name: Option<Value>,
    pub(super) version: Option<Value>,
    pub(super) attrs: Vec<(String, Value)>,
}

/// GenAI spans that are not model calls: a tool run, an agent creation, an
/// agent invocation (which wraps model-call spans of its own).
pub(super) const NON_CALL_OPERATIONS: &[&str] = &["execute_tool", "create_agent", "invoke_agent"];

pub(super) fn parse_otel(mut obj: Map<String, Value>) -> Result<ParsedLine, ParseError> {
    let root = Path::Root;
    let (rkey, rs) = remove_any(&mut obj, &["resourceSpans", "resource_spans"]);
    let rp = root.key(rkey);
    let rs = match rs {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => return Err(wrong_type(&rp, "array", &other)),
    };
    let mut out = ParsedLine::default();
    for (ri, r) in rs.into_iter().enumerate() {
        let rpi = rp.idx(ri);
        let mut r = match r {
            Value::Object(r) => r,
            other => return Err(wrong_type(&rpi, "object", &other)),
        };
        let resource_attrs = match r.remove("resource") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(mut res)) => kv_list(
                res.remove("attributes").unwrap_or(Value::Null),
                &rpi.key("resource").key("attributes"),
            )?,
            Some(other) => return Err(wrong_type(&rpi.key("resource"), "object", &other)),
        };
        let (skey, scope_spans) = remove_any(
            &mut r,
            &[
                "scopeSpans",
                "scope_spans",
                "instrumentationLibrarySpans",
                "instrumentation_library_spans",
            ],
        );
        let sp = rpi.key(skey);
        let scope_spans = match scope_spans {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a,
            Some(other) => return Err(wrong_type(&sp, "array", &other)),
        };
        for (si, ss) in scope_spans.into_iter().enumerate() {
            let spi = sp.idx(si);
            let mut ss = match ss {
                Value::Object(o) => o,
                other => return Err(wrong_type(&spi, "object", &other)),
            };
            let (sckey, scope) = remove_any(
                &mut ss,
                &["scope", "instrumentationLibrary", "instrumentation_library"],
            );
            let scope = match scope {
                None | Some(Value::Null) => Scope {
                    name: None,
                    version: None,
                    attrs: Vec::new(),
                },
                Some(Value::Object(mut s)) => Scope {
                    name: s
                        .remove("name")
                        .filter(|v| !v.is_null() && v.as_str() != Some("")),
                    version: s
                        .remove("version")
                        .filter(|v| !v.is_null() && v.as_str() != Some("")),
                    attrs: kv_list(
                        s.remove("attributes").unwrap_or(Value::Null),
                        &spi.key(sckey).key("attributes"),
                    )?,
                },
                Some(other) => return Err(wrong_type(&spi.key(sckey), "object", &other)),
            };
            let spans_p = spi.key("spans");
            let spans = match ss.remove("spans") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) => a,
                Some(other) => return Err(wrong_type(&spans_p, "array", &other)),
            };
            for (pi, span) in spans.into_iter().enumerate() {
                match parse_span(span, &resource_attrs, &scope, &spans_p.idx(pi))? {
                    Some(rec) => out.records.push(rec),
                    None => out.skipped_spans += 1,
                }
            }
        }
    }
    Ok(out)
}

pub(super) fn status_is_error(code: &Value) -> bool {
    match code {
        Value::Number(n) => n.as_i64() == Some(2),
        Value::String(s) => matches!(
            s.as_str(),
            "STATUS_CODE_ERROR" | "ERROR" | "Error" | "error" | "2"
        ),
        _ => false,
    }
}

pub(super) fn parse_span(
    span: Value,
    resource_attrs: &[(String, Value)],
    scope: &Scope,
    path: &Path,
) -> Result<Option<CallRecord>, ParseError> {
    let mut s = match span {
        Value::Object(s) => s,
        other => return Err(wrong_type(path, "object", &other)),
    };
    if !has_genai_attribute(s.get("attributes")) {
        return Ok(None);
    }
    let ap = path.key("attributes");
    let attrs = kv_list(s.remove("attributes").unwrap_or(Value::Null), &ap)?;
    let is_non_call = attrs.iter().any(|(k, v)| {
        k == "gen_ai.operation.name"
            && v.as_str()
                .is_some_and(|op| NON_CALL_OPERATIONS.contains(&op))
    });
    if is_non_call {
        return Ok(None);
    }

    let mut rec = CallRecord::empty(SourceFormat::OtelGenAi);
    let mut meta = Map::new();

    // Span fields.
    let mut start = None;
    let mut end = None;
    let mut status = None;
    let mut events = None;
    for (k, v) in s {
        match k.as_str() {
            "traceId" | "trace_id" => rec.trace_id = opt_id(v, &path.key("traceId"))?,
            "spanId" | "span_id" => rec.span_id = opt_id(v, &path.key("spanId"))?,
            "parentSpanId" | "parent_span_id" => {
                if let Some(p) = opt_id(v, &path.key("parentSpanId"))? {
                    meta.insert("span.parent_span_id".to_string(), Value::String(p));
                }
            }
            "name" => {
                if !v.is_null() {
                    meta.insert("span.name".to_string(), v);
                }
            }
            "kind" => {
                if !v.is_null() {
                    meta.insert("span.kind".to_string(), v);
                }
            }
            "startTimeUnixNano" | "start_time_unix_nano" => {
                start = u64_value(&v, &path.key("startTimeUnixNano"))?
            }
            "endTimeUnixNano" | "end_time_unix_nano" => {
                end = u64_value(&v, &path.key("endTimeUnixNano"))?
            }
            "status" => status = Some(v),
            "events" => events = Some(v),
            _ => {
                let trivial = match &v {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    Value::Number(n) => n.as_u64() == Some(0),
                    Value::Array(a) => a.is_empty(),
                    _ => false,
                };
                if !trivial {
                    meta.insert(format!("span.{k}"), v);
                }
            }
        }
    }
    rec.ts_micros = start.filter(|&n| n > 0).map(|n| (n / 1_000) as i64);
    if let (Some(st), Some(en)) = (start, end) {
        if st > 0 && en >= st {
            rec.latency_ms = Some((en - st) as f64 / 1e6);
        }
    }

    // Attributes.
    let mut response_model = None;
    let (mut input_tokens, mut prompt_tokens) = (None, None);
    let (mut output_tokens, mut completion_tokens) = (None, None);
    let mut provider = None;
    let mut system = None;
    let mut sys_instr = None;
    let mut input_msgs = None;
    let mut output_msgs = None;
    let mut tool_defs = None;
    let mut prompt_json = None;
    let mut completion_json = None;
    let mut error_type = None;
    let mut indexed = Indexed::default();
    for (k, v) in attrs {
        match k.as_str() {
            "gen_ai.request.model" => rec.model = opt_string(v, &ap.attr("gen_ai.request.model"))?,
            "gen_ai.response.model" => {
                response_model = opt_string(v, &ap.attr("gen_ai.response.model"))?
            }
            "gen_ai.usage.input_tokens" => {
                input_tokens = int_value(&v, &ap.attr("gen_ai.usage.input_tokens"))?
            }
            "gen_ai.usage.prompt_tokens" => {
                prompt_tokens = int_value(&v, &ap.attr("gen_ai.usage.prompt_tokens"))?
            }
            "gen_ai.usage.output_tokens" => {
                output_tokens = int_value(&v, &ap.attr("gen_ai.usage.output_tokens"))?
            }
            "gen_ai.usage.completion_tokens" => {
                completion_tokens = int_value(&v, &ap.attr("gen_ai.usage.completion_tokens"))?
            }
            "gen_ai.agent.name" => rec.agent = opt_string(v, &ap.attr("gen_ai.agent.name"))?,
            "gen_ai.provider.name" => provider = Some(v).filter(|v| !v.is_null()),
            "gen_ai.system" => system = Some(v).filter(|v| !v.is_null()),
            "gen_ai.system_instructions" => sys_instr = Some(v),
            "gen_ai.input.messages" => input_msgs = Some(v),
            "gen_ai.output.messages" => output_msgs = Some(v),
            "gen_ai.tool.definitions" => tool_defs = Some(v),
            "gen_ai.prompt" => prompt_json = Some(v),
            "gen_ai.completion" => completion_json = Some(v),
            "error.type" => error_type = Some(v).filter(|v| !v.is_null()),
            _ => {
                if let Some(v) = indexed.take(&k, v) {
                    meta.insert(k, v);
                }
            }
        }
    }
    if let Some(rm) = response_model {
        match &rec.model {
            None => rec.model = Some(rm),
            Some(m) if *m == rm => {}
            Some(_) => {
                meta.insert("gen_ai.response.model".to_string(), Value::String(rm));
            }
        }
    }
    rec.prompt_tokens = input_tokens.or(prompt_tokens);
    rec.completion_tokens = output_tokens.or(completion_tokens);
    match (provider, system) {
        (Some(p), s) => {
            if let Some(s) = s.filter(|s| *s != p) {
                meta.insert("gen_ai.system".to_string(), s);
            }
            meta.insert("gen_ai.provider.name".to_string(), p);
        }
        (None, Some(s)) => {
            meta.insert("gen_ai.provider.name".to_string(), s);
        }
        (None, None) => {}
    }

    // Events.
    let mut ev_messages = Vec::new();
    let mut choices = Vec::new();
    let mut other_events = Vec::new();
    let mut exception_message = None;
    let ep = path.key("events");
    match events {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for (ei, e) in a.into_iter().enumerate() {
                let epi = ep.idx(ei);
                let mut e = match e {
                    Value::Object(e) => e,
                    other => return Err(wrong_type(&epi, "object", &other)),
                };
                let name = match e.remove("name") {
                    Some(Value::String(n)) => n,
                    None | Some(Value::Null) => String::new(),
                    Some(other) => return Err(wrong_type(&epi.key("name"), "string", &other)),
                };
                let eattrs = kv_list(
                    e.remove("attributes").unwrap_or(Value::Null),
                    &epi.key("attributes"),
                )?;
                let body = match e.remove("body") {
                    None | Some(Value::Null) => None,
                    Some(b) => Some(any_value(b, &epi.key("body"))?),
                };
                let default_role = match name.as_str() {
                    "gen_ai.system.message" => Some("system"),
                    "gen_ai.user.message" => Some("user"),
                    "gen_ai.assistant.message" => Some("assistant"),
                    "gen_ai.tool.message" => Some("tool"),
                    _ => None,
                };
                if let Some(role) = default_role {
                    let f = event_fields(eattrs, body, &epi)?;
                    ev_messages.push(message_from_fields(f, role, &epi)?);
                    continue;
                }
                match name.as_str() {
                    "gen_ai.choice" => {
                        let f = event_fields(eattrs, body, &epi)?;
                        choices.push(choice_from_fields(f, &epi)?);
                    }
                    // Semconv 1.26: the prompt / completion as one JSON
                    // attribute of an event.
                    "gen_ai.content.prompt" => {
                        for (k, v) in eattrs {
                            if k == "gen_ai.prompt" {
                                let eap = epi.key("attributes");
                                let p = eap.attr("gen_ai.prompt");
                                let v = embedded_json(v, &p)?;
                                ev_messages.extend(parse_messages(
                                    v,
                                    &p,
                                    &mut meta,
                                    "gen_ai.prompt",
                                )?);
                            }
                        }
                    }
                    "gen_ai.content.completion" => {
                        for (k, v) in eattrs {
                            if k == "gen_ai.completion" {
                                let eap = epi.key("attributes");
                                let p = eap.attr("gen_ai.completion");
                                completion_json = Some(embedded_json(v, &p)?);
                            }
                        }
                    }
                    _ => {
                        if name == "exception" {
                            for (k, v) in &eattrs {
                                if k == "exception.message" {
                                    if let Value::String(m) = v {
                                        exception_message = Some(m.clone());
                                    }
                                }
                            }
                        }
                        let mut ev = Map::new();
                        ev.insert("name".to_string(), Value::String(name));
                        if let Some(t) = e
                            .remove("timeUnixNano")
                            .or_else(|| e.remove("time_unix_nano"))
                        {
                            ev.insert("time_unix_nano".to_string(), t);
                        }
                        if !eattrs.is_empty() {
                            let mut am = Map::new();
                            for (k, v) in eattrs {
                                am.insert(k, v);
                            }
                            ev.insert("attributes".to_string(), Value::Object(am));
                        }
                        if let Some(b) = body {
                            ev.insert("body".to_string(), b);
                        }
                        other_events.push(Value::Object(ev));
                    }
                }
            }
        }
        Some(other) => return Err(wrong_type(&ep, "array", &other)),
    }

    // Messages: newer attributes, else events, else the older attributes.
    if sys_instr.is_some() || input_msgs.is_some() {
        if let Some(v) = sys_instr {
            if let Some(m) = system_instructions(v, &ap.attr("gen_ai.system_instructions"))? {
                rec.messages.push(m);
            }
        }
        if let Some(v) = input_msgs {
            parts_messages(v, &ap.attr("gen_ai.input.messages"), &mut rec.messages)?;
        }
    } else if !ev_messages.is_empty() {
        rec.messages = ev_messages;
    } else if let Some(v) = prompt_json {
        let p = ap.attr("gen_ai.prompt");
        let v = embedded_json(v, &p)?;
        rec.messages = parse_messages(v, &p, &mut meta, "gen_ai.prompt")?;
    } else if !indexed.prompts.is_empty() {
        let p = ap.attr("gen_ai.prompt");
        for (i, m) in std::mem::take(&mut indexed.prompts) {
            let pi = p.idx(i);
            rec.messages.push(indexed_message(m, "user", &pi)?);
        }
    }

    // Response: newer attribute, else choice events, else older forms.
    let mut finish_reason = None;
    if let Some(v) = output_msgs {
        apply_output_messages(&mut rec, v, &ap.attr("gen_ai.output.messages"), &mut meta)?;
    } else if !choices.is_empty() {
        choices.sort_by_key(|c| c.index);
        let mut it = choices.into_iter();
        if let Some(first) = it.next() {
            rec.response_content = first.message.content;
            rec.response_tool_calls = first.message.tool_calls;
            finish_reason = first.finish_reason;
        }
        let extra: Vec<Value> = it.map(choice_value).collect();
        if !extra.is_empty() {
            meta.insert("response.extra_choices".to_string(), Value::Array(extra));
        }
    } else if let Some(v) = completion_json {
        let p = ap.attr("gen_ai.completion");
        match embedded_json(v, &p)? {
            Value::Array(a) => {
                let mut extra = Vec::new();
                for (i, c) in a.into_iter().enumerate() {
                    if i > 0 {
                        extra.push(c);
                        continue;
                    }
                    match c {
                        Value::Object(o) => {
                            let ch = choice_from_fields(o, &p.idx(0))?;
                            rec.response_content = ch.message.content;
                            rec.response_tool_calls = ch.message.tool_calls;
                            finish_reason = ch.finish_reason;
                        }
                        Value::String(s) => rec.response_content = Some(s),
                        other => return Err(wrong_type(&p.idx(0), "object", &other)),
                    }
                }
                if !extra.is_empty() {
                    meta.insert("response.extra_choices".to_string(), Value::Array(extra));
                }
            }
            Value::Object(o) => {
                let ch = choice_from_fields(o, &p)?;
                rec.response_content = ch.message.content;
                rec.response_tool_calls = ch.message.tool_calls;
                finish_reason = ch.finish_reason;
            }
            Value::String(s) => rec.response_content = Some(s),
            Value::Null => {}
            other => return Err(wrong_type(&p, "array or object", &other)),
        }
    } else if !indexed.completions.is_empty() {
        let p = ap.attr("gen_ai.completion");
        let mut extra = Vec::new();
        for (n, (i, mut m)) in std::mem::take(&mut indexed.completions)
            .into_iter()
            .enumerate()
        {
            if n > 0 {
                let mut o = std::mem::take(&mut m.fields);
                if !m.tool_calls.is_empty() {
                    let calls: Vec<Value> = m.tool_calls.into_values().map(Value::Object).collect();
                    o.insert("tool_calls".to_string(), Value::Array(calls));
                }
                extra.push(Value::Object(o));
                continue;
            }
            finish_reason = m.fields.remove("finish_reason").filter(|v| !v.is_null());
            let msg = indexed_message(m, "assistant", &p.idx(i))?;
            rec.response_content = msg.content;
            rec.response_tool_calls = msg.tool_calls;
        }
        if !extra.is_empty() {
            meta.insert("response.extra_choices".to_string(), Value::Array(extra));
        }
    }
    if let Some(fr) = finish_reason {
        meta.insert("response.finish_reason".to_string(), fr);
    }

    // Tools.
    let mut defs = Vec::new();
    if let Some(v) = tool_defs {
        let p = ap.attr("gen_ai.tool.definitions");
        let v = embedded_json(v, &p)?;
        normalize_tools(v, &p, &mut defs)?;
    } else if !indexed.functions.is_empty() {
        for (_, mut f) in std::mem::take(&mut indexed.functions) {
            // The parameters schema is a JSON string; keep it as text if it is not JSON.
            if let Some(Value::String(s)) = f.get("parameters") {
                if let Ok(p) = serde_json::from_str::<Value>(s) {
                    f.insert("parameters".to_string(), p);
                }
            }
            let mut w = Map::new();
            w.insert("type".to_string(), Value::String("function".to_string()));
            w.insert("function".to_string(), Value::Object(f));
            defs.push(Value::Object(w));
        }
    }
    if !defs.is_empty() {
        rec.tools = Some(to_json_text(&Value::Array(defs)));
    }

    // Status.
    let mut status_message = None;
    let mut is_error = false;
    match status {
        None | Some(Value::Null) => {}
        Some(Value::Object(mut st)) => {
            if let Some(code) = st.remove("code") {
                is_error = status_is_error(&code);
            }
            status_message = match st.remove("message") {
                None => None,
                Some(v) => {
                    opt_string(v, &path.key("status").key("message"))?.filter(|m| !m.is_empty())
                }
            };
        }
        Some(other) => return Err(wrong_type(&path.key("status"), "object", &other)),
    }
    if is_error || error_type.is_some() {
        rec.status = "error".to_string();
        rec.error = status_message.or(exception_message);
        if rec.error.is_none() {
            rec.error = match error_type.take() {
                Some(Value::String(s)) => Some(s),
                Some(other) => Some(to_json_text(&other)),
                None => None,
            };
        }
    } else {
        rec.status = "ok".to_string();
    }
    if let Some(et) = error_type {
        meta.insert("error.type".to_string(), et);
    }

    // Agent: gen_ai.agent.name, else the resource's service.name.
    let mut used_service_name = false;
    if rec.agent.is_none() {
        for (k, v) in resource_attrs {
            if k == "service.name" {
                if let Value::String(sn) = v {
                    rec.agent = Some(sn.clone());
                    used_service_name = true;
                }
            }
        }
    }
    for (k, v) in resource_attrs {
        if used_service_name && k == "service.name" {
            continue;
        }
        meta.insert(format!("resource.{k}"), v.clone());
    }
    if let Some(n) = &scope.name {
        meta.insert("scope.name".to_string(), n.clone());
    }
    if let Some(v) = &scope.version {
        meta.insert("scope.version".to_string(), v.clone());
    }
    for (k, v) in &scope.attrs {
        meta.insert(format!("scope.{k}"), v.clone());
    }
    if !other_events.is_empty() {
        meta.insert("span.events".to_string(), Value::Array(other_events));
    }
    if !meta.is_empty() {
        rec.metadata = Some(to_json_text(&Value::Object(meta)));
    }
    Ok(Some(rec))
}

pub(super) fn choice_value(c: Choice) -> Value {
    let mut o = Map::new();
    o.insert("index".to_string(), Value::Number(c.index.into()));
    if let Some(fr) = c.finish_reason {
        o.insert("finish_reason".to_string(), fr);
    }
    let mut m = Map::new();
    m.insert("role".to_string(), Value::String(c.message.role));
    if let Some(t) = c.message.content {
        m.insert("content".to_string(), Value::String(t));
    }
    if let Some(t) = c.message.tool_calls {
        m.insert(
            "tool_calls".to_string(),
            serde_json::from_str(&t).unwrap_or(Value::String(t)),
        );
    }
    o.insert("message".to_string(), Value::Object(m));
    Value::Object(o)
}

//! Fine-tuning LoRA adapters on the small LM. So far: the differentiable
//! Llama with LoRA (`model.rs`); the `finetune` task comes next (issue 4).

pub mod model;

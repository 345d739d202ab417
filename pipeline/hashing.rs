//! Content digests: the one sha256 the pipeline names things by (dataset
//! and adapter versions, ingested objects, registry files, pruned prefixes).

use sha2::{Digest, Sha256};

/// sha256 of `data`, lower-case hex.
pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_and_bytes_hash_alike() {
        assert_eq!(super::sha256_hex("abc"), super::sha256_hex(b"abc"));
        assert_eq!(super::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}

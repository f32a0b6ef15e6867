//! Pictures people upload (avatars): checked, decoded and re-encoded, so that what we serve is always a
//! plain PNG of bounded size, whatever was sent (no metadata, no polyglot files, no decompression bombs).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{ImageFormat, ImageReader, Limits};

use crate::error::{Error, Result};

/// Largest avatar file accepted.
pub const MAX_AVATAR_BYTES: usize = 2 * 1024 * 1024;
/// Avatars are stored at most this wide and high.
pub const AVATAR_SIZE: u32 = 400;
/// Largest picture decoded, in pixels per side.
const MAX_SIDE: u32 = 6_000;

/// The folder under the data directory where uploaded files live.
pub fn media_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// Turns an uploaded file into the PNG we store: PNG or JPEG in, at most [`AVATAR_SIZE`] pixels per side out.
pub fn avatar_png(bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.is_empty() {
        return Err(Error::invalid("avatar", "the file is empty"));
    }
    if bytes.len() > MAX_AVATAR_BYTES {
        return Err(too_large());
    }
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg))
        .ok_or_else(|| Error::invalid("avatar", "must be a PNG or JPEG picture"))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let picture = reader
        .decode()
        .map_err(|_| Error::invalid("avatar", "the picture could not be read"))?;
    let picture = if picture.width() > AVATAR_SIZE || picture.height() > AVATAR_SIZE {
        picture.thumbnail(AVATAR_SIZE, AVATAR_SIZE)
    } else {
        picture
    };
    let mut out = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(Error::internal)?;
    Ok(out)
}

pub fn too_large() -> Error {
    Error::invalid(
        "avatar",
        format!("must be at most {} MB", MAX_AVATAR_BYTES / (1024 * 1024)),
    )
}

/// Stores a processed avatar and returns its file name (random, so that a new avatar gets a new URL and
/// caches never show the old one).
pub async fn store_avatar(data_dir: &Path, png: Vec<u8>) -> Result<String> {
    let dir = media_dir(data_dir);
    let name = format!("{}.png", crate::civic::tokens::random_code(16));
    let path = dir.join(&name);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(Error::internal)?;
    tokio::fs::write(&path, png)
        .await
        .map_err(Error::internal)?;
    Ok(name)
}

/// Whether a name is one [`store_avatar`] could have made: the only files ever served from the media folder.
pub fn is_media_name(name: &str) -> bool {
    name.strip_suffix(".png").is_some_and(|stem| {
        !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// Removes a stored file; a file already gone is not an error.
pub async fn remove(data_dir: &Path, name: &str) {
    if is_media_name(name)
        && let Err(e) = tokio::fs::remove_file(media_dir(data_dir).join(name)).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, name, "could not remove a media file");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_pixel(width, height, image::Rgb([10, 80, 160]));
        let mut out = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn large_pictures_are_scaled_down_small_ones_kept() {
        let out = avatar_png(&png(1200, 600)).unwrap();
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (400, 200));
        let out = avatar_png(&png(64, 64)).unwrap();
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (64, 64));
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        let not_image = avatar_png(b"<svg onload=alert(1)></svg>").unwrap_err();
        assert!(not_image.to_string().contains("PNG or JPEG"), "{not_image}");
        let gif = avatar_png(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap_err();
        assert!(gif.to_string().contains("PNG or JPEG"), "{gif}");
        let mut truncated = png(50, 50);
        truncated.truncate(60);
        let broken = avatar_png(&truncated).unwrap_err();
        assert!(broken.to_string().contains("could not be read"), "{broken}");
        let big = vec![0u8; MAX_AVATAR_BYTES + 1];
        assert!(avatar_png(&big).unwrap_err().to_string().contains("2 MB"));
        assert!(avatar_png(&[]).is_err());
    }

    #[test]
    fn a_decompression_bomb_is_refused() {
        // A valid PNG header claiming 100,000 × 100,000 pixels.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(avatar_png(&bomb).is_err());
    }

    #[test]
    fn only_generated_names_are_media_names() {
        assert!(is_media_name("aB3-_x.png"));
        assert!(!is_media_name("../secret.png"));
        assert!(!is_media_name("a.svg"));
        assert!(!is_media_name(".png"));
    }
}

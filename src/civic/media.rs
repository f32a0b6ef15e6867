//! Pictures people upload — avatars, the commune's icon, the photos of problem reports — in one place:
//! checked (JPEG, PNG or WebP, within a size), decoded with limits (no decompression bombs), turned upright
//! as the camera said, and re-encoded, so that what we serve is always a plain picture of bounded size,
//! whatever was sent: no EXIF or GPS metadata survives (the encoders write none), no polyglot file, no
//! script.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::error::{Error, Result};

/// Largest avatar file accepted.
pub const MAX_AVATAR_BYTES: usize = 2 * 1024 * 1024;
/// Avatars are stored at most this wide and high.
pub const AVATAR_SIZE: u32 = 400;
/// Photos of problem reports are stored at most this wide and high…
pub const PHOTO_SIZE: u32 = 1600;
/// …with a thumbnail at most this wide and high.
pub const THUMB_SIZE: u32 = 400;
/// Largest picture decoded, in pixels per side.
pub const MAX_SIDE: u32 = 8_000;
/// Memory a decoder may take.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// The folder under the data directory where uploaded files live.
pub fn media_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// Decodes an uploaded picture: JPEG, PNG or WebP, at most `max_bytes`, within the pixel and memory limits,
/// turned as its EXIF orientation says. Errors name `field`.
pub fn decode(bytes: &[u8], max_bytes: usize, field: &'static str) -> Result<DynamicImage> {
    if bytes.is_empty() {
        return Err(Error::invalid(field, "the file is empty"));
    }
    if bytes.len() > max_bytes {
        return Err(too_large_for(field, max_bytes));
    }
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP))
        .ok_or_else(|| Error::invalid(field, "must be a JPEG, PNG or WebP picture"))?;
    let unreadable = || Error::invalid(field, "the picture could not be read");
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder = reader.into_decoder().map_err(|_| unreadable())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    decoder.set_limits(limits).map_err(|_| unreadable())?;
    let orientation = decoder.orientation().ok();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|_| unreadable())?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    Ok(picture)
}

/// The size of a picture of `width` × `height` fitted in a square of `side`: unchanged when it fits, else
/// scaled down keeping its proportions (each side rounded, at least 1).
pub fn fitted(width: u32, height: u32, side: u32) -> (u32, u32) {
    if width <= side && height <= side {
        return (width, height);
    }
    let ratio = f64::from(side) / f64::from(width.max(height));
    let scaled = |n: u32| ((f64::from(n) * ratio).round() as u32).clamp(1, side);
    (scaled(width), scaled(height))
}

fn fit(picture: &DynamicImage, side: u32) -> DynamicImage {
    let (width, height) = fitted(picture.width(), picture.height(), side);
    if (width, height) == (picture.width(), picture.height()) {
        picture.clone()
    } else {
        picture.thumbnail_exact(width, height)
    }
}

fn encode(picture: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        // JPEG has no alpha: photos are flattened to RGB.
        ImageFormat::Jpeg => DynamicImage::ImageRgb8(picture.to_rgb8())
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg),
        other => picture.write_to(&mut Cursor::new(&mut out), other),
    }
    .map_err(Error::internal)?;
    Ok(out)
}

/// Turns an uploaded file into the PNG we store as an avatar (or icon): at most [`AVATAR_SIZE`] per side.
pub fn avatar_png(bytes: &[u8]) -> Result<Vec<u8>> {
    let picture = decode(bytes, MAX_AVATAR_BYTES, "avatar")?;
    encode(&fit(&picture, AVATAR_SIZE), ImageFormat::Png)
}

/// A photo as stored: a JPEG at most [`PHOTO_SIZE`] per side and its thumbnail.
#[derive(Debug)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Turns an uploaded photo into what we store (errors name `field`).
pub fn photo(bytes: &[u8], max_bytes: usize, field: &'static str) -> Result<Photo> {
    let picture = decode(bytes, max_bytes, field)?;
    let full = fit(&picture, PHOTO_SIZE);
    Ok(Photo {
        jpeg: encode(&full, ImageFormat::Jpeg)?,
        thumb: encode(&fit(&full, THUMB_SIZE), ImageFormat::Jpeg)?,
        width: full.width(),
        height: full.height(),
    })
}

fn too_large_for(field: &'static str, max_bytes: usize) -> Error {
    Error::invalid(
        field,
        format!("must be at most {} MB", max_bytes.div_ceil(1024 * 1024)),
    )
}

pub fn too_large() -> Error {
    too_large_for("avatar", MAX_AVATAR_BYTES)
}

/// Where stored photos live under the media folder: each kind has its own, so that a route serving one
/// kind (with its own rule of who may see it) can never serve another's file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folder {
    /// The photos of problem reports.
    Photos,
    /// The pictures attached to posts.
    Attachments,
}

impl Folder {
    fn path(self, data_dir: &Path) -> PathBuf {
        media_dir(data_dir).join(match self {
            Folder::Photos => "photos",
            Folder::Attachments => "attachments",
        })
    }
}

/// Stores a photo and its thumbnail in `folder`; returns their file names.
pub async fn store_photo(
    data_dir: &Path,
    folder: Folder,
    photo: &Photo,
) -> Result<(String, String)> {
    let dir = folder.path(data_dir);
    let stem = crate::civic::tokens::random_code(16);
    let (file, thumb) = (format!("{stem}.jpg"), format!("{stem}-thumb.jpg"));
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(Error::internal)?;
    for (name, bytes) in [(&file, &photo.jpeg), (&thumb, &photo.thumb)] {
        tokio::fs::write(dir.join(name), bytes)
            .await
            .map_err(Error::internal)?;
    }
    Ok((file, thumb))
}

/// Whether a name is one [`store_photo`] could have made.
pub fn is_photo_name(name: &str) -> bool {
    name.strip_suffix(".jpg").is_some_and(|stem| {
        !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// The path of a stored photo in `folder`, if the name is one of ours.
pub fn photo_path(data_dir: &Path, folder: Folder, name: &str) -> Option<PathBuf> {
    is_photo_name(name).then(|| folder.path(data_dir).join(name))
}

/// Removes stored photos from `folder`; a file already gone is not an error.
pub async fn remove_photos(data_dir: &Path, folder: Folder, names: &[String]) {
    for name in names {
        if let Some(path) = photo_path(data_dir, folder, name)
            && let Err(e) = tokio::fs::remove_file(path).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, name, "could not remove a photo");
        }
    }
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

/// [`avatar_png`], off the async threads.
pub async fn make_avatar(bytes: Vec<u8>) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || avatar_png(&bytes))
        .await
        .map_err(Error::internal)?
}

/// Stores an avatar (or icon) made by [`make_avatar`], has `set` record its public URL, and removes the
/// file it replaces (or the new one, when `set` fails).
pub async fn replace_picture<F, Fut>(
    data_dir: &Path,
    base: &url::Url,
    png: Vec<u8>,
    set: F,
) -> Result<()>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>>>,
{
    let name = store_avatar(data_dir, png).await?;
    let mut url = base.clone();
    url.set_path(&format!("/media/{name}"));
    let previous = match set(url.to_string()).await {
        Ok(previous) => previous,
        Err(e) => {
            remove(data_dir, &name).await;
            return Err(e);
        }
    };
    if let Some(previous) = previous.and_then(|p| p.rsplit('/').next().map(str::to_string)) {
        remove(data_dir, &previous).await;
    }
    Ok(())
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

/// The largest PDF of minutes accepted.
pub const MAX_PDF_BYTES: usize = 20 * 1024 * 1024;

/// Checks that uploaded bytes are a PDF (its `%PDF-` header, whatever name or type the browser gave) and
/// not larger than [`MAX_PDF_BYTES`].
pub fn check_pdf(bytes: &[u8], field: &'static str) -> Result<()> {
    if bytes.len() > MAX_PDF_BYTES {
        return Err(too_large_for(field, MAX_PDF_BYTES));
    }
    // The header may follow a few bytes of garbage (readers look within the first kilobyte).
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(Error::invalid(field, "must be a PDF file"));
    }
    Ok(())
}

/// Stores a PDF under `media/minutes`; returns its file name (random, so that a corrected file gets a new
/// URL).
pub async fn store_pdf(data_dir: &Path, bytes: &[u8]) -> Result<String> {
    let dir = media_dir(data_dir).join("minutes");
    let name = format!("{}.pdf", crate::civic::tokens::random_code(16));
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(Error::internal)?;
    tokio::fs::write(dir.join(&name), bytes)
        .await
        .map_err(Error::internal)?;
    Ok(name)
}

/// The path of a stored PDF, if the name is one [`store_pdf`] could have made.
pub fn pdf_path(data_dir: &Path, name: &str) -> Option<PathBuf> {
    let ours = name.strip_suffix(".pdf").is_some_and(|stem| {
        !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    ours.then(|| media_dir(data_dir).join("minutes").join(name))
}

/// Removes a stored PDF; a file already gone is not an error.
pub async fn remove_pdf(data_dir: &Path, name: &str) {
    if let Some(path) = pdf_path(data_dir, name)
        && let Err(e) = tokio::fs::remove_file(path).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, name, "could not remove a PDF");
    }
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
        assert!(
            not_image.to_string().contains("JPEG, PNG or WebP"),
            "{not_image}"
        );
        let gif = avatar_png(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap_err();
        assert!(gif.to_string().contains("JPEG, PNG or WebP"), "{gif}");
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

    /// A JPEG with an EXIF block carrying GPS coordinates and an orientation (rotated 90°), written by hand:
    /// the encoder of the `image` crate writes none.
    fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut plain = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut plain), ImageFormat::Jpeg)
            .unwrap();
        // TIFF, big-endian: one IFD with Orientation = 6 (rotate 90° clockwise) and a GPS IFD pointer.
        let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
        tiff.extend_from_slice(&[0x00, 0x02]);
        tiff.extend_from_slice(&[
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
        ]);
        tiff.extend_from_slice(&[
            0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x26,
        ]);
        tiff.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]);
        // GPS IFD: GPSLatitudeRef = "N".
        tiff.extend_from_slice(&[0x00, 0x01]);
        tiff.extend_from_slice(&[
            0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0x00, 0x00, 0x00,
        ]);
        tiff.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]);
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend_from_slice(&tiff);
        let len = (app1.len() + 2) as u16;
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    #[test]
    fn a_photo_loses_its_metadata_and_stands_upright() {
        let sent = jpeg_with_exif(300, 100);
        assert!(sent.windows(4).any(|w| w == b"Exif"));
        let stored = photo(&sent, 8 * 1024 * 1024, "photo").unwrap();
        for bytes in [&stored.jpeg, &stored.thumb] {
            assert!(!bytes.windows(4).any(|w| w == b"Exif"), "metadata kept");
            assert_eq!(image::guess_format(bytes).unwrap(), ImageFormat::Jpeg);
        }
        // Orientation 6: the 300 × 100 picture is shown 100 × 300.
        assert_eq!((stored.width, stored.height), (100, 300));
        let big = photo(&png(4000, 2000), 8 * 1024 * 1024, "photo").unwrap();
        assert_eq!((big.width, big.height), (PHOTO_SIZE, PHOTO_SIZE / 2));
        let thumb = image::load_from_memory(&big.thumb).unwrap();
        assert_eq!(
            (thumb.width(), thumb.height()),
            (THUMB_SIZE, THUMB_SIZE / 2)
        );
        let too_big = photo(&png(10, 10), 10, "photo").unwrap_err();
        assert!(
            matches!(too_big, Error::Invalid { field: "photo", .. }),
            "{too_big}"
        );
    }

    #[test]
    fn the_size_of_a_thumbnail_is_known_without_making_it() {
        for (w, h) in [
            (1000, 334),
            (334, 1000),
            (4000, 2000),
            (401, 1),
            (64, 64),
            (1601, 1600),
        ] {
            let made = fit(&DynamicImage::new_rgb8(w, h), THUMB_SIZE);
            assert_eq!(
                (made.width(), made.height()),
                fitted(w, h, THUMB_SIZE),
                "{w} × {h}"
            );
        }
        assert_eq!(fitted(1000, 334, 400), (400, 134));
    }

    #[test]
    fn webp_is_read() {
        let picture = image::RgbaImage::from_pixel(20, 10, image::Rgba([1, 2, 3, 255]));
        let mut webp = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut webp), ImageFormat::WebP)
            .unwrap();
        let stored = photo(&webp, 1024 * 1024, "photo").unwrap();
        assert_eq!((stored.width, stored.height), (20, 10));
    }

    #[test]
    fn only_generated_names_are_media_names() {
        assert!(is_photo_name("aB3-_x-thumb.jpg"));
        assert!(!is_photo_name("../x.jpg"));
        assert!(is_media_name("aB3-_x.png"));
        assert!(!is_media_name("../secret.png"));
        assert!(!is_media_name("a.svg"));
        assert!(!is_media_name(".png"));
    }
}

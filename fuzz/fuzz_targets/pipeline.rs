//! The whole pipeline under arbitrary requests: the first bytes choose the variants (geometry,
//! format, quality, progressive, filter) and the EXIF policy, the rest is the image. Every
//! combination must give well-formed outputs, in request order, or an error.
#![no_main]

use downsize::{Geometry, MetadataPolicy, Request, Variant};
use downsize_fuzz::{check_outputs, fuzz_engine, small_image};
use libfuzzer_sys::fuzz_target;

/// Bytes that describe one variant.
const VARIANT_BYTES: usize = 5;
const FILTERS: [&str; 6] = [
    "box",
    "bilinear",
    "hamming",
    "catmullrom",
    "mitchell",
    "lanczos3",
];

/// A variant spec from five bytes, written as a user would, so `Variant::parse` is fuzzed too.
fn spec(b: &[u8]) -> String {
    let size = u32::from(u16::from_le_bytes([b[1], b[2]]) % 4096) + 1;
    let mut spec = match b[0] % 5 {
        0 => "half".to_owned(),
        1 => format!("scale:{}", (f64::from(b[1]) + 1.0) / 256.0),
        2 => format!("w{size}"),
        3 => format!("h{size}"),
        _ => format!("fit:{size}x{}", u32::from(b[3]) * 16 + 1),
    };
    match (b[0] >> 3) % 3 {
        0 => {}
        1 => spec.push_str("@jpeg"),
        _ => spec.push_str("@png"),
    }
    if b[0] & 0x80 != 0 {
        spec.push_str("@progressive");
    }
    spec.push_str(&format!("@q{}", b[4] % 100 + 1));
    spec.push_str(&format!(
        "@filter={}",
        FILTERS[usize::from(b[3]) % FILTERS.len()]
    ));
    spec
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from(head % 3) + 1;
    if rest.len() < count * VARIANT_BYTES {
        return;
    }
    let (options, image) = rest.split_at(count * VARIANT_BYTES);
    let variants: Vec<Variant> = options
        .chunks_exact(VARIANT_BYTES)
        .map(|b| {
            let spec = spec(b);
            let v = Variant::parse(&spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(Variant::parse(&v.to_string()).as_ref(), Ok(&v), "{spec}");
            if let Geometry::Scale(s) = v.geometry {
                assert!(s > 0.0 && s <= 1.0, "{spec}");
            }
            v
        })
        .collect();
    if small_image(image, None).is_none() {
        return;
    }
    let request = Request {
        variants,
        metadata: if head & 0x80 != 0 {
            MetadataPolicy::KeepExif
        } else {
            MetadataPolicy::Strip
        },
    };
    if let Ok(outputs) = fuzz_engine().process(image, &request) {
        assert_eq!(outputs.len(), request.variants.len());
        for (out, v) in outputs.iter().zip(&request.variants) {
            assert_eq!(out.variant, v.name);
        }
        check_outputs(&outputs);
    }
});

//! The resize stage split over threads (bands of output rows, used on Lambdas with more than one
//! vCPU) must give the same pixels as one thread, within a rounding step: each band reads the
//! source rows its filter needs beyond its own window, so there is no seam.

#![allow(clippy::unwrap_used)]

/// Largest difference of one 8-bit sample between banded and whole-image resizes. A band computes
/// its kernel centres from its own first row, which can differ from the whole image's in the last
/// bit and move one weight by one rounding step (measured: 231 of 630,000 samples off by 1 in
/// one case of 48, the rest identical). A seam would show as tens of levels.
const MAX_SAMPLE_DIFFERENCE: u8 = 1;

use downsize::{Engine, Filter, Limits, OutputFormat, Request, Variant};

mod common;

fn corpus(path: &str) -> Vec<u8> {
    common::read_corpus(path)
}

fn png_variant(spec: &str, filter: Filter) -> Request {
    let mut v = Variant::parse(spec).unwrap();
    v.format = OutputFormat::Png;
    v.filter = filter;
    Request::single(v)
}

#[test]
fn two_and_three_threads_match_one() {
    let inputs = [
        "photos/canon-powershot-a85_1704x2272_4mp_orient8.jpg",
        "png-variants/kodim23_photo.png",
        "png-variants/lorem-ipsum-screenshot_rgba.png",
    ];
    let limits = Limits::for_memory_mb(2048);
    let mut single = Engine::new(limits);
    let mut compared = 0;
    let mut worst = 0u8;
    for name in inputs {
        let path = common::corpus_path(name);
        if !path.exists() {
            continue;
        }
        let input = corpus(name);
        for threads in [2, 3] {
            let mut multi = Engine::new(limits).with_threads(threads);
            for spec in ["half", "w370", "scale:0.3", "fit:600x300"] {
                for filter in [Filter::Lanczos3, Filter::Box, Filter::Mitchell] {
                    let request = png_variant(spec, filter);
                    let a = single.process(&input, &request).unwrap();
                    let b = multi.process(&input, &request).unwrap();
                    assert_eq!((a[0].width, a[0].height), (b[0].width, b[0].height));
                    let (pa, pb) = (decode_png(&a[0].bytes), decode_png(&b[0].bytes));
                    let max = pa
                        .iter()
                        .zip(&pb)
                        .map(|(x, y)| x.abs_diff(*y))
                        .max()
                        .unwrap_or(0);
                    let differing = pa.iter().zip(&pb).filter(|(x, y)| x != y).count();
                    if max > 0 {
                        println!("{name} {spec} {filter:?}, {threads} threads: {differing} of {} samples differ, by at most {max}", pa.len());
                    }
                    worst = worst.max(max);
                    compared += 1;
                }
            }
        }
    }
    assert!(
        worst <= MAX_SAMPLE_DIFFERENCE,
        "threads differ from one by up to {worst}"
    );
    assert!(
        compared >= 24,
        "only {compared} comparisons ran: corpus files missing"
    );
}

fn decode_png(bytes: &[u8]) -> Vec<u8> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut buf).unwrap();
    buf
}

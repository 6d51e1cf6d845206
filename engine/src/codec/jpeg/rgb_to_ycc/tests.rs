//! The colour family's proofs: the matrix is JFIF's within rounding on every RGB value and
//! libjpeg's at hand-computed points, the box filters keep libjpeg's bias and edge rule, and
//! every SIMD path equals the scalar twin bit for bit.

use super::*;
use crate::codec::jpeg::fdct::tests::Rng;

fn convert(path: SimdPath, rgb: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let n = rgb.len() / 3;
    let (mut y, mut cb, mut cr) = (vec![0; n], vec![0; n], vec![0; n]);
    rgb_row(path, rgb, &mut y, &mut cb, &mut cr);
    (y, cb, cr)
}

/// Rows of every kind the kernels must agree on: random, flat extremes, checkerboards and
/// runs of the colour cube's corners, at widths around every vector length.
fn test_rows(rng: &mut Rng, bytes_per_sample: usize) -> Vec<Vec<u8>> {
    let mut rows = Vec::new();
    for width in (0..70).chain([127, 128, 129, 255, 256, 257, 1001]) {
        let len = width * bytes_per_sample;
        rows.push((0..len).map(|_| rng.byte()).collect());
        rows.push(vec![0; len]);
        rows.push(vec![255; len]);
        rows.push(
            (0..len)
                .map(|i| {
                    if (i / bytes_per_sample).is_multiple_of(2) {
                        0
                    } else {
                        255
                    }
                })
                .collect(),
        );
        rows.push(
            (0..len)
                .map(|_| if rng.below(2) == 0 { 0 } else { 255 })
                .collect(),
        );
    }
    rows
}

#[test]
fn matrix_is_jfif_within_rounding_for_every_rgb() {
    for r in 0..=255u8 {
        for g in 0..=255u8 {
            for b in 0..=255u8 {
                let [y, cb, cr] = scalar::pixel(r, g, b);
                let (rf, gf, bf) = (f64::from(r), f64::from(g), f64::from(b));
                let yf = 0.299 * rf + 0.587 * gf + 0.114 * bf;
                let cbf = -0.168_736 * rf - 0.331_264 * gf + 0.5 * bf + 128.0;
                let crf = 0.5 * rf - 0.418_688 * gf - 0.081_312 * bf + 128.0;
                for (got, want) in [(y, yf), (cb, cbf), (cr, crf)] {
                    assert!(
                        (f64::from(got) - want).abs() < 0.51,
                        "{r} {g} {b}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn hand_computed_pixels() {
    assert_eq!(scalar::pixel(0, 0, 0), [0, 128, 128]);
    assert_eq!(scalar::pixel(255, 255, 255), [255, 128, 128]);
    // (19595 * 255 + 32768) >> 16 = 76; (-11059 * 255 + 8421375) >> 16 = 85;
    // (32768 * 255 + 8421375) >> 16 = 255 (the fudge keeps it from 256).
    assert_eq!(scalar::pixel(255, 0, 0), [76, 85, 255]);
    assert_eq!(scalar::pixel(0, 0, 255), [29, 255, 107]);
    assert_eq!(scalar::pixel(0, 255, 0), [150, 44, 21]);
}

#[test]
fn downsampling_keeps_libjpeg_bias_and_edges() {
    let mut out = [0u8; 3];
    // Sums 2 (bias 1 -> 3 >> 2 = 0), 2 (bias 2 -> 4 >> 2 = 1), then the odd last column with
    // itself: 4 * 5 + 1 = 21 >> 2 = 5.
    downsample_2x2_row(
        SimdPath::Scalar,
        &[1, 0, 1, 0, 5],
        &[0, 1, 0, 1, 5],
        &mut out,
    );
    assert_eq!(out, [0, 1, 5]);
    // Sums 1 (bias 0 -> 0), 1 (bias 1 -> 1), the last column with itself: 7.
    downsample_2x1_row(SimdPath::Scalar, &[1, 0, 0, 1, 7], &mut out);
    assert_eq!(out, [0, 1, 7]);
    // Output longer than the input needs: the tail is untouched.
    let mut long = [9u8; 4];
    downsample_2x1_row(SimdPath::Scalar, &[2, 2], &mut long);
    assert_eq!(long, [2, 9, 9, 9]);
    downsample_2x2_row(SimdPath::Scalar, &[], &[3], &mut long);
    assert_eq!(long, [2, 9, 9, 9]);
}

#[test]
fn lengths_clip_instead_of_panicking() {
    for path in SimdPath::ALL {
        let (mut y, mut cb, mut cr) = ([1u8; 40], [1u8; 3], [1u8; 40]);
        rgb_row(path, &[255; 3 * 33 + 2], &mut y, &mut cb, &mut cr);
        assert_eq!(cb, [128; 3]);
        assert_eq!(y[..3], [255; 3]);
        assert_eq!(y[3..], [1; 37]);
        let mut out = [0u8; 5];
        downsample_2x2_row(path, &[8; 9], &[8; 3], &mut out);
        assert_eq!(out, [8, 8, 0, 0, 0]);
    }
}

#[test]
fn every_path_equals_the_scalar_twin() {
    let mut rng = Rng::new(11);
    let rgb_rows = test_rows(&mut rng, 3);
    let rows = test_rows(&mut rng, 1);
    for path in SimdPath::supported() {
        for rgb in &rgb_rows {
            assert_eq!(
                convert(path, rgb),
                convert(SimdPath::Scalar, rgb),
                "{path:?}"
            );
        }
        for pair in rows.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let n = a.len().div_ceil(2);
            let (mut want, mut got) = (vec![0; n], vec![0; n]);
            downsample_2x1_row(SimdPath::Scalar, a, &mut want);
            downsample_2x1_row(path, a, &mut got);
            assert_eq!(got, want, "{path:?} 2x1 of {}", a.len());
            if a.len() == b.len() {
                downsample_2x2_row(SimdPath::Scalar, a, b, &mut want);
                downsample_2x2_row(path, a, b, &mut got);
                assert_eq!(got, want, "{path:?} 2x2 of {}", a.len());
            }
        }
    }
}

/// Throughput on one 2016-pixel row per path:
/// `cargo test -p downsize --lib rgb_to_ycc::tests::measure -- --ignored --nocapture`.
#[test]
#[ignore = "measurement, not a check"]
fn measure_rows() {
    use crate::codec::jpeg::fdct::tests::{measured_paths, median_ns_per_call};
    const W: usize = 2016;
    let mut rng = Rng::new(10);
    let rgb: Vec<u8> = (0..3 * W).map(|_| rng.byte()).collect();
    let (mut y, mut cb, mut cr) = (vec![0u8; W], vec![0u8; W], vec![0u8; W]);
    let mut half = vec![0u8; W / 2];
    for path in measured_paths() {
        let ns = median_ns_per_call(|| {
            rgb_row(path, std::hint::black_box(&rgb), &mut y, &mut cb, &mut cr);
            std::hint::black_box((&mut y, &mut cb, &mut cr));
        }) / W as f64;
        let ns2x2 = median_ns_per_call(|| {
            downsample_2x2_row(path, std::hint::black_box(&cb), &cr, &mut half);
            std::hint::black_box(&mut half);
        }) / (W / 2) as f64;
        let ns2x1 = median_ns_per_call(|| {
            downsample_2x1_row(path, std::hint::black_box(&cb), &mut half);
            std::hint::black_box(&mut half);
        }) / (W / 2) as f64;
        println!(
            "{:>6}: rgb_row {ns:5.2} ns/pixel ({:6.0} M pixels/s); downsample 2x2 {ns2x2:5.2}, \
             2x1 {ns2x1:5.2} ns/output",
            path.as_str(),
            1e3 / ns
        );
    }
}

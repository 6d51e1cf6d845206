//! The FDCT family's proofs: the reciprocal division is exact, no 16-bit lane can wrap, the
//! scalar twin equals libjpeg's integer FDCT and is close to the real DCT, and every SIMD path
//! equals the scalar twin bit for bit.

use super::*;

/// SplitMix64: a small deterministic generator, so failures reproduce.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn byte(&mut self) -> u8 {
        (self.next_u64() >> 56) as u8
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// libjpeg's rounding division of a DCT output by 8 * q, written plainly.
fn divide(c: i64, q: i64) -> i64 {
    let d = 8 * q;
    let a = (c.abs() + d / 2) / d;
    if c < 0 {
        -a
    } else {
        a
    }
}

fn descale(x: i64, n: i64) -> i64 {
    (x + (1 << (n - 1))) >> n
}

/// Panics unless `v` fits a 16-bit lane.
fn lane(v: i64, what: &str) -> i64 {
    assert!(
        i64::from(i16::MIN) <= v && v <= i64::from(i16::MAX),
        "{what} = {v} does not fit 16 bits"
    );
    v
}

/// libjpeg's accurate integer FDCT in its own grouping (z1..z5), in 64 bits, asserting that
/// every value the kernels keep in a 16-bit lane fits one.
fn reference_fdct(block: &[u8; 64]) -> [i64; 64] {
    const F0298: i64 = 2446;
    const F0390: i64 = 3196;
    const F0541: i64 = 4433;
    const F0765: i64 = 6270;
    const F0899: i64 = 7373;
    const F1175: i64 = 9633;
    const F1501: i64 = 12299;
    const F1847: i64 = 15137;
    const F1961: i64 = 16069;
    const F2053: i64 = 16819;
    const F2562: i64 = 20995;
    const F3072: i64 = 25172;
    let mut ws: [i64; 64] = std::array::from_fn(|i| i64::from(block[i]) - 128);
    for pass in 0..2 {
        let second = pass == 1;
        let (step, next) = if second { (8, 1) } else { (1, 8) };
        let n = if second { 15 } else { 11 };
        for line in 0..8 {
            let at = |k: usize| line * next + k * step;
            let d: [i64; 8] = std::array::from_fn(|k| lane(ws[at(k)], "input"));
            let tmp0 = lane(d[0] + d[7], "tmp0");
            let tmp7 = lane(d[0] - d[7], "tmp7");
            let tmp1 = lane(d[1] + d[6], "tmp1");
            let tmp6 = lane(d[1] - d[6], "tmp6");
            let tmp2 = lane(d[2] + d[5], "tmp2");
            let tmp5 = lane(d[2] - d[5], "tmp5");
            let tmp3 = lane(d[3] + d[4], "tmp3");
            let tmp4 = lane(d[3] - d[4], "tmp4");
            let tmp10 = lane(tmp0 + tmp3, "tmp10");
            let tmp13 = lane(tmp0 - tmp3, "tmp13");
            let tmp11 = lane(tmp1 + tmp2, "tmp11");
            let tmp12 = lane(tmp1 - tmp2, "tmp12");
            let mut o = [0i64; 8];
            if second {
                lane(tmp10 + tmp11 + 2, "sum + 2");
                lane(tmp10 - tmp11 + 2, "difference + 2");
                o[0] = descale(lane(tmp10 + tmp11, "sum"), 2);
                o[4] = descale(lane(tmp10 - tmp11, "difference"), 2);
            } else {
                o[0] = lane((tmp10 + tmp11) << 2, "out0");
                o[4] = lane((tmp10 - tmp11) << 2, "out4");
            }
            let z1 = (tmp12 + tmp13) * F0541;
            o[2] = descale(z1 + tmp13 * F0765, n);
            o[6] = descale(z1 - tmp12 * F1847, n);
            let z1 = tmp4 + tmp7;
            let z2 = tmp5 + tmp6;
            let z3 = lane(tmp4 + tmp6, "z3");
            let z4 = lane(tmp5 + tmp7, "z4");
            let z5 = (z3 + z4) * F1175;
            let (t4, t5, t6, t7) = (tmp4 * F0298, tmp5 * F2053, tmp6 * F3072, tmp7 * F1501);
            let (z1, z2) = (-z1 * F0899, -z2 * F2562);
            let (z3, z4) = (-z3 * F1961 + z5, -z4 * F0390 + z5);
            o[7] = descale(t4 + z1 + z3, n);
            o[5] = descale(t5 + z2 + z4, n);
            o[3] = descale(t6 + z2 + z3, n);
            o[1] = descale(t7 + z1 + z4, n);
            for (k, v) in o.into_iter().enumerate() {
                ws[at(k)] = lane(v, "output");
            }
        }
    }
    ws
}

/// The orthonormal-scaled 2-D DCT of JPEG (T.81 A.3.3) in f64.
fn real_dct(block: &[u8; 64]) -> [f64; 64] {
    let c = |k: usize| {
        if k == 0 {
            std::f64::consts::FRAC_1_SQRT_2
        } else {
            1.0
        }
    };
    std::array::from_fn(|i| {
        let (v, u) = (i / 8, i % 8);
        let mut sum = 0.0;
        for y in 0..8 {
            for x in 0..8 {
                let s = f64::from(block[8 * y + x]) - 128.0;
                sum += s
                    * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0).cos()
                    * ((2 * y + 1) as f64 * v as f64 * std::f64::consts::PI / 16.0).cos();
            }
        }
        0.25 * c(u) * c(v) * sum
    })
}

fn scalar_block(block: &[u8; 64], table: &[u16; 64]) -> [i16; 64] {
    let mut out = [[0i16; 64]];
    forward_row(
        SimdPath::Scalar,
        block,
        8,
        &QuantDivisors::new(table),
        &mut out,
    );
    out[0]
}

/// The blocks at which every 16-bit value of the transform reaches its extremes. Each value of
/// the first pass is a linear form (rounded monotonically) of one row's 8 samples, so it peaks
/// at a corner of the sample cube: one of the 256 rows of 0s and 255s. Each value of the second
/// pass of column u is a linear form of column u of the first pass's output, whose rows vary
/// independently over exactly [min, max] of that output; so it peaks where each row takes the
/// corner row that minimises or maximises output u: 256 sign patterns per column.
fn extreme_blocks() -> Vec<[u8; 64]> {
    let corner = |bits: usize| -> [u8; 8] {
        std::array::from_fn(|k| if bits >> k & 1 == 1 { 255 } else { 0 })
    };
    let row_pass = |row: [u8; 8]| -> [i16; 8] {
        super::scalar::dct_1d::<false>(std::array::from_fn(|k| i16::from(row[k]) - 128))
    };
    let mut blocks = Vec::new();
    for bits in 0..256 {
        let row = corner(bits);
        blocks.push(std::array::from_fn(|i| row[i % 8]));
    }
    for u in 0..8 {
        let by_output = |better: fn(i16, i16) -> bool| {
            (0..256)
                .map(corner)
                .reduce(|a, b| {
                    if better(row_pass(b)[u], row_pass(a)[u]) {
                        b
                    } else {
                        a
                    }
                })
                .expect("256 corners")
        };
        let (lo, hi) = (by_output(|a, b| a < b), by_output(|a, b| a > b));
        for signs in 0..256 {
            blocks.push(std::array::from_fn(|i| {
                if signs >> (i / 8) & 1 == 1 {
                    hi[i % 8]
                } else {
                    lo[i % 8]
                }
            }));
        }
    }
    blocks
}

fn random_blocks(rng: &mut Rng, n: usize) -> Vec<[u8; 64]> {
    (0..n)
        .map(|i| match i % 6 {
            0 => [0; 64],
            1 => [255; 64],
            2 => std::array::from_fn(|k| if (k / 8 + k % 8) % 2 == 0 { 0 } else { 255 }),
            3 => {
                let (a, b) = (rng.byte(), rng.byte());
                std::array::from_fn(|k| if (k / 8 + k % 8) % 2 == 0 { a } else { b })
            }
            4 => std::array::from_fn(|_| if rng.below(2) == 0 { 0 } else { 255 }),
            _ => std::array::from_fn(|_| rng.byte()),
        })
        .collect()
}

fn random_table(rng: &mut Rng) -> [u16; 64] {
    match rng.below(4) {
        0 => [1; 64],
        1 => [255; 64],
        _ => std::array::from_fn(|_| 1 + rng.below(255) as u16),
    }
}

#[test]
fn reciprocal_division_is_exact_for_every_16_bit_input_and_q() {
    for q in 1..=255u16 {
        let d = QuantDivisors::new(&[q; 64]);
        for c in i16::MIN..=i16::MAX {
            let got = scalar::quantise(c, d.recip[0], d.corr[0], d.scale[0]);
            assert_eq!(
                i64::from(got),
                divide(i64::from(c), i64::from(q)),
                "c {c} q {q}"
            );
            // The NEON form: the first high half shifted right instead of scaled.
            let a = c.unsigned_abs() + d.corr[0];
            let hi = ((u32::from(a) * u32::from(d.recip[0])) >> 16) as u16;
            assert_eq!(hi >> -d.neg_shift[0], got.unsigned_abs(), "c {c} q {q}");
        }
    }
}

#[test]
fn no_16_bit_lane_wraps_and_the_scalar_twin_is_libjpeg_islow() {
    let mut rng = Rng::new(1);
    let mut blocks = extreme_blocks();
    blocks.extend(random_blocks(&mut rng, 3000));
    for block in &blocks {
        let table = random_table(&mut rng);
        let reference = reference_fdct(block);
        let ours = scalar_block(block, &table);
        for i in 0..64 {
            assert_eq!(
                i64::from(ours[i]),
                divide(reference[i], i64::from(table[i])),
                "coefficient {i} of {block:?}"
            );
        }
    }
}

#[test]
fn scalar_twin_is_within_one_of_the_real_dct() {
    let mut rng = Rng::new(2);
    for block in random_blocks(&mut rng, 2000)
        .iter()
        .chain(&extreme_blocks())
    {
        let ours = scalar_block(block, &[1; 64]);
        let real = real_dct(block);
        for i in 0..64 {
            let diff = (f64::from(ours[i]) - real[i].round()).abs();
            assert!(diff <= 1.0, "coefficient {i}: {} vs {}", ours[i], real[i]);
        }
    }
}

#[test]
fn hand_computed_blocks() {
    // A flat block has only DC = 8 * (v - 128) / q, rounded half away from zero.
    for v in [0u8, 1, 100, 127, 128, 129, 200, 255] {
        for q in [1u16, 2, 3, 7, 16, 255] {
            let out = scalar_block(&[v; 64], &[q; 64]);
            let dc = divide(64 * (i64::from(v) - 128), i64::from(q));
            assert_eq!(i64::from(out[0]), dc, "v {v} q {q}");
            assert!(out[1..].iter().all(|&c| c == 0), "v {v} q {q}: {out:?}");
        }
    }
    // Extremes of DC at q = 1: all 0s gives -1024, all 255s gives 1016.
    assert_eq!(scalar_block(&[0; 64], &[1; 64])[0], -1024);
    assert_eq!(scalar_block(&[255; 64], &[1; 64])[0], 1016);
    // Columns alternating 0 and 255 (in steps of 2) put energy only in the first row of
    // coefficients, odd horizontal frequencies: the row transform of one row, unchanged down
    // the columns. The real DCT gives 1/4 * sqrt(2) * 2 * sum_x s(x) cos((2x+1)u pi / 16).
    let stripes: [u8; 64] = std::array::from_fn(|i| if i % 8 < 4 { 255 } else { 0 });
    let out = scalar_block(&stripes, &[1; 64]);
    let real = real_dct(&stripes);
    for (i, &c) in out.iter().enumerate() {
        if i >= 8 || i % 2 == 0 {
            assert_eq!(c, if i == 0 { -4 } else { 0 }, "coefficient {i}: {out:?}");
        } else {
            assert!(
                (f64::from(c) - real[i]).abs() <= 1.0,
                "{i}: {c} vs {}",
                real[i]
            );
        }
    }
}

#[test]
fn out_of_range_lengths_clip_instead_of_panicking() {
    let d = QuantDivisors::new(&[16; 64]);
    for path in SimdPath::ALL {
        let mut out = [[7i16; 64]; 3];
        // Two blocks' worth of 8 rows of 16 bytes, but three blocks asked.
        forward_row(path, &[128; 8 * 16], 16, &d, &mut out);
        assert_eq!(out[0], [0; 64]);
        assert_eq!(out[1], [0; 64]);
        assert_eq!(out[2], [7; 64]);
        forward_row(path, &[128; 10], usize::MAX, &d, &mut out);
        forward_row(path, &[], 0, &d, &mut out);
        // Stride 0: every row is the first.
        let mut one = [[0i16; 64]];
        forward_row(path, &[200; 8], 0, &d, &mut one);
        assert_eq!(one[0][0], divide(64 * 72, 16) as i16);
    }
}

#[test]
fn every_path_equals_the_scalar_twin() {
    let mut rng = Rng::new(3);
    let mut blocks = extreme_blocks();
    blocks.extend(random_blocks(&mut rng, 2000));
    for path in SimdPath::supported() {
        for chunk in blocks.chunks(37) {
            let table = random_table(&mut rng);
            let divisors = QuantDivisors::new(&table);
            // Lay the blocks side by side with some slack per row, and vary the count so
            // every tail length of a wide kernel is met.
            let count = 1 + rng.below(chunk.len() as u64) as usize;
            let stride = 8 * count + rng.below(9) as usize;
            let mut src = vec![0u8; 7 * stride + 8 * count];
            for (b, block) in chunk[..count].iter().enumerate() {
                for r in 0..8 {
                    src[r * stride + 8 * b..][..8].copy_from_slice(&block[8 * r..][..8]);
                }
            }
            let mut want = vec![[0i16; 64]; count];
            let mut got = vec![[0i16; 64]; count];
            forward_row(SimdPath::Scalar, &src, stride, &divisors, &mut want);
            forward_row(path, &src, stride, &divisors, &mut got);
            assert_eq!(got, want, "{path:?}");
        }
    }
}

/// Paths to measure: `KERNEL_PATHS` (comma-separated names, e.g. `avx2`) or all supported.
pub(crate) fn measured_paths() -> Vec<SimdPath> {
    let wanted = std::env::var("KERNEL_PATHS").unwrap_or_default();
    SimdPath::supported()
        .into_iter()
        .filter(|p| wanted.is_empty() || wanted.split(',').any(|w| w == p.as_str()))
        .collect()
}

/// `KERNEL_RUNS` timed runs of `KERNEL_REPS` calls each (9 and 200 by default); the median
/// run's nanoseconds per call.
pub(crate) fn median_ns_per_call(mut call: impl FnMut()) -> f64 {
    let var = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (runs, reps) = (var("KERNEL_RUNS", 9), var("KERNEL_REPS", 200));
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = std::time::Instant::now();
            for _ in 0..reps {
                call();
            }
            start.elapsed().as_nanos() as f64 / reps as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Throughput of one row of 252 blocks (a 2016-sample-wide plane) per path:
/// `cargo test -p downsize --lib fdct::tests::measure -- --ignored --nocapture`.
#[test]
#[ignore = "measurement, not a check"]
fn measure_forward_row() {
    const BLOCKS: usize = 252;
    let mut rng = Rng::new(9);
    let src: Vec<u8> = (0..64 * BLOCKS).map(|_| rng.byte()).collect();
    let divisors = QuantDivisors::new(&random_table(&mut rng));
    let mut out = vec![[0i16; 64]; BLOCKS];
    for path in measured_paths() {
        let ns = median_ns_per_call(|| {
            forward_row(
                path,
                std::hint::black_box(&src),
                8 * BLOCKS,
                &divisors,
                &mut out,
            );
            std::hint::black_box(&mut out);
        }) / BLOCKS as f64;
        println!(
            "forward_row {:>6}: {ns:6.1} ns/block, {:6.1} M blocks/s",
            path.as_str(),
            1e3 / ns
        );
    }
}

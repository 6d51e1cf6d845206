//! The NEON colour conversion: 16 pixels an iteration. One three-register table lookup
//! (`tbl`) gathers each channel from 48 bytes of RGB; the matrix runs as widening
//! multiply-accumulates by scalars in exact 32-bit lanes (wrapping unsigned arithmetic whose
//! final sums are never negative), and the rounding comes with the narrowing (`rshrn`,
//! `addhn`), giving the scalar twin's integers.

use std::arch::aarch64::*;

use super::consts::*;

/// Table indices of channel `ch` of 16 pixels in 48 bytes of RGB.
const fn gather(ch: usize) -> [u8; 16] {
    let mut m = [0u8; 16];
    let mut j = 0;
    while j < 16 {
        m[j] = (3 * j + ch) as u8;
        j += 1;
    }
    m
}

const GATHER: [[u8; 16]; 3] = [gather(0), gather(1), gather(2)];

#[target_feature(enable = "neon")]
pub(super) fn rgb_row(rgb: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    // One call site of the conversion, so that it is inlined: a last partial group runs
    // padded and keeps only its pixels.
    let groups = rgb
        .chunks(48)
        .zip(y.chunks_mut(16))
        .zip(cb.chunks_mut(16))
        .zip(cr.chunks_mut(16));
    for (((px, y), cb), cr) in groups {
        let mut bytes = [0u8; 48];
        // Fixed-size copies for whole groups; only the last one copies a variable length.
        match <&[u8; 48]>::try_from(px) {
            Ok(whole) => bytes = *whole,
            Err(_) => bytes[..px.len()].copy_from_slice(px),
        }
        let planes = convert16(bytes);
        for (plane, out) in planes.iter().zip([y, cb, cr]) {
            match <&mut [u8; 16]>::try_from(&mut *out) {
                Ok(whole) => *whole = *plane,
                Err(_) => out.copy_from_slice(&plane[..out.len()]),
            }
        }
    }
}

/// `c0 * a + c1 * b + c2 * c` in wrapping 32-bit lanes for 8 pixels, low and high halves;
/// a negative constant subtracts.
#[target_feature(enable = "neon")]
#[inline]
fn dot(x: [uint16x8_t; 3], c: [i32; 3]) -> (uint32x4_t, uint32x4_t) {
    let mut lo = vmull_n_u16(vget_low_u16(x[0]), c[0] as u16);
    let mut hi = vmull_high_n_u16(x[0], c[0] as u16);
    for k in 1..3 {
        let m = c[k].unsigned_abs() as u16;
        if c[k] < 0 {
            lo = vmlsl_n_u16(lo, vget_low_u16(x[k]), m);
            hi = vmlsl_high_n_u16(hi, x[k], m);
        } else {
            lo = vmlal_n_u16(lo, vget_low_u16(x[k]), m);
            hi = vmlal_high_n_u16(hi, x[k], m);
        }
    }
    (lo, hi)
}

#[target_feature(enable = "neon")]
#[inline]
fn convert16(bytes: [u8; 48]) -> [[u8; 16]; 3] {
    let table: uint8x16x3_t = bytemuck::cast(bytes);
    let idx: [uint8x16_t; 3] = bytemuck::cast(GATHER);
    let (r, g, b) = (
        vqtbl3q_u8(table, idx[0]),
        vqtbl3q_u8(table, idx[1]),
        vqtbl3q_u8(table, idx[2]),
    );
    let offset = vdupq_n_u32(CHROMA_OFFSET as u32);
    let mut planes = [[vdup_n_u8(0); 2]; 3];
    for h in 0..2 {
        let (r, g, b) = if h == 0 {
            (
                vmovl_u8(vget_low_u8(r)),
                vmovl_u8(vget_low_u8(g)),
                vmovl_u8(vget_low_u8(b)),
            )
        } else {
            (vmovl_high_u8(r), vmovl_high_u8(g), vmovl_high_u8(b))
        };
        // Y's rounding is exactly the rounding shift's half; Y_ROUND is 1 << 15.
        let (lo, hi) = dot([r, g, b], [Y_R, Y_G, Y_B]);
        let y = vrshrn_high_n_u32::<{ SCALE_BITS as i32 }>(
            vrshrn_n_u32::<{ SCALE_BITS as i32 }>(lo),
            hi,
        );
        // (x + offset) >> 16 is the high half of the sum: `addhn`.
        let (lo, hi) = dot([b, r, g], [CB_B, CB_R, CB_G]);
        let cb = vaddhn_high_u32(vaddhn_u32(lo, offset), hi, offset);
        let (lo, hi) = dot([r, g, b], [CR_R, CR_G, CR_B]);
        let cr = vaddhn_high_u32(vaddhn_u32(lo, offset), hi, offset);
        planes[0][h] = vmovn_u16(y);
        planes[1][h] = vmovn_u16(cb);
        planes[2][h] = vmovn_u16(cr);
    }
    let mut out = [[0u8; 16]; 3];
    for (o, [lo, hi]) in out.iter_mut().zip(planes) {
        *o = bytemuck::cast(vcombine_u8(lo, hi));
    }
    out
}

/// libjpeg's alternating bias, `even, odd` repeated, in 16-bit lanes.
#[target_feature(enable = "neon")]
#[inline]
fn bias(even: u16, odd: u16) -> uint16x8_t {
    vreinterpretq_u16_u32(vdupq_n_u32(u32::from(even) | (u32::from(odd) << 16)))
}

#[target_feature(enable = "neon")]
#[inline]
fn load16(bytes: &[u8]) -> uint8x16_t {
    let mut b = [0u8; 16];
    b.copy_from_slice(bytes);
    bytemuck::cast(b)
}

/// 8 outputs from each 16 columns (`uaddlp`/`uadalp` sum the pairs); the rest, fewer than 8
/// outputs, by the scalar twin, whose bias parity matches since 8 is even.
#[target_feature(enable = "neon")]
pub(super) fn downsample_2x2_row(row0: &[u8], row1: &[u8], out: &mut [u8]) {
    let whole = (row0.len() / 16).min(row1.len() / 16).min(out.len() / 8);
    let chunks = row0
        .chunks_exact(16)
        .zip(row1.chunks_exact(16))
        .zip(out.chunks_exact_mut(8))
        .take(whole);
    for ((a, b), o) in chunks {
        let s = vpadalq_u8(vpaddlq_u8(load16(a)), load16(b));
        let v: [u8; 8] = bytemuck::cast(vshrn_n_u16::<2>(vaddq_u16(s, bias(1, 2))));
        o.copy_from_slice(&v);
    }
    super::scalar::downsample_2x2_row(
        &row0[16 * whole..],
        &row1[16 * whole..],
        &mut out[8 * whole..],
    );
}

/// As [`downsample_2x2_row`], one row.
#[target_feature(enable = "neon")]
pub(super) fn downsample_2x1_row(row: &[u8], out: &mut [u8]) {
    let whole = (row.len() / 16).min(out.len() / 8);
    for (a, o) in row
        .chunks_exact(16)
        .zip(out.chunks_exact_mut(8))
        .take(whole)
    {
        let s = vaddq_u16(vpaddlq_u8(load16(a)), bias(0, 1));
        let v: [u8; 8] = bytemuck::cast(vshrn_n_u16::<1>(s));
        o.copy_from_slice(&v);
    }
    super::scalar::downsample_2x1_row(&row[16 * whole..], &mut out[8 * whole..]);
}

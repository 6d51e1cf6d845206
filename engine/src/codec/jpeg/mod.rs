//! JPEG: the header walk, decoding (interleaved pixels, or YCbCr planes one iMCU row at a time)
//! and encoding (from pixels or planes). The engine's own DCT-domain decoder and planar encoder
//! grow here beside the zune-jpeg and jpeg-encoder paths they replace; zune-jpeg stays as the
//! oracle for tests and fuzzing. Their kernel families, each a scalar twin beside its AVX2 and
//! NEON kernels, are here already and tested bit-exact: `idct` (full and DCT-domain scaled
//! inverse transforms), `fdct` (forward transform and quantisation), `rgb_to_ycc` (colour and
//! chroma downsampling).

#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod fdct;
mod header;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod idct;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod rgb_to_ycc;
mod writer;
mod zune;

pub(crate) use header::{probe, Header};
pub(crate) use writer::{encode_pixels, encode_planes, MAX_SIDE};
pub(crate) use zune::{decode_interleaved, estimated_planes, PlaneReader};

use crate::pixels::Layout;
use crate::probe::ImageInfo;

/// The interleaved layout a decode gives: grey for one component, RGB for everything else
/// (YCbCr, RGB, CMYK and YCCK are converted).
pub(crate) fn decoded_layout(info: &ImageInfo) -> Layout {
    if info.components == 1 {
        Layout::Gray8
    } else {
        Layout::Rgb8
    }
}

/// Memory the decoder holds besides the pixels or rows it hands out, on either path: every
/// coefficient for a progressive file, a row of MCUs otherwise (up to 32 rows of 4 components
/// at 16 bits).
pub(crate) fn decoder_bytes(info: &ImageInfo, header: &Header) -> u64 {
    if info.progressive {
        header.coefficient_bytes
    } else {
        u64::from(info.width) * 32 * 4 * 2
    }
}

/// Whether the file can be handed out as YCbCr planes: three components with full-size or
/// halved chroma (4:4:4, 4:2:2, 4:4:0 or 4:2:0: what phones and cameras write). Whether the
/// components really are YCbCr (not RGB with the same factors) is known once the decoder has
/// read the colour markers; [`PlaneReader::open`] says so.
pub(crate) fn has_planes(info: &ImageInfo, header: &Header) -> bool {
    info.components == 3
        && matches!(header.sampling[0], (1 | 2, 1 | 2))
        && header.sampling[1..3] == [(1, 1), (1, 1)]
}

/// The planes an output of `width` x `height` is encoded from: luma at full size and chroma
/// halved each way (4:2:0, what every JPEG output is).
pub(crate) fn output_planes(width: u32, height: u32) -> [(u32, u32); 3] {
    let half = (width.div_ceil(2), height.div_ceil(2));
    [(width, height), half, half]
}

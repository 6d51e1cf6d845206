//! ICC profile checks. A profile is kept on the output so colours look the same (a Display P3
//! phone photo shown as sRGB looks washed out), but only when it describes the output's pixels:
//! a CMYK profile on RGB output would make viewers misrender every colour.

/// The data colour space an ICC profile describes (header bytes 16..20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IccSpace {
    /// 'RGB '
    Rgb,
    /// 'GRAY'
    Gray,
    /// 'CMYK' or anything else.
    Other,
}

/// Reads the data colour space of a profile; `None` when it is too short to be a profile.
pub fn space(profile: &[u8]) -> Option<IccSpace> {
    if profile.len() < 128 {
        return None;
    }
    Some(match &profile[16..20] {
        b"RGB " => IccSpace::Rgb,
        b"GRAY" => IccSpace::Gray,
        _ => IccSpace::Other,
    })
}

/// Whether `profile` may be attached to output with `channels` colour channels (1 or 3).
pub fn fits(profile: &[u8], colour_channels: usize) -> bool {
    matches!(
        (space(profile), colour_channels),
        (Some(IccSpace::Rgb), 3) | (Some(IccSpace::Gray), 1)
    )
}

//! Instruction sets: the one type every kernel family (resize, JPEG IDCT, FDCT, colour) is
//! dispatched on, and the CPU detection run once per process.
//!
//! Kernels are written as safe `#[target_feature]` functions beside a scalar twin; a caller that
//! holds a [`SimdPath`] the CPU supports may call the matching kernel. Forcing a path (tests that
//! compare every kernel with its scalar twin) goes through [`SimdPath::supported`], never around
//! it, so no kernel runs on a CPU without its instructions.

use std::sync::OnceLock;

/// An instruction set a kernel can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimdPath {
    /// Portable Rust, every CPU.
    Scalar,
    /// x86_64 SSE4.1.
    Sse41,
    /// x86_64 AVX2 (with FMA not assumed).
    Avx2,
    /// arm64 NEON (Advanced SIMD, part of every AArch64 core).
    Neon,
}

impl SimdPath {
    /// Every path, scalar first.
    pub const ALL: [SimdPath; 4] = [
        SimdPath::Scalar,
        SimdPath::Sse41,
        SimdPath::Avx2,
        SimdPath::Neon,
    ];

    /// Whether this CPU can run code of this path.
    pub fn is_supported(self) -> bool {
        match self {
            SimdPath::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            SimdPath::Sse41 => std::arch::is_x86_feature_detected!("sse4.1"),
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "aarch64")]
            SimdPath::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// Every path this CPU can run, scalar first.
    pub fn supported() -> Vec<SimdPath> {
        SimdPath::ALL
            .into_iter()
            .filter(|p| p.is_supported())
            .collect()
    }

    /// The best path this CPU supports, detected once per process.
    pub fn detected() -> SimdPath {
        static DETECTED: OnceLock<SimdPath> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            SimdPath::supported()
                .into_iter()
                .next_back()
                .unwrap_or(SimdPath::Scalar)
        })
    }

    /// Lowercase name for logs and bench tables.
    pub fn as_str(self) -> &'static str {
        match self {
            SimdPath::Scalar => "scalar",
            SimdPath::Sse41 => "sse4.1",
            SimdPath::Avx2 => "avx2",
            SimdPath::Neon => "neon",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_is_supported_and_scalar_always_is() {
        let supported = SimdPath::supported();
        assert_eq!(supported.first(), Some(&SimdPath::Scalar));
        assert!(supported.contains(&SimdPath::detected()));
        #[cfg(target_arch = "aarch64")]
        assert_eq!(SimdPath::detected(), SimdPath::Neon);
    }
}

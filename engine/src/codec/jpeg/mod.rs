//! JPEG: the engine's own decoder (DCT-domain scaling, planes out) and encoder (planes in), with
//! their SIMD kernels, and zune-jpeg kept as the oracle for tests and fuzzing.

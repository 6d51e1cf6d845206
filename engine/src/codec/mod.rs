//! Codecs: one room per format. Each format's folder holds everything it needs (header probe,
//! decoder, encoder, its kernels) behind the small interface the pipeline uses.

pub(crate) mod jpeg;

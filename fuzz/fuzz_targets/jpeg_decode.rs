//! Any bytes that sniff as JPEG, through the public API, must give an output or an error: never a
//! panic, a hang or an allocation past the limits.
#![no_main]

use downsize::{Format, Request, Variant};
use downsize_fuzz::{check_outputs, fuzz_engine, small_image};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if small_image(data, Some(Format::Jpeg)).is_none() {
        return;
    }
    let variant = Variant::parse("w64").expect("valid spec");
    if let Ok(outputs) = fuzz_engine().process(data, &Request::single(variant)) {
        check_outputs(&outputs);
    }
});

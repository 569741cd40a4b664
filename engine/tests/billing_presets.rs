//! placeholder
use engine::billing::*;
#[test]
fn stub() {
    let _ = RetailPreset::ALL;
}

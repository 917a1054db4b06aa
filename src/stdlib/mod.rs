//! The std rule library, written in Charter and embedded in the binary.

/// `(display name, source)` of every std file.
pub const FILES: [(&str, &str); 3] = [
    ("<std>/governance.charter", include_str!("governance.charter")),
    ("<std>/metrics.charter", include_str!("metrics.charter")),
    ("<std>/delivery.charter", include_str!("delivery.charter")),
];

//! serde support for {{crate_name}}, binary `{{bin_name}}`.

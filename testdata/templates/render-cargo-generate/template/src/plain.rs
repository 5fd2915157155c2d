//! Plain data types for {{crate_name}}.

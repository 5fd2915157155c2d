//! Parsers that keep source positions: spans in, typed trees out. Checks read values
//! through these and report at the byte ranges they return.

pub mod template;
pub mod templated_yaml;
pub mod yaml;
pub mod yaml_parts;

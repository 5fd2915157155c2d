//! serde support for demo_tool, binary `demo-cli`.

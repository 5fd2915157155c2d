//! cargo-generate.
use super::RenderError;
use super::tree::Run;
use crate::templates::Unit;
use serde_json::Map;
pub(super) fn render(
    _run: &mut Run,
    _unit: &Unit,
    _values: &Map<String, serde_json::Value>,
) -> Result<(), RenderError> {
    Ok(())
}

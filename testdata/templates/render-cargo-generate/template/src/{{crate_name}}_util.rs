//! Helpers of {{crate_name}}.
{% raw %}// {{ kept }} as written{% endraw %}
pub fn answer() -> u32 {
    {{ 40 | plus: 2 }}
}

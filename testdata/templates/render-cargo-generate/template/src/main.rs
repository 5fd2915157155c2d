//! {{ description | capitalize }}

mod {{crate_name}}_util;

const NAME: &str = "{{ project-name | upper_camel_case }}";
const ENV_PREFIX: &str = "{{ crate_name | shouty_snake_case }}";

{% if use_serde %}#[derive(serde::Serialize)]
{% endif %}struct {{ project-name | pascal_case }}Config {
    verbose: bool,
}

fn main() {
    println!("{NAME} ({ENV_PREFIX}) {}", "{{ project-name | kebab_case }}-{{ project-name | snake_case }}");
    println!("{{ project-name | title_case }} / {{ project-name | lower_camel_case }} / {{ project-name | shouty_kebab_case }}");
    println!("undeclared: [{{ not_declared_anywhere }}]");
}

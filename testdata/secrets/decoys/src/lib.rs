use std::env;

pub const PASSWORD_ENV: &str = "APP_PASSWORD";
pub const TOKEN_PLACEHOLDER: &str = "<token>";

pub fn password() -> String {
    let password = env::var("APP_PASSWORD").unwrap_or_default();
    password
}

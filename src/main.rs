use std::io::Write;
use std::process::ExitCode;

/// Exit codes: 0 no failing findings, 1 failing findings, 2 the run cannot be trusted (its
/// error printed here, once).
fn main() -> ExitCode {
    match template_validator::cli::run() {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "{}", e.render());
            ExitCode::from(2)
        }
    }
}

use std::process::ExitCode;

fn main() -> ExitCode {
    template_validator::cli::main()
}

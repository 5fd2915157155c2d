//! What `verify` and `baseline` share: settings resolved, then the scan; and `baseline`.

use std::io::Write;
use std::process::ExitCode;

use anstream::ColorChoice;

use super::args::{BaselineArgs, ScanFlags};
use super::{Error, shown, write_to, written};
use crate::baseline::Baseline;
use crate::engine::{self, Outcome};
use crate::settings::{self, ScanArgs, Settings};

/// The most worker threads `--jobs` gets: four per core, at least 16, at most 256. More
/// only costs time creating them (`-j 100000` would not finish).
fn max_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_mul(4).clamp(16, 256)
}

/// `--jobs`, clamped to [`max_jobs`] with a warning; `0` (or none) means one per core.
pub(super) fn jobs(requested: Option<usize>) -> usize {
    let requested = requested.unwrap_or(0);
    let max = max_jobs();
    if requested > max {
        let _ = writeln!(
            anstream::stderr(),
            "warning: --jobs {requested} is more than this machine can use; using {max}"
        );
        max
    } else {
        requested
    }
}

/// A finished scan with the settings it used.
pub(super) struct Scanned {
    pub(super) settings: Settings,
    pub(super) outcome: Outcome,
}

/// Resolve the settings (`--strict` given or not) and scan the repository.
pub(super) fn scan(flags: &ScanFlags, strict: bool) -> Result<Scanned, Error> {
    let args = ScanArgs {
        rules: flags.selection.rule_args(),
        no_ignore: flags.selection.no_ignore,
        no_render: flags.selection.no_render,
        threads: jobs(flags.jobs),
        strict,
    };
    let settings = settings::resolve(&args, Some(&flags.path))?;
    let outcome = engine::scan(&flags.path, &settings.rules, &settings.walk)?;
    Ok(Scanned { settings, outcome })
}

pub(super) fn baseline(args: BaselineArgs) -> Result<ExitCode, Error> {
    let Scanned { settings, outcome } = scan(&args.scan, false)?;
    let baseline = Baseline::from_outcome(&outcome, &settings.rules);
    let output = args.output.as_deref();
    let result = write_to(output, ColorChoice::Never, |out| {
        serde_json::to_writer_pretty(&mut *out, &baseline)?;
        writeln!(out)
    });
    written(result, &shown(output))?;
    if let Some(path) = output {
        let _ = writeln!(
            anstream::stderr(),
            "recorded {} in {}",
            crate::util::plural(baseline.findings.len(), "finding"),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

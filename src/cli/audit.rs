//! `audit` and `audit-merge`.

use std::io::Write;
use std::process::ExitCode;

use super::Error;
use super::args::{AuditArgs, AuditMergeArgs};
use super::scan::jobs;
use crate::audit::remote::Client;
use crate::audit::source::{self as audit_source, Location, RepoSpec};
use crate::audit::summary::{FailOn, Summary};
use crate::audit::{self, AuditError, AuditOptions};
use crate::settings::ScanArgs;

pub(super) fn audit(args: AuditArgs) -> Result<ExitCode, Error> {
    if (args.templates_only || args.include_archived) && args.github_org.is_none() {
        return Err(Error::Usage(
            "--templates-only and --include-archived go with --github-org",
        ));
    }
    let rules = args.selection.rule_args();
    rules.validate()?;
    let jobs = jobs(args.jobs);
    let (specs, client) = repositories(&args)?;
    let specs = audit_source::shard(specs, args.shard);
    let needs_client = specs
        .iter()
        .any(|s| matches!(s.location, Location::GitHub { .. }));
    let client = match client {
        None if needs_client => Some(Client::from_env()?),
        client => client,
    };
    let opts = AuditOptions {
        out: args.out,
        previous: args.previous,
        jobs,
        scan: ScanArgs {
            rules,
            no_ignore: args.selection.no_ignore,
            no_render: args.selection.no_render,
            threads: 1,
            strict: args.strict,
        },
    };
    let summary = audit::run(&specs, &opts, client.as_ref())?;
    Ok(audit_exit(&summary, args.fail_on))
}

/// The repositories `--dir`, `--manifest` or `--github-org` name, with the client that
/// listed them (for `--github-org`).
fn repositories(args: &AuditArgs) -> Result<(Vec<RepoSpec>, Option<Client>), Error> {
    if let Some(dir) = &args.dir {
        let specs = audit_source::from_dir(dir).map_err(AuditError::from)?;
        Ok((specs, None))
    } else if let Some(manifest) = &args.manifest {
        let specs = audit_source::from_manifest(manifest).map_err(AuditError::from)?;
        Ok((specs, None))
    } else if let Some(org) = &args.github_org {
        let list_org = |source| Error::ListOrg {
            org: org.clone(),
            source,
        };
        let client = Client::from_env().map_err(list_org)?;
        let specs = client
            .list_org(org)
            .map_err(list_org)?
            .into_iter()
            .filter(|r| !args.templates_only || r.is_template)
            .filter(|r| args.include_archived || !r.archived)
            .filter_map(|r| RepoSpec::github(&r.full_name, r.default_branch))
            .collect();
        Ok((specs, Some(client)))
    } else {
        Err(Error::Usage("give --dir, --manifest or --github-org"))
    }
}

fn audit_exit(summary: &Summary, fail_on: FailOn) -> ExitCode {
    let t = &summary.totals;
    let _ = writeln!(
        anstream::stderr(),
        "audited {} repositories: {} passed, {} failed, {} not audited; {} new findings ({} failing), {} fixed",
        t.repositories,
        t.passed,
        t.failed,
        t.errors,
        t.new,
        t.new_failing,
        t.fixed
    );
    if summary.fails(fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub(super) fn audit_merge(args: AuditMergeArgs) -> Result<ExitCode, Error> {
    let summary = audit::merge(&args.dirs, &args.out, args.previous.as_deref(), args.strict)?;
    Ok(audit_exit(&summary, args.fail_on))
}

//! Where a repository's build contexts are.

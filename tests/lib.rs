//! Test-only package: the workspace-level tests live in `it/` (one test binary, `it`).

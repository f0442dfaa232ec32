//! Tests of `note`.
use super::*;
